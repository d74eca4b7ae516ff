/*
 * Path attributes and RFC 7606: one table row per malformation with the
 * action, the NOTIFICATION subcode and the attribute blamed; then the
 * details a row cannot show (what survives a discard) and the names.
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

#define NH16	"20010db8000000000000000000000001"
#define MPR6	"80 0e 1c 0002 01 10" NH16 "00 30 20010db80002"
#define MPU6	"80 0f 0a 0002 01 30 20010db80001"
#define ASP2	"40 02 04 02 01 fbff"	/* 2-octet AS_PATH 64511 */
#define PFX	"18 af2db0"

static uint8_t	scratch[BGP_SCRATCH_LEN];

struct err_vec {
	const char	*name;
	uint8_t		 as4;
	uint8_t		 ebgp;
	uint8_t		 addpath;	/* IPv4 ADD-PATH */
	const char	*raw;		/* whole body; else the three fields */
	const char	*wd, *attrs, *nlri;
	enum bgp_action	 act;
	uint8_t		 subcode;
	uint8_t		 attr;		/* expected err_attr */
	const char	*data;		/* expected NOTIFICATION data or NULL */
};

#define RAW(name, raw, act, sub)	{ name, 1, 0, 0, raw, "", "", "", \
					    act, sub, 0, NULL }
#define A4(name, attrs, nlri, act, sub, attr, data) \
	{ name, 1, 0, 0, NULL, "", attrs, nlri, act, sub, attr, data }
#define A2(name, attrs, nlri, act, sub, attr, data) \
	{ name, 0, 0, 0, NULL, "", attrs, nlri, act, sub, attr, data }

#define RESET	ACT_SESSION_RESET
#define WDRAW	ACT_TREAT_AS_WITHDRAW
#define DISC	ACT_ATTR_DISCARD

