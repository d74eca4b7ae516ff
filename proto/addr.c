/*
 * Addresses and prefixes of both families.  A prefix keeps the bits past
 * its length at zero, which every constructor here enforces, so the rest
 * of bgpwatch may compare and hash prefixes as plain bytes.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgpwatch.h"

int
aid_addrlen(uint8_t aid)
{
	switch (aid) {
	case AID_INET:
		return 4;
	case AID_INET6:
		return 16;
	default:
		return 0;
	}
}

int
aid_maxplen(uint8_t aid)
{
	return aid_addrlen(aid) * 8;
}

uint8_t
aid_from_afi(uint16_t afi, uint8_t safi)
{
	if (safi != SAFI_UNICAST)
		return AID_UNSPEC;
	if (afi == AFI_IPV4)
		return AID_INET;
	if (afi == AFI_IPV6)
		return AID_INET6;
	return AID_UNSPEC;
}

int
aid_to_afi(uint8_t aid, uint16_t *afi, uint8_t *safi)
{
	switch (aid) {
	case AID_INET:
		*afi = AFI_IPV4;
		break;
	case AID_INET6:
		*afi = AFI_IPV6;
		break;
	default:
		return -1;
	}
	*safi = SAFI_UNICAST;
	return 0;
}

const char *
aid_name(uint8_t aid)
{
	switch (aid) {
	case AID_INET:
		return "IPv4";
	case AID_INET6:
		return "IPv6";
	default:
		return "unspec";
	}
}

int
prefix_set(struct bw_prefix *pfx, uint8_t aid, const uint8_t *p, uint8_t len)
{
	int bytes;

	if (aid_addrlen(aid) == 0 || len > aid_maxplen(aid))
		return -1;
	memset(pfx, 0, sizeof(*pfx));
	pfx->aid = aid;
	pfx->len = len;
	bytes = (len + 7) / 8;
	memcpy(pfx->b, p, bytes);
	if (len % 8)
		pfx->b[bytes - 1] &= (uint8_t)(0xff << (8 - len % 8));
	return 0;
}

int
prefix_parse(const char *s, struct bw_prefix *pfx)
{
	char tmp[BW_PREFIX_STRLEN], *slash, *end;
	struct bw_addr a;
	long len;

	if (strlen(s) >= sizeof(tmp))
		return -1;
	strcpy(tmp, s);
	if ((slash = strchr(tmp, '/')) == NULL)
		return -1;
	*slash++ = '\0';
	if (addr_parse(tmp, &a) == -1)
		return -1;
	if (*slash < '0' || *slash > '9')
		return -1;
	len = strtol(slash, &end, 10);
	if (*end != '\0' || len < 0 || len > aid_maxplen(a.aid))
		return -1;
	return prefix_set(pfx, a.aid, a.b, (uint8_t)len);
}

char *
prefix_fmt(const struct bw_prefix *pfx, char *out, size_t outlen)
{
	struct bw_addr a;
	char ab[BW_ADDR_STRLEN];

	addr_set(&a, pfx->aid, pfx->b);
	snprintf(out, outlen, "%s/%u", addr_fmt(&a, ab, sizeof(ab)), pfx->len);
	return out;
}

int
prefix_contains(const struct bw_prefix *a, const struct bw_prefix *b)
{
	int full, rest;

	if (a->aid != b->aid || a->len > b->len)
		return 0;
	full = a->len / 8;
	rest = a->len % 8;
	if (memcmp(a->b, b->b, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((a->b[full] ^ b->b[full]) & (0xff << (8 - rest))) == 0;
}

int
prefix_cmp(const struct bw_prefix *a, const struct bw_prefix *b)
{
	int c;

	if (a->aid != b->aid)
		return a->aid < b->aid ? -1 : 1;
	if ((c = memcmp(a->b, b->b, sizeof(a->b))) != 0)
		return c;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return 0;
}

int
addr_parse(const char *s, struct bw_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->b) == 1) {
		a->aid = AID_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->b) == 1) {
		a->aid = AID_INET6;
		return 0;
	}
	return -1;
}

char *
addr_fmt(const struct bw_addr *a, char *out, size_t outlen)
{
	int af = a->aid == AID_INET6 ? AF_INET6 : AF_INET;

	if (a->aid == AID_UNSPEC || inet_ntop(af, a->b, out, outlen) == NULL)
		snprintf(out, outlen, "?");
	return out;
}

void
addr_set(struct bw_addr *a, uint8_t aid, const uint8_t *p)
{
	memset(a, 0, sizeof(*a));
	a->aid = aid;
	memcpy(a->b, p, aid_addrlen(aid));
}
