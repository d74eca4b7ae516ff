/*
 * The Kafka output: every record the fan-out hands it is produced to one
 * topic with librdkafka's idempotent producer (acks=all).  Key: the
 * region (peer events: the peer's address), so one region's events stay
 * in one partition, in order.  Headers v, seq, type, collector.  Value:
 * the record as the log has it (msgpack) or as one JSON document.
 *
 * Nothing lost.  Records go out in seq order; the delivery reports mark
 * them in a ring of `queue` slots, and `acked` is the seq below which
 * every record is acknowledged.  A state file holds acked (rewritten and
 * fdatasync()ed at most every KAFKA_STATE_MSEC).  The ring is the only
 * memory that grows with the backlog and it is capped: when it is full,
 * or after a failed delivery, the output stops taking records live and
 * reads them back from the event log (evt_log_file()) as room frees up,
 * so a long outage costs disk, not memory.  After a restart it resumes
 * at acked+1 from the log: records acknowledged after the last state
 * write are sent again (at-least-once; docs/kafka.md says how many).
 * Within one producer session the idempotent producer keeps librdkafka's
 * own retries from duplicating or reordering anything.
 *
 * Records the output can no longer get (no log configured and the ring
 * full, or rotated out of the log before they were sent) are reported
 * by a `gap` event {first, last, reason}, emitted through the fan-out
 * from a timer, never from inside publish, so it is logged and sent
 * like any other event.
 *
 * librdkafka runs its own threads; everything here runs on the loop:
 * the main queue's io-event pipe wakes it for delivery reports.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <librdkafka/rdkafka.h>
#include <msgpack.h>

#include "evt_build.h"
#include "evt_fanout.h"
#include "evt_json.h"
#include "evt_kafka.h"
#include "evt_log.h"
#include "evt_reader.h"
#include "evt_syncer.h"
#include "log.h"

#define KAFKA_TICK_MSEC		50	/* poll, catch up, state write */
#define KAFKA_STATE_MSEC	200	/* state file rewritten at most so */
#define KAFKA_TURN_RECORDS	20000	/* catch-up records per loop turn */
#define KAFKA_CLOSE_MSEC	3000	/* flush on close/reconfigure */
#define KAFKA_MAX_FAILS		5	/* same record failing: skip it */
#define KAFKA_KEY_MAX		128
#define KAFKA_LAT_EVERY		8	/* latency sampled 1 record in so many */

/* Due only while Kafka is configured: an idle daemon without it sleeps. */
static const struct timeval kafka_tick = { 0, KAFKA_TICK_MSEC * 1000 };

struct evt_kafka_gap {
	uint64_t	 first, last;	/* 0: none */
	char		 reason[160];
};

struct evt_kafka {
	struct evt_fanout	*fo;
	struct event_base	*base;
	struct config_kafka	*conf;		/* our copy; NULL: disabled */
	char			*state_path;	/* NULL: no state file */
	rd_kafka_t		*rk;
	rd_kafka_topic_t	*rkt;
	int			 pipefd[2];
	struct event		*ev_pipe;
	struct event		*ev_tick;
	struct event		*ev_more;	/* zero timer: catch up now */

	uint32_t		 cap;		/* ring slots */
	uint8_t			*done;		/* per seq % cap */
	uint64_t		*t0;		/* publish time, ns; 0: replayed */
	uint32_t		*lens;		/* bytes of each record in flight */
	uint64_t		 bytes;		/* bytes in flight */
	uint64_t		 acked, sent, want;
	int			 behind;	/* reading the log, not live */
	int			 rewind;	/* a delivery failed */
	int			 reset;		/* producer hit a fatal error */
	uint64_t		 fail_seq;
	unsigned		 fail_count;
	int			 connected;
	rd_kafka_resp_err_t	 prod_err;	/* last producev() refusal */

	struct evt_reader	*rd;		/* catch-up reader */
	uint64_t		 rd_gen;

	int			 state_fd;
	uint64_t		 state_acked;	/* what the file says */
	uint64_t		 state_usec;
	struct evt_syncer	*syncer;	/* the tick's syncs, threaded */

	struct evt_kafka_gap	 gap;		/* to be emitted */
	uint64_t		 gap_sent_seq;	/* the last gap event emitted */
	uint64_t		 gap_sent_first, gap_sent_last;
	struct evbuffer		*json;
	msgpack_zone		 zone;

	uint64_t		 published, failed, lost, replayed, resets;
	uint32_t		*lat;		/* samples, microseconds */
	uint64_t		 nlat;
};

static void	kafka_stop(struct evt_kafka *);
static int	kafka_start(struct evt_kafka *, char *, size_t);
static void	kafka_more(struct evt_kafka *);

