/*
 * OPEN and capabilities: real OPENs as BIRD 2 and GoBGP send them, every
 * error, the RFC 9072 extended parameter length, encode/decode round
 * trips, negotiation, and a truncation sweep.
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
#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * BIRD 2: all capabilities in one parameter, in BIRD's order.  AS 65001,
 * hold 240, id 192.0.2.1; MP IPv4+IPv6, route refresh, extended message,
 * GR (120 s, both families with F), AS4, ADD-PATH (IPv4 receive, IPv6
 * both), enhanced route refresh, hostname "bird1".
 */
static const char bird_open[] =
    MARKER "0056 01"
    "04 fde9 00f0 c0000201 39"
    "02 37"
    "01 04 0001 00 01"
    "01 04 0002 00 01"
    "02 00"
    "06 00"
    "40 0a 0078 0001 01 80 0002 01 80"
    "41 04 0000fde9"
    "45 08 0001 01 01 0002 01 03"
    "46 00"
    "49 07 05 6269726431 00";

/*
 * GoBGP: one parameter per capability.  AS 4200000001 (AS_TRANS in the
 * header), hold 90, id 10.0.0.2; route refresh, MP IPv4+IPv6, GR with
 * the N bit (90 s, no F), AS4, ADD-PATH (IPv4 send), FQDN "gobgpd".
 */
static const char gobgp_open[] =
    MARKER "005b 01"
    "04 5ba0 005a 0a000002 3e"
    "02 02 02 00"
    "02 06 01 04 0001 00 01"
    "02 06 01 04 0002 00 01"
    "02 0c 40 0a 405a 0001 01 00 0002 01 00"
    "02 06 41 04 fa56ea01"
    "02 06 45 04 0001 01 02"
    "02 0a 49 08 06 676f62677064 00";

/* RFC 9072 form with two parameters: MP IPv4 + AS4, then route refresh. */
static const char ext_open[] =
    MARKER "0034 01"
    "04 fde9 00f0 c0000201 ff"
    "ff 0014"
    "02 000c 01 04 0001 00 01 41 04 0000fde9"
    "02 0002 02 00";

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

/* Frames a whole hex OPEN and decodes its body; returns the body. */
static const uint8_t *
frame_open(const char *hex, uint8_t *msg, size_t cap, struct bgp_open *o)
{
	struct bgp_hdr	h;
	struct bgp_err	err;
	size_t		n;

	n = unhex(hex, msg, cap);
	assert_int_equal(bgp_frame(msg, n, BGP_MAX_LEN, &h, &err), 1);
	assert_int_equal(h.type, BGP_OPEN);
	assert_int_equal(h.len, n);
	assert_int_equal(bgp_open_decode(msg + BGP_HDR_LEN, n - BGP_HDR_LEN,
	    o, &err), 0);
	return msg + BGP_HDR_LEN;
}

static void
test_bird_open(void **state)
{
	const struct bgp_caps	*c;
	struct bgp_open		 o;
	uint8_t			 msg[256];

	(void)state;
	frame_open(bird_open, msg, sizeof(msg), &o);
	c = &o.caps;
	assert_int_equal(o.version, 4);
	assert_int_equal(o.my_as, 65001);
	assert_int_equal(o.holdtime, 240);
	assert_int_equal(o.bgp_id, 0xc0000201);
	assert_int_equal(o.ext_optparam, 0);
	assert_int_equal(bgp_open_as(&o), 65001);

	assert_int_equal(c->mp[AID_INET], 1);
	assert_int_equal(c->mp[AID_INET6], 1);
	assert_int_equal(c->n_other_mp, 0);
	assert_int_equal(c->refresh, 1);
	assert_int_equal(c->enhanced_rr, 1);
	assert_int_equal(c->ext_msg, 1);
	assert_int_equal(c->as4_present, 1);
	assert_int_equal(c->as4, 65001);
	assert_int_equal(c->gr.present, 1);
	assert_int_equal(c->gr.flags, 0);
	assert_int_equal(c->gr.restart_time, 120);
	assert_int_equal(c->gr.af[AID_INET], 1);
	assert_int_equal(c->gr.af[AID_INET6], 1);
	assert_int_equal(c->gr.af_flags[AID_INET], GR_AF_FORWARD);
	assert_int_equal(c->gr.af_flags[AID_INET6], GR_AF_FORWARD);
	assert_int_equal(c->addpath[AID_INET], ADDPATH_RECV);
	assert_int_equal(c->addpath[AID_INET6], ADDPATH_RECV | ADDPATH_SEND);

	assert_int_equal(c->n_unknown, 1);
	assert_int_equal(c->unknown_dropped, 0);
	assert_int_equal(c->unknown[0].code, CAPA_FQDN);
	assert_int_equal(c->unknown[0].len, 7);
	assert_memory_equal(c->unknown[0].value, "\x05" "bird1" "\x00", 7);
	/* The opaque value views into the message. */
	assert_ptr_equal(c->unknown[0].value, msg + 86 - 7);

	assert_true(CAPA_ISSET(c, CAPA_MP));
	assert_true(CAPA_ISSET(c, CAPA_REFRESH));
	assert_true(CAPA_ISSET(c, CAPA_EXT_MSG));
	assert_true(CAPA_ISSET(c, CAPA_GR));
	assert_true(CAPA_ISSET(c, CAPA_AS4));
	assert_true(CAPA_ISSET(c, CAPA_ADDPATH));
	assert_true(CAPA_ISSET(c, CAPA_ENHANCED_RR));
	assert_true(CAPA_ISSET(c, CAPA_FQDN));
	assert_false(CAPA_ISSET(c, CAPA_ROLE));
	assert_false(CAPA_ISSET(c, CAPA_LLGR));
	assert_false(CAPA_ISSET(c, CAPA_REFRESH_OLD));
}

