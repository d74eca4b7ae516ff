/*
 * The RIS Live stream's pure parts: ris_subscribe parsing (every filter
 * form, and the refusals that become ris_error), matching a message
 * view against subscriptions, and the ris_message JSON of a hand-made
 * UPDATE (AS_SET, community, MED, aggregator, raw), the shared frames,
 * and the inbox between the loop thread and the worker (in one thread:
 * its order, its limit, its wake-ups, a message's peer across refusals).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <event2/event.h>
#include <jansson.h>

#include "rislive_priv.h"
#include "upd_util.h"

static int
parse(const char *text, struct rl_sub *s, char *err, size_t len)
{
	json_error_t je;
	json_t *o = json_loads(text, 0, &je);
	int rc;

	assert_non_null(o);
	rc = rl_sub_parse(o, s, err, len);
	json_decref(o);
	return rc;
}

static void
test_parse_ok(void **state)
{
	struct rl_sub s;
	char err[200];

	(void)state;
	assert_int_equal(parse("{\"host\":\"rrc00\",\"type\":\"UPDATE\","
	    "\"require\":\"withdrawals\",\"peer\":\"192.0.2.1\",\"path\":"
	    "\"^64496, 64497\",\"prefix\":[\"10.0.0.0/8\",\"2001:db8::/32\"],"
	    "\"moreSpecific\":false,\"lessSpecific\":true,\"socketOptions\":"
	    "{\"includeRaw\":true,\"acknowledge\":true}}", &s, err,
	    sizeof(err)), 1);
	assert_string_equal(s.host, "rrc00");
	assert_int_equal(s.types, 1 << RL_T_UPDATE);
	assert_int_equal(s.require, RL_REQ_WD);
	assert_true(s.has_peer);
	assert_int_equal(s.npath, 2);
	assert_int_equal(s.path[1], 64497);
	assert_true(s.anchor_start);
	assert_false(s.anchor_end);
	assert_int_equal(s.npfx, 2);
	assert_false(s.more);
	assert_true(s.less);
	assert_true(s.raw);
	assert_string_equal(s.key, "{\"host\":\"rrc00\",\"lessSpecific\":true,"
	    "\"moreSpecific\":false,\"path\":\"^64496, 64497\",\"peer\":"
	    "\"192.0.2.1\",\"prefix\":[\"10.0.0.0/8\",\"2001:db8::/32\"],"
	    "\"require\":\"withdrawals\",\"type\":\"UPDATE\"}");
	rl_sub_free(&s);
	assert_int_equal(parse("{\"path\":13193}", &s, err, sizeof(err)), 0);
	assert_int_equal(s.npath, 1);
	assert_true(s.more);
	rl_sub_free(&s);
	assert_int_equal(parse("{\"path\":\"3816$\",\"prefix\":\"192.0.2.1\"}",
	    &s, err, sizeof(err)), 0);
	assert_true(s.anchor_end);
	assert_int_equal(s.pfx[0].len, 32);
	rl_sub_free(&s);
	assert_int_equal(parse("{}", &s, err, sizeof(err)), 0);
	rl_sub_free(&s);
}

static void
test_parse_refused(void **state)
{
	static const char *bad[] = {
		"{\"type\":\"FOO\"}", "{\"prefix\":\"10.0.0.0/33\"}",
		"{\"prefix\":[1]}", "{\"path\":\"a,b\"}", "{\"path\":\"\"}",
		"{\"path\":-1}", "{\"peer\":\"x\"}", "{\"require\":\"all\"}",
		"{\"moreSpecific\":1}", "{\"socketOptions\":{\"x\":true}}",
		"{\"socketOptions\":[]}", "{\"nope\":1}", "[]", "{\"host\":5}",
	};
	struct rl_sub s;
	char err[200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(parse(bad[i], &s, err, sizeof(err)), -1);
		assert_true(err[0] != '\0');
	}
}

static int
match(const char *sub, const struct rl_view *v)
{
	struct rl_sub s;
	char err[200];
	int m;

	assert_true(parse(sub, &s, err, sizeof(err)) >= 0);
	m = rl_sub_match(&s, v, "rrc-test");
	rl_sub_free(&s);
	return m;
}

static void
test_match(void **state)
{
	struct tap_peer tp;
	struct bw_prefix ann[2], wd[1];
	uint32_t path[] = { 64511, 3356, 1299, 64600 };
	struct rl_view v;

	(void)state;
	memset(&tp, 0, sizeof(tp));
	addr_parse("192.0.2.1", &tp.peer_addr);
	prefix_parse("10.1.0.0/16", &ann[0]);
	prefix_parse("2001:db8:1::/48", &ann[1]);
	prefix_parse("10.2.3.0/24", &wd[0]);
	memset(&v, 0, sizeof(v));
	v.type = RL_T_UPDATE;
	v.tp = &tp;
	v.ann = ann;
	v.nann = 2;
	v.wd = wd;
	v.nwd = 1;
	v.path = path;
	v.npath = 4;
	assert_true(match("{}", &v));
	assert_true(match("{\"host\":\"rrc-test\"}", &v));
	assert_false(match("{\"host\":\"rrc00\"}", &v));
	assert_false(match("{\"type\":\"KEEPALIVE\"}", &v));
	assert_true(match("{\"peer\":\"192.0.2.1\"}", &v));
	assert_false(match("{\"peer\":\"192.0.2.2\"}", &v));
	assert_true(match("{\"path\":1299}", &v));
	assert_true(match("{\"path\":\"^64511,3356\"}", &v));
	assert_false(match("{\"path\":\"^3356\"}", &v));
	assert_true(match("{\"path\":\"1299,64600$\"}", &v));
	assert_false(match("{\"path\":\"1299$\"}", &v));
	assert_true(match("{\"path\":\"3356,1299\"}", &v));
	assert_false(match("{\"path\":\"3356,64600\"}", &v));
	assert_true(match("{\"prefix\":\"10.0.0.0/8\"}", &v));
	assert_false(match("{\"prefix\":\"10.0.0.0/8\",\"moreSpecific\":"
	    "false}", &v));
	assert_true(match("{\"prefix\":\"10.2.3.0/24\",\"moreSpecific\":"
	    "false}", &v));
	assert_false(match("{\"prefix\":\"10.1.2.0/24\"}", &v));
	assert_true(match("{\"prefix\":\"10.1.2.0/24\",\"lessSpecific\":"
	    "true}", &v));
	assert_true(match("{\"prefix\":\"2001:db8::/32\"}", &v));
	assert_false(match("{\"prefix\":\"11.0.0.0/8\"}", &v));
	assert_true(match("{\"require\":\"withdrawals\"}", &v));
	v.nwd = 0;
	assert_false(match("{\"require\":\"withdrawals\"}", &v));
	assert_true(match("{\"require\":\"announcements\"}", &v));
	v.type = RL_T_KEEPALIVE;
	assert_false(match("{\"prefix\":\"10.0.0.0/8\"}", &v));
	assert_false(match("{\"path\":1299}", &v));
	assert_true(match("{\"type\":\"KEEPALIVE\"}", &v));
}

static void
test_encode_update(void **state)
{
	static const char want[] = "{\"type\":\"ris_message\",\"data\":{"
	    "\"timestamp\":1700000000.500000,\"peer\":\"192.0.2.1\","
	    "\"peer_asn\":\"64511\",\"id\":\"192.0.2.1-1\",\"host\":"
	    "\"rrc-test\",\"type\":\"UPDATE\",\"path\":[64511,3356,"
	    "[64600,64601]],\"community\":[[64511,100]],\"origin\":\"IGP\","
	    "\"med\":10,\"aggregator\":\"64600:192.0.2.9\",\"announcements\":"
	    "[{\"next_hop\":\"192.0.2.1\",\"prefixes\":[\"175.45.176.0/24\"]}],"
	    "\"withdrawals\":[\"203.0.113.0/24\"]}}";
	uint8_t msg[512], scratch[BGP_SCRATCH_LEN];
	struct bgp_dec_ctx ctx;
	struct bgp_update u;
	struct tap_peer tp;
	struct tap_msg m;
	struct rl_view v;
	struct evbuffer *b = evbuffer_new();
	size_t len, n;
	char *s;

	(void)state;
	memset(msg, 0xff, 16);
	msg[18] = BGP_UPDATE;
	len = 19 + upd_body("18 CB0071",
	    "40 01 01 00"
	    "40 02 14 02 02 0000FBFF 00000D1C 01 02 0000FC58 0000FC59"
	    "40 03 04 C0000201"
	    "80 04 04 0000000A"
	    "C0 07 08 0000FC58 C0000209"
	    "C0 08 04 FBFF0064", "18 AF2DB0", msg + 19, sizeof(msg) - 19);
	msg[16] = (uint8_t)(len >> 8);
	msg[17] = (uint8_t)len;
	memset(&ctx, 0, sizeof(ctx));
	ctx.as4 = 1;
	ctx.ebgp = 1;
	ctx.scratch = scratch;
	ctx.scratchlen = sizeof(scratch);
	assert_int_equal(bgp_update_decode(&ctx, msg + 19, len - 19, &u), 0);
	memset(&tp, 0, sizeof(tp));
	addr_parse("192.0.2.1", &tp.peer_addr);
	tp.peer_as = 64511;
	memset(&m, 0, sizeof(m));
	m.ts = 1700000000.5;
	m.dir = TAP_RX;
	m.type = BGP_UPDATE;
	m.bytes = msg;
	m.len = len;
	m.upd = &u;
	memset(&v, 0, sizeof(v));
	assert_int_equal(rl_view_message(&v, &tp, &m), 0);
	assert_int_equal(v.nann, 1);
	assert_int_equal(v.nwd, 1);
	assert_int_equal(v.npath, 4);
	assert_int_equal(rl_encode(b, &v, "rrc-test", 1, 0), 0);
	n = evbuffer_get_length(b);
	s = calloc(1, n + 1);
	evbuffer_remove(b, s, n);
	assert_string_equal(s, want);
	free(s);
	/* With raw: the same object plus the message in upper-case hex. */
	assert_int_equal(rl_encode(b, &v, "rrc-test", 1, 1), 0);
	n = evbuffer_get_length(b);
	s = calloc(1, n + 1);
	evbuffer_remove(b, s, n);
	assert_non_null(strstr(s, ",\"raw\":\"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"));
	assert_int_equal(strlen(strstr(s, "\"raw\":\"") + 7), 2 * len + 3);
	free(s);
	rl_view_free(&v);
	evbuffer_free(b);
}

