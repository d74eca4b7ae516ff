/*
 * The archive writer thread (mrt_io.h).  A FIFO of commands under one
 * mutex: the loop appends, the thread takes them one by one and does
 * the file work outside the lock.  Only DATA items count against the
 * limit.  Closes are reported through a pipe that the loop watches, so
 * the loop never sleeps on the thread and the thread never touches loop
 * state.  Compression runs on the thread's side: libbz2's BZ2_bzWrite,
 * or for gzip a whole-buffer encoder: at level 1 (update files) Intel's
 * ISA-L, its level 1, almost twice as fast again as libdeflate's level 1
 * for 5 % larger files (docs/performance.md); at 2..9 libdeflate, two to
 * three times faster than zlib (ISA-L has nothing near their ratios).
 * Both are used without streaming: records are gathered into
 * members of up to IO_MEMBER bytes, each compressed as a gzip member of
 * its own (RFC 1952 2.2: a file may hold several; every reader
 * concatenates them).  A member is cut only between the loop's chunks,
 * so it ends on a record boundary: a crash leaves complete members of
 * whole records and at most a truncated last one.
 */
#include <sys/queue.h>

#include <bzlib.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <isa-l/igzip_lib.h>
#include <libdeflate.h>

#include "config.h"
#include "log.h"
#include "mrt_io.h"

enum io_cmd { IO_OPEN, IO_DATA, IO_CLOSE, IO_QUIT };

/*
 * A gzip member's input.  Measured on the 13.5 MB update file of a
 * full-table load (docs/performance.md): 64 KiB members lose 1-2 % of
 * the ratio against 1 MiB ones, 256 KiB ones at most 0.2 %.  A chunk larger than this (a table dump's 1 MiB) is a member
 * of its own.
 */
#define IO_MEMBER	(256 * 1024)

/*
 * Buffers of mrt_io_buf that the thread is done with wait here for the
 * loop to take again, up to this many bytes: memory already touched, no
 * mmap, page faults and munmap for each chunk (each costs microseconds
 * on this kind of VM; docs/performance.md).
 */
#define IO_POOL_BYTES	(4 * 1024 * 1024)

struct io_item {
	STAILQ_ENTRY(io_item) entry;
	enum io_cmd	 cmd;
	int		 stream;
	int		 compress;
	int		 level;
	int		 tmp;
	uint64_t	 token;
	size_t		 len;
	size_t		 cap;		/* a buffer of mrt_io_buf: its size */
	char		*path;
	uint8_t		 data[];
};
STAILQ_HEAD(io_items, io_item);

/* A stream's open file, the thread's own. */
struct io_file {
	char		*path;
	char		 tmppath[PATH_MAX];
	int		 tmp;
	int		 failed;	/* errno of the first failure */
	int		 reported;	/* the loop was told already */
	FILE		*fp;
	BZFILE		*bz;
	int		 gzip;		/* gzip: members */
	struct libdeflate_compressor *gz;	/* levels 2..9 */
	uint8_t		*isal;		/* level 1: ISA-L's level buffer */
	struct isal_zstream *zs;	/* and its stream (82 KB) */
	uint8_t		*zin;		/* IO_MEMBER bytes gathered */
	size_t		 zlen;
	uint8_t		*zout;		/* a compressed member */
	size_t		 zoutcap;
	uint64_t	 members;	/* written */
};

/* What the thread tells the loop (fits PIPE_BUF). */
struct io_note {
	int		 stream;
	int		 ok;
	int		 reported;	/* a failure told before */
	uint64_t	 token;
	char		 msg[200];
};

struct mrt_io {
	pthread_t	 thread;
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cond;
	pthread_cond_t	 gone;		/* the thread is done: exited */
	int		 exited;
	int		 orphan;	/* mrt_io_free gave up: the thread
					 * frees io when it is done */
	uint32_t	 exit_wait;	/* seconds mrt_io_free waits */
	struct io_items	 items;
	struct io_items	 pool;		/* done buffers, IO_POOL_BYTES */
	size_t		 pool_bytes;
	uint64_t	 limit;
	struct mrt_io_stats st;
	int		 pipe[2];
	struct event	*ev_note;
	mrt_io_done_fn	 done;
	void		*arg;
	struct io_file	 files[MRT_IO_STREAMS];	/* thread only */
};