static uint64_t
kafka_nsec(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

/*
 * The state file: one line, the acknowledged seq.
 */

static uint64_t
kafka_state_read(const char *path, int *found)
{
	char		 buf[64];
	ssize_t		 n;
	int		 fd;

	*found = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	*found = 1;
	return strtoull(buf, NULL, 10);
}

/*
 * Rewrites the state in place (one short pwrite is atomic enough for a
 * fixed-width line) and syncs it: on the tick, on the sync thread (a
 * dup of the descriptor; a sync still waiting is replaced, the newer
 * covers it), so that a slow disk never holds the loop; forced (start,
 * reload, shutdown), here.
 */
static void
kafka_state_write(struct evt_kafka *k, int force)
{
	char		 line[32], name[PATH_MAX + 32];
	uint64_t	 now = kafka_nsec() / 1000;
	int		 dfd;

	if (k->state_fd == -1 || k->acked == k->state_acked)
		return;
	if (!force && now - k->state_usec < KAFKA_STATE_MSEC * 1000)
		return;
	snprintf(line, sizeof(line), "%020" PRIu64 "\n", k->acked);
	if (pwrite(k->state_fd, line, 21, 0) != 21) {
		log_warn("kafka: state file %s", k->state_path);
		return;
	}
	if (!force && (dfd = dup(k->state_fd)) != -1) {
		if (k->syncer == NULL) {
			snprintf(name, sizeof(name), "kafka: state file %s",
			    k->state_path);
			k->syncer = evt_syncer_new(name);
		}
		(void)evt_syncer_request(k->syncer, dfd);
	} else if (fdatasync(k->state_fd) == -1) {
		log_warn("kafka: state file %s", k->state_path);
		return;
	}
	k->state_acked = k->acked;
	k->state_usec = now;
}

/*
 * Gaps: records that will never reach the topic.
 */

static void
strlcat_gap(char *dst, const char *src, size_t size)
{
	size_t	n = strlen(dst);

	if (n + 1 < size)
		snprintf(dst + n, size - n, "%s", src);
}

/* Merges first..last into the pending gap event. */
static void
kafka_gap_merge(struct evt_kafka *k, uint64_t first, uint64_t last,
    const char *reason)
{
	if (k->gap.first == 0) {
		k->gap.first = first;
		k->gap.last = last;
		snprintf(k->gap.reason, sizeof(k->gap.reason), "%s", reason);
	} else if ((first > k->gap.last + 1 || last + 1 < k->gap.first) &&
	    strstr(k->gap.reason, "not all") == NULL)
		/* One event per tick: say the range has holes. */
		strlcat_gap(k->gap.reason, " (not all of first..last)",
		    sizeof(k->gap.reason));
	if (first < k->gap.first)
		k->gap.first = first;
	if (last > k->gap.last)
		k->gap.last = last;
}

static void
kafka_gap_add(struct evt_kafka *k, uint64_t first, uint64_t last,
    const char *reason)
{
	uint64_t	f = k->gap_sent_first, l = k->gap_sent_last;

	k->lost += last - first + 1;
	log_warnx("kafka: events %" PRIu64 "..%" PRIu64 " lost to the "
	    "topic: %s", first, last, reason);
	/* The gap event that named earlier losses is lost itself: the
	 * next one names them again, or they would be known to the log
	 * only. */
	if (k->gap_sent_seq != 0 && first <= k->gap_sent_seq &&
	    k->gap_sent_seq <= last) {
		k->gap_sent_seq = 0;
		kafka_gap_merge(k, f, l, reason);
	}
	kafka_gap_merge(k, first, last, reason);
}

/* Emits the pending gap event through the fan-out (from a timer). */
static void
kafka_gap_emit(struct evt_kafka *k)
{
	struct evt	*e;

	uint64_t	 next = evt_fanout_next_seq(k->fo);

	/* Only when it would be taken live (else it is lost in turn). */
	if (k->gap.first == 0 || k->sent - k->acked >= k->cap ||
	    (k->sent != k->acked && next - k->acked > k->cap))
		return;
	e = evt_new("gap", NULL);
	evt_uint(e, "first", k->gap.first);
	evt_uint(e, "last", k->gap.last);
	evt_str(e, "reason", k->gap.reason);
	evt_str(e, "output", "kafka");
	k->gap_sent_first = k->gap.first;
	k->gap_sent_last = k->gap.last;
	memset(&k->gap, 0, sizeof(k->gap));
	k->gap_sent_seq = evt_fanout_emit(k->fo, e);
}

/*
 * Delivery reports.
 */

static void
kafka_lat_add(struct evt_kafka *k, uint64_t t0)
{
	uint64_t	us = (kafka_nsec() - t0) / 1000;

	k->lat[k->nlat++ % EVT_KAFKA_LAT_SAMPLES] = us > UINT32_MAX ?
	    UINT32_MAX : (uint32_t)us;
}

/* Moves acked over every acknowledged record. */
static void
kafka_advance(struct evt_kafka *k)
{
	size_t	i;

	while (k->acked < k->sent && k->done[(k->acked + 1) % k->cap]) {
		i = (k->acked + 1) % k->cap;
		k->done[i] = 0;
		k->bytes -= k->bytes >= k->lens[i] ? k->lens[i] : k->bytes;
		k->lens[i] = 0;
		k->acked++;
	}
}

/*
 * Errors that say nothing about the record itself: the topic, the
 * cluster or the connection refuse everything for now.  They never count
 * towards skipping a record (KAFKA_MAX_FAILS): the record waits.
 */
static int
kafka_err_whole(rd_kafka_resp_err_t err)
{
	switch (err) {
	case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
	case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
	case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
	case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
	case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
	case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
	case RD_KAFKA_RESP_ERR__AUTHENTICATION:
	case RD_KAFKA_RESP_ERR__SSL:
	case RD_KAFKA_RESP_ERR__TRANSPORT:
	case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
	case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
	case RD_KAFKA_RESP_ERR__TIMED_OUT:
	case RD_KAFKA_RESP_ERR__PURGE_QUEUE:
	case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
	case RD_KAFKA_RESP_ERR__DESTROY:
	case RD_KAFKA_RESP_ERR__FATAL:
		return 1;
	default:
		return 0;
	}
}

static void
kafka_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *arg)
{
	struct evt_kafka	*k = arg;
	uint64_t		 seq = (uint64_t)(uintptr_t)m->_private;
	size_t			 i;

	(void)rk;
	if (seq <= k->acked || seq > k->sent)
		return;			/* from before a rewind */
	i = seq % k->cap;
	if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		k->failed++;
		if (!k->rewind)
			log_warnx("kafka: event %" PRIu64 " not delivered: "
			    "%s; resending from the log", seq,
			    rd_kafka_err2str(m->err));
		/* Only the oldest unacknowledged record counts towards
		 * KAFKA_MAX_FAILS: it is the one every resend starts with,
		 * and the others of its batch fail along with it.  Errors
		 * of the whole topic or connection never make it skip. */
		if (seq == k->acked + 1 && !kafka_err_whole(m->err)) {
			if (seq == k->fail_seq)
				k->fail_count++;
			else {
				k->fail_seq = seq;
				k->fail_count = 1;
			}
		}
		k->rewind = 1;
		return;
	}
	k->done[i] = 1;
	k->published++;
	k->connected = 1;
	if (k->t0[i] != 0)
		kafka_lat_add(k, k->t0[i]);
	kafka_advance(k);
}

