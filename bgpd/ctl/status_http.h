/*
 * The status page and its JSON on the metrics listener (status_http.c).
 */
#ifndef BGPWATCH_STATUS_HTTP_H
#define BGPWATCH_STATUS_HTTP_H

#include <event2/buffer.h>
#include <event2/http.h>

struct bgpd;

/* Serves GET /, /regions.json and /neighbors.json on http. */
void	status_http_attach(struct evhttp *, struct bgpd *);
/* Appends the RIS Live stream's metrics (nothing when it is off). */
void	status_metrics(struct evbuffer *, struct bgpd *);

#endif /* BGPWATCH_STATUS_HTTP_H */
