/*
 * mkseeds: cuts fuzzing seeds out of real MRT files.
 *   mkseeds update DIR FILE...   UPDATE bodies (with fuzz_update's leading
 *                                selector byte) and RIB attribute blocks
 *   mkseeds mrt DIR FILE...      runs of a few consecutive MRT records
 * At most PER_FILE seeds per input file, spread over the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgpwatch.h"
#include "bgp.h"
#include "mrt.h"
#include "mrtfile.h"

#define PER_FILE	60
#define RUN		6

static int	nseeds;

static void
put(const char *dir, const uint8_t *p, size_t len, uint8_t sel, int with_sel)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/seed-%05d", dir, nseeds++);
	if ((f = fopen(path, "wb")) == NULL) {
		perror(path);
		exit(1);
	}
	if (with_sel)
		fputc(sel, f);
	fwrite(p, 1, len, f);
	fclose(f);
}

static void
update_seed(const char *dir, const struct mrt_record *r)
{
	const struct mrt_bgp4mp *m = &r->u.bgp4mp;
	struct mrt_rib_entry e;
	struct buf b;
	uint8_t sel;

	if (r->kind == MRT_K_MESSAGE) {
		if (m->msg.len <= BGP_HDR_LEN || m->msg.p[18] != BGP_UPDATE)
			return;
		sel = (uint8_t)((m->as4 ? 1 : 0) | (m->addpath ? 6 : 0));
		put(dir, m->msg.p + BGP_HDR_LEN, m->msg.len - BGP_HDR_LEN,
		    sel, 1);
	} else if (r->kind == MRT_K_RIB) {
		buf_init(&b, r->u.rib.entries.p, r->u.rib.entries.len);
		if (mrt_rib_next(&b, r->u.rib.addpath, &e) == 1)
			put(dir, e.attrs.p, e.attrs.len, 0x11, 1);
	}
}

/* Writes the 12-byte MRT common header of h at p. */
static void
put_hdr(uint8_t *p, const struct mrt_hdr *h)
{
	struct wbuf w;

	wbuf_init(&w, p, MRT_HDR_LEN);
	wbuf_put_u32(&w, h->ts);
	wbuf_put_u16(&w, h->type);
	wbuf_put_u16(&w, h->subtype);
	wbuf_put_u32(&w, h->len);
}

static int
one_file(const char *kind, const char *dir, const char *path)
{
	struct mrt_file *mf;
	struct mrt_hdr h;
	struct mrt_record r;
	const uint8_t *body;
	const char *errstr;
	uint8_t *run = NULL;
	size_t runlen = 0;
	char err[256];
	int n = 0, inrun = 0, stride;

	if ((mf = mrt_file_open(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	while (mrt_file_next(mf, &h, &body, &errstr) == 1)
		n++;
	mrt_file_close(mf);
	stride = n / PER_FILE + 1;
	if ((mf = mrt_file_open(path, err, sizeof(err))) == NULL)
		return -1;
	for (n = 0; mrt_file_next(mf, &h, &body, &errstr) == 1; n++) {
		if (strcmp(kind, "mrt") == 0) {
			if (n % stride == 0 && h.len < 65536)
				inrun = RUN;
			if (inrun > 0) {
				run = realloc(run, runlen + MRT_HDR_LEN + h.len);
				if (run == NULL)
					abort();
				put_hdr(run + runlen, &h);
				memcpy(run + runlen + MRT_HDR_LEN, body, h.len);
				runlen += MRT_HDR_LEN + h.len;
				if (--inrun == 0) {
					put(dir, run, runlen, 0, 0);
					runlen = 0;
				}
			}
			continue;
		}
		if (n % stride != 0 ||
		    mrt_record_decode(&h, body, h.len, &r, &errstr) == -1)
			continue;
		update_seed(dir, &r);
	}
	if (runlen > 0)
		put(dir, run, runlen, 0, 0);
	free(run);
	mrt_file_close(mf);
	return 0;
}

int
main(int argc, char *argv[])
{
	int i;

	if (argc < 4) {
		fprintf(stderr, "usage: mkseeds update|mrt DIR FILE...\n");
		return 2;
	}
	if (strcmp(argv[1], "update") != 0 && strcmp(argv[1], "mrt") != 0) {
		printf("0 seeds (no real-data seeds for %s)\n", argv[1]);
		return 0;
	}
	for (i = 3; i < argc; i++)
		one_file(argv[1], argv[2], argv[i]);
	printf("%d seeds\n", nseeds);
	return 0;
}
