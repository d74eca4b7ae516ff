/*
 * Header framing, KEEPALIVE, NOTIFICATION (with the RFC 9003 shutdown
 * communication), ROUTE-REFRESH and the error names, from hex vectors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bgpwatch.h"
#include "buf.h"
#include "bgp.h"

#define MARKER	"ffffffffffffffffffffffffffffffff"

/* Hex (spaces allowed) to bytes; fails the test on bad input. */
static size_t
unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t		n = 0;
	unsigned int	v;

	while (*s != '\0') {
		if (*s == ' ') {
			s++;
			continue;
		}
		assert_true(n < cap);
		assert_int_equal(sscanf(s, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

static void
assert_err_data(const struct bgp_err *e, const char *hex)
{
	uint8_t	want[64];
	size_t	n;

	n = unhex(hex, want, sizeof(want));
	assert_int_equal(e->datalen, n);
	if (n > 0)
		assert_memory_equal(bgp_err_data(e), want, n);
}

/* Framing */

static const struct frame_case {
	const char	*name;
	const char	*hex;
	size_t		 maxlen;
	int		 rc;
	uint8_t		 code, subcode;
	const char	*data;		/* error data */
	uint16_t	 len;		/* rc 1 */
	uint8_t		 type;
} frame_cases[] = {
	{ "keepalive", MARKER "0013 04", 4096, 1, 0, 0, "", 19, 4 },
	{ "keepalive, next message behind", MARKER "0013 04 ffff", 4096,
	    1, 0, 0, "", 19, 4 },
	{ "notification 21", MARKER "0015 03 0600", 4096, 1, 0, 0, "", 21, 3 },
	{ "route-refresh 23", MARKER "0017 05 00010001", 4096,
	    1, 0, 0, "", 23, 5 },
	{ "update 23", MARKER "0017 02 00000000", 4096, 1, 0, 0, "", 23, 2 },
	{ "bad marker", "ffffffffffffffffffffffffffffff7f 0013 04", 4096,
	    -1, ERR_HEADER, ERR_HDR_SYNC, "", 0, 0 },
	{ "zero marker", "00000000000000000000000000000000 0013 04", 4096,
	    -1, ERR_HEADER, ERR_HDR_SYNC, "", 0, 0 },
	{ "length 18", MARKER "0012 04", 4096,
	    -1, ERR_HEADER, ERR_HDR_LEN, "0012", 0, 0 },
	{ "length 0", MARKER "0000 02", 4096,
	    -1, ERR_HEADER, ERR_HDR_LEN, "0000", 0, 0 },
	{ "update 4097 without ext msg", MARKER "1001 02", 4096,
	    -1, ERR_HEADER, ERR_HDR_LEN, "1001", 0, 0 },
	{ "update 4097 with ext msg: wait", MARKER "1001 02", 65535,
	    0, 0, 0, "", 0, 0 },
	{ "open 4097 even with ext msg", MARKER "1001 01", 65535,
	    -1, ERR_HEADER, ERR_HDR_LEN, "1001", 0, 0 },
	{ "open 28", MARKER "001c 01", 4096,
	    -1, ERR_HEADER, ERR_HDR_LEN, "001c", 0, 0 },
	{ "update 22", MARKER "0016 02", 4096,
	    -1, ERR_HEADER, ERR_HDR_LEN, "0016", 0, 0 },
	{ "notification 20", MARKER "0014 03", 4096,
	    -1, ERR_HEADER, ERR_HDR_LEN, "0014", 0, 0 },
	{ "keepalive 20", MARKER "0014 04", 4096,
	    -1, ERR_HEADER, ERR_HDR_LEN, "0014", 0, 0 },
	{ "keepalive 20 with ext msg", MARKER "0014 04", 65535,
	    -1, ERR_HEADER, ERR_HDR_LEN, "0014", 0, 0 },
	{ "route-refresh 22", MARKER "0016 05", 4096,
	    -1, ERR_HEADER, ERR_HDR_LEN, "0016", 0, 0 },
	{ "type 6", MARKER "0013 06", 4096,
	    -1, ERR_HEADER, ERR_HDR_TYPE, "06", 0, 0 },
	{ "type 0", MARKER "0013 00", 4096,
	    -1, ERR_HEADER, ERR_HDR_TYPE, "00", 0, 0 },
	{ "type 255", MARKER "0020 ff", 4096,
	    -1, ERR_HEADER, ERR_HDR_TYPE, "ff", 0, 0 },
	{ "length checked before type", MARKER "0012 09", 4096,
	    -1, ERR_HEADER, ERR_HDR_LEN, "0012", 0, 0 },
	{ "18 bytes: wait", MARKER "0013", 4096, 0, 0, 0, "", 0, 0 },
	{ "empty: wait", "", 4096, 0, 0, 0, "", 0, 0 },
	{ "header only: wait", MARKER "0017 05", 4096, 0, 0, 0, "", 0, 0 },
	{ "one byte short: wait", MARKER "0017 05 000100", 4096,
	    0, 0, 0, "", 0, 0 },
};

static void
test_frame_table(void **state)
{
	const struct frame_case	*c;
	struct bgp_hdr		 h;
	struct bgp_err		 err;
	uint8_t			 msg[128];
	size_t			 i, n;
	int			 rc;

	(void)state;
	for (i = 0; i < sizeof(frame_cases) / sizeof(frame_cases[0]); i++) {
		c = &frame_cases[i];
		print_message("frame: %s\n", c->name);
		n = unhex(c->hex, msg, sizeof(msg));
		memset(&h, 0, sizeof(h));
		memset(&err, 0xaa, sizeof(err));
		rc = bgp_frame(msg, n, c->maxlen, &h, &err);
		assert_int_equal(rc, c->rc);
		if (rc == 1) {
			assert_int_equal(h.len, c->len);
			assert_int_equal(h.type, c->type);
		} else if (rc == -1) {
			assert_int_equal(err.code, c->code);
			assert_int_equal(err.subcode, c->subcode);
			assert_err_data(&err, c->data);
			assert_non_null(err.reason);
		}
	}
}

/* A 4097-byte UPDATE frames once extended messages are on. */
static void
test_frame_ext_msg(void **state)
{
	static uint8_t	 msg[4097 + 5];
	struct bgp_hdr	 h;
	struct bgp_err	 err;

	(void)state;
	memset(msg, 0xff, 16);
	msg[16] = 0x10;
	msg[17] = 0x01;
	msg[18] = BGP_UPDATE;
	assert_int_equal(bgp_frame(msg, 4096, 65535, &h, &err), 0);
	assert_int_equal(bgp_frame(msg, sizeof(msg), 65535, &h, &err), 1);
	assert_int_equal(h.len, 4097);
	assert_int_equal(h.type, BGP_UPDATE);
	assert_int_equal(bgp_frame(msg, sizeof(msg), 4096, &h, &err), -1);
	assert_int_equal(err.subcode, ERR_HDR_LEN);
}

static void
test_err_set(void **state)
{
	static const uint8_t	d[3] = { 1, 2, 3 };
	struct bgp_err		e;

	(void)state;
	bgp_err_set(&e, ERR_UPDATE, ERR_UPD_ATTRLEN, d, 3, "x");
	assert_ptr_equal(bgp_err_data(&e), d);
	assert_int_equal(e.datalen, 3);
	assert_string_equal(e.reason, "x");
	bgp_err_set(&e, ERR_CEASE, 0, NULL, 0, NULL);
	assert_int_equal(e.datalen, 0);
	bgp_err_set_u16(&e, ERR_OPEN, ERR_OPEN_VERSION, 0x1234, "v");
	assert_int_equal(e.datalen, 2);
	assert_int_equal(bgp_err_data(&e)[0], 0x12);
	assert_int_equal(bgp_err_data(&e)[1], 0x34);
}

/* Encoders */

static void
assert_wbuf_hex(const struct wbuf *w, const char *hex)
{
	uint8_t	want[512];
	size_t	n;

	n = unhex(hex, want, sizeof(want));
	assert_int_equal(w->err, 0);
	assert_int_equal(w->len, n);
	assert_memory_equal(w->p, want, n);
}

static void
test_keepalive_encode(void **state)
{
	struct bgp_hdr	h;
	struct bgp_err	err;
	struct wbuf	w;
	uint8_t		out[64];

	(void)state;
	wbuf_init(&w, out, sizeof(out));
	assert_int_equal(bgp_keepalive_encode(&w), 0);
	assert_wbuf_hex(&w, MARKER "0013 04");
	assert_int_equal(bgp_frame(out, w.len, 4096, &h, &err), 1);
	assert_int_equal(h.type, BGP_KEEPALIVE);

	/* Appends: two in a row, the second at offset 19. */
	assert_int_equal(bgp_keepalive_encode(&w), 0);
	assert_wbuf_hex(&w, MARKER "0013 04" MARKER "0013 04");

	wbuf_init(&w, out, 18);
	assert_int_equal(bgp_keepalive_encode(&w), -1);
}

static void
test_notification_encode(void **state)
{
	static const uint8_t	 data[] = { 0x00, 0x04 };
	struct bgp_notification	 n;
	struct bgp_hdr		 h;
	struct bgp_err		 err;
	struct wbuf		 w;
	uint8_t			 out[64];

	(void)state;
	wbuf_init(&w, out, sizeof(out));
	assert_int_equal(bgp_notification_encode(&w, ERR_OPEN,
	    ERR_OPEN_VERSION, data, sizeof(data)), 0);
	assert_wbuf_hex(&w, MARKER "0017 03 0201 0004");

	assert_int_equal(bgp_frame(out, w.len, 4096, &h, &err), 1);
	assert_int_equal(bgp_notification_decode(out + BGP_HDR_LEN,
	    h.len - BGP_HDR_LEN, &n), 0);
	assert_int_equal(n.code, ERR_OPEN);
	assert_int_equal(n.subcode, ERR_OPEN_VERSION);
	assert_int_equal(n.datalen, 2);
	assert_memory_equal(n.data, data, 2);

	wbuf_init(&w, out, sizeof(out));
	assert_int_equal(bgp_notification_encode(&w, ERR_HOLD, 0, NULL, 0),
	    0);
	assert_wbuf_hex(&w, MARKER "0015 03 0400");

	wbuf_init(&w, out, 22);
	assert_int_equal(bgp_notification_encode(&w, ERR_OPEN,
	    ERR_OPEN_VERSION, data, sizeof(data)), -1);
}

static void
test_notification_decode(void **state)
{
	struct bgp_notification	n;
	uint8_t			body[16];
	size_t			len;

	(void)state;
	len = unhex("0602 0c 68656c6c6f2c20776f726c64", body, sizeof(body));
	assert_int_equal(bgp_notification_decode(body, len, &n), 0);
	assert_int_equal(n.code, ERR_CEASE);
	assert_int_equal(n.subcode, ERR_CEASE_ADMIN_DOWN);
	assert_int_equal(n.datalen, 13);
	assert_ptr_equal(n.data, body + 2);

	assert_int_equal(bgp_notification_decode(body, 2, &n), 0);
	assert_int_equal(n.datalen, 0);
	assert_null(n.data);
	assert_int_equal(bgp_notification_decode(body, 1, &n), -1);
	assert_int_equal(bgp_notification_decode(body, 0, &n), -1);
}

/* Shutdown communication (RFC 9003) */

static void
test_shutdown_encode(void **state)
{
	struct bgp_notification	 n;
	struct wbuf		 w;
	uint8_t			 out[400];
	char			 msg[400], back[300];

	(void)state;
	wbuf_init(&w, out, sizeof(out));
	assert_int_equal(bgp_notification_encode_shutdown(&w,
	    ERR_CEASE_ADMIN_DOWN, "maintenance"), 0);
	assert_wbuf_hex(&w, MARKER "0021 03 0602 0b 6d61696e74656e616e6365");

	wbuf_init(&w, out, sizeof(out));
	assert_int_equal(bgp_notification_encode_shutdown(&w,
	    ERR_CEASE_ADMIN_RESET, ""), 0);
	assert_wbuf_hex(&w, MARKER "0016 03 0604 00");

	wbuf_init(&w, out, sizeof(out));
	assert_int_equal(bgp_notification_encode_shutdown(&w,
	    ERR_CEASE_ADMIN_DOWN, NULL), 0);
	assert_wbuf_hex(&w, MARKER "0015 03 0602");

	wbuf_init(&w, out, sizeof(out));
	assert_int_equal(bgp_notification_encode_shutdown(&w,
	    ERR_CEASE_PEER_UNCONF, "x"), -1);

	/* 300 ASCII bytes: cut to 255. */
	memset(msg, 'a', 300);
	msg[300] = '\0';
	wbuf_init(&w, out, sizeof(out));
	assert_int_equal(bgp_notification_encode_shutdown(&w,
	    ERR_CEASE_ADMIN_DOWN, msg), 0);
	assert_int_equal(w.len, 19 + 2 + 1 + 255);
	assert_int_equal(out[21], 255);
	assert_int_equal(bgp_notification_decode(out + 19, w.len - 19, &n), 0);
	assert_int_equal(bgp_notification_shutdown_msg(&n, back,
	    sizeof(back)), 255);
	assert_int_equal(strlen(back), 255);

	/* 254 ASCII + U+00E9 (2 bytes) would end at 256: cut to 254. */
	memset(msg, 'a', 254);
	memcpy(msg + 254, "\xc3\xa9", 3);
	wbuf_init(&w, out, sizeof(out));
	assert_int_equal(bgp_notification_encode_shutdown(&w,
	    ERR_CEASE_ADMIN_DOWN, msg), 0);
	assert_int_equal(out[21], 254);
	assert_int_equal(w.len, 22 + 254);

	/* 253 ASCII + U+20AC (3 bytes) would end at 256: cut to 253. */
	memset(msg, 'a', 253);
	memcpy(msg + 253, "\xe2\x82\xac", 4);
	wbuf_init(&w, out, sizeof(out));
	assert_int_equal(bgp_notification_encode_shutdown(&w,
	    ERR_CEASE_ADMIN_DOWN, msg), 0);
	assert_int_equal(out[21], 253);

	/* 252 ASCII + U+20AC ends exactly at 255: kept whole. */
	memset(msg, 'a', 252);
	memcpy(msg + 252, "\xe2\x82\xac" "b", 5);
	wbuf_init(&w, out, sizeof(out));
	assert_int_equal(bgp_notification_encode_shutdown(&w,
	    ERR_CEASE_ADMIN_DOWN, msg), 0);
	assert_int_equal(out[21], 255);
	assert_memory_equal(out + 22 + 252, "\xe2\x82\xac", 3);

	/* 251 ASCII + U+1F600 (4 bytes) would end at 255: kept; 252 not. */
	memset(msg, 'a', 251);
	memcpy(msg + 251, "\xf0\x9f\x98\x80", 5);
	wbuf_init(&w, out, sizeof(out));
	assert_int_equal(bgp_notification_encode_shutdown(&w,
	    ERR_CEASE_ADMIN_DOWN, msg), 0);
	assert_int_equal(out[21], 255);
	memset(msg, 'a', 252);
	memcpy(msg + 252, "\xf0\x9f\x98\x80", 5);
	wbuf_init(&w, out, sizeof(out));
	assert_int_equal(bgp_notification_encode_shutdown(&w,
	    ERR_CEASE_ADMIN_DOWN, msg), 0);
	assert_int_equal(out[21], 252);
}

static const struct shutdown_case {
	const char	*name;
	const char	*body;		/* NOTIFICATION body */
	size_t		 outlen;
	int		 rc;
	const char	*want;
} shutdown_cases[] = {
	{ "plain", "0602 05 68656c6c6f", 64, 5, "hello" },
	{ "reset", "0604 03 616263", 64, 3, "abc" },
	{ "empty", "0602 00", 64, 0, "" },
	{ "trailing bytes ignored", "0602 02 6869 ffff", 64, 2, "hi" },
	{ "utf-8 kept", "0602 04 c3a9c3a9", 64, 4, "\xc3\xa9\xc3\xa9" },
	{ "control chars", "0602 04 610a0d62", 64, 4, "a??b" },
	{ "del and C1", "0602 04 7fc28561", 64, 3, "??a" },
	{ "invalid utf-8", "0602 05 ff61c361e0", 64, 5, "?a?a?" },
	{ "overlong", "0602 03 c0af61", 64, 3, "??a" },
	{ "surrogate", "0602 04 eda08061", 64, 4, "???a" },
	{ "cut to out", "0602 05 68656c6c6f", 4, 3, "hel" },
	{ "cut on a char", "0602 04 61c3a962", 3, 1, "a" },
	{ "length overruns", "0602 06 68656c6c6f", 64, -1, NULL },
	{ "no data", "0602", 64, -1, NULL },
	{ "not admin shutdown", "0603 05 68656c6c6f", 64, -1, NULL },
	{ "not cease", "0202 05 68656c6c6f", 64, -1, NULL },
	{ "no room", "0602 01 61", 0, -1, NULL },
};

static void
test_shutdown_decode(void **state)
{
	const struct shutdown_case	*c;
	struct bgp_notification		 n;
	uint8_t				 body[64];
	char				 out[64];
	size_t				 i, len;

	(void)state;
	for (i = 0; i < sizeof(shutdown_cases) / sizeof(shutdown_cases[0]);
	    i++) {
		c = &shutdown_cases[i];
		print_message("shutdown: %s\n", c->name);
		len = unhex(c->body, body, sizeof(body));
		assert_int_equal(bgp_notification_decode(body, len, &n), 0);
		memset(out, 'X', sizeof(out));
		assert_int_equal(bgp_notification_shutdown_msg(&n, out,
		    c->outlen), c->rc);
		if (c->want != NULL)
			assert_string_equal(out, c->want);
	}
}

/* Names */

static const struct name_case {
	uint8_t		 code, subcode;
	const char	*code_name;
	const char	*sub_name;
} name_cases[] = {
	{ ERR_HEADER, ERR_HDR_UNSPEC, "Message header error", "Unspecific" },
	{ ERR_HEADER, ERR_HDR_SYNC, "Message header error",
	    "Connection not synchronized" },
	{ ERR_HEADER, ERR_HDR_LEN, "Message header error",
	    "Bad message length" },
	{ ERR_HEADER, ERR_HDR_TYPE, "Message header error",
	    "Bad message type" },
	{ ERR_HEADER, 4, "Message header error", "unknown subcode" },
	{ ERR_OPEN, ERR_OPEN_UNSPEC, "OPEN message error", "Unspecific" },
	{ ERR_OPEN, ERR_OPEN_VERSION, "OPEN message error",
	    "Unsupported version number" },
	{ ERR_OPEN, ERR_OPEN_AS, "OPEN message error", "Bad peer AS" },
	{ ERR_OPEN, ERR_OPEN_BGPID, "OPEN message error",
	    "Bad BGP identifier" },
	{ ERR_OPEN, ERR_OPEN_OPT, "OPEN message error",
	    "Unsupported optional parameter" },
	{ ERR_OPEN, ERR_OPEN_AUTH, "OPEN message error",
	    "Authentication failure (deprecated)" },
	{ ERR_OPEN, ERR_OPEN_HOLDTIME, "OPEN message error",
	    "Unacceptable hold time" },
	{ ERR_OPEN, ERR_OPEN_CAPA, "OPEN message error",
	    "Unsupported capability" },
	{ ERR_OPEN, 8, "OPEN message error", "unknown subcode" },
	{ ERR_OPEN, ERR_OPEN_ROLE, "OPEN message error", "Role mismatch" },
	{ ERR_OPEN, 12, "OPEN message error", "unknown subcode" },
	{ ERR_UPDATE, ERR_UPD_UNSPEC, "UPDATE message error", "Unspecific" },
	{ ERR_UPDATE, ERR_UPD_ATTRLIST, "UPDATE message error",
	    "Malformed attribute list" },
	{ ERR_UPDATE, ERR_UPD_UNKNWN_WK_ATTR, "UPDATE message error",
	    "Unrecognized well-known attribute" },
	{ ERR_UPDATE, ERR_UPD_MISSNG_WK_ATTR, "UPDATE message error",
	    "Missing well-known attribute" },
	{ ERR_UPDATE, ERR_UPD_ATTRFLAGS, "UPDATE message error",
	    "Attribute flags error" },
	{ ERR_UPDATE, ERR_UPD_ATTRLEN, "UPDATE message error",
	    "Attribute length error" },
	{ ERR_UPDATE, ERR_UPD_ORIGIN, "UPDATE message error",
	    "Invalid ORIGIN attribute" },
	{ ERR_UPDATE, ERR_UPD_LOOP, "UPDATE message error",
	    "AS routing loop (deprecated)" },
	{ ERR_UPDATE, ERR_UPD_NEXTHOP, "UPDATE message error",
	    "Invalid NEXT_HOP attribute" },
	{ ERR_UPDATE, ERR_UPD_OPTATTR, "UPDATE message error",
	    "Optional attribute error" },
	{ ERR_UPDATE, ERR_UPD_NETWORK, "UPDATE message error",
	    "Invalid network field" },
	{ ERR_UPDATE, ERR_UPD_ASPATH, "UPDATE message error",
	    "Malformed AS_PATH" },
	{ ERR_UPDATE, 12, "UPDATE message error", "unknown subcode" },
	{ ERR_HOLD, 0, "Hold timer expired", "Unspecific" },
	{ ERR_HOLD, 1, "Hold timer expired", "unknown subcode" },
	{ ERR_FSM, ERR_FSM_UNSPEC, "Finite state machine error",
	    "Unspecified error" },
	{ ERR_FSM, ERR_FSM_OPENSENT, "Finite state machine error",
	    "Unexpected message in OpenSent" },
	{ ERR_FSM, ERR_FSM_OPENCONFIRM, "Finite state machine error",
	    "Unexpected message in OpenConfirm" },
	{ ERR_FSM, ERR_FSM_ESTABLISHED, "Finite state machine error",
	    "Unexpected message in Established" },
	{ ERR_CEASE, ERR_CEASE_UNSPEC, "Cease", "Unspecific" },
	{ ERR_CEASE, ERR_CEASE_MAX_PREFIX, "Cease",
	    "Maximum number of prefixes reached" },
	{ ERR_CEASE, ERR_CEASE_ADMIN_DOWN, "Cease",
	    "Administrative shutdown" },
	{ ERR_CEASE, ERR_CEASE_PEER_UNCONF, "Cease", "Peer de-configured" },
	{ ERR_CEASE, ERR_CEASE_ADMIN_RESET, "Cease", "Administrative reset" },
	{ ERR_CEASE, ERR_CEASE_CONN_REJECT, "Cease", "Connection rejected" },
	{ ERR_CEASE, ERR_CEASE_CONFIG_CHANGE, "Cease",
	    "Other configuration change" },
	{ ERR_CEASE, ERR_CEASE_COLLISION, "Cease",
	    "Connection collision resolution" },
	{ ERR_CEASE, ERR_CEASE_RSRC_EXHAUST, "Cease", "Out of resources" },
	{ ERR_CEASE, ERR_CEASE_HARD_RESET, "Cease", "Hard reset" },
	{ ERR_CEASE, ERR_CEASE_BFD_DOWN, "Cease", "BFD down" },
	{ ERR_CEASE, 11, "Cease", "unknown subcode" },
	{ ERR_CEASE, 255, "Cease", "unknown subcode" },
	{ ERR_RREFRESH, ERR_RR_INV_LEN, "ROUTE-REFRESH message error",
	    "Invalid message length" },
	{ ERR_RREFRESH, 2, "ROUTE-REFRESH message error",
	    "unknown subcode" },
	{ 0, 0, "unknown error code", "unknown subcode" },
	{ 8, 1, "unknown error code", "unknown subcode" },
	{ 255, 255, "unknown error code", "unknown subcode" },
};

static void
test_err_names(void **state)
{
	const struct name_case	*c;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++) {
		c = &name_cases[i];
		assert_string_equal(bgp_err_code_name(c->code), c->code_name);
		assert_string_equal(bgp_err_subcode_name(c->code, c->subcode),
		    c->sub_name);
	}
}

static void
test_msg_type_names(void **state)
{
	(void)state;
	assert_string_equal(bgp_msg_type_name(BGP_OPEN), "OPEN");
	assert_string_equal(bgp_msg_type_name(BGP_UPDATE), "UPDATE");
	assert_string_equal(bgp_msg_type_name(BGP_NOTIFICATION),
	    "NOTIFICATION");
	assert_string_equal(bgp_msg_type_name(BGP_KEEPALIVE), "KEEPALIVE");
	assert_string_equal(bgp_msg_type_name(BGP_ROUTE_REFRESH),
	    "ROUTE-REFRESH");
	assert_string_equal(bgp_msg_type_name(0), "unknown");
	assert_string_equal(bgp_msg_type_name(6), "unknown");
	assert_string_equal(bgp_msg_type_name(255), "unknown");
}

/* ROUTE-REFRESH */

static const struct rr_case {
	const char	*name;
	const char	*body;
	int		 rc;
	uint16_t	 afi;
	uint8_t		 subtype, safi;
	uint8_t		 code, subcode;
	const char	*data;
} rr_cases[] = {
	{ "request ipv4", "0001 00 01", 0, 1, RR_REQUEST, 1, 0, 0, "" },
	{ "request ipv6", "0002 00 01", 0, 2, RR_REQUEST, 1, 0, 0, "" },
	{ "BoRR ipv6", "0002 01 01", 0, 2, RR_BORR, 1, 0, 0, "" },
	{ "EoRR ipv4", "0001 02 01", 0, 1, RR_EORR, 1, 0, 0, "" },
	{ "flowspec afi/safi", "0001 00 85", 0, 1, RR_REQUEST, 133,
	    0, 0, "" },
	{ "unknown subtype", "0001 07 01", 0, 1, 7, 1, 0, 0, "" },
	{ "unknown subtype, long", "0001 07 01 ff", 0, 1, 7, 1, 0, 0, "" },
	{ "BoRR 5 bytes", "0001 01 01 00", -1, 0, 0, 0,
	    ERR_RREFRESH, ERR_RR_INV_LEN, "0001010100" },
	{ "EoRR 6 bytes", "0002 02 01 0000", -1, 0, 0, 0,
	    ERR_RREFRESH, ERR_RR_INV_LEN, "000202010000" },
	{ "request 5 bytes (ORF)", "0001 00 01 01", -1, 0, 0, 0,
	    ERR_HEADER, ERR_HDR_LEN, "0018" },
	{ "3 bytes", "0001 00", -1, 0, 0, 0, ERR_HEADER, ERR_HDR_LEN, "0016" },
	{ "empty", "", -1, 0, 0, 0, ERR_HEADER, ERR_HDR_LEN, "0013" },
};

static void
test_rr_decode(void **state)
{
	const struct rr_case	*c;
	struct bgp_rr		 rr;
	struct bgp_err		 err;
	uint8_t			 body[16];
	size_t			 i, len;

	(void)state;
	for (i = 0; i < sizeof(rr_cases) / sizeof(rr_cases[0]); i++) {
		c = &rr_cases[i];
		print_message("route-refresh: %s\n", c->name);
		len = unhex(c->body, body, sizeof(body));
		memset(&err, 0, sizeof(err));
		assert_int_equal(bgp_rr_decode(body, len, &rr, &err), c->rc);
		if (c->rc == 0) {
			assert_int_equal(rr.afi, c->afi);
			assert_int_equal(rr.subtype, c->subtype);
			assert_int_equal(rr.safi, c->safi);
		} else {
			assert_int_equal(err.code, c->code);
			assert_int_equal(err.subcode, c->subcode);
			assert_err_data(&err, c->data);
		}
	}
}

static void
test_rr_encode(void **state)
{
	static const struct bgp_rr	 rrs[] = {
		{ AFI_IPV4, RR_REQUEST, SAFI_UNICAST },
		{ AFI_IPV6, RR_BORR, SAFI_UNICAST },
		{ AFI_IPV6, RR_EORR, SAFI_UNICAST },
	};
	static const char *const	 hex[] = {
		MARKER "0017 05 0001 00 01",
		MARKER "0017 05 0002 01 01",
		MARKER "0017 05 0002 02 01",
	};
	struct bgp_rr			 rr;
	struct bgp_hdr			 h;
	struct bgp_err			 err;
	struct wbuf			 w;
	uint8_t				 out[64];
	size_t				 i;

	(void)state;
	for (i = 0; i < 3; i++) {
		wbuf_init(&w, out, sizeof(out));
		assert_int_equal(bgp_rr_encode(&w, &rrs[i]), 0);
		assert_wbuf_hex(&w, hex[i]);
		assert_int_equal(bgp_frame(out, w.len, 4096, &h, &err), 1);
		assert_int_equal(h.type, BGP_ROUTE_REFRESH);
		assert_int_equal(bgp_rr_decode(out + BGP_HDR_LEN,
		    h.len - BGP_HDR_LEN, &rr, &err), 0);
		assert_int_equal(rr.afi, rrs[i].afi);
		assert_int_equal(rr.subtype, rrs[i].subtype);
		assert_int_equal(rr.safi, rrs[i].safi);
	}
	wbuf_init(&w, out, 22);
	assert_int_equal(bgp_rr_encode(&w, &rrs[0]), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_table),
		cmocka_unit_test(test_frame_ext_msg),
		cmocka_unit_test(test_err_set),
		cmocka_unit_test(test_keepalive_encode),
		cmocka_unit_test(test_notification_encode),
		cmocka_unit_test(test_notification_decode),
		cmocka_unit_test(test_shutdown_encode),
		cmocka_unit_test(test_shutdown_decode),
		cmocka_unit_test(test_err_names),
		cmocka_unit_test(test_msg_type_names),
		cmocka_unit_test(test_rr_decode),
		cmocka_unit_test(test_rr_encode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
