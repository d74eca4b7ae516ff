/*
 * bgpwatchctl: the control client.  It joins its arguments into one
 * request line (prefixed "json " with -j), sends it to the daemon's unix
 * socket and copies the answer to stdout as it arrives, so that a table
 * of any size streams through without being held in memory.  The
 * protocol (docs/control.md): the daemon answers "OK\n" and the output,
 * or "ERR message\n", then closes.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <msgpack.h>

#include "config.h"
#include "control.h"
#include "evt_json.h"
#include "evt_reader.h"
#include "version.h"

#define CTL_EXIT_OK	0
#define CTL_EXIT_FAIL	1
#define CTL_EXIT_USAGE	2
#define CTL_BUFSZ	65536

static const char	*ctl_socket = CONF_DEFAULT_CONTROL;
static int		 ctl_help;	/* -h: usage() exits 0 */

static void __attribute__((__noreturn__))
usage(void)
{
	fprintf(stderr,
	    "usage: bgpwatchctl [-j] [-s SOCKET] COMMAND [ARGUMENT ...]\n"
	    "       bgpwatchctl -h | -V\n"
	    "commands:\n"
	    "  show neighbors\n"
	    "  show neighbor ADDRESS\n"
	    "  show rib [neighbor ADDRESS] [PREFIX]\n"
	    "  show rib count [neighbor ADDRESS]\n"
	    "  show memory\n"
	    "  reload\n"
	    "  events [--from SEQ] [--follow] [-e SOCKET] [FILE]\n");
	exit(ctl_help ? CTL_EXIT_OK : CTL_EXIT_USAGE);
}

/* Commands start with one of these; the daemon checks the rest. */
static int
ctl_known(const char *w)
{
	static const char *const first[] = { "show", "reload", "dump",
	    "events" };
	size_t	i;

	for (i = 0; i < sizeof(first) / sizeof(first[0]); i++)
		if (strcmp(w, first[i]) == 0)
			return 1;
	return 0;
}

/*
 * Joins the words into "[json ]w1 w2 ...\n".  Returns 0, or -1 if a word
 * holds a control character or the line is too long (message printed).
 */
static int
ctl_request(int json, char **argv, int argc, char *line, size_t len)
{
	size_t	n = 0, wl;
	int	i;
	char	*s;

	line[0] = '\0';
	if (json)
		n = (size_t)snprintf(line, len, "json");
	for (i = 0; i < argc; i++) {
		for (s = argv[i]; *s != '\0'; s++)
			if ((unsigned char)*s < 0x20 || *s == 0x7f) {
				fprintf(stderr, "bgpwatchctl: control "
				    "character in argument %d\n", i + 1);
				return -1;
			}
		wl = strlen(argv[i]);
		if (n + wl + 2 > CONTROL_LINE_MAX) {
			fprintf(stderr, "bgpwatchctl: request longer than %d "
			    "bytes\n", CONTROL_LINE_MAX);
			return -1;
		}
		n += (size_t)snprintf(line + n, len - n, "%s%s",
		    n > 0 ? " " : "", argv[i]);
	}
	n += (size_t)snprintf(line + n, len - n, "\n");
	return 0;
}

