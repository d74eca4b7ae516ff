/*
 * A structure-aware libFuzzer mutator for BGP: raw byte flips almost
 * always break a length field, and the decoder then stops at the first
 * check.  These helpers mutate one message of a stream (or one UPDATE
 * body) with libFuzzer's own mutator and then make the lengths agree
 * again: the header's length and marker, an UPDATE's withdrawn and path
 * attribute lengths, every attribute's length.  One mutation in eight is
 * left raw so that the framing checks stay exercised.
 * Header-only (static functions): included by the targets that use it.
 */
#ifndef BGPWATCH_FUZZ_BGP_MUTATE_H
#define BGPWATCH_FUZZ_BGP_MUTATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

size_t	LLVMFuzzerMutate(uint8_t *, size_t, size_t);

#define BM_HDR		19
#define BM_MAX_MSGS	64

static inline uint32_t
bm_rand(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

static inline uint16_t
bm_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void
bm_put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * Makes the fields of an UPDATE body of len bytes consistent: the
 * withdrawn length is cut to fit, the path attribute length covers what
 * the attributes' own lengths say (clamped), each attribute's length is
 * clamped to the block.  NLRI are left to the mutator.
 */
static inline void
bm_fix_update(uint8_t *b, size_t len)
{
	size_t	wlen, alen, off, end, hl, al;

	if (len < 4)
		return;
	wlen = bm_get16(b);
	if (wlen > len - 4) {
		wlen = len - 4;
		bm_put16(b, wlen);
	}
	off = 2 + wlen;
	alen = bm_get16(b + off);
	if (alen > len - off - 2) {
		alen = len - off - 2;
		bm_put16(b + off, alen);
	}
	off += 2;
	end = off + alen;
	while (off + 3 <= end) {
		hl = (b[off] & 0x10) ? 4 : 3;
		if (off + hl > end)
			break;
		al = hl == 4 ? bm_get16(b + off + 2) : b[off + 2];
		if (off + hl + al > end) {
			al = end - off - hl;
			if (hl == 4)
				bm_put16(b + off + 2, al);
			else
				b[off + 2] = (uint8_t)al;
		}
		off += hl + al;
	}
}

/* Message boundaries of a stream by its length fields (lenient). */
static inline size_t
bm_split(const uint8_t *p, size_t n, size_t *start, size_t *len)
{
	size_t	off = 0, k = 0, l;

	while (off < n && k < BM_MAX_MSGS) {
		l = n - off;
		if (l >= BM_HDR) {
			size_t h = bm_get16(p + off + 16);
			if (h >= BM_HDR && h <= l)
				l = h;
		}
		start[k] = off;
		len[k++] = l;
		off += l;
	}
	return k;
}

/*
 * Mutates the stream of BGP messages at p (size bytes of max): one
 * message gets its body mutated, or is duplicated, dropped or given
 * another type; then its header is made consistent.  Returns the new
 * size.
 */
static inline size_t
bm_mutate_stream(uint8_t *p, size_t size, size_t max, unsigned int seed)
{
	size_t	 start[BM_MAX_MSGS], len[BM_MAX_MSGS], k, i, body, nb, room;
	uint32_t s = seed;
	uint8_t	*m, *tmp;
	int	 op;

	if (size < BM_HDR || bm_rand(&s) % 8 == 0)
		return LLVMFuzzerMutate(p, size, max);
	k = bm_split(p, size, start, len);
	i = bm_rand(&s) % k;
	m = p + start[i];
	op = (int)(bm_rand(&s) % 16);
	if (op == 0 && size + len[i] <= max) {		/* duplicate */
		memmove(m + len[i], m, size - start[i]);
		return size + len[i];
	}
	if (op == 1 && k > 1) {				/* drop */
		memmove(m, m + len[i], size - start[i] - len[i]);
		return size - len[i];
	}
	if (len[i] < BM_HDR)
		return LLVMFuzzerMutate(p, size, max);
	if (op == 2)
		m[18] = (uint8_t)(1 + bm_rand(&s) % 5);
	/* Mutate the body in a copy, then splice it back in. */
	body = len[i] - BM_HDR;
	room = max - (size - body);
	if (room > 65535 - BM_HDR)
		room = 65535 - BM_HDR;
	if ((tmp = malloc(room + 1)) == NULL)
		return size;
	memcpy(tmp, m + BM_HDR, body);
	nb = op == 2 ? body : LLVMFuzzerMutate(tmp, body, room);
	if (m[18] == 2)
		bm_fix_update(tmp, nb);
	memmove(m + BM_HDR + nb, m + len[i], size - start[i] - len[i]);
	memcpy(m + BM_HDR, tmp, nb);
	free(tmp);
	memset(m, 0xff, 16);
	bm_put16(m + 16, BM_HDR + nb);
	return size - body + nb;
}

/* Mutates an UPDATE body of size bytes (of max) and fixes its lengths. */
static inline size_t
bm_mutate_update(uint8_t *p, size_t size, size_t max, unsigned int seed)
{
	uint32_t s = seed;

	size = LLVMFuzzerMutate(p, size, max);
	if (bm_rand(&s) % 8 != 0)
		bm_fix_update(p, size);
	return size;
}

#endif /* BGPWATCH_FUZZ_BGP_MUTATE_H */
