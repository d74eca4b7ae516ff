/*
 * bgpfeed internals shared by its modules, in the order the data flows:
 * a feed is a list of prepared UPDATE messages (read from MRT or
 * generated), an image is a feed's bytes as one negotiated session
 * encoding wants them, and sessions write images to the receiver.
 */
#ifndef FEEDTYPES_H
#define FEEDTYPES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "bgpwatch.h"
#include "bgp.h"
#include "update.h"

#define AIDBIT(aid)	((uint8_t)(1u << (aid)))
#define AIDS_ALL	(AIDBIT(AID_INET) | AIDBIT(AID_INET6))

/* A growable byte array. */
struct bytes {
	uint8_t		*p;
	size_t		 len;
	size_t		 cap;
};

/* Makes room for n more bytes.  Returns 0, or -1 (out of memory). */
int	bytes_reserve(struct bytes *, size_t n);
void	bytes_free(struct bytes *);

/* A set of routes (prefix and path id): open addressing, linear probing. */
struct rset {
	struct bgp_route *slot;
	size_t		  n;
	size_t		  cap;		/* power of two, or 0 */
};

/* Returns 1 if r was added, 0 if it was there, -1 out of memory. */
int	rset_add(struct rset *, const struct bgp_route *r);
/* Returns 1 if r was removed, 0 if it was not there. */
int	rset_del(struct rset *, const struct bgp_route *r);
/* The i-th slot (i < cap) if it holds a route, else NULL. */
const struct bgp_route *rset_slot(const struct rset *, size_t i);
void	rset_free(struct rset *);

/* One prepared message of a feed. */
struct fmsg {
	uint32_t	off;		/* in the feed's arena */
	uint32_t	len;
	uint32_t	nann;		/* routes announced */
	uint32_t	nwd;		/* routes withdrawn */
	uint8_t		as4;		/* AS numbers inside are 4 octets */
	uint8_t		asdep;		/* carries AS numbers at all */
	uint8_t		addpath;	/* AIDBIT set: NLRI with path ids */
	uint8_t		aids;		/* AIDBIT set: families it touches */
	uint8_t		other;		/* families bgpwatch does not handle */
};

/* What a session's encoding is: the key of a feed's images. */
struct enc_key {
	uint8_t		as4;
	uint8_t		addpath;	/* AIDBIT set: we send path ids */
	uint8_t		aids;		/* AIDBIT set: negotiated families */
	uint32_t	maxlen;		/* 4096 or 65535 */
};

/* A feed's bytes for one encoding: the initial feed or its withdrawal. */
struct image {
	struct enc_key	 key;
	int		 withdraw;
	const uint8_t	*p;		/* the feed's arena, or own.p */
	size_t		 len;
	struct bytes	 own;
	uint32_t	*bounds;	/* offset of every message, in order */
	size_t		 nmsgs;
	size_t		 boundcap;
	uint64_t	 nann;
	uint64_t	 nwd;
	uint64_t	 nraw;		/* messages forwarded as they were */
	uint64_t	 nrecoded;	/* messages encoded for the session */
	uint64_t	 dropped;	/* routes it could not carry */
	struct image	*next;
};

/* One feed: what one MRT peer said, or a synthetic table. */
struct feed {
	char		 name[80];	/* "206.220.231.55 AS3856" */
	struct bw_addr	 peer_ip;	/* MRT peer (aid AID_UNSPEC: none) */
	uint32_t	 peer_as;
	struct bytes	 arena;		/* the messages, back to back */
	struct fmsg	*msgs;
	size_t		 nmsgs;
	size_t		 msgcap;
	uint64_t	 nann;
	uint64_t	 nwd;
	uint8_t		 aids;		/* families its messages touch */
	uint64_t	 skipped;	/* MRT messages not replayable */
	struct rset	 routes;	/* routes left once it is applied */
	struct image	*images;
};

struct feed *feed_new(const char *name);
void	feed_free(struct feed *);
/*
 * Appends one whole message (header included) with its description m
 * (off and len are filled in).  Returns 0, or -1 (out of memory).
 */
