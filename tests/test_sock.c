/*
 * lib/sock.c: sockaddr conversions both ways (IPv4, IPv6 with scope,
 * IPv4-mapped, ports at the edges), unix listening sockets (mode, a
 * stale socket replaced, a live one, a file and a missing directory
 * refused with their messages), a TCP listener on loopback, and the
 * accept pause driven by a real EMFILE.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sock.h"

static void
round_trip(const char *text, uint16_t port, uint32_t scope, int family,
    socklen_t want_len)
{
	struct sockaddr_storage	ss;
	struct bw_addr		a, b;
	uint16_t		p = 1;
	uint32_t		sc = 99;
	char			buf[BW_ADDR_STRLEN];

	assert_int_equal(addr_parse(text, &a), 0);
	assert_int_equal(sock_to_sockaddr(&a, port, scope, &ss), want_len);
	assert_int_equal(ss.ss_family, family);
	assert_int_equal(sock_from_sockaddr((struct sockaddr *)&ss, &b, &p,
	    &sc), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(p, port);
	assert_int_equal(sc, family == AF_INET6 ? scope : 0);
	assert_string_equal(addr_fmt(&b, buf, sizeof(buf)), text);
}

static void
test_sockaddr_round_trip(void **state)
{
	(void)state;
	round_trip("127.0.0.1", 179, 0, AF_INET, sizeof(struct sockaddr_in));
	round_trip("192.0.2.254", 65535, 7, AF_INET,
	    sizeof(struct sockaddr_in));
	round_trip("0.0.0.0", 0, 0, AF_INET, sizeof(struct sockaddr_in));
	round_trip("2001:db8::2", 1179, 0, AF_INET6,
	    sizeof(struct sockaddr_in6));
	round_trip("fe80::1", 179, 3, AF_INET6, sizeof(struct sockaddr_in6));
	round_trip("::1", 65535, 0, AF_INET6, sizeof(struct sockaddr_in6));
}

static void
test_sockaddr_bytes(void **state)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	struct bw_addr		 a;
	uint16_t		 port = 1;
	uint32_t		 scope = 1;
	char			 buf[BW_ADDR_STRLEN];

	(void)state;
	/* network byte order on the kernel's side */
	assert_int_equal(addr_parse("10.1.2.3", &a), 0);
	sock_to_sockaddr(&a, 0x1234, 0, &ss);
	assert_int_equal(sin->sin_port, htons(0x1234));
	assert_int_equal(sin->sin_addr.s_addr, htonl(0x0a010203));
	/* an IPv4 peer on a dual-stack socket is IPv4 */
	memset(&ss, 0, sizeof(ss));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(40000);
	sin6->sin6_scope_id = 5;
	assert_int_equal(inet_pton(AF_INET6, "::ffff:127.0.0.11",
	    &sin6->sin6_addr), 1);
	assert_int_equal(sock_from_sockaddr((struct sockaddr *)&ss, &a,
	    &port, &scope), 0);
	assert_int_equal(a.aid, AID_INET);
	assert_string_equal(addr_fmt(&a, buf, sizeof(buf)), "127.0.0.11");
	assert_int_equal(port, 40000);
	assert_int_equal(scope, 0);
	/* port and scope are optional */
	assert_int_equal(sock_from_sockaddr((struct sockaddr *)&ss, &a, NULL,
	    NULL), 0);
	/* neither family */
	ss.ss_family = AF_UNIX;
	assert_int_equal(sock_from_sockaddr((struct sockaddr *)&ss, &a,
	    &port, &scope), -1);
	assert_int_equal(a.aid, AID_UNSPEC);
	assert_int_equal(port, 0);
	memset(&a, 0, sizeof(a));
	assert_int_equal(sock_to_sockaddr(&a, 179, 0, &ss), 0);
}

struct dir {
	char	path[64];
	char	sock[128];
};

static int
dir_setup(void **state)
{
	struct dir	*d = calloc(1, sizeof(*d));

	assert_non_null(d);
	snprintf(d->path, sizeof(d->path), "/tmp/bgpwatch-sock-XXXXXX");
	assert_non_null(mkdtemp(d->path));
	snprintf(d->sock, sizeof(d->sock), "%s/s.sock", d->path);
	*state = d;
	return 0;
}

static int
dir_teardown(void **state)
{
	struct dir	*d = *state;

	unlink(d->sock);
	rmdir(d->path);
	free(d);
	return 0;
}

static int
connect_unix(const char *path)
{
	struct sockaddr_un	sun;
	int			fd, rv;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	rv = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	return rv;
}

