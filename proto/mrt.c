/*
 * MRT record decoder (RFC 6396, RFC 8050 ADD-PATH, RFC 6396 4.4 BGP4MP_ET).
 *
 * Pure and zero-copy: a record body already in memory is cut into views
 * with the bounded reader; nothing is allocated or copied.  Each record
 * type has one small decoder, chosen by type and then by subtype.  Lists
 * inside a record (the peers of a PEER_INDEX_TABLE, the entries of a RIB
 * record) are walked once at decode time so that a count that does not
 * match the bytes is caught here, and the caller's iterators
 * (mrt_peer_next, mrt_rib_next) then see exactly the validated bytes.
 * Types bgpwatch has no use for (OSPF, IS-IS, multicast and generic RIBs,
 * the geo peer table, legacy MRT types) decode to MRT_K_SKIP: they are
 * not malformed, only uninteresting.
 */
#include <string.h>

#include "bgpwatch.h"
#include "bgp.h"
#include "buf.h"
#include "mrt.h"

/* PEER_INDEX_TABLE peer type bits (RFC 6396 4.3.1). */
#define MRT_PEER_IPV6	0x01
#define MRT_PEER_AS4	0x02

int
mrt_hdr_decode(const uint8_t *p, size_t n, struct mrt_hdr *h)
{
	struct buf b;

	buf_init(&b, p, n);
	memset(h, 0, sizeof(*h));
	if (buf_get_u32(&b, &h->ts) == -1 ||
	    buf_get_u16(&b, &h->type) == -1 ||
	    buf_get_u16(&b, &h->subtype) == -1 ||
	    buf_get_u32(&b, &h->len) == -1)
		return -1;
	return 0;
}

/*
 * Reads an address of the AFI's size; -1 for another AFI or on overrun
 * (a untouched).  Each family's copy has a constant size (two of these
 * per BGP4MP record: a call and a variable-length copy each were a
 * quarter of a record's decoding).
 */
static int
get_addr(struct buf *b, uint16_t afi, struct bw_addr *a)
{
	struct bw_addr	t;

	memset(&t, 0, sizeof(t));
	if (afi == AFI_IPV4) {
		t.aid = AID_INET;
		if (buf_get_bytes(b, t.b, 4) == -1)
			return -1;
	} else if (afi == AFI_IPV6) {
		t.aid = AID_INET6;
		if (buf_get_bytes(b, t.b, 16) == -1)
			return -1;
	} else
		return -1;
	*a = t;
	return 0;
}

static int
get_asn(struct buf *b, int as4, uint32_t *asn)
{
	uint16_t as2;

	if (as4)
		return buf_get_u32(b, asn);
	if (buf_get_u16(b, &as2) == -1)
		return -1;
	*asn = as2;
	return 0;
}

/* What each BGP4MP subtype carries (RFC 6396 4.4, RFC 8050 3). */
static const struct bgp4mp_desc {
	uint8_t	used;
	uint8_t	state;
	uint8_t	as4;
	uint8_t	local;
	uint8_t	addpath;
} bgp4mp_desc[] = {
	[MRT_BGP4MP_STATE_CHANGE] =		{ 1, 1, 0, 0, 0 },
	[MRT_BGP4MP_MESSAGE] =			{ 1, 0, 0, 0, 0 },
	[MRT_BGP4MP_MESSAGE_AS4] =		{ 1, 0, 1, 0, 0 },
	[MRT_BGP4MP_STATE_CHANGE_AS4] =		{ 1, 1, 1, 0, 0 },
	[MRT_BGP4MP_MESSAGE_LOCAL] =		{ 1, 0, 0, 1, 0 },
	[MRT_BGP4MP_MESSAGE_AS4_LOCAL] =	{ 1, 0, 1, 1, 0 },
	[MRT_BGP4MP_MESSAGE_ADDPATH] =		{ 1, 0, 0, 0, 1 },
	[MRT_BGP4MP_MESSAGE_AS4_ADDPATH] =	{ 1, 0, 1, 0, 1 },
	[MRT_BGP4MP_MESSAGE_LOCAL_ADDPATH] =	{ 1, 0, 0, 1, 1 },
	[MRT_BGP4MP_MESSAGE_AS4_LOCAL_ADDPATH] = { 1, 0, 1, 1, 1 },
	/* 2 ENTRY and 3 SNAPSHOT (deprecated) stay unused */
};

