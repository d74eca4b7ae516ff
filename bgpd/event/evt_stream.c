/*
 * The stream output: subscribers on unix or TLS stream sockets get the
 * records back to back (listeners: evt_stream_listen.c).
 *
 * A new subscriber starts in SUB_HELLO: live events are held in its
 * pending buffer while it may send a request, one msgpack map:
 * {"from": SEQ} asks for a replay, {} (no "from") for live events now;
 * without a request within EVT_REQUEST_TIMEOUT it goes live with what
 * was held.  On {"from": SEQ} below the next seq N, the held events are
 * dropped (they are in the log) and SUB_REPLAY reads the log files from
 * SEQ up to N-1 while new live events (seq >= N) collect in pending;
 * once the replay is written out the pending buffer follows and the
 * subscriber is SUB_LIVE.  The seq boundary N is what makes the stream
 * free of gaps and duplicates.  A replay goes through the log's files by
 * generation (evt_log_file()), so rotations during a replay do not
 * confuse it; the output never looks inside the log or the fan-out.
 *
 * Subscribers are hostile until proven otherwise: at most
 * EVT_MAX_SUBSCRIBERS at once, a request within EVT_REQUEST_MAX bytes
 * (more garbage and it is dropped), input after the request is read and
 * thrown away, the bytes waiting for it are capped by queue-limit (over
 * it, the subscriber is dropped: the daemon never blocks or grows for a
 * slow reader), and a replay is written in slices of EVT_REPLAY_HIWAT
 * bytes, the next only when the subscriber has read the last one.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <msgpack.h>
#include <openssl/err.h>

#include "evt_log.h"
#include "evt_reader.h"
#include "evt_stream.h"
#include "log.h"

#define EVT_REPLAY_HIWAT	(256 * 1024)	/* replay slice */
#define EVT_REPLAY_LOWAT	(32 * 1024)	/* write the next one */
#define EVT_REPLAY_USEC		5000		/* per loop turn */
#define EVT_FROM_AHEAD		(1ULL << 20)	/* "from" past the next seq */

enum sub_state {
	SUB_HELLO,		/* may send a request; events held */
	SUB_REPLAY,		/* reading the log; events held */
	SUB_LIVE,
	SUB_CLOSING		/* "follow": false: replay sent, closing */
};

struct evt_stream_sub {
	TAILQ_ENTRY(evt_stream_sub) entry;
	struct evt_stream	*stream;
	struct bufferevent	*bev;
	struct evbuffer		*pending;	/* held while not live */
	struct event		*ev_timer;	/* request / handshake */
	struct event		*ev_more;	/* continue a replay */
	enum sub_state		 state;
	int			 tls, handshaken;
	size_t			 garbage;	/* bytes before a request */
	uint64_t		 skip_below;	/* live seqs not wanted */
	uint64_t		 next;		/* replay: next seq to send */
	uint64_t		 upto;		/* replay: first live seq */
	uint64_t		 gen;		/* replay: file generation */
	int			 replay_done;
	int			 no_follow;	/* close after the replay */
	struct evt_reader	*rd;
	char			 name[96];
};

static void	sub_free(struct evt_stream_sub *);
static void	sub_replay_step(struct evt_stream_sub *);

static uint64_t
stream_queued(const struct evt_stream_sub *sub)
{
	if (sub->state == SUB_LIVE)
		return evbuffer_get_length(bufferevent_get_output(sub->bev));
	return evbuffer_get_length(sub->pending);
}

/* Queues one record.  The subscriber may be freed. */
static void
sub_push(struct evt_stream_sub *sub, const uint8_t *rec, size_t len,
    uint64_t seq)
{
	struct evbuffer	*to;

	if (seq < sub->skip_below || sub->state == SUB_CLOSING)
		return;
	to = sub->state == SUB_LIVE ? bufferevent_get_output(sub->bev) :
	    sub->pending;
	if (evbuffer_add(to, rec, len) == -1 ||
	    stream_queued(sub) > sub->stream->queue_limit) {
		log_warnx("event subscriber %s: more than %" PRIu64 " bytes "
		    "queued, disconnected", sub->name,
		    sub->stream->queue_limit);
		sub->stream->dropped++;
		sub->stream->disc[EVT_DISC_SLOW]++;
		sub_free(sub);
	}
}

