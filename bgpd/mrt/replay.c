/*
 * Replay mode (bgpwatchd -r FILE...): MRT records go through the same
 * RIB door and region detector as live sessions, with the records' own
 * timestamps as the clock; events go to the configured event log.  No
 * sockets are opened.
 *
 * Each MRT peer (address and AS) becomes a source of routes in the door
 * (struct rib_src): no neighbor, no timers, no FSM.  A source is up and
 * eligible at once: RIS update files start in the middle of
 * long-established sessions, and a RIB dump is a complete table.  A
 * BGP4MP state change away from Established ends the source's session
 * (peer_down, routes removed, no withdrawals); one to Established starts
 * it again.  The detector runs whenever record time moves on, so
 * hold-down timers expire in record time.
 *
 * Files replay in the order given, the RIS way: a table dump (bview),
 * then the update files from its time on.  BGP4MP records older than
 * the last TABLE_DUMP_V2 peer index seen are skipped: the table holds
 * their outcome already (an updates file starts at the interval, the
 * dump may have been taken inside it).
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adjrib.h"
#include "log.h"
#include "loop.h"
#include "mrt.h"
#include "mrtfile.h"
#include "replay.h"
#include "rib.h"
#include "slab.h"
#include "update.h"

#define REPLAY_MAX_PEERS	4096	/* a hostile file cannot make more */
#define REPLAY_HASH		8192	/* peers by address and AS: 2x, a
					 * probe always ends */

/*
 * The last REPLAY_ACACHE_N attribute blocks a peer's RIB entries (or
 * TABLE_DUMP records) carried (replaced in turn), with their interned
 * sets (a reference each): a table dump repeats a peer's attributes for
 * prefix after prefix (one origin's prefixes lie side by side, and a few
 * origins' interleave), and such an entry needs neither decoding nor
 * interning.  The 10-table dump decoded 297,618 blocks with one per
 * peer, 222,908 with four, 199,574 with 16; the 2002 TABLE_DUMP 61,064
 * of its 115,521 with four.  Blocks longer than REPLAY_ACACHE_MAX are
 * not kept.
 */
#define REPLAY_ACACHE_MAX	1024
#define REPLAY_ACACHE_N		4

/*
 * After this many RIB records of a plain dump the replay guesses the
 * table's size from the file's and sizes the RIB's prefix index for it
 * (rib_reserve): grown step by step to 2 M slots the index moved every
 * entry once more, to a table it had never touched.
 */
#define REPLAY_RESERVE_AT	4096

struct replay_acache {
	struct rattr		*attrs;		/* NULL: empty */
	uint32_t		 len;
	uint8_t			 td1;		/* a TABLE_DUMP (v1) entry's:
						 * decoded with 2-octet ASes */
	uint8_t			 raw[REPLAY_ACACHE_MAX];
};

/* An MRT peer: a source of routes and its decoder context. */
struct replay_peer {
	TAILQ_ENTRY(replay_peer) entry;
	struct rib_src		 src;
	struct bgp_dec_ctx	 dec;
	struct replay_acache	 last[REPLAY_ACACHE_N];
	unsigned int		 next;		/* the slot to replace */
};
TAILQ_HEAD(replay_peers, replay_peer);

/*
 * A RIB record's routes, handed to the door together (one prefix, many
 * peers: one step into the RIB).  The attribute sets they use stay
 * referenced until then: a peer's cache may move on to another set
 * within the record (the same peer twice), and a block too long for
 * the cache is held only here.  A record's batch waits for the next
 * record of the table (same time, nothing else between), whose prefix
 * is then prefetched before the waiting routes go in: a new prefix's
 * index slot is a cache miss, overlapped so with a record's work.
 */
struct replay_batch {
	struct adjrib_route	 r[RIB_MANY_MAX];
	struct rattr		*held[2 * RIB_MANY_MAX];	/* to unref */
	size_t			 n, nheld;
	struct bw_prefix	 pfx;
};

