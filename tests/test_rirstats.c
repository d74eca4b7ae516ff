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
		cmocka_unit_test(test_fixture),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_hostile_buf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
