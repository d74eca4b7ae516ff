/*
 * The FSM's side of the message tap (msgtap.h): who the peer is, in the
 * tap's terms, and one call per message sent or received and per state
 * change.  Nothing here when nobody listens.
 */
#include <string.h>

#include "fsm.h"
#include "loop.h"
#include "msgtap.h"

static void
fsm_tap_peer(const struct peer *p, const struct conn *c, struct tap_peer *tp)
{
	int aid;

	memset(tp, 0, sizeof(*tp));
	tp->kind = "bgp";
	tp->peer_addr = p->conf->addr;
	tp->peer_as = p->remote_as ? p->remote_as : p->conf->remote_as;
	tp->local_as = p->env->conf->local_as;
	tp->peer_id = p->remote_id;
	tp->slot = p->src.slot;
	if (c == NULL)
		c = p->conn;
	if (c != NULL) {
		tp->local_addr = c->local_addr;
		tp->local_port = c->local_port;
		tp->peer_port = c->remote_port;
		if (c->remote_id != 0)
			tp->peer_id = c->remote_id;
		if (c->remote_as != 0)
			tp->peer_as = c->remote_as;
	}
	tp->as4 = p->dec.as4;
	for (aid = 0; aid < AID_MAX; aid++)
		tp->addpath[aid] = p->dec.addpath[aid];
}

void
fsm_tap_msg(const struct conn *c, enum tap_dir dir, const uint8_t *bytes,
    size_t len, const struct bgp_update *upd)
{
	const struct peer *p = c->peer;
	struct tap_peer tp;
	struct tap_msg m;

	if (p == NULL || !msgtap_wants_messages(p->env->tap) ||
	    len < BGP_HDR_LEN)
		return;
	fsm_tap_peer(p, c, &tp);
	m.ts = loop_now(p->env->loop);
	m.dir = dir;
	m.type = bytes[18];
	m.bytes = bytes;
	m.len = len;
	m.upd = upd;
	msgtap_message(p->env->tap, &tp, &m);
}

void
fsm_tap_state(const struct peer *p, int old_state, int new_state)
{
	struct tap_peer tp;

	if (!msgtap_active(p->env->tap))
		return;
	fsm_tap_peer(p, NULL, &tp);
	msgtap_state(p->env->tap, &tp, loop_now(p->env->loop), old_state,
	    new_state);
}
