/*
 * The MRT archive (mrt_archive.h): configuration, the peers as the
 * message tap shows them, and the updates files.
 *
 * Every UPDATE received (every message received and sent with `all`)
 * becomes one BGP4MP_ET MESSAGE_AS4 record holding the bytes as received
 * (a 2-octet session's UPDATEs made 4-octet), stamped with the loop's
 * clock, the events' clock; every FSM transition one STATE_CHANGE_AS4
 * record.  Records collect in a chunk that goes to the
 * writer thread when full and at least once a second.  The file is
 * chosen by the record's time: the interval it falls in (aligned to
 * `rotate`, as RIS names its files) expanded into the strftime path.
 * When the writer's queue is full a chunk is dropped whole, counted,
 * and logged once per burst; sessions never notice.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bgp.h"
#include "log.h"
#include "loop.h"
#include "mrt.h"
#include "mrt_priv.h"
#include "update.h"

#define MRT_FSM_ESTABLISHED	5	/* enum fsm_state's, Idle = 0 */

int
mrt_path_expand(const char *pattern, int64_t t, int compress, char *out,
    size_t outlen)
{
	const char *sfx = compress == CONF_MRT_GZIP ? ".gz" :
	    compress == CONF_MRT_BZIP2 ? ".bz2" : "";
	time_t tt = (time_t)t;
	struct tm tm;
	size_t n, sl = strlen(sfx);

	if (gmtime_r(&tt, &tm) == NULL)
		return -1;
	if ((n = strftime(out, outlen, pattern, &tm)) == 0)
		return -1;
	/* Readers (bgpdump) tell compression by the name: as RIS names. */
	if (sl > 0 && (n < sl || strcmp(out + n - sl, sfx) != 0)) {
		if (n + sl >= outlen)
			return -1;
		memcpy(out + n, sfx, sl + 1);
	}
	return 0;
}

static void
mrt_conf_copy(struct config_mrt *dst, const struct config_mrt *src)
{
	config_mrt_free(dst);
	*dst = *src;
	dst->updates = src->updates ? strdup(src->updates) : NULL;
	dst->table = src->table ? strdup(src->table) : NULL;
	if ((src->updates && !dst->updates) || (src->table && !dst->table))
		fatal("mrt_conf_copy");
}

/*
 * Updates.
 */

/* Hands the chunk to the writer; dropped (and counted) if it is full. */
static void
mrt_flush(struct mrt_archive *a)
{
	if (a->chunk_len == 0)
		return;
	if (mrt_io_put(a->io, MRT_STREAM_UPDATES, a->chunk, a->chunk_len,
	    0) == -1) {
		if (a->dropped == a->dropped_logged)
			log_warnx("mrt: writer queue full (%llu bytes): "
			    "dropping update records",
			    (unsigned long long)mrt_io_limit(a->io));
		a->dropped += a->chunk_records;
	} else {
		a->chunk = mrt_io_buf(a->io, MRT_CHUNK); /* writer's now */
		if (a->dropped != a->dropped_logged) {
			log_warnx("mrt: writer caught up; %llu update "
			    "records dropped in all",
			    (unsigned long long)a->dropped);
			a->dropped_logged = a->dropped;
		}
	}
	a->chunk_len = 0;
	a->chunk_records = 0;
}

static void
mrt_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mrt_archive *a = arg;

	(void)fd;
	(void)what;
	mrt_flush(a);
	loop_timer_set(a->ev_flush, 1);
}

static void
mrt_updates_close(struct mrt_archive *a)
{
	if (a->upd_bucket < 0)
		return;
	mrt_flush(a);
	mrt_io_close(a->io, MRT_STREAM_UPDATES, 0);
	a->upd_bucket = -1;
}

/* Makes sure the file for time t is the open one. */
static void
mrt_updates_rotate(struct mrt_archive *a, int64_t t)
{
	int64_t bucket = t - t % (int64_t)a->conf.rotate;
	char path[PATH_MAX];

	if (bucket == a->upd_bucket)
		return;
	mrt_updates_close(a);
	if (mrt_path_expand(a->conf.updates, bucket,
	    a->conf.compress, path, sizeof(path)) ==
	    -1) {
		log_warnx("mrt: cannot expand the updates path \"%s\"",
		    a->conf.updates);
		return;
	}
	mrt_io_open(a->io, MRT_STREAM_UPDATES, path, a->conf.compress,
	    a->conf.level, 0);
	a->upd_bucket = bucket;
}

