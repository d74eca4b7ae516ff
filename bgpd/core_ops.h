/*
 * What an operator watches of the core beside its state: the events the
 * detector emitted, counted by type, each region event logged as one
 * info line, and the outcome of every reload.  core.c adds the observer
 * and calls core_ops_reload(); metrics and logs read the counts.
 */
#ifndef BGPWATCH_CORE_OPS_H
#define BGPWATCH_CORE_OPS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct detect_event;

/* The event types counted; the last row counts any other. */
#define CORE_OPS_NTYPES		12
extern const char *const core_ops_types[CORE_OPS_NTYPES];

struct core_ops {
	uint64_t	events[CORE_OPS_NTYPES];	/* by core_ops_types */
	uint64_t	reloads;			/* successful */
	uint64_t	reload_failures;
	time_t		last_reload;			/* realtime; 0: never */
	int		last_reload_ok;
};

/* The row of type in core_ops_types (the "other" row if unknown). */
size_t	core_ops_type_index(const char *type);
/* A detector observer (arg: the struct core_ops): counts, logs regions. */
void	core_ops_observer(const struct detect_event *, void *arg);
/* Records a reload's outcome. */
void	core_ops_reload(struct core_ops *, int ok);

#endif /* BGPWATCH_CORE_OPS_H */
