/*
 * Reading ahead (lib/mrtahead.c, mrt_file_open_ahead): a compressed
 * file read by the thread gives the records, offsets, end and error of
 * the same file read in place, record for record.  The inputs are real
 * RIS files (../shared/data/mrt, or BGPWATCH_MRT_DATA) and what is made
 * of them here: bzip2, concatenated gzip members, streams cut short or
 * damaged, a record larger than the thread's blocks, one over the cap.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bzlib.h>
#include <cmocka.h>
#include <zlib.h>

#include "mrt.h"
#include "mrtfile.h"
#include "mrt_util.h"

struct rec {
	uint16_t	type, subtype;
	uint32_t	ts, usec, len;
	uint64_t	off;		/* mrt_file_offset after it */
	uint32_t	crc;		/* of the body */
};

struct run {
	struct rec	*r;
	size_t		 n;
	int		 rv;		/* how it ended: 0 or -1 */
	const char	*err;
	int		 ahead;		/* mrt_file_ahead */
};

static void
read_all(const char *path, enum mrt_ahead_mode mode, struct run *run)
{
	struct mrt_file *mf;
	struct mrt_hdr h;
	const uint8_t *body;
	const char *errstr = NULL;
	char err[256];
	size_t cap = 0;
	int rv;

	memset(run, 0, sizeof(*run));
	mf = mrt_file_open_ahead(path, mode, err, sizeof(err));
	if (mf == NULL)
		fail_msg("%s: %s", path, err);
	run->ahead = mrt_file_ahead(mf);
	while ((rv = mrt_file_next(mf, &h, &body, &errstr)) == 1) {
		if (run->n == cap) {
			cap = cap ? 2 * cap : 1024;
			run->r = realloc(run->r, cap * sizeof(*run->r));
			assert_non_null(run->r);
		}
		memset(&run->r[run->n], 0, sizeof(run->r[run->n]));
		run->r[run->n].type = h.type;
		run->r[run->n].subtype = h.subtype;
		run->r[run->n].ts = h.ts;
		run->r[run->n].usec = h.type == MRT_BGP4MP_ET ? h.usec : 0;
		run->r[run->n].len = h.len;
		run->r[run->n].off = mrt_file_offset(mf);
		run->r[run->n].crc = (uint32_t)crc32(0, body, h.len);
		run->n++;
	}
	run->rv = rv;
	run->err = rv == -1 ? errstr : NULL;
	/* The end is sticky. */
	assert_int_equal(mrt_file_next(mf, &h, &body, &errstr), rv);
	mrt_file_close(mf);
}

/* Both ways the same; returns how many records. */
static size_t
same_both_ways(const char *path, int expect_rv)
{
	struct run a, b;
	size_t i;

	read_all(path, MRT_AHEAD_OFF, &a);
	read_all(path, MRT_AHEAD_ON, &b);
	assert_int_equal(a.ahead, 0);
	assert_int_equal(b.ahead, 1);
	assert_int_equal(b.n, a.n);
	for (i = 0; i < a.n; i++)
		assert_memory_equal(&a.r[i], &b.r[i], sizeof(a.r[i]));
	assert_int_equal(a.rv, expect_rv);
	assert_int_equal(b.rv, a.rv);
	if (a.err != NULL || b.err != NULL) {
		assert_non_null(a.err);
		assert_non_null(b.err);
		assert_string_equal(b.err, a.err);
	}
	free(a.r);
	free(b.r);
	return a.n;
}

/* A data file's records, decompressed (by zlib, not by our reader). */
static uint8_t *
plain_of(const char *file, size_t *n)
{
	char path[1024];
	uint8_t *gz, *out;
	size_t gzlen, cap;
	z_stream z;
	int rc;

	data_path(path, sizeof(path), file);
	gz = slurp(path, &gzlen);
	memset(&z, 0, sizeof(z));
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	cap = 64 << 20;
	assert_non_null(out = malloc(cap));
	z.next_in = gz;
	z.avail_in = (uInt)gzlen;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	rc = inflate(&z, Z_FINISH);
	assert_int_equal(rc, Z_STREAM_END);
	*n = cap - z.avail_out;
	inflateEnd(&z);
	free(gz);
	return out;
}

