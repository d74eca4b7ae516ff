/*
 * MRT record decoder (proto/mrt.c) and file reader (lib/mrtfile.c).
 *
 * Hand-made hex records cover every record kind, its flags and its
 * malformations; every valid record is also decoded at every truncated
 * length from an exact-size heap copy, so that ASan sees any overread.
 * The real RIPE RIS files in BGPWATCH_MRT_DATA (default
 * ../shared/data/mrt) are then read whole and their records counted per
 * kind against what bgpdump -m reports for them (STATE lines, TABLE_DUMP
 * and TABLE_DUMP2 "B" lines), and the reader is driven through gzip,
 * bzip2, plain, memory and stdin input, truncated streams and hostile
 * lengths.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <bzlib.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "bgpwatch.h"
#include "bgp.h"
#include "buf.h"
#include "mrt.h"
#include "mrtfile.h"
#include "mrt_util.h"

/* Hex to bytes, spaces ignored.  Returns the byte count. */
static size_t
unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1, v;

	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == '\n')
			continue;
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else {
			fail_msg("bad hex digit '%c'", *s);
			return 0;
		}
		if (hi == -1)
			hi = v;
		else {
			assert_true(n < cap);
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	assert_int_equal(hi, -1);
	return n;
}

/*
 * Decodes a whole record (12-byte header included) given in hex, from an
 * exact-size heap copy.  Returns mrt_record_decode's result.
 */
static int
decode_hex(const char *hex, struct mrt_record *r, const char **errstr)
{
	uint8_t raw[1024], *body;
	struct mrt_hdr h;
	size_t n;
	int rc;

	n = unhex(hex, raw, sizeof(raw));
	assert_int_equal(mrt_hdr_decode(raw, n, &h), 0);
	assert_int_equal(h.len, n - MRT_HDR_LEN);
	body = malloc(h.len + 1);
	assert_non_null(body);
	memcpy(body, raw + MRT_HDR_LEN, h.len);
	rc = mrt_record_decode(&h, body, h.len, r, errstr);
	/* Views point into body: callers only look at scalars and lengths. */
	free(body);
	return rc;
}

/*
 * Every proper prefix of a valid record must be rejected (-1 with a
 * message), and must not read past its end.
 */
static void
check_truncations(const char *hex)
{
	uint8_t raw[1024], *body;
	struct mrt_record r;
	struct mrt_hdr h;
	const char *errstr;
	size_t n, cut;

	n = unhex(hex, raw, sizeof(raw));
	assert_int_equal(mrt_hdr_decode(raw, n, &h), 0);
	for (cut = 0; cut < h.len; cut++) {
		body = malloc(cut + 1);
		assert_non_null(body);
		memcpy(body, raw + MRT_HDR_LEN, cut);
		h.len = (uint32_t)cut;
		errstr = NULL;
		if (mrt_record_decode(&h, body, cut, &r, &errstr) != -1)
			fail_msg("record cut to %zu bytes was accepted", cut);
		assert_non_null(errstr);
		free(body);
	}
}

/* BGP4MP MESSAGE, 2-octet AS, IPv4: a KEEPALIVE from 192.0.2.1 AS64500. */
#define REC_MSG_AS2 \
	"4e000000 0010 0001 00000023" \
	"fbf4 fde8 0003 0001 c0000201 c0000202" \
	"ffffffffffffffffffffffffffffffff 0013 04"
/* BGP4MP_ET MESSAGE_AS4_LOCAL_ADDPATH (11), IPv6, KEEPALIVE. */
#define REC_ET_AS4_LOCAL_AP \
	"4e000001 0011 000b 00000043 0007a120" \
	"00030d40 fffffffe 0000 0002" \
	"20010db8000000000000000000000001 20010db8000000000000000000000002" \
	"ffffffffffffffffffffffffffffffff 0013 04"
/* BGP4MP STATE_CHANGE_AS4, IPv4: 3 (Active) -> 6 (Established). */
#define REC_STATE_AS4 \
	"4e000002 0010 0005 00000018" \
	"00010000 0000fde8 0000 0001 c0000201 c0000202 0003 0006"
/* TABLE_DUMP v1 IPv4: 10.1.2.0/23 (host bits set) from 192.0.2.9 AS65001 */
#define REC_TD1 \
	"3d000000 000c 0001 0000001d" \
	"0000 0007 0a010300 17 01 3c000000 c0000209 fde9 0007" \
	"40010100 400200"
/* TABLE_DUMP_V2 PEER_INDEX_TABLE: view "rrc", an IPv4/AS2 and an IPv6/AS4
 * peer. */
#define REC_PEER_INDEX \
	"5b000000 000d 0001 0000002f" \
	"c0000264 0003 727263 0002" \
	"00 0a000001 c0000201 fde8" \
	"03 0a000002 20010db8000000000000000000000009 00030d40"
/* TABLE_DUMP_V2 RIB_IPV6_UNICAST_ADDPATH: 2001:db8::/32, two entries. */
#define REC_RIB6_AP \
	"5b000000 000d 000a 0000002e" \
	"00000007 20 20010db8 0002" \
	"0000 5a000000 00000001 0004 40010100" \
	"0001 5a000001 0000002a 0007 40020402 01fde8"
/* TABLE_DUMP_V2 RIB_IPV4_UNICAST: 192.0.2.0/24, one entry. */
#define REC_RIB4 \
	"5b000000 000d 0002 00000016" \
	"00000001 18 c00002 0001 0000 5a000000 0004 40010100"

static void
test_hdr(void **state)
{
	uint8_t raw[16];
	struct mrt_hdr h;

	(void)state;
	unhex("5c00ff01 000d 0004 00011044 aa", raw, sizeof(raw));
	assert_int_equal(mrt_hdr_decode(raw, 13, &h), 0);
	assert_int_equal(h.ts, 0x5c00ff01);
	assert_int_equal(h.type, MRT_TABLE_DUMP_V2);
	assert_int_equal(h.subtype, MRT_TD2_RIB_IPV6_UNICAST);
	assert_int_equal(h.len, 0x11044);
	assert_int_equal(h.usec, 0);
	assert_int_equal(mrt_hdr_decode(raw, 11, &h), -1);
	assert_int_equal(mrt_hdr_decode(raw, 0, &h), -1);
}

