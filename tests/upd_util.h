/*
 * Helpers shared by the UPDATE codec suites: hex vectors to bytes, UPDATE
 * bodies assembled from their three fields (the two length fields are
 * computed), and decoded routes rendered as text for comparison.
 */
#ifndef TESTS_UPD_UTIL_H
#define TESTS_UPD_UTIL_H

#include <stdio.h>
#include <string.h>

#include "bgpwatch.h"
#include "update.h"

/* Hex digits to bytes; blanks are ignored.  Returns the byte count. */
static inline size_t
hex2bin(const char *s, uint8_t *out, size_t cap)
{
	size_t	n = 0;
	int	hi = -1, v;

	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else
			continue;
		if (hi == -1) {
			hi = v;
			continue;
		}
		if (n < cap)
			out[n] = (uint8_t)(hi << 4 | v);
		n++;
		hi = -1;
	}
	return n;
}

/* Body = wd length, wd, attribute length, attrs, nlri. */
static inline size_t
upd_body(const char *wd, const char *attrs, const char *nlri, uint8_t *out,
    size_t cap)
{
	size_t	n, off = 0;

	n = hex2bin(wd, out + 2, cap - 2);
	out[0] = (uint8_t)(n >> 8);
	out[1] = (uint8_t)n;
	off = 2 + n;
	n = hex2bin(attrs, out + off + 2, cap - off - 2);
	out[off] = (uint8_t)(n >> 8);
	out[off + 1] = (uint8_t)n;
	off += 2 + n;
	off += hex2bin(nlri, out + off, cap - off);
	return off;
}

/* Appends the prefixes of an NLRI field as "p[#id] p[#id] ...". */
static inline void
upd_render_nlri(const struct bgp_view *v, uint8_t aid, int addpath,
    char *out, size_t outlen)
{
	struct bgp_nlri_iter	it;
	struct bw_prefix	pfx;
	uint32_t		id;
	char			pb[BW_PREFIX_STRLEN];
	size_t			len;

	if (aid == AID_UNSPEC)
		return;
	bgp_nlri_iter_init(&it, v, aid, addpath);
	while (bgp_nlri_next(&it, &pfx, &id) == 1) {
		len = strlen(out);
		prefix_fmt(&pfx, pb, sizeof(pb));
		if (addpath)
			snprintf(out + len, outlen - len, "%s%s#%u",
			    len > 0 ? " " : "", pb, id);
		else
			snprintf(out + len, outlen - len, "%s%s",
			    len > 0 ? " " : "", pb);
	}
}

/* Withdrawn (classic then MP) and announced (classic then MP) routes. */
static inline void
upd_render(const struct bgp_dec_ctx *ctx, const struct bgp_update *u,
    char *wd, char *ann, size_t outlen)
{
	wd[0] = ann[0] = '\0';
	upd_render_nlri(&u->withdrawn, AID_INET, ctx->addpath[AID_INET], wd,
	    outlen);
	if (ATTR_HAS(&u->attrs, ATTR_MP_UNREACH_NLRI))
		upd_render_nlri(&u->unreach.nlri, u->unreach.aid,
		    ctx->addpath[u->unreach.aid], wd, outlen);
	upd_render_nlri(&u->nlri, AID_INET, ctx->addpath[AID_INET], ann,
	    outlen);
	if (ATTR_HAS(&u->attrs, ATTR_MP_REACH_NLRI))
		upd_render_nlri(&u->reach.nlri, u->reach.aid,
		    ctx->addpath[u->reach.aid], ann, outlen);
}

/* Common attributes, as hex. */
#define H_ORIGIN_IGP	"40 01 01 00"
#define H_ORIGIN_EGP	"40 01 01 01"
/* 64511 4837 131279 as 4-octet AS_PATH */
#define H_ASPATH4	"40 02 0e 02 03 0000fbff 000012e5 000200cf"
#define H_NEXTHOP	"40 03 04 c0000201"	/* 192.0.2.1 */
#define H_MED		"80 04 04 00000064"	/* 100 */
#define H_COMM		"c0 08 08 fbff0064 fbff00c8"
#define H_BASE4		H_ORIGIN_IGP H_ASPATH4 H_NEXTHOP

#endif /* TESTS_UPD_UTIL_H */
