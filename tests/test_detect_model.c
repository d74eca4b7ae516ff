/*
 * The region detector's per-prefix work against its per-route reference.
 * Two detectors, each over its own RIB, get the same random stream of
 * announcements (random origins, transits, ADD-PATH path ids), withdrawals
 * and session changes (up, eligible, down with and without graceful
 * restart, gone).  One runs the per-route path for every route
 * (d->reference); the other skips what a peer that does not count cannot
 * change.  After every settled detect_run both must agree on every
 * region's totals and state, on every member prefix's stored count of
 * visible peers, and that count must equal a recount from the RIB; the
 * events must be the same, one by one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "detect_priv.h"
#include "intern.h"
#include "rib.h"

#define NPEERS		6
#define NPFX		160
#define NSTEPS		12000

/* A fingerprint of every event, per detector. */
struct evlog {
	uint64_t	 n;
	uint64_t	 hash;
	FILE		*dump;
};

static void
observe(const struct detect_event *e, void *arg)
{
	struct evlog *l = arg;
	char buf[512];
	const char *c;

	snprintf(buf, sizeof(buf), "%s|%s|%s|%s|%u|%u|%llu|%llu|%u|%u",
	    e->type, e->region ? e->region : "", e->prefix ? e->prefix : "",
	    e->state ? e->state : "", e->visible_peers, e->eligible_peers,
	    (unsigned long long)e->units_visible,
	    (unsigned long long)e->units_total, e->prefixes_visible,
	    e->prefixes_total);
	for (c = buf; *c != '\0'; c++)
		l->hash = (l->hash ^ (uint8_t)*c) * 1099511628211ULL;
	l->n++;
	if (l->dump != NULL)		/* MODEL_DUMP=PREFIX: the events */
		fprintf(l->dump, "%.0f %s\n", e->time, buf);
}

struct side {
	struct intern	*in;
	struct rib	*rib;
	struct detect	*d;
	struct evlog	 log;
};

struct model {
	struct side	 s[2];		/* 0: per prefix, 1: reference */
	struct config	*conf;
	struct bw_prefix pool[NPFX];
	int		 pstate[NPEERS];	/* 0 none, 1 up, 2 eligible,
						 * 3 down (GR), 4 down */
	double		 now;
	uint64_t	 rnd;
	char		 stats[64];
	char		 text[4096];	/* the configuration */
};

static struct model m_reload;
/* Chunks of the per-prefix side seen in one word / whole (model_compare). */
static uint64_t n_word, n_full;

static uint32_t
rnd(struct model *m, uint32_t n)
{
	m->rnd ^= m->rnd << 13;
	m->rnd ^= m->rnd >> 7;
	m->rnd ^= m->rnd << 17;
	return (uint32_t)(m->rnd % n);
}

static struct rattr *
mkattrs(struct intern *in, uint32_t peeras, uint32_t transit, uint32_t origin)
{
	uint8_t path[2 + 12];
	uint32_t as[3] = { peeras, transit, origin };
	struct bgp_attrs a;
	struct rattr *r;
	int i;

	path[0] = 2;
	path[1] = 3;
	for (i = 0; i < 3; i++) {
		path[2 + 4 * i] = (uint8_t)(as[i] >> 24);
		path[3 + 4 * i] = (uint8_t)(as[i] >> 16);
		path[4 + 4 * i] = (uint8_t)(as[i] >> 8);
		path[5 + 4 * i] = (uint8_t)as[i];
	}
	memset(&a, 0, sizeof(a));
	a.present = ATTR_BIT(ATTR_ORIGIN) | ATTR_BIT(ATTR_AS_PATH);
	a.aspath.p = path;
	a.aspath.len = sizeof(path);
	assert_non_null(r = intern_attrs(in, &a));
	return r;
}

static struct detect_peer
peer(int slot)
{
	struct detect_peer p;

	memset(&p, 0, sizeof(p));
	p.slot = (uint16_t)slot;
	assert_int_equal(addr_parse("127.0.0.1", &p.addr), 0);
	p.addr.b[3] = (uint8_t)(10 + slot);
	p.asn = 64510 + (uint32_t)slot;
	return p;
}