static void
test_gobgp_open(void **state)
{
	const struct bgp_caps	*c;
	struct bgp_open		 o;
	uint8_t			 msg[256];

	(void)state;
	frame_open(gobgp_open, msg, sizeof(msg), &o);
	c = &o.caps;
	assert_int_equal(o.version, 4);
	assert_int_equal(o.my_as, BGP_AS_TRANS);
	assert_int_equal(o.holdtime, 90);
	assert_int_equal(o.bgp_id, 0x0a000002);
	assert_int_equal(o.ext_optparam, 0);
	assert_int_equal(bgp_open_as(&o), 4200000001u);

	assert_int_equal(c->mp[AID_INET], 1);
	assert_int_equal(c->mp[AID_INET6], 1);
	assert_int_equal(c->refresh, 1);
	assert_int_equal(c->enhanced_rr, 0);
	assert_int_equal(c->ext_msg, 0);
	assert_int_equal(c->as4_present, 1);
	assert_int_equal(c->as4, 4200000001u);
	assert_int_equal(c->gr.present, 1);
	assert_int_equal(c->gr.flags, GR_NOTIFICATION);
	assert_int_equal(c->gr.restart_time, 90);
	assert_int_equal(c->gr.af[AID_INET], 1);
	assert_int_equal(c->gr.af[AID_INET6], 1);
	assert_int_equal(c->gr.af_flags[AID_INET], 0);
	assert_int_equal(c->gr.af_flags[AID_INET6], 0);
	assert_int_equal(c->addpath[AID_INET], ADDPATH_SEND);
	assert_int_equal(c->addpath[AID_INET6], 0);
	assert_int_equal(c->n_unknown, 1);
	assert_int_equal(c->unknown[0].code, CAPA_FQDN);
	assert_int_equal(c->unknown[0].len, 8);
	assert_memory_equal(c->unknown[0].value, "\x06" "gobgpd" "\x00", 8);
	assert_false(CAPA_ISSET(c, CAPA_ENHANCED_RR));
	assert_false(CAPA_ISSET(c, CAPA_EXT_MSG));
}

static void
test_ext_open_decode(void **state)
{
	struct bgp_open	o;
	uint8_t		msg[256];

	(void)state;
	frame_open(ext_open, msg, sizeof(msg), &o);
	assert_int_equal(o.ext_optparam, 1);
	assert_int_equal(o.caps.mp[AID_INET], 1);
	assert_int_equal(o.caps.mp[AID_INET6], 0);
	assert_int_equal(o.caps.as4_present, 1);
	assert_int_equal(o.caps.as4, 65001);
	assert_int_equal(o.caps.refresh, 1);
}

/* OPEN bodies that decode, and what they say. */
static const struct ok_case {
	const char	*name;
	const char	*body;
	uint16_t	 holdtime;
	uint32_t	 bgp_id;
	uint8_t		 n_unknown;
} ok_cases[] = {
	{ "no parameters", "04 fde9 00f0 c0000201 00", 240, 0xc0000201, 0 },
	{ "hold time 0", "04 fde9 0000 c0000201 00", 0, 0xc0000201, 0 },
	{ "hold time 3", "04 fde9 0003 c0000201 00", 3, 0xc0000201, 0 },
	{ "id 255.255.255.255 (RFC 6286)", "04 fde9 00f0 ffffffff 00",
	    240, 0xffffffff, 0 },
	{ "empty capability parameter", "04 fde9 00f0 c0000201 02 02 00",
	    240, 0xc0000201, 0 },
	{ "unknown capability kept", "04 fde9 00f0 c0000201 07 02 05 c8 03 "
	    "aabbcc", 240, 0xc0000201, 1 },
	{ "role and LLGR opaque", "04 fde9 00f0 c0000201 0b 02 09 09 01 03 "
	    "47 04 00010100", 240, 0xc0000201, 2 },
	{ "GR without families", "04 fde9 00f0 c0000201 06 02 04 40 02 8078",
	    240, 0xc0000201, 0 },
	{ "empty ADD-PATH", "04 fde9 00f0 c0000201 04 02 02 45 00",
	    240, 0xc0000201, 0 },
	{ "length 255, first type 2: not RFC 9072", NULL, 240, 0xc0000201, 1 },
};

static void
test_open_ok(void **state)
{
	const struct ok_case	*c;
	struct bgp_open		 o;
	struct bgp_err		 err;
	uint8_t			 body[512];
	size_t			 i, len;

	(void)state;
	for (i = 0; i < nitems(ok_cases); i++) {
		c = &ok_cases[i];
		print_message("open ok: %s\n", c->name);
		if (c->body != NULL)
			len = unhex(c->body, body, sizeof(body));
		else {
			/* One opaque capability of 251 bytes: 255 of params. */
			len = unhex("04 fde9 00f0 c0000201 ff 02 fd c8 fb",
			    body, sizeof(body));
			memset(body + len, 0xee, 251);
			len += 251;
		}
		assert_int_equal(bgp_open_decode(body, len, &o, &err), 0);
		assert_int_equal(o.holdtime, c->holdtime);
		assert_int_equal(o.bgp_id, c->bgp_id);
		assert_int_equal(o.caps.n_unknown, c->n_unknown);
		assert_int_equal(o.ext_optparam, 0);
	}
}

