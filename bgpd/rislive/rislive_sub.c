/*
 * Subscriptions: ris_subscribe's filters as RIS Live documents them
 * (host, type, require, peer, path, prefix with moreSpecific and
 * lessSpecific, socketOptions) parsed with jansson into struct rl_sub,
 * and the match of a message view against one; bgpwatch_subscribe's
 * region and event type filters.  Anything malformed is refused with a
 * message for ris_error: nothing a client sends is trusted.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "rislive_priv.h"

static const char *const rl_types[RL_T_MAX] = {
	"UPDATE", "OPEN", "NOTIFICATION", "KEEPALIVE", "RIS_PEER_STATE"
};

static int
rl_bool(json_t *v, const char *name, uint8_t *out, char *err, size_t len)
{
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_boolean(v)) {
		snprintf(err, len, "%s must be a boolean", name);
		return -1;
	}
	*out = json_is_true(v) ? 1 : 0;
	return 0;
}

/* "64496", 64496 or "AS64496". */
static int
rl_asn(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (strncasecmp(s, "AS", 2) == 0)
		s += 2;
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/*
 * RIS Live's path forms: an ASN (number or string), or a string of
 * comma-separated ASNs, "^" anchoring it at the peer side and "$" at
 * the origin; without anchors it matches anywhere, contiguously.
 */
static int
rl_path_parse(json_t *v, struct rl_sub *s, char *err, size_t len)
{
	char buf[RL_MAX_PATH * 12], *p, *tok, *save;
	size_t n;

	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0 ||
		    json_integer_value(v) > UINT32_MAX)
			goto bad;
		s->path = calloc(1, sizeof(*s->path));
		if (s->path == NULL)
			fatal("rislive path");
		s->path[0] = (uint32_t)json_integer_value(v);
		s->npath = 1;
		return 0;
	}
	if (!json_is_string(v))
		goto bad;
	n = json_string_length(v);
	if (n == 0 || n >= sizeof(buf))
		goto bad;
	memcpy(buf, json_string_value(v), n + 1);
	p = buf;
	while (*p == ' ')
		p++;
	if (*p == '^') {
		s->anchor_start = 1;
		p++;
	}
	n = strlen(p);
	while (n > 0 && p[n - 1] == ' ')
		p[--n] = '\0';
	if (n > 0 && p[n - 1] == '$') {
		s->anchor_end = 1;
		p[--n] = '\0';
	}
	if ((s->path = calloc(RL_MAX_PATH, sizeof(*s->path))) == NULL)
		fatal("rislive path");
	for (tok = strtok_r(p, ", ", &save); tok != NULL;
	    tok = strtok_r(NULL, ", ", &save)) {
		if (s->npath == RL_MAX_PATH || rl_asn(tok, &s->path[s->npath])
		    == -1)
			goto bad;
		s->npath++;
	}
	if (s->npath == 0)
		goto bad;
	return 0;
 bad:
	snprintf(err, len, "path must be an ASN or a pattern such as "
	    "\"^64496,64497\" or \"64511$\" (at most %d ASNs)", RL_MAX_PATH);
	return -1;
}

static int
rl_prefix_one(json_t *v, struct rl_sub *s, char *err, size_t len)
{
	struct bw_prefix pfx;
	struct bw_addr a;
	const char *str;

	if (!json_is_string(v))
		goto bad;
	str = json_string_value(v);
	if (prefix_parse(str, &pfx) == -1) {
		/* A bare address is its host prefix. */
		if (addr_parse(str, &a) == -1)
			goto bad;
		prefix_set(&pfx, a.aid, a.b, (uint8_t)aid_maxplen(a.aid));
	}
	if (s->npfx >= RL_MAX_PREFIXES) {
		snprintf(err, len, "at most %d prefixes per subscription",
		    RL_MAX_PREFIXES);
		return -1;
	}
	s->pfx[s->npfx++] = pfx;
	return 0;
 bad:
	snprintf(err, len, "prefix must be a prefix such as "
	    "\"192.0.2.0/24\" or a list of them");
	return -1;
}

static int
rl_prefix_parse(json_t *v, struct rl_sub *s, char *err, size_t len)
{
	size_t i;
	json_t *e;

	if ((s->pfx = calloc(RL_MAX_PREFIXES, sizeof(*s->pfx))) == NULL)
		fatal("rislive prefixes");
	if (!json_is_array(v))
		return rl_prefix_one(v, s, err, len);
	json_array_foreach(v, i, e)
		if (rl_prefix_one(e, s, err, len) == -1)
			return -1;
	return 0;
}

static int
rl_type_parse(json_t *v, struct rl_sub *s, char *err, size_t len)
{
	int t;

	if (json_is_string(v))
		for (t = 0; t < RL_T_MAX; t++)
			if (strcmp(json_string_value(v), rl_types[t]) == 0) {
				s->types = 1 << t;
				return 0;
			}
	snprintf(err, len, "type must be one of UPDATE, OPEN, NOTIFICATION, "
	    "KEEPALIVE, RIS_PEER_STATE");
	return -1;
}

