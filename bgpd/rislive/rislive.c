/*
 * The RIS Live stream's server: one listener (TCP, or TLS when a cert
 * is configured) whose connections start as HTTP.  GET / gets the status
 * page; GET /v1/ws/ with an Upgrade becomes a WebSocket, framed by
 * wslay (RFC 6455) over the connection's bufferevent.  Clients send
 * ris_subscribe, ris_unsubscribe, ping, request_rrc_list and
 * bgpwatch_subscribe; they get ris_message for every tap message that
 * one of their subscriptions matches.
 *
 * Nothing a client does can block the loop or grow memory without
 * bound: the request head is capped and timed, client messages are
 * capped (wslay closes with 1009), subscribes are rate limited and
 * counted, and what waits for a client is capped (queue-limit): past it
 * the client is cut with a log line.  Each message is encoded once (and
 * once more with raw) whatever the number of clients, and framed once:
 * the clients' output buffers share its bytes (rislive_out.c).
 */
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <jansson.h>

#include "log.h"
#include "rislive_priv.h"
#include "sock.h"

#define RL_WS_GUID	"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define RL_BACKLOG	128

static const char *const rl_drop_names[RL_DROP_MAX] = {
	"slow", "idle", "protocol", "too_big", "full", "denied", "flood",
	"tls"
};

const char *
rislive_drop_name(enum rislive_drop d)
{
	return d < RL_DROP_MAX ? rl_drop_names[d] : "?";
}

static void	rl_client_free(struct rl_client *);
static void	rl_update_active(struct rislive *);
static void	rl_ws_read(struct rl_client *);
static void	rl_linger(struct rl_client *);

/* Logs at most 20 client lines a second: a flood of bad clients must
 * not flood the log. */
static void
rl_log(const char *fmt, ...)
{
	static time_t sec;
	static int n, dropped;
	char buf[256];
	time_t now = time(NULL);
	va_list ap;

	if (now != sec) {
		if (dropped > 0)
			log_info("rislive: %d more client lines suppressed",
			    dropped);
		sec = now;
		n = dropped = 0;
	}
	if (++n > 20) {
		dropped++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_info("rislive: %s", buf);
}

/* Marks c to be cut (reason counted, logged); freed by rl_reap(). */
static void
rl_kill(struct rl_client *c, enum rislive_drop why, const char *fmt, ...)
{
	va_list ap;

	if (c->kill)
		return;
	c->kill = (int)why + 1;
	va_start(ap, fmt);
	vsnprintf(c->kill_why, sizeof(c->kill_why), fmt, ap);
	va_end(ap);
}

/* Frees c if it was marked.  Returns 1 if it is gone. */
static int
rl_reap(struct rl_client *c)
{
	if (!c->kill)
		return 0;
	c->rl->st.drops[c->kill - 1]++;
	rl_log("%s dropped (%s): %s", c->name,
	    rl_drop_names[c->kill - 1], c->kill_why);
	/* A flood is told why (1008) and gets what was queued before;
	 * a client that does not read gets nothing more. */
	if (c->kill - 1 == RL_DROP_FLOOD && c->state == RL_C_WS) {
		wslay_event_queue_close(c->ws, WSLAY_CODE_POLICY_VIOLATION,
		    (const uint8_t *)"subscribe flood", 15);
		wslay_event_send(c->ws);
		rl_linger(c);
		return 1;
	}
	rl_client_free(c);
	return 1;
}

/* All written: half-close, then wait for the client's end (a close
 * with unread input would be a reset, losing what we wrote). */
static void
rl_linger_done(struct rl_client *c)
{
	if (c->lingering)
		return;
	c->lingering = 1;
	if (c->rl->ssl == NULL)
		shutdown(bufferevent_getfd(c->bev), SHUT_WR);
}

/*
 * Ignores what the client sends from now on; frees c once what is
 * queued has been written and the client closed (or after a timeout).
 */
static void
rl_linger(struct rl_client *c)
{
	struct timeval rtv = { RL_LINGER, 0 }, wtv = { RL_WRITE_TIMEOUT, 0 };

	c->state = RL_C_CLOSING;
	bufferevent_set_timeouts(c->bev, &rtv, &wtv);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		rl_linger_done(c);
}

static size_t
rl_queued(const struct rl_client *c)
{
	return evbuffer_get_length(bufferevent_get_output(c->bev)) +
	    c->run_len;
}

/*
 * Over the cap: first hand what is queued to the kernel (a burst of
 * messages is queued in one loop turn, before the bufferevent writes),
 * then judge.  Plain sockets only; TLS writes go through OpenSSL.
 * Returns 1 if the queue is still over the cap.
 */
static int
rl_over_cap(struct rl_client *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	if (rl_queued(c) <= c->rl->conf.queue_limit)
		return 0;
	if (rl_run_flush(c) == -1)
		return 1;
	if (c->rl->ssl == NULL)
		while (evbuffer_get_length(out) > 0 &&
		    evbuffer_write(out, bufferevent_getfd(c->bev)) > 0)
			;
	return evbuffer_get_length(out) > c->rl->conf.queue_limit;
}

/* A message of len bytes was queued for c: count it, cut a client that
 * no longer reads. */
static void
rl_sent(struct rl_client *c, size_t len)
{
	c->rl->st.messages++;
	c->rl->st.bytes += len;
	if (rl_over_cap(c))
		rl_kill(c, RL_DROP_SLOW, "send queue over %llu bytes (client "
		    "does not read)", (unsigned long long)
		    c->rl->conf.queue_limit);
}

/*
 * Queues one text message to c (rsv: WSLAY_RSV1_BIT when p is deflated);
 * marks c if its queue is over the cap.
 */
static void
rl_send_rsv(struct rl_client *c, const void *p, size_t len, uint8_t rsv)
{
	struct wslay_event_msg m;

	if (c->kill || c->state != RL_C_WS)
		return;
	m.opcode = WSLAY_TEXT_FRAME;
	m.msg = p;
	m.msg_length = len;
	if (wslay_event_queue_msg_ex(c->ws, &m, rsv) != 0)
		return;
	if (wslay_event_send(c->ws) != 0) {
		rl_kill(c, RL_DROP_PROTOCOL, "send failed");
		return;
	}
	rl_sent(c, len);
}

static void
rl_send(struct rl_client *c, const void *p, size_t len)
{
	rl_send_rsv(c, p, len, WSLAY_RSV_NONE);
}

static void
rl_send_str(struct rl_client *c, const char *s)
{
	rl_send(c, s, strlen(s));
}

/* {"type":"ris_error","data":{"message":...}} */
static void
rl_error(struct rl_client *c, const char *msg)
{
	json_t *o;
	char *s;

	c->rl->st.errors++;
	o = json_pack("{s:s,s:{s:s}}", "type", "ris_error", "data",
	    "message", msg);
	if (o == NULL || (s = json_dumps(o, JSON_COMPACT)) == NULL) {
		json_decref(o);
		return;
	}
	rl_send_str(c, s);
	free(s);
	json_decref(o);
}

/*
 * wslay callbacks
 */

static ssize_t
rl_ws_recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len,
    int flags, void *arg)
{
	struct rl_client *c = arg;
	int n;

	(void)flags;
	n = evbuffer_remove(bufferevent_get_input(c->bev), buf, len);
	if (n <= 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	return n;
}

static ssize_t
rl_ws_send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len,
    int flags, void *arg)
{
	struct rl_client *c = arg;

	(void)flags;
	/* The shared frames queued before go first. */
	if (rl_run_flush(c) == -1 ||
	    evbuffer_add(bufferevent_get_output(c->bev), data, len) != 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	return (ssize_t)len;
}

static int
rl_ws_genmask_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len,
    void *arg)
{
	(void)ctx;
	(void)arg;
	memset(buf, 0, len);	/* servers do not mask */
	return 0;
}

