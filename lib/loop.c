/*
 * The loop: libevent's base, the clock every module reads (wall time,
 * or record time in replay mode) and the stall probe.  The probe is a
 * timer due every LAG_PERIOD_MS; how late it fires is how long some
 * callback kept the loop busy.  Cheap enough to run always, so `show
 * status` can tell whether a full-table load or flush ever blocked it.
 * On a busy machine the lateness also counts time the process waited
 * for a CPU.  The thread's CPU clock, read at each arming, gives the
 * loop's own share: the CPU it used since the arming, capped at the
 * lateness (overstated by at most one period, never by time spent
 * waiting), so a stall the daemon made and one the machine made can be
 * told apart.
 */
#include <string.h>

#include "log.h"
#include "loop.h"

#define LAG_PERIOD_MS	20

int
loop_init(struct loop *l)
{
	memset(l, 0, sizeof(*l));
	if ((l->base = event_base_new()) == NULL)
		return -1;
	return 0;
}

void
loop_free(struct loop *l)
{
	if (l->ev_lag != NULL)
		event_free(l->ev_lag);
	if (l->base != NULL)
		event_base_free(l->base);
	memset(l, 0, sizeof(*l));
}

double
loop_now(const struct loop *l)
{
	struct timespec ts;

	if (l->record_now > 0)
		return l->record_now;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
loop_set_record_time(struct loop *l, double t)
{
	l->record_now = t;
}

time_t
loop_monotime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

double
loop_turn_elapsed(struct event_base *base)
{
	struct timeval start, now;

	/* libevent caches the time right after each poll: the turn's
	 * start.  Outside a callback this is the current time: 0 spent. */
	if (event_base_gettimeofday_cached(base, &start) == -1 ||
	    evutil_gettimeofday(&now, NULL) == -1)
		return 0;
	return (double)(now.tv_sec - start.tv_sec) +
	    (double)(now.tv_usec - start.tv_usec) / 1e6;
}

int
loop_turn_spent(struct event_base *base, double secs)
{
	return loop_turn_elapsed(base) > secs;
}

void
loop_timer_set(struct event *ev, unsigned int secs)
{
	struct timeval tv = { (time_t)secs, 0 };

	evtimer_add(ev, &tv);
}

void
loop_timer_set_ms(struct event *ev, unsigned int ms)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(ev, &tv);
}

void
loop_timer_soon(struct event *ev)
{
	struct timeval tv = { 0, 0 };

	evtimer_add(ev, &tv);
}

struct event *
loop_timer_new(struct loop *l, event_callback_fn fn, void *arg)
{
	struct event *ev;

	if ((ev = evtimer_new(l->base, fn, arg)) == NULL)
		fatalx("evtimer_new");
	return ev;
}

static double
loop_ts_diff(const struct timespec *a, const struct timespec *b)
{
	return (double)(a->tv_sec - b->tv_sec) +
	    (double)(a->tv_nsec - b->tv_nsec) / 1e9;
}

/* Due LAG_PERIOD_MS after now; cpu: the thread's CPU clock at now. */
static void
loop_lag_arm(struct loop *l, const struct timespec *now,
    const struct timespec *cpu)
{
	l->lag_cpu0 = *cpu;
	l->lag_due = *now;
	l->lag_due.tv_nsec += LAG_PERIOD_MS * 1000000L;
	if (l->lag_due.tv_nsec >= 1000000000L) {
		l->lag_due.tv_sec++;
		l->lag_due.tv_nsec -= 1000000000L;
	}
	loop_timer_set_ms(l->ev_lag, LAG_PERIOD_MS);
}

static void
loop_lag_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct loop *l = arg;
	struct timespec now, cpu;
	double late, ran;

	(void)fd;
	(void)ev;
	clock_gettime(CLOCK_MONOTONIC, &now);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
	late = loop_ts_diff(&now, &l->lag_due);
	if (late > l->lag_max)
		l->lag_max = late;
	/* What the thread ran since the arming, up to the lateness. */
	ran = loop_ts_diff(&cpu, &l->lag_cpu0);
	if (ran > late)
		ran = late;
	if (ran > l->lag_cpu_max)
		l->lag_cpu_max = ran;
	if (late > 0.050)
		l->lag_over_50ms++;
	/* The clocks just read (a thread CPU clock read is a system call). */
	loop_lag_arm(l, &now, &cpu);
}

void
loop_probe_start(struct loop *l)
{
	struct timespec now, cpu;

	if (l->ev_lag == NULL)
		l->ev_lag = loop_timer_new(l, loop_lag_cb, l);
	clock_gettime(CLOCK_MONOTONIC, &now);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
	loop_lag_arm(l, &now, &cpu);
}

double
loop_stall(struct loop *l, int reset)
{
	double v = l->lag_max;

	if (reset)
		l->lag_max = 0;
	return v;
}

double
loop_stall_cpu(struct loop *l, int reset)
{
	double v = l->lag_cpu_max;

	if (reset)
		l->lag_cpu_max = 0;
	return v;
}
