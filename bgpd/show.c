/*
 * What the control commands print: neighbors, route counts, memory and
 * routes, each as a table for people (modelled on OpenBGPD's bgpctl) or
 * as one JSON document (docs/control.md has every key).
 *
 * Everything but route listings is small and written at once.  A route
 * listing can be the whole table of every peer (hundreds of MB of JSON),
 * so struct show_rib writes it one RIB slice at a time with a resumable
 * cursor; control.c calls show_rib_step() again whenever the client has
 * read enough.  Between two slices anything can happen: routes change
 * (the cursor is a prefix, not a pointer) and peers go away, so each
 * slice looks peers up afresh by address and slot and never keeps a
 * struct peer pointer across a return to the loop.
 *
 * A query for one prefix never scans the table: the covering routes come
 * from rib_walk_covering() (at most one prefix per length) and the
 * covered ones from a cursor started at the prefix itself, which stops at
 * the first prefix outside it (in address order, the prefixes a prefix
 * covers follow it without a gap).
 */
#include <arpa/inet.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core.h"
#include "json.h"
#include "show.h"

/* Bytes of AS path text that fit without an allocation. */
#define SHOW_PATH_INITIAL	1024

struct show_name {
	uint16_t	slot;
	char		addr[BW_ADDR_STRLEN];
};

enum show_phase {
	SHOW_HEAD,
	SHOW_MATCH,
	SHOW_WALK,
	SHOW_TAIL,
	SHOW_DONE
};

struct show_rib {
	struct bgpd		*bgpd;
	int			 json;
	struct json		 j;
	struct evbuffer		*out;		/* of the current step */
	enum show_phase		 phase;
	int			 has_neighbor;
	struct bw_addr		 neighbor;
	int			 has_pfx;
	struct bw_prefix	 pfx;
	struct rib_cursor	 cur;
	int			 walk_end;	/* left the queried prefix */
	int			 filter_slot;	/* -1: every peer */
	const char		*incomplete;	/* why the listing stopped */
	const char		*title;		/* text: before next route */
	struct show_name	*names;		/* slot -> address, by slot */
	size_t			 nnames;
	size_t			 namecap;
	char			*path;		/* AS path text */
	size_t			 pathcap;
	const struct rattr	*path_of;	/* whose text path holds */
	size_t			 routes;	/* routes written */
	int			 err;
};

char *
show_timeframe(long long t, char *buf, size_t len)
{
	long long	sec, min, hrs, day, week;

	if (t < 0) {
		snprintf(buf, len, "Never");
		return buf;
	}
	week = t / (7 * 86400);
	day = t / 86400 % 7;
	hrs = t / 3600 % 24;
	min = t / 60 % 60;
	sec = t % 60;
	if (t < 86400)
		snprintf(buf, len, "%02lld:%02lld:%02lld", hrs, min, sec);
	else if (t < 7 * 86400)
		snprintf(buf, len, "%lldd%02lldh%02lldm", day, hrs, min);
	else
		snprintf(buf, len, "%02lldw%01lldd%02lldh", week, day, hrs);
	return buf;
}

static const char *
show_aid_key(uint8_t aid)
{
	return aid == AID_INET ? "ipv4" : "ipv6";
}

static uint64_t
show_sum(const uint64_t *v, size_t n)
{
	uint64_t	s = 0;
	size_t		i;

	for (i = 0; i < n; i++)
		s += v[i];
	return s;
}

static size_t
show_outq(const struct peer *p)
{
	if (p->conn == NULL || p->conn->bev == NULL)
		return 0;
	return evbuffer_get_length(bufferevent_get_output(p->conn->bev));
}

/* Seconds in the current state; uptime is that while Established. */
static long long
show_state_secs(const struct peer *p)
{
	long long	d = (long long)(loop_monotime() - p->uptime);

	return d < 0 ? 0 : d;
}

/* Neighbors, JSON */

static void
show_json_families(struct json *j, const char *name, const uint8_t *v)
{
	uint8_t	aid;

	json_arr_open(j, name);
	for (aid = AID_INET; aid < AID_MAX; aid++)
		if (v[aid])
			json_str(j, NULL, show_aid_key(aid));
	json_arr_close(j);
}

static void
show_json_caps(struct json *j, const struct peer *p)
{
	const struct bgp_neg	*n = &p->neg;

	if (p->state < FSM_OPENCONFIRM) {
		json_null(j, "capabilities");
		return;
	}
	json_obj_open(j, "capabilities");
	json_bool(j, "as4", n->as4);
	json_bool(j, "extended_message", n->ext_msg);
	json_bool(j, "route_refresh", n->refresh);
	json_bool(j, "enhanced_route_refresh", n->enhanced_rr);
	show_json_families(j, "families", n->af);
	show_json_families(j, "add_path_receive", n->addpath_recv);
	if (n->gr_peer) {
		json_obj_open(j, "graceful_restart");
		json_uint(j, "restart_time", n->gr_restart_time);
		json_bool(j, "restarting", n->gr_peer_restarting);
		show_json_families(j, "families", n->gr_af);
		json_obj_close(j);
	} else
		json_null(j, "graceful_restart");
	json_obj_close(j);
}

