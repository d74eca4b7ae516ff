/*
 * Table dumps (TABLE_DUMP_V2) of every Adj-RIB-In, written in slices.
 *
 * A dump takes a snapshot of the sessions that are up (the peer index:
 * slot -> index), writes the PEER_INDEX_TABLE, then walks the RIB with
 * a resumable cursor, IPv4 then IPv6, one RIB record per prefix with an
 * entry per route (an _ADDPATH record beside it for the routes of peers
 * that negotiated ADD-PATH for the family).  Each slice runs for at most
 * MRT_SLICE_SECONDS and then yields to the loop; before a slice the dump
 * waits while the writer holds more than half its limit, so a dump never
 * drops and never crowds out the updates.  Routes that change during a
 * dump are written as they are when the cursor passes them (the dump is
 * incremental, as OpenBGPD's).  The file is written as PATH.tmp and
 * renamed when the writer has closed it; then the asker is told.
 *
 * A route's originated time is when its attributes last changed, as
 * the RIB keeps it (rib_route_time: to the second for 34 minutes after
 * its peer's first route, then within 0.1 %, rounded down); the time
 * its session came up where the RIB has none.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "intern.h"
#include "log.h"
#include "loop.h"
#include "mrt.h"
#include "mrt_priv.h"
#include "update.h"

#define DUMP_BUDGET	256	/* prefixes between clock checks, at most */
#define DUMP_CHECK	1024	/* routes between clock checks, at most */
#define DUMP_ATTRS_MAX	65535

struct mrt_dump {
	TAILQ_ENTRY(mrt_dump)	 entry;
	struct mrt_archive	*a;
	int			 stream;
	uint64_t		 token;
	char			*path;
	mrt_dump_done_fn	 done;
	void			*arg;
	uint32_t		 ts;
	uint32_t		 seq;
	uint8_t			 aid;
	uint8_t			 walked;	/* all prefixes written */
	uint8_t			 scheduled;	/* on the clock, not asked */
	struct rib_cursor	 cur;
	uint16_t		*index;		/* slot -> peer index + 1 */
	uint8_t			*addpath;	/* per index: aid bits */
	uint32_t		*originated;	/* per index */
	uint16_t		 npeers;
	struct event		*ev;
	uint8_t			*chunk;
	size_t			 chunk_len;
	uint8_t			 attrbuf[DUMP_ATTRS_MAX];
	uint8_t			 unknown[DUMP_ATTRS_MAX];
	uint64_t		 routes, skipped;
	uint64_t		 checked;	/* routes at the last check */
	double			 started;	/* monotonic */
	double			 slice_t0;	/* this slice's start */
	double			 max_slice;	/* wall time */
	double			 max_slice_cpu;	/* the thread's CPU time */
};

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of the loop's thread: a slice's own cost, without the time
 * the thread waited for a core (on a loaded machine, most of a stall). */
static double
thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * 1 when the slice has had its time: MRT_SLICE_SECONDS of its own, or
 * the loop's turn has run LOOP_TURN_MAX with what else it did (session
 * reads, flushes), so that the dump does not add its slice on top.
 */
static int
dump_spent(const struct mrt_dump *d)
{
	return mono() - d->slice_t0 >= MRT_SLICE_SECONDS ||
	    loop_turn_spent(d->a->loop->base, LOOP_TURN_MAX);
}

