/*
 * show rib [neighbor ADDR] [PREFIX] and show rib count.
 *
 * A route listing can be the whole table of every peer (hundreds of MB
 * of JSON), so struct view_rib writes it one RIB slice at a time with a
 * resumable cursor; control.c calls view_rib_step() again whenever the
 * client has read enough.  Each route is gathered and rendered on its own
 * (view_route.c).  Between two slices anything can happen: routes
 * change (the cursor is a prefix, not a pointer) and peers go away, so
 * each slice gathers the peers' names afresh by slot (view_rib_names(),
 * the one place this view reads struct peer) and never keeps a struct
 * peer pointer across a return to the loop.
 *
 * A query for one prefix never scans the table: the covering routes come
 * from rib_walk_covering() (at most one prefix per length) and the
 * covered ones from a cursor started at the prefix itself, which stops at
 * the first prefix outside it (in address order, the prefixes a prefix
 * covers follow it without a gap).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "json.h"
#include "view.h"
#include "view_bmp.h"

struct view_name {
	uint16_t	slot;
	char		addr[BW_ADDR_STRLEN];
	const char	*router;	/* BMP: the exporting router */
	const char	*view;		/* BMP: the RIB view */
};

enum view_phase {
	VIEW_HEAD,
	VIEW_MATCH,
	VIEW_WALK,
	VIEW_TAIL,
	VIEW_DONE
};

struct view_rib {
	struct bgpd		*bgpd;
	int			 json;
	struct json		 j;
	struct evbuffer		*out;		/* of the current step */
	enum view_phase		 phase;
	int			 has_neighbor;
	struct bw_addr		 neighbor;
	int			 has_pfx;
	struct bw_prefix	 pfx;
	struct rib_cursor	 cur;
	int			 walk_end;	/* left the queried prefix */
	int			 filter_slot;	/* -1: every peer */
	int			 has_router;	/* BMP: only this router's */
	struct bw_addr		 router;
	char			 view[32];	/* BMP: only this view ("") */
	const char		*incomplete;	/* why the listing stopped */
	const char		*title;		/* text: before next route */
	struct view_name	*names;		/* slot -> address, by slot */
	size_t			 nnames;
	size_t			 namecap;
	struct view_aspath	 path;
	size_t			 routes;	/* routes written */
	int			 err;
};

/* Counts */

void
view_rib_count_gather(struct bgpd *bgpd, const struct peer *only,
    struct view_rib_count *vc)
{
	uint8_t	aid;

	memset(vc, 0, sizeof(*vc));
	vc->one = only != NULL;
	for (aid = AID_INET; aid < AID_MAX; aid++) {
		vc->routes[aid] = only != NULL ? rib_count(bgpd->rib,
		    only->src.slot, aid) : rib_total_routes(bgpd->rib, aid);
		vc->prefixes[aid] = rib_total_prefixes(bgpd->rib, aid);
	}
}

int
view_rib_count_json(const struct view_rib_count *vc, struct evbuffer *out)
{
	struct json	j;
	uint8_t		aid;

	json_init(&j, out);
	json_obj_open(&j, NULL);
	json_uint(&j, "routes", vc->routes[AID_INET] + vc->routes[AID_INET6]);
	json_uint(&j, "ipv4", vc->routes[AID_INET]);
	json_uint(&j, "ipv6", vc->routes[AID_INET6]);
	if (!vc->one) {
		json_obj_open(&j, "prefixes");
		for (aid = AID_INET; aid < AID_MAX; aid++)
			json_uint(&j, view_aid_key(aid), vc->prefixes[aid]);
		json_obj_close(&j);
	}
	return json_finish(&j);
}

int
view_rib_count_text(const struct view_rib_count *vc, struct evbuffer *out)
{
	return evbuffer_add_printf(out, "Routes: %zu (IPv4 %zu, IPv6 %zu)\n",
	    vc->routes[AID_INET] + vc->routes[AID_INET6], vc->routes[AID_INET],
	    vc->routes[AID_INET6]) < 0 ? -1 : 0;
}

/* Listings: the peers' names */

static int
view_name_cmp(const void *a, const void *b)
{
	const struct view_name	*x = a, *y = b;

	return (int)x->slot - (int)y->slot;
}

/*
 * Gathers the slot -> address table (and the filter's slot) afresh.
 * Returns 0, or -1 when the filtered neighbor is gone or memory ran out.
 */
