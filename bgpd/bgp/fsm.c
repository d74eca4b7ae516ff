/*
 * The RFC 4271 state machine of each peer, with its timers.
 *
 * A peer has at most one connection that the FSM follows (peer->conn),
 * one outgoing connect under way (peer->connecting) and, during a
 * connection collision (RFC 4271 6.8), a second connection
 * (peer->collision) that runs the OPEN exchange on its own.  A collision
 * is resolved as soon as both connections have an OPEN: the one
 * initiated by the side with the higher BGP identifier stays.  A new
 * connection while Established is refused with Cease/Collision, unless
 * the peer is graceful-restart capable and opens again: then it has
 * restarted, and the old session goes with its routes kept as stale
 * (RFC 4724 4.2).
 *
 * Timers: ConnectRetry with exponential backoff and jitter (capped),
 * Hold and Keepalive per connection, an idle timer after max-prefix, and
 * the graceful restart timer (restart time, then the stale-path time
 * until End-of-RIB).
 *
 * Below it: the transport (session.c), which calls back only through
 * fsm_session_hooks, and the peer's source in the RIB door, which the
 * FSM drives through its lifecycle (renew and up, eligible, down with or
 * without graceful restart, stale flushes, gone).  End-of-RIB is handled
 * here, before an UPDATE goes to the door.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bgp.h"
#include "fsm.h"
#include "log.h"
#include "loop.h"
#include "update.h"

static const char *fsm_names[FSM_NSTATES] = {
	"Idle", "Connect", "Active", "OpenSent", "OpenConfirm", "Established"
};

static void	fsm_conn_down(struct conn *, uint8_t code, uint8_t subcode,
		    const uint8_t *data, size_t datalen, const char *why,
		    int gr_ok);
static void	fsm_retry(struct peer *);
static void	fsm_note_notification(struct peer *, uint8_t dir,
		    uint8_t code, uint8_t subcode);

const char *
fsm_state_name(enum fsm_state s)
{
	return s < FSM_NSTATES ? fsm_names[s] : "?";
}

static void
fsm_set_state(struct peer *p, enum fsm_state s)
{
	enum fsm_state old = p->state;

	if (p->state == s)
		return;
	log_peer_info(&p->conf->addr, "state %s -> %s", fsm_state_name(p->state),
	    fsm_state_name(s));
	p->state = s;
	p->uptime = loop_monotime();
	p->last_change = time(NULL);
	fsm_tap_state(p, old, s);
}

/* Queues a message, counting it by type. */
static int
fsm_send(struct conn *c, const uint8_t *buf, size_t len)
{
	if (session_send(c, buf, len) == -1)
		return -1;
	fsm_tap_msg(c, TAP_TX, buf, len, NULL);
	if (c->peer != NULL && len >= BGP_HDR_LEN && buf[18] >= 1 &&
	    buf[18] <= 5)
		c->peer->stats.msgs_out[buf[18]]++;
	return 0;
}

/* Seconds until the next connect: base * 2^fails, capped, with jitter. */
static unsigned int
fsm_backoff(const struct peer *p)
{
	uint32_t base = p->env->conf->connect_retry, d;
	unsigned int shift = p->connect_fails > 5 ? 5 : p->connect_fails;

	if (base == 0)
		base = 1;
	d = base << shift;
	if (d > CONNECT_RETRY_MAX || d < base)
		d = CONNECT_RETRY_MAX;
	/* 75% .. 100%, so that many peers do not reconnect in step. */
	return d - (uint32_t)(random() % (d / 4 + 1));
}

/* Encodes and sends a NOTIFICATION; logs it. */
static void
fsm_send_notification(struct conn *c, uint8_t code, uint8_t subcode,
    const uint8_t *data, size_t datalen)
{
	uint8_t buf[BGP_MAX_LEN];
	struct wbuf w;

	if (datalen > BGP_MAX_LEN - 21)
		datalen = BGP_MAX_LEN - 21;
	wbuf_init(&w, buf, sizeof(buf));
	if (bgp_notification_encode(&w, code, subcode, data, datalen) == 0)
		(void)fsm_send(c, buf, w.len);
	log_peer_warnx(&c->peer->conf->addr, "sending NOTIFICATION %s, %s",
	    bgp_err_code_name(code), bgp_err_subcode_name(code, subcode));
}

static void
fsm_send_keepalive(struct conn *c)
{
	uint8_t buf[BGP_HDR_LEN];
	struct wbuf w;

	wbuf_init(&w, buf, sizeof(buf));
	if (bgp_keepalive_encode(&w) == 0)
		(void)fsm_send(c, buf, w.len);
}

