/*
 * Event records and the log (bgpd/event/evt_build.c, evt_reader.c, evt_json.c,
 * evt_log.c through the fan-out): records built with the evt_* calls
 * decode back with msgpack-c key by key (envelope, nesting, counts past
 * the fix-size headers, the timestamp extension); seq survives a close
 * and a torn tail; rotation keeps seq continuous; the reader skips
 * damage and bisects by seq, over crafted damage in bounded work, and
 * finds what the plain walk of every candidate finds; JSON output; the
 * tap.  Subscribers: test_evt_stream.c; the fan-out's outputs:
 * test_evt_fanout.c.
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
#include "evt_log.h"
#include "evt_reader.h"
#include "log.h"
#include "evt_util.h"
#include "rnd_util.h"

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


/*
 * Resync over damage.  The reference is the reader before the memo: the
 * plain walk of every candidate, over the file in memory.
 */
struct rd_rec {
	off_t		 off;
	size_t		 len;
	uint64_t	 seq;
};

struct rd_out {
	struct rd_rec	*recs;
	size_t		 n, cap;
	uint64_t	 skipped;
	off_t		 good_end;
};

static void
rd_add(struct rd_out *o, off_t off, size_t len, uint64_t seq)
{
	if (o->n == o->cap) {
		o->cap = o->cap == 0 ? 64 : 2 * o->cap;
		assert_non_null(o->recs = realloc(o->recs,
		    o->cap * sizeof(*o->recs)));
	}
	o->recs[o->n].off = off;
	o->recs[o->n].len = len;
	o->recs[o->n++].seq = seq;
}

/* Where the next record may start at or after pos (the reader's rule). */
static size_t
ref_candidate(const uint8_t *b, size_t size, size_t pos)
{
	static const uint8_t	marker[] = { 0xa1, 'v', 1, 0xa3, 's', 'e',
		'q' };
	size_t			m;

	for (m = pos; m + sizeof(marker) <= size; m++) {
		if (memcmp(b + m, marker, sizeof(marker)) != 0)
			continue;
		if (m >= pos + 1 && (b[m - 1] & 0xf0) == 0x80)
			return m - 1;
		if (m >= pos + 3 && b[m - 3] == 0xde)
			return m - 3;
	}
	return SIZE_MAX;
}

/* What evt_reader_next() returns from start (seek with resync) on. */
static void
ref_read(const uint8_t *b, size_t size, size_t start, int resync,
    struct rd_out *o)
{
	msgpack_unpacked	 res;
	size_t			 pos = start, olen, off, c;
	uint64_t		 skipping = 0, seq;
	int			 rs, aligning, rv;

	rs = aligning = resync && start > 0;
	o->n = 0;
	o->skipped = 0;
	o->good_end = (off_t)start;
	msgpack_unpacked_init(&res);
	for (;;) {
		if (rs) {
			if ((c = ref_candidate(b, size, pos)) == SIZE_MAX)
				break;
			if (!aligning)
				skipping += c - pos;
			pos = c;
			rs = 0;
		}
		rv = evt_msgpack_skim(b + pos, size - pos, EVT_MAX_SIZE,
		    &olen);
		if (rv == 0)
			break;
		off = 0;
		if (rv == 1 && msgpack_unpack_next(&res, (const char *)b + pos,
		    olen, &off) == MSGPACK_UNPACK_SUCCESS && off == olen &&
		    evt_record_check(&res.data, &seq) == 0) {
			rd_add(o, (off_t)pos, olen, seq);
			pos += olen;
			o->good_end = (off_t)pos;
			aligning = 0;
			o->skipped += skipping;
			skipping = 0;
			continue;
		}
		pos++;
		if (!aligning)
			skipping++;
		rs = 1;
	}
	msgpack_unpacked_destroy(&res);
}

