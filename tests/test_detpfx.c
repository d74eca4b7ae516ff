/*
 * The detector's table of member prefixes (bgpd/detect/detpfx.c): one
 * entry per prefix whatever its family and length, stable ids through
 * growth, and each entry's memberships in the order they were made.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "detect_priv.h"
#include "slab.h"

#define N4	150000		/* IPv4 prefixes: the index grows 9 times */

static struct bw_prefix
v4(uint32_t i, uint8_t len)
{
	struct bw_prefix p;
	uint32_t a = (0x01000000u + i * 256) & (len ? ~0u << (32 - len) : 0);
	uint8_t b[4] = { (uint8_t)(a >> 24), (uint8_t)(a >> 16),
	    (uint8_t)(a >> 8), (uint8_t)a };

	prefix_set(&p, AID_INET, b, len);
	return p;
}

static struct bw_prefix
v6(uint32_t i, uint8_t len)
{
	struct bw_prefix p;
	uint8_t b[16];

	memset(b, 0, sizeof(b));
	b[0] = 0x20;
	b[1] = 0x01;
	b[2] = (uint8_t)(i >> 8);
	b[3] = (uint8_t)i;
	prefix_set(&p, AID_INET6, b, len);
	return p;
}

static void
test_entries(void **state)
{
	struct det_ptab t;
	struct bw_prefix p, q;
	uint32_t i, *id, moving = 0;

	(void)state;
	memset(&t, 0, sizeof(t));
	assert_int_equal(det_ptab_find(&t, &(struct bw_prefix){ 0 }),
	    UINT32_MAX);
	assert_non_null(id = calloc(N4, sizeof(*id)));
	for (i = 0; i < N4; i++) {
		p = v4(i, 24);
		id[i] = det_ptab_add(&t, &p);
		assert_int_equal(id[i], i);		/* ids in order */
		assert_int_equal(det_ptab_add(&t, &p), id[i]);	/* once */
		/* While a doubling moves: in one index or the other. */
		if (t.oidx != NULL) {
			moving++;
			p = v4(i / 2, 24);
			assert_int_equal(det_ptab_find(&t, &p), i / 2);
			assert_int_equal(det_ptab_add(&t, &p), i / 2);
		}
	}
	assert_true(moving > N4 / 16);	/* the doublings moved in steps */
	assert_int_equal(t.n, N4);
	/* Every id holds through the growth; the entry is the prefix. */
	for (i = 0; i < N4; i++) {
		p = v4(i, 24);
		assert_int_equal(det_ptab_find(&t, &p), id[i]);
		assert_memory_equal(&t.ent[id[i]].p, &p, sizeof(p));
		assert_int_equal(t.ent[id[i]].first, UINT32_MAX);
	}
	/* Same address, other length; same bytes, other family: others. */
	p = v4(7, 23);
	assert_int_equal(det_ptab_find(&t, &p), UINT32_MAX);
	p = v4(8, 22);
	q = v4(8, 24);
	assert_memory_not_equal(&p, &q, sizeof(p));
	assert_int_equal(det_ptab_find(&t, &p), UINT32_MAX);
	assert_int_equal(det_ptab_add(&t, &p), N4);
	assert_int_equal(det_ptab_find(&t, &q), id[8]);
	for (i = 0; i < 1000; i++) {
		p = v6(i, 48);
		assert_int_equal(det_ptab_find(&t, &p), UINT32_MAX);
		assert_int_equal(det_ptab_add(&t, &p), N4 + 1 + i);
	}
	for (i = 0; i < 1000; i++) {
		p = v6(i, 48);
		assert_int_equal(det_ptab_find(&t, &p), N4 + 1 + i);
		p = v6(i, 47 - (i % 2) * 15);	/* /47, /32: not there */
		assert_int_equal(det_ptab_find(&t, &p), UINT32_MAX);
	}
	/* At most three quarters full, whatever the growth. */
	assert_true(t.n * 4 <= t.cap * 3);
	assert_true(t.n * 8 > t.cap * 3);	/* and not overgrown */
	det_ptab_clear(&t);
	assert_int_equal(t.n, 0);
	p = v4(1, 24);
	assert_int_equal(det_ptab_find(&t, &p), UINT32_MAX);
	free(id);
}

