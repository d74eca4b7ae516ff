/*
 * The one door into the RIB.  Every input (a BGP session, an MRT replay,
 * later a BMP-monitored peer) makes one struct rib_src per source of
 * routes, drives its lifecycle with the calls below and hands decoded
 * UPDATEs to adjrib_apply().  No input touches the trie or the detector:
 * the door applies routes to the RIB, tells the detector of every change
 * a source makes, and runs the detector when work is due.  The same
 * contract as OpenBGPD's route engine (session add / up / down / stale /
 * flush / delete, update), as calls in one process.
 *
 * What the door tells is handed to an observer it was given (the region
 * detector, through detect/detect_door.c): the door sits below the
 * detector and knows nothing of it.
 *
 * Lifecycle of a source:
 *   adjrib_src_attach   a RIB slot; no routes yet
 *   adjrib_renew        a new session begins: the previous one's routes
 *                       still being flushed stay behind, in their slot
 *   adjrib_up           its session came up (routes may follow)
 *   adjrib_eligible     its initial table is complete
 *   adjrib_down         the session went; with graceful restart per
 *                       family the routes stay as stale, else they go
 *   adjrib_flush_stale  the stale routes of a family go (End-of-RIB, or
 *                       the restart timer ran out)
 *   adjrib_gone         its stale routes no longer count
 *   adjrib_src_detach   all routes go (in slices, after it), the slot
 *                       is freed when they have
 */
#ifndef BGPWATCH_ADJRIB_H
#define BGPWATCH_ADJRIB_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "bgpwatch.h"
#include "intern.h"
#include "log.h"
#include "rib.h"
#include "update.h"

/*
 * Work of one slice of a flush (a prefix visited counts 1, plus the
 * routes removed from it).  The door runs the flushes of every source
 * with one walk per family, slices until the loop's turn has taken
 * LOOP_TURN_MAX: ten peers flushed at once, or a hundred flaps, share
 * the walk and the turn.  Small, because the last slice of a turn runs
 * past it: a slice gives node chunks back to the system (madvise, a TLB
 * shootdown each, 0.3 ms on this 2-core VM), and 2,000 once took 40 ms
 * with 125 of them.
 */
#define FLUSH_BUDGET		500

struct loop;
struct rib_src;

/* What the door counts per source (beside the RIB's own counts). */
struct rib_src_stats {
	uint64_t	prefixes_in;		/* announcements */
	uint64_t	withdraws_in;		/* withdrawals */
};

struct adjrib;

/* Lifecycle steps an observer is told of. */
enum adjrib_step {
	ADJRIB_UP,		/* session up */
	ADJRIB_ELIGIBLE,	/* initial table complete */
	ADJRIB_DOWN,		/* session down (gr: routes kept stale) */
	ADJRIB_GONE		/* stale routes no longer count */
};

/*
 * The one observer of the door (every call optional).  interested: a
 * cheap filter on the hot path, 1 if pfx may matter.  watching: 0 when
 * no prefix can matter now (the detector without regions): the door
 * then asks interested nothing for a whole UPDATE.  announce: src's
 * route now has attrs; newprefix: src had no path for pfx before;
 * routes: every peer's routes at pfx now (rib_update_at).
 * withdraw: last is the withdrawn route's attributes; lastpath: src has
 * no path left for pfx.  Routes removed because a session went are
 * never announced as withdrawals.  run: due work at now; returns the
 * seconds until it wants to run again, or -1.  wants: after interested
 * said yes, with the route's attributes (announced, or withdrawn: the
 * last ones): 0 if this route can matter to nothing; the door then
 * neither calls announce or withdraw nor asks for a run, and a table
 * dump's record of routes none of which it wants goes into the RIB in
 * one step (adjrib_announce_many).
 */
struct adjrib_observer {
	int	(*interested)(void *, const struct bw_prefix *);
	int	(*watching)(void *);
	int	(*wants)(void *, const struct bw_prefix *,
		    const struct rattr *);
	void	(*announce)(void *, const struct rib_src *,
		    const struct bw_prefix *, const struct rattr *,
		    int newprefix, const struct rib_route *routes,
		    size_t nroutes, double now);
	void	(*withdraw)(void *, const struct rib_src *,
		    const struct bw_prefix *, const struct rattr *last,
		    int lastpath, double now);
	void	(*step)(void *, const struct rib_src *, enum adjrib_step,
		    const char *reason, int gr, double now);
	double	(*run)(void *, double now);
};

