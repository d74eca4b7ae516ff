/*
 * Region space and its visibility.  Two prefix indexes (the RIB's
 * path-compressed trie, its route slots carrying our ids: path_id = row,
 * peer = region) answer the hot-path questions in O(prefix length):
 * which regions a prefix belongs to (the block index: `prefix` lines,
 * country blocks, prefixes learned by origin AS) and which chunks of
 * region space a route change touches (the chunk index).
 *
 * A chunk is one region's share of a /16 (IPv4) or /40 (IPv6) cell:
 * bitmaps over its 256 units (/24 or /48) of region space, of `prefix`
 * line space (always counted), of the baseline (derived units seen
 * visible for hold-down; it only grows), of what is visible now.  A
 * route change marks the chunks under it dirty; detect_run recomputes
 * dirty chunks from the RIB (routes covering the cell, then routes
 * inside it) and adjusts the region's totals by the difference, so no
 * work is ever proportional to a region or a table.  `prefix` line
 * chunks exist from the start; derived ones only once a member route
 * falls in them, so a huge unrouted IPv6 allocation costs nothing.
 */
#define _GNU_SOURCE	/* mremap */
#include <sys/mman.h>

#include <stdlib.h>
#include <string.h>

#include "detect_priv.h"
#include "keysort.h"
#include "log.h"
#include "slab.h"

/* A chunk in one cache line (detect_priv.h). */
_Static_assert(sizeof(struct det_chunk) <= 64, "det_chunk over 64 bytes");
/* det_pool_at cuts pools from huge pages: whole pools, and at least one. */
_Static_assert(SLAB_HUGE % (DET_POOL * sizeof(struct det_chunk)) == 0 &&
    SLAB_HUGE % (DET_POOL * sizeof(struct det_bits)) == 0,
    "a detector pool does not divide a huge page");

const struct det_fam det_fam[AID_MAX] = {
	[AID_INET] = { 24, 16, 8 },
	[AID_INET6] = { 48, 40, 16 },
};

static void
det_noop(struct rib_route *r, size_t n, void *arg)
{
	(void)r;
	(void)n;
	(void)arg;
}

/* Adds a row (id, region) to p's node of an index. */
static void
idx_add(struct trie *t, const struct bw_prefix *p, uint32_t id,
    uint16_t region)
{
	struct trie_pos pos;
	struct trie_node *n;
	struct rib_route *r;
	size_t at = 0;

	if ((n = trie_seek(t, p, &pos)) != NULL)
		at = n->nroutes;
	if (at >= TRIE_MAX_ROUTES) {
		/* Only a stats file repeating one block gets here: input. */
		log_warnx("detect: more than %zu entries for one prefix, "
		    "dropping the rest (repeated RIR stats lines?)", at);
		return;
	}
	if ((n = trie_add(t, &pos, p, at)) == NULL)
		fatal("detect: index");
	r = &trie_routes(t, n)[at];
	memset(r, 0, sizeof(*r));
	r->path_id = id;
	r->peer = region;
}

static void	det_pool_free(struct det_chunk *);
static void	*det_pool_map(size_t);
static void	*det_pool_at(void *, size_t, size_t);
static void	 det_pool_unmap(void *, size_t);

void
region_index_clear(struct detect *d)
{
	size_t i;
	int aid;

	for (aid = AID_INET; aid < AID_MAX; aid++) {
		trie_clear(&d->bidx[aid], det_noop, NULL);
		trie_clear(&d->cidx[aid], det_noop, NULL);
		trie_init(&d->bidx[aid], (uint8_t)aid);
		trie_init(&d->cidx[aid], (uint8_t)aid);
	}
	for (i = 0; i < d->npools; i++)
		det_pool_free(d->pools[i]);
	free(d->pools);
	d->pools = NULL;
	d->npools = d->poolcap = 0;
	free(d->fixed);
	d->fixed = NULL;
	d->nfixed = d->fixedcap = 0;
	for (i = 0; i < d->nbpools; i++)
		det_pool_unmap(d->bpools[i], DET_POOL * sizeof(struct det_bits));
	free(d->bpools);
	d->bpools = NULL;
	d->nbits = d->nbpools = d->bpoolcap = 0;
	free(d->blocks);
	free(d->asns);
	free(d->asnhash);
	free(d->pendheap);
	det_map_clear(&d->cmap);
	det_map_clear(&d->fixmap);
	det_ptab_clear(&d->ptab);
	free(d->vb);
	free(d->vb16);
	d->vb = NULL;
	d->vb16 = NULL;
	d->nvb = 0;
	for (aid = AID_INET; aid < AID_MAX; aid++) {
		free(d->near[aid]);
		d->near[aid] = NULL;
	}
	free(d->cell4);
	d->cell4 = NULL;
	d->blocks = NULL;
	d->asns = NULL;
	d->asnhash = NULL;
	d->pendheap = NULL;
	d->nchunks = d->nblocks = d->blockcap = 0;
	d->nasns = d->asncap = d->asnhsize = d->npend = d->pendcap = 0;
	d->sweep_next = d->sweep_end = 0;
	d->dirty_head = UINT32_MAX;
}

static void
det_swap(void *a, void *b, size_t n)
{
	char t[sizeof(struct det_ptab)];
	char *x = a, *y = b;
	size_t k;

	for (; n > 0; n -= k, x += k, y += k) {
		k = n < sizeof(t) ? n : sizeof(t);
		memcpy(t, x, k);
		memcpy(x, y, k);
		memcpy(y, t, k);
	}
}

#define IDX_SWAP(a, b, f)	det_swap(&(a)->f, &(b)->f, sizeof((a)->f))

void
region_index_swap(struct detect *a, struct detect *b)
{
	int aid;

	for (aid = AID_INET; aid < AID_MAX; aid++) {
		trie_swap(&a->bidx[aid], &b->bidx[aid]);
		trie_swap(&a->cidx[aid], &b->cidx[aid]);
	}
	IDX_SWAP(a, b, regions);
	IDX_SWAP(a, b, nregions);
	IDX_SWAP(a, b, blocks);
	IDX_SWAP(a, b, nblocks);
	IDX_SWAP(a, b, blockcap);
	IDX_SWAP(a, b, asns);
	IDX_SWAP(a, b, nasns);
	IDX_SWAP(a, b, asncap);
	IDX_SWAP(a, b, asnhash);
	IDX_SWAP(a, b, asnhsize);
	IDX_SWAP(a, b, nchunks);
	IDX_SWAP(a, b, fixed);
	IDX_SWAP(a, b, nfixed);
	IDX_SWAP(a, b, fixedcap);
	IDX_SWAP(a, b, fixmap);
	IDX_SWAP(a, b, cmap);
	IDX_SWAP(a, b, cell4);
	IDX_SWAP(a, b, vb);
	IDX_SWAP(a, b, nvb);
	IDX_SWAP(a, b, vb16);
	IDX_SWAP(a, b, near);
	IDX_SWAP(a, b, ptab);
	IDX_SWAP(a, b, pools);
	IDX_SWAP(a, b, npools);
	IDX_SWAP(a, b, poolcap);
	IDX_SWAP(a, b, bpools);
	IDX_SWAP(a, b, nbits);
	IDX_SWAP(a, b, nbpools);
	IDX_SWAP(a, b, bpoolcap);
	IDX_SWAP(a, b, dirty_head);
	IDX_SWAP(a, b, sweep_next);
	IDX_SWAP(a, b, sweep_end);
	IDX_SWAP(a, b, pendheap);
	IDX_SWAP(a, b, npend);
	IDX_SWAP(a, b, pendcap);
}

/*
 * Populates the pages of [p, p + len) (whole pages only) in one call:
 * for tables reserved at once and then probed at random, where a fault
 * per first touch would fall into detect_run's slices.
 */
void
det_populate(void *p, size_t len)
{
#ifdef MADV_POPULATE_WRITE
	uintptr_t a = ((uintptr_t)p + 4095) & ~(uintptr_t)4095;
	uintptr_t e = ((uintptr_t)p + len) & ~(uintptr_t)4095;

	if (e > a)
		(void)madvise((void *)a, e - a, MADV_POPULATE_WRITE);
#else
	(void)p;
	(void)len;
#endif
}

/* Grows an array by doubling (from 16) to hold need items of size. */
void *
det_grow(void *p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 16;

	if (need <= *cap)
		return p;
	while (n < need)
		n *= 2;
	if ((p = reallocarray(p, n, size)) == NULL)
		fatal("detect");
	*cap = n;
	return p;
}

/*
 * det_grow for the member table's big arrays: past DET_HUGE_MIN bytes in
 * a mapping of whole transparent huge pages (slab_table_alloc), grown by
 * mremap onto a new aligned mapping (the huge pages move as they are).
 * With every country watched these arrays take some 11,000 page faults
 * of 4 KiB in a load (a fault costs 6-12 us on this VM); a detector with
 * a small region never gets there.  Free with det_big_free.
 */
