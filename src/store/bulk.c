/*
 * bulk -- append-only bulk loading (see bulk.h).
 */
#include "store/bulk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

#include "store/db.h"
#include "store/persons.h"
#include "store/store.h"

/* The secondary indexes of the big tables, dropped during a load and rebuilt after by
 * one sort each (measured on 1 M minors / 2.8 M persons: 15 s of a 45 s load, 8.6 s of
 * it the unique index of the random keyed ID hashes; keeping the ordered indexes live
 * during the load instead cost as much as rebuilding them).
 * Keep in step with the migrations. */
static const char SQL_DROP_INDEXES[] =
	"DROP INDEX IF EXISTS persons_scope; DROP INDEX IF EXISTS persons_scope_birth;"
	"DROP INDEX IF EXISTS persons_household; DROP INDEX IF EXISTS persons_school;"
	"DROP INDEX IF EXISTS relations_related; DROP INDEX IF EXISTS facts_person;"
	"DROP INDEX IF EXISTS persons_id_hash; DROP INDEX IF EXISTS relations_unique;"
	"DROP INDEX IF EXISTS facts_supersedes;";
/* The screening change triggers (migration 005): a bulk load marks nothing dirty; the
 * screening worker screens the whole database after it (no screen run yet, or a full
 * screen when the load is done). Same DDL as 005_screening.sql. */
static const char SQL_DROP_TRIGGERS[] =
	"DROP TRIGGER IF EXISTS screen_dirty_fact_ins; DROP TRIGGER IF EXISTS "
	"screen_dirty_fact_upd;"
	"DROP TRIGGER IF EXISTS screen_dirty_rel_ins; DROP TRIGGER IF EXISTS screen_dirty_rel_del;"
	"DROP TRIGGER IF EXISTS screen_dirty_person_ins;"
	"DROP TRIGGER IF EXISTS screen_dirty_person_upd;";
static const char SQL_CREATE_TRIGGERS[] =
	"CREATE TRIGGER IF NOT EXISTS screen_dirty_fact_ins AFTER INSERT ON facts BEGIN INSERT "
	"INTO screen_dirty (person_id) VALUES (NEW.person_id); END;"
	"CREATE TRIGGER IF NOT EXISTS screen_dirty_fact_upd AFTER UPDATE ON facts BEGIN INSERT "
	"INTO screen_dirty (person_id) VALUES (NEW.person_id); END;"
	"CREATE TRIGGER IF NOT EXISTS screen_dirty_rel_ins AFTER INSERT ON relations BEGIN INSERT "
	"INTO screen_dirty (person_id) VALUES (NEW.person_id); END;"
	"CREATE TRIGGER IF NOT EXISTS screen_dirty_rel_del AFTER DELETE ON relations BEGIN INSERT "
	"INTO screen_dirty (person_id) VALUES (OLD.person_id); END;"
	"CREATE TRIGGER IF NOT EXISTS screen_dirty_person_ins AFTER INSERT ON persons BEGIN "
	"INSERT INTO screen_dirty (person_id) VALUES (NEW.id); END;"
	"CREATE TRIGGER IF NOT EXISTS screen_dirty_person_upd AFTER UPDATE OF birth_date, "
	"household_id, household_region, scope_region, gender ON persons BEGIN INSERT INTO "
	"screen_dirty (person_id) VALUES (NEW.id); END;";
static const char SQL_CREATE_INDEXES[] =
	"CREATE INDEX IF NOT EXISTS persons_scope ON persons(scope_region, id);"
	"CREATE INDEX IF NOT EXISTS persons_scope_birth ON persons(scope_region, birth_date);"
	"CREATE INDEX IF NOT EXISTS persons_household ON persons(household_id);"
	"CREATE INDEX IF NOT EXISTS persons_school ON persons(school_unit_id);"
	"CREATE INDEX IF NOT EXISTS relations_related ON relations(related_id);"
	"CREATE INDEX IF NOT EXISTS facts_person ON facts(person_id, id);"
	"CREATE UNIQUE INDEX IF NOT EXISTS persons_id_hash ON persons(id_hash);"
	"CREATE UNIQUE INDEX IF NOT EXISTS relations_unique ON relations(person_id, related_id, "
	"kind);"
	"CREATE UNIQUE INDEX IF NOT EXISTS facts_supersedes ON facts(supersedes) "
	"WHERE retracted_at IS NULL;";

