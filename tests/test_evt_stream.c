/*
 * The stream output (bgpd/event/evt_stream.c, evt_stream_listen.c): unix
 * subscribers driven in-process with EVLOOP_NONBLOCK: live, replay with
 * live events emitted while it runs (no gap, no duplicate), "follow":
 * false, the request timeout, queue-limit and garbage senders, and a
 * reload that moves the log and removes the listener.
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
	struct evt_fanout	*s;
	struct client		 cl, cl2;
	uint64_t		 i;

	(void)state;
	assert_non_null(base = event_base_new());
	conf_init(&c, &sub);
	s = open_fo(base, &c);
	assert_true((file_size(sockpath) >= 0));
	for (i = 1; i <= 3; i++)
		emit_small(s, i);
	client_connect(&cl);
	client_request(&cl, -1, 1);	/* {}: live now */
	/* A second one says nothing and goes live after the timeout. */
	client_connect(&cl2);
	pump(base, 5);
	assert_int_equal(nsubs(s), 2);
	for (i = 4; i <= 10; i++)
		emit_small(s, i);
	assert_true(client_expect(base, &cl, 4, 7, 1000) == 7);
	assert_true(client_expect(base, &cl2, 4, 7, 3000) == 7);
	emit_small(s, 11);
	assert_true(client_expect(base, &cl2, 4, 8, 1000) == 8);
	client_close(&cl);
	client_close(&cl2);
	pump(base, 5);
	assert_int_equal(nsubs(s), 0);
	evt_fanout_close(s);
	assert_true(file_size(sockpath) == -1);
	event_base_free(base);
}

static void
test_sub_replay(void **state)
{
	struct config_events	 c;
	struct config_subscriber sub;
	struct event_base	*base;
	struct evt_fanout	*s;
	struct client		 cl;
	uint64_t		 i, seq = 1;

	(void)state;
	assert_non_null(base = event_base_new());
	conf_init(&c, &sub);
	c.log_max_size = 256 * 1024;	/* the replay crosses files */
	c.log_keep = 10;
	s = open_fo(base, &c);
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
	evt_fanout_close(s);
	event_base_free(base);
}

static void
test_sub_queue_limit(void **state)
{
	struct config_events	 c;
	struct config_subscriber sub;
	struct event_base	*base;
	struct evt_fanout	*s;
	struct client		 cl;
	struct evt		*e;
	char			 pad[1024];
	int			 i;

	(void)state;
	assert_non_null(base = event_base_new());
	conf_init(&c, &sub);
	c.queue_limit = 64 * 1024;
	s = open_fo(base, &c);
	client_connect(&cl);
	client_request(&cl, -1, 1);
	pump(base, 3);
	assert_int_equal(nsubs(s), 1);
	memset(pad, 'p', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	/* The client never reads: kernel buffers fill, then the queue. */
	for (i = 0; i < 5000 && nsubs(s) > 0; i++) {
		e = evt_new("padding", NULL);
		evt_str(e, "pad", pad);
		evt_fanout_emit(s, e);
		event_base_loop(base, EVLOOP_NONBLOCK);
	}
	assert_int_equal(nsubs(s), 0);
	client_close(&cl);
	evt_fanout_close(s);
	event_base_free(base);
}

static void
test_sub_garbage(void **state)
{
	struct config_events	 c;
	struct config_subscriber sub;
	struct event_base	*base;
	struct evt_fanout	*s;
	struct client		 cl;
	uint8_t			 junk[600];

	(void)state;
	assert_non_null(base = event_base_new());
	conf_init(&c, &sub);
	s = open_fo(base, &c);
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
	assert_int_equal(nsubs(s), 1);
	client_send(&cl, junk, sizeof(junk));
	pump(base, 3);
	assert_int_equal(nsubs(s), 0);
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
	assert_int_equal(nsubs(s), 0);
	client_close(&cl);
	evt_fanout_close(s);
	event_base_free(base);
}

static void
test_reconfigure(void **state)
{
	struct config_events	 c, c2;
	struct config_subscriber sub;
	struct event_base	*base;
	struct evt_fanout	*s;
	struct client		 cl;
	char			 log2[PATH_MAX + 8], err[512];

	(void)state;
	assert_non_null(base = event_base_new());
	conf_init(&c, &sub);
	s = open_fo(base, &c);
	emit_small(s, 1);
	client_connect(&cl);
	client_request(&cl, -1, 1);
	pump(base, 3);
	/* New log path: seq does not go back; the subscriber stays. */
	c2 = c;
	snprintf(log2, sizeof(log2), "%s.new", logpath);
	c2.log_path = log2;
	assert_int_equal(evt_fanout_reconfigure(s, &c2, err, sizeof(err)), 0);
	assert_true(emit_small(s, 2) == 2);
	assert_true(client_expect(base, &cl, 2, 1, 1000) == 1);
	assert_true(file_size(log2) > 0);
	/* Without subscribers: the listener goes, the socket file too. */
	c2.nsubs = 0;
	assert_int_equal(evt_fanout_reconfigure(s, &c2, err, sizeof(err)), 0);
	assert_true(file_size(sockpath) == -1);
	client_close(&cl);
	evt_fanout_close(s);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
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
	};

	log_init(1, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
