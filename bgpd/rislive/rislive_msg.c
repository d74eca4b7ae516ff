/*
 * From a tap message to RIS Live's ris_message (docs/rislive.md): the
 * view that filters read (prefixes announced and withdrawn, the AS
 * path flattened) and the JSON that clients get, with RIS Live's field
 * names, types and shapes: peer_asn a string, AS_SETs nested arrays,
 * communities as pairs, announcements grouped by next hop, raw as
 * upper-case hex.
 */
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "log.h"
#include "rislive_priv.h"

static void *
rl_grow(void *p, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap ? *cap : 64;

	if (need <= *cap)
		return p;
	while (ncap < need)
		ncap *= 2;
	if ((p = realloc(p, ncap * size)) == NULL)
		fatal("rislive view");
	*cap = ncap;
	return p;
}

/* Appends the prefixes of an NLRI field to (*arr, *n). */
static void
rl_view_nlri(const struct bgp_view *f, uint8_t aid, int addpath,
    struct bw_prefix **arr, size_t *n, size_t *cap)
{
	struct bgp_nlri_iter it;
	struct bw_prefix pfx;
	uint32_t pid;

	if (f->len == 0 || aid == AID_UNSPEC)
		return;
	bgp_nlri_iter_init(&it, f, aid, addpath);
	while (bgp_nlri_next(&it, &pfx, &pid) == 1) {
		*arr = rl_grow(*arr, cap, *n + 1, sizeof(**arr));
		(*arr)[(*n)++] = pfx;
	}
}

static void
rl_view_path(struct rl_view *v, const struct bgp_view *aspath)
{
	struct bgp_aspath_iter it;
	const uint8_t *asns;
	uint8_t type, count, i;

	bgp_aspath_iter_init(&it, aspath);
	while (bgp_aspath_next(&it, &type, &count, &asns) == 1) {
		v->path = rl_grow(v->path, &v->cap_path, v->npath + count,
		    sizeof(*v->path));
		for (i = 0; i < count; i++)
			v->path[v->npath++] = get_u32(asns + 4 * i);
	}
}

static void
rl_view_reset(struct rl_view *v, const struct tap_peer *tp, double ts)
{
	v->tp = tp;
	v->ts = ts;
	v->m = NULL;
	v->nann = v->nwd = v->npath = 0;
	addr_fmt(&tp->peer_addr, v->peer, sizeof(v->peer));
}

int
rl_view_message(struct rl_view *v, const struct tap_peer *tp,
    const struct tap_msg *m)
{
	const struct bgp_update *u = m->upd;

	rl_view_reset(v, tp, m->ts);
	v->m = m;
	switch (m->type) {
	case BGP_UPDATE:
		if (m->dir != TAP_RX || u == NULL || u->eor)
			return -1;
		v->type = RL_T_UPDATE;
		break;
	case BGP_OPEN:
		v->type = RL_T_OPEN;
		return 0;
	case BGP_NOTIFICATION:
		v->type = RL_T_NOTIFICATION;
		return m->dir == TAP_RX ? 0 : -1;
	case BGP_KEEPALIVE:
		v->type = RL_T_KEEPALIVE;
		return m->dir == TAP_RX ? 0 : -1;
	default:
		return -1;
	}
	rl_view_nlri(&u->withdrawn, AID_INET, tp->addpath[AID_INET], &v->wd,
	    &v->nwd, &v->cap_wd);
	if (ATTR_HAS(&u->attrs, ATTR_MP_UNREACH_NLRI))
		rl_view_nlri(&u->unreach.nlri, u->unreach.aid,
		    u->unreach.aid < AID_MAX ? tp->addpath[u->unreach.aid] : 0,
		    &v->wd, &v->nwd, &v->cap_wd);
	rl_view_nlri(&u->nlri, AID_INET, tp->addpath[AID_INET], &v->ann,
	    &v->nann, &v->cap_ann);
	if (ATTR_HAS(&u->attrs, ATTR_MP_REACH_NLRI))
		rl_view_nlri(&u->reach.nlri, u->reach.aid,
		    u->reach.aid < AID_MAX ? tp->addpath[u->reach.aid] : 0,
		    &v->ann, &v->nann, &v->cap_ann);
	if (ATTR_HAS(&u->attrs, ATTR_AS_PATH))
		rl_view_path(v, &u->attrs.aspath);
	return 0;
}

