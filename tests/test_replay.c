/*
 * A table dump's record goes into the RIB in one step (rib_update_many
 * through adjrib_announce_many); these tests hold it to what inserting
 * the entries one by one did.
 *
 * many_equals_one: random batches (sources in and out of slot order,
 * the same source and path id twice in a batch, add-path ids, routes
 * already there, stale ones, the clock moving) go into two RIBs, one
 * route at a time and as a batch: every result, route (attributes,
 * flags with their time), count and stale count must be equal, and so
 * must every call the observer hears when it watches, with the routes
 * of the prefix as the observer sees them at that call.
 *
 * replay_hostile: bgpwatchd -r of a hand-made table dump with a
 * duplicate peer index in a record, peer indexes out of range,
 * attributes that do not decode between good entries, a record whose
 * entries overrun it, a record of more routes than a batch and
 * attribute blocks too long for the replay's cache: the RIB and the
 * observer's calls are those the entry-by-entry replay gave (written
 * out below), with a watching and with an indifferent observer, and
 * every attribute reference comes back.
 *
 * replay_td1_cache: TABLE_DUMP (v1) records of a peer whose blocks
 * repeat, come back after leaving its cache, do not decode or are too
 * long for the cache, then a TABLE_DUMP_V2 entry of the same peer with
 * one of those blocks' bytes, which decode otherwise as a RIB entry's
 * (4-octet ASes): each route has the set its own decoding gives.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "adjrib.h"
#include "bgpwatch.h"
#include "buf.h"
#include "intern.h"
#include "loop.h"
#include "mrt.h"
#include "replay.h"
#include "rib.h"
#include "rib_util.h"
#include "update.h"

#define NSRC	6
#define NPFX	40
#define NATTR	5
#define MAXLOG	40000

/* One call the observer heard, with the prefix's routes at that time. */
struct call {
	uint16_t	slot;
	uint8_t		plen;
	uint8_t		newprefix;
	uint32_t	b0;		/* the prefix's first address bytes */
	const struct rattr *attrs;
	uint32_t	med;		/* of attrs, at the call */
	uint8_t		nroutes;
	struct rib_route routes[NSRC * 3];
};

struct obslog {
	struct rib	*rib;
	int		 watch;
	size_t		 n;
	struct call	*c;
};

static int
o_interested(void *arg, const struct bw_prefix *p)
{
	struct obslog *o = arg;

	(void)p;
	return o->watch;
}

static void
o_announce(void *arg, const struct rib_src *src, const struct bw_prefix *p,
    const struct rattr *a, int newprefix, const struct rib_route *routes,
    size_t nroutes, double now)
{
	struct obslog *o = arg;
	const struct rib_route *r;
	struct call *c;
	size_t n;

	(void)now;
	assert_true(o->n < MAXLOG);
	c = &o->c[o->n++];
	memset(c, 0, sizeof(*c));
	c->slot = src->slot;
	c->plen = p->len;
	c->newprefix = (uint8_t)newprefix;
	memcpy(&c->b0, p->b, 4);
	c->attrs = a;
	c->med = a->med;
	r = rib_lookup(o->rib, p, &n);
	/* The door hands the observer the prefix's routes as they are. */
	assert_ptr_equal(routes, r);
	assert_int_equal(nroutes, n);
	assert_true(n < 256);
	c->nroutes = (uint8_t)n;
	if (n > NSRC * 3)	/* the first ones (the replay's long record) */
		n = NSRC * 3;
	if (n > 0)
		memcpy(c->routes, r, n * sizeof(*r));
}

static const struct adjrib_observer obs = {
	.interested = o_interested,
	.announce = o_announce,
};

static uint64_t	rng = 0x243f6a8885a308d3ULL;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)((rng >> 32) % n);	/* the better bits */
}

/* An interned set told apart by its MED (AS path 65000). */
static struct rattr *
mkattrs(struct intern *in, uint32_t med)
{
	return rib_test_attrs(in, 65000, med);
}

/* A RIB behind a door, with its sources and observer. */
struct side {
	struct intern	*in;
	struct rib	*rib;
	struct adjrib	 door;
	struct rib_src	 src[NSRC];
	struct obslog	 log;
};

