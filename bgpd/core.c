/*
 * The core owns the daemon's state and composes it bottom up: the loop,
 * the RIB with interning, the event fan-out, the region detector, the
 * door into the RIB that feeds the detector, and the peer registry whose
 * sessions enter through that door.  A reload parses into a new
 * immutable struct config, has changed RIR statistics files read on a
 * thread (the loop running, the config before whole in force; a bad
 * one refuses the reload), then lets the event outputs and the detector
 * take it (either may refuse: then nothing changes), then the peers,
 * and frees the old one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core.h"
#include "core_rislive.h"
#include "detect.h"
#include "detect_door.h"
#include "evt_fanout.h"
#include "evt_schema.h"
#include "log.h"
#include "mrt_archive.h"
#include "sdnotify.h"

/*
 * A reload waiting for its statistics files, read on a thread
 * (detect_stats_read): nothing of nconf is applied until they are, and
 * nothing at all if one is bad.
 */
struct core_pending {
	struct config		*nconf;
	struct detect_stats	*stats;
	struct event		*ev;
	core_reload_cb		 done;
	void			*arg;
};

static void	core_pending_free(struct core_pending *);

/*
 * Opens the event outputs and the region detector of the config
 * (subscribers only when live).  Returns 0, or -1 with err set.
 */
static int
core_detect_open(struct bgpd *bgpd, int live, char *err, size_t errlen)
{
	const struct config *conf = bgpd->conf;
	double now = loop_now(&bgpd->loop);

	/* Without a base the fan-out writes the log only (replay mode). */
	if ((bgpd->fanout = evt_fanout_open(live ? bgpd->loop.base : NULL,
	    &conf->events, err, errlen)) == NULL)
		return -1;
	evt_fanout_set_collector(bgpd->fanout, config_collector_id(conf));
	if ((bgpd->detect = detect_new(bgpd->rib, now)) == NULL ||
	    (bgpd->schema = calloc(1, sizeof(*bgpd->schema))) == NULL) {
		snprintf(err, errlen, "cannot create the region detector");
		return -1;
	}
	/* Replay mode stamps events with the records' time. */
	bgpd->schema->fanout = bgpd->fanout;
	bgpd->schema->use_event_time = !live;
	if (detect_add_observer(bgpd->detect, evt_schema_observer,
	    bgpd->schema) == -1) {
		snprintf(err, errlen, "cannot observe the region detector");
		return -1;
	}
	if (detect_add_observer(bgpd->detect, core_ops_observer,
	    &bgpd->ops) == -1) {
		snprintf(err, errlen, "cannot observe the region detector");
		return -1;
	}
	if (detect_configure(bgpd->detect, conf, now, err, errlen) == -1)
		return -1;
	/* Live, a reload builds the regions' index off the loop. */
	detect_set_async(bgpd->detect, live);
	return 0;
}

/* The MRT archive, an observer of the message tap (live only). */
static int
core_mrt_open(struct bgpd *bgpd)
{
	struct tap_observer o;

	if ((bgpd->mrt = mrt_archive_new(&bgpd->loop, bgpd->rib,
	    bgpd->conf)) == NULL)
		return -1;
	mrt_archive_observer(bgpd->mrt, &o);
	return msgtap_add(&bgpd->tap, &o);
}

