/*
 * bgpfeed: load generator and MRT replayer for bgpwatch (and any BGP
 * speaker).  See docs/bgpfeed.md.
 *
 * main() turns the options into feeds (mrtload.c reads an MRT file into
 * one feed per MRT peer, synth.c generates a table), prepares each
 * feed's image for the encoding its sessions are expected to negotiate
 * (image.c) so that nothing but writing is left once connected, then
 * hands a list of sessions (feed, source address, AS) to session.c.
 * Everything is prepared before the first connect: the measured send
 * time is the network's and the receiver's, not ours.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feedtypes.h"
#include "version.h"

#define DEFAULT_SYNTH_AS	65001
#define MRT_SRC_BASE		"127.0.1.1"
#define SYNTH_SRC_BASE		"127.0.2.1"

struct options {
	const char	*mrt;
	struct bw_addr	 peer;
	uint32_t	 peer_as;
	uint64_t	 n4, n6, seed;
	double		 share;
	long		 sources;	/* 0: not given */
	uint32_t	 local_as;	/* 0: default */
	struct bw_addr	 bind;
	struct bw_addr	 nexthop, nexthop6;
	int		 list_peers;
	struct sess_opts s;
	struct sockaddr_storage dst;
	char		 host[300];
};

enum {
	O_MRT = 256, O_PEER, O_PEER_AS, O_SYNTH, O_SYNTH6, O_SEED, O_SHARE,
	O_SOURCES, O_LOCAL_AS, O_REMOTE_AS, O_BIND, O_HOLD, O_HOLDTIME,
	O_WITHDRAW, O_ROUTER_ID, O_ADDPATH, O_AS2, O_EXTMSG, O_NEXTHOP,
	O_NEXTHOP6, O_LIST, O_QUIET, O_TIMING, O_GR
};

static const struct option longopts[] = {
	{ "mrt", required_argument, NULL, O_MRT },
	{ "peer", required_argument, NULL, O_PEER },
	{ "peer-as", required_argument, NULL, O_PEER_AS },
	{ "synthetic", required_argument, NULL, O_SYNTH },
	{ "synthetic6", required_argument, NULL, O_SYNTH6 },
	{ "seed", required_argument, NULL, O_SEED },
	{ "share", required_argument, NULL, O_SHARE },
	{ "sources", required_argument, NULL, O_SOURCES },
	{ "local-as", required_argument, NULL, O_LOCAL_AS },
	{ "remote-as", required_argument, NULL, O_REMOTE_AS },
	{ "bind", required_argument, NULL, O_BIND },
	{ "hold", required_argument, NULL, O_HOLD },
	{ "hold-time", required_argument, NULL, O_HOLDTIME },
	{ "graceful-restart", required_argument, NULL, O_GR },
	{ "withdraw-after", required_argument, NULL, O_WITHDRAW },
	{ "router-id", required_argument, NULL, O_ROUTER_ID },
	{ "add-path", no_argument, NULL, O_ADDPATH },
	{ "as2", no_argument, NULL, O_AS2 },
	{ "ext-msg", no_argument, NULL, O_EXTMSG },
	{ "next-hop", required_argument, NULL, O_NEXTHOP },
	{ "next-hop6", required_argument, NULL, O_NEXTHOP6 },
	{ "list-peers", no_argument, NULL, O_LIST },
	{ "quiet", no_argument, NULL, O_QUIET },
	{ "timing", no_argument, NULL, O_TIMING },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: bgpfeed [options] HOST[:PORT]\n"
	    "       bgpfeed -h | -V\n"
	    "  feed (one of):\n"
	    "    --mrt FILE            replay an MRT file (gz, bz2, plain)\n"
	    "    --synthetic N         N generated IPv4 prefixes\n"
	    "    --synthetic6 N        N generated IPv6 prefixes\n"
	    "  MRT:  --peer ADDR, --peer-as N (select one MRT peer), "
	    "--list-peers\n"
	    "  synthetic: --seed N (1), --share R (20 prefixes per "
	    "attribute set),\n"
	    "        --next-hop ADDR, --next-hop6 ADDR\n"
	    "  sessions: --sources K, --bind ADDR, --local-as N, "
	    "--remote-as N,\n"
	    "        --router-id ID, --hold SECONDS|forever (0), "
	    "--hold-time SECONDS (90),\n"
	    "        --graceful-restart SECONDS,\n"
	    "        --withdraw-after SECONDS, --add-path, --as2, "
	    "--ext-msg\n"
	    "  output: --quiet, --timing, -v/--verbose\n"
	    "see docs/bgpfeed.md\n");
}

