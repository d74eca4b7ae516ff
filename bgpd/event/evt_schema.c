/*
 * The schema encoder: the one place that knows which keys each event
 * type carries and in which order (docs/events.md).  The detector hands
 * its observers a plain struct detect_event; this turns it into a record
 * (evt_build.h) and gives it to the fan-out, which seals it with the seq.
 *
 * Which clock stamps a record is the encoder's choice, made by its
 * observer argument: live, the wall clock when the event is encoded
 * (the detector's own clock may be monotonic); in replay mode, the
 * event's time, which is the MRT record's.
 */
#include <string.h>
#include <time.h>

#include "evt_schema.h"

static void
evt_schema_peer(struct evt *e, const struct detect_event *ev)
{
	char ab[BW_ADDR_STRLEN];

	evt_map(e, "peer");
	evt_str(e, "address", addr_fmt(&ev->peer_addr, ab, sizeof(ab)));
	evt_uint(e, "asn", ev->peer_asn);
	if (ev->peer_router != NULL) {	/* a BMP-monitored peer */
		evt_map(e, "router");
		evt_str(e, "address", ev->peer_router);
		if (ev->peer_router_name != NULL)
			evt_str(e, "name", ev->peer_router_name);
		evt_end(e);
		if (ev->peer_view != NULL)
			evt_str(e, "view", ev->peer_view);
	}
	evt_end(e);
}

static void
evt_schema_region(struct evt *e, const struct detect_event *ev)
{
	evt_str(e, "state", ev->state);
	evt_str(e, "previous", ev->previous);
	evt_double(e, "visibility", ev->visibility);
	evt_uint(e, "prefixes_visible", ev->prefixes_visible);
	evt_uint(e, "prefixes_total", ev->prefixes_total);
	evt_uint(e, "eligible_peers", ev->eligible_peers);
	evt_uint(e, "units_visible", ev->units_visible);
	evt_uint(e, "units_total", ev->units_total);
	evt_uint(e, "min_peers", ev->min_peers);
	evt_str(e, "via", ev->via);
	if (strcmp(ev->type, "region_up") == 0) {
		evt_double(e, "duration", ev->duration);
		evt_double(e, "worst_visibility", ev->worst_visibility);
	}
	if (ev->window > 0) {
		evt_uint(e, "changes", ev->changes);
		evt_uint(e, "limit", ev->limit);
		evt_double(e, "window", ev->window);
	}
}

static void
evt_schema_prefix(struct evt *e, const struct detect_event *ev)
{
	evt_str(e, "prefix", ev->prefix);
	evt_schema_peer(e, ev);
	evt_uint(e, "visible_peers", ev->visible_peers);
	evt_uint(e, "eligible_peers", ev->eligible_peers);
	if (ev->as_path != NULL)
		evt_str(e, "as_path", ev->as_path);
	else
		evt_nil(e, "as_path");
	evt_str(e, "via", ev->via);
	evt_str(e, "via_detail", ev->via_detail);
	if (ev->via_file != NULL) {
		evt_str(e, "via_file", ev->via_file);
		evt_str(e, "via_date", ev->via_date);
	}
}

static void
evt_schema_peer_event(struct evt *e, const struct detect_event *ev)
{
	evt_schema_peer(e, ev);
	evt_uint(e, "eligible_peers", ev->eligible_peers);
	if (ev->reason != NULL) {
		evt_str(e, "reason", ev->reason);
		evt_bool(e, "graceful_restart", ev->gr);
	}
	/* peer_down: the NOTIFICATION as numbers (RFC 4271 4.5). */
	if (ev->notif != 0) {
		evt_str(e, "notification", ev->notif == 1 ? "sent" :
		    "received");
		evt_uint(e, "code", ev->code);
		evt_uint(e, "subcode", ev->subcode);
	}
}

/* The event's time as a timespec (seconds since the epoch). */
static void
evt_schema_time(double t, struct timespec *ts)
{
	int64_t	sec = (int64_t)t;

	if ((double)sec > t)
		sec--;			/* floor() without libm */
	ts->tv_sec = (time_t)t;
	ts->tv_nsec = (long)((t - (double)sec) * 1e9);
}

uint64_t
evt_schema_emit(struct evt_fanout *fo, const struct detect_event *ev,
    int use_event_time)
{
	struct timespec	 ts, *tsp = NULL;
	struct evt	*e;

	if (use_event_time) {
		evt_schema_time(ev->time, &ts);
		tsp = &ts;
	}
	e = evt_new(ev->type, tsp);
	if (ev->region != NULL)
		evt_str(e, "region", ev->region);
	switch (ev->kind) {
	case DETECT_EV_REGION:
		evt_schema_region(e, ev);
		break;
	case DETECT_EV_PREFIX:
		evt_schema_prefix(e, ev);
		break;
	case DETECT_EV_PEER:
		evt_schema_peer_event(e, ev);
		break;
	}
	return evt_fanout_emit(fo, e);
}

void
evt_schema_observer(const struct detect_event *ev, void *arg)
{
	const struct evt_schema	*sc = arg;

	(void)evt_schema_emit(sc->fanout, ev, sc->use_event_time);
}
