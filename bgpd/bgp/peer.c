/*
 * The peer registry.  A peer is created for each configured neighbor:
 * its source in the RIB door is attached (a RIB slot), its FSM timers
 * set up, and it starts.  Incoming connections reach a peer through the
 * accept hook handed to the transport: an unconfigured address is
 * refused with a rate-limited log line, before anything is read.  A
 * reload re-points surviving peers at their entry in the new
 * configuration, which the FSM then reads through the shared bgp_env.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "loop.h"
#include "peer.h"

/* The transport's accept hook: the peer for addr, if it takes one now. */
static struct peer *
peer_accept(void *arg, const struct bw_addr *a,
    const struct config_neighbor **nb)
{
	struct peer_reg *reg = arg;
	struct peer *p;
	char buf[BW_ADDR_STRLEN];

	if ((p = peer_find(reg, a)) == NULL) {
		if (log_ratelimit_allow(&reg->rl_unknown, time(NULL), NULL))
			log_warnx("connection from unconfigured address %s "
			    "refused", addr_fmt(a, buf, sizeof(buf)));
		return NULL;
	}
	if (!fsm_accepting(p)) {
		log_peer_warnx_rl(&p->src.rl, a, "connection refused: %s",
		    p->idle_hold ? "idle after max-prefix" : "shut down");
		return NULL;
	}
	*nb = p->conf;
	return p;
}

void
peer_reg_init(struct peer_reg *reg, struct loop *loop, struct adjrib *door,
    const struct msgtap *tap, const struct config *conf, uint8_t *scratch)
{
	memset(reg, 0, sizeof(*reg));
	TAILQ_INIT(&reg->list);
	reg->env.conf = conf;
	reg->env.loop = loop;
	reg->env.door = door;
	reg->env.tap = tap;
	reg->env.scratch = scratch;
	session_ctx_init(&reg->env.sess, loop->base, &fsm_session_hooks,
	    peer_accept, reg);
}

void
peer_reg_free(struct peer_reg *reg)
{
	struct peer *p;

	while ((p = TAILQ_FIRST(&reg->list)) != NULL)
		peer_delete(p, ERR_CEASE_ADMIN_DOWN, NULL);
	session_linger_flush(&reg->env.sess);
	session_unlisten(&reg->env.sess);
}

int
peer_reg_listen(struct peer_reg *reg)
{
	return session_listen(&reg->env.sess, reg->env.conf);
}

void
peer_reg_start(struct peer_reg *reg)
{
	struct config_neighbor *nb;

	TAILQ_FOREACH(nb, &reg->env.conf->neighbors, entry)
		peer_new(reg, nb);
}

struct peer *
peer_new(struct peer_reg *reg, const struct config_neighbor *nb)
{
	struct peer *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		fatal("peer_new");
	if (adjrib_src_attach(reg->env.door, &p->src, &nb->addr,
	    nb->remote_as) == -1) {
		log_peer_warnx(&nb->addr, "too many peers");
		free(p);
		return NULL;
	}
	p->src.max_prefix = nb->max_prefix;
	p->env = &reg->env;
	p->reg = reg;
	p->conf = nb;
	fsm_init(p);
	TAILQ_INSERT_TAIL(&reg->list, p, entry);
	fsm_start(p);
	return p;
}

void
peer_delete(struct peer *p, uint8_t subcode, const char *why)
{
	struct peer_reg *reg = p->reg;

	p->removed = 1;
	fsm_stop_shutdown(p, subcode, why);
	adjrib_src_detach(&p->src);
	fsm_free(p);
	TAILQ_REMOVE(&reg->list, p, entry);
	free(p);
}

struct peer *
peer_find(struct peer_reg *reg, const struct bw_addr *a)
{
	struct peer *p;

	TAILQ_FOREACH(p, &reg->list, entry)
		if (memcmp(&p->conf->addr, a, sizeof(*a)) == 0)
			return p;
	return NULL;
}

struct peer *
peer_find_conf(struct peer_reg *reg, const struct config_neighbor *nb)
{
	struct peer *p;

	TAILQ_FOREACH(p, &reg->list, entry)
		if (p->conf == nb)
			return p;
	return NULL;
}

size_t
peer_count(const struct peer_reg *reg)
{
	const struct peer *p;
	size_t n = 0;

	TAILQ_FOREACH(p, &reg->list, entry)
		n++;
	return n;
}

void
peer_shutdown_all(struct peer_reg *reg, const char *msg)
{
	struct peer *p;

	reg->env.shutting_down = 1;
	TAILQ_FOREACH(p, &reg->list, entry)
		fsm_stop_shutdown(p, ERR_CEASE_ADMIN_DOWN, msg);
}

/* Neighbors of the new config that differ from the running peer. */
static void
peer_reg_diff(struct peer_reg *reg, const struct config *nconf)
{
	const struct config_neighbor *onb;
	struct config_neighbor *nb;
	struct peer *p, *next;

	for (p = TAILQ_FIRST(&reg->list); p != NULL; p = next) {
		next = TAILQ_NEXT(p, entry);
		onb = p->conf;
		nb = config_find_neighbor(nconf, &onb->addr);
		if (nb == NULL) {
			log_peer_info(&onb->addr, "removed from the "
			    "configuration");
			session_update_md5(&reg->env.sess, onb, 0);
			peer_delete(p, ERR_CEASE_PEER_UNCONF,
			    "neighbor removed from configuration");
		} else if (config_neighbor_needs_reset(onb, nb)) {
			log_peer_info(&onb->addr, "configuration changed, "
			    "resetting");
			peer_delete(p, ERR_CEASE_CONFIG_CHANGE,
			    "neighbor configuration changed");
		} else {
			p->conf = nb;
			p->src.max_prefix = nb->max_prefix;
		}
	}
}

/* 1 if both configs listen on the same sockets. */
static int
peer_same_listens(const struct config *a, const struct config *b)
{
	return a->nlistens == b->nlistens && memcmp(a->listens, b->listens,
	    a->nlistens * sizeof(*a->listens)) == 0;
}

void
peer_reg_reconfigure(struct peer_reg *reg, const struct config *nconf)
{
	const struct config *oconf = reg->env.conf;
	struct config_neighbor *nb;
	struct peer *p;

	if (nconf->local_as != oconf->local_as ||
	    memcmp(&nconf->router_id, &oconf->router_id,
	    sizeof(nconf->router_id)) != 0) {
		/* Every session depends on them: reset them all. */
		while ((p = TAILQ_FIRST(&reg->list)) != NULL)
			peer_delete(p, ERR_CEASE_CONFIG_CHANGE,
			    "local AS or router-id changed");
	}
	peer_reg_diff(reg, nconf);
	reg->env.conf = nconf;
	TAILQ_FOREACH(nb, &nconf->neighbors, entry) {
		if (peer_find_conf(reg, nb) != NULL)
			continue;
		session_update_md5(&reg->env.sess, nb, 1);
		if (peer_new(reg, nb) != NULL)
			log_peer_info(&nb->addr, "added");
	}
	if (!peer_same_listens(oconf, nconf)) {
		session_unlisten(&reg->env.sess);
		if (session_listen(&reg->env.sess, nconf) == -1)
			log_warnx("reload: some listeners failed");
	}
}
