/*
 * BMP station metrics (metrics_priv.h): per router its connection
 * state, messages by type, bytes, sessions, errors and routes; per
 * monitored (router, peer, view) its state, eligibility, routes and the
 * counters of its Statistics Reports.  Rendered from view_bmp's gather.
 */
#include <inttypes.h>
#include <stdio.h>

#include "core.h"
#include "metrics_priv.h"
#include "view_bmp.h"

static void
metrics_bmp_routers(struct evbuffer *b, const struct view_bmp *v)
{
	const struct view_bmp_router *r;
	char ab[BW_ADDR_STRLEN], nm[300];
	size_t i;
	uint8_t t;

	metrics_head(b, "bgpwatch_bmp_refused_total", "counter",
	    "BMP connections refused (router not configured)");
	evbuffer_add_printf(b, "bgpwatch_bmp_refused_total %" PRIu64 "\n",
	    v->refused);
	metrics_head(b, "bgpwatch_bmp_router_up", "gauge",
	    "1 while the BMP router is connected");
	for (i = 0; i < v->n; i++) {
		r = &v->r[i];
		evbuffer_add_printf(b, "bgpwatch_bmp_router_up{router=\"%s\","
		    "sys_name=\"%s\"} %d\n", addr_fmt(&r->addr, ab, sizeof(ab)),
		    metrics_label(r->sysname, nm, sizeof(nm)), r->connected);
	}
	metrics_head(b, "bgpwatch_bmp_messages_total", "counter",
	    "BMP messages received, by type");
	for (i = 0; i < v->n; i++)
		for (t = 0; t < BMP_TYPE_MAX; t++)
			evbuffer_add_printf(b, "bgpwatch_bmp_messages_total{"
			    "router=\"%s\",type=\"%s\"} %" PRIu64 "\n",
			    addr_fmt(&v->r[i].addr, ab, sizeof(ab)),
			    bmp_type_name(t), v->r[i].msgs[t]);
#define ROUTER_COUNTER(name, type, help, field)				\
	metrics_head(b, name, type, help);				\
	for (i = 0; i < v->n; i++)					\
		evbuffer_add_printf(b, name "{router=\"%s\"} %" PRIu64 "\n", \
		    addr_fmt(&v->r[i].addr, ab, sizeof(ab)),		\
		    (uint64_t)v->r[i].field);
	ROUTER_COUNTER("bgpwatch_bmp_received_bytes_total", "counter",
	    "bytes of BMP messages received", bytes)
	ROUTER_COUNTER("bgpwatch_bmp_sessions_total", "counter",
	    "BMP connections established", sessions)
	ROUTER_COUNTER("bgpwatch_bmp_errors_total", "counter",
	    "BMP connections closed on an error", errors)
	ROUTER_COUNTER("bgpwatch_bmp_dropped_total", "counter",
	    "BMP messages of views not kept or peers over max-peers", dropped)
	ROUTER_COUNTER("bgpwatch_bmp_router_routes", "gauge",
	    "routes held from all monitored peers of the router", routes)
	ROUTER_COUNTER("bgpwatch_bmp_router_peers", "gauge",
	    "monitored (peer, view)s of the router", npeers)
#undef ROUTER_COUNTER
}

#define PEER_LABELS "router=\"%s\",peer=\"%s\",asn=\"%u\",view=\"%s\""

enum { MB_UP, MB_ELIGIBLE, MB_ROUTES, MB_RM, MB_STAT, MB_N };

static const char *const mb_names[MB_N][3] = {
	{ "bgpwatch_bmp_peer_up", "gauge",
	    "1 while the monitored peer is up (Peer Up seen)" },
	{ "bgpwatch_bmp_peer_eligible", "gauge",
	    "1 once its initial table is complete" },
	{ "bgpwatch_bmp_peer_routes", "gauge",
	    "routes held from the monitored peer, by family" },
	{ "bgpwatch_bmp_peer_route_monitoring_total", "counter",
	    "Route Monitoring messages of the monitored peer" },
	{ "bgpwatch_bmp_peer_stat", "gauge",
	    "last value of each Statistics Report counter" },
};

/* One family's samples for one monitored peer. */
static void
metrics_bmp_peer(struct evbuffer *b, int fam, const char *ab,
    const struct view_bmp_peer *p)
{
	char pb[BW_ADDR_STRLEN];
	const char *n = mb_names[fam][0], *name;
	uint16_t t;

	addr_fmt(&p->addr, pb, sizeof(pb));
	switch (fam) {
	case MB_UP:
	case MB_ELIGIBLE:
		evbuffer_add_printf(b, "%s{" PEER_LABELS "} %d\n", n, ab, pb,
		    p->asn, p->view, fam == MB_UP ? p->up : p->eligible);
		break;
	case MB_ROUTES:
		evbuffer_add_printf(b, "%s{" PEER_LABELS ",family=\"ipv4\"} "
		    "%zu\n%s{" PEER_LABELS ",family=\"ipv6\"} %zu\n", n, ab, pb,
		    p->asn, p->view, p->prefixes[AID_INET], n, ab, pb, p->asn,
		    p->view, p->prefixes[AID_INET6]);
		break;
	case MB_RM:
		evbuffer_add_printf(b, "%s{" PEER_LABELS "} %" PRIu64 "\n", n,
		    ab, pb, p->asn, p->view, p->rm_msgs);
		break;
	case MB_STAT:
		for (t = 0; t < BMP_STAT_MAX; t++)
			if ((p->stats_seen & (1u << t)) &&
			    (name = bmp_stat_name(t)) != NULL)
				evbuffer_add_printf(b, "%s{" PEER_LABELS
				    ",stat=\"%s\"} %" PRIu64 "\n", n, ab, pb,
				    p->asn, p->view, name, p->stats[t]);
		break;
	}
}

static void
metrics_bmp_peers(struct evbuffer *b, const struct view_bmp *v)
{
	char ab[BW_ADDR_STRLEN];
	size_t i, k;
	int fam;

	for (fam = 0; fam < MB_N; fam++) {
		metrics_head(b, mb_names[fam][0], mb_names[fam][1],
		    mb_names[fam][2]);
		for (i = 0; i < v->n; i++) {
			addr_fmt(&v->r[i].addr, ab, sizeof(ab));
			for (k = 0; k < v->r[i].npeers; k++)
				metrics_bmp_peer(b, fam, ab, &v->r[i].peers[k]);
		}
	}
}

int
metrics_bmp(struct evbuffer *b, struct bgpd *bgpd)
{
	struct view_bmp v;

	if (view_bmp_gather(bgpd, &v) == -1)
		return -1;
	metrics_bmp_routers(b, &v);
	metrics_bmp_peers(b, &v);
	view_bmp_clear(&v);
	return 0;
}
