/*
 * The event log: the file every record is appended to before any output
 * sees it, the source of seq after a restart and of every replay.
 *
 * Every record is appended with one write(2) on an O_APPEND descriptor;
 * a short write is cut back off so that a failed record never sits in
 * front of later ones.  The data is fdatasync()ed by a timer
 * EVT_SYNC_MSEC after the first unsynced write, so a burst costs one
 * sync and nothing is unsynced for longer (the hot path never waits for
 * the disk; a crash loses at most the last EVT_SYNC_MSEC of events).  On
 * open the seq is recovered from the last EVT_TAIL_WINDOW bytes
 * (whole-file scans would make a 1 GB log slow to open; the records'
 * sync marker lets the reader start anywhere), and bytes after the last
 * whole record, a write torn by a crash, are cut off with a log line.  A
 * log that would grow past max-size is renamed PATH.1 (PATH.1 to PATH.2
 * ... up to keep) before the record is written.
 *
 * A record that cannot be written (disk full, I/O error) is not lost: it
 * goes to the backlog (evt_backlog.c), and so does every later record
 * until the backlog is written out, in order, by the next append or the
 * retry timer (EVT_RETRY_MSEC).  Past EVT_BACKLOG_MAX bytes the missing
 * seqs become a "gap" record written in their place.
 *
 * One writer per log: the file is flock()ed while it is open for
 * appending; a second daemon (or a replay) naming the same log fails at
 * start with the pid and name of the process that holds it, looked up in
 * /proc/locks (flock(2) itself does not tell).
 *
 * Files are also named by generation, for outputs that catch up from the
 * log: the current file is generation evt_log_gen(), PATH.i is that
 * minus i, so a rotation during a replay does not confuse the reader.
 */
#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "evt_backlog.h"
#include "evt_log.h"
#include "evt_syncer.h"
#include "evt_reader.h"
#include "log.h"

#define EVT_SYNC_MSEC		100		/* fdatasync at most this often */
#define EVT_RETRY_MSEC		1000		/* backlog write retries */
#define EVT_TAIL_WINDOW		(1024 * 1024)	/* scanned on open */
#define EVT_LOG_MODE		0640
#define EVT_GEN_BASE		(1ULL << 32)	/* PATH.i is gen BASE - i */

struct evt_log {
	char		*path;		/* NULL: no log */
	uint64_t	 max_size;
	uint32_t	 keep;
	int		 fd;
	int		 old_fd;	/* rotated away, not yet synced */
	off_t		 size;
	uint64_t	 rotations;	/* generation of the current file */
	int		 failing;	/* logged once per streak */
	struct event	*ev_sync;
	uint64_t	 written, failed;
	struct evt_backlog *backlog;	/* held while the file fails */
	struct event	*ev_retry;
	char		 reason[EVT_GAP_REASON_MAX]; /* of the last failure */
	int		 gapping;	/* dropping into a gap (logged) */
	struct evt_syncer *syncer;	/* the timer's fdatasync, threaded */
};


/* PATH for generation index i (0: the current file), else PATH.i. */
static void
evt_log_name(const char *path, uint64_t i, char *out, size_t len)
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
evt_log_torn_first(const char *path)
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
evt_log_scan(const char *path, int fd, uint64_t *last, char *err,
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
	    !evt_log_torn_first(path))) {
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
 * The pid holding a lock on the file st names, from /proc/locks, with
 * its command name in comm; 0 if it cannot be found.
 */
static long
evt_log_lock_holder(const struct stat *st, char *comm, size_t commlen)
{
	char		 line[256], path[64];
	unsigned int	 maj, min;
	unsigned long	 ino;
	long		 pid = 0, p;
	FILE		*f;
	size_t		 n;

	snprintf(comm, commlen, "?");
	if ((f = fopen("/proc/locks", "re")) == NULL)
		return 0;
	while (pid == 0 && fgets(line, sizeof(line), f) != NULL) {
		if (strstr(line, "->") != NULL)
			continue;	/* a waiter, not a holder */
		if (sscanf(line, "%*s %*s %*s %*s %ld %x:%x:%lu", &p, &maj,
		    &min, &ino) == 4 && ino == (unsigned long)st->st_ino &&
		    maj == major(st->st_dev) && min == minor(st->st_dev))
			pid = p;
	}
	fclose(f);
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	if (pid > 0 && (f = fopen(path, "re")) != NULL) {
		if (fgets(comm, (int)commlen, f) != NULL &&
		    (n = strlen(comm)) > 0 && comm[n - 1] == '\n')
			comm[n - 1] = '\0';
		fclose(f);
	}
	return pid;
}

/*
 * Takes the log's writer lock on fd.  Returns 0, or -1 with err naming
 * the process that holds it.
 */
static int
evt_log_lock(int fd, const char *path, char *err, size_t errlen)
{
	struct stat	 st;
	char		 comm[64];
	long		 pid;

	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno != EWOULDBLOCK) {
		snprintf(err, errlen, "event log %s: flock: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == 0 && (pid = evt_log_lock_holder(&st, comm,
	    sizeof(comm))) > 0)
		snprintf(err, errlen, "event log %s is in use by process "
		    "%ld (%s): one writer per log; stop it or name another "
		    "log", path, pid, comm);
	else
		snprintf(err, errlen, "event log %s is locked by another "
		    "process: one writer per log", path);
	return -1;
}