static int
ctl_connect(void)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(ctl_socket) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "bgpwatchctl: socket path too long: %s\n",
		    ctl_socket);
		return -1;
	}
	memcpy(sun.sun_path, ctl_socket, strlen(ctl_socket));
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1) {
		fprintf(stderr, "bgpwatchctl: socket: %s\n", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		fprintf(stderr, "bgpwatchctl: cannot connect to %s: %s "
		    "(is bgpwatchd running?)\n", ctl_socket, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int
ctl_write_all(int fd, const char *p, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Copies the rest of the answer to stdout.  Returns 0, or -1. */
static int
ctl_copy(int fd, char *buf, size_t have)
{
	ssize_t	n;

	for (;;) {
		if (have > 0 && ctl_write_all(STDOUT_FILENO, buf, have) == -1) {
			fprintf(stderr, "bgpwatchctl: stdout: %s\n",
			    strerror(errno));
			return -1;
		}
		if ((n = read(fd, buf, CTL_BUFSZ)) == -1) {
			if (errno == EINTR) {
				have = 0;
				continue;
			}
			fprintf(stderr, "bgpwatchctl: %s: %s\n", ctl_socket,
			    strerror(errno));
			return -1;
		}
		if (n == 0)
			return 0;
		have = (size_t)n;
	}
}

/*
 * Reads the status line and handles the answer.  Returns the exit
 * status.
 */
static int
ctl_answer(int fd, char *buf)
{
	size_t	 have = 0;
	ssize_t	 n;
	char	*nl = NULL;

	while (nl == NULL && have < CTL_BUFSZ) {
		if ((n = read(fd, buf + have, CTL_BUFSZ - have)) == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "bgpwatchctl: %s: %s\n", ctl_socket,
			    strerror(errno));
			return CTL_EXIT_FAIL;
		}
		if (n == 0)
			break;
		have += (size_t)n;
		nl = memchr(buf, '\n', have);
	}
	if (nl == NULL) {
		fprintf(stderr, "bgpwatchctl: %s: connection closed without "
		    "an answer\n", ctl_socket);
		return CTL_EXIT_FAIL;
	}
	*nl = '\0';
	if (strncmp(buf, "ERR", 3) == 0) {
		fprintf(stderr, "bgpwatchctl: %s\n", buf[3] == ' ' ? buf + 4 :
		    buf + 3);
		return CTL_EXIT_FAIL;
	}
	if (strcmp(buf, "OK") != 0) {
		fprintf(stderr, "bgpwatchctl: unexpected answer from %s\n",
		    ctl_socket);
		return CTL_EXIT_FAIL;
	}
	have -= (size_t)(nl + 1 - buf);
	memmove(buf, nl + 1, have);
	return ctl_copy(fd, buf, have) == 0 ? CTL_EXIT_OK : CTL_EXIT_FAIL;
}

/*
 * events: prints events as JSON lines (evt_json(): ts is an ISO-8601 UTC
 * string with microseconds), from an event log FILE or from the event
 * socket of the daemon.  The socket is -e SOCKET, else $BGPWATCH_EVENTS,
 * else the first `subscribe unix` of the daemon's configuration, else
 * CTL_EVENTS_SOCKET.  On the socket the request is {"from": SEQ} with
 * --from, and "follow": false without --follow (the daemon closes after
 * the replay); without either option it follows the live events.
 */
#define CTL_EVENTS_SOCKET	"/run/bgpwatch/events.sock"
#define CTL_EVENTS_ENV		"BGPWATCH_EVENTS"
#define CTL_FOLLOW_USEC		200000	/* polling a followed FILE */
#define CTL_FLUSH		65536

struct ctl_events {
	const char	*file;
	const char	*socket;
	uint64_t	 from;
	int		 has_from, follow;
};

static int
ctl_events_args(int argc, char **argv, struct ctl_events *ev)
{
	char	*end;
	int	 i;

	memset(ev, 0, sizeof(*ev));
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--from") == 0 && i + 1 < argc) {
			errno = 0;
			ev->from = strtoull(argv[++i], &end, 10);
			if (errno != 0 || *end != '\0' || argv[i][0] == '-' ||
			    argv[i][0] == '\0') {
				fprintf(stderr, "bgpwatchctl: events: bad "
				    "sequence number %s\n", argv[i]);
				return -1;
			}
			ev->has_from = 1;
		} else if (strcmp(argv[i], "--follow") == 0)
			ev->follow = 1;
		else if (strcmp(argv[i], "-e") == 0 && i + 1 < argc)
			ev->socket = argv[++i];
		else if (argv[i][0] != '-' && ev->file == NULL)
			ev->file = argv[i];
		else
			usage();
	}
	return 0;
}

/* Writes out to stdout.  Returns 0, or -1 (message printed). */
static int
ctl_events_flush(struct evbuffer *out)
{
	while (evbuffer_get_length(out) > 0)
		if (evbuffer_write(out, STDOUT_FILENO) == -1 && errno != EINTR) {
			fprintf(stderr, "bgpwatchctl: stdout: %s\n",
			    strerror(errno));
			return -1;
		}
	return 0;
}

/* 1 if path now names another file than the one r reads (rotated). */
static int
ctl_events_rotated(const char *path, const struct stat *was)
{
	struct stat	st;

	return stat(path, &st) == 0 && (st.st_ino != was->st_ino ||
	    st.st_dev != was->st_dev);
}

/* Reports damage of the file read by r.  Returns 0, or -1 if any. */
static int
ctl_events_damage(struct evt_reader *r, const char *path)
{
	struct stat	st;
	off_t		good = evt_reader_good_end(r);
	int		rv = 0;

	if (evt_reader_skipped(r) > 0) {
		fprintf(stderr, "bgpwatchctl: %s: %" PRIu64 " damaged bytes "
		    "skipped\n", path, evt_reader_skipped(r));
		rv = -1;
	}
	if (stat(path, &st) == 0 && st.st_size > good) {
		fprintf(stderr, "bgpwatchctl: %s: torn record at offset %lld "
		    "(%lld bytes)\n", path, (long long)good,
		    (long long)(st.st_size - good));
		rv = -1;
	}
	return rv;
}

static int
ctl_events_file(const struct ctl_events *ev, struct evbuffer *out)
{
	struct evt_reader	*r;
	struct evt_record	 rec;
	struct stat		 st;
	char			 err[512];
	int			 rv;

	if ((r = evt_reader_open(ev->file, err, sizeof(err))) == NULL ||
	    stat(ev->file, &st) == -1) {
		fprintf(stderr, "bgpwatchctl: %s\n", err);
		evt_reader_close(r);
		return CTL_EXIT_FAIL;
	}
	if (ev->has_from && evt_reader_seek_seq(r, ev->from) == -1)
		goto fail_read;
	for (;;) {
		while ((rv = evt_reader_next(r, &rec)) == 1) {
			if (evt_json(out, rec.obj) == -1 ||
			    (evbuffer_get_length(out) > CTL_FLUSH &&
			    ctl_events_flush(out) == -1))
				goto fail;
		}
		if (rv == -1)
			goto fail_read;
		if (ctl_events_flush(out) == -1)
			goto fail;
		if (!ev->follow)
			break;
		if (ctl_events_rotated(ev->file, &st)) {
			evt_reader_close(r);
			if ((r = evt_reader_open(ev->file, err,
			    sizeof(err))) == NULL || stat(ev->file, &st) == -1)
				goto fail;
			continue;
		}
		usleep(CTL_FOLLOW_USEC);
	}
	rv = ctl_events_damage(r, ev->file) == 0 ? CTL_EXIT_OK : CTL_EXIT_FAIL;
	evt_reader_close(r);
	return rv;
fail_read:
	fprintf(stderr, "bgpwatchctl: %s: %s\n", ev->file, strerror(errno));
fail:
	evt_reader_close(r);
	return CTL_EXIT_FAIL;
}

/* The event socket when -e is not given (see above). */
static const char *
ctl_events_socket(void)
{
	static char		 path[PATH_MAX];
	struct config_errors	*errs;
	struct config		*conf;
	const char		*env;
	size_t			 i;

	if ((env = getenv(CTL_EVENTS_ENV)) != NULL && env[0] != '\0')
		return env;
	snprintf(path, sizeof(path), "%s", CTL_EVENTS_SOCKET);
	if ((errs = calloc(1, sizeof(*errs))) == NULL ||
	    access(CONF_DEFAULT_FILE, R_OK) == -1 ||
	    (conf = config_parse(CONF_DEFAULT_FILE, errs)) == NULL) {
		free(errs);
		return path;
	}
	for (i = 0; i < conf->events.nsubs; i++)
		if (conf->events.subs[i].type == CONF_SUB_UNIX) {
			snprintf(path, sizeof(path), "%s",
			    conf->events.subs[i].path);
			break;
		}
	config_free(conf);
	free(errs);
	return path;
}

/* The request map: {"from": SEQ, "follow": BOOL} as far as given. */
static void
ctl_events_request(const struct ctl_events *ev, msgpack_sbuffer *sb)
{
	msgpack_packer	pk;

	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, (size_t)ev->has_from + !ev->follow);
	if (ev->has_from) {
		msgpack_pack_str_with_body(&pk, "from", 4);
		msgpack_pack_uint64(&pk, ev->from);
	}
	if (!ev->follow) {
		msgpack_pack_str_with_body(&pk, "follow", 6);
		msgpack_pack_false(&pk);
	}
}

