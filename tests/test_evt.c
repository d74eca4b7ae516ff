/*
 * Event records and the log (bgpd/event/evt_build.c, evt_reader.c, evt_json.c,
 * evt_log.c through the fan-out): records built with the evt_* calls
 * decode back with msgpack-c key by key (envelope, nesting, counts past
 * the fix-size headers, the timestamp extension); seq survives a close
 * and a torn tail; rotation keeps seq continuous; the reader skips
 * damage and bisects by seq; JSON output; the tap.  Subscribers:
 * test_evt_stream.c; the fan-out's outputs: test_evt_fanout.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <msgpack.h>

#include "evt_fanout.h"
#include "evt_json.h"
#include "evt_reader.h"
#include "log.h"
#include "evt_util.h"

static void
test_build_decode(void **state)
{
	struct config_events	 c;
	struct evt_fanout	*s;
	struct evt		*e;
	struct timespec		 ts = { 1714564800, 123456789 };
	struct timespec		 far = { (time_t)1 << 35, 5 };
	msgpack_unpacked	 res;
	msgpack_timestamp	 mts;
	const msgpack_object	*o, *m;
	uint8_t			*buf;
	size_t			 len, off = 0;
	char			 key[8], big[100];
	int			 i;

	(void)state;
	conf_init(&c, NULL);
	s = open_fo(NULL, &c);
	assert_true(evt_fanout_next_seq(s) == 1);
	e = evt_new("region_down", &ts);
	evt_str(e, "region", "KP");
	evt_uint(e, "big", UINT64_MAX);
	evt_int(e, "neg", -5);
	evt_double(e, "visibility", 0.25);
	evt_bool(e, "yes", 1);
	evt_bool(e, "no", 0);
	evt_nil(e, "none");
	evt_strn(e, "bin", "a\0b", 3);
	evt_time(e, "since", &far);
	evt_map(e, "nested");
	evt_map(e, "deeper");
	evt_uint(e, "x", 1);
	evt_end(e);
	evt_array(e, "list");
	evt_elem_str(e, "175.45.176.0/24");
	evt_elem_uint(e, 7);
	evt_map(e, NULL);
	evt_str(e, "k", "v");
	evt_end(e);
	evt_end(e);
	evt_end(e);
	evt_array(e, "many");
	for (i = 0; i < 300; i++)
		evt_elem_uint(e, (uint64_t)i);
	evt_end(e);
	evt_map(e, "wide");
	for (i = 0; i < 20; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		evt_int(e, key, -i);
	}
	evt_end(e);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	evt_str(e, "long", big);
	evt_array(e, "empty");
	evt_end(e);
	assert_true(evt_fanout_emit(s, e) == 1);
	evt_fanout_close(s);

	buf = read_file(logpath, &len);
	msgpack_unpacked_init(&res);
	assert_int_equal(msgpack_unpack_next(&res, (const char *)buf, len,
	    &off), MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(off, len);
	o = &res.data;
	/* Envelope first, in order; 4 + 14 members. */
	assert_int_equal(o->type, MSGPACK_OBJECT_MAP);
	assert_int_equal(o->via.map.size, 4 + 14);
	assert_str(&o->via.map.ptr[0].key, "v");
	assert_uint(&o->via.map.ptr[0].val, EVT_SCHEMA_VERSION);
	assert_str(&o->via.map.ptr[1].key, "seq");
	assert_uint(&o->via.map.ptr[1].val, 1);
	assert_str(&o->via.map.ptr[2].key, "ts");
	m = &o->via.map.ptr[2].val;
	assert_int_equal(m->type, MSGPACK_OBJECT_EXT);
	assert_int_equal(m->via.ext.type, -1);
	assert_int_equal(m->via.ext.size, 8);	/* the 64-bit form */
	assert_true(msgpack_object_to_timestamp(m, &mts));
	assert_true(mts.tv_sec == ts.tv_sec);
	assert_int_equal(mts.tv_nsec, ts.tv_nsec);
	assert_str(&o->via.map.ptr[3].key, "type");
	assert_str(&o->via.map.ptr[3].val, "region_down");

	assert_str(map_get(o, "region"), "KP");
	assert_uint(map_get(o, "big"), UINT64_MAX);
	m = map_get(o, "neg");
	assert_int_equal(m->type, MSGPACK_OBJECT_NEGATIVE_INTEGER);
	assert_int_equal(m->via.i64, -5);
	m = map_get(o, "visibility");
	assert_int_equal(m->type, MSGPACK_OBJECT_FLOAT64);
	assert_true(m->via.f64 == 0.25);
	m = map_get(o, "yes");
	assert_int_equal(m->type, MSGPACK_OBJECT_BOOLEAN);
	assert_true(m->via.boolean);
	assert_false(map_get(o, "no")->via.boolean);
	assert_int_equal(map_get(o, "none")->type, MSGPACK_OBJECT_NIL);
	m = map_get(o, "bin");
	assert_int_equal(m->via.str.size, 3);
	assert_memory_equal(m->via.str.ptr, "a\0b", 3);
	m = map_get(o, "since");
	assert_int_equal(m->via.ext.size, 12);	/* past 34 bits: 96-bit */
	assert_true(msgpack_object_to_timestamp(m, &mts));
	assert_true(mts.tv_sec == far.tv_sec);
	assert_int_equal(mts.tv_nsec, 5);

	m = map_get(o, "nested");
	assert_int_equal(m->via.map.size, 2);
	assert_uint(map_get(map_get(m, "deeper"), "x"), 1);
	m = map_get(m, "list");
	assert_int_equal(m->type, MSGPACK_OBJECT_ARRAY);
	assert_int_equal(m->via.array.size, 3);
	assert_str(&m->via.array.ptr[0], "175.45.176.0/24");
	assert_uint(&m->via.array.ptr[1], 7);
	assert_str(map_get(&m->via.array.ptr[2], "k"), "v");
	m = map_get(o, "many");
	assert_int_equal(m->via.array.size, 300);
	for (i = 0; i < 300; i++)
		assert_uint(&m->via.array.ptr[i], (uint64_t)i);
	m = map_get(o, "wide");
	assert_int_equal(m->via.map.size, 20);
	assert_int_equal(map_get(m, "k19")->via.i64, -19);
	assert_int_equal(map_get(o, "long")->via.str.size, 99);
	assert_int_equal(map_get(o, "empty")->via.array.size, 0);
	msgpack_unpacked_destroy(&res);
	free(buf);
}

