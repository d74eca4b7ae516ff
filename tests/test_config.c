/*
 * Configuration tests: the INTERFACES.md sample field by field, the
 * printconf round trip (parse -> print -> parse -> print) over fixtures
 * that use every keyword, a table of invalid configurations with the
 * exact "FILE:LINE:" of the expected error, includes, durations, asdot,
 * IPv6, the error cap, hostile bytes, and the log rate limiter.
 *
 * Run from the top of the tree (fixtures in tests/data/config/).
 */
#include <sys/stat.h>

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "log.h"

#define DATA	"tests/data/config/"

static char tmpdir[64];

static int
setup_tmp(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/bwcfg.XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static void
rm_tmpfiles(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
}

static int
teardown_tmp(void **state)
{
	(void)state;
	rm_tmpfiles();
	return 0;
}

/* Writes len bytes to tmpdir/name; returns the path (static buffer). */
static const char *
write_tmp(const char *name, const char *text, size_t len)
{
	static char path[PATH_MAX];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	return path;
}

static struct config *
parse_ok(const char *path)
{
	struct config_errors errs;
	struct config *conf;
	size_t i;

	conf = config_parse(path, &errs);
	for (i = 0; i < errs.n; i++)
		fprintf(stderr, "unexpected: %s\n", errs.msg[i]);
	assert_non_null(conf);
	assert_int_equal(errs.n, 0);
	return conf;
}

static char *
print_to_string(const struct config *conf)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	config_print(fp, conf);
	assert_int_equal(fclose(fp), 0);
	return buf;
}

static void
assert_addr(const struct bw_addr *a, const char *text)
{
	char buf[BW_ADDR_STRLEN];

	assert_string_equal(addr_fmt(a, buf, sizeof(buf)), text);
}

static void
assert_prefix(const struct bw_prefix *p, const char *text)
{
	char buf[BW_PREFIX_STRLEN];

	assert_string_equal(prefix_fmt(p, buf, sizeof(buf)), text);
}

/*
 * The INTERFACES.md sample.
 */

static void
check_sample_neighbor(const struct config *conf)
{
	const struct config_neighbor *n = TAILQ_FIRST(&conf->neighbors);

	assert_non_null(n);
	assert_null(TAILQ_NEXT(n, entry));
	assert_addr(&n->addr, "127.0.0.11");
	assert_int_equal(n->remote_as, 64511);
	assert_string_equal(n->descr, "lab router r1");
	assert_int_equal(n->port, 179);
	assert_string_equal(n->md5key, "secret");
	assert_int_equal(n->max_prefix, 1200000);
	assert_int_equal(n->max_prefix_restart, 300);
	assert_int_equal(n->flags, CONF_NB_PASSIVE | CONF_NB_TTL_SECURITY |
	    CONF_NB_ADDPATH_RX | CONF_NB_GR);
	assert_int_equal(n->hold_time, 90);
	assert_int_equal(n->gr_restart_time, 120);
	assert_int_equal(n->local_addr.aid, AID_UNSPEC);
	assert_int_equal(n->line, 7);
}

static void
check_sample_region(const struct config *conf)
{
	const struct config_region *r = TAILQ_FIRST(&conf->regions);

	assert_non_null(r);
	assert_null(TAILQ_NEXT(r, entry));
	assert_string_equal(r->name, "KP");
	assert_null(r->descr);
	assert_int_equal(r->nprefixes, 1);
	assert_prefix(&r->prefixes[0], "175.45.176.0/22");
	assert_int_equal(r->norigins, 1);
	assert_int_equal(r->origins[0], 131279);
	assert_int_equal(r->ncountries, 1);
	assert_string_equal(r->countries[0], "KP");
	assert_int_equal(r->degraded_below, 90);
	assert_int_equal(r->down_below, 50);
	assert_int_equal(r->hold_down, 10);
	assert_int_equal(r->min_peers_mode, CONF_MINPEERS_HALF);
	assert_int_equal(r->unstable_changes, 0);
	assert_ptr_equal(config_find_region(conf, "KP"), r);
	assert_null(config_find_region(conf, "kp"));
}

static void
check_sample_events(const struct config *conf)
{
	const struct config_events *ev = &conf->events;

	assert_string_equal(ev->log_path, "/var/lib/bgpwatch/events.mpk");
	assert_int_equal(ev->log_max_size, 0);
	assert_int_equal(ev->log_keep, CONF_DEFAULT_LOG_KEEP);
	assert_int_equal(ev->queue_limit, CONF_DEFAULT_QUEUE_LIMIT);
	assert_int_equal(ev->nsubs, 2);
	assert_int_equal(ev->subs[0].type, CONF_SUB_UNIX);
	assert_string_equal(ev->subs[0].path, "/run/bgpwatch/events.sock");
	assert_int_equal(ev->subs[0].mode, 0660);
	assert_int_equal(ev->subs[1].type, CONF_SUB_TLS);
	assert_addr(&ev->subs[1].addr, "0.0.0.0");
	assert_int_equal(ev->subs[1].port, 7179);
	assert_string_equal(ev->subs[1].cert, "/etc/bgpwatch/cert.pem");
	assert_string_equal(ev->subs[1].key, "/etc/bgpwatch/key.pem");
	assert_string_equal(ev->subs[1].ca, "/etc/bgpwatch/ca.pem");
}

