/*
 * show bmp: the BMP station's routers and their monitored peers, with
 * statistics, gathered once into plain structs that the text and JSON
 * renderers and the metrics read (view_bmp.c).  Also the BMP side of
 * `show rib` and `show neighbors`: which sources a filter selects.
 */
#ifndef BGPWATCH_VIEW_BMP_H
#define BGPWATCH_VIEW_BMP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <event2/buffer.h>

#include "bmp.h"
#include "bgpwatch.h"

struct bgpd;
struct bmp_mpeer;

struct view_bmp_peer {
	struct bw_addr		 addr;
	uint32_t		 asn;
	uint32_t		 bgp_id;
	uint8_t			 peer_type;
	uint8_t			 flags;		/* per-peer header */
	double			 ts;		/* its timestamp */
	uint64_t		 rd;
	const char		*view;
	int			 up, eligible;
	long long		 up_secs;
	size_t			 prefixes[AID_MAX];
	uint64_t		 rm_msgs, mirror_msgs, errors;
	uint64_t		 prefixes_in, withdraws_in;
	uint64_t		 stats_reports;
	uint64_t		 stats[BMP_STAT_MAX];
	uint32_t		 stats_seen;
	uint16_t		 slot;
};

struct view_bmp_router {
	struct bw_addr		 addr;
	const char		*descr;		/* NULL: none */
	char			 sysname[256];
	char			 sysdescr[256];
	int			 connected;
	int			 configured;
	uint16_t		 port;
	long long		 up_secs;
	uint64_t		 msgs[BMP_TYPE_MAX];
	uint64_t		 bytes, sessions, errors, dropped, routes;
	char			 last_error[160];
	size_t			 npeers;
	struct view_bmp_peer	*peers;
};

struct view_bmp {
	size_t			 n;
	struct view_bmp_router	*r;
	uint64_t		 refused;
	size_t			 listeners;
};

/* Every router the station knows.  Returns 0, or -1 (out of memory). */
int	view_bmp_gather(struct bgpd *, struct view_bmp *);
void	view_bmp_clear(struct view_bmp *);
int	view_bmp_json(const struct view_bmp *, struct evbuffer *);
int	view_bmp_text(const struct view_bmp *, struct evbuffer *);

struct json;
/* show neighbors: the monitored peers as "neighbors" entries (arg: a
 * struct view_bmp), and as a table below the BGP one. */
void	view_bmp_neighbors_json(struct json *, void *arg);
int	view_bmp_neighbors_text(const struct view_bmp *, struct evbuffer *);

/* A filter over BMP-monitored sources (show rib). NULL fields: any. */
struct view_bmp_filter {
	const struct bw_addr	*neighbor;	/* the monitored peer */
	const struct bw_addr	*router;	/* the exporting router */
	const char		*view;		/* "pre-policy", ... */
};

/*
 * Calls fn for every BMP source passing the filter, with its slot, its
 * peer address and its router's address text and view.  Returns the
 * number of sources.
 */
size_t	view_bmp_sources(struct bgpd *, const struct view_bmp_filter *,
	    void (*fn)(void *, uint16_t slot, const struct bw_addr *peer,
	    const char *router, const char *view), void *arg);
struct view_rib_count;
/* Route counts of the BMP sources passing the filter (any may be NULL). */
void	view_bmp_count(struct bgpd *, const struct bw_addr *neighbor,
	    const struct bw_addr *router, const char *view,
	    struct view_rib_count *);
/* 1 if name is a view bmp_view_name() knows. */
int	view_bmp_view_known(const char *name);

#endif /* BGPWATCH_VIEW_BMP_H */
