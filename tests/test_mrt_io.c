/*
 * The archive writer thread (bgpd/mrt/mrt_io.c): files written through
 * it (plain, gzip, bzip2) read back with the MRT reader; a temporary file
 * appears under its name only when closed, and not at all when aborted;
 * a full disk (/dev/full) is reported to the loop, not hidden; past the
 * limit a write is refused and counted, unless forced.  A gzip file is
 * a series of members, each cut between chunks (whole records) and
 * gathered up to 256 KiB; zlib reads back the exact bytes written, from
 * ISA-L's members (level 1) and libdeflate's (2..9) alike.  A writer
 * that never returns (its file a FIFO nobody reads) does not hold the
 * exit past the exit wait, and still writes all it had once it can.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <libdeflate.h>
#include <zlib.h>

#include "buf.h"
#include "config.h"
#include "mrt.h"
#include "mrt_io.h"
#include "mrtfile.h"

struct fx {
	struct event_base *base;
	struct mrt_io	*io;
	int		 ndone, ok;
	uint64_t	 token;
	char		 msg[256];
	char		 dir[64];
};

static void
done(void *arg, int stream, uint64_t token, int ok, const char *msg)
{
	struct fx *f = arg;

	(void)stream;
	f->ndone++;
	f->ok = ok;
	f->token = token;
	snprintf(f->msg, sizeof(f->msg), "%s", msg);
}

static void
wait_done(struct fx *f, int n)
{
	int i;

	for (i = 0; i < 500 && f->ndone < n; i++) {
		event_base_loop(f->base, EVLOOP_NONBLOCK);
		usleep(10000);
	}
	assert_int_equal(f->ndone, n);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/test_mrt_io.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_non_null(f->base = event_base_new());
	assert_non_null(f->io = mrt_io_new(f->base, 1 << 20, done, f));
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	assert_int_equal(mrt_io_free(f->io), 0);
	event_base_free(f->base);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* n state change records into buf; returns the length. */
static size_t
records(uint8_t *buf, size_t cap, int n)
{
	struct mrt_bgp4mp_peer p;
	struct wbuf w;
	uint8_t a[4] = { 127, 0, 1, 9 };
	int i;

	memset(&p, 0, sizeof(p));
	p.peer_as = 64500;
	p.local_as = 65000;
	addr_set(&p.peer_ip, AID_INET, a);
	wbuf_init(&w, buf, cap);
	for (i = 0; i < n; i++)
		assert_int_equal(mrt_enc_bgp4mp_state(&w, 1000 + i, 0, &p, 1,
		    6), 0);
	return w.len;
}

static int
count_records(const char *path)
{
	struct mrt_file *mf;
	struct mrt_hdr h;
	const uint8_t *body;
	const char *errstr;
	char err[256];
	int n = 0, rv;

	assert_non_null(mf = mrt_file_open(path, err, sizeof(err)));
	while ((rv = mrt_file_next(mf, &h, &body, &errstr)) == 1)
		n++;
	assert_int_equal(rv, 0);
	mrt_file_close(mf);
	return n;
}

static void
test_formats(void **state)
{
	struct fx *f = *state;
	static const int comp[] = { CONF_MRT_NONE, CONF_MRT_GZIP,
	    CONF_MRT_BZIP2, CONF_MRT_GZIP, CONF_MRT_BZIP2 };
	static const int level[] = { 0, 0, 0, 9, 1 };
	uint8_t buf[8192];
	char path[128], tmp[140];
	size_t len = records(buf, sizeof(buf), 50);
	int i;

	for (i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "%s/t%d", f->dir, i);
		snprintf(tmp, sizeof(tmp), "%s.tmp", path);
		mrt_io_open(f->io, 1, path, comp[i], level[i], 1);
		assert_int_equal(mrt_io_write(f->io, 1, buf, len, 0), 0);
		assert_int_equal(mrt_io_write(f->io, 1, buf, len, 0), 0);
		mrt_io_close(f->io, 1, 40 + (uint64_t)i);
		wait_done(f, i + 1);
		assert_int_equal(f->ok, 1);
		assert_int_equal(f->token, 40 + (uint64_t)i);
		assert_string_equal(f->msg, path);
		assert_int_equal(access(tmp, F_OK), -1);
		assert_int_equal(count_records(path), 100);
	}
}

