/*
 * show neighbors / show neighbor ADDR: per configured neighbor, its
 * state, counters, negotiated capabilities and connection, as the
 * summary table (bgpctl show summary), the detail of one neighbor
 * (bgpctl show neighbor) or JSON.
 *
 * view_neighbor_gather() is the only place that reads a struct peer;
 * everything after it works on the gathered struct view_neighbor, which
 * metrics.c renders too.
 */
#include <arpa/inet.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core.h"
#include "json.h"
#include "view.h"

static void
view_counters(const struct peer *p, struct view_peer_counters *c)
{
	const struct peer_stats *s = &p->stats;

	memcpy(c->msgs_in, s->msgs_in, sizeof(c->msgs_in));
	memcpy(c->msgs_out, s->msgs_out, sizeof(c->msgs_out));
	c->updates_in = s->updates_in;
	c->prefixes_in = p->src.stats.prefixes_in;
	c->withdraws_in = p->src.stats.withdraws_in;
	c->treat_as_withdraw = s->treat_as_withdraw;
	c->attr_discard = s->attr_discard;
	c->established_count = s->established_count;
	c->flaps = s->flaps;
}

/* Everything the neighbor views show of one peer. */
static void
view_neighbor_gather(struct bgpd *bgpd, const struct peer *p,
    struct view_neighbor *v)
{
	const struct config_neighbor	*c = p->conf;
	long long			 d;
	uint8_t				 aid;

	memset(v, 0, sizeof(*v));
	v->addr = c->addr;
	v->remote_as = c->remote_as;
	v->descr = c->descr;
	v->passive = (c->flags & CONF_NB_PASSIVE) != 0;
	v->max_prefix = c->max_prefix;
	v->state = fsm_state_name(p->state);
	v->established = p->state == FSM_ESTABLISHED;
	v->eligible = p->src.eligible;
	d = (long long)(loop_monotime() - p->uptime);
	v->state_secs = d < 0 ? 0 : d;
	v->last_change = p->last_change;
	for (aid = AID_INET; aid < AID_MAX; aid++) {
		v->prefixes[aid] = rib_count(bgpd->rib, p->src.slot, aid);
		v->eor[aid] = p->eor[aid];
		v->eor_time[aid] = p->eor_time[aid];
	}
	view_counters(p, &v->c);
	snprintf(v->last_error, sizeof(v->last_error), "%s", p->last_error);
	v->holdtime = p->holdtime;
	v->keepalive = p->keepalive;
	v->remote_id = p->remote_id;
	v->has_caps = p->state >= FSM_OPENCONFIRM;
	v->neg = p->neg;
	v->removed = p->removed;
	if (p->conn != NULL && p->conn->bev != NULL)
		v->outq = evbuffer_get_length(bufferevent_get_output(
		    p->conn->bev));
	if (p->conn != NULL && p->conn->connected) {
		v->connected = 1;
		v->local_addr = p->conn->local_addr;
		v->local_port = p->conn->local_port;
		v->remote_port = p->conn->remote_port;
	}
}

int
view_neighbors_gather(struct bgpd *bgpd, const struct peer *only,
    struct view_neighbors *vn)
{
	const struct peer	*p;
	size_t			 n = 0;

	memset(vn, 0, sizeof(*vn));
	vn->one = only != NULL;
	TAILQ_FOREACH(p, &bgpd->peers.list, entry)
		if (p->conf != NULL && (only == NULL || only == p))
			n++;
	if (n > 0 && (vn->v = calloc(n, sizeof(*vn->v))) == NULL)
		return -1;
	TAILQ_FOREACH(p, &bgpd->peers.list, entry)
		if (p->conf != NULL && (only == NULL || only == p))
			view_neighbor_gather(bgpd, p, &vn->v[vn->n++]);
	return 0;
}

void
view_neighbors_clear(struct view_neighbors *vn)
{
	free(vn->v);
	memset(vn, 0, sizeof(*vn));
}

/* JSON */

static void
view_json_families(struct json *j, const char *name, const uint8_t *v)
{
	uint8_t	aid;

	json_arr_open(j, name);
	for (aid = AID_INET; aid < AID_MAX; aid++)
		if (v[aid])
			json_str(j, NULL, view_aid_key(aid));
	json_arr_close(j);
}

