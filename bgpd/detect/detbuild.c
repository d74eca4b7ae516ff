/*
 * The regions' index built again on a reload, off the loop.  With every
 * country watched the build (blocks of the statistics, their sorted
 * tables, the origin ASes, the chunks of `prefix` lines) is 0.2-0.5 s of
 * CPU, which stalled the loop in the control callback.  Now a thread
 * builds it into a detector of its own (regions and index only) while
 * the old regions keep answering the route hooks and detect_run; once
 * it is done, detect_run exchanges the two indexes (region_index_swap,
 * a few pointers) and learns the RIB in slices as before; the same
 * thread then frees the old index (munmaps of its chunk pools and
 * tables, tens of ms at 10 full tables).  A new reload meanwhile stops
 * the build and waits for the thread (it checks between regions).
 *
 * Shared with the thread: the new config (immutable; the core frees the
 * one before only after detect_configure) and the statistics (d->rs
 * when unchanged: the thread may sort its blocks, the loop reads only
 * its file list, for events, until it has joined the thread).
 * Under the mutex: the state.  Without d->async (tests, replay) the same
 * steps run at once in detect_configure.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "detect_priv.h"
#include "log.h"

/*
 * Seconds between looks at a build under way from detect_run: a build
 * is a few hundred ms; a look is a mutex.
 */
#define DET_BUILD_POLL	0.005

enum det_bstate {
	DB_BUILDING = 0,
	DB_BUILT,		/* waits for the loop */
	DB_FREE,		/* swapped in (or dropped): free nd */
	DB_OVER			/* nd freed: to be joined */
};

struct det_build {
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	pthread_t		 th;
	int			 threaded;
	enum det_bstate		 state;
	atomic_int		 stop;
	const struct config	*conf;
	struct detect		*nd;	/* the new index; after the swap the
					 * old one */
	struct rirstats		*rs;	/* new statistics, or NULL */
	char			*key;
	size_t			 klen;
	size_t			 ochunks, opfx, omem;
	int			 rv;
	char			 err[256];
};

/* The new regions and their index, into b->nd (either thread). */
static void
build_index(struct det_build *b)
{
	const struct config_region *cr;
	struct detect *nd = b->nd;
	size_t n = 0;

	TAILQ_FOREACH(cr, &b->conf->regions, entry)
		n++;
	if ((nd->regions = calloc(n + 1, sizeof(*nd->regions))) == NULL)
		fatal("detect");
	TAILQ_FOREACH(cr, &b->conf->regions, entry)
		det_region_init(&nd->regions[nd->nregions++], cr);
	/*
	 * Sized as they were, their pages populated: learning the RIB after
	 * the swap neither rehashes them nor faults them in, slice by slice.
	 */
	det_map_reserve(&nd->cmap, b->ochunks);
	det_ptab_reserve(&nd->ptab, b->opfx, b->omem);
	nd->stop = &b->stop;
	b->rv = region_index_build(nd, b->conf, b->err, sizeof(b->err));
	nd->stop = NULL;
}

/*
 * Frees what b->nd holds: after a swap the old regions, index and
 * statistics (nd->rs), else the new regions and index (nd->rs borrowed:
 * NULL by then).
 */
static void
build_free_index(struct det_build *b)
{
	struct detect *nd = b->nd;

	region_index_clear(nd);
	det_regions_free(nd->regions, nd->nregions);
	nd->regions = NULL;
	nd->nregions = 0;
	rirstats_free(nd->rs);
	nd->rs = NULL;
}

static void *
build_main(void *arg)
{
	struct det_build *b = arg;

	build_index(b);
	pthread_mutex_lock(&b->mu);
	b->state = DB_BUILT;
	pthread_cond_broadcast(&b->cv);
	while (b->state == DB_BUILT)
		pthread_cond_wait(&b->cv, &b->mu);
	pthread_mutex_unlock(&b->mu);
	build_free_index(b);
	pthread_mutex_lock(&b->mu);
	b->state = DB_OVER;
	pthread_mutex_unlock(&b->mu);
	return NULL;
}

static void
build_destroy(struct det_build *b)
{
	rirstats_free(b->rs);
	free(b->key);
	free(b->nd);
	pthread_mutex_destroy(&b->mu);
	pthread_cond_destroy(&b->cv);
	free(b);
}

/*
 * The new index in, the old one into b->nd to be freed; the regions
 * keep what they had reported (by name), and are judged again only
 * once the RIB is learned (det_index_taken).
 */