static void
test_abort_and_append(void **state)
{
	struct fx *f = *state;
	struct mrt_io_stats st;
	uint8_t buf[4096];
	char path[128], tmp[140];
	size_t len = records(buf, sizeof(buf), 10);

	snprintf(path, sizeof(path), "%s/aborted", f->dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	mrt_io_open(f->io, 2, path, CONF_MRT_GZIP, 0, 1);
	assert_int_equal(mrt_io_write(f->io, 2, buf, len, 0), 0);
	mrt_io_abort(f->io, 2);
	/* An updates file (no tmp) opened twice is appended to. */
	snprintf(path, sizeof(path), "%s/updates", f->dir);
	mrt_io_open(f->io, 0, path, CONF_MRT_GZIP, 0, 0);
	assert_int_equal(mrt_io_write(f->io, 0, buf, len, 0), 0);
	mrt_io_close(f->io, 0, 1);
	mrt_io_open(f->io, 0, path, CONF_MRT_GZIP, 0, 0);
	assert_int_equal(mrt_io_write(f->io, 0, buf, len, 0), 0);
	mrt_io_close(f->io, 0, 2);
	wait_done(f, 2);
	assert_int_equal(count_records(path), 20);
	snprintf(path, sizeof(path), "%s/aborted", f->dir);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(access(tmp, F_OK), -1);
	mrt_io_stats(f->io, &st);
	assert_int_equal(st.files, 2);
	assert_int_equal(st.errors, 0);
	assert_int_equal(st.written, 3 * len);
}

static void
test_disk_full(void **state)
{
	struct fx *f = *state;
	struct mrt_io_stats st;
	uint8_t buf[4096];
	size_t len = records(buf, sizeof(buf), 10);

	mrt_io_open(f->io, 0, "/dev/full", CONF_MRT_NONE, 0, 0);
	assert_int_equal(mrt_io_write(f->io, 0, buf, len, 0), 0);
	mrt_io_close(f->io, 0, 9);
	wait_done(f, 1);
	assert_int_equal(f->ok, 0);
	assert_non_null(strstr(f->msg, "/dev/full: No space left"));
	mrt_io_stats(f->io, &st);
	assert_int_equal(st.errors, 1);
}

static void
test_limit(void **state)
{
	struct fx *f = *state;
	struct mrt_io_stats st;
	uint8_t buf[4096];
	char path[128];
	size_t len = records(buf, sizeof(buf), 10);

	snprintf(path, sizeof(path), "%s/limited", f->dir);
	mrt_io_set_limit(f->io, len - 1);
	mrt_io_open(f->io, 0, path, CONF_MRT_NONE, 0, 0);
	assert_int_equal(mrt_io_write(f->io, 0, buf, len, 0), -1);
	assert_int_equal(mrt_io_write(f->io, 0, buf, len, 1), 0);
	mrt_io_close(f->io, 0, 3);
	wait_done(f, 1);
	assert_int_equal(f->ok, 1);
	mrt_io_stats(f->io, &st);
	assert_int_equal(st.refused, len);
	assert_int_equal(st.queued, 0);
	assert_int_equal(st.written, len);
	assert_int_equal(count_records(path), 10);
}

/*
 * Splits a gzip file into its members with libdeflate; returns how many,
 * each's decompressed length in lens[].
 */
static int
gz_members(const char *path, size_t *lens, int max)
{
	struct libdeflate_decompressor *d;
	FILE *fp;
	uint8_t *in, *out;
	size_t n, off = 0, used, made;
	int k = 0;

	assert_non_null(d = libdeflate_alloc_decompressor());
	assert_non_null(in = malloc(4 << 20));
	assert_non_null(out = malloc(4 << 20));
	assert_non_null(fp = fopen(path, "rb"));
	n = fread(in, 1, 4 << 20, fp);
	fclose(fp);
	while (off < n && k < max) {
		assert_int_equal(libdeflate_gzip_decompress_ex(d, in + off,
		    n - off, out, 4 << 20, &used, &made), LIBDEFLATE_SUCCESS);
		lens[k++] = made;
		off += used;
	}
	assert_int_equal(off, n);
	free(in);
	free(out);
	libdeflate_free_decompressor(d);
	return k;
}

/*
 * Small chunks are gathered into one member up to 256 KiB; a chunk that
 * would overflow it starts the next; a chunk of 256 KiB or more is a
 * member of its own.  Every member holds whole records.
 */
static void
test_gzip_members(void **state)
{
	struct fx *f = *state;
	uint8_t *a, *b;
	size_t alen, blen, lens[16];
	char path[128];
	int i, n;

	assert_non_null(a = malloc(1 << 20));
	assert_non_null(b = malloc(1 << 20));
	alen = records(a, 1 << 20, 3000);	/* 108,000 bytes */
	blen = records(b, 1 << 20, 20000);	/* 720,000 bytes */
	snprintf(path, sizeof(path), "%s/members.gz", f->dir);
	mrt_io_open(f->io, 0, path, CONF_MRT_GZIP, 0, 0);
	for (i = 0; i < 5; i++)
		assert_int_equal(mrt_io_write(f->io, 0, a, alen, 1), 0);
	assert_int_equal(mrt_io_write(f->io, 0, b, blen, 1), 0);
	assert_int_equal(mrt_io_write(f->io, 0, a, alen, 1), 0);
	mrt_io_close(f->io, 0, 1);
	wait_done(f, 1);
	assert_int_equal(f->ok, 1);
	assert_int_equal(count_records(path), 6 * 3000 + 20000);
	n = gz_members(path, lens, 16);
	assert_int_equal(n, 5);
	assert_int_equal(lens[0], 2 * alen);
	assert_int_equal(lens[1], 2 * alen);
	assert_int_equal(lens[2], alen);
	assert_int_equal(lens[3], blen);
	assert_int_equal(lens[4], alen);
	/* An empty file is one empty member, still a gzip file. */
	snprintf(path, sizeof(path), "%s/empty.gz", f->dir);
	mrt_io_open(f->io, 0, path, CONF_MRT_GZIP, 0, 0);
	mrt_io_close(f->io, 0, 2);
	wait_done(f, 2);
	assert_int_equal(gz_members(path, lens, 16), 1);
	assert_int_equal(lens[0], 0);
	assert_int_equal(count_records(path), 0);
	free(a);
	free(b);
}

/* zlib's gzread (all members, one stream) of path equals want. */
static void
zlib_equal(const char *path, const uint8_t *want, size_t len)
{
	gzFile gz;
	uint8_t *got;
	int n;

	assert_non_null(got = malloc(len + 1));
	assert_non_null(gz = gzopen(path, "rb"));
	n = gzread(gz, got, (unsigned)len + 1);
	assert_int_equal(n, len);
	assert_memory_equal(got, want, len);
	assert_int_equal(gzclose(gz), Z_OK);
	free(got);
}

/*
 * Level 1 (ISA-L) and 6 (libdeflate), in an appended file and a
 * temporary one: records, then 300 KiB of noise (a member of its own,
 * which ISA-L must write as stored blocks: the bound leaves room), then
 * records again; zlib gives back every byte.
 */
static void
test_gzip_levels(void **state)
{
	struct fx *f = *state;
	static const int level[] = { 1, 6, 0, 1 };
	uint8_t *a, *all;
	size_t alen, nlen = 300 * 1024, i;
	char path[128];
	int k;

	assert_non_null(a = malloc(1 << 20));
	alen = records(a, 1 << 20, 3000);
	assert_non_null(all = malloc(2 * alen + nlen));
	memcpy(all, a, alen);
	srandom(12);
	for (i = 0; i < nlen; i++)
		all[alen + i] = (uint8_t)(random() >> 7);
	memcpy(all + alen + nlen, a, alen);
	for (k = 0; k < 4; k++) {
		snprintf(path, sizeof(path), "%s/level%d.gz", f->dir, k);
		mrt_io_open(f->io, 0, path, CONF_MRT_GZIP, level[k], k & 1);
		assert_int_equal(mrt_io_write(f->io, 0, a, alen, 1), 0);
		assert_int_equal(mrt_io_write(f->io, 0, all + alen, nlen, 1),
		    0);
		assert_int_equal(mrt_io_write(f->io, 0, a, alen, 1), 0);
		mrt_io_close(f->io, 0, 1 + (uint64_t)k);
		wait_done(f, k + 1);
		assert_int_equal(f->ok, 1);
		zlib_equal(path, all, 2 * alen + nlen);
	}
	free(a);
	free(all);
}

/*
 * mrt_io_put hands its buffer over without a copy: accepted, the
 * writer owns it; refused at the limit, the caller still has it, its
 * bytes untouched.  Through gzip: a small chunk, then chunks of 200 KiB
 * (half a member or more: compressed where they are when nothing is
 * gathered before them); zlib gives back exactly the bytes put.
 */
static void
test_put(void **state)
{
	struct fx *f = *state;
	struct mrt_io_stats st;
	static const size_t cap = 256 * 1024;
	size_t slen, blen, off = 0;
	uint8_t *s, *b, *all, *r;
	char path[128];
	int i;

	assert_non_null(all = malloc(4 * cap));
	s = mrt_io_buf(f->io, cap);
	slen = records(s, cap, 200);
	memcpy(all, s, slen);
	off = slen;
	snprintf(path, sizeof(path), "%s/put.gz", f->dir);
	mrt_io_open(f->io, 0, path, CONF_MRT_GZIP, 0, 0);
	assert_int_equal(mrt_io_put(f->io, 0, s, slen, 0), 0);
	for (i = 0; i < 3; i++) {
		b = mrt_io_buf(f->io, cap);
		blen = records(b, cap, 200 * 1024 / 36);
		assert_true(blen >= cap / 2);
		memcpy(all + off, b, blen);
		off += blen;
		assert_int_equal(mrt_io_put(f->io, 0, b, blen, 0), 0);
	}
	/* Refused: still ours, as it was; then forced through. */
	r = mrt_io_buf(f->io, cap);
	blen = records(r, cap, 100);
	mrt_io_set_limit(f->io, 0);
	assert_int_equal(mrt_io_put(f->io, 0, r, blen, 0), -1);
	assert_memory_equal(r, all, blen);
	assert_int_equal(mrt_io_put(f->io, 0, r, blen, 1), 0);
	memcpy(all + off, all, blen);
	off += blen;
	mrt_io_close(f->io, 0, 1);
	wait_done(f, 1);
	assert_int_equal(f->ok, 1);
	zlib_equal(path, all, off);
	mrt_io_stats(f->io, &st);
	assert_int_equal(st.refused, blen);
	assert_int_equal(st.written, off);
	/* A buffer never put is freed by the caller. */
	mrt_io_buf_free(f->io, mrt_io_buf(f->io, cap));
	mrt_io_buf_free(f->io, NULL);
	free(all);
}

/*
 * A buffer the writer is done with comes back from mrt_io_buf (the same
 * memory, as the writer left it), for its own size only.
 */
static void
test_pool(void **state)
{
	struct fx *f = *state;
	static const size_t cap = 256 * 1024;
	uint8_t *a, *b;
	char path[128];
	size_t len;

	a = mrt_io_buf(f->io, cap);
	len = records(a, cap, 100);
	snprintf(path, sizeof(path), "%s/pool", f->dir);
	mrt_io_open(f->io, 0, path, CONF_MRT_NONE, 0, 0);
	assert_int_equal(mrt_io_put(f->io, 0, a, len, 0), 0);
	mrt_io_close(f->io, 0, 1);
	wait_done(f, 1);
	assert_int_equal(count_records(path), 100);
	b = mrt_io_buf(f->io, 2 * cap);
	assert_ptr_not_equal(b, a);
	mrt_io_buf_free(f->io, b);
	b = mrt_io_buf(f->io, cap);
	assert_ptr_equal(b, a);
	records(a + len, cap - len, 1);		/* what it held is there */
	assert_memory_equal(b, a + len, 36);
	mrt_io_buf_free(f->io, b);
}

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * The writer blocks in open(2) of a FIFO nobody reads: mrt_io_free gives
 * up after the exit wait (1 s), not never; once a reader comes the
 * thread writes what it held and frees itself (memcheck: no leak).
 */
static void
test_exit_wait(void **state)
{
	struct fx *f = *state;
	uint8_t buf[4096], got[8192];
	char path[128];
	size_t len = records(buf, sizeof(buf), 10), have = 0;
	ssize_t n;
	double t0, dt;
	int fd, i;

	snprintf(path, sizeof(path), "%s/fifo", f->dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	mrt_io_set_exit_wait(f->io, 1);
	mrt_io_open(f->io, 0, path, CONF_MRT_NONE, 0, 0);
	assert_int_equal(mrt_io_write(f->io, 0, buf, len, 0), 0);
	t0 = mono();
	assert_int_equal(mrt_io_free(f->io), -1);
	dt = mono() - t0;
	f->io = NULL;
	assert_true(dt >= 0.9);
	assert_true(dt < 10);
	/* The writer is still there, and finishes its work. */
	assert_true((fd = open(path, O_RDONLY)) >= 0);
	while ((n = read(fd, got + have, sizeof(got) - have)) > 0)
		have += (size_t)n;
	close(fd);
	assert_int_equal(have, len);
	assert_memory_equal(got, buf, len);
	for (i = 0; i < 50; i++)	/* time for it to free itself */
		usleep(10000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_formats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abort_and_append, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_disk_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gzip_members, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_put, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gzip_levels, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_exit_wait, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