/* Our capabilities for a neighbor. */
static void
fsm_our_caps(const struct peer *p, struct bgp_caps *caps)
{
	const struct config *conf = p->env->conf;
	int aid;

	memset(caps, 0, sizeof(*caps));
	CAPA_SET(caps, CAPA_MP);
	CAPA_SET(caps, CAPA_REFRESH);
	CAPA_SET(caps, CAPA_ENHANCED_RR);
	CAPA_SET(caps, CAPA_AS4);
	CAPA_SET(caps, CAPA_EXT_MSG);
	caps->refresh = caps->enhanced_rr = caps->ext_msg = 1;
	caps->as4_present = 1;
	caps->as4 = conf->local_as;
	for (aid = AID_INET; aid < AID_MAX; aid++) {
		caps->mp[aid] = 1;
		if (p->conf->flags & CONF_NB_ADDPATH_RX)
			caps->addpath[aid] = ADDPATH_RECV;
	}
	if (p->conf->flags & CONF_NB_ADDPATH_RX)
		CAPA_SET(caps, CAPA_ADDPATH);
	if (p->conf->flags & CONF_NB_GR) {
		/* Receiving speaker only: no families of our own. */
		CAPA_SET(caps, CAPA_GR);
		caps->gr.present = 1;
		caps->gr.restart_time = p->conf->gr_restart_time & 0xfff;
	}
}

static int
fsm_send_open(struct conn *c)
{
	const struct config *conf = c->peer->env->conf;
	struct bgp_open o;
	uint8_t buf[BGP_MAX_LEN];
	struct wbuf w;

	memset(&o, 0, sizeof(o));
	o.version = BGP_VERSION;
	o.my_as = conf->local_as > 0xffff ? BGP_AS_TRANS :
	    (uint16_t)conf->local_as;
	o.holdtime = c->peer->conf->hold_time;
	o.bgp_id = get_u32(conf->router_id.b);
	fsm_our_caps(c->peer, &o.caps);
	wbuf_init(&w, buf, sizeof(buf));
	if (bgp_open_encode(&w, &o) == -1)
		return -1;
	return fsm_send(c, buf, w.len);
}

static void
fsm_hold_expired(evutil_socket_t fd, short ev, void *arg)
{
	struct conn *c = arg;

	(void)fd;
	(void)ev;
	fsm_conn_down(c, ERR_HOLD, 0, NULL, 0, "hold timer expired", 1);
}

/* Sends End-of-RIB for every family of the session. */
static void
fsm_send_eor(struct conn *c)
{
	uint8_t buf[64];
	struct wbuf w;
	int aid;

	for (aid = AID_INET; aid < AID_MAX; aid++) {
		if (!c->peer->neg.af[aid])
			continue;
		wbuf_init(&w, buf, sizeof(buf));
		if (bgp_eor_encode(&w, (uint8_t)aid) == 0)
			(void)fsm_send(c, buf, w.len);
	}
}

/* The keepalive timer; right after Established it sends End-of-RIB. */
static void
fsm_keepalive_due(evutil_socket_t fd, short ev, void *arg)
{
	struct conn *c = arg;

	(void)fd;
	(void)ev;
	if (c->eor_pending) {
		c->eor_pending = 0;
		fsm_send_eor(c);
	} else if (c->holdtime > 0)
		fsm_send_keepalive(c);
	if (c->holdtime > 0)
		loop_timer_set(c->ev_keepalive, c->holdtime / 3 ?
		    c->holdtime / 3 : 1);
}

/*
 * Restarts the hold timer (on KEEPALIVE and UPDATE).  libevent takes a
 * timer's deadline from the time it cached when the loop's turn began,
 * so every re-arm in one turn sets the same deadline: only the first of
 * a read of the input (session_read_some, one turn) does it.  A full
 * table is tens of thousands of UPDATEs, dozens to a read, and each
 * re-arm moves the timer in libevent's heap.
 */
static void
fsm_hold_restart(struct conn *c)
{
	if (c->holdtime == 0 || c->hold_read == c->reads)
		return;
	c->hold_read = c->reads;
	loop_timer_set(c->ev_hold, c->holdtime);
}

/* Arms (secs > 0) or stops the hold timer other than by a restart. */
static void
fsm_hold_set(struct conn *c, unsigned int secs)
{
	c->hold_read = 0;
	if (secs > 0)
		loop_timer_set(c->ev_hold, secs);
	else
		evtimer_del(c->ev_hold);
}

static int
fsm_conn_timers(struct conn *c)
{
	struct event_base *base = bufferevent_get_base(c->bev);

	c->ev_hold = evtimer_new(base, fsm_hold_expired, c);
	c->ev_keepalive = evtimer_new(base, fsm_keepalive_due, c);
	return c->ev_hold && c->ev_keepalive ? 0 : -1;
}

