/*
 * UPDATE decoding of well-formed messages (hex vectors), End-of-RIB,
 * MRT attribute blocks, encode -> decode round trips and a truncation
 * sweep.  The RFC 7606 error table is in test_attr.c, AS paths in
 * test_aspath.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <cmocka.h>

#include "bgpwatch.h"
#include "bgp.h"
#include "update.h"
#include "upd_util.h"

#define NH16	"20010db8000000000000000000000001"	/* 2001:db8::1 */
#define LL16	"fe800000000000000000000000000001"	/* fe80::1 */

static uint8_t	scratch[BGP_SCRATCH_LEN];

struct valid_vec {
	const char	*name;
	uint8_t		 as4;
	uint8_t		 addpath4;
	uint8_t		 addpath6;
	const char	*wd, *attrs, *nlri;
	const char	*exp_wd;
	const char	*exp_ann;
	const char	*exp_nh;	/* NULL: not checked */
	const char	*exp_path;	/* NULL: not checked */
	uint8_t		 eor;
	uint8_t		 eor_aid;
};

static const struct valid_vec valid[] = {
	{ "ipv4, masked trailing bits", 1, 0, 0,
	    "08 0a", H_BASE4 H_MED H_COMM, "18 af2db0 14 0a01ff",
	    "10.0.0.0/8", "175.45.176.0/24 10.1.240.0/20", "192.0.2.1",
	    "64511 4837 131279", 0, 0 },
	{ "trailing bits /12", 1, 0, 0,
	    "", H_BASE4, "0c 0aff",
	    "", "10.240.0.0/12", "192.0.2.1", NULL, 0, 0 },
	{ "ipv6 mp_reach 16-byte next hop", 1, 0, 0,
	    "", H_ORIGIN_IGP H_ASPATH4
	    "80 0e 21 0002 01 10" NH16 "00 30 20010db80001 20 20010db8", "",
	    "", "2001:db8:1::/48 2001:db8::/32", "2001:db8::1",
	    "64511 4837 131279", 0, 0 },
	{ "ipv6 mp_reach 32-byte next hop, extended length", 1, 0, 0,
	    "", H_ORIGIN_IGP H_ASPATH4
	    "90 0e 002c 0002 01 20" NH16 LL16 "00 30 20010db80002", "",
	    "", "2001:db8:2::/48", "2001:db8::1", NULL, 0, 0 },
	{ "ipv6 mp_unreach", 1, 0, 0,
	    "", "80 0f 0a 0002 01 30 20010db80001", "",
	    "2001:db8:1::/48", "", NULL, NULL, 0, 0 },
	{ "ipv4 add-path", 1, 1, 0,
	    "00000009 10 c0a8", H_BASE4, "00000007 08 0a 00000008 08 0a",
	    "192.168.0.0/16#9", "10.0.0.0/8#7 10.0.0.0/8#8", "192.0.2.1",
	    NULL, 0, 0 },
	{ "ipv6 add-path", 1, 0, 1,
	    "", H_ORIGIN_IGP H_ASPATH4
	    "80 0e 20 0002 01 10" NH16 "00 00000001 30 20010db80001", "",
	    "", "2001:db8:1::/48#1", "2001:db8::1", NULL, 0, 0 },
	{ "ipv4 over mp_reach", 1, 0, 0,
	    "", H_ORIGIN_IGP H_ASPATH4
	    "80 0e 0d 0001 01 04 c0000202 00 18 c63364", "",
	    "", "198.51.100.0/24", "192.0.2.2", NULL, 0, 0 },
	{ "ipv4 with an ipv6 next hop (RFC 8950)", 1, 0, 0,
	    "", H_ORIGIN_IGP H_ASPATH4
	    "80 0e 19 0001 01 10" NH16 "00 18 c63364", "",
	    "", "198.51.100.0/24", "2001:db8::1", NULL, 0, 0 },
	{ "mp_reach of a family not handled kept opaque", 1, 0, 0,
	    "", H_ORIGIN_IGP H_ASPATH4 "80 0e 0a 0001 80 04 c0000202 00 ff",
	    "", "", "", NULL, NULL, 0, 0 },
	{ "empty as path (iBGP)", 1, 0, 0,
	    "", H_ORIGIN_IGP "40 02 00" H_NEXTHOP, "18 af2db0",
	    "", "175.45.176.0/24", "192.0.2.1", "", 0, 0 },
	{ "withdraw only", 1, 0, 0,
	    "08 0a 18 af2db0", "", "",
	    "10.0.0.0/8 175.45.176.0/24", "", NULL, NULL, 0, 0 },
	{ "ipv4 end-of-rib", 1, 0, 0, "", "", "", "", "", NULL, NULL,
	    1, AID_INET },
	{ "ipv6 end-of-rib", 1, 0, 0, "", "80 0f 03 0002 01", "", "", "",
	    NULL, NULL, 1, AID_INET6 },
	{ "other family end-of-rib", 1, 0, 0, "", "80 0f 03 0001 80", "",
	    "", "", NULL, NULL, 1, AID_UNSPEC },
	{ "empty mp_unreach with more is no end-of-rib", 1, 0, 0,
	    "", "80 0f 03 0002 01" H_ORIGIN_IGP, "", "", "", NULL, NULL,
	    0, 0 },
};