static const struct err_case {
	const char	*name;
	const char	*body;
	uint8_t		 subcode;
	const char	*data;
} err_cases[] = {
	{ "version 3", "03 fde9 00f0 c0000201 00", ERR_OPEN_VERSION, "0004" },
	{ "version 5", "05 fde9 00f0 c0000201 00", ERR_OPEN_VERSION, "0004" },
	{ "version before all else", "03", ERR_OPEN_VERSION, "0004" },
	{ "hold time 1", "04 fde9 0001 c0000201 00", ERR_OPEN_HOLDTIME, "" },
	{ "hold time 2", "04 fde9 0002 c0000201 00", ERR_OPEN_HOLDTIME, "" },
	{ "id 0", "04 fde9 00f0 00000000 00", ERR_OPEN_BGPID, "" },
	{ "auth parameter", "04 fde9 00f0 c0000201 04 01 02 0000",
	    ERR_OPEN_OPT, "" },
	{ "parameter type 3", "04 fde9 00f0 c0000201 02 03 00",
	    ERR_OPEN_OPT, "" },
	{ "bad parameter after capabilities",
	    "04 fde9 00f0 c0000201 06 02 02 0200 03 00", ERR_OPEN_OPT, "" },
	{ "empty body", "", ERR_OPEN_UNSPEC, "" },
	{ "9 bytes", "04 fde9 00f0 c0000201", ERR_OPEN_UNSPEC, "" },
	{ "length past the body", "04 fde9 00f0 c0000201 05 02 03 0200",
	    ERR_OPEN_UNSPEC, "" },
	{ "bytes after parameters", "04 fde9 00f0 c0000201 00 ff",
	    ERR_OPEN_UNSPEC, "" },
	{ "parameter past the length", "04 fde9 00f0 c0000201 04 02 05 0200",
	    ERR_OPEN_UNSPEC, "" },
	{ "parameter header cut", "04 fde9 00f0 c0000201 01 02",
	    ERR_OPEN_UNSPEC, "" },
	{ "capability past the parameter",
	    "04 fde9 00f0 c0000201 04 02 02 4104", ERR_OPEN_UNSPEC, "" },
	{ "capability header cut", "04 fde9 00f0 c0000201 03 02 01 41",
	    ERR_OPEN_UNSPEC, "" },
	{ "MP length 3", "04 fde9 00f0 c0000201 07 02 05 01 03 000100",
	    ERR_OPEN_UNSPEC, "" },
	{ "MP length 5", "04 fde9 00f0 c0000201 09 02 07 01 05 0001000100",
	    ERR_OPEN_UNSPEC, "" },
	{ "AS4 length 2", "04 fde9 00f0 c0000201 06 02 04 41 02 fde9",
	    ERR_OPEN_UNSPEC, "" },
	{ "GR length 3", "04 fde9 00f0 c0000201 07 02 05 40 03 007800",
	    ERR_OPEN_UNSPEC, "" },
	{ "GR length 4", "04 fde9 00f0 c0000201 08 02 06 40 04 00780001",
	    ERR_OPEN_UNSPEC, "" },
	{ "GR length 0", "04 fde9 00f0 c0000201 04 02 02 40 00",
	    ERR_OPEN_UNSPEC, "" },
	{ "ADD-PATH length 5", "04 fde9 00f0 c0000201 09 02 07 45 05 "
	    "0001010100", ERR_OPEN_UNSPEC, "" },
	{ "route refresh length 1", "04 fde9 00f0 c0000201 05 02 03 02 01 00",
	    ERR_OPEN_UNSPEC, "" },
	{ "ext msg length 1", "04 fde9 00f0 c0000201 05 02 03 06 01 00",
	    ERR_OPEN_UNSPEC, "" },
	{ "enhanced RR length 2", "04 fde9 00f0 c0000201 06 02 04 46 02 0000",
	    ERR_OPEN_UNSPEC, "" },
	{ "RFC 9072 length past the body",
	    "04 fde9 00f0 c0000201 ff ff 0010 02 0000", ERR_OPEN_UNSPEC, "" },
	{ "RFC 9072 length cut", "04 fde9 00f0 c0000201 ff ff 00",
	    ERR_OPEN_UNSPEC, "" },
	{ "RFC 9072 parameter past the length",
	    "04 fde9 00f0 c0000201 ff ff 0005 02 0004 4100",
	    ERR_OPEN_UNSPEC, "" },
	{ "RFC 9072 unsupported parameter",
	    "04 fde9 00f0 c0000201 ff ff 0003 01 0000", ERR_OPEN_OPT, "" },
	{ "RFC 9072 with 1-byte parameter lengths",
	    "04 fde9 00f0 c0000201 ff ff 0004 02 02 0200",
	    ERR_OPEN_UNSPEC, "" },
};

static void
test_open_errors(void **state)
{
	const struct err_case	*c;
	struct bgp_open		 o;
	struct bgp_err		 err;
	uint8_t			 body[128], want[8];
	size_t			 i, len, wlen;

	(void)state;
	for (i = 0; i < nitems(err_cases); i++) {
		c = &err_cases[i];
		print_message("open error: %s\n", c->name);
		len = unhex(c->body, body, sizeof(body));
		memset(&err, 0, sizeof(err));
		assert_int_equal(bgp_open_decode(body, len, &o, &err), -1);
		assert_int_equal(err.code, ERR_OPEN);
		assert_int_equal(err.subcode, c->subcode);
		assert_non_null(err.reason);
		wlen = unhex(c->data, want, sizeof(want));
		assert_int_equal(err.datalen, wlen);
		if (wlen > 0)
			assert_memory_equal(bgp_err_data(&err), want, wlen);
	}
}