static void
io_fail(struct io_file *f, int err)
{
	if (f->failed == 0)
		f->failed = err != 0 ? err : EIO;
}

static void
io_open(struct mrt_io *io, struct io_item *it)
{
	struct io_file *f = &io->files[it->stream];
	const char *path = it->path;
	int fd;

	memset(f, 0, sizeof(*f));
	f->path = it->path;
	it->path = NULL;
	f->tmp = it->tmp;
	if (f->tmp) {
		snprintf(f->tmppath, sizeof(f->tmppath), "%s.tmp", f->path);
		path = f->tmppath;
	} else
		path = f->path;
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC |
	    (f->tmp ? O_TRUNC : O_APPEND), 0644);
	if (fd == -1) {
		io_fail(f, errno);
		return;
	}
	if ((f->fp = fdopen(fd, "a")) == NULL) {
		close(fd);
		io_fail(f, errno);
		return;
	}
	if (it->compress == CONF_MRT_GZIP) {
		/*
		 * Update files are written all the time: the fastest level
		 * (1); table dumps are rare and kept longer: 6.  Level 1 is
		 * ISA-L's 1 (its 0 is no faster here and 18 % larger; its 2
		 * and 3 gain under 1 %); 2..9 are libdeflate's, one to one.
		 */
		int level = it->level > 0 ? it->level : f->tmp ? 6 : 1;

		f->gzip = 1;
		if (level == 1) {
			/*
			 * Zeroed once: the init leaves fields unset that
			 * level 1 reads (valgrind); a member leaves them
			 * set for the next.
			 */
			f->isal = malloc(ISAL_DEF_LVL1_DEFAULT);
			f->zs = calloc(1, sizeof(*f->zs));
			if (f->zs == NULL) {
				free(f->isal);
				f->isal = NULL;
			}
		} else
			f->gz = libdeflate_alloc_compressor(level);
		if ((f->isal == NULL && f->gz == NULL) ||
		    (f->zin = malloc(IO_MEMBER)) == NULL)
			io_fail(f, ENOMEM);
	} else if (it->compress == CONF_MRT_BZIP2) {
		int bzerr;

		f->bz = BZ2_bzWriteOpen(&bzerr, f->fp,
		    it->level > 0 ? it->level : 9, 0, 0);
		if (bzerr != BZ_OK)
			io_fail(f, EIO);
	}
}

/*
 * ISA-L's level 1 on p as one gzip member into f->zout: the size, or 0.
 * When the compressed data would not fit, isal_deflate_stateless writes
 * stored blocks if they fit; the bound leaves room for those (5 bytes
 * per block of at most 64 KiB, counted per 16 KiB), the gzip header and
 * trailer, and slack.
 */
static size_t
io_isal(struct io_file *f, const uint8_t *p, size_t len)
{
	struct isal_zstream *s = f->zs;

	isal_deflate_stateless_init(s);
	s->gzip_flag = IGZIP_GZIP;
	s->level = 1;
	s->level_buf = f->isal;
	s->level_buf_size = ISAL_DEF_LVL1_DEFAULT;
	s->next_in = (uint8_t *)(uintptr_t)p;
	s->avail_in = (uint32_t)len;
	s->end_of_stream = 1;
	s->next_out = f->zout;
	s->avail_out = (uint32_t)f->zoutcap;
	if (isal_deflate_stateless(s) != COMP_OK)
		return 0;
	return s->total_out;
}

static size_t
io_bound(struct io_file *f, size_t len)
{
	if (f->gz != NULL)
		return libdeflate_gzip_compress_bound(f->gz, len);
	return len + 5 * (len / 16384 + 1) + 1024;
}

/* Compresses p as one gzip member and writes it. */
static void
io_member(struct io_file *f, const uint8_t *p, size_t len)
{
	size_t bound, n;
	uint8_t *o;

	if (len > UINT32_MAX / 2) {	/* ISA-L counts in 32 bits */
		io_fail(f, EFBIG);
		return;
	}
	bound = io_bound(f, len);
	if (bound > f->zoutcap) {
		if ((o = realloc(f->zout, bound)) == NULL) {
			io_fail(f, ENOMEM);
			return;
		}
		f->zout = o;
		f->zoutcap = bound;
	}
	errno = 0;
	if (f->gz != NULL)
		n = libdeflate_gzip_compress(f->gz, p, len, f->zout,
		    f->zoutcap);
	else
		n = io_isal(f, p, len);
	if (n == 0) {
		io_fail(f, EIO);
		return;
	}
	if (fwrite(f->zout, 1, n, f->fp) != n)
		io_fail(f, errno);
	f->members++;
}

