/*
 * libFuzzer target for the RIS Live server's connection reader
 * (bgpd/rislive/rislive.c): the HTTP request head (capped, parsed, GET /
 * for the status page), the WebSocket upgrade handshake (Upgrade,
 * Connection tokens, Sec-WebSocket-Version and -Key), then the client's
 * WebSocket frames through wslay and the messages they carry
 * (ris_subscribe, ris_unsubscribe, ping, request_rrc_list,
 * bgpwatch_subscribe with a replay).  The server's source is included
 * here so that a connection is made with its own accept callback and fed
 * through its own read callback, with no listener and no change to it.
 *
 * Input: byte 0 chooses how the bytes are cut into reads (all at once,
 * 1, 3, 64, 700 bytes, or sizes from the stream; past 4 KB the rest at
 * once); the rest is what a client sends on one connection.  After the input, one UPDATE, one
 * session state change and one region event are published (queued as
 * the loop thread does, then taken as the stream's thread does, here in
 * one thread), so the subscriptions the input made are matched and
 * encoded.
 *
 * The limits are small (2 subscriptions, a 4 KB queue, 1 subscribe a
 * second) so that short inputs reach them.
 *
 * Checks: whatever the server writes starts with an HTTP/1.1 status line;
 * a 101 carries Sec-WebSocket-Accept; the client count stays within
 * max-clients and every connection is accounted for once freed.
 */
#include <sys/socket.h>

#include "rislive.c"

#include "update.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

static const char conftext[] =
    "local-as 65000\n"
    "router-id 192.0.2.254\n"
    "collector-id \"fuzz\"\n"
    "websocket on 127.0.7.91 port 37091 {\n"
    "    max-clients 4\n"
    "    max-subscriptions 2\n"
    "    max-message 16K\n"
    "    queue-limit 4K\n"
    "    subscribe-rate 1\n"
    "}\n";

/* UPDATE: 175.45.176.0/24, AS_PATH 64511 4837 131279, 4-octet AS. */
static const uint8_t upd_bytes[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0x00, 0x37, 0x02, 0x00, 0x00, 0x00, 0x1c,
	0x40, 0x01, 0x01, 0x00,
	0x40, 0x02, 0x0e, 0x02, 0x03, 0x00, 0x00, 0xfb, 0xff,
	0x00, 0x00, 0x12, 0xe5, 0x00, 0x02, 0x00, 0xcf,
	0x40, 0x03, 0x04, 0xc0, 0x00, 0x02, 0x01,
	0x18, 0xaf, 0x2d, 0xb0
};

static const char ev_json[] =
    "{\"seq\":7,\"type\":\"region_down\",\"region\":\"KP\"}";

static struct loop		 loop;
static struct rislive		*rl;
static struct evconnlistener	*lev;
static struct bgp_update	 upd;
static struct tap_peer		 tpeer;
static uint8_t			 scratch[BGP_SCRATCH_LEN];

static long
replay(void *arg, uint64_t from, size_t max, rislive_emit_fn emit, void *ctx)
{
	struct rislive_event ev = { 0, "region_down", "KP", ev_json,
	    sizeof(ev_json) - 1 };
	size_t i;

	(void)arg;
	if (from > 1000)
		return -1;	/* as if the log could not be read */
	for (i = 0; i < 3 && i < max; i++) {
		ev.seq = from + i;
		emit(ctx, &ev);
	}
	return (long)i;
}

static uint64_t
next_seq(void *arg)
{
	(void)arg;
	return 42;
}

static void
accept_nothing(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	(void)l;
	(void)sa;
	(void)salen;
	(void)arg;
	evutil_closesocket(fd);
}

static void
init(void)
{
	static const struct rislive_hooks hooks = { replay, next_seq, NULL };
	struct config_errors errs;
	struct config *conf;
	struct bgp_dec_ctx ctx;
	int fd;

	log_init(1, 0);
	CHECK(loop_init(&loop) == 0);
	memset(&errs, 0, sizeof(errs));
	if ((conf = config_parse_buf("fuzz_rislive_http.conf", conftext,
	    sizeof(conftext) - 1, &errs)) == NULL) {
		fprintf(stderr, "%s\n", errs.msg[0]);
		abort();
	}
	/* rislive_open() without its listener. */
	CHECK((rl = calloc(1, sizeof(*rl))) != NULL);
	rl->loop = &loop;
	TAILQ_INIT(&rl->clients);
	rl->hooks = hooks;
	rl_conf_copy(&rl->conf, &conf->websocket);
	CHECK((rl->host = strdup(config_collector_id(conf))) != NULL);
	CHECK((rl->scratch = evbuffer_new()) != NULL);
	/* The worker's side runs here, in this thread: no thread is
	 * started; what the tap queues is handed over by rl_wake_cb(). */
	CHECK(rl_inbox_init(&rl->in) == 0);
	CHECK(pthread_mutex_init(&rl->stmu, NULL) == 0);
	rl->base = loop.base;
	CHECK((rl->ev_kick = event_new(loop.base, -1, 0, rl_kick_cb, rl)) !=
	    NULL);
	config_free(conf);
	/* The accept callback asks its listener for the event base only. */
	CHECK((fd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	CHECK((lev = evconnlistener_new(loop.base, accept_nothing, NULL,
	    LEV_OPT_CLOSE_ON_FREE, -1, fd)) != NULL);
	evconnlistener_disable(lev);
	memset(&ctx, 0, sizeof(ctx));
	ctx.as4 = 1;
	ctx.scratch = scratch;
	ctx.scratchlen = sizeof(scratch);
	CHECK(bgp_update_decode(&ctx, upd_bytes + BGP_HDR_LEN,
	    sizeof(upd_bytes) - BGP_HDR_LEN, &upd) == 0);
	tpeer.kind = "bgp";
	CHECK(addr_parse("127.0.7.11", &tpeer.peer_addr) == 0);
	tpeer.peer_as = 64511;
	tpeer.as4 = 1;
	tpeer.slot = 3;
}

static struct rl_client *
find(struct rl_client *c)
{
	struct rl_client *x;

	TAILQ_FOREACH(x, &rl->clients, entry)
		if (x == c)
			return c;
	return NULL;
}

/* Bytes arrive: what libevent does on a readable socket. */
static struct rl_client *
deliver(struct rl_client *c, const uint8_t *p, size_t len)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);

	/* A socket bufferevent's input is frozen at its end but while
	 * libevent reads into it. */
	evbuffer_unfreeze(in, 0);
	CHECK(evbuffer_add(in, p, len) == 0);
	evbuffer_freeze(in, 0);
	rl_read_cb(c->bev, c);
	if ((c = find(c)) == NULL)
		return NULL;
	CHECK(rl->nclients <= rl->conf.max_clients);
	return c;
}

