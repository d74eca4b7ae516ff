/*
 * The control socket: a unix stream socket on the daemon's event loop
 * where bgpwatchctl (or any script: docs/control.md) sends one request
 * line and reads the answer, "OK\n" and the output or "ERR message\n",
 * until the daemon closes.
 *
 * Clients are untrusted and may be slow.  The request is bounded (one
 * line of CONTROL_LINE_MAX bytes, within CONTROL_READ_TIMEOUT), so are
 * the clients (CONTROL_MAX_CLIENTS).  What each command prints is a view
 * (view_*.c: gather the state once, render it as text or JSON); this
 * file only parses, dispatches and streams.  Output is never built
 * whole: a route listing (view_rib.c) writes one RIB slice at a time,
 * and the next slice is written only when the client has read the
 * output buffer down to CONTROL_LOWAT, so a client that reads slowly
 * holds one slice's worth of memory, and the loop is never blocked for
 * more than about CONTROL_STEP_USEC.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "bgpd.h"
#include "control.h"
#include "json.h"
#include "sock.h"
#include "view.h"

#define CONTROL_MAX_WORDS	16
#define CONTROL_BACKLOG		16
#define CONTROL_HIWAT		(512 * 1024)	/* stop writing slices */
#define CONTROL_LOWAT		(128 * 1024)	/* write the next ones */
#define CONTROL_STEP_USEC	3000		/* per loop turn */

struct control_client {
	TAILQ_ENTRY(control_client) entry;
	struct control		*ctl;
	struct bufferevent	*bev;
	struct view_rib		*dump;		/* listing in progress */
	struct event		*ev_more;	/* continue it next turn */
	int			 answered;	/* request seen */
	int			 closing;	/* all queued: then close */
};
TAILQ_HEAD(control_clients, control_client);

struct control {
	struct bgpd		*bgpd;
	struct evconnlistener	*lev;
	struct sock_pause	*pause;		/* accept again after EMFILE */
	char			*path;
	struct control_clients	 clients;
	size_t			 nclients;
};

typedef int (*control_fn)(struct control_client *, int json, char **argv,
    int argc, char *err, size_t errlen);

static int	control_show_neighbors(struct control_client *, int, char **,
		    int, char *, size_t);
static int	control_show_neighbor(struct control_client *, int, char **,
		    int, char *, size_t);
static int	control_show_rib(struct control_client *, int, char **, int,
		    char *, size_t);
static int	control_show_memory(struct control_client *, int, char **,
		    int, char *, size_t);
static int	control_show_status(struct control_client *, int, char **,
		    int, char *, size_t);
static int	control_reload(struct control_client *, int, char **, int,
		    char *, size_t);
static int	control_show_regions(struct control_client *, int, char **,
		    int, char *, size_t);
static int	control_show_region(struct control_client *, int, char **,
		    int, char *, size_t);
static int	control_nyi(struct control_client *, int, char **, int,
		    char *, size_t);

/* The commands: one or two words, then the handler's arguments. */
static const struct control_cmd {
	const char	*w1;
	const char	*w2;		/* NULL: one-word command */
	control_fn	 fn;
} control_cmds[] = {
	{ "show", "neighbors", control_show_neighbors },
	{ "show", "neighbor", control_show_neighbor },
	{ "show", "rib", control_show_rib },
	{ "show", "memory", control_show_memory },
	{ "show", "status", control_show_status },
	{ "show", "regions", control_show_regions },
	{ "show", "region", control_show_region },
	{ "dump", "table", control_nyi },
	{ "reload", NULL, control_reload },
};

static void	control_client_free(struct control_client *);

