/*
 * Streaming MRT file reader.
 *
 * Two buffers: raw input read from the file in large chunks (or the
 * caller's memory), and a window of decompressed bytes from which records
 * are framed.  The window normally holds many records; a record is handed
 * out in place, and the window is only compacted or grown when the next
 * record does not fit behind the last one.  Growing is bounded by
 * MRT_MAX_RECORD, checked before any allocation, so a hostile length
 * costs nothing.
 *
 * Compression is found by magic bytes in the first raw chunk: 1f 8b is
 * gzip (zlib's inflate, concatenated members included), "BZh" bzip2
 * (libbz2's stream API, concatenated streams included), anything else
 * plain.  Driving inflate and BZ2_bzDecompress ourselves, rather than
 * gzread/BZ2_bzRead, lets stdin and memory work the same way as files,
 * with no seek to undo the sniffing.
 *
 * gzip goes through libdeflate first, a whole member at a time: about
 * twice as fast as inflate, with a CRC several times faster.  It needs
 * the member's compressed bytes in one buffer and room for all of its
 * output, which bgpwatchd's own archive gives (members of 256 KiB of
 * records, bgpd/mrt/mrt_io.c) and so does a RIS update file (one member
 * of a few MB).  A member that does not fit MRTF_LD_IN / MRTF_LD_OUT, or
 * that libdeflate rejects (truncated, corrupt, trailing garbage), sends
 * the rest of the file to inflate, which streams any size and reports
 * the error as it always did: at most one wasted attempt per file.
 * The window then is MRTF_LD_WINDOW bytes, touched only as far as the
 * members reach.
 */
#define _GNU_SOURCE	/* sched_getaffinity, CPU_COUNT */
#include <sys/stat.h>

#include <bzlib.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include <libdeflate.h>

#include "mrt.h"
#include "mrtahead.h"
#include "mrtfile.h"

/* The fuzz build makes the raw buffers small (Makefile), so that its
 * inputs cross their edges. */
#ifndef MRTF_INBUF
#define MRTF_INBUF	(256 * 1024)	/* raw bytes per read(2) */
#endif
#define MRTF_WINDOW	(512 * 1024)	/* initial decompressed window */
#define MRTF_WINDOW_MAX	(MRT_HDR_LEN + MRT_MAX_RECORD)
#ifndef MRTF_LD_IN
#define MRTF_LD_IN	(4 * 1024 * 1024)	/* a member's raw bytes */
#endif
#define MRTF_LD_OUT	(16 * 1024 * 1024)	/* and its output */
#define MRTF_LD_WINDOW	(MRTF_LD_OUT + 64 * 1024) /* + a record's head */

/* ld_start keeps what sniff read (MRTF_INBUF at most). */
_Static_assert(MRTF_LD_IN >= MRTF_INBUF, "MRTF_LD_IN below MRTF_INBUF");

struct mrt_file {
	int		 fd;		/* -1 for memory */
	int		 close_fd;
	enum mrt_file_fmt fmt;

	/* raw input */
	uint8_t		*in;		/* owned read buffer, or NULL */
	int		 in_big;	/* in is MRTF_LD_IN bytes */
	const uint8_t	*inp;		/* unread raw bytes */
	size_t		 inlen;
	int		 in_eof;	/* nothing more to read */

	/* decompressor */
	z_stream	 zs;
	bz_stream	 bs;
	int		 dec_init;
	int		 dec_end;	/* at the end of a gzip member or
					 * bzip2 stream */
	const char	*dec_err;	/* corrupt data after the bytes
					 * last produced */
	struct libdeflate_decompressor *ld;	/* gzip: NULL once inflate
						 * took over */

	/* decompressed window: [off, len) not yet handed out */
	uint8_t		*win;
	size_t		 cap;
	size_t		 off;
	size_t		 len;
	uint64_t	 consumed;

	const char	*err;		/* sticky error */

	/* read ahead: records come from here (win, in and the
	 * decompressors are unused) */
	struct mrt_ahead *ahead;
};