static void
fsm_conn_free_timers(struct conn *c)
{
	if (c->ev_hold)
		event_free(c->ev_hold);
	if (c->ev_keepalive)
		event_free(c->ev_keepalive);
	c->ev_hold = c->ev_keepalive = NULL;
}

int
fsm_accepting(const struct peer *p)
{
	return !p->removed && !p->idle_hold && !p->admin_down &&
	    !(p->conf->flags & CONF_NB_SHUTDOWN) && !p->env->shutting_down;
}

static void
fsm_connected(struct conn *c)
{
	struct peer *p = c->peer;

	if (c == p->connecting)
		p->connecting = NULL;
	if (!fsm_accepting(p) || (p->conn != NULL && p->collision != NULL)) {
		session_close(c, 0);
		return;
	}
	if (fsm_conn_timers(c) == -1) {
		fsm_conn_free_timers(c);
		session_close(c, 0);
		return;
	}
	if (p->conn == NULL) {
		if (p->connecting != NULL) {
			/* Incoming won the race with our own connect. */
			session_close(p->connecting, 0);
			p->connecting = NULL;
		}
		p->conn = c;
		evtimer_del(p->ev_connect);
	} else
		p->collision = c;
	c->state = FSM_OPENSENT;
	fsm_hold_set(c, HOLD_OPENSENT);
	if (fsm_send_open(c) == -1) {
		fsm_conn_down(c, 0, 0, NULL, 0, "cannot send OPEN", 0);
		return;
	}
	if (c == p->conn)
		fsm_set_state(p, FSM_OPENSENT);
	log_peer_info(&p->conf->addr, "%s connection up",
	    c->outgoing ? "outgoing" : "incoming");
}

/* The initial table is complete (End-of-RIB everywhere, or timeout). */
static void
fsm_make_eligible(struct peer *p)
{
	if (p->src.eligible || p->state != FSM_ESTABLISHED)
		return;
	evtimer_del(p->ev_eligible);
	adjrib_eligible(&p->src);
}

static void
fsm_eligible_due(evutil_socket_t fd, short ev, void *arg)
{
	struct peer *p = arg;

	(void)fd;
	(void)ev;
	log_peer_info(&p->conf->addr, "no End-of-RIB after %us: eligible "
	    "for visibility anyway", p->env->conf->eligible_after);
	fsm_make_eligible(p);
}

/* Hands the routes of a session that went down to the door. */
static void
fsm_routes_down(struct peer *p, int gr_ok)
{
	uint8_t gr[AID_MAX];
	int aid;

	for (aid = AID_INET; aid < AID_MAX; aid++)
		gr[aid] = gr_ok && p->neg.gr_peer && p->neg.gr_af[aid] &&
		    p->neg.gr_restart_time > 0;
	evtimer_del(p->ev_eligible);
	if (adjrib_down(&p->src, p->last_error, gr)) {
		log_peer_info(&p->conf->addr, "graceful restart: keeping "
		    "routes as stale for up to %us", p->neg.gr_restart_time);
		loop_timer_set(p->ev_gr, p->neg.gr_restart_time);
	} else
		evtimer_del(p->ev_gr);
}

/* Stale routes of a restarted peer outlived the restart/stale timer. */
static void
fsm_gr_expired(evutil_socket_t fd, short ev, void *arg)
{
	struct peer *p = arg;
	int aid;

	(void)fd;
	(void)ev;
	for (aid = AID_INET; aid < AID_MAX; aid++)
		(void)adjrib_flush_stale(&p->src, (uint8_t)aid);
	log_peer_info(&p->conf->addr, "graceful restart timer expired, "
	    "stale routes removed");
	adjrib_gone(&p->src);
}

/* End-of-RIB received for a family. */
static void
fsm_eor(struct peer *p, uint8_t aid)
{
	int a;

	if (aid == AID_UNSPEC || aid >= AID_MAX)
		return;
	if (!p->eor[aid]) {
		p->eor[aid] = 1;
		p->eor_time[aid] = time(NULL);
		log_peer_info(&p->conf->addr, "End-of-RIB %s, %zu routes",
		    aid_name(aid), adjrib_count(&p->src, aid));
	}
	(void)adjrib_flush_stale(&p->src, aid);
	if (!adjrib_has_stale(&p->src))
		evtimer_del(p->ev_gr);
	for (a = AID_INET; a < AID_MAX; a++)
		if (p->neg.af[a] && !p->eor[a])
			return;
	fsm_make_eligible(p);
}

