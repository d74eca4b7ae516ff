/*
 * Path attributes: one table row per attribute bgpwatch interprets, by
 * type code (BIRD's descriptor model).  A row fixes the flags the
 * attribute must carry, its length bounds, its decoder and the RFC 7606
 * action taken when any of them is violated, so that the walk below is
 * generic: framing, duplicates, unknown attributes, flags, lengths, then
 * the decoder for what only it can judge.  Codes without a row are kept
 * as opaque bytes in attrs->raw and found again with bgp_attr_next_unknown.
 */
#include <string.h>

#include "bgpwatch.h"
#include "update_int.h"

#define A_SET(ps, code)	((ps)->u->attrs.present |= ATTR_BIT(code))

static int
attr_origin(struct upd_pstate *ps, struct buf *v)
{
	uint8_t	o;

	if (buf_get_u8(v, &o) == -1 || o > ORIGIN_INCOMPLETE)
		return ERR_UPD_ORIGIN;
	ps->u->attrs.origin = o;
	A_SET(ps, ATTR_ORIGIN);
	return 0;
}

/* The 4-octet path is final here; 2-octet ones wait for AS4_PATH. */
static int
attr_aspath(struct upd_pstate *ps, struct buf *v)
{
	ps->aspath.p = buf_cur(v);
	ps->aspath.len = (uint32_t)buf_left(v);
	if (aspath_check(&ps->aspath, ps->ctx->as4 ? 4 : 2) == -1)
		return ERR_UPD_ASPATH;
	if (ps->ctx->as4)
		ps->u->attrs.aspath = ps->aspath;
	A_SET(ps, ATTR_AS_PATH);
	return 0;
}

/*
 * An MP_REACH_NLRI next hop takes precedence (RFC 4760 3).  The row has
 * checked the length: 4 bytes, copied with a constant size.
 */
static int
attr_nexthop(struct upd_pstate *ps, struct buf *v)
{
	struct bw_addr	*nh = &ps->u->attrs.nexthop;

	if (!ps->mp_nh) {
		memset(nh, 0, sizeof(*nh));
		nh->aid = AID_INET;
		if (buf_get_bytes(v, nh->b, 4) == -1)
			return ERR_UPD_ATTRLEN;
	}
	A_SET(ps, ATTR_NEXT_HOP);
	return 0;
}

static int
attr_u32(struct buf *v, uint32_t *out)
{
	return buf_get_u32(v, out) == -1 ? ERR_UPD_ATTRLEN : 0;
}

static int
attr_med(struct upd_pstate *ps, struct buf *v)
{
	A_SET(ps, ATTR_MED);
	return attr_u32(v, &ps->u->attrs.med);
}

static int
attr_local_pref(struct upd_pstate *ps, struct buf *v)
{
	A_SET(ps, ATTR_LOCAL_PREF);
	return attr_u32(v, &ps->u->attrs.local_pref);
}

static int
attr_atomic(struct upd_pstate *ps, struct buf *v)
{
	(void)v;
	A_SET(ps, ATTR_ATOMIC_AGGREGATE);
	return 0;
}

/* RFC 7606 7.7: 6 bytes on 2-octet sessions, 8 on 4-octet ones. */
static int
attr_aggregator(struct upd_pstate *ps, struct buf *v)
{
	struct bgp_attrs	*a = &ps->u->attrs;
	uint16_t		 as2;

	if (buf_left(v) != (ps->ctx->as4 ? 8u : 6u))
		return ERR_UPD_ATTRLEN;
	if (ps->ctx->as4)
		buf_get_u32(v, &a->aggr_as);
	else {
		buf_get_u16(v, &as2);
		a->aggr_as = as2;
	}
	buf_get_u32(v, &a->aggr_id);
	A_SET(ps, ATTR_AGGREGATOR);
	return 0;
}

static void
attr_view(struct buf *v, struct bgp_view *out)
{
	out->p = buf_cur(v);
	out->len = (uint32_t)buf_left(v);
}

static int
attr_communities(struct upd_pstate *ps, struct buf *v)
{
	attr_view(v, &ps->u->attrs.communities);
	A_SET(ps, ATTR_COMMUNITIES);
	return 0;
}

