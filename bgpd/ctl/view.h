/*
 * The views of the daemon (bgpd/view*.c): what `bgpwatchctl show ...`
 * prints and what /metrics exports.  Each view has a gather function
 * that reads the daemon's state once into a plain struct (no evbuffer,
 * no JSON), and renderers that take only that struct: a table for
 * people (modelled on OpenBGPD's bgpctl), one JSON document
 * (docs/control.md has every key), and metrics.c's Prometheus lines.
 * control.c parses a request, gathers, writes "OK\n" and renders.
 *
 * Gathered strings that point into the daemon (descriptions, region
 * names) stay valid until control returns to the event loop: gather and
 * render in the same callback.  Route listings stream: a struct
 * view_rib is a listing in progress that gathers and renders one route
 * at a time, one RIB slice per call.
 */
#ifndef BGPWATCH_VIEW_H
#define BGPWATCH_VIEW_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <event2/buffer.h>

#include "bgpwatch.h"
#include "bgp.h"
#include "detect.h"
#include "intern.h"
#include "rib.h"

struct bgpd;
struct json;
struct peer;

/* view.c: small helpers every view uses */

/* "01:02:03", "2d03h04m", "12w3d04h" (bgpctl style); "Never" for < 0. */
char		*view_timeframe(long long secs, char *buf, size_t len);
/* The JSON key and metrics label of a family: "ipv4", "ipv6". */
const char	*view_aid_key(uint8_t aid);
uint64_t	 view_sum(const uint64_t *, size_t);

/* view_neighbors.c: show neighbors, show neighbor ADDR */

struct view_peer_counters {
	uint64_t	msgs_in[6];		/* by BGP message type */
	uint64_t	msgs_out[6];
	uint64_t	updates_in;
	uint64_t	prefixes_in;		/* announcements */
	uint64_t	withdraws_in;
	uint64_t	treat_as_withdraw;
	uint64_t	attr_discard;
	uint32_t	established_count;
	uint32_t	flaps;
};

struct view_neighbor {
	struct bw_addr		 addr;
	uint32_t		 remote_as;	/* configured */
	const char		*descr;		/* NULL: none */
	const char		*state;		/* "Established"... */
	int			 established;
	int			 eligible;	/* counts for regions */
	int			 admin_down;	/* bgpwatchctl neighbor down */
	long long		 state_secs;	/* in this state */
	time_t			 last_change;	/* realtime; 0: never */
	size_t			 prefixes[AID_MAX]; /* routes held */
	size_t			 outq;		/* bytes queued to send */
	struct view_peer_counters c;
	char			 last_error[256]; /* "": none */
	uint8_t			 eor[AID_MAX];
	time_t			 eor_time[AID_MAX];
	uint16_t		 holdtime;
	uint16_t		 keepalive;
	uint32_t		 remote_id;	/* host order */
	int			 has_caps;	/* OpenConfirm or later */
	struct bgp_neg		 neg;
	int			 connected;	/* the local_* below are set */
	struct bw_addr		 local_addr;
	uint16_t		 local_port;
	uint16_t		 remote_port;
	int			 passive;
	uint32_t		 max_prefix;
	int			 removed;
};

struct view_neighbors {
	int			 one;		/* asked for one: detail */
	size_t			 n;
	struct view_neighbor	*v;		/* configuration order */
};

/* Every configured neighbor (only NULL) or one.  Returns 0, or -1. */
int		 view_neighbors_gather(struct bgpd *, const struct peer *only,
		    struct view_neighbors *);
void		 view_neighbors_clear(struct view_neighbors *);
int		 view_neighbors_json(const struct view_neighbors *,
		    struct evbuffer *);
struct json;
/* As view_neighbors_json(); more(json, arg) adds entries to the array
 * (the BMP-monitored peers of show neighbors). */
int		 view_neighbors_json_more(const struct view_neighbors *,
		    void (*more)(struct json *, void *), void *arg,
		    struct evbuffer *);
/* The summary table, or the detail of the one neighbor. */
int		 view_neighbors_text(const struct view_neighbors *,
		    struct evbuffer *);

/* view_memory.c: show memory */

struct view_memory {
	struct rib_mem		rib;
	struct intern_mem	in;
	size_t			peers, peer_bytes;
	size_t			routes, prefixes, total;
	long long		rss;		/* -1: unknown */
};

/* Cannot fail. */
void		 view_memory_gather(struct bgpd *, struct view_memory *);
int		 view_memory_json(const struct view_memory *,
		    struct evbuffer *);
int		 view_memory_text(const struct view_memory *,
		    struct evbuffer *);

/* view_status.c: show status [reset] */

struct view_status {
	const char	*version;
	long long	 uptime;		/* seconds */
	time_t		 started;		/* realtime */
	double		 max_stall;		/* seconds */
	double		 max_stall_cpu;		/* the loop's own CPU of it */
	int		 reset;			/* max_stall restarts at 0 */
	uint64_t	 stalls_over_50ms;
	size_t		 peers;			/* configured */
	size_t		 established;
	size_t		 routes[AID_MAX];
	size_t		 routes_total;
	/* Regions by state (REGION_BLIND .. REGION_DOWN); those with a
	 * change pending (in hold-down). */
	size_t		 regions;
	size_t		 regions_in[REGION_DOWN + 1];
	size_t		 regions_pending;
};

/*
 * Cannot fail.  With reset the worst stall is read and cleared at once,
 * so that no stall falls between the two.
 */
void		 view_status_gather(struct bgpd *, int reset,
		    struct view_status *);
int		 view_status_json(const struct view_status *,
		    struct evbuffer *);
int		 view_status_text(const struct view_status *,
		    struct evbuffer *);

/* view_regions.c: show regions, show region NAME */

