/*
 * The core: the one struct that owns the daemon's state — the loop, the
 * running configuration, the peers, the RIB with its door, the region
 * detector and the event fan-out — and the reload that changes it.  The
 * main program composes the core with its users (control socket,
 * metrics, replay); nothing below the core knows it exists.
 */
#ifndef BGPWATCH_CORE_H
#define BGPWATCH_CORE_H

#include <stdint.h>
#include <time.h>

#include "adjrib.h"
#include "bmp_station.h"
#include "msgtap.h"
#include "config.h"
#include "core_ops.h"
#include "intern.h"
#include "loop.h"
#include "peer.h"
#include "rib.h"

struct core_pending;
struct detect;
struct mrt_archive;
struct evt_fanout;
struct evt_schema;
struct rislive;

struct bgpd {
	struct loop		 loop;
	struct config		*conf;
	const char		*conffile;
	struct peer_reg		 peers;
	struct intern		*intern;
	struct rib		*rib;
	struct adjrib		 door;		/* the one way in */
	struct msgtap		 tap;		/* messages as received */
	struct bmp_station	 bmp;		/* BMP-monitored peers */
	struct detect		*detect;	/* NULL: no regions */
	struct evt_fanout	*fanout;	/* event log + outputs */
	struct evt_schema	*schema;	/* detector -> fan-out encoder */
	struct mrt_archive	*mrt;		/* MRT archive, NULL: replay */
	struct rislive		*rislive;	/* RIS Live stream, or NULL */
	uint8_t			*scratch;	/* BGP_SCRATCH_LEN, decoder */
	time_t			 started;
	struct core_ops		 ops;		/* event counts, reloads */
	struct core_pending	*reload;	/* waiting for its statistics */
	int			 exiting;	/* core_free: RIB and intern
						 * whole, no references */
};

/*
 * Sets up the core for conf (owned from now on): RIB, detector, event
 * outputs (subscribers only when live).  Returns 0, or -1 (logged).
 */
int	core_init(struct bgpd *, struct config *, const char *conffile,
	    int live);
/* Opens the BGP listeners and starts every peer.  Returns 0, or -1. */
int	core_start(struct bgpd *);
/* Ends every session with Cease/Administrative Shutdown (SIGTERM). */
void	core_shutdown(struct bgpd *, const char *msg);
void	core_free(struct bgpd *);
/*
 * Re-reads the configuration: adds and removes peers, resets changed
 * ones, leaves unchanged sessions up.  Returns 0, or -1 with err set
 * (then the running configuration stays).  When RIR statistics files
 * changed they are read on a thread first (a third of a second with
 * every country) and nothing of the new configuration is applied
 * meanwhile: it returns 1, and done(arg, ok, err) is called from the
 * loop once the reload is over (the outcome is logged either way).
 * Another reload meanwhile is refused.
 */
typedef void (*core_reload_cb)(void *arg, int ok, const char *err);
int	core_reload(struct bgpd *, core_reload_cb done, void *arg,
	    char *err, size_t errlen);
/* done is not called for arg (a control client that went away). */
void	core_reload_forget(struct bgpd *, void *arg);

#endif /* BGPWATCH_CORE_H */
