/*
 * The region detector against a real RIB: routes go in with rib_update /
 * rib_withdraw and the hooks are called the way adjrib.c does, time is a
 * fake clock, and every event is captured by an observer and checked by
 * type, keys and time: one peer withdrawing, everyone withdrawing (and
 * not before hold-down), a flap, covering aggregates, sessions dropping
 * (never down, blind when all are gone), restores, origin-AS and country
 * membership, IPv6, full-feed, graceful restart and unstable-rate.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "detect.h"
#include "detect_priv.h"
#include "intern.h"
#include "rib.h"

#define MAXEV	256

/* A captured event (strings copied). */
struct ev {
	char		type[32], region[32], state[16], previous[16];
	char		prefix[BW_PREFIX_STRLEN], via[256], via_file[64];
	char		via_date[16], as_path[128], reason[64];
	double		time, visibility, duration, worst;
	uint64_t	units_visible, units_total;
	uint32_t	prefixes_visible, prefixes_total, eligible, visible;
	uint32_t	asn, changes, min_peers;
	int		gr;
	int		notif, code, subcode;
};

struct fx {
	struct intern	*in;
	struct rib	*rib;
	struct detect	*d;
	struct config	*conf;
	struct ev	 ev[MAXEV];
	int		 nev;
};

static void
cp(char *dst, size_t len, const char *s)
{
	snprintf(dst, len, "%s", s != NULL ? s : "");
}

static void
observe(const struct detect_event *e, void *arg)
{
	struct fx *f = arg;
	struct ev *v;

	assert_true(f->nev < MAXEV);
	v = &f->ev[f->nev++];
	memset(v, 0, sizeof(*v));
	cp(v->type, sizeof(v->type), e->type);
	cp(v->region, sizeof(v->region), e->region);
	cp(v->state, sizeof(v->state), e->state);
	cp(v->previous, sizeof(v->previous), e->previous);
	cp(v->prefix, sizeof(v->prefix), e->prefix);
	cp(v->via, sizeof(v->via), e->via);
	cp(v->via_file, sizeof(v->via_file), e->via_file);
	cp(v->via_date, sizeof(v->via_date), e->via_date);
	cp(v->as_path, sizeof(v->as_path), e->as_path);
	cp(v->reason, sizeof(v->reason), e->reason);
	v->notif = e->notif;
	v->code = e->code;
	v->subcode = e->subcode;
	v->time = e->time;
	v->visibility = e->visibility;
	v->duration = e->duration;
	v->worst = e->worst_visibility;
	v->units_visible = e->units_visible;
	v->units_total = e->units_total;
	v->prefixes_visible = e->prefixes_visible;
	v->prefixes_total = e->prefixes_total;
	v->eligible = e->eligible_peers;
	v->visible = e->visible_peers;
	v->asn = e->peer_asn;
	v->changes = e->changes;
	v->min_peers = e->min_peers;
	v->gr = e->gr;
}

static const char base_conf[] =
    "local-as 65000\nrouter-id 192.0.2.254\n";

static struct fx *
fx_new(const char *regions)
{
	struct config_errors errs;
	struct fx *f = calloc(1, sizeof(*f));
	char text[4096], err[256];
	size_t i;

	assert_non_null(f);
	snprintf(text, sizeof(text), "%s%s", base_conf, regions);
	f->conf = config_parse_buf("test.conf", text, strlen(text), &errs);
	for (i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.msg[i]);
	assert_non_null(f->conf);
	assert_non_null(f->in = intern_new());
	assert_non_null(f->rib = rib_new(f->in));
	assert_non_null(f->d = detect_new(f->rib, 0));
	assert_int_equal(detect_add_observer(f->d, observe, f), 0);
	if (detect_configure(f->d, f->conf, 0, err, sizeof(err)) == -1)
		fail_msg("detect_configure: %s", err);
	return f;
}

static void
fx_free(struct fx *f)
{
	detect_free(f->d);
	rib_free(f->rib);
	intern_free(f->in);
	config_free(f->conf);
	free(f);
}

static struct detect_peer
peer(int slot)
{
	struct detect_peer p;

	memset(&p, 0, sizeof(p));
	p.slot = (uint16_t)slot;
	assert_int_equal(addr_parse("127.0.0.1", &p.addr), 0);
	p.addr.b[3] = (uint8_t)(10 + slot);
	p.asn = 64510 + (uint32_t)slot;
	return p;
}

static struct bw_prefix
pfx(const char *s)
{
	struct bw_prefix p;

	assert_int_equal(prefix_parse(s, &p), 0);
	return p;
}

/* Attributes with AS path "peerasn transit origin". */
static struct rattr *
attrs(struct fx *f, uint32_t peeras, uint32_t transit, uint32_t origin)
{
	uint8_t path[2 + 12];
	uint32_t as[3] = { peeras, transit, origin };
	struct bgp_attrs a;
	struct rattr *r;
	int i;

	path[0] = 2;
	path[1] = 3;
	for (i = 0; i < 3; i++) {
		path[2 + 4 * i] = (uint8_t)(as[i] >> 24);
		path[3 + 4 * i] = (uint8_t)(as[i] >> 16);
		path[4 + 4 * i] = (uint8_t)(as[i] >> 8);
		path[5 + 4 * i] = (uint8_t)as[i];
	}
	memset(&a, 0, sizeof(a));
	a.present = ATTR_BIT(ATTR_ORIGIN) | ATTR_BIT(ATTR_AS_PATH);
	a.aspath.p = path;
	a.aspath.len = sizeof(path);
	assert_non_null(r = intern_attrs(f->in, &a));
	return r;
}

static void
announce_v(struct fx *f, int slot, const char *s, uint32_t transit,
    uint32_t origin, double now)
{
	struct detect_peer dp = peer(slot);
	struct bw_prefix p = pfx(s);
	struct rattr *a = attrs(f, dp.asn, transit, origin);
	const struct rib_route *r;
	size_t n;
	int rv;

	rv = rib_update_at(f->rib, dp.slot, &p, 0, a, &r, &n);
	assert_true(rv >= 0);
	detect_announce(f->d, &dp, &p, a, rv == RIB_UPD_NEW_PREFIX, r, n,
	    now);
	rattr_unref(f->in, a);
}

static void
announce_o(struct fx *f, int slot, const char *s, uint32_t origin, double now)
{
	announce_v(f, slot, s, 4837, origin, now);
}

static void
announce(struct fx *f, int slot, const char *s, double now)
{
	announce_o(f, slot, s, 131279, now);
}

