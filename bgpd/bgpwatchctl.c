/*
 * bgpwatchctl: the control client.  The control socket and its commands
 * arrive with the sessions work (issue "Sessions"); until then this only
 * says so.
 */
#include <stdio.h>

int
main(void)
{
	fprintf(stderr, "bgpwatchctl: not yet implemented (needs the "
	    "control socket of the sessions work)\n");
	return 1;
}
