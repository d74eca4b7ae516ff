/*
 * websocket on ADDR [port N] [cert F key F [ca F]] [{ ... }]: the RIS
 * Live stream (bgpd/rislive/, docs/rislive.md).  The block holds the
 * client allow-list and the limits that keep hostile clients cheap.
 * The settings' defaults, comparison, canonical text and freeing live
 * here too, so that the shared config files only call in.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "parse_priv.h"

void
config_websocket_defaults(struct config_websocket *ws)
{
	ws->port = CONF_DEFAULT_WS_PORT;
	ws->max_clients = CONF_DEFAULT_WS_CLIENTS;
	ws->max_subs = CONF_DEFAULT_WS_SUBS;
	ws->max_message = CONF_DEFAULT_WS_MESSAGE;
	ws->queue_limit = CONF_DEFAULT_WS_QUEUE;
	ws->idle_timeout = CONF_DEFAULT_WS_IDLE;
	ws->subscribe_rate = CONF_DEFAULT_WS_SUBRATE;
	ws->thread_nice = CONF_DEFAULT_WS_NICE;
}

void
config_websocket_free(struct config_websocket *ws)
{
	free(ws->cert);
	free(ws->key);
	free(ws->ca);
	free(ws->allow);
	memset(ws, 0, sizeof(*ws));
}

static int
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

int
config_websocket_equal(const struct config_websocket *a,
    const struct config_websocket *b)
{
	return a->enabled == b->enabled &&
	    memcmp(&a->addr, &b->addr, sizeof(a->addr)) == 0 &&
	    a->port == b->port && str_eq(a->cert, b->cert) &&
	    str_eq(a->key, b->key) && str_eq(a->ca, b->ca) &&
	    a->nallow == b->nallow && (a->nallow == 0 ||
	    memcmp(a->allow, b->allow, a->nallow * sizeof(*a->allow)) == 0) &&
	    a->max_clients == b->max_clients && a->max_subs == b->max_subs &&
	    a->max_message == b->max_message &&
	    a->queue_limit == b->queue_limit &&
	    a->idle_timeout == b->idle_timeout &&
	    a->subscribe_rate == b->subscribe_rate &&
	    a->thread_nice == b->thread_nice;
}

static void
ws_print_str(FILE *fp, const char *kw, const char *s)
{
	if (s == NULL)
		return;
	fprintf(fp, " %s ", kw);
	config_print_string(fp, s);
}

void
config_websocket_print(FILE *fp, const struct config_websocket *ws)
{
	char ab[BW_ADDR_STRLEN], pb[BW_PREFIX_STRLEN];
	size_t i;

	if (!ws->enabled)
		return;
	fprintf(fp, "\nwebsocket on %s port %u", addr_fmt(&ws->addr, ab,
	    sizeof(ab)), ws->port);
	ws_print_str(fp, "cert", ws->cert);
	ws_print_str(fp, "key", ws->key);
	ws_print_str(fp, "ca", ws->ca);
	fprintf(fp, " {\n");
	for (i = 0; i < ws->nallow; i++)
		fprintf(fp, "\tallow %s\n", prefix_fmt(&ws->allow[i], pb,
		    sizeof(pb)));
	fprintf(fp, "\tmax-clients %u\n\tmax-subscriptions %u\n"
	    "\tmax-message %u\n\tqueue-limit %llu\n\tidle-timeout ",
	    ws->max_clients, ws->max_subs, ws->max_message,
	    (unsigned long long)ws->queue_limit);
	config_print_duration(fp, ws->idle_timeout);
	fprintf(fp, "\n\tsubscribe-rate %u\n\tthread-nice %u\n}\n",
	    ws->subscribe_rate, ws->thread_nice);
}

static int
ws_allow(struct parser *p, void *arg)
{
	struct config_websocket *ws = arg;
	struct bw_prefix pfx;

	if (get_prefix(p, &pfx) == -1)
		return -1;
	if (ws->nallow >= 1024) {
		perr(p, p->tok.line, "too many allow lines (at most 1024)");
		return -1;
	}
	ws->allow = grow(ws->allow, ws->nallow, sizeof(*ws->allow));
	ws->allow[ws->nallow++] = pfx;
	return 0;
}

static int
ws_max_clients(struct parser *p, void *arg)
{
	struct config_websocket *ws = arg;

	return get_u32(p, "max-clients", 1, 100000, &ws->max_clients);
}

static int
ws_max_subs(struct parser *p, void *arg)
{
	struct config_websocket *ws = arg;

	return get_u32(p, "max-subscriptions", 1, 100000, &ws->max_subs);
}

static int
ws_max_message(struct parser *p, void *arg)
{
	struct config_websocket *ws = arg;
	uint64_t v;

	if (get_size(p, "max-message", &v) == -1)
		return -1;
	if (v < 1024 || v > 16 * 1024 * 1024) {
		perr(p, p->tok.line, "max-message must be 1K..16M");
		return -1;
	}
	ws->max_message = (uint32_t)v;
	return 0;
}

static int
ws_queue_limit(struct parser *p, void *arg)
{
	struct config_websocket *ws = arg;

	if (get_size(p, "queue-limit", &ws->queue_limit) == -1)
		return -1;
	if (ws->queue_limit < 4096) {
		perr(p, p->tok.line, "queue-limit must be at least 4K");
		return -1;
	}
	return 0;
}

static int
ws_idle_timeout(struct parser *p, void *arg)
{
	struct config_websocket *ws = arg;

	return get_duration(p, "idle-timeout", 1, &ws->idle_timeout);
}

static int
ws_subscribe_rate(struct parser *p, void *arg)
{
	struct config_websocket *ws = arg;

	return get_u32(p, "subscribe-rate", 1, 100000, &ws->subscribe_rate);
}

static int
ws_thread_nice(struct parser *p, void *arg)
{
	struct config_websocket *ws = arg;

	return get_u32(p, "thread-nice", 0, 19, &ws->thread_nice);
}

static const struct keyword kw_ws[] = {
	{ "allow",		ws_allow,		0 },
	{ "idle-timeout",	ws_idle_timeout,	KW_ONCE },
	{ "max-clients",	ws_max_clients,		KW_ONCE },
	{ "max-message",	ws_max_message,		KW_ONCE },
	{ "max-subscriptions",	ws_max_subs,		KW_ONCE },
	{ "queue-limit",	ws_queue_limit,		KW_ONCE },
	{ "subscribe-rate",	ws_subscribe_rate,	KW_ONCE },
	{ "thread-nice",	ws_thread_nice,		KW_ONCE },
	{ NULL,			NULL,			0 }
};

static int
ws_option(struct parser *p, struct config_websocket *ws, int *seen)
{
	struct tls_opts o = { &ws->port, &ws->cert, &ws->key, &ws->ca,
	    "websocket", "port, cert, key, ca or \"{\"", "websocket key" };

	return parse_tls_option(p, &o, seen);
}

int
kw_websocket(struct parser *p, void *arg)
{
	struct config *conf = arg;
	struct config_websocket *ws = &conf->websocket;
	enum tok_type tt;
	int seen = 0, line = p->tok.line;

	if (expect_on(p) == -1)
		return -1;
	if (get_addr(p, "websocket address", &ws->addr) == -1)
		return -1;
	ws->enabled = 1;
	while ((tt = peek(p)->type) == TOK_WORD || tt == TOK_STRING)
		if (ws_option(p, ws, &seen) == -1)
			return -1;
	if ((ws->cert == NULL) != (ws->key == NULL)) {
		perr(p, line, "websocket needs both cert and key (or neither)");
		return -1;
	}
	if (ws->ca != NULL && ws->cert == NULL) {
		perr(p, line, "websocket: ca needs cert and key");
		return -1;
	}
	if (peek(p)->type == TOK_LBRACE)
		return parse_block(p, kw_ws, ws, "websocket", line);
	return 0;
}
