/*
 * Prefix index of the RIB: a path-compressed binary trie per address
 * family, under a table of 2^16 subtries (the top; see struct trie).  A node is one allocation holding its prefix bits inline, its
 * two child pointers only if it has a child, and then its route (inline)
 * or a pointer to its array of routes (external, with two or more), so a leaf prefix that one peer announced costs one 24-byte object
 * (IPv4).  Nodes with external routes are also in a hash index by
 * prefix: a route for a prefix that is already there (N-1 of every N
 * routes with N peers) is found without descending the trie.  Nodes
 * without routes exist only as branch points and always have two
 * children.  Only bgpd/rib/rib.c should need this header (and the tests).
 */
#ifndef BGPWATCH_TRIE_H
#define BGPWATCH_TRIE_H

#include <stddef.h>
#include <stdint.h>

#include "bgpwatch.h"
#include "rib.h"
#include "slab.h"

#define TRIE_MAX_ROUTES	65535	/* routes per prefix (nroutes is 16 bits) */
#define TRIE_NCLASS	40	/* slab size classes, 8 bytes apart */
/* Then 320 bytes, and route arrays up to TRIE_BIG_MAX bytes, 128 apart
 * (arr_cap); slot TRIE_NCLASS + 1 (256 bytes) stays unused. */
#define TRIE_BIG_STEP	128
#define TRIE_BIG_MAX	4096
#define TRIE_NSLAB	(TRIE_NCLASS + TRIE_BIG_MAX / TRIE_BIG_STEP)
#define TRIE_MAXDEPTH	130	/* nodes on a path: lengths 0..128 */
#define TRIE_TOP_BITS	16	/* the top: one slot per /16 (IPv4) */
#define TRIE_TOP_SLOTS	((size_t)1 << TRIE_TOP_BITS)
#define TRIE_TOP_MIN	4096	/* nodes before a trie makes its top */

#define TRIE_KIDS	0x01	/* the node has child pointers */
#define TRIE_EXT	0x02	/* its routes are in an array of their own */

/*
 * Header of a node; the prefix bits (4 or 16 bytes, network order,
 * masked past plen) follow; then, at trie->kidoff (8 for IPv4, 24 for
 * IPv6), the two child pointers if TRIE_KIDS, and then either nroutes
 * (0 or 1) struct rib_route inline or, with TRIE_EXT, a pointer to an
 * array of them.  TRIE_KIDS is set exactly when the node has a child.
 * A node is TRIE_EXT exactly when it has two routes or more: then its
 * routes change without the node moving (except back to one route).
 */
struct trie_node {
	uint8_t			 plen;
	uint8_t			 flags;		/* TRIE_KIDS, TRIE_EXT */
	uint16_t		 nroutes;
	uint8_t			 key[];
};

struct trie {
	struct trie_node	*root;
	/*
	 * The top (a stride of TRIE_TOP_BITS bits): once the trie has
	 * topmin nodes, every prefix inside the base (0.0.0.0/0 for IPv4,
	 * 2000::/3 for IPv6: topb bits, topkey under topmask in a key's
	 * high word) at least topb + TRIE_TOP_BITS long hangs from
	 * top[its next TRIE_TOP_BITS bits], each slot the root of a
	 * subtrie of its own; root keeps the rest (shorter prefixes, and
	 * those outside the base).  A descent starts 16 levels down.
	 */
	struct trie_node	**top;		/* NULL until made */
	uint64_t		 topkey, topmask;
	size_t			 topmin;
	uint8_t			 topb;
	uint8_t			 aid;
	uint8_t			 keylen;	/* 4 or 16 */
	uint8_t			 kidoff;	/* header + key, aligned */
	uint8_t			 maxplen;
	size_t			 nodes;		/* all nodes */
	size_t			 prefixes;	/* nodes with routes */
	size_t			 routes;
	size_t			 bytes;		/* live node bytes */
	size_t			 big_bytes;	/* of those, malloc'ed */
	struct slab		*slab[TRIE_NSLAB];
	struct slab_pool	 pool;		/* the slabs' spare chunks */
	/* Index of the TRIE_EXT nodes by prefix (open addressing, linear
	 * probing, at most half full); only an accelerator: a node it
	 * lacks is still found by descent.  A slot is the node's address
	 * with 16 bits of its prefix's hash above bit 48, so a probe
	 * reads a node only when those match (0: empty). */
	uint64_t		*hslot;
	size_t			 hcap, hn;
	/* While the index grows: the table before, whose slots below omig
	 * have moved to hslot (a few per route added); probes look in
	 * both. */
	uint64_t		*oslot;
	size_t			 ocap, omig;
	/*
	 * The finger: the links the last descent took (fpath[0] is &root),
	 * for the prefix whose key words are fkey.  After that prefix's
	 * trie_add the first fn of them are still links of the trie, each
	 * to a node that covers it; the next descent starts from the
	 * deepest of those that covers its prefix too (a table in address
	 * order descends a level or two, not twenty).  Any other change
	 * sets fn to 0.
	 */
	struct trie_node	**fpath[TRIE_MAXDEPTH];
	uint64_t		 fkey[2];
	uint32_t		 fseq;		/* descents so far */
	uint16_t		 fn;
};