static void
show_json_msgs(struct json *j, const char *name, const uint64_t *v)
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
show_json_stats(struct json *j, const struct peer *p)
{
	const struct peer_stats	*s = &p->stats;

	json_uint(j, "messages_in", show_sum(s->msgs_in, 6));
	json_uint(j, "messages_out", show_sum(s->msgs_out, 6));
	json_obj_open(j, "messages");
	show_json_msgs(j, "in", s->msgs_in);
	show_json_msgs(j, "out", s->msgs_out);
	json_obj_close(j);
	json_uint(j, "updates_in", s->updates_in);
	json_uint(j, "announcements_in", p->src.stats.prefixes_in);
	json_uint(j, "withdrawals_in", p->src.stats.withdraws_in);
	json_uint(j, "treat_as_withdraw", s->treat_as_withdraw);
	json_uint(j, "attribute_discard", s->attr_discard);
	json_uint(j, "established_count", s->established_count);
	json_uint(j, "flaps", s->flaps);
}

static void
show_json_eor(struct json *j, const struct peer *p)
{
	uint8_t	aid;

	json_obj_open(j, "eor");
	for (aid = AID_INET; aid < AID_MAX; aid++) {
		if (p->eor[aid])
			json_int(j, show_aid_key(aid),
			    (int64_t)p->eor_time[aid]);
		else
			json_null(j, show_aid_key(aid));
	}
	json_obj_close(j);
}

static void
show_json_conn(struct json *j, const struct peer *p)
{
	char	buf[BW_ADDR_STRLEN];

	if (p->conn == NULL || !p->conn->connected) {
		json_null(j, "local_address");
		return;
	}
	json_str(j, "local_address", addr_fmt(&p->conn->local_addr, buf,
	    sizeof(buf)));
	json_uint(j, "local_port", p->conn->local_port);
	json_uint(j, "remote_port", p->conn->remote_port);
}

static void
show_json_neighbor(struct bgpd *bgpd, struct json *j, const struct peer *p)
{
	const struct config_neighbor	*c = p->conf;
	char				 buf[BW_ADDR_STRLEN];
	struct bw_addr			 id;
	uint32_t			 nid = htonl(p->remote_id);
	uint8_t				 aid;

	json_obj_open(j, NULL);
	json_str(j, "address", addr_fmt(&c->addr, buf, sizeof(buf)));
	json_uint(j, "remote_as", c->remote_as);
	if (c->descr != NULL)
		json_str(j, "description", c->descr);
	else
		json_null(j, "description");
	json_str(j, "state", fsm_state_name(p->state));
	json_obj_open(j, "prefixes");
	for (aid = AID_INET; aid < AID_MAX; aid++)
		json_uint(j, show_aid_key(aid),
		    rib_count(bgpd->rib, p->src.slot, aid));
	json_obj_close(j);
	json_uint(j, "uptime", p->state == FSM_ESTABLISHED ?
	    (uint64_t)show_state_secs(p) : 0);
	json_uint(j, "state_time", (uint64_t)show_state_secs(p));
	json_int(j, "last_change", (int64_t)p->last_change);
	show_json_stats(j, p);
	if (p->last_error[0] != '\0')
		json_str(j, "last_error", p->last_error);
	else
		json_null(j, "last_error");
	show_json_eor(j, p);
	json_uint(j, "hold_time", p->holdtime);
	json_uint(j, "keepalive", p->keepalive);
	addr_set(&id, AID_INET, (const uint8_t *)&nid);
	json_str(j, "router_id", addr_fmt(&id, buf, sizeof(buf)));
	show_json_caps(j, p);
	show_json_conn(j, p);
	json_bool(j, "passive", (c->flags & CONF_NB_PASSIVE) != 0);
	json_uint(j, "max_prefix", c->max_prefix);
	json_bool(j, "removed", p->removed);
	json_obj_close(j);
}

static int
show_neighbors_json(struct bgpd *bgpd, struct evbuffer *out,
    const struct peer *only)
{
	struct json	 j;
	struct peer	*p;

	json_init(&j, out);
	json_obj_open(&j, NULL);
	json_arr_open(&j, "neighbors");
	TAILQ_FOREACH(p, &bgpd->peers.list, entry)
		if (p->conf != NULL && (only == NULL || only == p))
			show_json_neighbor(bgpd, &j, p);
	return json_finish(&j);
}

/* Neighbors, text */

static size_t
show_peer_prefixes(struct bgpd *bgpd, const struct peer *p)
{
	return rib_count(bgpd->rib, p->src.slot, AID_INET) +
	    rib_count(bgpd->rib, p->src.slot, AID_INET6);
}

static int
show_summary_line(struct bgpd *bgpd, struct evbuffer *out,
    const struct peer *p)
{
	char	addr[BW_ADDR_STRLEN], tf[32], st[32];

	if (p->state == FSM_ESTABLISHED)
		snprintf(st, sizeof(st), "%8zu", show_peer_prefixes(bgpd, p));
	else
		snprintf(st, sizeof(st), "%s", fsm_state_name(p->state));
	return evbuffer_add_printf(out,
	    "%-20s %10" PRIu32 " %10" PRIu64 " %10" PRIu64 " %5zu %-8s %s\n",
	    addr_fmt(&p->conf->addr, addr, sizeof(addr)), p->conf->remote_as,
	    show_sum(p->stats.msgs_in, 6), show_sum(p->stats.msgs_out, 6),
	    show_outq(p), p->last_change == 0 ? "Never" :
	    show_timeframe(show_state_secs(p), tf, sizeof(tf)), st);
}

