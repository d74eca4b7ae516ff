/*
 * bgpwatchd: the collector daemon's front door.  It reads the command line
 * and the configuration (-n checks it and exits), detaches unless -d,
 * and hands over to the event loop in bgpd.c; with -r it replays MRT
 * files through the RIB and detector instead (replay.c) and exits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bgpd.h"
#include "config.h"
#include "log.h"
#include "rirstats.h"

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
		return bgpd_run_replay(conf, file, argv + optind, argc);
	}
	log_init(debug, verbose);
	if (!debug && daemon(0, 0) == -1)
		fatal("daemon");
	return bgpd_run(conf, file);
}
