/*
 * The version of bgpwatch, in one place.  Change it here only: the
 * binaries (-V), `show status`, the metrics and the man pages' checks
 * (tests/check/version.sh compares them all with this line) read it.
 */
#include <stdio.h>

#include "version.h"

#define BGPWATCH_RELEASE	"0.2.0"

const char *
bgpwatch_version(void)
{
	return BGPWATCH_RELEASE;
}

void
bgpwatch_print_version(const char *prog)
{
	printf("%s %s\n", prog, BGPWATCH_RELEASE);
}
