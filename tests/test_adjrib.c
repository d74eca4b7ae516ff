/*
 * The RIB door's session lifecycle against a model: a peer that comes
 * back while the flush of its previous session is still running (and
 * flaps again during the next one) ends with exactly the routes its last
 * session announced, the full-table peer beside it untouched, every old
 * route removed once (attribute references come out even) and every
 * slot given back; the observer (the detector's place) hears the new
 * session's announcements and withdrawals as a fresh session's.  Graceful
 * restart: stale routes kept for the new session stay in the slot, a
 * stale flush after the restart timer is handed over like a full one,
 * and a session that keeps stale routes in one family beside a flush in
 * another settles the flush at once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "adjrib.h"
#include "bgpwatch.h"
#include "intern.h"
#include "loop.h"
#include "rib.h"
#include "rib_util.h"
#include "rnd_util.h"

#define NFULL	20000		/* prefixes of the full-table peer */
#define NFLAP	600		/* prefixes a flapping session announces */
#define NUNIV	(NFULL + 3 * NFLAP)

/* What the observer heard. */
struct heard {
	size_t	announce, announce_new;
	size_t	withdraw, withdraw_last;
	size_t	steps[ADJRIB_GONE + 1];
	uint16_t last_slot;
};

struct fix {
	struct loop	 loop;
	struct intern	*in;
	struct rib	*rib;
	struct adjrib	 door;
	struct heard	 h;
	struct bw_prefix univ[NUNIV];	/* every prefix the test uses */
	struct rattr	*full_attrs;
};

static uint64_t	rng = 0x9e3779b97f4a7c15ULL;

static uint64_t
rnd(void)
{
	return xorshift64(&rng);
}

static void
obs_announce(void *arg, const struct rib_src *src, const struct bw_prefix *p,
    const struct rattr *a, int newprefix, const struct rib_route *routes,
    size_t nroutes, double now)
{
	struct heard *h = arg;

	(void)p;
	(void)a;
	(void)routes;
	(void)nroutes;
	(void)now;
	h->announce++;
	h->announce_new += newprefix != 0;
	h->last_slot = src->slot;
}

static void
obs_withdraw(void *arg, const struct rib_src *src, const struct bw_prefix *p,
    const struct rattr *last, int lastpath, double now)
{
	struct heard *h = arg;

	(void)p;
	(void)now;
	assert_non_null(last);
	h->withdraw++;
	h->withdraw_last += lastpath != 0;
	h->last_slot = src->slot;
}

static void
obs_step(void *arg, const struct rib_src *src, enum adjrib_step step,
    const char *reason, int gr, double now)
{
	struct heard *h = arg;

	(void)reason;
	(void)gr;
	(void)now;
	h->steps[step]++;
	h->last_slot = src->slot;
}

static const struct adjrib_observer obs = {
	.announce = obs_announce,
	.withdraw = obs_withdraw,
	.step = obs_step,
};

/* An interned set told apart by its MED (AS path 64500). */
static struct rattr *
attrs(struct intern *in, uint32_t med)
{
	return rib_test_attrs(in, 64500, med);
}

static int
pfx_cmp(const void *a, const void *b)
{
	return prefix_cmp(a, b);
}

/* NUNIV distinct prefixes, IPv4 and a few IPv6, in random order. */
static void
make_univ(struct fix *f)
{
	struct bw_prefix *u = f->univ, t;
	uint8_t b[16];
	size_t n = 0, i, j;
	int k;

	while (n < NUNIV) {
		for (k = 0; k < 16; k++)
			b[k] = (uint8_t)rnd();
		if (n % 8 == 7) {
			b[0] = 0x20;
			b[1] = 0x01;
			assert_int_equal(prefix_set(&u[n], AID_INET6, b,
			    (uint8_t)(32 + rnd() % 33)), 0);
		} else
			assert_int_equal(prefix_set(&u[n], AID_INET, b,
			    (uint8_t)(8 + rnd() % 17)), 0);
		n++;
		if (n < NUNIV)
			continue;
		/* Duplicates out, topped up again. */
		qsort(u, n, sizeof(*u), pfx_cmp);
		for (i = j = 0; i < n; i++)
			if (j == 0 || prefix_cmp(&u[j - 1], &u[i]) != 0)
				u[j++] = u[i];
		n = j;
	}
	for (i = NUNIV - 1; i > 0; i--) {
		j = rnd() % (i + 1);
		t = u[i];
		u[i] = u[j];
		u[j] = t;
	}
}

