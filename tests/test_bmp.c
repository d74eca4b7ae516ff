/*
 * BMP codec (proto/bmp.c): every message type built here byte by byte
 * and decoded back, the per-peer header's flags and views, every Peer
 * Down reason, statistics TLVs, and hostile input: every valid message
 * is also decoded at every truncated length and with every length field
 * bent, from an exact-size heap copy so that ASan sees any overread.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgpwatch.h"
#include "bgp.h"
#include "bmp.h"
#include "buf.h"
#include "update.h"

/* Builds a message: the common header (length filled by fin). */
static void
hdr(struct wbuf *w, uint8_t *p, size_t cap, uint8_t type)
{
	wbuf_init(w, p, cap);
	wbuf_put_u8(w, BMP_VERSION);
	wbuf_put_u32(w, 0);
	wbuf_put_u8(w, type);
}

static size_t
fin(struct wbuf *w)
{
	assert_false(w->err);
	w->p[1] = (uint8_t)(w->len >> 24);
	w->p[2] = (uint8_t)(w->len >> 16);
	w->p[3] = (uint8_t)(w->len >> 8);
	w->p[4] = (uint8_t)w->len;
	return w->len;
}

static void
peerhdr(struct wbuf *w, uint8_t type, uint8_t flags, const char *addr,
    uint32_t asn)
{
	struct bw_addr a;
	uint8_t z[16];

	memset(z, 0, sizeof(z));
	wbuf_put_u8(w, type);
	wbuf_put_u8(w, flags);
	wbuf_put_u32(w, 0);
	wbuf_put_u32(w, type == BMP_PEER_RD ? 0x10001 : 0);
	if (addr != NULL) {
		assert_int_equal(addr_parse(addr, &a), 0);
		if (a.aid == AID_INET) {
			wbuf_put_bytes(w, z, 12);
			wbuf_put_bytes(w, a.b, 4);
		} else
			wbuf_put_bytes(w, a.b, 16);
	} else
		wbuf_put_bytes(w, z, 16);
	wbuf_put_u32(w, asn);
	wbuf_put_u32(w, 0x0a000001);
	wbuf_put_u32(w, 1700000000);
	wbuf_put_u32(w, 42);
}

static void
tlv(struct wbuf *w, uint16_t type, const char *s)
{
	wbuf_put_u16(w, type);
	wbuf_put_u16(w, (uint16_t)strlen(s));
	wbuf_put_bytes(w, s, strlen(s));
}

/* A small UPDATE: 10.1.0.0/16 with ORIGIN, AS_PATH (4-octet), NEXT_HOP. */
static void
update(struct wbuf *w)
{
	static const uint8_t body[] = {
		0, 0,				/* withdrawn length */
		0, 20,				/* attributes length */
		0x40, 1, 1, 0,			/* ORIGIN IGP */
		0x40, 2, 6, 2, 1, 0, 0, 0xfd, 0xe9, /* AS_PATH 65001 */
		0x40, 3, 4, 192, 0, 2, 1,	/* NEXT_HOP */
		16, 10, 1			/* 10.1.0.0/16 */
	};
	size_t off = bgp_hdr_begin(w, BGP_UPDATE);

	wbuf_put_bytes(w, body, sizeof(body));
	bgp_hdr_end(w, off);
}

static void
open_msg(struct wbuf *w, uint32_t as, int as4, int addpath)
{
	struct bgp_open o;

	memset(&o, 0, sizeof(o));
	o.version = 4;
	o.my_as = as > 65535 ? BGP_AS_TRANS : (uint16_t)as;
	o.holdtime = 90;
	o.bgp_id = 0x0a000001;
	o.caps.mp[AID_INET] = 1;
	if (as4) {
		o.caps.as4_present = 1;
		o.caps.as4 = as;
	}
	if (addpath)
		o.caps.addpath[AID_INET] = ADDPATH_RECV | ADDPATH_SEND;
	assert_int_equal(bgp_open_encode(w, &o), 0);
}

/*
 * Decodes from an exact-size heap copy, kept until the next call (the
 * decoded views point into it).
 */
