/* units -- organisations (see units.h). */
#include "store/units.h"

#include <stdio.h>
#include <string.h>

#include "core/timeutil.h"
#include "core/xalloc.h"
#include "store/db.h"
#include "store/store.h"

static const char SQL_CREATE[] =
	"INSERT INTO units (name, type, region_code, created_at) VALUES (?, ?, ?, ?) RETURNING id";
static const char SQL_GET[] =
	"SELECT u.id, u.name, u.type, t.name, u.region_code, r.name FROM units u "
	"JOIN unit_types t ON t.code = u.type JOIN regions r ON r.code = u.region_code "
	"WHERE u.id = ?";
static const char SQL_LIST[] =
	"SELECT u.id, u.name, u.type, t.name, u.region_code, r.name FROM units u "
	"JOIN unit_types t ON t.code = u.type JOIN regions r ON r.code = u.region_code "
	"WHERE u.region_code >= ? AND u.region_code < ? AND (? IS NULL OR u.type = ?) "
	"ORDER BY u.region_code, u.id LIMIT 2000";
static const char SQL_TYPES[] = "SELECT code, name, name_en FROM unit_types ORDER BY code";

int store_units_create(struct store *st, const char *name, const char *type,
		       const char *region_code, int64_t *id, struct wb_error *err)
{
	char now[21];
	store_now(now);
	struct db_stmt *s = db_stmt(st->db, SQL_CREATE);
	db_bind_text(s, 1, name);
	db_bind_text(s, 2, type);
	db_bind_text(s, 3, region_code);
	db_bind_text(s, 4, now);
	int rc = db_step(s, err);
	if (rc == DB_ROW)
		*id = db_col_int(s, 0);
	db_done(s);
	if (rc == WB_EINVAL)
		return wb_error_set(err, WB_EINVAL, 422, "UNIT_INVALID", "单位类型或所在区划不存在",
				    "unknown unit type or region");
	return rc < 0 ? rc : 0;
}

static void fill(struct db_stmt *s, struct unit_row *u)
{
	u->id = db_col_int(s, 0);
	snprintf(u->name, sizeof(u->name), "%s", db_col_text(s, 1));
	snprintf(u->type, sizeof(u->type), "%s", db_col_text(s, 2));
	snprintf(u->type_name, sizeof(u->type_name), "%s", db_col_text(s, 3));
	snprintf(u->region_code, sizeof(u->region_code), "%s", db_col_text(s, 4));
	snprintf(u->region_name, sizeof(u->region_name), "%s", db_col_text(s, 5));
}

/* Units are read on every person read (the school's name): recent rows are kept
 * for a minute (per connection). */
#define UNIT_CACHE_SLOTS 1024
#define UNIT_CACHE_TTL	 60
struct unit_entry {
	struct unit_row row;
	int64_t at;
};

static int units_get_uncached(struct store *st, int64_t id, struct unit_row *out,
			      struct wb_error *err);

int store_units_get(struct store *st, int64_t id, struct unit_row *out, struct wb_error *err)
{
	if (!st->unit_cache)
		st->unit_cache = xcalloc(UNIT_CACHE_SLOTS, sizeof(struct unit_entry));
	struct unit_entry *e =
		&((struct unit_entry *)st->unit_cache)[(uint64_t)id & (UNIT_CACHE_SLOTS - 1)];
	int64_t now = time_now();
	if (e->row.id == id && now - e->at < UNIT_CACHE_TTL) {
		*out = e->row;
		return 0;
	}
	int rc = units_get_uncached(st, id, out, err);
	if (rc == 0) {
		e->row = *out;
		e->at = now;
	}
	return rc;
}

static int units_get_uncached(struct store *st, int64_t id, struct unit_row *out,
			      struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_GET);
	db_bind_int(s, 1, id);
	int rc = db_step(s, err);
	if (rc == DB_ROW)
		fill(s, out);
	db_done(s);
	if (rc == DB_DONE)
		return wb_error_set(err, WB_ENOTFOUND, 404, "UNIT_NOT_FOUND", "单位不存在",
				    "no such unit");
	return rc < 0 ? rc : 0;
}

int store_units_list(struct store *st, const char *region, const char *type,
		     int (*cb)(void *ctx, const struct unit_row *u), void *ctx,
		     struct wb_error *err)
{
	char lo[REGION_CODE_MAX + 1], hi[REGION_CODE_MAX + 1];
	struct unit_row u;
	int rc;
	region_subtree_range(region, lo, hi);
	struct db_stmt *s = db_stmt(st->db, SQL_LIST);
	db_bind_text(s, 1, lo);
	db_bind_text(s, 2, hi);
	db_bind_text(s, 3, type);
	db_bind_text(s, 4, type);
	while ((rc = db_step(s, err)) == DB_ROW) {
		fill(s, &u);
		if (cb(ctx, &u))
			break;
	}
	db_done(s);
	return rc < 0 ? rc : 0;
}

int store_unit_types(struct store *st,
		     void (*cb)(void *ctx, const char *code, const char *name, const char *en),
		     void *ctx, struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_TYPES);
	int rc;
	while ((rc = db_step(s, err)) == DB_ROW)
		cb(ctx, db_col_text(s, 0), db_col_text(s, 1), db_col_text(s, 2));
	db_done(s);
	return rc < 0 ? rc : 0;
}
