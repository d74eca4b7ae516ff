/*
 * MRT record encoder (RFC 6396, RFC 8050): the inverse of mrt.c, for
 * the archive writer.  Pure: records go into the caller's struct wbuf
 * with the common header first and its length filled in last; the
 * BGP4MP records are always the _ET kind (microsecond timestamps).  A
 * record that does not fit is taken back whole (w->len restored), so a
 * caller never writes half a record.
 */
#include <string.h>

#include "bgpwatch.h"
#include "buf.h"
#include "mrt.h"

/* PEER_INDEX_TABLE peer type bits (RFC 6396 4.3.1). */
#define MRT_PEER_IPV6	0x01
#define MRT_PEER_AS4	0x02

/* Common header with a length to fill in: returns its offset. */
static size_t
mrt_enc_hdr(struct wbuf *w, uint32_t ts, uint16_t type, uint16_t subtype)
{
	size_t	off = w->len;

	wbuf_put_u32(w, ts);
	wbuf_put_u16(w, type);
	wbuf_put_u16(w, subtype);
	wbuf_put_u32(w, 0);
	return off;
}

/* Fills in the length; on overflow takes the record back.  0 or -1. */
static int
mrt_enc_fin(struct wbuf *w, size_t off)
{
	size_t	len;

	if (w->err || w->len - off - MRT_HDR_LEN > MRT_MAX_RECORD) {
		w->err = 1;
		w->len = off;
		return -1;
	}
	len = w->len - off - MRT_HDR_LEN;
	w->p[off + 8] = (uint8_t)(len >> 24);
	w->p[off + 9] = (uint8_t)(len >> 16);
	w->p[off + 10] = (uint8_t)(len >> 8);
	w->p[off + 11] = (uint8_t)len;
	return 0;
}

uint16_t
mrt_bgp4mp_msg_subtype(int as4, int addpath, int local)
{
	static const uint16_t st[2][2][2] = {
		/* !as4 */ { { MRT_BGP4MP_MESSAGE, MRT_BGP4MP_MESSAGE_LOCAL },
		    { MRT_BGP4MP_MESSAGE_ADDPATH,
		    MRT_BGP4MP_MESSAGE_LOCAL_ADDPATH } },
		/* as4 */ { { MRT_BGP4MP_MESSAGE_AS4,
		    MRT_BGP4MP_MESSAGE_AS4_LOCAL },
		    { MRT_BGP4MP_MESSAGE_AS4_ADDPATH,
		    MRT_BGP4MP_MESSAGE_AS4_LOCAL_ADDPATH } }
	};

	return st[as4 != 0][addpath != 0][local != 0];
}

static int
subtype_as4(uint16_t st)
{
	return st == MRT_BGP4MP_MESSAGE_AS4 ||
	    st == MRT_BGP4MP_STATE_CHANGE_AS4 ||
	    st == MRT_BGP4MP_MESSAGE_AS4_LOCAL ||
	    st == MRT_BGP4MP_MESSAGE_AS4_ADDPATH ||
	    st == MRT_BGP4MP_MESSAGE_AS4_LOCAL_ADDPATH;
}

/* The BGP4MP peer part: AS numbers, interface, AFI, both addresses. */
static void
mrt_enc_bgp4mp_peer(struct wbuf *w, const struct mrt_bgp4mp_peer *p,
    int as4)
{
	static const uint8_t zero[BW_ADDR_MAX];
	uint8_t	aid = p->peer_ip.aid;
	int	alen = aid_addrlen(aid);

	if (as4) {
		wbuf_put_u32(w, p->peer_as);
		wbuf_put_u32(w, p->local_as);
	} else {
		wbuf_put_u16(w, p->peer_as > UINT16_MAX ? BGP_AS_TRANS :
		    (uint16_t)p->peer_as);
		wbuf_put_u16(w, p->local_as > UINT16_MAX ? BGP_AS_TRANS :
		    (uint16_t)p->local_as);
	}
	wbuf_put_u16(w, p->ifindex);
	if (alen == 0 || (p->local_ip.aid != AID_UNSPEC &&
	    p->local_ip.aid != aid)) {
		w->err = 1;
		return;
	}
	wbuf_put_u16(w, aid == AID_INET ? AFI_IPV4 : AFI_IPV6);
	wbuf_put_bytes(w, p->peer_ip.b, (size_t)alen);
	wbuf_put_bytes(w, p->local_ip.aid == aid ? p->local_ip.b : zero,
	    (size_t)alen);
}

