/*
 * detectbench: the region detector at scale.  100 countries (synthetic
 * RIR stats file, one region each), 10 full-feed peers with N routes
 * each (default 100000), then timed withdrawals: the hook's latency
 * (p50/p99/max, what a prefix_withdrawn costs) and the detect_run that
 * recomputes the dirty chunks afterwards.  For `make bench`.
 *	detectbench [-n ROUTES] [-p PEERS] [-w WITHDRAWALS] [-r DIR] [-a N] [-z]
 *	    [-l]
 * -r DIR: every country of the five RIR files in DIR (written by
 * tests/tools/mkrirstats.py) as a region, the routes spread over the
 * whole IPv4 unicast space; -a N: N origin-AS regions besides; -z: no
 * regions at all (the baseline the cost of regions is measured from; the
 * hooks are called only for prefixes detect_interested() wants, as
 * adjrib.c does, so with no regions the load is the RIB's alone).
 * -l: stop after the load (its CPU seconds only; for perf and callgrind).
 * Times are CPU seconds of this process (getrusage).
 */
#include <sys/resource.h>

#include <dirent.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "detect.h"
#include "intern.h"
#include "rib.h"

#define NCOUNTRIES	100
#define SPACE_START	0x10000000u	/* 16.0.0.0 */
#define COUNTRY_SIZE	0x00800000u	/* a /9 each */

static uint64_t	nevents;

static void
count_ev(const struct detect_event *e, void *arg)
{
	(void)e;
	(void)arg;
	nevents++;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* This thread's CPU seconds: a run's cost, whatever the machine's load. */
static double
tcpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
count_one(const struct detect_region_info *ri, void *arg)
{
	(void)ri;
	(*(int *)arg)++;
	return 0;
}

static int
count_regions(struct detect *d)
{
	int n = 0;

	detect_regions(d, count_one, &n);
	return n;
}

/* detect_run until done; the longest run's CPU time in *max, runs. */
static int
run_all(struct detect *d, double now, double *max)
{
	double c0, dt;
	int n = 0, more;

	*max = 0;
	do {
		c0 = tcpu_s();
		more = detect_run(d, now) == 0;
		dt = tcpu_s() - c0;
		if (dt > *max)
			*max = dt;
		n++;
	} while (more);
	return n;
}

static double
cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* User and system CPU seconds, minor faults: where the load's CPU went. */
struct split {
	double	 user, sys;
	long	 minflt;
};

static void
split_now(struct split *s)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	s->user = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
	s->sys = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	s->minflt = ru.ru_minflt;
}

/* Set by -r: routes over 1.0.0.0 - 223.255.255.255, not one /9 each. */
static int	whole_space;

/* Appends to *text (grown as needed). */
static void
addf(char **text, size_t *len, size_t *cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
addf(char **text, size_t *len, size_t *cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(*text + *len, *cap - *len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < *cap - *len)
			break;
		*cap *= 2;
		if ((*text = realloc(*text, *cap)) == NULL)
			exit(1);
	}
	*len += (size_t)n;
}

/*
 * rir-stats lines for the delegated-*-extended-latest files of dir and a
 * region per country they name; returns the number of regions.
 */
static int
rir_regions(const char *dir, char **text, size_t *len, size_t *cap)
{
	static char seen[26][26];
	char path[4096], line[512], *cc;
	struct dirent *de;
	FILE *fp;
	DIR *d;
	int n = 0;

	if ((d = opendir(dir)) == NULL) {
		perror(dir);
		exit(1);
	}
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "delegated-", 10) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		addf(text, len, cap, "rir-stats \"%s\"\n", path);
		if ((fp = fopen(path, "r")) == NULL) {
			perror(path);
			exit(1);
		}
		while (fgets(line, sizeof(line), fp) != NULL) {
			if ((cc = strchr(line, '|')) == NULL)
				continue;
			cc++;
			if (cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' ||
			    cc[1] > 'Z' || cc[2] != '|' ||
			    (cc[0] == 'Z' && cc[1] == 'Z') ||
			    seen[cc[0] - 'A'][cc[1] - 'A'])
				continue;
			seen[cc[0] - 'A'][cc[1] - 'A'] = 1;
			addf(text, len, cap, "region \"%c%c\" {\n country "
			    "%c%c\n hold-down 30s\n}\n", cc[0], cc[1], cc[0],
			    cc[1]);
			n++;
		}
		fclose(fp);
	}
	closedir(d);
	return n;
}

static int
dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
cc_of(int i, char cc[3])
{
	cc[0] = (char)('A' + i / 26);
	cc[1] = (char)('A' + i % 26);
	cc[2] = '\0';
}