/* The rest of what r reads, skipped counted from here. */
static void
rd_read(struct evt_reader *r, struct rd_out *o)
{
	struct evt_record	rec;
	uint64_t		skipped = evt_reader_skipped(r);
	int			rv;

	o->n = 0;
	while ((rv = evt_reader_next(r, &rec)) == 1)
		rd_add(o, rec.off, rec.len, rec.seq);
	assert_int_equal(rv, 0);
	o->skipped = evt_reader_skipped(r) - skipped;
	o->good_end = evt_reader_good_end(r);
}

static void
rd_same(const struct rd_out *a, const struct rd_out *b)
{
	size_t	i;

	assert_int_equal(a->n, b->n);
	for (i = 0; i < a->n; i++) {
		assert_int_equal(a->recs[i].off, b->recs[i].off);
		assert_int_equal(a->recs[i].len, b->recs[i].len);
		assert_int_equal(a->recs[i].seq, b->recs[i].seq);
	}
	assert_int_equal(a->skipped, b->skipped);
	assert_int_equal(a->good_end, b->good_end);
}

static void
put_file(const char *path, const uint8_t *b, size_t len)
{
	int	fd;

	assert_int_not_equal(fd = open(path, O_WRONLY | O_CREAT | O_TRUNC,
	    0600), -1);
	assert_int_equal(write(fd, b, len), (ssize_t)len);
	close(fd);
}

/* A log of n events, some with a list of a few hundred members. */
static uint8_t *
make_log(uint64_t n, size_t *len)
{
	struct config_events	 c;
	struct evt_fanout	*s;
	struct evt		*e;
	uint64_t		 i, j;

	conf_init(&c, NULL);
	c.log_path = NULL;
	unlink(logpath);
	c.log_path = logpath;
	s = open_fo(NULL, &c);
	for (i = 1; i <= n; i++) {
		if (i % 7 != 0) {
			assert_true(emit_small(s, i) == i);
			continue;
		}
		e = evt_new("region_down", NULL);
		evt_str(e, "region", "KP");
		evt_array(e, "prefixes");
		for (j = 0; j < i % 300; j++)
			evt_elem_uint(e, j * i);
		evt_end(e);
		assert_true(evt_fanout_emit(s, e) == i);
	}
	evt_fanout_close(s);
	return read_file(logpath, len);
}

static const uint8_t	crafted_unit[8] = { 0x82, 0xa1, 0x76, 0x01, 0xa3,
	0x73, 0x65, 0x71 };

static uint8_t *
crafted(size_t len)
{
	uint8_t	*b;
	size_t	 i;

	assert_non_null(b = malloc(len));
	for (i = 0; i < len; i++)
		b[i] = crafted_unit[i % sizeof(crafted_unit)];
	return b;
}

/* The records' offsets in a log read whole. */
static struct rd_out
log_records(const char *path)
{
	struct evt_reader	*r;
	struct rd_out		 o;
	char			 err[256];

	memset(&o, 0, sizeof(o));
	assert_non_null(r = evt_reader_open(path, err, sizeof(err)));
	rd_read(r, &o);
	evt_reader_close(r);
	return o;
}

/* Opens path as the daemon opens its log; the skim items it took. */
static uint64_t
prepare_log(int *rv, uint64_t *last, off_t *size)
{
	struct config_events	 c;
	struct evt_log_pending	 p;
	struct evt_log		*l;
	char			 err[512];
	uint64_t		 steps = evt_reader_skim_steps();

	conf_init(&c, NULL);
	l = evt_log_new(NULL);
	*rv = evt_log_prepare(l, &c, &p, err, sizeof(err));
	*last = *rv == 0 ? p.last : 0;
	*size = file_size(logpath);
	if (*rv == 0) {
		assert_true(p.size == *size);
		evt_log_abort(&p);
	} else
		assert_non_null(strstr(err, "not an event log"));
	evt_log_free(l);
	return evt_reader_skim_steps() - steps;
}

#define CRAFTED_LEN	(1024 * 1024 + 5)
#define CRAFTED_STEPS	16ULL	/* skim items per byte read, at most */

