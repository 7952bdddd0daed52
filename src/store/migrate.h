/*
 * migrate -- numbered schema migrations, applied in order on start.
 * The list is generated from src/store/migrations/<backend>/NNN_name.sql by
 * tools/sql2c.sh; the applied number is kept in the `schema_version` setting.
 */
#ifndef WB_MIGRATE_H
#define WB_MIGRATE_H
#include "core/err.h"

struct migration {
	int number;
	const char *name;
	const char *sql;
};

extern const struct migration migrations[];
extern const int migrations_count;

struct db;
int migrate_apply(struct db *db, struct wb_error *err);
int migrate_current(struct db *db);

#endif