static void
mrt_bgp4mp_peer(const struct tap_peer *tp, struct mrt_bgp4mp_peer *p)
{
	memset(p, 0, sizeof(*p));
	p->peer_as = tp->peer_as;
	p->local_as = tp->local_as;
	p->peer_ip = tp->peer_addr;
	if (tp->local_addr.aid == tp->peer_addr.aid)
		p->local_ip = tp->local_addr;
}

/* Appends one encoded record; enc returns 0 or -1 into a wbuf. */
static struct wbuf *
mrt_chunk_room(struct mrt_archive *a, struct wbuf *w)
{
	wbuf_init(w, a->chunk + a->chunk_len, MRT_CHUNK - a->chunk_len);
	return w;
}

static void
mrt_chunk_done(struct mrt_archive *a, struct wbuf *w)
{
	a->chunk_len += w->len;
	a->chunk_records++;
	a->records++;
}

static int
mrt_wants(const struct mrt_archive *a, const struct tap_peer *tp)
{
	return a->conf.enabled && a->conf.updates != NULL &&
	    tp->peer_addr.aid != AID_UNSPEC;
}

/* The family an UPDATE is about: ADD-PATH is negotiated per family. */
static uint8_t
mrt_msg_aid(const struct tap_msg *m)
{
	if (m->upd == NULL)
		return AID_INET;
	if (ATTR_HAS(&m->upd->attrs, ATTR_MP_REACH_NLRI) &&
	    m->upd->reach.aid != AID_UNSPEC)
		return m->upd->reach.aid;
	if (ATTR_HAS(&m->upd->attrs, ATTR_MP_UNREACH_NLRI) &&
	    m->upd->unreach.aid != AID_UNSPEC)
		return m->upd->unreach.aid;
	return AID_INET;
}

static void
mrt_split_ts(double ts, uint32_t *sec, uint32_t *usec)
{
	double s = mrt_floor(ts);
	long us = (long)((ts - s) * 1e6 + 0.5);

	if (us >= 1000000) {
		s += 1;
		us -= 1000000;
	}
	*sec = (uint32_t)s;
	*usec = (uint32_t)us;
}

/* Remembers the peer (for table dumps); NULL for one without a slot. */
static struct mrt_peerinfo *
mrt_peer_seen(struct mrt_archive *a, const struct tap_peer *tp)
{
	struct mrt_peerinfo *pi;

	if (tp->slot == 0xffff)
		return NULL;
	if ((pi = a->peers[tp->slot]) == NULL) {
		if ((pi = calloc(1, sizeof(*pi))) == NULL)
			fatal("mrt_peer_seen");
		a->peers[tp->slot] = pi;
	}
	if (pi->tp.peer_as != tp->peer_as || pi->tp.local_as != tp->local_as ||
	    memcmp(&pi->tp.peer_addr, &tp->peer_addr,
	    sizeof(tp->peer_addr)) != 0 ||
	    memcmp(&pi->tp.local_addr, &tp->local_addr,
	    sizeof(tp->local_addr)) != 0)
		pi->bgp4mp_len[0] = pi->bgp4mp_len[1] = 0;
	pi->tp = *tp;
	pi->tp.router = NULL;
	return pi;
}

/*
 * The peer part of tp's BGP4MP records, as4 or not, encoded once per
 * peer (and again when its addresses or AS numbers change): into buf
 * for a peer without a slot.  Its length, 0 if it cannot be encoded.
 */
