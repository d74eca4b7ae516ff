/*
 * Event records: building them, reading them back, printing them.
 *
 * Building.  The caller adds members one by one, so no count is known
 * when a map starts.  Each nested map or array reserves a 5-byte header
 * that evt_end() replaces with the smallest msgpack header for the count
 * it reached (moving the body down), so the output is canonical.  The
 * top-level map is written last: evt_new() leaves EVT_HEAD bytes of room
 * in front of the body, and evt_emit() writes there, right-aligned, the
 * map header and the envelope (v, seq, ts, type), which makes the record
 * contiguous without a copy.  The envelope always comes first and in
 * this order: its bytes ("v":1,"seq") double as a sync marker for
 * readers of damaged files.
 *
 * Reading.  Log files and subscriber requests are untrusted: an object
 * is first measured by evt_msgpack_skim(), which walks the bytes without
 * allocating and refuses counts that cannot fit EVT_MAX_SIZE, and only
 * then decoded by msgpack-c (whose unpacker allocates count-sized arrays
 * up front).  The reader buffers a file through pread(), so it can be
 * repositioned (bisection by seq) and can follow a growing file.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <msgpack.h>

#include "evt.h"
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
	struct evt_sink	*sink;
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

struct evt *
evt_new(struct evt_sink *sink, const char *type, const struct timespec *ts)
{
	struct evt	*e;

	if (sink == NULL)
		return NULL;
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (e->buf = malloc(EVT_BODY_INIT)) == NULL)
		fatal("evt_new");
	e->sink = sink;
	e->cap = EVT_BODY_INIT;
	e->len = EVT_HEAD;
	if (ts != NULL)
		e->ts = *ts;
	else
		clock_gettime(CLOCK_REALTIME, &e->ts);
	if (strlen(type) > EVT_TYPE_MAX)
		evt_fail(e, "type name too long");
	snprintf(e->type, sizeof(e->type), "%s", type);
	msgpack_packer_init(&e->pk, e, evt_write_cb);
	return e;
}

void
evt_free(struct evt *e)
{
	if (e == NULL)
		return;
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
evt_seal(struct evt *e, uint64_t seq)
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

uint64_t
evt_emit(struct evt *e)
{
	uint64_t	seq;
	size_t		start;
	int		rv;

	if (e == NULL)
		return 0;
	if (e->err == NULL && e->depth != 0)
		evt_fail(e, "map or array left open");
	if (e->err != NULL) {
		log_warnx("event %s dropped: %s (a bug in its caller)",
		    e->type, e->err);
		evt_free(e);
		return 0;
	}
	seq = evt_sink_next_seq(e->sink);
	start = evt_seal(e, seq);
	rv = evt_sink_publish(e->sink, e->buf + start, e->len - start, seq);
	evt_free(e);
	return rv == 0 ? seq : 0;
}

/*
 * Reading.
 */

static uint64_t
evt_get_be(const uint8_t *p, int n)
{
	uint64_t	v = 0;

	while (n-- > 0)
		v = v << 8 | *p++;
	return v;
}

/*
 * Header of one msgpack item at p (len >= 1 bytes available): sets *hl
 * (header bytes), and after the header is available *payload (bytes that
 * follow) and *items (nested objects that follow).  Returns 0, or -1 for
 * the never-used byte 0xc1.
 */