static void
withdraw(struct fx *f, int slot, const char *s, double now)
{
	struct detect_peer dp = peer(slot);
	struct bw_prefix p = pfx(s);
	const struct rib_route *r;
	struct rattr *last = NULL;
	size_t n, i;
	int rv;

	r = rib_lookup(f->rib, &p, &n);
	for (i = 0; i < n; i++)
		if (r[i].peer == dp.slot) {
			last = r[i].attrs;
			rattr_ref(last);
		}
	rv = rib_withdraw(f->rib, dp.slot, &p, 0);
	detect_withdraw(f->d, &dp, &p, last, rv == RIB_WD_LAST, now);
	if (last != NULL)
		rattr_unref(f->in, last);
}

static void
up(struct fx *f, int slot, double now)
{
	struct detect_peer dp = peer(slot);

	detect_peer_up(f->d, &dp, now);
	detect_peer_eligible(f->d, &dp, now);
}

static void
run(struct fx *f, double now)
{
	int i;

	for (i = 0; i < 1000 && detect_run(f->d, now) == 0; i++)
		;
}

static int
count(struct fx *f, const char *type)
{
	int i, n = 0;

	for (i = 0; i < f->nev; i++)
		n += strcmp(f->ev[i].type, type) == 0;
	return n;
}

static struct ev *
find(struct fx *f, const char *type, int nth)
{
	int i;

	for (i = 0; i < f->nev; i++)
		if (strcmp(f->ev[i].type, type) == 0 && nth-- == 0)
			return &f->ev[i];
	fail_msg("no event %s", type);
	return NULL;
}

static int
nregion(struct fx *f)
{
	int i, n = 0;

	for (i = 0; i < f->nev; i++)
		n += strncmp(f->ev[i].type, "region_", 7) == 0;
	return n;
}

static const char *const kp24[] = {
	"175.45.176.0/24", "175.45.177.0/24", "175.45.178.0/24",
	"175.45.179.0/24"
};

static const char kp_conf[] =
    "region \"KP\" {\n prefix 175.45.176.0/22\n hold-down 10s\n}\n";

/* Three eligible peers carrying KP's four /24s; the region up at t=20. */
static struct fx *
kp_setup(const char *conf, int npeers)
{
	struct fx *f = fx_new(conf);
	int s, i;

	struct detect_peer dp;

	/* As sessions do: the initial table, then End-of-RIB. */
	for (s = 1; s <= npeers; s++) {
		dp = peer(s);
		detect_peer_up(f->d, &dp, 0);
		for (i = 0; i < 4; i++)
			announce(f, s, kp24[i], 1);
		detect_peer_eligible(f->d, &dp, 1);
	}
	assert_int_equal(count(f, "prefix_announced"), 0);
	assert_int_equal(count(f, "peer_up"), npeers);
	run(f, 1);
	run(f, 20);
	assert_int_equal(count(f, "region_up"), 1);
	assert_string_equal(find(f, "region_up", 0)->previous, "blind");
	f->nev = 0;
	return f;
}

static void
kp_withdraw_all(struct fx *f, int npeers, double now)
{
	int s, i;

	for (s = 1; s <= npeers; s++)
		for (i = 0; i < 4; i++)
			withdraw(f, s, kp24[i], now);
}

static void
test_one_peer_withdraws(void **state)
{
	struct fx *f = kp_setup(kp_conf, 3);
	struct ev *e;

	(void)state;
	assert_int_equal(count(f, "prefix_announced"), 0);
	withdraw(f, 1, "175.45.176.0/24", 30);
	assert_int_equal(f->nev, 1);
	e = find(f, "prefix_withdrawn", 0);
	assert_string_equal(e->region, "KP");
	assert_string_equal(e->prefix, "175.45.176.0/24");
	assert_int_equal(e->asn, 64511);
	assert_int_equal(e->visible, 2);
	assert_int_equal(e->eligible, 3);
	assert_string_equal(e->as_path, "64511 4837 131279");
	assert_string_equal(e->via, "prefix");
	assert_true(e->time == 30);
	run(f, 30);
	run(f, 100);
	assert_int_equal(nregion(f), 0);
	/* And back: prefix_announced. */
	announce(f, 1, "175.45.176.0/24", 110);
	e = find(f, "prefix_announced", 0);
	assert_int_equal(e->visible, 3);
	fx_free(f);
}

static int
pending_cb(const struct detect_region_info *ri, void *arg)
{
	*(struct detect_region_info *)arg = *ri;
	return 1;
}

static void
test_all_withdraw_and_restore(void **state)
{
	struct fx *f = kp_setup(kp_conf, 3);
	struct detect_region_info ri;
	struct ev *e;

	(void)state;
	kp_withdraw_all(f, 3, 100);
	assert_int_equal(count(f, "prefix_withdrawn"), 12);
	assert_int_equal(find(f, "prefix_withdrawn", 11)->visible, 0);
	run(f, 100);
	run(f, 105);
	run(f, 109.9);
	assert_int_equal(nregion(f), 0);
	/* During hold-down: up -> down, due at 110. */
	memset(&ri, 0, sizeof(ri));
	detect_regions(f->d, pending_cb, &ri);
	assert_int_equal(ri.state, REGION_UP);
	assert_int_equal(ri.pending, 1);
	assert_int_equal(ri.pending_state, REGION_DOWN);
	assert_true(ri.pending_due == 110);
	run(f, 110);
	assert_int_equal(nregion(f), 1);
	e = find(f, "region_down", 0);
	assert_string_equal(e->region, "KP");
	assert_string_equal(e->state, "down");
	assert_string_equal(e->previous, "up");
	assert_true(e->visibility == 0);
	assert_int_equal(e->units_visible, 0);
	assert_int_equal(e->units_total, 4);
	assert_int_equal(e->prefixes_visible, 0);
	assert_int_equal(e->prefixes_total, 4);
	assert_int_equal(e->eligible, 3);
	assert_true(e->time == 110);
	detect_regions(f->d, pending_cb, &ri);
	assert_int_equal(ri.pending, 0);
	run(f, 150);
	assert_int_equal(nregion(f), 1);

	/* Restore: two /24s first (degraded is not reported: it settles). */
	announce(f, 1, kp24[0], 200);
	announce(f, 2, kp24[0], 200);
	run(f, 200);
	run(f, 205);
	kp_withdraw_all(f, 0, 205);
	announce(f, 3, kp24[0], 205);
	announce(f, 1, kp24[1], 205);
	announce(f, 2, kp24[1], 205);
	announce(f, 1, kp24[2], 205);
	announce(f, 2, kp24[2], 205);
	announce(f, 1, kp24[3], 205);
	announce(f, 2, kp24[3], 205);
	run(f, 205);
	run(f, 214);
	assert_int_equal(count(f, "region_up"), 0);
	run(f, 215);
	e = find(f, "region_up", 0);
	assert_string_equal(e->previous, "down");
	assert_true(e->visibility == 1);
	assert_true(e->duration == 105);	/* 100 .. 205 */
	assert_true(e->worst == 0);
	assert_int_equal(nregion(f), 2);
	fx_free(f);
}