/*
 * Where trie_seek found (or would put) a prefix; valid until a change.
 * link is NULL when the prefix goes below a childless parent.  node is
 * set (and link, plink NULL) when the index found the node: it has
 * external routes, so they change without it moving.
 */
struct trie_pos {
	struct trie_node	**link;		/* to the node, or where it goes */
	struct trie_node	**plink;	/* to its parent; NULL at root */
	struct trie_node	 *node;		/* found by the index */
	uint32_t		 seq;		/* the descent's trie->fseq */
	uint16_t		 fk;		/* finger links valid after add */
};

/* Called for a node with routes; non-zero stops the walk. */
typedef int (*trie_cb)(const struct trie *, const struct trie_node *,
    void *arg);
/*
 * Called by trie_slice for a node with routes; it may change the routes
 * through trie_resize(t, np, ...), and returns non-zero to end the slice.
 */
typedef int (*trie_visit)(struct trie *, struct trie_node **np, void *arg);

void	trie_init(struct trie *, uint8_t aid);
/*
 * Exchanges the contents of two tries (one built apart, then swapped in
 * whole); a struct trie must not be copied otherwise.
 */
void	trie_swap(struct trie *, struct trie *);
/* Frees every node, calling fn on each node's routes first. */
void	trie_clear(struct trie *, void (*fn)(struct rib_route *, size_t,
	    void *), void *arg);

static inline int
trie_haskids(const struct trie_node *n)
{
	return (n->flags & TRIE_KIDS) != 0;
}

static inline struct rib_route *
trie_routes(const struct trie *t, const struct trie_node *n)
{
	uintptr_t a = (uintptr_t)n + t->kidoff +
	    (trie_haskids(n) ? 2 * sizeof(struct trie_node *) : 0);

	if (n->flags & TRIE_EXT)
		return *(struct rib_route *const *)a;
	return (struct rib_route *)a;
}

/* Child i (0 or 1) of n, or NULL. */
static inline struct trie_node *
trie_child(const struct trie *t, const struct trie_node *n, int i)
{
	struct trie_node *const *kids;

	if (!trie_haskids(n))
		return NULL;
	kids = (struct trie_node *const *)(const void *)((uintptr_t)n +
	    t->kidoff);
	return kids[i];
}

/* The node's prefix. */
void	trie_prefix(const struct trie *, const struct trie_node *,
	    struct bw_prefix *);

/* Exact match: the node of p if it has routes, else NULL. */
const struct trie_node *trie_lookup(const struct trie *,
	    const struct bw_prefix *);
/* Longest match: the most specific node with routes covering p. */
const struct trie_node *trie_match(const struct trie *,
	    const struct bw_prefix *);
/* Nodes with routes covering p, least specific first; cb's value. */
int	trie_walk_covering(const struct trie *, const struct bw_prefix *,
	    trie_cb, void *);
