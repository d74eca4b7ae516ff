/*
 * The RIS Live stream (bgpd/rislive/, docs/rislive.md): a WebSocket
 * endpoint at ws[s]://ADDR:PORT/v1/ws/ that speaks RIPE RIS Live's
 * protocol, so that tools written for RIS Live (BGPalerter, ARTEMIS,
 * scripts) watch this collector's peers unchanged.  It observes the
 * message tap (msgtap.h) and serves the status page at GET /.  Region
 * events reach it from the core (rislive_publish_event()), which knows
 * the event layer; this layer does not.
 */
#ifndef BGPWATCH_RISLIVE_H
#define BGPWATCH_RISLIVE_H

#include <stddef.h>
#include <stdint.h>

#include <event2/buffer.h>

#include "config.h"
#include "loop.h"
#include "msgtap.h"

struct rislive;

/* One region event as JSON (docs/events.md), for bgpwatch_subscribe. */
struct rislive_event {
	uint64_t	 seq;
	const char	*type;		/* "region_down", ... */
	const char	*region;	/* NULL: the event names none */
	const char	*json;		/* one object, no newline */
	size_t		 len;
};

typedef void (*rislive_emit_fn)(void *ctx, const struct rislive_event *);

/* What the core lends: the event log, for bgpwatch_subscribe "from". */
struct rislive_hooks {
	/*
	 * Calls emit for each logged event with seq >= from, at most max of
	 * them, in order.  Returns the number emitted, or -1 (no log).
	 */
	long	(*replay)(void *arg, uint64_t from, size_t max,
		    rislive_emit_fn emit, void *ctx);
	/* The seq the next live event will get (0: unknown). */
	uint64_t (*next_seq)(void *arg);
	void	*arg;
};

/* Drop and refusal reasons, counted (metrics: drops by reason). */
enum rislive_drop {
	RL_DROP_SLOW = 0,	/* send queue over queue-limit */
	RL_DROP_IDLE,		/* nothing received for idle-timeout */
	RL_DROP_PROTOCOL,	/* bad HTTP or WebSocket framing */
	RL_DROP_TOO_BIG,	/* message over max-message */
	RL_DROP_FULL,		/* max-clients reached */
	RL_DROP_DENIED,		/* address not allowed */
	RL_DROP_FLOOD,		/* kept subscribing past the rate limit */
	RL_DROP_TLS,		/* TLS handshake or certificate failed */
	RL_DROP_MAX
};

struct rislive_stats {
	uint64_t	clients;	/* WebSocket clients now */
	uint64_t	connections;	/* connections accepted, ever */
	uint64_t	messages;	/* messages sent to clients */
	uint64_t	bytes;		/* bytes of them */
	uint64_t	errors;		/* ris_error replies */
	uint64_t	subscriptions;	/* active subscriptions now */
	uint64_t	queued;		/* bytes queued to clients now */
	uint64_t	pages;		/* status pages served */
	uint64_t	lost;		/* messages not streamed: the worker's
					 * inbox was full */
	uint64_t	deflate;	/* clients with permessage-deflate */
	uint64_t	drops[RL_DROP_MAX];
};

/*
 * Opens the listener of conf->websocket and adds the tap observer.
 * Returns NULL with err set.
 */
struct rislive	*rislive_open(struct loop *, struct msgtap *,
		    const struct config *, const struct rislive_hooks *,
		    char *err, size_t errlen);
/*
 * Takes a changed configuration: limits and the collector id apply at
 * once; a new address, port or certificate reopens the listener (the
 * clients are kept).  Returns 0, or -1 with err set and nothing changed.
 */
int		 rislive_reconfigure(struct rislive *, const struct config *,
		    char *err, size_t errlen);
/* Closes every client and the listener, removes the observer. */
void		 rislive_close(struct rislive *);
/* Hands a region event to the bgpwatch_subscribe clients. */
void		 rislive_publish_event(struct rislive *,
		    const struct rislive_event *);
void		 rislive_stats(const struct rislive *, struct rislive_stats *);
/* "slow", "idle", ... */
const char	*rislive_drop_name(enum rislive_drop);
/* The status page (HTML, JS inline): its bytes and length. */
const char	*rislive_page(size_t *len);
/*
 * Appends the page with the WebSocket URL it connects to (""; the page
 * then uses its own host and /v1/ws/).  Returns 0, or -1.
 */
int		 rislive_page_write(struct evbuffer *, const char *ws_url);
/* The URL of the stream for a page served elsewhere (the metrics
 * listener): "ws://ADDR:PORT/v1/ws/", or "" with an unspecified ADDR. */
void		 rislive_url(const struct config_websocket *, char *out,
		    size_t len);

#endif /* BGPWATCH_RISLIVE_H */