static void
test_flap_shorter_than_hold_down(void **state)
{
	struct fx *f = kp_setup(kp_conf, 3);
	int i, s;

	(void)state;
	kp_withdraw_all(f, 3, 100);
	run(f, 100);
	run(f, 105);
	for (s = 1; s <= 3; s++)
		for (i = 0; i < 4; i++)
			announce(f, s, kp24[i], 108);
	run(f, 108);
	/* Down again, briefly: the settle timer restarts each time. */
	kp_withdraw_all(f, 3, 112);
	run(f, 112);
	run(f, 119);
	for (s = 1; s <= 3; s++)
		for (i = 0; i < 4; i++)
			announce(f, s, kp24[i], 120);
	run(f, 120);
	run(f, 200);
	assert_int_equal(nregion(f), 0);
	assert_int_equal(count(f, "prefix_withdrawn"), 24);
	assert_int_equal(count(f, "prefix_announced"), 24);
	fx_free(f);
}

static void
test_covering_aggregate(void **state)
{
	struct fx *f = kp_setup(kp_conf, 3);
	int s;

	(void)state;
	for (s = 1; s <= 3; s++)
		announce_o(f, s, "175.45.0.0/16", 4837, 50);
	/* Not a member: no prefix event for the aggregate. */
	assert_int_equal(f->nev, 0);
	kp_withdraw_all(f, 3, 100);
	run(f, 100);
	run(f, 200);
	assert_int_equal(nregion(f), 0);
	/* More specifics than a unit do not make it visible. */
	for (s = 1; s <= 3; s++) {
		announce(f, s, "175.45.176.0/25", 210);
		announce(f, s, "175.45.176.128/25", 210);
		withdraw(f, s, "175.45.0.0/16", 210);
	}
	assert_int_equal(count(f, "prefix_announced"), 6);
	assert_string_equal(find(f, "prefix_announced", 0)->prefix,
	    "175.45.176.0/25");
	run(f, 210);
	run(f, 220);
	assert_int_equal(count(f, "region_down"), 1);
	fx_free(f);
}

/*
 * A cell covered only from outside, by exactly the quorum of peers (2 of
 * 3): every unit is visible, though no route inside the cell touched
 * one (chunk_visible takes those from the covering peers); then one
 * covering peer left and a /24 inside from another: that unit alone.
 */
static void
test_covering_quorum(void **state)
{
	struct fx *f = fx_new("region \"C\" {\n prefix 10.1.0.0/16\n"
	    " hold-down 10s\n}\n");
	struct detect_peer dp;
	struct ev *e;
	int s;

	(void)state;
	for (s = 1; s <= 3; s++) {
		dp = peer(s);
		detect_peer_up(f->d, &dp, 0);
		if (s < 3)
			announce(f, s, "10.0.0.0/15", 1);
		detect_peer_eligible(f->d, &dp, 1);
	}
	run(f, 1);
	run(f, 20);
	e = find(f, "region_up", 0);
	assert_int_equal(e->units_visible, 256);
	assert_int_equal(e->units_total, 256);
	f->nev = 0;
	withdraw(f, 2, "10.0.0.0/15", 30);
	announce(f, 3, "10.1.5.0/24", 30);
	run(f, 30);
	run(f, 50);
	e = find(f, "region_down", 0);
	assert_int_equal(e->units_visible, 1);
	assert_int_equal(e->units_total, 256);
	fx_free(f);
}

struct pvis {
	const char	*name;
	uint32_t	 visible;
};

static int
pvis_cb(const struct detect_region_info *ri, void *arg)
{
	struct pvis *v = arg;

	if (strcmp(ri->name, v->name) == 0)
		v->visible = ri->prefixes_visible;
	return 0;
}

/* Region name's prefixes_visible: kept from each member's stored count. */
static uint32_t
pvis(struct fx *f, const char *name)
{
	struct pvis v = { name, UINT32_MAX };

	detect_regions(f->d, pvis_cb, &v);
	assert_int_not_equal(v.visible, UINT32_MAX);
	return v.visible;
}

/*
 * After the set of counting peers changed, a prefix's count is taken
 * once for all its regions (det_recount): each of them, the one with a
 * via-as its own, gets its count (quorum 2 of 3, then 1 of 2).
 */
static void
test_recount_shared(void **state)
{
	struct fx *f = fx_new("region \"A\" {\n prefix 10.1.0.0/16\n}\n"
	    "region \"B\" {\n prefix 10.1.0.0/16\n}\n"
	    "region \"V\" {\n prefix 10.1.0.0/16\n via-as 1299\n}\n");
	struct detect_peer dp;
	int s;

	(void)state;
	for (s = 1; s <= 3; s++) {
		dp = peer(s);
		detect_peer_up(f->d, &dp, 0);
		announce_v(f, s, "10.1.1.0/24", s == 3 ? 1299 : 4837, 131279,
		    1);
		if (s > 1)
			announce_v(f, s, "10.1.2.0/24", 4837, 131279, 1);
		detect_peer_eligible(f->d, &dp, 1);
	}
	run(f, 1);
	/* 10.1.1.0/24: 3 peers, 1 through 1299; 10.1.2.0/24: 2, none. */
	assert_int_equal(pvis(f, "A"), 2);
	assert_int_equal(pvis(f, "B"), 2);
	assert_int_equal(pvis(f, "V"), 0);
	/* Peer 1 down: 10.1.1.0/24 2 peers, 1 through 1299; the other 2. */
	dp = peer(1);
	detect_peer_down(f->d, &dp, "test", 0, 10);
	run(f, 10);
	assert_int_equal(pvis(f, "A"), 2);
	assert_int_equal(pvis(f, "B"), 2);
	assert_int_equal(pvis(f, "V"), 1);
	fx_free(f);
}

