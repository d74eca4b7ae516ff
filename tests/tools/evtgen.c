/*
 * evtgen: emits events of every type through the evt_* API and the fan-out, for readers
 * that must not share our code (tests/check/events_python.sh).
 *   evtgen [-n N] [-m M] [-i MSEC] [-l LOG] [-s MAXSIZE] [-k KEEP]
 *          [-u SOCKET] [-t ADDR -p PORT -c CERT -K KEY [-a CA]]
 * N events are written at once; with a subscriber socket (-u, -t) it
 * then serves, emitting M more, one every MSEC, and keeps serving until
 * killed.  Without sockets it exits after the N.  The time each
 * evt_fanout_emit() took is summed up on stderr (p50, p99, max).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "evt_fanout.h"
#include "log.h"

#define EVTGEN_MAX_SAMPLES	(1 << 20)

static const char *const evtgen_types[] = {
	"peer_up", "peer_down", "prefix_withdrawn", "prefix_announced",
	"region_degraded", "region_down", "region_up", "region_unstable",
	"region_stable", "region_blind"
};
#define EVTGEN_NTYPES	(sizeof(evtgen_types) / sizeof(evtgen_types[0]))

struct evtgen {
	struct evt_fanout *fanout;
	struct event	*ev_tick;
	uint64_t	 left;		/* live events still to emit */
	uint64_t	 n;		/* emitted so far */
	double		*samples;	/* microseconds per evt_fanout_emit() */
	size_t		 nsamples;
	int		 msec;
};

static const char *const evtgen_state[] = { "up", "degraded", "down",
	"blind" };

static void
evtgen_region(struct evt *e, uint64_t i, const char *type)
{
	evt_str(e, "region", i % 2 ? "KP" : "région-ü");
	evt_str(e, "state", evtgen_state[i % 4]);
	evt_double(e, "visibility", (double)(i % 101) / 100.0);
	evt_uint(e, "prefixes_visible", i % 7);
	evt_uint(e, "prefixes_total", 7);
	evt_uint(e, "eligible_peers", 10);
	if (strcmp(type, "region_up") == 0)
		evt_double(e, "duration", 12.5);
}

/* One event of type i % EVTGEN_NTYPES with that type's keys. */
static uint64_t
evtgen_one(struct evtgen *g)
{
	const char	*type = evtgen_types[g->n % EVTGEN_NTYPES];
	struct bw_addr	 a;
	struct bw_prefix p;
	struct evt	*e;
	uint64_t	 i = g->n++;

	addr_parse(i % 3 ? "127.0.0.11" : "2001:db8::11", &a);
	prefix_parse(i % 3 ? "175.45.176.0/24" : "2001:db8:100::/48", &p);
	e = evt_new(type, NULL);
	if (strncmp(type, "peer_", 5) == 0) {
		evt_peer(e, "peer", &a, 64511);
		if (strcmp(type, "peer_down") == 0)
			evt_str(e, "reason", "hold timer expired");
	} else if (strncmp(type, "prefix_", 7) == 0) {
		evt_str(e, "region", "KP");
		evt_prefix(e, "prefix", &p);
		evt_peer(e, "peer", &a, 64511);
		evt_uint(e, "visible_peers", i % 10);
		evt_uint(e, "eligible_peers", 10);
	} else
		evtgen_region(e, i, type);
	return evt_fanout_emit(g->fanout, e);
}

