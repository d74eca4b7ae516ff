/*
 * wsread: WebSocket readers for the RIS Live bench (tests/rislive/bench.py),
 * cheap enough that the bench measures bgpwatchd rather than its clients:
 * one process, one epoll loop, frame headers parsed in place, payloads
 * only counted (never inflated, never parsed as JSON).
 *
 *	wsread HOST PORT NCONN SUBSCRIBE [-z] [-n FRAMES] [-i IDLE] [-t]
 *
 * Opens NCONN connections to ws://HOST:PORT/v1/ws/ (-z: offering
 * permessage-deflate), sends SUBSCRIBE (a JSON text, masked as a client
 * must) on each and prints "ready" once every one has had its first
 * frame (the subscribe's acknowledgement: ask for one).  Then it counts
 * frames and bytes until FRAMES frames have come (all connections
 * together; a number on a line of its standard input sets FRAMES too)
 * or nothing came for IDLE seconds (default 5) after the first one
 * (before it, 300 seconds), and prints
 * one line: frames, bytes, first and last arrival (CLOCK_REALTIME,
 * seconds), its own CPU seconds.  -t: print the arrival time of each
 * frame on its own line as it comes (the latency bench).
 */
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WS_MAXCONN	64
#define WS_BUF		(1 << 20)

struct conn {
	int		fd;
	int		open;		/* past the HTTP head */
	int		acked;		/* had its first frame */
	uint64_t	need;		/* bytes of the current frame left */
	uint8_t		head[14];	/* a frame header split across reads */
	size_t		hlen;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
die(const char *what)
{
	fprintf(stderr, "wsread: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
send_all(int fd, const void *p, size_t len)
{
	const uint8_t *b = p;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, b, len)) == -1) {
			if (errno == EINTR)
				continue;
			die("write");
		}
		b += n;
		len -= (size_t)n;
	}
}

/* A masked text frame (the mask is fixed: nothing here is secret). */
static void
send_text(int fd, const char *s)
{
	static const uint8_t mask[4] = { 0x37, 0xfa, 0x21, 0x3d };
	size_t len = strlen(s), i, h = 0;
	uint8_t *f = malloc(len + 14);

	if (f == NULL)
		die("malloc");
	f[h++] = 0x81;
	if (len < 126)
		f[h++] = 0x80 | (uint8_t)len;
	else {
		f[h++] = 0x80 | 126;
		f[h++] = (uint8_t)(len >> 8);
		f[h++] = (uint8_t)len;
	}
	memcpy(f + h, mask, 4);
	h += 4;
	for (i = 0; i < len; i++)
		f[h + i] = (uint8_t)s[i] ^ mask[i % 4];
	send_all(fd, f, h + len);
	free(f);
}

static int
dial(const char *host, int port, int deflate)
{
	struct sockaddr_in sa;
	char req[512], buf[4096];
	size_t got = 0;
	ssize_t n;
	int fd, one = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		fprintf(stderr, "wsread: bad address %s\n", host);
		exit(2);
	}
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		die("socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1)
		die("connect");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	snprintf(req, sizeof(req), "GET /v1/ws/ HTTP/1.1\r\nHost: %s\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	    "Sec-WebSocket-Version: 13\r\n%s\r\n", host, deflate ?
	    "Sec-WebSocket-Extensions: permessage-deflate\r\n" : "");
	send_all(fd, req, strlen(req));
	/* The head, byte by byte: what follows it is ours to frame. */
	while (got < sizeof(buf) - 1) {
		if ((n = read(fd, buf + got, 1)) <= 0)
			die("handshake");
		got++;
		if (got >= 4 && memcmp(buf + got - 4, "\r\n\r\n", 4) == 0)
			break;
	}
	buf[got] = '\0';
	if (strncmp(buf, "HTTP/1.1 101", 12) != 0) {
		fprintf(stderr, "wsread: refused: %.80s\n", buf);
		exit(1);
	}
	return fd;
}

/*
 * Consumes p[0 .. len): frame headers, and payload bytes counted.
 * Returns the frames completed.
 */