static void __attribute__((format(printf, 3, 4)))
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Reads raw input once.  Returns 0, or -1 on a read error. */
static int
read_raw(struct mrt_file *f)
{
	ssize_t n;

	if (f->in_eof || f->inlen > 0)
		return 0;
	do {
		n = read(f->fd, f->in, MRTF_INBUF);
	} while (n == -1 && errno == EINTR);
	if (n == -1) {
		f->err = "read error";
		return -1;
	}
	if (n == 0)
		f->in_eof = 1;
	f->inp = f->in;
	f->inlen = (size_t)n;
	return 0;
}

/* Reads plain input into out.  Returns the bytes, 0 at the end, or -1. */
static ssize_t
read_direct(struct mrt_file *f, uint8_t *out, size_t room)
{
	ssize_t n;

	do {
		n = read(f->fd, out, room);
	} while (n == -1 && errno == EINTR);
	if (n == -1) {
		f->err = "read error";
		return -1;
	}
	if (n == 0)
		f->in_eof = 1;
	return n;
}

static int
dec_start(struct mrt_file *f)
{
	switch (f->fmt) {
	case MRT_FMT_GZIP:
		memset(&f->zs, 0, sizeof(f->zs));
		/* 15 + 16: gzip wrapper only */
		if (inflateInit2(&f->zs, 15 + 16) != Z_OK)
			return -1;
		break;
	case MRT_FMT_BZIP2:
		memset(&f->bs, 0, sizeof(f->bs));
		if (BZ2_bzDecompressInit(&f->bs, 0, 0) != BZ_OK)
			return -1;
		break;
	case MRT_FMT_PLAIN:
		break;
	}
	f->dec_init = 1;
	f->dec_end = 0;
	return 0;
}

static void
dec_stop(struct mrt_file *f)
{
	if (!f->dec_init)
		return;
	if (f->fmt == MRT_FMT_GZIP)
		inflateEnd(&f->zs);
	else if (f->fmt == MRT_FMT_BZIP2)
		BZ2_bzDecompressEnd(&f->bs);
	f->dec_init = 0;
}

/*
 * Runs the decompressor once from the raw input into out.  Returns the
 * bytes produced (possibly 0 with progress made), or -1 on corrupt data.
 */
static ssize_t
dec_step(struct mrt_file *f, uint8_t *out, size_t room)
{
	size_t used, made;
	int rc;

	if (f->fmt == MRT_FMT_GZIP) {
		f->zs.next_in = (Bytef *)(uintptr_t)f->inp;
		f->zs.avail_in = (uInt)f->inlen;
		f->zs.next_out = out;
		f->zs.avail_out = (uInt)room;
		rc = inflate(&f->zs, Z_NO_FLUSH);
		used = f->inlen - f->zs.avail_in;
		made = room - f->zs.avail_out;
		if (rc == Z_STREAM_END)
			f->dec_end = 1;
		else if (rc != Z_OK && rc != Z_BUF_ERROR)
			goto corrupt;
	} else {
		f->bs.next_in = (char *)(uintptr_t)f->inp;
		f->bs.avail_in = (unsigned int)f->inlen;
		f->bs.next_out = (char *)out;
		f->bs.avail_out = (unsigned int)room;
		rc = BZ2_bzDecompress(&f->bs);
		used = f->inlen - f->bs.avail_in;
		made = room - f->bs.avail_out;
		if (rc == BZ_STREAM_END)
			f->dec_end = 1;
		else if (rc != BZ_OK)
			goto corrupt;
	}
	f->inp += used;
	f->inlen -= used;
	return (ssize_t)made;

corrupt:
	/*
	 * What came out before the damage is handed out first, as a
	 * smaller window would have: otherwise how many records of a
	 * damaged file are read would depend on the window (up to 16 MiB
	 * lost) and on file against pipe.
	 */
	f->dec_err = f->fmt == MRT_FMT_GZIP ? "corrupt gzip data" :
	    "corrupt bzip2 data";
	f->inp += used;
	f->inlen -= used;
	if (made > 0)
		return (ssize_t)made;
	f->err = f->dec_err;
	return -1;
}