/* Collision: closes the loser of two connections that both sent OPEN. */
static struct conn *
fsm_collision_resolve(struct peer *p)
{
	uint32_t local_id = get_u32(p->env->conf->router_id.b);
	struct conn *a = p->conn, *b = p->collision, *loser;
	int keep_outgoing = local_id > a->remote_id;

	loser = (a->outgoing == keep_outgoing) ? b : a;
	p->conn = (loser == a) ? b : a;
	p->collision = NULL;
	log_peer_info(&p->conf->addr, "connection collision: keeping the "
	    "%s connection", p->conn->outgoing ? "outgoing" : "incoming");
	fsm_send_notification(loser, ERR_CEASE, ERR_CEASE_COLLISION, NULL, 0);
	fsm_conn_free_timers(loser);
	session_close(loser, 1);
	fsm_set_state(p, p->conn->state);
	return loser;
}

/* Checks an OPEN against the neighbor's configuration. */
static int
fsm_check_open(struct conn *c, const struct bgp_open *o, struct bgp_err *err)
{
	const struct peer *p = c->peer;
	uint32_t as = bgp_open_as(o), local_id;

	if (as != p->conf->remote_as) {
		bgp_err_set(err, ERR_OPEN, ERR_OPEN_AS, NULL, 0,
		    "bad peer AS");
		return -1;
	}
	local_id = get_u32(p->env->conf->router_id.b);
	if (as == p->env->conf->local_as && o->bgp_id == local_id) {
		bgp_err_set(err, ERR_OPEN, ERR_OPEN_BGPID, NULL, 0,
		    "BGP identifier equals ours");
		return -1;
	}
	return 0;
}

static int
fsm_recv_open(struct conn *c, const uint8_t *body, size_t len)
{
	struct peer *p = c->peer;
	struct bgp_open o;
	struct bgp_err err;
	struct conn *other;
	uint16_t hold;
	char why[160];

	if (bgp_open_decode(body, len, &o, &err) == -1 ||
	    fsm_check_open(c, &o, &err) == -1) {
		snprintf(why, sizeof(why), "bad OPEN: %s", err.reason ?
		    err.reason : bgp_err_subcode_name(err.code, err.subcode));
		fsm_conn_down(c, err.code, err.subcode, bgp_err_data(&err),
		    err.datalen, why, 0);
		return -1;
	}
	hold = p->conf->hold_time < o.holdtime ? p->conf->hold_time :
	    o.holdtime;
	c->holdtime = hold;
	c->remote_id = o.bgp_id;
	c->remote_as = bgp_open_as(&o);
	c->caps = o.caps;
	c->caps.n_unknown = 0;		/* views into this message */
	c->open_received = 1;
	c->state = FSM_OPENCONFIRM;
	fsm_send_keepalive(c);
	fsm_hold_set(c, hold);
	if (hold > 0)
		loop_timer_set(c->ev_keepalive, hold / 3 ? hold / 3 : 1);
	if (c == p->conn)
		fsm_set_state(p, FSM_OPENCONFIRM);

	other = c == p->conn ? p->collision : p->conn;
	if (other == NULL)
		return 0;
	if (other->state == FSM_ESTABLISHED) {
		if (p->neg.gr_peer && o.caps.gr.present) {
			/* The peer restarted behind our back: RFC 4724 4.2. */
			fsm_conn_down(other, 0, 0, NULL, 0,
			    "peer restarted (new connection)", 1);
			return 0;
		}
		fsm_send_notification(c, ERR_CEASE, ERR_CEASE_COLLISION,
		    NULL, 0);
		fsm_conn_free_timers(c);
		p->collision = NULL;
		session_close(c, 1);
		return -1;
	}
	if (other->open_received && fsm_collision_resolve(p) == c)
		return -1;
	return 0;
}

