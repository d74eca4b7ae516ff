/*
 * bgpwatchd: the collector daemon's front door.  It reads the command line
 * and the configuration (-n checks it and exits), detaches unless -d,
 * and composes the daemon: the core (core.c), then its users, the
 * control socket and the metrics listener; it owns the signals
 * (SIGTERM/SIGINT shut every session down with Cease/Administrative
 * Shutdown, SIGHUP reloads).  With -r it replays MRT files through the
 * core instead (replay.c) and exits.
 *
 * With `user NAME` it becomes NAME (privdrop.c) once everything that
 * needs root is open: listeners, control socket, metrics, event log.
 * Under systemd (Type=notify) it says READY once it serves, RELOADING
 * around a reload and STOPPING on SIGTERM (sdnotify.c).
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <msgpack.h>

#include "config.h"
#include "control.h"
#include "core.h"
#include "evt_fanout.h"
#include "evt_json.h"
#include "log.h"
#include "metrics.h"
#include "privdrop.h"
#include "replay.h"
#include "rirstats.h"
#include "sdnotify.h"
#include "version.h"

/* The daemon's parts above the core, and its signals. */
struct daemon {
	struct bgpd		 core;
	struct control		*control;
	struct metrics		*metrics;
	struct event		*ev_sig[3];
};

static void __attribute__((__noreturn__))
usage(int status)
{
	FILE	*fp = status == 0 ? stdout : stderr;

	fprintf(fp, "usage: bgpwatchd [-dnv] [-f FILE]\n"
	    "       bgpwatchd [-v] [-f FILE] [-o OUT] -r MRTFILE...\n"
	    "       bgpwatchd -h | -V\n"
	    "  -d          stay in the foreground, log to stderr\n"
	    "  -n          only check the configuration\n"
	    "  -v          more verbose logging (-n -v: print the "
	    "configuration)\n"
	    "  -f FILE     configuration (default %s)\n"
	    "  -r          replay the MRT files, then exit; events as JSON "
	    "lines on\n"
	    "              stdout (and the configured event log, if any)\n"
	    "  -o OUT      replay: events to the event log OUT instead "
	    "(- : stdout only)\n"
	    "  -h, --help  this text;  -V, --version  the version\n"
	    "see bgpwatchd(8), bgpwatchd.conf(5)\n", CONF_DEFAULT_FILE);
	exit(status);
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
	sdnotify_stopping();
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
	/*
	 * core_reload() logs the outcome and every error (once the
	 * statistics files are read, when they changed).
	 */
	(void)core_reload(&d->core, NULL, NULL, err, sizeof(err));
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

/*
 * The event log and its rotated files become the user's, so that a
 * rotation can open the next one after the drop.  Warns when the log's
 * directory is not the user's to write in.
 */
static void
daemon_chown_state(const struct config *conf, const struct privdrop_id *id)
{
	char		 name[PATH_MAX], dir[PATH_MAX];
	struct stat	 st;
	uint32_t	 i;

	if (conf->events.log_path == NULL)
		return;
	for (i = 0; i <= conf->events.log_keep; i++) {
		if (i == 0)
			snprintf(name, sizeof(name), "%s",
			    conf->events.log_path);
		else
			snprintf(name, sizeof(name), "%s.%" PRIu32,
			    conf->events.log_path, i);
		if (stat(name, &st) == 0 && st.st_uid != id->uid &&
		    chown(name, id->uid, id->gid) == -1)
			log_warn("chown %s to %s", name, id->name);
	}
	snprintf(dir, sizeof(dir), "%s", conf->events.log_path);
	if (stat(dirname(dir), &st) == 0 && st.st_uid != id->uid &&
	    !((st.st_mode & S_IWGRP) && st.st_gid == id->gid))
		log_warnx("event log directory %s is not writable by user "
		    "%s: rotating the log will fail (chown it to %s)", dir,
		    id->name, id->name);
}

/* Becomes conf's user, if any.  Returns 0, or -1 (logged). */
static int
daemon_drop(const struct config *conf)
{
	struct privdrop_id	 id;
	char			 err[256];
	int			 rv;

	if (conf->user == NULL)
		return 0;
	if (privdrop_lookup(conf->user, &id, err, sizeof(err)) == -1)
		goto fail;
	if (geteuid() == 0)
		daemon_chown_state(conf, &id);
	if ((rv = privdrop_drop(&id, err, sizeof(err))) == -1)
		goto fail;
	log_info("%s user %s (uid %u, gid %u)%s", rv == 1 ?
	    "already running as" : "running as", id.name,
	    (unsigned)id.uid, (unsigned)id.gid, privdrop_can_bind_low() ?
	    ", keeping CAP_NET_BIND_SERVICE" : "");
	return 0;
fail:
	log_warnx("cannot drop privileges: %s", err);
	return -1;
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
	if (daemon_drop(d.core.conf) == -1)
		goto fail;
	daemon_signals(&d);
	sdnotify_ready("serving");
	event_base_dispatch(d.core.loop.base);
	daemon_free(&d);
	log_info("exiting");
	return 0;
fail:
	daemon_free(&d);
	return 1;
}

/* Replay's tap: each event as one JSON line on stdout. */
static void
replay_json_tap(const void *rec, size_t len, uint64_t seq, void *arg)
{
	struct evbuffer		*out = arg;
	msgpack_unpacked	 u;
	size_t			 off = 0;

	(void)seq;
	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, rec, len, &off) == MSGPACK_UNPACK_SUCCESS)
		(void)evt_json(out, &u.data);
	msgpack_unpacked_destroy(&u);
	while (evbuffer_get_length(out) > 0)
		if (evbuffer_write(out, STDOUT_FILENO) == -1 &&
		    errno != EINTR)
			break;
}

