/*
 * The RIB: route arrays of several peers and ADD-PATH ids on one prefix
 * (return codes, order, counts), attribute references, stale marking and
 * stale-only flushes, cursor walks that resume across changes, and flushes
 * in slices that leave the other peers' routes and node memory as if the
 * flushed peer had never been there.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bgpwatch.h"
#include "intern.h"
#include "rib.h"
#include "rib_util.h"
#include "rnd_util.h"

static uint64_t	rng = 0x853c49e6748fea9bULL;

static uint64_t
rnd(void)
{
	return xorshift64(&rng);
}

/* An interned set told apart by its MED (AS path 64500). */
static struct rattr *
attrs(struct intern *in, uint32_t med)
{
	return rib_test_attrs(in, 64500, med);
}

static struct bw_prefix
pfx(const char *s)
{
	struct bw_prefix p;

	assert_int_equal(prefix_parse(s, &p), 0);
	return p;
}

/* A random prefix in a small space, so that prefixes nest and repeat. */
static struct bw_prefix
rand_pfx(uint8_t aid)
{
	struct bw_prefix p;
	uint8_t b[16];
	int i, len;

	for (i = 0; i < 16; i++)
		b[i] = (uint8_t)rnd();
	b[0] &= 0x0f;
	len = aid == AID_INET ? 8 + (int)(rnd() % 25) : 16 + (int)(rnd() % 49);
	if (aid == AID_INET6)
		b[0] = 0x20;
	assert_int_equal(prefix_set(&p, aid, b, (uint8_t)len), 0);
	return p;
}

static void
check_empty(struct intern *in, struct rib *rib)
{
	struct intern_mem im;
	struct rib_mem rm;

	rib_mem(rib, &rm);
	assert_int_equal(rm.nodes + rm.node_bytes + rm.route_bytes +
	    rm.routes + rm.route_arrays, 0);
	/* Only the spare chunks of a few slabs (64 KiB each) remain. */
	assert_true(rm.reserved <= 16 * 65536);
	intern_mem(in, &im);
	assert_int_equal(im.attrs + im.blobs + im.attr_bytes + im.blob_bytes,
	    0);
}