static int
dec(const uint8_t *p, size_t len, struct bmp_msg *m, const char **err)
{
	static uint8_t *q;

	free(q);
	q = malloc(len ? len : 1);
	assert_non_null(q);
	memcpy(q, p, len);
	return bmp_decode(q, len, m, err);
}

/* Every strict prefix of a valid message fails cleanly. */
static void
truncations(const uint8_t *p, size_t len)
{
	struct bmp_msg m;
	const char *err;
	uint8_t *q;
	size_t n;

	for (n = 0; n < len; n++) {
		assert_non_null(q = malloc(n ? n : 1));
		memcpy(q, p, n);
		/* The common header says len: a shorter message is bad. */
		assert_int_equal(bmp_decode(q, n, &m, &err), -1);
		/* With the header's length fixed up to n, still no crash. */
		if (n >= BMP_HDR_LEN) {
			q[1] = (uint8_t)(n >> 24);
			q[2] = (uint8_t)(n >> 16);
			q[3] = (uint8_t)(n >> 8);
			q[4] = (uint8_t)n;
			(void)bmp_decode(q, n, &m, &err);
		}
		free(q);
	}
}

/* Every byte bent to 0x00 and 0xff: no crash, no read past the end. */
static void
bends(const uint8_t *p, size_t len)
{
	struct bmp_msg m;
	const char *err;
	uint8_t *q;
	size_t i;
	int v;

	assert_non_null(q = malloc(len));
	for (i = BMP_HDR_LEN; i < len; i++)
		for (v = 0; v < 2; v++) {
			memcpy(q, p, len);
			q[i] = v ? 0xff : 0x00;
			(void)bmp_decode(q, len, &m, &err);
		}
	free(q);
}

static void
check_hostile(const uint8_t *p, size_t len)
{
	truncations(p, len);
	bends(p, len);
}

static void
test_frame(void **state)
{
	uint8_t p[16] = { 3, 0, 0, 0, 6, 4 };
	struct bmp_hdr h;
	const char *err = NULL;

	(void)state;
	assert_int_equal(bmp_frame(p, 5, BMP_MAX_LEN, &h, &err), 0);
	assert_int_equal(bmp_frame(p, 6, BMP_MAX_LEN, &h, &err), 1);
	assert_int_equal(h.len, 6);
	assert_int_equal(h.type, BMP_INITIATION);
	p[4] = 10;
	assert_int_equal(bmp_frame(p, 6, BMP_MAX_LEN, &h, &err), 0);
	assert_int_equal(bmp_frame(p, 10, BMP_MAX_LEN, &h, &err), 1);
	p[0] = 2;
	assert_int_equal(bmp_frame(p, 10, BMP_MAX_LEN, &h, &err), -1);
	assert_string_equal(err, "unsupported BMP version");
	p[0] = 3;
	p[4] = 5;
	assert_int_equal(bmp_frame(p, 10, BMP_MAX_LEN, &h, &err), -1);
	p[4] = 6;
	p[5] = 7;
	assert_int_equal(bmp_frame(p, 10, BMP_MAX_LEN, &h, &err), -1);
	assert_string_equal(err, "unknown message type");
	p[5] = 0;
	p[1] = 0x7f;	/* 2 GB */
	assert_int_equal(bmp_frame(p, 10, BMP_MAX_LEN, &h, &err), -1);
	assert_string_equal(err, "message longer than the cap");
}

static void
test_initiation(void **state)
{
	uint8_t p[512];
	struct wbuf w;
	struct bmp_msg m;
	const char *err;
	size_t len;

	(void)state;
	hdr(&w, p, sizeof(p), BMP_INITIATION);
	tlv(&w, BMP_INFO_SYSDESCR, "FRRouting 8.4");
	tlv(&w, 99, "unknown tlv");
	tlv(&w, BMP_INFO_SYSNAME, "r1");
	len = fin(&w);
	assert_int_equal(dec(p, len, &m, &err), 0);
	assert_int_equal(m.type, BMP_INITIATION);
	assert_int_equal(m.sysname.len, 2);
	assert_memory_equal(m.sysname.p, "r1", 2);
	assert_int_equal(m.sysdescr.len, 13);
	check_hostile(p, len);
	/* A TLV longer than the message. */
	p[BMP_HDR_LEN + 3] = 200;
	assert_int_equal(dec(p, len, &m, &err), -1);
	assert_string_equal(err, "truncated information TLV");
}

