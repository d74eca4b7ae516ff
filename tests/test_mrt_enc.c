/*
 * MRT record encoder (proto/mrt_enc.c) and the TABLE_DUMP_V2 attribute
 * encoder (bgp_attrs_encode_rib in proto/update_enc.c).
 *
 * Hand-made records are checked byte for byte; then every record of the
 * real RIS files in BGPWATCH_MRT_DATA (default ../shared/data/mrt) is
 * decoded and written again with the encoder (BGP4MP as BGP4MP_ET, RIB
 * entries with their attributes decoded and re-encoded), and bgpdump -m
 * must print the rewritten file exactly as it prints the original (the
 * "_ET" and the microseconds aside when the original had none).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bgpwatch.h"
#include "bgp.h"
#include "buf.h"
#include "mrt.h"
#include "mrtfile.h"
#include "update.h"

static const char *
datadir(void)
{
	const char *d = getenv("BGPWATCH_MRT_DATA");

	return d != NULL && *d != '\0' ? d : "../shared/data/mrt";
}

static void
test_state_bytes(void **state)
{
	static const uint8_t want[] = {
		0x5a, 0x00, 0x00, 0x01, 0x00, 0x11, 0x00, 0x05,	/* hdr */
		0x00, 0x00, 0x00, 0x1c,
		0x00, 0x00, 0x00, 0x07,				/* usec */
		0x00, 0x00, 0xfb, 0xf1, 0x00, 0x00, 0xfd, 0xe8,	/* ASes */
		0x00, 0x00, 0x00, 0x01,				/* if, afi */
		127, 0, 1, 2, 127, 0, 1, 1,
		0x00, 0x01, 0x00, 0x06
	};
	struct mrt_bgp4mp_peer p;
	struct mrt_record r;
	struct mrt_hdr h;
	struct wbuf w;
	uint8_t buf[128], a[4] = { 127, 0, 1, 2 }, l[4] = { 127, 0, 1, 1 };
	const char *err;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.peer_as = 64497;
	p.local_as = 65000;
	addr_set(&p.peer_ip, AID_INET, a);
	addr_set(&p.local_ip, AID_INET, l);
	wbuf_init(&w, buf, sizeof(buf));
	assert_int_equal(mrt_enc_bgp4mp_state(&w, 0x5a000001, 7, &p, 1, 6), 0);
	assert_int_equal(w.len, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(mrt_hdr_decode(buf, w.len, &h), 0);
	assert_int_equal(mrt_record_decode(&h, buf + MRT_HDR_LEN, h.len, &r,
	    &err), 0);
	assert_int_equal(r.kind, MRT_K_STATE);
	assert_int_equal(r.hdr.usec, 7);
	assert_int_equal(r.u.bgp4mp.new_state, MRT_STATE_ESTABLISHED);
	/* Too small: nothing half written. */
	wbuf_init(&w, buf, 20);
	assert_int_equal(mrt_enc_bgp4mp_state(&w, 1, 0, &p, 1, 6), -1);
	assert_int_equal(w.len, 0);
}

/*
 * A MESSAGE record byte for byte: 2-octet (AS_TRANS for a 4-octet AS)
 * and IPv6, then the same through a peer part encoded once
 * (mrt_bgp4mp_peer_enc + mrt_enc_bgp4mp_msg_pre); a record that does
 * not fit leaves the one before it whole and nothing of its own.
 */