static int
setup(void **state)
{
	struct fix *f;

	assert_non_null(f = calloc(1, sizeof(*f)));
	assert_int_equal(loop_init(&f->loop), 0);
	assert_non_null(f->in = intern_new());
	assert_non_null(f->rib = rib_new(f->in));
	adjrib_init(&f->door, &f->loop, f->rib, f->in, &obs, &f->h);
	make_univ(f);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;
	struct intern_mem im;

	adjrib_free(&f->door);
	rib_free(f->rib);
	/* Every reference the routes held came back exactly once. */
	intern_mem(f->in, &im);
	assert_int_equal(im.attrs, 0);
	intern_free(f->in);
	loop_free(&f->loop);
	free(f);
	return 0;
}

/* Runs the loop until no flush is left. */
static void
run(struct fix *f)
{
	assert_int_not_equal(event_base_dispatch(f->loop.base), -1);
	assert_int_equal(f->door.nretired, 0);
}

static void
attach(struct fix *f, struct rib_src *src, int n)
{
	struct bw_addr a;
	int aid;

	memset(&a, 0, sizeof(a));
	a.aid = AID_INET;
	a.b[0] = 127;
	a.b[3] = (uint8_t)n;
	assert_int_equal(adjrib_src_attach(&f->door, src, &a,
	    64500 + (uint32_t)n), 0);
	for (aid = AID_INET; aid < AID_MAX; aid++)
		src->af[aid] = 1;
}

/* A session announces univ[from .. from + n) with a. */
static void
announce(struct fix *f, struct rib_src *src, size_t from, size_t n,
    struct rattr *a)
{
	size_t i;

	for (i = from; i < from + n; i++)
		adjrib_announce_one(src, &f->univ[i], 0, a);
}

/* Withdraws one IPv4 prefix the way an UPDATE does; returns the count. */
static int
withdraw4(struct rib_src *src, const struct bw_prefix *p)
{
	struct bgp_update u;
	uint8_t nlri[1 + 4];

	assert_int_equal(p->aid, AID_INET);
	memset(&u, 0, sizeof(u));
	nlri[0] = p->len;
	memcpy(nlri + 1, p->b, (p->len + 7) / 8);
	u.withdrawn.p = nlri;
	u.withdrawn.len = 1 + (uint32_t)(p->len + 7) / 8;
	return adjrib_apply(src, &u);
}

/* The first IPv4 prefix of univ[from ..). */
static size_t
first4(const struct fix *f, size_t from)
{
	while (f->univ[from].aid != AID_INET)
		from++;
	return from;
}

/* One slice of the door's flush walk, as its timer runs them. */
static int
slice(struct fix *f, struct rib_src *src, uint8_t aid, size_t budget)
{
	assert_true(src->flushing[aid]);
	return adjrib_flush_step(&f->door, budget);
}

static size_t
count(const struct rib_src *src)
{
	return adjrib_count(src, AID_INET) + adjrib_count(src, AID_INET6);
}

static size_t
total(const struct fix *f)
{
	return rib_total_routes(f->rib, AID_INET) +
	    rib_total_routes(f->rib, AID_INET6);
}

static size_t
slots_used(const struct fix *f)
{
	size_t i, n = 0;

	for (i = 0; i < sizeof(f->door.slots); i++)
		n += (size_t)__builtin_popcount(f->door.slots[i]);
	return n;
}

/*
 * The RIB holds exactly: the full peer's route at univ[0 .. NFULL) and
 * the flapper's at univ[from .. from + n), with attrs a, nothing else.
 */
static void
check_rib(struct fix *f, const struct rib_src *full, const struct rib_src *fl,
    size_t from, size_t n, const struct rattr *a)
{
	const struct rib_route *r;
	size_t i, k, nr, want_fl;
	int has_full, has_fl;

	assert_int_equal(count(full), NFULL);
	assert_int_equal(count(fl), n);
	assert_int_equal(total(f), NFULL + n);
	for (i = 0; i < NUNIV; i++) {
		r = rib_lookup(f->rib, &f->univ[i], &nr);
		has_full = has_fl = 0;
		for (k = 0; k < nr; k++) {
			if (r[k].peer == full->slot) {
				assert_ptr_equal(r[k].attrs, f->full_attrs);
				has_full++;
			} else {
				assert_int_equal(r[k].peer, fl->slot);
				assert_ptr_equal(r[k].attrs, a);
				assert_int_equal(r[k].flags & ROUTE_STALE, 0);
				has_fl++;
			}
		}
		want_fl = i >= from && i < from + n;
		assert_int_equal(has_full, i < NFULL);
		assert_int_equal(has_fl, want_fl);
	}
}

