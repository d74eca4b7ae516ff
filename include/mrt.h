/*
 * MRT (RFC 6396, RFC 8050) record codec, pure: it decodes one record
 * already in memory into views; reading files (gzip, bzip2, plain) is
 * lib/mrtfile.c's job.  BGP messages and path attributes inside the
 * records are left to the UPDATE codec: a record tells the caller which
 * decoder context (AS number size, ADD-PATH) applies.
 */
#ifndef BGPWATCH_MRT_H
#define BGPWATCH_MRT_H

#include <stddef.h>
#include <stdint.h>

#include "bgpwatch.h"
#include "buf.h"
#include "update.h"

#define MRT_HDR_LEN		12
#define MRT_MAX_RECORD		(16 * 1024 * 1024)	/* sanity cap */

enum mrt_type {
	MRT_TABLE_DUMP = 12,
	MRT_TABLE_DUMP_V2 = 13,
	MRT_BGP4MP = 16,
	MRT_BGP4MP_ET = 17
};

enum mrt_td2_subtype {
	MRT_TD2_PEER_INDEX_TABLE = 1,
	MRT_TD2_RIB_IPV4_UNICAST = 2,
	MRT_TD2_RIB_IPV4_MULTICAST = 3,
	MRT_TD2_RIB_IPV6_UNICAST = 4,
	MRT_TD2_RIB_IPV6_MULTICAST = 5,
	MRT_TD2_RIB_GENERIC = 6,
	MRT_TD2_GEO_PEER_TABLE = 7,
	MRT_TD2_RIB_IPV4_UNICAST_ADDPATH = 8,
	MRT_TD2_RIB_IPV4_MULTICAST_ADDPATH = 9,
	MRT_TD2_RIB_IPV6_UNICAST_ADDPATH = 10,
	MRT_TD2_RIB_IPV6_MULTICAST_ADDPATH = 11,
	MRT_TD2_RIB_GENERIC_ADDPATH = 12
};

enum mrt_bgp4mp_subtype {
	MRT_BGP4MP_STATE_CHANGE = 0,
	MRT_BGP4MP_MESSAGE = 1,
	MRT_BGP4MP_MESSAGE_AS4 = 4,
	MRT_BGP4MP_STATE_CHANGE_AS4 = 5,
	MRT_BGP4MP_MESSAGE_LOCAL = 6,
	MRT_BGP4MP_MESSAGE_AS4_LOCAL = 7,
	MRT_BGP4MP_MESSAGE_ADDPATH = 8,
	MRT_BGP4MP_MESSAGE_AS4_ADDPATH = 9,
	MRT_BGP4MP_MESSAGE_LOCAL_ADDPATH = 10,
	MRT_BGP4MP_MESSAGE_AS4_LOCAL_ADDPATH = 11
};

/* What a decoded record holds. */
enum mrt_kind {
	MRT_K_SKIP = 0,		/* a type or subtype bgpwatch does not use */
	MRT_K_MESSAGE,		/* BGP4MP(_ET) message */
	MRT_K_STATE,		/* BGP4MP(_ET) state change */
	MRT_K_PEER_INDEX,	/* TABLE_DUMP_V2 peer index table */
	MRT_K_RIB,		/* TABLE_DUMP_V2 RIB_IPV4/6_UNICAST(_ADDPATH) */
	MRT_K_TD1		/* TABLE_DUMP (v1) entry */
};

struct mrt_hdr {
	uint32_t	ts;		/* seconds */
	uint32_t	usec;		/* BGP4MP_ET microseconds, else 0 */
	uint16_t	type;
	uint16_t	subtype;
	uint32_t	len;		/* body length after the 12-byte header,
					 * the ET microseconds included */
};

/* BGP4MP STATE_CHANGE states (RFC 6396 4.4.1): RFC 4271's, from 1. */
#define MRT_STATE_IDLE		1
#define MRT_STATE_ESTABLISHED	6

/* BGP4MP / BGP4MP_ET MESSAGE* and STATE_CHANGE*. */
struct mrt_bgp4mp {
	uint32_t	peer_as;
	uint32_t	local_as;
	uint16_t	ifindex;
	struct bw_addr	peer_ip;
	struct bw_addr	local_ip;
	uint8_t		as4;		/* AS numbers inside are 4 octets */
	uint8_t		addpath;	/* NLRI carry path ids (RFC 8050) */
	uint8_t		local;		/* sent by the local side */
	uint16_t	old_state;	/* STATE_CHANGE: FSM states 1..6,
					 * MRT_STATE_* */
	uint16_t	new_state;
	struct bgp_view	msg;		/* whole BGP message, header included,
					 * as long as its length field says
					 * (>= BGP_HDR_LEN; marker and type
					 * are bgp_frame's to check) */
};

