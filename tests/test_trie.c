/*
 * The prefix trie against a brute-force reference: random IPv4 and IPv6
 * prefixes (every length, duplicates, deep nesting), several seeds; exact,
 * longest match, covering, covered and full ordered walks (whole and in
 * random slices) compared with the reference list after inserts and
 * after random deletes, and the trie's shape checked after each step.
 */
#include <sys/mman.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bgpwatch.h"
#include "slab.h"
#include "trie.h"
#include "rnd_util.h"

#define NPFX	2500
#define NQUERY	400

static uint64_t	rng;
/* The tries' topmin (tinit), and whether random IPv6 prefixes fall in
 * the top's base 2000::/3 (three in four) or never. */
static size_t	topmin = TRIE_TOP_MIN;
static int	topv6;

static void
tinit(struct trie *t, uint8_t aid)
{
	trie_init(t, aid);
	t->topmin = topmin;
}

static uint64_t
rnd(void)
{
	return xorshift64(&rng);
}

struct ref {
	struct bw_prefix	p[NPFX];
	size_t			n;
};

static size_t
ref_find(const struct ref *r, const struct bw_prefix *p)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (prefix_cmp(&r->p[i], p) == 0)
			return i;
	return SIZE_MAX;
}

/*
 * A random prefix: fully random, or a more or less specific relative of
 * one already in the reference (so that nesting is deep and common).
 */
static void
rand_prefix(const struct ref *r, uint8_t aid, struct bw_prefix *p)
{
	const struct bw_prefix *base;
	uint8_t b[16];
	int maxlen = aid_maxplen(aid), len, i, mode = (int)(rnd() % 5);

	for (i = 0; i < 16; i++)
		b[i] = (uint8_t)rnd();
	b[0] = (uint8_t)(b[0] & 0x83);		/* a few top bits vary */
	if (topv6 && aid == AID_INET6 && rnd() % 4 != 0)
		b[0] ^= 0x20;			/* 2000::/3 (or a000::/3) */
	len = (int)(rnd() % (uint64_t)(maxlen + 1));
	if (r->n > 0 && mode > 0) {
		base = &r->p[rnd() % r->n];
		if (mode <= 3) {
			/* More specific: keep base's bits. */
			len = base->len + (int)(rnd() %
			    (uint64_t)(maxlen - base->len + 1));
			for (i = 0; i < base->len; i++) {
				uint8_t m = (uint8_t)(0x80 >> (i % 8));

				b[i / 8] = (uint8_t)((b[i / 8] & ~m) |
				    (base->b[i / 8] & m));
			}
		} else {
			memcpy(b, base->b, 16);
			len = (int)(rnd() % (uint64_t)(base->len + 1));
		}
	}
	assert_int_equal(prefix_set(p, aid, b, (uint8_t)len), 0);
}

static int
cmp_pfx(const void *a, const void *b)
{
	return prefix_cmp(a, b);
}

static int
cmp_len(const void *a, const void *b)
{
	const struct bw_prefix *x = a, *y = b;

	return x->len - y->len;
}

/* Checks the shape: branch points have two children, keys nest. */
static size_t
check_shape(const struct trie *t, const struct trie_node *n,
    const struct trie_node *parent, int bit)
{
	struct bw_prefix p, q;
	size_t count = 0;
	int i;

	if (n == NULL)
		return 0;
	trie_prefix(t, n, &p);
	if (parent != NULL) {
		trie_prefix(t, parent, &q);
		assert_true(n->plen > parent->plen);
		assert_true(prefix_contains(&q, &p));
		assert_int_equal((p.b[q.len / 8] >> (7 - q.len % 8)) & 1, bit);
	}
	/* Child pointers exactly when there is a child. */
	assert_int_equal(trie_haskids(n), trie_child(t, n, 0) != NULL ||
	    trie_child(t, n, 1) != NULL);
	if (n->nroutes == 0) {
		assert_non_null(trie_child(t, n, 0));
		assert_non_null(trie_child(t, n, 1));
	} else {
		count++;
		assert_int_equal(trie_routes(t, n)[0].path_id,
		    (uint32_t)p.len << 8 | p.b[0]);
	}
	for (i = 0; i < 2; i++)
		count += check_shape(t, trie_child(t, n, i), n, i);
	return count;
}

struct collect {
	struct bw_prefix	p[NPFX];
	size_t			n;
	size_t			stop_at;	/* cb returns 1 here */
};

static int
collect_cb(const struct trie *t, const struct trie_node *n, void *arg)
{
	struct collect *c = arg;

	assert_true(c->n < NPFX);
	trie_prefix(t, n, &c->p[c->n++]);
	return c->n == c->stop_at ? 7 : 0;
}

static void
assert_same(const struct bw_prefix *a, size_t na, const struct bw_prefix *b,
    size_t nb)
{
	size_t i;

	assert_int_equal(na, nb);
	for (i = 0; i < na; i++)
		assert_int_equal(prefix_cmp(&a[i], &b[i]), 0);
}

