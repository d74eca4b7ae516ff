/*
 * Interned attribute sets: equal attributes give the same set, a change
 * in any one field gives another, blobs are shared between sets, and
 * reference counts bring the tables back to empty.
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
#include "slab.h"
#include "update.h"

/* AS_SEQUENCE 64500 64501 64502 */
static const uint8_t aspath1[] = {
	2, 3, 0, 0, 0xfb, 0xf4, 0, 0, 0xfb, 0xf5, 0, 0, 0xfb, 0xf6
};
/* AS_SEQUENCE 64500 64501 64503 */
static const uint8_t aspath2[] = {
	2, 3, 0, 0, 0xfb, 0xf4, 0, 0, 0xfb, 0xf5, 0, 0, 0xfb, 0xf7
};
static const uint8_t comm1[] = { 0xfb, 0xf4, 0, 1, 0xfb, 0xf4, 0, 2 };
static const uint8_t comm2[] = { 0xfb, 0xf4, 0, 1, 0xfb, 0xf4, 0, 3 };
static const uint8_t ext1[] = { 0, 2, 0xfb, 0xf4, 0, 0, 0, 1 };
static const uint8_t large1[] = { 0, 0, 0xfb, 0xf4, 0, 0, 0, 1, 0, 0, 0, 2 };
static const uint8_t clist1[] = { 10, 0, 0, 1, 10, 0, 0, 2 };
/* An unknown optional transitive attribute 99, 3 bytes; and ORIGIN. */
static const uint8_t raw1[] = { 0xc0, 99, 3, 'a', 'b', 'c', 0x40, 1, 1, 0 };

static void
view(struct bgp_view *v, const uint8_t *p, size_t len)
{
	v->p = p;
	v->len = (uint32_t)len;
}

/* A set with most attributes present; buffers are copies (not shared). */
static void
base_attrs(struct bgp_attrs *a, uint8_t *bufs)
{
	memset(a, 0, sizeof(*a));
	a->present = ATTR_BIT(ATTR_ORIGIN) | ATTR_BIT(ATTR_AS_PATH) |
	    ATTR_BIT(ATTR_NEXT_HOP) | ATTR_BIT(ATTR_MED) |
	    ATTR_BIT(ATTR_COMMUNITIES);
	a->origin = ORIGIN_IGP;
	memcpy(bufs, aspath1, sizeof(aspath1));
	view(&a->aspath, bufs, sizeof(aspath1));
	memcpy(bufs + 64, comm1, sizeof(comm1));
	view(&a->communities, bufs + 64, sizeof(comm1));
	assert_int_equal(addr_parse("192.0.2.1", &a->nexthop), 0);
	a->med = 100;
}

static void
test_intern_equal(void **state)
{
	struct intern *in = intern_new();
	struct intern_mem m;
	struct bgp_attrs a, b;
	uint8_t ba[128], bb[128];
	struct rattr *r1, *r2;
	struct bgp_view v;

	(void)state;
	base_attrs(&a, ba);
	base_attrs(&b, bb);
	r1 = intern_attrs(in, &a);
	r2 = intern_attrs(in, &b);
	assert_non_null(r1);
	assert_ptr_equal(r1, r2);
	assert_int_equal(r1->refcnt, 2);
	assert_int_equal(r1->origin, ORIGIN_IGP);
	assert_int_equal(r1->origin_as, 64502);
	assert_int_equal(r1->flags, RATTR_MED);
	assert_int_equal(r1->med, 100);
	assert_null(r1->large_communities);
	assert_null(r1->ext_communities);
	assert_null(r1->other);
	v = iblob_view(r1->aspath);
	assert_int_equal(v.len, sizeof(aspath1));
	assert_memory_equal(v.p, aspath1, sizeof(aspath1));
	v = iblob_view(r1->communities);
	assert_memory_equal(v.p, comm1, sizeof(comm1));
	assert_int_equal(iblob_view(NULL).len, 0);
	intern_mem(in, &m);
	assert_int_equal(m.attrs, 1);
	assert_int_equal(m.blobs, 2);
	rattr_ref(r1);
	assert_int_equal(r1->refcnt, 3);
	rattr_unref(in, r1);
	rattr_unref(in, r1);
	intern_mem(in, &m);
	assert_int_equal(m.attrs, 1);
	rattr_unref(in, r2);
	intern_mem(in, &m);
	assert_int_equal(m.attrs + m.blobs + m.attr_bytes + m.blob_bytes, 0);
	rattr_unref(in, NULL);
	intern_free(in);
}