static uint64_t
consume(struct conn *c, const uint8_t *p, size_t len, uint64_t *bytes)
{
	uint64_t frames = 0, flen;
	size_t hneed, take;
	int i;

	while (len > 0) {
		if (c->need > 0) {
			take = len < c->need ? len : (size_t)c->need;
			c->need -= take;
			*bytes += take;
			p += take;
			len -= take;
			if (c->need == 0)
				frames++;
			continue;
		}
		c->head[c->hlen++] = *p++;
		len--;
		if (c->hlen < 2)
			continue;
		flen = c->head[1] & 0x7f;
		hneed = flen == 126 ? 4 : flen == 127 ? 10 : 2;
		if (c->hlen < hneed)
			continue;
		if (hneed > 2)
			for (flen = 0, i = 2; i < (int)hneed; i++)
				flen = flen << 8 | c->head[i];
		c->hlen = 0;
		c->need = flen;
		if (flen == 0)
			frames++;
	}
	return frames;
}

int
main(int argc, char **argv)
{
	static uint8_t buf[WS_BUF];
	struct conn conns[WS_MAXCONN + 1];
	struct epoll_event ev, evs[WS_MAXCONN];
	struct rusage ru;
	uint64_t frames = 0, bytes = 0, limit = UINT64_MAX, f;
	double first = 0, last = 0, idle = 5, t;
	int nconn, port, deflate = 0, stamp = 0, ep, i, n, ready = 0, opt;
	ssize_t r;

	if (argc < 5) {
		fprintf(stderr, "usage: wsread HOST PORT NCONN SUBSCRIBE "
		    "[-z] [-n FRAMES] [-i IDLE] [-t]\n");
		return 2;
	}
	port = atoi(argv[2]);
	nconn = atoi(argv[3]);
	if (nconn < 1 || nconn > WS_MAXCONN)
		return 2;
	optind = 5;
	while ((opt = getopt(argc, argv, "zn:i:t")) != -1)
		switch (opt) {
		case 'z':
			deflate = 1;
			break;
		case 'n':
			limit = strtoull(optarg, NULL, 10);
			break;
		case 'i':
			idle = atof(optarg);
			break;
		case 't':
			stamp = 1;
			break;
		default:
			return 2;
		}
	if ((ep = epoll_create1(0)) == -1)
		die("epoll");
	memset(conns, 0, sizeof(conns));
	for (i = 0; i < nconn; i++) {
		conns[i].fd = dial(argv[1], port, deflate);
		send_text(conns[i].fd, argv[4]);
		ev.events = EPOLLIN;
		ev.data.u32 = (uint32_t)i;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev) == -1)
			die("epoll_ctl");
	}
	ev.events = EPOLLIN;
	ev.data.u32 = WS_MAXCONN;	/* standard input */
	(void)epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev);
	for (;;) {
		n = epoll_wait(ep, evs, WS_MAXCONN, frames == 0 ? 300 * 1000 :
		    (int)(idle * 1000));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;		/* idle */
		for (i = 0; i < n; i++) {
			struct conn *c = &conns[evs[i].data.u32];

			if (evs[i].data.u32 == WS_MAXCONN) {
				char line[64];

				if ((r = read(0, line, sizeof(line) - 1)) > 0) {
					line[r] = '\0';
					limit = strtoull(line, NULL, 10);
				} else
					epoll_ctl(ep, EPOLL_CTL_DEL, 0, NULL);
				continue;
			}
			if ((r = read(c->fd, buf, sizeof(buf))) <= 0) {
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				continue;
			}
			t = now();
			f = consume(c, buf, (size_t)r, &bytes);
			if (!c->acked && f > 0) {
				c->acked = 1;
				f--;
				if (++ready == nconn) {
					printf("ready\n");
					fflush(stdout);
					bytes = 0;
					continue;
				}
			}
			if (f == 0 || ready < nconn)
				continue;
			if (frames == 0)
				first = t;
			last = t;
			frames += f;
			if (stamp) {
				printf("%.6f\n", t);
				fflush(stdout);
			}
		}
		if (frames >= limit)
			break;
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("frames=%llu bytes=%llu first=%.6f last=%.6f cpu=%.3f\n",
	    (unsigned long long)frames, (unsigned long long)bytes, first, last,
	    ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
	return 0;
}