static long long
control_usec(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct evbuffer *
control_out(struct control_client *c)
{
	return bufferevent_get_output(c->bev);
}

/* All is queued: the client goes once its output is sent. */
static void
control_finish(struct control_client *c)
{
	c->closing = 1;
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	if (evbuffer_get_length(control_out(c)) == 0)
		control_client_free(c);
}

static void
control_err(struct control_client *c, const char *msg)
{
	char	 line[CONTROL_LINE_MAX];
	char	*s;

	/* The message is one line whatever it quotes. */
	snprintf(line, sizeof(line), "%s", msg);
	for (s = line; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20)
			*s = ' ';
	evbuffer_add_printf(control_out(c), "ERR %s\n", line);
	control_finish(c);
}

static int
control_ok(struct control_client *c)
{
	return evbuffer_add(control_out(c), "OK\n", 3);
}

/* Has the listing continue in the next loop turn (after I/O). */
static void
control_more(struct control_client *c)
{
	static const struct timeval	now = { 0, 0 };

	evtimer_add(c->ev_more, &now);
}

/*
 * Writes listing slices until the output holds CONTROL_HIWAT or the time
 * budget is spent.  When it stops below CONTROL_LOWAT the write callback
 * would not come, so it asks the loop for another turn itself.
 */
static void
control_pump(struct control_client *c)
{
	struct evbuffer	*out = control_out(c);
	long long	 start = control_usec();
	int		 rv;

	while (evbuffer_get_length(out) < CONTROL_HIWAT) {
		if ((rv = view_rib_step(c->dump, out)) <= 0) {
			if (rv == -1)
				log_warnx("control: route listing failed");
			view_rib_free(c->dump);
			c->dump = NULL;
			control_finish(c);
			return;
		}
		if (control_usec() - start > CONTROL_STEP_USEC)
			break;
	}
	if (evbuffer_get_length(out) <= CONTROL_LOWAT)
		control_more(c);
}

static void
control_more_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct control_client	*c = arg;

	(void)fd;
	(void)ev;
	if (c->dump != NULL)
		control_pump(c);
}

/* Request handlers */

/* The neighbor named by text, or NULL with err set. */
static struct peer *
control_neighbor(struct control_client *c, const char *text,
    struct bw_addr *addr, char *err, size_t errlen)
{
	struct peer	*p;

	if (addr_parse(text, addr) == -1) {
		snprintf(err, errlen, "bad neighbor address: %s", text);
		return NULL;
	}
	if ((p = peer_find(c->ctl->bgpd, addr)) == NULL)
		snprintf(err, errlen, "no such neighbor: %s", text);
	return p;
}

