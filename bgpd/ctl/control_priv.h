/*
 * Shared by the two halves of the control socket: control.c (the socket,
 * the clients and their I/O, request parsing, the dispatch table,
 * streaming) and control_cmd.c (the commands: their arguments, then the
 * views they gather and render).  Not for other modules.
 */
#ifndef BGPWATCH_CONTROL_PRIV_H
#define BGPWATCH_CONTROL_PRIV_H

#include <sys/queue.h>

#include <stddef.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>

#define CONTROL_LOWAT		(128 * 1024)	/* write the next slices */

struct sock_pause;
struct view_rib;

struct control_client {
	TAILQ_ENTRY(control_client) entry;
	struct control		*ctl;
	struct bufferevent	*bev;
	struct view_rib		*dump;		/* listing in progress */
	struct event		*ev_more;	/* continue it next turn */
	int			 answered;	/* request seen */
	int			 closing;	/* all queued: then close */
	int			 json;		/* the request asked for JSON */
};
TAILQ_HEAD(control_clients, control_client);

struct control {
	struct bgpd		*bgpd;
	struct evconnlistener	*lev;
	struct sock_pause	*pause;		/* accept again after EMFILE */
	char			*path;
	struct control_clients	 clients;
	size_t			 nclients;
};

/*
 * A command: argv are the words after its name.  Returns 0 once it has
 * answered (control_ok() and output, then control_finish() or
 * control_stream()), or -1 with err set (control.c answers ERR err).
 */
typedef int (*control_fn)(struct control_client *, int json, char **argv,
    int argc, char *err, size_t errlen);

/* control.c */
struct evbuffer	*control_out(struct control_client *);
/* Writes "OK\n".  Returns 0, or -1. */
int		 control_ok(struct control_client *);
/* Writes "ERR msg\n" (made one line) and finishes. */
void		 control_fail(struct control_client *, const char *msg);
/* All is queued: the client goes once its output is sent. */
void		 control_finish(struct control_client *);
/* Streams the listing (owned from now on), then finishes. */
void		 control_stream(struct control_client *, struct view_rib *);

/* control_cmd.c */
int	control_show_neighbors(struct control_client *, int, char **, int,
	    char *, size_t);
int	control_show_neighbor(struct control_client *, int, char **, int,
	    char *, size_t);
int	control_show_bmp(struct control_client *, int, char **, int, char *,
	    size_t);
int	control_show_rib(struct control_client *, int, char **, int, char *,
	    size_t);
int	control_show_memory(struct control_client *, int, char **, int,
	    char *, size_t);
int	control_show_status(struct control_client *, int, char **, int,
	    char *, size_t);
int	control_show_regions(struct control_client *, int, char **, int,
	    char *, size_t);
int	control_show_region(struct control_client *, int, char **, int,
	    char *, size_t);
int	control_reload(struct control_client *, int, char **, int, char *,
	    size_t);
/* control_neighbor.c: neighbor ADDR down|up|clear */
int	control_neighbor_cmd(struct control_client *, int, char **, int,
	    char *, size_t);
int	control_dump_table(struct control_client *, int, char **, int,
	    char *, size_t);

#endif /* BGPWATCH_CONTROL_PRIV_H */