/* Takes one subscribe token; refuses (and counts) past the rate. */
static int
rl_rate_ok(struct rl_client *c)
{
	struct timespec ts;
	double now, rate = c->rl->conf.subscribe_rate;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = ts.tv_sec + ts.tv_nsec / 1e9;
	c->tokens += (now - c->tokens_at) * rate;
	if (c->tokens > 2 * rate)
		c->tokens = 2 * rate;
	c->tokens_at = now;
	if (c->tokens >= 1) {
		c->tokens -= 1;
		return 1;
	}
	if (++c->strikes > 100)
		rl_kill(c, RL_DROP_FLOOD, "more than 100 subscribes over the "
		    "rate limit");
	else {
		char msg[96];

		snprintf(msg, sizeof(msg), "too many subscribe messages (at "
		    "most %u per second)", c->rl->conf.subscribe_rate);
		rl_error(c, msg);
	}
	return 0;
}

static void
rl_recount_raw(struct rl_client *c)
{
	size_t i;

	c->raw = 0;
	for (i = 0; i < c->nsubs; i++)
		c->raw |= c->subs[i].raw;
}

static void
rl_subscribe(struct rl_client *c, json_t *data)
{
	struct rl_sub s;
	char err[160];
	int ack;
	size_t i;
	json_t *o;
	char *str;

	if (!rl_rate_ok(c))
		return;
	if ((ack = rl_sub_parse(data, &s, err, sizeof(err))) == -1) {
		rl_error(c, err);
		return;
	}
	for (i = 0; i < c->nsubs; i++)
		if (strcmp(c->subs[i].key, s.key) == 0)
			break;
	if (i == c->nsubs && c->nsubs >= c->rl->conf.max_subs) {
		snprintf(err, sizeof(err), "too many subscriptions (at most "
		    "%u per connection)", c->rl->conf.max_subs);
		rl_error(c, err);
		rl_sub_free(&s);
		return;
	}
	if (i == c->nsubs) {
		if ((c->subs = realloc(c->subs, (c->nsubs + 1) *
		    sizeof(*c->subs))) == NULL)
			fatal("rislive subscribe");
		c->subs[c->nsubs++] = s;
		c->rl->st.subscriptions++;
		rl_recount_raw(c);
		rl_update_active(c->rl);
	} else
		rl_sub_free(&s);
	if (!ack)
		return;
	o = json_pack("{s:s,s:{s:O}}", "type", "ris_subscribe_ok", "data",
	    "subscription", data != NULL ? data : json_null());
	if (o == NULL || (str = json_dumps(o, JSON_COMPACT)) == NULL) {
		json_decref(o);
		return;
	}
	rl_send_str(c, str);
	free(str);
	json_decref(o);
}

static void
rl_unsubscribe(struct rl_client *c, json_t *data)
{
	char *key;
	size_t i;

	if ((key = rl_sub_key(data)) == NULL) {
		rl_error(c, "cannot read the subscription");
		return;
	}
	for (i = 0; i < c->nsubs; i++)
		if (strcmp(c->subs[i].key, key) == 0) {
			rl_sub_free(&c->subs[i]);
			c->subs[i] = c->subs[--c->nsubs];
			c->rl->st.subscriptions--;
			break;
		}
	free(key);
	rl_recount_raw(c);
	rl_update_active(c->rl);
}

/* {"type":"bgpwatch_event","data":EVENT} */
static void
rl_send_event(struct rl_client *c, const struct rislive_event *ev)
{
	struct evbuffer *b = c->rl->scratch;
	size_t len;

	evbuffer_drain(b, evbuffer_get_length(b));
	evbuffer_add_printf(b, "{\"type\":\"bgpwatch_event\",\"data\":");
	evbuffer_add(b, ev->json, ev->len);
	evbuffer_add(b, "}", 1);
	len = evbuffer_get_length(b);
	rl_send(c, evbuffer_pullup(b, (ssize_t)len), len);
}

struct rl_replay {
	struct rl_client	*c;
	struct rl_evsub		*es;
	uint64_t		 last;
};

static void
rl_replay_emit(void *arg, const struct rislive_event *ev)
{
	struct rl_replay *r = arg;

	if (ev->seq > r->last)
		r->last = ev->seq;
	if (rl_evsub_match(r->es, ev))
		rl_send_event(r->c, ev);
}

