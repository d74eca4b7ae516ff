/*
 * Feeds: the UPDATE messages a session will send, prepared in memory
 * before any connection so that sending is nothing but write(2).
 *
 * A feed keeps its messages back to back in one arena, each described by
 * a struct fmsg (how it is encoded: AS number size, ADD-PATH, families),
 * so that an image (image.c) can forward it untouched when the session
 * negotiated that same encoding.  Beside the messages a feed keeps the
 * set of routes they leave announced, for --withdraw-after and for the
 * report.  pack_routes() is the table-dump encoder: as many routes as fit
 * in one UPDATE with one attribute set, sized with bgp_nlri_size() from
 * one trial encode rather than by trial and error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feedtypes.h"

int
bytes_reserve(struct bytes *b, size_t n)
{
	size_t	 cap;
	uint8_t	*p;

	if (b->cap - b->len >= n)
		return 0;
	cap = b->cap ? b->cap : 65536;
	while (cap - b->len < n)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

void
bytes_free(struct bytes *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* Route sets */

static uint64_t
route_hash(const struct bgp_route *r)
{
	uint64_t lo, hi, h;

	memcpy(&lo, r->pfx.b, 8);
	memcpy(&hi, r->pfx.b + 8, 8);
	h = lo * 0x9e3779b97f4a7c15ULL;
	h ^= hi * 0xc2b2ae3d27d4eb4fULL;
	h ^= ((uint64_t)r->pfx.aid << 40 | (uint64_t)r->pfx.len << 32 |
	    r->path_id) * 0x165667b19e3779f9ULL;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 32);
}

static int
route_eq(const struct bgp_route *a, const struct bgp_route *b)
{
	return a->pfx.aid == b->pfx.aid && a->pfx.len == b->pfx.len &&
	    a->path_id == b->path_id && memcmp(a->pfx.b, b->pfx.b,
	    sizeof(a->pfx.b)) == 0;
}

/* Slot holding r, or the empty slot where it would go. */
static size_t
rset_find(const struct rset *s, const struct bgp_route *r)
{
	size_t	i, mask = s->cap - 1;

	for (i = route_hash(r) & mask; s->slot[i].pfx.aid != AID_UNSPEC;
	    i = (i + 1) & mask)
		if (route_eq(&s->slot[i], r))
			break;
	return i;
}

static int
rset_grow(struct rset *s)
{
	struct rset	 n;
	size_t		 i;

	n.cap = s->cap ? s->cap * 2 : 1024;
	n.n = s->n;
	if ((n.slot = calloc(n.cap, sizeof(*n.slot))) == NULL)
		return -1;
	for (i = 0; i < s->cap; i++)
		if (s->slot[i].pfx.aid != AID_UNSPEC)
			n.slot[rset_find(&n, &s->slot[i])] = s->slot[i];
	free(s->slot);
	*s = n;
	return 0;
}

int
rset_add(struct rset *s, const struct bgp_route *r)
{
	size_t	i;

	if (2 * (s->n + 1) > s->cap && rset_grow(s) == -1)
		return -1;
	i = rset_find(s, r);
	if (s->slot[i].pfx.aid != AID_UNSPEC)
		return 0;
	s->slot[i] = *r;
	s->n++;
	return 1;
}

/* Backward-shift deletion keeps every probe chain unbroken. */
int
rset_del(struct rset *s, const struct bgp_route *r)
{
	size_t	i, j, k, mask = s->cap - 1;

	if (s->n == 0)
		return 0;
	i = rset_find(s, r);
	if (s->slot[i].pfx.aid == AID_UNSPEC)
		return 0;
	for (j = (i + 1) & mask; s->slot[j].pfx.aid != AID_UNSPEC;
	    j = (j + 1) & mask) {
		k = route_hash(&s->slot[j]) & mask;
		/* Stays if its home k lies cyclically in (i, j]. */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		s->slot[i] = s->slot[j];
		i = j;
	}
	memset(&s->slot[i], 0, sizeof(s->slot[i]));
	s->n--;
	return 1;
}

const struct bgp_route *
rset_slot(const struct rset *s, size_t i)
{
	if (i >= s->cap || s->slot[i].pfx.aid == AID_UNSPEC)
		return NULL;
	return &s->slot[i];
}

void
rset_free(struct rset *s)
{
	free(s->slot);
	memset(s, 0, sizeof(*s));
}

/* Feeds */

struct feed *
feed_new(const char *name)
{
	struct feed *f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	snprintf(f->name, sizeof(f->name), "%s", name);
	return f;
}

void
feed_free(struct feed *f)
{
	struct image *im, *next;

	if (f == NULL)
		return;
	for (im = f->images; im != NULL; im = next) {
		next = im->next;
		bytes_free(&im->own);
		free(im->bounds);
		free(im);
	}
	bytes_free(&f->arena);
	rset_free(&f->routes);
	free(f->msgs);
	free(f);
}

