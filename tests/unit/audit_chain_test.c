/* audit_chain_test -- the canonical form of audit entries, chaining, and verification
 * through the store against edits, deletions and swaps (src/domain/audit_chain.c,
 * src/store/audit.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/secret.h"
#include "domain/audit_chain.h"
#include "store/audit.h"
#include "store/store.h"

static size_t canon(char *out, size_t cap, const char *user, const char *action, const char *detail)
{
	return audit_canonical(out, cap, 7, "2026-11-24T10:00:00Z", 3, user, action, "person", 42,
			       detail, "127.0.0.1");
}

static void canonical_form_is_unambiguous(void **state)
{
	(void)state;
	char a[512], b[512];
	size_t na = canon(a, sizeof(a), "ab", "c", NULL);
	size_t nb = canon(b, sizeof(b), "a", "bc", NULL);
	assert_true(na == nb);
	assert_true(memcmp(a, b, na) != 0); /* moving a byte between fields changes the form */
	/* The exact form: existing chains verify only while it stays byte for byte. */
	assert_string_equal(a, "11:wb-audit-v1;1:7;20:2026-11-24T10:00:00Z;1:3;2:ab;1:c;6:person;"
			       "2:42;0:;9:127.0.0.1;");
	char neg[512];
	audit_canonical(neg, sizeof(neg), 1234567890123, "t", -5, "u", "a", "o", 0, "d", "");
	assert_string_equal(neg,
			    "11:wb-audit-v1;13:1234567890123;1:t;2:-5;1:u;1:a;1:o;1:0;1:d;0:;");
	/* NULL and "" are the same field value, by design. */
	canon(b, sizeof(b), "ab", "c", "");
	assert_string_equal(a, b);
	/* Truncation contract: the full length is returned, the buffer stays terminated. */
	char small[10];
	size_t full = canon(small, sizeof(small), "ab", "c", NULL);
	assert_int_equal(full, na);
	assert_true(strlen(small) < sizeof(small));
}

static void chain_depends_on_every_earlier_entry(void **state)
{
	(void)state;
	unsigned char h0[SECRET_HASH_BYTES] = {0}, h1[SECRET_HASH_BYTES], h2[SECRET_HASH_BYTES];
	unsigned char h1x[SECRET_HASH_BYTES], h2x[SECRET_HASH_BYTES];
	char c[512];
	size_t n = canon(c, sizeof(c), "u", "person.read", NULL);
	audit_chain_hash(h1, h0, c, n);
	audit_chain_hash(h2, h1, c, n);
	size_t m = canon(c, sizeof(c), "u", "person.reaD", NULL);
	audit_chain_hash(h1x, h0, c, m);
	n = canon(c, sizeof(c), "u", "person.read", NULL);
	audit_chain_hash(h2x, h1x, c, n);
	assert_memory_not_equal(h1, h1x, SECRET_HASH_BYTES);
	assert_memory_not_equal(h2, h2x, SECRET_HASH_BYTES);
}

struct fixture {
	char dir[64], db[96], key[96];
	struct secret_keys keys;
	struct store st;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct wb_error e;
	snprintf(f->dir, sizeof(f->dir), "/tmp/wb-audit-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/a.db", f->dir);
	snprintf(f->key, sizeof(f->key), "%s/a.key", f->dir);
	assert_int_equal(secret_key_create(f->key, &e), 0);
	assert_int_equal(secret_key_load(f->key, &f->keys, &e), 0);
	assert_int_equal(store_open(&f->st, f->db, &f->keys, 1, 1, &e), 0);
	struct wb_scope sc;
	store_scope_system(&sc);
	for (int i = 0; i < 10; i++) {
		char detail[32];
		snprintf(detail, sizeof(detail), "{\"n\":%d}", i);
		struct audit_entry en = {"test.entry", "person", i + 1, detail};
		assert_int_equal(store_audit_append_now(&f->st, &sc, &en, &e), 0);
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_close(&f->st);
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* Tamper with raw SQL, as someone with the file would (dropping the guards first). */
static void tamper(struct fixture *f, const char *sql)
{
	sqlite3 *h;
	assert_int_equal(sqlite3_open(f->db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h,
				      "DROP TRIGGER IF EXISTS audit_no_update;"
				      "DROP TRIGGER IF EXISTS audit_no_delete;",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
}

static int64_t verify(struct fixture *f)
{
	struct audit_verify_result r;
	struct wb_error e;
	assert_int_equal(store_audit_verify(&f->st, &r, &e), 0);
	return r.first_bad_seq;
}

static void intact(void **state)
{
	assert_int_equal(verify(*state), 0);
}

static void edited(void **state)
{
	tamper(*state, "UPDATE audit_log SET detail = '{\"n\":99}' WHERE seq = 4");
	assert_int_equal(verify(*state), 4);
}

static void deleted_middle(void **state)
{
	tamper(*state, "DELETE FROM audit_log WHERE seq = 6");
	assert_int_equal(verify(*state), 6);
}

static void deleted_newest(void **state)
{
	tamper(*state, "DELETE FROM audit_log WHERE seq = 10");
	assert_int_equal(verify(*state), 10);
}

static void swapped(void **state)
{
	tamper(*state, "UPDATE audit_log SET seq = -1 WHERE seq = 3; UPDATE audit_log SET seq = 3 "
		       "WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = -1");
	assert_int_equal(verify(*state), 2);
}

static void triggers_refuse_edits(void **state)
{
	struct fixture *f = *state;
	sqlite3 *h;
	assert_int_equal(sqlite3_open(f->db, &h), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(h, "UPDATE audit_log SET action = 'x'", NULL, NULL, NULL),
			     SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(h, "DELETE FROM audit_log", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	assert_int_equal(verify(f), 0);
}

int main(void)
{
	if (secret_init())
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(canonical_form_is_unambiguous),
		cmocka_unit_test(chain_depends_on_every_earlier_entry),
		cmocka_unit_test_setup_teardown(intact, setup, teardown),
		cmocka_unit_test_setup_teardown(edited, setup, teardown),
		cmocka_unit_test_setup_teardown(deleted_middle, setup, teardown),
		cmocka_unit_test_setup_teardown(deleted_newest, setup, teardown),
		cmocka_unit_test_setup_teardown(swapped, setup, teardown),
		cmocka_unit_test_setup_teardown(triggers_refuse_edits, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
