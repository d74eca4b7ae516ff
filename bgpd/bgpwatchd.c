/*
 * bgpwatchd: the collector daemon's front door.  It reads the command line
 * and the configuration (-n checks it and exits), detaches unless -d,
 * and hands over to the event loop in bgpd.c; with -r it replays MRT
 * files through the RIB and detector instead (replay.c) and exits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bgpd.h"
#include "config.h"
#include "log.h"

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
		if (verbose)
			config_print(stdout, conf);
		config_free(conf);
		return 0;
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
