/*
 * The door into the RIB: every source of routes (BGP peer, MRT replay
 * peer) enters here and nowhere else.  An UPDATE is applied with one
 * attribute intern shared by all its prefixes; max-prefix is enforced
 * per source.  Every change a source makes (not a flush) and every step
 * of its lifecycle is passed to the door's observer (the region
 * detector), whose runs the door schedules.  A source's routes leave in
 * slices of FLUSH_BUDGET routes, until the loop's turn is spent, so that
 * a full table never blocks the loop (OpenBGPD's rib dump runner is the
 * model); graceful restart marks routes stale instead, in slices of its
 * own walk (the routes count as before until marked), and removes the
 * stale ones later.
 *
 * A flush walks the whole table: a peer's routes are spread over it, and
 * the RIB keeps no per-peer index (16 bytes a route).  The door keeps
 * one walk per family going round the table while any source has a
 * flush of it under way (the flushers); each slice removes the routes
 * of every registered flush from the prefixes it visits, and a flush is
 * over when its source has nothing left to remove.  However many flushes
 * run together (routers rebooting, peers flapping), a prefix is visited
 * once per round and a turn runs one walk.
 *
 * When a session comes back before the flush of its previous one is
 * over (a flapping peer), the door keeps the old slot with its flush
 * (struct adjrib_retired) and the source goes on in a fresh slot,
 * instead of walking the rest of the table at once.  The old routes stay
 * invisible to the new session: its counts, its replacements and
 * withdrawals, and the detector see only the new slot; the old slot is
 * not up and counts for nobody, and is given back when empty.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adjrib.h"
#include "loop.h"

/* A slot of an ended session, still being flushed (see the top). */
struct adjrib_retired {
	struct rib_src			 src;	/* slot and flush state only */
	TAILQ_ENTRY(adjrib_retired)	 entry;
};

static void	adjrib_flush_cb(evutil_socket_t, short, void *);

/* Runs due observer work; re-arms for what it asks next. */
static void
adjrib_run_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct adjrib *door = arg;
	double next;
	struct timeval tv;

	(void)fd;
	(void)ev;
	door->kicked = 0;
	next = door->obs->run(door->obs_arg, loop_now(door->loop));
	if (next < 0)
		return;
	tv.tv_sec = (time_t)next;
	tv.tv_usec = (suseconds_t)((next - (double)tv.tv_sec) * 1e6);
	evtimer_add(door->ev_run, &tv);
}

void
adjrib_init(struct adjrib *door, struct loop *loop, struct rib *rib,
    struct intern *intern, const struct adjrib_observer *obs, void *obs_arg)
{
	memset(door, 0, sizeof(*door));
	door->loop = loop;
	door->rib = rib;
	door->intern = intern;
	door->obs = obs;
	door->obs_arg = obs_arg;
	door->run_wanted = 1;
	door->run_due = -1;
	TAILQ_INIT(&door->flushers);
	TAILQ_INIT(&door->markers);
	TAILQ_INIT(&door->retired);
	rib_cursor_init(&door->flush_cur[AID_INET], AID_INET);
	rib_cursor_init(&door->flush_cur[AID_INET6], AID_INET6);
	door->ev_flush = loop_timer_new(loop, adjrib_flush_cb, door);
	if (obs != NULL && obs->run != NULL)
		door->ev_run = loop_timer_new(loop, adjrib_run_cb, door);
}

void
adjrib_free(struct adjrib *door)
{
	struct adjrib_retired *r;

	/* Their routes go with the RIB (rib_free). */
	while ((r = TAILQ_FIRST(&door->retired)) != NULL) {
		TAILQ_REMOVE(&door->retired, r, entry);
		free(r);
	}
	door->nretired = 0;
	TAILQ_INIT(&door->flushers);
	TAILQ_INIT(&door->markers);
	if (door->ev_flush != NULL)
		event_free(door->ev_flush);
	door->ev_flush = NULL;
	if (door->ev_run != NULL)
		event_free(door->ev_run);
	door->ev_run = NULL;
}

