/*
 * BGP Monitoring Protocol codec (RFC 7854, with RFC 8671 Adj-RIB-Out and
 * RFC 9069 Loc-RIB): framing of the common header and a decoder for every
 * message type.  Pure functions over byte ranges, no allocation: the
 * decoded struct views into the caller's message (valid while it is).
 * Every length is checked; malformed input gives -1 and a static reason,
 * never a read outside the message.
 */
#ifndef BGPWATCH_BMP_H
#define BGPWATCH_BMP_H

#include <stddef.h>
#include <stdint.h>

#include "bgpwatch.h"
#include "buf.h"
#include "update.h"

#define BMP_VERSION		3
#define BMP_HDR_LEN		6	/* version, length, type */
#define BMP_PEER_HDR_LEN	42
/* Default cap on one message: a BGP message of 65535 bytes plus headers. */
#define BMP_MAX_LEN		(65535 + 1024)

enum bmp_type {
	BMP_ROUTE_MONITORING = 0,
	BMP_STATS_REPORT = 1,
	BMP_PEER_DOWN = 2,
	BMP_PEER_UP = 3,
	BMP_INITIATION = 4,
	BMP_TERMINATION = 5,
	BMP_ROUTE_MIRRORING = 6,
	BMP_TYPE_MAX = 7
};

/* Peer types (RFC 7854 4.2, RFC 9069 4.1). */
enum bmp_peer_type {
	BMP_PEER_GLOBAL = 0,
	BMP_PEER_RD = 1,
	BMP_PEER_LOCAL = 2,
	BMP_PEER_LOC_RIB = 3
};

/* Per-peer header flags. */
#define BMP_PF_V	0x80	/* peer address is IPv6 */
#define BMP_PF_L	0x40	/* post-policy Adj-RIB-In */
#define BMP_PF_A	0x20	/* legacy 2-octet AS_PATH */
#define BMP_PF_O	0x10	/* Adj-RIB-Out (RFC 8671) */
#define BMP_PF_F	0x80	/* Loc-RIB: filtered (RFC 9069) */

/* Which RIB view a monitored peer's routes are (bgpwatch's name). */
enum bmp_view {
	BMP_VIEW_PRE = 0,	/* Adj-RIB-In pre-policy */
	BMP_VIEW_POST,		/* Adj-RIB-In post-policy */
	BMP_VIEW_OUT_PRE,	/* Adj-RIB-Out pre-policy */
	BMP_VIEW_OUT_POST,	/* Adj-RIB-Out post-policy */
	BMP_VIEW_LOC_RIB,	/* Loc-RIB */
	BMP_VIEW_MAX
};

/* Peer Down reasons (RFC 7854 4.9, RFC 9069 5). */
enum bmp_down_reason {
	BMP_DOWN_LOCAL_NOTIF = 1,
	BMP_DOWN_LOCAL_FSM = 2,
	BMP_DOWN_REMOTE_NOTIF = 3,
	BMP_DOWN_REMOTE_NODATA = 4,
	BMP_DOWN_DECONFIGURED = 5,
	BMP_DOWN_LOCAL_TLV = 6
};

/* Initiation / Termination / Peer Up information TLV types. */
#define BMP_INFO_STRING		0
#define BMP_INFO_SYSDESCR	1
#define BMP_INFO_SYSNAME	2
#define BMP_TERM_REASON		1

/* Route Mirroring TLV types. */
#define BMP_MIRROR_BGP		0
#define BMP_MIRROR_INFO		1

/* Statistics kept per peer: types 0..BMP_STAT_MAX-1 (RFC 7854 4.8 and
 * the IANA registry); larger types are counted but not kept. */
#define BMP_STAT_MAX		18

struct bmp_hdr {
	uint8_t		version;
	uint32_t	len;		/* whole message, header included */
	uint8_t		type;
};

struct bmp_peer_hdr {
	uint8_t		type;		/* enum bmp_peer_type */
	uint8_t		flags;		/* BMP_PF_* */
	uint64_t	rd;		/* distinguisher */
	struct bw_addr	addr;		/* zero for Loc-RIB */
	uint32_t	asn;
	uint32_t	bgp_id;		/* host byte order */
	uint32_t	ts_sec;
	uint32_t	ts_usec;
};

struct bmp_stat {
	uint16_t	type;
	uint16_t	afi;		/* types 9, 10: per AFI/SAFI */
	uint8_t		safi;
	uint64_t	value;		/* counter or gauge */
};

/*
 * A decoded message.  Views point into the message.  Which members are
 * set depends on type; peer is set for every type that has the per-peer
 * header (all but Initiation and Termination).
 */
struct bmp_msg {
	uint8_t			type;
	struct bmp_peer_hdr	peer;
	/* Initiation, Termination, Peer Up: information TLVs */
	struct bgp_view		sysname, sysdescr, string;
	uint16_t		term_reason;	/* Termination */
	uint8_t			has_term_reason;
	/* Route Monitoring: the BGP UPDATE, header included */
	struct bgp_view		bgp;
	/* Peer Up */
	struct bw_addr		local_addr;
	uint16_t		local_port, remote_port;
	struct bgp_view		open_sent, open_rcvd;	/* whole messages */
	/* Peer Down */
	uint8_t			down_reason;
	struct bgp_view		down_data;	/* NOTIFICATION or FSM code */
	uint16_t		down_fsm_event;
	/* Statistics Report: the TLVs, walk with bmp_stat_next() */
	uint32_t		nstats;
	struct bgp_view		stats;
	/* Route Mirroring */
	uint32_t		mirror_msgs;	/* BGP messages in it */
	uint16_t		mirror_info;	/* last information code */
};

/*
 * Looks at the n bytes at p for one BMP message no longer than maxlen.
 * Returns 1 with h filled when a whole message is there (h->len bytes),
 * 0 when more bytes are needed, -1 with *err set on a bad header (wrong
 * version, length shorter than the header or over maxlen, unknown type).
 */
int	bmp_frame(const uint8_t *p, size_t n, size_t maxlen,
	    struct bmp_hdr *h, const char **err);
/*
 * Decodes one whole message (as bmp_frame() delimited it).  Returns 0,
 * or -1 with *err set.  The BGP messages inside are framed and checked
 * for type and length here; their contents are the BGP codec's.
 */
int	bmp_decode(const uint8_t *p, size_t len, struct bmp_msg *m,
	    const char **err);
/*
 * Next statistic of a Statistics Report (b over m->stats).  Returns 1,
 * 0 at the end, -1 on a malformed TLV.
 */
int	bmp_stat_next(struct buf *b, struct bmp_stat *st);

/* The RIB view of a per-peer header (type and flags). */
enum bmp_view bmp_peer_view(const struct bmp_peer_hdr *);
/* "pre-policy", "post-policy", "adj-rib-out-pre", ..., "loc-rib". */
const char *bmp_view_name(enum bmp_view);
/* "route-monitoring", "peer-up", ...; "unknown" past the table. */
const char *bmp_type_name(uint8_t type);
/* Text of a Peer Down reason code. */
const char *bmp_down_reason_name(uint8_t reason);
/* Text of a Termination reason code. */
const char *bmp_term_reason_name(uint16_t reason);
/* Name of a statistics type ("rejected-prefixes", ...), or NULL. */
const char *bmp_stat_name(uint16_t type);

#endif /* BGPWATCH_BMP_H */
