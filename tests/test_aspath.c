/*
 * AS paths: bgpdump-style text, origin and length, the segment walker,
 * the AS4_PATH / AS4_AGGREGATOR merge of 2-octet sessions (RFC 6793
 * 4.2.3) and what the encoder sends a 2-octet peer (RFC 6793 4.2.2).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "bgpwatch.h"
#include "bgp.h"
#include "update.h"
#include "upd_util.h"

static uint8_t	scratch[BGP_SCRATCH_LEN];

struct fmt_vec {
	const char	*hex;		/* 4-octet segments */
	const char	*txt;
	uint32_t	 origin;
	int		 length;
};

static const struct fmt_vec fmts[] = {
	{ "", "", 0, 0 },
	{ "02 01 0000fbff", "64511", 64511, 1 },
	{ "02 02 00000001 00000002 01 02 00000003 00000004", "1 2 {3,4}",
	    0, 3 },
	{ "01 01 00000005 02 01 00000006", "{5} 6", 6, 2 },
	{ "03 02 0000fde9 0000fdea 02 01 00000001", "(65001 65002) 1", 1, 1 },
	{ "04 02 00000003 00000004", "[3,4]", 0, 0 },
	{ "03 01 00000001 04 02 00000002 00000003 02 01 00000004 "
	    "01 01 00000005", "(1) [2,3] 4 {5}", 0, 2 },
	{ "02 02 fa56ea00 ffffffff", "4200000000 4294967295", 4294967295u,
	    2 },
	{ "02 01 00000001 02 01 00000002", "1 2", 2, 2 },
};

static void
test_fmt_origin_length(void **state)
{
	struct bgp_view	v;
	uint8_t		path[128];
	char		s[128];
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		v.p = path;
		v.len = (uint32_t)hex2bin(fmts[i].hex, path, sizeof(path));
		assert_int_equal(bgp_aspath_fmt(&v, s, sizeof(s)),
		    strlen(fmts[i].txt));
		assert_string_equal(s, fmts[i].txt);
		assert_int_equal(bgp_aspath_origin(&v), fmts[i].origin);
		assert_int_equal(bgp_aspath_length(&v), fmts[i].length);
	}
}

static void
test_fmt_short_buffer(void **state)
{
	struct bgp_view	v;
	uint8_t		path[64];
	char		s[8];

	(void)state;
	v.p = path;
	v.len = (uint32_t)hex2bin("02 02 00000001 00000002 01 02 00000003 "
	    "00000004", path, sizeof(path));
	memset(s, 'x', sizeof(s));
	assert_int_equal(bgp_aspath_fmt(&v, s, 6), 9);
	assert_string_equal(s, "1 2 {");
	assert_int_equal(s[6], 'x');
	assert_int_equal(bgp_aspath_fmt(&v, NULL, 0), 9);
}

static void
test_iter(void **state)
{
	struct bgp_aspath_iter	 it;
	struct bgp_view		 v;
	const uint8_t		*asns;
	uint8_t			 path[64], type, count;

	(void)state;
	v.p = path;
	v.len = (uint32_t)hex2bin("03 01 0000fde9 02 02 00000001 00000002",
	    path, sizeof(path));
	bgp_aspath_iter_init(&it, &v);
	assert_int_equal(bgp_aspath_next(&it, &type, &count, &asns), 1);
	assert_int_equal(type, AS_CONFED_SEQUENCE);
	assert_int_equal(count, 1);
	assert_int_equal(get_u32(asns), 65001);
	assert_int_equal(bgp_aspath_next(&it, &type, &count, &asns), 1);
	assert_int_equal(type, AS_SEQUENCE);
	assert_int_equal(count, 2);
	assert_int_equal(get_u32(asns + 4), 2);
	assert_int_equal(bgp_aspath_next(&it, &type, &count, &asns), 0);

	v.len -= 2;			/* cut the last AS short */
	bgp_aspath_iter_init(&it, &v);
	assert_int_equal(bgp_aspath_next(&it, &type, &count, &asns), 1);
	assert_int_equal(bgp_aspath_next(&it, &type, &count, &asns), -1);
	assert_int_equal(bgp_aspath_next(&it, &type, &count, &asns), 0);
}

/* 2-octet sessions: the path and aggregator a whole UPDATE gives. */
struct merge_vec {
	const char	*name;
	const char	*attrs;		/* besides ORIGIN and NEXT_HOP */
	const char	*path;
	uint32_t	 origin;
	uint32_t	 aggr_as;	/* 0: no AGGREGATOR expected */
};

