/*
 * The daemon's shared state: the one struct bgpd that the event loop's
 * modules hang off, and the peers with their sessions.  The path of a
 * message: session.c (sockets, framing) -> fsm.c (RFC 4271 state machine,
 * timers) -> adjrib.c (UPDATE -> interned attributes -> rib.c).
 */
#ifndef BGPWATCH_BGPD_H
#define BGPWATCH_BGPD_H

#include <sys/queue.h>

#include <stdint.h>
#include <time.h>

#include <event2/event.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "bgpwatch.h"
#include "bgp.h"
#include "config.h"
#include "intern.h"
#include "log.h"
#include "rib.h"

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
/* Messages handled per read callback before yielding to the loop. */
#define SESSION_MSG_BUDGET	512
/* Hold time while waiting for OPEN (RFC 4271 8: "large value", 4 min). */
#define HOLD_OPENSENT		240
#define CONNECT_RETRY_MAX	300	/* backoff cap, seconds */
/* Stale routes of a restarted peer go if no End-of-RIB comes in time. */
#define GR_STALE_TIME		360
/* Routes removed per slice of a peer flush. */
#define FLUSH_BUDGET		20000

struct peer;

/* One TCP connection of a peer (a peer has two during a collision). */
struct conn {
	TAILQ_ENTRY(conn)	 lentry;	/* bgpd->lingering */
	struct bgpd		*bgpd;
	struct peer		*peer;		/* NULL once closing */
	struct bufferevent	*bev;
	int			 fd;
	uint8_t			 outgoing;	/* we connected */
	uint8_t			 connected;	/* TCP is up */
	uint8_t			 open_received;
	uint8_t			 eor_pending;	/* End-of-RIB not yet sent */
	enum fsm_state		 state;		/* OpenSent .. Established */
	size_t			 maxlen;	/* 4096, or 65535 (RFC 8654) */
	uint16_t		 holdtime;	/* negotiated on this conn */
	uint32_t		 remote_id;	/* from its OPEN */
	uint32_t		 remote_as;
	struct bgp_caps		 caps;		/* its OPEN's (unknown[] cleared) */
	struct event		*ev_hold;
	struct event		*ev_keepalive;
	struct event		*ev_more;	/* more input to process */
	struct event		*ev_linger;	/* closing: flush deadline */
	struct bw_addr		 local_addr;
	uint16_t		 local_port;
	uint16_t		 remote_port;
};

TAILQ_HEAD(conns, conn);

struct peer_stats {
	uint64_t	msgs_in[6];		/* by BGP message type */
	uint64_t	msgs_out[6];
	uint64_t	updates_in;
	uint64_t	prefixes_in;		/* announcements received */
	uint64_t	withdraws_in;
	uint64_t	treat_as_withdraw;	/* RFC 7606 actions taken */
	uint64_t	attr_discard;
	uint32_t	established_count;	/* sessions brought up */
	uint32_t	flaps;
};

struct peer {
	TAILQ_ENTRY(peer)	 entry;
	struct bgpd		*bgpd;
	const struct config_neighbor *conf;	/* in bgpd->conf */
	uint16_t		 slot;		/* RIB peer slot */
	enum fsm_state		 state;
	struct conn		*conn;		/* the FSM's connection */
	struct conn		*collision;	/* second one, see fsm.c */
	struct conn		*connecting;	/* outgoing connect under way */
	struct event		*ev_connect;	/* ConnectRetry timer */
	struct event		*ev_idle;	/* restart after max-prefix */
	struct event		*ev_gr;		/* GR restart / stale timer */
	struct event		*ev_flush;	/* sliced RIB flush */
	struct event		*ev_eligible;	/* eligible-after */
	uint8_t			 eligible;	/* told the detector */
	uint32_t		 connect_fails;	/* for backoff */
	uint16_t		 holdtime;	/* negotiated */
	uint16_t		 keepalive;
	uint32_t		 remote_as;	/* from the OPEN */
	uint32_t		 remote_id;
	struct bgp_caps		 remote_caps;	/* unknown[] not kept */
	struct bgp_neg		 neg;		/* of the established session */
	time_t			 uptime;	/* since this state (monotonic) */
	time_t			 last_change;	/* realtime of last state change */
	time_t			 eor_time[AID_MAX]; /* End-of-RIB received */
	uint8_t			 eor[AID_MAX];
	uint8_t			 stale[AID_MAX]; /* has GR stale routes */
	uint8_t			 flushing[AID_MAX];
	uint8_t			 removed;	/* gone from the config */
	uint8_t			 idle_hold;	/* stay idle (max-prefix) */
	struct rib_cursor	 flush_cur[AID_MAX];
	uint8_t			 flush_stale_only[AID_MAX];
	char			 last_error[256];
	struct peer_stats	 stats;
	struct log_ratelimit	 rl;
	struct bgp_dec_ctx	 dec;		/* per-session decoder context */
};
TAILQ_HEAD(peers, peer);

