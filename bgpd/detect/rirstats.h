/*
 * RIR delegation statistics (the five RIRs' delegated-*-latest and
 * delegated-*-extended-latest files): which address blocks and AS
 * numbers each country holds.  The region detector turns a region's
 * `country` lines into prefixes and origin ASes with it.  The files are
 * untrusted input: every bad line is a "FILE:LINE: message" error.
 */
#ifndef BGPWATCH_RIRSTATS_H
#define BGPWATCH_RIRSTATS_H

#include <stddef.h>
#include <stdint.h>

#include "bgpwatch.h"

#define RIRSTATS_MAX_ERRORS	10	/* errors kept before giving up */
#define RIRSTATS_ERRMSG_MAX	256
#define RIRSTATS_MAX_ASNS	65536	/* ASNs in one asn line */

/* One loaded file. */
struct rirstats_file {
	char		*path;
	const char	*name;		/* basename of path */
	char		 registry[16];	/* "apnic", from the header */
	char		 date[16];	/* serial of the header: "20141222" */
};

/* An allocated or assigned address block (IPv4 already in CIDRs). */
struct rirstats_block {
	struct bw_prefix pfx;
	char		 cc[3];
	uint16_t	 file;		/* index into files */
};

/* A run of consecutive AS numbers. */
struct rirstats_asn {
	uint32_t	 first;
	uint32_t	 count;
	char		 cc[3];
	uint16_t	 file;
};

/* Errors of one load, "FILE:LINE: message". */
struct rirstats_errors {
	size_t		 n;
	char		 msg[RIRSTATS_MAX_ERRORS][RIRSTATS_ERRMSG_MAX];
};

struct rirstats {
	struct rirstats_file	*files;
	size_t			 nfiles;
	struct rirstats_block	*blocks;	/* sorted by cc, then prefix */
	size_t			 nblocks;
	struct rirstats_asn	*asns;		/* sorted by cc, then first */
	size_t			 nasns;
	int			 sorted;
};

/* An empty set; never NULL (fatal on allocation failure). */
struct rirstats *rirstats_new(void);
void	rirstats_free(struct rirstats *);
/*
 * Adds the records of the file at path.  Returns 0, or -1 with errs
 * filled (a file that cannot be read is reported at line 0); nothing
 * of a file with errors is kept.
 */
int	rirstats_load(struct rirstats *, const char *path,
	    struct rirstats_errors *errs);
/* As rirstats_load() on len bytes at buf; name is used in errors. */
int	rirstats_load_buf(struct rirstats *, const char *name,
	    const char *buf, size_t len, struct rirstats_errors *errs);
/*
 * The blocks / AS runs of a country ("KP"), over all files: sets *n and
 * returns the first, or NULL if there is none.
 */
const struct rirstats_block *rirstats_country_blocks(struct rirstats *,
	    const char *cc, size_t *n);
const struct rirstats_asn *rirstats_country_asns(struct rirstats *,
	    const char *cc, size_t *n);
/*
 * Sorts the blocks and AS runs by country, then prefix or first AS,
 * equal ones in the order loaded (once: the lookups and rirstats_equal
 * sort if need be; ~0.05 s with every country, so a thread that loads
 * sorts too).
 */
void	rirstats_sort(struct rirstats *);
/*
 * That order as qsort() comparators (country, then family, address and
 * length; country, then first AS): the sort's fallback without memory,
 * and what its test holds the radix sort's keys to.
 */
int	rirstats_block_cmp(const void *, const void *);
int	rirstats_asn_cmp(const void *, const void *);
/*
 * 1 if a and b hold the same files (path, registry, date), blocks and AS
 * runs: a reload that read the same statistics keeps what was built from
 * them.  Sorts both.
 */
int	rirstats_equal(struct rirstats *a, struct rirstats *b);
/*
 * Splits the count addresses from start (IPv4, host order) into CIDR
 * blocks, calling cb for each.  Returns the number of blocks, or -1 if
 * the range passes the end of the address space.
 */
int	rirstats_v4_split(uint32_t start, uint64_t count,
	    void (*cb)(const struct bw_prefix *, void *), void *arg);

#endif /* BGPWATCH_RIRSTATS_H */
