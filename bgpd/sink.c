/*
 * Where events go: the event log and the subscribers.
 *
 * The log.  Every record is appended with one write(2) on an O_APPEND
 * descriptor before anyone else sees it; a short write is cut back off
 * so that a failed record never sits in front of later ones.  The data
 * is fdatasync()ed by a timer EVT_SYNC_MSEC after the first unsynced
 * write, so a burst costs one sync and nothing is unsynced for longer
 * (the hot path never waits for the disk; a crash loses at most the last
 * EVT_SYNC_MSEC of events).  On open the seq is recovered from the last
 * EVT_TAIL_WINDOW bytes (whole-file scans would make a 1 GB log slow to
 * open; the records' sync marker lets the reader start anywhere), and
 * bytes after the last whole record, a write torn by a crash, are cut
 * off with a log line.  A log that would grow past max-size is renamed
 * PATH.1 (PATH.1 to PATH.2 ... up to keep) before the record is written.
 *
 * Subscribers (unix or TLS stream sockets) get the records back to back.
 * A new subscriber starts in SUB_HELLO: live events are held in its
 * pending buffer while it may send a request, one msgpack map:
 * {"from": SEQ} asks for a replay, {} (no "from") for live events now;
 * without a request within EVT_REQUEST_TIMEOUT it goes live with what
 * was held.  On {"from": SEQ} below the next seq N, the held events are
 * dropped (they are in the log) and SUB_REPLAY reads the log files from
 * SEQ up to N-1 while new live events (seq >= N) collect in pending;
 * once the replay is written out the pending buffer follows and the
 * subscriber is SUB_LIVE.  The seq boundary N is what makes the stream
 * free of gaps and duplicates.  A replay goes through rotated files by
 * generation number (the current log is generation `rotations`, PATH.i
 * is `rotations - i`), so rotations during a replay do not confuse it.
 *
 * Subscribers are hostile until proven otherwise: at most
 * EVT_SUBSCRIBERS at once, a request within EVT_REQUEST_MAX bytes (more
 * garbage and it is dropped), input after the request is read and thrown
 * away, the bytes waiting for it are capped by queue-limit (over it, the
 * subscriber is dropped: the daemon never blocks or grows for a slow
 * reader), and a replay is written in slices of EVT_REPLAY_HIWAT bytes,
 * the next only when the subscriber has read the last one.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/listener.h>
#include <msgpack.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "evt.h"
#include "log.h"

#define EVT_TAIL_WINDOW		(1024 * 1024)	/* scanned on open */
#define EVT_REPLAY_HIWAT	(256 * 1024)	/* replay slice */
#define EVT_REPLAY_LOWAT	(32 * 1024)	/* write the next one */
#define EVT_REPLAY_USEC		5000		/* per loop turn */
#define EVT_FROM_AHEAD		(1ULL << 20)	/* "from" past the next seq */
#define EVT_HANDSHAKE_TIMEOUT	10		/* seconds, TLS */
#define EVT_BACKLOG		16
#define EVT_LOG_MODE		0640
#define EVT_GEN_BASE		(1ULL << 32)	/* PATH.i is gen BASE - i */

enum sub_state {
	SUB_HELLO,		/* may send a request; events held */
	SUB_REPLAY,		/* reading the log; events held */
	SUB_LIVE,
	SUB_CLOSING		/* "follow": false: replay sent, closing */
};

struct sink_listener {
	TAILQ_ENTRY(sink_listener) entry;
	struct evt_sink		*sink;
	struct config_subscriber conf;	/* strings owned */
	struct evconnlistener	*lev;
	struct event		*ev_pause;	/* accept again after EMFILE */
	SSL_CTX			*ctx;		/* tls */
	char			 name[80];
};
TAILQ_HEAD(sink_listeners, sink_listener);

