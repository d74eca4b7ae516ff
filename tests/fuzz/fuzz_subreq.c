/*
 * libFuzzer target for the subscriber request (bgpd/event/evt_stream.c):
 * the bytes a client sends on the event socket, normally a msgpack map
 * {"from": SEQ, "follow": BOOL}.  The real stream output serves a real
 * unix socket over a log of EVENTS events; each input is sent by a new
 * client and the loop turned until the daemon has answered (or TURNS
 * turns).  What comes back must be whole event records with consecutive
 * seqs, each within the log.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <msgpack.h>

#include "evt_build.h"
#include "evt_fanout.h"
#include "evt_reader.h"
#include "log.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)
#define EVENTS		40
#define TURNS		40

static struct event_base	*base;
static struct evt_fanout	*fo;
static char			 dir[64], logpath[96], sockpath[96];
static uint8_t			 got[1 << 20];

static void
init(void)
{
	struct config_events	 c;
	struct config_subscriber sub;
	struct bw_addr		 a;
	struct evt		*e;
	char			 err[256];
	int			 i;

	log_init(0, 0);
	snprintf(dir, sizeof(dir), "/tmp/bgpwatch-fuzzsub-XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	snprintf(logpath, sizeof(logpath), "%s/events.mpk", dir);
	snprintf(sockpath, sizeof(sockpath), "%s/events.sock", dir);
	memset(&c, 0, sizeof(c));
	memset(&sub, 0, sizeof(sub));
	c.log_path = logpath;
	c.log_keep = 2;
	c.queue_limit = CONF_DEFAULT_QUEUE_LIMIT;
	sub.type = CONF_SUB_UNIX;
	sub.path = sockpath;
	sub.mode = 0600;
	c.subs = &sub;
	c.nsubs = 1;
	CHECK((base = event_base_new()) != NULL);
	if ((fo = evt_fanout_open(base, &c, err, sizeof(err))) == NULL) {
		fprintf(stderr, "evt_fanout_open: %s\n", err);
		abort();
	}
	CHECK(addr_parse("127.0.0.11", &a) == 0);
	for (i = 0; i < EVENTS; i++) {
		e = evt_new("prefix_withdrawn", NULL);
		evt_str(e, "region", "KP");
		evt_str(e, "prefix", "175.45.176.0/24");
		evt_peer(e, "peer", &a, 64511);
		evt_uint(e, "visible_peers", (uint64_t)i);
		CHECK(evt_fanout_emit(fo, e) != 0);
	}
}

static int
client(void)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sockpath);
	CHECK((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)) != -1);
	CHECK(connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	return fd;
}

/* The records received: whole, consecutive, inside the log. */
static void
check_got(size_t len)
{
	msgpack_unpacked	res;
	size_t			off = 0;
	uint64_t		seq, prev = 0;

	msgpack_unpacked_init(&res);
	while (off < len) {
		CHECK(msgpack_unpack_next(&res, (const char *)got, len, &off)
		    == MSGPACK_UNPACK_SUCCESS);
		CHECK(evt_record_check(&res.data, &seq) == 0);
		CHECK(seq >= 1 && seq <= EVENTS);
		CHECK(prev == 0 || seq == prev + 1);
		prev = seq;
	}
	msgpack_unpacked_destroy(&res);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t	len = 0, sent = 0;
	ssize_t	n;
	int	fd, turn, eof = 0;

	if (base == NULL)
		init();
	if (size > 4096)
		return 0;
	fd = client();
	for (turn = 0; turn < TURNS && !eof; turn++) {
		if (sent < size && (n = write(fd, data + sent, size - sent)) > 0)
			sent += (size_t)n;
		event_base_loop(base, EVLOOP_NONBLOCK);
		while (len < sizeof(got) &&
		    (n = read(fd, got + len, sizeof(got) - len)) > 0)
			len += (size_t)n;
		if (n == 0 || (n == -1 && errno != EAGAIN))
			eof = 1;
	}
	close(fd);
	for (turn = 0; turn < 4; turn++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	/* A cut-off live stream may end inside a record: check whole ones. */
	if (eof)
		check_got(len);
	return 0;
}
