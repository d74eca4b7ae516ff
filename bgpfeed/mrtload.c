/*
 * MRT input: turns a file into one feed per MRT peer (peer address and
 * AS), numbered in order of first appearance.
 *
 * BGP4MP(_ET) UPDATEs received from a peer are kept byte for byte (the
 * sessions forward them untouched when their encoding matches), each
 * decoded once here to count and track its routes and to drop what no
 * receiver would accept (an UPDATE that calls for a session reset).
 * Messages sent by the collector itself (*_LOCAL), other message types
 * and state changes are skipped.
 *
 * RIB dumps (TABLE_DUMP, TABLE_DUMP_V2) hold one route per entry.  They
 * are grouped by peer and identical attribute bytes while reading, and
 * each group becomes UPDATEs packed as full as possible once the file is
 * read, the way a router sends its table: one attribute decode per
 * group, not per route.  A file that mixes updates and RIB records gets
 * the RIB after the updates.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feedtypes.h"
#include "mrt.h"
#include "mrtfile.h"

/* A RIB attribute group: one peer, one family, identical bytes. */
struct group {
	uint64_t	hash;
	uint32_t	feed;
	uint32_t	attroff;
	uint32_t	attrlen;
	uint32_t	nroutes;
	uint8_t		aid;
	uint8_t		as4;		/* TABLE_DUMP has 2-octet paths */
	uint8_t		mrt_rib;	/* TABLE_DUMP_V2 abbreviated MP_REACH */
	uint8_t		addpath;
};

struct gentry {
	uint32_t		group;
	struct bgp_route	r;
};

/* An MRT peer seen so far, selected (feed >= 0) or not (-1). */
struct seen {
	struct bw_addr	ip;
	uint32_t	as;
	int		feed;
};

struct loader {
	const struct mrt_opts	*o;
	struct feed		**feeds;
	size_t			  nfeeds;
	struct seen		 *seen;
	size_t			  nseen;
	size_t			  last;		/* seen[] hit cache */
	struct mrt_peer		 *pit;		/* TABLE_DUMP_V2 peer index */
	size_t			  npit;
	struct group		 *groups;
	size_t			  ngroups;
	size_t			  gcap;
	uint32_t		 *ghash;	/* group index + 1; 0: empty */
	size_t			  ghcap;
	struct bytes		  attrs;
	struct gentry		 *ents;
	size_t			  nents;
	size_t			  ecap;
	uint64_t		  nlocal, nother, nstate, nbad, ndropped;
	uint8_t			  scratch[BGP_SCRATCH_LEN];
};

static void *
grow(void *v, size_t *cap, size_t need, size_t elem)
{
	size_t	 n = *cap ? *cap : 64;
	void	*p;

	if (need <= *cap)
		return v;
	while (n < need)
		n *= 2;
	if ((p = realloc(v, n * elem)) == NULL)
		return NULL;
	*cap = n;
	return p;
}

static int
peer_match(const struct mrt_opts *o, const struct bw_addr *ip, uint32_t as)
{
	if (o->peer.aid != AID_UNSPEC && memcmp(&o->peer, ip,
	    sizeof(*ip)) != 0)
		return 0;
	return o->peer_as == 0 || o->peer_as == as;
}

static int
feed_create(struct loader *l, const struct bw_addr *ip, uint32_t as)
{
	struct feed	**v;
	struct feed	 *f;
	char		  a[BW_ADDR_STRLEN], name[80];

	snprintf(name, sizeof(name), "%s AS%u", addr_fmt(ip, a, sizeof(a)),
	    as);
	if ((v = realloc(l->feeds, (l->nfeeds + 1) * sizeof(*v))) == NULL)
		return -1;
	l->feeds = v;
	if ((f = feed_new(name)) == NULL)
		return -1;
	f->peer_ip = *ip;
	f->peer_as = as;
	l->feeds[l->nfeeds] = f;
	return (int)l->nfeeds++;
}

