/*
 * The RIB's prefix index: one path-compressed binary trie per family.
 *
 * A node is a single allocation: the prefix length, the route count, the
 * prefix bits (4 or 16 bytes), two child pointers only if it has a child
 * (most prefixes are leaves), and then the routes themselves (struct
 * rib_route, 16 bytes each).  An IPv4 leaf heard from one peer costs 24
 * bytes, a branch point 24, and every further peer 16.  A node that
 * gains its first child or loses its last one changes layout.  A node without
 * routes is only kept as a branch point (it then has two children); a
 * node that loses its last route is freed and its parent merged away if
 * the parent was such a branch point, so churn never leaves dead nodes.
 *
 * A node changes size when a route comes or goes: it is reallocated in
 * place of the old one (the caller holds the link that points to it, as
 * found on the way down).  Nodes and route arrays up to 4 KiB (256
 * routes) come from per-size slabs (slab.c: no malloc header, a chunk
 * goes back to the system as soon as its last object is freed, and the
 * trie's slabs pass empty chunks to each other through a pool); larger
 * arrays use malloc.
 *
 * The top: a large trie (TRIE_TOP_MIN nodes) hangs its prefixes of /16 or
 * longer (IPv6: /19 or longer inside 2000::/3) from a table of 2^16
 * links by their first bits, one subtrie per slot; root keeps the rest.
 * The upper 16 levels, the same for every random descent and the most
 * instructions of it, become one load.  Ordered walks interleave root's
 * nodes and the slots (top_before), so address order holds.
 *
 * Seeking a prefix: nodes with two routes or more are found in the hash
 * index (which grows a few slots per route added, never in one pass);
 * the others by a descent that follows the prefix's bits and compares
 * keys once at the bottom, starting from the finger (the links of the
 * last descent) when that covers the prefix, so a table in address
 * order descends a level or two.  trie_prefetch runs a batch's descents
 * in lock step first, so that their cache misses overlap.
 *
 * Walks are recursive (depth <= 129).  Address order is pre-order with
 * the 0 branch first, which is prefix_cmp() order.  Resumable walks keep
 * the first prefix not yet visited and find their way back to it by key
 * (O(depth)), so the trie may change freely between slices.
 */
#include <sys/mman.h>

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "slab.h"
#include "trie.h"

/* Big-endian loads and stores of key bits (keys are 4 or 16 bytes):
 * one move and a byte swap each. */
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define be64(v)	(v)
#define be32(v)	(v)
#else
#define be64(v)	__builtin_bswap64(v)
#define be32(v)	__builtin_bswap32(v)
#endif

static inline uint64_t
load_be64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return be64(v);
}

static inline void
store_be64(uint8_t *p, uint64_t v)
{
	v = be64(v);
	memcpy(p, &v, 8);
}

static inline void
store_be32(uint8_t *p, uint32_t v)
{
	v = be32(v);
	memcpy(p, &v, 4);
}

static inline uint32_t
load_be32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return be32(v);
}

/* Whether two (masked) keys are equal: word compares, no memcmp call. */
static inline int
key_equal(const struct trie *t, const uint8_t *a, const uint8_t *b)
{
	uint64_t x[2], y[2];
	uint32_t u, v;

	if (t->keylen == 4) {
		memcpy(&u, a, 4);
		memcpy(&v, b, 4);
		return u == v;
	}
	memcpy(x, a, 16);
	memcpy(y, b, 16);
	return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
}

/* Number of leading bits a and b share, at most max. */
static inline int
key_common(const struct trie *t, const uint8_t *a, const uint8_t *b, int max)
{
	uint64_t x;
	int d;

	if (t->keylen == 4) {
		x = (uint64_t)(load_be32(a) ^ load_be32(b)) << 32;
		d = x ? __builtin_clzll(x) : 64;
	} else if ((x = load_be64(a) ^ load_be64(b)) != 0)
		d = __builtin_clzll(x);
	else {
		x = load_be64(a + 8) ^ load_be64(b + 8);
		d = x ? 64 + __builtin_clzll(x) : 128;
	}
	return d < max ? d : max;
}

static inline int
key_bit(const uint8_t *k, int i)
{
	return (k[i >> 3] >> (7 - (i & 7))) & 1;
}

/* A key as two words, for descents: bit i is a shift, not a byte load. */
struct kwords {
	uint64_t	hi, lo;
};

static inline void
kw_load(const struct trie *t, const uint8_t *k, struct kwords *w)
{
	if (t->keylen == 4) {
		w->hi = (uint64_t)load_be32(k) << 32;
		w->lo = 0;
	} else {
		w->hi = load_be64(k);
		w->lo = load_be64(k + 8);
	}
}

static inline unsigned int
kw_bit(const struct kwords *w, int i)
{
	return (unsigned int)(i < 64 ? (w->hi << i) >> 63 :
	    (w->lo << (i - 64)) >> 63);
}

/* --- the top ----------------------------------------------------------- */

/* A key's first 64 bits (IPv4: its 32 bits, high). */
static inline uint64_t
key_hi(const struct trie *t, const uint8_t *k)
{
	return t->keylen == 4 ? (uint64_t)load_be32(k) << 32 : load_be64(k);
}

/* Does the prefix (key's high word, length) hang from a top slot? */
static inline int
top_in(const struct trie *t, uint64_t hi, int plen)
{
	return t->top != NULL && plen >= t->topb + TRIE_TOP_BITS &&
	    (hi & t->topmask) == t->topkey;
}

static inline size_t
top_slot(const struct trie *t, uint64_t hi)
{
	return (size_t)((hi << t->topb) >> (64 - TRIE_TOP_BITS));
}

/* The link a descent for the prefix starts from. */
static inline struct trie_node **
top_link(struct trie *t, uint64_t hi, int plen)
{
	return top_in(t, hi, plen) ? &t->top[top_slot(t, hi)] : &t->root;
}

static inline const struct trie_node *
top_start(const struct trie *t, const struct bw_prefix *p)
{
	uint64_t hi = key_hi(t, p->b);

	return top_in(t, hi, p->len) ? t->top[top_slot(t, hi)] : t->root;
}

/*
 * How many top slots come before the prefix (key, plen) in address
 * order: for one that covers the base 0, one after it all of them, one
 * inside it (shorter than a slot's prefix, or a slot's own) the index
 * of its first slot.  Ordered walks interleave root's nodes and the
 * slots with it.
 */
static size_t
top_before(const struct trie *t, const uint8_t *key, int plen)
{
	uint64_t hi = key_hi(t, key), x = (hi ^ t->topkey) & t->topmask;
	int c = x ? __builtin_clzll(x) : t->topb;

	if (c >= (plen < t->topb ? plen : t->topb))
		return plen <= t->topb ? 0 : top_slot(t, hi);
	return (hi << c) >> 63 ? TRIE_TOP_SLOTS : 0;
}

/* The slots [*lo, *hi) whose prefixes p (not in a slot) covers. */
static void
top_covered(const struct trie *t, const struct bw_prefix *p, size_t *lo,
    size_t *hi)
{
	uint64_t k = key_hi(t, p->b);

	*lo = *hi = 0;
	if (t->top == NULL)
		return;
	if (p->len <= t->topb) {
		/* All of them if p covers the base. */
		if (((k ^ t->topkey) & t->topmask &
		    ~(~(uint64_t)0 >> p->len)) == 0)
			*hi = TRIE_TOP_SLOTS;
	} else if ((k & t->topmask) == t->topkey) {
		*lo = top_slot(t, k);
		*hi = *lo + ((size_t)1 << (t->topb + TRIE_TOP_BITS - p->len));
	}
}

/* An emptied trie gives its top back (made again as it grows). */
static void
top_drop(struct trie *t)
{
	if (t->top == NULL || t->nodes > 0)
		return;
	(void)munmap(t->top, TRIE_TOP_SLOTS * sizeof(*t->top));
	t->top = NULL;
}