struct listener {
	TAILQ_ENTRY(listener)	 entry;
	struct evconnlistener	*lev;
	int			 fd;
	struct config_listen	 conf;
};
TAILQ_HEAD(listeners, listener);

struct control;
struct metrics;
struct detect;
struct detect_peer;
struct evt_fanout;
struct evt_schema;

struct bgpd {
	struct event_base	*base;
	struct config		*conf;
	const char		*conffile;
	struct peers		 peers;
	struct listeners	 listeners;
	struct conns		 lingering;	/* closing after NOTIFICATION */
	struct intern		*intern;
	struct rib		*rib;
	struct control		*control;
	struct metrics		*metrics;
	struct detect		*detect;	/* NULL: no regions */
	struct evt_fanout	*fanout;	/* event log + outputs */
	struct evt_schema	*schema;	/* detector -> fanout encoder */
	struct event		*ev_detect;	/* detector work due */
	uint8_t			 detect_kicked;
	double			 replay_now;	/* >0: replaying, record time */
	uint8_t			*scratch;	/* BGP_SCRATCH_LEN, decoder */
	uint8_t			 slots[RIB_MAX_PEERS / 8 + 1]; /* in use */
	time_t			 started;
	struct event		*ev_sigterm, *ev_sigint, *ev_sighup;
	struct event		*ev_sigpipe;
	uint8_t			 shutting_down;
	struct event		*ev_lag;	/* loop stall probe */
	struct timespec		 lag_due;
	double			 lag_max;	/* worst stall seen, seconds */
	uint64_t		 lag_over_50ms;	/* stalls longer than 50 ms */
	struct log_ratelimit	 rl_unknown;	/* unconfigured connections */
};

/* fsm.c */
/* Creates a peer for a configured neighbor and starts it unless shut down. */
struct peer	*peer_new(struct bgpd *, const struct config_neighbor *);
/* Sends Cease (subcode) if up, removes its routes and frees the peer. */
void		 peer_delete(struct peer *, uint8_t subcode, const char *why);
struct peer	*peer_find(struct bgpd *, const struct bw_addr *);
/* The peer running this neighbor entry, or NULL. */
struct peer	*peer_find_conf(struct bgpd *, const struct config_neighbor *);
/* Starts an Idle peer (ManualStart / AutomaticStart). */
void		 fsm_start(struct peer *);
/*
 * Brings a peer's session down with a NOTIFICATION (code 0: none) and
 * lets it restart as configured.
 */
void		 fsm_stop(struct peer *, uint8_t code, uint8_t subcode,
		    const uint8_t *data, size_t datalen, const char *why);
/* Administrative shutdown of every peer (SIGTERM), RFC 9003 message. */
void		 fsm_shutdown_all(struct bgpd *, const char *msg);
/* 1 if the peer takes incoming connections now (not idle/shut down). */
int		 fsm_accepting(const struct peer *);
/* A connection completed TCP set-up (either direction). */
void		 fsm_connected(struct peer *, struct conn *);
/* A whole framed message.  Returns 0, or -1 if the conn was closed. */
int		 fsm_message(struct conn *, uint8_t type, const uint8_t *msg,
		    size_t len);
