/*
 * AS paths.  bgpwatch keeps every AS path in its 4-octet wire form (RFC
 * 6793): segments of <type, count, count x 4-byte AS>.  On a 4-octet
 * session that is the AS_PATH attribute as received, viewed in place; on
 * a 2-octet session aspath_build() widens AS_PATH into the caller's
 * scratch area and merges AS4_PATH in on the way (RFC 6793 4.2.3), so
 * that the rest of bgpwatch never sees AS_TRANS where the real AS is
 * known.  The walkers here trust paths that aspath_check() accepted.
 */
#include <stdio.h>
#include <string.h>

#include "bgpwatch.h"
#include "update_int.h"

static int
seg_type_valid(uint8_t type)
{
	return type >= AS_SET && type <= AS_CONFED_SET;
}

static int
seg_is_confed(uint8_t type)
{
	return type == AS_CONFED_SEQUENCE || type == AS_CONFED_SET;
}

/* AS numbers a segment adds to the path length (RFC 4271 9.1.2.2, 5065). */
static int
seg_weight(uint8_t type, uint8_t count)
{
	switch (type) {
	case AS_SEQUENCE:
		return count;
	case AS_SET:
		return 1;
	default:
		return 0;
	}
}

/*
 * RFC 7606 7.2: a segment is malformed if its type is unknown, its count
 * is zero, it overruns the attribute, or only one octet is left for its
 * header.
 */
int
aspath_check(const struct bgp_view *v, int asnlen)
{
	struct buf	b;
	uint8_t		type, count;

	buf_init(&b, v->p, v->len);
	while (buf_left(&b) > 0) {
		if (buf_get_u8(&b, &type) == -1 ||
		    buf_get_u8(&b, &count) == -1)
			return -1;
		if (!seg_type_valid(type) || count == 0)
			return -1;
		if (buf_skip(&b, (size_t)count * asnlen) == -1)
			return -1;
	}
	return 0;
}

int
aspath_count(const struct bgp_view *v, int asnlen)
{
	struct buf	b;
	uint8_t		type, count;
	int		n = 0;

	buf_init(&b, v->p, v->len);
	while (buf_get_u8(&b, &type) == 0 && buf_get_u8(&b, &count) == 0) {
		if (buf_skip(&b, (size_t)count * asnlen) == -1)
			break;
		n += seg_weight(type, count);
	}
	return n;
}

/*
 * Appends a segment of n 2-octet ASes from b, widened to 4 octets: the
 * room for them checked once, not per AS (every AS of every path of a
 * 2-octet session or TABLE_DUMP comes through here).  Only the ASes b
 * holds are written; the writer fails when they do not fit.
 */
static void
seg_put_wide(struct wbuf *w, uint8_t type, uint8_t n, const struct buf *b)
{
	const uint8_t	*src = buf_cur(b);
	uint8_t		*dst;
	size_t		 i, k = n;

	wbuf_put_u8(w, type);
	wbuf_put_u8(w, n);
	if (k > buf_left(b) / 2)
		k = buf_left(b) / 2;
	if (!wbuf_room(w, k * 4))
		return;
	dst = w->p + w->len;
	for (i = 0; i < k; i++)
		put_u32(dst + i * 4, get_u16(src + i * 2));
	w->len += k * 4;
}

/*
 * RFC 6793 4.2.3: when AS_PATH holds at least as many ASes as AS4_PATH,
 * the path is the leading part of AS_PATH that makes up the difference,
 * then AS4_PATH.  Confederation segments count for nothing and are kept
 * when they lead or follow what was taken.  Confederation segments in
 * AS4_PATH are dropped (RFC 6793 6).
 */
