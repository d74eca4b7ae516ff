/*
 * show regions / show region NAME: the detector's view of each region
 * (state, visibility, prefixes and /24-/48 units visible, eligible peers)
 * and, for one region, the number of eligible peers that see each member
 * prefix.  Regions are few and small next to the RIB, so they are
 * gathered in one go, into arrays that grow as the detector's callbacks
 * hand them over.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "detect.h"
#include "json.h"
#include "view.h"

struct view_regions_arg {
	struct view_regions	*vr;
	size_t			 cap;
	int			 err;
	double			 now;		/* the detector's clock */
};

/*
 * Room for one more element of size sz in arr (n used, *cap allocated).
 * Returns arr or its new place, or NULL (arr is then unchanged).
 */
static void *
view_grow(void *arr, size_t n, size_t *cap, size_t sz)
{
	void	*na;
	size_t	 ncap;

	if (n < *cap)
		return arr;
	ncap = *cap == 0 ? 8 : *cap * 2;
	if ((na = reallocarray(arr, ncap, sz)) == NULL)
		return NULL;
	*cap = ncap;
	return na;
}

static int
view_region_cb(const struct detect_region_info *ri, void *arg)
{
	struct view_regions_arg	*a = arg;
	struct view_regions	*vr = a->vr;
	struct view_region	*r;

	if (vr->only != NULL && strcmp(vr->only, ri->name) != 0)
		return 0;
	if ((r = view_grow(vr->r, vr->n, &a->cap, sizeof(*r))) == NULL) {
		a->err = 1;
		return 1;
	}
	vr->r = r;
	r = &vr->r[vr->n++];
	r->name = ri->name;
	r->state = region_state_name(ri->state);
	r->visibility = ri->visibility;
	r->units_visible = ri->units_visible;
	r->units_total = ri->units_total;
	r->prefixes_visible = ri->prefixes_visible;
	r->prefixes_total = ri->prefixes_total;
	r->eligible_peers = ri->eligible_peers;
	r->since = ri->since;
	r->pending = NULL;
	r->pending_in = 0;
	if (ri->pending) {
		r->pending = region_state_name(ri->pending_state);
		r->pending_in = ri->pending_due - a->now;
		if (r->pending_in < 0)
			r->pending_in = 0;
	}
	return 0;
}

static int
view_prefix_cb(const struct bw_prefix *pfx, uint32_t peers, void *arg)
{
	struct view_regions_arg	*a = arg;
	struct view_regions	*vr = a->vr;
	struct view_region_prefix *np;

	if ((np = view_grow(vr->prefixes, vr->nprefixes, &a->cap,
	    sizeof(*np))) == NULL) {
		a->err = 1;
		return 1;
	}
	vr->prefixes = np;
	vr->prefixes[vr->nprefixes].prefix = *pfx;
	vr->prefixes[vr->nprefixes].visible_peers = peers;
	vr->nprefixes++;
	return 0;
}

int
view_regions_gather(struct bgpd *bgpd, const char *only,
    struct view_regions *vr)
{
	struct view_regions_arg	a;

	memset(vr, 0, sizeof(*vr));
	memset(&a, 0, sizeof(a));
	a.vr = vr;
	vr->only = only;
	if (bgpd->detect == NULL)
		return 0;
	vr->configured = 1;
	a.now = loop_now(&bgpd->loop);
	detect_regions(bgpd->detect, view_region_cb, &a);
	if (!a.err && only != NULL && vr->n > 0) {
		a.cap = 0;
		detect_region_prefixes(bgpd->detect, only, view_prefix_cb, &a);
	}
	if (a.err) {
		view_regions_clear(vr);
		return -1;
	}
	return 0;
}

void
view_regions_clear(struct view_regions *vr)
{
	free(vr->r);
	free(vr->prefixes);
	memset(vr, 0, sizeof(*vr));
}

