/* blake2b_test -- the keyed BLAKE2b of src/core/blake2b.c gives libsodium's
 * crypto_generichash byte for byte: random keys of several lengths (none, and the 32
 * bytes of the lookup key), every message length 0..300 (empty, one block, exactly a
 * block, several blocks) and the output lengths used (32) and a few others; and
 * secret_lookup_hash is still crypto_generichash with the lookup key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/blake2b.h"
#include "core/secret.h"

static void same_as_libsodium(void **state)
{
	(void)state;
	static const size_t keylens[] = {0, 1, 16, 32, 63, 64};
	static const size_t outlens[] = {1, 16, 20, 32, 48, 64};
	unsigned char key[BLAKE2B_KEY_MAX], in[300], got[64], want[64];

	for (int trial = 0; trial < 4; trial++) {
		randombytes_buf(key, sizeof(key));
		randombytes_buf(in, sizeof(in));
		for (size_t ki = 0; ki < sizeof(keylens) / sizeof(keylens[0]); ki++)
			for (size_t oi = 0; oi < sizeof(outlens) / sizeof(outlens[0]); oi++) {
				size_t kl = keylens[ki], ol = outlens[oi];
				struct blake2b_key k;
				blake2b_key_init(&k, ol, key, kl);
				for (size_t n = 0; n <= sizeof(in); n++) {
					blake2b_keyed(&k, got, in, n);
					assert_int_equal(crypto_generichash(want, ol, in, n,
									    kl ? key : NULL, kl),
							 0);
					if (memcmp(got, want, ol))
						fail_msg("keylen %zu outlen %zu length %zu", kl, ol,
							 n);
				}
			}
	}
}

/* One state serves many messages: hashing does not change it. */
static void state_is_reused(void **state)
{
	(void)state;
	unsigned char key[32], a[32], b[32], want[32];
	randombytes_buf(key, sizeof(key));
	struct blake2b_key k;
	blake2b_key_init(&k, 32, key, sizeof(key));
	blake2b_keyed(&k, a, "500242201403090035", 18);
	blake2b_keyed(&k, b, "500242201403090043", 18);
	blake2b_keyed(&k, b, "500242201403090035", 18);
	assert_memory_equal(a, b, 32);
	crypto_generichash(want, 32, (const unsigned char *)"500242201403090035", 18, key, 32);
	assert_memory_equal(a, want, 32);
}

static void lookup_hash_unchanged(void **state)
{
	(void)state;
	char dir[] = "/tmp/wb-b2-XXXXXX", path[64];
	struct secret_keys k;
	struct wb_error e;
	unsigned char got[SECRET_HASH_BYTES], want[SECRET_HASH_BYTES];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/k", dir);
	assert_int_equal(secret_key_create(path, &e), 0);
	assert_int_equal(secret_key_load(path, &k, &e), 0);
	for (size_t n = 0; n <= 40; n++) {
		const char *id = "500242201403090035500242201403090035ABCD";
		secret_lookup_hash(&k, got, id, n);
		crypto_generichash(want, sizeof(want), (const unsigned char *)id, n, k.lookup,
				   sizeof(k.lookup));
		assert_memory_equal(got, want, sizeof(want));
	}
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	if (secret_init())
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(same_as_libsodium),
		cmocka_unit_test(state_is_reused),
		cmocka_unit_test(lookup_hash_unchanged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
