/*
 * UPDATE decoding (RFC 4271 4.3) with RFC 7606 error handling.  One
 * struct upd_pstate lives on the stack per message: the three fields are
 * located, the attribute table of attr.c judges each attribute, the
 * withdrawn and NLRI fields are checked (a malformed one is a session
 * reset, RFC 7606 5.3), then comes what needs the whole set: AS4_PATH /
 * AS4_AGGREGATOR (RFC 6793 4.2.3), the well-known mandatory attributes
 * (RFC 7606 3.d) and the End-of-RIB markers (RFC 4724 2).  Every outcome goes through
 * upd_error(), which keeps the worst action (RFC 7606 3.h) and the
 * NOTIFICATION that goes with it.  Nothing is allocated: the result
 * views into the message, or into ctx->scratch for a widened AS path.
 */
#include <string.h>

#include "bgpwatch.h"
#include "update_int.h"

void
upd_error(struct upd_pstate *ps, enum bgp_action act, uint8_t attr,
    uint8_t subcode, const uint8_t *data, size_t datalen, const char *reason)
{
	struct bgp_update	*u = ps->u;

	if (act == ACT_ATTR_DISCARD)
		u->n_discarded++;
	if (act <= u->action)
		return;
	u->action = act;
	u->err_attr = attr;
	if (datalen > UINT16_MAX)
		datalen = UINT16_MAX;
	bgp_err_set(&u->err, ERR_UPDATE, subcode, data, (uint16_t)datalen,
	    reason);
}

void
upd_attr_error(struct upd_pstate *ps, enum bgp_action act, uint8_t attr,
    uint8_t subcode, const char *reason)
{
	upd_error(ps, act, attr, subcode, ps->attr, ps->attrlen, reason);
}

static void
upd_init(struct upd_pstate *ps, const struct bgp_dec_ctx *ctx,
    struct bgp_update *u)
{
	memset(u, 0, sizeof(*u));
	memset(ps, 0, sizeof(*ps));
	ps->ctx = ctx;
	ps->u = u;
}

static int
upd_seen(const struct upd_pstate *ps, uint8_t code)
{
	return (ps->seen[code >> 6] & ((uint64_t)1 << (code & 63))) != 0;
}

/*
 * RFC 6793 4.2.3: an AGGREGATOR that is not AS_TRANS beside an
 * AS4_AGGREGATOR means a 2-octet speaker aggregated after the path was
 * last seen by a 4-octet one: both AS4 attributes are stale and ignored.
 * A 2-octet AS path is then widened, with AS4_PATH merged in.
 */
static void
upd_as4_merge(struct upd_pstate *ps)
{
	const struct bgp_dec_ctx *ctx = ps->ctx;
	struct bgp_attrs	*a = &ps->u->attrs;
	const struct bgp_view	*as4 = NULL;
	int			 len;

	if (ctx->as4)
		return;
	if (ps->has_as4aggr && ATTR_HAS(a, ATTR_AGGREGATOR)) {
		if (a->aggr_as != BGP_AS_TRANS)
			ps->has_as4path = 0;
		else {
			a->aggr_as = ps->as4_aggr_as;
			a->aggr_id = ps->as4_aggr_id;
		}
	}
	if (!ATTR_HAS(a, ATTR_AS_PATH))
		return;
	if (ps->has_as4path)
		as4 = &ps->as4path;
	len = -1;
	if (ctx->scratch != NULL)
		len = aspath_build(&ps->aspath, as4, ctx->scratch,
		    ctx->scratchlen);
	if (len == -1) {
		a->present &= ~ATTR_BIT(ATTR_AS_PATH);
		upd_error(ps, ACT_TREAT_AS_WITHDRAW, ATTR_AS_PATH,
		    ERR_UPD_ASPATH, NULL, 0, "no scratch space for the AS path");
		return;
	}
	a->aspath.p = ctx->scratch;
	a->aspath.len = (uint32_t)len;
}

/* RFC 7606 3.d; NEXT_HOP only with IPv4 NLRI (RFC 4760 3). */
static void
upd_mandatory(struct upd_pstate *ps)
{
	static const uint8_t	 need[] = { ATTR_ORIGIN, ATTR_AS_PATH,
				    ATTR_NEXT_HOP };
	struct bgp_update	*u = ps->u;
	struct bgp_err		*e = &u->err;
	size_t			 i, n = 2;

	uint64_t		 all = ATTR_BIT(ATTR_ORIGIN) | ATTR_BIT(ATTR_AS_PATH);

	if (u->nlri.len > 0) {
		n = 3;
		all |= ATTR_BIT(ATTR_NEXT_HOP);
	} else if (!ATTR_HAS(&u->attrs, ATTR_MP_REACH_NLRI))
		return;
	if ((ps->seen[0] & all) == all)		/* codes < 64: word 0 */
		return;
	for (i = 0; i < n; i++) {
		if (upd_seen(ps, need[i]))
			continue;
		if (u->action >= ACT_TREAT_AS_WITHDRAW)
			return;		/* an earlier error explains it */
		upd_error(ps, ACT_TREAT_AS_WITHDRAW, need[i],
		    ERR_UPD_MISSNG_WK_ATTR, NULL, 0,
		    "missing well-known attribute");
		e->synth[0] = need[i];
		e->datalen = 1;
	}
}

