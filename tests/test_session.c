/*
 * session_: what a peer sent before closing is all handed up, even when
 * the reads yielded (a spent loop turn) and whole messages were still
 * queued when the FIN came; and reading is bounded in time per loop
 * turn and shared between connections, whatever a message costs.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/event.h>

#include "config.h"
#include "session.h"

#define NMSG	1000

static struct event_base *base;
static size_t nmsg;
static int closed_seen;

static void
t_connected(struct conn *c)
{
	(void)c;
}

/* Every 16th message takes 16 ms: the turn is spent, the read yields. */
static int
t_message(struct conn *c, uint8_t type, const uint8_t *msg, size_t len)
{
	struct timespec ts = { 0, 16 * 1000 * 1000 };

	(void)c;
	(void)msg;
	assert_int_equal(type, BGP_KEEPALIVE);
	assert_int_equal(len, BGP_HDR_LEN);
	if (nmsg++ % 16 == 0)
		nanosleep(&ts, NULL);
	return 0;
}

static void
t_error(struct conn *c, const struct bgp_err *err)
{
	(void)c;
	(void)err;
	fail_msg("framing error");
}

static void
t_closed(struct conn *c, int err)
{
	assert_int_equal(err, 0);
	closed_seen = 1;
	session_close(c, 0);
	event_base_loopbreak(base);
}

static const struct session_hooks hooks = {
	t_connected, t_message, t_error, t_closed
};

static void
t_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	event_base_loopbreak(base);
}

static void
test_tail_before_eof(void **state)
{
	struct session_ctx ctx;
	struct config_neighbor nb;
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	struct timeval tv = { 20, 0 };
	struct event *tmo;
	struct conn *c;
	uint8_t ka[BGP_HDR_LEN], *all;
	int lfd, fd, dummy_peer, i;
	size_t off;
	ssize_t n;

	(void)state;
	base = event_base_new();
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &salen), 0);

	memset(&nb, 0, sizeof(nb));
	addr_set(&nb.addr, AID_INET, (const uint8_t *)&sa.sin_addr);
	nb.port = ntohs(sa.sin_port);
	session_ctx_init(&ctx, base, &hooks, NULL, NULL);
	c = session_connect(&ctx, (struct peer *)&dummy_peer, &nb);
	assert_non_null(c);
	assert_true((fd = accept(lfd, NULL, NULL)) >= 0);

	/* NMSG KEEPALIVEs, then the FIN: all in the socket at once. */
	memset(ka, 0xff, 16);
	ka[16] = 0;
	ka[17] = BGP_HDR_LEN;
	ka[18] = BGP_KEEPALIVE;
	all = malloc(NMSG * sizeof(ka));
	for (i = 0; i < NMSG; i++)
		memcpy(all + i * sizeof(ka), ka, sizeof(ka));
	for (off = 0; off < NMSG * sizeof(ka); off += (size_t)n)
		assert_true((n = write(fd, all + off, NMSG * sizeof(ka) -
		    off)) > 0);
	close(fd);
	free(all);

	tmo = evtimer_new(base, t_timeout, NULL);
	evtimer_add(tmo, &tv);
	event_base_dispatch(base);
	assert_int_equal(closed_seen, 1);
	assert_int_equal(nmsg, NMSG);

	event_free(tmo);
	session_linger_flush(&ctx);
	close(lfd);
	event_base_free(base);
}

/* Two connections whose every message costs 1 ms of wall time. */
#define NFAIR	300
static struct conn *fair_c[2];
static int fair_last = -1;
static size_t fair_run, fair_maxrun, fair_n[2], fair_turn, fair_maxturn;
static struct event *fair_tick;

static int
t_fair_message(struct conn *c, uint8_t type, const uint8_t *msg, size_t len)
{
	struct timespec ts = { 0, 1000 * 1000 };
	int who = c == fair_c[1];

	(void)msg;
	(void)len;
	assert_int_equal(type, BGP_KEEPALIVE);
	nanosleep(&ts, NULL);
	fair_n[who]++;
	fair_run = who == fair_last ? fair_run + 1 : 1;
	fair_last = who;
	if (fair_run > fair_maxrun)
		fair_maxrun = fair_run;
	if (++fair_turn > fair_maxturn)
		fair_maxturn = fair_turn;
	if (fair_n[0] == NFAIR && fair_n[1] == NFAIR)
		event_base_loopbreak(base);
	return 0;
}

/* A zero timer every loop turn: counts the messages of each turn. */
static void
t_fair_tick(evutil_socket_t fd, short what, void *arg)
{
	static const struct timeval zero = { 0, 0 };

	(void)fd;
	(void)what;
	(void)arg;
	fair_turn = 0;
	evtimer_add(fair_tick, &zero);
}

static const struct session_hooks fair_hooks = {
	t_connected, t_fair_message, t_error, t_closed
};

/*
 * Both connections have NFAIR messages waiting at once.  Neither waits
 * for the other to finish (a visit is SESSION_VISIT_MAX, about two
 * messages here plus the clock interval), and no loop turn reads much
 * more than LOOP_TURN_MAX's worth (15 messages), where a budget in
 * messages read hundreds per turn.
 */
static void
test_fair_and_bounded(void **state)
{
	static const struct timeval zero = { 0, 0 };
	struct session_ctx ctx;
	struct config_neighbor nb;
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	struct timeval tv = { 20, 0 };
	struct event *tmo;
	uint8_t ka[BGP_HDR_LEN], *all;
	int lfd, fd[2], dummy_peer, i, k;
	size_t off;
	ssize_t n;

	(void)state;
	base = event_base_new();
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 2), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &salen), 0);
	memset(&nb, 0, sizeof(nb));
	addr_set(&nb.addr, AID_INET, (const uint8_t *)&sa.sin_addr);
	nb.port = ntohs(sa.sin_port);
	session_ctx_init(&ctx, base, &fair_hooks, NULL, NULL);

	memset(ka, 0xff, 16);
	ka[16] = 0;
	ka[17] = BGP_HDR_LEN;
	ka[18] = BGP_KEEPALIVE;
	all = malloc(NFAIR * sizeof(ka));
	for (i = 0; i < NFAIR; i++)
		memcpy(all + i * sizeof(ka), ka, sizeof(ka));
	for (k = 0; k < 2; k++) {
		fair_c[k] = session_connect(&ctx, (struct peer *)&dummy_peer,
		    &nb);
		assert_non_null(fair_c[k]);
		assert_true((fd[k] = accept(lfd, NULL, NULL)) >= 0);
		for (off = 0; off < NFAIR * sizeof(ka); off += (size_t)n)
			assert_true((n = write(fd[k], all + off,
			    NFAIR * sizeof(ka) - off)) > 0);
	}
	free(all);

	fair_tick = evtimer_new(base, t_fair_tick, NULL);
	evtimer_add(fair_tick, &zero);
	tmo = evtimer_new(base, t_timeout, NULL);
	evtimer_add(tmo, &tv);
	event_base_dispatch(base);
	assert_int_equal(fair_n[0], NFAIR);
	assert_int_equal(fair_n[1], NFAIR);
	/* Visits of 2 ms, the clock read every 4 messages: runs of 4. */
	assert_true(fair_maxrun <= 8);
	/* 15 ms of turn, plus a visit's clock interval. */
	assert_true(fair_maxturn <= 24);

	for (k = 0; k < 2; k++) {
		session_close(fair_c[k], 0);
		close(fd[k]);
	}
	event_free(tmo);
	event_free(fair_tick);
	session_linger_flush(&ctx);
	close(lfd);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tail_before_eof),
		cmocka_unit_test(test_fair_and_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
