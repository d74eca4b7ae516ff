/*
 * libFuzzer target for the UPDATE decoder.  The first input byte picks the
 * session shape (4-octet AS, ADD-PATH per family, eBGP, MRT RIB attribute
 * block), the rest is an UPDATE body.  Beyond "no crash, no overrun" it
 * checks the decoder's promises: after a 0 return every NLRI walks
 * cleanly, in batches (bgp_nlri_take) to the same prefixes as one by
 * one, and re-encoding what was decoded decodes to the same routes and
 * the same attributes (decode -> encode -> decode gives the same view).
 * The custom mutator (bgp_mutate.h) keeps the UPDATE's withdrawn, path
 * attribute and attribute lengths consistent.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgpwatch.h"
#include "update.h"
#include "bgp_mutate.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
size_t	LLVMFuzzerCustomMutator(uint8_t *, size_t, size_t, unsigned int);

#define MAXR	4096

static uint8_t		scratch[BGP_SCRATCH_LEN];
static uint8_t		scratch2[BGP_SCRATCH_LEN];
static struct bgp_route	ann[MAXR], ann2[MAXR], wd[MAXR];
static uint8_t		out[BGP_MAX_EXT_LEN];

/*
 * bgp_nlri_take, batch by batch (the door's way), gives the n prefixes
 * bgp_nlri_next gave, byte for byte, and not one more.
 */
static void
take_same(const struct bgp_view *v, uint8_t aid, int addpath, size_t n)
{
	struct bgp_nlri_iter	it, it2;
	struct bw_prefix	pfx[3], one;
	uint32_t		id[3], id1;
	size_t			k, i, m = 0;

	bgp_nlri_iter_init(&it, v, aid, addpath);
	bgp_nlri_iter_init(&it2, v, aid, addpath);
	while ((k = bgp_nlri_take(&it, pfx, id, 1 + v->len % 3)) > 0)
		for (i = 0; i < k; i++, m++)
			if (bgp_nlri_next(&it2, &one, &id1) != 1 ||
			    memcmp(&one, &pfx[i], sizeof(one)) != 0 ||
			    id1 != id[i])
				abort();
	if (m != n)
		abort();
}

static size_t
walk(const struct bgp_view *v, uint8_t aid, int addpath,
    struct bgp_route *rt, size_t n)
{
	size_t	n0 = n;

	struct bgp_nlri_iter it;
	struct bw_prefix pfx;
	uint32_t id;
	int r;

	bgp_nlri_iter_init(&it, v, aid, addpath);
	while ((r = bgp_nlri_next(&it, &pfx, &id)) == 1) {
		if (pfx.len > aid_maxplen(aid))
			abort();
		if (rt != NULL && n < MAXR) {
			rt[n].pfx = pfx;
			rt[n].path_id = id;
		}
		n++;
	}
	if (r == -1)
		abort();	/* the decoder validated this NLRI */
	take_same(v, aid, addpath, n - n0);
	return n;
}

static size_t
announced(const struct bgp_dec_ctx *ctx, const struct bgp_update *u,
    struct bgp_route *rt)
{
	size_t n;

	n = walk(&u->nlri, AID_INET, ctx->addpath[AID_INET], rt, 0);
	if (ATTR_HAS(&u->attrs, ATTR_MP_REACH_NLRI) && u->reach.aid != AID_UNSPEC)
		n = walk(&u->reach.nlri, u->reach.aid,
		    ctx->addpath[u->reach.aid], rt, n);
	return n;
}

static size_t
withdrawn(const struct bgp_dec_ctx *ctx, const struct bgp_update *u,
    struct bgp_route *rt)
{
	size_t n;

	n = walk(&u->withdrawn, AID_INET, ctx->addpath[AID_INET], rt, 0);
	if (ATTR_HAS(&u->attrs, ATTR_MP_UNREACH_NLRI) &&
	    u->unreach.aid != AID_UNSPEC)
		n = walk(&u->unreach.nlri, u->unreach.aid,
		    ctx->addpath[u->unreach.aid], rt, n);
	return n;
}

static void
poke_attrs(const struct bgp_attrs *a)
{
	struct bgp_aspath_iter ai;
	struct bgp_attr_iter ui;
	struct bgp_view v;
	const uint8_t *asns;
	uint8_t type, count, flags, code;
	char txt[256];

	bgp_aspath_iter_init(&ai, &a->aspath);
	while (bgp_aspath_next(&ai, &type, &count, &asns) == 1)
		;
	(void)bgp_aspath_origin(&a->aspath);
	(void)bgp_aspath_length(&a->aspath);
	(void)bgp_aspath_fmt(&a->aspath, txt, sizeof(txt));
	bgp_attr_iter_init(&ui, a);
	while (bgp_attr_next_unknown(&ui, &flags, &code, &v) == 1)
		if (v.len > a->raw.len)
			abort();
}