void
rl_view_state(struct rl_view *v, const struct tap_peer *tp, double ts,
    int old_state, int new_state)
{
	rl_view_reset(v, tp, ts);
	v->type = RL_T_PEER_STATE;
	v->old_state = old_state;
	v->new_state = new_state;
}

void
rl_view_free(struct rl_view *v)
{
	free(v->ann);
	free(v->wd);
	free(v->path);
	memset(v, 0, sizeof(*v));
}

/*
 * RIS Live's peer states are those its collectors (ExaBGP) report:
 * "connected" when the TCP connection is up and the OPEN sent,
 * "up" when the session is Established, "down" when a connection or
 * session is lost.  Other FSM moves (Idle, Connect, Active among
 * themselves; OpenSent to OpenConfirm) show nothing, as in RIS.
 */
const char *
rl_peer_state(int old_state, int new_state)
{
	int was = old_state >= RL_OPENSENT, is = new_state >= RL_OPENSENT;

	if (old_state == new_state)
		return NULL;
	if (new_state == RL_ESTABLISHED)
		return "up";
	if (!was && is)
		return "connected";
	if (was && !is)
		return "down";
	return NULL;
}

static const char *const rl_type_names[RL_T_MAX] = {
	"UPDATE", "OPEN", "NOTIFICATION", "KEEPALIVE", "RIS_PEER_STATE"
};

/* The AS path, AS_SETs (and confederation sets) as nested arrays. */
static void
rl_enc_path(struct json *j, const struct bgp_view *aspath)
{
	struct bgp_aspath_iter it;
	const uint8_t *asns;
	uint8_t type, count, i;

	json_arr_open(j, "path");
	bgp_aspath_iter_init(&it, aspath);
	while (bgp_aspath_next(&it, &type, &count, &asns) == 1) {
		int set = type == AS_SET || type == AS_CONFED_SET;

		if (set)
			json_arr_open(j, NULL);
		for (i = 0; i < count; i++)
			json_uint(j, NULL, get_u32(asns + 4 * i));
		if (set)
			json_arr_close(j);
	}
	json_arr_close(j);
}

/* "a.b.c.d/n" without printf (a full table has a million of them). */
static const char *
rl_fmt_prefix(const struct bw_prefix *p, char *out, size_t len)
{
	char *o = out;
	unsigned int v;
	int i;

	if (p->aid != AID_INET)
		return prefix_fmt(p, out, len);
	for (i = 0; i < 5; i++) {
		v = i < 4 ? p->b[i] : p->len;
		if (v >= 100)
			*o++ = (char)('0' + v / 100);
		if (v >= 10)
			*o++ = (char)('0' + v / 10 % 10);
		*o++ = (char)('0' + v % 10);
		*o++ = i < 3 ? '.' : i == 3 ? '/' : '\0';
	}
	return out;
}

static void
rl_enc_prefixes(struct json *j, const struct bgp_view *f, uint8_t aid,
    int addpath)
{
	struct bgp_nlri_iter it;
	struct bw_prefix pfx;
	char pb[BW_PREFIX_STRLEN];
	uint32_t pid;

	if (f->len == 0 || aid == AID_UNSPEC)
		return;
	bgp_nlri_iter_init(&it, f, aid, addpath);
	while (bgp_nlri_next(&it, &pfx, &pid) == 1)
		json_str(j, NULL, rl_fmt_prefix(&pfx, pb, sizeof(pb)));
}

/* "2001:db8::1,fe80::1" when there is a link-local next hop too. */
static void
rl_enc_nexthop(struct json *j, const struct bgp_attrs *a)
{
	char nh[2 * BW_ADDR_STRLEN + 2], ll[BW_ADDR_STRLEN];

	if (a->nexthop.aid == AID_UNSPEC) {
		json_str(j, "next_hop", "");
		return;
	}
	addr_fmt(&a->nexthop, nh, sizeof(nh));
	if (a->nexthop_ll.aid != AID_UNSPEC) {
		addr_fmt(&a->nexthop_ll, ll, sizeof(ll));
		strcat(nh, ",");
		strcat(nh, ll);
	}
	json_str(j, "next_hop", nh);
}

