/*
 * Inside the RIS Live stream: clients, subscriptions, and the view of
 * one tap message that filters and encoders share.
 */
#ifndef BGPWATCH_RISLIVE_PRIV_H
#define BGPWATCH_RISLIVE_PRIV_H

#include <sys/queue.h>

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <openssl/ssl.h>
#include <wslay/wslay.h>
#include <zlib.h>

#include "rislive.h"
#include "update.h"

/* jansson's, named so that lib/json.h (whose json_null clashes) and
 * jansson need not meet in one file. */
struct json_t;

struct rl_blk;

/* Kinds of shared frames, each with its arena (rislive_out.c). */
#define RL_FK_RAW	1	/* with "raw" */
#define RL_FK_DEFLATE	2	/* permessage-deflate (RSV1) */
#define RL_FK_MAX	4
#define RL_FRAME_HEAD_MAX 10	/* bytes of an unmasked frame header */

/* One framed message in an arena block. */
struct rl_frame {
	struct rl_blk	*blk;
	size_t		 off, len;	/* header and payload */
};

/* Message types, as bits of a subscription's type filter. */
enum rl_type {
	RL_T_UPDATE = 0,
	RL_T_OPEN,
	RL_T_NOTIFICATION,
	RL_T_KEEPALIVE,
	RL_T_PEER_STATE,
	RL_T_MAX
};

/* enum fsm_state values (session.h, a layer we do not see). */
#define RL_OPENSENT	3
#define RL_ESTABLISHED	5

#define RL_REQ_ANN	1	/* require "announcements" */
#define RL_REQ_WD	2	/* require "withdrawals" */

#define RL_MAX_PATH	64	/* ASNs in a path pattern */
#define RL_MAX_PREFIXES	256	/* prefixes in one subscription */
#define RL_MAX_REGIONS	64	/* regions in one bgpwatch_subscribe */
#define RL_HTTP_MAX	8192	/* bytes of an HTTP request head */
#define RL_HTTP_TIMEOUT	10	/* seconds to send the request head */
#define RL_WRITE_TIMEOUT 60	/* seconds a write may stall */
#define RL_LINGER	5	/* seconds to wait for a closing client */
#define RL_REPLAY_MAX	100000	/* events replayed per subscribe */
#define RL_INBOX_MAX	(32 * 1024 * 1024) /* bytes waiting for the worker */
#define RL_ROUTER_MAX	64	/* bytes of a BMP router's name kept */

/* One ris_subscribe: every filter given must match. */
struct rl_sub {
	char		*host;		/* NULL: any */
	uint8_t		 types;		/* bits of enum rl_type, 0: all */
	uint8_t		 require;	/* RL_REQ_* */
	uint8_t		 has_peer;
	uint8_t		 more;		/* moreSpecific (default 1) */
	uint8_t		 less;		/* lessSpecific (default 0) */
	uint8_t		 anchor_start;	/* path "^..." */
	uint8_t		 anchor_end;	/* path "...$" */
	uint8_t		 raw;		/* socketOptions.includeRaw */
	struct bw_addr	 peer;
	uint32_t	*path;		/* pattern ASNs */
	size_t		 npath;
	struct bw_prefix *pfx;
	size_t		 npfx;
	char		*key;		/* canonical JSON of the request */
};

/* One bgpwatch_subscribe. */
struct rl_evsub {
	char		**regions;	/* none: all */
	size_t		  nregions;
	char		**types;	/* none: all */
	size_t		  ntypes;
};

enum rl_cstate {
	RL_C_HTTP = 0,		/* reading the request head */
	RL_C_WS,		/* a WebSocket */
	RL_C_CLOSING		/* flushing the last bytes, then freed */
};

struct rl_client {
	TAILQ_ENTRY(rl_client)	 entry;
	struct rislive		*rl;
	struct bufferevent	*bev;
	wslay_event_context_ptr	 ws;
	enum rl_cstate		 state;
	char			 name[80];	/* "ws 127.0.0.1 port 4242" */
	struct rl_sub		*subs;
	size_t			 nsubs;
	struct rl_evsub		*evsubs;
	size_t			 nevsubs;
	uint64_t		 ev_after;	/* live events with seq <= it
						 * were replayed already */
	uint8_t			 raw;		/* any sub includes raw */
	double			 tokens;	/* subscribe rate bucket */
	double			 tokens_at;
	uint32_t		 strikes;	/* subscribes refused */
	int			 kill;		/* enum rislive_drop + 1 */
	time_t			 accepted;	/* monotonic */
	int			 lingering;	/* half-closed, awaiting EOF */
	uint8_t			 deflate;	/* permessage-deflate agreed */
	z_stream		*inflate;	/* its client's messages, lazily */
	struct rl_blk		*run_blk;	/* shared frames not yet in bev's
						 * output (rislive_out.c) */
	size_t			 run_off, run_len;
	char			 kill_why[96];
};
TAILQ_HEAD(rl_clients, rl_client);

