/*
 * A compressed MRT file read ahead by a thread of its own (mrtahead.c),
 * so that decompressing it (most of a bzip2 file's replay) runs beside
 * what the reader does with its records.  mrt_file_open_ahead (mrtfile.h) is the way in; nothing else
 * calls these.
 */
#ifndef BGPWATCH_MRTAHEAD_H
#define BGPWATCH_MRTAHEAD_H

#include <stddef.h>
#include <stdint.h>

struct mrt_file;
struct mrt_ahead;

/* Starts the thread on in (its own until mrt_ahead_stop).  NULL when it
 * cannot: in is still the caller's, untouched. */
struct mrt_ahead *mrt_ahead_start(struct mrt_file *in);
/*
 * The next record, header included, in place until the next call:
 * 1, 0 at the end of the file, -1 with *errstr (a constant) on the
 * error the inner reader ended with (sticky, as the end is).
 */
int	mrt_ahead_next(struct mrt_ahead *, const uint8_t **rec, size_t *len,
	    const char **errstr);
/* Stops and joins the thread; returns the inner file, to be closed.
 * Its blocks are kept for the calling thread's next file. */
struct mrt_file *mrt_ahead_stop(struct mrt_ahead *);
/* Frees the blocks kept (mrt_file_cache_free calls it). */
void	mrt_ahead_cache_free(void);

#endif /* BGPWATCH_MRTAHEAD_H */
