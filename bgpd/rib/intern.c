/*
 * Hash-consed attribute sets and byte blobs.
 *
 * Every distinct byte string (AS path, community lists, the "other"
 * record list) exists once as a struct iblob, and every distinct
 * attribute set once as a struct rattr that points to its blobs; both
 * are reference counted, and a set holds one reference on each of its
 * blobs.  Blobs of different kinds share one table: equal bytes are
 * equal blobs, whatever they mean.
 *
 * intern_attrs() first builds a probe on the stack: it hashes each blob's
 * bytes and looks them up without taking references.  If every blob
 * exists and the set too, it only bumps a reference count; nothing is
 * allocated (the common case: a full table has ~577k routes but only
 * tens of thousands of distinct sets, and one intern serves a whole
 * UPDATE).  Otherwise it interns the missing blobs and the new set.
 *
 * Tables are open addressing with linear probing over slots of 12
 * bytes, a 32-bit hash and the object's pointer side by side (packed),
 * so a probe reads one line of dense memory and touches an object only
 * on a full hash match; they grow at 3/4 load, shrink below 1/8, and
 * delete by backward shift (no tombstones).  (Two parallel arrays, as
 * before, cost a cache miss more per probe and per insert, at the same
 * memory: nearly every UPDATE of a full table brings a new set, whose
 * probes and inserts are misses all.)
 *
 * The hash: per 64-bit word, h = (h ^ w) * K, h ^= h >> 32, then the
 * murmur3 64-bit finalizer.  Each step is a bijection of the 64-bit
 * state, so two inputs of the same length that differ cannot collide
 * before the final fold to 32 bits; the length seeds the state.  One
 * multiply per 8 bytes: AS paths and community lists hash in a few
 * nanoseconds.  A set's hash combines its blobs' hashes (not their
 * addresses, so it does not depend on allocation) with its scalar fields.
 *
 * Sets and small blobs come from slabs (slab.c): no malloc header, no
 * glibc free-list consolidation pauses when a flush frees thousands.
 *
 * The "other" blob is a list of records: code (1 byte), flags (1 byte),
 * length (2 bytes, big-endian) and value.  It holds the IPv6 link-local
 * next hop (code RATTR_OTHER_NH_LL, 0), the CLUSTER_LIST and every
 * attribute the decoder did not interpret, in the order received.
 */
#include <assert.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "intern.h"
#include "slab.h"

#define HASH_K		0x9e3779b97f4a7c15ULL
#define HASH_SEED	0x6a09e667f3bcc908ULL
#define ITAB_MIN	64
#define OTHER_STACK	1024
#define BLOB_NCLASS	33	/* slabs for blobs of up to 256 bytes */

/* A slot: the object's hash, then its pointer (NULL: empty), unaligned. */
#define ISLOT		(sizeof(uint32_t) + sizeof(void *))

/* An open-addressing table of interned objects. */
struct itab {
	uint8_t		*slot;		/* size slots of ISLOT bytes */
	size_t		 bytes;		/* slab_table_alloc'ed for them */
	size_t		 size;		/* power of two, or 0 */
	size_t		 count;
};

static inline uint32_t
islot_hash(const struct itab *t, size_t i)
{
	uint32_t h;

	memcpy(&h, t->slot + i * ISLOT, sizeof(h));
	return h;
}

static inline void *
islot_obj(const struct itab *t, size_t i)
{
	void *o;

	memcpy(&o, t->slot + i * ISLOT + sizeof(uint32_t), sizeof(o));
	return o;
}

static inline void
islot_set(uint8_t *slot, size_t i, uint32_t h, const void *o)
{
	memcpy(slot + i * ISLOT, &h, sizeof(h));
	memcpy(slot + i * ISLOT + sizeof(uint32_t), &o, sizeof(o));
}

/* Copies slot j of from to slot i of to. */
static inline void
islot_move2(struct itab *to, size_t i, const struct itab *from, size_t j)
{
	memcpy(to->slot + i * ISLOT, from->slot + j * ISLOT, ISLOT);
}

struct intern {
	struct itab	 attrs;
	struct itab	 blobs;
	size_t		 blob_bytes;	/* allocated for all blobs */
	struct slab	 attr_slab;
	struct slab	 blob_slab[BLOB_NCLASS];	/* by size / 8 */
};

