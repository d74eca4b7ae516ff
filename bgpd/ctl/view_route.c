/*
 * One route of a `show rib` listing: view_route_gather() reads the RIB
 * entry and its interned attributes into a struct view_route, and the
 * renderers write it as a bgpctl-style table line or a JSON object.
 * view_rib.c walks the RIB and calls these once per route, so they are
 * on the path of a full-table dump: no allocation per route, and the AS
 * path text is formatted once per attribute set that neighbouring
 * prefixes share (struct view_aspath).
 */
#include <arpa/inet.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "json.h"
#include "view.h"

/* Bytes of AS path text that fit without growing the buffer. */
#define VIEW_PATH_INITIAL	1024

const char *
view_aspath(struct view_aspath *vp, const struct rattr *a)
{
	struct bgp_view	 v;
	char		*np;
	int		 len;

	if (a->aspath == NULL)
		return "";
	if (a == vp->of)
		return vp->s;
	vp->of = NULL;
	if (vp->s == NULL) {
		if ((vp->s = malloc(VIEW_PATH_INITIAL)) == NULL)
			return "";
		vp->cap = VIEW_PATH_INITIAL;
	}
	v = iblob_view(a->aspath);
	len = bgp_aspath_fmt(&v, vp->s, vp->cap);
	if (len >= 0 && (size_t)len >= vp->cap) {
		if ((np = realloc(vp->s, (size_t)len + 1)) == NULL)
			return "";
		vp->s = np;
		vp->cap = (size_t)len + 1;
		len = bgp_aspath_fmt(&v, vp->s, vp->cap);
	}
	if (len < 0)
		return "";
	vp->of = a;
	return vp->s;
}

void
view_aspath_free(struct view_aspath *vp)
{
	free(vp->s);
	memset(vp, 0, sizeof(*vp));
}

/* The IPv6 link-local next hop, when the route has one. */
static void
view_nh_ll(const struct rattr *a, struct bw_addr *ll)
{
	struct bgp_view	v;
	uint8_t		flags;

	if (rattr_other_find(a, RATTR_OTHER_NH_LL, &flags, &v) == 1 &&
	    v.len == 16)
		addr_set(ll, AID_INET6, v.p);
}

void
view_route_gather(const struct bw_prefix *p, const struct rib_route *r,
    const char *neighbor, const char *as_path, struct view_route *v)
{
	const struct rattr	*a = r->attrs;

	memset(v, 0, sizeof(*v));
	v->prefix = p;
	v->neighbor = neighbor;
	v->path_id = r->path_id;
	v->stale = (r->flags & ROUTE_STALE) != 0;
	v->as_path = as_path;
	v->next_hop = a->nexthop;
	view_nh_ll(a, &v->next_hop_ll);
	v->origin = a->origin;
	if (a->communities != NULL) {
		v->comms = a->communities->data;
		v->comms_len = a->communities->len;
	}
	if (a->large_communities != NULL) {
		v->large = a->large_communities->data;
		v->large_len = a->large_communities->len;
	}
	v->has_med = (a->flags & RATTR_MED) != 0;
	v->has_local_pref = (a->flags & RATTR_LOCAL_PREF) != 0;
	v->atomic_aggr = (a->flags & RATTR_ATOMIC_AGGR) != 0;
	v->has_aggr = (a->flags & RATTR_AGGREGATOR) != 0;
	v->has_otc = (a->flags & RATTR_OTC) != 0;
	v->med = a->med;
	v->local_pref = a->local_pref;
	v->origin_as = a->origin_as;
	v->aggr_as = a->aggr_as;
	v->aggr_id = a->aggr_id;
	v->otc = a->otc;
}

/* Writes v in decimal at p; returns the end. */
static char *
view_u32(char *p, uint32_t v)
{
	char	tmp[10];
	int	n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		*p++ = tmp[--n];
	return p;
}

/* "A:B" (a community: 16-bit halves) or "A:B:C" (a large one). */
static const char *
view_comm(char *buf, const uint8_t *p, int large)
{
	char	*e = buf;

	if (large) {
		e = view_u32(e, get_u32(p));
		*e++ = ':';
		e = view_u32(e, get_u32(p + 4));
		*e++ = ':';
		e = view_u32(e, get_u32(p + 8));
	} else {
		e = view_u32(e, get_u16(p));
		*e++ = ':';
		e = view_u32(e, get_u16(p + 2));
	}
	*e = '\0';
	return buf;
}

/* JSON */

static void
view_json_comms(struct json *j, const struct view_route *v)
{
	char		c[40];
	uint32_t	i;

	json_arr_open(j, "communities");
	for (i = 0; i + 4 <= v->comms_len; i += 4)
		json_str(j, NULL, view_comm(c, v->comms + i, 0));
	json_arr_close(j);
	json_arr_open(j, "large_communities");
	for (i = 0; i + 12 <= v->large_len; i += 12)
		json_str(j, NULL, view_comm(c, v->large + i, 1));
	json_arr_close(j);
}