/*
 * A confederation segment after an ordinary one (RFC 5065 puts them only
 * in front).  On a 2-octet session such a path cannot come back the same
 * through AS_PATH + AS4_PATH: AS4_PATH carries no confederation segments
 * (RFC 6793 6) and the merge keeps those of AS_PATH only around the part
 * it takes, so an exact round trip is not a promise there (found by this
 * target; tests/fuzz/regress/update/ keeps the input).
 */
static int
confed_inside(const struct bgp_view *path)
{
	struct bgp_aspath_iter	it;
	const uint8_t		*asns;
	uint8_t			 type, count;
	int			 plain = 0;

	bgp_aspath_iter_init(&it, path);
	while (bgp_aspath_next(&it, &type, &count, &asns) == 1) {
		if (type == AS_CONFED_SEQUENCE || type == AS_CONFED_SET) {
			if (plain)
				return 1;
		} else
			plain = 1;
	}
	return 0;
}

static int
same_view(const struct bgp_view *a, const struct bgp_view *b)
{
	return a->len == b->len && (a->len == 0 ||
	    memcmp(a->p, b->p, a->len) == 0);
}

/* Every attribute the first decode kept, the second has, equal. */
static void
same_attrs(const struct bgp_attrs *a, const struct bgp_attrs *b)
{
#define KEPT(code)	(ATTR_HAS(a, code) && (ATTR_HAS(b, code) || (abort(), 0)))
	if (a->origin != b->origin)
		abort();
	if (KEPT(ATTR_MED) && a->med != b->med)
		abort();
	if (KEPT(ATTR_LOCAL_PREF) && a->local_pref != b->local_pref)
		abort();
	(void)KEPT(ATTR_ATOMIC_AGGREGATE);
	if (KEPT(ATTR_AGGREGATOR) && (a->aggr_as != b->aggr_as ||
	    a->aggr_id != b->aggr_id))
		abort();
	if (KEPT(ATTR_COMMUNITIES) &&
	    !same_view(&a->communities, &b->communities))
		abort();
	if (KEPT(ATTR_ORIGINATOR_ID) && a->originator_id != b->originator_id)
		abort();
	if (KEPT(ATTR_CLUSTER_LIST) &&
	    !same_view(&a->cluster_list, &b->cluster_list))
		abort();
	if (KEPT(ATTR_EXT_COMMUNITIES) &&
	    !same_view(&a->ext_communities, &b->ext_communities))
		abort();
	if (KEPT(ATTR_LARGE_COMMUNITIES) &&
	    !same_view(&a->large_communities, &b->large_communities))
		abort();
	if (KEPT(ATTR_OTC) && a->otc != b->otc)
		abort();
	if (a->n_unknown != b->n_unknown)
		abort();
#undef KEPT
}

static void
roundtrip(const struct bgp_dec_ctx *ctx, const struct bgp_update *u)
{
	struct bgp_enc_ctx ec;
	struct bgp_dec_ctx dc;
	struct bgp_update u2;
	struct wbuf w;
	size_t nann, nwd, nann2;
	int i;

	if (u->action != ACT_NONE || u->eor)
		return;
	nann = announced(ctx, u, ann);
	nwd = withdrawn(ctx, u, wd);
	if (nann > MAXR || nwd > MAXR)
		return;
	if (nann > 0 && (!ATTR_HAS(&u->attrs, ATTR_ORIGIN) ||
	    !ATTR_HAS(&u->attrs, ATTR_AS_PATH)))
		return;
	memset(&ec, 0, sizeof(ec));
	ec.as4 = ctx->as4;
	for (i = 0; i < AID_MAX; i++)
		ec.addpath[i] = ctx->addpath[i];
	ec.maxlen = BGP_MAX_EXT_LEN;
	wbuf_init(&w, out, sizeof(out));
	if (bgp_update_encode(&w, &ec, nann ? &u->attrs : NULL, wd, nwd,
	    ann, nann) == -1)
		return;		/* e.g. grew past 65535 on a 2-octet session */
	dc = *ctx;
	dc.mrt_rib = 0;
	dc.scratch = scratch2;
	if (w.len < 19 || bgp_update_decode(&dc, out + 19, w.len - 19, &u2) != 0)
		abort();
	if (u2.action != ACT_NONE)
		abort();
	nann2 = announced(&dc, &u2, ann2);
	if (nann2 != nann || withdrawn(&dc, &u2, NULL) != nwd)
		abort();
	if (memcmp(ann, ann2, sizeof(ann[0]) * nann) != 0)
		abort();
	if (nann > 0 && !ctx->as4 && confed_inside(&u->attrs.aspath))
		return;		/* not representable with AS4_PATH: see below */
	if (nann > 0 && (u2.attrs.aspath.len != u->attrs.aspath.len ||
	    memcmp(u2.attrs.aspath.p, u->attrs.aspath.p,
	    u->attrs.aspath.len) != 0)) {
		char	t1[512], t2[512];

		(void)bgp_aspath_fmt(&u->attrs.aspath, t1, sizeof(t1));
		(void)bgp_aspath_fmt(&u2.attrs.aspath, t2, sizeof(t2));
		fprintf(stderr, "AS path changed by re-encoding:\n  %s\n  %s\n",
		    t1, t2);
		abort();
	}
	if (nann > 0)
		same_attrs(&u->attrs, &u2.attrs);
}

