/*
 * libFuzzer target for the MRT file reader (lib/mrtfile.c): the input is
 * a whole file, plain, gzip or bzip2 as its magic bytes say.  It is read
 * to the end four ways, each through the real detection:
 *   - from memory (mrt_file_open_mem): gzip members through libdeflate
 *     into the 16 MiB window, inflate when a member does not fit or
 *     libdeflate refuses it;
 *   - from a regular file (mrt_file_open on an unlinked temporary file):
 *     the same, with the raw buffer topped up to 4 MiB by read(2);
 *   - from that file read ahead (mrt_file_open_ahead, MRT_AHEAD_ON): a
 *     compressed one by a thread of its own, handing records over in
 *     blocks (lib/mrtahead.c);
 *   - from a pipe on stdin ("-"), when the input fits the pipe: no
 *     libdeflate, inflate and libbz2 streaming 256 KiB reads.
 * All must hand out the same records (count, headers, a hash of
 * the bodies) and end the same way (clean end, or the same error), so
 * the libdeflate path is checked against zlib's on every input.
 * FUZZ_MRTFILE_DEBUG=1 prints the outcomes compared.
 */
#define _GNU_SOURCE	/* F_SETPIPE_SZ */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "mrt.h"
#include "mrtfile.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

struct outcome {
	uint64_t	 records;
	uint64_t	 hash;		/* CRC32 of headers and bodies */
	uint64_t	 offset;
	int		 rc;
	const char	*err;
};

static int	tmpfd = -1;
static char	tmppath[64];
static size_t	pipecap;


static void
drain(struct mrt_file *mf, struct outcome *o)
{
	const uint8_t *body;
	const char *errstr;
	struct mrt_hdr h;
	uint8_t hb[12];

	memset(o, 0, sizeof(*o));
	o->hash = crc32(0, NULL, 0);
	while ((o->rc = mrt_file_next(mf, &h, &body, &errstr)) == 1) {
		CHECK(h.len <= MRT_MAX_RECORD);
		hb[0] = (uint8_t)(h.ts >> 24);
		hb[1] = (uint8_t)(h.ts >> 16);
		hb[2] = (uint8_t)(h.ts >> 8);
		hb[3] = (uint8_t)h.ts;
		hb[4] = (uint8_t)(h.type >> 8);
		hb[5] = (uint8_t)h.type;
		hb[6] = (uint8_t)(h.subtype >> 8);
		hb[7] = (uint8_t)h.subtype;
		hb[8] = (uint8_t)(h.len >> 24);
		hb[9] = (uint8_t)(h.len >> 16);
		hb[10] = (uint8_t)(h.len >> 8);
		hb[11] = (uint8_t)h.len;
		/* zlib's CRC: not instrumented, fast on 16 MiB of records */
		o->hash = crc32(o->hash, hb, sizeof(hb));
		o->hash = crc32_z(o->hash, body, h.len);
		o->records++;
	}
	o->offset = mrt_file_offset(mf);
	if (o->rc == -1) {
		CHECK(errstr != NULL);
		o->err = errstr;
		/* the error sticks */
		CHECK(mrt_file_next(mf, &h, &body, &errstr) == -1);
		CHECK(errstr != NULL && strcmp(errstr, o->err) == 0);
	} else
		CHECK(o->rc == 0);
}

static void
same(const struct outcome *a, const struct outcome *b)
{
	if (getenv("FUZZ_MRTFILE_DEBUG") != NULL)
		fprintf(stderr, "rc %d/%d records %llu/%llu offset %llu/%llu "
		    "err %s/%s\n", a->rc, b->rc,
		    (unsigned long long)a->records,
		    (unsigned long long)b->records,
		    (unsigned long long)a->offset,
		    (unsigned long long)b->offset,
		    a->err ? a->err : "-", b->err ? b->err : "-");
	CHECK(a->rc == b->rc);
	CHECK(a->records == b->records);
	CHECK(a->hash == b->hash);
	CHECK(a->offset == b->offset);
	CHECK(a->rc == 0 || strcmp(a->err, b->err) == 0);
}

