/*
 * The event log file (bgpd/event/evt_log.c), owned by the fan-out: it writes
 * every record here first.  Outputs that catch up from the log (the
 * stream subscribers' replays) only ask it where a generation of the
 * file is (evt_log_gen / evt_log_file / evt_log_first_gen).
 */
#ifndef BGPWATCH_EVT_LOG_H
#define BGPWATCH_EVT_LOG_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "config.h"
#include "evt_output.h"

struct evt_log;

/* A change of the log file being made (open, reload): opened, unused. */
struct evt_log_pending {
	int		 fd;
	off_t		 size;
	uint64_t	 last;		/* highest seq found in the new file */
	int		 change;	/* the path changes */
};

/* A log with no file yet.  base NULL: syncs happen only on request. */
struct evt_log *evt_log_new(struct event_base *);
/*
 * Opens the file of conf if its path differs from the current one
 * (recovering the seq from its tail, truncating a torn last record) into
 * p.  Returns 0, or -1 with err set (nothing changed).
 */
int	evt_log_prepare(const struct evt_log *, const struct config_events *,
	    struct evt_log_pending *p, char *err, size_t errlen);
/* Switches to what p holds and adopts max-size and keep; raises
 * *next_seq past the last seq of a new file (seq never goes back). */
void	evt_log_commit(struct evt_log *, const struct config_events *,
	    struct evt_log_pending *p, uint64_t *next_seq);
/* Closes what p opened. */
void	evt_log_abort(struct evt_log_pending *p);
/*
 * Appends the sealed record seq (rotating first if it would pass
 * max-size).  Returns 0 (also without a configured file), or -1 if it
 * could not be written (logged once per streak).
 */
int	evt_log_append(struct evt_log *, const uint8_t *rec, size_t len,
	    uint64_t seq);
/* fdatasync()s the log now (else it happens EVT_SYNC_MSEC after a
 * write).  Returns 0, or -1 (logged). */
int	evt_log_sync(struct evt_log *);
/* Syncs and closes the file, frees l. */
void	evt_log_free(struct evt_log *);
/* Records written and failed. */
void	evt_log_stats(const struct evt_log *, struct evt_output_stats *);

/* 1 if a log file is configured. */
int	evt_log_enabled(const struct evt_log *);
/* The generation of the current file (PATH); PATH.i is that minus i. */
uint64_t evt_log_gen(const struct evt_log *);
/* The name of the file of generation gen into path.  Returns 0, or 1 if
 * that generation is not kept (or there is no log). */
int	evt_log_file(const struct evt_log *, uint64_t gen, char *path,
	    size_t len);
/* The oldest generation that may hold seq: the newest file whose first
 * record is at or before seq, else the oldest file there is. */
uint64_t evt_log_first_gen(const struct evt_log *, uint64_t seq);

#endif /* BGPWATCH_EVT_LOG_H */
