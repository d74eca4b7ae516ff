/*
 * show bmp (view_bmp.h).  view_bmp_gather() is the only place that reads
 * the station's structs; the renderers and metrics.c work on the copy.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "json.h"
#include "view.h"
#include "view_bmp.h"

static void
view_bmp_peer_gather(const struct bmp_mpeer *mp, double now,
    struct view_bmp_peer *v)
{
	uint8_t aid;

	memset(v, 0, sizeof(*v));
	v->addr = mp->src.addr;
	v->asn = mp->asn;
	v->bgp_id = mp->bgp_id;
	v->peer_type = mp->peer_type;
	v->flags = mp->flags;
	v->ts = mp->ts;
	v->rd = mp->rd;
	v->view = bmp_view_name(mp->view);
	v->up = mp->src.up;
	v->eligible = mp->src.eligible;
	v->up_secs = mp->src.up ? (long long)(now - mp->up_since) : 0;
	for (aid = AID_INET; aid < AID_MAX; aid++)
		v->prefixes[aid] = adjrib_count(&mp->src, aid);
	v->rm_msgs = mp->rm_msgs;
	v->mirror_msgs = mp->mirror_msgs;
	v->errors = mp->errors;
	v->prefixes_in = mp->src.stats.prefixes_in;
	v->withdraws_in = mp->src.stats.withdraws_in;
	v->stats_reports = mp->stats_reports;
	memcpy(v->stats, mp->stats, sizeof(v->stats));
	v->stats_seen = mp->stats_seen;
	v->slot = mp->src.slot;
}

static int
view_bmp_router_gather(const struct bmp_router *r, double now,
    struct view_bmp_router *v)
{
	const struct bmp_mpeer *mp;
	size_t i = 0;

	memset(v, 0, sizeof(*v));
	v->addr = r->addr;
	v->configured = r->conf != NULL;
	v->descr = r->conf != NULL ? r->conf->descr : NULL;
	snprintf(v->sysname, sizeof(v->sysname), "%s", r->sysname);
	snprintf(v->sysdescr, sizeof(v->sysdescr), "%s", r->sysdescr);
	v->connected = r->bev != NULL && !r->connecting;
	v->port = r->port;
	v->up_secs = v->connected ? (long long)(now - r->connected) : 0;
	memcpy(v->msgs, r->msgs, sizeof(v->msgs));
	v->bytes = r->bytes;
	v->sessions = r->sessions;
	v->errors = r->errors;
	v->dropped = r->dropped;
	v->routes = r->routes;
	snprintf(v->last_error, sizeof(v->last_error), "%s", r->last_error);
	if (r->npeers > 0 &&
	    (v->peers = calloc(r->npeers, sizeof(*v->peers))) == NULL)
		return -1;
	TAILQ_FOREACH(mp, &r->peers, entry)
		if (i < r->npeers)
			view_bmp_peer_gather(mp, now, &v->peers[i++]);
	v->npeers = i;
	return 0;
}

int
view_bmp_gather(struct bgpd *bgpd, struct view_bmp *v)
{
	const struct bmp_router *r;
	double now = loop_now(&bgpd->loop);
	size_t n = 0;

	memset(v, 0, sizeof(*v));
	v->refused = bgpd->bmp.refused;
	v->listeners = (size_t)bgpd->bmp.nlisten;
	TAILQ_FOREACH(r, &bgpd->bmp.routers, entry)
		n++;
	if (n > 0 && (v->r = calloc(n, sizeof(*v->r))) == NULL)
		return -1;
	TAILQ_FOREACH(r, &bgpd->bmp.routers, entry) {
		if (view_bmp_router_gather(r, now, &v->r[v->n]) == -1) {
			view_bmp_clear(v);
			return -1;
		}
		v->n++;
	}
	return 0;
}

void
view_bmp_clear(struct view_bmp *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		free(v->r[i].peers);
	free(v->r);
	memset(v, 0, sizeof(*v));
}

static void
view_bmp_peer_json(struct json *j, const struct view_bmp_peer *p)
{
	char ab[BW_ADDR_STRLEN];
	const char *name;
	uint16_t t;

	json_obj_open(j, NULL);
	json_str(j, "address", addr_fmt(&p->addr, ab, sizeof(ab)));
	json_uint(j, "asn", p->asn);
	snprintf(ab, sizeof(ab), "%u.%u.%u.%u", p->bgp_id >> 24,
	    (p->bgp_id >> 16) & 0xff, (p->bgp_id >> 8) & 0xff,
	    p->bgp_id & 0xff);
	json_str(j, "bgp_id", ab);
	json_str(j, "peer_type", p->peer_type == BMP_PEER_GLOBAL ? "global" :
	    p->peer_type == BMP_PEER_RD ? "rd" : p->peer_type ==
	    BMP_PEER_LOCAL ? "local" : "loc-rib");
	json_uint(j, "distinguisher", p->rd);
	json_uint(j, "flags", p->flags);
	json_double(j, "timestamp", p->ts, 6);
	json_str(j, "view", p->view);
	json_str(j, "state", p->up ? "Established" : "Idle");
	json_bool(j, "eligible", p->eligible);
	json_int(j, "uptime", p->up_secs);
	json_obj_open(j, "prefixes");
	json_uint(j, "ipv4", p->prefixes[AID_INET]);
	json_uint(j, "ipv6", p->prefixes[AID_INET6]);
	json_obj_close(j);
	json_uint(j, "route_monitoring", p->rm_msgs);
	json_uint(j, "route_mirroring", p->mirror_msgs);
	json_uint(j, "treat_as_withdraw", p->errors);
	json_uint(j, "prefixes_in", p->prefixes_in);
	json_uint(j, "withdraws_in", p->withdraws_in);
	json_uint(j, "stats_reports", p->stats_reports);
	json_obj_open(j, "stats");
	for (t = 0; t < BMP_STAT_MAX; t++)
		if ((p->stats_seen & (1u << t)) &&
		    (name = bmp_stat_name(t)) != NULL)
			json_uint(j, name, p->stats[t]);
	json_obj_close(j);
	json_obj_close(j);
}

int
view_bmp_json(const struct view_bmp *v, struct evbuffer *out)
{
	const struct view_bmp_router *r;
	struct json j;
	char ab[BW_ADDR_STRLEN];
	size_t i, k;
	uint8_t t;

	json_init(&j, out);
	json_obj_open(&j, NULL);
	json_uint(&j, "listeners", v->listeners);
	json_uint(&j, "refused", v->refused);
	json_arr_open(&j, "routers");
	for (i = 0; i < v->n; i++) {
		r = &v->r[i];
		json_obj_open(&j, NULL);
		json_str(&j, "address", addr_fmt(&r->addr, ab, sizeof(ab)));
		if (r->descr != NULL)
			json_str(&j, "description", r->descr);
		json_str(&j, "sys_name", r->sysname);
		json_str(&j, "sys_descr", r->sysdescr);
		json_str(&j, "state", r->connected ? "up" : "down");
		json_bool(&j, "configured", r->configured);
		json_int(&j, "uptime", r->up_secs);
		json_uint(&j, "sessions", r->sessions);
		json_uint(&j, "errors", r->errors);
		json_str(&j, "last_error", r->last_error);
		json_uint(&j, "bytes", r->bytes);
		json_uint(&j, "routes", r->routes);
		json_uint(&j, "dropped", r->dropped);
		json_obj_open(&j, "messages");
		for (t = 0; t < BMP_TYPE_MAX; t++)
			json_uint(&j, bmp_type_name(t), r->msgs[t]);
		json_obj_close(&j);
		json_arr_open(&j, "peers");
		for (k = 0; k < r->npeers; k++)
			view_bmp_peer_json(&j, &r->peers[k]);
		json_arr_close(&j);
		json_obj_close(&j);
	}
	json_arr_close(&j);
	json_obj_close(&j);
	return json_finish(&j);
}

int
view_bmp_text(const struct view_bmp *v, struct evbuffer *out)
{
	const struct view_bmp_router *r;
	const struct view_bmp_peer *p;
	char ab[BW_ADDR_STRLEN];
	size_t i, k;

	evbuffer_add_printf(out, "BMP station: %zu listeners, %" PRIu64
	    " connections refused\n", v->listeners, v->refused);
	for (i = 0; i < v->n; i++) {
		r = &v->r[i];
		evbuffer_add_printf(out, "\nRouter %s%s%s%s: %s", addr_fmt(&r->addr,
		    ab, sizeof(ab)), r->descr ? " (" : "", r->descr ? r->descr :
		    "", r->descr ? ")" : "", r->connected ? "up" : "down");
		if (r->connected)
			evbuffer_add_printf(out, " for %llds", r->up_secs);
		evbuffer_add_printf(out, "\n  sysName \"%s\", sysDescr \"%s\"\n"
		    "  %" PRIu64 " routes, %zu peers, %" PRIu64 " messages "
		    "route-monitoring, %" PRIu64 " bytes, %" PRIu64
		    " sessions, %" PRIu64 " errors%s%s\n", r->sysname,
		    r->sysdescr, r->routes, r->npeers,
		    r->msgs[BMP_ROUTE_MONITORING], r->bytes, r->sessions,
		    r->errors, r->last_error[0] ? ", last: " : "",
		    r->last_error);
		if (r->npeers == 0)
			continue;
		evbuffer_add_printf(out, "  %-26s %10s %-12s %-11s %8s %8s "
		    "%10s\n", "Peer", "AS", "View", "State", "IPv4", "IPv6",
		    "Msgs");
		for (k = 0; k < r->npeers; k++) {
			p = &r->peers[k];
			evbuffer_add_printf(out, "  %-26s %10u %-12s %-11s %8zu "
			    "%8zu %10" PRIu64 "\n", addr_fmt(&p->addr, ab,
			    sizeof(ab)), p->asn, p->view, p->up ?
			    (p->eligible ? "Established" : "Syncing") : "Idle",
			    p->prefixes[AID_INET], p->prefixes[AID_INET6],
			    p->rm_msgs);
		}
	}
	return 0;
}

size_t
view_bmp_sources(struct bgpd *bgpd, const struct view_bmp_filter *f,
    void (*fn)(void *, uint16_t, const struct bw_addr *, const char *,
    const char *), void *arg)
{
	const struct bmp_router *r;
	const struct bmp_mpeer *mp;
	size_t n = 0;

	TAILQ_FOREACH(r, &bgpd->bmp.routers, entry) {
		if (f != NULL && f->router != NULL &&
		    memcmp(f->router, &r->addr, sizeof(r->addr)) != 0)
			continue;
		TAILQ_FOREACH(mp, &r->peers, entry) {
			if (f != NULL && f->neighbor != NULL &&
			    memcmp(f->neighbor, &mp->src.addr,
			    sizeof(mp->src.addr)) != 0)
				continue;
			if (f != NULL && f->view != NULL &&
			    strcmp(f->view, mp->src.view) != 0)
				continue;
			if (fn != NULL)
				fn(arg, mp->src.slot, &mp->src.addr,
				    r->addr_s, mp->src.view);
			n++;
		}
	}
	return n;
}

int
view_bmp_view_known(const char *name)
{
	int v;

	for (v = 0; v < BMP_VIEW_MAX; v++)
		if (strcmp(name, bmp_view_name((enum bmp_view)v)) == 0)
			return 1;
	return 0;
}

struct view_bmp_counter {
	struct bgpd		*bgpd;
	struct view_rib_count	*vc;
};

static void
view_bmp_count_one(void *arg, uint16_t slot, const struct bw_addr *peer,
    const char *router, const char *view)
{
	struct view_bmp_counter *k = arg;
	uint8_t aid;

	(void)peer;
	(void)router;
	(void)view;
	for (aid = AID_INET; aid < AID_MAX; aid++)
		k->vc->routes[aid] += rib_count(k->bgpd->rib, slot, aid);
}

void
view_bmp_count(struct bgpd *bgpd, const struct bw_addr *neighbor,
    const struct bw_addr *router, const char *view, struct view_rib_count *vc)
{
	struct view_bmp_filter f;
	struct view_bmp_counter k;

	memset(vc, 0, sizeof(*vc));
	vc->one = 1;
	f.neighbor = neighbor;
	f.router = router;
	f.view = view;
	k.bgpd = bgpd;
	k.vc = vc;
	(void)view_bmp_sources(bgpd, &f, view_bmp_count_one, &k);
}

/* show neighbors: the monitored peers as entries of "neighbors". */
void
view_bmp_neighbors_json(struct json *j, void *arg)
{
	const struct view_bmp *v = arg;
	const struct view_bmp_router *r;
	const struct view_bmp_peer *p;
	char ab[BW_ADDR_STRLEN];
	size_t i, k;

	for (i = 0; i < v->n; i++) {
		r = &v->r[i];
		for (k = 0; k < r->npeers; k++) {
			p = &r->peers[k];
			json_obj_open(j, NULL);
			json_str(j, "address", addr_fmt(&p->addr, ab,
			    sizeof(ab)));
			json_str(j, "type", "bmp");
			json_uint(j, "remote_as", p->asn);
			if (r->descr != NULL)
				json_str(j, "description", r->descr);
			else
				json_null(j, "description");
			json_str(j, "state", p->up ? "Established" : "Idle");
			json_obj_open(j, "prefixes");
			json_uint(j, "ipv4", p->prefixes[AID_INET]);
			json_uint(j, "ipv6", p->prefixes[AID_INET6]);
			json_obj_close(j);
			json_uint(j, "uptime", (uint64_t)p->up_secs);
			json_obj_open(j, "router");
			json_str(j, "address", addr_fmt(&r->addr, ab,
			    sizeof(ab)));
			json_str(j, "name", r->sysname);
			json_obj_close(j);
			json_str(j, "view", p->view);
			json_bool(j, "eligible", p->eligible);
			json_obj_close(j);
		}
	}
}

