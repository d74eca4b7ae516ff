/*
 * libFuzzer target for a session's byte stream: the input (after a
 * selector byte) is what a peer sends, framed message by message as the
 * session does (bgp_frame with 4096, or 65535 once extended messages are
 * on) and decoded by type.  An OPEN in the stream is negotiated against
 * our capabilities and, as in the session, switches 4-octet AS, ADD-PATH
 * and extended messages for the messages after it.
 * Selector bits: 0 extended messages, 1 4-octet AS, 2 ADD-PATH IPv4,
 * 3 ADD-PATH IPv6, 4 eBGP, 5 renegotiate on OPEN.
 * Checks beyond "no crash": framing is the same whatever the split of
 * the bytes (a shorter prefix of a message is "need more", never a
 * different verdict), an error from bgp_frame is a Message Header Error,
 * an UPDATE that resets is an UPDATE Message Error, and every NLRI of an
 * accepted UPDATE walks cleanly.  The custom mutator (bgp_mutate.h)
 * keeps the lengths consistent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bgpwatch.h"
#include "bgp.h"
#include "update.h"
#include "bgp_mutate.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
size_t	LLVMFuzzerCustomMutator(uint8_t *, size_t, size_t, unsigned int);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

static uint8_t	scratch[BGP_SCRATCH_LEN];

struct sess {
	struct bgp_dec_ctx	ctx;
	size_t			maxlen;
	int			renegotiate;
	struct bgp_caps		ours;
};

static void
walk(const struct bgp_view *v, uint8_t aid, int addpath)
{
	struct bgp_nlri_iter	it;
	struct bw_prefix	pfx;
	uint32_t		id;
	int			r;

	bgp_nlri_iter_init(&it, v, aid, addpath);
	while ((r = bgp_nlri_next(&it, &pfx, &id)) == 1)
		CHECK(pfx.len <= aid_maxplen(aid));
	CHECK(r == 0);
}

static void
update(struct sess *s, const uint8_t *body, size_t len)
{
	struct bgp_update	u;
	struct bgp_aspath_iter	ai;
	const uint8_t		*asns;
	uint8_t			 type, count;
	char			 txt[128];

	if (bgp_update_decode(&s->ctx, body, len, &u) == -1) {
		CHECK(u.action == ACT_SESSION_RESET);
		CHECK(u.err.code == ERR_UPDATE);
		return;
	}
	walk(&u.withdrawn, AID_INET, s->ctx.addpath[AID_INET]);
	walk(&u.nlri, AID_INET, s->ctx.addpath[AID_INET]);
	if (ATTR_HAS(&u.attrs, ATTR_MP_REACH_NLRI) &&
	    u.reach.aid != AID_UNSPEC)
		walk(&u.reach.nlri, u.reach.aid, s->ctx.addpath[u.reach.aid]);
	if (ATTR_HAS(&u.attrs, ATTR_MP_UNREACH_NLRI) &&
	    u.unreach.aid != AID_UNSPEC)
		walk(&u.unreach.nlri, u.unreach.aid,
		    s->ctx.addpath[u.unreach.aid]);
	bgp_aspath_iter_init(&ai, &u.attrs.aspath);
	while (bgp_aspath_next(&ai, &type, &count, &asns) == 1)
		;
	(void)bgp_aspath_fmt(&u.attrs.aspath, txt, sizeof(txt));
	(void)bgp_action_name(u.action);
}

static void
open_msg(struct sess *s, const uint8_t *body, size_t len)
{
	struct bgp_open	o;
	struct bgp_err	err;
	struct bgp_neg	neg;
	int		i;

	if (bgp_open_decode(body, len, &o, &err) == -1) {
		CHECK(err.code == ERR_OPEN);
		CHECK(err.data != NULL || err.datalen <= sizeof(err.synth));
		return;
	}
	(void)bgp_open_as(&o);
	bgp_caps_negotiate(&s->ours, &o.caps, &neg);
	if (!s->renegotiate)
		return;
	s->ctx.as4 = neg.as4;
	for (i = 0; i < AID_MAX; i++)
		s->ctx.addpath[i] = neg.addpath_recv[i];
	s->maxlen = neg.ext_msg ? BGP_MAX_EXT_LEN : BGP_MAX_LEN;
}

static uint8_t	out[BGP_MAX_EXT_LEN];

/* A message we encode frames as itself and decodes to what went in. */
static const uint8_t *
reframed(const struct wbuf *w, uint8_t type)
{
	struct bgp_hdr	h;
	struct bgp_err	err;

	CHECK(w->err == 0 && w->len >= BGP_HDR_LEN);
	CHECK(bgp_frame(out, w->len, BGP_MAX_LEN, &h, &err) == 1);
	CHECK(h.type == type && h.len == w->len);
	return out + BGP_HDR_LEN;
}

static void
notification_again(const struct bgp_notification *n, const char *txt,
    int has_txt)
{
	struct bgp_notification	n2;
	struct wbuf		w;
	char			txt2[300];

	wbuf_init(&w, out, sizeof(out));
	if (bgp_notification_encode(&w, n->code, n->subcode, n->data,
	    n->datalen) == 0) {
		CHECK(bgp_notification_decode(reframed(&w, BGP_NOTIFICATION),
		    w.len - BGP_HDR_LEN, &n2) == 0);
		CHECK(n2.code == n->code && n2.subcode == n->subcode &&
		    n2.datalen == n->datalen && (n->datalen == 0 ||
		    memcmp(n2.data, n->data, n->datalen) == 0));
	}
	if (!has_txt)
		return;
	wbuf_init(&w, out, sizeof(out));
	if (bgp_notification_encode_shutdown(&w, n->subcode, txt) == 0) {
		CHECK(bgp_notification_decode(reframed(&w, BGP_NOTIFICATION),
		    w.len - BGP_HDR_LEN, &n2) == 0);
		CHECK(bgp_notification_shutdown_msg(&n2, txt2,
		    sizeof(txt2)) >= 0);
	}
}

