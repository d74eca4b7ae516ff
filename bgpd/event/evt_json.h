/*
 * Printing decoded event records as JSON lines (bgpwatchctl events).
 */
#ifndef BGPWATCH_EVT_JSON_H
#define BGPWATCH_EVT_JSON_H

#include <event2/buffer.h>

struct msgpack_object;

/*
 * Appends o as one line of JSON: maps become objects (non-string keys
 * are printed as strings), timestamps ISO-8601 UTC strings with
 * microseconds ("2024-05-01T12:00:00.250000Z"), binary and other
 * extensions hex strings.  Returns 0, or -1.
 */
int	evt_json(struct evbuffer *, const struct msgpack_object *o);

#endif /* BGPWATCH_EVT_JSON_H */