struct replay {
	struct adjrib		*door;
	struct loop		*loop;
	uint8_t			*scratch;	/* BGP_SCRATCH_LEN */
	struct replay_peers	 peers;
	size_t			 npeers;
	struct replay_peer	**hash;		/* REPLAY_HASH, open */
	struct replay_peer	*last;		/* replay_peer's last answer */
	struct replay_peer	*index[REPLAY_MAX_PEERS]; /* TD2 peer index */
	size_t			 nindex;
	uint64_t		 records, updates, errors, older;
	uint64_t		 entries, decoded;	/* RIB entries */
	uint32_t		 table_ts;	/* last table dump's time */
	struct replay_batch	 pend;		/* the last RIB record's */
	struct mrt_file		*mf;		/* the file being replayed */
	uint64_t		 tbl_off;	/* its offset after the peer
						 * index */
	uint64_t		 tbl_recs;	/* RIB records since */
	uint64_t		 tbl_multi;	/* of those, with 2 routes+ */
};

/*
 * A source's session starts (on first sight, or an MRT state change).
 * Routes of its previous session still being flushed stay in their slot
 * and go in slices, the new session takes a fresh one (adjrib_renew), as
 * a live session that comes back does.
 */
static void
replay_up(struct replay_peer *rp)
{
	if (rp->src.up)
		return;
	adjrib_renew(&rp->src);
	adjrib_up(&rp->src);
	adjrib_eligible(&rp->src);
}

/*
 * A source's session ends: peer_down, and its routes go (no
 * withdrawals) in the door's flush slices, which the replay runs as
 * records come (replay_file), as a live daemon runs them between reads:
 * a full table is a walk of the whole RIB, and a replay that ends
 * before the walk does (the last records of our own archive are the
 * sessions going down) frees the RIB at once instead.
 */
static void
replay_down(struct replay_peer *rp, const char *why)
{
	if (!rp->src.up)
		return;
	(void)adjrib_down(&rp->src, why, NULL);
}

static unsigned int
replay_hash(const struct bw_addr *addr, uint32_t asn)
{
	uint64_t x, y;

	memcpy(&x, addr->b, 8);
	memcpy(&y, addr->b + 8, 8);
	x ^= y * 0x9e3779b97f4a7c15ull ^ ((uint64_t)asn << 8 | addr->aid);
	return (unsigned int)((x * 0xff51afd7ed558ccdull) >> 51);
}

static int
replay_peer_is(const struct replay_peer *p, const struct bw_addr *addr,
    uint32_t asn)
{
	return p->src.asn == asn && p->src.addr.aid == addr->aid &&
	    memcmp(p->src.addr.b, addr->b, sizeof(addr->b)) == 0;
}

/*
 * The source for an MRT peer, made (and brought up) on first sight.
 * Looked up for every record: a hash, not a walk of the list (that was
 * 3 % of replaying RIS update files with 40 peers), after the peer of
 * the record before (a peer's UPDATEs and table entries come in runs).
 */
static struct replay_peer *
replay_peer(struct replay *rp, const struct bw_addr *addr, uint32_t asn)
{
	struct replay_peer *p;
	unsigned int h;
	int aid;

	if ((p = rp->last) != NULL && replay_peer_is(p, addr, asn))
		return p;
	for (h = replay_hash(addr, asn); (p = rp->hash[h]) != NULL;
	    h = (h + 1) & (REPLAY_HASH - 1))
		if (replay_peer_is(p, addr, asn))
			return rp->last = p;
	if (rp->npeers >= REPLAY_MAX_PEERS)
		return NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		fatal("replay_peer");
	if (adjrib_src_attach(rp->door, &p->src, addr, asn) == -1) {
		free(p);
		return NULL;
	}
	for (aid = AID_INET; aid < AID_MAX; aid++)
		p->src.af[aid] = 1;
	p->dec.scratch = rp->scratch;
	p->dec.scratchlen = BGP_SCRATCH_LEN;
	TAILQ_INSERT_TAIL(&rp->peers, p, entry);
	rp->npeers++;
	rp->hash[h] = p;
	replay_up(p);
	return rp->last = p;
}

