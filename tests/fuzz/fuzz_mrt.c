/*
 * libFuzzer target for the MRT record decoder: the input is a stream of
 * MRT records.  Each record is decoded and everything inside it walked:
 * peer index entries, RIB entries with their attribute blocks, BGP4MP
 * messages framed and, for UPDATEs, decoded with the record's context.
 * Every BGP4MP message is also encoded again (proto/mrt_enc.c, the
 * archive writer's encoder) and decoded: the same peer, addresses,
 * flags and message bytes must come back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bgpwatch.h"
#include "bgp.h"
#include "mrt.h"
#include "update.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static uint8_t	scratch[BGP_SCRATCH_LEN];

static void
walk_nlri(const struct bgp_view *v, uint8_t aid, int addpath)
{
	struct bgp_nlri_iter it;
	struct bw_prefix pfx;
	uint32_t id;

	bgp_nlri_iter_init(&it, v, aid, addpath);
	while (bgp_nlri_next(&it, &pfx, &id) == 1)
		;
}

static void
message(const struct mrt_bgp4mp *m)
{
	struct bgp_dec_ctx ctx;
	struct bgp_update u;
	struct bgp_hdr h;
	struct bgp_err err;

	if (bgp_frame(m->msg.p, m->msg.len, BGP_MAX_EXT_LEN, &h, &err) != 1 ||
	    h.type != BGP_UPDATE)
		return;
	memset(&ctx, 0, sizeof(ctx));
	ctx.as4 = m->as4;
	ctx.addpath[AID_INET] = ctx.addpath[AID_INET6] = m->addpath;
	ctx.scratch = scratch;
	ctx.scratchlen = sizeof(scratch);
	if (bgp_update_decode(&ctx, m->msg.p + BGP_HDR_LEN,
	    h.len - BGP_HDR_LEN, &u) == -1)
		return;
	walk_nlri(&u.nlri, AID_INET, m->addpath);
	walk_nlri(&u.withdrawn, AID_INET, m->addpath);
}

static void
attrs(const struct bgp_view *v, int as4, int mrt_rib)
{
	struct bgp_dec_ctx ctx;
	struct bgp_update u;

	memset(&ctx, 0, sizeof(ctx));
	ctx.as4 = as4;
	ctx.mrt_rib = mrt_rib;
	ctx.scratch = scratch;
	ctx.scratchlen = sizeof(scratch);
	(void)bgp_attrs_decode(&ctx, v->p, v->len, &u);
}

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

static uint8_t	enc[MRT_HDR_LEN + 4 + 44 + BGP_MAX_EXT_LEN + 64];

static void	reencode_as4(const struct mrt_record *,
		    const struct mrt_bgp4mp_peer *);

/* decode -> encode -> decode of a BGP4MP message record. */
static void
reencode(const struct mrt_record *r)
{
	const struct mrt_bgp4mp	*m = &r->u.bgp4mp;
	struct mrt_bgp4mp_peer	 p;
	struct mrt_record	 r2;
	struct mrt_hdr		 h;
	struct wbuf		 w;
	const char		*errstr;

	memset(&p, 0, sizeof(p));
	p.peer_as = m->peer_as;
	p.local_as = m->local_as;
	p.ifindex = m->ifindex;
	p.peer_ip = m->peer_ip;
	p.local_ip = m->local_ip;
	wbuf_init(&w, enc, sizeof(enc));
	if (mrt_enc_bgp4mp_msg(&w, r->hdr.ts, r->hdr.usec,
	    mrt_bgp4mp_msg_subtype(m->as4, m->addpath, m->local), &p,
	    m->msg.p, m->msg.len) == -1)
		return;
	CHECK(mrt_hdr_decode(enc, w.len, &h) == 0);
	CHECK(h.len == w.len - MRT_HDR_LEN);
	CHECK(mrt_record_decode(&h, enc + MRT_HDR_LEN, h.len, &r2,
	    &errstr) == 0);
	CHECK(r2.kind == MRT_K_MESSAGE);
	CHECK(r2.hdr.ts == r->hdr.ts);
	CHECK(r2.u.bgp4mp.as4 == m->as4 && r2.u.bgp4mp.addpath == m->addpath &&
	    r2.u.bgp4mp.local == m->local);
	CHECK(r2.u.bgp4mp.peer_as == m->peer_as &&
	    r2.u.bgp4mp.local_as == m->local_as);
	CHECK(memcmp(&r2.u.bgp4mp.peer_ip, &m->peer_ip,
	    sizeof(m->peer_ip)) == 0);
	CHECK(r2.u.bgp4mp.msg.len == m->msg.len &&
	    memcmp(r2.u.bgp4mp.msg.p, m->msg.p, m->msg.len) == 0);
	if (!m->as4)
		reencode_as4(r, &p);
}

