/*
 * events { ... }: the event log and subscribers (parse_priv.h).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "parse_priv.h"

/*
 * events { ... }
 */

static int
ev_log_option(struct parser *p, struct config_events *ev, int *seen)
{
	struct token *t = peek(p);
	char q[QBUF];

	if (t->type == TOK_WORD && strcmp(t->text, "max-size") == 0 &&
	    !(*seen & 1)) {
		next(p);
		*seen |= 1;
		return get_size(p, "max-size", &ev->log_max_size);
	}
	if (t->type == TOK_WORD && strcmp(t->text, "keep") == 0 &&
	    !(*seen & 2)) {
		next(p);
		*seen |= 2;
		return get_u32(p, "keep", 1, 1000, &ev->log_keep);
	}
	perr(p, t->line, "unexpected %s in \"log\" (max-size or keep "
	    "expected, each once)", tok_desc(t, q, sizeof(q)));
	return -1;
}

static int
ev_log(struct parser *p, void *arg)
{
	struct config_events *ev = arg;
	enum tok_type tt;
	int seen = 0;

	if (ev->log_path != NULL) {
		perr(p, p->tok.line, "duplicate events log");
		return -1;
	}
	if (get_string(p, "log path", PATH_MAX, &ev->log_path) == -1)
		return -1;
	while ((tt = peek(p)->type) == TOK_WORD || tt == TOK_STRING)
		if (ev_log_option(p, ev, &seen) == -1)
			return -1;
	return 0;
}

static int
ev_queue_limit(struct parser *p, void *arg)
{
	struct config_events *ev = arg;

	return get_size(p, "queue-limit", &ev->queue_limit);
}

static int
sub_unix(struct parser *p, struct config_subscriber *s)
{
	uint64_t mode = 0;
	const char *m;
	char q[QBUF];

	s->type = CONF_SUB_UNIX;
	s->mode = CONF_DEFAULT_SUB_MODE;
	if (get_sockpath(p, "socket path", &s->path) == -1)
		return -1;
	if (!accept_word(p, "mode"))
		return 0;
	if ((m = get_arg(p, "mode")) == NULL)
		return -1;
	if (strlen(m) > 4 || strspn(m, "01234567") != strlen(m) || *m == '\0')
		goto bad;
	for (; *m != '\0'; m++)
		mode = mode * 8 + (*m - '0');
	if (mode > 0777)
		goto bad;
	s->mode = mode;
	return 0;
 bad:
	perr(p, p->tok.line, "invalid mode %s (octal, e.g. 0660)",
	    quote(p->tok.text, q, sizeof(q)));
	return -1;
}

static int
sub_tls_option(struct parser *p, struct config_subscriber *s, int *seen)
{
	struct tls_opts o = { &s->port, &s->cert, &s->key, &s->ca,
	    "subscribe tls", "port, cert, key or ca", "tls key" };

	return parse_tls_option(p, &o, seen);
}

static int
sub_tls(struct parser *p, struct config_subscriber *s)
{
	enum tok_type tt;
	int seen = 0;

	s->type = CONF_SUB_TLS;
	s->port = CONF_DEFAULT_TLS_PORT;
	if (get_addr(p, "subscribe tls address", &s->addr) == -1)
		return -1;
	while ((tt = peek(p)->type) == TOK_WORD || tt == TOK_STRING)
		if (sub_tls_option(p, s, &seen) == -1)
			return -1;
	if (s->cert == NULL || s->key == NULL) {
		perr(p, p->tok.line, "subscribe tls needs both cert and key");
		return -1;
	}
	return 0;
}

static int
sub_equal(const struct config_subscriber *a, const struct config_subscriber *b)
{
	if (a->type != b->type)
		return 0;
	if (a->type == CONF_SUB_UNIX)
		return strcmp(a->path, b->path) == 0;
	return memcmp(&a->addr, &b->addr, sizeof(a->addr)) == 0 &&
	    a->port == b->port;
}

static void
sub_free(struct config_subscriber *s)
{
	free(s->path);
	free(s->cert);
	free(s->key);
	free(s->ca);
}

static int
ev_subscribe(struct parser *p, void *arg)
{
	struct config_events *ev = arg;
	struct config_subscriber s;
	const char *type;
	char q[QBUF];
	int line = p->tok.line, rc;
	size_t i;

	memset(&s, 0, sizeof(s));
	if ((type = get_arg(p, "\"unix\" or \"tls\"")) == NULL)
		return -1;
	if (strcmp(type, "unix") == 0)
		rc = sub_unix(p, &s);
	else if (strcmp(type, "tls") == 0)
		rc = sub_tls(p, &s);
	else {
		perr(p, line, "unknown subscriber type %s (unix or tls)",
		    quote(type, q, sizeof(q)));
		return -1;
	}
	for (i = 0; rc == 0 && i < ev->nsubs; i++)
		if (sub_equal(&ev->subs[i], &s)) {
			perr(p, line, "duplicate subscriber");
			rc = -1;
		}
	if (rc == -1) {
		sub_free(&s);
		return -1;
	}
	if (p->sub_line == 0) {
		snprintf(p->sub_file, sizeof(p->sub_file), "%s", cur_file(p));
		p->sub_line = line;
	}
	ev->subs = grow(ev->subs, ev->nsubs, sizeof(*ev->subs));
	ev->subs[ev->nsubs++] = s;
	return 0;
}

static const struct keyword kw_events[] = {
	{ "kafka",		kw_kafka_block,		KW_ONCE },
	{ "log",		ev_log,			0 },
	{ "queue-limit",	ev_queue_limit,		KW_ONCE },
	{ "subscribe",		ev_subscribe,		0 },
	{ NULL,			NULL,			0 }
};

int
kw_events_block(struct parser *p, void *arg)
{
	struct config *conf = arg;

	return parse_block(p, kw_events, &conf->events, "events",
	    p->tok.line);
}
