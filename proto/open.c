/*
 * OPEN messages and capabilities (RFC 4271 4.2, RFC 5492, RFC 9072).
 *
 * Capabilities are driven by one descriptor table: code, name, the
 * length rule of the value and a decoder.  A capability whose length
 * breaks its rule makes the whole OPEN an OPEN Message Error / Unspecific
 * (RFC 5492 defines no subcode for it; OpenBGPD sends the same for
 * capabilities that overrun their parameter).  Rows without a decoder,
 * and codes without a row, are kept opaque in caps->unknown, viewing into
 * the message.  Families bgpwatch does not route (not IPv4/IPv6 unicast)
 * are listed but otherwise ignored.
 *
 * The encoder writes every capability into one optional parameter and
 * switches to the RFC 9072 extended lengths only when 255 bytes are not
 * enough.  Negotiation is the intersection of both sides, with RFC 4760's
 * rule that a speaker without multiprotocol capability speaks IPv4 only.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bgpwatch.h"
#include "buf.h"
#include "bgp.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

#define GR_TIME_MASK	0x0fff

struct capa_desc {
	uint8_t		 code;
	uint8_t		 minlen;
	uint8_t		 maxlen;
	uint8_t		 step;	/* len - minlen: a multiple of it */
	const char	*name;
	void		(*decode)(struct bgp_caps *, struct buf *);
};

static void	capa_dec_mp(struct bgp_caps *, struct buf *);
static void	capa_dec_refresh(struct bgp_caps *, struct buf *);
static void	capa_dec_ext_msg(struct bgp_caps *, struct buf *);
static void	capa_dec_gr(struct bgp_caps *, struct buf *);
static void	capa_dec_as4(struct bgp_caps *, struct buf *);
static void	capa_dec_addpath(struct bgp_caps *, struct buf *);
static void	capa_dec_enhanced_rr(struct bgp_caps *, struct buf *);

static const struct capa_desc capa_desc[] = {
	{ CAPA_MP, 4, 4, 0, "multiprotocol", capa_dec_mp },
	{ CAPA_REFRESH, 0, 0, 0, "route refresh", capa_dec_refresh },
	{ CAPA_ORF, 0, 255, 0, "outbound route filtering", NULL },
	{ CAPA_EXT_NEXTHOP, 0, 255, 0, "extended next hop", NULL },
	{ CAPA_EXT_MSG, 0, 0, 0, "extended message", capa_dec_ext_msg },
	{ CAPA_ROLE, 0, 255, 0, "role", NULL },
	{ CAPA_GR, 2, 254, 4, "graceful restart", capa_dec_gr },
	{ CAPA_AS4, 4, 4, 0, "4-octet AS", capa_dec_as4 },
	{ CAPA_ADDPATH, 0, 252, 4, "ADD-PATH", capa_dec_addpath },
	{ CAPA_ENHANCED_RR, 0, 0, 0, "enhanced route refresh",
	    capa_dec_enhanced_rr },
	{ CAPA_LLGR, 0, 255, 0, "long-lived graceful restart", NULL },
	{ CAPA_FQDN, 0, 255, 0, "FQDN", NULL },
	{ CAPA_SOFT_VERSION, 0, 255, 0, "software version", NULL },
	{ CAPA_REFRESH_OLD, 0, 255, 0, "route refresh (Cisco)", NULL },
};

static const struct capa_desc *
capa_lookup(uint8_t code)
{
	size_t	i;

	for (i = 0; i < nitems(capa_desc); i++)
		if (capa_desc[i].code == code)
			return &capa_desc[i];
	return NULL;
}

const char *
bgp_capa_name(uint8_t code)
{
	const struct capa_desc	*d;

	if ((d = capa_lookup(code)) == NULL)
		return "unknown";
	return d->name;
}

static void
count_sat(uint8_t *c)
{
	if (*c < UINT8_MAX)
		(*c)++;
}

/* Capability decoders: the length rule of their row has been checked. */