/* ref: side 1 is the per-route reference; work1: its work per run. */
static void
model_init(struct model *m, uint64_t seed, int ref, size_t work1)
{
	static const char regions[] =
	    "local-as 65000\nrouter-id 192.0.2.254\n"
	    "rir-stats \"%s\"\n"
	    "region \"P\" {\n prefix 10.0.0.0/12\n hold-down 5s\n}\n"
	    "region \"Q\" {\n prefix 10.0.0.0/12\n prefix 10.0.0.0/16\n"
	    " prefix 10.64.0.0/12\n hold-down 5s\n}\n"
	    "region \"O\" {\n origin-as 65001\n origin-as 65002\n"
	    " hold-down 5s\n unstable-rate 20 per 30s\n}\n"
	    "region \"M\" {\n prefix 10.32.0.0/16\n origin-as 65003\n"
	    " min-peers 2\n hold-down 5s\n}\n"
	    "region \"V\" {\n origin-as 65001\n prefix 10.33.0.0/16\n"
	    " via-as 100\n hold-down 5s\n}\n"
	    "region \"C\" {\n country XA\n hold-down 5s\n"
	    " unstable-rate 5 per 10s\n}\n"
	    "region \"D\" {\n country XB\n origin-as 65002\n hold-down 5s\n}\n";
	struct config_errors errs;
	char text[4096], err[256];
	FILE *fp;
	size_t i;
	int fd, k, len;
	uint8_t b[4];

	memset(m, 0, sizeof(*m));
	m->rnd = seed * 2654435761u + 88172645463325252ULL;
	snprintf(m->stats, sizeof(m->stats), "/tmp/test_detect_model.XXXXXX");
	assert_true((fd = mkstemp(m->stats)) != -1);
	assert_non_null(fp = fdopen(fd, "w"));
	fprintf(fp, "2.3|test|20260101|4|19830613|20251231|+0000\n"
	    "test|*|ipv4|*|3|summary\n"
	    "test|XA|ipv4|10.64.0.0|4194304|20100101|allocated|x\n"
	    "test|XB|ipv4|10.128.0.0|8192|20100101|assigned|x\n"
	    "test|XB|ipv4|10.160.0.0|1024|20100101|assigned|x\n"
	    "test|XA|asn|65004|2|20100101|allocated|x\n");
	fclose(fp);
	snprintf(text, sizeof(text), regions, m->stats);
	snprintf(m->text, sizeof(m->text), "%s", text);
	m->conf = config_parse_buf("model.conf", text, strlen(text), &errs);
	for (i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.msg[i]);
	assert_non_null(m->conf);
	for (k = 0; k < 2; k++) {
		assert_non_null(m->s[k].in = intern_new());
		assert_non_null(m->s[k].rib = rib_new(m->s[k].in));
		assert_non_null(m->s[k].d = detect_new(m->s[k].rib, 0));
		m->s[k].d->reference = k == 1 && ref;
		/*
		 * The reference keeps every chunk's bitmaps whole: the
		 * one-word chunks of the other side must count the same.
		 */
		m->s[k].d->thin_off = k == 1 && ref;
		/*
		 * Every run does all there is: the two sides list dirty
		 * chunks in different orders (chunk trie, cell lists), so
		 * runs cut short would judge regions at different runs.
		 * test_sliced_runs checks the slicing.
		 */
		if (ref) {
			m->s[k].d->work_run = SIZE_MAX;
			m->s[k].d->chunks_run = SIZE_MAX;
		}
		if (k == 1 && work1 > 0)
			m->s[k].d->work_run = work1;
		if (getenv("MODEL_DUMP") != NULL) {
			char path[256];

			snprintf(path, sizeof(path), "%s.%llu.%d",
			    getenv("MODEL_DUMP"), (unsigned long long)seed, k);
			m->s[k].log.dump = fopen(path, "w");
		}
		assert_int_equal(detect_add_observer(m->s[k].d, observe,
		    &m->s[k].log), 0);
		if (detect_configure(m->s[k].d, m->conf, 0, err,
		    sizeof(err)) == -1)
			fail_msg("detect_configure: %s", err);
	}
	/* Prefixes in and around every region, of several lengths. */
	for (i = 0; i < NPFX; i++) {
		static const uint8_t second[] = { 0, 1, 5, 32, 33, 64, 65, 100,
		    128, 160, 200 };
		static const int lens[] = { 24, 24, 24, 22, 20, 16, 12, 23 };

		b[0] = 10;
		b[1] = second[rnd(m, sizeof(second))];
		b[2] = (uint8_t)(rnd(m, 8) * 4);
		b[3] = 0;
		len = lens[rnd(m, 8)];
		prefix_set(&m->pool[i], AID_INET, b, (uint8_t)len);
	}
}