static void
test_bgp4mp_message(void **state)
{
	static const struct bw_addr want4 = { AID_INET, { 192, 0, 2, 1 } };
	struct mrt_record r;
	const char *errstr;
	char a[BW_ADDR_STRLEN];

	(void)state;
	assert_int_equal(decode_hex(REC_MSG_AS2, &r, &errstr), 0);
	assert_int_equal(r.kind, MRT_K_MESSAGE);
	assert_int_equal(r.hdr.usec, 0);
	assert_int_equal(r.u.bgp4mp.peer_as, 64500);
	assert_int_equal(r.u.bgp4mp.local_as, 65000);
	assert_int_equal(r.u.bgp4mp.ifindex, 3);
	assert_string_equal(addr_fmt(&r.u.bgp4mp.peer_ip, a, sizeof(a)),
	    "192.0.2.1");
	assert_string_equal(addr_fmt(&r.u.bgp4mp.local_ip, a, sizeof(a)),
	    "192.0.2.2");
	/* the bytes past an IPv4 address are zero (compared as bytes) */
	assert_memory_equal(&r.u.bgp4mp.peer_ip, &want4, sizeof(want4));
	assert_int_equal(r.u.bgp4mp.as4, 0);
	assert_int_equal(r.u.bgp4mp.addpath, 0);
	assert_int_equal(r.u.bgp4mp.local, 0);
	assert_int_equal(r.u.bgp4mp.msg.len, 19);
	check_truncations(REC_MSG_AS2);

	assert_int_equal(decode_hex(REC_ET_AS4_LOCAL_AP, &r, &errstr), 0);
	assert_int_equal(r.kind, MRT_K_MESSAGE);
	assert_int_equal(r.hdr.usec, 500000);
	assert_int_equal(r.hdr.len, 0x43);
	assert_int_equal(r.u.bgp4mp.peer_as, 200000);
	assert_int_equal(r.u.bgp4mp.local_as, 4294967294u);
	assert_int_equal(r.u.bgp4mp.peer_ip.aid, AID_INET6);
	assert_string_equal(addr_fmt(&r.u.bgp4mp.peer_ip, a, sizeof(a)),
	    "2001:db8::1");
	assert_int_equal(r.u.bgp4mp.local_ip.aid, AID_INET6);
	assert_int_equal(r.u.bgp4mp.as4, 1);
	assert_int_equal(r.u.bgp4mp.addpath, 1);
	assert_int_equal(r.u.bgp4mp.local, 1);
	assert_int_equal(r.u.bgp4mp.msg.len, 19);
	check_truncations(REC_ET_AS4_LOCAL_AP);
}

/* Each BGP4MP subtype sets its flags: {subtype, as4, local, addpath}. */
static void
test_bgp4mp_subtypes(void **state)
{
	static const struct {
		uint16_t	st;
		uint8_t		as4, local, addpath;
	} t[] = {
		{ MRT_BGP4MP_MESSAGE, 0, 0, 0 },
		{ MRT_BGP4MP_MESSAGE_AS4, 1, 0, 0 },
		{ MRT_BGP4MP_MESSAGE_LOCAL, 0, 1, 0 },
		{ MRT_BGP4MP_MESSAGE_AS4_LOCAL, 1, 1, 0 },
		{ MRT_BGP4MP_MESSAGE_ADDPATH, 0, 0, 1 },
		{ MRT_BGP4MP_MESSAGE_AS4_ADDPATH, 1, 0, 1 },
		{ MRT_BGP4MP_MESSAGE_LOCAL_ADDPATH, 0, 1, 1 },
		{ MRT_BGP4MP_MESSAGE_AS4_LOCAL_ADDPATH, 1, 1, 1 },
	};
	uint8_t body[64];
	struct mrt_record r;
	struct mrt_hdr h;
	struct wbuf w;
	const char *errstr;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		wbuf_init(&w, body, sizeof(body));
		if (t[i].as4) {
			wbuf_put_u32(&w, 70000);
			wbuf_put_u32(&w, 65000);
		} else {
			wbuf_put_u16(&w, 7000);
			wbuf_put_u16(&w, 65000);
		}
		wbuf_put_u16(&w, 0);
		wbuf_put_u16(&w, AFI_IPV4);
		wbuf_put_u32(&w, 0xc0000201);
		wbuf_put_u32(&w, 0xc0000202);
		memset(body + w.len, 0xff, 16);
		w.len += 16;
		wbuf_put_u16(&w, 19);
		wbuf_put_u8(&w, BGP_KEEPALIVE);
		assert_false(w.err);
		memset(&h, 0, sizeof(h));
		h.type = MRT_BGP4MP;
		h.subtype = t[i].st;
		h.len = (uint32_t)w.len;
		assert_int_equal(mrt_record_decode(&h, body, w.len, &r,
		    &errstr), 0);
		assert_int_equal(r.kind, MRT_K_MESSAGE);
		assert_int_equal(r.u.bgp4mp.as4, t[i].as4);
		assert_int_equal(r.u.bgp4mp.local, t[i].local);
		assert_int_equal(r.u.bgp4mp.addpath, t[i].addpath);
		assert_int_equal(r.u.bgp4mp.peer_as, t[i].as4 ? 70000 : 7000);
		assert_ptr_equal(r.u.bgp4mp.msg.p, body + w.len - 19);
		assert_int_equal(r.u.bgp4mp.msg.len, 19);
	}
	/* ENTRY (2) and SNAPSHOT (3) are not used: skipped, not errors. */
	h.subtype = 2;
	assert_int_equal(mrt_record_decode(&h, body, h.len, &r, &errstr), 0);
	assert_int_equal(r.kind, MRT_K_SKIP);
	h.subtype = 3;
	assert_int_equal(mrt_record_decode(&h, body, h.len, &r, &errstr), 0);
	assert_int_equal(r.kind, MRT_K_SKIP);
}

static void
test_bgp4mp_state(void **state)
{
	struct mrt_record r;
	const char *errstr;
	char a[BW_ADDR_STRLEN];

	(void)state;
	assert_int_equal(decode_hex(REC_STATE_AS4, &r, &errstr), 0);
	assert_int_equal(r.kind, MRT_K_STATE);
	assert_int_equal(r.u.bgp4mp.peer_as, 65536);
	assert_int_equal(r.u.bgp4mp.local_as, 65000);
	assert_string_equal(addr_fmt(&r.u.bgp4mp.peer_ip, a, sizeof(a)),
	    "192.0.2.1");
	assert_int_equal(r.u.bgp4mp.old_state, 3);
	assert_int_equal(r.u.bgp4mp.new_state, 6);
	assert_string_equal(mrt_state_name(r.u.bgp4mp.old_state), "Active");
	assert_string_equal(mrt_state_name(r.u.bgp4mp.new_state),
	    "Established");
	check_truncations(REC_STATE_AS4);
}

static void
test_bgp4mp_malformed(void **state)
{
	static const char *const bad[] = {
		/* AFI 3 */
		"4e000000 0010 0001 00000023"
		"fbf4 fde8 0003 0003 c0000201 c0000202"
		"ffffffffffffffffffffffffffffffff 0013 04",
		/* BGP length 20 past the record's 19 bytes */
		"4e000000 0010 0001 00000023"
		"fbf4 fde8 0003 0001 c0000201 c0000202"
		"ffffffffffffffffffffffffffffffff 0014 04",
		/* BGP length 18, under the header */
		"4e000000 0010 0001 00000023"
		"fbf4 fde8 0003 0001 c0000201 c0000202"
		"ffffffffffffffffffffffffffffffff 0012 04",
		/* ET shorter than its microseconds */
		"4e000000 0011 0001 00000003 000000",
	};
	struct mrt_record r;
	const char *errstr;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errstr = NULL;
		assert_int_equal(decode_hex(bad[i], &r, &errstr), -1);
		assert_non_null(errstr);
	}
}

