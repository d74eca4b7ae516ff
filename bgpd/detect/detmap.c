/*
 * A map of nonzero 64-bit keys to 32-bit values (open addressing, linear
 * probing, at most three quarters full: the keys of a probe share a cache
 * line or two, and a table of 300,000 chunks stays at 6 MB, not 12): the
 * detector's chunks by cell and region, one probe where a trie descent
 * per route would cost more.
 *
 * It doubles incrementally (as detpfx.c's index): a doubling in one pass
 * was 12-14 ms of the loop at 10 full tables.  The old table stays until
 * its slots have moved, MAP_MOVE per call in order; a key is looked for
 * in the new table, then in the old, and one found there is copied to
 * the new one at once (its value is written through the pointer
 * returned), so a move skips a key the new table has.
 */
#include <stdlib.h>
#include <string.h>

#include "detect_priv.h"
#include "log.h"

#define MAP_MOVE	8	/* old slots moved per call */

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

/* Moves up to k slots of the old table (none the new one has). */
static void
map_move(struct det_map *m, size_t k)
{
	size_t i, j;

	for (; k > 0 && m->omoved < m->ocap; k--) {
		i = m->omoved++;
		if (m->okey[i] == 0)
			continue;
		j = map_slot(m->key, m->cap, m->okey[i]);
		if (m->key[j] != 0)
			continue;		/* copied when looked up */
		m->key[j] = m->okey[i];
		m->val[j] = m->oval[i];
	}
	if (m->okey != NULL && m->omoved == m->ocap) {
		free(m->okey);
		free(m->oval);
		m->okey = NULL;
		m->oval = NULL;
		m->ocap = m->omoved = 0;
	}
}

/* Doubles the table; its slots move over the next calls. */
static void
map_grow(struct det_map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 1024;
	uint64_t *keys;
	uint32_t *vals;

	map_move(m, SIZE_MAX);		/* the doubling before: over */
	if ((keys = calloc(cap, sizeof(*keys))) == NULL ||
	    (vals = malloc(cap * sizeof(*vals))) == NULL)
		fatal("detect");
	m->okey = m->key;
	m->oval = m->val;
	m->ocap = m->key != NULL ? m->cap : 0;
	m->omoved = 0;
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
	size_t i, o;

	if ((m->n + 1) * 4 > m->cap * 3)
		map_grow(m);
	if (m->okey != NULL)
		map_move(m, MAP_MOVE);
	i = map_slot(m->key, m->cap, k);
	*made = 0;
	if (m->key[i] != 0)
		return &m->val[i];
	m->key[i] = k;
	m->val[i] = UINT32_MAX;
	if (m->okey != NULL &&
	    m->okey[o = map_slot(m->okey, m->ocap, k)] != 0)
		m->val[i] = m->oval[o];		/* not moved yet */
	else {
		*made = 1;
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
	/*
	 * Every page of a hash table is written sooner or later: in one
	 * call, not a fault each (some 10 us apiece on this VM).
	 */
	det_populate(m->key, m->cap * sizeof(*m->key));
	det_populate(m->val, m->cap * sizeof(*m->val));
	map_move(m, SIZE_MAX);
}

void
det_map_clear(struct det_map *m)
{
	free(m->key);
	free(m->val);
	free(m->okey);
	free(m->oval);
	memset(m, 0, sizeof(*m));
}
