/*
 * The stream's inbox (rislive_thread.c): what the loop thread hands the
 * worker, as a chain of blocks of items.  Per message the loop thread
 * only writes the item in place at the end of its block (the fill
 * block): no lock, no allocation, no head built on the stack and copied.
 * It takes the mutex once per loop turn, to publish what it wrote
 * (rl_inbox_publish(): the block's published length moves up), and once
 * per full block; the worker is woken once per turn at most, and not at
 * all while it is still working.
 *
 * A block stays the fill block until it is full (sealed), however many
 * turns published parts of it: the worker reads each block from its read
 * offset up to the published length, while the loop thread writes past
 * it.  A sealed block the worker has read goes on a free list that the
 * loop thread takes its next block from.  The worker also keeps
 * RL_IBLK_AHEAD blocks on that list that it has written once
 * (rl_inbox_ahead()), so that the page faults of fresh memory are the
 * worker's, not the loop thread's: a fault costs 15 us of CPU on the
 * VMs we measure on, and one full table is 13 MB of inbox, 3,200 pages.
 * Blocks not used for RL_IBLK_IDLE ticks go back to the heap, and all
 * spare ones when no client is subscribed (rl_inbox_trim()), not at
 * every turn: a trim costs both threads TLB shootdowns.
 *
 * The byte limit counts what is published and not yet taken plus what
 * the loop thread wrote since; its view of the first part (seen) is
 * refreshed whenever it takes the mutex, and errs high (the worker only
 * takes away).  The fast path of rl_inbox_reserve() is inline
 * (rislive_priv.h): a compare and an add per item.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rislive_priv.h"

#define RL_IBLK_AHEAD	128	/* blocks kept written ahead: 8 MB */
#define RL_IBLK_MAX	(RL_INBOX_MAX / RL_IBLK_SIZE + 2 * RL_IBLK_AHEAD)
#define RL_IBLK_IDLE	100	/* ticks (10 s) a free block may idle */

struct rl_iblk {
	struct rl_iblk	*next;
	size_t		 cap;
	size_t		 len;		/* written: the loop thread's */
	size_t		 pub, rd;	/* published, read: under mu */
	uint8_t		 sealed;	/* full: nothing more comes (mu) */
	uint8_t		 inq;		/* in the queue (mu) */
	uint8_t		 data[] __attribute__((aligned(8)));
};

int
rl_inbox_init(struct rl_inbox *in)
{
	memset(in, 0, sizeof(*in));
	in->tailp = &in->head;
	if (pthread_mutex_init(&in->mu, NULL) != 0)
		return -1;
	if (pthread_cond_init(&in->cv, NULL) != 0) {
		pthread_mutex_destroy(&in->mu);
		return -1;
	}
	in->ready = 1;
	return 0;
}