static void
init(void)
{
	int fd;

	snprintf(tmppath, sizeof(tmppath), "/tmp/fuzz_mrtfile.XXXXXX");
	if ((fd = mkstemp(tmppath)) == -1)
		abort();
	unlink(tmppath);
	/* mrt_file_open wants a path: the open fd stands for the file. */
	snprintf(tmppath, sizeof(tmppath), "/proc/self/fd/%d", fd);
	tmpfd = fd;
}

static int
from_file(const uint8_t *data, size_t size, enum mrt_ahead_mode ahead,
    struct outcome *o)
{
	struct mrt_file *mf;
	char err[256];

	if (ftruncate(tmpfd, 0) == -1 ||
	    pwrite(tmpfd, data, size, 0) != (ssize_t)size)
		return 0;
	if ((mf = mrt_file_open_ahead(tmppath, ahead, err, sizeof(err))) ==
	    NULL)
		abort();
	/* A compressed file only, and always when asked. */
	CHECK(mrt_file_ahead(mf) == (ahead == MRT_AHEAD_ON &&
	    mrt_file_format(mf) != MRT_FMT_PLAIN));
	/* The size hint: a plain file's, nothing for a compressed one. */
	CHECK(mrt_file_size(mf) ==
	    (mrt_file_format(mf) == MRT_FMT_PLAIN ? size : 0));
	drain(mf, o);
	mrt_file_close(mf);
	return 1;
}

/* Only what fits the pipe: written whole and closed, then read. */
static int
from_pipe(const uint8_t *data, size_t size, struct outcome *o)
{
	struct mrt_file *mf;
	char err[256];
	int p[2], saved, ok = 0;

	if (pipe(p) == -1)
		return 0;
	if (pipecap == 0) {
		int c = fcntl(p[1], F_SETPIPE_SZ, 1024 * 1024);

		if (c == -1)
			c = fcntl(p[1], F_GETPIPE_SZ);
		pipecap = c > 0 ? (size_t)c : 4096;
	} else
		(void)fcntl(p[1], F_SETPIPE_SZ, (int)pipecap);
	if (size > pipecap || (size > 0 &&
	    write(p[1], data, size) != (ssize_t)size)) {
		close(p[0]);
		close(p[1]);
		return 0;
	}
	close(p[1]);
	if ((saved = dup(STDIN_FILENO)) == -1 ||
	    dup2(p[0], STDIN_FILENO) == -1)
		abort();
	close(p[0]);
	if ((mf = mrt_file_open("-", err, sizeof(err))) != NULL) {
		CHECK(mrt_file_size(mf) == 0);
		drain(mf, o);
		mrt_file_close(mf);
		ok = 1;
	}
	if (dup2(saved, STDIN_FILENO) == -1)
		abort();
	close(saved);
	CHECK(ok);
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome mem, file, ahead, pip;
	struct mrt_file *mf;
	enum mrt_file_fmt fmt;
	char err[256];

	if (tmpfd == -1)
		init();
	if ((mf = mrt_file_open_mem(data, size, err, sizeof(err))) == NULL)
		abort();
	fmt = mrt_file_format(mf);
	CHECK(fmt == MRT_FMT_PLAIN || fmt == MRT_FMT_GZIP ||
	    fmt == MRT_FMT_BZIP2);
	CHECK(mrt_file_size(mf) == 0);
	drain(mf, &mem);
	mrt_file_close(mf);
	if (fmt == MRT_FMT_PLAIN)
		CHECK(mem.offset == size || mem.rc == -1);
	if (from_file(data, size, MRT_AHEAD_OFF, &file))
		same(&mem, &file);
	if (fmt != MRT_FMT_PLAIN &&
	    from_file(data, size, MRT_AHEAD_ON, &ahead))
		same(&mem, &ahead);
	if (from_pipe(data, size, &pip))
		same(&mem, &pip);
	return 0;
}
