/*
 * LD_PRELOAD shim for tests/faults/diskfull.py where a tmpfs cannot be
 * mounted: while the file named by $ENOSPC_FLAG exists, write(2) to a
 * file whose path ends in $ENOSPC_SUFFIX (default "events.mpk") fails
 * with ENOSPC, as on a full disk.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

ssize_t	write(int, const void *, size_t);

static int
full(int fd)
{
	const char	*flag = getenv("ENOSPC_FLAG");
	const char	*suffix = getenv("ENOSPC_SUFFIX");
	char		 link[64], path[4096];
	ssize_t		 n;
	size_t		 sl;

	if (flag == NULL || access(flag, F_OK) != 0)
		return 0;
	if (suffix == NULL)
		suffix = "events.mpk";
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((n = readlink(link, path, sizeof(path) - 1)) <= 0)
		return 0;
	path[n] = '\0';
	sl = strlen(suffix);
	return (size_t)n >= sl && strcmp(path + n - sl, suffix) == 0;
}

ssize_t
write(int fd, const void *buf, size_t len)
{
	static ssize_t	(*real)(int, const void *, size_t);

	if (real == NULL)
		real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT,
		    "write");
	if (full(fd)) {
		errno = ENOSPC;
		return -1;
	}
	return real(fd, buf, len);
}