size_t
mrt_bgp4mp_peer_enc(uint8_t *out, size_t cap,
    const struct mrt_bgp4mp_peer *p, int as4)
{
	struct wbuf w;

	wbuf_init(&w, out, cap);
	mrt_enc_bgp4mp_peer(&w, p, as4);
	return w.err ? 0 : w.len;
}

int
mrt_enc_bgp4mp_msg_pre(struct wbuf *w, uint32_t ts, uint32_t usec,
    uint16_t subtype, const uint8_t *peer, size_t plen, const uint8_t *msg,
    size_t len)
{
	size_t	n = 4 + plen + len;
	uint8_t	*q;

	if (plen == 0 || n > MRT_MAX_RECORD || !wbuf_room(w, MRT_HDR_LEN + n)) {
		w->err = 1;
		return -1;
	}
	q = w->p + w->len;
	put_u32(q, ts);
	put_u16(q + 4, MRT_BGP4MP_ET);
	put_u16(q + 6, subtype);
	put_u32(q + 8, (uint32_t)n);
	put_u32(q + 12, usec);
	memcpy(q + 16, peer, plen);
	memcpy(q + 16 + plen, msg, len);
	w->len += MRT_HDR_LEN + n;
	return 0;
}

int
mrt_enc_bgp4mp_msg(struct wbuf *w, uint32_t ts, uint32_t usec,
    uint16_t subtype, const struct mrt_bgp4mp_peer *p, const uint8_t *msg,
    size_t len)
{
	uint8_t	peer[MRT_BGP4MP_PEER_MAX];
	size_t	plen;

	plen = mrt_bgp4mp_peer_enc(peer, sizeof(peer), p,
	    subtype_as4(subtype));
	if (plen == 0) {
		w->err = 1;
		return -1;
	}
	return mrt_enc_bgp4mp_msg_pre(w, ts, usec, subtype, peer, plen, msg,
	    len);
}

/* An attribute header, the extended length only where needed. */
static void
mrt_enc_attr_hdr(struct wbuf *w, uint8_t flags, uint8_t code, size_t len)
{
	if (len > UINT16_MAX) {
		w->err = 1;
		return;
	}
	flags &= (uint8_t)~ATTR_EXTLEN;
	if (len > UINT8_MAX) {
		wbuf_put_u8(w, flags | ATTR_EXTLEN);
		wbuf_put_u8(w, code);
		wbuf_put_u16(w, (uint16_t)len);
	} else {
		wbuf_put_u8(w, flags);
		wbuf_put_u8(w, code);
		wbuf_put_u8(w, (uint8_t)len);
	}
}

/*
 * The UPDATE msg of a 2-octet session, made 4-octet: its attributes in
 * their order, AS_PATH replaced by u's (4-octet, AS4_PATH merged in by
 * the decoder as RFC 6793 4.2.3 says), AGGREGATOR by u's 4-octet one
 * (AS4_AGGREGATOR merged), AS4_PATH and AS4_AGGREGATOR dropped, every
 * other attribute, the withdrawn routes and the NLRI copied.  Returns 0,
 * or -1 (the caller takes the record back).
 */
