/*
 * show memory: bytes and objects per subsystem as the daemon itself
 * counts them (RIB trie and route arrays, interned attribute sets and
 * blobs, peers), the bytes per route, and the resident set size the
 * kernel reports, to compare the two.  metrics.c exports the same
 * gathered figures.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core.h"
#include "json.h"
#include "view.h"

/* Resident set size from /proc (Linux); -1 elsewhere. */
static long long
view_rss(void)
{
	FILE		*f;
	long long	 size, rss;
	long		 page = sysconf(_SC_PAGESIZE);

	if ((f = fopen("/proc/self/statm", "r")) == NULL)
		return -1;
	if (fscanf(f, "%lld %lld", &size, &rss) != 2 || page <= 0)
		rss = -1;
	else
		rss *= page;
	fclose(f);
	return rss;
}

void
view_memory_gather(struct bgpd *bgpd, struct view_memory *m)
{
	uint8_t	aid;

	memset(m, 0, sizeof(*m));
	rib_mem(bgpd->rib, &m->rib);
	intern_mem(bgpd->intern, &m->in);
	m->peers = peer_count(&bgpd->peers);
	m->peer_bytes = m->peers * sizeof(struct peer);
	for (aid = AID_INET; aid < AID_MAX; aid++) {
		m->routes += rib_total_routes(bgpd->rib, aid);
		m->prefixes += rib_total_prefixes(bgpd->rib, aid);
	}
	m->total = m->rib.node_bytes + m->rib.route_bytes +
	    m->in.attr_bytes + m->in.blob_bytes + m->peer_bytes;
	m->rss = view_rss();
}

static double
view_per_route(const struct view_memory *m)
{
	return m->routes == 0 ? 0.0 : (double)m->total / (double)m->routes;
}

static void
view_memory_obj(struct json *j, const char *name, const char *count,
    size_t n, size_t bytes)
{
	json_obj_open(j, name);
	json_uint(j, count, n);
	json_uint(j, "bytes", bytes);
	json_obj_close(j);
}

int
view_memory_json(const struct view_memory *m, struct evbuffer *out)
{
	struct json	j;

	json_init(&j, out);
	json_obj_open(&j, NULL);
	view_memory_obj(&j, "rib_nodes", "nodes", m->rib.nodes,
	    m->rib.node_bytes);
	view_memory_obj(&j, "route_arrays", "arrays", m->rib.route_arrays,
	    m->rib.route_bytes);
	view_memory_obj(&j, "attribute_sets", "sets", m->in.attrs,
	    m->in.attr_bytes);
	view_memory_obj(&j, "blobs", "blobs", m->in.blobs, m->in.blob_bytes);
	view_memory_obj(&j, "peers", "peers", m->peers, m->peer_bytes);
	json_uint(&j, "total_bytes", m->total);
	json_uint(&j, "routes", m->routes);
	json_uint(&j, "prefixes", m->prefixes);
	json_double(&j, "bytes_per_route", view_per_route(m), 1);
	if (m->rss >= 0)
		json_int(&j, "rss_bytes", m->rss);
	else
		json_null(&j, "rss_bytes");
	return json_finish(&j);
}

static void
view_memory_line(struct evbuffer *out, const char *what, size_t n,
    size_t bytes)
{
	evbuffer_add_printf(out, "%-20s %12zu %14zu\n", what, n, bytes);
}

int
view_memory_text(const struct view_memory *m, struct evbuffer *out)
{
	evbuffer_add_printf(out, "%-20s %12s %14s\n", "Subsystem", "Objects",
	    "Bytes");
	view_memory_line(out, "RIB nodes", m->rib.nodes, m->rib.node_bytes);
	view_memory_line(out, "Route arrays", m->rib.route_arrays,
	    m->rib.route_bytes);
	view_memory_line(out, "Attribute sets", m->in.attrs,
	    m->in.attr_bytes);
	view_memory_line(out, "Blobs", m->in.blobs, m->in.blob_bytes);
	view_memory_line(out, "Peers", m->peers, m->peer_bytes);
	evbuffer_add_printf(out, "%-20s %12s %14zu\n\n", "Total", "",
	    m->total);
	evbuffer_add_printf(out, "%zu routes, %zu prefixes, %.1f bytes per "
	    "route\n", m->routes, m->prefixes, view_per_route(m));
	if (m->rss >= 0)
		evbuffer_add_printf(out, "Resident set size %lld bytes\n",
		    m->rss);
	return 0;
}