static int
show_summary(struct bgpd *bgpd, struct evbuffer *out)
{
	struct peer	*p;
	int		 rv = 0;

	if (evbuffer_add_printf(out, "%-20s %10s %10s %10s %5s %-8s %s\n",
	    "Neighbor", "AS", "MsgRcvd", "MsgSent", "OutQ", "Up/Down",
	    "State/PrfRcvd") < 0)
		return -1;
	TAILQ_FOREACH(p, &bgpd->peers.list, entry)
		if (p->conf != NULL &&
		    show_summary_line(bgpd, out, p) < 0)
			rv = -1;
	return rv;
}

static void
show_text_families(struct evbuffer *out, const char *what,
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
show_text_caps(struct evbuffer *out, const struct peer *p)
{
	const struct bgp_neg	*n = &p->neg;

	if (p->state < FSM_OPENCONFIRM)
		return;
	evbuffer_add_printf(out, "  Negotiated capabilities:\n");
	show_text_families(out, "Multiprotocol", n->af);
	if (n->as4)
		evbuffer_add_printf(out, "    4-byte AS numbers\n");
	if (n->ext_msg)
		evbuffer_add_printf(out, "    Extended messages\n");
	if (n->refresh)
		evbuffer_add_printf(out, "    Route refresh%s\n",
		    n->enhanced_rr ? " (enhanced)" : "");
	show_text_families(out, "ADD-PATH receive", n->addpath_recv);
	if (n->gr_peer)
		evbuffer_add_printf(out, "    Graceful restart: restart time "
		    "%us%s\n", n->gr_restart_time,
		    n->gr_peer_restarting ? ", restarting" : "");
}

static void
show_text_msgs(struct evbuffer *out, const struct peer_stats *s,
    const struct rib_src_stats *rs)
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
	    "Total", show_sum(s->msgs_out, 6), show_sum(s->msgs_in, 6));
	evbuffer_add_printf(out, "  Announcements %" PRIu64 ", withdrawals %"
	    PRIu64 ", treat-as-withdraw %" PRIu64 ", attribute-discard %"
	    PRIu64 "\n", rs->prefixes_in, rs->withdraws_in,
	    s->treat_as_withdraw, s->attr_discard);
}

static void
show_text_eor(struct evbuffer *out, const struct peer *p)
{
	char		tbuf[64];
	struct tm	tm;
	uint8_t		aid;

	for (aid = AID_INET; aid < AID_MAX; aid++) {
		if (!p->eor[aid])
			continue;
		if (localtime_r(&p->eor_time[aid], &tm) == NULL ||
		    strftime(tbuf, sizeof(tbuf), "%F %T", &tm) == 0)
			snprintf(tbuf, sizeof(tbuf), "?");
		evbuffer_add_printf(out, "  End-of-RIB %s received %s\n",
		    aid_name(aid), tbuf);
	}
}

static int
show_neighbor_text(struct bgpd *bgpd, struct evbuffer *out,
    const struct peer *p)
{
	const struct config_neighbor	*c = p->conf;
	char				 addr[BW_ADDR_STRLEN], tf[32];
	uint32_t			 id = p->remote_id;

	evbuffer_add_printf(out, "BGP neighbor is %s, remote AS %" PRIu32
	    "\n", addr_fmt(&c->addr, addr, sizeof(addr)), c->remote_as);
	if (c->descr != NULL)
		evbuffer_add_printf(out, " Description: %s\n", c->descr);
	evbuffer_add_printf(out, "  BGP version 4, remote router-id "
	    "%u.%u.%u.%u\n", id >> 24, id >> 16 & 0xff, id >> 8 & 0xff,
	    id & 0xff);
	evbuffer_add_printf(out, "  BGP state = %s, %s for %s\n",
	    fsm_state_name(p->state), p->state == FSM_ESTABLISHED ? "up" :
	    "down", p->last_change == 0 ? "ever" :
	    show_timeframe(show_state_secs(p), tf, sizeof(tf)));
	evbuffer_add_printf(out, "  Last error: %s\n",
	    p->last_error[0] != '\0' ? p->last_error : "none");
	evbuffer_add_printf(out, "  Hold time %us, keepalive interval %us, "
	    "sessions established %" PRIu32 ", flaps %" PRIu32 "\n",
	    p->holdtime, p->keepalive, p->stats.established_count,
	    p->stats.flaps);
	show_text_caps(out, p);
	evbuffer_add_printf(out, "\n");
	show_text_msgs(out, &p->stats, &p->src.stats);
	evbuffer_add_printf(out, "  Prefixes: IPv4 %zu, IPv6 %zu\n",
	    rib_count(bgpd->rib, p->src.slot, AID_INET),
	    rib_count(bgpd->rib, p->src.slot, AID_INET6));
	show_text_eor(out, p);
	return evbuffer_add_printf(out, "\n") < 0 ? -1 : 0;
}