static void
test_rib_routes(void **state)
{
	struct intern *in = intern_new();
	struct rib *rib = rib_new(in);
	struct rattr *a1 = attrs(in, 1), *a2 = attrs(in, 2);
	struct bw_prefix p = pfx("10.0.0.0/8"), m = pfx("10.9.0.0/16");
	const struct rib_route *r;
	static const struct { uint16_t peer; uint32_t id; } order[] = {
		{ 1, 0 }, { 1, 5 }, { 1, 7 }, { 2, 0 }, { 3, 1 }, { 3, 2 }
	};
	size_t n, i;

	(void)state;
	assert_int_equal(rib_update(rib, 3, &p, 2, a1), RIB_UPD_NEW_PREFIX);
	assert_int_equal(rib_update(rib, 1, &p, 7, a1), RIB_UPD_NEW_PREFIX);
	assert_int_equal(rib_update(rib, 3, &p, 1, a1), RIB_UPD_NEW_PATH);
	assert_int_equal(rib_update(rib, 2, &p, 0, a2), RIB_UPD_NEW_PREFIX);
	assert_int_equal(rib_update(rib, 1, &p, 0, a1), RIB_UPD_NEW_PATH);
	assert_int_equal(rib_update(rib, 1, &p, 5, a1), RIB_UPD_NEW_PATH);
	assert_int_equal(rib_update(rib, 1, &p, 5, a2), RIB_UPD_REPLACED);
	/* rib_update_at: the prefix's routes after the change, all peers'. */
	assert_int_equal(rib_update_at(rib, 1, &p, 5, a2, &r, &n),
	    RIB_UPD_REPLACED);
	assert_int_equal(n, 6);
	assert_ptr_equal(r, rib_lookup(rib, &p, &i));
	assert_int_equal(rib_update_at(rib, 4, &m, 0, a1, &r, &n),
	    RIB_UPD_NEW_PREFIX);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].peer, 4);
	assert_ptr_equal(r[0].attrs, a1);
	assert_int_equal(rib_withdraw(rib, 4, &m, 0), RIB_WD_LAST);
	r = rib_lookup(rib, &p, &n);
	assert_int_equal(n, 6);
	for (i = 0; i < n; i++) {
		assert_int_equal(r[i].peer, order[i].peer);
		assert_int_equal(r[i].path_id, order[i].id);
	}
	assert_ptr_equal(r[1].attrs, a2);
	assert_ptr_equal(r[0].attrs, a1);
	/* One reference of ours plus one per route. */
	assert_int_equal(a1->refcnt, 1 + 4);
	assert_int_equal(a2->refcnt, 1 + 2);
	assert_int_equal(rib_count(rib, 1, AID_INET), 3);
	assert_int_equal(rib_count(rib, 2, AID_INET), 1);
	assert_int_equal(rib_count(rib, 3, AID_INET), 2);
	assert_int_equal(rib_count(rib, 3, AID_INET6), 0);
	assert_int_equal(rib_count(rib, 4, AID_INET), 0);
	assert_int_equal(rib_count(rib, 60000, AID_INET), 0);
	assert_int_equal(rib_total_routes(rib, AID_INET), 6);
	assert_int_equal(rib_total_prefixes(rib, AID_INET), 1);

	/* Exact, longest match and absence. */
	m = pfx("10.1.2.0/24");
	assert_null(rib_lookup(rib, &m, &n));
	assert_int_equal(n, 0);
	r = rib_match(rib, &m, &p, &n);
	assert_non_null(r);
	assert_int_equal(n, 6);
	assert_int_equal(p.len, 8);
	m = pfx("11.0.0.0/8");
	assert_null(rib_match(rib, &m, &p, &n));
	m = pfx("2001:db8::/32");
	assert_null(rib_lookup(rib, &m, &n));

	/* Withdrawals. */
	p = pfx("10.0.0.0/8");
	assert_int_equal(rib_withdraw(rib, 1, &p, 9), RIB_WD_ABSENT);
	assert_int_equal(rib_withdraw(rib, 4, &p, 0), RIB_WD_ABSENT);
	assert_int_equal(rib_withdraw(rib, 1, &m, 0), RIB_WD_ABSENT);
	assert_int_equal(rib_withdraw(rib, 1, &p, 5), RIB_WD_PATH);
	assert_int_equal(rib_withdraw(rib, 1, &p, 5), RIB_WD_ABSENT);
	assert_int_equal(rib_withdraw(rib, 1, &p, 0), RIB_WD_PATH);
	assert_int_equal(rib_withdraw(rib, 1, &p, 7), RIB_WD_LAST);
	assert_int_equal(rib_withdraw(rib, 2, &p, 0), RIB_WD_LAST);
	assert_int_equal(rib_withdraw(rib, 3, &p, 2), RIB_WD_PATH);
	assert_int_equal(rib_count(rib, 1, AID_INET), 0);
	assert_int_equal(rib_count(rib, 3, AID_INET), 1);
	assert_int_equal(a2->refcnt, 1);
	assert_int_equal(rib_withdraw(rib, 3, &p, 1), RIB_WD_LAST);
	assert_int_equal(a1->refcnt, 1);
	assert_null(rib_lookup(rib, &p, &n));
	assert_int_equal(rib_total_prefixes(rib, AID_INET), 0);

	/* Bad input. */
	memset(&m, 0, sizeof(m));
	assert_int_equal(rib_update(rib, 1, &m, 0, a1), -1);
	assert_int_equal(rib_update(rib, RIB_MAX_PEERS, &p, 0, a1), -1);
	assert_int_equal(rib_withdraw(rib, 1, &m, 0), RIB_WD_ABSENT);

	rattr_unref(in, a1);
	rattr_unref(in, a2);
	check_empty(in, rib);
	rib_free(rib);
	intern_free(in);
}

/* IPv6 and covering/covered walks through the RIB interface. */
struct seen {
	struct bw_prefix	p[64];
	size_t			n[64];
	size_t			count;
};

static int
seen_cb(const struct bw_prefix *p, const struct rib_route *r, size_t n,
    void *arg)
{
	struct seen *s = arg;

	(void)r;
	s->p[s->count] = *p;
	s->n[s->count++] = n;
	return 0;
}

static void
test_rib_walks(void **state)
{
	struct intern *in = intern_new();
	struct rib *rib = rib_new(in);
	struct rattr *a = attrs(in, 1);
	static const char *v6[] = {
		"2001:db8::/32", "2001:db8:1::/48", "2001:db8:1:1::/64",
		"2001:db8:2::/48", "2001:db9::/32", "::/0"
	};
	struct bw_prefix p;
	struct seen s;
	size_t i;
	char buf[BW_PREFIX_STRLEN];

	(void)state;
	for (i = 0; i < 6; i++) {
		p = pfx(v6[i]);
		assert_int_equal(rib_update(rib, 1, &p, 0, a),
		    RIB_UPD_NEW_PREFIX);
	}
	p = pfx("2001:db8:1::/48");
	assert_int_equal(rib_update(rib, 2, &p, 0, a), RIB_UPD_NEW_PREFIX);
	assert_int_equal(rib_count(rib, 1, AID_INET6), 6);
	assert_int_equal(rib_count(rib, 1, AID_INET), 0);

	p = pfx("2001:db8:1:1:1::/80");
	memset(&s, 0, sizeof(s));
	assert_int_equal(rib_walk_covering(rib, &p, seen_cb, &s), 0);
	assert_int_equal(s.count, 4);
	assert_string_equal(prefix_fmt(&s.p[0], buf, sizeof(buf)), "::/0");
	assert_string_equal(prefix_fmt(&s.p[2], buf, sizeof(buf)),
	    "2001:db8:1::/48");
	assert_int_equal(s.n[2], 2);
	assert_string_equal(prefix_fmt(&s.p[3], buf, sizeof(buf)),
	    "2001:db8:1:1::/64");

	p = pfx("2001:db8::/31");
	memset(&s, 0, sizeof(s));
	assert_int_equal(rib_walk_covered(rib, &p, seen_cb, &s), 0);
	assert_int_equal(s.count, 5);
	assert_string_equal(prefix_fmt(&s.p[0], buf, sizeof(buf)),
	    "2001:db8::/32");
	assert_string_equal(prefix_fmt(&s.p[3], buf, sizeof(buf)),
	    "2001:db8:2::/48");
	assert_string_equal(prefix_fmt(&s.p[4], buf, sizeof(buf)),
	    "2001:db9::/32");

	rib_free(rib);		/* drops the routes' references */
	assert_int_equal(a->refcnt, 1);
	rattr_unref(in, a);
	intern_free(in);
}

