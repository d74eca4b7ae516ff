/*
 * BGP-4 message codec (RFC 4271) apart from UPDATE (see update.h):
 * header framing, OPEN and capabilities, NOTIFICATION, KEEPALIVE,
 * ROUTE-REFRESH.  Pure functions over byte ranges: decoders fill
 * caller-owned structs whose pointers view into the caller's message,
 * encoders append to a caller's struct wbuf.
 */
#ifndef BGPWATCH_BGP_H
#define BGPWATCH_BGP_H

#include <stddef.h>
#include <stdint.h>

#include "bgpwatch.h"
#include "buf.h"

#define BGP_VERSION		4
#define BGP_MARKER_LEN		16
#define BGP_HDR_LEN		19
#define BGP_MIN_LEN		19
#define BGP_MAX_LEN		4096	/* RFC 4271 */
#define BGP_MAX_EXT_LEN		65535	/* RFC 8654 extended messages */
#define BGP_OPEN_MIN_LEN	29
#define BGP_UPDATE_MIN_LEN	23
#define BGP_NOTIFICATION_MIN_LEN 21
#define BGP_KEEPALIVE_LEN	19
#define BGP_RREFRESH_LEN	23	/* without ORF entries (RFC 5291) */
#define BGP_AS_TRANS		23456	/* RFC 6793 */
#define BGP_HOLD_MIN		3	/* smallest non-zero hold time */

enum bgp_msg_type {
	BGP_OPEN = 1,
	BGP_UPDATE = 2,
	BGP_NOTIFICATION = 3,
	BGP_KEEPALIVE = 4,
	BGP_ROUTE_REFRESH = 5
};

/* NOTIFICATION error codes (RFC 4271 4.5) and subcodes. */
enum bgp_err_code {
	ERR_HEADER = 1,
	ERR_OPEN = 2,
	ERR_UPDATE = 3,
	ERR_HOLD = 4,
	ERR_FSM = 5,
	ERR_CEASE = 6,
	ERR_RREFRESH = 7		/* RFC 7313 */
};

enum bgp_err_hdr {
	ERR_HDR_UNSPEC = 0,
	ERR_HDR_SYNC = 1,
	ERR_HDR_LEN = 2,
	ERR_HDR_TYPE = 3
};

enum bgp_err_open {
	ERR_OPEN_UNSPEC = 0,		/* also malformed OPEN/capability */
	ERR_OPEN_VERSION = 1,
	ERR_OPEN_AS = 2,
	ERR_OPEN_BGPID = 3,
	ERR_OPEN_OPT = 4,
	ERR_OPEN_AUTH = 5,		/* deprecated (RFC 4271) */
	ERR_OPEN_HOLDTIME = 6,
	ERR_OPEN_CAPA = 7,		/* RFC 5492 unsupported capability */
	ERR_OPEN_ROLE = 11		/* RFC 9234 */
};

enum bgp_err_update {
	ERR_UPD_UNSPEC = 0,
	ERR_UPD_ATTRLIST = 1,
	ERR_UPD_UNKNWN_WK_ATTR = 2,
	ERR_UPD_MISSNG_WK_ATTR = 3,
	ERR_UPD_ATTRFLAGS = 4,
	ERR_UPD_ATTRLEN = 5,
	ERR_UPD_ORIGIN = 6,
	ERR_UPD_LOOP = 7,		/* deprecated (RFC 4271) */
	ERR_UPD_NEXTHOP = 8,
	ERR_UPD_OPTATTR = 9,
	ERR_UPD_NETWORK = 10,
	ERR_UPD_ASPATH = 11
};

enum bgp_err_fsm {
	ERR_FSM_UNSPEC = 0,
	ERR_FSM_OPENSENT = 1,
	ERR_FSM_OPENCONFIRM = 2,
	ERR_FSM_ESTABLISHED = 3
};

/* Cease subcodes (RFC 4486, RFC 8203/9003 shutdown communication). */
enum bgp_err_cease {
	ERR_CEASE_UNSPEC = 0,
	ERR_CEASE_MAX_PREFIX = 1,
	ERR_CEASE_ADMIN_DOWN = 2,
	ERR_CEASE_PEER_UNCONF = 3,
	ERR_CEASE_ADMIN_RESET = 4,
	ERR_CEASE_CONN_REJECT = 5,
	ERR_CEASE_CONFIG_CHANGE = 6,
	ERR_CEASE_COLLISION = 7,
	ERR_CEASE_RSRC_EXHAUST = 8,
	ERR_CEASE_HARD_RESET = 9,	/* RFC 8538 */
	ERR_CEASE_BFD_DOWN = 10		/* RFC 9384 */
};