/* libdeflate gives up: inflate goes on from the same member. */
static void
ld_stop(struct mrt_file *f)
{
	if (f->ld != NULL)
		libdeflate_free_decompressor(f->ld);
	f->ld = NULL;
}

/*
 * The big buffers of a gzip file read through libdeflate (MRTF_LD_IN,
 * MRTF_LD_WINDOW) are kept for the next file the thread opens, one of
 * each: a replay opens its update files one after another, and every
 * fresh buffer (mmap'ed by malloc) had its pages faulted in again, some
 * 800 faults per RIS update file at several microseconds each on a VM,
 * a quarter of that replay's CPU.  mrt_file_cache_free() gives them back.
 */
static _Thread_local uint8_t *spare_in, *spare_win;

/* A buffer of the big size holding the first n bytes of old (freed). */
static uint8_t *
big_buffer(uint8_t **spare, uint8_t *old, size_t n, size_t size)
{
	uint8_t *p;

	if (*spare == NULL)
		return realloc(old, size);
	p = *spare;
	*spare = NULL;
	if (n > 0)
		memcpy(p, old, n);
	free(old);
	return p;
}

void
mrt_file_cache_free(void)
{
	free(spare_in);
	free(spare_win);
	spare_in = spare_win = NULL;
	mrt_ahead_cache_free();
}

/*
 * Tops the raw buffer up to MRTF_LD_IN bytes (or the end of the file):
 * when less than half of it is left, or (force) whenever it is not full.
 * Not after every member: the move of what is left would then cost up to
 * 4 MiB per member, and a file of 20-byte empty members made that
 * quadratic (minutes for a few MB).  Half left means every byte moved
 * was paid for by a byte read.
 */
static int
ld_fill(struct mrt_file *f, int force)
{
	ssize_t n;

	if (f->fd == -1 || f->in_eof || f->inlen == MRTF_LD_IN ||
	    (!force && f->inlen >= MRTF_LD_IN / 2))
		return 0;
	if (f->inlen > 0 && f->inp != f->in)
		memmove(f->in, f->inp, f->inlen);
	f->inp = f->in;
	while (!f->in_eof && f->inlen < MRTF_LD_IN) {
		n = read(f->fd, f->in + f->inlen, MRTF_LD_IN - f->inlen);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			f->err = "read error";
			return -1;
		}
		if (n == 0)
			f->in_eof = 1;
		f->inlen += (size_t)n;
	}
	return 0;
}

/*
 * One member through libdeflate into the window.  A member may run past
 * the raw bytes in the buffer (it was not topped up while half full):
 * then once more with the buffer full.  Returns 1, 0 when libdeflate
 * cannot do it (inflate's turn), -1 on a read error.
 */
static int
ld_member(struct mrt_file *f, size_t *used, size_t *made)
{
	if (libdeflate_gzip_decompress_ex(f->ld, f->inp, f->inlen,
	    f->win + f->len, f->cap - f->len, used, made) == LIBDEFLATE_SUCCESS)
		return 1;
	if (f->fd == -1 || f->in_eof || f->inlen == MRTF_LD_IN)
		return 0;
	if (ld_fill(f, 1) == -1)
		return -1;
	return libdeflate_gzip_decompress_ex(f->ld, f->inp, f->inlen,
	    f->win + f->len, f->cap - f->len, used, made) == LIBDEFLATE_SUCCESS;
}

/*
 * fill() for gzip through libdeflate: whole members inflated straight
 * into the window, behind the bytes not handed out yet (moved to its
 * start: a record's head at most, none for our own members, which end
 * on a record).  Returns as fill() does, or -2 when inflate must take
 * over (the window keeps what it holds, the raw input is at the member).
 */
static int
ld_fill_window(struct mrt_file *f, size_t need)
{
	size_t left, used, made;
	uint8_t *nw;
	int rc;

	if (f->cap < MRTF_LD_WINDOW) {
		nw = big_buffer(&spare_win, f->win, f->len, MRTF_LD_WINDOW);
		if (nw == NULL) {
			ld_stop(f);
			return -2;
		}
		f->win = nw;
		f->cap = MRTF_LD_WINDOW;
	}
	while ((left = f->len - f->off) < need) {
		if (f->off > 0) {
			memmove(f->win, f->win + f->off, left);
			f->off = 0;
			f->len = left;
		}
		if (ld_fill(f, 0) == -1)
			return -1;
		if (f->inlen == 0)
			return 0;
		if ((rc = ld_member(f, &used, &made)) == -1)
			return -1;
		if (rc == 0) {
			ld_stop(f);
			return -2;
		}
		f->inp += used;
		f->inlen -= used;
		f->len += made;
	}
	return 1;
}

