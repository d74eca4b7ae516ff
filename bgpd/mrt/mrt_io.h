/*
 * The MRT archive's disk side: one writer thread behind a bounded queue,
 * so that the event loop never waits for a disk.  The loop queues
 * commands per stream (open a file, bytes, close it); the thread runs
 * them in order and reports each close back to the loop through a pipe.
 * Past the byte limit, write() refuses (the caller counts what it drops);
 * a disk error fails the stream's file until its next open, and is
 * reported once.
 */
#ifndef BGPWATCH_MRT_IO_H
#define BGPWATCH_MRT_IO_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#define MRT_IO_STREAMS	8	/* 0: updates, 1..: table dumps */
#define MRT_IO_FAILING	UINT64_MAX /* done's token: a file started failing */

struct mrt_io;

/*
 * Called on the loop when a close has been done: ok is 0 with msg set if
 * the file could not be written completely (then a temporary file was
 * removed, not renamed).  Also called once, with token MRT_IO_FAILING
 * and ok 0, as soon as a file fails (what follows for it is lost).
 */
typedef void (*mrt_io_done_fn)(void *arg, int stream, uint64_t token,
    int ok, const char *msg);

struct mrt_io_stats {
	uint64_t	queued;		/* bytes waiting now */
	uint64_t	queued_max;	/* high-water mark */
	uint64_t	written;	/* bytes handed to the files */
	uint64_t	refused;	/* bytes refused at the limit */
	uint64_t	errors;		/* files that failed */
	uint64_t	files;		/* files completed */
};

/* Starts the thread.  Returns NULL (logged) if it cannot. */
struct mrt_io	*mrt_io_new(struct event_base *, uint64_t limit,
		    mrt_io_done_fn, void *arg);
/*
 * Finishes what is queued (every file closed), then stops: waits for
 * the thread at most the exit wait (mrt_io_set_exit_wait).  Returns 0,
 * or -1 when the thread was still busy then (a hung disk, a FIFO that
 * nobody reads): logged, and the thread is left to the process's exit
 * with what it still holds (the writer's memory is not freed).
 */
int		 mrt_io_free(struct mrt_io *);
void		 mrt_io_set_limit(struct mrt_io *, uint64_t limit);
void		 mrt_io_set_exit_wait(struct mrt_io *, uint32_t secs);
/*
 * Opens path for stream, gzip/bzip2/plain (enum config_mrt_compress) at
 * level (1..9; 0: gzip 1 for appended files, 6 for tmp ones; bzip2 9);
 * with tmp the bytes go to "path.tmp" until the close renames it;
 * without, to path itself, appended to.  Never refused.
 */
void		 mrt_io_open(struct mrt_io *, int stream, const char *path,
		    int compress, int level, int tmp);
/*
 * Queues n bytes for stream.  Returns 0, or -1 when the queue holds its
 * limit already (nothing queued); force queues past the limit (a table
 * dump, which waits for the queue to drain before each slice instead).
 */
int		 mrt_io_write(struct mrt_io *, int stream, const void *,
		    size_t n, int force);
/*
 * The same without a copy: buf is one of mrt_io_buf(io, cap), holding
 * n <= cap bytes.  On 0 the writer owns it (the caller takes a new one);
 * on -1 (refused, as above) it is still the caller's.  Buffers the
 * writer is done with are kept (a few MiB) for mrt_io_buf to hand out
 * again; mrt_io_buf_free gives one back unused.
 */
void		*mrt_io_buf(struct mrt_io *, size_t cap);
void		 mrt_io_buf_free(struct mrt_io *, void *buf);
int		 mrt_io_put(struct mrt_io *, int stream, void *buf, size_t n,
		    int force);
/* Closes stream's file; the done callback gets token.  Never refused. */
void		 mrt_io_close(struct mrt_io *, int stream, uint64_t token);
/* Closes stream's file and removes it (a temporary file); no callback. */
void		 mrt_io_abort(struct mrt_io *, int stream);
/* Bytes waiting for the thread. */
uint64_t	 mrt_io_queued(struct mrt_io *);
uint64_t	 mrt_io_limit(const struct mrt_io *);
void		 mrt_io_stats(struct mrt_io *, struct mrt_io_stats *);

#endif /* BGPWATCH_MRT_IO_H */