struct sink_sub {
	TAILQ_ENTRY(sink_sub)	 entry;
	struct evt_sink		*sink;
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
TAILQ_HEAD(sink_subs, sink_sub);

struct evt_sink {
	struct event_base	*base;
	char			*log_path;	/* NULL: no log */
	uint64_t		 max_size;
	uint32_t		 keep;
	uint64_t		 queue_limit;
	int			 fd;
	int			 old_fd;	/* rotated away, not yet synced */
	off_t			 size;
	uint64_t		 next_seq;
	uint64_t		 rotations;
	int			 log_failing;	/* logged once per streak */
	struct event		*ev_sync;
	struct sink_listeners	 listeners;
	struct sink_subs	 subs;
	size_t			 nsubs;
	uint64_t		 nconn;		/* names subscribers */
	time_t			 full_logged;
	evt_tap_fn		 tap;
	void			*tap_arg;
};

static void	sub_free(struct sink_sub *);
static void	sub_replay_step(struct sink_sub *);

/*
 * The log file.
 */

/* PATH for generation index i (0: the current file), else PATH.i. */
static void
sink_log_name(const char *path, uint64_t i, char *out, size_t len)
{
	if (i == 0)
		snprintf(out, len, "%s", path);
	else
		snprintf(out, len, "%s.%" PRIu64, path, i);
}

/*
 * Whether a file without any whole record starts like one (a first
 * record torn by a crash), rather than being some other file.
 */
static int
sink_torn_first(const char *path)
{
	static const uint8_t	marker[] = { 0xa1, 'v', EVT_SCHEMA_VERSION,
		0xa3, 's', 'e', 'q' };
	uint8_t			b[16];
	ssize_t			n;
	size_t			hl, cmp;
	int			fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, b, sizeof(b));
	close(fd);
	if (n <= 0)
		return n == 0;
	if (b[0] == 0 && memcmp(b, b + 1, (size_t)n - 1) == 0)
		return 1;	/* zeros: blocks never written */
	if ((b[0] & 0xf0) == 0x80)
		hl = 1;
	else if (b[0] == 0xde)
		hl = 3;
	else
		return 0;
	if ((size_t)n <= hl)
		return 1;
	cmp = (size_t)n - hl < sizeof(marker) ? (size_t)n - hl :
	    sizeof(marker);
	return memcmp(b + hl, marker, cmp) == 0;
}

/*
 * Highest seq in the tail of the file at path (0 if it has none).  With
 * fd >= 0 (the file opened for appending) a torn tail is cut off, and a
 * non-empty file without any record is refused.  Returns 0, or -1 with
 * err set.  A file with no record that does not start like one is not
 * truncated: it is someone else's file.
 */
