/*
 * Shared by the files of the Prometheus exposition: metrics.c (the HTTP
 * listener, peers, RIB, memory, loop) and one file per further group of
 * families (metrics_region.c, metrics_events.c, metrics_process.c).
 * Each group function appends its families to the scrape's buffer; it
 * gathers through the views or the core's public state, never keeps any.
 */
#ifndef BGPWATCH_METRICS_PRIV_H
#define BGPWATCH_METRICS_PRIV_H

#include <stddef.h>

#include <event2/buffer.h>

struct bgpd;

/* One "# HELP" / "# TYPE" header. */
void	metrics_head(struct evbuffer *, const char *name, const char *type,
	    const char *help);
/* A family of one unlabelled sample: its header and value. */
void	metrics_u64(struct evbuffer *, const char *name, const char *type,
	    const char *help, unsigned long long value);
/*
 * s as a label value (backslash, double quote and newline escaped, cut
 * to fit) in out; returns out.  NULL is "".
 */
const char *metrics_label(const char *s, char *out, size_t len);

/* metrics_region.c: region state set, visibility, units, prefixes,
 * eligible peers, time in state; per peer eligibility and description. */
int	metrics_regions(struct evbuffer *, struct bgpd *);
int	metrics_peer_info(struct evbuffer *, struct bgpd *);
/* metrics_events.c: events by type, last seq, log errors, subscribers,
 * reloads. */
void	metrics_events(struct evbuffer *, struct bgpd *);
/* metrics_kafka.c: the Kafka output (nothing when not configured). */
void	metrics_kafka(struct evbuffer *, struct bgpd *);
/* metrics_process.c: bgpwatch_build_info and process_* families. */
void	metrics_process(struct evbuffer *, struct bgpd *);
/* metrics_bmp.c: BMP routers and monitored peers. */
int	metrics_bmp(struct evbuffer *, struct bgpd *);

#endif /* BGPWATCH_METRICS_PRIV_H */