static void
decode_valid(const struct valid_vec *v)
{
	struct bgp_dec_ctx	ctx = { 0 };
	struct bgp_update	u;
	uint8_t			body[4096];
	char			wd[1024], ann[1024], s[512];
	size_t			len;

	ctx.as4 = v->as4;
	ctx.addpath[AID_INET] = v->addpath4;
	ctx.addpath[AID_INET6] = v->addpath6;
	ctx.scratch = scratch;
	ctx.scratchlen = sizeof(scratch);
	len = upd_body(v->wd, v->attrs, v->nlri, body, sizeof(body));

	print_message("%s\n", v->name);
	assert_int_equal(bgp_update_decode(&ctx, body, len, &u), 0);
	assert_int_equal(u.action, ACT_NONE);
	upd_render(&ctx, &u, wd, ann, sizeof(wd));
	assert_string_equal(wd, v->exp_wd);
	assert_string_equal(ann, v->exp_ann);
	if (v->exp_nh != NULL)
		assert_string_equal(addr_fmt(&u.attrs.nexthop, s, sizeof(s)),
		    v->exp_nh);
	if (v->exp_path != NULL) {
		bgp_aspath_fmt(&u.attrs.aspath, s, sizeof(s));
		assert_string_equal(s, v->exp_path);
	}
	assert_int_equal(u.eor, v->eor);
	assert_int_equal(u.eor_aid, v->eor_aid);
}

static void
test_valid_vectors(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(valid) / sizeof(valid[0]); i++)
		decode_valid(&valid[i]);
}

static struct bgp_dec_ctx
ctx4(void)
{
	struct bgp_dec_ctx	ctx = { 0 };

	ctx.as4 = 1;
	ctx.scratch = scratch;
	ctx.scratchlen = sizeof(scratch);
	return ctx;
}

/* Every attribute field of the first vector, and the raw block. */
static void
test_ipv4_fields(void **state)
{
	struct bgp_dec_ctx	ctx = ctx4();
	struct bgp_update	u;
	uint8_t			body[512], comm[8];
	size_t			len;

	(void)state;
	len = upd_body("", H_ORIGIN_EGP H_ASPATH4 H_NEXTHOP H_MED H_COMM
	    "40 05 04 000000c8"			/* LOCAL_PREF 200 */
	    "40 06 00"				/* ATOMIC_AGGREGATE */
	    "c0 07 08 000200cf c0000209"	/* AGGREGATOR */
	    "80 09 04 0a000001"			/* ORIGINATOR_ID */
	    "80 0a 08 0a000002 0a000003"	/* CLUSTER_LIST */
	    "c0 10 08 0002fbff00000064"		/* EXT_COMMUNITIES */
	    "c0 20 0c 0000fbff 00000001 00000002" /* LARGE_COMMUNITIES */
	    "c0 23 04 0000fc00",		/* OTC 64512 */
	    "18 af2db0", body, sizeof(body));
	assert_int_equal(bgp_update_decode(&ctx, body, len, &u), 0);
	assert_int_equal(u.action, ACT_NONE);
	assert_int_equal(u.n_discarded, 0);
	assert_int_equal(u.attrs.n_unknown, 0);
	assert_int_equal(u.attrs.origin, ORIGIN_EGP);
	assert_int_equal(u.attrs.med, 100);
	assert_int_equal(u.attrs.local_pref, 200);
	assert_true(ATTR_HAS(&u.attrs, ATTR_ATOMIC_AGGREGATE));
	assert_int_equal(u.attrs.aggr_as, 131279);
	assert_int_equal(u.attrs.aggr_id, 0xc0000209);
	assert_int_equal(u.attrs.originator_id, 0x0a000001);
	assert_int_equal(u.attrs.cluster_list.len, 8);
	assert_int_equal(get_u32(u.attrs.cluster_list.p + 4), 0x0a000003);
	hex2bin("fbff0064 fbff00c8", comm, sizeof(comm));
	assert_int_equal(u.attrs.communities.len, 8);
	assert_memory_equal(u.attrs.communities.p, comm, 8);
	assert_int_equal(u.attrs.ext_communities.len, 8);
	assert_int_equal(get_u32(u.attrs.ext_communities.p + 4), 100);
	assert_int_equal(u.attrs.large_communities.len, 12);
	assert_int_equal(get_u32(u.attrs.large_communities.p + 8), 2);
	assert_int_equal(u.attrs.otc, 64512);
	assert_true(ATTR_HAS(&u.attrs, ATTR_NEXT_HOP));
	assert_false(ATTR_HAS(&u.attrs, ATTR_MP_REACH_NLRI));
	assert_int_equal(u.attrs.raw.len, len - 4 - 4);
	assert_ptr_equal(u.attrs.raw.p, body + 4);
	assert_int_equal(bgp_aspath_origin(&u.attrs.aspath), 131279);
	assert_int_equal(bgp_aspath_length(&u.attrs.aspath), 3);
}