/*
 * The crafted damage of docs/fuzzing.md (each marker's map holds the
 * next one's) between records, read every way: the same records, and
 * a bounded number of skim items (about 4,000 per byte before the memo).
 */
static void
test_resync_crafted(void **state)
{
	struct evt_reader	*r;
	struct evt_record	 rec;
	struct rd_out		 log, o;
	uint8_t			*good, *bad, *file;
	size_t			 glen, half, flen, i;
	char			 err[256];
	uint64_t		 steps, last, seq;
	off_t			 size;
	int			 rv;

	(void)state;
	good = make_log(200, &glen);
	log = log_records(logpath);
	assert_int_equal(log.n, 200);
	half = (size_t)log.recs[100].off;	/* seqs 1..100, 101..200 */
	bad = crafted(CRAFTED_LEN);
	flen = glen + CRAFTED_LEN;
	assert_non_null(file = malloc(flen));
	memcpy(file, good, half);
	memcpy(file + half, bad, CRAFTED_LEN);
	memcpy(file + half + CRAFTED_LEN, good + half, glen - half);
	put_file(logpath, file, flen);

	/* From the start: all 200, the crafted bytes skipped. */
	steps = evt_reader_skim_steps();
	assert_non_null(r = evt_reader_open(logpath, err, sizeof(err)));
	memset(&o, 0, sizeof(o));
	rd_read(r, &o);
	assert_int_equal(o.n, 200);
	for (i = 0; i < 200; i++) {
		assert_true(o.recs[i].seq == i + 1);
		assert_int_equal(o.recs[i].off, log.recs[i].off +
		    (i >= 100 ? CRAFTED_LEN : 0));
	}
	assert_int_equal(o.skipped, CRAFTED_LEN);
	assert_int_equal(o.good_end, (off_t)flen);
	steps = evt_reader_skim_steps() - steps;
	print_message("from the start: %" PRIu64 " skim items, %zu bytes\n",
	    steps, flen);
	assert_true(steps <= CRAFTED_STEPS * flen);

	/*
	 * Seek by seq: past the damage, to the first record after it, into
	 * the records before it.  A bisection reads the file twice at most.
	 */
	for (i = 0; i < 3; i++) {
		seq = i == 0 ? 150 : i == 1 ? 101 : 42;
		steps = evt_reader_skim_steps();
		assert_int_equal(evt_reader_seek_seq(r, seq), 0);
		assert_int_equal(evt_reader_next(r, &rec), 1);
		assert_true(rec.seq == seq);
		assert_int_equal(rec.off, log.recs[seq - 1].off +
		    (seq > 100 ? CRAFTED_LEN : 0));
		steps = evt_reader_skim_steps() - steps;
		print_message("seek to seq %" PRIu64 ": %" PRIu64 " skim "
		    "items\n", seq, steps);
		assert_true(steps <= 2 * CRAFTED_STEPS * flen);
	}

	/* Seek by offset into the damage, with resync: record 101 next. */
	steps = evt_reader_skim_steps();
	assert_int_equal(evt_reader_seek(r, (off_t)(half + 12345), 1), 0);
	rd_read(r, &o);
	assert_int_equal(o.n, 100);
	assert_true(o.recs[0].seq == 101);
	assert_int_equal(o.skipped, 0);
	assert_int_equal(o.good_end, (off_t)flen);
	steps = evt_reader_skim_steps() - steps;
	print_message("seek by offset: %" PRIu64 " skim items\n", steps);
	assert_true(steps <= CRAFTED_STEPS * flen);
	evt_reader_close(r);

	/* The daemon's open: the last seq from the tail, nothing cut. */
	steps = prepare_log(&rv, &last, &size);
	print_message("evt_log_prepare: %" PRIu64 " skim items\n", steps);
	assert_int_equal(rv, 0);
	assert_true(last == 200);
	assert_int_equal(size, (off_t)flen);
	assert_true(steps <= CRAFTED_STEPS * flen);

	/* Damage at the end: the whole file scanned, the damage cut. */
	put_file(logpath, file, half + CRAFTED_LEN);
	steps = prepare_log(&rv, &last, &size);
	print_message("evt_log_prepare, torn: %" PRIu64 " skim items\n",
	    steps);
	assert_int_equal(rv, 0);
	assert_true(last == 100);
	assert_int_equal(size, (off_t)half);
	assert_true(steps <= 2 * CRAFTED_STEPS * (half + CRAFTED_LEN));

	/* Nothing but damage: no log, not cut. */
	put_file(logpath, bad, CRAFTED_LEN);
	steps = prepare_log(&rv, &last, &size);
	print_message("evt_log_prepare, no record: %" PRIu64 " skim items\n",
	    steps);
	assert_int_equal(rv, -1);
	assert_int_equal(size, CRAFTED_LEN);
	assert_true(steps <= 2 * CRAFTED_STEPS * CRAFTED_LEN);

	free(log.recs);
	free(o.recs);
	free(file);
	free(bad);
	free(good);
}