/* A blob as the probe sees it: bytes not interned yet. */
struct blobkey {
	const uint8_t	*p;
	uint32_t	 len;
	uint32_t	 hash;		/* 0 when absent */
};

enum { B_ASPATH, B_COMM, B_LARGE, B_EXT, B_OTHER, B_MAX };

static inline uint64_t
hash_step(uint64_t h, uint64_t w)
{
	h = (h ^ w) * HASH_K;
	return h ^ (h >> 32);
}

static inline uint32_t
hash_final(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return (uint32_t)h;
}

/*
 * The last 1..7 bytes as one word: what a copy of them into a zeroed
 * word gives on a little-endian host, from two overlapping loads (the
 * bytes they share land where they would anyway) instead of a copy of
 * variable length.  Within a process all that matters is that it is a
 * function of the bytes, and for one length a one-to-one one.
 */
static inline uint64_t
hash_tail(const uint8_t *p, size_t len)
{
	uint32_t lo, hi;

	if (len >= 4) {
		memcpy(&lo, p, 4);
		memcpy(&hi, p + len - 4, 4);
		return (uint64_t)lo | (uint64_t)hi << (8 * (len - 4));
	}
	return (uint64_t)p[0] | (uint64_t)p[len / 2] << (8 * (len / 2)) |
	    (uint64_t)p[len - 1] << (8 * (len - 1));
}

static uint32_t
hash_bytes(const uint8_t *p, size_t len)
{
	uint64_t h = hash_step(HASH_SEED, len), w;

	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w, p, 8);
		h = hash_step(h, w);
	}
	if (len > 0)
		h = hash_step(h, hash_tail(p, len));
	return hash_final(h);
}

/* Rehashes t into size slots.  Returns 0, or -1 (t unchanged). */
static int
itab_resize(struct itab *t, size_t size)
{
	struct itab n = { NULL, 0, size, t->count };
	size_t i, j, mask = size - 1;
	void *o;

	/* In a replay whole huge pages from 512 KiB (slab_table_size): a
	 * table and each of its smaller ones before were a 4 KiB page
	 * fault per 4 KiB, 60 % of a full table's page faults. */
	n.bytes = slab_table_size(size * ISLOT);
	if ((n.slot = slab_table_alloc(n.bytes)) == NULL)
		return -1;
	for (i = 0; i < t->size; i++) {
		if ((o = islot_obj(t, i)) == NULL)
			continue;
		for (j = islot_hash(t, i) & mask; islot_obj(&n, j) != NULL;
		    j = (j + 1) & mask)
			;
		islot_move2(&n, j, t, i);
	}
	slab_table_free(t->slot, t->bytes);
	*t = n;
	return 0;
}

/* Adds o (not in t yet).  Returns 0, or -1 on allocation failure. */
static int
itab_insert(struct itab *t, void *o, uint32_t h)
{
	size_t i, mask;

	if ((t->count + 1) * 4 > t->size * 3 &&
	    itab_resize(t, t->size ? t->size * 2 : ITAB_MIN) == -1)
		return -1;
	mask = t->size - 1;
	for (i = h & mask; islot_obj(t, i) != NULL; i = (i + 1) & mask)
		;
	islot_set(t->slot, i, h, o);
	t->count++;
	return 0;
}

/* Removes o, shifting back the entries that probed past its slot. */
static void
itab_remove(struct itab *t, const void *o, uint32_t h)
{
	size_t i, j, home, mask = t->size - 1;

	for (i = h & mask; islot_obj(t, i) != o; i = (i + 1) & mask)
		assert(islot_obj(t, i) != NULL);
	for (j = (i + 1) & mask; islot_obj(t, j) != NULL; j = (j + 1) & mask) {
		home = islot_hash(t, j) & mask;
		if (((j - home) & mask) >= ((j - i) & mask)) {
			islot_move2(t, i, t, j);
			i = j;
		}
	}
	islot_set(t->slot, i, 0, NULL);
	t->count--;
	if (t->count == 0) {
		slab_table_free(t->slot, t->bytes);
		t->slot = NULL;
		t->bytes = t->size = 0;
	} else if (t->size > ITAB_MIN && t->count * 8 < t->size)
		(void)itab_resize(t, t->size / 2);	/* fine if it fails */
}

static size_t
itab_bytes(const struct itab *t)
{
	return t->size * ISLOT;
}

