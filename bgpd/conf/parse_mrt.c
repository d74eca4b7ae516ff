/*
 * mrt { ... }: the MRT archive (parse_priv.h; docs/archive.md).
 *
 *	mrt {
 *		updates "PATH" [rotate DURATION] [all]
 *		table "PATH" [every DURATION]
 *		compress gzip | bzip2 [level N] | none
 *		queue-limit SIZE
 *		exit-wait DURATION
 *	}
 *
 * PATHs are strftime(3) patterns expanded with the start of the file's
 * interval (UTC).  The helpers a reload and printconf.c need live here
 * too, so that the archive's settings are in one file.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "parse_priv.h"

#define MRT_MIN_INTERVAL	1	/* seconds; tests rotate fast */

static int
mrt_path(struct parser *p, const char *what, char **out)
{
	char q[QBUF];

	if (*out != NULL) {
		perr(p, p->tok.line, "duplicate %s", what);
		return -1;
	}
	if (get_string(p, what, PATH_MAX - 16, out) == -1)
		return -1;
	if (**out == '\0') {
		perr(p, p->tok.line, "empty %s path %s", what,
		    quote(*out, q, sizeof(q)));
		return -1;
	}
	return 0;
}

static int
mrt_updates(struct parser *p, void *arg)
{
	struct config_mrt *m = arg;
	struct token *t;
	char q[QBUF];
	int seen = 0;

	if (mrt_path(p, "updates", &m->updates) == -1)
		return -1;
	while ((t = peek(p))->type == TOK_WORD) {
		if (strcmp(t->text, "rotate") == 0 && !(seen & 1)) {
			next(p);
			seen |= 1;
			if (get_duration(p, "rotate", MRT_MIN_INTERVAL,
			    &m->rotate) == -1)
				return -1;
		} else if (strcmp(t->text, "all") == 0 && !(seen & 2)) {
			next(p);
			seen |= 2;
			m->all_messages = 1;
		} else {
			perr(p, t->line, "unexpected %s in \"updates\" "
			    "(rotate or all expected, each once)",
			    tok_desc(t, q, sizeof(q)));
			return -1;
		}
	}
	return 0;
}

static int
mrt_table(struct parser *p, void *arg)
{
	struct config_mrt *m = arg;

	if (mrt_path(p, "table", &m->table) == -1)
		return -1;
	if (accept_word(p, "every"))
		return get_duration(p, "every", MRT_MIN_INTERVAL, &m->every);
	return 0;
}

static int
mrt_compress(struct parser *p, void *arg)
{
	struct config_mrt *m = arg;
	const char *s;
	char q[QBUF];
	uint32_t level;

	if ((s = get_arg(p, "compress")) == NULL)
		return -1;
	if (strcmp(s, "gzip") == 0)
		m->compress = CONF_MRT_GZIP;
	else if (strcmp(s, "bzip2") == 0)
		m->compress = CONF_MRT_BZIP2;
	else if (strcmp(s, "none") == 0)
		m->compress = CONF_MRT_NONE;
	else {
		perr(p, p->tok.line, "unknown compression %s (gzip, bzip2 or "
		    "none)", quote(s, q, sizeof(q)));
		return -1;
	}
	if (m->compress != CONF_MRT_NONE && accept_word(p, "level")) {
		if (get_u32(p, "level", 1, 9, &level) == -1)
			return -1;
		m->level = (uint8_t)level;
	}
	return 0;
}

static int
mrt_queue_limit(struct parser *p, void *arg)
{
	struct config_mrt *m = arg;

	if (get_size(p, "queue-limit", &m->queue_limit) == -1)
		return -1;
	if (m->queue_limit < 1024 * 1024) {
		perr(p, p->tok.line, "queue-limit must be at least 1M");
		return -1;
	}
	return 0;
}

static int
mrt_exit_wait(struct parser *p, void *arg)
{
	struct config_mrt *m = arg;

	return get_duration(p, "exit-wait", 0, &m->exit_wait);
}

static const struct keyword kw_mrt[] = {
	{ "compress",		mrt_compress,		KW_ONCE },
	{ "exit-wait",		mrt_exit_wait,		KW_ONCE },
	{ "queue-limit",	mrt_queue_limit,	KW_ONCE },
	{ "table",		mrt_table,		0 },
	{ "updates",		mrt_updates,		0 },
	{ NULL,			NULL,			0 }
};

int
kw_mrt_block(struct parser *p, void *arg)
{
	struct config *conf = arg;
	struct config_mrt *m = &conf->mrt;
	int line = p->tok.line;

	m->enabled = 1;
	m->line = line;
	m->rotate = CONF_DEFAULT_MRT_ROTATE;
	m->every = CONF_DEFAULT_MRT_EVERY;
	m->queue_limit = CONF_DEFAULT_MRT_QUEUE;
	m->exit_wait = CONF_DEFAULT_MRT_EXIT_WAIT;
	if (parse_block(p, kw_mrt, m, "mrt", line) == -1)
		return -1;
	if (m->updates == NULL && m->table == NULL) {
		perr(p, line, "mrt block needs updates or table");
		return -1;
	}
	return 0;
}

const char *
config_mrt_compress_name(enum config_mrt_compress c)
{
	switch (c) {
	case CONF_MRT_GZIP:
		return "gzip";
	case CONF_MRT_BZIP2:
		return "bzip2";
	default:
		return "none";
	}
}

void
config_mrt_free(struct config_mrt *m)
{
	free(m->updates);
	free(m->table);
	m->updates = m->table = NULL;
}

static int
str_equal(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

int
config_mrt_equal(const struct config_mrt *a, const struct config_mrt *b)
{
	if (a->enabled != b->enabled)
		return 0;
	if (!a->enabled)
		return 1;
	return str_equal(a->updates, b->updates) && a->rotate == b->rotate &&
	    a->all_messages == b->all_messages &&
	    str_equal(a->table, b->table) && a->every == b->every &&
	    a->compress == b->compress && a->level == b->level &&
	    a->queue_limit == b->queue_limit;
}