static void
test_td1(void **state)
{
	struct mrt_record r;
	const char *errstr;
	char a[BW_PREFIX_STRLEN];

	(void)state;
	assert_int_equal(decode_hex(REC_TD1, &r, &errstr), 0);
	assert_int_equal(r.kind, MRT_K_TD1);
	assert_int_equal(r.u.td1.view, 0);
	assert_int_equal(r.u.td1.seq, 7);
	assert_string_equal(prefix_fmt(&r.u.td1.prefix, a, sizeof(a)),
	    "10.1.2.0/23");
	assert_int_equal(r.u.td1.status, 1);
	assert_int_equal(r.u.td1.originated, 0x3c000000);
	assert_string_equal(addr_fmt(&r.u.td1.peer_ip, a, sizeof(a)),
	    "192.0.2.9");
	assert_int_equal(r.u.td1.peer_as, 65001);
	assert_int_equal(r.u.td1.attrs.len, 7);
	check_truncations(REC_TD1);

	/* prefix length 33 */
	assert_int_equal(decode_hex("3d000000 000c 0001 0000001d"
	    "0000 0007 0a010300 21 01 3c000000 c0000209 fde9 0007"
	    "40010100 400200", &r, &errstr), -1);
	/* subtype 3 (bgpdump's private 32-bit AS variant): not used */
	assert_int_equal(decode_hex("3d000000 000c 0003 00000001 00",
	    &r, &errstr), 0);
	assert_int_equal(r.kind, MRT_K_SKIP);
}

static void
test_peer_index(void **state)
{
	uint8_t raw[256];
	struct mrt_record r;
	struct mrt_peer p;
	struct mrt_hdr h;
	struct buf b;
	const char *errstr;
	char a[BW_ADDR_STRLEN];
	size_t n;

	(void)state;
	n = unhex(REC_PEER_INDEX, raw, sizeof(raw));
	assert_int_equal(mrt_hdr_decode(raw, n, &h), 0);
	assert_int_equal(mrt_record_decode(&h, raw + MRT_HDR_LEN, h.len, &r,
	    &errstr), 0);
	assert_int_equal(r.kind, MRT_K_PEER_INDEX);
	assert_int_equal(r.u.peer_index.collector_id, 0xc0000264);
	assert_int_equal(r.u.peer_index.view_name.len, 3);
	assert_memory_equal(r.u.peer_index.view_name.p, "rrc", 3);
	assert_int_equal(r.u.peer_index.count, 2);

	buf_init(&b, r.u.peer_index.peers.p, r.u.peer_index.peers.len);
	assert_int_equal(mrt_peer_next(&b, &p), 1);
	assert_int_equal(p.bgp_id, 0x0a000001);
	assert_string_equal(addr_fmt(&p.addr, a, sizeof(a)), "192.0.2.1");
	assert_int_equal(p.asn, 65000);
	assert_int_equal(p.as4, 0);
	assert_int_equal(mrt_peer_next(&b, &p), 1);
	assert_int_equal(p.bgp_id, 0x0a000002);
	assert_string_equal(addr_fmt(&p.addr, a, sizeof(a)), "2001:db8::9");
	assert_int_equal(p.asn, 200000);
	assert_int_equal(p.as4, 1);
	assert_int_equal(mrt_peer_next(&b, &p), 0);
	check_truncations(REC_PEER_INDEX);

	/* a count of 3 with 2 peers' bytes */
	assert_int_equal(decode_hex("5b000000 000d 0001 0000002f"
	    "c0000264 0003 727263 0003"
	    "00 0a000001 c0000201 fde8"
	    "03 0a000002 20010db8000000000000000000000009 00030d40",
	    &r, &errstr), -1);
	/* a view name longer than the record */
	assert_int_equal(decode_hex("5b000000 000d 0001 00000009"
	    "c0000264 0009 727263", &r, &errstr), -1);
}

static void
test_rib(void **state)
{
	uint8_t raw[256];
	struct mrt_rib_entry e;
	struct mrt_record r;
	struct mrt_hdr h;
	struct buf b;
	const char *errstr;
	char a[BW_PREFIX_STRLEN];
	size_t n;

	(void)state;
	n = unhex(REC_RIB6_AP, raw, sizeof(raw));
	assert_int_equal(mrt_hdr_decode(raw, n, &h), 0);
	assert_int_equal(mrt_record_decode(&h, raw + MRT_HDR_LEN, h.len, &r,
	    &errstr), 0);
	assert_int_equal(r.kind, MRT_K_RIB);
	assert_int_equal(r.u.rib.seq, 7);
	assert_int_equal(r.u.rib.addpath, 1);
	assert_int_equal(r.u.rib.count, 2);
	assert_string_equal(prefix_fmt(&r.u.rib.prefix, a, sizeof(a)),
	    "2001:db8::/32");
	buf_init(&b, r.u.rib.entries.p, r.u.rib.entries.len);
	assert_int_equal(mrt_rib_next(&b, r.u.rib.addpath, &e), 1);
	assert_int_equal(e.peer_index, 0);
	assert_int_equal(e.originated, 0x5a000000);
	assert_int_equal(e.path_id, 1);
	assert_int_equal(e.attrs.len, 4);
	assert_int_equal(mrt_rib_next(&b, r.u.rib.addpath, &e), 1);
	assert_int_equal(e.peer_index, 1);
	assert_int_equal(e.path_id, 42);
	assert_int_equal(e.attrs.len, 7);
	assert_int_equal(mrt_rib_next(&b, r.u.rib.addpath, &e), 0);
	check_truncations(REC_RIB6_AP);

	assert_int_equal(decode_hex(REC_RIB4, &r, &errstr), 0);
	assert_int_equal(r.kind, MRT_K_RIB);
	assert_int_equal(r.u.rib.addpath, 0);
	assert_string_equal(prefix_fmt(&r.u.rib.prefix, a, sizeof(a)),
	    "192.0.2.0/24");
	check_truncations(REC_RIB4);

	/* /33 in an IPv4 RIB */
	assert_int_equal(decode_hex("5b000000 000d 0002 00000018"
	    "00000001 21 c0000200 00 0001 0000 5a000000 0004 40010100"
	    , &r, &errstr), -1);
	/* an entry's attribute length past the record */
	assert_int_equal(decode_hex("5b000000 000d 0002 00000016"
	    "00000001 18 c00002 0001 0000 5a000000 0005 40010100",
	    &r, &errstr), -1);
	/* two entries announced, one present */
	assert_int_equal(decode_hex("5b000000 000d 0002 00000016"
	    "00000001 18 c00002 0002 0000 5a000000 0004 40010100",
	    &r, &errstr), -1);
}