static void
test_termination(void **state)
{
	uint8_t p[512];
	struct wbuf w;
	struct bmp_msg m;
	const char *err;
	size_t len;

	(void)state;
	hdr(&w, p, sizeof(p), BMP_TERMINATION);
	tlv(&w, BMP_INFO_STRING, "bye");
	wbuf_put_u16(&w, BMP_TERM_REASON);
	wbuf_put_u16(&w, 2);
	wbuf_put_u16(&w, 3);
	len = fin(&w);
	assert_int_equal(dec(p, len, &m, &err), 0);
	assert_true(m.has_term_reason);
	assert_int_equal(m.term_reason, 3);
	assert_string_equal(bmp_term_reason_name(m.term_reason),
	    "redundant connection");
	assert_int_equal(m.string.len, 3);
	check_hostile(p, len);
}

static void
test_route_monitoring(void **state)
{
	uint8_t p[512];
	struct wbuf w;
	struct bmp_msg m;
	struct bgp_update u;
	struct bgp_dec_ctx ctx;
	static uint8_t scratch[BGP_SCRATCH_LEN];
	const char *err;
	char ab[BW_ADDR_STRLEN];
	size_t len;

	(void)state;
	hdr(&w, p, sizeof(p), BMP_ROUTE_MONITORING);
	peerhdr(&w, BMP_PEER_GLOBAL, BMP_PF_L, "192.0.2.7", 65001);
	update(&w);
	len = fin(&w);
	assert_int_equal(dec(p, len, &m, &err), 0);
	assert_int_equal(m.peer.type, BMP_PEER_GLOBAL);
	assert_string_equal(addr_fmt(&m.peer.addr, ab, sizeof(ab)), "192.0.2.7");
	assert_int_equal(m.peer.asn, 65001);
	assert_int_equal(m.peer.bgp_id, 0x0a000001);
	assert_int_equal(m.peer.ts_sec, 1700000000);
	assert_int_equal(m.peer.ts_usec, 42);
	assert_int_equal(bmp_peer_view(&m.peer), BMP_VIEW_POST);
	assert_int_equal(m.bgp.len, 19 + 27);
	memset(&ctx, 0, sizeof(ctx));
	ctx.as4 = 1;
	ctx.scratch = scratch;
	ctx.scratchlen = sizeof(scratch);
	assert_int_equal(bgp_update_decode(&ctx, m.bgp.p + BGP_HDR_LEN,
	    m.bgp.len - BGP_HDR_LEN, &u), 0);
	check_hostile(p, len);

	/* Trailing bytes after the UPDATE are an error. */
	hdr(&w, p, sizeof(p), BMP_ROUTE_MONITORING);
	peerhdr(&w, BMP_PEER_GLOBAL, 0, "192.0.2.7", 65001);
	update(&w);
	wbuf_put_u8(&w, 0);
	len = fin(&w);
	assert_int_equal(dec(p, len, &m, &err), -1);

	/* Not an UPDATE inside. */
	hdr(&w, p, sizeof(p), BMP_ROUTE_MONITORING);
	peerhdr(&w, BMP_PEER_GLOBAL, 0, "192.0.2.7", 65001);
	open_msg(&w, 65001, 1, 0);
	len = fin(&w);
	assert_int_equal(dec(p, len, &m, &err), -1);

	/* IPv6 peer, RD peer, Adj-RIB-Out, Loc-RIB. */
	hdr(&w, p, sizeof(p), BMP_ROUTE_MONITORING);
	peerhdr(&w, BMP_PEER_RD, BMP_PF_V | BMP_PF_O, "2001:db8::7", 65001);
	update(&w);
	len = fin(&w);
	assert_int_equal(dec(p, len, &m, &err), 0);
	assert_string_equal(addr_fmt(&m.peer.addr, ab, sizeof(ab)),
	    "2001:db8::7");
	assert_int_equal(m.peer.rd, 0x10001);
	assert_int_equal(bmp_peer_view(&m.peer), BMP_VIEW_OUT_PRE);
	hdr(&w, p, sizeof(p), BMP_ROUTE_MONITORING);
	peerhdr(&w, BMP_PEER_LOC_RIB, BMP_PF_F, NULL, 65000);
	update(&w);
	len = fin(&w);
	assert_int_equal(dec(p, len, &m, &err), 0);
	assert_int_equal(bmp_peer_view(&m.peer), BMP_VIEW_LOC_RIB);
	assert_string_equal(bmp_view_name(BMP_VIEW_LOC_RIB), "loc-rib");
	/* Unknown peer type. */
	p[BMP_HDR_LEN] = 9;
	assert_int_equal(dec(p, len, &m, &err), -1);
	assert_string_equal(err, "unknown peer type");
}

