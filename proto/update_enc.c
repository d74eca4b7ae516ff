/*
 * UPDATE encoding: the inverse of update.c, so that decoding what was
 * encoded gives back the same routes and attributes.  Attributes are
 * written from the present bits of a struct bgp_attrs in type code order,
 * MP_UNREACH_NLRI and MP_REACH_NLRI first (RFC 7606 5.1), the unknown
 * ones last, copied from attrs->raw.  For a 2-octet peer the 4-octet AS
 * path is narrowed with AS_TRANS and an AS4_PATH (AS4_AGGREGATOR) carries
 * the real numbers when one does not fit (RFC 6793 4.2.2).  The writer
 * is filled blindly and judged once at the end.
 */
#include <string.h>

#include "bgpwatch.h"
#include "update_int.h"

/* Where each route of a call goes. */
struct enc_plan {
	uint8_t		mp_wd;		/* AID in MP_UNREACH, or AID_UNSPEC */
	uint8_t		mp_ann;		/* AID in MP_REACH, or AID_UNSPEC */
	uint8_t		classic_ann;	/* IPv4 NLRI field is not empty */
};

static int
enc_is_mp(const struct bgp_enc_ctx *ctx, uint8_t aid)
{
	return aid != AID_INET || ctx->ipv4_mp;
}

/* One MP family per attribute (RFC 4760 3, 4). */
static int
enc_plan_routes(const struct bgp_enc_ctx *ctx, const struct bgp_route *r,
    size_t n, uint8_t *mp_aid, uint8_t *classic)
{
	size_t	i;
	uint8_t	aid;

	*mp_aid = AID_UNSPEC;
	*classic = 0;
	for (i = 0; i < n; i++) {
		aid = r[i].pfx.aid;
		if (aid_addrlen(aid) == 0 || r[i].pfx.len > aid_maxplen(aid))
			return -1;
		if (!enc_is_mp(ctx, aid))
			*classic = 1;
		else if (*mp_aid == AID_UNSPEC)
			*mp_aid = aid;
		else if (*mp_aid != aid)
			return -1;
	}
	return 0;
}

static void
enc_nlri(struct wbuf *w, const struct bgp_enc_ctx *ctx,
    const struct bgp_route *r, size_t n, uint8_t aid, int mp)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (r[i].pfx.aid != aid || enc_is_mp(ctx, aid) != mp)
			continue;
		if (ctx->addpath[aid])
			wbuf_put_u32(w, r[i].path_id);
		wbuf_put_u8(w, r[i].pfx.len);
		wbuf_put_bytes(w, r[i].pfx.b, (r[i].pfx.len + 7) / 8);
	}
}

/* Header with the extended length only where the value needs it. */
static void
enc_attr_hdr(struct wbuf *w, uint8_t flags, uint8_t code, size_t len)
{
	flags &= ~ATTR_EXTLEN;
	if (len > UINT16_MAX) {
		w->err = 1;
		return;
	}
	if (len > UINT8_MAX) {
		wbuf_put_u8(w, flags | ATTR_EXTLEN);
		wbuf_put_u8(w, code);
		wbuf_put_u16(w, (uint16_t)len);
	} else {
		wbuf_put_u8(w, flags);
		wbuf_put_u8(w, code);
		wbuf_put_u8(w, (uint8_t)len);
	}
}

static void
enc_attr(struct wbuf *w, uint8_t code, const void *p, size_t len)
{
	enc_attr_hdr(w, attr_desc(code)->flags, code, len);
	wbuf_put_bytes(w, p, len);
}

static void
enc_attr_u32(struct wbuf *w, uint8_t code, uint32_t v)
{
	enc_attr_hdr(w, attr_desc(code)->flags, code, 4);
	wbuf_put_u32(w, v);
}

/* MP attributes always take the extended length: it is filled in last. */
static size_t
enc_mp_begin(struct wbuf *w, uint8_t code, uint8_t aid)
{
	uint16_t	afi;
	uint8_t		safi;
	size_t		off;

	aid_to_afi(aid, &afi, &safi);
	wbuf_put_u8(w, ATTR_OPTIONAL | ATTR_EXTLEN);
	wbuf_put_u8(w, code);
	off = wbuf_reserve(w, 2);
	wbuf_put_u16(w, afi);
	wbuf_put_u8(w, safi);
	return off;
}

