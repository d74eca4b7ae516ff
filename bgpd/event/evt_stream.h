/*
 * Internals of the stream output (evt_stream.c: subscribers and the
 * output row; evt_stream_listen.c: listening sockets, TLS).  Not for
 * other modules: the fan-out knows the output only by its row.
 */
#ifndef BGPWATCH_EVT_STREAM_H
#define BGPWATCH_EVT_STREAM_H

#include <sys/queue.h>
#include <sys/socket.h>

#include <stdint.h>
#include <time.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/ssl.h>

#include "config.h"
#include "evt_fanout.h"

#define EVT_MAX_SUBSCRIBERS	64	/* connected at once, all listeners */
#define EVT_REQUEST_TIMEOUT	2	/* seconds to send {"from": SEQ} */
#define EVT_REQUEST_MAX		1024	/* bytes a subscriber may send before */
#define EVT_HANDSHAKE_TIMEOUT	10	/* seconds, TLS */

struct evt_stream;

struct evt_stream_listener {
	TAILQ_ENTRY(evt_stream_listener) entry;
	struct evt_stream	*stream;
	struct config_subscriber conf;	/* strings owned */
	struct evconnlistener	*lev;
	struct sock_pause	*pause;		/* after EMFILE */
	SSL_CTX			*ctx;		/* tls */
	char			 name[80];
};
TAILQ_HEAD(evt_stream_listeners, evt_stream_listener);

struct evt_stream_sub;
TAILQ_HEAD(evt_stream_subs, evt_stream_sub);

struct evt_stream {
	struct evt_fanout	*fo;		/* seq, and the log to replay */
	struct event_base	*base;		/* NULL: no listeners */
	uint64_t		 queue_limit;
	struct evt_stream_listeners listeners;
	struct evt_stream_subs	 subs;
	size_t			 nsubs;
	uint64_t		 nconn;		/* names subscribers */
	time_t			 full_logged;
	uint64_t		 published, dropped;
	uint64_t		 disc[EVT_DISC_NREASONS]; /* by reason */
};

/* evt_stream.c: a connection accepted by l becomes a subscriber. */
void	evt_stream_accept(struct evt_stream_listener *l, evutil_socket_t fd,
	    const struct sockaddr *sa);

/* evt_stream_listen.c */
/*
 * Makes the listeners those of conf: keeps those serving the same socket
 * (with new mode or TLS files), opens new ones, closes the others.
 * Returns 0, or -1 with err set and the listeners as they were.
 */
int	evt_stream_listen_apply(struct evt_stream *,
	    const struct config_events *, char *err, size_t errlen);
/* Closes every listener (unix socket files are removed). */
void	evt_stream_listen_close(struct evt_stream *);
/* The bufferevent of a new connection, TLS when l says so; NULL. */
struct bufferevent *evt_stream_bev(struct evt_stream_listener *l,
	    evutil_socket_t fd);
/* A subscriber's name for log lines. */
void	evt_stream_conn_name(struct evt_stream_listener *l,
	    const struct sockaddr *sa, char *out, size_t len);

#endif /* BGPWATCH_EVT_STREAM_H */
