/*
 * Sessions: the active side of BGP (connect, OPEN, KEEPALIVE) and the
 * writer that pushes an image down the socket.
 *
 * Plain non-blocking sockets and one poll(2) loop, not libevent: the
 * whole job is to write a few big prepared buffers as fast as the kernel
 * takes them, and write(2) straight from the shared image is the fastest
 * way there.  A bufferevent would copy every byte into its evbuffer (or
 * need a reference per chunk) and decide on its own how much to write;
 * here the writer picks the chunk: everything it can, except that a
 * pending control message (KEEPALIVE, NOTIFICATION, End-of-RIB) makes it
 * stop at the next message boundary (the image's bounds array) and slip
 * the control message in there.  The few timers (keepalive, hold timer,
 * --withdraw-after, --hold) are checked on every wake-up; thirty
 * sessions in one poll set cost nothing.
 *
 * A session's life: connect from its source address, send OPEN, take
 * the receiver's OPEN (checking --remote-as, negotiating capabilities and
 * the hold time), KEEPALIVE both ways, then the feed image, End-of-RIB
 * for each negotiated family, optionally the withdrawal image, and a
 * Cease (Administrative Shutdown) NOTIFICATION.  It closes by shutting
 * down its sending side and reading until the receiver closes, so that
 * nothing in flight is lost to a reset.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "feedtypes.h"

#define CONNECT_TIMEOUT	10.0		/* seconds to connect */
#define OPEN_TIMEOUT	30.0		/* seconds to Established */
#define CLOSE_TIMEOUT	3.0		/* seconds to wait for the FIN */
#define RBUF_LEN	(2 * BGP_MAX_EXT_LEN)

enum sstate {
	S_CONNECT,
	S_OPENSENT,
	S_OPENCONFIRM,
	S_FEED,			/* writing the image */
	S_HOLD,			/* fed: keeping the session up */
	S_WITHDRAW,		/* writing the withdrawal image */
	S_CLOSING,		/* Cease queued or sent, waiting for EOF */
	S_DONE
};

static const char *const sstate_names[] = {
	"Connect", "OpenSent", "OpenConfirm", "Established (feeding)",
	"Established (holding)", "Established (withdrawing)", "Closing",
	"Done"
};

struct sess {
	const struct sess_opts	*o;
	const struct sess_spec	*spec;
	int			 fd;
	enum sstate		 state;
	char			 name[BW_ADDR_STRLEN];
	uint32_t		 router_id;
	struct bgp_caps		 ours;
	struct bgp_neg		 neg;
	struct enc_key		 key;
	uint16_t		 holdtime;	/* negotiated */
	uint32_t		 peer_as;

	struct bytes		 ctl;		/* control messages to write */
	size_t			 ctloff;
	const struct image	*bulk;
	size_t			 boff;
	size_t			 bend;		/* stop here (a boundary) */
	size_t			 bidx;		/* first bound > boff */
	int			 eor_queued;
	int			 shut;		/* shut down once ctl is out */

	uint8_t			*rbuf;
	size_t			 rlen;

	double			 t_start, t_est, t_first, t_eor, t_acked;
	double			 t_withdraw, t_close, t_closing;
	double			 last_write, last_read;
	int			 fed;
	int			 failed;
	uint64_t		 msgs, ann, wd, bytes;
	uint64_t		 feed_ann, feed_bytes;	/* at End-of-RIB */
	uint64_t		 nraw, nrecoded, dropped;
};

static volatile sig_atomic_t stop_signal;

static void
on_signal(int sig)
{
	stop_signal = sig;
}

double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
sess_expected_key(const struct sess_opts *o, struct enc_key *k)
{
	memset(k, 0, sizeof(*k));
	k->as4 = !o->as2;
	k->aids = AIDS_ALL;
	k->addpath = o->add_path ? AIDS_ALL : 0;
	k->maxlen = o->ext_msg ? BGP_MAX_EXT_LEN : BGP_MAX_LEN;
}

static void
sess_log(const struct sess *s, const char *fmt, const char *a)
{
	fprintf(stderr, "bgpfeed: %s: ", s->name);
	fprintf(stderr, fmt, a);
	fputc('\n', stderr);
}

/* Marks the session failed with a message, once. */
static void
sess_error(struct sess *s, const char *what, const char *detail)
{
	if (!s->failed) {
		fprintf(stderr, "bgpfeed: %s: %s%s%s\n", s->name, what,
		    detail ? ": " : "", detail ? detail : "");
		s->failed = 1;
	}
}