int
view_bmp_neighbors_text(const struct view_bmp *v, struct evbuffer *out)
{
	const struct view_bmp_router *r;
	const struct view_bmp_peer *p;
	char ab[BW_ADDR_STRLEN], rb[BW_ADDR_STRLEN];
	size_t i, k, n = 0;

	for (i = 0; i < v->n; i++)
		n += v->r[i].npeers;
	if (n == 0)
		return 0;
	evbuffer_add_printf(out, "\n%-4s %-20s %10s %-16s %-12s %10s  %s\n",
	    "Type", "Neighbor", "AS", "Router", "View", "Up(s)",
	    "State/PrfRcvd");
	for (i = 0; i < v->n; i++) {
		r = &v->r[i];
		addr_fmt(&r->addr, rb, sizeof(rb));
		for (k = 0; k < r->npeers; k++) {
			p = &r->peers[k];
			if (p->up)
				evbuffer_add_printf(out, "%-4s %-20s %10u %-16s "
				    "%-12s %10lld  %8zu\n", "bmp", addr_fmt(
				    &p->addr, ab, sizeof(ab)), p->asn, rb,
				    p->view, p->up_secs, p->prefixes[AID_INET] +
				    p->prefixes[AID_INET6]);
			else
				evbuffer_add_printf(out, "%-4s %-20s %10u %-16s "
				    "%-12s %10s  Idle\n", "bmp", addr_fmt(&p->addr,
				    ab, sizeof(ab)), p->asn, rb, p->view, "-");
		}
	}
	return 0;
}