static void
rl_bgpwatch_subscribe(struct rl_client *c, json_t *data)
{
	struct rislive *rl = c->rl;
	struct rl_evsub es;
	struct rl_replay r;
	uint64_t from = 0;
	char err[160], ok[128];
	int has_from;
	long n = 0;

	if (!rl_rate_ok(c))
		return;
	if (rl_evsub_parse(data, &es, &from, &has_from, err, sizeof(err)) ==
	    -1) {
		rl_error(c, err);
		return;
	}
	if (c->nevsubs >= c->rl->conf.max_subs) {
		rl_error(c, "too many bgpwatch subscriptions");
		rl_evsub_free(&es);
		return;
	}
	if ((c->evsubs = realloc(c->evsubs, (c->nevsubs + 1) *
	    sizeof(*c->evsubs))) == NULL)
		fatal("rislive bgpwatch_subscribe");
	c->evsubs[c->nevsubs++] = es;
	snprintf(ok, sizeof(ok), "{\"type\":\"bgpwatch_subscribe_ok\","
	    "\"data\":{\"next_seq\":%llu}}", (unsigned long long)
	    rl->live_next);
	rl_send_str(c, ok);
	if (!has_from)
		return;
	if (rl->hooks.replay == NULL) {
		rl_error(c, "no event log to replay from");
		return;
	}
	r.c = c;
	r.es = &c->evsubs[c->nevsubs - 1];
	r.last = 0;
	n = rl->hooks.replay(rl->hooks.arg, from, RL_REPLAY_MAX,
	    rl_replay_emit, &r);
	if (n < 0)
		rl_error(c, "cannot read the event log");
	/* Live events that the log had already are not sent twice (the
	 * loop thread logs an event before it queues it here). */
	if (r.last > c->ev_after)
		c->ev_after = r.last;
}