static int
attr_originator(struct upd_pstate *ps, struct buf *v)
{
	A_SET(ps, ATTR_ORIGINATOR_ID);
	return attr_u32(v, &ps->u->attrs.originator_id);
}

static int
attr_cluster_list(struct upd_pstate *ps, struct buf *v)
{
	attr_view(v, &ps->u->attrs.cluster_list);
	A_SET(ps, ATTR_CLUSTER_LIST);
	return 0;
}

static int
attr_ext_communities(struct upd_pstate *ps, struct buf *v)
{
	attr_view(v, &ps->u->attrs.ext_communities);
	A_SET(ps, ATTR_EXT_COMMUNITIES);
	return 0;
}

/*
 * AS4_PATH and AS4_AGGREGATOR mean something only from a 2-octet speaker;
 * a 4-octet one must not send them and they are ignored (RFC 6793 4.1).
 * They never show in present: update.c merges them into AS_PATH and
 * AGGREGATOR.
 */
static int
attr_as4path(struct upd_pstate *ps, struct buf *v)
{
	if (ps->ctx->as4)
		return 0;
	attr_view(v, &ps->as4path);
	if (aspath_check(&ps->as4path, 4) == -1)
		return ERR_UPD_OPTATTR;
	ps->has_as4path = 1;
	return 0;
}

static int
attr_as4aggr(struct upd_pstate *ps, struct buf *v)
{
	if (ps->ctx->as4)
		return 0;
	buf_get_u32(v, &ps->as4_aggr_as);
	buf_get_u32(v, &ps->as4_aggr_id);
	ps->has_as4aggr = 1;
	return 0;
}

static int
attr_large_communities(struct upd_pstate *ps, struct buf *v)
{
	attr_view(v, &ps->u->attrs.large_communities);
	A_SET(ps, ATTR_LARGE_COMMUNITIES);
	return 0;
}

static int
attr_otc(struct upd_pstate *ps, struct buf *v)
{
	A_SET(ps, ATTR_OTC);
	return attr_u32(v, &ps->u->attrs.otc);
}

#define WK	ATTR_TRANSITIVE			/* well-known */
#define OPT	ATTR_OPTIONAL			/* optional non-transitive */
#define OPTT	(ATTR_OPTIONAL | ATTR_TRANSITIVE) /* optional transitive */
#define WDRAW	ACT_TREAT_AS_WITHDRAW
#define DISC	ACT_ATTR_DISCARD
#define RESET	ACT_SESSION_RESET
#define ANY	0xffff

/*
 * RFC 7606 section 7 (and RFC 6793 6, 8092 6, 9234 5) decides each
 * action; a wrong Optional or Transitive flag takes the same action
 * (RFC 7606 3.c).  Lengths that depend on the session (AGGREGATOR) or on
 * the value (MP_*) are the decoder's to check.
 */