/* peer_down carries the NOTIFICATION's numbers; peer_up never does. */
static void
test_peer_down_notification(void **state)
{
	struct fx *f = kp_setup(kp_conf, 3);
	struct detect_peer dp = peer(2);
	struct ev *e;

	(void)state;
	dp.notif = 1;
	dp.code = 6;
	dp.subcode = 6;
	detect_peer_down(f->d, &dp, "sent NOTIFICATION Cease, Other "
	    "Configuration Change: neighbor configuration changed", 0, 50);
	e = find(f, "peer_down", 0);
	assert_int_equal(e->notif, 1);
	assert_int_equal(e->code, 6);
	assert_int_equal(e->subcode, 6);
	detect_peer_up(f->d, &dp, 60);
	e = find(f, "peer_up", 0);
	assert_int_equal(e->notif, 0);
	assert_int_equal(e->code, 0);
	fx_free(f);
}

static void
test_session_drop(void **state)
{
	struct fx *f = kp_setup(kp_conf, 3);
	struct detect_peer dp = peer(2);
	struct rib_cursor cur;
	struct ev *e;

	(void)state;
	detect_peer_down(f->d, &dp, "hold timer expired", 0, 50);
	rib_cursor_init(&cur, AID_INET);
	while (rib_flush_slice(f->rib, &cur, 2, 0, 1))
		;
	assert_int_equal(f->nev, 1);
	e = find(f, "peer_down", 0);
	assert_string_equal(e->reason, "hold timer expired");
	assert_int_equal(e->notif, 0);		/* none given */
	assert_int_equal(e->asn, 64512);
	assert_int_equal(e->eligible, 2);
	run(f, 50);
	run(f, 200);
	assert_int_equal(f->nev, 1);
	/* Both others withdraw one /24: now that one is really gone. */
	withdraw(f, 1, kp24[0], 300);
	withdraw(f, 3, kp24[0], 300);
	assert_int_equal(find(f, "prefix_withdrawn", 1)->eligible, 2);
	run(f, 300);
	run(f, 310);
	e = find(f, "region_degraded", 0);
	assert_true(e->visibility == 0.75);
	assert_int_equal(e->eligible, 2);
	fx_free(f);
}

static void
test_all_sessions_drop(void **state)
{
	struct fx *f = kp_setup(kp_conf, 3);
	struct detect_peer dp;
	struct detect_region_info;
	int s;

	(void)state;
	for (s = 1; s <= 3; s++) {
		dp = peer(s);
		detect_peer_down(f->d, &dp, "connection reset", 0, 50);
	}
	assert_int_equal(count(f, "peer_down"), 3);
	assert_int_equal(count(f, "region_blind"), 1);
	assert_string_equal(f->ev[3].type, "region_blind");
	assert_string_equal(f->ev[3].previous, "up");
	assert_int_equal(f->ev[3].eligible, 0);
	run(f, 50);
	run(f, 1000);
	assert_int_equal(nregion(f), 1);
	assert_int_equal(count(f, "prefix_withdrawn"), 0);
	/* One comes back with its table: up again after hold-down. */
	up(f, 1, 1100);
	run(f, 1100);
	run(f, 1110);
	assert_string_equal(find(f, "region_up", 0)->previous, "blind");
	fx_free(f);
}

static int
pfx_cb(const struct bw_prefix *p, uint32_t vis, void *arg)
{
	char pb[BW_PREFIX_STRLEN];

	if (strcmp(prefix_fmt(p, pb, sizeof(pb)), "10.9.0.0/24") == 0)
		*(int *)arg = (int)vis + 100;
	return 0;
}

static void
test_origin_as(void **state)
{
	struct fx *f = fx_new("region \"ORG\" {\n origin-as 131279\n "
	    "hold-down 10s\n}\n");
	struct ev *e;
	int s, found = 0;

	(void)state;
	for (s = 1; s <= 2; s++)
		up(f, s, 0);
	for (s = 1; s <= 2; s++) {
		announce(f, s, "10.9.0.0/24", 1);
		announce_o(f, s, "10.8.0.0/24", 64999, 1);
	}
	assert_int_equal(count(f, "prefix_announced"), 2);
	e = find(f, "prefix_announced", 0);
	assert_string_equal(e->via, "origin-as");
	assert_string_equal(e->prefix, "10.9.0.0/24");
	run(f, 1);
	run(f, 11);
	e = find(f, "region_up", 0);
	assert_int_equal(e->units_total, 1);
	assert_int_equal(e->prefixes_total, 1);
	f->nev = 0;
	/* Withdrawn without attributes: still a member. */
	for (s = 1; s <= 2; s++) {
		struct detect_peer dp = peer(s);
		struct bw_prefix p = pfx("10.9.0.0/24");

		assert_int_equal(rib_withdraw(f->rib, dp.slot, &p, 0),
		    RIB_WD_LAST);
		detect_withdraw(f->d, &dp, &p, NULL, 1, 50);
	}
	assert_int_equal(count(f, "prefix_withdrawn"), 2);
	assert_string_equal(find(f, "prefix_withdrawn", 1)->via, "origin-as");
	assert_string_equal(find(f, "prefix_withdrawn", 1)->as_path, "");
	run(f, 50);
	run(f, 60);
	e = find(f, "region_down", 0);
	assert_int_equal(e->units_total, 1);
	assert_int_equal(e->prefixes_total, 1);
	assert_int_equal(detect_region_prefixes(f->d, "ORG", pfx_cb, &found),
	    0);
	assert_int_equal(found, 100);
	assert_int_equal(detect_region_prefixes(f->d, "NONE", pfx_cb, &found),
	    -1);
	fx_free(f);
}

/*
 * The per-route path's first question (region_route_near): a route far
 * from every region's space whose origin no region has is let go before
 * any lookup; one near a block, a chunk or a learned prefix, or of a
 * region's origin AS, is not.
 */
static int
near(struct fx *f, const char *s, uint32_t origin)
{
	struct bw_prefix p = pfx(s);

	return region_route_near(f->d, &p, origin);
}