/* The attribute set of a route as the encoder takes it. */
static void
dump_attrs(struct mrt_dump *d, const struct rattr *r, struct bgp_attrs *a)
{
	struct bgp_view v;
	struct wbuf u;
	size_t off = 0;
	uint8_t code, flags;

	memset(a, 0, sizeof(*a));
	if (r->origin != RATTR_ORIGIN_NONE) {
		a->present |= ATTR_BIT(ATTR_ORIGIN);
		a->origin = r->origin;
	}
	a->present |= ATTR_BIT(ATTR_AS_PATH);
	a->aspath = iblob_view(r->aspath);
	a->nexthop = r->nexthop;
	if (r->flags & RATTR_MED) {
		a->present |= ATTR_BIT(ATTR_MED);
		a->med = r->med;
	}
	if (r->flags & RATTR_LOCAL_PREF) {
		a->present |= ATTR_BIT(ATTR_LOCAL_PREF);
		a->local_pref = r->local_pref;
	}
	if (r->flags & RATTR_ATOMIC_AGGR)
		a->present |= ATTR_BIT(ATTR_ATOMIC_AGGREGATE);
	if (r->flags & RATTR_AGGREGATOR) {
		a->present |= ATTR_BIT(ATTR_AGGREGATOR);
		a->aggr_as = r->aggr_as;
		a->aggr_id = r->aggr_id;
	}
	if (r->flags & RATTR_ORIGINATOR) {
		a->present |= ATTR_BIT(ATTR_ORIGINATOR_ID);
		a->originator_id = r->originator_id;
	}
	if (r->flags & RATTR_OTC) {
		a->present |= ATTR_BIT(ATTR_OTC);
		a->otc = r->otc;
	}
	if (r->communities != NULL) {
		a->present |= ATTR_BIT(ATTR_COMMUNITIES);
		a->communities = iblob_view(r->communities);
	}
	if (r->large_communities != NULL) {
		a->present |= ATTR_BIT(ATTR_LARGE_COMMUNITIES);
		a->large_communities = iblob_view(r->large_communities);
	}
	if (r->ext_communities != NULL) {
		a->present |= ATTR_BIT(ATTR_EXT_COMMUNITIES);
		a->ext_communities = iblob_view(r->ext_communities);
	}
	/* The rest: link-local next hop, cluster list, unknown ones. */
	wbuf_init(&u, d->unknown, sizeof(d->unknown));
	while (rattr_other_next(r, &off, &code, &flags, &v) == 1) {
		if (code == RATTR_OTHER_NH_LL && v.len == 16)
			addr_set(&a->nexthop_ll, AID_INET6, v.p);
		else if (code == ATTR_CLUSTER_LIST) {
			a->present |= ATTR_BIT(ATTR_CLUSTER_LIST);
			a->cluster_list = v;
		} else if (code != RATTR_OTHER_NH_LL) {
			if (v.len > UINT8_MAX) {
				wbuf_put_u8(&u, flags | ATTR_EXTLEN);
				wbuf_put_u8(&u, code);
				wbuf_put_u16(&u, (uint16_t)v.len);
			} else {
				wbuf_put_u8(&u, flags & ~ATTR_EXTLEN);
				wbuf_put_u8(&u, code);
				wbuf_put_u8(&u, (uint8_t)v.len);
			}
			wbuf_put_bytes(&u, v.p, v.len);
			if (!u.err)
				a->n_unknown++;
		}
	}
	if (u.err)
		a->n_unknown = 0;
	a->raw.p = d->unknown;
	a->raw.len = u.err ? 0 : (uint32_t)u.len;
}

/* Sends the chunk to the writer (never refused: the dump waits before). */
static void
dump_flush(struct mrt_dump *d)
{
	if (d->chunk_len == 0)
		return;
	(void)mrt_io_put(d->a->io, d->stream, d->chunk, d->chunk_len, 1);
	d->chunk = mrt_io_buf(d->a->io, MRT_DUMP_CHUNK);
	d->chunk_len = 0;
}

/* One RIB record of the prefix: the routes with (addpath) or without. */
static int
dump_record(struct mrt_dump *d, struct wbuf *w, const struct bw_prefix *pfx,
    const struct rib_route *r, size_t n, int addpath)
{
	struct mrt_rib_enc re;
	struct bgp_attrs a;
	struct wbuf aw;
	uint32_t t;
	uint16_t idx;
	size_t i;
	int any = 0;

	for (i = 0; i < n; i++) {
		if ((idx = d->index[r[i].peer]) == 0)
			continue;
		if (((d->addpath[idx - 1] >> pfx->aid) & 1) != addpath)
			continue;
		if (!any)
			mrt_enc_rib_begin(w, &re, d->ts, d->seq, pfx, addpath);
		any = 1;
		dump_attrs(d, r[i].attrs, &a);
		wbuf_init(&aw, d->attrbuf, sizeof(d->attrbuf));
		if (bgp_attrs_encode_rib(&aw, &a, pfx->aid) == -1) {
			d->skipped++;
			continue;
		}
		if ((t = rib_route_time(d->a->rib, &r[i])) == 0)
			t = d->originated[idx - 1];
		mrt_enc_rib_entry(w, &re, (uint16_t)(idx - 1), t,
		    r[i].path_id, aw.p, aw.len);
		d->routes++;
	}
	if (!any)
		return 0;
	if (re.count == 0) {
		w->len = re.start;
		return 0;
	}
	if (mrt_enc_rib_end(w, &re) == -1)
		return -1;
	d->seq++;
	return 0;
}

