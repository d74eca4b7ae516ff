/*
 * The daemon's life: one libevent loop that owns the listeners, the
 * peers, the RIB and the control socket; signals (SIGTERM/SIGINT shut
 * every session down with Cease/Administrative Shutdown, SIGHUP reloads);
 * and the reload itself, which keeps unchanged sessions up.  A reload
 * parses into a new immutable struct config and then re-points every
 * surviving peer at its entry in the new one.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bgpd.h"
#include "control.h"
#include "detect.h"
#include "evt_fanout.h"
#include "evt_schema.h"
#include "metrics.h"

static void
bgpd_exit_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct bgpd *bgpd = arg;
	struct timeval tv = { 0, 300000 };

	(void)fd;
	(void)ev;
	if (bgpd->shutting_down)
		return;
	log_info("shutting down");
	fsm_shutdown_all(bgpd, "bgpwatchd shutting down");
	/* Lingering connections get a moment to send their NOTIFICATION. */
	event_base_loopexit(bgpd->base, &tv);
}

static void
bgpd_hup_cb(evutil_socket_t fd, short ev, void *arg)
{
	char err[512];

	(void)fd;
	(void)ev;
	if (bgpd_reload(arg, err, sizeof(err)) == -1)
		log_warnx("reload failed, keeping the running configuration: "
		    "%s", err);
}

/* Neighbors of the new config that differ from the running peer. */
static void
bgpd_reload_peers(struct bgpd *bgpd, struct config *nconf)
{
	const struct config_neighbor *onb;
	struct config_neighbor *nb;
	struct peer *p, *next;

	for (p = TAILQ_FIRST(&bgpd->peers); p != NULL; p = next) {
		next = TAILQ_NEXT(p, entry);
		onb = p->conf;
		nb = config_find_neighbor(nconf, &onb->addr);
		if (nb == NULL) {
			log_peer_info(&onb->addr, "removed from the "
			    "configuration");
			session_update_md5(bgpd, onb, 0);
			peer_delete(p, ERR_CEASE_PEER_UNCONF,
			    "neighbor removed from configuration");
		} else if (config_neighbor_needs_reset(onb, nb)) {
			log_peer_info(&onb->addr, "configuration changed, "
			    "resetting");
			peer_delete(p, ERR_CEASE_CONFIG_CHANGE,
			    "neighbor configuration changed");
		} else
			p->conf = nb;
	}
	TAILQ_FOREACH(nb, &nconf->neighbors, entry) {
		if (peer_find_conf(bgpd, nb) != NULL)
			continue;
		session_update_md5(bgpd, nb, 1);
		if ((p = peer_new(bgpd, nb)) != NULL)
			log_peer_info(&nb->addr, "added");
	}
}

/* 1 if both configs listen on the same sockets. */
static int
bgpd_same_listens(const struct config *a, const struct config *b)
{
	return a->nlistens == b->nlistens && memcmp(a->listens, b->listens,
	    a->nlistens * sizeof(*a->listens)) == 0;
}

int
bgpd_reload(struct bgpd *bgpd, char *err, size_t errlen)
{
	struct config_errors errs;
	struct config *nconf, *oconf = bgpd->conf;

	memset(&errs, 0, sizeof(errs));
	if ((nconf = config_parse(bgpd->conffile, &errs)) == NULL) {
		snprintf(err, errlen, "%s", errs.n ? errs.msg[0] :
		    "cannot parse configuration");
		return -1;
	}
	if (nconf->local_as != oconf->local_as ||
	    memcmp(&nconf->router_id, &oconf->router_id,
	    sizeof(nconf->router_id)) != 0) {
		/* Every session depends on them: reset them all. */
		struct peer *p;

		while ((p = TAILQ_FIRST(&bgpd->peers)) != NULL)
			peer_delete(p, ERR_CEASE_CONFIG_CHANGE,
			    "local AS or router-id changed");
	}
	if (evt_fanout_reconfigure(bgpd->fanout, &nconf->events, err,
	    errlen) == -1 || detect_configure(bgpd->detect, nconf,
	    bgpd_now(bgpd), err, errlen) == -1) {
		/* What failed is left as it was; keep the running config. */
		config_free(nconf);
		return -1;
	}
	bgpd_reload_peers(bgpd, nconf);
	bgpd->conf = nconf;
	bgpd_detect_kick(bgpd);
	if (!bgpd_same_listens(oconf, nconf)) {
		session_unlisten(bgpd);
		if (session_listen(bgpd) == -1)
			log_warnx("reload: some listeners failed");
	}
	log_set_rate(nconf->log_rate);
	config_free(oconf);
	log_info("configuration reloaded");
	return 0;
}