/* Negotiates and starts an Established session on c. */
static void
fsm_established(struct conn *c)
{
	struct peer *p = c->peer;
	struct bgp_caps ours;
	int aid, flushed = 0;

	if (c != p->conn) {
		/* The collision connection got there first. */
		p->collision = p->conn;
		p->conn = c;
	}
	/*
	 * The previous session's routes may still be leaving (a flapping
	 * peer): the door keeps them apart from this session's, without
	 * walking the table here.
	 */
	adjrib_renew(&p->src);
	fsm_our_caps(p, &ours);
	bgp_caps_negotiate(&ours, &c->caps, &p->neg);
	p->remote_as = c->remote_as;
	p->remote_id = c->remote_id;
	p->remote_caps = c->caps;
	p->holdtime = c->holdtime;
	p->keepalive = c->holdtime / 3;
	c->maxlen = p->neg.ext_msg ? BGP_MAX_EXT_LEN : BGP_MAX_LEN;
	memset(&p->dec, 0, sizeof(p->dec));
	p->dec.as4 = p->neg.as4;
	p->dec.ebgp = p->remote_as != p->env->conf->local_as;
	for (aid = AID_INET; aid < AID_MAX; aid++) {
		p->dec.addpath[aid] = p->neg.addpath_recv[aid];
		p->src.addpath[aid] = p->neg.addpath_recv[aid];
		p->src.af[aid] = p->neg.af[aid];
		p->eor[aid] = 0;
		p->eor_time[aid] = 0;
		/* Stale routes stay only if the peer kept forwarding state. */
		if (!p->neg.gr_peer || !p->neg.gr_af[aid] ||
		    !p->neg.gr_af_forward[aid])
			flushed |= adjrib_flush_stale(&p->src, (uint8_t)aid);
	}
	if (flushed && !adjrib_has_stale(&p->src))
		adjrib_gone(&p->src);
	p->dec.scratch = p->env->scratch;
	p->dec.scratchlen = BGP_SCRATCH_LEN;
	if (adjrib_has_stale(&p->src))
		loop_timer_set(p->ev_gr, GR_STALE_TIME);
	c->state = FSM_ESTABLISHED;
	p->connect_fails = 0;
	p->stats.established_count++;
	p->last_error[0] = '\0';
	fsm_note_notification(p, ADJRIB_NOTIF_NONE, 0, 0);
	fsm_set_state(p, FSM_ESTABLISHED);
	adjrib_up(&p->src);
	/*
	 * eligible-after 0s: eligible now, before any UPDATE.  A timer of
	 * 0 fires only after the read under way, and the UPDATEs that came
	 * in the same segment as the KEEPALIVE (hundreds of routes) would
	 * count as an initial table: no events.
	 */
	if (p->env->conf->eligible_after == 0)
		fsm_make_eligible(p);
	else
		loop_timer_set(p->ev_eligible, p->env->conf->eligible_after);
	log_peer_info(&p->conf->addr, "session established: AS %u, hold %us%s%s",
	    p->remote_as, p->holdtime, p->neg.as4 ? ", 4-octet AS" : "",
	    p->neg.gr_peer ? ", graceful restart" : "");
	/*
	 * Our (empty) table is complete: End-of-RIB for each family, in a
	 * write of its own a moment later.  BIRD 2.0 was seen to hold its
	 * first UPDATEs back until its next keepalive when our KEEPALIVE and
	 * End-of-RIB arrived in one segment.
	 */
	loop_timer_set_ms(c->ev_keepalive, 50);
	c->eor_pending = 1;
}

/* Remembers the NOTIFICATION that ends p's session (peer_down). */
static void
fsm_note_notification(struct peer *p, uint8_t dir, uint8_t code,
    uint8_t subcode)
{
	p->src.down_notif = dir;
	p->src.down_code = code;
	p->src.down_subcode = subcode;
}

static int
fsm_recv_notification(struct conn *c, const uint8_t *body, size_t len)
{
	struct bgp_notification n;
	char msg[200], why[320];

	if (bgp_notification_decode(body, len, &n) == -1) {
		fsm_conn_down(c, 0, 0, NULL, 0, "received malformed "
		    "NOTIFICATION", 0);
		return -1;
	}
	if (bgp_notification_shutdown_msg(&n, msg, sizeof(msg)) > 0)
		snprintf(why, sizeof(why), "received NOTIFICATION %s, %s: "
		    "\"%s\"", bgp_err_code_name(n.code),
		    bgp_err_subcode_name(n.code, n.subcode), msg);
	else
		snprintf(why, sizeof(why), "received NOTIFICATION %s, %s",
		    bgp_err_code_name(n.code),
		    bgp_err_subcode_name(n.code, n.subcode));
	if (c->peer != NULL && c == c->peer->conn)
		fsm_note_notification(c->peer, ADJRIB_NOTIF_RECEIVED, n.code,
		    n.subcode);
	fsm_conn_down(c, 0, 0, NULL, 0, why, 0);
	return -1;
}

/* Cease / Maximum Number of Prefixes Reached (RFC 4486 4). */
static void
fsm_max_prefix(struct peer *p)
{
	uint8_t data[7];
	uint32_t max = p->conf->max_prefix;
	char why[96];

	data[0] = 0;
	data[1] = AFI_IPV4;
	data[2] = SAFI_UNICAST;
	data[3] = (uint8_t)(max >> 24);
	data[4] = (uint8_t)(max >> 16);
	data[5] = (uint8_t)(max >> 8);
	data[6] = (uint8_t)max;
	snprintf(why, sizeof(why), "max-prefix %u exceeded", max);
	p->idle_hold = 1;
	fsm_conn_down(p->conn, ERR_CEASE, ERR_CEASE_MAX_PREFIX, data,
	    sizeof(data), why, 0);
}