/*
 * Opens path for appending and recovers the seq: from its tail, or if
 * it has no record (just rotated) from the newest rotated file that has
 * one.  Returns the descriptor, or -1 with err set.
 */
static int
evt_log_open_file(const char *path, uint32_t keep, uint64_t *last, off_t *size,
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
	if (evt_log_lock(fd, path, err, errlen) == -1)
		goto fail;
	if (evt_log_scan(path, fd, last, err, errlen) == -1)
		goto fail;
	for (i = 1; *last == 0 && i <= keep; i++) {
		evt_log_name(path, i, name, sizeof(name));
		if (evt_log_scan(name, -1, last, err, errlen) == -1)
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

/* The log's directory, in buf (PATH_MAX). */
static const char *
evt_log_dir(const struct evt_log *l, char *buf)
{
	snprintf(buf, PATH_MAX, "%s", l->path);
	return dirname(buf);
}

/* Syncs and closes the file a rotation left behind, and the directory. */
static void
evt_log_sync_rotated(struct evt_log *l)
{
	char	buf[PATH_MAX];

	if (l->old_fd == -1)
		return;
	if (fdatasync(l->old_fd) == -1)
		log_warn("event log %s.1: fdatasync", l->path);
	close(l->old_fd);
	l->old_fd = -1;
	evt_fsync_dir(evt_log_dir(l, buf));
}

/* The sync thread's: its log lines say "event log PATH: ...". */
static struct evt_syncer *
evt_log_syncer_new(const struct evt_log *l)
{
	char	name[PATH_MAX + 16];

	snprintf(name, sizeof(name), "event log %s", l->path);
	return evt_syncer_new(name);
}

/*
 * The file a rotation left behind goes to the sync thread, with the
 * directory after it; here, in the loop, only when 16 rotated files
 * wait for the thread already (a disk slower than the rotations: the
 * loop waits then, which slows the writes) or it cannot start.
 */
static void
evt_log_hand_rotated(struct evt_log *l)
{
	char	buf[PATH_MAX];

	if (l->old_fd == -1)
		return;
	if (l->syncer == NULL)
		l->syncer = evt_log_syncer_new(l);
	if (evt_syncer_rotated(l->syncer, l->old_fd, evt_log_dir(l, buf)) ==
	    0) {
		l->old_fd = -1;
		return;
	}
	evt_log_sync_rotated(l);
}

static void
evt_log_close_fd(struct evt_log *l)
{
	evt_log_sync_rotated(l);
	if (l->fd == -1)
		return;
	if (fdatasync(l->fd) == -1)
		log_warn("event log %s: fdatasync", l->path);
	close(l->fd);
	l->fd = -1;
	if (l->ev_sync != NULL)
		evtimer_del(l->ev_sync);
}

/*
 * Shifts PATH.i to PATH.i+1 (the oldest falls off), PATH to PATH.1.  The
 * old file is synced by the sync timer's thread, not here on the emit
 * path.
 */
static int
evt_log_rotate(struct evt_log *l, uint64_t seq)
{
	char		from[PATH_MAX], to[PATH_MAX];
	uint64_t	i;

	if (l->ev_sync != NULL)
		evt_log_hand_rotated(l);
	else
		evt_log_sync_rotated(l);
	l->old_fd = l->fd;
	l->fd = -1;
	for (i = l->keep; i >= 1; i--) {
		evt_log_name(l->path, i - 1, from, sizeof(from));
		evt_log_name(l->path, i, to, sizeof(to));
		if (rename(from, to) == -1 && errno != ENOENT)
			log_warn("event log: rename %s to %s", from, to);
	}
	l->rotations++;
	if ((l->fd = open(l->path, O_WRONLY | O_APPEND | O_CREAT |
	    O_TRUNC | O_CLOEXEC, EVT_LOG_MODE)) == -1) {
		log_warn("event log %s: open after rotation", l->path);
		return -1;
	}
	if (flock(l->fd, LOCK_EX | LOCK_NB) == -1)
		log_warn("event log %s: flock after rotation", l->path);
	l->size = 0;
	if (l->ev_sync == NULL)
		evt_log_sync_rotated(l);
	log_info("event log %s: rotated at seq %" PRIu64, l->path,
	    seq);
	return 0;
}

/*
 * The timer's sync: the current file's fdatasync goes to the sync
 * thread (on a dup of the descriptor), so the loop never waits for the
 * disk; so does a rotated file's, and its directory's.
 */
static void
evt_log_sync_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct evt_log	*l = arg;
	int		 dfd;

	(void)fd;
	(void)ev;
	evt_log_hand_rotated(l);
	if (l->fd == -1)
		return;
	if ((dfd = dup(l->fd)) == -1) {
		evt_log_sync(l);
		return;
	}
	if (l->syncer == NULL)
		l->syncer = evt_log_syncer_new(l);
	(void)evt_syncer_request(l->syncer, dfd);
}

int
evt_log_sync(struct evt_log *l)
{
	evt_log_sync_rotated(l);
	if (l->fd == -1)
		return 0;
	if (l->ev_sync != NULL)
		evtimer_del(l->ev_sync);
	if (fdatasync(l->fd) == -1) {
		log_warn("event log %s: fdatasync", l->path);
		return -1;
	}
	return 0;
}

/* After a write: the sync timer runs unless it already does. */
static void
evt_log_sync_later(struct evt_log *l)
{
	struct timeval	tv = { 0, EVT_SYNC_MSEC * 1000 };

	if (l->ev_sync != NULL && !evtimer_pending(l->ev_sync, NULL))
		evtimer_add(l->ev_sync, &tv);
}

static void
evt_log_failed(struct evt_log *l, const char *what)
{
	snprintf(l->reason, sizeof(l->reason), "%s: %s", what,
	    strerror(errno));
	if (!l->failing)
		log_warn("event log %s: %s (events are held in memory, up to "
		    "%d MiB, and written when it works again)", l->path, what,
		    EVT_BACKLOG_MAX >> 20);
	l->failing = 1;
}

/* Writes one record now.  Returns 0, or -1 (counted, logged once). */
static int
evt_log_write(void *arg, const uint8_t *rec, size_t len, uint64_t seq)
{
	struct evt_log	*l = arg;
	uint64_t	last;
	ssize_t		n;
	char		err[256];

	if (l->path == NULL)
		return 0;
	if (l->fd == -1 && (l->fd = evt_log_open_file(l->path, l->keep,
	    &last, &l->size, err, sizeof(err))) == -1) {
		errno = EIO;
		evt_log_failed(l, err);
		l->failed++;
		return -1;
	}
	if (l->max_size > 0 && l->size > 0 &&
	    (uint64_t)l->size + len > l->max_size &&
	    evt_log_rotate(l, seq) == -1) {
		l->failed++;
		return -1;
	}
	do
		n = write(l->fd, rec, len);
	while (n == -1 && errno == EINTR);
	if (n != (ssize_t)len) {
		if (n >= 0) {
			errno = ENOSPC;
			if (ftruncate(l->fd, l->size) == -1)
				log_warn("event log %s: ftruncate",
				    l->path);
		}
		evt_log_failed(l, "write");
		l->failed++;
		return -1;
	}
	if (l->failing)
		log_info("event log %s: writing again", l->path);
	l->failing = 0;
	l->size += (off_t)len;
	l->written++;
	evt_log_sync_later(l);
	return 0;
}

/* Writes out the backlog; while some is left the retry timer runs. */
static void
evt_log_drain(struct evt_log *l)
{
	struct timeval	tv = { EVT_RETRY_MSEC / 1000,
	    (EVT_RETRY_MSEC % 1000) * 1000 };
	size_t		n = evt_backlog_items(l->backlog);

	if (n == 0)
		return;
	if (evt_backlog_drain(l->backlog, evt_log_write, l) == 0) {
		log_info("event log %s: backlog written (%zu held items)",
		    l->path, n);
		l->gapping = 0;
		if (l->ev_retry != NULL)
			evtimer_del(l->ev_retry);
	} else if (l->ev_retry != NULL && !evtimer_pending(l->ev_retry, NULL))
		evtimer_add(l->ev_retry, &tv);
}

static void
evt_log_retry_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	evt_log_drain(arg);
}

