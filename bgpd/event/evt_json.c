/*
 * Event records as JSON lines (bgpwatchctl events).  A decoded msgpack
 * map becomes one JSON object; strings go through json.c's escaping (the
 * ASCII-only style: control characters as \u00XX, invalid UTF-8 as
 * \ufffd), so there is one UTF-8 check and one escaper in the tree.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <msgpack.h>

#include "evt_json.h"
#include "json.h"

static const char evt_hexd[] = "0123456789abcdef";

/* Appends bytes as a JSON string; invalid UTF-8 becomes \ufffd. */
static int
evt_json_str(struct evbuffer *out, const uint8_t *s, size_t n)
{
	return json_write_strn(out, s, n, JSON_ESC_UFORM);
}

static int
evt_json_hex(struct evbuffer *out, const uint8_t *p, size_t n)
{
	char	h[2];
	size_t	i;
	int	rv = evbuffer_add(out, "\"", 1);

	for (i = 0; i < n && rv == 0; i++) {
		h[0] = evt_hexd[p[i] >> 4];
		h[1] = evt_hexd[p[i] & 0xf];
		rv = evbuffer_add(out, h, 2);
	}
	if (rv == 0)
		rv = evbuffer_add(out, "\"", 1);
	return rv;
}

/* The shortest text that reads back as the same double. */
static int
evt_json_double(struct evbuffer *out, double d)
{
	char	buf[40];
	int	prec;

	if (!isfinite(d))
		return evbuffer_add(out, "null", 4);
	for (prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	/* Keep it a float for readers that tell 1 from 1.0. */
	return evbuffer_add_printf(out, "%s%s", buf,
	    strpbrk(buf, ".eE") == NULL ? ".0" : "") < 0 ? -1 : 0;
}

static int
evt_json_ts(struct evbuffer *out, const msgpack_object *o)
{
	msgpack_timestamp	ts;
	struct tm		tm;
	time_t			t;
	char			buf[64];

	if (!msgpack_object_to_timestamp(o, &ts) ||
	    (t = (time_t)ts.tv_sec, gmtime_r(&t, &tm) == NULL) ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		return evt_json_hex(out, (const uint8_t *)o->via.ext.ptr,
		    o->via.ext.size);
	return evbuffer_add_printf(out, "\"%s.%06uZ\"", buf,
	    (unsigned)(ts.tv_nsec / 1000 % 1000000)) < 0 ? -1 : 0;
}

static int	evt_json_obj(struct evbuffer *, const msgpack_object *);

/*
 * A map key: strings as they are, scalars as their JSON text, maps and
 * arrays as "(map)" / "(array)".  (Rendering a container key as its JSON
 * text made each level of keys nested in keys escape the level below
 * again: output doubling per level, minutes of CPU and gigabytes for a
 * few kilobytes of damaged log; found by tests/fuzz/fuzz_evtlog.c.)
 */
static int
evt_json_key(struct evbuffer *out, const msgpack_object *k)
{
	struct evbuffer	*tmp;
	int		 rv;

	if (k->type == MSGPACK_OBJECT_STR)
		return evt_json_str(out, (const uint8_t *)k->via.str.ptr,
		    k->via.str.size);
	if (k->type == MSGPACK_OBJECT_MAP)
		return evt_json_str(out, (const uint8_t *)"(map)", 5);
	if (k->type == MSGPACK_OBJECT_ARRAY)
		return evt_json_str(out, (const uint8_t *)"(array)", 7);
	if ((tmp = evbuffer_new()) == NULL)
		return -1;
	rv = evt_json_obj(tmp, k);
	if (rv == 0)
		rv = evt_json_str(out, evbuffer_pullup(tmp, -1),
		    evbuffer_get_length(tmp));
	evbuffer_free(tmp);
	return rv;
}

static int
evt_json_map(struct evbuffer *out, const msgpack_object_map *m)
{
	uint32_t	i;
	int		rv = evbuffer_add(out, "{", 1);

	for (i = 0; i < m->size && rv == 0; i++) {
		if (i > 0)
			rv = evbuffer_add(out, ",", 1);
		if (rv == 0)
			rv = evt_json_key(out, &m->ptr[i].key);
		if (rv == 0)
			rv = evbuffer_add(out, ":", 1);
		if (rv == 0)
			rv = evt_json_obj(out, &m->ptr[i].val);
	}
	return rv == 0 ? evbuffer_add(out, "}", 1) : -1;
}

static int
evt_json_array(struct evbuffer *out, const msgpack_object_array *a)
{
	uint32_t	i;
	int		rv = evbuffer_add(out, "[", 1);

	for (i = 0; i < a->size && rv == 0; i++) {
		if (i > 0)
			rv = evbuffer_add(out, ",", 1);
		if (rv == 0)
			rv = evt_json_obj(out, &a->ptr[i]);
	}
	return rv == 0 ? evbuffer_add(out, "]", 1) : -1;
}

static int
evt_json_obj(struct evbuffer *out, const msgpack_object *o)
{
	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		return evbuffer_add(out, "null", 4);
	case MSGPACK_OBJECT_BOOLEAN:
		return o->via.boolean ? evbuffer_add(out, "true", 4) :
		    evbuffer_add(out, "false", 5);
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		return evbuffer_add_printf(out, "%" PRIu64, o->via.u64) < 0 ?
		    -1 : 0;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		return evbuffer_add_printf(out, "%" PRId64, o->via.i64) < 0 ?
		    -1 : 0;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		return evt_json_double(out, o->via.f64);
	case MSGPACK_OBJECT_STR:
		return evt_json_str(out, (const uint8_t *)o->via.str.ptr,
		    o->via.str.size);
	case MSGPACK_OBJECT_BIN:
		return evt_json_hex(out, (const uint8_t *)o->via.bin.ptr,
		    o->via.bin.size);
	case MSGPACK_OBJECT_EXT:
		if (o->via.ext.type == -1)
			return evt_json_ts(out, o);
		return evt_json_hex(out, (const uint8_t *)o->via.ext.ptr,
		    o->via.ext.size);
	case MSGPACK_OBJECT_ARRAY:
		return evt_json_array(out, &o->via.array);
	case MSGPACK_OBJECT_MAP:
		return evt_json_map(out, &o->via.map);
	}
	return evbuffer_add(out, "null", 4);
}

int
evt_json(struct evbuffer *out, const struct msgpack_object *o)
{
	if (evt_json_obj(out, o) == -1)
		return -1;
	return evbuffer_add(out, "\n", 1);
}