/* BGP4MP(_ET) MESSAGE* and STATE_CHANGE*; r comes zeroed. */
static int
bgp4mp_decode(struct buf *b, uint16_t subtype, struct mrt_record *r,
    const char **errstr)
{
	struct mrt_bgp4mp *m = &r->u.bgp4mp;
	const struct bgp4mp_desc *d;
	struct buf peek;
	uint16_t afi, msglen;

	if (subtype >= sizeof(bgp4mp_desc) / sizeof(bgp4mp_desc[0]) ||
	    !bgp4mp_desc[subtype].used) {
		r->kind = MRT_K_SKIP;
		return 0;
	}
	d = &bgp4mp_desc[subtype];
	m->as4 = d->as4;
	m->local = d->local;
	m->addpath = d->addpath;

	if (get_asn(b, m->as4, &m->peer_as) == -1 ||
	    get_asn(b, m->as4, &m->local_as) == -1 ||
	    buf_get_u16(b, &m->ifindex) == -1 ||
	    buf_get_u16(b, &afi) == -1)
		goto short_rec;
	if (afi != AFI_IPV4 && afi != AFI_IPV6) {
		*errstr = "BGP4MP: unknown address family";
		return -1;
	}
	if (get_addr(b, afi, &m->peer_ip) == -1 ||
	    get_addr(b, afi, &m->local_ip) == -1)
		goto short_rec;

	if (d->state) {
		if (buf_get_u16(b, &m->old_state) == -1 ||
		    buf_get_u16(b, &m->new_state) == -1)
			goto short_rec;
		r->kind = MRT_K_STATE;
		return 0;
	}

	/*
	 * The message keeps its own header; its length field bounds it.
	 * Marker and type are the framer's to check (bgp_frame), but a
	 * length that runs past the record is this record's fault.
	 */
	peek = *b;
	if (buf_skip(&peek, BGP_MARKER_LEN) == -1 ||
	    buf_get_u16(&peek, &msglen) == -1 || buf_left(b) < BGP_HDR_LEN) {
		*errstr = "BGP4MP: BGP message shorter than its header";
		return -1;
	}
	if (msglen < BGP_HDR_LEN || msglen > buf_left(b)) {
		*errstr = "BGP4MP: BGP message length does not fit the record";
		return -1;
	}
	m->msg.p = buf_cur(b);
	m->msg.len = msglen;
	r->kind = MRT_K_MESSAGE;
	return 0;

short_rec:
	*errstr = "BGP4MP: record too short";
	return -1;
}

/* TABLE_DUMP (v1), RFC 6396 4.2: the subtype is the AFI. */
static int
td1_decode(struct buf *b, uint16_t subtype, struct mrt_record *r,
    const char **errstr)
{
	struct mrt_td1 *t = &r->u.td1;
	struct bw_addr pfx;
	struct buf attrs;
	uint16_t as2, alen;
	uint8_t aid, plen;

	memset(t, 0, sizeof(*t));
	if (subtype == AFI_IPV4)
		aid = AID_INET;
	else if (subtype == AFI_IPV6)
		aid = AID_INET6;
	else {
		r->kind = MRT_K_SKIP;
		return 0;
	}
	if (buf_get_u16(b, &t->view) == -1 ||
	    buf_get_u16(b, &t->seq) == -1 ||
	    get_addr(b, subtype, &pfx) == -1 ||
	    buf_get_u8(b, &plen) == -1 ||
	    buf_get_u8(b, &t->status) == -1 ||
	    buf_get_u32(b, &t->originated) == -1 ||
	    get_addr(b, subtype, &t->peer_ip) == -1 ||
	    buf_get_u16(b, &as2) == -1 ||
	    buf_get_u16(b, &alen) == -1)
		goto short_rec;
	if (prefix_set(&t->prefix, aid, pfx.b, plen) == -1) {
		*errstr = "TABLE_DUMP: prefix length too long";
		return -1;
	}
	t->peer_as = as2;
	if (buf_get_sub(b, alen, &attrs) == -1)
		goto short_rec;
	t->attrs.p = attrs.p;
	t->attrs.len = alen;
	r->kind = MRT_K_TD1;
	return 0;

short_rec:
	*errstr = "TABLE_DUMP: record too short";
	return -1;
}