static void
kafka_error(rd_kafka_t *rk, int err, const char *reason, void *arg)
{
	struct evt_kafka	*k = arg;
	char			 buf[256];

	if (err == RD_KAFKA_RESP_ERR__FATAL) {
		rd_kafka_fatal_error(rk, buf, sizeof(buf));
		log_warnx("kafka: fatal producer error: %s; restarting the "
		    "producer", buf);
		k->reset = 1;
		return;
	}
	if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
		k->connected = 0;
	log_debug("kafka: %s", reason);
}

static void
kafka_log_cb(const rd_kafka_t *rk, int level, const char *fac,
    const char *buf)
{
	(void)rk;
	if (level <= 3)
		log_warnx("kafka: %s: %s", fac, buf);
	else
		log_debug("kafka: %s: %s", fac, buf);
}

/*
 * Producing one record.
 */

/*
 * The record's keys, read in place.  The output needs four strings of
 * the top-level map (type, collector, region, peer.address); a full
 * msgpack_unpack() into a zone cost more than the produce itself, so
 * this walks the map once and skips every other value.  Bounds are
 * checked at every step: a record it cannot walk is sent with what was
 * found (the log has been written by our own encoder anyway).
 */
struct kafka_keys {
	const char	*type, *coll, *region, *peer;
	size_t		 tlen, clen, rlen, plen;
};

/* Reads a length of n big-endian bytes.  Returns 0, or -1 past end. */
static int
mp_be(const uint8_t **p, const uint8_t *end, size_t n, uint64_t *v)
{
	size_t	i;

	if ((size_t)(end - *p) < n)
		return -1;
	for (*v = 0, i = 0; i < n; i++)
		*v = *v << 8 | (*p)[i];
	*p += n;
	return 0;
}

/* Reads a str header: 1 and its body, 0 if not a str, -1 malformed. */
static int
mp_str(const uint8_t **p, const uint8_t *end, const char **s, size_t *len)
{
	const uint8_t	*q = *p;
	uint64_t	 n;

	if (q >= end)
		return -1;
	if ((*q & 0xe0) == 0xa0)
		n = *q++ & 0x1f;
	else if (*q >= 0xd9 && *q <= 0xdb) {
		q++;
		if (mp_be(&q, end, (size_t)1 << (q[-1] - 0xd9), &n) == -1)
			return -1;
	} else
		return 0;
	if ((uint64_t)(end - q) < n)
		return -1;
	*s = (const char *)q;
	*len = (size_t)n;
	*p = q + n;
	return 1;
}

/* Reads a map header: 1 with its size, 0 if not a map, -1 malformed. */
static int
mp_map(const uint8_t **p, const uint8_t *end, uint64_t *n)
{
	if (*p >= end)
		return -1;
	if ((**p & 0xf0) == 0x80) {
		*n = *(*p)++ & 0x0f;
		return 1;
	}
	if (**p == 0xde || **p == 0xdf) {
		(*p)++;
		return mp_be(p, end, (*p)[-1] == 0xde ? 2 : 4, n) == -1 ?
		    -1 : 1;
	}
	return 0;
}

/* Skips one object.  Returns 0, or -1 if malformed or too deep. */
static int
mp_skip(const uint8_t **p, const uint8_t *end, int depth)
{
	const uint8_t	*q = *p;
	uint64_t	 n, i;
	uint8_t		 b;
	size_t		 fix;

	if (q >= end || depth > 16)
		return -1;
	b = *q++;
	n = 0;
	if (b <= 0x7f || b >= 0xe0 || (b >= 0xc0 && b <= 0xc3))
		fix = 0;				/* fixint, nil, bool */
	else if ((b & 0xe0) == 0xa0)
		fix = b & 0x1f;				/* fixstr */
	else if ((b & 0xf0) == 0x80 || (b & 0xf0) == 0x90) {
		n = (uint64_t)(b & 0x0f) * ((b & 0xf0) == 0x80 ? 2 : 1);
		goto nested;
	} else if (b >= 0xc4 && b <= 0xc6) {		/* bin 8/16/32 */
		if (mp_be(&q, end, (size_t)1 << (b - 0xc4), &n) == -1)
			return -1;
		fix = 0;
		if ((uint64_t)(end - q) < n)
			return -1;
		q += n;
	} else if (b >= 0xd9 && b <= 0xdb) {		/* str 8/16/32 */
		if (mp_be(&q, end, (size_t)1 << (b - 0xd9), &n) == -1 ||
		    (uint64_t)(end - q) < n)
			return -1;
		fix = 0;
		q += n;
	} else if (b >= 0xcc && b <= 0xd3)		/* (u)int 8..64 */
		fix = (size_t)1 << ((b - 0xcc) & 3);
	else if (b == 0xca || b == 0xcb)		/* float 32/64 */
		fix = b == 0xca ? 4 : 8;
	else if (b >= 0xd4 && b <= 0xd8)		/* fixext 1..16 */
		fix = 1 + ((size_t)1 << (b - 0xd4));
	else if (b >= 0xc7 && b <= 0xc9) {		/* ext 8/16/32 */
		if (mp_be(&q, end, (size_t)1 << (b - 0xc7), &n) == -1)
			return -1;
		fix = 1 + n;
	} else {					/* array/map 16/32 */
		if (mp_be(&q, end, b == 0xdc || b == 0xde ? 2 : 4, &n) == -1)
			return -1;
		if (b >= 0xde)
			n *= 2;
		goto nested;
	}
	if ((size_t)(end - q) < fix)
		return -1;
	*p = q + fix;
	return 0;
nested:
	if (n > (uint64_t)(end - q))
		return -1;			/* each object is >= 1 byte */
	for (i = 0; i < n; i++)
		if (mp_skip(&q, end, depth + 1) == -1)
			return -1;
	*p = q;
	return 0;
}

static int
kafka_keyis(const char *k, size_t klen, const char *name, size_t nlen)
{
	return klen == nlen && memcmp(k, name, nlen) == 0;
}