static void
check_query(const struct trie *t, const struct ref *r,
    const struct bw_prefix *q)
{
	static struct collect c;
	static struct bw_prefix want[NPFX];
	const struct trie_node *n;
	struct bw_prefix got;
	size_t i, nw, best = SIZE_MAX;

	n = trie_lookup(t, q);
	assert_int_equal(n != NULL, ref_find(r, q) != SIZE_MAX);
	/* Longest match and covering. */
	for (i = nw = 0; i < r->n; i++)
		if (prefix_contains(&r->p[i], q)) {
			want[nw++] = r->p[i];
			if (best == SIZE_MAX || r->p[i].len > r->p[best].len)
				best = i;
		}
	n = trie_match(t, q);
	if (best == SIZE_MAX)
		assert_null(n);
	else {
		assert_non_null(n);
		trie_prefix(t, n, &got);
		assert_int_equal(prefix_cmp(&got, &r->p[best]), 0);
	}
	qsort(want, nw, sizeof(want[0]), cmp_len);
	memset(&c, 0, sizeof(c));
	assert_int_equal(trie_walk_covering(t, q, collect_cb, &c), 0);
	assert_same(c.p, c.n, want, nw);
	/* Covered, in address order. */
	for (i = nw = 0; i < r->n; i++)
		if (prefix_contains(q, &r->p[i]))
			want[nw++] = r->p[i];
	qsort(want, nw, sizeof(want[0]), cmp_pfx);
	memset(&c, 0, sizeof(c));
	assert_int_equal(trie_walk_covered(t, q, collect_cb, &c), 0);
	assert_same(c.p, c.n, want, nw);
	if (nw > 1) {
		/* A callback's non-zero value stops the walk. */
		memset(&c, 0, sizeof(c));
		c.stop_at = 1;
		assert_int_equal(trie_walk_covered(t, q, collect_cb, &c), 7);
		assert_int_equal(c.n, 1);
	}
}

/* The ordered walk in slices of random size. */
static void
check_order(const struct trie *t, const struct ref *r)
{
	static struct collect c;
	static struct bw_prefix want[NPFX];
	struct bw_prefix next;
	size_t budget;
	int more, started = 0;

	memcpy(want, r->p, r->n * sizeof(want[0]));
	qsort(want, r->n, sizeof(want[0]), cmp_pfx);
	memset(&c, 0, sizeof(c));
	memset(&next, 0, sizeof(next));
	do {
		size_t before = c.n;

		/* A small table in tiny slices: every resume point. */
		budget = 1 + rnd() % (r->n < 64 ? 3 : 300);
		more = trie_slice_ro(t, &next, started, budget, collect_cb,
		    &c);
		assert_true(c.n - before <= budget);
		if (more)
			assert_int_equal(c.n - before, budget);
		started = 1;
	} while (more);
	assert_same(c.p, c.n, want, r->n);
}

/* The shape of root and of every top slot. */
static size_t
check_shape_all(const struct trie *t)
{
	size_t i, k = check_shape(t, t->root, NULL, 0);

	for (i = 0; t->top != NULL && i < TRIE_TOP_SLOTS; i++)
		k += check_shape(t, t->top[i], NULL, 0);
	return k;
}

static void
check_all(const struct trie *t, const struct ref *r, uint8_t aid)
{
	struct bw_prefix q;
	size_t i;

	assert_int_equal(check_shape_all(t), r->n);
	/* Every node in root or in its prefix's slot. */
	assert_int_equal(trie_check_index(t), 0);
	assert_int_equal(t->prefixes, r->n);
	assert_int_equal(t->routes, r->n);
	assert_true(t->nodes <= 2 * r->n + 1);
	for (i = 0; i < r->n; i++)
		check_query(t, r, &r->p[i]);
	for (i = 0; i < NQUERY; i++) {
		rand_prefix(r, aid, &q);
		check_query(t, r, &q);
	}
	check_order(t, r);
}

static void
run_family(uint8_t aid, uint64_t seed)
{
	static struct ref r;
	struct trie t;
	struct trie_pos pos;
	struct trie_node *n;
	struct trie_mem m;
	struct bw_prefix p;
	size_t i, k, tries = 0;

	rng = seed;
	memset(&r, 0, sizeof(r));
	tinit(&t, aid);
	while (r.n < NPFX && tries++ < 4 * NPFX) {
		rand_prefix(&r, aid, &p);
		n = trie_seek(&t, &p, &pos);
		if (ref_find(&r, &p) != SIZE_MAX) {
			/* A duplicate: found, with its route. */
			assert_non_null(n);
			assert_int_equal(n->nroutes, 1);
			continue;
		}
		assert_true(n == NULL || n->nroutes == 0);
		n = trie_add(&t, &pos, &p, 0);
		assert_non_null(n);
		memset(trie_routes(&t, n), 0, sizeof(struct rib_route));
		trie_routes(&t, n)[0].path_id = (uint32_t)p.len << 8 | p.b[0];
		r.p[r.n++] = p;
	}
	assert_true(r.n > NPFX / 2);
	check_all(&t, &r, aid);

	/* Random deletes, in two rounds, down to nothing. */
	for (k = 0; k < 3; k++) {
		size_t target = k == 2 ? 0 : r.n / 2;

		while (r.n > target) {
			i = rnd() % r.n;
			n = trie_seek(&t, &r.p[i], &pos);
			assert_non_null(n);
			assert_int_equal(n->nroutes, 1);
			trie_del(&t, &pos, 0);
			r.p[i] = r.p[--r.n];
		}
		check_all(&t, &r, aid);
	}
	trie_mem(&t, &m);
	assert_int_equal(m.nodes, 0);
	assert_int_equal(m.node_bytes, 0);
	/* At most one spare chunk per size class stays. */
	assert_true(m.reserved <= TRIE_NSLAB * SLAB_CHUNK);
	assert_true(m.reserved <= 12 * SLAB_CHUNK);
	assert_null(t.root);
	assert_null(t.top);		/* an empty trie gave it back */
	trie_clear(&t, NULL, NULL);
}

