/*
 * Streaming MRT file reader: plain, gzip or bzip2 (told apart by their
 * magic bytes, never by the file name), from a path, stdin ("-") or
 * memory.  It frames records and hands out each body in place; decoding
 * them is proto/mrt.c's job.  The input is hostile: a record over
 * MRT_MAX_RECORD or cut short is an error, and memory stays bounded by
 * the largest record seen.
 */
#ifndef BGPWATCH_MRTFILE_H
#define BGPWATCH_MRTFILE_H

#include <stddef.h>
#include <stdint.h>

#include "mrt.h"

struct mrt_file;

/* What the reader detected. */
enum mrt_file_fmt {
	MRT_FMT_PLAIN = 0,
	MRT_FMT_GZIP,
	MRT_FMT_BZIP2
};

/*
 * Opens path ("-" for stdin) for reading.  Returns the reader, or NULL
 * with a message in err.
 */
struct mrt_file *mrt_file_open(const char *path, char *err, size_t errlen);
/*
 * mrt_file_open, and a compressed regular file may be decompressed ahead
 * of the reader by a thread of its own (lib/mrtahead.c): the records,
 * their order, the end and any error are the same.  ahead is one of:
 */
enum mrt_ahead_mode {
	MRT_AHEAD_OFF = 0,	/* mrt_file_open */
	MRT_AHEAD_AUTO,		/* a bzip2 file, when this thread may run
				 * on more than one CPU (sched_getaffinity) */
	MRT_AHEAD_ON		/* any compressed regular file (tests) */
};
struct mrt_file *mrt_file_open_ahead(const char *path,
	    enum mrt_ahead_mode ahead, char *err, size_t errlen);
/* Nonzero when the reader has a thread reading ahead. */
int	mrt_file_ahead(const struct mrt_file *);
/*
 * Reads the n bytes at p (plain or compressed; not copied, so they must
 * outlive the reader).  Returns the reader, or NULL with a message in err.
 */
struct mrt_file *mrt_file_open_mem(const void *p, size_t n, char *err,
	    size_t errlen);
/*
 * Returns 1 with the next record's header (usec filled in for BGP4MP_ET)
 * and its hdr->len body bytes at *body, valid until the next call; 0 at a
 * clean end of file; -1 on a truncated record or stream, a length over
 * MRT_MAX_RECORD or a read error, with *errstr set to a static message.
 * After -1 every further call returns -1 again.
 */
int	mrt_file_next(struct mrt_file *, struct mrt_hdr *, const uint8_t **body,
	    const char **errstr);
/* Compression detected at open. */
enum mrt_file_fmt mrt_file_format(const struct mrt_file *);
/* Bytes of decompressed input consumed so far (records handed out). */
uint64_t mrt_file_offset(const struct mrt_file *);
/*
 * Size in bytes of a plain (uncompressed) regular file, or 0 when it is
 * not known: compressed, a pipe, memory.  A hint, the file may change.
 */
uint64_t mrt_file_size(const struct mrt_file *);
/* Closes the file (not stdin) and frees the reader; NULL is fine. */
void	mrt_file_close(struct mrt_file *);
/* Frees the buffers the thread's closed files left for its next one. */
void	mrt_file_cache_free(void);

#endif /* BGPWATCH_MRTFILE_H */
