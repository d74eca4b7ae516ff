/*
 * BGP message framing and the small messages: header, KEEPALIVE,
 * NOTIFICATION (with the RFC 9003 shutdown communication) and
 * ROUTE-REFRESH, plus the names of message types and error codes.
 *
 * Framing judges a header from one descriptor row per message type
 * (length bounds, name), so that a bad header is refused as soon as its
 * 19 bytes are in, before the body arrives.  The error names live in one
 * table per error code, indexed by subcode.  OPEN is in open.c, UPDATE
 * in update.c.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bgpwatch.h"
#include "buf.h"
#include "bgp.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

struct msg_desc {
	const char	*name;
	uint16_t	 minlen;
	uint16_t	 maxlen;	/* 0: the session's limit */
};

static const struct msg_desc msg_desc[] = {
	[BGP_OPEN] = { "OPEN", BGP_OPEN_MIN_LEN, BGP_MAX_LEN },
	[BGP_UPDATE] = { "UPDATE", BGP_UPDATE_MIN_LEN, 0 },
	[BGP_NOTIFICATION] = { "NOTIFICATION", BGP_NOTIFICATION_MIN_LEN, 0 },
	[BGP_KEEPALIVE] = { "KEEPALIVE", BGP_KEEPALIVE_LEN, BGP_KEEPALIVE_LEN },
	[BGP_ROUTE_REFRESH] = { "ROUTE-REFRESH", BGP_RREFRESH_LEN, 0 },
};

static const struct msg_desc *
msg_lookup(uint8_t type)
{
	if (type >= nitems(msg_desc) || msg_desc[type].name == NULL)
		return NULL;
	return &msg_desc[type];
}

void
bgp_err_set(struct bgp_err *e, uint8_t code, uint8_t subcode,
    const uint8_t *data, uint16_t datalen, const char *reason)
{
	memset(e, 0, sizeof(*e));
	e->code = code;
	e->subcode = subcode;
	e->data = data;
	e->datalen = data != NULL ? datalen : 0;
	e->reason = reason;
}

void
bgp_err_set_u16(struct bgp_err *e, uint8_t code, uint8_t subcode,
    uint16_t v, const char *reason)
{
	bgp_err_set(e, code, subcode, NULL, 0, reason);
	e->synth[0] = (uint8_t)(v >> 8);
	e->synth[1] = (uint8_t)v;
	e->datalen = 2;
}

const uint8_t *
bgp_err_data(const struct bgp_err *e)
{
	return e->data != NULL ? e->data : e->synth;
}

/* Framing */

static const uint8_t bgp_marker[BGP_MARKER_LEN] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
};

int
bgp_frame_hdr(const uint8_t *p, size_t maxlen, struct bgp_hdr *h,
    struct bgp_err *err)
{
	const struct msg_desc	*d;
	const uint8_t		*lenp, *typep;
	struct buf		 b, m;
	size_t			 max;
	uint16_t		 len;
	uint8_t			 type;

	buf_init(&b, p, BGP_HDR_LEN);
	/* One comparison, not sixteen byte reads: every message pays it. */
	if (buf_get_sub(&b, BGP_MARKER_LEN, &m) == -1 ||
	    memcmp(buf_cur(&m), bgp_marker, BGP_MARKER_LEN) != 0) {
		bgp_err_set(err, ERR_HEADER, ERR_HDR_SYNC, NULL, 0,
		    "marker is not all ones");
		return -1;
	}
	lenp = buf_cur(&b);
	(void)buf_get_u16(&b, &len);	/* 19 bytes: both are there */
	typep = buf_cur(&b);
	(void)buf_get_u8(&b, &type);

	if (len < BGP_HDR_LEN || len > maxlen)
		goto badlen;
	if ((d = msg_lookup(type)) == NULL) {
		bgp_err_set(err, ERR_HEADER, ERR_HDR_TYPE, typep, 1,
		    "unknown message type");
		return -1;
	}
	max = d->maxlen != 0 ? d->maxlen : maxlen;
	if (len < d->minlen || len > max)
		goto badlen;
	h->len = len;
	h->type = type;
	return 0;