/* Finds the keys of record rec (missing ones stay NULL). */
static void
kafka_keys(const uint8_t *rec, size_t len, struct kafka_keys *kk)
{
	const uint8_t	*p = rec, *end = rec + len;
	const char	*key, *s;
	size_t		 klen, slen;
	uint64_t	 n, m, i, j;
	int		 rv;

	memset(kk, 0, sizeof(*kk));
	if (mp_map(&p, end, &n) != 1)
		return;
	for (i = 0; i < n; i++) {
		if (mp_str(&p, end, &key, &klen) != 1)
			return;
		if ((rv = mp_str(&p, end, &s, &slen)) == -1)
			return;
		if (rv == 1) {
			if (kafka_keyis(key, klen, "type", 4)) {
				kk->type = s;
				kk->tlen = slen;
			} else if (kafka_keyis(key, klen, "collector", 9)) {
				kk->coll = s;
				kk->clen = slen;
			} else if (kafka_keyis(key, klen, "region", 6)) {
				kk->region = s;
				kk->rlen = slen;
			} else if (kafka_keyis(key, klen, "peer", 4)) {
				kk->peer = s;
				kk->plen = slen;
			}
			continue;
		}
		if (kafka_keyis(key, klen, "peer", 4) &&
		    mp_map(&p, end, &m) == 1) {
			/* peer: {address, ...} */
			for (j = 0; j < m; j++) {
				if (mp_str(&p, end, &key, &klen) != 1)
					return;
				if (kafka_keyis(key, klen, "address", 7) &&
				    mp_str(&p, end, &s, &slen) == 1) {
					kk->peer = s;
					kk->plen = slen;
				} else if (mp_skip(&p, end, 1) == -1)
					return;
			}
			continue;
		}
		if (mp_skip(&p, end, 0) == -1)
			return;
	}
}

/* seq in decimal into buf (>= 21 bytes); returns its length. */
static size_t
kafka_u64(char *buf, uint64_t v)
{
	char	tmp[20];
	size_t	n = 0, i;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return n;
}

/*
 * Hands record seq to the producer.  Returns 0, or -1 if the producer
 * refused it (queue full: retried later from the log).
 */
static int
kafka_produce(struct evt_kafka *k, const uint8_t *rec, size_t len,
    uint64_t seq, int live)
{
	msgpack_object		 o;
	struct kafka_keys	 kk;
	rd_kafka_headers_t	*hdrs;
	rd_kafka_resp_err_t	 err;
	const char		*key;
	const void		*val = rec;
	size_t			 klen, vlen = len, off = 0, slen;
	char			 seqs[24];

	kafka_keys(rec, len, &kk);
	if (kk.type == NULL)
		kk.type = "";
	if (kk.coll == NULL)
		kk.coll = "";
	if ((key = kk.region) != NULL)
		klen = kk.rlen;
	else if ((key = kk.peer) != NULL)
		klen = kk.plen;
	else {
		key = kk.type;
		klen = kk.tlen;
	}
	if (klen > KAFKA_KEY_MAX)
		klen = KAFKA_KEY_MAX;
	if (k->conf->format == CONF_KAFKA_JSON) {
		msgpack_zone_clear(&k->zone);
		if (msgpack_unpack((const char *)rec, len, &off, &k->zone,
		    &o) != MSGPACK_UNPACK_SUCCESS ||
		    o.type != MSGPACK_OBJECT_MAP)
			return 0;	/* not ours to judge: the log has it */
		evbuffer_drain(k->json, evbuffer_get_length(k->json));
		if (evt_json(k->json, &o) == -1)
			return 0;
		vlen = evbuffer_get_length(k->json);
		val = evbuffer_pullup(k->json, -1);
		if (vlen > 0 && ((const char *)val)[vlen - 1] == '\n')
			vlen--;
	}
	slen = kafka_u64(seqs, seq);
	hdrs = rd_kafka_headers_new(4);
	rd_kafka_header_add(hdrs, "v", 1, "1", 1);
	rd_kafka_header_add(hdrs, "seq", 3, seqs, (ssize_t)slen);
	rd_kafka_header_add(hdrs, "type", 4, kk.type, (ssize_t)kk.tlen);
	rd_kafka_header_add(hdrs, "collector", 9, kk.coll,
	    (ssize_t)kk.clen);
	err = rd_kafka_producev(k->rk, RD_KAFKA_V_RKT(k->rkt),
	    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
	    RD_KAFKA_V_VALUE((void *)(uintptr_t)val, vlen),
	    RD_KAFKA_V_KEY(key, klen), RD_KAFKA_V_HEADERS(hdrs),
	    RD_KAFKA_V_OPAQUE((void *)(uintptr_t)seq), RD_KAFKA_V_END);
	if (err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE ||
	    err == RD_KAFKA_RESP_ERR__INVALID_ARG) {
		/* This record is refused for good (larger than
		 * message.max.bytes): retrying cannot help. */
		rd_kafka_headers_destroy(hdrs);
		kafka_gap_add(k, seq, seq, rd_kafka_err2str(err));
		k->done[seq % k->cap] = 1;
		k->lens[seq % k->cap] = 0;
		k->sent = seq;
		kafka_advance(k);
		return 0;
	}
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		/* Full, fatal (reset), or an error of the topic rather than
		 * of this record (it does not exist, we are not authorized
		 * any more: librdkafka fails every record at once until its
		 * metadata says otherwise): later, from the log. */
		if (err == RD_KAFKA_RESP_ERR__FATAL)
			k->reset = 1;
		else if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL &&
		    err != k->prod_err)
			log_warnx("kafka: topic %s refuses events for now: %s; "
			    "retrying from event %" PRIu64, k->conf->topic,
			    rd_kafka_err2str(err), seq);
		k->prod_err = err;
		rd_kafka_headers_destroy(hdrs);
		return -1;
	}
	if (k->prod_err != RD_KAFKA_RESP_ERR_NO_ERROR &&
	    k->prod_err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
		log_info("kafka: topic %s takes events again", k->conf->topic);
	k->prod_err = RD_KAFKA_RESP_ERR_NO_ERROR;
	/* Latency of one live record in KAFKA_LAT_EVERY (clock reads are
	 * a visible share of the per-record cost). */
	k->t0[seq % k->cap] = live && seq % KAFKA_LAT_EVERY == 0 ?
	    kafka_nsec() : 0;
	k->done[seq % k->cap] = 0;
	k->lens[seq % k->cap] = (uint32_t)len;
	k->bytes += len;
	k->sent = seq;
	return 0;
}