static void
test_trie_v4(void **state)
{
	(void)state;
	run_family(AID_INET, 0x9e3779b97f4a7c15ULL);
	run_family(AID_INET, 12345);
	run_family(AID_INET, 0xdeadbeef);
}

static void
test_trie_v6(void **state)
{
	(void)state;
	run_family(AID_INET6, 0x243f6a8885a308d3ULL);
	run_family(AID_INET6, 777);
	run_family(AID_INET6, 0xfeedface);
}

/*
 * trie_prefetch is a hint: whatever the batch (empty trie, prefixes
 * found by the index or not, more than TRIE_PREFETCH_MAX), nothing
 * changes, the finger included.
 */
static void
prefetch_check(struct trie *t, const struct bw_prefix *p, size_t n)
{
	size_t nodes = t->nodes, routes = t->routes, hn = t->hn;
	uint16_t fn = t->fn;
	struct trie_node *root = t->root;

	trie_prefetch(t, p, n);
	assert_int_equal(t->nodes, nodes);
	assert_int_equal(t->routes, routes);
	assert_int_equal(t->hn, hn);
	assert_int_equal(t->fn, fn);
	assert_ptr_equal(t->root, root);
}

/*
 * A table in address order (and in reverse), as a router sends it: the
 * descents start from the finger (the links of the last one).  Mixed in:
 * seeks that add nothing, deletes of random prefixes (both end the
 * finger), and the shape and every query checked at the end.
 */
static void
run_sorted(uint8_t aid, uint64_t seed, int reverse)
{
	static struct ref all, r;
	struct trie t;
	struct trie_pos pos;
	struct trie_node *n;
	struct bw_prefix p, q;
	size_t i, k, fingered = 0;

	rng = seed;
	memset(&all, 0, sizeof(all));
	memset(&r, 0, sizeof(r));
	while (all.n < NPFX) {
		rand_prefix(&all, aid, &p);
		if (ref_find(&all, &p) == SIZE_MAX)
			all.p[all.n++] = p;
	}
	qsort(all.p, all.n, sizeof(all.p[0]), cmp_pfx);
	tinit(&t, aid);
	for (k = 0; k < all.n; k++) {
		if (k % 32 == 0 && !reverse)
			prefetch_check(&t, &all.p[k], all.n - k < 80 ?
			    all.n - k : 80);
		p = all.p[reverse ? all.n - 1 - k : k];
		if (rnd() % 16 == 0 && r.n > 0) {
			/* A delete between two adds. */
			i = rnd() % r.n;
			n = trie_seek(&t, &r.p[i], &pos);
			assert_non_null(n);
			trie_del(&t, &pos, 0);
			assert_int_equal(t.fn, 0);
			r.p[i] = r.p[--r.n];
		}
		if (rnd() % 16 == 0) {
			/* A seek that adds nothing. */
			rand_prefix(&all, aid, &q);
			(void)trie_seek(&t, &q, &pos);
		}
		n = trie_seek(&t, &p, &pos);
		assert_true(n == NULL || n->nroutes == 0);
		n = trie_add(&t, &pos, &p, 0);
		assert_non_null(n);
		fingered += t.fn > 1;
		memset(trie_routes(&t, n), 0, sizeof(struct rib_route));
		trie_routes(&t, n)[0].path_id = (uint32_t)p.len << 8 | p.b[0];
		r.p[r.n++] = p;
	}
	/* The finger was in use most of the time. */
	assert_true(fingered > all.n / 2);
	check_all(&t, &r, aid);
	while (r.n > 0) {
		n = trie_seek(&t, &r.p[r.n - 1], &pos);
		assert_non_null(n);
		trie_del(&t, &pos, 0);
		r.n--;
	}
	assert_null(t.root);
	assert_null(t.top);
	trie_clear(&t, NULL, NULL);
}

static void
test_trie_sorted(void **state)
{
	(void)state;
	run_sorted(AID_INET, 42, 0);
	run_sorted(AID_INET, 43, 1);
	run_sorted(AID_INET6, 44, 0);
	run_sorted(AID_INET6, 45, 1);
}

/*
 * The index grows in steps (the old table's slots move a few per add):
 * thousands of prefixes gain a second route in random order while
 * others lose theirs, so nodes enter and leave the index while it is
 * split over two tables; every check finds the index exact and every
 * prefix with its count.
 */
#define GPOOL	6000

static void
test_trie_index_grow(void **state)
{
	static struct bw_prefix pool[GPOOL];
	static uint8_t cnt[GPOOL];
	struct trie t;
	struct trie_pos pos;
	struct trie_node *n;
	const struct trie_node *c;
	uint8_t b[16];
	size_t i, k, op, split = 0;

	(void)state;
	rng = 0x1dc0ffee;
	memset(cnt, 0, sizeof(cnt));
	for (i = 0; i < GPOOL; i++) {
		memset(b, 0, sizeof(b));
		b[0] = (uint8_t)(i >> 8);
		b[1] = (uint8_t)i;
		b[2] = (uint8_t)rnd();
		assert_int_equal(prefix_set(&pool[i], AID_INET, b,
		    (uint8_t)(16 + rnd() % 9)), 0);
	}
	tinit(&t, AID_INET);
	for (op = 0; op < 6 * GPOOL; op++) {
		i = rnd() % GPOOL;
		n = trie_seek(&t, &pool[i], &pos);
		if (cnt[i] < 3 && (cnt[i] == 0 || rnd() % 100 < 60)) {
			n = trie_add(&t, &pos, &pool[i], cnt[i]);
			assert_non_null(n);
			memset(&trie_routes(&t, n)[cnt[i]], 0,
			    sizeof(struct rib_route));
			cnt[i]++;
		} else if (cnt[i] > 0) {
			assert_non_null(n);
			trie_del(&t, &pos, 0);
			cnt[i]--;
		}
		split += t.oslot != NULL;
		if (op % 1500 == 0 || (t.oslot != NULL && op % 37 == 0)) {
			assert_int_equal(trie_check_index(&t), 0);
			for (k = 0; k < GPOOL; k++) {
				c = trie_lookup(&t, &pool[k]);
				assert_int_equal(c != NULL ? c->nroutes : 0,
				    cnt[k]);
			}
		}
	}
	/* The growth was seen half done. */
	assert_true(split > 0);
	assert_int_equal(trie_check_index(&t), 0);
	trie_clear(&t, NULL, NULL);
}