static void
test_msg_bytes(void **state)
{
	static const uint8_t want[] = {
		0x5a, 0x00, 0x00, 0x02, 0x00, 0x11, 0x00, 0x01,	/* hdr */
		0x00, 0x00, 0x00, 0x3f,
		0x00, 0x00, 0x00, 0x09,				/* usec */
		0x5b, 0xa0, 0xfd, 0xe8,				/* ASes */
		0x00, 0x00, 0x00, 0x02,				/* if, afi */
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,	/* KEEPALIVE */
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0x00, 0x13, 0x04
	};
	struct mrt_bgp4mp_peer p;
	struct wbuf w;
	uint8_t buf[256], buf2[256], part[MRT_BGP4MP_PEER_MAX];
	uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8 }, l[16];
	size_t plen;

	(void)state;
	a[15] = 2;
	memcpy(l, a, 16);
	l[15] = 1;
	memset(&p, 0, sizeof(p));
	p.peer_as = 4200000001U;
	p.local_as = 65000;
	addr_set(&p.peer_ip, AID_INET6, a);
	addr_set(&p.local_ip, AID_INET6, l);
	wbuf_init(&w, buf, sizeof(buf));
	assert_int_equal(mrt_enc_bgp4mp_msg(&w, 0x5a000002, 9,
	    MRT_BGP4MP_MESSAGE, &p, want + 56, 19), 0);
	assert_int_equal(w.len, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	plen = mrt_bgp4mp_peer_enc(part, sizeof(part), &p, 0);
	assert_int_equal(plen, 40);
	assert_memory_equal(part, want + 16, 40);
	wbuf_init(&w, buf2, sizeof(buf2));
	assert_int_equal(mrt_enc_bgp4mp_msg_pre(&w, 0x5a000002, 9,
	    MRT_BGP4MP_MESSAGE, part, plen, want + 56, 19), 0);
	assert_int_equal(w.len, sizeof(want));
	assert_memory_equal(buf2, want, sizeof(want));
	/* 4-octet: the ASes as they are. */
	plen = mrt_bgp4mp_peer_enc(part, sizeof(part), &p, 1);
	assert_int_equal(plen, 44);
	assert_int_equal(get_u32(part), 4200000001U);
	assert_int_equal(get_u32(part + 4), 65000);
	/* No room for a second: the first stays, nothing of the second. */
	wbuf_init(&w, buf2, sizeof(want) + 30);
	assert_int_equal(mrt_enc_bgp4mp_msg_pre(&w, 1, 0, MRT_BGP4MP_MESSAGE,
	    want + 16, 40, want + 56, 19), 0);
	assert_int_equal(mrt_enc_bgp4mp_msg_pre(&w, 1, 0, MRT_BGP4MP_MESSAGE,
	    want + 16, 40, want + 56, 19), -1);
	assert_int_equal(w.len, sizeof(want));
	assert_int_equal(get_u32(buf2 + 8), 0x3f);
	/* Mixed families, or a part that does not fit: refused. */
	addr_set(&p.local_ip, AID_INET, l);
	assert_int_equal(mrt_bgp4mp_peer_enc(part, sizeof(part), &p, 1), 0);
	addr_set(&p.local_ip, AID_INET6, l);
	assert_int_equal(mrt_bgp4mp_peer_enc(part, 20, &p, 1), 0);
	wbuf_init(&w, buf2, sizeof(buf2));
	assert_int_equal(mrt_enc_bgp4mp_msg_pre(&w, 1, 0, MRT_BGP4MP_MESSAGE,
	    part, 0, want + 56, 19), -1);
	assert_int_equal(w.len, 0);
}

static void
test_subtypes(void **state)
{
	(void)state;
	assert_int_equal(mrt_bgp4mp_msg_subtype(1, 0, 0), 4);
	assert_int_equal(mrt_bgp4mp_msg_subtype(1, 1, 0), 9);
	assert_int_equal(mrt_bgp4mp_msg_subtype(0, 0, 0), 1);
	assert_int_equal(mrt_bgp4mp_msg_subtype(0, 1, 0), 8);
	assert_int_equal(mrt_bgp4mp_msg_subtype(1, 0, 1), 7);
	assert_int_equal(mrt_bgp4mp_msg_subtype(1, 1, 1), 11);
}

/*
 * A 2-octet session's UPDATE with AS_TRANS in AS_PATH and AGGREGATOR,
 * the true numbers in AS4_PATH and AS4_AGGREGATOR: written 4-octet.
 */