static void
sess_close_fd(struct sess *s)
{
	if (s->fd != -1)
		close(s->fd);
	s->fd = -1;
	s->state = S_DONE;
}

/* Output */

/* Appends a control message built by enc.  Returns 0, or -1. */
static int
ctl_reserve(struct sess *s, struct wbuf *w, size_t n)
{
	if (s->ctloff == s->ctl.len)
		s->ctl.len = s->ctloff = 0;
	if (bytes_reserve(&s->ctl, n) == -1)
		return -1;
	wbuf_init(w, s->ctl.p + s->ctl.len, s->ctl.cap - s->ctl.len);
	return 0;
}

static void
ctl_commit(struct sess *s, const struct wbuf *w)
{
	if (!w->err)
		s->ctl.len += w->len;
}

static void
queue_keepalive(struct sess *s)
{
	struct wbuf	w;

	if (ctl_reserve(s, &w, BGP_KEEPALIVE_LEN) == 0 &&
	    bgp_keepalive_encode(&w) == 0)
		ctl_commit(s, &w);
}

static void
queue_notification(struct sess *s, uint8_t code, uint8_t subcode,
    const uint8_t *data, size_t len)
{
	struct wbuf	w;

	if (ctl_reserve(s, &w, BGP_MAX_LEN) == 0) {
		if (code == ERR_CEASE && subcode == ERR_CEASE_ADMIN_DOWN)
			bgp_notification_encode_shutdown(&w, subcode,
			    "bgpfeed: feed done");
		else
			bgp_notification_encode(&w, code, subcode, data,
			    len > 64 ? 64 : len);
		ctl_commit(s, &w);
	}
}

/* Stops the image at the next message boundary. */
static void
bulk_cut(struct sess *s)
{
	const struct image *im = s->bulk;

	if (im == NULL)
		return;
	if (s->boff == 0 || (s->bidx > 0 && im->bounds[s->bidx - 1] ==
	    s->boff))
		s->bend = s->boff;
	else
		s->bend = s->bidx < im->nmsgs ? im->bounds[s->bidx] : im->len;
}

/*
 * Queues a NOTIFICATION and closes after it: Cease/Administrative
 * Shutdown when all went well, the error otherwise.
 */
static void
sess_shutdown(struct sess *s, uint8_t code, uint8_t subcode,
    const uint8_t *data, size_t len)
{
	if (s->fd == -1 || s->state == S_DONE)
		return;
	if (s->state == S_CONNECT) {
		sess_close_fd(s);
		return;
	}
	if (s->state == S_CLOSING)
		return;
	bulk_cut(s);
	queue_notification(s, code, subcode, data, len);
	s->shut = 1;
	s->state = S_CLOSING;
	s->t_closing = now() + CLOSE_TIMEOUT;
}

static void
sess_fail_notify(struct sess *s, const struct bgp_err *err)
{
	sess_error(s, "sent NOTIFICATION", err->reason);
	sess_shutdown(s, err->code, err->subcode, bgp_err_data(err),
	    err->datalen);
}

static void
bulk_start(struct sess *s, const struct image *im)
{
	s->bulk = im;
	s->boff = 0;
	s->bidx = im->nmsgs > 0 && im->bounds[0] == 0 ? 1 : 0;
	s->bend = im->len;
}

static void
queue_eor(struct sess *s)
{
	struct wbuf	w;
	uint8_t		aid;

	for (aid = AID_INET; aid < AID_MAX; aid++) {
		if (!s->neg.af[aid] || ctl_reserve(s, &w, 64) == -1 ||
		    bgp_eor_encode(&w, aid) == -1)
			continue;
		ctl_commit(s, &w);
		s->msgs++;
		s->bytes += w.len;
	}
	s->eor_queued = 1;
}

static void
fed(struct sess *s, double t)
{
	s->fed = 1;
	s->t_eor = t;
	s->feed_ann = s->ann;
	s->feed_bytes = s->bytes;
	s->state = S_HOLD;
	if (s->o->withdraw_after >= 0)
		s->t_withdraw = t + s->o->withdraw_after;
	else if (s->o->hold >= 0)
		s->t_close = t + s->o->hold;
}