static void
enc_mp_end(struct wbuf *w, size_t off)
{
	if (w->len - off - 2 > UINT16_MAX)
		w->err = 1;
	wbuf_set_u16(w, off, (uint16_t)(w->len - off - 2));
}

/* Next hop as RFC 2545 / RFC 8950 have it.  Returns 0, or -1. */
static int
enc_mp_nexthop(struct wbuf *w, const struct bgp_attrs *a, uint8_t aid)
{
	if (a->nexthop.aid == AID_INET && aid == AID_INET) {
		wbuf_put_u8(w, 4);
		wbuf_put_bytes(w, a->nexthop.b, 4);
	} else if (a->nexthop.aid == AID_INET6) {
		if (a->nexthop_ll.aid == AID_INET6) {
			wbuf_put_u8(w, 32);
			wbuf_put_bytes(w, a->nexthop.b, 16);
			wbuf_put_bytes(w, a->nexthop_ll.b, 16);
		} else {
			wbuf_put_u8(w, 16);
			wbuf_put_bytes(w, a->nexthop.b, 16);
		}
	} else
		return -1;
	wbuf_put_u8(w, 0);		/* reserved */
	return 0;
}

/*
 * The AS path for a 2-octet peer: ASes above 65535 become AS_TRANS, and
 * if there was any, the whole path but its confederation segments goes
 * into AS4_PATH as well (RFC 6793 4.2.2).
 */
static void
enc_aspath2(struct wbuf *w, const struct bgp_view *path)
{
	struct bgp_aspath_iter	 it;
	const uint8_t		*asns;
	uint32_t		 as;
	size_t			 len2 = 0, len4 = 0;
	uint8_t			 type, count, i;
	int			 wide = 0;

	bgp_aspath_iter_init(&it, path);
	while (bgp_aspath_next(&it, &type, &count, &asns) == 1) {
		len2 += 2 + (size_t)count * 2;
		if (type == AS_SET || type == AS_SEQUENCE)
			len4 += 2 + (size_t)count * 4;
		for (i = 0; i < count; i++)
			if (get_u32(asns + (size_t)i * 4) > UINT16_MAX)
				wide = 1;
	}
	enc_attr_hdr(w, attr_desc(ATTR_AS_PATH)->flags, ATTR_AS_PATH, len2);
	bgp_aspath_iter_init(&it, path);
	while (bgp_aspath_next(&it, &type, &count, &asns) == 1) {
		wbuf_put_u8(w, type);
		wbuf_put_u8(w, count);
		for (i = 0; i < count; i++) {
			as = get_u32(asns + (size_t)i * 4);
			wbuf_put_u16(w, as > UINT16_MAX ? BGP_AS_TRANS :
			    (uint16_t)as);
		}
	}
	if (!wide)
		return;
	enc_attr_hdr(w, attr_desc(ATTR_AS4_PATH)->flags, ATTR_AS4_PATH, len4);
	bgp_aspath_iter_init(&it, path);
	while (bgp_aspath_next(&it, &type, &count, &asns) == 1) {
		if (type != AS_SET && type != AS_SEQUENCE)
			continue;
		wbuf_put_u8(w, type);
		wbuf_put_u8(w, count);
		wbuf_put_bytes(w, asns, (size_t)count * 4);
	}
}

static void
enc_aggregator(struct wbuf *w, const struct bgp_enc_ctx *ctx,
    const struct bgp_attrs *a)
{
	uint8_t	flags = attr_desc(ATTR_AGGREGATOR)->flags;

	if (ctx->as4) {
		enc_attr_hdr(w, flags, ATTR_AGGREGATOR, 8);
		wbuf_put_u32(w, a->aggr_as);
		wbuf_put_u32(w, a->aggr_id);
		return;
	}
	enc_attr_hdr(w, flags, ATTR_AGGREGATOR, 6);
	wbuf_put_u16(w, a->aggr_as > UINT16_MAX ? BGP_AS_TRANS :
	    (uint16_t)a->aggr_as);
	wbuf_put_u32(w, a->aggr_id);
	if (a->aggr_as > UINT16_MAX) {
		enc_attr_hdr(w, attr_desc(ATTR_AS4_AGGREGATOR)->flags,
		    ATTR_AS4_AGGREGATOR, 8);
		wbuf_put_u32(w, a->aggr_as);
		wbuf_put_u32(w, a->aggr_id);
	}
}