static int
rl_sockopts(json_t *v, struct rl_sub *s, uint8_t *ack, char *err,
    size_t len)
{
	const char *k;
	json_t *e;

	if (json_is_null(v))
		return 0;
	if (!json_is_object(v)) {
		snprintf(err, len, "socketOptions must be an object");
		return -1;
	}
	json_object_foreach(v, k, e) {
		if (strcmp(k, "includeRaw") == 0) {
			if (rl_bool(e, k, &s->raw, err, len) == -1)
				return -1;
		} else if (strcmp(k, "acknowledge") == 0) {
			if (rl_bool(e, k, ack, err, len) == -1)
				return -1;
		} else {
			snprintf(err, len, "unknown socketOptions member "
			    "\"%.40s\"", k);
			return -1;
		}
	}
	return 0;
}

/* One member of a ris_subscribe's data. */
static int
rl_sub_member(const char *k, json_t *e, struct rl_sub *s, uint8_t *ack,
    char *err, size_t len)
{
	const char *str;

	if (strcmp(k, "socketOptions") == 0)
		return rl_sockopts(e, s, ack, err, len);
	if (strcmp(k, "moreSpecific") == 0)
		return rl_bool(e, k, &s->more, err, len);
	if (strcmp(k, "lessSpecific") == 0)
		return rl_bool(e, k, &s->less, err, len);
	if (json_is_null(e))
		return 0;
	if (strcmp(k, "prefix") == 0)
		return rl_prefix_parse(e, s, err, len);
	if (strcmp(k, "path") == 0)
		return rl_path_parse(e, s, err, len);
	if (strcmp(k, "type") == 0)
		return rl_type_parse(e, s, err, len);
	str = json_is_string(e) ? json_string_value(e) : NULL;
	if (strcmp(k, "host") == 0) {
		if (str == NULL || json_string_length(e) > 255)
			goto bad;
		if ((s->host = strdup(str)) == NULL)
			fatal("rislive host");
		return 0;
	}
	if (strcmp(k, "peer") == 0) {
		if (str == NULL || addr_parse(str, &s->peer) == -1)
			goto bad;
		s->has_peer = 1;
		return 0;
	}
	if (strcmp(k, "require") == 0) {
		if (str != NULL && strcmp(str, "announcements") == 0)
			s->require = RL_REQ_ANN;
		else if (str != NULL && strcmp(str, "withdrawals") == 0)
			s->require = RL_REQ_WD;
		else
			goto bad;
		return 0;
	}
	snprintf(err, len, "unknown ris_subscribe parameter \"%.40s\"", k);
	return -1;
 bad:
	snprintf(err, len, "invalid value for %s", k);
	return -1;
}