double
bgpd_now(const struct bgpd *bgpd)
{
	struct timespec ts;

	if (bgpd->replay_now > 0)
		return bgpd->replay_now;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs due detector work; re-arms for what it asks next. */
static void
bgpd_detect_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct bgpd *bgpd = arg;
	double next;
	struct timeval tv;

	(void)fd;
	(void)ev;
	bgpd->detect_kicked = 0;
	next = detect_run(bgpd->detect, bgpd_now(bgpd));
	if (next < 0)
		return;
	tv.tv_sec = (time_t)next;
	tv.tv_usec = (suseconds_t)((next - (double)tv.tv_sec) * 1e6);
	evtimer_add(bgpd->ev_detect, &tv);
}

void
bgpd_detect_kick(struct bgpd *bgpd)
{
	struct timeval tv = { 0, 0 };

	/* Many hooks per UPDATE burst, one run after the next poll. */
	if (bgpd->detect == NULL || bgpd->detect_kicked)
		return;
	bgpd->detect_kicked = 1;
	evtimer_add(bgpd->ev_detect, &tv);
}

/*
 * Opens the event fan-out and the region detector of a config (subscribers
 * only when live).  Returns 0, or -1 with err set.
 */
static int
bgpd_detect_open(struct bgpd *bgpd, int live, char *err, size_t errlen)
{
	const struct config *conf = bgpd->conf;

	/* Without a base the fan-out writes the log only (replay mode). */
	if ((bgpd->fanout = evt_fanout_open(live ? bgpd->base : NULL,
	    &conf->events, err, errlen)) == NULL)
		return -1;
	if ((bgpd->detect = detect_new(bgpd->rib, bgpd_now(bgpd))) == NULL ||
	    (bgpd->schema = calloc(1, sizeof(*bgpd->schema))) == NULL) {
		snprintf(err, errlen, "cannot create the region detector");
		return -1;
	}
	/* Replay mode stamps events with the MRT record times. */
	bgpd->schema->fanout = bgpd->fanout;
	bgpd->schema->use_event_time = !live;
	detect_add_observer(bgpd->detect, evt_schema_observer, bgpd->schema);
	if (detect_configure(bgpd->detect, conf, bgpd_now(bgpd), err,
	    errlen) == -1)
		return -1;
	if ((bgpd->ev_detect = evtimer_new(bgpd->base, bgpd_detect_cb,
	    bgpd)) == NULL)
		fatalx("evtimer_new");
	bgpd_detect_kick(bgpd);
	return 0;
}

static void
bgpd_detect_close(struct bgpd *bgpd)
{
	if (bgpd->ev_detect)
		event_free(bgpd->ev_detect);
	if (bgpd->detect)
		detect_free(bgpd->detect);
	if (bgpd->fanout)
		evt_fanout_close(bgpd->fanout);
	free(bgpd->schema);
	bgpd->ev_detect = NULL;
	bgpd->detect = NULL;
	bgpd->fanout = NULL;
	bgpd->schema = NULL;
}

struct peer *
peer_find_conf(struct bgpd *bgpd, const struct config_neighbor *nb)
{
	struct peer *p;

	TAILQ_FOREACH(p, &bgpd->peers, entry)
		if (p->conf == nb)
			return p;
	return NULL;
}

/*
 * The loop stall probe: a timer due every LAG_PERIOD; how late it fires
 * is how long some callback kept the loop busy.  Cheap enough to run
 * always, so `show status` can tell whether a full-table load or flush
 * ever blocked the loop.
 */
#define LAG_PERIOD_MS	20

static void
bgpd_lag_arm(struct bgpd *bgpd)
{
	struct timeval tv = { 0, LAG_PERIOD_MS * 1000 };

	clock_gettime(CLOCK_MONOTONIC, &bgpd->lag_due);
	bgpd->lag_due.tv_nsec += LAG_PERIOD_MS * 1000000L;
	if (bgpd->lag_due.tv_nsec >= 1000000000L) {
		bgpd->lag_due.tv_sec++;
		bgpd->lag_due.tv_nsec -= 1000000000L;
	}
	evtimer_add(bgpd->ev_lag, &tv);
}

static void
bgpd_lag_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct bgpd *bgpd = arg;
	struct timespec now;
	double late;

	(void)fd;
	(void)ev;
	clock_gettime(CLOCK_MONOTONIC, &now);
	late = (double)(now.tv_sec - bgpd->lag_due.tv_sec) +
	    (double)(now.tv_nsec - bgpd->lag_due.tv_nsec) / 1e9;
	if (late > bgpd->lag_max)
		bgpd->lag_max = late;
	if (late > 0.050)
		bgpd->lag_over_50ms++;
	bgpd_lag_arm(bgpd);
}

double
bgpd_loop_stall(struct bgpd *bgpd, int reset)
{
	double v = bgpd->lag_max;

	if (reset)
		bgpd->lag_max = 0;
	return v;
}