/* The image was written to its end. */
static void
bulk_done(struct sess *s)
{
	const struct image *im = s->bulk;

	s->bulk = NULL;
	s->msgs += im->nmsgs;
	s->ann += im->nann;
	s->wd += im->nwd;
	s->bytes += im->len;
	s->nraw += im->nraw;
	s->nrecoded += im->nrecoded;
	s->dropped += im->dropped;
	if (s->state == S_FEED)
		queue_eor(s);
	else if (s->state == S_WITHDRAW) {
		s->state = S_HOLD;
		if (s->o->hold >= 0)
			s->t_close = now() + s->o->hold;
	}
}

static ssize_t
sess_send(struct sess *s, const uint8_t *p, size_t n)
{
	ssize_t	w;

	w = send(s->fd, p, n, MSG_NOSIGNAL);
	if (w > 0)
		s->last_write = now();
	return w;
}

static int
bulk_at_boundary(const struct sess *s)
{
	return s->bulk == NULL || s->boff == 0 || s->boff >= s->bend ||
	    (s->bidx > 0 && s->bulk->bounds[s->bidx - 1] == s->boff);
}

/* Writes control bytes.  Returns 1 if all went, 0 if blocked, -1. */
static int
flush_ctl(struct sess *s)
{
	ssize_t	n;

	while (s->ctloff < s->ctl.len) {
		n = sess_send(s, s->ctl.p + s->ctloff, s->ctl.len - s->ctloff);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		s->ctloff += (size_t)n;
	}
	s->ctl.len = s->ctloff = 0;
	if (s->eor_queued) {
		s->eor_queued = 0;
		fed(s, s->last_write);
	}
	return 1;
}

/* Writes image bytes up to end.  Returns 1 if all went, 0 if blocked, -1. */
static int
flush_bulk(struct sess *s, size_t end)
{
	const struct image	*im = s->bulk;
	ssize_t			 n;

	while (s->boff < end) {
		if (s->t_first == 0 && s->state == S_FEED)
			s->t_first = now();
		n = sess_send(s, im->p + s->boff, end - s->boff);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		s->boff += (size_t)n;
		while (s->bidx < im->nmsgs && im->bounds[s->bidx] <= s->boff)
			s->bidx++;
	}
	return 1;
}

static size_t
bulk_next_bound(const struct sess *s)
{
	size_t	b;

	b = s->bidx < s->bulk->nmsgs ? s->bulk->bounds[s->bidx] :
	    s->bulk->len;
	return b < s->bend ? b : s->bend;
}

/* Writes what can be written.  Returns 0, or -1 on a socket error. */
static int
sess_flush(struct sess *s)
{
	int	rc;

	for (;;) {
		if (s->ctloff < s->ctl.len && bulk_at_boundary(s)) {
			if ((rc = flush_ctl(s)) <= 0)
				return rc;
			continue;
		}
		if (s->bulk != NULL && s->boff < s->bend) {
			rc = flush_bulk(s, s->ctloff < s->ctl.len ?
			    bulk_next_bound(s) : s->bend);
			if (rc <= 0)
				return rc;
			continue;
		}
		if (s->bulk != NULL && s->boff >= s->bulk->len) {
			bulk_done(s);
			continue;
		}
		break;
	}
	if (s->shut && s->ctloff == s->ctl.len) {
		s->shut = 0;
		shutdown(s->fd, SHUT_WR);
	}
	return 0;
}

static int
sess_wants_write(const struct sess *s)
{
	return s->state == S_CONNECT || s->ctloff < s->ctl.len ||
	    (s->bulk != NULL && s->boff < s->bend) || s->shut;
}

/* Connecting */

static void
sess_name(struct sess *s)
{
	struct sockaddr_storage	ss;
	socklen_t		sl = sizeof(ss);
	const void		*a = NULL;

	if (getsockname(s->fd, (struct sockaddr *)&ss, &sl) == -1)
		return;
	if (ss.ss_family == AF_INET) {
		a = &((struct sockaddr_in *)&ss)->sin_addr;
		if (s->router_id == 0)
			s->router_id = ntohl(((struct sockaddr_in *)&ss)->
			    sin_addr.s_addr);
	} else if (ss.ss_family == AF_INET6) {
		a = &((struct sockaddr_in6 *)&ss)->sin6_addr;
		if (s->router_id == 0)
			s->router_id = get_u32((const uint8_t *)a + 12);
	}
	if (a != NULL && s->spec->src.aid == AID_UNSPEC)
		inet_ntop(ss.ss_family, a, s->name, sizeof(s->name));
	if (s->router_id == 0)
		s->router_id = 1;
}

