/*
 * Reading event logs back (the stream output's replays, bgpwatchctl).
 *
 * Log files and subscriber requests are untrusted: an object is first
 * measured by evt_msgpack_skim(), which walks the bytes without
 * allocating and refuses counts that cannot fit EVT_MAX_SIZE, and only
 * then decoded by msgpack-c (whose unpacker allocates count-sized arrays
 * up front).  The reader buffers a file through pread(), so it can be
 * repositioned (bisection by seq) and can follow a growing file; after
 * damaged bytes it looks for the next record by its envelope's first
 * bytes ("v":1,"seq"), which every record carries right after its map
 * header (evt_build.c writes them so).
 *
 * Crafted damage can make every candidate's object run on for most of
 * EVT_MAX_SIZE (a marker whose map holds the next marker's map, and so
 * on), and the candidates of one chain of items would walk the same
 * items again and again.  So once the skims in one buffer have looked
 * at more items than it can hold bytes (a buffer of records never does)
 * its further skims are answered from a memo of the buffer (evt_memo_*,
 * 20 bytes a position, 5 MiB at most): for each position, where the
 * walk of the object starting there stops and with how many items
 * pending, worked out once from the same for the position after its
 * header.  The objects that end one after another form a tree whose
 * k-th ancestor is found in O(log) hops (skew-binary jump pointers), so
 * a container's k members are passed over without walking them.  Along
 * a walk the offset plus the items pending never falls (an item takes a
 * byte at least), so the size bound is checked once, where it stops.
 * The answers are the plain walk's, byte for byte; the work is linear
 * in the buffer.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <msgpack.h>

#include "evt_reader.h"
#include "log.h"

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
static inline int
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

/* Items looked at by this thread's skims: a test's bound on the work. */
static _Thread_local uint64_t evt_skim_steps;

uint64_t
evt_reader_skim_steps(void)
{
	return evt_skim_steps;
}

/*
 * evt_msgpack_skim's walk, giving up (2) after limit items; the items it
 * looked at go to *steps.
 */
static int
evt_skim_walk(const uint8_t *p, size_t len, size_t max, size_t *objlen,
    uint64_t limit, uint64_t *steps)
{
	size_t		 off = 0, need = 1, hl, lb, fixed, count;
	uint64_t	 n;
	int		 kind, rv;

	for (n = 0; need > 0; n++) {
		if (n == limit) {
			rv = 2;
			goto done;
		}
		if (off >= len) {
			rv = 0;
			goto done;
		}
		if (evt_skim_head(p[off], &hl, &lb, &fixed, &kind) == -1) {
			rv = -1;
			goto done;
		}
		if (off + hl > len) {
			rv = off + hl > max ? -1 : 0;
			goto done;
		}
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
		if (off > max || need > max - off) {
			rv = -1;
			goto done;
		}
	}
	rv = 0;
	if (off <= len) {
		*objlen = off;
		rv = 1;
	}
done:
	*steps = n;
	return rv;
}

