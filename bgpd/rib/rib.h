/*
 * The routing table of every peer (all Adj-RIBs-In) in one structure:
 * a path-compressed trie per address family whose nodes are the prefixes
 * some peer announced; each node keeps a compact array of the routes for
 * that prefix (peer slot, path id, interned attributes).  A prefix heard
 * from N peers is stored once.  Big walks (flush a peer, dump, stale
 * marking) go in slices with a resumable cursor so that the event loop is
 * never blocked for long.
 */
#ifndef BGPWATCH_RIB_H
#define BGPWATCH_RIB_H

#include <stddef.h>
#include <stdint.h>

#include "bgpwatch.h"
#include "intern.h"

#define RIB_MAX_PEERS	65535	/* peer slots are uint16_t, 0 .. 65534 */

/*
 * Route flags: bit 0 ROUTE_STALE; bits 1-15 the route's time (when its
 * attributes last changed) as a 15-bit code of the seconds since its
 * peer's epoch (rib_route_time): exact below 2,048 s, then 1,024 steps
 * per power of two (within 0.1 %, rounded down), up to 2^41 s.  16 bytes
 * per route leave no room for 32 bits (docs/archive.md).
 */
#define ROUTE_STALE	0x1	/* graceful restart: kept until refreshed */
#define ROUTE_TIME_SHIFT 1

/* One route: what peer `peer` says about the node's prefix. */
struct rib_route {
	struct rattr	*attrs;
	uint32_t	 path_id;
	uint16_t	 peer;
	uint16_t	 flags;
};

/* The 15-bit time code of age seconds, and back (rounded down). */
static inline uint16_t
rib_time_code(uint32_t age)
{
	int e;

	if (age < 2048)
		return (uint16_t)age;
	e = 31 - __builtin_clz(age) - 10;	/* age >> e: 1024..2047 */
	return (uint16_t)(e * 1024 + (age >> e));
}

static inline uint64_t
rib_time_age(uint16_t code)
{
	int e;

	if (code < 2048)
		return code;
	e = code / 1024 - 1;
	return (uint64_t)(code - e * 1024) << e;
}

struct rib;

/* Result of rib_update. */
enum rib_upd {
	RIB_UPD_REPLACED = 0,	/* same peer, prefix and path id existed */
	RIB_UPD_NEW_PREFIX = 1,	/* the peer had no path for this prefix */
	RIB_UPD_NEW_PATH = 2	/* new path id; the peer had other paths */
};

/* Result of rib_withdraw. */
enum rib_wd {
	RIB_WD_ABSENT = 0,	/* nothing to withdraw */
	RIB_WD_LAST = 1,	/* removed; the peer has no path left for it */
	RIB_WD_PATH = 2		/* removed; the peer still has other paths */
};

struct rib *rib_new(struct intern *);
/* Frees every route and node (dropping their attribute references). */
void	rib_free(struct rib *);
/*
 * Frees every route and node without dropping their attribute
 * references: the intern goes next, whole (intern_release).
 */
void	rib_abandon(struct rib *);

/*
 * Installs or replaces peer's route (prefix, path_id) with attrs; the RIB
 * takes its own reference on attrs and clears ROUTE_STALE.  Returns an
 * enum rib_upd, or -1 on allocation failure, an unknown family or a
 * peer slot out of range.
 */
int	rib_update(struct rib *, uint16_t peer, const struct bw_prefix *,
	    uint32_t path_id, struct rattr *attrs);
/*
 * As rib_update, and *routes, *n: the prefix's routes after the change
 * (all peers'), good until the RIB changes again.  An observer told of
 * the change reads them here instead of seeking the prefix again.
 */
int	rib_update_at(struct rib *, uint16_t peer, const struct bw_prefix *,
	    uint32_t path_id, struct rattr *attrs,
	    const struct rib_route **routes, size_t *n);
/*
 * The routes in[0..n) of one prefix (peer, path_id, attrs; flags not
 * read), installed or replaced exactly as n calls of rib_update in that
 * order would (res[i]: the enum rib_upd each would return), with one
 * seek of the prefix and one growth of its route array: a table dump's
 * record is one prefix with the routes of many peers.  Returns 0, or -1
 * with nothing changed (allocation failure, unknown family, a peer slot
 * out of range, NULL attrs, n over RIB_MANY_MAX).
 */
#define RIB_MANY_MAX	64
int	rib_update_many(struct rib *, const struct bw_prefix *,
	    const struct rib_route *in, size_t n, int *res);
/*
 * A hint that changes nothing: warms the cache for rib_update or
 * rib_withdraw calls on p[0..n) that follow (at most RIB_PREFETCH_MAX
 * prefixes at a time are worth giving).  With a table far larger than
 * the cache, each route costs several cache misses in a row (index slot,
 * node, route array, or a descent of the trie); taken a batch at a time
 * the misses overlap.
 */
#define RIB_PREFETCH_MAX	64
void	rib_prefetch(const struct rib *, const struct bw_prefix *p, size_t n);
/*
 * A hint for a prefix whose routes come later, after other work: starts
 * bringing in what a new prefix's insert will miss on (its index slot)
 * without waiting for it.
 */
void	rib_prefetch_ahead(const struct rib *, const struct bw_prefix *);
/*
 * A hint: about n prefixes of the family aid will have routes from two
 * peers or more (a table dump); their index is sized for them at once
 * instead of growing step by step.  Returns 0, or -1.
 */