static void
capa_dec_mp(struct bgp_caps *c, struct buf *b)
{
	uint16_t	afi;
	uint8_t		reserved, safi, aid, i;

	if (buf_get_u16(b, &afi) == -1 || buf_get_u8(b, &reserved) == -1 ||
	    buf_get_u8(b, &safi) == -1)
		return;
	if ((aid = aid_from_afi(afi, safi)) != AID_UNSPEC) {
		c->mp[aid] = 1;
		return;
	}
	for (i = 0; i < c->n_other_mp; i++)
		if (c->other_mp[i].afi == afi && c->other_mp[i].safi == safi)
			return;
	if (c->n_other_mp >= BGP_CAPA_MAX_OTHER_MP) {
		count_sat(&c->other_mp_dropped);
		return;
	}
	c->other_mp[c->n_other_mp].afi = afi;
	c->other_mp[c->n_other_mp].safi = safi;
	c->n_other_mp++;
}

static void
capa_dec_refresh(struct bgp_caps *c, struct buf *b)
{
	(void)b;
	c->refresh = 1;
}

static void
capa_dec_ext_msg(struct bgp_caps *c, struct buf *b)
{
	(void)b;
	c->ext_msg = 1;
}

static void
capa_dec_enhanced_rr(struct bgp_caps *c, struct buf *b)
{
	(void)b;
	c->enhanced_rr = 1;
}

static void
capa_dec_as4(struct bgp_caps *c, struct buf *b)
{
	if (buf_get_u32(b, &c->as4) == 0)
		c->as4_present = 1;
}

/* A later graceful restart capability replaces an earlier one. */
static void
capa_dec_gr(struct bgp_caps *c, struct buf *b)
{
	uint16_t	hdr, afi;
	uint8_t		safi, flags, aid;

	memset(&c->gr, 0, sizeof(c->gr));
	if (buf_get_u16(b, &hdr) == -1)
		return;
	c->gr.present = 1;
	c->gr.flags = (uint8_t)(hdr >> 12);
	c->gr.restart_time = hdr & GR_TIME_MASK;
	while (buf_get_u16(b, &afi) == 0 && buf_get_u8(b, &safi) == 0 &&
	    buf_get_u8(b, &flags) == 0) {
		if ((aid = aid_from_afi(afi, safi)) == AID_UNSPEC)
			continue;
		c->gr.af[aid] = 1;
		c->gr.af_flags[aid] = flags;
	}
}

static void
capa_dec_addpath(struct bgp_caps *c, struct buf *b)
{
	uint16_t	afi;
	uint8_t		safi, flags, aid;

	while (buf_get_u16(b, &afi) == 0 && buf_get_u8(b, &safi) == 0 &&
	    buf_get_u8(b, &flags) == 0) {
		if ((aid = aid_from_afi(afi, safi)) == AID_UNSPEC)
			continue;
		c->addpath[aid] = flags & (ADDPATH_RECV | ADDPATH_SEND);
	}
}

static int
capa_len_ok(const struct capa_desc *d, uint8_t len)
{
	if (len < d->minlen || len > d->maxlen)
		return 0;
	return d->step == 0 || (len - d->minlen) % d->step == 0;
}

/* Decodes the capabilities of one optional parameter.  Returns 0 or -1. */
static int
capa_decode(struct buf *param, struct bgp_caps *c, struct bgp_err *err)
{
	const struct capa_desc	*d;
	struct bgp_capa_raw	*raw;
	struct buf		 val;
	uint8_t			 code, len;

	while (buf_left(param) > 0) {
		if (buf_get_u8(param, &code) == -1 ||
		    buf_get_u8(param, &len) == -1 ||
		    buf_get_sub(param, len, &val) == -1) {
			bgp_err_set(err, ERR_OPEN, ERR_OPEN_UNSPEC, NULL, 0,
			    "capability overruns its parameter");
			return -1;
		}
		CAPA_SET(c, code);
		d = capa_lookup(code);
		if (d != NULL && !capa_len_ok(d, len)) {
			bgp_err_set(err, ERR_OPEN, ERR_OPEN_UNSPEC, NULL, 0,
			    "capability with a bad length");
			return -1;
		}
		if (d != NULL && d->decode != NULL) {
			d->decode(c, &val);
			continue;
		}
		if (c->n_unknown >= BGP_CAPA_MAX_UNKNOWN) {
			count_sat(&c->unknown_dropped);
			continue;
		}
		raw = &c->unknown[c->n_unknown++];
		raw->code = code;
		raw->len = len;
		raw->value = len > 0 ? buf_cur(&val) : NULL;
	}
	return 0;
}