/*
 * trie_reserve while the index grows (old slots not all moved yet):
 * every entry is found after it, and the index does not grow again
 * until it holds what was reserved.  A reserve below the table's size
 * changes nothing, one past TRIE_RESERVE_MAX stops there.
 */
static void
test_trie_reserve(void **state)
{
	static struct bw_prefix pool[GPOOL];
	struct trie t;
	struct trie_pos pos;
	const struct trie_node *c;
	uint8_t b[16];
	size_t i, k, cap = 0, split = 0;

	(void)state;
	memset(b, 0, sizeof(b));
	tinit(&t, AID_INET);
	for (i = 0; i < GPOOL; i++) {
		b[0] = (uint8_t)(10 + i / 65536);
		b[1] = (uint8_t)(i >> 8);
		b[2] = (uint8_t)i;
		assert_int_equal(prefix_set(&pool[i], AID_INET, b, 24), 0);
		for (k = 0; k < 2; k++) {
			(void)trie_seek(&t, &pool[i], &pos);
			assert_non_null(trie_add(&t, &pos, &pool[i], k));
		}
		if (cap == 0 && i > 1000 && t.oslot != NULL) {
			split = 1;
			assert_int_equal(trie_reserve(&t, GPOOL), 0);
			assert_null(t.oslot);
			cap = t.hcap;
			assert_true(cap >= 2 * GPOOL);
			assert_int_equal(trie_check_index(&t), 0);
			assert_int_equal(trie_reserve(&t, 10), 0);
			assert_int_equal(t.hcap, cap);
		}
	}
	assert_true(split);	/* the reserve came in a growth */
	assert_int_equal(t.hcap, cap);
	assert_int_equal(trie_check_index(&t), 0);
	for (i = 0; i < GPOOL; i++) {
		c = trie_lookup(&t, &pool[i]);
		assert_non_null(c);
		assert_int_equal(c->nroutes, 2);
	}
	trie_clear(&t, NULL, NULL);
	tinit(&t, AID_INET);
	assert_int_equal(trie_reserve(&t, SIZE_MAX / 4), 0);
	assert_int_equal(t.hcap, 2 * ((size_t)TRIE_RESERVE_MAX + 1));
	trie_clear(&t, NULL, NULL);
}

/*
 * Many routes per prefix, as with many peers: random inserts at random
 * places and random deletes over a pool of nested prefixes, so nodes go
 * from inline to external routes and back, gain and lose children, and
 * are found through the index; contents, counts and the index checked
 * against a model all along.
 */
#define MPOOL	300
#define MMAX	40

struct mmodel {
	uint32_t	ids[MMAX];
	size_t		n;
};

static void
multi_check(const struct trie *t, const struct ref *r,
    const struct mmodel *m)
{
	const struct trie_node *n;
	size_t i, j, routes = 0, pfx = 0;

	for (i = 0; i < r->n; i++) {
		n = trie_lookup(t, &r->p[i]);
		if (m[i].n == 0) {
			assert_null(n);
			continue;
		}
		assert_non_null(n);
		assert_int_equal(n->nroutes, m[i].n);
		for (j = 0; j < m[i].n; j++)
			assert_int_equal(trie_routes(t, n)[j].path_id,
			    m[i].ids[j]);
		routes += m[i].n;
		pfx++;
	}
	assert_int_equal(t->routes, routes);
	assert_int_equal(t->prefixes, pfx);
	assert_int_equal(trie_check_index(t), 0);
}

static void
run_multi(uint8_t aid, uint64_t seed)
{
	static struct ref r;
	static struct mmodel m[MPOOL];
	struct trie t;
	struct trie_pos pos;
	struct trie_node *n;
	struct trie_mem mem;
	size_t i, at, op, id = 1;

	rng = seed;
	memset(&r, 0, sizeof(r));
	memset(m, 0, sizeof(m));
	while (r.n < MPOOL) {
		rand_prefix(&r, aid, &r.p[r.n]);
		if (ref_find(&r, &r.p[r.n]) == SIZE_MAX)
			r.n++;
	}
	tinit(&t, aid);
	for (op = 0; op < 40000; op++) {
		if (op % 7 == 0) {
			at = rnd() % (r.n - 64);
			prefetch_check(&t, &r.p[at], 1 + rnd() % 64);
		}
		i = rnd() % r.n;
		n = trie_seek(&t, &r.p[i], &pos);
		assert_int_equal(n != NULL && n->nroutes > 0, m[i].n > 0);
		/* Grow while young, then churn, then drain. */
		if (op < 30000 && m[i].n < MMAX && (m[i].n == 0 ||
		    rnd() % 100 < (op < 15000 ? 70 : 45))) {
			at = rnd() % (m[i].n + 1);
			n = trie_add(&t, &pos, &r.p[i], at);
			assert_non_null(n);
			memset(&trie_routes(&t, n)[at], 0,
			    sizeof(struct rib_route));
			trie_routes(&t, n)[at].path_id = (uint32_t)id;
			memmove(&m[i].ids[at + 1], &m[i].ids[at],
			    (m[i].n - at) * sizeof(m[i].ids[0]));
			m[i].ids[at] = (uint32_t)id++;
			m[i].n++;
		} else if (m[i].n > 0) {
			at = rnd() % m[i].n;
			assert_int_equal(trie_routes(&t, n)[at].path_id,
			    m[i].ids[at]);
			trie_del(&t, &pos, at);
			memmove(&m[i].ids[at], &m[i].ids[at + 1],
			    (m[i].n - at - 1) * sizeof(m[i].ids[0]));
			m[i].n--;
		}
		if (op % 997 == 0)
			multi_check(&t, &r, m);
	}
	for (i = 0; i < r.n; i++)
		while (m[i].n > 0) {
			n = trie_seek(&t, &r.p[i], &pos);
			trie_del(&t, &pos, --m[i].n);
		}
	multi_check(&t, &r, m);
	assert_null(t.root);
	trie_mem(&t, &mem);
	assert_int_equal(mem.nodes + mem.node_bytes + mem.route_bytes, 0);
	trie_clear(&t, NULL, NULL);
}