static void
test_peer_up(void **state)
{
	uint8_t p[1024], z[12];
	struct wbuf w;
	struct bmp_msg m;
	struct bgp_open so, ro;
	struct bgp_err e;
	struct bgp_neg neg;
	const char *err;
	char ab[BW_ADDR_STRLEN];
	size_t len;

	(void)state;
	memset(z, 0, sizeof(z));
	hdr(&w, p, sizeof(p), BMP_PEER_UP);
	peerhdr(&w, BMP_PEER_GLOBAL, 0, "192.0.2.7", 4200000001u);
	wbuf_put_bytes(&w, z, 12);
	wbuf_put_u8(&w, 192); wbuf_put_u8(&w, 0);
	wbuf_put_u8(&w, 2); wbuf_put_u8(&w, 1);
	wbuf_put_u16(&w, 179);
	wbuf_put_u16(&w, 40000);
	open_msg(&w, 65000, 1, 1);
	open_msg(&w, 4200000001u, 1, 1);
	tlv(&w, BMP_INFO_STRING, "peer up note");
	len = fin(&w);
	assert_int_equal(dec(p, len, &m, &err), 0);
	assert_string_equal(addr_fmt(&m.local_addr, ab, sizeof(ab)), "192.0.2.1");
	assert_int_equal(m.local_port, 179);
	assert_int_equal(m.remote_port, 40000);
	assert_int_equal(m.string.len, 12);
	assert_int_equal(bgp_open_decode(m.open_sent.p + BGP_HDR_LEN,
	    m.open_sent.len - BGP_HDR_LEN, &so, &e), 0);
	assert_int_equal(bgp_open_decode(m.open_rcvd.p + BGP_HDR_LEN,
	    m.open_rcvd.len - BGP_HDR_LEN, &ro, &e), 0);
	assert_int_equal(bgp_open_as(&ro), 4200000001u);
	bgp_caps_negotiate(&so.caps, &ro.caps, &neg);
	assert_true(neg.as4);
	assert_true(neg.addpath_recv[AID_INET]);
	check_hostile(p, len);
}

static void
peer_down(uint8_t *p, size_t cap, size_t *len, uint8_t reason, int data)
{
	struct wbuf w;
	uint8_t nd[2] = { 2, 0 };

	hdr(&w, p, cap, BMP_PEER_DOWN);
	peerhdr(&w, BMP_PEER_GLOBAL, 0, "192.0.2.7", 65001);
	wbuf_put_u8(&w, reason);
	if (data == 1)
		assert_int_equal(bgp_notification_encode(&w, ERR_CEASE,
		    ERR_CEASE_ADMIN_DOWN, NULL, 0), 0);
	else if (data == 2)
		wbuf_put_u16(&w, 18);
	else if (data == 3)
		wbuf_put_bytes(&w, nd, 2);
	*len = fin(&w);
}