static int
dump_prefix(const struct bw_prefix *pfx, const struct rib_route *r,
    size_t n, void *arg)
{
	struct mrt_dump *d = arg;
	uint64_t routes = d->routes;
	uint32_t seq = d->seq;
	struct wbuf w;
	int ap, tries;

	for (ap = 0; ap < 2; ap++)
		for (tries = 0; tries < 2; tries++) {
			wbuf_init(&w, d->chunk + d->chunk_len,
			    MRT_DUMP_CHUNK - d->chunk_len);
			if (dump_record(d, &w, pfx, r, n, ap) == 0) {
				d->chunk_len += w.len;
				break;
			}
			d->routes = routes;
			d->seq = seq;
			if (tries == 0 && d->chunk_len > 0) {
				dump_flush(d);
				continue;
			}
			d->skipped += n;	/* over a megabyte: cannot be */
		}
	/* The clock every DUMP_CHECK routes: with 100 peers a prefix
	 * holds 100 routes, and DUMP_BUDGET prefixes are 25,000. */
	if (d->routes - d->checked >= DUMP_CHECK) {
		d->checked = d->routes;
		return dump_spent(d);
	}
	return 0;
}

static void
dump_finish(struct mrt_dump *d)
{
	dump_flush(d);
	d->walked = 1;
	mrt_io_close(d->a->io, d->stream, d->token);
}

static void
dump_slice(evutil_socket_t fd, short what, void *arg)
{
	struct mrt_dump *d = arg;
	struct mrt_archive *a = d->a;
	double c0, el;
	int more = 1;

	(void)fd;
	(void)what;
	if (mrt_io_queued(a->io) > mrt_io_limit(a->io) / 2) {
		loop_timer_set_ms(d->ev, 10);	/* let the disk catch up */
		return;
	}
	d->slice_t0 = mono();
	c0 = thread_cpu();
	d->checked = d->routes;
	/* At least one step, even when the turn is spent already. */
	do {
		more = rib_walk_slice(a->rib, &d->cur, DUMP_BUDGET,
		    dump_prefix, d);
		if (!more && d->aid == AID_INET) {
			d->aid = AID_INET6;
			rib_cursor_init(&d->cur, AID_INET6);
			more = 1;
		}
		if (d->chunk_len > MRT_DUMP_CHUNK / 2)
			dump_flush(d);
	} while (more && !dump_spent(d));
	el = mono() - d->slice_t0;
	if (el > d->max_slice)
		d->max_slice = el;
	el = thread_cpu() - c0;
	if (el > d->max_slice_cpu)
		d->max_slice_cpu = el;
	if (more)
		loop_timer_soon(d->ev);
	else
		dump_finish(d);
}

/* The peer index: every session up that the tap has shown. */
static int
dump_peers(struct mrt_dump *d, struct wbuf *w)
{
	struct mrt_archive *a = d->a;
	struct mrt_peer *mp;
	struct mrt_peerinfo *pi;
	size_t slot, n = 0;
	int aid, rv;

	if ((mp = calloc(RIB_MAX_PEERS, sizeof(*mp))) == NULL)
		fatal("dump_peers");
	for (slot = 0; slot < RIB_MAX_PEERS; slot++) {
		if ((pi = a->peers[slot]) == NULL || !pi->up)
			continue;
		mp[n].bgp_id = pi->tp.peer_id;
		mp[n].addr = pi->tp.peer_addr;
		mp[n].asn = pi->tp.peer_as;
		mp[n].as4 = 1;
		d->originated[n] = (uint32_t)pi->up_since;
		for (aid = AID_INET; aid < AID_MAX; aid++)
			if (pi->tp.addpath[aid])
				d->addpath[n] |= (uint8_t)(1 << aid);
		d->index[slot] = (uint16_t)(n + 1);
		n++;
	}
	d->npeers = (uint16_t)n;
	rv = mrt_enc_peer_index(w, d->ts, a->collector_id, a->view, mp,
	    (uint16_t)n);
	free(mp);
	return rv;
}

static void
dump_free(struct mrt_dump *d)
{
	if (d->ev != NULL)
		event_free(d->ev);
	free(d->path);
	free(d->index);
	free(d->addpath);
	free(d->originated);
	mrt_io_buf_free(d->a->io, d->chunk);
	free(d);
}