/* Kinds bgpwatch does not use decode cleanly to MRT_K_SKIP. */
static void
test_skip(void **state)
{
	static const uint16_t td2[] = {
		MRT_TD2_RIB_IPV4_MULTICAST, MRT_TD2_RIB_IPV6_MULTICAST,
		MRT_TD2_RIB_GENERIC, MRT_TD2_GEO_PEER_TABLE,
		MRT_TD2_RIB_IPV4_MULTICAST_ADDPATH,
		MRT_TD2_RIB_IPV6_MULTICAST_ADDPATH,
		MRT_TD2_RIB_GENERIC_ADDPATH, 13, 0xffff
	};
	static const uint16_t types[] = { 0, 5, 11, 32, 33, 48, 0xffff };
	uint8_t junk[3] = { 1, 2, 3 };
	struct mrt_record r;
	struct mrt_hdr h;
	const char *errstr;
	size_t i;

	(void)state;
	memset(&h, 0, sizeof(h));
	h.len = sizeof(junk);
	h.type = MRT_TABLE_DUMP_V2;
	for (i = 0; i < sizeof(td2) / sizeof(td2[0]); i++) {
		h.subtype = td2[i];
		assert_int_equal(mrt_record_decode(&h, junk, sizeof(junk), &r,
		    &errstr), 0);
		assert_int_equal(r.kind, MRT_K_SKIP);
	}
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		h.type = types[i];
		h.subtype = 1;
		assert_int_equal(mrt_record_decode(&h, junk, sizeof(junk), &r,
		    &errstr), 0);
		assert_int_equal(r.kind, MRT_K_SKIP);
	}
	/* a body length that disagrees with the header */
	h.type = MRT_BGP4MP;
	assert_int_equal(mrt_record_decode(&h, junk, 2, &r, &errstr), -1);
}

static void
test_state_names(void **state)
{
	(void)state;
	assert_string_equal(mrt_state_name(0), "Unknown");
	assert_string_equal(mrt_state_name(1), "Idle");
	assert_string_equal(mrt_state_name(2), "Connect");
	assert_string_equal(mrt_state_name(4), "Opensent");
	assert_string_equal(mrt_state_name(5), "Openconfirm");
	assert_string_equal(mrt_state_name(9), "Unknown");
	assert_string_equal(mrt_state_name(0xffff), "Unknown");
}

/* Real files */

struct counts {
	uint32_t	records;
	uint32_t	messages;
	uint32_t	updates;
	uint32_t	states;
	uint32_t	peer_index;
	uint32_t	peers;
	uint32_t	ribs;
	uint32_t	rib_entries;
	uint32_t	addpath_entries;
	uint32_t	td1;
	uint32_t	skipped;
	uint32_t	as4;
	uint32_t	maxlen;
	uint32_t	first_usec;
};

/* Reads every record of an open reader; fails the test on any error. */
static void
count_all(struct mrt_file *mf, struct counts *c)
{
	struct mrt_rib_entry e;
	struct mrt_record r;
	struct mrt_peer peer;
	struct mrt_hdr h;
	struct buf b;
	const uint8_t *body;
	const char *errstr;
	int rc;

	memset(c, 0, sizeof(*c));
	while ((rc = mrt_file_next(mf, &h, &body, &errstr)) == 1) {
		if (mrt_record_decode(&h, body, h.len, &r, &errstr) == -1)
			fail_msg("record %u: %s", c->records, errstr);
		if (c->records == 0)
			c->first_usec = r.hdr.usec;
		assert_int_equal(h.usec, r.hdr.usec);
		c->records++;
		if (h.len > c->maxlen)
			c->maxlen = h.len;
		switch (r.kind) {
		case MRT_K_MESSAGE:
			c->messages++;
			c->as4 += r.u.bgp4mp.as4;
			if (r.u.bgp4mp.msg.p[18] == BGP_UPDATE)
				c->updates++;
			break;
		case MRT_K_STATE:
			c->states++;
			break;
		case MRT_K_PEER_INDEX:
			c->peer_index++;
			buf_init(&b, r.u.peer_index.peers.p,
			    r.u.peer_index.peers.len);
			while ((rc = mrt_peer_next(&b, &peer)) == 1)
				c->peers++;
			assert_int_equal(rc, 0);
			break;
		case MRT_K_RIB:
			c->ribs++;
			buf_init(&b, r.u.rib.entries.p, r.u.rib.entries.len);
			while ((rc = mrt_rib_next(&b, r.u.rib.addpath,
			    &e)) == 1) {
				c->rib_entries++;
				c->addpath_entries += r.u.rib.addpath;
			}
			assert_int_equal(rc, 0);
			break;
		case MRT_K_TD1:
			c->td1++;
			break;
		case MRT_K_SKIP:
			c->skipped++;
			break;
		}
	}
	if (rc == -1)
		fail_msg("after %u records: %s", c->records, errstr);
}

static void
count_file(const char *file, struct counts *c)
{
	struct mrt_file *mf;
	char path[1024], err[256];

	data_path(path, sizeof(path), file);
	if ((mf = mrt_file_open(path, err, sizeof(err))) == NULL)
		fail_msg("%s (set BGPWATCH_MRT_DATA)", err);
	assert_int_equal(mrt_file_format(mf), MRT_FMT_GZIP);
	count_all(mf, c);
	mrt_file_close(mf);
}

/*
 * Per file: records by kind.  states, td1 and rib_entries equal the
 * STATE and B line counts of `bgpdump -m FILE`; the other numbers were
 * read with an independent Python walk of the record headers.
 */
static void
test_files(void **state)
{
	static const struct {
		const char	*file;
		struct counts	 c;
	} t[] = {
		{ "bview.20020722.2337.gz",
		    { .records = 115521, .td1 = 115521 } },
		{ "bview.64k_stream_overflow.gz",
		    { .records = 2, .peer_index = 1, .peers = 54, .ribs = 1,
		    .rib_entries = 23 } },
		{ "bview.ipv4_unicast_add_path.gz",
		    { .records = 32, .peer_index = 1, .peers = 3, .ribs = 31,
		    .rib_entries = 62, .addpath_entries = 62 } },
		{ "bview.ipv6_unicast_add_path.gz",
		    { .records = 32, .peer_index = 1, .peers = 3, .ribs = 31,
		    .rib_entries = 62, .addpath_entries = 62 } },
		{ "updates.20070211.0141.gz",
		    { .records = 23394, .messages = 23394,
		    .updates = 23394 } },
		{ "updates.20100722.2015.gz",
		    { .records = 2193, .messages = 2153, .updates = 1822,
		    .states = 40, .as4 = 1364 } },
		{ "updates.20160811.1600.gz",
		    { .records = 17406, .messages = 17384, .updates = 17216,
		    .states = 22, .as4 = 17384 } },
		{ "updates.et-header.2015.gz",
		    { .records = 89686, .messages = 89682, .updates = 89679,
		    .states = 4, .as4 = 89681 } },
		{ "updates.long_withdrawal.gz",
		    { .records = 1, .messages = 1, .updates = 1, .as4 = 1 } },
		{ "updates.nlri_mask_trailing_bits.gz",
		    { .records = 1, .messages = 1, .updates = 1 } },
	};
	struct counts c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		count_file(t[i].file, &c);
		print_message("%-36s %6u records\n", t[i].file, c.records);
		assert_int_equal(c.records, t[i].c.records);
		assert_int_equal(c.messages, t[i].c.messages);
		assert_int_equal(c.updates, t[i].c.updates);
		assert_int_equal(c.states, t[i].c.states);
		assert_int_equal(c.peer_index, t[i].c.peer_index);
		assert_int_equal(c.peers, t[i].c.peers);
		assert_int_equal(c.ribs, t[i].c.ribs);
		assert_int_equal(c.rib_entries, t[i].c.rib_entries);
		assert_int_equal(c.addpath_entries, t[i].c.addpath_entries);
		assert_int_equal(c.td1, t[i].c.td1);
		assert_int_equal(c.skipped, 0);
		assert_int_equal(c.as4, t[i].c.as4);
	}
}