static void
test_route_near(void **state)
{
	struct fx *f = fx_new("region \"KP\" {\n prefix 175.45.176.0/22\n "
	    "origin-as 131279\n hold-down 10s\n}\n"
	    "region \"V6\" {\n prefix 2001:db8:100::/40\n}\n");
	int s;

	(void)state;
	assert_int_equal(near(f, "175.45.177.0/24", 64999), 1);
	assert_int_equal(near(f, "175.45.0.0/16", 0), 1);
	assert_int_equal(near(f, "175.45.200.0/24", 64999), 1);	/* same /16 */
	assert_int_equal(near(f, "175.46.0.0/24", 64999), 0);
	assert_int_equal(near(f, "8.8.8.0/24", 15169), 0);
	assert_int_equal(near(f, "8.8.8.0/24", 0), 0);
	assert_int_equal(near(f, "8.8.8.0/24", 131279), 1);	/* its origin */
	assert_int_equal(near(f, "8.0.0.0/9", 15169), 1);	/* spans /16s */
	assert_int_equal(near(f, "2001:db8:100:1::/64", 64999), 1);
	assert_int_equal(near(f, "2a00:1::/32", 64999), 0);	/* another /16 */
	assert_int_equal(near(f, "2a00:1::/32", 131279), 1);

	/* Learned by origin AS: its /16 is near, for any origin now. */
	for (s = 1; s <= 2; s++)
		up(f, s, 0);
	assert_int_equal(near(f, "10.9.1.0/24", 64999), 0);
	for (s = 1; s <= 2; s++)
		announce(f, s, "10.9.0.0/24", 1);
	assert_int_equal(near(f, "10.9.0.0/24", 64999), 1);
	assert_int_equal(near(f, "10.9.255.0/24", 64999), 1);
	assert_int_equal(near(f, "10.10.0.0/24", 64999), 0);
	/* A route of another origin over the learned prefix still counts. */
	f->nev = 0;
	announce_o(f, 1, "10.9.0.0/24", 64999, 2);
	withdraw(f, 2, "10.9.0.0/24", 3);
	assert_int_equal(count(f, "prefix_withdrawn"), 1);
	assert_string_equal(find(f, "prefix_withdrawn", 0)->prefix,
	    "10.9.0.0/24");
	/* A far one makes no event and no member. */
	announce_o(f, 1, "10.10.0.0/24", 64999, 4);
	withdraw(f, 1, "10.10.0.0/24", 5);
	assert_int_equal(count(f, "prefix_withdrawn"), 1);
	assert_int_equal(count(f, "prefix_announced"), 0);
	/* With a region of origin ASes, the prefix alone cannot say no. */
	assert_int_equal(detect_interested(f->d, &(struct bw_prefix){ 0 }), 0);
	{
		struct bw_prefix p = pfx("10.10.0.0/24");

		assert_int_equal(detect_interested(f->d, &p), 1);
	}
	fx_free(f);

	/* Prefixes only: the prefix decides. */
	f = fx_new("region \"P\" {\n prefix 192.0.2.0/24\n}\n");
	{
		struct bw_prefix far = pfx("10.10.0.0/24");
		struct bw_prefix same16 = pfx("192.0.200.0/24");
		struct bw_prefix wide = pfx("192.0.0.0/8");

		assert_int_equal(detect_interested(f->d, &far), 0);
		assert_int_equal(detect_interested(f->d, &same16), 1);
		assert_int_equal(detect_interested(f->d, &wide), 1);
	}
	fx_free(f);
}

/* Collects a region's member prefixes, in order. */
struct pfx_list {
	char	p[700][BW_PREFIX_STRLEN];
	int	n;
};

static int
list_cb(const struct bw_prefix *p, uint32_t vis, void *arg)
{
	struct pfx_list *l = arg;

	(void)vis;
	assert_true(l->n < 700);
	prefix_fmt(p, l->p[l->n++], BW_PREFIX_STRLEN);
	return 0;
}

/*
 * While no peer counts (tables loading), announcements are learned later
 * in batches (det_drain): read before any detect_run, the regions have
 * them all, in the order they came, a prefix that came and went too,
 * past the queue's length as well.
 */
static void
test_queue_learning(void **state)
{
	struct fx *f = fx_new("region \"ORG\" {\n origin-as 131279\n "
	    "hold-down 10s\n}\n");
	struct detect_peer dp = peer(1);
	struct detect_region_info ri;
	struct pfx_list *l = calloc(1, sizeof(*l));
	char s[32];
	int i;

	(void)state;
	assert_non_null(l);
	detect_peer_up(f->d, &dp, 0);
	announce(f, 1, "10.3.0.0/24", 1);
	announce(f, 1, "10.1.0.0/24", 1);
	announce_o(f, 1, "10.5.0.0/24", 64999, 1);	/* no member */
	announce(f, 1, "10.2.0.0/24", 1);
	withdraw(f, 1, "10.1.0.0/24", 1);		/* came and went */
	memset(&ri, 0, sizeof(ri));
	detect_regions(f->d, pending_cb, &ri);
	assert_int_equal(ri.prefixes_total, 3);
	assert_int_equal(detect_region_prefixes(f->d, "ORG", list_cb, l), 0);
	assert_int_equal(l->n, 3);
	assert_string_equal(l->p[0], "10.3.0.0/24");
	assert_string_equal(l->p[1], "10.1.0.0/24");
	assert_string_equal(l->p[2], "10.2.0.0/24");
	/* More than a queue's worth, then the peer eligible at once. */
	for (i = 0; i < 600; i++) {
		snprintf(s, sizeof(s), "11.%d.%d.0/24", i / 256, i % 256);
		announce(f, 1, s, 2);
	}
	detect_peer_eligible(f->d, &dp, 2);
	l->n = 0;
	assert_int_equal(detect_region_prefixes(f->d, "ORG", list_cb, l), 0);
	assert_int_equal(l->n, 603);
	for (i = 0; i < 600; i++) {
		snprintf(s, sizeof(s), "11.%d.%d.0/24", i / 256, i % 256);
		assert_string_equal(l->p[3 + i], s);
	}
	run(f, 2);
	run(f, 13);
	memset(&ri, 0, sizeof(ri));
	detect_regions(f->d, pending_cb, &ri);
	assert_int_equal(ri.prefixes_total, 603);
	assert_int_equal(ri.prefixes_visible, 602);	/* 10.1.0.0/24 gone */
	/* Units count once seen visible for hold-down: the one gone not. */
	assert_int_equal(ri.units_total, 602);
	assert_int_equal(ri.units_visible, 602);
	free(l);
	fx_free(f);
}