char *
rl_sub_key(struct json_t *data)
{
	json_t *copy;
	char *key;

	if (data == NULL || !json_is_object(data))
		return strdup("{}");
	if ((copy = json_deep_copy(data)) == NULL)
		return NULL;
	json_object_del(copy, "socketOptions");
	key = json_dumps(copy, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(copy);
	return key;
}

int
rl_sub_parse(json_t *data, struct rl_sub *s, char *err, size_t len)
{
	uint8_t ack = 0;
	const char *k;
	json_t *e;

	memset(s, 0, sizeof(*s));
	s->more = 1;
	if (data != NULL && !json_is_null(data) && !json_is_object(data)) {
		snprintf(err, len, "data must be an object");
		return -1;
	}
	if (data != NULL && json_is_object(data))
		json_object_foreach(data, k, e)
			if (rl_sub_member(k, e, s, &ack, err, len) == -1)
				goto fail;
	if ((s->key = rl_sub_key(data)) == NULL) {
		snprintf(err, len, "cannot encode the subscription");
		goto fail;
	}
	return ack;
 fail:
	rl_sub_free(s);
	return -1;
}

void
rl_sub_free(struct rl_sub *s)
{
	free(s->host);
	free(s->path);
	free(s->pfx);
	free(s->key);
	memset(s, 0, sizeof(*s));
}

static int
rl_path_match(const struct rl_sub *s, const struct rl_view *v)
{
	size_t first, last, i;

	if (s->npath > v->npath)
		return 0;
	first = 0;
	last = v->npath - s->npath;
	if (s->anchor_start)
		last = 0;
	if (s->anchor_end)
		first = v->npath - s->npath;
	if (first > last)
		return 0;
	for (; first <= last; first++) {
		for (i = 0; i < s->npath; i++)
			if (v->path[first + i] != s->path[i])
				break;
		if (i == s->npath)
			return 1;
	}
	return 0;
}

static int
rl_pfx_match_one(const struct rl_sub *s, const struct bw_prefix *p)
{
	size_t i;

	for (i = 0; i < s->npfx; i++) {
		if (s->pfx[i].aid != p->aid)
			continue;
		if (s->pfx[i].len == p->len) {
			if (memcmp(s->pfx[i].b, p->b, sizeof(p->b)) == 0)
				return 1;
		} else if (s->pfx[i].len < p->len) {
			if (s->more && prefix_contains(&s->pfx[i], p))
				return 1;
		} else if (s->less && prefix_contains(p, &s->pfx[i]))
			return 1;
	}
	return 0;
}

static int
rl_pfx_match(const struct rl_sub *s, const struct rl_view *v)
{
	size_t i;

	for (i = 0; i < v->nann; i++)
		if (rl_pfx_match_one(s, &v->ann[i]))
			return 1;
	for (i = 0; i < v->nwd; i++)
		if (rl_pfx_match_one(s, &v->wd[i]))
			return 1;
	return 0;
}

int
rl_sub_match(const struct rl_sub *s, const struct rl_view *v,
    const char *host)
{
	if (s->types != 0 && !(s->types & (1 << v->type)))
		return 0;
	if (s->host != NULL && strcmp(s->host, host) != 0)
		return 0;
	if (s->has_peer && memcmp(&s->peer, &v->tp->peer_addr,
	    sizeof(s->peer)) != 0)
		return 0;
	if ((s->require & RL_REQ_ANN) && v->nann == 0)
		return 0;
	if ((s->require & RL_REQ_WD) && v->nwd == 0)
		return 0;
	if (s->npath > 0 && (v->type != RL_T_UPDATE || !rl_path_match(s, v)))
		return 0;
	if (s->npfx > 0 && (v->type != RL_T_UPDATE || !rl_pfx_match(s, v)))
		return 0;
	return 1;
}

/* A string or an array of strings into (*out, *n). */
static int
rl_strlist(json_t *v, const char *name, char ***out, size_t *n, char *err,
    size_t len)
{
	size_t i, cnt;
	json_t *e;

	if (json_is_null(v))
		return 0;
	cnt = json_is_array(v) ? json_array_size(v) : 1;
	if (cnt > RL_MAX_REGIONS) {
		snprintf(err, len, "at most %d values for %s", RL_MAX_REGIONS,
		    name);
		return -1;
	}
	if ((*out = calloc(cnt ? cnt : 1, sizeof(**out))) == NULL)
		fatal("rislive list");
	for (i = 0; i < cnt; i++) {
		e = json_is_array(v) ? json_array_get(v, i) : v;
		if (!json_is_string(e) || json_string_length(e) > 255) {
			snprintf(err, len, "%s must be a string or a list of "
			    "strings", name);
			return -1;
		}
		if (((*out)[(*n)++] = strdup(json_string_value(e))) == NULL)
			fatal("rislive list");
	}
	return 0;
}

int
rl_evsub_parse(json_t *data, struct rl_evsub *es, uint64_t *from,
    int *has_from, char *err, size_t len)
{
	const char *k;
	json_t *e;

	memset(es, 0, sizeof(*es));
	*has_from = 0;
	if (data == NULL || json_is_null(data))
		return 0;
	if (!json_is_object(data)) {
		snprintf(err, len, "data must be an object");
		return -1;
	}
	json_object_foreach(data, k, e) {
		if (strcmp(k, "region") == 0) {
			if (rl_strlist(e, k, &es->regions, &es->nregions, err,
			    len) == -1)
				goto fail;
		} else if (strcmp(k, "type") == 0) {
			if (rl_strlist(e, k, &es->types, &es->ntypes, err,
			    len) == -1)
				goto fail;
		} else if (strcmp(k, "from") == 0) {
			if (!json_is_integer(e) || json_integer_value(e) < 0) {
				snprintf(err, len, "from must be a seq (an "
				    "unsigned integer)");
				goto fail;
			}
			*from = (uint64_t)json_integer_value(e);
			*has_from = 1;
		} else {
			snprintf(err, len, "unknown bgpwatch_subscribe "
			    "parameter \"%.40s\"", k);
			goto fail;
		}
	}
	return 0;
 fail:
	rl_evsub_free(es);
	return -1;
}

void
rl_evsub_free(struct rl_evsub *es)
{
	size_t i;

	for (i = 0; i < es->nregions; i++)
		free(es->regions[i]);
	for (i = 0; i < es->ntypes; i++)
		free(es->types[i]);
	free(es->regions);
	free(es->types);
	memset(es, 0, sizeof(*es));
}

static int
rl_in(char *const *list, size_t n, const char *s)
{
	size_t i;

	if (n == 0)
		return 1;
	if (s == NULL)
		return 0;
	for (i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

int
rl_evsub_match(const struct rl_evsub *es, const struct rislive_event *ev)
{
	return rl_in(es->types, es->ntypes, ev->type) &&
	    rl_in(es->regions, es->nregions, ev->region);
}