/*
 * The top: random IPv6 tables again on tries that have it from the first
 * prefix (topmin 0) and that make it midway (root's subtrees split into
 * the slots with routes on them, the index in use), with IPv6 prefixes
 * inside and outside its base 2000::/3.  (The tests above make it midway
 * too, at TRIE_TOP_MIN nodes.)
 */
static void
test_trie_top(void **state)
{
	(void)state;
	topv6 = 1;
	topmin = 0;
	run_family(AID_INET6, 0x70c);
	topmin = 300;
	run_multi(AID_INET6, 0x710);
	/* Under valgrind (make memcheck) the above covers the code paths;
	 * CI's time is short. */
	if (getenv("BGPWATCH_MEMCHECK") == NULL) {
		topmin = 0;
		run_sorted(AID_INET6, 0x70e, 1);
	}
	topmin = TRIE_TOP_MIN;
	topv6 = 0;
}

static const char *const edges4[] = {
	"0.0.0.0/0", "0.0.0.0/32", "0.0.0.0/16", "0.0.0.0/15", "0.0.0.0/17",
	"10.0.0.0/8", "10.0.0.0/15", "10.0.0.0/16", "10.0.0.0/17",
	"10.0.128.0/17", "10.1.0.0/16", "10.1.255.255/32", "10.0.0.1/32",
	"10.2.0.0/15", "10.3.0.0/16", "128.0.0.0/1", "255.255.0.0/16",
	"255.255.255.255/32", "255.255.255.254/31", "192.168.0.0/16",
	"192.168.0.0/24", "192.169.0.0/16", "192.168.0.0/15",
};
static const char *const edges6[] = {
	"::/0", "::/128", "::/1", "::/2", "2000::/3", "2000::/4",
	"2000::/18", "2000::/19", "2000::/20", "2000:2000::/19",
	"2000:1000::/20", "2001:db8::/32", "2001:db8::1/128",
	"3fff:e000::/19", "3fff:c000::/18",
	"3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", "4000::/3",
	"4000::/19", "1fff:ffff::/32", "1fff::/16", "fc00::/7",
	"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", "2a00::/12",
	"2a00::/19", "2a00:1::/32", "2a00:1::/48",
};

/* trie_slice's visit: empties every other node it visits, in order. */
struct rwslice {
	struct bw_prefix	 seen[64];
	size_t			 n;
};

static int
rwslice_visit(struct trie *t, struct trie_node **np, void *arg)
{
	struct rwslice *w = arg;

	assert_true(w->n < 64);
	trie_prefix(t, *np, &w->seen[w->n]);
	if (w->n++ % 2 == 0)
		trie_shrink(t, np, 0);
	return 0;
}

static void
run_edges(uint8_t aid, const char *const *s, size_t ns, size_t min)
{
	static struct ref r;
	struct rwslice w;
	struct trie t;
	struct trie_pos pos;
	struct trie_node *n;
	struct bw_prefix p, next;
	size_t i, j, k;
	int more, started;

	memset(&r, 0, sizeof(r));
	for (i = 0; i < ns; i++)
		assert_int_equal(prefix_parse(s[i], &r.p[r.n++]), 0);
	for (i = r.n - 1; i > 0; i--) {
		/* A random order. */
		j = rnd() % (i + 1);
		p = r.p[i];
		r.p[i] = r.p[j];
		r.p[j] = p;
	}
	tinit(&t, aid);
	t.topmin = min;
	for (i = 0; i < r.n; i++) {
		prefetch_check(&t, &r.p[i], r.n - i);
		n = trie_seek(&t, &r.p[i], &pos);
		assert_true(n == NULL || n->nroutes == 0);
		n = trie_add(&t, &pos, &r.p[i], 0);
		assert_non_null(n);
		memset(trie_routes(&t, n), 0, sizeof(struct rib_route));
		trie_routes(&t, n)[0].path_id = (uint32_t)r.p[i].len << 8 |
		    r.p[i].b[0];
	}
	assert_non_null(t.top);
	/* Slots in use: the walks interleave them with root's nodes. */
	for (i = k = 0; i < TRIE_TOP_SLOTS; i++)
		k += t.top[i] != NULL;
	assert_true(k >= 5);
	assert_non_null(t.root);
	check_all(&t, &r, aid);

	/* A changing walk in slices of 1 or 2 empties every other prefix
	 * (slots left empty, root's branch points merged away). */
	memset(&w, 0, sizeof(w));
	memset(&next, 0, sizeof(next));
	started = 0;
	do {
		more = trie_slice(&t, &next, started, 1 + rnd() % 2,
		    rwslice_visit, &w);
		started = 1;
	} while (more);
	qsort(r.p, r.n, sizeof(r.p[0]), cmp_pfx);
	assert_same(w.seen, w.n, r.p, r.n);
	for (i = j = 0; i < r.n; i++)
		if (i % 2 == 1)
			r.p[j++] = r.p[i];
	r.n = j;
	check_all(&t, &r, aid);

	/* The rest by trie_del, in random order. */
	while (r.n > 0) {
		i = rnd() % r.n;
		assert_non_null(trie_seek(&t, &r.p[i], &pos));
		trie_del(&t, &pos, 0);
		r.p[i] = r.p[--r.n];
		check_all(&t, &r, aid);
	}
	assert_null(t.root);
	assert_null(t.top);
	trie_clear(&t, NULL, NULL);
}