static int
fsm_recv_update(struct conn *c, const uint8_t *msg, size_t msglen)
{
	struct peer *p = c->peer;
	struct bgp_update u;
	char why[160];
	int rv;

	fsm_hold_restart(c);
	p->stats.updates_in++;
	rv = bgp_update_decode(&p->dec, msg + BGP_HDR_LEN,
	    msglen - BGP_HDR_LEN, &u);
	fsm_tap_msg(c, TAP_RX, msg, msglen, rv == -1 ? NULL : &u);
	if (rv == -1) {
		snprintf(why, sizeof(why), "malformed UPDATE: %s (%s)",
		    u.err.reason ? u.err.reason : "?",
		    bgp_attr_name(u.err_attr));
		fsm_conn_down(c, u.err.code, u.err.subcode, bgp_err_data(&u.err),
		    u.err.datalen, why, 0);
		return -1;
	}
	if (u.action == ACT_TREAT_AS_WITHDRAW) {
		p->stats.treat_as_withdraw++;
		log_peer_warnx_rl(&p->src.rl, &p->conf->addr, "UPDATE error, "
		    "treat-as-withdraw: %s (%s)", u.err.reason ? u.err.reason :
		    "?", bgp_attr_name(u.err_attr));
	} else if (u.action == ACT_ATTR_DISCARD) {
		p->stats.attr_discard++;
		log_peer_warnx_rl(&p->src.rl, &p->conf->addr, "UPDATE error, "
		    "attribute discarded: %s (%s)", u.err.reason ?
		    u.err.reason : "?", bgp_attr_name(u.err_attr));
	}
	if (u.eor) {
		fsm_eor(p, u.eor_aid);
		return 0;
	}
	if (adjrib_apply(&p->src, &u) == -1) {
		fsm_max_prefix(p);
		return -1;
	}
	return 0;
}

static int
fsm_unexpected(struct conn *c, uint8_t type)
{
	uint8_t sub;
	char why[96];

	switch (c->state) {
	case FSM_OPENSENT:
		sub = ERR_FSM_OPENSENT;
		break;
	case FSM_OPENCONFIRM:
		sub = ERR_FSM_OPENCONFIRM;
		break;
	default:
		sub = ERR_FSM_ESTABLISHED;
		break;
	}
	snprintf(why, sizeof(why), "unexpected %s in state %s",
	    bgp_msg_type_name(type), fsm_state_name(c->state));
	fsm_conn_down(c, ERR_FSM, sub, NULL, 0, why, 0);
	return -1;
}

static int
fsm_recv_refresh(struct conn *c, const uint8_t *msg, size_t len)
{
	struct bgp_rr rr;
	struct bgp_err err;

	if (bgp_rr_decode(msg + BGP_HDR_LEN, len - BGP_HDR_LEN, &rr,
	    &err) == -1) {
		/* RFC 7313 5: the data is the whole offending message. */
		if (err.code == ERR_RREFRESH)
			fsm_conn_down(c, err.code, err.subcode, msg, len,
			    "malformed ROUTE-REFRESH", 0);
		else
			fsm_conn_down(c, err.code, err.subcode,
			    bgp_err_data(&err), err.datalen,
			    "malformed ROUTE-REFRESH", 0);
		return -1;
	}
	/* We announce nothing: a refresh request needs no answer. */
	return 0;
}

static int
fsm_message(struct conn *c, uint8_t type, const uint8_t *msg, size_t len)
{
	const uint8_t *body = msg + BGP_HDR_LEN;
	size_t blen = len - BGP_HDR_LEN;

	if (c->peer == NULL)
		return -1;
	if (type >= 1 && type <= 5)
		c->peer->stats.msgs_in[type]++;
	if (type != BGP_UPDATE || c->state != FSM_ESTABLISHED)
		fsm_tap_msg(c, TAP_RX, msg, len, NULL);
	if (type == BGP_NOTIFICATION)
		return fsm_recv_notification(c, body, blen);
	switch (c->state) {
	case FSM_OPENSENT:
		if (type != BGP_OPEN)
			return fsm_unexpected(c, type);
		return fsm_recv_open(c, body, blen);
	case FSM_OPENCONFIRM:
		if (type != BGP_KEEPALIVE)
			return fsm_unexpected(c, type);
		fsm_hold_restart(c);
		fsm_established(c);
		return 0;
	case FSM_ESTABLISHED:
		switch (type) {
		case BGP_UPDATE:
			return fsm_recv_update(c, msg, len);
		case BGP_KEEPALIVE:
			fsm_hold_restart(c);
			return 0;
		case BGP_ROUTE_REFRESH:
			return fsm_recv_refresh(c, msg, len);
		default:
			return fsm_unexpected(c, type);
		}
	default:
		return fsm_unexpected(c, type);
	}
}