static void
test_interfaces_sample(void **state)
{
	struct config *conf;
	struct bw_addr a;

	(void)state;
	conf = parse_ok(DATA "interfaces.conf");
	assert_int_equal(conf->local_as, 65000);
	assert_addr(&conf->router_id, "192.0.2.254");
	assert_int_equal(conf->nlistens, 1);
	assert_addr(&conf->listens[0].addr, "127.0.0.1");
	assert_int_equal(conf->listens[0].port, 1179);
	assert_string_equal(conf->control_path,
	    "/run/bgpwatch/bgpwatchd.sock");
	assert_null(conf->user);
	assert_null(conf->collector_id);
	assert_true(strlen(config_collector_id(conf)) > 0);
	assert_int_equal(conf->hold_time, 90);
	assert_int_equal(conf->connect_retry, 30);
	assert_int_equal(conf->eligible_after, 300);
	assert_int_equal(conf->full_feed, 0);
	assert_int_equal(conf->log_rate, 10);
	assert_int_equal(conf->nrir_stats, 1);
	assert_string_equal(conf->rir_stats[0],
	    "/var/lib/bgpwatch/delegated-apnic-extended-latest");
	assert_true(conf->metrics.enabled);
	assert_addr(&conf->metrics.addr, "127.0.0.1");
	assert_int_equal(conf->metrics.port, 9179);
	check_sample_neighbor(conf);
	check_sample_region(conf);
	check_sample_events(conf);
	assert_int_equal(addr_parse("127.0.0.11", &a), 0);
	assert_ptr_equal(config_find_neighbor(conf, &a),
	    TAILQ_FIRST(&conf->neighbors));
	assert_int_equal(addr_parse("127.0.0.12", &a), 0);
	assert_null(config_find_neighbor(conf, &a));
	config_free(conf);
}

/* Defaults: only the two required keywords. */
static void
test_defaults(void **state)
{
	struct config *conf, *conf2;

	(void)state;
	conf = parse_ok(DATA "minimal.conf");
	assert_int_equal(conf->nlistens, 2);
	assert_addr(&conf->listens[0].addr, "0.0.0.0");
	assert_addr(&conf->listens[1].addr, "::");
	assert_int_equal(conf->listens[0].port, 179);
	assert_string_equal(conf->control_path, CONF_DEFAULT_CONTROL);
	assert_null(conf->events.log_path);
	assert_int_equal(conf->events.nsubs, 0);
	assert_false(conf->metrics.enabled);
	assert_true(TAILQ_EMPTY(&conf->neighbors));
	assert_true(TAILQ_EMPTY(&conf->regions));
	conf2 = parse_ok(DATA "minimal.conf");
	assert_true(conf2->generation > conf->generation);
	assert_true(config_equal(conf, conf2));
	config_free(conf);
	config_free(conf2);
}

/*
 * Round trip.
 */

static void
roundtrip(const char *path)
{
	struct config_errors errs;
	struct config *c1, *c2;
	char *t1, *t2;

	c1 = parse_ok(path);
	t1 = print_to_string(c1);
	c2 = config_parse_buf("printed.conf", t1, strlen(t1), &errs);
	if (c2 == NULL)
		fprintf(stderr, "%s reprinted:\n%s\nfirst error: %s\n", path,
		    t1, errs.msg[0]);
	assert_non_null(c2);
	t2 = print_to_string(c2);
	assert_string_equal(t1, t2);
	assert_true(config_equal(c1, c2));
	assert_true(config_equal(c2, c1));
	free(t1);
	free(t2);
	config_free(c1);
	config_free(c2);
}

static void
test_roundtrip(void **state)
{
	(void)state;
	roundtrip(DATA "interfaces.conf");
	roundtrip(DATA "full.conf");
	roundtrip(DATA "include-main.conf");
	roundtrip(DATA "ipv6.conf");
	roundtrip(DATA "minimal.conf");
	roundtrip(DATA "bmp.conf");
	roundtrip(DATA "mrt.conf");
	roundtrip("conf/bgpwatchd.conf");
}

/* config_equal() must notice a change anywhere. */
static void
test_equal_detects_changes(void **state)
{
	struct config *a, *b;
	struct config_neighbor *na, *nb;
	struct config_region *rb;

	(void)state;
	a = parse_ok(DATA "full.conf");
	b = parse_ok(DATA "full.conf");
	assert_true(config_equal(a, b));
	na = TAILQ_FIRST(&a->neighbors);
	nb = TAILQ_FIRST(&b->neighbors);
	assert_true(config_neighbor_equal(na, nb));
	assert_false(config_neighbor_needs_reset(na, nb));
	nb->max_prefix++;
	assert_false(config_neighbor_equal(na, nb));
	assert_false(config_neighbor_needs_reset(na, nb));
	assert_false(config_equal(a, b));
	nb->max_prefix--;
	nb->hold_time++;
	assert_true(config_neighbor_needs_reset(na, nb));
	nb->hold_time--;
	nb->flags &= ~CONF_NB_GR;
	assert_true(config_neighbor_needs_reset(na, nb));
	nb->flags |= CONF_NB_GR;
	free(nb->descr);
	nb->descr = NULL;
	assert_false(config_equal(a, b));
	config_free(b);

	b = parse_ok(DATA "full.conf");
	rb = TAILQ_FIRST(&b->regions);
	rb->prefixes[1].len--;
	assert_false(config_region_equal(TAILQ_FIRST(&a->regions), rb));
	assert_false(config_equal(a, b));
	config_free(b);

	b = parse_ok(DATA "full.conf");
	b->events.subs[1].port++;
	assert_false(config_events_equal(&a->events, &b->events));
	assert_false(config_equal(a, b));
	config_free(b);

	b = parse_ok(DATA "full.conf");
	nb = TAILQ_LAST(&b->neighbors, config_neighbors);
	TAILQ_REMOVE(&b->neighbors, nb, entry);
	config_neighbor_free(nb);
	assert_false(config_equal(a, b));
	assert_false(config_equal(b, a));
	config_free(b);
	config_free(a);
}

