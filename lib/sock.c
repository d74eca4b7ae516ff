/*
 * Sockets, written once for every module that listens or connects:
 * control socket, metrics, event subscribers, BGP sessions.
 *
 * Addresses travel through the daemon as struct bw_addr (family and raw
 * bytes) and meet the kernel only here, in sock_to_sockaddr() and
 * sock_from_sockaddr().  An IPv4 peer reaching a dual-stack socket shows
 * up as an IPv4-mapped IPv6 address and is turned back into IPv4, so a
 * peer has one address whichever socket it came through.
 *
 * A unix listening socket replaces a stale socket left by a daemon that
 * died (a connect() to it fails) but never a live one nor another kind of
 * file, and is created under a umask so that it never exists with looser
 * permissions than asked for.
 *
 * A listener whose accept() fails for want of descriptors would be
 * called again at once, for ever (libevent 2.1 retries): a sock_pause
 * disables it for a second instead.  libevent hands the error callback
 * the listener's own argument, which for evhttp's listeners is evhttp's,
 * so the pauses are found by listener in a short list (one per listening
 * socket, a handful).
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sock.h"

struct sock_pause {
	TAILQ_ENTRY(sock_pause)	 entry;
	struct evconnlistener	*lev;
	struct event		*ev_resume;
	int			 paused;
	char			 what[64];
};
TAILQ_HEAD(sock_pauses, sock_pause);

static struct sock_pauses	sock_pauses =
    TAILQ_HEAD_INITIALIZER(sock_pauses);

socklen_t
sock_to_sockaddr(const struct bw_addr *a, uint16_t port, uint32_t scope,
    struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	switch (a->aid) {
	case AID_INET:
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, a->b, 4);
		return sizeof(*sin);
	case AID_INET6:
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sin6->sin6_scope_id = scope;
		memcpy(&sin6->sin6_addr, a->b, 16);
		return sizeof(*sin6);
	default:
		return 0;
	}
}

int
sock_from_sockaddr(const struct sockaddr *sa, struct bw_addr *a,
    uint16_t *port, uint32_t *scope)
{
	static const uint8_t		 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
					    0, 0, 0xff, 0xff };
	const struct sockaddr_in	*sin = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6	*sin6 = (const struct sockaddr_in6 *)sa;
	const uint8_t			*b;
	uint16_t			 pt = 0;
	uint32_t			 sc = 0;
	int				 rv = 0;

	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET) {
		addr_set(a, AID_INET, (const uint8_t *)&sin->sin_addr);
		pt = ntohs(sin->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		b = (const uint8_t *)&sin6->sin6_addr;
		if (memcmp(b, mapped, sizeof(mapped)) == 0)
			addr_set(a, AID_INET, b + 12);
		else {
			addr_set(a, AID_INET6, b);
			sc = sin6->sin6_scope_id;
		}
		pt = ntohs(sin6->sin6_port);
	} else
		rv = -1;
	if (port != NULL)
		*port = pt;
	if (scope != NULL)
		*scope = sc;
	return rv;
}

/* err = "what path: reason (strerror)", errno kept. */
static void
sock_err(char *err, size_t errlen, const char *what, const char *path,
    const char *reason, int with_errno)
{
	int	saved = errno;

	if (with_errno)
		snprintf(err, errlen, "%s %s: %s%s%s", what, path, reason,
		    *reason != '\0' ? ": " : "", strerror(saved));
	else
		snprintf(err, errlen, "%s %s: %s", what, path, reason);
	errno = saved;
}

/*
 * Clears the way for a socket at sun: nothing there, or a socket nobody
 * accepts on any more (removed).  Returns 0, or -1 with err set.
 */
static int
sock_unlink_stale(const struct sockaddr_un *sun, const char *what,
    char *err, size_t errlen)
{
	const char	*path = sun->sun_path;
	struct stat	 st;
	int		 fd, live;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		sock_err(err, errlen, what, path, "", 1);
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		errno = EEXIST;
		sock_err(err, errlen, what, path, "exists and is not a socket",
		    0);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		sock_err(err, errlen, what, path, "socket", 1);
		return -1;
	}
	live = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	if (live) {
		errno = EADDRINUSE;
		sock_err(err, errlen, what, path, "in use by another process",
		    0);
		return -1;
	}
	if (unlink(path) == -1 && errno != ENOENT) {
		sock_err(err, errlen, what, path, "removing the stale one", 1);
		return -1;
	}
	return 0;
}