static void
build_swap(struct detect *d, struct det_build *b, double now)
{
	struct detect *nd = b->nd;
	size_t i, at = 0;

	for (i = 0; i < nd->nregions; i++)
		if ((at = det_region_carry(&nd->regions[i], d->regions,
		    d->nregions, at)) != SIZE_MAX)
			at++;
		else
			at = 0;
	region_index_swap(d, nd);
	nd->rs = NULL;
	if (b->rs != NULL) {
		nd->rs = d->rs;
		d->rs = b->rs;
		b->rs = NULL;
	}
	free(d->ikey);
	d->ikey = b->key;
	d->ikeylen = b->klen;
	b->key = NULL;
	det_index_taken(d, now);
}

/* A build that failed: the regions stay; the statistics are read again. */
static void
build_failed(struct detect *d, struct det_build *b)
{
	b->nd->rs = NULL;
	free(d->fst);
	d->fst = NULL;
	d->nfst = 0;
}

int
det_build_start(struct detect *d, const struct config *conf,
    struct rirstats *rs, char *key, size_t klen, double now, char *err,
    size_t errlen)
{
	struct det_build *b;
	struct detect *nd;
	sigset_t all, old;
	int aid, rv;

	if ((b = calloc(1, sizeof(*b))) == NULL ||
	    (nd = calloc(1, sizeof(*nd))) == NULL)
		fatal("detect");
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cv, NULL);
	atomic_init(&b->stop, 0);
	b->conf = conf;
	b->rs = rs;
	b->key = key;
	b->klen = klen;
	b->ochunks = d->cmap.n;
	b->opfx = d->ptab.n;
	b->omem = d->ptab.nmem;
	for (aid = AID_INET; aid < AID_MAX; aid++) {
		trie_init(&nd->bidx[aid], (uint8_t)aid);
		trie_init(&nd->cidx[aid], (uint8_t)aid);
	}
	nd->dirty_head = UINT32_MAX;
	nd->rs = rs != NULL ? rs : d->rs;
	nd->reference = d->reference;
	nd->thin_off = d->thin_off;
	b->nd = nd;
	if (d->async) {
		/* Signals stay with the loop thread. */
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		b->threaded = pthread_create(&b->th, NULL, build_main, b) == 0;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (b->threaded) {
			d->build = b;
			return 0;
		}
		log_warnx("detect: no thread for the index, built in the "
		    "loop");
	}
	build_index(b);
	if ((rv = b->rv) == 0)
		build_swap(d, b, now);
	else {
		snprintf(err, errlen, "%s", b->err);
		build_failed(d, b);
	}
	build_free_index(b);
	build_destroy(b);
	return rv;
}

static enum det_bstate
build_state(struct det_build *b)
{
	enum det_bstate st;

	pthread_mutex_lock(&b->mu);
	st = b->state;
	pthread_mutex_unlock(&b->mu);
	return st;
}

double
det_build_poll(struct detect *d, double now)
{
	struct det_build *b = d->build;

	if (b == NULL)
		return -1;
	switch (build_state(b)) {
	case DB_BUILDING:
		return DET_BUILD_POLL;
	case DB_BUILT:
		if (b->rv == 0)
			build_swap(d, b, now);
		else {
			log_warnx("detect: the regions of the reload were not "
			    "taken: %s", b->err);
			build_failed(d, b);
		}
		pthread_mutex_lock(&b->mu);
		b->state = DB_FREE;
		pthread_cond_broadcast(&b->cv);
		pthread_mutex_unlock(&b->mu);
		return -1;
	case DB_FREE:
		return -1;
	case DB_OVER:
		pthread_join(b->th, NULL);
		build_destroy(b);
		d->build = NULL;
		return -1;
	}
	return -1;
}

struct rirstats *
det_build_stop(struct detect *d)
{
	struct det_build *b = d->build;
	struct rirstats *rs;

	if (b == NULL)
		return NULL;
	atomic_store(&b->stop, 1);
	pthread_mutex_lock(&b->mu);
	while (b->state == DB_BUILDING)
		pthread_cond_wait(&b->cv, &b->mu);
	if (b->state == DB_BUILT) {
		b->nd->rs = NULL;		/* borrowed */
		b->state = DB_FREE;
		pthread_cond_broadcast(&b->cv);
	}
	pthread_mutex_unlock(&b->mu);
	pthread_join(b->th, NULL);
	rs = b->rs;
	b->rs = NULL;
	build_destroy(b);
	d->build = NULL;
	return rs;
}