static void
sess_ours(struct sess *s)
{
	struct bgp_caps	*c = &s->ours;

	memset(c, 0, sizeof(*c));
	c->mp[AID_INET] = c->mp[AID_INET6] = 1;
	if (!s->o->as2) {
		c->as4_present = 1;
		c->as4 = s->spec->local_as;
	}
	c->ext_msg = s->o->ext_msg != 0;
	if (s->o->add_path)
		c->addpath[AID_INET] = c->addpath[AID_INET6] = ADDPATH_SEND;
	if (s->o->gr_time > 0) {	/* a restarting router keeps forwarding */
		c->gr.present = 1;
		c->gr.restart_time = s->o->gr_time;
		c->gr.af[AID_INET] = c->gr.af[AID_INET6] = 1;
		c->gr.af_flags[AID_INET] = GR_AF_FORWARD;
		c->gr.af_flags[AID_INET6] = GR_AF_FORWARD;
	}
}

static void
queue_open(struct sess *s)
{
	struct bgp_open	op;
	struct wbuf	w;

	memset(&op, 0, sizeof(op));
	op.version = BGP_VERSION;
	op.my_as = s->spec->local_as > UINT16_MAX ? BGP_AS_TRANS :
	    (uint16_t)s->spec->local_as;
	op.holdtime = s->o->holdtime;
	op.bgp_id = s->router_id;
	op.caps = s->ours;
	if (ctl_reserve(s, &w, BGP_MAX_LEN) == 0 &&
	    bgp_open_encode(&w, &op) == 0)
		ctl_commit(s, &w);
}

static void
connected(struct sess *s)
{
	socklen_t	len = sizeof(int);
	int		err = 0;

	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		fprintf(stderr, "bgpfeed: %s: connect to %s: %s%s\n", s->name,
		    s->o->host, strerror(err), err == ECONNREFUSED ?
		    " (is a BGP speaker listening there?)" : "");
		s->failed = 1;
		sess_close_fd(s);
		return;
	}
	sess_name(s);
	sess_ours(s);
	queue_open(s);
	s->state = S_OPENSENT;
	s->last_read = now();
	if (s->o->verbose)
		sess_log(s, "connected to %s, OPEN sent", s->o->host);
}

static int
sock_bind(struct sess *s)
{
	struct sockaddr_storage	ss;
	socklen_t		sl;
	int			one = 1;

	memset(&ss, 0, sizeof(ss));
	if (s->spec->src.aid == AID_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, s->spec->src.b, 4);
		sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, s->spec->src.b, 16);
		sl = sizeof(*sin6);
	}
	setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	return bind(s->fd, (struct sockaddr *)&ss, sl);
}