/* The 64k file: one RIB record of 69,700 bytes, past a 64 KiB buffer. */
static void
test_file_large_record(void **state)
{
	struct counts c;

	(void)state;
	count_file("bview.64k_stream_overflow.gz", &c);
	assert_int_equal(c.maxlen, 69700);
	count_file("updates.long_withdrawal.gz", &c);
	assert_int_equal(c.maxlen, 36938);
}

/* The first ET record is bgpdump's 1445565678.509481 STATE 1 -> 2. */
static void
test_file_et(void **state)
{
	struct mrt_file *mf;
	struct mrt_record r;
	struct mrt_hdr h;
	const uint8_t *body;
	const char *errstr;
	char path[1024], err[256], a[BW_ADDR_STRLEN];

	(void)state;
	data_path(path, sizeof(path), "updates.et-header.2015.gz");
	mf = mrt_file_open(path, err, sizeof(err));
	assert_non_null(mf);
	assert_int_equal(mrt_file_next(mf, &h, &body, &errstr), 1);
	assert_int_equal(h.ts, 1445565678);
	assert_int_equal(h.usec, 509481);
	assert_int_equal(mrt_record_decode(&h, body, h.len, &r, &errstr), 0);
	assert_int_equal(r.kind, MRT_K_STATE);
	assert_int_equal(r.hdr.usec, 509481);
	assert_string_equal(addr_fmt(&r.u.bgp4mp.peer_ip, a, sizeof(a)),
	    "206.220.231.55");
	assert_int_equal(r.u.bgp4mp.peer_as, 3856);
	assert_int_equal(r.u.bgp4mp.old_state, 1);
	assert_int_equal(r.u.bgp4mp.new_state, 2);
	mrt_file_close(mf);
}

/* Peer index and path ids of the ADD-PATH dumps, as bgpdump prints them. */
static void
test_file_addpath(void **state)
{
	struct mrt_rib_entry e;
	struct mrt_file *mf;
	struct mrt_record r;
	struct mrt_peer p;
	struct mrt_hdr h;
	struct buf b;
	const uint8_t *body;
	const char *errstr;
	char path[1024], err[256], a[BW_PREFIX_STRLEN];

	(void)state;
	data_path(path, sizeof(path), "bview.ipv6_unicast_add_path.gz");
	mf = mrt_file_open(path, err, sizeof(err));
	assert_non_null(mf);
	assert_int_equal(mrt_file_next(mf, &h, &body, &errstr), 1);
	assert_int_equal(mrt_record_decode(&h, body, h.len, &r, &errstr), 0);
	assert_int_equal(r.kind, MRT_K_PEER_INDEX);
	assert_int_equal(r.u.peer_index.collector_id, 0x0a001001);
	assert_int_equal(r.u.peer_index.view_name.len, 6);
	assert_memory_equal(r.u.peer_index.view_name.p, "master", 6);
	assert_int_equal(r.u.peer_index.count, 3);
	buf_init(&b, r.u.peer_index.peers.p, r.u.peer_index.peers.len);
	assert_int_equal(mrt_peer_next(&b, &p), 1);
	assert_int_equal(mrt_peer_next(&b, &p), 1);
	assert_int_equal(p.bgp_id, 0x0a001101);
	assert_string_equal(addr_fmt(&p.addr, a, sizeof(a)),
	    "2001:db8:16::2");
	assert_int_equal(p.asn, 65017);
	assert_int_equal(p.as4, 1);

	/* TABLE_DUMP2_AP|1452169448|B|2001:db8:16::2|65017|2001:db8:28::/48|59 */
	assert_int_equal(mrt_file_next(mf, &h, &body, &errstr), 1);
	assert_int_equal(h.subtype, MRT_TD2_RIB_IPV6_UNICAST_ADDPATH);
	assert_int_equal(mrt_record_decode(&h, body, h.len, &r, &errstr), 0);
	assert_int_equal(r.kind, MRT_K_RIB);
	assert_string_equal(prefix_fmt(&r.u.rib.prefix, a, sizeof(a)),
	    "2001:db8:28::/48");
	assert_int_equal(r.u.rib.count, 2);
	buf_init(&b, r.u.rib.entries.p, r.u.rib.entries.len);
	assert_int_equal(mrt_rib_next(&b, 1, &e), 1);
	assert_int_equal(e.peer_index, 1);
	assert_int_equal(e.path_id, 59);
	assert_int_equal(mrt_rib_next(&b, 1, &e), 1);
	assert_int_equal(e.path_id, 61);
	assert_int_equal(mrt_rib_next(&b, 1, &e), 0);
	mrt_file_close(mf);

	data_path(path, sizeof(path), "bview.ipv4_unicast_add_path.gz");
	mf = mrt_file_open(path, err, sizeof(err));
	assert_non_null(mf);
	assert_int_equal(mrt_file_next(mf, &h, &body, &errstr), 1);
	assert_int_equal(mrt_file_next(mf, &h, &body, &errstr), 1);
	assert_int_equal(mrt_record_decode(&h, body, h.len, &r, &errstr), 0);
	assert_string_equal(prefix_fmt(&r.u.rib.prefix, a, sizeof(a)),
	    "10.0.10.0/24");
	buf_init(&b, r.u.rib.entries.p, r.u.rib.entries.len);
	assert_int_equal(mrt_rib_next(&b, 1, &e), 1);
	assert_int_equal(e.path_id, 36);
	assert_int_equal(e.peer_index, 2);
	assert_int_equal(mrt_rib_next(&b, 1, &e), 1);
	assert_int_equal(e.path_id, 38);
	mrt_file_close(mf);
}

/* Reader */