/* Records a message already in the arena at off. */
static int
feed_note(struct feed *f, size_t off, size_t len, const struct fmsg *m)
{
	struct fmsg	*v;
	size_t		 cap;

	if (f->nmsgs == f->msgcap) {
		cap = f->msgcap ? f->msgcap * 2 : 1024;
		if ((v = realloc(f->msgs, cap * sizeof(*v))) == NULL)
			return -1;
		f->msgs = v;
		f->msgcap = cap;
	}
	v = &f->msgs[f->nmsgs++];
	*v = *m;
	v->off = (uint32_t)off;
	v->len = (uint32_t)len;
	f->nann += m->nann;
	f->nwd += m->nwd;
	f->aids |= m->aids;
	return 0;
}

int
feed_add(struct feed *f, const uint8_t *msg, size_t len, const struct fmsg *m)
{
	if (f->arena.len + len > UINT32_MAX) {
		fprintf(stderr, "bgpfeed: %s: feed larger than 4 GB\n",
		    f->name);
		return -1;
	}
	if (bytes_reserve(&f->arena, len) == -1)
		return -1;
	memcpy(f->arena.p + f->arena.len, msg, len);
	/* Old MRT writers did not always keep the marker. */
	memset(f->arena.p + f->arena.len, 0xff, BGP_MARKER_LEN);
	f->arena.len += len;
	return feed_note(f, f->arena.len - len, len, m);
}

/* Packing */

/*
 * Encodes k routes as one UPDATE at the end of out without keeping it.
 * Returns its length, or 0 if it does not fit.
 */
static size_t
pack_try(struct bytes *out, const struct bgp_enc_ctx *ctx,
    const struct bgp_attrs *a, const struct bgp_route *r, size_t k)
{
	struct wbuf	w;
	int		rc;

	wbuf_init(&w, out->p + out->len, out->cap - out->len);
	if (a == NULL)
		rc = bgp_update_encode(&w, ctx, NULL, r, k, NULL, 0);
	else
		rc = bgp_update_encode(&w, ctx, a, NULL, 0, r, k);
	return rc == 0 ? w.len : 0;
}

/* How many routes from r fill budget bytes of NLRI (at least 1). */
static size_t
pack_count(const struct bgp_enc_ctx *ctx, const struct bgp_route *r,
    size_t n, size_t budget)
{
	size_t	k, sz, used = 0;

	for (k = 0; k < n; k++) {
		sz = bgp_nlri_size(&r[k].pfx, ctx->addpath[r[k].pfx.aid]);
		if (used + sz > budget)
			break;
		used += sz;
	}
	return k ? k : 1;
}

int
pack_routes(struct bytes *out, const struct bgp_enc_ctx *ctx,
    const struct bgp_attrs *a, const struct bgp_route *r, size_t n,
    pack_cb cb, void *arg, uint64_t *dropped)
{
	size_t	maxlen = ctx->maxlen ? ctx->maxlen : BGP_MAX_LEN;
	size_t	i = 0, k, len, base = 0;

	while (i < n) {
		if (bytes_reserve(out, maxlen) == -1)
			return -1;
		if (base == 0) {
			/* One route tells the size of everything else. */
			if ((len = pack_try(out, ctx, a, r + i, 1)) == 0) {
				(*dropped)++;
				i++;
				continue;
			}
			base = len - bgp_nlri_size(&r[i].pfx,
			    ctx->addpath[r[i].pfx.aid]);
		}
		k = pack_count(ctx, r + i, n - i, maxlen - base);
		while ((len = pack_try(out, ctx, a, r + i, k)) == 0 && k > 1)
			k -= (k + 7) / 8;
		if (len == 0) {
			(*dropped)++;
			i++;
			continue;
		}
		out->len += len;
		if (cb(arg, out->len - len, len, r + i, k) == -1)
			return -1;
		i += k;
	}
	return 0;
}

struct feed_pack_arg {
	struct feed			*f;
	const struct bgp_enc_ctx	*ctx;
	int				 announce;
};

static int
feed_pack_cb(void *arg, size_t off, size_t len, const struct bgp_route *r,
    size_t n)
{
	struct feed_pack_arg	*pa = arg;
	struct fmsg		 m;
	uint8_t			 aid;
	size_t			 i;

	memset(&m, 0, sizeof(m));
	m.as4 = pa->ctx->as4;
	m.asdep = pa->announce;
	if (pa->announce)
		m.nann = (uint32_t)n;
	else
		m.nwd = (uint32_t)n;
	for (i = 0; i < n; i++) {
		aid = r[i].pfx.aid;
		m.aids |= AIDBIT(aid);
		if (pa->ctx->addpath[aid])
			m.addpath |= AIDBIT(aid);
		if (!pa->announce)
			rset_del(&pa->f->routes, &r[i]);
		else if (rset_add(&pa->f->routes, &r[i]) == -1)
			return -1;
	}
	return feed_note(pa->f, off, len, &m);
}

int
feed_pack(struct feed *f, const struct bgp_enc_ctx *ctx,
    const struct bgp_attrs *a, const struct bgp_route *r, size_t n,
    uint64_t *dropped)
{
	struct feed_pack_arg	pa;

	pa.f = f;
	pa.ctx = ctx;
	pa.announce = a != NULL;
	return pack_routes(&f->arena, ctx, a, r, n, feed_pack_cb, &pa,
	    dropped);
}