static void
test_peer_event_json(void **state)
{
	struct config_events	 c;
	struct evt_fanout	*s;
	struct evt_reader	*r;
	struct evt_record	 rec;
	struct evt		*e;
	struct evbuffer		*out;
	struct timespec		 ts = { 1714564800, 250000000 };
	struct bw_addr		 a;
	char			 err[256], *txt;
	size_t			 n;

	(void)state;
	conf_init(&c, NULL);
	s = open_fo(NULL, &c);
	assert_int_equal(addr_parse("2001:db8::1", &a), 0);
	e = evt_new("peer_down", &ts);
	evt_peer(e, "peer", &a, 4200000000U);
	evt_strn(e, "reason", "bad\"\n\0\xff", 7);
	evt_double(e, "visibility", 1.0);
	evt_double(e, "third", 0.1);
	assert_true(evt_fanout_emit(s, e) == 1);
	evt_fanout_close(s);

	assert_non_null(r = evt_reader_open(logpath, err, sizeof(err)));
	assert_int_equal(evt_reader_next(r, &rec), 1);
	assert_non_null(out = evbuffer_new());
	assert_int_equal(evt_json(out, rec.obj), 0);
	n = evbuffer_get_length(out);
	txt = calloc(1, n + 1);
	evbuffer_remove(out, txt, n);
	assert_string_equal(txt, "{\"v\":1,\"seq\":1,"
	    "\"ts\":\"2024-05-01T12:00:00.250000Z\",\"type\":\"peer_down\","
	    "\"peer\":{\"address\":\"2001:db8::1\",\"asn\":4200000000},"
	    "\"reason\":\"bad\\\"\\u000a\\u0000\\ufffd\",\"visibility\":1.0,"
	    "\"third\":0.1}\n");
	free(txt);
	evbuffer_free(out);
	assert_int_equal(evt_reader_next(r, &rec), 0);
	evt_reader_close(r);
}