/* RIS Live's peer states, as its ExaBGP collectors report them. */
static void
test_peer_state(void **state)
{
	(void)state;
	assert_null(rl_peer_state(0, 1));		/* Idle -> Connect */
	assert_null(rl_peer_state(1, 2));		/* Connect -> Active */
	assert_string_equal(rl_peer_state(2, 3), "connected");
	assert_string_equal(rl_peer_state(0, 3), "connected");
	assert_null(rl_peer_state(3, 4));		/* OpenSent -> OpenConfirm */
	assert_string_equal(rl_peer_state(4, 5), "up");
	assert_string_equal(rl_peer_state(0, 5), "up");	/* BMP peer up */
	assert_string_equal(rl_peer_state(5, 0), "down");
	assert_string_equal(rl_peer_state(3, 2), "down");
	assert_null(rl_peer_state(5, 5));
}

/* permessage-deflate: the offers taken and refused, and a message
 * deflated for all then inflated as a client would. */
static void
test_deflate(void **state)
{
	struct rislive rl;
	struct rl_client c;
	struct evbuffer *out;
	char resp[160], msg[2000], *got;
	size_t i, n, zlen;
	const uint8_t *z;
	uint8_t *zc;

	(void)state;
	assert_int_equal(rl_deflate_negotiate("permessage-deflate; "
	    "client_max_window_bits", resp, sizeof(resp)), 1);
	assert_string_equal(resp, "permessage-deflate; "
	    "server_no_context_takeover");
	assert_int_equal(rl_deflate_negotiate("permessage-deflate; "
	    "server_max_window_bits=10, permessage-deflate", resp,
	    sizeof(resp)), 1);
	assert_int_equal(rl_deflate_negotiate("permessage-deflate; "
	    "server_max_window_bits=10", resp, sizeof(resp)), 0);
	assert_int_equal(rl_deflate_negotiate("x-webkit-deflate-frame", resp,
	    sizeof(resp)), 0);
	assert_int_equal(rl_deflate_negotiate("permessage-deflate; bogus",
	    resp, sizeof(resp)), 0);
	assert_int_equal(rl_deflate_negotiate("permessage-deflate; "
	    "client_max_window_bits=\"12\"; server_no_context_takeover",
	    resp, sizeof(resp)), 1);

	memset(&rl, 0, sizeof(rl));
	memset(&c, 0, sizeof(c));
	for (i = 0; i < sizeof(msg) - 1; i++)
		msg[i] = "{\"type\":\"ris_message\"}"[i % 22];
	msg[sizeof(msg) - 1] = '\0';
	out = evbuffer_new();
	for (i = 0; i < 3; i++) {	/* each message stands alone */
		assert_int_equal(rl_deflate(&rl, msg, strlen(msg)), 0);
		zlen = evbuffer_get_length(rl.zbuf);
		assert_true(zlen > 0 && zlen < strlen(msg) / 4);
		z = evbuffer_pullup(rl.zbuf, (ssize_t)zlen);
		zc = malloc(zlen);
		memcpy(zc, z, zlen);
		assert_int_equal(rl_inflate(&c, zc, zlen, out, 4096), 0);
		n = evbuffer_get_length(out);
		assert_int_equal(n, strlen(msg));
		got = calloc(1, n + 1);
		evbuffer_remove(out, got, n);
		assert_string_equal(got, msg);
		free(got);
		/* Past the cap: refused, however small the frame. */
		rl_inflate_free(&c);
		assert_int_equal(rl_inflate(&c, zc, zlen, out, 100), 1);
		evbuffer_drain(out, evbuffer_get_length(out));
		rl_inflate_free(&c);
		/* Not deflate at all. */
		assert_int_equal(rl_inflate(&c, (const uint8_t *)"\xff\xff\xff",
		    3, out, 4096), -1);
		evbuffer_drain(out, evbuffer_get_length(out));
		rl_inflate_free(&c);
		free(zc);
	}
	rl_deflate_free(&rl);
	evbuffer_free(out);
}

