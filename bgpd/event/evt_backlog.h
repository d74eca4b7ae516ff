/*
 * The event log's backlog (bgpd/event/evt_backlog.c): records the log
 * could not write (disk full, I/O error), held in memory in seq order
 * and written, in that order, once the log works again.  Past its cap in
 * bytes, records are not held: their seqs become a gap, written to the
 * log in their place as one "gap" record (first, last, reason) with the
 * seq of the last missing event, so the log's seqs keep increasing and
 * a restart continues after every seq that was handed out.
 */
#ifndef BGPWATCH_EVT_BACKLOG_H
#define BGPWATCH_EVT_BACKLOG_H

#include <stddef.h>
#include <stdint.h>

#define EVT_BACKLOG_MAX		(64 * 1024 * 1024)	/* bytes held */
#define EVT_GAP_REASON_MAX	96

struct evt_backlog;

/* A record writer: returns 0, or -1 if the record was not written. */
typedef int (*evt_backlog_write_fn)(void *arg, const uint8_t *rec,
	    size_t len, uint64_t seq);

/* An empty backlog holding at most cap bytes; never NULL (fatal). */
struct evt_backlog *evt_backlog_new(size_t cap);
/* Frees it and whatever it still holds; NULL is fine. */
void	evt_backlog_free(struct evt_backlog *);
/*
 * Holds record seq (seqs must come in increasing order).  Returns 1 if
 * it is held, 0 if it did not fit and joined the gap at the tail (reason
 * says why the log failed, kept for the gap record).
 */
int	evt_backlog_push(struct evt_backlog *, const uint8_t *rec,
	    size_t len, uint64_t seq, const char *reason);
/*
 * Writes what is held, oldest first, through fn, until fn fails.  A gap
 * becomes a "gap" record.  Returns the number of items still held.
 */
size_t	evt_backlog_drain(struct evt_backlog *, evt_backlog_write_fn fn,
	    void *arg);
/* The cap in bytes. */
size_t	evt_backlog_cap(const struct evt_backlog *);
/* Items (records and gaps) held; bytes of records held. */
size_t	evt_backlog_items(const struct evt_backlog *);
size_t	evt_backlog_bytes(const struct evt_backlog *);
/* Events that became part of a gap, and gap records written, so far. */
uint64_t evt_backlog_gap_events(const struct evt_backlog *);
uint64_t evt_backlog_gaps_written(const struct evt_backlog *);
/* The seqs held or in gaps: first and last; 0 if empty. */
uint64_t evt_backlog_first(const struct evt_backlog *);
uint64_t evt_backlog_last(const struct evt_backlog *);

#endif /* BGPWATCH_EVT_BACKLOG_H */
