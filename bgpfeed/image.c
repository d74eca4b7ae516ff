/*
 * Images: a feed's bytes exactly as one session writes them.
 *
 * A session's encoding (4-octet AS or not, ADD-PATH per family, the
 * families, the largest message) is only known once the OPENs are
 * exchanged, but most sessions negotiate what the feed was recorded
 * with.  So every message carries its own encoding (struct fmsg) and an
 * image forwards each message whose encoding matches as it is, and only
 * re-encodes the others: decode with the record's context, encode with
 * the session's, splitting where a message grows past the limit (a
 * 4-octet path narrowed to AS_TRANS plus AS4_PATH).  When every message
 * matches, the image is the feed's arena itself: no copy at all, so
 * thirty sessions of the same table share one buffer.  Images are cached
 * per feed and key, and the expected one is built before connecting.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feedtypes.h"

/* Routes of one message being re-encoded, by family and direction. */
struct rvec {
	struct bgp_route	*v;
	size_t			 n;
	size_t			 cap;
};

struct recode {
	struct image	*im;
	struct rvec	 wd[AID_MAX];
	struct rvec	 ann[AID_MAX];
	uint8_t		 scratch[BGP_SCRATCH_LEN];
};

static int
rvec_push(struct rvec *rv, const struct bgp_route *r)
{
	struct bgp_route	*v;
	size_t			 cap;

	if (rv->n == rv->cap) {
		cap = rv->cap ? rv->cap * 2 : 256;
		if ((v = realloc(rv->v, cap * sizeof(*v))) == NULL)
			return -1;
		rv->v = v;
		rv->cap = cap;
	}
	rv->v[rv->n++] = *r;
	return 0;
}

static int
key_eq(const struct enc_key *a, const struct enc_key *b)
{
	return a->as4 == b->as4 && a->addpath == b->addpath &&
	    a->aids == b->aids && a->maxlen == b->maxlen;
}

static void
key_ctx(const struct enc_key *k, struct bgp_enc_ctx *ctx)
{
	uint8_t	aid;

	memset(ctx, 0, sizeof(*ctx));
	ctx->as4 = k->as4;
	ctx->maxlen = k->maxlen;
	for (aid = AID_INET; aid < AID_MAX; aid++)
		ctx->addpath[aid] = (k->addpath & AIDBIT(aid)) != 0;
}

/* Whether the session can take the message as it was recorded. */
static int
msg_fits(const struct fmsg *m, const struct enc_key *k)
{
	if (m->other || (m->aids & ~k->aids) || m->len > k->maxlen)
		return 0;
	if (m->asdep && m->as4 != k->as4)
		return 0;
	return (m->addpath & m->aids) == (k->addpath & m->aids);
}

static int
image_bound(struct image *im, size_t off)
{
	uint32_t	*v;
	size_t		 cap;

	if (im->nmsgs == im->boundcap) {
		cap = im->boundcap ? im->boundcap * 2 : 1024;
		if ((v = realloc(im->bounds, cap * sizeof(*v))) == NULL)
			return -1;
		im->bounds = v;
		im->boundcap = cap;
	}
	im->bounds[im->nmsgs++] = (uint32_t)off;
	return 0;
}

static int
image_pack_cb(void *arg, size_t off, size_t len, const struct bgp_route *r,
    size_t n)
{
	struct image	*im = arg;

	(void)len;
	(void)r;
	(void)n;
	im->nrecoded++;
	return image_bound(im, off);
}

/* Appends the NLRI of one field to the family's vector. */
static int
recode_collect(struct recode *rc, struct rvec *vecs,
    const struct bgp_view *v, uint8_t aid, int addpath)
{
	struct bgp_nlri_iter	it;
	struct bgp_route	r;

	if (aid == AID_UNSPEC)
		return 0;
	memset(&r, 0, sizeof(r));
	bgp_nlri_iter_init(&it, v, aid, addpath);
	while (bgp_nlri_next(&it, &r.pfx, &r.path_id) == 1) {
		if (!(rc->im->key.aids & AIDBIT(aid))) {
			rc->im->dropped++;
			continue;
		}
		if (rvec_push(&vecs[aid], &r) == -1)
			return -1;
	}
	return 0;
}