static void
test_ipv6_link_local(void **state)
{
	struct bgp_dec_ctx	ctx = ctx4();
	struct bgp_update	u;
	uint8_t			body[512];
	char			s[64];
	size_t			len;

	(void)state;
	len = upd_body("", H_ORIGIN_IGP H_ASPATH4
	    "90 0e 002c 0002 01 20" NH16 LL16 "00 30 20010db80002", "",
	    body, sizeof(body));
	assert_int_equal(bgp_update_decode(&ctx, body, len, &u), 0);
	assert_int_equal(u.reach.afi, AFI_IPV6);
	assert_int_equal(u.reach.safi, SAFI_UNICAST);
	assert_int_equal(u.reach.aid, AID_INET6);
	assert_int_equal(u.attrs.nexthop_ll.aid, AID_INET6);
	assert_string_equal(addr_fmt(&u.attrs.nexthop_ll, s, sizeof(s)),
	    "fe80::1");

	/* a 16-byte next hop leaves no link-local address */
	len = upd_body("", H_ORIGIN_IGP H_ASPATH4
	    "80 0e 1c 0002 01 10" NH16 "00 30 20010db80002", "",
	    body, sizeof(body));
	assert_int_equal(bgp_update_decode(&ctx, body, len, &u), 0);
	assert_int_equal(u.attrs.nexthop_ll.aid, AID_UNSPEC);
}

/* An unknown optional transitive attribute is kept and re-encoded. */
static void
test_unknown_kept(void **state)
{
	struct bgp_dec_ctx	ctx = ctx4();
	struct bgp_enc_ctx	ectx = { .as4 = 1, .maxlen = BGP_MAX_LEN };
	struct bgp_update	u, u2;
	struct bgp_attr_iter	it;
	struct bgp_route	r;
	struct bgp_view		v;
	uint8_t			body[512], msg[4096], flags, code;
	struct wbuf		w;
	size_t			len;

	(void)state;
	len = upd_body("", H_BASE4 "c0 63 04 deadbeef" "c0 63 01 00"
	    "e0 64 02 0102" "80 65 00", "18 af2db0", body, sizeof(body));
	assert_int_equal(bgp_update_decode(&ctx, body, len, &u), 0);
	/* the second code 99 is a duplicate: discarded */
	assert_int_equal(u.action, ACT_ATTR_DISCARD);
	assert_int_equal(u.err_attr, 99);
	assert_int_equal(u.n_discarded, 1);
	assert_int_equal(u.attrs.n_unknown, 3);

	bgp_attr_iter_init(&it, &u.attrs);
	assert_int_equal(bgp_attr_next_unknown(&it, &flags, &code, &v), 1);
	assert_int_equal(code, 99);
	assert_int_equal(flags, 0xc0);
	assert_int_equal(v.len, 4);
	assert_int_equal(get_u32(v.p), 0xdeadbeef);
	assert_int_equal(bgp_attr_next_unknown(&it, &flags, &code, &v), 1);
	assert_int_equal(code, 100);
	assert_int_equal(flags, 0xe0);		/* partial bit kept */
	assert_int_equal(bgp_attr_next_unknown(&it, &flags, &code, &v), 1);
	assert_int_equal(code, 101);
	assert_int_equal(v.len, 0);
	assert_int_equal(bgp_attr_next_unknown(&it, &flags, &code, &v), 0);

	prefix_parse("175.45.176.0/24", &r.pfx);
	r.path_id = 0;
	wbuf_init(&w, msg, sizeof(msg));
	assert_int_equal(bgp_update_encode(&w, &ectx, &u.attrs, NULL, 0,
	    &r, 1), 0);
	assert_int_equal(bgp_update_decode(&ctx, msg + BGP_HDR_LEN,
	    w.len - BGP_HDR_LEN, &u2), 0);
	assert_int_equal(u2.action, ACT_NONE);
	assert_int_equal(u2.attrs.n_unknown, 3);
	bgp_attr_iter_init(&it, &u2.attrs);
	assert_int_equal(bgp_attr_next_unknown(&it, &flags, &code, &v), 1);
	assert_int_equal(code, 99);
	assert_int_equal(get_u32(v.p), 0xdeadbeef);
}

/* TABLE_DUMP_V2 attribute blocks: abbreviated and full MP_REACH. */
static void
test_mrt_rib(void **state)
{
	struct bgp_dec_ctx	ctx = ctx4();
	struct bgp_update	u;
	uint8_t			blk[512];
	char			s[64];
	size_t			len;

	(void)state;
	ctx.mrt_rib = 1;
	len = hex2bin(H_ORIGIN_IGP H_ASPATH4 "80 0e 11 10" NH16, blk,
	    sizeof(blk));
	assert_int_equal(bgp_attrs_decode(&ctx, blk, len, &u), 0);
	assert_int_equal(u.action, ACT_NONE);
	assert_true(ATTR_HAS(&u.attrs, ATTR_MP_REACH_NLRI));
	assert_string_equal(addr_fmt(&u.attrs.nexthop, s, sizeof(s)),
	    "2001:db8::1");
	assert_int_equal(u.reach.nlri.len, 0);

	len = hex2bin(H_ORIGIN_IGP H_ASPATH4 "80 0e 21 20" NH16 LL16, blk,
	    sizeof(blk));
	assert_int_equal(bgp_attrs_decode(&ctx, blk, len, &u), 0);
	assert_string_equal(addr_fmt(&u.attrs.nexthop_ll, s, sizeof(s)),
	    "fe80::1");

	/* the full form, as some writers put it there */
	len = hex2bin(H_ORIGIN_IGP H_ASPATH4
	    "80 0e 1c 0002 01 10" NH16 "00 30 20010db80002", blk, sizeof(blk));
	assert_int_equal(bgp_attrs_decode(&ctx, blk, len, &u), 0);
	assert_int_equal(u.action, ACT_NONE);
	assert_int_equal(u.reach.aid, AID_INET6);
	assert_string_equal(addr_fmt(&u.attrs.nexthop, s, sizeof(s)),
	    "2001:db8::1");

	/* abbreviated form with a bad next hop length */
	len = hex2bin(H_ORIGIN_IGP "80 0e 06 05 0102030405", blk, sizeof(blk));
	assert_int_equal(bgp_attrs_decode(&ctx, blk, len, &u), -1);
	assert_int_equal(u.action, ACT_SESSION_RESET);

	/* outside MRT the abbreviated form is a malformed MP_REACH */
	ctx.mrt_rib = 0;
	len = hex2bin(H_ORIGIN_IGP H_ASPATH4 "80 0e 11 10" NH16, blk,
	    sizeof(blk));
	assert_int_equal(bgp_attrs_decode(&ctx, blk, len, &u), -1);
	assert_int_equal(u.err.subcode, ERR_UPD_OPTATTR);

	/* no NLRI context: nothing is missing */
	len = hex2bin("c0 08 04 fbff0064", blk, sizeof(blk));
	assert_int_equal(bgp_attrs_decode(&ctx, blk, len, &u), 0);
	assert_int_equal(u.action, ACT_NONE);
}