/* More capabilities than the struct keeps: counted, never overflowed. */
static void
test_open_bounds(void **state)
{
	struct bgp_open	o;
	struct bgp_err	err;
	uint8_t		body[512];
	size_t		len, plen;
	int		i;

	(void)state;
	len = unhex("04 fde9 00f0 c0000201 00 02 00", body, sizeof(body));
	plen = len - 1;
	/* 20 opaque caps, 20 other MP families (one twice), IPv6 twice. */
	for (i = 0; i < 20; i++) {
		body[len++] = 200;
		body[len++] = 1;
		body[len++] = (uint8_t)i;
	}
	for (i = 0; i < 21; i++) {
		body[len++] = CAPA_MP;
		body[len++] = 4;
		body[len++] = 0;
		body[len++] = AFI_IPV4;
		body[len++] = 0;
		body[len++] = (uint8_t)(i == 20 ? 2 : 2 + i);
	}
	len += unhex("01 04 0002 00 01 01 04 0002 00 01", body + len,
	    sizeof(body) - len);
	body[plen] = (uint8_t)(len - plen - 1);
	body[9] = (uint8_t)(len - 10);
	assert_int_equal(bgp_open_decode(body, len, &o, &err), 0);
	assert_int_equal(o.caps.n_unknown, BGP_CAPA_MAX_UNKNOWN);
	assert_int_equal(o.caps.unknown_dropped, 4);
	for (i = 0; i < BGP_CAPA_MAX_UNKNOWN; i++) {
		assert_int_equal(o.caps.unknown[i].code, 200);
		assert_int_equal(o.caps.unknown[i].value[0], i);
	}
	assert_int_equal(o.caps.n_other_mp, BGP_CAPA_MAX_OTHER_MP);
	assert_int_equal(o.caps.other_mp_dropped, 4);
	for (i = 0; i < BGP_CAPA_MAX_OTHER_MP; i++) {
		assert_int_equal(o.caps.other_mp[i].afi, AFI_IPV4);
		assert_int_equal(o.caps.other_mp[i].safi, 2 + i);
	}
	assert_int_equal(o.caps.mp[AID_INET], 0);
	assert_int_equal(o.caps.mp[AID_INET6], 1);
}

/* Families bgpwatch does not route are ignored in GR and ADD-PATH. */
static void
test_open_other_families(void **state)
{
	struct bgp_open	o;
	struct bgp_err	err;
	uint8_t		body[128];
	size_t		len;

	(void)state;
	len = unhex("04 fde9 00f0 c0000201 1e 02 1c"
	    "40 0a 8078 0001 85 80 0002 01 80"
	    "45 08 0019 46 03 0001 01 01"
	    "41 04 00000000", body, sizeof(body));
	assert_int_equal(bgp_open_decode(body, len, &o, &err), 0);
	assert_int_equal(o.caps.gr.present, 1);
	assert_int_equal(o.caps.gr.flags, GR_RESTART);
	assert_int_equal(o.caps.gr.af[AID_INET], 0);
	assert_int_equal(o.caps.gr.af[AID_INET6], 1);
	assert_int_equal(o.caps.addpath[AID_INET], ADDPATH_RECV);
	assert_int_equal(o.caps.addpath[AID_INET6], 0);
	/* AS 0 in the capability is the session's policy, not the codec's. */
	assert_int_equal(o.caps.as4_present, 1);
	assert_int_equal(bgp_open_as(&o), 0);
}

/* Encoding */

static void
assert_caps_equal(const struct bgp_caps *a, const struct bgp_caps *b)
{
	int	i;

	assert_memory_equal(a->mp, b->mp, sizeof(a->mp));
	assert_int_equal(a->refresh, b->refresh);
	assert_int_equal(a->enhanced_rr, b->enhanced_rr);
	assert_int_equal(a->ext_msg, b->ext_msg);
	assert_int_equal(a->as4_present, b->as4_present);
	assert_int_equal(a->as4, b->as4);
	assert_int_equal(a->gr.present, b->gr.present);
	assert_int_equal(a->gr.flags, b->gr.flags);
	assert_int_equal(a->gr.restart_time, b->gr.restart_time);
	assert_memory_equal(a->gr.af, b->gr.af, sizeof(a->gr.af));
	assert_memory_equal(a->gr.af_flags, b->gr.af_flags,
	    sizeof(a->gr.af_flags));
	assert_memory_equal(a->addpath, b->addpath, sizeof(a->addpath));
	assert_int_equal(a->n_other_mp, b->n_other_mp);
	for (i = 0; i < a->n_other_mp; i++) {
		assert_int_equal(a->other_mp[i].afi, b->other_mp[i].afi);
		assert_int_equal(a->other_mp[i].safi, b->other_mp[i].safi);
	}
	assert_int_equal(a->n_unknown, b->n_unknown);
	for (i = 0; i < a->n_unknown; i++) {
		assert_int_equal(a->unknown[i].code, b->unknown[i].code);
		assert_int_equal(a->unknown[i].len, b->unknown[i].len);
		if (a->unknown[i].len > 0)
			assert_memory_equal(a->unknown[i].value,
			    b->unknown[i].value, a->unknown[i].len);
	}
}

