/*
 * Fixed-size object slabs.  A chunk is 64 KiB, aligned to its size, so
 * that the chunk of an object is found by
 * masking its address; a chunk header keeps the chunk's free list and
 * how many objects are free.  Chunks with room sit on the slab's partial
 * list; allocation takes from the first of them, first from its free
 * list, then from its never-used tail; a chunk's pages are populated in
 * one call when the chunk is taken.  An empty chunk is given back at once unless it
 * is the slab's only empty one: keeping one spare stops a slab that
 * hovers at a chunk boundary (a node freed and another allocated, over
 * and over during a flush) from giving back a chunk every time.
 *
 * Chunks are mapped in batches (1, 2, 4, ... up to SLAB_BATCH_MAX chunks
 * at a time as the slab grows), each batch trimmed to alignment once;
 * the chunks of a batch not yet used are never touched, so they cost
 * address space, not memory.  An empty chunk's pages are given back
 * (madvise) but its range stays the slab's, for reuse first; the
 * batches are unmapped whole by slab_release, which also drops every
 * object at once (a RIB being freed need not free its nodes one by
 * one).  Every munmap of touched memory is a TLB shootdown on every core
 * the process ran on: freeing a 6 M-route RIB chunk by chunk was 8,600
 * munmaps, a quarter of a replay's CPU on a 2-core VM.
 *
 * In a replay (slab_huge_pages), a slab past SLAB_HUGE_FROM chunks maps
 * its next batches, of SLAB_BATCH_MAX chunks (two whole huge pages: a
 * smaller mapping cannot hold one), aligned to 2 MiB and marked for
 * transparent huge pages: a replayed 10-table dump's route arrays (92
 * MB) were 23,000 4 KiB pages, each populated at ~6 us on this
 * project's VM, and a TLB miss at nearly every route array touched.
 * On this VM a 4 KiB page costs ~6 us more at its first touch after
 * populating (user time: the host maps it then); the first 4 MiB of
 * every slab in 4 KiB pages were a tenth of the full-table update
 * file's replay, so slabs go huge from 512 KiB (at most one huge page
 * partly used per slab that big: 1-2 MB more of RSS).  A replay gives
 * nothing back before it exits.  In a live daemon only the slabs asked
 * (slab_huge_grow: the trie's leaves), as a huge page is all resident
 * once one chunk of it is used (every slab: the 2015 table from one
 * session 50 -> 52 MB).  A chunk given back there (a flush) would be a
 * 64 KiB hole in a huge page, which khugepaged may fill again (a
 * collapse allocates up to max_ptes_none missing pages, 511 by
 * default), and the chunk taken again would populate a whole huge page:
 * so a chunk remembers that it came from a huge batch (its header, which
 * a pass through the pool keeps), and giving it back takes its huge
 * page out of THP (MADV_NOHUGEPAGE) before its pages go, and with them
 * the slab's never used chunks in that huge page.  The kernel
 * then maps the huge page in 4 KiB pages; the pages given back leave the
 * RSS at once, and the huge page's memory is freed whole when its last
 * chunk goes, or split under memory pressure (the kernel's deferred
 * split) while some chunk of it is still used.
 *
 * Slabs may share a pool of empty chunks whose pages were kept
 * (slab_share): with many peers a prefix's route array moves up through
 * the size classes, so one class's chunks empty while the next one's
 * fill; through the pool a chunk goes from one to the other as it is,
 * instead of a madvise (a TLB shootdown on every core, 18 % of a
 * 10-peer load on this 2-core VM) and a population.  The pool is bounded
 * (SLAB_POOL_MAX chunks); past that chunks go back as before.
 * Slabs that share a pool lend each other chunks of their mappings, so
 * they must be released together (the trie's are).
 *
 * Under AddressSanitizer free objects are poisoned (all but the free
 * list link), so a use after free of a node or attribute set is caught
 * as it would be with malloc.
 */
#include <sys/mman.h>

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "slab.h"

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/asan_interface.h>
#define SLAB_POISON(p, n)	ASAN_POISON_MEMORY_REGION((p), (n))
#define SLAB_UNPOISON(p, n)	ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define SLAB_POISON(p, n)	do { } while (0)
#define SLAB_UNPOISON(p, n)	do { } while (0)
#endif

#define SLAB_HDR	64

struct slab_chunk {
	LIST_ENTRY(slab_chunk)	 entry;		/* on the partial list */
	void			*free;		/* freed objects */
	char			*fresh;		/* never used from here on */
	uint32_t		 nfree;		/* freed + fresh */
	uint32_t		 huge;		/* its 2 MiB mapped for THP */
};

static int	slab_thp;	/* slab_huge_pages */

void
slab_huge_pages(int on)
{
	slab_thp = on;
}

void
slab_huge_grow(struct slab *s, int on)
{
	s->huge = on;
}