static void
full_table(struct fix *f, struct rib_src *full)
{
	attach(f, full, 1);
	adjrib_up(full);
	f->full_attrs = attrs(f->in, 1);
	announce(f, full, 0, NFULL, f->full_attrs);
	rattr_unref(f->in, f->full_attrs);	/* the RIB holds it */
}

/*
 * The race: the flapper's routes lie half under the full table's
 * prefixes, half on their own; it goes down, comes back before the flush
 * is over, announces again (partly the same prefixes), goes down and
 * comes back again while both flushes run.
 */
static void
test_adjrib_flap_midflush(void **state)
{
	struct fix *f = *state;
	struct rib_src full, fl;
	struct rattr *a1 = attrs(f->in, 11), *a2 = attrs(f->in, 12),
	    *a3 = attrs(f->in, 13);
	/* Session 1: univ[NFULL - NFLAP/2 ..), half shared with the table. */
	size_t s1 = NFULL - NFLAP / 2, s2 = NFULL, s3 = NFULL + NFLAP / 2;
	size_t before;
	uint16_t slot1, slot2;

	full_table(f, &full);
	attach(f, &fl, 2);
	slot1 = fl.slot;
	adjrib_up(&fl);
	announce(f, &fl, s1, NFLAP, a1);
	assert_int_equal(count(&fl), NFLAP);

	/* Down; the flush gets part of the way. */
	(void)adjrib_down(&fl, "test", NULL);
	(void)slice(f, &fl, AID_INET, NFULL / 3);
	assert_true(count(&fl) > 0 && count(&fl) < NFLAP);

	/* Back: nothing is walked, the old routes stay in the old slot. */
	before = total(f);
	adjrib_renew(&fl);
	assert_int_equal(total(f), before);
	assert_int_not_equal(fl.slot, slot1);
	assert_int_equal(f->door.nretired, 1);
	assert_int_equal(f->door.renews_retired, 1);
	assert_int_equal(count(&fl), 0);
	assert_int_equal(rib_count(f->rib, slot1, AID_INET) +
	    rib_count(f->rib, slot1, AID_INET6), before - NFULL);
	assert_false(fl.flushing[AID_INET] || fl.flushing[AID_INET6]);

	/* Session 2 sees a slot of its own: every prefix is new to it. */
	memset(&f->h, 0, sizeof(f->h));
	adjrib_up(&fl);
	announce(f, &fl, s2, NFLAP, a2);
	assert_int_equal(f->h.announce, NFLAP);
	assert_int_equal(f->h.announce_new, NFLAP);
	assert_int_equal(f->h.last_slot, fl.slot);
	assert_int_equal(count(&fl), NFLAP);
	/* Withdrawing a route only session 1 had: absent, nobody told. */
	assert_int_equal(withdraw4(&fl, &f->univ[first4(f, s1)]), 0);
	assert_int_equal(f->h.withdraw, 0);
	/* One of its own goes and comes back. */
	assert_int_equal(withdraw4(&fl, &f->univ[first4(f, s2)]), 1);
	assert_int_equal(f->h.withdraw, 1);
	assert_int_equal(f->h.withdraw_last, 1);
	announce(f, &fl, first4(f, s2), 1, a2);

	/* Down again: both flushes under way when it comes back. */
	slot2 = fl.slot;
	(void)adjrib_down(&fl, "test", NULL);
	(void)slice(f, &fl, AID_INET, NFULL / 4);
	adjrib_renew(&fl);
	assert_int_equal(f->door.nretired, 2);
	assert_int_not_equal(fl.slot, slot1);
	assert_int_not_equal(fl.slot, slot2);
	assert_int_equal(count(&fl), 0);
	assert_int_equal(slots_used(f), 4);

	adjrib_up(&fl);
	announce(f, &fl, s3, NFLAP, a3);
	/* The sliced flushes finish on their own. */
	run(f);
	check_rib(f, &full, &fl, s3, NFLAP, a3);
	assert_int_equal(slots_used(f), 2);
	assert_int_equal(rib_count(f->rib, slot1, AID_INET), 0);
	assert_int_equal(rib_count(f->rib, slot2, AID_INET), 0);

	/* A flap whose flush is over keeps its slot. */
	slot2 = fl.slot;
	(void)adjrib_down(&fl, "test", NULL);
	run(f);
	adjrib_renew(&fl);
	assert_int_equal(fl.slot, slot2);
	assert_int_equal(f->door.renews_retired, 2);
	adjrib_up(&fl);
	announce(f, &fl, s1, NFLAP, a1);
	check_rib(f, &full, &fl, s1, NFLAP, a1);

	/*
	 * Gone (deconfigured) while its previous session's routes still
	 * leave: its own are handed over too, nothing is walked at once.
	 */
	(void)adjrib_down(&fl, "test", NULL);
	adjrib_renew(&fl);
	assert_int_equal(f->door.nretired, 1);
	adjrib_up(&fl);
	announce(f, &fl, s2, NFLAP, a2);
	before = total(f);
	memset(&f->h, 0, sizeof(f->h));
	adjrib_src_detach(&fl);
	assert_int_equal(f->h.steps[ADJRIB_GONE], 1);
	assert_int_equal(total(f), before);
	assert_int_equal(f->door.nretired, 2);
	assert_int_equal(slots_used(f), 3);
	run(f);
	check_rib(f, &full, &fl, 0, 0, a1);
	assert_int_equal(slots_used(f), 1);
	adjrib_src_detach(&full);
	assert_int_equal(total(f), NFULL);
	run(f);
	assert_int_equal(total(f), 0);
	assert_int_equal(slots_used(f), 0);
	rattr_unref(f->in, a1);
	rattr_unref(f->in, a2);
	rattr_unref(f->in, a3);
}

