/*
 * bgpwatch core definitions shared by every module: address families,
 * prefixes and the project-wide limits.  Keep this header small; each
 * subsystem has its own.
 */
#ifndef BGPWATCH_H
#define BGPWATCH_H

#include <stddef.h>
#include <stdint.h>

/* Internal address family identifiers (index arrays with them). */
enum aid {
	AID_UNSPEC = 0,
	AID_INET = 1,		/* IPv4 unicast */
	AID_INET6 = 2,		/* IPv6 unicast */
	AID_MAX = 3
};

/* On-the-wire AFI / SAFI values (RFC 4760). */
#define AFI_IPV4	1
#define AFI_IPV6	2
#define SAFI_UNICAST	1

/* Largest address, in bytes, and largest prefix length, of any family. */
#define BW_ADDR_MAX	16
#define BW_PLEN_MAX	128

/*
 * An address of either family.  Unused bytes are zero so that two
 * addresses compare equal with memcmp().
 */
struct bw_addr {
	uint8_t		aid;
	uint8_t		b[BW_ADDR_MAX];
};

/*
 * A prefix: address bits past len are always zero (the constructors mask
 * them), so prefixes compare with memcmp() and hash by their bytes.
 */
struct bw_prefix {
	uint8_t		aid;
	uint8_t		len;
	uint8_t		b[BW_ADDR_MAX];
};

/* Text buffer sizes for the formatters below, NUL included. */
#define BW_ADDR_STRLEN		46	/* INET6_ADDRSTRLEN */
#define BW_PREFIX_STRLEN	(BW_ADDR_STRLEN + 4)

/* Bytes of address for an AID (4 or 16); 0 for AID_UNSPEC. */
int	aid_addrlen(uint8_t aid);
/* Longest prefix length of an AID (32 or 128). */
int	aid_maxplen(uint8_t aid);
/* AID for an AFI/SAFI pair, or AID_UNSPEC if bgpwatch does not handle it. */
uint8_t	aid_from_afi(uint16_t afi, uint8_t safi);
/* AFI / SAFI for an AID. Returns 0 on success, -1 for AID_UNSPEC. */
int	aid_to_afi(uint8_t aid, uint16_t *afi, uint8_t *safi);
/* "IPv4" / "IPv6" / "unspec". */
const char *aid_name(uint8_t aid);

/*
 * Builds a prefix from len bits at p (any trailing bits are masked).
 * Returns 0, or -1 if len is too long for the family.
 */
int	prefix_set(struct bw_prefix *, uint8_t aid, const uint8_t *p, uint8_t len);
/* Parses "a.b.c.d/n" or "x::/n".  Returns 0, or -1 on malformed text. */
int	prefix_parse(const char *, struct bw_prefix *);
/* Writes "a.b.c.d/n"; returns out. */
char	*prefix_fmt(const struct bw_prefix *, char *out, size_t outlen);
/* Returns 1 if a contains b (a is equal or less specific), else 0. */
int	prefix_contains(const struct bw_prefix *a, const struct bw_prefix *b);
/* Orders by family, address bytes, then length. */
int	prefix_cmp(const struct bw_prefix *, const struct bw_prefix *);

/* Parses an IPv4 or IPv6 address.  Returns 0, or -1. */
int	addr_parse(const char *, struct bw_addr *);
/* Writes the address in its usual text form; returns out. */
char	*addr_fmt(const struct bw_addr *, char *out, size_t outlen);
/* Sets an address from 4 or 16 raw bytes. */
void	addr_set(struct bw_addr *, uint8_t aid, const uint8_t *p);

#endif /* BGPWATCH_H */
