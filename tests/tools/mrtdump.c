/*
 * mrtdump: prints an MRT file the way `bgpdump -m` does, one line per
 * announced or withdrawn prefix, state change and RIB entry, using
 * bgpwatch's own MRT reader and UPDATE codec.  tests/check/mrt_bgpdump.sh
 * compares the two outputs line for line.
 *
 *   mrtdump FILE        bgpdump -m lines
 *   mrtdump -c FILE     counts only: records, announcements, withdrawals,
 *                       state changes, RIB entries, errors
 *   mrtdump -q FILE     decode benchmark: reads every record into memory
 *                       first, then decodes them all (records, UPDATEs,
 *                       attributes, NLRI) without printing, and reports
 *                       the decode-only time and prefixes/s on stderr
 *
 * The line formats, as bgpdump 1.6 prints them:
 *   BGP4MP|ts|A|peer|peer_as|prefix|as_path|origin|next_hop|local_pref|
 *	med|communities|AG or NAG|aggregator "AS IP" or empty|
 *   BGP4MP|ts|W|peer|peer_as|prefix
 *   BGP4MP|ts|STATE|peer|peer_as|old|new
 *   TABLE_DUMP|ts|B|... and TABLE_DUMP2|ts|B|... as A lines
 * BGP4MP_ET records print "ts.usec"; ADD-PATH records use the names
 * BGP4MP_AP, BGP4MP_ET_AP, TABLE_DUMP2_AP and put the path id after the
 * prefix; MESSAGE_LOCAL records are BGP4MP_LOCAL(_AP), BGP4MP_ET_LOCAL.
 * The peer is always the record's peer fields.  Withdrawals of an UPDATE
 * come first (IPv4 field, then MP_UNREACH), then announcements (IPv4
 * NLRI with the NEXT_HOP attribute, then MP_REACH with its next hop).
 * Absent LOCAL_PREF and MED print 0, an absent ORIGIN "INCOMPLETE", an
 * absent AS path an empty field, an absent next hop 255.255.255.255
 * (bgpdump's INADDR_NONE).  AG/NAG is ATOMIC_AGGREGATE.  Communities are
 * "AS:value" with no-export, no-advertise and local-AS by name; large and
 * extended communities are not printed (bgpdump -m shows large ones only
 * with -l).  OPEN, NOTIFICATION and KEEPALIVE messages print nothing.
 * IPv4 multicast (SAFI 2, 3) MP routes are printed too, as bgpdump does.
 * UPDATEs that RFC 7606 treats as withdraw are printed as they are (and
 * counted by -c); an UPDATE the codec rejects (session reset) prints
 * nothing and is reported on stderr.
 *
 * Where mrtdump differs from bgpdump 1.6 on purpose (none of these occur
 * in the data set but the first):
 *  - IPv6 text is RFC 5952: bgpdump writes "::" for a single zero group.
 *  - MESSAGE_LOCAL_ADDPATH (10, 11) lines are BGP4MP(_ET)_LOCAL_AP with
 *    the peer fields; bgpdump's direction test misses these subtypes and
 *    prints BGP4MP(_ET)_AP with the local address and AS.
 *  - MED and LOCAL_PREF are unsigned everywhere; bgpdump prints them with
 *    %d on MP_REACH IPv4 lines (3000000000 shows as -1294967296).
 *  - A truncated NLRI field rejects the UPDATE (RFC 7606 5.3); bgpdump
 *    prints the whole prefixes before the cut.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bgpwatch.h"
#include "bgp.h"
#include "buf.h"
#include "mrt.h"
#include "mrtfile.h"
#include "update.h"

enum mode {
	M_PRINT,
	M_COUNT,
	M_QUIET
};

struct counts {
	unsigned long long	records;
	unsigned long long	announce;
	unsigned long long	withdraw;
	unsigned long long	state;
	unsigned long long	rib;
	unsigned long long	errors;
	unsigned long long	skipped;
	unsigned long long	withdraw_act;	/* RFC 7606 treat-as-withdraw */
	unsigned long long	discard_act;	/* RFC 7606 attribute-discard */
};

struct dump {
	enum mode	 mode;
	const char	*path;
	struct counts	 n;
	struct mrt_peer	*peers;		/* last PEER_INDEX_TABLE */
	size_t		 npeers;
	uint8_t		 scratch[BGP_SCRATCH_LEN];
};