static const struct err_vec errs[] = {
	/* framing of the message (RFC 4271 6.3) and of the NLRI (7606 5.3) */
	RAW("withdrawn length overruns", "0005 080a 0000", RESET,
	    ERR_UPD_ATTRLIST),
	RAW("attribute length overruns", "0000 0010 40010100", RESET,
	    ERR_UPD_ATTRLIST),
	RAW("body of one byte", "00", RESET, ERR_UPD_ATTRLIST),
	RAW("empty body", "", RESET, ERR_UPD_ATTRLIST),
	RAW("withdrawn /33", "0005 21 0a000000 0000", RESET, ERR_UPD_NETWORK),
	A4("nlri /33", H_BASE4, "21 0a000000 00", RESET, ERR_UPD_NETWORK, 0,
	    NULL),
	A4("nlri overruns", H_BASE4, "18 af2d", RESET, ERR_UPD_NETWORK, 0,
	    NULL),
	{ "add-path nlri cut in the path id", 1, 0, 1, NULL, "", H_BASE4,
	    "000001", RESET, ERR_UPD_NETWORK, 0, NULL },

	/* framing of the attributes (RFC 7606 4) */
	A4("attribute overruns the block", H_BASE4 "c0 08 08 fbff0064", PFX,
	    WDRAW, ERR_UPD_ATTRLEN, ATTR_COMMUNITIES, "c0 08 08 fbff0064"),
	A4("two bytes left in the block", H_BASE4 "c0 08", PFX,
	    WDRAW, ERR_UPD_ATTRLEN, ATTR_COMMUNITIES, "c0 08"),
	A4("one byte left in the block", H_BASE4 "c0", PFX,
	    WDRAW, ERR_UPD_ATTRLEN, 0, "c0"),
	A4("extended length cut", H_BASE4 "d0 08 00", PFX,
	    WDRAW, ERR_UPD_ATTRLEN, ATTR_COMMUNITIES, NULL),
	A4("extended length value overruns", H_BASE4 "d0 08 0008 fbff0064",
	    PFX, WDRAW, ERR_UPD_ATTRLEN, ATTR_COMMUNITIES,
	    "d0 08 0008 fbff0064"),
	A4("a whole header, no value", H_BASE4 "40 06 01", PFX,
	    WDRAW, ERR_UPD_ATTRLEN, ATTR_ATOMIC_AGGREGATE, "40 06 01"),

	/* duplicates (RFC 7606 3.g) */
	A4("duplicate ORIGIN", H_BASE4 H_ORIGIN_EGP, PFX,
	    DISC, ERR_UPD_ATTRLIST, ATTR_ORIGIN, H_ORIGIN_EGP),
	A4("duplicate MP_REACH_NLRI", H_ORIGIN_IGP H_ASPATH4 MPR6 MPR6, "",
	    RESET, ERR_UPD_ATTRLIST, ATTR_MP_REACH_NLRI, ""),
	A4("duplicate MP_UNREACH_NLRI", MPU6 MPU6, "",
	    RESET, ERR_UPD_ATTRLIST, ATTR_MP_UNREACH_NLRI, ""),

	/* missing well-known mandatory attributes (RFC 7606 3.d) */
	A4("missing ORIGIN", H_ASPATH4 H_NEXTHOP, PFX,
	    WDRAW, ERR_UPD_MISSNG_WK_ATTR, ATTR_ORIGIN, "01"),
	A4("missing AS_PATH", H_ORIGIN_IGP H_NEXTHOP, PFX,
	    WDRAW, ERR_UPD_MISSNG_WK_ATTR, ATTR_AS_PATH, "02"),
	A4("missing NEXT_HOP", H_ORIGIN_IGP H_ASPATH4, PFX,
	    WDRAW, ERR_UPD_MISSNG_WK_ATTR, ATTR_NEXT_HOP, "03"),
	A4("no NEXT_HOP needed with MP_REACH only", H_ORIGIN_IGP H_ASPATH4
	    MPR6, "", ACT_NONE, 0, 0, NULL),
	A4("missing ORIGIN with MP_REACH", H_ASPATH4 MPR6, "",
	    WDRAW, ERR_UPD_MISSNG_WK_ATTR, ATTR_ORIGIN, "01"),
	A4("NLRI without any attribute", "", PFX,
	    WDRAW, ERR_UPD_MISSNG_WK_ATTR, ATTR_ORIGIN, "01"),
	A4("nothing missing for MP_UNREACH only", MPU6, "", ACT_NONE, 0, 0,
	    NULL),

	/* the attributes, RFC 7606 7 */
	A4("ORIGIN 3", "40 01 01 03" H_ASPATH4 H_NEXTHOP, PFX,
	    WDRAW, ERR_UPD_ORIGIN, ATTR_ORIGIN, "40 01 01 03"),
	A4("ORIGIN length 2", "40 01 02 0000" H_ASPATH4 H_NEXTHOP, PFX,
	    WDRAW, ERR_UPD_ATTRLEN, ATTR_ORIGIN, "40 01 02 0000"),
	A4("AS_PATH segment overrun", H_ORIGIN_IGP "40 02 06 02 02 0000fbff"
	    H_NEXTHOP, PFX, WDRAW, ERR_UPD_ASPATH, ATTR_AS_PATH, NULL),
	A4("AS_PATH zero-length segment", H_ORIGIN_IGP "40 02 02 02 00"
	    H_NEXTHOP, PFX, WDRAW, ERR_UPD_ASPATH, ATTR_AS_PATH, NULL),
	A4("AS_PATH segment type 5", H_ORIGIN_IGP "40 02 06 05 01 0000fbff"
	    H_NEXTHOP, PFX, WDRAW, ERR_UPD_ASPATH, ATTR_AS_PATH, NULL),
	A4("AS_PATH trailing octet", H_ORIGIN_IGP "40 02 07 02 01 0000fbff 02"
	    H_NEXTHOP, PFX, WDRAW, ERR_UPD_ASPATH, ATTR_AS_PATH, NULL),
	A2("AS_PATH of 4-octet ASes on a 2-octet session", H_ORIGIN_IGP
	    "40 02 06 02 01 0000fbff" H_NEXTHOP, PFX,
	    WDRAW, ERR_UPD_ASPATH, ATTR_AS_PATH, NULL),
	A4("NEXT_HOP length 5", H_ORIGIN_IGP H_ASPATH4 "40 03 05 c000020100",
	    PFX, WDRAW, ERR_UPD_ATTRLEN, ATTR_NEXT_HOP, "40 03 05 c000020100"),
	A4("NEXT_HOP length 3", H_ORIGIN_IGP H_ASPATH4 "40 03 03 c00002",
	    PFX, WDRAW, ERR_UPD_ATTRLEN, ATTR_NEXT_HOP, "40 03 03 c00002"),
	A4("MED length 3", H_BASE4 "80 04 03 000064", PFX,
	    WDRAW, ERR_UPD_ATTRLEN, ATTR_MED, NULL),
	A4("LOCAL_PREF length 2", H_BASE4 "40 05 02 0064", PFX,
	    WDRAW, ERR_UPD_ATTRLEN, ATTR_LOCAL_PREF, NULL),
	{ "LOCAL_PREF from eBGP", 1, 1, 0, NULL, "", H_BASE4 "40 05 04 00000064",
	    PFX, DISC, 0, ATTR_LOCAL_PREF, NULL },
	{ "bad LOCAL_PREF from eBGP", 1, 1, 0, NULL, "", H_BASE4 "40 05 02 0064",
	    PFX, DISC, 0, ATTR_LOCAL_PREF, NULL },
	A4("COMMUNITIES length 6", H_BASE4 "c0 08 06 fbff0064 0001", PFX,
	    WDRAW, ERR_UPD_ATTRLEN, ATTR_COMMUNITIES, NULL),
	A4("COMMUNITIES length 0", H_BASE4 "c0 08 00", PFX,
	    WDRAW, ERR_UPD_ATTRLEN, ATTR_COMMUNITIES, NULL),
	A4("EXTENDED_COMMUNITIES length 12", H_BASE4
	    "c0 10 0c 0002fbff00000064 00000000", PFX,
	    WDRAW, ERR_UPD_ATTRLEN, ATTR_EXT_COMMUNITIES, NULL),
	A4("LARGE_COMMUNITIES length 16", H_BASE4
	    "c0 20 10 0000fbff 00000001 00000002 00000003", PFX,
	    WDRAW, ERR_UPD_ATTRLEN, ATTR_LARGE_COMMUNITIES, NULL),
	A4("ORIGINATOR_ID length 5", H_BASE4 "80 09 05 0a00000100", PFX,
	    WDRAW, ERR_UPD_ATTRLEN, ATTR_ORIGINATOR_ID, NULL),
	A4("CLUSTER_LIST length 6", H_BASE4 "80 0a 06 0a0000010000", PFX,
	    WDRAW, ERR_UPD_ATTRLEN, ATTR_CLUSTER_LIST, NULL),
	A4("OTC length 3", H_BASE4 "c0 23 03 00fc00", PFX,
	    WDRAW, ERR_UPD_ATTRLEN, ATTR_OTC, NULL),
	A4("ATOMIC_AGGREGATE length 1", H_BASE4 "40 06 01 00", PFX,
	    DISC, ERR_UPD_ATTRLEN, ATTR_ATOMIC_AGGREGATE, "40 06 01 00"),
	A2("AGGREGATOR length 8 on a 2-octet session", H_ORIGIN_IGP ASP2
	    H_NEXTHOP "c0 07 08 000200cf c0000209", PFX,
	    DISC, ERR_UPD_ATTRLEN, ATTR_AGGREGATOR, NULL),
	A4("AGGREGATOR length 6 on a 4-octet session", H_BASE4
	    "c0 07 06 fbff c0000209", PFX,
	    DISC, ERR_UPD_ATTRLEN, ATTR_AGGREGATOR, NULL),
	A2("AS4_PATH malformed", H_ORIGIN_IGP ASP2 H_NEXTHOP
	    "c0 11 06 02 02 000200cf", PFX,
	    DISC, ERR_UPD_OPTATTR, ATTR_AS4_PATH, NULL),
	A2("AS4_AGGREGATOR length 6", H_ORIGIN_IGP ASP2 H_NEXTHOP
	    "c0 12 06 fbff c0000209", PFX,
	    DISC, ERR_UPD_ATTRLEN, ATTR_AS4_AGGREGATOR, NULL),
	A4("AS4_PATH on a 4-octet session is ignored", H_BASE4
	    "c0 11 02 02 00", PFX, ACT_NONE, 0, 0, NULL),

	/* MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 7606 7.11, 7.12) */
	A4("MP_REACH IPv6 with a 4-byte next hop", H_ORIGIN_IGP H_ASPATH4
	    "80 0e 10 0002 01 04 c0000201 00 30 20010db80002", "",
	    RESET, ERR_UPD_OPTATTR, ATTR_MP_REACH_NLRI, NULL),
	A4("MP_REACH next hop length 0", H_ORIGIN_IGP H_ASPATH4
	    "80 0e 0c 0002 01 00 00 30 20010db80002", "",
	    RESET, ERR_UPD_OPTATTR, ATTR_MP_REACH_NLRI, NULL),
	A4("MP_REACH NLRI overrun", H_ORIGIN_IGP H_ASPATH4
	    "80 0e 1c 0002 01 10" NH16 "00 40 20010db80002", "",
	    RESET, ERR_UPD_OPTATTR, ATTR_MP_REACH_NLRI, NULL),
	A4("MP_REACH next hop overruns", H_ORIGIN_IGP H_ASPATH4
	    "80 0e 06 0002 01 10 2001", "",
	    RESET, ERR_UPD_OPTATTR, ATTR_MP_REACH_NLRI, NULL),
	A4("MP_REACH without reserved byte", H_ORIGIN_IGP H_ASPATH4
	    "80 0e 14 0002 01 10" NH16, "",
	    RESET, ERR_UPD_OPTATTR, ATTR_MP_REACH_NLRI, NULL),
	A4("MP_UNREACH /129", "80 0f 05 0002 01 81 20", "",
	    RESET, ERR_UPD_OPTATTR, ATTR_MP_UNREACH_NLRI, "80 0f 05 0002 01 81 20"),
	A4("MP_UNREACH length 2", "80 0f 02 0002", "",
	    RESET, ERR_UPD_ATTRLEN, ATTR_MP_UNREACH_NLRI, NULL),

	/* flags (RFC 7606 3.c): the attribute's own action */
	A4("ORIGIN flagged optional", "c0 01 01 00" H_ASPATH4 H_NEXTHOP, PFX,
	    WDRAW, ERR_UPD_ATTRFLAGS, ATTR_ORIGIN, "c0 01 01 00"),
	A4("COMMUNITIES non-transitive", H_BASE4 "80 08 04 fbff0064", PFX,
	    WDRAW, ERR_UPD_ATTRFLAGS, ATTR_COMMUNITIES, NULL),
	A4("ATOMIC_AGGREGATE flagged optional", H_BASE4 "c0 06 00", PFX,
	    DISC, ERR_UPD_ATTRFLAGS, ATTR_ATOMIC_AGGREGATE, NULL),
	A4("MP_REACH flagged transitive", H_ORIGIN_IGP H_ASPATH4
	    "c0 0e 1c 0002 01 10" NH16 "00 30 20010db80002", "",
	    RESET, ERR_UPD_ATTRFLAGS, ATTR_MP_REACH_NLRI, NULL),
	A4("partial bit on a well-known attribute is no error",
	    "60 01 01 00" H_ASPATH4 H_NEXTHOP, PFX, ACT_NONE, 0, 0, NULL),

	/* unknown attributes */
	A4("unknown well-known attribute", H_BASE4 "40 63 02 0102", PFX,
	    RESET, ERR_UPD_UNKNWN_WK_ATTR, 99, "40 63 02 0102"),
	A4("unknown optional attribute", H_BASE4 "80 63 02 0102", PFX,
	    ACT_NONE, 0, 0, NULL),

	/* several errors, and errors with nothing to withdraw */
	A4("no NLRI at all, bad ORIGIN", "40 01 01 03", "",
	    WDRAW, ERR_UPD_ORIGIN, ATTR_ORIGIN, NULL),
	{ "withdrawals only, bad ORIGIN", 1, 0, 0, NULL, "08 0a", "40 01 01 03",
	    "", WDRAW, ERR_UPD_ORIGIN, ATTR_ORIGIN, NULL },
	A4("treat-as-withdraw beats discard", "40 06 01 00 40 01 01 03"
	    H_ASPATH4 H_NEXTHOP, PFX, WDRAW, ERR_UPD_ORIGIN, ATTR_ORIGIN, NULL),
	A4("first error of a kind stays", "40 01 01 03" H_ASPATH4 H_NEXTHOP
	    "80 04 03 000064", PFX, WDRAW, ERR_UPD_ORIGIN, ATTR_ORIGIN, NULL),
	A4("reset beats treat-as-withdraw", "40 01 01 03" H_ASPATH4
	    "80 0e 06 0002 01 10 2001", "",
	    RESET, ERR_UPD_OPTATTR, ATTR_MP_REACH_NLRI, NULL),
};