int
mrt_table_start(struct mrt_archive *a, const char *path, int compress,
    mrt_dump_done_fn done, void *arg, char *err, size_t errlen)
{
	struct mrt_dump *d;
	struct wbuf w;
	int s;

	for (s = 1; s < MRT_IO_STREAMS && a->stream_busy[s]; s++)
		;
	if (s == MRT_IO_STREAMS) {
		snprintf(err, errlen, "%d table dumps are running already",
		    MRT_MAX_DUMPS);
		return -1;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL ||
	    (d->path = strdup(path)) == NULL ||
	    (d->index = calloc(RIB_MAX_PEERS, sizeof(*d->index))) == NULL ||
	    (d->addpath = calloc(RIB_MAX_PEERS, 1)) == NULL ||
	    (d->originated = calloc(RIB_MAX_PEERS, 4)) == NULL ||
	    (d->chunk = mrt_io_buf(a->io, MRT_DUMP_CHUNK)) == NULL)
		fatal("mrt_table_start");
	d->a = a;
	d->stream = s;
	d->token = ++a->next_token;
	d->done = done;
	d->arg = arg;
	d->scheduled = done == NULL;
	d->ts = (uint32_t)loop_now(a->loop);
	d->aid = AID_INET;
	d->started = mono();
	rib_cursor_init(&d->cur, AID_INET);
	d->ev = loop_timer_new(a->loop, dump_slice, d);
	wbuf_init(&w, d->chunk, MRT_DUMP_CHUNK);
	if (dump_peers(d, &w) == -1) {
		snprintf(err, errlen, "peer index table too large");
		dump_free(d);
		return -1;
	}
	d->chunk_len = w.len;
	a->stream_busy[s] = 1;
	a->dumping++;
	TAILQ_INSERT_TAIL(&a->dumps, d, entry);
	mrt_io_open(a->io, s, path, compress, a->conf.level, 1);
	log_info("mrt: table dump to %s started (%u peers)", path, d->npeers);
	loop_timer_soon(d->ev);
	return 0;
}

void
mrt_table_done(struct mrt_archive *a, int stream, uint64_t token, int ok,
    const char *msg)
{
	struct mrt_dump *d;

	TAILQ_FOREACH(d, &a->dumps, entry)
		if (d->stream == stream && d->token == token)
			break;
	if (d == NULL)
		return;
	TAILQ_REMOVE(&a->dumps, d, entry);
	a->stream_busy[stream] = 0;
	a->dumping--;
	if (ok) {
		a->ndumps++;
		a->dump_routes = d->routes;
		a->dump_seconds = mono() - d->started;
		a->dump_max_slice = d->max_slice;
		log_info("mrt: table dump %s: %llu routes of %u peers in "
		    "%.2fs (longest slice %.1f ms, %.1f ms of CPU)", d->path,
		    (unsigned long long)d->routes, d->npeers, a->dump_seconds,
		    d->max_slice * 1000, d->max_slice_cpu * 1000);
	} else {
		a->dump_errors++;
		log_warnx("mrt: table dump failed: %s", msg);
	}
	if (d->done != NULL)
		d->done(d->arg, ok, msg, d->routes);
	dump_free(d);
}

/* At the end: dumps not walked yet are abandoned (their .tmp removed). */
void
mrt_table_free_all(struct mrt_archive *a)
{
	struct mrt_dump *d;

	while ((d = TAILQ_FIRST(&a->dumps)) != NULL) {
		TAILQ_REMOVE(&a->dumps, d, entry);
		if (!d->walked) {
			mrt_io_abort(a->io, d->stream);
			log_warnx("mrt: table dump %s abandoned", d->path);
		}
		if (d->done != NULL)
			d->done(d->arg, 0, "shutting down", d->routes);
		dump_free(d);
	}
}

int
mrt_table_scheduled_running(const struct mrt_archive *a)
{
	const struct mrt_dump *d;

	TAILQ_FOREACH(d, &a->dumps, entry)
		if (d->scheduled)
			return 1;
	return 0;
}

void
mrt_table_forget(struct mrt_archive *a, void *arg)
{
	struct mrt_dump *d;

	TAILQ_FOREACH(d, &a->dumps, entry)
		if (d->arg == arg)
			d->done = NULL;
}
