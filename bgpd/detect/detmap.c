/*
 * A map of nonzero 64-bit keys to 32-bit values (open addressing, linear
 * probing, at most three quarters full: the keys of a probe share a cache
 * line or two, and a table of 300,000 chunks stays at 6 MB, not 12): the
 * detector's chunks by cell and region, one probe where a trie descent
 * per route would cost more.
 */
#include <stdlib.h>
#include <string.h>

#include "detect_priv.h"
#include "log.h"

/*
 * The top bits of the product (Fibonacci hashing).  The middle bits kept
 * a region's neighbouring cells near each other but ran keys together:
 * a new chunk's probe walked some 40 slots (340 instructions).  Now the
 * map is only asked for chunks their region's memo does not hold (a new
 * chunk, nearly always), such a probe misses the cache either way, and
 * det_map_prefetch issues it early.
 */
static size_t
map_first(size_t cap, uint64_t k)
{
	return (size_t)((k * 0x9e3779b97f4a7c15ULL) >>
	    (64 - __builtin_ctzll(cap)));
}

static size_t
map_slot(const uint64_t *keys, size_t cap, uint64_t k)
{
	size_t i = map_first(cap, k);

	while (keys[i] != 0 && keys[i] != k)
		i = (i + 1) & (cap - 1);
	return i;
}

static void
map_grow(struct det_map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 1024, i, j;
	uint64_t *keys;
	uint32_t *vals;

	if ((keys = calloc(cap, sizeof(*keys))) == NULL ||
	    (vals = malloc(cap * sizeof(*vals))) == NULL)
		fatal("detect");
	/*
	 * Every page of a hash table is written sooner or later: in one
	 * call, not a fault each (some 10 us apiece on this VM).
	 */
	det_populate(keys, cap * sizeof(*keys));
	det_populate(vals, cap * sizeof(*vals));
	for (i = 0; i < m->cap; i++) {
		if (m->key[i] == 0)
			continue;
		j = map_slot(keys, cap, m->key[i]);
		keys[j] = m->key[i];
		vals[j] = m->val[i];
	}
	free(m->key);
	free(m->val);
	m->key = keys;
	m->val = vals;
	m->cap = cap;
}

/*
 * The value of k, made (set to UINT32_MAX, *made 1) if absent: one probe
 * where a get and then a put took two (a new chunk per routed prefix
 * with every country and 1,000 origin-AS regions watched).
 */
uint32_t *
det_map_slot(struct det_map *m, uint64_t k, int *made)
{
	size_t i;

	if ((m->n + 1) * 4 > m->cap * 3)
		map_grow(m);
	i = map_slot(m->key, m->cap, k);
	*made = m->key[i] == 0;
	if (*made) {
		m->key[i] = k;
		m->val[i] = UINT32_MAX;
		m->n++;
	}
	return &m->val[i];
}

/*
 * Brings k's first slot in: a new chunk's probe is a cache miss, issued
 * early it overlaps the rest of the route's work (det_route).
 */
void
det_map_prefetch(const struct det_map *m, uint64_t k)
{
	if (m->cap > 0)
	{
		__builtin_prefetch(&m->key[map_first(m->cap, k)], 1, 3);
		__builtin_prefetch(&m->val[map_first(m->cap, k)], 1, 3);
	}
}

void
det_map_reserve(struct det_map *m, size_t n)
{
	if ((n + 1) * 4 <= m->cap * 3)
		return;
	while ((n + 1) * 4 > m->cap * 3)
		map_grow(m);
}

void
det_map_clear(struct det_map *m)
{
	free(m->key);
	free(m->val);
	memset(m, 0, sizeof(*m));
}