/* TABLE_DUMP_V2 PEER_INDEX_TABLE; walk the peers with mrt_peer_next. */
struct mrt_peer_index {
	uint32_t	collector_id;
	struct bgp_view	view_name;
	uint16_t	count;
	struct bgp_view	peers;
};

struct mrt_peer {
	uint32_t	bgp_id;
	struct bw_addr	addr;
	uint32_t	asn;
	uint8_t		as4;
};

/* TABLE_DUMP_V2 RIB record; walk its entries with mrt_rib_next. */
struct mrt_rib {
	uint32_t	seq;
	struct bw_prefix prefix;
	uint16_t	count;
	uint8_t		addpath;
	struct bgp_view	entries;
};

struct mrt_rib_entry {
	uint16_t	peer_index;
	uint32_t	originated;
	uint32_t	path_id;
	struct bgp_view	attrs;		/* decode with ctx as4=1, mrt_rib=1 */
};

/*
 * TABLE_DUMP (v1): one route of one peer; AS numbers are 2 octets.  Only
 * subtypes AFI_IPV4 and AFI_IPV6 (RFC 6396 4.2); others are MRT_K_SKIP.
 */
struct mrt_td1 {
	uint16_t	view;
	uint16_t	seq;
	struct bw_prefix prefix;
	uint8_t		status;
	uint32_t	originated;
	struct bw_addr	peer_ip;
	uint32_t	peer_as;
	struct bgp_view	attrs;		/* decode with ctx as4=0, mrt_rib=0 */
};

struct mrt_record {
	struct mrt_hdr	hdr;
	enum mrt_kind	kind;
	union {
		struct mrt_bgp4mp	bgp4mp;
		struct mrt_peer_index	peer_index;
		struct mrt_rib		rib;
		struct mrt_td1		td1;
	} u;
};

/*
 * Decodes the 12-byte common header at p (n >= MRT_HDR_LEN).  Returns 0,
 * or -1 if n is too short.  The record's body is the hdr->len bytes after
 * the header.  usec is left 0: for BGP4MP_ET it is the body's first four
 * bytes, which mrt_record_decode (r->hdr.usec) and mrt_file_next read.
 */
int	mrt_hdr_decode(const uint8_t *p, size_t n, struct mrt_hdr *);
/*
 * Decodes one record body (hdr->len bytes at body, len == hdr->len) into
 * r, views pointing into body; r->hdr is a copy of hdr with usec filled
 * in for BGP4MP_ET.  Peer and RIB entry lists are checked against their
 * counts here, so that mrt_peer_next/mrt_rib_next then walk them without
 * error.  Unknown and unused types give MRT_K_SKIP.  Returns 0, or -1 if
 * the record is malformed, with *errstr set to a static description.
 */
int	mrt_record_decode(const struct mrt_hdr *, const uint8_t *body,
	    size_t len, struct mrt_record *r, const char **errstr);
/* Next peer of a peer index table: 1, 0 at the end, -1 if malformed. */
int	mrt_peer_next(struct buf *, struct mrt_peer *);
/* Next entry of a RIB record: 1, 0 at the end, -1 if malformed. */
int	mrt_rib_next(struct buf *, uint8_t addpath, struct mrt_rib_entry *);
/* BGP FSM state name as bgpdump prints it (1 "Idle" .. 6 "Established"). */
const char *mrt_state_name(uint16_t state);

/*
 * Encoding (proto/mrt_enc.c): the inverse of the decoder above, into a
 * caller's struct wbuf, so that mrt_record_decode of what was written
 * gives back the same record.  A function that does not fit leaves
 * w->len as it was and returns -1 (w->err set).
 */

/* Who a BGP4MP record is about (RFC 6396 4.4). */
struct mrt_bgp4mp_peer {
	uint32_t	peer_as;
	uint32_t	local_as;
	uint16_t	ifindex;
	struct bw_addr	peer_ip;	/* both the same family; a local  */
	struct bw_addr	local_ip;	/* address of AID_UNSPEC is written
					 * as the unspecified address of the
					 * peer's family */
};

