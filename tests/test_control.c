/*
 * The control socket (bgpd/ctl/control.c) and what it prints (bgpd/view*.c),
 * end to end: a struct bgpd built by hand (a real event loop, intern and
 * RIB; two peers filled in by hand) serves a temporary socket, and a
 * plain client socket sends requests while the test drives the loop with
 * EVLOOP_NONBLOCK until the daemon closes.
 *
 * The JSON of every command is compared byte for byte; the streamed
 * listing of 50,000 routes is checked for its count, also by Python's
 * json module when /usr/bin/python3 exists, including a RIB that changes
 * and a filtered peer that disappears while the dump is under way.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/http.h>

#include "core.h"
#include "control.h"
#include "control_priv.h"
#include "detect.h"
#include "metrics.h"
#include "metrics_priv.h"
#include "version.h"

#define PYTHON		"/usr/bin/python3"
#define BIG_ROUTES	50000

struct fx {
	struct bgpd		 bgpd;
	struct control		*control;
	struct metrics		*metrics;
	struct config_neighbor	 nb[2];
	struct peer		 peer[2];
	char			 dir[64];
	char			 path[100];
	struct config		*regions_conf;
};

/* Attribute sets of the fixture routes. */
enum { SET_KP, SET_TEN, SET_P2, SET_V6, NSETS };

/* An AS path of one segment (and an optional AS_SET) in buf. */
static struct bgp_view
mkpath(uint8_t *buf, const uint32_t *seq, uint8_t nseq, const uint32_t *set,
    uint8_t nset)
{
	struct bgp_view	v;
	uint32_t	n = 0;
	uint8_t		i;

	buf[n++] = AS_SEQUENCE;
	buf[n++] = nseq;
	for (i = 0; i < nseq; i++, n += 4)
		put_u32(buf + n, seq[i]);
	if (nset > 0) {
		buf[n++] = AS_SET;
		buf[n++] = nset;
		for (i = 0; i < nset; i++, n += 4)
			put_u32(buf + n, set[i]);
	}
	v.p = buf;
	v.len = n;
	return v;
}

static struct rattr *
mkattrs(struct fx *f, int which)
{
	static const uint32_t	kp[] = { 64511, 4837, 131279 };
	static const uint32_t	ten[] = { 64511, 3356 };
	static const uint32_t	p2[] = { 64512, 131279 };
	static const uint32_t	v6[] = { 64512, 65001 }, v6set[] = { 65002,
				    65003 };
	static const uint8_t	comm_kp[] = { 0xfb, 0xff, 0, 100 };
	static const uint8_t	large_kp[] = { 0, 0, 0xfb, 0xff, 0, 0, 0, 1,
				    0, 0, 0, 2 };
	static const uint8_t	comm_p2[] = { 0xfc, 0, 0, 1, 0xfc, 0, 0, 2 };
	struct bgp_attrs	a;
	uint8_t			path[64];
	struct rattr		*r;

	memset(&a, 0, sizeof(a));
	a.present = ATTR_BIT(ATTR_ORIGIN) | ATTR_BIT(ATTR_AS_PATH) |
	    ATTR_BIT(ATTR_NEXT_HOP);
	switch (which) {
	case SET_KP:
		a.aspath = mkpath(path, kp, 3, NULL, 0);
		addr_parse("192.0.2.1", &a.nexthop);
		a.origin = ORIGIN_IGP;
		a.present |= ATTR_BIT(ATTR_COMMUNITIES) |
		    ATTR_BIT(ATTR_LARGE_COMMUNITIES) | ATTR_BIT(ATTR_MED);
		a.communities.p = comm_kp;
		a.communities.len = sizeof(comm_kp);
		a.large_communities.p = large_kp;
		a.large_communities.len = sizeof(large_kp);
		a.med = 10;
		break;
	case SET_TEN:
		a.aspath = mkpath(path, ten, 2, NULL, 0);
		addr_parse("192.0.2.1", &a.nexthop);
		a.origin = ORIGIN_INCOMPLETE;
		a.present |= ATTR_BIT(ATTR_LOCAL_PREF);
		a.local_pref = 200;
		break;
	case SET_P2:
		a.aspath = mkpath(path, p2, 2, NULL, 0);
		addr_parse("192.0.2.2", &a.nexthop);
		a.origin = ORIGIN_IGP;
		a.present |= ATTR_BIT(ATTR_COMMUNITIES);
		a.communities.p = comm_p2;
		a.communities.len = sizeof(comm_p2);
		break;
	default:
		a.aspath = mkpath(path, v6, 2, v6set, 2);
		addr_parse("2001:db8::2", &a.nexthop);
		a.origin = ORIGIN_EGP;
		a.present |= ATTR_BIT(ATTR_ATOMIC_AGGREGATE) |
		    ATTR_BIT(ATTR_AGGREGATOR);
		a.aggr_as = 65001;
		a.aggr_id = 0xc0000209;		/* 192.0.2.9 */
		break;
	}
	r = intern_attrs(f->bgpd.intern, &a);
	assert_non_null(r);
	return r;
}

static void
add_route(struct fx *f, uint16_t slot, const char *pfx, uint32_t path_id,
    struct rattr *a)
{
	struct bw_prefix	p;

	assert_int_equal(prefix_parse(pfx, &p), 0);
	assert_true(rib_update(f->bgpd.rib, slot, &p, path_id, a) >= 0);
}

static void
mkpeer(struct fx *f, int i, const char *addr, uint32_t as)
{
	struct config_neighbor	*nb = &f->nb[i];
	struct peer		*p = &f->peer[i];

	assert_int_equal(addr_parse(addr, &nb->addr), 0);
	nb->remote_as = as;
	p->env = &f->bgpd.peers.env;
	p->reg = &f->bgpd.peers;
	p->conf = nb;
	p->src.slot = (uint16_t)i;
	p->last_change = 1700000000;
	p->uptime = loop_monotime() - 100;
	TAILQ_INSERT_TAIL(&f->bgpd.peers.list, p, entry);
}

static void
fill_peers(struct fx *f)
{
	struct peer	*p;

	mkpeer(f, 0, "127.0.0.11", 64511);
	f->nb[0].descr = (char *)(uintptr_t)"lab router r1";
	f->nb[0].flags = CONF_NB_PASSIVE;
	p = &f->peer[0];
	p->state = FSM_ESTABLISHED;
	p->stats.msgs_in[BGP_OPEN] = 1;
	p->stats.msgs_in[BGP_UPDATE] = 10;
	p->stats.msgs_in[BGP_KEEPALIVE] = 4;
	p->stats.msgs_out[BGP_OPEN] = 1;
	p->stats.msgs_out[BGP_KEEPALIVE] = 11;
	p->stats.updates_in = 10;
	p->src.stats.prefixes_in = 4;
	p->stats.established_count = 1;
	p->eor[AID_INET] = 1;
	p->eor_time[AID_INET] = 1700000100;
	p->holdtime = 90;
	p->keepalive = 30;
	p->remote_as = 64511;
	p->remote_id = 0x0a000001;
	p->neg.as4 = 1;
	p->neg.refresh = 1;
	p->neg.af[AID_INET] = 1;

	mkpeer(f, 1, "2001:db8::2", 64512);
	f->nb[1].max_prefix = 1000;
	p = &f->peer[1];
	p->state = FSM_ACTIVE;
	p->stats.flaps = 2;
	snprintf(p->last_error, sizeof(p->last_error), "connection refused");
}