static void
sess_connect(struct sess *s)
{
	int	one = 1;

	s->t_start = now();
	s->fd = socket(s->o->dst->ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (s->fd == -1) {
		sess_error(s, "socket", strerror(errno));
		s->state = S_DONE;
		return;
	}
	setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (s->spec->src.aid != AID_UNSPEC && sock_bind(s) == -1) {
		fprintf(stderr, "bgpfeed: %s: cannot use it as source address:"
		    " %s\n", s->name, strerror(errno));
		s->failed = 1;
		sess_close_fd(s);
		return;
	}
	s->state = S_CONNECT;
	if (connect(s->fd, (struct sockaddr *)s->o->dst,
	    (socklen_t)s->o->dstlen) == -1 && errno != EINPROGRESS) {
		fprintf(stderr, "bgpfeed: %s: connect to %s: %s\n", s->name,
		    s->o->host, strerror(errno));
		s->failed = 1;
		sess_close_fd(s);
	}
}

/* Receiving */

static void
print_notification(struct sess *s, const uint8_t *body, size_t len)
{
	struct bgp_notification	n;
	char			msg[BGP_SHUTDOWN_MSG_MAX * 4 + 1];
	char			hex[3 * 32 + 1];
	size_t			i;

	if (bgp_notification_decode(body, len, &n) == -1) {
		sess_error(s, "received a malformed NOTIFICATION", NULL);
		return;
	}
	hex[0] = '\0';
	for (i = 0; i < n.datalen && i < 32; i++)
		snprintf(hex + 3 * i, 4, " %02x", n.data[i]);
	fprintf(stderr, "bgpfeed: %s: NOTIFICATION from the receiver: %s, %s "
	    "(%u/%u)", s->name, bgp_err_code_name(n.code),
	    bgp_err_subcode_name(n.code, n.subcode), n.code, n.subcode);
	if (bgp_notification_shutdown_msg(&n, msg, sizeof(msg)) >= 0)
		fprintf(stderr, ": \"%s\"", msg);
	else if (n.datalen > 0)
		fprintf(stderr, ", data%s%s", hex, n.datalen > 32 ? " ..." :
		    "");
	fputc('\n', stderr);
	/* An answer to our own closing Cease is no failure. */
	if (!(s->state == S_CLOSING && s->fed))
		s->failed = 1;
}

static void
fsm_error(struct sess *s, uint8_t type)
{
	struct bgp_err	err;
	uint8_t		sub;

	sub = s->state == S_OPENSENT ? ERR_FSM_OPENSENT :
	    s->state == S_OPENCONFIRM ? ERR_FSM_OPENCONFIRM :
	    ERR_FSM_ESTABLISHED;
	bgp_err_set(&err, ERR_FSM, sub, NULL, 0, bgp_msg_type_name(type));
	sess_error(s, "unexpected message from the receiver",
	    bgp_msg_type_name(type));
	sess_shutdown(s, err.code, err.subcode, NULL, 0);
}

static void
negotiated(struct sess *s, const struct bgp_open *op)
{
	uint8_t	aid;

	bgp_caps_negotiate(&s->ours, &op->caps, &s->neg);
	s->holdtime = op->holdtime < s->o->holdtime ? op->holdtime :
	    s->o->holdtime;
	memset(&s->key, 0, sizeof(s->key));
	s->key.as4 = s->neg.as4;
	s->key.maxlen = s->neg.ext_msg ? BGP_MAX_EXT_LEN : BGP_MAX_LEN;
	for (aid = AID_INET; aid < AID_MAX; aid++) {
		if (s->neg.af[aid])
			s->key.aids |= AIDBIT(aid);
		if (s->neg.addpath_send[aid])
			s->key.addpath |= AIDBIT(aid);
	}
}

static void
recv_open(struct sess *s, const uint8_t *body, size_t len)
{
	struct bgp_open	op;
	struct bgp_err	err;
	char		buf[64];

	if (bgp_open_decode(body, len, &op, &err) == -1) {
		sess_fail_notify(s, &err);
		return;
	}
	s->peer_as = bgp_open_as(&op);
	if (s->o->remote_as != 0 && s->peer_as != s->o->remote_as) {
		snprintf(buf, sizeof(buf), "AS%u, not AS%u as --remote-as "
		    "says", s->peer_as, s->o->remote_as);
		sess_error(s, "the receiver is", buf);
		bgp_err_set_u16(&err, ERR_OPEN, ERR_OPEN_AS, op.my_as,
		    "bad peer AS");
		sess_shutdown(s, err.code, err.subcode, bgp_err_data(&err),
		    err.datalen);
		return;
	}
	negotiated(s, &op);
	if (s->key.aids == 0) {
		sess_error(s, "no address family in common with the receiver",
		    NULL);
		sess_shutdown(s, ERR_OPEN, ERR_OPEN_CAPA, NULL, 0);
		return;
	}
	queue_keepalive(s);
	s->state = S_OPENCONFIRM;
}

static void
established(struct sess *s)
{
	const struct image	*im;
	double			 t = now();

	s->t_est = t;
	s->state = S_FEED;
	if ((im = image_get(s->spec->feed, &s->key)) == NULL) {
		sess_error(s, "out of memory preparing the feed", NULL);
		sess_shutdown(s, ERR_CEASE, ERR_CEASE_RSRC_EXHAUST, NULL, 0);
		return;
	}
	if (s->o->verbose)
		fprintf(stderr, "bgpfeed: %s: Established with AS%u, hold "
		    "time %u, %s%s; image ready in %.3f s\n", s->name,
		    s->peer_as, s->holdtime, s->key.as4 ? "4-octet AS" :
		    "2-octet AS", s->key.addpath ? ", ADD-PATH" : "",
		    now() - t);
	bulk_start(s, im);
}

static void
start_withdraw(struct sess *s)
{
	const struct image *im;

	s->t_withdraw = 0;
	if ((im = image_withdraw(s->spec->feed, &s->key)) == NULL) {
		sess_error(s, "out of memory preparing the withdrawal", NULL);
		sess_shutdown(s, ERR_CEASE, ERR_CEASE_RSRC_EXHAUST, NULL, 0);
		return;
	}
	if (s->o->verbose)
		fprintf(stderr, "bgpfeed: %s: withdrawing %llu routes\n",
		    s->name, (unsigned long long)im->nwd);
	s->state = S_WITHDRAW;
	bulk_start(s, im);
}

static void
recv_msg(struct sess *s, const struct bgp_hdr *h, const uint8_t *body)
{
	size_t	len = h->len - BGP_HDR_LEN;

	if (h->type == BGP_NOTIFICATION) {
		print_notification(s, body, len);
		if (s->state == S_CLOSING)
			return;
		s->state = S_CLOSING;	/* nothing more to say */
		s->t_closing = now() + CLOSE_TIMEOUT;
		bulk_cut(s);
		s->bend = s->boff;
		s->ctl.len = s->ctloff = 0;
		shutdown(s->fd, SHUT_WR);
		return;
	}
	switch (s->state) {
	case S_OPENSENT:
		if (h->type != BGP_OPEN)
			fsm_error(s, h->type);
		else
			recv_open(s, body, len);
		break;
	case S_OPENCONFIRM:
		if (h->type != BGP_KEEPALIVE)
			fsm_error(s, h->type);
		else
			established(s);
		break;
	case S_FEED:
	case S_HOLD:
	case S_WITHDRAW:
		if (h->type == BGP_OPEN)
			fsm_error(s, h->type);
		break;		/* UPDATEs and ROUTE-REFRESH are ignored */
	default:
		break;
	}
}

static void
sess_eof(struct sess *s, const char *why)
{
	if (s->state != S_CLOSING) {
		char	buf[128];

		snprintf(buf, sizeof(buf), "in %s%s%s", sstate_names[s->state],
		    why ? ": " : "", why ? why : "");
		sess_error(s, "connection closed by the receiver", buf);
	}
	sess_close_fd(s);
}

/* Frames and handles what was read. */
static void
sess_parse(struct sess *s)
{
	struct bgp_hdr	h;
	struct bgp_err	err;
	size_t		off = 0, maxlen;
	int		rc;

	maxlen = s->neg.ext_msg ? BGP_MAX_EXT_LEN : BGP_MAX_LEN;
	while (s->fd != -1 && (rc = bgp_frame(s->rbuf + off, s->rlen - off,
	    maxlen, &h, &err)) == 1) {
		s->last_read = now();
		recv_msg(s, &h, s->rbuf + off + BGP_HDR_LEN);
		off += h.len;
	}
	if (s->fd != -1 && rc == -1) {
		sess_fail_notify(s, &err);
		off = s->rlen;
	}
	memmove(s->rbuf, s->rbuf + off, s->rlen - off);
	s->rlen -= off;
}

static void
sess_read(struct sess *s)
{
	ssize_t	n;

	for (;;) {
		n = recv(s->fd, s->rbuf + s->rlen, RBUF_LEN - s->rlen, 0);
		if (n == 0) {
			sess_eof(s, NULL);
			return;
		}
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				sess_eof(s, strerror(errno));
			return;
		}
		s->rlen += (size_t)n;
		sess_parse(s);
		if (s->fd == -1 || s->state == S_DONE)
			return;
	}
}