void
adjrib_kick(struct adjrib *door)
{
	door->run_wanted = 1;
	/* Many hooks per UPDATE burst, one run after the next poll. */
	if (door->ev_run == NULL || door->kicked)
		return;
	door->kicked = 1;
	loop_timer_soon(door->ev_run);
}

double
adjrib_run(struct adjrib *door, double now)
{
	double next;

	door->run_wanted = 0;
	next = door->obs != NULL && door->obs->run != NULL ?
	    door->obs->run(door->obs_arg, now) : -1;
	door->run_due = next < 0 ? -1 : now + next;
	return next;
}

int
adjrib_run_due(const struct adjrib *door, double now)
{
	return door->run_wanted || (door->run_due >= 0 && now >= door->run_due);
}

/*
 * The time a route gets in the RIB: the record's in a replay, else the
 * time libevent took after its last poll (no system call per route).
 */
static inline uint32_t
adjrib_secs(const struct adjrib *door)
{
	struct timeval tv;

	if (door->loop->record_now > 0)
		return (uint32_t)door->loop->record_now;
	if (event_base_gettimeofday_cached(door->loop->base, &tv) == -1)
		return 0;
	return (uint32_t)tv.tv_sec;
}

/* Tells the observer of a lifecycle step. */
static void
adjrib_step(struct rib_src *src, enum adjrib_step step, const char *reason,
    int gr)
{
	struct adjrib *door = src->door;

	if (door->obs == NULL || door->obs->step == NULL)
		return;
	door->obs->step(door->obs_arg, src, step, reason, gr,
	    loop_now(door->loop));
	adjrib_kick(door);
}

/* 1 if the observer wants to hear of this route (after adjrib_watched). */
static inline int
adjrib_wants(const struct adjrib *door, const struct bw_prefix *pfx,
    const struct rattr *a)
{
	return door->obs->wants == NULL ||
	    door->obs->wants(door->obs_arg, pfx, a);
}

/* 1 if the observer wants to hear of pfx. */
static int
adjrib_watched(const struct adjrib *door, const struct bw_prefix *pfx)
{
	return door->obs != NULL && (door->obs->interested == NULL ||
	    door->obs->interested(door->obs_arg, pfx));
}

/*
 * Whether an NLRI field's prefixes are to be asked about one by one
 * (-1, adjrib_announce_w's watched) or none is watched now (0).
 */
static int
adjrib_watching(const struct adjrib *door)
{
	if (door->obs == NULL)
		return 0;
	return door->obs->watching == NULL ||
	    door->obs->watching(door->obs_arg) ? -1 : 0;
}

/* First free RIB slot, or -1. */
static int
adjrib_slot_alloc(struct adjrib *door)
{
	int i;

	for (i = 0; i < RIB_MAX_PEERS; i++)
		if (!(door->slots[i / 8] & (1 << (i % 8)))) {
			door->slots[i / 8] |= (uint8_t)(1 << (i % 8));
			return i;
		}
	return -1;
}

static void
adjrib_slot_free(struct adjrib *door, uint16_t slot)
{
	door->slots[slot / 8] &= (uint8_t)~(1 << (slot % 8));
}

int
adjrib_src_attach(struct adjrib *door, struct rib_src *src,
    const struct bw_addr *addr, uint32_t asn)
{
	int slot;

	memset(src, 0, sizeof(*src));
	if ((slot = adjrib_slot_alloc(door)) == -1)
		return -1;
	src->door = door;
	src->slot = (uint16_t)slot;
	src->addr = *addr;
	src->asn = asn;
	return 0;
}

size_t
adjrib_count(const struct rib_src *src, uint8_t aid)
{
	return rib_count(src->door->rib, src->slot, aid);
}

