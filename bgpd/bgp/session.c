/*
 * Sockets and framing.  session_ owns the TCP side of every peer: the
 * listening sockets (the accept hook decides whom to take; connections
 * from unconfigured addresses are closed before anything is read),
 * outgoing non-blocking connects, TCP MD5 and GTSM socket options, and
 * the bufferevents that carry messages.  Input is cut into whole BGP
 * messages here (bgp_frame) and handed up through the hooks.  Reading
 * is bounded in time: the connections with whole messages waiting take
 * turns (round robin, a short visit each), and all of them together stop
 * when the loop's turn is spent, so that a hundred full-table sessions,
 * or UPDATEs made dear by many watched regions, leave the timers, the
 * control socket and the flush their share of every turn.  Both directions are capped: a peer that floods us stops being
 * read (read high watermark), one that does not read is dropped.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "log.h"
#include "loop.h"
#include "session.h"
#include "sock.h"

#ifndef IP_MINTTL
#define IP_MINTTL	21
#endif
#ifndef IPV6_MINHOPCOUNT
#define IPV6_MINHOPCOUNT 73
#endif

static void	session_readcb(struct bufferevent *, void *);
static void	session_eventcb(struct bufferevent *, short, void *);
static void	session_ready_cb(evutil_socket_t, short, void *);

/* Fills a sockaddr for addr:port; returns its length, 0 if unusable. */
static socklen_t
session_sockaddr(const struct bw_addr *a, uint16_t port,
    struct sockaddr_storage *ss)
{
	return sock_to_sockaddr(a, port, 0, ss);
}

/* The address and port of a sockaddr. */
static void
session_from_sockaddr(const struct sockaddr *sa, struct bw_addr *a,
    uint16_t *port)
{
	if (sock_from_sockaddr(sa, a, port, NULL) == -1) {
		memset(a, 0, sizeof(*a));
		*port = 0;
	}
}

/* Sets (or with key NULL clears) the TCP MD5 key for addr on fd. */
static int
session_md5(int fd, const struct bw_addr *addr, const char *key)
{
	struct tcp_md5sig md5;
	struct sockaddr_storage ss;
	size_t klen = key ? strlen(key) : 0;

	if (klen > TCP_MD5SIG_MAXKEYLEN)
		return -1;
	memset(&md5, 0, sizeof(md5));
	if (session_sockaddr(addr, 0, &ss) == 0)
		return -1;
	memcpy(&md5.tcpm_addr, &ss, sizeof(ss));
	md5.tcpm_keylen = (uint16_t)klen;
	if (klen)
		memcpy(md5.tcpm_key, key, klen);
	return setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &md5, sizeof(md5));
}

/* Applies TCP MD5 / GTSM for the neighbor to a socket.  Returns 0 / -1. */
static int
session_sockopts(int fd, const struct config_neighbor *nb, int listening)
{
	int ttl = 255, minttl = 254;

	if (nb->md5key != NULL && session_md5(fd, &nb->addr, nb->md5key) == -1) {
		log_peer_warn(&nb->addr, "cannot set TCP MD5 key");
		return -1;
	}
	if (listening || !(nb->flags & CONF_NB_TTL_SECURITY))
		return 0;
	if (nb->addr.aid == AID_INET) {
		if (setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)) == -1 ||
		    setsockopt(fd, IPPROTO_IP, IP_MINTTL, &minttl,
		    sizeof(minttl)) == -1)
			goto fail;
	} else {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl,
		    sizeof(ttl)) == -1 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_MINHOPCOUNT, &minttl,
		    sizeof(minttl)) == -1)
			goto fail;
	}
	return 0;
fail:
	log_peer_warn(&nb->addr, "cannot set ttl-security (GTSM)");
	return -1;
}

/* Creates the connection object around a connected or connecting fd. */
static struct conn *
session_conn_new(struct session_ctx *ctx, struct peer *p, int fd,
    int outgoing)
{
	struct conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->bev = bufferevent_socket_new(ctx->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		free(c);
		return NULL;
	}
	c->peer = p;
	c->ctx = ctx;
	c->fd = fd;
	c->outgoing = outgoing;
	c->maxlen = BGP_MAX_LEN;
	bufferevent_setcb(c->bev, session_readcb, NULL, session_eventcb, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, SESSION_RBUF_MAX);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	return c;
}