/* Mark stale, refresh some, flush only the stale ones. */
static void
test_rib_stale(void **state)
{
	enum { N = 3000 };
	struct intern *in = intern_new();
	struct rib *rib = rib_new(in);
	struct rattr *a = attrs(in, 1), *b = attrs(in, 2);
	static struct bw_prefix p[N];
	static uint8_t refreshed[N];
	struct rib_cursor c;
	const struct rib_route *r;
	size_t i, j, n, slices = 0, nref = 0;

	(void)state;
	for (i = 0; i < N; i++) {
		p[i] = rand_pfx(i % 3 ? AID_INET : AID_INET6);
		for (j = 0; j < i; j++)
			if (prefix_cmp(&p[i], &p[j]) == 0)
				break;
		if (j < i) {
			i--;
			continue;
		}
		assert_int_equal(rib_update(rib, 1, &p[i], 0, a),
		    RIB_UPD_NEW_PREFIX);
		assert_int_equal(rib_update(rib, 2, &p[i], 0, a),
		    RIB_UPD_NEW_PREFIX);
		if (i % 5 == 0)
			assert_int_equal(rib_update(rib, 1, &p[i], 9, a),
			    RIB_UPD_NEW_PATH);
	}
	for (i = AID_INET; i < AID_MAX; i++) {
		rib_cursor_init(&c, (uint8_t)i);
		while (rib_mark_stale_slice(rib, &c, 1, 17))
			slices++;
		assert_int_equal(rib_count_stale(rib, 1, (uint8_t)i),
		    rib_count(rib, 1, (uint8_t)i));
		assert_int_equal(rib_count_stale(rib, 2, (uint8_t)i), 0);
	}
	assert_true(slices >= N / 17 - 3);
	/* Every route of peer 1 is stale, none of peer 2. */
	for (i = 0; i < N; i++) {
		r = rib_lookup(rib, &p[i], &n);
		for (j = 0; j < n; j++)
			assert_int_equal(!!(r[j].flags & ROUTE_STALE),
			    r[j].peer == 1);
	}
	/* The new session re-announces a third of them. */
	for (i = 0; i < N; i += 3) {
		assert_int_equal(rib_update(rib, 1, &p[i], 0, b),
		    RIB_UPD_REPLACED);
		refreshed[i] = 1;
		nref++;
	}
	assert_int_equal(rib_count_stale(rib, 1, AID_INET) +
	    rib_count_stale(rib, 1, AID_INET6),
	    N + (N + 4) / 5 - nref);
	for (i = AID_INET; i < AID_MAX; i++) {
		rib_cursor_init(&c, (uint8_t)i);
		while (rib_flush_slice(rib, &c, 1, 1, 23))
			;
		assert_int_equal(rib_count_stale(rib, 1, (uint8_t)i), 0);
	}
	assert_int_equal(rib_count(rib, 1, AID_INET) +
	    rib_count(rib, 1, AID_INET6), nref);
	for (i = 0; i < N; i++) {
		r = rib_lookup(rib, &p[i], &n);
		assert_int_equal(n, refreshed[i] ? 2 : 1);
		assert_int_equal(r[n - 1].peer, 2);
		assert_ptr_equal(r[n - 1].attrs, a);
		assert_int_equal(r[n - 1].flags, 0);
		if (refreshed[i]) {
			assert_int_equal(r[0].peer, 1);
			assert_int_equal(r[0].path_id, 0);
			assert_ptr_equal(r[0].attrs, b);
			assert_int_equal(r[0].flags, 0);
		}
	}
	rattr_unref(in, a);
	rattr_unref(in, b);
	rib_free(rib);
	intern_free(in);
}

