/*
 * The schema encoder (bgpd/event/evt_schema.c): turns the detector's plain
 * struct detect_event into the record docs/events.md describes and
 * hands it to the fan-out.  The detector knows nothing of msgpack; it
 * is given evt_schema_observer() with a struct evt_schema as argument.
 */
#ifndef BGPWATCH_EVT_SCHEMA_H
#define BGPWATCH_EVT_SCHEMA_H

#include <stdint.h>

#include "detect.h"
#include "evt_fanout.h"

/* The observer argument: where the records go and which clock stamps
 * them. */
struct evt_schema {
	struct evt_fanout	*fanout;
	/* 1: ts is the event's own time (replay mode: MRT record times);
	 * 0: CLOCK_REALTIME when it is encoded (live). */
	int			 use_event_time;
};

/*
 * Encodes ev and emits it through fo.  Returns its seq, or 0 (see
 * evt_fanout_emit()).
 */
uint64_t evt_schema_emit(struct evt_fanout *fo, const struct detect_event *ev,
	    int use_event_time);
/* A detect_observer: arg is a struct evt_schema (which must outlive the
 * detector's use of it). */
void	evt_schema_observer(const struct detect_event *ev, void *arg);

#endif /* BGPWATCH_EVT_SCHEMA_H */
