/*
 * Internals of the UPDATE codec, shared by proto/attr.c, aspath.c,
 * nlri.c, update.c and update_enc.c; not part of the API (see update.h).
 */
#ifndef BGPWATCH_UPDATE_INT_H
#define BGPWATCH_UPDATE_INT_H

#include "update.h"

/*
 * Parse state of one UPDATE (or MRT attribute block).  The decoders of
 * the attribute table fill u->attrs directly; what needs the whole set
 * before it can be judged (AS4_PATH, AS4_AGGREGATOR) waits here.
 */
struct upd_pstate {
	const struct bgp_dec_ctx *ctx;
	struct bgp_update	*u;
	const uint8_t		*attr;		/* attribute being decoded ... */
	size_t			 attrlen;	/* ... header included */
	struct bgp_view		 aspath;	/* AS_PATH as received */
	struct bgp_view		 as4path;	/* AS4_PATH (2-octet sessions) */
	uint32_t		 as4_aggr_as;
	uint32_t		 as4_aggr_id;
	uint8_t			 has_as4path;
	uint8_t			 has_as4aggr;
	uint8_t			 mp_nh;		/* next hop from MP_REACH */
	uint16_t		 nattrs;	/* attributes in the block */
	uint64_t		 seen[4];	/* codes met, for duplicates:
						 * bit c % 64 of word c / 64 */
};

/*
 * One row of the path attribute table.  A decoder sees a value whose
 * length already passed the row's bounds; it returns 0, or the UPDATE
 * error subcode that describes the malformation (the row's action then
 * applies).
 */
struct attr_desc {
	const char	*name;
	int		(*decode)(struct upd_pstate *, struct buf *);
	uint8_t		 flags;		/* expected ATTR_OPTIONAL|TRANSITIVE */
	uint8_t		 action;	/* enum bgp_action when malformed */
	uint8_t		 mult;		/* length a multiple of this (0: any) */
	uint8_t		 ibgp_only;	/* attribute-discard from eBGP */
	uint16_t	 minlen;
	uint16_t	 maxlen;
};

/* Row for a code; NULL for the codes bgpwatch does not interpret. */
const struct attr_desc *attr_desc(uint8_t code);
/* Walks an attribute block into ps (RFC 7606 framing rules). */
void	attr_walk(struct upd_pstate *, struct buf *);

/*
 * Records an RFC 7606 outcome: the worst action wins and keeps its err;
 * at equal severity the first error stays.  data/datalen: NOTIFICATION
 * data (cut to 65535 bytes).
 */
void	upd_error(struct upd_pstate *, enum bgp_action, uint8_t attr,
	    uint8_t subcode, const uint8_t *data, size_t datalen,
	    const char *reason);
/* Same, with the attribute being decoded as data. */
void	upd_attr_error(struct upd_pstate *, enum bgp_action, uint8_t attr,
	    uint8_t subcode, const char *reason);

/* Decoders of MP_REACH_NLRI / MP_UNREACH_NLRI rows (nlri.c). */
int	attr_mp_reach(struct upd_pstate *, struct buf *);
int	attr_mp_unreach(struct upd_pstate *, struct buf *);

/*
 * Checks an NLRI field of a family.  Returns the number of prefixes, or
 * -1 if it is syntactically incorrect (RFC 7606 5.3); then *good (if not
 * NULL) is the length of the well-formed prefixes that lead the field.
 */
int	nlri_check(const struct bgp_view *, uint8_t aid, int addpath,
	    uint32_t *good);

/* Checks AS path segments of asnlen (2 or 4) bytes.  Returns 0 or -1. */
int	aspath_check(const struct bgp_view *, int asnlen);
/*
 * Builds the 4-octet AS path of a 2-octet session into out: AS_PATH
 * widened, merged with as4 (a checked AS4_PATH; NULL: none) as RFC 6793
 * 4.2.3 says.  Returns the length written, or -1 if out is too small.
 */
int	aspath_build(const struct bgp_view *as2, const struct bgp_view *as4,
	    uint8_t *out, size_t outlen);
/* AS numbers of a path for RFC 6793 (a set counts 1, confeds none). */
int	aspath_count(const struct bgp_view *, int asnlen);

#endif /* BGPWATCH_UPDATE_INT_H */
