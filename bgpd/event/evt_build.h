/*
 * Building one event record.  evt_new() starts it, the evt_* calls add
 * members, and whoever publishes it (the fan-out, evt_fanout.h) seals it
 * with its seq: the builder knows no log, no subscriber and no seq
 * counter.  Keys and types: docs/events.md.
 */
#ifndef BGPWATCH_EVT_BUILD_H
#define BGPWATCH_EVT_BUILD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "bgpwatch.h"
#include "evt_format.h"

struct evt;			/* one event being built */

/* Starts an event of a type ("region_down") at time ts (NULL: now,
 * CLOCK_REALTIME).  Never returns NULL (fatal on out of memory). */
struct evt *evt_new(const char *type, const struct timespec *ts);
/*
 * Members.  key names the member inside a map; inside an array key must
 * be NULL (the value is an element).  Every call accepts e NULL and does
 * nothing.  Misuse, nesting deeper than EVT_MAX_DEPTH or a record over
 * EVT_MAX_SIZE make evt_seal() refuse the event with a log line: a caller
 * bug, never a crash.
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
/* The type the event was started with. */
const char *evt_type(const struct evt *);
/*
 * Seals the event with seq: writes the map header and the envelope in
 * front of the body, so that *rec, *len is the whole canonical record
 * (valid until evt_free()).  Returns 0, or -1 if the event is malformed
 * (logged, naming the misuse); e stays the caller's to free.
 */
int	evt_seal(struct evt *, uint64_t seq, const uint8_t **rec,
	    size_t *len);
/* Frees an event (sealed or not); NULL is fine. */
void	evt_free(struct evt *e);

#endif /* BGPWATCH_EVT_BUILD_H */