/*
 * Catching up from the log.
 */

static void
kafka_reader_close(struct evt_kafka *k)
{
	evt_reader_close(k->rd);
	k->rd = NULL;
}

/* Opens the log at sent+1.  Returns 0, 1 if that file is not there, -1. */
static int
kafka_reader_open(struct evt_kafka *k)
{
	const struct evt_log	*log = evt_fanout_log(k->fo);
	char			 name[PATH_MAX], err[256];

	if (evt_log_file(log, k->rd_gen, name, sizeof(name)) == 1)
		return 1;
	if ((k->rd = evt_reader_open(name, err, sizeof(err))) == NULL)
		return errno == ENOENT ? 1 : -1;
	return evt_reader_seek_seq(k->rd, k->sent + 1);
}

/*
 * One record from the log to the producer.  Returns 1 to go on, 0 when
 * caught up or the producer is full, -1 on a read error (logged).
 */
static int
kafka_catchup_one(struct evt_kafka *k)
{
	const struct evt_log	*log = evt_fanout_log(k->fo);
	struct evt_record	 rec;
	int			 rv;

	if (k->sent >= k->want) {
		k->behind = 0;
		kafka_reader_close(k);
		return 0;
	}
	if (k->sent - k->acked >= k->cap)
		return 0;
	if (k->rd == NULL && (rv = kafka_reader_open(k)) != 0) {
		if (rv == 1 && k->rd_gen < evt_log_gen(log)) {
			k->rd_gen++;
			return 1;
		}
		if (rv == -1) {
			log_warn("kafka: reading the event log");
			return -1;
		}
		goto missing;
	}
	if ((rv = evt_reader_next(k->rd, &rec)) == -1) {
		log_warn("kafka: reading the event log");
		kafka_reader_close(k);
		return -1;
	}
	if (rv == 0) {
		kafka_reader_close(k);
		if (k->rd_gen < evt_log_gen(log)) {
			k->rd_gen++;
			return 1;
		}
		goto missing;
	}
	if (rec.seq <= k->sent)
		return 1;
	if (rec.seq > k->want) {
		kafka_reader_close(k);
		goto missing;
	}
	if (rec.seq > k->sent + 1) {
		/* Rotated away.  Skip them once nothing is in flight (the
		 * reader finds rec again then). */
		if (k->sent != k->acked) {
			kafka_reader_close(k);
			return 0;
		}
		kafka_gap_add(k, k->sent + 1, rec.seq - 1,
		    "no longer in the event log");
		k->sent = k->acked = rec.seq - 1;
	}
	if (kafka_produce(k, rec.data, rec.len, rec.seq, 0) == -1) {
		kafka_reader_close(k);	/* read it again next time */
		return 0;
	}
	k->replayed++;
	return 1;
missing:
	/* The log ends before want: those records were never logged. */
	if (k->sent == k->acked) {
		kafka_gap_add(k, k->sent + 1, k->want, "not in the event log");
		k->sent = k->acked = k->want;
	}
	return 0;
}

/* Feeds the producer from the log for one turn. */
static void
kafka_catchup(struct evt_kafka *k)
{
	int	n, rv = 1;

	for (n = 0; n < KAFKA_TURN_RECORDS && rv == 1; n++)
		rv = kafka_catchup_one(k);
	if (rv == 1)
		kafka_more(k);
}

static void
kafka_more_cb(evutil_socket_t fd, short what, void *arg)
{
	struct evt_kafka	*k = arg;

	(void)fd;
	(void)what;
	if (k->rk != NULL && k->behind && !k->rewind)
		kafka_catchup(k);
}

static void
kafka_more(struct evt_kafka *k)
{
	static const struct timeval zero = { 0, 0 };

	if (k->ev_more != NULL)
		evtimer_add(k->ev_more, &zero);
}

/* After the deliveries: resend after a failure, catch up, save state. */
static void
kafka_after_poll(struct evt_kafka *k)
{
	char	err[256];

	if (k->reset && k->rk != NULL) {
		k->reset = 0;
		k->resets++;
		kafka_stop(k);
		if (kafka_start(k, err, sizeof(err)) == -1)
			log_warnx("kafka: %s", err);
		return;
	}
	if (k->rewind && k->sent - k->acked > 0 &&
	    k->done[(k->acked + 1) % k->cap] == 0 && k->fail_count > 0 &&
	    k->fail_seq == k->acked + 1 && k->fail_count >= KAFKA_MAX_FAILS) {
		kafka_gap_add(k, k->acked + 1, k->acked + 1,
		    "the brokers refused it");
		k->done[(k->acked + 1) % k->cap] = 1;
		k->fail_count = 0;
		kafka_advance(k);
	}
	if (k->rewind && rd_kafka_outq_len(k->rk) == 0) {
		/* Everything out has been reported: send again what was
		 * not acknowledged, from the log. */
		k->rewind = 0;
		memset(k->done, 0, k->cap);
		memset(k->lens, 0, k->cap * sizeof(*k->lens));
		k->bytes = 0;
		k->sent = k->acked;
		if (k->want > k->sent)
			k->behind = 1;
		kafka_reader_close(k);
		k->rd_gen = evt_log_first_gen(evt_fanout_log(k->fo),
		    k->sent + 1);
	}
	if (k->behind && !k->rewind)
		kafka_catchup(k);
	kafka_state_write(k, 0);
}

uint64_t
evt_kafka_poll(void *state, int timeout_ms)
{
	struct evt_kafka	*k = state;

	if (k->rk == NULL)
		return 0;
	rd_kafka_poll(k->rk, timeout_ms);
	kafka_after_poll(k);
	if (k->rk == NULL)
		return 0;
	return k->sent - k->acked;
}

static void
kafka_pipe_cb(evutil_socket_t fd, short what, void *arg)
{
	char	buf[256];

	(void)what;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	(void)evt_kafka_poll(arg, 0);
}