static int
bad(const char *opt, const char *arg, const char *why)
{
	fprintf(stderr, "bgpfeed: %s %s: %s\n", opt, arg, why);
	return -1;
}

static int
parse_u64(const char *opt, const char *s, uint64_t max, uint64_t *v)
{
	char			*end;
	unsigned long long	 x;

	errno = 0;
	x = strtoull(s, &end, 10);
	if (*s == '\0' || *s == '-' || *end != '\0' || errno != 0 || x > max)
		return bad(opt, s, "not a number in range");
	*v = x;
	return 0;
}

static int
parse_u32(const char *opt, const char *s, uint32_t max, uint32_t *v)
{
	uint64_t	x;

	if (parse_u64(opt, s, max, &x) == -1)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

static int
parse_as(const char *opt, const char *s, uint32_t *v)
{
	if (parse_u32(opt, s, UINT32_MAX, v) == -1)
		return -1;
	if (*v == 0)
		return bad(opt, s, "AS 0 is reserved");
	return 0;
}

/* Seconds, fractions allowed; "forever" (or "inf") gives -1. */
static int
parse_secs(const char *opt, const char *s, double *v)
{
	char	*end;

	if (strcmp(s, "forever") == 0 || strcmp(s, "inf") == 0) {
		*v = -1;
		return 0;
	}
	*v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || !(*v >= 0) || *v > 1e7)
		return bad(opt, s, "not a number of seconds");
	return 0;
}

static int
parse_addr(const char *opt, const char *s, struct bw_addr *a)
{
	if (addr_parse(s, a) == -1)
		return bad(opt, s, "not an IPv4 or IPv6 address");
	return 0;
}

static int
parse_opt(struct options *o, int c, const char *arg)
{
	struct bw_addr	a;
	uint64_t	x;

	switch (c) {
	case O_MRT:
		o->mrt = arg;
		return 0;
	case O_PEER:
		return parse_addr("--peer", arg, &o->peer);
	case O_PEER_AS:
		return parse_as("--peer-as", arg, &o->peer_as);
	case O_SYNTH:
		return parse_u64("--synthetic", arg, 50000000, &o->n4);
	case O_SYNTH6:
		return parse_u64("--synthetic6", arg, 50000000, &o->n6);
	case O_SEED:
		return parse_u64("--seed", arg, UINT64_MAX, &o->seed);
	case O_SHARE:
		if (parse_u64("--share", arg, 100000, &x) == -1 || x == 0)
			return bad("--share", arg, "must be 1..100000");
		o->share = (double)x;
		return 0;
	case O_SOURCES:
		if (parse_u64("--sources", arg, 4096, &x) == -1 || x == 0)
			return bad("--sources", arg, "must be 1..4096");
		o->sources = (long)x;
		return 0;
	case O_LOCAL_AS:
		return parse_as("--local-as", arg, &o->local_as);
	case O_REMOTE_AS:
		return parse_as("--remote-as", arg, &o->s.remote_as);
	case O_BIND:
		return parse_addr("--bind", arg, &o->bind);
	case O_HOLD:
		return parse_secs("--hold", arg, &o->s.hold);
	case O_HOLDTIME:
		if (parse_u64("--hold-time", arg, UINT16_MAX, &x) == -1 ||
		    (x > 0 && x < BGP_HOLD_MIN))
			return bad("--hold-time", arg, "must be 0 or 3..65535");
		o->s.holdtime = (uint16_t)x;
		return 0;
	case O_GR:
		if (parse_u64("--graceful-restart", arg, 4095, &x) == -1 ||
		    x == 0)
			return bad("--graceful-restart", arg, "must be 1..4095");
		o->s.gr_time = (uint16_t)x;
		return 0;
	case O_WITHDRAW:
		if (parse_secs("--withdraw-after", arg,
		    &o->s.withdraw_after) == -1 || o->s.withdraw_after < 0)
			return bad("--withdraw-after", arg, "needs seconds");
		return 0;
	case O_ROUTER_ID:
		if (addr_parse(arg, &a) == -1 || a.aid != AID_INET ||
		    get_u32(a.b) == 0)
			return bad("--router-id", arg, "not a non-zero IPv4 "
			    "address");
		o->s.router_id = get_u32(a.b);
		return 0;
	case O_NEXTHOP:
		if (parse_addr("--next-hop", arg, &o->nexthop) == -1)
			return -1;
		if (o->nexthop.aid != AID_INET)
			return bad("--next-hop", arg, "not an IPv4 address");
		return 0;
	case O_NEXTHOP6:
		if (parse_addr("--next-hop6", arg, &o->nexthop6) == -1)
			return -1;
		if (o->nexthop6.aid != AID_INET6)
			return bad("--next-hop6", arg, "not an IPv6 address");
		return 0;
	}
	return 1;
}

