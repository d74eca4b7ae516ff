/*
 * RIR statistics: the fixture (APNIC extended, RIPE plain), CIDR splitting
 * of address counts that are not powers of two, and hostile files: every
 * bad line reported as FILE:LINE, nothing of a bad file kept.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rirstats.h"

#define DATA	"tests/data/rirstats/"

static char	 split_out[64][BW_PREFIX_STRLEN];
static int	 nsplit;

static void
split_cb(const struct bw_prefix *p, void *arg)
{
	(void)arg;
	prefix_fmt(p, split_out[nsplit++], BW_PREFIX_STRLEN);
}

static void
test_split(void **state)
{
	(void)state;
	nsplit = 0;
	assert_int_equal(rirstats_v4_split(0x01010000, 768, split_cb, NULL), 2);
	assert_string_equal(split_out[0], "1.1.0.0/23");
	assert_string_equal(split_out[1], "1.1.2.0/24");
	nsplit = 0;
	assert_int_equal(rirstats_v4_split(0x01008000, 1536, split_cb, NULL),
	    2);
	assert_string_equal(split_out[0], "1.0.128.0/22");
	assert_string_equal(split_out[1], "1.0.132.0/23");
	/* Unaligned start: 1.0.1.0 + 1536 = /24 /23 /23 /24 ... */
	nsplit = 0;
	assert_int_equal(rirstats_v4_split(0x01000100, 1536, split_cb, NULL),
	    4);
	assert_string_equal(split_out[0], "1.0.1.0/24");
	assert_string_equal(split_out[1], "1.0.2.0/23");
	assert_string_equal(split_out[2], "1.0.4.0/23");
	assert_string_equal(split_out[3], "1.0.6.0/24");
	nsplit = 0;
	assert_int_equal(rirstats_v4_split(0, 1ULL << 32, split_cb, NULL), 1);
	assert_string_equal(split_out[0], "0.0.0.0/0");
	assert_int_equal(rirstats_v4_split(0xffffff00, 512, split_cb, NULL),
	    -1);
	assert_int_equal(rirstats_v4_split(0, 0, split_cb, NULL), -1);
}

/* The split as it was (a search from the largest block down). */
static int
ref_split(uint32_t start, uint64_t count, uint32_t *first, uint8_t *len)
{
	uint64_t a = start, size;
	int n = 0, l;

	while (count > 0) {
		for (l = 0; l < 32; l++) {
			size = (uint64_t)1 << (32 - l);
			if ((a & (size - 1)) == 0 && size <= count)
				break;
		}
		size = (uint64_t)1 << (32 - l);
		first[n] = (uint32_t)a;
		len[n++] = (uint8_t)l;
		a += size;
		count -= size;
	}
	return n;
}

static uint32_t	 got_first[80];
static uint8_t	 got_len[80];
static int	 ngot;

static void
collect_cb(const struct bw_prefix *p, void *arg)
{
	(void)arg;
	got_first[ngot] = (uint32_t)p->b[0] << 24 | (uint32_t)p->b[1] << 16 |
	    (uint32_t)p->b[2] << 8 | p->b[3];
	got_len[ngot++] = p->len;
}

/* Random ranges (and ones at the edges) split as the old loop did. */
static void
test_split_random(void **state)
{
	uint32_t first[80], x = 99991, start;
	uint64_t count;
	uint8_t len[80];
	int i, n, k;

	(void)state;
	for (i = 0; i < 200000; i++) {
		x = x * 1103515245 + 12345;
		start = x & ~((1u << ((x >> 27) & 15)) - 1);	/* aligned-ish */
		x = x * 1103515245 + 12345;
		count = 1 + ((uint64_t)x >> (x & 31));
		if (i % 1000 == 0)
			start = 0;
		if (i % 1000 == 1)
			count = ((uint64_t)1 << 32) - start;
		if ((uint64_t)start + count > ((uint64_t)1 << 32))
			count = ((uint64_t)1 << 32) - start;
		n = ref_split(start, count, first, len);
		ngot = 0;
		assert_int_equal(rirstats_v4_split(start, count, collect_cb,
		    NULL), n);
		assert_int_equal(ngot, n);
		for (k = 0; k < n; k++) {
			assert_int_equal(got_first[k], first[k]);
			assert_int_equal(got_len[k], len[k]);
		}
	}
}

