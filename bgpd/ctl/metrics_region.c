/*
 * Region and peer-eligibility metrics: what an alert on "KP is down"
 * needs.  The region state is an OpenMetrics-style state set, one
 * series per possible state with 1 on the current one, so that a rule
 * is `bgpwatch_region_state{state="down"} == 1` and a dashboard can stack
 * them.  Everything comes from view_regions_gather() and
 * view_neighbors_gather(), the same gathers as `bgpwatchctl show`.
 */
#include <stdio.h>
#include <string.h>

#include "core.h"
#include "detect.h"
#include "metrics_priv.h"
#include "view.h"

static const char *const metrics_states[] = { "up", "degraded", "down",
	"blind" };

const char *
metrics_label(const char *s, char *out, size_t len)
{
	size_t	o = 0;

	if (len == 0)
		return "";
	for (; s != NULL && *s != '\0' && o + 3 < len; s++) {
		if (*s == '\\' || *s == '"') {
			out[o++] = '\\';
			out[o++] = *s;
		} else if (*s == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else
			out[o++] = *s;
	}
	out[o] = '\0';
	return out;
}

void
metrics_head(struct evbuffer *b, const char *name, const char *type,
    const char *help)
{
	evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help,
	    name, type);
}

void
metrics_u64(struct evbuffer *b, const char *name, const char *type,
    const char *help, unsigned long long value)
{
	metrics_head(b, name, type, help);
	evbuffer_add_printf(b, "%s %llu\n", name, value);
}

static void
metrics_region_states(struct evbuffer *b, const struct view_regions *vr)
{
	char	name[256];
	size_t	i, k;

	metrics_head(b, "bgpwatch_region_state", "gauge", "region state as "
	    "a state set: 1 for the current state, 0 for the others");
	for (i = 0; i < vr->n; i++)
		for (k = 0; k < sizeof(metrics_states) /
		    sizeof(metrics_states[0]); k++)
			evbuffer_add_printf(b, "bgpwatch_region_state{region="
			    "\"%s\",state=\"%s\"} %d\n", metrics_label(
			    vr->r[i].name, name, sizeof(name)),
			    metrics_states[k], strcmp(vr->r[i].state,
			    metrics_states[k]) == 0);
}

/* One gauge per region; field picks the value. */
static void
metrics_region_gauge(struct evbuffer *b, const struct view_regions *vr,
    const char *metric, const char *help, int field, double now,
    double started)
{
	const struct view_region	*r;
	char				 name[256];
	double				 v;
	size_t				 i;

	metrics_head(b, metric, "gauge", help);
	for (i = 0; i < vr->n; i++) {
		r = &vr->r[i];
		switch (field) {
		case 0: v = r->visibility; break;
		case 1: v = (double)r->units_visible; break;
		case 2: v = (double)r->units_total; break;
		case 3: v = r->prefixes_visible; break;
		case 4: v = r->prefixes_total; break;
		case 5: v = r->eligible_peers; break;
		default: v = now - (r->since > 0 ? r->since : started);
			v = v > 0 ? v : 0; break;
		}
		evbuffer_add_printf(b, "%s{region=\"%s\"} %.17g\n", metric,
		    metrics_label(r->name, name, sizeof(name)), v);
	}
}

/*
 * A change waiting out its hold-down: the seconds left before the region
 * reports state `to` if nothing changes.  Only regions with a pending
 * change have a series (as `show regions`' "up -> down in 3 s").
 */
static void
metrics_region_pending(struct evbuffer *b, const struct view_regions *vr)
{
	char	name[256];
	size_t	i;

	metrics_head(b, "bgpwatch_region_pending_seconds", "gauge", "seconds "
	    "of hold-down left before the region reports the state `to`; "
	    "present only while a change is pending");
	for (i = 0; i < vr->n; i++)
		if (vr->r[i].pending != NULL)
			evbuffer_add_printf(b, "bgpwatch_region_pending_seconds"
			    "{region=\"%s\",to=\"%s\"} %.3f\n", metrics_label(
			    vr->r[i].name, name, sizeof(name)),
			    vr->r[i].pending, vr->r[i].pending_in);
}

int
metrics_regions(struct evbuffer *b, struct bgpd *bgpd)
{
	static const struct {
		const char	*name;
		const char	*help;
	} g[] = {
		{ "bgpwatch_region_visibility_ratio", "share of the region's "
		    "/24 and /48 units visible at enough eligible peers (0..1)" },
		{ "bgpwatch_region_units_visible", "/24 (IPv4) and /48 (IPv6) "
		    "units of the region visible" },
		{ "bgpwatch_region_units", "/24 and /48 units of the region" },
		{ "bgpwatch_region_prefixes_visible", "member prefixes "
		    "visible" },
		{ "bgpwatch_region_prefixes", "member prefixes" },
		{ "bgpwatch_region_eligible_peers", "peers whose table counts "
		    "for the region's visibility" },
		{ "bgpwatch_region_state_seconds", "seconds since the region's "
		    "last state change" },
	};
	struct view_regions	vr;
	double			now = loop_now(&bgpd->loop);
	size_t			i;

	if (view_regions_gather(bgpd, NULL, &vr) == -1)
		return -1;
	metrics_region_states(b, &vr);
	metrics_region_pending(b, &vr);
	for (i = 0; i < sizeof(g) / sizeof(g[0]); i++)
		metrics_region_gauge(b, &vr, g[i].name, g[i].help, (int)i, now,
		    (double)bgpd->started);
	view_regions_clear(&vr);
	return 0;
}

int
metrics_peer_info(struct evbuffer *b, struct bgpd *bgpd)
{
	struct view_neighbors	 vn;
	const struct view_neighbor *v;
	char			 a[BW_ADDR_STRLEN], d[256];
	size_t			 k;

	if (view_neighbors_gather(bgpd, NULL, &vn) == -1)
		return -1;
	metrics_head(b, "bgpwatch_peer_eligible", "gauge", "1 if the peer's "
	    "table is complete and counts for region visibility");
	for (k = 0; k < vn.n; k++) {
		v = &vn.v[k];
		evbuffer_add_printf(b, "bgpwatch_peer_eligible{peer=\"%s\","
		    "asn=\"%u\",description=\"%s\"} %d\n", addr_fmt(&v->addr, a,
		    sizeof(a)), v->remote_as, metrics_label(v->descr, d,
		    sizeof(d)), v->eligible);
	}
	metrics_head(b, "bgpwatch_peer_info", "gauge", "configured peers, "
	    "with their description");
	for (k = 0; k < vn.n; k++) {
		v = &vn.v[k];
		evbuffer_add_printf(b, "bgpwatch_peer_info{peer=\"%s\","
		    "asn=\"%u\",description=\"%s\",state=\"%s\"} 1\n",
		    addr_fmt(&v->addr, a, sizeof(a)), v->remote_as,
		    metrics_label(v->descr, d, sizeof(d)), v->state);
	}
	view_neighbors_clear(&vn);
	return 0;
}
