/*
 * The BMP station (bmp_station.h).  One bufferevent per connected
 * router; its input is capped (bmp { buffer }) and read in batches of
 * whole messages, framed by bmp_frame() against bmp { max-message } and
 * decoded by bmp_decode() (proto/bmp.c).  Per message type:
 *
 *   Initiation        sysName and sysDescr kept (shown, put in events)
 *   Termination       reason logged, the connection closed
 *   Peer Up           the two OPENs decide 4-octet AS and ADD-PATH of
 *                     that peer's Route Monitoring (RFC 7854 4.10), in
 *                     every view of it (struct bmp_pup); its sources
 *                     come up in the door
 *   Peer Down         every view of the peer goes down (reason from the
 *                     message)
 *   Route Monitoring  the UPDATE through the BGP codec with RFC 7606
 *                     handling, to the door and the message tap;
 *                     End-of-RIB for every family makes it eligible
 *   Statistics        kept per monitored peer
 *   Route Mirroring   counted
 *
 * A monitored peer is (peer type, distinguisher, address, view); views
 * the router's configuration does not keep are counted and dropped.
 * When a connection ends for any reason, every monitored peer of the
 * router goes down with "bmp session lost" and its routes go without
 * withdrawals, then its slot is freed: a reconnecting router starts
 * from nothing, so sources are never duplicated.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "bgp.h"
#include "bmp_station.h"
#include "sock.h"

#define BMP_MSG_BUDGET		1024	/* messages per visit, at most */
/*
 * Reading is bounded in time, as BGP sessions' reads are
 * (bgpd/bgp/session.h): a Route Monitoring message costs what its
 * UPDATE's routes cost, milliseconds for 1,000 prefixes with every
 * country watched, and 1,024 of them in one callback stalled the loop
 * for seconds.  A router is read for a visit of at most BMP_VISIT_MAX
 * of the loop's turn, and not at all once the turn has run
 * LOOP_TURN_MAX (but never put off twice in a row); the clock is read
 * every BMP_CLOCK_EVERY units of work (a message is 1, plus 1 per 256
 * bytes of it).
 */
#define BMP_VISIT_MAX		0.002
#define BMP_CLOCK_EVERY		4
#define BMP_READ_CHUNK		(256 * 1024)	/* bytes per read() */
#define BMP_SESSION_LOST	"bmp session lost"
#define BMP_RETRY_SECS		5	/* connect port N: between attempts */

static void	bmp_router_close(struct bmp_router *, const char *why);

static double
bmp_now(const struct bmp_station *st)
{
	return loop_now(st->loop);
}

/* Copies a TLV string, cut to fit, control bytes replaced by '?'. */
static void
bmp_copy_str(char *dst, size_t dstlen, const struct bgp_view *v)
{
	size_t i, n = v->len < dstlen - 1 ? v->len : dstlen - 1;

	for (i = 0; i < n; i++)
		dst[i] = (v->p[i] < 0x20 || v->p[i] == 0x7f) ? '?' :
		    (char)v->p[i];
	dst[n] = '\0';
}

/*
 * Monitored peers.
 */

static size_t
bmp_mpeer_count(const struct bmp_mpeer *mp)
{
	return adjrib_count(&mp->src, AID_INET) +
	    adjrib_count(&mp->src, AID_INET6);
}

static void
bmp_tap_peer(const struct bmp_mpeer *mp, struct tap_peer *tp)
{
	int aid;

	memset(tp, 0, sizeof(*tp));
	tp->kind = "bmp";
	tp->peer_addr = mp->src.addr;
	tp->local_addr = mp->local_addr;
	tp->peer_port = mp->remote_port;
	tp->local_port = mp->local_port;
	tp->peer_as = mp->asn;
	tp->local_as = mp->local_as;
	tp->peer_id = mp->bgp_id;
	tp->slot = mp->src.slot;
	tp->as4 = mp->dec.as4;
	for (aid = 0; aid < AID_MAX; aid++)
		tp->addpath[aid] = mp->dec.addpath[aid];
	tp->router = mp->router->addr_s;
}

static void
bmp_tap_state(const struct bmp_mpeer *mp, int old, int new)
{
	struct bmp_station *st = mp->router->st;
	struct tap_peer tp;

	if (!msgtap_active(st->tap))
		return;
	bmp_tap_peer(mp, &tp);
	msgtap_state(st->tap, &tp, bmp_now(st), old, new);
}