/* Timers */

static void
check_acked(struct sess *s)
{
	int	n;

	if (!s->fed || s->t_acked != 0 || s->fd == -1)
		return;
	if (ioctl(s->fd, SIOCOUTQ, &n) == 0 && n == 0)
		s->t_acked = now();
}

static void
sess_timers(struct sess *s, double t)
{
	struct bgp_err	err;

	if (s->state == S_DONE)
		return;
	if (s->state == S_CONNECT && t - s->t_start > CONNECT_TIMEOUT) {
		sess_error(s, "connect timed out", s->o->host);
		sess_close_fd(s);
		return;
	}
	if ((s->state == S_OPENSENT || s->state == S_OPENCONFIRM) &&
	    t - s->t_start > OPEN_TIMEOUT) {
		sess_error(s, "no session after 30 s", sstate_names[s->state]);
		sess_shutdown(s, ERR_CEASE, ERR_CEASE_UNSPEC, NULL, 0);
		return;
	}
	if (s->state == S_CLOSING) {
		if (t > s->t_closing)
			sess_close_fd(s);
		return;
	}
	if (s->state < S_OPENCONFIRM)
		return;
	if (s->holdtime > 0 && t - s->last_read > s->holdtime) {
		bgp_err_set(&err, ERR_HOLD, 0, NULL, 0, "hold timer expired");
		sess_fail_notify(s, &err);
		return;
	}
	if (s->holdtime > 0 && t - s->last_write >= s->holdtime / 3.0 &&
	    s->ctloff == s->ctl.len)
		queue_keepalive(s);
	if (s->state != S_HOLD)
		return;
	if (s->t_withdraw != 0 && t >= s->t_withdraw)
		start_withdraw(s);
	else if (s->t_close != 0 && t >= s->t_close)
		sess_shutdown(s, ERR_CEASE, ERR_CEASE_ADMIN_DOWN, NULL, 0);
}

