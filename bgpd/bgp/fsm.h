/*
 * A BGP peer and its RFC 4271 state machine.  The FSM drives the
 * transport below it (session.h, through the hooks it hands over) and
 * the peer's source of routes in the RIB door (adjrib.h); it knows
 * nothing of the peer registry, the core or the detector.
 */
#ifndef BGPWATCH_FSM_H
#define BGPWATCH_FSM_H

#include <sys/queue.h>

#include <stdint.h>
#include <time.h>

#include "adjrib.h"
#include "bgp.h"
#include "config.h"
#include "msgtap.h"
#include "session.h"

/* Hold time while waiting for OPEN (RFC 4271 8: "large value", 4 min). */
#define HOLD_OPENSENT		240
#define CONNECT_RETRY_MAX	300	/* backoff cap, seconds */
/* Stale routes of a restarted peer go if no End-of-RIB comes in time. */
#define GR_STALE_TIME		360

struct loop;
struct peer_reg;

/* What every peer's FSM reads of its surroundings (one per daemon). */
struct bgp_env {
	const struct config	*conf;		/* the running configuration */
	struct loop		*loop;
	struct adjrib		*door;
	const struct msgtap	*tap;		/* messages, states: observers */
	struct session_ctx	 sess;
	uint8_t			*scratch;	/* BGP_SCRATCH_LEN, decoder */
	uint8_t			 shutting_down;
};

struct peer_stats {
	uint64_t	msgs_in[6];		/* by BGP message type */
	uint64_t	msgs_out[6];
	uint64_t	updates_in;
	uint64_t	treat_as_withdraw;	/* RFC 7606 actions taken */
	uint64_t	attr_discard;
	uint32_t	established_count;	/* sessions brought up */
	uint32_t	flaps;
};

struct peer {
	TAILQ_ENTRY(peer)	 entry;
	struct bgp_env		*env;
	struct peer_reg		*reg;		/* its registry (peer.c) */
	const struct config_neighbor *conf;	/* in env->conf */
	struct rib_src		 src;		/* its routes, in the door */
	enum fsm_state		 state;
	struct conn		*conn;		/* the FSM's connection */
	struct conn		*collision;	/* second one, see fsm.c */
	struct conn		*connecting;	/* outgoing connect under way */
	struct event		*ev_connect;	/* ConnectRetry timer */
	struct event		*ev_idle;	/* restart after max-prefix */
	struct event		*ev_gr;		/* GR restart / stale timer */
	struct event		*ev_eligible;	/* eligible-after */
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
	uint8_t			 removed;	/* gone from the config */
	uint8_t			 idle_hold;	/* stay idle (max-prefix) */
	uint8_t			 admin_down;	/* bgpwatchctl neighbor down */
	char			 last_error[256];
	struct peer_stats	 stats;
	struct bgp_dec_ctx	 dec;		/* per-session decoder context */
};
TAILQ_HEAD(peers, peer);

/* The transport hooks of every peer's connections (accept excepted). */
extern const struct session_hooks fsm_session_hooks;

/* Sets up a new peer's timers (state Idle); fatal on allocation failure. */
void	fsm_init(struct peer *);
/* Frees them (the peer is stopped). */
void	fsm_free(struct peer *);
/* Starts an Idle peer (ManualStart / AutomaticStart). */
void	fsm_start(struct peer *);
/*
 * Brings a peer's session down with a NOTIFICATION (code 0: none) and
 * lets it restart as configured.
 */
void	fsm_stop(struct peer *, uint8_t code, uint8_t subcode,
	    const uint8_t *data, size_t datalen, const char *why);
/* Cease (subcode) with an RFC 9003 shutdown communication (msg may be
 * NULL). */
void	fsm_stop_shutdown(struct peer *, uint8_t subcode, const char *msg);
/*
 * bgpwatchctl neighbor ADDR down/up/clear.  down: Cease/Administrative
 * Shutdown with the RFC 9003 message msg (may be NULL), then the peer
 * stays Idle, refusing connections, until up.  clear: Cease/
 * Administrative Reset (msg), then it restarts at once; a peer held idle
 * after max-prefix restarts too.
 */
void	fsm_admin_down(struct peer *, const char *msg);
void	fsm_admin_up(struct peer *);
void	fsm_admin_clear(struct peer *, const char *msg);
/* 1 if the peer takes incoming connections now (not idle/shut down). */
int	fsm_accepting(const struct peer *);
const char *fsm_state_name(enum fsm_state);

/* fsm_tap.c: the FSM's calls into the message tap. */
void	fsm_tap_msg(const struct conn *, enum tap_dir, const uint8_t *bytes,
	    size_t len, const struct bgp_update *);
void	fsm_tap_state(const struct peer *, int old_state, int new_state);

#endif /* BGPWATCH_FSM_H */