static void
model_free(struct model *m)
{
	int k;

	for (k = 0; k < 2; k++) {
		if (m->s[k].log.dump != NULL)
			fclose(m->s[k].log.dump);
		detect_free(m->s[k].d);
		rib_free(m->s[k].rib);
		intern_free(m->s[k].in);
	}
	config_free(m->conf);
	unlink(m->stats);
}

static void
op_announce(struct model *m, int slot)
{
	static const uint32_t origins[] = { 65001, 65002, 65003, 65004, 65005,
	    64999 };
	static const uint32_t transits[] = { 100, 200 };
	struct detect_peer dp = peer(slot);
	struct bw_prefix p = m->pool[rnd(m, NPFX)];
	uint32_t origin = origins[rnd(m, 6)], transit = transits[rnd(m, 2)];
	uint32_t path = rnd(m, 4) == 0 ? 1 : 0;
	const struct rib_route *r;
	struct rattr *a;
	size_t n;
	int k, rv;

	for (k = 0; k < 2; k++) {
		a = mkattrs(m->s[k].in, dp.asn, transit, origin);
		rv = rib_update_at(m->s[k].rib, dp.slot, &p, path, a, &r, &n);
		assert_true(rv >= 0);
		/* The reference finds the routes itself (NULL). */
		detect_announce(m->s[k].d, &dp, &p, a,
		    rv == RIB_UPD_NEW_PREFIX, k == 1 ? NULL : r, n,
		    m->now);
		rattr_unref(m->s[k].in, a);
	}
}

static void
op_withdraw(struct model *m, int slot)
{
	struct detect_peer dp = peer(slot);
	struct bw_prefix p = m->pool[rnd(m, NPFX)];
	uint32_t path = rnd(m, 4) == 0 ? 1 : 0;
	const struct rib_route *r;
	struct rattr *last;
	size_t n, i;
	int k, rv;

	for (k = 0; k < 2; k++) {
		last = NULL;
		r = rib_lookup(m->s[k].rib, &p, &n);
		for (i = 0; i < n; i++)
			if (r[i].peer == dp.slot && r[i].path_id == path)
				last = r[i].attrs;
		if (last != NULL)
			rattr_ref(last);
		rv = rib_withdraw(m->s[k].rib, dp.slot, &p, path);
		if (rv != RIB_WD_ABSENT)
			detect_withdraw(m->s[k].d, &dp, &p, last,
			    rv == RIB_WD_LAST, m->now);
		if (last != NULL)
			rattr_unref(m->s[k].in, last);
	}
}

static void
flush(struct rib *rib, int slot, int only_stale)
{
	struct rib_cursor cur;

	rib_cursor_init(&cur, AID_INET);
	while (rib_flush_slice(rib, &cur, (uint16_t)slot, only_stale, 7))
		;
}

/* Session changes, the way fsm.c and adjrib.c make them. */
static void
op_session(struct model *m, int slot)
{
	struct detect_peer dp = peer(slot);
	struct rib_cursor cur;
	int k, gr, st = m->pstate[slot];

	for (k = 0; k < 2; k++) {
		struct detect *d = m->s[k].d;
		struct rib *rib = m->s[k].rib;

		switch (st) {
		case 0:
		case 3:
		case 4:		/* up; GR: its stale routes stay */
			detect_peer_up(d, &dp, m->now);
			break;
		case 1:		/* End-of-RIB: eligible, stale swept */
			detect_peer_eligible(d, &dp, m->now);
			flush(rib, slot, 1);
			break;
		case 2:		/* down, with or without GR */
			gr = m->rnd & 1;
			detect_peer_down(d, &dp, "connection reset", gr,
			    m->now);
			if (gr) {
				rib_cursor_init(&cur, AID_INET);
				while (rib_mark_stale_slice(rib, &cur,
				    (uint16_t)slot, 5))
					;
			} else {
				flush(rib, slot, 0);
				detect_peer_gone(d, &dp, m->now);
			}
			break;
		}
	}
	switch (st) {
	case 0:
	case 3:
	case 4:
		m->pstate[slot] = 1;
		break;
	case 1:
		m->pstate[slot] = 2;
		break;
	case 2:
		m->pstate[slot] = (m->rnd & 1) ? 3 : 4;
		break;
	}
	if (st == 3 && rnd(m, 2) == 0) {
		/* GR timer: the stale routes go before it comes back. */
		for (k = 0; k < 2; k++) {
			detect_peer_gone(m->s[k].d, &dp, m->now);
			flush(m->s[k].rib, slot, 1);
		}
	}
}