static void
test_misuse(void **state)
{
	struct config_events	 c;
	struct evt_fanout	*s;
	struct evt		*e;
	char			*big;
	int			 i;

	(void)state;
	log_init(1, 0);
	conf_init(&c, NULL);
	s = open_fo(NULL, &c);
	/* No event: nothing, no crash. */
	e = NULL;
	evt_str(e, "a", "b");
	evt_map(e, "m");
	evt_end(e);
	assert_true(evt_fanout_emit(s, e) == 0);

	e = evt_new("x", NULL);
	evt_end(e);			/* nothing open */
	assert_true(evt_fanout_emit(s, e) == 0);
	e = evt_new("x", NULL);
	evt_array(e, "a");
	evt_str(e, "key", "in an array");
	evt_end(e);
	assert_true(evt_fanout_emit(s, e) == 0);
	e = evt_new("x", NULL);
	evt_str(e, NULL, "no key");
	assert_true(evt_fanout_emit(s, e) == 0);
	e = evt_new("x", NULL);
	evt_map(e, "open");
	assert_true(evt_fanout_emit(s, e) == 0);
	e = evt_new("x", NULL);
	for (i = 0; i < EVT_MAX_DEPTH + 2; i++)
		evt_map(e, "d");
	for (i = 0; i < EVT_MAX_DEPTH + 2; i++)
		evt_end(e);
	assert_true(evt_fanout_emit(s, e) == 0);
	/* Over EVT_MAX_SIZE: dropped, seq not spent. */
	assert_non_null(big = malloc(EVT_MAX_SIZE / 4));
	memset(big, 'y', EVT_MAX_SIZE / 4 - 1);
	big[EVT_MAX_SIZE / 4 - 1] = '\0';
	e = evt_new("x", NULL);
	for (i = 0; i < 5; i++)
		evt_str(e, "big", big);
	assert_true(evt_fanout_emit(s, e) == 0);
	free(big);
	e = evt_new("x", NULL);
	evt_free(e);
	assert_true(evt_fanout_next_seq(s) == 1);
	assert_int_equal(file_size(logpath), 0);
	assert_true(emit_small(s, 0) == 1);
	evt_fanout_close(s);
}

static void
test_seq_survives(void **state)
{
	struct config_events	 c;
	struct evt_fanout	*s;

	(void)state;
	conf_init(&c, NULL);
	s = open_fo(NULL, &c);
	assert_true(emit_small(s, 1) == 1);
	assert_true(emit_small(s, 2) == 2);
	assert_true(emit_small(s, 3) == 3);
	evt_fanout_close(s);
	s = open_fo(NULL, &c);
	assert_true(evt_fanout_next_seq(s) == 4);
	assert_true(emit_small(s, 4) == 4);
	evt_fanout_close(s);
	/* No log: seq starts at 1 and nothing is written. */
	c.log_path = NULL;
	s = open_fo(NULL, &c);
	assert_true(emit_small(s, 1) == 1);
	evt_fanout_close(s);
}

static void
test_torn_tail(void **state)
{
	struct config_events	 c;
	struct evt_fanout	*s;
	uint8_t			*buf, zeros[300];
	size_t			 len;
	off_t			 good;
	int			 i;

	(void)state;
	conf_init(&c, NULL);
	s = open_fo(NULL, &c);
	for (i = 1; i <= 5; i++)
		assert_true(emit_small(s, (uint64_t)i) == (uint64_t)i);
	evt_fanout_close(s);
	good = file_size(logpath);
	/* A crash in the middle of writing record 6: its first bytes. */
	buf = read_file(logpath, &len);
	append(logpath, buf, len / 5 - 7);
	free(buf);
	assert_true(file_size(logpath) > good);
	s = open_fo(NULL, &c);
	assert_int_equal(file_size(logpath), good);
	assert_true(evt_fanout_next_seq(s) == 6);
	assert_true(emit_small(s, 6) == 6);
	evt_fanout_close(s);
	good = file_size(logpath);
	/* Zeros from a crash before the data blocks were written. */
	memset(zeros, 0, sizeof(zeros));
	append(logpath, zeros, sizeof(zeros));
	s = open_fo(NULL, &c);
	assert_int_equal(file_size(logpath), good);
	assert_true(evt_fanout_next_seq(s) == 7);
	evt_fanout_close(s);
}