/*
 * Runs the door's observer (the detector) when record time moved on, as
 * the loop would live: when something was handed to it since its last
 * run, or when the time it asked for has come (not at every record: a
 * full table's UPDATEs each have a time of their own).
 */
static void
replay_clock(struct replay *rp, double t)
{
	struct adjrib *door = rp->door;
	double prev = rp->loop->record_now;
	int n = 0;

	if (t <= prev)
		return;
	/*
	 * Timers that fell due between the two records fire first, each
	 * at its own time (a hold-down's event has its deadline's time).
	 */
	if (prev > 0) {
		if (adjrib_run_due(door, prev))
			adjrib_run(door, prev);
		while (door->run_due > prev && door->run_due < t &&
		    n++ < 1000) {
			prev = door->run_due;
			loop_set_record_time(rp->loop, prev);
			adjrib_run(door, prev);
		}
	}
	loop_set_record_time(rp->loop, t);
	if (adjrib_run_due(door, t))
		adjrib_run(door, t);
}

static void
replay_message(struct replay *rp, const struct mrt_bgp4mp *m)
{
	struct bgp_update u;
	struct bgp_hdr h;
	struct bgp_err err;
	struct replay_peer *p;
	int aid;

	if (m->local || bgp_frame(m->msg.p, m->msg.len, BGP_MAX_EXT_LEN, &h,
	    &err) != 1 || h.type != BGP_UPDATE)
		return;
	if ((p = replay_peer(rp, &m->peer_ip, m->peer_as)) == NULL)
		return;
	replay_up(p);
	p->dec.as4 = m->as4;
	for (aid = AID_INET; aid < AID_MAX; aid++) {
		p->dec.addpath[aid] = m->addpath;
		p->src.addpath[aid] = m->addpath;
	}
	rp->updates++;
	if (bgp_update_decode(&p->dec, m->msg.p + BGP_HDR_LEN,
	    h.len - BGP_HDR_LEN, &u) == -1) {
		/* A live session would be reset here; a replay goes on. */
		rp->errors++;
		log_peer_warnx_rl(&p->src.rl, &p->src.addr, "replay: malformed "
		    "UPDATE skipped: %s", u.err.reason ? u.err.reason : "?");
		return;
	}
	(void)adjrib_apply(&p->src, &u);
}

static void
replay_state(struct replay *rp, const struct mrt_bgp4mp *m)
{
	struct replay_peer *p;

	if ((p = replay_peer(rp, &m->peer_ip, m->peer_as)) == NULL)
		return;
	if (m->new_state == MRT_STATE_ESTABLISHED)
		replay_up(p);
	else if (m->old_state == MRT_STATE_ESTABLISHED)
		replay_down(p, "MRT state change");
}

static void
replay_peer_index(struct replay *rp, const struct mrt_peer_index *pi)
{
	struct mrt_peer mp;
	struct buf b;

	rp->nindex = 0;
	buf_init(&b, pi->peers.p, pi->peers.len);
	while (mrt_peer_next(&b, &mp) == 1 && rp->nindex < REPLAY_MAX_PEERS)
		rp->index[rp->nindex++] = replay_peer(rp, &mp.addr, mp.asn);
}

/* An attribute block of a RIB dump, interned (a reference for the caller). */
static struct rattr *
replay_attrs(struct replay *rp, const struct bgp_view *attrs, int as4,
    int mrt_rib)
{
	struct bgp_dec_ctx ctx;
	struct bgp_update u;
	struct rattr *a;

	memset(&ctx, 0, sizeof(ctx));
	ctx.as4 = (uint8_t)as4;
	ctx.mrt_rib = (uint8_t)mrt_rib;
	ctx.scratch = rp->scratch;
	ctx.scratchlen = BGP_SCRATCH_LEN;
	rp->decoded++;
	if (bgp_attrs_decode(&ctx, attrs->p, attrs->len, &u) == -1 ||
	    u.action == ACT_TREAT_AS_WITHDRAW) {
		rp->errors++;
		return NULL;
	}
	if ((a = intern_attrs(rp->door->intern, &u.attrs)) == NULL)
		fatal("intern_attrs");
	return a;
}