/* Every extension keyword lands where it should. */
static void
test_full_fields(void **state)
{
	struct config *conf;
	struct config_neighbor *n;
	struct config_region *r;

	(void)state;
	conf = parse_ok(DATA "full.conf");
	assert_int_equal(conf->local_as, 4200000001u);
	assert_string_equal(conf->user, "_bgpwatch");
	assert_string_equal(conf->collector_id, "ams-1");
	assert_string_equal(config_collector_id(conf), "ams-1");
	assert_int_equal(conf->hold_time, 180);
	assert_int_equal(conf->connect_retry, 120);
	assert_int_equal(conf->eligible_after, 600);
	assert_int_equal(conf->full_feed, 80);
	assert_int_equal(conf->log_rate, 20);
	assert_int_equal(conf->nlistens, 2);
	assert_addr(&conf->listens[1].addr, "::1");

	n = TAILQ_FIRST(&conf->neighbors);
	assert_string_equal(n->descr, "lab router \"r1\" \\ west");
	assert_int_equal(n->port, 1790);
	assert_int_equal(n->max_prefix_restart, 3600);
	assert_int_equal(n->hold_time, 30);
	assert_addr(&n->local_addr, "127.0.0.1");
	assert_int_equal(n->gr_restart_time, 300);
	assert_true(n->flags & CONF_NB_GR);
	n = TAILQ_NEXT(n, entry);
	assert_addr(&n->addr, "2001:db8::2");
	assert_int_equal(n->remote_as, 65546);
	assert_int_equal(n->flags, CONF_NB_SHUTDOWN);
	assert_int_equal(n->hold_time, 180);	/* inherited */
	n = TAILQ_NEXT(n, entry);
	assert_int_equal(n->hold_time, 0);
	assert_int_equal(n->max_prefix, 10);

	r = TAILQ_FIRST(&conf->regions);
	assert_string_equal(r->descr, "North Korea");
	assert_int_equal(r->nprefixes, 2);
	assert_prefix(&r->prefixes[1], "2001:db8:100::/40");
	assert_int_equal(r->origins[1], 65537);
	assert_string_equal(r->countries[0], "KP");	/* uppercased */
	assert_string_equal(r->countries[1], "CN");
	assert_int_equal(r->hold_down, 86400);
	assert_int_equal(r->min_peers_mode, CONF_MINPEERS_COUNT);
	assert_int_equal(r->min_peers, 3);
	assert_int_equal(r->unstable_changes, 50);
	assert_int_equal(r->unstable_window, 300);
	r = TAILQ_NEXT(r, entry);
	assert_int_equal(r->min_peers_mode, CONF_MINPEERS_PERCENT);
	assert_int_equal(r->min_peers, 60);
	assert_int_equal(r->via_as, 4837);
	assert_int_equal(TAILQ_FIRST(&conf->regions)->via_as, 0);

	assert_int_equal(conf->events.log_max_size, 64ULL << 20);
	assert_int_equal(conf->events.log_keep, 10);
	assert_int_equal(conf->events.queue_limit, 1ULL << 30);
	assert_int_equal(conf->events.nsubs, 3);
	assert_int_equal(conf->events.subs[0].mode, 0600);
	assert_null(conf->events.subs[1].ca);
	assert_addr(&conf->events.subs[2].addr, "::");
	assert_int_equal(conf->events.subs[2].port, 7180);
	assert_addr(&conf->metrics.addr, "::1");
	config_free(conf);
}

/*
 * Invalid configurations: the first error must be "PATH:LINE: ..."
 * and contain the phrase.
 */

#define H	"local-as 65000\nrouter-id 192.0.2.1\n"

struct bad_case {
	const char	*text;
	size_t		 len;		/* 0: strlen(text) */
	int		 line;
	const char	*phrase;
};

