/*
 * Internals shared by the region detector's modules: detect.c (hooks,
 * peers, state machine, events) and region.c (membership index, chunks
 * of address space and their visibility).  Not for other modules.
 */
#ifndef BGPWATCH_DETECT_PRIV_H
#define BGPWATCH_DETECT_PRIV_H

#include <sys/stat.h>

#include <stdatomic.h>
#include <stdint.h>

#include "detect.h"
#include "rirstats.h"
#include "trie.h"

#define DET_UNITS	256		/* units per chunk */
#define DET_WORDS	(DET_UNITS / 64)
#define DET_MAX_REGIONS	65535		/* region ids are uint16_t */
#define DET_MAX_MATCH	64		/* regions one prefix can be in */
#define DET_CHUNKS_PER_ROUTE 256	/* chunks a route may materialize */
#define DET_MAX_STATS_ASNS (1U << 20)	/* origin ASes per region from stats */
#define DET_MAX_LEARNED	(1U << 20)	/* learned members per region: a peer
					 * cycling new prefixes cannot grow
					 * memory for ever */
#define DET_CHUNKS_PER_PREFIX 65536	/* chunks of a `prefix` line */
#define DET_NBUCKETS	32		/* unstable-rate window buckets */
#define DET_NOFILE	0xffff
/*
 * The work a detect_run may do, in route visits: a chunk costs its
 * cell's routes (once per region that has the cell) plus DET_WORK_CHUNK,
 * a recounted prefix DET_WORK_RECOUNT.  About 2 ms of CPU here (5 ms
 * before 2026-12-06: on a machine at load 13 a run's wall time is several
 * times its CPU time, and the loop stalled over 50 ms); counted, not
 * timed, so that replay and tests stay deterministic.
 */
#define DET_WORK_RUN	60000
#define DET_WORK_CHUNK	64
#define DET_WORK_RECOUNT 16
#define DET_WORK_PEND	4	/* a pending chunk looked at */

/* How a route got into a region (the `via` of events). */
enum det_via {
	VIA_PREFIX = 0,		/* a `prefix` line */
	VIA_COUNTRY,		/* an RIR stats block of a `country` */
	VIA_ORIGIN		/* origin AS (`origin-as`, or a country's asn) */
};

/* Per family: unit, chunk and floor prefix lengths. */
struct det_fam {
	uint8_t	unit;		/* /24, /48 */
	uint8_t	chunk;		/* /16, /40 */
	uint8_t	floor;		/* shorter routes are ignored: /8, /16 */
};
extern const struct det_fam det_fam[AID_MAX];

/* detmap.c: nonzero uint64_t keys to uint32_t values. */
struct det_map {
	uint64_t	*key;
	uint32_t	*val;
	size_t		 cap, n;
	/* The table before a doubling, moving a few slots per call. */
	uint64_t	*okey;
	uint32_t	*oval;
	size_t		 ocap, omoved;
};
/* k's value, made (UINT32_MAX, *made set) if absent; good until the next. */
uint32_t *det_map_slot(struct det_map *, uint64_t key, int *made);
void	det_map_clear(struct det_map *);
void	det_map_prefetch(const struct det_map *, uint64_t key);
/*
 * Room for n keys / n prefixes and nmem memberships, the hash tables'
 * pages populated: a reload that builds the index again sizes it as it
 * was, so that learning the RIB neither rehashes the tables in its
 * slices (10-18 ms each) nor faults their pages in one by one (7-14 ms
 * in each of the first slices at 1,000,000 prefixes).
 */
void	det_map_reserve(struct det_map *, size_t n);

/* A membership block: row of the block index (trie payload path_id). */
struct det_block {
	struct bw_prefix pfx;
	uint16_t	 region;
	uint8_t		 via;
	uint8_t		 exact;		/* learned by origin: this prefix only */
	uint16_t	 file;		/* stats file, or DET_NOFILE */
	uint32_t	 asn;		/* VIA_ORIGIN: the origin AS */
	char		 cc[3];		/* VIA_COUNTRY, or a country's asn */
	uint32_t	 next;		/* IPv4 learned: chain in lmap */
};