/* Encodes o, frames and decodes the result into back. */
static size_t
encode_decode(const struct bgp_open *o, uint8_t *out, size_t cap,
    struct bgp_open *back)
{
	struct bgp_hdr	h;
	struct bgp_err	err;
	struct wbuf	w;

	wbuf_init(&w, out, cap);
	assert_int_equal(bgp_open_encode(&w, o), 0);
	assert_int_equal(bgp_frame(out, w.len, BGP_MAX_LEN, &h, &err), 1);
	assert_int_equal(h.len, w.len);
	assert_int_equal(h.type, BGP_OPEN);
	assert_int_equal(bgp_open_decode(out + BGP_HDR_LEN,
	    w.len - BGP_HDR_LEN, back, &err), 0);
	assert_int_equal(back->version, BGP_VERSION);
	assert_int_equal(back->my_as, o->my_as);
	assert_int_equal(back->holdtime, o->holdtime);
	assert_int_equal(back->bgp_id, o->bgp_id);
	assert_caps_equal(&back->caps, &o->caps);
	return w.len;
}

static const uint8_t fqdn[] = { 4, 'h', 'o', 's', 't', 0 };
static const uint8_t role[] = { 3 };

static void
test_roundtrip_all(void **state)
{
	struct bgp_open	o, back;
	struct bgp_caps	*c = &o.caps;
	uint8_t		out[512];

	(void)state;
	memset(&o, 0, sizeof(o));
	o.my_as = BGP_AS_TRANS;
	o.holdtime = 180;
	o.bgp_id = 0xc6336401;
	c->mp[AID_INET] = 1;
	c->mp[AID_INET6] = 1;
	c->n_other_mp = 2;
	c->other_mp[0].afi = AFI_IPV4;
	c->other_mp[0].safi = 133;
	c->other_mp[1].afi = 25;
	c->other_mp[1].safi = 70;
	c->refresh = 1;
	c->enhanced_rr = 1;
	c->ext_msg = 1;
	c->as4_present = 1;
	c->as4 = 4200000001u;
	c->gr.present = 1;
	c->gr.flags = GR_RESTART | GR_NOTIFICATION;
	c->gr.restart_time = 4095;
	c->gr.af[AID_INET] = 1;
	c->gr.af_flags[AID_INET] = GR_AF_FORWARD;
	c->gr.af[AID_INET6] = 1;
	c->addpath[AID_INET] = ADDPATH_RECV;
	c->addpath[AID_INET6] = ADDPATH_RECV | ADDPATH_SEND;
	c->n_unknown = 2;
	c->unknown[0].code = CAPA_FQDN;
	c->unknown[0].len = sizeof(fqdn);
	c->unknown[0].value = fqdn;
	c->unknown[1].code = CAPA_ROLE;
	c->unknown[1].len = sizeof(role);
	c->unknown[1].value = role;

	assert_int_equal(encode_decode(&o, out, sizeof(out), &back),
	    19 + 10 + 2 + 4 * 6 + 2 + 2 + 2 + 6 + 12 + 10 + 8 + 3);
	assert_int_equal(back.ext_optparam, 0);
	assert_int_equal(bgp_open_as(&back), 4200000001u);
	assert_true(CAPA_ISSET(&back.caps, CAPA_ROLE));
	assert_true(CAPA_ISSET(&back.caps, CAPA_ADDPATH));

	/* The exact bytes of the start: header, fixed part, first MP. */
	{
		uint8_t	want[64];
		size_t	n;

		n = unhex(MARKER "0064 01 04 5ba0 00b4 c6336401 47 02 45"
		    "01 04 0001 00 01 01 04 0002 00 01", want, sizeof(want));
		assert_memory_equal(out, want, n);
	}
}

/* One capability at a time, each alone in an OPEN. */
static void
test_roundtrip_each(void **state)
{
	struct bgp_open	o, back;
	uint8_t		out[256];
	int		i;

	(void)state;
	for (i = 0; i < 9; i++) {
		memset(&o, 0, sizeof(o));
		o.my_as = 64512;
		o.holdtime = 90;
		o.bgp_id = 1;
		switch (i) {
		case 0:
			o.caps.mp[AID_INET6] = 1;
			break;
		case 1:
			o.caps.refresh = 1;
			break;
		case 2:
			o.caps.enhanced_rr = 1;
			break;
		case 3:
			o.caps.ext_msg = 1;
			break;
		case 4:
			o.caps.as4_present = 1;
			o.caps.as4 = 64512;
			break;
		case 5:
			o.caps.gr.present = 1;
			o.caps.gr.restart_time = 0;
			break;
		case 6:
			o.caps.addpath[AID_INET6] = ADDPATH_SEND;
			break;
		case 7:
			o.caps.n_other_mp = 1;
			o.caps.other_mp[0].afi = AFI_IPV6;
			o.caps.other_mp[0].safi = 2;
			break;
		case 8:
			o.caps.n_unknown = 1;
			o.caps.unknown[0].code = 0;
			o.caps.unknown[0].len = 0;
			break;
		}
		encode_decode(&o, out, sizeof(out), &back);
	}
	/* Nothing at all: an optional parameters length of 0. */
	memset(&o, 0, sizeof(o));
	o.bgp_id = 1;
	assert_int_equal(encode_decode(&o, out, sizeof(out), &back), 29);
	assert_int_equal(out[28], 0);
}

