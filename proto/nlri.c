/*
 * NLRI: the classic IPv4 fields and the MP_REACH_NLRI / MP_UNREACH_NLRI
 * attributes that carry them for other families (RFC 4760), with ADD-PATH
 * path identifiers (RFC 7911).  The decoder checks every field once
 * (nlri_check) so that RFC 7606 knows the outcome before anything is
 * applied; the caller then walks the prefixes with bgp_nlri_next, which
 * masks the bits past each prefix length.
 */
#include <arpa/inet.h>
#include <string.h>

#include "bgpwatch.h"
#include "update_int.h"

/* aid_maxplen's answer without its two calls (twice per NLRI field). */
static inline unsigned int
nlri_maxplen(uint8_t aid)
{
	return aid == AID_INET ? 32 : aid == AID_INET6 ? 128 : 0;
}

/*
 * One loop per case (with and without path ids), the reader's offset in
 * a register: every prefix of every UPDATE comes through here before it
 * is decoded again by bgp_nlri_take.
 */
int
nlri_check(const struct bgp_view *v, uint8_t aid, int addpath,
    uint32_t *good)
{
	struct buf	b;
	unsigned int	maxplen = nlri_maxplen(aid);
	int		n = 0;
	size_t		off = 0;
	uint8_t		plen;

	buf_init(&b, v->p, v->len);
	if (addpath) {
		while (buf_left(&b) > 0) {
			if (buf_skip(&b, 4) == -1 ||
			    buf_get_u8(&b, &plen) == -1 || plen > maxplen ||
			    buf_skip(&b, (plen + 7u) / 8) == -1)
				goto fail;
			off = b.off;
			n++;
		}
		return n;
	}
	while (buf_get_u8(&b, &plen) == 0) {
		if (plen > maxplen || buf_skip(&b, (plen + 7u) / 8) == -1)
			goto fail;
		off = b.off;
		n++;
	}
	return n;

 fail:
	if (good != NULL)
		*good = (uint32_t)off;
	return -1;
}

void
bgp_nlri_iter_init(struct bgp_nlri_iter *it, const struct bgp_view *v,
    uint8_t aid, int addpath)
{
	buf_init(&it->b, v->p, v->len);
	it->aid = aid;
	it->addpath = addpath != 0;
	it->maxplen = (uint8_t)nlri_maxplen(aid);
}

int
bgp_nlri_next(struct bgp_nlri_iter *it, struct bw_prefix *pfx,
    uint32_t *path_id)
{
	const uint8_t	*p;
	uint8_t		 plen;

	*path_id = 0;
	if (buf_left(&it->b) == 0)
		return 0;
	if (it->addpath && buf_get_u32(&it->b, path_id) == -1)
		goto fail;
	if (buf_get_u8(&it->b, &plen) == -1)
		goto fail;
	p = buf_cur(&it->b);
	if (it->maxplen == 0 || plen > it->maxplen ||
	    buf_skip(&it->b, (plen + 7) / 8) == -1)
		goto fail;
	if (prefix_set(pfx, it->aid, p, plen) == -1)
		goto fail;
	return 1;

 fail:
	it->b.off = it->b.len;
	return -1;
}

/* Big-endian load of the n (< 4) bytes at p, as the top of a word. */
static inline uint32_t
nlri_load_short(const uint8_t *p, size_t n)
{
	uint32_t	w = 0;
	size_t		i;

	for (i = 0; i < n; i++)
		w |= (uint32_t)p[i] << (24 - 8 * i);
	return w;
}

/*
 * bgp_nlri_take for IPv4 without path ids (nearly every prefix there
 * is): the reader in registers and no call per prefix.  With 4 bytes
 * left in the field (all but its last prefixes) the address is loaded in
 * one go and the bits past plen masked off: bytes past the prefix are
 * read, never past the field.  The result is prefix_set's.
 */
static size_t
nlri_take4(struct bgp_nlri_iter *it, struct bw_prefix *pfx,
    uint32_t *path_id, size_t max)
{
	struct buf	b = it->b;
	size_t		k, n;
	uint32_t	w;
	uint8_t		plen;

	for (k = 0; k < max && buf_get_u8(&b, &plen) == 0; k++) {
		n = (plen + 7u) / 8;
		if (plen > 32 || buf_left(&b) < n) {
			it->b.off = it->b.len;
			return k;
		}
		w = buf_left(&b) >= 4 ? get_u32(buf_cur(&b)) :
		    nlri_load_short(buf_cur(&b), n);
		b.off += n;
		/* the top plen bits: none for 0, all for 32 */
		w = htonl(w & (uint32_t)(0xffffffff00000000ULL >> plen));
		memset(&pfx[k], 0, sizeof(pfx[k]));
		pfx[k].aid = AID_INET;
		pfx[k].len = plen;
		memcpy(pfx[k].b, &w, sizeof(w));
		path_id[k] = 0;
	}
	it->b.off = b.off;
	return k;
}