static const struct attr_desc attr_table[256] = {
	/*		  name, decoder, flags, action, mult, ibgp, min, max */
	[ATTR_ORIGIN] =	{ "ORIGIN", attr_origin, WK, WDRAW, 0, 0, 1, 1 },
	[ATTR_AS_PATH] = { "AS_PATH", attr_aspath, WK, WDRAW, 0, 0, 0, ANY },
	[ATTR_NEXT_HOP] = { "NEXT_HOP", attr_nexthop, WK, WDRAW, 0, 0, 4, 4 },
	[ATTR_MED] =	{ "MULTI_EXIT_DISC", attr_med, OPT, WDRAW, 0, 0, 4, 4 },
	[ATTR_LOCAL_PREF] = { "LOCAL_PREF", attr_local_pref, WK, WDRAW,
			    0, 1, 4, 4 },
	[ATTR_ATOMIC_AGGREGATE] = { "ATOMIC_AGGREGATE", attr_atomic, WK, DISC,
			    0, 0, 0, 0 },
	[ATTR_AGGREGATOR] = { "AGGREGATOR", attr_aggregator, OPTT, DISC,
			    0, 0, 6, 8 },
	[ATTR_COMMUNITIES] = { "COMMUNITIES", attr_communities, OPTT, WDRAW,
			    4, 0, 4, ANY },
	[ATTR_ORIGINATOR_ID] = { "ORIGINATOR_ID", attr_originator, OPT, WDRAW,
			    0, 0, 4, 4 },
	[ATTR_CLUSTER_LIST] = { "CLUSTER_LIST", attr_cluster_list, OPT, WDRAW,
			    4, 0, 4, ANY },
	[ATTR_MP_REACH_NLRI] = { "MP_REACH_NLRI", attr_mp_reach, OPT, RESET,
			    0, 0, 1, ANY },
	[ATTR_MP_UNREACH_NLRI] = { "MP_UNREACH_NLRI", attr_mp_unreach, OPT,
			    RESET, 0, 0, 3, ANY },
	[ATTR_EXT_COMMUNITIES] = { "EXTENDED_COMMUNITIES", attr_ext_communities,
			    OPTT, WDRAW, 8, 0, 8, ANY },
	[ATTR_AS4_PATH] = { "AS4_PATH", attr_as4path, OPTT, DISC, 0, 0, 0, ANY },
	[ATTR_AS4_AGGREGATOR] = { "AS4_AGGREGATOR", attr_as4aggr, OPTT, DISC,
			    0, 0, 8, 8 },
	[ATTR_LARGE_COMMUNITIES] = { "LARGE_COMMUNITIES",
			    attr_large_communities, OPTT, WDRAW, 12, 0, 12, ANY },
	[ATTR_OTC] =	{ "OTC", attr_otc, OPTT, WDRAW, 0, 0, 4, 4 },
};

const struct attr_desc *
attr_desc(uint8_t code)
{
	return attr_table[code].decode != NULL ? &attr_table[code] : NULL;
}

static int
attr_seen(struct upd_pstate *ps, uint8_t code)
{
	uint64_t	*w = &ps->seen[code >> 6];
	uint64_t	 bit = (uint64_t)1 << (code & 63);
	int		 was = (*w & bit) != 0;

	*w |= bit;
	return was;
}

/*
 * Judges one attribute; ps->attr points at it, v at its value.  Returns
 * the action it took (ACT_NONE for a good one).
 */
static enum bgp_action
attr_one(struct upd_pstate *ps, uint8_t flags, uint8_t code, struct buf *v)
{
	const struct attr_desc	*d = &attr_table[code];
	size_t			 len = buf_left(v);
	int			 sub;

	if (attr_seen(ps, code)) {
		/* RFC 7606 3.g: keep the first, except for the MP ones */
		if (code == ATTR_MP_REACH_NLRI || code == ATTR_MP_UNREACH_NLRI) {
			upd_error(ps, RESET, code, ERR_UPD_ATTRLIST, NULL, 0,
			    "duplicate MP attribute");
			return RESET;
		}
		upd_attr_error(ps, DISC, code, ERR_UPD_ATTRLIST,
		    "duplicate attribute");
		return DISC;
	}
	if (d->decode == NULL) {
		if (!(flags & ATTR_OPTIONAL)) {
			upd_attr_error(ps, RESET, code, ERR_UPD_UNKNWN_WK_ATTR,
			    "unrecognized well-known attribute");
			return RESET;
		}
		ps->u->attrs.n_unknown++;
		return ACT_NONE;
	}
	if (d->ibgp_only && ps->ctx->ebgp) {
		/* RFC 7606 7.5: not an error, so no subcode */
		upd_attr_error(ps, DISC, code, 0,
		    "LOCAL_PREF from an external peer");
		return DISC;
	}
	if ((flags & (ATTR_OPTIONAL | ATTR_TRANSITIVE)) != d->flags) {
		upd_attr_error(ps, d->action, code, ERR_UPD_ATTRFLAGS,
		    "bad attribute flags");
		return d->action;
	}
	if (len < d->minlen || len > d->maxlen ||
	    (d->mult != 0 && len % d->mult != 0)) {
		upd_attr_error(ps, d->action, code, ERR_UPD_ATTRLEN,
		    "bad attribute length");
		return d->action;
	}
	if ((sub = d->decode(ps, v)) != 0) {
		upd_attr_error(ps, d->action, code, (uint8_t)sub,
		    "malformed attribute");
		return d->action;
	}
	return ACT_NONE;
}