static void
fill_routes(struct fx *f)
{
	struct rattr		*a[NSETS];
	struct rib_cursor	 cur;
	int			 i;

	for (i = 0; i < NSETS; i++)
		a[i] = mkattrs(f, i);
	add_route(f, 0, "175.45.176.0/22", 0, a[SET_KP]);
	add_route(f, 0, "175.45.176.0/24", 0, a[SET_KP]);
	add_route(f, 0, "175.45.177.0/24", 0, a[SET_KP]);
	add_route(f, 0, "10.0.0.0/8", 0, a[SET_TEN]);
	add_route(f, 1, "175.45.176.0/24", 0, a[SET_P2]);
	add_route(f, 1, "2001:db8:100::/48", 7, a[SET_V6]);
	/* peer 2's IPv4 routes are stale (graceful restart) */
	rib_cursor_init(&cur, AID_INET);
	while (rib_mark_stale_slice(f->bgpd.rib, &cur, 1, 100) == 1)
		;
	for (i = 0; i < NSETS; i++)
		rattr_unref(f->bgpd.intern, a[i]);
}

static int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/bgpwatch-ctl-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/ctl.sock", f->dir);
	TAILQ_INIT(&f->bgpd.peers.list);
	f->bgpd.loop.base = event_base_new();
	assert_non_null(f->bgpd.loop.base);
	f->bgpd.conf = config_new();
	f->bgpd.conffile = "/nonexistent/bgpwatchd.conf";
	f->bgpd.started = time(NULL) - 3600;
	f->bgpd.loop.lag_max = 0.0043;
	f->bgpd.loop.lag_cpu_max = 0.0012;
	f->bgpd.loop.lag_over_50ms = 3;
	f->bgpd.intern = intern_new();
	assert_non_null(f->bgpd.intern);
	f->bgpd.rib = rib_new(f->bgpd.intern);
	assert_non_null(f->bgpd.rib);
	fill_peers(f);
	fill_routes(f);
	f->control = control_new(&f->bgpd, f->path);
	assert_non_null(f->control);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	control_free(f->control);
	metrics_free(f->metrics);
	detect_free(f->bgpd.detect);
	config_free(f->regions_conf);
	rib_free(f->bgpd.rib);
	intern_free(f->bgpd.intern);
	config_free(f->bgpd.conf);
	event_base_free(f->bgpd.loop.base);
	rmdir(f->dir);
	free(f);
	return 0;
}

static int
client_connect(struct fx *f)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", f->path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)),
	    0);
	return fd;
}

/*
 * Seen by ask_raw(): the longest loop turn in CPU microseconds of this
 * thread (the loop's: a loaded machine does not stretch it, as it did
 * the wall time), and the most output any control client held queued
 * (a listing built whole holds all of it at once, whatever the clock).
 */
static long long	max_turn_usec;
static size_t		max_queued;

static long long
usec_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static size_t
queued_most(const struct fx *f)
{
	const struct control_client	*c;
	size_t				 n, most = 0;

	TAILQ_FOREACH(c, &f->control->clients, entry) {
		n = evbuffer_get_length(bufferevent_get_output(c->bev));
		if (n > most)
			most = n;
	}
	return most;
}

/* Called while an answer arrives, with the bytes read so far. */
typedef void (*hook_fn)(struct fx *, size_t got);

/*
 * Sends len bytes of request and runs the loop until the daemon closes.
 * Reads at most chunk bytes per loop turn (a slow reader).  Returns the
 * whole answer, NUL-terminated; *outlen its length.
 */