int
evt_msgpack_skim(const uint8_t *p, size_t len, size_t max, size_t *objlen)
{
	uint64_t	steps;
	int		rv;

	rv = evt_skim_walk(p, len, max, objlen, UINT64_MAX, &steps);
	evt_skim_steps += steps;
	return rv;
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
#ifndef EVT_SEEK_WINDOW		/* the fuzz build's is small (Makefile) */
#define EVT_SEEK_WINDOW	(256 * 1024)
#endif

/* "v":1,"seq" after the map header of every record. */
static const uint8_t evt_marker[] = { 0xa1, 'v', EVT_SCHEMA_VERSION,
	0xa3, 's', 'e', 'q' };

/*
 * The memo's entry for one buffer position x.  The plain walk from x
 * (without the size bound) stops at end: with pend 0 the object ends
 * there, else the item at end is one it cannot read (EVT_MEMO_*: past
 * the data, 0xc1, a header past the data) with pend items pending,
 * that one included.  depth counts the objects that end one after
 * another from x (x's, then the one at its end, ...) until one that
 * does not; jump is the skew-binary jump pointer in that tree.  end and
 * pend are clamped where they would fail any bound anyway.
 */
struct evt_memo_ent {
	uint32_t	stamp;		/* memo_gen: worked out */
	uint32_t	end;
	uint32_t	pend;		/* count | EVT_MEMO_* << 30 */
	uint32_t	depth;
	uint32_t	jump;
};
#define EVT_MEMO_DATA	1U		/* stops at the end of the data */
#define EVT_MEMO_C1	2U		/* at a 0xc1 byte */
#define EVT_MEMO_HEAD	3U		/* at a header past the data */
#define EVT_MEMO_PEND(e) ((e)->pend & 0x3fffffff)
#define EVT_MEMO_KIND(e) ((e)->pend >> 30)
#define EVT_MEMO_FAR	((uint64_t)EVT_RD_CAP + EVT_MAX_SIZE + 1)
#define EVT_MEMO_NONE	UINT32_MAX
#define EVT_MEMO_STEP	(16 * 1024)	/* entries the memo grows by */
#ifndef EVT_RD_PLAIN		/* plain skim items per buffer */
#define EVT_RD_PLAIN	EVT_RD_CAP
#endif

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
	uint64_t	 plain;		/* plain skim items per buffer */
	uint64_t	 plain_left;	/* of them, left for buf */
	struct evt_memo_ent *memo;	/* once needed */
	size_t		 memo_cap;	/* entries, fill or more */
	uint32_t	 memo_gen;	/* bumped when buf changes */
	int		 memo_on;	/* buf's skims go through the memo */
};

/* The plain items a buffer gets before the memo: a test hook. */
static _Thread_local uint64_t evt_rd_plain = EVT_RD_PLAIN;

/* Each answer of the memo checked against the walk: a test hook. */
#ifdef EVT_MEMO_CHECK		/* the fuzz build: a wrong one aborts */
static _Thread_local int evt_rd_check = 1;
#else
static _Thread_local int evt_rd_check;
#endif
static _Thread_local uint64_t evt_rd_wrong;

uint64_t
evt_reader_test_check(int on)
{
	evt_rd_check = on;
	return evt_rd_wrong;
}

/* The memo's allocation made to fail: a test hook. */
static _Thread_local int evt_rd_nomemo;

void
evt_reader_test_nomemo(int on)
{
	evt_rd_nomemo = on;
}

uint64_t
evt_reader_test_plain(uint64_t items)
{
	uint64_t	was = evt_rd_plain;

	evt_rd_plain = items;
	return was;
}

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
	r->plain = r->plain_left = evt_rd_plain;
	r->memo_gen = 1;
	return r;
}

void
evt_reader_close(struct evt_reader *r)
{
	if (r == NULL)
		return;
	close(r->fd);
	msgpack_unpacked_destroy(&r->res);
	free(r->memo);
	free(r->buf);
	free(r);
}

/* The buffer's bytes or their offsets change: its memo is void. */
static void
evt_reader_changed(struct evt_reader *r)
{
	r->plain_left = r->plain;
	r->memo_on = 0;
	if (++r->memo_gen == 0) {	/* stamps 0 are never current */
		if (r->memo != NULL)
			memset(r->memo, 0, r->memo_cap * sizeof(*r->memo));
		r->memo_gen = 1;
	}
}