static void
test_widen_bytes(void **state)
{
	static const uint8_t msg[] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0x00, 0x58, 0x02,
		0x00, 0x00,				/* no withdrawn */
		0x00, 0x3e,				/* attributes: 62 */
		0x40, 0x01, 0x01, 0x00,			/* ORIGIN IGP */
		0x40, 0x02, 0x08, 0x02, 0x03,		/* AS_PATH */
		0xfd, 0xe9, 0x5b, 0xa0, 0x5b, 0xa0,	/* 65001 23456 23456 */
		0x40, 0x03, 0x04, 192, 0, 2, 1,		/* NEXT_HOP */
		0xc0, 0x07, 0x06, 0x5b, 0xa0, 10, 0, 0, 9, /* AGGREGATOR */
		0xc0, 0x08, 0x04, 0xfd, 0xe9, 0x00, 0x07, /* 65001:7 */
		0xc0, 0x11, 0x0a, 0x02, 0x02,		/* AS4_PATH */
		0xfa, 0x56, 0xea, 0x01, 0xfa, 0x56, 0xea, 0x02,
		0xc0, 0x12, 0x08, 0xfa, 0x56, 0xea, 0x03, 10, 0, 0, 9,
		0x10, 10, 1				/* 10.1.0.0/16 */
	};
	struct bgp_dec_ctx ctx;
	struct bgp_update u, v;
	struct mrt_bgp4mp_peer p;
	struct mrt_record r;
	struct mrt_hdr h;
	struct wbuf w;
	uint8_t buf[512], a[4] = { 127, 0, 1, 2 }, *scratch, *scratch2;
	const char *err;
	char path[128];
	size_t i;

	(void)state;
	assert_int_equal(sizeof(msg), 0x58);
	memset(&ctx, 0, sizeof(ctx));
	assert_non_null(scratch = malloc(BGP_SCRATCH_LEN));
	assert_non_null(scratch2 = malloc(BGP_SCRATCH_LEN));
	ctx.scratch = scratch;
	ctx.scratchlen = BGP_SCRATCH_LEN;
	assert_int_equal(bgp_update_decode(&ctx, msg + BGP_HDR_LEN,
	    sizeof(msg) - BGP_HDR_LEN, &u), 0);
	memset(&p, 0, sizeof(p));
	p.peer_as = 65001;
	p.local_as = 65000;
	addr_set(&p.peer_ip, AID_INET, a);
	wbuf_init(&w, buf, sizeof(buf));
	assert_int_equal(mrt_enc_bgp4mp_msg_as4(&w, 1, 0,
	    MRT_BGP4MP_MESSAGE_AS4, &p, msg, sizeof(msg), &u), 0);
	assert_int_equal(mrt_hdr_decode(buf, w.len, &h), 0);
	assert_int_equal(mrt_record_decode(&h, buf + MRT_HDR_LEN, h.len, &r,
	    &err), 0);
	assert_int_equal(r.kind, MRT_K_MESSAGE);
	assert_true(r.u.bgp4mp.as4);
	/* Read back as a 4-octet UPDATE: the true path and aggregator. */
	ctx.as4 = 1;
	ctx.scratch = scratch2;
	assert_int_equal(bgp_update_decode(&ctx, r.u.bgp4mp.msg.p + BGP_HDR_LEN,
	    r.u.bgp4mp.msg.len - BGP_HDR_LEN, &v), 0);
	assert_int_equal(v.action, ACT_NONE);
	bgp_aspath_fmt(&v.attrs.aspath, path, sizeof(path));
	assert_string_equal(path, "65001 4200000001 4200000002");
	assert_int_equal(v.attrs.aggr_as, 4200000003u);
	assert_int_equal(v.attrs.aggr_id, 0x0a000009);
	assert_true(ATTR_HAS(&v.attrs, ATTR_COMMUNITIES));
	assert_int_equal(v.nlri.len, 3);
	/* No AS4_PATH / AS4_AGGREGATOR left: walk the attribute codes. */
	for (i = 0; i + 3 <= v.attrs.raw.len; i += 3u +
	    v.attrs.raw.p[i + 2])
		assert_true(v.attrs.raw.p[i + 1] != ATTR_AS4_PATH &&
		    v.attrs.raw.p[i + 1] != ATTR_AS4_AGGREGATOR);
	/* Not an UPDATE, or a 2-octet subtype: refused, nothing written. */
	wbuf_init(&w, buf, sizeof(buf));
	assert_int_equal(mrt_enc_bgp4mp_msg_as4(&w, 1, 0, MRT_BGP4MP_MESSAGE,
	    &p, msg, sizeof(msg), &u), -1);
	assert_int_equal(w.len, 0);
	free(scratch);
	free(scratch2);
}

