/*
 * blake2b -- keyed BLAKE2b (RFC 7693) for many short messages under one key.
 *
 * libsodium's crypto_generichash compresses the padded key block again on every call, so
 * hashing an 18-byte ID number costs two compressions. Here the state after the key
 * block is worked out once (blake2b_key_init) and every hash starts from it: one
 * compression for a message of up to 128 bytes. The output is byte for byte that of
 * crypto_generichash(out, outlen, in, n, key, keylen) (tests/unit/blake2b_test.c checks
 * it against libsodium).
 *
 * A struct blake2b_key is as secret as the key it was made from: keep it where the key
 * is kept (struct secret_keys, locked in memory).
 */
#ifndef WB_BLAKE2B_H
#define WB_BLAKE2B_H
#include <stddef.h>
#include <stdint.h>

#define BLAKE2B_BLOCK_BYTES 128
#define BLAKE2B_OUT_MAX	    64
#define BLAKE2B_KEY_MAX	    64

struct blake2b_key {
	uint64_t h[8];				  /* after the key block: where each hash starts */
	unsigned char block[BLAKE2B_BLOCK_BYTES]; /* the key, zero-padded (for "" only) */
	size_t outlen, keylen;
};

/* outlen 1..64, keylen 0..64 (0: plain BLAKE2b). */
void blake2b_key_init(struct blake2b_key *k, size_t outlen, const void *key, size_t keylen);
/* The keyed hash of in[0..n) into out (k->outlen bytes). */
void blake2b_keyed(const struct blake2b_key *k, unsigned char *out, const void *in, size_t n);

#endif