static const struct bad_case bad_cases[] = {
	{ H "remote_as 1\n", 0, 3, "unknown keyword \"remote_as\"" },
	{ H "neighbor 10.0.0.1 {\n remote_as 1\n}\n", 0, 4,
	    "unknown keyword \"remote_as\" in neighbor block" },
	{ H "region \"A\" {\n origin 1\n}\n", 0, 4,
	    "unknown keyword \"origin\" in region block" },
	{ H "events { logfile \"x\" }\n", 0, 3,
	    "unknown keyword \"logfile\" in events block" },
	{ H "neighbor 10.0.0.1 {\n passive\n}\n", 0, 3,
	    "neighbor 10.0.0.1: remote-as missing" },
	{ H "neighbor 10.0.0.1 { remote-as 1 }\n"
	    "neighbor 10.0.0.1 { remote-as 2 }\n", 0, 4,
	    "duplicate neighbor 10.0.0.1" },
	{ H "neighbor 2001:db8::1 { remote-as 1 }\n"
	    "neighbor 2001:DB8:0::1 { remote-as 2 }\n", 0, 4,
	    "duplicate neighbor 2001:db8::1" },
	{ H "region \"A\" { origin-as 1 }\nregion \"A\" { origin-as 2 }\n",
	    0, 4, "duplicate region \"A\"" },
	{ H "region \"A\" {\n origin-as 1\n degraded-below 50%\n"
	    " down-below 60%\n}\n", 0, 3,
	    "region \"A\": down-below 60% is above degraded-below 50%" },
	{ H "full-feed 101%\n", 0, 3,
	    "percentage out of range for full-feed: 101%" },
	{ H "region \"A\" { origin-as 1; down-below 5x% }\n", 0, 3,
	    "invalid percentage \"5x%\"" },
	{ H "region \"A\" { origin-as 1; down-below 50 }\n", 0, 3,
	    "invalid percentage \"50\"" },
	{ H "listen on 127.0.0.1 port 0\n", 0, 3,
	    "port 0 out of range (1..65535)" },
	{ H "neighbor 10.0.0.1 {\n remote-as 1\n port 65536\n}\n", 0, 5,
	    "port 65536 out of range (1..65535)" },
	{ H "region \"A\" {\n prefix 10.1.2.3/16\n}\n", 0, 4,
	    "prefix 10.1.2.3/16 has host bits set (the masked prefix is "
	    "10.1.0.0/16)" },
	{ H "region \"A\" { prefix 2001:db8::1/32 }\n", 0, 3,
	    "(the masked prefix is 2001:db8::/32)" },
	{ H "region \"A\" { prefix 10.0.0.0/33 }\n", 0, 3,
	    "invalid prefix \"10.0.0.0/33\"" },
	{ H "region \"A\" { prefix 10.0.0.0 }\n", 0, 3,
	    "invalid prefix \"10.0.0.0\"" },
	{ H "region \"A\" { }\n", 0, 3,
	    "region \"A\" has no prefix, origin-as or country" },
	{ H "region \"A\" { country K1 }\n", 0, 3,
	    "invalid country code \"K1\"" },
	{ "router-id 192.0.2.1\n", 0, 1, "local-as missing" },
	{ "local-as 1\n\n", 0, 2, "router-id missing" },
	{ "", 0, 1, "local-as missing" },
	{ "local-as 1\nrouter-id 0.0.0.0\n", 0, 2,
	    "router-id 0.0.0.0 is not valid" },
	{ "local-as 1\nrouter-id ::1\n", 0, 2,
	    "router-id must be an IPv4 address" },
	{ "local-as 1\nrouter-id 1.2.3.4\nlocal-as 2\n", 0, 3,
	    "duplicate \"local-as\"" },
	{ "local-as 65536.1\nrouter-id 1.2.3.4\n", 0, 1,
	    "invalid local-as \"65536.1\"" },
	{ "local-as 4294967296\nrouter-id 1.2.3.4\n", 0, 1,
	    "invalid local-as \"4294967296\"" },
	{ "local-as 0\nrouter-id 1.2.3.4\n", 0, 1, "local-as 0 is reserved" },
	{ H "events {\n log \"/tmp/x\"\n"
	    " subscribe tls 127.0.0.1 port 7179 cert \"c\"\n}\n", 0, 5,
	    "subscribe tls needs both cert and key" },
	{ H "events {\n subscribe unix \"/tmp/s\"\n}\n", 0, 4,
	    "subscribers need an events log" },
	{ H "events {\n log \"a\"\n log \"b\"\n}\n", 0, 5,
	    "duplicate events log" },
	{ H "events { log \"a\" max-size 12X }\n", 0, 3,
	    "invalid size \"12X\" for max-size" },
	{ H "events { subscribe unix \"/s\" mode 0999; log \"l\" }\n", 0, 3,
	    "invalid mode \"0999\"" },
	{ H "events { subscribe udp \"/s\" }\n", 0, 3,
	    "unknown subscriber type \"udp\"" },
	{ H "control \"/run/x\n", 0, 3, "unterminated string" },
	{ H "user \"abc", 0, 3, "unterminated string" },
	{ H "control \"a\\qb\"\n", 0, 3, "invalid escape in string" },
	{ H "connect-retry 5x\n", 0, 3, "invalid duration \"5x\"" },
	{ H "eligible-after 99999999999d\n", 0, 3,
	    "invalid duration \"99999999999d\"" },
	{ H "connect-retry 0s\n", 0, 3, "connect-retry must be at least 1s" },
	{ H "hold-time 2\n", 0, 3, "hold-time 2 is invalid (0 or 3..65535)" },
	{ H "hold-time -5\n", 0, 3, "invalid hold-time \"-5\"" },
	{ H "neighbor 10.0.0.1\nremote-as 1\n", 0, 4,
	    "\"{\" expected after neighbor, got \"remote-as\"" },
	{ H "neighbor 10.0.0.1 {\n remote-as 1\n", 0, 4,
	    "missing \"}\" of the neighbor block opened at line 3" },
	{ H "}\n", 0, 3, "unexpected \"}\"" },
	{ H "{\n remote-as 1\n}\nbogus\n", 0, 3, "unexpected \"{\"" },
	{ H "neighbor 10.0.0.1 {\n passive yes\n remote-as 1\n}\n", 0, 4,
	    "unexpected \"yes\" at end of \"passive\" statement" },
	{ H "neighbor 10.0.0.1 { remote-as 1; add-path send }\n", 0, 3,
	    "add-path: \"receive\" expected, got \"send\"" },
	{ H "neighbor 10.0.0.1 { remote-as 1; local-address ::1 }\n", 0, 3,
	    "local-address ::1 is not of the same address family" },
	{ H "neighbor 10.0.0.1 { remote-as 1; md5 \""
	    "123456789012345678901234567890123456789012345678901234567890"
	    "123456789012345678901\" }\n", 0, 3,
	    "md5 key too long (more than 80 bytes)" },
	{ H "neighbor 10.0.0.256 { remote-as 1 }\n", 0, 3,
	    "invalid neighbor address \"10.0.0.256\"" },
	{ H "neighbor 10.0.0.1 { remote-as 1 ; remote-as 2 }\n", 0, 3,
	    "duplicate \"remote-as\" in neighbor" },
	{ H "region \"A\" { origin-as 1; unstable-rate 5 in 1m }\n", 0, 3,
	    "\"per\" expected" },
	{ H "listen 127.0.0.1\n", 0, 3,
	    "\"on\" expected after \"listen\", got \"127.0.0.1\"" },
	{ H "listen on\n", 0, 3,
	    "listen address expected after \"listen\", got end of line" },
	{ H "include \"t.conf\"\n", 0, 3, "include loop: \"" },
	{ H "include \"nope.conf\"\n", 0, 3, "cannot open \"" },
	{ H "user \"a\0b\"\n", sizeof(H "user \"a\0b\"\n") - 1, 3,
	    "NUL byte in file" },
	{ H "# a comment \0 with a NUL\n", sizeof(H "# a comment \0 with "
	    "a NUL\n") - 1, 3, "NUL byte in file" },
	{ H "\001\n", 0, 3, "invalid character 0x01" },
	{ H "user \"\"\n", 0, 3, "user name must not be empty" },
	{ H "control \"/run/bgpwatch/"
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "456789012345678901234567890123456789.sock\"\n", 0, 3,
	    "control socket path too long (more than 107 bytes)" },
};