/* The first bytes the server wrote (socket, then what is queued). */
static void
check_reply(struct rl_client *c, int peer)
{
	char got[256];
	struct evbuffer *out;
	size_t n = 0, q;
	ssize_t r;

	while (n < sizeof(got) - 1 &&
	    (r = read(peer, got + n, sizeof(got) - 1 - n)) > 0)
		n += (size_t)r;
	if (c != NULL) {
		out = bufferevent_get_output(c->bev);
		q = evbuffer_get_length(out);
		if (q > sizeof(got) - 1 - n)
			q = sizeof(got) - 1 - n;
		/* Its front is frozen but while libevent writes from it. */
		evbuffer_unfreeze(out, 1);
		if (q > 0)
			CHECK(evbuffer_copyout(out, got + n, q) == (ssize_t)q);
		evbuffer_freeze(out, 1);
		n += q;
	}
	got[n] = '\0';
	if (n == 0)
		return;
	CHECK(n >= 12 && memcmp(got, "HTTP/1.1 ", 9) == 0);
	if (memcmp(got + 9, "101 ", 4) == 0)
		CHECK(strstr(got, "\r\nSec-WebSocket-Accept: ") != NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t cuts[] = { 0, 1, 3, 64, 700, 8192 };
	struct rislive_event ev = { 7, "region_down", "KP", ev_json,
	    sizeof(ev_json) - 1 };
	struct sockaddr_in sin;
	struct rl_client *c;
	struct tap_msg m;
	size_t off, chunk, sizes = 0;
	int sv[2];

	if (rl == NULL)
		init();
	if (size < 1 || size > (1 << 18))
		return 0;
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(evutil_make_socket_nonblocking(sv[0]) == 0);
	CHECK(evutil_make_socket_nonblocking(sv[1]) == 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(40000);
	sin.sin_addr.s_addr = htonl(0x7f000101);
	rl_accept_cb(lev, sv[0], (struct sockaddr *)&sin, sizeof(sin), rl);
	CHECK((c = TAILQ_LAST(&rl->clients, rl_clients)) != NULL);
	CHECK(c->state == RL_C_HTTP);
	chunk = cuts[data[0] % 8 < 6 ? data[0] % 8 : 0];
	if (data[0] % 8 >= 6)
		sizes = 1;
	for (off = 1; off < size && c != NULL; off += chunk) {
		if (sizes)
			chunk = 1 + data[off] * (data[0] >> 3);
		if (chunk == 0 || off > 4096)	/* small reads: the head */
			chunk = size - off;
		if (chunk > size - off)
			chunk = size - off;
		c = deliver(c, data + off, chunk);
	}
	check_reply(c, sv[1]);
	/* What the subscriptions made are matched against. */
	m.ts = 1700000000.5;
	m.dir = TAP_RX;
	m.type = BGP_UPDATE;
	m.bytes = upd_bytes;
	m.len = sizeof(upd_bytes);
	m.upd = &upd;
	rl_tap_message(rl, &tpeer, &m);
	rl_tap_state(rl, &tpeer, 1700000001.0, RL_ESTABLISHED, 0);
	rislive_publish_event(rl, &ev);
	rl_kick_cb(-1, 0, rl);			/* the end of the loop's turn */
	rl_wake_cb(rl->efd, EV_READ, rl);	/* the worker's turn */
	while ((c = TAILQ_FIRST(&rl->clients)) != NULL)
		rl_client_free(c);
	CHECK(rl->nclients == 0 && rl->nconns == 0);
	close(sv[1]);
	/* bufferevents are freed by the loop (finalizers). */
	event_base_loop(loop.base, EVLOOP_NONBLOCK);
	return 0;
}