/* A stats file: each country a /9 as three records (768-style splits). */
static void
write_stats(const char *path)
{
	FILE *fp = fopen(path, "w");
	uint32_t a;
	char cc[3];
	int i;

	if (fp == NULL) {
		perror(path);
		exit(1);
	}
	fprintf(fp, "2.3|bench|20141222|%d|19830613|20141221|+0000\n",
	    NCOUNTRIES * 4);
	fprintf(fp, "bench|*|ipv4|*|%d|summary\n", NCOUNTRIES * 3);
	for (i = 0; i < NCOUNTRIES; i++) {
		cc_of(i, cc);
		a = SPACE_START + (uint32_t)i * COUNTRY_SIZE;
		fprintf(fp, "bench|%s|ipv4|%u.%u.%u.%u|%u|20100101|allocated|x\n",
		    cc, a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255,
		    COUNTRY_SIZE / 4 * 3);
		a += COUNTRY_SIZE / 4 * 3;
		fprintf(fp, "bench|%s|ipv4|%u.%u.%u.%u|%u|20100101|assigned|x\n",
		    cc, a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255,
		    COUNTRY_SIZE / 4);
		fprintf(fp, "bench|%s|asn|%d|10|20100101|allocated|x\n", cc,
		    100000 + i * 10);
	}
	fclose(fp);
}

static struct rattr *
mkattrs(struct intern *in, uint32_t peeras, uint32_t origin)
{
	uint8_t path[2 + 12];
	uint32_t as[3] = { peeras, 3356, origin };
	struct bgp_attrs a;
	int i;

	path[0] = 2;
	path[1] = 3;
	for (i = 0; i < 3; i++) {
		path[2 + 4 * i] = (uint8_t)(as[i] >> 24);
		path[3 + 4 * i] = (uint8_t)(as[i] >> 16);
		path[4 + 4 * i] = (uint8_t)(as[i] >> 8);
		path[5 + 4 * i] = (uint8_t)as[i];
	}
	memset(&a, 0, sizeof(a));
	a.present = ATTR_BIT(ATTR_ORIGIN) | ATTR_BIT(ATTR_AS_PATH);
	a.aspath.p = path;
	a.aspath.len = sizeof(path);
	return intern_attrs(in, &a);
}

/* Route j: a /24 spread over the countries' space (some /22, /16). */
static struct bw_prefix
route(uint32_t j, uint32_t n)
{
	uint64_t span = whole_space ? 223ULL << 24 :
	    (uint64_t)NCOUNTRIES * COUNTRY_SIZE;
	uint32_t start = whole_space ? 1u << 24 : SPACE_START;
	uint32_t a = (start + (uint32_t)(span / n * j)) & 0xffffff00u;
	struct bw_prefix p;
	uint8_t b[4] = { (uint8_t)(a >> 24), (uint8_t)(a >> 16),
	    (uint8_t)(a >> 8), 0 };
	uint8_t len = j % 97 == 0 ? 16 : j % 13 == 0 ? 22 : 24;

	prefix_set(&p, AID_INET, b, len);
	return p;
}