/* One line's worth of what every A/B line of an UPDATE or entry shares. */
struct line {
	const char	*fmt;		/* "BGP4MP", "TABLE_DUMP2_AP", ... */
	char		 time[32];
	char		 peer[BW_ADDR_STRLEN];
	uint32_t	 peer_as;
	int		 addpath;
	char		 head[4096 + 16];	/* as_path|origin */
	char		 tail[8192];	/* lp|med|communities|AG|aggregator| */
};

/* The AS path can be ~64 KiB of text at most: 65535-byte UPDATE. */
static char	aspath_text[BGP_MAX_EXT_LEN * 3];

static void
dump_error(struct dump *d, const char *what, const char *why)
{
	d->n.errors++;
	if (d->mode != M_QUIET)
		fprintf(stderr, "mrtdump: %s: record %llu: %s: %s\n", d->path,
		    d->n.records, what, why != NULL ? why : "malformed");
}

/*
 * Counts what RFC 7606 made of an UPDATE.  The lines are printed all the
 * same: bgpdump prints what the message says, whatever it is worth.
 */
static void
rfc7606(struct dump *d, const struct bgp_update *u)
{
	if (u->action == ACT_TREAT_AS_WITHDRAW)
		d->n.withdraw_act++;
	else if (u->action == ACT_ATTR_DISCARD)
		d->n.discard_act++;
}

static const char *
origin_text(const struct bgp_attrs *a)
{
	if (!ATTR_HAS(a, ATTR_ORIGIN))
		return "INCOMPLETE";	/* bgpdump keeps -1 */
	switch (a->origin) {
	case ORIGIN_IGP:
		return "IGP";
	case ORIGIN_EGP:
		return "EGP";
	default:
		return "INCOMPLETE";
	}
}

static void
communities_text(const struct bgp_attrs *a, char *out, size_t outlen)
{
	struct buf b;
	uint32_t c;
	size_t len = 0;
	int n;

	out[0] = '\0';
	if (!ATTR_HAS(a, ATTR_COMMUNITIES))
		return;
	buf_init(&b, a->communities.p, a->communities.len);
	while (buf_get_u32(&b, &c) == 0 && len < outlen) {
		const char *sep = len > 0 ? " " : "";

		if (c == 0xffffff01)
			n = snprintf(out + len, outlen - len, "%sno-export", sep);
		else if (c == 0xffffff02)
			n = snprintf(out + len, outlen - len, "%sno-advertise",
			    sep);
		else if (c == 0xffffff03)
			n = snprintf(out + len, outlen - len, "%slocal-AS", sep);
		else
			n = snprintf(out + len, outlen - len, "%s%u:%u", sep,
			    c >> 16, c & 0xffff);
		if (n < 0)
			break;
		len += (size_t)n;
	}
}

static void
ipv4_text(uint32_t v, char *out, size_t outlen)
{
	snprintf(out, outlen, "%u.%u.%u.%u", v >> 24, (v >> 16) & 0xff,
	    (v >> 8) & 0xff, v & 0xff);
}

/* Fills head and tail of l from a decoded attribute set. */
static void
line_attrs(struct line *l, const struct bgp_attrs *a)
{
	char comm[4096], aggr[64], id[16];
	uint32_t lp, med;

	aspath_text[0] = '\0';
	if (ATTR_HAS(a, ATTR_AS_PATH))
		bgp_aspath_fmt(&a->aspath, aspath_text, sizeof(aspath_text));
	snprintf(l->head, sizeof(l->head), "%s|%s", aspath_text,
	    origin_text(a));
	lp = ATTR_HAS(a, ATTR_LOCAL_PREF) ? a->local_pref : 0;
	med = ATTR_HAS(a, ATTR_MED) ? a->med : 0;
	communities_text(a, comm, sizeof(comm));
	aggr[0] = '\0';
	if (ATTR_HAS(a, ATTR_AGGREGATOR)) {
		ipv4_text(a->aggr_id, id, sizeof(id));
		snprintf(aggr, sizeof(aggr), "%u %s", a->aggr_as, id);
	}
	snprintf(l->tail, sizeof(l->tail), "%u|%u|%s|%s|%s|", lp, med, comm,
	    ATTR_HAS(a, ATTR_ATOMIC_AGGREGATE) ? "AG" : "NAG", aggr);
}