/*
 * Eight peers flap at once, their sessions ending at different points of
 * the walk (a flush that starts behind the walk's position is finished
 * on its next round): one walk serves them all, about one round of the
 * table in all, not one round each.
 */
#define NMANY	8
static void
test_adjrib_shared_walk(void **state)
{
	struct fix *f = *state;
	struct rib_src full, fl[NMANY];
	struct rattr *a1 = attrs(f->in, 11);
	size_t budget = 1000, steps = 0, round, nprefixes;
	int i;

	full_table(f, &full);
	for (i = 0; i < NMANY; i++) {
		attach(f, &fl[i], 2 + i);
		adjrib_up(&fl[i]);
		/* Overlapping ranges: shared prefixes and prefixes of one. */
		announce(f, &fl[i], NFULL - NFLAP + (size_t)i * NFLAP / 4,
		    NFLAP, a1);
	}
	nprefixes = rib_total_prefixes(f->rib, AID_INET) +
	    rib_total_prefixes(f->rib, AID_INET6);
	/* A round: every prefix once, plus the routes removed. */
	round = (nprefixes + NMANY * NFLAP) / budget + 1;
	for (i = 0; i < NMANY; i++) {
		(void)adjrib_down(&fl[i], "test", NULL);
		steps += (size_t)adjrib_flush_step(&f->door, budget);
		steps += (size_t)adjrib_flush_step(&f->door, budget);
		if (i % 2 == 1)		/* back early: handed over */
			adjrib_renew(&fl[i]);
	}
	assert_int_equal(f->door.nretired, NMANY / 2);
	while (adjrib_flush_step(&f->door, budget))
		steps++;
	assert_true(steps <= 2 * round);
	assert_int_equal(f->door.nretired, 0);
	assert_true(TAILQ_EMPTY(&f->door.flushers));
	for (i = 0; i < NMANY; i++) {
		assert_int_equal(count(&fl[i]), 0);
		adjrib_src_detach(&fl[i]);
	}
	assert_int_equal(total(f), NFULL);
	assert_int_equal(slots_used(f), 1);
	adjrib_src_detach(&full);
	run(f);
	rattr_unref(f->in, a1);
}