static uint8_t big_value[255];

/* n opaque capabilities of vlen bytes each. */
static void
open_with_opaque(struct bgp_open *o, int n, uint8_t vlen)
{
	int	i;

	memset(o, 0, sizeof(*o));
	o->my_as = 65001;
	o->holdtime = 240;
	o->bgp_id = 0xc0000201;
	for (i = 0; i < (int)sizeof(big_value); i++)
		big_value[i] = (uint8_t)i;
	o->caps.n_unknown = (uint8_t)n;
	for (i = 0; i < n; i++) {
		o->caps.unknown[i].code = (uint8_t)(200 + i);
		o->caps.unknown[i].len = vlen;
		o->caps.unknown[i].value = big_value;
	}
}

static void
test_rfc9072_encode(void **state)
{
	struct bgp_open	o, back;
	uint8_t		out[1024];
	size_t		len;

	(void)state;
	/* 16 capabilities of 20 bytes: 320 bytes of parameter. */
	open_with_opaque(&o, 16, 18);
	len = encode_decode(&o, out, sizeof(out), &back);
	assert_int_equal(len, 19 + 10 + 3 + 3 + 320);
	assert_int_equal(out[28], 0xff);	/* non-ext length */
	assert_int_equal(out[29], 0xff);	/* non-ext type */
	assert_int_equal(get_u16(out + 30), 3 + 320);
	assert_int_equal(out[32], OPT_PARAM_CAPA);
	assert_int_equal(get_u16(out + 33), 320);
	assert_int_equal(out[35], 200);
	assert_int_equal(out[36], 18);
	assert_int_equal(back.ext_optparam, 1);

	/* 253 bytes of capabilities fit the classic form exactly... */
	open_with_opaque(&o, 1, 251);
	len = encode_decode(&o, out, sizeof(out), &back);
	assert_int_equal(len, 19 + 10 + 2 + 253);
	assert_int_equal(out[28], 0xff);
	assert_int_equal(out[29], OPT_PARAM_CAPA);
	assert_int_equal(out[30], 253);
	assert_int_equal(back.ext_optparam, 0);

	/* ...254 do not. */
	open_with_opaque(&o, 1, 252);
	len = encode_decode(&o, out, sizeof(out), &back);
	assert_int_equal(len, 19 + 10 + 3 + 3 + 254);
	assert_int_equal(out[29], 0xff);
	assert_int_equal(back.ext_optparam, 1);

	/* Asked for: the extended form even when small. */
	open_with_opaque(&o, 1, 1);
	o.ext_optparam = 1;
	len = encode_decode(&o, out, sizeof(out), &back);
	assert_int_equal(len, 19 + 10 + 3 + 3 + 3);
	assert_int_equal(out[28], 0xff);
	assert_int_equal(out[29], 0xff);
	assert_int_equal(get_u16(out + 30), 6);
	assert_int_equal(back.ext_optparam, 1);

	/* Too small a buffer, in either form. */
	{
		struct wbuf	w;

		open_with_opaque(&o, 16, 18);
		wbuf_init(&w, out, 300);
		assert_int_equal(bgp_open_encode(&w, &o), -1);
		wbuf_init(&w, out, 19 + 10 + 6 + 319);
		assert_int_equal(bgp_open_encode(&w, &o), -1);
		wbuf_init(&w, out, 19 + 10 + 6 + 320);
		assert_int_equal(bgp_open_encode(&w, &o), 0);
		open_with_opaque(&o, 0, 0);
		wbuf_init(&w, out, 28);
		assert_int_equal(bgp_open_encode(&w, &o), -1);
	}
}

/* Decoding the real OPENs and encoding them again gives the same caps. */
static void
test_reencode_real(void **state)
{
	static const char *const opens[] = { bird_open, gobgp_open, ext_open };
	struct bgp_open	 o, back;
	uint8_t		 msg[256], out[256];
	size_t		 i;

	(void)state;
	for (i = 0; i < nitems(opens); i++) {
		frame_open(opens[i], msg, sizeof(msg), &o);
		encode_decode(&o, out, sizeof(out), &back);
		assert_int_equal(back.ext_optparam, o.ext_optparam);
	}
	/* BIRD's single-parameter layout comes back byte for byte. */
	frame_open(bird_open, msg, sizeof(msg), &o);
	encode_decode(&o, out, sizeof(out), &back);
	assert_memory_equal(out, msg, 86);
}

/* Negotiation */

#define V4	[AID_INET] = 1
#define V6	[AID_INET6] = 1