static void
test_country(void **state)
{
	struct fx *f = fx_new("rir-stats \"tests/data/rirstats/"
	    "delegated-apnic-extended-latest\"\n"
	    "region \"KP\" {\n country KP\n hold-down 10s\n}\n");
	struct ev *e;
	int s, i;

	(void)state;
	for (s = 1; s <= 3; s++)
		up(f, s, 0);
	announce(f, 1, kp24[0], 1);
	e = find(f, "prefix_announced", 0);
	assert_string_equal(e->via, "country");
	assert_string_equal(e->via_file, "delegated-apnic-extended-latest");
	assert_string_equal(e->via_date, "20141222");
	/* Its asn line makes AS131279's prefixes members anywhere. */
	announce(f, 1, "192.0.2.0/24", 1);
	e = find(f, "prefix_announced", 1);
	assert_string_equal(e->via, "origin-as");
	assert_string_equal(e->via_file, "delegated-apnic-extended-latest");
	for (s = 1; s <= 3; s++)
		for (i = 0; i < 4; i++)
			announce(f, s, kp24[i], 2);
	run(f, 2);
	/* Baseline: derived units count once visible for hold-down. */
	run(f, 5);
	run(f, 12);
	e = find(f, "region_up", 0);
	assert_int_equal(e->units_total, 4);
	f->nev = 0;
	kp_withdraw_all(f, 3, 100);
	run(f, 100);
	run(f, 110);
	e = find(f, "region_down", 0);
	assert_int_equal(e->units_total, 4);
	assert_int_equal(e->units_visible, 0);
	assert_int_equal(e->prefixes_total, 5);
	assert_non_null(strstr(e->via, "country KP (delegated-apnic-extended-"
	    "latest 20141222)"));
	fx_free(f);
}

/*
 * A unit pending its baseline, gone and back: its hold-down starts again
 * when it is back (the pending chunk's first due time is not the one).
 */
/*
 * A unit pending its baseline, gone and back: its hold-down starts again
 * when it is back (the pending chunk's first due time is not the one).
 */
static uint64_t
units_total(struct fx *f)
{
	struct detect_region_info ri;

	memset(&ri, 0, sizeof(ri));
	detect_regions(f->d, pending_cb, &ri);
	return ri.units_total;
}

/*
 * Chunks and their 128-byte rows past the first 2 MB of their pools come
 * from huge pages cut in pools (region.c, det_pool_at): 40,000 chunks of
 * an origin AS, each holding two /24s 200 units apart (a row each), all
 * counted.  Pools cut at the wrong place overlap and lose units.
 */
static void
test_many_chunks(void **state)
{
	struct fx *f = fx_new("region \"ORG\" {\n origin-as 131279\n "
	    "hold-down 10s\n}\n");
	struct detect_region_info ri;
	struct detect_peer dp = peer(1);
	char s[32];
	int i;

	(void)state;
	detect_peer_up(f->d, &dp, 0);
	for (i = 0; i < 40000; i++) {
		snprintf(s, sizeof(s), "%d.%d.0.0/24", 1 + i / 256, i % 256);
		announce(f, 1, s, 1);
		snprintf(s, sizeof(s), "%d.%d.200.0/24", 1 + i / 256, i % 256);
		announce(f, 1, s, 1);
	}
	detect_peer_eligible(f->d, &dp, 1);
	run(f, 1);
	run(f, 12);
	memset(&ri, 0, sizeof(ri));
	detect_regions(f->d, pending_cb, &ri);
	assert_int_equal(ri.units_total, 80000);
	assert_int_equal(ri.units_visible, 80000);
	assert_int_equal(ri.prefixes_total, 80000);
	fx_free(f);
}

static void
test_country_baseline_restarts(void **state)
{
	struct fx *f = fx_new("rir-stats \"tests/data/rirstats/"
	    "delegated-apnic-extended-latest\"\n"
	    "region \"KP\" {\n country KP\n hold-down 10s\n}\n");
	int s, i;

	(void)state;
	for (s = 1; s <= 3; s++)
		up(f, s, 0);
	for (s = 1; s <= 3; s++)
		for (i = 0; i < 4; i++)
			announce(f, s, kp24[i], 2);
	run(f, 2);
	kp_withdraw_all(f, 3, 4);
	run(f, 4);
	for (s = 1; s <= 3; s++)
		for (i = 0; i < 4; i++)
			announce(f, s, kp24[i], 6);
	run(f, 6);
	run(f, 12);		/* due at 12 when first pending: not now */
	assert_int_equal(units_total(f), 0);
	run(f, 15.9);
	assert_int_equal(units_total(f), 0);
	run(f, 16);
	assert_int_equal(units_total(f), 4);
	fx_free(f);
}

static void
test_missing_stats(void **state)
{
	struct config_errors errs;
	struct config *c;
	struct intern *in = intern_new();
	struct rib *rib = rib_new(in);
	struct detect *d = detect_new(rib, 0);
	static const char t[] = "local-as 65000\nrouter-id 192.0.2.254\n"
	    "rir-stats \"tests/data/rirstats/bad-arin\"\n";
	char err[256];

	(void)state;
	assert_non_null(c = config_parse_buf("t", t, sizeof(t) - 1, &errs));
	assert_int_equal(detect_configure(d, c, 0, err, sizeof(err)), -1);
	assert_string_equal(err, "tests/data/rirstats/bad-arin:3: unknown "
	    "status \"allocatd\"");
	config_free(c);
	detect_free(d);
	rib_free(rib);
	intern_free(in);
}

static int
count_region(const struct detect_region_info *info, void *arg)
{
	(void)info;
	(*(int *)arg)++;
	return 0;
}

/* Waits for a read on its thread (a few ms; polled as the core does). */
static void
stats_wait(struct detect_stats *s)
{
	int i;

	for (i = 0; i < 20000 && !detect_stats_done(s); i++)
		usleep(1000);
	assert_true(detect_stats_done(s));
}

/*
 * A reload's statistics read on a thread (detect_stats_read): nothing
 * to read when unchanged, the regions taken once read, and a bad file's
 * "FILE:LINE: message" with the regions as before.
 */
