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
 *  - the inbox (struct rl_inbox): a byte buffer under a mutex; the loop
 *    thread appends, the worker swaps it out whole.  It is capped at
 *    RL_INBOX_MAX bytes: past it tap messages are dropped and counted
 *    (lost); state changes and events get twice the room; calls never
 *    wait.
 *  - rl->active: whether any client has a subscription, an atomic the
 *    worker writes and the tap reads (no client: no copy).
 *  - the stats: the worker publishes a snapshot under stmu after each
 *    turn and every 100 ms; rislive_stats() copies it.
 *  - configuration changes and the stop are calls (rl_call()): the loop
 *    thread queues a function and waits for the worker to have run it,
 *    so the worker's data is only ever touched by the worker.
 * The worker never waits for the loop thread.
 */
#include <sys/eventfd.h>
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

#define RL_ALIGN(n)	(((n) + 7) & ~(size_t)7)

int
rl_inbox_init(struct rl_inbox *in)
{
	memset(in, 0, sizeof(*in));
	if ((in->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		return -1;
	if (pthread_mutex_init(&in->mu, NULL) != 0 ||
	    pthread_cond_init(&in->cv, NULL) != 0) {
		close(in->efd);
		return -1;
	}
	return 0;
}

void
rl_inbox_free(struct rl_inbox *in)
{
	if (in->efd <= 0)
		return;
	close(in->efd);
	pthread_mutex_destroy(&in->mu);
	pthread_cond_destroy(&in->cv);
	free(in->buf);
	in->buf = NULL;
	in->efd = -1;
}

static void
rl_efd_write(struct rl_inbox *in)
{
	uint64_t one = 1;

	while (write(in->efd, &one, sizeof(one)) == -1 && errno == EINTR)
		;
}

/*
 * Appends one item: head (hlen bytes, its size filled in here) then the
 * parts.  Called with in->mu held.  Returns 0, or -1 when the inbox is
 * over limit (then nothing is added).
 */
static int
rl_inbox_put_locked(struct rl_inbox *in, void *head, size_t hlen,
    const void *const *parts, const size_t *plens, int nparts, size_t limit)
{
	struct rl_item *h = head;
	size_t size = hlen, ncap, off;
	int i;

	for (i = 0; i < nparts; i++)
		size += plens[i];
	size = RL_ALIGN(size);
	if (limit > 0 && in->len + size > limit)
		return -1;
	if (in->len + size > in->cap) {
		ncap = in->cap ? in->cap : 64 * 1024;
		while (ncap < in->len + size)
			ncap *= 2;
		if ((in->buf = realloc(in->buf, ncap)) == NULL)
			fatal("rislive inbox");
		in->cap = ncap;
	}
	h->size = (uint32_t)size;
	memcpy(in->buf + in->len, head, hlen);
	off = in->len + hlen;
	for (i = 0; i < nparts; i++) {
		if (plens[i] > 0)
			memcpy(in->buf + off, parts[i], plens[i]);
		off += plens[i];
	}
	in->len += size;
	return 0;
}

/* On the loop thread: queues an item; the kick wakes the worker at the
 * end of this loop turn (one write for a whole burst). */
static void
rl_post(struct rislive *rl, void *head, size_t hlen, const void *const *parts,
    const size_t *plens, int nparts, size_t limit)
{
	struct rl_inbox *in = &rl->in;
	int r;

	pthread_mutex_lock(&in->mu);
	r = rl_inbox_put_locked(in, head, hlen, parts, plens, nparts, limit);
	if (r == -1)
		in->lost++;
	pthread_mutex_unlock(&in->mu);
	if (r == 0 && !rl->kick_pending) {
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
	pthread_mutex_lock(&rl->in.mu);
	wake = !rl->in.signalled && rl->in.len > 0;
	if (wake)
		rl->in.signalled = 1;
	pthread_mutex_unlock(&rl->in.mu);
	if (wake)
		rl_efd_write(&rl->in);
}

static int
rl_active(const struct rislive *rl)
{
	return __atomic_load_n(&rl->active, __ATOMIC_RELAXED);
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
	struct rl_item_tap it;
	const void *parts[1];
	size_t plens[1];

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
	memset(&it, 0, sizeof(it));
	it.h.kind = RL_I_MSG;
	it.tp = *tp;
	it.tp.kind = NULL;
	it.tp.router = NULL;
	if (tp->router != NULL)
		snprintf(it.router, sizeof(it.router), "%s", tp->router);
	it.bmp = tp->kind != NULL && strcmp(tp->kind, "bmp") == 0;
	it.ts = m->ts;
	it.dir = (uint8_t)m->dir;
	it.type = m->type;
	it.has_upd = m->upd != NULL;
	it.len = (uint32_t)m->len;
	parts[0] = m->bytes;
	plens[0] = m->len;
	rl_post(rl, &it, sizeof(it), parts, plens, 1, RL_INBOX_MAX);
}

void
rl_tap_state(void *arg, const struct tap_peer *tp, double ts, int old_state,
    int new_state)
{
	struct rislive *rl = arg;
	struct rl_item_tap it;

	if (!rl_active(rl) || rl_peer_state(old_state, new_state) == NULL)
		return;
	memset(&it, 0, sizeof(it));
	it.h.kind = RL_I_STATE;
	it.tp = *tp;
	it.tp.kind = NULL;
	it.tp.router = NULL;
	if (tp->router != NULL)
		snprintf(it.router, sizeof(it.router), "%s", tp->router);
	it.bmp = tp->kind != NULL && strcmp(tp->kind, "bmp") == 0;
	it.ts = ts;
	it.old_state = old_state;
	it.new_state = new_state;
	rl_post(rl, &it, sizeof(it), NULL, NULL, 0, 2 * RL_INBOX_MAX);
}

void
rislive_publish_event(struct rislive *rl, const struct rislive_event *ev)
{
	struct rl_item_event it;
	const void *parts[3];
	size_t plens[3];

	if (rl == NULL)
		return;
	memset(&it, 0, sizeof(it));
	it.h.kind = RL_I_EVENT;
	it.seq = ev->seq;
	it.tlen = ev->type ? (uint32_t)strlen(ev->type) : UINT32_MAX;
	it.rlen = ev->region ? (uint32_t)strlen(ev->region) : UINT32_MAX;
	it.jlen = (uint32_t)ev->len;
	parts[0] = ev->type;
	plens[0] = ev->type ? it.tlen : 0;
	parts[1] = ev->region;
	plens[1] = ev->region ? it.rlen : 0;
	parts[2] = ev->json;
	plens[2] = ev->len;
	/* Events are always queued (the worker keeps the live seq). */
	rl_post(rl, &it, sizeof(it), parts, plens, 3, 2 * RL_INBOX_MAX);
}

/*
 * The worker's side
 */

static void
rl_do_msg(struct rislive *rl, const struct rl_item_tap *it)
{
	struct tap_peer tp = it->tp;
	struct tap_msg m;
	struct bgp_update u;
	struct bgp_dec_ctx dec;
	int aid;

	if (rl->view == NULL && (rl->view = calloc(1, sizeof(*rl->view))) ==
	    NULL)
		fatal("rislive view");
	tp.kind = it->bmp ? "bmp" : "bgp";
	tp.router = it->router[0] != '\0' ? it->router : NULL;
	if (it->h.kind == RL_I_STATE) {
		rl_view_state(rl->view, &tp, it->ts, it->old_state, it->new_state);
		rl_publish(rl, rl->view);
		return;
	}
	memset(&m, 0, sizeof(m));
	m.ts = it->ts;
	m.dir = (enum tap_dir)it->dir;
	m.type = it->type;
	m.bytes = (const uint8_t *)(it + 1);
	m.len = it->len;
	if (it->type == BGP_UPDATE && it->has_upd) {
		memset(&dec, 0, sizeof(dec));
		dec.as4 = tp.as4;
		for (aid = 0; aid < AID_MAX; aid++)
			dec.addpath[aid] = tp.addpath[aid];
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
	if (rl_view_message(rl->view, &tp, &m) == -1)
		return;
	rl_publish(rl, rl->view);
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

/* Runs the calls and hands out the items of one taken inbox. */
static void
rl_do_items(struct rislive *rl, const uint8_t *p, size_t len)
{
	const struct rl_item *h;
	const struct rl_item_call *call;
	size_t off, n = 0;

	for (off = 0; off < len; off += h->size) {
		h = (const struct rl_item *)(p + off);
		switch (h->kind) {
		case RL_I_MSG:
		case RL_I_STATE:
			rl_do_msg(rl, (const struct rl_item_tap *)h);
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

/* The worker: the inbox has something (or a call waits). */
void
rl_wake_cb(int fd, short what, void *arg)
{
	struct rislive *rl = arg;
	uint64_t v;
	uint8_t *p;
	size_t len, cap;

	(void)what;
	while (read(fd, &v, sizeof(v)) == -1 && errno == EINTR)
		;
	pthread_mutex_lock(&rl->in.mu);
	rl->in.signalled = 0;
	p = rl->in.buf;
	len = rl->in.len;
	cap = rl->in.cap;
	rl->in.buf = rl->spare;
	rl->in.cap = rl->spare_cap;
	rl->in.len = 0;
	pthread_mutex_unlock(&rl->in.mu);
	rl_do_items(rl, p, len);
	/* Keep the buffer for the next swap (a full table load swaps
	 * megabytes each turn: freeing them cost page faults); return
	 * one only past a quarter of the cap. */
	if (cap > RL_INBOX_MAX / 4) {
		free(p);
		p = NULL;
		cap = 0;
	}
	rl->spare = p;
	rl->spare_cap = cap;
	rl_flush(rl);
	rl_snapshot(rl);
}

static void
rl_tick_cb(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	rl_snapshot(arg);
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

	if ((rl->ev_wake = event_new(rl->base, rl->in.efd, EV_READ |
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
	struct rl_item_call it;
	uint64_t mine;

	if (!rl->running) {
		fn(rl, arg);
		return;
	}
	memset(&it, 0, sizeof(it));
	it.h.kind = RL_I_CALL;
	it.fn = fn;
	it.arg = arg;
	pthread_mutex_lock(&rl->in.mu);
	(void)rl_inbox_put_locked(&rl->in, &it, sizeof(it), NULL, NULL, 0, 0);
	mine = ++rl->in.calls;
	rl->in.signalled = 1;
	rl_efd_write(&rl->in);
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