static void
rl_client_message(struct rl_client *c, const uint8_t *msg, size_t len)
{
	json_error_t jerr;
	json_t *o, *data;
	const char *type;
	char err[200];

	if ((o = json_loadb((const char *)msg, len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL) {
		snprintf(err, sizeof(err), "malformed JSON: %s", jerr.text);
		rl_error(c, err);
		return;
	}
	type = json_string_value(json_object_get(o, "type"));
	data = json_object_get(o, "data");
	if (!json_is_object(o) || type == NULL)
		rl_error(c, "a message is an object with a \"type\"");
	else if (strcmp(type, "ris_subscribe") == 0)
		rl_subscribe(c, data);
	else if (strcmp(type, "ris_unsubscribe") == 0)
		rl_unsubscribe(c, data);
	else if (strcmp(type, "ping") == 0)
		rl_send_str(c, "{\"type\":\"pong\",\"data\":null}");
	else if (strcmp(type, "request_rrc_list") == 0) {
		json_t *r = json_pack("{s:s,s:[s]}", "type", "ris_rrc_list",
		    "data", c->rl->host);
		char *s = r ? json_dumps(r, JSON_COMPACT) : NULL;

		if (s != NULL)
			rl_send_str(c, s);
		free(s);
		json_decref(r);
	} else if (strcmp(type, "bgpwatch_subscribe") == 0)
		rl_bgpwatch_subscribe(c, data);
	else if (strcmp(type, "bgpwatch_unsubscribe") == 0) {
		while (c->nevsubs > 0)
			rl_evsub_free(&c->evsubs[--c->nevsubs]);
	} else {
		snprintf(err, sizeof(err), "unknown message type \"%.60s\"",
		    type);
		rl_error(c, err);
	}
	json_decref(o);
}

static void
rl_ws_dispatch(struct rl_client *c, uint8_t opcode, const uint8_t *msg,
    size_t len)
{
	if (opcode == WSLAY_TEXT_FRAME)
		rl_client_message(c, msg, len);
	else if (opcode == WSLAY_BINARY_FRAME)
		rl_error(c, "binary messages are not understood (send JSON "
		    "text)");
}

static void
rl_ws_msg_cb(wslay_event_context_ptr ctx,
    const struct wslay_event_on_msg_recv_arg *arg, void *user)
{
	struct rl_client *c = user;
	struct evbuffer *b;
	uint8_t *msg;
	size_t len;
	int r;

	if ((arg->opcode != WSLAY_TEXT_FRAME &&
	    arg->opcode != WSLAY_BINARY_FRAME) ||
	    !(arg->rsv & WSLAY_RSV1_BIT)) {
		rl_ws_dispatch(c, arg->opcode, arg->msg, arg->msg_length);
		return;
	}
	/* Compressed (permessage-deflate): every one goes through the
	 * client's inflate stream, which keeps its context. */
	if ((b = evbuffer_new()) == NULL)
		fatal("rislive inflate");
	r = rl_inflate(c, arg->msg, arg->msg_length, b,
	    c->rl->conf.max_message);
	if (r == 1) {
		c->rl->st.drops[RL_DROP_TOO_BIG]++;
		wslay_event_queue_close(ctx, WSLAY_CODE_MESSAGE_TOO_BIG, NULL,
		    0);
	} else if (r == -1) {
		c->rl->st.drops[RL_DROP_PROTOCOL]++;
		wslay_event_queue_close(ctx,
		    WSLAY_CODE_INVALID_FRAME_PAYLOAD_DATA, NULL, 0);
	} else {
		len = evbuffer_get_length(b);
		msg = evbuffer_pullup(b, (ssize_t)len);
		rl_ws_dispatch(c, arg->opcode, msg != NULL ? msg :
		    (const uint8_t *)"", len);
	}
	evbuffer_free(b);
}

static const struct wslay_event_callbacks rl_ws_callbacks = {
	rl_ws_recv_cb, rl_ws_send_cb, rl_ws_genmask_cb, NULL, NULL, NULL,
	rl_ws_msg_cb
};

/* After wslay read or wrote: cut, or close when the WebSocket is over. */
static void
rl_ws_after(struct rl_client *c)
{
	uint16_t code;

	if (rl_reap(c))
		return;
	if (wslay_event_want_read(c->ws) || wslay_event_want_write(c->ws))
		return;
	code = wslay_event_get_status_code_sent(c->ws);
	if (code == WSLAY_CODE_MESSAGE_TOO_BIG)
		c->rl->st.drops[RL_DROP_TOO_BIG]++;
	else if (code == WSLAY_CODE_PROTOCOL_ERROR ||
	    code == WSLAY_CODE_INVALID_FRAME_PAYLOAD_DATA)
		c->rl->st.drops[RL_DROP_PROTOCOL]++;
	if (code != WSLAY_CODE_NORMAL_CLOSURE && code != 0)
		rl_log("%s closed with status %u", c->name, code);
	rl_linger(c);
}

static void
rl_ws_read(struct rl_client *c)
{
	if (wslay_event_recv(c->ws) != 0)
		rl_kill(c, RL_DROP_PROTOCOL, "WebSocket read failed");
	else if (!c->kill && wslay_event_send(c->ws) != 0)
		rl_kill(c, RL_DROP_PROTOCOL, "WebSocket write failed");
	if (!c->kill && rl_over_cap(c))
		rl_kill(c, RL_DROP_SLOW, "send queue over %llu bytes",
		    (unsigned long long)c->rl->conf.queue_limit);
	rl_ws_after(c);
}

/*
 * HTTP: the request head, then the page or the upgrade.
 */

static void
rl_http_reply(struct rl_client *c, const char *status, const char *body)
{
	evbuffer_add_printf(bufferevent_get_output(c->bev),
	    "HTTP/1.1 %s\r\nContent-Type: text/plain\r\nContent-Length: %zu"
	    "\r\nConnection: close\r\n\r\n%s", status, strlen(body), body);
	rl_linger(c);
}

static void
rl_http_page(struct rl_client *c)
{
	struct evbuffer *b = c->rl->scratch;

	c->rl->st.pages++;
	evbuffer_drain(b, evbuffer_get_length(b));
	rislive_page_write(b, "");
	evbuffer_add_printf(bufferevent_get_output(c->bev),
	    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
	    "Content-Length: %zu\r\nCache-Control: no-store\r\n"
	    "Connection: close\r\n\r\n", evbuffer_get_length(b));
	evbuffer_add_buffer(bufferevent_get_output(c->bev), b);
	rl_linger(c);
}

/* The value of header name in head (lines after the first), or NULL. */
static const char *
rl_header(char *head, const char *name, char *out, size_t outlen)
{
	size_t nlen = strlen(name);
	char *line, *end, *v;

	for (line = strstr(head, "\r\n"); line != NULL; line = end) {
		line += 2;
		if ((end = strstr(line, "\r\n")) == NULL)
			break;
		if ((size_t)(end - line) <= nlen || line[nlen] != ':' ||
		    strncasecmp(line, name, nlen) != 0)
			continue;
		for (v = line + nlen + 1; *v == ' ' || *v == '\t'; v++)
			;
		if ((size_t)(end - v) >= outlen)
			return NULL;
		memcpy(out, v, (size_t)(end - v));
		out[end - v] = '\0';
		while (end > v && (out[end - v - 1] == ' ' ||
		    out[end - v - 1] == '\t'))
			out[--end - v] = '\0';
		return out;
	}
	return NULL;
}

static int
rl_has_token(const char *list, const char *tok)
{
	size_t n = strlen(tok);
	const char *p;

	for (p = list; *p != '\0'; p++)
		if (strncasecmp(p, tok, n) == 0 && (p == list ||
		    p[-1] == ' ' || p[-1] == ',') && (p[n] == '\0' ||
		    p[n] == ',' || p[n] == ' '))
			return 1;
	return 0;
}

static int
rl_accept_key(const char *key, char *out, size_t outlen)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;
	char buf[128];
	int n;

	n = snprintf(buf, sizeof(buf), "%s%s", key, RL_WS_GUID);
	if (n < 0 || (size_t)n >= sizeof(buf) || outlen < 32)
		return -1;
	if (EVP_Digest(buf, (size_t)n, md, &mdlen, EVP_sha1(), NULL) != 1)
		return -1;
	EVP_EncodeBlock((unsigned char *)out, md, (int)mdlen);
	return 0;
}

static int
rl_upgrade(struct rl_client *c, char *head)
{
	struct wslay_event_callbacks cb = rl_ws_callbacks;
	struct rislive *rl = c->rl;
	char key[64], acc[64], v[128], ext[512], resp[160];

	if (rl_header(head, "Upgrade", v, sizeof(v)) == NULL ||
	    strcasecmp(v, "websocket") != 0 ||
	    rl_header(head, "Connection", v, sizeof(v)) == NULL ||
	    !rl_has_token(v, "upgrade") ||
	    rl_header(head, "Sec-WebSocket-Version", v, sizeof(v)) == NULL ||
	    strcmp(v, "13") != 0 ||
	    rl_header(head, "Sec-WebSocket-Key", key, sizeof(key)) == NULL ||
	    rl_accept_key(key, acc, sizeof(acc)) == -1) {
		rl_http_reply(c, "400 Bad Request", "a WebSocket upgrade "
		    "(RFC 6455, version 13) is expected here\n");
		return -1;
	}
	if (rl->nclients >= rl->conf.max_clients) {
		rl->st.drops[RL_DROP_FULL]++;
		rl_log("%s refused: %zu clients already (max-clients)",
		    c->name, rl->nclients);
		rl_http_reply(c, "503 Service Unavailable", "too many "
		    "clients\n");
		return -1;
	}
	if (wslay_event_context_server_init(&c->ws, &cb, c) != 0)
		fatal("wslay");
	wslay_event_config_set_max_recv_msg_length(c->ws,
	    rl->conf.max_message);
	resp[0] = '\0';
	if (rl_header(head, "Sec-WebSocket-Extensions", ext, sizeof(ext)) !=
	    NULL && rl_deflate_negotiate(ext, resp, sizeof(resp)) == 1) {
		c->deflate = 1;
		wslay_event_config_set_allowed_rsv_bits(c->ws, WSLAY_RSV1_BIT);
	}
	evbuffer_add_printf(bufferevent_get_output(c->bev),
	    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n%s%s%s\r\n",
	    acc, c->deflate ? "Sec-WebSocket-Extensions: " : "", resp,
	    c->deflate ? "\r\n" : "");
	c->state = RL_C_WS;
	rl->nclients++;
	c->tokens = 2.0 * rl->conf.subscribe_rate;
	{
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		c->tokens_at = ts.tv_sec + ts.tv_nsec / 1e9;
	}
	{
		struct timeval rtv = { rl->conf.idle_timeout, 0 };
		struct timeval wtv = { RL_WRITE_TIMEOUT, 0 };

		bufferevent_set_timeouts(c->bev, &rtv, &wtv);
	}
	rl_log("%s connected%s", c->name, c->deflate ?
	    " (permessage-deflate)" : "");
	return 0;
}

/* Seconds a client has for its whole request head. */
static unsigned int
rl_head_timeout(const struct rislive *rl)
{
	return rl->conf.idle_timeout < RL_HTTP_TIMEOUT ?
	    rl->conf.idle_timeout : RL_HTTP_TIMEOUT;
}

static void
rl_http_read(struct rl_client *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct evbuffer_ptr end;
	char head[RL_HTTP_MAX + 1], method[16], path[256];
	size_t len;
	char *q;

	if (loop_monotime() - c->accepted > rl_head_timeout(c->rl)) {
		rl_kill(c, RL_DROP_IDLE, "no whole request in %us (slowloris)",
		    rl_head_timeout(c->rl));
		rl_reap(c);
		return;
	}
	end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	if (end.pos < 0) {
		if (evbuffer_get_length(in) > RL_HTTP_MAX) {
			c->rl->st.drops[RL_DROP_PROTOCOL]++;
			rl_http_reply(c, "431 Request Header Fields Too Large",
			    "request head too large\n");
		}
		return;
	}
	len = (size_t)end.pos + 4;
	if (len > RL_HTTP_MAX) {
		c->rl->st.drops[RL_DROP_PROTOCOL]++;
		rl_http_reply(c, "431 Request Header Fields Too Large",
		    "request head too large\n");
		return;
	}
	evbuffer_remove(in, head, len);
	head[len] = '\0';
	if (sscanf(head, "%15s %255s HTTP/1.", method, path) != 2) {
		c->rl->st.drops[RL_DROP_PROTOCOL]++;
		rl_http_reply(c, "400 Bad Request", "bad request\n");
		return;
	}
	if ((q = strchr(path, '?')) != NULL)
		*q = '\0';
	if (strcmp(method, "GET") != 0) {
		rl_http_reply(c, "405 Method Not Allowed", "GET only\n");
		return;
	}
	if (strcmp(path, "/v1/ws/") == 0 || strcmp(path, "/v1/ws") == 0) {
		if (rl_upgrade(c, head) == 0 && evbuffer_get_length(in) > 0)
			rl_ws_read(c);
		return;
	}
	if (strcmp(path, "/") == 0 || strcmp(path, "/index.html") == 0) {
		rl_http_page(c);
		return;
	}
	rl_http_reply(c, "404 Not Found", "not found: the stream is at "
	    "/v1/ws/, the status page at /\n");
}

static void
rl_read_cb(struct bufferevent *bev, void *arg)
{
	struct rl_client *c = arg;

	(void)bev;
	if (c->state == RL_C_HTTP)
		rl_http_read(c);
	else if (c->state == RL_C_WS)
		rl_ws_read(c);
	else
		evbuffer_drain(bufferevent_get_input(c->bev),
		    evbuffer_get_length(bufferevent_get_input(c->bev)));
}

static void
rl_write_cb(struct bufferevent *bev, void *arg)
{
	struct rl_client *c = arg;

	(void)bev;
	if (c->state == RL_C_CLOSING)
		rl_linger_done(c);
}

static void
rl_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct rl_client *c = arg;
	unsigned long e;

	(void)bev;
	if (what == BEV_EVENT_CONNECTED)
		return;		/* the TLS handshake is done */
	if (c->state == RL_C_CLOSING) {
		rl_client_free(c);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		if (what & BEV_EVENT_WRITING)
			rl_kill(c, RL_DROP_SLOW, "no write progress for %ds",
			    RL_WRITE_TIMEOUT);
		else if (c->state == RL_C_HTTP)
			rl_kill(c, RL_DROP_IDLE, "no whole request in time");
		else
			rl_kill(c, RL_DROP_IDLE, "nothing received for %us",
			    c->rl->conf.idle_timeout);
		rl_reap(c);
		return;
	}
	if ((what & BEV_EVENT_ERROR) && c->rl->ssl != NULL &&
	    (e = bufferevent_get_openssl_error(bev)) != 0) {
		char buf[120];

		ERR_error_string_n(e, buf, sizeof(buf));
		rl_kill(c, RL_DROP_TLS, "TLS: %s", buf);
		rl_reap(c);
		return;
	}
	if (c->state == RL_C_WS)
		rl_log("%s disconnected", c->name);
	rl_client_free(c);
}