void *
det_grow_big(void *p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 16, len, olen;
	void *q;

	if (need <= *cap)
		return p;
	while (n < need)
		n *= 2;
	if (n * size <= DET_HUGE_MIN)
		return det_grow(p, cap, need, size);
	len = (n * size + SLAB_HUGE - 1) & ~(size_t)(SLAB_HUGE - 1);
	if ((q = slab_table_alloc(len)) == NULL)
		fatal("detect");
	if (*cap * size > DET_HUGE_MIN) {
		olen = (*cap * size + SLAB_HUGE - 1) & ~(size_t)(SLAB_HUGE - 1);
		if (mremap(p, olen, len, MREMAP_MAYMOVE | MREMAP_FIXED, q) ==
		    MAP_FAILED) {
			memcpy(q, p, *cap * size);
			slab_table_free(p, olen);
		}
	} else if (p != NULL) {
		memcpy(q, p, *cap * size);
		free(p);
	}
	*cap = len / size;
	return q;
}

void
det_big_free(void *p, size_t cap, size_t size)
{
	if (cap * size > DET_HUGE_MIN)
		slab_table_free(p, (cap * size + SLAB_HUGE - 1) &
		    ~(size_t)(SLAB_HUGE - 1));
	else
		free(p);
}

static uint32_t	asn_hash(uint32_t, size_t);

static void
block_add(struct detect *d, const struct det_block *b)
{
	if (d->nblocks >= UINT32_MAX)
		fatalx("detect: too many blocks");
	d->blocks = det_grow(d->blocks, &d->blockcap, d->nblocks + 1,
	    sizeof(*d->blocks));
	d->blocks[d->nblocks] = *b;
	d->blocks[d->nblocks].next = UINT32_MAX;
	/*
	 * IPv4 country blocks are found in the sorted tables (vtab_match,
	 * chunk_fill_v4), never in the trie: with every country watched
	 * their trie took most of the time to build the index (a reload).
	 */
	if (b->via != VIA_COUNTRY || b->pfx.aid != AID_INET || d->reference)
		idx_add(&d->bidx[b->pfx.aid], &b->pfx, (uint32_t)d->nblocks,
		    b->region);
	region_near_mark(d, &b->pfx);
	d->nblocks++;
}

/* The value of p's first 16 bits (network order): also an IPv4 /16. */
static inline unsigned
near_slot(const struct bw_prefix *p)
{
	return (unsigned)p->b[0] << 8 | p->b[1];
}

void
region_near_mark(struct detect *d, const struct bw_prefix *p)
{
	uint64_t *bm;
	unsigned first, n, i;

	if (p->aid != AID_INET && p->aid != AID_INET6)
		return;
	if ((bm = d->near[p->aid]) == NULL) {
		if ((bm = calloc(65536 / 64, sizeof(*bm))) == NULL)
			fatal("detect");
		d->near[p->aid] = bm;
	}
	/* p's bits are masked past its length: first is where it starts. */
	first = near_slot(p);
	n = p->len >= 16 ? 1 : 1U << (16 - p->len);
	for (i = first; i < first + n; i++)
		bm[i / 64] |= (uint64_t)1 << (i % 64);
}

int
region_route_near(const struct detect *d, const struct bw_prefix *p,
    uint32_t origin)
{
	const uint64_t *bm;
	unsigned s;
	uint32_t i;

	if (p->aid != AID_INET && p->aid != AID_INET6)
		return 0;
	/* Shorter routes span many values: the full path decides. */
	if (p->len < 16)
		return 1;
	s = near_slot(p);
	if ((bm = d->near[p->aid]) != NULL &&
	    (bm[s / 64] & ((uint64_t)1 << (s % 64))) != 0)
		return 1;
	if (origin == 0 || d->asnhsize == 0)
		return 0;
	for (i = d->asnhash[asn_hash(origin, d->asnhsize)]; i != UINT32_MAX;
	    i = d->asns[i].next)
		if (d->asns[i].asn == origin)
			return 1;
	return 0;
}

static uint32_t
asn_hash(uint32_t asn, size_t size)
{
	return (uint32_t)((asn * 2654435761u) & (size - 1));
}

static void
asn_rehash(struct detect *d)
{
	size_t i, n = d->asnhsize ? d->asnhsize * 2 : 1024;
	uint32_t h;

	free(d->asnhash);
	if ((d->asnhash = malloc(n * sizeof(*d->asnhash))) == NULL)
		fatal("detect");
	memset(d->asnhash, 0xff, n * sizeof(*d->asnhash));
	d->asnhsize = n;
	for (i = 0; i < d->nasns; i++) {
		h = asn_hash(d->asns[i].asn, n);
		d->asns[i].next = d->asnhash[h];
		d->asnhash[h] = (uint32_t)i;
	}
}

static void
asn_add(struct detect *d, uint32_t asn, uint16_t region, uint16_t file,
    const char *cc)
{
	struct det_asn *a;
	uint32_t h;

	/* Memberships keep a row in 31 bits (det_mem.arow). */
	if (d->nasns >= DET_AROW_NONE)
		fatalx("detect: too many origin ASes");
	d->asns = det_grow(d->asns, &d->asncap, d->nasns + 1,
	    sizeof(*d->asns));
	a = &d->asns[d->nasns++];
	memset(a, 0, sizeof(*a));
	a->asn = asn;
	a->region = region;
	a->file = file;
	if (cc != NULL)
		memcpy(a->cc, cc, 3);
	if (d->nasns > d->asnhsize / 2) {
		asn_rehash(d);
		return;
	}
	h = asn_hash(asn, d->asnhsize);
	a->next = d->asnhash[h];
	d->asnhash[h] = (uint32_t)(d->nasns - 1);
}

/* Unit range of p inside cell c: 1 with first/n, 0 if disjoint. */
static int
units_of(const struct bw_prefix *c, const struct bw_prefix *p,
    unsigned *first, unsigned *n)
{
	const struct det_fam *f = &det_fam[c->aid];

	if (p->aid != c->aid)
		return 0;
	if (p->len <= c->len) {
		if (!prefix_contains(p, c))
			return 0;
		*first = 0;
		*n = DET_UNITS;
		return 1;
	}
	if (!prefix_contains(c, p))
		return 0;
	*first = p->b[f->chunk / 8];
	*n = p->len >= f->unit ? 1 : 1u << (f->unit - p->len);
	return 1;
}

/* Sets units [first, first + n) (clipped to the chunk), a word at a time. */
static void
bits_set(uint64_t *bm, unsigned first, unsigned n)
{
	unsigned end = first + n > DET_UNITS ? DET_UNITS : first + n, k;

	while (first < end) {
		k = end - first < 64 - first % 64 ? end - first :
		    64 - first % 64;
		bm[first / 64] |= (k == 64 ? ~(uint64_t)0 :
		    (((uint64_t)1 << k) - 1)) << (first % 64);
		first += k;
	}
}

/*
 * Bits set in x.  Not __builtin_popcountll: without -mpopcnt (which
 * CFLAGS do not assume) it is a call into libgcc's table loop, and
 * chunk_visible counts peers for every member unit of every chunk (6 %
 * of the recompute after 10 full tables became eligible).
 */
static inline unsigned
det_popcount(uint64_t x)
{
	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (unsigned)((x * 0x0101010101010101ULL) >> 56);
}

static unsigned
bits_count(const uint64_t *bm)
{
	unsigned i, n = 0;

	for (i = 0; i < DET_WORDS; i++)
		n += det_popcount(bm[i]);
	return n;
}

/* A chunk's bitmaps, whole, wherever they are kept. */
static void
cbits_get(const struct detect *d, const struct det_chunk *c,
    struct det_bits *b)
{
	unsigned k;

	if (c->q == DET_Q_FULL) {
		*b = *DET_BITS(d, c->u.big);
		return;
	}
	memset(b, 0, sizeof(*b));
	if (c->q == DET_Q_EMPTY)
		return;
	k = c->q - DET_Q_WORD;
	b->member[k] = c->u.w[0];
	b->seen[k] = c->u.w[1];
	b->pending[k] = c->u.w[2];
	b->visible[k] = c->u.w[3];
}

/*
 * Stores a chunk's bitmaps: in place while one word of each holds all
 * their bits, else (from then on) in a pool of whole ones (DET_BITS).
 */