/* Closes once the output is written (never frees sub synchronously). */
static void
sub_close_when_sent(struct evt_stream_sub *sub)
{
	sub->state = SUB_CLOSING;
	evbuffer_drain(sub->pending, (size_t)-1);
	bufferevent_setwatermark(sub->bev, EV_WRITE, 0, 0);
	event_active(sub->ev_more, EV_TIMEOUT, 0);
}

static void
sub_go_live(struct evt_stream_sub *sub)
{
	if (sub->ev_timer != NULL)
		evtimer_del(sub->ev_timer);
	evt_reader_close(sub->rd);
	sub->rd = NULL;
	if (sub->no_follow) {
		sub_close_when_sent(sub);
		return;
	}
	sub->state = SUB_LIVE;
	evbuffer_add_buffer(bufferevent_get_output(sub->bev), sub->pending);
	log_debug("event subscriber %s: live from seq %" PRIu64, sub->name,
	    evt_fanout_next_seq(sub->stream->fo));
}

/* The generation of the log file being written now. */
static uint64_t
sub_log_gen(const struct evt_stream_sub *sub)
{
	return evt_log_gen(evt_fanout_log(sub->stream->fo));
}

/*
 * Opens the log file of generation sub->gen for the replay.  Returns 0,
 * 1 if that generation is not there (rotated away), or -1.
 */
static int
sub_replay_open(struct evt_stream_sub *sub)
{
	const struct evt_log	*log = evt_fanout_log(sub->stream->fo);
	char			 name[PATH_MAX], err[256];

	if (evt_log_file(log, sub->gen, name, sizeof(name)) == 1)
		return 1;
	if ((sub->rd = evt_reader_open(name, err, sizeof(err))) == NULL)
		return errno == ENOENT ? 1 : -1;
	return evt_reader_seek_seq(sub->rd, sub->next);
}

static void
sub_request(struct evt_stream_sub *sub, int has_from, uint64_t from)
{
	struct evt_stream	*s = sub->stream;
	const struct evt_log	*log = evt_fanout_log(s->fo);
	uint64_t		 next = evt_fanout_next_seq(s->fo);

	evtimer_del(sub->ev_timer);
	if (!has_from || from >= next || !evt_log_enabled(log)) {
		if (has_from && from >= next) {
			evbuffer_drain(sub->pending, (size_t)-1);
			/*
			 * Live from a seq to come; but not so far ahead that
			 * the subscriber is never sent anything, so never
			 * meets the queue limit, and holds its slot for ever.
			 */
			sub->skip_below = from - next > EVT_FROM_AHEAD ?
			    next + EVT_FROM_AHEAD : from;
		}
		sub_go_live(sub);
		return;
	}
	/* Everything held is in the log: the replay covers it. */
	evbuffer_drain(sub->pending, (size_t)-1);
	sub->state = SUB_REPLAY;
	sub->next = from;
	sub->upto = next;
	sub->gen = evt_log_first_gen(log, from);
	log_debug("event subscriber %s: replay %" PRIu64 "..%" PRIu64,
	    sub->name, from, sub->upto - 1);
	event_active(sub->ev_more, EV_TIMEOUT, 0);
}