static void
print_a(struct dump *d, const struct line *l, const char *type,
    const struct bw_prefix *pfx, uint32_t path_id, const char *nexthop)
{
	char p[BW_PREFIX_STRLEN], id[16];

	if (d->mode != M_PRINT)
		return;
	id[0] = '\0';
	if (l->addpath)
		snprintf(id, sizeof(id), "%u|", path_id);
	printf("%s|%s|%s|%s|%u|%s|%s%s|%s|%s\n", l->fmt, l->time, type,
	    l->peer, l->peer_as, prefix_fmt(pfx, p, sizeof(p)), id, l->head,
	    nexthop, l->tail);
}

static void
print_w(struct dump *d, const struct line *l, const struct bw_prefix *pfx,
    uint32_t path_id)
{
	char p[BW_PREFIX_STRLEN];

	if (d->mode != M_PRINT)
		return;
	if (l->addpath)
		printf("%s|%s|W|%s|%u|%s|%u\n", l->fmt, l->time, l->peer,
		    l->peer_as, prefix_fmt(pfx, p, sizeof(p)), path_id);
	else
		printf("%s|%s|W|%s|%u|%s\n", l->fmt, l->time, l->peer,
		    l->peer_as, prefix_fmt(pfx, p, sizeof(p)));
}

/* Walks one NLRI field; ann selects A lines (with nexthop) or W lines. */
static int
walk(struct dump *d, const struct line *l, const struct bgp_view *v,
    uint8_t aid, int ann, const char *nexthop)
{
	struct bgp_nlri_iter it;
	struct bw_prefix pfx;
	uint32_t id;
	int rc;

	bgp_nlri_iter_init(&it, v, aid, l->addpath);
	while ((rc = bgp_nlri_next(&it, &pfx, &id)) == 1) {
		if (ann) {
			d->n.announce++;
			print_a(d, l, "A", &pfx, id, nexthop);
		} else {
			d->n.withdraw++;
			print_w(d, l, &pfx, id);
		}
	}
	return rc;
}

static const char *
bgp4mp_fmt(const struct mrt_record *r)
{
	static const char *const names[2][2][2] = {
		{ { "BGP4MP", "BGP4MP_AP" },
		  { "BGP4MP_LOCAL", "BGP4MP_LOCAL_AP" } },
		{ { "BGP4MP_ET", "BGP4MP_ET_AP" },
		  { "BGP4MP_ET_LOCAL", "BGP4MP_ET_LOCAL_AP" } }
	};
	const struct mrt_bgp4mp *m = &r->u.bgp4mp;

	return names[r->hdr.type == MRT_BGP4MP_ET][m->local][m->addpath];
}

static void
line_time(struct line *l, const struct mrt_hdr *h)
{
	if (h->type == MRT_BGP4MP_ET)
		snprintf(l->time, sizeof(l->time), "%u.%06u", h->ts, h->usec);
	else
		snprintf(l->time, sizeof(l->time), "%u", h->ts);
}

/*
 * Finds the first attribute of a code in the block as received (the
 * codec's views cover only what bgpwatch interprets).  Returns 1 with
 * its value in v, else 0.
 */
static int
raw_attr(const struct bgp_attrs *a, uint8_t want, struct buf *v)
{
	struct buf b;
	uint8_t flags, code, l8;
	uint16_t alen;

	buf_init(&b, a->raw.p, a->raw.len);
	while (buf_get_u8(&b, &flags) == 0 && buf_get_u8(&b, &code) == 0) {
		if (flags & ATTR_EXTLEN) {
			if (buf_get_u16(&b, &alen) == -1)
				return 0;
		} else {
			if (buf_get_u8(&b, &l8) == -1)
				return 0;
			alen = l8;
		}
		if (buf_get_sub(&b, alen, v) == -1)
			return 0;
		if (code == want)
			return 1;
	}
	return 0;
}

/*
 * The NEXT_HOP attribute.  The codec's attrs.nexthop holds the MP_REACH
 * next hop when there is one, but bgpdump prints NEXT_HOP on the lines
 * of the IPv4 NLRI field even then.
 */
static void
classic_nexthop(const struct bgp_attrs *a, char *out, size_t len)
{
	struct buf v;
	uint32_t nh;

	if (ATTR_HAS(a, ATTR_NEXT_HOP) && raw_attr(a, ATTR_NEXT_HOP, &v) &&
	    buf_get_u32(&v, &nh) == 0)
		ipv4_text(nh, out, len);
	else
		snprintf(out, len, "255.255.255.255");
}

/*
 * The MP_REACH next hop (the global one of an IPv6 pair): the codec's,
 * or for the families it does not decode, read here from the attribute.
 */