static void
test_stats_thread(void **state)
{
	struct config_errors errs;
	struct config *c, *bad;
	struct detect_stats *s;
	struct fx *f = fx_new("rir-stats \"tests/data/rirstats/"
	    "delegated-apnic-extended-latest\"\n"
	    "region \"KP\" {\n country KP\n hold-down 10s\n}\n");
	static const char t[] = "local-as 65000\nrouter-id 192.0.2.254\n"
	    "rir-stats \"tests/data/rirstats/delegated-apnic-extended-latest\"\n"
	    "rir-stats \"tests/data/rirstats/delegated-ripencc-latest\"\n"
	    "region \"KP\" {\n country KP\n}\nregion \"NL\" {\n country NL\n}\n";
	static const char tb[] = "local-as 65000\nrouter-id 192.0.2.254\n"
	    "rir-stats \"tests/data/rirstats/bad-arin\"\n"
	    "region \"US\" {\n country US\n}\n";
	char err[256];
	int i, n = 0;

	(void)state;
	detect_set_async(f->d, 1);
	/* The files read at start, unchanged: nothing to read. */
	assert_null(detect_stats_read(f->d, f->conf));
	assert_non_null(c = config_parse_buf("t", t, sizeof(t) - 1, &errs));
	assert_non_null(s = detect_stats_read(f->d, c));
	stats_wait(s);
	assert_null(detect_stats_error(s));
	assert_int_equal(detect_configure_stats(f->d, c, s, 1, err,
	    sizeof(err)), 0);
	detect_stats_free(s);
	/* Now those of c: nothing to read for it again. */
	assert_null(detect_stats_read(f->d, c));
	assert_non_null(bad = config_parse_buf("t", tb, sizeof(tb) - 1,
	    &errs));
	assert_non_null(s = detect_stats_read(f->d, bad));
	stats_wait(s);
	assert_string_equal(detect_stats_error(s), "tests/data/rirstats/"
	    "bad-arin:3: unknown status \"allocatd\"");
	assert_int_equal(detect_configure_stats(f->d, bad, s, 2, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "tests/data/rirstats/bad-arin:3: unknown "
	    "status \"allocatd\"");
	detect_stats_free(s);
	config_free(bad);
	/* Freed while reading: waits for the thread. */
	assert_non_null(bad = config_parse_buf("t", tb, sizeof(tb) - 1,
	    &errs));
	assert_non_null(s = detect_stats_read(f->d, bad));
	detect_stats_free(s);
	config_free(bad);
	/* The regions of c (the index swapped in by detect_run). */
	for (i = 0; i < 20000 && n != 2; i++) {
		detect_run(f->d, 3);
		n = 0;
		detect_regions(f->d, count_region, &n);
		usleep(1000);
	}
	assert_int_equal(n, 2);
	detect_stats_free(NULL);
	fx_free(f);
	config_free(c);
}

/* A reload keeps reported states; too large a prefix changes nothing. */
static void
test_reload(void **state)
{
	struct fx *f = kp_setup(kp_conf, 3);
	struct config_errors errs;
	struct config *c;
	static const char big[] = "local-as 65000\nrouter-id 192.0.2.254\n"
	    "region \"KP\" {\n prefix 2001::/16\n}\n";
	char err[256];

	(void)state;
	assert_non_null(c = config_parse_buf("t", big, sizeof(big) - 1,
	    &errs));
	assert_int_equal(detect_configure(f->d, c, 30, err, sizeof(err)), -1);
	assert_string_equal(err, "region \"KP\": prefix 2001::/16 is too "
	    "large to watch (more than 65536 chunks)");
	config_free(c);
	assert_int_equal(detect_configure(f->d, f->conf, 30, err,
	    sizeof(err)), 0);
	run(f, 30);
	run(f, 60);
	assert_int_equal(nregion(f), 0);
	kp_withdraw_all(f, 3, 100);
	assert_int_equal(count(f, "prefix_withdrawn"), 12);
	run(f, 100);
	run(f, 110);
	assert_int_equal(count(f, "region_down"), 1);
	fx_free(f);
}

static void
test_ipv6(void **state)
{
	struct fx *f = fx_new("region \"V6\" {\n prefix 2001:db8::/32\n "
	    "hold-down 5s\n}\n");
	struct ev *e;
	int s;

	(void)state;
	for (s = 1; s <= 3; s++) {
		up(f, s, 0);
		announce(f, s, "2001:db8::/32", 1);
		announce(f, s, "2001:db8:1::/48", 1);
	}
	run(f, 1);
	run(f, 6);
	e = find(f, "region_up", 0);
	assert_int_equal(e->units_total, 65536);
	assert_int_equal(e->units_visible, 65536);
	f->nev = 0;
	for (s = 1; s <= 3; s++)
		withdraw(f, s, "2001:db8:1::/48", 10);
	assert_string_equal(find(f, "prefix_withdrawn", 2)->prefix,
	    "2001:db8:1::/48");
	run(f, 10);
	run(f, 20);
	assert_int_equal(nregion(f), 0);
	for (s = 1; s <= 3; s++)
		withdraw(f, s, "2001:db8::/32", 30);
	run(f, 30);
	run(f, 35);
	e = find(f, "region_down", 0);
	assert_int_equal(e->units_visible, 0);
	fx_free(f);
}

static void
test_full_feed(void **state)
{
	struct fx *f = fx_new("full-feed 50%\nregion \"KP\" {\n "
	    "prefix 175.45.176.0/22\n hold-down 10s\n}\n");
	char pb[32];
	int s, i;

	(void)state;
	for (s = 1; s <= 3; s++)
		up(f, s, 0);
	for (s = 1; s <= 2; s++)
		for (i = 0; i < 10; i++) {
			snprintf(pb, sizeof(pb), "10.%d.0.0/16", i);
			announce(f, s, pb, 1);
		}
	for (s = 1; s <= 3; s++)
		for (i = 0; i < 4; i++)
			announce(f, s, kp24[i], 1);
	/* Re-evaluated at most every 10s: peer 3 (4 of 14 routes) drops. */
	run(f, 1);
	run(f, 11);
	f->nev = 0;
	withdraw(f, 3, kp24[0], 20);
	assert_int_equal(f->nev, 0);
	withdraw(f, 1, kp24[0], 21);
	assert_int_equal(find(f, "prefix_withdrawn", 0)->eligible, 2);
	assert_int_equal(find(f, "prefix_withdrawn", 0)->visible, 1);
	run(f, 21);
	run(f, 40);
	/* 1 of 2 is half: still visible. */
	assert_int_equal(nregion(f), 0);
	withdraw(f, 2, kp24[0], 41);
	run(f, 41);
	run(f, 60);
	assert_true(find(f, "region_degraded", 0)->visibility == 0.75);
	fx_free(f);
}

/*
 * The default quorum is half of the eligible peers, rounded up (IODA
 * counts a /24 visible at >= 50 % of full-feed peers): with n peers, k
 * of them withdrawing KP leaves it up while n - k >= ceil(n / 2).
 */
static void
quorum_case(int n, int k, int down)
{
	struct fx *f = kp_setup(kp_conf, n);

	kp_withdraw_all(f, k, 30);
	run(f, 30);
	run(f, 100);
	assert_int_equal(count(f, "region_down"), down);
	assert_int_equal(nregion(f), down);
	if (down)
		assert_int_equal(find(f, "region_down", 0)->min_peers,
		    (n + 1) / 2);
	fx_free(f);
}

static void
test_quorum_half(void **state)
{
	(void)state;
	quorum_case(2, 1, 0);	/* 1 of 2: up */
	quorum_case(2, 2, 1);
	quorum_case(3, 1, 0);	/* 2 of 3: up */
	quorum_case(3, 2, 1);	/* 1 of 3: down */
	quorum_case(4, 2, 0);	/* 2 of 4: up */
	quorum_case(4, 3, 1);	/* 1 of 4: down */
}

/*
 * via-as: only paths through the given AS count.  Peers 1 and 2 reach
 * KP through 4837, peer 3 through 1299; "KP via 4837" goes down when
 * 1 and 2 withdraw, while "KP" stays up through peer 3 (1 of 3 is not
 * half, so with min-peers 1).
 */
static void
test_via_as(void **state)
{
	struct fx *f = fx_new("region \"KP\" {\n prefix 175.45.176.0/22\n "
	    "hold-down 10s\n min-peers 1\n}\nregion \"KP-4837\" {\n "
	    "prefix 175.45.176.0/22\n hold-down 10s\n via-as 4837\n}\n");
	struct detect_peer dp;
	struct ev *e;
	int s, i;

	(void)state;
	for (s = 1; s <= 3; s++) {
		dp = peer(s);
		detect_peer_up(f->d, &dp, 0);
		for (i = 0; i < 4; i++)
			announce_v(f, s, kp24[i], s == 3 ? 1299 : 4837,
			    131279, 1);
		detect_peer_eligible(f->d, &dp, 1);
	}
	run(f, 1);
	run(f, 20);
	assert_int_equal(count(f, "region_up"), 2);
	f->nev = 0;
	/* Peer 3's path is not through 4837: KP-4837 does not notice. */
	for (i = 0; i < 4; i++)
		withdraw(f, 3, kp24[i], 30);
	e = find(f, "prefix_withdrawn", 0);
	assert_string_equal(e->region, "KP");
	assert_int_equal(count(f, "prefix_withdrawn"), 8);
	for (i = 0; i < f->nev; i++)
		if (strcmp(f->ev[i].region, "KP-4837") == 0)
			assert_int_equal(f->ev[i].visible, 2);
	run(f, 30);
	run(f, 100);
	assert_int_equal(nregion(f), 0);
	/* Back through 1299; then 1 and 2 withdraw. */
	for (i = 0; i < 4; i++)
		announce_v(f, 3, kp24[i], 1299, 131279, 110);
	f->nev = 0;
	kp_withdraw_all(f, 2, 120);
	run(f, 120);
	run(f, 200);
	assert_int_equal(count(f, "region_down"), 1);
	assert_string_equal(find(f, "region_down", 0)->region, "KP-4837");
	assert_int_equal(nregion(f), 1);
	fx_free(f);
}

static void
test_graceful_restart(void **state)
{
	struct fx *f = kp_setup(kp_conf, 3);
	struct detect_peer dp;
	struct rib_cursor cur;
	int s;

	(void)state;
	for (s = 1; s <= 2; s++) {
		dp = peer(s);
		detect_peer_down(f->d, &dp, "connection reset", 1, 50);
		rib_cursor_init(&cur, AID_INET);
		while (rib_mark_stale_slice(f->rib, &cur, (uint16_t)s, 1))
			;
	}
	assert_int_equal(count(f, "peer_down"), 2);
	assert_int_equal(find(f, "peer_down", 0)->gr, 1);
	assert_int_equal(find(f, "peer_down", 1)->eligible, 3);
	for (s = 0; s < 4; s++)
		withdraw(f, 3, kp24[s], 60);
	/* Stale routes of 2 of 3 peers still count: visible. */
	assert_int_equal(find(f, "prefix_withdrawn", 0)->visible, 2);
	run(f, 60);
	run(f, 100);
	assert_int_equal(nregion(f), 0);
	/* The restart timer ran out. */
	for (s = 1; s <= 2; s++) {
		dp = peer(s);
		detect_peer_gone(f->d, &dp, 120);
		rib_cursor_init(&cur, AID_INET);
		while (rib_flush_slice(f->rib, &cur, (uint16_t)s, 1, 1))
			;
	}
	run(f, 120);
	run(f, 130);
	assert_int_equal(count(f, "region_down"), 1);
	assert_int_equal(find(f, "region_down", 0)->eligible, 1);
	fx_free(f);
}

static void
test_unstable(void **state)
{
	struct fx *f = kp_setup("region \"KP\" {\n prefix 175.45.176.0/22\n "
	    "hold-down 10s\n unstable-rate 5 per 60s\n}\n", 3);
	struct ev *e;
	int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		withdraw(f, 1, kp24[0], 100 + i);
		announce(f, 1, kp24[0], 100 + i);
	}
	assert_int_equal(count(f, "region_unstable"), 1);
	e = find(f, "region_unstable", 0);
	assert_true(e->time == 102);
	assert_int_equal(e->changes, 6);
	assert_string_equal(e->state, "up");
	run(f, 103);
	run(f, 150);
	assert_int_equal(count(f, "region_stable"), 0);
	run(f, 170);	/* the window emptied at ~162, calm for 60s: 222 */
	assert_int_equal(count(f, "region_stable"), 0);
	run(f, 230);
	assert_int_equal(count(f, "region_stable"), 1);
	assert_int_equal(count(f, "region_down"), 0);
	fx_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_peer_withdraws),
		cmocka_unit_test(test_all_withdraw_and_restore),
		cmocka_unit_test(test_flap_shorter_than_hold_down),
		cmocka_unit_test(test_country_baseline_restarts),
		cmocka_unit_test(test_covering_aggregate),
		cmocka_unit_test(test_covering_quorum),
		cmocka_unit_test(test_recount_shared),
		cmocka_unit_test(test_session_drop),
		cmocka_unit_test(test_peer_down_notification),
		cmocka_unit_test(test_all_sessions_drop),
		cmocka_unit_test(test_origin_as),
		cmocka_unit_test(test_route_near),
		cmocka_unit_test(test_queue_learning),
		cmocka_unit_test(test_country),
		cmocka_unit_test(test_many_chunks),
		cmocka_unit_test(test_missing_stats),
		cmocka_unit_test(test_stats_thread),
		cmocka_unit_test(test_reload),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_full_feed),
		cmocka_unit_test(test_quorum_half),
		cmocka_unit_test(test_via_as),
		cmocka_unit_test(test_graceful_restart),
		cmocka_unit_test(test_unstable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