/*
 * Replays MRT files through the core, then exits (-r).  Events go as
 * JSON lines to stdout and to the configured log; with -o OUT to the
 * event log OUT only ("-": stdout only).  A log held by a running
 * daemon is refused (evt_log.c's lock).
 */
static int
daemon_replay(struct config *conf, const char *conffile, const char *out,
    char *files[], int nfiles)
{
	struct evbuffer	*buf = NULL;
	struct bgpd	 core;
	int		 rv = -1;

	if (out != NULL) {
		free(conf->events.log_path);
		conf->events.log_path = NULL;
		if (strcmp(out, "-") != 0 &&
		    (conf->events.log_path = strdup(out)) == NULL)
			fatal("replay");
	}
	if (core_init(&core, conf, conffile, 0) == 0) {
		if (out == NULL || strcmp(out, "-") == 0) {
			if ((buf = evbuffer_new()) == NULL)
				fatal("replay");
			evt_fanout_tap(core.fanout, replay_json_tap, buf);
		}
		rv = replay_run(&core.door, core.scratch, files, nfiles);
	}
	/* The RIB and its attributes go whole, not route by route. */
	core.exiting = 1;
	core_free(&core);
	if (buf != NULL)
		evbuffer_free(buf);
	return rv == 0 ? 0 : 1;
}

/*
 * Refuses a configuration whose secrets others can read.  0 or -1.
 * -n only warns, and only with -v: it checks the grammar, the start
 * checks the file's mode.
 */
static int
check_secrets(const struct config *conf, int noaction, int verbose)
{
	struct privdrop_id	 id;
	char			 err[CONF_ERRMSG_MAX];
	uid_t			 owner = geteuid();

	if (conf->user != NULL) {
		if (privdrop_lookup(conf->user, &id, err, sizeof(err)) == 0)
			owner = id.uid;
		else if (!noaction || verbose) {
			/* Before anything is opened, not after. */
			fprintf(stderr, "%s%s\n", noaction ? "warning: " : "",
			    err);
			if (!noaction)
				return -1;
		}
	}
	if (config_check_secrets(conf, owner, err, sizeof(err)) == -1) {
		if (!noaction || verbose)
			fprintf(stderr, "%s%s\n", noaction ? "warning: " : "",
			    err);
		return noaction ? 0 : -1;
	}
	return 0;
}

/*
 * Large arrays (the detector's member tables, index tables) grow by
 * doubling with realloc.  glibc raises its mmap threshold each time a
 * large mapped block is freed (up to 32 MB), after which such arrays
 * live on the heap and every doubling copies them: 20-55 ms in one loop
 * turn for a table's worth.  A fixed threshold keeps blocks of 1 MB and
 * more mapped, and realloc moves their pages (mremap) instead.
 */
static void
malloc_tune(void)
{
	(void)mallopt(M_MMAP_THRESHOLD, 1024 * 1024);
}

int
main(int argc, char *argv[])
{
	struct config_errors *errs;
	struct config *conf;
	static const struct option longopts[] = {
		{ "help",	no_argument,	NULL,	'h' },
		{ "version",	no_argument,	NULL,	'V' },
		{ NULL,		0,		NULL,	0 }
	};
	const char *file = CONF_DEFAULT_FILE, *out = NULL;
	int ch, debug = 0, noaction = 0, verbose = 0, replay = 0;

	malloc_tune();

	while ((ch = getopt_long(argc, argv, "dnvf:ro:hV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(0);
		case 'V':
			bgpwatch_print_version("bgpwatchd");
			return 0;
		case 'o':
			out = optarg;
			break;
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
			usage(1);
		}
	}
	argc -= optind;
	if ((replay && argc == 0) || (!replay && argc != 0) ||
	    (out != NULL && !replay))
		usage(1);

	log_init(1, verbose);	/* stderr until the config is read */
	if ((errs = malloc(sizeof(*errs))) == NULL)
		fatal("main");
	if ((conf = config_parse(file, errs)) == NULL) {
		print_errors(errs);
		free(errs);
		return 1;
	}
	free(errs);
	if (!replay && check_secrets(conf, noaction, verbose) == -1) {
		config_free(conf);
		return 1;
	}
	if (noaction) {
		int rv = check_rirstats(conf, verbose) == 0 ? 0 : 1;

		if (verbose && rv == 0)
			config_print(stdout, conf);
		config_free(conf);
		return rv;
	}
	if (replay) {
		log_init(1, verbose);
		return daemon_replay(conf, file, out, argv + optind, argc);
	}
	log_init(debug, verbose);
	if (!debug && daemon(0, 0) == -1)
		fatal("daemon");
	return daemon_run(conf, file);
}
