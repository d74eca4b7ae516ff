/*
 * The canonical printer: writes a struct config back as configuration
 * text that the parser reads into an equal struct (the round-trip test
 * holds it to that).  `bgpwatchd -n -v` uses it to show the effective
 * configuration.
 *
 * Canonical means: one fixed order of sections and keywords, every
 * global setting spelled out (defaults included, so that the output
 * documents them), and inside neighbor and region blocks only what
 * differs from the defaults.  Durations and sizes use the largest unit
 * that divides them; ASNs are plain numbers; strings are always quoted.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"

/* Quotes s, escaping the two characters that need it. */
void
config_print_string(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

void
config_print_duration(FILE *fp, uint32_t s)
{
	if (s != 0 && s % 86400 == 0)
		fprintf(fp, "%ud", s / 86400);
	else if (s != 0 && s % 3600 == 0)
		fprintf(fp, "%uh", s / 3600);
	else if (s != 0 && s % 60 == 0)
		fprintf(fp, "%um", s / 60);
	else
		fprintf(fp, "%us", s);
}

static void
print_size(FILE *fp, uint64_t v)
{
	static const char units[] = "KMG";
	int u = -1;

	while (u < 2 && v != 0 && v % 1024 == 0) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		fprintf(fp, "%llu", (unsigned long long)v);
	else
		fprintf(fp, "%llu%c", (unsigned long long)v, units[u]);
}

static const char *
fmt_addr(const struct bw_addr *a, char *buf, size_t len)
{
	return addr_fmt(a, buf, len);
}

static void
print_globals(FILE *fp, const struct config *conf)
{
	char ab[BW_ADDR_STRLEN];
	size_t i;

	fprintf(fp, "local-as %u\n", conf->local_as);
	fprintf(fp, "router-id %s\n", fmt_addr(&conf->router_id, ab,
	    sizeof(ab)));
	for (i = 0; i < conf->nlistens; i++)
		fprintf(fp, "listen on %s port %u\n", fmt_addr(
		    &conf->listens[i].addr, ab, sizeof(ab)),
		    conf->listens[i].port);
	fprintf(fp, "control ");
	config_print_string(fp, conf->control_path);
	fputc('\n', fp);
	if (conf->collector_id != NULL) {
		fprintf(fp, "collector-id ");
		config_print_string(fp, conf->collector_id);
		fputc('\n', fp);
	}
	if (conf->user != NULL) {
		fprintf(fp, "user ");
		config_print_string(fp, conf->user);
		fputc('\n', fp);
	}
	fprintf(fp, "hold-time %u\nconnect-retry ", conf->hold_time);
	config_print_duration(fp, conf->connect_retry);
	fprintf(fp, "\neligible-after ");
	config_print_duration(fp, conf->eligible_after);
	fprintf(fp, "\nfull-feed %u%%\nlog-rate %u\n", conf->full_feed,
	    conf->log_rate);
	for (i = 0; i < conf->nrir_stats; i++) {
		fprintf(fp, "rir-stats ");
		config_print_string(fp, conf->rir_stats[i]);
		fputc('\n', fp);
	}
	if (conf->metrics.enabled)
		fprintf(fp, "metrics on %s port %u\n", fmt_addr(
		    &conf->metrics.addr, ab, sizeof(ab)), conf->metrics.port);
}

static void
print_neighbor_opts(FILE *fp, const struct config_neighbor *n)
{
	if (n->max_prefix != 0) {
		fprintf(fp, "\tmax-prefix %u", n->max_prefix);
		if (n->max_prefix_restart != CONF_DEFAULT_MAXPFX_RESTART) {
			fprintf(fp, " restart ");
			config_print_duration(fp, n->max_prefix_restart);
		}
		fputc('\n', fp);
	}
	if (n->flags & CONF_NB_ADDPATH_RX)
		fprintf(fp, "\tadd-path receive\n");
	if (n->flags & CONF_NB_HOLD_SET)
		fprintf(fp, "\thold-time %u\n", n->hold_time);
	if (!(n->flags & CONF_NB_GR))
		fprintf(fp, "\tgraceful-restart off\n");
	else if (n->gr_restart_time != CONF_DEFAULT_GR_TIME)
		fprintf(fp, "\tgraceful-restart restart-time %u\n",
		    n->gr_restart_time);
	if (n->flags & CONF_NB_SHUTDOWN)
		fprintf(fp, "\tshutdown\n");
}

static void
print_neighbor(FILE *fp, const struct config_neighbor *n)
{
	char ab[BW_ADDR_STRLEN];

	fprintf(fp, "\nneighbor %s {\n", fmt_addr(&n->addr, ab, sizeof(ab)));
	fprintf(fp, "\tremote-as %u\n", n->remote_as);
	if (n->descr != NULL) {
		fprintf(fp, "\tdescription ");
		config_print_string(fp, n->descr);
		fputc('\n', fp);
	}
	if (n->local_addr.aid != AID_UNSPEC)
		fprintf(fp, "\tlocal-address %s\n", fmt_addr(&n->local_addr,
		    ab, sizeof(ab)));
	if (n->flags & CONF_NB_PASSIVE)
		fprintf(fp, "\tpassive\n");
	if (n->port != CONF_DEFAULT_BGP_PORT)
		fprintf(fp, "\tport %u\n", n->port);
	if (n->md5key != NULL) {
		fprintf(fp, "\tmd5 ");
		config_print_string(fp, n->md5key);
		fputc('\n', fp);
	}
	if (n->flags & CONF_NB_TTL_SECURITY)
		fprintf(fp, "\tttl-security\n");
	print_neighbor_opts(fp, n);
	fprintf(fp, "}\n");
}

static void
print_region_members(FILE *fp, const struct config_region *r)
{
	char pb[BW_PREFIX_STRLEN];
	size_t i;

	for (i = 0; i < r->nprefixes; i++)
		fprintf(fp, "\tprefix %s\n", prefix_fmt(&r->prefixes[i], pb,
		    sizeof(pb)));
	for (i = 0; i < r->norigins; i++)
		fprintf(fp, "\torigin-as %u\n", r->origins[i]);
	for (i = 0; i < r->ncountries; i++)
		fprintf(fp, "\tcountry %s\n", r->countries[i]);
}

static void
print_region(FILE *fp, const struct config_region *r)
{
	fprintf(fp, "\nregion ");
	config_print_string(fp, r->name);
	fprintf(fp, " {\n");
	if (r->descr != NULL) {
		fprintf(fp, "\tdescription ");
		config_print_string(fp, r->descr);
		fputc('\n', fp);
	}
	print_region_members(fp, r);
	fprintf(fp, "\tdegraded-below %u%%\n\tdown-below %u%%\n\thold-down ",
	    r->degraded_below, r->down_below);
	config_print_duration(fp, r->hold_down);
	fputc('\n', fp);
	if (r->min_peers_mode == CONF_MINPEERS_COUNT)
		fprintf(fp, "\tmin-peers %u\n", r->min_peers);
	else if (r->min_peers_mode == CONF_MINPEERS_PERCENT)
		fprintf(fp, "\tmin-peers %u%%\n", r->min_peers);
	if (r->via_as != 0)
		fprintf(fp, "\tvia-as %u\n", r->via_as);
	if (r->unstable_changes != 0) {
		fprintf(fp, "\tunstable-rate %u per ", r->unstable_changes);
		config_print_duration(fp, r->unstable_window);
		fputc('\n', fp);
	}
	fprintf(fp, "}\n");
}

static void
print_subscriber(FILE *fp, const struct config_subscriber *s)
{
	char ab[BW_ADDR_STRLEN];

	if (s->type == CONF_SUB_UNIX) {
		fprintf(fp, "\tsubscribe unix ");
		config_print_string(fp, s->path);
		fprintf(fp, " mode 0%03o\n", (unsigned)s->mode);
		return;
	}
	fprintf(fp, "\tsubscribe tls %s port %u cert ", fmt_addr(&s->addr, ab,
	    sizeof(ab)), s->port);
	config_print_string(fp, s->cert);
	fprintf(fp, " key ");
	config_print_string(fp, s->key);
	if (s->ca != NULL) {
		fprintf(fp, " ca ");
		config_print_string(fp, s->ca);
	}
	fputc('\n', fp);
}

static void
print_events(FILE *fp, const struct config_events *ev)
{
	size_t i;

	fprintf(fp, "\nevents {\n");
	if (ev->log_path != NULL) {
		fprintf(fp, "\tlog ");
		config_print_string(fp, ev->log_path);
		if (ev->log_max_size != 0) {
			fprintf(fp, " max-size ");
			print_size(fp, ev->log_max_size);
		}
		fprintf(fp, " keep %u\n", ev->log_keep);
	}
	fprintf(fp, "\tqueue-limit ");
	print_size(fp, ev->queue_limit);
	fputc('\n', fp);
	for (i = 0; i < ev->nsubs; i++)
		print_subscriber(fp, &ev->subs[i]);
	config_kafka_print(fp, ev->kafka);
	fprintf(fp, "}\n");
}

void
config_print(FILE *fp, const struct config *conf)
{
	const struct config_neighbor *n;
	const struct config_region *r;

	print_globals(fp, conf);
	TAILQ_FOREACH(n, &conf->neighbors, entry)
		print_neighbor(fp, n);
	TAILQ_FOREACH(r, &conf->regions, entry)
		print_region(fp, r);
	print_events(fp, &conf->events);
	config_bmp_print(fp, &conf->bmp);
	config_mrt_print(fp, &conf->mrt);
	config_websocket_print(fp, &conf->websocket);
}

void
config_mrt_print(FILE *fp, const struct config_mrt *m)
{
	if (!m->enabled)
		return;
	fprintf(fp, "\nmrt {\n");
	if (m->updates != NULL) {
		fprintf(fp, "\tupdates ");
		config_print_string(fp, m->updates);
		fprintf(fp, " rotate ");
		config_print_duration(fp, m->rotate);
		if (m->all_messages)
			fprintf(fp, " all");
		fputc('\n', fp);
	}
	if (m->table != NULL) {
		fprintf(fp, "\ttable ");
		config_print_string(fp, m->table);
		fprintf(fp, " every ");
		config_print_duration(fp, m->every);
		fputc('\n', fp);
	}
	fprintf(fp, "\tcompress %s", config_mrt_compress_name(m->compress));
	if (m->level > 0)
		fprintf(fp, " level %u", m->level);
	fputc('\n', fp);
	fprintf(fp, "\tqueue-limit ");
	print_size(fp, m->queue_limit);
	fprintf(fp, "\n\texit-wait ");
	config_print_duration(fp, m->exit_wait);
	fprintf(fp, "\n}\n");
}