int	rib_reserve(struct rib *, uint8_t aid, size_t n);
/* Removes peer's route (prefix, path_id).  Returns an enum rib_wd. */
int	rib_withdraw(struct rib *, uint16_t peer, const struct bw_prefix *,
	    uint32_t path_id);
/*
 * As rib_withdraw, but the removed route's attributes are handed to the
 * caller with their reference in *old (set only when something was
 * removed), so that a caller who needs them does not seek the trie twice.
 */
int	rib_withdraw_take(struct rib *, uint16_t peer, const struct bw_prefix *,
	    uint32_t path_id, struct rattr **old);

/*
 * The RIB's clock, in seconds (the door sets it before it applies
 * routes): a route installed or changed gets this time.
 */
void	rib_set_time(struct rib *, uint32_t now);
/*
 * When a route's attributes last changed (rounded down as above), or 0
 * if the RIB had no clock then.  A peer's epoch is the time of the
 * first route it installed while it held none.
 */
uint32_t rib_route_time(const struct rib *, const struct rib_route *);

/* Routes (all path ids) a peer holds, per family. */
size_t	rib_count(const struct rib *, uint16_t peer, uint8_t aid);
/* Routes and prefixes (nodes holding routes) in total, per family. */
size_t	rib_total_routes(const struct rib *, uint8_t aid);
size_t	rib_total_prefixes(const struct rib *, uint8_t aid);

/* Called for each prefix with its routes (sorted by peer, path id). */
typedef int (*rib_cb)(const struct bw_prefix *, const struct rib_route *,
    size_t nroutes, void *arg);

/* Exact prefix: its routes, or NULL (and *n = 0). */
const struct rib_route *rib_lookup(const struct rib *,
	    const struct bw_prefix *, size_t *n);
/* Longest match of an address or prefix: sets *match; NULL if none. */
const struct rib_route *rib_match(const struct rib *,
	    const struct bw_prefix *, struct bw_prefix *match, size_t *n);
/*
 * Calls cb for every prefix with routes that covers p (equal or less
 * specific), least specific first / that p covers (equal or more
 * specific), in address order.  cb returning non-zero stops the walk,
 * and that value is returned; otherwise 0.
 */
int	rib_walk_covering(const struct rib *, const struct bw_prefix *p,
	    rib_cb cb, void *arg);
int	rib_walk_covered(const struct rib *, const struct bw_prefix *p,
	    rib_cb cb, void *arg);

/*
 * A resumable walk over a family in address order (prefix_cmp order):
 * each call visits up to budget prefixes from the cursor on and leaves
 * the cursor at the first prefix it did not visit.  The RIB may change
 * between calls (the cursor is a key, not a pointer): prefixes added
 * behind the cursor are not visited, those added ahead of it are.  To
 * start at a prefix, set started and next after rib_cursor_init.  cb
 * returning non-zero ends the slice after that prefix.  Returns 1 while
 * there is more, 0 when done.
 */
struct rib_cursor {
	uint8_t		 aid;
	uint8_t		 started;	/* next is valid */
	uint8_t		 done;
	uint8_t		 wrapped;	/* flush: went round once */
	struct bw_prefix next;		/* first prefix not yet visited */
};

void	rib_cursor_init(struct rib_cursor *, uint8_t aid);
int	rib_walk_slice(const struct rib *, struct rib_cursor *, size_t budget,
	    rib_cb cb, void *arg);

/*
 * Removes a peer's routes of one family (with only_stale, just its
 * ROUTE_STALE ones), examining at most budget prefixes per call (and
 * fewer when many routes go: a prefix counts 1 plus the routes removed
 * from it), from the cursor on; routes that appeared behind the cursor
 * are found by wrapping around once.  Returns 1 while there is more, 0
 * once the peer has none left (of that kind) in the family.  Peers whose
 * flushes of a family are under way at the same time share the work:
 * each slice removes the routes of all of them from the prefixes it
 * visits (a peer's flush is under way from its first call until it has
 * nothing left; a flush must be run to its end).
 */
int	rib_flush_slice(struct rib *, struct rib_cursor *, uint16_t peer,
	    int only_stale, size_t budget);
/*
 * Registers a peer's flush of a family (with only_stale, of its stale
 * routes) without walking: any flush slice from then on removes its
 * routes from the prefixes it visits, whichever peer it was called for.
 * Returns 0, or -1 when out of memory (it is then registered by its
 * own first slice).
 */
int	rib_flush_start(struct rib *, uint16_t peer, uint8_t aid,
	    int only_stale);
/* Marks a peer's routes of a family ROUTE_STALE, in slices like above. */
int	rib_mark_stale_slice(struct rib *, struct rib_cursor *, uint16_t peer,
	    size_t budget);
/* A peer's routes of a family that are ROUTE_STALE. */
size_t	rib_count_stale(const struct rib *, uint16_t peer, uint8_t aid);

/*
 * Memory accounting (bytes and objects) of the trie and route arrays,
 * both families.  Routes live inside their node: node_bytes counts node
 * headers and prefix bits, route_bytes the 16-byte routes; reserved is
 * what the node allocator holds from the system (live bytes plus free
 * room in partly used slab chunks).
 */
struct rib_mem {
	size_t	nodes;
	size_t	node_bytes;
	size_t	route_arrays;		/* nodes with routes (prefixes) */
	size_t	route_bytes;
	size_t	routes;
	size_t	reserved;
	size_t	peer_bytes;		/* per-peer counters */
};

void	rib_mem(const struct rib *, struct rib_mem *);

#endif /* BGPWATCH_RIB_H */