static struct replay_acache *replay_acache_find(struct replay_peer *,
		    const struct bgp_view *, int);
static void	replay_acache_clear(struct replay *, struct replay_acache *);

/*
 * One route of a table dump (TABLE_DUMP, 2-octet ASes).  The peer's last
 * blocks are kept as a RIB record's are (replay_rib): a record is one
 * route, and the dump repeats a peer's attributes for prefix after
 * prefix.  No batch waits here (the replay flushes it before any other
 * record), so a replaced block's set goes at once.
 */
static void
replay_route(struct replay *rp, struct replay_peer *p,
    const struct bw_prefix *pfx, const struct bgp_view *attrs)
{
	struct replay_acache *c;
	struct rattr *a;

	if ((c = replay_acache_find(p, attrs, 1)) != NULL) {
		adjrib_announce_one(&p->src, pfx, 0, c->attrs);
		return;
	}
	if ((a = replay_attrs(rp, attrs, 0, 0)) == NULL)
		return;
	adjrib_announce_one(&p->src, pfx, 0, a);
	if (attrs->len > REPLAY_ACACHE_MAX) {
		rattr_unref(rp->door->intern, a);
		return;
	}
	c = &p->last[p->next++ % REPLAY_ACACHE_N];
	replay_acache_clear(rp, c);
	memcpy(c->raw, attrs->p, attrs->len);
	c->len = attrs->len;
	c->td1 = 1;
	c->attrs = a;		/* the reference moves */
}

static void
replay_batch_flush(struct replay *rp, struct replay_batch *b)
{
	size_t i;

	adjrib_announce_many(&b->pfx, b->r, b->n);
	for (i = 0; i < b->nheld; i++)
		rattr_unref(rp->door->intern, b->held[i]);
	b->n = b->nheld = 0;
}

/* The cache's set, released after the batch (a route of it may wait). */
static void
replay_acache_drop(struct replay_batch *b, struct replay_acache *c)
{
	if (c->attrs != NULL)
		b->held[b->nheld++] = c->attrs;
	c->attrs = NULL;
}

static void
replay_acache_clear(struct replay *rp, struct replay_acache *c)
{
	if (c->attrs != NULL)
		rattr_unref(rp->door->intern, c->attrs);
	c->attrs = NULL;
}

/*
 * The table's prefixes with two routes or more, guessed from the part
 * read so far (a plain file's size), for the RIB's index.  IPv6 records
 * come after IPv4 ones and count as IPv4 here: the guess errs larger,
 * and the index is capped (TRIE_RESERVE_MAX).
 */
static void
replay_reserve(struct replay *rp, uint8_t aid)
{
	uint64_t size = mrt_file_size(rp->mf), off = mrt_file_offset(rp->mf);
	uint64_t est;

	if (size <= off || off <= rp->tbl_off ||
	    rp->tbl_multi < rp->tbl_recs / 2)
		return;
	est = (size - rp->tbl_off) / ((off - rp->tbl_off) / rp->tbl_multi + 1);
	(void)rib_reserve(rp->door->rib, aid, (size_t)est);
}

/* The peer's kept block v, decoded as a td1 entry's or not; or NULL. */
static struct replay_acache *
replay_acache_find(struct replay_peer *p, const struct bgp_view *v, int td1)
{
	struct replay_acache *c;
	int i;

	for (i = 0; i < REPLAY_ACACHE_N; i++) {
		c = &p->last[i];
		if (c->attrs != NULL && v->len == c->len && c->td1 == td1 &&
		    memcmp(v->p, c->raw, c->len) == 0)
			return c;
	}
	return NULL;
}

/*
 * A RIB record: one prefix, an entry per route.  Each entry's block is
 * compared with the entry before it in the record (peers that agree
 * send the same bytes) and with the peer's last blocks, before it is
 * decoded and interned.  Entries whose peer index is unknown or whose
 * attributes do not decode are skipped; the others are applied, in
 * the record's order.
 */