static uint64_t
stream_usec(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/*
 * One record of the replay into out.  Returns 1 to go on, 0 when the
 * replay is complete, -1 on failure (logged).
 */
static int
sub_replay_one(struct evt_stream_sub *sub, struct evbuffer *out)
{
	struct evt_record	rec;
	int			rv;

	if (sub->rd == NULL && (rv = sub_replay_open(sub)) != 0) {
		if (rv == 1 && sub->gen < sub_log_gen(sub)) {
			sub->gen++;	/* missing file: try the next */
			return 1;
		}
		if (rv == -1)
			log_warn("event subscriber %s: replay", sub->name);
		return rv == 1 ? 0 : -1;
	}
	if ((rv = evt_reader_next(sub->rd, &rec)) == -1) {
		log_warn("event subscriber %s: replay read", sub->name);
		return -1;
	}
	if (rv == 0) {
		evt_reader_close(sub->rd);
		sub->rd = NULL;
		if (sub->gen >= sub_log_gen(sub))
			return 0;	/* not all logged: nothing more */
		sub->gen++;
		return 1;
	}
	if (rec.seq < sub->next)
		return 1;
	if (rec.seq >= sub->upto)
		return 0;
	sub->next = rec.seq + 1;
	return evbuffer_add(out, rec.data, rec.len) == 0 ? 1 : -1;
}

/* Writes replay slices until the output is full or the turn is over. */
static void
sub_replay_step(struct evt_stream_sub *sub)
{
	static const struct timeval zero = { 0, 0 };
	struct evbuffer	*out = bufferevent_get_output(sub->bev);
	uint64_t	 start = stream_usec();
	unsigned	 n = 0;
	int		 rv = 1;

	while (!sub->replay_done &&
	    evbuffer_get_length(out) < EVT_REPLAY_HIWAT) {
		if ((rv = sub_replay_one(sub, out)) == -1) {
			sub->stream->disc[EVT_DISC_ERROR]++;
			sub_free(sub);
			return;
		}
		if (rv == 0)
			sub->replay_done = 1;
		else if (++n % 64 == 0 &&
		    stream_usec() - start > EVT_REPLAY_USEC) {
			/* A zero timer yields to the loop; event_active from
			 * this callback would run again in this iteration. */
			evtimer_add(sub->ev_more, &zero);
			return;
		}
	}
	/* Live events follow once the replay has (nearly) gone out. */
	if (sub->replay_done && evbuffer_get_length(out) <= EVT_REPLAY_LOWAT)
		sub_go_live(sub);
}

/* Continues a replay, or ends a closing subscriber whose output is out. */
static void
sub_continue(struct evt_stream_sub *sub)
{
	if (sub->state == SUB_REPLAY)
		sub_replay_step(sub);
	else if (sub->state == SUB_CLOSING &&
	    evbuffer_get_length(bufferevent_get_output(sub->bev)) == 0) {
		log_debug("event subscriber %s: replay sent, closing",
		    sub->name);
		sub->stream->disc[EVT_DISC_DONE]++;
		sub_free(sub);
	}
}

static void
sub_more_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	sub_continue(arg);
}

static void
sub_write_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	sub_continue(arg);
}

static int
sub_key_is(const msgpack_object *k, const char *s)
{
	return k->type == MSGPACK_OBJECT_STR && k->via.str.size ==
	    strlen(s) && memcmp(k->via.str.ptr, s, k->via.str.size) == 0;
}

/*
 * Reads a request from the decoded map ("from": SEQ, "follow": false;
 * other keys are ignored): returns 1 with *has_from and *from set, or 0
 * if it is not a request.
 */
static int
sub_parse_request(struct evt_stream_sub *sub, const msgpack_object *o,
    int *has_from, uint64_t *from)
{
	const msgpack_object_kv	*kv;
	uint32_t		 i;

	if (o->type != MSGPACK_OBJECT_MAP)
		return 0;
	*has_from = 0;
	for (i = 0; i < o->via.map.size; i++) {
		kv = &o->via.map.ptr[i];
		if (sub_key_is(&kv->key, "from")) {
			if (kv->val.type != MSGPACK_OBJECT_POSITIVE_INTEGER)
				return 0;
			*has_from = 1;
			*from = kv->val.via.u64;
		} else if (sub_key_is(&kv->key, "follow")) {
			if (kv->val.type != MSGPACK_OBJECT_BOOLEAN)
				return 0;
			sub->no_follow = !kv->val.via.boolean;
		}
	}
	return 1;
}

/*
 * Consumes one complete object from in.  Returns 1 if it was a request
 * (handled), 0 if more bytes are needed, -1 if it was garbage (counted).
 */
