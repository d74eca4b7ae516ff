/*
 * The RIS Live stream's worker thread.  The loop thread (the sessions,
 * the RIB) only copies what the stream needs into the inbox: each tap
 * message as raw bytes with its peer, each state change, each region
 * event, and wakes the worker once per loop turn.  Everything else, the
 * listener, HTTP, WebSocket framing, subscriptions, decoding the UPDATE
 * again, JSON, deflate and socket writes, runs on the worker's own
 * event_base, so a full table load is not slowed by ten clients.
 *
 * What is shared, and how:
 *  - the inbox (struct rl_inbox, rislive_inbox.c): blocks of items; the
 *    loop thread writes items into its block without a lock and
 *    publishes what it wrote at the end of the turn, the worker reads
 *    up to what was published and gives full blocks back for reuse.  A
 *    message's peer is written only when it changes (RL_I_PEER).  It is
 *    capped at RL_INBOX_MAX bytes: past it tap messages are dropped and
 *    counted (lost); state changes and events get twice the room; calls
 *    never wait.
 *  - the wake-up: an eventfd, written by the loop thread at the end of
 *    a turn that published something, and only if the worker is asleep
 *    (it takes items until none is left before it counts as asleep).
 *  - rl->active: whether any client has a subscription, an atomic the
 *    worker writes and the tap reads (no client: no copy).
 *  - the stats: the worker publishes a snapshot under stmu after each
 *    turn and every 100 ms; rislive_stats() copies it.
 *  - configuration changes and the stop are calls (rl_call()): the loop
 *    thread queues a function and waits for the worker to have run it,
 *    so the worker's data is only ever touched by the worker.
 * The worker never waits for the loop thread.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "rislive_priv.h"

#define RL_TAKES_PER_WAKE 16	/* inbox takes per worker callback */

static void
rl_efd_write(struct rislive *rl)
{
	uint64_t one = 1;

	while (write(rl->efd, &one, sizeof(one)) == -1 && errno == EINTR)
		;
}

/* On the loop thread: an item was written; the kick publishes it at the
 * end of this loop turn (one lock and at most one write for a burst). */
static void
rl_kick_soon(struct rislive *rl)
{
	if (!rl->kick_pending) {
		rl->kick_pending = 1;
		event_active(rl->ev_kick, 0, 0);
	}
}

/* The loop thread, after the turn that queued something. */
void
rl_kick_cb(int fd, short what, void *arg)
{
	struct rislive *rl = arg;
	int wake;

	(void)fd;
	(void)what;
	rl->kick_pending = 0;
	if (rl_inbox_publish(&rl->in, &wake) && wake)
		rl_efd_write(rl);
}

static int
rl_active(const struct rislive *rl)
{
	return __atomic_load_n(&rl->active, __ATOMIC_RELAXED);
}

static void
rl_lost(struct rislive *rl)
{
	__atomic_add_fetch(&rl->in.lost, 1, __ATOMIC_RELAXED);
}

/* Whether tp is the peer the worker has now (last_peer). */
static int
rl_peer_same(const struct rislive *rl, const struct tap_peer *tp, int bmp)
{
	const struct rl_item_peer *lp = &rl->last_peer;
	const struct tap_peer *a = &lp->tp;

	if (tp->router == NULL ? lp->router[0] != '\0' :
	    strncmp(lp->router, tp->router, sizeof(lp->router) - 1) != 0)
		return 0;
	return rl->last_valid && lp->bmp == bmp &&
	    memcmp(&a->peer_addr, &tp->peer_addr, sizeof(a->peer_addr)) == 0 &&
	    memcmp(&a->local_addr, &tp->local_addr, sizeof(a->local_addr)) ==
	    0 && a->peer_port == tp->peer_port &&
	    a->local_port == tp->local_port && a->peer_as == tp->peer_as &&
	    a->local_as == tp->local_as && a->peer_id == tp->peer_id &&
	    a->slot == tp->slot && a->as4 == tp->as4 &&
	    memcmp(a->addpath, tp->addpath, sizeof(a->addpath)) == 0;
}

/* Whether tp is a BMP-monitored peer; the last answer is kept for the
 * same kind string (a literal of the input: no strcmp per message). */
static int
rl_peer_bmp(struct rislive *rl, const struct tap_peer *tp)
{
	if (tp->kind != rl->last_kind) {
		rl->last_kind = tp->kind;
		rl->last_kind_bmp = tp->kind != NULL &&
		    strcmp(tp->kind, "bmp") == 0;
	}
	return rl->last_kind_bmp;
}

/*
 * Room for an item of len bytes about tp's peer, after an RL_I_PEER
 * item when the worker's peer is another one.  Both or neither, and
 * last_peer changes only with a peer item written, so that it is always
 * the worker's peer however many items the limit refused.  NULL: over
 * the limit.
 */