size_t
bgp_nlri_take(struct bgp_nlri_iter *it, struct bw_prefix *pfx,
    uint32_t *path_id, size_t max)
{
	size_t	k;

	if (it->aid == AID_INET && !it->addpath)
		return nlri_take4(it, pfx, path_id, max);
	for (k = 0; k < max && bgp_nlri_next(it, &pfx[k], &path_id[k]) == 1;
	    k++)
		;
	return k;
}

size_t
bgp_nlri_size(const struct bw_prefix *pfx, int addpath)
{
	return (addpath ? 4 : 0) + 1 + (pfx->len + 7) / 8;
}

/*
 * Next hop of an MP_REACH_NLRI (or of an MRT abbreviated one, aid
 * AID_UNSPEC): 16 bytes, or 32 with a link-local address (RFC 2545), for
 * IPv6; 4 bytes for IPv4, or an IPv6 one (RFC 8950).
 */
static int
mp_nexthop(struct upd_pstate *ps, uint8_t aid, struct buf *nh)
{
	struct bgp_attrs	*a = &ps->u->attrs;

	switch (buf_left(nh)) {
	case 4:
		if (aid == AID_INET6)
			return -1;
		addr_set(&a->nexthop, AID_INET, buf_cur(nh));
		break;
	case 32:
		addr_set(&a->nexthop_ll, AID_INET6, buf_cur(nh) + 16);
		/* FALLTHROUGH */
	case 16:
		addr_set(&a->nexthop, AID_INET6, buf_cur(nh));
		break;
	default:
		return -1;
	}
	ps->mp_nh = 1;
	return 0;
}

/*
 * RFC 6396 4.3.4: a TABLE_DUMP_V2 entry abbreviates MP_REACH_NLRI to the
 * next hop length and next hop.  Some writers put the full attribute
 * there instead; its AFI starts with a zero byte, a next hop length never
 * does, which tells them apart (as bgpdump does).
 */
static int
mp_reach_abbrev(struct upd_pstate *ps, struct buf *v)
{
	struct buf	nh;
	uint8_t		nhlen;

	if (buf_get_u8(v, &nhlen) == -1 || buf_get_sub(v, nhlen, &nh) == -1 ||
	    buf_left(v) != 0 || mp_nexthop(ps, AID_UNSPEC, &nh) == -1)
		return ERR_UPD_OPTATTR;
	ps->u->attrs.present |= ATTR_BIT(ATTR_MP_REACH_NLRI);
	return 0;
}

/*
 * RFC 7606 7.11: a next hop of the wrong length or a malformed NLRI is a
 * session reset (the table's action for the attribute).  Families that
 * bgpwatch does not handle are kept unchecked, with aid AID_UNSPEC.
 */
int
attr_mp_reach(struct upd_pstate *ps, struct buf *v)
{
	struct bgp_mp	*mp = &ps->u->reach;
	struct buf	 nh;
	uint8_t		 nhlen, reserved;

	if (ps->ctx->mrt_rib && buf_left(v) > 0 && buf_cur(v)[0] != 0)
		return mp_reach_abbrev(ps, v);
	if (buf_get_u16(v, &mp->afi) == -1 || buf_get_u8(v, &mp->safi) == -1 ||
	    buf_get_u8(v, &nhlen) == -1 || buf_get_sub(v, nhlen, &nh) == -1 ||
	    buf_get_u8(v, &reserved) == -1)
		return ERR_UPD_OPTATTR;
	mp->aid = aid_from_afi(mp->afi, mp->safi);
	mp->nlri.p = buf_cur(v);
	mp->nlri.len = (uint32_t)buf_left(v);
	if (mp->aid != AID_UNSPEC) {
		if (mp_nexthop(ps, mp->aid, &nh) == -1 ||
		    nlri_check(&mp->nlri, mp->aid,
		    ps->ctx->addpath[mp->aid], NULL) == -1)
			return ERR_UPD_OPTATTR;
	}
	ps->u->attrs.present |= ATTR_BIT(ATTR_MP_REACH_NLRI);
	return 0;
}

int
attr_mp_unreach(struct upd_pstate *ps, struct buf *v)
{
	struct bgp_mp	*mp = &ps->u->unreach;

	if (buf_get_u16(v, &mp->afi) == -1 || buf_get_u8(v, &mp->safi) == -1)
		return ERR_UPD_OPTATTR;
	mp->aid = aid_from_afi(mp->afi, mp->safi);
	mp->nlri.p = buf_cur(v);
	mp->nlri.len = (uint32_t)buf_left(v);
	if (mp->aid != AID_UNSPEC &&
	    nlri_check(&mp->nlri, mp->aid, ps->ctx->addpath[mp->aid],
	    NULL) == -1)
		return ERR_UPD_OPTATTR;
	ps->u->attrs.present |= ATTR_BIT(ATTR_MP_UNREACH_NLRI);
	return 0;
}