int
show_neighbors(struct bgpd *bgpd, struct evbuffer *out, int json,
    const struct peer *only)
{
	if (json)
		return show_neighbors_json(bgpd, out, only);
	if (only != NULL)
		return show_neighbor_text(bgpd, out, only);
	return show_summary(bgpd, out);
}

/* Counts and memory */

int
show_rib_count(struct bgpd *bgpd, struct evbuffer *out, int json,
    const struct peer *only)
{
	struct json	j;
	size_t		n[AID_MAX] = { 0 };
	uint8_t		aid;

	for (aid = AID_INET; aid < AID_MAX; aid++)
		n[aid] = only != NULL ? rib_count(bgpd->rib, only->src.slot, aid) :
		    rib_total_routes(bgpd->rib, aid);
	if (!json)
		return evbuffer_add_printf(out, "Routes: %zu (IPv4 %zu, "
		    "IPv6 %zu)\n", n[AID_INET] + n[AID_INET6], n[AID_INET],
		    n[AID_INET6]) < 0 ? -1 : 0;
	json_init(&j, out);
	json_obj_open(&j, NULL);
	json_uint(&j, "routes", n[AID_INET] + n[AID_INET6]);
	json_uint(&j, "ipv4", n[AID_INET]);
	json_uint(&j, "ipv6", n[AID_INET6]);
	if (only == NULL) {
		json_obj_open(&j, "prefixes");
		for (aid = AID_INET; aid < AID_MAX; aid++)
			json_uint(&j, show_aid_key(aid),
			    rib_total_prefixes(bgpd->rib, aid));
		json_obj_close(&j);
	}
	return json_finish(&j);
}

struct show_memstat {
	struct rib_mem		rib;
	struct intern_mem	in;
	size_t			peers, peer_bytes;
	size_t			routes, prefixes, total;
	long long		rss;		/* -1: unknown */
};

/* Resident set size from /proc (Linux); -1 elsewhere. */
static long long
show_rss(void)
{
	FILE		*f;
	long long	 size, rss;
	long		 page = sysconf(_SC_PAGESIZE);

	if ((f = fopen("/proc/self/statm", "r")) == NULL)
		return -1;
	if (fscanf(f, "%lld %lld", &size, &rss) != 2 || page <= 0)
		rss = -1;
	else
		rss *= page;
	fclose(f);
	return rss;
}

static void
show_memstat(struct bgpd *bgpd, struct show_memstat *m)
{
	struct peer	*p;
	uint8_t		 aid;

	memset(m, 0, sizeof(*m));
	rib_mem(bgpd->rib, &m->rib);
	intern_mem(bgpd->intern, &m->in);
	TAILQ_FOREACH(p, &bgpd->peers.list, entry)
		m->peers++;
	m->peer_bytes = m->peers * sizeof(struct peer);
	for (aid = AID_INET; aid < AID_MAX; aid++) {
		m->routes += rib_total_routes(bgpd->rib, aid);
		m->prefixes += rib_total_prefixes(bgpd->rib, aid);
	}
	m->total = m->rib.node_bytes + m->rib.route_bytes +
	    m->in.attr_bytes + m->in.blob_bytes + m->peer_bytes;
	m->rss = show_rss();
}

static double
show_per_route(const struct show_memstat *m)
{
	return m->routes == 0 ? 0.0 : (double)m->total / (double)m->routes;
}

static void
show_memory_obj(struct json *j, const char *name, const char *count,
    size_t n, size_t bytes)
{
	json_obj_open(j, name);
	json_uint(j, count, n);
	json_uint(j, "bytes", bytes);
	json_obj_close(j);
}

static int
show_memory_json(const struct show_memstat *m, struct evbuffer *out)
{
	struct json	j;

	json_init(&j, out);
	json_obj_open(&j, NULL);
	show_memory_obj(&j, "rib_nodes", "nodes", m->rib.nodes,
	    m->rib.node_bytes);
	show_memory_obj(&j, "route_arrays", "arrays", m->rib.route_arrays,
	    m->rib.route_bytes);
	show_memory_obj(&j, "attribute_sets", "sets", m->in.attrs,
	    m->in.attr_bytes);
	show_memory_obj(&j, "blobs", "blobs", m->in.blobs, m->in.blob_bytes);
	show_memory_obj(&j, "peers", "peers", m->peers, m->peer_bytes);
	json_uint(&j, "total_bytes", m->total);
	json_uint(&j, "routes", m->routes);
	json_uint(&j, "prefixes", m->prefixes);
	json_double(&j, "bytes_per_route", show_per_route(m), 1);
	if (m->rss >= 0)
		json_int(&j, "rss_bytes", m->rss);
	else
		json_null(&j, "rss_bytes");
	return json_finish(&j);
}

static void
show_memory_line(struct evbuffer *out, const char *what, size_t n,
    size_t bytes)
{
	evbuffer_add_printf(out, "%-20s %12zu %14zu\n", what, n, bytes);
}