static void
check_err(const struct err_vec *v)
{
	struct bgp_dec_ctx	ctx = { 0 };
	struct bgp_update	u;
	uint8_t			body[1024], data[256];
	size_t			len, n;
	int			r;

	print_message("%s\n", v->name);
	ctx.as4 = v->as4;
	ctx.ebgp = v->ebgp;
	ctx.addpath[AID_INET] = v->addpath;
	ctx.scratch = scratch;
	ctx.scratchlen = sizeof(scratch);
	if (v->raw != NULL)
		len = hex2bin(v->raw, body, sizeof(body));
	else
		len = upd_body(v->wd, v->attrs, v->nlri, body, sizeof(body));

	r = bgp_update_decode(&ctx, body, len, &u);
	assert_int_equal(r, v->act == ACT_SESSION_RESET ? -1 : 0);
	assert_int_equal(u.action, v->act);
	assert_int_equal(u.err_attr, v->attr);
	if (v->act == ACT_NONE)
		return;
	assert_int_equal(u.err.code, ERR_UPDATE);
	assert_int_equal(u.err.subcode, v->subcode);
	assert_non_null(u.err.reason);
	if (v->data != NULL) {
		n = hex2bin(v->data, data, sizeof(data));
		assert_int_equal(u.err.datalen, n);
		assert_memory_equal(bgp_err_data(&u.err), data, n);
	}
}

