/*
 * The region detector: peers and their eligibility, the route hooks,
 * the per-region state machine and the events (docs/regions.md tells
 * the semantics, docs/events.md the keys).
 *
 * Route hooks do O(prefix length) work: find the regions of the prefix
 * (region.c's block index, the origin AS hash), update the prefix's
 * count of peers, emit prefix_withdrawn / prefix_announced at once, and
 * mark the chunks of region space under the route dirty.  detect_run
 * later recomputes dirty chunks (a budget per call), promotes settled
 * units into the baseline, and moves each region through its states:
 * a new state must persist for hold-down before it is reported; the
 * timer restarts when the candidate state changes (BIRD's settle
 * timer).  A change in the set of counting peers (eligible, full-feed,
 * GR stale) is not a route change: it marks everything dirty and the
 * regions are only judged again once all of it was recomputed, and
 * with no counting peer at all a region is blind, never down.
 */
#include <stdlib.h>
#include <string.h>

#include "detect_priv.h"
#include "log.h"

#define DET_RUN_BUDGET		256	/* chunks per run: ~20 ms at 10 full feeds */
#define DET_RECOUNT_BUDGET	65536	/* member prefixes recounted per run */
#define DET_RECOUNT_BATCH	16	/* looked up together */
/*
 * And at most d->work_run work (DET_WORK_RUN): how much a chunk or a
 * recount costs depends on the table and the number of regions (a cell
 * is recomputed once per region that has it), so the counts above alone
 * let a run after a change of the eligible set stall the loop for far
 * longer with every country watched.
 */
#define DET_FULLFEED_EVERY	10.0	/* seconds between full-feed checks */
/*
 * Prefixes per slice of learning the RIB (det_learn_slice), and half as
 * many memberships: with every country watched a prefix costs 2-3 us, so
 * a slice is a few ms of CPU (the whole 2015 table in one call stalled
 * the loop 108-140 ms of CPU on a reload).
 */
#define DET_LEARN_PREFIXES	1024

static void	det_learn_slice(struct detect *);

/* floor() without libm. */
static int64_t
det_floor(double x)
{
	int64_t i = (int64_t)x;

	return (double)i > x ? i - 1 : i;
}

static const char *const det_state_names[] = {
	[REGION_BLIND] = "blind",
	[REGION_UP] = "up",
	[REGION_DEGRADED] = "degraded",
	[REGION_DOWN] = "down",
};

static const char *const det_state_events[] = {
	[REGION_BLIND] = "region_blind",
	[REGION_UP] = "region_up",
	[REGION_DEGRADED] = "region_degraded",
	[REGION_DOWN] = "region_down",
};

static const char *const det_via_names[] = {
	[VIA_PREFIX] = "prefix",
	[VIA_COUNTRY] = "country",
	[VIA_ORIGIN] = "origin-as",
};

const char *
region_state_name(enum region_state s)
{
	if ((size_t)s >= sizeof(det_state_names) / sizeof(det_state_names[0]))
		return "?";
	return det_state_names[s];
}

struct detect *
detect_new(struct rib *rib, double now)
{
	struct detect *d;
	int aid;

	(void)now;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		fatal("detect_new");
	d->rib = rib;
	d->rs = rirstats_new();
	d->dirty_head = UINT32_MAX;
	d->recount_next = SIZE_MAX;
	d->work_run = DET_WORK_RUN;
	d->learn_run = DET_LEARN_PREFIXES;
	d->chunks_run = DET_RUN_BUDGET;
	for (aid = AID_INET; aid < AID_MAX; aid++) {
		trie_init(&d->bidx[aid], (uint8_t)aid);
		trie_init(&d->cidx[aid], (uint8_t)aid);
	}
	return d;
}

void
det_regions_free(struct det_region *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(r[i].name);
		free(r[i].via);
		free(r[i].mids);
		free(r[i].cr4);
	}
	free(r);
}

void
detect_free(struct detect *d)
{
	if (d == NULL)
		return;
	rirstats_free(det_build_stop(d));
	region_index_clear(d);
	det_regions_free(d->regions, d->nregions);
	rirstats_free(d->rs);
	free(d->peers);
	free(d->cmask);
	free(d->scratch);
	free(d->touched);
	free(d->ikey);
	free(d->fst);
	free(d->q);
	free(d);
}

int
detect_add_observer(struct detect *d, detect_observer fn, void *arg)
{
	if (d->nobs >= DETECT_MAX_OBSERVERS)
		return -1;
	d->obs[d->nobs].fn = fn;
	d->obs[d->nobs].arg = arg;
	d->nobs++;
	return 0;
}

int
detect_interested(const struct detect *d, const struct bw_prefix *p)
{
	/*
	 * By the prefix alone: with no region of origin ASes, a route far
	 * from every region's space can matter to none (region_route_near
	 * with no origin); else detect_wants decides, route by route.
	 */
	return detect_watching(d) && (d->reference || d->asnhsize > 0 ?
	    p->aid == AID_INET || p->aid == AID_INET6 :
	    region_route_near(d, p, 0));
}

int
detect_watching(const struct detect *d)
{
	return d->nregions > 0;
}

int
detect_wants(const struct detect *d, const struct bw_prefix *p,
    const struct rattr *a)
{
	/* Tests' reference path takes every route, as it always did. */
	return d->reference ||
	    region_route_near(d, p, a != NULL ? a->origin_as : 0);
}

/* Events: observers get them plain (the schema encoder writes records). */

static void
det_emit(struct detect *d, enum detect_event_kind kind,
    struct detect_event *ev)
{
	size_t i;

	ev->kind = kind;
	for (i = 0; i < d->nobs; i++)
		d->obs[i].fn(ev, d->obs[i].arg);
}

