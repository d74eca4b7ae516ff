/*
 * region "NAME" { ... }: the region block's keywords (parse_priv.h).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "parse_priv.h"

/*
 * region "NAME" { ... }
 */

static int
rg_prefix(struct parser *p, void *arg)
{
	struct config_region *r = arg;
	struct bw_prefix pfx;
	char pb[BW_PREFIX_STRLEN];
	size_t i;

	if (get_prefix(p, &pfx) == -1)
		return -1;
	for (i = 0; i < r->nprefixes; i++)
		if (memcmp(&r->prefixes[i], &pfx, sizeof(pfx)) == 0) {
			perr(p, p->tok.line, "duplicate prefix %s in region",
			    prefix_fmt(&pfx, pb, sizeof(pb)));
			return -1;
		}
	r->prefixes = grow(r->prefixes, r->nprefixes, sizeof(*r->prefixes));
	r->prefixes[r->nprefixes++] = pfx;
	return 0;
}

static int
rg_origin_as(struct parser *p, void *arg)
{
	struct config_region *r = arg;
	uint32_t as;
	size_t i;

	if (get_asn(p, "origin-as", &as) == -1)
		return -1;
	for (i = 0; i < r->norigins; i++)
		if (r->origins[i] == as) {
			perr(p, p->tok.line, "duplicate origin-as %u in region",
			    as);
			return -1;
		}
	r->origins = grow(r->origins, r->norigins, sizeof(*r->origins));
	r->origins[r->norigins++] = as;
	return 0;
}

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
rg_country(struct parser *p, void *arg)
{
	struct config_region *r = arg;
	const char *s;
	char cc[3], q[QBUF];
	size_t i;

	if ((s = get_arg(p, "country code")) == NULL)
		return -1;
	if (strlen(s) != 2 || !is_alpha(s[0]) || !is_alpha(s[1])) {
		perr(p, p->tok.line, "invalid country code %s (two letters "
		    "expected)", quote(s, q, sizeof(q)));
		return -1;
	}
	cc[0] = s[0] & ~0x20;	/* ASCII uppercase */
	cc[1] = s[1] & ~0x20;
	cc[2] = '\0';
	for (i = 0; i < r->ncountries; i++)
		if (strcmp(r->countries[i], cc) == 0) {
			perr(p, p->tok.line, "duplicate country %s in region",
			    cc);
			return -1;
		}
	r->countries = grow(r->countries, r->ncountries,
	    sizeof(*r->countries));
	memcpy(r->countries[r->ncountries++], cc, sizeof(cc));
	return 0;
}

static int
rg_degraded_below(struct parser *p, void *arg)
{
	struct config_region *r = arg;

	return get_percent(p, "degraded-below", &r->degraded_below);
}

static int
rg_down_below(struct parser *p, void *arg)
{
	struct config_region *r = arg;

	return get_percent(p, "down-below", &r->down_below);
}

static int
rg_hold_down(struct parser *p, void *arg)
{
	struct config_region *r = arg;

	return get_duration(p, "hold-down", 0, &r->hold_down);
}

static int
rg_min_peers(struct parser *p, void *arg)
{
	struct config_region *r = arg;
	struct token *t = peek(p);
	uint8_t pct;

	if (t->type == TOK_WORD && strchr(t->text, '%') != NULL) {
		if (get_percent(p, "min-peers", &pct) == -1)
			return -1;
		r->min_peers_mode = CONF_MINPEERS_PERCENT;
		r->min_peers = pct;
		return 0;
	}
	if (get_u32(p, "min-peers", 1, 100000, &r->min_peers) == -1)
		return -1;
	r->min_peers_mode = CONF_MINPEERS_COUNT;
	return 0;
}

static int
rg_via_as(struct parser *p, void *arg)
{
	struct config_region *r = arg;

	return get_u32(p, "via-as", 1, UINT32_MAX, &r->via_as);
}

static int
rg_unstable_rate(struct parser *p, void *arg)
{
	struct config_region *r = arg;

	if (get_u32(p, "unstable-rate", 1, UINT32_MAX,
	    &r->unstable_changes) == -1)
		return -1;
	if (!accept_word(p, "per")) {
		perr(p, p->tok.line, "\"per\" expected in \"unstable-rate N "
		    "per DURATION\"");
		return -1;
	}
	return get_duration(p, "unstable-rate window", 1, &r->unstable_window);
}

static int
rg_description(struct parser *p, void *arg)
{
	struct config_region *r = arg;

	return get_string(p, "description", CONF_MAX_DESCR, &r->descr);
}

static const struct keyword kw_region[] = {
	{ "country",		rg_country,		0 },
	{ "degraded-below",	rg_degraded_below,	KW_ONCE },
	{ "description",	rg_description,		KW_ONCE },
	{ "down-below",		rg_down_below,		KW_ONCE },
	{ "hold-down",		rg_hold_down,		KW_ONCE },
	{ "min-peers",		rg_min_peers,		KW_ONCE },
	{ "origin-as",		rg_origin_as,		0 },
	{ "prefix",		rg_prefix,		0 },
	{ "unstable-rate",	rg_unstable_rate,	KW_ONCE },
	{ "via-as",		rg_via_as,		KW_ONCE },
	{ NULL,			NULL,			0 }
};

/* clean: the block had no errors (else a bad prefix is not "none"). */
static void
region_check(struct parser *p, const struct config_region *r, int clean)
{
	char q[QBUF];

	quote(r->name, q, sizeof(q));
	if (clean && r->nprefixes == 0 && r->norigins == 0 &&
	    r->ncountries == 0)
		perr(p, r->line, "region %s has no prefix, origin-as or "
		    "country", q);
	if (r->down_below > r->degraded_below)
		perr(p, r->line, "region %s: down-below %u%% is above "
		    "degraded-below %u%%", q, r->down_below,
		    r->degraded_below);
}

int
kw_region_block(struct parser *p, void *arg)
{
	struct config *conf = arg;
	struct config_region *r;
	char *name = NULL, q[QBUF];
	int line = p->tok.line, rc, nerrors;

	if (get_string(p, "region name", CONF_MAX_NAME, &name) == -1)
		return -1;
	if (config_find_region(conf, name) != NULL)
		perr(p, line, "duplicate region %s", quote(name, q, sizeof(q)));
	if ((r = calloc(1, sizeof(*r))) == NULL)
		fatal("region");
	r->name = name;
	r->line = line;
	r->degraded_below = CONF_DEFAULT_DEGRADED;
	r->down_below = CONF_DEFAULT_DOWN;
	r->hold_down = CONF_DEFAULT_HOLD_DOWN;
	TAILQ_INSERT_TAIL(&conf->regions, r, entry);
	nerrors = p->nerrors;
	rc = parse_block(p, kw_region, r, "region", line);
	if (rc == 0)
		region_check(p, r, p->nerrors == nerrors);
	return rc;
}
