/*
 * Event metrics: what the detector emitted, by type (core_ops.c counts
 * them), the last seq the fan-out gave, the event log's write errors,
 * and per event output its consumers: connected, bytes queued to them,
 * disconnects by reason (enum evt_disc); and the reloads.  An output
 * that is not compiled in or not configured has no series.
 */
#include <stdio.h>

#include "core.h"
#include "evt_fanout.h"
#include "metrics_priv.h"

/* The outputs whose consumers are reported (evt_fanout_stats names). */
static const char *const metrics_outputs[] = { "stream", "kafka",
	"rislive", "websocket" };
#define METRICS_NOUTPUTS	(sizeof(metrics_outputs) / \
				    sizeof(metrics_outputs[0]))

static void
metrics_subscribers(struct evbuffer *b, struct bgpd *bgpd)
{
	struct evt_output_stats	st[METRICS_NOUTPUTS];
	int			have[METRICS_NOUTPUTS];
	size_t			i, r;

	for (i = 0; i < METRICS_NOUTPUTS; i++)
		have[i] = evt_fanout_stats(bgpd->fanout, metrics_outputs[i],
		    &st[i]) == 0;
	metrics_head(b, "bgpwatch_subscribers", "gauge", "event consumers "
	    "connected now");
	for (i = 0; i < METRICS_NOUTPUTS; i++)
		if (have[i])
			evbuffer_add_printf(b, "bgpwatch_subscribers{output="
			    "\"%s\"} %llu\n", metrics_outputs[i],
			    (unsigned long long)st[i].clients);
	metrics_head(b, "bgpwatch_subscriber_queued_bytes", "gauge", "bytes "
	    "queued to event consumers");
	for (i = 0; i < METRICS_NOUTPUTS; i++)
		if (have[i])
			evbuffer_add_printf(b, "bgpwatch_subscriber_queued_bytes"
			    "{output=\"%s\"} %llu\n", metrics_outputs[i],
			    (unsigned long long)st[i].queued);
	metrics_head(b, "bgpwatch_subscriber_disconnects_total", "counter",
	    "event consumers disconnected, by reason");
	for (i = 0; i < METRICS_NOUTPUTS; i++)
		for (r = 0; have[i] && r < EVT_DISC_NREASONS; r++)
			evbuffer_add_printf(b, "bgpwatch_subscriber_disconnects_"
			    "total{output=\"%s\",reason=\"%s\"} %llu\n",
			    metrics_outputs[i], evt_disc_names[r],
			    (unsigned long long)st[i].disconnects[r]);
}

void
metrics_events(struct evbuffer *b, struct bgpd *bgpd)
{
	struct evt_output_stats	ls;
	const struct core_ops	*ops = &bgpd->ops;
	size_t			i;

	metrics_head(b, "bgpwatch_events_total", "counter", "events emitted, "
	    "by type");
	for (i = 0; i < CORE_OPS_NTYPES; i++)
		evbuffer_add_printf(b, "bgpwatch_events_total{type=\"%s\"} "
		    "%llu\n", core_ops_types[i],
		    (unsigned long long)ops->events[i]);
	if (bgpd->fanout == NULL)
		return;
	metrics_head(b, "bgpwatch_event_last_seq", "gauge", "seq of the last "
	    "event emitted (0: none yet)");
	evbuffer_add_printf(b, "bgpwatch_event_last_seq %llu\n",
	    (unsigned long long)(evt_fanout_next_seq(bgpd->fanout) - 1));
	if (evt_fanout_stats(bgpd->fanout, "log", &ls) == 0) {
		metrics_head(b, "bgpwatch_event_log_records_total", "counter",
		    "events written to the event log");
		evbuffer_add_printf(b, "bgpwatch_event_log_records_total %llu\n",
		    (unsigned long long)ls.published);
		metrics_head(b, "bgpwatch_event_log_write_errors_total",
		    "counter", "events that could not be written to the log");
		evbuffer_add_printf(b, "bgpwatch_event_log_write_errors_total "
		    "%llu\n", (unsigned long long)ls.failed);
		metrics_head(b, "bgpwatch_event_log_backlog_bytes", "gauge",
		    "events held in memory until the log can be written");
		evbuffer_add_printf(b, "bgpwatch_event_log_backlog_bytes "
		    "%llu\n", (unsigned long long)ls.queued);
		metrics_head(b, "bgpwatch_event_log_gap_events_total",
		    "counter", "events missing from the log (in gap records)");
		evbuffer_add_printf(b, "bgpwatch_event_log_gap_events_total "
		    "%llu\n", (unsigned long long)ls.dropped);
	}
	metrics_subscribers(b, bgpd);
	metrics_head(b, "bgpwatch_reloads_total", "counter", "configuration "
	    "reloads, by result");
	evbuffer_add_printf(b, "bgpwatch_reloads_total{result=\"success\"} "
	    "%llu\nbgpwatch_reloads_total{result=\"failure\"} %llu\n",
	    (unsigned long long)ops->reloads,
	    (unsigned long long)ops->reload_failures);
	metrics_head(b, "bgpwatch_last_reload_successful", "gauge", "1 if the "
	    "last reload (or none yet) succeeded");
	evbuffer_add_printf(b, "bgpwatch_last_reload_successful %d\n",
	    ops->last_reload == 0 || ops->last_reload_ok);
}