/* Walks the optional parameters; ext: RFC 9072 2-byte lengths. */
static int
open_params(struct buf *params, int ext, struct bgp_caps *c,
    struct bgp_err *err)
{
	struct buf	param;
	uint16_t	len;
	uint8_t		type, len8;

	while (buf_left(params) > 0) {
		if (buf_get_u8(params, &type) == -1)
			goto badlen;
		if (ext) {
			if (buf_get_u16(params, &len) == -1)
				goto badlen;
		} else {
			if (buf_get_u8(params, &len8) == -1)
				goto badlen;
			len = len8;
		}
		if (buf_get_sub(params, len, &param) == -1)
			goto badlen;
		if (type != OPT_PARAM_CAPA) {
			/* RFC 4271 6.2: no data, so nothing names the type. */
			bgp_err_set(err, ERR_OPEN, ERR_OPEN_OPT, NULL, 0,
			    "unsupported optional parameter");
			return -1;
		}
		if (capa_decode(&param, c, err) == -1)
			return -1;
	}
	return 0;

 badlen:
	bgp_err_set(err, ERR_OPEN, ERR_OPEN_UNSPEC, NULL, 0,
	    "optional parameter overruns the OPEN");
	return -1;
}

int
bgp_open_decode(const uint8_t *body, size_t len, struct bgp_open *o,
    struct bgp_err *err)
{
	struct buf	b, peek, params;
	uint16_t	extlen;
	uint8_t		optlen, type;

	memset(o, 0, sizeof(*o));
	buf_init(&b, body, len);
	if (buf_get_u8(&b, &o->version) == -1)
		goto badlen;
	if (o->version != BGP_VERSION) {
		bgp_err_set_u16(err, ERR_OPEN, ERR_OPEN_VERSION, BGP_VERSION,
		    "unsupported BGP version");
		return -1;
	}
	if (buf_get_u16(&b, &o->my_as) == -1 ||
	    buf_get_u16(&b, &o->holdtime) == -1 ||
	    buf_get_u32(&b, &o->bgp_id) == -1 ||
	    buf_get_u8(&b, &optlen) == -1)
		goto badlen;
	if (o->holdtime > 0 && o->holdtime < BGP_HOLD_MIN) {
		bgp_err_set(err, ERR_OPEN, ERR_OPEN_HOLDTIME, NULL, 0,
		    "hold time of 1 or 2 seconds");
		return -1;
	}
	/* RFC 6286: any non-zero identifier will do. */
	if (o->bgp_id == 0) {
		bgp_err_set(err, ERR_OPEN, ERR_OPEN_BGPID, NULL, 0,
		    "BGP identifier 0");
		return -1;
	}

	/* RFC 9072 2: a first parameter type of 255 marks the extension. */
	peek = b;
	if (optlen > 0 && buf_get_u8(&peek, &type) == 0 &&
	    type == OPT_PARAM_EXT_LEN) {
		b = peek;
		if (buf_get_u16(&b, &extlen) == -1 ||
		    buf_get_sub(&b, extlen, &params) == -1)
			goto badlen;
		o->ext_optparam = 1;
	} else if (buf_get_sub(&b, optlen, &params) == -1)
		goto badlen;
	if (buf_left(&b) != 0)
		goto badlen;
	return open_params(&params, o->ext_optparam, &o->caps, err);

 badlen:
	bgp_err_set(err, ERR_OPEN, ERR_OPEN_UNSPEC, NULL, 0,
	    "OPEN length mismatch");
	return -1;
}

uint32_t
bgp_open_as(const struct bgp_open *o)
{
	return o->caps.as4_present ? o->caps.as4 : o->my_as;
}

/* Encoding */

static void
capa_put_mp(struct wbuf *w, uint16_t afi, uint8_t safi)
{
	wbuf_put_u8(w, CAPA_MP);
	wbuf_put_u8(w, 4);
	wbuf_put_u16(w, afi);
	wbuf_put_u8(w, 0);
	wbuf_put_u8(w, safi);
}