static void
view_json_caps(struct json *j, const struct view_neighbor *v)
{
	const struct bgp_neg	*n = &v->neg;

	if (!v->has_caps) {
		json_null(j, "capabilities");
		return;
	}
	json_obj_open(j, "capabilities");
	json_bool(j, "as4", n->as4);
	json_bool(j, "extended_message", n->ext_msg);
	json_bool(j, "route_refresh", n->refresh);
	json_bool(j, "enhanced_route_refresh", n->enhanced_rr);
	view_json_families(j, "families", n->af);
	view_json_families(j, "add_path_receive", n->addpath_recv);
	if (n->gr_peer) {
		json_obj_open(j, "graceful_restart");
		json_uint(j, "restart_time", n->gr_restart_time);
		json_bool(j, "restarting", n->gr_peer_restarting);
		view_json_families(j, "families", n->gr_af);
		json_obj_close(j);
	} else
		json_null(j, "graceful_restart");
	json_obj_close(j);
}

static void
view_json_msgs(struct json *j, const char *name, const uint64_t *v)
{
	json_obj_open(j, name);
	json_uint(j, "open", v[BGP_OPEN]);
	json_uint(j, "update", v[BGP_UPDATE]);
	json_uint(j, "notification", v[BGP_NOTIFICATION]);
	json_uint(j, "keepalive", v[BGP_KEEPALIVE]);
	json_uint(j, "route_refresh", v[BGP_ROUTE_REFRESH]);
	json_obj_close(j);
}

static void
view_json_stats(struct json *j, const struct view_peer_counters *s)
{
	json_uint(j, "messages_in", view_sum(s->msgs_in, 6));
	json_uint(j, "messages_out", view_sum(s->msgs_out, 6));
	json_obj_open(j, "messages");
	view_json_msgs(j, "in", s->msgs_in);
	view_json_msgs(j, "out", s->msgs_out);
	json_obj_close(j);
	json_uint(j, "updates_in", s->updates_in);
	json_uint(j, "announcements_in", s->prefixes_in);
	json_uint(j, "withdrawals_in", s->withdraws_in);
	json_uint(j, "treat_as_withdraw", s->treat_as_withdraw);
	json_uint(j, "attribute_discard", s->attr_discard);
	json_uint(j, "established_count", s->established_count);
	json_uint(j, "flaps", s->flaps);
}

static void
view_json_eor(struct json *j, const struct view_neighbor *v)
{
	uint8_t	aid;

	json_obj_open(j, "eor");
	for (aid = AID_INET; aid < AID_MAX; aid++) {
		if (v->eor[aid])
			json_int(j, view_aid_key(aid),
			    (int64_t)v->eor_time[aid]);
		else
			json_null(j, view_aid_key(aid));
	}
	json_obj_close(j);
}

static void
view_json_conn(struct json *j, const struct view_neighbor *v)
{
	char	buf[BW_ADDR_STRLEN];

	if (!v->connected) {
		json_null(j, "local_address");
		return;
	}
	json_str(j, "local_address", addr_fmt(&v->local_addr, buf,
	    sizeof(buf)));
	json_uint(j, "local_port", v->local_port);
	json_uint(j, "remote_port", v->remote_port);
}

static void
view_json_neighbor(struct json *j, const struct view_neighbor *v)
{
	char		buf[BW_ADDR_STRLEN];
	struct bw_addr	id;
	uint32_t	nid = htonl(v->remote_id);
	uint8_t		aid;

	json_obj_open(j, NULL);
	json_str(j, "address", addr_fmt(&v->addr, buf, sizeof(buf)));
	json_str(j, "type", "bgp");
	json_uint(j, "remote_as", v->remote_as);
	if (v->descr != NULL)
		json_str(j, "description", v->descr);
	else
		json_null(j, "description");
	json_str(j, "state", v->state);
	json_obj_open(j, "prefixes");
	for (aid = AID_INET; aid < AID_MAX; aid++)
		json_uint(j, view_aid_key(aid), v->prefixes[aid]);
	json_obj_close(j);
	json_uint(j, "uptime", v->established ? (uint64_t)v->state_secs : 0);
	json_uint(j, "state_time", (uint64_t)v->state_secs);
	json_int(j, "last_change", (int64_t)v->last_change);
	view_json_stats(j, &v->c);
	if (v->last_error[0] != '\0')
		json_str(j, "last_error", v->last_error);
	else
		json_null(j, "last_error");
	view_json_eor(j, v);
	json_uint(j, "hold_time", v->holdtime);
	json_uint(j, "keepalive", v->keepalive);
	addr_set(&id, AID_INET, (const uint8_t *)&nid);
	json_str(j, "router_id", addr_fmt(&id, buf, sizeof(buf)));
	view_json_caps(j, v);
	view_json_conn(j, v);
	json_bool(j, "passive", v->passive);
	json_uint(j, "max_prefix", v->max_prefix);
	json_bool(j, "removed", v->removed);
	json_obj_close(j);
}