int
main(int argc, char *argv[])
{
	uint32_t nroutes = 100000, npeers = 10, nwd = 20000, j;
	struct config_errors errs;
	struct rattr *a[1000];
	const struct rib_route *rt;
	struct detect_peer dp;
	struct bw_prefix p;
	size_t nrt;
	struct config *conf;
	struct intern *in;
	struct rib *rib;
	struct detect *d;
	char path[] = "/tmp/detectbench.XXXXXX", *text, err[256];
	double t0, t1, *lat, tload, tinit, trun, twd, c0, c1, cload, cinit;
	double maxrun, maxdown, cdown, thook;
	double rl_same = 0, rl_conf = 0, rl_learn = 0, rl_max = 0;
	double rl_build = 0, rl_poll = 0;
	int rl_runs = 0, rl_polls = 0;
	struct split sp0, sp1;
	int nruns, ndown;
	size_t len = 0, cap = 1 << 16;
	int c, fd, i, s, rv, nas = 0, none = 0, nregions = NCOUNTRIES;
	int loadonly = 0;
	const char *rirdir = NULL;

	while ((c = getopt(argc, argv, "a:ln:p:r:w:z")) != -1) {
		switch (c) {
		case 'a': nas = atoi(optarg); break;
		case 'l': loadonly = 1; break;
		case 'n': nroutes = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'p': npeers = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'r': rirdir = optarg; whole_space = 1; break;
		case 'w': nwd = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'z': none = 1; break;
		default:
			fprintf(stderr, "usage: detectbench [-n routes] "
			    "[-p peers] [-w withdrawals] [-r rirdir] "
			    "[-a asregions] [-z] [-l]\n");
			return 1;
		}
	}
	if (nwd > nroutes)
		nwd = nroutes;
	/* As bgpwatchd (malloc_tune): large arrays grow by mremap. */
	(void)mallopt(M_MMAP_THRESHOLD, 1024 * 1024);
	if ((fd = mkstemp(path)) == -1) {
		perror("mkstemp");
		return 1;
	}
	close(fd);
	write_stats(path);
	text = malloc(cap);
	addf(&text, &len, &cap, "local-as 65000\nrouter-id 192.0.2.254\n"
	    "full-feed 90%%\n");
	if (none)
		nregions = 0;
	else if (rirdir != NULL)
		nregions = rir_regions(rirdir, &text, &len, &cap);
	else {
		addf(&text, &len, &cap, "rir-stats \"%s\"\n", path);
		for (i = 0; i < NCOUNTRIES; i++) {
			char cc[3];

			cc_of(i, cc);
			addf(&text, &len, &cap, "region \"%s\" {\n country "
			    "%s\n hold-down 30s\n}\n", cc, cc);
		}
	}
	for (i = 0; i < nas && !none; i++, nregions++)
		addf(&text, &len, &cap, "region \"AS%d\" {\n origin-as %d\n "
		    "hold-down 30s\n}\n", 100000 + i, 100000 + i);
	if ((conf = config_parse_buf("bench.conf", text, len, &errs)) ==
	    NULL) {
		fprintf(stderr, "%s\n", errs.msg[0]);
		return 1;
	}
	in = intern_new();
	rib = rib_new(in);
	d = detect_new(rib, 0);
	detect_add_observer(d, count_ev, NULL);
	if (detect_configure(d, conf, 0, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	for (i = 0; i < 1000; i++)
		a[i] = mkattrs(in, 64512, 100000 + (uint32_t)i);

	split_now(&sp0);
	c0 = cpu_s();
	t0 = now_s();
	for (s = 0; s < (int)npeers; s++) {
		memset(&dp, 0, sizeof(dp));
		dp.slot = (uint16_t)s;
		addr_parse("127.0.2.1", &dp.addr);
		dp.addr.b[3] = (uint8_t)(s + 1);
		dp.asn = 64512;
		detect_peer_up(d, &dp, 0);
		for (j = 0; j < nroutes; j++) {
			p = route(j, nroutes);
			rv = rib_update_at(rib, dp.slot, &p, 0, a[j % 1000],
			    &rt, &nrt);
			/* As adjrib.c: only what the detector watches. */
			if (detect_interested(d, &p))
				detect_announce(d, &dp, &p, a[j % 1000],
				    rv == RIB_UPD_NEW_PREFIX, rt, nrt, 0);
		}
		detect_peer_eligible(d, &dp, 0);
	}
	tload = now_s() - t0;
	if (loadonly) {		/* -l: for profilers, the load alone */
		c1 = cpu_s();
		split_now(&sp1);
		printf("load cpu %.3f user %.3f sys %.3f minflt %ld\n",
		    c1 - c0, sp1.user - sp0.user, sp1.sys - sp0.sys,
		    sp1.minflt - sp0.minflt);
		return 0;
	}
	cload = cpu_s() - c0;
	split_now(&sp1);
	c0 = cpu_s();
	t0 = now_s();
	nruns = run_all(d, 1, &maxrun);
	detect_run(d, 100);
	tinit = now_s() - t0;
	cinit = cpu_s() - c0;

	lat = calloc(nwd, sizeof(*lat));
	nevents = 0;
	t0 = now_s();
	for (j = 0; j < nwd; j++) {
		uint32_t k = (uint32_t)(((uint64_t)j * 2654435761u) % nroutes);
		const struct rib_route *r;
		struct rattr *last = NULL;
		size_t n, x;

		dp.slot = (uint16_t)(j % npeers);
		dp.addr.b[3] = (uint8_t)(dp.slot + 1);
		p = route(k, nroutes);
		r = rib_lookup(rib, &p, &n);
		for (x = 0; x < n; x++)
			if (r[x].peer == dp.slot)
				last = r[x].attrs;
		if (last != NULL)
			rattr_ref(last);
		rv = rib_withdraw(rib, dp.slot, &p, 0);
		t1 = now_s();
		if (detect_interested(d, &p))
			detect_withdraw(d, &dp, &p, last, rv == RIB_WD_LAST,
			    200);
		lat[j] = now_s() - t1;
		if (last != NULL)
			rattr_unref(in, last);
	}
	twd = now_s() - t0;
	t0 = now_s();
	while (detect_run(d, 201) == 0)
		;
	trun = now_s() - t0;

	/*
	 * Reloads: one that changes nothing (the index is kept), one with a
	 * region more (the index again, the RIB learned in detect_run's
	 * slices): the CPU of detect_configure (the control callback), of
	 * the runs after it and the longest of them.
	 */
	if (!none) {
		struct config *c2;

		c0 = tcpu_s();
		if (detect_configure(d, conf, 202, err, sizeof(err)) == -1)
			return 1;
		rl_same = tcpu_s() - c0;
		addf(&text, &len, &cap, "region \"RELOAD\" {\n origin-as "
		    "100999\n hold-down 30s\n}\n");
		if ((c2 = config_parse_buf("bench.conf", text, len, &errs)) ==
		    NULL)
			return 1;
		/*
		 * As the daemon does it: the index built on a thread, this
		 * thread polling with detect_run (the swap is in one of them)
		 * until the new region is there; the build's CPU is the
		 * process's less this thread's.
		 */
		detect_set_async(d, 1);
		c0 = tcpu_s();
		t1 = cpu_s();
		if (detect_configure(d, c2, 203, err, sizeof(err)) == -1)
			return 1;
		rl_conf = tcpu_s() - c0;
		while (count_regions(d) < nregions + 1) {
			struct timespec ts = { 0, 1000 * 1000 };
			double p0 = tcpu_s();

			detect_run(d, 203);
			if (tcpu_s() - p0 > rl_poll)
				rl_poll = tcpu_s() - p0;
			rl_polls++;
			nanosleep(&ts, NULL);
		}
		rl_build = cpu_s() - t1 - (tcpu_s() - c0);
		c0 = tcpu_s();
		rl_runs = run_all(d, 203, &rl_max);
		rl_learn = tcpu_s() - c0;
		config_free(conf);
		conf = c2;
	}

	/* The last peer goes: the eligible set changes, all is recomputed. */
	dp.slot = (uint16_t)(npeers - 1);
	dp.addr.b[3] = (uint8_t)npeers;
	c0 = tcpu_s();
	detect_peer_down(d, &dp, "bench", 0, 300);
	thook = tcpu_s() - c0;
	{
		struct rib_cursor cur;

		rib_cursor_init(&cur, AID_INET);
		while (rib_flush_slice(rib, &cur, dp.slot, 0, 65536))
			;
	}
	detect_peer_gone(d, &dp, 300);
	c0 = cpu_s();
	ndown = run_all(d, 301, &maxdown);
	cdown = cpu_s() - c0;
	qsort(lat, nwd, sizeof(*lat), dcmp);
	printf("detectbench: %d regions, %u peers x %u routes\n", nregions,
	    npeers, nroutes);
	printf("  load (rib_update + detect_announce): %.2f s (cpu %.2f s; "
	    "user %.2f s, sys %.2f s, %ld minor faults)\n", tload, cload,
	    sp1.user - sp0.user, sp1.sys - sp0.sys, sp1.minflt - sp0.minflt);
	printf("  first detect_run (every chunk): %.3f s (cpu %.3f s; %d runs, "
	    "longest %.2f ms cpu)\n", tinit, cinit, nruns, maxrun * 1e3);
	printf("  %u withdrawals (%llu events): hook p50 %.2f us, p99 %.2f us,"
	    " max %.2f us; total %.3f s with the RIB\n", nwd,
	    (unsigned long long)nevents, lat[nwd / 2] * 1e6,
	    lat[nwd * 99 / 100] * 1e6, lat[nwd - 1] * 1e6, twd);
	printf("  detect_run after them (dirty chunks): %.3f s\n", trun);
	printf("  one peer down, every chunk again: cpu %.3f s in %d runs, "
	    "longest run %.2f ms cpu (the peer_down hook: %.2f ms cpu)\n",
	    cdown, ndown, maxdown * 1e3, thook * 1e3);
	if (!none)
		printf("  reload, nothing changed: cpu %.2f ms; reload, a region "
		    "more: detect_configure cpu %.1f ms, then cpu %.3f s in %d "
		    "runs, longest run %.2f ms cpu (the index on a thread: "
		    "cpu %.1f ms; %d polls, the longest %.2f ms cpu)\n",
		    rl_same * 1e3, rl_conf * 1e3, rl_learn, rl_runs,
		    rl_max * 1e3, rl_build * 1e3, rl_polls, rl_poll * 1e3);
	unlink(path);
	free(lat);
	free(text);
	for (i = 0; i < 1000; i++)
		rattr_unref(in, a[i]);
	detect_free(d);
	rib_free(rib);
	intern_free(in);
	config_free(conf);
	return 0;
}