/*
 * What the loop thread hands the worker (rislive_inbox.c): items, each
 * a struct rl_item head then its bytes, written in place into blocks
 * that the worker takes in order.  A message names no peer: it is the
 * peer of the last RL_I_PEER item before it (the loop thread writes one
 * when the peer changes), so the item of an UPDATE is 24 bytes and the
 * message, where it was 176 and the message.
 */
enum rl_item_kind {
	RL_I_MSG = 0,		/* a tap message: struct rl_item_msg, bytes */
	RL_I_STATE,		/* a state change: struct rl_item_state */
	RL_I_PEER,		/* the peer of what follows: rl_item_peer */
	RL_I_EVENT,		/* a region event: rl_item_event, strings */
	RL_I_CALL		/* run fn on the worker, then signal */
};

#define RL_ALIGN(n)	(((n) + 7) & ~(size_t)7)
#define RL_IBLK_SIZE	(64 * 1024)	/* bytes of an inbox block */

struct rl_item {
	uint32_t	size;		/* whole item, a multiple of 8 */
	uint8_t		kind;
};

struct rl_item_peer {
	struct rl_item	 h;
	struct tap_peer	 tp;		/* kind and router point nowhere */
	uint8_t		 bmp;
	char		 router[RL_ROUTER_MAX];
};

struct rl_item_msg {
	struct rl_item	 h;
	double		 ts;
	uint32_t	 len;		/* message bytes that follow */
	uint8_t		 dir, type, has_upd;
};

struct rl_item_state {
	struct rl_item	 h;
	double		 ts;
	int		 old_state, new_state;
};

struct rl_item_event {
	struct rl_item	 h;
	uint64_t	 seq;
	uint32_t	 tlen, rlen, jlen; /* type, region (UINT32_MAX: none),
					 * json: the strings that follow */
};

struct rislive;
struct rl_view;
typedef void (*rl_call_fn)(struct rislive *, void *);

struct rl_item_call {
	struct rl_item	 h;
	rl_call_fn	 fn;
	void		*arg;
};

struct rl_iblk;

struct rl_inbox {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;		/* a call is done */
	/* Under mu */
	struct rl_iblk	*head, **tailp;	/* published, oldest first */
	size_t		 queued;	/* their bytes not yet taken */
	struct rl_iblk	*free;		/* spent blocks, for reuse */
	size_t		 nfree;
	size_t		 free_low;	/* nfree's least since the trim */
	unsigned int	 ticks;		/* since the last trim */
	size_t		 nblk;		/* blocks of RL_IBLK_SIZE (atomic) */
	uint64_t	 calls, calls_done;
	int		 signalled;	/* the worker is woken or awake */
	/* The loop thread's */
	struct rl_iblk	*fill;		/* being written */
	uint8_t		*wp, *wend;	/* where in it, its end */
	size_t		 seen;		/* queued + fill, as last seen */
	uint64_t	 lost;		/* messages refused: inbox full
					 * (atomic: stats read it) */
	int		 ready;
};