static int
evt_skim_head(uint8_t b, size_t *hl, size_t *lenbytes, size_t *fixed,
    int *kind)
{
	static const uint8_t fixlen[] = {	/* 0xca..0xd8 */
		4, 8, 1, 2, 4, 8, 1, 2, 4, 8, 2, 3, 5, 9, 17 };

	*hl = 1;
	*lenbytes = 0;
	*fixed = 0;
	*kind = 0;			/* 0 scalar, 1 array, 2 map */
	if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
		return 0;
	if (b <= 0x8f) {
		*kind = 2;
		*fixed = b & 0x0f;
	} else if (b <= 0x9f) {
		*kind = 1;
		*fixed = b & 0x0f;
	} else if (b <= 0xbf)
		*fixed = b & 0x1f;
	else if (b == 0xc1)
		return -1;
	else if (b >= 0xc4 && b <= 0xc6)	/* bin 8/16/32 */
		*lenbytes = (size_t)1 << (b - 0xc4);
	else if (b >= 0xc7 && b <= 0xc9) {	/* ext 8/16/32: + type */
		*lenbytes = (size_t)1 << (b - 0xc7);
		*fixed = 1;
	} else if (b >= 0xca && b <= 0xd8)
		*fixed = fixlen[b - 0xca];
	else if (b >= 0xd9 && b <= 0xdb)	/* str 8/16/32 */
		*lenbytes = (size_t)1 << (b - 0xd9);
	else {					/* 0xdc..0xdf */
		*kind = b <= 0xdd ? 1 : 2;
		*lenbytes = b == 0xdc || b == 0xde ? 2 : 4;
	}
	*hl += *lenbytes;
	return 0;
}

int
evt_msgpack_skim(const uint8_t *p, size_t len, size_t max, size_t *objlen)
{
	size_t	off = 0, need = 1, hl, lb, fixed, count;
	int	kind;

	while (need > 0) {
		if (off >= len)
			return 0;
		if (evt_skim_head(p[off], &hl, &lb, &fixed, &kind) == -1)
			return -1;
		if (off + hl > len)
			return off + hl > max ? -1 : 0;
		count = lb > 0 ? (size_t)evt_get_be(p + off + 1, (int)lb) :
		    0;
		count += fixed;
		need--;
		off += hl;
		if (kind == 0)
			off += count;
		else
			need += kind == 2 ? 2 * count : count;
		/* Every pending object takes a byte at least. */
		if (off > max || need > max - off)
			return -1;
	}
	if (off > len)
		return 0;
	*objlen = off;
	return 1;
}

static int
evt_key_is(const msgpack_object *k, const char *s)
{
	size_t	len = strlen(s);

	return k->type == MSGPACK_OBJECT_STR && k->via.str.size == len &&
	    memcmp(k->via.str.ptr, s, len) == 0;
}

int
evt_record_check(const struct msgpack_object *o, uint64_t *seq)
{
	const msgpack_object_kv	*kv;

	if (o->type != MSGPACK_OBJECT_MAP || o->via.map.size < 4)
		return -1;
	kv = o->via.map.ptr;
	if (!evt_key_is(&kv[0].key, "v") ||
	    kv[0].val.type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
	    !evt_key_is(&kv[1].key, "seq") ||
	    kv[1].val.type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
	    !evt_key_is(&kv[2].key, "ts") ||
	    kv[2].val.type != MSGPACK_OBJECT_EXT ||
	    kv[2].val.via.ext.type != -1 ||
	    !evt_key_is(&kv[3].key, "type") ||
	    kv[3].val.type != MSGPACK_OBJECT_STR)
		return -1;
	*seq = kv[1].val.via.u64;
	return 0;
}

#define EVT_RD_CAP	(4 * EVT_MAX_SIZE)
#define EVT_RD_KEEP	10	/* marker plus a map16 header, minus one */
#define EVT_SEEK_WINDOW	(256 * 1024)

/* "v":1,"seq" after the map header of every record. */
static const uint8_t evt_marker[] = { 0xa1, 'v', EVT_SCHEMA_VERSION,
	0xa3, 's', 'e', 'q' };

struct evt_reader {
	int		 fd;
	uint8_t		*buf;
	size_t		 pos, fill;
	off_t		 base;		/* file offset of buf[0] */
	off_t		 good_end;	/* end of the last record returned */
	uint64_t	 skipped;	/* damaged bytes before a record */
	uint64_t	 skipping;	/* damaged bytes not yet followed by one */
	int		 resync;	/* looking for the next record */
	int		 aligning;	/* after a seek: skipping is not damage */
	msgpack_unpacked res;
};

struct evt_reader *
evt_reader_open(const char *path, char *err, size_t errlen)
{
	struct evt_reader	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->buf = malloc(EVT_RD_CAP)) == NULL)
		fatal("evt_reader_open");
	if ((r->fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(r->buf);
		free(r);
		return NULL;
	}
	msgpack_unpacked_init(&r->res);
	return r;
}