static void
side_init(struct side *s, struct loop *loop, struct intern *in, int watch)
{
	struct bw_addr a;
	int i, aid;

	memset(s, 0, sizeof(*s));
	s->in = in;
	assert_non_null(s->rib = rib_new(in));
	s->log.rib = s->rib;
	s->log.watch = watch;
	assert_non_null(s->log.c = calloc(MAXLOG, sizeof(*s->log.c)));
	adjrib_init(&s->door, loop, s->rib, in, &obs, &s->log);
	for (i = 0; i < NSRC; i++) {
		memset(&a, 0, sizeof(a));
		a.aid = AID_INET;
		a.b[0] = 10;
		a.b[3] = (uint8_t)(i + 1);
		assert_int_equal(adjrib_src_attach(&s->door, &s->src[i], &a,
		    65001 + (uint32_t)i), 0);
		for (aid = AID_INET; aid < AID_MAX; aid++)
			s->src[i].af[aid] = 1;
		adjrib_up(&s->src[i]);
	}
}

static void
side_free(struct side *s)
{
	int i;

	for (i = 0; i < NSRC; i++)
		adjrib_src_abandon(&s->src[i]);
	adjrib_free(&s->door);
	rib_free(s->rib);
	free(s->log.c);
}

/* The two RIBs hold the same routes, counts and stale counts. */
static void
same_ribs(const struct side *a, const struct side *b,
    const struct bw_prefix *pfx)
{
	const struct rib_route *ra, *rb;
	size_t na, nb, i;
	int aid;

	for (i = 0; i < NPFX; i++) {
		ra = rib_lookup(a->rib, &pfx[i], &na);
		rb = rib_lookup(b->rib, &pfx[i], &nb);
		assert_int_equal(na, nb);
		if (na > 0)
			assert_memory_equal(ra, rb, na * sizeof(*ra));
	}
	for (aid = AID_INET; aid < AID_MAX; aid++) {
		assert_int_equal(rib_total_routes(a->rib, (uint8_t)aid),
		    rib_total_routes(b->rib, (uint8_t)aid));
		assert_int_equal(rib_total_prefixes(a->rib, (uint8_t)aid),
		    rib_total_prefixes(b->rib, (uint8_t)aid));
	}
	for (i = 0; i < NSRC; i++) {
		assert_int_equal(rib_count(a->rib, (uint16_t)i, AID_INET),
		    rib_count(b->rib, (uint16_t)i, AID_INET));
		assert_int_equal(rib_count_stale(a->rib, (uint16_t)i,
		    AID_INET), rib_count_stale(b->rib, (uint16_t)i, AID_INET));
		assert_int_equal(a->src[i].stats.prefixes_in,
		    b->src[i].stats.prefixes_in);
	}
}

/* The calls since *from are the same; *from moves past them. */
static void
same_logs(const struct obslog *a, const struct obslog *b, size_t *from)
{
	size_t i;

	assert_int_equal(a->n, b->n);
	for (i = *from; i < a->n; i++)
		assert_memory_equal(&a->c[i], &b->c[i], sizeof(a->c[i]));
	*from = a->n;
}