static int
show_memory_text(const struct show_memstat *m, struct evbuffer *out)
{
	evbuffer_add_printf(out, "%-20s %12s %14s\n", "Subsystem", "Objects",
	    "Bytes");
	show_memory_line(out, "RIB nodes", m->rib.nodes, m->rib.node_bytes);
	show_memory_line(out, "Route arrays", m->rib.route_arrays,
	    m->rib.route_bytes);
	show_memory_line(out, "Attribute sets", m->in.attrs,
	    m->in.attr_bytes);
	show_memory_line(out, "Blobs", m->in.blobs, m->in.blob_bytes);
	show_memory_line(out, "Peers", m->peers, m->peer_bytes);
	evbuffer_add_printf(out, "%-20s %12s %14zu\n\n", "Total", "",
	    m->total);
	evbuffer_add_printf(out, "%zu routes, %zu prefixes, %.1f bytes per "
	    "route\n", m->routes, m->prefixes, show_per_route(m));
	if (m->rss >= 0)
		evbuffer_add_printf(out, "Resident set size %lld bytes\n",
		    m->rss);
	return 0;
}

int
show_memory(struct bgpd *bgpd, struct evbuffer *out, int json)
{
	struct show_memstat	m;

	show_memstat(bgpd, &m);
	if (json)
		return show_memory_json(&m, out);
	return show_memory_text(&m, out);
}

/* Routes: rendering one */

static int
show_name_cmp(const void *a, const void *b)
{
	const struct show_name	*x = a, *y = b;

	return (int)x->slot - (int)y->slot;
}

/*
 * Refreshes the slot -> address table (and the filter's slot).  Returns
 * 0, or -1 when the filtered neighbor is gone or memory ran out.
 */
static int
show_rib_names(struct show_rib *sr)
{
	struct peer	*p;
	size_t		 n = 0;

	TAILQ_FOREACH(p, &sr->bgpd->peers.list, entry)
		n++;
	if (n > sr->namecap) {
		free(sr->names);
		sr->namecap = 0;
		if ((sr->names = calloc(n, sizeof(*sr->names))) == NULL) {
			sr->incomplete = "out of memory";
			return -1;
		}
		sr->namecap = n;
	}
	sr->nnames = 0;
	sr->filter_slot = -1;
	TAILQ_FOREACH(p, &sr->bgpd->peers.list, entry) {
		if (p->conf == NULL)
			continue;
		if (sr->has_neighbor) {
			if (memcmp(&p->conf->addr, &sr->neighbor,
			    sizeof(sr->neighbor)) != 0)
				continue;
			sr->filter_slot = p->src.slot;
		}
		sr->names[sr->nnames].slot = p->src.slot;
		addr_fmt(&p->conf->addr, sr->names[sr->nnames].addr,
		    sizeof(sr->names[0].addr));
		sr->nnames++;
	}
	if (sr->has_neighbor && sr->filter_slot == -1) {
		sr->incomplete = "neighbor deleted";
		return -1;
	}
	qsort(sr->names, sr->nnames, sizeof(*sr->names), show_name_cmp);
	return 0;
}

static const char *
show_rib_name(const struct show_rib *sr, uint16_t slot)
{
	struct show_name	 key, *n;

	key.slot = slot;
	n = bsearch(&key, sr->names, sr->nnames, sizeof(*sr->names),
	    show_name_cmp);
	return n != NULL ? n->addr : NULL;
}

/* Formats the AS path into sr->path (grown as needed). */
static const char *
show_rib_aspath(struct show_rib *sr, const struct rattr *a)
{
	struct bgp_view	 v;
	char		*np;
	int		 len;

	if (a->aspath == NULL)
		return "";
	/* Neighbouring prefixes often share their attributes. */
	if (a == sr->path_of)
		return sr->path;
	sr->path_of = NULL;
	v = iblob_view(a->aspath);
	len = bgp_aspath_fmt(&v, sr->path, sr->pathcap);
	if (len >= 0 && (size_t)len >= sr->pathcap) {
		if ((np = realloc(sr->path, (size_t)len + 1)) == NULL)
			return "";
		sr->path = np;
		sr->pathcap = (size_t)len + 1;
		len = bgp_aspath_fmt(&v, sr->path, sr->pathcap);
	}
	if (len < 0)
		return "";
	sr->path_of = a;
	return sr->path;
}

/* Writes v in decimal at p; returns the end. */
static char *
show_u32(char *p, uint32_t v)
{
	char	tmp[10];
	int	n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		*p++ = tmp[--n];
	return p;
}

/* "A:B" or "A:B:C" from n 32-bit values (communities: 16-bit halves). */
static const char *
show_comm(char *buf, const uint8_t *p, int large)
{
	char	*e = buf;

	if (large) {
		e = show_u32(e, get_u32(p));
		*e++ = ':';
		e = show_u32(e, get_u32(p + 4));
		*e++ = ':';
		e = show_u32(e, get_u32(p + 8));
	} else {
		e = show_u32(e, get_u16(p));
		*e++ = ':';
		e = show_u32(e, get_u16(p + 2));
	}
	*e = '\0';
	return buf;
}

static void
show_json_comms(struct json *j, const struct rattr *a)
{
	char			 c[40];
	const struct iblob	*b;
	uint32_t		 i;

	json_arr_open(j, "communities");
	if ((b = a->communities) != NULL)
		for (i = 0; i + 4 <= b->len; i += 4)
			json_str(j, NULL, show_comm(c, b->data + i, 0));
	json_arr_close(j);
	json_arr_open(j, "large_communities");
	if ((b = a->large_communities) != NULL)
		for (i = 0; i + 12 <= b->len; i += 12)
			json_str(j, NULL, show_comm(c, b->data + i, 1));
	json_arr_close(j);
}