static void
fsm_conn_error(struct conn *c, const struct bgp_err *err)
{
	char why[128];

	snprintf(why, sizeof(why), "bad message header: %s",
	    err->reason ? err->reason :
	    bgp_err_subcode_name(err->code, err->subcode));
	fsm_conn_down(c, err->code, err->subcode, bgp_err_data(err),
	    err->datalen, why, 0);
}

static void
fsm_conn_closed(struct conn *c, int err)
{
	struct peer *p = c->peer;
	char why[160];

	if (p == NULL)
		return;
	if (c == p->connecting) {
		p->connecting = NULL;
		snprintf(why, sizeof(why), "connect: %s",
		    err ? evutil_socket_error_to_string(err) : "closed");
		snprintf(p->last_error, sizeof(p->last_error), "%s", why);
		log_peer_warnx_rl(&p->src.rl, &p->conf->addr, "%s", why);
		session_close(c, 0);
		if (p->conn == NULL)
			fsm_retry(p);
		return;
	}
	snprintf(why, sizeof(why), "connection %s%s%s",
	    err ? "error: " : "closed by peer",
	    err ? evutil_socket_error_to_string(err) : "", "");
	fsm_conn_down(c, 0, 0, NULL, 0, why, 1);
}

/* Arms the next connect attempt (or just waits, for passive peers). */
static void
fsm_retry(struct peer *p)
{
	if (!fsm_accepting(p)) {
		fsm_set_state(p, FSM_IDLE);
		return;
	}
	p->connect_fails++;
	fsm_set_state(p, FSM_ACTIVE);
	if (!(p->conf->flags & CONF_NB_PASSIVE))
		loop_timer_set(p->ev_connect, fsm_backoff(p));
}

/*
 * Ends a connection: optional NOTIFICATION, close, and if it was the
 * peer's session, route handling and the restart.  gr_ok: the way it
 * ended lets a graceful-restart peer keep its routes as stale.
 */
static void
fsm_conn_down(struct conn *c, uint8_t code, uint8_t subcode,
    const uint8_t *data, size_t datalen, const char *why, int gr_ok)
{
	struct peer *p = c->peer;
	int was_main = c == p->conn, was_est = c->state == FSM_ESTABLISHED;

	if (code != 0)
		fsm_send_notification(c, code, subcode, data, datalen);
	fsm_conn_free_timers(c);
	if (c == p->collision) {
		p->collision = NULL;
		log_peer_info(&p->conf->addr, "second connection closed: %s",
		    why);
		session_close(c, code != 0);
		return;
	}
	if (!was_main) {
		session_close(c, code != 0);
		return;
	}
	p->conn = NULL;
	session_close(c, code != 0);
	if (code != 0)
		fsm_note_notification(p, ADJRIB_NOTIF_SENT, code, subcode);
	snprintf(p->last_error, sizeof(p->last_error), "%s", why);
	if (was_est) {
		log_peer_warnx(&p->conf->addr, "session down: %s", why);
		p->stats.flaps++;
		fsm_routes_down(p, gr_ok);
		memset(&p->neg, 0, sizeof(p->neg));
	} else
		log_peer_warnx_rl(&p->src.rl, &p->conf->addr, "%s", why);
	if (p->collision != NULL) {
		p->conn = p->collision;
		p->collision = NULL;
		fsm_set_state(p, p->conn->state);
		return;
	}
	fsm_set_state(p, FSM_IDLE);
	if (p->idle_hold) {
		if (p->conf->max_prefix_restart > 0)
			loop_timer_set(p->ev_idle, p->conf->max_prefix_restart);
		return;
	}
	fsm_retry(p);
}

static void
fsm_try_connect(struct peer *p)
{
	if (p->conn != NULL || p->connecting != NULL)
		return;
	if ((p->connecting = session_connect(&p->env->sess, p,
	    p->conf)) != NULL) {
		fsm_set_state(p, FSM_CONNECT);
		/* A connect that hangs is retried like a failed one. */
		loop_timer_set(p->ev_connect, fsm_backoff(p) + 5);
	} else
		fsm_retry(p);
}

static void
fsm_connect_due(evutil_socket_t fd, short ev, void *arg)
{
	struct peer *p = arg;

	(void)fd;
	(void)ev;
	if (p->conn != NULL)
		return;
	if (p->connecting != NULL) {
		session_close(p->connecting, 0);
		p->connecting = NULL;
		snprintf(p->last_error, sizeof(p->last_error),
		    "connect: timed out");
		p->connect_fails++;
	}
	fsm_try_connect(p);
}

