/* hash.c - the secret seed of each bucket table (hash.h). */
#include <sys/random.h>
#include <sys/types.h>

#include "hash.h"

uint64_t hash_seed(const void *table)
{
	uint64_t seed;
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(seed))
		seed = (uint64_t)(uintptr_t)table ^ 0x9e3779b97f4a7c15ull;
	return seed;
}
