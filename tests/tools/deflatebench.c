/*
 * deflatebench: what `compress gzip` cannot go below.  Compresses FILE
 * (an uncompressed updates file of the archive) the way the archive's
 * writer does for update files (bgpd/mrt/mrt_io.c, io_isal): ISA-L's
 * level 1, one gzip member per 256 KiB of records, stateless, from
 * memory to memory: no framing, no queue, no write(2).  Prints the best
 * of N passes' thread CPU time and the compressed size:
 *
 *   deflatebench [-n N] FILE
 *   -> "deflate: 13511329 bytes in 18.1 ms of CPU -> 4077395 bytes"
 *
 * tests/bench/mrt_bench.py sets it beside the load's CPU, so that the
 * part of gzip's cost that is the deflate itself is in the report.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <isa-l/igzip_lib.h>

#define MEMBER	(256 * 1024)	/* mrt_io.c: IO_MEMBER */

static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *fp;
	uint8_t *p = NULL, *np;
	size_t cap = 0, n;

	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	*len = 0;
	for (;;) {
		if (*len == cap) {
			cap = cap ? cap * 2 : 1 << 20;
			if ((np = realloc(p, cap)) == NULL) {
				free(p);
				fclose(fp);
				errno = ENOMEM;
				return NULL;
			}
			p = np;
		}
		if ((n = fread(p + *len, 1, cap - *len, fp)) == 0)
			break;
		*len += n;
	}
	if (ferror(fp)) {
		free(p);
		p = NULL;
	}
	fclose(fp);
	return p;
}

/* One pass: the compressed size, or -1 on an ISA-L error. */
static ssize_t
pass(const uint8_t *in, size_t len, uint8_t *out, size_t outcap,
    uint8_t *lvl, struct isal_zstream *s)
{
	size_t off, n;
	ssize_t total = 0;

	for (off = 0; off < len; off += n) {
		n = len - off < MEMBER ? len - off : MEMBER;
		isal_deflate_stateless_init(s);
		s->gzip_flag = IGZIP_GZIP;
		s->level = 1;
		s->level_buf = lvl;
		s->level_buf_size = ISAL_DEF_LVL1_DEFAULT;
		s->next_in = (uint8_t *)(uintptr_t)(in + off);
		s->avail_in = (uint32_t)n;
		s->end_of_stream = 1;
		s->next_out = out;
		s->avail_out = (uint32_t)outcap;
		if (isal_deflate_stateless(s) != COMP_OK)
			return -1;
		total += (ssize_t)s->total_out;
	}
	return total;
}

int
main(int argc, char *argv[])
{
	struct isal_zstream *s;
	uint8_t *in, *out, *lvl;
	size_t len, outcap = 2 * MEMBER;
	ssize_t size = 0;
	double best = -1, t;
	int ch, i, runs = 9;

	while ((ch = getopt(argc, argv, "n:")) != -1) {
		switch (ch) {
		case 'n':
			runs = atoi(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 1 || runs < 1)
		goto usage;
	if ((in = slurp(argv[optind], &len)) == NULL) {
		fprintf(stderr, "deflatebench: %s: %s\n", argv[optind],
		    strerror(errno));
		return 1;
	}
	/* Zeroed, as the writer's: level 1 reads fields the init leaves. */
	if ((out = malloc(outcap)) == NULL ||
	    (lvl = malloc(ISAL_DEF_LVL1_DEFAULT)) == NULL ||
	    (s = calloc(1, sizeof(*s))) == NULL) {
		fprintf(stderr, "deflatebench: out of memory\n");
		return 1;
	}
	for (i = 0; i < runs; i++) {
		t = cpu_now();
		size = pass(in, len, out, outcap, lvl, s);
		t = cpu_now() - t;
		if (size == -1) {
			fprintf(stderr, "deflatebench: ISA-L failed\n");
			return 1;
		}
		if (best < 0 || t < best)
			best = t;
	}
	printf("deflate: %zu bytes in %.1f ms of CPU -> %zd bytes\n", len,
	    best * 1e3, size);
	free(s);
	free(lvl);
	free(out);
	free(in);
	return 0;
usage:
	fprintf(stderr, "usage: deflatebench [-n N] FILE\n");
	return 2;
}
