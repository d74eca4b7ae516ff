/*
 * Synthetic tables: N distinct prefixes with attributes shared the way a
 * full table shares them, the same for the same --seed on any machine
 * (splitmix64, no libc randomness, no floating point that depends on the
 * platform beyond IEEE doubles).
 *
 * The model, documented in docs/bgpfeed.md:
 *  - attribute sets come one after the other, each with a size (how many
 *    prefixes share it) drawn from a Pareto law of shape 1.5 whose mean
 *    is --share (default 20): most sets are small, a few hold thousands,
 *    as big originators and route-server customers do;
 *  - AS_PATH: the local AS, then (length >= 3) a tier-1 AS, then transit
 *    ASes from a pool of 1000 (popular ones more often), then the origin
 *    AS; length 2..8 (mode 4) and 5% of paths prepend the origin 1..3
 *    times; 20% of the ASes are 4-octet ones;
 *  - ORIGIN IGP 85%, INCOMPLETE 12%, EGP 3%; MED on 25% of the sets;
 *    COMMUNITIES (1..6 values) on 60%; LARGE_COMMUNITIES on 5%;
 *    AGGREGATOR on 4% (half of those with ATOMIC_AGGREGATE);
 *  - prefix lengths follow a 2020s table (IPv4: 58% /24, 12% /22, 9%
 *    /23, ...; IPv6: 45% /48, 15% /32, 10% /44, ...) over the routable
 *    space (IPv4 without 0/8, 10/8, 127/8, RFC 1918, link-local and
 *    class D/E; IPv6 in 2000::/3).
 * IPv4 and IPv6 draw from separate streams, so adding --synthetic6 does
 * not change the IPv4 table.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feedtypes.h"

struct rng {
	uint64_t	s;
};

/* Lengths with their weight in per mille. */
struct lenw {
	uint8_t		len;
	uint16_t	w;
};

static const struct lenw v4lens[] = {
	{ 24, 580 }, { 23, 90 }, { 22, 120 }, { 21, 50 }, { 20, 50 },
	{ 19, 35 }, { 18, 20 }, { 17, 15 }, { 16, 30 }, { 15, 5 },
	{ 14, 3 }, { 13, 1 }, { 12, 1 }
};

static const struct lenw v6lens[] = {
	{ 48, 450 }, { 32, 150 }, { 44, 100 }, { 40, 70 }, { 36, 50 },
	{ 29, 40 }, { 46, 40 }, { 47, 30 }, { 42, 20 }, { 33, 20 },
	{ 28, 15 }, { 34, 15 }
};

static const struct lenw pathlens[] = {
	{ 2, 100 }, { 3, 250 }, { 4, 280 }, { 5, 180 }, { 6, 100 },
	{ 7, 60 }, { 8, 30 }
};

static const uint32_t tier1[] = {
	174, 701, 1299, 2914, 3257, 3320, 3356, 3491, 5511, 6453, 6461,
	6762, 6830, 7018, 12956
};

#define NTIER1		(sizeof(tier1) / sizeof(tier1[0]))
#define NTRANSIT	1000
#define PATH_MAX_AS	16

struct synth {
	const struct synth_opts	*o;
	struct feed		*f;
	struct rng		 rng;
	uint64_t		 poolseed;
	uint64_t		 nsets;
	uint64_t		 largest;
	uint64_t		 dropped;
	struct bgp_route	*v;
	size_t			 vcap;
};

static uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
rng_next(struct rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix64(r->s);
}

static double
rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static uint32_t
rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(rng_unit(r) * n);
}

static int
rng_pct(struct rng *r, unsigned pct)
{
	return rng_below(r, 100) < pct;
}

static uint8_t
pick_len(struct rng *r, const struct lenw *t, size_t n)
{
	uint32_t	x = rng_below(r, 1000), acc = 0;
	size_t		i;

	for (i = 0; i < n; i++) {
		acc += t[i].w;
		if (x < acc)
			return t[i].len;
	}
	return t[0].len;
}

/* The AS of pool slot i: 80% 2-octet, 20% 4-octet, never reserved. */
static uint32_t
pool_as(uint64_t seed, uint64_t i)
{
	uint64_t h = mix64(seed ^ mix64(i + 1));

	if (h % 5 == 0)
		return 131072 + (uint32_t)((h >> 8) % 270000);
	return 1 + (uint32_t)((h >> 8) % 64000);
}