static void
many_equals_one(int watch)
{
	struct loop loop;
	struct intern *in;
	struct side one, many;
	struct bw_prefix pfx[NPFX];
	struct rattr *pool[NATTR];
	struct adjrib_route ea[RIB_MANY_MAX], eb[RIB_MANY_MAX];
	struct rib_route rin[RIB_MANY_MAX];
	struct rib_cursor cur;
	int res1[RIB_MANY_MAX], resn[RIB_MANY_MAX];
	uint8_t b[16];
	size_t i, n, round, k, seen = 0;
	uint16_t peer;

	assert_int_equal(loop_init(&loop), 0);
	assert_non_null(in = intern_new());
	for (i = 0; i < NATTR; i++)
		pool[i] = mkattrs(in, (uint32_t)i);
	side_init(&one, &loop, in, watch);
	side_init(&many, &loop, in, watch);
	for (i = 0; i < NPFX; i++) {
		memset(b, 0, sizeof(b));
		b[0] = (uint8_t)(10 + i % 3);
		b[1] = (uint8_t)(i / 3);
		/* Nested prefixes too: 10.0.0.0/8 above 10.0.0.0/16. */
		assert_int_equal(prefix_set(&pfx[i], AID_INET, b,
		    (uint8_t)(i < 3 ? 8 : 16 + i % 9)), 0);
	}
	for (round = 0; round < 2000; round++) {
		loop.record_now = 1e9 + (double)(round / 7) * 3;
		i = rnd(NPFX);
		n = 1 + rnd(round % 5 == 0 ? RIB_MANY_MAX : 12);
		for (k = 0; k < n; k++) {
			/* Mostly in slot order, as a dump's peers are. */
			peer = (uint16_t)(rnd(4) == 0 ? rnd(NSRC) :
			    k * NSRC / n);
			ea[k].src = &one.src[peer];
			eb[k].src = &many.src[peer];
			ea[k].path_id = eb[k].path_id = rnd(3) == 0 ? rnd(3) : 0;
			ea[k].attrs = eb[k].attrs = pool[rnd(NATTR)];
		}
		for (k = 0; k < n; k++)
			adjrib_announce_one(ea[k].src, &pfx[i], ea[k].path_id,
			    ea[k].attrs);
		adjrib_announce_many(&pfx[i], eb, n);
		same_ribs(&one, &many, pfx);
		same_logs(&one.log, &many.log, &seen);
		/* Some routes go, or turn stale, on both sides. */
		if (round % 11 == 3) {
			peer = (uint16_t)rnd(NSRC);
			(void)rib_withdraw(one.rib, peer, &pfx[i], 0);
			(void)rib_withdraw(many.rib, peer, &pfx[i], 0);
		}
		if (round % 97 == 50) {
			peer = (uint16_t)rnd(NSRC);
			rib_cursor_init(&cur, AID_INET);
			while (rib_mark_stale_slice(one.rib, &cur, peer, 7))
				;
			rib_cursor_init(&cur, AID_INET);
			while (rib_mark_stale_slice(many.rib, &cur, peer, 7))
				;
		}
	}
	/* rib_update_many's results are rib_update's, call by call. */
	for (round = 0; round < 500; round++) {
		rib_set_time(one.rib, (uint32_t)(2e9 + round));
		rib_set_time(many.rib, (uint32_t)(2e9 + round));
		i = rnd(NPFX);
		n = 1 + rnd(round % 2 ? 8 : RIB_MANY_MAX);
		/* Half the prefix's routes go first: new paths beside old
		 * ones, new ones of a peer in either order. */
		for (k = 0; k < NSRC * 3; k++)
			if (rnd(2) == 0) {
				peer = (uint16_t)(k / 3);
				assert_int_equal(rib_withdraw(one.rib, peer,
				    &pfx[i], k % 3), rib_withdraw(many.rib,
				    peer, &pfx[i], k % 3));
			}
		for (k = 0; k < n; k++) {
			rin[k].peer = (uint16_t)rnd(NSRC);
			rin[k].path_id = rnd(2);
			rin[k].attrs = pool[rnd(NATTR)];
			rin[k].flags = 0;
			res1[k] = rib_update(one.rib, rin[k].peer, &pfx[i],
			    rin[k].path_id, rin[k].attrs);
		}
		assert_int_equal(rib_update_many(many.rib, &pfx[i], rin, n,
		    resn), 0);
		assert_memory_equal(res1, resn, n * sizeof(*res1));
		same_ribs(&one, &many, pfx);
	}
	/* Refused whole: nothing changes. */
	rin[0].peer = 0;
	rin[1].peer = RIB_MAX_PEERS;
	assert_int_equal(rib_update_many(many.rib, &pfx[0], rin, 2, resn), -1);
	rin[1].peer = 1;
	rin[1].attrs = NULL;
	assert_int_equal(rib_update_many(many.rib, &pfx[0], rin, 2, resn), -1);
	assert_int_equal(rib_update_many(many.rib, &pfx[0], rin,
	    RIB_MANY_MAX + 1, resn), -1);
	same_ribs(&one, &many, pfx);
	if (watch)
		assert_true(one.log.n > 2000);
	else
		assert_int_equal(one.log.n, 0);
	side_free(&one);
	side_free(&many);
	for (i = 0; i < NATTR; i++)
		rattr_unref(in, pool[i]);
	{
		struct intern_mem im;

		intern_mem(in, &im);
		assert_int_equal(im.attrs, 0);
	}
	intern_free(in);
	loop_free(&loop);
}

static void
test_many_equals_one_watched(void **state)
{
	(void)state;
	many_equals_one(1);
}

static void
test_many_equals_one_unwatched(void **state)
{
	(void)state;
	many_equals_one(0);
}

/* --- a hostile table dump through bgpwatchd -r's replay -------------- */

