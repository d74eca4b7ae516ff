/*
 * show regions / show region NAME: the detector's view of each region
 * (state, visibility, prefixes and /24-/48 units visible, eligible peers)
 * and, for one region, the number of eligible peers that see each member
 * prefix.  Regions are few and small next to the RIB, so the answer is
 * built in one go.
 */
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>

#include "core.h"
#include "detect.h"
#include "json.h"
#include "show.h"

struct show_regions_arg {
	struct json	*j;
	struct evbuffer	*out;
	const char	*name;		/* only this one, or NULL */
	int		 found;
};

static int
show_region_json(const struct detect_region_info *ri, void *arg)
{
	struct show_regions_arg *a = arg;

	if (a->name != NULL && strcmp(a->name, ri->name) != 0)
		return 0;
	a->found++;
	json_obj_open(a->j, NULL);
	json_str(a->j, "name", ri->name);
	json_str(a->j, "state", region_state_name(ri->state));
	json_double(a->j, "visibility", ri->visibility, 4);
	json_uint(a->j, "prefixes_visible", ri->prefixes_visible);
	json_uint(a->j, "prefixes_total", ri->prefixes_total);
	json_uint(a->j, "units_visible", ri->units_visible);
	json_uint(a->j, "units_total", ri->units_total);
	json_uint(a->j, "eligible_peers", ri->eligible_peers);
	json_double(a->j, "since", ri->since, 3);
	if (a->name == NULL)
		json_obj_close(a->j);
	return 0;
}

static int
show_region_text(const struct detect_region_info *ri, void *arg)
{
	struct show_regions_arg *a = arg;

	if (a->name != NULL && strcmp(a->name, ri->name) != 0)
		return 0;
	a->found++;
	evbuffer_add_printf(a->out, "%-16s %-9s %7.1f%% %6u/%-6u %8llu/%-8llu "
	    "%5u\n", ri->name, region_state_name(ri->state),
	    ri->visibility * 100, ri->prefixes_visible, ri->prefixes_total,
	    (unsigned long long)ri->units_visible,
	    (unsigned long long)ri->units_total, ri->eligible_peers);
	return 0;
}

static int
show_prefix_json(const struct bw_prefix *pfx, uint32_t peers, void *arg)
{
	struct show_regions_arg *a = arg;
	char buf[BW_PREFIX_STRLEN];

	json_obj_open(a->j, NULL);
	json_str(a->j, "prefix", prefix_fmt(pfx, buf, sizeof(buf)));
	json_uint(a->j, "visible_peers", peers);
	json_obj_close(a->j);
	return 0;
}

static int
show_prefix_text(const struct bw_prefix *pfx, uint32_t peers, void *arg)
{
	struct show_regions_arg *a = arg;
	char buf[BW_PREFIX_STRLEN];

	evbuffer_add_printf(a->out, "  %-43s %5u\n",
	    prefix_fmt(pfx, buf, sizeof(buf)), peers);
	return 0;
}

int
show_regions(struct bgpd *bgpd, struct evbuffer *out, int json,
    const char *name)
{
	struct show_regions_arg a;
	struct json j;

	memset(&a, 0, sizeof(a));
	a.j = &j;
	a.out = out;
	a.name = name;
	if (bgpd->detect == NULL) {
		if (name != NULL)
			return -1;
		evbuffer_add_printf(out, json ? "{\"regions\":[]}\n" :
		    "no regions\n");
		return 0;
	}
	if (!json) {
		evbuffer_add_printf(out, "%-16s %-9s %8s %13s %17s %5s\n",
		    "Region", "State", "Visible", "Prefixes", "Units", "Peers");
		detect_regions(bgpd->detect, show_region_text, &a);
		if (name != NULL && a.found) {
			evbuffer_add_printf(out, "\n  %-43s %5s\n", "Prefix",
			    "Peers");
			detect_region_prefixes(bgpd->detect, name,
			    show_prefix_text, &a);
		}
		return name != NULL && !a.found ? -1 : 0;
	}
	json_init(&j, out);
	if (name == NULL) {
		json_obj_open(&j, NULL);
		json_arr_open(&j, "regions");
		detect_regions(bgpd->detect, show_region_json, &a);
		return json_finish(&j);
	}
	/* One region: its object, with its prefixes inside. */
	detect_regions(bgpd->detect, show_region_json, &a);
	if (!a.found)
		return -1;
	json_arr_open(&j, "prefixes");
	detect_region_prefixes(bgpd->detect, name, show_prefix_json, &a);
	return json_finish(&j);
}