static int
parse_flag(struct options *o, int c)
{
	switch (c) {
	case O_ADDPATH:
		o->s.add_path = 1;
		break;
	case O_AS2:
		o->s.as2 = 1;
		break;
	case O_EXTMSG:
		o->s.ext_msg = 1;
		break;
	case O_LIST:
		o->list_peers = 1;
		break;
	case O_QUIET:
		o->s.quiet = 1;
		break;
	case O_TIMING:
		o->s.timing = 1;
		break;
	case 'v':
		o->s.verbose++;
		break;
	default:
		return -1;
	}
	return 0;
}

/* Splits HOST[:PORT] ("[v6]:port" and bare IPv6 too) and resolves it. */
static int
parse_host(struct options *o, const char *arg)
{
	struct addrinfo	 hints, *res;
	char		 host[256], *port = NULL, *p;
	int		 rc;

	snprintf(host, sizeof(host), "%s", arg);
	if (host[0] == '[' && (p = strchr(host, ']')) != NULL) {
		*p = '\0';
		memmove(host, host + 1, strlen(host + 1) + 1);
		if (p[1] == ':')
			port = p + 2;	/* only the host moved */
	} else if ((p = strchr(host, ':')) != NULL && strchr(p + 1,
	    ':') == NULL) {
		*p = '\0';
		port = p + 1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port ? port : "179", &hints, &res)) != 0) {
		fprintf(stderr, "bgpfeed: %s: %s\n", arg, gai_strerror(rc));
		return -1;
	}
	memcpy(&o->dst, res->ai_addr, res->ai_addrlen);
	o->s.dstlen = res->ai_addrlen;
	freeaddrinfo(res);
	snprintf(o->host, sizeof(o->host), "%s", arg);
	o->s.host = o->host;
	o->s.dst = &o->dst;
	return 0;
}