struct intern *
intern_new(void)
{
	struct intern *in;
	size_t i;

	if ((in = calloc(1, sizeof(*in))) == NULL)
		return NULL;
	slab_init(&in->attr_slab, sizeof(struct rattr));
	for (i = 2; i < BLOB_NCLASS; i++)
		slab_init(&in->blob_slab[i], i * 8);
	return in;
}

/* Bytes a blob of len data bytes takes, and the slab it comes from. */
static size_t
blob_size(struct intern *in, size_t len, struct slab **s)
{
	size_t size = (sizeof(struct iblob) + len + 7) & ~(size_t)7;

	*s = size / 8 < BLOB_NCLASS ? &in->blob_slab[size / 8] : NULL;
	return size;
}

/* The hash tables and the intern itself, once their objects are gone. */
static void
intern_tables_free(struct intern *in)
{
	slab_table_free(in->attrs.slot, in->attrs.bytes);
	slab_table_free(in->blobs.slot, in->blobs.bytes);
	free(in);
}

void
intern_free(struct intern *in)
{
	size_t n;

	if (in == NULL)
		return;
	assert(in->attrs.count == 0 && in->blobs.count == 0);
	slab_destroy(&in->attr_slab);
	for (n = 2; n < BLOB_NCLASS; n++)
		slab_destroy(&in->blob_slab[n]);
	intern_tables_free(in);
}

/*
 * Frees the tables and everything in them, references or not: for a
 * process about to exit whose RIB went without dropping its routes'
 * references (rib_abandon).  A replayed dump's 5.8 M routes unreferenced
 * one by one, each chunk of sets given back as it emptied, were a tenth
 * of the replay's CPU.
 */
void
intern_release(struct intern *in)
{
	struct iblob *b;
	struct slab *s;
	size_t i;

	if (in == NULL)
		return;
	/* Blobs too big for the slabs are malloc's. */
	for (i = 0; i < in->blobs.size; i++) {
		if ((b = islot_obj(&in->blobs, i)) == NULL)
			continue;
		(void)blob_size(in, b->len, &s);
		if (s == NULL)
			free(b);
	}
	slab_release(&in->attr_slab);
	for (i = 2; i < BLOB_NCLASS; i++)
		slab_release(&in->blob_slab[i]);
	intern_tables_free(in);
}

static struct iblob *
blob_find(const struct intern *in, const struct blobkey *k)
{
	const struct itab *t = &in->blobs;
	struct iblob *b;
	size_t i, mask = t->size - 1;

	if (t->size == 0)
		return NULL;
	for (i = k->hash & mask; (b = islot_obj(t, i)) != NULL;
	    i = (i + 1) & mask)
		if (islot_hash(t, i) == k->hash && b->len == k->len &&
		    memcmp(b->data, k->p, k->len) == 0)
			return b;
	return NULL;
}

/*
 * The blob for k with a reference taken; NULL on allocation failure.
 * fresh: the caller knows that k is not in the table (no lookup).
 */
static struct iblob *
blob_get(struct intern *in, const struct blobkey *k, int fresh)
{
	struct iblob *b;
	struct slab *s;
	size_t size = blob_size(in, k->len, &s);

	if (!fresh && (b = blob_find(in, k)) != NULL) {
		b->refcnt++;
		return b;
	}
	if ((b = s != NULL ? slab_alloc(s) : malloc(size)) == NULL)
		return NULL;
	b->refcnt = 1;
	b->hash = k->hash;
	b->len = k->len;
	memcpy(b->data, k->p, k->len);
	if (itab_insert(&in->blobs, b, b->hash) == -1) {
		if (s != NULL)
			slab_free(s, b);
		else
			free(b);
		return NULL;
	}
	in->blob_bytes += size;
	return b;
}

static void
blob_unref(struct intern *in, struct iblob *b)
{
	struct slab *s;
	size_t size;

	if (b == NULL || --b->refcnt > 0)
		return;
	size = blob_size(in, b->len, &s);
	itab_remove(&in->blobs, b, b->hash);
	in->blob_bytes -= size;
	if (s != NULL)
		slab_free(s, b);
	else
		free(b);
}

struct bgp_view
iblob_view(const struct iblob *b)
{
	struct bgp_view v = { NULL, 0 };

	if (b != NULL) {
		v.p = b->data;
		v.len = b->len;
	}
	return v;
}

