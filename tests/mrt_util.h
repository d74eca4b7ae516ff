/*
 * Helpers shared by the MRT reader suites (test_mrt, test_mrtahead):
 * the real data files and gzip made here.  Include after <cmocka.h>.
 */
#ifndef TESTS_MRT_UTIL_H
#define TESTS_MRT_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* ../shared/data/mrt, or BGPWATCH_MRT_DATA. */
static inline const char *
data_dir(void)
{
	const char *d = getenv("BGPWATCH_MRT_DATA");

	return d != NULL && *d != '\0' ? d : "../shared/data/mrt";
}

static inline void
data_path(char *out, size_t outlen, const char *file)
{
	snprintf(out, outlen, "%s/%s", data_dir(), file);
}

/* A whole file, read into memory (fails the test if it cannot). */
static inline uint8_t *
slurp(const char *path, size_t *n)
{
	uint8_t *p = NULL, *np;
	size_t cap = 0, r;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL)
		fail_msg("%s: cannot open (set BGPWATCH_MRT_DATA)", path);
	*n = 0;
	for (;;) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 65536;
			np = realloc(p, cap);
			assert_non_null(np);
			p = np;
		}
		if ((r = fread(p + *n, 1, cap - *n, f)) == 0)
			break;
		*n += r;
	}
	fclose(f);
	return p;
}

/* One gzip member of n bytes (zlib, level 1). */
static inline uint8_t *
gzip_of(const uint8_t *p, size_t n, size_t *outlen)
{
	z_stream z;
	uint8_t *out;
	size_t cap;

	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY), Z_OK);
	cap = deflateBound(&z, (uLong)n);
	assert_non_null(out = malloc(cap));
	z.next_in = (Bytef *)(uintptr_t)p;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	*outlen = cap - z.avail_out;
	deflateEnd(&z);
	return out;
}

#endif /* TESTS_MRT_UTIL_H */
