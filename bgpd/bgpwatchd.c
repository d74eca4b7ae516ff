/* bgpwatchd: placeholder until the configuration parser lands. */
#include <stdio.h>

int
main(void)
{
	fprintf(stderr, "bgpwatchd: not yet implemented\n");
	return 1;
}
