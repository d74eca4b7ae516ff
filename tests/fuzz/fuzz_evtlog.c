/*
 * libFuzzer target for the event-log reader (bgpd/event/evt_reader.c)
 * and the JSON printer (evt_json.c): what `bgpwatchctl events [--from
 * SEQ] FILE` does with a damaged file.  The first input byte picks the
 * way in (read from the start, seek to a seq, seek to an offset with
 * resync), the rest is the file.  Checks: records come out in file order
 * inside the file, each passes the envelope check, the first record read
 * after a seek_seq has a seq >= the one asked for, the good end never passes the
 * file's size, and evt_msgpack_skim agrees with the record's length.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <msgpack.h>

#include "evt_json.h"
#include "evt_reader.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

static char	path[64];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evt_reader	*r;
	struct evt_record	 rec;
	struct evbuffer		*out;
	char			 err[256];
	FILE			*f;
	off_t			 last = -1;
	uint64_t		 seq, from = 0;
	size_t			 objlen, n = 0;
	uint8_t			 sel;
	int			 rv;

	if (path[0] == '\0') {
		snprintf(path, sizeof(path), "/tmp/bgpwatch-fuzzlog-XXXXXX");
		if (mkstemp(path) == -1)
			abort();
	}
	if (size < 1)
		return 0;
	sel = data[0];
	data++;
	size--;
	if ((f = fopen(path, "wb")) == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	if ((r = evt_reader_open(path, err, sizeof(err))) == NULL)
		abort();
	switch (sel & 3) {
	case 1:
		from = sel >> 2;
		CHECK(evt_reader_seek_seq(r, from) == 0);
		break;
	case 2:
		CHECK(evt_reader_seek(r, (off_t)((sel >> 2) * size / 64), 1)
		    == 0);
		break;
	default:
		break;
	}
	out = evbuffer_new();
	while ((rv = evt_reader_next(r, &rec)) == 1) {
		CHECK(rec.off > last && rec.off >= 0);
		CHECK((size_t)rec.off + rec.len <= size);
		CHECK(rec.data == NULL || rec.len > 0);
		CHECK(evt_record_check(rec.obj, &seq) == 0 && seq == rec.seq);
		CHECK(evt_msgpack_skim(rec.data, rec.len, rec.len, &objlen)
		    == 1 && objlen == rec.len);
		if ((sel & 3) == 1 && n == 0)	/* a damaged file may go back */
			CHECK(rec.seq >= from);
		(void)evt_json(out, rec.obj);
		evbuffer_drain(out, evbuffer_get_length(out));
		last = rec.off;
		if (++n > 100000)
			abort();	/* more records than bytes: a loop */
	}
	CHECK(rv == 0);
	CHECK(evt_reader_good_end(r) <= (off_t)size);
	(void)evt_reader_skipped(r);
	evbuffer_free(out);
	evt_reader_close(r);
	(void)evt_reader_first_seq(path);
	return 0;
}
