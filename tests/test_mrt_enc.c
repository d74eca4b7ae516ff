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

/* The rewriter: one input record, encoded again into w. */
struct rewrite {
	struct mrt_peer	 peers[4096];
	uint16_t	 npeers;
	uint8_t		*scratch;
	uint8_t		 attrbuf[65536];
	size_t		 records;
};

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

/* Rewrites path into out; returns the records written. */
static size_t
rewrite_file(const char *path, const char *out)
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
	return rw.records;
}

static void
test_bgpdump_same(void **state)
{
	static const char *files[] = {
		"updates.20160811.1600.gz",
		"updates.20100722.2015.gz", "updates.long_withdrawal.gz",
		"bview.ipv4_unicast_add_path.gz",
		"bview.ipv6_unicast_add_path.gz", "bview.64k_stream_overflow.gz"
	};
	char in[1024], out[] = "/tmp/test_mrt_enc.XXXXXX", cmd[4096];
	size_t i, n;
	int fd;

	(void)state;
	if (system("command -v bgpdump >/dev/null") != 0)
		skip();
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		assert_true((fd = mkstemp(out)) != -1);
		close(fd);
		snprintf(in, sizeof(in), "%s/%s", datadir(), files[i]);
		n = rewrite_file(in, out);
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
			    "(%s.a, %s.b)", files[i], out, out);
		snprintf(cmd, sizeof(cmd), "rm -f %s %s.a %s.b", out, out, out);
		(void)system(cmd);
		strcpy(out, "/tmp/test_mrt_enc.XXXXXX");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_bytes),
		cmocka_unit_test(test_subtypes),
		cmocka_unit_test(test_bgpdump_same),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