/* Writes the gathered bytes as a member. */
static void
io_gz_flush(struct io_file *f)
{
	if (f->zlen > 0 && !f->failed)
		io_member(f, f->zin, f->zlen);
	f->zlen = 0;
}

/*
 * A chunk of records: gathered behind the previous ones while the member
 * has room, so that members stay large when the loop flushes small
 * chunks (once a second on a quiet feed).
 */
static void
io_gz_data(struct io_file *f, const uint8_t *p, size_t len)
{
	if (f->zlen > 0 && f->zlen + len > IO_MEMBER)
		io_gz_flush(f);
	/*
	 * A large chunk with nothing gathered before it (the loop's full
	 * 256 KiB chunks of a busy feed) is a member as it is: no copy.
	 */
	if (len >= IO_MEMBER || (f->zlen == 0 && len >= IO_MEMBER / 2)) {
		io_member(f, p, len);
		return;
	}
	memcpy(f->zin + f->zlen, p, len);
	f->zlen += len;
	if (f->zlen == IO_MEMBER)
		io_gz_flush(f);
}

static void
io_data(struct io_file *f, const uint8_t *p, size_t len)
{
	int bzerr;

	if (f->failed || f->path == NULL)
		return;
	errno = 0;
	if (f->gzip)
		io_gz_data(f, p, len);
	else if (f->bz != NULL) {
		BZ2_bzWrite(&bzerr, f->bz, (void *)(uintptr_t)p, (int)len);
		if (bzerr != BZ_OK)
			io_fail(f, errno);
	} else if (f->fp != NULL) {
		if (fwrite(p, 1, len, f->fp) != len)
			io_fail(f, errno);
	}
}

static void
io_close(struct mrt_io *io, struct io_item *it, struct io_note *n)
{
	struct io_file *f = &io->files[it->stream];
	int bzerr;

	if (f->path == NULL && !f->failed) {
		n->stream = -1;
		return;
	}
	if (f->gzip) {
		io_gz_flush(f);
		/* An empty file is still a gzip file: one empty member. */
		if (f->members == 0 && !f->failed)
			io_member(f, NULL, 0);
		if (f->gz != NULL)
			libdeflate_free_compressor(f->gz);
		free(f->isal);
		free(f->zs);
		free(f->zin);
		free(f->zout);
	}
	errno = 0;
	if (f->bz != NULL) {
		BZ2_bzWriteClose(&bzerr, f->bz, 0, NULL, NULL);
		if (bzerr != BZ_OK)
			io_fail(f, errno);
	}
	if (f->fp != NULL && fclose(f->fp) != 0)
		io_fail(f, errno);
	if (f->path == NULL)
		io_fail(f, EINVAL);
	if (it->compress == -1)
		io_fail(f, ECANCELED);	/* an abort: no rename, no note */
	if (f->tmp && !f->failed && rename(f->tmppath, f->path) == -1)
		io_fail(f, errno);
	if (f->tmp && f->failed)
		(void)unlink(f->tmppath);
	n->stream = it->compress == -1 ? -1 : it->stream;
	n->token = it->token;
	n->ok = !f->failed;
	n->reported = f->reported;
	if (f->failed)
		snprintf(n->msg, sizeof(n->msg), "%s: %s",
		    f->path ? f->path : "?", strerror(f->failed));
	else
		snprintf(n->msg, sizeof(n->msg), "%s", f->path);
	free(f->path);
	memset(f, 0, sizeof(*f));
}

/*
 * Tells the loop at once when a file starts failing (disk full), not
 * only when it is closed: token MRT_IO_FAILING.
 */
static void
io_report(struct mrt_io *io, int stream)
{
	struct io_file *f = &io->files[stream];
	struct io_note n;

	if (!f->failed || f->reported || f->path == NULL)
		return;
	f->reported = 1;
	memset(&n, 0, sizeof(n));
	n.stream = stream;
	n.token = MRT_IO_FAILING;
	snprintf(n.msg, sizeof(n.msg), "%s: %s", f->path,
	    strerror(f->failed));
	pthread_mutex_lock(&io->mtx);
	io->st.errors++;
	pthread_mutex_unlock(&io->mtx);
	if (write(io->pipe[1], &n, sizeof(n)) != sizeof(n))
		f->reported = 1;	/* the loop is gone */
}