/* Lifecycle */

void
adjrib_up(struct rib_src *src)
{
	src->up = 1;
	src->eligible = 0;
	adjrib_step(src, ADJRIB_UP, NULL, 0);
}

void
adjrib_eligible(struct rib_src *src)
{
	if (src->eligible || !src->up)
		return;
	src->eligible = 1;
	adjrib_step(src, ADJRIB_ELIGIBLE, NULL, 0);
}

void
adjrib_gone(struct rib_src *src)
{
	adjrib_step(src, ADJRIB_GONE, NULL, 0);
}

/* What a source's flush of a family has left to remove. */
static size_t
adjrib_flush_left(const struct rib_src *src, uint8_t aid)
{
	if (!src->flushing[aid])
		return 0;
	if (src->flush_stale_only[aid])
		return rib_count_stale(src->door->rib, src->slot, aid);
	return adjrib_count(src, aid);
}

static void
adjrib_flush_delist(struct rib_src *src)
{
	if (!src->flush_listed)
		return;
	TAILQ_REMOVE(&src->door->flushers, src, flush_entry);
	src->flush_listed = 0;
}

/* Starts the sliced removal of a source's routes of a family. */
static void
adjrib_flush(struct rib_src *src, int only_stale, uint8_t aid)
{
	struct adjrib *door = src->door;

	if (adjrib_count(src, aid) == 0)
		return;
	/* A full flush subsumes a stale-only one under way. */
	if (src->flushing[aid] && !only_stale)
		src->flush_stale_only[aid] = 0;
	else if (!src->flushing[aid])
		src->flush_stale_only[aid] = (uint8_t)only_stale;
	src->flushing[aid] = 1;
	/* From now on every slice removes its routes (out of memory: its
	 * own first slice registers it). */
	(void)rib_flush_start(door->rib, src->slot, aid,
	    src->flush_stale_only[aid]);
	if (!src->flush_listed) {
		TAILQ_INSERT_TAIL(&door->flushers, src, flush_entry);
		src->flush_listed = 1;
	}
	if (!evtimer_pending(door->ev_flush, NULL))
		loop_timer_soon(door->ev_flush);
}

/* A retired slot is empty: it is free again. */
static void
adjrib_retired_done(struct rib_src *src)
{
	struct adjrib *door = src->door;
	struct adjrib_retired *r = (struct adjrib_retired *)(void *)src;

	TAILQ_REMOVE(&door->retired, r, entry);
	door->nretired--;
	adjrib_slot_free(door, src->slot);
	free(r);
}

/* Ends the flushes that have nothing left; 1 while any has more. */
static int
adjrib_flush_reap(struct adjrib *door)
{
	struct rib_src *src, *next;
	int aid, busy;

	for (src = TAILQ_FIRST(&door->flushers); src != NULL; src = next) {
		next = TAILQ_NEXT(src, flush_entry);
		busy = 0;
		for (aid = AID_INET; aid < AID_MAX; aid++) {
			if (adjrib_flush_left(src, (uint8_t)aid) > 0)
				busy = 1;
			else
				src->flushing[aid] = 0;
		}
		if (busy)
			continue;
		adjrib_flush_delist(src);
		if (src->retired)
			adjrib_retired_done(src);
	}
	return !TAILQ_EMPTY(&door->flushers);
}

static void
adjrib_mark_delist(struct rib_src *src)
{
	int aid;

	for (aid = AID_INET; aid < AID_MAX; aid++)
		src->marking[aid] = 0;
	if (!src->mark_listed)
		return;
	TAILQ_REMOVE(&src->door->markers, src, mark_entry);
	src->mark_listed = 0;
}

/*
 * One slice of src's stale marking per family (budget prefixes); 1
 * while it has more.  Nothing of src is added meanwhile: its session is
 * down, and a new one finishes the marking first (adjrib_renew).
 */