/* Where a set keeps its blob pointer number i (B_ASPATH ...). */
static const size_t rattr_blob_off[B_MAX] = {
	[B_ASPATH] = offsetof(struct rattr, aspath),
	[B_COMM] = offsetof(struct rattr, communities),
	[B_LARGE] = offsetof(struct rattr, large_communities),
	[B_EXT] = offsetof(struct rattr, ext_communities),
	[B_OTHER] = offsetof(struct rattr, other),
};

/* The set's blob pointer number i: a load, not a switch, per blob. */
static inline struct iblob **
rattr_blob(struct rattr *r, int i)
{
	return (struct iblob **)(void *)((char *)r + rattr_blob_off[i]);
}

/* Appends one "other" record if it fits; returns the new length. */
static size_t
other_put(uint8_t *buf, size_t cap, size_t off, uint8_t code, uint8_t flags,
    const uint8_t *p, size_t len)
{
	if (off + 4 + len <= cap) {
		buf[off] = code;
		buf[off + 1] = flags;
		buf[off + 2] = (uint8_t)(len >> 8);
		buf[off + 3] = (uint8_t)len;
		if (len > 0)
			memcpy(buf + off + 4, p, len);
	}
	return off + 4 + len;
}

/* Writes a's "other" records into buf; returns the length they need. */
static size_t
other_build(const struct bgp_attrs *a, uint8_t *buf, size_t cap)
{
	struct bgp_attr_iter it;
	struct bgp_view v;
	uint8_t code, flags;
	size_t off = 0;

	if (a->nexthop_ll.aid != AID_UNSPEC)
		off = other_put(buf, cap, off, RATTR_OTHER_NH_LL, 0,
		    a->nexthop_ll.b, (size_t)aid_addrlen(a->nexthop_ll.aid));
	if (ATTR_HAS(a, ATTR_CLUSTER_LIST))
		off = other_put(buf, cap, off, ATTR_CLUSTER_LIST,
		    ATTR_OPTIONAL, a->cluster_list.p, a->cluster_list.len);
	if (a->n_unknown == 0)
		return off;
	bgp_attr_iter_init(&it, a);
	while (bgp_attr_next_unknown(&it, &flags, &code, &v) == 1)
		off = other_put(buf, cap, off, code, flags, v.p, v.len);
	return off;
}

static void
blobkey_set(struct blobkey *k, const uint8_t *p, size_t len)
{
	k->p = len > 0 ? p : NULL;
	k->len = (uint32_t)len;
	k->hash = len > 0 ? hash_bytes(p, len) : 0;
}

/*
 * Fills the probe's blob keys.  The other records go to buf, or to a
 * *heap buffer the caller frees when they do not fit.  Returns 0 or -1.
 */
static int
blobkeys_fill(const struct bgp_attrs *a, struct blobkey *k, uint8_t *buf,
    size_t cap, uint8_t **heap)
{
	size_t n;

	memset(k, 0, B_MAX * sizeof(*k));
	if (ATTR_HAS(a, ATTR_AS_PATH))
		blobkey_set(&k[B_ASPATH], a->aspath.p, a->aspath.len);
	if (ATTR_HAS(a, ATTR_COMMUNITIES))
		blobkey_set(&k[B_COMM], a->communities.p, a->communities.len);
	if (ATTR_HAS(a, ATTR_LARGE_COMMUNITIES))
		blobkey_set(&k[B_LARGE], a->large_communities.p,
		    a->large_communities.len);
	if (ATTR_HAS(a, ATTR_EXT_COMMUNITIES))
		blobkey_set(&k[B_EXT], a->ext_communities.p,
		    a->ext_communities.len);
	*heap = NULL;
	if ((n = other_build(a, buf, cap)) > cap) {
		if ((*heap = malloc(n)) == NULL)
			return -1;
		other_build(a, *heap, n);
		buf = *heap;
	}
	blobkey_set(&k[B_OTHER], buf, n);
	return 0;
}