static void
test_fixture(void **state)
{
	struct rirstats *rs = rirstats_new();
	struct rirstats_errors errs;
	const struct rirstats_block *b;
	const struct rirstats_asn *a;
	char pb[BW_PREFIX_STRLEN];
	size_t n;

	(void)state;
	assert_int_equal(rirstats_load(rs, DATA
	    "delegated-apnic-extended-latest", &errs), 0);
	assert_int_equal(rirstats_load(rs, DATA "delegated-ripencc-latest",
	    &errs), 0);
	assert_int_equal(rs->nfiles, 2);
	assert_string_equal(rs->files[0].name,
	    "delegated-apnic-extended-latest");
	assert_string_equal(rs->files[0].registry, "apnic");
	assert_string_equal(rs->files[0].date, "20141222");
	assert_string_equal(rs->files[1].registry, "ripencc");

	b = rirstats_country_blocks(rs, "KP", &n);
	assert_int_equal(n, 1);
	assert_string_equal(prefix_fmt(&b[0].pfx, pb, sizeof(pb)),
	    "175.45.176.0/22");
	assert_int_equal(b[0].file, 0);
	a = rirstats_country_asns(rs, "KP", &n);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].first, 131279);
	assert_int_equal(a[0].count, 1);

	/* CN: 256 + 512 + 768 (/23 + /24) + an IPv6 /20, in prefix order. */
	b = rirstats_country_blocks(rs, "CN", &n);
	assert_int_equal(n, 5);
	assert_string_equal(prefix_fmt(&b[0].pfx, pb, sizeof(pb)),
	    "1.0.1.0/24");
	assert_string_equal(prefix_fmt(&b[1].pfx, pb, sizeof(pb)),
	    "1.0.2.0/23");
	assert_string_equal(prefix_fmt(&b[2].pfx, pb, sizeof(pb)),
	    "1.1.0.0/23");
	assert_string_equal(prefix_fmt(&b[3].pfx, pb, sizeof(pb)),
	    "1.1.2.0/24");
	assert_string_equal(prefix_fmt(&b[4].pfx, pb, sizeof(pb)),
	    "240e::/20");
	b = rirstats_country_blocks(rs, "DE", &n);
	assert_int_equal(n, 2);
	assert_int_equal(b[0].file, 1);
	a = rirstats_country_asns(rs, "DE", &n);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].count, 4);
	/* available / reserved space belongs to nobody */
	assert_null(rirstats_country_blocks(rs, "ZZ", &n));
	assert_int_equal(n, 0);
	b = rirstats_country_blocks(rs, "AU", &n);
	assert_int_equal(n, 3);	/* 1.0.0.0/24, 1.128.0.0/12, 2001:360::/32 */
	rirstats_free(rs);
}

/* rirstats_block_cmp, ties by file << 14 | position loaded (set in file). */
static int
stable_block_cmp(const void *a, const void *b)
{
	const struct rirstats_block *x = a, *y = b;
	int c;

	if ((c = rirstats_block_cmp(a, b)) != 0)
		return c;
	return x->file < y->file ? -1 : x->file > y->file;
}

/*
 * The sort (a radix sort on a key since session 15) orders blocks and
 * AS runs as qsort() with the module's comparators (its fallback):
 * country, then family, address, length; equal ones in the order
 * loaded.  A key that drifts from its comparator fails here.  Two files
 * of random lines over a few countries, both families, blocks and ASNs
 * that repeat (within a file and across the two).
 */
static void
test_sort_order(void **state)
{
	static const char *ccs[] = { "CN", "KP", "DE", "US", "AU", "ZA",
	    "CA", "KR", "AT", "CH" };
	struct rirstats *rs = rirstats_new();
	struct rirstats_errors errs;
	struct rirstats_block *rb;
	struct rirstats_asn *ra;
	char *buf, name[32];
	size_t len, cap = 1 << 20, i;
	uint32_t x = 12345;
	int f, j;

	(void)state;
	assert_non_null(buf = malloc(cap));
	for (f = 0; f < 2; f++) {
		len = (size_t)snprintf(buf, cap,
		    "2.3|apnic|2014122%d|3000|19830613|20141221|+1000\n", f);
		for (j = 0; j < 3000; j++) {
			const char *cc;

			x = x * 1103515245 + 12345;
			cc = ccs[(x >> 16) % 10];
			x = x * 1103515245 + 12345;
			switch ((x >> 16) % 3) {
			case 0:
				len += (size_t)snprintf(buf + len, cap - len,
				    "apnic|%s|ipv4|%u.%u.%u.0|%u|20110414|"
				    "allocated\n", cc, 1 + (x >> 28),
				    (x >> 20) & 0x3, (x >> 8) & 0xff,
				    256u << ((x >> 4) & 0x3));
				break;
			case 1:
				len += (size_t)snprintf(buf + len, cap - len,
				    "apnic|%s|ipv6|2001:%x:%x::|%u|20110414|"
				    "assigned\n", cc, (x >> 24) & 0x3,
				    (x >> 8) & 0xff00, 40 + 8 * ((x >> 4) & 1));
				break;
			default:
				len += (size_t)snprintf(buf + len, cap - len,
				    "apnic|%s|asn|%u|%u|20110414|allocated\n",
				    cc, 64496 + ((x >> 16) & 0x3f),
				    1 + ((x >> 8) & 3));
				break;
			}
			assert_true(len < cap);
		}
		snprintf(name, sizeof(name), "gen%d", f);
		assert_int_equal(rirstats_load_buf(rs, name, buf, len, &errs),
		    0);
	}
	free(buf);
	assert_true(rs->nblocks > 1500);
	assert_true(rs->nasns > 1500);
	/* Loaded, not sorted yet: the reference, stable by load order. */
	assert_non_null(rb = malloc(rs->nblocks * sizeof(*rb)));
	assert_non_null(ra = malloc(rs->nasns * sizeof(*ra)));
	memcpy(rb, rs->blocks, rs->nblocks * sizeof(*rb));
	memcpy(ra, rs->asns, rs->nasns * sizeof(*ra));
	for (i = 0; i < rs->nblocks; i++)	/* the stable tie-break */
		rb[i].file = (uint16_t)(rb[i].file << 14 | (i & 0x3fff));
	qsort(rb, rs->nblocks, sizeof(*rb), stable_block_cmp);
	qsort(ra, rs->nasns, sizeof(*ra), rirstats_asn_cmp);
	rirstats_sort(rs);
	for (i = 0; i < rs->nblocks; i++) {
		assert_int_equal(rirstats_block_cmp(&rs->blocks[i], &rb[i]), 0);
		assert_int_equal(rs->blocks[i].file, rb[i].file >> 14);
	}
	for (i = 0; i < rs->nasns; i++) {
		assert_int_equal(rirstats_asn_cmp(&rs->asns[i], &ra[i]), 0);
		assert_int_equal(rs->asns[i].count, ra[i].count);
		assert_int_equal(rs->asns[i].file, ra[i].file);
	}
	free(rb);
	free(ra);
	rirstats_free(rs);
}