static void
show_json_attr_extra(struct json *j, const struct rattr *a)
{
	char		buf[64];
	struct bw_addr	id;
	uint32_t	nid = htonl(a->aggr_id);

	if (a->flags & RATTR_MED)
		json_uint(j, "med", a->med);
	if (a->flags & RATTR_LOCAL_PREF)
		json_uint(j, "local_pref", a->local_pref);
	json_uint(j, "origin_as", a->origin_as);
	if (a->flags & RATTR_ATOMIC_AGGR)
		json_bool(j, "atomic_aggregate", 1);
	if (a->flags & RATTR_AGGREGATOR) {
		addr_set(&id, AID_INET, (const uint8_t *)&nid);
		json_obj_open(j, "aggregator");
		json_uint(j, "as", a->aggr_as);
		json_str(j, "address", addr_fmt(&id, buf, sizeof(buf)));
		json_obj_close(j);
	}
	if (a->flags & RATTR_OTC)
		json_uint(j, "otc", a->otc);
}

/* The IPv6 link-local next hop, when the route has one. */
static void
show_json_nh_ll(struct json *j, const struct rattr *a)
{
	struct bgp_view	v;
	struct bw_addr	ll;
	uint8_t		flags;
	char		buf[BW_ADDR_STRLEN];

	if (rattr_other_find(a, RATTR_OTHER_NH_LL, &flags, &v) != 1 ||
	    v.len != 16)
		return;
	addr_set(&ll, AID_INET6, v.p);
	json_str(j, "next_hop_link_local", addr_fmt(&ll, buf, sizeof(buf)));
}

static void
show_route_json(struct show_rib *sr, const struct bw_prefix *p,
    const struct rib_route *r, const char *neighbor)
{
	struct json		*j = &sr->j;
	const struct rattr	*a = r->attrs;
	char			 buf[BW_PREFIX_STRLEN];

	json_obj_open(j, NULL);
	json_str(j, "prefix", prefix_fmt(p, buf, sizeof(buf)));
	json_str(j, "neighbor", neighbor);
	json_uint(j, "path_id", r->path_id);
	json_str(j, "as_path", show_rib_aspath(sr, a));
	if (a->nexthop.aid != AID_UNSPEC)
		json_str(j, "next_hop", addr_fmt(&a->nexthop, buf,
		    sizeof(buf)));
	else
		json_null(j, "next_hop");
	show_json_nh_ll(j, a);
	if (a->origin != RATTR_ORIGIN_NONE)
		json_str(j, "origin", bgp_origin_name(a->origin));
	else
		json_null(j, "origin");
	show_json_comms(j, a);
	json_bool(j, "stale", (r->flags & ROUTE_STALE) != 0);
	show_json_attr_extra(j, a);
	json_obj_close(j);
}

static void
show_text_comms(struct evbuffer *out, const struct rattr *a)
{
	char			 c[40];
	const struct iblob	*b;
	uint32_t		 i, n = 0;

	if ((b = a->communities) != NULL)
		for (i = 0; i + 4 <= b->len; i += 4)
			evbuffer_add_printf(out, "%s%s", n++ ? " " : " [",
			    show_comm(c, b->data + i, 0));
	if ((b = a->large_communities) != NULL)
		for (i = 0; i + 12 <= b->len; i += 12)
			evbuffer_add_printf(out, "%s%s", n++ ? " " : " [",
			    show_comm(c, b->data + i, 1));
	if (n > 0)
		evbuffer_add_printf(out, "]");
}

static char
show_origin_char(uint8_t origin)
{
	switch (origin) {
	case ORIGIN_IGP:
		return 'i';
	case ORIGIN_EGP:
		return 'e';
	default:
		return '?';
	}
}

static void
show_route_text(struct show_rib *sr, struct evbuffer *out,
    const struct bw_prefix *p, const struct rib_route *r,
    const char *neighbor)
{
	const struct rattr	*a = r->attrs;
	char			 pfx[BW_PREFIX_STRLEN], nh[BW_ADDR_STRLEN];
	char			 lp[16] = "-", med[16] = "-";
	const char		*path = show_rib_aspath(sr, a);

	if (a->flags & RATTR_LOCAL_PREF)
		snprintf(lp, sizeof(lp), "%" PRIu32, a->local_pref);
	if (a->flags & RATTR_MED)
		snprintf(med, sizeof(med), "%" PRIu32, a->med);
	if (a->nexthop.aid != AID_UNSPEC)
		addr_fmt(&a->nexthop, nh, sizeof(nh));
	else
		snprintf(nh, sizeof(nh), "-");
	if (evbuffer_add_printf(out, "%-5s %-18s %-16s %-16s %6s %6s %s%s%c",
	    (r->flags & ROUTE_STALE) ? "S" : "", prefix_fmt(p, pfx,
	    sizeof(pfx)), neighbor, nh, lp, med, path, *path ? " " : "",
	    show_origin_char(a->origin)) < 0)
		sr->err = 1;
	show_text_comms(out, a);
	if (r->path_id != 0)
		evbuffer_add_printf(out, " (path-id %" PRIu32 ")", r->path_id);
	evbuffer_add_printf(out, "\n");
}