static double
det_visibility(const struct det_region *r)
{
	/* Nothing known to watch yet: nothing is missing. */
	return r->units_tot > 0 ? (double)r->units_vis / r->units_tot : 1.0;
}

static void
det_region_event(struct detect *d, struct det_region *r, const char *type,
    enum region_state prev, double now, struct detect_event *ev)
{
	ev->type = type;
	ev->time = now;
	ev->region = r->name;
	ev->state = region_state_name(r->state);
	ev->previous = region_state_name(prev);
	ev->visibility = det_visibility(r);
	ev->units_visible = r->units_vis;
	ev->units_total = r->units_tot;
	ev->prefixes_visible = r->pfx_visible;
	ev->prefixes_total = (uint32_t)r->npfx;
	ev->eligible_peers = d->ncounting;
	ev->min_peers = region_quorum(d, r);
	ev->via = r->via;
	det_emit(d, DETECT_EV_REGION, ev);
}

/* Peers */

static void
det_peer_slot(struct detect *d, uint16_t slot)
{
	size_t n, w;

	if (slot < d->npeers)
		return;
	n = (size_t)slot + 1;
	if ((d->peers = reallocarray(d->peers, n, sizeof(*d->peers))) == NULL)
		fatal("detect");
	memset(d->peers + d->npeers, 0, (n - d->npeers) * sizeof(*d->peers));
	d->npeers = n;
	w = (n + 63) / 64;
	if (w > d->cwords) {
		if ((d->cmask = reallocarray(d->cmask, w,
		    sizeof(*d->cmask))) == NULL)
			fatal("detect");
		memset(d->cmask + d->cwords, 0,
		    (w - d->cwords) * sizeof(*d->cmask));
		d->cwords = w;
		free(d->scratch);
		if ((d->scratch = calloc(DET_WORDS + (DET_UNITS + 1) * w,
		    sizeof(*d->scratch))) == NULL)
			fatal("detect");
	}
}

static void
det_go_blind(struct detect *d, double now)
{
	struct detect_event ev;
	enum region_state prev;
	size_t i;

	for (i = 0; i < d->nregions; i++) {
		if (d->regions[i].state == REGION_BLIND) {
			d->regions[i].pending = 0;
			continue;
		}
		prev = d->regions[i].state;
		d->regions[i].state = REGION_BLIND;
		d->regions[i].since = now;
		d->regions[i].pending = 0;
		memset(&ev, 0, sizeof(ev));
		det_region_event(d, &d->regions[i], "region_blind", prev, now,
		    &ev);
	}
}

/*
 * Recomputes who counts; when that changed, everything is recomputed
 * (or, with nobody left, every region goes blind at once).
 */
static void
det_counting_update(struct detect *d, double now)
{
	struct det_peer *p;
	uint32_t n = 0;
	size_t i;
	int changed = 0;
	uint8_t c;

	(void)now;
	for (i = 0; i < d->npeers; i++) {
		p = &d->peers[i];
		c = (p->state == DP_ELIGIBLE && p->fullfeed) || p->gr_hold;
		if (c != p->counting) {
			changed = 1;
			p->counting = c;
			if (c)
				d->cmask[i / 64] |= (uint64_t)1 << (i % 64);
			else
				d->cmask[i / 64] &= ~((uint64_t)1 << (i % 64));
		}
		n += c;
	}
	d->ncounting = n;
	if (!changed)
		return;
	if (n == 0)
		d->blind_pending = 1;
	region_mark_all_dirty(d);
}

/* Emits what det_counting_update decided, after the caller's event. */
static void
det_blind_flush(struct detect *d, double now)
{
	if (d->blind_pending && d->ncounting == 0)
		det_go_blind(d, now);
	d->blind_pending = 0;
}

/* full-feed: eligible peers holding at least N% of the largest table. */
static void
det_fullfeed(struct detect *d, double now)
{
	size_t i, max = 0, *cnt;
	struct det_peer *p;

	d->ff_next = now + DET_FULLFEED_EVERY;
	if ((cnt = calloc(d->npeers + 1, sizeof(*cnt))) == NULL)
		fatal("detect");
	for (i = 0; i < d->npeers; i++) {
		p = &d->peers[i];
		if (p->state != DP_ELIGIBLE)
			continue;
		cnt[i] = rib_count(d->rib, (uint16_t)i, AID_INET) +
		    rib_count(d->rib, (uint16_t)i, AID_INET6);
		if (cnt[i] > max)
			max = cnt[i];
	}
	for (i = 0; i < d->npeers; i++) {
		p = &d->peers[i];
		if (p->state == DP_ELIGIBLE)
			p->fullfeed = d->full_feed == 0 ||
			    (uint64_t)cnt[i] * 100 >= (uint64_t)max *
			    d->full_feed;
	}
	free(cnt);
	det_counting_update(d, now);
	det_blind_flush(d, now);
}

static void
det_peer_event(struct detect *d, const struct detect_peer *dp,
    const char *type, const char *reason, int gr, double now)
{
	struct detect_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.time = now;
	ev.peer_addr = dp->addr;
	ev.peer_asn = dp->asn;
	ev.peer_router = dp->router;
	ev.peer_router_name = dp->router_name;
	ev.peer_view = dp->view;
	ev.eligible_peers = d->ncounting;
	ev.reason = reason;
	ev.gr = gr;
	if (reason != NULL) {		/* peer_down */
		ev.notif = dp->notif;
		ev.code = dp->code;
		ev.subcode = dp->subcode;
	}
	det_emit(d, DETECT_EV_PEER, &ev);
}

void
detect_peer_up(struct detect *d, const struct detect_peer *dp, double now)
{
	struct det_peer *p;

	det_drain(d);
	det_peer_slot(d, dp->slot);
	p = &d->peers[dp->slot];
	p->info = *dp;
	p->state = DP_UP;
	/* A GR peer back: its stale routes count until it is eligible. */
	det_counting_update(d, now);
	det_peer_event(d, dp, "peer_up", NULL, 0, now);
	det_blind_flush(d, now);
}

