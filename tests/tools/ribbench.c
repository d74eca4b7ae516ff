/*
 * ribbench: loads MRT UPDATE files straight into the RIB (no sessions)
 * and reports time and memory.
 *
 *   ribbench [-p N] [-i K [-o]] [-P] [-s SEED] [-f] [-b BUDGET] [-c CHURN] FILE
 *
 * Every record is read (and decompressed) into memory first, so the load
 * time is decode + intern + insert only.  -s SEED shuffles the records
 * first (a table that does not arrive in address order, as a synthetic
 * one or many peers' updates interleaved: the trie is then cold).  -p N replays FILE as N peers
 * (slots 0..N-1, the same routes); -f then flushes every peer in slices
 * of BUDGET prefixes (default 10000), timing the whole flush and the
 * worst slice; -c replays CHURN on top of the loaded table, each of its
 * peers mapped onto slot (k mod N), and reports prefix changes per
 * second.  -i K interleaves the peers as live sessions do: K records of
 * peer 0, the same K of peer 1, ... then the next K (default: one whole
 * peer after the other, as a router dumping its peers does over BMP);
 * -o then starts peer k at record k * records / N (sessions that drifted
 * apart, as in a live load: every route array is cold, peers come in no
 * order).
 * -P leaves out rib_prefetch() (the door batches each NLRI field and
 * prefetches it; -P shows what that gains).  RSS comes from /proc/self/statm; "accounted" bytes from
 * rib_mem() and intern_mem().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bgpwatch.h"
#include "bgp.h"
#include "intern.h"
#include "mrt.h"
#include "mrtfile.h"
#include "rib.h"
#include "update.h"

/* One record, kept in memory. */
struct rec {
	struct mrt_hdr	 hdr;
	uint8_t		*body;
};

struct recs {
	struct rec	*v;
	size_t		 n, cap;
};

struct stats {
	size_t	announce, withdraw, updates, errors;
};

/* Peers of the churn file, by address. */
struct peermap {
	struct bw_addr	 addr[1024];
	size_t		 n;
};

static uint8_t	scratch[BGP_SCRATCH_LEN];
static int	noprefetch;	/* -P: no rib_prefetch (to compare) */

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU time of this thread: immune to other processes on the machine. */
static double
cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
rss_mb(void)
{
	long long size, rss;
	FILE *f;

	if ((f = fopen("/proc/self/statm", "r")) == NULL)
		return -1;
	if (fscanf(f, "%lld %lld", &size, &rss) != 2)
		rss = -1;
	fclose(f);
	return rss * (double)sysconf(_SC_PAGESIZE) / 1048576.0;
}

