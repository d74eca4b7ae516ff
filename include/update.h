/*
 * UPDATE codec (RFC 4271 4.3, RFC 4760, RFC 7911, RFC 6793, RFC 7606).
 *
 * Decoding is zero-copy: struct bgp_update views into the caller's message
 * (and into a caller-supplied scratch area where an AS4_PATH merge must
 * build a new AS path).  The decoder validates the whole message first,
 * NLRI included, so that the caller knows the RFC 7606 action before it
 * applies anything; the NLRI are then walked with struct bgp_nlri_iter.
 * Path attributes are described by one table (code, flags, length bounds,
 * decoder, RFC 7606 action) in proto/attr.c.
 */
#ifndef BGPWATCH_UPDATE_H
#define BGPWATCH_UPDATE_H

#include <stddef.h>
#include <stdint.h>

#include "bgpwatch.h"
#include "bgp.h"
#include "buf.h"

/* Path attribute type codes. */
enum bgp_attr_code {
	ATTR_ORIGIN = 1,
	ATTR_AS_PATH = 2,
	ATTR_NEXT_HOP = 3,
	ATTR_MED = 4,
	ATTR_LOCAL_PREF = 5,
	ATTR_ATOMIC_AGGREGATE = 6,
	ATTR_AGGREGATOR = 7,
	ATTR_COMMUNITIES = 8,
	ATTR_ORIGINATOR_ID = 9,
	ATTR_CLUSTER_LIST = 10,
	ATTR_MP_REACH_NLRI = 14,
	ATTR_MP_UNREACH_NLRI = 15,
	ATTR_EXT_COMMUNITIES = 16,
	ATTR_AS4_PATH = 17,
	ATTR_AS4_AGGREGATOR = 18,
	ATTR_LARGE_COMMUNITIES = 32,
	ATTR_OTC = 35
};

/* Attribute flags. */
#define ATTR_OPTIONAL	0x80
#define ATTR_TRANSITIVE	0x40
#define ATTR_PARTIAL	0x20
#define ATTR_EXTLEN	0x10

/* ORIGIN values. */
#define ORIGIN_IGP		0
#define ORIGIN_EGP		1
#define ORIGIN_INCOMPLETE	2

/* AS_PATH segment types (RFC 4271, RFC 5065). */
#define AS_SET			1
#define AS_SEQUENCE		2
#define AS_CONFED_SEQUENCE	3
#define AS_CONFED_SET		4

/* RFC 7606 error handling actions, in increasing severity. */
enum bgp_action {
	ACT_NONE = 0,
	ACT_ATTR_DISCARD,	/* drop the attribute, keep the routes */
	ACT_TREAT_AS_WITHDRAW,	/* every NLRI of the UPDATE is withdrawn */
	ACT_SESSION_RESET	/* send err as NOTIFICATION, close */
};

/* A byte range inside the message (or the scratch area). */
struct bgp_view {
	const uint8_t	*p;
	uint32_t	 len;
};

/* Bit for an attribute code in struct bgp_attrs.present. */
#define ATTR_BIT(code)		((uint64_t)1 << (code))
#define ATTR_HAS(a, code)	(((a)->present & ATTR_BIT(code)) != 0)

/*
 * The decoded path attributes of one UPDATE (or MRT RIB entry): the set a
 * RIB interns and shares among all the UPDATE's prefixes.  Attributes that
 * were discarded (RFC 7606) are absent from present.  Codes >= 64 are
 * never "known", so they only appear among the unknown attributes.
 * AS4_PATH and AS4_AGGREGATOR never show in present: on 2-octet sessions
 * they are merged into aspath and aggr_as, on 4-octet ones ignored (RFC
 * 6793).  present has MP_REACH_NLRI / MP_UNREACH_NLRI when those were
 * well-formed.
 */
struct bgp_attrs {
	uint64_t	present;
	uint8_t		origin;
	struct bgp_view	aspath;		/* 4-octet AS_PATH wire segments; the
					 * AS4_PATH merge (RFC 6793 4.2.3)
					 * already done on 2-octet sessions */
	struct bw_addr	nexthop;	/* MP_REACH next hop if any (IPv6, or
					 * IPv4 over MP, or IPv6 for IPv4 NLRI
					 * as RFC 8950), else NEXT_HOP */
	struct bw_addr	nexthop_ll;	/* IPv6 link-local (32-byte next hop);
					 * aid AID_UNSPEC if absent */
	uint32_t	med;
	uint32_t	local_pref;
	uint32_t	aggr_as;	/* AGGREGATOR, AS4_AGGREGATOR merged */
	uint32_t	aggr_id;
	struct bgp_view	communities;	/* 4-byte values */
	struct bgp_view	ext_communities;	/* 8-byte values */
	struct bgp_view	large_communities;	/* 12-byte values */
	uint32_t	originator_id;
	struct bgp_view	cluster_list;	/* 4-byte ids */
	uint32_t	otc;		/* RFC 9234 Only to Customer */
	struct bgp_view	raw;		/* whole attribute block as received */
	uint16_t	n_unknown;	/* unknown attributes in raw */
};