void
detect_peer_eligible(struct detect *d, const struct detect_peer *dp,
    double now)
{
	struct det_peer *p;

	det_drain(d);
	det_peer_slot(d, dp->slot);
	p = &d->peers[dp->slot];
	p->info = *dp;
	p->state = DP_ELIGIBLE;
	p->gr_hold = 0;
	p->fullfeed = 1;
	/* Its table, and its stale leftovers gone: count everything again. */
	if (p->counting)
		region_mark_all_dirty(d);
	det_fullfeed(d, now);
}

void
detect_peer_down(struct detect *d, const struct detect_peer *dp,
    const char *reason, int gr, double now)
{
	struct det_peer *p;

	det_drain(d);
	det_peer_slot(d, dp->slot);
	p = &d->peers[dp->slot];
	p->info = *dp;
	p->gr_hold = gr && p->counting;
	p->state = DP_DOWN;
	det_counting_update(d, now);
	det_peer_event(d, dp, "peer_down", reason != NULL ? reason : "",
	    gr, now);
	det_blind_flush(d, now);
}

void
detect_peer_gone(struct detect *d, const struct detect_peer *dp, double now)
{
	det_drain(d);
	det_peer_slot(d, dp->slot);
	d->peers[dp->slot].gr_hold = 0;
	det_counting_update(d, now);
	det_blind_flush(d, now);
}

/* Route hooks */

/* Counts a member prefix change for unstable-rate; may emit. */
static void
det_unstable_count(struct detect *d, struct det_region *r, double now)
{
	struct detect_event ev;
	double width;
	int64_t b;

	if (r->unstable_changes == 0)
		return;
	width = (double)r->unstable_window / DET_NBUCKETS;
	b = det_floor(now / width);
	if (b - r->bucket_head >= DET_NBUCKETS || b < r->bucket_head) {
		memset(r->bucket, 0, sizeof(r->bucket));
		r->wsum = 0;
		r->bucket_head = b;
	}
	while (r->bucket_head < b) {
		r->bucket_head++;
		r->wsum -= r->bucket[r->bucket_head % DET_NBUCKETS];
		r->bucket[r->bucket_head % DET_NBUCKETS] = 0;
	}
	r->bucket[b % DET_NBUCKETS]++;
	r->wsum++;
	r->calm_since = 0;
	region_touch(d, (uint16_t)(r - d->regions));
	if (r->unstable || r->wsum <= r->unstable_changes)
		return;
	r->unstable = 1;
	memset(&ev, 0, sizeof(ev));
	ev.changes = r->wsum;
	ev.limit = r->unstable_changes;
	ev.window = r->unstable_window;
	det_region_event(d, r, "region_unstable", r->state, now, &ev);
}

/* The changes in an unstable region's window, expired to now. */
static uint32_t
det_unstable_sum(struct det_region *r, double now)
{
	double width = (double)r->unstable_window / DET_NBUCKETS;
	int64_t b = det_floor(now / width);

	if (b - r->bucket_head >= DET_NBUCKETS) {
		memset(r->bucket, 0, sizeof(r->bucket));
		r->wsum = 0;
		r->bucket_head = b;
	}
	while (r->bucket_head < b) {
		r->bucket_head++;
		r->wsum -= r->bucket[r->bucket_head % DET_NBUCKETS];
		r->bucket[r->bucket_head % DET_NBUCKETS] = 0;
	}
	return r->wsum;
}

static void
det_prefix_event(struct detect *d, const struct detect_peer *dp,
    const struct bw_prefix *p, const struct rattr *a,
    const struct det_match *m, const char *type, uint16_t vis, double now)
{
	char pb[BW_PREFIX_STRLEN], path[1024], via[256];
	const struct rirstats_file *f = NULL;
	struct detect_event ev;
	struct bgp_view v;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.time = now;
	ev.region = d->regions[m->region].name;
	ev.prefix = prefix_fmt(p, pb, sizeof(pb));
	ev.peer_addr = dp->addr;
	ev.peer_asn = dp->asn;
	ev.peer_router = dp->router;
	ev.peer_router_name = dp->router_name;
	ev.peer_view = dp->view;
	ev.visible_peers = vis;
	ev.eligible_peers = d->ncounting;
	if (a != NULL) {
		v = iblob_view(a->aspath);
		if (bgp_aspath_fmt(&v, path, sizeof(path)) >= 0)
			ev.as_path = path;
	}
	ev.via = det_via_names[m->via];
	region_via_text(d, m, via, sizeof(via));
	ev.via_detail = via;
	if (m->file != DET_NOFILE && m->file < d->rs->nfiles) {
		f = &d->rs->files[m->file];
		ev.via_file = f->name;
		ev.via_date = f->date;
	}
	det_emit(d, DETECT_EV_PREFIX, &ev);
}

/*
 * 1 if a route of another peer at p has the origin AS of a: then p's
 * membership for that origin (member prefixes, learned blocks, chunks of
 * derived space) was settled when that route came (or when the regions
 * were configured: det_learn_slice), and a route of a peer that does not
 * count changes nothing else.  r: the prefix's routes (the RIB handed
 * them to the hook: no second lookup per route).
 */
static int
det_route_known(uint16_t slot, const struct rib_route *r, size_t n,
    const struct rattr *a)
{
	uint32_t origin = a != NULL ? a->origin_as : 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (r[i].peer != slot && (r[i].attrs == a ||
		    (r[i].attrs != NULL ? r[i].attrs->origin_as : 0) == origin))
			return 1;
	return 0;
}