static void
enc_unknown(struct wbuf *w, const struct bgp_attrs *a)
{
	struct bgp_attr_iter	it;
	struct bgp_view		v;
	uint8_t			flags, code;

	bgp_attr_iter_init(&it, a);
	while (bgp_attr_next_unknown(&it, &flags, &code, &v) == 1) {
		enc_attr_hdr(w, flags, code, v.len);
		wbuf_put_bytes(w, v.p, v.len);
	}
}

/* The path attributes apart from the MP ones; NEXT_HOP with IPv4 NLRI. */
static int
enc_attrs(struct wbuf *w, const struct bgp_enc_ctx *ctx,
    const struct bgp_attrs *a, int classic)
{
	if (ATTR_HAS(a, ATTR_ORIGIN))
		enc_attr(w, ATTR_ORIGIN, &a->origin, 1);
	if (ATTR_HAS(a, ATTR_AS_PATH)) {
		if (ctx->as4)
			enc_attr(w, ATTR_AS_PATH, a->aspath.p, a->aspath.len);
		else
			enc_aspath2(w, &a->aspath);
	}
	if (classic) {
		if (a->nexthop.aid != AID_INET)
			return -1;
		enc_attr(w, ATTR_NEXT_HOP, a->nexthop.b, 4);
	}
	if (ATTR_HAS(a, ATTR_MED))
		enc_attr_u32(w, ATTR_MED, a->med);
	if (ATTR_HAS(a, ATTR_LOCAL_PREF))
		enc_attr_u32(w, ATTR_LOCAL_PREF, a->local_pref);
	if (ATTR_HAS(a, ATTR_ATOMIC_AGGREGATE))
		enc_attr(w, ATTR_ATOMIC_AGGREGATE, NULL, 0);
	if (ATTR_HAS(a, ATTR_AGGREGATOR))
		enc_aggregator(w, ctx, a);
	if (ATTR_HAS(a, ATTR_COMMUNITIES))
		enc_attr(w, ATTR_COMMUNITIES, a->communities.p,
		    a->communities.len);
	if (ATTR_HAS(a, ATTR_ORIGINATOR_ID))
		enc_attr_u32(w, ATTR_ORIGINATOR_ID, a->originator_id);
	if (ATTR_HAS(a, ATTR_CLUSTER_LIST))
		enc_attr(w, ATTR_CLUSTER_LIST, a->cluster_list.p,
		    a->cluster_list.len);
	if (ATTR_HAS(a, ATTR_EXT_COMMUNITIES))
		enc_attr(w, ATTR_EXT_COMMUNITIES, a->ext_communities.p,
		    a->ext_communities.len);
	if (ATTR_HAS(a, ATTR_LARGE_COMMUNITIES))
		enc_attr(w, ATTR_LARGE_COMMUNITIES, a->large_communities.p,
		    a->large_communities.len);
	if (ATTR_HAS(a, ATTR_OTC))
		enc_attr_u32(w, ATTR_OTC, a->otc);
	enc_unknown(w, a);
	return 0;
}

static int
enc_body(struct wbuf *w, const struct bgp_enc_ctx *ctx,
    const struct bgp_attrs *a, const struct enc_plan *pl,
    const struct bgp_route *wd, size_t nwd,
    const struct bgp_route *ann, size_t nann)
{
	size_t	off, mp;

	off = wbuf_reserve(w, 2);
	enc_nlri(w, ctx, wd, nwd, AID_INET, 0);
	wbuf_set_u16(w, off, (uint16_t)(w->len - off - 2));

	off = wbuf_reserve(w, 2);
	if (pl->mp_wd != AID_UNSPEC) {
		mp = enc_mp_begin(w, ATTR_MP_UNREACH_NLRI, pl->mp_wd);
		enc_nlri(w, ctx, wd, nwd, pl->mp_wd, 1);
		enc_mp_end(w, mp);
	}
	if (nann > 0) {
		if (pl->mp_ann != AID_UNSPEC) {
			mp = enc_mp_begin(w, ATTR_MP_REACH_NLRI, pl->mp_ann);
			if (enc_mp_nexthop(w, a, pl->mp_ann) == -1)
				return -1;
			enc_nlri(w, ctx, ann, nann, pl->mp_ann, 1);
			enc_mp_end(w, mp);
		}
		if (enc_attrs(w, ctx, a, pl->classic_ann) == -1)
			return -1;
	}
	if (w->len - off - 2 > UINT16_MAX)
		return -1;
	wbuf_set_u16(w, off, (uint16_t)(w->len - off - 2));
	enc_nlri(w, ctx, ann, nann, AID_INET, 0);
	return 0;
}