/* One address family's reachable or unreachable NLRI. */
struct bgp_mp {
	uint16_t	afi;
	uint8_t		safi;
	uint8_t		aid;		/* AID_UNSPEC: family not handled */
	struct bgp_view	nlri;
};

struct bgp_update {
	struct bgp_view	withdrawn;	/* IPv4 withdrawn routes field */
	struct bgp_view	nlri;		/* IPv4 NLRI field */
	struct bgp_attrs attrs;
	struct bgp_mp	reach;		/* if ATTR_HAS(&attrs, MP_REACH_NLRI) */
	struct bgp_mp	unreach;	/* if ATTR_HAS(&attrs, MP_UNREACH_NLRI) */
	uint8_t		eor;		/* 1: End-of-RIB marker (RFC 4724 2) */
	uint8_t		eor_aid;	/* its family (AID_UNSPEC: other) */
	enum bgp_action	action;		/* the worst RFC 7606 action */
	uint8_t		err_attr;	/* attribute that caused action */
	uint16_t	n_discarded;	/* attributes discarded */
	struct bgp_err	err;		/* NOTIFICATION if ACT_SESSION_RESET;
					 * otherwise describes the error */
};

/* What a decoder needs to know of its session (or MRT record). */
struct bgp_dec_ctx {
	uint8_t		 as4;		/* AS numbers are 4 octets */
	uint8_t		 ebgp;		/* LOCAL_PREF from eBGP is discarded */
	uint8_t		 addpath[AID_MAX]; /* NLRI carry path ids */
	uint8_t		 mrt_rib;	/* TABLE_DUMP_V2 entry: MP_REACH holds
					 * only the next hop (RFC 6396 4.3.4) */
	uint8_t		*scratch;	/* for a rebuilt AS path: needed when
					 * !as4, else AS_PATH cannot be kept
					 * (treat-as-withdraw); overwritten by
					 * the next decode with this ctx */
	size_t		 scratchlen;	/* BGP_SCRATCH_LEN is always enough */
};

/* Scratch bytes that hold any rebuilt AS path of a 65535-byte message. */
#define BGP_SCRATCH_LEN		(2 * BGP_MAX_EXT_LEN)

/*
 * Decodes an UPDATE body (after the header).  Returns 0 when the caller
 * may apply it: u->action is ACT_NONE, ACT_ATTR_DISCARD or
 * ACT_TREAT_AS_WITHDRAW (then every NLRI and MP_REACH prefix is to be
 * withdrawn; there may be none).  Returns -1 when the session must be
 * reset: u->action is ACT_SESSION_RESET and u->err holds the NOTIFICATION.
 * Never reads past len, never allocates.  After a reset for a malformed
 * withdrawn or NLRI field u still holds the attributes, and that field
 * cut to its well-formed leading prefixes (for MRT readers that salvage
 * what they can, as bgpdump does).
 */
int	bgp_update_decode(const struct bgp_dec_ctx *, const uint8_t *body,
	    size_t len, struct bgp_update *u);
/*
 * Decodes a bare path attribute block (MRT RIB entries) into u: attrs
 * and reach (with an MRT abbreviated MP_REACH when ctx->mrt_rib: then
 * only the next hop is set, reach.afi is 0 and reach.aid AID_UNSPEC, the
 * record tells the family).  No attribute is judged missing: there are
 * no NLRI to judge it by.  Returns as bgp_update_decode.
 */
int	bgp_attrs_decode(const struct bgp_dec_ctx *, const uint8_t *p,
	    size_t len, struct bgp_update *u);

/* Walks NLRI (RFC 4271 4.3, RFC 7911 3). */
struct bgp_nlri_iter {
	struct buf	b;
	uint8_t		aid;
	uint8_t		addpath;
	uint8_t		maxplen;	/* the family's, 0: none */
};

void	bgp_nlri_iter_init(struct bgp_nlri_iter *, const struct bgp_view *,
	    uint8_t aid, int addpath);
/*
 * Returns 1 and the next prefix (bits past its length masked, RFC 4271
 * 4.3) with its path id (0 without ADD-PATH), 0 at the end, -1 if
 * malformed (the decoder has already rejected such input).
 */
int	bgp_nlri_next(struct bgp_nlri_iter *, struct bw_prefix *,
	    uint32_t *path_id);
/*
 * The next prefixes, up to max, into pfx[] and path_id[] as
 * bgp_nlri_next would give them one by one.  Returns how many; fewer than
 * max only at the end of the field or at a malformed prefix (which ends
 * the walk, as bgp_nlri_next's -1 does).
 */