/* A BMP-monitored source, into the names (view_bmp_sources()). */
static void
view_rib_bmp_name(void *arg, uint16_t slot, const struct bw_addr *peer,
    const char *router, const char *view)
{
	struct view_rib		*vr = arg;
	struct view_name	*n;

	if (vr->nnames >= vr->namecap)
		return;
	n = &vr->names[vr->nnames++];
	n->slot = slot;
	addr_fmt(peer, n->addr, sizeof(n->addr));
	n->router = router;
	n->view = view;
}

static int
view_rib_names(struct view_rib *vr)
{
	const struct peer	*p;
	struct view_bmp_filter	 f;
	int			 bmp_only = vr->has_router || vr->view[0];
	size_t			 n = peer_count(&vr->bgpd->peers) +
	    view_bmp_sources(vr->bgpd, NULL, NULL, NULL);

	if (n > vr->namecap) {
		free(vr->names);
		vr->namecap = 0;
		if ((vr->names = calloc(n, sizeof(*vr->names))) == NULL) {
			vr->incomplete = "out of memory";
			return -1;
		}
		vr->namecap = n;
	}
	vr->nnames = 0;
	vr->filter_slot = -1;
	TAILQ_FOREACH(p, &vr->bgpd->peers.list, entry) {
		if (p->conf == NULL || bmp_only)
			continue;
		if (vr->has_neighbor) {
			if (memcmp(&p->conf->addr, &vr->neighbor,
			    sizeof(vr->neighbor)) != 0)
				continue;
			vr->filter_slot = p->src.slot;
		}
		vr->names[vr->nnames].slot = p->src.slot;
		addr_fmt(&p->conf->addr, vr->names[vr->nnames].addr,
		    sizeof(vr->names[0].addr));
		vr->names[vr->nnames].router = NULL;
		vr->names[vr->nnames].view = NULL;
		vr->nnames++;
	}
	/* BMP-monitored sources; with a filter, only the names that pass. */
	memset(&f, 0, sizeof(f));
	f.neighbor = vr->has_neighbor ? &vr->neighbor : NULL;
	f.router = vr->has_router ? &vr->router : NULL;
	f.view = vr->view[0] ? vr->view : NULL;
	(void)view_bmp_sources(vr->bgpd, &f, view_rib_bmp_name, vr);
	if ((vr->has_neighbor || bmp_only) && vr->nnames == 0) {
		vr->incomplete = "neighbor deleted";
		return -1;
	}
	if (vr->has_neighbor || bmp_only)
		vr->filter_slot = vr->nnames == 1 ? vr->names[0].slot : -1;
	qsort(vr->names, vr->nnames, sizeof(*vr->names), view_name_cmp);
	return 0;
}

static const struct view_name *
view_rib_name(const struct view_rib *vr, uint16_t slot)
{
	struct view_name	 key;

	key.slot = slot;
	return bsearch(&key, vr->names, vr->nnames, sizeof(*vr->names),
	    view_name_cmp);
}

/* Listings: routes */

/* Writes the routes of one prefix that pass the filter.  Returns count. */
static size_t
view_rib_routes(struct view_rib *vr, const struct bw_prefix *p,
    const struct rib_route *r, size_t n)
{
	struct view_route	 v;
	const struct view_name	*name;
	size_t			 i, w = 0;

	for (i = 0; i < n; i++) {
		if (vr->filter_slot >= 0 && r[i].peer != vr->filter_slot)
			continue;
		/* Routes of a peer being deleted: no longer shown. */
		if ((name = view_rib_name(vr, r[i].peer)) == NULL)
			continue;
		if (!vr->json && vr->title != NULL) {
			evbuffer_add_printf(vr->out, "\n%s:\n", vr->title);
			view_route_header(vr->out);
			vr->title = NULL;
		}
		view_route_gather(p, &r[i], name->addr, view_aspath(&vr->path,
		    r[i].attrs), &v);
		v.router = name->router;
		v.view = name->view;
		if (vr->json)
			view_route_json(&vr->j, &v);
		else if (view_route_text(vr->out, &v) == -1)
			vr->err = 1;
		w++;
	}
	vr->routes += w;
	return w;
}

