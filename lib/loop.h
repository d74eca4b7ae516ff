/*
 * The bottom of the daemon: the libevent loop with its clock, timer
 * helpers and the stall probe.  Everything above asks the loop for the
 * time, so the same code runs on the live clock and, in replay mode, on
 * the records' own timestamps.
 */
#ifndef BGPWATCH_LOOP_H
#define BGPWATCH_LOOP_H

#include <stdint.h>
#include <time.h>

#include <event2/event.h>

struct loop {
	struct event_base	*base;
	double			 record_now;	/* >0: replaying, record time */
	struct event		*ev_lag;	/* stall probe */
	struct timespec		 lag_due;
	double			 lag_max;	/* worst stall seen, seconds */
	uint64_t		 lag_over_50ms;	/* stalls longer than 50 ms */
	struct timespec		 lag_cpu0;	/* loop thread's CPU at arming */
	double			 lag_cpu_max;	/* worst stall, own CPU only */
};

/* Creates the event base.  Returns 0, or -1. */
int	loop_init(struct loop *);
void	loop_free(struct loop *);
/* Starts the stall probe (live mode only). */
void	loop_probe_start(struct loop *);
/* Worst stall since the last reset (reset: 1 clears it). */
double	loop_stall(struct loop *, int reset);
/*
 * The same, counting only the time the loop's thread ran: on a machine
 * where other processes keep it waiting for a CPU, the part of a stall
 * the daemon's own work made (overstated by at most the probe's 20 ms
 * period, never by the waiting).
 */
double	loop_stall_cpu(struct loop *, int reset);

/* Wall-clock seconds, or the record time while replaying. */
double	loop_now(const struct loop *);
/* Replay mode: the clock is the record time t from now on. */
void	loop_set_record_time(struct loop *, double t);
/* Monotonic seconds. */
time_t	loop_monotime(void);

/*
 * 1 once the loop's current turn (the callbacks run since its last poll)
 * has taken more than secs: work that runs in slices (a session's
 * messages, a flush) stops there and goes on after the next poll, so
 * that many such jobs together still keep the turn short.
 */
#define LOOP_TURN_MAX	0.015
int	loop_turn_spent(struct event_base *, double secs);
/*
 * Seconds the loop's current turn has run (since its last poll): one
 * clock read, for work that compares it against more than one bound.
 */
double	loop_turn_elapsed(struct event_base *);

/* Arms ev to fire after secs / ms. */
void	loop_timer_set(struct event *ev, unsigned int secs);
void	loop_timer_set_ms(struct event *ev, unsigned int ms);
/*
 * Arms ev for the next loop iteration, after the loop has polled: a zero
 * timeout, since event_active() from a callback would run it in the same
 * iteration (starving sockets).
 */
void	loop_timer_soon(struct event *ev);
/* A new timer on the loop; fatal on allocation failure. */
struct event *loop_timer_new(struct loop *, event_callback_fn, void *arg);

#endif /* BGPWATCH_LOOP_H */
