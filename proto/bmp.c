/*
 * BMP codec (RFC 7854, RFC 8671, RFC 9069): the common header, the
 * per-peer header and one decoder per message type, picked from a table
 * by type.  Every field is read through a struct buf, so a length that
 * does not add up is an error, never a read past the message.  BGP
 * messages carried inside (Route Monitoring, Peer Up's OPENs, Peer
 * Down's NOTIFICATION, Route Mirroring) are framed with bgp_frame() and
 * must fill their field exactly; their contents are the BGP codec's.
 */
#include <string.h>

#include "bgp.h"
#include "bmp.h"

static int
bmp_fail(const char **err, const char *why)
{
	*err = why;
	return -1;
}

int
bmp_frame(const uint8_t *p, size_t n, size_t maxlen, struct bmp_hdr *h,
    const char **err)
{
	struct buf b;

	if (n < BMP_HDR_LEN)
		return 0;
	buf_init(&b, p, BMP_HDR_LEN);
	(void)buf_get_u8(&b, &h->version);
	(void)buf_get_u32(&b, &h->len);
	(void)buf_get_u8(&b, &h->type);
	if (h->version != BMP_VERSION)
		return bmp_fail(err, "unsupported BMP version");
	if (h->len < BMP_HDR_LEN)
		return bmp_fail(err, "message length shorter than the header");
	if (h->len > maxlen)
		return bmp_fail(err, "message longer than the cap");
	if (h->type >= BMP_TYPE_MAX)
		return bmp_fail(err, "unknown message type");
	return n >= h->len ? 1 : 0;
}

/* One whole BGP message of the expected type filling v exactly. */
static int
bmp_bgp_msg(struct buf *b, uint8_t type, struct bgp_view *v, int rest,
    const char **err)
{
	struct bgp_hdr h;
	struct bgp_err e;

	if (bgp_frame(buf_cur(b), buf_left(b), BGP_MAX_EXT_LEN, &h, &e) != 1)
		return bmp_fail(err, "malformed BGP message inside BMP");
	if (h.type != type)
		return bmp_fail(err, "unexpected BGP message type inside BMP");
	if (rest && h.len != buf_left(b))
		return bmp_fail(err, "BGP message does not fill the BMP message");
	v->p = buf_cur(b);
	v->len = h.len;
	(void)buf_skip(b, h.len);
	return 0;
}

static int
bmp_peer_hdr(struct buf *b, struct bmp_peer_hdr *ph, const char **err)
{
	uint8_t a[16];
	uint32_t hi, lo;

	if (buf_get_u8(b, &ph->type) == -1 || buf_get_u8(b, &ph->flags) == -1 ||
	    buf_get_u32(b, &hi) == -1 || buf_get_u32(b, &lo) == -1 ||
	    buf_get_bytes(b, a, sizeof(a)) == -1 ||
	    buf_get_u32(b, &ph->asn) == -1 || buf_get_u32(b, &ph->bgp_id) == -1 ||
	    buf_get_u32(b, &ph->ts_sec) == -1 ||
	    buf_get_u32(b, &ph->ts_usec) == -1)
		return bmp_fail(err, "truncated per-peer header");
	if (ph->type > BMP_PEER_LOC_RIB)
		return bmp_fail(err, "unknown peer type");
	ph->rd = (uint64_t)hi << 32 | lo;
	memset(&ph->addr, 0, sizeof(ph->addr));
	if (ph->type == BMP_PEER_LOC_RIB)
		return 0;
	if (ph->flags & BMP_PF_V)
		addr_set(&ph->addr, AID_INET6, a);
	else
		addr_set(&ph->addr, AID_INET, a + 12);
	return 0;
}

/* Information TLVs of Initiation, Termination and Peer Up. */
static int
bmp_info_tlvs(struct buf *b, struct bmp_msg *m, const char **err)
{
	uint16_t type, len;
	struct buf v;

	while (buf_left(b) > 0) {
		if (buf_get_u16(b, &type) == -1 || buf_get_u16(b, &len) == -1 ||
		    buf_get_sub(b, len, &v) == -1)
			return bmp_fail(err, "truncated information TLV");
		if (m->type == BMP_TERMINATION && type == BMP_TERM_REASON) {
			if (buf_get_u16(&v, &m->term_reason) == -1 ||
			    buf_left(&v) != 0)
				return bmp_fail(err, "bad termination reason");
			m->has_term_reason = 1;
			continue;
		}
		switch (type) {
		case BMP_INFO_STRING:
			m->string.p = v.p;
			m->string.len = len;
			break;
		case BMP_INFO_SYSDESCR:
			m->sysdescr.p = v.p;
			m->sysdescr.len = len;
			break;
		case BMP_INFO_SYSNAME:
			m->sysname.p = v.p;
			m->sysname.len = len;
			break;
		default:
			break;		/* unknown TLVs are skipped */
		}
	}
	return 0;
}