static struct bmp_mpeer *
bmp_mpeer_find(struct bmp_router *r, const struct bmp_peer_hdr *ph,
    uint8_t view)
{
	struct bmp_mpeer *mp;

	TAILQ_FOREACH(mp, &r->peers, entry)
		if (mp->view == view && mp->peer_type == ph->type &&
		    mp->rd == ph->rd &&
		    memcmp(&mp->addr, &ph->addr, sizeof(ph->addr)) == 0)
			return mp;
	return NULL;
}

/* Same peer (type, distinguisher, address), any view. */
static int
bmp_same_peer(uint8_t type, uint64_t rd, const struct bw_addr *a,
    const struct bmp_peer_hdr *ph)
{
	return type == ph->type && rd == ph->rd &&
	    memcmp(a, &ph->addr, sizeof(*a)) == 0;
}

static struct bmp_pup *
bmp_pup_find(struct bmp_router *r, const struct bmp_peer_hdr *ph)
{
	struct bmp_pup *pu;

	TAILQ_FOREACH(pu, &r->pups, entry)
		if (bmp_same_peer(pu->peer_type, pu->rd, &pu->addr, ph))
			return pu;
	return NULL;
}

static void
bmp_pup_remove(struct bmp_router *r, struct bmp_pup *pu)
{
	TAILQ_REMOVE(&r->pups, pu, entry);
	r->npups--;
	free(pu);
}

/*
 * Records a Peer Up: the two OPENs negotiated both ways, as RFC 7854
 * 4.10 says (the router's sent OPEN against the received one for the
 * Adj-RIB-In, reversed for the Adj-RIB-Out).  NULL when the router has
 * more Peer Ups than max-peers allows.
 */
static struct bmp_pup *
bmp_pup_set(struct bmp_router *r, const struct bmp_msg *m)
{
	struct bmp_pup *pu;
	struct bgp_open sent, rcvd;
	struct bgp_err e;
	uint32_t max = r->conf ? r->conf->max_peers : 0;

	if ((pu = bmp_pup_find(r, &m->peer)) == NULL) {
		if (max != 0 && r->npups >= max) {
			log_peer_warnx_rl(&r->rl, &r->addr, "bmp: max-peers %u "
			    "reached, peer up ignored", max);
			return NULL;
		}
		if ((pu = calloc(1, sizeof(*pu))) == NULL)
			fatal("bmp_pup");
		pu->peer_type = m->peer.type;
		pu->rd = m->peer.rd;
		pu->addr = m->peer.addr;
		TAILQ_INSERT_TAIL(&r->pups, pu, entry);
		r->npups++;
	}
	pu->asn = m->peer.asn;
	pu->bgp_id = m->peer.bgp_id;
	pu->local_addr = m->local_addr;
	pu->local_port = m->local_port;
	pu->remote_port = m->remote_port;
	pu->a_flag = (m->peer.flags & BMP_PF_A) != 0;
	memset(&e, 0, sizeof(e));
	if (bgp_open_decode(m->open_sent.p + BGP_HDR_LEN,
	    m->open_sent.len - BGP_HDR_LEN, &sent, &e) == -1 ||
	    bgp_open_decode(m->open_rcvd.p + BGP_HDR_LEN,
	    m->open_rcvd.len - BGP_HDR_LEN, &rcvd, &e) == -1) {
		log_peer_warnx_rl(&r->rl, &m->peer.addr, "bmp: router "
		    "%s: undecodable OPEN in peer up (%s); assuming 4-octet "
		    "AS, no ADD-PATH", r->addr_s, e.reason ? e.reason : "?");
		pu->ok = 0;
		pu->local_as = 0;
		return pu;
	}
	pu->ok = 1;
	bgp_caps_negotiate(&sent.caps, &rcvd.caps, &pu->in);
	bgp_caps_negotiate(&rcvd.caps, &sent.caps, &pu->out);
	pu->ebgp = bgp_open_as(&sent) != bgp_open_as(&rcvd);
	/* The router's own AS: the local side of the MRT archive's records. */
	pu->local_as = bgp_open_as(&sent);
	return pu;
}