static void
test_trie_top_edges(void **state)
{
	size_t k;

	(void)state;
	rng = 0x5107;
	for (k = 0; k < (getenv("BGPWATCH_MEMCHECK") != NULL ? 2 : 4); k++) {
		run_edges(AID_INET, edges4, sizeof(edges4) / sizeof(edges4[0]),
		    k % 2 == 0 ? 0 : 6);
		run_edges(AID_INET6, edges6, sizeof(edges6) /
		    sizeof(edges6[0]), k % 2 == 0 ? 0 : 6);
	}
}

static void
test_trie_multi(void **state)
{
	(void)state;
	run_multi(AID_INET, 42);
	run_multi(AID_INET, 0x5eed);
	run_multi(AID_INET6, 99);
}

/* Many routes on one node: the node grows past the slab sizes. */
static void
test_trie_big_node(void **state)
{
	struct trie t;
	struct trie_pos pos;
	struct trie_node *n;
	struct bw_prefix p;
	struct trie_mem m;
	size_t i;

	(void)state;
	tinit(&t, AID_INET);
	assert_int_equal(prefix_parse("10.0.0.0/8", &p), 0);
	for (i = 0; i < 100; i++) {
		trie_seek(&t, &p, &pos);
		n = trie_add(&t, &pos, &p, 0);	/* always in front */
		assert_non_null(n);
		trie_routes(&t, n)[0].path_id = (uint32_t)i;
		trie_routes(&t, n)[0].attrs = NULL;
		/* No array size goes to malloc on the way (19 routes: 320
		 * bytes did, and every prefix left a hole in the heap). */
		assert_int_equal(t.big_bytes, 0);
	}
	n = trie_seek(&t, &p, &pos);
	assert_int_equal(n->nroutes, 100);
	for (i = 0; i < 100; i++)
		assert_int_equal(trie_routes(&t, n)[i].path_id, 99 - i);
	trie_mem(&t, &m);
	assert_int_equal(m.route_bytes, 100 * sizeof(struct rib_route));
	/* The header, the array pointer, and room for 104 routes. */
	assert_int_equal(m.node_bytes, t.kidoff + sizeof(struct rib_route *) +
	    4 * sizeof(struct rib_route));
	/* 104 routes (1,664 bytes) come from a slab of their size. */
	assert_int_equal(t.big_bytes, 0);
	assert_non_null(t.slab[TRIE_NCLASS + 1664 / TRIE_BIG_STEP - 1]);
	assert_int_equal(trie_check_index(&t), 0);
	for (i = 0; i < 100; i++) {
		n = trie_seek(&t, &p, &pos);
		assert_int_equal(trie_routes(&t, n)[n->nroutes - 1].path_id,
		    i);
		trie_del(&t, &pos, n->nroutes - 1U);
	}
	assert_null(t.root);
	trie_mem(&t, &m);
	assert_int_equal(m.nodes + m.node_bytes, 0);
	/* The node went through every size class; one spare chunk each. */
	assert_true(m.reserved <= TRIE_NSLAB * SLAB_CHUNK);
	trie_clear(&t, NULL, NULL);
}

/* The chunk of a slab object. */
static uintptr_t
chunk_of(const void *p)
{
	return (uintptr_t)p & ~(uintptr_t)(SLAB_CHUNK - 1);
}

/*
 * Two slabs sharing a pool of two chunks: the chunks one empties (past
 * its spare) go to the pool, the other takes them as they are, and the
 * pool never holds more than its max (the rest go back to the system).
 */
