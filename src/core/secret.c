/* secret -- libsodium wrappers, and the keyed lookup hash of core/blake2b.h (see secret.h). */
#include "core/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MASTER_BYTES 32
static const char KDF_CONTEXT[crypto_kdf_CONTEXTBYTES] = "weibao01";

int secret_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

int secret_key_create(const char *path, struct wb_error *err)
{
	unsigned char key[MASTER_BYTES];
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return wb_error_setx(err, WB_EIO, 500, "KEY_CREATE",
				     "无法创建密钥文件（可能已存在）",
				     "cannot create the key file (it may already exist)", path);
	randombytes_buf(key, sizeof(key));
	ssize_t n = write(fd, key, sizeof(key));
	sodium_memzero(key, sizeof(key));
	if (n != (ssize_t)sizeof(key) || fsync(fd) != 0) {
		close(fd);
		unlink(path);
		return wb_error_setx(err, WB_EIO, 500, "KEY_CREATE", "写入密钥文件失败",
				     "cannot write the key file", path);
	}
	close(fd);
	return 0;
}

int secret_key_load(const char *path, struct secret_keys *keys, struct wb_error *err)
{
	unsigned char master[MASTER_BYTES + 1];
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return wb_error_setx(err, WB_EIO, 500, "KEY_MISSING", "找不到密钥文件",
				     "cannot open the key file", path);
	if (fstat(fd, &st) != 0 || (st.st_mode & 077)) {
		close(fd);
		return wb_error_setx(
			err, WB_EIO, 500, "KEY_PERMISSIONS", "密钥文件权限过宽（应为 0600）",
			"the key file must not be readable by others (mode 0600)", path);
	}
	ssize_t n = read(fd, master, sizeof(master));
	close(fd);
	if (n != MASTER_BYTES) {
		sodium_memzero(master, sizeof(master));
		return wb_error_setx(err, WB_EIO, 500, "KEY_INVALID", "密钥文件已损坏",
				     "the key file is damaged", path);
	}
	crypto_kdf_derive_from_key(keys->enc, sizeof(keys->enc), 1, KDF_CONTEXT, master);
	crypto_kdf_derive_from_key(keys->lookup, sizeof(keys->lookup), 2, KDF_CONTEXT, master);
	blake2b_key_init(&keys->lookup_state, SECRET_HASH_BYTES, keys->lookup,
			 sizeof(keys->lookup));
	sodium_memzero(master, sizeof(master));
	sodium_mlock(keys, sizeof(*keys));
	return 0;
}

size_t secret_sealed_len(size_t n)
{
	return SECRET_NONCE_BYTES + n + crypto_aead_xchacha20poly1305_ietf_ABYTES;
}

/* A nonce is 16 random bytes drawn once per thread and 2^32 nonces, then a counter:
 * XChaCha20-Poly1305 needs each nonce used once under a key, which a random 128-bit
 * prefix (a collision after about 2^64 prefixes) and a counter under it give. Drawing all
 * 24 bytes at random for each nonce made the kernel's random generator 4 % of a bulk load
 * (the pool of draws before it, 8 % with one getrandom() a nonce). */
static _Thread_local unsigned char nonce_prefix[SECRET_NONCE_BYTES - 8];
static _Thread_local uint64_t nonce_count;
static _Thread_local uint32_t nonce_left; /* under this prefix */

static void next_nonce(unsigned char out[SECRET_NONCE_BYTES])
{
	if (nonce_left == 0) {
		randombytes_buf(nonce_prefix, sizeof(nonce_prefix));
		nonce_count = 0;
		nonce_left = UINT32_MAX;
	}
	nonce_left--;
	uint64_t c = nonce_count++;
	memcpy(out, nonce_prefix, sizeof(nonce_prefix));
	for (int i = 0; i < 8; i++)
		out[sizeof(nonce_prefix) + (size_t)i] = (unsigned char)(c >> (8 * i));
}

void secret_seal(const struct secret_keys *k, unsigned char *out, const void *plain, size_t n,
		 const void *ad, size_t adlen)
{
	unsigned long long clen;
	next_nonce(out);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + SECRET_NONCE_BYTES, &clen, plain, n, ad,
						   adlen, NULL, out, k->enc);
}

int secret_open(const struct secret_keys *k, unsigned char *out, const unsigned char *sealed,
		size_t len, const void *ad, size_t adlen)
{
	unsigned long long plen;
	if (len < SECRET_NONCE_BYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES)
		return -1;
	return crypto_aead_xchacha20poly1305_ietf_decrypt(
		       out, &plen, NULL, sealed + SECRET_NONCE_BYTES, len - SECRET_NONCE_BYTES, ad,
		       adlen, sealed, k->enc) == 0
		       ? 0
		       : -1;
}

void secret_lookup_hash(const struct secret_keys *k, unsigned char out[SECRET_HASH_BYTES],
			const void *data, size_t n)
{
	/* the same bytes as crypto_generichash(out, SECRET_HASH_BYTES, data, n, k->lookup,
	 * sizeof(k->lookup)), at half its cost for short data (blake2b.h) */
	blake2b_keyed(&k->lookup_state, out, data, n);
}

void secret_hash(unsigned char out[SECRET_HASH_BYTES], const void *data, size_t n)
{
	crypto_generichash(out, SECRET_HASH_BYTES, data, n, NULL, 0);
}

void secret_hash2(unsigned char out[SECRET_HASH_BYTES], const void *a, size_t an, const void *b,
		  size_t bn)
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, SECRET_HASH_BYTES);
	crypto_generichash_update(&st, a, an);
	crypto_generichash_update(&st, b, bn);
	crypto_generichash_final(&st, out, SECRET_HASH_BYTES);
}

int secret_password_hash(char out[SECRET_PWHASH_BYTES], const char *pw)
{
	return crypto_pwhash_str(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
				 crypto_pwhash_MEMLIMIT_INTERACTIVE);
}

int secret_password_verify(const char *stored, const char *pw)
{
	return crypto_pwhash_str_verify(stored, pw, strlen(pw)) == 0 ? 0 : -1;
}

void secret_token(char out[SECRET_TOKEN_CHARS])
{
	unsigned char raw[32];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, SECRET_TOKEN_CHARS, raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

void secret_password_generate(char *out, size_t len)
{
	static const char alphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	for (size_t i = 0; i < len; i++)
		out[i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
	out[len] = '\0';
}

uint64_t secret_random_u64(void)
{
	uint64_t v;
	randombytes_buf(&v, sizeof(v));
	return v;
}

void secret_hex(char *out, const unsigned char *in, size_t n)
{
	sodium_bin2hex(out, 2 * n + 1, in, n);
}

int secret_equal(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}

void secret_b64url(char *out, const unsigned char *in, size_t n)
{
	sodium_bin2base64(out,
			  sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
			  in, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}
