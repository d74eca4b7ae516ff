/*
 * Shared by the archive's files: mrt_archive.c (configuration, the
 * peers as the tap shows them, the updates files) and mrt_table.c (the
 * sliced table dumps).  Not for other modules.
 */
#ifndef BGPWATCH_MRT_PRIV_H
#define BGPWATCH_MRT_PRIV_H

#include <sys/queue.h>

#include <stdint.h>

#include <event2/event.h>

#include "config.h"
#include "mrt.h"
#include "msgtap.h"
#include "mrt_archive.h"
#include "mrt_io.h"
#include "rib.h"

#define MRT_STREAM_UPDATES	0
#define MRT_MAX_DUMPS		(MRT_IO_STREAMS - 1)
#define MRT_CHUNK		(256 * 1024)	/* updates bytes per write */
#define MRT_DUMP_CHUNK		(1024 * 1024)	/* dump bytes per write */
#define MRT_SLICE_SECONDS	0.010		/* loop time per dump slice */

/* A session as the tap showed it last: who, and since when it is up. */
struct mrt_peerinfo {
	struct tap_peer	 tp;
	double		 up_since;
	uint8_t		 up;
	/* the BGP4MP peer part of tp, 2- and 4-octet; length 0: not yet */
	uint8_t		 bgp4mp[2][MRT_BGP4MP_PEER_MAX];
	uint8_t		 bgp4mp_len[2];
};

struct mrt_dump;
TAILQ_HEAD(mrt_dumps, mrt_dump);

struct mrt_archive {
	struct loop		*loop;
	struct rib		*rib;
	struct mrt_io		*io;
	struct config_mrt	 conf;		/* strings owned */
	char			*view;		/* collector-id */
	uint32_t		 collector_id;	/* router-id */
	/* peers by rib_src slot */
	struct mrt_peerinfo	**peers;	/* RIB_MAX_PEERS */
	/* updates */
	int64_t			 upd_bucket;	/* start of the open file, -1 */
	uint8_t			*chunk;		/* MRT_CHUNK */
	size_t			 chunk_len;
	uint64_t		 chunk_records;
	struct event		*ev_flush;
	uint64_t		 records, dropped, dropped_logged;
	/* tables */
	struct event		*ev_table;	/* the next scheduled dump */
	struct mrt_dumps	 dumps;
	uint8_t			 stream_busy[MRT_IO_STREAMS];
	uint64_t		 next_token;
	int			 dumping;	/* dumps in progress */
	uint64_t		 ndumps, dump_errors, dump_routes;
	double			 dump_seconds, dump_max_slice;
};

/* floor() without libm, for times (positive). */
static inline double
mrt_floor(double t)
{
	return (double)(int64_t)t;
}

/* mrt_table.c */
int	mrt_table_start(struct mrt_archive *, const char *path, int compress,
	    mrt_dump_done_fn, void *arg, char *err, size_t errlen);
void	mrt_table_done(struct mrt_archive *, int stream, uint64_t token,
	    int ok, const char *msg);
void	mrt_table_free_all(struct mrt_archive *);
void	mrt_table_forget(struct mrt_archive *, void *arg);
/* 1 if a dump on the clock is still being written. */
int	mrt_table_scheduled_running(const struct mrt_archive *);
/*
 * Expands a strftime pattern for time t (UTC), with ".gz" or ".bz2"
 * added when compressed and not there yet.  Returns 0 or -1.
 */
int	mrt_path_expand(const char *pattern, int64_t t, int compress,
	    char *out, size_t outlen);

#endif /* BGPWATCH_MRT_PRIV_H */