static void
rl_client_free(struct rl_client *c)
{
	struct rislive *rl = c->rl;
	size_t i;

	TAILQ_REMOVE(&rl->clients, c, entry);
	rl->nconns--;
	if (c->ws != NULL) {
		rl->nclients--;
		wslay_event_context_free(c->ws);
	}
	for (i = 0; i < c->nsubs; i++)
		rl_sub_free(&c->subs[i]);
	rl->st.subscriptions -= c->nsubs;
	free(c->subs);
	rl_inflate_free(c);
	rl_run_drop(c);
	for (i = 0; i < c->nevsubs; i++)
		rl_evsub_free(&c->evsubs[i]);
	free(c->evsubs);
	bufferevent_free(c->bev);
	free(c);
	rl_update_active(rl);
}

static int
rl_allowed(const struct rislive *rl, const struct bw_addr *a)
{
	struct bw_prefix host;
	size_t i;

	if (rl->conf.nallow == 0)
		return 1;
	prefix_set(&host, a->aid, a->b, (uint8_t)aid_maxplen(a->aid));
	for (i = 0; i < rl->conf.nallow; i++)
		if (prefix_contains(&rl->conf.allow[i], &host))
			return 1;
	return 0;
}

static void
rl_accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct rislive *rl = arg;
	struct event_base *base = evconnlistener_get_base(lev);
	struct rl_client *c;
	struct bw_addr a;
	uint16_t port;
	uint32_t scope;
	char ab[BW_ADDR_STRLEN];
	struct timeval tv = { rl_head_timeout(rl), 0 };
	int one = 1;

	(void)salen;
	rl->st.connections++;
	if (sock_from_sockaddr(sa, &a, &port, &scope) == -1 ||
	    !rl_allowed(rl, &a)) {
		rl->st.drops[RL_DROP_DENIED]++;
		rl_log("connection from %s refused: not in allow",
		    addr_fmt(&a, ab, sizeof(ab)));
		evutil_closesocket(fd);
		return;
	}
	/* Pages and handshakes in progress count too: twice the cap. */
	if (rl->nconns >= 2 * (size_t)rl->conf.max_clients + 16) {
		rl->st.drops[RL_DROP_FULL]++;
		rl_log("connection from %s refused: too many connections",
		    addr_fmt(&a, ab, sizeof(ab)));
		evutil_closesocket(fd);
		return;
	}
	/* Writes are batched per turn already (rl_flush()): Nagle would
	 * only hold a lone message back until the last one is acked. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((c = calloc(1, sizeof(*c))) == NULL)
		fatal("rislive client");
	c->rl = rl;
	c->accepted = loop_monotime();
	snprintf(c->name, sizeof(c->name), "%s %s port %u",
	    rl->ssl ? "wss" : "ws", addr_fmt(&a, ab, sizeof(ab)), port);
	if (rl->ssl == NULL)
		c->bev = bufferevent_socket_new(base, fd,
		    BEV_OPT_CLOSE_ON_FREE);
	else {
		SSL *ssl = SSL_new(rl->ssl);

		c->bev = ssl == NULL ? NULL : bufferevent_openssl_socket_new(
		    base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
		    BEV_OPT_CLOSE_ON_FREE);
		if (c->bev != NULL)
			bufferevent_openssl_set_allow_dirty_shutdown(c->bev,
			    1);
		else if (ssl != NULL)
			SSL_free(ssl);
	}
	if (c->bev == NULL) {
		evutil_closesocket(fd);
		free(c);
		return;
	}
	TAILQ_INSERT_TAIL(&rl->clients, c, entry);
	rl->nconns++;
	bufferevent_setcb(c->bev, rl_read_cb, rl_write_cb, rl_event_cb, c);
	bufferevent_set_timeouts(c->bev, &tv, &tv);
	bufferevent_setwatermark(c->bev, EV_READ, 0, 256 * 1024);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/*
 * Publishing, on the worker
 */