/* Framing error: NOTIFICATION err, close. */
void		 fsm_conn_error(struct conn *, const struct bgp_err *);
/* TCP closed or failed (err: errno, 0 for EOF). */
void		 fsm_conn_closed(struct conn *, int err);
/* ev_more callback: continue reading a connection. */
void		 fsm_conn_more(evutil_socket_t, short, void *);
/* End-of-RIB received for a family. */
void		 fsm_eor(struct peer *, uint8_t aid);
const char	*fsm_state_name(enum fsm_state);
/* Replay mode: a peer's session starts / ends by an MRT record. */
void		 fsm_replay_up(struct peer *);
void		 fsm_replay_down(struct peer *, const char *why);
/* Monotonic seconds. */
time_t		 bgpd_monotime(void);

/* session.c */
/* Opens every `listen on` socket.  Returns 0, or -1 (logged). */
int		 session_listen(struct bgpd *);
void		 session_unlisten(struct bgpd *);
/* Sets or clears a neighbor's MD5 key on every listener. */
void		 session_update_md5(struct bgpd *,
		    const struct config_neighbor *, int set);
/* Starts a non-blocking connect (p->connecting).  Returns 0, or -1. */
int		 session_connect(struct peer *);
/* Queues a whole message.  Returns 0, or -1 if over the output cap. */
int		 session_send(struct conn *, const uint8_t *, size_t);
/* Reads and dispatches buffered messages (bounded per call). */
void		 session_read(struct conn *);
/*
 * Detaches and frees a connection; with flush, what is queued (a
 * NOTIFICATION) is written first, for at most two seconds.
 */
void		 session_close(struct conn *, int flush);
/* Frees connections still lingering (at exit). */
void		 session_linger_flush(struct bgpd *);
/* Applies TCP MD5 / GTSM for the neighbor to a socket. Returns 0 / -1. */
int		 session_sockopts(int fd, const struct config_neighbor *,
		    int listening);

/* adjrib.c */
/*
 * Applies a decoded UPDATE of an established peer to the RIB.  Returns
 * the number of routes it changed, or -1 when max-prefix is exceeded
 * (the caller resets the session).
 */
int		 adjrib_apply(struct peer *, const struct bgp_update *);
/* Starts the sliced removal of a peer's routes of a family. */
void		 adjrib_flush(struct peer *, int only_stale, uint8_t aid);
/* Marks a peer's routes of a family stale (graceful restart). */
void		 adjrib_mark_stale(struct peer *, uint8_t aid);
/* Runs a peer's pending flushes to completion (before a new session). */
void		 adjrib_finish(struct peer *);
/* ev_flush callback: one slice of every pending flush. */
void		 adjrib_flush_cb(evutil_socket_t, short, void *);
/* Routes a peer holds. */
size_t		 adjrib_count(const struct peer *, uint8_t aid);
/* Installs one route (MRT RIB entries), telling the detector. */
void		 adjrib_announce_one(struct peer *, const struct bw_prefix *,
		    uint32_t path_id, struct rattr *);
/* The detector's view of a peer. */
void		 adjrib_detect_peer(const struct peer *, struct detect_peer *);

/* bgpd.c */
/* Runs the daemon until SIGTERM.  Returns the exit status. */
int		 bgpd_run(struct config *, const char *conffile);
/* Replays MRT files through the RIB and detector, then exits (-r). */
int		 bgpd_run_replay(struct config *, const char *conffile,
		    char *files[], int nfiles);

/* replay.c */
/* Feeds the records of the files to bgpd.  Returns 0, or -1 on a bad file. */
int		 bgpd_replay(struct bgpd *, char *files[], int nfiles);
/*
 * Re-reads the configuration: adds and removes peers, resets changed
 * ones, leaves unchanged sessions up.  Returns 0, or -1 with err set.
 */
int		 bgpd_reload(struct bgpd *, char *err, size_t errlen);
size_t		 bgpd_count_peers(const struct bgpd *);
/* Wall-clock time as a double (record time when replaying). */
double		 bgpd_now(const struct bgpd *);
/* Asks for a detector run at the end of this loop iteration. */
void		 bgpd_detect_kick(struct bgpd *);
/* Worst event-loop stall since the last reset (reset: 1 clears it). */
double		 bgpd_loop_stall(struct bgpd *, int reset);

#endif /* BGPWATCH_BGPD_H */