static int
mrt_enc_update_as4(struct wbuf *w, const uint8_t *msg, size_t len,
    const struct bgp_update *u)
{
	struct buf	 b, wd, attrs, v;
	size_t		 start = w->len, len_off, alen_off;
	uint16_t	 wlen, alen, l16;
	uint8_t		 flags, code, l8, done_path = 0, done_aggr = 0;

	if (len < BGP_HDR_LEN || msg[18] != BGP_UPDATE)
		return -1;
	buf_init(&b, msg + BGP_HDR_LEN, len - BGP_HDR_LEN);
	if (buf_get_u16(&b, &wlen) == -1 || buf_get_sub(&b, wlen, &wd) == -1 ||
	    buf_get_u16(&b, &alen) == -1 || buf_get_sub(&b, alen, &attrs) == -1)
		return -1;
	wbuf_put_bytes(w, msg, 16);		/* marker */
	len_off = wbuf_reserve(w, 2);
	wbuf_put_u8(w, BGP_UPDATE);
	wbuf_put_u16(w, wlen);
	wbuf_put_bytes(w, buf_cur(&wd), wlen);
	alen_off = wbuf_reserve(w, 2);
	while (buf_left(&attrs) > 0) {
		if (buf_get_u8(&attrs, &flags) == -1 ||
		    buf_get_u8(&attrs, &code) == -1)
			return -1;
		if (flags & ATTR_EXTLEN) {
			if (buf_get_u16(&attrs, &l16) == -1)
				return -1;
		} else {
			if (buf_get_u8(&attrs, &l8) == -1)
				return -1;
			l16 = l8;
		}
		if (buf_get_sub(&attrs, l16, &v) == -1)
			return -1;
		switch (code) {
		case ATTR_AS_PATH:
			if (done_path++ || !ATTR_HAS(&u->attrs, ATTR_AS_PATH))
				break;
			mrt_enc_attr_hdr(w, flags, code, u->attrs.aspath.len);
			wbuf_put_bytes(w, u->attrs.aspath.p, u->attrs.aspath.len);
			break;
		case ATTR_AGGREGATOR:
			if (done_aggr++ || !ATTR_HAS(&u->attrs, ATTR_AGGREGATOR))
				break;
			mrt_enc_attr_hdr(w, flags, code, 8);
			wbuf_put_u32(w, u->attrs.aggr_as);
			wbuf_put_u32(w, u->attrs.aggr_id);
			break;
		case ATTR_AS4_PATH:
		case ATTR_AS4_AGGREGATOR:
			break;
		default:
			mrt_enc_attr_hdr(w, flags, code, l16);
			wbuf_put_bytes(w, buf_cur(&v), l16);
			break;
		}
	}
	if (w->len - alen_off - 2 > UINT16_MAX)
		w->err = 1;
	wbuf_set_u16(w, alen_off, (uint16_t)(w->len - alen_off - 2));
	wbuf_put_bytes(w, buf_cur(&b), buf_left(&b));	/* NLRI */
	if (w->err || w->len - start > BGP_MAX_EXT_LEN)
		return -1;
	wbuf_set_u16(w, len_off, (uint16_t)(w->len - start));
	return 0;
}

int
mrt_enc_bgp4mp_msg_as4(struct wbuf *w, uint32_t ts, uint32_t usec,
    uint16_t subtype, const struct mrt_bgp4mp_peer *p, const uint8_t *msg,
    size_t len, const struct bgp_update *u)
{
	size_t	off = mrt_enc_hdr(w, ts, MRT_BGP4MP_ET, subtype);

	wbuf_put_u32(w, usec);
	mrt_enc_bgp4mp_peer(w, p, 1);
	if (!subtype_as4(subtype) || u == NULL ||
	    mrt_enc_update_as4(w, msg, len, u) == -1) {
		w->err = 1;
		w->len = off;
		return -1;
	}
	return mrt_enc_fin(w, off);
}

int
mrt_enc_bgp4mp_state(struct wbuf *w, uint32_t ts, uint32_t usec,
    const struct mrt_bgp4mp_peer *p, uint16_t old_state, uint16_t new_state)
{
	size_t	off = mrt_enc_hdr(w, ts, MRT_BGP4MP_ET,
	    MRT_BGP4MP_STATE_CHANGE_AS4);

	wbuf_put_u32(w, usec);
	mrt_enc_bgp4mp_peer(w, p, 1);
	wbuf_put_u16(w, old_state);
	wbuf_put_u16(w, new_state);
	return mrt_enc_fin(w, off);
}