/*
 * Produces more decompressed bytes at out.  Returns the count, 0 at the
 * end of the input, -1 on an error (f->err set).
 */
static ssize_t
produce(struct mrt_file *f, uint8_t *out, size_t room)
{
	ssize_t n;

	if (f->dec_err != NULL) {
		f->err = f->dec_err;
		return -1;
	}
	for (;;) {
		/* A plain file goes straight into the window (no copy
		 * through the input buffer: 384 MB for ten full tables). */
		if (f->fmt == MRT_FMT_PLAIN && f->inlen == 0 && f->fd != -1 &&
		    !f->in_eof)
			return read_direct(f, out, room);
		if (f->inlen == 0) {
			if (f->fd == -1 || f->in_eof)
				f->in_eof = 1;
			else if (read_raw(f) == -1)
				return -1;
		}
		if (f->fmt == MRT_FMT_PLAIN) {
			n = (ssize_t)(f->inlen < room ? f->inlen : room);
			memcpy(out, f->inp, (size_t)n);
			f->inp += n;
			f->inlen -= (size_t)n;
			return n;
		}
		if (f->dec_end) {
			/* Another member or stream may follow. */
			if (f->inlen == 0 && f->in_eof)
				return 0;
			if (f->inlen == 0)
				continue;
			dec_stop(f);
			if (dec_start(f) == -1) {
				f->err = "out of memory";
				return -1;
			}
		}
		if (f->inlen == 0 && f->in_eof) {
			f->err = f->fmt == MRT_FMT_GZIP ?
			    "truncated gzip stream" : "truncated bzip2 stream";
			return -1;
		}
		if ((n = dec_step(f, out, room)) != 0)
			return n;
	}
}

/* fill() when the window is short of need bytes. */
static int
fill_more(struct mrt_file *f, size_t need)
{
	uint8_t *nw;
	size_t ncap;
	ssize_t n;

	if (f->ld != NULL && (n = ld_fill_window(f, need)) != -2)
		return (int)n;
	if (f->cap - f->off < need) {
		if (f->off > 0) {
			memmove(f->win, f->win + f->off, f->len - f->off);
			f->len -= f->off;
			f->off = 0;
		}
		if (f->cap < need) {
			for (ncap = f->cap; ncap < need; ncap *= 2)
				;
			if (ncap > MRTF_WINDOW_MAX)
				ncap = MRTF_WINDOW_MAX;
			if ((nw = realloc(f->win, ncap)) == NULL) {
				f->err = "out of memory";
				return -1;
			}
			f->win = nw;
			f->cap = ncap;
		}
	}
	while (f->len - f->off < need) {
		n = produce(f, f->win + f->len, f->cap - f->len);
		if (n == -1)
			return -1;
		if (n == 0)
			return 0;
		f->len += (size_t)n;
	}
	return 1;
}

/*
 * Makes at least need bytes available in the window.  Returns 1, 0 if
 * the input ended first, -1 on an error.  Inline: twice per record, and
 * the bytes are nearly always there.
 */
static inline int
fill(struct mrt_file *f, size_t need)
{
	if (f->len - f->off >= need)
		return 1;
	return fill_more(f, need);
}

static struct mrt_file *
mrtf_new(int fd, int close_fd, const void *mem, size_t memlen)
{
	struct mrt_file *f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->fd = fd;
	f->close_fd = close_fd;
	if ((f->win = malloc(MRTF_WINDOW)) == NULL)
		goto fail;
	f->cap = MRTF_WINDOW;
	if (fd == -1) {
		f->inp = mem;
		f->inlen = memlen;
		f->in_eof = 1;
	} else if ((f->in = malloc(MRTF_INBUF)) == NULL)
		goto fail;
	return f;

fail:
	free(f->win);
	free(f);
	return NULL;
}