static size_t
mrt_peer_part(struct mrt_peerinfo *pi, const struct tap_peer *tp, int as4,
    uint8_t *buf, const uint8_t **part)
{
	struct mrt_bgp4mp_peer p;

	as4 = as4 != 0;
	if (pi != NULL && pi->bgp4mp_len[as4] > 0) {
		*part = pi->bgp4mp[as4];
		return pi->bgp4mp_len[as4];
	}
	if (pi != NULL)
		buf = pi->bgp4mp[as4];
	mrt_bgp4mp_peer(tp, &p);
	*part = buf;
	if (pi == NULL)
		return mrt_bgp4mp_peer_enc(buf, MRT_BGP4MP_PEER_MAX, &p, as4);
	pi->bgp4mp_len[as4] = (uint8_t)mrt_bgp4mp_peer_enc(buf,
	    MRT_BGP4MP_PEER_MAX, &p, as4);
	return pi->bgp4mp_len[as4];
}

static void
mrt_tap_message(void *arg, const struct tap_peer *tp, const struct tap_msg *m)
{
	struct mrt_archive *a = arg;
	struct mrt_peerinfo *pi;
	struct mrt_bgp4mp_peer p;
	struct wbuf w;
	uint8_t buf[MRT_BGP4MP_PEER_MAX];
	const uint8_t *part = NULL;
	size_t plen = 0;
	uint32_t sec, usec;
	uint16_t st;
	int i, as2upd, as4 = 1;

	pi = mrt_peer_seen(a, tp);
	if (!mrt_wants(a, tp) || (m->dir == TAP_TX && !a->conf.all_messages) ||
	    (m->type != BGP_UPDATE && !a->conf.all_messages))
		return;
	mrt_split_ts(m->ts, &sec, &usec);
	mrt_updates_rotate(a, sec);
	/*
	 * What we send: BGP4MP_MESSAGE_AS4_LOCAL, the peer fields naming
	 * the recipient (RFC 6396 4.4.5, 4.4.6).  Our UPDATEs (End-of-RIB)
	 * carry no AS path, so the _AS4 subtype is right on any session.
	 */
	if (m->dir == TAP_TX)
		st = mrt_bgp4mp_msg_subtype(1, 0, 1);
	else
		st = mrt_bgp4mp_msg_subtype(1,
		    m->type == BGP_UPDATE && tp->addpath[mrt_msg_aid(m)], 0);
	/*
	 * An UPDATE of a 2-octet session: made 4-octet for the _AS4
	 * subtype (mrt_enc_bgp4mp_msg_as4).  Any other message of such a
	 * session holds no AS path and goes as received.  An UPDATE that
	 * could not be decoded, or whose attributes were treated as a
	 * withdrawal, goes as received under the 2-octet subtype.
	 */
	as2upd = m->dir == TAP_RX && !tp->as4 && m->type == BGP_UPDATE;
	if (as2upd && (m->upd == NULL ||
	    m->upd->action >= ACT_TREAT_AS_WITHDRAW)) {
		st = mrt_bgp4mp_msg_subtype(0, tp->addpath[mrt_msg_aid(m)], 0);
		as2upd = 0;
		as4 = 0;
	}
	/* A widened UPDATE encodes its own peer part (from p). */
	if (as2upd)
		mrt_bgp4mp_peer(tp, &p);
	else
		plen = mrt_peer_part(pi, tp, as4, buf, &part);
	for (i = 0; i < 2; i++) {
		if (as2upd && mrt_enc_bgp4mp_msg_as4(mrt_chunk_room(a, &w),
		    sec, usec, st, &p, m->bytes, m->len, m->upd) == 0) {
			mrt_chunk_done(a, &w);
			return;
		}
		if (!as2upd && mrt_enc_bgp4mp_msg_pre(mrt_chunk_room(a, &w),
		    sec, usec, st, part, plen, m->bytes, m->len) == 0) {
			mrt_chunk_done(a, &w);
			return;
		}
		mrt_flush(a);
	}
	if (as2upd) {
		/* Too long once widened: as received, 2-octet subtype. */
		st = mrt_bgp4mp_msg_subtype(0, tp->addpath[mrt_msg_aid(m)], 0);
		plen = mrt_peer_part(pi, tp, 0, buf, &part);
		if (mrt_enc_bgp4mp_msg_pre(mrt_chunk_room(a, &w), sec, usec,
		    st, part, plen, m->bytes, m->len) == 0) {
			mrt_chunk_done(a, &w);
			return;
		}
	}
	a->dropped++;		/* larger than a chunk: cannot be */
}