/* An origin AS of a region (hash chain). */
struct det_asn {
	uint32_t	 asn;
	uint16_t	 region;
	uint16_t	 file;		/* a country's asn line, or DET_NOFILE */
	uint32_t	 next;		/* chain, UINT32_MAX: end */
	char		 cc[3];
};

/* The mapping that made a prefix a member of a region. */
struct det_match {
	uint16_t	 region;
	uint8_t		 via;
	uint8_t		 learned;	/* matched a learned exact block */
	uint16_t	 file;
	uint32_t	 asn;
	uint32_t	 arow;		/* VIA_ORIGIN by an origin AS of the
					 * index: its row in d->asns, else
					 * DET_AROW_NONE */
	char		 cc[3];
	struct bw_prefix block;
};

/* A region's IPv4 country block as an address range (sorted by start). */
struct det_range {
	uint32_t	 start, end;	/* first and last address */
	uint32_t	 maxend;	/* largest end of this and all before */
	uint32_t	 block;		/* row in blocks */
};

/* An IPv4 block of configuration in the sorted table (vtab_build). */
struct det_vblock {
	uint32_t	 start, end;
	uint32_t	 parent;	/* nearest entry holding it, or
					 * UINT32_MAX */
	uint32_t	 block;		/* row in blocks */
};

/* A chunk's bitmaps over its units. */
struct det_bits {
	uint64_t	 member[DET_WORDS];	/* the region's units */
	uint64_t	 seen[DET_WORDS];	/* baseline of derived units */
	uint64_t	 pending[DET_WORDS];	/* visible, not yet baseline */
	uint64_t	 visible[DET_WORDS];	/* of the members */
};

/* det_chunk.q: where its bitmaps are. */
#define DET_Q_EMPTY	0		/* all zero */
#define DET_Q_WORD	1		/* 1..DET_WORDS: word q - 1 of each
					 * is all there is, in w[] */
#define DET_Q_FULL	(DET_Q_WORD + DET_WORDS) /* in DET_BITS(d, big) */

/*
 * One /16 (IPv4) or /40 (IPv6) cell of one region's space.  With every
 * country and 1,000 origin-AS regions watched there are about 1.5
 * chunks per routed prefix, most of them new memory, and most of those
 * (an origin AS's chunk) hold one unit or a few: a chunk whose units
 * all fall in one 64-unit word keeps that word of each bitmap in place
 * (72 bytes); one that spans more keeps its four bitmaps in d->bpools
 * (72 + 128).  Every bitmap is within member, so the words of member
 * say where the rest can be.
 */
struct det_chunk {
	uint8_t		 cb[5];		/* the cell's bytes */
	uint8_t		 aid;
	uint16_t	 region;
	/*
	 * In one word, so that a chunk is 64 bytes, one cache line (a new
	 * prefix writes one or two new chunks): nvis and ntot count at most
	 * DET_UNITS.
	 */
	uint32_t	 nvis:9, ntot:9; /* what it adds to its region */
	uint32_t	 dirty:1;
	uint32_t	 pending_listed:1;
	uint32_t	 q:3;		/* DET_Q_*: where the bitmaps are */
	uint32_t	 fixed:1;	/* has units of `prefix` lines: in
					 * d->fixed, row d->fixmap[id] */
	uint32_t	 next_dirty;	/* UINT32_MAX: end */
	uint32_t	 next_cell;	/* IPv4: the cell's next chunk */
	uint32_t	 gen;		/* sweep_gen when last recomputed */
	double		 pending_since;
	union {
		uint64_t w[4];		/* DET_Q_WORD: member, seen,
					 * pending, visible: word q - 1 */
		uint32_t big;		/* DET_Q_FULL: DET_BITS(d, big) */
	}		 u;
};

/* Units of `prefix` lines of a chunk (few chunks have any). */
struct det_fixed {
	uint64_t	 w[DET_WORDS];
};

/*
 * A chunk with pending units, due when its hold-down ends.  The key is
 * the due time when listed; a chunk's pending_since only moves later
 * (its pending units went and came back), so the key is never late:
 * region_promote pushes the chunk again when its real due time is.
 */