#define NIDX	70	/* peers in the index: more than a batch */

/* ORIGIN IGP, AS_PATH 65000 (4-octet), NEXT_HOP 192.0.2.1, MED med. */
static size_t
block(uint8_t *p, uint32_t med)
{
	static const uint8_t head[] = {
		0x40, 1, 1, 0,
		0x40, 2, 6, 2, 1, 0, 0, 0xfd, 0xe8,
		0x40, 3, 4, 192, 0, 2, 1,
		0x80, 4, 4
	};

	memcpy(p, head, sizeof(head));
	p[sizeof(head)] = (uint8_t)(med >> 24);
	p[sizeof(head) + 1] = (uint8_t)(med >> 16);
	p[sizeof(head) + 2] = (uint8_t)(med >> 8);
	p[sizeof(head) + 3] = (uint8_t)med;
	return sizeof(head) + 4;
}

/* The same with an optional transitive attribute of pad bytes after. */
static size_t
big_block(uint8_t *p, uint32_t med, size_t pad)
{
	size_t n = block(p, med);

	p[n++] = 0xd0;		/* optional, transitive, extended length */
	p[n++] = 0xf0;		/* an unknown type: kept as it is */
	p[n++] = (uint8_t)(pad >> 8);
	p[n++] = (uint8_t)pad;
	memset(p + n, 0x5a, pad);
	return n + pad;
}

static void
pfx4(struct bw_prefix *p, uint8_t a, uint8_t b, uint8_t len)
{
	uint8_t k[16] = { a, b };

	assert_int_equal(prefix_set(p, AID_INET, k, len), 0);
}

static void
write_dump(const char *path)
{
	static uint8_t buf[1 << 20];
	uint8_t blk[8192], bad[64];
	struct mrt_peer peers[NIDX];
	struct mrt_rib_enc re;
	struct bw_prefix p;
	struct wbuf w;
	size_t n, i;
	FILE *f;

	wbuf_init(&w, buf, sizeof(buf));
	memset(peers, 0, sizeof(peers));
	for (i = 0; i < NIDX; i++) {
		peers[i].addr.aid = AID_INET;
		peers[i].addr.b[0] = 10;
		peers[i].addr.b[2] = (uint8_t)(i >> 8);
		peers[i].addr.b[3] = (uint8_t)(i + 1);
		peers[i].asn = 65100 + (uint32_t)i;
		peers[i].as4 = 1;
		peers[i].bgp_id = (uint32_t)i + 1;
	}
	assert_int_equal(mrt_enc_peer_index(&w, 1000, 1, "", peers, NIDX), 0);
	/* ORIGIN of length 2: an attribute error, not a set. */
	n = block(bad, 9);
	bad[3] = 2;
	bad[4] = 0;
	/* 1: peer 0, a bad block, peer 2, peer 0 again (replaces), an
	 * index out of range, peer 1 with peer 2's block. */
	pfx4(&p, 10, 0, 8);
	mrt_enc_rib_begin(&w, &re, 1000, 0, &p, 0);
	mrt_enc_rib_entry(&w, &re, 0, 900, 0, blk, block(blk, 1));
	mrt_enc_rib_entry(&w, &re, 1, 900, 0, bad, n);
	mrt_enc_rib_entry(&w, &re, 2, 900, 0, blk, block(blk, 2));
	mrt_enc_rib_entry(&w, &re, 0, 900, 0, blk, block(blk, 3));
	mrt_enc_rib_entry(&w, &re, 4000, 900, 0, blk, block(blk, 4));
	mrt_enc_rib_entry(&w, &re, 1, 900, 0, blk, block(blk, 2));
	assert_int_equal(mrt_enc_rib_end(&w, &re), 0);
	/* 2: peers out of slot order, a bad block first, the same peer
	 * with the block its cache holds. */
	pfx4(&p, 11, 0, 16);
	mrt_enc_rib_begin(&w, &re, 1000, 1, &p, 0);
	mrt_enc_rib_entry(&w, &re, 3, 900, 0, bad, n);
	mrt_enc_rib_entry(&w, &re, 2, 900, 0, blk, block(blk, 5));
	mrt_enc_rib_entry(&w, &re, 0, 900, 0, blk, block(blk, 3));
	mrt_enc_rib_entry(&w, &re, 2, 900, 0, blk, block(blk, 2));
	assert_int_equal(mrt_enc_rib_end(&w, &re), 0);
	/* 3: every peer, blocks too long for the cache every third, a
	 * peer twice over a batch's end. */
	pfx4(&p, 12, 0, 16);
	mrt_enc_rib_begin(&w, &re, 1000, 2, &p, 0);
	for (i = 0; i < NIDX; i++)
		mrt_enc_rib_entry(&w, &re, (uint16_t)i, 900, 0, blk, i % 3 ?
		    block(blk, 100 + (uint32_t)i % 4) :
		    big_block(blk, 200 + (uint32_t)i % 2, 4200));
	mrt_enc_rib_entry(&w, &re, 63, 900, 0, blk, big_block(blk, 7, 4200));
	assert_int_equal(mrt_enc_rib_end(&w, &re), 0);
	/* 4: its entries overrun it (count one too many): the record is
	 * refused, nothing of it applied. */
	pfx4(&p, 13, 0, 16);
	mrt_enc_rib_begin(&w, &re, 1000, 3, &p, 0);
	mrt_enc_rib_entry(&w, &re, 0, 900, 0, blk, block(blk, 1));
	mrt_enc_rib_entry(&w, &re, 1, 900, 0, blk, block(blk, 1));
	assert_int_equal(mrt_enc_rib_end(&w, &re), 0);
	assert_false(w.err);
	buf[re.count_off + 1]++;
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(buf, 1, w.len, f), w.len);
	assert_int_equal(fclose(f), 0);
}

