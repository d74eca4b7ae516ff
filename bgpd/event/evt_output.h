/*
 * An event output: something that gets every record after the log has
 * it (bgpd/event/evt_fanout.c calls it).  It is a row of function pointers;
 * adding an output (Kafka, WebSocket) is one file that defines its row
 * and one line in the fan-out's table (docs/events.md, "Adding an
 * output").  An output may be slow or fail: it must then catch up from
 * the log (evt_log.h), never block the loop and never grow its memory
 * without bound.
 */
#ifndef BGPWATCH_EVT_OUTPUT_H
#define BGPWATCH_EVT_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "config.h"

struct evt_fanout;

/* Why a consumer was disconnected (bgpwatch_subscriber_disconnects_total). */
enum evt_disc {
	EVT_DISC_SLOW,		/* more than queue-limit bytes queued */
	EVT_DISC_PROTOCOL,	/* bad or oversized request */
	EVT_DISC_TLS,		/* no or failed TLS handshake */
	EVT_DISC_CLOSED,	/* it closed, or a socket error */
	EVT_DISC_DONE,		/* a replay-only request was served */
	EVT_DISC_ERROR,		/* our side: log read error, memory */
	EVT_DISC_NREASONS
};
/* "slow", "protocol", "tls", "closed", "done", "error". */
extern const char *const evt_disc_names[EVT_DISC_NREASONS];

/* What an output reports (metrics, tests).  Fields that do not apply: 0. */
struct evt_output_stats {
	uint64_t	 clients;	/* consumers connected now */
	uint64_t	 queued;	/* bytes waiting for them */
	uint64_t	 published;	/* records handed over */
	uint64_t	 dropped;	/* consumers dropped (too slow, hostile) */
	uint64_t	 failed;	/* records that could not be written */
	uint64_t	 disconnects[EVT_DISC_NREASONS];
};

struct evt_output {
	const char	*name;
	/*
	 * Creates the output's state for conf.  fo is the fan-out, for
	 * evt_fanout_next_seq() and evt_fanout_log(); base NULL is replay
	 * mode (no sockets).  Returns NULL with err set.
	 */
	void	*(*open)(struct evt_fanout *fo, struct event_base *base,
		    const struct config_events *conf, char *err,
		    size_t errlen);
	/* Takes the sealed record seq; may drop or queue, never block. */
	void	 (*publish)(void *state, const uint8_t *rec, size_t len,
		    uint64_t seq);
	/* Applies a changed events {} block.  Returns 0, or -1 with err set
	 * and the output as it was. */
	int	 (*reconfigure)(void *state, const struct config_events *conf,
		    char *err, size_t errlen);
	/* Disconnects and frees everything. */
	void	 (*close)(void *state);
	void	 (*stats)(const void *state, struct evt_output_stats *);
};

/* The outputs there are (the fan-out's table lists them). */
extern const struct evt_output evt_stream_output;	/* unix, TLS */
extern const struct evt_output evt_kafka_output;	/* evt_kafka.h */

#endif /* BGPWATCH_EVT_OUTPUT_H */