/*
 * A walk in slices while prefixes come and go between slices: visits are
 * in strictly increasing order, every prefix present throughout is seen,
 * one added ahead of the cursor is seen and one added behind is not, and
 * a removed one is not seen after its removal.
 */
enum { W_MAX = 4000 };

struct wmodel {
	struct bw_prefix	p[W_MAX];
	uint8_t			state[W_MAX];	/* see below */
	size_t			n;
	struct bw_prefix	last;
	size_t			visits;
	int			any;
};

#define WS_STABLE	0	/* present from before the walk to its end */
#define WS_REMOVED	1
#define WS_AHEAD	2	/* added ahead of the cursor: must be seen */
#define WS_BEHIND	3	/* added behind it: must not be seen */
#define WS_SEEN		0x80

static size_t
wfind(const struct wmodel *w, const struct bw_prefix *p)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (prefix_cmp(&w->p[i], p) == 0)
			return i;
	return SIZE_MAX;
}

static int
wcb(const struct bw_prefix *p, const struct rib_route *r, size_t n,
    void *arg)
{
	struct wmodel *w = arg;
	size_t i = wfind(w, p);

	(void)r;
	assert_int_equal(n, 1);
	assert_true(i != SIZE_MAX);
	assert_true((w->state[i] & 0x7f) != WS_REMOVED);
	assert_true((w->state[i] & 0x7f) != WS_BEHIND);
	assert_false(w->state[i] & WS_SEEN);
	w->state[i] |= WS_SEEN;
	if (w->any)
		assert_true(prefix_cmp(&w->last, p) < 0);
	w->last = *p;
	w->any = 1;
	w->visits++;
	return 0;
}

static void
test_rib_cursor(void **state)
{
	struct intern *in = intern_new();
	struct rib *rib = rib_new(in);
	struct rattr *a = attrs(in, 1);
	static struct wmodel w;
	struct rib_cursor c;
	struct bw_prefix p;
	size_t i, k, before;
	int aid, more;

	(void)state;
	for (aid = AID_INET; aid < AID_MAX; aid++) {
		memset(&w, 0, sizeof(w));
		while (w.n < 1500) {
			p = rand_pfx((uint8_t)aid);
			if (wfind(&w, &p) != SIZE_MAX)
				continue;
			w.p[w.n++] = p;
			assert_int_equal(rib_update(rib, 0, &p, 0, a),
			    RIB_UPD_NEW_PREFIX);
		}
		rib_cursor_init(&c, (uint8_t)aid);
		do {
			before = w.visits;
			more = rib_walk_slice(rib, &c, 13, wcb, &w);
			assert_true(w.visits - before <= 13);
			if (!more)
				break;
			/* Remove two, add three, between slices. */
			for (k = 0; k < 2; k++) {
				i = rnd() % w.n;
				if ((w.state[i] & 0x7f) == WS_REMOVED)
					continue;
				assert_int_not_equal(rib_withdraw(rib, 0,
				    &w.p[i], 0), RIB_WD_ABSENT);
				w.state[i] = (uint8_t)((w.state[i] & WS_SEEN) |
				    WS_REMOVED);
			}
			for (k = 0; k < 3 && w.n < W_MAX; k++) {
				p = rand_pfx((uint8_t)aid);
				if (wfind(&w, &p) != SIZE_MAX)
					continue;
				w.state[w.n] = prefix_cmp(&p, &c.next) >= 0 ?
				    WS_AHEAD : WS_BEHIND;
				w.p[w.n++] = p;
				assert_int_equal(rib_update(rib, 0, &p, 0, a),
				    RIB_UPD_NEW_PREFIX);
			}
		} while (more);
		assert_true(w.visits > 1000);
		for (i = 0; i < w.n; i++) {
			switch (w.state[i] & 0x7f) {
			case WS_STABLE:
			case WS_AHEAD:
				assert_true(w.state[i] & WS_SEEN);
				break;
			case WS_BEHIND:
				assert_false(w.state[i] & WS_SEEN);
				break;
			}
		}
		/* Done stays done. */
		assert_int_equal(rib_walk_slice(rib, &c, 13, wcb, &w), 0);
	}
	rib_free(rib);
	rattr_unref(in, a);
	intern_free(in);
}