static int
sink_log_scan(const char *path, int fd, uint64_t *last, char *err,
    size_t errlen)
{
	struct evt_reader	*rd;
	struct evt_record	 rec;
	struct stat		 st;
	off_t			 good;
	int			 rv, full = 0;

	*last = 0;
	if ((rd = evt_reader_open(path, err, errlen)) == NULL)
		return errno == ENOENT && fd == -1 ? 0 : -1;
	if (stat(path, &st) == -1)
		goto fail_errno;
	if (st.st_size > EVT_TAIL_WINDOW)
		evt_reader_seek(rd, st.st_size - EVT_TAIL_WINDOW, 1);
	else
		full = 1;
again:
	while ((rv = evt_reader_next(rd, &rec)) == 1)
		if (rec.seq > *last)
			*last = rec.seq;
	if (rv == -1)
		goto fail_errno;
	if (*last == 0 && !full) {	/* no record in the window */
		full = 1;
		evt_reader_seek(rd, 0, 0);
		goto again;
	}
	good = evt_reader_good_end(rd);
	if (evt_reader_skipped(rd) > 0)
		log_warnx("event log %s: %" PRIu64 " damaged bytes skipped",
		    path, evt_reader_skipped(rd));
	evt_reader_close(rd);
	if (fd == -1 || good == st.st_size)
		return 0;
	if (*last == 0 && (st.st_size > EVT_MAX_SIZE ||
	    !sink_torn_first(path))) {
		snprintf(err, errlen, "%s: not an event log (no record "
		    "found); move it away", path);
		return -1;
	}
	log_warnx("event log %s: torn record at offset %lld (%lld bytes) "
	    "truncated", path, (long long)good,
	    (long long)(st.st_size - good));
	if (ftruncate(fd, good) == -1) {
		snprintf(err, errlen, "%s: ftruncate: %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
fail_errno:
	snprintf(err, errlen, "%s: %s", path, strerror(errno));
	evt_reader_close(rd);
	return -1;
}

/*
 * Opens path for appending and recovers the seq: from its tail, or if
 * it has no record (just rotated) from the newest rotated file that has
 * one.  Returns the descriptor, or -1 with err set.
 */
static int
sink_log_open(const char *path, uint32_t keep, uint64_t *last, off_t *size,
    char *err, size_t errlen)
{
	char		 name[PATH_MAX];
	struct stat	 st;
	uint64_t	 i;
	int		 fd;

	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    EVT_LOG_MODE)) == -1) {
		snprintf(err, errlen, "event log %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (sink_log_scan(path, fd, last, err, errlen) == -1)
		goto fail;
	for (i = 1; *last == 0 && i <= keep; i++) {
		sink_log_name(path, i, name, sizeof(name));
		if (sink_log_scan(name, -1, last, err, errlen) == -1)
			goto fail;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "event log %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	*size = st.st_size;
	return fd;
fail:
	close(fd);
	return -1;
}

/* Makes renames in the log's directory durable. */
static void
sink_sync_dir(const char *path)
{
	char	buf[PATH_MAX];
	int	fd;

	snprintf(buf, sizeof(buf), "%s", path);
	if ((fd = open(dirname(buf), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		return;
	fsync(fd);
	close(fd);
}

/* Syncs and closes the file a rotation left behind, and the directory. */
static void
sink_sync_rotated(struct evt_sink *s)
{
	if (s->old_fd == -1)
		return;
	if (fdatasync(s->old_fd) == -1)
		log_warn("event log %s.1: fdatasync", s->log_path);
	close(s->old_fd);
	s->old_fd = -1;
	sink_sync_dir(s->log_path);
}

static void
sink_log_close(struct evt_sink *s)
{
	sink_sync_rotated(s);
	if (s->fd == -1)
		return;
	if (fdatasync(s->fd) == -1)
		log_warn("event log %s: fdatasync", s->log_path);
	close(s->fd);
	s->fd = -1;
	if (s->ev_sync != NULL)
		evtimer_del(s->ev_sync);
}

/*
 * Shifts PATH.i to PATH.i+1 (the oldest falls off), PATH to PATH.1.  The
 * old file is synced by the sync timer, not here on the emit path.
 */
static int
sink_log_rotate(struct evt_sink *s)
{
	char		from[PATH_MAX], to[PATH_MAX];
	uint64_t	i;

	sink_sync_rotated(s);
	s->old_fd = s->fd;
	s->fd = -1;
	for (i = s->keep; i >= 1; i--) {
		sink_log_name(s->log_path, i - 1, from, sizeof(from));
		sink_log_name(s->log_path, i, to, sizeof(to));
		if (rename(from, to) == -1 && errno != ENOENT)
			log_warn("event log: rename %s to %s", from, to);
	}
	s->rotations++;
	if ((s->fd = open(s->log_path, O_WRONLY | O_APPEND | O_CREAT |
	    O_TRUNC | O_CLOEXEC, EVT_LOG_MODE)) == -1) {
		log_warn("event log %s: open after rotation", s->log_path);
		return -1;
	}
	s->size = 0;
	if (s->ev_sync == NULL)
		sink_sync_rotated(s);
	log_info("event log %s: rotated at seq %" PRIu64, s->log_path,
	    s->next_seq);
	return 0;
}

static void
sink_sync_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	evt_sink_sync(arg);
}

int
evt_sink_sync(struct evt_sink *s)
{
	sink_sync_rotated(s);
	if (s->fd == -1)
		return 0;
	if (s->ev_sync != NULL)
		evtimer_del(s->ev_sync);
	if (fdatasync(s->fd) == -1) {
		log_warn("event log %s: fdatasync", s->log_path);
		return -1;
	}
	return 0;
}

/* After a write: the sync timer runs unless it already does. */
static void
sink_sync_later(struct evt_sink *s)
{
	struct timeval	tv = { 0, EVT_SYNC_MSEC * 1000 };

	if (s->ev_sync != NULL && !evtimer_pending(s->ev_sync, NULL))
		evtimer_add(s->ev_sync, &tv);
}

static void
sink_log_failed(struct evt_sink *s, const char *what)
{
	if (!s->log_failing)
		log_warn("event log %s: %s (events are not logged until "
		    "it works again)", s->log_path, what);
	s->log_failing = 1;
}

/* Appends one record.  Returns 0, or -1 (logged once per streak). */
static int
sink_log_write(struct evt_sink *s, const uint8_t *rec, size_t len)
{
	uint64_t	last;
	ssize_t		n;
	char		err[256];

	if (s->fd == -1 && (s->fd = sink_log_open(s->log_path, s->keep,
	    &last, &s->size, err, sizeof(err))) == -1) {
		errno = EIO;
		sink_log_failed(s, err);
		return -1;
	}
	if (s->max_size > 0 && s->size > 0 &&
	    (uint64_t)s->size + len > s->max_size &&
	    sink_log_rotate(s) == -1)
		return -1;
	do
		n = write(s->fd, rec, len);
	while (n == -1 && errno == EINTR);
	if (n != (ssize_t)len) {
		if (n >= 0) {
			errno = ENOSPC;
			if (ftruncate(s->fd, s->size) == -1)
				log_warn("event log %s: ftruncate",
				    s->log_path);
		}
		sink_log_failed(s, "write");
		return -1;
	}
	if (s->log_failing)
		log_info("event log %s: writing again", s->log_path);
	s->log_failing = 0;
	s->size += (off_t)len;
	sink_sync_later(s);
	return 0;
}

/*
 * Subscribers.
 */

static uint64_t
sink_queued(const struct sink_sub *sub)
{
	if (sub->state == SUB_LIVE)
		return evbuffer_get_length(bufferevent_get_output(sub->bev));
	return evbuffer_get_length(sub->pending);
}

/* Queues one record.  The subscriber may be freed. */
static void
sub_push(struct sink_sub *sub, const uint8_t *rec, size_t len, uint64_t seq)
{
	struct evbuffer	*to;

	if (seq < sub->skip_below || sub->state == SUB_CLOSING)
		return;
	to = sub->state == SUB_LIVE ? bufferevent_get_output(sub->bev) :
	    sub->pending;
	if (evbuffer_add(to, rec, len) == -1 ||
	    sink_queued(sub) > sub->sink->queue_limit) {
		log_warnx("event subscriber %s: more than %" PRIu64 " bytes "
		    "queued, disconnected", sub->name,
		    sub->sink->queue_limit);
		sub_free(sub);
	}
}

/* Closes once the output is written (never frees sub synchronously). */
static void
sub_close_when_sent(struct sink_sub *sub)
{
	sub->state = SUB_CLOSING;
	evbuffer_drain(sub->pending, (size_t)-1);
	bufferevent_setwatermark(sub->bev, EV_WRITE, 0, 0);
	event_active(sub->ev_more, EV_TIMEOUT, 0);
}

static void
sub_go_live(struct sink_sub *sub)
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
	    sub->sink->next_seq);
}

/*
 * Opens the log file of generation sub->gen for the replay.  Returns 0,
 * 1 if that generation is not there (rotated away), or -1.
 */
static int
sub_replay_open(struct sink_sub *sub)
{
	struct evt_sink	*s = sub->sink;
	char		 name[PATH_MAX], err[256];
	uint64_t	 i = s->rotations - sub->gen;

	if (i > s->keep || s->log_path == NULL)
		return 1;
	sink_log_name(s->log_path, i, name, sizeof(name));
	if ((sub->rd = evt_reader_open(name, err, sizeof(err))) == NULL)
		return errno == ENOENT ? 1 : -1;
	return evt_reader_seek_seq(sub->rd, sub->next);
}

/*
 * The oldest file generation that may hold seq: the newest file whose
 * first record is at or before seq, else the oldest file there is.
 */
static uint64_t
sub_replay_first_gen(const struct evt_sink *s, uint64_t seq)
{
	char		name[PATH_MAX];
	uint64_t	i, first, oldest = 0;

	for (i = 0; i <= s->keep; i++) {
		sink_log_name(s->log_path, i, name, sizeof(name));
		if ((first = evt_reader_first_seq(name)) == 0)
			continue;
		oldest = i;
		if (first <= seq)
			break;
	}
	return s->rotations - oldest;
}

static void
sub_request(struct sink_sub *sub, int has_from, uint64_t from)
{
	struct evt_sink	*s = sub->sink;

	evtimer_del(sub->ev_timer);
	if (!has_from || from >= s->next_seq || s->log_path == NULL) {
		if (has_from && from >= s->next_seq) {
			evbuffer_drain(sub->pending, (size_t)-1);
			/*
			 * Live from a seq to come; but not so far ahead that
			 * the subscriber is never sent anything, so never
			 * meets the queue limit, and holds its slot for ever.
			 */
			sub->skip_below = from - s->next_seq > EVT_FROM_AHEAD ?
			    s->next_seq + EVT_FROM_AHEAD : from;
		}
		sub_go_live(sub);
		return;
	}
	/* Everything held is in the log: the replay covers it. */
	evbuffer_drain(sub->pending, (size_t)-1);
	sub->state = SUB_REPLAY;
	sub->next = from;
	sub->upto = s->next_seq;
	sub->gen = sub_replay_first_gen(s, from);
	log_debug("event subscriber %s: replay %" PRIu64 "..%" PRIu64,
	    sub->name, from, sub->upto - 1);
	event_active(sub->ev_more, EV_TIMEOUT, 0);
}

static uint64_t
sink_usec(void)
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
sub_replay_one(struct sink_sub *sub, struct evbuffer *out)
{
	struct evt_record	rec;
	int			rv;

	if (sub->rd == NULL && (rv = sub_replay_open(sub)) != 0) {
		if (rv == 1 && sub->gen < sub->sink->rotations) {
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
		if (sub->gen >= sub->sink->rotations)
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
sub_replay_step(struct sink_sub *sub)
{
	static const struct timeval zero = { 0, 0 };
	struct evbuffer	*out = bufferevent_get_output(sub->bev);
	uint64_t	 start = sink_usec();
	unsigned	 n = 0;
	int		 rv = 1;

	while (!sub->replay_done &&
	    evbuffer_get_length(out) < EVT_REPLAY_HIWAT) {
		if ((rv = sub_replay_one(sub, out)) == -1) {
			sub_free(sub);
			return;
		}
		if (rv == 0)
			sub->replay_done = 1;
		else if (++n % 64 == 0 &&
		    sink_usec() - start > EVT_REPLAY_USEC) {
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
sub_continue(struct sink_sub *sub)
{
	if (sub->state == SUB_REPLAY)
		sub_replay_step(sub);
	else if (sub->state == SUB_CLOSING &&
	    evbuffer_get_length(bufferevent_get_output(sub->bev)) == 0) {
		log_debug("event subscriber %s: replay sent, closing",
		    sub->name);
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
sub_parse_request(struct sink_sub *sub, const msgpack_object *o,
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
sub_read_one(struct sink_sub *sub, struct evbuffer *in)
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
	struct sink_sub	*sub = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	int		 rv;

	while (sub->state == SUB_HELLO && evbuffer_get_length(in) > 0) {
		if ((rv = sub_read_one(sub, in)) == 0)
			break;
		if (sub->garbage > EVT_REQUEST_MAX) {
			log_warnx("event subscriber %s: more than %d bytes "
			    "without a request, disconnected", sub->name,
			    EVT_REQUEST_MAX);
			sub_free(sub);
			return;
		}
	}
	if (sub->state == SUB_HELLO &&
	    evbuffer_get_length(in) + sub->garbage > EVT_REQUEST_MAX) {
		log_warnx("event subscriber %s: request too long, "
		    "disconnected", sub->name);
		sub_free(sub);
		return;
	}
	if (sub->state != SUB_HELLO)
		evbuffer_drain(in, evbuffer_get_length(in));
}

static void
sub_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct sink_sub	*sub = arg;
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
	sub_free(sub);
}

static void
sub_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct sink_sub	*sub = arg;

	(void)fd;
	(void)ev;
	if (sub->tls && !sub->handshaken) {
		log_info("event subscriber %s: no TLS handshake in %d s, "
		    "disconnected", sub->name, EVT_HANDSHAKE_TIMEOUT);
		sub_free(sub);
	} else if (sub->state == SUB_HELLO)
		sub_go_live(sub);
}

static void
sub_free(struct sink_sub *sub)
{
	struct evt_sink	*s = sub->sink;

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
static struct bufferevent *
sub_bev(struct sink_listener *l, evutil_socket_t fd)
{
	struct bufferevent	*bev;
	SSL			*ssl;

	if (l->ctx == NULL)
		return bufferevent_socket_new(l->sink->base, fd,
		    BEV_OPT_CLOSE_ON_FREE);
	if ((ssl = SSL_new(l->ctx)) == NULL)
		return NULL;
	bev = bufferevent_openssl_socket_new(l->sink->base, fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	/* A subscriber that just closes is gone, not a TLS error. */
	if (bev != NULL)
		bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

static void
sub_name(struct sink_listener *l, const struct sockaddr *sa, char *out,
    size_t len)
{
	char	host[INET6_ADDRSTRLEN] = "?";
	int	port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)sa;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		port = ntohs(sin->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)sa;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		port = ntohs(sin6->sin6_port);
	}
	if (l->ctx == NULL)
		snprintf(out, len, "%s#%" PRIu64, l->name, l->sink->nconn);
	else
		snprintf(out, len, "tls %s port %d", host, port);
}

static void
sink_accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct sink_listener	*l = arg;
	struct evt_sink		*s = l->sink;
	struct sink_sub		*sub;
	struct timeval		 tv = { EVT_REQUEST_TIMEOUT, 0 };

	(void)lev;
	(void)salen;
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
	sub->sink = s;
	s->nconn++;
	sub->tls = l->ctx != NULL;
	sub_name(l, sa, sub->name, sizeof(sub->name));
	TAILQ_INSERT_TAIL(&s->subs, sub, entry);
	s->nsubs++;
	if ((sub->pending = evbuffer_new()) == NULL ||
	    (sub->ev_timer = evtimer_new(s->base, sub_timer_cb, sub)) ==
	    NULL || (sub->ev_more = event_new(s->base, -1, 0, sub_more_cb,
	    sub)) == NULL || (sub->bev = sub_bev(l, fd)) == NULL) {
		log_warnx("event subscriber %s: out of memory", sub->name);
		if (sub->bev == NULL)
			evutil_closesocket(fd);
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
 * Listeners.
 */

static void
sink_resume_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct sink_listener	*l = arg;

	(void)fd;
	(void)ev;
	evconnlistener_enable(l->lev);
}

/* accept() failed (EMFILE...): pause a second rather than spin. */
static void
sink_accept_error_cb(struct evconnlistener *lev, void *arg)
{
	struct sink_listener	*l = arg;
	struct timeval		 tv = { 1, 0 };

	log_warn("event listener %s: accept", l->name);
	evconnlistener_disable(lev);
	evtimer_add(l->ev_pause, &tv);
}

/* Removes a socket left by an earlier run; refuses a live one. */
static int
sink_unlink_stale(const struct sockaddr_un *sun)
{
	struct stat	st;
	int		fd, rv;

	if (lstat(sun->sun_path, &st) == -1)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		log_warnx("event socket %s: exists and is not a socket",
		    sun->sun_path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	rv = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	if (rv == 0) {
		log_warnx("event socket %s: in use by another process",
		    sun->sun_path);
		return -1;
	}
	return unlink(sun->sun_path) == -1 && errno != ENOENT ? -1 : 0;
}

/* A listening unix socket.  Returns it, or -1 with err set. */
static int
sink_listen_unix(const struct config_subscriber *cs, char *err,
    size_t errlen)
{
	struct sockaddr_un	sun;
	mode_t			old;
	int			fd, rv;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(cs->path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "event socket %s: path too long",
		    cs->path);
		return -1;
	}
	memcpy(sun.sun_path, cs->path, strlen(cs->path));
	if (sink_unlink_stale(&sun) == -1 || (fd = socket(AF_UNIX,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "event socket %s: cannot create it",
		    cs->path);
		return -1;
	}
	old = umask(S_IXUSR | S_IXGRP | S_IRWXO);
	rv = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rv == -1)
		goto fail;
	if (chmod(cs->path, cs->mode) == -1 ||
	    listen(fd, EVT_BACKLOG) == -1) {
		unlink(cs->path);
		goto fail;
	}
	return fd;
fail:
	snprintf(err, errlen, "event socket %s: %s", cs->path,
	    strerror(errno));
	close(fd);
	return -1;
}

/* The sockaddr of a tls subscriber line.  Returns its length. */
static socklen_t
sink_sockaddr(const struct config_subscriber *cs,
    struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (cs->addr.aid == AID_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(cs->port);
		memcpy(&sin->sin_addr, cs->addr.b, 4);
		return sizeof(*sin);
	}
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(cs->port);
	memcpy(&sin6->sin6_addr, cs->addr.b, 16);
	return sizeof(*sin6);
}

/* Appends the queued OpenSSL errors to err. */
static void
sink_ssl_err(char *err, size_t errlen, const char *what, const char *file)
{
	unsigned long	e = ERR_get_error();

	snprintf(err, errlen, "subscribe tls: %s %s: %s", what, file,
	    e != 0 ? ERR_reason_error_string(e) : "failed");
	ERR_clear_error();
}

/*
 * The TLS server context of a subscriber line: TLS 1.2 or later, and
 * with ca, client certificates required and verified against it.
 * Returns NULL with err set.
 */
static SSL_CTX *
sink_tls_ctx(const struct config_subscriber *cs, char *err, size_t errlen)
{
	STACK_OF(X509_NAME)	*names;
	SSL_CTX			*ctx;

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		sink_ssl_err(err, errlen, "context", "");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
	/* A subscriber closing without close_notify is just gone. */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
	if (SSL_CTX_use_certificate_chain_file(ctx, cs->cert) != 1) {
		sink_ssl_err(err, errlen, "cert", cs->cert);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, cs->key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		sink_ssl_err(err, errlen, "key", cs->key);
		goto fail;
	}
	if (cs->ca != NULL) {
		if (SSL_CTX_load_verify_locations(ctx, cs->ca, NULL) != 1 ||
		    (names = SSL_load_client_CA_file(cs->ca)) == NULL) {
			sink_ssl_err(err, errlen, "ca", cs->ca);
			goto fail;
		}
		SSL_CTX_set_client_CA_list(ctx, names);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
		    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

static void
sink_listener_free(struct sink_listener *l)
{
	if (l == NULL)
		return;
	if (l->lev != NULL)
		evconnlistener_free(l->lev);
	if (l->ev_pause != NULL)
		event_free(l->ev_pause);
	if (l->conf.type == CONF_SUB_UNIX && l->lev != NULL)
		unlink(l->conf.path);
	SSL_CTX_free(l->ctx);
	free(l->conf.path);
	free(l->conf.cert);
	free(l->conf.key);
	free(l->conf.ca);
	free(l);
}

static char *
sink_strdup(const char *s)
{
	char	*d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		fatal("strdup");
	return d;
}

/* Opens the listening socket of l.  Returns 0, or -1 with err set. */
static int
sink_listener_bind(struct sink_listener *l, char *err, size_t errlen)
{
	struct sockaddr_storage	ss;
	socklen_t		sslen;
	int			fd;

	if (l->conf.type == CONF_SUB_UNIX) {
		if ((fd = sink_listen_unix(&l->conf, err, errlen)) == -1)
			return -1;
		l->lev = evconnlistener_new(l->sink->base, sink_accept_cb, l,
		    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
		if (l->lev == NULL) {
			unlink(l->conf.path);
			close(fd);
		}
	} else {
		sslen = sink_sockaddr(&l->conf, &ss);
		l->lev = evconnlistener_new_bind(l->sink->base,
		    sink_accept_cb, l, LEV_OPT_CLOSE_ON_FREE |
		    LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE, EVT_BACKLOG,
		    (struct sockaddr *)&ss, (int)sslen);
	}
	if (l->lev == NULL) {
		snprintf(err, errlen, "event listener %s: %s", l->name,
		    strerror(errno));
		return -1;
	}
	evconnlistener_set_error_cb(l->lev, sink_accept_error_cb);
	return 0;
}

/* A listener for one subscribe line.  Returns NULL with err set. */
static struct sink_listener *
sink_listener_new(struct evt_sink *s, const struct config_subscriber *cs,
    char *err, size_t errlen)
{
	struct sink_listener	*l;
	char			 a[BW_ADDR_STRLEN];

	if ((l = calloc(1, sizeof(*l))) == NULL)
		fatal("event listener");
	l->sink = s;
	l->conf = *cs;
	l->conf.path = sink_strdup(cs->path);
	l->conf.cert = sink_strdup(cs->cert);
	l->conf.key = sink_strdup(cs->key);
	l->conf.ca = sink_strdup(cs->ca);
	if (cs->type == CONF_SUB_UNIX)
		snprintf(l->name, sizeof(l->name), "unix %s", cs->path);
	else
		snprintf(l->name, sizeof(l->name), "tls %s port %u",
		    addr_fmt(&cs->addr, a, sizeof(a)), cs->port);
	if ((l->ev_pause = evtimer_new(s->base, sink_resume_cb, l)) == NULL)
		fatal("event listener");
	if ((cs->type == CONF_SUB_TLS &&
	    (l->ctx = sink_tls_ctx(cs, err, errlen)) == NULL) ||
	    sink_listener_bind(l, err, errlen) == -1) {
		sink_listener_free(l);
		return NULL;
	}
	log_info("event listener %s: listening", l->name);
	return l;
}

/* Same socket: unix path, or tls address and port. */
static int
sink_same_socket(const struct config_subscriber *a,
    const struct config_subscriber *b)
{
	if (a->type != b->type)
		return 0;
	if (a->type == CONF_SUB_UNIX)
		return strcmp(a->path, b->path) == 0;
	return a->port == b->port && memcmp(&a->addr, &b->addr,
	    sizeof(a->addr)) == 0;
}

static int
sink_streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/*
 * Sink.
 */

/* Opens the log of conf into s.  Returns 0, or -1 with err set. */
static int
sink_set_log(struct evt_sink *s, const struct config_events *conf,
    char *err, size_t errlen)
{
	uint64_t	last = 0;
	off_t		size = 0;
	int		fd = -1;

	if (conf->log_path != NULL && (fd = sink_log_open(conf->log_path,
	    conf->log_keep, &last, &size, err, errlen)) == -1)
		return -1;
	sink_log_close(s);
	free(s->log_path);
	s->log_path = sink_strdup(conf->log_path);
	s->fd = fd;
	s->size = size;
	s->rotations = EVT_GEN_BASE;
	if (last + 1 > s->next_seq)
		s->next_seq = last + 1;
	if (s->log_path != NULL)
		log_info("event log %s: next seq %" PRIu64, s->log_path,
		    s->next_seq);
	return 0;
}

struct evt_sink *
evt_sink_open(struct event_base *base, const struct config_events *conf,
    char *err, size_t errlen)
{
	struct evt_sink	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		fatal("evt_sink_open");
	s->base = base;
	s->fd = -1;
	s->old_fd = -1;
	s->next_seq = 1;
	s->rotations = EVT_GEN_BASE;
	TAILQ_INIT(&s->listeners);
	TAILQ_INIT(&s->subs);
	if (base != NULL &&
	    (s->ev_sync = evtimer_new(base, sink_sync_cb, s)) == NULL)
		fatal("evt_sink_open");
	if (evt_sink_reconfigure(s, conf, err, errlen) == -1) {
		evt_sink_close(s);
		return NULL;
	}
	return s;
}

/* Frees what sink_build_listeners() made. */
static void
sink_discard(struct sink_listeners *fresh, SSL_CTX **ctxs, size_t n)
{
	struct sink_listener	*l;
	size_t			 i;

	while ((l = TAILQ_FIRST(fresh)) != NULL) {
		TAILQ_REMOVE(fresh, l, entry);
		sink_listener_free(l);
	}
	for (i = 0; i < n; i++) {
		SSL_CTX_free(ctxs[i]);
		ctxs[i] = NULL;
	}
}

/*
 * Builds the listeners of conf into fresh, reusing those of s that serve
 * the same socket (updated: mode, TLS files).  Returns 0, or -1 with err
 * set and fresh emptied (s untouched).
 */
static int
sink_build_listeners(struct evt_sink *s, const struct config_events *conf,
    struct sink_listeners *fresh, SSL_CTX **ctxs, char *err, size_t errlen)
{
	struct sink_listener	*l;
	const struct config_subscriber *cs;
	size_t			 i;

	for (i = 0; s->base != NULL && i < conf->nsubs; i++) {
		cs = &conf->subs[i];
		TAILQ_FOREACH(l, &s->listeners, entry)
			if (sink_same_socket(&l->conf, cs))
				break;
		if (l != NULL) {
			if (cs->type == CONF_SUB_TLS &&
			    (!sink_streq(l->conf.cert, cs->cert) ||
			    !sink_streq(l->conf.key, cs->key) ||
			    !sink_streq(l->conf.ca, cs->ca)) &&
			    (ctxs[i] = sink_tls_ctx(cs, err, errlen)) == NULL)
				goto fail;
			continue;
		}
		if ((l = sink_listener_new(s, cs, err, errlen)) == NULL)
			goto fail;
		TAILQ_INSERT_TAIL(fresh, l, entry);
	}
	return 0;
fail:
	sink_discard(fresh, ctxs, conf->nsubs);
	return -1;
}

/* Adopts the settings of cs into a kept listener l. */
static void
sink_update_listener(struct sink_listener *l,
    const struct config_subscriber *cs, SSL_CTX *ctx)
{
	if (cs->type == CONF_SUB_UNIX && cs->mode != l->conf.mode) {
		if (chmod(l->conf.path, cs->mode) == -1)
			log_warn("event socket %s: chmod", l->conf.path);
		l->conf.mode = cs->mode;
	}
	if (ctx == NULL)
		return;
	/* Connected subscribers keep a reference to the old one. */
	SSL_CTX_free(l->ctx);
	l->ctx = ctx;
	free(l->conf.cert);
	free(l->conf.key);
	free(l->conf.ca);
	l->conf.cert = sink_strdup(cs->cert);
	l->conf.key = sink_strdup(cs->key);
	l->conf.ca = sink_strdup(cs->ca);
}

/* Keeps the listeners conf still has, frees the others, adds fresh. */
static void
sink_commit_listeners(struct evt_sink *s, const struct config_events *conf,
    struct sink_listeners *fresh, SSL_CTX **ctxs)
{
	struct sink_listener	*l, *next;
	size_t			 i;

	for (l = TAILQ_FIRST(&s->listeners); l != NULL; l = next) {
		next = TAILQ_NEXT(l, entry);
		for (i = 0; i < conf->nsubs; i++)
			if (sink_same_socket(&l->conf, &conf->subs[i]))
				break;
		if (s->base != NULL && i < conf->nsubs) {
			sink_update_listener(l, &conf->subs[i], ctxs[i]);
			continue;
		}
		log_info("event listener %s: closed", l->name);
		TAILQ_REMOVE(&s->listeners, l, entry);
		sink_listener_free(l);
	}
	while ((l = TAILQ_FIRST(fresh)) != NULL) {
		TAILQ_REMOVE(fresh, l, entry);
		TAILQ_INSERT_TAIL(&s->listeners, l, entry);
	}
}

int
evt_sink_reconfigure(struct evt_sink *s, const struct config_events *conf,
    char *err, size_t errlen)
{
	struct sink_listeners	 fresh;
	SSL_CTX			**ctxs;

	TAILQ_INIT(&fresh);
	if ((ctxs = calloc(conf->nsubs + 1, sizeof(*ctxs))) == NULL)
		fatal("evt_sink_reconfigure");
	if (sink_build_listeners(s, conf, &fresh, ctxs, err, errlen) == -1)
		goto fail;
	if (!sink_streq(s->log_path, conf->log_path) &&
	    sink_set_log(s, conf, err, errlen) == -1) {
		sink_discard(&fresh, ctxs, conf->nsubs);
		goto fail;
	}
	s->max_size = conf->log_max_size;
	s->keep = conf->log_keep;
	s->queue_limit = conf->queue_limit > 0 ? conf->queue_limit :
	    CONF_DEFAULT_QUEUE_LIMIT;
	sink_commit_listeners(s, conf, &fresh, ctxs);
	free(ctxs);
	return 0;
fail:
	free(ctxs);
	return -1;
}

void
evt_sink_close(struct evt_sink *s)
{
	struct sink_listener	*l;
	struct sink_sub		*sub;

	if (s == NULL)
		return;
	while ((sub = TAILQ_FIRST(&s->subs)) != NULL)
		sub_free(sub);
	while ((l = TAILQ_FIRST(&s->listeners)) != NULL) {
		TAILQ_REMOVE(&s->listeners, l, entry);
		sink_listener_free(l);
	}
	sink_log_close(s);
	if (s->ev_sync != NULL)
		event_free(s->ev_sync);
	free(s->log_path);
	free(s);
}

uint64_t
evt_sink_next_seq(const struct evt_sink *s)
{
	return s->next_seq;
}

size_t
evt_sink_nsubscribers(const struct evt_sink *s)
{
	return s->nsubs;
}

void
evt_sink_tap(struct evt_sink *s, evt_tap_fn fn, void *arg)
{
	s->tap = fn;
	s->tap_arg = arg;
}

int
evt_sink_publish(struct evt_sink *s, const uint8_t *rec, size_t len,
    uint64_t seq)
{
	struct sink_sub	*sub, *next;
	int		 rv = 0;

	if (s->log_path != NULL && sink_log_write(s, rec, len) == -1)
		rv = -1;
	s->next_seq = seq + 1;
	if (s->tap != NULL)
		s->tap(rec, len, seq, s->tap_arg);
	for (sub = TAILQ_FIRST(&s->subs); sub != NULL; sub = next) {
		next = TAILQ_NEXT(sub, entry);
		sub_push(sub, rec, len, seq);
	}
	return rv;
}
