/*
 * A peer's Adj-RIB-In as seen from the session: applies decoded UPDATEs
 * to the shared RIB (one attribute intern per UPDATE, shared by all its
 * prefixes), enforces max-prefix, and removes a peer's routes when its
 * session goes: in slices of FLUSH_BUDGET routes, one per loop
 * iteration, so that a full table never blocks the loop (OpenBGPD's rib
 * dump runner is the model).  Graceful restart marks routes stale
 * instead and removes the stale ones later.  Every change a peer makes
 * (not a flush) is passed to the region detector.
 */
#include <stdint.h>
#include <string.h>

#include "bgpd.h"
#include "detect.h"
#include "rib.h"
#include "update.h"

size_t
adjrib_count(const struct peer *p, uint8_t aid)
{
	return rib_count(p->bgpd->rib, p->slot, aid);
}

void
adjrib_detect_peer(const struct peer *p, struct detect_peer *dp)
{
	dp->slot = p->slot;
	dp->addr = p->conf->addr;
	dp->asn = p->conf->remote_as;
}

/* Withdraws one route and tells the detector; 1 if it was there. */
static int
adjrib_withdraw_one(struct peer *p, const struct bw_prefix *pfx, uint32_t id)
{
	struct detect *d = p->bgpd->detect;
	struct detect_peer dp;
	struct rattr *last = NULL;
	int r;

	if (d == NULL || !detect_interested(d, pfx))
		return rib_withdraw(p->bgpd->rib, p->slot, pfx, id) !=
		    RIB_WD_ABSENT;
	r = rib_withdraw_take(p->bgpd->rib, p->slot, pfx, id, &last);
	if (r == RIB_WD_ABSENT)
		return 0;
	adjrib_detect_peer(p, &dp);
	detect_withdraw(d, &dp, pfx, last, r == RIB_WD_LAST,
	    bgpd_now(p->bgpd));
	bgpd_detect_kick(p->bgpd);
	rattr_unref(p->bgpd->intern, last);
	return 1;
}

/* Withdraws every route of an NLRI field; returns how many were there. */
static int
adjrib_withdraw_nlri(struct peer *p, const struct bgp_view *v, uint8_t aid)
{
	struct bgp_nlri_iter it;
	struct bw_prefix pfx;
	uint32_t id;
	int n = 0;

	bgp_nlri_iter_init(&it, v, aid, p->dec.addpath[aid]);
	while (bgp_nlri_next(&it, &pfx, &id) == 1) {
		p->stats.withdraws_in++;
		n += adjrib_withdraw_one(p, &pfx, id);
	}
	return n;
}

void
adjrib_announce_one(struct peer *p, const struct bw_prefix *pfx, uint32_t id,
    struct rattr *a)
{
	struct detect *d = p->bgpd->detect;
	struct detect_peer dp;
	int r;

	p->stats.prefixes_in++;
	if ((r = rib_update(p->bgpd->rib, p->slot, pfx, id, a)) == -1)
		fatal("rib_update");
	if (d != NULL && detect_interested(d, pfx)) {
		adjrib_detect_peer(p, &dp);
		detect_announce(d, &dp, pfx, a, r == RIB_UPD_NEW_PREFIX,
		    bgpd_now(p->bgpd));
		bgpd_detect_kick(p->bgpd);
	}
}

static int
adjrib_announce_nlri(struct peer *p, const struct bgp_view *v, uint8_t aid,
    struct rattr *a)
{
	struct bgp_nlri_iter it;
	struct bw_prefix pfx;
	uint32_t id;
	int n = 0;

	bgp_nlri_iter_init(&it, v, aid, p->dec.addpath[aid]);
	while (bgp_nlri_next(&it, &pfx, &id) == 1) {
		adjrib_announce_one(p, &pfx, id, a);
		n++;
	}
	return n;
}

/* 1 if the session negotiated the family of an MP attribute. */
static int
adjrib_family_ok(struct peer *p, const struct bgp_mp *mp)
{
	if (mp->aid != AID_UNSPEC && p->neg.af[mp->aid])
		return 1;
	log_peer_warnx_rl(&p->rl, &p->conf->addr, "ignoring NLRI of "
	    "AFI %u SAFI %u: not negotiated", mp->afi, mp->safi);
	return 0;
}