static void
view_region_json(struct json *j, const struct view_region *r)
{
	json_str(j, "name", r->name);
	json_str(j, "state", r->state);
	json_double(j, "visibility", r->visibility, 4);
	json_uint(j, "prefixes_visible", r->prefixes_visible);
	json_uint(j, "prefixes_total", r->prefixes_total);
	json_uint(j, "units_visible", r->units_visible);
	json_uint(j, "units_total", r->units_total);
	json_uint(j, "eligible_peers", r->eligible_peers);
	json_double(j, "since", r->since, 3);
	if (r->pending != NULL) {
		json_obj_open(j, "pending");
		json_str(j, "state", r->pending);
		json_double(j, "in", r->pending_in, 1);
		json_obj_close(j);
	}
}

/* One region: its object, with its prefixes inside. */
static int
view_region_one_json(const struct view_regions *vr, struct json *j)
{
	char	buf[BW_PREFIX_STRLEN];
	size_t	i;

	json_obj_open(j, NULL);
	view_region_json(j, &vr->r[0]);
	json_arr_open(j, "prefixes");
	for (i = 0; i < vr->nprefixes; i++) {
		json_obj_open(j, NULL);
		json_str(j, "prefix", prefix_fmt(&vr->prefixes[i].prefix, buf,
		    sizeof(buf)));
		json_uint(j, "visible_peers", vr->prefixes[i].visible_peers);
		json_obj_close(j);
	}
	return json_finish(j);
}

/* With only and no such region, -1 and nothing written. */
int
view_regions_json(const struct view_regions *vr, struct evbuffer *out)
{
	struct json	j;
	size_t		i;

	if (vr->only != NULL && vr->n == 0)
		return -1;
	if (!vr->configured)
		return evbuffer_add_printf(out, "{\"regions\":[]}\n") < 0 ?
		    -1 : 0;
	json_init(&j, out);
	if (vr->only != NULL)
		return view_region_one_json(vr, &j);
	json_obj_open(&j, NULL);
	json_arr_open(&j, "regions");
	for (i = 0; i < vr->n; i++) {
		json_obj_open(&j, NULL);
		view_region_json(&j, &vr->r[i]);
		json_obj_close(&j);
	}
	return json_finish(&j);
}

/* With only and no such region, -1 and nothing written. */
int
view_regions_text(const struct view_regions *vr, struct evbuffer *out)
{
	const struct view_region	*r;
	char				 buf[BW_PREFIX_STRLEN];
	size_t				 i;

	if (vr->only != NULL && vr->n == 0)
		return -1;
	if (!vr->configured)
		return evbuffer_add_printf(out, "no regions\n") < 0 ? -1 : 0;
	evbuffer_add_printf(out, "%-16s %-9s %8s %13s %17s %5s\n",
	    "Region", "State", "Visible", "Prefixes", "Units", "Peers");
	for (i = 0; i < vr->n; i++) {
		r = &vr->r[i];
		evbuffer_add_printf(out, "%-16s %-9s %7.1f%% %6u/%-6u "
		    "%8llu/%-8llu %5u\n", r->name, r->state,
		    r->visibility * 100, r->prefixes_visible,
		    r->prefixes_total, (unsigned long long)r->units_visible,
		    (unsigned long long)r->units_total, r->eligible_peers);
		if (r->pending != NULL)
			evbuffer_add_printf(out, "%-16s %s -> %s in %.0f s\n",
			    "", r->state, r->pending, r->pending_in + 0.49);
	}
	if (vr->only == NULL)
		return 0;
	evbuffer_add_printf(out, "\n  %-43s %5s\n", "Prefix", "Peers");
	for (i = 0; i < vr->nprefixes; i++)
		evbuffer_add_printf(out, "  %-43s %5u\n",
		    prefix_fmt(&vr->prefixes[i].prefix, buf, sizeof(buf)),
		    vr->prefixes[i].visible_peers);
	return 0;
}