/*
 * updates.nlri_mask_trailing_bits.gz: 11.13.0.0/13 (bits past /13) and
 * a stray byte.  The stray byte is a session reset, but the fields are
 * cut to what is well-formed, so an MRT reader can show what bgpdump
 * shows, masked.
 */
static void
test_malformed_nlri_salvage(void **state)
{
	struct bgp_dec_ctx	ctx = ctx4();
	struct bgp_update	u;
	struct bgp_nlri_iter	it;
	struct bw_prefix	pfx;
	uint8_t			body[128];
	uint32_t		id;
	char			s[64];
	size_t			len;

	(void)state;
	ctx.as4 = 0;
	len = hex2bin("0000 0021 40010100 40020c02051b6a0ddd3065bc93c764"
	    "4003040c00013f c00804 1b0b0d0b 0d0b0d0b", body, sizeof(body));
	assert_int_equal(bgp_update_decode(&ctx, body, len, &u), -1);
	assert_int_equal(u.action, ACT_SESSION_RESET);
	assert_int_equal(u.err.code, ERR_UPDATE);
	assert_int_equal(u.err.subcode, ERR_UPD_NETWORK);
	assert_int_equal(u.err_attr, 0);
	bgp_aspath_fmt(&u.attrs.aspath, s, sizeof(s));
	assert_string_equal(s, "7018 3549 12389 48275 51044");
	assert_int_equal(u.attrs.communities.len, 4);
	assert_int_equal(u.nlri.len, 3);
	bgp_nlri_iter_init(&it, &u.nlri, AID_INET, 0);
	assert_int_equal(bgp_nlri_next(&it, &pfx, &id), 1);
	assert_string_equal(prefix_fmt(&pfx, s, sizeof(s)), "11.8.0.0/13");
	assert_int_equal(bgp_nlri_next(&it, &pfx, &id), 0);
}

/*
 * bgp_nlri_take against bgp_nlri_next, and against the prefixes written
 * out: IPv4 without path ids takes the one-load fast path (bits past the
 * length set on the wire, every length from /0 to /32, short prefixes
 * at the end of a field, where fewer than 4 bytes are left), the others
 * the generic one.  Each field is copied to a buffer of its exact size,
 * so that ASan sees a read past it; max 1, 2, 3 and 64 cut it in
 * batches.  A malformed prefix ends the walk after the good ones.
 */
struct take_vec {
	uint8_t		 aid;
	uint8_t		 addpath;
	const char	*nlri;
	const char	*exp;		/* what bgp_nlri_next gives */
	int		 bad;		/* 1: its walk ends with -1 */
};

static const struct take_vec take_vecs[] = {
	{ AID_INET, 0, "00 01ff 07ff 08ff 09ffff 0fffff 10ffff 11ffffff"
	    " 17ffffff 18ffffff 19ffffffff 1fffffffff 20ffffffff",
	    "0.0.0.0/0 128.0.0.0/1 254.0.0.0/7 255.0.0.0/8 255.128.0.0/9"
	    " 255.254.0.0/15 255.255.0.0/16 255.255.128.0/17"
	    " 255.255.254.0/23 255.255.255.0/24 255.255.255.128/25"
	    " 255.255.255.254/31 255.255.255.255/32", 0 },
	{ AID_INET, 0, "18 af2db0 14 0a01ff", "175.45.176.0/24 10.1.240.0/20",
	    0 },
	{ AID_INET, 0, "18 af2db3", "175.45.179.0/24", 0 },
	{ AID_INET, 0, "20 c0000201 0c 0aff", "192.0.2.1/32 10.240.0.0/12",
	    0 },
	{ AID_INET, 0, "08 0a 00", "10.0.0.0/8 0.0.0.0/0", 0 },
	{ AID_INET, 0, "0d 0b0d 0b", "11.8.0.0/13", 1 },
	{ AID_INET, 0, "08 0a 21 0a000000 00", "10.0.0.0/8", 1 },
	{ AID_INET, 0, "18 0a0b", "", 1 },
	{ AID_INET, 1, "00000007 08 0a 00000008 11 0a01ff",
	    "10.0.0.0/8#7 10.1.128.0/17#8", 0 },
	{ AID_INET6, 0, "30 20010db80001 20 20010db8 7f 20010db8000000000000"
	    "0000000000ff 80 20010db8000000000000000000000001",
	    "2001:db8:1::/48 2001:db8::/32 2001:db8::fe/127 2001:db8::1/128",
	    0 },
	{ AID_INET6, 0, "81 20010db8000000000000000000000001", "", 1 },
	{ AID_UNSPEC, 0, "08 0a", "", 1 },
};