static int
adjrib_mark_slice(struct rib_src *src, size_t budget)
{
	int aid, busy = 0;

	for (aid = AID_INET; aid < AID_MAX; aid++) {
		if (!src->marking[aid])
			continue;
		if (rib_mark_stale_slice(src->door->rib, &src->mark_cur[aid],
		    src->slot, budget))
			busy = 1;
		else
			src->marking[aid] = 0;
	}
	if (!busy)
		adjrib_mark_delist(src);
	return busy;
}

/* Finishes src's stale marking at once (its marks are needed now). */
static void
adjrib_mark_finish(struct rib_src *src)
{
	if (src->mark_listed)
		(void)adjrib_mark_slice(src, SIZE_MAX);
}

/* A slice of every marking under way; 1 while any has more. */
static int
adjrib_mark_step(struct adjrib *door, size_t budget)
{
	struct rib_src *src, *next;

	for (src = TAILQ_FIRST(&door->markers); src != NULL; src = next) {
		next = TAILQ_NEXT(src, mark_entry);
		(void)adjrib_mark_slice(src, budget);
	}
	return !TAILQ_EMPTY(&door->markers);
}

/*
 * One slice of the door's walk per family with a flush under way.  The
 * slice is run on behalf of the first flusher of the family (it stops
 * early when that one is done) and removes the routes of all of them.
 * The walk goes round: at the end of the table it starts again, for the
 * routes of flushes that began behind it.
 */
int
adjrib_flush_step(struct adjrib *door, size_t budget)
{
	struct rib_cursor *c;
	struct rib_src *src;
	int aid;

	for (aid = AID_INET; aid < AID_MAX; aid++) {
		TAILQ_FOREACH(src, &door->flushers, flush_entry)
			if (adjrib_flush_left(src, (uint8_t)aid) > 0)
				break;
		if (src == NULL)
			continue;
		c = &door->flush_cur[aid];
		if (rib_flush_slice(door->rib, c, src->slot,
		    src->flush_stale_only[aid], budget) == 0) {
			if (adjrib_flush_left(src, (uint8_t)aid) == 0) {
				c->done = 0;	/* go on from here */
				c->started = 1;
			} else		/* the end of the table: round again */
				rib_cursor_init(c, (uint8_t)aid);
		}
	}
	return adjrib_mark_step(door, budget) | adjrib_flush_reap(door);
}

/* Runs the door's flush slices until the loop's turn is spent. */
static void
adjrib_flush_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct adjrib *door = arg;

	(void)fd;
	(void)ev;
	while (adjrib_flush_step(door, FLUSH_BUDGET))
		if (loop_turn_spent(door->loop->base, LOOP_TURN_MAX)) {
			loop_timer_soon(door->ev_flush);
			return;
		}
}

/* Runs src's flushes to their end at once. */
static void
adjrib_settle_flushes(struct rib_src *src)
{
	struct rib_cursor c;
	int aid;

	/* One whole round of a walk of its own (nothing is added now). */
	for (aid = AID_INET; aid < AID_MAX; aid++) {
		if (!src->flushing[aid])
			continue;
		rib_cursor_init(&c, (uint8_t)aid);
		while (rib_flush_slice(src->door->rib, &c, src->slot,
		    src->flush_stale_only[aid], SIZE_MAX))
			;
		src->flushing[aid] = 0;
	}
	adjrib_flush_delist(src);
}

void
adjrib_settle(struct rib_src *src)
{
	adjrib_mark_finish(src);
	adjrib_settle_flushes(src);
}

/*
 * Hands src's slot and the routes in it to the door, which flushes them
 * all (they are dead: flushes under way become full ones) and frees the
 * slot when it is empty.  src keeps its slot number but must not use it
 * again.  Returns 0, or -1 (out of memory; nothing changed).
 */
