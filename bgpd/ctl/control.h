/*
 * The control socket of bgpwatchd (bgpwatchctl's end is
 * bgpctl/bgpwatchctl.c; the protocol is in docs/control.md): a unix stream
 * socket, one request line per connection, "OK\n" and the output or
 * "ERR message\n", then the daemon closes.
 */
#ifndef BGPWATCH_CONTROL_H
#define BGPWATCH_CONTROL_H

#include <stddef.h>

struct bgpd;
struct control;

#define CONTROL_LINE_MAX	1024	/* request bytes, newline excluded */
#define CONTROL_MAX_CLIENTS	32
#define CONTROL_READ_TIMEOUT	10	/* seconds to send the request */
#define CONTROL_WRITE_TIMEOUT	300	/* seconds without reading output */
#define CONTROL_SOCK_MODE	0660

/*
 * Listens on the unix socket path (a stale socket there is replaced; a
 * live one or another kind of file is left alone) on bgpd->base.
 * Returns the control, or NULL (logged).
 */
struct control	*control_new(struct bgpd *, const char *path);
/* Closes the listener and every client, unlinks the socket; NULL ok. */
void		 control_free(struct control *);
/* Clients connected right now. */
size_t		 control_nclients(const struct control *);

#endif /* BGPWATCH_CONTROL_H */