int
core_init(struct bgpd *bgpd, struct config *conf, const char *conffile,
    int live)
{
	char err[512];

	memset(bgpd, 0, sizeof(*bgpd));
	srandom((unsigned int)time(NULL) ^ (unsigned int)getpid());
	bgpd->conf = conf;
	bgpd->conffile = conffile;
	bgpd->started = time(NULL);
	if (loop_init(&bgpd->loop) == -1)
		fatalx("event_base_new");
	if ((bgpd->scratch = malloc(BGP_SCRATCH_LEN)) == NULL)
		fatal("scratch");
	bgpd->intern = intern_new();
	if ((bgpd->rib = rib_new(bgpd->intern)) == NULL)
		fatal("rib_new");
	log_set_rate(conf->log_rate);
	if (core_detect_open(bgpd, live, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return -1;
	}
	adjrib_init(&bgpd->door, &bgpd->loop, bgpd->rib, bgpd->intern,
	    bgpd->detect != NULL ? &detect_door_observer : NULL, bgpd->detect);
	adjrib_kick(&bgpd->door);
	msgtap_init(&bgpd->tap);
	peer_reg_init(&bgpd->peers, &bgpd->loop, &bgpd->door, &bgpd->tap,
	    conf, bgpd->scratch);
	bmp_station_init(&bgpd->bmp, &bgpd->loop, &bgpd->door, &bgpd->tap,
	    conf, bgpd->scratch);
	if (live && core_mrt_open(bgpd) == -1)
		return -1;
	if (core_rislive_open(bgpd, live) == -1)
		return -1;
	return 0;
}

int
core_start(struct bgpd *bgpd)
{
	if (peer_reg_listen(&bgpd->peers) == -1 ||
	    bmp_station_listen(&bgpd->bmp) == -1)
		return -1;
	loop_probe_start(&bgpd->loop);
	peer_reg_start(&bgpd->peers);
	/* evt_log.c names the log it opened. */
	if (bgpd->conf->events.log_path == NULL)
		log_info("no event log configured: events are not kept");
	log_info("bgpwatchd started: AS %u, %zu neighbors",
	    bgpd->conf->local_as, peer_count(&bgpd->peers));
	return 0;
}

void
core_shutdown(struct bgpd *bgpd, const char *msg)
{
	peer_shutdown_all(&bgpd->peers, msg);
}

void
core_free(struct bgpd *bgpd)
{
	struct config *nconf;

	if (bgpd->reload != NULL) {
		/*
		 * The statistics thread reads nconf (its rir-stats list)
		 * until it is joined: core_pending_free first.
		 */
		nconf = bgpd->reload->nconf;
		core_pending_free(bgpd->reload);
		bgpd->reload = NULL;
		config_free(nconf);
	}
	core_rislive_close(bgpd);
	if (bgpd->peers.env.loop != NULL)
		peer_reg_free(&bgpd->peers);
	if (bgpd->bmp.loop != NULL)
		bmp_station_free(&bgpd->bmp);
	if (bgpd->mrt != NULL) {
		msgtap_remove(&bgpd->tap, bgpd->mrt);
		mrt_archive_free(bgpd->mrt);
	}
	adjrib_free(&bgpd->door);
	if (bgpd->detect)
		detect_free(bgpd->detect);
	if (bgpd->fanout)
		evt_fanout_close(bgpd->fanout);
	free(bgpd->schema);
	if (bgpd->exiting) {
		rib_abandon(bgpd->rib);
		intern_release(bgpd->intern);
	} else {
		rib_free(bgpd->rib);
		intern_free(bgpd->intern);
	}
	free(bgpd->scratch);
	config_free(bgpd->conf);
	loop_free(&bgpd->loop);
}

/* Seconds between looks at the read from the loop (a read is ~0.3 s). */
#define CORE_RELOAD_POLL_USEC	5000

/*
 * A reload that changed nothing: logs every error (an operator fixing
 * the file wants them all, not the first), counts it, and sets err to
 * the first one and how many there were.
 */
static void
core_reload_failed(struct bgpd *bgpd, const struct config_errors *errs,
    char *err, size_t errlen)
{
	size_t	i;

	core_ops_reload(&bgpd->ops, 0);
	for (i = 0; i < errs->n; i++)
		log_warnx("reload: %s", errs->msg[i]);
	log_warnx("reload of %s failed (%zu error%s), keeping the running "
	    "configuration", bgpd->conffile, errs->n, errs->n == 1 ? "" : "s");
	if (errs->n == 0)
		snprintf(err, errlen, "cannot parse configuration");
	else if (errs->n == 1)
		snprintf(err, errlen, "%s", errs->msg[0]);
	else
		snprintf(err, errlen, "%s (and %zu more errors, see the log)",
		    errs->msg[0], errs->n - 1);
}

/* nconf refused with err: the running configuration stays. */
static int
core_reload_refuse(struct bgpd *bgpd, struct config *nconf, char *err,
    size_t errlen)
{
	struct config_errors errs;

	config_free(nconf);
	memset(&errs, 0, sizeof(errs));
	snprintf(errs.msg[0], sizeof(errs.msg[0]), "%s", err);
	errs.n = 1;
	core_reload_failed(bgpd, &errs, err, errlen);
	return -1;
}

/*
 * Applies nconf (taken) with the statistics read for it (NULL: none to
 * read, or read at once).  Returns 0, or -1 with err set and nothing
 * changed.
 */
static int
core_reload_apply(struct bgpd *bgpd, struct config *nconf,
    struct detect_stats *stats, char *err, size_t errlen)
{
	struct config *oconf = bgpd->conf;
	const char *e;

	/* A bad statistics file first: then nothing else was touched. */
	if (stats != NULL && (e = detect_stats_error(stats)) != NULL) {
		snprintf(err, errlen, "%s", e);
		return core_reload_refuse(bgpd, nconf, err, errlen);
	}
	if (evt_fanout_reconfigure(bgpd->fanout, &nconf->events, err,
	    errlen) == -1 ||
	    core_rislive_reload(bgpd, nconf, err, errlen) == -1 ||
	    detect_configure_stats(bgpd->detect, nconf, stats,
	    loop_now(&bgpd->loop), err, errlen) == -1)
		/* What failed is left as it was; keep the running config. */
		return core_reload_refuse(bgpd, nconf, err, errlen);
	evt_fanout_set_collector(bgpd->fanout, config_collector_id(nconf));
	peer_reg_reconfigure(&bgpd->peers, nconf);
	bmp_station_reconfigure(&bgpd->bmp, nconf);
	bgpd->conf = nconf;
	if (bgpd->mrt != NULL) {
		mrt_archive_reconfigure(bgpd->mrt, nconf);
		msgtap_set_quiet(&bgpd->tap, bgpd->mrt,
		    !mrt_archive_wants_messages(bgpd->mrt));
	}
	adjrib_kick(&bgpd->door);
	log_set_rate(nconf->log_rate);
	config_free(oconf);
	core_ops_reload(&bgpd->ops, 1);
	log_info("configuration reloaded from %s", bgpd->conffile);
	return 0;
}

static void
core_pending_free(struct core_pending *p)
{
	detect_stats_free(p->stats);
	if (p->ev != NULL)
		event_free(p->ev);
	free(p);
}

/* A look at the read; once over, the reload goes on (or is refused). */
static void
core_pending_cb(evutil_socket_t fd, short ev, void *arg)
{
	static const struct timeval poll = { 0, CORE_RELOAD_POLL_USEC };
	struct bgpd *bgpd = arg;
	struct core_pending *p = bgpd->reload;
	char err[CONF_ERRMSG_MAX] = "";
	int rv;

	(void)fd;
	(void)ev;
	if (!detect_stats_done(p->stats)) {
		evtimer_add(p->ev, &poll);
		return;
	}
	bgpd->reload = NULL;
	rv = core_reload_apply(bgpd, p->nconf, p->stats, err, sizeof(err));
	sdnotify_ready(rv == 0 ? "serving" : "serving, last reload failed");
	if (p->done != NULL)
		p->done(p->arg, rv == 0, err);
	core_pending_free(p);
}

/* Waits for the statistics of nconf (taken) read on stats' thread. */
static int
core_reload_wait(struct bgpd *bgpd, struct config *nconf,
    struct detect_stats *stats, core_reload_cb done, void *arg)
{
	static const struct timeval poll = { 0, CORE_RELOAD_POLL_USEC };
	struct core_pending *p;

	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->ev = evtimer_new(bgpd->loop.base, core_pending_cb,
	    bgpd)) == NULL)
		fatal("reload");
	p->nconf = nconf;
	p->stats = stats;
	p->done = done;
	p->arg = arg;
	bgpd->reload = p;
	evtimer_add(p->ev, &poll);
	log_info("reload: reading the statistics files");
	return 1;
}

