/* import_snap_test -- the registry snapshot of a large import (src/store/import_snap.c)
 * against a real (temporary) SQLite database: persons found through it with the fields
 * SQL gives, their facts and relations; a person the import writes is read with SQL
 * afterwards; and when another connection commits between two batches, the next batch
 * drops the snapshot and sees that connection's change. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/blake2b.h"
#include "core/secret.h"
#include "store/db.h"
#include "store/import_cache.h"
#include "store/import_snap.h"
#include "store/imports.h"
#include "store/store.h"

static const char seed_sql[] =
	"INSERT INTO regions (code, name, level, parent_code, source) VALUES "
	" ('500242000000', '酉阳县', 3, NULL, 'test'),"
	" ('500242104001', '某村', 5, '500242000000', 'test');"
	"INSERT INTO users (id, username, password_hash, role, region_code, created_at, "
	" password_changed_at) VALUES (1, 'u', 'x', 'admin', '500242000000', 't', 't');"
	"INSERT INTO imports (id, profile, file_name, file_hash, region, extract_date, status, "
	" created_by, created_at) VALUES (5, 'hukou', 'f', x'00', '500242000000', '2026-01-01', "
	" 'done', 1, 't');";

static const char *const ids[3] = {"500242201504280004", "500242199206210016",
				   "500242197911170006"};

struct fx {
	char path[64];
	struct secret_keys keys;
	struct store st, other;
	struct wb_scope sc;
};

static void insert_person(struct fx *f, int id, const char *name, const char *id18)
{
	unsigned char h[SECRET_HASH_BYTES];
	store_imports_id_hash(&f->st, id18, h);
	char hex[2 * SECRET_HASH_BYTES + 1], q[600];
	for (int i = 0; i < SECRET_HASH_BYTES; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	snprintf(q, sizeof(q),
		 "INSERT INTO persons (id, name, gender, birth_date, id_hash, household_region, "
		 "scope_region, created_at, updated_at) VALUES (%d, '%s', 'F', '2015-04-28', "
		 "x'%s', '500242104001', '500242104001', 't', 't')",
		 id, name, hex);
	assert_int_equal(db_exec(f->st.db, q, NULL), 0);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct wb_error e;
	snprintf(f->path, sizeof(f->path), "/tmp/wb_import_snap_%d.db", (int)getpid());
	unlink(f->path);
	assert_int_equal(secret_init(), 0);
	memset(&f->keys, 7, sizeof(f->keys));
	blake2b_key_init(&f->keys.lookup_state, SECRET_HASH_BYTES, f->keys.lookup,
			 sizeof(f->keys.lookup)); /* what secret_key_load does */
	if (store_open(&f->st, f->path, &f->keys, 1, 1, &e) || db_exec(f->st.db, seed_sql, &e))
		fail_msg("%s", e.message_en);
	insert_person(f, 1, "杨红", ids[0]);
	insert_person(f, 2, "杨宇浩", ids[1]);
	insert_person(f, 3, "王秀彤", ids[2]);
	assert_int_equal(
		db_exec(f->st.db,
			"INSERT INTO relations (person_id, related_id, kind, created_at) "
			"VALUES (1, 2, 'father', 't');"
			"INSERT INTO facts (id, person_id, type, value, recorded_by, "
			"recorded_at, import_id) VALUES (20, 1, 'hukou_rural', NULL, 1, 't', 5),"
			" (21, 1, 'in_school', 'x', 1, 't', NULL);"
			"INSERT INTO facts (id, person_id, type, value, recorded_by, "
			"recorded_at, supersedes) VALUES (22, 1, 'in_school', 'y', 1, 't', 21)",
			NULL),
		0);
	if (store_open(&f->other, f->path, &f->keys, 0, 0, &e))
		fail_msg("%s", e.message_en);
	store_scope_system(&f->sc);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char p[80];
	store_close(&f->other);
	store_close(&f->st);
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	free(f);
	return 0;
}