static void
rr_again(const struct bgp_rr *rr)
{
	struct bgp_rr	rr2;
	struct bgp_err	err;
	struct wbuf	w;

	wbuf_init(&w, out, sizeof(out));
	if (bgp_rr_encode(&w, rr) == -1)
		return;
	CHECK(bgp_rr_decode(reframed(&w, BGP_ROUTE_REFRESH),
	    w.len - BGP_HDR_LEN, &rr2, &err) == 0);
	CHECK(rr2.afi == rr->afi && rr2.safi == rr->safi &&
	    rr2.subtype == rr->subtype);
}

static void
notification(const uint8_t *body, size_t len)
{
	struct bgp_notification	n;
	char			txt[300];
	int			has_txt;

	if (bgp_notification_decode(body, len, &n) == -1) {
		CHECK(len < 2);
		return;
	}
	CHECK(n.datalen == len - 2);
	(void)bgp_err_code_name(n.code);
	(void)bgp_err_subcode_name(n.code, n.subcode);
	if ((has_txt = bgp_notification_shutdown_msg(&n, txt, sizeof(txt))
	    >= 0))
		CHECK(strlen(txt) < sizeof(txt));
	notification_again(&n, txt, has_txt);
}

static void
message(struct sess *s, const struct bgp_hdr *h, const uint8_t *p)
{
	const uint8_t	*body = p + BGP_HDR_LEN;
	size_t		 len = h->len - BGP_HDR_LEN;
	struct bgp_rr	 rr;
	struct bgp_err	 err;

	(void)bgp_msg_type_name(h->type);
	switch (h->type) {
	case BGP_OPEN:
		open_msg(s, body, len);
		break;
	case BGP_UPDATE:
		update(s, body, len);
		break;
	case BGP_NOTIFICATION:
		notification(body, len);
		break;
	case BGP_KEEPALIVE: {
		struct wbuf	w;

		CHECK(len == 0);
		wbuf_init(&w, out, sizeof(out));
		CHECK(bgp_keepalive_encode(&w) == 0);
		(void)reframed(&w, BGP_KEEPALIVE);
		break;
	}
	case BGP_ROUTE_REFRESH:
		if (bgp_rr_decode(body, len, &rr, &err) == 0) {
			if (rr.subtype <= RR_EORR)
				CHECK(len == 4);
			rr_again(&rr);
		}
		break;
	default:
		abort();	/* bgp_frame lets no other type through */
	}
}

static void
ours(struct bgp_caps *c, uint8_t sel)
{
	memset(c, 0, sizeof(*c));
	c->mp[AID_INET] = c->mp[AID_INET6] = 1;
	c->refresh = c->enhanced_rr = 1;
	c->ext_msg = 1;
	c->as4_present = 1;
	c->as4 = 65000;
	c->addpath[AID_INET] = (sel & 4) ? ADDPATH_RECV : 0;
	c->addpath[AID_INET6] = (sel & 8) ? ADDPATH_RECV : 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sess	 s;
	struct bgp_hdr	 h, h2;
	struct bgp_err	 err;
	size_t		 off = 1;
	uint8_t		 sel;
	int		 r;

	if (size < 1)
		return 0;
	sel = data[0];
	memset(&s, 0, sizeof(s));
	s.maxlen = (sel & 1) ? BGP_MAX_EXT_LEN : BGP_MAX_LEN;
	s.ctx.as4 = (sel >> 1) & 1;
	s.ctx.addpath[AID_INET] = (sel >> 2) & 1;
	s.ctx.addpath[AID_INET6] = (sel >> 3) & 1;
	s.ctx.ebgp = (sel >> 4) & 1;
	s.renegotiate = (sel >> 5) & 1;
	s.ctx.scratch = scratch;
	s.ctx.scratchlen = sizeof(scratch);
	ours(&s.ours, sel);
	while (off < size) {
		r = bgp_frame(data + off, size - off, s.maxlen, &h, &err);
		if (r == -1) {
			CHECK(err.code == ERR_HEADER);
			break;
		}
		if (r == 0) {
			CHECK(size - off < BGP_HDR_LEN ||
			    bm_get16(data + off + 16) > size - off);
			break;
		}
		CHECK(h.len >= BGP_HDR_LEN && h.len <= s.maxlen &&
		    h.len <= size - off);
		/* The same header seen a byte short: more needed. */
		if (h.len > BGP_HDR_LEN) {
			CHECK(bgp_frame(data + off, h.len - 1, s.maxlen, &h2,
			    &err) == 0);
			CHECK(bgp_frame(data + off, BGP_HDR_LEN, s.maxlen,
			    &h2, &err) == 0);
		}
		message(&s, &h, data + off);
		off += h.len;
	}
	return 0;
}

size_t
LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max,
    unsigned int seed)
{
	if (size < 2 || max < 2)
		return LLVMFuzzerMutate(data, size, max);
	if (seed % 32 == 0)
		data[0] = (uint8_t)(seed >> 8);
	return 1 + bm_mutate_stream(data + 1, size - 1, max - 1, seed);
}