/* Does node n's prefix cover p (equal or less specific)? */
static inline int
node_covers(const struct trie *t, const struct trie_node *n,
    const struct bw_prefix *p)
{
	return n->plen <= p->len &&
	    key_common(t, n->key, p->b, n->plen) == n->plen;
}

static inline struct trie_node **
node_kids(const struct trie *t, struct trie_node *n)
{
	return (struct trie_node **)(void *)((uintptr_t)n + t->kidoff);
}

static inline size_t
node_size(const struct trie *t, int flags, size_t nroutes)
{
	return t->kidoff +
	    ((flags & TRIE_KIDS) ? 2 * sizeof(struct trie_node *) : 0) +
	    ((flags & TRIE_EXT) ? sizeof(struct rib_route *) :
	    nroutes * sizeof(struct rib_route));
}

/* Where a TRIE_EXT node keeps its array pointer. */
static inline struct rib_route **
node_ext(const struct trie *t, struct trie_node *n)
{
	return (struct rib_route **)(void *)((uintptr_t)n + t->kidoff +
	    (trie_haskids(n) ? 2 * sizeof(struct trie_node *) : 0));
}

static struct slab *
node_slab_make(struct trie *t, size_t size)
{
	struct slab *s;
	size_t cl = size / 8;

	/*
	 * Route arrays past the small classes (sizes that are multiples of
	 * TRIE_BIG_STEP, see arr_cap) have classes of their own: with many
	 * peers an array grows through them as it grew through the small
	 * ones, chunks passing from class to class through the pool, where
	 * malloc's realloc spent 9 % of a 100-peer load in its bins.  No
	 * array size between two slab classes may go to malloc: every
	 * prefix's array passing through it would leave the heap holes it
	 * never gives back (20 routes, 320 bytes: 190 MB at 20 peers).
	 */
	if (cl == TRIE_NCLASS)
		;	/* 320 bytes: 20 routes (arr_cap), its own slot */
	else if (cl > TRIE_NCLASS) {
		if (size > TRIE_BIG_MAX || size % TRIE_BIG_STEP != 0)
			return NULL;
		cl = TRIE_NCLASS + size / TRIE_BIG_STEP - 1;
	}
	if ((s = t->slab[cl]) == NULL) {
		if ((s = malloc(sizeof(*s))) == NULL)
			fatal("%s", __func__);
		slab_init(s, size);
		/* Route arrays move up the classes: chunks go with them. */
		slab_share(s, &t->pool);
		/*
		 * An IPv4 table's leaves (one route) and branch points, most
		 * of its memory, in huge pages as the slab grows: on a VM
		 * with shadow paging each new 4 KiB page costs 5-9 us at its
		 * first touch (a flush still returns them, see slab.c).  Not
		 * IPv6's: its last huge page, partly used, cost 1.8 MB of
		 * RSS more on the 2026 table for less than IPv4's gain.
		 */
		if (t->keylen == 4 && size == node_size(t, 0, 1))
			slab_huge_grow(s, 1);
		t->slab[cl] = s;
	}
	return s;
}

/* The slab of size, once made: a node's (most calls) in a few loads. */
static inline struct slab *
node_slab(struct trie *t, size_t size)
{
	struct slab *s;

	if (size < TRIE_NCLASS * 8 && (s = t->slab[size / 8]) != NULL)
		return s;
	return node_slab_make(t, size);
}

/* size bytes (a multiple of 8) from a slab, or malloc when large. */
static inline void *
blk_alloc(struct trie *t, size_t size)
{
	struct slab *s;
	void *p;

	if ((s = node_slab(t, size)) != NULL)
		p = slab_alloc(s);
	else if ((p = malloc(size)) != NULL)
		t->big_bytes += size;
	if (p != NULL)
		t->bytes += size;
	return p;
}

static void
blk_free(struct trie *t, void *p, size_t size)
{
	struct slab *s;

	t->bytes -= size;
	if ((s = node_slab(t, size)) != NULL)
		slab_free(s, p);
	else {
		t->big_bytes -= size;
		free(p);
	}
}

/*
 * Room an external array of n routes has: an even number while it fits
 * a slab class (every other route added to a prefix needs no new array:
 * with 10 peers 5 reallocations instead of 9, for at most one route of
 * slack), then in steps of 8 routes, so that with many peers most
 * routes added to a prefix need no reallocation.
 */
static inline size_t
arr_cap(size_t n)
{
	if (n * sizeof(struct rib_route) < TRIE_NCLASS * 8)
		return (n + 1) & ~(size_t)1;
	return (n + 7) & ~(size_t)7;
}

/* Counts a node's routes going from old to n. */
static inline void
node_count(struct trie *t, size_t old, size_t n)
{
	t->routes = t->routes + n - old;
	if ((old > 0) != (n > 0))
		t->prefixes = n > 0 ? t->prefixes + 1 : t->prefixes - 1;
}

/* --- the index of external nodes by prefix ---------------------------- */

static inline uint64_t
key_hash(const struct trie *t, const uint8_t *key, int plen)
{
	uint64_t h;

	h = t->keylen == 4 ? load_be32(key) :
	    load_be64(key) ^ (load_be64(key + 8) * 0x9e3779b97f4a7c15ULL);
	h ^= (uint64_t)plen << 56 | (uint64_t)plen;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 31;
	h *= 0x94d049bb133111ebULL;
	return h ^ (h >> 29);
}

#define SLOT_PTR	((UINT64_C(1) << 48) - 1)

static inline struct trie_node *
slot_node(uint64_t v)
{
	return (struct trie_node *)(uintptr_t)(v & SLOT_PTR);
}

/* The slot value of n whose prefix hashes to h. */
static inline uint64_t
slot_make(const struct trie_node *n, uint64_t h)
{
	return (uint64_t)(uintptr_t)n | (h & ~SLOT_PTR);
}

/* Could v be the slot of a prefix that hashes to h? */
static inline int
slot_maybe(uint64_t v, uint64_t h)
{
	return ((v ^ h) & ~SLOT_PTR) == 0;
}

/* An old slot whose entry moved or went (old table only). */
#define SLOT_TOMB	SLOT_PTR
#define HASH_MIGRATE	32	/* old slots moved per route added */

/*
 * Moves up to k slots of the old table to the new one (reading each
 * node for its hash, asked for well ahead); frees the old table when all
 * have moved.  The growth thus costs a few slots per route added, never
 * one pass over a million nodes in a single loop turn.
 */
static void
hash_migrate(struct trie *t, size_t k)
{
	size_t m = t->hcap - 1, end = t->omig + k, i, j;
	uint64_t v, h;
	struct trie_node *n;

	if (end > t->ocap)
		end = t->ocap;
	for (i = t->omig; i < end; i++) {
		if (i + 16 < t->ocap && (v = t->oslot[i + 16]) != 0 &&
		    v != SLOT_TOMB)
			__builtin_prefetch(slot_node(v));
		if ((v = t->oslot[i]) == 0 || v == SLOT_TOMB)
			continue;
		n = slot_node(v);
		h = key_hash(t, n->key, n->plen);
		for (j = h & m; t->hslot[j] != 0; j = (j + 1) & m)
			;
		t->hslot[j] = v;
		t->oslot[i] = SLOT_TOMB;
	}
	t->omig = end;
	if (t->omig == t->ocap) {
		slab_table_free(t->oslot, t->ocap * sizeof(*t->oslot));
		t->oslot = NULL;
		t->ocap = t->omig = 0;
	}
}

/*
 * A table twice the size; the entries move over a few per route added
 * (hash_migrate).  A growth due before the last one is done finishes it.
 */
