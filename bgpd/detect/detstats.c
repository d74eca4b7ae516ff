/*
 * A reload's statistics files read off the loop.  Every country's files
 * (five RIRs, ~600,000 lines, 35 MB) are a third of a second of CPU to
 * parse; in the control callback that was the loop's longest stall of a
 * reload that changed them.  The core starts the read here before it
 * applies anything of the new config, looks for the end from the loop
 * (detect_stats_done), and only then applies the reload or refuses it
 * with the first "FILE:LINE: message": the config before stays whole in
 * force meanwhile and on error.
 *
 * Shared with the thread: the new config (immutable, kept by the core
 * until the read is over); the rest is the thread's until done is set.
 * The thread neither logs nor touches the detector.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "detect_priv.h"
#include "log.h"

struct detect_stats {
	pthread_t		 th;
	int			 threaded;
	atomic_int		 done;
	const struct config	*conf;
	struct det_fstat	*fst;	/* the files before the read */
	struct rirstats		*rs;	/* NULL on error */
	struct rirstats_errors	 errs;	/* of the file that failed */
	int			 logged;	/* errs but the first */
};

/* Reads every file of s->conf into s->rs (either thread). */
static void
stats_read(struct detect_stats *s)
{
	size_t i;

	s->rs = rirstats_new();
	for (i = 0; i < s->conf->nrir_stats; i++)
		if (rirstats_load(s->rs, s->conf->rir_stats[i],
		    &s->errs) == -1) {
			rirstats_free(s->rs);
			s->rs = NULL;
			break;
		}
	/* Here rather than in the loop's rirstats_equal (0.15 s). */
	if (s->rs != NULL)
		rirstats_sort(s->rs);
	atomic_store(&s->done, 1);
}

static void *
stats_main(void *arg)
{
	stats_read(arg);
	return NULL;
}

struct detect_stats *
detect_stats_read(struct detect *d, const struct config *conf)
{
	struct detect_stats *s;
	struct det_fstat *fst;
	sigset_t all, old;

	if (!d->async)
		return NULL;
	/* Before reading them: a file changed meanwhile is read again. */
	(void)det_stat_files(conf, &fst);
	if (det_stats_unchanged(d, conf, fst)) {
		free(fst);
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		fatal("detect");
	atomic_init(&s->done, 0);
	s->conf = conf;
	s->fst = fst;
	/* Signals stay with the loop thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	s->threaded = pthread_create(&s->th, NULL, stats_main, s) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!s->threaded) {
		log_warnx("detect: no thread for the statistics, read in the "
		    "loop");
		stats_read(s);
	}
	return s;
}

int
detect_stats_done(struct detect_stats *s)
{
	return atomic_load(&s->done);
}

/* Waits for the thread (at once when done). */
static void
stats_join(struct detect_stats *s)
{
	if (s->threaded) {
		pthread_join(s->th, NULL);
		s->threaded = 0;
	}
}

/* Every error but the first is logged here (the caller reports it). */
const char *
detect_stats_error(struct detect_stats *s)
{
	size_t i;

	stats_join(s);
	if (s->rs != NULL)
		return NULL;
	for (i = 1; !s->logged && i < s->errs.n; i++)
		log_warnx("%s", s->errs.msg[i]);
	s->logged = 1;
	return s->errs.n > 0 ? s->errs.msg[0] : "cannot read the statistics";
}

void
detect_stats_take(struct detect_stats *s, struct det_fstat **fst,
    struct rirstats **rs)
{
	stats_join(s);
	*fst = s->fst;
	*rs = s->rs;
	s->fst = NULL;
	s->rs = NULL;
}

void
detect_stats_free(struct detect_stats *s)
{
	if (s == NULL)
		return;
	stats_join(s);
	rirstats_free(s->rs);
	free(s->fst);
	free(s);
}