static int
recode_split(struct recode *rc, const struct fmsg *m, struct bgp_update *u,
    const uint8_t *msg)
{
	struct bgp_dec_ctx	 dc;
	struct rvec		*annv;
	uint8_t			 aid;

	memset(&dc, 0, sizeof(dc));
	dc.as4 = m->as4;
	dc.scratch = rc->scratch;
	dc.scratchlen = sizeof(rc->scratch);
	for (aid = AID_INET; aid < AID_MAX; aid++) {
		dc.addpath[aid] = (m->addpath & AIDBIT(aid)) != 0;
		rc->wd[aid].n = rc->ann[aid].n = 0;
	}
	if (bgp_update_decode(&dc, msg + BGP_HDR_LEN, m->len - BGP_HDR_LEN,
	    u) == -1)
		return 0;		/* the loader kept no such message */
	annv = u->action == ACT_TREAT_AS_WITHDRAW ? rc->wd : rc->ann;
	if (recode_collect(rc, rc->wd, &u->withdrawn, AID_INET,
	    dc.addpath[AID_INET]) == -1 ||
	    recode_collect(rc, annv, &u->nlri, AID_INET,
	    dc.addpath[AID_INET]) == -1)
		return -1;
	if (ATTR_HAS(&u->attrs, ATTR_MP_UNREACH_NLRI) &&
	    recode_collect(rc, rc->wd, &u->unreach.nlri, u->unreach.aid,
	    dc.addpath[u->unreach.aid]) == -1)
		return -1;
	if (ATTR_HAS(&u->attrs, ATTR_MP_REACH_NLRI) &&
	    recode_collect(rc, annv, &u->reach.nlri, u->reach.aid,
	    dc.addpath[u->reach.aid]) == -1)
		return -1;
	return 0;
}

/* Re-encodes one message for the image's key: withdrawals first. */
static int
recode_msg(struct recode *rc, const struct feed *f, const struct fmsg *m)
{
	struct bgp_enc_ctx	ctx;
	struct bgp_update	u;
	struct image		*im = rc->im;
	uint8_t			aid;

	if (recode_split(rc, m, &u, f->arena.p + m->off) == -1)
		return -1;
	key_ctx(&im->key, &ctx);
	for (aid = AID_INET; aid < AID_MAX; aid++) {
		im->nwd += rc->wd[aid].n;
		if (pack_routes(&im->own, &ctx, NULL, rc->wd[aid].v,
		    rc->wd[aid].n, image_pack_cb, im, &im->dropped) == -1)
			return -1;
	}
	for (aid = AID_INET; aid < AID_MAX; aid++) {
		im->nann += rc->ann[aid].n;
		if (pack_routes(&im->own, &ctx, &u.attrs, rc->ann[aid].v,
		    rc->ann[aid].n, image_pack_cb, im, &im->dropped) == -1)
			return -1;
	}
	return 0;
}

static int
image_copy_msg(struct image *im, const struct feed *f, const struct fmsg *m)
{
	if (bytes_reserve(&im->own, m->len) == -1 ||
	    image_bound(im, im->own.len) == -1)
		return -1;
	memcpy(im->own.p + im->own.len, f->arena.p + m->off, m->len);
	im->own.len += m->len;
	im->nraw++;
	im->nann += m->nann;
	im->nwd += m->nwd;
	return 0;
}

static void
recode_free(struct recode *rc)
{
	uint8_t	aid;

	if (rc == NULL)
		return;
	for (aid = 0; aid < AID_MAX; aid++) {
		free(rc->wd[aid].v);
		free(rc->ann[aid].v);
	}
	free(rc);
}

/* The image in its own buffer, message by message. */
static int
image_build_own(struct image *im, const struct feed *f)
{
	struct recode	*rc;
	size_t		 i;

	if ((rc = calloc(1, sizeof(*rc))) == NULL)
		return -1;
	rc->im = im;
	for (i = 0; i < f->nmsgs; i++) {
		if (msg_fits(&f->msgs[i], &im->key)) {
			if (image_copy_msg(im, f, &f->msgs[i]) == -1)
				goto fail;
		} else if (recode_msg(rc, f, &f->msgs[i]) == -1)
			goto fail;
	}
	recode_free(rc);
	im->p = im->own.p;
	im->len = im->own.len;
	return 0;

 fail:
	recode_free(rc);
	return -1;
}

/* The image is the feed's arena: only the message bounds are new. */
static int
image_build_shared(struct image *im, const struct feed *f)
{
	size_t	i;

	for (i = 0; i < f->nmsgs; i++)
		if (image_bound(im, f->msgs[i].off) == -1)
			return -1;
	im->p = f->arena.p;
	im->len = f->arena.len;
	im->nann = f->nann;
	im->nwd = f->nwd;
	im->nraw = f->nmsgs;
	return 0;
}