static int
hash_grow(struct trie *t)
{
	size_t cap = t->hcap ? t->hcap * 2 : 1024;
	uint64_t *ns;

	if (t->oslot != NULL)
		hash_migrate(t, t->ocap);
	if ((ns = slab_table_alloc(cap * sizeof(*ns))) == NULL)
		return -1;
	if (t->hcap > 0) {
		t->oslot = t->hslot;
		t->ocap = t->hcap;
		t->omig = 0;
	}
	t->hslot = ns;
	t->hcap = cap;
	return 0;
}

int
trie_reserve(struct trie *t, size_t n)
{
	size_t cap = t->hcap > 0 ? t->hcap : 1024;
	uint64_t *ns;

	if (n > TRIE_RESERVE_MAX)
		n = TRIE_RESERVE_MAX;
	while ((n + 1) * 2 > cap)
		cap *= 2;
	if (cap <= t->hcap)
		return 0;
	if (t->oslot != NULL)
		hash_migrate(t, t->ocap);
	if ((ns = slab_table_alloc(cap * sizeof(*ns))) == NULL)
		return -1;
	/* The entries there are move now (a reserve comes early). */
	t->oslot = t->hslot;
	t->ocap = t->hcap;
	t->omig = 0;
	t->hslot = ns;
	t->hcap = cap;
	if (t->oslot != NULL)
		hash_migrate(t, t->ocap);
	return 0;
}

/*
 * Adds n; on allocation failure (or an address above 48 bits) n is just
 * not indexed (found by descent).
 */
static void
hash_add(struct trie *t, struct trie_node *n)
{
	uint64_t h;
	size_t j;

	if (((uint64_t)(uintptr_t)n & ~SLOT_PTR) != 0)
		return;
	if ((t->hn + 1) * 2 > t->hcap && hash_grow(t) == -1)
		return;
	h = key_hash(t, n->key, n->plen);
	j = h & (t->hcap - 1);
	while (t->hslot[j] != 0)
		j = (j + 1) & (t->hcap - 1);
	t->hslot[j] = slot_make(n, h);
	t->hn++;
}

/* Removes n from the old table if there; 1 if it was. */
static int
hash_del_old(struct trie *t, const struct trie_node *n, uint64_t h)
{
	size_t m = t->ocap - 1, i;

	for (i = h & m; t->oslot[i] != 0; i = (i + 1) & m)
		if (t->oslot[i] == slot_make(n, h)) {
			t->oslot[i] = SLOT_TOMB;
			return 1;
		}
	return 0;
}

/*
 * Removes n if indexed: from the new table shifting later entries back
 * (no tombstones there), or from the old one (a tombstone: its slots
 * are being moved in order).
 */
static void
hash_del(struct trie *t, const struct trie_node *n)
{
	size_t m = t->hcap - 1, i, j, k;
	uint64_t h;

	if (t->hn == 0)
		return;
	h = key_hash(t, n->key, n->plen);
	i = h & m;
	while (t->hslot[i] != slot_make(n, h)) {
		if (t->hslot[i] == 0) {
			if (t->oslot != NULL && hash_del_old(t, n, h))
				t->hn--;
			return;
		}
		i = (i + 1) & m;
	}
	for (j = i;;) {
		j = (j + 1) & m;
		if (t->hslot[j] == 0)
			break;
		k = key_hash(t, slot_node(t->hslot[j])->key,
		    slot_node(t->hslot[j])->plen) & m;
		/* Move j back to i unless its home lies cyclically in (i, j]. */
		if (i <= j ? (k <= i || k > j) : (k <= i && k > j)) {
			t->hslot[i] = t->hslot[j];
			i = j;
		}
	}
	t->hslot[i] = 0;
	t->hn--;
}

/* The node of key (masked) and plen in one table (tombstones skipped). */
static inline struct trie_node *
hash_probe1(const struct trie *t, const uint64_t *slot, size_t cap,
    const uint8_t *key, int plen, uint64_t h)
{
	size_t m = cap - 1, j;
	struct trie_node *n;
	uint64_t v;

	for (j = h & m; (v = slot[j]) != 0; j = (j + 1) & m) {
		if (!slot_maybe(v, h) || v == SLOT_TOMB)
			continue;
		n = slot_node(v);
		if (n->plen == plen && key_equal(t, n->key, key))
			return n;
	}
	return NULL;
}

/* The indexed node of key (masked) and plen; h is their hash. */
static inline struct trie_node *
hash_probe(const struct trie *t, const uint8_t *key, int plen, uint64_t h)
{
	struct trie_node *n;

	if ((n = hash_probe1(t, t->hslot, t->hcap, key, plen, h)) == NULL &&
	    t->oslot != NULL)
		n = hash_probe1(t, t->oslot, t->ocap, key, plen, h);
	return n;
}

/*
 * The prefix's bits past its length are zero wherever it came from
 * (prefix_set, trie_prefix); one that is not simply misses the index
 * (the nodes' keys are masked) and is found by descent.
 */
static struct trie_node *
hash_find(const struct trie *t, const struct bw_prefix *p)
{
	return hash_probe(t, p->b, p->len, key_hash(t, p->b, p->len));
}

/* --- prefetching a batch --------------------------------------------- */

#define PF(a)	__builtin_prefetch((const void *)(a), 0, 3)

/* Prefetches the lines of an external array a route of peer may touch. */
static inline void
pf_routes(const struct trie *t, const struct trie_node *n)
{
	const struct rib_route *r = trie_routes(t, n);
	size_t bytes = n->nroutes * sizeof(*r);

	PF(r);
	if (bytes > 64)
		PF((const uint8_t *)r + bytes / 2);
	if (bytes > 128)
		PF((const uint8_t *)r + bytes - 1);
}

/* Bits two keys share (up to 128). */
static inline int
kw_common(const struct kwords *a, const struct kwords *b)
{
	uint64_t x;

	if ((x = a->hi ^ b->hi) != 0)
		return __builtin_clzll(x);
	if ((x = a->lo ^ b->lo) != 0)
		return 64 + __builtin_clzll(x);
	return 128;
}

/* A prefix this close to the one before it finds its way warm. */
#define PF_NEAR		8

void
trie_prefetch(const struct trie *t, const struct bw_prefix *p, size_t n)
{
	const struct trie_node *cur[TRIE_PREFETCH_MAX], *x;
	struct kwords kw[TRIE_PREFETCH_MAX], fk = { t->fkey[0], t->fkey[1] };
	uint64_t h[TRIE_PREFETCH_MAX], v;
	uint8_t act[TRIE_PREFETCH_MAX], near[TRIE_PREFETCH_MAX];
	const uintptr_t kidoff = t->kidoff;
	size_t m = t->hcap - 1, i, j, k, left;
	int probe = t->hn > 0;

	if (n > TRIE_PREFETCH_MAX)
		n = TRIE_PREFETCH_MAX;
	/* 1: the index slots (the prefixes come masked from the decoder;
	 * a prefix that is not only warms a wrong line) and the top's,
	 * which only a descent reads: a near prefix (3) has none here. */
	for (i = 0; i < n; i++) {
		kw_load(t, p[i].b, &kw[i]);
		near[i] = kw_common(&kw[i], i > 0 ? &kw[i - 1] : &fk) +
		    PF_NEAR >= p[i].len && (i > 0 || t->fn > 0);
		if (probe) {
			h[i] = key_hash(t, p[i].b, p[i].len);
			PF(&t->hslot[h[i] & m]);
		}
		if (!near[i] && top_in(t, kw[i].hi, p[i].len))
			PF(&t->top[top_slot(t, kw[i].hi)]);
	}
	/* 2: the nodes whose hash matches (most often the one). */
	if (probe)
		for (i = 0; i < n; i++)
			for (j = h[i] & m; (v = t->hslot[j]) != 0;
			    j = (j + 1) & m)
				if (slot_maybe(v, h[i])) {
					PF(slot_node(v));
					break;
				}
	/*
	 * 3: found: its routes; not found: a descent follows, unless the
	 * prefix is near the one before it (the first: near the finger's;
	 * a table in address order): the seek of that one will have
	 * brought all but the last few levels in, and a descent here would
	 * cost more than it saves.
	 */
	left = 0;
	for (i = 0; i < n; i++) {
		if (probe && (x = hash_probe(t, p[i].b, p[i].len, h[i])) !=
		    NULL) {
			pf_routes(t, x);
			continue;
		}
		if (near[i])
			continue;
		if ((x = top_start(t, &p[i])) == NULL)
			continue;
		PF(x);
		cur[left] = x;
		act[left++] = (uint8_t)i;
	}
	/* 4: the descents, in lock step, one level per round: each round
	 * reads the nodes the previous one asked for (cur[k] is the next
	 * node of prefix act[k]; finished ones leave the list). */
	while (left > 0) {
		for (k = j = 0; k < left; k++) {
			x = cur[k];
			i = act[k];
			/* By bits only, as seek_descend goes. */
			if (x->plen >= p[i].len || !trie_haskids(x)) {
				if (x->nroutes > 0 && x->plen == p[i].len)
					pf_routes(t, x);
				continue;
			}
			x = *((struct trie_node *const *)(const void *)
			    ((uintptr_t)x + kidoff) + kw_bit(&kw[i], x->plen));
			if (x != NULL) {
				PF(x);
				cur[j] = x;
				act[j++] = (uint8_t)i;
			}
		}
		left = j;
	}
}