static void
rl_iblk_free_list(struct rl_iblk *b)
{
	struct rl_iblk *next;

	for (; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
}

void
rl_inbox_free(struct rl_inbox *in)
{
	if (!in->ready)
		return;
	pthread_mutex_destroy(&in->mu);
	pthread_cond_destroy(&in->cv);
	if (in->fill != NULL && !in->fill->inq)
		free(in->fill);
	rl_iblk_free_list(in->head);
	rl_iblk_free_list(in->free);
	in->head = in->free = in->fill = NULL;
	in->tailp = &in->head;
	in->ready = 0;
}

/* A block for an item of need bytes, counted in nblk if of the usual
 * size (the loop thread's, when the worker did not keep up). */
static struct rl_iblk *
rl_iblk_new(struct rl_inbox *in, size_t need)
{
	size_t cap = need > RL_IBLK_SIZE ? need : RL_IBLK_SIZE;
	struct rl_iblk *b;

	if ((b = malloc(sizeof(*b) + cap)) == NULL)
		fatal("rislive inbox");
	b->cap = cap;
	if (cap == RL_IBLK_SIZE)
		__atomic_add_fetch(&in->nblk, 1, __ATOMIC_RELAXED);
	return b;
}

/* Under mu: b goes on the free list, or to *gone (freed after). */
static void
rl_iblk_recycle_locked(struct rl_inbox *in, struct rl_iblk *b,
    struct rl_iblk **gone)
{
	if (b->cap != RL_IBLK_SIZE) {
		b->next = *gone;
		*gone = b;
		return;
	}
	b->next = in->free;
	in->free = b;
	in->nfree++;
}

/*
 * Under mu: what the loop thread wrote in the fill block is the
 * worker's; with seal, the block is done with (the worker recycles it
 * once read) and there is no fill block.
 */
static void
rl_inbox_publish_locked(struct rl_inbox *in, int seal,
    struct rl_iblk **gone)
{
	struct rl_iblk *b = in->fill;

	if (b == NULL)
		return;
	b->len = (size_t)(in->wp - b->data);
	in->queued += b->len - b->pub;
	b->pub = b->len;
	if (!b->inq && b->pub > 0) {
		b->next = NULL;
		*in->tailp = b;
		in->tailp = &b->next;
		b->inq = 1;
	}
	if (!seal)
		return;
	b->sealed = 1;
	if (!b->inq)
		rl_iblk_recycle_locked(in, b, gone);
	in->fill = NULL;
	in->wp = in->wend = NULL;
}

/* Under mu: a free block for an item of need bytes, or NULL. */
static struct rl_iblk *
rl_inbox_spare_locked(struct rl_inbox *in, size_t need)
{
	struct rl_iblk *b;

	if (need > RL_IBLK_SIZE || (b = in->free) == NULL)
		return NULL;
	in->free = b->next;
	if (--in->nfree < in->free_low)
		in->free_low = in->nfree;
	return b;
}

void *
rl_inbox_reserve_slow(struct rl_inbox *in, size_t need, size_t limit)
{
	struct rl_iblk *b = in->fill, *gone = NULL;
	int full = b == NULL || (size_t)(in->wend - in->wp) < need;
	uint8_t *p;

	pthread_mutex_lock(&in->mu);
	if (full)
		rl_inbox_publish_locked(in, 1, &gone);
	in->seen = in->queued + (in->fill != NULL ?
	    (size_t)(in->wp - in->fill->data) - in->fill->pub : 0);
	if (limit > 0 && in->seen + need > limit) {
		pthread_mutex_unlock(&in->mu);
		rl_iblk_free_list(gone);
		return NULL;
	}
	b = full ? rl_inbox_spare_locked(in, need) : in->fill;
	pthread_mutex_unlock(&in->mu);
	rl_iblk_free_list(gone);
	if (full) {
		if (b == NULL)
			b = rl_iblk_new(in, need);
		b->len = b->pub = b->rd = 0;
		b->sealed = b->inq = 0;
		b->next = NULL;
		in->fill = b;
		in->wp = b->data;
		in->wend = b->data + b->cap;
	}
	p = in->wp;
	in->wp += need;
	in->seen += need;
	return p;
}

int
rl_inbox_publish(struct rl_inbox *in, int *wake)
{
	struct rl_iblk *gone = NULL;
	int any;

	pthread_mutex_lock(&in->mu);
	rl_inbox_publish_locked(in, 0, &gone);
	in->seen = in->queued;
	any = in->queued > 0;
	*wake = any && !in->signalled;
	if (*wake)
		in->signalled = 1;
	pthread_mutex_unlock(&in->mu);
	return any;
}

const uint8_t *
rl_inbox_take(struct rl_inbox *in, size_t *len)
{
	struct rl_iblk *b, *gone = NULL;
	const uint8_t *p = NULL;

	pthread_mutex_lock(&in->mu);
	while ((b = in->head) != NULL) {
		if (b->rd < b->pub) {
			p = b->data + b->rd;
			*len = b->pub - b->rd;
			in->queued -= *len;
			b->rd = b->pub;
			break;
		}
		if (!b->sealed)
			break;
		/* Read to its end: the loop thread may have it again. */
		if ((in->head = b->next) == NULL)
			in->tailp = &in->head;
		b->inq = 0;
		rl_iblk_recycle_locked(in, b, &gone);
	}
	if (p == NULL)
		in->signalled = 0;	/* asleep: the next publish wakes us */
	pthread_mutex_unlock(&in->mu);
	rl_iblk_free_list(gone);
	return p;
}

void
rl_inbox_ahead(struct rl_inbox *in)
{
	struct rl_iblk *b;
	size_t nfree;

	pthread_mutex_lock(&in->mu);
	nfree = in->nfree;
	pthread_mutex_unlock(&in->mu);
	for (; nfree < RL_IBLK_AHEAD; nfree++) {
		if (__atomic_load_n(&in->nblk, __ATOMIC_RELAXED) >= RL_IBLK_MAX)
			return;
		b = rl_iblk_new(in, RL_IBLK_SIZE);
		memset(b->data, 0, b->cap);	/* the faults, here */
		pthread_mutex_lock(&in->mu);
		rl_iblk_recycle_locked(in, b, NULL);
		pthread_mutex_unlock(&in->mu);
	}
}

void
rl_inbox_trim(struct rl_inbox *in, int all)
{
	struct rl_iblk *list = NULL, *b;
	size_t n;

	pthread_mutex_lock(&in->mu);
	if (all || ++in->ticks >= RL_IBLK_IDLE) {
		/* Blocks the free list never went below: not needed. */
		n = all ? in->nfree : in->free_low > RL_IBLK_AHEAD ?
		    in->free_low - RL_IBLK_AHEAD : 0;
		for (; n > 0 && (b = in->free) != NULL; n--) {
			in->free = b->next;
			in->nfree--;
			b->next = list;
			list = b;
			__atomic_sub_fetch(&in->nblk, 1, __ATOMIC_RELAXED);
		}
		in->ticks = 0;
		in->free_low = in->nfree;
	}
	pthread_mutex_unlock(&in->mu);
	rl_iblk_free_list(list);
}