/* Prints every object read from fd until the daemon closes. */
static int
ctl_events_stream(int fd, struct evbuffer *out)
{
	msgpack_unpacker	 up;
	msgpack_unpacked	 res;
	msgpack_unpack_return	 ret;
	ssize_t			 n;
	int			 rv = CTL_EXIT_FAIL;

	if (!msgpack_unpacker_init(&up, CTL_BUFSZ))
		return CTL_EXIT_FAIL;
	msgpack_unpacked_init(&res);
	for (;;) {
		if (!msgpack_unpacker_reserve_buffer(&up, CTL_BUFSZ))
			break;
		n = read(fd, msgpack_unpacker_buffer(&up), CTL_BUFSZ);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0 && msgpack_unpacker_message_size(&up) == 0)
				rv = CTL_EXIT_OK;
			else
				fprintf(stderr, "bgpwatchctl: %s: %s\n",
				    ctl_socket, n == 0 ? "stream ended "
				    "inside an event" : strerror(errno));
			break;
		}
		msgpack_unpacker_buffer_consumed(&up, (size_t)n);
		while ((ret = msgpack_unpacker_next(&up, &res)) ==
		    MSGPACK_UNPACK_SUCCESS)
			if (evt_json(out, &res.data) == -1)
				goto done;
		if (ret != MSGPACK_UNPACK_CONTINUE) {
			fprintf(stderr, "bgpwatchctl: %s: not msgpack\n",
			    ctl_socket);
			break;
		}
		if (ctl_events_flush(out) == -1)
			goto done;
	}
	if (ctl_events_flush(out) == -1)
		rv = CTL_EXIT_FAIL;