/* Records the local end of a connected socket. */
static void
session_conn_names(struct conn *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(c->fd, (struct sockaddr *)&ss, &len) == 0)
		session_from_sockaddr((struct sockaddr *)&ss, &c->local_addr,
		    &c->local_port);
	len = sizeof(ss);
	if (getpeername(c->fd, (struct sockaddr *)&ss, &len) == 0) {
		struct bw_addr a;

		session_from_sockaddr((struct sockaddr *)&ss, &a,
		    &c->remote_port);
	}
}

struct conn *
session_connect(struct session_ctx *ctx, struct peer *p,
    const struct config_neighbor *nb)
{
	struct sockaddr_storage ss, ls;
	socklen_t len, llen;
	struct conn *c;
	int fd, af;

	if ((len = session_sockaddr(&nb->addr, nb->port, &ss)) == 0)
		return NULL;
	af = ss.ss_family;
	if ((fd = socket(af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		log_peer_warn(&nb->addr, "socket");
		return NULL;
	}
	if (session_sockopts(fd, nb, 0) == -1)
		goto fail;
	if (nb->local_addr.aid != AID_UNSPEC) {
		llen = session_sockaddr(&nb->local_addr, 0, &ls);
		if (llen == 0 || bind(fd, (struct sockaddr *)&ls, llen) == -1) {
			log_peer_warn(&nb->addr, "bind to local-address");
			goto fail;
		}
	}
	if ((c = session_conn_new(ctx, p, fd, 1)) == NULL)
		goto fail;
	if (bufferevent_socket_connect(c->bev, (struct sockaddr *)&ss,
	    (int)len) == -1) {
		/* fd is owned (and closed) by the bufferevent now. */
		log_peer_warn(&nb->addr, "connect");
		bufferevent_free(c->bev);
		free(c);
		return NULL;
	}
	return c;
fail:
	close(fd);
	return NULL;
}

/* A connection arrived on a listening socket. */
static void
session_accept(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct session_ctx *ctx = arg;
	const struct config_neighbor *nb;
	struct bw_addr a;
	struct peer *p;
	struct conn *c;
	uint16_t port;

	(void)lev;
	(void)salen;
	session_from_sockaddr(sa, &a, &port);
	if ((p = ctx->accept(ctx->arg, &a, &nb)) == NULL) {
		close(fd);
		return;
	}
	if (session_sockopts(fd, nb, 0) == -1 ||
	    evutil_make_socket_nonblocking(fd) == -1 ||
	    (c = session_conn_new(ctx, p, fd, 0)) == NULL) {
		close(fd);
		return;
	}
	c->connected = 1;
	c->remote_port = port;
	session_conn_names(c);
	ctx->hooks->connected(c);
}

/* Opens one listening socket.  Returns the fd, or -1 (logged). */
static int
session_listen_one(const struct config *conf, const struct config_listen *l)
{
	struct config_neighbor *nb;
	struct sockaddr_storage ss;
	socklen_t len;
	char buf[BW_ADDR_STRLEN];
	int fd, on = 1;

	if ((len = session_sockaddr(&l->addr, l->port, &ss)) == 0)
		return -1;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		goto fail;
	if (ss.ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &on, sizeof(on)) == -1)
		goto fail;
	/* MD5 keys must be on the listener before the peer's SYN arrives. */
	TAILQ_FOREACH(nb, &conf->neighbors, entry)
		if (nb->md5key != NULL && nb->addr.aid == l->addr.aid &&
		    session_md5(fd, &nb->addr, nb->md5key) == -1)
			log_peer_warn(&nb->addr, "cannot set TCP MD5 key on "
			    "listener");
	if (bind(fd, (struct sockaddr *)&ss, len) == -1 || listen(fd, 64) == -1)
		goto fail;
	log_info("BGP: listening on %s port %u", addr_fmt(&l->addr, buf,
	    sizeof(buf)), l->port);
	return fd;
fail:
	log_warn("listen on %s port %u", addr_fmt(&l->addr, buf, sizeof(buf)),
	    l->port);
	if (fd != -1)
		close(fd);
	return -1;
}

void
session_ctx_init(struct session_ctx *ctx, struct event_base *base,
    const struct session_hooks *hooks, session_accept_fn accept, void *arg)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->base = base;
	ctx->hooks = hooks;
	ctx->accept = accept;
	ctx->arg = arg;
	TAILQ_INIT(&ctx->listeners);
	TAILQ_INIT(&ctx->lingering);
	TAILQ_INIT(&ctx->ready);
	if ((ctx->ev_ready = evtimer_new(base, session_ready_cb, ctx)) == NULL)
		fatalx("evtimer_new");
}

