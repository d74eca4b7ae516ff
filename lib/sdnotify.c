/*
 * sd_notify(3) without libsystemd: one datagram to the AF_UNIX socket
 * named by $NOTIFY_SOCKET (a path, or "@name" for the abstract
 * namespace), as systemd documents in sd_notify(3) "Notes".  Nothing
 * happens when the variable is unset, so the daemon behaves the same
 * outside systemd.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sdnotify.h"

int
sdnotify(const char *state)
{
	struct sockaddr_un	 sun;
	const char		*path = getenv("NOTIFY_SOCKET");
	size_t			 len;
	socklen_t		 slen;
	ssize_t			 n;
	int			 fd, rv = -1;

	if (path == NULL || path[0] == '\0')
		return 0;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(sun.sun_path))
		return -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, len);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	slen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	do
		n = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
		    (struct sockaddr *)&sun, slen);
	while (n == -1 && errno == EINTR);
	if (n == (ssize_t)strlen(state))
		rv = 1;
	close(fd);
	return rv;
}

int
sdnotifyf(const char *fmt, ...)
{
	char	buf[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return sdnotify(buf);
}

int
sdnotify_ready(const char *status)
{
	return sdnotifyf("READY=1\nSTATUS=%s", status);
}

int
sdnotify_reloading(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return sdnotifyf("RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000);
}

int
sdnotify_stopping(void)
{
	return sdnotify("STOPPING=1");
}