static void
test_unix_listen(void **state)
{
	struct dir	*d = *state;
	struct stat	 st;
	char		 err[256];
	int		 fd, fd2;

	fd = sock_listen_unix(d->sock, 0660, 4, "test socket", err,
	    sizeof(err));
	assert_true(fd >= 0);
	assert_int_equal(stat(d->sock, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0660);
	assert_int_equal(connect_unix(d->sock), 0);
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	/* a live socket is refused and left in place */
	fd2 = sock_listen_unix(d->sock, 0660, 4, "test socket", err,
	    sizeof(err));
	assert_int_equal(fd2, -1);
	assert_int_equal(errno, EADDRINUSE);
	assert_string_equal(strchr(err, ':'), ": in use by another process");
	assert_true(strncmp(err, "test socket /tmp/bgpwatch-sock-", 31) == 0);
	assert_int_equal(connect_unix(d->sock), 0);
	/* closed without unlinking: stale, and replaced */
	close(fd);
	assert_int_equal(lstat(d->sock, &st), 0);
	assert_int_equal(connect_unix(d->sock), -1);
	fd = sock_listen_unix(d->sock, 0600, 4, "test socket", err,
	    sizeof(err));
	assert_true(fd >= 0);
	assert_int_equal(stat(d->sock, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(connect_unix(d->sock), 0);
	close(fd);
}

static void
test_unix_refused(void **state)
{
	struct dir	*d = *state;
	char		 err[512], want[512], path[300];
	int		 fd;

	/* a regular file is not ours to remove */
	fd = open(d->sock, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(sock_listen_unix(d->sock, 0660, 4, "x", err,
	    sizeof(err)), -1);
	snprintf(want, sizeof(want), "x %s: exists and is not a socket",
	    d->sock);
	assert_string_equal(err, want);
	assert_int_equal(access(d->sock, F_OK), 0);
	unlink(d->sock);
	/* no directory */
	snprintf(path, sizeof(path), "%s/missing/s.sock", d->path);
	assert_int_equal(sock_listen_unix(path, 0660, 4, "x", err,
	    sizeof(err)), -1);
	assert_int_equal(errno, ENOENT);
	snprintf(want, sizeof(want), "x %s: its directory does not exist",
	    path);
	assert_string_equal(err, want);
	/* too long for sun_path */
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	assert_int_equal(sock_listen_unix(path, 0660, 4, "x", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, ": path too long"));
}

static int	prep_calls;

static int
prep(int fd, void *arg)
{
	assert_true(fd >= 0);
	assert_ptr_equal(arg, &prep_calls);
	prep_calls++;
	return 0;
}

static void
test_tcp_listen(void **state)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof(ss);
	struct bw_addr		a, b;
	uint16_t		port;
	char			err[256];
	int			fd, fd2, on = 0;

	(void)state;
	assert_int_equal(addr_parse("127.0.0.1", &a), 0);
	prep_calls = 0;
	fd = sock_listen_tcp(&a, 0, 0, 8, prep, &prep_calls, err,
	    sizeof(err));
	assert_true(fd >= 0);
	assert_int_equal(prep_calls, 1);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	assert_int_equal(sock_from_sockaddr((struct sockaddr *)&ss, &b,
	    &port, NULL), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_true(port > 0);
	len = sizeof(on);
	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, &len),
	    0);
	assert_int_equal(on, 1);
	/* the port is taken: an error naming it */
	fd2 = sock_listen_tcp(&a, port, 0, 8, NULL, NULL, err, sizeof(err));
	assert_int_equal(fd2, -1);
	assert_true(strncmp(err, "listen on 127.0.0.1 port ", 25) == 0);
	assert_non_null(strstr(err, strerror(EADDRINUSE)));
	close(fd);
}

static void
accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	(void)lev;
	(void)sa;
	(void)salen;
	(*(int *)arg)++;
	close(fd);
}

/* A real EMFILE: the listener pauses, then accepts again. */
static void
test_pause(void **state)
{
	struct dir		*d = *state;
	struct event_base	*base = event_base_new();
	struct evconnlistener	*lev;
	struct sock_pause	*sp;
	struct rlimit		 rl, low;
	char			 err[256];
	int			 fd, accepted = 0, spare, i;

	/* valgrind keeps fds of its own past the limit: EMFILE never comes. */
	if (getenv("BGPWATCH_MEMCHECK") != NULL) {
		event_base_free(base);
		skip();
	}
	assert_non_null(base);
	fd = sock_listen_unix(d->sock, 0600, 4, "t", err, sizeof(err));
	assert_true(fd >= 0);
	lev = evconnlistener_new(base, accept_cb, &accepted,
	    LEV_OPT_CLOSE_ON_FREE, 0, fd);
	assert_non_null(lev);
	sp = sock_pause_attach(base, lev, "test listener");
	assert_non_null(sp);
	assert_int_equal(sock_pause_active(sp), 0);
	/* No descriptor left for accept(). */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	spare = dup(0);
	assert_true(spare >= 0);
	low = rl;
	low.rlim_cur = (rlim_t)spare + 1;
	assert_int_equal(connect_unix(d->sock), 0);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	event_base_loop(base, EVLOOP_NONBLOCK | EVLOOP_ONCE);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	close(spare);
	assert_int_equal(accepted, 0);
	assert_int_equal(sock_pause_active(sp), 1);
	/* After the pause the waiting connection is taken. */
	for (i = 0; i < 300 && accepted == 0; i++) {
		event_base_loop(base, EVLOOP_ONCE);
		usleep(10000);
	}
	assert_int_equal(accepted, 1);
	assert_int_equal(sock_pause_active(sp), 0);
	sock_pause_free(sp);
	evconnlistener_free(lev);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sockaddr_round_trip),
		cmocka_unit_test(test_sockaddr_bytes),
		cmocka_unit_test_setup_teardown(test_unix_listen, dir_setup,
		    dir_teardown),
		cmocka_unit_test_setup_teardown(test_unix_refused, dir_setup,
		    dir_teardown),
		cmocka_unit_test(test_tcp_listen),
		cmocka_unit_test_setup_teardown(test_pause, dir_setup,
		    dir_teardown),
	};

	log_init(1, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