enum mutation {
	MUT_ORIGIN, MUT_ORIGIN_ABSENT, MUT_ASPATH, MUT_ASPATH_ABSENT,
	MUT_NEXTHOP, MUT_NEXTHOP6, MUT_NH_LL, MUT_MED, MUT_MED_ABSENT,
	MUT_LOCAL_PREF, MUT_LOCAL_PREF0, MUT_ATOMIC, MUT_AGGR_AS, MUT_AGGR_ID,
	MUT_COMM, MUT_COMM_ABSENT, MUT_EXT, MUT_LARGE, MUT_ORIGINATOR,
	MUT_CLUSTER, MUT_OTC, MUT_UNKNOWN, MUT_MAX
};

static void
mutate(struct bgp_attrs *a, int m)
{
	switch (m) {
	case MUT_ORIGIN:
		a->origin = ORIGIN_EGP;
		break;
	case MUT_ORIGIN_ABSENT:
		a->present &= ~ATTR_BIT(ATTR_ORIGIN);
		break;
	case MUT_ASPATH:
		view(&a->aspath, aspath2, sizeof(aspath2));
		break;
	case MUT_ASPATH_ABSENT:
		a->present &= ~ATTR_BIT(ATTR_AS_PATH);
		break;
	case MUT_NEXTHOP:
		assert_int_equal(addr_parse("192.0.2.2", &a->nexthop), 0);
		break;
	case MUT_NEXTHOP6:
		assert_int_equal(addr_parse("c000:201::", &a->nexthop), 0);
		break;
	case MUT_NH_LL:
		assert_int_equal(addr_parse("fe80::1", &a->nexthop_ll), 0);
		break;
	case MUT_MED:
		a->med = 101;
		break;
	case MUT_MED_ABSENT:
		a->present &= ~ATTR_BIT(ATTR_MED);
		break;
	case MUT_LOCAL_PREF:
		a->present |= ATTR_BIT(ATTR_LOCAL_PREF);
		a->local_pref = 100;
		break;
	case MUT_LOCAL_PREF0:
		a->present |= ATTR_BIT(ATTR_LOCAL_PREF);
		break;
	case MUT_ATOMIC:
		a->present |= ATTR_BIT(ATTR_ATOMIC_AGGREGATE);
		break;
	case MUT_AGGR_AS:
		a->present |= ATTR_BIT(ATTR_AGGREGATOR);
		a->aggr_as = 64500;
		break;
	case MUT_AGGR_ID:
		a->present |= ATTR_BIT(ATTR_AGGREGATOR);
		a->aggr_id = 1;
		break;
	case MUT_COMM:
		view(&a->communities, comm2, sizeof(comm2));
		break;
	case MUT_COMM_ABSENT:
		a->present &= ~ATTR_BIT(ATTR_COMMUNITIES);
		break;
	case MUT_EXT:
		a->present |= ATTR_BIT(ATTR_EXT_COMMUNITIES);
		view(&a->ext_communities, ext1, sizeof(ext1));
		break;
	case MUT_LARGE:
		a->present |= ATTR_BIT(ATTR_LARGE_COMMUNITIES);
		view(&a->large_communities, large1, sizeof(large1));
		break;
	case MUT_ORIGINATOR:
		a->present |= ATTR_BIT(ATTR_ORIGINATOR_ID);
		a->originator_id = 0x0a000001;
		break;
	case MUT_CLUSTER:
		a->present |= ATTR_BIT(ATTR_CLUSTER_LIST);
		view(&a->cluster_list, clist1, sizeof(clist1));
		break;
	case MUT_OTC:
		a->present |= ATTR_BIT(ATTR_OTC);
		a->otc = 64500;
		break;
	case MUT_UNKNOWN:
		view(&a->raw, raw1, sizeof(raw1));
		a->n_unknown = 1;
		break;
	}
}