static int
adjrib_hand_over(struct rib_src *src)
{
	struct adjrib *door = src->door;
	struct adjrib_retired *r;
	int aid;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return -1;
	r->src.door = door;
	r->src.slot = src->slot;
	r->src.addr = src->addr;
	r->src.asn = src->asn;
	r->src.retired = 1;
	for (aid = AID_INET; aid < AID_MAX; aid++) {
		src->flushing[aid] = 0;
		src->flush_stale_only[aid] = 0;
	}
	adjrib_flush_delist(src);
	adjrib_mark_delist(src);	/* they all go: no marks needed */
	TAILQ_INSERT_TAIL(&door->retired, r, entry);
	door->nretired++;
	for (aid = AID_INET; aid < AID_MAX; aid++)
		adjrib_flush(&r->src, 0, (uint8_t)aid);
	if (!r->src.flush_listed)	/* nothing was left after all */
		adjrib_retired_done(&r->src);
	return 0;
}

/* Hands src's slot to the door and gives src a fresh one; 0 or -1. */
static int
adjrib_retire(struct rib_src *src)
{
	struct adjrib *door = src->door;
	int slot;

	if ((slot = adjrib_slot_alloc(door)) == -1)
		return -1;
	if (adjrib_hand_over(src) == -1) {
		adjrib_slot_free(door, (uint16_t)slot);
		return -1;
	}
	src->slot = (uint16_t)slot;
	return 0;
}

void
adjrib_renew(struct rib_src *src)
{
	const struct rib *rib = src->door->rib;
	size_t n, work;
	int aid, dead = 0, live = 0;

	if (src->up)
		return;
	/* The new session's routes must not be marked. */
	adjrib_mark_finish(src);
	for (aid = AID_INET; aid < AID_MAX; aid++) {
		if ((n = adjrib_count(src, (uint8_t)aid)) == 0)
			continue;
		work = !src->flushing[aid] ? 0 : !src->flush_stale_only[aid] ?
		    n : rib_count_stale(rib, src->slot, (uint8_t)aid);
		if (work == n)
			dead = 1;
		else
			live = 1;	/* stale routes kept for this session */
	}
	if (dead && !live && adjrib_retire(src) == 0) {
		src->door->renews_retired++;
		return;
	}
	if (dead)
		src->door->renews_settled++;
	/* Nothing left to flush costs nothing here. */
	adjrib_settle(src);
}

/*
 * Starts marking a source's routes of a family stale (graceful restart),
 * in slices of the door's timer: a full table is a walk of 577,703
 * prefixes, tens of milliseconds in one go.  Until a route is marked it
 * counts as it did (a stale route counts too while the peer restarts).
 */
static void
adjrib_mark_stale(struct rib_src *src, uint8_t aid)
{
	struct adjrib *door = src->door;

	/* A stale-only flush must not eat these (rare: a restart while
	 * the previous restart's stale routes were going). */
	adjrib_settle_flushes(src);
	if (adjrib_count(src, aid) == 0)
		return;
	rib_cursor_init(&src->mark_cur[aid], aid);
	src->marking[aid] = 1;
	if (!src->mark_listed) {
		TAILQ_INSERT_TAIL(&door->markers, src, mark_entry);
		src->mark_listed = 1;
	}
	if (!evtimer_pending(door->ev_flush, NULL))
		loop_timer_soon(door->ev_flush);
}

int
adjrib_down(struct rib_src *src, const char *reason,
    const uint8_t gr[AID_MAX])
{
	int aid, stale = 0;

	for (aid = AID_INET; aid < AID_MAX; aid++) {
		if (gr != NULL && gr[aid]) {
			adjrib_mark_stale(src, (uint8_t)aid);
			src->stale[aid] = 1;
			stale = 1;
		} else {
			src->stale[aid] = 0;
			adjrib_flush(src, 0, (uint8_t)aid);
		}
	}
	src->up = 0;
	src->eligible = 0;
	adjrib_step(src, ADJRIB_DOWN, reason, stale);
	return stale;
}