static void
mp_nexthop(const struct bgp_update *u, char *out, size_t len)
{
	struct bw_addr nh;
	struct buf v;
	uint8_t raw[BW_ADDR_MAX], nhlen;

	if (u->reach.aid != AID_UNSPEC && u->attrs.nexthop.aid != AID_UNSPEC) {
		addr_fmt(&u->attrs.nexthop, out, len);
		return;
	}
	snprintf(out, len, "255.255.255.255");
	if (!raw_attr(&u->attrs, ATTR_MP_REACH_NLRI, &v) ||
	    buf_skip(&v, 3) == -1 || buf_get_u8(&v, &nhlen) == -1)
		return;
	if (nhlen == 4 && buf_get_bytes(&v, raw, 4) == 0)
		addr_set(&nh, AID_INET, raw);
	else if ((nhlen == 16 || nhlen == 32) &&
	    buf_get_bytes(&v, raw, 16) == 0)
		addr_set(&nh, AID_INET6, raw);
	else
		return;
	addr_fmt(&nh, out, len);
}

/*
 * The family to print an MP attribute's NLRI as.  bgpdump prints the
 * multicast (2) and unicast+multicast (3) SAFIs like unicast; bgpwatch's
 * codec leaves them undecoded (aid AID_UNSPEC), and their NLRI encoding
 * is the same, so they are walked here as the AFI's unicast.
 */
static uint8_t
mp_aid(const struct bgp_mp *mp)
{
	if (mp->aid != AID_UNSPEC)
		return mp->aid;
	if (mp->safi < 1 || mp->safi > 3)
		return AID_UNSPEC;
	return aid_from_afi(mp->afi, SAFI_UNICAST);
}

static void
message(struct dump *d, const struct mrt_record *r)
{
	const struct mrt_bgp4mp *m = &r->u.bgp4mp;
	struct bgp_dec_ctx ctx;
	struct bgp_update u;
	struct bgp_hdr bh;
	struct bgp_err err;
	struct line l;
	char nh[BW_ADDR_STRLEN];
	uint8_t aid;

	if (bgp_frame(m->msg.p, m->msg.len, BGP_MAX_EXT_LEN, &bh, &err) != 1) {
		dump_error(d, "BGP message", err.reason);
		return;
	}
	if (bh.type != BGP_UPDATE)
		return;
	memset(&ctx, 0, sizeof(ctx));
	ctx.as4 = m->as4;
	ctx.addpath[AID_INET] = ctx.addpath[AID_INET6] = m->addpath;
	ctx.scratch = d->scratch;
	ctx.scratchlen = sizeof(d->scratch);
	if (bgp_update_decode(&ctx, m->msg.p + BGP_HDR_LEN,
	    bh.len - BGP_HDR_LEN, &u) == -1) {
		dump_error(d, "UPDATE", u.err.reason);
		return;
	}
	rfc7606(d, &u);
	l.fmt = bgp4mp_fmt(r);
	l.addpath = m->addpath;
	l.peer_as = m->peer_as;
	line_time(&l, &r->hdr);
	addr_fmt(&m->peer_ip, l.peer, sizeof(l.peer));
	if (d->mode == M_PRINT)
		line_attrs(&l, &u.attrs);
	else
		l.head[0] = l.tail[0] = '\0';

	if (walk(d, &l, &u.withdrawn, AID_INET, 0, NULL) == -1)
		dump_error(d, "withdrawn routes", NULL);
	if (ATTR_HAS(&u.attrs, ATTR_MP_UNREACH_NLRI) &&
	    (aid = mp_aid(&u.unreach)) != AID_UNSPEC &&
	    walk(d, &l, &u.unreach.nlri, aid, 0, NULL) == -1)
		dump_error(d, "MP_UNREACH_NLRI", NULL);
	nh[0] = '\0';
	if (d->mode == M_PRINT)
		classic_nexthop(&u.attrs, nh, sizeof(nh));
	if (walk(d, &l, &u.nlri, AID_INET, 1, nh) == -1)
		dump_error(d, "NLRI", NULL);
	if (ATTR_HAS(&u.attrs, ATTR_MP_REACH_NLRI) &&
	    (aid = mp_aid(&u.reach)) != AID_UNSPEC) {
		if (d->mode == M_PRINT)
			mp_nexthop(&u, nh, sizeof(nh));
		if (walk(d, &l, &u.reach.nlri, aid, 1, nh) == -1)
			dump_error(d, "MP_REACH_NLRI", NULL);
	}
}