static void
fsm_idle_over(evutil_socket_t fd, short ev, void *arg)
{
	struct peer *p = arg;

	(void)fd;
	(void)ev;
	p->idle_hold = 0;
	log_peer_info(&p->conf->addr, "idle hold over, restarting");
	fsm_start(p);
}

void
fsm_start(struct peer *p)
{
	if (p->state != FSM_IDLE || !fsm_accepting(p))
		return;
	if (p->conf->flags & CONF_NB_PASSIVE)
		fsm_set_state(p, FSM_ACTIVE);
	else
		fsm_try_connect(p);
}

void
fsm_stop(struct peer *p, uint8_t code, uint8_t subcode, const uint8_t *data,
    size_t datalen, const char *why)
{
	if (p->connecting != NULL) {
		session_close(p->connecting, 0);
		p->connecting = NULL;
	}
	if (p->collision != NULL)
		fsm_conn_down(p->collision, code, subcode, data, datalen, why, 0);
	if (p->conn != NULL)
		fsm_conn_down(p->conn, code, subcode, data, datalen, why, 0);
	evtimer_del(p->ev_connect);
}

void
fsm_stop_shutdown(struct peer *p, uint8_t subcode, const char *msg)
{
	uint8_t buf[BGP_MAX_LEN];
	struct wbuf w;
	size_t dlen;

	char why[320];

	/* The reason says what is really sent: Cease and its subcode. */
	snprintf(why, sizeof(why), "sent NOTIFICATION %s, %s%s%s",
	    bgp_err_code_name(ERR_CEASE), bgp_err_subcode_name(ERR_CEASE,
	    subcode), msg != NULL ? ": " : "", msg != NULL ? msg : "");
	wbuf_init(&w, buf, sizeof(buf));
	/* RFC 9003: a shutdown communication only with subcodes 2 and 4. */
	if (msg == NULL || bgp_notification_encode_shutdown(&w, subcode,
	    msg) == -1 || w.len < 21) {
		fsm_stop(p, ERR_CEASE, subcode, NULL, 0, why);
		return;
	}
	dlen = w.len - 21;
	fsm_stop(p, ERR_CEASE, subcode, buf + 21, dlen, why);
}

void
fsm_admin_down(struct peer *p, const char *msg)
{
	p->admin_down = 1;
	p->idle_hold = 0;
	evtimer_del(p->ev_idle);
	log_peer_info(&p->conf->addr, "administratively down%s%s",
	    msg != NULL ? ": " : "", msg != NULL ? msg : "");
	fsm_stop_shutdown(p, ERR_CEASE_ADMIN_DOWN, msg);
	fsm_set_state(p, FSM_IDLE);
}

void
fsm_admin_up(struct peer *p)
{
	p->admin_down = 0;
	p->idle_hold = 0;
	p->connect_fails = 0;
	evtimer_del(p->ev_idle);
	log_peer_info(&p->conf->addr, "administratively up");
	fsm_start(p);
}

void
fsm_admin_clear(struct peer *p, const char *msg)
{
	log_peer_info(&p->conf->addr, "clearing the session%s%s",
	    msg != NULL ? ": " : "", msg != NULL ? msg : "");
	p->idle_hold = 0;
	evtimer_del(p->ev_idle);
	fsm_stop_shutdown(p, ERR_CEASE_ADMIN_RESET, msg);
	p->connect_fails = 0;
	if (p->state == FSM_IDLE)
		fsm_start(p);
	else if (p->conn == NULL && !(p->conf->flags & CONF_NB_PASSIVE))
		loop_timer_set(p->ev_connect, 1);
}

void
fsm_init(struct peer *p)
{
	p->state = FSM_IDLE;
	p->uptime = loop_monotime();
	p->last_change = time(NULL);
	p->ev_connect = loop_timer_new(p->env->loop, fsm_connect_due, p);
	p->ev_idle = loop_timer_new(p->env->loop, fsm_idle_over, p);
	p->ev_gr = loop_timer_new(p->env->loop, fsm_gr_expired, p);
	p->ev_eligible = loop_timer_new(p->env->loop, fsm_eligible_due, p);
}

void
fsm_free(struct peer *p)
{
	event_free(p->ev_connect);
	event_free(p->ev_eligible);
	event_free(p->ev_idle);
	event_free(p->ev_gr);
}

const struct session_hooks fsm_session_hooks = {
	.connected = fsm_connected,
	.message = fsm_message,
	.error = fsm_conn_error,
	.closed = fsm_conn_closed,
};