static int
peer_index_decode(struct buf *b, struct mrt_record *r, const char **errstr)
{
	struct mrt_peer_index *pi = &r->u.peer_index;
	struct mrt_peer peer;
	struct buf walk;
	uint16_t namelen, i;

	memset(pi, 0, sizeof(*pi));
	if (buf_get_u32(b, &pi->collector_id) == -1 ||
	    buf_get_u16(b, &namelen) == -1 ||
	    buf_left(b) < namelen)
		goto short_rec;
	pi->view_name.p = buf_cur(b);
	pi->view_name.len = namelen;
	if (buf_skip(b, namelen) == -1 ||
	    buf_get_u16(b, &pi->count) == -1)
		goto short_rec;

	/* Walk the peers now so that the caller's walk cannot fail. */
	walk = *b;
	for (i = 0; i < pi->count; i++)
		if (mrt_peer_next(&walk, &peer) != 1)
			goto short_rec;
	pi->peers.p = buf_cur(b);
	pi->peers.len = (uint32_t)(walk.off - b->off);
	r->kind = MRT_K_PEER_INDEX;
	return 0;

short_rec:
	*errstr = "PEER_INDEX_TABLE: record too short for its peers";
	return -1;
}

static int
rib_decode(struct buf *b, uint8_t aid, uint8_t addpath, struct mrt_record *r,
    const char **errstr)
{
	struct mrt_rib *rib = &r->u.rib;
	struct mrt_rib_entry e;
	uint8_t raw[BW_ADDR_MAX];
	struct buf walk;
	uint16_t i;
	uint8_t plen;

	memset(rib, 0, sizeof(*rib));
	memset(raw, 0, sizeof(raw));
	rib->addpath = addpath;
	if (buf_get_u32(b, &rib->seq) == -1 ||
	    buf_get_u8(b, &plen) == -1)
		goto short_rec;
	if (plen > aid_maxplen(aid)) {
		*errstr = "RIB: prefix length too long";
		return -1;
	}
	if (buf_get_bytes(b, raw, (plen + 7) / 8) == -1 ||
	    buf_get_u16(b, &rib->count) == -1)
		goto short_rec;
	(void)prefix_set(&rib->prefix, aid, raw, plen);

	walk = *b;
	for (i = 0; i < rib->count; i++)
		if (mrt_rib_next(&walk, addpath, &e) != 1)
			goto short_rec;
	rib->entries.p = buf_cur(b);
	rib->entries.len = (uint32_t)(walk.off - b->off);
	r->kind = MRT_K_RIB;
	return 0;

short_rec:
	*errstr = "RIB: record too short for its entries";
	return -1;
}