int
evt_log_append(struct evt_log *l, const uint8_t *rec, size_t len,
    uint64_t seq)
{
	if (l->path == NULL)
		return 0;
	evt_log_drain(l);
	if (evt_backlog_items(l->backlog) == 0 &&
	    evt_log_write(l, rec, len, seq) == 0)
		return 0;
	if (evt_backlog_push(l->backlog, rec, len, seq, l->reason) == 0 &&
	    !l->gapping++)
		log_warnx("event log %s: backlog full (%zu bytes): events "
		    "from seq %llu on are dropped until the log works again; "
		    "a gap record will name them", l->path,
		    evt_backlog_cap(l->backlog), (unsigned long long)seq);
	evt_log_drain(l);
	return -1;
}

static char *
evt_log_strdup(const char *s)
{
	char	*d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		fatal("strdup");
	return d;
}

static int
evt_log_streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/*
 * The backlog's cap: EVT_BACKLOG_MAX, or BGPWATCHD_EVENT_BACKLOG bytes
 * (a knob for tests that need a gap without filling 64 MiB).
 */
static size_t
evt_log_backlog_max(void)
{
	const char	*env = getenv("BGPWATCHD_EVENT_BACKLOG");
	char		*end;
	unsigned long long v;

	if (env == NULL || *env == '\0')
		return EVT_BACKLOG_MAX;
	v = strtoull(env, &end, 10);
	return *end == '\0' ? (size_t)v : EVT_BACKLOG_MAX;
}

