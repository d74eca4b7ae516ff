/*
 * Bounded reader and writer over byte ranges: the only place where packet
 * bytes are touched by pointer arithmetic.  Every getter checks the bounds
 * and returns -1 on overrun without moving; sub-views cover length-prefixed
 * fields.  The writer never grows: it fails (and stays failed) when full,
 * so an encoder can write blindly and check once at the end.
 */
#ifndef BGPWATCH_BUF_H
#define BGPWATCH_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct buf {
	const uint8_t	*p;
	size_t		 len;
	size_t		 off;
};

static inline void
buf_init(struct buf *b, const void *p, size_t len)
{
	b->p = p;
	b->len = len;
	b->off = 0;
}

static inline size_t
buf_left(const struct buf *b)
{
	return b->len - b->off;
}

/* Pointer to the unread bytes (valid for buf_left() bytes). */
static inline const uint8_t *
buf_cur(const struct buf *b)
{
	return b->p + b->off;
}

static inline int
buf_get_u8(struct buf *b, uint8_t *v)
{
	if (buf_left(b) < 1)
		return -1;
	*v = b->p[b->off++];
	return 0;
}

static inline int
buf_get_u16(struct buf *b, uint16_t *v)
{
	if (buf_left(b) < 2)
		return -1;
	*v = (uint16_t)(b->p[b->off] << 8 | b->p[b->off + 1]);
	b->off += 2;
	return 0;
}

static inline int
buf_get_u32(struct buf *b, uint32_t *v)
{
	const uint8_t *q;

	if (buf_left(b) < 4)
		return -1;
	q = b->p + b->off;
	*v = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 |
	    (uint32_t)q[2] << 8 | q[3];
	b->off += 4;
	return 0;
}

static inline int
buf_get_bytes(struct buf *b, void *dst, size_t n)
{
	if (buf_left(b) < n)
		return -1;
	memcpy(dst, b->p + b->off, n);
	b->off += n;
	return 0;
}

static inline int
buf_skip(struct buf *b, size_t n)
{
	if (buf_left(b) < n)
		return -1;
	b->off += n;
	return 0;
}

/* Carves the next n bytes off as their own reader. */
static inline int
buf_get_sub(struct buf *b, size_t n, struct buf *sub)
{
	if (buf_left(b) < n)
		return -1;
	buf_init(sub, b->p + b->off, n);
	b->off += n;
	return 0;
}

/* Big-endian loads from a pointer already bounds-checked by a struct buf. */
static inline uint16_t
get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static inline void
put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

struct wbuf {
	uint8_t		*p;
	size_t		 cap;
	size_t		 len;
	int		 err;		/* set once a write did not fit */
};

static inline void
wbuf_init(struct wbuf *w, void *p, size_t cap)
{
	w->p = p;
	w->cap = cap;
	w->len = 0;
	w->err = 0;
}

static inline int
wbuf_room(struct wbuf *w, size_t n)
{
	if (w->err || w->cap - w->len < n) {
		w->err = 1;
		return 0;
	}
	return 1;
}

static inline void
wbuf_put_u8(struct wbuf *w, uint8_t v)
{
	if (wbuf_room(w, 1))
		w->p[w->len++] = v;
}

static inline void
wbuf_put_u16(struct wbuf *w, uint16_t v)
{
	uint8_t *q;

	if (wbuf_room(w, 2)) {
		/* through q: stores to w->p[] could alias w->len */
		q = w->p + w->len;
		q[0] = (uint8_t)(v >> 8);
		q[1] = (uint8_t)v;
		w->len += 2;
	}
}

static inline void
wbuf_put_u32(struct wbuf *w, uint32_t v)
{
	uint8_t *q;

	if (wbuf_room(w, 4)) {
		q = w->p + w->len;
		q[0] = (uint8_t)(v >> 24);
		q[1] = (uint8_t)(v >> 16);
		q[2] = (uint8_t)(v >> 8);
		q[3] = (uint8_t)v;
		w->len += 4;
	}
}

static inline void
wbuf_put_bytes(struct wbuf *w, const void *src, size_t n)
{
	if (n > 0 && wbuf_room(w, n)) {
		memcpy(w->p + w->len, src, n);
		w->len += n;
	}
}

/*
 * Reserves n bytes (a length field to fill in later) and returns their
 * offset; on overflow the writer is failed and the offset is meaningless.
 */
static inline size_t
wbuf_reserve(struct wbuf *w, size_t n)
{
	size_t off = w->len;

	if (wbuf_room(w, n)) {
		memset(w->p + off, 0, n);
		w->len += n;
	}
	return off;
}

static inline void
wbuf_set_u8(struct wbuf *w, size_t off, uint8_t v)
{
	if (!w->err && off + 1 <= w->len)
		w->p[off] = v;
}

static inline void
wbuf_set_u16(struct wbuf *w, size_t off, uint16_t v)
{
	if (!w->err && off + 2 <= w->len) {
		w->p[off] = (uint8_t)(v >> 8);
		w->p[off + 1] = (uint8_t)v;
	}
}

#endif /* BGPWATCH_BUF_H */