/* One source of routes: what the door needs to know of it. */
struct rib_src {
	struct adjrib		*door;
	uint16_t		 slot;		/* RIB peer slot (a new one may
						 * come with adjrib_renew: read
						 * it here, never keep it) */
	struct bw_addr		 addr;
	uint32_t		 asn;
	uint8_t			 af[AID_MAX];	/* families it may send */
	uint8_t			 addpath[AID_MAX]; /* NLRI carry path ids */
	uint32_t		 max_prefix;	/* 0: no limit */
	uint8_t			 up;		/* between up and down */
	uint8_t			 eligible;	/* told the detector */
	uint8_t			 stale[AID_MAX]; /* holds GR stale routes */
	uint8_t			 flushing[AID_MAX];
	uint8_t			 flush_stale_only[AID_MAX];
	uint8_t			 retired;	/* the door's: a slot it empties */
	uint8_t			 flush_listed;	/* on the door's flushers */
	TAILQ_ENTRY(rib_src)	 flush_entry;
	/* Graceful restart: routes being marked stale, in slices. */
	uint8_t			 marking[AID_MAX];
	uint8_t			 mark_listed;	/* on the door's markers */
	struct rib_cursor	 mark_cur[AID_MAX];
	TAILQ_ENTRY(rib_src)	 mark_entry;
	struct rib_src_stats	 stats;
	struct log_ratelimit	 rl;		/* its log lines */
	/* A BMP-monitored peer: the exporting router (address text,
	 * sysName) and the RIB view; NULL for BGP and replay sources. */
	const char		*router;
	const char		*router_name;
	const char		*view;
	/* The NOTIFICATION that ended the session (for peer_down). */
	uint8_t			 down_notif;	/* ADJRIB_NOTIF_* */
	uint8_t			 down_code, down_subcode;
};
#define ADJRIB_NOTIF_NONE	0
#define ADJRIB_NOTIF_SENT	1
#define ADJRIB_NOTIF_RECEIVED	2

struct adjrib_retired;

/* The door itself: the RIB, the interning and the detector it feeds. */
struct adjrib {
	struct loop		*loop;
	struct rib		*rib;
	struct intern		*intern;
	const struct adjrib_observer *obs;	/* NULL: none */
	void			*obs_arg;
	struct event		*ev_run;	/* observer work due */
	uint8_t			 kicked;
	/*
	 * For adjrib_run's caller (a replay): a hook or a step since the
	 * last run, and when that run asked to run again (-1: never).
	 */
	uint8_t			 run_wanted;
	double			 run_due;
	uint8_t			 slots[RIB_MAX_PEERS / 8 + 1]; /* in use */
	/* Sources with a flush under way, and the walk that serves them. */
	TAILQ_HEAD(, rib_src)	 flushers;
	struct rib_cursor	 flush_cur[AID_MAX];
	/* Sources whose routes are being marked stale (graceful restart). */
	TAILQ_HEAD(, rib_src)	 markers;
	struct event		*ev_flush;
	/* Slots of ended sessions whose routes are still being flushed. */
	TAILQ_HEAD(, adjrib_retired) retired;
	size_t			 nretired;
	uint64_t		 renews_retired;	/* adjrib_renew: handed over */
	uint64_t		 renews_settled;	/* adjrib_renew: flushed at once */
};

/* Sets up the door over rib; obs may be NULL (nobody watches). */
void	adjrib_init(struct adjrib *, struct loop *, struct rib *,
	    struct intern *, const struct adjrib_observer *, void *obs_arg);
void	adjrib_free(struct adjrib *);
/* Asks for an observer run at the end of this loop iteration. */
void	adjrib_kick(struct adjrib *);
/*
 * Runs the observer's due work at now at once (replay's record clock).
 * Returns the seconds until it wants to run again, or -1.
 */