static uint8_t	scratch2[BGP_SCRATCH_LEN];

/*
 * An UPDATE of a 2-octet session written as MESSAGE_AS4 (the MRT archive
 * does so, mrt_enc_bgp4mp_msg_as4): the record decodes as 4-octet, and the
 * UPDATE in it decodes on a 4-octet session to the same AS path (AS4_PATH
 * merged), aggregator AS and NLRI as the original did on a 2-octet one.
 */
static void
reencode_as4(const struct mrt_record *r, const struct mrt_bgp4mp_peer *p)
{
	const struct mrt_bgp4mp	*m = &r->u.bgp4mp;
	struct bgp_dec_ctx	 ctx;
	struct bgp_update	 u, u2;
	struct mrt_record	 r2;
	struct mrt_hdr		 h;
	struct bgp_hdr		 bh;
	struct bgp_err		 err;
	struct wbuf		 w;
	const char		*errstr;

	if (bgp_frame(m->msg.p, m->msg.len, BGP_MAX_EXT_LEN, &bh, &err) != 1 ||
	    bh.type != BGP_UPDATE || bh.len != m->msg.len)
		return;
	memset(&ctx, 0, sizeof(ctx));
	ctx.addpath[AID_INET] = ctx.addpath[AID_INET6] = m->addpath;
	ctx.scratch = scratch;
	ctx.scratchlen = sizeof(scratch);
	if (bgp_update_decode(&ctx, m->msg.p + BGP_HDR_LEN,
	    bh.len - BGP_HDR_LEN, &u) == -1)
		return;
	wbuf_init(&w, enc, sizeof(enc));
	if (mrt_enc_bgp4mp_msg_as4(&w, r->hdr.ts, r->hdr.usec,
	    mrt_bgp4mp_msg_subtype(1, m->addpath, m->local), p, m->msg.p,
	    m->msg.len, &u) == -1)
		return;
	CHECK(mrt_hdr_decode(enc, w.len, &h) == 0);
	CHECK(h.len == w.len - MRT_HDR_LEN);
	CHECK(mrt_record_decode(&h, enc + MRT_HDR_LEN, h.len, &r2,
	    &errstr) == 0);
	CHECK(r2.kind == MRT_K_MESSAGE && r2.u.bgp4mp.as4 == 1 &&
	    r2.u.bgp4mp.addpath == m->addpath && r2.u.bgp4mp.local == m->local);
	CHECK(bgp_frame(r2.u.bgp4mp.msg.p, r2.u.bgp4mp.msg.len,
	    BGP_MAX_EXT_LEN, &bh, &err) == 1 && bh.type == BGP_UPDATE);
	ctx.as4 = 1;
	ctx.scratch = scratch2;
	ctx.scratchlen = sizeof(scratch2);
	CHECK(bgp_update_decode(&ctx, r2.u.bgp4mp.msg.p + BGP_HDR_LEN,
	    bh.len - BGP_HDR_LEN, &u2) == 0);
	if (u.action != ACT_NONE)
		return;		/* what was discarded may differ */
	CHECK(u2.action == ACT_NONE);
	CHECK(ATTR_HAS(&u.attrs, ATTR_AS_PATH) ==
	    ATTR_HAS(&u2.attrs, ATTR_AS_PATH));
	CHECK(u.attrs.aspath.len == u2.attrs.aspath.len &&
	    (u.attrs.aspath.len == 0 || memcmp(u.attrs.aspath.p,
	    u2.attrs.aspath.p, u.attrs.aspath.len) == 0));
	CHECK(u.attrs.aggr_as == u2.attrs.aggr_as);
	CHECK(u.nlri.len == u2.nlri.len && (u.nlri.len == 0 ||
	    memcmp(u.nlri.p, u2.nlri.p, u.nlri.len) == 0));
	CHECK(u.withdrawn.len == u2.withdrawn.len && (u.withdrawn.len == 0 ||
	    memcmp(u.withdrawn.p, u2.withdrawn.p, u.withdrawn.len) == 0));
}

