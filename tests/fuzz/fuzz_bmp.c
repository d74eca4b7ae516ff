/*
 * libFuzzer target for the BMP codec (proto/bmp.c): the input is what a
 * monitored router sends on the station's socket, a stream of BMP
 * messages.  Each is framed (bmp_frame) and decoded (bmp_decode); what
 * it carries goes on to the BGP codec as the station does: the UPDATE
 * of a Route Monitoring (4-octet AS unless the A flag), the OPENs of a
 * Peer Up, the NOTIFICATION of a Peer Down, the statistics TLVs.
 * Checks: framing agrees with the length field, every view lies inside
 * the message, the BGP messages inside frame as bmp_decode promised.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bgpwatch.h"
#include "bgp.h"
#include "bmp.h"
#include "buf.h"
#include "update.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

static uint8_t	scratch[BGP_SCRATCH_LEN];

static void
inside(const struct bgp_view *v, const uint8_t *p, size_t len)
{
	if (v->len == 0)
		return;
	CHECK(v->p >= p && v->p + v->len <= p + len);
}

static void
bgp_msg(const struct bgp_view *v, uint8_t want, int as4)
{
	struct bgp_dec_ctx	ctx;
	struct bgp_update	u;
	struct bgp_open		o;
	struct bgp_notification	n;
	struct bgp_hdr		h;
	struct bgp_err		err;
	char			txt[300];

	if (v->len == 0)
		return;
	CHECK(bgp_frame(v->p, v->len, BGP_MAX_EXT_LEN, &h, &err) == 1);
	CHECK(h.len == v->len);
	if (want != 0)
		CHECK(h.type == want);
	switch (h.type) {
	case BGP_UPDATE:
		memset(&ctx, 0, sizeof(ctx));
		ctx.as4 = (uint8_t)as4;
		ctx.scratch = scratch;
		ctx.scratchlen = sizeof(scratch);
		(void)bgp_update_decode(&ctx, v->p + BGP_HDR_LEN,
		    h.len - BGP_HDR_LEN, &u);
		break;
	case BGP_OPEN:
		(void)bgp_open_decode(v->p + BGP_HDR_LEN, h.len - BGP_HDR_LEN,
		    &o, &err);
		break;
	case BGP_NOTIFICATION:
		if (bgp_notification_decode(v->p + BGP_HDR_LEN,
		    h.len - BGP_HDR_LEN, &n) == 0)
			(void)bgp_notification_shutdown_msg(&n, txt,
			    sizeof(txt));
		break;
	default:
		break;
	}
}

static void
message(const uint8_t *p, size_t len)
{
	struct bmp_msg	 m;
	struct bmp_stat	 st;
	struct buf	 b;
	const char	*err = NULL;
	uint32_t	 n = 0;

	if (bmp_decode(p, len, &m, &err) == -1) {
		CHECK(err != NULL);
		return;
	}
	(void)bmp_type_name(m.type);
	(void)bmp_view_name(bmp_peer_view(&m.peer));
	inside(&m.sysname, p, len);
	inside(&m.sysdescr, p, len);
	inside(&m.string, p, len);
	inside(&m.bgp, p, len);
	inside(&m.open_sent, p, len);
	inside(&m.open_rcvd, p, len);
	inside(&m.down_data, p, len);
	inside(&m.stats, p, len);
	switch (m.type) {
	case BMP_ROUTE_MONITORING:
		bgp_msg(&m.bgp, BGP_UPDATE, !(m.peer.flags & BMP_PF_A));
		break;
	case BMP_PEER_UP:
		bgp_msg(&m.open_sent, BGP_OPEN, 1);
		bgp_msg(&m.open_rcvd, BGP_OPEN, 1);
		break;
	case BMP_PEER_DOWN:
		(void)bmp_down_reason_name(m.down_reason);
		break;
	case BMP_STATS_REPORT:
		buf_init(&b, m.stats.p, m.stats.len);
		while (bmp_stat_next(&b, &st) == 1) {
			(void)bmp_stat_name(st.type);
			n++;
		}
		CHECK(n <= m.nstats);
		break;
	case BMP_TERMINATION:
		if (m.has_term_reason)
			(void)bmp_term_reason_name(m.term_reason);
		break;
	default:
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bmp_hdr	 h;
	const char	*err;
	size_t		 off = 0;
	int		 r;

	while (off < size) {
		err = NULL;
		r = bmp_frame(data + off, size - off, BMP_MAX_LEN, &h, &err);
		if (r == -1) {
			CHECK(err != NULL);
			break;
		}
		if (r == 0)
			break;
		CHECK(h.len >= BMP_HDR_LEN && h.len <= size - off);
		message(data + off, h.len);
		off += h.len;
	}
	return 0;
}