static void
test_not_a_log(void **state)
{
	struct config_events	 c;
	char			 err[512];
	uint8_t			*junk;
	size_t			 n = 2 * EVT_MAX_SIZE;

	(void)state;
	conf_init(&c, NULL);
	assert_non_null(junk = malloc(n));
	memset(junk, 0x42, n);
	assert_int_not_equal(creat(logpath, 0600), -1);
	append(logpath, junk, n);
	free(junk);
	assert_null(evt_fanout_open(NULL, &c, err, sizeof(err)));
	assert_non_null(strstr(err, "not an event log"));
	assert_int_equal(file_size(logpath), (off_t)n);
	/* A small text file is not cut either. */
	assert_int_not_equal(creat(logpath, 0600), -1);
	append(logpath, "root:x:0:0:root:/root:/bin/sh\n", 31);
	assert_null(evt_fanout_open(NULL, &c, err, sizeof(err)));
	assert_int_equal(file_size(logpath), 31);
}

/* A crash during the very first write: the start of a record. */
static void
test_torn_first(void **state)
{
	struct config_events	 c;
	struct evt_fanout	*s;
	uint8_t			*buf;
	size_t			 len, cut;

	(void)state;
	conf_init(&c, NULL);
	s = open_fo(NULL, &c);
	emit_small(s, 1);
	evt_fanout_close(s);
	buf = read_file(logpath, &len);
	for (cut = 1; cut < len; cut += 7) {
		assert_int_equal(truncate(logpath, 0), 0);
		append(logpath, buf, cut);
		s = open_fo(NULL, &c);
		assert_int_equal(file_size(logpath), 0);
		assert_true(evt_fanout_next_seq(s) == 1);
		evt_fanout_close(s);
	}
	free(buf);
}

/* The seqs of the records in the file at path, checked contiguous. */
static uint64_t
check_file(const char *path, uint64_t first, uint64_t *last)
{
	struct evt_reader	*r;
	struct evt_record	 rec;
	char			 err[256];
	uint64_t		 n = 0, want = first;

	assert_non_null(r = evt_reader_open(path, err, sizeof(err)));
	while (evt_reader_next(r, &rec) == 1) {
		if (want != 0)
			assert_true(rec.seq == want);
		want = rec.seq + 1;
		*last = rec.seq;
		n++;
	}
	assert_true(evt_reader_good_end(r) == file_size(path));
	assert_true(evt_reader_skipped(r) == 0);
	evt_reader_close(r);
	return n;
}

static void
test_rotation(void **state)
{
	struct config_events	 c;
	struct evt_fanout	*s;
	char			 p1[PATH_MAX + 4], p2[PATH_MAX + 4];
	char			 p3[PATH_MAX + 4];
	uint64_t		 i, last = 0, n2, n1, n0;

	(void)state;
	conf_init(&c, NULL);
	c.log_max_size = 1000;
	c.log_keep = 2;
	snprintf(p1, sizeof(p1), "%s.1", logpath);
	snprintf(p2, sizeof(p2), "%s.2", logpath);
	snprintf(p3, sizeof(p3), "%s.3", logpath);
	s = open_fo(NULL, &c);
	for (i = 1; i <= 50; i++)
		assert_true(emit_small(s, i) == i);
	evt_fanout_close(s);
	assert_true(file_size(p3) == -1);
	assert_true(file_size(logpath) <= 1000);
	assert_true(file_size(p1) <= 1000 && file_size(p1) > 800);
	n2 = check_file(p2, 0, &last);
	n1 = check_file(p1, last + 1, &last);
	n0 = check_file(logpath, last + 1, &last);
	assert_true(last == 50);
	assert_true(n2 > 0 && n1 > 0 && n0 > 0);
	assert_true(n2 + n1 + n0 < 50);
	/* seq continues after a restart, also from a just-rotated log. */
	s = open_fo(NULL, &c);
	assert_true(evt_fanout_next_seq(s) == 51);
	evt_fanout_close(s);
	assert_int_equal(unlink(logpath), 0);
	s = open_fo(NULL, &c);
	assert_true(evt_fanout_next_seq(s) == 51 - n0);
	evt_fanout_close(s);
}