struct det_pend {
	double		 due;
	uint32_t	 id;
};

/* Chunks live in pools of DET_POOL, in id order. */
#define DET_POOL	1024
#define DET_CHUNK(d, id) (&(d)->pools[(id) / DET_POOL][(id) % DET_POOL])
#define DET_BITS(d, id)	(&(d)->bpools[(id) / DET_POOL][(id) % DET_POOL])

/*
 * detpfx.c: the member prefixes of all regions, each once (an entry with
 * a stable id under a hash index), and each entry's memberships.
 */
struct det_pent {
	struct bw_prefix p;
	uint32_t	 first;		/* its first membership, or
					 * UINT32_MAX */
};

/*
 * A prefix in one region: 16 bytes (there are about two per routed
 * prefix with every country watched).  What an IPv4 prefix was learned
 * by (origin AS, stats file, country) is the row of d->asns that matched
 * it, kept as that row: the memberships go with the index that holds the
 * rows (both are cleared and swapped together).
 */
#define DET_AROW_NONE	0x7fffffffU	/* arow: not learned */
#define DET_MAX_PENT	((1U << 30) - 1) /* prefix entries (pent:30) */
struct det_mem {
	uint32_t	 pent:30;	/* the prefix's entry */
	uint32_t	 via:2;		/* enum det_via */
	uint32_t	 next;		/* the prefix's next membership */
	uint32_t	 arow:31;	/* IPv4, learned by origin AS (a
					 * member whatever the origin now):
					 * its row in d->asns; else
					 * DET_AROW_NONE */
	uint32_t	 cvis:1;	/* vis reaches the quorum: counted in
					 * the region's pfx_visible */
	uint16_t	 region;
	uint16_t	 vis;		/* counting peers carrying it */
};

struct det_ptab {
	uint64_t	*idx;		/* hash << 32 | entry + 1; 0: empty */
	size_t		 cap, n;	/* index slots; entries */
	/*
	 * The index before a doubling, while its slots move to idx a few
	 * per add (detpfx.c): read-only, NULL when all have moved.
	 */
	uint64_t	*oidx;
	size_t		 ocap, omoved;
	struct det_pent	*ent;
	size_t		 entcap;
	struct det_mem	*mem;
	size_t		 nmem, memcap;
};
/* The entry of p, or UINT32_MAX. */
uint32_t det_ptab_find(const struct det_ptab *, const struct bw_prefix *);
/* The entry of p, made if absent. */
uint32_t det_ptab_add(struct det_ptab *, const struct bw_prefix *);
/*
 * Entry e's membership of region; made (at the tail of the entry's list,
 * its id in *made, else UINT32_MAX) if absent and create.  The pointer
 * is good until the next membership is made.
 */
struct det_mem *det_ptab_member(struct det_ptab *, uint32_t e,
	    uint16_t region, int create, uint32_t *made);
void	det_ptab_reserve(struct det_ptab *, size_t n, size_t nmem);
void	det_ptab_prefetch(const struct det_ptab *, const struct bw_prefix *);
void	det_ptab_clear(struct det_ptab *);

/* A queued announcement (struct detect, q): what learning needs of it. */
struct det_qent {
	struct bw_prefix p;
	uint32_t	 origin;
};
#define DET_QUEUE	256	/* announcements queued at most */
#define DET_QAHEAD	8	/* det_drain: prefetched this far ahead */

struct det_region {
	char		*name;
	char		*via;		/* summary: "prefix 1.2.3.0/24, ..." */
	uint8_t		 degraded_below, down_below;
	uint32_t	 hold_down;
	enum config_minpeers min_mode;
	uint32_t	 min_peers;
	uint32_t	 via_as;	/* 0, or only paths through it count */
	uint32_t	 unstable_changes, unstable_window;
	struct config_region *conf;	/* copy, for reload comparison */