/* Longest RFC 9003 shutdown communication, in bytes of UTF-8. */
#define BGP_SHUTDOWN_MSG_MAX	255

enum bgp_err_rrefresh {
	ERR_RR_INV_LEN = 1
};

/*
 * An error found while decoding, ready to become a NOTIFICATION.
 * data views into the message being decoded (valid while it is), except
 * for data synthesized by the decoder, kept in synth: use bgp_err_data().
 */
struct bgp_err {
	uint8_t		 code;
	uint8_t		 subcode;
	uint16_t	 datalen;
	const uint8_t	*data;		/* NULL: the data is in synth */
	uint8_t		 synth[4];
	const char	*reason;	/* static text for the log */
};

/* Fills an error; data/datalen view into the message (may be NULL, 0). */
void	bgp_err_set(struct bgp_err *, uint8_t code, uint8_t subcode,
	    const uint8_t *data, uint16_t datalen, const char *reason);
/* Fills an error whose data is the 2-byte big-endian v, kept in synth. */
void	bgp_err_set_u16(struct bgp_err *, uint8_t code, uint8_t subcode,
	    uint16_t v, const char *reason);
/* Pointer to the error's data bytes (datalen of them). */
const uint8_t *bgp_err_data(const struct bgp_err *);

/* Header framing */
struct bgp_hdr {
	uint16_t	len;		/* whole message, header included */
	uint8_t		type;
};

/*
 * Looks at the n bytes at p for one framed message.  maxlen is 4096, or
 * 65535 once extended messages are negotiated (RFC 8654).
 * Returns 1 and fills h when a whole message is there (h->len bytes),
 * 0 if more bytes are needed, -1 on a malformed header (err filled:
 * connection not synchronized, bad length, bad type).  The header is
 * judged as soon as its 19 bytes are there.  A length wrong for the type
 * is an error here too (RFC 4271 6.1): OPEN 29..4096 and KEEPALIVE 19
 * whatever maxlen (RFC 8654 4), UPDATE >= 23, NOTIFICATION >= 21,
 * ROUTE-REFRESH >= 23 (longer ones are bgp_rr_decode's to judge).
 */
int	bgp_frame(const uint8_t *p, size_t n, size_t maxlen,
	    struct bgp_hdr *h, struct bgp_err *err);
/*
 * The header part of bgp_frame: judges the 19 bytes at p (the caller
 * has them) and fills h.  Returns 0, or -1 on a malformed header (err
 * filled as by bgp_frame).  For a reader that finds the rest itself.
 */
int	bgp_frame_hdr(const uint8_t *p, size_t maxlen, struct bgp_hdr *h,
	    struct bgp_err *err);
/* Writes a header with a zero length; returns its offset for bgp_hdr_end. */
size_t	bgp_hdr_begin(struct wbuf *, uint8_t type);
/* Fills the length of the message started at off. */
void	bgp_hdr_end(struct wbuf *, size_t off);

/* Capabilities (RFC 5492) */
enum bgp_capa_code {
	CAPA_MP = 1,			/* RFC 4760 */
	CAPA_REFRESH = 2,		/* RFC 2918 */
	CAPA_ORF = 3,			/* RFC 5291, kept opaque */
	CAPA_EXT_NEXTHOP = 5,		/* RFC 8950, kept opaque */
	CAPA_EXT_MSG = 6,		/* RFC 8654 */
	CAPA_ROLE = 9,			/* RFC 9234, kept opaque */
	CAPA_GR = 64,			/* RFC 4724 */
	CAPA_AS4 = 65,			/* RFC 6793 */
	CAPA_ADDPATH = 69,		/* RFC 7911 */
	CAPA_ENHANCED_RR = 70,		/* RFC 7313 */
	CAPA_LLGR = 71,			/* kept opaque */
	CAPA_FQDN = 73,			/* kept opaque */
	CAPA_SOFT_VERSION = 75,		/* kept opaque */
	CAPA_REFRESH_OLD = 128		/* pre-standard Cisco, kept opaque */
};

/* ADD-PATH send/receive bits (RFC 7911 4). */
#define ADDPATH_RECV	0x1
#define ADDPATH_SEND	0x2