static int
dec_route_monitoring(struct buf *b, struct bmp_msg *m, const char **err)
{
	return bmp_bgp_msg(b, BGP_UPDATE, &m->bgp, 1, err);
}

static int
dec_stats(struct buf *b, struct bmp_msg *m, const char **err)
{
	struct bmp_stat st;
	struct buf w;
	uint32_t i;
	int rv;

	if (buf_get_u32(b, &m->nstats) == -1)
		return bmp_fail(err, "truncated statistics count");
	m->stats.p = buf_cur(b);
	m->stats.len = (uint32_t)buf_left(b);
	/* Walk once so that a malformed report fails here, not later. */
	buf_init(&w, m->stats.p, m->stats.len);
	for (i = 0; (rv = bmp_stat_next(&w, &st)) == 1; i++)
		;
	if (rv == -1)
		return bmp_fail(err, "malformed statistics TLV");
	if (i != m->nstats)
		return bmp_fail(err, "statistics count does not match its TLVs");
	return 0;
}

int
bmp_stat_next(struct buf *b, struct bmp_stat *st)
{
	uint16_t len;
	uint32_t v32 = 0, hi = 0;
	struct buf v;

	if (buf_left(b) == 0)
		return 0;
	memset(st, 0, sizeof(*st));
	if (buf_get_u16(b, &st->type) == -1 || buf_get_u16(b, &len) == -1 ||
	    buf_get_sub(b, len, &v) == -1)
		return -1;
	if (st->type == 9 || st->type == 10) {	/* AFI, SAFI, 64-bit gauge */
		if (buf_get_u16(&v, &st->afi) == -1 ||
		    buf_get_u8(&v, &st->safi) == -1)
			return -1;
	}
	switch (buf_left(&v)) {
	case 4:
		(void)buf_get_u32(&v, &v32);
		st->value = v32;
		break;
	case 8:
		(void)buf_get_u32(&v, &hi);
		(void)buf_get_u32(&v, &v32);
		st->value = (uint64_t)hi << 32 | v32;
		break;
	default:
		/* Types bgpwatch does not know may have any length. */
		if (st->type < BMP_STAT_MAX)
			return -1;
		break;
	}
	return 1;
}

static int
dec_peer_down(struct buf *b, struct bmp_msg *m, const char **err)
{
	if (buf_get_u8(b, &m->down_reason) == -1)
		return bmp_fail(err, "truncated peer down reason");
	m->down_data.p = buf_cur(b);
	m->down_data.len = (uint32_t)buf_left(b);
	switch (m->down_reason) {
	case BMP_DOWN_LOCAL_NOTIF:
	case BMP_DOWN_REMOTE_NOTIF:
		return bmp_bgp_msg(b, BGP_NOTIFICATION, &m->down_data, 1, err);
	case BMP_DOWN_LOCAL_FSM:
		if (buf_get_u16(b, &m->down_fsm_event) == -1 ||
		    buf_left(b) != 0)
			return bmp_fail(err, "bad peer down FSM event code");
		return 0;
	case BMP_DOWN_REMOTE_NODATA:
	case BMP_DOWN_DECONFIGURED:
	case BMP_DOWN_LOCAL_TLV:
		return 0;	/* data, if any, is informational */
	default:
		return bmp_fail(err, "unknown peer down reason");
	}
}

static int
dec_peer_up(struct buf *b, struct bmp_msg *m, const char **err)
{
	uint8_t a[16];

	if (buf_get_bytes(b, a, sizeof(a)) == -1 ||
	    buf_get_u16(b, &m->local_port) == -1 ||
	    buf_get_u16(b, &m->remote_port) == -1)
		return bmp_fail(err, "truncated peer up");
	if (m->peer.flags & BMP_PF_V || m->peer.type == BMP_PEER_LOC_RIB)
		addr_set(&m->local_addr, AID_INET6, a);
	else
		addr_set(&m->local_addr, AID_INET, a + 12);
	if (bmp_bgp_msg(b, BGP_OPEN, &m->open_sent, 0, err) == -1 ||
	    bmp_bgp_msg(b, BGP_OPEN, &m->open_rcvd, 0, err) == -1)
		return -1;
	return bmp_info_tlvs(b, m, err);
}

static int
dec_mirroring(struct buf *b, struct bmp_msg *m, const char **err)
{
	uint16_t type, len;
	struct bgp_hdr h;
	struct bgp_err e;
	struct buf v;

	while (buf_left(b) > 0) {
		if (buf_get_u16(b, &type) == -1 || buf_get_u16(b, &len) == -1 ||
		    buf_get_sub(b, len, &v) == -1)
			return bmp_fail(err, "truncated route mirroring TLV");
		if (type == BMP_MIRROR_BGP) {
			if (bgp_frame(v.p, v.len, BGP_MAX_EXT_LEN, &h, &e) != 1 ||
			    h.len != v.len)
				return bmp_fail(err, "malformed mirrored BGP "
				    "message");
			m->mirror_msgs++;
		} else if (type == BMP_MIRROR_INFO) {
			if (buf_get_u16(&v, &m->mirror_info) == -1)
				return bmp_fail(err, "truncated mirroring "
				    "information");
		}
	}
	return 0;
}