static int
sub_read_one(struct evt_stream_sub *sub, struct evbuffer *in)
{
	msgpack_unpacked res;
	size_t		 len, olen, off = 0;
	uint64_t	 from = 0;
	uint8_t		*p;
	int		 rv, has_from, req = 0;

	len = evbuffer_get_length(in);
	if (len > EVT_REQUEST_MAX + 1)
		len = EVT_REQUEST_MAX + 1;
	p = evbuffer_pullup(in, (ssize_t)len);
	if ((rv = evt_msgpack_skim(p, len, EVT_REQUEST_MAX, &olen)) == 0)
		return 0;
	if (rv == -1)
		olen = 1;	/* not msgpack: skip a byte */
	else {
		msgpack_unpacked_init(&res);
		if (msgpack_unpack_next(&res, (const char *)p, olen, &off) ==
		    MSGPACK_UNPACK_SUCCESS)
			req = sub_parse_request(sub, &res.data, &has_from,
			    &from);
		msgpack_unpacked_destroy(&res);
	}
	evbuffer_drain(in, olen);
	if (!req) {
		sub->garbage += olen;
		return -1;
	}
	sub_request(sub, has_from, from);
	return 1;
}

static void
sub_read_cb(struct bufferevent *bev, void *arg)
{
	struct evt_stream_sub	*sub = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	int		 rv;

	while (sub->state == SUB_HELLO && evbuffer_get_length(in) > 0) {
		if ((rv = sub_read_one(sub, in)) == 0)
			break;
		if (sub->garbage > EVT_REQUEST_MAX) {
			log_warnx("event subscriber %s: more than %d bytes "
			    "without a request, disconnected", sub->name,
			    EVT_REQUEST_MAX);
			sub->stream->disc[EVT_DISC_PROTOCOL]++;
			sub_free(sub);
			return;
		}
	}
	if (sub->state == SUB_HELLO &&
	    evbuffer_get_length(in) + sub->garbage > EVT_REQUEST_MAX) {
		log_warnx("event subscriber %s: request too long, "
		    "disconnected", sub->name);
		sub->stream->disc[EVT_DISC_PROTOCOL]++;
		sub_free(sub);
		return;
	}
	if (sub->state != SUB_HELLO)
		evbuffer_drain(in, evbuffer_get_length(in));
}

static void
sub_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct evt_stream_sub	*sub = arg;
	struct timeval	 tv = { EVT_REQUEST_TIMEOUT, 0 };
	unsigned long	 e;

	if (what & BEV_EVENT_CONNECTED) {
		sub->handshaken = 1;
		evtimer_add(sub->ev_timer, &tv);
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		if (sub->tls && (e = bufferevent_get_openssl_error(bev)) != 0)
			log_info("event subscriber %s: TLS: %s", sub->name,
			    ERR_reason_error_string(e));
		else if (EVUTIL_SOCKET_ERROR() != 0)
			log_debug("event subscriber %s: %s", sub->name,
			    strerror(EVUTIL_SOCKET_ERROR()));
	}
	log_debug("event subscriber %s: gone", sub->name);
	sub->stream->disc[sub->tls && !sub->handshaken ? EVT_DISC_TLS :
	    EVT_DISC_CLOSED]++;
	sub_free(sub);
}

static void
sub_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct evt_stream_sub	*sub = arg;

	(void)fd;
	(void)ev;
	if (sub->tls && !sub->handshaken) {
		log_info("event subscriber %s: no TLS handshake in %d s, "
		    "disconnected", sub->name, EVT_HANDSHAKE_TIMEOUT);
		sub->stream->disc[EVT_DISC_TLS]++;
		sub_free(sub);
	} else if (sub->state == SUB_HELLO)
		sub_go_live(sub);
}

static void
sub_free(struct evt_stream_sub *sub)
{
	struct evt_stream	*s = sub->stream;

	TAILQ_REMOVE(&s->subs, sub, entry);
	s->nsubs--;
	if (sub->bev != NULL)
		bufferevent_free(sub->bev);
	if (sub->pending != NULL)
		evbuffer_free(sub->pending);
	if (sub->ev_timer != NULL)
		event_free(sub->ev_timer);
	if (sub->ev_more != NULL)
		event_free(sub->ev_more);
	evt_reader_close(sub->rd);
	free(sub);
}

/* The bufferevent of a new connection, TLS when the listener says so. */

