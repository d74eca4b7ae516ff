/*
 * Every peer's Adj-RIB-In in one structure.
 *
 * The trie (bgpd/rib/trie.c) holds one node per prefix that some peer
 * announced, and the node holds that prefix's routes inline, sorted by
 * (peer, path id): a route is 16 bytes, an interned attribute pointer
 * plus its key.  A prefix that N peers carry is one node of N routes, so
 * a second full-table peer costs about 16 bytes a route.
 *
 * The RIB keeps, per peer slot and family, how many routes and how many
 * stale routes the peer has; these make rib_count() free and let the
 * sliced walks (flush, stale marking) stop as soon as the peer has
 * nothing left to do, instead of scanning the rest of the table.
 *
 * Sliced walks run through trie_slice(), which resumes by key; a slice
 * examines at most `budget` prefixes, so its cost is bounded whatever
 * the peer holds.
 */
#include <stdlib.h>
#include <string.h>

#include "intern.h"
#include "rib.h"
#include "trie.h"

/* A peer's flush under way in a family (rib_peer_cnt.flush). */
#define RIB_FL_NONE	0
#define RIB_FL_ALL	1	/* all its routes go */
#define RIB_FL_STALE	2	/* its stale routes go */

struct rib_peer_cnt {
	uint32_t	routes[AID_MAX];
	uint32_t	stale[AID_MAX];
	uint32_t	epoch;		/* rib_route_time's base */
	uint8_t		flush[AID_MAX];	/* RIB_FL_* */
};

struct rib {
	struct intern		*in;
	struct trie		 trie[AID_MAX];
	struct rib_peer_cnt	*cnt;		/* by peer slot */
	size_t			 ncnt;
	/*
	 * Peers with a flush under way, per family.  Any flush slice
	 * removes the routes of all of them from the prefixes it visits:
	 * when routers reboot together, each prefix is visited (and its
	 * route array shrunk) once, not once per peer.
	 */
	uint16_t		*fl[AID_MAX];
	size_t			 nfl[AID_MAX], capfl[AID_MAX];
	uint32_t		 now;		/* rib_set_time */
};

static struct trie *
rib_trie(const struct rib *rib, uint8_t aid)
{
	if (aid != AID_INET && aid != AID_INET6)
		return NULL;
	return (struct trie *)(uintptr_t)&rib->trie[aid];
}

/* rib_peer past the counters there are: grows them when create is set. */
static struct rib_peer_cnt *
rib_peer_grow(struct rib *rib, uint16_t peer, int create)
{
	struct rib_peer_cnt *c;
	size_t n;

	if (!create || peer >= RIB_MAX_PEERS)
		return NULL;
	n = rib->ncnt < 16 ? 16 : rib->ncnt * 2;
	if (n <= peer)
		n = (size_t)peer + 1;
	if ((c = reallocarray(rib->cnt, n, sizeof(*c))) == NULL)
		return NULL;
	memset(c + rib->ncnt, 0, (n - rib->ncnt) * sizeof(*c));
	rib->cnt = c;
	rib->ncnt = n;
	return &rib->cnt[peer];
}

/* The peer's counters, grown on demand when create is set (every route
 * asks: the common case inline). */
static inline struct rib_peer_cnt *
rib_peer(struct rib *rib, uint16_t peer, int create)
{
	if (peer < rib->ncnt)
		return &rib->cnt[peer];
	return rib_peer_grow(rib, peer, create);
}

struct rib *
rib_new(struct intern *in)
{
	struct rib *rib;

	if ((rib = calloc(1, sizeof(*rib))) == NULL)
		return NULL;
	rib->in = in;
	trie_init(&rib->trie[AID_INET], AID_INET);
	trie_init(&rib->trie[AID_INET6], AID_INET6);
	return rib;
}

static void
rib_unref_routes(struct rib_route *r, size_t n, void *arg)
{
	struct rib *rib = arg;
	size_t i;

	for (i = 0; i < n; i++)
		rattr_unref(rib->in, r[i].attrs);
}

