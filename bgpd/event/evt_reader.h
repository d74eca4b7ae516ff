/*
 * Reading event logs (the stream output replays, bgpwatchctl prints).
 * Records are self-delimiting; each starts with the map header and
 * "v":1,"seq", which lets the reader find the next record after damaged
 * bytes.  Nothing here knows the daemon: bgpwatchctl links it alone.
 */
#ifndef BGPWATCH_EVT_READER_H
#define BGPWATCH_EVT_READER_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "evt_format.h"

struct msgpack_object;
struct evt_reader;

struct evt_record {
	const uint8_t			*data;	/* the record's bytes */
	size_t				 len;
	uint64_t			 seq;
	off_t				 off;	/* offset in the file */
	const struct msgpack_object	*obj;	/* the decoded map */
};

/* Opens a log file for reading.  Returns NULL with err set. */
struct evt_reader *evt_reader_open(const char *path, char *err,
	    size_t errlen);
void	evt_reader_close(struct evt_reader *);
/*
 * Reads the next record: returns 1 and fills rec (valid until the next
 * call), 0 at the end of the data (a later call sees what was appended
 * since), or -1 on a read error (errno).  Damaged bytes followed by
 * valid records are skipped and counted (evt_reader_skipped()).
 */
int	evt_reader_next(struct evt_reader *, struct evt_record *rec);
/*
 * Positions the reader so that the next record read is the first with
 * seq >= seq (bisecting the file, then reading at most a window).
 * Returns 0, or -1 on a read error.
 */
int	evt_reader_seek_seq(struct evt_reader *, uint64_t seq);
/*
 * Positions the reader at off; with resync the first record after off is
 * searched for (off need not be a record start).  Returns 0, or -1.
 */
int	evt_reader_seek(struct evt_reader *, off_t off, int resync);
/* Where the last record read ends: bytes past it are a torn tail. */
off_t	evt_reader_good_end(const struct evt_reader *);
/* Damaged bytes skipped so far (not counting those skipped to find the
 * first record after a seek with resync). */
uint64_t evt_reader_skipped(const struct evt_reader *);
/* The seq of the first record of the file at path, 0 if none. */
uint64_t evt_reader_first_seq(const char *path);

/*
 * Checks the envelope of a decoded record.  Returns 0 and sets *seq, or
 * -1 if it is not an event map (v, seq, ts, type).
 */
int	evt_record_check(const struct msgpack_object *, uint64_t *seq);
/*
 * Length of the one msgpack object at p without decoding it, so that
 * hostile counts never reach the allocating unpacker.  Returns 1 and sets
 * *objlen, 0 if more bytes are needed, -1 if it is malformed or would be
 * larger than max bytes.
 */
int	evt_msgpack_skim(const uint8_t *p, size_t len, size_t max,
	    size_t *objlen);
/* Items the skims of this thread have looked at so far (for tests). */
uint64_t evt_reader_skim_steps(void);
/*
 * For tests: the items a reader's plain skims may look at in one buffer
 * before its memo answers them (0: always the memo, UINT64_MAX: never).
 * Readers opened after the call, in this thread, take it.  Returns
 * the number it replaces.
 */
uint64_t evt_reader_test_plain(uint64_t items);
/* For tests: each answer of the memo checked against the plain walk
 * (on); returns how many were wrong so far. */
uint64_t evt_reader_test_check(int on);
/* Tests: with on, the memo's memory is never had (the walk answers). */
void	evt_reader_test_nomemo(int on);

#endif /* BGPWATCH_EVT_READER_H */
