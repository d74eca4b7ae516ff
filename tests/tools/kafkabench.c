/*
 * kafkabench: the Kafka output's throughput and latency against a
 * broker (tests/bench/kafka_bench.py runs it against build/tools/kafkamock).
 *
 *	kafkabench -b BOOTSTRAP [-n EVENTS] [-r RATE] [-s SECONDS]
 *	    [-l LINGER_MS] [-j] [-d DIR]
 *
 * Events are built as the schema encoder builds a prefix_withdrawn and
 * go the daemon's way: the fan-out seals and logs them, its tap hands
 * them to the kafka output row (evt_kafka_output), whose delivery reports
 * come back through the loop.  Phase 1 emits EVENTS as fast as the
 * output takes them and times until the brokers acknowledged the last
 * one (events/s).  Phase 2 emits RATE events/s for SECONDS and reports
 * the publish-to-acknowledgement latency (p50, p99) of those events.
 * Prints one line of key=value pairs.
 */
#include <sys/resource.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "config.h"
#include "evt_build.h"
#include "evt_fanout.h"
#include "evt_kafka.h"
#include "log.h"

struct bench {
	struct event_base	*base;
	struct evt_fanout	*fo;
	void			*kafka;
	uint64_t		 emitted;
};

static double
mono(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
bench_tap(const void *rec, size_t len, uint64_t seq, void *arg)
{
	struct bench	*b = arg;

	evt_kafka_output.publish(b->kafka, rec, len, seq);
}

static void
bench_emit(struct bench *b)
{
	struct evt	*e;
	char		 pfx[32];
	uint64_t	 i = b->emitted++;

	snprintf(pfx, sizeof(pfx), "10.%u.%u.0/24", (unsigned)(i >> 8) & 255,
	    (unsigned)i & 255);
	e = evt_new("prefix_withdrawn", NULL);
	evt_str(e, "region", i % 4 == 0 ? "KP" : i % 4 == 1 ? "IR" :
	    i % 4 == 2 ? "SY" : "CU");
	evt_str(e, "prefix", pfx);
	evt_map(e, "peer");
	evt_str(e, "address", "192.0.2.11");
	evt_uint(e, "asn", 64511);
	evt_end(e);
	evt_uint(e, "visible_peers", i % 10);
	evt_uint(e, "eligible_peers", 10);
	evt_str(e, "as_path", "64511 4837 131279");
	evt_str(e, "via", "prefix");
	evt_str(e, "via_detail", "175.45.176.0/22");
	if (evt_fanout_emit(b->fo, e) == 0)
		fatalx("kafkabench: emit failed");
}

/* CPU seconds of the whole process (all threads: librdkafka's too). */
static double
cpu(void)
{
	struct rusage	ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static uint64_t
bench_acked(struct bench *b)
{
	return evt_kafka_acked(b->kafka);
}

static void
usage(void)
{
	fprintf(stderr, "usage: kafkabench -b BOOTSTRAP [-n EVENTS] [-r RATE] "
	    "[-s SECONDS] [-l LINGER_MS] [-j] [-d DIR]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct config_events	 ev;
	struct config_kafka	*k;
	struct evt_kafka_info	 in;
	struct bench		 b;
	char			 err[256], logp[512], linger[16] = "5";
	const char		*dir = "/tmp";
	double			 t0, t1, temit, c0, c1, rate = 10000, secs = 3, next;
	uint64_t		 n = 200000, first, i;
	int			 c, json = 0;

	while ((c = getopt(argc, argv, "b:d:jl:n:r:s:")) != -1) {
		switch (c) {
		case 'b':
			break;
		case 'd':
			dir = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'l':
			snprintf(linger, sizeof(linger), "%s", optarg);
			break;
		case 'n':
			n = strtoull(optarg, NULL, 10);
			break;
		case 'r':
			rate = atof(optarg);
			break;
		case 's':
			secs = atof(optarg);
			break;
		default:
			usage();
		}
	}
	optind = 1;
	memset(&ev, 0, sizeof(ev));
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return 1;
	while ((c = getopt(argc, argv, "b:d:jl:n:r:s:")) != -1)
		if (c == 'b')
			k->brokers = strdup(optarg);
	if (k->brokers == NULL)
		usage();
	log_init(1, 0);
	snprintf(logp, sizeof(logp), "%s/kafkabench.%d.mpk", dir, getpid());
	ev.log_path = logp;
	ev.log_keep = 1;
	ev.kafka = k;
	k->topic = strdup("bgpwatch.events");
	k->format = json ? CONF_KAFKA_JSON : CONF_KAFKA_MSGPACK;
	k->queue = CONF_DEFAULT_KAFKA_QUEUE;
	k->opt_name[0] = strdup("linger.ms");
	k->opt_value[0] = strdup(linger);
	k->nopts = 1;
	if (getenv("KAFKABENCH_CODEC") != NULL) {
		k->opt_name[1] = strdup("compression.codec");
		k->opt_value[1] = strdup(getenv("KAFKABENCH_CODEC"));
		k->nopts = 2;
	}
	memset(&b, 0, sizeof(b));
	b.base = event_base_new();
	if ((b.fo = evt_fanout_open_with(b.base, &ev, NULL, 0, err,
	    sizeof(err))) == NULL ||
	    (b.kafka = evt_kafka_output.open(b.fo, b.base, &ev, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "kafkabench: %s\n", err);
		return 1;
	}
	evt_fanout_tap(b.fo, bench_tap, &b);

	/* Phase 1: as fast as the output takes them. */
	c0 = cpu();
	t0 = mono();
	for (i = 0; i < n; i++) {
		bench_emit(&b);
		if (i % 1000 == 999)
			event_base_loop(b.base, EVLOOP_NONBLOCK);
	}
	temit = mono() - t0;
	while (bench_acked(&b) < b.emitted && mono() - t0 < 120) {
		(void)evt_kafka_poll(b.kafka, 10);
		event_base_loop(b.base, EVLOOP_NONBLOCK);
	}
	t1 = mono();
	c1 = cpu();
	evt_kafka_info(b.kafka, &in);
	printf("format=%s linger_ms=%s events=%llu seconds=%.3f "
	    "events_per_s=%.0f emit_s=%.3f cpu_us_per_event=%.2f "
	    "read_back_from_log=%llu", json ? "json" :
	    "msgpack", linger, (unsigned long long)n, t1 - t0,
	    (double)n / (t1 - t0), temit, (c1 - c0) / (double)n * 1e6,
	    (unsigned long long)in.catching_up);

	/* Phase 2: a steady rate; latency of those events only. */
	first = b.emitted;
	evt_kafka_reset_latency(b.kafka);
	t0 = mono();
	next = t0;
	while (mono() - t0 < secs) {
		while (next <= mono()) {
			bench_emit(&b);
			next += 1.0 / rate;
		}
		(void)evt_kafka_poll(b.kafka, 0);
		event_base_loop(b.base, EVLOOP_NONBLOCK);
		usleep(200);
	}
	while (bench_acked(&b) < b.emitted && mono() - t0 < secs + 30) {
		(void)evt_kafka_poll(b.kafka, 10);
		event_base_loop(b.base, EVLOOP_NONBLOCK);
	}
	evt_kafka_info(b.kafka, &in);
	printf(" rate=%.0f emitted=%llu lat_samples=%llu lat_p50_us=%.0f lat_p99_us=%.0f\n", rate,
	    (unsigned long long)(b.emitted - first),
	    (unsigned long long)in.lat_samples, in.lat_p50_us, in.lat_p99_us);
	evt_kafka_output.close(b.kafka);
	evt_fanout_close(b.fo);
	unlink(logp);
	return 0;
}