static void
take_render(char *out, size_t outlen, const struct bw_prefix *pfx,
    uint32_t id, int addpath)
{
	char	pb[BW_PREFIX_STRLEN];
	size_t	len = strlen(out);

	prefix_fmt(pfx, pb, sizeof(pb));
	if (addpath)
		snprintf(out + len, outlen - len, "%s%s#%u",
		    len > 0 ? " " : "", pb, id);
	else
		snprintf(out + len, outlen - len, "%s%s", len > 0 ? " " : "",
		    pb);
}

static void
test_nlri_take(void **state)
{
	static const size_t	 maxes[] = { 1, 2, 3, 64 };
	struct bgp_nlri_iter	 it, it2;
	struct bw_prefix	 pfx[64], one;
	struct bgp_view		 v;
	uint32_t		 id[64], id1;
	uint8_t			 raw[256], *copy;
	char			 got[1024];
	size_t			 i, m, j, k, len;
	int			 r;

	(void)state;
	for (i = 0; i < sizeof(take_vecs) / sizeof(take_vecs[0]); i++) {
		const struct take_vec *t = &take_vecs[i];

		len = hex2bin(t->nlri, raw, sizeof(raw));
		copy = malloc(len);
		assert_non_null(copy);
		memcpy(copy, raw, len);
		v.p = copy;
		v.len = (uint32_t)len;
		for (m = 0; m < sizeof(maxes) / sizeof(maxes[0]); m++) {
			got[0] = '\0';
			bgp_nlri_iter_init(&it, &v, t->aid, t->addpath);
			bgp_nlri_iter_init(&it2, &v, t->aid, t->addpath);
			memset(pfx, 0xee, sizeof(pfx));
			while ((k = bgp_nlri_take(&it, pfx, id, maxes[m])) >
			    0) {
				assert_true(k <= maxes[m]);
				for (j = 0; j < k; j++) {
					assert_int_equal(bgp_nlri_next(&it2,
					    &one, &id1), 1);
					assert_memory_equal(&pfx[j], &one,
					    sizeof(one));
					assert_int_equal(id[j], id1);
					take_render(got, sizeof(got), &pfx[j],
					    id[j], t->addpath);
				}
			}
			r = bgp_nlri_next(&it2, &one, &id1);
			assert_int_equal(r, t->bad ? -1 : 0);
			assert_int_equal(bgp_nlri_take(&it, pfx, id, 64), 0);
			assert_string_equal(got, t->exp);
		}
		free(copy);
	}
}

static void
test_eor_encode(void **state)
{
	struct bgp_dec_ctx	ctx = ctx4();
	struct bgp_update	u;
	uint8_t			msg[64], exp[64];
	struct wbuf		w;
	size_t			n;

	(void)state;
	wbuf_init(&w, msg, sizeof(msg));
	assert_int_equal(bgp_eor_encode(&w, AID_INET), 0);
	n = hex2bin("ffffffffffffffffffffffffffffffff 0017 02 0000 0000", exp,
	    sizeof(exp));
	assert_int_equal(w.len, n);
	assert_memory_equal(msg, exp, n);

	wbuf_init(&w, msg, sizeof(msg));
	assert_int_equal(bgp_eor_encode(&w, AID_INET6), 0);
	n = hex2bin("ffffffffffffffffffffffffffffffff 001d 02 0000 0006"
	    "80 0f 03 0002 01", exp, sizeof(exp));
	assert_int_equal(w.len, n);
	assert_memory_equal(msg, exp, n);
	assert_int_equal(bgp_update_decode(&ctx, msg + BGP_HDR_LEN,
	    w.len - BGP_HDR_LEN, &u), 0);
	assert_int_equal(u.eor, 1);
	assert_int_equal(u.eor_aid, AID_INET6);

	wbuf_init(&w, msg, sizeof(msg));
	assert_int_equal(bgp_eor_encode(&w, AID_UNSPEC), -1);
	wbuf_init(&w, msg, 10);
	assert_int_equal(bgp_eor_encode(&w, AID_INET), -1);
}

/* Round trips */

struct rt_shape {
	const char	*name;
	uint8_t		 as4;
	uint8_t		 addpath4;
	uint8_t		 addpath6;
	uint8_t		 ipv4_mp;
	const char	*path;		/* 4-octet segments, hex */
	const char	*path_txt;
	uint32_t	 aggr_as;
	const char	*nh;
	const char	*nh_ll;
	const char	*wd[4];
	const char	*ann[4];
};