 badlen:
	bgp_err_set(err, ERR_HEADER, ERR_HDR_LEN, lenp, 2,
	    "bad message length");
	return -1;
}

int
bgp_frame(const uint8_t *p, size_t n, size_t maxlen, struct bgp_hdr *h,
    struct bgp_err *err)
{
	struct bgp_hdr	hdr;

	if (n < BGP_HDR_LEN)
		return 0;
	if (bgp_frame_hdr(p, maxlen, &hdr, err) == -1)
		return -1;
	if (n < hdr.len)
		return 0;
	*h = hdr;
	return 1;
}

size_t
bgp_hdr_begin(struct wbuf *w, uint8_t type)
{
	static const uint8_t	marker[BGP_MARKER_LEN] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
	};
	size_t			off = w->len;

	wbuf_put_bytes(w, marker, sizeof(marker));
	wbuf_put_u16(w, 0);
	wbuf_put_u8(w, type);
	return off;
}

void
bgp_hdr_end(struct wbuf *w, size_t off)
{
	size_t	len = w->len - off;

	/* A message longer than the length field can say cannot be sent. */
	if (len > UINT16_MAX) {
		w->err = 1;
		return;
	}
	wbuf_set_u16(w, off + BGP_MARKER_LEN, (uint16_t)len);
}

const char *
bgp_msg_type_name(uint8_t type)
{
	const struct msg_desc	*d;

	if ((d = msg_lookup(type)) == NULL)
		return "unknown";
	return d->name;
}

/* KEEPALIVE */

int
bgp_keepalive_encode(struct wbuf *w)
{
	bgp_hdr_end(w, bgp_hdr_begin(w, BGP_KEEPALIVE));
	return w->err ? -1 : 0;
}

/* NOTIFICATION */

int
bgp_notification_decode(const uint8_t *body, size_t len,
    struct bgp_notification *n)
{
	struct buf	b;

	buf_init(&b, body, len);
	if (buf_get_u8(&b, &n->code) == -1 ||
	    buf_get_u8(&b, &n->subcode) == -1 ||
	    buf_left(&b) > UINT16_MAX)
		return -1;
	n->datalen = (uint16_t)buf_left(&b);
	n->data = n->datalen > 0 ? buf_cur(&b) : NULL;
	return 0;
}

int
bgp_notification_encode(struct wbuf *w, uint8_t code, uint8_t subcode,
    const uint8_t *data, size_t datalen)
{
	size_t	off;

	off = bgp_hdr_begin(w, BGP_NOTIFICATION);
	wbuf_put_u8(w, code);
	wbuf_put_u8(w, subcode);
	if (data != NULL)
		wbuf_put_bytes(w, data, datalen);
	bgp_hdr_end(w, off);
	return w->err ? -1 : 0;
}

static int
is_shutdown(uint8_t code, uint8_t subcode)
{
	return code == ERR_CEASE && (subcode == ERR_CEASE_ADMIN_DOWN ||
	    subcode == ERR_CEASE_ADMIN_RESET);
}

int
bgp_notification_encode_shutdown(struct wbuf *w, uint8_t subcode,
    const char *msg)
{
	uint8_t	data[1 + BGP_SHUTDOWN_MSG_MAX];
	size_t	len;

	if (!is_shutdown(ERR_CEASE, subcode))
		return -1;
	if (msg == NULL)
		return bgp_notification_encode(w, ERR_CEASE, subcode, NULL, 0);

	len = strlen(msg);
	if (len > BGP_SHUTDOWN_MSG_MAX) {
		/* Cut before the character that straddles the limit. */
		len = BGP_SHUTDOWN_MSG_MAX;
		while (len > 0 && ((uint8_t)msg[len] & 0xc0) == 0x80)
			len--;
	}
	data[0] = (uint8_t)len;
	memcpy(data + 1, msg, len);
	return bgp_notification_encode(w, ERR_CEASE, subcode, data, 1 + len);
}

/*
 * Length of the well-formed UTF-8 character at p (n bytes left), or 0 if
 * it is malformed: stray continuation, overlong, surrogate, > U+10FFFF.
 */