/* --- nodes ------------------------------------------------------------ */

/*
 * A node of layout flags for nroutes routes (children NULL, no external
 * array yet); the caller sets the key.
 */
static inline struct trie_node *
node_alloc(struct trie *t, int flags, size_t nroutes)
{
	struct trie_node *n;

	if ((n = blk_alloc(t, node_size(t, flags, nroutes))) == NULL)
		return NULL;
	n->nroutes = (uint16_t)nroutes;
	n->flags = (uint8_t)flags;
	if (flags & TRIE_KIDS)
		node_kids(t, n)[0] = node_kids(t, n)[1] = NULL;
	if (flags & TRIE_EXT)
		*node_ext(t, n) = NULL;
	t->nodes++;
	node_count(t, 0, nroutes);
	return n;
}

/* Frees n's own block, not its external array. */
static void
node_drop(struct trie *t, struct trie_node *n)
{
	t->nodes--;
	node_count(t, n->nroutes, 0);
	if ((n->flags & TRIE_EXT) && t->hcap > 0)
		hash_del(t, n);
	blk_free(t, n, node_size(t, n->flags, n->nroutes));
}

static void
node_free(struct trie *t, struct trie_node *n)
{
	if ((n->flags & TRIE_EXT) && n->nroutes > 0)
		blk_free(t, *node_ext(t, n), arr_cap(n->nroutes) *
		    sizeof(struct rib_route));
	node_drop(t, n);
}

/*
 * The external array *rp of old routes made one of n: [0, at) stay,
 * [at, keep) go to at + gap (gap 1 opens a slot; gap 0 with at == n
 * truncates).  Returns 0, or -1 (nothing changed) out of memory.
 */
static int
arr_resize(struct trie *t, struct rib_route **rp, size_t old, size_t n,
    size_t at, size_t gap)
{
	const size_t sz = sizeof(struct rib_route);
	size_t ocap = arr_cap(old), ncap = arr_cap(n);
	size_t keep = n - gap < old ? n - gap : old;
	struct rib_route *r = *rp, *a = NULL;

	if (old > 0 && ocap == ncap) {
		if (keep > at)
			memmove(r + at + gap, r + at, (keep - at) * sz);
		return 0;
	}
	if (old > 0 && n > 0 && node_slab(t, ocap * sz) == NULL &&
	    node_slab(t, ncap * sz) == NULL) {
		if ((a = realloc(r, ncap * sz)) == NULL)
			return -1;
		t->bytes = t->bytes + ncap * sz - ocap * sz;
		t->big_bytes = t->big_bytes + ncap * sz - ocap * sz;
		if (keep > at)
			memmove(a + at + gap, a + at, (keep - at) * sz);
		*rp = a;
		return 0;
	}
	if (n > 0 && (a = blk_alloc(t, ncap * sz)) == NULL)
		return -1;
	if (at > 0)
		memcpy(a, r, at * sz);
	if (keep > at)
		memcpy(a + at + gap, r + at, (keep - at) * sz);
	if (old > 0)
		blk_free(t, r, ocap * sz);
	*rp = a;
	return 0;
}

/*
 * Moves *np to a node with haskids and nroutes routes: the old routes
 * [0, at) stay, [at, old) go to [at + gap, ...) (gap 1 opens a slot; gap
 * 0 with at == nroutes truncates).  Children are kept (a node only drops
 * its child pointers when both are NULL).  With two routes or more a
 * node keeps them in an external array; then only a change of haskids
 * or going back to one route moves it.
 */
static struct trie_node *
node_resize(struct trie *t, struct trie_node **np, int haskids,
    size_t nroutes, size_t at, size_t gap)
{
	struct trie_node *o = *np, *n;
	struct rib_route *r = trie_routes(t, o), *a = NULL;
	size_t old = o->nroutes, keep = nroutes - gap < old ? nroutes - gap : old;
	int flags = (haskids ? TRIE_KIDS : 0) | (nroutes >= 2 ? TRIE_EXT : 0);

	if (flags == o->flags && (flags & TRIE_EXT)) {
		/* The node stays; only its array changes. */
		if (arr_resize(t, node_ext(t, o), old, nroutes, at, gap) == -1)
			return NULL;
		node_count(t, old, nroutes);
		o->nroutes = (uint16_t)nroutes;
		return o;
	}
	if ((n = node_alloc(t, flags, (flags & TRIE_EXT) ? 0 : nroutes)) ==
	    NULL)
		return NULL;
	memcpy(n->key, o->key, t->keylen);
	n->plen = o->plen;
	if ((flags & TRIE_KIDS) && trie_haskids(o))
		memcpy(node_kids(t, n), node_kids(t, o),
		    2 * sizeof(struct trie_node *));
	if (!(flags & TRIE_EXT)) {
		/* Inline (o may have had an external array: 2 -> 1). */
		if (at > 0)
			memcpy(trie_routes(t, n), r, at * sizeof(*r));
		if (keep > at)
			memcpy(trie_routes(t, n) + at + gap, r + at,
			    (keep - at) * sizeof(*r));
		node_free(t, o);
		*np = n;
		return n;
	}
	if (o->flags & TRIE_EXT) {
		/* n takes o's array over. */
		a = r;
		if (arr_resize(t, &a, old, nroutes, at, gap) == -1) {
			node_drop(t, n);
			return NULL;
		}
	} else {
		/* The second route: the routes move out of the node. */
		if ((a = blk_alloc(t, arr_cap(nroutes) * sizeof(*a))) == NULL) {
			node_drop(t, n);
			return NULL;
		}
		if (at > 0)
			memcpy(a, r, at * sizeof(*r));
		if (keep > at)
			memcpy(a + at + gap, r + at, (keep - at) * sizeof(*r));
	}
	*node_ext(t, n) = a;
	node_count(t, 0, nroutes);
	n->nroutes = (uint16_t)nroutes;
	node_drop(t, o);
	hash_add(t, n);
	*np = n;
	return n;
}