static void
test_reader_damage_and_seek(void **state)
{
	struct config_events	 c;
	struct evt_fanout	*s;
	struct evt_reader	*r;
	struct evt_record	 rec;
	char			 err[256];
	size_t			 rl;
	off_t			 roff;
	uint64_t		 i, n = 0, prev = 0;
	int			 fd;

	(void)state;
	conf_init(&c, NULL);
	s = open_fo(NULL, &c);
	for (i = 1; i <= 30000; i++)
		emit_small(s, i);
	evt_fanout_close(s);
	assert_true(file_size(logpath) > 2 * 1024 * 1024);

	/* Bisection lands exactly. */
	assert_non_null(r = evt_reader_open(logpath, err, sizeof(err)));
	assert_int_equal(evt_reader_seek_seq(r, 23456), 0);
	assert_int_equal(evt_reader_next(r, &rec), 1);
	assert_true(rec.seq == 23456);
	assert_int_equal(evt_reader_seek_seq(r, 1), 0);
	assert_int_equal(evt_reader_next(r, &rec), 1);
	assert_true(rec.seq == 1);
	assert_int_equal(evt_reader_seek_seq(r, 101), 0);
	assert_int_equal(evt_reader_next(r, &rec), 1);
	roff = rec.off;
	rl = rec.len;
	assert_int_equal(evt_reader_seek_seq(r, 99999), 0);
	assert_int_equal(evt_reader_next(r, &rec), 0);
	evt_reader_close(r);

	/* Damage inside record 101: it is skipped, the rest is read. */
	assert_int_not_equal(fd = open(logpath, O_WRONLY), -1);
	assert_int_equal(pwrite(fd, "\xc1\xc1\xc1", 3, roff + 5), 3);
	close(fd);
	assert_non_null(r = evt_reader_open(logpath, err, sizeof(err)));
	while (evt_reader_next(r, &rec) == 1) {
		assert_true(rec.seq > prev);
		assert_true(rec.seq != 101);
		prev = rec.seq;
		n++;
	}
	assert_true(n == 29999);
	assert_true(evt_reader_skipped(r) == rl);
	evt_reader_close(r);
}

static void
test_skim(void **state)
{
	static const uint8_t huge_array[] = { 0xdd, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t huge_str[] = { 0xdb, 0x7f, 0xff, 0xff, 0xff };
	static const uint8_t map1[] = { 0x81, 0xa4, 'f', 'r', 'o', 'm', 0x05 };
	size_t	len;

	(void)state;
	assert_int_equal(evt_msgpack_skim(huge_array, sizeof(huge_array),
	    1024, &len), -1);
	assert_int_equal(evt_msgpack_skim(huge_str, sizeof(huge_str), 1024,
	    &len), -1);
	assert_int_equal(evt_msgpack_skim((const uint8_t *)"\xc1", 1, 1024,
	    &len), -1);
	assert_int_equal(evt_msgpack_skim(map1, 3, 1024, &len), 0);
	assert_int_equal(evt_msgpack_skim(map1, sizeof(map1), 1024, &len), 1);
	assert_int_equal(len, sizeof(map1));
	assert_int_equal(evt_msgpack_skim(map1, sizeof(map1), 5, &len), -1);
}


static void
tap_count(const void *rec, size_t len, uint64_t seq, void *arg)
{
	(void)rec;
	(void)len;
	*(uint64_t *)arg = seq;
}

static void
test_tap(void **state)
{
	struct config_events	 c;
	struct evt_fanout	*s;
	uint64_t		 last = 0;

	(void)state;
	memset(&c, 0, sizeof(c));
	s = open_fo(NULL, &c);
	evt_fanout_tap(s, tap_count, &last);
	emit_small(s, 1);
	emit_small(s, 2);
	assert_true(last == 2);
	evt_fanout_close(s);
}


int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_build_decode, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_peer_event_json, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_misuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seq_survives, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_torn_tail, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_not_a_log, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_torn_first, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rotation, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reader_damage_and_seek,
		    setup, teardown),
		cmocka_unit_test(test_skim),
		cmocka_unit_test_setup_teardown(test_tap, setup, teardown),
	};

	log_init(1, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