/* Both detectors, settled, agree; stored counts equal a recount. */
static void
model_compare(struct model *m)
{
	struct detect *a = m->s[0].d, *b = m->s[1].d;
	struct det_region *ra, *rb;
	struct det_mem *ea, *eb;
	const struct bw_prefix *p;
	char pb[BW_PREFIX_STRLEN];
	size_t i, j, learned = 0;
	uint32_t nvis;
	int k;

	for (k = 0; k < 2; k++)
		while (detect_run(m->s[k].d, m->now) == 0)
			;
	assert_int_equal(a->nregions, b->nregions);
	assert_int_equal(a->nchunks, b->nchunks);
	for (i = 0; i < a->nregions; i++) {
		ra = &a->regions[i];
		rb = &b->regions[i];
		assert_int_equal(ra->nlearned, rb->nlearned);
		learned += ra->nlearned;
		assert_int_equal(ra->npfx, rb->npfx);
		assert_int_equal(ra->pfx_visible, rb->pfx_visible);
		assert_int_equal(ra->units_vis, rb->units_vis);
		assert_int_equal(ra->units_tot, rb->units_tot);
		assert_int_equal(ra->state, rb->state);
		assert_int_equal(ra->pending, rb->pending);
		nvis = 0;
		for (j = 0; j < ra->npfx; j++) {
			ea = &a->ptab.mem[ra->mids[j]];
			nvis += ea->vis >= region_quorum(a, ra);
			p = DET_MEM_PFX(a, ea);
			assert_int_equal(ea->region, i);
			eb = region_pfx_get(b, rb, p);
			if (eb == NULL)
				fail_msg("region %s: %s only per prefix",
				    ra->name, prefix_fmt(p, pb, sizeof(pb)));
			if (ea->vis != eb->vis ||
			    ea->vis != region_pfx_count(a, p, ra->via_as))
				fail_msg("region %s, %s: %u peers per prefix, "
				    "%u per route, %u in the RIB", ra->name,
				    prefix_fmt(p, pb, sizeof(pb)),
				    ea->vis, eb->vis, region_pfx_count(a,
				    p, ra->via_as));
			assert_int_equal(ea->via, eb->via);
		}
		/* Settled: the count kept per change is a count of now. */
		if (ra->recount == SIZE_MAX)
			assert_int_equal(ra->pfx_visible, nvis);
	}
	/*
	 * The reference keeps what it learned as blocks of the index; the
	 * per-prefix side only its IPv6 ones (this model has none).
	 */
	assert_int_equal(a->nblocks + (b->reference ? learned : 0),
	    b->nblocks);
	/* One-word chunks on the per-prefix side; none in the reference. */
	for (i = 0; i < a->nchunks; i++) {
		n_word += DET_CHUNK(a, i)->q > DET_Q_EMPTY &&
		    DET_CHUNK(a, i)->q < DET_Q_FULL;
		n_full += DET_CHUNK(a, i)->q == DET_Q_FULL;
	}
	for (i = 0; i < b->nchunks && b->thin_off; i++)
		assert_true(DET_CHUNK(b, i)->q == DET_Q_EMPTY ||
		    DET_CHUNK(b, i)->q == DET_Q_FULL);
	assert_int_equal(m->s[0].log.n, m->s[1].log.n);
	assert_true(m->s[0].log.hash == m->s[1].log.hash);
}

static void
model_run(uint64_t seed)
{
	struct model m;
	int step, slot, op, compared = 0;

	model_init(&m, seed, 1, 0);
	for (step = 0; step < NSTEPS; step++) {
		slot = (int)rnd(&m, NPEERS);
		op = (int)rnd(&m, 100);
		if (op < 55)
			op_announce(&m, slot);
		else if (op < 85)
			op_withdraw(&m, slot);
		else if (op < 88)
			op_session(&m, slot);
		else if (op < 96) {
			m.now += rnd(&m, 3);
			detect_run(m.s[0].d, m.now);
			detect_run(m.s[1].d, m.now);
		} else {
			model_compare(&m);
			compared++;
		}
	}
	model_compare(&m);
	assert_true(compared > 100);
	/* Something was counted: the stream is not trivially empty. */
	assert_true(m.s[0].log.n > 100);
	model_free(&m);
}