done:
	msgpack_unpacked_destroy(&res);
	msgpack_unpacker_destroy(&up);
	return rv;
}

static int
ctl_events(int argc, char **argv)
{
	struct ctl_events	 ev;
	struct evbuffer		*out;
	msgpack_sbuffer		 sb;
	int			 fd, rv;

	if (ctl_events_args(argc, argv, &ev) == -1)
		return CTL_EXIT_USAGE;
	if ((out = evbuffer_new()) == NULL) {
		fprintf(stderr, "bgpwatchctl: out of memory\n");
		return CTL_EXIT_FAIL;
	}
	if (ev.file != NULL) {
		rv = ctl_events_file(&ev, out);
		evbuffer_free(out);
		return rv;
	}
	if (!ev.has_from)
		ev.follow = 1;	/* nothing to replay: live events */
	ctl_socket = ev.socket != NULL ? ev.socket : ctl_events_socket();
	if ((fd = ctl_connect()) == -1) {
		evbuffer_free(out);
		return CTL_EXIT_FAIL;
	}
	msgpack_sbuffer_init(&sb);
	ctl_events_request(&ev, &sb);
	if (ctl_write_all(fd, sb.data, sb.size) == -1) {
		fprintf(stderr, "bgpwatchctl: %s: %s\n", ctl_socket,
		    strerror(errno));
		rv = CTL_EXIT_FAIL;
	} else
		rv = ctl_events_stream(fd, out);
	msgpack_sbuffer_destroy(&sb);
	close(fd);
	evbuffer_free(out);
	return rv;
}

int
main(int argc, char *argv[])
{
	static char	cwd[PATH_MAX], abspath[PATH_MAX + 2];
	char	 line[CONTROL_LINE_MAX + 2];
	char	*buf;
	int	 ch, json = 0, fd, rv;
	static const struct option longopts[] = {
		{ "help",	no_argument,	NULL,	'h' },
		{ "version",	no_argument,	NULL,	'V' },
		{ NULL,		0,		NULL,	0 }
	};

	/* "+": options stop at the command (events has its own). */
	while ((ch = getopt_long(argc, argv, "+js:hV", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'h':
			/* The usage text, on stdout, and success. */
			if (dup2(STDOUT_FILENO, STDERR_FILENO) == -1)
				return CTL_EXIT_FAIL;
			ctl_help = 1;
			usage();
		case 'V':
			bgpwatch_print_version("bgpwatchctl");
			return CTL_EXIT_OK;
		case 'j':
			json = 1;
			break;
		case 's':
			ctl_socket = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0 || !ctl_known(argv[0]))
		usage();
	if (strcmp(argv[0], "events") == 0)
		return ctl_events(argc, argv);
	/* dump table FILE: the daemon works elsewhere; name it whole. */
	if (argc == 3 && strcmp(argv[0], "dump") == 0 &&
	    strcmp(argv[1], "table") == 0 && argv[2][0] != '/' &&
	    getcwd(cwd, sizeof(cwd)) != NULL) {
		snprintf(abspath, sizeof(abspath), "%s/%s", cwd, argv[2]);
		argv[2] = abspath;
	}
	if (ctl_request(json, argv, argc, line, sizeof(line)) == -1)
		return CTL_EXIT_USAGE;
	if ((buf = malloc(CTL_BUFSZ)) == NULL) {
		fprintf(stderr, "bgpwatchctl: out of memory\n");
		return CTL_EXIT_FAIL;
	}
	if ((fd = ctl_connect()) == -1) {
		free(buf);
		return CTL_EXIT_FAIL;
	}
	if (ctl_write_all(fd, line, strlen(line)) == -1) {
		fprintf(stderr, "bgpwatchctl: %s: %s\n", ctl_socket,
		    strerror(errno));
		rv = CTL_EXIT_FAIL;
	} else
		rv = ctl_answer(fd, buf);
	close(fd);
	free(buf);
	return rv;
}