static void *
rl_reserve_for(struct rislive *rl, const struct tap_peer *tp, size_t len,
    size_t limit)
{
	struct rl_item_peer *ip;
	uint8_t *p;
	int bmp = rl_peer_bmp(rl, tp);

	if (rl_peer_same(rl, tp, bmp)) {
		if ((p = rl_inbox_reserve(&rl->in, len, limit)) == NULL)
			rl_lost(rl);
		return p;
	}
	if ((p = rl_inbox_reserve(&rl->in, RL_ALIGN(sizeof(*ip)) + len,
	    limit)) == NULL) {
		rl_lost(rl);
		return NULL;
	}
	ip = &rl->last_peer;
	memset(ip, 0, sizeof(*ip));
	ip->h.size = RL_ALIGN(sizeof(*ip));
	ip->h.kind = RL_I_PEER;
	ip->tp = *tp;
	ip->tp.kind = NULL;
	ip->tp.router = NULL;
	ip->bmp = bmp;
	if (tp->router != NULL)
		snprintf(ip->router, sizeof(ip->router), "%s", tp->router);
	memcpy(p, ip, sizeof(*ip));
	rl->last_valid = 1;
	return p + ip->h.size;
}

/*
 * The tap's observer, on the loop thread: copy, nothing more.  Only what
 * RIS Live shows is copied: received UPDATEs (not End-of-RIB), OPENs
 * both ways, received NOTIFICATIONs and KEEPALIVEs.
 */
void
rl_tap_message(void *arg, const struct tap_peer *tp, const struct tap_msg *m)
{
	struct rislive *rl = arg;
	struct rl_item_msg *it;

	if (!rl_active(rl))
		return;
	switch (m->type) {
	case BGP_UPDATE:
		if (m->dir != TAP_RX || m->upd == NULL || m->upd->eor)
			return;
		break;
	case BGP_OPEN:
		break;
	case BGP_NOTIFICATION:
	case BGP_KEEPALIVE:
		if (m->dir != TAP_RX)
			return;
		break;
	default:
		return;
	}
	if ((it = rl_reserve_for(rl, tp, sizeof(*it) + m->len,
	    RL_INBOX_MAX)) == NULL)
		return;
	it->h.size = (uint32_t)RL_ALIGN(sizeof(*it) + m->len);
	it->h.kind = RL_I_MSG;
	it->ts = m->ts;
	it->len = (uint32_t)m->len;
	it->dir = (uint8_t)m->dir;
	it->type = m->type;
	it->has_upd = m->upd != NULL;
	memcpy(it + 1, m->bytes, m->len);
	rl_kick_soon(rl);
}

void
rl_tap_state(void *arg, const struct tap_peer *tp, double ts, int old_state,
    int new_state)
{
	struct rislive *rl = arg;
	struct rl_item_state *it;

	if (!rl_active(rl) || rl_peer_state(old_state, new_state) == NULL)
		return;
	if ((it = rl_reserve_for(rl, tp, sizeof(*it), 2 * RL_INBOX_MAX)) ==
	    NULL)
		return;
	memset(it, 0, sizeof(*it));
	it->h.size = (uint32_t)RL_ALIGN(sizeof(*it));
	it->h.kind = RL_I_STATE;
	it->ts = ts;
	it->old_state = old_state;
	it->new_state = new_state;
	rl_kick_soon(rl);
}

void
rislive_publish_event(struct rislive *rl, const struct rislive_event *ev)
{
	struct rl_item_event *it;
	uint8_t *p;
	size_t tlen, rlen, size;

	if (rl == NULL)
		return;
	tlen = ev->type ? strlen(ev->type) : 0;
	rlen = ev->region ? strlen(ev->region) : 0;
	size = sizeof(*it) + tlen + rlen + ev->len;
	/* Events are always queued (the worker keeps the live seq). */
	if ((it = rl_inbox_reserve(&rl->in, size, 2 * RL_INBOX_MAX)) == NULL) {
		__atomic_add_fetch(&rl->in.lost, 1, __ATOMIC_RELAXED);
		return;
	}
	memset(it, 0, sizeof(*it));
	it->h.size = (uint32_t)RL_ALIGN(size);
	it->h.kind = RL_I_EVENT;
	it->seq = ev->seq;
	it->tlen = ev->type ? (uint32_t)tlen : UINT32_MAX;
	it->rlen = ev->region ? (uint32_t)rlen : UINT32_MAX;
	it->jlen = (uint32_t)ev->len;
	p = (uint8_t *)(it + 1);
	if (tlen > 0)
		memcpy(p, ev->type, tlen);
	if (rlen > 0)
		memcpy(p + tlen, ev->region, rlen);
	if (ev->len > 0)
		memcpy(p + tlen + rlen, ev->json, ev->len);
	rl_kick_soon(rl);
}