/* An End-of-RIB marker encodes to one that decodes as the same. */
static void
eor_again(const struct bgp_update *u)
{
	struct bgp_dec_ctx	dc;
	struct bgp_update	u2;
	struct wbuf		w;

	if (u->eor_aid == AID_UNSPEC)
		return;
	wbuf_init(&w, out, sizeof(out));
	if (bgp_eor_encode(&w, u->eor_aid) != 0)
		abort();
	memset(&dc, 0, sizeof(dc));
	dc.scratch = scratch2;
	dc.scratchlen = sizeof(scratch2);
	if (bgp_update_decode(&dc, out + 19, w.len - 19, &u2) != 0 ||
	    !u2.eor || u2.eor_aid != u->eor_aid)
		abort();
}

/*
 * A RIB entry's attributes (TABLE_DUMP_V2) encode again to a block that
 * decodes to the same attributes (next hop and the rest).
 */
static void
rib_again(const struct bgp_dec_ctx *ctx, const struct bgp_update *u,
    uint8_t aid)
{
	struct bgp_update	u2;
	struct bgp_dec_ctx	dc = *ctx;
	struct wbuf		w;

	if (u->action != ACT_NONE || !ATTR_HAS(&u->attrs, ATTR_AS_PATH))
		return;
	wbuf_init(&w, out, sizeof(out));
	if (bgp_attrs_encode_rib(&w, &u->attrs, aid) == -1)
		return;
	dc.scratch = scratch2;
	if (bgp_attrs_decode(&dc, out, w.len, &u2) != 0 ||
	    u2.action != ACT_NONE)
		abort();
	if (u2.attrs.aspath.len != u->attrs.aspath.len ||
	    memcmp(u2.attrs.aspath.p, u->attrs.aspath.p,
	    u->attrs.aspath.len) != 0)
		abort();
	same_attrs(&u->attrs, &u2.attrs);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bgp_dec_ctx ctx;
	struct bgp_update u;
	uint8_t sel;

	if (size < 1 || size > BGP_MAX_EXT_LEN)
		return 0;
	sel = data[0];
	memset(&ctx, 0, sizeof(ctx));
	ctx.as4 = sel & 1;
	ctx.addpath[AID_INET] = (sel >> 1) & 1;
	ctx.addpath[AID_INET6] = (sel >> 2) & 1;
	ctx.ebgp = (sel >> 3) & 1;
	ctx.scratch = scratch;
	ctx.scratchlen = sizeof(scratch);
	if (sel & 0x10) {
		ctx.mrt_rib = 1;
		ctx.as4 = 1;
		if (bgp_attrs_decode(&ctx, data + 1, size - 1, &u) == 0) {
			poke_attrs(&u.attrs);
			rib_again(&ctx, &u, (sel & 0x20) ? AID_INET6 : AID_INET);
		}
		return 0;
	}
	if (bgp_update_decode(&ctx, data + 1, size - 1, &u) == -1) {
		if (u.action != ACT_SESSION_RESET || u.err.code != ERR_UPDATE)
			abort();
		return 0;
	}
	if (u.eor)
		eor_again(&u);
	(void)withdrawn(&ctx, &u, NULL);
	(void)announced(&ctx, &u, NULL);
	poke_attrs(&u.attrs);
	roundtrip(&ctx, &u);
	return 0;
}

size_t
LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max,
    unsigned int seed)
{
	if (size < 2 || max < 2 || (data[0] & 0x10))
		return LLVMFuzzerMutate(data, size, max);
	if (seed % 32 == 0)
		data[0] = (uint8_t)(seed >> 8);
	return 1 + bm_mutate_update(data + 1, size - 1, max - 1, seed);
}
