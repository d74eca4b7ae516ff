/*
 * The message tap: the second door, beside the RIB door.  Every input
 * that receives BGP messages (a BGP session, a BMP station's monitored
 * peer) hands each message here, with who sent it and when, as received
 * bytes; every output that wants messages rather than routes (the MRT
 * updates archive, the RIS Live stream) is an observer.  Inputs never
 * name an output.  Observers run synchronously, in the order added, and
 * must not block: each one caps its own queue.
 */
#ifndef BGPWATCH_MSGTAP_H
#define BGPWATCH_MSGTAP_H

#include <stddef.h>
#include <stdint.h>

#include "bgpwatch.h"

struct bgp_update;

#define MSGTAP_MAX_OBS	4

/* Where a message came from, as MRT BGP4MP, BMP and RIS Live need it. */
struct tap_peer {
	const char	*kind;		/* "bgp", "bmp" */
	struct bw_addr	 peer_addr;
	struct bw_addr	 local_addr;	/* AID_UNSPEC: unknown (BMP) */
	uint16_t	 peer_port;
	uint16_t	 local_port;
	uint32_t	 peer_as;
	uint32_t	 local_as;
	uint32_t	 peer_id;	/* BGP identifier, 0 before OPEN */
	uint16_t	 slot;		/* its rib_src slot, 0xffff: none */
	uint8_t		 as4;		/* 4-octet AS numbers negotiated */
	uint8_t		 addpath[AID_MAX]; /* NLRI carry path ids */
	const char	*router;	/* BMP: the exporting router, or NULL */
};

enum tap_dir { TAP_RX, TAP_TX };

/* One whole message, header included, as it was on the wire. */
struct tap_msg {
	double			 ts;	/* loop clock: seconds, microsecond
					 * resolution, the events' clock */
	enum tap_dir		 dir;
	uint8_t			 type;	/* BGP_OPEN .. BGP_ROUTE_REFRESH */
	const uint8_t		*bytes;
	size_t			 len;
	const struct bgp_update	*upd;	/* UPDATE received and decoded,
					 * or NULL */
};

/*
 * States are enum fsm_state values (session.h: Idle = 0); RFC 6396 4.4.1
 * numbers them from 1.
 */
struct tap_observer {
	void	(*message)(void *arg, const struct tap_peer *,
		    const struct tap_msg *);
	void	(*state)(void *arg, const struct tap_peer *, double ts,
		    int old_state, int new_state);
	void	*arg;
	int	 quiet;		/* takes no messages for now, states still */
};

struct msgtap {
	struct tap_observer	obs[MSGTAP_MAX_OBS];
	int			nobs;
	int			nmsg;	/* observers not quiet */
};

void	msgtap_init(struct msgtap *);
/* Adds an observer.  Returns 0, or -1 when MSGTAP_MAX_OBS are in use. */
int	msgtap_add(struct msgtap *, const struct tap_observer *);
/* Removes the observer with this arg (an output closing). */
void	msgtap_remove(struct msgtap *, void *arg);
/*
 * The observer with this arg takes messages (quiet 0) or only state
 * changes (the MRT archive while it writes no updates file): with every
 * observer quiet, an input's message costs a test.
 */
void	msgtap_set_quiet(struct msgtap *, void *arg, int quiet);

/* Nonzero when anyone listens: inputs skip building a tap_peer if not. */
static inline int
msgtap_active(const struct msgtap *t)
{
	return t != NULL && t->nobs > 0;
}

/* Nonzero when anyone takes messages: inputs skip the message if not. */
static inline int
msgtap_wants_messages(const struct msgtap *t)
{
	return t != NULL && t->nmsg > 0;
}

void	msgtap_message(const struct msgtap *, const struct tap_peer *,
	    const struct tap_msg *);
void	msgtap_state(const struct msgtap *, const struct tap_peer *,
	    double ts, int old_state, int new_state);

#endif /* BGPWATCH_MSGTAP_H */