struct evt_log *
evt_log_new(struct event_base *base)
{
	struct evt_log	*l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		fatal("evt_log_new");
	l->fd = -1;
	l->old_fd = -1;
	l->rotations = EVT_GEN_BASE;
	if (base != NULL &&
	    (l->ev_sync = evtimer_new(base, evt_log_sync_cb, l)) == NULL)
		fatal("evt_log_new");
	if (base != NULL &&
	    (l->ev_retry = evtimer_new(base, evt_log_retry_cb, l)) == NULL)
		fatal("evt_log_new");
	l->backlog = evt_backlog_new(evt_log_backlog_max());
	return l;
}

int
evt_log_prepare(const struct evt_log *l, const struct config_events *conf,
    struct evt_log_pending *p, char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	p->fd = -1;
	if (evt_log_streq(l->path, conf->log_path))
		return 0;
	p->change = 1;
	if (conf->log_path != NULL && (p->fd = evt_log_open_file(
	    conf->log_path, conf->log_keep, &p->last, &p->size, err,
	    errlen)) == -1)
		return -1;
	return 0;
}

void
evt_log_abort(struct evt_log_pending *p)
{
	if (p->fd != -1)
		close(p->fd);
	p->fd = -1;
	p->change = 0;
}

void
evt_log_commit(struct evt_log *l, const struct config_events *conf,
    struct evt_log_pending *p, uint64_t *next_seq)
{
	if (p->change) {
		evt_log_close_fd(l);
		free(l->path);
		l->path = evt_log_strdup(conf->log_path);
		l->fd = p->fd;
		l->size = p->size;
		l->rotations = EVT_GEN_BASE;
		if (p->last + 1 > *next_seq)
			*next_seq = p->last + 1;
		if (l->path != NULL)
			log_info("event log %s: next seq %" PRIu64, l->path,
			    *next_seq);
	}
	p->fd = -1;
	p->change = 0;
	l->max_size = conf->log_max_size;
	l->keep = conf->log_keep;
}

void
evt_log_free(struct evt_log *l)
{
	if (l == NULL)
		return;
	evt_log_drain(l);
	if (evt_backlog_items(l->backlog) > 0)
		log_warnx("event log %s: seqs %llu to %llu could not be "
		    "written before exit", l->path,
		    (unsigned long long)evt_backlog_first(l->backlog),
		    (unsigned long long)evt_backlog_last(l->backlog));
	evt_backlog_free(l->backlog);
	evt_syncer_free(l->syncer);
	evt_log_close_fd(l);
	if (l->ev_retry != NULL)
		event_free(l->ev_retry);
	if (l->ev_sync != NULL)
		event_free(l->ev_sync);
	free(l->path);
	free(l);
}

void
evt_log_stats(const struct evt_log *l, struct evt_output_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->published = l->written;
	st->failed = l->failed;
	st->queued = evt_backlog_bytes(l->backlog);	/* held, not yet written */
	st->dropped = evt_backlog_gap_events(l->backlog); /* in gap records */
}

/*
 * For outputs catching up.
 */

int
evt_log_enabled(const struct evt_log *l)
{
	return l->path != NULL;
}

uint64_t
evt_log_gen(const struct evt_log *l)
{
	return l->rotations;
}

int
evt_log_file(const struct evt_log *l, uint64_t gen, char *path,
    size_t len)
{
	uint64_t	i = l->rotations - gen;

	if (gen > l->rotations || i > l->keep || l->path == NULL)
		return 1;
	evt_log_name(l->path, i, path, len);
	return 0;
}

uint64_t
evt_log_first_gen(const struct evt_log *l, uint64_t seq)
{
	char		name[PATH_MAX];
	uint64_t	i, first, oldest = 0;

	for (i = 0; l->path != NULL && i <= l->keep; i++) {
		evt_log_name(l->path, i, name, sizeof(name));
		if ((first = evt_reader_first_seq(name)) == 0)
			continue;
		oldest = i;
		if (first <= seq)
			break;
	}
	return l->rotations - oldest;
}