/* Announced NLRI of an UPDATE, classic and MP_REACH. */
static int
adjrib_announce(struct peer *p, const struct bgp_update *u)
{
	int has_reach = ATTR_HAS(&u->attrs, ATTR_MP_REACH_NLRI) &&
	    u->reach.nlri.len > 0 && adjrib_family_ok(p, &u->reach);
	struct rattr *a;
	int n = 0;

	if (u->nlri.len == 0 && !has_reach)
		return 0;
	if (u->action == ACT_TREAT_AS_WITHDRAW) {
		n += adjrib_withdraw_nlri(p, &u->nlri, AID_INET);
		if (has_reach)
			n += adjrib_withdraw_nlri(p, &u->reach.nlri,
			    u->reach.aid);
		return n;
	}
	if ((a = intern_attrs(p->bgpd->intern, &u->attrs)) == NULL)
		fatal("intern_attrs");
	n += adjrib_announce_nlri(p, &u->nlri, AID_INET, a);
	if (has_reach)
		n += adjrib_announce_nlri(p, &u->reach.nlri, u->reach.aid, a);
	rattr_unref(p->bgpd->intern, a);
	return n;
}

int
adjrib_apply(struct peer *p, const struct bgp_update *u)
{
	uint32_t max = p->conf->max_prefix;
	int n = 0;

	if (u->eor) {
		fsm_eor(p, u->eor_aid);
		return 0;
	}
	n += adjrib_withdraw_nlri(p, &u->withdrawn, AID_INET);
	if (ATTR_HAS(&u->attrs, ATTR_MP_UNREACH_NLRI) &&
	    u->unreach.nlri.len > 0 && adjrib_family_ok(p, &u->unreach))
		n += adjrib_withdraw_nlri(p, &u->unreach.nlri, u->unreach.aid);
	n += adjrib_announce(p, u);
	if (max > 0 && adjrib_count(p, AID_INET) +
	    adjrib_count(p, AID_INET6) > max)
		return -1;
	return n;
}

/*
 * The next slice after the loop has polled: a zero timeout, since
 * event_active() from a callback would run in the same iteration.
 */
static void
adjrib_flush_later(struct peer *p)
{
	struct timeval tv = { 0, 0 };

	evtimer_add(p->ev_flush, &tv);
}

void
adjrib_flush(struct peer *p, int only_stale, uint8_t aid)
{
	if (adjrib_count(p, aid) == 0)
		return;
	/* A full flush subsumes a stale-only one under way. */
	if (p->flushing[aid] && !only_stale)
		p->flush_stale_only[aid] = 0;
	else if (!p->flushing[aid]) {
		rib_cursor_init(&p->flush_cur[aid], aid);
		p->flush_stale_only[aid] = (uint8_t)only_stale;
	}
	p->flushing[aid] = 1;
	adjrib_flush_later(p);
}

/* One slice per family; returns 1 while any flush has more to do. */
static int
adjrib_flush_slice(struct peer *p, size_t budget)
{
	int aid, more = 0;

	for (aid = AID_INET; aid < AID_MAX; aid++) {
		if (!p->flushing[aid])
			continue;
		if (rib_flush_slice(p->bgpd->rib, &p->flush_cur[aid], p->slot,
		    p->flush_stale_only[aid], budget) == 0)
			p->flushing[aid] = 0;
		else
			more = 1;
	}
	return more;
}

void
adjrib_flush_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct peer *p = arg;

	(void)fd;
	(void)ev;
	if (adjrib_flush_slice(p, FLUSH_BUDGET))
		adjrib_flush_later(p);
}

void
adjrib_finish(struct peer *p)
{
	while (adjrib_flush_slice(p, SIZE_MAX))
		;
	event_del(p->ev_flush);
}

void
adjrib_mark_stale(struct peer *p, uint8_t aid)
{
	struct rib_cursor cur;

	adjrib_finish(p);	/* a stale-only flush must not eat these */
	/*
	 * In one go: a slice left behind could mark routes of the next
	 * session.  A bit flip per route is fast enough for a full table.
	 */
	rib_cursor_init(&cur, aid);
	while (rib_mark_stale_slice(p->bgpd->rib, &cur, p->slot, SIZE_MAX))
		;
}