/*
 * The raw buffer of a gzip file grows to hold a member.  Not for a pipe
 * (stdin): reading ahead 4 MiB would hold back records that came.
 */
static int
ld_start(struct mrt_file *f)
{
	struct stat st;
	uint8_t *nin;
	size_t at;

	if (f->fd != -1) {
		if (fstat(f->fd, &st) == -1 || !S_ISREG(st.st_mode))
			return 0;
		at = (size_t)(f->inp - f->in);
		nin = big_buffer(&spare_in, f->in, at + f->inlen, MRTF_LD_IN);
		if (nin == NULL)
			return -1;
		f->in = nin;
		f->inp = nin + at;
		f->in_big = 1;
	}
	f->ld = libdeflate_alloc_decompressor();
	return 0;	/* no decompressor: inflate does it all */
}

/* Reads until the magic bytes are in, then starts the decompressor. */
static int
sniff(struct mrt_file *f, char *err, size_t errlen)
{
	uint8_t *p;
	ssize_t n;

	while (f->fd != -1 && !f->in_eof && f->inlen < 3) {
		/* A pipe may deliver the first bytes one at a time. */
		p = f->in + f->inlen;
		do {
			n = read(f->fd, p, MRTF_INBUF - f->inlen);
		} while (n == -1 && errno == EINTR);
		if (n == -1) {
			set_err(err, errlen, "read: %s", strerror(errno));
			return -1;
		}
		if (n == 0)
			f->in_eof = 1;
		f->inp = f->in;
		f->inlen += (size_t)n;
	}
	if (f->inlen >= 2 && f->inp[0] == 0x1f && f->inp[1] == 0x8b)
		f->fmt = MRT_FMT_GZIP;
	else if (f->inlen >= 3 && memcmp(f->inp, "BZh", 3) == 0)
		f->fmt = MRT_FMT_BZIP2;
	else
		f->fmt = MRT_FMT_PLAIN;
	if (f->fmt == MRT_FMT_GZIP && ld_start(f) == -1) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	if (dec_start(f) == -1) {
		set_err(err, errlen, "cannot start the decompressor");
		return -1;
	}
	return 0;
}

