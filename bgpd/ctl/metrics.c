/*
 * Prometheus metrics: `metrics on ADDR port N` serves the text exposition
 * format at /metrics with libevent's evhttp.  Everything is computed at
 * scrape time by the same gather functions as bgpwatchctl's views
 * (view_neighbors, view_status, view_memory: peer counters, RIB and
 * intern accounting, the loop stall probe), so this file never reads a
 * struct peer or struct bgpd itself and nothing here is on a hot path.
 * Other paths get 404; request bodies and headers are capped by evhttp's
 * limits set below.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "mrt_archive.h"
#include "core.h"
#include "metrics.h"
#include "metrics_priv.h"
#include "sock.h"
#include "status_http.h"
#include "view.h"

struct metrics {
	struct evhttp		*http;
	struct sock_pause	*pause;		/* accept again after EMFILE */
	struct bgpd		*bgpd;
};

/* The counters of every neighbor, one metric family each. */
static void
metrics_counters(struct evbuffer *b, const struct view_neighbors *vn)
{
	static const struct {
		const char	*name;
		const char	*help;
		size_t		 off;
	} ctr[] = {
		{ "bgpwatch_peer_updates_received_total", "UPDATE messages "
		    "received", offsetof(struct view_peer_counters,
		    updates_in) },
		{ "bgpwatch_peer_announcements_total", "prefixes announced "
		    "to us", offsetof(struct view_peer_counters, prefixes_in) },
		{ "bgpwatch_peer_withdrawals_total", "prefixes withdrawn",
		    offsetof(struct view_peer_counters, withdraws_in) },
		{ "bgpwatch_peer_treat_as_withdraw_total", "RFC 7606 "
		    "treat-as-withdraw UPDATEs",
		    offsetof(struct view_peer_counters, treat_as_withdraw) },
	};
	char a[BW_ADDR_STRLEN];
	uint64_t v;
	size_t i, k;

	for (i = 0; i < sizeof(ctr) / sizeof(ctr[0]); i++) {
		metrics_head(b, ctr[i].name, "counter", ctr[i].help);
		for (k = 0; k < vn->n; k++) {
			memcpy(&v, (const char *)&vn->v[k].c + ctr[i].off,
			    sizeof(v));
			evbuffer_add_printf(b, "%s{peer=\"%s\"} %llu\n",
			    ctr[i].name, addr_fmt(&vn->v[k].addr, a,
			    sizeof(a)), (unsigned long long)v);
		}
	}
	metrics_head(b, "bgpwatch_peer_flaps_total", "counter", "sessions lost");
	for (k = 0; k < vn->n; k++)
		evbuffer_add_printf(b, "bgpwatch_peer_flaps_total{peer=\"%s\"} "
		    "%u\n", addr_fmt(&vn->v[k].addr, a, sizeof(a)),
		    vn->v[k].c.flaps);
}

static void
metrics_peers(struct evbuffer *b, const struct view_neighbors *vn)
{
	const struct view_neighbor *v;
	char a[BW_ADDR_STRLEN];
	size_t k;
	uint8_t aid;

	metrics_head(b, "bgpwatch_peer_up", "gauge", "1 if the session is "
	    "Established");
	for (k = 0; k < vn->n; k++) {
		v = &vn->v[k];
		evbuffer_add_printf(b, "bgpwatch_peer_up{peer=\"%s\","
		    "asn=\"%u\"} %d\n", addr_fmt(&v->addr, a, sizeof(a)), v->remote_as,
		    v->established);
	}
	metrics_head(b, "bgpwatch_peer_routes", "gauge", "routes held per "
	    "peer and family");
	for (k = 0; k < vn->n; k++)
		for (aid = AID_INET; aid < AID_MAX; aid++)
			evbuffer_add_printf(b, "bgpwatch_peer_routes{"
			    "peer=\"%s\",family=\"%s\"} %zu\n", addr_fmt(&vn->v[k].addr,
			    a, sizeof(a)), view_aid_key(aid),
			    vn->v[k].prefixes[aid]);
	metrics_counters(b, vn);
}

