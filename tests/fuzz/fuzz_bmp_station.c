/*
 * libFuzzer target for the BMP station's daemon side (bgpd/bmp/
 * bmp_station.c): the per-router stream reader (bmp_read: framing
 * against max-message, partial messages across reads, the batch budget)
 * and the message dispatch (Initiation, Peer Up with its OPENs, Route
 * Monitoring into the real RIB through the door, Statistics, Peer Down,
 * Termination, Mirroring), with the station's own code: the source file
 * is included here so that its static reader and handlers are driven
 * directly, with no change to it (the target links the layers below bmp:
 * rib, conf, lib).
 *
 * Input: byte 0 chooses how the stream is cut into reads (all at once,
 * 1, 7, 100, 1500 bytes, or sizes from the following bytes), the rest is
 * what a configured router sends on its connection.  Seeds are the real
 * FRR and GoBGP exporter captures (tests/fuzz/corpus/bmp), whole
 * sessions in order (seeds.py).
 *
 * The router's limits are small (max-routes 300, max-peers 4) and one view
 * (Adj-RIB-Out post-policy) is not kept, so that inputs reach every limit.
 *
 * Checks after every read: the router's route count equals the sum of
 * its monitored peers' routes in the RIB and its peer count the list's
 * length; a peer is never over max-peers; after the connection ends
 * (by the router's Termination, an error, or the end of the input) no
 * monitored peer is left and, once the door's flushes of retired slots
 * (a Peer Up for a peer already up) have run, the RIB is empty (no route
 * outlives its session); the message tap only ever sees whole BGP
 * UPDATEs.
 */
#include <sys/socket.h>

#include "bmp_station.c"

#include "intern.h"
#include "rib.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

static const char conftext[] =
    "local-as 65000\n"
    "router-id 192.0.2.254\n"
    "bmp {\n"
    "    max-message 64K\n"
    "    buffer 1M\n"
    "    router 127.0.7.90 {\n"
    "        max-routes 300\n"
    "        max-peers 4\n"
    "        views pre-policy post-policy adj-rib-out-pre loc-rib\n"
    "    }\n"
    "}\n";

static struct loop		 loop;
static struct intern		*intern;
static struct rib		*rib;
static struct adjrib		 door;
static struct msgtap		 tap;
static struct bmp_station	 st;
static struct config		*conf;
static uint8_t			*scratch;
static struct bw_addr		 raddr;
static uint64_t			 tapped;

static void
tap_message(void *arg, const struct tap_peer *tp, const struct tap_msg *m)
{
	struct bgp_hdr h;
	struct bgp_err e;

	(void)arg;
	CHECK(tp->router != NULL && strcmp(tp->kind, "bmp") == 0);
	CHECK(m->type == BGP_UPDATE && m->upd != NULL);
	CHECK(bgp_frame(m->bytes, m->len, BGP_MAX_EXT_LEN, &h, &e) == 1);
	CHECK(h.len == m->len && h.type == BGP_UPDATE);
	tapped++;
}

static void
tap_state(void *arg, const struct tap_peer *tp, double ts, int old_state,
    int new_state)
{
	(void)arg;
	(void)ts;
	CHECK(tp->router != NULL);
	CHECK(old_state != new_state);
}

static void
init(void)
{
	static const struct tap_observer obs = { tap_message, tap_state,
	    NULL, 0 };
	struct config_errors errs;

	log_init(1, 0);
	CHECK(loop_init(&loop) == 0);
	CHECK((scratch = malloc(BGP_SCRATCH_LEN)) != NULL);
	intern = intern_new();
	CHECK((rib = rib_new(intern)) != NULL);
	adjrib_init(&door, &loop, rib, intern, NULL, NULL);
	msgtap_init(&tap);
	CHECK(msgtap_add(&tap, &obs) == 0);
	memset(&errs, 0, sizeof(errs));
	if ((conf = config_parse_buf("fuzz_bmp_station.conf", conftext,
	    sizeof(conftext) - 1, &errs)) == NULL) {
		fprintf(stderr, "%s\n", errs.msg[0]);
		abort();
	}
	bmp_station_init(&st, &loop, &door, &tap, conf, scratch);
	CHECK(addr_parse("127.0.7.90", &raddr) == 0);
}

static void
invariants(const struct bmp_router *r)
{
	const struct bmp_mpeer *mp;
	uint64_t routes = 0;
	uint32_t n = 0;

	TAILQ_FOREACH(mp, &r->peers, entry) {
		routes += bmp_mpeer_count(mp);
		n++;
		CHECK(mp->router == r);
	}
	CHECK(n == r->npeers);
	CHECK(n <= r->conf->max_peers);
	CHECK(routes == r->routes);
}

/* What libevent does when bytes arrive: the read callback, then the
 * deferred batches (ev_more) until the budget no longer cuts. */
static void
deliver(struct bmp_router *r, const uint8_t *p, size_t len)
{
	struct evbuffer *in = bufferevent_get_input(r->bev);

	/* A socket bufferevent's input is frozen at its end but while
	 * libevent reads into it. */
	evbuffer_unfreeze(in, 0);
	CHECK(evbuffer_add(in, p, len) == 0);
	evbuffer_freeze(in, 0);
	bmp_readcb(r->bev, r);
	while (r->bev != NULL && evtimer_pending(r->ev_more, NULL)) {
		evtimer_del(r->ev_more);
		bmp_read(r);
	}
	if (r->bev != NULL)
		invariants(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t cuts[] = { 0, 1, 7, 100, 1500, 65536 };
	struct bmp_router *r;
	size_t off, chunk, sizes = 0;
	int sv[2], turns;

	if (conf == NULL)
		init();
	if (size < 1 || size > (1 << 20))
		return 0;
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	r = bmp_router_get(&st, &raddr, config_bmp_find(&conf->bmp, &raddr));
	CHECK(r->conf != NULL && r->bev == NULL);
	CHECK((r->bev = bufferevent_socket_new(loop.base, sv[0],
	    BEV_OPT_CLOSE_ON_FREE)) != NULL);
	bmp_router_ready(r, 1790);
	/* Byte 0: how the stream is cut into reads. */
	chunk = cuts[data[0] % 8 < 6 ? data[0] % 8 : 0];
	if (data[0] % 8 >= 6)
		sizes = 1;	/* sizes taken from the stream itself */
	for (off = 1; off < size && r->bev != NULL; off += chunk) {
		if (sizes)
			chunk = 1 + data[off] * (data[0] >> 3);
		else if (chunk == 0)
			chunk = size - off;
		if (chunk > size - off)
			chunk = size - off;
		deliver(r, data + off, chunk);
	}
	/* The router goes away (if it has not closed already). */
	bmp_router_close(r, "connection closed by the router");
	close(sv[1]);
	CHECK(r->bev == NULL && r->npeers == 0 && r->routes == 0);
	CHECK(TAILQ_EMPTY(&r->peers));
	/*
	 * A Peer Up for a peer already up retires its old slot (adjrib_renew):
	 * those routes leave in the door's flush slices, on later loop turns.
	 * Pending observer runs, timers of the closed connection.
	 */
	for (turns = 0; turns < 1000 && !(TAILQ_EMPTY(&door.flushers) &&
	    door.nretired == 0); turns++)
		event_base_loop(loop.base, EVLOOP_NONBLOCK);
	CHECK(TAILQ_EMPTY(&door.flushers) && door.nretired == 0);
	CHECK(rib_total_routes(rib, AID_INET) == 0);
	CHECK(rib_total_routes(rib, AID_INET6) == 0);
	event_base_loop(loop.base, EVLOOP_NONBLOCK);
	return 0;
}