static void
check_bad(const struct bad_case *bc, size_t idx)
{
	struct config_errors errs;
	struct config *conf;
	const char *path;
	char want[PATH_MAX + 32];
	size_t len = bc->len ? bc->len : strlen(bc->text);

	path = write_tmp("t.conf", bc->text, len);
	conf = config_parse(path, &errs);
	snprintf(want, sizeof(want), "%s:%d: ", path, bc->line);
	if (conf != NULL || errs.n == 0 ||
	    strncmp(errs.msg[0], want, strlen(want)) != 0 ||
	    strstr(errs.msg[0], bc->phrase) == NULL)
		fail_msg("case %zu: want \"%s...%s\", got \"%s\" (%zu errors)",
		    idx, want, bc->phrase, errs.n ? errs.msg[0] : "", errs.n);
	config_free(conf);
}

static void
test_invalid_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++)
		check_bad(&bad_cases[i], i);
}

/* Several errors in one file, each reported. */
static void
test_several_errors(void **state)
{
	struct config_errors errs;
	struct config *conf;

	(void)state;
	conf = config_parse(DATA "bad-many.conf", &errs);
	assert_null(conf);
	assert_int_equal(errs.n, 5);
	assert_string_equal(errs.msg[0], DATA "bad-many.conf:1: local-as 0 "
	    "is reserved (RFC 7607)");
	assert_string_equal(errs.msg[1], DATA "bad-many.conf:2: router-id "
	    "0.0.0.0 is not valid");
	assert_string_equal(errs.msg[2], DATA "bad-many.conf:3: port 0 out "
	    "of range (1..65535)");
	assert_string_equal(errs.msg[3], DATA "bad-many.conf:4: neighbor "
	    "127.0.0.11: remote-as missing");
	assert_string_equal(errs.msg[4], DATA "bad-many.conf:5: prefix "
	    "175.45.176.1/22 has host bits set (the masked prefix is "
	    "175.45.176.0/22)");
}

/* Recovery: a stray block is skipped whole, parsing goes on after it. */
static void
test_recovery(void **state)
{
	static const char text[] = H "{\n remote-as 1\n}\nbogus\n"
	    "neighbor 10.0.0.1 bad { remote-as 1\n description }\n"
	    "region \"R\" { prefix 1.2.3.0/24 extra\n origin-as x }\n"
	    "hold-time 2";
	struct config_errors errs;

	(void)state;
	assert_null(config_parse_buf("r.conf", text, strlen(text), &errs));
	assert_int_equal(errs.n, 6);
	assert_string_equal(errs.msg[0], "r.conf:3: unexpected \"{\"");
	assert_string_equal(errs.msg[1], "r.conf:6: unknown keyword "
	    "\"bogus\"");
	assert_string_equal(errs.msg[2], "r.conf:7: \"{\" expected after "
	    "neighbor, got \"bad\"");
	assert_string_equal(errs.msg[3], "r.conf:9: unexpected \"extra\" at "
	    "end of \"prefix\" statement");
	assert_string_equal(errs.msg[4], "r.conf:10: invalid origin-as \"x\" "
	    "(expected 1..4294967295 or asdot 1.0..65535.65535)");
	assert_string_equal(errs.msg[5], "r.conf:11: hold-time 2 is invalid "
	    "(0 or 3..65535)");
}

/* Errors stop at the cap with a last line saying so. */
static void
test_error_cap(void **state)
{
	struct config_errors errs;
	struct config *conf;
	char buf[4096];
	size_t off = 0;
	int i;

	(void)state;
	for (i = 0; i < 50; i++)
		off += snprintf(buf + off, sizeof(buf) - off, "bogus%d\n", i);
	conf = config_parse_buf("cap.conf", buf, off, &errs);
	assert_null(conf);
	assert_int_equal(errs.n, CONF_MAX_ERRORS + 1);
	assert_string_equal(errs.msg[0], "cap.conf:1: unknown keyword "
	    "\"bogus0\"");
	assert_string_equal(errs.msg[CONF_MAX_ERRORS],
	    "cap.conf:21: too many errors, giving up");
}

/*
 * Bounds: long tokens, strings and lines.
 */

static void
expect_first_error(const char *text, size_t len, const char *want)
{
	struct config_errors errs;
	struct config *conf;

	conf = config_parse_buf("b.conf", text, len, &errs);
	assert_null(conf);
	assert_true(errs.n > 0);
	assert_string_equal(errs.msg[0], want);
}

static void
test_overlong(void **state)
{
	char *buf;
	size_t n = 3 * CONF_MAX_LINE;

	(void)state;
	buf = malloc(n + 64);
	assert_non_null(buf);
	memcpy(buf, "control ", 8);
	memset(buf + 8, 'x', CONF_MAX_TOKEN + 10);
	buf[8 + CONF_MAX_TOKEN + 10] = '\n';
	expect_first_error(buf, 8 + CONF_MAX_TOKEN + 11,
	    "b.conf:1: token too long (more than 1024 bytes)");

	buf[8] = '"';
	buf[8 + CONF_MAX_TOKEN + 9] = '"';
	expect_first_error(buf, 8 + CONF_MAX_TOKEN + 11,
	    "b.conf:1: string too long (more than 1024 bytes)");

	memset(buf, ' ', n);
	memcpy(buf + n, "\n", 1);
	expect_first_error(buf, n + 1,
	    "b.conf:1: line too long (more than 4096 bytes)");
	free(buf);
}

