/*
 * The fan-out (bgpd/event/evt_fanout.c) with output rows of the test's own:
 * every record reaches the log first, then the outputs in table order,
 * each with the seq sealed into the record; a reload reaches every
 * output's reconfigure (a failing one leaves the log as it was), close
 * reaches every output; and the schema encoder (evt_schema.c) writes a
 * detector event with the keys of docs/events.md, in order, stamped
 * with the event's own time in replay mode.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "evt_fanout.h"
#include "evt_reader.h"
#include "evt_schema.h"
#include "log.h"
#include "evt_util.h"

#define CALLS_MAX	64

/* What the fake outputs saw, in order, across all of them. */
struct call {
	char		 what[16];	/* "publish", "reconfigure", "close" */
	int		 out;		/* which output */
	uint64_t	 seq;		/* publish: the seq argument */
	uint64_t	 rec_seq;	/* publish: the seq inside the record */
	off_t		 log_size;	/* publish: the log's size by then */
	uint64_t	 log_keep;	/* reconfigure: conf->log_keep */
};

static struct call	calls[CALLS_MAX];
static int		ncalls;
static int		fail_reconfigure = -1;	/* output that refuses */

static struct call *
record_call(int out, const char *what)
{
	struct call	*c;

	assert_true(ncalls < CALLS_MAX);
	c = &calls[ncalls++];
	memset(c, 0, sizeof(*c));
	snprintf(c->what, sizeof(c->what), "%s", what);
	c->out = out;
	return c;
}

static void *
fake_open(int out, struct evt_fanout *fo, struct event_base *base)
{
	int	*state;

	(void)fo;
	(void)base;
	assert_non_null(state = malloc(sizeof(*state)));
	*state = out;
	record_call(out, "open");
	return state;
}

static void *
fake_open0(struct evt_fanout *fo, struct event_base *base,
    const struct config_events *conf, char *err, size_t errlen)
{
	(void)conf;
	(void)err;
	(void)errlen;
	return fake_open(0, fo, base);
}

static void *
fake_open1(struct evt_fanout *fo, struct event_base *base,
    const struct config_events *conf, char *err, size_t errlen)
{
	(void)conf;
	(void)err;
	(void)errlen;
	return fake_open(1, fo, base);
}

