/*
 * The event record format shared by those who write records (evt_build.c)
 * and those who read them back (evt_reader.c, bgpwatchctl): one msgpack
 * map per event, the envelope (v, seq, ts, type) first and in this order.
 * Keys and types: docs/events.md.  (Prefix evt_, not event_: libevent
 * owns event_*.)
 */
#ifndef BGPWATCH_EVT_FORMAT_H
#define BGPWATCH_EVT_FORMAT_H

#define EVT_SCHEMA_VERSION	1
#define EVT_MAX_SIZE		(64 * 1024)	/* bytes per record */
#define EVT_MAX_DEPTH		8	/* nested maps/arrays per event */

#endif /* BGPWATCH_EVT_FORMAT_H */