static void
test_rfc7606_table(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		check_err(&errs[i]);
}

static void
decode4(const char *attrs, const char *nlri, int ebgp, struct bgp_update *u)
{
	struct bgp_dec_ctx	ctx = { 0 };
	static uint8_t		body[1024];
	size_t			len;

	ctx.as4 = 1;
	ctx.ebgp = (uint8_t)ebgp;
	len = upd_body("", attrs, nlri, body, sizeof(body));
	assert_int_equal(bgp_update_decode(&ctx, body, len, u), 0);
}

/* What a discard leaves: the first duplicate, the other attributes. */
static void
test_discard_keeps_the_rest(void **state)
{
	struct bgp_update	u;

	(void)state;
	decode4(H_BASE4 H_ORIGIN_EGP H_MED H_MED, PFX, 0, &u);
	assert_int_equal(u.action, ACT_ATTR_DISCARD);
	assert_int_equal(u.n_discarded, 2);
	assert_int_equal(u.attrs.origin, ORIGIN_IGP);
	assert_int_equal(u.attrs.med, 100);

	decode4(H_BASE4 "40 05 04 00000064 40 06 01 00", PFX, 1, &u);
	assert_int_equal(u.action, ACT_ATTR_DISCARD);
	assert_int_equal(u.n_discarded, 2);
	assert_false(ATTR_HAS(&u.attrs, ATTR_LOCAL_PREF));
	assert_false(ATTR_HAS(&u.attrs, ATTR_ATOMIC_AGGREGATE));
	assert_true(ATTR_HAS(&u.attrs, ATTR_NEXT_HOP));

	/* a duplicate of a discarded attribute is discarded too */
	decode4(H_BASE4 "40 06 01 00 40 06 00", PFX, 0, &u);
	assert_int_equal(u.n_discarded, 2);
	assert_false(ATTR_HAS(&u.attrs, ATTR_ATOMIC_AGGREGATE));

	/* the routes of a treat-as-withdraw are still there to withdraw */
	decode4("40 01 01 05" H_ASPATH4 H_NEXTHOP, PFX "10 0a01", 0, &u);
	assert_int_equal(u.action, ACT_TREAT_AS_WITHDRAW);
	assert_int_equal(u.nlri.len, 7);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(bgp_attr_name(ATTR_AS_PATH), "AS_PATH");
	assert_string_equal(bgp_attr_name(ATTR_COMMUNITIES), "COMMUNITIES");
	assert_string_equal(bgp_attr_name(ATTR_LARGE_COMMUNITIES),
	    "LARGE_COMMUNITIES");
	assert_string_equal(bgp_attr_name(ATTR_OTC), "OTC");
	assert_string_equal(bgp_attr_name(99), "unknown");
	assert_string_equal(bgp_attr_name(255), "unknown");
	assert_string_equal(bgp_origin_name(ORIGIN_IGP), "IGP");
	assert_string_equal(bgp_origin_name(ORIGIN_INCOMPLETE), "INCOMPLETE");
	assert_string_equal(bgp_origin_name(3), "?");
	assert_string_equal(bgp_action_name(ACT_NONE), "none");
	assert_string_equal(bgp_action_name(ACT_ATTR_DISCARD),
	    "attribute-discard");
	assert_string_equal(bgp_action_name(ACT_TREAT_AS_WITHDRAW),
	    "treat-as-withdraw");
	assert_string_equal(bgp_action_name(ACT_SESSION_RESET),
	    "session-reset");
}

/* An unknown-attribute walk over a block cut short stops cleanly. */
static void
test_unknown_iter_truncated(void **state)
{
	struct bgp_attrs	a = { 0 };
	struct bgp_attr_iter	it;
	struct bgp_view		v;
	uint8_t			raw[64], flags, code;

	(void)state;
	a.raw.p = raw;
	a.raw.len = (uint32_t)hex2bin("c0 63 01 aa" H_MED "c0 64 05 00", raw,
	    sizeof(raw));
	bgp_attr_iter_init(&it, &a);
	assert_int_equal(bgp_attr_next_unknown(&it, &flags, &code, &v), 1);
	assert_int_equal(code, 99);
	assert_int_equal(v.p[0], 0xaa);
	assert_int_equal(bgp_attr_next_unknown(&it, &flags, &code, &v), 0);
	assert_int_equal(bgp_attr_next_unknown(&it, &flags, &code, &v), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc7606_table),
		cmocka_unit_test(test_discard_keeps_the_rest),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_unknown_iter_truncated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
