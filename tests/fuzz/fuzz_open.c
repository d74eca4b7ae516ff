/*
 * libFuzzer target for the non-UPDATE codec: frames the input, decodes
 * the body by type (OPEN, NOTIFICATION, ROUTE-REFRESH), and also decodes
 * the raw input as an OPEN body.  A decoded OPEN is encoded and decoded
 * again; its key fields must survive the round trip.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bgpwatch.h"
#include "buf.h"
#include "bgp.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

static void
check_caps(const struct bgp_caps *a, const struct bgp_caps *b)
{
	int	i;

	CHECK(memcmp(a->mp, b->mp, sizeof(a->mp)) == 0);
	CHECK(a->refresh == b->refresh);
	CHECK(a->enhanced_rr == b->enhanced_rr);
	CHECK(a->ext_msg == b->ext_msg);
	CHECK(a->as4_present == b->as4_present && a->as4 == b->as4);
	CHECK(a->gr.present == b->gr.present);
	CHECK(a->gr.flags == b->gr.flags);
	CHECK(a->gr.restart_time == b->gr.restart_time);
	CHECK(memcmp(a->gr.af, b->gr.af, sizeof(a->gr.af)) == 0);
	CHECK(memcmp(a->gr.af_flags, b->gr.af_flags,
	    sizeof(a->gr.af_flags)) == 0);
	CHECK(memcmp(a->addpath, b->addpath, sizeof(a->addpath)) == 0);
	CHECK(a->n_other_mp == b->n_other_mp);
	for (i = 0; i < a->n_other_mp; i++)
		CHECK(a->other_mp[i].afi == b->other_mp[i].afi &&
		    a->other_mp[i].safi == b->other_mp[i].safi);
	CHECK(a->n_unknown == b->n_unknown);
	for (i = 0; i < a->n_unknown; i++) {
		CHECK(a->unknown[i].code == b->unknown[i].code);
		CHECK(a->unknown[i].len == b->unknown[i].len);
		if (a->unknown[i].len > 0)
			CHECK(memcmp(a->unknown[i].value, b->unknown[i].value,
			    a->unknown[i].len) == 0);
	}
}

static void
roundtrip(const struct bgp_open *o)
{
	static uint8_t	 out[BGP_MAX_EXT_LEN];
	struct bgp_open	 back;
	struct bgp_hdr	 h;
	struct bgp_err	 err;
	struct wbuf	 w;

	wbuf_init(&w, out, sizeof(out));
	CHECK(bgp_open_encode(&w, o) == 0);
	CHECK(bgp_frame(out, w.len, BGP_MAX_EXT_LEN, &h, &err) == 1 ||
	    w.len > BGP_MAX_LEN);
	CHECK(bgp_open_decode(out + BGP_HDR_LEN, w.len - BGP_HDR_LEN,
	    &back, &err) == 0);
	CHECK(back.my_as == o->my_as && back.holdtime == o->holdtime &&
	    back.bgp_id == o->bgp_id);
	CHECK(bgp_open_as(&back) == bgp_open_as(o));
	check_caps(&o->caps, &back.caps);
}

static void
decode_open(const uint8_t *body, size_t len)
{
	struct bgp_open	 o;
	struct bgp_neg	 neg;
	struct bgp_err	 err;

	if (bgp_open_decode(body, len, &o, &err) == -1) {
		CHECK(err.code == ERR_OPEN && err.reason != NULL);
		return;
	}
	roundtrip(&o);
	bgp_caps_negotiate(&o.caps, &o.caps, &neg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bgp_notification	 n;
	struct bgp_rr		 rr;
	struct bgp_hdr		 h;
	struct bgp_err		 err;
	const uint8_t		*body;
	char			 msg[BGP_SHUTDOWN_MSG_MAX * 4 + 1];
	size_t			 len;

	decode_open(data, size);

	if (bgp_frame(data, size, BGP_MAX_EXT_LEN, &h, &err) != 1)
		return 0;
	body = data + BGP_HDR_LEN;
	len = h.len - BGP_HDR_LEN;
	switch (h.type) {
	case BGP_OPEN:
		decode_open(body, len);
		break;
	case BGP_NOTIFICATION:
		if (bgp_notification_decode(body, len, &n) == 0) {
			(void)bgp_err_code_name(n.code);
			(void)bgp_err_subcode_name(n.code, n.subcode);
			if (bgp_notification_shutdown_msg(&n, msg,
			    sizeof(msg)) >= 0)
				CHECK(strlen(msg) < sizeof(msg));
		}
		break;
	case BGP_ROUTE_REFRESH:
		if (bgp_rr_decode(body, len, &rr, &err) == -1)
			(void)bgp_err_data(&err);
		break;
	}
	return 0;
}
