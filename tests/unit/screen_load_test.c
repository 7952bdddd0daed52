/* screen_load_test -- the screening snapshot from a real (temporary) SQLite database
 * (src/store/screen_load.c): current facts only (a superseded and a retracted fact stay
 * out, a correction comes in), dates and value codes, relations with their flags, scope,
 * and the reload of one person after a new fact, with the persons to re-screen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/secret.h"
#include "core/timeutil.h"
#include "domain/rule.h"
#include "domain/screen.h"
#include "domain/snapshot.h"
#include "store/db.h"
#include "store/screen_load.h"
#include "store/store.h"

static const char seed_sql[] =
	"INSERT INTO regions (code, name, level, parent_code, source) VALUES "
	" ('500242000000', '酉阳县', 3, NULL, 'test'),"
	" ('500242104001', '某村', 5, '500242000000', 'test'),"
	" ('500243104001', '外县某村', 5, '500242000000', 'test');"
	"INSERT INTO users (id, username, password_hash, role, region_code, created_at, "
	" password_changed_at) VALUES (1, 'u', 'x', 'admin', '500242000000', 't', 't');"
	"INSERT INTO households (id, region_code) VALUES (7, '500242104001');"
	"INSERT INTO persons (id, name, gender, birth_date, household_region, scope_region, "
	" household_id, created_at, updated_at) VALUES "
	" (1, '父', 'M', '1985-03-01', '500242104001', '500242104001', 7, 't', 't'),"
	" (2, '母', 'F', '1987-05-01', '500242104001', '500242104001', 7, 't', 't'),"
	" (3, '子', 'F', '2016-06-01', '500242104001', '500242104001', 7, 't', 't'),"
	" (4, '外', 'M', NULL, '500243104001', '500243104001', NULL, 't', 't');"
	"INSERT INTO relations (person_id, related_id, kind, is_guardian, lives_with, created_at) "
	" VALUES (3, 1, 'father', 0, 0, 't'), (3, 2, 'mother', 1, 1, 't');"
	"INSERT INTO facts (id, person_id, type, value, valid_from, valid_to, recorded_by, "
	" recorded_at, supersedes) VALUES "
	" (10, 3, 'hukou_rural', NULL, NULL, NULL, 1, 't', NULL),"
	" (11, 1, 'deceased', NULL, '2021-01-01', NULL, 1, 't', NULL),"
	" (12, 1, 'migrant_work', '广东', '2020-01-01', NULL, 1, 't', 11)," /* corrects 11 */
	" (13, 2, 'disability', '5-3', '2019-01-01', NULL, 1, 't', NULL),"
	" (14, 3, 'psych_screening', '红', '2026-11-01', '2027-06-30', 1, 't', NULL),"
	" (15, 4, 'street_begging', NULL, '2026-11-01', NULL, 1, 't', NULL);"
	"INSERT INTO facts (id, person_id, type, value, valid_from, recorded_by, recorded_at, "
	" retracted_at) VALUES (16, 2, 'imprisoned', NULL, '2026-01-01', 1, 't', 't');";

struct fx {
	char path[64];
	struct secret_keys keys;
	struct store st;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct wb_error e;
	snprintf(f->path, sizeof(f->path), "/tmp/wb_screen_load_%d.db", (int)getpid());
	unlink(f->path);
	assert_int_equal(secret_init(), 0);
	memset(&f->keys, 7, sizeof(f->keys));
	if (store_open(&f->st, f->path, &f->keys, 1, 1, &e))
		fail_msg("%s", e.message_en);
	if (db_exec(f->st.db, seed_sql, &e))
		fail_msg("%s", e.message_en);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char p[80];
	store_close(&f->st);
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	free(f);
	return 0;
}

static int has_fact(const struct snapshot *s, int64_t person, int64_t fact)
{
	struct snapshot_facts fs;
	snapshot_person_facts(&fs, s, snapshot_find(s, person));
	for (uint32_t i = 0; i < fs.n; i++)
		if (fs.id[i] == fact)
			return 1;
	return 0;
}

