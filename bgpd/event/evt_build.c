/*
 * Building event records.  No sink, no seq counter: evt_new() starts a
 * record, the evt_* calls add members, evt_seal() finishes it with the seq
 * the fan-out (evt_fanout.c) hands it.
 *
 * The caller adds members one by one, so no count is known when a map
 * starts.  Each nested map or array reserves a 5-byte header that
 * evt_end() replaces with the smallest msgpack header for the count it
 * reached (moving the body down), so the output is canonical.  The
 * top-level map is written last: evt_new() leaves EVT_HEAD bytes of room
 * in front of the body, and evt_seal() writes there, right-aligned, the
 * map header and the envelope (v, seq, ts, type), which makes the record
 * contiguous without a copy.  The envelope always comes first and in
 * this order: its bytes ("v":1,"seq") double as a sync marker for
 * readers of damaged files (evt_reader.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "evt_build.h"
#include "log.h"

#define EVT_TYPE_MAX	64	/* bytes of a type name */
#define EVT_HEAD	128	/* room for the map header and envelope */
#define EVT_HDR_RESERVE	5	/* map32 / array32 header */
#define EVT_BODY_INIT	512

struct evt_frame {
	size_t		 hdr;		/* offset of the reserved header */
	uint32_t	 n;		/* members or elements so far */
	uint8_t		 ismap;
};

struct evt {
	struct timespec	 ts;
	char		 type[EVT_TYPE_MAX + 1];
	uint8_t		*buf;		/* EVT_HEAD bytes of room, then body */
	size_t		 len, cap;
	uint32_t	 nkeys;		/* top-level members after the envelope */
	int		 depth;
	struct evt_frame stack[EVT_MAX_DEPTH];
	const char	*err;		/* first misuse: the event is dropped */
	msgpack_packer	 pk;
};

static void
evt_fail(struct evt *e, const char *why)
{
	if (e->err == NULL)
		e->err = why;
}

/* Appends to the body; the record bound is enforced here. */
static int
evt_write_cb(void *data, const char *p, size_t len)
{
	struct evt	*e = data;
	size_t		 ncap;
	uint8_t		*nbuf;

	if (e->err != NULL)
		return -1;
	if (e->len + len > EVT_HEAD + EVT_MAX_SIZE) {
		evt_fail(e, "larger than EVT_MAX_SIZE");
		return -1;
	}
	if (e->len + len > e->cap) {
		ncap = e->cap * 2;
		while (ncap < e->len + len)
			ncap *= 2;
		if ((nbuf = realloc(e->buf, ncap)) == NULL)
			fatal("evt: realloc");
		e->buf = nbuf;
		e->cap = ncap;
	}
	memcpy(e->buf + e->len, p, len);
	e->len += len;
	return 0;
}

/*
 * One freed record is kept per thread for the next evt_new(): events are
 * built and freed one at a time, and two allocations (plus clearing) per
 * event were a visible share of the Kafka bench's CPU.
 */
#define EVT_SPARE_MAX	4096	/* a larger buffer is not kept */
static _Thread_local struct evt *evt_spare;

struct evt *
evt_new(const char *type, const struct timespec *ts)
{
	struct evt	*e;
	uint8_t		*buf;
	size_t		 n, cap;

	if ((e = evt_spare) != NULL) {
		evt_spare = NULL;
		buf = e->buf;
		cap = e->cap;
	} else {
		if ((e = malloc(sizeof(*e))) == NULL ||
		    (buf = malloc(EVT_BODY_INIT)) == NULL)
			fatal("evt_new");
		cap = EVT_BODY_INIT;
	}
	memset(e, 0, sizeof(*e));
	e->buf = buf;
	e->cap = cap;
	e->len = EVT_HEAD;
	if (ts != NULL)
		e->ts = *ts;
	else
		clock_gettime(CLOCK_REALTIME, &e->ts);
	if ((n = strlen(type)) > EVT_TYPE_MAX) {
		evt_fail(e, "type name too long");
		n = EVT_TYPE_MAX;
	}
	memcpy(e->type, type, n);	/* e is zeroed: NUL-terminated */
	msgpack_packer_init(&e->pk, e, evt_write_cb);
	return e;
}