static int
rl_active_now(const struct rislive *rl)
{
	return __atomic_load_n(&rl->active, __ATOMIC_RELAXED);
}

static void
rl_update_active(struct rislive *rl)
{
	int active = rl->st.subscriptions > 0;

	/* Before the tap copies anything: the inbox's blocks, written
	 * once here rather than faulted in by the loop thread. */
	if (active && !rl_active_now(rl))
		rl_inbox_ahead(&rl->in);
	__atomic_store_n(&rl->active, active, __ATOMIC_RELAXED);
}

/*
 * Queues the shared frame f (a message of plen bytes) to c; marks c if
 * its queue is over the cap.
 */
static void
rl_send_frame(struct rl_client *c, const struct rl_frame *f, size_t plen)
{
	/* What wslay holds goes first; nothing goes after a close. */
	if (wslay_event_want_write(c->ws) && wslay_event_send(c->ws) != 0) {
		rl_kill(c, RL_DROP_PROTOCOL, "send failed");
		return;
	}
	if (wslay_event_get_close_sent(c->ws))
		return;
	rl_run_add(c, f);
	rl_sent(c, plen);
}

/*
 * Sends v to every client with a matching subscription.  The message is
 * encoded once (and once more with raw), deflated once for all the
 * clients with permessage-deflate (no context takeover: each message
 * stands alone, so one compressed copy serves them all), and each of
 * those is framed once: the clients share the bytes (rislive_out.c).
 */
void
rl_publish(struct rislive *rl, const struct rl_view *v)
{
	struct rl_client *c, *next;
	struct rl_frame fr[RL_FK_MAX];
	size_t plen[RL_FK_MAX], i;
	struct evbuffer *eb[2] = { NULL, NULL };
	const void *p;
	uint64_t id = 0;
	int raw, k;

	memset(fr, 0, sizeof(fr));
	for (c = TAILQ_FIRST(&rl->clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->state != RL_C_WS || c->nsubs == 0 || c->kill)
			continue;
		raw = 0;
		for (i = 0; i < c->nsubs; i++)
			if (rl_sub_match(&c->subs[i], v, rl->host)) {
				raw = c->subs[i].raw || c->raw;
				break;
			}
		if (i == c->nsubs)
			continue;
		if (v->m == NULL)
			raw = 0;
		k = (raw ? RL_FK_RAW : 0) | (c->deflate ? RL_FK_DEFLATE : 0);
		if (fr[k].blk == NULL) {
			if (eb[raw] == NULL) {
				if (id == 0)
					id = ++rl->msgid;
				if ((eb[raw] = evbuffer_new()) == NULL)
					fatal("rislive encode");
				if (rl_encode(eb[raw], v, rl->host, id, raw) ==
				    -1) {
					log_warnx("rislive: cannot encode a "
					    "message");
					break;
				}
			}
			plen[k] = evbuffer_get_length(eb[raw]);
			p = evbuffer_pullup(eb[raw], (ssize_t)plen[k]);
			if (c->deflate) {
				if (rl_deflate(rl, p, plen[k]) == -1) {
					log_warnx("rislive: cannot deflate");
					break;
				}
				plen[k] = evbuffer_get_length(rl->zbuf);
				p = evbuffer_pullup(rl->zbuf,
				    (ssize_t)plen[k]);
			}
			rl_frame_make(rl, k, p, plen[k], &fr[k]);
		}
		rl_send_frame(c, &fr[k], plen[k]);
		rl_reap(c);
	}
	for (i = 0; i < 2; i++)
		if (eb[i] != NULL)
			evbuffer_free(eb[i]);
}