/*
 * The worker's side
 */

static struct rl_view *
rl_view_get(struct rislive *rl)
{
	if (rl->view == NULL && (rl->view = calloc(1, sizeof(*rl->view))) ==
	    NULL)
		fatal("rislive view");
	return rl->view;
}

/* The peer of the items that follow. */
static void
rl_do_peer(struct rislive *rl, const struct rl_item_peer *it)
{
	rl->cur_tp = it->tp;
	memcpy(rl->cur_router, it->router, sizeof(rl->cur_router));
	rl->cur_router[sizeof(rl->cur_router) - 1] = '\0';
	rl->cur_tp.kind = it->bmp ? "bmp" : "bgp";
	rl->cur_tp.router = rl->cur_router[0] != '\0' ? rl->cur_router : NULL;
}

static void
rl_do_state(struct rislive *rl, const struct rl_item_state *it)
{
	struct rl_view *v = rl_view_get(rl);

	rl_view_state(v, &rl->cur_tp, it->ts, it->old_state, it->new_state);
	rl_publish(rl, v);
}

static void
rl_do_msg(struct rislive *rl, const struct rl_item_msg *it)
{
	const struct tap_peer *tp = &rl->cur_tp;
	struct rl_view *v = rl_view_get(rl);
	struct tap_msg m;
	struct bgp_update u;
	struct bgp_dec_ctx dec;
	int aid;

	memset(&m, 0, sizeof(m));
	m.ts = it->ts;
	m.dir = (enum tap_dir)it->dir;
	m.type = it->type;
	m.bytes = (const uint8_t *)(it + 1);
	m.len = it->len;
	if (it->type == BGP_UPDATE && it->has_upd) {
		memset(&dec, 0, sizeof(dec));
		dec.as4 = tp->as4;
		for (aid = 0; aid < AID_MAX; aid++)
			dec.addpath[aid] = tp->addpath[aid];
		if (rl->scratch_upd == NULL &&
		    (rl->scratch_upd = malloc(BGP_SCRATCH_LEN)) == NULL)
			fatal("rislive scratch");
		dec.scratch = rl->scratch_upd;
		dec.scratchlen = BGP_SCRATCH_LEN;
		if (m.len < BGP_HDR_LEN)
			return;
		/* As the session decoded it; a reset still shows what was
		 * read (the loop thread handed the same struct). */
		(void)bgp_update_decode(&dec, m.bytes + BGP_HDR_LEN,
		    m.len - BGP_HDR_LEN, &u);
		m.upd = &u;
	}
	if (rl_view_message(v, tp, &m) == -1)
		return;
	rl_publish(rl, v);
}

static void
rl_do_event(struct rislive *rl, const struct rl_item_event *it)
{
	struct rislive_event ev;
	const char *p = (const char *)(it + 1);
	char type[64], region[256];

	ev.seq = it->seq;
	ev.type = NULL;
	ev.region = NULL;
	if (it->tlen != UINT32_MAX) {
		snprintf(type, sizeof(type), "%.*s", (int)it->tlen, p);
		ev.type = type;
		p += it->tlen;
	}
	if (it->rlen != UINT32_MAX) {
		snprintf(region, sizeof(region), "%.*s", (int)it->rlen, p);
		ev.region = region;
		p += it->rlen;
	}
	ev.json = p;
	ev.len = it->jlen;
	if (ev.seq >= rl->live_next)
		rl->live_next = ev.seq + 1;
	rl_publish_event(rl, &ev);
}

/* Runs the calls and hands out the items of one inbox block. */
static void
rl_do_items(struct rislive *rl, const uint8_t *p, size_t len)
{
	const struct rl_item *h;
	const struct rl_item_call *call;
	size_t off, n = 0;

	for (off = 0; off < len; off += h->size) {
		h = (const struct rl_item *)(const void *)(p + off);
		switch (h->kind) {
		case RL_I_MSG:
			rl_do_msg(rl, (const struct rl_item_msg *)h);
			break;
		case RL_I_STATE:
			rl_do_state(rl, (const struct rl_item_state *)h);
			break;
		case RL_I_PEER:
			rl_do_peer(rl, (const struct rl_item_peer *)h);
			break;
		case RL_I_EVENT:
			rl_do_event(rl, (const struct rl_item_event *)h);
			break;
		case RL_I_CALL:
			call = (const struct rl_item_call *)h;
			call->fn(rl, call->arg);
			pthread_mutex_lock(&rl->in.mu);
			rl->in.calls_done++;
			pthread_cond_broadcast(&rl->in.cv);
			pthread_mutex_unlock(&rl->in.mu);
			break;
		default:
			fatalx("rislive: bad inbox item %u", h->kind);
		}
		/* Hand bytes to the kernel as they come, not only at the
		 * end of a long batch. */
		if (++n % 256 == 0)
			rl_flush(rl);
	}
}