int
adjrib_flush_stale(struct rib_src *src, uint8_t aid)
{
	if (aid >= AID_MAX || !src->stale[aid])
		return 0;
	adjrib_mark_finish(src);
	src->stale[aid] = 0;
	adjrib_flush(src, 1, aid);
	return 1;
}

int
adjrib_has_stale(const struct rib_src *src)
{
	int aid;

	for (aid = AID_INET; aid < AID_MAX; aid++)
		if (src->stale[aid])
			return 1;
	return 0;
}

void
adjrib_src_detach(struct rib_src *src)
{
	int aid;

	for (aid = AID_INET; aid < AID_MAX; aid++)
		src->stale[aid] = 0;
	adjrib_gone(src);
	if (adjrib_hand_over(src) == 0)
		return;
	for (aid = AID_INET; aid < AID_MAX; aid++)
		adjrib_flush(src, 0, (uint8_t)aid);
	adjrib_settle(src);
	adjrib_slot_free(src->door, src->slot);
}

void
adjrib_src_abandon(struct rib_src *src)
{
	/* Its flushes (if any) are the door's no longer: src goes now. */
	adjrib_flush_delist(src);
	adjrib_mark_delist(src);
	adjrib_slot_free(src->door, src->slot);
}

/* Routes */

/* Withdraws one route and tells the observer; 1 if it was there. */
/*
 * The time the observer is told, read once for all the routes of an
 * NLRI field (*now 0: not read yet): a clock_gettime per route was 5-8 %
 * of a load with every country watched.  The routes of one UPDATE
 * arrived together anyway.
 */
static double
adjrib_now(const struct adjrib *door, double *now)
{
	if (*now == 0)
		*now = loop_now(door->loop);
	return *now;
}

static int
adjrib_withdraw_one(struct rib_src *src, const struct bw_prefix *pfx,
    uint32_t id, double *now)
{
	struct adjrib *door = src->door;
	struct rattr *last = NULL;
	int r;

	if (door->obs == NULL || door->obs->withdraw == NULL ||
	    !adjrib_watched(door, pfx))
		return rib_withdraw(door->rib, src->slot, pfx, id) !=
		    RIB_WD_ABSENT;
	r = rib_withdraw_take(door->rib, src->slot, pfx, id, &last);
	if (r == RIB_WD_ABSENT)
		return 0;
	if (adjrib_wants(door, pfx, last)) {
		door->obs->withdraw(door->obs_arg, src, pfx, last,
		    r == RIB_WD_LAST, adjrib_now(door, now));
		adjrib_kick(door);
	}
	rattr_unref(door->intern, last);
	return 1;
}

/*
 * The next prefixes of an NLRI field (up to RIB_PREFETCH_MAX), with the
 * RIB told to prefetch what applying them will touch; 0 at the end.
 * The routes are then applied one by one, in order, as before: the
 * prefetch is only a hint, so nothing changes but the cache misses
 * overlapping.
 */
static size_t
adjrib_nlri_batch(struct adjrib *door, struct bgp_nlri_iter *it,
    struct bw_prefix *pfx, uint32_t *id)
{
	size_t k = bgp_nlri_take(it, pfx, id, RIB_PREFETCH_MAX);

	if (k > 1)
		rib_prefetch(door->rib, pfx, k);
	return k;
}

/* Withdraws every route of an NLRI field; returns how many were there. */
static int
adjrib_withdraw_nlri(struct rib_src *src, const struct bgp_view *v,
    uint8_t aid)
{
	struct bgp_nlri_iter it;
	struct bw_prefix pfx[RIB_PREFETCH_MAX];
	uint32_t id[RIB_PREFETCH_MAX];
	size_t i, k;
	double now = 0;
	int n = 0;

	if (v->len == 0)	/* most UPDATEs withdraw nothing */
		return 0;
	bgp_nlri_iter_init(&it, v, aid, src->addpath[aid]);
	while ((k = adjrib_nlri_batch(src->door, &it, pfx, id)) > 0)
		for (i = 0; i < k; i++) {
			src->stats.withdraws_in++;
			n += adjrib_withdraw_one(src, &pfx[i], id[i], &now);
		}
	return n;
}