/*
 * Work per detect_run bounds recomputes, recounts and promotions (a
 * table's worth of chunks falls due at once after hold-down): a detector
 * doing a few chunks per run ends where one doing everything at once
 * does, after more runs.
 */
static void
test_sliced_runs(void **state)
{
	struct model m;
	struct det_region *a, *b;
	size_t i;
	int step, runs;

	(void)state;
	model_init(&m, 99, 0, 300);
	for (step = 0; step < 4; step++)
		op_session(&m, step / 2);	/* peers 0, 1: up, eligible */
	for (step = 0; step < 3000; step++)
		op_announce(&m, (int)rnd(&m, 2));
	m.now = 1;
	model_compare(&m);
	/* Every derived unit falls due at 1 + hold-down. */
	m.now = 30;
	for (runs = 1; detect_run(m.s[1].d, m.now) == 0; runs++)
		;
	assert_true(runs > 3);
	while (detect_run(m.s[0].d, m.now) == 0)
		;
	for (i = 0; i < m.s[0].d->nregions; i++) {
		a = &m.s[0].d->regions[i];
		b = &m.s[1].d->regions[i];
		assert_int_equal(a->units_tot, b->units_tot);
		assert_int_equal(a->units_vis, b->units_vis);
		assert_int_equal(a->state, b->state);
	}
	assert_int_equal(m.s[1].d->npend, 0);
	model_free(&m);
}

/*
 * A route changes while a sweep is under way (a run doing 2 chunks):
 * chunk 0 (P's part of 10.1/16) swept, chunk 1 (Q's, its cell-mate)
 * swept ahead with it, then the route under both goes.  The dirty chunks
 * the sweep will get to are left to it (region_recompute); these two it
 * has done, so they are recomputed from the dirty list: left stale,
 * their regions keep a unit visible that no route carries.
 */
static void
test_sweep_route_change(void **state)
{
	static const char text[] = "local-as 65000\nrouter-id 192.0.2.254\n"
	    "region \"P\" {\n prefix 10.1.0.0/16\n}\n"
	    "region \"Q\" {\n prefix 10.1.0.0/16\n}\n"
	    "region \"R\" {\n prefix 10.2.0.0/16\n}\n";
	struct config_errors errs;
	struct config *conf;
	struct intern *in;
	struct rib *rib;
	struct detect *d;
	struct detect_peer dp = peer(1);
	struct bw_prefix p;
	const struct rib_route *r;
	struct rattr *a;
	char err[256];
	size_t n, i;
	int rv;

	(void)state;
	assert_non_null(conf = config_parse_buf("t.conf", text, strlen(text),
	    &errs));
	assert_non_null(in = intern_new());
	assert_non_null(rib = rib_new(in));
	assert_non_null(d = detect_new(rib, 0));
	assert_int_equal(detect_configure(d, conf, 0, err, sizeof(err)), 0);
	detect_peer_up(d, &dp, 0);
	detect_peer_eligible(d, &dp, 0);
	assert_int_equal(prefix_parse("10.1.0.0/24", &p), 0);
	a = mkattrs(in, dp.asn, 100, 65001);
	rv = rib_update_at(rib, dp.slot, &p, 0, a, &r, &n);
	detect_announce(d, &dp, &p, a, rv == RIB_UPD_NEW_PREFIX, r, n, 1);
	rattr_unref(in, a);
	while (detect_run(d, 1) == 0)
		;
	for (i = 0; i < 2; i++)
		assert_int_equal(d->regions[i].units_vis, 1);
	/* As when the eligible set changes; one run: chunks 0 and 1. */
	region_mark_all_dirty(d);
	d->chunks_run = 2;
	detect_run(d, 2);
	assert_int_equal(d->sweep_next, 1);
	rv = rib_withdraw(rib, dp.slot, &p, 0);
	assert_int_equal(rv, RIB_WD_LAST);
	detect_withdraw(d, &dp, &p, NULL, 1, 2);
	d->chunks_run = SIZE_MAX;
	while (detect_run(d, 2) == 0)
		;
	for (i = 0; i < 2; i++)
		assert_int_equal(d->regions[i].units_vis, 0);
	detect_free(d);
	rib_free(rib);
	intern_free(in);
	config_free(conf);
}