/* The feed of an MRT peer: >= 0, -1 not selected, -2 out of memory. */
static int
feed_of(struct loader *l, const struct bw_addr *ip, uint32_t as)
{
	struct seen	*s;
	size_t		 i, cap;
	int		 fi = -1;

	if (l->nseen > 0 && l->seen[l->last].as == as &&
	    memcmp(&l->seen[l->last].ip, ip, sizeof(*ip)) == 0)
		return l->seen[l->last].feed;
	for (i = 0; i < l->nseen; i++)
		if (l->seen[i].as == as &&
		    memcmp(&l->seen[i].ip, ip, sizeof(*ip)) == 0) {
			l->last = i;
			return l->seen[i].feed;
		}
	cap = l->nseen;
	if ((s = realloc(l->seen, (cap + 1) * sizeof(*s))) == NULL)
		return -2;
	l->seen = s;
	/* AS 0: the collector's own routes, nobody to speak for. */
	if (as != 0 && peer_match(l->o, ip, as) &&
	    (fi = feed_create(l, ip, as)) < 0)
		return -2;
	s[l->nseen].ip = *ip;
	s[l->nseen].as = as;
	s[l->nseen].feed = fi;
	l->last = l->nseen++;
	return fi;
}

/* Counts and tracks the routes of one NLRI field. */
static int
track(struct feed *f, const struct bgp_view *v, uint8_t aid, int addpath,
    int announce, uint32_t *count)
{
	struct bgp_nlri_iter	it;
	struct bgp_route	r;

	if (aid == AID_UNSPEC)
		return 0;
	memset(&r, 0, sizeof(r));
	bgp_nlri_iter_init(&it, v, aid, addpath);
	while (bgp_nlri_next(&it, &r.pfx, &r.path_id) == 1) {
		(*count)++;
		if (!announce)
			rset_del(&f->routes, &r);
		else if (rset_add(&f->routes, &r) == -1)
			return -1;
	}
	return 0;
}

/* The families an UPDATE touches, and whether it has others. */
static void
msg_families(const struct bgp_update *u, struct fmsg *m)
{
	if (u->withdrawn.len > 0 || u->nlri.len > 0)
		m->aids |= AIDBIT(AID_INET);
	if (ATTR_HAS(&u->attrs, ATTR_MP_REACH_NLRI)) {
		if (u->reach.aid != AID_UNSPEC)
			m->aids |= AIDBIT(u->reach.aid);
		else
			m->other = 1;
	}
	if (ATTR_HAS(&u->attrs, ATTR_MP_UNREACH_NLRI)) {
		if (u->unreach.aid != AID_UNSPEC)
			m->aids |= AIDBIT(u->unreach.aid);
		else
			m->other = 1;
	}
	m->asdep = (u->attrs.present & ~ATTR_BIT(ATTR_MP_UNREACH_NLRI)) != 0 ||
	    u->attrs.n_unknown > 0;
}

static int
msg_track(struct feed *f, const struct bgp_update *u, int ap, struct fmsg *m)
{
	int	ann = u->action != ACT_TREAT_AS_WITHDRAW;

	if (track(f, &u->withdrawn, AID_INET, ap, 0, &m->nwd) == -1 ||
	    (ATTR_HAS(&u->attrs, ATTR_MP_UNREACH_NLRI) &&
	    track(f, &u->unreach.nlri, u->unreach.aid, ap, 0, &m->nwd) == -1))
		return -1;
	if (track(f, &u->nlri, AID_INET, ap, ann,
	    ann ? &m->nann : &m->nwd) == -1 ||
	    (ATTR_HAS(&u->attrs, ATTR_MP_REACH_NLRI) &&
	    track(f, &u->reach.nlri, u->reach.aid, ap, ann,
	    ann ? &m->nann : &m->nwd) == -1))
		return -1;
	return 0;
}

static int
load_bgp4mp(struct loader *l, const struct mrt_bgp4mp *b)
{
	struct bgp_dec_ctx	dc;
	struct bgp_update	u;
	struct fmsg		m;
	struct feed		*f;
	int			fi;

	if (b->local) {
		l->nlocal++;
		return 0;
	}
	if (b->msg.len < BGP_HDR_LEN || b->msg.p[18] != BGP_UPDATE) {
		l->nother++;
		return 0;
	}
	if ((fi = feed_of(l, &b->peer_ip, b->peer_as)) < 0)
		return fi == -1 ? 0 : -1;
	f = l->feeds[fi];

	memset(&dc, 0, sizeof(dc));
	dc.as4 = b->as4;
	dc.addpath[AID_INET] = dc.addpath[AID_INET6] = b->addpath;
	dc.scratch = l->scratch;
	dc.scratchlen = sizeof(l->scratch);
	if (bgp_update_decode(&dc, b->msg.p + BGP_HDR_LEN,
	    b->msg.len - BGP_HDR_LEN, &u) == -1) {
		if (l->o->verbose || f->skipped == 0)
			fprintf(stderr, "bgpfeed: %s: UPDATE skipped, a "
			    "receiver would reset the session: %s\n", f->name,
			    u.err.reason ? u.err.reason : "malformed");
		f->skipped++;
		return 0;
	}
	memset(&m, 0, sizeof(m));
	m.as4 = b->as4;
	msg_families(&u, &m);
	m.addpath = b->addpath ? m.aids : 0;
	if (msg_track(f, &u, b->addpath, &m) == -1)
		return -1;
	return feed_add(f, b->msg.p, b->msg.len, &m);
}

