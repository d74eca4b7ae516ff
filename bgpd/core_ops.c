/*
 * The operator's view of the detector's events: a counter per event
 * type (bgpwatch_events_total) and one info log line per region event,
 * so that the log alone tells the story of a region even when nobody
 * subscribes to the events.  Prefix and peer events are only counted:
 * the FSM already logs every session transition, and prefix events can
 * come by the thousand.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core_ops.h"
#include "detect.h"
#include "log.h"

const char *const core_ops_types[CORE_OPS_NTYPES] = {
	"peer_up", "peer_down", "prefix_withdrawn", "prefix_announced",
	"region_up", "region_degraded", "region_down", "region_blind",
	"region_unstable", "region_stable", "gap", "other",
};

size_t
core_ops_type_index(const char *type)
{
	size_t	i;

	for (i = 0; type != NULL && i < CORE_OPS_NTYPES - 1; i++)
		if (strcmp(core_ops_types[i], type) == 0)
			return i;
	return CORE_OPS_NTYPES - 1;
}

static void
core_ops_log_region(const struct detect_event *ev)
{
	char	extra[96] = "";

	if (ev->changes != 0 || ev->limit != 0)
		snprintf(extra, sizeof(extra), ", %u changes in %.0fs "
		    "(limit %u)", ev->changes, ev->window, ev->limit);
	else if (strcmp(ev->type, "region_up") == 0 && ev->duration > 0)
		snprintf(extra, sizeof(extra), ", after %.1fs, worst "
		    "visibility %.1f%%", ev->duration,
		    ev->worst_visibility * 100);
	log_info("region %s: %s (%s -> %s), visibility %.1f%%, %u/%u "
	    "prefixes, %u eligible peers%s", ev->region, ev->type,
	    ev->previous != NULL ? ev->previous : "?",
	    ev->state != NULL ? ev->state : "?", ev->visibility * 100,
	    ev->prefixes_visible, ev->prefixes_total, ev->eligible_peers,
	    extra);
}

void
core_ops_observer(const struct detect_event *ev, void *arg)
{
	struct core_ops	*ops = arg;

	ops->events[core_ops_type_index(ev->type)]++;
	if (ev->kind == DETECT_EV_REGION)
		core_ops_log_region(ev);
}

void
core_ops_reload(struct core_ops *ops, int ok)
{
	if (ok)
		ops->reloads++;
	else
		ops->reload_failures++;
	ops->last_reload = time(NULL);
	ops->last_reload_ok = ok;
}