/* The MED of a route's set (the test's blocks tell routes apart so). */
static uint32_t
med(const struct rib_route *r)
{
	return r->attrs->med;
}

static void
replay_hostile(int watch, const char *path, struct obslog *keep)
{
	static uint8_t scratch[BGP_SCRATCH_LEN];
	struct loop loop;
	struct intern *in;
	struct rib *rib;
	struct adjrib door;
	struct obslog log;
	struct intern_mem im;
	const struct rib_route *r;
	struct bw_prefix p;
	char *files[1];
	size_t n, i;

	assert_int_equal(loop_init(&loop), 0);
	assert_non_null(in = intern_new());
	assert_non_null(rib = rib_new(in));
	memset(&log, 0, sizeof(log));
	log.rib = rib;
	log.watch = watch;
	assert_non_null(log.c = calloc(MAXLOG, sizeof(*log.c)));
	adjrib_init(&door, &loop, rib, in, &obs, &log);
	files[0] = (char *)(uintptr_t)path;
	assert_int_equal(replay_run(&door, scratch, files, 1), 0);

	/* 1: peer 0 with its second block, peer 1 and 2 with block 2. */
	pfx4(&p, 10, 0, 8);
	r = rib_lookup(rib, &p, &n);
	assert_int_equal(n, 3);
	assert_int_equal(r[0].peer, 0);
	assert_int_equal(med(&r[0]), 3);
	assert_int_equal(r[1].peer, 1);
	assert_int_equal(med(&r[1]), 2);
	assert_int_equal(r[2].peer, 2);
	assert_int_equal(med(&r[2]), 2);
	assert_ptr_equal(r[1].attrs, r[2].attrs);
	/* 2: peer 3's bad block skipped, peer 2 replaced its own. */
	pfx4(&p, 11, 0, 16);
	r = rib_lookup(rib, &p, &n);
	assert_int_equal(n, 2);
	assert_int_equal(r[0].peer, 0);
	assert_int_equal(med(&r[0]), 3);
	assert_int_equal(r[1].peer, 2);
	assert_int_equal(med(&r[1]), 2);
	/* 3: every peer; peer 63 took its second (long) block. */
	pfx4(&p, 12, 0, 16);
	r = rib_lookup(rib, &p, &n);
	assert_int_equal(n, NIDX);
	for (i = 0; i < NIDX; i++) {
		assert_int_equal(r[i].peer, i);
		assert_int_equal(med(&r[i]), i == 63 ? 7 : i % 3 ?
		    100 + i % 4 : 200 + i % 2);
	}
	/* 4: refused. */
	pfx4(&p, 13, 0, 16);
	assert_null(rib_lookup(rib, &p, &n));
	assert_int_equal(rib_total_routes(rib, AID_INET), 3 + 2 + NIDX);

	/* What the observer heard, when it watched. */
	if (watch) {
		static const struct {
			uint16_t slot;
			uint32_t med;
			uint8_t newprefix, nroutes;
		} want[] = {
			{ 0, 1, 1, 1 }, { 2, 2, 1, 2 }, { 0, 3, 0, 2 },
			{ 1, 2, 1, 3 },
			{ 2, 5, 1, 1 }, { 0, 3, 1, 2 }, { 2, 2, 0, 2 },
		};

		assert_int_equal(log.n, 7 + NIDX + 1);
		for (i = 0; i < 7; i++) {
			assert_int_equal(log.c[i].slot, want[i].slot);
			assert_int_equal(log.c[i].med, want[i].med);
			assert_int_equal(log.c[i].newprefix, want[i].newprefix);
			assert_int_equal(log.c[i].nroutes, want[i].nroutes);
		}
		for (i = 0; i < NIDX; i++) {
			assert_int_equal(log.c[7 + i].slot, i);
			assert_int_equal(log.c[7 + i].newprefix, 1);
			assert_int_equal(log.c[7 + i].nroutes, i + 1);
		}
		assert_int_equal(log.c[7 + NIDX].slot, 63);
		assert_int_equal(log.c[7 + NIDX].newprefix, 0);
		assert_int_equal(log.c[7 + NIDX].med, 7);
	} else
		assert_int_equal(log.n, 0);
	if (keep != NULL) {
		keep->n = log.n;
		for (i = 0; i < log.n; i++)
			keep->c[i].slot = log.c[i].slot;
	}
	adjrib_free(&door);
	rib_free(rib);
	intern_mem(in, &im);
	assert_int_equal(im.attrs, 0);
	intern_free(in);
	loop_free(&loop);
	free(log.c);
}