static void	show_rib_header(struct show_rib *);

/* Writes the routes of one prefix that pass the filter.  Returns count. */
static size_t
show_rib_routes(struct show_rib *sr, const struct bw_prefix *p,
    const struct rib_route *r, size_t n)
{
	const char	*name;
	size_t		 i, w = 0;

	for (i = 0; i < n; i++) {
		if (sr->filter_slot >= 0 && r[i].peer != sr->filter_slot)
			continue;
		/* Routes of a peer being deleted: no longer shown. */
		if ((name = show_rib_name(sr, r[i].peer)) == NULL)
			continue;
		if (!sr->json && sr->title != NULL) {
			evbuffer_add_printf(sr->out, "\n%s:\n", sr->title);
			show_rib_header(sr);
			sr->title = NULL;
		}
		if (sr->json)
			show_route_json(sr, p, &r[i], name);
		else
			show_route_text(sr, sr->out, p, &r[i], name);
		w++;
	}
	sr->routes += w;
	return w;
}

/* Routes: the listing */

struct show_rib *
show_rib_new(struct bgpd *bgpd, int json, const struct bw_addr *neighbor,
    const struct bw_prefix *pfx)
{
	struct show_rib	*sr;

	if ((sr = calloc(1, sizeof(*sr))) == NULL)
		return NULL;
	if ((sr->path = malloc(SHOW_PATH_INITIAL)) == NULL) {
		free(sr);
		return NULL;
	}
	sr->pathcap = SHOW_PATH_INITIAL;
	sr->bgpd = bgpd;
	sr->json = json;
	sr->filter_slot = -1;
	if (neighbor != NULL) {
		sr->has_neighbor = 1;
		sr->neighbor = *neighbor;
	}
	if (pfx != NULL) {
		sr->has_pfx = 1;
		sr->pfx = *pfx;
	}
	sr->phase = SHOW_HEAD;
	return sr;
}

void
show_rib_free(struct show_rib *sr)
{
	if (sr == NULL)
		return;
	free(sr->names);
	free(sr->path);
	free(sr);
}

static void
show_rib_legend(struct show_rib *sr)
{
	evbuffer_add_printf(sr->out, "flags: S = Stale\n"
	    "origin: i = IGP, e = EGP, ? = Incomplete\n\n");
}

static void
show_rib_header(struct show_rib *sr)
{
	evbuffer_add_printf(sr->out, "%-5s %-18s %-16s %-16s %6s %6s %s\n",
	    "flags", "destination", "neighbor", "gateway", "lpref", "med",
	    "aspath origin");
}

static void
show_rib_head(struct show_rib *sr)
{
	char	buf[BW_PREFIX_STRLEN];

	if (!sr->json) {
		show_rib_legend(sr);
		if (!sr->has_pfx)
			show_rib_header(sr);
		return;
	}
	json_init(&sr->j, sr->out);
	json_obj_open(&sr->j, NULL);
	if (sr->has_pfx)
		json_str(&sr->j, "prefix", prefix_fmt(&sr->pfx, buf,
		    sizeof(buf)));
	else
		json_arr_open(&sr->j, "routes");
}

/* The prefixes covering the query that hold routes passing the filter. */
struct show_cover {
	struct show_rib		*sr;
	struct bw_prefix	 p[BW_PLEN_MAX + 1];
	size_t			 n;
};

static int
show_cover_cb(const struct bw_prefix *p, const struct rib_route *r,
    size_t n, void *arg)
{
	struct show_cover	*c = arg;
	size_t			 i;

	for (i = 0; i < n && c->n <= BW_PLEN_MAX; i++) {
		if (c->sr->filter_slot >= 0 && r[i].peer != c->sr->filter_slot)
			continue;
		if (show_rib_name(c->sr, r[i].peer) == NULL)
			continue;
		c->p[c->n++] = *p;
		break;
	}
	return 0;
}

/* Writes the routes of each of the first n covering prefixes. */
static void
show_rib_list(struct show_rib *sr, const struct bw_prefix *p, size_t n)
{
	const struct rib_route	*r;
	size_t			 i, nr;

	for (i = 0; i < n; i++)
		if ((r = rib_lookup(sr->bgpd->rib, &p[i], &nr)) != NULL)
			show_rib_routes(sr, &p[i], r, nr);
}