static void
metrics_global(struct evbuffer *b, const struct view_status *st,
    const struct view_memory *m)
{
	metrics_head(b, "bgpwatch_rib_routes", "gauge", "routes in the RIB");
	evbuffer_add_printf(b, "bgpwatch_rib_routes{family=\"ipv4\"} %zu\n"
	    "bgpwatch_rib_routes{family=\"ipv6\"} %zu\n",
	    st->routes[AID_INET], st->routes[AID_INET6]);
	metrics_head(b, "bgpwatch_memory_bytes", "gauge", "bytes per "
	    "subsystem");
	evbuffer_add_printf(b, "bgpwatch_memory_bytes{subsystem=\"rib_nodes\"} "
	    "%zu\nbgpwatch_memory_bytes{subsystem=\"route_arrays\"} %zu\n"
	    "bgpwatch_memory_bytes{subsystem=\"attribute_sets\"} %zu\n"
	    "bgpwatch_memory_bytes{subsystem=\"blobs\"} %zu\n",
	    m->rib.node_bytes, m->rib.route_bytes, m->in.attr_bytes,
	    m->in.blob_bytes);
	metrics_head(b, "bgpwatch_loop_max_stall_seconds", "gauge", "longest "
	    "event loop stall since start");
	evbuffer_add_printf(b, "bgpwatch_loop_max_stall_seconds %.6f\n",
	    st->max_stall);
	metrics_head(b, "bgpwatch_loop_max_stall_cpu_seconds", "gauge",
	    "longest event loop stall since start, counting only the time "
	    "the loop ran (not its waits for a CPU)");
	evbuffer_add_printf(b, "bgpwatch_loop_max_stall_cpu_seconds %.6f\n",
	    st->max_stall_cpu);
	metrics_head(b, "bgpwatch_loop_stalls_over_50ms_total", "counter",
	    "event loop stalls longer than 50 ms");
	evbuffer_add_printf(b, "bgpwatch_loop_stalls_over_50ms_total %llu\n",
	    (unsigned long long)st->stalls_over_50ms);
	metrics_head(b, "bgpwatch_start_time_seconds", "gauge", "start time");
	evbuffer_add_printf(b, "bgpwatch_start_time_seconds %lld\n",
	    (long long)st->started);
}

/* The MRT archive's writer: what it wrote, queued and dropped. */
static void
metrics_mrt(struct evbuffer *b, struct bgpd *bgpd)
{
	struct mrt_archive_stats st;

	if (bgpd->mrt == NULL)
		return;
	mrt_archive_stats(bgpd->mrt, &st);
	metrics_u64(b, "bgpwatch_mrt_records_total", "counter",
	    "BGP4MP records archived", st.records);
	metrics_u64(b, "bgpwatch_mrt_dropped_records_total", "counter",
	    "BGP4MP records dropped because the writer queue was full",
	    st.dropped);
	metrics_u64(b, "bgpwatch_mrt_written_bytes_total", "counter",
	    "bytes handed to the archive files (before compression)",
	    st.written);
	metrics_u64(b, "bgpwatch_mrt_queue_bytes", "gauge",
	    "bytes waiting for the writer thread", st.queued);
	metrics_u64(b, "bgpwatch_mrt_file_errors_total", "counter",
	    "archive files that could not be written completely",
	    st.file_errors);
	metrics_u64(b, "bgpwatch_mrt_table_dumps_total", "counter",
	    "table dumps completed", st.dumps);
	metrics_head(b, "bgpwatch_mrt_table_dump_seconds", "gauge",
	    "duration of the last table dump");
	evbuffer_add_printf(b, "bgpwatch_mrt_table_dump_seconds %.3f\n",
	    st.dump_seconds);
	metrics_head(b, "bgpwatch_mrt_table_dump_routes", "gauge",
	    "routes in the last table dump");
	evbuffer_add_printf(b, "bgpwatch_mrt_table_dump_routes %llu\n",
	    (unsigned long long)st.dump_routes);
}