struct rislive {
	/* The loop thread's side */
	struct loop		*loop;
	struct msgtap		*tap;
	struct event		*ev_kick;	/* wakes the worker once per
						 * loop turn */
	int			 kick_pending;
	int			 efd;		/* eventfd: the worker's wake-up */
	struct rl_item_peer	 last_peer;	/* the worker's peer as the
						 * loop thread wrote it */
	int			 last_valid;
	const char		*last_kind;	/* tap_peer's, and whether */
	int			 last_kind_bmp;	/* it is "bmp" */
	/* Shared */
	struct rl_inbox		 in;
	int			 active;	/* clients with a subscription
						 * (atomic): 0 = tap idle */
	pthread_mutex_t		 stmu;
	struct rislive_stats	 snap;		/* stats as of the last turn */
	pthread_t		 thr;
	int			 running;
	int			 nice_base;	/* the loop thread's nice */
	struct rislive_hooks	 hooks;
	/* The worker's: everything below */
	struct event_base	*base;
	struct event		*ev_wake;	/* efd readable */
	struct event		*ev_tick;	/* stats snapshot */
	struct event		*ev_resume;	/* accept again after EMFILE */
	struct tap_peer		 cur_tp;	/* of the last RL_I_PEER */
	char			 cur_router[RL_ROUTER_MAX];
	uint8_t			*scratch_upd;	/* AS path rebuilds */
	uint64_t		 live_next;	/* seq of the next live event */
	struct config_websocket	 conf;		/* our copy */
	char			*host;		/* collector id */
	SSL_CTX			*ssl;
	struct evconnlistener	*lev;
	struct rl_clients	 clients;	/* HTTP and WebSocket */
	size_t			 nclients;	/* WebSocket ones */
	size_t			 nconns;	/* all */
	uint64_t		 msgid;
	struct rislive_stats	 st;
	struct evbuffer		*scratch;	/* one encoded message */
	z_stream		*deflate;	/* shared: no context takeover */
	struct evbuffer		*zbuf;		/* one deflated message */
	struct rl_view		*view;		/* arrays reused */
	struct rl_blk		*arena[RL_FK_MAX]; /* shared frames */
	struct rl_blk		*free_blk;	/* spent blocks, for reuse */
	size_t			 nfree_blk;
};

/* The parts of one tap message that filters look at. */
struct rl_view {
	enum rl_type			 type;
	const struct tap_peer		*tp;
	const struct tap_msg		*m;	/* NULL: a state change */
	double				 ts;
	int				 old_state, new_state;
	char				 peer[BW_ADDR_STRLEN];
	struct bw_prefix		*ann;	/* announced */
	size_t				 nann;
	struct bw_prefix		*wd;	/* withdrawn */
	size_t				 nwd;
	uint32_t			*path;	/* AS_PATH, sets flattened */
	size_t				 npath;
	size_t				 cap_ann, cap_wd, cap_path;
};

/* rislive_sub.c */
/*
 * Parses the data of a ris_subscribe into s.  Returns 0, or -1 with a
 * message for ris_error in err.
 */
int	rl_sub_parse(struct json_t *data, struct rl_sub *s, char *err, size_t len);
void	rl_sub_free(struct rl_sub *);
/* The identity of a subscription: its data without socketOptions, as
 * canonical JSON (ris_unsubscribe names one by it).  NULL: no memory. */
char	*rl_sub_key(struct json_t *data);
/* Returns 1 if the view passes every filter of s. */
int	rl_sub_match(const struct rl_sub *, const struct rl_view *,
	    const char *host);
int	rl_evsub_parse(struct json_t *data, struct rl_evsub *, uint64_t *from,
	    int *has_from, char *err, size_t len);
void	rl_evsub_free(struct rl_evsub *);
int	rl_evsub_match(const struct rl_evsub *, const struct rislive_event *);

/* rislive.c, on the worker */
void	rl_publish(struct rislive *, const struct rl_view *);
void	rl_publish_event(struct rislive *, const struct rislive_event *);
void	rl_flush(struct rislive *);
void	rl_snapshot(struct rislive *);

/* rislive_thread.c */
/* Starts the worker on rl->base.  Returns 0, or -1. */
int	rl_thread_start(struct rislive *);
/* Runs fn(rl, arg) on the worker and waits for it (or here, when the
 * worker is not running). */
void	rl_call(struct rislive *, rl_call_fn, void *);
/* Stops the worker and waits for it to end. */
void	rl_thread_stop(struct rislive *);
/* On the worker: sets its nice from conf.thread_nice. */
void	rl_set_nice(struct rislive *);
void	rl_tap_message(void *, const struct tap_peer *, const struct tap_msg *);
void	rl_tap_state(void *, const struct tap_peer *, double, int, int);
void	rl_wake_cb(int, short, void *);
void	rl_kick_cb(int, short, void *);
/* RIS Live's state string for a session state change, or NULL. */
const char *rl_peer_state(int old_state, int new_state);

