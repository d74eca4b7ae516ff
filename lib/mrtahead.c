/*
 * Reading a compressed MRT file ahead, on a thread of its own
 * (mrtahead.h).  The thread reads the file through an ordinary
 * mrt_file (the same decompressors, the same checks, the same errors)
 * and copies whole records, header included, into blocks of
 * AHEAD_BLOCK bytes; a block goes to the reader when the next record
 * does not fit, or when the file ends.  The reader takes the records of
 * a block in place.  At most AHEAD_NBLOCKS blocks exist (one filling,
 * the others ready or being read): the thread waits for a block to
 * come back, so memory stays bounded however far the reader falls
 * behind.  A record larger than a block gets a block of its own size
 * (MRT_MAX_RECORD at most, as the inner reader caps it), one such block
 * at a time, freed when the reader is done with it: a hostile file of
 * 16 MiB records holds 2 MiB of blocks and one of 16 MiB, not 8 x 16.
 *
 * The blocks outlive the file: mrt_ahead_stop keeps them for the next
 * one that this thread reads ahead (a replay reads its files one after
 * another; fresh blocks were 1,024 page faults a file, more than the
 * thread saved on a RIS update file), mrt_ahead_cache_free gives them
 * back.
 *
 * What the inner reader ends with (the end of the file, or its error
 * string, always a constant) rides on the last block, behind its
 * records: the reader sees every record the inner reader gave, then the
 * same end.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mrt.h"
#include "mrtahead.h"
#include "mrtfile.h"

#define AHEAD_BLOCK	(256 * 1024)
#define AHEAD_NBLOCKS	8

struct ablock {
	struct ablock	*next;
	uint8_t		*data;
	size_t		 cap;
	size_t		 len;
	int		 end;		/* the file ends behind these */
	const char	*err;		/* with this error, or NULL */
};

struct mrt_ahead {
	struct mrt_file	*in;		/* the thread's until it is joined */
	pthread_t	 thread;
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cv;		/* a block ready, freed, or stop */
	struct ablock	*ready, **ready_tail;
	struct ablock	*spare;		/* blocks to fill again */
	int		 nblocks;	/* allocated */
	int		 big;		/* one over AHEAD_BLOCK is out */
	int		 stop;
	int		 failed;	/* the thread could not allocate */

	/* the reader's side */
	struct ablock	*cur;
	size_t		 off;
};

/* The blocks of this thread's last file read ahead, for its next. */
static _Thread_local struct ablock *kept;
static _Thread_local int nkept;

static void
ablock_free(struct ablock *b)
{
	if (b != NULL)
		free(b->data);
	free(b);
}

/* Keeps b for the next file when it is of the usual size. */
static void
ablock_keep(struct ablock *b)
{
	if (b == NULL)
		return;
	if (nkept >= AHEAD_NBLOCKS || b->cap != AHEAD_BLOCK) {
		ablock_free(b);
		return;
	}
	b->next = kept;
	kept = b;
	nkept++;
}

void
mrt_ahead_cache_free(void)
{
	struct ablock *b;

	while ((b = kept) != NULL) {
		kept = b->next;
		ablock_free(b);
	}
	nkept = 0;
}

/*
 * A block to fill with room for need bytes, waiting for one to come
 * back when AHEAD_NBLOCKS exist.  NULL when told to stop, or out of
 * memory (failed set).
 */
static struct ablock *
take_block(struct mrt_ahead *a, size_t need)
{
	struct ablock *b = NULL;
	uint8_t *nd;
	size_t cap = need > AHEAD_BLOCK ? need : AHEAD_BLOCK;

	pthread_mutex_lock(&a->mtx);
	while (!a->stop && ((a->spare == NULL &&
	    a->nblocks >= AHEAD_NBLOCKS) || (cap > AHEAD_BLOCK && a->big)))
		pthread_cond_wait(&a->cv, &a->mtx);
	if (!a->stop) {
		if ((b = a->spare) != NULL)
			a->spare = b->next;
		else if ((b = calloc(1, sizeof(*b))) != NULL)
			a->nblocks++;
		if (b != NULL && cap > AHEAD_BLOCK)
			a->big = 1;
	}
	pthread_mutex_unlock(&a->mtx);
	if (b == NULL)
		return NULL;
	if (b->cap < cap) {
		if ((nd = realloc(b->data, cap)) == NULL) {
			/* Counted in nblocks still: the reader frees the
			 * ones it has, this one goes now. */
			ablock_free(b);
			return NULL;
		}
		b->data = nd;
		b->cap = cap;
	}
	b->next = NULL;
	b->len = 0;
	b->end = 0;
	b->err = NULL;
	return b;
}