/*
 * One route; watched: -1 to ask the observer's filter, else its answer.
 * Inline: the loop of a watched field calls it per route.
 */
static inline void
adjrib_announce_w(struct rib_src *src, const struct bw_prefix *pfx,
    uint32_t id, struct rattr *a, int watched, double *now)
{
	struct adjrib *door = src->door;
	const struct rib_route *routes;
	size_t nroutes;
	int r;

	src->stats.prefixes_in++;
	if ((r = rib_update_at(door->rib, src->slot, pfx, id, a, &routes,
	    &nroutes)) == -1)
		fatal("rib_update");
	if (door->obs != NULL && door->obs->announce != NULL &&
	    (watched == -1 ? adjrib_watched(door, pfx) : watched) &&
	    adjrib_wants(door, pfx, a)) {
		door->obs->announce(door->obs_arg, src, pfx, a,
		    r == RIB_UPD_NEW_PREFIX, routes, nroutes,
		    adjrib_now(door, now));
		adjrib_kick(door);
	}
}

void
adjrib_announce_one(struct rib_src *src, const struct bw_prefix *pfx,
    uint32_t id, struct rattr *a)
{
	double now = 0;

	rib_set_time(src->door->rib, adjrib_secs(src->door));
	adjrib_announce_w(src, pfx, id, a, -1, &now);
}

void
adjrib_prefetch(struct adjrib *door, const struct bw_prefix *pfx)
{
	rib_prefetch_ahead(door->rib, pfx);
}

void
adjrib_announce_many(const struct bw_prefix *pfx, const struct adjrib_route *e,
    size_t n)
{
	struct rib_route in[RIB_MANY_MAX];
	int res[RIB_MANY_MAX];
	struct adjrib *door;
	double now = 0;
	size_t i, k;

	if (n == 0)
		return;
	door = e[0].src->door;
	rib_set_time(door->rib, adjrib_secs(door));
	/*
	 * A watched prefix goes route by route: the observer reads the
	 * RIB (how many peers carry the prefix) and must see it as it is
	 * after each route, as from a live session.  Unless it wants none
	 * of the routes (a prefix far from every region, of no region's
	 * origin AS): then it hears of none, as route by route.
	 */
	if (door->obs != NULL && door->obs->announce != NULL &&
	    adjrib_watched(door, pfx)) {
		for (i = 0; i < n && !adjrib_wants(door, pfx, e[i].attrs); i++)
			;
		if (i < n) {
			for (i = 0; i < n; i++)
				adjrib_announce_w(e[i].src, pfx, e[i].path_id,
				    e[i].attrs, 1, &now);
			return;
		}
	}
	for (; n > 0; e += k, n -= k) {
		k = n < RIB_MANY_MAX ? n : RIB_MANY_MAX;
		for (i = 0; i < k; i++) {
			in[i].attrs = e[i].attrs;
			in[i].path_id = e[i].path_id;
			in[i].peer = e[i].src->slot;
			in[i].flags = 0;
			e[i].src->stats.prefixes_in++;
		}
		if (rib_update_many(door->rib, pfx, in, k, res) == -1)
			fatal("rib_update_many");
	}
}

/*
 * Routes of a batch that nobody is told of: straight into the RIB (a
 * replay without regions, or with a far field of prefixes: no call and
 * no observer test per route).
 */