	uint64_t	 units_vis, units_tot;
	uint32_t	 ndirty;	/* chunks waiting for recompute */
	uint32_t	 nchunks;	/* its chunks */
	uint32_t	 nsweep;	/* of them, not yet swept */
	uint32_t	 nlearned;	/* origin-AS members learned */
	uint64_t	 memo_key;	/* its chunk last found (chash_key; */
	uint32_t	 memo_id;	/* 0: none): routes come in address
					 * order, a cell's run of them finds
					 * it without a map probe */
	uint8_t		 has_blocks;	/* `prefix` or `country` lines */
	struct det_range *cr4;		/* its IPv4 country blocks */
	size_t		 ncr4;
	uint32_t	*mids;		/* its memberships (det_ptab), in
					 * the order they came */
	size_t		 npfx, midcap;
	uint32_t	 pfx_visible;
	size_t		 recount;	/* SIZE_MAX, or its members'
					 * counts wait for det_recount */

	enum region_state state;
	double		 since;
	int		 pending;
	enum region_state pcand;
	double		 pcand_since;
	double		 bad_start;	/* 0: up */
	double		 worst;

	int		 unstable;
	uint32_t	 bucket[DET_NBUCKETS];
	int64_t		 bucket_head;
	uint32_t	 wsum;
	double		 calm_since;
};

/* A stats file as it was when loaded: unchanged, it is not read again. */
struct det_fstat {
	dev_t		 dev;
	ino_t		 ino;
	off_t		 size;
	struct timespec	 mtime;
};

/* Peer states as the detector sees them. */
enum det_pstate {
	DP_NONE = 0,
	DP_UP,			/* Established, initial table not complete */
	DP_ELIGIBLE,		/* initial table complete */
	DP_DOWN
};

struct det_peer {
	struct detect_peer info;
	uint8_t		 state;
	uint8_t		 fullfeed;	/* passes full-feed */
	uint8_t		 gr_hold;	/* down with GR: stale routes count */
	uint8_t		 counting;
};

struct detect_obs {
	detect_observer		 fn;
	void			*arg;
};

struct detect {
	struct rib		*rib;
	struct detect_obs	 obs[DETECT_MAX_OBSERVERS];
	size_t			 nobs;

	struct rirstats		*rs;
	struct det_region	*regions;
	size_t			 nregions;
	struct det_block	*blocks;
	size_t			 nblocks, blockcap;
	struct trie		 bidx[AID_MAX];		/* blocks */
	struct det_asn		*asns;
	size_t			 nasns, asncap;
	uint32_t		*asnhash;
	size_t			 asnhsize;
	size_t			 nchunks;
	struct det_fixed	*fixed;		/* chunks' `prefix` units */
	size_t			 nfixed, fixedcap;
	struct det_map		 fixmap;	/* chunk id + 1 -> its row of
						 * fixed (few chunks have any) */
	struct det_bits		**bpools;	/* bitmaps of DET_Q_FULL chunks
						 * (DET_BITS) */
	size_t			 nbits, nbpools, bpoolcap;
	uint8_t			 thin_off;	/* tests: every chunk DET_Q_FULL */
	struct trie		 cidx[AID_MAX];		/* chunks */
	struct det_map		 cmap;		/* (cell, region) -> chunk */
	uint32_t		*cell4;		/* IPv4 /16 -> its first chunk */
	struct det_vblock	*vb;		/* IPv4 blocks, sorted */
	size_t			 nvb;
	uint32_t		*vb16;		/* /16 -> its first vb entry */
	/*
	 * Per family, a bit per value of an address's first 16 bits: set
	 * where a block or a chunk lies (region_near_mark; a prefix learned
	 * by origin AS always has a chunk in its cell).  A route of 16 bits or more under a clear
	 * bit, whose origin AS no region has, touches nothing of the
	 * detector: with one small region watched that is nearly every
	 * route, which then costs a bit test, not a region match and a
	 * look for chunks (NULL: no bit set).
	 */
	uint64_t		*near[AID_MAX];
	struct det_ptab		 ptab;		/* member prefixes */
	struct det_chunk	**pools;	/* chunk_alloc */
	size_t			 npools, poolcap;
	uint32_t		 dirty_head;
	size_t			 sweep_next;	/* region_mark_all_dirty: chunks */
	size_t			 sweep_end;	/* [next, end) to recompute */
	uint32_t		 sweep_gen;	/* region_mark_all_dirty calls */
	size_t			 recount_next;	/* det_recount: the next entry
						 * of ptab, SIZE_MAX: none */
	struct det_pend		*pendheap;	/* chunks with pending, a
						 * min-heap by due time */
	size_t			 npend, pendcap;

