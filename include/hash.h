/* hash.h - the one hash of the bucket tables (flows, fragments, sessions,
 * interned names).
 *
 * Every key they hash comes off the wire, so each table hashes with a
 * secret seed: chosen addresses or names cannot pile into one bucket
 * predictably. The mix is the 64-bit finaliser of MurmurHash3 (as in
 * splitmix64): cheap, and with the seed good enough for chaining.
 */
#ifndef ISCSIWATCH_HASH_H
#define ISCSIWATCH_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t hash_mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

/* h mixed with the n bytes at s, eight at a time; the length goes into
 * the last word so that "a" and "a\0" differ. */
static inline uint64_t hash_bytes(uint64_t h, const void *s, size_t n)
{
	const unsigned char *p = s;
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		h = hash_mix64(h ^ w);
		p += 8;
		n -= 8;
	}
	uint64_t w = 0;
	memcpy(&w, p, n);
	return hash_mix64(h ^ w ^ (uint64_t)n << 56);
}

/* A secret seed from the kernel; when it has none to give yet (early
 * boot), one from the table's own address, which ASLR varies. */
uint64_t hash_seed(const void *table);

#endif