static void
kafka_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct evt_kafka	*k = arg;

	char			 err[256];

	(void)fd;
	(void)what;
	if (k->conf != NULL && k->rk == NULL && kafka_start(k, err,
	    sizeof(err)) == -1) {
		log_warnx("%s", err);
		return;
	}
	(void)evt_kafka_poll(k, 0);
	kafka_gap_emit(k);
}

/*
 * The producer's life.
 */

static int
kafka_set(rd_kafka_conf_t *rc, const char *name, const char *val,
    char *err, size_t errlen)
{
	char	buf[256];

	if (val == NULL)
		return 0;
	if (rd_kafka_conf_set(rc, name, val, buf, sizeof(buf)) !=
	    RD_KAFKA_CONF_OK) {
		snprintf(err, errlen, "kafka: %s: %s", name, buf);
		return -1;
	}
	return 0;
}

static rd_kafka_conf_t *
kafka_conf(const struct config_kafka *c, char *err, size_t errlen)
{
	rd_kafka_conf_t			*rc = rd_kafka_conf_new();
	char				 qmax[24], mech[32];
	size_t				 i;
	int				 rv = 0;

	snprintf(qmax, sizeof(qmax), "%u", c->queue + 1000);
	rv |= kafka_set(rc, "bootstrap.servers", c->brokers, err, errlen);
	rv |= kafka_set(rc, "enable.idempotence", "true", err, errlen);
	rv |= kafka_set(rc, "acks", "all", err, errlen);
	rv |= kafka_set(rc, "linger.ms", "5", err, errlen);
	rv |= kafka_set(rc, "message.timeout.ms", "0", err, errlen);
	rv |= kafka_set(rc, "queue.buffering.max.messages", qmax, err,
	    errlen);
	rv |= kafka_set(rc, "compression.codec", "lz4", err, errlen);
	/* A topic refused as a whole (not authorized, deleted) is looked
	 * up again this often; until then events wait in the log. */
	rv |= kafka_set(rc, "topic.metadata.refresh.interval.ms", "10000",
	    err, errlen);
	/* Back quickly after an outage: the backlog waits in the log. */
	rv |= kafka_set(rc, "reconnect.backoff.max.ms", "1000", err, errlen);
	if (c->tls || c->sasl_mech != NULL)
		rv |= kafka_set(rc, "security.protocol", c->tls ?
		    (c->sasl_mech ? "sasl_ssl" : "ssl") : "sasl_plaintext",
		    err, errlen);
	rv |= kafka_set(rc, "ssl.ca.location", c->tls_ca, err, errlen);
	rv |= kafka_set(rc, "ssl.certificate.location", c->tls_cert, err,
	    errlen);
	rv |= kafka_set(rc, "ssl.key.location", c->tls_key, err, errlen);
	if (c->sasl_mech != NULL) {
		for (i = 0; c->sasl_mech[i] != '\0' && i < sizeof(mech) - 1;
		    i++)
			mech[i] = c->sasl_mech[i] >= 'a' &&
			    c->sasl_mech[i] <= 'z' ? c->sasl_mech[i] - 32 :
			    c->sasl_mech[i];
		mech[i] = '\0';
		rv |= kafka_set(rc, "sasl.mechanisms", mech, err, errlen);
		rv |= kafka_set(rc, "sasl.username", c->sasl_user, err,
		    errlen);
		rv |= kafka_set(rc, "sasl.password", c->sasl_pass, err,
		    errlen);
	}
	for (i = 0; i < c->nopts; i++)
		rv |= kafka_set(rc, c->opt_name[i], c->opt_value[i], err,
		    errlen);
	if (rv != 0) {
		rd_kafka_conf_destroy(rc);
		return NULL;
	}
	return rc;
}

/* The producer's configuration with our callbacks, or NULL (err set). */
static rd_kafka_conf_t *
kafka_conf_cb(struct evt_kafka *k, char *err, size_t errlen)
{
	rd_kafka_conf_t	*rc;

	if ((rc = kafka_conf(k->conf, err, errlen)) == NULL)
		return NULL;
	rd_kafka_conf_set_opaque(rc, k);
	rd_kafka_conf_set_dr_msg_cb(rc, kafka_dr);
	rd_kafka_conf_set_error_cb(rc, kafka_error);
	rd_kafka_conf_set_log_cb(rc, kafka_log_cb);
	return rc;
}

/* Creates the producer and resumes at acked+1.  Returns 0, or -1. */
static int
kafka_start(struct evt_kafka *k, char *err, size_t errlen)
{
	rd_kafka_conf_t		*rc;
	rd_kafka_queue_t	*q;
	char			 buf[256];

	if ((rc = kafka_conf_cb(k, err, errlen)) == NULL)
		return -1;
	if ((k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, rc, buf,
	    sizeof(buf))) == NULL) {
		rd_kafka_conf_destroy(rc);
		snprintf(err, errlen, "kafka: %s", buf);
		return -1;
	}
	if ((k->rkt = rd_kafka_topic_new(k->rk, k->conf->topic, NULL)) ==
	    NULL) {
		snprintf(err, errlen, "kafka: topic %s: %s", k->conf->topic,
		    rd_kafka_err2str(rd_kafka_last_error()));
		rd_kafka_destroy(k->rk);
		k->rk = NULL;
		return -1;
	}
	if (k->base != NULL) {
		if (pipe(k->pipefd) == -1)
			fatal("kafka: pipe");
		(void)fcntl(k->pipefd[0], F_SETFL, O_NONBLOCK);
		(void)fcntl(k->pipefd[1], F_SETFL, O_NONBLOCK);
		(void)fcntl(k->pipefd[0], F_SETFD, FD_CLOEXEC);
		(void)fcntl(k->pipefd[1], F_SETFD, FD_CLOEXEC);
		q = rd_kafka_queue_get_main(k->rk);
		rd_kafka_queue_io_event_enable(q, k->pipefd[1], "1", 1);
		rd_kafka_queue_destroy(q);
		k->ev_pipe = event_new(k->base, k->pipefd[0],
		    EV_READ | EV_PERSIST, kafka_pipe_cb, k);
		event_add(k->ev_pipe, NULL);
	}
	memset(k->done, 0, k->cap);
	memset(k->lens, 0, k->cap * sizeof(*k->lens));
	k->bytes = 0;
	k->sent = k->acked;
	k->rewind = 0;
	k->behind = k->want > k->sent;
	k->rd_gen = evt_log_first_gen(evt_fanout_log(k->fo), k->sent + 1);
	if (k->behind)
		kafka_more(k);
	return 0;
}