/* bmp { }: values as parsed, and its errors. */
static void
test_bmp_block(void **state)
{
	const struct config_bmp_router *r;
	struct config *c;
	struct bw_addr a;
#define T(s) s, sizeof(s) - 1

	(void)state;
	c = parse_ok(DATA "bmp.conf");
	assert_int_equal(c->bmp.nlistens, 2);
	assert_int_equal(c->bmp.listens[1].port, CONF_DEFAULT_BMP_PORT);
	assert_int_equal(c->bmp.max_message, 65536);
	assert_int_equal(c->bmp.buffer, 1048576);
	assert_int_equal(c->bmp.nrouters, 2);
	assert_int_equal(addr_parse("127.0.2.2", &a), 0);
	assert_non_null(r = config_bmp_find(&c->bmp, &a));
	assert_string_equal(r->descr, "frr r1");
	assert_int_equal(r->connect_port, 32010);
	assert_int_equal(r->max_peers, CONF_DEFAULT_BMP_MAX_PEERS);
	assert_int_equal(r->views, CONF_BMP_PRE | CONF_BMP_POST |
	    CONF_BMP_LOC_RIB);
	r = &c->bmp.routers[1];
	assert_int_equal(r->max_routes, 2000000);
	assert_int_equal(r->views, CONF_BMP_OUT_PRE | CONF_BMP_OUT_POST);
	config_free(c);
	expect_first_error(T("bmp {\n router 10.0.0.1 { views all }\n}\n"),
	    "b.conf:2: unknown BMP view \"all\" (pre-policy, post-policy, "
	    "adj-rib-out-pre, adj-rib-out-post or loc-rib)");
	expect_first_error(T("bmp {\n router 10.0.0.1 { }\n"
	    " router 10.0.0.1 { }\n}\n"),
	    "b.conf:3: duplicate BMP router 10.0.0.1");
	expect_first_error(T("bmp {\n router 10.0.0.1 { connect 5 }\n}\n"),
	    "b.conf:2: connect: \"port N\" expected");
	expect_first_error(T("bmp {\n max-message 100\n}\n"),
	    "b.conf:2: max-message must be 4K..16M");
	expect_first_error(T("bmp {\n}\nbmp {\n}\n"),
	    "b.conf:3: duplicate \"bmp\"");
#undef T
}

/* Random bytes and mangled good files: errors, never a crash. */
static void
test_hostile(void **state)
{
	static const char alphabet[] = "{}\";#\n\\x %/.:a1";
	struct config_errors errs;
	struct config *conf;
	char *good, buf[2048];
	uint32_t x = 12345;
	size_t glen, i, j;
	FILE *fp;

	(void)state;
	fp = fopen(DATA "full.conf", "r");
	assert_non_null(fp);
	good = malloc(8192);
	glen = fread(good, 1, 8192, fp);
	fclose(fp);
	assert_true(glen > 0 && glen <= sizeof(buf));
	for (i = 0; i < 3000; i++) {
		size_t len;

		if (i % 2) {
			len = glen;
			memcpy(buf, good, len);
		} else {
			x = x * 1103515245 + 12345;
			len = (x >> 8) % sizeof(buf);
			for (j = 0; j < len; j++)
				buf[j] = alphabet[(j * 7 + x) %
				    (sizeof(alphabet) - 1)];
		}
		for (j = 0; len > 0 && j < 1 + i % 16; j++) {
			x = x * 1103515245 + 12345;
			buf[(x >> 8) % len] = (char)(x >> 24);
		}
		conf = config_parse_buf("fuzz.conf", buf, len, &errs);
		assert_true(conf != NULL || errs.n > 0);
		assert_true(errs.n <= CONF_MAX_ERRORS + 1);
		config_free(conf);
	}
	free(good);
}

/*
 * Includes.
 */

static void
test_include(void **state)
{
	struct config *conf;
	struct config_neighbor *n;
	struct config_region *r;

	(void)state;
	conf = parse_ok(DATA "include-main.conf");
	n = TAILQ_FIRST(&conf->neighbors);
	assert_addr(&n->addr, "127.0.0.21");
	assert_int_equal(n->line, 1);
	n = TAILQ_NEXT(n, entry);
	assert_addr(&n->addr, "127.0.0.22");
	assert_int_equal(n->line, 3);
	assert_null(TAILQ_NEXT(n, entry));
	r = TAILQ_FIRST(&conf->regions);
	assert_string_equal(r->name, "inc");
	r = TAILQ_NEXT(r, entry);
	assert_string_equal(r->name, "after");
	assert_null(TAILQ_NEXT(r, entry));
	config_free(conf);
}

static void
test_include_errors(void **state)
{
	struct config_errors errs;
	char text[128], name[16], want[PATH_MAX + 64];
	const char *path = NULL;
	int i;

	(void)state;
	assert_null(config_parse(DATA "loop-a.conf", &errs));
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.msg[0], DATA "loop-b.conf:2: include loop: "
	    "\"" DATA "loop-a.conf\" is already being read");
	assert_null(config_parse(DATA "include-missing.conf", &errs));
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.msg[0], DATA "include-missing.conf:3: "
	    "cannot open \"" DATA "does-not-exist.conf\": No such file or "
	    "directory");
	assert_null(config_parse(DATA "no-such-file.conf", &errs));
	assert_string_equal(errs.msg[0], DATA "no-such-file.conf:0: cannot "
	    "open \"" DATA "no-such-file.conf\": No such file or directory");

	/* d0 includes d1 ... includes d11: too deep at d8. */
	for (i = 11; i >= 0; i--) {
		snprintf(name, sizeof(name), "d%d.conf", i);
		snprintf(text, sizeof(text), "%s# level %d\ninclude "
		    "\"d%d.conf\"\n", i == 0 ? H : "", i, i + 1);
		path = write_tmp(name, text, strlen(text));
	}
	assert_null(config_parse(path, &errs));
	assert_int_equal(errs.n, 1);
	snprintf(want, sizeof(want), "%s/d8.conf:2: includes nested too deep "
	    "(more than 8 levels)", tmpdir);
	assert_string_equal(errs.msg[0], want);
}