/* The door goes (daemon exit) while slots are still being flushed. */
static void
test_adjrib_free_retired(void **state)
{
	struct fix *f = *state;
	struct rib_src full, fl;
	struct rattr *a1 = attrs(f->in, 11);
	int i;

	full_table(f, &full);
	attach(f, &fl, 2);
	for (i = 0; i < 3; i++) {
		adjrib_up(&fl);
		announce(f, &fl, NFULL - NFLAP / 2, NFLAP, a1);
		(void)adjrib_down(&fl, "test", NULL);
		adjrib_renew(&fl);
	}
	assert_int_equal(f->door.nretired, 3);
	rattr_unref(f->in, a1);
	/* teardown: adjrib_free, then rib_free drops the routes. */
	adjrib_src_detach(&fl);
	adjrib_src_detach(&full);
}

/* Graceful restart: the stale routes are the new session's to refresh. */
static void
test_adjrib_gr_kept(void **state)
{
	struct fix *f = *state;
	struct rib_src full, fl;
	struct rattr *a1 = attrs(f->in, 11), *a2 = attrs(f->in, 12);
	uint8_t gr[AID_MAX] = { 0 };
	size_t s1 = NFULL - NFLAP / 2, i, n4 = 0;
	uint16_t slot;

	gr[AID_INET] = gr[AID_INET6] = 1;
	full_table(f, &full);
	attach(f, &fl, 2);
	adjrib_up(&fl);
	announce(f, &fl, s1, NFLAP, a1);
	slot = fl.slot;
	assert_int_equal(adjrib_down(&fl, "test", gr), 1);
	adjrib_renew(&fl);
	assert_int_equal(fl.slot, slot);
	assert_int_equal(f->door.nretired, 0);
	assert_int_equal(count(&fl), NFLAP);
	assert_int_equal(rib_count_stale(f->rib, slot, AID_INET) +
	    rib_count_stale(f->rib, slot, AID_INET6), NFLAP);

	/* The new session refreshes the first half; End-of-RIB. */
	memset(&f->h, 0, sizeof(f->h));
	adjrib_up(&fl);
	announce(f, &fl, s1, NFLAP / 2, a2);
	assert_int_equal(f->h.announce_new, 0);	/* replaced stale routes */
	assert_int_equal(adjrib_flush_stale(&fl, AID_INET), 1);
	assert_int_equal(adjrib_flush_stale(&fl, AID_INET6), 1);
	run(f);
	check_rib(f, &full, &fl, s1, NFLAP / 2, a2);
	for (i = s1; i < s1 + NFLAP / 2; i++)
		n4 += f->univ[i].aid == AID_INET;
	assert_int_equal(adjrib_count(&fl, AID_INET), n4);
	adjrib_src_detach(&fl);
	adjrib_src_detach(&full);
	run(f);
	rattr_unref(f->in, a1);
	rattr_unref(f->in, a2);
}

/*
 * The restart timer ran out (stale flush, gone) and the peer comes back
 * during that flush: handed over like a full flush.
 */
static void
test_adjrib_gr_expired(void **state)
{
	struct fix *f = *state;
	struct rib_src full, fl;
	struct rattr *a1 = attrs(f->in, 11), *a2 = attrs(f->in, 12);
	uint8_t gr[AID_MAX] = { 0 };
	size_t s1 = NFULL - NFLAP / 2;
	uint16_t slot;

	gr[AID_INET] = gr[AID_INET6] = 1;
	full_table(f, &full);
	attach(f, &fl, 2);
	adjrib_up(&fl);
	announce(f, &fl, s1, NFLAP, a1);
	slot = fl.slot;
	assert_int_equal(adjrib_down(&fl, "test", gr), 1);
	assert_int_equal(adjrib_flush_stale(&fl, AID_INET), 1);
	assert_int_equal(adjrib_flush_stale(&fl, AID_INET6), 1);
	adjrib_gone(&fl);
	(void)slice(f, &fl, AID_INET, NFULL / 3);
	adjrib_renew(&fl);
	assert_int_not_equal(fl.slot, slot);
	assert_int_equal(f->door.nretired, 1);
	assert_int_equal(count(&fl), 0);
	memset(&f->h, 0, sizeof(f->h));
	adjrib_up(&fl);
	announce(f, &fl, s1, NFLAP / 2, a2);
	assert_int_equal(f->h.announce_new, NFLAP / 2);
	run(f);
	check_rib(f, &full, &fl, s1, NFLAP / 2, a2);
	adjrib_src_detach(&fl);
	adjrib_src_detach(&full);
	run(f);
	rattr_unref(f->in, a1);
	rattr_unref(f->in, a2);
}

