/*
 * A map of nonzero 64-bit keys to 32-bit values (open addressing, linear
 * probing, at most three quarters full: the keys of a probe share a cache
 * line or two, and a table of 300,000 chunks stays at 6 MB, not 12): the detector's one-probe indexes, where a
 * trie descent per route would cost more (chunks by cell and region,
 * IPv4 prefixes learned by origin AS).
 */
#include <stdlib.h>
#include <string.h>

#include "detect_priv.h"
#include "log.h"

static size_t
map_slot(const uint64_t *keys, size_t cap, uint64_t k)
{
	size_t i = (size_t)((k * 0x9e3779b97f4a7c15ULL) >> 29) & (cap - 1);

	while (keys[i] != 0 && keys[i] != k)
		i = (i + 1) & (cap - 1);
	return i;
}

uint32_t *
det_map_get(const struct det_map *m, uint64_t k)
{
	size_t i;

	if (m->cap == 0)
		return NULL;
	i = map_slot(m->key, m->cap, k);
	return m->key[i] == k ? &m->val[i] : NULL;
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

void
det_map_put(struct det_map *m, uint64_t k, uint32_t v)
{
	size_t i;

	if ((m->n + 1) * 4 > m->cap * 3)
		map_grow(m);
	i = map_slot(m->key, m->cap, k);
	if (m->key[i] == 0) {
		m->key[i] = k;
		m->n++;
	}
	m->val[i] = v;
}

void
det_map_clear(struct det_map *m)
{
	free(m->key);
	free(m->val);
	memset(m, 0, sizeof(*m));
}