void
trie_init(struct trie *t, uint8_t aid)
{
	memset(t, 0, sizeof(*t));
	t->aid = aid;
	t->keylen = (uint8_t)aid_addrlen(aid);
	t->maxplen = (uint8_t)aid_maxplen(aid);
	t->kidoff = (uint8_t)((offsetof(struct trie_node, key) + t->keylen +
	    7) & ~(size_t)7);
	t->pool.max = SLAB_POOL_MAX;
	t->topmin = TRIE_TOP_MIN;
	if (aid == AID_INET6) {
		/* Unicast space: 2000::/3. */
		t->topb = 3;
		t->topmask = ~(~(uint64_t)0 >> 3);
		t->topkey = (uint64_t)1 << 61;
	}
}

static void
clear_rec(struct trie *t, struct trie_node *n,
    void (*fn)(struct rib_route *, size_t, void *), void *arg)
{
	if (n == NULL)
		return;
	clear_rec(t, trie_child(t, n, 0), fn, arg);
	clear_rec(t, trie_child(t, n, 1), fn, arg);
	if (n->nroutes > 0 && fn != NULL)
		fn(trie_routes(t, n), n->nroutes, arg);
	/* Nodes and slab arrays go with their slabs (trie_clear). */
	if ((n->flags & TRIE_EXT) && n->nroutes > 0 &&
	    node_slab(t, arr_cap(n->nroutes) * sizeof(struct rib_route)) ==
	    NULL)
		free(*node_ext(t, n));
}

void
trie_clear(struct trie *t, void (*fn)(struct rib_route *, size_t, void *),
    void *arg)
{
	int i, walk;

	slab_table_free(t->hslot, t->hcap * sizeof(*t->hslot));
	t->hslot = NULL;
	t->hcap = t->hn = 0;
	slab_table_free(t->oslot, t->ocap * sizeof(*t->oslot));
	t->oslot = NULL;
	t->ocap = t->omig = 0;
	t->fn = 0;
	/* Without a callback the walk is only for malloc's arrays. */
	walk = fn != NULL || t->big_bytes > 0;
	if (walk)
		clear_rec(t, t->root, fn, arg);
	t->root = NULL;
	if (t->top != NULL) {
		for (i = 0; i < (int)TRIE_TOP_SLOTS; i++)
			if (walk && t->top[i] != NULL)
				clear_rec(t, t->top[i], fn, arg);
		t->nodes = 0;
		top_drop(t);
	}
	t->nodes = t->prefixes = t->routes = t->bytes = t->big_bytes = 0;
	/* A few munmaps for the whole trie, not one per 64 KiB chunk. */
	for (i = 0; i < TRIE_NSLAB; i++) {
		if (t->slab[i] == NULL)
			continue;
		slab_release(t->slab[i]);
		free(t->slab[i]);
		t->slab[i] = NULL;
	}
	slab_pool_reset(&t->pool);	/* its chunks were the slabs' */
}

void
trie_swap(struct trie *a, struct trie *b)
{
	struct trie t;
	int i;

	t = *a;
	*a = *b;
	*b = t;
	/* The finger's first link and the slabs' pool are inside the struct. */
	a->fn = b->fn = 0;
	for (i = 0; i < TRIE_NSLAB; i++) {
		if (a->slab[i] != NULL)
			slab_share(a->slab[i], &a->pool);
		if (b->slab[i] != NULL)
			slab_share(b->slab[i], &b->pool);
	}
}

void
trie_prefix(const struct trie *t, const struct trie_node *n,
    struct bw_prefix *p)
{
	memset(p, 0, sizeof(*p));
	p->aid = t->aid;
	p->len = n->plen;
	memcpy(p->b, n->key, t->keylen);
}

const struct trie_node *
trie_lookup(const struct trie *t, const struct bw_prefix *p)
{
	const struct trie_node *n;

	/* A prefix with two routes or more is in the index. */
	if (t->hn > 0 && (n = hash_find(t, p)) != NULL)
		return n;
	n = top_start(t, p);

	while (n != NULL && node_covers(t, n, p)) {
		if (n->plen == p->len)
			return n->nroutes > 0 ? n : NULL;
		n = trie_child(t, n, key_bit(p->b, n->plen));
	}
	return NULL;
}

/*
 * The nodes covering p lie on its path in root, then (p in a slot) on
 * its path in the slot's subtrie: all of root's are shorter.
 */
const struct trie_node *
trie_match(const struct trie *t, const struct bw_prefix *p)
{
	const struct trie_node *n = t->root, *best = NULL;
	const struct trie_node *slot = top_start(t, p);

	for (;;) {
		while (n != NULL && node_covers(t, n, p)) {
			if (n->nroutes > 0)
				best = n;
			if (n->plen == p->len)
				break;
			n = trie_child(t, n, key_bit(p->b, n->plen));
		}
		if (slot == t->root)
			return best;
		n = slot;
		slot = t->root;
	}
}

int
trie_walk_covering(const struct trie *t, const struct bw_prefix *p,
    trie_cb cb, void *arg)
{
	const struct trie_node *n = t->root, *slot = top_start(t, p);
	int r;

	for (;;) {
		while (n != NULL && node_covers(t, n, p)) {
			if (n->nroutes > 0 && (r = cb(t, n, arg)) != 0)
				return r;
			if (n->plen == p->len)
				break;
			n = trie_child(t, n, key_bit(p->b, n->plen));
		}
		if (slot == t->root)
			return 0;
		n = slot;
		slot = t->root;
	}
}

static int
walk_subtree(const struct trie *t, const struct trie_node *n, trie_cb cb,
    void *arg)
{
	int r;

	for (; n != NULL; n = trie_child(t, n, 1)) {
		if (n->nroutes > 0 && (r = cb(t, n, arg)) != 0)
			return r;
		if ((r = walk_subtree(t, trie_child(t, n, 0), cb, arg)) != 0)
			return r;
	}
	return 0;
}

/* A walk of root's nodes and the top's slots [next, end) in order. */
struct mwalk {
	const struct trie	*t;
	size_t			 next, end;
	trie_cb			 cb;
	void			*arg;
};

/* The slots before upto, those not yet walked. */
static int
mwalk_slots(struct mwalk *w, size_t upto)
{
	const struct trie_node *n;
	int r;

	if (upto > w->end)
		upto = w->end;
	for (; w->next < upto; w->next++)
		if ((n = w->t->top[w->next]) != NULL &&
		    (r = walk_subtree(w->t, n, w->cb, w->arg)) != 0)
			return r;
	return 0;
}

/* walk_subtree of a subtree of root, the slots before each node first. */
static int
mwalk_rec(struct mwalk *w, const struct trie_node *n)
{
	int r;

	for (; n != NULL; n = trie_child(w->t, n, 1)) {
		if ((r = mwalk_slots(w, top_before(w->t, n->key, n->plen))) !=
		    0)
			return r;
		if (n->nroutes > 0 && (r = w->cb(w->t, n, w->arg)) != 0)
			return r;
		if ((r = mwalk_rec(w, trie_child(w->t, n, 0))) != 0)
			return r;
	}
	return 0;
}

int
trie_walk_covered(const struct trie *t, const struct bw_prefix *p,
    trie_cb cb, void *arg)
{
	const struct trie_node *n = top_start(t, p), *sub = NULL;
	struct mwalk w;
	int r;

	while (n != NULL) {
		if (n->plen >= p->len) {
			if (key_common(t, n->key, p->b, p->len) == p->len)
				sub = n;
			break;
		}
		if (!node_covers(t, n, p))
			break;
		n = trie_child(t, n, key_bit(p->b, n->plen));
	}
	if (top_in(t, key_hi(t, p->b), p->len))
		return sub != NULL ? walk_subtree(t, sub, cb, arg) : 0;
	/* From root: the slots p covers too, in order. */
	w.t = t;
	top_covered(t, p, &w.next, &w.end);
	w.cb = cb;
	w.arg = arg;
	if ((r = mwalk_rec(&w, sub)) != 0)
		return r;
	return mwalk_slots(&w, w.end);
}