/*
 * Graceful restart for IPv4 only: the IPv6 routes are being flushed while
 * the IPv4 ones wait, stale, for the new session in the same slot.  The
 * slot cannot be handed over: the IPv6 flush is finished at once.
 */
static void
test_adjrib_gr_mixed(void **state)
{
	struct fix *f = *state;
	struct rib_src full, fl;
	struct rattr *a1 = attrs(f->in, 11);
	uint8_t gr[AID_MAX] = { 0 };
	size_t s1 = NFULL - NFLAP / 2, n4, n6;
	uint16_t slot;

	gr[AID_INET] = 1;
	full_table(f, &full);
	attach(f, &fl, 2);
	adjrib_up(&fl);
	announce(f, &fl, s1, NFLAP, a1);
	n4 = adjrib_count(&fl, AID_INET);
	n6 = adjrib_count(&fl, AID_INET6);
	assert_true(n4 > 0 && n6 > 0);
	slot = fl.slot;
	assert_int_equal(adjrib_down(&fl, "test", gr), 1);
	adjrib_renew(&fl);
	assert_int_equal(fl.slot, slot);
	assert_int_equal(f->door.nretired, 0);
	assert_int_equal(f->door.renews_settled, 1);
	assert_int_equal(adjrib_count(&fl, AID_INET6), 0);
	assert_int_equal(adjrib_count(&fl, AID_INET), n4);
	assert_int_equal(rib_count_stale(f->rib, slot, AID_INET), n4);
	adjrib_up(&fl);
	assert_int_equal(adjrib_flush_stale(&fl, AID_INET), 1);
	run(f);
	check_rib(f, &full, &fl, 0, 0, a1);
	adjrib_src_detach(&fl);
	adjrib_src_detach(&full);
	run(f);
	rattr_unref(f->in, a1);
}

/*
 * Graceful restart on a full table: the routes are marked stale in
 * slices of the door's timer, not at session down; a new session that
 * comes back mid-marking finds them all stale (renew finishes it), and
 * what it refreshes is not stale.
 */
static void
test_adjrib_gr_marked_in_slices(void **state)
{
	struct fix *f = *state;
	struct rib_src full;
	struct rattr *a2 = attrs(f->in, 12);
	uint8_t gr[AID_MAX] = { 0 };
	size_t n, stale, steps = 0;
	uint16_t slot;

	gr[AID_INET] = gr[AID_INET6] = 1;
	full_table(f, &full);
	n = count(&full);
	slot = full.slot;
	/* Down: nothing marked yet, the routes all still there. */
	assert_int_equal(adjrib_down(&full, "test", gr), 1);
	assert_int_equal(count(&full), n);
	assert_int_equal(rib_count_stale(f->rib, slot, AID_INET) +
	    rib_count_stale(f->rib, slot, AID_INET6), 0);
	/* A slice marks a part. */
	assert_int_equal(adjrib_flush_step(&f->door, NFULL / 8), 1);
	stale = rib_count_stale(f->rib, slot, AID_INET) +
	    rib_count_stale(f->rib, slot, AID_INET6);
	assert_true(stale > 0 && stale < n);
	/* Back mid-marking: all of them stale before the first route. */
	adjrib_renew(&full);
	assert_int_equal(full.slot, slot);
	assert_int_equal(rib_count_stale(f->rib, slot, AID_INET) +
	    rib_count_stale(f->rib, slot, AID_INET6), n);
	assert_int_equal(adjrib_flush_step(&f->door, NFULL / 8), 0);
	adjrib_up(&full);
	announce(f, &full, 0, NFLAP, a2);
	assert_int_equal(rib_count_stale(f->rib, slot, AID_INET) +
	    rib_count_stale(f->rib, slot, AID_INET6), n - NFLAP);
	/* End-of-RIB: the rest go. */
	assert_int_equal(adjrib_flush_stale(&full, AID_INET), 1);
	assert_int_equal(adjrib_flush_stale(&full, AID_INET6), 1);
	run(f);
	assert_int_equal(count(&full), NFLAP);
	assert_int_equal(total(f), NFLAP);

	/* Down again with GR: the marking runs to its end in slices. */
	assert_int_equal(adjrib_down(&full, "test", gr), 1);
	while (adjrib_flush_step(&f->door, 50))
		steps++;
	assert_true(steps > 1);
	assert_int_equal(rib_count_stale(f->rib, slot, AID_INET) +
	    rib_count_stale(f->rib, slot, AID_INET6), NFLAP);
	adjrib_src_detach(&full);
	run(f);
	assert_int_equal(total(f), 0);
	rattr_unref(f->in, a2);
}