/* Keeps a done buffer for mrt_io_buf if the pool has room: 1, or 0. */
static int
io_recycle(struct mrt_io *io, struct io_item *it)
{
	int kept = 0;

	if (it->cap == 0)
		return 0;
	pthread_mutex_lock(&io->mtx);
	if (io->pool_bytes + it->cap <= IO_POOL_BYTES) {
		STAILQ_INSERT_HEAD(&io->pool, it, entry);
		io->pool_bytes += it->cap;
		kept = 1;
	}
	pthread_mutex_unlock(&io->mtx);
	return kept;
}

/* Frees io once the thread is gone. */
static void
io_destroy(struct mrt_io *io)
{
	struct io_item *it;

	if (io->ev_note != NULL)
		event_free(io->ev_note);
	close(io->pipe[0]);
	close(io->pipe[1]);
	while ((it = STAILQ_FIRST(&io->pool)) != NULL) {
		STAILQ_REMOVE_HEAD(&io->pool, entry);
		free(it);
	}
	pthread_mutex_destroy(&io->mtx);
	pthread_cond_destroy(&io->cond);
	pthread_cond_destroy(&io->gone);
	free(io);
}

static void *
io_thread(void *arg)
{
	struct mrt_io *io = arg;
	struct io_item *it;
	struct io_note n;
	int quit = 0, orphan;

	while (!quit) {
		pthread_mutex_lock(&io->mtx);
		while ((it = STAILQ_FIRST(&io->items)) == NULL)
			pthread_cond_wait(&io->cond, &io->mtx);
		STAILQ_REMOVE_HEAD(&io->items, entry);
		pthread_mutex_unlock(&io->mtx);
		switch (it->cmd) {
		case IO_OPEN:
			io_open(io, it);
			break;
		case IO_DATA:
			io_data(&io->files[it->stream], it->data, it->len);
			pthread_mutex_lock(&io->mtx);
			io->st.queued -= it->len;
			io->st.written += it->len;
			pthread_mutex_unlock(&io->mtx);
			io_report(io, it->stream);
			break;
		case IO_CLOSE:
			memset(&n, 0, sizeof(n));
			io_close(io, it, &n);
			if (n.stream == -1)
				break;	/* nothing open, or an abort */
			pthread_mutex_lock(&io->mtx);
			if (n.ok)
				io->st.files++;
			else if (!n.reported)
				io->st.errors++;
			pthread_mutex_unlock(&io->mtx);
			if (write(io->pipe[1], &n, sizeof(n)) != sizeof(n))
				n.ok = 0;	/* the loop is gone */
			break;
		case IO_QUIT:
			quit = 1;
			break;
		}
		free(it->path);
		it->path = NULL;
		if (it->cmd != IO_DATA || !io_recycle(io, it))
			free(it);
	}
	pthread_mutex_lock(&io->mtx);
	io->exited = 1;
	pthread_cond_signal(&io->gone);
	orphan = io->orphan;
	pthread_mutex_unlock(&io->mtx);
	if (orphan)
		io_destroy(io);
	return NULL;
}

/* The loop's side of the pipe: one callback per close. */
static void
io_note_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mrt_io *io = arg;
	struct io_note n;

	(void)what;
	while (read(fd, &n, sizeof(n)) == sizeof(n)) {
		n.msg[sizeof(n.msg) - 1] = '\0';
		if (io->done != NULL)
			io->done(io->arg, n.stream, n.token, n.ok, n.msg);
	}
}

static void
io_push(struct mrt_io *io, struct io_item *it)
{
	pthread_mutex_lock(&io->mtx);
	STAILQ_INSERT_TAIL(&io->items, it, entry);
	pthread_cond_signal(&io->cond);
	pthread_mutex_unlock(&io->mtx);
}

/*
 * An item with room for len bytes of data.  Only the header is zeroed:
 * the data is written over by the caller (calloc cleared 256 KiB a
 * chunk, as much work as the encoding).
 */
