/*
 * The event log's backlog: a FIFO of held records and gaps (see
 * evt_backlog.h).  A gap is one item however many seqs it covers, so a
 * disk that stays full for hours costs a few bytes per outage, not per
 * event.  Gap records are built here with the ordinary event builder
 * (type "gap", docs/events.md) when they are about to be written, with
 * the time of writing as ts.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evt_backlog.h"
#include "evt_build.h"
#include "log.h"

struct evt_held {
	TAILQ_ENTRY(evt_held)	 entry;
	uint64_t		 first, last;	/* record: first == last */
	size_t			 len;		/* 0: a gap */
	char			 reason[EVT_GAP_REASON_MAX];
	uint8_t			 rec[];
};
TAILQ_HEAD(evt_helds, evt_held);

struct evt_backlog {
	struct evt_helds	 q;
	size_t			 cap, bytes, items;
	uint64_t		 gap_events, gaps_written;
};

struct evt_backlog *
evt_backlog_new(size_t cap)
{
	struct evt_backlog	*b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		fatal("evt_backlog_new");
	TAILQ_INIT(&b->q);
	b->cap = cap;
	return b;
}

static void
evt_backlog_pop(struct evt_backlog *b)
{
	struct evt_held	*h = TAILQ_FIRST(&b->q);

	TAILQ_REMOVE(&b->q, h, entry);
	b->bytes -= h->len;
	b->items--;
	free(h);
}

void
evt_backlog_free(struct evt_backlog *b)
{
	if (b == NULL)
		return;
	while (!TAILQ_EMPTY(&b->q))
		evt_backlog_pop(b);
	free(b);
}

int
evt_backlog_push(struct evt_backlog *b, const uint8_t *rec, size_t len,
    uint64_t seq, const char *reason)
{
	struct evt_held	*h, *tail = TAILQ_LAST(&b->q, evt_helds);

	if (len > 0 && b->bytes + len <= b->cap) {
		if ((h = malloc(sizeof(*h) + len)) == NULL)
			fatal("evt_backlog_push");
		h->first = h->last = seq;
		h->len = len;
		h->reason[0] = '\0';
		memcpy(h->rec, rec, len);
		TAILQ_INSERT_TAIL(&b->q, h, entry);
		b->bytes += len;
		b->items++;
		return 1;
	}
	b->gap_events++;
	if (tail != NULL && tail->len == 0 && tail->last + 1 == seq) {
		tail->last = seq;
		return 0;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL)
		fatal("evt_backlog_push");
	h->first = h->last = seq;
	snprintf(h->reason, sizeof(h->reason), "%s", reason != NULL ?
	    reason : "event log not writable");
	TAILQ_INSERT_TAIL(&b->q, h, entry);
	b->items++;
	return 0;
}

/* Writes the gap h as a record with the seq of its last event. */
static int
evt_backlog_write_gap(struct evt_backlog *b, const struct evt_held *h,
    evt_backlog_write_fn fn, void *arg)
{
	struct evt	*e = evt_new("gap", NULL);
	const uint8_t	*rec;
	size_t		 len;
	int		 rv = -1;

	evt_uint(e, "first", h->first);
	evt_uint(e, "last", h->last);
	evt_str(e, "reason", h->reason);
	if (evt_seal(e, h->last, &rec, &len) == 0 &&
	    (rv = fn(arg, rec, len, h->last)) == 0) {
		b->gaps_written++;
		log_warnx("event log: events %llu to %llu are missing from "
		    "the log (%s): gap record written",
		    (unsigned long long)h->first,
		    (unsigned long long)h->last, h->reason);
	}
	evt_free(e);
	return rv;
}

size_t
evt_backlog_drain(struct evt_backlog *b, evt_backlog_write_fn fn, void *arg)
{
	struct evt_held	*h;
	int		 rv;

	while ((h = TAILQ_FIRST(&b->q)) != NULL) {
		if (h->len == 0)
			rv = evt_backlog_write_gap(b, h, fn, arg);
		else
			rv = fn(arg, h->rec, h->len, h->first);
		if (rv == -1)
			break;
		evt_backlog_pop(b);
	}
	return b->items;
}

size_t
evt_backlog_cap(const struct evt_backlog *b)
{
	return b->cap;
}

size_t
evt_backlog_items(const struct evt_backlog *b)
{
	return b->items;
}

size_t
evt_backlog_bytes(const struct evt_backlog *b)
{
	return b->bytes;
}

uint64_t
evt_backlog_gap_events(const struct evt_backlog *b)
{
	return b->gap_events;
}

uint64_t
evt_backlog_gaps_written(const struct evt_backlog *b)
{
	return b->gaps_written;
}

uint64_t
evt_backlog_first(const struct evt_backlog *b)
{
	return TAILQ_EMPTY(&b->q) ? 0 : TAILQ_FIRST(&b->q)->first;
}

uint64_t
evt_backlog_last(const struct evt_backlog *b)
{
	return TAILQ_EMPTY(&b->q) ? 0 : TAILQ_LAST(&b->q, evt_helds)->last;
}