static void
bgpd_signals(struct bgpd *bgpd)
{
	bgpd->ev_sigterm = evsignal_new(bgpd->base, SIGTERM, bgpd_exit_cb, bgpd);
	bgpd->ev_sigint = evsignal_new(bgpd->base, SIGINT, bgpd_exit_cb, bgpd);
	bgpd->ev_sighup = evsignal_new(bgpd->base, SIGHUP, bgpd_hup_cb, bgpd);
	if (!bgpd->ev_sigterm || !bgpd->ev_sigint || !bgpd->ev_sighup)
		fatalx("evsignal_new");
	evsignal_add(bgpd->ev_sigterm, NULL);
	evsignal_add(bgpd->ev_sigint, NULL);
	evsignal_add(bgpd->ev_sighup, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void
bgpd_cleanup(struct bgpd *bgpd)
{
	struct peer *p;

	while ((p = TAILQ_FIRST(&bgpd->peers)) != NULL)
		peer_delete(p, ERR_CEASE_ADMIN_DOWN, NULL);
	session_linger_flush(bgpd);
	session_unlisten(bgpd);
	if (bgpd->control)
		control_free(bgpd->control);
	metrics_free(bgpd->metrics);
	if (bgpd->ev_sigterm) {
		event_free(bgpd->ev_sigterm);
		event_free(bgpd->ev_sigint);
		event_free(bgpd->ev_sighup);
	}
	if (bgpd->ev_lag)
		event_free(bgpd->ev_lag);
	bgpd_detect_close(bgpd);
	rib_free(bgpd->rib);
	intern_free(bgpd->intern);
	free(bgpd->scratch);
	config_free(bgpd->conf);
	event_base_free(bgpd->base);
}

/* What live and replay mode share.  Returns 0, or -1 (logged). */
static int
bgpd_init(struct bgpd *bgpd, struct config *conf, const char *conffile,
    int live)
{
	char err[512];

	memset(bgpd, 0, sizeof(*bgpd));
	srandom((unsigned int)time(NULL) ^ (unsigned int)getpid());
	TAILQ_INIT(&bgpd->peers);
	TAILQ_INIT(&bgpd->listeners);
	TAILQ_INIT(&bgpd->lingering);
	bgpd->conf = conf;
	bgpd->conffile = conffile;
	bgpd->started = time(NULL);
	if ((bgpd->base = event_base_new()) == NULL)
		fatalx("event_base_new");
	if ((bgpd->scratch = malloc(BGP_SCRATCH_LEN)) == NULL)
		fatal("scratch");
	bgpd->intern = intern_new();
	if ((bgpd->rib = rib_new(bgpd->intern)) == NULL)
		fatal("rib_new");
	log_set_rate(conf->log_rate);
	if (bgpd_detect_open(bgpd, live, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return -1;
	}
	return 0;
}

int
bgpd_run(struct config *conf, const char *conffile)
{
	struct bgpd bgpd;
	struct config_neighbor *nb;

	if (bgpd_init(&bgpd, conf, conffile, 1) == -1)
		goto fail;
	if (session_listen(&bgpd) == -1)
		goto fail;
	if (conf->control_path != NULL &&
	    (bgpd.control = control_new(&bgpd, conf->control_path)) == NULL)
		goto fail;
	if (conf->metrics.enabled &&
	    (bgpd.metrics = metrics_new(&bgpd, &conf->metrics)) == NULL)
		goto fail;
	bgpd_signals(&bgpd);
	if ((bgpd.ev_lag = evtimer_new(bgpd.base, bgpd_lag_cb, &bgpd)) == NULL)
		fatalx("evtimer_new");
	bgpd_lag_arm(&bgpd);
	TAILQ_FOREACH(nb, &conf->neighbors, entry)
		peer_new(&bgpd, nb);
	log_info("bgpwatchd started: AS %u, %zu neighbors", conf->local_as,
	    bgpd_count_peers(&bgpd));
	event_base_dispatch(bgpd.base);
	bgpd_cleanup(&bgpd);
	log_info("exiting");
	return 0;
fail:
	bgpd_cleanup(&bgpd);
	return 1;
}

int
bgpd_run_replay(struct config *conf, const char *conffile, char *files[],
    int nfiles)
{
	struct bgpd bgpd;
	int rv;

	if (bgpd_init(&bgpd, conf, conffile, 0) == -1) {
		bgpd_cleanup(&bgpd);
		return 1;
	}
	rv = bgpd_replay(&bgpd, files, nfiles);
	bgpd_cleanup(&bgpd);
	return rv == 0 ? 0 : 1;
}

size_t
bgpd_count_peers(const struct bgpd *bgpd)
{
	const struct peer *p;
	size_t n = 0;

	TAILQ_FOREACH(p, &bgpd->peers, entry)
		n++;
	return n;
}