void
evt_free(struct evt *e)
{
	if (e == NULL)
		return;
	if (evt_spare == NULL && e->cap <= EVT_SPARE_MAX) {
		evt_spare = e;
		return;
	}
	free(e->buf);
	free(e);
}

/* Counts a new member and writes its key.  Returns 0, or -1 on misuse. */
static int
evt_member(struct evt *e, const char *key)
{
	struct evt_frame *f;
	int		 inmap;

	if (e->err != NULL)
		return -1;
	f = e->depth > 0 ? &e->stack[e->depth - 1] : NULL;
	inmap = f == NULL || f->ismap;
	if (inmap != (key != NULL)) {
		evt_fail(e, inmap ? "member without a key" :
		    "array element with a key");
		return -1;
	}
	if (f == NULL)
		e->nkeys++;
	else
		f->n++;
	if (key != NULL)
		msgpack_pack_str_with_body(&e->pk, key, strlen(key));
	return e->err != NULL ? -1 : 0;
}

void
evt_strn(struct evt *e, const char *key, const char *val, size_t len)
{
	if (e != NULL && evt_member(e, key) == 0)
		msgpack_pack_str_with_body(&e->pk, val, len);
}

void
evt_str(struct evt *e, const char *key, const char *val)
{
	if (val == NULL)
		evt_nil(e, key);
	else
		evt_strn(e, key, val, strlen(val));
}

void
evt_uint(struct evt *e, const char *key, uint64_t val)
{
	if (e != NULL && evt_member(e, key) == 0)
		msgpack_pack_uint64(&e->pk, val);
}

void
evt_int(struct evt *e, const char *key, int64_t val)
{
	if (e != NULL && evt_member(e, key) == 0)
		msgpack_pack_int64(&e->pk, val);
}

void
evt_double(struct evt *e, const char *key, double val)
{
	if (e != NULL && evt_member(e, key) == 0)
		msgpack_pack_double(&e->pk, val);
}

void
evt_bool(struct evt *e, const char *key, int val)
{
	if (e == NULL || evt_member(e, key) == -1)
		return;
	if (val)
		msgpack_pack_true(&e->pk);
	else
		msgpack_pack_false(&e->pk);
}

void
evt_nil(struct evt *e, const char *key)
{
	if (e != NULL && evt_member(e, key) == 0)
		msgpack_pack_nil(&e->pk);
}

