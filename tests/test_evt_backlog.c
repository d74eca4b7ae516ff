/*
 * The event log's backlog (bgpd/event/evt_backlog.c): records held in
 * order while the writer fails and written in that order when it works
 * again; past the cap, the missing seqs become one gap record (type
 * "gap", first, last, reason) carrying the seq of the last missing
 * event, written between the records held before and after it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "evt_backlog.h"
#include "evt_reader.h"

struct sink {
	int		 fail;		/* writes fail while set */
	uint64_t	 seqs[64];
	size_t		 n;
	uint8_t		 gap[512];
	size_t		 gaplen;
};

static int
sink_write(void *arg, const uint8_t *rec, size_t len, uint64_t seq)
{
	struct sink	*s = arg;

	if (s->fail)
		return -1;
	if (len > 2 && len < sizeof(s->gap) && rec[0] != 'R') {
		memcpy(s->gap, rec, len);
		s->gaplen = len;
	}
	s->seqs[s->n++] = seq;
	return 0;
}

static const msgpack_object *
get(const msgpack_object *m, const char *key)
{
	uint32_t	i;

	for (i = 0; i < m->via.map.size; i++)
		if (m->via.map.ptr[i].key.via.str.size == strlen(key) &&
		    memcmp(m->via.map.ptr[i].key.via.str.ptr, key,
		    strlen(key)) == 0)
			return &m->via.map.ptr[i].val;
	return NULL;
}

static void
test_hold_and_gap(void **state)
{
	struct evt_backlog	*b = evt_backlog_new(30);	/* 3 records */
	struct sink		 s;
	const uint8_t		 rec[10] = "R123456789";
	msgpack_unpacked	 res;
	const msgpack_object	*v;
	uint64_t		 seq, i;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.fail = 1;
	for (i = 1; i <= 3; i++)
		assert_int_equal(evt_backlog_push(b, rec, 10, i, "x"), 1);
	for (i = 4; i <= 6; i++)
		assert_int_equal(evt_backlog_push(b, rec, 10, i,
		    "write: No space left on device"), 0);
	assert_int_equal(evt_backlog_items(b), 4);	/* 3 records, 1 gap */
	assert_int_equal(evt_backlog_bytes(b), 30);
	assert_int_equal(evt_backlog_gap_events(b), 3);
	assert_int_equal(evt_backlog_first(b), 1);
	assert_int_equal(evt_backlog_last(b), 6);
	assert_int_equal(evt_backlog_drain(b, sink_write, &s), 4);
	/* Room again after a partial drain: held after the gap, in order. */
	s.fail = 0;
	assert_int_equal(evt_backlog_drain(b, sink_write, &s), 0);
	assert_int_equal(evt_backlog_push(b, rec, 10, 7, "x"), 1);
	assert_int_equal(evt_backlog_drain(b, sink_write, &s), 0);
	assert_int_equal(s.n, 5);
	assert_int_equal(s.seqs[0], 1);
	assert_int_equal(s.seqs[2], 3);
	assert_int_equal(s.seqs[3], 6);		/* the gap, as seq 6 */
	assert_int_equal(s.seqs[4], 7);
	assert_int_equal(evt_backlog_gaps_written(b), 1);
	msgpack_unpacked_init(&res);
	assert_int_equal(msgpack_unpack_next(&res, (const char *)s.gap,
	    s.gaplen, NULL), MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(evt_record_check(&res.data, &seq), 0);
	assert_int_equal(seq, 6);
	assert_non_null(v = get(&res.data, "type"));
	assert_int_equal(v->via.str.size, 3);
	assert_memory_equal(v->via.str.ptr, "gap", 3);
	assert_non_null(v = get(&res.data, "first"));
	assert_int_equal(v->via.u64, 4);
	assert_non_null(v = get(&res.data, "last"));
	assert_int_equal(v->via.u64, 6);
	assert_non_null(v = get(&res.data, "reason"));
	assert_memory_equal(v->via.str.ptr, "write: No space", 15);
	msgpack_unpacked_destroy(&res);
	evt_backlog_free(b);
}

/* Two outages: two gaps, not one spanning the records between. */
static void
test_two_gaps(void **state)
{
	struct evt_backlog	*b = evt_backlog_new(10);
	struct sink		 s;
	const uint8_t		 rec[10] = "R123456789";

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(evt_backlog_push(b, rec, 10, 1, "a"), 1);
	assert_int_equal(evt_backlog_push(b, rec, 10, 2, "a"), 0);
	assert_int_equal(evt_backlog_drain(b, sink_write, &s), 0);
	assert_int_equal(evt_backlog_push(b, rec, 10, 3, "b"), 1);
	assert_int_equal(evt_backlog_push(b, rec, 10, 4, "b"), 0);
	assert_int_equal(evt_backlog_push(b, rec, 10, 5, "b"), 0);
	assert_int_equal(evt_backlog_drain(b, sink_write, &s), 0);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.seqs[1], 2);
	assert_int_equal(s.seqs[3], 5);
	assert_int_equal(evt_backlog_gaps_written(b), 2);
	assert_int_equal(evt_backlog_gap_events(b), 3);
	evt_backlog_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hold_and_gap),
		cmocka_unit_test(test_two_gaps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