/*
 * Value syntaxes.
 */

/* Parses H + stmt and returns the config (NULL allowed if !ok). */
static struct config *
parse_snippet(const char *stmt, int ok)
{
	struct config_errors errs;
	struct config *conf;
	char buf[512];
	int n;

	n = snprintf(buf, sizeof(buf), H "%s\n", stmt);
	conf = config_parse_buf("s.conf", buf, n, &errs);
	if (ok && conf == NULL)
		fail_msg("%s: %s", stmt, errs.msg[0]);
	if (!ok && conf != NULL)
		fail_msg("%s: accepted", stmt);
	return conf;
}

/* websocket { }: thread-nice's default, range, and the fixture's. */
static void
test_websocket_nice(void **state)
{
	static const char *bad[] = {
		"websocket on 127.0.0.1 { thread-nice 20 }",
		"websocket on 127.0.0.1 { thread-nice -1 }",
		"websocket on 127.0.0.1 { thread-nice 1; thread-nice 2 }",
	};
	struct config *c;
	size_t i;

	(void)state;
	c = parse_snippet("websocket on 127.0.0.1", 1);
	assert_int_equal(c->websocket.thread_nice, CONF_DEFAULT_WS_NICE);
	config_free(c);
	c = parse_snippet("websocket on 127.0.0.1 { thread-nice 0 }", 1);
	assert_int_equal(c->websocket.thread_nice, 0);
	config_free(c);
	c = parse_ok(DATA "full.conf");
	assert_int_equal(c->websocket.thread_nice, 5);
	config_free(c);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		parse_snippet(bad[i], 0);
}

/* mrt { }: values, defaults and errors. */
static void
test_mrt_block(void **state)
{
	static const char *bad[] = {
		"mrt { }",
		"mrt { compress zstd; updates \"/x\" }",
		"mrt { updates \"/x\" rotate 0s }",
		"mrt { updates \"/x\" bogus }",
		"mrt { updates \"/x\"; updates \"/y\" }",
		"mrt { table \"/x\"; queue-limit 1K }",
		"mrt { updates \"\" }",
		"mrt { updates \"/x\"; compress gzip level 0 }",
		"mrt { updates \"/x\"; compress gzip level 10 }",
		"mrt { updates \"/x\"; compress none level 3 }",
		"mrt { updates \"/x\"; exit-wait 1x }",
		"mrt { updates \"/x\"; exit-wait 5s; exit-wait 6s }",
	};
	struct config *c;
	size_t i;

	(void)state;
	c = parse_snippet("mrt { updates \"/u.%H\"; table \"/t\" }", 1);
	assert_int_equal(c->mrt.enabled, 1);
	assert_string_equal(c->mrt.updates, "/u.%H");
	assert_int_equal(c->mrt.rotate, CONF_DEFAULT_MRT_ROTATE);
	assert_int_equal(c->mrt.every, CONF_DEFAULT_MRT_EVERY);
	assert_int_equal(c->mrt.compress, CONF_MRT_NONE);
	assert_int_equal(c->mrt.all_messages, 0);
	assert_int_equal(c->mrt.exit_wait, 30);
	config_free(c);
	c = parse_ok(DATA "mrt.conf");
	assert_int_equal(c->mrt.exit_wait, 120);
	assert_int_equal(c->mrt.rotate, 300);
	assert_int_equal(c->mrt.every, 7200);
	assert_int_equal(c->mrt.compress, CONF_MRT_BZIP2);
	assert_int_equal(c->mrt.all_messages, 1);
	assert_int_equal(c->mrt.queue_limit, 32 * 1024 * 1024);
	config_free(c);
	c = parse_snippet("mrt { updates \"/u\"; compress gzip level 3 }", 1);
	assert_int_equal(c->mrt.compress, CONF_MRT_GZIP);
	assert_int_equal(c->mrt.level, 3);
	config_free(c);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		parse_snippet(bad[i], 0);
}

static void
test_durations(void **state)
{
	static const struct {
		const char	*text;
		uint32_t	 secs;
		const char	*printed;
	} ok[] = {
		{ "10s", 10, "10s" }, { "10", 10, "10s" }, { "5m", 300, "5m" },
		{ "2h", 7200, "2h" }, { "1d", 86400, "1d" },
		{ "90s", 90, "90s" }, { "120", 120, "2m" }, { "0", 0, "0s" },
		{ "49710d", 49710u * 86400, "49710d" },
		{ "4294967295", 4294967295u, "4294967295s" },
	};
	static const char *bad[] = {
		"s", "10x", "1.5h", "-1", "1d2", "49711d", "4294967296",
		"10 s", "1m30s", ""
	};
	struct config *conf;
	char stmt[64];
	size_t i;
	FILE *fp;
	char *out = NULL;
	size_t outlen;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(stmt, sizeof(stmt), "eligible-after %s", ok[i].text);
		conf = parse_snippet(stmt, 1);
		assert_int_equal(conf->eligible_after, ok[i].secs);
		fp = open_memstream(&out, &outlen);
		config_print_duration(fp, conf->eligible_after);
		fclose(fp);
		assert_string_equal(out, ok[i].printed);
		free(out);
		config_free(conf);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(stmt, sizeof(stmt), "eligible-after %s", bad[i]);
		assert_null(parse_snippet(stmt, 0));
	}
}

