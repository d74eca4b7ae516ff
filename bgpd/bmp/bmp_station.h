/*
 * The BMP station (RFC 7854): routers connect to it and stream the
 * Adj-RIB-In (and, if configured, Adj-RIB-Out and Loc-RIB) of every one
 * of their peers.  Each monitored (router, peer, view) is a source of
 * routes through the one door into the RIB (adjrib.h), like a BGP peer:
 * the region detector and every view see it with no change.  Its
 * UPDATEs also go to the message tap (msgtap.h) with the router named.
 *
 * Only routers listed in the configuration are accepted; others are
 * closed before any byte is read.  Every message is capped and checked;
 * a malformed one closes that router's connection with a log line
 * naming it, and its monitored peers go down ("bmp session lost"),
 * never as withdrawals.
 */
#ifndef BGPWATCH_BMP_STATION_H
#define BGPWATCH_BMP_STATION_H

#include <sys/queue.h>

#include <stdint.h>
#include <time.h>

#include "adjrib.h"
#include "bmp.h"
#include "config.h"
#include "log.h"
#include "loop.h"
#include "msgtap.h"
#include "update.h"

#define BMP_MAX_LISTEN		16
#define BMP_SYS_MAX		256	/* sysName / sysDescr kept */
#define BMP_REASON_MAX		160

struct bmp_station;
struct bmp_router;

/* A monitored (peer, view) of a router: one source of routes. */
struct bmp_mpeer {
	TAILQ_ENTRY(bmp_mpeer)	 entry;
	struct bmp_router	*router;
	struct rib_src		 src;
	struct bgp_dec_ctx	 dec;
	uint8_t			 peer_type;	/* enum bmp_peer_type */
	uint64_t		 rd;
	uint8_t			 view;		/* enum bmp_view */
	struct bw_addr		 addr;
	uint32_t		 asn;
	uint32_t		 bgp_id;
	uint8_t			 flags;		/* last per-peer header's */
	double			 ts;		/* its timestamp (router clock) */
	struct bw_addr		 local_addr;
	uint32_t		 local_as;	/* the router's (its sent OPEN) */
	uint16_t		 local_port, remote_port;
	uint8_t			 peer_up;	/* Peer Up seen */
	uint8_t			 eor[AID_MAX];	/* End-of-RIB seen */
	double			 up_since;	/* loop clock */
	uint64_t		 rm_msgs;	/* Route Monitoring */
	uint64_t		 mirror_msgs;
	uint64_t		 errors;	/* UPDATEs treated as withdraw */
	uint64_t		 stats[BMP_STAT_MAX];
	uint32_t		 stats_seen;	/* bit per type */
	uint64_t		 stats_reports;
};
TAILQ_HEAD(bmp_mpeers, bmp_mpeer);

/*
 * What a Peer Up said of one monitored peer (peer type, distinguisher,
 * address), whatever view its per-peer header named: RFC 7854 sends one
 * Peer Up per peer, and exporters (GoBGP, FRR) flag it pre-policy even
 * when they send post-policy Route Monitoring too.  Every kept view of
 * the peer, made now or later, decodes by it; a Peer Down ends them all.
 */
struct bmp_pup {
	TAILQ_ENTRY(bmp_pup)	 entry;
	uint8_t			 peer_type;
	uint64_t		 rd;
	struct bw_addr		 addr;
	uint32_t		 asn;
	uint32_t		 bgp_id;
	struct bw_addr		 local_addr;
	uint32_t		 local_as;	/* 0: OPENs undecodable */
	uint16_t		 local_port, remote_port;
	uint8_t			 ok;		/* OPENs decoded */
	uint8_t			 a_flag;	/* per-peer header A flag */
	uint8_t			 ebgp;
	struct bgp_neg		 in;		/* Adj-RIB-In: router receives */
	struct bgp_neg		 out;		/* Adj-RIB-Out: router sends */
};
TAILQ_HEAD(bmp_pups, bmp_pup);

/*
 * A router allowed by the configuration.  Made on its first connection
 * and kept (with its counters) until the station goes, so that the
 * strings its sources' events name stay valid.
 */
struct bmp_router {
	TAILQ_ENTRY(bmp_router)	 entry;
	struct bmp_station	*st;
	struct bw_addr		 addr;
	char			 addr_s[BW_ADDR_STRLEN];
	char			 sysname[BMP_SYS_MAX];
	char			 sysdescr[BMP_SYS_MAX];
	const struct config_bmp_router *conf;	/* NULL: no longer listed */
	struct bufferevent	*bev;		/* NULL: not connected */
	struct event		*ev_more;	/* yield between batches */
	uint16_t		 port;
	uint8_t			 initiated;	/* Initiation seen */
	uint8_t			 starved;	/* put off once: reads next time
						 * whatever the turn */
	uint8_t			 connecting;	/* our connect() under way */
	double			 next_connect;	/* connect port N: retry at */
	double			 connected;	/* loop clock */
	time_t			 connected_wall;
	struct bmp_mpeers	 peers;
	uint32_t		 npeers;
	struct bmp_pups		 pups;		/* Peer Ups of this connection */
	uint32_t		 npups;
	uint64_t		 routes;	/* over all its peers */
	uint64_t		 msgs[BMP_TYPE_MAX];
	uint64_t		 bytes;
	uint64_t		 sessions;	/* connections accepted */
	uint64_t		 errors;	/* connections closed on error */
	uint64_t		 dropped;	/* messages of views not kept */
	char			 last_error[BMP_REASON_MAX];
	struct log_ratelimit	 rl;
};
TAILQ_HEAD(bmp_routers, bmp_router);

struct bmp_station {
	struct loop		*loop;
	struct adjrib		*door;
	struct msgtap		*tap;
	const struct config	*conf;
	uint8_t			*scratch;	/* BGP_SCRATCH_LEN */
	struct evconnlistener	*lev[BMP_MAX_LISTEN];
	struct sock_pause	*pause[BMP_MAX_LISTEN];
	int			 nlisten;
	struct event		*ev_tick;	/* eligible-after */
	struct bmp_routers	 routers;
	uint64_t		 refused;	/* unlisted routers */
	struct log_ratelimit	 rl_refused;
};

/* Sets up the station (no sockets yet). */
void	bmp_station_init(struct bmp_station *, struct loop *, struct adjrib *,
	    struct msgtap *, const struct config *, uint8_t *scratch);
/* Opens the bmp listeners.  Returns 0, or -1 (logged). */
int	bmp_station_listen(struct bmp_station *);
/*
 * Takes a new configuration: routers no longer listed are closed,
 * limits of the others apply from now on.  Listeners stay as they are.
 */
void	bmp_station_reconfigure(struct bmp_station *, const struct config *);
/* Closes every connection and listener; all monitored peers go. */
void	bmp_station_free(struct bmp_station *);

/* Counts for views and metrics. */
size_t	bmp_station_connected(const struct bmp_station *);

#endif /* BGPWATCH_BMP_STATION_H */
