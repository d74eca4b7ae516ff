/*
 * The Kafka output's families (docs/kafka.md): whether it reaches the
 * brokers, the acknowledged seq (compare with bgpwatch's last event seq
 * for the backlog), what is in flight, resends from the log, losses
 * (gap events) and the publish-to-acknowledgement latency.  Nothing when
 * no kafka {} block is configured.
 */
#include <stdio.h>

#include "core.h"
#include "evt_kafka.h"
#include "metrics_priv.h"

static void
metrics_kafka_one(struct evbuffer *b, const char *name, const char *type,
    const char *help, double v)
{
	metrics_head(b, name, type, help);
	evbuffer_add_printf(b, "%s %.17g\n", name, v);
}

void
metrics_kafka(struct evbuffer *b, struct bgpd *bgpd)
{
	const void		*st;
	struct evt_kafka_info	 in;

	if (bgpd->fanout == NULL ||
	    (st = evt_kafka_state(bgpd->fanout)) == NULL)
		return;
	evt_kafka_info(st, &in);
	if (!in.enabled)
		return;
	metrics_kafka_one(b, "bgpwatch_kafka_connected", "gauge",
	    "1 if deliveries succeed, 0 if the brokers are all down",
	    in.connected);
	metrics_kafka_one(b, "bgpwatch_kafka_acked_seq", "gauge",
	    "every event up to this seq is acknowledged by the brokers",
	    (double)in.acked);
	metrics_kafka_one(b, "bgpwatch_kafka_inflight_events", "gauge",
	    "events handed to the producer, not yet acknowledged",
	    (double)in.inflight);
	metrics_kafka_one(b, "bgpwatch_kafka_inflight_bytes", "gauge",
	    "bytes of those events", (double)in.bytes);
	metrics_kafka_one(b, "bgpwatch_kafka_acked_total", "counter",
	    "events acknowledged", (double)in.published);
	metrics_kafka_one(b, "bgpwatch_kafka_resent_total", "counter",
	    "events read back from the event log (backlog, resends)",
	    (double)in.catching_up);
	metrics_kafka_one(b, "bgpwatch_kafka_delivery_errors_total",
	    "counter", "delivery reports with an error (resent)",
	    (double)in.failed);
	metrics_kafka_one(b, "bgpwatch_kafka_lost_events_total", "counter",
	    "events reported in gap events: never sent", (double)in.lost);
	metrics_kafka_one(b, "bgpwatch_kafka_producer_resets_total",
	    "counter", "producers recreated after a fatal error",
	    (double)in.resets);
	metrics_head(b, "bgpwatch_kafka_ack_latency_seconds", "gauge",
	    "publish to acknowledgement, over the last 65536 live events");
	evbuffer_add_printf(b, "bgpwatch_kafka_ack_latency_seconds"
	    "{quantile=\"0.5\"} %.6f\nbgpwatch_kafka_ack_latency_seconds"
	    "{quantile=\"0.99\"} %.6f\n", in.lat_p50_us / 1e6,
	    in.lat_p99_us / 1e6);
}