/* TABLE_DUMP_V2, RFC 6396 4.3 and RFC 8050 4. */
static int
td2_decode(struct buf *b, uint16_t subtype, struct mrt_record *r,
    const char **errstr)
{
	switch (subtype) {
	case MRT_TD2_PEER_INDEX_TABLE:
		return peer_index_decode(b, r, errstr);
	case MRT_TD2_RIB_IPV4_UNICAST:
		return rib_decode(b, AID_INET, 0, r, errstr);
	case MRT_TD2_RIB_IPV6_UNICAST:
		return rib_decode(b, AID_INET6, 0, r, errstr);
	case MRT_TD2_RIB_IPV4_UNICAST_ADDPATH:
		return rib_decode(b, AID_INET, 1, r, errstr);
	case MRT_TD2_RIB_IPV6_UNICAST_ADDPATH:
		return rib_decode(b, AID_INET6, 1, r, errstr);
	default:
		/* multicast, RIB_GENERIC(_ADDPATH), GEO_PEER_TABLE */
		r->kind = MRT_K_SKIP;
		return 0;
	}
}

int
mrt_record_decode(const struct mrt_hdr *h, const uint8_t *body, size_t len,
    struct mrt_record *r, const char **errstr)
{
	struct buf b;

	memset(r, 0, sizeof(*r));
	r->hdr = *h;
	r->kind = MRT_K_SKIP;
	*errstr = NULL;
	if (len != h->len) {
		*errstr = "MRT: body length differs from the header's";
		return -1;
	}
	buf_init(&b, body, len);

	switch (h->type) {
	case MRT_BGP4MP_ET:
		/* The microseconds open the body and count in its length. */
		if (buf_get_u32(&b, &r->hdr.usec) == -1) {
			*errstr = "BGP4MP_ET: record too short";
			return -1;
		}
		return bgp4mp_decode(&b, h->subtype, r, errstr);
	case MRT_BGP4MP:
		return bgp4mp_decode(&b, h->subtype, r, errstr);
	case MRT_TABLE_DUMP:
		return td1_decode(&b, h->subtype, r, errstr);
	case MRT_TABLE_DUMP_V2:
		return td2_decode(&b, h->subtype, r, errstr);
	default:
		return 0;
	}
}

int
mrt_peer_next(struct buf *b, struct mrt_peer *peer)
{
	uint8_t type;

	if (buf_left(b) == 0)
		return 0;
	memset(peer, 0, sizeof(*peer));
	if (buf_get_u8(b, &type) == -1 ||
	    buf_get_u32(b, &peer->bgp_id) == -1 ||
	    get_addr(b, (type & MRT_PEER_IPV6) ? AFI_IPV6 : AFI_IPV4,
	    &peer->addr) == -1)
		return -1;
	peer->as4 = (type & MRT_PEER_AS4) ? 1 : 0;
	if (get_asn(b, peer->as4, &peer->asn) == -1)
		return -1;
	return 1;
}

int
mrt_rib_next(struct buf *b, uint8_t addpath, struct mrt_rib_entry *e)
{
	const uint8_t *p = buf_cur(b);
	size_t left = buf_left(b), hl = addpath ? 12 : 8, alen;

	/* Read in place: every entry of a table dump passes here twice
	 * (the record's check, then its replay). */
	if (left == 0)
		return 0;
	if (left < hl)
		return -1;
	e->peer_index = (uint16_t)(p[0] << 8 | p[1]);
	e->originated = (uint32_t)p[2] << 24 | (uint32_t)p[3] << 16 |
	    (uint32_t)p[4] << 8 | p[5];
	e->path_id = !addpath ? 0 : (uint32_t)p[6] << 24 |
	    (uint32_t)p[7] << 16 | (uint32_t)p[8] << 8 | p[9];
	alen = (size_t)p[hl - 2] << 8 | p[hl - 1];
	if (left - hl < alen)
		return -1;
	e->attrs.p = p + hl;
	e->attrs.len = (uint32_t)alen;
	b->off += hl + alen;
	return 1;
}

const char *
mrt_state_name(uint16_t state)
{
	/* bgpdump's names, the Quagga-only 7 and 8 included. */
	static const char *const names[] = {
		"Unknown", "Idle", "Connect", "Active", "Opensent",
		"Openconfirm", "Established", "Clearing", "Deleted"
	};

	if (state >= sizeof(names) / sizeof(names[0]))
		return "Unknown";
	return names[state];
}