static const struct merge_vec merges[] = {
	{ "no AS4_PATH", "40 02 06 02 02 fbff 5ba0", "64511 23456", 23456, 0 },
	{ "AS4_PATH merged",
	    "40 02 08 02 03 fbff 5ba0 5ba0"
	    "c0 11 0a 02 02 000200cf fa56ea00",
	    "64511 131279 4200000000", 4200000000u, 0 },
	{ "AS4_PATH longer than AS_PATH is ignored",
	    "40 02 06 02 02 fbff 5ba0"
	    "c0 11 0e 02 03 00000001 00000002 00000003",
	    "64511 23456", 23456, 0 },
	{ "AS4_PATH merged after a set",
	    "40 02 0c 02 02 0001 0002 01 02 0003 5ba0"
	    "c0 11 10 02 01 00000002 01 02 00000003 00011170",
	    "1 2 {3,70000}", 0, 0 },
	{ "leading confederation segment kept",
	    "40 02 0a 03 01 fde9 02 02 fbff 5ba0"
	    "c0 11 06 02 01 000200cf",
	    "(65001) 64511 131279", 131279, 0 },
	{ "confederation segments of AS4_PATH dropped",
	    "40 02 06 02 02 fbff 5ba0"
	    "c0 11 0c 03 01 0000fde9 02 01 000200cf",
	    "64511 131279", 131279, 0 },
	{ "AS4_PATH without AS_TRANS still merged",
	    "40 02 08 02 03 0001 0002 0003"
	    "c0 11 0a 02 02 00000002 00000003",
	    "1 2 3", 3, 0 },
	{ "sequence cut where AS4_PATH starts",
	    "40 02 0c 02 05 0001 0002 0003 0004 0005"
	    "c0 11 0a 02 02 00011170 00013880",
	    "1 2 3 70000 80000", 80000, 0 },
	{ "AS4_AGGREGATOR replaces AS_TRANS",
	    "40 02 06 02 02 fbff 5ba0" "c0 07 06 5ba0 c0000209"
	    "c0 11 06 02 01 000200cf" "c0 12 08 000200cf c0000209",
	    "64511 131279", 131279, 131279 },
	{ "AGGREGATOR not AS_TRANS: AS4 attributes ignored",
	    "40 02 06 02 02 fbff 5ba0" "c0 07 06 fc00 c0000209"
	    "c0 11 06 02 01 000200cf" "c0 12 08 000200cf c0000209",
	    "64511 23456", 23456, 64512 },
	{ "AGGREGATOR alone does not stop the AS4_PATH merge",
	    "40 02 06 02 02 fbff 5ba0" "c0 07 06 fc00 c0000209"
	    "c0 11 06 02 01 000200cf",
	    "64511 131279", 131279, 64512 },
	{ "malformed AS4_PATH discarded, AS_PATH kept",
	    "40 02 06 02 02 fbff 5ba0" "c0 11 06 02 02 000200cf",
	    "64511 23456", 23456, 0 },
};

static void
test_as4_merge(void **state)
{
	struct bgp_dec_ctx	ctx = { 0 };
	struct bgp_update	u;
	uint8_t			body[512];
	char			attrs[512], s[128];
	size_t			i, len;

	(void)state;
	ctx.scratch = scratch;
	ctx.scratchlen = sizeof(scratch);
	for (i = 0; i < sizeof(merges) / sizeof(merges[0]); i++) {
		print_message("%s\n", merges[i].name);
		snprintf(attrs, sizeof(attrs), "%s %s %s", H_ORIGIN_IGP,
		    merges[i].attrs, H_NEXTHOP);
		len = upd_body("", attrs, "18 af2db0", body, sizeof(body));
		assert_int_equal(bgp_update_decode(&ctx, body, len, &u), 0);
		assert_true(u.action == ACT_NONE ||
		    u.action == ACT_ATTR_DISCARD);
		bgp_aspath_fmt(&u.attrs.aspath, s, sizeof(s));
		assert_string_equal(s, merges[i].path);
		assert_int_equal(bgp_aspath_origin(&u.attrs.aspath),
		    merges[i].origin);
		assert_ptr_equal(u.attrs.aspath.p, scratch);
		assert_false(ATTR_HAS(&u.attrs, ATTR_AS4_PATH));
		assert_false(ATTR_HAS(&u.attrs, ATTR_AS4_AGGREGATOR));
		if (merges[i].aggr_as != 0) {
			assert_true(ATTR_HAS(&u.attrs, ATTR_AGGREGATOR));
			assert_int_equal(u.attrs.aggr_as, merges[i].aggr_as);
			assert_int_equal(u.attrs.aggr_id, 0xc0000209);
		}
	}
}

static int	has_bytes(const uint8_t *, size_t, const char *);

