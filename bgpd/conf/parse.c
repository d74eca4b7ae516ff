/*
 * The configuration parser: a hand-written lexer and a recursive-descent
 * parser driven by keyword tables, one table per block (top level,
 * neighbor, region, events).  Adding a keyword is adding a row and a
 * small function.
 *
 * The file is untrusted input.  Each file is read whole into memory, up
 * to CONF_MAX_FILE bytes (CONF_MAX_TOTAL with its includes), and the
 * lexer walks it with an index that never passes its length.  Tokens
 * and lines are bounded; NUL bytes and control characters are errors.
 *
 * Errors do not stop the parse: each is recorded as "FILE:LINE: message"
 * naming the offending token, the rest of the statement is skipped (a
 * whole block when its header was bad) and parsing goes on, up to
 * CONF_MAX_ERRORS.  Blocks never span files: an include is a top-level
 * statement, and an included file is parsed as a sequence of top-level
 * statements before the lexer returns to the including file.
 *
 * Checks that need a whole block (remote-as missing, threshold order)
 * run when the block closes, global ones (local-as missing) at the end.
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
 * Top-level statements.
 */

static int
kw_local_as(struct parser *p, void *arg)
{
	struct config *conf = arg;

	return get_asn(p, "local-as", &conf->local_as);
}

static int
kw_router_id(struct parser *p, void *arg)
{
	struct config *conf = arg;
	static const uint8_t zero[BW_ADDR_MAX];
	struct bw_addr a;

	if (get_addr(p, "router-id", &a) == -1)
		return -1;
	if (a.aid != AID_INET) {
		perr(p, p->tok.line, "router-id must be an IPv4 address, got "
		    "%s", p->tok.text);
		return -1;
	}
	if (memcmp(a.b, zero, 4) == 0) {
		perr(p, p->tok.line, "router-id 0.0.0.0 is not valid");
		return -1;
	}
	conf->router_id = a;
	return 0;
}

static int
kw_listen(struct parser *p, void *arg)
{
	struct config *conf = arg;
	struct config_listen l;
	char ab[BW_ADDR_STRLEN];
	size_t i;

	memset(&l, 0, sizeof(l));
	if (expect_on(p) == -1)
		return -1;
	if (get_addr(p, "listen address", &l.addr) == -1)
		return -1;
	l.port = CONF_DEFAULT_BGP_PORT;
	if (accept_word(p, "port") && get_port(p, &l.port) == -1)
		return -1;
	for (i = 0; i < conf->nlistens; i++)
		if (memcmp(&conf->listens[i], &l, sizeof(l)) == 0) {
			perr(p, p->tok.line, "duplicate listen on %s port %u",
			    addr_fmt(&l.addr, ab, sizeof(ab)), l.port);
			return -1;
		}
	conf->listens = grow(conf->listens, conf->nlistens,
	    sizeof(*conf->listens));
	conf->listens[conf->nlistens++] = l;
	return 0;
}

static int
kw_control(struct parser *p, void *arg)
{
	struct config *conf = arg;

	return get_sockpath(p, "control socket path", &conf->control_path);
}

static int
kw_collector_id(struct parser *p, void *arg)
{
	struct config *conf = arg;

	return get_string(p, "collector id", CONF_MAX_NAME,
	    &conf->collector_id);
}

static int
kw_user(struct parser *p, void *arg)
{
	struct config *conf = arg;

	return get_string(p, "user name", CONF_MAX_NAME, &conf->user);
}


static int
kw_hold_time(struct parser *p, void *arg)
{
	struct config *conf = arg;

	return get_holdtime(p, &conf->hold_time);
}

static int
kw_connect_retry(struct parser *p, void *arg)
{
	struct config *conf = arg;

	return get_duration(p, "connect-retry", 1, &conf->connect_retry);
}

static int
kw_eligible_after(struct parser *p, void *arg)
{
	struct config *conf = arg;

	return get_duration(p, "eligible-after", 0, &conf->eligible_after);
}

static int
kw_full_feed(struct parser *p, void *arg)
{
	struct config *conf = arg;

	return get_percent(p, "full-feed", &conf->full_feed);
}

static int
kw_log_rate(struct parser *p, void *arg)
{
	struct config *conf = arg;

	return get_u32(p, "log-rate", 0, 100000, &conf->log_rate);
}

static int
kw_rir_stats(struct parser *p, void *arg)
{
	struct config *conf = arg;
	char *path = NULL, q[QBUF];
	size_t i;

	if (get_string(p, "rir-stats path", PATH_MAX, &path) == -1)
		return -1;
	for (i = 0; i < conf->nrir_stats; i++)
		if (strcmp(conf->rir_stats[i], path) == 0) {
			perr(p, p->tok.line, "duplicate rir-stats %s",
			    quote(path, q, sizeof(q)));
			free(path);
			return -1;
		}
	conf->rir_stats = grow(conf->rir_stats, conf->nrir_stats,
	    sizeof(*conf->rir_stats));
	conf->rir_stats[conf->nrir_stats++] = path;
	return 0;
}