static char *
ask_raw(struct fx *f, const char *req, size_t len, size_t chunk,
    hook_fn hook, size_t *outlen)
{
	char	*buf = NULL;
	size_t	 have = 0, cap = 0;
	ssize_t	 n;
	time_t	 deadline = time(NULL) + 60;
	long long t;
	int	 fd = client_connect(f);

	assert_int_equal(write(fd, req, len), (ssize_t)len);
	max_turn_usec = 0;
	max_queued = 0;
	for (;;) {
		assert_true(time(NULL) < deadline);
		t = usec_now();
		event_base_loop(f->bgpd.loop.base, EVLOOP_NONBLOCK);
		t = usec_now() - t;
		if (t > max_turn_usec)
			max_turn_usec = t;
		if (queued_most(f) > max_queued)
			max_queued = queued_most(f);
		if (have + chunk + 1 > cap) {
			cap = (have + chunk + 1) * 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		n = read(fd, buf + have, chunk);
		/* The daemon closed with some of our request unread. */
		if (n == -1 && errno == ECONNRESET)
			break;
		if (n == -1) {
			assert_true(errno == EAGAIN || errno == EINTR);
			continue;
		}
		if (n == 0)
			break;
		have += (size_t)n;
		if (hook != NULL)
			hook(f, have);
	}
	close(fd);
	if (buf == NULL)
		buf = malloc(1);
	assert_non_null(buf);
	buf[have] = '\0';
	if (outlen != NULL)
		*outlen = have;
	return buf;
}

static char *
ask(struct fx *f, const char *line)
{
	char	req[2048];
	int	n = snprintf(req, sizeof(req), "%s\n", line);

	return ask_raw(f, req, (size_t)n, 65536, NULL, NULL);
}

#define RIB_USAGE "ERR usage: show rib [neighbor ADDRESS] [router " \
	"ADDRESS] [view VIEW] [source-as AS] [peer-as AS] [community A:B " \
	"| A:B:C] [PREFIX] | show rib count [neighbor ADDRESS] [router " \
	"ADDRESS] [view VIEW]\n"

static void
expect(struct fx *f, const char *line, const char *want)
{
	char	*got = ask(f, line);

	assert_string_equal(got, want);
	free(got);
}

/*
 * Replaces the number after each "key": by N once it is checked to lie
 * in [lo, hi] (values that depend on the clock).
 */
static void
normalize(char *s, const char *key, long lo, long hi)
{
	char	 pat[64], *p, *end;
	long	 v;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	for (p = strstr(s, pat); p != NULL; p = strstr(p, pat)) {
		p += strlen(pat);
		v = strtol(p, &end, 10);
		assert_true(end > p);
		assert_in_range(v, lo, hi);
		*p = 'N';
		memmove(p + 1, end, strlen(end) + 1);
	}
}

#define MSGS0	"{\"open\":0,\"update\":0,\"notification\":0,\"keepalive\":0," \
		"\"route_refresh\":0}"
#define NB1 \
	"{\"address\":\"127.0.0.11\",\"type\":\"bgp\",\"remote_as\":64511,\"description\":" \
	"\"lab router r1\",\"state\":\"Established\",\"eligible\":false," \
	"\"admin_down\":false,\"prefixes\":" \
	"{\"ipv4\":4,\"ipv6\":0},\"uptime\":N,\"state_time\":N," \
	"\"last_change\":1700000000,\"messages_in\":15,\"messages_out\":12," \
	"\"messages\":{\"in\":{\"open\":1,\"update\":10,\"notification\":0," \
	"\"keepalive\":4,\"route_refresh\":0},\"out\":{\"open\":1," \
	"\"update\":0,\"notification\":0,\"keepalive\":11," \
	"\"route_refresh\":0}},\"updates_in\":10,\"announcements_in\":4," \
	"\"withdrawals_in\":0,\"treat_as_withdraw\":0," \
	"\"attribute_discard\":0,\"established_count\":1,\"flaps\":0," \
	"\"last_error\":null,\"eor\":{\"ipv4\":1700000100,\"ipv6\":null}," \
	"\"hold_time\":90,\"keepalive\":30,\"router_id\":\"10.0.0.1\"," \
	"\"capabilities\":{\"as4\":true,\"extended_message\":false," \
	"\"route_refresh\":true,\"enhanced_route_refresh\":false," \
	"\"families\":[\"ipv4\"],\"add_path_receive\":[]," \
	"\"graceful_restart\":null},\"local_address\":null," \
	"\"passive\":true,\"max_prefix\":0,\"removed\":false}"
#define NB2 \
	"{\"address\":\"2001:db8::2\",\"type\":\"bgp\",\"remote_as\":64512,\"description\":" \
	"null,\"state\":\"Active\",\"eligible\":false,\"admin_down\":false," \
	"\"prefixes\":{\"ipv4\":1,\"ipv6\":1}," \
	"\"uptime\":N,\"state_time\":N,\"last_change\":1700000000," \
	"\"messages_in\":0,\"messages_out\":0,\"messages\":{\"in\":" MSGS0 \
	",\"out\":" MSGS0 "},\"updates_in\":0,\"announcements_in\":0," \
	"\"withdrawals_in\":0,\"treat_as_withdraw\":0," \
	"\"attribute_discard\":0,\"established_count\":0,\"flaps\":2," \
	"\"last_error\":\"connection refused\",\"eor\":{\"ipv4\":null," \
	"\"ipv6\":null},\"hold_time\":0,\"keepalive\":0,\"router_id\":" \
	"\"0.0.0.0\",\"capabilities\":null,\"local_address\":null," \
	"\"passive\":false,\"max_prefix\":1000,\"removed\":false}"

static void
test_neighbors_json(void **state)
{
	struct fx	*f = *state;
	char		*got;

	got = ask(f, "json show neighbors");
	normalize(got, "uptime", 0, 200);
	normalize(got, "state_time", 0, 200);
	assert_string_equal(got, "OK\n{\"neighbors\":[" NB1 "," NB2 "]}\n");
	free(got);
	got = ask(f, "json show neighbor 2001:db8::2");
	normalize(got, "uptime", 0, 200);
	normalize(got, "state_time", 0, 200);
	assert_string_equal(got, "OK\n{\"neighbors\":[" NB2 "]}\n");
	free(got);
	expect(f, "json show neighbor 192.0.2.99",
	    "ERR no such neighbor: 192.0.2.99\n");
	expect(f, "show neighbor bogus", "ERR bad neighbor address: bogus\n");
}

static void
test_neighbors_text(void **state)
{
	struct fx	*f = *state;
	char		*got, *nl;

	got = ask(f, "show neighbors");
	nl = strchr(got + 3, '\n');
	assert_non_null(nl);
	*nl = '\0';
	assert_string_equal(got, "OK\nNeighbor                     AS    "
	    "MsgRcvd    MsgSent  OutQ Up/Down  State/PrfRcvd");
	assert_non_null(strstr(nl + 1, "127.0.0.11                64511 "
	    "        15         12     0 00:01:"));
	assert_non_null(strstr(nl + 1, "       4\n2001:db8::2"));
	assert_non_null(strstr(nl + 1, "Active\n"));
	free(got);
	got = ask(f, "show neighbor 127.0.0.11");
	assert_non_null(strstr(got, "BGP neighbor is 127.0.0.11, remote AS "
	    "64511\n Description: lab router r1\n"));
	assert_non_null(strstr(got, "Prefixes: IPv4 4, IPv6 0\n"));
	free(got);
}

#define R_KP(pfx) \
	"{\"prefix\":\"" pfx "\",\"neighbor\":\"127.0.0.11\",\"path_id\":0," \
	"\"as_path\":\"64511 4837 131279\",\"next_hop\":\"192.0.2.1\"," \
	"\"origin\":\"IGP\",\"communities\":[\"64511:100\"]," \
	"\"large_communities\":[\"64511:1:2\"],\"stale\":false,\"med\":10," \
	"\"origin_as\":131279}"
#define R_TEN \
	"{\"prefix\":\"10.0.0.0/8\",\"neighbor\":\"127.0.0.11\"," \
	"\"path_id\":0,\"as_path\":\"64511 3356\",\"next_hop\":" \
	"\"192.0.2.1\",\"origin\":\"INCOMPLETE\",\"communities\":[]," \
	"\"large_communities\":[]," \
	"\"stale\":false,\"local_pref\":200,\"origin_as\":3356}"
#define R_P2 \
	"{\"prefix\":\"175.45.176.0/24\",\"neighbor\":\"2001:db8::2\"," \
	"\"path_id\":0,\"as_path\":\"64512 131279\",\"next_hop\":" \
	"\"192.0.2.2\",\"origin\":\"IGP\",\"communities\":[\"64512:1\"," \
	"\"64512:2\"],\"large_communities\":[],\"stale\":true," \
	"\"origin_as\":131279}"
#define R_V6 \
	"{\"prefix\":\"2001:db8:100::/48\",\"neighbor\":\"2001:db8::2\"," \
	"\"path_id\":7,\"as_path\":\"64512 65001 {65002,65003}\"," \
	"\"next_hop\":\"2001:db8::2\",\"origin\":\"EGP\",\"communities\":[]," \
	"\"large_communities\":[],\"stale\":false,\"origin_as\":0," \
	"\"atomic_aggregate\":true,\"aggregator\":{\"as\":65001," \
	"\"address\":\"192.0.2.9\"}}"

static void
test_rib_json(void **state)
{
	struct fx	*f = *state;

	expect(f, "json show rib", "OK\n{\"routes\":[" R_TEN ","
	    R_KP("175.45.176.0/22") "," R_KP("175.45.176.0/24") "," R_P2 ","
	    R_KP("175.45.177.0/24") "," R_V6 "]}\n");
	expect(f, "json show rib neighbor 127.0.0.11", "OK\n{\"routes\":["
	    R_TEN "," R_KP("175.45.176.0/22") "," R_KP("175.45.176.0/24") ","
	    R_KP("175.45.177.0/24") "]}\n");
	expect(f, "json show rib neighbor 2001:db8::2", "OK\n{\"routes\":["
	    R_P2 "," R_V6 "]}\n");
}

/* Label values are escaped; event types map to their counter rows. */
static void
test_metrics_helpers(void **state)
{
	char	buf[16];

	(void)state;
	assert_string_equal(metrics_label("a\"b\\c\nd", buf, sizeof(buf)),
	    "a\\\"b\\\\c\\nd");
	assert_string_equal(metrics_label(NULL, buf, sizeof(buf)), "");
	/* Cut to fit, never in the middle of an escape. */
	assert_string_equal(metrics_label("\"\"\"\"\"\"\"\"\"", buf,
	    sizeof(buf)), "\\\"\\\"\\\"\\\"\\\"\\\"\\\"");
	assert_string_equal(core_ops_types[core_ops_type_index("peer_down")],
	    "peer_down");
	assert_string_equal(core_ops_types[core_ops_type_index(
	    "region_unstable")], "region_unstable");
	assert_int_equal(core_ops_type_index("nonsense"), CORE_OPS_NTYPES - 1);
	assert_int_equal(core_ops_type_index(NULL), CORE_OPS_NTYPES - 1);
}

/* Routes a filtered `json show rib ...` lists. */
static size_t
rib_n(struct fx *f, const char *line)
{
	char	*got = ask(f, line);
	size_t	 n = 0;
	char	*p = got;

	assert_true(strncmp(got, "OK\n", 3) == 0);
	while ((p = strstr(p, "\"neighbor\":")) != NULL) {
		n++;
		p++;
	}
	free(got);
	return n;
}

/* show rib source-as / peer-as / community (struct view_rib_filter). */
static void
test_rib_filters(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(rib_n(f, "json show rib source-as 131279"), 4);
	assert_int_equal(rib_n(f, "json show rib source-as AS3356"), 1);
	assert_int_equal(rib_n(f, "json show rib peer-as 64512"), 2);
	assert_int_equal(rib_n(f, "json show rib peer-as 64511"), 4);
	assert_int_equal(rib_n(f, "json show rib peer-as 1"), 0);
	assert_int_equal(rib_n(f, "json show rib community 64511:100"), 3);
	assert_int_equal(rib_n(f, "json show rib community 64512:2"), 1);
	assert_int_equal(rib_n(f, "json show rib community 64511:1:2"), 3);
	assert_int_equal(rib_n(f, "json show rib community 64511:1:3"), 0);
	assert_int_equal(rib_n(f, "json show rib source-as 131279 peer-as "
	    "64512"), 1);
	assert_int_equal(rib_n(f, "json show rib neighbor 127.0.0.11 "
	    "community 64512:2"), 0);
	expect(f, "show rib community 65536:1", RIB_USAGE);
	expect(f, "show rib source-as x", RIB_USAGE);
	expect(f, "show rib peer-as", RIB_USAGE);
}

static void
test_rib_count(void **state)
{
	struct fx	*f = *state;

	expect(f, "json show rib count", "OK\n{\"routes\":6,\"ipv4\":5,"
	    "\"ipv6\":1,\"prefixes\":{\"ipv4\":4,\"ipv6\":1}}\n");
	expect(f, "json show rib count neighbor 2001:db8::2",
	    "OK\n{\"routes\":2,\"ipv4\":1,\"ipv6\":1}\n");
	expect(f, "show rib count", "OK\nRoutes: 6 (IPv4 5, IPv6 1)\n");
	expect(f, "show rib count 10.0.0.0/8", RIB_USAGE);
}

static void
test_rib_prefix(void **state)
{
	struct fx	*f = *state;

	/* exact, with the covered more specifics */
	expect(f, "json show rib 175.45.176.0/22", "OK\n{\"prefix\":"
	    "\"175.45.176.0/22\",\"match\":\"175.45.176.0/22\",\"routes\":["
	    R_KP("175.45.176.0/22") "],\"covering\":[],\"covered\":["
	    R_KP("175.45.176.0/24") "," R_P2 "," R_KP("175.45.177.0/24")
	    "]}\n");
	/* an address: longest match and the less specific one */
	expect(f, "json show rib 175.45.176.99", "OK\n{\"prefix\":"
	    "\"175.45.176.99/32\",\"match\":\"175.45.176.0/24\",\"routes\":["
	    R_KP("175.45.176.0/24") "," R_P2 "],\"covering\":["
	    R_KP("175.45.176.0/22") "],\"covered\":[]}\n");
	/* filtered: that neighbor's longest match */
	expect(f, "json show rib neighbor 2001:db8::2 175.45.177.1", "OK\n"
	    "{\"prefix\":\"175.45.177.1/32\",\"match\":null,\"routes\":[],"
	    "\"covering\":[],\"covered\":[]}\n");
	expect(f, "json show rib 175.45.176.0/23 neighbor 2001:db8::2",
	    "OK\n{\"prefix\":\"175.45.176.0/23\",\"match\":null,\"routes\":[],"
	    "\"covering\":[],\"covered\":[" R_P2 "]}\n");
	/* no match, covered only */
	expect(f, "json show rib 2001:db8::/32", "OK\n{\"prefix\":"
	    "\"2001:db8::/32\",\"match\":null,\"routes\":[],\"covering\":[],"
	    "\"covered\":[" R_V6 "]}\n");
	expect(f, "json show rib 10.1.2.0/24", "OK\n{\"prefix\":"
	    "\"10.1.2.0/24\",\"match\":\"10.0.0.0/8\",\"routes\":[" R_TEN
	    "],\"covering\":[],\"covered\":[]}\n");
	expect(f, "show rib 300.1.2.3", RIB_USAGE);
}

static size_t
count_lines(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

static void
test_rib_text(void **state)
{
	struct fx	*f = *state;
	char		*got;

	got = ask(f, "show rib");
	/* OK, legend (2 lines and a blank one), header, 6 routes */
	assert_int_equal(count_lines(got), 1 + 3 + 1 + 6);
	assert_non_null(strstr(got, "\nflags destination"));
	assert_non_null(strstr(got, "\n      175.45.176.0/22    127.0.0.11  "
	    "     192.0.2.1             -     10 64511 4837 131279 i "
	    "[64511:100 64511:1:2]\n"));
	assert_non_null(strstr(got, "\nS     175.45.176.0/24    2001:db8::2 "
	    "     192.0.2.2             -      - 64512 131279 i "
	    "[64512:1 64512:2]\n"));
	assert_non_null(strstr(got, "64512 65001 {65002,65003} e (path-id "
	    "7)\n"));
	free(got);
	got = ask(f, "show rib 175.45.176.0/22");
	assert_non_null(strstr(got, "Longest match for 175.45.176.0/22: "
	    "175.45.176.0/22\n"));
	assert_non_null(strstr(got, "\nMore specific routes:\n"));
	assert_null(strstr(got, "Less specific"));
	free(got);
	got = ask(f, "show rib 175.45.176.99");
	assert_non_null(strstr(got, "Longest match for 175.45.176.99/32: "
	    "175.45.176.0/24\n"));
	assert_non_null(strstr(got, "\nLess specific routes:\nflags "));
	assert_null(strstr(got, "More specific"));
	free(got);
	got = ask(f, "show rib 192.168.0.0/16");
	assert_string_equal(got, "OK\nflags: S = Stale\norigin: i = IGP, "
	    "e = EGP, ? = Incomplete\n\nNo route matches 192.168.0.0/16\n");
	free(got);
}

static void
test_memory(void **state)
{
	struct fx	*f = *state;
	char		*got;

	got = ask(f, "json show memory");
	assert_true(strncmp(got, "OK\n{\"rib_nodes\":{\"nodes\":", 25) == 0);
	assert_non_null(strstr(got, ",\"routes\":6,\"prefixes\":5,"
	    "\"bytes_per_route\":"));
	assert_non_null(strstr(got, "\"attribute_sets\":{\"sets\":4,"));
	free(got);
	got = ask(f, "show memory");
	assert_non_null(strstr(got, "6 routes, 5 prefixes"));
	free(got);
}

static void
test_errors(void **state)
{
	struct fx	*f = *state;
	char		 big[2100];
	char		*got;

	expect(f, "frobnicate", "ERR unknown command\n");
	expect(f, "json", "ERR empty request\n");
	expect(f, "", "ERR empty request\n");
	expect(f, "show neighbors extra", "ERR usage: show neighbors\n");
	expect(f, "json show regions", "OK\n{\"regions\":[]}\n");
	expect(f, "show region KP", "ERR no region KP\n");
	expect(f, "dump table x", "ERR dump table: FILE must be an absolute path "
	    "without quotes or backslashes\n");
	expect(f, "dump table", "ERR usage: dump table FILE\n");
	got = ask(f, "reload");
	assert_true(strncmp(got, "ERR reload failed: ", 19) == 0);
	assert_non_null(strchr(got, '\n'));
	assert_int_equal(strchr(got, '\n')[1], '\0');
	free(got);
	/* Overlong: no newline within the limit, with or without one later */
	memset(big, 'a', sizeof(big));
	got = ask_raw(f, big, sizeof(big), 65536, NULL, NULL);
	assert_string_equal(got, "ERR request too long\n");
	free(got);
	big[1500] = '\n';
	got = ask_raw(f, big, 1501, 65536, NULL, NULL);
	assert_string_equal(got, "ERR request too long\n");
	free(got);
	/* Exactly at the limit: a request, if not a known one. */
	memset(big, 'a', CONTROL_LINE_MAX);
	big[CONTROL_LINE_MAX] = '\n';
	got = ask_raw(f, big, CONTROL_LINE_MAX + 1, 65536, NULL, NULL);
	assert_string_equal(got, "ERR unknown command\n");
	free(got);
	got = ask_raw(f, "show\0neighbors\n", 15, 65536, NULL, NULL);
	assert_string_equal(got, "ERR malformed request\n");
	free(got);
	assert_int_equal(control_nclients(f->control), 0);
}

static void
test_max_clients(void **state)
{
	struct fx	*f = *state;
	int		 fds[CONTROL_MAX_CLIENTS], i;
	char		*got;

	for (i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		fds[i] = client_connect(f);
		event_base_loop(f->bgpd.loop.base, EVLOOP_NONBLOCK);
	}
	assert_int_equal(control_nclients(f->control),
	    CONTROL_MAX_CLIENTS);
	got = ask(f, "show rib count");
	assert_string_equal(got, "ERR too many clients\n");
	free(got);
	for (i = 0; i < CONTROL_MAX_CLIENTS; i++)
		close(fds[i]);
	for (i = 0; i < 100 && control_nclients(f->control) > 0; i++)
		event_base_loop(f->bgpd.loop.base, EVLOOP_NONBLOCK);
	assert_int_equal(control_nclients(f->control), 0);
	expect(f, "show rib count", "OK\nRoutes: 6 (IPv4 5, IPv6 1)\n");
}

static void
test_socket(void **state)
{
	struct fx	*f = *state;
	struct stat	 st;
	char		 other[160];
	int		 fd;

	assert_int_equal(stat(f->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, CONTROL_SOCK_MODE);
	/* a live socket is not taken over */
	assert_null(control_new(&f->bgpd, f->path));
	/* a stale one is */
	control_free(f->control);
	f->control = NULL;
	assert_int_equal(stat(f->path, &st), -1);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	{
		struct sockaddr_un	sun;

		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", f->path);
		assert_int_equal(bind(fd, (struct sockaddr *)&sun,
		    sizeof(sun)), 0);
	}
	close(fd);
	f->control = control_new(&f->bgpd, f->path);
	assert_non_null(f->control);
	expect(f, "show rib count", "OK\nRoutes: 6 (IPv4 5, IPv6 1)\n");
	/* not a socket; a missing directory */
	snprintf(other, sizeof(other), "%s/file", f->dir);
	fd = open(other, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_null(control_new(&f->bgpd, other));
	unlink(other);
	snprintf(other, sizeof(other), "%s/missing/ctl.sock", f->dir);
	assert_null(control_new(&f->bgpd, other));
}

static void
test_status(void **state)
{
	struct fx	*f = *state;
	char		*got, want[512];

	got = ask(f, "json show status");
	normalize(got, "uptime", 3600, 3660);
	snprintf(want, sizeof(want), "OK\n{\"version\":\"%s\",\"uptime\":N,"
	    "\"loop\":{\"max_stall_ms\":4.3,\"max_stall_cpu_ms\":1.2,"
	    "\"stalls_over_50ms\":3},"
	    "\"peers\":2,\"established\":1,\"routes\":6,"
	    "\"regions\":{\"total\":0,\"up\":0,\"degraded\":0,\"down\":0,"
	    "\"blind\":0,\"pending\":0}}\n",
	    bgpwatch_version());
	assert_string_equal(got, want);
	free(got);
	got = ask(f, "show status reset");
	snprintf(want, sizeof(want), "OK\nbgpwatchd %s, up 01:0",
	    bgpwatch_version());
	assert_true(strncmp(got, want, strlen(want)) == 0);
	assert_non_null(strstr(got, "\nEvent loop: worst stall 4.3 ms, "
	    "1.2 ms of it running (now reset), 3 stalls over 50 ms\nPeers: "
	    "2 configured, "
	    "1 established\nRoutes: 6\nRegions: 0 (0 up, 0 degraded, 0 down, "
	    "0 blind; 0 in hold-down)\n"));
	free(got);
	got = ask(f, "show status");
	assert_non_null(strstr(got, "\nEvent loop: worst stall 0.0 ms, "
	    "0.0 ms of it running, 3 stalls over 50 ms\n"));
	free(got);
	expect(f, "show status now", "ERR usage: show status [reset]\n");
}

static void
test_neighbor_detail(void **state)
{
	struct fx	*f = *state;
	char		*got, *p;

	setenv("TZ", "UTC", 1);
	tzset();
	f->peer[0].neg.gr_peer = 1;
	f->peer[0].neg.gr_restart_time = 120;
	f->peer[0].neg.addpath_recv[AID_INET6] = 1;
	f->peer[0].neg.ext_msg = 1;
	f->peer[0].neg.enhanced_rr = 1;
	got = ask(f, "show neighbor 127.0.0.11");
	/* The time in state may have ticked: 00:01:40 or a little more. */
	p = strstr(got, "up for 00:01:");
	assert_non_null(p);
	p[13] = 'X';
	p[14] = 'X';
	assert_string_equal(got, "OK\n"
	    "BGP neighbor is 127.0.0.11, remote AS 64511\n"
	    " Description: lab router r1\n"
	    "  BGP version 4, remote router-id 10.0.0.1\n"
	    "  BGP state = Established, up for 00:01:XX\n"
	    "  Eligible for regions: no\n"
	    "  Last error: none\n"
	    "  Hold time 90s, keepalive interval 30s, sessions established 1, "
	    "flaps 0\n"
	    "  Negotiated capabilities:\n"
	    "    Multiprotocol: IPv4\n"
	    "    4-byte AS numbers\n"
	    "    Extended messages\n"
	    "    Route refresh (enhanced)\n"
	    "    ADD-PATH receive: IPv6\n"
	    "    Graceful restart: restart time 120s\n"
	    "\n"
	    "  Message statistics:\n"
	    "                        Sent   Received\n"
	    "  Opens                    1          1\n"
	    "  Updates                  0         10\n"
	    "  Notifications            0          0\n"
	    "  Keepalives              11          4\n"
	    "  Route Refresh            0          0\n"
	    "  Total                   12         15\n"
	    "\n"
	    "  Announcements 4, withdrawals 0, treat-as-withdraw 0, "
	    "attribute-discard 0\n"
	    "  Prefixes: IPv4 4, IPv6 0\n"
	    "  End-of-RIB IPv4 received 2023-11-14 22:15:00\n"
	    "\n");
	free(got);
	got = ask(f, "json show neighbor 127.0.0.11");
	assert_non_null(strstr(got, "\"capabilities\":{\"as4\":true,"
	    "\"extended_message\":true,\"route_refresh\":true,"
	    "\"enhanced_route_refresh\":true,\"families\":[\"ipv4\"],"
	    "\"add_path_receive\":[\"ipv6\"],\"graceful_restart\":"
	    "{\"restart_time\":120,\"restarting\":false,\"families\":[]}},"));
	free(got);
	got = ask(f, "show neighbors");
	assert_non_null(strstr(got, "\n2001:db8::2               64512 "
	    "         0          0     0 00:01:"));
	free(got);
}

static void
test_memory_text(void **state)
{
	struct fx		*f = *state;
	struct rib_mem		 rm;
	struct intern_mem	 im;
	char			 want[2048];
	char			*got;
	size_t			 total;

	rib_mem(f->bgpd.rib, &rm);
	intern_mem(f->bgpd.intern, &im);
	total = rm.node_bytes + rm.route_bytes + im.attr_bytes +
	    im.blob_bytes + 2 * sizeof(struct peer);
	snprintf(want, sizeof(want), "OK\n%-20s %12s %14s\n"
	    "%-20s %12zu %14zu\n%-20s %12zu %14zu\n%-20s %12zu %14zu\n"
	    "%-20s %12zu %14zu\n%-20s %12zu %14zu\n%-20s %12s %14zu\n\n"
	    "6 routes, 5 prefixes, %.1f bytes per route\nResident set size ",
	    "Subsystem", "Objects", "Bytes", "RIB nodes", rm.nodes,
	    rm.node_bytes, "Route arrays", rm.route_arrays, rm.route_bytes,
	    "Attribute sets", im.attrs, im.attr_bytes, "Blobs", im.blobs,
	    im.blob_bytes, "Peers", (size_t)2, 2 * sizeof(struct peer),
	    "Total", "", total, (double)total / 6);
	got = ask(f, "show memory");
	assert_true(strncmp(got, want, strlen(want)) == 0);
	assert_non_null(strstr(got, " bytes\n"));
	free(got);
	snprintf(want, sizeof(want), "\"peers\":{\"peers\":2,\"bytes\":%zu},"
	    "\"total_bytes\":%zu,", 2 * sizeof(struct peer), total);
	got = ask(f, "json show memory");
	assert_non_null(strstr(got, want));
	assert_non_null(strstr(got, ",\"rss_bytes\":"));
	free(got);
}

static void
test_regions(void **state)
{
	static const char conf[] = "local-as 65000\nrouter-id 192.0.2.254\n"
	    "region \"KP\" {\n prefix 175.45.176.0/22\n}\n"
	    "region \"TEN\" {\n prefix 10.0.0.0/8\n}\n";
	struct fx		*f = *state;
	struct config_errors	 errs;
	char			 err[256], *got;

	f->regions_conf = config_parse_buf("test.conf", conf, strlen(conf),
	    &errs);
	assert_non_null(f->regions_conf);
	f->bgpd.detect = detect_new(f->bgpd.rib, 0);
	assert_non_null(f->bgpd.detect);
	assert_int_equal(detect_configure(f->bgpd.detect, f->regions_conf, 0,
	    err, sizeof(err)), 0);
	expect(f, "json show regions", "OK\n{\"regions\":["
	    "{\"name\":\"KP\",\"state\":\"blind\",\"visibility\":1.0000,"
	    "\"prefixes_visible\":0,\"prefixes_total\":3,\"units_visible\":0,"
	    "\"units_total\":0,\"eligible_peers\":0,\"since\":0.000},"
	    "{\"name\":\"TEN\",\"state\":\"blind\",\"visibility\":1.0000,"
	    "\"prefixes_visible\":0,\"prefixes_total\":1,\"units_visible\":0,"
	    "\"units_total\":0,\"eligible_peers\":0,\"since\":0.000}]}\n");
	expect(f, "json show region TEN", "OK\n"
	    "{\"name\":\"TEN\",\"state\":\"blind\",\"visibility\":1.0000,"
	    "\"prefixes_visible\":0,\"prefixes_total\":1,\"units_visible\":0,"
	    "\"units_total\":0,\"eligible_peers\":0,\"since\":0.000,"
	    "\"prefixes\":[{\"prefix\":\"10.0.0.0/8\",\"visible_peers\":0}]}\n");
	expect(f, "show regions", "OK\n"
	    "Region           State      Visible      Prefixes             Units "
	    "Peers\n"
	    "KP               blind       100.0%      0/3             0/0       "
	    "     0\n"
	    "TEN              blind       100.0%      0/1             0/0       "
	    "     0\n");
	expect(f, "show region KP", "OK\n"
	    "Region           State      Visible      Prefixes             Units "
	    "Peers\n"
	    "KP               blind       100.0%      0/3             0/0       "
	    "     0\n"
	    "\n  Prefix                                      Peers\n"
	    "  175.45.176.0/22                                 0\n"
	    "  175.45.176.0/24                                 0\n"
	    "  175.45.177.0/24                                 0\n");
	expect(f, "show region XX", "ERR no region XX\n");
	expect(f, "json show region XX", "ERR no region XX\n");
	/* show status counts them by state (a poll without every row). */
	got = ask(f, "json show status");
	assert_non_null(strstr(got, ",\"regions\":{\"total\":2,\"up\":0,"
	    "\"degraded\":0,\"down\":0,\"blind\":2,\"pending\":0}}\n"));
	free(got);
	got = ask(f, "show status");
	assert_non_null(strstr(got, "\nRegions: 2 (0 up, 0 degraded, 0 down, "
	    "2 blind; 0 in hold-down)\n"));
	free(got);
}

/* Metrics over HTTP on a loopback port of the kernel's choosing. */
static uint16_t
free_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

static char *
http_get(struct fx *f, uint16_t port, const char *req)
{
	struct sockaddr_in	sin;
	char			*buf = malloc(65536);
	size_t			 have = 0;
	ssize_t			 n;
	time_t			 deadline = time(NULL) + 20;
	int			 fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_non_null(buf);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	for (;;) {
		assert_true(time(NULL) < deadline);
		event_base_loop(f->bgpd.loop.base, EVLOOP_NONBLOCK);
		n = read(fd, buf + have, 65535 - have);
		if (n == -1) {
			assert_true(errno == EAGAIN || errno == EINTR);
			continue;
		}
		if (n == 0)
			break;
		have += (size_t)n;
	}
	close(fd);
	buf[have] = '\0';
	return buf;
}

#define PEER_LINES(name, v1, v2) \
	"# HELP bgpwatch_peer_" name "_total %s\n" \
	"# TYPE bgpwatch_peer_" name "_total counter\n" \
	"bgpwatch_peer_" name "_total{peer=\"127.0.0.11\"} " v1 "\n" \
	"bgpwatch_peer_" name "_total{peer=\"2001:db8::2\"} " v2 "\n"

static void
test_metrics(void **state)
{
	struct fx		*f = *state;
	struct config_metrics	 mc;
	struct rib_mem		 rm;
	struct intern_mem	 im;
	char			 want[8192];
	char			*got, *body;

	memset(&mc, 0, sizeof(mc));
	mc.enabled = 1;
	assert_int_equal(addr_parse("127.0.0.1", &mc.addr), 0);
	mc.port = free_port();
	f->metrics = metrics_new(&f->bgpd, &mc);
	assert_non_null(f->metrics);
	rib_mem(f->bgpd.rib, &rm);
	intern_mem(f->bgpd.intern, &im);
	snprintf(want, sizeof(want),
	    "# HELP bgpwatch_rib_routes routes in the RIB\n"
	    "# TYPE bgpwatch_rib_routes gauge\n"
	    "bgpwatch_rib_routes{family=\"ipv4\"} 5\n"
	    "bgpwatch_rib_routes{family=\"ipv6\"} 1\n"
	    "# HELP bgpwatch_memory_bytes bytes per subsystem\n"
	    "# TYPE bgpwatch_memory_bytes gauge\n"
	    "bgpwatch_memory_bytes{subsystem=\"rib_nodes\"} %zu\n"
	    "bgpwatch_memory_bytes{subsystem=\"route_arrays\"} %zu\n"
	    "bgpwatch_memory_bytes{subsystem=\"attribute_sets\"} %zu\n"
	    "bgpwatch_memory_bytes{subsystem=\"blobs\"} %zu\n"
	    "# HELP bgpwatch_loop_max_stall_seconds longest event loop stall "
	    "since start\n"
	    "# TYPE bgpwatch_loop_max_stall_seconds gauge\n"
	    "bgpwatch_loop_max_stall_seconds 0.004300\n"
	    "# HELP bgpwatch_loop_max_stall_cpu_seconds longest event loop "
	    "stall since start, counting only the time the loop ran (not its "
	    "waits for a CPU)\n"
	    "# TYPE bgpwatch_loop_max_stall_cpu_seconds gauge\n"
	    "bgpwatch_loop_max_stall_cpu_seconds 0.001200\n"
	    "# HELP bgpwatch_loop_stalls_over_50ms_total event loop stalls "
	    "longer than 50 ms\n"
	    "# TYPE bgpwatch_loop_stalls_over_50ms_total counter\n"
	    "bgpwatch_loop_stalls_over_50ms_total 3\n"
	    "# HELP bgpwatch_start_time_seconds start time\n"
	    "# TYPE bgpwatch_start_time_seconds gauge\n"
	    "bgpwatch_start_time_seconds %lld\n"
	    "# HELP bgpwatch_peer_up 1 if the session is Established\n"
	    "# TYPE bgpwatch_peer_up gauge\n"
	    "bgpwatch_peer_up{peer=\"127.0.0.11\",asn=\"64511\"} 1\n"
	    "bgpwatch_peer_up{peer=\"2001:db8::2\",asn=\"64512\"} 0\n"
	    "# HELP bgpwatch_peer_routes routes held per peer and family\n"
	    "# TYPE bgpwatch_peer_routes gauge\n"
	    "bgpwatch_peer_routes{peer=\"127.0.0.11\",family=\"ipv4\"} 4\n"
	    "bgpwatch_peer_routes{peer=\"127.0.0.11\",family=\"ipv6\"} 0\n"
	    "bgpwatch_peer_routes{peer=\"2001:db8::2\",family=\"ipv4\"} 1\n"
	    "bgpwatch_peer_routes{peer=\"2001:db8::2\",family=\"ipv6\"} 1\n"
	    PEER_LINES("updates_received", "10", "0")
	    PEER_LINES("announcements", "4", "0")
	    PEER_LINES("withdrawals", "0", "0")
	    PEER_LINES("treat_as_withdraw", "0", "0")
	    PEER_LINES("flaps", "0", "2"),
	    rm.node_bytes, rm.route_bytes, im.attr_bytes, im.blob_bytes,
	    (long long)f->bgpd.started, "UPDATE messages received",
	    "prefixes announced to us", "prefixes withdrawn",
	    "RFC 7606 treat-as-withdraw UPDATEs", "sessions lost");
	got = http_get(f, mc.port, "GET /metrics HTTP/1.0\r\n\r\n");
	assert_true(strncmp(got, "HTTP/1.0 200 OK\r\n", 17) == 0 ||
	    strncmp(got, "HTTP/1.1 200 OK\r\n", 17) == 0);
	assert_non_null(strstr(got, "\r\nContent-Type: text/plain; "
	    "version=0.0.4; charset=utf-8\r\n"));
	body = strstr(got, "\r\n\r\n");
	assert_non_null(body);
	/* The families above come first, exactly; the further groups
	 * (metrics_region.c, metrics_events.c, metrics_process.c) follow. */
	assert_true(strncmp(body + 4, want, strlen(want)) == 0);
	assert_non_null(strstr(body, "\nbgpwatch_peer_eligible{peer="
	    "\"127.0.0.11\",asn=\"64511\",description=\""));
	assert_non_null(strstr(body, "\n# TYPE bgpwatch_events_total "
	    "counter\nbgpwatch_events_total{type=\"peer_up\"} 0\n"));
	assert_non_null(strstr(body, "\nbgpwatch_build_info{version=\""));
	assert_non_null(strstr(body, "\nprocess_resident_memory_bytes "));
	assert_non_null(strstr(body, "\nprocess_open_fds "));
	assert_non_null(strstr(body, "\nprocess_cpu_seconds_total "));
	assert_non_null(strstr(body, "\nprocess_start_time_seconds "));
	free(got);
	/* HEAD: 200 with the headers and no body. */
	got = http_get(f, mc.port, "HEAD /metrics HTTP/1.0\r\n\r\n");
	assert_true(strncmp(got, "HTTP/1.0 200 OK\r\n", 17) == 0 ||
	    strncmp(got, "HTTP/1.1 200 OK\r\n", 17) == 0);
	body = strstr(got, "\r\n\r\n");
	assert_non_null(body);
	assert_string_equal(body + 4, "");
	free(got);
	/* Other methods are refused (evhttp: 405 or 501). */
	got = http_get(f, mc.port, "POST /metrics HTTP/1.0\r\n\r\n");
	assert_true(strstr(got, " 405 ") != NULL || strstr(got, " 501 ") !=
	    NULL);
	free(got);
	got = http_get(f, mc.port, "GET /other HTTP/1.0\r\n\r\n");
	assert_non_null(strstr(got, " 404 "));
	free(got);
}

/* Big table */

static void
add_big(struct fx *f)
{
	struct rattr	*a = mkattrs(f, SET_KP);
	struct bw_prefix p;
	uint8_t		 b[4];
	int		 i;

	for (i = 0; i < BIG_ROUTES; i++) {
		b[0] = 20;
		b[1] = (uint8_t)(i >> 8);
		b[2] = (uint8_t)i;
		b[3] = 0;
		assert_int_equal(prefix_set(&p, AID_INET, b, 24), 0);
		assert_true(rib_update(f->bgpd.rib, 0, &p, 0, a) >= 0);
	}
	rattr_unref(f->bgpd.intern, a);
}

/* Occurrences of needle (not strstr: ASan makes that quadratic here). */
static size_t
count_str(const char *s, const char *needle)
{
	size_t	n = 0, nl = strlen(needle);

	for (; (s = strchr(s, needle[0])) != NULL; s++)
		if (strncmp(s, needle, nl) == 0)
			n++;
	return n;
}

/*
 * Parses the document with Python's json module; returns the number of
 * routes and whether "incomplete" is set, or -1 if there is no Python.
 */
static long
py_count(struct fx *f, const char *doc, size_t len, int *incomplete)
{
	char	 file[128], cmd[512];
	FILE	*fp;
	long	 n = -1;
	int	 inc = 0;

	if (access(PYTHON, X_OK) == -1)
		return -1;
	snprintf(file, sizeof(file), "%s/doc.json", f->dir);
	fp = fopen(file, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(doc, 1, len, fp), len);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), PYTHON " -c 'import json,sys; "
	    "d=json.load(open(sys.argv[1])); r=d[\"routes\"]; "
	    "k=[(x[\"prefix\"],x[\"neighbor\"]) for x in r]; "
	    "assert len(set(k))==len(k); "
	    "print(len(r), 1 if \"incomplete\" in d else 0)' %s", file);
	fp = popen(cmd, "r");
	assert_non_null(fp);
	assert_int_equal(fscanf(fp, "%ld %d", &n, &inc), 2);
	assert_int_equal(pclose(fp), 0);
	unlink(file);
	*incomplete = inc;
	return n;
}

static void
check_doc(struct fx *f, const char *got, size_t len, long want,
    int want_incomplete)
{
	long	n;
	int	inc = 0;

	assert_true(strncmp(got, "OK\n{\"routes\":[", 14) == 0);
	assert_int_equal(got[len - 1], '\n');
	if (want >= 0)
		assert_int_equal(count_str(got, "{\"prefix\":"), want);
	n = py_count(f, got + 3, len - 3, &inc);
	if (n == -1)
		return;
	if (want >= 0)
		assert_int_equal(n, want);
	assert_int_equal(inc, want_incomplete);
}

static void
test_big_dump(void **state)
{
	struct fx	*f = *state;
	char		*got;
	size_t		 len;

	add_big(f);
	/* a fast and a slow reader */
	got = ask_raw(f, "json show rib\n", 14, 1 << 20, NULL, &len);
	/*
	 * Streamed: the queue stays near CONTROL_HIWAT (512 KiB and one
	 * slice); built whole it held all 11.8 MB.
	 */
	assert_in_range(max_queued, 1, 2 << 20);
	/*
	 * The loop is never held long: a turn is 3 ms and one slice, at
	 * most 4-6 ms of CPU here plain or SAN, 35 ms under valgrind (make
	 * memcheck); the whole listing in one turn was 82 ms plain, 172 ms
	 * SAN and 1.7 s under valgrind.  CPU, not wall: load stretched the
	 * wall time of a streamed turn to 70 ms.
	 */
	assert_in_range(max_turn_usec, 0,
	    getenv("BGPWATCH_MEMCHECK") != NULL ? 500000 : 50000);
	print_message("longest loop turn %lld us of CPU, at most %zu bytes "
	    "queued, for %zu bytes\n", max_turn_usec, max_queued, len);
	check_doc(f, got, len, BIG_ROUTES + 6, 0);
	free(got);
	got = ask_raw(f, "show rib neighbor 127.0.0.11\n", 29, 4096, NULL,
	    &len);
	assert_int_equal(count_lines(got), 1 + 3 + 1 + BIG_ROUTES + 4);
	free(got);
	expect(f, "json show rib count neighbor 127.0.0.11",
	    "OK\n{\"routes\":50004,\"ipv4\":50004,\"ipv6\":0}\n");
}

/* Changes ahead of the cursor are seen, those behind it are not. */
static void
hook_change(struct fx *f, size_t got)
{
	static int	 done;
	struct rattr	*a;
	struct bw_prefix p;
	char		 s[32];
	int		 i;

	if (got == 0) {
		done = 0;
		return;
	}
	if (done || got < 512 * 1024)
		return;
	done = 1;
	a = mkattrs(f, SET_TEN);
	for (i = 0; i < 10; i++) {
		snprintf(s, sizeof(s), "30.0.%d.0/24", i);
		add_route(f, 1, s, 0, a);
	}
	rattr_unref(f->bgpd.intern, a);
	assert_int_equal(prefix_parse("20.0.0.0/24", &p), 0);
	assert_int_equal(rib_withdraw(f->bgpd.rib, 0, &p, 0), RIB_WD_LAST);
}

static void
test_big_dump_changing(void **state)
{
	struct fx	*f = *state;
	char		*got;
	size_t		 len;

	add_big(f);
	hook_change(f, 0);
	got = ask_raw(f, "json show rib\n", 14, 8192, hook_change, &len);
	check_doc(f, got, len, BIG_ROUTES + 6 + 10, 0);
	free(got);
}

/* The filtered neighbor goes away in the middle of the listing. */
static void
hook_delete(struct fx *f, size_t got)
{
	if (got >= 256 * 1024 && f->peer[0].conf != NULL) {
		TAILQ_REMOVE(&f->bgpd.peers.list, &f->peer[0], entry);
		f->peer[0].conf = NULL;
	}
}

static void
test_big_dump_peer_deleted(void **state)
{
	struct fx	*f = *state;
	char		*got;
	size_t		 len, n;

	add_big(f);
	got = ask_raw(f, "json show rib neighbor 127.0.0.11\n", 34, 8192,
	    hook_delete, &len);
	check_doc(f, got, len, -1, 1);
	n = count_str(got, "{\"prefix\":");
	assert_true(n > 0 && n < BIG_ROUTES);
	assert_non_null(strstr(got,
	    "],\"incomplete\":\"neighbor deleted\"}\n"));
	free(got);
	/* unfiltered, the deleted peer's routes are no longer listed */
	got = ask_raw(f, "json show rib\n", 14, 1 << 20, NULL, &len);
	check_doc(f, got, len, 2, 0);
	free(got);
}

/* A config of one region over the statistics file stats. */
static void
write_conf(const char *path, const char *stats)
{
	FILE	*fp;

	assert_non_null(fp = fopen(path, "w"));
	fprintf(fp, "local-as 65000\nrouter-id 192.0.2.254\n"
	    "rir-stats \"%s\"\nregion \"NL\" {\n country NL\n}\n", stats);
	assert_int_equal(fclose(fp), 0);
}

/*
 * The daemon stopped while a reload reads its statistics on a thread:
 * core_free joins the thread before it frees the reload's config, which
 * the thread reads (its rir-stats list) until it is done.  A file of
 * 200,000 lines keeps the thread reading when core_free comes; freed
 * first, the config was read after free (ASan under SAN=1, make tsan).
 */
static void
test_exit_during_stats_read(void **state)
{
	struct config_errors	 errs;
	struct config		*conf;
	struct bgpd		 bgpd;
	char			 dir[64], cpath[96], spath[96], err[256];
	FILE			*fp;
	int			 i;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/bgpwatch-ctl-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(cpath, sizeof(cpath), "%s/bgpwatchd.conf", dir);
	snprintf(spath, sizeof(spath), "%s/delegated-ripencc", dir);
	assert_non_null(fp = fopen(spath, "w"));
	fprintf(fp, "2|ripencc|20141222|200000|19830705|20141221|+0100\n");
	for (i = 0; i < 200000; i++)
		fprintf(fp, "ripencc|NL|ipv4|%d.%d.%d.0|256|20190129|"
		    "allocated\n", 10 + i / 65536, i / 256 % 256, i % 256);
	assert_int_equal(fclose(fp), 0);
	write_conf(cpath, "tests/data/rirstats/delegated-ripencc-latest");
	memset(&errs, 0, sizeof(errs));
	assert_non_null(conf = config_parse(cpath, &errs));
	assert_int_equal(core_init(&bgpd, conf, cpath, 1), 0);
	/* Other statistics: read on the detector's thread, pending. */
	write_conf(cpath, spath);
	assert_int_equal(core_reload(&bgpd, NULL, NULL, err, sizeof(err)), 1);
	assert_non_null(bgpd.reload);
	core_free(&bgpd);
	assert_null(bgpd.reload);
	assert_int_equal(unlink(spath), 0);
	assert_int_equal(unlink(cpath), 0);
	assert_int_equal(rmdir(dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_neighbors_json, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_neighbors_text, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rib_json, setup, teardown),
		cmocka_unit_test(test_metrics_helpers),
		cmocka_unit_test_setup_teardown(test_rib_filters, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rib_count, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rib_prefix, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rib_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory_text, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_neighbor_detail, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_regions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_clients, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_dump, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_dump_changing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_big_dump_peer_deleted,
		    setup, teardown),
		cmocka_unit_test(test_exit_during_stats_read),
	};

	signal(SIGPIPE, SIG_IGN);
	log_init(1, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