int
view_neighbors_json(const struct view_neighbors *vn, struct evbuffer *out)
{
	return view_neighbors_json_more(vn, NULL, NULL, out);
}

int
view_neighbors_json_more(const struct view_neighbors *vn,
    void (*more)(struct json *, void *), void *arg, struct evbuffer *out)
{
	struct json	j;
	size_t		i;

	json_init(&j, out);
	json_obj_open(&j, NULL);
	json_arr_open(&j, "neighbors");
	for (i = 0; i < vn->n; i++)
		view_json_neighbor(&j, &vn->v[i]);
	if (more != NULL)
		more(&j, arg);
	return json_finish(&j);
}

/* Text: the summary */

static int
view_summary_line(struct evbuffer *out, const struct view_neighbor *v)
{
	char	addr[BW_ADDR_STRLEN], tf[32], st[32];

	if (v->established)
		snprintf(st, sizeof(st), "%8zu", v->prefixes[AID_INET] +
		    v->prefixes[AID_INET6]);
	else
		snprintf(st, sizeof(st), "%s", v->state);
	return evbuffer_add_printf(out,
	    "%-20s %10" PRIu32 " %10" PRIu64 " %10" PRIu64 " %5zu %-8s %s\n",
	    addr_fmt(&v->addr, addr, sizeof(addr)), v->remote_as,
	    view_sum(v->c.msgs_in, 6), view_sum(v->c.msgs_out, 6), v->outq,
	    v->last_change == 0 ? "Never" :
	    view_timeframe(v->state_secs, tf, sizeof(tf)), st);
}

static int
view_summary(const struct view_neighbors *vn, struct evbuffer *out)
{
	size_t	i;
	int	rv = 0;

	if (evbuffer_add_printf(out, "%-20s %10s %10s %10s %5s %-8s %s\n",
	    "Neighbor", "AS", "MsgRcvd", "MsgSent", "OutQ", "Up/Down",
	    "State/PrfRcvd") < 0)
		return -1;
	for (i = 0; i < vn->n; i++)
		if (view_summary_line(out, &vn->v[i]) < 0)
			rv = -1;
	return rv;
}

/* Text: one neighbor */

static void
view_text_families(struct evbuffer *out, const char *what,
    const uint8_t *v)
{
	uint8_t	aid;

	evbuffer_add_printf(out, "    %s:", what);
	for (aid = AID_INET; aid < AID_MAX; aid++)
		if (v[aid])
			evbuffer_add_printf(out, " %s", aid_name(aid));
	evbuffer_add_printf(out, "\n");
}

static void
view_text_caps(struct evbuffer *out, const struct view_neighbor *v)
{
	const struct bgp_neg	*n = &v->neg;

	if (!v->has_caps)
		return;
	evbuffer_add_printf(out, "  Negotiated capabilities:\n");
	view_text_families(out, "Multiprotocol", n->af);
	if (n->as4)
		evbuffer_add_printf(out, "    4-byte AS numbers\n");
	if (n->ext_msg)
		evbuffer_add_printf(out, "    Extended messages\n");
	if (n->refresh)
		evbuffer_add_printf(out, "    Route refresh%s\n",
		    n->enhanced_rr ? " (enhanced)" : "");
	view_text_families(out, "ADD-PATH receive", n->addpath_recv);
	if (n->gr_peer)
		evbuffer_add_printf(out, "    Graceful restart: restart time "
		    "%us%s\n", n->gr_restart_time,
		    n->gr_peer_restarting ? ", restarting" : "");
}