/* Without room to widen the path, the routes cannot be kept. */
static void
test_no_scratch(void **state)
{
	struct bgp_dec_ctx	ctx = { 0 };
	struct bgp_update	u;
	uint8_t			body[128], small[4];
	size_t			len;

	(void)state;
	len = upd_body("", H_ORIGIN_IGP "40 02 06 02 02 fbff 5ba0" H_NEXTHOP,
	    "18 af2db0", body, sizeof(body));
	assert_int_equal(bgp_update_decode(&ctx, body, len, &u), 0);
	assert_int_equal(u.action, ACT_TREAT_AS_WITHDRAW);
	assert_int_equal(u.err_attr, ATTR_AS_PATH);
	ctx.scratch = small;
	ctx.scratchlen = sizeof(small);
	assert_int_equal(bgp_update_decode(&ctx, body, len, &u), 0);
	assert_int_equal(u.action, ACT_TREAT_AS_WITHDRAW);
	ctx.scratch = scratch;
	ctx.scratchlen = 9;		/* one byte short of the ASes */
	assert_int_equal(bgp_update_decode(&ctx, body, len, &u), 0);
	assert_int_equal(u.action, ACT_TREAT_AS_WITHDRAW);
	ctx.scratchlen = 10;		/* just enough */
	assert_int_equal(bgp_update_decode(&ctx, body, len, &u), 0);
	assert_int_equal(u.action, ACT_NONE);
	assert_int_equal(u.attrs.aspath.len, 10);
	assert_true(has_bytes(u.attrs.aspath.p, 10, "02 02 0000fbff 00005ba0"));
	/* two segments: the first fits, the second does not */
	len = upd_body("", H_ORIGIN_IGP "40 02 0a 02 02 fbff 5ba0 01 01 fc00"
	    H_NEXTHOP, "18 af2db0", body, sizeof(body));
	ctx.scratchlen = 15;
	assert_int_equal(bgp_update_decode(&ctx, body, len, &u), 0);
	assert_int_equal(u.action, ACT_TREAT_AS_WITHDRAW);
	ctx.scratchlen = 16;
	assert_int_equal(bgp_update_decode(&ctx, body, len, &u), 0);
	assert_int_equal(u.action, ACT_NONE);
	assert_int_equal(u.attrs.aspath.len, 16);
	assert_true(has_bytes(u.attrs.aspath.p, 16,
	    "02 02 0000fbff 00005ba0 01 01 0000fc00"));
}

static int
has_bytes(const uint8_t *p, size_t n, const char *hex)
{
	uint8_t	want[64];
	size_t	m = hex2bin(hex, want, sizeof(want)), i;

	for (i = 0; i + m <= n; i++)
		if (memcmp(p + i, want, m) == 0)
			return 1;
	return 0;
}

/* RFC 6793 4.2.2: AS_TRANS in AS_PATH / AGGREGATOR, the truth in AS4_*. */
static void
test_encode_2octet(void **state)
{
	struct bgp_enc_ctx	ectx = { 0 };
	struct bgp_attrs	a = { 0 };
	struct bgp_route	r;
	struct wbuf		w;
	uint8_t			path[64], msg[512];

	(void)state;
	ectx.maxlen = BGP_MAX_LEN;
	a.present = ATTR_BIT(ATTR_ORIGIN) | ATTR_BIT(ATTR_AS_PATH) |
	    ATTR_BIT(ATTR_AGGREGATOR);
	a.aspath.p = path;
	a.aspath.len = (uint32_t)hex2bin("03 01 0000fde9 02 02 0000fbff "
	    "fa56ea00", path, sizeof(path));
	a.aggr_as = 4200000000u;
	a.aggr_id = 0xc0000209;
	addr_parse("192.0.2.1", &a.nexthop);
	prefix_parse("175.45.176.0/24", &r.pfx);
	r.path_id = 0;

	wbuf_init(&w, msg, sizeof(msg));
	assert_int_equal(bgp_update_encode(&w, &ectx, &a, NULL, 0, &r, 1), 0);
	assert_true(has_bytes(msg, w.len, "40 02 0a 03 01 fde9 02 02 fbff 5ba0"));
	assert_true(has_bytes(msg, w.len, "c0 11 0a 02 02 0000fbff fa56ea00"));
	assert_true(has_bytes(msg, w.len, "c0 07 06 5ba0 c0000209"));
	assert_true(has_bytes(msg, w.len, "c0 12 08 fa56ea00 c0000209"));
	assert_true(has_bytes(msg, w.len, "40 03 04 c0000201"));

	/* nothing wide: no AS4 attributes at all */
	a.aspath.len = (uint32_t)hex2bin("02 01 0000fbff", path, sizeof(path));
	a.aggr_as = 64512;
	wbuf_init(&w, msg, sizeof(msg));
	assert_int_equal(bgp_update_encode(&w, &ectx, &a, NULL, 0, &r, 1), 0);
	assert_true(has_bytes(msg, w.len, "40 02 04 02 01 fbff"));
	assert_true(has_bytes(msg, w.len, "c0 07 06 fc00 c0000209"));
	assert_false(has_bytes(msg, w.len, "c0 11"));
	assert_false(has_bytes(msg, w.len, "c0 12"));

	/* a 4-octet peer gets the path as it is */
	ectx.as4 = 1;
	wbuf_init(&w, msg, sizeof(msg));
	assert_int_equal(bgp_update_encode(&w, &ectx, &a, NULL, 0, &r, 1), 0);
	assert_true(has_bytes(msg, w.len, "40 02 06 02 01 0000fbff"));
	assert_true(has_bytes(msg, w.len, "c0 07 08 0000fc00 c0000209"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fmt_origin_length),
		cmocka_unit_test(test_fmt_short_buffer),
		cmocka_unit_test(test_iter),
		cmocka_unit_test(test_as4_merge),
		cmocka_unit_test(test_no_scratch),
		cmocka_unit_test(test_encode_2octet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
