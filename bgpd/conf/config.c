/*
 * The configuration as data: defaults, freeing, lookups and comparisons.
 *
 * The parser (parse.c) builds a struct config from text and the printer
 * (printconf.c) writes it back; this module owns neither syntax.  The
 * comparisons exist for `reload`: the daemon keeps a session whose
 * neighbor compares equal and restarts the others, and the round-trip
 * tests use config_equal() to prove that printing loses nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

/* Tags every parsed config so that modules can tell reloads apart. */
static uint64_t config_generation;

struct config *
config_new(void)
{
	struct config *conf;

	if ((conf = calloc(1, sizeof(*conf))) == NULL)
		fatal("config_new");
	conf->generation = ++config_generation;
	conf->hold_time = CONF_DEFAULT_HOLDTIME;
	conf->connect_retry = CONF_DEFAULT_CONNECT_RETRY;
	conf->eligible_after = CONF_DEFAULT_ELIGIBLE_AFTER;
	conf->full_feed = CONF_DEFAULT_FULL_FEED;
	conf->log_rate = CONF_DEFAULT_LOG_RATE;
	TAILQ_INIT(&conf->neighbors);
	TAILQ_INIT(&conf->regions);
	conf->events.log_keep = CONF_DEFAULT_LOG_KEEP;
	conf->events.queue_limit = CONF_DEFAULT_QUEUE_LIMIT;
	config_bmp_init(&conf->bmp);
	config_websocket_defaults(&conf->websocket);
	return conf;
}

void
config_neighbor_free(struct config_neighbor *n)
{
	if (n == NULL)
		return;
	free(n->descr);
	if (n->md5key != NULL) {
		explicit_bzero(n->md5key, strlen(n->md5key));
		free(n->md5key);
	}
	free(n);
}

void
config_region_free(struct config_region *r)
{
	if (r == NULL)
		return;
	free(r->name);
	free(r->descr);
	free(r->prefixes);
	free(r->origins);
	free(r->countries);
	free(r);
}

static void
config_events_free(struct config_events *ev)
{
	size_t i;

	free(ev->log_path);
	config_kafka_free(ev->kafka);
	for (i = 0; i < ev->nsubs; i++) {
		free(ev->subs[i].path);
		free(ev->subs[i].cert);
		free(ev->subs[i].key);
		free(ev->subs[i].ca);
	}
	free(ev->subs);
}

void
config_free(struct config *conf)
{
	struct config_neighbor *n;
	struct config_region *r;
	size_t i;

	if (conf == NULL)
		return;
	while ((n = TAILQ_FIRST(&conf->neighbors)) != NULL) {
		TAILQ_REMOVE(&conf->neighbors, n, entry);
		config_neighbor_free(n);
	}
	while ((r = TAILQ_FIRST(&conf->regions)) != NULL) {
		TAILQ_REMOVE(&conf->regions, r, entry);
		config_region_free(r);
	}
	for (i = 0; i < conf->nrir_stats; i++)
		free(conf->rir_stats[i]);
	free(conf->rir_stats);
	free(conf->listens);
	free(conf->control_path);
	free(conf->user);
	free(conf->collector_id);
	config_events_free(&conf->events);
	config_bmp_free(&conf->bmp);
	config_secrets_free(conf);
	config_mrt_free(&conf->mrt);
	config_websocket_free(&conf->websocket);
	free(conf);
}

struct config_neighbor *
config_find_neighbor(const struct config *conf, const struct bw_addr *a)
{
	struct config_neighbor *n;

	TAILQ_FOREACH(n, &conf->neighbors, entry)
		if (memcmp(&n->addr, a, sizeof(*a)) == 0)
			return n;
	return NULL;
}

struct config_region *
config_find_region(const struct config *conf, const char *name)
{
	struct config_region *r;

	TAILQ_FOREACH(r, &conf->regions, entry)
		if (strcmp(r->name, name) == 0)
			return r;
	return NULL;
}

