/*
 * The core's side of the RIS Live stream (bgpd/rislive/): opens it on
 * the message tap when `websocket on` is configured, and lends it what
 * it cannot see from its layer: the region events, as JSON, from the
 * fan-out (live, through the fan-out's tap) and from the event log
 * (bgpwatch_subscribe "from": a replay).
 */
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

static long
core_rl_replay(void *arg, uint64_t from, size_t max, rislive_emit_fn emit,
    void *ctx)
{
	struct bgpd *bgpd = arg;
	struct evt_reader *r;
	struct evt_record rec;
	struct evbuffer *b;
	char err[256];
	long n = 0;

	if (bgpd->conf->events.log_path == NULL)
		return -1;
	if ((r = evt_reader_open(bgpd->conf->events.log_path, err,
	    sizeof(err))) == NULL) {
		log_warnx("rislive replay: %s", err);
		return -1;
	}
	if ((b = evbuffer_new()) == NULL || evt_reader_seek_seq(r, from) ==
	    -1) {
		if (b != NULL)
			evbuffer_free(b);
		evt_reader_close(r);
		return -1;
	}
	while ((size_t)n < max && evt_reader_next(r, &rec) == 1) {
		if (rec.seq < from)
			continue;
		core_rl_emit(rec.obj, rec.seq, b, emit, ctx);
		n++;
	}
	evbuffer_free(b);
	evt_reader_close(r);
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
	return rislive_reconfigure(bgpd->rislive, nconf, err, errlen);
}

void
core_rislive_close(struct bgpd *bgpd)
{
	if (bgpd->rislive != NULL)
		core_rl_stop(bgpd);
}