static void
state(struct dump *d, const struct mrt_record *r)
{
	const struct mrt_bgp4mp *m = &r->u.bgp4mp;
	struct line l;

	d->n.state++;
	if (d->mode != M_PRINT)
		return;
	line_time(&l, &r->hdr);
	addr_fmt(&m->peer_ip, l.peer, sizeof(l.peer));
	printf("%s|%s|STATE|%s|%u|%u|%u\n",
	    r->hdr.type == MRT_BGP4MP_ET ? "BGP4MP_ET" : "BGP4MP", l.time,
	    l.peer, m->peer_as, m->old_state, m->new_state);
}

static void
peer_index(struct dump *d, const struct mrt_record *r)
{
	struct mrt_peer *p;
	struct buf b;
	size_t i = 0;

	free(d->peers);
	d->npeers = 0;
	if ((d->peers = calloc(r->u.peer_index.count + 1, sizeof(*p))) == NULL) {
		dump_error(d, "PEER_INDEX_TABLE", "out of memory");
		return;
	}
	buf_init(&b, r->u.peer_index.peers.p, r->u.peer_index.peers.len);
	while (i < r->u.peer_index.count && mrt_peer_next(&b, &d->peers[i]) == 1)
		i++;
	d->npeers = i;
}

/* One B line: RIB entry (v2) or TABLE_DUMP route (v1). */
static void
route(struct dump *d, struct line *l, const struct bw_prefix *pfx,
    uint32_t path_id, const struct bgp_view *attrs, int as4, int mrt_rib)
{
	struct bgp_dec_ctx ctx;
	struct bgp_update u;
	char nh[BW_ADDR_STRLEN];

	memset(&ctx, 0, sizeof(ctx));
	ctx.as4 = (uint8_t)as4;
	ctx.mrt_rib = (uint8_t)mrt_rib;
	ctx.scratch = d->scratch;
	ctx.scratchlen = sizeof(d->scratch);
	if (bgp_attrs_decode(&ctx, attrs->p, attrs->len, &u) == -1) {
		dump_error(d, "RIB attributes", u.err.reason);
		return;
	}
	rfc7606(d, &u);
	d->n.rib++;
	if (d->mode != M_PRINT)
		return;
	line_attrs(l, &u.attrs);
	/* bgpdump: an IPv6 MP_REACH next hop if any, else NEXT_HOP. */
	if (u.attrs.nexthop.aid == AID_INET6)
		addr_fmt(&u.attrs.nexthop, nh, sizeof(nh));
	else
		classic_nexthop(&u.attrs, nh, sizeof(nh));
	print_a(d, l, "B", pfx, path_id, nh);
}

static void
rib(struct dump *d, const struct mrt_record *r)
{
	struct mrt_rib_entry e;
	struct line l;
	struct buf b;

	l.fmt = r->u.rib.addpath ? "TABLE_DUMP2_AP" : "TABLE_DUMP2";
	l.addpath = r->u.rib.addpath;
	line_time(&l, &r->hdr);
	buf_init(&b, r->u.rib.entries.p, r->u.rib.entries.len);
	while (mrt_rib_next(&b, r->u.rib.addpath, &e) == 1) {
		if (e.peer_index >= d->npeers) {
			dump_error(d, "RIB entry", "peer index out of range");
			continue;
		}
		addr_fmt(&d->peers[e.peer_index].addr, l.peer, sizeof(l.peer));
		l.peer_as = d->peers[e.peer_index].asn;
		route(d, &l, &r->u.rib.prefix, e.path_id, &e.attrs, 1, 1);
	}
}

static void
td1(struct dump *d, const struct mrt_record *r)
{
	struct line l;

	l.fmt = "TABLE_DUMP";
	l.addpath = 0;
	line_time(&l, &r->hdr);
	addr_fmt(&r->u.td1.peer_ip, l.peer, sizeof(l.peer));
	l.peer_as = r->u.td1.peer_as;
	route(d, &l, &r->u.td1.prefix, 0, &r->u.td1.attrs, 0, 0);
}

static void
record(struct dump *d, const struct mrt_hdr *h, const uint8_t *body)
{
	struct mrt_record r;
	const char *errstr;