static void
test_asdot(void **state)
{
	static const struct {
		const char	*text;
		uint32_t	 as;
	} ok[] = {
		{ "1.10", 65546 }, { "0.1", 1 }, { "65535.65535", 4294967295u },
		{ "4294967295", 4294967295u }, { "64511", 64511 },
		{ "1.0", 65536 },
	};
	static const char *bad[] = {
		"0", "0.0", "65536.0", "1.65536", "1.", ".1", "1.2.3", "-1",
		"4294967296", "AS65000", "99999999999999999999999"
	};
	struct config *conf;
	char stmt[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(stmt, sizeof(stmt), "neighbor 10.0.0.1 { remote-as "
		    "%s }\nregion \"r\" { origin-as %s }", ok[i].text,
		    ok[i].text);
		conf = parse_snippet(stmt, 1);
		assert_int_equal(TAILQ_FIRST(&conf->neighbors)->remote_as,
		    ok[i].as);
		assert_int_equal(TAILQ_FIRST(&conf->regions)->origins[0],
		    ok[i].as);
		config_free(conf);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(stmt, sizeof(stmt), "neighbor 10.0.0.1 { remote-as "
		    "%s }", bad[i]);
		assert_null(parse_snippet(stmt, 0));
	}
}

static void
test_sizes_and_percent(void **state)
{
	struct config *conf;

	(void)state;
	conf = parse_snippet("events { queue-limit 4096; log \"l\" max-size "
	    "2G keep 3 }\nfull-feed 100%", 1);
	assert_int_equal(conf->events.queue_limit, 4096);
	assert_int_equal(conf->events.log_max_size, 2ULL << 30);
	assert_int_equal(conf->events.log_keep, 3);
	assert_int_equal(conf->full_feed, 100);
	config_free(conf);
	conf = parse_snippet("events { queue-limit 1536K }\nfull-feed 0%", 1);
	assert_int_equal(conf->events.queue_limit, 1536 * 1024);
	config_free(conf);
	assert_null(parse_snippet("events { queue-limit 0 }", 0));
	assert_null(parse_snippet("events { queue-limit 99999999999G }", 0));
	assert_null(parse_snippet("full-feed %", 0));
	assert_null(parse_snippet("full-feed -1%", 0));
	assert_null(parse_snippet("full-feed 50%%", 0));
}

static void
test_ipv6(void **state)
{
	struct config *conf;
	struct config_neighbor *n;
	struct config_region *r;

	(void)state;
	conf = parse_ok(DATA "ipv6.conf");
	assert_int_equal(conf->nlistens, 3);
	assert_addr(&conf->listens[0].addr, "::1");
	assert_int_equal(conf->listens[0].port, 1179);
	assert_addr(&conf->listens[1].addr, "fe80::1");
	assert_int_equal(conf->listens[1].port, 1180);
	assert_addr(&conf->listens[2].addr, "127.0.0.1");
	assert_int_equal(conf->listens[2].port, 179);
	n = TAILQ_FIRST(&conf->neighbors);
	assert_int_equal(n->addr.aid, AID_INET6);
	assert_addr(&n->addr, "::1");
	assert_addr(&n->local_addr, "::1");
	n = TAILQ_NEXT(n, entry);
	assert_addr(&n->addr, "2001:db8::1");
	r = TAILQ_FIRST(&conf->regions);
	assert_int_equal(r->nprefixes, 2);
	assert_prefix(&r->prefixes[0], "2001:db8::/32");
	assert_prefix(&r->prefixes[1], "::/0");
	config_free(conf);
}

/* Statement separators, continuation lines, comments, escapes. */
static void
test_lexical(void **state)
{
	struct config *conf;
	struct config_neighbor *n;

	(void)state;
	conf = parse_snippet("neighbor 10.0.0.1 # comment { not a brace\n"
	    "{ remote-as 1; description \"a \\\"b\\\" \\\\ #c;{}\" ; passive "
	    "}\nlisten on \\\n  ::1 \\\n  port 1179 # continued\n"
	    "region R { prefix 10.0.0.0/8 }", 1);
	n = TAILQ_FIRST(&conf->neighbors);
	assert_string_equal(n->descr, "a \"b\" \\ #c;{}");
	assert_true(n->flags & CONF_NB_PASSIVE);
	assert_int_equal(conf->listens[0].port, 1179);
	assert_string_equal(TAILQ_FIRST(&conf->regions)->name, "R");
	config_free(conf);
}

/*
 * The log rate limiter.
 */

static void
test_log_ratelimit(void **state)
{
	struct log_ratelimit rl;
	uint32_t dropped;
	int i, allowed = 0;

	(void)state;
	memset(&rl, 0, sizeof(rl));
	log_set_rate(10);
	for (i = 0; i < 25; i++)
		allowed += log_ratelimit_allow(&rl, 1000 + i, &dropped);
	assert_int_equal(allowed, 10);
	assert_int_equal(rl.suppressed, 15);
	/* A new minute: the drops are reported once, the budget is back. */
	assert_true(log_ratelimit_allow(&rl, 1061, &dropped));
	assert_int_equal(dropped, 15);
	assert_true(log_ratelimit_allow(&rl, 1062, &dropped));
	assert_int_equal(dropped, 0);
	log_set_rate(0);
	for (i = 0; i < 100; i++)
		assert_true(log_ratelimit_allow(&rl, 1063, &dropped));
	log_set_rate(CONF_DEFAULT_LOG_RATE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interfaces_sample),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_bmp_block),
		cmocka_unit_test(test_mrt_block),
		cmocka_unit_test(test_websocket_nice),
		cmocka_unit_test(test_equal_detects_changes),
		cmocka_unit_test(test_full_fields),
		cmocka_unit_test(test_invalid_table),
		cmocka_unit_test(test_several_errors),
		cmocka_unit_test(test_recovery),
		cmocka_unit_test(test_error_cap),
		cmocka_unit_test(test_overlong),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_include),
		cmocka_unit_test(test_include_errors),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_asdot),
		cmocka_unit_test(test_sizes_and_percent),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_lexical),
		cmocka_unit_test(test_log_ratelimit),
	};

	return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