static void
rib_free_with(struct rib *rib,
    void (*fn)(struct rib_route *, size_t, void *))
{
	if (rib == NULL)
		return;
	trie_clear(&rib->trie[AID_INET], fn, rib);
	trie_clear(&rib->trie[AID_INET6], fn, rib);
	free(rib->fl[AID_INET]);
	free(rib->fl[AID_INET6]);
	free(rib->cnt);
	free(rib);
}

void
rib_free(struct rib *rib)
{
	rib_free_with(rib, rib_unref_routes);
}

void
rib_abandon(struct rib *rib)
{
	rib_free_with(rib, NULL);
}

static inline uint64_t
route_key(uint16_t peer, uint32_t path_id)
{
	return (uint64_t)peer << 32 | path_id;
}

/* First index whose (peer, path id) is >= key. */
static size_t
route_lower(const struct rib_route *r, size_t n, uint64_t key)
{
	size_t lo = 0, hi = n, mid;

	/* Peers mostly come in slot order: a new route goes last, and the
	 * last line of a long array is the one rib_prefetch brought in. */
	if (n > 0 && route_key(r[n - 1].peer, r[n - 1].path_id) < key)
		return n;
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (route_key(r[mid].peer, r[mid].path_id) < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void
rib_set_time(struct rib *rib, uint32_t now)
{
	rib->now = now;
}

/* The flags of a route changed now (not stale), its time coded. */
static inline uint16_t
rib_time_flags(const struct rib *rib, const struct rib_peer_cnt *c)
{
	uint32_t age = rib->now > c->epoch ? rib->now - c->epoch : 0;

	return (uint16_t)(rib_time_code(age) << ROUTE_TIME_SHIFT);
}

/*
 * A peer's route at a prefix gets attrs again (rib_update's replacement,
 * and a batch's): no longer stale; the same attributes keep its time.
 */
static inline void
route_replace(struct rib *rib, struct rib_peer_cnt *c, uint8_t aid,
    struct rib_route *r, struct rattr *attrs)
{
	if (r->flags & ROUTE_STALE)
		c->stale[aid]--;
	r->flags &= (uint16_t)~ROUTE_STALE;
	if (r->attrs != attrs) {
		rattr_ref(attrs);
		rattr_unref(rib->in, r->attrs);
		r->attrs = attrs;
		r->flags = rib_time_flags(rib, c);
	}
}

uint32_t
rib_route_time(const struct rib *rib, const struct rib_route *r)
{
	uint64_t t;

	if (r->peer >= rib->ncnt || rib->cnt[r->peer].epoch == 0)
		return 0;
	t = rib->cnt[r->peer].epoch +
	    rib_time_age((uint16_t)(r->flags >> ROUTE_TIME_SHIFT));
	return t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

int
rib_update(struct rib *rib, uint16_t peer, const struct bw_prefix *p,
    uint32_t path_id, struct rattr *attrs)
{
	const struct rib_route *r;
	size_t n;

	return rib_update_at(rib, peer, p, path_id, attrs, &r, &n);
}

int
rib_update_at(struct rib *rib, uint16_t peer, const struct bw_prefix *p,
    uint32_t path_id, struct rattr *attrs, const struct rib_route **routes,
    size_t *nroutes)
{
	struct trie *t = rib_trie(rib, p->aid);
	struct rib_peer_cnt *c;
	struct trie_pos pos;
	struct trie_node *n;
	struct rib_route *r = NULL;
	size_t at = 0, nr = 0;
	int newpfx;

	if (t == NULL || p->len > t->maxplen ||
	    (c = rib_peer(rib, peer, 1)) == NULL) {
		*routes = NULL;
		*nroutes = 0;
		return -1;
	}
	if ((n = trie_seek(t, p, &pos)) != NULL) {
		r = trie_routes(t, n);
		nr = n->nroutes;
		at = route_lower(r, nr, route_key(peer, path_id));
	}
	if (at < nr && r[at].peer == peer && r[at].path_id == path_id) {
		route_replace(rib, c, p->aid, &r[at], attrs);
		*routes = r;
		*nroutes = nr;
		return RIB_UPD_REPLACED;
	}
	newpfx = !(at > 0 && r[at - 1].peer == peer) &&
	    !(at < nr && r[at].peer == peer);
	if ((n = trie_add(t, &pos, p, at)) == NULL) {
		*routes = NULL;
		*nroutes = 0;
		return -1;
	}
	r = trie_routes(t, n);
	*routes = r;
	*nroutes = n->nroutes;
	r += at;
	rattr_ref(attrs);
	r->attrs = attrs;
	r->path_id = path_id;
	r->peer = peer;
	if (c->routes[AID_INET] == 0 && c->routes[AID_INET6] == 0)
		c->epoch = rib->now;
	r->flags = rib_time_flags(rib, c);
	c->routes[p->aid]++;
	return newpfx ? RIB_UPD_NEW_PREFIX : RIB_UPD_NEW_PATH;
}

/*
 * 1 if peer has a route beside r[at] already: its routes lie side by
 * side, the batch's slots not yet set (attrs NULL) among them.
 */
static int
route_peer_has(const struct rib_route *r, size_t nr, size_t at, uint16_t peer)
{
	size_t i;

	for (i = at; i > 0 && r[i - 1].peer == peer; i--)
		if (r[i - 1].attrs != NULL)
			return 1;
	for (i = at + 1; i < nr && r[i].peer == peer; i++)
		if (r[i].attrs != NULL)
			return 1;
	return 0;
}

/*
 * Route r[at] of a batch gets attrs: a slot rib_update_many opened has
 * attrs NULL until then (the neighbours' NULL ones are not there yet).
 * Returns what rib_update would have for the route at this point.
 */
static int
route_set(struct rib *rib, uint8_t aid, struct rib_route *r, size_t nr,
    size_t at, struct rattr *attrs)
{
	struct rib_peer_cnt *c = &rib->cnt[r[at].peer];
	uint16_t peer = r[at].peer;
	int newpfx;

	if (r[at].attrs != NULL) {
		route_replace(rib, c, aid, &r[at], attrs);
		return RIB_UPD_REPLACED;
	}
	newpfx = !route_peer_has(r, nr, at, peer);
	rattr_ref(attrs);
	r[at].attrs = attrs;
	if (c->routes[AID_INET] == 0 && c->routes[AID_INET6] == 0)
		c->epoch = rib->now;
	r[at].flags = rib_time_flags(rib, c);
	c->routes[aid]++;
	return newpfx ? RIB_UPD_NEW_PREFIX : RIB_UPD_NEW_PATH;
}

/*
 * The keys of in[0..n) that r[0..nr) lacks, sorted, each once, into nk;
 * returns how many.
 */
static size_t
rib_new_keys(const struct rib_route *r, size_t nr, const struct rib_route *in,
    size_t n, uint64_t *nk)
{
	uint64_t key;
	size_t i, j, at, k = 0;

	for (i = 0; i < n; i++) {
		key = route_key(in[i].peer, in[i].path_id);
		at = nr > 0 ? route_lower(r, nr, key) : 0;
		if (at < nr && r[at].peer == in[i].peer &&
		    r[at].path_id == in[i].path_id)
			continue;
		/* Peers mostly come in slot order: the end, at once. */
		for (j = k; j > 0 && nk[j - 1] > key; j--)
			;
		if (j > 0 && nk[j - 1] == key)
			continue;
		if (j < k)
			memmove(nk + j + 1, nk + j, (k - j) * sizeof(*nk));
		nk[j] = key;
		k++;
	}
	return k;
}

int
rib_update_many(struct rib *rib, const struct bw_prefix *p,
    const struct rib_route *in, size_t n, int *res)
{
	struct trie *t = rib_trie(rib, p->aid);
	uint64_t nk[RIB_MANY_MAX];
	struct trie_pos pos;
	struct trie_node *node;
	struct rib_route *r = NULL;
	size_t nr = 0, k, i, j, at;
	uint64_t key;

	if (t == NULL || p->len > t->maxplen || n > RIB_MANY_MAX)
		return -1;
	for (i = 0; i < n; i++)
		if (in[i].attrs == NULL || (in[i].peer >= rib->ncnt &&
		    rib_peer(rib, in[i].peer, 1) == NULL))
			return -1;
	if (n == 0)
		return 0;
	/* A dump's records come in address order: the finger's descent. */
	if ((node = trie_seek_near(t, p, &pos)) != NULL) {
		r = trie_routes(t, node);
		nr = node->nroutes;
	}
	if ((k = rib_new_keys(r, nr, in, n, nk)) > 0) {
		if (nr + k > TRIE_MAX_ROUTES ||
		    (node = trie_add_n(t, &pos, p, nr, k)) == NULL)
			return -1;
		/* Old routes and new keys merged from the back; a new
		 * route's attrs stay NULL until route_set. */
		r = trie_routes(t, node);
		for (i = nr, j = k, at = nr + k; j > 0; ) {
			if (i > 0 && route_key(r[i - 1].peer,
			    r[i - 1].path_id) > nk[j - 1]) {
				r[--at] = r[--i];
				continue;
			}
			j--;
			at--;
			r[at].attrs = NULL;
			r[at].peer = (uint16_t)(nk[j] >> 32);
			r[at].path_id = (uint32_t)nk[j];
			r[at].flags = 0;
		}
		nr += k;
	}
	/* In the callers' order: duplicates replace, epochs and results
	 * come out as n calls of rib_update.  Sorted input (peers in slot
	 * order) finds each route next to the one before. */
	for (i = 0, at = 0; i < n; i++, at++) {
		key = route_key(in[i].peer, in[i].path_id);
		if (at >= nr || r[at].peer != in[i].peer ||
		    r[at].path_id != in[i].path_id)
			at = route_lower(r, nr, key);
		res[i] = route_set(rib, p->aid, r, nr, at, in[i].attrs);
	}
	return 0;
}

int
rib_reserve(struct rib *rib, uint8_t aid, size_t n)
{
	struct trie *t = rib_trie(rib, aid);

	return t != NULL ? trie_reserve(t, n) : -1;
}

void
rib_prefetch_ahead(const struct rib *rib, const struct bw_prefix *p)
{
	const struct trie *t = rib_trie(rib, p->aid);

	if (t != NULL)
		trie_prefetch_index(t, p);
}

void
rib_prefetch(const struct rib *rib, const struct bw_prefix *p, size_t n)
{
	const struct trie *t;
	size_t i, k;

	/* In runs of one family (an NLRI field is one). */
	for (i = 0; i < n; i = k) {
		for (k = i + 1; k < n && p[k].aid == p[i].aid; k++)
			;
		if ((t = rib_trie(rib, p[i].aid)) != NULL)
			trie_prefetch(t, p + i, k - i);
	}
}

int
rib_withdraw(struct rib *rib, uint16_t peer, const struct bw_prefix *p,
    uint32_t path_id)
{
	return rib_withdraw_take(rib, peer, p, path_id, NULL);
}

int
rib_withdraw_take(struct rib *rib, uint16_t peer, const struct bw_prefix *p,
    uint32_t path_id, struct rattr **old)
{
	struct trie *t = rib_trie(rib, p->aid);
	struct rib_peer_cnt *c;
	struct trie_pos pos;
	struct trie_node *n;
	struct rib_route *r;
	size_t at, nr;
	int last;

	if (t == NULL || (c = rib_peer(rib, peer, 0)) == NULL ||
	    (n = trie_seek(t, p, &pos)) == NULL)
		return RIB_WD_ABSENT;
	r = trie_routes(t, n);
	nr = n->nroutes;
	at = route_lower(r, nr, route_key(peer, path_id));
	if (at == nr || r[at].peer != peer || r[at].path_id != path_id)
		return RIB_WD_ABSENT;
	last = !(at > 0 && r[at - 1].peer == peer) &&
	    !(at + 1 < nr && r[at + 1].peer == peer);
	if (r[at].flags & ROUTE_STALE)
		c->stale[p->aid]--;
	c->routes[p->aid]--;
	if (old != NULL)
		*old = r[at].attrs;	/* the RIB's reference moves over */
	else
		rattr_unref(rib->in, r[at].attrs);
	trie_del(t, &pos, at);
	return last ? RIB_WD_LAST : RIB_WD_PATH;
}

size_t
rib_count(const struct rib *rib, uint16_t peer, uint8_t aid)
{
	if (peer >= rib->ncnt || rib_trie(rib, aid) == NULL)
		return 0;
	return rib->cnt[peer].routes[aid];
}

size_t
rib_count_stale(const struct rib *rib, uint16_t peer, uint8_t aid)
{
	if (peer >= rib->ncnt || rib_trie(rib, aid) == NULL)
		return 0;
	return rib->cnt[peer].stale[aid];
}

size_t
rib_total_routes(const struct rib *rib, uint8_t aid)
{
	const struct trie *t = rib_trie(rib, aid);

	return t != NULL ? t->routes : 0;
}

size_t
rib_total_prefixes(const struct rib *rib, uint8_t aid)
{
	const struct trie *t = rib_trie(rib, aid);

	return t != NULL ? t->prefixes : 0;
}

const struct rib_route *
rib_lookup(const struct rib *rib, const struct bw_prefix *p, size_t *n)
{
	const struct trie *t = rib_trie(rib, p->aid);
	const struct trie_node *node;

	*n = 0;
	if (t == NULL || (node = trie_lookup(t, p)) == NULL)
		return NULL;
	*n = node->nroutes;
	return trie_routes(t, node);
}

const struct rib_route *
rib_match(const struct rib *rib, const struct bw_prefix *p,
    struct bw_prefix *match, size_t *n)
{
	const struct trie *t = rib_trie(rib, p->aid);
	const struct trie_node *node;

	*n = 0;
	if (t == NULL || (node = trie_match(t, p)) == NULL)
		return NULL;
	trie_prefix(t, node, match);
	*n = node->nroutes;
	return trie_routes(t, node);
}

/* Adapts a trie callback to a rib_cb. */
struct rib_walk {
	rib_cb	 cb;
	void	*arg;
};

static int
rib_walk_node(const struct trie *t, const struct trie_node *n, void *arg)
{
	struct rib_walk *w = arg;
	struct bw_prefix p;

	trie_prefix(t, n, &p);
	return w->cb(&p, trie_routes(t, n), n->nroutes, w->arg);
}

int
rib_walk_covering(const struct rib *rib, const struct bw_prefix *p,
    rib_cb cb, void *arg)
{
	const struct trie *t = rib_trie(rib, p->aid);
	struct rib_walk w = { cb, arg };

	return t != NULL ? trie_walk_covering(t, p, rib_walk_node, &w) : 0;
}

int
rib_walk_covered(const struct rib *rib, const struct bw_prefix *p,
    rib_cb cb, void *arg)
{
	const struct trie *t = rib_trie(rib, p->aid);
	struct rib_walk w = { cb, arg };

	return t != NULL ? trie_walk_covered(t, p, rib_walk_node, &w) : 0;
}

void
rib_cursor_init(struct rib_cursor *c, uint8_t aid)
{
	memset(c, 0, sizeof(*c));
	c->aid = aid;
	c->next.aid = aid;
}

/* Records the outcome of one slice in the cursor; returns "more". */
static int
rib_cursor_step(struct rib_cursor *c, int more)
{
	if (more)
		c->started = 1;
	else
		c->done = 1;
	return more;
}

int
rib_walk_slice(const struct rib *rib, struct rib_cursor *c, size_t budget,
    rib_cb cb, void *arg)
{
	const struct trie *t = rib_trie(rib, c->aid);
	struct rib_walk w = { cb, arg };

	if (c->done || t == NULL)
		return rib_cursor_step(c, 0);
	return rib_cursor_step(c, trie_slice_ro(t, &c->next, c->started,
	    budget, rib_walk_node, &w));
}

/* What a flush or stale-marking slice works on. */
enum rib_op {
	RIB_OP_FLUSH,
	RIB_OP_FLUSH_STALE,
	RIB_OP_MARK_STALE
};

struct rib_peer_op {
	struct rib		*rib;
	struct rib_peer_cnt	*cnt;
	uint16_t		 peer;
	uint8_t			 aid;
	enum rib_op		 op;
	size_t			 work;		/* prefixes + routes removed */
	size_t			 budget;
};

/* Is there nothing left for a peer's operation to do? */
static int
rib_cnt_done(const struct rib_peer_cnt *c, uint8_t aid, enum rib_op op)
{
	switch (op) {
	case RIB_OP_FLUSH:
		return c->routes[aid] == 0;
	case RIB_OP_FLUSH_STALE:
		return c->stale[aid] == 0;
	default:
		return c->stale[aid] == c->routes[aid];
	}
}

static int
rib_op_done(const struct rib_peer_op *op)
{
	return rib_cnt_done(op->cnt, op->aid, op->op);
}

/* The peer's routes in a node: [*lo, *hi). */
static struct rib_route *
rib_peer_range(const struct trie *t, const struct trie_node *n,
    uint16_t peer, size_t *lo, size_t *hi)
{
	struct rib_route *r = trie_routes(t, n);

	*lo = route_lower(r, n->nroutes, route_key(peer, 0));
	*hi = *lo;
	while (*hi < n->nroutes && r[*hi].peer == peer)
		(*hi)++;
	return r;
}

/* Registers peer's flush of a family (or changes its kind). */
static int
rib_fl_add(struct rib *rib, struct rib_peer_cnt *c, uint16_t peer,
    uint8_t aid, enum rib_op kind)
{
	uint16_t *v;
	size_t n;

	if (c->flush[aid] == RIB_FL_NONE) {
		if (rib->nfl[aid] == rib->capfl[aid]) {
			n = rib->capfl[aid] ? rib->capfl[aid] * 2 : 16;
			if ((v = reallocarray(rib->fl[aid], n,
			    sizeof(*v))) == NULL)
				return -1;
			rib->fl[aid] = v;
			rib->capfl[aid] = n;
		}
		rib->fl[aid][rib->nfl[aid]++] = peer;
	}
	c->flush[aid] = kind == RIB_OP_FLUSH ? RIB_FL_ALL : RIB_FL_STALE;
	return 0;
}

/* Unregisters the flushes that have nothing left to do. */
static void
rib_fl_sweep(struct rib *rib, uint8_t aid)
{
	struct rib_peer_cnt *c;
	size_t i, j;

	for (i = j = 0; i < rib->nfl[aid]; i++) {
		c = &rib->cnt[rib->fl[aid][i]];
		if (rib_cnt_done(c, aid, c->flush[aid] == RIB_FL_ALL ?
		    RIB_OP_FLUSH : RIB_OP_FLUSH_STALE))
			c->flush[aid] = RIB_FL_NONE;
		else
			rib->fl[aid][j++] = rib->fl[aid][i];
	}
	rib->nfl[aid] = j;
}

/* Removes the routes of every flushing peer from a node. */
static int
rib_flush_visit(struct trie *t, struct trie_node **np, void *arg)
{
	struct rib_peer_op *op = arg;
	struct rib_peer_cnt *cnt = op->rib->cnt, *c;
	struct rib_route *r = trie_routes(t, *np);
	size_t i, j, nr = (*np)->nroutes;
	uint8_t aid = op->aid, m;

	for (i = j = 0; i < nr; i++) {
		m = cnt[r[i].peer].flush[aid];
		if (m == RIB_FL_NONE || (m == RIB_FL_STALE &&
		    !(r[i].flags & ROUTE_STALE))) {
			if (j < i)
				r[j] = r[i];
			j++;
			continue;
		}
		c = &cnt[r[i].peer];
		if (r[i].flags & ROUTE_STALE)
			c->stale[aid]--;
		c->routes[aid]--;
		rattr_unref(op->rib->in, r[i].attrs);
	}
	if (j < nr)
		trie_shrink(t, np, j);
	op->work += 1 + (nr - j);
	/* Stop as soon as this peer is done, or the slice's work is. */
	return rib_op_done(op) || op->work >= op->budget;
}

static int
rib_stale_visit(struct trie *t, struct trie_node **np, void *arg)
{
	struct rib_peer_op *op = arg;
	struct rib_route *r;
	size_t lo, hi, i;

	r = rib_peer_range(t, *np, op->peer, &lo, &hi);
	for (i = lo; i < hi; i++) {
		if (!(r[i].flags & ROUTE_STALE)) {
			r[i].flags |= ROUTE_STALE;
			op->cnt->stale[op->aid]++;
		}
	}
	return rib_op_done(op);
}

/* Runs one slice of a per-peer operation; returns "more". */
static int
rib_peer_slice(struct rib *rib, struct rib_cursor *c, uint16_t peer,
    enum rib_op kind, size_t budget, trie_visit visit)
{
	struct trie *t = rib_trie(rib, c->aid);
	struct rib_peer_op op;
	int more, wrap, fl = kind != RIB_OP_MARK_STALE;

	memset(&op, 0, sizeof(op));
	if (c->done || t == NULL ||
	    (op.cnt = rib_peer(rib, peer, 0)) == NULL)
		return rib_cursor_step(c, 0);
	op.rib = rib;
	op.peer = peer;
	op.aid = c->aid;
	op.op = kind;
	op.budget = budget;
	if (fl) {
		if (!rib_op_done(&op) && rib_fl_add(rib, op.cnt, peer, c->aid,
		    kind) == -1)
			return 1;	/* out of memory: try again later */
		rib_fl_sweep(rib, c->aid);
	}
	if (rib_op_done(&op))
		return rib_cursor_step(c, 0);
	wrap = c->started && !c->wrapped && fl;
	more = trie_slice(t, &c->next, c->started, budget, visit, &op);
	if (fl)
		rib_fl_sweep(rib, c->aid);
	if (rib_op_done(&op))
		return rib_cursor_step(c, 0);
	if (!more && wrap) {
		/* Routes were added behind the cursor: one more pass. */
		c->started = 0;
		c->wrapped = 1;
		return 1;
	}
	return rib_cursor_step(c, more);
}

int
rib_flush_slice(struct rib *rib, struct rib_cursor *c, uint16_t peer,
    int only_stale, size_t budget)
{
	return rib_peer_slice(rib, c, peer,
	    only_stale ? RIB_OP_FLUSH_STALE : RIB_OP_FLUSH, budget,
	    rib_flush_visit);
}

int
rib_flush_start(struct rib *rib, uint16_t peer, uint8_t aid, int only_stale)
{
	enum rib_op kind = only_stale ? RIB_OP_FLUSH_STALE : RIB_OP_FLUSH;
	struct rib_peer_cnt *c;

	if (rib_trie(rib, aid) == NULL || (c = rib_peer(rib, peer, 0)) == NULL ||
	    rib_cnt_done(c, aid, kind))
		return 0;
	return rib_fl_add(rib, c, peer, aid, kind);
}

int
rib_mark_stale_slice(struct rib *rib, struct rib_cursor *c, uint16_t peer,
    size_t budget)
{
	return rib_peer_slice(rib, c, peer, RIB_OP_MARK_STALE, budget,
	    rib_stale_visit);
}

void
rib_mem(const struct rib *rib, struct rib_mem *m)
{
	struct trie_mem tm;
	int aid;

	memset(m, 0, sizeof(*m));
	for (aid = AID_INET; aid <= AID_INET6; aid++) {
		trie_mem(&rib->trie[aid], &tm);
		m->nodes += tm.nodes;
		m->node_bytes += tm.node_bytes;
		m->route_arrays += tm.prefixes;
		m->route_bytes += tm.route_bytes;
		m->routes += tm.routes;
		m->reserved += tm.reserved;
	}
	m->peer_bytes = rib->ncnt * sizeof(struct rib_peer_cnt);
}