void
evt_stream_accept(struct evt_stream_listener *l, evutil_socket_t fd,
    const struct sockaddr *sa)
{
	struct evt_stream	*s = l->stream;
	struct evt_stream_sub	*sub;
	struct timeval		 tv = { EVT_REQUEST_TIMEOUT, 0 };

	if (s->nsubs >= EVT_MAX_SUBSCRIBERS) {
		if (s->full_logged != time(NULL))
			log_warnx("event subscribers: %d connected, refusing "
			    "more", EVT_MAX_SUBSCRIBERS);
		s->full_logged = time(NULL);
		evutil_closesocket(fd);
		return;
	}
	if ((sub = calloc(1, sizeof(*sub))) == NULL)
		fatal("event subscriber");
	sub->stream = s;
	s->nconn++;
	sub->tls = l->ctx != NULL;
	evt_stream_conn_name(l, sa, sub->name, sizeof(sub->name));
	TAILQ_INSERT_TAIL(&s->subs, sub, entry);
	s->nsubs++;
	if ((sub->pending = evbuffer_new()) == NULL ||
	    (sub->ev_timer = evtimer_new(s->base, sub_timer_cb, sub)) ==
	    NULL || (sub->ev_more = event_new(s->base, -1, 0, sub_more_cb,
	    sub)) == NULL || (sub->bev = evt_stream_bev(l, fd)) == NULL) {
		log_warnx("event subscriber %s: out of memory", sub->name);
		if (sub->bev == NULL)
			evutil_closesocket(fd);
		sub->stream->disc[EVT_DISC_ERROR]++;
		sub_free(sub);
		return;
	}
	bufferevent_setcb(sub->bev, sub_read_cb, sub_write_cb, sub_event_cb,
	    sub);
	bufferevent_setwatermark(sub->bev, EV_WRITE, EVT_REPLAY_LOWAT, 0);
	bufferevent_enable(sub->bev, EV_READ | EV_WRITE);
	if (sub->tls)
		tv.tv_sec = EVT_HANDSHAKE_TIMEOUT;
	evtimer_add(sub->ev_timer, &tv);
	log_debug("event subscriber %s: connected", sub->name);
}

/*
 * The output row.
 */

static int
stream_reconfigure(void *arg, const struct config_events *conf, char *err,
    size_t errlen)
{
	struct evt_stream	*s = arg;

	if (evt_stream_listen_apply(s, conf, err, errlen) == -1)
		return -1;
	s->queue_limit = conf->queue_limit > 0 ? conf->queue_limit :
	    CONF_DEFAULT_QUEUE_LIMIT;
	return 0;
}

static void *
stream_open(struct evt_fanout *fo, struct event_base *base,
    const struct config_events *conf, char *err, size_t errlen)
{
	struct evt_stream	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		fatal("evt_stream");
	s->fo = fo;
	s->base = base;
	TAILQ_INIT(&s->listeners);
	TAILQ_INIT(&s->subs);
	if (stream_reconfigure(s, conf, err, errlen) == -1) {
		free(s);
		return NULL;
	}
	return s;
}

static void
stream_publish(void *arg, const uint8_t *rec, size_t len, uint64_t seq)
{
	struct evt_stream	*s = arg;
	struct evt_stream_sub	*sub, *next;

	s->published++;
	for (sub = TAILQ_FIRST(&s->subs); sub != NULL; sub = next) {
		next = TAILQ_NEXT(sub, entry);
		sub_push(sub, rec, len, seq);
	}
}


static void
stream_close(void *arg)
{
	struct evt_stream	*s = arg;

	while (!TAILQ_EMPTY(&s->subs))
		sub_free(TAILQ_FIRST(&s->subs));
	evt_stream_listen_close(s);
	free(s);
}

static void
stream_stats(const void *arg, struct evt_output_stats *st)
{
	const struct evt_stream		*s = arg;
	const struct evt_stream_sub	*sub;

	st->clients = s->nsubs;
	st->published = s->published;
	st->dropped = s->dropped;
	memcpy(st->disconnects, s->disc, sizeof(st->disconnects));
	TAILQ_FOREACH(sub, &s->subs, entry)
		st->queued += stream_queued(sub);
}

const char *const evt_disc_names[EVT_DISC_NREASONS] = {
	"slow", "protocol", "tls", "closed", "done", "error",
};

const struct evt_output evt_stream_output = {
	.name = "stream",
	.open = stream_open,
	.publish = stream_publish,
	.reconfigure = stream_reconfigure,
	.close = stream_close,
	.stats = stream_stats,
};
