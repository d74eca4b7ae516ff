/*
 * libFuzzer target for the RIR statistics loader (bgpd/detect/rirstats.c):
 * the input is one delegated-*-latest file.  Whatever loads must answer
 * the per-country lookups with blocks and AS runs of that country, valid
 * prefixes, and runs that do not wrap past AS 4294967295; a file with
 * errors keeps nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rirstats.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

static void
country(struct rirstats *rs, const char *cc)
{
	const struct rirstats_block	*b;
	const struct rirstats_asn	*a;
	size_t				 n, i;

	if ((b = rirstats_country_blocks(rs, cc, &n)) != NULL)
		for (i = 0; i < n; i++) {
			CHECK(strcmp(b[i].cc, cc) == 0);
			CHECK(b[i].pfx.len <= aid_maxplen(b[i].pfx.aid));
			CHECK(b[i].file < rs->nfiles);
		}
	if ((a = rirstats_country_asns(rs, cc, &n)) != NULL)
		for (i = 0; i < n; i++) {
			CHECK(strcmp(a[i].cc, cc) == 0);
			CHECK(a[i].count > 0);
			CHECK((uint64_t)a[i].first + a[i].count - 1 <=
			    UINT32_MAX);
		}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rirstats		*rs = rirstats_new();
	struct rirstats_errors	 errs;
	char			 cc[3][3];
	size_t			 i, ncc = 0;

	memset(&errs, 0, sizeof(errs));
	if (rirstats_load_buf(rs, "fuzz-latest", (const char *)data, size,
	    &errs) == -1) {
		CHECK(errs.n > 0 && errs.n <= RIRSTATS_MAX_ERRORS);
		CHECK(rs->nblocks == 0 && rs->nasns == 0);
		for (i = 0; i < errs.n; i++)
			CHECK(strnlen(errs.msg[i], RIRSTATS_ERRMSG_MAX) <
			    RIRSTATS_ERRMSG_MAX);
	} else {
		for (i = 0; i < rs->nblocks && ncc < 2; i++)
			memcpy(cc[ncc++], rs->blocks[i].cc, 3);
		if (rs->nasns > 0)
			memcpy(cc[ncc++], rs->asns[0].cc, 3);
		for (i = 0; i < ncc; i++)
			country(rs, cc[i]);
		country(rs, "KP");
	}
	rirstats_free(rs);
	return 0;
}