static void
rl_enc_update(struct json *j, const struct rl_view *v)
{
	const struct bgp_update *u = v->m->upd;
	const struct bgp_attrs *a = &u->attrs;
	const struct tap_peer *tp = v->tp;
	char buf[BW_ADDR_STRLEN + 16], ab[BW_ADDR_STRLEN];
	struct bw_addr id;
	uint32_t k, be;

	rl_enc_path(j, &a->aspath);
	json_arr_open(j, "community");
	for (k = 0; k + 4 <= a->communities.len; k += 4) {
		json_arr_open(j, NULL);
		json_uint(j, NULL, get_u16(a->communities.p + k));
		json_uint(j, NULL, get_u16(a->communities.p + k + 2));
		json_arr_close(j);
	}
	json_arr_close(j);
	if (ATTR_HAS(a, ATTR_ORIGIN))
		json_str(j, "origin", bgp_origin_name(a->origin));
	if (ATTR_HAS(a, ATTR_MED))
		json_uint(j, "med", a->med);
	if (ATTR_HAS(a, ATTR_AGGREGATOR)) {
		be = htobe32(a->aggr_id);
		addr_set(&id, AID_INET, (const uint8_t *)&be);
		snprintf(buf, sizeof(buf), "%u:%s", a->aggr_as,
		    addr_fmt(&id, ab, sizeof(ab)));
		json_str(j, "aggregator", buf);
	}
	if (v->nann > 0) {
		json_arr_open(j, "announcements");
		json_obj_open(j, NULL);
		rl_enc_nexthop(j, a);
		json_arr_open(j, "prefixes");
		rl_enc_prefixes(j, &u->nlri, AID_INET, tp->addpath[AID_INET]);
		if (ATTR_HAS(a, ATTR_MP_REACH_NLRI))
			rl_enc_prefixes(j, &u->reach.nlri, u->reach.aid,
			    u->reach.aid < AID_MAX ?
			    tp->addpath[u->reach.aid] : 0);
		json_arr_close(j);
		json_obj_close(j);
		json_arr_close(j);
	}
	if (v->nwd > 0) {
		json_arr_open(j, "withdrawals");
		rl_enc_prefixes(j, &u->withdrawn, AID_INET,
		    tp->addpath[AID_INET]);
		if (ATTR_HAS(a, ATTR_MP_UNREACH_NLRI))
			rl_enc_prefixes(j, &u->unreach.nlri, u->unreach.aid,
			    u->unreach.aid < AID_MAX ?
			    tp->addpath[u->unreach.aid] : 0);
		json_arr_close(j);
	}
}

static void
rl_enc_caps(struct json *j, const struct bgp_caps *c)
{
	static const char *const fam[AID_MAX] = { "", "ipv4/unicast",
	    "ipv6/unicast" };
	char code[8];
	int aid, i;

	json_obj_open(j, "capabilities");
	for (i = 0; i < 256; i++) {
		if (!CAPA_ISSET(c, i))
			continue;
		snprintf(code, sizeof(code), "%d", i);
		json_obj_open(j, code);
		json_str(j, "name", i == CAPA_MP ? "multiprotocol" :
		    i == CAPA_AS4 ? "asn4" : bgp_capa_name((uint8_t)i));
		if (i == CAPA_MP) {
			json_arr_open(j, "families");
			for (aid = 1; aid < AID_MAX; aid++)
				if (c->mp[aid])
					json_str(j, NULL, fam[aid]);
			json_arr_close(j);
		}
		if (i == CAPA_AS4)
			json_uint(j, "asn", c->as4);
		json_obj_close(j);
	}
	json_obj_close(j);
}