/* Reads one unmasked text frame off b; returns its payload length, or
 * -1.  *rsv1 gets the RSV1 bit. */
static long
frame_take(struct evbuffer *b, char *out, size_t max, int *rsv1)
{
	uint8_t h[10];
	size_t hlen = 2, len, i;

	if (evbuffer_copyout(b, h, 2) != 2 || (h[0] & 0xbf) != 0x81 ||
	    (h[1] & 0x80) != 0)
		return -1;
	*rsv1 = (h[0] & 0x40) != 0;
	len = h[1];
	if (len == 126)
		hlen = 4;
	else if (len == 127)
		hlen = 10;
	if (evbuffer_remove(b, h, hlen) != (int)hlen)
		return -1;
	if (hlen > 2)
		for (len = 0, i = 2; i < hlen; i++)
			len = len << 8 | h[i];
	if (len > max || evbuffer_remove(b, out, len) != (int)len)
		return -1;
	return (long)len;
}

/*
 * Shared frames: headers as RFC 6455 writes them, and two clients given
 * interleaved frames of two kinds, a frame larger than a block and
 * bytes written between (as wslay does), each read back in order.
 */
static void
test_frames(void **state)
{
	static const struct {
		size_t		len;
		int		rsv1;
		const char	*hex;
	} hv[] = {
		{ 0, 0, "8100" }, { 125, 0, "817d" }, { 126, 0, "817e007e" },
		{ 65535, 1, "c17effff" },
		{ 65536, 0, "817f0000000000010000" },
		{ 5000000000ULL, 0, "817f000000012a05f200" },
	};
	struct event_base *base;
	struct rislive rl;
	struct rl_client c[2];
	struct rl_frame f;
	uint8_t h[RL_FRAME_HEAD_MAX];
	char hex[2 * RL_FRAME_HEAD_MAX + 1], *msg, *got, name[32];
	size_t i, j, n, len, want[2];
	long r;
	int rsv1, k;

	(void)state;
	for (i = 0; i < sizeof(hv) / sizeof(hv[0]); i++) {
		if ((size_t)(uint64_t)hv[i].len != hv[i].len)
			continue;	/* 32-bit size_t */
		n = rl_frame_head(h, hv[i].len, hv[i].rsv1);
		for (j = 0; j < n; j++)
			snprintf(hex + 2 * j, 3, "%02x", h[j]);
		assert_string_equal(hex, hv[i].hex);
	}

	base = event_base_new();
	memset(&rl, 0, sizeof(rl));
	memset(c, 0, sizeof(c));
	for (i = 0; i < 2; i++)
		c[i].bev = bufferevent_socket_new(base, -1, 0);
	msg = malloc(70000);
	got = malloc(70000);
	memset(msg, 'x', 70000);
	/* 3000 messages of 2 kinds: client 0 gets kind 0 of all, client 1
	 * kind 2 (deflate) of every third; message 1500 is 70000 bytes (its
	 * own block), and after message 700 "wslay" writes to client 0. */
	for (i = 0; i < 3000; i++) {
		len = i == 1500 ? 70000 : 20 + i % 300;
		n = (size_t)snprintf(msg, 32, "%zu:", i);
		msg[n] = 'x';
		for (k = 0; k < RL_FK_MAX; k += RL_FK_DEFLATE) {
			rl_frame_make(&rl, k, msg, len, &f);
			if (k == 0)
				rl_run_add(&c[0], &f);
			else if (i % 3 == 0)
				rl_run_add(&c[1], &f);
		}
		if (i == 700) {
			assert_int_equal(rl_run_flush(&c[0]), 0);
			evbuffer_add(bufferevent_get_output(c[0].bev),
			    "\x81\x02hi", 4);
		}
		if (i % 500 == 0)
			for (j = 0; j < 2; j++)
				assert_int_equal(rl_run_flush(&c[j]), 0);
	}
	for (j = 0; j < 2; j++)
		assert_int_equal(rl_run_flush(&c[j]), 0);
	rl_arena_free(&rl);	/* the buffers keep what they reference */
	for (j = 0; j < 2; j++) {
		struct evbuffer *out = bufferevent_get_output(c[j].bev);

		want[j] = 0;
		evbuffer_unfreeze(out, 1);	/* the bufferevent's, else */
		for (i = 0; i < 3000; i++) {
			if (j == 1 && i % 3 != 0)
				continue;
			len = i == 1500 ? 70000 : 20 + i % 300;
			r = frame_take(out, got, 70000, &rsv1);
			assert_int_equal(r, (long)len);
			assert_int_equal(rsv1, j);
			n = (size_t)snprintf(name, sizeof(name), "%zu:", i);
			assert_memory_equal(got, name, n);
			assert_int_equal(got[len - 1], 'x');
			want[j]++;
			if (j == 0 && i == 700) {
				r = frame_take(out, got, 70000, &rsv1);
				assert_int_equal(r, 2);
				assert_memory_equal(got, "hi", 2);
			}
		}
		assert_int_equal(evbuffer_get_length(out), 0);
		bufferevent_free(c[j].bev);
	}
	/* The buffers are finalized with the base; their blocks return. */
	event_base_free(base);
	rl_arena_free(&rl);
	assert_int_equal(want[0], 3000);
	assert_int_equal(want[1], 1000);
	free(msg);
	free(got);
}