static const struct rt_shape shapes[] = {
	{ "4-octet ipv4", 1, 0, 0, 0,
	    "02 03 0000fbff 000012e5 000200cf", "64511 4837 131279",
	    4200000000u, "192.0.2.1", NULL,
	    { "10.0.0.0/8", "192.168.0.0/16" },
	    { "175.45.176.0/24", "175.45.177.0/24", "0.0.0.0/0" } },
	{ "2-octet ipv4, wide ASes", 0, 0, 0, 0,
	    "02 03 0000fbff 000012e5 000200cf 01 02 00000001 fa56ea00",
	    "64511 4837 131279 {1,4200000000}",
	    4200000000u, "192.0.2.1", NULL,
	    { "10.0.0.0/8" },
	    { "175.45.176.0/24", "10.1.240.0/20" } },
	{ "2-octet ipv4, narrow ASes", 0, 0, 0, 0,
	    "02 02 0000fbff 000012e5", "64511 4837",
	    65000, "192.0.2.1", NULL,
	    { NULL }, { "175.45.176.0/24" } },
	{ "2-octet confederation", 0, 0, 0, 0,
	    "03 01 0000fde9 02 02 000012e5 000200cf", "(65001) 4837 131279",
	    7, "192.0.2.1", NULL,
	    { NULL }, { "175.45.176.0/24" } },
	{ "2-octet ipv6 add-path", 0, 1, 1, 0,
	    "02 02 000200cf 000200d0", "131279 131280",
	    131279, "2001:db8::1", "fe80::1",
	    { "10.0.0.0/8", "2001:db8:9::/48" },
	    { "2001:db8:1::/48", "2001:db8::/32", "::/0" } },
	{ "4-octet ipv4 over mp, add-path", 1, 1, 1, 1,
	    "02 01 000200cf", "131279",
	    1, "192.0.2.7", NULL,
	    { "2001:db8:9::/48" },
	    { "198.51.100.0/24", "198.51.101.0/24" } },
};

static void
rt_expected(const struct rt_shape *s, const char *const *list, int mp,
    uint32_t base, char *out, size_t outlen)
{
	struct bw_prefix	pfx;
	size_t			i, len;
	int			ap;

	for (i = 0; i < 4 && list[i] != NULL; i++) {
		prefix_parse(list[i], &pfx);
		if ((pfx.aid == AID_INET && !s->ipv4_mp) != !mp)
			continue;
		ap = pfx.aid == AID_INET ? s->addpath4 : s->addpath6;
		len = strlen(out);
		if (ap)
			snprintf(out + len, outlen - len, "%s%s#%u",
			    len ? " " : "", list[i], base + (uint32_t)i);
		else
			snprintf(out + len, outlen - len, "%s%s",
			    len ? " " : "", list[i]);
	}
}

static size_t
rt_routes(const char *const *list, uint32_t base, struct bgp_route *r)
{
	size_t	i;

	for (i = 0; i < 4 && list[i] != NULL; i++) {
		assert_int_equal(prefix_parse(list[i], &r[i].pfx), 0);
		r[i].path_id = base + (uint32_t)i;
	}
	return i;
}