/* Starting a walk at a prefix, as "show rib" does. */
static void
test_rib_cursor_start(void **state)
{
	struct intern *in = intern_new();
	struct rib *rib = rib_new(in);
	struct rattr *a = attrs(in, 1);
	static const char *v4[] = {
		"10.0.0.0/8", "10.0.0.0/16", "10.1.0.0/16", "10.1.2.0/24",
		"11.0.0.0/8"
	};
	struct rib_cursor c;
	struct seen s;
	size_t i;
	char buf[BW_PREFIX_STRLEN];

	(void)state;
	for (i = 0; i < 5; i++) {
		struct bw_prefix p = pfx(v4[i]);

		rib_update(rib, 0, &p, 0, a);
	}
	rib_cursor_init(&c, AID_INET);
	c.started = 1;
	c.next = pfx("10.1.0.0/16");
	memset(&s, 0, sizeof(s));
	while (rib_walk_slice(rib, &c, 1, seen_cb, &s))
		;
	assert_int_equal(s.count, 3);
	assert_string_equal(prefix_fmt(&s.p[0], buf, sizeof(buf)),
	    "10.1.0.0/16");
	assert_string_equal(prefix_fmt(&s.p[2], buf, sizeof(buf)),
	    "11.0.0.0/8");
	/* A start between prefixes. */
	rib_cursor_init(&c, AID_INET);
	c.started = 1;
	c.next = pfx("10.0.128.0/17");
	memset(&s, 0, sizeof(s));
	while (rib_walk_slice(rib, &c, 2, seen_cb, &s))
		;
	assert_int_equal(s.count, 3);
	assert_string_equal(prefix_fmt(&s.p[0], buf, sizeof(buf)),
	    "10.1.0.0/16");
	rib_free(rib);
	rattr_unref(in, a);
	intern_free(in);
}

/*
 * Three peers with overlapping random tables; peer 1 is flushed in
 * slices (with a few of its routes added behind the cursor on the way).
 * Afterwards the RIB equals one that never had peer 1: same routes, same
 * nodes, same node bytes.
 */
static void
test_rib_flush(void **state)
{
	enum { N = 4000 };
	struct intern *in = intern_new();
	struct rib *rib = rib_new(in), *ref = rib_new(in);
	struct rattr *a[3];
	static struct bw_prefix p[N];
	struct rib_mem m1, m2;
	struct rib_cursor c;
	const struct rib_route *r1, *r2;
	size_t i, j, n1, n2, slices;
	int aid, peer, more;

	(void)state;
	for (i = 0; i < 3; i++)
		a[i] = attrs(in, (uint32_t)i);
	for (i = 0; i < N; i++) {
		aid = i % 4 ? AID_INET : AID_INET6;
		p[i] = rand_pfx((uint8_t)aid);
		for (peer = 0; peer < 3; peer++) {
			if (rnd() % 3 == 0 && peer != 1)
				continue;
			rib_update(rib, (uint16_t)peer, &p[i], 0, a[peer]);
			if (peer == 1 && i % 7 == 0)
				rib_update(rib, 1, &p[i], 3, a[2]);
			if (peer != 1)
				rib_update(ref, (uint16_t)peer, &p[i], 0,
				    a[peer]);
		}
	}
	assert_true(rib_count(rib, 1, AID_INET) > N / 2);
	/* The reference grows as large as rib once (peer 3, flushed), so
	 * that it has made its trie's top too and their nodes compare. */
	for (i = 0; i < N; i++)
		rib_update(ref, 3, &p[i], 0, a[0]);
	for (aid = AID_INET; aid < AID_MAX; aid++) {
		rib_cursor_init(&c, (uint8_t)aid);
		while (rib_flush_slice(ref, &c, 3, 0, 1000))
			;
	}
	for (aid = AID_INET; aid < AID_MAX; aid++) {
		size_t others = rib_count(rib, 0, (uint8_t)aid) +
		    rib_count(rib, 2, (uint8_t)aid);

		rib_cursor_init(&c, (uint8_t)aid);
		slices = 0;
		do {
			more = rib_flush_slice(rib, &c, 1, 0, 50);
			slices++;
			if (slices == 10) {
				/* Routes appear behind the cursor. */
				struct bw_prefix q = c.next;

				if (q.len > 0)
					q.len--;
				memset(q.b, 0, sizeof(q.b));
				rib_update(rib, 1, &q, 77, a[1]);
			}
			assert_int_equal(rib_count(rib, 0, (uint8_t)aid) +
			    rib_count(rib, 2, (uint8_t)aid), others);
		} while (more);
		assert_true(slices > 10);
		assert_int_equal(rib_count(rib, 1, (uint8_t)aid), 0);
		/* A finished flush stays finished. */
		assert_int_equal(rib_flush_slice(rib, &c, 1, 0, 50), 0);
	}
	for (i = 0; i < N; i++) {
		r1 = rib_lookup(rib, &p[i], &n1);
		r2 = rib_lookup(ref, &p[i], &n2);
		assert_int_equal(n1, n2);
		for (j = 0; j < n1; j++) {
			assert_int_equal(r1[j].peer, r2[j].peer);
			assert_ptr_equal(r1[j].attrs, r2[j].attrs);
		}
	}
	rib_mem(rib, &m1);
	rib_mem(ref, &m2);
	assert_int_equal(m1.nodes, m2.nodes);
	assert_int_equal(m1.node_bytes, m2.node_bytes);
	assert_int_equal(m1.route_bytes, m2.route_bytes);
	assert_int_equal(m1.route_arrays, m2.route_arrays);

	/* Flush everybody: nothing is left, not even attribute sets. */
	for (peer = 0; peer < 3; peer++)
		for (aid = AID_INET; aid < AID_MAX; aid++) {
			rib_cursor_init(&c, (uint8_t)aid);
			while (rib_flush_slice(rib, &c, (uint16_t)peer, 0,
			    1000))
				;
			rib_cursor_init(&c, (uint8_t)aid);
			while (rib_flush_slice(ref, &c, (uint16_t)peer, 0,
			    SIZE_MAX))
				;
		}
	for (i = 0; i < 3; i++)
		rattr_unref(in, a[i]);
	check_empty(in, rib);
	check_empty(in, ref);
	rib_free(rib);
	rib_free(ref);
	intern_free(in);
}