int
session_listen(struct session_ctx *ctx, const struct config *conf)
{
	struct listener *l;
	size_t i;
	int fd;

	for (i = 0; i < conf->nlistens; i++) {
		if ((fd = session_listen_one(conf, &conf->listens[i])) == -1)
			return -1;
		if ((l = calloc(1, sizeof(*l))) == NULL)
			fatal("listener");
		l->fd = fd;
		l->conf = conf->listens[i];
		l->lev = evconnlistener_new(ctx->base, session_accept, ctx,
		    LEV_OPT_CLOSE_ON_FREE, -1, fd);
		if (l->lev == NULL)
			fatalx("evconnlistener_new");
		TAILQ_INSERT_TAIL(&ctx->listeners, l, entry);
	}
	return 0;
}

void
session_unlisten(struct session_ctx *ctx)
{
	struct listener *l;

	while ((l = TAILQ_FIRST(&ctx->listeners)) != NULL) {
		TAILQ_REMOVE(&ctx->listeners, l, entry);
		evconnlistener_free(l->lev);
		free(l);
	}
}

void
session_update_md5(struct session_ctx *ctx, const struct config_neighbor *nb,
    int set)
{
	struct listener *l;

	TAILQ_FOREACH(l, &ctx->listeners, entry)
		if (l->conf.addr.aid == nb->addr.aid)
			(void)session_md5(l->fd, &nb->addr,
			    set ? nb->md5key : NULL);
}

int
session_send(struct conn *c, const uint8_t *p, size_t len)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	if (evbuffer_get_length(out) + len > SESSION_WBUF_MAX)
		return -1;
	if (bufferevent_write(c->bev, p, len) == -1)
		return -1;
	return 0;
}

/* 1 if whole messages wait in c's input. */
static int
session_has_message(struct conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t avail = evbuffer_get_length(in);
	uint8_t *p;

	if (avail < BGP_HDR_LEN ||
	    (p = evbuffer_pullup(in, BGP_HDR_LEN)) == NULL)
		return 0;
	/* A bad length counts too: bgp_frame reports it at once. */
	return avail >= get_u16(p + 16) || get_u16(p + 16) < BGP_HDR_LEN ||
	    get_u16(p + 16) > c->maxlen;
}

/* Puts c at the end of the ready queue and has the queue served. */
static void
session_enqueue(struct conn *c)
{
	struct session_ctx *ctx = c->ctx;

	if (c->ready)
		return;
	TAILQ_INSERT_TAIL(&ctx->ready, c, rentry);
	c->ready = 1;
	/* A zero timer runs after the next poll, unlike event_active. */
	if (!evtimer_pending(ctx->ev_ready, NULL))
		loop_timer_soon(ctx->ev_ready);
}

static void
session_dequeue(struct conn *c)
{
	if (!c->ready)
		return;
	TAILQ_REMOVE(&c->ctx->ready, c, rentry);
	c->ready = 0;
}

/*
 * 1 when c's visit is over: the loop's turn is spent, or c has had
 * SESSION_VISIT_MAX of it (visit: the turn's elapsed time when the visit
 * began).  Read every SESSION_CLOCK_EVERY units of work (a clock read
 * costs about 3 % of a small message; an UPDATE of 1 KB or more, up to
 * 1,000 prefixes, may cost milliseconds with every country watched: the
 * clock is read after each).
 */
