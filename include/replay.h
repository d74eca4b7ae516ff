/*
 * Replay mode (bgpwatchd -r FILE...): MRT records go through the RIB
 * door and the region detector as live sessions do, with the records'
 * own timestamps as the clock.
 */
#ifndef BGPWATCH_REPLAY_H
#define BGPWATCH_REPLAY_H

struct bgpd;

/* Feeds the records of the files to the core.  Returns 0, or -1 if a
 * file could not be read to its end. */
int	replay_run(struct bgpd *, char *files[], int nfiles);

#endif /* BGPWATCH_REPLAY_H */