static void
rl_enc_open(struct json *j, const struct rl_view *v)
{
	struct bgp_open o;
	struct bgp_err err;
	struct bw_addr id;
	char ab[BW_ADDR_STRLEN];
	uint32_t be;

	json_str(j, "direction", v->m->dir == TAP_RX ? "received" : "sent");
	if (bgp_open_decode(v->m->bytes + BGP_HDR_LEN, v->m->len - BGP_HDR_LEN,
	    &o, &err) == -1)
		return;
	json_uint(j, "version", o.version);
	json_uint(j, "asn", bgp_open_as(&o));
	json_uint(j, "hold_time", o.holdtime);
	be = htobe32(o.bgp_id);
	addr_set(&id, AID_INET, (const uint8_t *)&be);
	json_str(j, "router_id", addr_fmt(&id, ab, sizeof(ab)));
	rl_enc_caps(j, &o.caps);
}

static void
rl_enc_hex(struct evbuffer *out, const uint8_t *p, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	char chunk[512];
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		chunk[n++] = hex[p[i] >> 4];
		chunk[n++] = hex[p[i] & 15];
		if (n == sizeof(chunk)) {
			evbuffer_add(out, chunk, n);
			n = 0;
		}
	}
	evbuffer_add(out, chunk, n);
}

static void
rl_enc_notification(struct json *j, const struct rl_view *v)
{
	struct bgp_notification n;
	char hex[2 * 64 + 1];
	size_t i;

	if (bgp_notification_decode(v->m->bytes + BGP_HDR_LEN,
	    v->m->len - BGP_HDR_LEN, &n) == -1)
		return;
	json_obj_open(j, "notification");
	json_uint(j, "code", n.code);
	json_uint(j, "subcode", n.subcode);
	for (i = 0; i < n.datalen && i < 64; i++)
		snprintf(hex + 2 * i, 3, "%02X", n.data[i]);
	hex[2 * i] = '\0';
	json_str(j, "data", hex);
	json_obj_close(j);
}

/* v in base (10 or 16, lower case) at out, NUL-terminated; returns the
 * end.  out has room for 21 bytes. */
static char *
rl_utoa(char *out, uint64_t v, unsigned int base)
{
	char tmp[20], *t = tmp;

	do {
		*t++ = "0123456789abcdef"[v % base];
		v /= base;
	} while (v != 0);
	while (t > tmp)
		*out++ = *--t;
	*out = '\0';
	return out;
}

int
rl_encode(struct evbuffer *out, const struct rl_view *v, const char *host,
    uint64_t id, int raw)
{
	struct json j;
	char ids[BW_ADDR_STRLEN + 24], asn[24];
	size_t n;

	json_init(&j, out);
	json_obj_open(&j, NULL);
	json_str(&j, "type", "ris_message");
	json_obj_open(&j, "data");
	json_double(&j, "timestamp", v->ts, 6);
	json_str(&j, "peer", v->peer);
	/* No printf: these are per message. */
	rl_utoa(asn, v->tp->peer_as, 10);
	json_str(&j, "peer_asn", asn);
	n = strnlen(v->peer, BW_ADDR_STRLEN - 1);
	memcpy(ids, v->peer, n);
	ids[n] = '-';
	rl_utoa(ids + n + 1, id, 16);
	json_str(&j, "id", ids);
	json_str(&j, "host", host);
	json_str(&j, "type", rl_type_names[v->type]);
	switch (v->type) {
	case RL_T_UPDATE:
		rl_enc_update(&j, v);
		break;
	case RL_T_OPEN:
		rl_enc_open(&j, v);
		break;
	case RL_T_NOTIFICATION:
		rl_enc_notification(&j, v);
		break;
	case RL_T_PEER_STATE:
		json_str(&j, "state", rl_peer_state(v->old_state,
		    v->new_state) ? rl_peer_state(v->old_state, v->new_state) :
		    "down");
		break;
	default:
		break;
	}
	if (raw && v->m != NULL) {
		json_flush(&j);
		evbuffer_add(out, ",\"raw\":\"", 8);
		rl_enc_hex(out, v->m->bytes, v->m->len);
		evbuffer_add(out, "\"", 1);
	}
	json_obj_close(&j);
	json_obj_close(&j);
	if (json_flush(&j) == -1 || j.err)
		return -1;
	return 0;
}