static uint8_t *
bzip2_of(const uint8_t *p, size_t n, size_t *outlen)
{
	unsigned int len = (unsigned int)(n + n / 100 + 4096);
	uint8_t *out;

	assert_non_null(out = malloc(len));
	assert_int_equal(BZ2_bzBuffToBuffCompress((char *)out, &len,
	    (char *)(uintptr_t)p, (unsigned int)n, 1, 0, 0), BZ_OK);
	*outlen = len;
	return out;
}

/* Writes the n bytes to a new temporary file, named in path. */
static void
put_file(char *path, size_t pathlen, const void *p, size_t n)
{
	FILE *f;
	int fd;

	snprintf(path, pathlen, "/tmp/test_mrtahead.XXXXXX");
	assert_true((fd = mkstemp(path)) != -1);
	assert_non_null(f = fdopen(fd, "wb"));
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static size_t
same_of_bytes(const void *p, size_t n, int expect_rv)
{
	char path[64];
	size_t got;

	put_file(path, sizeof(path), p, n);
	got = same_both_ways(path, expect_rv);
	unlink(path);
	return got;
}

/* p compressed in two members or streams, cut at cut: the records. */
static size_t
same_of_two(uint8_t *(*comp)(const uint8_t *, size_t, size_t *),
    const uint8_t *p, size_t n, size_t cut)
{
	uint8_t *z1, *z2, *cat;
	size_t l1, l2, got;

	z1 = comp(p, cut, &l1);
	z2 = comp(p + cut, n - cut, &l2);
	assert_non_null(cat = malloc(l1 + l2));
	memcpy(cat, z1, l1);
	memcpy(cat + l1, z2, l2);
	got = same_of_bytes(cat, l1 + l2, 0);
	free(z1);
	free(z2);
	free(cat);
	return got;
}

/* The RIS files as they are: one gzip member each. */
static void
test_real_files(void **state)
{
	char path[1024];

	(void)state;
	data_path(path, sizeof(path), "updates.20160811.1600.gz");
	assert_int_equal(same_both_ways(path, 0), 17406);
	data_path(path, sizeof(path), "bview.20020722.2337.gz");
	assert_true(same_both_ways(path, 0) > 10000);
	data_path(path, sizeof(path), "updates.et-header.2015.gz");
	assert_int_equal(same_both_ways(path, 0), 89686);
}

/* bzip2, members and streams one after another, an empty member. */
static void
test_formats(void **state)
{
	uint8_t *plain, *z1;
	size_t n, l1, half;
	struct mrt_hdr h;

	(void)state;
	plain = plain_of("updates.20160811.1600.gz", &n);
	z1 = bzip2_of(plain, n, &l1);
	assert_int_equal(same_of_bytes(z1, l1, 0), 17406);
	free(z1);
	/* Two gzip members, cut on a record boundary near the middle. */
	for (half = 0; half < n / 2; half += MRT_HDR_LEN + h.len)
		(void)mrt_hdr_decode(plain + half, MRT_HDR_LEN, &h);
	assert_int_equal(same_of_two(gzip_of, plain, n, half), 17406);
	/* Two bzip2 streams, cut anywhere (inside a record). */
	assert_int_equal(same_of_two(bzip2_of, plain, n, n / 3), 17406);
	/* An empty member: no records, a clean end. */
	z1 = gzip_of(plain, 0, &l1);
	assert_int_equal(same_of_bytes(z1, l1, 0), 0);
	free(z1);
	/* Not compressed: read in place, even when asked. */
	{
		struct mrt_file *mf;
		char path[64], err[256];

		put_file(path, sizeof(path), plain, n);
		mf = mrt_file_open_ahead(path, MRT_AHEAD_ON, err, sizeof(err));
		assert_non_null(mf);
		assert_int_equal(mrt_file_ahead(mf), 0);
		mrt_file_close(mf);
		unlink(path);
	}
	free(plain);
}

/* Streams cut short or damaged: the same records, then the same error. */
static void
test_damaged(void **state)
{
	uint8_t *plain, *z;
	size_t n, l, got;

	(void)state;
	plain = plain_of("updates.20160811.1600.gz", &n);
	/* gzip cut in half: what came out before, then an error */
	z = gzip_of(plain, n, &l);
	got = same_of_bytes(z, l / 2, -1);
	assert_true(got > 1000 && got < 17406);
	/* a byte of the deflate data damaged in the middle */
	z[l / 2] ^= 0x55;
	z[l / 2 + 1] ^= 0xaa;
	got = same_of_bytes(z, l, -1);
	assert_true(got < 17406);
	free(z);
	/* bzip2 damaged: its blocks are 100 kB, the first ones whole */
	z = bzip2_of(plain, n, &l);
	z[l / 2] ^= 0x55;
	got = same_of_bytes(z, l, -1);
	assert_true(got > 1000 && got < 17406);
	free(z);
	/* the last record cut short inside a whole stream */
	z = gzip_of(plain, n - 5, &l);
	assert_int_equal(same_of_bytes(z, l, -1), 17405);
	free(z);
	free(plain);
}

static void
put_hdr(uint8_t *p, uint32_t ts, uint16_t type, uint16_t subtype,
    uint32_t len)
{
	p[0] = ts >> 24; p[1] = ts >> 16; p[2] = ts >> 8; p[3] = ts;
	p[4] = type >> 8; p[5] = type;
	p[6] = subtype >> 8; p[7] = subtype;
	p[8] = len >> 24; p[9] = len >> 16; p[10] = len >> 8; p[11] = len;
}

/*
 * Records larger than the thread's 256 KiB blocks between small ones:
 * one alone, then four in a row (one large block at a time: the thread
 * waits for the reader to be done with each), then one over
 * MRT_MAX_RECORD (the header says so; no body follows).
 */
static void
test_sizes(void **state)
{
	const uint32_t big = 3 * 1024 * 1024 + 17;
	size_t n = 0, cap = 5 * ((size_t)big + MRT_HDR_LEN) + 64 * 1024, l;
	uint8_t *p, *z;
	int i, k;

	(void)state;
	assert_non_null(p = calloc(1, cap));
	for (i = 0; i < 100; i++) {
		put_hdr(p + n, 1000 + i, 0xfff0, 1, 20);
		memset(p + n + MRT_HDR_LEN, i, 20);
		n += MRT_HDR_LEN + 20;
	}
	for (k = 0; k < 5; k++) {
		put_hdr(p + n, 2000 + k, 0xfff0, 2, big - k);
		for (l = 0; l < big - k; l++)
			p[n + MRT_HDR_LEN + l] = (uint8_t)(l * 7 + l / 251 + k);
		n += MRT_HDR_LEN + big - k;
		for (i = 0; k == 0 && i < 100; i++) {
			put_hdr(p + n, 3000 + i, 0xfff0, 3, 30);
			memset(p + n + MRT_HDR_LEN, i, 30);
			n += MRT_HDR_LEN + 30;
		}
	}
	z = gzip_of(p, n, &l);
	assert_int_equal(same_of_bytes(z, l, 0), 205);
	free(z);
	/* One past the cap: the records before it, then the error. */
	put_hdr(p + n, 4000, 0xfff0, 4, MRT_MAX_RECORD + 1);
	n += MRT_HDR_LEN;
	z = gzip_of(p, n, &l);
	assert_int_equal(same_of_bytes(z, l, -1), 205);
	free(z);
	free(p);
}

/* Closed early: the thread, waiting for a block or decompressing, stops. */
static void
test_close_early(void **state)
{
	struct mrt_file *mf;
	struct mrt_hdr h;
	const uint8_t *body;
	const char *errstr;
	char path[64], err[256];
	uint8_t *plain, *three, *z;
	size_t n, l;
	int i, k;

	(void)state;
	/* 7 MB of records: more than the thread's blocks hold */
	plain = plain_of("updates.20160811.1600.gz", &n);
	assert_non_null(three = malloc(3 * n));
	for (i = 0; i < 3; i++)
		memcpy(three + (size_t)i * n, plain, n);
	z = gzip_of(three, 3 * n, &l);
	put_file(path, sizeof(path), z, l);
	for (k = 0; k < 4; k++) {
		mf = mrt_file_open_ahead(path, MRT_AHEAD_ON, err, sizeof(err));
		assert_non_null(mf);
		assert_int_equal(mrt_file_ahead(mf), 1);
		/* none read, one, a few blocks' worth */
		for (i = 0; i < (k == 0 ? 0 : k == 1 ? 1 : 5000 * k); i++)
			assert_int_equal(mrt_file_next(mf, &h, &body, &errstr),
			    1);
		if (k == 3)
			usleep(200 * 1000);	/* the thread at the cap */
		mrt_file_close(mf);
	}
	unlink(path);
	free(z);
	free(three);
	free(plain);
	mrt_file_cache_free();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_files),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_close_early),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
