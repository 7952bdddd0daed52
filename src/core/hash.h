/*
 * hash -- a fast non-cryptographic hash of bytes, for in-memory tables (interned texts of
 * the bulk loader and of an import's registry snapshot). A word of 8 bytes a step: a
 * multiply and a shift each. Never stored, never keyed: not for anything an attacker
 * chooses to collide with on purpose (secret.h has the keyed hashes).
 */
#ifndef WB_HASH_H
#define WB_HASH_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t hash_bytes(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0x9E3779B97F4A7C15ULL ^ n, v;
	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&v, s, 8);
		h = (h ^ v) * 0xFF51AFD7ED558CCDULL;
		h ^= h >> 32;
	}
	v = 0;
	memcpy(&v, s, n);
	h = (h ^ v) * 0xC4CEB9FE1A85EC53ULL;
	return h ^ (h >> 29);
}

#endif