/*
 * Where a descent for key w may start: the deepest finger link whose
 * node covers w's prefix of length plen (at most 8 links up from the
 * bottom, else start: root or its top slot).  Returns how many links of t->fpath to keep.
 */
static inline int
finger_start(const struct trie *t, const struct kwords *w, int plen,
    struct trie_node **start)
{
	struct kwords f = { t->fkey[0], t->fkey[1] };
	int j, c, stop;

	/* A finger from another top slot (or root) is of no use. */
	if (t->fn == 0 || t->fpath[0] != start)
		return 0;
	/* Every finger node covers the finger's prefix: it covers ours
	 * when it is no longer than the bits the two share. */
	c = kw_common(w, &f);
	if (c > plen)
		c = plen;
	stop = t->fn > 8 ? t->fn - 8 : 0;
	for (j = t->fn - 1; j >= stop; j--)
		if ((*t->fpath[j])->plen <= c)
			return j;
	return 0;
}

/*
 * trie_seek by descent: sets link and plink.  The descent follows the
 * prefix's bits only and records the links it took (in t->fpath); one
 * key comparison with the deepest node reached then tells which of them
 * cover p (keys along a path extend each other, so an ancestor covers p
 * exactly when its length is at most the bits p shares with that node).
 * A level is a load, a length test and a bit: no key comparison per
 * level.  It starts from the finger when that covers p.
 */
static struct trie_node *
seek_descend(struct trie *t, const struct bw_prefix *p, struct trie_pos *pos)
{
	struct trie_node ***path = t->fpath, **link, **start, *n, *m;
	const uintptr_t kidoff = t->kidoff;
	const uint8_t plen = p->len;
	struct kwords w;
	int d, c, lim;

	pos->node = NULL;
	kw_load(t, p->b, &w);
	start = top_link(t, w.hi, plen);
	d = finger_start(t, &w, plen, start);
	link = d > 0 ? path[d] : start;
	t->fn = 0;
	t->fseq++;
	t->fkey[0] = w.hi;
	t->fkey[1] = w.lo;
	pos->seq = t->fseq;
	pos->fk = 0;
	if (t->keylen == 4) {
		/* IPv4: the key in one 32-bit word, plen < 32 here. */
		const uint32_t k = (uint32_t)(w.hi >> 32);

		while ((n = *link) != NULL) {
			path[d++] = link;
			if (n->plen >= plen || !trie_haskids(n))
				break;
			link = (struct trie_node **)(void *)((uintptr_t)n +
			    kidoff) + ((k << n->plen) >> 31);
		}
	} else
		while ((n = *link) != NULL) {
			path[d++] = link;
			if (n->plen >= plen || !trie_haskids(n))
				break;
			link = (struct trie_node **)(void *)((uintptr_t)n +
			    kidoff) + kw_bit(&w, n->plen);
		}
	if (d == 0) {
		/* Empty trie. */
		pos->link = link;
		pos->plink = NULL;
		return NULL;
	}
	pos->fk = (uint16_t)d;
	m = *path[d - 1];
	lim = m->plen < p->len ? m->plen : p->len;
	c = key_common(t, m->key, p->b, lim);
	if (c == m->plen) {
		/* m covers p: p is m, or goes below it. */
		pos->plink = m->plen == p->len ? (d > 1 ? path[d - 2] : NULL) :
		    path[d - 1];
		if (m->plen == p->len) {
			pos->link = path[d - 1];
			return m;
		}
		/* Below a childless m (link NULL), or in m's empty slot. */
		pos->link = n != NULL ? NULL : link;
		return NULL;
	}
	/* The first node on the way that does not cover p: p goes there. */
	while (d > 1 && (*path[d - 2])->plen > c)
		d--;
	pos->link = path[d - 1];
	pos->plink = d > 1 ? path[d - 2] : NULL;
	pos->fk = (uint16_t)d;
	return NULL;
}

static struct trie_node *node_collapse(struct trie *, struct trie_node *);

/* Moves root's subtrees that belong in a slot there (top_make). */
static void
top_split(struct trie *t, struct trie_node **link)
{
	struct trie_node *n = *link;
	uint64_t hi;

	if (n == NULL)
		return;
	hi = key_hi(t, n->key);
	if (top_in(t, hi, n->plen)) {
		/* Slots start empty: two subtrees of one slot would have a
		 * branch point in the slot too, that moved first. */
		t->top[top_slot(t, hi)] = n;
		*link = NULL;
		return;
	}
	if (!trie_haskids(n))
		return;
	top_split(t, &node_kids(t, n)[0]);
	top_split(t, &node_kids(t, n)[1]);
	*link = node_collapse(t, n);
}

/*
 * Makes the top once the trie is large enough to gain from it (a small
 * one, like the detector's, keeps its plain walks): a table whose pages
 * the kernel gives as slots are first used, root's subtrees split into
 * it.  Without the memory the trie just stays as it is.
 */
static void
top_make(struct trie *t)
{
	void *m;

	m = mmap(NULL, TRIE_TOP_SLOTS * sizeof(*t->top),
	    PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		t->topmin = SIZE_MAX;
		return;
	}
	t->top = m;
	t->fn = 0;
	top_split(t, &t->root);
}

struct trie_node *
trie_seek(struct trie *t, const struct bw_prefix *p, struct trie_pos *pos)
{
	struct trie_node *n;

	if (t->top == NULL && t->nodes >= t->topmin)
		top_make(t);

	if (t->hn > 0 && (n = hash_find(t, p)) != NULL) {
		pos->link = pos->plink = NULL;
		pos->node = n;
		return n;
	}
	return seek_descend(t, p, pos);
}

void
trie_prefetch_index(const struct trie *t, const struct bw_prefix *p)
{
	/* For writing: the slot is where a new node's entry goes. */
	if (t->hcap > 0)
		__builtin_prefetch(&t->hslot[key_hash(t, p->b, p->len) &
		    (t->hcap - 1)], 1, 3);
}

struct trie_node *
trie_seek_near(struct trie *t, const struct bw_prefix *p, struct trie_pos *pos)
{
	return seek_descend(t, p, pos);
}

/* Sets n's prefix to the first len bits of key (word stores). */
static inline void
node_setkey(const struct trie *t, struct trie_node *n, const uint8_t *key,
    int len)
{
	uint64_t m[2];
	uint32_t u;

	n->plen = (uint8_t)len;
	if (t->keylen == 4) {
		u = load_be32(key) & (len == 0 ? 0 :
		    ~(uint32_t)0 << (32 - len));
		store_be32(n->key, u);
		return;
	}
	/* Masks in network byte order, from big-endian words. */
	m[0] = len >= 64 ? ~(uint64_t)0 : len == 0 ? 0 :
	    ~(uint64_t)0 << (64 - len);
	m[1] = len >= 128 ? ~(uint64_t)0 : len <= 64 ? 0 :
	    ~(uint64_t)0 << (128 - len);
	store_be64(n->key, load_be64(key) & m[0]);
	store_be64(n->key + 8, load_be64(key + 8) & m[1]);
}

/* Puts a new node x for p where *link (not covering p) is now. */
static struct trie_node *
trie_insert(struct trie *t, struct trie_node **link, const struct bw_prefix *p)
{
	struct trie_node *n = *link, *x, *b;
	int d;

	d = n == NULL ? 0 :
	    key_common(t, n->key, p->b, n->plen < p->len ? n->plen : p->len);
	if ((x = node_alloc(t, n != NULL && d == p->len, 1)) == NULL)
		return NULL;
	node_setkey(t, x, p->b, p->len);
	if (n == NULL) {
		*link = x;
		return x;
	}
	if (d == p->len) {
		/* p covers n. */
		node_kids(t, x)[key_bit(n->key, d)] = n;
		*link = x;
		return x;
	}
	if ((b = node_alloc(t, 1, 0)) == NULL) {
		node_free(t, x);
		return NULL;
	}
	node_setkey(t, b, p->b, d);
	node_kids(t, b)[key_bit(p->b, d)] = x;
	node_kids(t, b)[!key_bit(p->b, d)] = n;
	*link = b;
	return x;
}