/* A RIB record's entries encoded again: the same entries come back. */
static void
reencode_rib(const struct mrt_record *r)
{
	struct mrt_rib_enc	 re;
	struct mrt_rib_entry	 e, e2;
	struct mrt_record	 r2;
	struct mrt_hdr		 h;
	struct wbuf		 w;
	struct buf		 b, b2;
	const char		*errstr;
	int			 n = 0;

	wbuf_init(&w, enc, sizeof(enc));
	mrt_enc_rib_begin(&w, &re, r->hdr.ts, r->u.rib.seq, &r->u.rib.prefix,
	    r->u.rib.addpath);
	buf_init(&b, r->u.rib.entries.p, r->u.rib.entries.len);
	while (mrt_rib_next(&b, r->u.rib.addpath, &e) == 1 && n < 1000) {
		mrt_enc_rib_entry(&w, &re, e.peer_index, e.originated,
		    e.path_id, e.attrs.p, e.attrs.len);
		n++;
	}
	if (mrt_enc_rib_end(&w, &re) == -1)
		return;
	CHECK(mrt_hdr_decode(enc, w.len, &h) == 0);
	CHECK(mrt_record_decode(&h, enc + MRT_HDR_LEN, h.len, &r2,
	    &errstr) == 0);
	CHECK(r2.kind == MRT_K_RIB && r2.u.rib.count == n &&
	    r2.u.rib.seq == r->u.rib.seq);
	CHECK(memcmp(&r2.u.rib.prefix, &r->u.rib.prefix,
	    sizeof(r->u.rib.prefix)) == 0);
	buf_init(&b, r->u.rib.entries.p, r->u.rib.entries.len);
	buf_init(&b2, r2.u.rib.entries.p, r2.u.rib.entries.len);
	while (n-- > 0) {
		CHECK(mrt_rib_next(&b, r->u.rib.addpath, &e) == 1);
		CHECK(mrt_rib_next(&b2, r2.u.rib.addpath, &e2) == 1);
		CHECK(e.peer_index == e2.peer_index &&
		    e.originated == e2.originated && e.path_id == e2.path_id &&
		    e.attrs.len == e2.attrs.len && memcmp(e.attrs.p,
		    e2.attrs.p, e.attrs.len) == 0);
	}
}