/* An observer that watches when told to, and counts what it is asked. */
struct watch {
	int	watching;
	size_t	asked, announced;
};

static int
w_watching(void *arg)
{
	return ((struct watch *)arg)->watching;
}

/* Interested in everything but 10.0.2.0/24. */
static int
w_interested(void *arg, const struct bw_prefix *p)
{
	((struct watch *)arg)->asked++;
	return !(p->len == 24 && p->b[0] == 10 && p->b[2] == 2);
}

static void
w_announce(void *arg, const struct rib_src *src, const struct bw_prefix *p,
    const struct rattr *a, int newprefix, const struct rib_route *routes,
    size_t nroutes, double now)
{
	(void)src;
	(void)p;
	(void)a;
	(void)newprefix;
	(void)routes;
	(void)nroutes;
	(void)now;
	((struct watch *)arg)->announced++;
}

static const struct adjrib_observer wobs = {
	.interested = w_interested,
	.watching = w_watching,
	.announce = w_announce,
};

/*
 * An UPDATE's prefixes while the observer watches nothing (no regions)
 * go to the RIB without a question to it; once it watches, each is
 * asked about and the interesting ones announced, as before.
 */
static void
test_adjrib_watching(void **state)
{
	/* 10.0.1.0/24, 10.0.2.0/24, 10.0.3.0/24 */
	static const uint8_t nlri[] = { 24, 10, 0, 1, 24, 10, 0, 2,
	    24, 10, 0, 3 };
	struct fix *f = *state;
	struct watch w = { 0, 0, 0 };
	struct bw_addr addr = { .aid = AID_INET, .b = { 127, 0, 0, 9 } };
	struct adjrib door;
	struct rib_src src;
	struct bgp_update u;

	adjrib_free(&f->door);
	adjrib_init(&door, &f->loop, f->rib, f->in, &wobs, &w);
	memset(&src, 0, sizeof(src));
	memset(&u, 0, sizeof(u));
	u.nlri.p = nlri;
	u.nlri.len = sizeof(nlri);
	assert_int_equal(adjrib_src_attach(&door, &src, &addr, 64509), 0);
	src.af[AID_INET] = 1;
	adjrib_up(&src);
	assert_int_equal(adjrib_apply(&src, &u), 3);
	assert_int_equal(adjrib_count(&src, AID_INET), 3);
	assert_int_equal(w.asked, 0);
	assert_int_equal(w.announced, 0);
	/* counted by the batch all the same; an empty withdrawn field */
	assert_int_equal(src.stats.prefixes_in, 3);
	assert_int_equal(src.stats.withdraws_in, 0);
	w.watching = 1;
	u.attrs.present = ATTR_BIT(ATTR_MED);
	u.attrs.med = 7;
	assert_int_equal(adjrib_apply(&src, &u), 3);
	assert_int_equal(adjrib_count(&src, AID_INET), 3);
	assert_int_equal(w.asked, 3);
	assert_int_equal(w.announced, 2);
	assert_int_equal(src.stats.prefixes_in, 6);
	/* a withdrawal of one of them, nothing announced */
	w.watching = 0;
	u.withdrawn.p = nlri;
	u.withdrawn.len = 4;
	u.nlri.len = 0;
	assert_int_equal(adjrib_apply(&src, &u), 1);
	assert_int_equal(adjrib_count(&src, AID_INET), 2);
	assert_int_equal(src.stats.withdraws_in, 1);
	assert_int_equal(src.stats.prefixes_in, 6);
	adjrib_src_detach(&src);
	assert_int_not_equal(event_base_dispatch(f->loop.base), -1);
	adjrib_free(&door);
	/* teardown frees the fixture's door again: a fresh one */
	adjrib_init(&f->door, &f->loop, f->rib, f->in, &obs, &f->h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_adjrib_watching,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_adjrib_flap_midflush,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_adjrib_shared_walk,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_adjrib_free_retired,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_adjrib_gr_kept,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_adjrib_gr_expired,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_adjrib_gr_mixed,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_adjrib_gr_marked_in_slices,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