static void
view_json_attr_extra(struct json *j, const struct view_route *v)
{
	char		buf[64];
	struct bw_addr	id;
	uint32_t	nid = htonl(v->aggr_id);

	if (v->has_med)
		json_uint(j, "med", v->med);
	if (v->has_local_pref)
		json_uint(j, "local_pref", v->local_pref);
	json_uint(j, "origin_as", v->origin_as);
	if (v->atomic_aggr)
		json_bool(j, "atomic_aggregate", 1);
	if (v->has_aggr) {
		addr_set(&id, AID_INET, (const uint8_t *)&nid);
		json_obj_open(j, "aggregator");
		json_uint(j, "as", v->aggr_as);
		json_str(j, "address", addr_fmt(&id, buf, sizeof(buf)));
		json_obj_close(j);
	}
	if (v->has_otc)
		json_uint(j, "otc", v->otc);
}

void
view_route_json(struct json *j, const struct view_route *v)
{
	char	buf[BW_PREFIX_STRLEN];

	json_obj_open(j, NULL);
	json_str(j, "prefix", prefix_fmt(v->prefix, buf, sizeof(buf)));
	json_str(j, "neighbor", v->neighbor);
	if (v->router != NULL) {
		json_str(j, "router", v->router);
		json_str(j, "view", v->view);
	}
	json_uint(j, "path_id", v->path_id);
	json_str(j, "as_path", v->as_path);
	if (v->next_hop.aid != AID_UNSPEC)
		json_str(j, "next_hop", addr_fmt(&v->next_hop, buf,
		    sizeof(buf)));
	else
		json_null(j, "next_hop");
	if (v->next_hop_ll.aid != AID_UNSPEC)
		json_str(j, "next_hop_link_local", addr_fmt(&v->next_hop_ll,
		    buf, sizeof(buf)));
	if (v->origin != RATTR_ORIGIN_NONE)
		json_str(j, "origin", bgp_origin_name(v->origin));
	else
		json_null(j, "origin");
	view_json_comms(j, v);
	json_bool(j, "stale", v->stale);
	view_json_attr_extra(j, v);
	json_obj_close(j);
}

/* Text */

static void
view_text_comms(struct evbuffer *out, const struct view_route *v)
{
	char		c[40];
	uint32_t	i, n = 0;

	for (i = 0; i + 4 <= v->comms_len; i += 4)
		evbuffer_add_printf(out, "%s%s", n++ ? " " : " [",
		    view_comm(c, v->comms + i, 0));
	for (i = 0; i + 12 <= v->large_len; i += 12)
		evbuffer_add_printf(out, "%s%s", n++ ? " " : " [",
		    view_comm(c, v->large + i, 1));
	if (n > 0)
		evbuffer_add_printf(out, "]");
}

static char
view_origin_char(uint8_t origin)
{
	switch (origin) {
	case ORIGIN_IGP:
		return 'i';
	case ORIGIN_EGP:
		return 'e';
	default:
		return '?';
	}
}

int
view_route_header(struct evbuffer *out)
{
	return evbuffer_add_printf(out, "%-5s %-18s %-16s %-16s %6s %6s %s\n",
	    "flags", "destination", "neighbor", "gateway", "lpref", "med",
	    "aspath origin") < 0 ? -1 : 0;
}

int
view_route_text(struct evbuffer *out, const struct view_route *v)
{
	char	pfx[BW_PREFIX_STRLEN], nh[BW_ADDR_STRLEN];
	char	lp[16] = "-", med[16] = "-";
	int	rv = 0;

	if (v->has_local_pref)
		snprintf(lp, sizeof(lp), "%" PRIu32, v->local_pref);
	if (v->has_med)
		snprintf(med, sizeof(med), "%" PRIu32, v->med);
	if (v->next_hop.aid != AID_UNSPEC)
		addr_fmt(&v->next_hop, nh, sizeof(nh));
	else
		snprintf(nh, sizeof(nh), "-");
	if (evbuffer_add_printf(out, "%-5s %-18s %-16s %-16s %6s %6s %s%s%c",
	    v->stale ? "S" : "", prefix_fmt(v->prefix, pfx, sizeof(pfx)),
	    v->neighbor, nh, lp, med, v->as_path, *v->as_path ? " " : "",
	    view_origin_char(v->origin)) < 0)
		rv = -1;
	view_text_comms(out, v);
	if (v->path_id != 0)
		evbuffer_add_printf(out, " (path-id %" PRIu32 ")", v->path_id);
	evbuffer_add_printf(out, "\n");
	return rv;
}