int
bgp_update_encode(struct wbuf *w, const struct bgp_enc_ctx *ctx,
    const struct bgp_attrs *a,
    const struct bgp_route *wd, size_t nwd,
    const struct bgp_route *ann, size_t nann)
{
	struct enc_plan	pl;
	size_t		start = w->len, hdr;
	size_t		maxlen = ctx->maxlen != 0 ? ctx->maxlen : BGP_MAX_LEN;
	uint8_t		classic_wd;

	if ((nann > 0 && a == NULL) ||
	    enc_plan_routes(ctx, wd, nwd, &pl.mp_wd, &classic_wd) == -1 ||
	    enc_plan_routes(ctx, ann, nann, &pl.mp_ann, &pl.classic_ann) == -1)
		return -1;
	hdr = bgp_hdr_begin(w, BGP_UPDATE);
	if (enc_body(w, ctx, a, &pl, wd, nwd, ann, nann) == -1)
		goto fail;
	if (w->err || w->len - start > maxlen)
		goto fail;
	bgp_hdr_end(w, hdr);
	return 0;

 fail:
	w->len = start;
	return -1;
}

int
bgp_eor_encode(struct wbuf *w, uint8_t aid)
{
	size_t	hdr;

	if (aid_addrlen(aid) == 0)
		return -1;
	hdr = bgp_hdr_begin(w, BGP_UPDATE);
	wbuf_put_u16(w, 0);			/* withdrawn routes */
	if (aid == AID_INET)
		wbuf_put_u16(w, 0);		/* path attributes */
	else {
		wbuf_put_u16(w, 6);
		wbuf_put_u8(w, ATTR_OPTIONAL);
		wbuf_put_u8(w, ATTR_MP_UNREACH_NLRI);
		wbuf_put_u8(w, 3);
		wbuf_put_u16(w, AFI_IPV6);
		wbuf_put_u8(w, SAFI_UNICAST);
	}
	bgp_hdr_end(w, hdr);
	return w->err ? -1 : 0;
}

int
bgp_attrs_encode_rib(struct wbuf *w, const struct bgp_attrs *a, uint8_t aid)
{
	struct bgp_enc_ctx ctx;
	size_t	start = w->len, off;
	int	classic = aid == AID_INET && a->nexthop.aid == AID_INET;

	memset(&ctx, 0, sizeof(ctx));
	ctx.as4 = 1;
	if (aid_addrlen(aid) == 0)
		return -1;
	if (!classic && a->nexthop.aid != AID_UNSPEC) {
		/* RFC 6396 4.3.4: only the next hop's length and address. */
		wbuf_put_u8(w, ATTR_OPTIONAL | ATTR_EXTLEN);
		wbuf_put_u8(w, ATTR_MP_REACH_NLRI);
		off = wbuf_reserve(w, 2);
		wbuf_put_u8(w, a->nexthop_ll.aid == AID_INET6 ? 32 :
		    (uint8_t)aid_addrlen(a->nexthop.aid));
		wbuf_put_bytes(w, a->nexthop.b,
		    (size_t)aid_addrlen(a->nexthop.aid));
		if (a->nexthop_ll.aid == AID_INET6)
			wbuf_put_bytes(w, a->nexthop_ll.b, 16);
		wbuf_set_u16(w, off, (uint16_t)(w->len - off - 2));
	}
	if (enc_attrs(w, &ctx, a, classic) == -1 || w->err) {
		w->len = start;
		return -1;
	}
	return 0;
}