/* A peer index table encoded again: the same peers come back. */
static void
reencode_peers(const struct mrt_record *r)
{
	struct mrt_peer		 peers[64], p2;
	struct mrt_record	 r2;
	struct mrt_hdr		 h;
	struct wbuf		 w;
	struct buf		 b;
	const char		*errstr;
	char			 name[256];
	uint16_t		 n = 0, i;

	buf_init(&b, r->u.peer_index.peers.p, r->u.peer_index.peers.len);
	while (n < 64 && mrt_peer_next(&b, &peers[n]) == 1)
		n++;
	if (r->u.peer_index.view_name.len >= sizeof(name) ||
	    memchr(r->u.peer_index.view_name.p, '\0',
	    r->u.peer_index.view_name.len) != NULL)
		return;
	memcpy(name, r->u.peer_index.view_name.p,
	    r->u.peer_index.view_name.len);
	name[r->u.peer_index.view_name.len] = '\0';
	wbuf_init(&w, enc, sizeof(enc));
	if (mrt_enc_peer_index(&w, r->hdr.ts, r->u.peer_index.collector_id,
	    name, peers, n) == -1)
		return;
	CHECK(mrt_hdr_decode(enc, w.len, &h) == 0);
	CHECK(mrt_record_decode(&h, enc + MRT_HDR_LEN, h.len, &r2,
	    &errstr) == 0);
	CHECK(r2.kind == MRT_K_PEER_INDEX && r2.u.peer_index.count == n);
	buf_init(&b, r2.u.peer_index.peers.p, r2.u.peer_index.peers.len);
	for (i = 0; i < n; i++) {
		CHECK(mrt_peer_next(&b, &p2) == 1);
		CHECK(p2.bgp_id == peers[i].bgp_id && p2.asn == peers[i].asn &&
		    memcmp(&p2.addr, &peers[i].addr, sizeof(p2.addr)) == 0);
	}
}

/* A state change of the record's peer, encoded and decoded. */
static void
reencode_state(const struct mrt_record *r)
{
	const struct mrt_bgp4mp	*m = &r->u.bgp4mp;
	struct mrt_bgp4mp_peer	 p;
	struct mrt_record	 r2;
	struct mrt_hdr		 h;
	struct wbuf		 w;
	const char		*errstr;

	memset(&p, 0, sizeof(p));
	p.peer_as = m->peer_as;
	p.local_as = m->local_as;
	p.peer_ip = m->peer_ip;
	p.local_ip = m->local_ip;
	wbuf_init(&w, enc, sizeof(enc));
	if (mrt_enc_bgp4mp_state(&w, r->hdr.ts, r->hdr.usec, &p,
	    1 + m->old_state % 6, 1 + m->new_state % 6) == -1)
		return;
	CHECK(mrt_hdr_decode(enc, w.len, &h) == 0);
	CHECK(mrt_record_decode(&h, enc + MRT_HDR_LEN, h.len, &r2,
	    &errstr) == 0);
	CHECK(r2.u.bgp4mp.old_state == 1 + m->old_state % 6 &&
	    r2.u.bgp4mp.new_state == 1 + m->new_state % 6);
}

static void
record(const struct mrt_record *r)
{
	struct mrt_peer peer;
	struct mrt_rib_entry e;
	struct buf b;

	switch (r->kind) {
	case MRT_K_MESSAGE:
		message(&r->u.bgp4mp);
		reencode(r);
		reencode_state(r);
		break;
	case MRT_K_PEER_INDEX:
		buf_init(&b, r->u.peer_index.peers.p, r->u.peer_index.peers.len);
		while (mrt_peer_next(&b, &peer) == 1)
			;
		reencode_peers(r);
		break;
	case MRT_K_RIB:
		buf_init(&b, r->u.rib.entries.p, r->u.rib.entries.len);
		while (mrt_rib_next(&b, r->u.rib.addpath, &e) == 1)
			attrs(&e.attrs, 1, 1);
		reencode_rib(r);
		break;
	case MRT_K_TD1:
		attrs(&r->u.td1.attrs, 0, 0);
		break;
	default:
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mrt_hdr h;
	struct mrt_record r;
	const char *errstr;
	size_t off = 0;

	while (size - off >= MRT_HDR_LEN) {
		if (mrt_hdr_decode(data + off, size - off, &h) == -1)
			abort();	/* 12 bytes are always enough */
		off += MRT_HDR_LEN;
		if (h.len > size - off)
			break;
		if (mrt_record_decode(&h, data + off, h.len, &r, &errstr) == 0)
			record(&r);
		off += h.len;
	}
	return 0;
}