static uint64_t	rnd_state = 0x9e3779b97f4a7c15ULL;

static uint32_t
rnd(void)
{
	return (uint32_t)(xorshift64(&rnd_state) >> 16);
}

/* Up to 2 KiB of msgpack items of every kind, nested, some too long. */
static size_t
damaged_items(uint8_t *b, size_t cap)
{
	static const uint8_t	heads[] = { 0x81, 0x82, 0x8f, 0x80, 0x91,
		0x93, 0x9f, 0x90, 0xdc, 0xdd, 0xde, 0xdf, 0xc4, 0xc5, 0xd9, 0xda,
		0xdb, 0xa1, 0xa3, 0xbf, 0x01, 0x7f, 0xe0, 0xc0, 0xc1, 0xcc, 0xcd,
		0xd3, 0xd4, 0xd8, 0xc7, 0xc9 };
	size_t			n = 0, i, end = rnd() % 2048;
	uint8_t			h;

	if (end > cap - 8)
		end = cap - 8;
	while (n < end) {
		b[n++] = h = heads[rnd() % sizeof(heads)];
		if (h == 0xdc || h == 0xde || h == 0xc5 || h == 0xda) {
			b[n++] = rnd() % 4 == 0 ? 0xff : 0;
			b[n++] = (uint8_t)(rnd() % 40);
		} else if (h == 0xdd || h == 0xdf || h == 0xdb || h == 0xc9) {
			for (i = 0; i < 4; i++)
				b[n++] = rnd() % 3 == 0 ? (uint8_t)rnd() : 0;
		} else if (h == 0xc4 || h == 0xd9 || h == 0xc7)
			b[n++] = (uint8_t)(rnd() % 24);
	}
	return n;
}

/*
 * A damaged log: records of the pool whole and torn, random bytes,
 * random items, crafted units, fake record starts, runs of zeros or
 * 0xc1, bit flips.
 */
static size_t
make_damaged(const uint8_t *pool, const struct rd_out *recs, uint8_t *b,
    size_t cap)
{
	static const uint8_t	marker[] = { 0xa1, 'v', 1, 0xa3, 's', 'e',
		'q' };
	const struct rd_rec	*rr;
	size_t			 len = 0, n, i, nseg = 1 + rnd() % 16;

	while (nseg-- > 0 && len + 4096 < cap) {
		rr = &recs->recs[rnd() % recs->n];
		switch (rnd() % 10) {
		case 8:
			n = damaged_items(b + len, cap - len);
			break;
		case 0: case 1: case 2:
			n = rr->len < cap - len ? rr->len : 0;
			memcpy(b + len, pool + rr->off, n);
			break;
		case 3:
			n = rnd() % rr->len;
			n = n < cap - len ? n : 0;
			memcpy(b + len, pool + rr->off, n);
			break;
		case 4:
			n = 1 + rnd() % 64;
			for (i = 0; i < n; i++)
				b[len + i] = (uint8_t)rnd();
			break;
		case 5:
			n = rnd() % 2400;
			if (n > cap - len)
				n = cap - len;
			for (i = 0; i < n; i++)
				b[len + i] = crafted_unit[i % 8];
			break;
		case 6:
			n = 0;
			if (rnd() % 2)
				b[len + n++] = (uint8_t)(0x80 | (rnd() & 0x0f));
			else {
				b[len + n++] = 0xde;
				b[len + n++] = (uint8_t)(rnd() % 3);
				b[len + n++] = (uint8_t)rnd();
			}
			memcpy(b + len + n, marker, sizeof(marker));
			n += sizeof(marker);
			for (i = rnd() % 24; i > 0; i--)
				b[len + n++] = (uint8_t)rnd();
			break;
		default:
			n = 1 + rnd() % 300;
			memset(b + len, rnd() % 2 ? 0 : 0xc1, n);
			break;
		}
		len += n;
	}
	for (i = rnd() % 4; i > 0 && len > 0; i--)
		b[rnd() % len] ^= (uint8_t)(1 << (rnd() % 8));
	return len;
}