/* Flushes what it can, records acked and destroys the producer. */
static void
kafka_stop(struct evt_kafka *k)
{
	if (k->rk == NULL)
		return;
	rd_kafka_flush(k->rk, KAFKA_CLOSE_MSEC);
	rd_kafka_purge(k->rk, RD_KAFKA_PURGE_F_QUEUE |
	    RD_KAFKA_PURGE_F_INFLIGHT);
	k->rewind = 1;		/* purged reports are expected */
	rd_kafka_poll(k->rk, 0);
	kafka_state_write(k, 1);
	rd_kafka_topic_destroy(k->rkt);
	rd_kafka_destroy(k->rk);
	k->rk = NULL;
	k->rkt = NULL;
	if (k->ev_pipe != NULL) {
		event_free(k->ev_pipe);
		k->ev_pipe = NULL;
		close(k->pipefd[0]);
		close(k->pipefd[1]);
	}
	kafka_reader_close(k);
	k->rewind = 0;
}

/* Takes c (copied), the state file and the ring.  Returns 0, or -1. */
static int
kafka_configure(struct evt_kafka *k, const struct config_events *ev,
    char *err, size_t errlen)
{
	const struct config_kafka	*c = ev->kafka;
	char				 path[PATH_MAX];
	uint64_t			 last = evt_fanout_next_seq(k->fo) - 1;
	int				 found;

	if ((k->conf = calloc(1, sizeof(*k->conf))) == NULL)
		fatal("kafka_configure");
	*k->conf = *c;
	/* Only the strings we read are copied; the rest stays NULL. */
	memset(k->conf->opt_name, 0, sizeof(k->conf->opt_name));
	memset(k->conf->opt_value, 0, sizeof(k->conf->opt_value));
	k->conf->nopts = 0;
	k->conf->brokers = strdup(c->brokers);
	k->conf->topic = strdup(c->topic);
	k->conf->state = c->state ? strdup(c->state) : NULL;
	k->conf->tls_ca = c->tls_ca ? strdup(c->tls_ca) : NULL;
	k->conf->tls_cert = c->tls_cert ? strdup(c->tls_cert) : NULL;
	k->conf->tls_key = c->tls_key ? strdup(c->tls_key) : NULL;
	k->conf->sasl_mech = c->sasl_mech ? strdup(c->sasl_mech) : NULL;
	k->conf->sasl_user = c->sasl_user ? strdup(c->sasl_user) : NULL;
	k->conf->sasl_pass = c->sasl_pass ? strdup(c->sasl_pass) : NULL;
	for (; k->conf->nopts < c->nopts; k->conf->nopts++) {
		k->conf->opt_name[k->conf->nopts] =
		    strdup(c->opt_name[k->conf->nopts]);
		k->conf->opt_value[k->conf->nopts] =
		    strdup(c->opt_value[k->conf->nopts]);
	}
	k->cap = c->queue;
	if ((k->done = calloc(k->cap, 1)) == NULL ||
	    (k->t0 = calloc(k->cap, sizeof(*k->t0))) == NULL ||
	    (k->lens = calloc(k->cap, sizeof(*k->lens))) == NULL)
		fatal("kafka_configure");
	k->want = last;
	k->acked = last;	/* no state: from the next event on */
	k->state_fd = -1;
	if (c->state != NULL)
		snprintf(path, sizeof(path), "%s", c->state);
	else if (ev->log_path != NULL)
		snprintf(path, sizeof(path), "%s.kafka", ev->log_path);
	else
		path[0] = '\0';
	if (path[0] != '\0' && ev->log_path != NULL) {
		k->acked = kafka_state_read(path, &found);
		if (!found)
			k->acked = last;
		else if (k->acked > last) {
			log_warnx("kafka: state file %s says %" PRIu64 " but "
			    "the log ends at %" PRIu64 "; resuming there", path,
			    k->acked, last);
			k->acked = last;
		}
		if ((k->state_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC,
		    0640)) == -1) {
			snprintf(err, errlen, "kafka: state file %s: %s", path,
			    strerror(errno));
			return -1;
		}
		k->state_path = strdup(path);
		k->state_acked = UINT64_MAX;
		kafka_state_write(k, 1);
		if (found && k->acked < last)
			log_info("kafka: resuming at event %" PRIu64
			    " (%" PRIu64 " to send)", k->acked + 1,
			    last - k->acked);
	}
	k->sent = k->acked;
	if (k->ev_tick != NULL)
		event_add(k->ev_tick, &kafka_tick);
	return kafka_start(k, err, errlen);
}

static void
kafka_unconfigure(struct evt_kafka *k)
{
	if (k->ev_tick != NULL)
		event_del(k->ev_tick);
	kafka_stop(k);
	/* The thread's sync under way or waiting, before the file goes. */
	evt_syncer_free(k->syncer);
	k->syncer = NULL;
	if (k->state_fd != -1)
		close(k->state_fd);
	k->state_fd = -1;
	free(k->state_path);
	k->state_path = NULL;
	config_kafka_free(k->conf);
	k->conf = NULL;
	free(k->done);
	free(k->t0);
	free(k->lens);
	k->done = NULL;
	k->t0 = NULL;
	k->lens = NULL;
	k->bytes = 0;
}

/*
 * The row.
 */