static void
capa_put_empty(struct wbuf *w, uint8_t code)
{
	wbuf_put_u8(w, code);
	wbuf_put_u8(w, 0);
}

static void
capa_put_gr(struct wbuf *w, const struct bgp_caps *c)
{
	uint16_t	afi;
	uint8_t		aid, safi, n = 0;

	for (aid = AID_INET; aid < AID_MAX; aid++)
		n += c->gr.af[aid] != 0;
	wbuf_put_u8(w, CAPA_GR);
	wbuf_put_u8(w, (uint8_t)(2 + 4 * n));
	wbuf_put_u16(w, (uint16_t)((c->gr.flags & 0xf) << 12 |
	    (c->gr.restart_time & GR_TIME_MASK)));
	for (aid = AID_INET; aid < AID_MAX; aid++) {
		if (!c->gr.af[aid] || aid_to_afi(aid, &afi, &safi) == -1)
			continue;
		wbuf_put_u16(w, afi);
		wbuf_put_u8(w, safi);
		wbuf_put_u8(w, c->gr.af_flags[aid]);
	}
}

static void
capa_put_addpath(struct wbuf *w, const struct bgp_caps *c)
{
	uint16_t	afi;
	uint8_t		aid, safi, n = 0;

	for (aid = AID_INET; aid < AID_MAX; aid++)
		n += c->addpath[aid] != 0;
	if (n == 0)
		return;
	wbuf_put_u8(w, CAPA_ADDPATH);
	wbuf_put_u8(w, (uint8_t)(4 * n));
	for (aid = AID_INET; aid < AID_MAX; aid++) {
		if (!c->addpath[aid] || aid_to_afi(aid, &afi, &safi) == -1)
			continue;
		wbuf_put_u16(w, afi);
		wbuf_put_u8(w, safi);
		wbuf_put_u8(w, c->addpath[aid]);
	}
}

/*
 * Appends every capability c describes, bare (no parameter header), in
 * code order as BIRD does, then the opaque ones in the order seen.
 */
static void
capa_encode(struct wbuf *w, const struct bgp_caps *c)
{
	uint16_t	afi;
	uint8_t		aid, safi, i;

	for (aid = AID_INET; aid < AID_MAX; aid++)
		if (c->mp[aid] && aid_to_afi(aid, &afi, &safi) == 0)
			capa_put_mp(w, afi, safi);
	for (i = 0; i < c->n_other_mp && i < BGP_CAPA_MAX_OTHER_MP; i++)
		capa_put_mp(w, c->other_mp[i].afi, c->other_mp[i].safi);
	if (c->refresh)
		capa_put_empty(w, CAPA_REFRESH);
	if (c->ext_msg)
		capa_put_empty(w, CAPA_EXT_MSG);
	if (c->gr.present)
		capa_put_gr(w, c);
	if (c->as4_present) {
		wbuf_put_u8(w, CAPA_AS4);
		wbuf_put_u8(w, 4);
		wbuf_put_u32(w, c->as4);
	}
	capa_put_addpath(w, c);
	if (c->enhanced_rr)
		capa_put_empty(w, CAPA_ENHANCED_RR);
	for (i = 0; i < c->n_unknown && i < BGP_CAPA_MAX_UNKNOWN; i++) {
		wbuf_put_u8(w, c->unknown[i].code);
		wbuf_put_u8(w, c->unknown[i].len);
		if (c->unknown[i].value != NULL)
			wbuf_put_bytes(w, c->unknown[i].value,
			    c->unknown[i].len);
		else
			wbuf_reserve(w, c->unknown[i].len);
	}
}

/*
 * Appends the optional parameters: one capability parameter, first tried
 * with 1-byte lengths and written again in the RFC 9072 form if it did
 * not fit (or if ext asks for that form).  Returns 0 or -1.
 */