static int
session_visit_over(struct conn *c, double visit, size_t *work)
{
	double t;

	if (*work < SESSION_CLOCK_EVERY)
		return 0;
	*work = 0;
	t = loop_turn_elapsed(bufferevent_get_base(c->bev));
	return t > LOOP_TURN_MAX || t - visit > SESSION_VISIT_MAX;
}

/*
 * The len bytes at off in c's input, contiguous.  While they lie in the
 * input's first chunk they are read in place, so that a run of messages
 * is drained in one go (a drain runs the bufferevent's watermark
 * callbacks: as dear as framing a message); a message across two chunks
 * is pulled up, the bytes before it drained first (off becomes 0).
 * NULL out of memory.
 */
static uint8_t *
session_peek(struct evbuffer *in, size_t *off, size_t len)
{
	uint8_t *p;

	if (*off + len <= evbuffer_get_contiguous_space(in))
		return (p = evbuffer_pullup(in, (ev_ssize_t)(*off + len))) !=
		    NULL ? p + *off : NULL;
	evbuffer_drain(in, *off);
	*off = 0;
	return evbuffer_pullup(in, (ev_ssize_t)len);
}

/*
 * The next whole message at off in c's input: 1 with *msg and h set, 0
 * if none is whole yet, -1 on a bad header (err set).
 */
static int
session_next(struct conn *c, size_t *off, uint8_t **msg, struct bgp_hdr *h,
    struct bgp_err *err)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t avail = evbuffer_get_length(in) - *off;
	uint8_t *p;

	if (avail < BGP_HDR_LEN ||
	    (p = session_peek(in, off, BGP_HDR_LEN)) == NULL)
		return 0;
	if (bgp_frame_hdr(p, c->maxlen, h, err) == -1)
		return -1;
	if (avail < h->len || (p = session_peek(in, off, h->len)) == NULL)
		return 0;
	*msg = p;
	return 1;
}

/*
 * Reads whole messages off the input buffer and passes them up for one
 * visit (see session_visit_over); with force, the first message is read
 * even if the turn is spent (the queue moves on every turn).  With all,
 * every whole message there is read now (the peer closed: nothing will
 * call us again).  Messages read are drained when the visit ends (a hook
 * that closes c empties the input itself: session_close).  Returns -1 if
 * c is gone, 1 if whole messages remain (the caller queues c), else 0.
 */
static int
session_read_some(struct conn *c, int all, int force)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct bgp_hdr h;
	struct bgp_err err;
	uint8_t *p;
	size_t off, work;
	double visit;
	int r;

	visit = all ? 0 : loop_turn_elapsed(bufferevent_get_base(c->bev));
	if (!all && !force && visit > LOOP_TURN_MAX)
		return session_has_message(c);
	if (++c->reads == 0)
		c->reads = 1;
	for (work = off = 0;; ) {
		if (!all && session_visit_over(c, visit, &work)) {
			evbuffer_drain(in, off);
			return session_has_message(c);
		}
		/* Closed by the last message: the input is empty already. */
		if (c->peer == NULL)
			return 0;
		if ((r = session_next(c, &off, &p, &h, &err)) == -1) {
			c->ctx->hooks->error(c, &err);
			return -1;
		}
		if (r == 0) {
			evbuffer_drain(in, off);
			return 0;
		}
		if (c->ctx->hooks->message(c, h.type, p, h.len) == -1)
			return -1;	/* c is gone */
		off += h.len;
		work += 1 + h.len / 256;
	}
}

/*
 * New input on c.  With others waiting, c waits behind them; else it is
 * read at once (an event's latency is one read, not a loop iteration),
 * and queued if its visit ended with messages left.
 */
static void
session_readcb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	if (c->ready)
		return;
	if (!TAILQ_EMPTY(&c->ctx->ready)) {
		session_enqueue(c);
		return;
	}
	if (session_read_some(c, 0, 0) == 1)
		session_enqueue(c);
}

/*
 * Serves the ready queue in order, a visit each, until the loop's turn
 * is spent; a connection with messages left goes to the back.  When
 * others have spent the turn already (a flush, the detector), reading
 * waits for the next one, but not twice in a row: then the first visit
 * reads a message whatever the turn, so reading never starves and never
 * runs past a spent turn by more than one clock interval.
 */