static void
test_slab_pool(void **state)
{
	static void *a[4 * 2100], *b[2 * 1100 + 1];
	struct slab_pool pool;
	struct slab sa, sb;
	size_t i, j, na = 4 * 2046, nb = 2 * 1023 + 1, lent;

	(void)state;
	memset(&pool, 0, sizeof(pool));
	pool.max = 2;
	slab_init(&sa, 32);	/* 2046 a chunk */
	slab_init(&sb, 64);	/* 1023 a chunk */
	slab_share(&sa, &pool);
	slab_share(&sb, &pool);
	for (i = 0; i < na; i++) {
		assert_non_null(a[i] = slab_alloc(&sa));
		memset(a[i], 0xa5, 32);
	}
	assert_int_equal(slab_reserved(&sa), 4 * SLAB_CHUNK);
	for (i = 0; i < na; i++)
		slab_free(&sa, a[i]);
	/* One spare kept, two pooled, one given back. */
	assert_int_equal(pool.n, 2);
	assert_int_equal(slab_reserved(&sa), SLAB_CHUNK);
	for (i = 0; i < nb; i++) {
		assert_non_null(b[i] = slab_alloc(&sb));
		memset(b[i], 0x5a, 64);
	}
	assert_int_equal(pool.n, 0);
	assert_int_equal(slab_reserved(&sb), 3 * SLAB_CHUNK);
	/* sb's first two chunks were sa's. */
	for (i = lent = 0; i < nb; i++)
		for (j = 0; j < na; j += 2046)
			if (chunk_of(b[i]) == chunk_of(a[j])) {
				lent++;
				break;
			}
	assert_int_equal(lent, 2 * 1023);
	for (i = 0; i < nb; i++) {
		assert_int_equal(((unsigned char *)b[i])[63], 0x5a);
		slab_free(&sb, b[i]);
	}
	assert_int_equal(pool.n, 2);
	assert_int_equal(slab_reserved(&sb), SLAB_CHUNK);
	/* Released together, then the pool forgets its chunks. */
	slab_release(&sa);
	slab_release(&sb);
	slab_pool_reset(&pool);
	assert_int_equal(pool.n, 0);
}

/*
 * A replay's slab (slab_huge_pages) maps whole huge pages from
 * SLAB_HUGE_FROM chunks on: one batch of SLAB_BATCH_MAX chunks aligned
 * to SLAB_HUGE, well before the 4 MiB a live slab's batches reach.
 */
static void
test_slab_huge(void **state)
{
	static void *o[40 * 15];
	struct slab s;
	size_t i, k, before;

	(void)state;
	slab_huge_pages(1);
	slab_init(&s, 4096);	/* 15 a chunk */
	for (i = 0; i < 40 * 15; i++) {
		assert_non_null(o[i] = slab_alloc(&s));
		memset(o[i], 0x3c, 4096);
		if (s.batch[s.nbatch - 1].n == SLAB_BATCH_MAX)
			break;
	}
	slab_huge_pages(0);
	assert_true(i < 40 * 15);
	assert_int_equal((uintptr_t)s.batch[s.nbatch - 1].p % SLAB_HUGE, 0);
	for (k = before = 0; k + 1 < s.nbatch; k++)
		before += s.batch[k].n;
	assert_true(before >= SLAB_HUGE_FROM && before < 2 * SLAB_HUGE_FROM);
	/* The objects are where they were put. */
	for (k = 0; k <= i; k++) {
		assert_int_equal(((unsigned char *)o[k])[4095], 0x3c);
		slab_free(&s, o[k]);
	}
	slab_destroy(&s);
}

/*
 * The VmFlags of the mapping holding p (/proc/self/smaps) have flag
 * ("hg": MADV_HUGEPAGE, "nh": MADV_NOHUGEPAGE): 1, 0, or -1 when p is in
 * no mapping.
 */
static int
vma_flag(const void *p, const char *flag)
{
	char line[512], want[8];
	unsigned long lo, hi;
	int in = 0, found = -1;
	FILE *f;

	snprintf(want, sizeof(want), " %s", flag);
	assert_non_null(f = fopen("/proc/self/smaps", "r"));
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
			in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
		else if (in && strncmp(line, "VmFlags:", 8) == 0) {
			line[strcspn(line, "\n")] = ' ';
			found = strstr(line, want) != NULL;
			break;
		}
	}
	fclose(f);
	return found;
}

/* Whether any page of the chunk at c is resident. */
static int
chunk_resident(const void *c)
{
	unsigned char vec[SLAB_CHUNK / 4096];
	size_t i;

	assert_int_equal(mincore((void *)(uintptr_t)c, SLAB_CHUNK, vec), 0);
	for (i = 0; i < sizeof(vec); i++)
		if (vec[i] & 1)
			return 1;
	return 0;
}

/*
 * A live slab that grows in huge pages (slab_huge_grow): from
 * SLAB_HUGE_FROM chunks on its batches are whole huge pages marked for
 * THP; a chunk of one given back (a flush) takes its huge page out of
 * THP (so khugepaged does not fill the hole again) and its pages go,
 * also when the chunk went through the pool to another slab first, and
 * with them the slab's never used chunks of that huge page; the slab
 * keeps growing in huge pages after slab_release.
 */