static void
replay_rib(struct replay *rp, const struct mrt_rib *rib)
{
	struct replay_batch *b = &rp->pend;
	struct mrt_rib_entry e;
	struct replay_peer *p;
	struct replay_acache *c;
	struct bgp_view prev = { NULL, 0 };
	struct rattr *a, *preva = NULL;
	struct buf buf;
	size_t n = 0;

	adjrib_prefetch(rp->door, &rib->prefix);
	replay_batch_flush(rp, b);	/* the record before */
	b->pfx = rib->prefix;
	buf_init(&buf, rib->entries.p, rib->entries.len);
	while (mrt_rib_next(&buf, rib->addpath, &e) == 1) {
		if (e.peer_index >= rp->nindex ||
		    (p = rp->index[e.peer_index]) == NULL)
			continue;
		rp->entries++;
		if (preva != NULL && e.attrs.len == prev.len &&
		    memcmp(e.attrs.p, prev.p, prev.len) == 0)
			a = preva;
		else if ((c = replay_acache_find(p, &e.attrs, 0)) != NULL)
			a = c->attrs;
		else if ((a = replay_attrs(rp, &e.attrs, 1, 1)) == NULL) {
			preva = NULL;
			continue;
		} else if (e.attrs.len <= REPLAY_ACACHE_MAX) {
			c = &p->last[p->next++ % REPLAY_ACACHE_N];
			replay_acache_drop(b, c);
			memcpy(c->raw, e.attrs.p, e.attrs.len);
			c->len = e.attrs.len;
			c->td1 = 0;
			c->attrs = a;	/* the reference moves */
		} else
			b->held[b->nheld++] = a;	/* until the batch is in */
		b->r[b->n].src = &p->src;
		b->r[b->n].path_id = e.path_id;
		b->r[b->n].attrs = a;
		b->n++;
		n++;
		prev = e.attrs;
		preva = a;
		if (b->n == RIB_MANY_MAX) {
			/* A held set may go with the flush. */
			replay_batch_flush(rp, b);
			preva = NULL;
		}
	}
	/* The rest waits for the next record (struct replay_batch). */
	rp->tbl_multi += n >= 2;
	if (++rp->tbl_recs == REPLAY_RESERVE_AT)
		replay_reserve(rp, rib->prefix.aid);
}

static void
replay_record(struct replay *rp, const struct mrt_record *r)
{
	struct replay_peer *p;

	switch (r->kind) {
	case MRT_K_MESSAGE:
		replay_message(rp, &r->u.bgp4mp);
		break;
	case MRT_K_STATE:
		replay_state(rp, &r->u.bgp4mp);
		break;
	case MRT_K_PEER_INDEX:
		replay_peer_index(rp, &r->u.peer_index);
		break;
	case MRT_K_RIB:
		replay_rib(rp, &r->u.rib);
		break;
	case MRT_K_TD1:
		if ((p = replay_peer(rp, &r->u.td1.peer_ip,
		    r->u.td1.peer_as)) != NULL)
			replay_route(rp, p, &r->u.td1.prefix,
			    &r->u.td1.attrs);
		break;
	default:
		break;
	}
}

/*
 * A file opened before its turn: the one after a file that is read ahead
 * (bzip2), so that its thread decompresses its first blocks while the
 * last ones of the file before are applied.  Its open error waits for
 * its turn too, to be logged in order.
 */
struct replay_next {
	struct mrt_file	*mf;
	int		 opened;	/* mf, or err, is for the next file */
	char		 err[256];
};

static void
replay_open_next(struct replay_next *nx, const char *path)
{
	nx->mf = mrt_file_open_ahead(path, MRT_AHEAD_AUTO, nx->err,
	    sizeof(nx->err));
	nx->opened = 1;
}