/* Nodes with routes that p covers, in address order; cb's value. */
int	trie_walk_covered(const struct trie *, const struct bw_prefix *,
	    trie_cb, void *);

/*
 * A hint, no change: brings into the cache what seeking each of p[0..n)
 * will touch (index slots, nodes, route arrays; descents run in lock
 * step so that their cache misses overlap).  At most TRIE_PREFETCH_MAX
 * prefixes are looked at.
 */
#define TRIE_PREFETCH_MAX	64
void	trie_prefetch(const struct trie *, const struct bw_prefix *, size_t n);
/*
 * Finds the node of p (with or without routes) and fills pos for
 * trie_add / trie_del.  Returns the node, or NULL if p has none.
 */
struct trie_node *trie_seek(struct trie *, const struct bw_prefix *,
	    struct trie_pos *);
/*
 * A hint, no change: brings in the index slot of p (where its node's
 * entry is or would go), without reading it; issued a record ahead it
 * costs nothing to wait for.
 */
void	trie_prefetch_index(const struct trie *, const struct bw_prefix *);
/*
 * A hint: sizes the index for n nodes with two routes or more (at most
 * TRIE_RESERVE_MAX), so that it does not grow (and move its entries)
 * until then.  Returns 0, or -1 out of memory (nothing changed).
 */
#define TRIE_RESERVE_MAX	(2 * 1024 * 1024 - 1)	/* 32 MiB of index */
int	trie_reserve(struct trie *, size_t n);
/*
 * As trie_seek, by descent only, without probing the index: for
 * prefixes that come in address order (a table dump), where the finger
 * leaves a descent a level or two of nodes just seen and a probe of the
 * index is a cache miss (for a new prefix, a miss for nothing).
 */
struct trie_node *trie_seek_near(struct trie *, const struct bw_prefix *,
	    struct trie_pos *);
/*
 * Opens a route slot at index at of p's node, creating the node (and a
 * branch node) as needed, after trie_seek(p, pos).  Returns the node
 * (the slot uninitialized), or NULL on allocation failure.
 */
struct trie_node *trie_add(struct trie *, const struct trie_pos *,
	    const struct bw_prefix *, size_t at);
/*
 * As trie_add, but opens k slots (k >= 1) at index at: a prefix that
 * gets the routes of many peers at once (a table dump's record) grows
 * its route array once.  Returns NULL (nothing changed) when out of
 * memory or over TRIE_MAX_ROUTES.
 */
struct trie_node *trie_add_n(struct trie *, const struct trie_pos *,
	    const struct bw_prefix *, size_t at, size_t k);
/*
 * Removes route at of the node trie_seek found; frees the node and
 * merges a parent that is no longer a branch point.
 */
void	trie_del(struct trie *, const struct trie_pos *, size_t at);
/*
 * Shrinks *np to its first n routes (n <= nroutes), moving it; *np is
 * updated.  A node left empty stays until trie_slice moves on.
 */
void	trie_shrink(struct trie *, struct trie_node **np, size_t n);

/*
 * A resumable ordered walk: visits the nodes with routes at or after
 * *next (all of them unless started), at most budget of them; visit
 * returning non-zero ends it after that node.  Stores the first node not
 * visited in *next and returns 1, or returns 0 at the end.  Empty nodes
 * visit leaves behind are freed on the way back up.
 */
int	trie_slice(struct trie *, struct bw_prefix *next, int started,
	    size_t budget, trie_visit, void *);
/* The same for read-only walks. */
int	trie_slice_ro(const struct trie *, struct bw_prefix *next,
	    int started, size_t budget, trie_cb, void *);

struct trie_mem {
	size_t	nodes, node_bytes;	/* live nodes, their header bytes */
	size_t	prefixes, routes, route_bytes;
	size_t	reserved;		/* bytes taken from the system */
};

void	trie_mem(const struct trie *, struct trie_mem *);
/*
 * For tests: 0 if the index holds exactly the TRIE_EXT nodes, each found
 * under its prefix; else -1.
 */
int	trie_check_index(const struct trie *);

#endif /* BGPWATCH_TRIE_H */