static void
test_peer_down(void **state)
{
	uint8_t p[512];
	struct bmp_msg m;
	const char *err;
	size_t len;
	uint8_t r;

	(void)state;
	peer_down(p, sizeof(p), &len, BMP_DOWN_LOCAL_NOTIF, 1);
	assert_int_equal(dec(p, len, &m, &err), 0);
	assert_int_equal(m.down_reason, 1);
	assert_int_equal(m.down_data.len, 21);
	check_hostile(p, len);
	peer_down(p, sizeof(p), &len, BMP_DOWN_REMOTE_NOTIF, 1);
	assert_int_equal(dec(p, len, &m, &err), 0);
	peer_down(p, sizeof(p), &len, BMP_DOWN_LOCAL_FSM, 2);
	assert_int_equal(dec(p, len, &m, &err), 0);
	assert_int_equal(m.down_fsm_event, 18);
	check_hostile(p, len);
	for (r = BMP_DOWN_REMOTE_NODATA; r <= BMP_DOWN_LOCAL_TLV; r++) {
		peer_down(p, sizeof(p), &len, r, 0);
		assert_int_equal(dec(p, len, &m, &err), 0);
		assert_int_equal(m.down_reason, r);
		assert_string_not_equal(bmp_down_reason_name(r), "unknown");
	}
	/* NOTIFICATION missing where the reason promises one. */
	peer_down(p, sizeof(p), &len, BMP_DOWN_LOCAL_NOTIF, 0);
	assert_int_equal(dec(p, len, &m, &err), -1);
	peer_down(p, sizeof(p), &len, BMP_DOWN_LOCAL_FSM, 3);
	assert_int_equal(dec(p, len, &m, &err), 0);
	peer_down(p, sizeof(p), &len, BMP_DOWN_LOCAL_FSM, 0);
	assert_int_equal(dec(p, len, &m, &err), -1);
	peer_down(p, sizeof(p), &len, 0, 0);
	assert_int_equal(dec(p, len, &m, &err), -1);
	peer_down(p, sizeof(p), &len, 7, 0);
	assert_int_equal(dec(p, len, &m, &err), -1);
	assert_string_equal(err, "unknown peer down reason");
}

static void
test_stats(void **state)
{
	uint8_t p[512];
	struct wbuf w;
	struct bmp_msg m;
	struct bmp_stat st;
	struct buf b;
	const char *err;
	size_t len;

	(void)state;
	hdr(&w, p, sizeof(p), BMP_STATS_REPORT);
	peerhdr(&w, BMP_PEER_GLOBAL, 0, "192.0.2.7", 65001);
	wbuf_put_u32(&w, 4);
	wbuf_put_u16(&w, 0); wbuf_put_u16(&w, 4); wbuf_put_u32(&w, 17);
	wbuf_put_u16(&w, 7); wbuf_put_u16(&w, 8);
	wbuf_put_u32(&w, 1); wbuf_put_u32(&w, 2);
	wbuf_put_u16(&w, 9); wbuf_put_u16(&w, 11);
	wbuf_put_u16(&w, 2); wbuf_put_u8(&w, 1);
	wbuf_put_u32(&w, 0); wbuf_put_u32(&w, 99);
	wbuf_put_u16(&w, 300); wbuf_put_u16(&w, 3);
	wbuf_put_u8(&w, 1); wbuf_put_u8(&w, 2); wbuf_put_u8(&w, 3);
	len = fin(&w);
	assert_int_equal(dec(p, len, &m, &err), 0);
	assert_int_equal(m.nstats, 4);
	buf_init(&b, m.stats.p, m.stats.len);
	assert_int_equal(bmp_stat_next(&b, &st), 1);
	assert_int_equal(st.type, 0);
	assert_int_equal(st.value, 17);
	assert_int_equal(bmp_stat_next(&b, &st), 1);
	assert_int_equal(st.type, 7);
	assert_int_equal(st.value, (1ULL << 32) | 2);
	assert_int_equal(bmp_stat_next(&b, &st), 1);
	assert_int_equal(st.type, 9);
	assert_int_equal(st.afi, 2);
	assert_int_equal(st.safi, 1);
	assert_int_equal(st.value, 99);
	assert_int_equal(bmp_stat_next(&b, &st), 1);
	assert_int_equal(st.type, 300);
	assert_int_equal(bmp_stat_next(&b, &st), 0);
	assert_string_equal(bmp_stat_name(7), "adj-rib-in-routes");
	check_hostile(p, len);
	/* Count that does not match the TLVs. */
	p[BMP_HDR_LEN + BMP_PEER_HDR_LEN + 3] = 5;
	assert_int_equal(dec(p, len, &m, &err), -1);
	/* A known counter of the wrong size. */
	p[BMP_HDR_LEN + BMP_PEER_HDR_LEN + 3] = 4;
	p[BMP_HDR_LEN + BMP_PEER_HDR_LEN + 4 + 3] = 3;
	assert_int_equal(dec(p, len, &m, &err), -1);
}