/* Reads more of the file behind the buffer.  Returns bytes, 0, or -1. */
static ssize_t
evt_reader_fill(struct evt_reader *r)
{
	ssize_t	n;

	if (r->pos > 0) {
		evt_reader_changed(r);
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
	if (n > 0) {
		r->fill += (size_t)n;
		evt_reader_changed(r);
	}
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

/*
 * The item at buffer position x: 0 with *next (where the walk goes on:
 * past a scalar's payload, or the container's first member) and *kids
 * (the members that follow), or the EVT_MEMO_* it stops at.
 */
static unsigned int
evt_memo_item(const struct evt_reader *r, size_t x, uint64_t *next,
    uint64_t *kids)
{
	size_t	hl, lb, fixed;
	uint64_t count;
	int	kind;

	if (evt_skim_head(r->buf[x], &hl, &lb, &fixed, &kind) == -1)
		return EVT_MEMO_C1;
	if (x + hl > r->fill)
		return EVT_MEMO_HEAD;
	count = (lb > 0 ? evt_get_be(r->buf + x + 1, (int)lb) : 0) + fixed;
	*next = x + hl + (kind == 0 ? count : 0);
	*kids = kind == 0 ? 0 : kind == 2 ? 2 * count : count;
	if (*next > EVT_MEMO_FAR)
		*next = EVT_MEMO_FAR;
	return 0;
}

/*
 * Where k objects that end one after another from y end: the k-th
 * ancestor of y (k <= its depth), a position that may be past the data.
 */
static uint64_t
evt_memo_hop(const struct evt_reader *r, uint64_t y, uint64_t k,
    uint64_t *steps)
{
	const struct evt_memo_ent *m = r->memo;
	uint64_t	 to;
	uint32_t	 x, j;

	if (y >= r->fill)
		return y;
	x = (uint32_t)y;
	to = m[x].depth - k;
	while (m[x].depth > to) {
		(*steps)++;
		j = m[x].jump;
		if (j != x && m[j].depth >= to)
			x = j;
		else if (m[x].end >= r->fill)
			return m[x].end;
		else
			x = m[x].end;
	}
	return x;
}

/* Works out x's entry; the entries of the positions after it are known. */
static void
evt_memo_set(struct evt_reader *r, uint32_t x, uint64_t *steps)
{
	struct evt_memo_ent	*e = &r->memo[x], *w;
	uint64_t		 y, k, d, end, pend;
	unsigned int		 stop;
	uint32_t		 p, jp;

	e->stamp = r->memo_gen;
	e->depth = 0;
	e->jump = x;
	if ((stop = evt_memo_item(r, x, &y, &k)) != 0) {
		e->end = x;
		e->pend = 1 | stop << 30;
		return;
	}
	d = y < r->fill ? r->memo[y].depth : 0;
	if (k <= d) {			/* the object ends */
		end = evt_memo_hop(r, y, k, steps);
		e->end = (uint32_t)end;
		e->pend = 0;
		if (end >= r->fill) {
			e->depth = 1;
			return;
		}
		p = (uint32_t)end;
		e->depth = r->memo[p].depth + 1;
		jp = r->memo[p].jump;
		if (r->memo[p].depth - r->memo[jp].depth ==
		    r->memo[jp].depth - r->memo[r->memo[jp].jump].depth)
			e->jump = r->memo[jp].jump;
		else
			e->jump = p;
		return;
	}
	/* Member d + 1 does not end: the walk stops where its does. */
	end = evt_memo_hop(r, y, d, steps);
	if (end >= r->fill) {
		e->end = (uint32_t)end;
		pend = k - d;
		stop = EVT_MEMO_DATA;
	} else {
		w = &r->memo[end];
		e->end = w->end;
		pend = EVT_MEMO_PEND(w) + (k - d - 1);
		stop = EVT_MEMO_KIND(w);
	}
	if (pend > EVT_MAX_SIZE + 1)
		pend = EVT_MAX_SIZE + 1;
	e->pend = (uint32_t)pend | stop << 30;
}

/*
 * Works out the entries of c and of the positions its walk goes through,
 * last first (the chain is linked back through jump meanwhile).
 */
static void
evt_memo_fill(struct evt_reader *r, size_t c, uint64_t *steps)
{
	uint64_t	 y, k;
	uint32_t	 x, prev = EVT_MEMO_NONE;

	for (y = c; y < r->fill && r->memo[y].stamp != r->memo_gen;) {
		(*steps)++;
		x = (uint32_t)y;
		r->memo[x].jump = prev;
		prev = x;
		if (evt_memo_item(r, x, &y, &k) != 0)
			break;
	}
	while ((x = prev) != EVT_MEMO_NONE) {
		(*steps)++;
		prev = r->memo[x].jump;
		evt_memo_set(r, x, steps);
	}
}

/*
 * evt_msgpack_skim(buf + c, fill - c, EVT_MAX_SIZE) from the memo; 2 if
 * there is no memory for one (hostile bytes lead here: not fatal).
 */
static int
evt_memo_skim(struct evt_reader *r, size_t c, size_t *objlen)
{
	const struct evt_memo_ent *e;
	uint64_t	 steps = 0, end, pend;
	size_t		 hl, lb, fixed;
	int		 kind;

	if (r->memo_cap < r->fill) {	/* void anyway: fill has grown */
		free(r->memo);
		r->memo_cap = (r->fill + EVT_MEMO_STEP - 1) / EVT_MEMO_STEP *
		    EVT_MEMO_STEP;
		if (evt_rd_nomemo || (r->memo = calloc(r->memo_cap,
		    sizeof(*r->memo))) == NULL) {
			r->memo_cap = 0;
			return 2;	/* no memo: the caller walks */
		}
	}
	if (r->memo[c].stamp != r->memo_gen)
		evt_memo_fill(r, c, &steps);
	evt_skim_steps += steps;
	e = &r->memo[c];
	end = e->end;
	if ((pend = EVT_MEMO_PEND(e)) == 0) {
		if (end - c > EVT_MAX_SIZE)
			return -1;
		if (end > r->fill)
			return 0;
		*objlen = end - c;
		return 1;
	}
	if (end + pend > c + EVT_MAX_SIZE)
		return -1;
	switch (EVT_MEMO_KIND(e)) {
	case EVT_MEMO_DATA:
		return 0;
	case EVT_MEMO_C1:
		return -1;
	default:
		(void)evt_skim_head(r->buf[end], &hl, &lb, &fixed, &kind);
		return end + hl - c > EVT_MAX_SIZE ? -1 : 0;
	}
}

/* Whether the memo's answer at pos is not the plain walk's (tests). */
static int
evt_memo_wrong(const struct evt_reader *r, int rv, const size_t *objlen)
{
	uint64_t	steps;
	size_t		len = 0;

	return evt_skim_walk(r->buf + r->pos, r->fill - r->pos, EVT_MAX_SIZE,
	    &len, UINT64_MAX, &steps) != rv || (rv == 1 && len != *objlen);
}

/*
 * evt_msgpack_skim of the object at pos: walked, until the buffer's
 * walks have looked at as many items as it can hold bytes; then from
 * the memo.
 */
static int
evt_reader_skim(struct evt_reader *r, size_t *objlen)
{
	uint64_t	steps;
	int		rv;

	if (r->pos >= r->fill)
		return 0;
	if (!r->memo_on) {
		rv = evt_skim_walk(r->buf + r->pos, r->fill - r->pos,
		    EVT_MAX_SIZE, objlen, r->plain_left, &steps);
		evt_skim_steps += steps;
		r->plain_left -= steps;
		if (rv != 2)
			return rv;
		r->memo_on = 1;
	}
	if ((rv = evt_memo_skim(r, r->pos, objlen)) == 2) {
		/* Walked, slowly but right, until the buffer changes. */
		r->memo_on = 0;
		r->plain_left = UINT64_MAX;
		rv = evt_skim_walk(r->buf + r->pos, r->fill - r->pos,
		    EVT_MAX_SIZE, objlen, UINT64_MAX, &steps);
		evt_skim_steps += steps;
		return rv;
	}
	if (evt_rd_check && evt_memo_wrong(r, rv, objlen)) {
#ifdef EVT_MEMO_CHECK
		abort();
#endif
		evt_rd_wrong++;
	}
	return rv;
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
		rv = evt_reader_skim(r, &olen);
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
	evt_reader_changed(r);
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

