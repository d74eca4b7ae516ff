/*
 * fdatasync off the event loop (bgpd/event/evt_syncer.c): the event
 * log's periodic sync is handed to one worker thread, so a slow disk
 * delays durability, never sessions or event delivery.  The thread only
 * ever calls fdatasync() and close() on descriptors it is given, and
 * fsync() on the directory of a rotated file.
 */
#ifndef BGPWATCH_EVT_SYNCER_H
#define BGPWATCH_EVT_SYNCER_H

#include <stdint.h>

struct evt_syncer;

/* A syncer whose log lines start with name ("event log PATH"); the
 * thread starts at the first request.  Never NULL (fatal). */
struct evt_syncer *evt_syncer_new(const char *name);
/*
 * Has fd (a descriptor of its own, e.g. a dup(): the syncer closes it)
 * fdatasync()ed by the thread.  A request still waiting is replaced: one
 * sync covers both.  Returns 0, or -1 if no thread could be started
 * (then fd was synced and closed here).
 */
int	evt_syncer_request(struct evt_syncer *, int fd);
/*
 * Has fd, the file a rotation just renamed away (the syncer closes it),
 * fdatasync()ed by the thread, then the directory dir (the renames).
 * Never replaced by a later request: it is another file.  Returns 0, or
 * -1 when 16 rotated files wait already (rotations faster than the
 * disk syncs them) or no thread could be started: fd is the caller's
 * still.
 */
int	evt_syncer_rotated(struct evt_syncer *, int fd, const char *dir);
/* fsync()s the directory dir (renames, new files in it made durable). */
void	evt_fsync_dir(const char *dir);
/* Waits for the syncs under way or waiting, stops the thread, frees. */
void	evt_syncer_free(struct evt_syncer *);
/* Syncs done, and the longest one (microseconds). */
uint64_t evt_syncer_done(const struct evt_syncer *);
uint64_t evt_syncer_max_usec(const struct evt_syncer *);

#endif /* BGPWATCH_EVT_SYNCER_H */