/* rislive_inbox.c */
int	rl_inbox_init(struct rl_inbox *);
/* Frees every block (the worker is gone). */
void	rl_inbox_free(struct rl_inbox *);
void	*rl_inbox_reserve_slow(struct rl_inbox *, size_t need, size_t limit);

/*
 * On the loop thread: room for an item of len bytes (rounded up to 8) in
 * the fill block, or NULL when that would put more than limit bytes (0:
 * no limit) in the inbox.  The item is the worker's after the next
 * rl_inbox_publish().
 */
static inline void *
rl_inbox_reserve(struct rl_inbox *in, size_t len, size_t limit)
{
	size_t need = RL_ALIGN(len);
	uint8_t *p = in->wp;

	if (p == NULL || (size_t)(in->wend - p) < need ||
	    (limit > 0 && in->seen + need > limit))
		return rl_inbox_reserve_slow(in, need, limit);
	in->wp = p + need;
	in->seen += need;
	return p;
}
/*
 * On the loop thread: hands the fill block to the worker.  Returns 1 if
 * anything waits for the worker, with *wake set if it has to be woken
 * (it sleeps, and nobody woke it yet); else 0.
 */
int	rl_inbox_publish(struct rl_inbox *, int *wake);
/*
 * On the worker: the oldest items published and not yet read, len bytes
 * of whole items (theirs until the next call); NULL when there is none
 * (the worker then counts as asleep).
 */
const uint8_t *rl_inbox_take(struct rl_inbox *, size_t *len);
/* On the worker: keeps blocks written ahead for the loop thread (while
 * a client is subscribed: the faults of fresh pages are the worker's). */
void	rl_inbox_ahead(struct rl_inbox *);
/* On the worker, each tick: frees blocks idle for a while; all spare
 * ones with all (no client is subscribed). */
void	rl_inbox_trim(struct rl_inbox *, int all);

/* rislive_deflate.c: permessage-deflate (RFC 7692) */
/*
 * Reads a Sec-WebSocket-Extensions offer; returns 1 and writes the
 * response header value when permessage-deflate is agreed, else 0.
 */
int	rl_deflate_negotiate(const char *offer, char *resp, size_t len);
/* Deflates p into rl->zbuf (no context takeover, tail stripped).
 * Returns 0, or -1. */
int	rl_deflate(struct rislive *, const void *p, size_t len);
void	rl_deflate_free(struct rislive *);
/*
 * Inflates a compressed client message into out, at most max bytes.
 * Returns 0, 1 if it would exceed max, or -1 if it is not deflate.
 */
int	rl_inflate(struct rl_client *, const uint8_t *p, size_t len,
	    struct evbuffer *out, size_t max);
void	rl_inflate_free(struct rl_client *);

/* rislive_out.c: frames shared by the clients */
/* Writes the header of an unmasked final text frame of len bytes (RSV1
 * with rsv1) to h (RL_FRAME_HEAD_MAX bytes).  Returns its length. */
size_t	rl_frame_head(uint8_t *h, size_t len, int rsv1);
/* Frames p (a message of kind RL_FK_*) at the end of its arena. */
void	rl_frame_make(struct rislive *, int kind, const void *p, size_t len,
	    struct rl_frame *);
/* Queues f to c: its run grows, or is flushed and a new one begins. */
void	rl_run_add(struct rl_client *, const struct rl_frame *);
/* Moves c's run into its output buffer.  Returns 0, or -1 (memory). */
int	rl_run_flush(struct rl_client *);
/* Forgets c's run (c is being freed). */
void	rl_run_drop(struct rl_client *);
/* Drops the arenas and frees the spent blocks (again after the clients'
 * buffers are gone: those give theirs back). */
void	rl_arena_free(struct rislive *);

/* rislive_msg.c */
/* Fills v from a tap message (prefixes and path of an UPDATE).
 * Returns 0, or -1 when the message is not one RIS Live shows. */
int	rl_view_message(struct rl_view *, const struct tap_peer *,
	    const struct tap_msg *);
void	rl_view_state(struct rl_view *, const struct tap_peer *, double ts,
	    int old_state, int new_state);
void	rl_view_free(struct rl_view *);
/* Appends the ris_message of v to out (no newline).  Returns 0, or -1. */
int	rl_encode(struct evbuffer *out, const struct rl_view *,
	    const char *host, uint64_t id, int raw);

#endif /* BGPWATCH_RISLIVE_PRIV_H */
