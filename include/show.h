/*
 * Rendering of the control commands (bgpd/show.c), each as a human table
 * or as JSON (docs/control.md).  control.c parses and checks a request,
 * writes "OK\n" and then calls these, which cannot fail but for memory.
 * Route listings stream: a struct show_rib is a dump in progress that
 * writes one RIB slice per call.
 */
#ifndef BGPWATCH_SHOW_H
#define BGPWATCH_SHOW_H

#include <stddef.h>

#include <event2/buffer.h>

#include "bgpwatch.h"

struct bgpd;
struct peer;
struct show_rib;

/* Routes one show_rib_step() aims to write (it visits whole prefixes). */
#define SHOW_SLICE_ROUTES	500
/* Prefixes one slice visits at most. */
#define SHOW_SLICE_PREFIXES	2000

/* Every neighbor (only NULL), or one, with state and statistics. */
int		 show_neighbors(struct bgpd *, struct evbuffer *, int json,
		    const struct peer *only);
/* Route counts in total, or of one peer. */
int		 show_rib_count(struct bgpd *, struct evbuffer *, int json,
		    const struct peer *only);
/* Bytes and objects per subsystem. */
int		 show_memory(struct bgpd *, struct evbuffer *, int json);
/*
 * show regions (name NULL) / show region NAME.  Returns 0, or -1 if
 * there is no such region (nothing written in JSON mode then).
 */
int		 show_regions(struct bgpd *, struct evbuffer *, int json,
		    const char *name);

/*
 * Starts a route listing: every route, or those of neighbor (if not
 * NULL); with pfx, its longest match and the covering and covered
 * routes.  Returns NULL only when out of memory.
 */
struct show_rib	*show_rib_new(struct bgpd *, int json,
		    const struct bw_addr *neighbor,
		    const struct bw_prefix *pfx);
/*
 * Writes the next slice to out.  Returns 1 while there is more, 0 once
 * the listing is complete, -1 if a write failed (then it is abandoned).
 */
int		 show_rib_step(struct show_rib *, struct evbuffer *out);
void		 show_rib_free(struct show_rib *);

/* "01:02:03", "2d03h04m", "12w3d04h" (bgpctl style); "Never" for < 0. */
char		*show_timeframe(long long secs, char *buf, size_t len);

#endif /* BGPWATCH_SHOW_H */