/* A monitored peer (any of its views) decodes as its Peer Up said. */
static void
bmp_pup_apply(struct bmp_mpeer *mp, const struct bmp_pup *pu)
{
	const struct bgp_neg *neg;
	int aid;

	mp->peer_up = 1;
	mp->asn = pu->asn;
	mp->src.asn = pu->asn;
	mp->bgp_id = pu->bgp_id;
	mp->local_addr = pu->local_addr;
	mp->local_port = pu->local_port;
	mp->remote_port = pu->remote_port;
	mp->local_as = pu->local_as;
	if (!pu->ok) {
		mp->dec.as4 = !pu->a_flag;
		for (aid = AID_INET; aid < AID_MAX; aid++) {
			mp->dec.addpath[aid] = 0;
			mp->src.addpath[aid] = 0;
			mp->src.af[aid] = 1;
		}
		return;
	}
	neg = mp->view == BMP_VIEW_OUT_PRE || mp->view == BMP_VIEW_OUT_POST ?
	    &pu->out : &pu->in;
	mp->dec.as4 = neg->as4;
	mp->dec.ebgp = pu->ebgp;
	for (aid = AID_INET; aid < AID_MAX; aid++) {
		mp->dec.addpath[aid] = neg->addpath_recv[aid];
		mp->src.addpath[aid] = neg->addpath_recv[aid];
		mp->src.af[aid] = neg->af[aid];
	}
	if (mp->peer_type == BMP_PEER_LOC_RIB)	/* OPENs are made up */
		for (aid = AID_INET; aid < AID_MAX; aid++)
			mp->src.af[aid] = 1;
}

/* The monitored peer of a per-peer header, made if new and allowed. */
static struct bmp_mpeer *
bmp_mpeer_get(struct bmp_router *r, const struct bmp_peer_hdr *ph)
{
	struct bmp_station *st = r->st;
	struct bmp_pup *pu;
	struct bmp_mpeer *mp;
	uint8_t view = (uint8_t)bmp_peer_view(ph);
	uint32_t max;
	int aid;

	if (r->conf == NULL || !(r->conf->views & (1 << view))) {
		r->dropped++;
		return NULL;
	}
	if ((mp = bmp_mpeer_find(r, ph, view)) != NULL) {
		mp->flags = ph->flags;
		mp->ts = ph->ts_sec + ph->ts_usec / 1e6;
		return mp;
	}
	max = r->conf->max_peers;
	if (max != 0 && r->npeers >= max) {
		r->dropped++;
		log_peer_warnx_rl(&r->rl, &r->addr, "bmp: max-peers %u reached, "
		    "peer ignored", max);
		return NULL;
	}
	if ((mp = calloc(1, sizeof(*mp))) == NULL)
		fatal("bmp_mpeer");
	mp->router = r;
	mp->peer_type = ph->type;
	mp->rd = ph->rd;
	mp->view = view;
	mp->addr = ph->addr;
	mp->asn = ph->asn;
	mp->bgp_id = ph->bgp_id;
	mp->flags = ph->flags;
	mp->ts = ph->ts_sec + ph->ts_usec / 1e6;
	/* A Loc-RIB "peer" is the router itself. */
	if (adjrib_src_attach(st->door, &mp->src, ph->type == BMP_PEER_LOC_RIB ?
	    &r->addr : &ph->addr, ph->asn) == -1) {
		log_peer_warnx_rl(&r->rl, &r->addr, "bmp: no RIB slot left, "
		    "peer ignored");
		free(mp);
		r->dropped++;
		return NULL;
	}
	mp->src.router = r->addr_s;
	mp->src.router_name = r->sysname[0] != '\0' ? r->sysname : NULL;
	mp->src.view = bmp_view_name(view);
	mp->dec.scratch = st->scratch;
	mp->dec.scratchlen = BGP_SCRATCH_LEN;
	mp->dec.as4 = (ph->flags & BMP_PF_A) == 0;
	for (aid = AID_INET; aid < AID_MAX; aid++)
		mp->src.af[aid] = 1;
	TAILQ_INSERT_TAIL(&r->peers, mp, entry);
	r->npeers++;
	/* A view first seen after the peer's Peer Up: decode by it. */
	if ((pu = bmp_pup_find(r, ph)) != NULL)
		bmp_pup_apply(mp, pu);
	return mp;
}

static void
bmp_mpeer_up(struct bmp_mpeer *mp)
{
	adjrib_renew(&mp->src);
	adjrib_up(&mp->src);
	memset(mp->eor, 0, sizeof(mp->eor));
	mp->up_since = bmp_now(mp->router->st);
	bmp_tap_state(mp, 0, 5);	/* Idle -> Established */
	/* eligible-after 0s: from its first route on, not the next tick. */
	if (mp->router->st->conf->eligible_after == 0)
		adjrib_eligible(&mp->src);
}

/* Its session went: peer_down (never withdrawals), then the slot goes. */
static void
bmp_mpeer_remove(struct bmp_mpeer *mp, const char *reason)
{
	struct bmp_router *r = mp->router;
	size_t n = bmp_mpeer_count(mp);

	if (mp->src.up) {
		bmp_tap_state(mp, 5, 0);
		(void)adjrib_down(&mp->src, reason, NULL);
	}
	adjrib_src_detach(&mp->src);	/* its routes leave in slices */
	r->routes -= n <= r->routes ? n : r->routes;
	TAILQ_REMOVE(&r->peers, mp, entry);
	r->npeers--;
	free(mp);
}