/*
 * RFC 4724 2: an UPDATE with nothing in it is the IPv4 End-of-RIB, one
 * with a lone empty MP_UNREACH_NLRI that of its family.
 */
static void
upd_eor(struct upd_pstate *ps)
{
	struct bgp_update	*u = ps->u;

	if (u->withdrawn.len != 0 || u->nlri.len != 0)
		return;
	if (u->attrs.raw.len == 0) {
		u->eor = 1;
		u->eor_aid = AID_INET;
	} else if (ps->nattrs == 1 &&
	    ATTR_HAS(&u->attrs, ATTR_MP_UNREACH_NLRI) &&
	    u->unreach.nlri.len == 0) {
		u->eor = 1;
		u->eor_aid = u->unreach.aid;
	}
}

static int
upd_attrs(struct upd_pstate *ps, struct buf *ab)
{
	struct bgp_attrs	*a = &ps->u->attrs;

	a->raw.p = buf_cur(ab);
	a->raw.len = (uint32_t)buf_left(ab);
	attr_walk(ps, ab);
	if (ps->u->action == ACT_SESSION_RESET)
		return -1;
	upd_as4_merge(ps);
	return 0;
}

/* Carves a 2-byte length-prefixed field.  Returns 0, or -1 on overrun. */
static inline int
upd_field(struct buf *b, struct buf *field, struct bgp_view *v)
{
	uint16_t	len;

	if (buf_get_u16(b, &len) == -1 || buf_get_sub(b, len, field) == -1)
		return -1;
	v->p = buf_cur(field);
	v->len = len;
	return 0;
}

/*
 * RFC 7606 5.3: a malformed IPv4 prefix field is a session reset.  The
 * field is cut to its well-formed prefixes all the same, for an MRT
 * reader that wants what bgpdump would show.
 */
static int
upd_prefixes(struct upd_pstate *ps, struct bgp_view *v, int addpath)
{
	uint32_t	good;

	if (v->len == 0 || nlri_check(v, AID_INET, addpath, &good) != -1)
		return 0;
	v->len = good;
	upd_error(ps, ACT_SESSION_RESET, 0, ERR_UPD_NETWORK, NULL, 0,
	    "malformed IPv4 prefix");
	return -1;
}

int
bgp_update_decode(const struct bgp_dec_ctx *ctx, const uint8_t *body,
    size_t len, struct bgp_update *u)
{
	struct upd_pstate	 ps;
	struct buf		 b, wd, ab;
	int			 addpath = ctx->addpath[AID_INET];

	upd_init(&ps, ctx, u);
	buf_init(&b, body, len);
	/* RFC 4271 6.3: lengths that do not add up */
	if (upd_field(&b, &wd, &u->withdrawn) == -1 ||
	    upd_field(&b, &ab, &u->attrs.raw) == -1) {
		upd_error(&ps, ACT_SESSION_RESET, 0, ERR_UPD_ATTRLIST, NULL, 0,
		    "withdrawn or attribute length overruns the message");
		return -1;
	}
	u->nlri.p = buf_cur(&b);
	u->nlri.len = (uint32_t)buf_left(&b);
	if (upd_attrs(&ps, &ab) == -1)
		return -1;
	if (upd_prefixes(&ps, &u->withdrawn, addpath) == -1 ||
	    upd_prefixes(&ps, &u->nlri, addpath) == -1)
		return -1;
	upd_mandatory(&ps);
	upd_eor(&ps);
	return 0;
}

/*
 * No NLRI come with an MRT attribute block, so no attribute can be
 * judged missing: the reader gets what the record holds.
 */
int
bgp_attrs_decode(const struct bgp_dec_ctx *ctx, const uint8_t *p,
    size_t len, struct bgp_update *u)
{
	struct upd_pstate	 ps;
	struct buf		 ab;

	upd_init(&ps, ctx, u);
	buf_init(&ab, p, len);
	return upd_attrs(&ps, &ab);
}
