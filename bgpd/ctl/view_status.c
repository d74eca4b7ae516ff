/*
 * show status [reset]: version, uptime, the event loop's worst stall
 * (bgpd.c's probe timer), peers, routes and regions by state.  With "reset" the answer is
 * the status as it was, and the stall maximum starts over from 0 (read
 * and cleared at once, so no stall falls between the two); the count of
 * stalls over 50 ms is never reset.  metrics.c exports the same
 * gathered figures (without resetting anything).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core.h"
#include "detect.h"
#include "json.h"
#include "version.h"
#include "view.h"

static int
view_status_region_cb(const struct detect_region_info *ri, void *arg)
{
	struct view_status *s = arg;

	s->regions++;
	if ((size_t)ri->state < sizeof(s->regions_in) /
	    sizeof(s->regions_in[0]))
		s->regions_in[ri->state]++;
	if (ri->pending)
		s->regions_pending++;
	return 0;
}

void
view_status_gather(struct bgpd *bgpd, int reset, struct view_status *s)
{
	const struct peer	*p;
	uint8_t			 aid;

	memset(s, 0, sizeof(*s));
	s->version = bgpwatch_version();
	s->reset = reset;
	s->max_stall = loop_stall(&bgpd->loop, reset);
	s->max_stall_cpu = loop_stall_cpu(&bgpd->loop, reset);
	s->stalls_over_50ms = bgpd->loop.lag_over_50ms;
	s->started = bgpd->started;
	s->uptime = (long long)(time(NULL) - bgpd->started);
	if (s->uptime < 0)
		s->uptime = 0;
	TAILQ_FOREACH(p, &bgpd->peers.list, entry) {
		s->peers++;
		if (p->state == FSM_ESTABLISHED)
			s->established++;
	}
	for (aid = AID_INET; aid < AID_MAX; aid++) {
		s->routes[aid] = rib_total_routes(bgpd->rib, aid);
		s->routes_total += s->routes[aid];
	}
	/* A count per state, so a poll need not render every region. */
	if (bgpd->detect != NULL)
		detect_regions(bgpd->detect, view_status_region_cb, s);
}

int
view_status_json(const struct view_status *s, struct evbuffer *out)
{
	struct json	j;

	json_init(&j, out);
	json_obj_open(&j, NULL);
	json_str(&j, "version", s->version);
	json_uint(&j, "uptime", (uint64_t)s->uptime);
	json_obj_open(&j, "loop");
	json_double(&j, "max_stall_ms", s->max_stall * 1000.0, 1);
	json_double(&j, "max_stall_cpu_ms", s->max_stall_cpu * 1000.0, 1);
	json_uint(&j, "stalls_over_50ms", s->stalls_over_50ms);
	json_obj_close(&j);
	json_uint(&j, "peers", s->peers);
	json_uint(&j, "established", s->established);
	json_uint(&j, "routes", s->routes_total);
	json_obj_open(&j, "regions");
	json_uint(&j, "total", s->regions);
	json_uint(&j, "up", s->regions_in[REGION_UP]);
	json_uint(&j, "degraded", s->regions_in[REGION_DEGRADED]);
	json_uint(&j, "down", s->regions_in[REGION_DOWN]);
	json_uint(&j, "blind", s->regions_in[REGION_BLIND]);
	json_uint(&j, "pending", s->regions_pending);
	json_obj_close(&j);
	return json_finish(&j);
}

int
view_status_text(const struct view_status *s, struct evbuffer *out)
{
	char	tf[32];

	return evbuffer_add_printf(out,
	    "bgpwatchd %s, up %s\n"
	    "Event loop: worst stall %.1f ms, %.1f ms of it running%s, "
	    "%llu stalls over 50 ms\n"
	    "Peers: %zu configured, %zu established\n"
	    "Routes: %zu\n"
	    "Regions: %zu (%zu up, %zu degraded, %zu down, %zu blind; "
	    "%zu in hold-down)\n", s->version,
	    view_timeframe(s->uptime, tf, sizeof(tf)), s->max_stall * 1000.0,
	    s->max_stall_cpu * 1000.0, s->reset ? " (now reset)" : "",
	    (unsigned long long)s->stalls_over_50ms, s->peers,
	    s->established, s->routes_total, s->regions,
	    s->regions_in[REGION_UP], s->regions_in[REGION_DEGRADED],
	    s->regions_in[REGION_DOWN], s->regions_in[REGION_BLIND],
	    s->regions_pending) < 0 ? -1 : 0;
}