/* strcmp() that treats NULL as a value of its own. */
static int
str_equal(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static int
addr_equal(const struct bw_addr *a, const struct bw_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

int
config_neighbor_equal(const struct config_neighbor *a,
    const struct config_neighbor *b)
{
	return addr_equal(&a->addr, &b->addr) &&
	    addr_equal(&a->local_addr, &b->local_addr) &&
	    a->remote_as == b->remote_as &&
	    str_equal(a->descr, b->descr) &&
	    str_equal(a->md5key, b->md5key) &&
	    a->max_prefix == b->max_prefix &&
	    a->max_prefix_restart == b->max_prefix_restart &&
	    a->port == b->port &&
	    a->hold_time == b->hold_time &&
	    a->gr_restart_time == b->gr_restart_time &&
	    a->flags == b->flags;
}

/* Flags whose change the peer must learn in a new OPEN. */
#define CONF_NB_RESET_FLAGS \
	(CONF_NB_TTL_SECURITY | CONF_NB_ADDPATH_RX | CONF_NB_GR)

int
config_neighbor_needs_reset(const struct config_neighbor *a,
    const struct config_neighbor *b)
{
	return !addr_equal(&a->addr, &b->addr) ||
	    !addr_equal(&a->local_addr, &b->local_addr) ||
	    a->remote_as != b->remote_as ||
	    !str_equal(a->md5key, b->md5key) ||
	    a->hold_time != b->hold_time ||
	    a->gr_restart_time != b->gr_restart_time ||
	    ((a->flags ^ b->flags) & CONF_NB_RESET_FLAGS) != 0;
}

int
config_region_equal(const struct config_region *a,
    const struct config_region *b)
{
	if (!str_equal(a->name, b->name) || !str_equal(a->descr, b->descr))
		return 0;
	if (a->nprefixes != b->nprefixes || a->norigins != b->norigins ||
	    a->ncountries != b->ncountries)
		return 0;
	if (a->nprefixes > 0 && memcmp(a->prefixes, b->prefixes,
	    a->nprefixes * sizeof(*a->prefixes)) != 0)
		return 0;
	if (a->norigins > 0 && memcmp(a->origins, b->origins,
	    a->norigins * sizeof(*a->origins)) != 0)
		return 0;
	if (a->ncountries > 0 && memcmp(a->countries, b->countries,
	    a->ncountries * sizeof(*a->countries)) != 0)
		return 0;
	return a->degraded_below == b->degraded_below &&
	    a->down_below == b->down_below &&
	    a->hold_down == b->hold_down &&
	    a->min_peers_mode == b->min_peers_mode &&
	    a->min_peers == b->min_peers &&
	    a->via_as == b->via_as &&
	    a->unstable_changes == b->unstable_changes &&
	    a->unstable_window == b->unstable_window;
}

static int
config_subscriber_equal(const struct config_subscriber *a,
    const struct config_subscriber *b)
{
	return a->type == b->type && str_equal(a->path, b->path) &&
	    a->mode == b->mode && addr_equal(&a->addr, &b->addr) &&
	    a->port == b->port && str_equal(a->cert, b->cert) &&
	    str_equal(a->key, b->key) && str_equal(a->ca, b->ca);
}

int
config_events_equal(const struct config_events *a,
    const struct config_events *b)
{
	size_t i;

	if (!str_equal(a->log_path, b->log_path) ||
	    a->log_max_size != b->log_max_size ||
	    a->log_keep != b->log_keep || a->queue_limit != b->queue_limit ||
	    a->nsubs != b->nsubs || !config_kafka_equal(a->kafka, b->kafka))
		return 0;
	for (i = 0; i < a->nsubs; i++)
		if (!config_subscriber_equal(&a->subs[i], &b->subs[i]))
			return 0;
	return 1;
}

static int
config_neighbors_equal(const struct config *a, const struct config *b)
{
	const struct config_neighbor *na, *nb;

	nb = TAILQ_FIRST(&b->neighbors);
	TAILQ_FOREACH(na, &a->neighbors, entry) {
		if (nb == NULL || !config_neighbor_equal(na, nb))
			return 0;
		nb = TAILQ_NEXT(nb, entry);
	}
	return nb == NULL;
}

static int
config_regions_equal(const struct config *a, const struct config *b)
{
	const struct config_region *ra, *rb;

	rb = TAILQ_FIRST(&b->regions);
	TAILQ_FOREACH(ra, &a->regions, entry) {
		if (rb == NULL || !config_region_equal(ra, rb))
			return 0;
		rb = TAILQ_NEXT(rb, entry);
	}
	return rb == NULL;
}

static int
config_globals_equal(const struct config *a, const struct config *b)
{
	size_t i;

	if (a->local_as != b->local_as ||
	    !addr_equal(&a->router_id, &b->router_id) ||
	    a->hold_time != b->hold_time ||
	    a->connect_retry != b->connect_retry ||
	    a->eligible_after != b->eligible_after ||
	    a->full_feed != b->full_feed || a->log_rate != b->log_rate ||
	    !str_equal(a->control_path, b->control_path) ||
	    !str_equal(a->user, b->user))
		return 0;
	if (a->nlistens != b->nlistens || a->nrir_stats != b->nrir_stats)
		return 0;
	for (i = 0; i < a->nlistens; i++)
		if (!addr_equal(&a->listens[i].addr, &b->listens[i].addr) ||
		    a->listens[i].port != b->listens[i].port)
			return 0;
	for (i = 0; i < a->nrir_stats; i++)
		if (strcmp(a->rir_stats[i], b->rir_stats[i]) != 0)
			return 0;
	return a->metrics.enabled == b->metrics.enabled &&
	    addr_equal(&a->metrics.addr, &b->metrics.addr) &&
	    a->metrics.port == b->metrics.port;
}

int
config_equal(const struct config *a, const struct config *b)
{
	return config_globals_equal(a, b) && config_neighbors_equal(a, b) &&
	    config_regions_equal(a, b) &&
	    config_events_equal(&a->events, &b->events) &&
	    config_bmp_equal(&a->bmp, &b->bmp) &&
	    config_mrt_equal(&a->mrt, &b->mrt) &&
	    config_websocket_equal(&a->websocket, &b->websocket);
}

const char *
config_collector_id(const struct config *conf)
{
	static char host[256];

	if (conf != NULL && conf->collector_id != NULL)
		return conf->collector_id;
	if (host[0] == '\0' && (gethostname(host, sizeof(host) - 1) == -1 ||
	    host[0] == '\0'))
		snprintf(host, sizeof(host), "bgpwatch");
	return host;
}