/* The scalar part of the probe. */
static void
rattr_fill(struct rattr *r, const struct bgp_attrs *a)
{
	memset(r, 0, sizeof(*r));
	r->origin = ATTR_HAS(a, ATTR_ORIGIN) ? a->origin : RATTR_ORIGIN_NONE;
	/* addr_set's, each family's copy of a constant size */
	if (a->nexthop.aid == AID_INET) {
		r->nexthop.aid = AID_INET;
		memcpy(r->nexthop.b, a->nexthop.b, 4);
	} else if (a->nexthop.aid != AID_UNSPEC)
		addr_set(&r->nexthop, a->nexthop.aid, a->nexthop.b);
	if (ATTR_HAS(a, ATTR_MED)) {
		r->flags |= RATTR_MED;
		r->med = a->med;
	}
	if (ATTR_HAS(a, ATTR_LOCAL_PREF)) {
		r->flags |= RATTR_LOCAL_PREF;
		r->local_pref = a->local_pref;
	}
	if (ATTR_HAS(a, ATTR_ATOMIC_AGGREGATE))
		r->flags |= RATTR_ATOMIC_AGGR;
	if (ATTR_HAS(a, ATTR_AGGREGATOR)) {
		r->flags |= RATTR_AGGREGATOR;
		r->aggr_as = a->aggr_as;
		r->aggr_id = a->aggr_id;
	}
	if (ATTR_HAS(a, ATTR_ORIGINATOR_ID)) {
		r->flags |= RATTR_ORIGINATOR;
		r->originator_id = a->originator_id;
	}
	if (ATTR_HAS(a, ATTR_OTC)) {
		r->flags |= RATTR_OTC;
		r->otc = a->otc;
	}
}

static uint32_t
rattr_hash(const struct rattr *r, const struct blobkey *k)
{
	uint64_t h = HASH_SEED, w;

	h = hash_step(h, (uint64_t)k[B_ASPATH].hash << 32 | k[B_COMM].hash);
	h = hash_step(h, (uint64_t)k[B_LARGE].hash << 32 | k[B_EXT].hash);
	h = hash_step(h, (uint64_t)k[B_OTHER].hash << 32 |
	    (uint32_t)r->nexthop.aid << 16 | (uint32_t)r->origin << 8 |
	    r->flags);
	memcpy(&w, r->nexthop.b, 8);
	h = hash_step(h, w);
	memcpy(&w, r->nexthop.b + 8, 8);
	h = hash_step(h, w);
	h = hash_step(h, (uint64_t)r->med << 32 | r->local_pref);
	h = hash_step(h, (uint64_t)r->aggr_as << 32 | r->aggr_id);
	h = hash_step(h, (uint64_t)r->originator_id << 32 | r->otc);
	return hash_final(h);
}

static int
rattr_eq(const struct rattr *a, const struct rattr *b)
{
	return a->aspath == b->aspath && a->communities == b->communities &&
	    a->large_communities == b->large_communities &&
	    a->ext_communities == b->ext_communities && a->other == b->other &&
	    a->nexthop.aid == b->nexthop.aid &&
	    memcmp(a->nexthop.b, b->nexthop.b, sizeof(a->nexthop.b)) == 0 &&
	    a->origin == b->origin && a->flags == b->flags &&
	    a->med == b->med && a->local_pref == b->local_pref &&
	    a->aggr_as == b->aggr_as && a->aggr_id == b->aggr_id &&
	    a->originator_id == b->originator_id && a->otc == b->otc;
}

static struct rattr *
rattr_find(const struct intern *in, const struct rattr *key)
{
	const struct itab *t = &in->attrs;
	struct rattr *r;
	size_t i, mask = t->size - 1;

	if (t->size == 0)
		return NULL;
	for (i = key->hash & mask; (r = islot_obj(t, i)) != NULL;
	    i = (i + 1) & mask)
		if (islot_hash(t, i) == key->hash && rattr_eq(r, key))
			return r;
	return NULL;
}

/*
 * 1 if blob key i, which the probe did not find, is still not in the
 * table when rattr_new comes to it: no key before it in the set has the
 * same bytes (blobs of different kinds share the table: 12 bytes of
 * communities can be a large community's).
 */
static int
blob_fresh(const struct blobkey *k, int i)
{
	int j;

	for (j = 0; j < i; j++)
		if (k[j].hash == k[i].hash && k[j].len == k[i].len &&
		    memcmp(k[j].p, k[i].p, k[i].len) == 0)
			return 0;
	return 1;
}

/*
 * Interns key (a set not in the table) and its blobs.  The blobs the
 * probe found (key's pointers) only take a reference: most of a new
 * set's blobs exist already (an AS path, communities), and a second
 * lookup of each was a tenth of the intern.
 */
