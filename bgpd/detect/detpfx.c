/*
 * The prefixes that are members of a region, each once: a table of
 * entries (stable ids) under a hash index, and for each entry the list of
 * its regions' memberships (count of visible peers, how it got in, what
 * it was learned by).  A route's prefix is one probe here, whatever the
 * number of its regions, where a table per region cost one probe per
 * region and grew (and rehashed) 1,238 times over with every country
 * watched.  Entries and memberships are never removed before the index
 * is cleared (a member stays a member until reload).
 *
 * The index doubles incrementally, as the RIB trie's does: a doubling in
 * one pass rewrote every slot in one insert (17-29 ms of the loop at
 * 2 M slots, half of it page faults of the new index).  Now the old
 * index stays, read-only, and each add moves PTAB_MOVE of its slots to
 * the new one in order; a lookup looks in the new index, then in the
 * old.  An entry is in the new index once at most: an add finds it in
 * either before making it.
 */
#include <stdlib.h>
#include <string.h>

#include "detect_priv.h"
#include "log.h"
#include "slab.h"

/*
 * Old slots moved per add: the move is over after ocap / PTAB_MOVE
 * adds, long before the next doubling (3/4 x ocap adds later).
 */
#define PTAB_MOVE	8

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

/* The slot of p in idx: its entry's, or the empty one to use. */
static size_t
ptab_slot(const struct det_ptab *t, const uint64_t *idx, size_t cap,
    const struct bw_prefix *p, uint32_t h)
{
	size_t i = ptab_first(h, cap);
	uint64_t v;

	while ((v = idx[i]) != 0) {
		if ((uint32_t)(v >> 32) == h && memcmp(&t->ent[(uint32_t)v -
		    1].p, p, sizeof(*p)) == 0)
			break;
		i = (i + 1) & (cap - 1);
	}
	return i;
}

/* p's slot value in the old index still moving, or 0. */
static uint64_t
ptab_old(const struct det_ptab *t, const struct bw_prefix *p, uint32_t h)
{
	if (t->oidx == NULL)
		return 0;
	return t->oidx[ptab_slot(t, t->oidx, t->ocap, p, h)];
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
	uint32_t h;
	uint64_t v;

	if (t->cap == 0)
		return UINT32_MAX;
	h = ptab_hash(p);
	if ((v = t->idx[ptab_slot(t, t->idx, t->cap, p, h)]) == 0)
		v = ptab_old(t, p, h);
	return v != 0 ? (uint32_t)v - 1 : UINT32_MAX;
}

/*
 * Moves up to k slots of the old index to the new one (their stored
 * hashes place them; none is there yet), in order: with the top bits
 * as first slot the new index is written about in order too, its pages
 * faulted in a few at a time.
 */
static void
ptab_move(struct det_ptab *t, size_t k)
{
	size_t j;
	uint64_t v;

	for (; k > 0 && t->omoved < t->ocap; k--) {
		if ((v = t->oidx[t->omoved++]) == 0)
			continue;
		for (j = ptab_first((uint32_t)(v >> 32), t->cap);
		    t->idx[j] != 0; j = (j + 1) & (t->cap - 1))
			;
		t->idx[j] = v;
	}
	if (t->oidx != NULL && t->omoved == t->ocap) {
		free(t->oidx);
		t->oidx = NULL;
		t->ocap = t->omoved = 0;
	}
}

/* Doubles the index; its slots move over the next adds. */
static void
ptab_grow(struct det_ptab *t)
{
	size_t cap = t->cap ? t->cap * 2 : 1024;
	uint64_t *idx;

	ptab_move(t, SIZE_MAX);		/* the doubling before: over */
	if ((idx = calloc(cap, sizeof(*idx))) == NULL)
		fatal("detect");
	t->oidx = t->idx;
	t->ocap = t->cap;
	t->omoved = 0;
	t->idx = idx;
	t->cap = cap;
	if (t->oidx == NULL)
		t->ocap = 0;
}

uint32_t
det_ptab_add(struct det_ptab *t, const struct bw_prefix *p)
{
	uint32_t h = ptab_hash(p);
	uint64_t v;
	size_t i;

	if ((t->n + 1) * 4 > t->cap * 3)		/* 3/4 full at most */
		ptab_grow(t);
	if (t->oidx != NULL)
		ptab_move(t, PTAB_MOVE);
	i = ptab_slot(t, t->idx, t->cap, p, h);
	if (t->idx[i] != 0)
		return (uint32_t)t->idx[i] - 1;
	if ((v = ptab_old(t, p, h)) != 0)
		return (uint32_t)v - 1;
	if (t->n >= DET_MAX_PENT)
		fatalx("detect: too many member prefixes");
	t->ent = det_grow_big(t->ent, &t->entcap, t->n + 1, sizeof(*t->ent));
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
	t->mem = det_grow_big(t->mem, &t->memcap, t->nmem + 1,
	    sizeof(*t->mem));
	m = &t->mem[t->nmem];
	memset(m, 0, sizeof(*m));
	m->pent = e;
	m->next = UINT32_MAX;
	m->region = region;
	m->arow = DET_AROW_NONE;
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
		ptab_move(t, SIZE_MAX);
		/* Every page is written sooner or later: in one call. */
		det_populate(t->idx, t->cap * sizeof(*t->idx));
	}
	t->ent = det_grow_big(t->ent, &t->entcap, n, sizeof(*t->ent));
	t->mem = det_grow_big(t->mem, &t->memcap, nmem, sizeof(*t->mem));
}

void
det_ptab_clear(struct det_ptab *t)
{
	free(t->idx);
	free(t->oidx);
	det_big_free(t->ent, t->entcap, sizeof(*t->ent));
	det_big_free(t->mem, t->memcap, sizeof(*t->mem));
	memset(t, 0, sizeof(*t));
}