static struct config *
conf_plus(const struct model *m, const char *extra)
{
	struct config_errors errs;
	struct config *c;
	size_t len;
	char *text;

	len = strlen(m->text) + strlen(extra) + 1;
	assert_non_null(text = malloc(len));
	snprintf(text, len, "%s%s", m->text, extra);
	c = config_parse_buf("model3.conf", text, strlen(text), &errs);
	assert_non_null(c);
	free(text);
	return c;
}

/* Prefix 10.15.i.0/24 (region P, not in the pool) from peer 0, AS 65001. */
static void
announce_new(struct model *m, int i)
{
	struct detect_peer dp = peer(0);
	uint8_t b[4] = { 10, 15, (uint8_t)i, 0 };
	const struct rib_route *r;
	struct bw_prefix p;
	struct rattr *a;
	size_t n;
	int k, rv;

	prefix_set(&p, AID_INET, b, 24);
	for (k = 0; k < 2; k++) {
		a = mkattrs(m->s[k].in, dp.asn, 100, 65001);
		rv = rib_update_at(m->s[k].rib, dp.slot, &p, 0, a, &r, &n);
		assert_int_equal(rv, RIB_UPD_NEW_PREFIX);
		detect_announce(m->s[k].d, &dp, &p, a, 1, k == 1 ? NULL : r,
		    n, m->now);
		rattr_unref(m->s[k].in, a);
	}
}

/*
 * detect_run on side 0 until its index built on a thread is swapped in
 * (its regions are those of conf then); the runs meanwhile ask to be
 * called again soon.
 */
static void
wait_swap(struct model *m, size_t nregions)
{
	struct detect *d = m->s[0].d;
	struct timespec ts = { 0, 1000000 };
	double next;
	int i;

	for (i = 0; i < 20000 && d->nregions != nregions; i++) {
		next = detect_run(d, m->now);
		assert_true(next >= 0 && next <= 0.01);
		nanosleep(&ts, NULL);
	}
	assert_int_equal(d->nregions, nregions);
}

/*
 * Side 0 builds the index of a reload on a thread: detect_configure
 * returns with the regions before still in place and answering (a route
 * meanwhile goes through them), a reload during the build stops it (back
 * to the regions in place: nothing is built; then again), and once the
 * new index is swapped in and the RIB learned both sides agree, events
 * included.  Side 1 builds at once.
 */
static void
reload_threaded(struct model *m)
{
	static const char extra[] =
	    "region \"N\" {\n origin-as 65004\n origin-as 65005\n"
	    " hold-down 5s\n}\n"
	    "region \"R\" {\n origin-as 65003\n prefix 10.96.0.0/14\n"
	    " hold-down 5s\n}\n";
	struct detect *d = m->s[0].d;
	struct config *c3;
	size_t nreg = d->nregions, nblocks = d->nblocks;
	uint64_t nev;
	char err[256];
	int k, step;

	c3 = conf_plus(m, extra);
	detect_set_async(d, 1);
	m->now = 41;
	for (k = 0; k < 2; k++)
		assert_int_equal(detect_configure(m->s[k].d, c3, m->now, err,
		    sizeof(err)), 0);
	assert_non_null(d->build);
	assert_int_equal(d->nregions, nreg);
	assert_int_equal(d->nblocks, nblocks);
	/* Back to the regions in place: the build stops, nothing else. */
	assert_int_equal(detect_configure(d, m->conf, m->now, err,
	    sizeof(err)), 0);
	assert_null(d->build);
	assert_int_equal(d->nregions, nreg);
	assert_false(d->learning);
	/*
	 * And again, with new routes of regions both sides have meanwhile
	 * (new: a route replaced might take a learned member from the side
	 * that learns after it, as it should).
	 */
	assert_int_equal(detect_configure(d, c3, m->now, err, sizeof(err)), 0);
	assert_non_null(d->build);
	nev = m->s[0].log.n;
	for (step = 0; step < 16; step++)
		announce_new(m, step);
	assert_true(m->s[0].log.n > nev);
	assert_int_equal(d->nregions, nreg);
	wait_swap(m, nreg + 1);
	assert_true(d->learning);
	model_compare(m);
	assert_true(d->regions[nreg].npfx > 0);
	m->now = 60;
	model_compare(m);
	for (k = 0; k < 2; k++)
		assert_int_equal(m->s[k].d->regions[nreg].state, REGION_UP);
	/* The thread frees the old index, then is joined. */
	for (step = 0; step < 20000 && d->build != NULL; step++) {
		struct timespec ts = { 0, 1000000 };

		detect_run(d, m->now);
		nanosleep(&ts, NULL);
	}
	assert_null(d->build);
	config_free(m->conf);
	m->conf = c3;
}

