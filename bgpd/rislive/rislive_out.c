/*
 * Outgoing ris_messages, shared by the clients.  A message is encoded
 * once, framed once (the RFC 6455 header is written here: a server's
 * frames are unmasked, so it is 2, 4 or 10 bytes) at the end of an arena
 * block, and every client that gets it takes a reference to those bytes
 * instead of a copy: its run, a range of one block that grows while the
 * client gets consecutive frames of that block.  A client's run goes
 * into its output buffer (evbuffer_add_reference(), the block counted)
 * before anything else is written to it (wslay's frames: acks, pongs,
 * errors, events, the close), at each flush and at the queue limit.
 * wslay still reads, answers control frames and frames everything else.
 * Each kind of frame (plain or deflated, with or without raw) has its
 * own arena, so that a client's frames stay contiguous.
 *
 * Memory: a block lives while an output buffer holds a reference to it.
 * A run shorter than a quarter of its block is copied rather than
 * referenced, so the blocks a client pins are at most four times what
 * it has queued (and queued bytes are capped by queue-limit).  Spent
 * blocks are kept for reuse (up to RL_BLK_CACHE of them): a fresh block
 * from malloc costs page faults, and giving it back trims the heap,
 * which costs TLB shootdowns that interrupt the loop thread too.
 * Everything here runs on the stream's thread.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rislive_priv.h"

#define RL_BLK_SIZE	(64 * 1024)	/* an arena block's bytes */
#define RL_BLK_CACHE	32		/* spent blocks kept */

struct rl_blk {
	size_t		 refs;	/* the arena's, runs', output buffers' */
	size_t		 cap, len;
	struct rislive	*rl;	/* whose cache takes it back */
	struct rl_blk	*next;	/* in that cache */
	uint8_t		 data[];
};

static void
rl_blk_unref(struct rl_blk *b)
{
	struct rislive *rl;

	if (b == NULL || --b->refs > 0)
		return;
	rl = b->rl;
	if (b->cap != RL_BLK_SIZE || rl->nfree_blk >= RL_BLK_CACHE) {
		free(b);
		return;
	}
	b->next = rl->free_blk;
	rl->free_blk = b;
	rl->nfree_blk++;
}

static struct rl_blk *
rl_blk_new(struct rislive *rl, size_t cap)
{
	struct rl_blk *b;

	if (cap == RL_BLK_SIZE && (b = rl->free_blk) != NULL) {
		rl->free_blk = b->next;
		rl->nfree_blk--;
	} else if ((b = malloc(sizeof(*b) + cap)) == NULL)
		fatal("rislive frame");
	b->refs = 1;
	b->cap = cap;
	b->len = 0;
	b->rl = rl;
	b->next = NULL;
	return b;
}

/* evbuffer_add_reference()'s cleanup: the bytes left the buffer. */
static void
rl_blk_cleanup(const void *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	rl_blk_unref(arg);
}

size_t
rl_frame_head(uint8_t *h, size_t len, int rsv1)
{
	int i;

	h[0] = 0x80 | (rsv1 ? 0x40 : 0) | WSLAY_TEXT_FRAME;	/* FIN */
	if (len < 126) {
		h[1] = (uint8_t)len;
		return 2;
	}
	if (len <= 0xffff) {
		h[1] = 126;
		h[2] = (uint8_t)(len >> 8);
		h[3] = (uint8_t)len;
		return 4;
	}
	h[1] = 127;
	for (i = 0; i < 8; i++)
		h[2 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
	return 10;
}

void
rl_frame_make(struct rislive *rl, int kind, const void *p, size_t len,
    struct rl_frame *f)
{
	struct rl_blk *b = rl->arena[kind];
	uint8_t head[RL_FRAME_HEAD_MAX];
	size_t hlen, need, cap;

	hlen = rl_frame_head(head, len, kind & RL_FK_DEFLATE);
	need = hlen + len;
	if (b == NULL || b->cap - b->len < need) {
		rl_blk_unref(b);
		cap = need > RL_BLK_SIZE ? need : RL_BLK_SIZE;
		b = rl_blk_new(rl, cap);
		rl->arena[kind] = b;
	}
	f->blk = b;
	f->off = b->len;
	f->len = need;
	memcpy(b->data + b->len, head, hlen);
	memcpy(b->data + b->len + hlen, p, len);
	b->len += need;
}

void
rl_run_add(struct rl_client *c, const struct rl_frame *f)
{
	if (c->run_blk == f->blk && c->run_off + c->run_len == f->off) {
		c->run_len += f->len;
		return;
	}
	(void)rl_run_flush(c);
	c->run_blk = f->blk;
	f->blk->refs++;
	c->run_off = f->off;
	c->run_len = f->len;
}

int
rl_run_flush(struct rl_client *c)
{
	struct rl_blk *b = c->run_blk;
	struct evbuffer *out = bufferevent_get_output(c->bev);
	const uint8_t *p;
	int r;

	if (b == NULL)
		return 0;
	p = b->data + c->run_off;
	c->run_blk = NULL;
	if (c->run_len >= b->cap / 4) {
		/* The reference is the buffer's now: rl_blk_cleanup()
		 * drops it (libevent does not call it on failure). */
		if ((r = evbuffer_add_reference(out, p, c->run_len,
		    rl_blk_cleanup, b)) == -1)
			rl_blk_unref(b);
	} else {
		r = evbuffer_add(out, p, c->run_len);
		rl_blk_unref(b);
	}
	c->run_len = 0;
	return r;
}

void
rl_run_drop(struct rl_client *c)
{
	rl_blk_unref(c->run_blk);
	c->run_blk = NULL;
	c->run_len = 0;
}

void
rl_arena_free(struct rislive *rl)
{
	struct rl_blk *b;
	int i;

	for (i = 0; i < RL_FK_MAX; i++) {
		rl_blk_unref(rl->arena[i]);
		rl->arena[i] = NULL;
	}
	while ((b = rl->free_blk) != NULL) {
		rl->free_blk = b->next;
		free(b);
	}
	rl->nfree_blk = 0;
}