static void
hand_block(struct mrt_ahead *a, struct ablock *b)
{
	pthread_mutex_lock(&a->mtx);
	*a->ready_tail = b;
	a->ready_tail = &b->next;
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mtx);
}

static void *
ahead_main(void *arg)
{
	struct mrt_ahead *a = arg;
	struct ablock *b = NULL;
	struct mrt_hdr h;
	const uint8_t *body;
	const char *errstr;
	size_t total;
	int rv;

	for (;;) {
		rv = mrt_file_next(a->in, &h, &body, &errstr);
		if (rv == 1) {
			total = MRT_HDR_LEN + (size_t)h.len;
			if (b != NULL && b->cap - b->len < total) {
				hand_block(a, b);
				b = NULL;
			}
			if (b == NULL && (b = take_block(a, total)) == NULL)
				break;
			/* The inner reader hands a record out whole and in
			 * place: its header is right in front of the body. */
			memcpy(b->data + b->len, body - MRT_HDR_LEN, total);
			b->len += total;
			continue;
		}
		if (b == NULL && (b = take_block(a, 0)) == NULL)
			break;
		b->end = 1;
		b->err = rv == -1 ? (errstr != NULL ? errstr : "read error") :
		    NULL;
		hand_block(a, b);
		return NULL;
	}
	/* Stopped, or out of memory: the reader is told the latter. */
	ablock_free(b);
	pthread_mutex_lock(&a->mtx);
	a->failed = !a->stop;
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mtx);
	return NULL;
}

struct mrt_ahead *
mrt_ahead_start(struct mrt_file *in)
{
	struct mrt_ahead *a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->in = in;
	a->ready_tail = &a->ready;
	/* Blocks kept from the last file: they count as allocated. */
	a->spare = kept;
	a->nblocks = nkept;
	kept = NULL;
	nkept = 0;
	if (pthread_mutex_init(&a->mtx, NULL) != 0)
		goto fail;
	if (pthread_cond_init(&a->cv, NULL) != 0) {
		pthread_mutex_destroy(&a->mtx);
		goto fail;
	}
	if (pthread_create(&a->thread, NULL, ahead_main, a) != 0) {
		pthread_cond_destroy(&a->cv);
		pthread_mutex_destroy(&a->mtx);
		goto fail;
	}
	return a;

fail:
	kept = a->spare;
	nkept = a->nblocks;
	free(a);
	return NULL;
}

/*
 * The reader is done with its block: the thread may fill it again, or
 * (one larger than AHEAD_BLOCK) it goes, and the next large one may come.
 */
static void
give_back(struct mrt_ahead *a)
{
	struct ablock *b = a->cur;

	if (b == NULL)
		return;
	a->cur = NULL;
	pthread_mutex_lock(&a->mtx);
	if (b->cap > AHEAD_BLOCK) {
		ablock_free(b);
		a->nblocks--;
		a->big = 0;
	} else {
		b->next = a->spare;
		a->spare = b;
	}
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mtx);
}

int
mrt_ahead_next(struct mrt_ahead *a, const uint8_t **rec, size_t *len,
    const char **errstr)
{
	struct ablock *b;
	const uint8_t *p;
	size_t total;

	for (;;) {
		if ((b = a->cur) != NULL && a->off < b->len) {
			p = b->data + a->off;
			total = MRT_HDR_LEN + ((size_t)p[8] << 24 |
			    (size_t)p[9] << 16 | (size_t)p[10] << 8 | p[11]);
			*rec = p;
			*len = total;
			a->off += total;
			return 1;
		}
		if (b != NULL && b->end) {
			*errstr = b->err;
			return b->err != NULL ? -1 : 0;
		}
		give_back(a);
		pthread_mutex_lock(&a->mtx);
		while (a->ready == NULL && !a->failed)
			pthread_cond_wait(&a->cv, &a->mtx);
		if ((b = a->ready) != NULL) {
			if ((a->ready = b->next) == NULL)
				a->ready_tail = &a->ready;
		}
		pthread_mutex_unlock(&a->mtx);
		if (b == NULL) {
			*errstr = "out of memory";
			return -1;
		}
		a->cur = b;
		a->off = 0;
	}
}

struct mrt_file *
mrt_ahead_stop(struct mrt_ahead *a)
{
	struct mrt_file *in = a->in;
	struct ablock *b;

	pthread_mutex_lock(&a->mtx);
	a->stop = 1;
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mtx);
	pthread_join(a->thread, NULL);
	ablock_keep(a->cur);
	while ((b = a->ready) != NULL) {
		a->ready = b->next;
		ablock_keep(b);
	}
	while ((b = a->spare) != NULL) {
		a->spare = b->next;
		ablock_keep(b);
	}
	pthread_cond_destroy(&a->cv);
	pthread_mutex_destroy(&a->mtx);
	free(a);
	return in;
}
