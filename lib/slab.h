/*
 * Fixed-size object allocator for the RIB's many small objects (trie
 * nodes, attribute sets, small blobs): 64 KiB chunks of equal objects,
 * no per-object header, and a chunk's pages go back to the system when
 * its last object is freed (one empty chunk per slab is kept as a spare),
 * so a flushed table returns its memory.
 */
#ifndef BGPWATCH_SLAB_H
#define BGPWATCH_SLAB_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#define SLAB_CHUNK	(64 * 1024)
#define SLAB_BATCH_MAX	64	/* chunks mapped at once (4 MiB) */
#define SLAB_HUGE	(2 * 1024 * 1024)	/* a transparent huge page */
#define SLAB_HUGE_FROM	8	/* chunks (512 KiB): then batches in huge pages */
#define SLAB_HUGE_TABLE	(512 * 1024)	/* a replay's tables: huge pages */

struct slab_chunk;

/* Empty chunks with their pages, shared by slabs (see slab.c). */
#define SLAB_POOL_MAX	32	/* 2 MiB */
struct slab_pool {
	struct slab_chunk	*c[SLAB_POOL_MAX];
	size_t			 n, max;	/* max <= SLAB_POOL_MAX */
};

struct slab {
	LIST_HEAD(, slab_chunk)	 partial;	/* chunks with room */
	uint32_t		 size;
	uint32_t		 perchunk;
	size_t			 chunks;
	size_t			 empty;		/* chunks kept with none used */
	size_t			 live;		/* objects handed out */
	char			*reserve;	/* mapped, never used chunks */
	size_t			 nreserve;
	int			 reshuge;	/* reserve in huge pages */
	int			 huge;		/* slab_huge_grow */
	struct slab_chunk	**clean;	/* given back, still mapped */
	size_t			 nclean, capclean;
	struct slab_batch {
		char		*p;
		size_t		 n;
	}			*batch;		/* every mapping, to unmap */
	size_t			 nbatch, capbatch;
	struct slab_pool	*pool;		/* NULL: not shared */
};

/*
 * Whether slabs past SLAB_HUGE_FROM chunks map their next batches in
 * transparent huge pages (process-wide, off by default): for a process
 * that builds a RIB and exits without giving memory back (a replay).
 */
void	slab_huge_pages(int on);
/*
 * The same for one slab, in a live daemon too (a slab of many objects
 * that grows fast: the trie's leaves); kept across slab_release.  A
 * chunk of a huge page given back takes that huge page out of THP
 * (MADV_NOHUGEPAGE) before its pages go, so a flush returns them.
 */
void	slab_huge_grow(struct slab *, int on);
/* Sets up an empty slab of size-byte objects (8 <= size <= 4096). */
void	slab_init(struct slab *, size_t size);
/* An object, or NULL when the system is out of memory. */
void	*slab_alloc(struct slab *);
/* Returns an object of this slab. */
void	slab_free(struct slab *, void *);
/* Unmaps every chunk; every object must have been freed. */
void	slab_destroy(struct slab *);
/*
 * Drops every object at once and unmaps every chunk (a few munmaps, not
 * one per chunk); the slab is then empty, as after slab_init.
 */
void	slab_release(struct slab *);
/*
 * Lets s take empty chunks from pool and leave its own there (pool->max
 * set by the caller); every slab sharing a pool must be released at
 * the same time, then the pool reset (slab_pool_reset).
 */
void	slab_share(struct slab *, struct slab_pool *);
void	slab_pool_reset(struct slab_pool *);
/*
 * A zeroed table of len bytes for slab_table_free(p, len); from SLAB_HUGE
 * bytes on (a multiple of it) in transparent huge pages.  NULL when the
 * system has no memory.
 */
void	*slab_table_alloc(size_t len);
void	 slab_table_free(void *, size_t len);
/*
 * The bytes to ask slab_table_alloc for a table of len: len, or in a
 * replay (slab_huge_pages) from SLAB_HUGE_TABLE on whole huge pages (a
 * table is touched all over: no 4 KiB page of it stays untouched).
 */
size_t	 slab_table_size(size_t len);
/* Bytes the slab holds from the system (not counting a pool's). */
size_t	slab_reserved(const struct slab *);

#endif /* BGPWATCH_SLAB_H */