void
rl_publish_event(struct rislive *rl, const struct rislive_event *ev)
{
	struct rl_client *c, *next;
	size_t i;

	for (c = TAILQ_FIRST(&rl->clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->state != RL_C_WS || ev->seq <= c->ev_after)
			continue;
		for (i = 0; i < c->nevsubs; i++)
			if (rl_evsub_match(&c->evsubs[i], ev))
				break;
		if (i == c->nevsubs)
			continue;
		rl_send_event(c, ev);
		rl_reap(c);
	}
}

/*
 * Moves the clients' shared frames into their output buffers and hands
 * what is queued to the kernel now, plain sockets only (TLS goes
 * through its bufferevent): a message reaches its client in the turn it
 * was made, not one epoll round later.
 */
void
rl_flush(struct rislive *rl)
{
	struct rl_client *c, *next;
	struct evbuffer *out;

	for (c = TAILQ_FIRST(&rl->clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->state != RL_C_WS || c->kill)
			continue;
		if (rl_run_flush(c) == -1) {
			rl_kill(c, RL_DROP_SLOW, "out of memory for its queue");
			rl_reap(c);
			continue;
		}
		out = bufferevent_get_output(c->bev);
		if (rl->ssl == NULL && evbuffer_get_length(out) > 0)
			(void)evbuffer_write(out, bufferevent_getfd(c->bev));
	}
}

void
rl_snapshot(struct rislive *rl)
{
	struct rl_client *c;
	struct rislive_stats st = rl->st;

	st.clients = rl->nclients;
	st.queued = 0;
	st.deflate = 0;
	TAILQ_FOREACH(c, &rl->clients, entry) {
		st.queued += rl_queued(c);
		st.deflate += c->deflate && c->state == RL_C_WS;
	}
	pthread_mutex_lock(&rl->stmu);
	rl->snap = st;
	pthread_mutex_unlock(&rl->stmu);
}

/* After an accept error (EMFILE): accept again a second later. */
static void
rl_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct rislive *rl = arg;

	(void)fd;
	(void)what;
	if (rl->lev != NULL)
		evconnlistener_enable(rl->lev);
}

static void
rl_accept_error_cb(struct evconnlistener *lev, void *arg)
{
	struct rislive *rl = arg;
	struct timeval tv = { 1, 0 };

	log_warn("rislive: accept (pausing 1 s)");
	evconnlistener_disable(lev);
	if (evtimer_add(rl->ev_resume, &tv) == -1)
		evconnlistener_enable(lev);
}

/*
 * Setup
 */