/* 1 when every family the peer may send has sent End-of-RIB. */
static int
bmp_mpeer_complete(const struct bmp_mpeer *mp)
{
	int aid;

	for (aid = AID_INET; aid < AID_MAX; aid++)
		if (mp->src.af[aid] && !mp->eor[aid])
			return 0;
	return 1;
}

/*
 * Message handlers: 0 to go on, -1 when the router's connection was
 * closed (the router struct stays, its bufferevent is gone).
 */

static int
bmp_on_initiation(struct bmp_router *r, const struct bmp_msg *m)
{
	struct bmp_mpeer *mp;

	if (m->sysname.p != NULL)
		bmp_copy_str(r->sysname, sizeof(r->sysname), &m->sysname);
	if (m->sysdescr.p != NULL)
		bmp_copy_str(r->sysdescr, sizeof(r->sysdescr), &m->sysdescr);
	r->initiated = 1;
	TAILQ_FOREACH(mp, &r->peers, entry)
		mp->src.router_name = r->sysname[0] ? r->sysname : NULL;
	log_peer_info(&r->addr, "bmp: initiation: sysName \"%s\", "
	    "sysDescr \"%s\"", r->sysname, r->sysdescr);
	return 0;
}

static int
bmp_on_termination(struct bmp_router *r, const struct bmp_msg *m)
{
	char why[BMP_REASON_MAX], s[BMP_SYS_MAX] = "";

	if (m->string.p != NULL)
		bmp_copy_str(s, sizeof(s), &m->string);
	snprintf(why, sizeof(why), "terminated by the router: %s%s%s",
	    m->has_term_reason ? bmp_term_reason_name(m->term_reason) :
	    "no reason given", s[0] ? ": " : "", s);
	bmp_router_close(r, why);
	return -1;
}

/*
 * A Peer Up: recorded for the peer, then every kept view of it that
 * exists (and the view its header names, made if kept) starts anew by
 * it.  A view that was up lost its session unseen: it goes down first.
 */
static int
bmp_on_peer_up(struct bmp_router *r, const struct bmp_msg *m)
{
	struct bmp_mpeer *mp;
	struct bmp_pup *pu;
	size_t n;

	if ((pu = bmp_pup_set(r, m)) == NULL) {
		r->dropped++;
		return 0;
	}
	(void)bmp_mpeer_get(r, &m->peer);	/* its own view, if kept */
	TAILQ_FOREACH(mp, &r->peers, entry) {
		if (!bmp_same_peer(mp->peer_type, mp->rd, &mp->addr, &m->peer))
			continue;
		if (mp->src.up) {
			n = bmp_mpeer_count(mp);
			bmp_tap_state(mp, 5, 0);
			(void)adjrib_down(&mp->src, "bmp peer up again", NULL);
			r->routes -= n <= r->routes ? n : r->routes;
		}
		bmp_pup_apply(mp, pu);
		bmp_mpeer_up(mp);
	}
	return 0;
}

static void
bmp_down_reason(const struct bmp_msg *m, char *out, size_t outlen)
{
	struct bgp_notification n;

	switch (m->down_reason) {
	case BMP_DOWN_LOCAL_NOTIF:
	case BMP_DOWN_REMOTE_NOTIF:
		if (bgp_notification_decode(m->down_data.p + BGP_HDR_LEN,
		    m->down_data.len - BGP_HDR_LEN, &n) == 0) {
			snprintf(out, outlen, "%s %s/%s",
			    m->down_reason == BMP_DOWN_LOCAL_NOTIF ?
			    "sent" : "received", bgp_err_code_name(n.code),
			    bgp_err_subcode_name(n.code, n.subcode));
			return;
		}
		break;
	case BMP_DOWN_LOCAL_FSM:
		snprintf(out, outlen, "%s (FSM event %u)",
		    bmp_down_reason_name(m->down_reason), m->down_fsm_event);
		return;
	default:
		break;
	}
	snprintf(out, outlen, "%s", bmp_down_reason_name(m->down_reason));
}

static int
bmp_on_peer_down(struct bmp_router *r, const struct bmp_msg *m)
{
	struct bmp_mpeer *mp, *next;
	struct bmp_pup *pu;
	char why[BMP_REASON_MAX];

	/* The session is down: every view of the peer goes. */
	bmp_down_reason(m, why, sizeof(why));
	for (mp = TAILQ_FIRST(&r->peers); mp != NULL; mp = next) {
		next = TAILQ_NEXT(mp, entry);
		if (bmp_same_peer(mp->peer_type, mp->rd, &mp->addr, &m->peer))
			bmp_mpeer_remove(mp, why);
	}
	if ((pu = bmp_pup_find(r, &m->peer)) != NULL)
		bmp_pup_remove(r, pu);
	return 0;
}