static double
evtgen_usec(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void
evtgen_timed(struct evtgen *g)
{
	double	t0 = evtgen_usec();

	if (evtgen_one(g) == 0) {
		fprintf(stderr, "evtgen: evt_emit failed\n");
		exit(1);
	}
	if (g->nsamples < EVTGEN_MAX_SAMPLES)
		g->samples[g->nsamples++] = evtgen_usec() - t0;
}

static int
evtgen_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
evtgen_report(struct evtgen *g)
{
	size_t	n = g->nsamples;

	if (n == 0)
		return;
	qsort(g->samples, n, sizeof(double), evtgen_cmp);
	fprintf(stderr, "evtgen: %zu events, evt_emit p50 %.1f us, p99 %.1f "
	    "us, max %.1f us\n", n, g->samples[n / 2],
	    g->samples[n * 99 / 100], g->samples[n - 1]);
}

static void
evtgen_tick(evutil_socket_t fd, short ev, void *arg)
{
	struct evtgen	*g = arg;
	struct timeval	 tv = { g->msec / 1000, (g->msec % 1000) * 1000 };

	(void)fd;
	(void)ev;
	if (g->left == 0)
		return;
	g->left--;
	evtgen_timed(g);
	if (g->left == 0)
		evtgen_report(g);
	else
		evtimer_add(g->ev_tick, &tv);
}

static void __attribute__((__noreturn__))
evtgen_usage(void)
{
	fprintf(stderr, "usage: evtgen [-n N] [-m M] [-i MSEC] [-l LOG] "
	    "[-s MAXSIZE] [-k KEEP] [-u SOCKET]\n"
	    "              [-t ADDR -p PORT -c CERT -K KEY [-a CA]]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct config_subscriber subs[2];
	struct config_events	 conf;
	struct event_base	*base = NULL;
	struct evtgen		 g;
	struct timeval		 tv = { 0, 0 };
	uint64_t		 n = 100, i;
	char			 err[512];
	int			 ch;

	memset(&g, 0, sizeof(g));
	memset(&conf, 0, sizeof(conf));
	memset(subs, 0, sizeof(subs));
	conf.log_keep = CONF_DEFAULT_LOG_KEEP;
	conf.queue_limit = CONF_DEFAULT_QUEUE_LIMIT;
	conf.subs = subs;
	subs[0].mode = subs[1].mode = CONF_DEFAULT_SUB_MODE;
	g.msec = 10;
	while ((ch = getopt(argc, argv, "a:c:i:K:k:l:m:n:p:s:t:u:")) != -1) {
		switch (ch) {
		case 'a': subs[1].ca = optarg; break;
		case 'c': subs[1].cert = optarg; break;
		case 'i': g.msec = atoi(optarg); break;
		case 'K': subs[1].key = optarg; break;
		case 'k': conf.log_keep = (uint32_t)atoi(optarg); break;
		case 'l': conf.log_path = optarg; break;
		case 'm': g.left = strtoull(optarg, NULL, 10); break;
		case 'n': n = strtoull(optarg, NULL, 10); break;
		case 'p': subs[1].port = (uint16_t)atoi(optarg); break;
		case 's': conf.log_max_size = strtoull(optarg, NULL, 10); break;
		case 't':
			subs[1].type = CONF_SUB_TLS;
			if (addr_parse(optarg, &subs[1].addr) == -1)
				evtgen_usage();
			break;
		case 'u':
			subs[0].type = CONF_SUB_UNIX;
			subs[0].path = optarg;
			break;
		default:
			evtgen_usage();
		}
	}
	if (subs[0].type == 0 && subs[1].type != 0)
		conf.subs = &subs[1];
	conf.nsubs = (subs[0].type != 0) + (subs[1].type != 0);
	log_init(1, getenv("EVTGEN_DEBUG") != NULL);
	signal(SIGPIPE, SIG_IGN);
	if (conf.nsubs > 0 && (base = event_base_new()) == NULL)
		return 1;
	if ((g.fanout = evt_fanout_open(base, &conf, err, sizeof(err))) == NULL) {
		fprintf(stderr, "evtgen: %s\n", err);
		return 1;
	}
	if ((g.samples = calloc(EVTGEN_MAX_SAMPLES, sizeof(double))) == NULL)
		return 1;
	for (i = 0; i < n; i++)
		evtgen_timed(&g);
	if (base == NULL) {
		evtgen_report(&g);
		evt_fanout_close(g.fanout);
		free(g.samples);
		return 0;
	}
	fprintf(stderr, "evtgen: serving\n");
	g.ev_tick = evtimer_new(base, evtgen_tick, &g);
	evtimer_add(g.ev_tick, &tv);
	event_base_dispatch(base);
	return 0;
}