/* The records after a seek by seq, the reader's plain skim set to plain. */
static void
seq_read(uint64_t plain, uint64_t seq, struct rd_out *o)
{
	struct evt_reader	*r;
	char			 err[256];

	evt_reader_test_plain(plain);
	assert_non_null(r = evt_reader_open(logpath, err, sizeof(err)));
	assert_int_equal(evt_reader_seek_seq(r, seq), 0);
	rd_read(r, o);
	evt_reader_close(r);
}

#define DIFF_FILES	400

/*
 * Random damaged logs (seeded): the reader with the memo from its first
 * skim, from its 37th item, and by default, finds what the plain walk of
 * every candidate finds, from the start and after seeks; seek by seq and
 * the daemon's open agree with the plain reader's.
 */
static void
test_resync_differential(void **state)
{
	/* The last: the memo at once, without its memory (walked). */
	uint64_t		 plains[] = { 0, 37, 0, 0 };
	struct evt_reader	*r;
	struct rd_out		 recs, ref, o, o2;
	uint8_t			*pool, *b;
	size_t			 plen, cap = 256 * 1024, len, off, f, m, k;
	char			 err[256];
	uint64_t		 seq, last[2];
	off_t			 size[2];
	int			 rv[2];

	(void)state;
	plains[2] = evt_reader_test_plain(0);	/* the default */
	pool = make_log(600, &plen);
	recs = log_records(logpath);
	assert_int_equal(recs.n, 600);
	assert_non_null(b = malloc(cap));
	memset(&ref, 0, sizeof(ref));
	memset(&o, 0, sizeof(o));
	memset(&o2, 0, sizeof(o2));
	for (f = 0; f < DIFF_FILES; f++) {
		/* A few files span several reader buffers. */
		len = make_damaged(pool, &recs, b, f % 50 == 7 ? cap : 24576);
		put_file(logpath, b, len);
		for (m = 0; m < sizeof(plains) / sizeof(plains[0]); m++) {
			evt_reader_test_plain(plains[m]);
			evt_reader_test_nomemo(m == 3);
			assert_non_null(r = evt_reader_open(logpath, err,
			    sizeof(err)));
			ref_read(b, len, 0, 0, &ref);
			rd_read(r, &o);
			rd_same(&o, &ref);
			for (k = 0; k < 3 && len > 0; k++) {
				off = rnd() % len;
				ref_read(b, len, off, 1, &ref);
				assert_int_equal(evt_reader_seek(r, (off_t)off,
				    1), 0);
				rd_read(r, &o);
				rd_same(&o, &ref);
			}
			evt_reader_close(r);
		}
		evt_reader_test_nomemo(0);
		seq = rnd() % 650;
		seq_read(UINT64_MAX, seq, &o);
		seq_read(0, seq, &o2);
		rd_same(&o, &o2);
		if (f % 8 == 0) {
			for (m = 0; m < 2; m++) {
				evt_reader_test_plain(m == 0 ? UINT64_MAX : 0);
				put_file(logpath, b, len);
				(void)prepare_log(&rv[m], &last[m], &size[m]);
			}
			assert_int_equal(rv[0], rv[1]);
			assert_true(last[0] == last[1]);
			assert_int_equal(size[0], size[1]);
		}
	}
	evt_reader_test_plain(plains[2]);
	free(ref.recs);
	free(o.recs);
	free(o2.recs);
	free(recs.recs);
	free(b);
	free(pool);
}