/*
 * Reads one attribute header and value.  Returns 0, or -1 on overrun
 * (then *code is the header's if it has one, for the error, and b's
 * position is left anywhere).  Inline, the header's bounds checked as
 * one (every attribute of every UPDATE comes through here).
 */
static inline int
attr_get(struct buf *b, uint8_t *flags, uint8_t *code, struct buf *v)
{
	const uint8_t	*h = buf_cur(b);
	size_t		 hlen = 3, len;

	if (buf_left(b) < 3) {
		/* A header cut short: its code if there, for the error. */
		if (buf_get_u8(b, flags) == 0)
			(void)buf_get_u8(b, code);
		return -1;
	}
	*flags = h[0];
	*code = h[1];
	if (*flags & ATTR_EXTLEN) {
		if (buf_left(b) < 4)
			return -1;
		len = get_u16(h + 2);
		hlen = 4;
	} else
		len = h[2];
	if (buf_skip(b, hlen) == -1)
		return -1;
	return buf_get_sub(b, len, v);
}

/*
 * RFC 7606 4: an attribute overrunning the block, or a block ending
 * inside an attribute header, is treat-as-withdraw; the walk stops there
 * and the Total Path Attribute Length still locates the NLRI.
 */
void
attr_walk(struct upd_pstate *ps, struct buf *b)
{
	struct buf	r = *b;		/* in registers: the stores through ps
					 * (bytes) would have b read again */
	struct buf	v;
	size_t		start;
	uint8_t		flags, code;

	while (buf_left(&r) > 0) {
		start = r.off;
		code = 0;
		ps->attr = buf_cur(&r);
		if (attr_get(&r, &flags, &code, &v) == -1) {
			ps->attrlen = r.len - start;
			upd_attr_error(ps, WDRAW, code, ERR_UPD_ATTRLEN,
			    "attribute overruns the attribute block");
			break;
		}
		ps->attrlen = r.off - start;
		ps->nattrs++;
		if (attr_one(ps, flags, code, &v) != ACT_NONE &&
		    ps->u->action == ACT_SESSION_RESET)
			break;
	}
	b->off = r.off;
}

void
bgp_attr_iter_init(struct bgp_attr_iter *it, const struct bgp_attrs *a)
{
	buf_init(&it->b, a->raw.p, a->raw.len);
	memset(it->seen, 0, sizeof(it->seen));
}

int
bgp_attr_next_unknown(struct bgp_attr_iter *it, uint8_t *flags,
    uint8_t *code, struct bgp_view *value)
{
	struct buf	v;
	int		seen;

	while (attr_get(&it->b, flags, code, &v) == 0) {
		if (attr_table[*code].decode != NULL)
			continue;
		seen = it->seen[*code >> 3] & (1 << (*code & 7));
		it->seen[*code >> 3] |= (uint8_t)(1 << (*code & 7));
		if (seen)
			continue;
		value->p = buf_cur(&v);
		value->len = (uint32_t)buf_left(&v);
		return 1;
	}
	it->b.off = it->b.len;
	return 0;
}

const char *
bgp_attr_name(uint8_t code)
{
	return attr_table[code].name != NULL ? attr_table[code].name :
	    "unknown";
}

const char *
bgp_origin_name(uint8_t origin)
{
	static const char	*names[] = { "IGP", "EGP", "INCOMPLETE" };

	return origin <= ORIGIN_INCOMPLETE ? names[origin] : "?";
}

const char *
bgp_action_name(enum bgp_action act)
{
	switch (act) {
	case ACT_NONE:
		return "none";
	case ACT_ATTR_DISCARD:
		return "attribute-discard";
	case ACT_TREAT_AS_WITHDRAW:
		return "treat-as-withdraw";
	case ACT_SESSION_RESET:
		return "session-reset";
	}
	return "?";
}
