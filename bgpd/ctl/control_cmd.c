/*
 * The commands of the control socket (docs/control.md): each checks its
 * arguments, gathers its view (view_*.c) and renders it as text or JSON
 * after "OK\n"; `show rib` hands a listing to control_stream().  The
 * socket, the clients and the dispatch table are control.c's.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core.h"
#include "log.h"
#include "control.h"
#include "control_priv.h"
#include "mrt_archive.h"
#include "view.h"
#include "view_bmp.h"

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
	if ((p = peer_find(&c->ctl->bgpd->peers, addr)) == NULL)
		snprintf(err, errlen, "no such neighbor: %s", text);
	return p;
}

/* Every neighbor (only NULL) or one. */
static int
control_neighbors(struct control_client *c, int json,
    const struct peer *only, char *err, size_t errlen)
{
	struct view_neighbors	v;
	struct view_bmp		b;

	memset(&b, 0, sizeof(b));
	if (view_neighbors_gather(c->ctl->bgpd, only, &v) == -1 ||
	    (only == NULL && view_bmp_gather(c->ctl->bgpd, &b) == -1)) {
		view_neighbors_clear(&v);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	control_ok(c);
	if (json)
		view_neighbors_json_more(&v, only == NULL ?
		    view_bmp_neighbors_json : NULL, &b, control_out(c));
	else {
		view_neighbors_text(&v, control_out(c));
		view_bmp_neighbors_text(&b, control_out(c));
	}
	view_neighbors_clear(&v);
	view_bmp_clear(&b);
	control_finish(c);
	return 0;
}

int
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

int
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
	struct view_rib_filter	filter;
	int			has_neighbor;	/* a BGP peer or BMP source */
	int			has_router;	/* BMP: router ADDR */
	struct bw_addr		router;
	const char		*view;		/* BMP: view NAME */
};

/* neighbor ADDR of show rib: a BGP peer, or a BMP-monitored peer. */
static int
control_rib_neighbor(struct control_client *c, const char *text,
    struct control_ribreq *rq, char *err, size_t errlen)
{
	struct view_bmp_filter	f;

	if ((rq->peer = control_neighbor(c, text, &rq->neighbor, err,
	    errlen)) != NULL) {
		rq->has_neighbor = 1;
		return 0;
	}
	if (addr_parse(text, &rq->neighbor) == -1)
		return -1;		/* bad address: err says so */
	memset(&f, 0, sizeof(f));
	f.neighbor = &rq->neighbor;
	if (view_bmp_sources(c->ctl->bgpd, &f, NULL, NULL) == 0)
		return -1;		/* "no such neighbor" */
	rq->has_neighbor = 1;
	return 0;
}

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

/* A decimal number of at most max.  Returns 0, or -1. */
static int
control_u32(const char *s, uint32_t max, uint32_t *v)
{
	char			*end;
	unsigned long long	 n;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || n > max)
		return -1;
	*v = (uint32_t)n;
	return 0;
}

/*
 * One `show rib` filter: "source-as AS", "peer-as AS" (AS or ASnnn),
 * "community A:B" (16-bit halves) or "community A:B:C" (large).
 * Returns 0, or -1 if word is no filter or val is bad for it.
 */
static int
control_rib_filter(const char *word, const char *val,
    struct view_rib_filter *f)
{
	char		 buf[64], *p, *q;
	uint32_t	 a, b, c;

	if (strncasecmp(val, "AS", 2) == 0 &&
	    (strcmp(word, "source-as") == 0 || strcmp(word, "peer-as") == 0))
		val += 2;
	if (strcmp(word, "source-as") == 0 &&
	    control_u32(val, UINT32_MAX, &f->source_as) == 0) {
		f->has |= VIEW_F_SOURCE_AS;
		return 0;
	}
	if (strcmp(word, "peer-as") == 0 &&
	    control_u32(val, UINT32_MAX, &f->peer_as) == 0) {
		f->has |= VIEW_F_PEER_AS;
		return 0;
	}
	if (strcmp(word, "community") != 0 || strlen(val) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", val);
	if ((p = strchr(buf, ':')) == NULL)
		return -1;
	*p++ = '\0';
	if ((q = strchr(p, ':')) != NULL) {
		*q++ = '\0';
		if (control_u32(buf, UINT32_MAX, &a) == -1 ||
		    control_u32(p, UINT32_MAX, &b) == -1 ||
		    control_u32(q, UINT32_MAX, &c) == -1)
			return -1;
		f->large[0] = a;
		f->large[1] = b;
		f->large[2] = c;
		f->has |= VIEW_F_LARGE;
		return 0;
	}
	if (control_u32(buf, 0xffff, &a) == -1 ||
	    control_u32(p, 0xffff, &b) == -1)
		return -1;
	f->community = a << 16 | b;
	f->has |= VIEW_F_COMMUNITY;
	return 0;
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
		    !rq->has_neighbor) {
			if (control_rib_neighbor(c, argv[++i], rq, err,
			    errlen) == -1)
				return -1;
		} else if (strcmp(argv[i], "router") == 0 && i + 1 < argc &&
		    !rq->has_router) {
			if (addr_parse(argv[++i], &rq->router) == -1) {
				snprintf(err, errlen, "bad router address: %s",
				    argv[i]);
				return -1;
			}
			rq->has_router = 1;
		} else if (strcmp(argv[i], "view") == 0 && i + 1 < argc &&
		    rq->view == NULL) {
			rq->view = argv[++i];
			if (!view_bmp_view_known(rq->view)) {
				snprintf(err, errlen, "unknown BMP view: %s",
				    rq->view);
				return -1;
			}
		} else if (!rq->count && i + 1 < argc &&
		    control_rib_filter(argv[i], argv[i + 1], &rq->filter) == 0)
			i++;
		else if (!rq->count && !rq->has_pfx &&
		    control_prefix(argv[i], &rq->pfx) == 0)
			rq->has_pfx = 1;
		else
			goto usage;
	}
	return 0;