static void
cbits_put(struct detect *d, struct det_chunk *c, const struct det_bits *b)
{
	unsigned k, used = 0, q = 0;

	if (c->q == DET_Q_FULL) {
		*DET_BITS(d, c->u.big) = *b;
		return;
	}
	for (k = 0; k < DET_WORDS; k++)
		if ((b->member[k] | b->seen[k] | b->pending[k] |
		    b->visible[k]) != 0) {
			used++;
			q = k;
		}
	if (used <= 1 && !d->thin_off) {
		c->q = used > 0 ? DET_Q_WORD + q : DET_Q_EMPTY;
		c->u.w[0] = b->member[q];
		c->u.w[1] = b->seen[q];
		c->u.w[2] = b->pending[q];
		c->u.w[3] = b->visible[q];
		return;
	}
	if (d->nbits >= UINT32_MAX - 1)
		fatalx("detect: too many chunk bitmaps");
	if (d->nbits / DET_POOL >= d->nbpools) {
		d->bpools = det_grow(d->bpools, &d->bpoolcap, d->nbpools + 1,
		    sizeof(*d->bpools));
		d->bpools[d->nbpools] = det_pool_at(d->nbpools > 0 ?
		    d->bpools[d->nbpools - 1] : NULL, d->nbpools, DET_POOL *
		    sizeof(struct det_bits));
		d->nbpools++;
	}
	*DET_BITS(d, d->nbits) = *b;
	c->q = DET_Q_FULL;
	c->u.big = (uint32_t)d->nbits++;
}

/*
 * ORs bitmap m into a chunk's members; a chunk of one word (an origin
 * AS's /24, most new chunks) sets it in place.
 */
static void
chunk_member_or(struct detect *d, struct det_chunk *c, const uint64_t *m)
{
	struct det_bits b;
	unsigned k, used = 0, q = 0;

	if (c->q == DET_Q_FULL) {
		for (k = 0; k < DET_WORDS; k++)
			DET_BITS(d, c->u.big)->member[k] |= m[k];
		return;
	}
	for (k = 0; k < DET_WORDS; k++)
		if (m[k] != 0) {
			used++;
			q = k;
		}
	if (used == 0)
		return;
	if (used == 1 && !d->thin_off && (c->q == DET_Q_EMPTY ||
	    c->q == DET_Q_WORD + q)) {
		c->q = DET_Q_WORD + q;
		c->u.w[0] |= m[q];
		return;
	}
	cbits_get(d, c, &b);
	for (k = 0; k < DET_WORDS; k++)
		b.member[k] |= m[k];
	cbits_put(d, c, &b);
}

/* Adds units [first, first + n) to a chunk's members. */
static void
chunk_member_set(struct detect *d, struct det_chunk *c, unsigned first,
    unsigned n)
{
	uint64_t m[DET_WORDS] = { 0 };

	if (c->q == DET_Q_FULL) {
		bits_set(DET_BITS(d, c->u.big)->member, first, n);
		return;
	}
	bits_set(m, first, n);
	chunk_member_or(d, c, m);
}

struct chunk_fill {
	struct detect		*d;
	struct det_chunk	*c;
	uint32_t		 id;
	struct bw_prefix	 cell;
};

/* The cell of a chunk as a prefix. */
static void
chunk_cell(const struct det_chunk *c, struct bw_prefix *cell)
{
	uint8_t b[BW_ADDR_MAX];

	memset(b, 0, sizeof(b));
	memcpy(b, c->cb, sizeof(c->cb));
	prefix_set(cell, c->aid, b, det_fam[c->aid].chunk);
}

static const uint64_t det_nofixed[DET_WORDS];

/* The row of chunk id's `prefix` units, made if absent. */
static uint32_t
chunk_fixed_row(struct detect *d, uint32_t id)
{
	uint32_t *row;
	int made;

	row = det_map_slot(&d->fixmap, (uint64_t)id + 1, &made);
	if (made) {
		d->fixed = det_grow(d->fixed, &d->fixedcap, d->nfixed + 1,
		    sizeof(*d->fixed));
		memset(&d->fixed[d->nfixed], 0, sizeof(*d->fixed));
		*row = (uint32_t)d->nfixed++;
	}
	return *row;
}

/* Chunk id's units of `prefix` lines (none: all zero). */
static const uint64_t *
chunk_fixed(struct detect *d, uint32_t id)
{
	uint32_t row;

	if (!DET_CHUNK(d, id)->fixed)
		return det_nofixed;
	row = chunk_fixed_row(d, id);
	return d->fixed[row].w;
}

/* The same, to set bits in (made on first use). */
static uint64_t *
chunk_fixed_set(struct detect *d, uint32_t id)
{
	uint32_t row = chunk_fixed_row(d, id);	/* may move d->fixed */

	DET_CHUNK(d, id)->fixed = 1;
	return d->fixed[row].w;
}

/* Block index walk: ORs a region's blocks into a new chunk's bitmaps. */
static int
chunk_fill_cb(const struct trie *t, const struct trie_node *n, void *arg)
{
	struct chunk_fill *cf = arg;
	const struct rib_route *r = trie_routes(t, n);
	const struct det_block *b;
	unsigned first, cnt;
	size_t i;

	for (i = 0; i < n->nroutes; i++) {
		if (r[i].peer != cf->c->region)
			continue;
		b = &cf->d->blocks[r[i].path_id];
		if (!units_of(&cf->cell, &b->pfx, &first, &cnt))
			continue;
		chunk_member_set(cf->d, cf->c, first, cnt);
		if (b->via == VIA_PREFIX)
			bits_set(chunk_fixed_set(cf->d, cf->id), first, cnt);
	}
	return 0;
}

static void
chunk_mark(struct detect *d, uint32_t id)
{
	struct det_chunk *c = DET_CHUNK(d, id);

	if (c->dirty)
		return;
	c->dirty = 1;
	c->next_dirty = d->dirty_head;
	d->dirty_head = id;
	d->regions[c->region].ndirty++;
}

static uint32_t
v4_addr(const struct bw_prefix *p)
{
	return (uint32_t)p->b[0] << 24 | (uint32_t)p->b[1] << 16 |
	    (uint32_t)p->b[2] << 8 | p->b[3];
}

static uint32_t
v4_last(const struct bw_prefix *p)
{
	return v4_addr(p) | (p->len >= 32 ? 0 : UINT32_MAX >> p->len);
}

static int
range_cmp(const void *a, const void *b)
{
	const struct det_range *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->end < y->end ? -1 : x->end > y->end;
}

/* range_cmp's order as a key (keysort keeps the given order of ties). */
static void
range_key(const void *e, struct keysort *k)
{
	const struct det_range *r = e;

	k->k[0] = (uint64_t)r->start << 32 | r->end;
	k->k[1] = k->k[2] = 0;
}

/* Each region's IPv4 country blocks, sorted, for chunk_fill_v4. */
static void
region_ranges_build(struct detect *d)
{
	const struct det_block *b;
	struct det_region *r;
	size_t i, j, *cnt;

	if ((cnt = calloc(d->nregions + 1, sizeof(*cnt))) == NULL)
		fatal("detect");
	for (i = 0; i < d->nblocks; i++)
		if (d->blocks[i].via == VIA_COUNTRY &&
		    d->blocks[i].pfx.aid == AID_INET)
			cnt[d->blocks[i].region]++;
	for (i = 0; i < d->nregions; i++) {
		r = &d->regions[i];
		free(r->cr4);
		r->cr4 = NULL;
		r->ncr4 = 0;
		if (cnt[i] > 0 && (r->cr4 = calloc(cnt[i],
		    sizeof(*r->cr4))) == NULL)
			fatal("detect");
	}
	for (i = 0; i < d->nblocks; i++) {
		b = &d->blocks[i];
		if (b->via != VIA_COUNTRY || b->pfx.aid != AID_INET)
			continue;
		r = &d->regions[b->region];
		r->cr4[r->ncr4].start = v4_addr(&b->pfx);
		r->cr4[r->ncr4].end = v4_last(&b->pfx);
		r->cr4[r->ncr4++].block = (uint32_t)i;
	}
	for (i = 0; i < d->nregions; i++) {
		r = &d->regions[i];
		if (r->ncr4 == 0)
			continue;
		keysort_array(r->cr4, r->ncr4, sizeof(*r->cr4), range_key,
		    range_cmp);
		r->cr4[0].maxend = r->cr4[0].end;
		for (j = 1; j < r->ncr4; j++)
			r->cr4[j].maxend = r->cr4[j].end > r->cr4[j - 1].maxend ?
			    r->cr4[j].end : r->cr4[j - 1].maxend;
	}
	free(cnt);
}

static int
vb_cmp(const void *a, const void *b)
{
	const struct det_vblock *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end > y->end ? -1 : 1;	/* the larger first */
	return x->block < y->block ? -1 : x->block > y->block;
}

/*
 * vb_cmp's order as a key: the entries are made in block order, which
 * keysort keeps among ties, as vb_cmp orders them.
 */
static void
vb_key(const void *e, struct keysort *k)
{
	const struct det_vblock *v = e;

	k->k[0] = (uint64_t)v->start << 32 | (UINT32_MAX - v->end);
	k->k[1] = k->k[2] = 0;
}

