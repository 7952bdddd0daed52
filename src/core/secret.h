/*
 * secret -- the cryptography weibao uses, from libsodium (and, for the lookup hashes of
 * many short ID numbers, core/blake2b.c: the same BLAKE2b, the key block done once).
 *
 * - A 32-byte master key lives in a file outside the database (mode 0600, created by
 *   `weibao init`). Two sub-keys are derived from it: one for XChaCha20-Poly1305 AEAD
 *   encryption of sensitive fields at rest, one for keyed BLAKE2b lookup hashes (so an
 *   ID number can be found without being stored in clear).
 * - Passwords: Argon2id via crypto_pwhash_str (INTERACTIVE limits: ~64 MiB, ~50 ms).
 * - Session and CSRF tokens: 32 random bytes, base64url; only their hash is stored.
 * secret_init() must be called once before anything else here.
 */
#ifndef WB_SECRET_H
#define WB_SECRET_H
#include <stddef.h>
#include <stdint.h>

#include "core/blake2b.h"
#include "core/err.h"

#define SECRET_HASH_BYTES   32
#define SECRET_NONCE_BYTES  24
#define SECRET_MAC_BYTES    16
#define SECRET_TOKEN_CHARS  44 /* 32 bytes base64url without padding, + NUL */
#define SECRET_PWHASH_BYTES 128

struct secret_keys {
	unsigned char enc[32];
	unsigned char lookup[32];
	/* the lookup key's BLAKE2b state after the key block, made by secret_key_load: a
	 * lookup hash of an ID number is then one compression instead of two */
	struct blake2b_key lookup_state;
};

int secret_init(void);

/* Create a new random master key file (fails if it exists). */
int secret_key_create(const char *path, struct wb_error *err);
/* Load the master key and derive the sub-keys into *keys (locked in memory). */
int secret_key_load(const char *path, struct secret_keys *keys, struct wb_error *err);

/* Ciphertext length for a plaintext of n bytes: nonce + n + tag. */
size_t secret_sealed_len(size_t n);
/* Encrypt plain into out (secret_sealed_len(n) bytes); ad binds it to its place. */
void secret_seal(const struct secret_keys *k, unsigned char *out, const void *plain, size_t n,
		 const void *ad, size_t adlen);
/* Decrypt; out must hold len - nonce - tag bytes. 0 on success, -1 if forged or damaged. */
int secret_open(const struct secret_keys *k, unsigned char *out, const unsigned char *sealed,
		size_t len, const void *ad, size_t adlen);

/* Keyed lookup hash (BLAKE2b-256 with the lookup key): crypto_generichash's output, from
 * k->lookup_state. */
void secret_lookup_hash(const struct secret_keys *k, unsigned char out[SECRET_HASH_BYTES],
			const void *data, size_t n);
/* Plain BLAKE2b-256 (audit chain, token hashes). */
void secret_hash(unsigned char out[SECRET_HASH_BYTES], const void *data, size_t n);
/* Incremental plain BLAKE2b-256 of several parts, NULL-terminated list of (ptr,len) pairs. */
void secret_hash2(unsigned char out[SECRET_HASH_BYTES], const void *a, size_t an, const void *b,
		  size_t bn);

int secret_password_hash(char out[SECRET_PWHASH_BYTES], const char *pw);
/* 0 when pw matches the stored hash. */
int secret_password_verify(const char *stored, const char *pw);

/* A fresh random token, base64url without padding. */
void secret_token(char out[SECRET_TOKEN_CHARS]);
/* A random password of `len` characters from an unambiguous alphabet. */
void secret_password_generate(char *out, size_t len);
uint64_t secret_random_u64(void);

/* base64url without padding of n bytes; out holds 4*ceil(n/3)+1. */
void secret_b64url(char *out, const unsigned char *in, size_t n);
void secret_hex(char *out, const unsigned char *in, size_t n); /* out: 2n+1 */
int secret_equal(const void *a, const void *b, size_t n);      /* constant time, 1 if equal */

#endif
