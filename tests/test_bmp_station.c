/*
 * The BMP station's reads are bounded in time (bgpd/bmp/bmp_station.c,
 * BMP_VISIT_MAX): a router whose Route Monitoring messages cost 1 ms
 * each (the door's observer sleeps, as a message of many prefixes with
 * every country watched costs milliseconds) is read a few messages per
 * loop turn, not a budget of 1,024 messages in one callback.  The
 * station connects to this test's listener (`connect port`: an
 * ephemeral port, no fixed one to collide with) on 127.0.0.1.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bgp.h"
#include "bmp_station.h"
#include "config.h"
#include "intern.h"
#include "rib.h"

#define NMSG	120

static struct event_base *base;
static struct event *tick;
static int	 nann, turn, maxturn, lfd, rfd = -1;
static uint8_t	*stream;
static size_t	 streamlen;

static int
t_interested(void *arg, const struct bw_prefix *p)
{
	(void)arg;
	(void)p;
	return 1;
}

/* A route costs 1 ms here. */
static void
t_announce(void *arg, const struct rib_src *src, const struct bw_prefix *p,
    const struct rattr *a, int newprefix, const struct rib_route *routes,
    size_t nroutes, double now)
{
	struct timespec ts = { 0, 1000 * 1000 };

	(void)arg;
	(void)src;
	(void)p;
	(void)a;
	(void)newprefix;
	(void)routes;
	(void)nroutes;
	(void)now;
	nanosleep(&ts, NULL);
	nann++;
	if (++turn > maxturn)
		maxturn = turn;
	if (nann == NMSG)
		event_base_loopbreak(base);
}

static const struct adjrib_observer t_obs = {
	.interested = t_interested,
	.announce = t_announce,
};

/* A zero timer every loop turn: the routes of each turn are counted. */
static void
t_tick(evutil_socket_t fd, short what, void *arg)
{
	static const struct timeval zero = { 0, 0 };

	(void)fd;
	(void)what;
	(void)arg;
	turn = 0;
	evtimer_add(tick, &zero);
}

static void
t_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	event_base_loopbreak(base);
}

/* The station connected: the whole stream goes out at once. */
static void
t_accept(evutil_socket_t fd, short what, void *arg)
{
	size_t off;
	ssize_t n;

	(void)what;
	(void)arg;
	assert_true((rfd = accept(fd, NULL, NULL)) >= 0);
	for (off = 0; off < streamlen; off += (size_t)n)
		assert_true((n = write(rfd, stream + off, streamlen - off)) > 0);
}

static void
put(uint8_t **p, const void *b, size_t n)
{
	memcpy(*p, b, n);
	*p += n;
}

/* Route Monitoring of 10.i/8's /24 i (one prefix) from 192.0.2.1. */
static size_t
route_monitoring(uint8_t *out, int i)
{
	static const uint8_t attrs[] = {
		0x40, 0x01, 0x01, 0x00,				/* IGP */
		0x40, 0x02, 0x06, 0x02, 0x01, 0x00, 0x00, 0xfd, 0xe9,
		0x40, 0x03, 0x04, 192, 0, 2, 1 };
	uint8_t *p = out, ph[42], nlri[4];
	uint16_t blen;
	uint32_t len;

	memset(ph, 0, sizeof(ph));		/* global, IPv4, 4-octet AS */
	ph[10 + 12] = 192;
	ph[10 + 13] = 0;
	ph[10 + 14] = 2;
	ph[10 + 15] = 1;
	ph[29] = 0xe9;				/* AS 65001 */
	ph[28] = 0xfd;
	ph[33] = 1;				/* BGP ID 0.0.0.1 */
	nlri[0] = 24;
	nlri[1] = 10;
	nlri[2] = (uint8_t)(i >> 8);
	nlri[3] = (uint8_t)i;
	blen = (uint16_t)(BGP_HDR_LEN + 4 + sizeof(attrs) + sizeof(nlri));
	len = (uint32_t)(6 + sizeof(ph) + blen);
	*p++ = 3;
	*p++ = (uint8_t)(len >> 24);
	*p++ = (uint8_t)(len >> 16);
	*p++ = (uint8_t)(len >> 8);
	*p++ = (uint8_t)len;
	*p++ = BMP_ROUTE_MONITORING;
	put(&p, ph, sizeof(ph));
	memset(p, 0xff, 16);
	p += 16;
	*p++ = (uint8_t)(blen >> 8);
	*p++ = (uint8_t)blen;
	*p++ = BGP_UPDATE;
	*p++ = 0;				/* no withdrawn routes */
	*p++ = 0;
	*p++ = 0;
	*p++ = sizeof(attrs);
	put(&p, attrs, sizeof(attrs));
	put(&p, nlri, sizeof(nlri));
	return (size_t)(p - out);
}

static void
test_reads_bounded(void **state)
{
	static const struct timeval zero = { 0, 0 };
	struct timeval tv = { 30, 0 };
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	struct config_errors errs;
	struct bmp_station st;
	struct msgtap tap;
	struct adjrib door;
	struct intern *in;
	struct config *conf;
	struct event *acc, *tmo;
	struct loop lp;
	struct rib *rib;
	uint8_t *scratch;
	char text[256];
	int i;

	(void)state;
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 2), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &salen), 0);
	snprintf(text, sizeof(text), "local-as 65000\nrouter-id 192.0.2.254\n"
	    "bmp {\n router 127.0.0.1 {\n  connect port %u\n }\n}\n",
	    ntohs(sa.sin_port));
	conf = config_parse_buf("bmp.conf", text, strlen(text), &errs);
	if (conf == NULL)
		fail_msg("%s", errs.msg[0]);
	assert_non_null(stream = malloc(NMSG * 128));
	for (i = 0; i < NMSG; i++)
		streamlen += route_monitoring(stream + streamlen, i);

	assert_int_equal(loop_init(&lp), 0);
	base = lp.base;
	in = intern_new();
	rib = rib_new(in);
	adjrib_init(&door, &lp, rib, in, &t_obs, NULL);
	msgtap_init(&tap);
	assert_non_null(scratch = malloc(BGP_SCRATCH_LEN));
	bmp_station_init(&st, &lp, &door, &tap, conf, scratch);
	assert_int_equal(bmp_station_listen(&st), 0);

	acc = event_new(base, lfd, EV_READ, t_accept, NULL);
	event_add(acc, NULL);
	tick = evtimer_new(base, t_tick, NULL);
	evtimer_add(tick, &zero);
	tmo = evtimer_new(base, t_timeout, NULL);
	evtimer_add(tmo, &tv);
	event_base_dispatch(base);
	assert_int_equal(nann, NMSG);
	/*
	 * A visit of 2 ms, the clock read every 4 small messages: 4 a turn
	 * (a budget of 1,024 messages read all of them in one).
	 */
	assert_true(maxturn <= 8);
	assert_true(maxturn >= 1);

	bmp_station_free(&st);
	event_free(acc);
	event_free(tick);
	event_free(tmo);
	adjrib_free(&door);
	rib_free(rib);
	intern_free(in);
	free(scratch);
	free(stream);
	config_free(conf);
	close(rfd);
	close(lfd);
	loop_free(&lp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