/* The registry-version triggers (migration 008) are dropped during a load too (one
 * version update a row would be a sixth of it); their DDL is read back from the schema
 * first and run again at the end, and the version is moved once. The drops are inside
 * the load's transaction: an aborted load gets them back by the rollback. */
static const char SQL_REGISTRY_TRIGGERS[] =
	"SELECT group_concat(sql, ';'), group_concat('DROP TRIGGER ' || name, ';') "
	"FROM sqlite_master WHERE type = 'trigger' AND name GLOB 'registry_v_*'";
static const char SQL_REGISTRY_BUMP[] = "UPDATE registry_version SET n = n + 1 WHERE id = 1";
static char *registry_ddl;

static int drop_registry_triggers(struct store *st, struct wb_error *err)
{
	char *drops = NULL;
	struct db_stmt *s = db_stmt(st->db, SQL_REGISTRY_TRIGGERS);
	int rc = db_step(s, err);
	free(registry_ddl);
	registry_ddl = NULL;
	if (rc == DB_ROW && !db_col_is_null(s, 0)) {
		registry_ddl = xstrdup(db_col_text(s, 0));
		drops = xstrdup(db_col_text(s, 1));
	}
	db_done(s);
	if (rc < 0)
		return rc;
	rc = drops ? db_exec(st->db, drops, err) : 0;
	free(drops);
	return rc;
}

static int restore_registry_triggers(struct store *st, struct wb_error *err)
{
	int rc = registry_ddl ? db_exec(st->db, registry_ddl, err) : 0;
	free(registry_ddl);
	registry_ddl = NULL;
	return rc ? rc : db_exec(st->db, SQL_REGISTRY_BUMP, err);
}

static const char SQL_COUNT[] = "SELECT count(*) FROM persons";
static const char SQL_MAX[] =
	"SELECT (SELECT coalesce(max(id), 0) FROM persons), (SELECT coalesce(max(id), 0) FROM "
	"households), (SELECT coalesce(max(id), 0) FROM relations), (SELECT coalesce(max(id), 0) "
	"FROM facts), (SELECT coalesce(max(id), 0) FROM units)";
static const char SQL_REGION[] =
	"INSERT INTO regions (code, name, level, parent_code, source) VALUES (?, ?, ?, ?, ?) "
	"ON CONFLICT (code) DO NOTHING";
static const char SQL_UNIT[] =
	"INSERT INTO units (id, name, type, region_code, created_at) VALUES (?, ?, ?, ?, ?)";
static const char SQL_HOUSEHOLD[] =
	"INSERT INTO households (id, region_code, address) VALUES (?, ?, ?)";
static const char SQL_PERSON[] =
	"INSERT INTO persons (id, name, gender, birth_date, id_cipher, id_hash, ethnicity, "
	"household_region, residence_region, scope_region, household_id, school_unit_id, "
	"phone_cipher, version, created_at, updated_at, created_by) "
	"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, 1)";
static const char SQL_RELATION[] =
	"INSERT INTO relations (id, person_id, related_id, kind, is_guardian, lives_with, "
	"created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, 1)";
static const char SQL_FACT[] =
	"INSERT INTO facts (id, person_id, type, value, valid_from, valid_to, source_unit_id, "
	"source_doc, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?)";

static char load_time[21];

int bulk_count_persons(struct store *st, int64_t *n, struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_COUNT);
	int rc = db_step(s, err);
	*n = rc == DB_ROW ? db_col_int(s, 0) : 0;
	db_done(s);
	return rc < 0 ? rc : 0;
}

int bulk_begin(struct store *st, struct bulk_ids *next, struct wb_error *err)
{
	store_now(load_time);
	db_set_bulk(st->db, 1);
	int rc = db_begin_write(st->db, err);
	if (rc)
		return rc;
	struct db_stmt *s = db_stmt(st->db, SQL_MAX);
	rc = db_step(s, err);
	if (rc == DB_ROW) {
		next->person = db_col_int(s, 0) + 1;
		next->household = db_col_int(s, 1) + 1;
		next->relation = db_col_int(s, 2) + 1;
		next->fact = db_col_int(s, 3) + 1;
		next->unit = db_col_int(s, 4) + 1;
	}
	db_done(s);
	if (rc < 0 || (rc = db_exec(st->db, SQL_DROP_INDEXES, err)) != 0 ||
	    (rc = db_exec(st->db, SQL_DROP_TRIGGERS, err)) != 0 ||
	    (rc = drop_registry_triggers(st, err)) != 0) {
		bulk_abort(st);
		return rc;
	}
	return 0;
}