static void
test_mirroring(void **state)
{
	uint8_t p[512];
	struct wbuf w;
	struct bmp_msg m;
	const char *err;
	size_t len, off;

	(void)state;
	hdr(&w, p, sizeof(p), BMP_ROUTE_MIRRORING);
	peerhdr(&w, BMP_PEER_GLOBAL, 0, "192.0.2.7", 65001);
	wbuf_put_u16(&w, BMP_MIRROR_BGP);
	off = wbuf_reserve(&w, 2);
	update(&w);
	wbuf_set_u16(&w, off, (uint16_t)(w.len - off - 2));
	wbuf_put_u16(&w, BMP_MIRROR_INFO);
	wbuf_put_u16(&w, 2);
	wbuf_put_u16(&w, 1);
	len = fin(&w);
	assert_int_equal(dec(p, len, &m, &err), 0);
	assert_int_equal(m.mirror_msgs, 1);
	assert_int_equal(m.mirror_info, 1);
	check_hostile(p, len);
}

/* Random bytes behind a valid header: never a crash. */
static void
test_garbage(void **state)
{
	uint8_t p[300];
	struct bmp_msg m;
	const char *err;
	int i, t;
	size_t j, len;

	(void)state;
	srandom(7);
	for (i = 0; i < 20000; i++) {
		len = BMP_HDR_LEN + (size_t)(random() % (sizeof(p) - BMP_HDR_LEN));
		for (j = 0; j < len; j++)
			p[j] = (uint8_t)random();
		t = (int)(random() % BMP_TYPE_MAX);
		p[0] = 3;
		p[1] = 0; p[2] = 0;
		p[3] = (uint8_t)(len >> 8);
		p[4] = (uint8_t)len;
		p[5] = (uint8_t)t;
		(void)dec(p, len, &m, &err);
	}
}

/* Messages captured from FRR and GoBGP decode, and survive hostility. */
static void
test_real_exporters(void **state)
{
	const char *dir = getenv("BGPWATCH_BMP_CORPUS");
	struct dirent *de;
	struct bmp_msg m;
	const char *err;
	char path[1024];
	uint8_t buf[70000];
	size_t len;
	FILE *f;
	DIR *d;
	int n = 0, types = 0;

	(void)state;
	if (dir == NULL)
		dir = "tests/fuzz/corpus/bmp";
	if ((d = opendir(dir)) == NULL)
		skip();
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		assert_non_null(f = fopen(path, "rb"));
		len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		if (dec(buf, len, &m, &err) != 0)
			fail_msg("%s: %s", path, err);
		types |= 1 << m.type;
		if (m.type == BMP_INITIATION)
			assert_non_null(m.sysname.p);
		check_hostile(buf, len);
		n++;
	}
	closedir(d);
	assert_true(n >= 10);
	assert_true(types & (1 << BMP_INITIATION));
	assert_true(types & (1 << BMP_PEER_UP));
	assert_true(types & (1 << BMP_ROUTE_MONITORING));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame),
		cmocka_unit_test(test_initiation),
		cmocka_unit_test(test_termination),
		cmocka_unit_test(test_route_monitoring),
		cmocka_unit_test(test_peer_up),
		cmocka_unit_test(test_peer_down),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_mirroring),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_real_exporters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
