/*
 * The fan-out: events flow one way, from whoever builds a record (the
 * schema encoder, evt_schema.c) through here to the log and the outputs.
 *
 * The fan-out owns the seq.  A record is sealed with the next seq and
 * appended to the log before anything else sees it, synchronously: the
 * log is the source of seq after a restart and of every replay, so an
 * output that falls behind can always catch up from it.  Then the test
 * tap and each output get the record, in the order of the table below.
 * An output is a row (evt_output.h): adding one is one file and one line
 * in evt_fanout_table.  Outputs never call back into the fan-out except
 * to read the seq and find the log's files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evt_fanout.h"
#include "evt_log.h"
#include "log.h"

/* The outputs of the daemon, in the order they get each record. */
static const struct evt_output *const evt_fanout_table[] = {
	&evt_stream_output,
	&evt_kafka_output,
};

struct evt_fanout_slot {
	const struct evt_output	*row;
	void			*state;
};

struct evt_fanout {
	struct evt_log		*log;
	uint64_t		 next_seq;
	char			*collector;	/* NULL: no key */
	evt_tap_fn		 tap;
	void			*tap_arg;
	size_t			 nout;
	struct evt_fanout_slot	 out[EVT_MAX_OUTPUTS];
};

struct evt_fanout *
evt_fanout_open(struct event_base *base, const struct config_events *conf,
    char *err, size_t errlen)
{
	return evt_fanout_open_with(base, conf, evt_fanout_table,
	    sizeof(evt_fanout_table) / sizeof(evt_fanout_table[0]), err,
	    errlen);
}

struct evt_fanout *
evt_fanout_open_with(struct event_base *base,
    const struct config_events *conf, const struct evt_output *const *rows,
    size_t n, char *err, size_t errlen)
{
	struct evt_fanout	*fo;
	struct evt_log_pending	 p;
	size_t			 i;

	if (n > EVT_MAX_OUTPUTS)
		fatalx("evt_fanout_open: more than %d outputs",
		    EVT_MAX_OUTPUTS);
	if ((fo = calloc(1, sizeof(*fo))) == NULL)
		fatal("evt_fanout_open");
	fo->next_seq = 1;
	fo->log = evt_log_new(base);
	if (evt_log_prepare(fo->log, conf, &p, err, errlen) == -1)
		goto fail;
	evt_log_commit(fo->log, conf, &p, &fo->next_seq);
	for (i = 0; i < n; i++) {
		fo->out[i].row = rows[i];
		if ((fo->out[i].state = rows[i]->open(fo, base, conf, err,
		    errlen)) == NULL)
			goto fail;
		fo->nout++;
	}
	return fo;
fail:
	evt_fanout_close(fo);
	return NULL;
}

int
evt_fanout_reconfigure(struct evt_fanout *fo,
    const struct config_events *conf, char *err, size_t errlen)
{
	struct evt_log_pending	 p;
	size_t			 i;

	if (evt_log_prepare(fo->log, conf, &p, err, errlen) == -1)
		return -1;
	for (i = 0; i < fo->nout; i++)
		if (fo->out[i].row->reconfigure(fo->out[i].state, conf, err,
		    errlen) == -1) {
			evt_log_abort(&p);
			return -1;
		}
	evt_log_commit(fo->log, conf, &p, &fo->next_seq);
	return 0;
}

void
evt_fanout_close(struct evt_fanout *fo)
{
	size_t	i;

	if (fo == NULL)
		return;
	for (i = 0; i < fo->nout; i++)
		fo->out[i].row->close(fo->out[i].state);
	evt_log_free(fo->log);
	free(fo->collector);
	free(fo);
}

/* Log first, then the tap, then the outputs.  Returns 0, or -1 if the
 * log write failed. */
static int
evt_fanout_publish(struct evt_fanout *fo, const uint8_t *rec, size_t len,
    uint64_t seq)
{
	size_t	i;
	int	rv;

	rv = evt_log_append(fo->log, rec, len, seq);
	fo->next_seq = seq + 1;
	if (fo->tap != NULL)
		fo->tap(rec, len, seq, fo->tap_arg);
	for (i = 0; i < fo->nout; i++)
		fo->out[i].row->publish(fo->out[i].state, rec, len, seq);
	return rv;
}

uint64_t
evt_fanout_emit(struct evt_fanout *fo, struct evt *e)
{
	const uint8_t	*rec;
	uint64_t	 seq = fo->next_seq;
	size_t		 len;
	int		 rv = -1;

	if (e == NULL)
		return 0;
	/* Last key of the body: who the schema encoder is needs no say. */
	if (fo->collector != NULL)
		evt_str(e, "collector", fo->collector);
	if (evt_seal(e, seq, &rec, &len) == 0)
		rv = evt_fanout_publish(fo, rec, len, seq);
	evt_free(e);
	return rv == 0 ? seq : 0;
}

void
evt_fanout_set_collector(struct evt_fanout *fo, const char *id)
{
	free(fo->collector);
	fo->collector = NULL;
	if (id != NULL && (fo->collector = strdup(id)) == NULL)
		fatal("evt_fanout_set_collector");
}

uint64_t
evt_fanout_next_seq(const struct evt_fanout *fo)
{
	return fo->next_seq;
}

const struct evt_log *
evt_fanout_log(const struct evt_fanout *fo)
{
	return fo->log;
}

int
evt_fanout_sync(struct evt_fanout *fo)
{
	return evt_log_sync(fo->log);
}

int
evt_fanout_stats(const struct evt_fanout *fo, const char *name,
    struct evt_output_stats *st)
{
	size_t	i;

	if (strcmp(name, "log") == 0) {
		evt_log_stats(fo->log, st);
		return 0;
	}
	for (i = 0; i < fo->nout; i++)
		if (strcmp(fo->out[i].row->name, name) == 0) {
			memset(st, 0, sizeof(*st));
			fo->out[i].row->stats(fo->out[i].state, st);
			return 0;
		}
	return -1;
}

const void *
evt_fanout_output_state(const struct evt_fanout *fo, const char *name)
{
	size_t	i;

	for (i = 0; i < fo->nout; i++)
		if (strcmp(fo->out[i].row->name, name) == 0)
			return fo->out[i].state;
	return NULL;
}

void
evt_fanout_tap(struct evt_fanout *fo, evt_tap_fn fn, void *arg)
{
	fo->tap = fn;
	fo->tap_arg = arg;
}