/* The worker's side of the inbox, in this thread: every item taken. */
static size_t
inbox_drain(struct rl_inbox *in, void (*fn)(const struct rl_item *, void *),
    void *arg)
{
	const uint8_t *p;
	size_t len, off, n = 0;
	const struct rl_item *h;

	while ((p = rl_inbox_take(in, &len)) != NULL)
		for (off = 0; off < len; off += h->size, n++) {
			h = (const struct rl_item *)(const void *)(p + off);
			assert_true(h->size >= sizeof(*h) && h->size % 8 == 0);
			assert_true(off + h->size <= len);
			fn(h, arg);
		}
	return n;
}

struct seq_check {
	uint32_t	next;
};

/* Items of test_inbox_order: the head, a seq, then seq % 251 bytes of
 * seq & 0xff, every 1000th 70000 bytes (larger than a block). */
static size_t
seq_len(uint32_t seq)
{
	return 12 + (seq % 1000 == 999 ? 70000 : seq % 251);
}

static void
seq_item(const struct rl_item *h, void *arg)
{
	struct seq_check *c = arg;
	const uint8_t *p = (const uint8_t *)h;
	uint32_t seq;
	size_t i, len;

	assert_int_equal(h->kind, RL_I_MSG);
	memcpy(&seq, p + 8, 4);
	assert_int_equal(seq, c->next);
	len = seq_len(seq);
	assert_int_equal(h->size, RL_ALIGN(len));
	for (i = 12; i < len; i++)
		if (p[i] != (uint8_t)seq)
			fail_msg("item %u byte %zu", seq, i);
	c->next++;
}