/* Opens gap slots at index at of an existing node; a new node gets one. */
static struct trie_node *
add_at(struct trie *t, const struct trie_pos *pos, const struct bw_prefix *p,
    size_t at, size_t gap)
{
	struct trie_node *n, *par;

	if ((n = pos->node) != NULL) {
		/* Indexed: external routes, so the node does not move. */
		if (n->nroutes + gap > TRIE_MAX_ROUTES || at > n->nroutes)
			return NULL;
		return node_resize(t, &n, trie_haskids(n), n->nroutes + gap,
		    at, gap);
	}
	if (pos->link == NULL) {
		/* Below a childless node: it needs child pointers first. */
		par = *pos->plink;
		if (node_resize(t, pos->plink, 1, par->nroutes, par->nroutes,
		    0) == NULL)
			return NULL;
		par = *pos->plink;
		if ((n = trie_insert(t, &node_kids(t, par)[key_bit(p->b,
		    par->plen)], p)) == NULL)
			(void)node_resize(t, pos->plink, 0, par->nroutes,
			    par->nroutes, 0);
		return n;
	}
	n = *pos->link;
	if (n == NULL || n->plen != p->len || !node_covers(t, n, p))
		return trie_insert(t, pos->link, p);
	if (n->nroutes + gap > TRIE_MAX_ROUTES || at > n->nroutes)
		return NULL;
	return node_resize(t, pos->link, trie_haskids(n), n->nroutes + gap,
	    at, gap);
}

/* After add_at: keeps the finger when it still holds, migrates the index. */
static void
add_done(struct trie *t, const struct trie_pos *pos, struct trie_node *n)
{
	/* An indexed node does not move; else the finger holds if pos came
	 * from the last descent (see struct trie). */
	if (pos->node == NULL)
		t->fn = n != NULL && pos->seq == t->fseq ? pos->fk : 0;
	/* Every route added moves some of a growing index (not only new
	 * indexed nodes: with many peers most routes add to one), so the
	 * old table is soon gone. */
	if (t->oslot != NULL)
		hash_migrate(t, HASH_MIGRATE);
}

struct trie_node *
trie_add(struct trie *t, const struct trie_pos *pos, const struct bw_prefix *p,
    size_t at)
{
	struct trie_node *n = add_at(t, pos, p, at, 1);

	add_done(t, pos, n);
	return n;
}

struct trie_node *
trie_add_n(struct trie *t, const struct trie_pos *pos,
    const struct bw_prefix *p, size_t at, size_t k)
{
	struct trie_node *n;
	struct trie_pos np;

	if (k <= 1)
		return k == 1 ? trie_add(t, pos, p, at) : NULL;
	n = add_at(t, pos, p, at, k);
	add_done(t, pos, n);
	if (n == NULL || n->nroutes >= k)
		return n;
	/* A new node came with one slot (at is 0): the others open after
	 * it as on a node that was there, found again from the finger the
	 * insert left. */
	if (seek_descend(t, p, &np) != n)
		fatal("%s: node lost", __func__);
	n = add_at(t, &np, p, 1, k - 1);
	add_done(t, &np, n);
	if (n == NULL) {
		(void)seek_descend(t, p, &np);
		trie_del(t, &np, 0);
	}
	return n;
}

void
trie_shrink(struct trie *t, struct trie_node **np, size_t nroutes)
{
	t->fn = 0;
	if (nroutes == (*np)->nroutes)
		return;
	if (node_resize(t, np, trie_haskids(*np), nroutes, nroutes, 0) == NULL)
		fatal("%s: out of memory", __func__);
}

/*
 * Settles n after a change below or in it: a node without routes that is
 * no branch point goes (its child, if any, takes its place), a node whose
 * children are all gone drops its child pointers.  Returns the link.
 */
static struct trie_node *
node_collapse(struct trie *t, struct trie_node *n)
{
	struct trie_node *c0 = trie_child(t, n, 0), *c1 = trie_child(t, n, 1);

	if (n->nroutes > 0) {
		/* Out of memory just keeps the (NULL) child pointers. */
		if (trie_haskids(n) && c0 == NULL && c1 == NULL)
			(void)node_resize(t, &n, 0, n->nroutes, n->nroutes, 0);
		return n;
	}
	if (c0 != NULL && c1 != NULL)
		return n;
	node_free(t, n);
	return c0 != NULL ? c0 : c1;
}

static void
del_at(struct trie *t, const struct trie_pos *pos, size_t at)
{
	struct trie_node *n = pos->node != NULL ? pos->node : *pos->link;
	struct trie_node *c0 = trie_child(t, n, 0), *c1 = trie_child(t, n, 1);
	struct rib_route *r = trie_routes(t, n);
	struct trie_pos dpos;
	struct bw_prefix p;

	if (pos->node != NULL && n->nroutes <= 2) {
		/* The node moves or goes: that needs the links the index
		 * skipped. */
		trie_prefix(t, n, &p);
		(void)seek_descend(t, &p, &dpos);
		pos = &dpos;
	}
	if (n->nroutes > 1 || (c0 != NULL && c1 != NULL)) {
		memmove(r + at, r + at + 1,
		    (n->nroutes - at - 1) * sizeof(struct rib_route));
		/* An indexed node with 3 routes or more keeps its place. */
		trie_shrink(t, pos->node != NULL ? &n : pos->link,
		    n->nroutes - 1U);
		return;
	}
	/* Its last route, and no branch point: the node goes. */
	*pos->link = c0 != NULL ? c0 : c1;
	node_free(t, n);
	if (*pos->link == NULL && pos->plink != NULL)
		*pos->plink = node_collapse(t, *pos->plink);
}

void
trie_del(struct trie *t, const struct trie_pos *pos, size_t at)
{
	del_at(t, pos, at);
	t->fn = 0;
	top_drop(t);
}

/* Where a resumable walk stands relative to its key. */
enum slice_mode {
	SLICE_SKIP = 0,		/* subtree entirely before the key */
	SLICE_EDGE,		/* subtree holds the key's position */
	SLICE_ALL		/* subtree entirely at or after the key */
};

/*
 * For node n on the edge of the walk (key k: the first prefix to visit):
 * whether n itself is to be visited, and the modes of its children.
 */
static int
slice_classify(const struct trie *t, const struct trie_node *n,
    const struct bw_prefix *k, enum slice_mode kid[2])
{
	int m = n->plen < k->len ? n->plen : k->len;
	int d = key_common(t, n->key, k->b, m), b;

	if (d < m) {
		/* Disjoint: all before or all after the key. */
		kid[0] = kid[1] = key_bit(n->key, d) ? SLICE_ALL : SLICE_SKIP;
		return kid[0] == SLICE_ALL;
	}
	if (n->plen > k->len) {
		kid[0] = kid[1] = SLICE_ALL;
		return 1;
	}
	if (n->plen == k->len) {
		kid[0] = kid[1] = SLICE_ALL;
		return 1;
	}
	b = key_bit(k->b, n->plen);
	kid[b] = SLICE_EDGE;
	kid[!b] = b == 0 ? SLICE_ALL : SLICE_SKIP;
	return 0;
}

struct slice {
	const struct bw_prefix	*key;		/* first prefix to visit */
	size_t			 budget;
	trie_visit		 visit;
	trie_cb			 cb;
	void			*arg;
	struct bw_prefix	*next;
	int			 stop;
	/* The top's slots: next to walk, the key's (SLICE_EDGE); walks
	 * of root's nodes take the slots before each node first. */
	size_t			 snext, sedge;
	int			 inroot;
};