static void
load_file(const char *path, struct recs *rs)
{
	struct mrt_file *mf;
	struct mrt_hdr hdr;
	const uint8_t *body;
	const char *errstr;
	char err[256];
	int r;

	if ((mf = mrt_file_open(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "ribbench: %s\n", err);
		exit(1);
	}
	while ((r = mrt_file_next(mf, &hdr, &body, &errstr)) == 1) {
		if (rs->n == rs->cap) {
			rs->cap = rs->cap ? rs->cap * 2 : 4096;
			if ((rs->v = realloc(rs->v, rs->cap *
			    sizeof(*rs->v))) == NULL)
				exit(1);
		}
		rs->v[rs->n].hdr = hdr;
		if ((rs->v[rs->n].body = malloc(hdr.len ? hdr.len : 1)) == NULL)
			exit(1);
		memcpy(rs->v[rs->n].body, body, hdr.len);
		rs->n++;
	}
	if (r == -1) {
		fprintf(stderr, "ribbench: %s: %s\n", path, errstr);
		exit(1);
	}
	mrt_file_close(mf);
}

static void
apply_nlri(struct rib *rib, uint16_t slot, const struct bgp_view *v,
    uint8_t aid, int addpath, struct rattr *a, struct stats *st)
{
	struct bgp_nlri_iter it;
	struct bw_prefix p[RIB_PREFETCH_MAX];
	uint32_t id[RIB_PREFETCH_MAX];
	size_t i, k;

	/* As the door (adjrib.c) does: a batch, prefetched, then in order. */
	bgp_nlri_iter_init(&it, v, aid, addpath);
	for (;;) {
		for (k = 0; k < RIB_PREFETCH_MAX &&
		    bgp_nlri_next(&it, &p[k], &id[k]) == 1; k++)
			;
		if (k == 0)
			break;
		if (k > 1 && !noprefetch)
			rib_prefetch(rib, p, k);
		for (i = 0; i < k; i++) {
			if (a != NULL) {
				if (rib_update(rib, slot, &p[i], id[i], a) ==
				    -1) {
					fprintf(stderr, "ribbench: rib_update\n");
					exit(1);
				}
				st->announce++;
			} else {
				rib_withdraw(rib, slot, &p[i], id[i]);
				st->withdraw++;
			}
		}
	}
}

/* Applies one UPDATE of a peer to the RIB. */
static void
apply_update(struct rib *rib, struct intern *in, uint16_t slot,
    const struct mrt_bgp4mp *m, struct stats *st)
{
	struct bgp_dec_ctx ctx;
	struct bgp_update u;
	struct rattr *a = NULL;
	int ap = m->addpath;

	if (m->msg.len <= BGP_HDR_LEN || m->msg.p[18] != BGP_UPDATE)
		return;
	memset(&ctx, 0, sizeof(ctx));
	ctx.as4 = m->as4;
	ctx.ebgp = m->peer_as != m->local_as;
	ctx.addpath[AID_INET] = ctx.addpath[AID_INET6] = m->addpath;
	ctx.scratch = scratch;
	ctx.scratchlen = sizeof(scratch);
	if (bgp_update_decode(&ctx, m->msg.p + BGP_HDR_LEN,
	    m->msg.len - BGP_HDR_LEN, &u) == -1) {
		st->errors++;
		return;
	}
	st->updates++;
	apply_nlri(rib, slot, &u.withdrawn, AID_INET, ap, NULL, st);
	if (ATTR_HAS(&u.attrs, ATTR_MP_UNREACH_NLRI) &&
	    u.unreach.aid != AID_UNSPEC)
		apply_nlri(rib, slot, &u.unreach.nlri, u.unreach.aid, ap,
		    NULL, st);
	if (u.nlri.len == 0 && !(ATTR_HAS(&u.attrs, ATTR_MP_REACH_NLRI) &&
	    u.reach.nlri.len > 0))
		return;
	if (u.action != ACT_TREAT_AS_WITHDRAW &&
	    (a = intern_attrs(in, &u.attrs)) == NULL) {
		fprintf(stderr, "ribbench: intern_attrs\n");
		exit(1);
	}
	apply_nlri(rib, slot, &u.nlri, AID_INET, ap, a, st);
	if (ATTR_HAS(&u.attrs, ATTR_MP_REACH_NLRI) &&
	    u.reach.aid != AID_UNSPEC)
		apply_nlri(rib, slot, &u.reach.nlri, u.reach.aid, ap, a, st);
	rattr_unref(in, a);
}

/* Slot of a churn peer: its index among the file's peers, mod npeers. */
static uint16_t
churn_slot(struct peermap *pm, const struct bw_addr *addr, int npeers)
{
	size_t i;

	for (i = 0; i < pm->n; i++)
		if (memcmp(&pm->addr[i], addr, sizeof(*addr)) == 0)
			break;
	if (i == pm->n && pm->n < 1024)
		pm->addr[pm->n++] = *addr;
	return (uint16_t)(i % (size_t)npeers);
}

static void
replay_range(struct rib *rib, struct intern *in, const struct recs *rs,
    size_t from, size_t to, int slot, struct peermap *pm, int npeers,
    struct stats *st)
{
	struct mrt_record r;
	const char *errstr;
	size_t i;
	uint16_t s;

	for (i = from; i < to && i < rs->n; i++) {
		if (mrt_record_decode(&rs->v[i].hdr, rs->v[i].body,
		    rs->v[i].hdr.len, &r, &errstr) == -1 ||
		    r.kind != MRT_K_MESSAGE) {
			continue;
		}
		if (r.u.bgp4mp.local)
			continue;
		s = pm != NULL ? churn_slot(pm, &r.u.bgp4mp.peer_ip, npeers) :
		    (uint16_t)slot;
		apply_update(rib, in, s, &r.u.bgp4mp, st);
	}
}

/*
 * Records [i, i + k) of peer p; with stagger, peer p's table starts at
 * record p * n / npeers and wraps around, as live sessions drift apart:
 * each peer then adds to prefixes the others touched long before (cold
 * route arrays), and in no particular peer order.
 */
static void
replay_stagger(struct rib *rib, struct intern *in, const struct recs *rs,
    size_t i, size_t k, int p, int npeers, int stagger, struct stats *st)
{
	size_t from = i, to;

	if (stagger)
		from = (i + (size_t)p * rs->n / (size_t)npeers) % rs->n;
	to = from + (i + k < rs->n ? k : rs->n - i);
	replay_range(rib, in, rs, from, to, p, NULL, npeers, st);
	if (to > rs->n)
		replay_range(rib, in, rs, 0, to - rs->n, p, NULL, npeers, st);
}

static void
replay(struct rib *rib, struct intern *in, const struct recs *rs, int slot,
    struct peermap *pm, int npeers, struct stats *st)
{
	replay_range(rib, in, rs, 0, rs->n, slot, pm, npeers, st);
}

static size_t
accounted(const struct rib *rib, const struct intern *in)
{
	struct rib_mem rm;
	struct intern_mem im;

	rib_mem(rib, &rm);
	intern_mem(in, &im);
	return rm.node_bytes + rm.route_bytes + rm.peer_bytes +
	    im.attr_bytes + im.blob_bytes;
}

static size_t
total_routes(const struct rib *rib)
{
	return rib_total_routes(rib, AID_INET) + rib_total_routes(rib, AID_INET6);
}

static size_t
total_prefixes(const struct rib *rib)
{
	return rib_total_prefixes(rib, AID_INET) +
	    rib_total_prefixes(rib, AID_INET6);
}

static void
report_mem(const char *what, const struct rib *rib, const struct intern *in,
    double rss0)
{
	struct rib_mem rm;
	struct intern_mem im;
	size_t routes = total_routes(rib), acc = accounted(rib, in);
	double rss = rss_mb();

	rib_mem(rib, &rm);
	intern_mem(in, &im);
	printf("%s: routes %zu prefixes %zu nodes %zu attr sets %zu "
	    "blobs %zu\n", what, routes, total_prefixes(rib), rm.nodes,
	    im.attrs, im.blobs);
	printf("  accounted %.1f MB (nodes %.1f, routes %.1f, sets %.1f, "
	    "blobs %.1f; node allocator holds %.1f)\n", acc / 1048576.0,
	    rm.node_bytes / 1048576.0, rm.route_bytes / 1048576.0,
	    im.attr_bytes / 1048576.0, im.blob_bytes / 1048576.0,
	    rm.reserved / 1048576.0);
	printf("  RSS %.1f MB (+%.1f MB over the loaded records)\n", rss,
	    rss - rss0);
	if (routes > 0)
		printf("  bytes/route: accounted %.1f, RSS %.1f\n",
		    (double)acc / routes, (rss - rss0) * 1048576.0 / routes);
}

static void
flush_all(struct rib *rib, struct intern *in, int npeers, size_t budget,
    double rss0)
{
	struct rib_cursor c;
	double t0, t1, s0, s1, c0, c1, worst = 0, worstcpu = 0, cpu0;
	size_t slices = 0, routes = total_routes(rib);
	int p, aid, more;

	t0 = now();
	cpu0 = cpu();
	for (p = 0; p < npeers; p++)
		for (aid = AID_INET; aid < AID_MAX; aid++) {
			rib_cursor_init(&c, (uint8_t)aid);
			do {
				s0 = now();
				c0 = cpu();
				more = rib_flush_slice(rib, &c, (uint16_t)p, 0,
				    budget);
				c1 = cpu();
				s1 = now();
				if (s1 - s0 > worst)
					worst = s1 - s0;
				if (c1 - c0 > worstcpu)
					worstcpu = c1 - c0;
				slices++;
			} while (more);
		}
	t1 = now();
	printf("flush: %d peers, %zu routes in %.3f s (cpu %.3f s, %.0f "
	    "ns/route), %zu slices of %zu prefixes, worst slice %.2f ms "
	    "(cpu %.2f ms)\n", npeers, routes, t1 - t0, cpu() - cpu0,
	    routes ? (cpu() - cpu0) * 1e9 / routes : 0.0, slices, budget,
	    worst * 1e3, worstcpu * 1e3);
	report_mem("after flush", rib, in, rss0);
}

/* Fisher-Yates with xorshift: the same order for the same seed. */
static void
shuffle(struct recs *rs, uint64_t seed)
{
	struct rec tmp;
	size_t i, j;

	for (i = rs->n; i > 1; i--) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		j = (size_t)(seed % i);
		tmp = rs->v[i - 1];
		rs->v[i - 1] = rs->v[j];
		rs->v[j] = tmp;
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: ribbench [-foP] [-p npeers] [-i records] "
	    "[-s seed] [-b budget] [-c churnfile] file\n");
	exit(1);
}