static void
seq_put(struct rl_inbox *in, uint32_t seq)
{
	size_t len = seq_len(seq);
	uint8_t *p = rl_inbox_reserve(in, len, 0);
	struct rl_item h = { (uint32_t)RL_ALIGN(len), RL_I_MSG };

	assert_non_null(p);
	memcpy(p, &h, sizeof(h));
	memcpy(p + 8, &seq, 4);
	memset(p + 12, (uint8_t)seq, len - 12);
}

static void
test_inbox_order(void **state)
{
	struct rl_inbox in;
	struct seq_check c = { 0 };
	uint32_t seq = 0;
	int round, i, wake, asleep = 1, pending = 0;

	(void)state;
	assert_int_equal(rl_inbox_init(&in), 0);
	/* Nothing published: nothing to take, no wake-up. */
	assert_int_equal(rl_inbox_publish(&in, &wake), 0);
	assert_false(wake);
	assert_null(rl_inbox_take(&in, &(size_t){ 0 }));
	for (round = 0; round < 200; round++) {
		/* A loop turn: items of all sizes, across blocks. */
		for (i = 0; i < round * 7 % 600; i++)
			seq_put(&in, seq++);
		pending |= i > 0;
		assert_int_equal(rl_inbox_publish(&in, &wake), pending);
		/* Woken only if asleep (it sleeps once it took all). */
		assert_int_equal(wake, pending && asleep);
		asleep &= !wake;
		/* A second turn before the worker ran: no second wake-up. */
		seq_put(&in, seq++);
		assert_int_equal(rl_inbox_publish(&in, &wake), 1);
		assert_int_equal(wake, asleep);
		asleep = pending = 0;
		/* The worker takes some turns, not others. */
		if (round % 3 != 0) {
			(void)inbox_drain(&in, seq_item, &c);
			asleep = 1;
		}
	}
	(void)inbox_drain(&in, seq_item, &c);
	assert_int_equal(c.next, seq);
	assert_true(seq > 50000);
	/* Spent blocks were reused, not allocated per turn. */
	assert_true(in.nblk < 64);
	assert_true(in.nfree > 0);
	rl_inbox_trim(&in, 1);
	assert_int_equal(in.nfree, 0);
	rl_inbox_free(&in);
}

