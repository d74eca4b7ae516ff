/*
 * systemd's readiness protocol (lib/sdnotify.c): Type=notify units learn
 * that the daemon is ready, reloading or stopping from datagrams on
 * $NOTIFY_SOCKET (sd_notify(3), the documented protocol; no libsystemd).
 */
#ifndef BGPWATCH_SDNOTIFY_H
#define BGPWATCH_SDNOTIFY_H

/*
 * Sends state (e.g. "READY=1\nSTATUS=...") to $NOTIFY_SOCKET.  Returns 1
 * if sent, 0 if there is no socket (not under systemd), -1 on error.
 */
int	sdnotify(const char *state);
/* The same, printf-style. */
int	sdnotifyf(const char *fmt, ...)
	    __attribute__((__format__(__printf__, 1, 2)));
/*
 * READY=1 / STOPPING=1, and RELOADING=1 with MONOTONIC_USEC (what
 * Type=notify-reload wants; plain Type=notify accepts it too).
 */
int	sdnotify_ready(const char *status);
int	sdnotify_reloading(void);
int	sdnotify_stopping(void);

#endif /* BGPWATCH_SDNOTIFY_H */