static const struct neg_case {
	const char	*name;
	struct bgp_caps	 ours, theirs;
	struct bgp_neg	 want;
} neg_cases[] = {
	{ "both everything",
	    { .mp = { V4, V6 }, .refresh = 1, .enhanced_rr = 1, .ext_msg = 1,
	      .as4_present = 1, .as4 = 65000 },
	    { .mp = { V4, V6 }, .refresh = 1, .enhanced_rr = 1, .ext_msg = 1,
	      .as4_present = 1, .as4 = 4200000001u },
	    { .as4 = 1, .ext_msg = 1, .refresh = 1, .enhanced_rr = 1,
	      .af = { V4, V6 } } },
	{ "2-byte peer without capabilities",
	    { .mp = { V4, V6 }, .refresh = 1, .ext_msg = 1, .as4_present = 1,
	      .as4 = 65000 },
	    { .refresh = 0 },
	    { .af = { V4 } } },
	{ "we announce no MP, peer both",
	    { .as4_present = 1 },
	    { .mp = { V4, V6 }, .as4_present = 1 },
	    { .as4 = 1, .af = { V4 } } },
	{ "we announce no MP, peer IPv6 only",
	    { .refresh = 1 },
	    { .mp = { V6 }, .refresh = 1 },
	    { .refresh = 1 } },
	{ "neither announces MP", { .refresh = 1 }, { .enhanced_rr = 1 },
	    { .af = { V4 } } },
	{ "peer IPv6 only",
	    { .mp = { V4, V6 } }, { .mp = { V6 } }, { .af = { V6 } } },
	{ "peer with only a non-unicast family",
	    { .mp = { V4, V6 } },
	    { .n_other_mp = 1, .other_mp = { { AFI_IPV4, 133 } } },
	    { .enhanced_rr = 0 } },
	{ "one-sided capabilities",
	    { .mp = { V4 }, .ext_msg = 1, .enhanced_rr = 1 },
	    { .mp = { V4 }, .refresh = 1, .as4_present = 1, .as4 = 1 },
	    { .af = { V4 } } },
	{ "ADD-PATH crossing",
	    { .mp = { V4, V6 }, .addpath = { [AID_INET] = ADDPATH_RECV,
	      [AID_INET6] = ADDPATH_RECV | ADDPATH_SEND } },
	    { .mp = { V4, V6 }, .addpath = { [AID_INET] = ADDPATH_RECV |
	      ADDPATH_SEND, [AID_INET6] = ADDPATH_RECV } },
	    { .af = { V4, V6 }, .addpath_recv = { V4 },
	      .addpath_send = { V6 } } },
	{ "ADD-PATH same direction",
	    { .mp = { V4 }, .addpath = { [AID_INET] = ADDPATH_RECV } },
	    { .mp = { V4 }, .addpath = { [AID_INET] = ADDPATH_RECV } },
	    { .af = { V4 } } },
	{ "ADD-PATH for a family not negotiated",
	    { .mp = { V4, V6 }, .addpath = { [AID_INET6] = ADDPATH_RECV } },
	    { .mp = { V4 }, .addpath = { [AID_INET6] = ADDPATH_SEND } },
	    { .af = { V4 } } },
	{ "ADD-PATH with an MP-less peer",
	    { .mp = { V4 }, .addpath = { [AID_INET] = ADDPATH_RECV } },
	    { .addpath = { [AID_INET] = ADDPATH_SEND } },
	    { .af = { V4 }, .addpath_recv = { V4 } } },
	{ "peer restarting with GR",
	    { .mp = { V4, V6 } },
	    { .mp = { V4, V6 }, .gr = { .present = 1, .flags = GR_RESTART |
	      GR_NOTIFICATION, .restart_time = 120, .af = { V4, V6 },
	      .af_flags = { [AID_INET] = GR_AF_FORWARD } } },
	    { .af = { V4, V6 }, .gr_peer = 1, .gr_peer_restarting = 1,
	      .gr_restart_time = 120, .gr_af = { V4, V6 },
	      .gr_af_forward = { V4 } } },
	{ "peer GR for a family not negotiated",
	    { .mp = { V4 } },
	    { .mp = { V4, V6 }, .gr = { .present = 1, .restart_time = 90,
	      .af = { V6 }, .af_flags = { [AID_INET6] = GR_AF_FORWARD } } },
	    { .af = { V4 }, .gr_peer = 1, .gr_restart_time = 90 } },
	{ "only we do GR",
	    { .mp = { V4 }, .gr = { .present = 1, .restart_time = 90,
	      .af = { V4 } } },
	    { .mp = { V4 } },
	    { .af = { V4 } } },
};

static void
test_negotiate(void **state)
{
	const struct neg_case	*c;
	struct bgp_neg		 got;
	size_t			 i;

	(void)state;
	for (i = 0; i < nitems(neg_cases); i++) {
		c = &neg_cases[i];
		print_message("negotiate: %s\n", c->name);
		memset(&got, 0xaa, sizeof(got));
		bgp_caps_negotiate(&c->ours, &c->theirs, &got);
		assert_int_equal(got.as4, c->want.as4);
		assert_int_equal(got.ext_msg, c->want.ext_msg);
		assert_int_equal(got.refresh, c->want.refresh);
		assert_int_equal(got.enhanced_rr, c->want.enhanced_rr);
		assert_memory_equal(got.af, c->want.af, sizeof(got.af));
		assert_memory_equal(got.addpath_recv, c->want.addpath_recv,
		    sizeof(got.addpath_recv));
		assert_memory_equal(got.addpath_send, c->want.addpath_send,
		    sizeof(got.addpath_send));
		assert_int_equal(got.gr_peer, c->want.gr_peer);
		assert_int_equal(got.gr_peer_restarting,
		    c->want.gr_peer_restarting);
		assert_int_equal(got.gr_restart_time, c->want.gr_restart_time);
		assert_memory_equal(got.gr_af, c->want.gr_af,
		    sizeof(got.gr_af));
		assert_memory_equal(got.gr_af_forward, c->want.gr_af_forward,
		    sizeof(got.gr_af_forward));
	}
}