static void
test_replay_hostile(void **state)
{
	char path[] = "/tmp/test_replay.XXXXXX";
	int fd;

	(void)state;
	assert_true((fd = mkstemp(path)) != -1);
	close(fd);
	write_dump(path);
	replay_hostile(1, path, NULL);
	replay_hostile(0, path, NULL);
	unlink(path);
}

/* --- TABLE_DUMP (v1) records: the peer's last blocks kept ------------ */

#define TD1_PEER	0x0a000001	/* 10.0.0.1 */
#define TD1_AS		65001

/* ORIGIN IGP, 2-octet AS_PATH 65000, NEXT_HOP 192.0.2.1, MED med. */
static size_t
block2(uint8_t *p, uint32_t med)
{
	static const uint8_t head[] = {
		0x40, 1, 1, 0,
		0x40, 2, 4, 2, 1, 0xfd, 0xe8,
		0x40, 3, 4, 192, 0, 2, 1,
		0x80, 4, 4
	};

	memcpy(p, head, sizeof(head));
	put_u32(p + sizeof(head), med);
	return sizeof(head) + 4;
}

/* A TABLE_DUMP record of the peer: prefix a.0.0.0/8 with block blk. */
static void
td1_record(struct wbuf *w, uint8_t a, const uint8_t *blk, size_t len)
{
	wbuf_put_u32(w, 1000);
	wbuf_put_u16(w, MRT_TABLE_DUMP);
	wbuf_put_u16(w, AFI_IPV4);
	wbuf_put_u32(w, (uint32_t)(22 + len));
	wbuf_put_u16(w, 0);		/* view */
	wbuf_put_u16(w, a);		/* sequence */
	wbuf_put_u32(w, (uint32_t)a << 24);
	wbuf_put_u8(w, 8);
	wbuf_put_u8(w, 1);		/* status */
	wbuf_put_u32(w, 900);		/* originated */
	wbuf_put_u32(w, TD1_PEER);
	wbuf_put_u16(w, TD1_AS);
	wbuf_put_u16(w, (uint16_t)len);
	wbuf_put_bytes(w, blk, len);
}

/*
 * Routes of one peer: 20 block A (MED 1), kept; 21 A again, from the
 * cache; 22 a block that does not decode; 23 B (MED 2); 24 A; 25..28
 * four others (A leaves the cache); 29 A, decoded again; 30 and 31 a
 * block too long for the cache (MED 7).  Then a TABLE_DUMP_V2 dump
 * with the same peer and block A's bytes for 40.0.0.0/8: as a RIB
 * entry's (4-octet ASes) its AS_PATH is malformed, and the entry must
 * not take the set the TABLE_DUMP records kept for those bytes.
 */