static struct rattr *
rattr_new(struct intern *in, const struct rattr *key, const struct blobkey *k)
{
	struct iblob **bp;
	struct rattr *r;
	struct bgp_view v;
	int i, j;

	if ((r = slab_alloc(&in->attr_slab)) == NULL)
		return NULL;
	*r = *key;
	r->refcnt = 1;
	/* In place: the key's pointers are the blobs the probe found. */
	for (i = 0; i < B_MAX; i++) {
		if (k[i].len == 0)
			continue;
		bp = rattr_blob(r, i);
		if (*bp != NULL)
			(*bp)->refcnt++;
		else if ((*bp = blob_get(in, &k[i], blob_fresh(k, i))) ==
		    NULL) {
			/* from i on they hold no reference */
			for (j = i; j < B_MAX; j++)
				*rattr_blob(r, j) = NULL;
			goto fail;
		}
	}
	v = iblob_view(r->aspath);
	r->origin_as = v.len > 0 ? bgp_aspath_origin(&v) : 0;
	if (itab_insert(&in->attrs, r, r->hash) == -1)
		goto fail;
	return r;
 fail:
	for (i = 0; i < B_MAX; i++)
		blob_unref(in, *rattr_blob(r, i));
	slab_free(&in->attr_slab, r);
	return NULL;
}

struct rattr *
intern_attrs(struct intern *in, const struct bgp_attrs *a)
{
	struct blobkey k[B_MAX];
	struct rattr key, *r;
	uint8_t buf[OTHER_STACK], *heap;
	int i, all = 1;

	rattr_fill(&key, a);
	if (blobkeys_fill(a, k, buf, sizeof(buf), &heap) == -1)
		return NULL;
	for (i = 0; i < B_MAX; i++)
		if (k[i].len > 0 &&
		    (*rattr_blob(&key, i) = blob_find(in, &k[i])) == NULL)
			all = 0;
	key.hash = rattr_hash(&key, k);
	if (all && (r = rattr_find(in, &key)) != NULL)
		r->refcnt++;
	else
		r = rattr_new(in, &key, k);
	if (heap != NULL)
		free(heap);
	return r;
}

void
rattr_unref(struct intern *in, struct rattr *r)
{
	int i;

	if (r == NULL || --r->refcnt > 0)
		return;
	itab_remove(&in->attrs, r, r->hash);
	for (i = 0; i < B_MAX; i++)
		blob_unref(in, *rattr_blob(r, i));
	slab_free(&in->attr_slab, r);
}

int
rattr_other_next(const struct rattr *r, size_t *off, uint8_t *code,
    uint8_t *flags, struct bgp_view *v)
{
	const struct iblob *b = r->other;
	const uint8_t *p;

	if (b == NULL || *off + 4 > b->len)
		return 0;
	p = b->data + *off;
	*code = p[0];
	*flags = p[1];
	v->len = (uint32_t)(p[2] << 8 | p[3]);
	v->p = p + 4;
	*off += 4 + v->len;
	return 1;
}

int
rattr_other_find(const struct rattr *r, uint8_t code, uint8_t *flags,
    struct bgp_view *v)
{
	size_t off = 0;
	uint8_t c;

	while (rattr_other_next(r, &off, &c, flags, v) == 1)
		if (c == code)
			return 1;
	return 0;
}

void
intern_mem(const struct intern *in, struct intern_mem *m)
{
	m->attrs = in->attrs.count;
	m->attr_bytes = in->attrs.count * sizeof(struct rattr) +
	    itab_bytes(&in->attrs);
	m->blobs = in->blobs.count;
	m->blob_bytes = in->blob_bytes + itab_bytes(&in->blobs);
}

int
rattr_path_has(const struct rattr *r, uint32_t as)
{
	struct bgp_aspath_iter	 it;
	struct bgp_view		 v;
	const uint8_t		*asns;
	uint8_t			 type, count, i;

	if (r == NULL || r->aspath == NULL)
		return 0;
	v = iblob_view(r->aspath);
	bgp_aspath_iter_init(&it, &v);
	while (bgp_aspath_next(&it, &type, &count, &asns) == 1)
		for (i = 0; i < count; i++)
			if (get_u32(asns + (size_t)i * 4) == as)
				return 1;
	return 0;
}