void
slab_init(struct slab *s, size_t size)
{
	assert(size >= sizeof(void *) && size <= 4096);
	memset(s, 0, sizeof(*s));
	LIST_INIT(&s->partial);
	s->size = (uint32_t)size;
	s->perchunk = (uint32_t)((SLAB_CHUNK - SLAB_HDR) / size);
}

/*
 * len bytes aligned to a chunk, or with huge to SLAB_HUGE and marked for
 * transparent huge pages: the alignment more than needed is mapped, then
 * both ends trimmed.  NULL when the system has no memory.
 */
static char *
slab_map_aligned(size_t len, int huge)
{
	size_t align = huge ? SLAB_HUGE : SLAB_CHUNK;
	uintptr_t base, aligned;
	char *p;

	p = mmap(NULL, len + align, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	base = (uintptr_t)p;
	aligned = (base + align - 1) & ~(uintptr_t)(align - 1);
	if (aligned > base)
		munmap(p, aligned - base);
	munmap((char *)aligned + len, base + align - aligned);
#ifdef MADV_HUGEPAGE
	if (huge)
		(void)madvise((void *)aligned, len, MADV_HUGEPAGE);
#endif
	return (char *)aligned;
}

/* Maps a batch of n aligned chunks.  Returns 0, or -1 (no memory). */
static int
slab_batch_map(struct slab *s, size_t n, int huge)
{
	struct slab_batch *b;
	size_t len = n * SLAB_CHUNK;
	char *aligned;

	if (s->nbatch == s->capbatch) {
		if ((b = reallocarray(s->batch, s->capbatch + 16,
		    sizeof(*b))) == NULL)
			return -1;
		s->batch = b;
		s->capbatch += 16;
	}
	if ((aligned = slab_map_aligned(len, huge)) == NULL)
		return -1;
	s->batch[s->nbatch].p = aligned;
	s->batch[s->nbatch].n = n;
	s->nbatch++;
	s->reserve = aligned;
	s->nreserve = n;
	s->reshuge = huge;
	return 0;
}

/* c, empty, becomes s's (on its partial list). */
static void
slab_chunk_setup(struct slab *s, struct slab_chunk *c)
{
	c->free = NULL;
	c->fresh = (char *)c + SLAB_HDR;
	c->nfree = s->perchunk;
	SLAB_POISON(c->fresh, SLAB_CHUNK - SLAB_HDR);
	LIST_INSERT_HEAD(&s->partial, c, entry);
	s->chunks++;
	s->empty++;
}

/*
 * A chunk of the pool, else one given back before, else one of the last
 * batch, else a new batch.
 */
static struct slab_chunk *
slab_chunk_new(struct slab *s)
{
	struct slab_chunk *c;
	size_t n;
	int huge, fromhuge = 0;

	if (s->pool != NULL && s->pool->n > 0) {
		/* Populated already, by whichever slab emptied it. */
		c = s->pool->c[--s->pool->n];
		slab_chunk_setup(s, c);
		return c;
	}
	if (s->nclean > 0)
		c = s->clean[--s->nclean];
	else {
		if (s->nreserve == 0) {
			huge = (slab_thp || s->huge) &&
			    s->chunks >= SLAB_HUGE_FROM;
			/* Huge: whole huge pages, or THP cannot back them. */
			n = huge || s->chunks >= SLAB_BATCH_MAX ?
			    SLAB_BATCH_MAX : s->chunks + 1;
			if (slab_batch_map(s, n, huge) == -1 &&
			    (n == 1 || slab_batch_map(s, 1, 0) == -1))
				return NULL;
		}
		c = (struct slab_chunk *)(void *)s->reserve;
		s->reserve += SLAB_CHUNK;
		s->nreserve--;
		fromhuge = s->reshuge;
	}
	/*
	 * Its pages in one call: a page fault per 4 KiB costs far more (on
	 * this VM a chunk's 16 faults ~200 us, populated ~110 us), and the
	 * chunk's objects are all used before the next chunk is taken.
	 */
#ifdef MADV_POPULATE_WRITE
	(void)madvise(c, SLAB_CHUNK, MADV_POPULATE_WRITE);
#endif
	/* A given back chunk's huge page was taken out of THP then. */
	c->huge = (uint32_t)fromhuge;
	slab_chunk_setup(s, c);
	return c;
}

/*
 * c, from a huge batch, is given back: its huge page out of THP first
 * (khugepaged would fill the hole again, up to max_ptes_none missing
 * pages, 511 by default, and a chunk taken again would populate a whole
 * huge page); the huge page lies inside the batch (aligned, whole huge
 * pages).  The slab's never used chunks in that huge page were populated
 * with it: they go too (else a flushed table kept them).
 */
static void
slab_huge_drop(struct slab *s, struct slab_chunk *c)
{
	uintptr_t hp = (uintptr_t)c & ~(uintptr_t)(SLAB_HUGE - 1);
	uintptr_t r = (uintptr_t)s->reserve, end;

#ifdef MADV_NOHUGEPAGE
	(void)madvise((void *)hp, SLAB_HUGE, MADV_NOHUGEPAGE);
#endif
	if (s->nreserve == 0 || (r & ~(uintptr_t)(SLAB_HUGE - 1)) != hp)
		return;
	end = r + s->nreserve * SLAB_CHUNK;
	if (end > hp + SLAB_HUGE)
		end = hp + SLAB_HUGE;
	(void)madvise((void *)r, end - r, MADV_DONTNEED);
}

/*
 * An empty chunk's pages go back to the system; its address range stays
 * the slab's (on the clean list), so that the batch can be unmapped as
 * one range in the end, with no hole someone else may have mapped since.
 */
static void
slab_chunk_free(struct slab *s, struct slab_chunk *c)
{
	struct slab_chunk **cl;

	LIST_REMOVE(c, entry);
	SLAB_UNPOISON(c, SLAB_CHUNK);
	if (c->huge)
		slab_huge_drop(s, c);
	(void)madvise(c, SLAB_CHUNK, MADV_DONTNEED);
	s->chunks--;
	if (s->nclean == s->capclean) {
		/* Out of memory: the range is lost until slab_release. */
		if ((cl = reallocarray(s->clean, s->capclean + 64,
		    sizeof(*cl))) == NULL)
			return;
		s->clean = cl;
		s->capclean += 64;
	}
	s->clean[s->nclean++] = c;
}

void *
slab_alloc(struct slab *s)
{
	struct slab_chunk *c;
	void *p;

	if ((c = LIST_FIRST(&s->partial)) == NULL &&
	    (c = slab_chunk_new(s)) == NULL)
		return NULL;
	if (c->nfree == s->perchunk)
		s->empty--;
	if (c->free != NULL) {
		p = c->free;
		SLAB_UNPOISON(p, s->size);
		memcpy(&c->free, p, sizeof(void *));
	} else {
		p = c->fresh;
		c->fresh += s->size;
		SLAB_UNPOISON(p, s->size);
	}
	if (--c->nfree == 0)
		LIST_REMOVE(c, entry);
	s->live++;
	return p;
}

void
slab_free(struct slab *s, void *p)
{
	struct slab_chunk *c;

	c = (struct slab_chunk *)((uintptr_t)p & ~(uintptr_t)(SLAB_CHUNK - 1));
	memcpy(p, &c->free, sizeof(void *));
	SLAB_POISON((char *)p + sizeof(void *), s->size - sizeof(void *));
	c->free = p;
	s->live--;
	if (c->nfree++ == 0)
		LIST_INSERT_HEAD(&s->partial, c, entry);
	if (c->nfree == s->perchunk && s->empty++ > 0) {
		s->empty--;
		if (s->pool != NULL && s->pool->n < s->pool->max) {
			/* Kept whole for the next slab that needs one. */
			LIST_REMOVE(c, entry);
			s->chunks--;
			s->pool->c[s->pool->n++] = c;
		} else
			slab_chunk_free(s, c);
	}
}

void
slab_share(struct slab *s, struct slab_pool *pool)
{
	s->pool = pool;
}

void
slab_pool_reset(struct slab_pool *pool)
{
	pool->n = 0;
}

void
slab_release(struct slab *s)
{
	size_t i;
	int huge = s->huge;

	for (i = 0; i < s->nbatch; i++) {
		SLAB_UNPOISON(s->batch[i].p, s->batch[i].n * SLAB_CHUNK);
		munmap(s->batch[i].p, s->batch[i].n * SLAB_CHUNK);
	}
	free(s->batch);
	free(s->clean);
	slab_init(s, s->size);
	s->huge = huge;
}

void
slab_destroy(struct slab *s)
{
	assert(s->live == 0);
	slab_release(s);
}

/*
 * Big tables (a RIB's prefix index: 16 MiB at a full table) are touched
 * all over, at random: in 4 KiB pages every one is a fault (on this
 * project's VM ~11 us each, 4,096 for 16 MiB) and a TLB miss nearly
 * every probe.  From SLAB_HUGE on they are mapped aligned to it and
 * marked for transparent huge pages (honoured in the kernel's "madvise"
 * mode as in "always"; with THP off they are 4 KiB pages as before).
 */
void *
slab_table_alloc(size_t len)
{
	if (len < SLAB_HUGE || len % SLAB_HUGE != 0)
		return calloc(1, len);
	return slab_map_aligned(len, 1);
}

size_t
slab_table_size(size_t len)
{
	if (!slab_thp || len < SLAB_HUGE_TABLE)
		return len;
	return (len + SLAB_HUGE - 1) & ~(size_t)(SLAB_HUGE - 1);
}

void
slab_table_free(void *p, size_t len)
{
	if (p == NULL)
		return;
	if (len < SLAB_HUGE || len % SLAB_HUGE != 0)
		free(p);
	else
		munmap(p, len);
}

size_t
slab_reserved(const struct slab *s)
{
	return s->chunks * SLAB_CHUNK;
}
