/*
 * Replay mode (bgpwatchd -r FILE...): MRT records go through the RIB
 * door and the region detector as live sessions do, with the records'
 * own timestamps as the clock.
 */
#ifndef BGPWATCH_REPLAY_H
#define BGPWATCH_REPLAY_H

#include <stdint.h>

struct adjrib;

/*
 * Feeds the records of the files through the door (scratch:
 * BGP_SCRATCH_LEN bytes for the decoder).  Returns 0, or -1 if a file
 * could not be read to its end.  The routes stay in the RIB, and the
 * detector is not told the sources went: the caller frees both next.
 */
int	replay_run(struct adjrib *, uint8_t *scratch, char *files[],
	    int nfiles);

#endif /* BGPWATCH_REPLAY_H */