/* Each field on its own makes another set; the same change the same. */
static void
test_intern_fields(void **state)
{
	struct intern *in = intern_new();
	struct rattr *base, *r[MUT_MAX], *again;
	struct bgp_attrs a;
	struct intern_mem m;
	uint8_t buf[128];
	int i, j;

	(void)state;
	base_attrs(&a, buf);
	base = intern_attrs(in, &a);
	for (i = 0; i < MUT_MAX; i++) {
		base_attrs(&a, buf);
		mutate(&a, i);
		r[i] = intern_attrs(in, &a);
		assert_non_null(r[i]);
		assert_ptr_not_equal(r[i], base);
		for (j = 0; j < i; j++)
			assert_ptr_not_equal(r[i], r[j]);
		again = intern_attrs(in, &a);
		assert_ptr_equal(again, r[i]);
		rattr_unref(in, again);
	}
	intern_mem(in, &m);
	assert_int_equal(m.attrs, MUT_MAX + 1);
	/* Sets that differ elsewhere share their AS path blob. */
	assert_ptr_equal(r[MUT_MED]->aspath, base->aspath);
	assert_ptr_not_equal(r[MUT_ASPATH]->aspath, base->aspath);
	assert_null(r[MUT_ASPATH_ABSENT]->aspath);
	assert_int_equal(r[MUT_ASPATH_ABSENT]->origin_as, 0);
	assert_int_equal(r[MUT_ASPATH]->origin_as, 64503);
	assert_int_equal(r[MUT_ORIGIN_ABSENT]->origin, RATTR_ORIGIN_NONE);
	assert_int_equal(r[MUT_MED_ABSENT]->flags, 0);
	assert_int_equal(r[MUT_LOCAL_PREF0]->flags,
	    RATTR_MED | RATTR_LOCAL_PREF);
	assert_int_equal(r[MUT_AGGR_AS]->aggr_as, 64500);
	assert_int_equal(r[MUT_NEXTHOP6]->nexthop.aid, AID_INET6);
	/* The other records. */
	{
		struct bgp_view v;
		uint8_t flags;

		assert_int_equal(rattr_other_find(r[MUT_CLUSTER],
		    ATTR_CLUSTER_LIST, &flags, &v), 1);
		assert_int_equal(v.len, sizeof(clist1));
		assert_memory_equal(v.p, clist1, sizeof(clist1));
		assert_int_equal(rattr_other_find(r[MUT_UNKNOWN], 99, &flags,
		    &v), 1);
		assert_int_equal(flags, 0xc0);
		assert_int_equal(v.len, 3);
		assert_memory_equal(v.p, "abc", 3);
		assert_int_equal(rattr_other_find(r[MUT_UNKNOWN],
		    ATTR_CLUSTER_LIST, &flags, &v), 0);
		assert_int_equal(rattr_other_find(r[MUT_NH_LL],
		    RATTR_OTHER_NH_LL, &flags, &v), 1);
		assert_int_equal(v.len, 16);
		assert_int_equal(v.p[0], 0xfe);
		assert_int_equal(rattr_other_find(base, 99, &flags, &v), 0);
	}
	for (i = 0; i < MUT_MAX; i++)
		rattr_unref(in, r[i]);
	rattr_unref(in, base);
	intern_mem(in, &m);
	assert_int_equal(m.attrs + m.blobs + m.attr_bytes + m.blob_bytes, 0);
	intern_free(in);
}

/* Many sets: the tables grow, then shrink back to nothing. */
static void
test_intern_many(void **state)
{
	enum { N = 20000 };
	struct intern *in = intern_new();
	static struct rattr *r[N];
	struct intern_mem m, peak;
	struct bgp_attrs a;
	uint8_t buf[128], comm[N % 7 + 8];
	size_t i;

	(void)state;
	for (i = 0; i < N; i++) {
		base_attrs(&a, buf);
		a.med = (uint32_t)i;
		/* Every 7th set has its own community list too. */
		if (i % 7 == 0) {
			memcpy(comm, comm1, 8);
			comm[7] = (uint8_t)(i / 7);
			comm[6] = (uint8_t)(i / 7 >> 8);
			view(&a.communities, comm, 8);
		}
		r[i] = intern_attrs(in, &a);
		assert_non_null(r[i]);
		assert_int_equal(r[i]->med, i);
	}
	intern_mem(in, &peak);
	assert_int_equal(peak.attrs, N);
	assert_int_equal(peak.blobs, 2 + (N + 6) / 7 - 1);
	assert_true(peak.attr_bytes >= N * sizeof(struct rattr));
	/* Looking them up again finds the same sets. */
	for (i = 0; i < N; i += 97) {
		base_attrs(&a, buf);
		a.med = (uint32_t)i;
		if (i % 7 == 0) {
			memcpy(comm, comm1, 8);
			comm[7] = (uint8_t)(i / 7);
			comm[6] = (uint8_t)(i / 7 >> 8);
			view(&a.communities, comm, 8);
		}
		assert_ptr_equal(intern_attrs(in, &a), r[i]);
		rattr_unref(in, r[i]);
	}
	for (i = 0; i < N - 10; i++)
		rattr_unref(in, r[i]);
	intern_mem(in, &m);
	assert_int_equal(m.attrs, 10);
	assert_true(m.attr_bytes < peak.attr_bytes / 100);
	for (; i < N; i++)
		rattr_unref(in, r[i]);
	intern_mem(in, &m);
	assert_int_equal(m.attrs + m.blobs + m.attr_bytes + m.blob_bytes, 0);
	intern_free(in);
}