/*
 * The BGP4MP_ET message subtype for a session: as4 chooses the _AS4
 * variants (4-octet AS fields, and 4-octet AS_PATHs inside, as readers
 * take them), addpath the RFC 8050 ones, local the _LOCAL ones.
 */
uint16_t mrt_bgp4mp_msg_subtype(int as4, int addpath, int local);
/*
 * One BGP4MP_ET MESSAGE* record: the whole BGP message (header included)
 * of len bytes as it was on the wire.  Returns 0, or -1.
 */
int	mrt_enc_bgp4mp_msg(struct wbuf *, uint32_t ts, uint32_t usec,
	    uint16_t subtype, const struct mrt_bgp4mp_peer *,
	    const uint8_t *msg, size_t len);
/*
 * The peer part of a BGP4MP record (AS numbers, 4-octet with as4,
 * interface, AFI, both addresses) encoded once into out: its length, or
 * 0 if it does not fit or p's addresses are not of one family.  A
 * collector writes thousands of records per peer: with this and
 * mrt_enc_bgp4mp_msg_pre it encodes that part once per peer, not per
 * record.
 */
#define MRT_BGP4MP_PEER_MAX	(4 + 4 + 2 + 2 + 2 * BW_ADDR_MAX)
size_t	mrt_bgp4mp_peer_enc(uint8_t *out, size_t cap,
	    const struct mrt_bgp4mp_peer *, int as4);
/*
 * mrt_enc_bgp4mp_msg with the peer part of mrt_bgp4mp_peer_enc (plen
 * bytes, encoded for subtype's AS width).  Returns 0, or -1 with
 * nothing written.
 */
int	mrt_enc_bgp4mp_msg_pre(struct wbuf *, uint32_t ts, uint32_t usec,
	    uint16_t subtype, const uint8_t *peer, size_t plen,
	    const uint8_t *msg, size_t len);
/*
 * The same for an UPDATE received on a 2-octet session, written under an
 * _AS4 subtype: its AS_PATH made 4-octet with AS4_PATH merged in (as the
 * decoder did into u, RFC 6793 4.2.3), AGGREGATOR 4-octet with
 * AS4_AGGREGATOR merged, AS4_PATH and AS4_AGGREGATOR dropped, the rest
 * as received (docs/archive.md).  u is msg decoded.  Returns 0, or -1
 * (nothing written): the caller then writes msg as received.
 */
int	mrt_enc_bgp4mp_msg_as4(struct wbuf *, uint32_t ts, uint32_t usec,
	    uint16_t subtype, const struct mrt_bgp4mp_peer *,
	    const uint8_t *msg, size_t len, const struct bgp_update *u);
/* One BGP4MP_ET STATE_CHANGE_AS4 record (states MRT_STATE_*, 1..6). */
int	mrt_enc_bgp4mp_state(struct wbuf *, uint32_t ts, uint32_t usec,
	    const struct mrt_bgp4mp_peer *, uint16_t old_state,
	    uint16_t new_state);
/* A TABLE_DUMP_V2 PEER_INDEX_TABLE of n peers.  Returns 0, or -1. */
int	mrt_enc_peer_index(struct wbuf *, uint32_t ts, uint32_t collector_id,
	    const char *view_name, const struct mrt_peer *, uint16_t n);
/*
 * A TABLE_DUMP_V2 RIB_IPV4/IPV6_UNICAST(_ADDPATH) record, in three steps:
 * begin (returns a handle for end), one entry per route with its
 * attribute block (bgp_attrs_encode_rib), end (fills in the lengths and
 * the entry count).  end returns 0, or -1 (then w->len is as before
 * begin).
 */
struct mrt_rib_enc {
	size_t		start;		/* w->len before begin */
	size_t		count_off;
	uint16_t	count;
	uint8_t		addpath;
};
void	mrt_enc_rib_begin(struct wbuf *, struct mrt_rib_enc *, uint32_t ts,
	    uint32_t seq, const struct bw_prefix *, int addpath);
void	mrt_enc_rib_entry(struct wbuf *, struct mrt_rib_enc *,
	    uint16_t peer_index, uint32_t originated, uint32_t path_id,
	    const uint8_t *attrs, size_t len);
int	mrt_enc_rib_end(struct wbuf *, struct mrt_rib_enc *);

#endif /* BGPWATCH_MRT_H */
