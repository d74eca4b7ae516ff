/*
 * The region detector: which routes belong to which monitored region,
 * how much of each region is visible from the eligible peers, and the
 * events when that changes (docs/events.md).  It reads the RIB and is
 * told of every relevant change by adjrib.c and fsm.c through the hooks
 * below; time comes from the caller, so tests drive it with a fake clock.
 */
#ifndef BGPWATCH_DETECT_H
#define BGPWATCH_DETECT_H

#include <stdint.h>
#include <time.h>

#include "bgpwatch.h"
#include "config.h"
#include "intern.h"
#include "rib.h"

struct peer;
struct detect;

/* What the detector needs to know of a peer (filled by the caller). */
struct detect_peer {
	uint16_t	 slot;		/* RIB peer slot */
	struct bw_addr	 addr;
	uint32_t	 asn;
	const char	*router;	/* BMP: exporting router, or NULL */
	const char	*router_name;	/* BMP: its sysName, or NULL */
	const char	*view;		/* BMP: RIB view, or NULL */
	/* peer_down: the NOTIFICATION that ended it (notif 0: none). */
	uint8_t		 notif;		/* 1 sent, 2 received */
	uint8_t		 code, subcode;
};

/* Region states. */
enum region_state {
	REGION_BLIND = 0,	/* no eligible peer: cannot tell */
	REGION_UP,
	REGION_DEGRADED,
	REGION_DOWN
};

/* Which fields of a detect_event apply. */
enum detect_event_kind {
	DETECT_EV_REGION,	/* region_* */
	DETECT_EV_PREFIX,	/* prefix_withdrawn, prefix_announced */
	DETECT_EV_PEER		/* peer_up, peer_down */
};

/*
 * An event as the detector saw it, handed to its observers (the schema
 * encoder, evt_schema.h; tests).  Fields that do not apply to the type
 * are 0 / NULL; strings are valid during the observer call only.
 */
struct detect_event {
	enum detect_event_kind kind;
	const char	*type;		/* "region_down", "prefix_withdrawn" */
	double		 time;
	const char	*region;
	const char	*state;		/* region events */
	const char	*previous;	/* region events: the state before */
	double		 visibility;
	uint64_t	 units_visible, units_total;
	uint32_t	 prefixes_visible, prefixes_total;
	uint32_t	 eligible_peers;
	uint32_t	 min_peers;	/* the quorum at the time */
	double		 duration;	/* region_up */
	double		 worst_visibility; /* region_up */
	uint32_t	 changes, limit; /* region_unstable / region_stable */
	double		 window;
	const char	*via;		/* "prefix", "origin-as", "country";
					 * region events: the summary */
	const char	*via_detail;	/* "175.45.176.0/22", "AS131279",
					 * "KP delegated-apnic-... 20141222" */
	const char	*via_file;	/* country: stats file name, date */
	const char	*via_date;
	const char	*prefix;	/* prefix events */
	struct bw_addr	 peer_addr;	/* prefix and peer events */
	uint32_t	 peer_asn;
	const char	*peer_router;	/* BMP: exporting router, or NULL */
	const char	*peer_router_name;
	const char	*peer_view;
	uint32_t	 visible_peers;
	const char	*as_path;
	const char	*reason;	/* peer_down */
	int		 gr;		/* peer_down: graceful restart */
	uint8_t		 notif;		/* peer_down: 0 no NOTIFICATION,
					 * 1 sent, 2 received */
	uint8_t		 code, subcode;	/* peer_down: of the NOTIFICATION */
};

typedef void (*detect_observer)(const struct detect_event *, void *arg);

#define DETECT_MAX_OBSERVERS	4

/*
 * Creates a detector over rib; its events go to the observers added
 * with detect_add_observer().  now: the current time (monotonic seconds
 * are fine; replay mode passes record timestamps).
 */
struct detect *detect_new(struct rib *, double now);
void	detect_free(struct detect *);
/*
 * (Re)loads the regions and RIR stats files of conf.  Returns 0, or -1
 * with err set ("FILE:LINE: message" for a bad stats file).
 */
int	detect_configure(struct detect *, const struct config *, double now,
	    char *err, size_t errlen);
/* The limits of conf's regions (cheap).  Returns 0, or -1 with err set. */
int	detect_check(const struct config *, char *err, size_t errlen);

/*
 * A reload's statistics files read on a thread (when async, and the
 * files changed since they were last read): NULL when there is nothing
 * to read (detect_configure reads what there is), else the read under
 * way.  conf must live until detect_stats_free.  Nothing of the
 * detector changes until detect_configure_stats.
 */
struct detect_stats;
struct detect_stats *detect_stats_read(struct detect *,
	    const struct config *);
/* 1 once the read is over (a look, from the loop). */
int	detect_stats_done(struct detect_stats *);
/*
 * Once done: NULL if every file was read, else the first error
 * ("FILE:LINE: message"; the others are logged).
 */
