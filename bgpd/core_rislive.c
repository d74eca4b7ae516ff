/*
 * The core's side of the RIS Live stream (bgpd/rislive/): opens it on
 * the message tap when `websocket on` is configured, and lends it what
 * it cannot see from its layer: the region events, as JSON, from the
 * fan-out (live, through the fan-out's tap) and from the event log
 * (bgpwatch_subscribe "from": a replay, through the rotated files too).
 *
 * The replay runs on the stream's worker thread: it reads the log's
 * files by name (PATH.keep ... PATH.1, PATH) with its own readers, and
 * sees the configuration only through core_rl_log, a copy of the log's
 * path and keep under a mutex (a reload changes it on the loop thread).
 */
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "core.h"
#include "core_rislive.h"
#include "evt_fanout.h"
#include "evt_json.h"
#include "evt_reader.h"
#include "log.h"
#include "rislive.h"

/* What the replay (on the worker) may know of the event log. */
static struct {
	pthread_mutex_t	 mu;
	char		*path;		/* NULL: no log */
	uint32_t	 keep;
} core_rl_log = { PTHREAD_MUTEX_INITIALIZER, NULL, 0 };

static void
core_rl_log_set(const struct config *conf)
{
	char *p = NULL;

	if (conf->events.log_path != NULL &&
	    (p = strdup(conf->events.log_path)) == NULL)
		fatal("rislive log path");
	pthread_mutex_lock(&core_rl_log.mu);
	free(core_rl_log.path);
	core_rl_log.path = p;
	core_rl_log.keep = conf->events.log_keep;
	pthread_mutex_unlock(&core_rl_log.mu);
}

/* A string member of an event map, copied into out ("" if none). */
static const char *
core_rl_str(const msgpack_object *o, const char *key, char *out, size_t len)
{
	uint32_t i;
	size_t klen = strlen(key);

	out[0] = '\0';
	if (o->type != MSGPACK_OBJECT_MAP)
		return NULL;
	for (i = 0; i < o->via.map.size; i++) {
		const msgpack_object_kv *kv = &o->via.map.ptr[i];

		if (kv->key.type != MSGPACK_OBJECT_STR ||
		    kv->key.via.str.size != klen ||
		    memcmp(kv->key.via.str.ptr, key, klen) != 0 ||
		    kv->val.type != MSGPACK_OBJECT_STR)
			continue;
		snprintf(out, len, "%.*s", (int)kv->val.via.str.size,
		    kv->val.via.str.ptr);
		return out;
	}
	return NULL;
}

/* The event o as a struct rislive_event for emit. */
static void
core_rl_emit(const msgpack_object *o, uint64_t seq, struct evbuffer *b,
    rislive_emit_fn emit, void *ctx)
{
	struct rislive_event ev;
	char type[64], region[256];
	size_t len;

	evbuffer_drain(b, evbuffer_get_length(b));
	if (evt_json(b, o) == -1)
		return;
	len = evbuffer_get_length(b);
	ev.json = (const char *)evbuffer_pullup(b, (ssize_t)len);
	while (len > 0 && (ev.json[len - 1] == '\n' || ev.json[len - 1] == ' '))
		len--;
	ev.len = len;
	ev.seq = seq;
	ev.type = core_rl_str(o, "type", type, sizeof(type));
	ev.region = core_rl_str(o, "region", region, sizeof(region));
	emit(ctx, &ev);
}

static void
core_rl_live_emit(void *ctx, const struct rislive_event *ev)
{
	rislive_publish_event(ctx, ev);
}

/* The fan-out's tap: every event, after the log has it. */
static void
core_rl_tap(const void *rec, size_t len, uint64_t seq, void *arg)
{
	struct bgpd *bgpd = arg;
	msgpack_unpacked u;
	struct evbuffer *b;
	size_t off = 0;

	if (bgpd->rislive == NULL)
		return;
	if ((b = evbuffer_new()) == NULL)
		return;
	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, rec, len, &off) ==
	    MSGPACK_UNPACK_SUCCESS)
		core_rl_emit(&u.data, seq, b, core_rl_live_emit,
		    bgpd->rislive);
	msgpack_unpacked_destroy(&u);
	evbuffer_free(b);
}

/* PATH, or PATH.i for a rotated file. */
static void
core_rl_file(const char *path, uint32_t i, char *out, size_t len)
{
	if (i == 0)
		snprintf(out, len, "%s", path);
	else
		snprintf(out, len, "%s.%" PRIu32, path, i);
}

/*
 * The file that holds seq next or, if none, the oldest that has later
 * ones: among PATH.keep ... PATH, the newest whose first seq is <= next,
 * else (when after is set, or when next is older than all) the one with
 * the smallest first seq above next.  Returns 0 and the name, or -1.
 */