/*
 * What both route hooks do for each region of the prefix, once the
 * prefix's routes rt are known (NULL when nobody counts: not needed).
 */
static void
det_route_regions(struct detect *d, const struct detect_peer *dp,
    const struct bw_prefix *p, const struct rattr *a, uint32_t origin,
    int announce, int event, int counting, const struct rib_route *rt,
    size_t nrt, double now)
{
	struct det_match m[DET_MAX_MATCH];
	struct det_region *r;
	struct det_mem *e;
	uint32_t ent;
	int i, n;
	uint16_t vis, vis_any = 0;

	/*
	 * The misses of a new prefix (its index slot, its chunks' map
	 * slots, its new entries) issued together, not one after another.
	 */
	det_ptab_prefetch(&d->ptab, p);
	if (counting)
		region_mark_dirty(d, p);
	/* The prefix's entry: its learned memberships, its counts. */
	ent = det_ptab_find(&d->ptab, p);
	n = region_match(d, p, ent, origin, m, DET_MAX_MATCH);
	if (n == 0)
		return;
	if (announce)
		for (i = 0; i < n; i++)
			region_materialize_prefetch(d, p, &m[i]);
	/* Nobody counts (tables loading): no RIB lookup to find 0. */
	if (d->ncounting > 0)
		vis_any = region_routes_count(d, rt, nrt, 0);
	if (announce && ent == UINT32_MAX)
		ent = det_ptab_add(&d->ptab, p);
	for (i = 0; i < n; i++) {
		r = &d->regions[m[i].region];
		vis = r->via_as == 0 || d->ncounting == 0 ? vis_any :
		    region_routes_count(d, rt, nrt, r->via_as);
		if ((e = region_member(d, ent, r, announce)) != NULL) {
			if (announce)
				region_learn(d, p, &m[i], e);
			e->via = m[i].via;
			region_pfx_update(d, r, e, vis);
		}
		if (announce)
			region_materialize(d, p, &m[i]);
		/* Only eligible sessions make news; tables loading do not. */
		if (!counting || d->peers[dp->slot].state != DP_ELIGIBLE)
			continue;
		det_unstable_count(d, r, now);
		if (event)
			det_prefix_event(d, dp, p, a, &m[i], announce ?
			    "prefix_announced" : "prefix_withdrawn", vis, now);
	}
}

/*
 * Learns the queued announcements, in the order they came: what
 * det_route_regions would have done for each at once (nobody counted
 * then, so nothing in it read the RIB, and nobody counts now: the queue
 * is drained before the counting set changes).  A batch in address
 * order keeps the detector's tables warm across it, and each prefix's
 * index slot is asked for DET_QAHEAD prefixes ahead.
 */
void
det_drain(struct detect *d)
{
	struct det_qent *q = d->q;
	size_t i, n = d->nq;

	if (n == 0)
		return;
	d->nq = 0;
	for (i = 0; i < n && i < DET_QAHEAD; i++)
		det_ptab_prefetch(&d->ptab, &q[i].p);
	for (i = 0; i < n; i++) {
		if (i + DET_QAHEAD < n)
			det_ptab_prefetch(&d->ptab, &q[i + DET_QAHEAD].p);
		det_route_regions(d, NULL, &q[i].p, NULL, q[i].origin, 1, 0,
		    0, NULL, 0, 0);
	}
}

/* Queues an announcement for det_drain; drains when the queue is full. */
static void
det_queue(struct detect *d, const struct bw_prefix *p, uint32_t origin)
{
	if (d->q == NULL && (d->q = calloc(DET_QUEUE, sizeof(*d->q))) == NULL)
		fatal("detect");
	d->q[d->nq].p = *p;
	d->q[d->nq].origin = origin;
	if (++d->nq == DET_QUEUE)
		det_drain(d);
}

static void
det_route(struct detect *d, const struct detect_peer *dp,
    const struct bw_prefix *p, const struct rattr *a, int announce,
    int event, const struct rib_route *rt, size_t nrt, double now)
{
	uint32_t origin = a != NULL ? a->origin_as : 0;
	int counting;

	/* Far from every region, and not of a region's origin AS. */
	if (!detect_wants(d, p, a))
		return;
	counting = dp->slot < d->npeers && d->peers[dp->slot].counting;
	/*
	 * The hook was not handed the prefix's routes (a withdrawal): find
	 * them, unless this is a withdrawal that changes nothing (below).
	 */
	if (rt == NULL && (counting || announce || d->reference))
		rt = rib_lookup(d->rib, p, &nrt);
	/*
	 * A peer that does not count (its table still loading, not a full
	 * feed) changes no prefix's count of counting peers: its withdrawal
	 * changes nothing, its announcement only what its origin makes a
	 * member, once per prefix and origin, not once per route.
	 */
	if (!counting && !d->reference && (!announce ||
	    det_route_known(dp->slot, rt, nrt, a)))
		return;
	/* And while nobody counts, that is learned later, in a batch. */
	if (!counting && !d->reference && d->ncounting == 0) {
		det_queue(d, p, origin);
		return;
	}
	det_drain(d);
	det_route_regions(d, dp, p, a, origin, announce, event, counting, rt,
	    nrt, now);
}

void
detect_announce(struct detect *d, const struct detect_peer *dp,
    const struct bw_prefix *p, const struct rattr *attrs, int newprefix,
    const struct rib_route *routes, size_t nroutes, double now)
{
	det_route(d, dp, p, attrs, 1, newprefix, routes, nroutes, now);
}

void
detect_withdraw(struct detect *d, const struct detect_peer *dp,
    const struct bw_prefix *p, const struct rattr *last, int lastpath,
    double now)
{
	det_route(d, dp, p, last, 0, lastpath, NULL, 0, now);
}

/* The state machine */

