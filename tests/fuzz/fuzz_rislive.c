/*
 * libFuzzer target for the RIS Live subscription requests
 * (bgpd/rislive/rislive_sub.c): the input is the JSON a WebSocket client
 * sends, {"type": "ris_subscribe", "data": {...}} or bgpwatch_subscribe.
 * Its data goes through rl_sub_parse (host, type, require, peer, path,
 * prefix with moreSpecific/lessSpecific, socketOptions), rl_sub_key and
 * rl_evsub_parse; a subscription that parses is matched against a small
 * UPDATE view (two prefixes, a path).  Refusals must carry a message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "rislive_priv.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

static void
view(struct rl_view *v, struct tap_peer *tp, struct bw_prefix *pfx,
    uint32_t *path)
{
	memset(tp, 0, sizeof(*tp));
	tp->kind = "bgp";
	CHECK(addr_parse("127.0.7.11", &tp->peer_addr) == 0);
	tp->peer_as = 64511;
	tp->as4 = 1;
	tp->slot = 0xffff;
	memset(v, 0, sizeof(*v));
	v->tp = tp;
	v->type = RL_T_UPDATE;
	v->ts = 1700000000.25;
	strcpy(v->peer, "127.0.7.11");
	CHECK(prefix_parse("175.45.176.0/24", &pfx[0]) == 0);
	CHECK(prefix_parse("2001:db8::/32", &pfx[1]) == 0);
	v->ann = pfx;
	v->nann = 1;
	v->wd = pfx + 1;
	v->nwd = 1;
	path[0] = 64511;
	path[1] = 4837;
	path[2] = 131279;
	v->path = path;
	v->npath = 3;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rl_sub	 s;
	struct rl_evsub	 es;
	struct rl_view	 v;
	struct tap_peer	 tp;
	struct bw_prefix pfx[2];
	uint32_t	 path[3];
	json_error_t	 jerr;
	json_t		*doc, *d;
	char		 err[256], *key;
	uint64_t	 from = 0;
	int		 has_from = 0;

	if (size > 16384)
		return 0;
	if ((doc = json_loadb((const char *)data, size, JSON_DECODE_ANY,
	    &jerr)) == NULL)
		return 0;
	d = json_is_object(doc) && json_object_get(doc, "data") != NULL ?
	    json_object_get(doc, "data") : doc;
	memset(&s, 0, sizeof(s));
	err[0] = '\0';
	if (rl_sub_parse(d, &s, err, sizeof(err)) != -1) {
		view(&v, &tp, pfx, path);
		(void)rl_sub_match(&s, &v, "bgpwatch");
		v.type = RL_T_KEEPALIVE;
		(void)rl_sub_match(&s, &v, "rrc00");
		rl_sub_free(&s);
	} else
		CHECK(err[0] != '\0');
	if ((key = rl_sub_key(d)) != NULL)
		free(key);
	memset(&es, 0, sizeof(es));
	err[0] = '\0';
	if (rl_evsub_parse(d, &es, &from, &has_from, err, sizeof(err)) == -1)
		CHECK(err[0] != '\0');
	rl_evsub_free(&es);
	json_decref(doc);
	return 0;
}