static uint64_t
group_hash(const uint8_t *p, size_t len, uint64_t seed)
{
	uint64_t	h = 0xcbf29ce484222325ULL ^ seed;
	size_t		i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

static int
group_eq(const struct loader *l, const struct group *g, const struct group *k,
    const uint8_t *attrs)
{
	return g->hash == k->hash && g->feed == k->feed && g->aid == k->aid &&
	    g->as4 == k->as4 && g->mrt_rib == k->mrt_rib &&
	    g->addpath == k->addpath && g->attrlen == k->attrlen &&
	    memcmp(l->attrs.p + g->attroff, attrs, k->attrlen) == 0;
}

static int
ghash_grow(struct loader *l)
{
	size_t		 cap = l->ghcap ? l->ghcap * 2 : 4096, i, j;
	uint32_t	*h;

	if ((h = calloc(cap, sizeof(*h))) == NULL)
		return -1;
	for (i = 0; i < l->ngroups; i++) {
		for (j = l->groups[i].hash & (cap - 1); h[j] != 0;
		    j = (j + 1) & (cap - 1))
			;
		h[j] = (uint32_t)i + 1;
	}
	free(l->ghash);
	l->ghash = h;
	l->ghcap = cap;
	return 0;
}

/* Index of the group with k's key and these attribute bytes, or -1. */
static int64_t
group_get(struct loader *l, struct group *k, const uint8_t *attrs)
{
	size_t	j, mask;

	k->hash = group_hash(attrs, k->attrlen, (uint64_t)k->feed << 24 |
	    (uint64_t)k->aid << 16 | k->as4 << 8 | k->mrt_rib << 4 |
	    k->addpath);
	if (2 * (l->ngroups + 1) > l->ghcap && ghash_grow(l) == -1)
		return -1;
	mask = l->ghcap - 1;
	for (j = k->hash & mask; l->ghash[j] != 0; j = (j + 1) & mask)
		if (group_eq(l, &l->groups[l->ghash[j] - 1], k, attrs))
			return l->ghash[j] - 1;
	if ((l->groups = grow(l->groups, &l->gcap, l->ngroups + 1,
	    sizeof(*l->groups))) == NULL ||
	    bytes_reserve(&l->attrs, k->attrlen) == -1)
		return -1;
	k->attroff = (uint32_t)l->attrs.len;
	memcpy(l->attrs.p + l->attrs.len, attrs, k->attrlen);
	l->attrs.len += k->attrlen;
	l->groups[l->ngroups] = *k;
	l->ghash[j] = (uint32_t)++l->ngroups;
	return (int64_t)l->ngroups - 1;
}

/* Files one RIB route under its peer's attribute group. */
static int
rib_add(struct loader *l, const struct bw_addr *ip, uint32_t as,
    struct group *k, const struct bgp_view *attrs, const struct bgp_route *r)
{
	int64_t	gi;
	int	fi;

	if ((fi = feed_of(l, ip, as)) < 0)
		return fi == -1 ? 0 : -1;
	k->feed = (uint32_t)fi;
	k->attrlen = attrs->len;
	if ((gi = group_get(l, k, attrs->p)) < 0)
		return -1;
	if ((l->ents = grow(l->ents, &l->ecap, l->nents + 1,
	    sizeof(*l->ents))) == NULL)
		return -1;
	l->ents[l->nents].group = (uint32_t)gi;
	l->ents[l->nents++].r = *r;
	l->groups[gi].nroutes++;
	return 0;
}

static int
load_td1(struct loader *l, const struct mrt_td1 *t)
{
	struct group		k;
	struct bgp_route	r;

	memset(&k, 0, sizeof(k));
	memset(&r, 0, sizeof(r));
	k.aid = t->prefix.aid;
	r.pfx = t->prefix;
	return rib_add(l, &t->peer_ip, t->peer_as, &k, &t->attrs, &r);
}

static int
load_peer_index(struct loader *l, const struct mrt_peer_index *pi)
{
	struct buf	b;
	struct mrt_peer	p;
	size_t		cap = 0;
	int		rc;

	free(l->pit);
	l->pit = NULL;
	l->npit = 0;
	buf_init(&b, pi->peers.p, pi->peers.len);
	while ((rc = mrt_peer_next(&b, &p)) == 1) {
		if ((l->pit = grow(l->pit, &cap, l->npit + 1,
		    sizeof(*l->pit))) == NULL)
			return -1;
		l->pit[l->npit++] = p;
	}
	if (rc == -1)
		fprintf(stderr, "bgpfeed: %s: malformed peer index table\n",
		    l->o->path);
	return 0;
}

static int
load_td2_rib(struct loader *l, const struct mrt_rib *rib)
{
	struct buf		b;
	struct mrt_rib_entry	e;
	struct group		k;
	struct bgp_route	r;
	int			rc;

	buf_init(&b, rib->entries.p, rib->entries.len);
	while ((rc = mrt_rib_next(&b, rib->addpath, &e)) == 1) {
		if (e.peer_index >= l->npit) {
			l->nbad++;
			continue;
		}
		memset(&k, 0, sizeof(k));
		memset(&r, 0, sizeof(r));
		k.aid = rib->prefix.aid;
		k.as4 = k.mrt_rib = 1;
		k.addpath = rib->addpath;
		r.pfx = rib->prefix;
		r.path_id = e.path_id;
		if (rib_add(l, &l->pit[e.peer_index].addr,
		    l->pit[e.peer_index].asn, &k, &e.attrs, &r) == -1)
			return -1;
	}
	if (rc == -1)
		l->nbad++;
	return 0;
}

static int
load_record(struct loader *l, const struct mrt_hdr *h, const uint8_t *body)
{
	struct mrt_record	 r;
	const char		*errstr;

	if (mrt_record_decode(h, body, h->len, &r, &errstr) == -1) {
		if (l->o->verbose || l->nbad == 0)
			fprintf(stderr, "bgpfeed: %s: record skipped: %s\n",
			    l->o->path, errstr);
		l->nbad++;
		return 0;
	}
	switch (r.kind) {
	case MRT_K_MESSAGE:
		return load_bgp4mp(l, &r.u.bgp4mp);
	case MRT_K_STATE:
		l->nstate++;
		return 0;
	case MRT_K_PEER_INDEX:
		return load_peer_index(l, &r.u.peer_index);
	case MRT_K_RIB:
		return load_td2_rib(l, &r.u.rib);
	case MRT_K_TD1:
		return load_td1(l, &r.u.td1);
	default:
		l->nother++;
		return 0;
	}
}

/* Sorts the RIB entries by group (counting sort, stable). */
static struct bgp_route *
rib_sorted(struct loader *l, size_t *first)
{
	struct bgp_route	*v;
	size_t			 i, sum = 0;

	if ((v = malloc((l->nents + 1) * sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < l->ngroups; i++) {
		first[i] = sum;
		sum += l->groups[i].nroutes;
	}
	for (i = 0; i < l->nents; i++)
		v[first[l->ents[i].group]++] = l->ents[i].r;
	for (i = 0; i < l->ngroups; i++)
		first[i] -= l->groups[i].nroutes;
	return v;
}

/*
 * Some dumps leave the next hop out (IPv6 entries without MP_REACH, a
 * router's own routes): the MRT peer's address stands in, IPv4-mapped
 * for IPv6 routes of an IPv4 peer.  Returns 0, or -1 if none fits.
 */
static int
rib_nexthop(const struct feed *f, uint8_t aid, struct bgp_attrs *a)
{
	uint8_t	b[16];

	if (a->nexthop.aid == aid)
		return 0;
	a->nexthop_ll.aid = AID_UNSPEC;
	if (f->peer_ip.aid == aid) {
		a->nexthop = f->peer_ip;
		return 0;
	}
	if (aid != AID_INET6)
		return -1;
	memset(b, 0, sizeof(b));
	b[10] = b[11] = 0xff;
	memcpy(b + 12, f->peer_ip.b, 4);
	addr_set(&a->nexthop, AID_INET6, b);
	return 0;
}

static int
rib_pack_group(struct loader *l, const struct group *g,
    const struct bgp_route *r)
{
	struct bgp_dec_ctx	dc;
	struct bgp_enc_ctx	ec;
	struct bgp_update	u;
	struct feed		*f = l->feeds[g->feed];

	memset(&dc, 0, sizeof(dc));
	dc.as4 = g->as4;
	dc.mrt_rib = g->mrt_rib;
	dc.scratch = l->scratch;
	dc.scratchlen = sizeof(l->scratch);
	if (bgp_attrs_decode(&dc, l->attrs.p + g->attroff, g->attrlen,
	    &u) == -1 || u.action == ACT_TREAT_AS_WITHDRAW) {
		f->skipped += g->nroutes;
		return 0;
	}
	if (rib_nexthop(f, g->aid, &u.attrs) == -1) {
		f->skipped += g->nroutes;
		return 0;
	}
	memset(&ec, 0, sizeof(ec));
	ec.as4 = 1;
	ec.addpath[g->aid] = g->addpath;
	ec.maxlen = l->o->maxlen;
	return feed_pack(f, &ec, &u.attrs, r, g->nroutes, &l->ndropped);
}

static int
rib_pack(struct loader *l)
{
	struct bgp_route	*v;
	size_t			*first, i;
	int			 rc = 0;

	if (l->ngroups == 0)
		return 0;
	if ((first = calloc(l->ngroups, sizeof(*first))) == NULL)
		return -1;
	if ((v = rib_sorted(l, first)) == NULL) {
		free(first);
		return -1;
	}
	for (i = 0; i < l->ngroups && rc == 0; i++)
		rc = rib_pack_group(l, &l->groups[i], v + first[i]);
	free(v);
	free(first);
	return rc;
}

static void
loader_free(struct loader *l)
{
	free(l->seen);
	free(l->pit);
	free(l->groups);
	free(l->ghash);
	bytes_free(&l->attrs);
	free(l->ents);
	free(l);
}

static void
loader_report(const struct loader *l)
{
	if (!l->o->verbose)
		return;
	fprintf(stderr, "bgpfeed: %s: %zu peers selected of %zu; skipped "
	    "%llu sent by the collector, %llu not UPDATEs, %llu state "
	    "changes, %llu malformed; %zu RIB attribute groups; %llu "
	    "routes too big for a message\n", l->o->path, l->nfeeds, l->nseen,
	    (unsigned long long)l->nlocal, (unsigned long long)l->nother,
	    (unsigned long long)l->nstate, (unsigned long long)l->nbad,
	    l->ngroups, (unsigned long long)l->ndropped);
}

int
mrt_load(const struct mrt_opts *o, struct feed ***feeds)
{
	struct loader		*l;
	struct mrt_file		*mf;
	struct mrt_hdr		 h;
	const uint8_t		*body;
	const char		*errstr = NULL;
	char			 err[256];
	int			 rc, n;

	if ((mf = mrt_file_open(o->path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "bgpfeed: %s\n", err);
		return -1;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL)
		goto oom;
	l->o = o;
	while ((rc = mrt_file_next(mf, &h, &body, &errstr)) == 1)
		if (load_record(l, &h, body) == -1)
			goto oom;
	if (rc == -1)
		fprintf(stderr, "bgpfeed: %s: %s (replaying what came "
		    "before)\n", o->path, errstr);
	mrt_file_close(mf);
	mf = NULL;
	if (rib_pack(l) == -1)
		goto oom;
	loader_report(l);
	*feeds = l->feeds;
	n = (int)l->nfeeds;
	loader_free(l);
	return n;

 oom:
	fprintf(stderr, "bgpfeed: %s: out of memory\n", o->path);
	mrt_file_close(mf);
	if (l != NULL) {
		while (l->nfeeds > 0)
			feed_free(l->feeds[--l->nfeeds]);
		free(l->feeds);
		loader_free(l);
	}
	return -1;
}
