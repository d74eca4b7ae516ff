/*
 * The prefixes that are members of a region, each once: a table of
 * entries (stable ids) under a hash index, and for each entry the list of
 * its regions' memberships (count of visible peers, how it got in, what
 * it was learned by).  A route's prefix is one probe here, whatever the
 * number of its regions, where a table per region cost one probe per
 * region and grew (and rehashed) 1,238 times over with every country
 * watched.  Entries and memberships are never removed before the index
 * is cleared (a member stays a member until reload).
 */
#include <stdlib.h>
#include <string.h>

#include "detect_priv.h"
#include "log.h"

/* Of the whole struct: prefixes are canonical (prefix_set masks). */
static uint32_t
ptab_hash(const struct bw_prefix *p)
{
	uint64_t a, b;

	memcpy(&a, p->b, 8);
	memcpy(&b, p->b + 8, 8);
	a ^= (b + ((uint64_t)p->len << 8 | p->aid)) * 0xff51afd7ed558ccdULL;
	a *= 0x9e3779b97f4a7c15ULL;
	return (uint32_t)(a >> 32);
}

/*
 * A hash's first slot: its top bits, so that doubling the index moves
 * every entry to about twice its slot and ptab_grow writes the new index
 * in order (with the low bits, a table's worth of random writes).
 */
static size_t
ptab_first(uint32_t h, size_t cap)
{
	int b = __builtin_ctzll(cap);

	return b <= 32 ? (size_t)h >> (32 - b) : h;
}

/* The slot of p in the index: its entry's, or the empty one to use. */
static size_t
ptab_slot(const struct det_ptab *t, const struct bw_prefix *p, uint32_t h)
{
	size_t i = ptab_first(h, t->cap);
	uint64_t v;

	while ((v = t->idx[i]) != 0) {
		if ((uint32_t)(v >> 32) == h && memcmp(&t->ent[(uint32_t)v -
		    1].p, p, sizeof(*p)) == 0)
			break;
		i = (i + 1) & (t->cap - 1);
	}
	return i;
}

/*
 * Brings p's first index slot in, and the lines the next entry and
 * membership will be written to: a new prefix's probe and its new
 * entries are cache misses that det_route issues before the work they
 * would stall.
 */
void
det_ptab_prefetch(const struct det_ptab *t, const struct bw_prefix *p)
{
	if (t->cap > 0)
		__builtin_prefetch(&t->idx[ptab_first(ptab_hash(p), t->cap)],
		    0, 3);
	if (t->n + 1 < t->entcap)
		__builtin_prefetch(&t->ent[t->n + 1], 1, 3);
	if (t->nmem + 2 < t->memcap) {
		__builtin_prefetch(&t->mem[t->nmem + 1], 1, 3);
		__builtin_prefetch(&t->mem[t->nmem + 2], 1, 3);
	}
}

uint32_t
det_ptab_find(const struct det_ptab *t, const struct bw_prefix *p)
{
	uint64_t v;

	if (t->cap == 0)
		return UINT32_MAX;
	v = t->idx[ptab_slot(t, p, ptab_hash(p))];
	return v != 0 ? (uint32_t)v - 1 : UINT32_MAX;
}

/* Doubles the index; the stored hashes place every entry again. */
static void
ptab_grow(struct det_ptab *t)
{
	size_t cap = t->cap ? t->cap * 2 : 1024, i, j;
	uint64_t *idx;

	if ((idx = calloc(cap, sizeof(*idx))) == NULL)
		fatal("detect");
	/* Every page is written sooner or later: in one call (detmap.c). */
	det_populate(idx, cap * sizeof(*idx));
	for (i = 0; i < t->cap; i++) {
		if (t->idx[i] == 0)
			continue;
		for (j = ptab_first((uint32_t)(t->idx[i] >> 32), cap);
		    idx[j] != 0;
		    j = (j + 1) & (cap - 1))
			;
		idx[j] = t->idx[i];
	}
	free(t->idx);
	t->idx = idx;
	t->cap = cap;
}

uint32_t
det_ptab_add(struct det_ptab *t, const struct bw_prefix *p)
{
	uint32_t h = ptab_hash(p);
	size_t i;

	if ((t->n + 1) * 4 > t->cap * 3)		/* 3/4 full at most */
		ptab_grow(t);
	i = ptab_slot(t, p, h);
	if (t->idx[i] != 0)
		return (uint32_t)t->idx[i] - 1;
	if (t->n >= UINT32_MAX - 1)
		fatalx("detect: too many member prefixes");
	t->ent = det_grow(t->ent, &t->entcap, t->n + 1, sizeof(*t->ent));
	t->ent[t->n].p = *p;
	t->ent[t->n].first = UINT32_MAX;
	t->idx[i] = (uint64_t)h << 32 | (uint32_t)(t->n + 1);
	return (uint32_t)t->n++;
}

struct det_mem *
det_ptab_member(struct det_ptab *t, uint32_t e, uint16_t region, int create,
    uint32_t *made)
{
	uint32_t i, last = UINT32_MAX;
	struct det_mem *m;

	*made = UINT32_MAX;
	for (i = t->ent[e].first; i != UINT32_MAX; i = t->mem[i].next) {
		if (t->mem[i].region == region)
			return &t->mem[i];
		last = i;
	}
	if (!create)
		return NULL;
	if (t->nmem >= UINT32_MAX - 1)
		fatalx("detect: too many memberships");
	t->mem = det_grow(t->mem, &t->memcap, t->nmem + 1, sizeof(*t->mem));
	m = &t->mem[t->nmem];
	memset(m, 0, sizeof(*m));
	m->pent = e;
	m->next = UINT32_MAX;
	m->region = region;
	m->file = DET_NOFILE;
	/* At the tail: a prefix's regions stay in the order they came. */
	if (last == UINT32_MAX)
		t->ent[e].first = (uint32_t)t->nmem;
	else
		t->mem[last].next = (uint32_t)t->nmem;
	*made = (uint32_t)t->nmem++;
	return m;
}

void
det_ptab_reserve(struct det_ptab *t, size_t n, size_t nmem)
{
	if ((n + 1) * 4 > t->cap * 3) {
		while ((n + 1) * 4 > t->cap * 3)
			ptab_grow(t);
	}
	t->ent = det_grow(t->ent, &t->entcap, n, sizeof(*t->ent));
	t->mem = det_grow(t->mem, &t->memcap, nmem, sizeof(*t->mem));
}

void
det_ptab_clear(struct det_ptab *t)
{
	free(t->idx);
	free(t->ent);
	free(t->mem);
	memset(t, 0, sizeof(*t));
}
