/* regions -- region tree storage (see regions.h). */
#include "store/regions.h"

#include <stdio.h>
#include <string.h>

#include "core/timeutil.h"
#include "core/xalloc.h"
#include "store/db.h"
#include "store/store.h"

static const char SQL_GET[] = "SELECT code, name, level, parent_code FROM regions WHERE code = ?";
static const char SQL_CHILDREN[] =
	"SELECT code, name, level, parent_code FROM regions WHERE parent_code = ? ORDER BY code";
static const char SQL_SUBTREE[] =
	"SELECT code, name, level, parent_code FROM regions WHERE code >= ? AND code < ? "
	"AND level <= ? ORDER BY code";
static const char SQL_COUNT[] =
	"SELECT count(*), count(CASE WHEN birth_date > ? THEN 1 END) FROM persons "
	"WHERE scope_region >= ? AND scope_region < ?";
static const char SQL_PUT[] =
	"INSERT INTO regions (code, name, level, parent_code, source) VALUES (?, ?, ?, ?, ?) "
	"ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, "
	"parent_code = excluded.parent_code, source = excluded.source";

static void fill(struct db_stmt *s, struct region_row *r)
{
	snprintf(r->code, sizeof(r->code), "%s", db_col_text(s, 0));
	snprintf(r->name, sizeof(r->name), "%s", db_col_text(s, 1));
	r->level = (int)db_col_int(s, 2);
	snprintf(r->parent_code, sizeof(r->parent_code), "%s",
		 db_col_is_null(s, 3) ? "" : db_col_text(s, 3));
}

int store_regions_get(struct store *st, const char *code, struct region_row *out,
		      struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_GET);
	db_bind_text(s, 1, code);
	int rc = db_step(s, err);
	if (rc == DB_ROW)
		fill(s, out);
	db_done(s);
	if (rc == DB_DONE)
		return wb_error_setx(err, WB_ENOTFOUND, 404, "REGION_NOT_FOUND", "区划不存在",
				     "no such region", code);
	return rc < 0 ? rc : 0;
}

int store_regions_children(struct store *st, const char *code,
			   int (*cb)(void *ctx, const struct region_row *r), void *ctx,
			   struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_CHILDREN);
	struct region_row r;
	int rc;
	db_bind_text(s, 1, code);
	while ((rc = db_step(s, err)) == DB_ROW) {
		fill(s, &r);
		if (cb(ctx, &r))
			break;
	}
	db_done(s);
	return rc < 0 ? rc : 0;
}

int store_regions_counts(struct store *st, const char *code, const char *minor_cutoff,
			 int64_t *persons, int64_t *minors, struct wb_error *err)
{
	char lo[REGION_CODE_MAX + 1], hi[REGION_CODE_MAX + 1];
	region_subtree_range(code, lo, hi);
	struct db_stmt *s = db_stmt(st->db, SQL_COUNT);
	db_bind_text(s, 1, minor_cutoff);
	db_bind_text(s, 2, lo);
	db_bind_text(s, 3, hi);
	int rc = db_step(s, err);
	*persons = *minors = 0;
	if (rc == DB_ROW) {
		*persons = db_col_int(s, 0);
		*minors = db_col_int(s, 1);
	}
	db_done(s);
	return rc < 0 ? rc : 0;
}

int store_regions_put(struct store *st, const struct region_row *r, const char *source,
		      struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_PUT);
	db_bind_text(s, 1, r->code);
	db_bind_text(s, 2, r->name);
	db_bind_int(s, 3, r->level);
	db_bind_text(s, 4, r->parent_code[0] ? r->parent_code : NULL);
	db_bind_text(s, 5, source);
	int rc = db_step(s, err);
	db_done(s);
	return rc < 0 ? rc : 0;
}

/* Display paths are asked for on every person read; regions are reference data that
 * changes only by import, so each connection keeps recent answers for a few minutes. */
#define PATH_CACHE_SLOTS 4096
#define PATH_CACHE_TTL	 300
struct path_entry {
	char code[REGION_CODE_MAX + 1];
	char path[200];
	int64_t at;
};

static struct path_entry *path_slot(struct store *st, const char *code)
{
	uint64_t h = 1469598103934665603ull;
	for (const char *c = code; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ull;
	if (!st->region_cache)
		st->region_cache = xcalloc(PATH_CACHE_SLOTS, sizeof(struct path_entry));
	return &((struct path_entry *)st->region_cache)[h & (PATH_CACHE_SLOTS - 1)];
}

static int path_name_uncached(struct store *st, const char *code, char *out, size_t cap);

int store_regions_path_name(struct store *st, const char *code, char *out, size_t cap)
{
	struct path_entry *e = path_slot(st, code);
	int64_t now = time_now();
	if (!strcmp(e->code, code) && now - e->at < PATH_CACHE_TTL) {
		snprintf(out, cap, "%s", e->path);
		return 0;
	}
	int rc = path_name_uncached(st, code, out, cap);
	if (rc == 0 && strlen(code) < sizeof(e->code)) {
		snprintf(e->code, sizeof(e->code), "%s", code);
		snprintf(e->path, sizeof(e->path), "%s", out);
		e->at = now;
	}
	return rc;
}

static int path_name_uncached(struct store *st, const char *code, char *out, size_t cap)
{
	struct region_row chain[6];
	int n = 0;
	char cur[REGION_CODE_MAX + 1];
	snprintf(cur, sizeof(cur), "%s", code);
	out[0] = '\0';
	/* Walk up to (but not including) the county: officials name places from the
	 * township down. */
	while (n < 6 && store_regions_get(st, cur, &chain[n], NULL) == 0) {
		if (chain[n].level <= REGION_COUNTY)
			break;
		snprintf(cur, sizeof(cur), "%s", chain[n].parent_code);
		n++;
		if (!cur[0])
			break;
	}
	size_t pos = 0;
	for (int i = n - 1; i >= 0; i--) {
		int k = snprintf(out + pos, cap - pos, "%s%s", pos ? "/" : "", chain[i].name);
		if (k < 0 || (size_t)k >= cap - pos)
			break;
		pos += (size_t)k;
	}
	if (n == 0)
		return -1;
	return 0;
}

int store_regions_subtree(struct store *st, const char *code, int max_level,
			  int (*cb)(void *ctx, const struct region_row *r), void *ctx,
			  struct wb_error *err)
{
	char lo[REGION_CODE_MAX + 1], hi[REGION_CODE_MAX + 1];
	struct region_row r;
	region_subtree_range(code, lo, hi);
	struct db_stmt *s = db_stmt(st->db, SQL_SUBTREE);
	db_bind_text(s, 1, lo);
	db_bind_text(s, 2, hi);
	db_bind_int(s, 3, max_level);
	int rc;
	while ((rc = db_step(s, err)) == DB_ROW) {
		fill(s, &r);
		if (cb(ctx, &r))
			break;
	}
	db_done(s);
	return rc < 0 ? rc : 0;
}
