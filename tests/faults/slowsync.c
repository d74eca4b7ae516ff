/*
 * LD_PRELOAD shim for tests/faults/slowdisk.py: fdatasync() takes
 * SLOWSYNC_MS milliseconds (default 1200) before doing the real thing,
 * like a disk under heavy load.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>

int	fdatasync(int);

int
fdatasync(int fd)
{
	static int	(*real)(int);
	const char	*env = getenv("SLOWSYNC_MS");
	long		 ms = env != NULL ? atol(env) : 1200;
	struct timespec	 ts = { ms / 1000, (ms % 1000) * 1000000 };

	if (real == NULL)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
	nanosleep(&ts, NULL);
	return real(fd);
}