struct mrt_file *
mrt_file_open(const char *path, char *err, size_t errlen)
{
	struct mrt_file *f;
	int fd, is_stdin;

	is_stdin = strcmp(path, "-") == 0;
	if (is_stdin)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		set_err(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((f = mrtf_new(fd, !is_stdin, NULL, 0)) == NULL) {
		set_err(err, errlen, "%s: out of memory", path);
		if (!is_stdin)
			close(fd);
		return NULL;
	}
	if (sniff(f, err, errlen) == -1) {
		mrt_file_close(f);
		return NULL;
	}
	return f;
}

/* Can this thread run on more than one CPU? */
static int
several_cpus(void)
{
	cpu_set_t set;

	return sched_getaffinity(0, sizeof(set), &set) == 0 &&
	    CPU_COUNT(&set) > 1;
}

struct mrt_file *
mrt_file_open_ahead(const char *path, enum mrt_ahead_mode ahead, char *err,
    size_t errlen)
{
	struct mrt_file *in, *f;
	struct stat st;

	if ((in = mrt_file_open(path, err, errlen)) == NULL)
		return NULL;
	/*
	 * AUTO: bzip2 only.  Its decompression is most of a replay's time
	 * (24 MB/s here), and a thread makes one 1.2-1.6 times faster;
	 * libdeflate inflates gzip fast enough that the copy into blocks
	 * and the records read on another core than they were made on
	 * took what the thread gave (docs/replay.md, "Speed").
	 */
	if (ahead == MRT_AHEAD_OFF || in->fmt == MRT_FMT_PLAIN ||
	    in->fd == -1 || fstat(in->fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (ahead == MRT_AHEAD_AUTO && (in->fmt != MRT_FMT_BZIP2 ||
	    !several_cpus())))
		return in;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return in;		/* read in this thread, then */
	if ((f->ahead = mrt_ahead_start(in)) == NULL) {
		free(f);
		return in;
	}
	f->fd = -1;
	f->fmt = in->fmt;
	return f;
}

int
mrt_file_ahead(const struct mrt_file *f)
{
	return f->ahead != NULL;
}

struct mrt_file *
mrt_file_open_mem(const void *p, size_t n, char *err, size_t errlen)
{
	struct mrt_file *f;

	if ((f = mrtf_new(-1, 0, p, n)) == NULL) {
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	if (sniff(f, err, errlen) == -1) {
		mrt_file_close(f);
		return NULL;
	}
	return f;
}

/* A BGP4MP_ET record's microseconds, the first 4 bytes of its body. */
static void
et_usec(struct mrt_hdr *h, const uint8_t *body)
{
	if (h->type == MRT_BGP4MP_ET && h->len >= 4)
		h->usec = (uint32_t)body[0] << 24 | (uint32_t)body[1] << 16 |
		    (uint32_t)body[2] << 8 | body[3];
}

/* The thread's next record, framed as mrt_file_next frames its own. */
static int
ahead_next(struct mrt_file *f, struct mrt_hdr *h, const uint8_t **body,
    const char **errstr)
{
	const uint8_t *rec;
	size_t len;
	int rc;

	if ((rc = mrt_ahead_next(f->ahead, &rec, &len, errstr)) != 1)
		return rc;
	(void)mrt_hdr_decode(rec, MRT_HDR_LEN, h);
	et_usec(h, rec + MRT_HDR_LEN);
	*body = rec + MRT_HDR_LEN;
	f->consumed += len;
	*errstr = NULL;
	return 1;
}

int
mrt_file_next(struct mrt_file *f, struct mrt_hdr *h, const uint8_t **body,
    const char **errstr)
{
	const uint8_t *p;
	size_t total;
	int rc;

	if (f->ahead != NULL)
		return ahead_next(f, h, body, errstr);
	if (f->err != NULL)
		goto fail;
	if ((rc = fill(f, MRT_HDR_LEN)) == -1)
		goto fail;
	if (rc == 0) {
		if (f->len == f->off)
			return 0;
		f->err = "truncated MRT header";
		goto fail;
	}
	(void)mrt_hdr_decode(f->win + f->off, MRT_HDR_LEN, h);
	if (h->len > MRT_MAX_RECORD) {
		f->err = "MRT record length over the limit";
		goto fail;
	}
	total = MRT_HDR_LEN + (size_t)h->len;
	if ((rc = fill(f, total)) == -1)
		goto fail;
	if (rc == 0) {
		f->err = "truncated MRT record";
		goto fail;
	}
	p = f->win + f->off + MRT_HDR_LEN;
	et_usec(h, p);
	*body = p;
	f->off += total;
	f->consumed += total;
	*errstr = NULL;
	return 1;

fail:
	*errstr = f->err;
	return -1;
}

enum mrt_file_fmt
mrt_file_format(const struct mrt_file *f)
{
	return f->fmt;
}

uint64_t
mrt_file_offset(const struct mrt_file *f)
{
	return f->consumed;
}

uint64_t
mrt_file_size(const struct mrt_file *f)
{
	struct stat st;

	if (f->fmt != MRT_FMT_PLAIN || f->fd == -1 ||
	    fstat(f->fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_size < 0)
		return 0;
	return (uint64_t)st.st_size;
}

void
mrt_file_close(struct mrt_file *f)
{
	if (f == NULL)
		return;
	if (f->ahead != NULL) {
		/* The inner reader's buffers go to this thread's spares. */
		mrt_file_close(mrt_ahead_stop(f->ahead));
		free(f);
		return;
	}
	dec_stop(f);
	ld_stop(f);
	if (f->close_fd && f->fd != -1)
		close(f->fd);
	if (f->in_big && spare_in == NULL) {
		spare_in = f->in;
		f->in = NULL;
	}
	if (f->cap == MRTF_LD_WINDOW && spare_win == NULL) {
		spare_win = f->win;
		f->win = NULL;
	}
	free(f->in);
	free(f->win);
	free(f);
}