/* Replays one file.  Returns 0, or -1 if it cannot be read to its end. */
static int
replay_file(struct replay *rp, const char *path, struct replay_next *nx,
    const char *next)
{
	struct mrt_file *mf;
	struct mrt_hdr h;
	struct mrt_record r;
	const uint8_t *body;
	const char *errstr;
	double t;
	int rv;

	if (!nx->opened)
		replay_open_next(nx, path);
	mf = nx->mf;
	nx->mf = NULL;
	nx->opened = 0;
	if (mf == NULL) {
		log_warnx("%s", nx->err);
		return -1;
	}
	if (mrt_file_ahead(mf)) {
		log_debug("replay: %s: decompressed ahead, on a thread", path);
		if (next != NULL)
			replay_open_next(nx, next);
	}
	rp->mf = mf;
	rp->tbl_off = rp->tbl_recs = rp->tbl_multi = 0;
	while ((rv = mrt_file_next(mf, &h, &body, &errstr)) == 1) {
		rp->records++;
		t = (double)h.ts + (double)h.usec / 1e6;
		/* A waiting record's routes go before anything else does. */
		if ((rp->pend.n > 0 || rp->pend.nheld > 0) &&
		    (h.type != MRT_TABLE_DUMP_V2 ||
		    h.subtype == MRT_TD2_PEER_INDEX_TABLE ||
		    t != rp->loop->record_now))
			replay_batch_flush(rp, &rp->pend);
		/*
		 * Update records older than the table dump loaded before
		 * them are in the table already (RIS: bview, then updates).
		 */
		if ((h.type == MRT_BGP4MP || h.type == MRT_BGP4MP_ET) &&
		    h.ts < rp->table_ts) {
			rp->older++;
			continue;
		}
		if (h.type == MRT_TABLE_DUMP_V2 &&
		    h.subtype == MRT_TD2_PEER_INDEX_TABLE) {
			rp->table_ts = h.ts;
			rp->tbl_off = mrt_file_offset(mf);
			rp->tbl_recs = rp->tbl_multi = 0;
		}
		replay_clock(rp, t);
		if (mrt_record_decode(&h, body, h.len, &r, &errstr) == -1) {
			rp->errors++;
			continue;
		}
		replay_record(rp, &r);
		/* A slice of the flushes of sessions that went down. */
		if (!TAILQ_EMPTY(&rp->door->flushers))
			(void)adjrib_flush_step(rp->door, FLUSH_BUDGET);
	}
	replay_batch_flush(rp, &rp->pend);
	if (rv == -1)
		log_warnx("%s: %s", path, errstr ? errstr : "read error");
	mrt_file_close(mf);
	rp->mf = NULL;
	return rv == -1 ? -1 : 0;
}

int
replay_run(struct adjrib *door, uint8_t *scratch, char *files[], int nfiles)
{
	struct replay rp;
	struct replay_next nx;
	struct replay_peer *p;
	int i, rv = 0;

	/* Nothing is given back before the process exits (slab.c). */
	slab_huge_pages(1);
	memset(&rp, 0, sizeof(rp));
	rp.door = door;
	rp.loop = door->loop;
	rp.scratch = scratch;
	TAILQ_INIT(&rp.peers);
	if ((rp.hash = calloc(REPLAY_HASH, sizeof(*rp.hash))) == NULL)
		fatal("replay_run");
	memset(&nx, 0, sizeof(nx));
	for (i = 0; i < nfiles; i++)
		if (replay_file(&rp, files[i], &nx,
		    i + 1 < nfiles ? files[i + 1] : NULL) == -1)
			rv = -1;
	mrt_file_cache_free();
	if (rp.loop->record_now > 0)
		adjrib_run(door, rp.loop->record_now);
	log_info("replay: %llu records, %llu UPDATEs, %zu peers, %llu errors, "
	    "%llu older than the table dump skipped; %llu RIB entries, "
	    "%llu attribute blocks decoded",
	    (unsigned long long)rp.records, (unsigned long long)rp.updates,
	    rp.npeers, (unsigned long long)rp.errors,
	    (unsigned long long)rp.older, (unsigned long long)rp.entries,
	    (unsigned long long)rp.decoded);
	/* The caller frees the RIB and the detector next, in one pass. */
	while ((p = TAILQ_FIRST(&rp.peers)) != NULL) {
		TAILQ_REMOVE(&rp.peers, p, entry);
		for (i = 0; i < REPLAY_ACACHE_N; i++)
			replay_acache_clear(&rp, &p->last[i]);
		adjrib_src_abandon(&p->src);
		free(p);
	}
	free(rp.hash);
	return rv;
}
