/*
 * The transport of BGP sessions: listening sockets, outgoing connects,
 * TCP MD5 and GTSM, and the bufferevents that carry whole messages.  It
 * knows no FSM and no peer registry: it calls up only through the hooks
 * it was handed (as BIRD's socket layer calls rx/err hooks), and a
 * connection's owner is an opaque pointer to it.
 */
#ifndef BGPWATCH_SESSION_H
#define BGPWATCH_SESSION_H

#include <sys/queue.h>
#include <sys/socket.h>

#include <stdint.h>

#include <event2/event.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "bgpwatch.h"
#include "bgp.h"
#include "config.h"

/* The RFC 4271 states; a connection carries the state of its own OPEN
 * exchange, the FSM the peer's. */
enum fsm_state {
	FSM_IDLE = 0,
	FSM_CONNECT,
	FSM_ACTIVE,
	FSM_OPENSENT,
	FSM_OPENCONFIRM,
	FSM_ESTABLISHED,
	FSM_NSTATES
};

/* Per-connection input cap: at most this much unparsed data is buffered. */
#define SESSION_RBUF_MAX	(2 * BGP_MAX_EXT_LEN)
/* Output cap: a peer that does not read is dropped past this. */
#define SESSION_WBUF_MAX	(1024 * 1024)
/*
 * Reading is bounded in time, not in messages: a message's cost grows
 * with the routes in it and with the regions watched.  Connections with
 * whole messages waiting are served in turn (ctx->ready), each for at
 * most SESSION_VISIT_MAX seconds at a time, all together until the loop's
 * turn has run LOOP_TURN_MAX; the clock is read every SESSION_CLOCK_EVERY
 * units of work (a message is 1, plus 1 per 256 bytes of it).
 */
#define SESSION_VISIT_MAX	0.002
#define SESSION_CLOCK_EVERY	4

struct peer;
struct session_ctx;

/* One TCP connection of a peer (a peer has two during a collision). */
struct conn {
	TAILQ_ENTRY(conn)	 lentry;	/* ctx->lingering */
	TAILQ_ENTRY(conn)	 rentry;	/* ctx->ready */
	struct session_ctx	*ctx;
	struct peer		*peer;		/* owner; NULL once closing */
	struct bufferevent	*bev;
	int			 fd;
	uint8_t			 outgoing;	/* we connected */
	uint8_t			 connected;	/* TCP is up */
	uint8_t			 ready;		/* on ctx->ready */
	struct event		*ev_linger;	/* closing: flush deadline */
	struct bw_addr		 local_addr;
	uint16_t		 local_port;
	uint16_t		 remote_port;
	size_t			 maxlen;	/* 4096, or 65535 (RFC 8654) */
	/* Reads of its input so far (each in one loop turn), from 1. */
	uint32_t		 reads;
	/* The FSM's, per connection (session.c does not touch them). */
	uint8_t			 open_received;
	uint8_t			 eor_pending;	/* End-of-RIB not yet sent */
	enum fsm_state		 state;		/* OpenSent .. Established */
	uint16_t		 holdtime;	/* negotiated on this conn */
	uint32_t		 remote_id;	/* from its OPEN */
	uint32_t		 remote_as;
	struct bgp_caps		 caps;		/* its OPEN's (unknown[] cleared) */
	struct event		*ev_hold;
	struct event		*ev_keepalive;
	uint32_t		 hold_read;	/* read of its last re-arm */
};
TAILQ_HEAD(conns, conn);

/* The calls up, handed in by the owner of the connections (the FSM). */
struct session_hooks {
	/* TCP set-up completed (either direction). */
	void	(*connected)(struct conn *);
	/* A whole framed message.  Returns 0, or -1 if c was closed. */
	int	(*message)(struct conn *, uint8_t type, const uint8_t *msg,
		    size_t len);
	/* A framing error: the owner sends its NOTIFICATION and closes. */
	void	(*error)(struct conn *, const struct bgp_err *);
	/* TCP closed or failed (err: errno, 0 for EOF). */
	void	(*closed)(struct conn *, int err);
};

/*
 * A connection from addr arrived on a listener: returns its owner and
 * the neighbor's configuration, or NULL to refuse it (logged there).
 */
typedef struct peer *(*session_accept_fn)(void *arg, const struct bw_addr *,
	    const struct config_neighbor **nb);

struct listener {
	TAILQ_ENTRY(listener)	 entry;
	struct evconnlistener	*lev;
	int			 fd;
	struct config_listen	 conf;
};
TAILQ_HEAD(listeners, listener);

struct session_ctx {
	struct event_base		*base;
	const struct session_hooks	*hooks;
	session_accept_fn		 accept;
	void				*arg;		/* for accept */
	struct listeners		 listeners;
	struct conns			 lingering;	/* closing */
	struct conns			 ready;		/* whole messages wait */
	struct event			*ev_ready;	/* serves ready */
	uint8_t				 starved;	/* ready waited a turn */
};

void	session_ctx_init(struct session_ctx *, struct event_base *,
	    const struct session_hooks *, session_accept_fn, void *arg);
/* Opens every `listen on` socket of conf.  Returns 0, or -1 (logged). */
int	session_listen(struct session_ctx *, const struct config *);
void	session_unlisten(struct session_ctx *);
/* Sets or clears a neighbor's MD5 key on every listener. */
void	session_update_md5(struct session_ctx *,
	    const struct config_neighbor *, int set);
/* Starts a non-blocking connect for owner.  Returns the conn, or NULL. */
struct conn *session_connect(struct session_ctx *, struct peer *owner,
	    const struct config_neighbor *);
/* Queues a whole message.  Returns 0, or -1 if over the output cap. */
int	session_send(struct conn *, const uint8_t *, size_t);
/*
 * Detaches and frees a connection; with flush, what is queued (a
 * NOTIFICATION) is written first, for at most two seconds.
 */
void	session_close(struct conn *, int flush);
/* Frees connections still lingering and the context's timer (at exit). */
void	session_linger_flush(struct session_ctx *);

#endif /* BGPWATCH_SESSION_H */