/* Negotiating the two real OPENs against each other. */
static void
test_negotiate_real(void **state)
{
	struct bgp_open	bird, gobgp;
	struct bgp_neg	n;
	uint8_t		m1[256], m2[256];

	(void)state;
	frame_open(bird_open, m1, sizeof(m1), &bird);
	frame_open(gobgp_open, m2, sizeof(m2), &gobgp);
	bgp_caps_negotiate(&bird.caps, &gobgp.caps, &n);
	assert_int_equal(n.as4, 1);
	assert_int_equal(n.ext_msg, 0);
	assert_int_equal(n.refresh, 1);
	assert_int_equal(n.enhanced_rr, 0);
	assert_int_equal(n.af[AID_INET], 1);
	assert_int_equal(n.af[AID_INET6], 1);
	/* BIRD receives IPv4 paths, GoBGP sends them. */
	assert_int_equal(n.addpath_recv[AID_INET], 1);
	assert_int_equal(n.addpath_send[AID_INET], 0);
	assert_int_equal(n.addpath_recv[AID_INET6], 0);
	assert_int_equal(n.addpath_send[AID_INET6], 0);
	assert_int_equal(n.gr_peer, 1);
	assert_int_equal(n.gr_peer_restarting, 0);
	assert_int_equal(n.gr_restart_time, 90);
	assert_int_equal(n.gr_af[AID_INET6], 1);
	assert_int_equal(n.gr_af_forward[AID_INET6], 0);
}

static void
test_capa_names(void **state)
{
	(void)state;
	assert_string_equal(bgp_capa_name(CAPA_MP), "multiprotocol");
	assert_string_equal(bgp_capa_name(CAPA_REFRESH), "route refresh");
	assert_string_equal(bgp_capa_name(CAPA_EXT_MSG), "extended message");
	assert_string_equal(bgp_capa_name(CAPA_GR), "graceful restart");
	assert_string_equal(bgp_capa_name(CAPA_AS4), "4-octet AS");
	assert_string_equal(bgp_capa_name(CAPA_ADDPATH), "ADD-PATH");
	assert_string_equal(bgp_capa_name(CAPA_ENHANCED_RR),
	    "enhanced route refresh");
	assert_string_equal(bgp_capa_name(CAPA_FQDN), "FQDN");
	assert_string_equal(bgp_capa_name(CAPA_ROLE), "role");
	assert_string_equal(bgp_capa_name(CAPA_EXT_NEXTHOP),
	    "extended next hop");
	assert_string_equal(bgp_capa_name(CAPA_LLGR),
	    "long-lived graceful restart");
	assert_string_equal(bgp_capa_name(CAPA_REFRESH_OLD),
	    "route refresh (Cisco)");
	assert_string_equal(bgp_capa_name(0), "unknown");
	assert_string_equal(bgp_capa_name(200), "unknown");
}

/*
 * Every shorter cut of a valid OPEN is refused cleanly: as a body (in a
 * buffer of exactly that size, for ASan) and as a message whose length
 * field was cut to match.
 */
static void
sweep(const char *hex)
{
	struct bgp_open	 o;
	struct bgp_hdr	 h;
	struct bgp_err	 err;
	uint8_t		 msg[512], *cut;
	size_t		 n, i;
	int		 rc;

	n = unhex(hex, msg, sizeof(msg));
	for (i = 0; i < n; i++) {
		cut = malloc(i > 0 ? i : 1);
		assert_non_null(cut);
		memcpy(cut, msg, i);
		assert_int_equal(bgp_frame(cut, i, BGP_MAX_LEN, &h, &err), 0);
		if (i >= BGP_HDR_LEN) {
			cut[16] = (uint8_t)(i >> 8);
			cut[17] = (uint8_t)i;
			rc = bgp_frame(cut, i, BGP_MAX_LEN, &h, &err);
			if (i < BGP_OPEN_MIN_LEN) {
				assert_int_equal(rc, -1);
				assert_int_equal(err.subcode, ERR_HDR_LEN);
			} else {
				assert_int_equal(rc, 1);
				memset(&err, 0, sizeof(err));
				assert_int_equal(bgp_open_decode(cut +
				    BGP_HDR_LEN, i - BGP_HDR_LEN, &o, &err),
				    -1);
				assert_int_equal(err.code, ERR_OPEN);
				assert_int_equal(err.subcode, ERR_OPEN_UNSPEC);
			}
		}
		free(cut);

		/* The body alone, cut to i bytes. */
		if (i < n - BGP_HDR_LEN) {
			cut = malloc(i > 0 ? i : 1);
			assert_non_null(cut);
			memcpy(cut, msg + BGP_HDR_LEN, i);
			assert_int_equal(bgp_open_decode(cut, i, &o, &err), -1);
			assert_int_equal(err.code, ERR_OPEN);
			free(cut);
		}
	}
}

static void
test_truncation_sweep(void **state)
{
	(void)state;
	sweep(bird_open);
	sweep(gobgp_open);
	sweep(ext_open);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bird_open),
		cmocka_unit_test(test_gobgp_open),
		cmocka_unit_test(test_ext_open_decode),
		cmocka_unit_test(test_open_ok),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_open_bounds),
		cmocka_unit_test(test_open_other_families),
		cmocka_unit_test(test_roundtrip_all),
		cmocka_unit_test(test_roundtrip_each),
		cmocka_unit_test(test_rfc9072_encode),
		cmocka_unit_test(test_reencode_real),
		cmocka_unit_test(test_negotiate),
		cmocka_unit_test(test_negotiate_real),
		cmocka_unit_test(test_capa_names),
		cmocka_unit_test(test_truncation_sweep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