const char *detect_stats_error(struct detect_stats *);
/* Waits for the thread if need be, frees; NULL ok. */
void	detect_stats_free(struct detect_stats *);
/*
 * detect_configure over statistics read by detect_stats_read (NULL:
 * as detect_configure); s is done, its error not set.  Takes what s
 * read; s is still the caller's to free.
 */
int	detect_configure_stats(struct detect *, const struct config *,
	    struct detect_stats *s, double now, char *err, size_t errlen);

/*
 * on: a reload that changes the regions builds their index on a thread,
 * the regions before answering until detect_run swaps it in (the daemon
 * when live).  Off (the default: tests, replay): at once, in
 * detect_configure.
 */
void	detect_set_async(struct detect *, int on);

/*
 * Calls fn(ev, arg) for every event from now on, after the observers
 * added before it.  Returns 0, or -1 if DETECT_MAX_OBSERVERS are there.
 */
int	detect_add_observer(struct detect *, detect_observer fn, void *arg);

/*
 * Cheap test used on the hot path: 1 if pfx may belong to a region (or
 * touch a region's space), by the prefix alone.
 */
int	detect_interested(const struct detect *, const struct bw_prefix *);
/* 0 when no prefix may belong to a region (none configured), else 1. */
int	detect_watching(const struct detect *);
/*
 * Finer, with the route's attributes (NULL: none): 0 when a route at
 * pfx with attrs can change nothing here, neither by where it lies (no
 * region's space in the same first 16 bits of address) nor by its
 * origin AS (no region has it).  With one small region watched nearly
 * every route of a full table is such a route.
 */
int	detect_wants(const struct detect *, const struct bw_prefix *,
	    const struct rattr *);

/*
 * Route hooks, called by adjrib.c after the RIB changed.  announce:
 * the peer's route (pfx, path) now has attrs; newprefix: the peer had
 * no path for pfx before (rib_update said RIB_UPD_NEW_PREFIX); routes:
 * the RIB's routes at pfx now, as rib_update_at gave them (NULL: the
 * detector looks them up).
 * withdraw: last is the withdrawn route's attributes (NULL if unknown);
 * lastpath: the peer has no path left for pfx (RIB_WD_LAST).
 * Never called for routes removed because a session went down.
 */
void	detect_announce(struct detect *, const struct detect_peer *,
	    const struct bw_prefix *, const struct rattr *attrs, int newprefix,
	    const struct rib_route *routes, size_t nroutes, double now);
void	detect_withdraw(struct detect *, const struct detect_peer *,
	    const struct bw_prefix *, const struct rattr *last, int lastpath,
	    double now);

/*
 * Peer hooks, called by fsm.c.  up: Established.  eligible: its initial
 * table is complete (End-of-RIB for every family, or eligible-after
 * passed).  down: the session went; gr: its routes are kept stale (they
 * keep counting until detect_peer_gone or a new detect_peer_eligible);
 * reason: text for the peer_down event (NOTIFICATION names, "hold timer
 * expired", "connection reset").  gone: its routes no longer count.
 */
void	detect_peer_up(struct detect *, const struct detect_peer *, double now);
void	detect_peer_eligible(struct detect *, const struct detect_peer *,
	    double now);
void	detect_peer_down(struct detect *, const struct detect_peer *,
	    const char *reason, int gr, double now);
void	detect_peer_gone(struct detect *, const struct detect_peer *,
	    double now);

/*
 * Runs due work: recomputes dirty regions, settles state changes whose
 * hold-down has passed, emits events.  Returns the seconds until it
 * wants to run again (a timer), or -1 if nothing is pending.
 */
double	detect_run(struct detect *, double now);

/* For bgpwatchctl show regions / show region NAME. */
struct detect_region_info {
	const char		*name;
	enum region_state	 state;
	double			 visibility;	/* 0..1 */
	uint64_t		 units_visible;
	uint64_t		 units_total;
	uint32_t		 prefixes_visible;
	uint32_t		 prefixes_total;
	uint32_t		 eligible_peers;
	double			 since;		/* time of the last change */
	/* During hold-down: the state it is heading for, and when it gets
	 * there if nothing changes (else REGION_NONE-like: pending 0). */
	int			 pending;
	enum region_state	 pending_state;
	double			 pending_due;
};

const char *region_state_name(enum region_state);
/* Calls cb for each region; stops when cb returns non-zero. */
int	detect_regions(struct detect *,
	    int (*cb)(const struct detect_region_info *, void *), void *arg);
/*
 * Per-prefix detail of one region: for each member prefix, the number
 * of eligible peers that see it, in the order the prefixes became members.
 * Returns -1 if there is no such region.
 */
int	detect_region_prefixes(struct detect *, const char *name,
	    int (*cb)(const struct bw_prefix *, uint32_t visible_peers,
	    void *), void *arg);

#endif /* BGPWATCH_DETECT_H */