static struct image *
image_lookup(struct feed *f, const struct enc_key *k, int withdraw)
{
	struct image	*im;

	for (im = f->images; im != NULL; im = im->next)
		if (im->withdraw == withdraw && key_eq(&im->key, k))
			return im;
	return NULL;
}

static struct image *
image_new(const struct enc_key *k, int withdraw)
{
	struct image	*im;

	if ((im = calloc(1, sizeof(*im))) == NULL)
		return NULL;
	im->key = *k;
	im->withdraw = withdraw;
	return im;
}

static void
image_link(struct feed *f, struct image *im)
{
	im->next = f->images;
	f->images = im;
}

static void
image_free(struct image *im)
{
	bytes_free(&im->own);
	free(im->bounds);
	free(im);
}

/* Families the feed does not use make no difference to its images. */
static void
key_norm(const struct feed *f, const struct enc_key *in, struct enc_key *k)
{
	*k = *in;
	k->aids &= f->aids;
	k->addpath &= k->aids;
}

struct image *
image_get(struct feed *f, const struct enc_key *key)
{
	struct enc_key	 kb, *k = &kb;
	struct image	*im;
	size_t		 i;
	int		 shared = 1, rc;

	key_norm(f, key, k);
	if ((im = image_lookup(f, k, 0)) != NULL)
		return im;
	if ((im = image_new(k, 0)) == NULL)
		return NULL;
	for (i = 0; i < f->nmsgs && shared; i++)
		shared = msg_fits(&f->msgs[i], k);
	rc = shared ? image_build_shared(im, f) : image_build_own(im, f);
	if (rc == -1) {
		image_free(im);
		return NULL;
	}
	image_link(f, im);
	return im;
}

/* Orders routes by family, address, length and path id. */
static int
route_cmp(const void *a, const void *b)
{
	const struct bgp_route	*x = a, *y = b;
	int			 c;

	if ((c = prefix_cmp(&x->pfx, &y->pfx)) != 0)
		return c;
	return x->path_id < y->path_id ? -1 : x->path_id > y->path_id;
}

/*
 * The feed's remaining routes of the key's families, sorted; without
 * ADD-PATH the path ids go and the duplicates with them.
 */
static size_t
withdraw_routes(const struct feed *f, const struct enc_key *k,
    struct bgp_route *v)
{
	const struct bgp_route	*r;
	size_t			 i, n = 0, m;

	for (i = 0; i < f->routes.cap; i++) {
		if ((r = rset_slot(&f->routes, i)) == NULL ||
		    !(k->aids & AIDBIT(r->pfx.aid)))
			continue;
		v[n] = *r;
		if (!(k->addpath & AIDBIT(r->pfx.aid)))
			v[n].path_id = 0;
		n++;
	}
	qsort(v, n, sizeof(*v), route_cmp);
	for (i = m = 0; i < n; i++)
		if (m == 0 || route_cmp(&v[m - 1], &v[i]) != 0)
			v[m++] = v[i];
	return m;
}

struct image *
image_withdraw(struct feed *f, const struct enc_key *key)
{
	struct enc_key		 kb, *k = &kb;
	struct bgp_enc_ctx	 ctx;
	struct image		*im;
	struct bgp_route	*v;
	size_t			 n, i;

	key_norm(f, key, k);
	if ((im = image_lookup(f, k, 1)) != NULL)
		return im;
	if ((im = image_new(k, 1)) == NULL)
		return NULL;
	if ((v = calloc(f->routes.n + 1, sizeof(*v))) == NULL)
		goto fail;
	n = withdraw_routes(f, k, v);
	key_ctx(k, &ctx);
	/* Sorted by family: one pack per family. */
	for (i = 0; i < n; ) {
		size_t j = i;

		while (j < n && v[j].pfx.aid == v[i].pfx.aid)
			j++;
		if (pack_routes(&im->own, &ctx, NULL, v + i, j - i,
		    image_pack_cb, im, &im->dropped) == -1)
			goto fail;
		i = j;
	}
	im->nwd = n;
	im->p = im->own.p;
	im->len = im->own.len;
	free(v);
	image_link(f, im);
	return im;

 fail:
	free(v);
	image_free(im);
	return NULL;
}
