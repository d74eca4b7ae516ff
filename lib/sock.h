/*
 * Sockets shared by every listener and connection of the daemon
 * (lib/sock.c): address conversion between struct bw_addr and the
 * kernel's sockaddrs, listening unix and TCP sockets, and the pause of a
 * listener whose accept() ran out of descriptors.
 */
#ifndef BGPWATCH_SOCK_H
#define BGPWATCH_SOCK_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "bgpwatch.h"

/* Seconds a listener stays disabled after accept() failed. */
#define SOCK_PAUSE_SECS		1

struct sock_pause;

/*
 * Fills ss for a:port; scope is the interface index of an IPv6
 * link-local address (0: none; ignored for IPv4).  Returns the length to
 * pass to bind()/connect(), or 0 if a is of no family (ss zeroed).
 */
socklen_t	 sock_to_sockaddr(const struct bw_addr *a, uint16_t port,
		    uint32_t scope, struct sockaddr_storage *ss);
/*
 * The address (an IPv4-mapped IPv6 address becomes IPv4), port and IPv6
 * scope of sa; port and scope may be NULL.  Returns 0, or -1 if sa is
 * neither IPv4 nor IPv6 (then a is zeroed, *port and *scope 0).
 */
int		 sock_from_sockaddr(const struct sockaddr *sa,
		    struct bw_addr *a, uint16_t *port, uint32_t *scope);

/*
 * A listening unix stream socket at path (non-blocking, close-on-exec),
 * of the given mode; it never exists with looser permissions.  A stale
 * socket at path (nobody accepts on it) is removed first; a live one, or
 * another kind of file, is left alone.  Returns the descriptor, or -1
 * with err set to "WHAT PATH: reason" (what: e.g. "control socket") and
 * errno that of the call that failed (ENOENT: no such directory).
 */
int		 sock_listen_unix(const char *path, mode_t mode, int backlog,
		    const char *what, char *err, size_t errlen);

/* Called on a new TCP socket before bind() (TCP MD5 keys); 0 or -1. */
typedef int	(*sock_prep_fn)(int fd, void *arg);
/*
 * A listening TCP socket on a:port (SO_REUSEADDR; IPV6_V6ONLY for
 * IPv6; non-blocking, close-on-exec); prep, if not NULL, runs between
 * socket() and bind().  Returns the descriptor, or -1 with err set to
 * "listen on ADDR port N: reason".
 */
int		 sock_listen_tcp(const struct bw_addr *a, uint16_t port,
		    uint32_t scope, int backlog, sock_prep_fn prep, void *arg,
		    char *err, size_t errlen);

/*
 * Makes lev pause instead of spinning when accept() fails (EMFILE,
 * ENFILE...): it is disabled, a warning naming what is logged once, and
 * it is enabled again SOCK_PAUSE_SECS later.  This replaces lev's error
 * callback; it works for listeners whose callback argument is not ours
 * (evhttp's: evhttp_bound_socket_get_listener()).  Free the pause before
 * the listener.  Returns NULL when out of memory (lev then unchanged).
 */
struct sock_pause *sock_pause_attach(struct event_base *,
		    struct evconnlistener *lev, const char *what);
/* Detaches and frees; NULL is fine.  The listener is left as it is. */
void		 sock_pause_free(struct sock_pause *);
/* 1 while the listener is paused (for tests and status). */
int		 sock_pause_active(const struct sock_pause *);

#endif /* BGPWATCH_SOCK_H */