struct view_rib *
view_rib_new(struct bgpd *bgpd, int json, const struct bw_addr *neighbor,
    const struct bw_prefix *pfx)
{
	struct view_rib	*vr;

	if ((vr = calloc(1, sizeof(*vr))) == NULL)
		return NULL;
	vr->bgpd = bgpd;
	vr->json = json;
	vr->filter_slot = -1;
	if (neighbor != NULL) {
		vr->has_neighbor = 1;
		vr->neighbor = *neighbor;
	}
	if (pfx != NULL) {
		vr->has_pfx = 1;
		vr->pfx = *pfx;
	}
	vr->phase = VIEW_HEAD;
	return vr;
}

void
view_rib_set_bmp(struct view_rib *vr, const struct bw_addr *router,
    const char *view)
{
	if (router != NULL) {
		vr->has_router = 1;
		vr->router = *router;
	}
	if (view != NULL)
		snprintf(vr->view, sizeof(vr->view), "%s", view);
}

void
view_rib_free(struct view_rib *vr)
{
	if (vr == NULL)
		return;
	free(vr->names);
	view_aspath_free(&vr->path);
	free(vr);
}

static void
view_rib_head(struct view_rib *vr)
{
	char	buf[BW_PREFIX_STRLEN];

	if (!vr->json) {
		evbuffer_add_printf(vr->out, "flags: S = Stale\n"
		    "origin: i = IGP, e = EGP, ? = Incomplete\n\n");
		if (!vr->has_pfx)
			view_route_header(vr->out);
		return;
	}
	json_init(&vr->j, vr->out);
	json_obj_open(&vr->j, NULL);
	if (vr->has_pfx)
		json_str(&vr->j, "prefix", prefix_fmt(&vr->pfx, buf,
		    sizeof(buf)));
	else
		json_arr_open(&vr->j, "routes");
}

/* The prefixes covering the query that hold routes passing the filter. */
struct view_cover {
	struct view_rib		*vr;
	struct bw_prefix	 p[BW_PLEN_MAX + 1];
	size_t			 n;
};

static int
view_cover_cb(const struct bw_prefix *p, const struct rib_route *r,
    size_t n, void *arg)
{
	struct view_cover	*c = arg;
	size_t			 i;

	for (i = 0; i < n && c->n <= BW_PLEN_MAX; i++) {
		if (c->vr->filter_slot >= 0 && r[i].peer != c->vr->filter_slot)
			continue;
		if (view_rib_name(c->vr, r[i].peer) == NULL)
			continue;
		c->p[c->n++] = *p;
		break;
	}
	return 0;
}

/* Writes the routes of each of the first n covering prefixes. */
static void
view_rib_list(struct view_rib *vr, const struct bw_prefix *p, size_t n)
{
	const struct rib_route	*r;
	size_t			 i, nr;

	for (i = 0; i < n; i++)
		if ((r = rib_lookup(vr->bgpd->rib, &p[i], &nr)) != NULL)
			view_rib_routes(vr, &p[i], r, nr);
}

/* Opens the match's section: its name, or that there is none. */
static void
view_rib_match_head(struct view_rib *vr, const struct bw_prefix *m)
{
	char	buf[BW_PREFIX_STRLEN], mbuf[BW_PREFIX_STRLEN];

	if (vr->json) {
		if (m != NULL)
			json_str(&vr->j, "match", prefix_fmt(m, buf,
			    sizeof(buf)));
		else
			json_null(&vr->j, "match");
		json_arr_open(&vr->j, "routes");
	} else if (m != NULL) {
		evbuffer_add_printf(vr->out, "Longest match for %s: %s\n",
		    prefix_fmt(&vr->pfx, buf, sizeof(buf)),
		    prefix_fmt(m, mbuf, sizeof(mbuf)));
		view_route_header(vr->out);
	} else
		evbuffer_add_printf(vr->out, "No route matches %s\n",
		    prefix_fmt(&vr->pfx, buf, sizeof(buf)));
}

/* The longest match and the covering routes; then opens "covered". */
static void
view_rib_match(struct view_rib *vr)
{
	struct view_cover	*c;
	const struct bw_prefix	*m;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		vr->err = 1;
		return;
	}
	c->vr = vr;
	rib_walk_covering(vr->bgpd->rib, &vr->pfx, view_cover_cb, c);
	m = c->n > 0 ? &c->p[c->n - 1] : NULL;
	view_rib_match_head(vr, m);
	if (m != NULL)
		view_rib_list(vr, m, 1);
	if (vr->json) {
		json_arr_close(&vr->j);
		json_arr_open(&vr->j, "covering");
	} else
		vr->title = "Less specific routes";
	view_rib_list(vr, c->p, c->n > 0 ? c->n - 1 : 0);
	if (vr->json) {
		json_arr_close(&vr->j);
		json_arr_open(&vr->j, "covered");
	} else
		vr->title = "More specific routes";
	free(c);
}

