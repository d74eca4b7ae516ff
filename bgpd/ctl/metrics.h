/*
 * Prometheus text exposition at http://ADDR:PORT/metrics (`metrics on`).
 */
#ifndef BGPWATCH_METRICS_H
#define BGPWATCH_METRICS_H

#include "config.h"

struct bgpd;
struct metrics;

/* Starts serving; returns NULL (logged) if it cannot listen. */
struct metrics	*metrics_new(struct bgpd *, const struct config_metrics *);
/* Stops serving; NULL is fine. */
void		 metrics_free(struct metrics *);

#endif /* BGPWATCH_METRICS_H */