	struct det_peer		*peers;
	size_t			 npeers;
	uint64_t		*cmask;		/* counting peers, by slot */
	size_t			 cwords;
	uint32_t		 ncounting;
	int			 blind_pending;
	uint8_t			 full_feed;
	double			 ff_next;

	uint64_t		*scratch;	/* a chunk walk's: DET_WORDS
						 * (units touched), then
						 * (DET_UNITS + 1) * cwords */
	size_t			 scratchw;
	/*
	 * What scratch holds: the walk of the cell memo_cb for via AS
	 * memo_via, reused by the next chunk of that cell and via within
	 * the same region_recompute (the RIB cannot change meanwhile).
	 */
	uint8_t			 memo_on;	/* in region_recompute */
	uint8_t			 memo_ok;
	uint8_t			 memo_aid;
	uint8_t			 memo_cb[5];
	uint32_t		 memo_via;
	int			 reference;	/* tests: the per-route path
						 * for every route */
	size_t			 work_run;	/* work per detect_run */
	size_t			 chunks_run;	/* chunks per detect_run */
	uint64_t		*touched;	/* regions detect_run must look
						 * at, a bit per region */
	size_t			 touchw;
	char			*ikey;		/* what the index was built
						 * from (det_ikey) */
	size_t			 ikeylen;
	struct det_fstat	*fst;		/* the stats files then */
	size_t			 nfst;
	/*
	 * The routes already in the RIB when the index was (re)built are
	 * learned in slices of detect_run (det_learn_slice); meanwhile no
	 * region is judged: its members and chunks are not all known.
	 */
	struct rib_cursor	 learn;
	uint8_t			 learning;
	size_t			 learn_run;	/* prefixes per slice */
	size_t			 learn_members;	/* visited in this slice */
	/*
	 * A reload's new index, built apart (detbuild.c; on a thread when
	 * async) and swapped in by detect_run; meanwhile the regions above
	 * answer.  stop: set in the detector being built, to end it early.
	 */
	struct det_build	*build;
	atomic_int		*stop;
	uint8_t			 async;
	/*
	 * Announcements of peers that do not count while none does (the
	 * tables loading), waiting to be learned a batch at a time
	 * (det_drain), in the order they came; drained before anything
	 * else touches or reads the detector.
	 */
	struct det_qent		*q;
	size_t			 nq;
};

/* 1 if the index being built in d is to be dropped. */
static inline int
det_stopped(const struct detect *d)
{
	return d->stop != NULL && atomic_load(d->stop) != 0;
}

/* detect.c */
void	det_region_init(struct det_region *, const struct config_region *);
/*
 * The reported state of old's region of the same name, if any (looked
 * for from old[hint] on); returns its index there, or SIZE_MAX.
 */
size_t	det_region_carry(struct det_region *, const struct det_region *old,
	    size_t nold, size_t hint);
void	det_regions_free(struct det_region *, size_t);
/* A new index is in: learn the RIB, count everything again. */
void	det_index_taken(struct detect *, double now);

/* detect.c: the stats files of conf now (-1: one cannot be stat'ed) */
int	det_stat_files(const struct config *, struct det_fstat **);
/* 1 when fst are the files d loaded, unchanged */
int	det_stats_unchanged(const struct detect *, const struct config *,
	    const struct det_fstat *fst);

/* detstats.c: what a read on a thread got (taken), once done */
void	detect_stats_take(struct detect_stats *, struct det_fstat **,
	    struct rirstats **);

/* detbuild.c */
/*
 * Builds the regions of conf and their index from rs (NULL: d->rs),
 * taking rs and key; at once (returns 0 when in, or -1 with err set and
 * nothing changed), or on a thread when d->async (0: d->build is set).
 */
int	det_build_start(struct detect *, const struct config *,
	    struct rirstats *rs, char *key, size_t klen, double now, char *err,
	    size_t errlen);