/*
 * A new set takes a reference on each blob the probe found and makes the
 * rest; two of its blobs with the same bytes, both new, are one blob.
 */
static void
test_intern_found_blobs(void **state)
{
	struct intern *in = intern_new();
	struct intern_mem m;
	struct bgp_attrs a, b;
	uint8_t ba[128], bb[128];
	struct rattr *ra, *rb, *rc;

	(void)state;
	base_attrs(&a, ba);
	ra = intern_attrs(in, &a);
	/* b: a's AS path (found), a new community list, and extended
	 * communities of the same 8 bytes (new, then found). */
	base_attrs(&b, bb);
	view(&b.communities, comm2, sizeof(comm2));
	b.present |= ATTR_BIT(ATTR_EXT_COMMUNITIES);
	view(&b.ext_communities, comm2, sizeof(comm2));
	rb = intern_attrs(in, &b);
	assert_ptr_not_equal(ra, rb);
	assert_ptr_equal(rb->aspath, ra->aspath);
	assert_ptr_equal(rb->communities, rb->ext_communities);
	assert_int_equal(ra->aspath->refcnt, 2);
	assert_int_equal(rb->communities->refcnt, 2);
	assert_int_equal(ra->communities->refcnt, 1);
	intern_mem(in, &m);
	assert_int_equal(m.attrs, 2);
	assert_int_equal(m.blobs, 3);
	/* b's set again: found whole, no blob touched. */
	rc = intern_attrs(in, &b);
	assert_ptr_equal(rc, rb);
	assert_int_equal(rb->communities->refcnt, 2);
	rattr_unref(in, rc);
	rattr_unref(in, ra);
	intern_mem(in, &m);
	assert_int_equal(m.attrs, 1);
	assert_int_equal(m.blobs, 2);
	assert_int_equal(rb->aspath->refcnt, 1);
	rattr_unref(in, rb);
	intern_mem(in, &m);
	assert_int_equal(m.attrs + m.blobs + m.attr_bytes + m.blob_bytes, 0);
	intern_free(in);
}

/*
 * Blobs of every length with a tail past the last whole word (hashed
 * from two overlapping loads): those differing in any one byte are
 * different blobs and sets, the same bytes from another buffer the same.
 */
static void
test_intern_tail_lengths(void **state)
{
	struct intern *in = intern_new();
	struct intern_mem m;
	struct bgp_attrs a;
	struct rattr *r[20][21], *again;
	uint8_t bytes[20][21][20], copy[20];
	size_t len, j, i, n = 0;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.present = ATTR_BIT(ATTR_EXT_COMMUNITIES);
	for (len = 1; len < 20; len++)
		for (j = 0; j <= len; j++) {	/* j == len: unchanged */
			for (i = 0; i < len; i++)
				bytes[len][j][i] = (uint8_t)(len * 31 + i * 7);
			if (j < len)
				bytes[len][j][j] ^= 0x80;
			view(&a.ext_communities, bytes[len][j], len);
			r[len][j] = intern_attrs(in, &a);
			assert_non_null(r[len][j]);
			assert_int_equal(r[len][j]->refcnt, 1);
			assert_int_equal(r[len][j]->ext_communities->len, len);
			n++;
		}
	intern_mem(in, &m);
	assert_int_equal(m.attrs, n);
	assert_int_equal(m.blobs, n);
	/* The hash reads every byte: one flipped anywhere changes it (the
	 * table compares bytes on a hit, so equal blobs alone would not
	 * tell a tail hashed short). */
	for (len = 1; len < 20; len++)
		for (j = 0; j <= len; j++)
			for (i = 0; i < j; i++)
				assert_int_not_equal(
				    r[len][i]->ext_communities->hash,
				    r[len][j]->ext_communities->hash);
	for (len = 1; len < 20; len++)
		for (j = 0; j <= len; j++) {
			memcpy(copy, bytes[len][j], len);
			view(&a.ext_communities, copy, len);
			again = intern_attrs(in, &a);
			assert_ptr_equal(again, r[len][j]);
			assert_int_equal(again->refcnt, 2);
			rattr_unref(in, again);
			rattr_unref(in, r[len][j]);
		}
	intern_mem(in, &m);
	assert_int_equal(m.attrs + m.blobs, 0);
	intern_free(in);
}

