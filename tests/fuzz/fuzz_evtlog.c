/*
 * libFuzzer target for the event-log reader (bgpd/event/evt_reader.c)
 * and the JSON printer (evt_json.c): what `bgpwatchctl events [--from
 * SEQ] FILE` does with a damaged file.  The first input byte picks the
 * way in (read from the start, seek to a seq, seek to an offset with
 * resync), the rest is the file.  Checks: records come out in file order
 * inside the file, each passes the envelope check, the first record read
 * after a seek_seq has a seq >= the one asked for, the good end never passes the
 * file's size, and evt_msgpack_skim agrees with the record's length.
 * Way 3 then opens the file as the daemon opens its log at start
 * (evt_log_prepare: the seq from the tail, a torn tail cut off, a file
 * that is no log refused): the seq recovered is the highest read, and
 * the file is cut exactly where the last whole record ended.
 */
#include <sys/stat.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <msgpack.h>

#include "config.h"
#include "evt_json.h"
#include "evt_log.h"
#include "evt_reader.h"
#include "log.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

static char	path[64];

/*
 * The file opened as the daemon's event log: refused (a file that is no
 * log), or its seq is the highest of the records read (all of them: the
 * input is inside the 1 MiB tail window) and it ends where they end.
 */
static void
as_log(uint64_t maxseq, off_t good_end, size_t size)
{
	struct config_events	 conf;
	struct evt_log_pending	 p;
	struct evt_log		*l;
	struct stat		 st;
	char			 err[256];

	memset(&conf, 0, sizeof(conf));
	conf.log_path = path;
	l = evt_log_new(NULL);
	err[0] = '\0';
	if (evt_log_prepare(l, &conf, &p, err, sizeof(err)) == -1) {
		CHECK(err[0] != '\0' && maxseq == 0);
		evt_log_free(l);
		return;
	}
	CHECK(p.change && p.fd != -1 && p.last == maxseq);
	CHECK(stat(path, &st) == 0 && st.st_size == p.size);
	CHECK(p.size == good_end && (size_t)p.size <= size);
	evt_log_abort(&p);
	evt_log_free(l);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evt_reader	*r;
	struct evt_record	 rec;
	struct evbuffer		*out;
	char			 err[256];
	FILE			*f;
	off_t			 last = -1;
	uint64_t		 seq, from = 0, maxseq = 0;
	size_t			 objlen, n = 0;
	uint8_t			 sel;
	int			 rv;

	if (path[0] == '\0') {
		log_init(0, 0);		/* the torn-tail warnings: syslog */
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
		if (rec.seq > maxseq)
			maxseq = rec.seq;
		if (++n > 100000)
			abort();	/* more records than bytes: a loop */
	}
	CHECK(rv == 0);
	CHECK(evt_reader_good_end(r) <= (off_t)size);
	(void)evt_reader_skipped(r);
	if ((sel & 3) == 3)
		as_log(maxseq, evt_reader_good_end(r), size);
	evbuffer_free(out);
	evt_reader_close(r);
	(void)evt_reader_first_seq(path);
	return 0;
}