/* On SIGINT/SIGTERM: Cease everywhere; a feed cut short is a failure. */
static void
sess_stop(struct sess *s)
{
	if (s->state == S_DONE || s->state == S_CLOSING)
		return;
	if (!s->fed)
		sess_error(s, "interrupted before the feed was complete",
		    NULL);
	sess_shutdown(s, ERR_CEASE, ERR_CEASE_ADMIN_DOWN, NULL, 0);
}

/* Report */

static double
rate(double n, double secs)
{
	return secs > 0 ? n / secs : 0;
}

static void
report_session(const struct sess *s)
{
	double	send = s->fed ? s->t_eor - s->t_first : 0;
	char	acked[32] = "", eor[32] = "not sent";

	if (s->t_acked != 0)
		snprintf(acked, sizeof(acked), ", acked +%.3f s",
		    s->t_acked - s->t_first);
	if (s->fed)
		snprintf(eor, sizeof(eor), "+%.3f s", send);
	if (!s->o->quiet)
		printf("%s AS%u -> %s [%s]: %llu msgs, %llu announced, %llu "
		    "withdrawn, %.2f MB in %.3f s (%.0f prefixes/s, %.1f "
		    "MB/s), End-of-RIB %s%s: %s\n", s->name,
		    s->spec->local_as, s->o->host, s->spec->feed->name,
		    (unsigned long long)s->msgs, (unsigned long long)s->ann,
		    (unsigned long long)s->wd, (double)s->feed_bytes / 1e6,
		    send,
		    rate((double)s->feed_ann, send),
		    rate((double)s->feed_bytes / 1e6, send), eor, acked,
		    s->failed ? "FAILED" : "ok");
	if (s->o->timing)
		printf("bgpfeed-timing source=%s as=%u msgs=%llu announced=%llu"
		    " withdrawn=%llu bytes=%llu raw=%llu recoded=%llu "
		    "dropped=%llu established_s=%.6f send_s=%.6f eor_s=%.6f "
		    "acked_s=%.6f status=%s\n", s->name, s->spec->local_as,
		    (unsigned long long)s->msgs, (unsigned long long)s->ann,
		    (unsigned long long)s->wd, (unsigned long long)s->bytes,
		    (unsigned long long)s->nraw,
		    (unsigned long long)s->nrecoded,
		    (unsigned long long)s->dropped,
		    s->t_est ? s->t_est - s->t_start : 0, send, send,
		    s->t_acked ? s->t_acked - s->t_first : 0,
		    s->failed ? "failed" : "ok");
}

static void
report_total(const struct sess *v, size_t n, int nfail)
{
	double		first = 0, last = 0, secs;
	uint64_t	msgs = 0, ann = 0, bytes = 0;
	size_t		i;

	for (i = 0; i < n; i++) {
		msgs += v[i].msgs;
		ann += v[i].feed_ann;
		bytes += v[i].feed_bytes;
		if (v[i].t_first != 0 && (first == 0 || v[i].t_first < first))
			first = v[i].t_first;
		if (v[i].fed && v[i].t_eor > last)
			last = v[i].t_eor;
	}
	secs = last > first ? last - first : 0;
	if (!v->o->quiet)
		printf("total: %zu sessions, %zu ok, %d failed: %llu msgs, "
		    "%llu prefixes announced, %.2f MB in %.3f s (%.0f "
		    "prefixes/s)\n", n, n - (size_t)nfail, nfail,
		    (unsigned long long)msgs, (unsigned long long)ann,
		    (double)bytes / 1e6, secs, rate((double)ann, secs));
	if (v->o->timing)
		printf("bgpfeed-timing total sessions=%zu failed=%d msgs=%llu "
		    "announced=%llu bytes=%llu send_s=%.6f\n", n, nfail,
		    (unsigned long long)msgs, (unsigned long long)ann,
		    (unsigned long long)bytes, secs);
	fflush(stdout);
}