double	adjrib_run(struct adjrib *, double now);
/*
 * 1 if adjrib_run at now has something to do: the observer was told of
 * something since its last run, or the time it asked for has come.  A
 * replay runs the observer only then, as the loop's timer and
 * adjrib_kick do live.
 */
int	adjrib_run_due(const struct adjrib *, double now);

/*
 * Gives src a RIB slot (its routes are then its own).  Returns 0, or -1
 * when every slot is taken.
 */
int	adjrib_src_attach(struct adjrib *, struct rib_src *,
	    const struct bw_addr *, uint32_t asn);
/*
 * src goes: the detector is told (its routes no longer count), and the
 * door flushes its routes in slices and frees the slot once they are
 * gone (at once only when out of memory); src may be freed right away.
 */
void	adjrib_src_detach(struct rib_src *);
/*
 * Frees what the door holds for src but leaves its routes and tells the
 * detector nothing: only for a RIB and a detector that are freed next
 * (the end of a replay), where removing the routes source by source
 * would walk the whole RIB once per source for nothing.
 */
void	adjrib_src_abandon(struct rib_src *);

/*
 * A new session of src begins (before its first route): a flush of the
 * previous session's routes still under way must not eat the new ones.
 * When every route src holds is being flushed, the door keeps the slot
 * and finishes that flush in slices on its own, and src takes a fresh
 * slot: O(1) whatever the table.  When some family keeps stale routes
 * (graceful restart) beside a flush, or no slot is free, the flush is
 * finished at once (adjrib_settle).
 */
void	adjrib_renew(struct rib_src *);
void	adjrib_up(struct rib_src *);
void	adjrib_eligible(struct rib_src *);
/*
 * The session went down (reason for the peer_down event).  Families with
 * gr[aid] set keep their routes as stale; the others are flushed in
 * slices.  Returns 1 if any family kept stale routes.  The stale marks
 * are set in slices too (the routes count as before meanwhile); any
 * call that needs them all (adjrib_renew, adjrib_flush_stale,
 * adjrib_settle) finishes the marking first.
 */
int	adjrib_down(struct rib_src *, const char *reason,
	    const uint8_t gr[AID_MAX]);
/* Starts removing the stale routes of a family; 0 if it had none. */
int	adjrib_flush_stale(struct rib_src *, uint8_t aid);
/* 1 if any family still holds stale routes. */
int	adjrib_has_stale(const struct rib_src *);
void	adjrib_gone(struct rib_src *);
/* Runs src's pending flushes to completion at once. */
void	adjrib_settle(struct rib_src *);
/*
 * One slice of the door's flush walk (budget as FLUSH_BUDGET), and one
 * of each stale marking under way, as its timer runs them; returns 1
 * while a flush or a marking has more to do.  For tests.
 */
int	adjrib_flush_step(struct adjrib *, size_t budget);

/*
 * Applies a decoded UPDATE (End-of-RIB is the caller's) to the RIB.
 * Returns the number of routes it changed, or -1 when the source went
 * over its max-prefix (the caller resets the session).
 */
int	adjrib_apply(struct rib_src *, const struct bgp_update *);
/* Installs one route (MRT RIB entries). */
void	adjrib_announce_one(struct rib_src *, const struct bw_prefix *,
	    uint32_t path_id, struct rattr *);
/*
 * Installs the routes of many sources for one prefix (a table dump's
 * record; every source of the same door), as adjrib_announce_one for
 * each in order would: the RIB ends the same, and the observer hears
 * the same calls with the RIB as it stands after each route.  When the
 * observer does not watch the prefix, the routes go into the RIB in one
 * step (rib_update_many); its interested() filter is asked once for the
 * prefix then (it must depend on the prefix alone).
 */
struct adjrib_route {
	struct rib_src		*src;
	uint32_t		 path_id;
	struct rattr		*attrs;
};
void	adjrib_announce_many(const struct bw_prefix *,
	    const struct adjrib_route *, size_t n);
/* A hint: routes for pfx follow after other work (rib_prefetch_ahead). */
void	adjrib_prefetch(struct adjrib *, const struct bw_prefix *);
/* Routes the source holds in a family. */
size_t	adjrib_count(const struct rib_src *, uint8_t aid);

#endif /* BGPWATCH_ADJRIB_H */
