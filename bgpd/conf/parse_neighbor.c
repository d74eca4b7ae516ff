/*
 * neighbor ADDR { ... }: the neighbor block's keywords (parse_priv.h).
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
 * neighbor ADDR { ... }
 */

static int
nb_remote_as(struct parser *p, void *arg)
{
	struct config_neighbor *n = arg;

	return get_asn(p, "remote-as", &n->remote_as);
}

static int
nb_description(struct parser *p, void *arg)
{
	struct config_neighbor *n = arg;

	return get_string(p, "description", CONF_MAX_DESCR, &n->descr);
}

static int
nb_passive(struct parser *p, void *arg)
{
	struct config_neighbor *n = arg;

	(void)p;
	n->flags |= CONF_NB_PASSIVE;
	return 0;
}

static int
nb_port(struct parser *p, void *arg)
{
	struct config_neighbor *n = arg;

	return get_port(p, &n->port);
}

static int
nb_md5(struct parser *p, void *arg)
{
	struct config_neighbor *n = arg;

	parse_secret_seen(p, "md5");
	return get_string(p, "md5 key", CONF_MAX_MD5KEY, &n->md5key);
}

static int
nb_ttl_security(struct parser *p, void *arg)
{
	struct config_neighbor *n = arg;

	(void)p;
	n->flags |= CONF_NB_TTL_SECURITY;
	return 0;
}

static int
nb_max_prefix(struct parser *p, void *arg)
{
	struct config_neighbor *n = arg;

	if (get_u32(p, "max-prefix", 1, UINT32_MAX, &n->max_prefix) == -1)
		return -1;
	if (accept_word(p, "restart"))
		return get_duration(p, "max-prefix restart", 0,
		    &n->max_prefix_restart);
	return 0;
}

static int
nb_add_path(struct parser *p, void *arg)
{
	struct config_neighbor *n = arg;
	const char *s;
	char q[QBUF];

	if ((s = get_arg(p, "\"receive\"")) == NULL)
		return -1;
	if (strcmp(s, "receive") != 0) {
		perr(p, p->tok.line, "add-path: \"receive\" expected, got %s "
		    "(bgpwatchd never sends routes)", quote(s, q, sizeof(q)));
		return -1;
	}
	n->flags |= CONF_NB_ADDPATH_RX;
	return 0;
}

static int
nb_hold_time(struct parser *p, void *arg)
{
	struct config_neighbor *n = arg;

	if (get_holdtime(p, &n->hold_time) == -1)
		return -1;
	n->flags |= CONF_NB_HOLD_SET;
	return 0;
}

static int
nb_local_address(struct parser *p, void *arg)
{
	struct config_neighbor *n = arg;

	return get_addr(p, "local-address", &n->local_addr);
}

static int
nb_graceful_restart(struct parser *p, void *arg)
{
	struct config_neighbor *n = arg;
	uint32_t v;

	if (accept_word(p, "off")) {
		n->flags &= ~CONF_NB_GR;
		return 0;
	}
	n->flags |= CONF_NB_GR;
	if (!accept_word(p, "restart-time"))
		return 0;
	if (get_u32(p, "restart-time", 0, 4095, &v) == -1)
		return -1;
	n->gr_restart_time = v;
	return 0;
}

static int
nb_shutdown(struct parser *p, void *arg)
{
	struct config_neighbor *n = arg;

	(void)p;
	n->flags |= CONF_NB_SHUTDOWN;
	return 0;
}

static const struct keyword kw_neighbor[] = {
	{ "add-path",		nb_add_path,		KW_ONCE },
	{ "description",	nb_description,		KW_ONCE },
	{ "graceful-restart",	nb_graceful_restart,	KW_ONCE },
	{ "hold-time",		nb_hold_time,		KW_ONCE },
	{ "local-address",	nb_local_address,	KW_ONCE },
	{ "max-prefix",		nb_max_prefix,		KW_ONCE },
	{ "md5",		nb_md5,			KW_ONCE },
	{ "passive",		nb_passive,		KW_ONCE },
	{ "port",		nb_port,		KW_ONCE },
	{ "remote-as",		nb_remote_as,		KW_ONCE },
	{ "shutdown",		nb_shutdown,		KW_ONCE },
	{ "ttl-security",	nb_ttl_security,	KW_ONCE },
	{ NULL,			NULL,			0 }
};

static struct config_neighbor *
neighbor_new(const struct bw_addr *a, int line)
{
	struct config_neighbor *n;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		fatal("neighbor_new");
	n->addr = *a;
	n->line = line;
	n->port = CONF_DEFAULT_BGP_PORT;
	n->max_prefix_restart = CONF_DEFAULT_MAXPFX_RESTART;
	n->gr_restart_time = CONF_DEFAULT_GR_TIME;
	n->flags = CONF_NB_GR;
	return n;
}

/* Checks that need the whole block. */
static void
neighbor_check(struct parser *p, const struct config_neighbor *n)
{
	char ab[BW_ADDR_STRLEN], lb[BW_ADDR_STRLEN];

	addr_fmt(&n->addr, ab, sizeof(ab));
	if (n->remote_as == 0)
		perr(p, n->line, "neighbor %s: remote-as missing", ab);
	if (n->local_addr.aid != AID_UNSPEC &&
	    n->local_addr.aid != n->addr.aid)
		perr(p, n->line, "neighbor %s: local-address %s is not of the "
		    "same address family", ab,
		    addr_fmt(&n->local_addr, lb, sizeof(lb)));
}

int
kw_neighbor_block(struct parser *p, void *arg)
{
	struct config *conf = arg;
	struct config_neighbor *n;
	struct bw_addr a;
	static const uint8_t zero[BW_ADDR_MAX];
	char ab[BW_ADDR_STRLEN];
	int line = p->tok.line, rc;

	if (get_addr(p, "neighbor address", &a) == -1)
		return -1;
	addr_fmt(&a, ab, sizeof(ab));
	if (memcmp(a.b, zero, sizeof(zero)) == 0) {
		perr(p, line, "neighbor %s: not a peer address", ab);
		return -1;
	}
	if (config_find_neighbor(conf, &a) != NULL)
		perr(p, line, "duplicate neighbor %s", ab);
	n = neighbor_new(&a, line);
	TAILQ_INSERT_TAIL(&conf->neighbors, n, entry);
	rc = parse_block(p, kw_neighbor, n, "neighbor", line);
	if (rc == 0)
		neighbor_check(p, n);
	return rc;
}
