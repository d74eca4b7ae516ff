/*
 * The Kafka output (bgpd/event/evt_kafka.c): a row of the fan-out's table
 * (evt_output.h) that produces every record to a Kafka topic, resuming
 * from the event log after an outage or a restart.  docs/kafka.md.
 */
#ifndef BGPWATCH_EVT_KAFKA_H
#define BGPWATCH_EVT_KAFKA_H

#include <stdint.h>

#include "evt_output.h"

/* What the output knows beyond struct evt_output_stats (tests, bench). */
struct evt_kafka_info {
	int		 enabled;	/* a kafka {} block is configured */
	uint64_t	 acked;		/* every seq <= acked is acknowledged */
	uint64_t	 sent;		/* highest seq handed to the producer */
	uint64_t	 inflight;	/* records sent, not yet acknowledged */
	uint64_t	 catching_up;	/* records read back from the log */
	uint64_t	 lost;		/* records reported in gap events */
	uint64_t	 resets;	/* producers recreated after a failure */
	uint64_t	 failed;	/* delivery reports with an error */
	uint64_t	 published;	/* records acknowledged */
	uint64_t	 bytes;		/* bytes in flight */
	int		 connected;	/* a delivery succeeded since the
					 * brokers were last all down */
	/* Publish-to-acknowledgement latency of live records, microseconds
	 * (over the last EVT_KAFKA_LAT_SAMPLES; one record in 8 sampled). */
	double		 lat_p50_us;
	double		 lat_p99_us;
	uint64_t	 lat_samples;
};

#define EVT_KAFKA_LAT_SAMPLES	65536

/* Fills info from an open state of evt_kafka_output. */
void	evt_kafka_info(const void *state, struct evt_kafka_info *info);
struct evt_fanout;
/* The kafka output's state in fo, or NULL if it has none (metrics). */
const void *evt_kafka_state(const struct evt_fanout *fo);
/* acked of evt_kafka_info() without the latency percentiles (bench). */
uint64_t evt_kafka_acked(const void *state);
/* Forgets the latency samples so far (bench phases). */
void	evt_kafka_reset_latency(void *state);
/*
 * Serves the producer's delivery reports now and moves the catch-up on
 * (normally the loop does it).  Returns the records still in flight.
 */
uint64_t evt_kafka_poll(void *state, int timeout_ms);

#endif /* BGPWATCH_EVT_KAFKA_H */