static void
write_td1(const char *path)
{
	static uint8_t buf[1 << 16];
	uint8_t a[64], blk[8192], bad[64];
	struct mrt_peer peer;
	struct mrt_rib_enc re;
	struct bw_prefix p;
	struct wbuf w;
	size_t na, n, i;
	FILE *f;

	wbuf_init(&w, buf, sizeof(buf));
	na = block2(a, 1);
	td1_record(&w, 20, a, na);
	td1_record(&w, 21, a, na);
	n = block2(bad, 9);
	bad[2] = 2;			/* ORIGIN of length 2 */
	td1_record(&w, 22, bad, n);
	td1_record(&w, 23, blk, block2(blk, 2));
	td1_record(&w, 24, a, na);
	for (i = 0; i < 4; i++)
		td1_record(&w, (uint8_t)(25 + i), blk,
		    block2(blk, 10 + (uint32_t)i));
	td1_record(&w, 29, a, na);
	n = block2(blk, 7);
	blk[n++] = 0xd0;		/* unknown, optional transitive */
	blk[n++] = 0xf0;
	blk[n++] = 0x10;		/* 4200 bytes */
	blk[n++] = 0x68;
	memset(blk + n, 0x5a, 4200);
	n += 4200;
	td1_record(&w, 30, blk, n);
	td1_record(&w, 31, blk, n);
	memset(&peer, 0, sizeof(peer));
	peer.addr.aid = AID_INET;
	put_u32(peer.addr.b, TD1_PEER);
	peer.asn = TD1_AS;
	peer.as4 = 1;
	peer.bgp_id = 1;
	assert_int_equal(mrt_enc_peer_index(&w, 1000, 1, "", &peer, 1), 0);
	pfx4(&p, 40, 0, 8);
	mrt_enc_rib_begin(&w, &re, 1000, 0, &p, 0);
	mrt_enc_rib_entry(&w, &re, 0, 900, 0, a, na);
	assert_int_equal(mrt_enc_rib_end(&w, &re), 0);
	assert_false(w.err);
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(buf, 1, w.len, f), w.len);
	assert_int_equal(fclose(f), 0);
}

static void
test_replay_td1_cache(void **state)
{
	static const struct {
		uint8_t	 a;
		uint32_t med;		/* 0: no route */
	} want[] = {
		{ 20, 1 }, { 21, 1 }, { 22, 0 }, { 23, 2 }, { 24, 1 },
		{ 25, 10 }, { 26, 11 }, { 27, 12 }, { 28, 13 }, { 29, 1 },
		{ 30, 7 }, { 31, 7 }, { 40, 0 },
	};
	static uint8_t scratch[BGP_SCRATCH_LEN];
	char path[] = "/tmp/test_replay.XXXXXX";
	const struct rattr *seta = NULL;
	const struct rib_route *r;
	struct intern_mem im;
	struct bw_prefix p;
	struct adjrib door;
	struct intern *in;
	struct loop loop;
	struct rib *rib;
	char *files[1];
	size_t i, n;
	int fd;

	(void)state;
	assert_true((fd = mkstemp(path)) != -1);
	close(fd);
	write_td1(path);
	assert_int_equal(loop_init(&loop), 0);
	assert_non_null(in = intern_new());
	assert_non_null(rib = rib_new(in));
	adjrib_init(&door, &loop, rib, in, NULL, NULL);
	files[0] = path;
	assert_int_equal(replay_run(&door, scratch, files, 1), 0);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		pfx4(&p, want[i].a, 0, 8);
		r = rib_lookup(rib, &p, &n);
		if (want[i].med == 0) {
			assert_null(r);
			continue;
		}
		assert_int_equal(n, 1);
		assert_int_equal(med(&r[0]), want[i].med);
		assert_int_equal(r[0].attrs->origin_as, 65000);
		if (want[i].med != 1)
			continue;
		if (seta == NULL)
			seta = r[0].attrs;
		assert_ptr_equal(r[0].attrs, seta);
	}
	assert_int_equal(rib_total_routes(rib, AID_INET), 11);
	adjrib_free(&door);
	rib_free(rib);
	intern_mem(in, &im);
	assert_int_equal(im.attrs + im.blobs, 0);
	intern_free(in);
	loop_free(&loop);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_many_equals_one_watched),
		cmocka_unit_test(test_many_equals_one_unwatched),
		cmocka_unit_test(test_replay_hostile),
		cmocka_unit_test(test_replay_td1_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