static enum region_state
det_classify(const struct det_region *r, double vis)
{
	if (vis * 100 < r->down_below)
		return REGION_DOWN;
	if (vis * 100 < r->degraded_below)
		return REGION_DEGRADED;
	return REGION_UP;
}

static void
det_transition(struct detect *d, struct det_region *r, enum region_state to,
    double now)
{
	struct detect_event ev;
	enum region_state prev = r->state;

	memset(&ev, 0, sizeof(ev));
	r->state = to;
	r->since = now;
	r->pending = 0;
	if (to == REGION_UP) {
		ev.duration = r->bad_start > 0 ? r->pcand_since - r->bad_start :
		    0;
		ev.worst_visibility = r->worst;
	}
	det_region_event(d, r, det_state_events[to], prev, now, &ev);
	if (to == REGION_UP) {
		r->bad_start = 0;
		r->worst = 1.0;
	}
}

/* Judges a region; returns seconds until its hold-down ends, or -1. */
static double
det_evaluate(struct detect *d, struct det_region *r, double now)
{
	double vis = det_visibility(r);
	enum region_state cand = det_classify(r, vis);

	if (cand != REGION_UP) {
		if (r->bad_start == 0)
			r->bad_start = now;
		if (vis < r->worst)
			r->worst = vis;
	}
	if (cand == r->state) {
		r->pending = 0;
		if (cand == REGION_UP) {
			r->bad_start = 0;
			r->worst = 1.0;
		}
		return -1;
	}
	if (!r->pending || r->pcand != cand) {
		r->pending = 1;
		r->pcand = cand;
		r->pcand_since = now;
	}
	if (now - r->pcand_since >= r->hold_down) {
		det_transition(d, r, cand, now);
		return -1;
	}
	return r->pcand_since + r->hold_down - now;
}

/*
 * Every member prefix's count of visible peers again (the set of counting
 * peers changed), a prefix at a time in the order of the member table:
 * one RIB lookup serves all the prefix's regions (with every country and
 * 1,000 origin ASes watched, 1.04 M memberships of 578,000 prefixes;
 * counted per region, each was looked up again for each).  A batch at a
 * time, the RIB warmed for it first (rib_prefetch): each lookup is a few
 * cache misses in a row (index slot, node, routes).
 */
static void
det_recount(struct detect *d, size_t *budget, size_t *work)
{
	struct bw_prefix pf[DET_RECOUNT_BATCH];
	struct det_ptab *t = &d->ptab;
	const struct rib_route *rt;
	struct det_region *r;
	struct det_mem *e;
	size_t i, n, nrt;
	uint32_t mi;
	uint16_t any;

	while (d->recount_next < t->n && *budget > 0) {
		if (*work == 0) {
			*budget = 0;
			return;
		}
		n = t->n - d->recount_next;
		n = n < DET_RECOUNT_BATCH ? n : DET_RECOUNT_BATCH;
		n = n < *budget ? n : *budget;
		for (i = 0; i < n; i++)
			pf[i] = t->ent[d->recount_next + i].p;
		rib_prefetch(d->rib, pf, n);
		for (i = 0; i < n; i++) {
			rt = rib_lookup(d->rib, &pf[i], &nrt);
			any = region_routes_count(d, rt, nrt, 0);
			for (mi = t->ent[d->recount_next].first;
			    mi != UINT32_MAX; mi = e->next) {
				e = &t->mem[mi];
				r = &d->regions[e->region];
				region_pfx_update(d, r, e, r->via_as == 0 ?
				    any : region_routes_count(d, rt, nrt,
				    r->via_as));
			}
			d->recount_next++;
			(*budget)--;
			*work = *work > DET_WORK_RECOUNT ?
			    *work - DET_WORK_RECOUNT : 0;
		}
	}
	if (d->recount_next == SIZE_MAX)
		return;
	/*
	 * Done: pfx_visible followed each member's flag (no pass over the
	 * members here, in one run: 250,000 of them in one region with
	 * every country watched); every region may be judged again.
	 */
	d->recount_next = SIZE_MAX;
	for (i = 0; i < d->nregions; i++)
		if (d->regions[i].recount != SIZE_MAX) {
			d->regions[i].recount = SIZE_MAX;
			region_touch(d, (uint16_t)i);
		}
}

static void
det_calm(struct detect *d, struct det_region *r, double now, double *next)
{
	struct detect_event ev;
	double left;

	if (!r->unstable)
		return;
	if (det_unstable_sum(r, now) > r->unstable_changes) {
		r->calm_since = 0;
		left = (double)r->unstable_window / DET_NBUCKETS;
	} else {
		if (r->calm_since == 0)
			r->calm_since = now;
		left = r->calm_since + r->unstable_window - now;
		if (left <= 0) {
			r->unstable = 0;
			memset(&ev, 0, sizeof(ev));
			ev.changes = r->wsum;
			ev.limit = r->unstable_changes;
			ev.window = r->unstable_window;
			det_region_event(d, r, "region_stable", r->state, now,
			    &ev);
			return;
		}
	}
	if (*next < 0 || left < *next)
		*next = left;
}

static void
det_next(double *next, double t)
{
	if (t >= 0 && (*next < 0 || t < *next))
		*next = t;
}

/* detect_run's work on one region; 1 if it must look at it again. */
static int
det_region_run(struct detect *d, struct det_region *r, double now,
    double *next)
{
	det_calm(d, r, now, next);
	/* Not while learning: its members are not all known yet. */
	if (d->ncounting > 0 && !REGION_DIRTY(r) && r->recount == SIZE_MAX &&
	    !d->learning)
		det_next(next, det_evaluate(d, r, now));
	return r->pending || r->unstable || REGION_DIRTY(r) ||
	    r->recount != SIZE_MAX;
}