int
aspath_build(const struct bgp_view *as2, const struct bgp_view *as4,
    uint8_t *out, size_t outlen)
{
	struct buf	b, seg;
	struct wbuf	w;
	uint8_t		type, count, take;
	int		need = 0;

	if (as4 != NULL) {
		need = aspath_count(as2, 2) - aspath_count(as4, 4);
		if (need < 0)
			as4 = NULL;		/* AS4_PATH is ignored */
	}
	wbuf_init(&w, out, outlen);
	buf_init(&b, as2->p, as2->len);
	while (buf_get_u8(&b, &type) == 0 && buf_get_u8(&b, &count) == 0) {
		if (buf_get_sub(&b, (size_t)count * 2, &seg) == -1)
			break;
		take = count;
		if (as4 != NULL && !seg_is_confed(type)) {
			if (need == 0)
				break;
			if (type == AS_SEQUENCE && count > need)
				take = (uint8_t)need;
			need -= seg_weight(type, take);
		}
		seg_put_wide(&w, type, take, &seg);
	}
	if (as4 != NULL) {
		buf_init(&b, as4->p, as4->len);
		while (buf_get_u8(&b, &type) == 0 &&
		    buf_get_u8(&b, &count) == 0) {
			if (buf_get_sub(&b, (size_t)count * 4, &seg) == -1)
				break;
			if (seg_is_confed(type))
				continue;
			wbuf_put_u8(&w, type);
			wbuf_put_u8(&w, count);
			wbuf_put_bytes(&w, buf_cur(&seg), buf_left(&seg));
		}
	}
	if (w.err)
		return -1;
	return (int)w.len;
}

void
bgp_aspath_iter_init(struct bgp_aspath_iter *it, const struct bgp_view *v)
{
	buf_init(&it->b, v->p, v->len);
}

int
bgp_aspath_next(struct bgp_aspath_iter *it, uint8_t *type, uint8_t *count,
    const uint8_t **asns)
{
	if (buf_left(&it->b) == 0)
		return 0;
	if (buf_get_u8(&it->b, type) == -1 ||
	    buf_get_u8(&it->b, count) == -1)
		goto fail;
	*asns = buf_cur(&it->b);
	if (buf_skip(&it->b, (size_t)*count * 4) == -1)
		goto fail;
	return 1;

 fail:
	it->b.off = it->b.len;
	return -1;
}

uint32_t
bgp_aspath_origin(const struct bgp_view *v)
{
	struct bgp_aspath_iter	 it;
	const uint8_t		*asns, *last = NULL;
	uint8_t			 type, count;

	bgp_aspath_iter_init(&it, v);
	while (bgp_aspath_next(&it, &type, &count, &asns) == 1) {
		last = NULL;
		if (type == AS_SEQUENCE && count > 0)
			last = asns + (size_t)(count - 1) * 4;
	}
	return last != NULL ? get_u32(last) : 0;
}

int
bgp_aspath_length(const struct bgp_view *v)
{
	return aspath_count(v, 4);
}

/* snprintf-like appending: counts what it could not write. */
struct fmtbuf {
	char	*out;
	size_t	 outlen;
	size_t	 len;
};

static void
fmt_add(struct fmtbuf *f, const char *s)
{
	size_t	n = strlen(s);

	if (f->len < f->outlen) {
		size_t room = f->outlen - f->len - 1;

		memcpy(f->out + f->len, s, n < room ? n : room);
		f->out[f->len + (n < room ? n : room)] = '\0';
	}
	f->len += n;
}

/*
 * As bgpdump -m: ASes of a sequence apart by spaces, sets "{a,b}",
 * confederation sequences "(a b)", confederation sets "[a,b]", segments
 * apart by a space.
 */
int
bgp_aspath_fmt(const struct bgp_view *v, char *out, size_t outlen)
{
	static const char	*open[] = { "", "{", "", "(", "[" };
	static const char	*close[] = { "", "}", "", ")", "]" };
	struct fmtbuf		 f = { out, outlen, 0 };
	struct bgp_aspath_iter	 it;
	const uint8_t		*asns;
	char			 num[16];
	uint8_t			 type, count, i;
	int			 first = 1;

	if (outlen > 0)
		out[0] = '\0';
	bgp_aspath_iter_init(&it, v);
	while (bgp_aspath_next(&it, &type, &count, &asns) == 1) {
		if (!seg_type_valid(type))
			type = AS_SEQUENCE;
		if (!first)
			fmt_add(&f, " ");
		first = 0;
		fmt_add(&f, open[type]);
		for (i = 0; i < count; i++) {
			if (i > 0)
				fmt_add(&f, type == AS_SET ||
				    type == AS_CONFED_SET ? "," : " ");
			snprintf(num, sizeof(num), "%u",
			    get_u32(asns + (size_t)i * 4));
			fmt_add(&f, num);
		}
		fmt_add(&f, close[type]);
	}
	return (int)f.len;
}