/* An "other" block larger than the stack buffer goes through the heap. */
static void
test_intern_big_other(void **state)
{
	struct intern *in = intern_new();
	struct bgp_attrs a;
	struct rattr *r1, *r2;
	struct bgp_view v;
	uint8_t buf[128], flags;
	static uint8_t clist[4000];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(clist); i++)
		clist[i] = (uint8_t)i;
	base_attrs(&a, buf);
	a.present |= ATTR_BIT(ATTR_CLUSTER_LIST);
	view(&a.cluster_list, clist, sizeof(clist));
	r1 = intern_attrs(in, &a);
	r2 = intern_attrs(in, &a);
	assert_non_null(r1);
	assert_ptr_equal(r1, r2);
	assert_int_equal(rattr_other_find(r1, ATTR_CLUSTER_LIST, &flags, &v),
	    1);
	assert_int_equal(v.len, sizeof(clist));
	assert_memory_equal(v.p, clist, sizeof(clist));
	rattr_unref(in, r1);
	rattr_unref(in, r2);
	intern_free(in);
}

/*
 * intern_release frees everything, references held or not: sets and
 * blobs from slabs and a blob too big for them (malloc's; a leak of it
 * fails under valgrind and LeakSanitizer).
 */
static void
test_intern_release(void **state)
{
	struct intern *in = intern_new();
	struct bgp_attrs a;
	struct rattr *r;
	uint8_t buf[128];
	static uint8_t clist[1000];
	size_t i;

	(void)state;
	for (i = 0; i < 300; i++) {
		base_attrs(&a, buf);
		a.med = (uint32_t)i;
		if (i % 3 == 0) {
			clist[0] = (uint8_t)i;
			clist[1] = (uint8_t)(i >> 8);
			a.present |= ATTR_BIT(ATTR_CLUSTER_LIST);
			view(&a.cluster_list, clist, sizeof(clist));
		}
		assert_non_null(r = intern_attrs(in, &a));
		if (i % 2 == 0)
			rattr_ref(r);
	}
	intern_release(in);
	intern_release(NULL);
}

/*
 * In a replay (slab_huge_pages) the tables from 512 KiB are whole huge
 * pages: 60,000 sets grow the set table through them (768 KiB, 1.5 MiB
 * of slots), lookups find every set, and the table shrinks back through
 * them as the sets go (each table freed as it was allocated); then the
 * same tables freed whole by intern_release.
 */
static void
test_intern_huge_tables(void **state)
{
	enum { N = 60000 };
	static struct rattr *r[N];
	struct intern *in;
	struct intern_mem m;
	struct bgp_attrs a;
	uint8_t buf[128];
	size_t i;

	(void)state;
	slab_huge_pages(1);
	in = intern_new();
	for (i = 0; i < N; i++) {
		base_attrs(&a, buf);
		a.med = (uint32_t)i;
		assert_non_null(r[i] = intern_attrs(in, &a));
	}
	intern_mem(in, &m);
	assert_int_equal(m.attrs, N);
	assert_int_equal(m.blobs, 2);
	for (i = 0; i < N; i++) {
		base_attrs(&a, buf);
		a.med = (uint32_t)i;
		assert_ptr_equal(intern_attrs(in, &a), r[i]);
		rattr_unref(in, r[i]);
		assert_int_equal(r[i]->refcnt, 1);
	}
	for (i = 0; i < N; i++)
		rattr_unref(in, r[i]);
	intern_mem(in, &m);
	assert_int_equal(m.attrs + m.blobs + m.attr_bytes + m.blob_bytes, 0);
	intern_free(in);
	in = intern_new();
	for (i = 0; i < N; i++) {
		base_attrs(&a, buf);
		a.med = (uint32_t)i;
		assert_non_null(intern_attrs(in, &a));
	}
	intern_release(in);
	slab_huge_pages(0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intern_equal),
		cmocka_unit_test(test_intern_fields),
		cmocka_unit_test(test_intern_many),
		cmocka_unit_test(test_intern_big_other),
		cmocka_unit_test(test_intern_release),
		cmocka_unit_test(test_intern_found_blobs),
		cmocka_unit_test(test_intern_tail_lengths),
		cmocka_unit_test(test_intern_huge_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