static void
fake_publish(void *state, const uint8_t *rec, size_t len, uint64_t seq)
{
	msgpack_unpacked	 res;
	struct call		*c = record_call(*(int *)state, "publish");
	size_t			 off = 0;

	c->seq = seq;
	c->log_size = file_size(logpath);
	msgpack_unpacked_init(&res);
	assert_int_equal(msgpack_unpack_next(&res, (const char *)rec, len,
	    &off), MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(off, len);
	assert_int_equal(evt_record_check(&res.data, &c->rec_seq), 0);
	msgpack_unpacked_destroy(&res);
}

static int
fake_reconfigure(void *state, const struct config_events *conf, char *err,
    size_t errlen)
{
	struct call	*c = record_call(*(int *)state, "reconfigure");

	c->log_keep = conf->log_keep;
	if (*(int *)state == fail_reconfigure) {
		snprintf(err, errlen, "output %d refuses", *(int *)state);
		return -1;
	}
	return 0;
}

static void
fake_close(void *state)
{
	record_call(*(int *)state, "close");
	free(state);
}

static void
fake_stats(const void *state, struct evt_output_stats *st)
{
	st->clients = (uint64_t)*(const int *)state + 10;
}

static const struct evt_output fake0 = { "fake0", fake_open0, fake_publish,
	fake_reconfigure, fake_close, fake_stats };
static const struct evt_output fake1 = { "fake1", fake_open1, fake_publish,
	fake_reconfigure, fake_close, fake_stats };
static const struct evt_output *const rows[] = { &fake0, &fake1 };

static struct evt_fanout *
open_fake(const struct config_events *c)
{
	struct evt_fanout	*fo;
	char			 err[256] = "";

	ncalls = 0;
	fail_reconfigure = -1;
	fo = evt_fanout_open_with(NULL, c, rows, 2, err, sizeof(err));
	if (fo == NULL)
		fail_msg("evt_fanout_open_with: %s", err);
	assert_int_equal(ncalls, 2);
	assert_string_equal(calls[0].what, "open");
	assert_int_equal(calls[0].out, 0);
	assert_int_equal(calls[1].out, 1);
	return fo;
}

/* Log first, then the outputs in table order, each with the seq. */
static void
test_order_and_seq(void **state)
{
	struct config_events	 c;
	struct evt_output_stats	 st;
	struct evt_fanout	*s;
	off_t			 before;
	uint64_t		 i;
	int			 k;

	(void)state;
	conf_init(&c, NULL);
	s = open_fake(&c);
	for (i = 1; i <= 3; i++) {
		before = file_size(logpath);
		k = ncalls;
		assert_true(emit_small(s, i) == i);
		assert_int_equal(ncalls, k + 2);
		assert_string_equal(calls[k].what, "publish");
		assert_int_equal(calls[k].out, 0);
		assert_string_equal(calls[k + 1].what, "publish");
		assert_int_equal(calls[k + 1].out, 1);
		assert_true(calls[k].seq == i && calls[k].rec_seq == i);
		assert_true(calls[k + 1].seq == i &&
		    calls[k + 1].rec_seq == i);
		/* The log had the record before the first output ran. */
		assert_true(calls[k].log_size > before);
		assert_true(calls[k].log_size == file_size(logpath));
	}
	/* A malformed event reaches nobody and spends no seq. */
	k = ncalls;
	assert_true(evt_fanout_emit(s, evt_new("x", NULL)) == 4);
	{
		struct evt	*e = evt_new("bad", NULL);

		evt_map(e, "open");
		assert_true(evt_fanout_emit(s, e) == 0);
	}
	assert_int_equal(ncalls, k + 2);
	assert_true(evt_fanout_next_seq(s) == 5);
	assert_int_equal(evt_fanout_stats(s, "fake1", &st), 0);
	assert_true(st.clients == 11);
	assert_int_equal(evt_fanout_stats(s, "log", &st), 0);
	assert_true(st.published == 4 && st.failed == 0);
	assert_int_equal(evt_fanout_stats(s, "kafka", &st), -1);
	evt_fanout_close(s);
}

/* Reload reaches every output; close too, before the log goes. */
static void
test_reconfigure_close(void **state)
{
	struct config_events	 c, c2;
	struct evt_fanout	*s;
	char			 log2[PATH_MAX + 8], err[256];

	(void)state;
	conf_init(&c, NULL);
	s = open_fake(&c);
	assert_true(emit_small(s, 1) == 1);
	c2 = c;
	c2.log_keep = 7;
	ncalls = 0;
	assert_int_equal(evt_fanout_reconfigure(s, &c2, err, sizeof(err)), 0);
	assert_int_equal(ncalls, 2);
	assert_string_equal(calls[0].what, "reconfigure");
	assert_int_equal(calls[0].out, 0);
	assert_true(calls[0].log_keep == 7);
	assert_string_equal(calls[1].what, "reconfigure");
	assert_int_equal(calls[1].out, 1);

	/* Output 1 refuses a new log path: the old log stays in use. */
	snprintf(log2, sizeof(log2), "%s.new", logpath);
	c2.log_path = log2;
	fail_reconfigure = 1;
	ncalls = 0;
	assert_int_equal(evt_fanout_reconfigure(s, &c2, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "output 1 refuses");
	assert_int_equal(ncalls, 2);
	assert_true(emit_small(s, 2) == 2);
	assert_true(file_size(log2) == 0);	/* opened, never used */
	fail_reconfigure = -1;
	assert_int_equal(evt_fanout_reconfigure(s, &c2, err, sizeof(err)), 0);
	assert_true(emit_small(s, 3) == 3);
	assert_true(file_size(log2) > 0);

	ncalls = 0;
	evt_fanout_close(s);
	assert_int_equal(ncalls, 2);
	assert_string_equal(calls[0].what, "close");
	assert_int_equal(calls[0].out, 0);
	assert_string_equal(calls[1].what, "close");
	assert_int_equal(calls[1].out, 1);
}

static uint8_t	*tapped;
static size_t	 tapped_len;

static void
tap_copy(const void *rec, size_t len, uint64_t seq, void *arg)
{
	(void)seq;
	(void)arg;
	free(tapped);
	assert_non_null(tapped = malloc(len));
	memcpy(tapped, rec, len);
	tapped_len = len;
}

/* The keys of the record in the tap, in order, as "k1,k2,...". */
static void
tapped_keys(char *out, size_t len, msgpack_unpacked *res)
{
	const msgpack_object	*o;
	size_t			 off = 0, n = 0;
	uint32_t		 i;

	assert_int_equal(msgpack_unpack_next(res, (const char *)tapped,
	    tapped_len, &off), MSGPACK_UNPACK_SUCCESS);
	o = &res->data;
	out[0] = '\0';
	for (i = 0; i < o->via.map.size; i++)
		n += (size_t)snprintf(out + n, len - n, "%s%.*s", i ? "," : "",
		    (int)o->via.map.ptr[i].key.via.str.size,
		    o->via.map.ptr[i].key.via.str.ptr);
}

static void
test_schema(void **state)
{
	struct config_events	 c;
	struct detect_event	 ev;
	struct evt_schema	 sc;
	struct evt_fanout	*s;
	msgpack_unpacked	 res;
	msgpack_timestamp	 ts;
	char			 keys[512];

	(void)state;
	memset(&c, 0, sizeof(c));
	s = open_fo(NULL, &c);
	evt_fanout_tap(s, tap_copy, NULL);
	msgpack_unpacked_init(&res);

	memset(&ev, 0, sizeof(ev));
	ev.kind = DETECT_EV_PREFIX;
	ev.type = "prefix_withdrawn";
	ev.time = 1714564800.25;
	ev.region = "KP";
	ev.prefix = "175.45.176.0/24";
	assert_int_equal(addr_parse("127.0.0.11", &ev.peer_addr), 0);
	ev.peer_asn = 64511;
	ev.visible_peers = 2;
	ev.eligible_peers = 3;
	ev.via = "prefix";
	ev.via_detail = "175.45.176.0/22";
	sc.fanout = s;
	sc.use_event_time = 1;
	evt_schema_observer(&ev, &sc);
	tapped_keys(keys, sizeof(keys), &res);
	assert_string_equal(keys, "v,seq,ts,type,region,prefix,peer,"
	    "visible_peers,eligible_peers,as_path,via,via_detail");
	assert_true(msgpack_object_to_timestamp(&res.data.via.map.ptr[2].val,
	    &ts));
	assert_true(ts.tv_sec == 1714564800);
	assert_int_equal(ts.tv_nsec, 250000000);
	assert_int_equal(res.data.via.map.ptr[9].val.type, MSGPACK_OBJECT_NIL);

	memset(&ev, 0, sizeof(ev));
	ev.kind = DETECT_EV_REGION;
	ev.type = "region_up";
	ev.time = 5;			/* a monotonic clock: not used live */
	ev.region = "KP";
	ev.state = "up";
	ev.previous = "down";
	ev.window = 60;
	assert_true(evt_schema_emit(s, &ev, 0) == 2);
	tapped_keys(keys, sizeof(keys), &res);
	assert_string_equal(keys, "v,seq,ts,type,region,state,previous,"
	    "visibility,prefixes_visible,prefixes_total,eligible_peers,"
	    "units_visible,units_total,min_peers,via,duration,"
	    "worst_visibility,changes,limit,window");
	assert_true(msgpack_object_to_timestamp(&res.data.via.map.ptr[2].val,
	    &ts));
	assert_true(ts.tv_sec > 1700000000);	/* the wall clock */

	memset(&ev, 0, sizeof(ev));
	ev.kind = DETECT_EV_PEER;
	ev.type = "peer_down";
	ev.reason = "hold timer expired";
	assert_true(evt_schema_emit(s, &ev, 1) == 3);
	tapped_keys(keys, sizeof(keys), &res);
	assert_string_equal(keys, "v,seq,ts,type,peer,eligible_peers,reason,"
	    "graceful_restart");
	msgpack_unpacked_destroy(&res);
	free(tapped);
	tapped = NULL;
	evt_fanout_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_order_and_seq, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reconfigure_close, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_schema, setup, teardown),
	};

	log_init(1, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