/* Binds under a umask: the socket never has more than mode allows. */
static int
sock_bind_unix(int fd, const struct sockaddr_un *sun, mode_t mode,
    const char *what, char *err, size_t errlen)
{
	mode_t	old;
	int	rv;

	old = umask((mode_t)~mode & 0777);
	rv = bind(fd, (const struct sockaddr *)sun, sizeof(*sun));
	umask(old);
	if (rv == -1) {
		if (errno == ENOENT)
			sock_err(err, errlen, what, sun->sun_path,
			    "its directory does not exist", 0);
		else
			sock_err(err, errlen, what, sun->sun_path, "bind", 1);
		return -1;
	}
	return 0;
}

int
sock_listen_unix(const char *path, mode_t mode, int backlog,
    const char *what, char *err, size_t errlen)
{
	struct sockaddr_un	sun;
	int			fd, saved;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		sock_err(err, errlen, what, path, "path too long", 0);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path));
	if (sock_unlink_stale(&sun, what, err, errlen) == -1)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		sock_err(err, errlen, what, path, "socket", 1);
		return -1;
	}
	if (sock_bind_unix(fd, &sun, mode, what, err, errlen) == -1)
		goto fail;
	/* The umask may have been tighter than mode. */
	if (chmod(path, mode) == -1) {
		sock_err(err, errlen, what, path, "chmod", 1);
		goto fail_unlink;
	}
	if (listen(fd, backlog) == -1) {
		sock_err(err, errlen, what, path, "listen", 1);
		goto fail_unlink;
	}
	return fd;
fail_unlink:
	saved = errno;
	unlink(path);
	errno = saved;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/* SO_REUSEADDR, and IPv6 sockets for IPv6 only (no mapped IPv4). */
static int
sock_tcp_opts(int fd, int family)
{
	int	on = 1;

	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		return -1;
	if (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
	    &on, sizeof(on)) == -1)
		return -1;
	return 0;
}

int
sock_listen_tcp(const struct bw_addr *a, uint16_t port, uint32_t scope,
    int backlog, sock_prep_fn prep, void *arg, char *err, size_t errlen)
{
	struct sockaddr_storage	ss;
	socklen_t		len;
	char			name[BW_ADDR_STRLEN + 16], buf[BW_ADDR_STRLEN];
	int			fd = -1, saved;

	snprintf(name, sizeof(name), "%s port %u", a->aid == AID_UNSPEC ?
	    "?" : addr_fmt(a, buf, sizeof(buf)), port);
	if ((len = sock_to_sockaddr(a, port, scope, &ss)) == 0) {
		errno = EAFNOSUPPORT;
		sock_err(err, errlen, "listen on", name, "no address", 0);
		return -1;
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1 || sock_tcp_opts(fd, ss.ss_family) == -1 ||
	    (prep != NULL && prep(fd, arg) == -1) ||
	    bind(fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(fd, backlog) == -1) {
		sock_err(err, errlen, "listen on", name, "", 1);
		saved = errno;
		if (fd != -1)
			close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* Pauses */

static void
sock_resume_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct sock_pause	*sp = arg;

	(void)fd;
	(void)ev;
	sp->paused = 0;
	evconnlistener_enable(sp->lev);
	log_debug("%s: accepting again", sp->what);
}

/* arg is the listener's own (maybe evhttp's): find ours by listener. */
static void
sock_accept_error_cb(struct evconnlistener *lev, void *arg)
{
	struct timeval		 tv = { SOCK_PAUSE_SECS, 0 };
	struct sock_pause	*sp;

	(void)arg;
	TAILQ_FOREACH(sp, &sock_pauses, entry)
		if (sp->lev == lev)
			break;
	if (sp == NULL || sp->paused)
		return;
	log_warn("%s: accept (pausing %d s)", sp->what, SOCK_PAUSE_SECS);
	sp->paused = 1;
	evconnlistener_disable(lev);
	if (evtimer_add(sp->ev_resume, &tv) == -1)
		sock_resume_cb(-1, 0, sp);
}

struct sock_pause *
sock_pause_attach(struct event_base *base, struct evconnlistener *lev,
    const char *what)
{
	struct sock_pause	*sp;

	if ((sp = calloc(1, sizeof(*sp))) == NULL)
		return NULL;
	if ((sp->ev_resume = evtimer_new(base, sock_resume_cb, sp)) == NULL) {
		free(sp);
		return NULL;
	}
	sp->lev = lev;
	snprintf(sp->what, sizeof(sp->what), "%s", what);
	TAILQ_INSERT_TAIL(&sock_pauses, sp, entry);
	evconnlistener_set_error_cb(lev, sock_accept_error_cb);
	return sp;
}

void
sock_pause_free(struct sock_pause *sp)
{
	if (sp == NULL)
		return;
	evconnlistener_set_error_cb(sp->lev, NULL);
	TAILQ_REMOVE(&sock_pauses, sp, entry);
	event_free(sp->ev_resume);
	free(sp);
}

int
sock_pause_active(const struct sock_pause *sp)
{
	return sp->paused;
}