	d->n.records++;
	if (mrt_record_decode(h, body, h->len, &r, &errstr) == -1) {
		dump_error(d, "MRT", errstr);
		return;
	}
	switch (r.kind) {
	case MRT_K_MESSAGE:
		message(d, &r);
		break;
	case MRT_K_STATE:
		state(d, &r);
		break;
	case MRT_K_PEER_INDEX:
		peer_index(d, &r);
		break;
	case MRT_K_RIB:
		rib(d, &r);
		break;
	case MRT_K_TD1:
		td1(d, &r);
		break;
	case MRT_K_SKIP:
		d->n.skipped++;
		break;
	}
}

/* Records of a whole file kept in memory, for the decode benchmark. */
struct arena {
	uint8_t		*p;
	size_t		 len;
	size_t		 cap;
};

static int
arena_put(struct arena *a, const struct mrt_hdr *h, const uint8_t *body)
{
	size_t need = (sizeof(*h) + h->len + 7) & ~(size_t)7;
	uint8_t *np;

	if (a->cap - a->len < need) {
		size_t ncap = a->cap ? a->cap : 1 << 20;

		while (ncap - a->len < need)
			ncap *= 2;
		if ((np = realloc(a->p, ncap)) == NULL)
			return -1;
		a->p = np;
		a->cap = ncap;
	}
	memcpy(a->p + a->len, h, sizeof(*h));
	memcpy(a->p + a->len + sizeof(*h), body, h->len);
	a->len += need;		/* the next header stays aligned */
	return 0;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
bench(struct dump *d, struct mrt_file *mf)
{
	struct arena a = { NULL, 0, 0 };
	const struct mrt_hdr *h;
	const uint8_t *body;
	const char *errstr;
	struct mrt_hdr hdr;
	unsigned long long prefixes;
	double t0, t1;
	size_t off;
	int rc;

	while ((rc = mrt_file_next(mf, &hdr, &body, &errstr)) == 1)
		if (arena_put(&a, &hdr, body) == -1) {
			fprintf(stderr, "mrtdump: out of memory\n");
			free(a.p);
			return 1;
		}
	if (rc == -1)
		fprintf(stderr, "mrtdump: %s: %s\n", d->path, errstr);

	t0 = now();
	for (off = 0; off < a.len;
	    off += (sizeof(*h) + h->len + 7) & ~(size_t)7) {
		h = (const struct mrt_hdr *)(const void *)(a.p + off);
		record(d, h, a.p + off + sizeof(*h));
	}
	t1 = now();
	free(a.p);

	prefixes = d->n.announce + d->n.withdraw + d->n.rib;
	fprintf(stderr, "mrtdump: %s: %llu records, %llu prefixes, "
	    "%llu errors, decode %.3f s, rate=%.0f prefixes/s\n", d->path,
	    d->n.records, prefixes, d->n.errors, t1 - t0,
	    t1 > t0 ? (double)prefixes / (t1 - t0) : 0.0);
	return rc == -1 || d->n.errors > 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: mrtdump [-c | -q] file|-\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	static struct dump d;
	struct mrt_file *mf;
	struct mrt_hdr h;
	const uint8_t *body;
	const char *errstr;
	char err[512];
	int ch, rc;

	d.mode = M_PRINT;
	while ((ch = getopt(argc, argv, "cq")) != -1) {
		switch (ch) {
		case 'c':
			d.mode = M_COUNT;
			break;
		case 'q':
			d.mode = M_QUIET;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1)
		usage();
	d.path = argv[optind];
	if ((mf = mrt_file_open(d.path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "mrtdump: %s\n", err);
		return 1;
	}
	if (d.mode == M_QUIET) {
		rc = bench(&d, mf);
		mrt_file_close(mf);
		free(d.peers);
		return rc;
	}
	while ((rc = mrt_file_next(mf, &h, &body, &errstr)) == 1)
		record(&d, &h, body);
	if (rc == -1) {
		d.n.errors++;
		fprintf(stderr, "mrtdump: %s: after record %llu: %s\n", d.path,
		    d.n.records, errstr);
	}
	mrt_file_close(mf);
	free(d.peers);
	if (d.mode == M_COUNT)
		printf("records %llu\nannouncements %llu\nwithdrawals %llu\n"
		    "state changes %llu\nrib entries %llu\nskipped %llu\n"
		    "errors %llu\ntreat-as-withdraw %llu\n"
		    "attribute-discard %llu\n", d.n.records, d.n.announce,
		    d.n.withdraw, d.n.state, d.n.rib, d.n.skipped, d.n.errors,
		    d.n.withdraw_act, d.n.discard_act);
	if (fflush(stdout) == EOF)
		return 1;
	return rc == -1 || d.n.errors > 0;
}