/*
 * Every IPv4 block of configuration (`prefix` lines, country blocks) as
 * a sorted array with, for each, the nearest block before it that holds
 * it (CIDR blocks nest or are apart), and the first entry of each /16:
 * the blocks holding a prefix are a binary search and a walk up parent
 * links, not a walk of the block trie (region_match, once per prefix).
 */
static void
vtab_build(struct detect *d)
{
	const struct det_block *b;
	uint32_t *stack, top = 0, h;
	size_t i, n = 0;

	free(d->vb);
	free(d->vb16);
	d->vb = NULL;
	d->vb16 = NULL;
	d->nvb = 0;
	for (i = 0; i < d->nblocks; i++)
		n += d->blocks[i].pfx.aid == AID_INET && !d->blocks[i].exact;
	if ((d->vb = calloc(n + 1, sizeof(*d->vb))) == NULL ||
	    (d->vb16 = calloc(65537, sizeof(*d->vb16))) == NULL ||
	    (stack = calloc(n + 1, sizeof(*stack))) == NULL)
		fatal("detect");
	for (i = 0; i < d->nblocks; i++) {
		b = &d->blocks[i];
		if (b->pfx.aid != AID_INET || b->exact)
			continue;
		d->vb[d->nvb].start = v4_addr(&b->pfx);
		d->vb[d->nvb].end = v4_last(&b->pfx);
		d->vb[d->nvb++].block = (uint32_t)i;
	}
	keysort_array(d->vb, d->nvb, sizeof(*d->vb), vb_key, vb_cmp);
	for (i = 0; i < d->nvb; i++) {
		while (top > 0 && d->vb[stack[top - 1]].end < d->vb[i].start)
			top--;
		d->vb[i].parent = top > 0 ? stack[top - 1] : UINT32_MAX;
		stack[top++] = (uint32_t)i;
	}
	free(stack);
	for (i = 0, h = 0; h <= 65536; h++) {
		while (i < d->nvb && (d->vb[i].start >> 16) < h)
			i++;
		d->vb16[h] = (uint32_t)i;
	}
}

/*
 * The blocks holding IPv4 prefix p, shortest first: the innermost max of
 * them (more only from a stats file repeating a block: input).
 */
