/*
 * migrate -- apply pending migrations, each in its own write transaction, so a crash
 * leaves the schema at a whole-numbered version.
 */
#include "store/migrate.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/log.h"
#include "store/db.h"

static const char SQL_SETTINGS[] =
	"CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)";
static const char SQL_VERSION[] = "SELECT value FROM settings WHERE key = 'schema_version'";
static const char SQL_SET_VERSION[] =
	"INSERT INTO settings (key, value) VALUES ('schema_version', ?) "
	"ON CONFLICT (key) DO UPDATE SET value = excluded.value";

int migrate_current(struct db *db)
{
	int version = 0;
	struct db_stmt *st = db_stmt(db, SQL_VERSION);
	if (db_step(st, NULL) == DB_ROW)
		version = (int)strtol(db_col_text(st, 0), NULL, 10);
	db_done(st);
	return version;
}

int migrate_apply(struct db *db, struct wb_error *err)
{
	int rc = db_begin_write(db, err);
	if (rc)
		return rc;
	rc = db_exec(db, SQL_SETTINGS, err);
	if (rc)
		goto fail;
	int current = migrate_current(db);
	int known = migrations_count ? migrations[migrations_count - 1].number : 0;
	if (current > known) { /* a newer weibao's database: its data model is not ours */
		char versions[48];
		snprintf(versions, sizeof(versions), "%d > %d", current, known);
		rc = wb_error_setx(err, WB_ECONFLICT, 409, "SCHEMA_TOO_NEW",
				   "数据库由更新版本的 weibao 建立，请先升级本程序（结构版本）",
				   "the database is of a newer weibao: upgrade this program first "
				   "(schema versions)",
				   versions);
		goto fail;
	}
	for (int i = 0; i < migrations_count; i++) {
		const struct migration *m = &migrations[i];
		char num[16];
		if (m->number <= current)
			continue;
		rc = db_exec(db, m->sql, err);
		if (rc)
			goto fail;
		snprintf(num, sizeof(num), "%d", m->number);
		struct db_stmt *st = db_stmt(db, SQL_SET_VERSION);
		db_bind_text(st, 1, num);
		rc = db_step(st, err);
		db_done(st);
		if (rc < 0)
			goto fail;
		log_info("migration %s applied", m->name);
	}
	return db_commit(db, err);
fail:
	db_rollback(db);
	return rc;
}