static void load_current_facts(void **state)
{
	struct fx *f = *state;
	struct wb_scope sc;
	struct wb_error e;
	struct snapshot *s;
	store_scope_system(&sc);
	assert_int_equal(store_screen_load(&f->st, &sc, &s, &e), 0);
	assert_int_equal(snapshot_count(s), 4);
	assert_false(has_fact(s, 1, 11)); /* superseded by 12 */
	assert_true(has_fact(s, 1, 12));
	assert_false(has_fact(s, 2, 16)); /* retracted */
	struct snapshot_facts fs;
	uint32_t child = snapshot_find(s, 3);
	snapshot_person_facts(&fs, s, child);
	assert_int_equal(fs.n, 2);
	for (uint32_t i = 0; i < fs.n; i++)
		if (fs.id[i] == 14) {
			assert_int_equal(fs.value[i], 4); /* 红 */
			assert_int_equal(fs.from[i], date_days(2026, 11, 1));
			assert_int_equal(fs.to[i], date_days(2027, 6, 30));
		} else {
			assert_int_equal(fs.from[i], SNAPSHOT_DAY_MIN);
			assert_int_equal(fs.to[i], SNAPSHOT_DAY_MAX);
		}
	assert_int_equal(snapshot_person_birth(s, child), date_days(2016, 6, 1));
	assert_int_equal(snapshot_person_birth(s, snapshot_find(s, 4)), SNAPSHOT_NO_DATE);
	assert_int_equal(snapshot_person_scope_region(s, child), 500242104001ull);
	assert_int_equal(snapshot_person_household(s, child), 7);
	struct snapshot_rels rl;
	snapshot_person_relations(&rl, s, child);
	assert_int_equal(rl.n, 2);
	for (uint32_t i = 0; i < rl.n; i++)
		if (rl.kind[i] == SNAP_REL_MOTHER)
			assert_int_equal(rl.flags[i], SNAP_RF_GUARDIAN | SNAP_RF_LIVES_WITH);
		else
			assert_int_equal(rl.flags[i], 0);

	/* screened: psych 红 -> 红; father migrant, mother intellectual grade 3 -> 留守 */
	struct rule_set *rs;
	struct screen_env *env;
	struct screen_result r;
	assert_int_equal(rule_set_builtin(&rs, &e), 0);
	assert_int_equal(screen_env_new(&env, rs, (int32_t)date_days(2026, 12, 1), &e), 0);
	screen_person(&r, env, s, child);
	assert_int_equal(r.level, SCREEN_LEVEL_RED);
	assert_true((r.categories >> rule_set_category_find(rs, "left_behind")) & 1);
	snapshot_free(s);

	/* a county office's scope leaves out the person of the other county */
	struct wb_scope county;
	store_scope_init(&county, 1, "u", sc.role, 0, "500242000000", "local");
	assert_int_equal(store_screen_load(&f->st, &county, &s, &e), 0);
	assert_int_equal(snapshot_count(s), 3);

	/* the 司法所 records the father's imprisonment; reload him */
	assert_int_equal(db_exec(f->st.db,
				 "INSERT INTO facts (id, person_id, type, valid_from, valid_to, "
				 "recorded_by, recorded_at) VALUES (20, 1, 'imprisoned', "
				 "'2026-11-01', '2030-01-01', 1, 't')",
				 &e),
			 0);
	uint32_t aff[8];
	size_t n;
	assert_int_equal(store_screen_reload_person(&f->st, &county, s, 1, aff, 8, &n, &e), 0);
	assert_int_equal(n, 3); /* the father, the child (dependant and household), the mother */
	screen_person(&r, env, s, snapshot_find(s, 3));
	assert_true((r.categories >> rule_set_category_find(rs, "prisoner_child")) & 1);
	assert_int_equal(store_screen_reload_person(&f->st, &county, s, 4, aff, 8, &n, &e),
			 WB_ENOTFOUND);
	assert_int_equal(store_screen_reload_person(&f->st, &county, s, 99, aff, 8, &n, &e),
			 WB_ENOTFOUND);
	snapshot_free(s);
	screen_env_free(env);
	rule_set_free(rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(load_current_facts, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