/* The loop */

static int
sess_init(struct sess *s, const struct sess_opts *o,
    const struct sess_spec *spec)
{
	memset(s, 0, sizeof(*s));
	s->o = o;
	s->spec = spec;
	s->fd = -1;
	s->router_id = o->router_id;
	if (spec->src.aid != AID_UNSPEC)
		addr_fmt(&spec->src, s->name, sizeof(s->name));
	else
		snprintf(s->name, sizeof(s->name), "session");
	if (spec->src.aid == AID_INET && s->router_id == 0)
		s->router_id = get_u32(spec->src.b);
	if ((s->rbuf = malloc(RBUF_LEN)) == NULL)
		return -1;
	return 0;
}

static void
install_signals(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND;	/* a second signal kills */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

static int
poll_timeout(const struct sess *v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (v[i].fed && v[i].t_acked == 0 && v[i].fd != -1)
			return 1;	/* watching the send queue drain */
	return 50;
}

static void
sess_io(struct sess *s, short revents)
{
	if (s->state == S_CONNECT) {
		if (revents & (POLLOUT | POLLERR | POLLHUP))
			connected(s);
		if (s->fd == -1)
			return;
	}
	if (revents & (POLLIN | POLLHUP | POLLERR))
		sess_read(s);
	if (s->fd != -1 && s->state != S_CONNECT && sess_flush(s) == -1)
		sess_eof(s, strerror(errno));
}

static size_t
poll_set(struct sess *v, size_t n, struct pollfd *pfd, size_t *map)
{
	size_t	i, k = 0;

	for (i = 0; i < n; i++) {
		if (v[i].fd == -1)
			continue;
		pfd[k].fd = v[i].fd;
		pfd[k].events = v[i].state == S_CONNECT ? 0 : POLLIN;
		if (sess_wants_write(&v[i]))
			pfd[k].events |= POLLOUT;
		pfd[k].revents = 0;
		map[k++] = i;
	}
	return k;
}

static void
run_loop(struct sess *v, size_t n, struct pollfd *pfd, size_t *map)
{
	size_t	i, k;
	double	t;
	int	stopping = 0;

	while ((k = poll_set(v, n, pfd, map)) > 0) {
		if (poll(pfd, k, poll_timeout(v, n)) == -1 && errno != EINTR) {
			perror("bgpfeed: poll");
			break;
		}
		for (i = 0; i < k; i++)
			if (pfd[i].revents != 0)
				sess_io(&v[map[i]], pfd[i].revents);
		t = now();
		for (i = 0; i < n; i++) {
			if (stop_signal && !stopping)
				sess_stop(&v[i]);
			check_acked(&v[i]);
			sess_timers(&v[i], t);
			if (v[i].fd != -1 && v[i].state != S_CONNECT &&
			    sess_flush(&v[i]) == -1)
				sess_eof(&v[i], strerror(errno));
		}
		if (stop_signal)
			stopping = 1;
	}
}

int
sess_run(const struct sess_opts *o, const struct sess_spec *spec, size_t n)
{
	struct sess	*v;
	struct pollfd	*pfd;
	size_t		*map, i;
	int		 nfail = 0;

	v = calloc(n, sizeof(*v));
	pfd = calloc(n, sizeof(*pfd));
	map = calloc(n, sizeof(*map));
	if (v == NULL || pfd == NULL || map == NULL) {
		fprintf(stderr, "bgpfeed: out of memory\n");
		free(v);
		free(pfd);
		free(map);
		return (int)n;
	}
	install_signals();
	for (i = 0; i < n; i++) {
		if (sess_init(&v[i], o, &spec[i]) == -1) {
			sess_error(&v[i], "out of memory", NULL);
			continue;
		}
		sess_connect(&v[i]);
	}
	run_loop(v, n, pfd, map);
	for (i = 0; i < n; i++) {
		if (!v[i].fed)
			v[i].failed = 1;
		nfail += v[i].failed;
		report_session(&v[i]);
		bytes_free(&v[i].ctl);
		free(v[i].rbuf);
	}
	report_total(v, n, nfail);
	free(v);
	free(pfd);
	free(map);
	return nfail;
}
