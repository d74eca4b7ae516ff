/*
 * Event records (msgpack) and where they go.  An event is built with the
 * evt_* calls below; evt_emit() gives it the next sequence number,
 * appends it to the event log (events { log ... }) before anything else,
 * then queues it to every subscriber.  Keys and types: docs/events.md.
 * (Prefix evt_, not event_: libevent owns event_*.)
 *
 * evt.c owns the record format (building, reading back, JSON); sink.c
 * the log file and the subscribers; sink_tls.c the TLS listeners.
 */
#ifndef BGPWATCH_EVT_H
#define BGPWATCH_EVT_H

#include <sys/types.h>

#include <stdint.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "bgpwatch.h"
#include "config.h"

#define EVT_SCHEMA_VERSION	1
#define EVT_MAX_SIZE		(64 * 1024)	/* bytes per record */
#define EVT_MAX_DEPTH		8	/* nested maps/arrays per event */
#define EVT_MAX_SUBSCRIBERS	64	/* connected at once, all listeners */
#define EVT_REQUEST_TIMEOUT	2	/* seconds to send {"from": SEQ} */
#define EVT_REQUEST_MAX		1024	/* bytes a subscriber may send before */
#define EVT_SYNC_MSEC		100	/* fdatasync at most this often */

struct evt_sink;		/* log file + subscribers: sink.c */
struct evt;			/* one event being built */

/*
 * Opens the event log (recovering seq from its tail, truncating a torn
 * last record) and the subscriber listeners.  base may be NULL (replay
 * mode, tests): then only the log is written.  Returns NULL with err set.
 */
struct evt_sink *evt_sink_open(struct event_base *base,
	    const struct config_events *, char *err, size_t errlen);
/*
 * Applies a changed events {} block (reload): a new log path is opened
 * (seq never goes back), listeners that stay are kept, connected
 * subscribers stay.  Returns 0, or -1 with err set (the old setup stays).
 */
int	evt_sink_reconfigure(struct evt_sink *, const struct config_events *,
	    char *err, size_t errlen);
/* Syncs and closes the log, disconnects subscribers, removes sockets. */
void	evt_sink_close(struct evt_sink *);
/* The seq the next event will get. */
uint64_t evt_sink_next_seq(const struct evt_sink *);
/* fdatasync()s the log now (else it happens EVT_SYNC_MSEC after a write).
 * Returns 0, or -1 (logged). */
int	evt_sink_sync(struct evt_sink *);
/* Subscribers connected now. */
size_t	evt_sink_nsubscribers(const struct evt_sink *);
/*
 * Calls fn with every record as it is emitted, after the log write (tests,
 * a detector counting its events); fn NULL removes it.
 */
typedef void (*evt_tap_fn)(const void *rec, size_t len, uint64_t seq,
	    void *arg);
void	evt_sink_tap(struct evt_sink *, evt_tap_fn fn, void *arg);

/*
 * Starts an event of a type ("region_down") at time ts (NULL: now,
 * CLOCK_REALTIME).  Returns NULL if sink is NULL; every evt_* call below
 * accepts NULL and does nothing, so callers need no test.
 */
struct evt *evt_new(struct evt_sink *, const char *type,
	    const struct timespec *ts);
/*
 * Members.  key names the member inside a map; inside an array key must
 * be NULL (the value is an element).  Misuse, nesting deeper than
 * EVT_MAX_DEPTH or a record over EVT_MAX_SIZE make evt_emit() drop the
 * event with a log line: a caller bug, never a crash.
 */
void	evt_str(struct evt *, const char *key, const char *val);
/* A string of len bytes (any bytes). */
void	evt_strn(struct evt *, const char *key, const char *val, size_t len);
void	evt_uint(struct evt *, const char *key, uint64_t val);
void	evt_int(struct evt *, const char *key, int64_t val);
void	evt_double(struct evt *, const char *key, double val);
void	evt_bool(struct evt *, const char *key, int val);
void	evt_nil(struct evt *, const char *key);
/* A timestamp (msgpack extension -1), like the envelope's ts. */
void	evt_time(struct evt *, const char *key, const struct timespec *);
/* "175.45.176.0/24" / "127.0.0.11". */
void	evt_prefix(struct evt *, const char *key, const struct bw_prefix *);
void	evt_addr(struct evt *, const char *key, const struct bw_addr *);
/* The map {"address": ADDR, "asn": ASN} (key "peer" in docs/events.md). */
void	evt_peer(struct evt *, const char *key, const struct bw_addr *,
	    uint32_t asn);