static void
adjrib_announce_quiet(struct rib_src *src, const struct bw_prefix *pfx,
    const uint32_t *id, size_t k, struct rattr *a)
{
	struct rib *rib = src->door->rib;
	const struct rib_route *routes;
	size_t i, nroutes;

	for (i = 0; i < k; i++)
		if (rib_update_at(rib, src->slot, &pfx[i], id[i], a, &routes,
		    &nroutes) == -1)
			fatal("rib_update");
	src->stats.prefixes_in += k;
}

static int
adjrib_announce_nlri(struct rib_src *src, const struct bgp_view *v,
    uint8_t aid, struct rattr *a)
{
	const struct adjrib *door = src->door;
	struct bgp_nlri_iter it;
	struct bw_prefix pfx[RIB_PREFETCH_MAX];
	uint32_t id[RIB_PREFETCH_MAX];
	size_t i, k;
	double now = 0;
	int n = 0, watched = adjrib_watching(src->door), quiet;

	quiet = watched == 0 || door->obs->announce == NULL;
	bgp_nlri_iter_init(&it, v, aid, src->addpath[aid]);
	/* libevent's cached time (a lock and unlock of its base) holds
	 * until the next poll: once per UPDATE's field, not per route. */
	rib_set_time(src->door->rib, adjrib_secs(src->door));
	while ((k = adjrib_nlri_batch(src->door, &it, pfx, id)) > 0) {
		n += (int)k;
		if (quiet) {
			adjrib_announce_quiet(src, pfx, id, k, a);
			continue;
		}
		for (i = 0; i < k; i++)
			adjrib_announce_w(src, &pfx[i], id[i], a, watched,
			    &now);
	}
	return n;
}

/* 1 if the source may send the family of an MP attribute. */
static int
adjrib_family_ok(struct rib_src *src, const struct bgp_mp *mp)
{
	if (mp->aid != AID_UNSPEC && src->af[mp->aid])
		return 1;
	log_peer_warnx_rl(&src->rl, &src->addr, "ignoring NLRI of "
	    "AFI %u SAFI %u: not negotiated", mp->afi, mp->safi);
	return 0;
}

/* Announced NLRI of an UPDATE, classic and MP_REACH. */
static int
adjrib_announce(struct rib_src *src, const struct bgp_update *u)
{
	int has_reach = ATTR_HAS(&u->attrs, ATTR_MP_REACH_NLRI) &&
	    u->reach.nlri.len > 0 && adjrib_family_ok(src, &u->reach);
	struct rattr *a;
	int n = 0;

	if (u->nlri.len == 0 && !has_reach)
		return 0;
	if (u->action == ACT_TREAT_AS_WITHDRAW) {
		n += adjrib_withdraw_nlri(src, &u->nlri, AID_INET);
		if (has_reach)
			n += adjrib_withdraw_nlri(src, &u->reach.nlri,
			    u->reach.aid);
		return n;
	}
	if ((a = intern_attrs(src->door->intern, &u->attrs)) == NULL)
		fatal("intern_attrs");
	n += adjrib_announce_nlri(src, &u->nlri, AID_INET, a);
	if (has_reach)
		n += adjrib_announce_nlri(src, &u->reach.nlri, u->reach.aid,
		    a);
	rattr_unref(src->door->intern, a);
	return n;
}

int
adjrib_apply(struct rib_src *src, const struct bgp_update *u)
{
	uint32_t max = src->max_prefix;
	int n = 0;

	if (u->eor)
		return 0;
	n += adjrib_withdraw_nlri(src, &u->withdrawn, AID_INET);
	if (ATTR_HAS(&u->attrs, ATTR_MP_UNREACH_NLRI) &&
	    u->unreach.nlri.len > 0 && adjrib_family_ok(src, &u->unreach))
		n += adjrib_withdraw_nlri(src, &u->unreach.nlri,
		    u->unreach.aid);
	n += adjrib_announce(src, u);
	if (max > 0 && adjrib_count(src, AID_INET) +
	    adjrib_count(src, AID_INET6) > max)
		return -1;
	return n;
}