static void
bmp_tap_update(struct bmp_mpeer *mp, const struct bmp_msg *m,
    const struct bgp_update *u)
{
	struct bmp_station *st = mp->router->st;
	struct tap_peer tp;
	struct tap_msg tm;

	if (!msgtap_wants_messages(st->tap))
		return;
	bmp_tap_peer(mp, &tp);
	tm.ts = bmp_now(st);
	tm.dir = TAP_RX;
	tm.type = BGP_UPDATE;
	tm.bytes = m->bgp.p;
	tm.len = m->bgp.len;
	tm.upd = u;
	msgtap_message(st->tap, &tp, &tm);
}

static int
bmp_on_route_monitoring(struct bmp_router *r, const struct bmp_msg *m)
{
	struct bmp_mpeer *mp;
	struct bgp_update u;
	size_t before, after;

	if ((mp = bmp_mpeer_get(r, &m->peer)) == NULL)
		return 0;
	mp->rm_msgs++;
	if (!mp->src.up)	/* no Peer Up (Loc-RIB of some exporters) */
		bmp_mpeer_up(mp);
	if (bgp_update_decode(&mp->dec, m->bgp.p + BGP_HDR_LEN,
	    m->bgp.len - BGP_HDR_LEN, &u) == -1) {
		/* A session would be reset; we cannot reset theirs. */
		mp->errors++;
		log_peer_warnx_rl(&mp->src.rl, &mp->src.addr, "bmp: router %s: "
		    "malformed UPDATE skipped: %s", r->addr_s,
		    u.err.reason ? u.err.reason : "?");
		return 0;
	}
	if (u.action == ACT_TREAT_AS_WITHDRAW)
		mp->errors++;
	if (u.eor) {
		if (u.eor_aid != AID_UNSPEC)
			mp->eor[u.eor_aid] = 1;
		if (!mp->src.eligible && bmp_mpeer_complete(mp))
			adjrib_eligible(&mp->src);
		return 0;
	}
	bmp_tap_update(mp, m, &u);
	before = bmp_mpeer_count(mp);
	(void)adjrib_apply(&mp->src, &u);
	after = bmp_mpeer_count(mp);
	r->routes = r->routes + after - (before <= r->routes ? before :
	    r->routes);
	if (r->conf != NULL && r->conf->max_routes != 0 &&
	    r->routes > r->conf->max_routes) {
		char why[BMP_REASON_MAX];

		snprintf(why, sizeof(why), "max-routes %u exceeded",
		    r->conf->max_routes);
		bmp_router_close(r, why);
		return -1;
	}
	return 0;
}

static int
bmp_on_stats(struct bmp_router *r, const struct bmp_msg *m)
{
	struct bmp_mpeer *mp;
	struct bmp_stat s;
	struct buf b;

	if ((mp = bmp_mpeer_find(r, &m->peer, (uint8_t)bmp_peer_view(&m->peer)))
	    == NULL)
		return 0;
	mp->stats_reports++;
	buf_init(&b, m->stats.p, m->stats.len);
	while (bmp_stat_next(&b, &s) == 1)
		if (s.type < BMP_STAT_MAX) {
			mp->stats[s.type] = s.value;
			mp->stats_seen |= 1u << s.type;
		}
	return 0;
}

static int
bmp_on_mirroring(struct bmp_router *r, const struct bmp_msg *m)
{
	struct bmp_mpeer *mp;

	if ((mp = bmp_mpeer_find(r, &m->peer, (uint8_t)bmp_peer_view(&m->peer)))
	    != NULL)
		mp->mirror_msgs += m->mirror_msgs;
	return 0;
}

static int
bmp_message(struct bmp_router *r, const uint8_t *p, size_t len)
{
	static int (*const handlers[BMP_TYPE_MAX])(struct bmp_router *,
	    const struct bmp_msg *) = {
		[BMP_ROUTE_MONITORING] = bmp_on_route_monitoring,
		[BMP_STATS_REPORT] = bmp_on_stats,
		[BMP_PEER_DOWN] = bmp_on_peer_down,
		[BMP_PEER_UP] = bmp_on_peer_up,
		[BMP_INITIATION] = bmp_on_initiation,
		[BMP_TERMINATION] = bmp_on_termination,
		[BMP_ROUTE_MIRRORING] = bmp_on_mirroring,
	};
	struct bmp_msg m;
	const char *err = NULL;
	char why[BMP_REASON_MAX];

	r->bytes += len;
	if (bmp_decode(p, len, &m, &err) == -1) {
		snprintf(why, sizeof(why), "malformed %s message: %s",
		    len > 5 ? bmp_type_name(p[5]) : "BMP", err ? err : "?");
		bmp_router_close(r, why);
		return -1;
	}
	r->msgs[m.type]++;
	return handlers[m.type](r, &m);
}