/* Optional parameter types (RFC 5492, RFC 9072). */
#define OPT_PARAM_CAPA		2
#define OPT_PARAM_EXT_LEN	255	/* marks the extended encoding */

/* Graceful restart flags (RFC 4724 3). */
#define GR_RESTART	0x8		/* R bit, high nibble of the header */
#define GR_NOTIFICATION	0x4		/* N bit, RFC 8538 */
#define GR_AF_FORWARD	0x80		/* per-AFI F bit */

#define BGP_CAPA_MAX_OTHER_MP	16
#define BGP_CAPA_MAX_UNKNOWN	16

/* One capability kept as bytes (value views into the OPEN). */
struct bgp_capa_raw {
	uint8_t		 code;
	uint8_t		 len;
	const uint8_t	*value;
};

/*
 * Everything one side announces.  For families: index by AID; other
 * AFI/SAFI pairs are listed in other_mp.  An OPEN without any
 * capabilities leaves present all zero.  The decoder sets present for
 * every code seen; the encoder ignores it and writes what the fields say.
 * The counters saturate at 255.
 */
#define CAPA_ISSET(c, code)	((c)->present[(code) >> 3] & (1 << ((code) & 7)))
#define CAPA_SET(c, code)	((c)->present[(code) >> 3] |= (uint8_t)(1 << ((code) & 7)))

struct bgp_caps {
	uint8_t		present[32];	/* bitmap by capability code: CAPA_ISSET */
	uint8_t		mp[AID_MAX];	/* multiprotocol announced for the AID */
	uint8_t		refresh;
	uint8_t		enhanced_rr;
	uint8_t		ext_msg;
	uint8_t		as4_present;
	uint32_t	as4;		/* our AS in the 4-octet AS capability */
	struct {
		uint8_t		present;
		uint8_t		flags;		/* GR_RESTART | GR_NOTIFICATION */
		uint16_t	restart_time;	/* seconds, 12 bits */
		uint8_t		af[AID_MAX];	/* family listed */
		uint8_t		af_flags[AID_MAX]; /* GR_AF_FORWARD */
	} gr;
	uint8_t		addpath[AID_MAX];	/* ADDPATH_RECV | ADDPATH_SEND */
	uint8_t		n_other_mp;
	uint8_t		other_mp_dropped; /* no room left in other_mp */
	struct {
		uint16_t	afi;
		uint8_t		safi;
	} other_mp[BGP_CAPA_MAX_OTHER_MP];
	uint8_t		n_unknown;	/* opaque capabilities, in order seen */
	uint8_t		unknown_dropped; /* more than BGP_CAPA_MAX_UNKNOWN */
	struct bgp_capa_raw unknown[BGP_CAPA_MAX_UNKNOWN];
};

/* What a session uses: our capabilities negotiated with the peer's. */
struct bgp_neg {
	uint8_t		as4;		/* both sides 4-octet AS */
	uint8_t		ext_msg;	/* both: messages up to 65535 */
	uint8_t		refresh;
	uint8_t		enhanced_rr;
	uint8_t		af[AID_MAX];	/* family usable on the session */
	uint8_t		addpath_recv[AID_MAX];	/* peer sends us path ids */
	uint8_t		addpath_send[AID_MAX];	/* we send path ids */
	uint8_t		gr_peer;	/* peer is GR capable (we are helper) */
	uint8_t		gr_peer_restarting; /* R bit in the peer's OPEN */
	uint16_t	gr_restart_time;
	uint8_t		gr_af[AID_MAX];	/* families the peer keeps state for */
	uint8_t		gr_af_forward[AID_MAX];
};

/*
 * Negotiates: ours x theirs.  A side that announced no multiprotocol
 * capability at all means IPv4 unicast only (RFC 4760 8).  ADD-PATH and
 * graceful restart count only for families in out->af.
 */
void	bgp_caps_negotiate(const struct bgp_caps *ours,
	    const struct bgp_caps *theirs, struct bgp_neg *out);
/* Name of a capability code for logs ("4-octet AS", "unknown"). */
const char *bgp_capa_name(uint8_t code);

/* OPEN */
struct bgp_open {
	uint8_t		version;
	uint16_t	my_as;		/* AS_TRANS when the real one is in caps */
	uint16_t	holdtime;
	uint32_t	bgp_id;		/* host byte order */
	uint8_t		ext_optparam;	/* RFC 9072 encoding was used */
	struct bgp_caps	caps;
};