int
mrt_enc_peer_index(struct wbuf *w, uint32_t ts, uint32_t collector_id,
    const char *view_name, const struct mrt_peer *peers, uint16_t n)
{
	size_t	off = mrt_enc_hdr(w, ts, MRT_TABLE_DUMP_V2,
	    MRT_TD2_PEER_INDEX_TABLE);
	size_t	vlen = view_name != NULL ? strlen(view_name) : 0;
	uint16_t i;
	uint8_t	type;

	wbuf_put_u32(w, collector_id);
	if (vlen > UINT16_MAX)
		w->err = 1;
	wbuf_put_u16(w, (uint16_t)vlen);
	wbuf_put_bytes(w, view_name, vlen);
	wbuf_put_u16(w, n);
	for (i = 0; i < n; i++) {
		if (aid_addrlen(peers[i].addr.aid) == 0) {
			w->err = 1;
			break;
		}
		type = (peers[i].addr.aid == AID_INET6 ? MRT_PEER_IPV6 : 0) |
		    (peers[i].as4 ? MRT_PEER_AS4 : 0);
		wbuf_put_u8(w, type);
		wbuf_put_u32(w, peers[i].bgp_id);
		wbuf_put_bytes(w, peers[i].addr.b,
		    (size_t)aid_addrlen(peers[i].addr.aid));
		if (peers[i].as4)
			wbuf_put_u32(w, peers[i].asn);
		else
			wbuf_put_u16(w, peers[i].asn > UINT16_MAX ?
			    BGP_AS_TRANS : (uint16_t)peers[i].asn);
	}
	return mrt_enc_fin(w, off);
}

void
mrt_enc_rib_begin(struct wbuf *w, struct mrt_rib_enc *re, uint32_t ts,
    uint32_t seq, const struct bw_prefix *pfx, int addpath)
{
	uint16_t st;

	memset(re, 0, sizeof(*re));
	re->start = w->len;
	re->addpath = addpath != 0;
	if (pfx->aid == AID_INET)
		st = addpath ? MRT_TD2_RIB_IPV4_UNICAST_ADDPATH :
		    MRT_TD2_RIB_IPV4_UNICAST;
	else if (pfx->aid == AID_INET6)
		st = addpath ? MRT_TD2_RIB_IPV6_UNICAST_ADDPATH :
		    MRT_TD2_RIB_IPV6_UNICAST;
	else {
		w->err = 1;
		return;
	}
	(void)mrt_enc_hdr(w, ts, MRT_TABLE_DUMP_V2, st);
	wbuf_put_u32(w, seq);
	wbuf_put_u8(w, pfx->len);
	wbuf_put_bytes(w, pfx->b, (size_t)(pfx->len + 7) / 8);
	re->count_off = wbuf_reserve(w, 2);
}

void
mrt_enc_rib_entry(struct wbuf *w, struct mrt_rib_enc *re,
    uint16_t peer_index, uint32_t originated, uint32_t path_id,
    const uint8_t *attrs, size_t len)
{
	wbuf_put_u16(w, peer_index);
	wbuf_put_u32(w, originated);
	if (re->addpath)
		wbuf_put_u32(w, path_id);
	if (len > UINT16_MAX)
		w->err = 1;
	wbuf_put_u16(w, (uint16_t)len);
	wbuf_put_bytes(w, attrs, len);
	if (re->count == UINT16_MAX)
		w->err = 1;
	re->count++;
}

int
mrt_enc_rib_end(struct wbuf *w, struct mrt_rib_enc *re)
{
	wbuf_set_u16(w, re->count_off, re->count);
	return mrt_enc_fin(w, re->start);
}