static void
test_members(void **state)
{
	struct det_ptab t;
	struct bw_prefix p;
	struct det_mem *m;
	uint32_t e[64], made, i, r, want;

	(void)state;
	memset(&t, 0, sizeof(t));
	for (i = 0; i < 64; i++) {
		p = v4(i, 24);
		e[i] = det_ptab_add(&t, &p);
	}
	/* Entry i gets regions i % 7 .. i % 7 + i % 5, interleaved. */
	for (r = 0; r < 12; r++)
		for (i = 0; i < 64; i++) {
			if (r < i % 7 || r > i % 7 + i % 5)
				continue;
			assert_null(det_ptab_member(&t, e[i], (uint16_t)r, 0,
			    &made));
			assert_int_equal(made, UINT32_MAX);
			m = det_ptab_member(&t, e[i], (uint16_t)r, 1, &made);
			assert_non_null(m);
			assert_int_not_equal(made, UINT32_MAX);
			assert_ptr_equal(m, &t.mem[made]);
			assert_int_equal(m->region, r);
			assert_int_equal(m->pent, e[i]);
			assert_int_equal(m->vis, 0);
			assert_int_equal(m->arow, DET_AROW_NONE);
			assert_int_equal(m->cvis, 0);
			assert_int_equal(sizeof(*m), 16);
			m->vis = (uint16_t)(1000 + i * 16 + r);
		}
	/* Found again, not made again; the values stayed through growth. */
	for (i = 0; i < 64; i++) {
		want = i % 7;
		for (made = t.ent[e[i]].first; made != UINT32_MAX;
		    made = t.mem[made].next, want++) {
			/* In the order they were made. */
			assert_int_equal(t.mem[made].region, want);
			assert_int_equal(t.mem[made].vis, 1000 + i * 16 + want);
		}
		assert_int_equal(want, i % 7 + i % 5 + 1);
		for (r = 0; r < 12; r++) {
			m = det_ptab_member(&t, e[i], (uint16_t)r, 1, &made);
			if (r < i % 7 || r > i % 7 + i % 5) {
				assert_int_not_equal(made, UINT32_MAX);
				continue;	/* made now */
			}
			assert_int_equal(made, UINT32_MAX);
			assert_int_equal(m->vis, 1000 + i * 16 + r);
		}
	}
	det_ptab_clear(&t);
}

/*
 * The chunk map (detmap.c) through its incremental doublings: every key
 * found with the value written through its pointer, made once, also
 * while the table before is still moving.
 */
static void
test_map(void **state)
{
	struct det_map m;
	uint32_t *v, i, moving = 0;
	int made;

	(void)state;
	memset(&m, 0, sizeof(m));
	for (i = 1; i <= N4; i++) {
		v = det_map_slot(&m, (uint64_t)i * 7919, &made);
		assert_true(made);
		assert_int_equal(*v, UINT32_MAX);
		*v = i;
		if (m.okey != NULL) {
			moving++;
			v = det_map_slot(&m, (uint64_t)(i / 2 + 1) * 7919,
			    &made);
			assert_false(made);
			assert_int_equal(*v, i / 2 + 1);
		}
	}
	assert_true(moving > 0);
	assert_int_equal(m.n, N4);
	for (i = 1; i <= N4; i++) {
		v = det_map_slot(&m, (uint64_t)i * 7919, &made);
		assert_false(made);
		assert_int_equal(*v, i);
	}
	assert_int_equal(m.n, N4);
	det_map_reserve(&m, 4 * N4);
	assert_null(m.okey);
	for (i = 1; i <= N4; i++)
		assert_int_equal(*det_map_slot(&m, (uint64_t)i * 7919,
		    &made), i);
	det_map_clear(&m);
}

/*
 * det_grow_big: past DET_HUGE_MIN bytes an array moves to whole huge
 * pages (aligned; from malloc by a copy, then by mremap onto a new
 * aligned mapping), every element kept through each growth.
 */
static void
test_grow_big(void **state)
{
	struct det_mem *a = NULL;
	size_t cap = 0, n = 0, i, want = 3 * DET_HUGE_MIN / sizeof(*a);
	int big = 0, moved = 0;

	(void)state;
	while (n < want) {
		a = det_grow_big(a, &cap, n + 1, sizeof(*a));
		assert_true(cap > n);
		if (cap * sizeof(*a) > DET_HUGE_MIN) {
			assert_int_equal((uintptr_t)a % SLAB_HUGE, 0);
			assert_int_equal(cap * sizeof(*a) % SLAB_HUGE, 0);
			moved += big;
			big = 1;
		}
		/* Fill to capacity, then check all of it on the next grow. */
		for (; n < cap; n++) {
			a[n].pent = (uint32_t)n & DET_MAX_PENT;
			a[n].next = (uint32_t)(n * 7);
		}
		for (i = 0; i < n; i++)
			if (a[i].next != (uint32_t)(i * 7) ||
			    a[i].pent != ((uint32_t)i & DET_MAX_PENT))
				fail_msg("element %zu lost at cap %zu", i, cap);
	}
	assert_true(big);
	assert_true(moved > 0);		/* grown by mremap at least once */
	det_big_free(a, cap, sizeof(*a));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entries),
		cmocka_unit_test(test_members),
		cmocka_unit_test(test_map),
		cmocka_unit_test(test_grow_big),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