double
detect_run(struct detect *d, double now)
{
	size_t i, w, budget = DET_RECOUNT_BUDGET, work = d->work_run;
	double next;
	uint64_t bits;
	int b;

	det_drain(d);		/* into the index a reload may swap out */
	next = det_build_poll(d, now);
	det_learn_slice(d);
	if (d->full_feed > 0 && now >= d->ff_next)
		det_fullfeed(d, now);
	if (d->full_feed > 0)
		det_next(&next, d->ff_next - now);
	region_recompute(d, d->chunks_run, &work, now);
	region_promote(d, now, &next, &work);
	det_recount(d, &budget, &work);
	/*
	 * Only the regions something happened to (region_touch): with every
	 * country watched a run after one withdrawal must not cost a look at
	 * each of a thousand regions.  In region order, as the events were.
	 */
	for (w = 0; w < d->touchw; w++) {
		bits = d->touched[w];
		while (bits != 0) {
			b = __builtin_ctzll(bits);
			bits &= bits - 1;
			i = w * 64 + (size_t)b;
			if (i >= d->nregions)
				continue;
			if (!det_region_run(d, &d->regions[i], now, &next) &&
			    !d->reference)
				d->touched[w] &= ~((uint64_t)1 << b);
		}
	}
	if (d->dirty_head != UINT32_MAX || d->sweep_next < d->sweep_end ||
	    budget == 0 || d->learning || d->recount_next != SIZE_MAX)
		next = 0;
	return next;
}

/* Configuration */

/* The settings a region takes from its configuration, at start and reload. */
static void
det_region_params(struct det_region *r, const struct config_region *cr)
{
	r->degraded_below = cr->degraded_below;
	r->down_below = cr->down_below;
	r->hold_down = cr->hold_down;
	r->min_mode = cr->min_peers_mode;
	r->min_peers = cr->min_peers;
	r->via_as = cr->via_as;
	r->unstable_changes = cr->unstable_changes;
	r->unstable_window = cr->unstable_window > 0 ? cr->unstable_window : 1;
}

void
det_region_init(struct det_region *r, const struct config_region *cr)
{
	memset(r, 0, sizeof(*r));
	if ((r->name = strdup(cr->name)) == NULL)
		fatal("detect");
	det_region_params(r, cr);
	r->recount = SIZE_MAX;
	r->state = REGION_BLIND;
	r->worst = 1.0;
}

/*
 * A reload keeps what a region had reported, so it does not repeat.
 * Looks at old[hint] first (regions mostly keep their order: with every
 * country watched a search each was 1,239 x 1,239 / 2 compares); returns
 * where it was found, or SIZE_MAX.
 */
size_t
det_region_carry(struct det_region *r, const struct det_region *old,
    size_t nold, size_t hint)
{
	size_t i, k;

	for (k = 0; k < nold; k++) {
		i = (hint + k) % nold;
		if (strcmp(old[i].name, r->name) != 0)
			continue;
		r->state = old[i].state;
		r->since = old[i].since;
		r->bad_start = old[i].bad_start;
		r->worst = old[i].worst;
		r->unstable = old[i].unstable;
		return i;
	}
	return SIZE_MAX;
}

/* Refuses `prefix` lines too large to watch before anything changes. */
static int
det_check_sizes(const struct config *conf, char *err, size_t errlen)
{
	const struct config_region *cr;
	const struct bw_prefix *p;
	char pb[BW_PREFIX_STRLEN];
	size_t i;

	TAILQ_FOREACH(cr, &conf->regions, entry)
		for (i = 0; i < cr->nprefixes; i++) {
			p = &cr->prefixes[i];
			if (p->aid != AID_INET && p->aid != AID_INET6)
				continue;
			if (p->len + 16 >= det_fam[p->aid].chunk)
				continue;
			snprintf(err, errlen, "region \"%s\": prefix %s is "
			    "too large to watch (more than %d chunks)",
			    cr->name, prefix_fmt(p, pb, sizeof(pb)),
			    DET_CHUNKS_PER_PREFIX);
			return -1;
		}
	return 0;
}

/* The stats files of conf as they are now; -1 if one cannot be read. */
int
det_stat_files(const struct config *conf, struct det_fstat **out)
{
	struct det_fstat *f;
	struct stat st;
	size_t i;

	*out = NULL;
	if ((f = calloc(conf->nrir_stats + 1, sizeof(*f))) == NULL)
		fatal("detect");
	for (i = 0; i < conf->nrir_stats; i++) {
		if (stat(conf->rir_stats[i], &st) == -1) {
			free(f);
			return -1;
		}
		f[i].dev = st.st_dev;
		f[i].ino = st.st_ino;
		f[i].size = st.st_size;
		f[i].mtime = st.st_mtim;
	}
	*out = f;
	return 0;
}

static int
det_fstat_same(const struct det_fstat *a, const struct det_fstat *b,
    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i].dev != b[i].dev || a[i].ino != b[i].ino ||
		    a[i].size != b[i].size ||
		    a[i].mtime.tv_sec != b[i].mtime.tv_sec ||
		    a[i].mtime.tv_nsec != b[i].mtime.tv_nsec)
			return 0;
	return 1;
}

static int
det_load_stats(struct rirstats *rs, const struct config *conf, char *err,
    size_t errlen)
{
	struct rirstats_errors errs;
	size_t i, j;

	for (i = 0; i < conf->nrir_stats; i++) {
		if (rirstats_load(rs, conf->rir_stats[i], &errs) == 0)
			continue;
		for (j = 1; j < errs.n; j++)
			log_warnx("%s", errs.msg[j]);
		snprintf(err, errlen, "%s", errs.msg[0]);
		return -1;
	}
	return 0;
}