static int
dec_info(struct buf *b, struct bmp_msg *m, const char **err)
{
	return bmp_info_tlvs(b, m, err);
}

/* One row per message type: whether it has a per-peer header, decoder. */
static const struct {
	uint8_t	 peer_hdr;
	int	(*dec)(struct buf *, struct bmp_msg *, const char **);
	const char *name;
} bmp_types[BMP_TYPE_MAX] = {
	[BMP_ROUTE_MONITORING] = { 1, dec_route_monitoring, "route-monitoring" },
	[BMP_STATS_REPORT] = { 1, dec_stats, "statistics-report" },
	[BMP_PEER_DOWN] = { 1, dec_peer_down, "peer-down" },
	[BMP_PEER_UP] = { 1, dec_peer_up, "peer-up" },
	[BMP_INITIATION] = { 0, dec_info, "initiation" },
	[BMP_TERMINATION] = { 0, dec_info, "termination" },
	[BMP_ROUTE_MIRRORING] = { 1, dec_mirroring, "route-mirroring" },
};

int
bmp_decode(const uint8_t *p, size_t len, struct bmp_msg *m, const char **err)
{
	struct bmp_hdr h;
	struct buf b;
	int rv;

	memset(m, 0, sizeof(*m));
	if ((rv = bmp_frame(p, len, len, &h, err)) != 1)
		return rv == 0 ? bmp_fail(err, "truncated BMP message") : -1;
	if (h.len != len)
		return bmp_fail(err, "BMP length does not match the message");
	buf_init(&b, p + BMP_HDR_LEN, len - BMP_HDR_LEN);
	m->type = h.type;
	if (bmp_types[h.type].peer_hdr &&
	    bmp_peer_hdr(&b, &m->peer, err) == -1)
		return -1;
	return bmp_types[h.type].dec(&b, m, err);
}

enum bmp_view
bmp_peer_view(const struct bmp_peer_hdr *ph)
{
	if (ph->type == BMP_PEER_LOC_RIB)
		return BMP_VIEW_LOC_RIB;
	if (ph->flags & BMP_PF_O)
		return ph->flags & BMP_PF_L ? BMP_VIEW_OUT_POST :
		    BMP_VIEW_OUT_PRE;
	return ph->flags & BMP_PF_L ? BMP_VIEW_POST : BMP_VIEW_PRE;
}

const char *
bmp_view_name(enum bmp_view v)
{
	static const char *names[BMP_VIEW_MAX] = {
		"pre-policy", "post-policy", "adj-rib-out-pre",
		"adj-rib-out-post", "loc-rib"
	};

	return (unsigned)v < BMP_VIEW_MAX ? names[v] : "unknown";
}

const char *
bmp_type_name(uint8_t type)
{
	return type < BMP_TYPE_MAX ? bmp_types[type].name : "unknown";
}

const char *
bmp_down_reason_name(uint8_t reason)
{
	static const char *names[] = {
		"unknown",
		"local system closed the session with a NOTIFICATION",
		"local system closed the session without a NOTIFICATION",
		"remote system closed the session with a NOTIFICATION",
		"remote system closed the session without data",
		"peer de-configured",
		"local system closed the session (TLV data)",
	};

	return reason < sizeof(names) / sizeof(names[0]) ? names[reason] :
	    "unknown";
}

const char *
bmp_term_reason_name(uint16_t reason)
{
	static const char *names[] = {
		"administratively closed", "unspecified reason",
		"out of resources", "redundant connection",
		"permanently administratively closed",
	};

	return reason < sizeof(names) / sizeof(names[0]) ? names[reason] :
	    "unknown reason";
}

const char *
bmp_stat_name(uint16_t type)
{
	static const char *names[BMP_STAT_MAX] = {
		"rejected-prefixes", "duplicate-prefix-advertisements",
		"duplicate-withdraws", "cluster-list-loop",
		"as-path-loop", "originator-id-loop", "as-confed-loop",
		"adj-rib-in-routes", "loc-rib-routes",
		"adj-rib-in-routes-afi-safi", "loc-rib-routes-afi-safi",
		"updates-treat-as-withdraw", "prefixes-treat-as-withdraw",
		"duplicate-update", "adj-rib-out-pre-routes",
		"adj-rib-out-post-routes", "adj-rib-out-pre-routes-afi-safi",
		"adj-rib-out-post-routes-afi-safi",
	};

	return type < BMP_STAT_MAX ? names[type] : NULL;
}