/*
 * Decodes an OPEN message body (after the 19-byte header).
 * Returns 0, or -1 with err set (unsupported version with the version we
 * support as data, bad BGP identifier, unacceptable hold time (1 or 2),
 * unsupported optional parameter, malformed capability or lengths that
 * do not add up: OPEN Message Error / Unspecific).  The peer AS is
 * not checked here: that is the session's policy.
 */
int	bgp_open_decode(const uint8_t *body, size_t len, struct bgp_open *,
	    struct bgp_err *err);
/*
 * Encodes a whole OPEN message, version 4, all capabilities in one
 * optional parameter.  Uses the RFC 9072 extended optional parameter
 * length only when the parameters do not fit 255 bytes or when
 * ext_optparam asks for it.  my_as is written as given (AS_TRANS is the
 * caller's choice).  Returns 0, or -1 if w is too small.
 */
int	bgp_open_encode(struct wbuf *, const struct bgp_open *);
/* The AS the OPEN speaks for: the 4-octet capability's, else my_as. */
uint32_t bgp_open_as(const struct bgp_open *);

/* NOTIFICATION */
struct bgp_notification {
	uint8_t		 code;
	uint8_t		 subcode;
	uint16_t	 datalen;
	const uint8_t	*data;
};

/* Decodes a NOTIFICATION body.  Returns 0, or -1 if shorter than 2 bytes. */
int	bgp_notification_decode(const uint8_t *body, size_t len,
	    struct bgp_notification *);
/* Encodes a whole NOTIFICATION.  Returns 0, or -1 if w is too small. */
int	bgp_notification_encode(struct wbuf *, uint8_t code, uint8_t subcode,
	    const uint8_t *data, size_t datalen);
/*
 * Encodes Cease/Administrative Shutdown or Reset with an RFC 9003
 * shutdown communication (msg truncated to 255 bytes on a UTF-8 boundary;
 * NULL: no data at all).  Returns 0, or -1 if w is too small or subcode
 * is neither ERR_CEASE_ADMIN_DOWN nor ERR_CEASE_ADMIN_RESET.
 */
int	bgp_notification_encode_shutdown(struct wbuf *, uint8_t subcode,
	    const char *msg);
/*
 * Extracts the shutdown communication of a Cease/Admin Shutdown or Reset
 * into out (NUL-terminated, cut to fit on a character boundary; control
 * characters and invalid UTF-8 replaced by '?').  Returns the length
 * written to out, or -1 if there is none or its length byte overruns
 * the data.
 */
int	bgp_notification_shutdown_msg(const struct bgp_notification *,
	    char *out, size_t outlen);
/* "UPDATE message error", "Cease", ... */
const char *bgp_err_code_name(uint8_t code);
/* "Malformed AS_PATH", "Administrative shutdown", ... or "unknown subcode". */
const char *bgp_err_subcode_name(uint8_t code, uint8_t subcode);

/* Encodes a KEEPALIVE (a bare header; bgp_frame checks its length). */
int	bgp_keepalive_encode(struct wbuf *);

/* ROUTE-REFRESH (RFC 2918, RFC 7313) */
enum bgp_rr_subtype {
	RR_REQUEST = 0,
	RR_BORR = 1,
	RR_EORR = 2
};

struct bgp_rr {
	uint16_t	afi;
	uint8_t		subtype;
	uint8_t		safi;
};

/*
 * Decodes a ROUTE-REFRESH body.  Returns 0, or -1 with err set: a BoRR
 * or EoRR whose body is not 4 bytes is ROUTE-REFRESH Message Error /
 * Invalid Message Length (RFC 7313 5) with the body as data (the RFC
 * wants the whole message: the caller, which has the header right before
 * the body, should widen the data by BGP_HDR_LEN); a request not 4 bytes
 * long (ORF, RFC 5291, is never negotiated) or any body under 4 bytes is
 * Message Header Error / Bad Message Length, as OpenBGPD does.
 * Unknown subtypes decode fine: the caller ignores them (RFC 7313 5).
 */
int	bgp_rr_decode(const uint8_t *body, size_t len, struct bgp_rr *,
	    struct bgp_err *err);
/* Encodes a whole ROUTE-REFRESH.  Returns 0, or -1 if w is too small. */
int	bgp_rr_encode(struct wbuf *, const struct bgp_rr *);

/* "OPEN", "UPDATE", ... */
const char *bgp_msg_type_name(uint8_t type);

#endif /* BGPWATCH_BGP_H */