static void *
kafka_open(struct evt_fanout *fo, struct event_base *base,
    const struct config_events *conf, char *err, size_t errlen)
{
	struct evt_kafka	*k;

	if ((k = calloc(1, sizeof(*k))) == NULL ||
	    (k->json = evbuffer_new()) == NULL ||
	    (k->lat = calloc(EVT_KAFKA_LAT_SAMPLES, sizeof(*k->lat))) ==
	    NULL || !msgpack_zone_init(&k->zone, 4096))
		fatal("kafka_open");
	k->fo = fo;
	k->base = base;
	k->state_fd = -1;
	if (base != NULL) {
		k->ev_tick = event_new(base, -1, EV_PERSIST, kafka_tick_cb, k);
		k->ev_more = evtimer_new(base, kafka_more_cb, k);
	}
	/* Replay mode (no loop) produces nothing. */
	if (base != NULL && conf->kafka != NULL &&
	    kafka_configure(k, conf, err, errlen) == -1) {
		kafka_unconfigure(k);
		goto fail;
	}
	return k;
fail:
	if (k->ev_tick != NULL)
		event_free(k->ev_tick);
	if (k->ev_more != NULL)
		event_free(k->ev_more);
	evbuffer_free(k->json);
	msgpack_zone_destroy(&k->zone);
	free(k->lat);
	free(k);
	return NULL;
}

/*
 * Without a log nothing can be read back: an event that finds the ring
 * full is lost (a gap).  The ring covers acked+1..sent, so the output
 * jumps over lost seqs only while they fit in it (or nothing is in
 * flight), marking them done.
 */
static void
kafka_publish_nolog(struct evt_kafka *k, const uint8_t *rec, size_t len,
    uint64_t seq)
{
	uint64_t	s;

	if (k->sent - k->acked >= k->cap ||
	    (k->sent != k->acked && seq - k->acked > k->cap)) {
		kafka_gap_add(k, seq, seq, "queue full and no event log");
		return;
	}
	if (k->sent == k->acked)
		k->sent = k->acked = seq - 1;
	for (s = k->sent + 1; s < seq; s++) {
		k->done[s % k->cap] = 1;
		k->t0[s % k->cap] = 0;
		k->lens[s % k->cap] = 0;
	}
	k->sent = seq - 1;
	if (kafka_produce(k, rec, len, seq, 1) == -1)
		kafka_gap_add(k, seq, seq, "refused by the producer and no "
		    "event log");
}

static void
kafka_publish(void *state, const uint8_t *rec, size_t len, uint64_t seq)
{
	struct evt_kafka	*k = state;

	if (k->conf == NULL)
		return;
	if (seq > k->want)
		k->want = seq;
	if (k->rk == NULL)
		return;		/* kafka_start() resumes from the log */
	if (!k->behind && !k->rewind && seq == k->sent + 1 &&
	    k->sent - k->acked < k->cap &&
	    kafka_produce(k, rec, len, seq, 1) == 0)
		return;
	if (k->behind || k->rewind || seq <= k->sent)
		return;
	/* Full (or refused): the log has it, catch up from there. */
	if (evt_log_enabled(evt_fanout_log(k->fo))) {
		k->behind = 1;
		k->rd_gen = evt_log_first_gen(evt_fanout_log(k->fo),
		    k->sent + 1);
		return;
	}
	kafka_publish_nolog(k, rec, len, seq);
}

static int
kafka_reconfigure(void *state, const struct config_events *conf,
    char *err, size_t errlen)
{
	struct evt_kafka	*k = state;

	rd_kafka_conf_t		*rc;

	if (k->base == NULL || config_kafka_equal(k->conf, conf->kafka))
		return 0;
	/* What can be refused is refused before the running one stops. */
	if (conf->kafka != NULL) {
		if ((rc = kafka_conf(conf->kafka, err, errlen)) == NULL)
			return -1;
		rd_kafka_conf_destroy(rc);
	}
	kafka_unconfigure(k);
	if (conf->kafka == NULL)
		return 0;
	if (kafka_configure(k, conf, err, errlen) == -1) {
		kafka_unconfigure(k);
		return -1;
	}
	return 0;
}

static void
kafka_close(void *state)
{
	struct evt_kafka	*k = state;

	if (k == NULL)
		return;
	kafka_unconfigure(k);
	if (k->ev_tick != NULL)
		event_free(k->ev_tick);
	if (k->ev_more != NULL)
		event_free(k->ev_more);
	evbuffer_free(k->json);
	msgpack_zone_destroy(&k->zone);
	free(k->lat);
	free(k);
}

static void
kafka_stats(const void *state, struct evt_output_stats *st)
{
	const struct evt_kafka	*k = state;

	st->clients = k->rk != NULL && k->connected;
	st->queued = k->bytes;
	st->published = k->published;
	st->failed = k->failed;
}

static int
kafka_cmp_u32(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

void
evt_kafka_info(const void *state, struct evt_kafka_info *in)
{
	const struct evt_kafka	*k = state;
	uint32_t		*s;
	uint64_t		 n;

	memset(in, 0, sizeof(*in));
	in->enabled = k->conf != NULL;
	in->acked = k->acked;
	in->sent = k->sent;
	in->inflight = k->sent - k->acked;
	in->catching_up = k->replayed;
	in->lost = k->lost;
	in->resets = k->resets;
	in->failed = k->failed;
	in->published = k->published;
	in->connected = k->rk != NULL && k->connected;
	in->bytes = k->bytes;
	n = k->nlat < EVT_KAFKA_LAT_SAMPLES ? k->nlat : EVT_KAFKA_LAT_SAMPLES;
	in->lat_samples = k->nlat;
	if (n == 0)
		return;
	if ((s = malloc(n * sizeof(*s))) == NULL)
		fatal("evt_kafka_info");
	memcpy(s, k->lat, n * sizeof(*s));
	qsort(s, n, sizeof(*s), kafka_cmp_u32);
	in->lat_p50_us = s[n / 2];
	in->lat_p99_us = s[n * 99 / 100];
	free(s);
}

const void *
evt_kafka_state(const struct evt_fanout *fo)
{
	return evt_fanout_output_state(fo, "kafka");
}

uint64_t
evt_kafka_acked(const void *state)
{
	return ((const struct evt_kafka *)state)->acked;
}

void
evt_kafka_reset_latency(void *state)
{
	struct evt_kafka	*k = state;

	k->nlat = 0;
}

const struct evt_output evt_kafka_output = {
	.name = "kafka",
	.open = kafka_open,
	.publish = kafka_publish,
	.reconfigure = kafka_reconfigure,
	.close = kafka_close,
	.stats = kafka_stats,
};
