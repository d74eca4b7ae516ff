/*
 * bmp { ... }: the BMP station (parse_priv.h, docs/bmp.md).
 *
 *   bmp {
 *       listen on ADDR [port N]           # any number; default port 11019
 *       max-message SIZE                  # bytes per BMP message
 *       buffer SIZE                       # bytes buffered per router
 *       router ADDR {                     # only listed routers are accepted
 *           description "..."
 *           connect port N                # we connect to a listening router
 *           max-routes N                  # all its monitored peers
 *           max-peers N                   # monitored (peer, view)s
 *           views pre-policy post-policy adj-rib-out-pre adj-rib-out-post loc-rib
 *       }
 *   }
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "parse_priv.h"

static const struct {
	const char	*name;
	uint8_t		 bit;
} bmp_views[] = {
	{ "pre-policy",		CONF_BMP_PRE },
	{ "post-policy",	CONF_BMP_POST },
	{ "adj-rib-out-pre",	CONF_BMP_OUT_PRE },
	{ "adj-rib-out-post",	CONF_BMP_OUT_POST },
	{ "loc-rib",		CONF_BMP_LOC_RIB },
	{ NULL,			0 }
};

static int
br_description(struct parser *p, void *arg)
{
	struct config_bmp_router *r = arg;

	return get_string(p, "description", CONF_MAX_DESCR, &r->descr);
}

static int
br_max_routes(struct parser *p, void *arg)
{
	struct config_bmp_router *r = arg;

	return get_u32(p, "max-routes", 0, UINT32_MAX, &r->max_routes);
}

static int
br_max_peers(struct parser *p, void *arg)
{
	struct config_bmp_router *r = arg;

	return get_u32(p, "max-peers", 1, 65535, &r->max_peers);
}

static int
br_views(struct parser *p, void *arg)
{
	struct config_bmp_router *r = arg;
	struct token *t;
	char q[QBUF];
	int i;

	r->views = 0;
	while ((t = peek(p))->type == TOK_WORD) {
		next(p);
		for (i = 0; bmp_views[i].name != NULL; i++)
			if (strcmp(t->text, bmp_views[i].name) == 0)
				break;
		if (bmp_views[i].name == NULL) {
			perr(p, t->line, "unknown BMP view %s (pre-policy, "
			    "post-policy, adj-rib-out-pre, adj-rib-out-post or "
			    "loc-rib)", quote(t->text, q, sizeof(q)));
			return -1;
		}
		r->views |= bmp_views[i].bit;
	}
	if (r->views == 0) {
		perr(p, p->tok.line, "views: at least one view expected");
		return -1;
	}
	return 0;
}

/* connect port N: the station connects (routers that listen, RFC 7854 3.2). */
static int
br_connect(struct parser *p, void *arg)
{
	struct config_bmp_router *r = arg;

	if (!accept_word(p, "port")) {
		perr(p, p->tok.line, "connect: \"port N\" expected");
		return -1;
	}
	return get_port(p, &r->connect_port);
}

static const struct keyword kw_bmp_router[] = {
	{ "connect",		br_connect,		KW_ONCE },
	{ "description",	br_description,		KW_ONCE },
	{ "max-peers",		br_max_peers,		KW_ONCE },
	{ "max-routes",		br_max_routes,		KW_ONCE },
	{ "views",		br_views,		KW_ONCE },
	{ NULL,			NULL,			0 }
};

static int
bmp_router(struct parser *p, void *arg)
{
	struct config_bmp *b = arg;
	struct config_bmp_router *r;
	struct bw_addr a;
	char ab[BW_ADDR_STRLEN];
	int line = p->tok.line;

	if (get_addr(p, "router address", &a) == -1)
		return -1;
	if (config_bmp_find(b, &a) != NULL) {
		perr(p, line, "duplicate BMP router %s",
		    addr_fmt(&a, ab, sizeof(ab)));
		return -1;
	}
	b->routers = grow(b->routers, b->nrouters, sizeof(*b->routers));
	r = &b->routers[b->nrouters++];
	memset(r, 0, sizeof(*r));
	r->addr = a;
	r->max_peers = CONF_DEFAULT_BMP_MAX_PEERS;
	r->views = CONF_BMP_DEFAULT_VIEWS;
	r->line = line;
	return parse_block(p, kw_bmp_router, r, "router", line);
}

static int
bmp_listen(struct parser *p, void *arg)
{
	struct config_bmp *b = arg;
	struct config_listen l;
	char ab[BW_ADDR_STRLEN];
	size_t i;

	memset(&l, 0, sizeof(l));
	if (expect_on(p) == -1 || get_addr(p, "listen address", &l.addr) == -1)
		return -1;
	l.port = CONF_DEFAULT_BMP_PORT;
	if (accept_word(p, "port") && get_port(p, &l.port) == -1)
		return -1;
	for (i = 0; i < b->nlistens; i++)
		if (memcmp(&b->listens[i], &l, sizeof(l)) == 0) {
			perr(p, p->tok.line, "duplicate bmp listen on %s "
			    "port %u", addr_fmt(&l.addr, ab, sizeof(ab)),
			    l.port);
			return -1;
		}
	b->listens = grow(b->listens, b->nlistens, sizeof(*b->listens));
	b->listens[b->nlistens++] = l;
	return 0;
}

static int
bmp_max_message(struct parser *p, void *arg)
{
	struct config_bmp *b = arg;
	uint64_t v;

	if (get_size(p, "max-message", &v) == -1)
		return -1;
	if (v < 4096 || v > 16 * 1024 * 1024) {
		perr(p, p->tok.line, "max-message must be 4K..16M");
		return -1;
	}
	b->max_message = (uint32_t)v;
	return 0;
}

static int
bmp_buffer(struct parser *p, void *arg)
{
	struct config_bmp *b = arg;

	if (get_size(p, "buffer", &b->buffer) == -1)
		return -1;
	if (b->buffer < 65536) {
		perr(p, p->tok.line, "buffer must be at least 64K");
		return -1;
	}
	return 0;
}

static const struct keyword kw_bmp[] = {
	{ "buffer",		bmp_buffer,		KW_ONCE },
	{ "listen",		bmp_listen,		0 },
	{ "max-message",	bmp_max_message,	KW_ONCE },
	{ "router",		bmp_router,		0 },
	{ NULL,			NULL,			0 }
};

int
kw_bmp_block(struct parser *p, void *arg)
{
	struct config *conf = arg;

	return parse_block(p, kw_bmp, &conf->bmp, "bmp", p->tok.line);
}

/* The view names, for the printer (config_bmp.c). */
const char *
config_bmp_view_name(uint8_t bit)
{
	int i;

	for (i = 0; bmp_views[i].name != NULL; i++)
		if (bmp_views[i].bit == bit)
			return bmp_views[i].name;
	return NULL;
}