/* The first batch of an import: the snapshot is built. */
static struct import_cache *first_batch(struct fx *f)
{
	struct wb_error e;
	struct import_cache *c = store_imports_cache_new();
	store_imports_prepare(&f->st, 1000);
	assert_int_equal(store_imports_batch_begin(&f->st, &e), 0);
	assert_int_equal(store_imports_index(&f->st, &f->sc, c, "hukou", 1000, &e), 0);
	assert_non_null(c->snap);
	return c;
}

static void prefetch(struct fx *f, struct import_cache *c)
{
	struct wb_error e;
	char id18[3][IDNO_LEN + 1];
	unsigned char want[3] = {1, 0, 0};
	for (int i = 0; i < 3; i++)
		memcpy(id18[i], ids[i], IDNO_LEN + 1);
	assert_int_equal(
		store_imports_prefetch(&f->st, &f->sc, c, "hukou", id18, NULL, want, 3, &e), 0);
}

static void found_like_sql(void **state)
{
	struct fx *f = *state;
	struct import_cache *c = first_batch(f);
	prefetch(f, c);
	assert_non_null(c->snap);
	for (int i = 0; i < 3; i++) {
		struct ic_person *e = import_cache_person(c, ids[i], 0);
		assert_non_null(e);
		assert_true(e->found);
		struct import_person sql;
		struct wb_error err;
		assert_int_equal(store_imports_person_get(&f->st, &f->sc, e->p.id, &sql, &err), 0);
		assert_memory_equal(&e->p, &sql, sizeof(sql)); /* byte for byte what SQL gives */
	}
	/* the child's facts: the hukou one of an import of the profile (own), the
	 * correction current and the corrected one not; its relation */
	int seen = 0;
	for (int32_t k = imap_get(&c->fact_head, 1); k >= 0; k = c->facts[k].next) {
		const struct ic_fact *x = &c->facts[k];
		if (x->id == 20)
			assert_true(x->own && !x->superseded), seen |= 1;
		if (x->id == 21)
			assert_true(!x->own && x->superseded), seen |= 2;
		if (x->id == 22)
			assert_true(!x->superseded && !strcmp(x->value, "y")), seen |= 4;
	}
	assert_int_equal(seen, 7);
	assert_true(import_cache_has_rel(c, 1, 2, "father"));
	assert_false(import_cache_has_rel(c, 1, 3, "mother"));
	store_imports_batch_abort(&f->st);
	store_imports_cache_free(c);
}

static void written_then_sql(void **state)
{
	struct fx *f = *state;
	struct wb_error e;
	struct import_cache *c = first_batch(f);
	prefetch(f, c);
	/* the import adds a relation of the child: from now on the child is read with SQL */
	int added;
	assert_int_equal(store_imports_relation(&f->st, c, 5, 1, 3, "mother", 1, 1, &added, &e), 0);
	assert_true(added);
	assert_int_equal(store_imports_batch_commit(&f->st, &e), 0);
	assert_int_equal(store_imports_batch_begin(&f->st, &e), 0);
	prefetch(f, c);
	assert_non_null(c->snap);			      /* nobody else wrote */
	assert_true(import_cache_has_rel(c, 1, 3, "mother")); /* read again, with SQL */
	store_imports_batch_abort(&f->st);
	store_imports_cache_free(c);
}

static void other_writer_drops_it(void **state)
{
	struct fx *f = *state;
	struct wb_error e;
	struct import_cache *c = first_batch(f);
	prefetch(f, c);
	assert_int_equal(store_imports_batch_commit(&f->st, &e), 0);
	/* between two batches another connection renames the father */
	assert_int_equal(db_exec(f->other.db, "UPDATE persons SET name = '杨改' WHERE id = 2", &e),
			 0);
	assert_int_equal(store_imports_batch_begin(&f->st, &e), 0);
	prefetch(f, c);
	assert_null(c->snap);
	struct ic_person *p = import_cache_person(c, ids[1], 0);
	assert_non_null(p);
	assert_string_equal(p->p.name, "杨改");
	store_imports_batch_abort(&f->st);
	store_imports_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(found_like_sql, setup, teardown),
		cmocka_unit_test_setup_teardown(written_then_sql, setup, teardown),
		cmocka_unit_test_setup_teardown(other_writer_drops_it, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