static int
v4_routable(const uint8_t *b)
{
	if (b[0] == 0 || b[0] == 10 || b[0] == 127 || b[0] >= 224)
		return 0;
	if ((b[0] == 172 && (b[1] & 0xf0) == 16) ||
	    (b[0] == 192 && b[1] == 168) || (b[0] == 169 && b[1] == 254))
		return 0;
	return 1;
}

static void
draw_prefix(struct rng *r, uint8_t aid, struct bw_prefix *p)
{
	uint8_t		b[16];
	uint64_t	x;

	x = rng_next(r);
	memcpy(b, &x, 8);
	x = rng_next(r);
	memcpy(b + 8, &x, 8);
	if (aid == AID_INET) {
		while (!v4_routable(b))
			b[0] = (uint8_t)rng_next(r);
		prefix_set(p, aid, b, pick_len(r, v4lens,
		    sizeof(v4lens) / sizeof(v4lens[0])));
	} else {
		b[0] = (uint8_t)(0x20 | (b[0] & 0x1f));
		prefix_set(p, aid, b, pick_len(r, v6lens,
		    sizeof(v6lens) / sizeof(v6lens[0])));
	}
}

/* Size of the next attribute set: Pareto, shape 1.5, mean about share. */
static uint64_t
set_size(struct synth *s)
{
	double	xmin = (s->o->share - 0.5) / 3.0, u, x;

	if (xmin < 0.34)
		xmin = 0.34;
	u = 1.0 - rng_unit(&s->rng);
	x = ceil(xmin / pow(u, 1.0 / 1.5));
	if (x > s->o->share * 200)
		x = s->o->share * 200;
	return x < 1 ? 1 : (uint64_t)x;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Writes the AS_PATH segment; returns its length in bytes. */
static size_t
make_path(struct synth *s, uint8_t *p, uint32_t *origin)
{
	struct rng	*r = &s->rng;
	uint32_t	 as[PATH_MAX_AS];
	uint8_t		 len, n = 0, i;
	double		 u;

	len = pick_len(r, pathlens, sizeof(pathlens) / sizeof(pathlens[0]));
	as[n++] = s->o->local_as;
	if (len >= 3) {
		u = rng_unit(r);
		as[n++] = tier1[(size_t)(u * u * NTIER1)];
	}
	while (n < len - 1) {
		u = rng_unit(r);
		as[n++] = pool_as(s->poolseed, (uint64_t)(u * u * NTRANSIT));
	}
	*origin = pool_as(s->poolseed ^ 0x5bd1e995, rng_next(r) %
	    (s->nsets / 2 + 100));
	as[n++] = *origin;
	if (rng_pct(r, 5))
		for (i = (uint8_t)(1 + rng_below(r, 3)); i > 0; i--)
			as[n++] = *origin;
	p[0] = AS_SEQUENCE;
	p[1] = n;
	for (i = 0; i < n; i++)
		put32(p + 2 + 4 * i, as[i]);
	return 2 + 4 * (size_t)n;
}

struct sattrs {
	struct bgp_attrs	a;
	uint8_t			path[2 + 4 * PATH_MAX_AS];
	uint8_t			comm[4 * 6];
	uint8_t			large[12];
};

static void
make_communities(struct synth *s, struct sattrs *sa)
{
	struct rng	*r = &s->rng;
	uint32_t	 n, i, hi;

	n = 1 + rng_below(r, 6);
	for (i = 0; i < n; i++) {
		hi = s->o->local_as <= 0xffff && rng_pct(r, 50) ?
		    s->o->local_as : tier1[rng_below(r, NTIER1)];
		put32(sa->comm + 4 * i, hi << 16 | rng_below(r, 1000));
	}
	sa->a.communities.p = sa->comm;
	sa->a.communities.len = 4 * n;
	sa->a.present |= ATTR_BIT(ATTR_COMMUNITIES);
}

static void
make_attrs(struct synth *s, uint8_t aid, struct sattrs *sa)
{
	struct rng	*r = &s->rng;
	uint32_t	 origin, x = rng_below(r, 100);

	memset(&sa->a, 0, sizeof(sa->a));
	sa->a.present = ATTR_BIT(ATTR_ORIGIN) | ATTR_BIT(ATTR_AS_PATH) |
	    ATTR_BIT(ATTR_NEXT_HOP);
	sa->a.origin = x < 85 ? ORIGIN_IGP : x < 97 ? ORIGIN_INCOMPLETE :
	    ORIGIN_EGP;
	sa->a.aspath.p = sa->path;
	sa->a.aspath.len = (uint32_t)make_path(s, sa->path, &origin);
	sa->a.nexthop = aid == AID_INET ? s->o->nexthop : s->o->nexthop6;
	if (rng_pct(r, 25)) {
		sa->a.present |= ATTR_BIT(ATTR_MED);
		sa->a.med = 10 * rng_below(r, 100);
	}
	if (rng_pct(r, 60))
		make_communities(s, sa);
	if (rng_pct(r, 5)) {
		put32(sa->large, s->o->local_as);
		put32(sa->large + 4, 1);
		put32(sa->large + 8, rng_below(r, 100));
		sa->a.large_communities.p = sa->large;
		sa->a.large_communities.len = 12;
		sa->a.present |= ATTR_BIT(ATTR_LARGE_COMMUNITIES);
	}
	if (rng_pct(r, 4)) {
		sa->a.present |= ATTR_BIT(ATTR_AGGREGATOR);
		sa->a.aggr_as = origin;
		sa->a.aggr_id = 0x0a000000 | (uint32_t)(rng_next(r) & 0xffffff);
		if (rng_pct(r, 50))
			sa->a.present |= ATTR_BIT(ATTR_ATOMIC_AGGREGATE);
	}
}

/* Draws k prefixes not drawn before into s->v. */
static int
draw_set(struct synth *s, uint8_t aid, size_t k)
{
	struct bgp_route	*v;
	size_t			 i;
	int			 rc;

	if (k > s->vcap) {
		if ((v = realloc(s->v, k * sizeof(*v))) == NULL)
			return -1;
		s->v = v;
		s->vcap = k;
	}
	for (i = 0; i < k; i++) {
		memset(&s->v[i], 0, sizeof(s->v[i]));
		do {
			draw_prefix(&s->rng, aid, &s->v[i].pfx);
		} while ((rc = rset_add(&s->f->routes, &s->v[i])) == 0);
		if (rc == -1)
			return -1;
	}
	return 0;
}

static int
synth_family(struct synth *s, uint8_t aid, uint64_t n)
{
	struct bgp_enc_ctx	ec;
	struct sattrs		sa;
	uint64_t		done = 0, k;

	s->rng.s = mix64(s->o->seed ^ (aid == AID_INET ? 0x4049 : 0x6049));
	memset(&ec, 0, sizeof(ec));
	ec.as4 = 1;
	ec.maxlen = s->o->maxlen;
	while (done < n) {
		k = set_size(s);
		if (k > n - done)
			k = n - done;
		make_attrs(s, aid, &sa);
		if (draw_set(s, aid, k) == -1 ||
		    feed_pack(s->f, &ec, &sa.a, s->v, k, &s->dropped) == -1)
			return -1;
		if (k > s->largest)
			s->largest = k;
		s->nsets++;
		done += k;
	}
	return 0;
}

struct feed *
synth_build(const struct synth_opts *o)
{
	struct synth	 s;
	uint64_t	 sets4;

	memset(&s, 0, sizeof(s));
	s.o = o;
	s.poolseed = mix64(o->seed ^ 0x706f6f6c);
	if ((s.f = feed_new("synthetic")) == NULL)
		goto oom;
	if (synth_family(&s, AID_INET, o->n4) == -1)
		goto oom;
	sets4 = s.nsets;
	if (synth_family(&s, AID_INET6, o->n6) == -1)
		goto oom;
	free(s.v);
	if (o->verbose)
		fprintf(stderr, "bgpfeed: synthetic: %llu IPv4 prefixes in "
		    "%llu attribute sets, %llu IPv6 in %llu (mean %.1f "
		    "prefixes per set, largest %llu)\n",
		    (unsigned long long)o->n4, (unsigned long long)sets4,
		    (unsigned long long)o->n6,
		    (unsigned long long)(s.nsets - sets4),
		    s.nsets ? (double)(o->n4 + o->n6) / (double)s.nsets : 0.0,
		    (unsigned long long)s.largest);
	return s.f;

 oom:
	fprintf(stderr, "bgpfeed: synthetic table: out of memory\n");
	free(s.v);
	feed_free(s.f);
	return NULL;
}