int
main(int argc, char *argv[])
{
	struct recs rs = { 0 }, churn = { 0 };
	struct peermap pm = { .n = 0 };
	struct stats st, cst;
	struct intern *in;
	struct rib *rib;
	const char *churnfile = NULL;
	double rss0, t0, t1, first = 0, firstcpu = 0, cpu0;
	size_t budget = 10000, acc1 = 0, routes1 = 0, i;
	double rss1 = 0;
	size_t interleave = 0;
	int ch, npeers = 1, flush = 0, p, stagger = 0;
	uint64_t seed = 0;

	while ((ch = getopt(argc, argv, "b:c:fi:op:Ps:")) != -1) {
		switch (ch) {
		case 'b':
			budget = strtoul(optarg, NULL, 10);
			break;
		case 'c':
			churnfile = optarg;
			break;
		case 'f':
			flush = 1;
			break;
		case 'i':
			interleave = strtoul(optarg, NULL, 10);
			break;
		case 'o':
			stagger = 1;
			break;
		case 'P':
			noprefetch = 1;
			break;
		case 's':
			seed = strtoull(optarg, NULL, 10);
			break;
		case 'p':
			npeers = atoi(optarg);
			if (npeers < 1 || npeers > RIB_MAX_PEERS)
				usage();
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1)
		usage();
	load_file(argv[optind], &rs);
	if (seed != 0)
		shuffle(&rs, seed);
	if (churnfile != NULL)
		load_file(churnfile, &churn);
	if ((in = intern_new()) == NULL || (rib = rib_new(in)) == NULL)
		return 1;
	rss0 = rss_mb();
	printf("%zu records in memory, RSS %.1f MB\n", rs.n, rss0);

	memset(&st, 0, sizeof(st));
	t0 = now();
	cpu0 = cpu();
	for (i = 0; interleave > 0 && i < rs.n; i += interleave)
		for (p = 0; p < npeers; p++)
			replay_stagger(rib, in, &rs, i, interleave, p, npeers,
			    stagger, &st);
	for (p = 0; interleave == 0 && p < npeers; p++) {
		replay(rib, in, &rs, p, NULL, npeers, &st);
		if (p == 0) {
			first = now() - t0;
			firstcpu = cpu() - cpu0;
			acc1 = accounted(rib, in);
			routes1 = total_routes(rib);
			rss1 = rss_mb();
		}
	}
	t1 = now();
	printf("load: %d peer(s), %zu UPDATEs, %zu announced, %zu withdrawn, "
	    "%zu errors\n", npeers, st.updates, st.announce, st.withdraw,
	    st.errors);
	printf("  first peer %.3f s (cpu %.3f s, %.0f ns/route), all %.3f s "
	    "(cpu %.3f s, %.0f ns/route)\n", first, firstcpu,
	    firstcpu * 1e9 / (st.announce / npeers), t1 - t0, cpu() - cpu0,
	    (cpu() - cpu0) * 1e9 / st.announce);
	report_mem("loaded", rib, in, rss0);
	if (npeers > 1 && interleave == 0 && total_routes(rib) > routes1)
		printf("  per additional peer's route: accounted %.1f B, "
		    "RSS %.1f B\n",
		    (double)(accounted(rib, in) - acc1) /
		    (total_routes(rib) - routes1),
		    (rss_mb() - rss1) * 1048576.0 /
		    (total_routes(rib) - routes1));

	if (churnfile != NULL) {
		memset(&cst, 0, sizeof(cst));
		t0 = now();
		cpu0 = cpu();
		replay(rib, in, &churn, 0, &pm, npeers, &cst);
		cpu0 = cpu() - cpu0;
		t1 = now();
		printf("churn: %zu UPDATEs from %zu peers, %zu announced + "
		    "%zu withdrawn in %.3f s (cpu %.3f s): %.0f prefix "
		    "changes/s (by cpu time)\n", cst.updates, pm.n,
		    cst.announce, cst.withdraw, t1 - t0, cpu0,
		    (cst.announce + cst.withdraw) / cpu0);
		report_mem("after churn", rib, in, rss0);
	}
	if (flush)
		flush_all(rib, in, npeers, budget, rss0);
	rib_free(rib);
	intern_free(in);
	for (i = 0; i < rs.n; i++)
		free(rs.v[i].body);
	for (i = 0; i < churn.n; i++)
		free(churn.v[i].body);
	free(rs.v);
	free(churn.v);
	return 0;
}
