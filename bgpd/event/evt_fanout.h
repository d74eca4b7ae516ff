/*
 * The fan-out (bgpd/event/evt_fanout.c): the one way out for events.  It gives
 * each record the next seq, appends it to the log (evt_log.h) first and
 * synchronously, then hands it to the test tap and to each output
 * (evt_output.h) in table order.
 */
#ifndef BGPWATCH_EVT_FANOUT_H
#define BGPWATCH_EVT_FANOUT_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "config.h"
#include "evt_build.h"
#include "evt_output.h"

#define EVT_MAX_OUTPUTS		8

struct evt_fanout;
struct evt_log;

/*
 * Opens the log of conf and the outputs of the built-in table.  base may
 * be NULL (replay mode, tests): outputs then open no sockets.  Returns
 * NULL with err set.
 */
struct evt_fanout *evt_fanout_open(struct event_base *,
	    const struct config_events *, char *err, size_t errlen);
/* The same with the outputs of rows[0..n-1] instead (tests). */
struct evt_fanout *evt_fanout_open_with(struct event_base *,
	    const struct config_events *, const struct evt_output *const *rows,
	    size_t n, char *err, size_t errlen);
/*
 * Applies a changed events {} block (reload): a new log path is opened
 * (seq never goes back), then each output reconfigures.  Returns 0, or
 * -1 with err set: the log is as it was, and so is the failing output
 * (outputs before it in the table keep their new settings).
 */
int	evt_fanout_reconfigure(struct evt_fanout *,
	    const struct config_events *, char *err, size_t errlen);
/* Closes the outputs (in table order), then syncs and closes the log. */
void	evt_fanout_close(struct evt_fanout *);
/*
 * Seals e with the next seq, appends it to the log, then hands it to the
 * tap and every output.  Returns its seq, or 0 if it could not be logged
 * (logged error; the outputs still get it) or was dropped as malformed
 * (the seq is not spent).  Frees e; e NULL returns 0.
 */
uint64_t evt_fanout_emit(struct evt_fanout *, struct evt *e);
/*
 * Names this collector in every record emitted from now on (the
 * "collector" key, docs/events.md); id is copied, NULL stops it.
 */
void	evt_fanout_set_collector(struct evt_fanout *, const char *id);
/* The seq the next event will get. */
uint64_t evt_fanout_next_seq(const struct evt_fanout *);
/* The log, for outputs that catch up from it. */
const struct evt_log *evt_fanout_log(const struct evt_fanout *);
/* fdatasync()s the log now.  Returns 0, or -1 (logged). */
int	evt_fanout_sync(struct evt_fanout *);
/* The stats of the output named name ("log" for the log).  Returns 0,
 * or -1 if there is none. */
int	evt_fanout_stats(const struct evt_fanout *, const char *name,
	    struct evt_output_stats *);
/* The state of the output named name, or NULL (an output's own
 * accessors take it, e.g. evt_kafka_state()). */
const void *evt_fanout_output_state(const struct evt_fanout *,
	    const char *name);
/*
 * Calls fn with every record after the log write, before the outputs
 * (tests, a tool counting its events); fn NULL removes it.
 */
typedef void (*evt_tap_fn)(const void *rec, size_t len, uint64_t seq,
	    void *arg);
void	evt_fanout_tap(struct evt_fanout *, evt_tap_fn fn, void *arg);

#endif /* BGPWATCH_EVT_FANOUT_H */
