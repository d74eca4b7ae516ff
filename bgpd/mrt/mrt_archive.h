/*
 * The MRT archive (docs/archive.md): what the collector hears, written
 * as RIS and RouteViews write it.  An updates file per interval with
 * every UPDATE received and every state change (BGP4MP_ET), and table
 * dumps of every Adj-RIB-In (TABLE_DUMP_V2), on the clock or on demand.
 * It observes the message tap (msgtap.h) and reads the RIB; files are
 * written by a thread (mrt_io.h), so the loop never waits for a disk.
 */
#ifndef BGPWATCH_MRT_ARCHIVE_H
#define BGPWATCH_MRT_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "msgtap.h"

struct loop;
struct rib;
struct intern;
struct mrt_archive;

struct mrt_archive_stats {
	uint64_t	records;	/* BGP4MP records archived */
	uint64_t	dropped;	/* BGP4MP records dropped (queue full) */
	uint64_t	dumps;		/* table dumps completed */
	uint64_t	dump_errors;	/* table dumps that failed */
	uint64_t	dump_routes;	/* routes in the last dump */
	double		dump_seconds;	/* duration of the last dump */
	double		dump_max_slice;	/* longest slice of it, seconds */
	uint64_t	queued;		/* bytes waiting for the disk */
	uint64_t	queued_max;
	uint64_t	written;	/* bytes written */
	uint64_t	file_errors;	/* files that could not be written */
	int		dumping;	/* dumps in progress */
};

/*
 * Called when a dump asked for with mrt_archive_dump is complete (ok 1,
 * msg the file) or has failed (ok 0, msg why).
 */
typedef void (*mrt_dump_done_fn)(void *arg, int ok, const char *msg,
    uint64_t routes);

/*
 * An archive for conf->mrt (it may be disabled: then only on-demand
 * dumps).  Returns NULL (logged) if the writer cannot start.
 */
struct mrt_archive *mrt_archive_new(struct loop *, struct rib *,
	    const struct config *);
/* Writes what is queued, completes the open files and stops. */
void	mrt_archive_free(struct mrt_archive *);
/* Takes a new configuration (reload). */
void	mrt_archive_reconfigure(struct mrt_archive *, const struct config *);
/* The tap observer to add to the core's tap. */
void	mrt_archive_observer(struct mrt_archive *, struct tap_observer *);
/*
 * Nonzero when the archive writes messages (an updates file); else its
 * observer is quiet (msgtap_set_quiet): it keeps the peers from their
 * state changes, which is all a table dump needs.
 */
int	mrt_archive_wants_messages(const struct mrt_archive *);
/*
 * Starts a table dump to path (compressed by its suffix, .gz or .bz2),
 * written to path.tmp and renamed when complete; done is then called.
 * Returns 0, or -1 with err set (too many dumps running).
 */
int	mrt_archive_dump(struct mrt_archive *, const char *path,
	    mrt_dump_done_fn done, void *arg, char *err, size_t errlen);
/* Forgets the callbacks with this arg (the asker went away). */
void	mrt_archive_forget(struct mrt_archive *, void *arg);
void	mrt_archive_stats(struct mrt_archive *, struct mrt_archive_stats *);

#endif /* BGPWATCH_MRT_ARCHIVE_H */