static void
test_bad_lines(void **state)
{
	struct rirstats *rs = rirstats_new();
	struct rirstats_errors errs;

	(void)state;
	assert_int_equal(rirstats_load(rs, DATA "bad-arin", &errs), -1);
	assert_int_equal(errs.n, 7);
	assert_string_equal(errs.msg[0], DATA "bad-arin:3: unknown status "
	    "\"allocatd\"");
	assert_string_equal(errs.msg[1], DATA "bad-arin:4: bad country code "
	    "\"us\"");
	assert_string_equal(errs.msg[2], DATA "bad-arin:5: bad IPv6 address "
	    "\"2600::/12\"");
	assert_string_equal(errs.msg[3], DATA "bad-arin:6: 255.255.255.0 + "
	    "512 passes the end of the IPv4 space");
	assert_non_null(strstr(errs.msg[4], "bad-arin:7: bad AS count"));
	assert_string_equal(errs.msg[5], DATA "bad-arin:8: unknown record "
	    "type \"ipx\"");
	assert_string_equal(errs.msg[6], DATA "bad-arin:9: 4 fields, expected "
	    "at least 7");
	/* Nothing of it kept. */
	assert_int_equal(rs->nfiles, 0);
	assert_int_equal(rs->nblocks, 0);
	assert_int_equal(rirstats_load(rs, DATA "no-such-file", &errs), -1);
	assert_string_equal(errs.msg[0], DATA "no-such-file:0: No such file "
	    "or directory");
	rirstats_free(rs);
}

static void
test_hostile_buf(void **state)
{
	static const char nohdr[] = "apnic|KP|ipv4|175.45.176.0|1024|x|"
	    "allocated\n";
	static const char nul[] = "2|x|20141222|1|2|3|4\napnic|KP|ip\0v4|1\n";
	struct rirstats *rs = rirstats_new();
	struct rirstats_errors errs;
	char big[3000];
	size_t i;

	(void)state;
	assert_int_equal(rirstats_load_buf(rs, "f", nohdr, sizeof(nohdr) - 1,
	    &errs), -1);
	assert_string_equal(errs.msg[0], "f:0: no version line: not an RIR "
	    "statistics file");
	assert_int_equal(rirstats_load_buf(rs, "f", nul, sizeof(nul) - 1,
	    &errs), -1);
	assert_string_equal(errs.msg[0], "f:2: NUL byte in line");
	/* Many bad lines: the count is capped. */
	for (i = 0; i + 2 < sizeof(big); i += 2)
		memcpy(big + i, "x\n", 2);
	big[0] = '2';
	big[1] = '\n';
	assert_int_equal(rirstats_load_buf(rs, "f", big, i, &errs), -1);
	assert_int_equal(errs.n, RIRSTATS_MAX_ERRORS);
	/* A line of 2000 bytes. */
	memset(big, 'a', sizeof(big));
	memcpy(big, "2|x|20141222\n", 13);
	assert_int_equal(rirstats_load_buf(rs, "f", big, sizeof(big), &errs),
	    -1);
	assert_string_equal(errs.msg[0], "f:2: line too long");
	assert_int_equal(rs->nfiles, 0);
	rirstats_free(rs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_split_random),
		cmocka_unit_test(test_fixture),
		cmocka_unit_test(test_sort_order),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_hostile_buf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