static void
round_trip(const struct rt_shape *s)
{
	struct bgp_dec_ctx	 dctx = { 0 };
	struct bgp_enc_ctx	 ectx = { 0 };
	struct bgp_attrs	 a = { 0 };
	struct bgp_update	 u;
	struct bgp_route	 wd[4], ann[4];
	struct bgp_attr_iter	 it;
	struct bgp_view		 v;
	struct bgp_hdr		 h;
	struct bgp_err		 err;
	struct wbuf		 w;
	static uint8_t		 msg[BGP_MAX_LEN];
	uint8_t			 path[256], comm[8], ext[8], large[12];
	uint8_t			 clist[8], raw[16], flags, code;
	char			 got_wd[512], got_ann[512], exp[512];
	size_t			 nwd, nann;

	print_message("%s\n", s->name);
	dctx.as4 = ectx.as4 = s->as4;
	dctx.addpath[AID_INET] = ectx.addpath[AID_INET] = s->addpath4;
	dctx.addpath[AID_INET6] = ectx.addpath[AID_INET6] = s->addpath6;
	dctx.scratch = scratch;
	dctx.scratchlen = sizeof(scratch);
	ectx.ipv4_mp = s->ipv4_mp;
	ectx.maxlen = BGP_MAX_LEN;

	a.present = ATTR_BIT(ATTR_ORIGIN) | ATTR_BIT(ATTR_AS_PATH) |
	    ATTR_BIT(ATTR_NEXT_HOP) | ATTR_BIT(ATTR_MED) |
	    ATTR_BIT(ATTR_LOCAL_PREF) | ATTR_BIT(ATTR_ATOMIC_AGGREGATE) |
	    ATTR_BIT(ATTR_AGGREGATOR) | ATTR_BIT(ATTR_COMMUNITIES) |
	    ATTR_BIT(ATTR_ORIGINATOR_ID) | ATTR_BIT(ATTR_CLUSTER_LIST) |
	    ATTR_BIT(ATTR_EXT_COMMUNITIES) |
	    ATTR_BIT(ATTR_LARGE_COMMUNITIES) | ATTR_BIT(ATTR_OTC);
	a.origin = ORIGIN_INCOMPLETE;
	a.aspath.p = path;
	a.aspath.len = (uint32_t)hex2bin(s->path, path, sizeof(path));
	assert_int_equal(addr_parse(s->nh, &a.nexthop), 0);
	if (s->nh_ll != NULL)
		assert_int_equal(addr_parse(s->nh_ll, &a.nexthop_ll), 0);
	a.med = 7;
	a.local_pref = 300;
	a.aggr_as = s->aggr_as;
	a.aggr_id = 0xc0000209;
	a.communities.p = comm;
	a.communities.len = (uint32_t)hex2bin("fbff0064 ffffff01", comm, 8);
	a.ext_communities.p = ext;
	a.ext_communities.len = (uint32_t)hex2bin("0002fbff00000064", ext, 8);
	a.large_communities.p = large;
	a.large_communities.len = (uint32_t)hex2bin("fa56ea00 00000001 "
	    "00000002", large, 12);
	a.originator_id = 0x0a000001;
	a.cluster_list.p = clist;
	a.cluster_list.len = (uint32_t)hex2bin("0a000002 0a000003", clist, 8);
	a.otc = 65000;
	a.raw.p = raw;
	a.raw.len = (uint32_t)hex2bin(H_MED "c0 63 03 010203", raw,
	    sizeof(raw));
	a.n_unknown = 1;

	nwd = rt_routes(s->wd, 100, wd);
	nann = rt_routes(s->ann, 200, ann);
	wbuf_init(&w, msg, sizeof(msg));
	assert_int_equal(bgp_update_encode(&w, &ectx, &a, wd, nwd, ann, nann),
	    0);
	assert_int_equal(bgp_frame(msg, w.len, BGP_MAX_LEN, &h, &err), 1);
	assert_int_equal(h.len, w.len);
	assert_int_equal(h.type, BGP_UPDATE);

	assert_int_equal(bgp_update_decode(&dctx, msg + BGP_HDR_LEN,
	    w.len - BGP_HDR_LEN, &u), 0);
	assert_int_equal(u.action, ACT_NONE);
	upd_render(&dctx, &u, got_wd, got_ann, sizeof(got_wd));
	exp[0] = '\0';
	rt_expected(s, s->wd, 0, 100, exp, sizeof(exp));
	rt_expected(s, s->wd, 1, 100, exp, sizeof(exp));
	assert_string_equal(got_wd, exp);
	exp[0] = '\0';
	rt_expected(s, s->ann, 0, 200, exp, sizeof(exp));
	rt_expected(s, s->ann, 1, 200, exp, sizeof(exp));
	assert_string_equal(got_ann, exp);

	/* NEXT_HOP goes only with IPv4 NLRI, MP_REACH only with others */
	assert_int_equal(u.attrs.present & ~(ATTR_BIT(ATTR_NEXT_HOP) |
	    ATTR_BIT(ATTR_MP_REACH_NLRI) | ATTR_BIT(ATTR_MP_UNREACH_NLRI)),
	    a.present & ~ATTR_BIT(ATTR_NEXT_HOP));
	assert_int_equal(u.attrs.origin, a.origin);
	assert_int_equal(u.attrs.aspath.len, a.aspath.len);
	assert_memory_equal(u.attrs.aspath.p, a.aspath.p, a.aspath.len);
	bgp_aspath_fmt(&u.attrs.aspath, exp, sizeof(exp));
	assert_string_equal(exp, s->path_txt);
	assert_memory_equal(&u.attrs.nexthop, &a.nexthop, sizeof(a.nexthop));
	assert_memory_equal(&u.attrs.nexthop_ll, &a.nexthop_ll,
	    sizeof(a.nexthop_ll));
	assert_int_equal(u.attrs.med, a.med);
	assert_int_equal(u.attrs.local_pref, a.local_pref);
	assert_int_equal(u.attrs.aggr_as, a.aggr_as);
	assert_int_equal(u.attrs.aggr_id, a.aggr_id);
	assert_int_equal(u.attrs.communities.len, 8);
	assert_memory_equal(u.attrs.communities.p, comm, 8);
	assert_int_equal(u.attrs.ext_communities.len, 8);
	assert_memory_equal(u.attrs.ext_communities.p, ext, 8);
	assert_int_equal(u.attrs.large_communities.len, 12);
	assert_memory_equal(u.attrs.large_communities.p, large, 12);
	assert_int_equal(u.attrs.originator_id, a.originator_id);
	assert_int_equal(u.attrs.cluster_list.len, 8);
	assert_memory_equal(u.attrs.cluster_list.p, clist, 8);
	assert_int_equal(u.attrs.otc, a.otc);
	assert_int_equal(u.attrs.n_unknown, 1);
	bgp_attr_iter_init(&it, &u.attrs);
	assert_int_equal(bgp_attr_next_unknown(&it, &flags, &code, &v), 1);
	assert_int_equal(code, 99);
	assert_int_equal(v.len, 3);
	assert_memory_equal(v.p, raw + 10, 3);
}

static void
test_round_trips(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
		round_trip(&shapes[i]);
}