size_t	bgp_nlri_take(struct bgp_nlri_iter *, struct bw_prefix *pfx,
	    uint32_t *path_id, size_t max);

/* Walks the segments of a 4-octet AS path view. */
struct bgp_aspath_iter {
	struct buf	b;
};

void	bgp_aspath_iter_init(struct bgp_aspath_iter *, const struct bgp_view *);
/*
 * Returns 1 with the segment type, the number of ASes and a pointer to
 * them (4 bytes each, big-endian: read with get_u32), 0 at the end, -1 if
 * malformed.
 */
int	bgp_aspath_next(struct bgp_aspath_iter *, uint8_t *type,
	    uint8_t *count, const uint8_t **asns);
/* The origin AS: last AS of a final AS_SEQUENCE; 0 if there is none. */
uint32_t bgp_aspath_origin(const struct bgp_view *);
/* Path length for route selection (an AS_SET counts one, confeds none). */
int	bgp_aspath_length(const struct bgp_view *);
/*
 * Formats as bgpdump does: "64511 4837 {1,2}", confederation segments in
 * "(..)" and "[..]".  Returns the length it needed (like snprintf).
 */
int	bgp_aspath_fmt(const struct bgp_view *, char *out, size_t outlen);

/* Looks an unknown attribute up by walking attrs->raw. */
struct bgp_attr_iter {
	struct buf	b;
	uint8_t		seen[32];	/* codes already returned */
};

void	bgp_attr_iter_init(struct bgp_attr_iter *, const struct bgp_attrs *);
/*
 * Returns 1 with the next attribute that the decoder did not interpret
 * (unknown codes; first occurrence only), 0 at the end.
 */
int	bgp_attr_next_unknown(struct bgp_attr_iter *, uint8_t *flags,
	    uint8_t *code, struct bgp_view *value);

/* "AS_PATH", "COMMUNITIES", ... or "unknown". */
const char *bgp_attr_name(uint8_t code);
/* "IGP", "EGP", "INCOMPLETE" (or "?" out of range). */
const char *bgp_origin_name(uint8_t origin);
/* "none", "attribute-discard", "treat-as-withdraw", "session-reset". */
const char *bgp_action_name(enum bgp_action);

/* Encoding */
struct bgp_enc_ctx {
	uint8_t		as4;		/* 2-octet session: AS_PATH gets AS_TRANS
					 * and an AS4_PATH is added as needed */
	uint8_t		addpath[AID_MAX]; /* NLRI carry path ids */
	uint8_t		ipv4_mp;	/* IPv4 NLRI in MP_(UN)REACH too */
	size_t		maxlen;		/* 4096, or 65535 (extended messages) */
};

/* A route key: what an UPDATE announces or withdraws. */
struct bgp_route {
	struct bw_prefix pfx;
	uint32_t	 path_id;
};

/*
 * Encodes one whole UPDATE: wd withdrawn and ann announced with attrs a
 * (a may be NULL when nann is 0).  IPv4 routes use the classic fields
 * (unless ctx->ipv4_mp), IPv6 ones MP_REACH/MP_UNREACH with a's next hop
 * (and nexthop_ll); one family each in MP_REACH and MP_UNREACH.
 * Attributes are written from a's fields (present bits), unknown ones
 * copied from a->raw; NEXT_HOP goes with IPv4 NLRI in the classic field,
 * whatever present says, and must then be IPv4.  Returns 0, or -1 if it
 * does not fit ctx->maxlen (0: 4096) or w, or the routes cannot go in one
 * UPDATE; w->len is then as before the call (w->err set if w was full).
 */
int	bgp_update_encode(struct wbuf *, const struct bgp_enc_ctx *,
	    const struct bgp_attrs *a,
	    const struct bgp_route *wd, size_t nwd,
	    const struct bgp_route *ann, size_t nann);
/*
 * Bytes an NLRI entry takes on the wire (for packing prefixes into
 * messages without trial encodes).
 */
size_t	bgp_nlri_size(const struct bw_prefix *, int addpath);
/* Encodes the End-of-RIB marker for a family.  Returns 0, or -1. */
int	bgp_eor_encode(struct wbuf *, uint8_t aid);

/*
 * Encodes the path attributes of one TABLE_DUMP_V2 RIB entry for a route
 * of family aid (RFC 6396 4.3.4): 4-octet AS_PATH, NEXT_HOP for IPv4 with
 * an IPv4 next hop, otherwise MP_REACH_NLRI holding only the next hop.
 * Returns 0, or -1 (w->len as before).
 */
int	bgp_attrs_encode_rib(struct wbuf *, const struct bgp_attrs *a,
	    uint8_t aid);

#endif /* BGPWATCH_UPDATE_H */
