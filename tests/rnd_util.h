/*
 * The tests' seeded random numbers: xorshift64 (Marsaglia) over a state
 * each test keeps, so a failing run repeats.
 */
#ifndef BGPWATCH_RND_UTIL_H
#define BGPWATCH_RND_UTIL_H

#include <stdint.h>

static inline uint64_t
xorshift64(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

#endif /* BGPWATCH_RND_UTIL_H */