/*
 * A reload that changes the regions learns the routes in the RIB in
 * slices of detect_run: side 0 a prefix per slice, side 1 all of them in
 * detect_configure.  Side 0 judges no region and emits nothing until it
 * is done; then both agree.  A reload that changes nothing (but a
 * threshold) learns nothing again.
 */
static void
test_reload_sliced(void **state)
{
	static const char extra[] =
	    "region \"N\" {\n origin-as 65004\n origin-as 65005\n"
	    " hold-down 5s\n}\n";
	struct config_errors errs;
	struct config *c2;
	struct detect *d;
	char *text, err[256];
	size_t len, nchunks;
	uint64_t nev;
	int step, runs, k;

	(void)state;
	model_init(&m_reload, 7, 0, 0);
	for (step = 0; step < 6; step++)
		op_session(&m_reload, step / 2);	/* 0-2: eligible */
	for (step = 0; step < 3000; step++)
		op_announce(&m_reload, (int)rnd(&m_reload, 3));
	m_reload.now = 10;
	model_compare(&m_reload);
	m_reload.now = 20;
	model_compare(&m_reload);

	/* The same regions: nothing learned again, nothing new. */
	d = m_reload.s[0].d;
	d->learn_run = 1;		/* a rebuild would still be learning */
	nchunks = d->nchunks;
	nev = m_reload.s[0].log.n;
	for (k = 0; k < 2; k++)
		assert_int_equal(detect_configure(m_reload.s[k].d,
		    m_reload.conf, 20, err, sizeof(err)), 0);
	assert_false(d->learning);
	assert_int_equal(d->nchunks, nchunks);
	model_compare(&m_reload);
	assert_int_equal(m_reload.s[0].log.n, nev);

	/* One region more: the index again, the RIB learned in slices. */
	len = strlen(m_reload.text) + sizeof(extra);
	assert_non_null(text = malloc(len));
	snprintf(text, len, "%s%s", m_reload.text, extra);
	c2 = config_parse_buf("model2.conf", text, strlen(text), &errs);
	assert_non_null(c2);
	free(text);
	m_reload.s[1].d->learn_run = SIZE_MAX;
	m_reload.now = 21;
	for (k = 0; k < 2; k++)
		assert_int_equal(detect_configure(m_reload.s[k].d, c2,
		    m_reload.now, err, sizeof(err)), 0);
	assert_true(d->learning);
	assert_false(m_reload.s[1].d->learning);
	nev = m_reload.s[0].log.n;
	for (runs = 1; detect_run(d, m_reload.now) == 0 && d->learning; runs++)
		assert_int_equal(m_reload.s[0].log.n, nev);
	assert_false(d->learning);
	assert_true(runs > 50);
	model_compare(&m_reload);
	m_reload.now = 40;
	model_compare(&m_reload);
	assert_true(d->regions[d->nregions - 1].npfx > 0);
	for (k = 0; k < 2; k++)
		assert_int_equal(m_reload.s[k].d->regions[0].state, REGION_UP);
	config_free(m_reload.conf);
	m_reload.conf = c2;
	reload_threaded(&m_reload);
	model_free(&m_reload);
}

static void
test_model(void **state)
{
	uint64_t seed;

	(void)state;
	n_word = n_full = 0;
	for (seed = 1; seed <= 4; seed++)
		model_run(seed);
	/* Both kinds were compared against whole bitmaps. */
	assert_true(n_word > 0);
	assert_true(n_full > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model),
		cmocka_unit_test(test_sliced_runs),
		cmocka_unit_test(test_sweep_route_change),
		cmocka_unit_test(test_reload_sliced),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