static void
evt_be(uint8_t *p, uint64_t v, int n)
{
	while (n-- > 0) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

/*
 * The timestamp extension: the 64-bit form when the seconds fit 34 bits
 * (years 1970-2514), else the 96-bit one.  Returns the bytes written
 * (at most 15) to out.
 */
static size_t
evt_ts_encode(uint8_t *out, const struct timespec *ts)
{
	uint64_t	nsec = (uint64_t)ts->tv_nsec % 1000000000;

	if (ts->tv_sec >= 0 && (uint64_t)ts->tv_sec < (1ULL << 34)) {
		out[0] = 0xd7;
		out[1] = 0xff;
		evt_be(out + 2, nsec << 34 | (uint64_t)ts->tv_sec, 8);
		return 10;
	}
	out[0] = 0xc7;
	out[1] = 12;
	out[2] = 0xff;
	evt_be(out + 3, nsec, 4);
	evt_be(out + 7, (uint64_t)(int64_t)ts->tv_sec, 8);
	return 15;
}

void
evt_time(struct evt *e, const char *key, const struct timespec *ts)
{
	uint8_t	b[16];
	size_t	n;

	if (e == NULL || evt_member(e, key) == -1)
		return;
	n = evt_ts_encode(b, ts);
	evt_write_cb(e, (const char *)b, n);
}

void
evt_prefix(struct evt *e, const char *key, const struct bw_prefix *p)
{
	char	buf[BW_PREFIX_STRLEN];

	evt_str(e, key, prefix_fmt(p, buf, sizeof(buf)));
}

void
evt_addr(struct evt *e, const char *key, const struct bw_addr *a)
{
	char	buf[BW_ADDR_STRLEN];

	evt_str(e, key, addr_fmt(a, buf, sizeof(buf)));
}

void
evt_peer(struct evt *e, const char *key, const struct bw_addr *a,
    uint32_t asn)
{
	evt_map(e, key);
	evt_addr(e, "address", a);
	evt_uint(e, "asn", asn);
	evt_end(e);
}

static void
evt_open(struct evt *e, const char *key, int ismap)
{
	static const char	reserve[EVT_HDR_RESERVE];
	struct evt_frame	*f;

	if (e == NULL || evt_member(e, key) == -1)
		return;
	if (e->depth >= EVT_MAX_DEPTH) {
		evt_fail(e, "nested too deep");
		return;
	}
	f = &e->stack[e->depth++];
	f->hdr = e->len;
	f->n = 0;
	f->ismap = (uint8_t)ismap;
	evt_write_cb(e, reserve, sizeof(reserve));
}

void
evt_map(struct evt *e, const char *key)
{
	evt_open(e, key, 1);
}

void
evt_array(struct evt *e, const char *key)
{
	evt_open(e, key, 0);
}

void
evt_elem_str(struct evt *e, const char *val)
{
	evt_str(e, NULL, val);
}

void
evt_elem_uint(struct evt *e, uint64_t val)
{
	evt_uint(e, NULL, val);
}

/* The smallest map/array header for n; returns its length. */
static size_t
evt_hdr_encode(uint8_t *out, uint32_t n, int ismap)
{
	if (n <= 15) {
		out[0] = (uint8_t)((ismap ? 0x80 : 0x90) | n);
		return 1;
	}
	if (n <= 0xffff) {
		out[0] = ismap ? 0xde : 0xdc;
		evt_be(out + 1, n, 2);
		return 3;
	}
	out[0] = ismap ? 0xdf : 0xdd;
	evt_be(out + 1, n, 4);
	return 5;
}

void
evt_end(struct evt *e)
{
	struct evt_frame	*f;
	uint8_t			 hdr[EVT_HDR_RESERVE];
	size_t			 hl, body;

	if (e == NULL || e->err != NULL)
		return;
	if (e->depth == 0) {
		evt_fail(e, "evt_end() without an open map or array");
		return;
	}
	f = &e->stack[--e->depth];
	hl = evt_hdr_encode(hdr, f->n, f->ismap);
	body = f->hdr + EVT_HDR_RESERVE;
	memmove(e->buf + f->hdr + hl, e->buf + body, e->len - body);
	memcpy(e->buf + f->hdr, hdr, hl);
	e->len -= EVT_HDR_RESERVE - hl;
}

/* Appends a short string to out at *n (the envelope keys and type). */
static void
evt_head_str(uint8_t *out, size_t *n, const char *s)
{
	size_t	len = strlen(s);

	if (len <= 31)
		out[(*n)++] = (uint8_t)(0xa0 | len);
	else {
		out[(*n)++] = 0xd9;
		out[(*n)++] = (uint8_t)len;
	}
	memcpy(out + *n, s, len);
	*n += len;
}

/*
 * Writes the map header and envelope in front of the body.  Returns the
 * offset in e->buf where the record starts.
 */
static size_t
evt_seal_head(struct evt *e, uint64_t seq)
{
	uint8_t	head[EVT_HEAD];
	size_t	n;

	n = evt_hdr_encode(head, 4 + e->nkeys, 1);
	evt_head_str(head, &n, "v");
	head[n++] = EVT_SCHEMA_VERSION;
	evt_head_str(head, &n, "seq");
	head[n++] = 0xcf;		/* uint64: the marker stays fixed */
	evt_be(head + n, seq, 8);
	n += 8;
	evt_head_str(head, &n, "ts");
	n += evt_ts_encode(head + n, &e->ts);
	evt_head_str(head, &n, "type");
	evt_head_str(head, &n, e->type);
	memcpy(e->buf + EVT_HEAD - n, head, n);
	return EVT_HEAD - n;
}

const char *
evt_type(const struct evt *e)
{
	return e->type;
}

int
evt_seal(struct evt *e, uint64_t seq, const uint8_t **rec, size_t *len)
{
	size_t	start;

	if (e->err == NULL && e->depth != 0)
		evt_fail(e, "map or array left open");
	if (e->err != NULL) {
		log_warnx("event %s dropped: %s (a bug in its caller)",
		    e->type, e->err);
		return -1;
	}
	start = evt_seal_head(e, seq);
	*rec = e->buf + start;
	*len = e->len - start;
	return 0;
}