/* The rewriter: one input record, encoded again into w. */
struct rewrite {
	struct mrt_peer	 peers[4096];
	uint16_t	 npeers;
	uint8_t		*scratch;
	uint8_t		 attrbuf[65536];
	size_t		 records;
	int		 widen;		/* 2-octet UPDATEs as _AS4 */
	size_t		 widened;	/* ... so written */
	size_t		 had_as4path;	/* ... of which had an AS4_PATH */
};

/* 1 if the UPDATE's attributes hold an AS4_PATH (a raw walk). */
static int
has_as4path(const struct bgp_update *u)
{
	struct buf b;
	uint8_t flags, code, l8;
	uint16_t l;

	buf_init(&b, u->attrs.raw.p, u->attrs.raw.len);
	while (buf_get_u8(&b, &flags) == 0 && buf_get_u8(&b, &code) == 0) {
		if (flags & ATTR_EXTLEN) {
			if (buf_get_u16(&b, &l) == -1)
				return 0;
		} else {
			if (buf_get_u8(&b, &l8) == -1)
				return 0;
			l = l8;
		}
		if (code == ATTR_AS4_PATH)
			return 1;
		if (buf_skip(&b, l) == -1)
			return 0;
	}
	return 0;
}

/*
 * A 2-octet UPDATE written as the archive writes it: _AS4, the AS path
 * 4-octet.  Returns 1 if so written, 0 if it is not such an UPDATE.
 */
static int
rewrite_widen(struct rewrite *rw, struct wbuf *w, const struct mrt_record *r)
{
	const struct mrt_bgp4mp *m = &r->u.bgp4mp;
	struct mrt_bgp4mp_peer p;
	struct bgp_dec_ctx ctx;
	struct bgp_update u;
	int aid;

	if (!rw->widen || m->as4 || m->msg.len < BGP_HDR_LEN ||
	    m->msg.p[18] != BGP_UPDATE)
		return 0;
	memset(&ctx, 0, sizeof(ctx));
	ctx.as4 = 0;
	for (aid = 0; aid < AID_MAX; aid++)
		ctx.addpath[aid] = m->addpath;
	ctx.scratch = rw->scratch;
	ctx.scratchlen = BGP_SCRATCH_LEN;
	if (bgp_update_decode(&ctx, m->msg.p + BGP_HDR_LEN,
	    m->msg.len - BGP_HDR_LEN, &u) == -1 ||
	    u.action >= ACT_TREAT_AS_WITHDRAW)
		return 0;
	memset(&p, 0, sizeof(p));
	p.peer_as = m->peer_as;
	p.local_as = m->local_as;
	p.ifindex = m->ifindex;
	p.peer_ip = m->peer_ip;
	p.local_ip = m->local_ip;
	assert_int_equal(mrt_enc_bgp4mp_msg_as4(w, r->hdr.ts, r->hdr.usec,
	    mrt_bgp4mp_msg_subtype(1, m->addpath, m->local), &p, m->msg.p,
	    m->msg.len, &u), 0);
	rw->widened++;
	rw->had_as4path += has_as4path(&u);
	return 1;
}

