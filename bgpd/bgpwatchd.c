/*
 * bgpwatchd: the collector daemon's front door.  It reads the command line
 * and the configuration (-n checks it and exits), detaches unless -d,
 * and composes the daemon: the core (core.c), then its users, the
 * control socket and the metrics listener; it owns the signals
 * (SIGTERM/SIGINT shut every session down with Cease/Administrative
 * Shutdown, SIGHUP reloads).  With -r it replays MRT files through the
 * core instead (replay.c) and exits.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "control.h"
#include "core.h"
#include "log.h"
#include "metrics.h"
#include "replay.h"
#include "rirstats.h"

/* The daemon's parts above the core, and its signals. */
struct daemon {
	struct bgpd		 core;
	struct control		*control;
	struct metrics		*metrics;
	struct event		*ev_sig[3];
};

static void __attribute__((__noreturn__))
usage(void)
{
	fprintf(stderr, "usage: bgpwatchd [-d] [-n] [-v] [-f FILE] "
	    "[-r MRTFILE...]\n");
	exit(1);
}

/* Prints each parse error as "FILE:LINE: message" on stderr. */
static void
print_errors(const struct config_errors *errs)
{
	size_t i;

	for (i = 0; i < errs->n; i++)
		fprintf(stderr, "%s\n", errs->msg[i]);
}

/*
 * -n also reads the RIR stats files, so that a bad line is found before
 * a start fails on it.  A file that is not there yet is no error (-v
 * warns): it may be installed later; the daemon reads it when it starts.
 */
static int
check_rirstats(const struct config *conf, int verbose)
{
	struct rirstats_errors *errs;
	struct rirstats *rs;
	size_t i, j;
	int rv = 0;

	if ((errs = calloc(1, sizeof(*errs))) == NULL)
		fatal("check_rirstats");
	rs = rirstats_new();
	for (i = 0; i < conf->nrir_stats; i++) {
		if (access(conf->rir_stats[i], F_OK) == -1 && errno == ENOENT) {
			if (verbose)
				fprintf(stderr, "%s: warning: not found (read "
				    "when bgpwatchd starts)\n",
				    conf->rir_stats[i]);
			continue;
		}
		errs->n = 0;
		if (rirstats_load(rs, conf->rir_stats[i], errs) == -1) {
			for (j = 0; j < errs->n; j++)
				fprintf(stderr, "%s\n", errs->msg[j]);
			rv = -1;
		}
	}
	rirstats_free(rs);
	free(errs);
	return rv;
}

static void
daemon_exit_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct daemon *d = arg;
	struct timeval tv = { 0, 300000 };

	(void)fd;
	(void)ev;
	if (d->core.peers.env.shutting_down)
		return;
	log_info("shutting down");
	core_shutdown(&d->core, "bgpwatchd shutting down");
	/* Lingering connections get a moment to send their NOTIFICATION. */
	event_base_loopexit(d->core.loop.base, &tv);
}

static void
daemon_hup_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct daemon *d = arg;
	char err[512];

	(void)fd;
	(void)ev;
	log_info("SIGHUP: reloading the configuration");
	/* core_reload() logs the outcome and every error. */
	(void)core_reload(&d->core, err, sizeof(err));
}

static void
daemon_signals(struct daemon *d)
{
	struct event_base *base = d->core.loop.base;
	int i;

	d->ev_sig[0] = evsignal_new(base, SIGTERM, daemon_exit_cb, d);
	d->ev_sig[1] = evsignal_new(base, SIGINT, daemon_exit_cb, d);
	d->ev_sig[2] = evsignal_new(base, SIGHUP, daemon_hup_cb, d);
	for (i = 0; i < 3; i++) {
		if (d->ev_sig[i] == NULL)
			fatalx("evsignal_new");
		evsignal_add(d->ev_sig[i], NULL);
	}
	signal(SIGPIPE, SIG_IGN);
}

static void
daemon_free(struct daemon *d)
{
	int i;

	/* Users first: they may still look at the core. */
	if (d->control)
		control_free(d->control);
	metrics_free(d->metrics);
	for (i = 0; i < 3; i++)
		if (d->ev_sig[i])
			event_free(d->ev_sig[i]);
	core_free(&d->core);
}

/* Runs the daemon until SIGTERM.  Returns the exit status. */
static int
daemon_run(struct config *conf, const char *conffile)
{
	struct daemon d;

	memset(&d, 0, sizeof(d));
	if (core_init(&d.core, conf, conffile, 1) == -1)
		goto fail;
	if (conf->control_path != NULL &&
	    (d.control = control_new(&d.core, conf->control_path)) == NULL)
		goto fail;
	if (conf->metrics.enabled &&
	    (d.metrics = metrics_new(&d.core, &conf->metrics)) == NULL)
		goto fail;
	if (core_start(&d.core) == -1)
		goto fail;
	daemon_signals(&d);
	event_base_dispatch(d.core.loop.base);
	daemon_free(&d);
	log_info("exiting");
	return 0;
fail:
	daemon_free(&d);
	return 1;
}

/* Replays MRT files through the core, then exits (-r). */
static int
daemon_replay(struct config *conf, const char *conffile, char *files[],
    int nfiles)
{
	struct bgpd core;
	int rv = -1;

	if (core_init(&core, conf, conffile, 0) == 0)
		rv = replay_run(&core.door, core.scratch, files, nfiles);
	core_free(&core);
	return rv == 0 ? 0 : 1;
}

int
main(int argc, char *argv[])
{
	struct config_errors *errs;
	struct config *conf;
	const char *file = CONF_DEFAULT_FILE;
	int ch, debug = 0, noaction = 0, verbose = 0, replay = 0;

	while ((ch = getopt(argc, argv, "dnvf:r")) != -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'n':
			noaction = 1;
			break;
		case 'v':
			verbose++;
			break;
		case 'f':
			file = optarg;
			break;
		case 'r':
			replay = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	if ((replay && argc == 0) || (!replay && argc != 0))
		usage();

	log_init(1, verbose);	/* stderr until the config is read */
	if ((errs = malloc(sizeof(*errs))) == NULL)
		fatal("main");
	if ((conf = config_parse(file, errs)) == NULL) {
		print_errors(errs);
		free(errs);
		return 1;
	}
	free(errs);
	if (noaction) {
		int rv = check_rirstats(conf, verbose) == 0 ? 0 : 1;

		if (verbose && rv == 0)
			config_print(stdout, conf);
		config_free(conf);
		return rv;
	}
	if (replay) {
		log_init(1, verbose);
		return daemon_replay(conf, file, argv + optind, argc);
	}
	log_init(debug, verbose);
	if (!debug && daemon(0, 0) == -1)
		fatal("daemon");
	return daemon_run(conf, file);
}