void
evt_reader_close(struct evt_reader *r)
{
	if (r == NULL)
		return;
	close(r->fd);
	msgpack_unpacked_destroy(&r->res);
	free(r->buf);
	free(r);
}

/* Reads more of the file behind the buffer.  Returns bytes, 0, or -1. */
static ssize_t
evt_reader_fill(struct evt_reader *r)
{
	ssize_t	n;

	if (r->pos > 0) {
		memmove(r->buf, r->buf + r->pos, r->fill - r->pos);
		r->base += (off_t)r->pos;
		r->fill -= r->pos;
		r->pos = 0;
	}
	if (r->fill == EVT_RD_CAP)
		return 0;
	do
		n = pread(r->fd, r->buf + r->fill, EVT_RD_CAP - r->fill,
		    r->base + (off_t)r->fill);
	while (n == -1 && errno == EINTR);
	if (n > 0)
		r->fill += (size_t)n;
	return n;
}

/* Where a record may start given a marker at m, or -1. */
static ssize_t
evt_reader_candidate(const struct evt_reader *r, size_t m)
{
	if (m >= r->pos + 1 && (r->buf[m - 1] & 0xf0) == 0x80)
		return (ssize_t)m - 1;
	if (m >= r->pos + 3 && r->buf[m - 3] == 0xde)
		return (ssize_t)m - 3;
	return -1;
}

/* The first marker in buf[from, fill), or NULL. */
static uint8_t *
evt_reader_find(struct evt_reader *r, size_t from)
{
	uint8_t	*p = r->buf + from, *end = r->buf + r->fill;

	while (end - p >= (ssize_t)sizeof(evt_marker) &&
	    (p = memchr(p, evt_marker[0], (size_t)(end - p))) != NULL) {
		if ((size_t)(end - p) >= sizeof(evt_marker) &&
		    memcmp(p, evt_marker, sizeof(evt_marker)) == 0)
			return p;
		p++;
	}
	return NULL;
}

/*
 * Skips damaged bytes up to the next plausible record start.  Returns 1
 * when one is found, 0 at the end of the data, -1 on a read error.
 */
static int
evt_reader_resync(struct evt_reader *r)
{
	uint8_t	*m;
	ssize_t	 c, n;
	size_t	 from, drop;

	for (from = r->pos;;) {
		while ((m = evt_reader_find(r, from)) != NULL) {
			from = (size_t)(m - r->buf) + 1;
			if ((c = evt_reader_candidate(r, from - 1)) == -1)
				continue;
			if (!r->aligning)
				r->skipping += (size_t)c - r->pos;
			r->pos = (size_t)c;
			r->resync = 0;
			return 1;
		}
		if (r->fill - r->pos > EVT_RD_KEEP) {
			drop = r->fill - r->pos - EVT_RD_KEEP;
			if (!r->aligning)
				r->skipping += drop;
			r->pos += drop;
		}
		if ((n = evt_reader_fill(r)) <= 0)
			return n == 0 ? 0 : -1;
		from = r->pos;
	}
}

/* Decodes the complete object of olen bytes at pos as a record. */
static int
evt_reader_decode(struct evt_reader *r, size_t olen, struct evt_record *rec)
{
	size_t	off = 0;

	if (msgpack_unpack_next(&r->res, (const char *)r->buf + r->pos, olen,
	    &off) != MSGPACK_UNPACK_SUCCESS || off != olen ||
	    evt_record_check(&r->res.data, &rec->seq) == -1)
		return -1;
	rec->data = r->buf + r->pos;
	rec->len = olen;
	rec->off = r->base + (off_t)r->pos;
	rec->obj = &r->res.data;
	r->pos += olen;
	r->good_end = r->base + (off_t)r->pos;
	r->aligning = 0;
	r->skipped += r->skipping;
	r->skipping = 0;
	return 0;
}

