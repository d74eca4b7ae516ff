/*
 * libFuzzer target for the control socket (bgpd/ctl/control.c and the
 * commands of control_cmd.c): the input is what a client sends, usually
 * one request line.  A real core (core_init on a small configuration
 * with two neighbors, a region and an event log, no sessions started)
 * serves a real unix socket; each input comes from a new client and the
 * loop turns until the daemon closes.  The answer must start with "OK\n"
 * or "ERR " and, for a request that fits a line, come whole.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core.h"
#include "control.h"
#include "log.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)
#define TURNS		2000

static struct bgpd	 bgpd;
static struct control	*ctl;
static char		 dir[64], sockpath[96], confpath[96];
static char		 got[1 << 20];

static const char conftext[] =
    "local-as 65000\n"
    "router-id 192.0.2.254\n"
    "neighbor 127.0.7.11 { remote-as 64511; passive }\n"
    "neighbor 127.0.7.12 { remote-as 64512; passive; add-path receive }\n"
    "region \"KP\" { prefix 175.45.176.0/22; origin-as 131279 }\n"
    "region \"TEN\" { prefix 10.0.0.0/8 }\n"
    "events { log \"%s/events.mpk\" }\n";

static void
init(void)
{
	struct config_errors	 errs;
	struct config		*conf;
	FILE			*f;

	log_init(1, 0);
	snprintf(dir, sizeof(dir), "/tmp/bgpwatch-fuzzctl-XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	snprintf(sockpath, sizeof(sockpath), "%s/ctl.sock", dir);
	snprintf(confpath, sizeof(confpath), "%s/bgpwatchd.conf", dir);
	CHECK((f = fopen(confpath, "w")) != NULL);
	fprintf(f, conftext, dir);
	fclose(f);
	if ((conf = config_parse(confpath, &errs)) == NULL) {
		fprintf(stderr, "%s\n", errs.msg[0]);
		abort();
	}
	CHECK(core_init(&bgpd, conf, confpath, 0) == 0);
	CHECK((ctl = control_new(&bgpd, sockpath)) != NULL);
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t	len = 0, sent = 0;
	ssize_t	n;
	int	fd, turn, eof = 0, line;

	if (ctl == NULL)
		init();
	if (size > 2 * CONTROL_LINE_MAX)
		return 0;
	line = memchr(data, '\n', size) != NULL;
	fd = client();
	for (turn = 0; turn < TURNS && !eof; turn++) {
		if (sent < size && (n = write(fd, data + sent, size - sent)) > 0)
			sent += (size_t)n;
		event_base_loop(bgpd.loop.base, EVLOOP_NONBLOCK);
		while (len < sizeof(got) &&
		    (n = read(fd, got + len, sizeof(got) - len)) > 0)
			len += (size_t)n;
		if (n == 0 || (n == -1 && errno != EAGAIN))
			eof = 1;
		/* A request without its newline waits: don't wait here. */
		if (!line && sent == size && size <= CONTROL_LINE_MAX &&
		    turn > 4)
			break;
	}
	close(fd);
	event_base_loop(bgpd.loop.base, EVLOOP_NONBLOCK);
	event_base_loop(bgpd.loop.base, EVLOOP_NONBLOCK);
	if (eof && len > 0)
		CHECK((len >= 3 && memcmp(got, "OK\n", 3) == 0) ||
		    (len >= 4 && memcmp(got, "ERR ", 4) == 0));
	if (line && size <= CONTROL_LINE_MAX)
		CHECK(eof);
	CHECK(control_nclients(ctl) <= 1);
	return 0;
}