usage:
	snprintf(err, errlen, "usage: show rib [neighbor ADDRESS] [router "
	    "ADDRESS] [view VIEW] [source-as AS] [peer-as AS] [community A:B "
	    "| A:B:C] [PREFIX] | show rib count [neighbor ADDRESS] [router "
	    "ADDRESS] [view VIEW]");
	return -1;
}

int
control_show_rib(struct control_client *c, int json, char **argv, int argc,
    char *err, size_t errlen)
{
	struct control_ribreq	rq;
	struct view_rib_count	vc;

	if (control_rib_args(c, argv, argc, &rq, err, errlen) == -1)
		return -1;
	if (rq.count) {
		if (rq.has_router || rq.view != NULL ||
		    (rq.has_neighbor && rq.peer == NULL))
			view_bmp_count(c->ctl->bgpd, rq.has_neighbor ?
			    &rq.neighbor : NULL, rq.has_router ? &rq.router :
			    NULL, rq.view, &vc);
		else
			view_rib_count_gather(c->ctl->bgpd, rq.peer, &vc);
		control_ok(c);
		if (json)
			view_rib_count_json(&vc, control_out(c));
		else
			view_rib_count_text(&vc, control_out(c));
		control_finish(c);
		return 0;
	}
	c->dump = view_rib_new_filtered(c->ctl->bgpd, json,
	    rq.has_neighbor ? &rq.neighbor : NULL, rq.has_pfx ? &rq.pfx : NULL,
	    &rq.filter);
	if (c->dump == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	view_rib_set_bmp(c->dump, rq.has_router ? &rq.router : NULL, rq.view);
	control_ok(c);
	control_stream(c, c->dump);
	return 0;
}

int
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
int
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

/* The reload is over: the answer goes now. */
static void
control_reload_done(void *arg, int ok, const char *msg)
{
	struct control_client	*c = arg;
	char			 line[CONTROL_LINE_MAX];

	if (!ok) {
		snprintf(line, sizeof(line), "reload failed: %s", msg);
		control_fail(c, line);
		return;
	}
	control_ok(c);
	if (c->json)
		evbuffer_add_printf(control_out(c), "{\"reloaded\":true}\n");
	else
		evbuffer_add_printf(control_out(c), "reload done\n");
	control_finish(c);
}

/*
 * reload: answers once the reload is over, after the statistics files
 * are read when they changed (on a thread, the loop running).
 */
int
control_reload(struct control_client *c, int json, char **argv, int argc,
    char *err, size_t errlen)
{
	char	msg[CONF_ERRMSG_MAX];
	int	rv;

	(void)argv;
	if (argc != 0) {
		snprintf(err, errlen, "usage: reload");
		return -1;
	}
	log_info("bgpwatchctl: reloading the configuration");
	c->json = json;
	if ((rv = core_reload(c->ctl->bgpd, control_reload_done, c, msg,
	    sizeof(msg))) == -1) {
		snprintf(err, errlen, "reload failed: %s", msg);
		return -1;
	}
	if (rv == 0)
		control_reload_done(c, 1, NULL);
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

int
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

int
control_show_region(struct control_client *c, int json, char **argv,
    int argc, char *err, size_t errlen)
{
	if (argc != 1) {
		snprintf(err, errlen, "usage: show region NAME");
		return -1;
	}
	return control_regions(c, json, argv[0], err, errlen);
}

/* The table dump is complete (or failed): the answer goes now. */
static void
control_dump_done(void *arg, int ok, const char *msg, uint64_t routes)
{
	struct control_client	*c = arg;
	struct evbuffer		*out = control_out(c);

	if (!ok) {
		evbuffer_add_printf(out, "ERR table dump failed: %s\n", msg);
		control_finish(c);
		return;
	}
	control_ok(c);
	if (c->json)
		evbuffer_add_printf(out, "{\"file\":\"%s\",\"routes\":%llu}\n",
		    msg, (unsigned long long)routes);
	else
		evbuffer_add_printf(out, "table dump %s: %llu routes\n", msg,
		    (unsigned long long)routes);
	control_finish(c);
}

/*
 * dump table FILE: answers once FILE is complete (written as FILE.tmp,
 * then renamed); .gz or .bz2 compress it.
 */
int
control_dump_table(struct control_client *c, int json, char **argv,
    int argc, char *err, size_t errlen)
{
	if (argc != 1) {
		snprintf(err, errlen, "usage: dump table FILE");
		return -1;
	}
	if (argv[0][0] != '/' || strchr(argv[0], '"') != NULL ||
	    strchr(argv[0], '\\') != NULL) {
		snprintf(err, errlen, "dump table: FILE must be an absolute "
		    "path without quotes or backslashes");
		return -1;
	}
	if (c->ctl->bgpd->mrt == NULL) {
		snprintf(err, errlen, "dump table: no archive (replay mode)");
		return -1;
	}
	c->json = json;
	return mrt_archive_dump(c->ctl->bgpd->mrt, argv[0], control_dump_done,
	    c, err, errlen);
}