static struct io_item *
io_item(enum io_cmd cmd, int stream, size_t len)
{
	struct io_item *it;

	if ((it = malloc(sizeof(*it) + len)) == NULL)
		fatal("mrt_io");
	memset(it, 0, sizeof(*it));
	it->cmd = cmd;
	it->stream = stream;
	it->len = len;
	return it;
}

/* The item whose data a buffer of mrt_io_buf is. */
static struct io_item *
io_item_of(void *buf)
{
	return (struct io_item *)(void *)((uint8_t *)buf -
	    offsetof(struct io_item, data));
}

struct mrt_io *
mrt_io_new(struct event_base *base, uint64_t limit, mrt_io_done_fn done,
    void *arg)
{
	pthread_condattr_t ca;
	struct mrt_io *io;

	if ((io = calloc(1, sizeof(*io))) == NULL)
		fatal("mrt_io_new");
	STAILQ_INIT(&io->items);
	STAILQ_INIT(&io->pool);
	io->limit = limit;
	io->exit_wait = CONF_DEFAULT_MRT_EXIT_WAIT;
	io->done = done;
	io->arg = arg;
	pthread_mutex_init(&io->mtx, NULL);
	pthread_cond_init(&io->cond, NULL);
	if (pthread_condattr_init(&ca) != 0 ||
	    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&io->gone, &ca) != 0)
		fatalx("mrt_io_new: condition variable");
	(void)pthread_condattr_destroy(&ca);
	if (pipe(io->pipe) == -1) {
		log_warn("mrt: pipe");
		goto fail;
	}
	/* The thread blocks on a full pipe only if the loop never reads. */
	(void)fcntl(io->pipe[0], F_SETFL, O_NONBLOCK);
	(void)fcntl(io->pipe[0], F_SETFD, FD_CLOEXEC);
	(void)fcntl(io->pipe[1], F_SETFD, FD_CLOEXEC);
	if (base != NULL) {
		io->ev_note = event_new(base, io->pipe[0], EV_READ | EV_PERSIST,
		    io_note_cb, io);
		if (io->ev_note == NULL || event_add(io->ev_note, NULL) == -1) {
			log_warnx("mrt: cannot watch the writer");
			goto fail;
		}
	}
	if (pthread_create(&io->thread, NULL, io_thread, io) != 0) {
		log_warnx("mrt: cannot start the writer thread");
		goto fail;
	}
	return io;
 fail:
	if (io->ev_note != NULL)
		event_free(io->ev_note);
	if (io->pipe[0] > 0) {
		close(io->pipe[0]);
		close(io->pipe[1]);
	}
	free(io);
	return NULL;
}

/*
 * Waits up to the exit wait for the thread to finish: 0 once it has,
 * -1 if it is still busy.
 */
static int
io_wait_gone(struct mrt_io *io)
{
	struct timespec ts;
	int rc = 0;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += io->exit_wait;
	pthread_mutex_lock(&io->mtx);
	while (!io->exited && rc == 0)
		rc = pthread_cond_timedwait(&io->gone, &io->mtx, &ts);
	rc = io->exited ? 0 : -1;
	pthread_mutex_unlock(&io->mtx);
	return rc;
}

int
mrt_io_free(struct mrt_io *io)
{
	pthread_t thread;
	uint64_t queued;
	uint32_t secs;
	int i;

	if (io == NULL)
		return 0;
	for (i = 0; i < MRT_IO_STREAMS; i++)
		mrt_io_close(io, i, 0);
	io_push(io, io_item(IO_QUIT, 0, 0));
	if (io_wait_gone(io) == 0) {
		pthread_join(io->thread, NULL);
		if (io->ev_note != NULL)
			io_note_cb(io->pipe[0], EV_READ, io);
		io_destroy(io);
		return 0;
	}
	/*
	 * A write or an open that does not return (a hung disk or NFS
	 * server, a FIFO nobody reads): the exit must not hang with it.
	 * The loop's side goes now; the thread frees the rest if it ever
	 * gets done, or the process's exit ends it.  What it had not
	 * written is lost, and a table dump's .tmp is never renamed.
	 */
	if (io->ev_note != NULL) {
		event_free(io->ev_note);
		io->ev_note = NULL;
	}
	thread = io->thread;
	secs = io->exit_wait;
	pthread_mutex_lock(&io->mtx);
	queued = io->st.queued;
	if (io->exited) {		/* done just now after all */
		pthread_mutex_unlock(&io->mtx);
		pthread_join(thread, NULL);
		io_destroy(io);
		return 0;
	}
	io->orphan = 1;
	pthread_mutex_unlock(&io->mtx);
	(void)pthread_detach(thread);
	log_warnx("mrt: the writer is still busy after %u s (%llu bytes "
	    "queued): exiting without it; the files it has open stay "
	    "incomplete", secs, (unsigned long long)queued);
	return -1;
}

