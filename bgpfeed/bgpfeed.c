/*
 * bgpfeed: load generator and MRT replayer.  Arrives with the sessions
 * work; until then this only says so.
 */
#include <stdio.h>

int
main(void)
{
	fprintf(stderr, "bgpfeed: not yet implemented\n");
	return 1;
}