int
evt_reader_next(struct evt_reader *r, struct evt_record *rec)
{
	size_t	olen;
	ssize_t	n;
	int	rv;

	for (;;) {
		if (r->resync && (rv = evt_reader_resync(r)) != 1)
			return rv;
		rv = evt_msgpack_skim(r->buf + r->pos, r->fill - r->pos,
		    EVT_MAX_SIZE, &olen);
		if (rv == 0) {
			if ((n = evt_reader_fill(r)) <= 0)
				return n == 0 ? 0 : -1;
			continue;
		}
		if (rv == 1 && evt_reader_decode(r, olen, rec) == 0)
			return 1;
		/* Damaged: look for the next record past this byte. */
		r->pos++;
		if (!r->aligning)
			r->skipping++;
		r->resync = 1;
	}
}

int
evt_reader_seek(struct evt_reader *r, off_t off, int resync)
{
	if (off < 0) {
		errno = EINVAL;
		return -1;
	}
	r->base = off;
	r->pos = r->fill = 0;
	r->good_end = off;
	r->skipping = 0;
	r->resync = r->aligning = resync && off > 0;
	return 0;
}

int
evt_reader_seek_seq(struct evt_reader *r, uint64_t seq)
{
	struct evt_record	rec;
	struct stat		st;
	off_t			lo = 0, hi, mid;
	int			rv;

	if (fstat(r->fd, &st) == -1)
		return -1;
	hi = st.st_size;
	while (hi - lo > EVT_SEEK_WINDOW) {
		mid = lo + (hi - lo) / 2;
		evt_reader_seek(r, mid, 1);
		if ((rv = evt_reader_next(r, &rec)) == -1)
			return -1;
		if (rv == 0 || rec.seq >= seq)
			hi = mid;
		else
			lo = rec.off;
	}
	evt_reader_seek(r, lo, 0);
	while ((rv = evt_reader_next(r, &rec)) == 1)
		if (rec.seq >= seq)
			return evt_reader_seek(r, rec.off, 0);
	return rv;
}

off_t
evt_reader_good_end(const struct evt_reader *r)
{
	return r->good_end;
}

uint64_t
evt_reader_skipped(const struct evt_reader *r)
{
	return r->skipped;
}

uint64_t
evt_reader_first_seq(const char *path)
{
	struct evt_reader	*r;
	struct evt_record	 rec;
	char			 err[256];
	uint64_t		 seq = 0;

	if ((r = evt_reader_open(path, err, sizeof(err))) == NULL)
		return 0;
	if (evt_reader_next(r, &rec) == 1)
		seq = rec.seq;
	evt_reader_close(r);
	return seq;
}

/*
 * JSON.
 */

static const char evt_hexd[] = "0123456789abcdef";

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t
evt_utf8_len(const uint8_t *s, size_t n)
{
	uint32_t	cp;
	size_t		len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	cp = s[0] & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* Appends bytes as a JSON string; invalid UTF-8 becomes U+FFFD. */
static int
evt_json_str(struct evbuffer *out, const uint8_t *s, size_t n)
{
	char	esc[8];
	size_t	i, l;
	int	rv = evbuffer_add(out, "\"", 1);

	for (i = 0; i < n && rv == 0; i += l) {
		l = evt_utf8_len(s + i, n - i);
		if (l == 0) {
			rv = evbuffer_add(out, "\\ufffd", 6);
			l = 1;
		} else if (s[i] == '"' || s[i] == '\\') {
			esc[0] = '\\';
			esc[1] = (char)s[i];
			rv = evbuffer_add(out, esc, 2);
		} else if (s[i] < 0x20 || s[i] == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", s[i]);
			rv = evbuffer_add(out, esc, 6);
		} else
			rv = evbuffer_add(out, s + i, l);
	}
	if (rv == 0)
		rv = evbuffer_add(out, "\"", 1);
	return rv;
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

/* A map key: strings as they are, anything else as its JSON text. */
static int
evt_json_key(struct evbuffer *out, const msgpack_object *k)
{
	struct evbuffer	*tmp;
	int		 rv;

	if (k->type == MSGPACK_OBJECT_STR)
		return evt_json_str(out, (const uint8_t *)k->via.str.ptr,
		    k->via.str.size);
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