static int
parse_args(struct options *o, int argc, char **argv)
{
	int	c, rc;

	memset(o, 0, sizeof(*o));
	o->seed = 1;
	o->share = 20;
	o->s.holdtime = 90;
	o->s.withdraw_after = -1;
	while ((c = getopt_long(argc, argv, "hvV", longopts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			exit(0);
		}
		if (c == 'V') {
			bgpwatch_print_version("bgpfeed");
			exit(0);
		}
		if ((rc = parse_opt(o, c, optarg)) == -1)
			return -1;
		if (rc == 1 && parse_flag(o, c) == -1) {
			usage(stderr);
			return -1;
		}
	}
	if ((o->mrt != NULL) == (o->n4 + o->n6 > 0)) {
		fprintf(stderr, "bgpfeed: give either --mrt FILE or "
		    "--synthetic/--synthetic6 N\n");
		return -1;
	}
	if (o->list_peers)
		return o->mrt ? 0 : bad("--list-peers", "", "needs --mrt");
	if (optind != argc - 1) {
		usage(stderr);
		return -1;
	}
	return parse_host(o, argv[optind]);
}

/* a + i, counting in the last four bytes. */
static void
addr_add(struct bw_addr *a, uint32_t i)
{
	size_t		off = a->aid == AID_INET ? 0 : 12;
	uint32_t	v = get_u32(a->b + off) + i;

	a->b[off] = (uint8_t)(v >> 24);
	a->b[off + 1] = (uint8_t)(v >> 16);
	a->b[off + 2] = (uint8_t)(v >> 8);
	a->b[off + 3] = (uint8_t)v;
}

static int
dst_is_loopback4(const struct options *o)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&o->dst;

	return o->dst.ss_family == AF_INET &&
	    (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
}

/* Source address of session i: --bind counting up, else base + i. */
static int
source_of(const struct options *o, const char *base, size_t i, size_t n,
    struct bw_addr *src)
{
	memset(src, 0, sizeof(*src));
	if (o->bind.aid != AID_UNSPEC)
		*src = o->bind;
	else if (dst_is_loopback4(o))
		addr_parse(base, src);
	else if (n > 1) {
		fprintf(stderr, "bgpfeed: %s is not in 127.0.0.0/8: give "
		    "several sessions their first source with --bind\n",
		    o->host);
		return -1;
	} else
		return 0;		/* the kernel picks */
	addr_add(src, (uint32_t)i);
	return 0;
}

static int
check_as(const struct options *o, uint32_t as)
{
	if (o->s.as2 && as > UINT16_MAX) {
		fprintf(stderr, "bgpfeed: --as2: AS%u does not fit 2 octets "
		    "(use --local-as)\n", as);
		return -1;
	}
	return 0;
}

/* Lays out the sessions: which feed, from where, as which AS. */
static struct sess_spec *
plan_sessions(const struct options *o, struct feed **feeds, size_t nfeeds,
    size_t *nout)
{
	struct sess_spec	*v;
	const char		*base = o->mrt ? MRT_SRC_BASE : SYNTH_SRC_BASE;
	size_t			 n, i;

	if (nfeeds > 1 && o->sources > 0) {
		fprintf(stderr, "bgpfeed: --sources needs one feed, the file "
		    "has %zu MRT peers: select one with --peer\n", nfeeds);
		return NULL;
	}
	if (o->sources > 0)
		base = SYNTH_SRC_BASE;
	n = o->sources > 0 ? (size_t)o->sources : nfeeds;
	if ((v = calloc(n, sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		v[i].feed = feeds[nfeeds > 1 ? i : 0];
		v[i].local_as = o->local_as ? o->local_as :
		    o->mrt ? v[i].feed->peer_as : DEFAULT_SYNTH_AS;
		if (source_of(o, base, i, n, &v[i].src) == -1 ||
		    check_as(o, v[i].local_as) == -1) {
			free(v);
			return NULL;
		}
	}
	*nout = n;
	return v;
}

/* One line per MRT peer, with the source its session would use. */
static void
list_peers(struct feed **feeds, size_t n)
{
	struct bw_addr	src;
	char		a[BW_ADDR_STRLEN];
	size_t		i;

	for (i = 0; i < n; i++) {
		addr_parse(MRT_SRC_BASE, &src);
		addr_add(&src, (uint32_t)i);
		printf("%s source=%s msgs=%zu announced=%llu withdrawn=%llu "
		    "routes=%zu skipped=%llu\n", feeds[i]->name,
		    addr_fmt(&src, a, sizeof(a)), feeds[i]->nmsgs,
		    (unsigned long long)feeds[i]->nann,
		    (unsigned long long)feeds[i]->nwd, feeds[i]->routes.n,
		    (unsigned long long)feeds[i]->skipped);
	}
}

static int
load_mrt(const struct options *o, struct feed ***feeds)
{
	struct mrt_opts	mo;
	int		n;

	memset(&mo, 0, sizeof(mo));
	mo.path = o->mrt;
	mo.peer = o->peer;
	mo.peer_as = o->peer_as;
	mo.maxlen = o->s.ext_msg ? BGP_MAX_EXT_LEN : BGP_MAX_LEN;
	mo.verbose = o->s.verbose;
	if ((n = mrt_load(&mo, feeds)) == 0) {
		fprintf(stderr, "bgpfeed: %s: no UPDATE or RIB route%s\n",
		    o->mrt, o->peer.aid || o->peer_as ? " from that peer "
		    "(see --list-peers)" : "");
		free(*feeds);
		return -1;
	}
	return n;
}

/* The synthetic next hops: the first session's source if it fits. */
static void
synth_nexthops(const struct options *o, struct synth_opts *so)
{
	struct bw_addr	src;

	so->nexthop = o->nexthop;
	so->nexthop6 = o->nexthop6;
	if (source_of(o, SYNTH_SRC_BASE, 0, 1, &src) == -1)
		memset(&src, 0, sizeof(src));
	if (so->nexthop.aid == AID_UNSPEC) {
		if (src.aid == AID_INET)
			so->nexthop = src;
		else
			addr_parse("192.0.2.1", &so->nexthop);
	}
	if (so->nexthop6.aid == AID_UNSPEC) {
		if (src.aid == AID_INET6)
			so->nexthop6 = src;
		else
			addr_parse("2001:db8::1", &so->nexthop6);
	}
}

static int
load_synth(const struct options *o, struct feed ***feeds)
{
	struct synth_opts	 so;
	struct feed		*f;

	memset(&so, 0, sizeof(so));
	so.n4 = o->n4;
	so.n6 = o->n6;
	so.seed = o->seed;
	so.share = o->share;
	so.local_as = o->local_as ? o->local_as : DEFAULT_SYNTH_AS;
	so.maxlen = o->s.ext_msg ? BGP_MAX_EXT_LEN : BGP_MAX_LEN;
	so.verbose = o->s.verbose;
	synth_nexthops(o, &so);
	if ((f = synth_build(&so)) == NULL)
		return -1;
	if ((*feeds = calloc(1, sizeof(**feeds))) == NULL) {
		feed_free(f);
		return -1;
	}
	(*feeds)[0] = f;
	return 1;
}

/* Builds the images sessions are expected to need, before connecting. */
static int
prepare(const struct options *o, struct feed **feeds, size_t n, double t0)
{
	struct enc_key	 k;
	struct image	*im;
	uint64_t	 msgs = 0, bytes = 0, dropped = 0;
	size_t		 i;

	sess_expected_key(&o->s, &k);
	for (i = 0; i < n; i++) {
		if ((im = image_get(feeds[i], &k)) == NULL) {
			fprintf(stderr, "bgpfeed: out of memory\n");
			return -1;
		}
		msgs += im->nmsgs;
		bytes += im->len;
		dropped += im->dropped;
	}
	if (dropped > 0)
		fprintf(stderr, "bgpfeed: warning: %llu routes fit in no "
		    "message and are left out\n", (unsigned long long)dropped);
	if (!o->s.quiet)
		printf("prepared %zu feed%s: %llu messages, %.2f MB in %.3f "
		    "s\n", n, n == 1 ? "" : "s", (unsigned long long)msgs,
		    (double)bytes / 1e6, now() - t0);
	fflush(stdout);
	return 0;
}

int
main(int argc, char **argv)
{
	struct options		 o;
	struct feed		**feeds = NULL;
	struct sess_spec	*spec = NULL;
	size_t			 nspec = 0, i;
	double			 t0 = now();
	int			 n, nfail = 1;

	if (parse_args(&o, argc, argv) == -1)
		return 2;
	n = o.mrt ? load_mrt(&o, &feeds) : load_synth(&o, &feeds);
	if (n < 0)
		return 1;
	if (o.list_peers) {
		list_peers(feeds, (size_t)n);
		nfail = 0;
		goto done;
	}
	if ((spec = plan_sessions(&o, feeds, (size_t)n, &nspec)) == NULL ||
	    prepare(&o, feeds, (size_t)n, t0) == -1)
		goto done;
	nfail = sess_run(&o.s, spec, nspec);

 done:
	free(spec);
	for (i = 0; i < (size_t)n; i++)
		feed_free(feeds[i]);
	free(feeds);
	return nfail == 0 ? 0 : 1;
}