static int
det_learn_cb(const struct bw_prefix *p, const struct rib_route *r,
    size_t n, void *arg)
{
	struct det_match m[DET_MAX_MATCH];
	struct detect *d = arg;
	struct det_mem *e;
	uint32_t last = UINT32_MAX, origin, ent;
	size_t i;
	int j, k;

	for (i = 0; i < n; i++) {
		origin = r[i].attrs != NULL ? r[i].attrs->origin_as : 0;
		if (origin == last)
			continue;
		last = origin;
		ent = det_ptab_find(&d->ptab, p);
		k = region_match(d, p, ent, origin, m, DET_MAX_MATCH);
		if (k > 0 && ent == UINT32_MAX)
			ent = det_ptab_add(&d->ptab, p);
		for (j = 0; j < k; j++) {
			e = region_member(d, ent, &d->regions[m[j].region], 1);
			region_learn(d, p, &m[j], e);
			e->via = m[j].via;
			region_materialize(d, p, &m[j]);
		}
		d->learn_members += (size_t)k;
	}
	/* Enough for this slice (many regions per prefix): end it here. */
	return d->learn_members >= d->learn_run / 2;
}

/*
 * Starts learning the member prefixes and derived space of the routes
 * already in the RIB (a reload, or regions configured after routes
 * came), one slice of the walk per detect_run.
 */
static void
det_learn_start(struct detect *d)
{
	d->learning = d->nregions > 0;
	d->learn_members = 0;
	rib_cursor_init(&d->learn, AID_INET);
}

/*
 * One slice of learning.  Once done, every region is counted again
 * (region_mark_all_dirty) and may be judged: until then a region's
 * members and chunks are not all known, and judging it could report a
 * withdrawal that is only a route not learned yet.
 */
static void
det_learn_slice(struct detect *d)
{
	while (d->learning) {
		d->learn_members = 0;
		if (rib_walk_slice(d->rib, &d->learn, d->learn_run,
		    det_learn_cb, d))
			return;
		if (d->learn.aid + 1 < AID_MAX)
			rib_cursor_init(&d->learn, (uint8_t)(d->learn.aid + 1));
		else {
			d->learning = 0;
			region_mark_all_dirty(d);
		}
	}
}

static void
ikey_add(char **k, size_t *len, size_t *cap, const void *p, size_t n)
{
	if (n == 0)		/* p may be NULL (an empty list) */
		return;
	*k = det_grow(*k, cap, *len + n, 1);
	memcpy(*k + *len, p, n);
	*len += n;
}

/*
 * What the index is built from, flat: the stats files' paths, and each
 * region's name, prefixes, origin ASes and countries, in order.  The
 * rest of a region (thresholds, hold-down, quorum, via-as,
 * unstable-rate) changes no member and no chunk.
 */
static char *
det_ikey(const struct config *conf, size_t *len)
{
	const struct config_region *cr;
	char *k = NULL;
	size_t cap = 0, i;

	*len = 0;
	ikey_add(&k, len, &cap, &conf->nrir_stats, sizeof(conf->nrir_stats));
	for (i = 0; i < conf->nrir_stats; i++)
		ikey_add(&k, len, &cap, conf->rir_stats[i],
		    strlen(conf->rir_stats[i]) + 1);
	TAILQ_FOREACH(cr, &conf->regions, entry) {
		ikey_add(&k, len, &cap, cr->name, strlen(cr->name) + 1);
		ikey_add(&k, len, &cap, &cr->nprefixes, sizeof(size_t));
		ikey_add(&k, len, &cap, cr->prefixes,
		    cr->nprefixes * sizeof(*cr->prefixes));
		ikey_add(&k, len, &cap, &cr->norigins, sizeof(size_t));
		ikey_add(&k, len, &cap, cr->origins,
		    cr->norigins * sizeof(*cr->origins));
		ikey_add(&k, len, &cap, &cr->ncountries, sizeof(size_t));
		ikey_add(&k, len, &cap, cr->countries,
		    cr->ncountries * sizeof(*cr->countries));
	}
	return k;
}

/*
 * A reload that leaves the index as it is: the regions take their new
 * thresholds and are judged again; a new quorum or via-as recounts them
 * (in slices).  Nothing is learned again.
 */
static void
det_reparam(struct detect *d, const struct config *conf)
{
	const struct config_region *cr;
	struct det_region *r = d->regions;
	uint32_t window;
	int recount = 0;

	TAILQ_FOREACH(cr, &conf->regions, entry) {
		recount |= r->via_as != cr->via_as ||
		    r->min_mode != cr->min_peers_mode ||
		    r->min_peers != cr->min_peers;
		window = cr->unstable_window > 0 ? cr->unstable_window : 1;
		if (r->unstable_window != window) {
			/* Buckets of another width: start the count over. */
			memset(r->bucket, 0, sizeof(r->bucket));
			r->wsum = 0;
			r->bucket_head = 0;
		}
		det_region_params(r, cr);
		region_touch(d, (uint16_t)(r - d->regions));
		r++;
	}
	if (recount)
		region_mark_all_dirty(d);
}

/*
 * 1 when the stats files of conf are those loaded before, unchanged
 * (same identity, size and modification time: every country's
 * statistics are 35 MB, a third of a second to parse).
 */
int
det_stats_unchanged(const struct detect *d, const struct config *conf,
    const struct det_fstat *fst)
{
	return fst != NULL && d->fst != NULL && d->nfst == conf->nrir_stats &&
	    det_fstat_same(fst, d->fst, d->nfst);
}

/*
 * The stats files of conf: NULL when unchanged, else read anew.  -1 with
 * err set if one is bad.
 */
static int
det_stats(struct detect *d, const struct config *conf,
    const struct det_fstat *fst, struct rirstats **rs, char *err,
    size_t errlen)
{
	*rs = NULL;
	if (det_stats_unchanged(d, conf, fst))
		return 0;
	*rs = rirstats_new();
	if (det_load_stats(*rs, conf, err, errlen) == -1) {
		rirstats_free(*rs);
		*rs = NULL;
		return -1;
	}
	return 0;
}

