/*
 * A stable sort of keys of up to 192 bits, each with a word that rides
 * along (an index, most often): an LSD radix sort, a byte a pass, that
 * skips the bytes every key shares.  For the large sorts of start-up
 * (the RIR statistics' 600,000 blocks by country and prefix, the
 * detector's block tables), where qsort() with a comparator through a
 * function pointer spent a second.
 */
#ifndef BGPWATCH_KEYSORT_H
#define BGPWATCH_KEYSORT_H

#include <stddef.h>
#include <stdint.h>

struct keysort {
	uint64_t	k[3];		/* k[0] most significant */
	uint64_t	v;		/* not compared */
};

/*
 * Sorts n keys ascending by k[0], then k[1], then k[2]; equal keys keep
 * their order.  Returns 0, or -1 (a left as it was) when the scratch
 * array of n keys cannot be had.
 */
int	keysort(struct keysort *a, size_t n);
/*
 * Sorts the n elements of size bytes at a, stably, by the keys key()
 * gives them (it sets k[0..2]): keysort, then the elements moved into
 * that order.  Without the memory for that, qsort() with cmp, which
 * must give the same order (equal elements then maybe not in theirs).
 */
void	keysort_array(void *a, size_t n, size_t size,
	    void (*key)(const void *, struct keysort *),
	    int (*cmp)(const void *, const void *));

#endif /* BGPWATCH_KEYSORT_H */