/*
 * From detect_run: swaps in a finished index, joins the thread once it
 * has freed the old one.  Returns the seconds until it wants to look
 * again (-1: no build under way).
 */
double	det_build_poll(struct detect *, double now);
/*
 * Stops a build under way and waits for its thread; returns the
 * statistics it was given (the caller's now), or NULL.
 */
struct rirstats *det_build_stop(struct detect *);

/* region.c */
void	region_index_clear(struct detect *);
/* Exchanges the regions and index of two detectors (nothing is copied). */
void	region_index_swap(struct detect *, struct detect *);
int	region_index_build(struct detect *, const struct config *,
	    char *err, size_t errlen);
/* Chunks of the region not recomputed yet (dirty or not yet swept). */
#define REGION_DIRTY(r)	((r)->ndirty > 0 || (r)->nsweep > 0)
/* ent: p's entry in d->ptab, or UINT32_MAX. */
int	region_match(struct detect *, const struct bw_prefix *, uint32_t ent,
	    uint32_t origin, struct det_match *, int max);
/* Marks the first-16-bit values p overlaps (struct detect, near). */
void	region_near_mark(struct detect *, const struct bw_prefix *);
/*
 * 0 when a route at p with origin AS origin can change nothing in the
 * detector (no region space near p, no region with that origin); the
 * per-route path's first question.
 */
int	region_route_near(const struct detect *, const struct bw_prefix *,
	    uint32_t origin);
/* e: p's membership of m's region. */
void	region_learn(struct detect *, const struct bw_prefix *,
	    const struct det_match *, struct det_mem *e);
void	region_materialize(struct detect *, const struct bw_prefix *,
	    const struct det_match *);
/* Prefetches what region_materialize of m will probe. */
void	region_materialize_prefetch(const struct detect *,
	    const struct bw_prefix *, const struct det_match *);
void	region_mark_dirty(struct detect *, const struct bw_prefix *);
void	region_mark_all_dirty(struct detect *);
void	region_touch(struct detect *, uint16_t region);
/*
 * Stops after budget chunks or once *work is used up (a chunk costs
 * DET_WORK_CHUNK plus the RIB routes its walks visit).
 */
size_t	region_recompute(struct detect *, size_t budget, size_t *work,
	    double now);
void	region_promote(struct detect *, double now, double *next,
	    size_t *work);
uint32_t region_quorum(const struct detect *, const struct det_region *);
/* via_as 0: any path counts; else only paths through that AS. */
int	region_route_counts(const struct detect *, const struct rib_route *,
	    uint32_t via_as);
uint16_t region_pfx_count(const struct detect *, const struct bw_prefix *,
	    uint32_t via_as);
/* The same over a prefix's routes r[0..n) (a hook was handed them). */
uint16_t region_routes_count(const struct detect *, const struct rib_route *,
	    size_t n, uint32_t via_as);
/*
 * Entry ent's membership of region r (ent UINT32_MAX: none), made if
 * absent and create.  Good until the next membership is made.
 */
struct det_mem *region_member(struct detect *, uint32_t ent,
	    struct det_region *r, int create);
/* The same by prefix, never made (tests, show). */
struct det_mem *region_pfx_get(struct detect *, struct det_region *,
	    const struct bw_prefix *);
#define DET_MEM_PFX(d, m)	(&(d)->ptab.ent[(m)->pent].p)
void	region_pfx_update(struct detect *, struct det_region *,
	    struct det_mem *, uint16_t vis);
void	region_via_text(const struct detect *, const struct det_match *,
	    char *, size_t);

void	*det_grow(void *, size_t *, size_t, size_t);
/* Learns the queued announcements (struct detect, q). */
void	 det_drain(struct detect *);
/*
 * Arrays past DET_HUGE_MIN bytes in transparent huge pages (the member
 * table's); det_grow_big's arrays are freed with det_big_free.
 */
#define DET_HUGE_MIN	((size_t)4 << 20)
void	*det_grow_big(void *, size_t *, size_t, size_t);
void	 det_big_free(void *, size_t cap, size_t size);
void	 det_populate(void *, size_t);

#endif /* BGPWATCH_DETECT_PRIV_H */