/* The longest match and the covering routes; then opens "covered". */
static void
show_rib_match(struct show_rib *sr)
{
	struct show_cover	*c;
	char			 buf[BW_PREFIX_STRLEN], mbuf[BW_PREFIX_STRLEN];
	const struct bw_prefix	*m;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		sr->err = 1;
		return;
	}
	c->sr = sr;
	rib_walk_covering(sr->bgpd->rib, &sr->pfx, show_cover_cb, c);
	m = c->n > 0 ? &c->p[c->n - 1] : NULL;
	if (sr->json) {
		if (m != NULL)
			json_str(&sr->j, "match", prefix_fmt(m, buf,
			    sizeof(buf)));
		else
			json_null(&sr->j, "match");
		json_arr_open(&sr->j, "routes");
	} else if (m != NULL) {
		evbuffer_add_printf(sr->out, "Longest match for %s: %s\n",
		    prefix_fmt(&sr->pfx, buf, sizeof(buf)),
		    prefix_fmt(m, mbuf, sizeof(mbuf)));
		show_rib_header(sr);
	} else
		evbuffer_add_printf(sr->out, "No route matches %s\n",
		    prefix_fmt(&sr->pfx, buf, sizeof(buf)));
	if (m != NULL)
		show_rib_list(sr, m, 1);
	if (sr->json) {
		json_arr_close(&sr->j);
		json_arr_open(&sr->j, "covering");
	} else
		sr->title = "Less specific routes";
	show_rib_list(sr, c->p, c->n > 0 ? c->n - 1 : 0);
	if (sr->json) {
		json_arr_close(&sr->j);
		json_arr_open(&sr->j, "covered");
	} else
		sr->title = "More specific routes";
	free(c);
}

static int
show_walk_cb(const struct bw_prefix *p, const struct rib_route *r,
    size_t n, void *arg)
{
	struct show_rib	*sr = arg;

	if (sr->has_pfx) {
		if (!prefix_contains(&sr->pfx, p)) {
			if (prefix_cmp(p, &sr->pfx) < 0)
				return 0;	/* not there yet */
			sr->walk_end = 1;
			return 1;
		}
		if (p->len == sr->pfx.len)
			return 0;	/* the match itself, shown */
	}
	show_rib_routes(sr, p, r, n);
	return 0;
}

/* Prefixes a slice may visit so that it writes about SLICE_ROUTES. */
static size_t
show_slice_budget(const struct show_rib *sr)
{
	size_t	routes, prefixes, b;

	if (sr->filter_slot >= 0)
		return SHOW_SLICE_PREFIXES;
	routes = rib_total_routes(sr->bgpd->rib, sr->cur.aid);
	prefixes = rib_total_prefixes(sr->bgpd->rib, sr->cur.aid);
	if (routes == 0 || prefixes == 0)
		return SHOW_SLICE_PREFIXES;
	b = (size_t)((double)SHOW_SLICE_ROUTES * prefixes / routes);
	if (b < 16)
		b = 16;
	return b > SHOW_SLICE_PREFIXES ? SHOW_SLICE_PREFIXES : b;
}

/* Starts the walk: a family (whole dump) or from the queried prefix. */
static void
show_walk_start(struct show_rib *sr, uint8_t aid)
{
	rib_cursor_init(&sr->cur, aid);
	sr->walk_end = 0;
	if (sr->has_pfx) {
		sr->cur.started = 1;
		sr->cur.next = sr->pfx;
	}
}

static void
show_rib_slice(struct show_rib *sr)
{
	int	more;

	more = rib_walk_slice(sr->bgpd->rib, &sr->cur, show_slice_budget(sr),
	    show_walk_cb, sr);
	if (more && !sr->walk_end)
		return;
	if (!sr->has_pfx && sr->cur.aid == AID_INET)
		show_walk_start(sr, AID_INET6);
	else
		sr->phase = SHOW_TAIL;
}

static void
show_rib_tail(struct show_rib *sr)
{
	if (!sr->json) {
		if (sr->incomplete != NULL)
			evbuffer_add_printf(sr->out, "\nListing incomplete: "
			    "%s\n", sr->incomplete);
		return;
	}
	/* Closes what is open below the top object (none if stopped early). */
	while (sr->j.depth > 1) {
		if (sr->j.isobj[sr->j.depth])
			json_obj_close(&sr->j);
		else
			json_arr_close(&sr->j);
	}
	if (sr->incomplete != NULL)
		json_str(&sr->j, "incomplete", sr->incomplete);
	if (json_finish(&sr->j) == -1)
		sr->err = 1;
}

int
show_rib_step(struct show_rib *sr, struct evbuffer *out)
{
	sr->out = out;
	sr->j.out = out;
	/* Attribute sets may have gone since the last step. */
	sr->path_of = NULL;
	if (sr->phase == SHOW_DONE)
		return 0;
	if ((sr->phase == SHOW_MATCH || sr->phase == SHOW_WALK) &&
	    show_rib_names(sr) == -1)
		sr->phase = SHOW_TAIL;
	switch (sr->phase) {
	case SHOW_HEAD:
		show_rib_head(sr);
		sr->phase = sr->has_pfx ? SHOW_MATCH : SHOW_WALK;
		show_walk_start(sr, sr->has_pfx ? sr->pfx.aid : AID_INET);
		break;
	case SHOW_MATCH:
		show_rib_match(sr);
		sr->phase = SHOW_WALK;
		break;
	case SHOW_WALK:
		show_rib_slice(sr);
		break;
	case SHOW_TAIL:
		show_rib_tail(sr);
		sr->phase = SHOW_DONE;
		break;
	case SHOW_DONE:
		break;
	}
	if (sr->json)
		json_flush(&sr->j);
	if (sr->err || (sr->json && sr->j.err))
		return -1;
	return sr->phase == SHOW_DONE ? 0 : 1;
}