static void
mrt_tap_state(void *arg, const struct tap_peer *tp, double ts, int old_state,
    int new_state)
{
	struct mrt_archive *a = arg;
	struct mrt_peerinfo *pi;
	struct mrt_bgp4mp_peer p;
	struct wbuf w;
	uint32_t sec, usec;

	mrt_peer_seen(a, tp);
	if (tp->slot != 0xffff && (pi = a->peers[tp->slot]) != NULL) {
		if (new_state == MRT_FSM_ESTABLISHED) {
			pi->up = 1;
			pi->up_since = ts;
		} else if (old_state == MRT_FSM_ESTABLISHED)
			pi->up = 0;
	}
	if (!mrt_wants(a, tp))
		return;
	mrt_split_ts(ts, &sec, &usec);
	mrt_updates_rotate(a, sec);
	mrt_bgp4mp_peer(tp, &p);
	if (mrt_enc_bgp4mp_state(mrt_chunk_room(a, &w), sec, usec, &p,
	    (uint16_t)(old_state + 1), (uint16_t)(new_state + 1)) == -1) {
		mrt_flush(a);
		if (mrt_enc_bgp4mp_state(mrt_chunk_room(a, &w), sec, usec, &p,
		    (uint16_t)(old_state + 1), (uint16_t)(new_state + 1)) ==
		    -1)
			return;
	}
	mrt_chunk_done(a, &w);
}

void
mrt_archive_observer(struct mrt_archive *a, struct tap_observer *o)
{
	memset(o, 0, sizeof(*o));
	o->message = mrt_tap_message;
	o->state = mrt_tap_state;
	o->arg = a;
	o->quiet = !mrt_archive_wants_messages(a);
}

int
mrt_archive_wants_messages(const struct mrt_archive *a)
{
	return a->conf.enabled && a->conf.updates != NULL;
}

/*
 * Tables on the clock.
 */

static void
mrt_table_schedule(struct mrt_archive *a)
{
	double now = loop_now(a->loop), next;

	if (!a->conf.enabled || a->conf.table == NULL) {
		evtimer_del(a->ev_table);
		return;
	}
	next = (mrt_floor(now / a->conf.every) + 1) * a->conf.every;
	loop_timer_set_ms(a->ev_table, (unsigned int)((next - now) * 1000) +
	    1);
}

static void
mrt_table_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mrt_archive *a = arg;
	char path[PATH_MAX], err[256];
	int64_t t = (int64_t)mrt_floor(loop_now(a->loop) + 0.5);

	(void)fd;
	(void)what;
	if (a->conf.table == NULL)
		return;
	t -= t % (int64_t)a->conf.every;
	if (mrt_table_scheduled_running(a))
		log_warnx("mrt: the previous table dump is still being "
		    "written: dump of %lld skipped", (long long)t);
	else if (mrt_path_expand(a->conf.table, t, a->conf.compress,
	    path, sizeof(path)) == -1)
		log_warnx("mrt: cannot expand the table path \"%s\"",
		    a->conf.table);
	else if (mrt_table_start(a, path, a->conf.compress, NULL, NULL, err,
	    sizeof(err)) == -1)
		log_warnx("mrt: table dump %s not started: %s", path, err);
	mrt_table_schedule(a);
}

/*
 * The archive.
 */

static void
mrt_io_done(void *arg, int stream, uint64_t token, int ok, const char *msg)
{
	struct mrt_archive *a = arg;

	if (stream == MRT_STREAM_UPDATES) {
		if (token == MRT_IO_FAILING)
			log_warnx("mrt: updates file %s; its records are lost "
			    "until the next file", msg);
		else if (!ok)
			log_warnx("mrt: updates file %s", msg);
		return;
	}
	if (token == MRT_IO_FAILING) {
		log_warnx("mrt: table dump %s", msg);
		return;
	}
	mrt_table_done(a, stream, token, ok, msg);
}

