/*
 * The sync worker: one thread, two slots.  The loop puts a descriptor in
 * the slot and signals; the thread takes it, fdatasync()s and closes it,
 * and waits again.  A request that finds the slot full closes the older
 * descriptor (same file: the newer sync covers it).  Beside the slot, a
 * queue of up to EVT_SYNC_ROTQ files that rotations renamed away, each
 * synced before the slot (their events are older), then its directory;
 * never replaced (other files).  Two or more waiting (rotations faster
 * than the disk syncs) go in one syncfs() of their file system, which
 * makes them and the directory durable at once: a queue that grew one
 * fdatasync per file made a stop wait for all of them in turn.  Only the
 * counters, the slot and the queue are shared, under the mutex; the
 * thread logs slow syncs itself (the log functions write whole lines
 * with one call).
 */
#define _GNU_SOURCE	/* syncfs */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "evt_syncer.h"
#include "log.h"

#define EVT_SYNC_SLOW_USEC	(1000 * 1000)	/* logged as slow */
#define EVT_SYNC_ROTQ		16	/* rotated files waiting, at most */

struct evt_syncer {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	pthread_t	 th;
	int		 started;
	int		 slot;		/* -1: empty */
	int		 rot[EVT_SYNC_ROTQ];	/* rotated files, oldest */
	char		*rot_dir[EVT_SYNC_ROTQ]; /* first from rot_head */
	int		 rot_head, nrot;
	int		 quit;
	char		*name;
	uint64_t	 done, max_usec;
};

static uint64_t
evt_syncer_usec(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

void
evt_fsync_dir(const char *dir)
{
	int	dfd;

	if (dir == NULL || (dfd = open(dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return;
	(void)fsync(dfd);
	close(dfd);
}

/* The rotated file, then its directory (the renames made durable). */
static void
evt_syncer_rotated_sync(struct evt_syncer *s, int fd, char *dir)
{
	if (fdatasync(fd) == -1)
		log_warn("%s.1: fdatasync", s->name);
	close(fd);
	evt_fsync_dir(dir);
	free(dir);
}

/* Several rotated files: one syncfs() for them all, then closed. */
static void
evt_syncer_rotated_many(struct evt_syncer *s, const int *fds, char **dirs,
    int n)
{
	int	i;

	if (syncfs(fds[0]) == -1)
		log_warn("%s.1: syncfs", s->name);
	for (i = 0; i < n; i++) {
		close(fds[i]);
		free(dirs[i]);
	}
}

static void *
evt_syncer_main(void *arg)
{
	struct evt_syncer	*s = arg;
	uint64_t		 t, d;
	char			*dirs[EVT_SYNC_ROTQ];
	int			 fds[EVT_SYNC_ROTQ], fd, nrot;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (s->slot == -1 && s->nrot == 0 && !s->quit)
			pthread_cond_wait(&s->cv, &s->mu);
		if (s->slot == -1 && s->nrot == 0)
			break;			/* quit, nothing left */
		fd = -1;
		/* Every rotated file waiting, oldest first. */
		for (nrot = 0; s->nrot > 0; nrot++) {
			fds[nrot] = s->rot[s->rot_head];
			dirs[nrot] = s->rot_dir[s->rot_head];
			s->rot_head = (s->rot_head + 1) % EVT_SYNC_ROTQ;
			s->nrot--;
		}
		if (nrot == 0) {
			fd = s->slot;
			s->slot = -1;
		}
		pthread_mutex_unlock(&s->mu);
		t = evt_syncer_usec();
		if (nrot == 1)
			evt_syncer_rotated_sync(s, fds[0], dirs[0]);
		else if (nrot > 1)
			evt_syncer_rotated_many(s, fds, dirs, nrot);
		else {
			if (fdatasync(fd) == -1)
				log_warn("%s: fdatasync", s->name);
			close(fd);
		}
		d = evt_syncer_usec() - t;
		if (d >= EVT_SYNC_SLOW_USEC)
			log_warnx("%s: fdatasync took %llu ms (off "
			    "the event loop)", s->name,
			    (unsigned long long)(d / 1000));
		pthread_mutex_lock(&s->mu);
		s->done++;
		if (d > s->max_usec)
			s->max_usec = d;
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

struct evt_syncer *
evt_syncer_new(const char *name)
{
	struct evt_syncer	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->name = strdup(name != NULL ? name : "")) == NULL)
		fatal("evt_syncer_new");
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	s->slot = -1;
	return s;
}

/* Starts the thread at the first request: 0, or -1 (logged). */
static int
evt_syncer_start(struct evt_syncer *s)
{
	int	rv;

	if (s->started)
		return 0;
	if ((rv = pthread_create(&s->th, NULL, evt_syncer_main, s)) != 0) {
		errno = rv;
		log_warn("%s: sync thread", s->name);
		return -1;
	}
	s->started = 1;
	return 0;
}

int
evt_syncer_rotated(struct evt_syncer *s, int fd, const char *dir)
{
	char	*d = NULL;
	int	 busy, i;

	if (evt_syncer_start(s) == -1)
		return -1;
	if (dir != NULL && (d = strdup(dir)) == NULL)
		return -1;
	pthread_mutex_lock(&s->mu);
	if (!(busy = s->nrot == EVT_SYNC_ROTQ)) {
		i = (s->rot_head + s->nrot++) % EVT_SYNC_ROTQ;
		s->rot[i] = fd;
		s->rot_dir[i] = d;
		pthread_cond_signal(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
	if (busy) {
		free(d);
		return -1;
	}
	return 0;
}

int
evt_syncer_request(struct evt_syncer *s, int fd)
{
	int	old = -1;

	if (evt_syncer_start(s) == -1) {
		if (fdatasync(fd) == -1)
			log_warn("%s: fdatasync", s->name);
		close(fd);
		return -1;
	}
	pthread_mutex_lock(&s->mu);
	old = s->slot;
	s->slot = fd;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	if (old != -1)
		close(old);
	return 0;
}

void
evt_syncer_free(struct evt_syncer *s)
{
	if (s == NULL)
		return;
	if (s->started) {
		pthread_mutex_lock(&s->mu);
		s->quit = 1;
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->th, NULL);
	}
	if (s->slot != -1)
		close(s->slot);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s->name);
	free(s);
}

uint64_t
evt_syncer_done(const struct evt_syncer *s)
{
	uint64_t	n;

	pthread_mutex_lock((pthread_mutex_t *)(uintptr_t)&s->mu);
	n = s->done;
	pthread_mutex_unlock((pthread_mutex_t *)(uintptr_t)&s->mu);
	return n;
}

uint64_t
evt_syncer_max_usec(const struct evt_syncer *s)
{
	uint64_t	n;

	pthread_mutex_lock((pthread_mutex_t *)(uintptr_t)&s->mu);
	n = s->max_usec;
	pthread_mutex_unlock((pthread_mutex_t *)(uintptr_t)&s->mu);
	return n;
}
