/*
 * The peer registry: the configured neighbors' peers, looked up by
 * address for incoming connections, created and deleted as the
 * configuration says.  It sits above the FSM and owns the environment
 * every peer's FSM reads (struct bgp_env).
 */
#ifndef BGPWATCH_PEER_H
#define BGPWATCH_PEER_H

#include "fsm.h"
#include "log.h"

struct peer_reg {
	struct peers		 list;
	struct bgp_env		 env;
	struct log_ratelimit	 rl_unknown;	/* unconfigured connections */
};

/* Sets up an empty registry (no listeners yet). */
void	peer_reg_init(struct peer_reg *, struct loop *, struct adjrib *,
	    const struct msgtap *, const struct config *, uint8_t *scratch);
/* Deletes every peer, frees lingering connections, closes listeners. */
void	peer_reg_free(struct peer_reg *);
/* Opens the `listen on` sockets.  Returns 0, or -1 (logged). */
int	peer_reg_listen(struct peer_reg *);
/* Creates a peer for every configured neighbor. */
void	peer_reg_start(struct peer_reg *);
/*
 * Follows a new configuration: removes and resets peers as it says,
 * keeps unchanged sessions up, adds new neighbors, reopens listeners
 * when they changed.
 */
void	peer_reg_reconfigure(struct peer_reg *, const struct config *);
/* Administrative shutdown of every peer (SIGTERM), RFC 9003 message. */
void	peer_shutdown_all(struct peer_reg *, const char *msg);

/* Creates a peer for a configured neighbor and starts it unless shut down. */
struct peer *peer_new(struct peer_reg *, const struct config_neighbor *);
/* Sends Cease (subcode) if up, removes its routes and frees the peer. */
void	peer_delete(struct peer *, uint8_t subcode, const char *why);
struct peer *peer_find(struct peer_reg *, const struct bw_addr *);
/* The peer running this neighbor entry, or NULL. */
struct peer *peer_find_conf(struct peer_reg *, const struct config_neighbor *);
size_t	peer_count(const struct peer_reg *);

#endif /* BGPWATCH_PEER_H */