int bulk_region(struct store *st, const char *code, const char *name, int level, const char *parent,
		const char *source, struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_REGION);
	db_bind_text_ref(s, 1, code);
	db_bind_text_ref(s, 2, name);
	db_bind_int(s, 3, level);
	db_bind_text_ref(s, 4, parent);
	db_bind_text_ref(s, 5, source);
	return db_step_done(s, err);
}

int bulk_unit(struct store *st, int64_t id, const char *name, const char *type, const char *region,
	      struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_UNIT);
	db_bind_int(s, 1, id);
	db_bind_text_ref(s, 2, name);
	db_bind_text_ref(s, 3, type);
	db_bind_text_ref(s, 4, region);
	db_bind_text_ref(s, 5, load_time);
	return db_step_done(s, err);
}

int bulk_household(struct store *st, int64_t id, const char *region, const char *address,
		   struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_HOUSEHOLD);
	db_bind_int(s, 1, id);
	db_bind_text_ref(s, 2, region);
	db_bind_text_ref(s, 3, address);
	return db_step_done(s, err);
}

int bulk_person(struct store *st, const struct bulk_person *p, struct wb_error *err)
{
	unsigned char idc[64], idh[SECRET_HASH_BYTES], phc[64];
	size_t idclen = 0, phclen = 0;
	char gender[2] = {p->gender, 0};

	if (p->id_number[0])
		store_persons_seal_id(st, p->id_number, idc, &idclen, idh);
	if (p->phone)
		store_persons_seal_phone(st, p->phone, phc, &phclen);
	struct db_stmt *s = db_stmt(st->db, SQL_PERSON);
	db_bind_int(s, 1, p->id);
	db_bind_text_ref(s, 2, p->name);
	db_bind_text_ref(s, 3, gender);
	db_bind_text_ref(s, 4, p->birth_date);
	db_bind_blob_ref(s, 5, idclen ? idc : NULL, idclen);
	db_bind_blob_ref(s, 6, idclen ? idh : NULL, SECRET_HASH_BYTES);
	db_bind_text_ref(s, 7, p->ethnicity);
	db_bind_text_ref(s, 8, p->household_region);
	db_bind_text_ref(s, 9, p->residence_region);
	db_bind_text_ref(s, 10, p->residence_region ? p->residence_region : p->household_region);
	if (p->household_id)
		db_bind_int(s, 11, p->household_id);
	if (p->school_unit_id)
		db_bind_int(s, 12, p->school_unit_id);
	db_bind_blob_ref(s, 13, phclen ? phc : NULL, phclen);
	db_bind_text_ref(s, 14, load_time);
	db_bind_text_ref(s, 15, load_time);
	return db_step_done(s, err);
}

int bulk_relation(struct store *st, int64_t id, int64_t child, int64_t related, const char *kind,
		  int is_guardian, int lives_with, struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_RELATION);
	db_bind_int(s, 1, id);
	db_bind_int(s, 2, child);
	db_bind_int(s, 3, related);
	db_bind_text_ref(s, 4, kind);
	db_bind_int(s, 5, is_guardian);
	db_bind_int(s, 6, lives_with);
	db_bind_text_ref(s, 7, load_time);
	return db_step_done(s, err);
}

int bulk_fact(struct store *st, int64_t id, const struct bulk_fact *f, struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_FACT);
	db_bind_int(s, 1, id);
	db_bind_int(s, 2, f->person_id);
	db_bind_text_ref(s, 3, f->type);
	db_bind_text_ref(s, 4, f->value);
	db_bind_text_ref(s, 5, f->valid_from);
	db_bind_text_ref(s, 6, f->valid_to);
	if (f->source_unit_id)
		db_bind_int(s, 7, f->source_unit_id);
	db_bind_text_ref(s, 8, f->source_doc);
	db_bind_text_ref(s, 9, load_time);
	return db_step_done(s, err);
}

int bulk_commit(struct store *st, struct wb_error *err)
{
	int rc = db_exec(st->db, SQL_CREATE_INDEXES, err);
	if (!rc)
		rc = db_exec(st->db, SQL_CREATE_TRIGGERS, err);
	if (!rc)
		rc = restore_registry_triggers(st, err);
	if (rc) {
		bulk_abort(st);
		return rc;
	}
	rc = db_commit(st->db, err);
	db_set_bulk(st->db, 0);
	return rc;
}

void bulk_abort(struct store *st)
{
	db_rollback(st->db);
	db_set_bulk(st->db, 0);
}