static int
core_rl_find(const char *path, uint32_t keep, uint64_t next, int after,
    char *out, size_t len)
{
	char name[PATH_MAX];
	uint64_t first, best_gt = UINT64_MAX;
	uint32_t i;
	int found = -1;

	for (i = 0; !after && i <= keep; i++) {
		core_rl_file(path, i, name, sizeof(name));
		if ((first = evt_reader_first_seq(name)) != 0 &&
		    first <= next) {
			snprintf(out, len, "%s", name);
			return 0;
		}
	}
	for (i = 0; i <= keep; i++) {
		core_rl_file(path, i, name, sizeof(name));
		if ((first = evt_reader_first_seq(name)) > next &&
		    first < best_gt) {
			best_gt = first;
			snprintf(out, len, "%s", name);
			found = 0;
		}
	}
	return found;
}

/* Emits the records of file with seq >= *next; advances *next. */
static long
core_rl_replay_file(const char *file, uint64_t *next, size_t max,
    struct evbuffer *b, rislive_emit_fn emit, void *ctx)
{
	struct evt_reader *r;
	struct evt_record rec;
	char err[256];
	long n = 0;

	if ((r = evt_reader_open(file, err, sizeof(err))) == NULL)
		return 0;	/* rotated away meanwhile: the next search */
	if (evt_reader_seek_seq(r, *next) == -1) {
		evt_reader_close(r);
		return -1;
	}
	while ((size_t)n < max && evt_reader_next(r, &rec) == 1) {
		if (rec.seq < *next)
			continue;
		core_rl_emit(rec.obj, rec.seq, b, emit, ctx);
		*next = rec.seq + 1;
		n++;
	}
	evt_reader_close(r);
	return n;
}

/*
 * On the stream's worker: every logged event with seq >= from, at most
 * max, in order, across the rotated files.  Each step looks the file up
 * again by its first seq, so a rotation during the replay (names move
 * up by one) neither skips nor repeats a record.
 */
static long
core_rl_replay(void *arg, uint64_t from, size_t max, rislive_emit_fn emit,
    void *ctx)
{
	char file[PATH_MAX], *path;
	struct evbuffer *b;
	uint64_t next = from;
	uint32_t keep;
	long n = 0, got;
	int after = 0;

	(void)arg;
	pthread_mutex_lock(&core_rl_log.mu);
	path = core_rl_log.path ? strdup(core_rl_log.path) : NULL;
	keep = core_rl_log.keep;
	pthread_mutex_unlock(&core_rl_log.mu);
	if (path == NULL)
		return -1;
	if ((b = evbuffer_new()) == NULL) {
		free(path);
		return -1;
	}
	while ((size_t)n < max) {
		if (core_rl_find(path, keep, next, after, file,
		    sizeof(file)) == -1)
			break;
		if ((got = core_rl_replay_file(file, &next, max - (size_t)n,
		    b, emit, ctx)) < 0) {
			if (n == 0)
				n = -1;
			break;
		}
		n += got;
		/* Nothing more in the file that holds next: try the first
		 * later one once; nothing there either: done. */
		if (got == 0) {
			if (after)
				break;
			after = 1;
		} else
			after = 0;
	}
	evbuffer_free(b);
	free(path);
	return n;
}

static uint64_t
core_rl_next_seq(void *arg)
{
	struct bgpd *bgpd = arg;

	return bgpd->fanout ? evt_fanout_next_seq(bgpd->fanout) : 0;
}

static int
core_rl_start(struct bgpd *bgpd, const struct config *conf, char *err,
    size_t errlen)
{
	struct rislive_hooks hooks = { core_rl_replay, core_rl_next_seq,
	    bgpd };

	core_rl_log_set(conf);

	if ((bgpd->rislive = rislive_open(&bgpd->loop, &bgpd->tap, conf,
	    &hooks, err, errlen)) == NULL)
		return -1;
	if (bgpd->fanout != NULL)
		evt_fanout_tap(bgpd->fanout, core_rl_tap, bgpd);
	return 0;
}

static void
core_rl_stop(struct bgpd *bgpd)
{
	if (bgpd->fanout != NULL)
		evt_fanout_tap(bgpd->fanout, NULL, NULL);
	rislive_close(bgpd->rislive);
	bgpd->rislive = NULL;
}

int
core_rislive_open(struct bgpd *bgpd, int live)
{
	char err[512];

	if (!live || !bgpd->conf->websocket.enabled)
		return 0;
	if (core_rl_start(bgpd, bgpd->conf, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return -1;
	}
	return 0;
}

int
core_rislive_reload(struct bgpd *bgpd, const struct config *nconf,
    char *err, size_t errlen)
{
	if (!nconf->websocket.enabled) {
		if (bgpd->rislive != NULL)
			core_rl_stop(bgpd);
		return 0;
	}
	if (bgpd->rislive == NULL)
		return core_rl_start(bgpd, nconf, err, errlen);
	if (rislive_reconfigure(bgpd->rislive, nconf, err, errlen) == -1)
		return -1;
	core_rl_log_set(nconf);
	return 0;
}

void
core_rislive_close(struct bgpd *bgpd)
{
	if (bgpd->rislive != NULL)
		core_rl_stop(bgpd);
}