void
det_index_taken(struct detect *d, double now)
{
	size_t i;

	free(d->touched);
	d->touchw = (d->nregions + 63) / 64;
	if ((d->touched = calloc(d->touchw + 1, sizeof(*d->touched))) == NULL)
		fatal("detect");
	/* The reference looks at every region on every run. */
	for (i = 0; i < d->nregions && d->reference; i++)
		region_touch(d, (uint16_t)i);
	det_learn_start(d);
	region_mark_all_dirty(d);
	det_fullfeed(d, now);
}

int
detect_check(const struct config *conf, char *err, size_t errlen)
{
	const struct config_region *cr;
	size_t n = 0;

	if (det_check_sizes(conf, err, errlen) == -1)
		return -1;
	TAILQ_FOREACH(cr, &conf->regions, entry)
		n++;
	if (n > DET_MAX_REGIONS) {
		snprintf(err, errlen, "more than %d regions", DET_MAX_REGIONS);
		return -1;
	}
	return 0;
}

/*
 * The regions of conf over the statistics of the files fst (taken),
 * rs (taken; NULL: those loaded, unchanged).
 */
static int
det_configure(struct detect *d, const struct config *conf,
    struct det_fstat *fst, struct rirstats *rs, double now, char *err,
    size_t errlen)
{
	struct rirstats *brs;
	size_t klen;
	char *key;

	det_drain(d);
	/*
	 * Taken: an index still being built is of a reload before.  Its
	 * statistics are those of d->fst, so "unchanged" means them.
	 */
	brs = det_build_stop(d);
	if (rs == NULL)
		rs = brs;
	else
		rirstats_free(brs);
	free(d->fst);
	d->fst = fst;
	d->nfst = fst != NULL ? conf->nrir_stats : 0;
	d->full_feed = conf->full_feed;
	key = det_ikey(conf, &klen);
	if (d->ikey != NULL && klen == d->ikeylen &&
	    memcmp(key, d->ikey, klen) == 0 &&
	    (rs == NULL || rirstats_equal(rs, d->rs))) {
		/* The same regions of the same statistics: keep the index. */
		free(key);
		rirstats_free(rs);
		det_reparam(d, conf);
		det_fullfeed(d, now);
		return 0;
	}
	/*
	 * Built apart (on a thread when d->async), then swapped in; the old
	 * regions answer until then.
	 */
	if (det_build_start(d, conf, rs, key, klen, now, err, errlen) == -1)
		return -1;
	/* Built at once: the first slice now (a small RIB is learned). */
	if (d->build == NULL)
		det_learn_slice(d);
	return 0;
}

int
detect_configure(struct detect *d, const struct config *conf, double now,
    char *err, size_t errlen)
{
	struct rirstats *rs;
	struct det_fstat *fst;

	if (detect_check(conf, err, errlen) == -1)
		return -1;
	/* Before reading them: a file changed meanwhile is read again. */
	(void)det_stat_files(conf, &fst);
	if (det_stats(d, conf, fst, &rs, err, errlen) == -1) {
		free(fst);
		return -1;
	}
	return det_configure(d, conf, fst, rs, now, err, errlen);
}

int
detect_configure_stats(struct detect *d, const struct config *conf,
    struct detect_stats *s, double now, char *err, size_t errlen)
{
	struct rirstats *rs;
	struct det_fstat *fst;
	const char *e;

	if (s == NULL)
		return detect_configure(d, conf, now, err, errlen);
	if (detect_check(conf, err, errlen) == -1)
		return -1;
	if ((e = detect_stats_error(s)) != NULL) {
		snprintf(err, errlen, "%s", e);
		return -1;
	}
	detect_stats_take(s, &fst, &rs);
	return det_configure(d, conf, fst, rs, now, err, errlen);
}

void
detect_set_async(struct detect *d, int on)
{
	d->async = on != 0;
}

/* show regions */

int
detect_regions(struct detect *d,
    int (*cb)(const struct detect_region_info *, void *), void *arg)
{
	const struct det_region *r;
	struct detect_region_info info;
	size_t i;
	int rv;

	det_drain(d);
	for (i = 0; i < d->nregions; i++) {
		r = &d->regions[i];
		memset(&info, 0, sizeof(info));
		info.name = r->name;
		info.state = r->state;
		info.visibility = det_visibility(r);
		info.units_visible = r->units_vis;
		info.units_total = r->units_tot;
		info.prefixes_visible = r->pfx_visible;
		info.prefixes_total = (uint32_t)r->npfx;
		info.eligible_peers = d->ncounting;
		info.since = r->since;
		if (r->pending && r->pcand != r->state) {
			info.pending = 1;
			info.pending_state = r->pcand;
			info.pending_due = r->pcand_since + r->hold_down;
		}
		if ((rv = cb(&info, arg)) != 0)
			return rv;
	}
	return 0;
}

int
detect_region_prefixes(struct detect *d, const char *name,
    int (*cb)(const struct bw_prefix *, uint32_t, void *), void *arg)
{
	const struct det_region *r = NULL;
	const struct bw_prefix *p;
	size_t i;

	det_drain(d);
	for (i = 0; i < d->nregions && r == NULL; i++)
		if (strcmp(d->regions[i].name, name) == 0)
			r = &d->regions[i];
	if (r == NULL)
		return -1;
	for (i = 0; i < r->npfx; i++) {
		p = DET_MEM_PFX(d, &d->ptab.mem[r->mids[i]]);
		if (cb(p, region_pfx_count(d, p, r->via_as), arg) != 0)
			break;
	}
	return 0;
}