static void
session_ready_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct session_ctx *ctx = arg;
	struct conn *c;
	int first = 1, r;

	(void)fd;
	(void)ev;
	if (!ctx->starved && loop_turn_spent(ctx->base, LOOP_TURN_MAX)) {
		ctx->starved = 1;
		loop_timer_soon(ctx->ev_ready);
		return;
	}
	ctx->starved = 0;
	while ((c = TAILQ_FIRST(&ctx->ready)) != NULL) {
		if (!first && loop_turn_spent(ctx->base, LOOP_TURN_MAX))
			break;
		session_dequeue(c);
		r = session_read_some(c, 0, first);
		first = 0;
		if (r == 1)
			session_enqueue(c);
	}
	if (!TAILQ_EMPTY(&ctx->ready))
		loop_timer_soon(ctx->ev_ready);
}

static void
session_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		c->connected = 1;
		session_conn_names(c);
		c->ctx->hooks->connected(c);
		return;
	}
	/* The read before the FIN may have yielded with whole messages
	 * left (a spent turn): they are the peer's last words (the tail
	 * of a table, End-of-RIB, a Cease) and come first. */
	if ((what & BEV_EVENT_EOF) && c->peer != NULL &&
	    session_read_some(c, 1, 1) == -1)
		return;		/* c is gone */
	session_dequeue(c);
	if ((what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) && c->peer != NULL)
		c->ctx->hooks->closed(c, (what & BEV_EVENT_EOF) ? 0 :
		    EVUTIL_SOCKET_ERROR());
}

/*
 * Closing after a NOTIFICATION.  close() on a socket with unread input
 * makes Linux answer with a RST, and a RST can make the peer lose the
 * NOTIFICATION we just queued.  So: write what is queued, send FIN
 * (shutdown SHUT_WR), and read and discard until the peer closes too,
 * for at most two seconds.
 */
static void
session_linger_done(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	if (c->ev_linger != NULL)
		TAILQ_REMOVE(&c->ctx->lingering, c, lentry);
	session_dequeue(c);
	if (c->ev_linger)
		event_free(c->ev_linger);
	bufferevent_free(c->bev);
	free(c);
}

static void
session_linger_timeout(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	session_linger_done(NULL, arg);
}

static void
session_linger_event(struct bufferevent *bev, short what, void *arg)
{
	(void)what;
	session_linger_done(bev, arg);
}

static void
session_linger_read(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);

	(void)arg;
	evbuffer_drain(in, evbuffer_get_length(in));
}

static void
session_linger_written(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		(void)shutdown(c->fd, SHUT_WR);
}

void
session_close(struct conn *c, int flush)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	struct timeval tv = { 2, 0 };

	c->peer = NULL;
	session_dequeue(c);
	if (!flush || !c->connected) {
		session_linger_done(NULL, c);
		return;
	}
	c->ev_linger = evtimer_new(bufferevent_get_base(c->bev),
	    session_linger_timeout, c);
	if (c->ev_linger == NULL) {
		session_linger_done(NULL, c);
		return;
	}
	TAILQ_INSERT_TAIL(&c->ctx->lingering, c, lentry);
	bufferevent_setcb(c->bev, session_linger_read, session_linger_written,
	    session_linger_event, c);
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	bufferevent_setwatermark(c->bev, EV_READ, 0, 0);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	evbuffer_drain(bufferevent_get_input(c->bev),
	    evbuffer_get_length(bufferevent_get_input(c->bev)));
	if (evbuffer_get_length(out) == 0)
		(void)shutdown(c->fd, SHUT_WR);
	evtimer_add(c->ev_linger, &tv);
}

void
session_linger_flush(struct session_ctx *ctx)
{
	struct conn *c;

	while ((c = TAILQ_FIRST(&ctx->lingering)) != NULL)
		session_linger_done(NULL, c);
	if (ctx->ev_ready != NULL)
		event_free(ctx->ev_ready);
	ctx->ev_ready = NULL;
}