/*
 * An object after a marker that ends, or would end, within a few bytes
 * of EVT_MAX_SIZE from the record start: an array16 of fixints or a
 * str16, with the map's further members pending; markers inside.
 */
static size_t
near_max(uint8_t *b, size_t cap)
{
	static const uint8_t	marker[] = { 0xa1, 'v', 1, 0xa3, 's', 'e',
		'q' };
	size_t			n = 0, i, count, hl;

	if (cap < EVT_MAX_SIZE + 64)
		return 0;
	if (rnd() % 2)
		b[n++] = (uint8_t)(0x82 + rnd() % 3);	/* 2 to 4 pairs */
	else {
		b[n++] = 0xde;
		b[n++] = 0;
		b[n++] = (uint8_t)(2 + rnd() % 3);
	}
	hl = n;
	memcpy(b + n, marker, sizeof(marker));
	n += sizeof(marker);
	count = EVT_MAX_SIZE - hl - sizeof(marker) - 3 - 6 + rnd() % 12;
	b[n++] = rnd() % 2 ? 0xdc : 0xda;	/* array16, str16 */
	b[n++] = (uint8_t)(count >> 8);
	b[n++] = (uint8_t)count;
	memset(b + n, 0x01, count);
	for (i = rnd() % 4; i > 0; i--)		/* markers on the way */
		memcpy(b + n + rnd() % (count - 16), marker, sizeof(marker));
	n += count;
	for (i = rnd() % 8; i > 0; i--)		/* members after it */
		b[n++] = (uint8_t)(rnd() % 3 == 0 ? 0xc1 : rnd() % 0x80);
	return n;
}

/*
 * Every answer of the memo is the plain walk's, on files of a few
 * buffers with objects ending near EVT_MAX_SIZE, crafted units, random
 * items and records (read from the start, and after seeks).
 */
static void
test_resync_memo_walk(void **state)
{
	struct evt_reader	*r;
	struct rd_out		 recs, o;
	uint8_t			*pool, *b;
	size_t			 plen, cap = 700 * 1024, len, n, f, k;
	char			 err[256];
	uint64_t		 plain;

	(void)state;
	pool = make_log(300, &plen);
	recs = log_records(logpath);
	assert_non_null(b = malloc(cap));
	memset(&o, 0, sizeof(o));
	plain = evt_reader_test_plain(0);
	(void)evt_reader_test_check(1);
	for (f = 0; f < 10; f++) {
		for (len = 0; len + EVT_MAX_SIZE + 4096 < cap; len += n)
			if (rnd() % 3 == 0)
				n = near_max(b + len, cap - len);
			else
				n = make_damaged(pool, &recs, b + len,
				    len + 2 * 4096 + EVT_MAX_SIZE < cap ?
				    2 * 4096 + EVT_MAX_SIZE : cap - len);
		put_file(logpath, b, len);
		assert_non_null(r = evt_reader_open(logpath, err,
		    sizeof(err)));
		rd_read(r, &o);
		for (k = 0; k < 4; k++) {
			assert_int_equal(evt_reader_seek(r,
			    (off_t)(rnd() % len), 1), 0);
			rd_read(r, &o);
		}
		evt_reader_close(r);
	}
	assert_true(evt_reader_test_check(0) == 0);
	evt_reader_test_plain(plain);
	free(o.recs);
	free(recs.recs);
	free(b);
	free(pool);
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
		cmocka_unit_test_setup_teardown(test_resync_crafted, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_resync_differential,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_resync_memo_walk, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tap, setup, teardown),
	};

	log_init(1, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