/* Items of test_inbox_limit: RL_I_MSG with a seq, and RL_I_CALL. */
static void
limit_item(const struct rl_item *h, void *arg)
{
	struct seq_check *c = arg;
	uint32_t seq;

	if (h->kind == RL_I_CALL)
		return;
	assert_int_equal(h->kind, RL_I_MSG);
	memcpy(&seq, (const uint8_t *)h + 8, 4);
	assert_int_equal(seq, c->next);
	c->next++;
}

static void
test_inbox_limit(void **state)
{
	struct rl_inbox in;
	struct seq_check c = { 0 };
	uint32_t seq = 0;
	size_t limit = 1000000, bytes = 0;
	int wake;
	uint8_t *p;
	struct rl_item h = { 64, RL_I_MSG };

	(void)state;
	assert_int_equal(rl_inbox_init(&in), 0);
	/* The limit holds whether or not the turns were published. */
	while ((p = rl_inbox_reserve(&in, 64, limit)) != NULL) {
		memcpy(p, &h, sizeof(h));
		memcpy(p + 8, &seq, 4);
		seq++;
		bytes += 64;
		if (seq % 1000 == 0)
			(void)rl_inbox_publish(&in, &wake);
	}
	assert_int_equal(bytes, limit / 64 * 64);
	/* A call has no limit. */
	h.size = 8;
	h.kind = RL_I_CALL;
	assert_non_null(p = rl_inbox_reserve(&in, 8, 0));
	memcpy(p, &h, sizeof(h));
	assert_int_equal(rl_inbox_publish(&in, &wake), 1);
	/* Taken by the worker: there is room again. */
	assert_int_equal(inbox_drain(&in, limit_item, &c), seq + 1);
	assert_int_equal(c.next, seq);
	assert_non_null(rl_inbox_reserve(&in, 64, limit));
	rl_inbox_free(&in);
}