static int
kw_metrics(struct parser *p, void *arg)
{
	struct config *conf = arg;

	if (expect_on(p) == -1)
		return -1;
	if (get_addr(p, "metrics address", &conf->metrics.addr) == -1)
		return -1;
	conf->metrics.port = CONF_DEFAULT_METRICS_PORT;
	if (accept_word(p, "port") && get_port(p, &conf->metrics.port) == -1)
		return -1;
	conf->metrics.enabled = 1;
	return 0;
}

/* Resolves name against the directory of the including file. */
static int
include_path(const char *includer, const char *name, char *out, size_t len)
{
	const char *slash = strrchr(includer, '/');
	int n;

	if (name[0] == '/' || slash == NULL)
		n = snprintf(out, len, "%s", name);
	else
		n = snprintf(out, len, "%.*s/%s", (int)(slash - includer),
		    includer, name);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int
kw_include(struct parser *p, void *arg)
{
	char *name = NULL, path[PATH_MAX], file[PATH_MAX], q[QBUF];
	struct token *t;
	int line;

	(void)arg;
	if (get_string(p, "include file", PATH_MAX, &name) == -1)
		return -1;
	line = p->tok.line;
	/*
	 * Consume the end of the statement before the lexer switches files,
	 * so that no lookahead of this file is pending (EOF is sticky).
	 */
	t = peek(p);
	if (t->type != TOK_TERM && t->type != TOK_EOF) {
		perr(p, t->line, "unexpected %s at end of \"include\" "
		    "statement", tok_desc(t, q, sizeof(q)));
		goto fail;
	}
	next(p);
	snprintf(file, sizeof(file), "%s", cur_file(p));
	if (p->nfiles > CONF_MAX_INCLUDE_DEPTH) {
		perr(p, line, "includes nested too deep (more than %d levels)",
		    CONF_MAX_INCLUDE_DEPTH);
	} else if (include_path(file, name, path, sizeof(path)) == -1)
		perr(p, line, "include path too long");
	else
		lex_push(p, path, file, line);
	free(name);
	return 0;
 fail:
	free(name);
	return -1;
}

static const struct keyword kw_top[] = {
	{ "bmp",		kw_bmp_block,		KW_ONCE },
	{ "collector-id",	kw_collector_id,	KW_ONCE },
	{ "connect-retry",	kw_connect_retry,	KW_ONCE },
	{ "control",		kw_control,		KW_ONCE },
	{ "eligible-after",	kw_eligible_after,	KW_ONCE },
	{ "events",		kw_events_block,	0 },
	{ "full-feed",		kw_full_feed,		KW_ONCE },
	{ "hold-time",		kw_hold_time,		KW_ONCE },
	{ "include",		kw_include,		KW_OWNEND },
	{ "listen",		kw_listen,		0 },
	{ "local-as",		kw_local_as,		KW_ONCE },
	{ "log-rate",		kw_log_rate,		KW_ONCE },
	{ "metrics",		kw_metrics,		KW_ONCE },
	{ "mrt",		kw_mrt_block,		KW_ONCE },
	{ "neighbor",		kw_neighbor_block,	0 },
	{ "region",		kw_region_block,	0 },
	{ "rir-stats",		kw_rir_stats,		0 },
	{ "router-id",		kw_router_id,		KW_ONCE },
	{ "user",		kw_user,		KW_ONCE },
	{ "websocket",		kw_websocket,		KW_ONCE },
	{ NULL,			NULL,			0 }
};

/*
 * Blocks and statements.
 */

/* Parses the statement whose keyword is the current token. */
static void
parse_statement(struct parser *p, const struct keyword *kw, void *arg,
    uint64_t *seen, const char *block)
{
	const struct keyword *k;
	char q[QBUF];
	uint64_t bit;

	for (k = kw; k->name != NULL; k++)
		if (strcmp(k->name, p->tok.text) == 0)
			break;
	if (k->name == NULL) {
		perr(p, p->tok.line, "unknown keyword %s%s%s%s",
		    quote(p->tok.text, q, sizeof(q)), block ? " in " : "",
		    block ? block : "", block ? " block" : "");
		skip_statement(p);
		return;
	}
	bit = 1ULL << (k - kw);
	if ((k->flags & KW_ONCE) && (*seen & bit)) {
		perr(p, p->tok.line, "duplicate \"%s\"%s%s", k->name,
		    block ? " in " : "", block ? block : "");
		skip_statement(p);
		return;
	}
	*seen |= bit;
	p->stmt = k->name;
	if (k->fn(p, arg) == -1 ||
	    (!(k->flags & KW_OWNEND) && end_statement(p) == -1))
		skip_statement(p);
}

/* "{" statements "}"; returns -1 if the block is not closed. */
int
parse_block(struct parser *p, const struct keyword *kw, void *arg,
    const char *block, int line)
{
	struct token *t;
	uint64_t seen = 0;
	char q[QBUF];

	while (peek(p)->type == TOK_TERM)
		next(p);
	t = peek(p);
	if (t->type != TOK_LBRACE) {
		perr(p, t->line, "\"{\" expected after %s, got %s", block,
		    tok_desc(t, q, sizeof(q)));
		return -1;
	}
	next(p);
	while (!p->giveup) {
		t = next(p);
		switch (t->type) {
		case TOK_TERM:
			break;
		case TOK_RBRACE:
			return 0;
		case TOK_EOF:
			perr(p, t->line, "missing \"}\" of the %s block opened "
			    "at line %d", block, line);
			return -1;
		case TOK_WORD:
			parse_statement(p, kw, arg, &seen, block);
			break;
		case TOK_ERROR:
			skip_statement(p);
			break;
		default:
			perr(p, t->line, "unexpected %s in %s block",
			    tok_desc(t, q, sizeof(q)), block);
			skip_depth(p, t->type == TOK_LBRACE);
			break;
		}
	}
	return -1;
}

static void
parse_toplevel(struct parser *p)
{
	struct token *t;
	char q[QBUF];

	while (!p->giveup) {
		t = next(p);
		switch (t->type) {
		case TOK_EOF:
			if (p->nfiles == 1)
				return;
			lex_pop(p);
			break;
		case TOK_TERM:
			break;
		case TOK_WORD:
			parse_statement(p, kw_top, p->conf, &p->top_seen,
			    NULL);
			break;
		case TOK_ERROR:
			skip_statement(p);
			break;
		default:
			perr(p, t->line, "unexpected %s",
			    tok_desc(t, q, sizeof(q)));
			skip_depth(p, t->type == TOK_LBRACE);
			break;
		}
	}
}

static int
top_seen(struct parser *p, const char *name)
{
	const struct keyword *k;

	for (k = kw_top; k->name != NULL; k++)
		if (strcmp(k->name, name) == 0)
			return (p->top_seen & (1ULL << (k - kw_top))) != 0;
	return 0;
}

/* Defaults that depend on the rest, and checks of the whole config. */
static void
parse_finish(struct parser *p)
{
	struct config *conf = p->conf;
	struct config_neighbor *n;
	struct lexfile *f = p->files[0];

	/* A keyword given with a bad value has been reported already. */
	if (!top_seen(p, "local-as"))
		error_at(p, f->path, lex_lastline(f), "local-as missing");
	if (!top_seen(p, "router-id"))
		error_at(p, f->path, lex_lastline(f), "router-id missing");
	if (conf->events.nsubs > 0 && conf->events.log_path == NULL)
		error_at(p, p->sub_file, p->sub_line, "subscribers need an "
		    "events log (add: log \"PATH\" in the events block)");
	TAILQ_FOREACH(n, &conf->neighbors, entry)
		if (!(n->flags & CONF_NB_HOLD_SET))
			n->hold_time = conf->hold_time;
	if (conf->control_path == NULL &&
	    (conf->control_path = strdup(CONF_DEFAULT_CONTROL)) == NULL)
		fatal("parse_finish");
	if (conf->nlistens == 0) {
		conf->listens = calloc(2, sizeof(*conf->listens));
		if (conf->listens == NULL)
			fatal("parse_finish");
		addr_parse("0.0.0.0", &conf->listens[0].addr);
		addr_parse("::", &conf->listens[1].addr);
		conf->listens[0].port = conf->listens[1].port =
		    CONF_DEFAULT_BGP_PORT;
		conf->nlistens = 2;
	}
}

static struct config *
parse_run(struct parser *p)
{
	parse_toplevel(p);
	if (!p->giveup)
		parse_finish(p);
	while (p->nfiles > 0)
		lex_pop(p);
	if (p->errs->n > 0) {
		config_free(p->conf);
		return NULL;
	}
	return p->conf;
}

static struct parser *
parser_new(struct config_errors *errs)
{
	struct parser *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		fatal("parser_new");
	memset(errs, 0, sizeof(*errs));
	p->errs = errs;
	p->conf = config_new();
	return p;
}

struct config *
config_parse(const char *path, struct config_errors *errs)
{
	struct parser *p = parser_new(errs);
	struct config *conf = NULL;

	if (lex_push(p, path, path, 0) == -1) {
		config_free(p->conf);
		goto done;
	}
	conf = parse_run(p);
 done:
	free(p);
	return conf;
}

struct config *
config_parse_buf(const char *name, const char *buf, size_t len,
    struct config_errors *errs)
{
	struct parser *p = parser_new(errs);
	struct lexfile *f;
	struct config *conf = NULL;

	if (len > CONF_MAX_FILE) {
		error_at(p, name, 0, "too large (more than %d bytes)",
		    CONF_MAX_FILE);
		config_free(p->conf);
		goto done;
	}
	f = lexfile_new(name);
	f->buf = buf;		/* borrowed */
	f->len = len;
	p->total = len;
	p->files[p->nfiles++] = f;
	conf = parse_run(p);
 done:
	free(p);
	return conf;
}