/* Decompresses a data file with the reader itself (gzip path). */
static uint8_t *
plain_of(const char *file, size_t *n)
{
	struct mrt_file *mf;
	const uint8_t *body;
	struct mrt_hdr h;
	const char *errstr;
	char path[1024], err[256];
	uint8_t *p = NULL;
	size_t cap = 0;
	struct wbuf w;
	int rc;

	data_path(path, sizeof(path), file);
	mf = mrt_file_open(path, err, sizeof(err));
	assert_non_null(mf);
	*n = 0;
	while ((rc = mrt_file_next(mf, &h, &body, &errstr)) == 1) {
		while (cap - *n < MRT_HDR_LEN + h.len) {
			cap = cap ? 2 * cap : 1 << 20;
			p = realloc(p, cap);
			assert_non_null(p);
		}
		wbuf_init(&w, p + *n, MRT_HDR_LEN + h.len);
		wbuf_put_u32(&w, h.ts);
		wbuf_put_u16(&w, h.type);
		wbuf_put_u16(&w, h.subtype);
		wbuf_put_u32(&w, h.len);
		wbuf_put_bytes(&w, body, h.len);
		assert_false(w.err);
		*n += w.len;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(mrt_file_offset(mf), *n);
	mrt_file_close(mf);
	return p;
}

/* Reads p (n bytes) from memory and from a file: complete, then -1. */
static void
reader_truncated_member(const uint8_t *p, size_t n, uint64_t complete)
{
	char tmpl[] = "/tmp/test_mrt.XXXXXX", err[256];
	struct mrt_file *mf;
	const uint8_t *body;
	struct mrt_hdr h;
	const char *errstr;
	uint64_t k;
	int fd, rc, pass;

	assert_true((fd = mkstemp(tmpl)) != -1);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	close(fd);
	for (pass = 0; pass < 2; pass++) {
		mf = pass == 0 ? mrt_file_open_mem(p, n, err, sizeof(err)) :
		    mrt_file_open(tmpl, err, sizeof(err));
		assert_non_null(mf);
		k = 0;
		while ((rc = mrt_file_next(mf, &h, &body, &errstr)) == 1)
			k++;
		assert_int_equal(rc, -1);
		assert_string_equal(errstr, "truncated gzip stream");
		assert_true(k >= complete && k < 2 * complete);
		mrt_file_close(mf);
	}
	unlink(tmpl);
}

static void
test_reader_formats(void **state)
{
	struct mrt_file *mf;
	struct counts ref, c;
	uint8_t *plain, *bz, *cat, *gz;
	unsigned int bzlen;
	size_t n, gzlen;
	char err[256], path[1024];

	(void)state;
	count_file("updates.20100722.2015.gz", &ref);
	plain = plain_of("updates.20100722.2015.gz", &n);
	assert_int_equal(n, 227230);

	mf = mrt_file_open_mem(plain, n, err, sizeof(err));
	assert_non_null(mf);
	assert_int_equal(mrt_file_format(mf), MRT_FMT_PLAIN);
	count_all(mf, &c);
	mrt_file_close(mf);
	assert_memory_equal(&c, &ref, sizeof(c));

	bzlen = (unsigned int)n + 4096;
	bz = malloc(bzlen);
	assert_non_null(bz);
	assert_int_equal(BZ2_bzBuffToBuffCompress((char *)bz, &bzlen,
	    (char *)plain, (unsigned int)n, 1, 0, 0), BZ_OK);
	mf = mrt_file_open_mem(bz, bzlen, err, sizeof(err));
	assert_non_null(mf);
	assert_int_equal(mrt_file_format(mf), MRT_FMT_BZIP2);
	count_all(mf, &c);
	mrt_file_close(mf);
	assert_memory_equal(&c, &ref, sizeof(c));

	/* a truncated bzip2 stream ends in an error, not a silent EOF */
	mf = mrt_file_open_mem(bz, bzlen / 2, err, sizeof(err));
	assert_non_null(mf);
	{
		const uint8_t *body;
		struct mrt_hdr h;
		const char *errstr;
		int rc, k = 0;

		while ((rc = mrt_file_next(mf, &h, &body, &errstr)) == 1)
			k++;
		assert_int_equal(rc, -1);
		assert_non_null(errstr);
		assert_true(k > 0 && k < (int)ref.records);
	}
	mrt_file_close(mf);

	/* concatenated streams (pbzip2, cat a.bz2 b.bz2) read as one */
	cat = malloc(2 * (size_t)bzlen);
	assert_non_null(cat);
	memcpy(cat, bz, bzlen);
	memcpy(cat + bzlen, bz, bzlen);
	mf = mrt_file_open_mem(cat, 2 * (size_t)bzlen, err, sizeof(err));
	assert_non_null(mf);
	count_all(mf, &c);
	mrt_file_close(mf);
	assert_int_equal(c.records, 2 * ref.records);
	free(cat);
	free(bz);
	free(plain);

	/* concatenated gzip members (cat a.gz b.gz) too */
	data_path(path, sizeof(path), "updates.20100722.2015.gz");
	gz = slurp(path, &gzlen);
	cat = malloc(2 * gzlen);
	assert_non_null(cat);
	memcpy(cat, gz, gzlen);
	memcpy(cat + gzlen, gz, gzlen);
	mf = mrt_file_open_mem(cat, 2 * gzlen, err, sizeof(err));
	assert_non_null(mf);
	count_all(mf, &c);
	mrt_file_close(mf);
	assert_int_equal(c.records, 2 * ref.records);

	/*
	 * A crash leaves complete members and a truncated last one: every
	 * record of the complete ones, then what inflate gets out of the
	 * rest, then an error (never a silent EOF); from memory and from a
	 * file (libdeflate's whole-member path, then inflate's).
	 */
	reader_truncated_member(cat, gzlen + gzlen / 2, ref.records);
	free(cat);
	free(gz);

	/* A member larger than libdeflate's 16 MiB window: inflate's. */
	plain = plain_of("updates.20100722.2015.gz", &n);
	cat = malloc(80 * n);
	assert_non_null(cat);
	for (gzlen = 0; gzlen < 80; gzlen++)
		memcpy(cat + gzlen * n, plain, n);
	gz = gzip_of(cat, 80 * n, &gzlen);
	mf = mrt_file_open_mem(gz, gzlen, err, sizeof(err));
	assert_non_null(mf);
	count_all(mf, &c);
	mrt_file_close(mf);
	assert_int_equal(c.records, 80 * ref.records);
	free(gz);
	free(cat);
	free(plain);
}

/* Plain data behind a .gz name and on stdin: the magic decides. */
static void
test_reader_path_stdin(void **state)
{
	struct mrt_file *mf;
	struct counts ref, c;
	char tmpl[] = "/tmp/test_mrt.XXXXXX";
	char path[64], err[256], gzpath[1024];
	uint8_t *plain;
	size_t n;
	int fd, saved;

	(void)state;
	count_file("updates.20100722.2015.gz", &ref);
	plain = plain_of("updates.20100722.2015.gz", &n);
	fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, plain, n), (ssize_t)n);
	close(fd);
	snprintf(path, sizeof(path), "%s.gz", tmpl);
	assert_int_equal(rename(tmpl, path), 0);

	mf = mrt_file_open(path, err, sizeof(err));
	assert_non_null(mf);
	assert_int_equal(mrt_file_format(mf), MRT_FMT_PLAIN);
	count_all(mf, &c);
	mrt_file_close(mf);
	assert_memory_equal(&c, &ref, sizeof(c));

	/* stdin, gzip and plain */
	data_path(gzpath, sizeof(gzpath), "updates.20100722.2015.gz");
	saved = dup(STDIN_FILENO);
	assert_true(saved >= 0);
	fd = open(gzpath, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
	close(fd);
	mf = mrt_file_open("-", err, sizeof(err));
	assert_non_null(mf);
	assert_int_equal(mrt_file_format(mf), MRT_FMT_GZIP);
	count_all(mf, &c);
	mrt_file_close(mf);
	assert_memory_equal(&c, &ref, sizeof(c));

	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
	close(fd);
	mf = mrt_file_open("-", err, sizeof(err));
	assert_non_null(mf);
	assert_int_equal(mrt_file_format(mf), MRT_FMT_PLAIN);
	count_all(mf, &c);
	mrt_file_close(mf);
	assert_memory_equal(&c, &ref, sizeof(c));

	assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
	unlink(path);
	free(plain);

	assert_null(mrt_file_open("/nonexistent/x.mrt", err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/x.mrt"));
}

/* Reads an in-memory stream to its end; returns the last rc. */
static int
drain(const void *p, size_t n, int *records, const char **errstr)
{
	struct mrt_file *mf;
	const uint8_t *body;
	struct mrt_hdr h;
	char err[256];
	int rc;

	mf = mrt_file_open_mem(p, n, err, sizeof(err));
	assert_non_null(mf);
	*records = 0;
	*errstr = NULL;
	while ((rc = mrt_file_next(mf, &h, &body, errstr)) == 1)
		(*records)++;
	if (rc == -1) {
		/* the error sticks */
		assert_int_equal(mrt_file_next(mf, &h, &body, errstr), -1);
		assert_non_null(*errstr);
	}
	mrt_file_close(mf);
	return rc;
}

/*
 * A member whose CRC is wrong: libdeflate refuses it, inflate then makes
 * all of it and the error in one call.  Its records come out before the
 * error, as they do when the window is small or the file a pipe
 * (fuzz_mrtfile; tests/fuzz/regress/mrtfile/crc-after-1mib).
 */
static void
damaged_crc(void)
{
	uint8_t rec[64], *many, *gz;
	const char *errstr;
	size_t n, gzlen;
	int i, k;

	n = unhex(REC_STATE_AS4, rec, sizeof(rec));
	many = malloc(1000 * n);
	assert_non_null(many);
	for (i = 0; i < 1000; i++)
		memcpy(many + (size_t)i * n, rec, n);
	gz = gzip_of(many, 1000 * n, &gzlen);
	assert_int_equal(drain(gz, gzlen, &k, &errstr), 0);
	assert_int_equal(k, 1000);
	gz[gzlen - 8] ^= 0x01;		/* the CRC32 of the trailer */
	assert_int_equal(drain(gz, gzlen, &k, &errstr), -1);
	assert_int_equal(k, 1000);
	assert_string_equal(errstr, "corrupt gzip data");
	free(many);
	free(gz);
}

static void
test_reader_hostile(void **state)
{
	uint8_t rec[64], two[128], *gz;
	const char *errstr;
	char path[1024];
	size_t n, gzlen;
	int k;

	(void)state;
	n = unhex(REC_STATE_AS4, rec, sizeof(rec));
	memcpy(two, rec, n);
	memcpy(two + n, rec, n);

	assert_int_equal(drain(two, 0, &k, &errstr), 0);
	assert_int_equal(k, 0);
	assert_int_equal(drain(two, 2 * n, &k, &errstr), 0);
	assert_int_equal(k, 2);
	/* cut inside the second header, then inside its body */
	assert_int_equal(drain(two, n + 5, &k, &errstr), -1);
	assert_int_equal(k, 1);
	assert_string_equal(errstr, "truncated MRT header");
	assert_int_equal(drain(two, 2 * n - 1, &k, &errstr), -1);
	assert_int_equal(k, 1);
	assert_string_equal(errstr, "truncated MRT record");

	/* a 4 GiB length is refused before anything is allocated */
	two[n + 8] = two[n + 9] = two[n + 10] = two[n + 11] = 0xff;
	assert_int_equal(drain(two, 2 * n, &k, &errstr), -1);
	assert_int_equal(k, 1);
	assert_string_equal(errstr, "MRT record length over the limit");
	/* MRT_MAX_RECORD + 1 too */
	two[n + 8] = 0x01;
	two[n + 9] = two[n + 10] = 0x00;
	two[n + 11] = 0x01;
	assert_int_equal(drain(two, 2 * n, &k, &errstr), -1);
	assert_string_equal(errstr, "MRT record length over the limit");
	/* MRT_MAX_RECORD itself passes the check and is then truncated */
	two[n + 11] = 0x00;
	assert_int_equal(drain(two, 2 * n, &k, &errstr), -1);
	assert_string_equal(errstr, "truncated MRT record");

	/* a gzip file cut in half: records, then an error */
	data_path(path, sizeof(path), "updates.20100722.2015.gz");
	gz = slurp(path, &gzlen);
	assert_int_equal(drain(gz, gzlen / 2, &k, &errstr), -1);
	assert_true(k > 100 && k < 2193);
	assert_non_null(errstr);
	/* without its last byte (the gzip trailer is damaged) */
	assert_int_equal(drain(gz, gzlen - 1, &k, &errstr), -1);
	/* garbage in the middle of the deflate stream */
	memset(gz + gzlen / 2, 0x55, 64);
	assert_int_equal(drain(gz, gzlen, &k, &errstr), -1);
	free(gz);
	damaged_crc();
}

static uint32_t
xorshift(uint32_t *st)
{
	*st ^= *st << 13;
	*st ^= *st >> 17;
	*st ^= *st << 5;
	return *st;
}

/* n records of len random body bytes each, as one gzip member. */
static uint8_t *
random_member(uint32_t *st, int n, size_t len, size_t *gzlen)
{
	uint8_t *p, *q, *gz;
	size_t i;
	int k;

	assert_non_null(p = malloc((size_t)n * (MRT_HDR_LEN + len)));
	for (q = p, k = 0; k < n; k++) {
		memset(q, 0, MRT_HDR_LEN);
		q[5] = MRT_BGP4MP;
		q[7] = 5;
		q[8] = (uint8_t)(len >> 24);
		q[9] = (uint8_t)(len >> 16);
		q[10] = (uint8_t)(len >> 8);
		q[11] = (uint8_t)len;
		q += MRT_HDR_LEN;
		for (i = 0; i < len; i++)
			*q++ = (uint8_t)xorshift(st);
	}
	gz = gzip_of(p, (size_t)(q - p), gzlen);
	free(p);
	return gz;
}

/*
 * A gzip file of many empty members (20 bytes each) around records:
 * libdeflate's raw buffer was topped up to 4 MiB after every member,
 * moving what was left each time, so 6 MB of them took minutes.  Then
 * a 3.5 MiB member while 3 MiB are left: topped up and tried again, not
 * handed to inflate.  Every record comes out, from a file and from
 * memory, in a CPU time that does not grow with the square of the file.
 */
static void
test_reader_empty_members(void **state)
{
	static const uint8_t empty[20] = { 0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0,
	    0, 0xff, 0x03, 0 };
	char tmpl[] = "/tmp/test_mrt.XXXXXX", err[256];
	uint8_t *file, *one, *big;
	size_t n = 0, onelen, biglen;
	const uint8_t *body;
	const char *errstr;
	struct mrt_file *mf;
	struct mrt_hdr h;
	uint32_t st = 0x2545f491;
	clock_t t0;
	int fd, i, k, pass, rc;

	(void)state;
	one = random_member(&st, 1, 100, &onelen);
	big = random_member(&st, 900, 4000, &biglen);
	assert_in_range(biglen, 3 * 1024 * 1024, 4 * 1024 * 1024 - 4096);
	assert_non_null(file = malloc(2 * onelen + biglen + 300000 * 20));
	memcpy(file + n, one, onelen);
	n += onelen;
	for (i = 0; i < 50000; i++, n += sizeof(empty))
		memcpy(file + n, empty, sizeof(empty));
	memcpy(file + n, big, biglen);
	n += biglen;
	for (i = 0; i < 250000; i++, n += sizeof(empty))
		memcpy(file + n, empty, sizeof(empty));
	memcpy(file + n, one, onelen);
	n += onelen;
	assert_true((fd = mkstemp(tmpl)) != -1);
	assert_int_equal(write(fd, file, n), (ssize_t)n);
	close(fd);
	for (pass = 0; pass < 2; pass++) {
		t0 = clock();
		mf = pass == 0 ? mrt_file_open(tmpl, err, sizeof(err)) :
		    mrt_file_open_mem(file, n, err, sizeof(err));
		assert_non_null(mf);
		for (k = 0; (rc = mrt_file_next(mf, &h, &body, &errstr)) == 1;
		    k++)
			assert_true(h.len == (k == 0 || k == 901 ? 100 : 4000));
		assert_int_equal(rc, 0);
		assert_int_equal(k, 902);
		assert_int_equal(mrt_file_offset(mf),
		    2 * (MRT_HDR_LEN + 100) + 900 * (MRT_HDR_LEN + 4000));
		mrt_file_close(mf);
		/* 20-40 ms here (SAN 0.2 s); it was minutes */
		if (getenv("BGPWATCH_MEMCHECK") == NULL)
			assert_in_range(clock() - t0, 0, 5 * CLOCKS_PER_SEC);
	}
	unlink(tmpl);
	free(file);
	free(big);
	free(one);
}

/* Walks whatever a record decoded to, as a consumer would. */
static void
walk_record(const struct mrt_record *r)
{
	struct mrt_rib_entry e;
	struct mrt_peer peer;
	struct buf b;

	if (r->kind == MRT_K_PEER_INDEX) {
		buf_init(&b, r->u.peer_index.peers.p, r->u.peer_index.peers.len);
		while (mrt_peer_next(&b, &peer) == 1)
			;
		assert_int_equal(buf_left(&b), 0);
	} else if (r->kind == MRT_K_RIB) {
		buf_init(&b, r->u.rib.entries.p, r->u.rib.entries.len);
		while (mrt_rib_next(&b, r->u.rib.addpath, &e) == 1)
			;
		assert_int_equal(buf_left(&b), 0);
	} else if (r->kind == MRT_K_MESSAGE)
		assert_true(r->u.bgp4mp.msg.len >= BGP_HDR_LEN);
}

/*
 * Real records with random bytes changed, each decoded from an exact-size
 * heap copy: decoding either fails cleanly or yields views that walk to
 * their end (ASan watches the bounds).  Then whole streams with random
 * damage go through the reader, which must end, one way or the other.
 */
static void
test_mutations(void **state)
{
	static const char *const files[] = {
		"updates.20100722.2015.gz", "bview.ipv4_unicast_add_path.gz",
		"bview.64k_stream_overflow.gz", "updates.20160811.1600.gz",
		"bview.20020722.2337.gz"
	};
	struct mrt_record r;
	struct mrt_hdr h;
	const char *errstr;
	uint8_t *plain, *copy;
	uint32_t st = 0x2545f491;
	size_t i, n, off, k, m;
	int nrec, recs;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		plain = plain_of(files[i], &n);
		for (off = 0, nrec = 0; off + MRT_HDR_LEN <= n && nrec < 400;
		    nrec++) {
			assert_int_equal(mrt_hdr_decode(plain + off, n - off,
			    &h), 0);
			off += MRT_HDR_LEN;
			for (k = 0; k < 16 && h.len > 0; k++) {
				copy = malloc(h.len);
				assert_non_null(copy);
				memcpy(copy, plain + off, h.len);
				for (m = 0; m < 1 + k % 4; m++)
					copy[xorshift(&st) % h.len] =
					    (uint8_t)xorshift(&st);
				if (mrt_record_decode(&h, copy, h.len, &r,
				    &errstr) == 0)
					walk_record(&r);
				else
					assert_non_null(errstr);
				free(copy);
			}
			off += h.len;
		}
		for (k = 0; k < 8; k++) {
			copy = malloc(n);
			assert_non_null(copy);
			memcpy(copy, plain, n);
			for (m = 0; m < 4; m++)
				copy[xorshift(&st) % n] = (uint8_t)xorshift(&st);
			(void)drain(copy, n, &recs, &errstr);
			free(copy);
		}
		free(plain);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hdr),
		cmocka_unit_test(test_bgp4mp_message),
		cmocka_unit_test(test_bgp4mp_subtypes),
		cmocka_unit_test(test_bgp4mp_state),
		cmocka_unit_test(test_bgp4mp_malformed),
		cmocka_unit_test(test_td1),
		cmocka_unit_test(test_peer_index),
		cmocka_unit_test(test_rib),
		cmocka_unit_test(test_skip),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_file_large_record),
		cmocka_unit_test(test_file_et),
		cmocka_unit_test(test_file_addpath),
		cmocka_unit_test(test_reader_formats),
		cmocka_unit_test(test_reader_path_stdin),
		cmocka_unit_test(test_reader_hostile),
		cmocka_unit_test(test_reader_empty_members),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