static int
vtab_match(const struct detect *d, const struct bw_prefix *p, uint32_t *out,
    int max)
{
	uint32_t ps = v4_addr(p), pe = v4_last(p), h = ps >> 16, lo, hi, mid;
	uint32_t j;
	int n = 0, k;

	lo = d->vb16[h];
	hi = d->vb16[h + 1];
	while (lo < hi) {		/* the first start after ps */
		mid = lo + (hi - lo) / 2;
		if (d->vb[mid].start <= ps)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return 0;
	for (j = lo - 1; j != UINT32_MAX && d->vb[j].end < pe;
	    j = d->vb[j].parent)
		;
	for (; j != UINT32_MAX && n < max; j = d->vb[j].parent)
		out[n++] = d->vb[j].block;
	for (k = 0; k < n / 2; k++) {	/* outermost first, as the trie */
		j = out[k];
		out[k] = out[n - 1 - k];
		out[n - 1 - k] = j;
	}
	return n;
}

/* The units of IPv4 cell [cs, ce] that country range g meets, into m. */
static void
range_units(uint64_t *m, uint32_t cs, uint32_t ce, const struct det_range *g)
{
	uint32_t lo = g->start > cs ? g->start : cs;
	uint32_t hi = g->end < ce ? g->end : ce;
	unsigned first, last;

	if (lo > hi)
		return;
	first = (lo - cs) >> (32 - det_fam[AID_INET].unit);
	last = (hi - cs) >> (32 - det_fam[AID_INET].unit);
	bits_set(m, first, last - first + 1);
}

/*
 * A new IPv4 chunk made by a route: its region's blocks that meet the
 * cell are country blocks only.  Learned blocks made their chunks when
 * they were learned (region_materialize follows every region_learn; an
 * IPv4 route at the floor spans 256 cells, which it materializes), and
 * every cell a `prefix` line meets has had its chunk since configuration.
 * So a binary search in the region's sorted country ranges replaces the
 * walks of the block index, which visit every region's blocks.  The
 * ranges' units are gathered first and stored once (a country's /16 of
 * many blocks stored its bitmaps again for each).
 */
static void
chunk_fill_v4(struct detect *d, struct det_chunk *c,
    const struct bw_prefix *cell)
{
	const struct det_region *r = &d->regions[c->region];
	uint32_t cs = v4_addr(cell), ce = v4_last(cell);
	uint64_t m[DET_WORDS] = { 0 };
	size_t lo = 0, hi = r->ncr4, i;

	while (lo < hi) {
		i = lo + (hi - lo) / 2;
		if (r->cr4[i].start < cs)
			lo = i + 1;
		else
			hi = i;
	}
	for (i = lo; i < r->ncr4 && r->cr4[i].start <= ce; i++)
		range_units(m, cs, ce, &r->cr4[i]);
	for (i = lo; i > 0 && r->cr4[i - 1].maxend >= cs; i--)
		range_units(m, cs, ce, &r->cr4[i - 1]);
	chunk_member_or(d, c, m);
}

/*
 * A pool's memory, its pages populated in one call: a page fault per
 * 4 KiB costs far more on this VM (lib/slab.c), and a pool's chunks are
 * all used before the next pool is taken.  Fresh anonymous memory is
 * zero, as calloc's was.
 */
static void *
det_pool_map(size_t len)
{
	void *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		fatal("detect");
#ifdef MADV_POPULATE_WRITE
	(void)madvise(p, len, MADV_POPULATE_WRITE);
#endif
	return p;
}

/*
 * Pool n of len bytes, prev the one before: the first SLAB_HUGE bytes of
 * pools (a small configuration's one or two) in 4 KiB pages, then one
 * huge page at a time, cut in pools (with every country watched some
 * 30 MB of chunks, 8,000 pages populated one by one).  Each pool is still
 * unmapped on its own (det_pool_unmap): the huge page is split then.
 */
static void *
det_pool_at(void *prev, size_t n, size_t len)
{
	size_t per = SLAB_HUGE / len;
	void *p;

	if (n < per)
		return det_pool_map(len);
	if (n % per != 0)
		return (char *)prev + len;
	if ((p = slab_table_alloc(SLAB_HUGE)) == NULL)
		fatal("detect");
	det_populate(p, SLAB_HUGE);
	return p;
}

static void
det_pool_unmap(void *p, size_t len)
{
	(void)munmap(p, len);
}

static struct det_chunk *
det_pool_new(struct detect *d)
{
	return det_pool_at(d->npools > 0 ? d->pools[d->npools - 1] : NULL,
	    d->npools, DET_POOL * sizeof(struct det_chunk));
}

static void
det_pool_free(struct det_chunk *p)
{
	det_pool_unmap(p, DET_POOL * sizeof(struct det_chunk));
}

/*
 * Chunks come from pools of DET_POOL, freed with the index; chunk id i is
 * the (i % DET_POOL)-th of pool i / DET_POOL (DET_CHUNK), so no array of
 * pointers is kept (or grown) beside them.
 */
static struct det_chunk *
chunk_alloc(struct detect *d)
{
	if (d->nchunks / DET_POOL >= d->npools) {
		d->pools = det_grow(d->pools, &d->poolcap, d->npools + 1,
		    sizeof(*d->pools));
		d->pools[d->npools] = det_pool_new(d);
		d->npools++;
	}
	/*
	 * The next chunk's lines, for write: a new chunk's first store was
	 * most of chunk_get's time (a miss to memory per routed prefix with
	 * 1,000 origin-AS regions), and the next one comes a prefix later.
	 */
	if ((d->nchunks + 1) % DET_POOL != 0) {
		const char *n = (const char *)DET_CHUNK(d, d->nchunks + 1);
		size_t o;

		for (o = 0; o < sizeof(struct det_chunk); o += 64)
			__builtin_prefetch(n + o, 1, 3);
	}
	return DET_CHUNK(d, d->nchunks);
}

/*
 * The chunk map key: (family, cell bits, region) in one nonzero word, so
 * finding a route's chunk is one probe, not a descent of the chunk index.
 */

static uint64_t
chash_key(uint16_t region, const struct bw_prefix *cell)
{
	uint64_t k = (uint64_t)1 << 63 | (uint64_t)(cell->aid == AID_INET6) <<
	    56 | region;
	int i;

	for (i = 0; i < det_fam[cell->aid].chunk / 8; i++)
		k |= (uint64_t)cell->b[i] << (16 + 8 * i);
	return k;
}

/* The first chunk of an IPv4 /16 cell, UINT32_MAX: none (a flat table). */
static uint32_t *
cell4_head(struct detect *d, const struct bw_prefix *cell)
{
	if (d->cell4 == NULL) {
		if ((d->cell4 = malloc(65536 * sizeof(*d->cell4))) == NULL)
			fatal("detect");
		memset(d->cell4, 0xff, 65536 * sizeof(*d->cell4));
	}
	return &d->cell4[near_slot(cell)];
}

/*
 * One region's chunk of a cell (its id), created (and marked dirty) if
 * absent.
 * conf: made by configuration (fills from every block of the index),
 * else by a route (chunk_fill_v4 for IPv4).
 */
static uint32_t
chunk_get(struct detect *d, uint16_t region, const struct bw_prefix *cell,
    int conf)
{
	struct trie *t = &d->cidx[cell->aid];
	uint64_t k = chash_key(region, cell);
	struct chunk_fill cf;
	struct det_chunk *c;
	uint32_t *id;
	int made;

	if (d->regions[region].memo_key == k)
		return d->regions[region].memo_id;
	if (d->nchunks >= UINT32_MAX - 1)
		fatalx("detect: too many chunks");
	id = det_map_slot(&d->cmap, k, &made);
	d->regions[region].memo_key = k;
	if (!made) {
		d->regions[region].memo_id = *id;
		return *id;
	}
	*id = (uint32_t)d->nchunks;
	d->regions[region].memo_id = *id;
	c = chunk_alloc(d);
	memcpy(c->cb, cell->b, sizeof(c->cb));
	c->aid = cell->aid;
	c->region = region;
	c->fixed = 0;
	/*
	 * The cell is near region space now.  This also marks every prefix
	 * learned by origin AS: region_materialize follows every
	 * region_learn and makes (or finds) a chunk in the prefix's cell.
	 */
	region_near_mark(d, cell);
	d->regions[region].nchunks++;
	c->next_cell = UINT32_MAX;
	if (cell->aid == AID_INET && !d->reference) {
		/* IPv4: the cell's chunks in a list, for region_mark_dirty. */
		c->next_cell = cell4_head(d, cell)[0];
		cell4_head(d, cell)[0] = (uint32_t)d->nchunks;
	} else
		idx_add(t, cell, (uint32_t)d->nchunks, region);
	cf.d = d;
	cf.c = c;
	cf.id = (uint32_t)d->nchunks;
	cf.cell = *cell;
	if (!d->reference && cell->aid == AID_INET)
		chunk_fill_v4(d, c, cell);
	if (conf || d->reference || cell->aid != AID_INET) {
		trie_walk_covering(&d->bidx[cell->aid], cell, chunk_fill_cb,
		    &cf);
		/*
		 * Blocks inside the cell: a region of origin ASes only has
		 * none that did not make this chunk already
		 * (region_materialize follows every region_learn).
		 */
		if (conf || d->regions[region].has_blocks)
			trie_walk_covered(&d->bidx[cell->aid], cell,
			    chunk_fill_cb, &cf);
	}
	chunk_mark(d, (uint32_t)d->nchunks);
	return (uint32_t)d->nchunks++;
}

/* The i-th cell of p (p shorter than a cell). */
static void
cell_nth(const struct bw_prefix *p, uint64_t i, struct bw_prefix *cell)
{
	const struct det_fam *f = &det_fam[p->aid];
	uint8_t b[BW_ADDR_MAX];
	int k, bit;

	memcpy(b, p->b, sizeof(b));
	for (k = 0; k < f->chunk - p->len; k++) {
		if (((i >> k) & 1) == 0)
			continue;
		bit = f->chunk - 1 - k;
		b[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
	}
	prefix_set(cell, p->aid, b, f->chunk);
}

/* Calls fn on each cell of p; -1 (nothing done) if more than max. */
static int
cells_each(const struct bw_prefix *p, uint64_t max,
    void (*fn)(struct detect *, uint16_t, const struct bw_prefix *,
    const struct bw_prefix *), struct detect *d, uint16_t region)
{
	const struct det_fam *f = &det_fam[p->aid];
	struct bw_prefix cell;
	uint64_t i, n;

	if (p->len >= f->chunk) {
		prefix_set(&cell, p->aid, p->b, f->chunk);
		fn(d, region, &cell, p);
		return 0;
	}
	if (f->chunk - p->len >= 40 ||
	    (n = (uint64_t)1 << (f->chunk - p->len)) > max)
		return -1;
	for (i = 0; i < n; i++) {
		cell_nth(p, i, &cell);
		fn(d, region, &cell, p);
	}
	return 0;
}

static void
cell_fixed(struct detect *d, uint16_t region, const struct bw_prefix *cell,
    const struct bw_prefix *p)
{
	uint32_t id = chunk_get(d, region, cell, 1);
	unsigned first, n;

	if (units_of(cell, p, &first, &n)) {
		chunk_member_set(d, DET_CHUNK(d, id), first, n);
		bits_set(chunk_fixed_set(d, id), first, n);
	}
}

static void
cell_derived(struct detect *d, uint16_t region, const struct bw_prefix *cell,
    const struct bw_prefix *p)
{
	uint32_t id = chunk_get(d, region, cell, 0);
	unsigned first, n;

	if (units_of(cell, p, &first, &n))
		chunk_member_set(d, DET_CHUNK(d, id), first, n);
}

static void
region_via_summary(struct detect *d, struct det_region *r,
    const struct config_region *cr)
{
	char buf[1024], pb[BW_PREFIX_STRLEN];
	const struct rirstats_file *f;
	size_t i, j, len = 0;

	buf[0] = '\0';
#define VIA_ADD(...) do {						\
	if (len < sizeof(buf)) {					\
		int n_ = snprintf(buf + len, sizeof(buf) - len,		\
		    __VA_ARGS__);					\
		len += n_ > 0 ? (size_t)n_ : 0;				\
	}								\
} while (0)
	for (i = 0; i < cr->nprefixes; i++)
		VIA_ADD("%sprefix %s", len ? ", " : "",
		    prefix_fmt(&cr->prefixes[i], pb, sizeof(pb)));
	for (i = 0; i < cr->norigins; i++)
		VIA_ADD("%sorigin-as %u", len ? ", " : "", cr->origins[i]);
	for (i = 0; i < cr->ncountries; i++) {
		VIA_ADD("%scountry %s (", len ? ", " : "", cr->countries[i]);
		for (j = 0; j < d->rs->nfiles; j++) {
			f = &d->rs->files[j];
			VIA_ADD("%s%s %s", j ? ", " : "", f->name, f->date);
		}
		VIA_ADD(")");
	}
#undef VIA_ADD
	if (len >= sizeof(buf))
		memcpy(buf + sizeof(buf) - 4, "...", 4);
	if ((r->via = strdup(buf)) == NULL)
		fatal("detect");
}

/* The blocks and origin ASes of one configured region. */
static void
region_add_conf(struct detect *d, uint16_t id, const struct config_region *cr)
{
	const struct rirstats_block *rb;
	const struct rirstats_asn *ra;
	struct det_block b;
	size_t i, j, n, budget = DET_MAX_STATS_ASNS;
	uint32_t k;

	d->regions[id].has_blocks = cr->nprefixes > 0 || cr->ncountries > 0;
	for (i = 0; i < cr->nprefixes; i++) {
		memset(&b, 0, sizeof(b));
		b.pfx = cr->prefixes[i];
		b.region = id;
		b.via = VIA_PREFIX;
		b.file = DET_NOFILE;
		block_add(d, &b);
	}
	for (i = 0; i < cr->norigins; i++)
		asn_add(d, cr->origins[i], id, DET_NOFILE, NULL);
	for (i = 0; i < cr->ncountries; i++) {
		rb = rirstats_country_blocks(d->rs, cr->countries[i], &n);
		for (j = 0; j < n; j++) {
			memset(&b, 0, sizeof(b));
			b.pfx = rb[j].pfx;
			b.region = id;
			b.via = VIA_COUNTRY;
			b.file = rb[j].file;
			memcpy(b.cc, rb[j].cc, 3);
			block_add(d, &b);
		}
		ra = rirstats_country_asns(d->rs, cr->countries[i], &n);
		for (j = 0; j < n; j++) {
			/* A hostile file could ask for 2^32 ASes. */
			if (ra[j].count > budget) {
				log_warnx("region %s: more than %u origin ASes "
				    "from RIR stats; the rest are ignored",
				    cr->name, DET_MAX_STATS_ASNS);
				break;
			}
			budget -= ra[j].count;
			for (k = 0; k < ra[j].count; k++)
				asn_add(d, ra[j].first + k, id, ra[j].file,
				    ra[j].cc);
		}
	}
}

int
region_index_build(struct detect *d, const struct config *conf, char *err,
    size_t errlen)
{
	const struct config_region *cr;
	char pb[BW_PREFIX_STRLEN];
	uint16_t id = 0;
	size_t i;

	TAILQ_FOREACH(cr, &conf->regions, entry) {
		if (det_stopped(d))
			goto stopped;
		region_add_conf(d, id, cr);
		region_via_summary(d, &d->regions[id], cr);
		id++;
	}
	region_ranges_build(d);
	vtab_build(d);
	/* `prefix` lines count in full: their chunks exist from the start. */
	id = 0;
	TAILQ_FOREACH(cr, &conf->regions, entry) {
		if (det_stopped(d))
			goto stopped;
		for (i = 0; i < cr->nprefixes; i++)
			if (cells_each(&cr->prefixes[i], DET_CHUNKS_PER_PREFIX,
			    cell_fixed, d, id) == -1) {
				snprintf(err, errlen, "region \"%s\": prefix %s "
				    "is too large to watch (more than %d "
				    "chunks of %d units)", cr->name,
				    prefix_fmt(&cr->prefixes[i], pb,
				    sizeof(pb)), DET_CHUNKS_PER_PREFIX,
				    DET_UNITS);
				return -1;
			}
		id++;
	}
	return 0;
stopped:
	snprintf(err, errlen, "the index build was stopped");
	return -1;
}

struct match_walk {
	struct detect		*d;
	const struct bw_prefix	*p;
	struct det_match	*m;
	int			 n, max;
};

/* Adds m for its region unless the region has a better mapping. */
static void
match_add(struct match_walk *w, const struct det_match *m)
{
	int i;

	for (i = 0; i < w->n; i++)
		if (w->m[i].region == m->region) {
			if (m->via < w->m[i].via)
				w->m[i] = *m;
			return;
		}
	if (w->n < w->max)
		w->m[w->n++] = *m;
}

static void
match_block(struct match_walk *w, const struct det_block *b)
{
	struct det_match m;

	if (b->exact && b->pfx.len != w->p->len)
		return;
	memset(&m, 0, sizeof(m));
	m.region = b->region;
	m.via = b->via;
	m.learned = b->exact;
	m.file = b->file;
	m.asn = b->asn;
	m.arow = DET_AROW_NONE;
	memcpy(m.cc, b->cc, 3);
	m.block = b->pfx;
	match_add(w, &m);
}

static int
match_cb(const struct trie *t, const struct trie_node *n, void *arg)
{
	struct match_walk *w = arg;
	const struct rib_route *r = trie_routes(t, n);
	size_t i;

	for (i = 0; i < n->nroutes; i++)
		match_block(w, &w->d->blocks[r[i].path_id]);
	return 0;
}

int
region_match(struct detect *d, const struct bw_prefix *p, uint32_t ent,
    uint32_t origin, struct det_match *out, int max)
{
	struct match_walk w = { d, p, out, 0, max };
	const struct det_mem *e;
	struct det_match m;
	uint32_t i;

	uint32_t vb[256];
	int k, nvb = -1;

	if (p->aid != AID_INET && p->aid != AID_INET6)
		return 0;
	if (p->aid == AID_INET && !d->reference && d->vb16 != NULL)
		nvb = vtab_match(d, p, vb, 256);
	for (k = 0; k < nvb; k++)
		match_block(&w, &d->blocks[vb[k]]);
	if (nvb < 0)
		trie_walk_covering(&d->bidx[p->aid], p, match_cb, &w);
	/*
	 * IPv4 prefixes learned by origin AS match that prefix only: their
	 * memberships say so, found with the prefix's entry (no block, no
	 * index insert per learned prefix).  In the order they were learned.
	 */
	if (p->aid == AID_INET && !d->reference && ent != UINT32_MAX)
		for (i = d->ptab.ent[ent].first; i != UINT32_MAX;
		    i = e->next) {
			e = &d->ptab.mem[i];
			if (e->arow == DET_AROW_NONE)
				continue;
			memset(&m, 0, sizeof(m));
			m.region = e->region;
			m.via = VIA_ORIGIN;
			m.learned = 1;
			m.file = d->asns[e->arow].file;
			m.asn = d->asns[e->arow].asn;
			m.arow = e->arow;
			memcpy(m.cc, d->asns[e->arow].cc, 3);
			m.block = *p;
			match_add(&w, &m);
		}
	if (origin == 0 || d->asnhsize == 0)
		return w.n;
	for (i = d->asnhash[asn_hash(origin, d->asnhsize)]; i != UINT32_MAX;
	    i = d->asns[i].next) {
		if (d->asns[i].asn != origin)
			continue;
		memset(&m, 0, sizeof(m));
		m.region = d->asns[i].region;
		m.via = VIA_ORIGIN;
		m.file = d->asns[i].file;
		m.asn = origin;
		m.arow = i;
		memcpy(m.cc, d->asns[i].cc, 3);
		m.block = *p;
		match_add(&w, &m);
	}
	return w.n;
}

void
region_learn(struct detect *d, const struct bw_prefix *p,
    const struct det_match *m, struct det_mem *e)
{
	struct det_region *r = &d->regions[m->region];
	struct det_block b;

	/* A default route with a member origin must not claim everything. */
	if (m->via != VIA_ORIGIN || m->learned ||
	    p->len < det_fam[p->aid].floor)
		return;
	if (r->nlearned >= DET_MAX_LEARNED) {
		if (r->nlearned == DET_MAX_LEARNED && r->nlearned++ != 0)
			log_warnx("region %s: more than %u prefixes learned by "
			    "origin AS; no more are learned until reload",
			    r->name, DET_MAX_LEARNED);
		return;
	}
	r->nlearned++;
	if (p->aid == AID_INET && !d->reference && m->arow != DET_AROW_NONE) {
		e->arow = m->arow;
		return;
	}
	memset(&b, 0, sizeof(b));
	b.pfx = *p;
	b.region = m->region;
	b.via = VIA_ORIGIN;
	b.exact = 1;
	b.file = m->file;
	b.asn = m->asn;
	memcpy(b.cc, m->cc, 3);
	block_add(d, &b);
}

void
region_materialize(struct detect *d, const struct bw_prefix *p,
    const struct det_match *m)
{
	if (m->via == VIA_PREFIX || p->len < det_fam[p->aid].floor)
		return;
	if (cells_each(p, DET_CHUNKS_PER_ROUTE, cell_derived, d,
	    m->region) == -1)
		log_debug("detect: %u-bit route spans too many chunks to "
		    "join the baseline", p->len);
}

void
region_materialize_prefetch(const struct detect *d, const struct bw_prefix *p,
    const struct det_match *m)
{
	/* The key reads the cell's bytes only: p's own, p in one cell. */
	if (m->via == VIA_PREFIX || p->len < det_fam[p->aid].chunk ||
	    d->regions[m->region].memo_key == chash_key(m->region, p))
		return;
	det_map_prefetch(&d->cmap, chash_key(m->region, p));
}

static int
dirty_cb(const struct trie *t, const struct trie_node *n, void *arg)
{
	const struct rib_route *r = trie_routes(t, n);
	size_t i;

	for (i = 0; i < n->nroutes; i++)
		chunk_mark(arg, r[i].path_id);
	return 0;
}

/* IPv4: marks the chunks of a cell (cells_each callback). */
static void
cell_dirty(struct detect *d, uint16_t region, const struct bw_prefix *cell,
    const struct bw_prefix *p)
{
	uint32_t id;

	(void)region;
	(void)p;
	if (d->cell4 == NULL)
		return;
	for (id = cell4_head(d, cell)[0]; id != UINT32_MAX;
	    id = DET_CHUNK(d, id)->next_cell)
		chunk_mark(d, id);
}

void
region_mark_dirty(struct detect *d, const struct bw_prefix *p)
{
	const struct det_fam *f;
	const struct trie_node *n;
	struct bw_prefix cell;

	if (p->aid != AID_INET && p->aid != AID_INET6)
		return;
	f = &det_fam[p->aid];
	if (p->len < f->floor || p->len > f->unit)
		return;		/* routes that never make a unit visible */
	if (p->aid == AID_INET && !d->reference) {
		cells_each(p, DET_CHUNKS_PER_ROUTE, cell_dirty, d, 0);
		return;
	}
	if (p->len < f->chunk) {
		trie_walk_covered(&d->cidx[p->aid], p, dirty_cb, d);
		return;
	}
	prefix_set(&cell, p->aid, p->b, f->chunk);
	if ((n = trie_lookup(&d->cidx[p->aid], &cell)) != NULL)
		dirty_cb(&d->cidx[p->aid], n, d);
}

/*
 * Every chunk again (the set of counting peers changed).  Not a walk of
 * every chunk here, in the peer's hook (300,000 chunks with every
 * country watched: 5 ms): a sweep of the chunks made so far, done by
 * region_recompute in its slices; a region is judged again once its
 * part of the sweep is done.
 */
void
region_mark_all_dirty(struct detect *d)
{
	size_t i;

	if (d->reference)
		for (i = 0; i < d->nchunks; i++)
			chunk_mark(d, (uint32_t)i);
	else {
		d->sweep_next = 0;
		d->sweep_end = d->nchunks;
		d->sweep_gen++;
		for (i = 0; i < d->nregions; i++)
			d->regions[i].nsweep = d->regions[i].nchunks;
	}
	/* Every member's count again: det_recount. */
	d->recount_next = 0;
	for (i = 0; i < d->nregions; i++) {
		d->regions[i].recount = 0;
		region_touch(d, (uint16_t)i);
	}
}

uint32_t
region_quorum(const struct detect *d, const struct det_region *r)
{
	uint32_t n = d->ncounting, q;

	switch (r->min_mode) {
	case CONF_MINPEERS_COUNT:
		q = r->min_peers < n ? r->min_peers : n;
		break;
	case CONF_MINPEERS_PERCENT:
		q = (uint32_t)(((uint64_t)n * r->min_peers + 99) / 100);
		break;
	default:		/* at least half, as IODA counts a /24 */
		q = (n + 1) / 2;
		break;
	}
	return q > 0 ? q : 1;
}

int
region_route_counts(const struct detect *d, const struct rib_route *r,
    uint32_t via_as)
{
	const struct det_peer *p;

	if (r->peer >= d->npeers)
		return 0;
	p = &d->peers[r->peer];
	if (!p->counting)
		return 0;
	/* Stale leftovers of a peer that is back are about to go. */
	if ((r->flags & ROUTE_STALE) && !p->gr_hold)
		return 0;
	return via_as == 0 || rattr_path_has(r->attrs, via_as);
}

struct vis_walk {
	struct detect		*d;
	const struct bw_prefix	*cell;
	uint64_t		*all;		/* peers covering the cell */
	uint64_t		*units;		/* per unit: peers covering it;
						 * set only where touched is */
	uint64_t		*touched;	/* units with peers (DET_WORDS) */
	size_t			 w;
	uint32_t		 via_as;	/* the region's, 0: none */
	size_t			 routes;	/* visited: the work done */
};

static void
peer_bit(uint64_t *bm, uint16_t slot)
{
	bm[slot / 64] |= (uint64_t)1 << (slot % 64);
}

static int
vis_covering_cb(const struct bw_prefix *p, const struct rib_route *r,
    size_t n, void *arg)
{
	struct vis_walk *v = arg;
	size_t i;

	v->routes += n;
	if (p->len < det_fam[p->aid].floor)
		return 0;
	for (i = 0; i < n; i++)
		if (region_route_counts(v->d, &r[i], v->via_as))
			peer_bit(v->all, r[i].peer);
	return 0;
}

static int
vis_covered_cb(const struct bw_prefix *p, const struct rib_route *r,
    size_t n, void *arg)
{
	struct vis_walk *v = arg;
	unsigned first, cnt, u;
	uint64_t *pu;
	size_t i, k;

	v->routes += n;
	/* Equal: done by the covering walk; longer than a unit: no unit. */
	if (p->len == v->cell->len || p->len > det_fam[p->aid].unit ||
	    !units_of(v->cell, p, &first, &cnt))
		return 0;
	for (i = 0; i < n; i++) {
		if (!region_route_counts(v->d, &r[i], v->via_as))
			continue;
		for (u = first; u < first + cnt; u++) {
			pu = v->units + (size_t)u * v->w;
			if (!(v->touched[u / 64] & ((uint64_t)1 << (u % 64)))) {
				v->touched[u / 64] |= (uint64_t)1 << (u % 64);
				for (k = 0; k < v->w; k++)
					pu[k] = 0;
			}
			peer_bit(pu, r[i].peer);
		}
	}
	return 0;
}

/* The pending chunks' heap (struct det_pend). */
static void
pend_push(struct detect *d, uint32_t id, double due)
{
	struct det_pend *h;
	size_t i, up;

	d->pendheap = det_grow(d->pendheap, &d->pendcap, d->npend + 1,
	    sizeof(*d->pendheap));
	h = d->pendheap;
	for (i = d->npend++; i > 0 && h[(up = (i - 1) / 2)].due > due; i = up)
		h[i] = h[up];
	h[i].due = due;
	h[i].id = id;
}

static void
pend_pop(struct detect *d)
{
	struct det_pend *h = d->pendheap, last;
	size_t i = 0, k, n;

	if ((n = --d->npend) == 0)
		return;
	last = h[n];
	while ((k = 2 * i + 1) < n) {
		if (k + 1 < n && h[k + 1].due < h[k].due)
			k++;
		if (h[k].due >= last.due)
			break;
		h[i] = h[k];
		i = k;
	}
	h[i] = last;
}

/*
 * Pending chunks wait in order of due time, so that promoting looks at
 * the due ones only: a scan of every pending chunk at each run (after a
 * table loaded, or with every country watched after the eligible set
 * changed, hundreds of thousands of them, due over a second or more)
 * was 40 % of the recompute.
 */
static void
pend_list(struct detect *d, uint32_t id)
{
	struct det_chunk *c = DET_CHUNK(d, id);

	if (c->pending_listed)
		return;
	c->pending_listed = 1;
	pend_push(d, id, c->pending_since + d->regions[c->region].hold_down);
}

/* detect_run looks at the region again (its totals may have moved). */
void
region_touch(struct detect *d, uint16_t region)
{
	if ((size_t)region / 64 < d->touchw)
		d->touched[region / 64] |= (uint64_t)1 << (region % 64);
}

/* Recounts what a chunk adds to its region from its bitmaps b. */
static void
chunk_totals(struct detect *d, uint32_t id, const struct det_bits *b)
{
	struct det_chunk *c = DET_CHUNK(d, id);
	struct det_region *r = &d->regions[c->region];
	const uint64_t *fixed = chunk_fixed(d, id);
	uint64_t counted[DET_WORDS], vis[DET_WORDS];
	unsigned ntot, nvis;
	int k;

	region_touch(d, c->region);
	for (k = 0; k < DET_WORDS; k++) {
		counted[k] = (fixed[k] | b->seen[k]) & b->member[k];
		vis[k] = b->visible[k] & counted[k];
	}
	ntot = bits_count(counted);
	nvis = bits_count(vis);
	r->units_tot = r->units_tot - c->ntot + ntot;
	r->units_vis = r->units_vis - c->nvis + nvis;
	c->ntot = ntot;
	c->nvis = nvis;
}

/*
 * Which of the member units (member: the chunk's) at least quorum
 * counting peers cover.  Returns the
 * work it took: routes visited, plus a chunk's fixed cost.
 */
static size_t
chunk_visible(struct detect *d, struct det_chunk *c, const uint64_t *member,
    uint64_t *vis)
{
	struct vis_walk v;
	struct bw_prefix cell;
	uint32_t q = region_quorum(d, &d->regions[c->region]);
	size_t w = d->cwords, k;
	unsigned u, cnt, j, all;
	uint64_t m = 0;

	memset(vis, 0, DET_WORDS * sizeof(*vis));
	if (d->ncounting == 0)
		return DET_WORK_CHUNK;
	v.touched = d->scratch;
	v.all = d->scratch + DET_WORDS;
	v.units = v.all + w;
	v.via_as = d->regions[c->region].via_as;
	v.routes = 0;
	/*
	 * The walks depend on the cell and the via AS only: a cell's other
	 * chunks (a country's, origin ASes', each its own region) take the
	 * counts the first one walked for.  Only the units a route touched
	 * are cleared (vis_covered_cb), not all 256 (a memset of 2 KB per
	 * walk was 8 % of the recompute's instructions).
	 */
	if (!d->memo_ok || d->memo_aid != c->aid || d->memo_via != v.via_as ||
	    memcmp(d->memo_cb, c->cb, sizeof(c->cb)) != 0) {
		memset(d->scratch, 0, (DET_WORDS + w) * sizeof(*d->scratch));
		chunk_cell(c, &cell);
		v.d = d;
		v.cell = &cell;
		v.w = w;
		rib_walk_covering(d->rib, &cell, vis_covering_cb, &v);
		rib_walk_covered(d->rib, &cell, vis_covered_cb, &v);
		d->memo_ok = d->memo_on;
		d->memo_aid = c->aid;
		d->memo_via = v.via_as;
		memcpy(d->memo_cb, c->cb, sizeof(c->cb));
	}
	/*
	 * The member units only, a set bit at a time; those no route inside
	 * the cell touched have the covering peers (the same for all).
	 */
	for (k = 0, all = 0; k < w; k++)
		all += det_popcount(v.all[k]);
	for (j = 0; j < DET_WORDS; j++) {
		if (all >= q)
			vis[j] = member[j];
		else
			m = member[j] & v.touched[j];
		for (; all < q && m != 0; m &= m - 1) {
			u = j * 64 + (unsigned)__builtin_ctzll(m);
			for (k = 0, cnt = 0; k < w; k++)
				cnt += det_popcount(v.all[k] |
				    v.units[u * w + k]);
			if (cnt >= q)
				vis[j] |= m & -m;
		}
	}
	return DET_WORK_CHUNK + v.routes;
}

static size_t
chunk_recompute(struct detect *d, uint32_t id, double now)
{
	struct det_chunk *c = DET_CHUNK(d, id);
	const uint64_t *fixed = chunk_fixed(d, id);
	uint64_t vis[DET_WORDS], newly;
	struct det_bits b;
	size_t work;
	int k, had = 0, add = 0;

	c->gen = d->sweep_gen;
	cbits_get(d, c, &b);
	work = chunk_visible(d, c, b.member, vis);
	for (k = 0; k < DET_WORDS; k++) {
		had |= b.pending[k] != 0;
		b.pending[k] &= vis[k];
		newly = vis[k] & b.member[k] & ~fixed[k] & ~b.seen[k] &
		    ~b.pending[k];
		add |= newly != 0;
		b.pending[k] |= newly;
		b.visible[k] = vis[k];
	}
	cbits_put(d, c, &b);
	if (add) {
		if (!had)
			c->pending_since = now;
		pend_list(d, id);
	}
	chunk_totals(d, id, &b);
	return work;
}

/*
 * A sweep's IPv4 chunk was recomputed: the chunks of its cell the sweep
 * has not reached yet go now, while the cell's walk is in scratch (with
 * every country and 1,000 origin ASes watched a cell has a few chunks,
 * and a full table's cells were walked once for each).  The sweep skips
 * them when it gets there (their gen is the sweep's).
 */
static void
sweep_cell(struct detect *d, const struct det_chunk *c, size_t budget,
    size_t *work, size_t *done, double now)
{
	struct det_chunk *s;
	struct bw_prefix cell;
	uint32_t id;
	size_t w;

	if (c->aid != AID_INET || d->reference || d->cell4 == NULL)
		return;
	chunk_cell(c, &cell);
	for (id = cell4_head(d, &cell)[0]; id != UINT32_MAX &&
	    *done < budget && *work > 0; id = s->next_cell) {
		s = DET_CHUNK(d, id);
		if (id < d->sweep_next || id >= d->sweep_end || s->dirty ||
		    s->gen == d->sweep_gen)
			continue;
		w = chunk_recompute(d, id, now);
		*work = w < *work ? *work - w : 0;
		(*done)++;
	}
}

size_t
region_recompute(struct detect *d, size_t budget, size_t *work, double now)
{
	struct det_chunk *c;
	size_t done = 0, w;
	uint32_t id;

	d->memo_on = 1;
	d->memo_ok = 0;
	while (d->dirty_head != UINT32_MAX && done < budget && *work > 0) {
		id = d->dirty_head;
		c = DET_CHUNK(d, id);
		d->dirty_head = c->next_dirty;
		c->dirty = 0;
		d->regions[c->region].ndirty--;
		/*
		 * The sweep will get to it (ahead of the sweep, not swept
		 * since the mark): there, with its cell-mates and their walk
		 * shared.  A table's new chunks are all dirty, and when the
		 * first peer became eligible hundreds of thousands of them
		 * could still be waiting: recomputed here, in the order they
		 * were made, each walked its cell alone.
		 */
		if (id >= d->sweep_next && id < d->sweep_end &&
		    c->gen != d->sweep_gen && !d->reference) {
			*work = *work > DET_WORK_PEND ? *work - DET_WORK_PEND :
			    0;
			continue;
		}
		w = chunk_recompute(d, id, now);
		*work = w < *work ? *work - w : 0;
		done++;
	}
	while (d->sweep_next < d->sweep_end && done < budget && *work > 0) {
		id = (uint32_t)d->sweep_next++;
		c = DET_CHUNK(d, id);
		d->regions[c->region].nsweep--;
		/* The dirty list does it, or did it since the mark. */
		if (c->dirty || c->gen == d->sweep_gen) {
			*work = *work > DET_WORK_PEND ? *work - DET_WORK_PEND :
			    0;
			continue;
		}
		w = chunk_recompute(d, id, now);
		*work = w < *work ? *work - w : 0;
		done++;
		sweep_cell(d, c, budget, work, &done, now);
	}
	d->memo_on = 0;
	d->memo_ok = 0;
	return done;
}

void
region_promote(struct detect *d, double now, double *next, size_t *work)
{
	struct det_chunk *c;
	struct det_bits b;
	double due;
	uint32_t id;
	int k, any;

	/* The due ones, in runs of bounded work (a table loaded: all). */
	while (d->npend > 0 && d->pendheap[0].due <= now && *work > 0) {
		id = d->pendheap[0].id;
		pend_pop(d);
		c = DET_CHUNK(d, id);
		cbits_get(d, c, &b);
		for (k = 0, any = 0; k < DET_WORDS; k++)
			any |= b.pending[k] != 0;
		due = c->pending_since + d->regions[c->region].hold_down;
		*work = *work > DET_WORK_PEND ? *work - DET_WORK_PEND : 0;
		if (any && now < due) {		/* came back since: later */
			pend_push(d, id, due);
			continue;
		}
		for (k = 0; k < DET_WORDS; k++) {
			b.seen[k] |= b.pending[k];
			b.pending[k] = 0;
		}
		cbits_put(d, c, &b);
		chunk_totals(d, id, &b);
		*work = *work > DET_WORK_CHUNK ? *work - DET_WORK_CHUNK : 0;
		c->pending_listed = 0;
	}
	if (d->npend == 0)
		return;
	due = d->pendheap[0].due - now;
	if (due < 0)
		due = 0;		/* more next run */
	if (*next < 0 || due < *next)
		*next = due;
}

uint16_t
region_pfx_count(const struct detect *d, const struct bw_prefix *p,
    uint32_t via_as)
{
	const struct rib_route *r;
	size_t n;

	r = rib_lookup(d->rib, p, &n);
	return region_routes_count(d, r, n, via_as);
}

uint16_t
region_routes_count(const struct detect *d, const struct rib_route *r,
    size_t n, uint32_t via_as)
{
	size_t i;
	uint16_t cnt = 0;
	int last = -1;

	for (i = 0; i < n; i++)
		if (r[i].peer != last && region_route_counts(d, &r[i], via_as)) {
			cnt++;
			last = r[i].peer;
		}
	return cnt;
}

struct det_mem *
region_member(struct detect *d, uint32_t ent, struct det_region *r,
    int create)
{
	struct det_mem *e;
	uint32_t made;

	if (ent == UINT32_MAX)
		return NULL;
	e = det_ptab_member(&d->ptab, ent, (uint16_t)(r - d->regions), create,
	    &made);
	if (made != UINT32_MAX) {
		r->mids = det_grow(r->mids, &r->midcap, r->npfx + 1,
		    sizeof(*r->mids));
		r->mids[r->npfx++] = made;
	}
	return e;
}

struct det_mem *
region_pfx_get(struct detect *d, struct det_region *r,
    const struct bw_prefix *p)
{
	return region_member(d, det_ptab_find(&d->ptab, p), r, 0);
}

/*
 * A member's count of visible peers changed: pfx_visible follows its
 * flag (counted at the quorum of now).  The quorum changes only with the
 * set of counting peers, and then every member is recounted through here
 * before the region is judged again: no pass over all members.
 */
void
region_pfx_update(struct detect *d, struct det_region *r, struct det_mem *e,
    uint16_t vis)
{
	unsigned c = vis >= region_quorum(d, r);

	e->vis = vis;
	if (c == e->cvis)
		return;
	e->cvis = c;
	if (c)
		r->pfx_visible++;
	else if (r->pfx_visible > 0)
		r->pfx_visible--;
}

void
region_via_text(const struct detect *d, const struct det_match *m, char *buf,
    size_t len)
{
	const struct rirstats_file *f = NULL;
	char pb[BW_PREFIX_STRLEN];

	if (m->file != DET_NOFILE && m->file < d->rs->nfiles)
		f = &d->rs->files[m->file];
	switch (m->via) {
	case VIA_PREFIX:
		prefix_fmt(&m->block, buf, len);
		break;
	case VIA_COUNTRY:
		snprintf(buf, len, "%s %s %s %s", prefix_fmt(&m->block, pb,
		    sizeof(pb)), m->cc, f ? f->name : "?", f ? f->date : "?");
		break;
	default:
		if (f != NULL)
			snprintf(buf, len, "AS%u country %s %s %s", m->asn,
			    m->cc, f->name, f->date);
		else
			snprintf(buf, len, "AS%u", m->asn);
		break;
	}
}