struct mrt_archive *
mrt_archive_new(struct loop *loop, struct rib *rib, const struct config *conf)
{
	struct mrt_archive *a;

	if ((a = calloc(1, sizeof(*a))) == NULL ||
	    (a->peers = calloc(RIB_MAX_PEERS, sizeof(*a->peers))) == NULL)
		fatal("mrt_archive_new");
	a->loop = loop;
	a->rib = rib;
	a->upd_bucket = -1;
	TAILQ_INIT(&a->dumps);
	a->ev_flush = loop_timer_new(loop, mrt_flush_cb, a);
	a->ev_table = loop_timer_new(loop, mrt_table_cb, a);
	mrt_conf_copy(&a->conf, &conf->mrt);
	if ((a->io = mrt_io_new(loop->base, a->conf.enabled ?
	    a->conf.queue_limit : CONF_DEFAULT_MRT_QUEUE, mrt_io_done,
	    a)) == NULL) {
		mrt_archive_free(a);
		return NULL;
	}
	a->chunk = mrt_io_buf(a->io, MRT_CHUNK);
	mrt_archive_reconfigure(a, conf);
	loop_timer_set(a->ev_flush, 1);
	return a;
}

void
mrt_archive_reconfigure(struct mrt_archive *a, const struct config *conf)
{
	const struct config_mrt *m = &conf->mrt;
	int rotate = !config_mrt_equal(&a->conf, m);

	if (rotate)
		mrt_updates_close(a);	/* the next record opens anew */
	mrt_conf_copy(&a->conf, m);
	free(a->view);
	if ((a->view = strdup(config_collector_id(conf))) == NULL)
		fatal("mrt_archive_reconfigure");
	a->collector_id = conf->router_id.aid == AID_INET ?
	    get_u32(conf->router_id.b) : 0;
	mrt_io_set_limit(a->io, m->enabled ? m->queue_limit :
	    CONF_DEFAULT_MRT_QUEUE);
	mrt_io_set_exit_wait(a->io, m->enabled ? m->exit_wait :
	    CONF_DEFAULT_MRT_EXIT_WAIT);
	mrt_table_schedule(a);
}

void
mrt_archive_free(struct mrt_archive *a)
{
	size_t i;

	if (a == NULL)
		return;
	if (a->io != NULL) {
		mrt_updates_close(a);
		mrt_table_free_all(a);
		mrt_io_buf_free(a->io, a->chunk);
		mrt_io_free(a->io);
	}
	if (a->ev_flush)
		event_free(a->ev_flush);
	if (a->ev_table)
		event_free(a->ev_table);
	for (i = 0; a->peers != NULL && i < RIB_MAX_PEERS; i++)
		free(a->peers[i]);
	free(a->peers);
	free(a->view);
	config_mrt_free(&a->conf);
	free(a);
}

int
mrt_archive_dump(struct mrt_archive *a, const char *path,
    mrt_dump_done_fn done, void *arg, char *err, size_t errlen)
{
	size_t n = strlen(path);
	int c = CONF_MRT_NONE;

	if (n > 3 && strcmp(path + n - 3, ".gz") == 0)
		c = CONF_MRT_GZIP;
	else if (n > 4 && strcmp(path + n - 4, ".bz2") == 0)
		c = CONF_MRT_BZIP2;
	return mrt_table_start(a, path, c, done, arg, err, errlen);
}

void
mrt_archive_forget(struct mrt_archive *a, void *arg)
{
	if (a != NULL)
		mrt_table_forget(a, arg);
}

void
mrt_archive_stats(struct mrt_archive *a, struct mrt_archive_stats *st)
{
	struct mrt_io_stats io;

	memset(st, 0, sizeof(*st));
	mrt_io_stats(a->io, &io);
	st->records = a->records;
	st->dropped = a->dropped;
	st->dumps = a->ndumps;
	st->dump_errors = a->dump_errors;
	st->dump_routes = a->dump_routes;
	st->dump_seconds = a->dump_seconds;
	st->dump_max_slice = a->dump_max_slice;
	st->queued = io.queued;
	st->queued_max = io.queued_max;
	st->written = io.written;
	st->file_errors = io.errors;
	st->dumping = a->dumping;
}