static void
test_slab_huge_grow(void **state)
{
	static void *o[64 * 15], *q[2 * 31];
	struct slab_pool pool;
	struct slab s, t;
	uintptr_t hc;
	size_t i, k, first;
	int res;

	(void)state;
	memset(&pool, 0, sizeof(pool));
	pool.max = 1;
	slab_init(&s, 4096);	/* 15 a chunk */
	slab_init(&t, 2048);	/* 31 a chunk */
	slab_share(&s, &pool);
	slab_share(&t, &pool);
	slab_huge_grow(&s, 1);
	/* s: full chunks up to the 34th of its first huge batch. */
	for (i = 0; i < 64 * 15; i++) {
		assert_non_null(o[i] = slab_alloc(&s));
		memset(o[i], 0x3c, 4096);
		if (s.batch[s.nbatch - 1].n == SLAB_BATCH_MAX &&
		    s.nreserve == SLAB_BATCH_MAX - 34 && (i + 1) % 15 == 0)
			break;
	}
	assert_true(i < 64 * 15);
	hc = (uintptr_t)s.batch[s.nbatch - 1].p;
	assert_int_equal(hc % SLAB_HUGE, 0);
	if (vma_flag((void *)hc, "hg") != 1)
		skip();		/* no THP in this kernel */
	assert_int_equal(vma_flag((void *)hc, "nh"), 0);
	first = i + 1 - 34 * 15;
	assert_int_equal(chunk_of(o[first]), hc);
	/* t: one chunk of its own, in 4 KiB pages. */
	for (k = 0; k < 31; k++)
		assert_non_null(q[k] = slab_alloc(&t));
	assert_int_equal(vma_flag(q[0], "hg"), 0);
	/* s empties its first chunk (the spare), its 33rd (to the pool),
	 * then its second: given back. */
	for (k = first; k < first + 15; k++)
		slab_free(&s, o[k]);
	for (k = first + 32 * 15; k < first + 33 * 15; k++)
		slab_free(&s, o[k]);
	assert_int_equal(pool.n, 1);
	assert_int_equal((uintptr_t)pool.c[0], hc + 32 * SLAB_CHUNK);
	assert_int_equal(vma_flag((void *)hc, "nh"), 0);
	for (k = first + 15; k < first + 2 * 15; k++)
		slab_free(&s, o[k]);
	/* Its huge page out of THP, its pages gone; the next huge page
	 * (the pooled chunk's) still in THP. */
	assert_int_equal(vma_flag((void *)(hc + SLAB_CHUNK), "nh"), 1);
	assert_int_equal(chunk_resident((void *)(hc + SLAB_CHUNK)), 0);
	assert_int_equal(vma_flag((void *)(hc + SLAB_HUGE), "nh"), 0);
	assert_int_equal(vma_flag((void *)(hc + SLAB_HUGE), "hg"), 1);
	/* t takes the pooled chunk, fills and empties it past its spare:
	 * that huge page goes out of THP too, its pages gone. */
	for (k = 31; k < 2 * 31; k++)
		assert_non_null(q[k] = slab_alloc(&t));
	assert_int_equal(pool.n, 0);
	assert_int_equal(chunk_of(q[31]), hc + 32 * SLAB_CHUNK);
	assert_int_equal(chunk_resident((void *)(hc + 32 * SLAB_CHUNK)), 1);
	pool.max = 0;
	for (k = 0; k < 2 * 31; k++)
		slab_free(&t, q[k]);
	assert_int_equal(vma_flag((void *)(hc + SLAB_HUGE), "nh"), 1);
	assert_int_equal(chunk_resident((void *)(hc + 32 * SLAB_CHUNK)), 0);
	/* s gives back its 34th: its never used chunks in that huge page
	 * (populated with it) go too. */
	res = chunk_resident((void *)(hc + 34 * SLAB_CHUNK));
	for (k = first + 33 * 15; k < first + 34 * 15; k++)
		slab_free(&s, o[k]);
	assert_int_equal(chunk_resident((void *)(hc + 33 * SLAB_CHUNK)), 0);
	assert_int_equal(chunk_resident((void *)(hc + 34 * SLAB_CHUNK)), 0);
	assert_int_equal(chunk_resident((void *)(hc + 63 * SLAB_CHUNK)), 0);
	/* The rest of s where it was put. */
	for (k = 0; k < first; k++)
		assert_int_equal(((unsigned char *)o[k])[4095], 0x3c);
	for (k = first + 2 * 15; k < first + 32 * 15; k++)
		assert_int_equal(((unsigned char *)o[k])[4095], 0x3c);
	/* And s grows on from its reserve. */
	assert_non_null(o[0] = slab_alloc(&s));
	memset(o[0], 0x3c, 4096);
	if (!res)
		print_message("no huge page backed the batch: "
		    "the reserve's give-back not tested\n");
	slab_release(&s);
	slab_release(&t);
	slab_pool_reset(&pool);
	assert_int_equal(s.huge, 1);
}

/*
 * A table's bytes (slab_table_size): as asked, except in a replay from
 * SLAB_HUGE_TABLE on, whole huge pages; such a table is mapped aligned
 * and zeroed, and goes back with the same length.
 */
static void
test_slab_table_size(void **state)
{
	size_t len;
	uint8_t *p;

	(void)state;
	assert_int_equal(slab_table_size(3 << 19), 3 << 19);
	slab_huge_pages(1);
	assert_int_equal(slab_table_size(100000), 100000);
	assert_int_equal(slab_table_size(SLAB_HUGE_TABLE - 8),
	    SLAB_HUGE_TABLE - 8);
	assert_int_equal(slab_table_size(SLAB_HUGE_TABLE), SLAB_HUGE);
	assert_int_equal(slab_table_size(3 << 19), SLAB_HUGE);
	assert_int_equal(slab_table_size(SLAB_HUGE), SLAB_HUGE);
	assert_int_equal(slab_table_size(SLAB_HUGE + 12), 2 * SLAB_HUGE);
	len = slab_table_size(3 << 19);
	slab_huge_pages(0);
	assert_non_null(p = slab_table_alloc(len));
	assert_int_equal((uintptr_t)p % SLAB_HUGE, 0);
	assert_int_equal(p[0] | p[len - 1], 0);
	memset(p, 0xff, len);
	slab_table_free(p, len);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trie_v4),
		cmocka_unit_test(test_trie_v6),
		cmocka_unit_test(test_trie_big_node),
		cmocka_unit_test(test_trie_multi),
		cmocka_unit_test(test_trie_top),
		cmocka_unit_test(test_trie_top_edges),
		cmocka_unit_test(test_trie_sorted),
		cmocka_unit_test(test_trie_index_grow),
		cmocka_unit_test(test_trie_reserve),
		cmocka_unit_test(test_slab_pool),
		cmocka_unit_test(test_slab_huge),
		cmocka_unit_test(test_slab_huge_grow),
		cmocka_unit_test(test_slab_table_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
