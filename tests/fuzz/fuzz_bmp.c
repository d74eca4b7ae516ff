/*
 * libFuzzer target for the BMP decoder (proto/bmp.c): the input is one
 * BMP message.  Beyond "no crash, no overrun" it checks the decoder's
 * promises: a decoded message's views lie inside the input, its
 * statistics walk cleanly, and a Route Monitoring UPDATE goes through
 * the UPDATE decoder.  Seeds: tests/fuzz/corpus/bmp/, messages captured
 * from FRR's BMP exporter.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bgpwatch.h"
#include "bgp.h"
#include "bmp.h"
#include "update.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static uint8_t		scratch[BGP_SCRATCH_LEN];

static void
inside(const uint8_t *p, size_t len, const struct bgp_view *v)
{
	if (v->p == NULL)
		return;
	if (v->p < p || v->p + v->len > p + len)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bgp_dec_ctx ctx;
	struct bgp_update u;
	struct bmp_stat st;
	struct bmp_hdr h;
	struct bmp_msg m;
	struct buf b;
	const char *err;
	uint8_t *p;

	if (bmp_frame(data, size, BMP_MAX_LEN, &h, &err) == -1)
		return 0;
	/* An exact-size copy so that ASan sees any overread. */
	if ((p = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(p, data, size);
	if (bmp_decode(p, size, &m, &err) == 0) {
		inside(p, size, &m.bgp);
		inside(p, size, &m.open_sent);
		inside(p, size, &m.open_rcvd);
		inside(p, size, &m.stats);
		inside(p, size, &m.sysname);
		if (m.type == BMP_STATS_REPORT) {
			buf_init(&b, m.stats.p, m.stats.len);
			while (bmp_stat_next(&b, &st) == 1)
				;
		}
		if (m.type == BMP_ROUTE_MONITORING) {
			memset(&ctx, 0, sizeof(ctx));
			ctx.as4 = (m.peer.flags & BMP_PF_A) == 0;
			ctx.scratch = scratch;
			ctx.scratchlen = sizeof(scratch);
			(void)bgp_update_decode(&ctx, m.bgp.p + BGP_HDR_LEN,
			    m.bgp.len - BGP_HDR_LEN, &u);
		}
	}
	free(p);
	return 0;
}