static void
view_text_msgs(struct evbuffer *out, const struct view_peer_counters *s)
{
	static const char *const names[6] = { NULL, "Opens", "Updates",
	    "Notifications", "Keepalives", "Route Refresh" };
	int	t;

	evbuffer_add_printf(out, "  Message statistics:\n"
	    "  %-15s %10s %10s\n", "", "Sent", "Received");
	for (t = BGP_OPEN; t <= BGP_ROUTE_REFRESH; t++)
		evbuffer_add_printf(out, "  %-15s %10" PRIu64 " %10" PRIu64
		    "\n", names[t], s->msgs_out[t], s->msgs_in[t]);
	evbuffer_add_printf(out, "  %-15s %10" PRIu64 " %10" PRIu64 "\n\n",
	    "Total", view_sum(s->msgs_out, 6), view_sum(s->msgs_in, 6));
	evbuffer_add_printf(out, "  Announcements %" PRIu64 ", withdrawals %"
	    PRIu64 ", treat-as-withdraw %" PRIu64 ", attribute-discard %"
	    PRIu64 "\n", s->prefixes_in, s->withdraws_in,
	    s->treat_as_withdraw, s->attr_discard);
}

static void
view_text_eor(struct evbuffer *out, const struct view_neighbor *v)
{
	char		tbuf[64];
	struct tm	tm;
	uint8_t		aid;

	for (aid = AID_INET; aid < AID_MAX; aid++) {
		if (!v->eor[aid])
			continue;
		if (localtime_r(&v->eor_time[aid], &tm) == NULL ||
		    strftime(tbuf, sizeof(tbuf), "%F %T", &tm) == 0)
			snprintf(tbuf, sizeof(tbuf), "?");
		evbuffer_add_printf(out, "  End-of-RIB %s received %s\n",
		    aid_name(aid), tbuf);
	}
}

static int
view_neighbor_text(const struct view_neighbor *v, struct evbuffer *out)
{
	char		addr[BW_ADDR_STRLEN], tf[32];
	uint32_t	id = v->remote_id;

	evbuffer_add_printf(out, "BGP neighbor is %s, remote AS %" PRIu32
	    "\n", addr_fmt(&v->addr, addr, sizeof(addr)), v->remote_as);
	if (v->descr != NULL)
		evbuffer_add_printf(out, " Description: %s\n", v->descr);
	evbuffer_add_printf(out, "  BGP version 4, remote router-id "
	    "%u.%u.%u.%u\n", id >> 24, id >> 16 & 0xff, id >> 8 & 0xff,
	    id & 0xff);
	evbuffer_add_printf(out, "  BGP state = %s, %s for %s\n", v->state,
	    v->established ? "up" : "down", v->last_change == 0 ? "ever" :
	    view_timeframe(v->state_secs, tf, sizeof(tf)));
	evbuffer_add_printf(out, "  Last error: %s\n",
	    v->last_error[0] != '\0' ? v->last_error : "none");
	evbuffer_add_printf(out, "  Hold time %us, keepalive interval %us, "
	    "sessions established %" PRIu32 ", flaps %" PRIu32 "\n",
	    v->holdtime, v->keepalive, v->c.established_count, v->c.flaps);
	view_text_caps(out, v);
	evbuffer_add_printf(out, "\n");
	view_text_msgs(out, &v->c);
	evbuffer_add_printf(out, "  Prefixes: IPv4 %zu, IPv6 %zu\n",
	    v->prefixes[AID_INET], v->prefixes[AID_INET6]);
	view_text_eor(out, v);
	return evbuffer_add_printf(out, "\n") < 0 ? -1 : 0;
}

int
view_neighbors_text(const struct view_neighbors *vn, struct evbuffer *out)
{
	size_t	i;
	int	rv = 0;

	if (!vn->one)
		return view_summary(vn, out);
	for (i = 0; i < vn->n; i++)
		if (view_neighbor_text(&vn->v[i], out) == -1)
			rv = -1;
	return rv;
}
