/*
 * keysort: the order of a stable sort by (k[0], k[1], k[2]) for keys
 * that differ in one word or in all, with many ties or none, against
 * qsort() with the original position as the last key.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "keysort.h"
#include "rnd_util.h"

static uint64_t rng = 88172645463325252ULL;

static uint64_t
rnd(void)
{
	return xorshift64(&rng);
}

static int
ref_cmp(const void *a, const void *b)
{
	const struct keysort *x = a, *y = b;
	int w;

	for (w = 0; w < 3; w++)
		if (x->k[w] != y->k[w])
			return x->k[w] < y->k[w] ? -1 : 1;
	/* v holds the original position here: the stable order. */
	return x->v < y->v ? -1 : x->v > y->v;
}

/* n keys, word w's bits under mask[w]; sorted both ways, compared. */
static void
check(size_t n, const uint64_t mask[3])
{
	struct keysort *a, *ref;
	size_t i;

	a = calloc(n + 1, sizeof(*a));
	ref = calloc(n + 1, sizeof(*ref));
	assert_non_null(a);
	assert_non_null(ref);
	for (i = 0; i < n; i++) {
		a[i].k[0] = rnd() & mask[0];
		a[i].k[1] = rnd() & mask[1];
		a[i].k[2] = rnd() & mask[2];
		a[i].v = i;
	}
	memcpy(ref, a, n * sizeof(*a));
	qsort(ref, n, sizeof(*ref), ref_cmp);
	assert_int_equal(keysort(a, n), 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(a[i].k[0], ref[i].k[0]);
		assert_int_equal(a[i].k[1], ref[i].k[1]);
		assert_int_equal(a[i].k[2], ref[i].k[2]);
		assert_int_equal(a[i].v, ref[i].v);	/* ties in order */
	}
	free(a);
	free(ref);
}

static void
test_orders(void **state)
{
	static const uint64_t masks[][3] = {
		{ ~0ULL, ~0ULL, ~0ULL },		/* all differ */
		{ 0x7, 0, 0x3 },			/* ties everywhere */
		{ 0, 0, 0 },				/* all equal */
		{ 0xff00000000000000ULL, 0, 0xff },	/* high and low bytes */
		{ 0, 0xffff0000ULL, 0 },		/* the middle word */
		{ 0x0001000100010001ULL, 0x8000000000000001ULL,
		    0x0100000000000080ULL },		/* lone bits */
	};
	static const size_t sizes[] = { 0, 1, 2, 3, 17, 256, 4099, 100000 };
	size_t m, s;

	(void)state;
	for (m = 0; m < sizeof(masks) / sizeof(masks[0]); m++)
		for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
			check(sizes[s], masks[m]);
}

/* Already sorted, and backwards. */
static void
test_runs(void **state)
{
	struct keysort a[1000];
	size_t i;

	(void)state;
	memset(a, 0, sizeof(a));
	for (i = 0; i < 1000; i++) {
		a[i].k[0] = i / 10;
		a[i].k[2] = 999 - i;
		a[i].v = i;
	}
	assert_int_equal(keysort(a, 1000), 0);
	for (i = 0; i < 1000; i++) {
		/* Within each k[0], k[2] ascends: the ten reversed. */
		assert_int_equal(a[i].k[0], i / 10);
		assert_int_equal(a[i].v, (i / 10) * 10 + 9 - i % 10);
	}
	assert_int_equal(keysort(a, 1000), 0);	/* sorted stays */
	for (i = 0; i < 1000; i++)
		assert_int_equal(a[i].v, (i / 10) * 10 + 9 - i % 10);
}

struct elem {
	uint16_t	key;
	uint32_t	pos;
	char		pad[5];
};

static void
elem_key(const void *e, struct keysort *k)
{
	k->k[0] = ((const struct elem *)e)->key;
	k->k[1] = k->k[2] = 0;
}

static int
elem_cmp(const void *a, const void *b)
{
	const struct elem *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

/* keysort_array moves whole elements, ties in their order. */
static void
test_array(void **state)
{
	static const size_t sizes[] = { 0, 1, 5, 48, 49, 1000, 20000 };
	struct elem *a;
	size_t s, i, n;

	(void)state;
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		n = sizes[s];
		a = calloc(n + 1, sizeof(*a));
		assert_non_null(a);
		for (i = 0; i < n; i++) {
			a[i].key = (uint16_t)(rnd() % 97);
			a[i].pos = (uint32_t)i;
			memset(a[i].pad, (int)(i & 0x7f), sizeof(a[i].pad));
		}
		keysort_array(a, n, sizeof(*a), elem_key, elem_cmp);
		for (i = 0; i < n; i++) {
			assert_int_equal(a[i].pad[4], (char)(a[i].pos & 0x7f));
			if (i == 0)
				continue;
			assert_true(a[i - 1].key <= a[i].key);
			if (a[i - 1].key == a[i].key)
				assert_true(a[i - 1].pos < a[i].pos);
		}
		free(a);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_orders),
		cmocka_unit_test(test_runs),
		cmocka_unit_test(test_array),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