/* Every neighbor (only NULL) or one. */
static int
control_neighbors(struct control_client *c, int json, const struct peer *only,
    char *err, size_t errlen)
{
	struct view_neighbors	v;

	if (view_neighbors_gather(c->ctl->bgpd, only, &v) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	control_ok(c);
	if (json)
		view_neighbors_json(&v, control_out(c));
	else
		view_neighbors_text(&v, control_out(c));
	view_neighbors_clear(&v);
	control_finish(c);
	return 0;
}

static int
control_show_neighbors(struct control_client *c, int json, char **argv,
    int argc, char *err, size_t errlen)
{
	(void)argv;
	if (argc != 0) {
		snprintf(err, errlen, "usage: show neighbors");
		return -1;
	}
	return control_neighbors(c, json, NULL, err, errlen);
}

static int
control_show_neighbor(struct control_client *c, int json, char **argv,
    int argc, char *err, size_t errlen)
{
	struct bw_addr	 addr;
	struct peer	*p;

	if (argc != 1) {
		snprintf(err, errlen, "usage: show neighbor ADDRESS");
		return -1;
	}
	if ((p = control_neighbor(c, argv[0], &addr, err, errlen)) == NULL)
		return -1;
	return control_neighbors(c, json, p, err, errlen);
}

/* What `show rib` was asked for. */
struct control_ribreq {
	int			count;
	struct peer		*peer;
	struct bw_addr		neighbor;
	int			has_pfx;
	struct bw_prefix	pfx;
};

/* A prefix, or an address taken as a host prefix. */
static int
control_prefix(const char *text, struct bw_prefix *pfx)
{
	struct bw_addr	a;

	if (prefix_parse(text, pfx) == 0)
		return 0;
	if (addr_parse(text, &a) == -1)
		return -1;
	return prefix_set(pfx, a.aid, a.b, (uint8_t)aid_maxplen(a.aid));
}

static int
control_rib_args(struct control_client *c, char **argv, int argc,
    struct control_ribreq *rq, char *err, size_t errlen)
{
	int	i;

	memset(rq, 0, sizeof(*rq));
	for (i = 0; i < argc; i++) {
		if (i == 0 && strcmp(argv[i], "count") == 0)
			rq->count = 1;
		else if (strcmp(argv[i], "neighbor") == 0 && i + 1 < argc &&
		    rq->peer == NULL) {
			rq->peer = control_neighbor(c, argv[++i],
			    &rq->neighbor, err, errlen);
			if (rq->peer == NULL)
				return -1;
		} else if (!rq->count && !rq->has_pfx &&
		    control_prefix(argv[i], &rq->pfx) == 0)
			rq->has_pfx = 1;
		else
			goto usage;
	}
	return 0;
usage:
	snprintf(err, errlen, "usage: show rib [neighbor ADDRESS] [PREFIX] | "
	    "show rib count [neighbor ADDRESS]");
	return -1;
}

static int
control_show_rib(struct control_client *c, int json, char **argv, int argc,
    char *err, size_t errlen)
{
	struct control_ribreq	rq;
	struct view_rib_count	vc;

	if (control_rib_args(c, argv, argc, &rq, err, errlen) == -1)
		return -1;
	if (rq.count) {
		view_rib_count_gather(c->ctl->bgpd, rq.peer, &vc);
		control_ok(c);
		if (json)
			view_rib_count_json(&vc, control_out(c));
		else
			view_rib_count_text(&vc, control_out(c));
		control_finish(c);
		return 0;
	}
	c->dump = view_rib_new(c->ctl->bgpd, json,
	    rq.peer != NULL ? &rq.neighbor : NULL, rq.has_pfx ? &rq.pfx : NULL);
	if (c->dump == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	control_ok(c);
	bufferevent_setwatermark(c->bev, EV_WRITE, CONTROL_LOWAT, 0);
	control_pump(c);
	return 0;
}

static int
control_show_memory(struct control_client *c, int json, char **argv,
    int argc, char *err, size_t errlen)
{
	struct view_memory	m;

	(void)argv;
	if (argc != 0) {
		snprintf(err, errlen, "usage: show memory");
		return -1;
	}
	view_memory_gather(c->ctl->bgpd, &m);
	control_ok(c);
	if (json)
		view_memory_json(&m, control_out(c));
	else
		view_memory_text(&m, control_out(c));
	control_finish(c);
	return 0;
}

/* show status [reset] (view_status.c says what reset does). */
static int
control_show_status(struct control_client *c, int json, char **argv,
    int argc, char *err, size_t errlen)
{
	struct view_status	st;
	int			reset = 0;

	if (argc == 1 && strcmp(argv[0], "reset") == 0)
		reset = 1;
	else if (argc != 0) {
		snprintf(err, errlen, "usage: show status [reset]");
		return -1;
	}
	view_status_gather(c->ctl->bgpd, reset, &st);
	control_ok(c);
	if (json)
		view_status_json(&st, control_out(c));
	else
		view_status_text(&st, control_out(c));
	control_finish(c);
	return 0;
}

static int
control_reload(struct control_client *c, int json, char **argv, int argc,
    char *err, size_t errlen)
{
	char	msg[CONF_ERRMSG_MAX];

	(void)argv;
	if (argc != 0) {
		snprintf(err, errlen, "usage: reload");
		return -1;
	}
	if (bgpd_reload(c->ctl->bgpd, msg, sizeof(msg)) == -1) {
		snprintf(err, errlen, "reload failed: %s", msg);
		return -1;
	}
	control_ok(c);
	if (json)
		evbuffer_add_printf(control_out(c), "{\"reloaded\":true}\n");
	else
		evbuffer_add_printf(control_out(c), "reload done\n");
	control_finish(c);
	return 0;
}

/* Every region (name NULL) or one. */
static int
control_regions(struct control_client *c, int json, const char *name,
    char *err, size_t errlen)
{
	struct view_regions	v;

	if (view_regions_gather(c->ctl->bgpd, name, &v) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (name != NULL && v.n == 0) {
		view_regions_clear(&v);
		snprintf(err, errlen, "no region %s", name);
		return -1;
	}
	control_ok(c);
	if (json)
		view_regions_json(&v, control_out(c));
	else
		view_regions_text(&v, control_out(c));
	view_regions_clear(&v);
	control_finish(c);
	return 0;
}

static int
control_show_regions(struct control_client *c, int json, char **argv,
    int argc, char *err, size_t errlen)
{
	(void)argv;
	if (argc != 0) {
		snprintf(err, errlen, "usage: show regions");
		return -1;
	}
	return control_regions(c, json, NULL, err, errlen);
}

static int
control_show_region(struct control_client *c, int json, char **argv,
    int argc, char *err, size_t errlen)
{
	if (argc != 1) {
		snprintf(err, errlen, "usage: show region NAME");
		return -1;
	}
	return control_regions(c, json, argv[0], err, errlen);
}

static int
control_nyi(struct control_client *c, int json, char **argv, int argc,
    char *err, size_t errlen)
{
	(void)c;
	(void)json;
	(void)argv;
	(void)argc;
	snprintf(err, errlen, "not yet implemented");
	return -1;
}

/* Splits line into words in place.  Returns their number, or -1. */
static int
control_words(char *line, char **w, int max)
{
	char	*s, *last;
	int	 n = 0;

	for (s = strtok_r(line, " \t", &last); s != NULL;
	    s = strtok_r(NULL, " \t", &last)) {
		if (n == max)
			return -1;
		w[n++] = s;
	}
	return n;
}

static void
control_request(struct control_client *c, char *line)
{
	const struct control_cmd	*cmd;
	char				*w[CONTROL_MAX_WORDS];
	char				 err[CONTROL_LINE_MAX];
	int				 n, json = 0, skip;
	size_t				 i;

	if ((n = control_words(line, w, CONTROL_MAX_WORDS)) == -1) {
		control_err(c, "too many words");
		return;
	}
	if (n > 0 && strcmp(w[0], "json") == 0)
		json = 1;
	for (i = 0; i < sizeof(control_cmds) / sizeof(control_cmds[0]); i++) {
		cmd = &control_cmds[i];
		skip = cmd->w2 != NULL ? 2 : 1;
		if (n - json < skip || strcmp(w[json], cmd->w1) != 0 ||
		    (cmd->w2 != NULL && strcmp(w[json + 1], cmd->w2) != 0))
			continue;
		log_debug("control: %s", cmd->w1);
		if (cmd->fn(c, json, w + json + skip, n - json - skip, err,
		    sizeof(err)) == -1)
			control_err(c, err);
		return;
	}
	control_err(c, n - json == 0 ? "empty request" : "unknown command");
}

/* Client I/O */

static void
control_read_cb(struct bufferevent *bev, void *arg)
{
	struct control_client	*c = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct evbuffer_ptr	 eol;
	char			 line[CONTROL_LINE_MAX + 1];
	size_t			 len;

	if (c->answered)
		return;
	eol = evbuffer_search_eol(in, NULL, NULL, EVBUFFER_EOL_LF);
	if (eol.pos < 0 && evbuffer_get_length(in) <= CONTROL_LINE_MAX)
		return;		/* more to come */
	c->answered = 1;
	bufferevent_disable(bev, EV_READ);
	if (eol.pos < 0 || (size_t)eol.pos > CONTROL_LINE_MAX) {
		control_err(c, "request too long");
		return;
	}
	len = (size_t)eol.pos;
	evbuffer_remove(in, line, len);
	line[len] = '\0';
	if (len > 0 && line[len - 1] == '\r')
		line[--len] = '\0';
	if (memchr(line, '\0', len) != NULL) {
		control_err(c, "malformed request");
		return;
	}
	control_request(c, line);
}

static void
control_write_cb(struct bufferevent *bev, void *arg)
{
	struct control_client	*c = arg;

	/* Via the timer: one slice batch per client and loop turn. */
	if (c->dump != NULL)
		control_more(c);
	else if (c->closing && evbuffer_get_length(
	    bufferevent_get_output(bev)) == 0)
		control_client_free(c);
}

static void
control_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct control_client	*c = arg;

	(void)bev;
	if ((what & BEV_EVENT_TIMEOUT) && (what & BEV_EVENT_READING))
		log_debug("control: client sent no request in time");
	else if (what & BEV_EVENT_TIMEOUT)
		log_debug("control: client stopped reading");
	/* EOF, error or timeout: whatever was not sent is of no use. */
	control_client_free(c);
}

static void
control_client_free(struct control_client *c)
{
	struct control	*ctl = c->ctl;

	TAILQ_REMOVE(&ctl->clients, c, entry);
	ctl->nclients--;
	view_rib_free(c->dump);
	if (c->ev_more != NULL)
		event_free(c->ev_more);
	bufferevent_free(c->bev);
	free(c);
}

static int
control_client_new(struct control *ctl, evutil_socket_t fd)
{
	struct control_client	*c;
	struct event_base	*base = ctl->bgpd->base;
	struct timeval		 rtv = { CONTROL_READ_TIMEOUT, 0 };
	struct timeval		 wtv = { CONTROL_WRITE_TIMEOUT, 0 };

	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto fail;
	c->ctl = ctl;
	if ((c->ev_more = evtimer_new(base, control_more_cb, c)) == NULL)
		goto fail;
	if ((c->bev = bufferevent_socket_new(base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		goto fail;
	fd = -1;
	bufferevent_setcb(c->bev, control_read_cb, control_write_cb,
	    control_event_cb, c);
	/* Past the longest request the input is not read any further. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, CONTROL_LINE_MAX + 2);
	bufferevent_set_timeouts(c->bev, &rtv, &wtv);
	if (bufferevent_enable(c->bev, EV_READ | EV_WRITE) == -1)
		goto fail;
	TAILQ_INSERT_TAIL(&ctl->clients, c, entry);
	ctl->nclients++;
	return 0;
fail:
	log_warn("control: new client");
	if (c != NULL) {
		if (c->bev != NULL)
			bufferevent_free(c->bev);
		if (c->ev_more != NULL)
			event_free(c->ev_more);
		free(c);
	}
	if (fd != -1)
		close(fd);
	return -1;
}

static void
control_accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	static const char	 busy[] = "ERR too many clients\n";
	struct control		*ctl = arg;

	(void)lev;
	(void)sa;
	(void)salen;
	if (ctl->nclients >= CONTROL_MAX_CLIENTS) {
		/* Best effort: the socket is new, its buffer empty. */
		if (write(fd, busy, sizeof(busy) - 1) == -1)
			log_debug("control: refusing a client: %s",
			    strerror(errno));
		close(fd);
		return;
	}
	control_client_new(ctl, fd);
}

/* Socket setup */

/* A listening unix socket at path, mode 0660.  Returns it, or -1. */
static int
control_listen(const char *path)
{
	char	err[CONTROL_LINE_MAX];
	int	fd;

	if ((fd = sock_listen_unix(path, CONTROL_SOCK_MODE, CONTROL_BACKLOG,
	    "control socket", err, sizeof(err))) == -1)
		log_warnx("%s%s", err, errno == ENOENT ? " (create it, or "
		    "change `control` in the configuration)" : "");
	return fd;
}

struct control *
control_new(struct bgpd *bgpd, const char *path)
{
	struct control	*ctl;
	int		 fd = -1;

	if ((ctl = calloc(1, sizeof(*ctl))) == NULL)
		goto fail;
	TAILQ_INIT(&ctl->clients);
	ctl->bgpd = bgpd;
	if ((ctl->path = strdup(path)) == NULL)
		goto fail;
	if ((fd = control_listen(path)) == -1)
		goto fail_logged;
	ctl->lev = evconnlistener_new(bgpd->base, control_accept_cb, ctl,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
	if (ctl->lev == NULL) {
		unlink(path);
		close(fd);
		goto fail;
	}
	if ((ctl->pause = sock_pause_attach(bgpd->base, ctl->lev,
	    "control socket")) == NULL) {
		evconnlistener_free(ctl->lev);
		unlink(path);
		goto fail;
	}
	log_debug("control socket %s: listening", path);
	return ctl;
fail:
	log_warn("control socket %s", path);
fail_logged:
	if (ctl != NULL) {
		free(ctl->path);
		free(ctl);
	}
	return NULL;
}

void
control_free(struct control *ctl)
{
	struct control_client	*c;

	if (ctl == NULL)
		return;
	while ((c = TAILQ_FIRST(&ctl->clients)) != NULL)
		control_client_free(c);
	sock_pause_free(ctl->pause);
	evconnlistener_free(ctl->lev);
	unlink(ctl->path);
	free(ctl->path);
	free(ctl);
}

size_t
control_nclients(const struct control *ctl)
{
	return ctl->nclients;
}