/* Where a slice of key starts in the top (s->key set). */
static void
slice_top(const struct trie *t, struct slice *s, int started)
{
	uint64_t hi = key_hi(t, s->key->b);

	s->sedge = SIZE_MAX;
	s->snext = 0;
	if (!started)
		return;
	s->snext = top_before(t, s->key->b, s->key->len);
	if (top_in(t, hi, s->key->len))
		s->sedge = s->snext;
}

static struct trie_node *slice_rec(struct trie *, struct slice *,
	    struct trie_node *, enum slice_mode);
static void slice_ro_rec(const struct trie *, struct slice *,
	    const struct trie_node *, enum slice_mode);

/* Walks the slots before upto not walked yet (rw: trie_slice's). */
static void
slice_slots(const struct trie *t, struct trie *rw, struct slice *s,
    size_t upto)
{
	int inroot = s->inroot;

	if (t->top == NULL)
		return;
	s->inroot = 0;
	for (; s->snext < upto && !s->stop; s->snext++) {
		enum slice_mode m = s->snext == s->sedge ? SLICE_EDGE :
		    SLICE_ALL;

		if (t->top[s->snext] == NULL)
			continue;
		if (rw != NULL)
			rw->top[s->snext] = slice_rec(rw, s, rw->top[s->snext],
			    m);
		else
			slice_ro_rec(t, s, t->top[s->snext], m);
	}
	s->inroot = inroot;
}

/*
 * Visits n's subtree (as mode says).  When the budget is spent, the next
 * node with routes is not visited but stored as where to resume.
 */
static struct trie_node *
slice_rec(struct trie *t, struct slice *s, struct trie_node *n,
    enum slice_mode mode)
{
	enum slice_mode kid[2] = { SLICE_ALL, SLICE_ALL };
	int self = 1, i;

	if (n == NULL || mode == SLICE_SKIP)
		return n;
	if (s->inroot) {
		slice_slots(t, t, s, top_before(t, n->key, n->plen));
		if (s->stop)
			return n;
	}
	if (mode == SLICE_EDGE)
		self = slice_classify(t, n, s->key, kid);
	if (self && n->nroutes > 0) {
		if (s->budget == 0) {
			trie_prefix(t, n, s->next);
			s->stop = 1;
			return n;
		}
		s->budget--;
		if (s->visit(t, &n, s->arg) != 0)
			s->budget = 0;
	}
	for (i = 0; i < 2 && !s->stop && trie_haskids(n); i++)
		node_kids(t, n)[i] = slice_rec(t, s, node_kids(t, n)[i],
		    kid[i]);
	return node_collapse(t, n);
}

int
trie_slice(struct trie *t, struct bw_prefix *next, int started,
    size_t budget, trie_visit visit, void *arg)
{
	struct bw_prefix key = *next;
	struct slice s;

	memset(&s, 0, sizeof(s));
	s.key = &key;
	s.budget = budget;
	s.visit = visit;
	s.arg = arg;
	s.next = next;
	slice_top(t, &s, started);
	s.inroot = 1;
	t->fn = 0;
	t->root = slice_rec(t, &s, t->root, started ? SLICE_EDGE : SLICE_ALL);
	s.inroot = 0;
	slice_slots(t, t, &s, TRIE_TOP_SLOTS);
	t->fn = 0;
	top_drop(t);
	return s.stop;
}

static void
slice_ro_rec(const struct trie *t, struct slice *s, const struct trie_node *n,
    enum slice_mode mode)
{
	enum slice_mode kid[2] = { SLICE_ALL, SLICE_ALL };
	int self = 1, i;

	if (n == NULL || mode == SLICE_SKIP)
		return;
	if (s->inroot) {
		slice_slots(t, NULL, s, top_before(t, n->key, n->plen));
		if (s->stop)
			return;
	}
	if (mode == SLICE_EDGE)
		self = slice_classify(t, n, s->key, kid);
	if (self && n->nroutes > 0) {
		if (s->budget == 0) {
			trie_prefix(t, n, s->next);
			s->stop = 1;
			return;
		}
		s->budget--;
		if (s->cb(t, n, s->arg) != 0)
			s->budget = 0;
	}
	for (i = 0; i < 2 && !s->stop; i++)
		slice_ro_rec(t, s, trie_child(t, n, i), kid[i]);
}

int
trie_slice_ro(const struct trie *t, struct bw_prefix *next, int started,
    size_t budget, trie_cb cb, void *arg)
{
	struct bw_prefix key = *next;
	struct slice s;

	memset(&s, 0, sizeof(s));
	s.key = &key;
	s.budget = budget;
	s.cb = cb;
	s.arg = arg;
	s.next = next;
	slice_top(t, &s, started);
	s.inroot = 1;
	slice_ro_rec(t, &s, t->root, started ? SLICE_EDGE : SLICE_ALL);
	s.inroot = 0;
	slice_slots(t, NULL, &s, TRIE_TOP_SLOTS);
	return s.stop;
}

void
trie_mem(const struct trie *t, struct trie_mem *m)
{
	size_t i;

	memset(m, 0, sizeof(*m));
	m->nodes = t->nodes;
	m->prefixes = t->prefixes;
	m->routes = t->routes;
	m->route_bytes = t->routes * sizeof(struct rib_route);
	m->node_bytes = t->bytes - m->route_bytes;
	m->reserved = t->big_bytes;
	for (i = 0; i < TRIE_NSLAB; i++)
		if (t->slab[i] != NULL)
			m->reserved += slab_reserved(t->slab[i]);
	m->reserved += t->pool.n * SLAB_CHUNK;
	m->reserved += (t->hcap + t->ocap) * sizeof(*t->hslot);
	if (t->top != NULL)
		m->reserved += TRIE_TOP_SLOTS * sizeof(*t->top);
}

/* slot: the top slot n hangs from, or SIZE_MAX for root. */
static size_t
check_rec(const struct trie *t, const struct trie_node *n, size_t slot,
    int *bad)
{
	struct bw_prefix p;
	uint64_t hi;
	size_t k = 0;

	if (n == NULL)
		return 0;
	hi = key_hi(t, n->key);
	if (top_in(t, hi, n->plen) ? top_slot(t, hi) != slot : slot != SIZE_MAX)
		*bad = 1;
	if (n->flags & TRIE_EXT) {
		trie_prefix(t, n, &p);
		if (t->hcap == 0 || hash_find(t, &p) != n)
			*bad = 1;
		k = 1;
	}
	if (((n->flags & TRIE_EXT) != 0) != (n->nroutes >= 2))
		*bad = 1;
	return k + check_rec(t, trie_child(t, n, 0), slot, bad) +
	    check_rec(t, trie_child(t, n, 1), slot, bad);
}

/* Live slots of a table (neither empty nor tombstones). */
static size_t
slots_live(const uint64_t *slot, size_t cap)
{
	size_t i, k = 0;

	for (i = 0; i < cap; i++)
		k += slot[i] != 0 && slot[i] != SLOT_TOMB;
	return k;
}

int
trie_check_index(const struct trie *t)
{
	int bad = 0;
	size_t i, k;

	/* Each EXT node is found, and nothing else is in either table;
	 * every node is in root or the slot of its prefix. */
	k = check_rec(t, t->root, SIZE_MAX, &bad);
	for (i = 0; t->top != NULL && i < TRIE_TOP_SLOTS; i++)
		k += check_rec(t, t->top[i], i, &bad);
	if (k != t->hn || bad)
		return -1;
	if (slots_live(t->hslot, t->hcap) + slots_live(t->oslot, t->ocap) !=
	    t->hn)
		return -1;
	return 0;
}