/*
 * Connections.
 */

static void bmp_read(struct bmp_router *);

static void
bmp_readcb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	bmp_read(arg);
}

static void
bmp_more_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	bmp_read(arg);
}

/* 1 when a visit that began at turn time visit is over. */
static int
bmp_visit_over(struct bmp_router *r, double visit, size_t *work)
{
	double t;

	if (*work < BMP_CLOCK_EVERY)
		return 0;
	*work = 0;
	t = loop_turn_elapsed(r->st->loop->base);
	return t > LOOP_TURN_MAX || t - visit > BMP_VISIT_MAX;
}

/*
 * Whole messages off the input for one visit (see BMP_VISIT_MAX); with
 * messages left, the router is read again after the next poll.
 */
static void
bmp_read(struct bmp_router *r)
{
	static const struct timeval zero = { 0, 0 };
	struct evbuffer *in;
	struct bmp_hdr h;
	const char *err = NULL;
	char why[BMP_REASON_MAX];
	uint8_t *p;
	size_t avail, work = 0;
	double visit;
	int n, rv;

	if (r->bev == NULL)
		return;
	in = bufferevent_get_input(r->bev);
	visit = loop_turn_elapsed(r->st->loop->base);
	if (visit > LOOP_TURN_MAX && !r->starved &&
	    evbuffer_get_length(in) >= BMP_HDR_LEN) {
		/* Others spent this turn: the next one. */
		r->starved = 1;
		evtimer_add(r->ev_more, &zero);
		return;
	}
	r->starved = 0;
	for (n = 0; n < BMP_MSG_BUDGET; n++) {
		if (bmp_visit_over(r, visit, &work))
			break;
		avail = evbuffer_get_length(in);
		if (avail < BMP_HDR_LEN ||
		    (p = evbuffer_pullup(in, BMP_HDR_LEN)) == NULL)
			return;
		rv = bmp_frame(p, BMP_HDR_LEN, r->st->conf->bmp.max_message,
		    &h, &err);
		if (rv == -1) {
			snprintf(why, sizeof(why), "bad BMP header: %s", err);
			bmp_router_close(r, why);
			return;
		}
		if (avail < h.len || (p = evbuffer_pullup(in, h.len)) == NULL)
			return;
		if (bmp_message(r, p, h.len) == -1)
			return;		/* connection closed */
		evbuffer_drain(in, h.len);
		work += 1 + h.len / 256;
	}
	evtimer_add(r->ev_more, &zero);
}

static void	bmp_router_ready(struct bmp_router *, uint16_t port);

static void
bmp_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct bmp_router *r = arg;

	(void)bev;
	if (r->connecting) {
		r->connecting = 0;
		if (what & BEV_EVENT_CONNECTED) {
			bmp_router_ready(r, r->conf ? r->conf->connect_port : 0);
			return;
		}
		log_peer_warnx_rl(&r->rl, &r->addr, "bmp: connect to router "
		    "%s: %s", r->addr_s, what & BEV_EVENT_ERROR ?
		    strerror(EVUTIL_SOCKET_ERROR()) : "failed");
		bufferevent_free(r->bev);
		r->bev = NULL;
		r->next_connect = bmp_now(r->st) + BMP_RETRY_SECS;
		return;
	}
	if (what & BEV_EVENT_EOF)
		bmp_router_close(r, "connection closed by the router");
	else if (what & BEV_EVENT_ERROR)
		bmp_router_close(r, strerror(EVUTIL_SOCKET_ERROR()));
}