static SSL_CTX *
rl_tls_ctx(const struct config_websocket *ws, char *err, size_t errlen)
{
	STACK_OF(X509_NAME) *names;
	SSL_CTX *ctx;
	const char *what = "context", *file = "";

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		goto fail;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION);
	what = "cert";
	file = ws->cert;
	if (SSL_CTX_use_certificate_chain_file(ctx, ws->cert) != 1)
		goto fail;
	what = "key";
	file = ws->key;
	if (SSL_CTX_use_PrivateKey_file(ctx, ws->key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		goto fail;
	if (ws->ca != NULL) {
		what = "ca";
		file = ws->ca;
		if (SSL_CTX_load_verify_locations(ctx, ws->ca, NULL) != 1 ||
		    (names = SSL_load_client_CA_file(ws->ca)) == NULL)
			goto fail;
		SSL_CTX_set_client_CA_list(ctx, names);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
		    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	}
	return ctx;
 fail:
	snprintf(err, errlen, "websocket %s %s: %s", what, file,
	    ERR_reason_error_string(ERR_get_error()));
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return NULL;
}

static void
rl_conf_copy(struct config_websocket *dst, const struct config_websocket *s)
{
	*dst = *s;
	dst->cert = s->cert ? strdup(s->cert) : NULL;
	dst->key = s->key ? strdup(s->key) : NULL;
	dst->ca = s->ca ? strdup(s->ca) : NULL;
	dst->allow = NULL;
	if (s->nallow > 0) {
		if ((dst->allow = calloc(s->nallow, sizeof(*s->allow))) ==
		    NULL)
			fatal("rislive conf");
		memcpy(dst->allow, s->allow, s->nallow * sizeof(*s->allow));
	}
}

/*
 * Opens the listener of ws on the worker's base (on the worker, or
 * before it starts).  Returns 0, or -1 with err set.
 */
static int
rl_listen(struct rislive *rl, const struct config_websocket *ws,
    struct evconnlistener **levp, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	char ab[BW_ADDR_STRLEN];

	sslen = sock_to_sockaddr(&ws->addr, ws->port, 0, &ss);
	*levp = evconnlistener_new_bind(rl->base, rl_accept_cb, rl,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC |
	    LEV_OPT_REUSEABLE, RL_BACKLOG, (struct sockaddr *)&ss, (int)sslen);
	if (*levp == NULL) {
		snprintf(err, errlen, "websocket on %s port %u: %s",
		    addr_fmt(&ws->addr, ab, sizeof(ab)), ws->port,
		    strerror(errno));
		return -1;
	}
	evconnlistener_set_error_cb(*levp, rl_accept_error_cb);
	log_info("rislive: %s://%s:%u/v1/ws/ listening", ws->cert ? "wss" :
	    "ws", addr_fmt(&ws->addr, ab, sizeof(ab)), ws->port);
	return 0;
}

struct rislive *
rislive_open(struct loop *loop, struct msgtap *tap,
    const struct config *conf, const struct rislive_hooks *hooks,
    char *err, size_t errlen)
{
	struct tap_observer obs = { rl_tap_message, rl_tap_state, NULL, 0 };
	struct rislive *rl;

	if ((rl = calloc(1, sizeof(*rl))) == NULL)
		fatal("rislive");
	rl->loop = loop;
	TAILQ_INIT(&rl->clients);
	if ((rl->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1 ||
	    rl_inbox_init(&rl->in) == -1 ||
	    pthread_mutex_init(&rl->stmu, NULL) != 0)
		fatal("rislive inbox");
	if (hooks != NULL)
		rl->hooks = *hooks;
	if (rl->hooks.next_seq != NULL)
		rl->live_next = rl->hooks.next_seq(rl->hooks.arg);
	rl_conf_copy(&rl->conf, &conf->websocket);
	if ((rl->host = strdup(config_collector_id(conf))) == NULL ||
	    (rl->scratch = evbuffer_new()) == NULL ||
	    (rl->base = event_base_new()) == NULL ||
	    (rl->ev_resume = evtimer_new(rl->base, rl_resume_cb, rl)) ==
	    NULL ||
	    (rl->ev_kick = event_new(loop->base, -1, 0, rl_kick_cb, rl)) ==
	    NULL)
		fatal("rislive");
	if ((rl->conf.cert != NULL &&
	    (rl->ssl = rl_tls_ctx(&rl->conf, err, errlen)) == NULL) ||
	    rl_listen(rl, &rl->conf, &rl->lev, err, errlen) == -1)
		goto fail;
	if (rl_thread_start(rl) == -1) {
		snprintf(err, errlen, "rislive: cannot start its thread");
		goto fail;
	}
	obs.arg = rl;
	if (tap != NULL && msgtap_add(tap, &obs) == -1) {
		snprintf(err, errlen, "rislive: the message tap is full");
		goto fail;
	}
	rl->tap = tap;
	return rl;
 fail:
	rislive_close(rl);
	return NULL;
}

struct rl_reconf {
	const struct config_websocket	*ws;
	SSL_CTX				*ssl;
	char				*host;
	char				*err;
	size_t				 errlen;
	int				 ret;
};

/* On the worker: the new listener (if it moved), context, limits. */
static void
rl_do_reconf(struct rislive *rl, void *arg)
{
	struct rl_reconf *r = arg;
	const struct config_websocket *ws = r->ws;
	struct evconnlistener *lev = NULL;
	int same;

	same = memcmp(&ws->addr, &rl->conf.addr, sizeof(ws->addr)) == 0 &&
	    ws->port == rl->conf.port;
	if (!same) {
		if (rl_listen(rl, ws, &lev, r->err, r->errlen) == -1) {
			r->ret = -1;
			return;
		}
		evconnlistener_free(rl->lev);
		rl->lev = lev;
	}
	/* Connections made with the old context keep it (refcounted). */
	SSL_CTX_free(rl->ssl);
	rl->ssl = r->ssl;
	r->ssl = NULL;
	config_websocket_free(&rl->conf);
	rl_conf_copy(&rl->conf, ws);
	if (rl->running && pthread_equal(pthread_self(), rl->thr))
		rl_set_nice(rl);
	free(rl->host);
	rl->host = r->host;
	r->host = NULL;
	r->ret = 0;
}

int
rislive_reconfigure(struct rislive *rl, const struct config *conf,
    char *err, size_t errlen)
{
	struct rl_reconf r;

	memset(&r, 0, sizeof(r));
	r.ws = &conf->websocket;
	r.err = err;
	r.errlen = errlen;
	if (r.ws->cert != NULL && (r.ssl = rl_tls_ctx(r.ws, err, errlen)) ==
	    NULL)
		return -1;
	if ((r.host = strdup(config_collector_id(conf))) == NULL)
		fatal("rislive");
	rl_call(rl, rl_do_reconf, &r);
	SSL_CTX_free(r.ssl);
	free(r.host);
	return r.ret;
}

void
rislive_close(struct rislive *rl)
{
	struct rl_client *c;

	if (rl == NULL)
		return;
	if (rl->tap != NULL)
		msgtap_remove(rl->tap, rl);
	rl_thread_stop(rl);
	/* The worker is gone: its data is ours now. */
	if (rl->lev != NULL)
		log_info("rislive: closing, %zu clients", rl->nclients);
	while ((c = TAILQ_FIRST(&rl->clients)) != NULL)
		rl_client_free(c);
	if (rl->lev != NULL)
		evconnlistener_free(rl->lev);
	if (rl->ev_kick != NULL)
		event_free(rl->ev_kick);
	if (rl->ev_wake != NULL)
		event_free(rl->ev_wake);
	if (rl->ev_tick != NULL)
		event_free(rl->ev_tick);
	if (rl->ev_resume != NULL)
		event_free(rl->ev_resume);
	SSL_CTX_free(rl->ssl);
	config_websocket_free(&rl->conf);
	free(rl->host);
	if (rl->scratch != NULL)
		evbuffer_free(rl->scratch);
	rl_deflate_free(rl);
	if (rl->view != NULL) {
		rl_view_free(rl->view);
		free(rl->view);
	}
	free(rl->scratch_upd);
	/* The clients' buffers are finalized here: their blocks return. */
	if (rl->base != NULL)
		event_base_free(rl->base);
	rl_arena_free(rl);
	rl_inbox_free(&rl->in);
	if (rl->efd != -1)
		close(rl->efd);
	pthread_mutex_destroy(&rl->stmu);
	free(rl);
}

void
rislive_url(const struct config_websocket *ws, char *out, size_t len)
{
	static const uint8_t zero[BW_ADDR_MAX];
	char ab[BW_ADDR_STRLEN];

	if (!ws->enabled || memcmp(ws->addr.b, zero, sizeof(zero)) == 0) {
		snprintf(out, len, "%s", ws->enabled ? "" : "-");
		return;
	}
	addr_fmt(&ws->addr, ab, sizeof(ab));
	snprintf(out, len, ws->addr.aid == AID_INET6 ? "%s://[%s]:%u/v1/ws/" :
	    "%s://%s:%u/v1/ws/", ws->cert ? "wss" : "ws", ab, ws->port);
}

void
rislive_stats(const struct rislive *crl, struct rislive_stats *st)
{
	struct rislive *rl = (struct rislive *)(uintptr_t)crl;

	memset(st, 0, sizeof(*st));
	if (rl == NULL)
		return;
	pthread_mutex_lock(&rl->stmu);
	*st = rl->snap;
	pthread_mutex_unlock(&rl->stmu);
	st->lost = __atomic_load_n(&rl->in.lost, __ATOMIC_RELAXED);
}