static int
open_put_params(struct wbuf *w, const struct bgp_caps *c, int ext)
{
	size_t	start = w->len, hdr, clen;

	if (!ext) {
		hdr = wbuf_reserve(w, 3);
		capa_encode(w, c);
		if (w->err)
			return -1;
		clen = w->len - hdr - 3;
		if (clen == 0) {
			w->len = start;
			wbuf_put_u8(w, 0);
			return w->err ? -1 : 0;
		}
		if (clen + 2 <= UINT8_MAX) {
			wbuf_set_u8(w, hdr, (uint8_t)(clen + 2));
			wbuf_set_u8(w, hdr + 1, OPT_PARAM_CAPA);
			wbuf_set_u8(w, hdr + 2, (uint8_t)clen);
			return 0;
		}
		w->len = start;
	}
	hdr = wbuf_reserve(w, 7);
	capa_encode(w, c);
	if (w->err)
		return -1;
	clen = w->len - hdr - 7;
	if (clen + 3 > UINT16_MAX) {
		w->err = 1;
		return -1;
	}
	/* RFC 9072 2: both the 1-byte length and the first type say 255. */
	wbuf_set_u8(w, hdr, UINT8_MAX);
	wbuf_set_u8(w, hdr + 1, OPT_PARAM_EXT_LEN);
	wbuf_set_u16(w, hdr + 2, (uint16_t)(clen + 3));
	wbuf_set_u8(w, hdr + 4, OPT_PARAM_CAPA);
	wbuf_set_u16(w, hdr + 5, (uint16_t)clen);
	return 0;
}

int
bgp_open_encode(struct wbuf *w, const struct bgp_open *o)
{
	size_t	off;

	off = bgp_hdr_begin(w, BGP_OPEN);
	wbuf_put_u8(w, BGP_VERSION);
	wbuf_put_u16(w, o->my_as);
	wbuf_put_u16(w, o->holdtime);
	wbuf_put_u32(w, o->bgp_id);
	if (open_put_params(w, &o->caps, o->ext_optparam) == -1)
		return -1;
	bgp_hdr_end(w, off);
	return w->err ? -1 : 0;
}

/* Negotiation */

/* Whether a side announced any multiprotocol capability at all. */
static int
caps_has_mp(const struct bgp_caps *c)
{
	uint8_t	aid;

	if (c->n_other_mp > 0 || c->other_mp_dropped > 0)
		return 1;
	for (aid = AID_INET; aid < AID_MAX; aid++)
		if (c->mp[aid])
			return 1;
	return 0;
}

/* Whether a side can speak a family: RFC 4760 8 for MP-less speakers. */
static int
caps_af(const struct bgp_caps *c, int has_mp, uint8_t aid)
{
	if (!has_mp)
		return aid == AID_INET;
	return c->mp[aid] != 0;
}

void
bgp_caps_negotiate(const struct bgp_caps *ours, const struct bgp_caps *theirs,
    struct bgp_neg *out)
{
	int	our_mp, their_mp;
	uint8_t	aid;

	memset(out, 0, sizeof(*out));
	out->as4 = ours->as4_present && theirs->as4_present;
	out->ext_msg = ours->ext_msg && theirs->ext_msg;
	out->refresh = ours->refresh && theirs->refresh;
	out->enhanced_rr = ours->enhanced_rr && theirs->enhanced_rr;

	our_mp = caps_has_mp(ours);
	their_mp = caps_has_mp(theirs);
	for (aid = AID_INET; aid < AID_MAX; aid++) {
		out->af[aid] = caps_af(ours, our_mp, aid) &&
		    caps_af(theirs, their_mp, aid);
		if (!out->af[aid])
			continue;
		out->addpath_recv[aid] = (ours->addpath[aid] & ADDPATH_RECV) &&
		    (theirs->addpath[aid] & ADDPATH_SEND);
		out->addpath_send[aid] = (ours->addpath[aid] & ADDPATH_SEND) &&
		    (theirs->addpath[aid] & ADDPATH_RECV);
	}

	/* Only the peer's GR matters: a collector never restarts. */
	if (!theirs->gr.present)
		return;
	out->gr_peer = 1;
	out->gr_peer_restarting = (theirs->gr.flags & GR_RESTART) != 0;
	out->gr_restart_time = theirs->gr.restart_time;
	for (aid = AID_INET; aid < AID_MAX; aid++) {
		out->gr_af[aid] = out->af[aid] && theirs->gr.af[aid];
		out->gr_af_forward[aid] = out->gr_af[aid] &&
		    (theirs->gr.af_flags[aid] & GR_AF_FORWARD) != 0;
	}
}