static void
bmp_router_close(struct bmp_router *r, const char *why)
{
	struct bmp_mpeer *mp;
	struct bmp_pup *pu;

	if (r->bev == NULL)
		return;
	if (r->connecting) {		/* not up yet: nothing to tell */
		bufferevent_free(r->bev);
		r->bev = NULL;
		r->connecting = 0;
		return;
	}
	log_peer_warnx(&r->addr, "bmp: router %s%s%s%s closed: %s", r->addr_s,
	    r->sysname[0] ? " (" : "", r->sysname, r->sysname[0] ? ")" : "",
	    why);
	snprintf(r->last_error, sizeof(r->last_error), "%s", why);
	if (strncmp(why, "connection closed", 17) != 0 &&
	    strncmp(why, "terminated", 10) != 0)
		r->errors++;
	while ((mp = TAILQ_FIRST(&r->peers)) != NULL)
		bmp_mpeer_remove(mp, BMP_SESSION_LOST);
	while ((pu = TAILQ_FIRST(&r->pups)) != NULL)
		bmp_pup_remove(r, pu);
	r->routes = 0;
	bufferevent_free(r->bev);
	r->bev = NULL;
	r->next_connect = bmp_now(r->st) + BMP_RETRY_SECS;
	evtimer_del(r->ev_more);
	r->initiated = 0;
}

static struct bmp_router *
bmp_router_get(struct bmp_station *st, const struct bw_addr *a,
    const struct config_bmp_router *cr)
{
	struct bmp_router *r;

	TAILQ_FOREACH(r, &st->routers, entry)
		if (memcmp(&r->addr, a, sizeof(*a)) == 0)
			return r;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		fatal("bmp_router");
	r->st = st;
	r->addr = *a;
	r->conf = cr;
	addr_fmt(a, r->addr_s, sizeof(r->addr_s));
	TAILQ_INIT(&r->peers);
	TAILQ_INIT(&r->pups);
	if ((r->ev_more = evtimer_new(st->loop->base, bmp_more_cb, r)) == NULL)
		fatalx("evtimer_new");
	TAILQ_INSERT_TAIL(&st->routers, r, entry);
	return r;
}