/*
 * The worker: the inbox has something (or a call waits).  It takes items
 * until none is left, so that the loop thread need not wake it again
 * while it works; after RL_TAKES_PER_WAKE takes it comes back through
 * the event loop, so that the clients' sockets are served too.
 */
void
rl_wake_cb(int fd, short what, void *arg)
{
	struct rislive *rl = arg;
	const uint8_t *p = NULL;
	uint64_t v;
	size_t len;
	int n;

	(void)what;
	/* Nonblocking: nothing to read when we came back by ourselves. */
	while (read(fd, &v, sizeof(v)) == -1 && errno == EINTR)
		;
	for (n = 0; n < RL_TAKES_PER_WAKE; n++) {
		if ((p = rl_inbox_take(&rl->in, &len)) == NULL)
			break;
		rl_do_items(rl, p, len);
		if (rl_active(rl))
			rl_inbox_ahead(&rl->in);
	}
	rl_flush(rl);
	rl_snapshot(rl);
	/* Still signalled: the loop thread will not wake us, so we do. */
	if (p != NULL && rl->ev_wake != NULL)
		event_active(rl->ev_wake, EV_READ, 0);
}

static void
rl_tick_cb(int fd, short what, void *arg)
{
	struct rislive *rl = arg;

	(void)fd;
	(void)what;
	rl_snapshot(rl);
	if (rl_active(rl))
		rl_inbox_ahead(&rl->in);
	rl_inbox_trim(&rl->in, !rl_active(rl));
}

/*
 * On the worker: its nice is the process's (as the loop thread had it)
 * plus thread-nice, so that when the two threads want one CPU the
 * sessions and the RIB come first (Linux: nice is per thread), and the
 * stream catches up from the inbox when the loop is idle.  Lowering it
 * again after a reload needs a privilege bgpwatchd may have dropped.
 */
void
rl_set_nice(struct rislive *rl)
{
	int want = rl->nice_base + (int)rl->conf.thread_nice;

	if (want > 19)
		want = 19;
	if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), want) == -1)
		log_warn("rislive: cannot set the stream thread's nice to %d",
		    want);
}

static void *
rl_thread_main(void *arg)
{
	struct rislive *rl = arg;

	/* Named, so that top -H and the bench tell it from the loop. */
	(void)prctl(PR_SET_NAME, "bw-rislive", 0, 0, 0);
	rl_set_nice(rl);
	event_base_loop(rl->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

int
rl_thread_start(struct rislive *rl)
{
	struct timeval tv = { 0, 100 * 1000 };
	sigset_t all, old;
	int r;

	if ((rl->ev_wake = event_new(rl->base, rl->efd, EV_READ |
	    EV_PERSIST, rl_wake_cb, rl)) == NULL ||
	    event_add(rl->ev_wake, NULL) == -1 ||
	    (rl->ev_tick = event_new(rl->base, -1, EV_PERSIST, rl_tick_cb,
	    rl)) == NULL || event_add(rl->ev_tick, &tv) == -1)
		return -1;
	/* Signals stay with the loop thread. */
	errno = 0;
	if ((rl->nice_base = getpriority(PRIO_PROCESS, 0)) == -1 &&
	    errno != 0)
		rl->nice_base = 0;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&rl->thr, NULL, rl_thread_main, rl);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0)
		return -1;
	rl->running = 1;
	return 0;
}

void
rl_call(struct rislive *rl, rl_call_fn fn, void *arg)
{
	struct rl_item_call *it;
	uint64_t mine;
	int wake;

	if (!rl->running) {
		fn(rl, arg);
		return;
	}
	/* In order after what the tap wrote; never refused (no limit). */
	it = rl_inbox_reserve(&rl->in, sizeof(*it), 0);
	memset(it, 0, sizeof(*it));
	it->h.size = (uint32_t)RL_ALIGN(sizeof(*it));
	it->h.kind = RL_I_CALL;
	it->fn = fn;
	it->arg = arg;
	(void)rl_inbox_publish(&rl->in, &wake);
	rl_efd_write(rl);
	pthread_mutex_lock(&rl->in.mu);
	mine = ++rl->in.calls;
	while (rl->in.calls_done < mine)
		pthread_cond_wait(&rl->in.cv, &rl->in.mu);
	pthread_mutex_unlock(&rl->in.mu);
}

static void
rl_do_stop(struct rislive *rl, void *arg)
{
	(void)arg;
	event_base_loopbreak(rl->base);
}

void
rl_thread_stop(struct rislive *rl)
{
	if (!rl->running)
		return;
	rl_call(rl, rl_do_stop, NULL);
	pthread_join(rl->thr, NULL);
	rl->running = 0;
}