/*
 * Several peers flushed at the same time share the walk (every slice
 * removes the routes of all flushing peers): peers 0 and 1 go entirely,
 * peer 2 loses only its stale routes, peer 3 keeps everything, whatever
 * order the interleaved small slices run in; a peer that starts flushing
 * half-way still ends with nothing.  Checked against what each prefix
 * held before.
 */
static void
test_rib_flush_shared(void **state)
{
	enum { N = 3000 };
	struct intern *in = intern_new();
	struct rib *rib = rib_new(in);
	struct rattr *a = attrs(in, 1);
	struct rib_cursor c[4][AID_MAX];
	static struct bw_prefix p[N];
	static uint8_t has[N];
	const struct rib_route *r;
	size_t i, j, n, keep2 = 0;
	int aid, more, peer, round;

	(void)state;
	for (i = 0; i < N; i++) {
		p[i] = rand_pfx(i % 3 ? AID_INET : AID_INET6);
		for (peer = 0; peer < 4; peer++)
			if ((rnd() % 4) != 0) {
				rib_update(rib, (uint16_t)peer, &p[i], 0, a);
				has[i] |= (uint8_t)(1 << peer);
			}
	}
	for (aid = AID_INET; aid < AID_MAX; aid++) {
		rib_cursor_init(&c[2][aid], (uint8_t)aid);
		while (rib_mark_stale_slice(rib, &c[2][aid], 2, SIZE_MAX))
			;
	}
	/* Peer 2's new session refreshes some: those stay. */
	for (i = 0; i < N; i += 4)
		if (rib_update(rib, 2, &p[i], 0, a) == RIB_UPD_NEW_PREFIX)
			has[i] |= 4;
	for (aid = AID_INET; aid < AID_MAX; aid++)
		for (peer = 0; peer < 3; peer++)
			rib_cursor_init(&c[peer][aid], (uint8_t)aid);
	for (round = 0, more = 1; more; round++) {
		more = 0;
		for (aid = AID_INET; aid < AID_MAX; aid++)
			for (peer = 0; peer < 3; peer++) {
				if (peer == 1 && round < 5)
					continue;	/* starts later */
				if (rib_flush_slice(rib, &c[peer][aid],
				    (uint16_t)peer, peer == 2, 1 + rnd() % 40))
					more = 1;
			}
		if (round < 5)
			more = 1;
		assert_true(round < 100000);
	}
	for (aid = AID_INET; aid < AID_MAX; aid++) {
		assert_int_equal(rib_count(rib, 0, (uint8_t)aid), 0);
		assert_int_equal(rib_count(rib, 1, (uint8_t)aid), 0);
		assert_int_equal(rib_count_stale(rib, 2, (uint8_t)aid), 0);
	}
	for (i = 0; i < N; i++) {
		int want3 = 0, want2 = 0;

		r = rib_lookup(rib, &p[i], &n);
		for (j = 0; j < n; j++) {
			assert_true(r[j].peer == 2 || r[j].peer == 3);
			assert_int_equal(r[j].flags, 0);
			if (r[j].peer == 3)
				want3++;
			else
				want2++;
		}
		/* Duplicated random prefixes: at least what was put. */
		if (has[i] & 8)
			assert_true(want3 >= 1);
		if (i % 4 == 0 && (has[i] & 4))
			assert_true(want2 >= 1);
		keep2 += (size_t)want2;
	}
	assert_true(keep2 > 0);
	/* Later flushes of the remaining peers find nothing left behind. */
	for (peer = 2; peer < 4; peer++)
		for (aid = AID_INET; aid < AID_MAX; aid++) {
			rib_cursor_init(&c[0][aid], (uint8_t)aid);
			while (rib_flush_slice(rib, &c[0][aid], (uint16_t)peer,
			    0, 100))
				;
		}
	rattr_unref(in, a);
	check_empty(in, rib);
	rib_free(rib);
	intern_free(in);
}