static void
rewrite_rib(struct rewrite *rw, struct wbuf *w, const struct mrt_record *r)
{
	struct mrt_rib_entry e;
	struct mrt_rib_enc re;
	struct bgp_dec_ctx ctx;
	struct bgp_update u;
	struct wbuf aw;
	struct buf b;

	memset(&ctx, 0, sizeof(ctx));
	ctx.as4 = 1;
	ctx.mrt_rib = 1;
	ctx.scratch = rw->scratch;
	ctx.scratchlen = BGP_SCRATCH_LEN;
	mrt_enc_rib_begin(w, &re, r->hdr.ts, r->u.rib.seq, &r->u.rib.prefix,
	    r->u.rib.addpath);
	buf_init(&b, r->u.rib.entries.p, r->u.rib.entries.len);
	while (mrt_rib_next(&b, r->u.rib.addpath, &e) == 1) {
		assert_int_equal(bgp_attrs_decode(&ctx, e.attrs.p, e.attrs.len,
		    &u), 0);
		wbuf_init(&aw, rw->attrbuf, sizeof(rw->attrbuf));
		assert_int_equal(bgp_attrs_encode_rib(&aw, &u.attrs,
		    r->u.rib.prefix.aid), 0);
		mrt_enc_rib_entry(w, &re, e.peer_index, e.originated, e.path_id,
		    aw.p, aw.len);
	}
	assert_int_equal(mrt_enc_rib_end(w, &re), 0);
}

static void
rewrite_record(struct rewrite *rw, struct wbuf *w, const struct mrt_record *r)
{
	const struct mrt_bgp4mp *m = &r->u.bgp4mp;
	struct mrt_bgp4mp_peer p;
	struct buf b;

	switch (r->kind) {
	case MRT_K_MESSAGE:
	case MRT_K_STATE:
		if (r->kind == MRT_K_MESSAGE && rewrite_widen(rw, w, r))
			break;
		memset(&p, 0, sizeof(p));
		p.peer_as = m->peer_as;
		p.local_as = m->local_as;
		p.ifindex = m->ifindex;
		p.peer_ip = m->peer_ip;
		p.local_ip = m->local_ip;
		if (r->kind == MRT_K_STATE)
			assert_int_equal(mrt_enc_bgp4mp_state(w, r->hdr.ts,
			    r->hdr.usec, &p, m->old_state, m->new_state), 0);
		else
			assert_int_equal(mrt_enc_bgp4mp_msg(w, r->hdr.ts,
			    r->hdr.usec, mrt_bgp4mp_msg_subtype(m->as4,
			    m->addpath, m->local), &p, m->msg.p, m->msg.len),
			    0);
		break;
	case MRT_K_PEER_INDEX:
		rw->npeers = 0;
		buf_init(&b, r->u.peer_index.peers.p,
		    r->u.peer_index.peers.len);
		while (mrt_peer_next(&b, &rw->peers[rw->npeers]) == 1)
			rw->npeers++;
		assert_int_equal(mrt_enc_peer_index(w, r->hdr.ts,
		    r->u.peer_index.collector_id, "", rw->peers, rw->npeers),
		    0);
		break;
	case MRT_K_RIB:
		rewrite_rib(rw, w, r);
		break;
	default:
		return;
	}
	rw->records++;
}

/*
 * Rewrites path into out; returns the records written (widen: 2-octet
 * UPDATEs as _AS4, their number in *widened, of them with AS4_PATH in
 * *as4path).
 */
static size_t
rewrite_file(const char *path, const char *out, int widen, size_t *widened,
    size_t *as4path)
{
	static struct rewrite rw;
	static uint8_t recbuf[MRT_MAX_RECORD + 1024];
	struct mrt_file *mf;
	struct mrt_hdr h;
	struct mrt_record r;
	const uint8_t *body;
	const char *errstr;
	struct wbuf w;
	char err[256];
	FILE *fp;
	int rv;

	memset(&rw, 0, sizeof(rw));
	rw.widen = widen;
	rw.scratch = malloc(BGP_SCRATCH_LEN);
	assert_non_null(rw.scratch);
	mf = mrt_file_open(path, err, sizeof(err));
	if (mf == NULL)
		fail_msg("%s (set BGPWATCH_MRT_DATA)", err);
	assert_non_null(fp = fopen(out, "w"));
	while ((rv = mrt_file_next(mf, &h, &body, &errstr)) == 1) {
		assert_int_equal(mrt_record_decode(&h, body, h.len, &r,
		    &errstr), 0);
		wbuf_init(&w, recbuf, sizeof(recbuf));
		rewrite_record(&rw, &w, &r);
		assert_false(w.err);
		assert_int_equal(fwrite(recbuf, 1, w.len, fp), w.len);
	}
	assert_int_equal(rv, 0);
	assert_int_equal(fclose(fp), 0);
	mrt_file_close(mf);
	free(rw.scratch);
	if (widened != NULL)
		*widened = rw.widened;
	if (as4path != NULL)
		*as4path = rw.had_as4path;
	return rw.records;
}