static void
bmp_accept(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct bmp_station *st = arg;
	const struct config_bmp_router *cr;
	struct bmp_router *r;
	struct bw_addr a;
	uint16_t port = 0;
	char ab[BW_ADDR_STRLEN];

	(void)lev;
	(void)salen;
	if (sock_from_sockaddr(sa, &a, &port, NULL) == -1 ||
	    (cr = config_bmp_find(&st->conf->bmp, &a)) == NULL) {
		/* Refused before any read. */
		close(fd);
		st->refused++;
		if (log_ratelimit_allow(&st->rl_refused, time(NULL), NULL))
			log_warnx("bmp: refused connection from %s: not a "
			    "configured router", addr_fmt(&a, ab, sizeof(ab)));
		return;
	}
	r = bmp_router_get(st, &a, cr);
	r->conf = cr;
	bmp_router_close(r, "replaced by a new connection");
	if ((r->bev = bufferevent_socket_new(st->loop->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		close(fd);
		log_peer_warnx(&a, "bmp: cannot set up the connection");
		return;
	}
	bmp_router_ready(r, port);
}

/* r->bev is connected: start reading. */
static void
bmp_router_ready(struct bmp_router *r, uint16_t port)
{
	struct bmp_station *st = r->st;

	r->port = port;
	r->sessions++;
	r->connected = bmp_now(st);
	r->connected_wall = time(NULL);
	r->sysname[0] = r->sysdescr[0] = '\0';
	r->last_error[0] = '\0';
	bufferevent_setcb(r->bev, bmp_readcb, NULL, bmp_eventcb, r);
	bufferevent_setwatermark(r->bev, EV_READ, 0,
	    (size_t)st->conf->bmp.buffer);
	/* One router carries many peers: read in large chunks. */
	(void)bufferevent_set_max_single_read(r->bev, BMP_READ_CHUNK);
	bufferevent_enable(r->bev, EV_READ);
	log_peer_info(&r->addr, "bmp: router %s connected (port %u)",
	    r->addr_s, port);
}

/*
 * connect port N: connects to a router that listens, from the first bmp
 * listen address of its family (so that it sees who we are).
 */
static void
bmp_connect(struct bmp_station *st, struct bmp_router *r)
{
	const struct config_bmp *b = &st->conf->bmp;
	struct sockaddr_storage ss, ls;
	socklen_t sl, ll;
	size_t i;
	int fd;

	r->next_connect = bmp_now(st) + BMP_RETRY_SECS;
	if ((sl = sock_to_sockaddr(&r->addr, r->conf->connect_port, 0,
	    &ss)) == 0)
		return;
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		log_warn("bmp: socket");
		return;
	}
	for (i = 0; i < b->nlistens; i++)
		if (b->listens[i].addr.aid == r->addr.aid) {
			ll = sock_to_sockaddr(&b->listens[i].addr, 0, 0, &ls);
			if (bind(fd, (struct sockaddr *)&ls, ll) == -1)
				log_peer_warnx_rl(&r->rl, &r->addr, "bmp: bind "
				    "for router %s: %s", r->addr_s,
				    strerror(errno));
			break;
		}
	if ((r->bev = bufferevent_socket_new(st->loop->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		close(fd);
		return;
	}
	r->connecting = 1;
	bufferevent_setcb(r->bev, NULL, NULL, bmp_eventcb, r);
	if (bufferevent_socket_connect(r->bev, (struct sockaddr *)&ss,
	    (int)sl) == -1) {
		r->connecting = 0;
		bufferevent_free(r->bev);
		r->bev = NULL;
	}
}

/* Peers without End-of-RIB become eligible eligible-after seconds on. */
static void
bmp_tick(evutil_socket_t fd, short what, void *arg)
{
	struct bmp_station *st = arg;
	struct bmp_router *r;
	struct bmp_mpeer *mp;
	double now = bmp_now(st);

	size_t i;

	(void)fd;
	(void)what;
	for (i = 0; i < st->conf->bmp.nrouters; i++) {
		const struct config_bmp_router *cr = &st->conf->bmp.routers[i];

		if (cr->connect_port == 0)
			continue;
		r = bmp_router_get(st, &cr->addr, cr);
		r->conf = cr;
		if (r->bev == NULL && now >= r->next_connect)
			bmp_connect(st, r);
	}
	TAILQ_FOREACH(r, &st->routers, entry)
		TAILQ_FOREACH(mp, &r->peers, entry)
			if (mp->src.up && !mp->src.eligible &&
			    now - mp->up_since >= st->conf->eligible_after)
				adjrib_eligible(&mp->src);
}

void
bmp_station_init(struct bmp_station *st, struct loop *loop,
    struct adjrib *door, struct msgtap *tap, const struct config *conf,
    uint8_t *scratch)
{
	memset(st, 0, sizeof(*st));
	st->loop = loop;
	st->door = door;
	st->tap = tap;
	st->conf = conf;
	st->scratch = scratch;
	TAILQ_INIT(&st->routers);
}

int
bmp_station_listen(struct bmp_station *st)
{
	static const struct timeval sec = { 1, 0 };
	const struct config_bmp *b = &st->conf->bmp;
	char err[256];
	size_t i;
	int fd;

	for (i = 0; i < b->nlistens && st->nlisten < BMP_MAX_LISTEN; i++) {
		if ((fd = sock_listen_tcp(&b->listens[i].addr,
		    b->listens[i].port, 0, 64, NULL, NULL, err,
		    sizeof(err))) == -1) {
			log_warnx("bmp: %s", err);
			return -1;
		}
		if ((st->lev[st->nlisten] = evconnlistener_new(st->loop->base,
		    bmp_accept, st, LEV_OPT_CLOSE_ON_FREE, -1, fd)) == NULL)
			fatalx("evconnlistener_new");
		st->pause[st->nlisten] = sock_pause_attach(st->loop->base,
		    st->lev[st->nlisten], "bmp listener");
		st->nlisten++;
	}
	if ((b->nlistens > 0 || b->nrouters > 0) && st->ev_tick == NULL) {
		if ((st->ev_tick = event_new(st->loop->base, -1, EV_PERSIST,
		    bmp_tick, st)) == NULL)
			fatalx("event_new");
		evtimer_add(st->ev_tick, &sec);
	}
	return 0;
}

void
bmp_station_reconfigure(struct bmp_station *st, const struct config *conf)
{
	struct bmp_router *r;

	st->conf = conf;
	TAILQ_FOREACH(r, &st->routers, entry) {
		r->conf = config_bmp_find(&conf->bmp, &r->addr);
		if (r->conf == NULL)
			bmp_router_close(r, "no longer configured");
	}
}

void
bmp_station_free(struct bmp_station *st)
{
	struct bmp_router *r;
	int i;

	while ((r = TAILQ_FIRST(&st->routers)) != NULL) {
		bmp_router_close(r, "shutting down");
		TAILQ_REMOVE(&st->routers, r, entry);
		event_free(r->ev_more);
		free(r);
	}
	for (i = 0; i < st->nlisten; i++) {
		sock_pause_free(st->pause[i]);
		evconnlistener_free(st->lev[i]);
	}
	st->nlisten = 0;
	if (st->ev_tick != NULL)
		event_free(st->ev_tick);
	st->ev_tick = NULL;
}

size_t
bmp_station_connected(const struct bmp_station *st)
{
	const struct bmp_router *r;
	size_t n = 0;

	TAILQ_FOREACH(r, &st->routers, entry)
		if (r->bev != NULL)
			n++;
	return n;
}