/* Churn: random updates and withdrawals against a model, many times. */
static void
test_rib_churn(void **state)
{
	enum { N = 600, PEERS = 4, OPS = 60000 };
	struct intern *in = intern_new();
	struct rib *rib = rib_new(in);
	struct rattr *a[3];
	static struct bw_prefix p[N];
	static uint8_t have[N][PEERS][2];
	size_t cnt[PEERS] = { 0 }, i, n, k;
	const struct rib_route *r;
	int peer, id, ret;

	(void)state;
	for (i = 0; i < 3; i++)
		a[i] = attrs(in, (uint32_t)i);
	for (i = 0; i < N; i++) {
		p[i] = rand_pfx(AID_INET);
		for (k = 0; k < i; k++)
			if (prefix_cmp(&p[i], &p[k]) == 0)
				break;
		if (k < i)
			i--;		/* a duplicate: draw again */
	}
	for (k = 0; k < OPS; k++) {
		i = rnd() % N;
		peer = (int)(rnd() % PEERS);
		id = (int)(rnd() % 2);
		if (rnd() % 2) {
			ret = rib_update(rib, (uint16_t)peer, &p[i],
			    (uint32_t)id, a[k % 3]);
			if (have[i][peer][id])
				assert_int_equal(ret, RIB_UPD_REPLACED);
			else {
				assert_int_equal(ret, have[i][peer][!id] ?
				    RIB_UPD_NEW_PATH : RIB_UPD_NEW_PREFIX);
				cnt[peer]++;
			}
			have[i][peer][id] = 1;
		} else {
			ret = rib_withdraw(rib, (uint16_t)peer, &p[i],
			    (uint32_t)id);
			if (!have[i][peer][id])
				assert_int_equal(ret, RIB_WD_ABSENT);
			else {
				assert_int_equal(ret, have[i][peer][!id] ?
				    RIB_WD_PATH : RIB_WD_LAST);
				cnt[peer]--;
			}
			have[i][peer][id] = 0;
		}
	}
	for (peer = 0; peer < PEERS; peer++)
		assert_int_equal(rib_count(rib, (uint16_t)peer, AID_INET),
		    cnt[peer]);
	for (i = 0; i < N; i++) {
		size_t want = 0;

		for (peer = 0; peer < PEERS; peer++)
			want += (size_t)have[i][peer][0] + have[i][peer][1];
		r = rib_lookup(rib, &p[i], &n);
		assert_int_equal(n, want);
		assert_true(n == 0 || r != NULL);
	}
	for (i = 0; i < 3; i++)
		rattr_unref(in, a[i]);
	rib_free(rib);
	intern_free(in);
}

/* rib_withdraw_take hands the route's attributes over with their ref. */
static void
test_rib_withdraw_take(void **state)
{
	struct intern *in = intern_new();
	struct rib *rib = rib_new(in);
	struct bw_prefix p = pfx("192.0.2.0/24");
	struct rattr *a = attrs(in, 7), *old = NULL;
	struct intern_mem im;

	(void)state;
	assert_int_equal(rib_update(rib, 3, &p, 0, a), RIB_UPD_NEW_PREFIX);
	rattr_unref(in, a);		/* the RIB's is the only one now */
	assert_int_equal(rib_withdraw_take(rib, 4, &p, 0, &old),
	    RIB_WD_ABSENT);
	assert_null(old);
	assert_int_equal(rib_withdraw_take(rib, 3, &p, 0, &old), RIB_WD_LAST);
	assert_ptr_equal(old, a);
	assert_int_equal(old->med, 7);
	assert_int_equal(rib_count(rib, 3, AID_INET), 0);
	intern_mem(in, &im);
	assert_int_equal(im.attrs, 1);	/* still alive: the ref is ours */
	rattr_unref(in, old);
	intern_mem(in, &im);
	assert_int_equal(im.attrs, 0);
	rib_free(rib);
	intern_free(in);
}