static int
view_walk_cb(const struct bw_prefix *p, const struct rib_route *r,
    size_t n, void *arg)
{
	struct view_rib	*vr = arg;

	if (vr->has_pfx) {
		if (!prefix_contains(&vr->pfx, p)) {
			if (prefix_cmp(p, &vr->pfx) < 0)
				return 0;	/* not there yet */
			vr->walk_end = 1;
			return 1;
		}
		if (p->len == vr->pfx.len)
			return 0;	/* the match itself, shown */
	}
	view_rib_routes(vr, p, r, n);
	return 0;
}

/* Prefixes a slice may visit so that it writes about SLICE_ROUTES. */
static size_t
view_slice_budget(const struct view_rib *vr)
{
	size_t	routes, prefixes, b;

	if (vr->filter_slot >= 0)
		return VIEW_SLICE_PREFIXES;
	routes = rib_total_routes(vr->bgpd->rib, vr->cur.aid);
	prefixes = rib_total_prefixes(vr->bgpd->rib, vr->cur.aid);
	if (routes == 0 || prefixes == 0)
		return VIEW_SLICE_PREFIXES;
	b = (size_t)((double)VIEW_SLICE_ROUTES * prefixes / routes);
	if (b < 16)
		b = 16;
	return b > VIEW_SLICE_PREFIXES ? VIEW_SLICE_PREFIXES : b;
}

/* Starts the walk: a family (whole dump) or from the queried prefix. */
static void
view_walk_start(struct view_rib *vr, uint8_t aid)
{
	rib_cursor_init(&vr->cur, aid);
	vr->walk_end = 0;
	if (vr->has_pfx) {
		vr->cur.started = 1;
		vr->cur.next = vr->pfx;
	}
}

static void
view_rib_slice(struct view_rib *vr)
{
	int	more;

	more = rib_walk_slice(vr->bgpd->rib, &vr->cur, view_slice_budget(vr),
	    view_walk_cb, vr);
	if (more && !vr->walk_end)
		return;
	if (!vr->has_pfx && vr->cur.aid == AID_INET)
		view_walk_start(vr, AID_INET6);
	else
		vr->phase = VIEW_TAIL;
}

static void
view_rib_tail(struct view_rib *vr)
{
	if (!vr->json) {
		if (vr->incomplete != NULL)
			evbuffer_add_printf(vr->out, "\nListing incomplete: "
			    "%s\n", vr->incomplete);
		return;
	}
	/* Closes what is open below the top object (none if stopped early). */
	while (vr->j.depth > 1) {
		if (vr->j.isobj[vr->j.depth])
			json_obj_close(&vr->j);
		else
			json_arr_close(&vr->j);
	}
	if (vr->incomplete != NULL)
		json_str(&vr->j, "incomplete", vr->incomplete);
	if (json_finish(&vr->j) == -1)
		vr->err = 1;
}

int
view_rib_step(struct view_rib *vr, struct evbuffer *out)
{
	vr->out = out;
	vr->j.out = out;
	/* Attribute sets may have gone since the last step. */
	vr->path.of = NULL;
	if (vr->phase == VIEW_DONE)
		return 0;
	if ((vr->phase == VIEW_MATCH || vr->phase == VIEW_WALK) &&
	    view_rib_names(vr) == -1)
		vr->phase = VIEW_TAIL;
	switch (vr->phase) {
	case VIEW_HEAD:
		view_rib_head(vr);
		vr->phase = vr->has_pfx ? VIEW_MATCH : VIEW_WALK;
		view_walk_start(vr, vr->has_pfx ? vr->pfx.aid : AID_INET);
		break;
	case VIEW_MATCH:
		view_rib_match(vr);
		vr->phase = VIEW_WALK;
		break;
	case VIEW_WALK:
		view_rib_slice(vr);
		break;
	case VIEW_TAIL:
		view_rib_tail(vr);
		vr->phase = VIEW_DONE;
		break;
	case VIEW_DONE:
		break;
	}
	if (vr->json)
		json_flush(&vr->j);
	if (vr->err || (vr->json && vr->j.err))
		return -1;
	return vr->phase == VIEW_DONE ? 0 : 1;
}