/*
 * Every file rewritten; with widen, only those with 2-octet UPDATEs, the
 * UPDATEs made 4-octet as the archive does for a 2-octet session
 * (mrt_enc_bgp4mp_msg_as4): bgpdump, which merges AS4_PATH itself in a
 * 2-octet record, must print the same AS paths, aggregators and all.
 */
static void
bgpdump_same(int widen)
{
	static const char *files[] = {
		"updates.20160811.1600.gz",
		"updates.20100722.2015.gz", "updates.long_withdrawal.gz",
		"bview.ipv4_unicast_add_path.gz",
		"bview.ipv6_unicast_add_path.gz", "bview.64k_stream_overflow.gz"
	}, *as2files[] = {
		"updates.20100722.2015.gz", "updates.20070211.0141.gz"
	};
	const char **list = widen ? as2files : files;
	size_t nfiles = widen ? sizeof(as2files) / sizeof(as2files[0]) :
	    sizeof(files) / sizeof(files[0]);
	char in[1024], out[] = "/tmp/test_mrt_enc.XXXXXX", cmd[4096];
	size_t i, n, widened = 0, as4path = 0, w1, a1;
	int fd;

	if (system("command -v bgpdump >/dev/null") != 0)
		skip();
	for (i = 0; i < nfiles; i++) {
		assert_true((fd = mkstemp(out)) != -1);
		close(fd);
		snprintf(in, sizeof(in), "%s/%s", datadir(), list[i]);
		n = rewrite_file(in, out, widen, &w1, &a1);
		widened += w1;
		as4path += a1;
		assert_true(n > 0);
		/* bgpdump's view of both, the _ET difference taken out. */
		snprintf(cmd, sizeof(cmd),
		    "bgpdump -m '%s' 2>/dev/null | sed 's/^BGP4MP_ET|/BGP4MP|/;"
		    "s/^\\(BGP4MP|[0-9]*\\)\\.[0-9]*|/\\1|/' > %s.a && "
		    "bgpdump -m %s 2>/dev/null | sed 's/^BGP4MP_ET|/BGP4MP|/;"
		    "s/^\\(BGP4MP|[0-9]*\\)\\.[0-9]*|/\\1|/' > %s.b && "
		    "test -s %s.a && cmp %s.a %s.b", in, out, out, out, out, out,
		    out);
		if (system(cmd) != 0)
			fail_msg("%s: bgpdump -m differs on the rewritten file "
			    "(%s.a, %s.b)", list[i], out, out);
		snprintf(cmd, sizeof(cmd), "rm -f %s %s.a %s.b", out, out, out);
		(void)system(cmd);
		strcpy(out, "/tmp/test_mrt_enc.XXXXXX");
	}
	if (widen) {
		/* Real 2-octet UPDATEs, some with AS_TRANS and AS4_PATH. */
		print_message("widened %zu 2-octet UPDATEs, %zu with AS4_PATH\n",
		    widened, as4path);
		assert_true(widened > 1000);
		assert_true(as4path > 0);
	}
}

static void
test_bgpdump_same(void **state)
{
	(void)state;
	bgpdump_same(0);
}

static void
test_bgpdump_widened(void **state)
{
	(void)state;
	bgpdump_same(1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_bytes),
		cmocka_unit_test(test_msg_bytes),
		cmocka_unit_test(test_subtypes),
		cmocka_unit_test(test_widen_bytes),
		cmocka_unit_test(test_bgpdump_same),
		cmocka_unit_test(test_bgpdump_widened),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
