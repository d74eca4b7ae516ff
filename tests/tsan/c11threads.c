/*
 * C11 threads on top of pthreads, linked into every program of a
 * SAN=thread build (make tsan) and into nothing else.
 *
 * librdkafka (Debian's, glibc 2.34 and later) makes its threads with
 * thrd_create() and locks with mtx_lock()/cnd_wait(); glibc implements
 * those with its internal pthread functions, which ThreadSanitizer's
 * interceptors (clang 14, gcc 12) never see.  A thread it does not know
 * crashes in its first malloc (the SEGV at 0xc38 in the allocator's
 * thread cache: every Kafka test dead at rd_kafka_new), and locks it does
 * not see would be reported as races.  Defined here, in the executable,
 * these come before libc's for librdkafka too, and call the pthread
 * functions that TSan does intercept.  The types are glibc's own
 * layout: mtx_t, cnd_t and once_flag are pthread_mutex_t, pthread_cond_t
 * and pthread_once_t in other clothes, as glibc itself casts them.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <threads.h>

struct c11_start {
	thrd_start_t	 fn;
	void		*arg;
};

static int
c11_rv(int err)
{
	switch (err) {
	case 0:
		return thrd_success;
	case ENOMEM:
		return thrd_nomem;
	case EBUSY:
		return thrd_busy;
	case ETIMEDOUT:
		return thrd_timedout;
	default:
		return thrd_error;
	}
}

static void *
c11_main(void *arg)
{
	struct c11_start s = *(struct c11_start *)arg;

	free(arg);
	return (void *)(intptr_t)s.fn(s.arg);
}

int
thrd_create(thrd_t *thr, thrd_start_t fn, void *arg)
{
	struct c11_start *s;
	pthread_t t;
	int rv;

	if ((s = malloc(sizeof(*s))) == NULL)
		return thrd_nomem;
	s->fn = fn;
	s->arg = arg;
	if ((rv = pthread_create(&t, NULL, c11_main, s)) != 0) {
		free(s);
		return c11_rv(rv);
	}
	*thr = (thrd_t)t;
	return thrd_success;
}

int
thrd_join(thrd_t thr, int *res)
{
	void *r;
	int rv;

	if ((rv = pthread_join((pthread_t)thr, &r)) != 0)
		return c11_rv(rv);
	if (res != NULL)
		*res = (int)(intptr_t)r;
	return thrd_success;
}

int
thrd_detach(thrd_t thr)
{
	return c11_rv(pthread_detach((pthread_t)thr));
}

int
mtx_init(mtx_t *m, int type)
{
	pthread_mutexattr_t a;
	int rv;

	if (pthread_mutexattr_init(&a) != 0)
		return thrd_error;
	if ((type & mtx_recursive) != 0)
		(void)pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	rv = pthread_mutex_init((pthread_mutex_t *)(void *)m, &a);
	(void)pthread_mutexattr_destroy(&a);
	return c11_rv(rv);
}

int
mtx_lock(mtx_t *m)
{
	return c11_rv(pthread_mutex_lock((pthread_mutex_t *)(void *)m));
}

int
mtx_trylock(mtx_t *m)
{
	return c11_rv(pthread_mutex_trylock((pthread_mutex_t *)(void *)m));
}

int
mtx_timedlock(mtx_t *restrict m, const struct timespec *restrict ts)
{
	return c11_rv(pthread_mutex_timedlock((pthread_mutex_t *)(void *)m,
	    ts));
}

int
mtx_unlock(mtx_t *m)
{
	return c11_rv(pthread_mutex_unlock((pthread_mutex_t *)(void *)m));
}

void
mtx_destroy(mtx_t *m)
{
	(void)pthread_mutex_destroy((pthread_mutex_t *)(void *)m);
}

int
cnd_init(cnd_t *c)
{
	return c11_rv(pthread_cond_init((pthread_cond_t *)(void *)c, NULL));
}

int
cnd_signal(cnd_t *c)
{
	return c11_rv(pthread_cond_signal((pthread_cond_t *)(void *)c));
}

int
cnd_broadcast(cnd_t *c)
{
	return c11_rv(pthread_cond_broadcast((pthread_cond_t *)(void *)c));
}

int
cnd_wait(cnd_t *c, mtx_t *m)
{
	return c11_rv(pthread_cond_wait((pthread_cond_t *)(void *)c,
	    (pthread_mutex_t *)(void *)m));
}

int
cnd_timedwait(cnd_t *restrict c, mtx_t *restrict m,
    const struct timespec *restrict ts)
{
	return c11_rv(pthread_cond_timedwait((pthread_cond_t *)(void *)c,
	    (pthread_mutex_t *)(void *)m, ts));
}

void
cnd_destroy(cnd_t *c)
{
	(void)pthread_cond_destroy((pthread_cond_t *)(void *)c);
}

void
call_once(once_flag *flag, void (*fn)(void))
{
	(void)pthread_once((pthread_once_t *)(void *)flag, fn);
}