void
mrt_io_set_exit_wait(struct mrt_io *io, uint32_t secs)
{
	io->exit_wait = secs;
}

void
mrt_io_set_limit(struct mrt_io *io, uint64_t limit)
{
	pthread_mutex_lock(&io->mtx);
	io->limit = limit;
	pthread_mutex_unlock(&io->mtx);
}

void
mrt_io_open(struct mrt_io *io, int stream, const char *path, int compress,
    int level, int tmp)
{
	struct io_item *it = io_item(IO_OPEN, stream, 0);

	if ((it->path = strdup(path)) == NULL)
		fatal("mrt_io_open");
	it->compress = compress;
	it->level = level;
	it->tmp = tmp;
	io_push(io, it);
}

/* Counts n bytes in the queue, or refuses them (-1) at the limit. */
static int
io_admit(struct mrt_io *io, size_t n, int force)
{
	pthread_mutex_lock(&io->mtx);
	if (!force && io->st.queued + n > io->limit) {
		io->st.refused += n;
		pthread_mutex_unlock(&io->mtx);
		return -1;
	}
	io->st.queued += n;
	if (io->st.queued > io->st.queued_max)
		io->st.queued_max = io->st.queued;
	pthread_mutex_unlock(&io->mtx);
	return 0;
}

int
mrt_io_write(struct mrt_io *io, int stream, const void *p, size_t n,
    int force)
{
	struct io_item *it;

	if (io_admit(io, n, force) == -1)
		return -1;
	it = io_item(IO_DATA, stream, n);
	memcpy(it->data, p, n);
	io_push(io, it);
	return 0;
}

void *
mrt_io_buf(struct mrt_io *io, size_t cap)
{
	struct io_item *it;

	pthread_mutex_lock(&io->mtx);
	STAILQ_FOREACH(it, &io->pool, entry)
		if (it->cap == cap)
			break;
	if (it != NULL) {
		STAILQ_REMOVE(&io->pool, it, io_item, entry);
		io->pool_bytes -= cap;
	}
	pthread_mutex_unlock(&io->mtx);
	if (it == NULL) {
		it = io_item(IO_DATA, 0, cap);
		it->cap = cap;
	}
	return it->data;
}

void
mrt_io_buf_free(struct mrt_io *io, void *buf)
{
	struct io_item *it;

	if (buf == NULL)
		return;
	it = io_item_of(buf);
	if (!io_recycle(io, it))
		free(it);
}

int
mrt_io_put(struct mrt_io *io, int stream, void *buf, size_t n, int force)
{
	struct io_item *it = io_item_of(buf);

	if (io_admit(io, n, force) == -1)
		return -1;
	it->cmd = IO_DATA;
	it->stream = stream;
	it->len = n;
	io_push(io, it);
	return 0;
}

void
mrt_io_close(struct mrt_io *io, int stream, uint64_t token)
{
	struct io_item *it = io_item(IO_CLOSE, stream, 0);

	it->token = token;
	io_push(io, it);
}

void
mrt_io_abort(struct mrt_io *io, int stream)
{
	struct io_item *it = io_item(IO_CLOSE, stream, 0);

	it->compress = -1;
	io_push(io, it);
}

uint64_t
mrt_io_queued(struct mrt_io *io)
{
	uint64_t q;

	pthread_mutex_lock(&io->mtx);
	q = io->st.queued;
	pthread_mutex_unlock(&io->mtx);
	return q;
}

uint64_t
mrt_io_limit(const struct mrt_io *io)
{
	return io->limit;
}

void
mrt_io_stats(struct mrt_io *io, struct mrt_io_stats *st)
{
	pthread_mutex_lock(&io->mtx);
	*st = io->st;
	pthread_mutex_unlock(&io->mtx);
}
