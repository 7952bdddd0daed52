/*
 * blake2b -- keyed BLAKE2b with the key block compressed once (see blake2b.h).
 *
 * The compression works on the 4x4 state a row at a time: the four G functions of a
 * column step run side by side in 4-lane vectors (GCC/Clang vector extensions), and the
 * diagonal step rotates rows b, c and d so that the diagonals line up as columns. The
 * function is built twice (target_clones): for AVX2, where a row is one register, and
 * for the baseline, where it is two; the loader picks one when the program starts.
 * This is RFC 7693 as written, only arranged for the vector units; the unit test
 * compares it with libsodium for every message length up to 300 bytes.
 */
#include "core/blake2b.h"

#include <assert.h>
#include <string.h>

typedef uint64_t v4 __attribute__((vector_size(32)));

static const uint64_t IV[8] = {
	0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
	0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
};

static const unsigned char SIGMA[12][16] = {
	{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
	{14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
	{11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
	{7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
	{9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
	{2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
	{12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
	{13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
	{6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
	{10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
	{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
	{14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
};

/* BLAKE2b's words are little-endian: on such machines a copy is the conversion. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define LITTLE_ENDIAN_WORDS 1
#else
#define LITTLE_ENDIAN_WORDS 0
#endif

static uint64_t load64(const unsigned char *p)
{
	uint64_t v = 0;
	if (LITTLE_ENDIAN_WORDS)
		memcpy(&v, p, 8);
	else
		for (int i = 7; i >= 0; i--)
			v = v << 8 | p[i];
	return v;
}

/* Rotations right (macros: a function taking a vector would change the ABI between the
 * two builds). By 32 and 16 bits they are shuffles of 32- and 16-bit lanes, one
 * instruction where shifts take three. */
typedef uint32_t v8u32 __attribute__((vector_size(32)));
typedef uint16_t v16u16 __attribute__((vector_size(32)));
#define rotr(x, n) (((x) >> (n)) | ((x) << (64 - (n))))
#define rotr32(x)  ((v4)__builtin_shufflevector((v8u32)(x), (v8u32)(x), 1, 0, 3, 2, 5, 4, 7, 6))
#define rotr16(x)                                                                                  \
	((v4)__builtin_shufflevector((v16u16)(x), (v16u16)(x), 1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11,  \
				     8, 13, 14, 15, 12))

/* Half a round: the four G functions of a step, with message words x and y. */
#define G4(a, b, c, d, x, y)                                                                       \
	do {                                                                                       \
		a += b + (x);                                                                      \
		d = rotr32(d ^ a);                                                                 \
		c += d;                                                                            \
		b = rotr(b ^ c, 24);                                                               \
		a += b + (y);                                                                      \
		d = rotr16(d ^ a);                                                                 \
		c += d;                                                                            \
		b = rotr(b ^ c, 63);                                                               \
	} while (0)

/* Compress one block into h; t is the byte count so far (messages here stay far below
 * 2^64 bytes, so the counter's high word is 0), last marks the final block. */
__attribute__((target_clones("avx2", "default"))) static void
compress(uint64_t h[8], const unsigned char block[BLAKE2B_BLOCK_BYTES], uint64_t t, int last)
{
	uint64_t m[16];
	for (int i = 0; i < 16; i++)
		m[i] = load64(block + 8 * i);
	v4 a = {h[0], h[1], h[2], h[3]}, b = {h[4], h[5], h[6], h[7]};
	v4 c = {IV[0], IV[1], IV[2], IV[3]};
	v4 d = {IV[4] ^ t, IV[5], IV[6] ^ (last ? ~0ULL : 0), IV[7]};
	/* unrolled, so that the message schedule is constant and the words are loaded
	 * straight from m */
#pragma GCC unroll 12
	for (int r = 0; r < 12; r++) {
		const unsigned char *s = SIGMA[r];
		G4(a, b, c, d, ((v4){m[s[0]], m[s[2]], m[s[4]], m[s[6]]}),
		   ((v4){m[s[1]], m[s[3]], m[s[5]], m[s[7]]}));
		/* the diagonals as columns: b rotates by one lane, c by two, d by three */
		b = __builtin_shufflevector(b, b, 1, 2, 3, 0);
		c = __builtin_shufflevector(c, c, 2, 3, 0, 1);
		d = __builtin_shufflevector(d, d, 3, 0, 1, 2);
		G4(a, b, c, d, ((v4){m[s[8]], m[s[10]], m[s[12]], m[s[14]]}),
		   ((v4){m[s[9]], m[s[11]], m[s[13]], m[s[15]]}));
		b = __builtin_shufflevector(b, b, 3, 0, 1, 2);
		c = __builtin_shufflevector(c, c, 2, 3, 0, 1);
		d = __builtin_shufflevector(d, d, 1, 2, 3, 0);
	}
	a ^= c;
	b ^= d;
	for (int i = 0; i < 4; i++) {
		h[i] ^= a[i];
		h[i + 4] ^= b[i];
	}
}

void blake2b_key_init(struct blake2b_key *k, size_t outlen, const void *key, size_t keylen)
{
	assert(outlen >= 1 && outlen <= BLAKE2B_OUT_MAX && keylen <= BLAKE2B_KEY_MAX);
	memset(k, 0, sizeof(*k));
	k->outlen = outlen;
	k->keylen = keylen;
	/* the parameter block: digest length, key length, fanout 1, depth 1, the rest 0 */
	memcpy(k->h, IV, sizeof(k->h));
	k->h[0] ^= 0x01010000ULL ^ ((uint64_t)keylen << 8) ^ outlen;
	if (keylen) {
		memcpy(k->block, key, keylen);
		/* an empty message makes the key block the last one: that case starts over
		 * from the parameter block (blake2b_keyed) */
		compress(k->h, k->block, BLAKE2B_BLOCK_BYTES, 0);
	}
}

void blake2b_keyed(const struct blake2b_key *k, unsigned char *out, const void *in, size_t n)
{
	const unsigned char *p = in;
	unsigned char last[BLAKE2B_BLOCK_BYTES] = {0};
	uint64_t h[8], t = k->keylen ? BLAKE2B_BLOCK_BYTES : 0;

	if (n == 0 && k->keylen) { /* the key block is the last block */
		memcpy(h, IV, sizeof(h));
		h[0] ^= 0x01010000ULL ^ ((uint64_t)k->keylen << 8) ^ k->outlen;
		compress(h, k->block, BLAKE2B_BLOCK_BYTES, 1);
	} else {
		memcpy(h, k->h, sizeof(h));
		/* every full block but the last, which is compressed with the final flag */
		for (; n > BLAKE2B_BLOCK_BYTES; p += BLAKE2B_BLOCK_BYTES, n -= BLAKE2B_BLOCK_BYTES)
			compress(h, p, t += BLAKE2B_BLOCK_BYTES, 0);
		if (n)
			memcpy(last, p, n);
		compress(h, last, t + n, 1);
	}
	if (LITTLE_ENDIAN_WORDS) {
		memcpy(out, h, k->outlen);
		return;
	}
	unsigned char bytes[BLAKE2B_OUT_MAX];
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < 8; j++)
			bytes[8 * i + j] = (unsigned char)(h[i] >> (8 * j));
	memcpy(out, bytes, k->outlen);
}