/* Routes' times: the 15-bit code, the peer's epoch, what changes them. */
static void
test_rib_times(void **state)
{
	struct intern *in = intern_new();
	struct rib *rib = rib_new(in);
	struct bw_prefix p1 = pfx("192.0.2.0/24"), p2 = pfx("198.51.100.0/24"),
	    p3 = pfx("2001:db8::/32");
	struct rattr *a = attrs(in, 1), *b = attrs(in, 2);
	const struct rib_route *r;
	struct rib_cursor c;
	uint64_t age, got, prev = 0;
	uint32_t t0 = 1700000000;
	uint16_t code, pcode = 0;
	size_t n;
	int i;

	(void)state;
	/* The code: rounded down, within 0.1 %, monotonic, 15 bits. */
	for (age = 0; age <= UINT32_MAX; age += 1 + age / 7) {
		code = rib_time_code((uint32_t)age);
		got = rib_time_age(code);
		assert_true(code < 0x8000);
		assert_true(got <= age);
		assert_true(age - got <= age / 1024);
		assert_true(code >= pcode && got >= prev);
		if (age < 2048)
			assert_int_equal(got, age);
		pcode = code;
		prev = got;
	}
	assert_int_equal(rib_time_age(rib_time_code(UINT32_MAX)),
	    UINT32_MAX - (UINT32_MAX & ((1U << 21) - 1)));

	rib_set_time(rib, t0);
	assert_int_equal(rib_update(rib, 1, &p1, 0, a), RIB_UPD_NEW_PREFIX);
	r = rib_lookup(rib, &p1, &n);
	assert_int_equal(rib_route_time(rib, &r[0]), t0);
	rib_set_time(rib, t0 + 100);
	assert_int_equal(rib_update(rib, 1, &p2, 0, a), RIB_UPD_NEW_PREFIX);
	r = rib_lookup(rib, &p2, &n);
	assert_int_equal(rib_route_time(rib, &r[0]), t0 + 100);
	/* A day later: within 64 s (0.1 %), never later than the truth. */
	rib_set_time(rib, t0 + 86400 + 37);
	assert_int_equal(rib_update(rib, 1, &p3, 0, a), RIB_UPD_NEW_PREFIX);
	r = rib_lookup(rib, &p3, &n);
	got = rib_route_time(rib, &r[0]);
	assert_true(got <= t0 + 86400 + 37 && got > t0 + 86400 + 37 - 64);
	/* The same attributes again keep the time; others take the new. */
	rib_set_time(rib, t0 + 500);
	assert_int_equal(rib_update(rib, 1, &p1, 0, a), RIB_UPD_REPLACED);
	r = rib_lookup(rib, &p1, &n);
	assert_int_equal(rib_route_time(rib, &r[0]), t0);
	assert_int_equal(rib_update(rib, 1, &p2, 0, b), RIB_UPD_REPLACED);
	r = rib_lookup(rib, &p2, &n);
	assert_int_equal(rib_route_time(rib, &r[0]), t0 + 500);
	/* Marked stale and refreshed: the time stays, the flag goes. */
	for (i = AID_INET; i < AID_MAX; i++) {
		rib_cursor_init(&c, (uint8_t)i);
		while (rib_mark_stale_slice(rib, &c, 1, 2))
			;
	}
	assert_int_equal(rib_count_stale(rib, 1, AID_INET), 2);
	r = rib_lookup(rib, &p1, &n);
	assert_true(r[0].flags & ROUTE_STALE);
	assert_int_equal(rib_route_time(rib, &r[0]), t0);
	rib_set_time(rib, t0 + 600);
	assert_int_equal(rib_update(rib, 1, &p1, 0, a), RIB_UPD_REPLACED);
	r = rib_lookup(rib, &p1, &n);
	assert_false(r[0].flags & ROUTE_STALE);
	assert_int_equal(rib_route_time(rib, &r[0]), t0);
	assert_int_equal(rib_count_stale(rib, 1, AID_INET), 1);
	/* Another peer has its own epoch; one with none has no times. */
	rib_set_time(rib, t0 + 90000);
	assert_int_equal(rib_update(rib, 2, &p1, 0, a), RIB_UPD_NEW_PREFIX);
	r = rib_lookup(rib, &p1, &n);
	assert_int_equal(n, 2);
	assert_int_equal(rib_route_time(rib, &r[1]), t0 + 90000);
	/* All of peer 1's routes gone: its next route starts a new epoch. */
	assert_int_equal(rib_withdraw(rib, 1, &p1, 0), RIB_WD_LAST);
	assert_int_equal(rib_withdraw(rib, 1, &p2, 0), RIB_WD_LAST);
	assert_int_equal(rib_withdraw(rib, 1, &p3, 0), RIB_WD_LAST);
	rib_set_time(rib, t0 + 3000000);
	assert_int_equal(rib_update(rib, 1, &p3, 0, b), RIB_UPD_NEW_PREFIX);
	r = rib_lookup(rib, &p3, &n);
	assert_int_equal(rib_route_time(rib, &r[0]), t0 + 3000000);
	rattr_unref(in, a);
	rattr_unref(in, b);
	rib_free(rib);
	intern_free(in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rib_routes),
		cmocka_unit_test(test_rib_walks),
		cmocka_unit_test(test_rib_stale),
		cmocka_unit_test(test_rib_cursor),
		cmocka_unit_test(test_rib_cursor_start),
		cmocka_unit_test(test_rib_flush),
		cmocka_unit_test(test_rib_flush_shared),
		cmocka_unit_test(test_rib_churn),
		cmocka_unit_test(test_rib_withdraw_take),
		cmocka_unit_test(test_rib_times),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
