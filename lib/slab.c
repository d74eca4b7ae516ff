/*
 * Fixed-size object slabs.  A chunk is 64 KiB, aligned to its size, so
 * that the chunk of an object is found by masking its address; a chunk
 * header keeps the chunk's free list and how many objects are free.
 * Chunks are mapped SLAB_RESERVE at a time (address space only) and
 * populated one by one as they are taken, in one call rather than a page
 * fault per 4 KiB.  Chunks with room sit on the slab's partial list;
 * allocation takes from the first of them, first from its free list,
 * then from its never-used tail.  An empty chunk is unmapped at once
 * unless it is the slab's only empty one: keeping one spare stops a slab
 * that hovers at a chunk boundary (a node freed and another allocated,
 * over and over during a flush) from mapping and unmapping a chunk every
 * time.
 *
 * Under AddressSanitizer free objects are poisoned (all but the free
 * list link), so a use after free of a node or attribute set is caught
 * as it would be with malloc.
 */
#include <sys/mman.h>

#include <assert.h>
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
};

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
 * Maps SLAB_RESERVE aligned chunks at once (one more, then trims both
 * ends): address space only, nothing is touched until a chunk is used.
 */
static int
slab_reserve(struct slab *s)
{
	uintptr_t base, aligned;
	size_t len = (SLAB_RESERVE + 1) * (size_t)SLAB_CHUNK;
	char *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	if (p == MAP_FAILED)
		return -1;
	base = (uintptr_t)p;
	aligned = (base + SLAB_CHUNK - 1) & ~(uintptr_t)(SLAB_CHUNK - 1);
	if (aligned > base)
		munmap(p, aligned - base);
	if (base + len > aligned + SLAB_RESERVE * (size_t)SLAB_CHUNK)
		munmap((char *)aligned + SLAB_RESERVE * (size_t)SLAB_CHUNK,
		    base + len - aligned - SLAB_RESERVE * (size_t)SLAB_CHUNK);
	s->res = (char *)aligned;
	s->nres = SLAB_RESERVE;
	return 0;
}

/*
 * The next chunk of the reservation, its pages populated in one call:
 * a page fault per 4 KiB is far dearer, on a VM most of all, and the
 * chunk's objects are all used before the next chunk is taken.
 */
static struct slab_chunk *
slab_chunk_new(struct slab *s)
{
	struct slab_chunk *c;

	if (s->nres == 0 && slab_reserve(s) == -1)
		return NULL;
	c = (struct slab_chunk *)(void *)s->res;
	s->res += SLAB_CHUNK;
	s->nres--;
#ifdef MADV_POPULATE_WRITE
	(void)madvise(c, SLAB_CHUNK, MADV_POPULATE_WRITE);
#endif
	c->free = NULL;
	c->fresh = (char *)c + SLAB_HDR;
	c->nfree = s->perchunk;
	SLAB_POISON(c->fresh, SLAB_CHUNK - SLAB_HDR);
	LIST_INSERT_HEAD(&s->partial, c, entry);
	s->chunks++;
	s->empty++;
	return c;
}

static void
slab_chunk_free(struct slab *s, struct slab_chunk *c)
{
	LIST_REMOVE(c, entry);
	SLAB_UNPOISON(c, SLAB_CHUNK);
	munmap(c, SLAB_CHUNK);
	s->chunks--;
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
		slab_chunk_free(s, c);
	}
}

void
slab_destroy(struct slab *s)
{
	struct slab_chunk *c;

	assert(s->live == 0);
	while ((c = LIST_FIRST(&s->partial)) != NULL) {
		s->empty--;
		slab_chunk_free(s, c);
	}
	assert(s->chunks == 0);
	if (s->nres > 0)
		munmap(s->res, s->nres * (size_t)SLAB_CHUNK);
	s->res = NULL;
	s->nres = 0;
}

size_t
slab_reserved(const struct slab *s)
{
	return s->chunks * SLAB_CHUNK;
}
