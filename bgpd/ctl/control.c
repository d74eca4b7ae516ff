/*
 * The control socket: a unix stream socket on the daemon's event loop
 * where bgpwatchctl (or any script: docs/control.md) sends one request
 * line and reads the answer, "OK\n" and the output or "ERR message\n",
 * until the daemon closes.
 *
 * Clients are untrusted and may be slow.  The request is bounded (one
 * line of CONTROL_LINE_MAX bytes, within CONTROL_READ_TIMEOUT), so are
 * the clients (CONTROL_MAX_CLIENTS).  The commands are control_cmd.c's
 * and what they print are views (view_*.c: gather the state once,
 * render it as text or JSON); this file reads, parses, dispatches and
 * streams.  Output is never built
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

#include "core.h"
#include "control.h"
#include "control_priv.h"
#include "mrt_archive.h"
#include "sock.h"
#include "view.h"

#define CONTROL_MAX_WORDS	128	/* a shutdown message has many */
#define CONTROL_BACKLOG		16
#define CONTROL_HIWAT		(512 * 1024)	/* stop writing slices */
#define CONTROL_STEP_USEC	3000		/* per loop turn */

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
	{ "show", "bmp", control_show_bmp },
	{ "dump", "table", control_dump_table },
	{ "reload", NULL, control_reload },
	{ "neighbor", NULL, control_neighbor_cmd },
};

static void	control_client_free(struct control_client *);

static long long
control_usec(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct evbuffer *
control_out(struct control_client *c)
{
	return bufferevent_get_output(c->bev);
}

/* All is queued: the client goes once its output is sent. */
void
control_finish(struct control_client *c)
{
	c->closing = 1;
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	if (evbuffer_get_length(control_out(c)) == 0)
		control_client_free(c);
}

void
control_fail(struct control_client *c, const char *msg)
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

int
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

void
control_stream(struct control_client *c, struct view_rib *dump)
{
	c->dump = dump;
	bufferevent_setwatermark(c->bev, EV_WRITE, CONTROL_LOWAT, 0);
	control_pump(c);
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
		control_fail(c, "too many words");
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
			control_fail(c, err);
		return;
	}
	control_fail(c, n - json == 0 ? "empty request" : "unknown command");
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
		control_fail(c, "request too long");
		return;
	}
	len = (size_t)eol.pos;
	evbuffer_remove(in, line, len);
	line[len] = '\0';
	if (len > 0 && line[len - 1] == '\r')
		line[--len] = '\0';
	if (memchr(line, '\0', len) != NULL) {
		control_fail(c, "malformed request");
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
	mrt_archive_forget(ctl->bgpd->mrt, c);
	core_reload_forget(ctl->bgpd, c);
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
	struct event_base	*base = ctl->bgpd->loop.base;
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
	ctl->lev = evconnlistener_new(bgpd->loop.base, control_accept_cb, ctl,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
	if (ctl->lev == NULL) {
		unlink(path);
		close(fd);
		goto fail;
	}
	if ((ctl->pause = sock_pause_attach(bgpd->loop.base, ctl->lev,
	    "control socket")) == NULL) {
		evconnlistener_free(ctl->lev);
		unlink(path);
		goto fail;
	}
	log_info("control socket %s: listening", path);
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
