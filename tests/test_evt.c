/*
 * Events (bgpd/evt.c, bgpd/sink.c): records built with the evt_* calls
 * decode back with msgpack-c key by key (envelope, nesting, counts past
 * the fix-size headers, the timestamp extension); seq survives a close
 * and a torn tail; rotation keeps seq continuous; the reader skips
 * damage and bisects by seq; JSON output; and unix subscribers driven
 * in-process with EVLOOP_NONBLOCK: live, replay with live events emitted
 * while it runs (no gap, no duplicate), "follow": false, the request
 * timeout, queue-limit and garbage senders.
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

#include "evt.h"
#include "log.h"

static char	tmpdir[64];
static char	logpath[96];
static char	sockpath[96];

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_evt.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	snprintf(logpath, sizeof(logpath), "%s/events.mpk", tmpdir);
	snprintf(sockpath, sizeof(sockpath), "%s/events.sock", tmpdir);
	return 0;
}

static int
teardown(void **state)
{
	char	cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void
conf_init(struct config_events *c, struct config_subscriber *sub)
{
	memset(c, 0, sizeof(*c));
	c->log_path = logpath;
	c->log_keep = 5;
	c->queue_limit = CONF_DEFAULT_QUEUE_LIMIT;
	if (sub != NULL) {
		memset(sub, 0, sizeof(*sub));
		sub->type = CONF_SUB_UNIX;
		sub->path = sockpath;
		sub->mode = 0600;
		c->subs = sub;
		c->nsubs = 1;
	}
}

static struct evt_sink *
open_sink(struct event_base *base, const struct config_events *c)
{
	struct evt_sink	*s;
	char		 err[512] = "";

	s = evt_sink_open(base, c, err, sizeof(err));
	if (s == NULL)
		fail_msg("evt_sink_open: %s", err);
	return s;
}

/* A small event like the detector's prefix_withdrawn. */
static uint64_t
emit_small(struct evt_sink *s, uint64_t i)
{
	struct evt	*e = evt_new(s, "prefix_withdrawn", NULL);
	struct bw_addr	 a;

	assert_int_equal(addr_parse("127.0.0.11", &a), 0);
	evt_str(e, "region", "KP");
	evt_str(e, "prefix", "175.45.176.0/24");
	evt_peer(e, "peer", &a, 64511);
	evt_uint(e, "visible_peers", i);
	evt_uint(e, "eligible_peers", 10);
	return evt_emit(e);
}