static void
test_encode_limits(void **state)
{
	struct bgp_enc_ctx	ectx = { .as4 = 1, .maxlen = BGP_MAX_LEN };
	struct bgp_attrs	a = { 0 };
	struct bgp_route	r[600];
	static uint8_t		msg[2 * BGP_MAX_LEN];
	struct wbuf		w;
	size_t			i;

	(void)state;
	a.present = ATTR_BIT(ATTR_ORIGIN) | ATTR_BIT(ATTR_AS_PATH);
	addr_parse("2001:db8::1", &a.nexthop);
	for (i = 0; i < 600; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].pfx.aid = AID_INET6;
		r[i].pfx.len = 64;
		r[i].pfx.b[0] = 0x20;
		r[i].pfx.b[6] = (uint8_t)(i >> 8);
		r[i].pfx.b[7] = (uint8_t)i;
	}
	/* 600 x 9 bytes do not fit 4096; the writer is left as it was */
	wbuf_init(&w, msg, sizeof(msg));
	wbuf_put_u8(&w, 0xaa);
	assert_int_equal(bgp_update_encode(&w, &ectx, &a, NULL, 0, r, 600),
	    -1);
	assert_int_equal(w.len, 1);
	assert_int_equal(bgp_update_encode(&w, &ectx, &a, NULL, 0, r, 400),
	    0);
	assert_int_equal(bgp_nlri_size(&r[0].pfx, 0), 9);
	assert_int_equal(bgp_nlri_size(&r[0].pfx, 1), 13);

	/* two MP families in one MP_REACH cannot be */
	prefix_parse("10.0.0.0/8", &r[1].pfx);
	ectx.ipv4_mp = 1;
	wbuf_init(&w, msg, sizeof(msg));
	assert_int_equal(bgp_update_encode(&w, &ectx, &a, NULL, 0, r, 2), -1);
	/* announcements need attributes */
	assert_int_equal(bgp_update_encode(&w, &ectx, NULL, NULL, 0, r, 1),
	    -1);
	/* IPv4 NLRI field with an IPv6 next hop cannot be */
	ectx.ipv4_mp = 0;
	assert_int_equal(bgp_update_encode(&w, &ectx, &a, NULL, 0, &r[1], 1),
	    -1);
	/* withdrawals alone need none */
	assert_int_equal(bgp_update_encode(&w, &ectx, NULL, r, 2, NULL, 0),
	    0);
}

/*
 * Every prefix of a valid body must decode cleanly: a reset (-1) or an
 * outcome whose NLRI walk never fails.  Each copy is allocated to its
 * exact size so that ASan sees any read past it.
 */
static void
sweep(const struct bgp_dec_ctx *ctx, const uint8_t *body, size_t len,
    int attrs_only)
{
	struct bgp_update	 u;
	struct bgp_nlri_iter	 it;
	struct bw_prefix	 pfx;
	uint32_t		 id;
	uint8_t			*copy;
	size_t			 l;
	int			 r, k;

	for (l = 0; l <= len; l++) {
		copy = malloc(l > 0 ? l : 1);
		assert_non_null(copy);
		memcpy(copy, body, l);
		if (attrs_only)
			r = bgp_attrs_decode(ctx, copy, l, &u);
		else
			r = bgp_update_decode(ctx, copy, l, &u);
		assert_int_equal(r == -1, u.action == ACT_SESSION_RESET);
		if (r == 0) {
			bgp_nlri_iter_init(&it, &u.nlri, AID_INET,
			    ctx->addpath[AID_INET]);
			while ((k = bgp_nlri_next(&it, &pfx, &id)) == 1)
				;
			assert_int_equal(k, 0);
			if (ATTR_HAS(&u.attrs, ATTR_MP_REACH_NLRI) &&
			    u.reach.aid != AID_UNSPEC) {
				bgp_nlri_iter_init(&it, &u.reach.nlri,
				    u.reach.aid, ctx->addpath[u.reach.aid]);
				while ((k = bgp_nlri_next(&it, &pfx, &id)) == 1)
					;
				assert_int_equal(k, 0);
			}
			if (u.action == ACT_NONE && l < len && !attrs_only)
				assert_true(u.nlri.len < len);
		}
		free(copy);
	}
}

static void
test_truncation_sweep(void **state)
{
	struct bgp_dec_ctx	ctx = ctx4();
	struct bgp_dec_ctx	ctx2 = ctx4();
	uint8_t			body[1024];
	size_t			len;

	(void)state;
	len = upd_body("08 0a 18 af2db0", H_BASE4 H_MED H_COMM
	    "c0 07 08 000200cf c0000209" "c0 20 0c 0000fbff 00000001 00000002"
	    "90 0e 002c 0002 01 20" NH16 LL16 "00 30 20010db80002"
	    "c0 63 04 deadbeef", "18 af2db0 14 0a01ff", body, sizeof(body));
	sweep(&ctx, body, len, 0);
	sweep(&ctx, body + 10, len - 10 - 8, 1);

	ctx2.as4 = 0;
	ctx2.addpath[AID_INET] = 1;
	len = upd_body("00000001 08 0a", H_ORIGIN_IGP
	    "40 02 06 02 02 fbff 5ba0" "c0 11 0a 02 02 0000fbff 000200cf"
	    H_NEXTHOP "c0 07 06 5ba0 c0000209" "c0 12 08 000200cf c0000209",
	    "00000002 18 af2db0", body, sizeof(body));
	sweep(&ctx2, body, len, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_vectors),
		cmocka_unit_test(test_ipv4_fields),
		cmocka_unit_test(test_ipv6_link_local),
		cmocka_unit_test(test_unknown_kept),
		cmocka_unit_test(test_mrt_rib),
		cmocka_unit_test(test_malformed_nlri_salvage),
		cmocka_unit_test(test_nlri_take),
		cmocka_unit_test(test_eor_encode),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_encode_limits),
		cmocka_unit_test(test_truncation_sweep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