struct peer_check {
	uint32_t	cur_as;
	int		have, bmp;
	char		router[RL_ROUTER_MAX];
	uint64_t	got, peers;
};

/* Each message carries the AS of the peer it was tapped for. */
static void
peer_item(const struct rl_item *h, void *arg)
{
	struct peer_check *c = arg;
	const struct rl_item_peer *ip;
	const struct rl_item_msg *m;
	uint32_t as;

	switch (h->kind) {
	case RL_I_PEER:
		ip = (const struct rl_item_peer *)h;
		c->cur_as = ip->tp.peer_as;
		c->bmp = ip->bmp;
		memcpy(c->router, ip->router, sizeof(c->router));
		c->have = 1;
		c->peers++;
		break;
	case RL_I_MSG:
		m = (const struct rl_item_msg *)h;
		assert_int_equal(m->len, 32);
		memcpy(&as, (const uint8_t *)(m + 1) + BGP_HDR_LEN, 4);
		assert_true(c->have);
		if (as != c->cur_as)
			fail_msg("message %" PRIu64 " of AS%u given AS%u",
			    c->got, as, c->cur_as);
		assert_int_equal(c->bmp, as == 64502);
		assert_string_equal(c->router, as == 64502 ? "192.0.2.9" : "");
		c->got++;
		break;
	default:
		fail_msg("item kind %u", h->kind);
	}
}

static void
noop_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

/*
 * The tap's copies, past the inbox's limit: every message taken is
 * given to the peer it came from, although only a change of peer is
 * written and some of those were refused.
 */
static void
test_inbox_peer(void **state)
{
	struct rislive *rl;
	struct event_base *base;
	struct peer_check c;
	struct tap_peer tp[3];
	struct tap_msg m;
	uint8_t msg[32];
	uint64_t sent = 0, lost;
	int i, k, wake;

	(void)state;
	assert_non_null(rl = calloc(1, sizeof(*rl)));
	assert_non_null(base = event_base_new());
	assert_non_null(rl->ev_kick = event_new(base, -1, 0, noop_cb, NULL));
	assert_int_equal(rl_inbox_init(&rl->in), 0);
	rl->active = 1;
	memset(tp, 0, sizeof(tp));
	for (k = 0; k < 3; k++) {
		tp[k].kind = k == 2 ? "bmp" : "bgp";
		tp[k].peer_as = 64500 + (uint32_t)k;
		tp[k].peer_addr.aid = AID_INET;
		tp[k].peer_addr.b[3] = (uint8_t)k;
	}
	tp[2].router = "192.0.2.9";
	memset(msg, 0xff, 16);
	msg[16] = 0;
	msg[17] = sizeof(msg);
	msg[18] = BGP_KEEPALIVE;
	memset(&m, 0, sizeof(m));
	m.dir = TAP_RX;
	m.type = BGP_KEEPALIVE;
	m.bytes = msg;
	m.len = sizeof(msg);
	memset(&c, 0, sizeof(c));
	for (i = 0; i < 1500000; i++) {
		k = (i / 3 + i / 7) % 3;
		memcpy(msg + BGP_HDR_LEN, &tp[k].peer_as, 4);
		m.ts = i;
		rl_tap_message(rl, &tp[k], &m);
		sent++;
		if (i % 5000 == 0)
			(void)rl_inbox_publish(&rl->in, &wake);
		if (i % 400000 == 399999)
			(void)inbox_drain(&rl->in, peer_item, &c);
	}
	(void)rl_inbox_publish(&rl->in, &wake);
	(void)inbox_drain(&rl->in, peer_item, &c);
	lost = rl->in.lost;
	assert_true(lost > 100000);		/* the limit was reached */
	assert_int_equal(c.got + lost, sent);
	assert_true(c.peers < c.got / 2);	/* a peer per change only */
	rl_inbox_free(&rl->in);
	event_free(rl->ev_kick);
	event_base_free(base);
	free(rl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_refused),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_encode_update),
		cmocka_unit_test(test_peer_state),
		cmocka_unit_test(test_deflate),
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_inbox_order),
		cmocka_unit_test(test_inbox_limit),
		cmocka_unit_test(test_inbox_peer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