/* Nested map / array under key; close with evt_end(). */
void	evt_map(struct evt *, const char *key);
void	evt_array(struct evt *, const char *key);
/* An element of the innermost open array. */
void	evt_elem_str(struct evt *, const char *val);
void	evt_elem_uint(struct evt *, uint64_t val);
void	evt_end(struct evt *);
/*
 * Seals the event: returns its seq after it was written to the log and
 * queued to subscribers, or 0 if it could not be logged (logged error;
 * the event still goes to subscribers) or was dropped as malformed.
 * Without a configured log, the seq.  Frees e.
 */
uint64_t evt_emit(struct evt *e);
/* Throws an event away unsent. */
void	evt_free(struct evt *e);
/*
 * For evt_emit(): writes the sealed record (whose seq is
 * evt_sink_next_seq()) to the log, then to the tap and the subscribers,
 * and advances the seq.  Returns 0, or -1 if the log write failed.
 */
int	evt_sink_publish(struct evt_sink *, const uint8_t *rec, size_t len,
	    uint64_t seq);

/*
 * Reading event logs (sink.c replays, bgpwatchctl prints).  Records are
 * self-delimiting; each starts with the map header and "v":1,"seq", which
 * lets the reader find the next record after damaged bytes.
 */
struct msgpack_object;
struct evt_reader;

struct evt_record {
	const uint8_t			*data;	/* the record's bytes */
	size_t				 len;
	uint64_t			 seq;
	off_t				 off;	/* offset in the file */
	const struct msgpack_object	*obj;	/* the decoded map */
};

/* Opens a log file for reading.  Returns NULL with err set. */
struct evt_reader *evt_reader_open(const char *path, char *err,
	    size_t errlen);
void	evt_reader_close(struct evt_reader *);
/*
 * Reads the next record: returns 1 and fills rec (valid until the next
 * call), 0 at the end of the data (a later call sees what was appended
 * since), or -1 on a read error (errno).  Damaged bytes followed by
 * valid records are skipped and counted (evt_reader_skipped()).
 */
int	evt_reader_next(struct evt_reader *, struct evt_record *rec);
/*
 * Positions the reader so that the next record read is the first with
 * seq >= seq (bisecting the file, then reading at most a window).
 * Returns 0, or -1 on a read error.
 */
int	evt_reader_seek_seq(struct evt_reader *, uint64_t seq);
/*
 * Positions the reader at off; with resync the first record after off is
 * searched for (off need not be a record start).  Returns 0, or -1.
 */
int	evt_reader_seek(struct evt_reader *, off_t off, int resync);
/* Where the last record read ends: bytes past it are a torn tail. */
off_t	evt_reader_good_end(const struct evt_reader *);
/* Damaged bytes skipped so far (not counting those skipped to find the
 * first record after a seek with resync). */
uint64_t evt_reader_skipped(const struct evt_reader *);
/* The seq of the first record of the file at path, 0 if none. */
uint64_t evt_reader_first_seq(const char *path);

/*
 * Checks the envelope of a decoded record.  Returns 0 and sets *seq, or
 * -1 if it is not an event map (v, seq, ts, type).
 */
int	evt_record_check(const struct msgpack_object *, uint64_t *seq);
/*
 * Length of the one msgpack object at p without decoding it, so that
 * hostile counts never reach the allocating unpacker.  Returns 1 and sets
 * *objlen, 0 if more bytes are needed, -1 if it is malformed or would be
 * larger than max bytes.
 */
int	evt_msgpack_skim(const uint8_t *p, size_t len, size_t max,
	    size_t *objlen);
/*
 * Appends o as one line of JSON: maps become objects (non-string keys
 * are printed as strings), timestamps ISO-8601 UTC strings with
 * microseconds ("2024-05-01T12:00:00.250000Z"), binary and other
 * extensions hex strings.  Returns 0, or -1.
 */
int	evt_json(struct evbuffer *, const struct msgpack_object *o);

#endif /* BGPWATCH_EVT_H */