/* The whole exposition: the same gathered views as bgpwatchctl's. */
static int
metrics_render(struct evbuffer *b, struct bgpd *bgpd)
{
	struct view_status	st;
	struct view_memory	m;
	struct view_neighbors	vn;

	if (view_neighbors_gather(bgpd, NULL, &vn) == -1)
		return -1;
	view_status_gather(bgpd, 0, &st);
	view_memory_gather(bgpd, &m);
	metrics_global(b, &st, &m);
	metrics_peers(b, &vn);
	view_neighbors_clear(&vn);
	if (metrics_peer_info(b, bgpd) == -1 || metrics_regions(b, bgpd) == -1)
		return -1;
	metrics_events(b, bgpd);
	metrics_kafka(b, bgpd);
	metrics_process(b, bgpd);
	if (metrics_bmp(b, bgpd) == -1)
		return -1;
	status_metrics(b, bgpd);
	metrics_mrt(b, bgpd);
	return 0;
}

static void
metrics_cb(struct evhttp_request *req, void *arg)
{
	struct metrics *m = arg;
	struct evbuffer *b;

	/* HEAD: the same headers, and evhttp sends no body. */
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET &&
	    evhttp_request_get_command(req) != EVHTTP_REQ_HEAD) {
		evhttp_send_error(req, 405, "Method Not Allowed");
		return;
	}
	if ((b = evbuffer_new()) == NULL) {
		evhttp_send_error(req, 500, "Internal Server Error");
		return;
	}
	if (metrics_render(b, m->bgpd) == -1) {
		evbuffer_free(b);
		evhttp_send_error(req, 500, "Internal Server Error");
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		/* libevent would send a body given one: the length alone. */
		char len[32];

		snprintf(len, sizeof(len), "%zu", evbuffer_get_length(b));
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Content-Length", len);
		evbuffer_drain(b, evbuffer_get_length(b));
	}
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

static void
metrics_notfound(struct evhttp_request *req, void *arg)
{
	(void)arg;
	evhttp_send_error(req, 404, "Not Found");
}

struct metrics *
metrics_new(struct bgpd *bgpd, const struct config_metrics *mc)
{
	struct evhttp_bound_socket *h;
	struct metrics *m;
	char a[BW_ADDR_STRLEN];

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->bgpd = bgpd;
	if ((m->http = evhttp_new(bgpd->loop.base)) == NULL)
		goto fail;
	evhttp_set_max_headers_size(m->http, 8192);
	evhttp_set_max_body_size(m->http, 1024);
	evhttp_set_timeout(m->http, 10);
	evhttp_set_allowed_methods(m->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_cb(m->http, "/metrics", metrics_cb, m);
	status_http_attach(m->http, bgpd);
	evhttp_set_gencb(m->http, metrics_notfound, m);
	addr_fmt(&mc->addr, a, sizeof(a));
	if ((h = evhttp_bind_socket_with_handle(m->http, a, mc->port)) ==
	    NULL) {
		log_warn("metrics: cannot listen on %s port %u", a, mc->port);
		goto fail;
	}
	/* libevent 2.1 would retry a failing accept() at once, for ever. */
	if ((m->pause = sock_pause_attach(bgpd->loop.base,
	    evhttp_bound_socket_get_listener(h), "metrics")) == NULL)
		goto fail;
	log_info("metrics: listening on http://%s%s%s:%u/metrics",
	    mc->addr.aid == AID_INET6 ? "[" : "", a,
	    mc->addr.aid == AID_INET6 ? "]" : "", mc->port);
	return m;
fail:
	metrics_free(m);
	return NULL;
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	sock_pause_free(m->pause);
	if (m->http)
		evhttp_free(m->http);
	free(m);
}
