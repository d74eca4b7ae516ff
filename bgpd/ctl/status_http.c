/*
 * The status page on the metrics listener (`metrics on`): GET / serves
 * the RIS Live stream's page (bgpd/rislive/status.html) pointed at the
 * configured `websocket`, and /regions.json and /neighbors.json give it
 * the starting state: the same documents as `bgpwatchctl -j show
 * regions` and `show neighbors`.  Also the stream's metrics.
 */
#include <stdio.h>
#include <stdlib.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "core.h"
#include "rislive.h"
#include "status_http.h"
#include "view.h"

static int
status_get(struct evhttp_request *req)
{
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);

	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_send_error(req, 405, "Method Not Allowed");
		return 0;
	}
	return 1;
}

static void
status_reply(struct evhttp_request *req, struct evbuffer *b, int ok,
    const char *type)
{
	if (!ok) {
		evhttp_send_error(req, 500, "Internal Server Error");
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", type);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Cache-Control", "no-store");
	evhttp_send_reply(req, 200, "OK", b);
}

static void
status_page_cb(struct evhttp_request *req, void *arg)
{
	struct bgpd *bgpd = arg;
	struct evbuffer *b;
	char url[128];

	if (!status_get(req) || (b = evbuffer_new()) == NULL)
		return;
	rislive_url(&bgpd->conf->websocket, url, sizeof(url));
	status_reply(req, b, rislive_page_write(b, url) == 0,
	    "text/html; charset=utf-8");
	evbuffer_free(b);
}

static void
status_regions_cb(struct evhttp_request *req, void *arg)
{
	struct view_regions vr;
	struct evbuffer *b;
	int ok;

	if (!status_get(req) || (b = evbuffer_new()) == NULL)
		return;
	ok = view_regions_gather(arg, NULL, &vr) == 0;
	if (ok) {
		ok = view_regions_json(&vr, b) == 0;
		view_regions_clear(&vr);
	}
	status_reply(req, b, ok, "application/json");
	evbuffer_free(b);
}

static void
status_neighbors_cb(struct evhttp_request *req, void *arg)
{
	struct view_neighbors vn;
	struct evbuffer *b;
	int ok;

	if (!status_get(req) || (b = evbuffer_new()) == NULL)
		return;
	ok = view_neighbors_gather(arg, NULL, &vn) == 0;
	if (ok) {
		ok = view_neighbors_json(&vn, b) == 0;
		view_neighbors_clear(&vn);
	}
	status_reply(req, b, ok, "application/json");
	evbuffer_free(b);
}

void
status_http_attach(struct evhttp *http, struct bgpd *bgpd)
{
	evhttp_set_cb(http, "/", status_page_cb, bgpd);
	evhttp_set_cb(http, "/index.html", status_page_cb, bgpd);
	evhttp_set_cb(http, "/regions.json", status_regions_cb, bgpd);
	evhttp_set_cb(http, "/neighbors.json", status_neighbors_cb, bgpd);
}

void
status_metrics(struct evbuffer *b, struct bgpd *bgpd)
{
	struct rislive_stats st;
	int i;

	if (bgpd->rislive == NULL)
		return;
	rislive_stats(bgpd->rislive, &st);
	evbuffer_add_printf(b,
	    "# HELP bgpwatch_rislive_clients WebSocket clients connected\n"
	    "# TYPE bgpwatch_rislive_clients gauge\n"
	    "bgpwatch_rislive_clients %llu\n"
	    "# HELP bgpwatch_rislive_subscriptions active subscriptions\n"
	    "# TYPE bgpwatch_rislive_subscriptions gauge\n"
	    "bgpwatch_rislive_subscriptions %llu\n"
	    "# HELP bgpwatch_rislive_queued_bytes bytes waiting for clients\n"
	    "# TYPE bgpwatch_rislive_queued_bytes gauge\n"
	    "bgpwatch_rislive_queued_bytes %llu\n"
	    "# HELP bgpwatch_rislive_connections_total connections accepted\n"
	    "# TYPE bgpwatch_rislive_connections_total counter\n"
	    "bgpwatch_rislive_connections_total %llu\n"
	    "# HELP bgpwatch_rislive_messages_total messages sent to clients\n"
	    "# TYPE bgpwatch_rislive_messages_total counter\n"
	    "bgpwatch_rislive_messages_total %llu\n"
	    "# HELP bgpwatch_rislive_sent_bytes_total bytes of them\n"
	    "# TYPE bgpwatch_rislive_sent_bytes_total counter\n"
	    "bgpwatch_rislive_sent_bytes_total %llu\n"
	    "# HELP bgpwatch_rislive_errors_total ris_error replies\n"
	    "# TYPE bgpwatch_rislive_errors_total counter\n"
	    "bgpwatch_rislive_errors_total %llu\n"
	    "# HELP bgpwatch_rislive_drops_total clients cut or refused, by "
	    "reason\n# TYPE bgpwatch_rislive_drops_total counter\n",
	    (unsigned long long)st.clients,
	    (unsigned long long)st.subscriptions,
	    (unsigned long long)st.queued,
	    (unsigned long long)st.connections,
	    (unsigned long long)st.messages, (unsigned long long)st.bytes,
	    (unsigned long long)st.errors);
	for (i = 0; i < RL_DROP_MAX; i++)
		evbuffer_add_printf(b, "bgpwatch_rislive_drops_total{reason="
		    "\"%s\"} %llu\n", rislive_drop_name(i),
		    (unsigned long long)st.drops[i]);
	evbuffer_add_printf(b,
	    "# HELP bgpwatch_rislive_deflate_clients clients with "
	    "permessage-deflate\n"
	    "# TYPE bgpwatch_rislive_deflate_clients gauge\n"
	    "bgpwatch_rislive_deflate_clients %llu\n"
	    "# HELP bgpwatch_rislive_lost_total messages not streamed: the "
	    "stream's thread was behind by its whole inbox\n"
	    "# TYPE bgpwatch_rislive_lost_total counter\n"
	    "bgpwatch_rislive_lost_total %llu\n",
	    (unsigned long long)st.deflate, (unsigned long long)st.lost);
}