static size_t
utf8_charlen(const uint8_t *p, size_t n)
{
	size_t	len, i;
	uint8_t	lo = 0x80, hi = 0xbf;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;
		else if (p[0] == 0xed)
			hi = 0x9f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/* Whether the character of clen bytes at p may go to a log as it is. */
static int
utf8_printable(const uint8_t *p, size_t clen)
{
	if (clen == 1)
		return p[0] >= 0x20 && p[0] < 0x7f;
	/* C1 controls, U+0080..U+009F. */
	return !(clen == 2 && p[0] == 0xc2 && p[1] < 0xa0);
}

int
bgp_notification_shutdown_msg(const struct bgp_notification *n, char *out,
    size_t outlen)
{
	struct buf	b, msg;
	size_t		clen, o = 0;
	uint8_t		len;

	if (outlen == 0 || !is_shutdown(n->code, n->subcode))
		return -1;
	buf_init(&b, n->data, n->datalen);
	if (buf_get_u8(&b, &len) == -1 || buf_get_sub(&b, len, &msg) == -1)
		return -1;

	while (buf_left(&msg) > 0) {
		clen = utf8_charlen(buf_cur(&msg), buf_left(&msg));
		if (clen == 0 || !utf8_printable(buf_cur(&msg), clen)) {
			if (outlen - o < 2)
				break;
			out[o++] = '?';
			buf_skip(&msg, clen == 0 ? 1 : clen);
			continue;
		}
		if (outlen - o < clen + 1)
			break;
		buf_get_bytes(&msg, out + o, clen);
		o += clen;
	}
	out[o] = '\0';
	return (int)o;
}

/* Error names: one table per code, indexed by subcode. */

static const char *const err_hdr_names[] = {
	[ERR_HDR_UNSPEC] = "Unspecific",
	[ERR_HDR_SYNC] = "Connection not synchronized",
	[ERR_HDR_LEN] = "Bad message length",
	[ERR_HDR_TYPE] = "Bad message type",
};

static const char *const err_open_names[] = {
	[ERR_OPEN_UNSPEC] = "Unspecific",
	[ERR_OPEN_VERSION] = "Unsupported version number",
	[ERR_OPEN_AS] = "Bad peer AS",
	[ERR_OPEN_BGPID] = "Bad BGP identifier",
	[ERR_OPEN_OPT] = "Unsupported optional parameter",
	[ERR_OPEN_AUTH] = "Authentication failure (deprecated)",
	[ERR_OPEN_HOLDTIME] = "Unacceptable hold time",
	[ERR_OPEN_CAPA] = "Unsupported capability",
	[ERR_OPEN_ROLE] = "Role mismatch",
};

static const char *const err_update_names[] = {
	[ERR_UPD_UNSPEC] = "Unspecific",
	[ERR_UPD_ATTRLIST] = "Malformed attribute list",
	[ERR_UPD_UNKNWN_WK_ATTR] = "Unrecognized well-known attribute",
	[ERR_UPD_MISSNG_WK_ATTR] = "Missing well-known attribute",
	[ERR_UPD_ATTRFLAGS] = "Attribute flags error",
	[ERR_UPD_ATTRLEN] = "Attribute length error",
	[ERR_UPD_ORIGIN] = "Invalid ORIGIN attribute",
	[ERR_UPD_LOOP] = "AS routing loop (deprecated)",
	[ERR_UPD_NEXTHOP] = "Invalid NEXT_HOP attribute",
	[ERR_UPD_OPTATTR] = "Optional attribute error",
	[ERR_UPD_NETWORK] = "Invalid network field",
	[ERR_UPD_ASPATH] = "Malformed AS_PATH",
};

static const char *const err_hold_names[] = {
	[0] = "Unspecific",
};

static const char *const err_fsm_names[] = {
	[ERR_FSM_UNSPEC] = "Unspecified error",
	[ERR_FSM_OPENSENT] = "Unexpected message in OpenSent",
	[ERR_FSM_OPENCONFIRM] = "Unexpected message in OpenConfirm",
	[ERR_FSM_ESTABLISHED] = "Unexpected message in Established",
};

static const char *const err_cease_names[] = {
	[ERR_CEASE_UNSPEC] = "Unspecific",
	[ERR_CEASE_MAX_PREFIX] = "Maximum number of prefixes reached",
	[ERR_CEASE_ADMIN_DOWN] = "Administrative shutdown",
	[ERR_CEASE_PEER_UNCONF] = "Peer de-configured",
	[ERR_CEASE_ADMIN_RESET] = "Administrative reset",
	[ERR_CEASE_CONN_REJECT] = "Connection rejected",
	[ERR_CEASE_CONFIG_CHANGE] = "Other configuration change",
	[ERR_CEASE_COLLISION] = "Connection collision resolution",
	[ERR_CEASE_RSRC_EXHAUST] = "Out of resources",
	[ERR_CEASE_HARD_RESET] = "Hard reset",
	[ERR_CEASE_BFD_DOWN] = "BFD down",
};

static const char *const err_rr_names[] = {
	[0] = "Reserved",
	[ERR_RR_INV_LEN] = "Invalid message length",
};

static const struct err_desc {
	const char		*name;
	const char *const	*sub;
	size_t			 nsub;
} err_desc[] = {
	[ERR_HEADER] = { "Message header error",
	    err_hdr_names, nitems(err_hdr_names) },
	[ERR_OPEN] = { "OPEN message error",
	    err_open_names, nitems(err_open_names) },
	[ERR_UPDATE] = { "UPDATE message error",
	    err_update_names, nitems(err_update_names) },
	[ERR_HOLD] = { "Hold timer expired",
	    err_hold_names, nitems(err_hold_names) },
	[ERR_FSM] = { "Finite state machine error",
	    err_fsm_names, nitems(err_fsm_names) },
	[ERR_CEASE] = { "Cease",
	    err_cease_names, nitems(err_cease_names) },
	[ERR_RREFRESH] = { "ROUTE-REFRESH message error",
	    err_rr_names, nitems(err_rr_names) },
};

static const struct err_desc *
err_lookup(uint8_t code)
{
	if (code >= nitems(err_desc) || err_desc[code].name == NULL)
		return NULL;
	return &err_desc[code];
}

const char *
bgp_err_code_name(uint8_t code)
{
	const struct err_desc	*d;

	if ((d = err_lookup(code)) == NULL)
		return "unknown error code";
	return d->name;
}

const char *
bgp_err_subcode_name(uint8_t code, uint8_t subcode)
{
	const struct err_desc	*d;

	if ((d = err_lookup(code)) == NULL || subcode >= d->nsub ||
	    d->sub[subcode] == NULL)
		return "unknown subcode";
	return d->sub[subcode];
}

/* ROUTE-REFRESH */

int
bgp_rr_decode(const uint8_t *body, size_t len, struct bgp_rr *rr,
    struct bgp_err *err)
{
	struct buf	b;

	buf_init(&b, body, len);
	if (buf_get_u16(&b, &rr->afi) == -1 ||
	    buf_get_u8(&b, &rr->subtype) == -1 ||
	    buf_get_u8(&b, &rr->safi) == -1)
		goto badlen;
	if (buf_left(&b) == 0)
		return 0;

	switch (rr->subtype) {
	case RR_REQUEST:
		goto badlen;
	case RR_BORR:
	case RR_EORR:
		bgp_err_set(err, ERR_RREFRESH, ERR_RR_INV_LEN, body,
		    len > UINT16_MAX ? UINT16_MAX : (uint16_t)len,
		    "BoRR/EoRR with a bad length");
		return -1;
	default:
		return 0;
	}

 badlen:
	bgp_err_set_u16(err, ERR_HEADER, ERR_HDR_LEN,
	    len > UINT16_MAX - BGP_HDR_LEN ? UINT16_MAX :
	    (uint16_t)(len + BGP_HDR_LEN), "ROUTE-REFRESH with a bad length");
	return -1;
}

int
bgp_rr_encode(struct wbuf *w, const struct bgp_rr *rr)
{
	size_t	off;

	off = bgp_hdr_begin(w, BGP_ROUTE_REFRESH);
	wbuf_put_u16(w, rr->afi);
	wbuf_put_u8(w, rr->subtype);
	wbuf_put_u8(w, rr->safi);
	bgp_hdr_end(w, off);
	return w->err ? -1 : 0;
}