static int
core_reload_conf(struct bgpd *bgpd, core_reload_cb done, void *arg,
    char *err, size_t errlen)
{
	struct config_errors errs;
	struct detect_stats *stats;
	struct config *nconf;

	memset(&errs, 0, sizeof(errs));
	if ((nconf = config_parse(bgpd->conffile, &errs)) == NULL) {
		core_reload_failed(bgpd, &errs, err, errlen);
		return -1;
	}
	if (config_check_secrets(nconf, geteuid(), err, errlen) == -1 ||
	    detect_check(nconf, err, errlen) == -1)
		return core_reload_refuse(bgpd, nconf, err, errlen);
	if ((stats = detect_stats_read(bgpd->detect, nconf)) != NULL)
		return core_reload_wait(bgpd, nconf, stats, done, arg);
	return core_reload_apply(bgpd, nconf, NULL, err, errlen);
}

int
core_reload(struct bgpd *bgpd, core_reload_cb done, void *arg, char *err,
    size_t errlen)
{
	int	rv;

	if (bgpd->reload != NULL) {
		snprintf(err, errlen, "a reload is under way (reading the "
		    "statistics files)");
		log_warnx("reload: %s", err);
		return -1;
	}
	sdnotify_reloading();
	rv = core_reload_conf(bgpd, done, arg, err, errlen);
	if (rv != 1)
		sdnotify_ready(rv == 0 ? "serving" :
		    "serving, last reload failed");
	return rv;
}

void
core_reload_forget(struct bgpd *bgpd, void *arg)
{
	if (bgpd->reload != NULL && bgpd->reload->arg == arg)
		bgpd->reload->done = NULL;
}