int	feed_add(struct feed *, const uint8_t *msg, size_t len,
	    const struct fmsg *m);
/*
 * Appends UPDATEs announcing the n routes (one family, or IPv4 and one
 * other) with attributes a (or withdrawing them when a is NULL), packed
 * as full as ctx->maxlen allows, and records them in the feed's route
 * set.  Routes that fit no message are counted in *dropped.  Returns 0,
 * or -1 out of memory.
 */
int	feed_pack(struct feed *, const struct bgp_enc_ctx *ctx,
	    const struct bgp_attrs *a, const struct bgp_route *r, size_t n,
	    uint64_t *dropped);

/*
 * Called by pack_routes for every message it wrote at out->p + off,
 * with the n routes it carries.  Returns 0, or -1 to stop.
 */
typedef int (*pack_cb)(void *arg, size_t off, size_t len,
    const struct bgp_route *r, size_t n);
/*
 * The packer behind feed_pack and the images: appends to out.
 * Returns 0, or -1 (out of memory or the callback failed).
 */
int	pack_routes(struct bytes *out, const struct bgp_enc_ctx *ctx,
	    const struct bgp_attrs *a, const struct bgp_route *r, size_t n,
	    pack_cb cb, void *arg, uint64_t *dropped);

/* The feed's image for an encoding, built on first use.  NULL: no memory. */
struct image *image_get(struct feed *, const struct enc_key *);
/* The image withdrawing what the feed leaves announced. */
struct image *image_withdraw(struct feed *, const struct enc_key *);

/* MRT input */
struct mrt_opts {
	const char	*path;
	struct bw_addr	 peer;		/* aid AID_UNSPEC: every peer */
	uint32_t	 peer_as;	/* 0: any */
	size_t		 maxlen;	/* RIB dumps are packed to this */
	int		 verbose;
};

/*
 * Reads an MRT file into feeds, one per MRT peer in order of first
 * appearance.  Returns the number of feeds (in *feeds, caller frees), or
 * -1 with a message printed.
 */
int	mrt_load(const struct mrt_opts *, struct feed ***feeds);

/* Synthetic tables */
struct synth_opts {
	uint64_t	 n4;		/* IPv4 prefixes */
	uint64_t	 n6;		/* IPv6 prefixes */
	uint64_t	 seed;
	double		 share;		/* mean prefixes per attribute set */
	uint32_t	 local_as;	/* first AS of every path */
	struct bw_addr	 nexthop;	/* IPv4 */
	struct bw_addr	 nexthop6;
	size_t		 maxlen;
	int		 verbose;
};

/* Generates the table into a new feed.  NULL with a message on error. */
struct feed *synth_build(const struct synth_opts *);

/* Sessions */
struct sess_opts {
	const char	*host;		/* for messages */
	struct sockaddr_storage *dst;
	size_t		 dstlen;
	uint32_t	 remote_as;	/* 0: any */
	uint32_t	 router_id;	/* 0: from the source address */
	uint16_t	 holdtime;	/* announced in the OPEN */
	uint16_t	 gr_time;	/* graceful restart time; 0: none */
	double		 hold;		/* seconds up after feed; <0 ever */
	double		 withdraw_after;	/* <0: never */
	int		 add_path;
	int		 as2;
	int		 ext_msg;
	int		 quiet;
	int		 timing;
	int		 verbose;
};

/* One session to run: a feed from a source address, speaking for an AS. */
struct sess_spec {
	struct feed	*feed;
	struct bw_addr	 src;		/* AID_UNSPEC: the kernel picks */
	uint32_t	 local_as;
};

/*
 * Runs the sessions concurrently until each has delivered its feed (and
 * held it as asked) or failed.  Prints a report line per session and a
 * total.  Returns the number of sessions that failed.
 */
int	sess_run(const struct sess_opts *, const struct sess_spec *, size_t n);

/* The encoding we expect a session to negotiate, for preparing early. */
void	sess_expected_key(const struct sess_opts *, struct enc_key *);

/* Monotonic time in seconds. */
double	now(void);

#endif /* FEEDTYPES_H */