static uint8_t *
read_file(const char *path, size_t *len)
{
	struct stat	 st;
	uint8_t		*buf;
	int		 fd;

	assert_int_not_equal(fd = open(path, O_RDONLY), -1);
	assert_int_equal(fstat(fd, &st), 0);
	assert_non_null(buf = malloc((size_t)st.st_size + 1));
	assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

static off_t
file_size(const char *path)
{
	struct stat	st;

	if (stat(path, &st) == -1)
		return -1;
	return st.st_size;
}

static const msgpack_object *
map_get(const msgpack_object *m, const char *key)
{
	uint32_t	i;

	assert_int_equal(m->type, MSGPACK_OBJECT_MAP);
	for (i = 0; i < m->via.map.size; i++) {
		const msgpack_object *k = &m->via.map.ptr[i].key;

		if (k->type == MSGPACK_OBJECT_STR &&
		    k->via.str.size == strlen(key) &&
		    memcmp(k->via.str.ptr, key, k->via.str.size) == 0)
			return &m->via.map.ptr[i].val;
	}
	fail_msg("no key %s", key);
	return NULL;
}

static void
assert_str(const msgpack_object *o, const char *s)
{
	assert_int_equal(o->type, MSGPACK_OBJECT_STR);
	assert_int_equal(o->via.str.size, strlen(s));
	assert_memory_equal(o->via.str.ptr, s, strlen(s));
}

static void
assert_uint(const msgpack_object *o, uint64_t v)
{
	assert_int_equal(o->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
	assert_true(o->via.u64 == v);
}

static void
test_build_decode(void **state)
{
	struct config_events	 c;
	struct evt_sink		*s;
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
	s = open_sink(NULL, &c);
	assert_true(evt_sink_next_seq(s) == 1);
	e = evt_new(s, "region_down", &ts);
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
	assert_true(evt_emit(e) == 1);
	evt_sink_close(s);

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
	struct evt_sink		*s;
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
	s = open_sink(NULL, &c);
	assert_int_equal(addr_parse("2001:db8::1", &a), 0);
	e = evt_new(s, "peer_down", &ts);
	evt_peer(e, "peer", &a, 4200000000U);
	evt_strn(e, "reason", "bad\"\n\0\xff", 7);
	evt_double(e, "visibility", 1.0);
	evt_double(e, "third", 0.1);
	assert_true(evt_emit(e) == 1);
	evt_sink_close(s);

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
	struct evt_sink		*s;
	struct evt		*e;
	char			*big;
	int			 i;

	(void)state;
	log_init(1, 0);
	conf_init(&c, NULL);
	s = open_sink(NULL, &c);
	/* NULL sink: nothing, no crash. */
	e = evt_new(NULL, "x", NULL);
	assert_null(e);
	evt_str(e, "a", "b");
	evt_map(e, "m");
	evt_end(e);
	assert_true(evt_emit(e) == 0);

	e = evt_new(s, "x", NULL);
	evt_end(e);			/* nothing open */
	assert_true(evt_emit(e) == 0);
	e = evt_new(s, "x", NULL);
	evt_array(e, "a");
	evt_str(e, "key", "in an array");
	evt_end(e);
	assert_true(evt_emit(e) == 0);
	e = evt_new(s, "x", NULL);
	evt_str(e, NULL, "no key");
	assert_true(evt_emit(e) == 0);
	e = evt_new(s, "x", NULL);
	evt_map(e, "open");
	assert_true(evt_emit(e) == 0);
	e = evt_new(s, "x", NULL);
	for (i = 0; i < EVT_MAX_DEPTH + 2; i++)
		evt_map(e, "d");
	for (i = 0; i < EVT_MAX_DEPTH + 2; i++)
		evt_end(e);
	assert_true(evt_emit(e) == 0);
	/* Over EVT_MAX_SIZE: dropped, seq not spent. */
	assert_non_null(big = malloc(EVT_MAX_SIZE / 4));
	memset(big, 'y', EVT_MAX_SIZE / 4 - 1);
	big[EVT_MAX_SIZE / 4 - 1] = '\0';
	e = evt_new(s, "x", NULL);
	for (i = 0; i < 5; i++)
		evt_str(e, "big", big);
	assert_true(evt_emit(e) == 0);
	free(big);
	e = evt_new(s, "x", NULL);
	evt_free(e);
	assert_true(evt_sink_next_seq(s) == 1);
	assert_int_equal(file_size(logpath), 0);
	assert_true(emit_small(s, 0) == 1);
	evt_sink_close(s);
}

static void
test_seq_survives(void **state)
{
	struct config_events	 c;
	struct evt_sink		*s;

	(void)state;
	conf_init(&c, NULL);
	s = open_sink(NULL, &c);
	assert_true(emit_small(s, 1) == 1);
	assert_true(emit_small(s, 2) == 2);
	assert_true(emit_small(s, 3) == 3);
	evt_sink_close(s);
	s = open_sink(NULL, &c);
	assert_true(evt_sink_next_seq(s) == 4);
	assert_true(emit_small(s, 4) == 4);
	evt_sink_close(s);
	/* No log: seq starts at 1 and nothing is written. */
	c.log_path = NULL;
	s = open_sink(NULL, &c);
	assert_true(emit_small(s, 1) == 1);
	evt_sink_close(s);
}

static void
append(const char *path, const void *p, size_t len)
{
	int	fd;

	assert_int_not_equal(fd = open(path, O_WRONLY | O_APPEND), -1);
	assert_int_equal(write(fd, p, len), (ssize_t)len);
	close(fd);
}

static void
test_torn_tail(void **state)
{
	struct config_events	 c;
	struct evt_sink		*s;
	uint8_t			*buf, zeros[300];
	size_t			 len;
	off_t			 good;
	int			 i;

	(void)state;
	conf_init(&c, NULL);
	s = open_sink(NULL, &c);
	for (i = 1; i <= 5; i++)
		assert_true(emit_small(s, (uint64_t)i) == (uint64_t)i);
	evt_sink_close(s);
	good = file_size(logpath);
	/* A crash in the middle of writing record 6: its first bytes. */
	buf = read_file(logpath, &len);
	append(logpath, buf, len / 5 - 7);
	free(buf);
	assert_true(file_size(logpath) > good);
	s = open_sink(NULL, &c);
	assert_int_equal(file_size(logpath), good);
	assert_true(evt_sink_next_seq(s) == 6);
	assert_true(emit_small(s, 6) == 6);
	evt_sink_close(s);
	good = file_size(logpath);
	/* Zeros from a crash before the data blocks were written. */
	memset(zeros, 0, sizeof(zeros));
	append(logpath, zeros, sizeof(zeros));
	s = open_sink(NULL, &c);
	assert_int_equal(file_size(logpath), good);
	assert_true(evt_sink_next_seq(s) == 7);
	evt_sink_close(s);
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
	assert_null(evt_sink_open(NULL, &c, err, sizeof(err)));
	assert_non_null(strstr(err, "not an event log"));
	assert_int_equal(file_size(logpath), (off_t)n);
	/* A small text file is not cut either. */
	assert_int_not_equal(creat(logpath, 0600), -1);
	append(logpath, "root:x:0:0:root:/root:/bin/sh\n", 31);
	assert_null(evt_sink_open(NULL, &c, err, sizeof(err)));
	assert_int_equal(file_size(logpath), 31);
}

/* A crash during the very first write: the start of a record. */
static void
test_torn_first(void **state)
{
	struct config_events	 c;
	struct evt_sink		*s;
	uint8_t			*buf;
	size_t			 len, cut;

	(void)state;
	conf_init(&c, NULL);
	s = open_sink(NULL, &c);
	emit_small(s, 1);
	evt_sink_close(s);
	buf = read_file(logpath, &len);
	for (cut = 1; cut < len; cut += 7) {
		assert_int_equal(truncate(logpath, 0), 0);
		append(logpath, buf, cut);
		s = open_sink(NULL, &c);
		assert_int_equal(file_size(logpath), 0);
		assert_true(evt_sink_next_seq(s) == 1);
		evt_sink_close(s);
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
	struct evt_sink		*s;
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
	s = open_sink(NULL, &c);
	for (i = 1; i <= 50; i++)
		assert_true(emit_small(s, i) == i);
	evt_sink_close(s);
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
	s = open_sink(NULL, &c);
	assert_true(evt_sink_next_seq(s) == 51);
	evt_sink_close(s);
	assert_int_equal(unlink(logpath), 0);
	s = open_sink(NULL, &c);
	assert_true(evt_sink_next_seq(s) == 51 - n0);
	evt_sink_close(s);
}

static void
test_reader_damage_and_seek(void **state)
{
	struct config_events	 c;
	struct evt_sink		*s;
	struct evt_reader	*r;
	struct evt_record	 rec;
	char			 err[256];
	size_t			 rl;
	off_t			 roff;
	uint64_t		 i, n = 0, prev = 0;
	int			 fd;

	(void)state;
	conf_init(&c, NULL);
	s = open_sink(NULL, &c);
	for (i = 1; i <= 30000; i++)
		emit_small(s, i);
	evt_sink_close(s);
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

/*
 * Subscribers.
 */

struct client {
	int		 fd;
	uint8_t		*buf;
	size_t		 len, cap;
	int		 eof;
};

static void
client_connect(struct client *cl)
{
	struct sockaddr_un	sun;

	memset(cl, 0, sizeof(*cl));
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sockpath);
	assert_int_not_equal(cl->fd = socket(AF_UNIX, SOCK_STREAM, 0), -1);
	assert_int_equal(connect(cl->fd, (struct sockaddr *)&sun,
	    sizeof(sun)), 0);
	fcntl(cl->fd, F_SETFL, O_NONBLOCK);
}

static void
client_send(struct client *cl, const void *p, size_t len)
{
	assert_int_equal(write(cl->fd, p, len), (ssize_t)len);
}

static void
client_request(struct client *cl, int64_t from, int follow)
{
	msgpack_sbuffer	sb;
	msgpack_packer	pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, (from >= 0) + (follow == 0));
	if (from >= 0) {
		msgpack_pack_str_with_body(&pk, "from", 4);
		msgpack_pack_uint64(&pk, (uint64_t)from);
	}
	if (follow == 0) {
		msgpack_pack_str_with_body(&pk, "follow", 6);
		msgpack_pack_false(&pk);
	}
	client_send(cl, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
}

/* Reads what is there. */
static void
client_read(struct client *cl)
{
	ssize_t	n;

	for (;;) {
		if (cl->cap - cl->len < 65536) {
			cl->cap = cl->cap * 2 + 65536;
			assert_non_null(cl->buf = realloc(cl->buf, cl->cap));
		}
		n = read(cl->fd, cl->buf + cl->len, cl->cap - cl->len);
		if (n == 0 || (n == -1 && errno == ECONNRESET))
			cl->eof = 1;
		if (n <= 0)
			return;
		cl->len += (size_t)n;
	}
}

static void
pump(struct event_base *base, int turns)
{
	while (turns-- > 0) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		usleep(1000);
	}
}

/*
 * Turns the loop and reads until the client holds want records or
 * millis pass.  Checks their seqs are first, first+1, ...  Returns the
 * number of records.
 */
static uint64_t
client_expect(struct event_base *base, struct client *cl, uint64_t first,
    uint64_t want, int millis)
{
	msgpack_unpacked	res;
	size_t			off;
	uint64_t		n, seq;

	msgpack_unpacked_init(&res);
	for (;;) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		client_read(cl);
		off = 0;
		n = 0;
		while (msgpack_unpack_next(&res, (const char *)cl->buf,
		    cl->len, &off) == MSGPACK_UNPACK_SUCCESS) {
			assert_int_equal(evt_record_check(&res.data, &seq), 0);
			if (seq != first + n)
				fail_msg("record %" PRIu64 ": seq %" PRIu64
				    ", want %" PRIu64, n, seq, first + n);
			n++;
		}
		if (n >= want || millis-- <= 0 || cl->eof)
			break;
		usleep(1000);
	}
	msgpack_unpacked_destroy(&res);
	return n;
}

static void
client_close(struct client *cl)
{
	close(cl->fd);
	free(cl->buf);
}

static void
test_sub_live(void **state)
{
	struct config_events	 c;
	struct config_subscriber sub;
	struct event_base	*base;
	struct evt_sink		*s;
	struct client		 cl, cl2;
	uint64_t		 i;

	(void)state;
	assert_non_null(base = event_base_new());
	conf_init(&c, &sub);
	s = open_sink(base, &c);
	assert_true((file_size(sockpath) >= 0));
	for (i = 1; i <= 3; i++)
		emit_small(s, i);
	client_connect(&cl);
	client_request(&cl, -1, 1);	/* {}: live now */
	/* A second one says nothing and goes live after the timeout. */
	client_connect(&cl2);
	pump(base, 5);
	assert_int_equal(evt_sink_nsubscribers(s), 2);
	for (i = 4; i <= 10; i++)
		emit_small(s, i);
	assert_true(client_expect(base, &cl, 4, 7, 1000) == 7);
	assert_true(client_expect(base, &cl2, 4, 7, 3000) == 7);
	emit_small(s, 11);
	assert_true(client_expect(base, &cl2, 4, 8, 1000) == 8);
	client_close(&cl);
	client_close(&cl2);
	pump(base, 5);
	assert_int_equal(evt_sink_nsubscribers(s), 0);
	evt_sink_close(s);
	assert_true(file_size(sockpath) == -1);
	event_base_free(base);
}

static void
test_sub_replay(void **state)
{
	struct config_events	 c;
	struct config_subscriber sub;
	struct event_base	*base;
	struct evt_sink		*s;
	struct client		 cl;
	uint64_t		 i, seq = 1;

	(void)state;
	assert_non_null(base = event_base_new());
	conf_init(&c, &sub);
	c.log_max_size = 256 * 1024;	/* the replay crosses files */
	c.log_keep = 10;
	s = open_sink(base, &c);
	for (; seq <= 10000; seq++)
		emit_small(s, seq);
	client_connect(&cl);
	client_request(&cl, 10, 1);
	/* Live events arrive while the replay is under way, rotating. */
	for (i = 0; i < 200; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		emit_small(s, seq++);
		if (i % 10 == 0)
			client_read(&cl);
	}
	assert_true(client_expect(base, &cl, 10, seq - 10, 5000) ==
	    seq - 10);
	for (i = 0; i < 5; i++)
		emit_small(s, seq++);
	assert_true(client_expect(base, &cl, 10, seq - 10, 1000) ==
	    seq - 10);
	client_close(&cl);

	/* "follow": false: the replay, then the daemon closes. */
	client_connect(&cl);
	client_request(&cl, (int64_t)seq - 50, 0);
	assert_true(client_expect(base, &cl, seq - 50, 50, 3000) == 50);
	emit_small(s, seq++);
	assert_true(client_expect(base, &cl, seq - 51, 51, 200) == 50);
	assert_true(cl.eof);
	client_close(&cl);

	/* From the future: nothing until that seq. */
	client_connect(&cl);
	client_request(&cl, (int64_t)seq + 2, 1);
	pump(base, 3);
	for (i = 0; i < 4; i++)
		emit_small(s, seq++);
	assert_true(client_expect(base, &cl, seq - 2, 2, 1000) == 2);
	client_close(&cl);
	pump(base, 3);
	evt_sink_close(s);
	event_base_free(base);
}

static void
test_sub_queue_limit(void **state)
{
	struct config_events	 c;
	struct config_subscriber sub;
	struct event_base	*base;
	struct evt_sink		*s;
	struct client		 cl;
	struct evt		*e;
	char			 pad[1024];
	int			 i;

	(void)state;
	assert_non_null(base = event_base_new());
	conf_init(&c, &sub);
	c.queue_limit = 64 * 1024;
	s = open_sink(base, &c);
	client_connect(&cl);
	client_request(&cl, -1, 1);
	pump(base, 3);
	assert_int_equal(evt_sink_nsubscribers(s), 1);
	memset(pad, 'p', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	/* The client never reads: kernel buffers fill, then the queue. */
	for (i = 0; i < 5000 && evt_sink_nsubscribers(s) > 0; i++) {
		e = evt_new(s, "padding", NULL);
		evt_str(e, "pad", pad);
		evt_emit(e);
		event_base_loop(base, EVLOOP_NONBLOCK);
	}
	assert_int_equal(evt_sink_nsubscribers(s), 0);
	client_close(&cl);
	evt_sink_close(s);
	event_base_free(base);
}

static void
test_sub_garbage(void **state)
{
	struct config_events	 c;
	struct config_subscriber sub;
	struct event_base	*base;
	struct evt_sink		*s;
	struct client		 cl;
	uint8_t			 junk[600];

	(void)state;
	assert_non_null(base = event_base_new());
	conf_init(&c, &sub);
	s = open_sink(base, &c);
	emit_small(s, 1);
	emit_small(s, 2);
	/* Some junk, then a valid request: still served. */
	client_connect(&cl);
	client_send(&cl, "\xc1\x05\x93\x01\x02\x03", 6);
	client_request(&cl, 1, 1);
	assert_true(client_expect(base, &cl, 1, 2, 1000) == 2);
	client_close(&cl);
	/* More than EVT_REQUEST_MAX bytes of junk: dropped. */
	memset(junk, 0xc1, sizeof(junk));
	client_connect(&cl);
	client_send(&cl, junk, sizeof(junk));
	pump(base, 3);
	assert_int_equal(evt_sink_nsubscribers(s), 1);
	client_send(&cl, junk, sizeof(junk));
	pump(base, 3);
	assert_int_equal(evt_sink_nsubscribers(s), 0);
	client_close(&cl);
	/* A hostile count in a header never reaches the unpacker. */
	client_connect(&cl);
	client_send(&cl, "\xdd\xff\xff\xff\xff", 5);
	pump(base, 3);
	client_request(&cl, 2, 1);
	assert_true(client_expect(base, &cl, 2, 1, 1000) == 1);
	client_close(&cl);
	pump(base, 3);
	/* A request that never ends: dropped at EVT_REQUEST_MAX. */
	client_connect(&cl);
	client_send(&cl, "\xda\x10\x00", 3);	/* str16 of 4096 */
	memset(junk, 'a', sizeof(junk));
	client_send(&cl, junk, sizeof(junk));
	pump(base, 3);
	client_send(&cl, junk, sizeof(junk));
	pump(base, 3);
	assert_int_equal(evt_sink_nsubscribers(s), 0);
	client_close(&cl);
	evt_sink_close(s);
	event_base_free(base);
}

static void
test_reconfigure(void **state)
{
	struct config_events	 c, c2;
	struct config_subscriber sub;
	struct event_base	*base;
	struct evt_sink		*s;
	struct client		 cl;
	char			 log2[PATH_MAX + 8], err[512];

	(void)state;
	assert_non_null(base = event_base_new());
	conf_init(&c, &sub);
	s = open_sink(base, &c);
	emit_small(s, 1);
	client_connect(&cl);
	client_request(&cl, -1, 1);
	pump(base, 3);
	/* New log path: seq does not go back; the subscriber stays. */
	c2 = c;
	snprintf(log2, sizeof(log2), "%s.new", logpath);
	c2.log_path = log2;
	assert_int_equal(evt_sink_reconfigure(s, &c2, err, sizeof(err)), 0);
	assert_true(emit_small(s, 2) == 2);
	assert_true(client_expect(base, &cl, 2, 1, 1000) == 1);
	assert_true(file_size(log2) > 0);
	/* Without subscribers: the listener goes, the socket file too. */
	c2.nsubs = 0;
	assert_int_equal(evt_sink_reconfigure(s, &c2, err, sizeof(err)), 0);
	assert_true(file_size(sockpath) == -1);
	client_close(&cl);
	evt_sink_close(s);
	event_base_free(base);
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
	struct evt_sink		*s;
	uint64_t		 last = 0;

	(void)state;
	memset(&c, 0, sizeof(c));
	s = open_sink(NULL, &c);
	evt_sink_tap(s, tap_count, &last);
	emit_small(s, 1);
	emit_small(s, 2);
	assert_true(last == 2);
	evt_sink_close(s);
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
		cmocka_unit_test_setup_teardown(test_sub_live, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sub_replay, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sub_queue_limit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sub_garbage, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reconfigure, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tap, setup, teardown),
	};

	log_init(1, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