struct view_region {
	const char	*name;
	const char	*state;			/* "up", "down"... */
	double		 visibility;		/* 0..1 */
	uint64_t	 units_visible;
	uint64_t	 units_total;
	uint32_t	 prefixes_visible;
	uint32_t	 prefixes_total;
	uint32_t	 eligible_peers;
	double		 since;
	const char	*pending;		/* NULL, or the state ahead */
	double		 pending_in;		/* seconds left of hold-down */
};

struct view_region_prefix {
	struct bw_prefix	prefix;
	uint32_t		visible_peers;
};

struct view_regions {
	int			 configured;	/* there is a detector */
	const char		*only;		/* one region: with prefixes */
	size_t			 n;		/* 0 with only: no such one */
	struct view_region	*r;
	size_t			 nprefixes;
	struct view_region_prefix *prefixes;	/* of only */
};

/* Every region (only NULL) or one.  Returns 0, or -1 (out of memory). */
int		 view_regions_gather(struct bgpd *, const char *only,
		    struct view_regions *);
void		 view_regions_clear(struct view_regions *);
int		 view_regions_json(const struct view_regions *,
		    struct evbuffer *);
int		 view_regions_text(const struct view_regions *,
		    struct evbuffer *);

/* view_route.c: one route of a listing */

struct view_route {
	const struct bw_prefix	*prefix;
	const char		*neighbor;
	const char		*router;	/* BMP: exporting router */
	const char		*view;		/* BMP: RIB view */
	uint32_t		 path_id;
	int			 stale;
	const char		*as_path;	/* bgpdump's text */
	struct bw_addr		 next_hop;	/* AID_UNSPEC: none */
	struct bw_addr		 next_hop_ll;	/* AID_UNSPEC: none */
	uint8_t			 origin;	/* RATTR_ORIGIN_NONE: none */
	const uint8_t		*comms;		/* 4 bytes each */
	uint32_t		 comms_len;
	const uint8_t		*large;		/* 12 bytes each */
	uint32_t		 large_len;
	int			 has_med, has_local_pref, atomic_aggr;
	int			 has_aggr, has_otc;
	uint32_t		 med, local_pref, origin_as;
	uint32_t		 aggr_as, aggr_id, otc;
};

/* AS path text, kept for the next route with the same attributes. */
struct view_aspath {
	char			*s;
	size_t			 cap;
	const struct rattr	*of;		/* whose text s holds */
};

/* Formats a's AS path ("" if it has none or memory ran out). */
const char	*view_aspath(struct view_aspath *, const struct rattr *a);
void		 view_aspath_free(struct view_aspath *);
/* Pointers in v are into p, r and the strings: valid while they are. */
void		 view_route_gather(const struct bw_prefix *p,
		    const struct rib_route *r, const char *neighbor,
		    const char *as_path, struct view_route *v);
void		 view_route_json(struct json *, const struct view_route *);
/* One line.  Returns 0, or -1 if a write failed. */
int		 view_route_text(struct evbuffer *, const struct view_route *);
/* The column headers of view_route_text(). */
int		 view_route_header(struct evbuffer *);

/* view_rib.c: show rib, show rib count */

struct view_rib;

/* Routes one view_rib_step() aims to write (it visits whole prefixes). */
#define VIEW_SLICE_ROUTES	500
/* Prefixes one slice visits at most. */
#define VIEW_SLICE_PREFIXES	2000

/*
 * Starts a route listing: every route, or those of neighbor (if not
 * NULL); with pfx, its longest match and the covering and covered
 * routes.  Returns NULL only when out of memory.
 */
struct view_rib	*view_rib_new(struct bgpd *, int json,
		    const struct bw_addr *neighbor,
		    const struct bw_prefix *pfx);

/*
 * What a listing keeps besides neighbor and prefix: each set field must
 * match (all of them: AND).  One field per criterion, so that a later
 * one (a BMP router or view) is one more field and one more test in
 * view_rib_pass().  Zero-initialise; `has` says which are set.
 */
struct view_rib_filter {
	unsigned	has;		/* VIEW_F_* bits */
	uint32_t	source_as;	/* origin AS of the AS path */
	uint32_t	peer_as;	/* the neighbor's AS */
	uint32_t	community;	/* RFC 1997, high:low */
	uint32_t	large[3];	/* RFC 8092 */
};
#define VIEW_F_SOURCE_AS	0x01
#define VIEW_F_PEER_AS		0x02
#define VIEW_F_COMMUNITY	0x04
#define VIEW_F_LARGE		0x08

/* As view_rib_new(), keeping only routes that pass filter (NULL: all). */
struct view_rib	*view_rib_new_filtered(struct bgpd *, int json,
		    const struct bw_addr *neighbor,
		    const struct bw_prefix *pfx,
		    const struct view_rib_filter *filter);
/* Only BMP sources of this router and/or view (either may be NULL). */
void		 view_rib_set_bmp(struct view_rib *, const struct bw_addr *router,
		    const char *view);
/*
 * Writes the next slice to out.  Returns 1 while there is more, 0 once
 * the listing is complete, -1 if a write failed (then it is abandoned).
 */
int		 view_rib_step(struct view_rib *, struct evbuffer *out);
void		 view_rib_free(struct view_rib *);

struct view_rib_count {
	int	one;			/* of one peer: no prefix counts */
	size_t	routes[AID_MAX];
	size_t	prefixes[AID_MAX];
};

/* Route counts in total, or of one peer.  Cannot fail. */
void		 view_rib_count_gather(struct bgpd *, const struct peer *only,
		    struct view_rib_count *);
int		 view_rib_count_json(const struct view_rib_count *,
		    struct evbuffer *);
int		 view_rib_count_text(const struct view_rib_count *,
		    struct evbuffer *);

#endif /* BGPWATCH_VIEW_H */
