/* imports -- SQL of the import pipeline (see imports.h). */
#include "store/imports.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/log.h"
#include "core/radix.h"
#include "core/timeutil.h"
#include "core/utf8.h"
#include "core/xalloc.h"
#include "domain/region.h"
#include "store/audit.h"
#include "store/import_cache.h"
#include "store/import_snap.h"
#include "store/db.h"
#include "store/persons.h"
#include "store/sealed_rows.h"
#include "store/store.h"

#define META_COLS                                                                                  \
	"i.id, i.profile, i.file_name, i.file_hash, i.source_unit_id, i.region, i.extract_date, "  \
	"i.status, i.rows_total, i.rows_done, i.counts, i.created_by, u.username, i.created_at, "  \
	"i.finished_at, i.undone_at, (SELECT count(*) FROM import_reviews r WHERE r.import_id = "  \
	"i.id AND r.status = 'open')"
#define META_FROM " FROM imports i LEFT JOIN users u ON u.id = i.created_by "
#define IN_SCOPE  " i.region >= ? AND i.region < ? "

static const char SQL_CREATE[] =
	"INSERT INTO imports (profile, file_name, file_hash, source_unit_id, region, extract_date, "
	"status, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?) RETURNING id";
static const char SQL_RUNNING[] =
	"SELECT id, rows_done FROM imports i WHERE file_hash = ? AND profile = ? AND region = ? "
	"AND status = 'running' AND" IN_SCOPE "ORDER BY id DESC LIMIT 1";
static const char SQL_GET[] = "SELECT " META_COLS META_FROM "WHERE i.id = ? AND" IN_SCOPE;
static const char SQL_LIST[] =
	"SELECT " META_COLS META_FROM "WHERE" IN_SCOPE "ORDER BY i.id DESC LIMIT ?";
static const char SQL_PROGRESS[] = "UPDATE imports SET rows_done = ?, counts = ? WHERE id = ?";
static const char SQL_FINISH[] =
	"UPDATE imports SET status = ?, rows_total = ?, counts = ?, finished_at = ? WHERE id = ?";

#define PERSON_MIN                                                                                 \
	"SELECT id, name, gender, birth_date, household_region, residence_region, ethnicity, "     \
	"phone_cipher IS NOT NULL, school_unit_id, scope_region >= ? AND scope_region < ? "        \
	"FROM persons "
static const char SQL_BY_HASH[] = PERSON_MIN "WHERE id_hash = ?";
static const char SQL_BY_ID[] = PERSON_MIN "WHERE id = ?";
/* Batch look-ups take PREFETCH_CHUNK keys a statement; unused places are bound to NULL,
 * which IN never matches. One prepared statement per purpose, as portable SQL. */
enum { PREFETCH_CHUNK = 64, IDX_MAX_PERSONS = 24 << 20 };
#define Q4  "?, ?, ?, ?"
#define Q16 Q4 ", " Q4 ", " Q4 ", " Q4
#define Q64 Q16 ", " Q16 ", " Q16 ", " Q16
#define PERSON_HASHED                                                                              \
	"SELECT id, name, gender, birth_date, household_region, residence_region, ethnicity, "     \
	"phone_cipher IS NOT NULL, school_unit_id, scope_region >= ? AND scope_region < ?, "       \
	"id_hash FROM persons "
static const char SQL_BY_HASHES[] = PERSON_HASHED "WHERE id_hash IN (" Q64 ")";
static const char SQL_BY_IDS[] = PERSON_HASHED "WHERE id IN (" Q64 ")";
static const char SQL_BY_ID_RANGE[] = PERSON_HASHED "WHERE id BETWEEN ? AND ?";
/* The ID index of a big import: a scan of persons_id_hash alone (covering). */
static const char SQL_ID_INDEX[] = "SELECT id_hash, id FROM persons WHERE id_hash IS NOT NULL";
static const char SQL_MAX_PERSON[] = "SELECT max(id) FROM persons";
/* Live facts of the persons. Which are current (no live fact of the person supersedes
 * them: a correction is always of the same person, store/facts.c) and which the profile
 * stated (by their import) is worked out in C: one index range per person, no look-ups
 * per fact. */
static const char SQL_FACTS_OF[] =
	"SELECT f.person_id, f.id, f.type, f.value, f.valid_from, f.valid_to, f.import_id, "
	"f.supersedes FROM facts f WHERE f.person_id IN (" Q64 ") AND f.retracted_at IS NULL";
static const char SQL_FACTS_RANGE[] =
	"SELECT f.person_id, f.id, f.type, f.value, f.valid_from, f.valid_to, f.import_id, "
	"f.supersedes FROM facts f WHERE f.person_id BETWEEN ? AND ? AND f.retracted_at IS NULL";
static const char SQL_IMPORT_PROFILE[] = "SELECT profile = ? FROM imports WHERE id = ?";
static const char SQL_RELS_OF[] =
	"SELECT person_id, related_id, kind FROM relations WHERE person_id IN (" Q64 ")";
static const char SQL_RELS_RANGE[] =
	"SELECT person_id, related_id, kind FROM relations WHERE person_id BETWEEN ? AND ?";
static const char SQL_PACK[] =
	"INSERT INTO import_row_packs (import_id, sheet, role, first_row, entries) "
	"VALUES (?, ?, ?, ?, ?)";
static const char SQL_PACKS_OF[] =
	"SELECT first_row, entries FROM import_row_packs WHERE import_id = ?";
static const char SQL_ROWS_OF[] = "SELECT person_id FROM import_rows WHERE import_id = ?";
static const char SQL_PERSON_INSERT[] =
	"INSERT INTO persons (name, gender, birth_date, id_cipher, id_hash, ethnicity, "
	"household_region, residence_region, scope_region, school_unit_id, phone_cipher, version, "
	"created_at, updated_at, created_by) "
	"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)"; /* id: db_last_insert_id */
static const char SQL_PERSON_FILL[] =
	"UPDATE persons SET birth_date = coalesce(birth_date, ?), "
	"ethnicity = coalesce(ethnicity, ?), residence_region = coalesce(?, residence_region), "
	"scope_region = coalesce(?, residence_region, household_region), "
	"school_unit_id = coalesce(?, school_unit_id), "
	"phone_cipher = coalesce(?, phone_cipher), version = version + 1, updated_at = ? "
	"WHERE id = ?";
/* The sources of a person's fields, 1 to 9 rows in one statement (a created person has
 * five). */
#define SOURCES_INSERT                                                                             \
	"INSERT INTO person_sources (person_id, field, import_id, row_number) VALUES "
#define SOURCES_UPSERT                                                                             \
	" ON CONFLICT (person_id, field) DO UPDATE SET import_id = excluded.import_id, "           \
	"row_number = excluded.row_number"
#define SRC1 "(?, ?, ?, ?)"
#define SRC2 SRC1 ", " SRC1
#define SRC4 SRC2 ", " SRC2
static const char *const SQL_SOURCES_N[] = {
	NULL,
	SOURCES_INSERT SRC1 SOURCES_UPSERT,
	SOURCES_INSERT SRC2 SOURCES_UPSERT,
	SOURCES_INSERT SRC2 ", " SRC1 SOURCES_UPSERT,
	SOURCES_INSERT SRC4 SOURCES_UPSERT,
	SOURCES_INSERT SRC4 ", " SRC1 SOURCES_UPSERT,
	SOURCES_INSERT SRC4 ", " SRC2 SOURCES_UPSERT,
	SOURCES_INSERT SRC4 ", " SRC2 ", " SRC1 SOURCES_UPSERT,
	SOURCES_INSERT SRC4 ", " SRC4 SOURCES_UPSERT,
	SOURCES_INSERT SRC4 ", " SRC4 ", " SRC1 SOURCES_UPSERT,
};
static const char SQL_ROW[] =
	"INSERT INTO import_rows (import_id, sheet, row_number, person_id, role, action) "
	"VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
/* The current fact of a type for a person that an import of this profile stated. */
static const char SQL_FACT_CURRENT[] =
	"SELECT f.id, f.value IS ? AND f.valid_from IS ? AND f.valid_to IS ? FROM facts f "
	"JOIN imports i ON i.id = f.import_id "
	"WHERE f.person_id = ? AND f.type = ? AND i.profile = ? AND f.retracted_at IS NULL "
	"AND NOT EXISTS (SELECT 1 FROM facts g WHERE g.supersedes = f.id AND g.retracted_at IS "
	"NULL) ORDER BY f.id DESC LIMIT 1";
/* The same fact from any source (entered by hand, or another profile). */
static const char SQL_FACT_SAME[] =
	"SELECT 1 FROM facts f WHERE f.person_id = ? AND f.type = ? AND f.value IS ? "
	"AND f.valid_from IS ? AND f.valid_to IS ? AND f.retracted_at IS NULL "
	"AND NOT EXISTS (SELECT 1 FROM facts g WHERE g.supersedes = f.id AND g.retracted_at IS "
	"NULL) LIMIT 1";
#define FACT_INSERT                                                                                \
	"INSERT INTO facts (person_id, type, value, valid_from, valid_to, source_unit_id, "        \
	"source_doc, recorded_by, recorded_at, supersedes, import_id, import_row) VALUES "
#define V1  "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
#define V4  V1 ", " V1 ", " V1 ", " V1
#define V16 V4 ", " V4 ", " V4 ", " V4
#define V64 V16 ", " V16 ", " V16 ", " V16
static const char SQL_FACT_INSERT[] = FACT_INSERT V1;
/* IC_FACT_ROWS (256) facts at once, and 16 for what is left at a flush: a statement's
 * fixed cost (its savepoint, the reset) is then spread over many rows. */
static const char SQL_FACT_INSERT_256[] = FACT_INSERT V64 ", " V64 ", " V64 ", " V64;
static const char SQL_FACT_INSERT_16[] = FACT_INSERT V16;
/* Where an import's facts are (migration 014): the ids a statement inserted lie above
 * the largest id before it, up to the largest after it. The spans are also how the
 * import's facts reach screening (store/screening.c): no screen_dirty row a fact. */
static const char SQL_FACT_MAX[] = "SELECT coalesce(max(id), 0) FROM facts";
static const char SQL_SPAN[] =
	"INSERT INTO import_fact_spans (import_id, first_id, last_id, screened_to) "
	"VALUES (?, ?, ?, ?) "
	"ON CONFLICT (import_id, first_id) DO UPDATE SET last_id = excluded.last_id "
	"WHERE excluded.last_id > import_fact_spans.last_id";
static const char SQL_REL_INSERT[] =
	"INSERT INTO relations (person_id, related_id, kind, is_guardian, lives_with, created_at, "
	"created_by, import_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
	"ON CONFLICT (person_id, related_id, kind) DO NOTHING";
static const char SQL_REJECT[] =
	"INSERT INTO import_rejects (import_id, sheet, row_number, code, reason, reason_en, cells, "
	"id_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
/* The candidates of this import's rows waiting for review (JSON: [{person_id, …}]). */
static const char SQL_REVIEW_CANDIDATES[] =
	"SELECT candidates FROM import_reviews WHERE import_id = ? AND status = 'open'";
/* The persons named by valid ID numbers in this import's rejected rows. */
static const char SQL_REJECTED_PERSONS[] =
	"SELECT p.id FROM import_rejects j JOIN persons p ON p.id_hash = j.id_hash "
	"WHERE j.import_id = ? AND j.id_hash IS NOT NULL";
/* A row already waiting for review (the same file imported again) is not queued twice. */
#define SAME_ROW                                                                                   \
	"FROM import_reviews r JOIN imports i ON i.id = r.import_id WHERE r.role = ? AND "         \
	"r.region = ? AND r.cells_key = ? AND i.status <> 'undone' AND "                           \
	"i.profile = (SELECT profile FROM imports WHERE id = ?) "
static const char SQL_REVIEW_WAITING[] = "SELECT 1 " SAME_ROW "AND r.status = 'open' LIMIT 1";
static const char SQL_REVIEW[] =
	"INSERT INTO import_reviews (import_id, sheet, row_number, role, region, record, cells, "
	"candidates, cells_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
/* An officer's earlier decision on the same row of the same profile. */
static const char SQL_DECIDED[] =
	"SELECT r.person_id " SAME_ROW
	"AND r.status IN ('linked', 'created') ORDER BY r.id DESC LIMIT 1";
static const char SQL_HEADER[] =
	"INSERT INTO import_headers (import_id, sheet, cells) VALUES (?, ?, ?) "
	"ON CONFLICT (import_id, sheet) DO UPDATE SET cells = excluded.cells";
static const char SQL_REJECTS[] =
	"SELECT sheet, 0, 'HEADER', '', cells FROM import_headers h WHERE import_id = ? "
	"AND EXISTS (SELECT 1 FROM import_rejects j WHERE j.import_id = h.import_id AND "
	"j.sheet = h.sheet) "
	"UNION ALL SELECT sheet, row_number, code, reason, cells FROM import_rejects "
	"WHERE import_id = ? ORDER BY 1, 2";
/* Facts to end: stated by earlier imports of this profile and source for persons of the
 * region, still current, still open on the extract date. Those of persons this import
 * stated again stay (the stated set is in memory: import_cache.h). */
static const char SQL_END_CANDIDATES[] =
	"SELECT DISTINCT f.id, f.person_id "
	"FROM imports i JOIN import_fact_spans s ON s.import_id = i.id "
	"JOIN facts f ON f.id BETWEEN s.first_id AND s.last_id AND f.import_id = i.id "
	"JOIN persons p ON p.id = f.person_id "
	"WHERE i.profile = ? AND i.source_unit_id IS ? AND i.id <> ? AND f.type = ? "
	"AND f.retracted_at IS NULL AND (f.valid_to IS NULL OR f.valid_to > ?) "
	"AND p.scope_region >= ? AND p.scope_region < ? "
	"AND NOT EXISTS (SELECT 1 FROM facts g WHERE g.supersedes = f.id AND g.retracted_at IS "
	"NULL)";
static const char SQL_END_ONE[] =
	"INSERT INTO facts (person_id, type, value, valid_from, valid_to, source_unit_id, "
	"source_doc, recorded_by, recorded_at, supersedes, import_id) "
	"SELECT f.person_id, f.type, f.value, f.valid_from, ?, f.source_unit_id, ?, ?, ?, f.id, ? "
	"FROM facts f WHERE f.id = ?";
static const char SQL_CANDIDATES[] =
	"SELECT id, name, gender, birth_date, scope_region FROM persons "
	"WHERE scope_region >= ? AND scope_region < ? AND scope_region >= ? AND scope_region < ?";
static const char SQL_RELATIVE_ADULT[] =
	"SELECT p.id FROM relations r JOIN persons p ON p.id = r.related_id WHERE r.person_id = ? "
	"AND (r.kind = ? OR (? = 'parent' AND r.kind IN ('father', 'mother'))) AND p.name = ? "
	"ORDER BY p.id LIMIT 1";
static const char SQL_RELATIVE_CHILD[] =
	"SELECT p.id FROM relations r JOIN persons p ON p.id = r.person_id WHERE r.related_id = ? "
	"AND (r.kind = ? OR (? = 'parent' AND r.kind IN ('father', 'mother'))) AND p.name = ? "
	"ORDER BY p.id LIMIT 1";
static const char SQL_SCHOOL[] =
	"SELECT id FROM units WHERE name = ? AND type IN ('school', 'kindergarten') "
	"AND region_code >= ? AND region_code < ? ORDER BY id LIMIT 1";

/* Undo, in order: retract facts, drop relations, clear filled fields, delete persons the
 * import created that nothing else refers to, mark the import undone. */
static const char SQL_UNDO_FACTS[] =
	"UPDATE facts SET retracted_at = ? WHERE retracted_at IS NULL AND id IN "
	"(SELECT f.id FROM import_fact_spans s JOIN facts f ON f.id BETWEEN s.first_id AND "
	"s.last_id AND f.import_id = s.import_id WHERE s.import_id = ?)"; /* its own ids only */
static const char SQL_UNDO_RELS[] = "DELETE FROM relations WHERE import_id = ?";
/* Persons this import created that nothing still standing refers to: no live fact from
 * elsewhere, no relation, no row of another import that was not undone, no review. */
static const char SQL_UNDO_ORPHANS[] =
	"SELECT r.person_id FROM import_rows r WHERE r.import_id = ? AND r.action = 'created' "
	"AND NOT EXISTS (SELECT 1 FROM facts f WHERE f.person_id = r.person_id AND "
	"f.retracted_at IS NULL AND (f.import_id IS NULL OR f.import_id <> r.import_id)) "
	"AND NOT EXISTS (SELECT 1 FROM relations x WHERE x.person_id = r.person_id OR "
	"x.related_id = r.person_id) "
	"AND NOT EXISTS (SELECT 1 FROM import_rows o JOIN imports i ON i.id = o.import_id "
	"WHERE o.person_id = r.person_id AND o.import_id <> r.import_id AND i.status <> 'undone') "
	"AND NOT EXISTS (SELECT 1 FROM import_reviews v WHERE v.person_id = r.person_id AND "
	"v.import_id <> r.import_id)";
/* The import's reviews go with it: those still open are closed, and a decision that
 * created a person no longer names them (the person goes with the import). */
static const char SQL_UNDO_REVIEWS[] =
	"UPDATE import_reviews SET status = 'dismissed', reason = '导入已撤销 / the import was "
	"undone', "
	"decided_by = ?, decided_at = ? WHERE import_id = ? AND status = 'open'";
static const char SQL_UNNAME_REVIEWS[] =
	"UPDATE import_reviews SET person_id = NULL WHERE person_id = ? AND import_id = ?";
/* Packs of the other imports not undone: their persons stay too. */
static const char SQL_OTHER_PACKS[] =
	"SELECT p.first_row, p.entries FROM import_row_packs p JOIN imports i ON i.id = "
	"p.import_id WHERE p.import_id <> ? AND i.status <> 'undone'";
static const char SQL_DEL_FACTS[] = "DELETE FROM facts WHERE person_id = ?";
static const char SQL_DEL_SOURCES[] = "DELETE FROM person_sources WHERE person_id = ?";
static const char SQL_DEL_ROWS[] = "DELETE FROM import_rows WHERE person_id = ?";
static const char SQL_DEL_PERSON[] = "DELETE FROM persons WHERE id = ?";
/* A removed person's screening rows go with it: they refer to the person. */
static const char *const SQL_DEL_SCREENING[] = {
	"DELETE FROM screen_events WHERE person_id = ?",
	"DELETE FROM screen_memberships WHERE person_id = ?",
	"DELETE FROM screen_decisions WHERE person_id = ?",
	"DELETE FROM screen_overrides WHERE person_id = ?",
	"DELETE FROM screen_results WHERE person_id = ?",
};
static const char SQL_UNDO_FIELDS[] =
	"SELECT person_id, field FROM person_sources WHERE import_id = ?";
static const char SQL_CLEAR_PHONE[] = "UPDATE persons SET phone_cipher = NULL, version = version + "
				      "1, updated_at = ? WHERE id = ?";
static const char SQL_CLEAR_ETHNICITY[] =
	"UPDATE persons SET ethnicity = NULL, version = version + 1, updated_at = ? WHERE id = ?";
static const char SQL_CLEAR_SCHOOL[] = "UPDATE persons SET school_unit_id = NULL, "
				       "version = version + 1, updated_at = ? WHERE id = ?";
static const char SQL_DEL_SOURCE_FIELD[] =
	"DELETE FROM person_sources WHERE person_id = ? AND field = ? AND import_id = ?";
static const char SQL_UNDONE[] =
	"UPDATE imports SET status = 'undone', undone_by = ?, undone_at = ? WHERE id = ?";

static const char *text_or_empty(struct db_stmt *s, int c)
{
	return db_col_is_null(s, c) ? "" : db_col_text(s, c);
}

static const char *nz(const char *s)
{
	return s && *s ? s : NULL;
}

static int not_found(struct wb_error *err)
{
	return wb_error_set(err, WB_ENOTFOUND, 404, "IMPORT_NOT_FOUND",
			    "导入记录不存在或不在您的管辖范围内",
			    "no such import, or not within your area");
}

/* ---- the import record ---------------------------------------------------------------- */

static const char SQL_REFS[] = "SELECT EXISTS (SELECT 1 FROM regions WHERE code = ?), "
			       "? IS NULL OR EXISTS (SELECT 1 FROM units WHERE id = ?), "
			       "EXISTS (SELECT 1 FROM users WHERE id = ?)";

/* What the import record refers to exists (the batches write it without foreign-key
 * checks). */
static int references_exist(struct store *st, const struct wb_scope *sc,
			    const struct import_meta *m, struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_REFS);
	db_bind_text(s, 1, m->region);
	if (m->source_unit_id) {
		db_bind_int(s, 2, m->source_unit_id);
		db_bind_int(s, 3, m->source_unit_id);
	}
	db_bind_int(s, 4, sc->user_id ? sc->user_id : 1);
	int rc = db_step(s, err);
	int ok = rc == DB_ROW && db_col_int(s, 0) && db_col_int(s, 1) && db_col_int(s, 2);
	db_done(s);
	if (rc < 0)
		return rc;
	return ok ? 0
		  : wb_error_set(err, WB_EINVAL, 422, "IMPORT_REFERENCE",
				 "导入的区划、来源单位或用户不存在",
				 "the import's region, source unit or user does not exist");
}

int store_imports_create(struct store *st, const struct wb_scope *sc, struct import_meta *m,
			 struct wb_error *err)
{
	char now[21];
	int rc = references_exist(st, sc, m, err); /* foreign keys are off in batches */
	if (rc)
		return rc;
	store_now(now);
	struct db_stmt *s = db_stmt(st->db, SQL_CREATE);
	db_bind_text(s, 1, m->profile);
	db_bind_text(s, 2, m->file_name);
	db_bind_blob(s, 3, m->file_hash, sizeof(m->file_hash));
	if (m->source_unit_id)
		db_bind_int(s, 4, m->source_unit_id);
	db_bind_text(s, 5, m->region);
	db_bind_text(s, 6, m->extract_date);
	db_bind_int(s, 7, sc->user_id ? sc->user_id : 1);
	db_bind_text(s, 8, now);
	rc = db_step(s, err);
	if (rc == DB_ROW)
		m->id = db_col_int(s, 0);
	db_done(s);
	if (rc < 0)
		return rc;
	char detail[400];
	snprintf(detail, sizeof(detail), "{\"profile\":\"%s\",\"region\":\"%s\"}", m->profile,
		 m->region);
	struct audit_entry e = {"import.start", "import", m->id, detail};
	return store_audit_append(st, sc, &e, err);
}

int store_imports_find_running(struct store *st, const struct wb_scope *sc,
			       const struct import_meta *m, int64_t *id, int64_t *rows_done,
			       struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_RUNNING);
	db_bind_blob(s, 1, m->file_hash, sizeof(m->file_hash));
	db_bind_text(s, 2, m->profile);
	db_bind_text(s, 3, m->region);
	db_bind_text(s, 4, sc->lo);
	db_bind_text(s, 5, sc->hi);
	int rc = db_step(s, err);
	*id = rc == DB_ROW ? db_col_int(s, 0) : 0;
	*rows_done = rc == DB_ROW ? db_col_int(s, 1) : 0;
	db_done(s);
	return rc < 0 ? rc : 0;
}

static void fill_meta(struct db_stmt *s, struct import_meta *m)
{
	size_t hl;
	memset(m, 0, sizeof(*m));
	m->id = db_col_int(s, 0);
	snprintf(m->profile, sizeof(m->profile), "%s", db_col_text(s, 1));
	/* stored by an older version as sent */
	utf8_copy(m->file_name, sizeof(m->file_name), db_col_text(s, 2));
	const void *h = db_col_blob(s, 3, &hl);
	if (h && hl == sizeof(m->file_hash))
		memcpy(m->file_hash, h, hl);
	m->source_unit_id = db_col_is_null(s, 4) ? 0 : db_col_int(s, 4);
	snprintf(m->region, sizeof(m->region), "%s", db_col_text(s, 5));
	snprintf(m->extract_date, sizeof(m->extract_date), "%s", db_col_text(s, 6));
	snprintf(m->status, sizeof(m->status), "%s", db_col_text(s, 7));
	m->rows_total = db_col_int(s, 8);
	m->rows_done = db_col_int(s, 9);
	snprintf(m->counts, sizeof(m->counts), "%s", db_col_text(s, 10));
	m->created_by = db_col_int(s, 11);
	snprintf(m->created_by_name, sizeof(m->created_by_name), "%s", text_or_empty(s, 12));
	snprintf(m->created_at, sizeof(m->created_at), "%s", db_col_text(s, 13));
	snprintf(m->finished_at, sizeof(m->finished_at), "%s", text_or_empty(s, 14));
	snprintf(m->undone_at, sizeof(m->undone_at), "%s", text_or_empty(s, 15));
	m->reviews_open = db_col_int(s, 16);
}

int store_imports_get(struct store *st, const struct wb_scope *sc, int64_t id,
		      struct import_meta *out, struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_GET);
	db_bind_int(s, 1, id);
	db_bind_text(s, 2, sc->lo);
	db_bind_text(s, 3, sc->hi);
	int rc = db_step(s, err);
	if (rc == DB_ROW)
		fill_meta(s, out);
	db_done(s);
	if (rc == DB_DONE)
		return not_found(err);
	return rc < 0 ? rc : 0;
}

int store_imports_list(struct store *st, const struct wb_scope *sc, int limit,
		       void (*cb)(void *ctx, const struct import_meta *m), void *ctx,
		       struct wb_error *err)
{
	struct import_meta m;
	struct db_stmt *s = db_stmt(st->db, SQL_LIST);
	db_bind_text(s, 1, sc->lo);
	db_bind_text(s, 2, sc->hi);
	db_bind_int(s, 3, limit);
	int rc;
	while ((rc = db_step(s, err)) == DB_ROW) {
		fill_meta(s, &m);
		cb(ctx, &m);
	}
	db_done(s);
	return rc < 0 ? rc : 0;
}

int store_imports_progress(struct store *st, int64_t id, int64_t rows_done, const char *counts,
			   struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_PROGRESS);
	db_bind_int(s, 1, rows_done);
	db_bind_text(s, 2, counts);
	db_bind_int(s, 3, id);
	return db_step_done(s, err);
}

int store_imports_finish(struct store *st, const struct wb_scope *sc, int64_t id, int ok,
			 int64_t rows_total, const char *counts, struct wb_error *err)
{
	char now[21];
	store_now(now);
	int rc;
	struct db_stmt *s = db_stmt(st->db, SQL_FINISH);
	db_bind_text(s, 1, ok ? "done" : "failed");
	db_bind_int(s, 2, rows_total);
	db_bind_text(s, 3, counts);
	db_bind_text(s, 4, now);
	db_bind_int(s, 5, id);
	if ((rc = db_step_done(s, err)) == 0) {
		struct audit_entry e = {ok ? "import.done" : "import.failed", "import", id, counts};
		rc = store_audit_append(st, sc, &e, err);
	}
	return rc;
}

/* ---- batches and rows ------------------------------------------------------------------- */

/* An import's batches run without SQLite's foreign-key look-ups: in a bare C program they
 * were 40 % of the cost of a fact's INSERT (a parent look-up for each reference). Every reference an import writes is one
 * it has just read or written in the same write transaction, which nobody else can change
 * meanwhile: persons found or created by the batch; fact types, regions and relation
 * kinds checked against their tables before use (pipeline.c, store_imports_create); the
 * import itself; units and the user checked when the import is created. The API tests run
 * PRAGMA foreign_key_check after their imports. The pragma only takes effect outside a
 * transaction, and setting it expires every prepared statement of the connection (the
 * 256-row INSERT of facts was parsed again at every batch): it is set once, before the
 * first batch (store_imports_prepare), and back at the end (store_imports_release). The
 * connection is the import's alone meanwhile (the CLI's, or the job worker's). */
static const char SQL_FK_OFF[] = "PRAGMA foreign_keys=OFF";
static const char SQL_FK_ON[] = "PRAGMA foreign_keys=ON";

int store_imports_batch_begin(struct store *st, struct wb_error *err)
{
	return db_begin_write(st->db, err);
}

int store_imports_batch_commit(struct store *st, struct wb_error *err)
{
	return db_commit(st->db, err);
}

void store_imports_batch_abort(struct store *st)
{
	db_rollback(st->db);
}

/* Column c as a string of at most cap − 1 bytes ("" for NULL). Not snprintf: this runs
 * for every person a batch looks up. */
static void col_copy(char *out, size_t cap, struct db_stmt *s, int c)
{
	const char *t = text_or_empty(s, c);
	size_t n = strlen(t);
	if (n >= cap)
		n = cap - 1;
	memcpy(out, t, n);
	out[n] = 0;
}

static void fill_person(struct db_stmt *s, struct import_person *p)
{
	memset(p, 0, sizeof(*p));
	p->id = db_col_int(s, 0);
	col_copy(p->name, sizeof(p->name), s, 1);
	p->gender = db_col_text(s, 2)[0];
	col_copy(p->birth_date, sizeof(p->birth_date), s, 3);
	col_copy(p->household_region, sizeof(p->household_region), s, 4);
	col_copy(p->residence_region, sizeof(p->residence_region), s, 5);
	col_copy(p->ethnicity, sizeof(p->ethnicity), s, 6);
	p->has_phone = (int)db_col_int(s, 7);
	p->school_unit_id = db_col_is_null(s, 8) ? 0 : db_col_int(s, 8);
	p->in_scope = (int)db_col_int(s, 9);
}

/* ---- the batch cache ------------------------------------------------------------------- */

static int fact_flush(struct store *st, struct import_cache *c, struct wb_error *err);

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

struct import_cache *store_imports_cache_new(void)
{
	struct import_cache *c = xcalloc(1, sizeof(*c));
	arena_init(&c->strings);
	return c;
}

void store_imports_cache_free(struct import_cache *c)
{
	if (c)
		import_snap_free(c->snap);
	import_cache_free(c);
}

/* The snapshot no longer holds: someone else committed, or the import's last steps read
 * and write with SQL. */
static void snap_drop(struct import_cache *c)
{
	if (c && c->snap) {
		import_cache_clear_batch(c); /* its facts' texts may be the snapshot's */
		import_snap_free(c->snap);
		c->snap = NULL;
	}
}

static void snap_dirty(struct import_cache *c, int64_t person)
{
	if (c && c->snap)
		import_snap_dirty(c->snap, person);
}

/* Reading rows by person id for a batch: sorted ids that lie close together (an extract in
 * the order its persons were stored: a child, its parents, its siblings) are read as one
 * range, a walk along the index, far cheaper than a look-up per id; the others in IN
 * lists of PREFETCH_CHUNK. A range also returns persons the batch did not ask for: the
 * row callbacks skip them. */
enum { RUN_GAP = 8, RUN_MIN = 16 };

struct by_ids {
	const struct wb_scope *sc; /* bound first (parameters 1, 2) when set */
	const char *sql_in, *sql_range;
	int (*row)(void *ctx, struct db_stmt *s, struct wb_error *err);
	void *ctx;
};

static int by_ids_query(struct store *st, const struct by_ids *q, const int64_t *ids, size_t n,
			int range, struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, range ? q->sql_range : q->sql_in);
	int at = 1, rc;
	if (q->sc) {
		db_bind_text(s, 1, q->sc->lo);
		db_bind_text(s, 2, q->sc->hi);
		at = 3;
	}
	if (range) {
		db_bind_int(s, at, ids[0]);
		db_bind_int(s, at + 1, ids[n - 1]);
	} else {
		/* unused places: NULL, which IN never matches */
		for (size_t i = 0; i < PREFETCH_CHUNK; i++)
			if (i < n)
				db_bind_int(s, at + (int)i, ids[i]);
			else
				db_bind_null(s, at + (int)i);
	}
	while ((rc = db_step(s, err)) == DB_ROW)
		if ((rc = q->row(q->ctx, s, err)) < 0)
			break;
	db_done(s);
	return rc < 0 ? rc : 0;
}

static int by_ids_read(struct store *st, const struct by_ids *q, const int64_t *ids, size_t n,
		       struct wb_error *err)
{
	int64_t chunk[PREFETCH_CHUNK];
	size_t k = 0;
	int rc = 0;
	for (size_t i = 0; i < n && !rc;) {
		size_t e = i + 1;
		while (e < n && ids[e] - ids[e - 1] <= RUN_GAP)
			e++;
		if (e - i >= RUN_MIN) {
			rc = by_ids_query(st, q, ids + i, e - i, 1, err);
			i = e;
			continue;
		}
		for (; i < e && !rc; i++) {
			chunk[k++] = ids[i];
			if (k == PREFETCH_CHUNK) {
				rc = by_ids_query(st, q, chunk, k, 0, err);
				k = 0;
			}
		}
	}
	if (!rc && k)
		rc = by_ids_query(st, q, chunk, k, 0, err);
	return rc;
}

static void found_person(struct import_cache *c, struct db_stmt *s, struct ic_person *e)
{
	fill_person(s, &e->p);
	e->found = 1;
	imap_put(&c->byid, e->p.id, (int32_t)(e - c->persons));
}

/* Look the entries up by hash. An entry is found only when the stored hash is its own. */
static int fetch_persons(struct store *st, const struct wb_scope *sc, struct import_cache *c,
			 struct ic_person **unresolved, size_t n, struct wb_error *err)
{
	int rc = 0;
	for (size_t at = 0; at < n && !rc; at += PREFETCH_CHUNK) {
		size_t k = n - at < PREFETCH_CHUNK ? n - at : PREFETCH_CHUNK;
		struct db_stmt *s = db_stmt(st->db, SQL_BY_HASHES);
		db_bind_text(s, 1, sc->lo);
		db_bind_text(s, 2, sc->hi);
		for (size_t i = 0; i < PREFETCH_CHUNK; i++)
			if (i >= k)
				db_bind_null(s, 3 + (int)i);
			else
				db_bind_blob_ref(s, 3 + (int)i, unresolved[at + i]->hash,
						 SECRET_HASH_BYTES);
		while ((rc = db_step(s, err)) == DB_ROW) {
			size_t len;
			const void *h = db_col_blob(s, 10, &len);
			for (size_t i = 0; i < k; i++) /* k ≤ 64: a walk is cheaper than a map */
				if (len == SECRET_HASH_BYTES &&
				    !memcmp(unresolved[at + i]->hash, h, SECRET_HASH_BYTES)) {
					found_person(c, s, unresolved[at + i]);
					break;
				}
		}
		db_done(s);
		rc = rc < 0 ? rc : 0;
	}
	return rc;
}

struct hinted {
	int64_t id;
	struct ic_person *e;
};

struct hint_ctx {
	struct import_cache *c;
	struct imap *at; /* person the index named → index into h */
	const struct hinted *h;
};

/* A person read for the ID index's hint: the entry's only when the stored hash is its
 * own (the hint may be stale, or a prefix shared by two ID numbers). */
static int hint_row(void *ctx, struct db_stmt *s, struct wb_error *err)
{
	struct hint_ctx *x = ctx;
	size_t len;
	(void)err;
	int32_t k = imap_get(x->at, db_col_int(s, 0));
	if (k < 0)
		return 0; /* in the range, not asked for */
	const void *h = db_col_blob(s, 10, &len);
	if (len == SECRET_HASH_BYTES && !memcmp(x->h[k].e->hash, h, SECRET_HASH_BYTES))
		found_person(x->c, s, x->h[k].e);
	return 0;
}

static int cmp_hinted(const void *a, const void *b)
{
	int64_t x = ((const struct hinted *)a)->id, y = ((const struct hinted *)b)->id;
	return (x > y) - (x < y);
}

static int prefetch_persons(struct store *st, const struct wb_scope *sc, struct import_cache *c,
			    struct ic_person **unresolved, size_t n, struct wb_error *err)
{
	int rc = 0;
	size_t nh = 0, nm = 0;
	if (c->idx.cap) { /* by the index's hints first, in table order */
		struct hinted *h = xmalloc((n ? n : 1) * sizeof(*h));
		for (size_t i = 0; i < n; i++)
			if ((h[nh].id = import_cache_idx_get(c, unresolved[i]->hash)))
				h[nh++].e = unresolved[i];
		qsort(h, nh, sizeof(*h), cmp_hinted);
		struct hint_ctx x = {.c = c, .h = h, .at = &c->hint_at};
		imap_clear(x.at);
		int64_t *ids = xmalloc((nh ? nh : 1) * sizeof(*ids));
		size_t ni = 0;
		for (size_t i = 0; i < nh; i++)
			if (!ni || ids[ni - 1] != h[i].id) { /* a shared prefix: the first only */
				imap_put(x.at, h[i].id, (int32_t)i);
				ids[ni++] = h[i].id;
			}
		struct by_ids q = {sc, SQL_BY_IDS, SQL_BY_ID_RANGE, hint_row, &x};
		rc = by_ids_read(st, &q, ids, ni, err);
		free(h), free(ids);
	}
	for (size_t i = 0; i < n; i++) /* the rest by hash: misses may be new since */
		if (!unresolved[i]->found)
			unresolved[nm++] = unresolved[i];
	if (!rc)
		rc = fetch_persons(st, sc, c, unresolved, nm, err);
	return rc;
}

static int64_t max_person(struct store *st, struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_MAX_PERSON);
	int rc = db_step(s, err);
	int64_t persons = rc == DB_ROW ? db_col_int(s, 0) : 0;
	db_done(s);
	return rc < 0 ? rc : persons;
}

/* The snapshot reads every stored person, fact and relation once, at about an eighth of
 * the cost of a batch look-up of each (1 000 instructions a stored row against some
 * 8 000 a person looked up): it pays from one look-up per SNAP_PAYS stored persons.
 * WEIBAO_IMPORT_SNAPSHOT=0 turns it off (operations; the tests compare both ways). */
enum { SNAP_PAYS = 8 };

static int snapshot_pays(int64_t persons, int64_t lookups)
{
	const char *env = getenv("WEIBAO_IMPORT_SNAPSHOT");
	return persons > 0 && lookups * SNAP_PAYS >= persons && !(env && !strcmp(env, "0"));
}

void store_imports_prepare(struct store *st, int64_t lookups)
{
	struct wb_error e;
	if (snapshot_pays(max_person(st, &e), lookups))
		db_checkpoint(st->db); /* the snapshot needs the whole database in the file */
	/* A batch writes more pages than the default automatic checkpoint (1000 pages)
	 * allows, so each commit checkpointed, with two fsyncs: the import lets the WAL grow
	 * to 64 MiB first. */
	db_exec(st->db, "PRAGMA wal_autocheckpoint=16384", NULL);
	db_exec(st->db, SQL_FK_OFF, NULL); /* see store_imports_batch_begin */
}

void store_imports_release(struct store *st)
{
	if (db_in_transaction(st->db)) /* an import that failed to start */
		db_rollback(st->db);
	db_exec(st->db, SQL_FK_ON, NULL);
	db_exec(st->db, "PRAGMA wal_autocheckpoint=1000", NULL); /* SQLite's default */
}

int store_imports_index(struct store *st, const struct wb_scope *sc, struct import_cache *c,
			const char *profile, int64_t lookups, struct wb_error *err)
{
	int64_t persons = max_person(st, err);
	int rc = persons < 0 ? (int)persons : 0;
	if (!rc && snapshot_pays(persons, lookups) &&
	    (rc = import_snap_build(st, sc, profile, &c->snap, err)))
		return rc;
	if (c->snap)
		return 0;
	struct db_stmt *s;
	/* Reading an entry of the index costs about a fiftieth of a look-up by hash: it pays
	 * from one look-up per 32 stored persons. Past IDX_MAX_PERSONS (256 MiB of index) the
	 * batches look up by hash. */
	if (rc < 0 || lookups * 32 < persons || persons > IDX_MAX_PERSONS)
		return rc < 0 ? rc : 0;
	import_cache_idx_reserve(c, (size_t)persons); /* no rehashing on the way */
	s = db_stmt(st->db, SQL_ID_INDEX);
	while ((rc = db_step(s, err)) == DB_ROW) {
		size_t len;
		const unsigned char *h = db_col_blob(s, 0, &len);
		if (len == SECRET_HASH_BYTES)
			import_cache_idx_put(c, h, db_col_int(s, 1));
	}
	db_done(s);
	return rc < 0 ? rc : 0;
}

/* Whether import `id` was of `profile`: asked once per import and remembered (an import's
 * profile never changes). */
static int own_import(struct store *st, struct import_cache *c, const char *profile, int64_t id,
		      struct wb_error *err)
{
	int32_t v = imap_get(&c->own_imports, id);
	if (v >= 0)
		return v;
	struct db_stmt *s = db_stmt(st->db, SQL_IMPORT_PROFILE);
	db_bind_text(s, 1, profile);
	db_bind_int(s, 2, id);
	int rc = db_step(s, err);
	v = rc == DB_ROW && db_col_int(s, 0);
	db_done(s);
	if (rc < 0)
		return rc;
	imap_put(&c->own_imports, id, v);
	return v;
}

struct facts_ctx {
	struct store *st;
	struct import_cache *c;
	const char *profile;
	struct imap *superseded; /* fact → 1 */
};

static int fact_row(void *ctx, struct db_stmt *s, struct wb_error *err)
{
	struct facts_ctx *x = ctx;
	int64_t person = db_col_int(s, 0);
	if (imap_get(&x->c->loaded, person) < 0)
		return 0; /* in the range, not asked for */
	int own = db_col_is_null(s, 6) ? 0
				       : own_import(x->st, x->c, x->profile, db_col_int(s, 6), err);
	if (own < 0)
		return own;
	if (!db_col_is_null(s, 7))
		imap_put(x->superseded, db_col_int(s, 7), 1);
	import_cache_add_fact(x->c, person, db_col_int(s, 1), own, db_col_text(s, 2),
			      db_col_is_null(s, 3) ? NULL : db_col_text(s, 3),
			      db_col_is_null(s, 4) ? NULL : db_col_text(s, 4),
			      db_col_is_null(s, 5) ? NULL : db_col_text(s, 5));
	return 0;
}

static int rel_row(void *ctx, struct db_stmt *s, struct wb_error *err)
{
	struct import_cache *c = ctx;
	(void)err;
	if (imap_get(&c->loaded, db_col_int(s, 0)) >= 0)
		import_cache_add_rel(c, db_col_int(s, 0), db_col_int(s, 1), db_col_text(s, 2));
	return 0;
}

/* The live facts and the relations (as the child) of the loaded persons `ids` (sorted). */
static int prefetch_facts(struct store *st, struct import_cache *c, const char *profile,
			  const int64_t *ids, size_t n, struct wb_error *err)
{
	struct facts_ctx x = {.st = st, .c = c, .profile = profile, .superseded = &c->superseded};
	imap_clear(x.superseded);
	struct by_ids qf = {NULL, SQL_FACTS_OF, SQL_FACTS_RANGE, fact_row, &x};
	struct by_ids qr = {NULL, SQL_RELS_OF, SQL_RELS_RANGE, rel_row, c};
	int rc = by_ids_read(st, &qf, ids, n, err);
	if (!rc)
		rc = by_ids_read(st, &qr, ids, n, err);
	/* Keep the current ones only. */
	for (size_t i = 0; i < c->nfacts && x.superseded->n; i++)
		if (imap_get(x.superseded, c->facts[i].id) > 0)
			c->facts[i].superseded = 1;
	return rc;
}

int store_imports_prefetch(struct store *st, const struct wb_scope *sc, struct import_cache *c,
			   const char *profile, const char (*ids)[IDNO_LEN + 1],
			   const unsigned char (*hashes)[SECRET_HASH_BYTES],
			   const unsigned char *want, size_t n, struct wb_error *err)
{
	int rc = fact_flush(st, c, err); /* the facts of the rows before are read below */
	if (rc)
		return rc;
	import_cache_clear_batch(c);
	store_now(c->now); /* the batch's rows are recorded at its start: no clock per row */
	if (c->snap && import_snap_version(c->snap) != db_data_version(st->db)) {
		log_info("import: another connection wrote between two batches: the registry "
			 "snapshot is dropped, SQL look-ups from here on");
		snap_drop(c);
	}
	struct ic_person **unresolved = xmalloc((n ? n : 1) * sizeof(*unresolved));
	size_t k = 0;
	if (n > c->id_entry_cap) {
		c->id_entry_cap = n;
		c->id_entry = xrealloc(c->id_entry, n * sizeof(*c->id_entry));
	}
	for (size_t i = 0; i < n; i++) {
		if (i + 8 < n)
			import_cache_person_prefetch(c, ids[i + 8]);
		size_t before = c->npersons;
		struct ic_person *e = import_cache_person(c, ids[i], 1);
		c->id_entry[i] = (uint32_t)(e - c->persons);
		if (c->npersons > before) { /* new in this batch */
			if (hashes)
				memcpy(e->hash, hashes[i], SECRET_HASH_BYTES);
			else
				secret_lookup_hash(st->keys, e->hash, e->id18, IDNO_LEN);
			k++;
		}
		e->want |= want[i];
	}
	/* Entries do not move once all are added: take their addresses now. */
	size_t left = 0;
	enum { SLOT_AHEAD = 16, PERSON_AHEAD = 8 }; /* measured on a 2.8 M-person registry */
	for (size_t i = 0; i < k; i++) {
		struct ic_person *e = &c->persons[i];
		if (c->snap && i + SLOT_AHEAD < k)
			import_snap_prefetch(c->snap, c->persons[i + SLOT_AHEAD].hash, 0);
		if (c->snap && i + PERSON_AHEAD < k)
			import_snap_prefetch(c->snap, c->persons[i + PERSON_AHEAD].hash, 1);
		if (c->snap && import_snap_person(c->snap, e->hash, &e->p)) {
			e->found = 1;
			imap_put(&c->byid, e->p.id, (int32_t)i);
		} else {
			unresolved[left++] =
				e; /* new since, written by the import, or no snapshot */
		}
	}
	rc = prefetch_persons(st, sc, c, unresolved, left, err);
	/* Facts and relations of the persons found, sorted so that the look-ups walk the
	 * index in order. */
	int64_t *found = xmalloc((k ? k : 1) * sizeof(*found));
	size_t nf = 0;
	for (size_t i = 0; i < k; i++) {
		const struct ic_person *e = &c->persons[i];
		if (e->found && e->want && imap_get(&c->loaded, e->p.id) < 0) {
			if (c->snap && import_snap_load(c->snap, c, e->p.id))
				continue;
			imap_put(&c->loaded, e->p.id, 1);
			found[nf++] = e->p.id;
		}
	}
	qsort(found, nf, sizeof(*found), cmp_i64);
	if (!rc)
		rc = prefetch_facts(st, c, profile, found, nf, err);
	free(found);
	free(unresolved);
	return rc;
}

void store_imports_id_hash(const struct store *st, const char *id18,
			   unsigned char out[SECRET_HASH_BYTES])
{
	secret_lookup_hash(st->keys, out, id18, IDNO_LEN);
}

/* ---- rows ------------------------------------------------------------------------------ */

static int find_by_hash(struct store *st, const struct wb_scope *sc, struct import_cache *c,
			const char *id18, struct import_person *out, struct wb_error *err)
{
	struct ic_person *e = c ? import_cache_person(c, id18, 0) : NULL;
	if (e) {
		if (e->found)
			*out = e->p;
		return e->found;
	}
	unsigned char h[SECRET_HASH_BYTES];
	secret_lookup_hash(st->keys, h, id18, IDNO_LEN);
	struct db_stmt *s = db_stmt(st->db, SQL_BY_HASH);
	db_bind_text(s, 1, sc->lo);
	db_bind_text(s, 2, sc->hi);
	db_bind_blob(s, 3, h, sizeof(h));
	int rc = db_step(s, err);
	if (rc == DB_ROW)
		fill_person(s, out);
	db_done(s);
	return rc < 0 ? rc : rc == DB_ROW;
}

int store_imports_find_by_id(struct store *st, const struct wb_scope *sc, struct import_cache *c,
			     size_t at, const char *id18, struct import_person *out,
			     struct wb_error *err)
{
	if (c && at < c->id_entry_cap && c->id_entry[at] < c->npersons) {
		const struct ic_person *e = &c->persons[c->id_entry[at]];
		if (!memcmp(e->id18, id18, IDNO_LEN)) {
			if (e->found)
				*out = e->p;
			return e->found;
		}
	}
	return find_by_hash(st, sc, c, id18, out, err);
}

int store_imports_person_get(struct store *st, const struct wb_scope *sc, int64_t id,
			     struct import_person *out, struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_BY_ID);
	db_bind_text(s, 1, sc->lo);
	db_bind_text(s, 2, sc->hi);
	db_bind_int(s, 3, id);
	int rc = db_step(s, err);
	if (rc == DB_ROW)
		fill_person(s, out);
	db_done(s);
	if (rc == DB_DONE || (rc == DB_ROW && !out->in_scope))
		return wb_error_set(err, WB_ENOTFOUND, 404, "PERSON_NOT_FOUND",
				    "人员不存在或不在您的管辖范围内",
				    "no such person, or not within your area");
	return rc < 0 ? rc : 0;
}

static int sources(struct store *st, int64_t person, int64_t import_id, int64_t row,
		   const struct import_values *v, int all, struct wb_error *err)
{
	const char *fields[9];
	int n = 0;
	if (all) {
		fields[n++] = "name";
		fields[n++] = "gender";
		fields[n++] = "household_region";
		if (v->id_number[0])
			fields[n++] = "id_number";
	}
	if (v->birth_date[0]) /* a fill: only when it was empty (store_imports_person_fill) */
		fields[n++] = "birth_date";
	if (v->ethnicity[0])
		fields[n++] = "ethnicity";
	if (v->residence_region[0])
		fields[n++] = "residence_region";
	if (v->phone[0])
		fields[n++] = "phone";
	if (v->school_unit_id)
		fields[n++] = "school_unit_id";
	if (!n)
		return 0;
	struct db_stmt *s = db_stmt(st->db, SQL_SOURCES_N[n]); /* one statement, n rows */
	for (int i = 0; i < n; i++) {
		db_bind_int(s, 4 * i + 1, person);
		db_bind_text(s, 4 * i + 2, fields[i]);
		db_bind_int(s, 4 * i + 3, import_id);
		db_bind_int(s, 4 * i + 4, row);
	}
	return db_step_done(s, err);
}

/* A person this batch created: known to have no facts or relations, and found by its ID
 * number from now on. */
static void cache_created(struct import_cache *c, int64_t id, const struct import_values *v)
{
	imap_put(&c->loaded, id, 1);
	if (!v->id_number[0])
		return;
	struct ic_person *e = import_cache_person(c, v->id_number, 1);
	struct import_person *p = &e->p;
	memset(p, 0, sizeof(*p));
	e->found = 1;
	p->id = id;
	memcpy(p->name, v->name, sizeof(p->name));
	p->gender = v->gender ? v->gender : 'U';
	memcpy(p->birth_date, v->birth_date, sizeof(p->birth_date));
	memcpy(p->household_region, v->household_region, sizeof(p->household_region));
	memcpy(p->residence_region, v->residence_region, sizeof(p->residence_region));
	memcpy(p->ethnicity, v->ethnicity, sizeof(p->ethnicity));
	p->has_phone = v->phone[0] != 0;
	p->school_unit_id = v->school_unit_id;
	p->in_scope = 1; /* checked before the insert */
	imap_put(&c->byid, id, (int32_t)(e - c->persons));
}

int store_imports_person_create(struct store *st, const struct wb_scope *sc, struct import_cache *c,
				int64_t import_id, int64_t row, const struct import_values *v,
				int64_t *id, struct wb_error *err)
{
	unsigned char idc[64], idh[SECRET_HASH_BYTES], phc[64];
	size_t idclen = 0, phclen = 0;
	char now[21], gender[2] = {v->gender ? v->gender : 'U', 0};
	const char *scope = v->residence_region[0] ? v->residence_region : v->household_region;

	if (!store_scope_has_region(sc, scope))
		return wb_error_set(err, WB_EFORBIDDEN, 403, "REGION_OUT_OF_SCOPE",
				    "人员所在地区不在您的管辖范围内",
				    "the person's region is outside your area");
	if (v->id_number[0])
		store_persons_seal_id(st, v->id_number, idc, &idclen, idh);
	if (v->phone[0])
		store_persons_seal_phone(st, v->phone, phc, &phclen);
	store_now(now);
	struct db_stmt *s = db_stmt(st->db, SQL_PERSON_INSERT);
	db_bind_text(s, 1, v->name);
	db_bind_text(s, 2, gender);
	db_bind_text(s, 3, nz(v->birth_date));
	db_bind_blob(s, 4, idclen ? idc : NULL, idclen);
	db_bind_blob(s, 5, idclen ? idh : NULL, sizeof(idh));
	db_bind_text(s, 6, nz(v->ethnicity));
	db_bind_text(s, 7, v->household_region);
	db_bind_text(s, 8, nz(v->residence_region));
	db_bind_text(s, 9, scope);
	if (v->school_unit_id)
		db_bind_int(s, 10, v->school_unit_id);
	db_bind_blob(s, 11, phclen ? phc : NULL, phclen);
	db_bind_text(s, 12, now);
	db_bind_text(s, 13, now);
	db_bind_int(s, 14, sc->user_id ? sc->user_id : 1);
	int rc = db_step_done(s, err);
	if (rc < 0)
		return rc;
	*id = db_last_insert_id(st->db);
	if (c)
		cache_created(c, *id, v);
	if (c && c->idx.cap && idclen)
		import_cache_idx_put(c, idh, *id);
	return sources(st, *id, import_id, row, v, 1, err);
}

int store_imports_person_fill(struct store *st, struct import_cache *c, int64_t import_id,
			      int64_t row, const struct import_person *cur,
			      const struct import_values *v, int *changed, struct wb_error *err)
{
	struct import_values d; /* only what changes */
	memset(&d, 0, sizeof(d));
	if (v->birth_date[0] && !cur->birth_date[0])
		memcpy(d.birth_date, v->birth_date, sizeof(d.birth_date));
	if (v->ethnicity[0] && !cur->ethnicity[0])
		memcpy(d.ethnicity, v->ethnicity, sizeof(d.ethnicity));
	if (v->residence_region[0] && strcmp(v->residence_region, cur->residence_region))
		memcpy(d.residence_region, v->residence_region, sizeof(d.residence_region));
	if (v->school_unit_id && v->school_unit_id != cur->school_unit_id)
		d.school_unit_id = v->school_unit_id;
	if (v->phone[0] && !cur->has_phone)
		memcpy(d.phone, v->phone, sizeof(d.phone));
	*changed = d.birth_date[0] || d.ethnicity[0] || d.residence_region[0] || d.school_unit_id ||
		   d.phone[0];
	if (!*changed)
		return 0;

	unsigned char phc[64];
	size_t phclen = 0;
	char now[21];
	if (d.phone[0])
		store_persons_seal_phone(st, d.phone, phc, &phclen);
	store_now(now);
	struct db_stmt *s = db_stmt(st->db, SQL_PERSON_FILL);
	db_bind_text(s, 1, nz(d.birth_date));
	db_bind_text(s, 2, nz(d.ethnicity));
	db_bind_text(s, 3, nz(d.residence_region));
	db_bind_text(s, 4, nz(d.residence_region));
	if (d.school_unit_id)
		db_bind_int(s, 5, d.school_unit_id);
	db_bind_blob(s, 6, phclen ? phc : NULL, phclen);
	db_bind_text(s, 7, now);
	db_bind_int(s, 8, cur->id);
	int rc = db_step_done(s, err);
	snap_dirty(c, cur->id);
	struct ic_person *e = c && !rc ? import_cache_person_by_id(c, cur->id) : NULL;
	if (e) { /* what the UPDATE did, for the batch's later rows of this person */
		struct import_person *p = &e->p;
		if (d.birth_date[0])
			memcpy(p->birth_date, d.birth_date, sizeof(p->birth_date));
		if (d.ethnicity[0])
			memcpy(p->ethnicity, d.ethnicity, sizeof(p->ethnicity));
		if (d.residence_region[0]) /* a region of the import's area: still in scope */
			memcpy(p->residence_region, d.residence_region,
			       sizeof(p->residence_region));
		if (d.school_unit_id)
			p->school_unit_id = d.school_unit_id;
		p->has_phone |= d.phone[0] != 0;
	}
	if (!rc)
		rc = sources(st, cur->id, import_id, row, &d, 0, err);
	return rc;
}

static int row_insert(struct store *st, int64_t import_id, int sheet, int64_t row,
		      int64_t person_id, const char *role, enum import_action a,
		      struct wb_error *err)
{
	static const char *const names[] = {"created", "updated", "linked", "unchanged"};
	struct db_stmt *s = db_stmt(st->db, SQL_ROW);
	db_bind_int(s, 1, import_id);
	db_bind_int(s, 2, sheet);
	db_bind_int(s, 3, row);
	db_bind_int(s, 4, person_id);
	db_bind_text(s, 5, role);
	db_bind_text(s, 6, names[a]);
	return db_step_done(s, err);
}

static int pack_write(struct store *st, struct ic_pack *pk, int64_t import_id, struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_PACK);
	db_bind_int(s, 1, import_id);
	db_bind_int(s, 2, pk->sheet);
	db_bind_text(s, 3, pk->role);
	db_bind_int(s, 4, pk->first_row);
	db_bind_blob_ref(s, 5, pk->bytes, pk->len);
	int rc = db_step_done(s, err);
	pk->len = 0;
	return rc;
}

int store_imports_row(struct store *st, struct import_cache *c, int64_t import_id, int sheet,
		      int64_t row, int64_t person_id, const char *role, enum import_action a,
		      struct wb_error *err)
{
	if (!c || a != IMPORT_UNCHANGED) {
		if (c)
			bits_set(&c->stated, person_id);
		return row_insert(st, import_id, sheet, row, person_id, role, a, err);
	}
	bits_set(&c->stated, person_id);
	struct ic_pack *full;
	while ((full = import_cache_pack_add(c, sheet, role, row, person_id)))
		if (pack_write(st, full, import_id, err))
			return WB_EDB;
	return 0;
}

int store_imports_rows_flush(struct store *st, struct import_cache *c, int64_t import_id,
			     struct wb_error *err)
{
	int rc = fact_flush(st, c, err);
	if (rc)
		return rc;
	for (int i = 0; i < c->npacks && !rc; i++)
		if (c->packs[i].len)
			rc = pack_write(st, &c->packs[i], import_id, err);
	return rc;
}

static void stated_add(void *ctx, int64_t row, int64_t person)
{
	(void)row;
	bits_set(ctx, person);
}

/* The persons sql (one `?`: the import) gives in its first column, as stated. */
static int state_persons(struct store *st, struct import_cache *c, const char *sql,
			 int64_t import_id, struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, sql);
	db_bind_int(s, 1, import_id);
	int rc;
	while ((rc = db_step(s, err)) == DB_ROW)
		bits_set(&c->stated, db_col_int(s, 0));
	db_done(s);
	return rc < 0 ? rc : 0;
}

int store_imports_stated_load(struct store *st, struct import_cache *c, int64_t import_id,
			      struct wb_error *err)
{
	int rc = state_persons(st, c, SQL_ROWS_OF, import_id, err);
	if (rc)
		return rc;
	struct db_stmt *s = db_stmt(st->db, SQL_PACKS_OF);
	db_bind_int(s, 1, import_id);
	while ((rc = db_step(s, err)) == DB_ROW) {
		size_t n;
		const void *b = db_col_blob(s, 1, &n);
		import_cache_pack_each(b, n, db_col_int(s, 0), stated_add, &c->stated);
	}
	db_done(s);
	return rc < 0 ? rc : 0;
}

/* Bind the 12 columns of one fact from parameter at on; the texts by reference: f stays
 * as it is until the statement is reset. */
static void fact_bind(struct db_stmt *s, int at, const struct ic_fact_row *f)
{
	db_bind_int(s, at, f->person);
	db_bind_text_ref(s, at + 1, f->type);
	db_bind_text_ref(s, at + 2, f->has_value ? f->value : NULL);
	db_bind_text_ref(s, at + 3, f->has_from ? f->from : NULL);
	db_bind_text_ref(s, at + 4, f->has_to ? f->to : NULL);
	if (f->source_unit_id)
		db_bind_int(s, at + 5, f->source_unit_id);
	else
		db_bind_null(s, at + 5);
	db_bind_null(s, at + 6); /* named by import_id and import_row (store/facts.c) */
	db_bind_int(s, at + 7, 1);
	db_bind_text_ref(s, at + 8, f->now);
	if (f->supersedes)
		db_bind_int(s, at + 9, f->supersedes);
	else
		db_bind_null(s, at + 9);
	db_bind_int(s, at + 10, f->import_id);
	db_bind_int(s, at + 11, f->row);
}

/* The largest fact id now: the ids the next insert gives lie above it. */
static int fact_max(struct store *st, int64_t *out, struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_FACT_MAX);
	int rc = db_step(s, err);
	*out = rc == DB_ROW ? db_col_int(s, 0) : 0;
	db_done(s);
	return rc < 0 ? rc : 0;
}

/* The facts of the import inserted since the largest id was `before` (all in this
 * transaction) go into a span: the open one grows when they follow it, else a new one
 * opens. The span is always written at once, so it commits with its facts; a span left
 * open by a rolled-back transaction no longer ends at `before`, so a new one opens. */
static int span_note(struct store *st, struct ic_fact_span *sp, int64_t import_id, int64_t before,
		     struct wb_error *err)
{
	int64_t last;
	int rc = fact_max(st, &last, err);
	if (rc || last <= before)
		return rc;
	if (sp->import_id != import_id || sp->last != before)
		sp->import_id = import_id, sp->first = before + 1;
	sp->last = last;
	struct db_stmt *s = db_stmt(st->db, SQL_SPAN);
	db_bind_int(s, 1, import_id);
	db_bind_int(s, 2, sp->first);
	db_bind_int(s, 3, sp->last);
	db_bind_int(s, 4, sp->first - 1); /* a new span waits for screening whole */
	return db_step_done(s, err);
}

/* The waiting facts by person, in the rows' order for each person (the sort is stable:
 * a person's later fact keeps the higher id). Row ids of persons beyond 2^43 (never,
 * in practice) leave them in the rows' order. */
static const struct ic_fact_row **facts_by_person(const struct import_cache *c, int n)
{
	enum { POS_BITS = 20 }; /* IC_FACT_WAIT fits */
	const struct ic_fact_row **ord = xmalloc((size_t)(n ? n : 1) * sizeof(*ord));
	uint64_t *keys = xmalloc((size_t)(n ? n : 1) * sizeof(*keys));
	int64_t most = 0;
	for (int i = 0; i < n; i++)
		most = c->fact_rows[i].person > most ? c->fact_rows[i].person : most;
	int sorted = most < (INT64_C(1) << (64 - POS_BITS - 1));
	for (int i = 0; i < n; i++)
		keys[i] = sorted ? (uint64_t)c->fact_rows[i].person << POS_BITS | (uint64_t)i
				 : (uint64_t)i;
	if (sorted) {
		int bits = POS_BITS;
		while (bits < 64 && (most >> (bits - POS_BITS)))
			bits++;
		radix_sort_u64(keys, (size_t)n, bits);
	}
	for (int i = 0; i < n; i++)
		ord[i] = &c->fact_rows[keys[i] & ((1u << POS_BITS) - 1)];
	free(keys);
	return ord;
}

static int fact_flush(struct store *st, struct import_cache *c, struct wb_error *err)
{
	int rc = 0, at = 0, n = c ? c->nfact_rows : 0;
	static const struct {
		const char *sql;
		int rows;
	} sizes[] = {{SQL_FACT_INSERT_256, IC_FACT_ROWS},
		     {SQL_FACT_INSERT_16, 16},
		     {SQL_FACT_INSERT, 1}};
	if (!n)
		return 0;
	double t0 = time_mono();
	int64_t before;
	if ((rc = fact_max(st, &before, err)))
		return rc;
	const struct ic_fact_row **ord = facts_by_person(c, n);
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
		while (!rc && n - at >= sizes[k].rows) {
			struct db_stmt *s = db_stmt(st->db, sizes[k].sql);
			for (int i = 0; i < sizes[k].rows; i++)
				fact_bind(s, 1 + 12 * i, ord[at + i]);
			rc = db_step_done(s, err);
			at += sizes[k].rows;
		}
	free(ord);
	if (!rc) /* the rows of one import (fact_insert: c is the import's) */
		rc = span_note(st, &c->span, c->fact_rows[0].import_id, before, err);
	c->nfact_rows = 0;
	c->facts_seconds += time_mono() - t0;
	return rc;
}

double store_imports_facts_seconds(const struct import_cache *c)
{
	return c ? c->facts_seconds : 0;
}

/* Copy s (NULL: absent) into out; 0 when it does not fit. */
static int fact_text(char *out, size_t cap, unsigned char *has, const char *s)
{
	*has = s != NULL;
	if (!s) {
		out[0] = 0;
		return 1;
	}
	size_t n = strlen(s);
	if (n >= cap) {
		out[0] = 0;
		return 0;
	}
	memcpy(out, s, n + 1);
	return 1;
}

static int fact_insert(struct store *st, struct import_cache *c, int64_t import_id,
		       int64_t source_unit_id, int64_t row, int64_t person_id,
		       const struct import_fact *f, int64_t supersedes, struct wb_error *err)
{
	struct ic_fact_row one, *w = &one;
	if (c) {
		if (c->nfact_rows == c->fact_rows_cap) {
			c->fact_rows_cap = c->fact_rows_cap ? c->fact_rows_cap * 2 : 1024;
			c->fact_rows = xrealloc(c->fact_rows,
						(size_t)c->fact_rows_cap * sizeof(*c->fact_rows));
		}
		w = &c->fact_rows[c->nfact_rows];
	}
	unsigned char has_type;
	w->person = person_id, w->source_unit_id = source_unit_id, w->supersedes = supersedes;
	w->import_id = import_id, w->row = row;
	if (c)
		memcpy(w->now, c->now, sizeof(w->now));
	else
		store_now(w->now);
	/* all four, whatever fits */
	int fits = fact_text(w->type, sizeof(w->type), &has_type, f->type) &
		   fact_text(w->value, sizeof(w->value), &w->has_value, nz(f->value)) &
		   fact_text(w->from, sizeof(w->from), &w->has_from, nz(f->valid_from)) &
		   fact_text(w->to, sizeof(w->to), &w->has_to, nz(f->valid_to));
	if (c && fits) { /* waits for its statement */
		if (++c->nfact_rows == IC_FACT_WAIT)
			return fact_flush(st, c, err);
		return 0;
	}
	int rc = fact_flush(st, c, err); /* in order: the waiting ones first */
	int64_t before;
	if (rc || (rc = fact_max(st, &before, err)))
		return rc;
	struct db_stmt *s = db_stmt(st->db, SQL_FACT_INSERT);
	fact_bind(s, 1, w);
	if (!fits) { /* longer than the waiting rows hold (not from an import's row) */
		db_bind_text(s, 2, f->type);
		db_bind_text(s, 3, nz(f->value));
		db_bind_text(s, 4, nz(f->valid_from));
		db_bind_text(s, 5, nz(f->valid_to));
	}
	rc = db_step_done(s, err);
	struct ic_fact_span alone = {0};
	return rc ? rc : span_note(st, c ? &c->span : &alone, import_id, before, err);
}

static int text_is(const char *a, const char *b) /* SQL's IS for texts; NULL = absent */
{
	return a && b ? !strcmp(a, b) : a == b;
}

/* The SQL of store_imports_fact asked of the cache: the current fact of the type that the
 * profile stated (the newest), or failing that the same fact from any source. -1 when the
 * newest is one this batch added and it must be superseded: its id is not kept (an
 * INSERT … RETURNING per fact costs more than this rare case), so the SQL decides. */
static int fact_decide(const struct import_cache *c, int64_t person, const struct import_fact *f,
		       int64_t *cur, int *same)
{
	const char *v = nz(f->value), *from = nz(f->valid_from), *to = nz(f->valid_to);
	const struct ic_fact *own = NULL;
	int any = 0;
	for (int32_t k = imap_get(&c->fact_head, person); k >= 0; k = c->facts[k].next) {
		const struct ic_fact *x = &c->facts[k];
		if (x->superseded || strcmp(x->type, f->type))
			continue;
		int eq = text_is(x->value, v) && text_is(x->from, from) && text_is(x->to, to);
		any |= eq;
		if (x->own && (!own || (own->id && (!x->id || x->id > own->id))))
			own = x;
	}
	*cur = own ? own->id : 0;
	*same = own ? text_is(own->value, v) && text_is(own->from, from) && text_is(own->to, to)
		    : any;
	return own && !own->id && !*same ? -1 : 0;
}

int store_imports_fact(struct store *st, struct import_cache *c, int64_t import_id,
		       const char *profile, int64_t source_unit_id, int64_t row, int64_t person_id,
		       const struct import_fact *f, enum import_fact_result *res,
		       struct wb_error *err)
{
	int64_t cur = 0;
	int same = 0, rc;
	int cached = c && imap_get(&c->loaded, person_id) >= 0;
	if (!cached || fact_decide(c, person_id, f, &cur, &same) < 0) {
		if ((rc = fact_flush(st, c, err))) /* the SQL must see them */
			return rc;
		struct db_stmt *s = db_stmt(st->db, SQL_FACT_CURRENT);
		db_bind_text(s, 1, nz(f->value));
		db_bind_text(s, 2, nz(f->valid_from));
		db_bind_text(s, 3, nz(f->valid_to));
		db_bind_int(s, 4, person_id);
		db_bind_text(s, 5, f->type);
		db_bind_text(s, 6, profile);
		rc = db_step(s, err);
		cur = rc == DB_ROW ? db_col_int(s, 0) : 0;
		same = rc == DB_ROW && db_col_int(s, 1);
		db_done(s);
		if (rc < 0)
			return rc;
		if (!same && !cur) {
			s = db_stmt(st->db, SQL_FACT_SAME);
			db_bind_int(s, 1, person_id);
			db_bind_text(s, 2, f->type);
			db_bind_text(s, 3, nz(f->value));
			db_bind_text(s, 4, nz(f->valid_from));
			db_bind_text(s, 5, nz(f->valid_to));
			rc = db_step(s, err);
			db_done(s);
			if (rc < 0)
				return rc;
			same = rc == DB_ROW;
		}
	}
	if (same) {
		*res = FACT_SAME;
		return 0;
	}
	/* facts.valid_from/valid_to: the import's own user is the importer, but
	 * recorded_by is the system user (1) and the audit entry names the importer. */
	*res = cur ? FACT_REPLACED : FACT_ADDED;
	snap_dirty(c, person_id);
	rc = fact_insert(st, c, import_id, source_unit_id, row, person_id, f, cur, err);
	if (!rc && cached) {
		if (cur)
			import_cache_drop_fact(c, person_id, cur, f->type);
		import_cache_add_fact(c, person_id, 0, 1, f->type, nz(f->value), nz(f->valid_from),
				      nz(f->valid_to));
	}
	return rc;
}

int store_imports_relation(struct store *st, struct import_cache *c, int64_t import_id,
			   int64_t child, int64_t adult, const char *kind, int guardian,
			   int lives_with, int *added, struct wb_error *err)
{
	char now[21];
	int cached = c && imap_get(&c->loaded, child) >= 0;
	*added = 0;
	if (cached && import_cache_has_rel(c, child, adult, kind))
		return 0;
	if (!c)
		store_now(now);
	struct db_stmt *s = db_stmt(st->db, SQL_REL_INSERT);
	db_bind_int(s, 1, child);
	db_bind_int(s, 2, adult);
	db_bind_text(s, 3, kind);
	db_bind_int(s, 4, guardian);
	db_bind_int(s, 5, lives_with);
	db_bind_text(s, 6, c ? c->now : now);
	db_bind_int(s, 7, 1);
	db_bind_int(s, 8, import_id);
	int rc = db_step_done(s, err);
	*added = !rc && db_changes(st->db) > 0;
	if (*added)
		snap_dirty(c, child);
	if (!rc && cached)
		import_cache_add_rel(c, child, adult, kind);
	return rc;
}

int store_imports_reject(struct store *st, int64_t import_id, int sheet, int64_t row,
			 const char *code, const char *reason, const char *reason_en,
			 const char *cells_json, const unsigned char *id_hash, struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_REJECT);
	db_bind_int(s, 1, import_id);
	db_bind_int(s, 2, sheet);
	db_bind_int(s, 3, row);
	db_bind_text(s, 4, code);
	db_bind_text(s, 5, reason);
	db_bind_text(s, 6, reason_en);
	struct sealed_place at = {SEALED_REJECTS, import_id, sheet, row};
	sealed_rows_bind(st, s, 7, &at, cells_json);
	if (id_hash)
		db_bind_blob(s, 8, id_hash, SECRET_HASH_BYTES);
	else
		db_bind_null(s, 8);
	return db_step_done(s, err);
}

int store_imports_spare_unapplied(struct store *st, struct import_cache *c, int64_t import_id,
				  struct wb_error *err)
{
	int rc = state_persons(st, c, SQL_REJECTED_PERSONS, import_id, err);
	if (rc)
		return rc;
	/* A row waiting for review is someone on the list: any of its candidates may be. */
	struct db_stmt *s = db_stmt(st->db, SQL_REVIEW_CANDIDATES);
	db_bind_int(s, 1, import_id);
	while ((rc = db_step(s, err)) == DB_ROW) {
		json_t *a = json_loads(db_col_text(s, 0), 0, NULL), *cand;
		size_t i;
		json_array_foreach (a, i, cand)
			bits_set(&c->stated,
				 json_integer_value(json_object_get(cand, "person_id")));
		json_decref(a);
	}
	db_done(s);
	return rc < 0 ? rc : 0;
}

int store_imports_review(struct store *st, int64_t import_id, int sheet, int64_t row,
			 const char *role, const char *region, const char *record_json,
			 const char *cells_json, const char *candidates_json, struct wb_error *err)
{
	/* Checked and inserted in the batch's write transaction: nothing comes in between. */
	unsigned char key[SECRET_HASH_BYTES];
	sealed_rows_key(st, key, cells_json);
	struct db_stmt *s = db_stmt(st->db, SQL_REVIEW_WAITING);
	db_bind_text(s, 1, role);
	db_bind_text(s, 2, region);
	db_bind_blob(s, 3, key, sizeof(key));
	db_bind_int(s, 4, import_id);
	int rc = db_step(s, err);
	db_done(s);
	if (rc < 0 || rc == DB_ROW)
		return rc < 0 ? rc : 0;
	s = db_stmt(st->db, SQL_REVIEW);
	db_bind_int(s, 1, import_id);
	db_bind_int(s, 2, sheet);
	db_bind_int(s, 3, row);
	db_bind_text(s, 4, role);
	db_bind_text(s, 5, region);
	db_bind_text(s, 6, record_json);
	struct sealed_place at = {SEALED_REVIEWS, import_id, sheet, row};
	sealed_rows_bind(st, s, 7, &at, cells_json);
	db_bind_text(s, 8, candidates_json);
	db_bind_blob(s, 9, key, sizeof(key));
	return db_step_done(s, err);
}

int64_t store_imports_decided(struct store *st, int64_t import_id, const char *role,
			      const char *region, const char *cells_json)
{
	unsigned char key[SECRET_HASH_BYTES];
	sealed_rows_key(st, key, cells_json);
	struct db_stmt *s = db_stmt(st->db, SQL_DECIDED);
	db_bind_text(s, 1, role);
	db_bind_text(s, 2, region);
	db_bind_blob(s, 3, key, sizeof(key));
	db_bind_int(s, 4, import_id);
	int64_t id = db_step(s, NULL) == DB_ROW && !db_col_is_null(s, 0) ? db_col_int(s, 0) : 0;
	db_done(s);
	return id;
}

int store_imports_header(struct store *st, int64_t import_id, int sheet, const char *cells_json,
			 struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_HEADER);
	db_bind_int(s, 1, import_id);
	db_bind_int(s, 2, sheet);
	db_bind_text(s, 3, cells_json);
	return db_step_done(s, err);
}

int store_imports_end_missing(struct store *st, const struct wb_scope *sc, struct import_cache *c,
			      const struct import_meta *m, const char *type, int64_t *ended,
			      struct wb_error *err)
{
	char lo[REGION_CODE_MAX + 1], hi[REGION_CODE_MAX + 1], now[21], doc[64];
	snap_drop(c);			  /* the import's last steps: SQL */
	int frc = fact_flush(st, c, err); /* the SQL below reads facts */
	if (frc)
		return frc;
	region_subtree_range(m->region, lo, hi);
	store_now(now);
	snprintf(doc, sizeof(doc), "导入#%" PRId64 "：不再出现在名单中", m->id);
	*ended = 0;
	/* Collect first: the facts table is written below. */
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	struct db_stmt *s = db_stmt(st->db, SQL_END_CANDIDATES);
	db_bind_text(s, 1, m->profile);
	if (m->source_unit_id)
		db_bind_int(s, 2, m->source_unit_id);
	db_bind_int(s, 3, m->id);
	db_bind_text(s, 4, type);
	db_bind_text(s, 5, m->extract_date);
	db_bind_text(s, 6, lo);
	db_bind_text(s, 7, hi);
	int rc;
	while ((rc = db_step(s, err)) == DB_ROW) {
		if (bits_get(&c->stated, db_col_int(s, 1)))
			continue; /* stated again by this import */
		if (n == cap)
			ids = xrealloc(ids, (cap = cap ? cap * 2 : 256) * sizeof(*ids));
		ids[n++] = db_col_int(s, 0);
	}
	db_done(s);
	int64_t before = 0;
	if (rc >= 0 && n)
		rc = fact_max(st, &before, err);
	for (size_t i = 0; rc >= 0 && i < n; i++) {
		s = db_stmt(st->db, SQL_END_ONE);
		db_bind_text(s, 1, m->extract_date);
		db_bind_text(s, 2, doc);
		db_bind_int(s, 3, sc->user_id ? sc->user_id : 1);
		db_bind_text(s, 4, now);
		db_bind_int(s, 5, m->id);
		db_bind_int(s, 6, ids[i]);
		rc = db_step_done(s, err);
	}
	if (rc >= 0 && n)
		rc = span_note(st, &c->span, m->id, before, err);
	free(ids);
	if (rc < 0)
		return rc;
	*ended = (int64_t)n;
	return 0;
}

int store_imports_rejects(struct store *st, const struct wb_scope *sc, int64_t id,
			  void (*cb)(void *ctx, int sheet, int64_t row, const char *code,
				     const char *reason, const char *cells),
			  void *ctx, int *own, struct wb_error *err)
{
	struct import_meta m;
	int rc = store_imports_get(st, sc, id, &m, err);
	if (rc)
		return rc;
	/* weibao itself (user 0: the CLI, run by whoever holds the database and its key) */
	*own = m.created_by == sc->user_id || sc->user_id == 0;
	struct db_stmt *s = db_stmt(st->db, SQL_REJECTS);
	db_bind_int(s, 1, id);
	db_bind_int(s, 2, id);
	while ((rc = db_step(s, err)) == DB_ROW) {
		int sheet = (int)db_col_int(s, 0);
		int64_t row = db_col_int(s, 1);
		if (!row) { /* the sheet's header: column names, not sealed */
			cb(ctx, sheet, 0, db_col_text(s, 2), db_col_text(s, 3), db_col_text(s, 4));
			continue;
		}
		struct sealed_place at = {SEALED_REJECTS, id, sheet, row};
		char *cells = sealed_rows_open(st, s, 4, &at);
		if (!cells) {
			rc = wb_error_set(err, WB_EDB, 500, "ROW_SEAL_BROKEN",
					  "退回行数据已损坏，无法解密",
					  "a rejected row's sealed cells do not open (damaged)");
			break;
		}
		cb(ctx, sheet, row, db_col_text(s, 2), db_col_text(s, 3), cells);
		free(cells);
	}
	db_done(s);
	return rc < 0 ? rc : 0;
}

/* ---- undo -------------------------------------------------------------------------------- */

static int exec_id(struct store *st, const char *sql, int64_t a, int64_t b, struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, sql);
	db_bind_int(s, 1, a);
	if (b)
		db_bind_int(s, 2, b);
	return db_step_done(s, err);
}

static int undo_fields(struct store *st, int64_t id, int64_t *cleared, struct wb_error *err)
{
	char now[21];
	store_now(now);
	struct db_stmt *s = db_stmt(st->db, SQL_UNDO_FIELDS);
	db_bind_int(s, 1, id);
	int64_t people[256];
	char fields[256][20];
	int n = 0, rc;
	/* Collect first (a statement cannot step while others change its table). */
	while (n < 256 && (rc = db_step(s, err)) == DB_ROW) {
		people[n] = db_col_int(s, 0);
		snprintf(fields[n++], sizeof(fields[0]), "%s", db_col_text(s, 1));
	}
	db_done(s);
	if (rc < 0)
		return rc;
	for (int i = 0; i < n; i++) {
		const char *sql = !strcmp(fields[i], "phone")		 ? SQL_CLEAR_PHONE
				  : !strcmp(fields[i], "ethnicity")	 ? SQL_CLEAR_ETHNICITY
				  : !strcmp(fields[i], "school_unit_id") ? SQL_CLEAR_SCHOOL
									 : NULL;
		if (sql) {
			struct db_stmt *u = db_stmt(st->db, sql);
			db_bind_text(u, 1, now);
			db_bind_int(u, 2, people[i]);
			if ((rc = db_step_done(u, err)) != 0)
				return rc;
			(*cleared)++;
		}
		struct db_stmt *d = db_stmt(st->db, SQL_DEL_SOURCE_FIELD);
		db_bind_int(d, 1, people[i]);
		db_bind_text(d, 2, fields[i]);
		db_bind_int(d, 3, id);
		if ((rc = db_step_done(d, err)) != 0)
			return rc;
	}
	return n == 256 ? 1 : 0; /* 1: more to do */
}

static void keep_person(void *ctx, int64_t row, int64_t person)
{
	struct imap *m = ctx;
	(void)row;
	if (imap_get(m, person) >= 0)
		imap_put(m, person, 0);
}

/* Persons the import created that nothing still standing refers to: SQL_UNDO_ORPHANS,
 * less those in a pack of another import not undone (rows inside a blob escape SQL). */
static int undo_orphans(struct store *st, int64_t id, int64_t *deleted, struct wb_error *err)
{
	struct imap cand = {0};
	int64_t *people = NULL;
	size_t n = 0, cap = 0;
	int rc;
	struct db_stmt *s = db_stmt(st->db, SQL_UNDO_ORPHANS);
	db_bind_int(s, 1, id);
	while ((rc = db_step(s, err)) == DB_ROW) { /* collect first: the loop below deletes */
		if (n == cap)
			people = xrealloc(people, (cap = cap ? cap * 2 : 256) * sizeof(*people));
		people[n] = db_col_int(s, 0);
		imap_put(&cand, people[n++], 1);
	}
	db_done(s);
	if (rc >= 0 && n) {
		s = db_stmt(st->db, SQL_OTHER_PACKS);
		db_bind_int(s, 1, id);
		while ((rc = db_step(s, err)) == DB_ROW) {
			size_t len;
			const void *b = db_col_blob(s, 1, &len);
			import_cache_pack_each(b, len, db_col_int(s, 0), keep_person, &cand);
		}
		db_done(s);
	}
	for (size_t i = 0; rc >= 0 && i < n; i++) {
		if (imap_get(&cand, people[i]) != 1)
			continue;
		for (size_t k = 0;
		     !rc && k < sizeof(SQL_DEL_SCREENING) / sizeof(*SQL_DEL_SCREENING); k++)
			rc = exec_id(st, SQL_DEL_SCREENING[k], people[i], 0, err);
		if (rc || (rc = exec_id(st, SQL_UNNAME_REVIEWS, people[i], id, err)) ||
		    (rc = exec_id(st, SQL_DEL_FACTS, people[i], 0, err)) ||
		    (rc = exec_id(st, SQL_DEL_SOURCES, people[i], 0, err)) ||
		    (rc = exec_id(st, SQL_DEL_ROWS, people[i], 0, err)) ||
		    (rc = exec_id(st, SQL_DEL_PERSON, people[i], 0, err)))
			break;
		(*deleted)++;
	}
	free(people);
	imap_release(&cand);
	return rc < 0 ? rc : 0;
}

int store_imports_undo(struct store *st, const struct wb_scope *sc, int64_t id, char *summary,
		       size_t cap, struct wb_error *err)
{
	struct import_meta m;
	char now[21];
	int64_t facts = 0, rels = 0, cleared = 0, deleted = 0;
	int rc = db_begin_write(st->db, err);
	if (rc)
		return rc;
	if ((rc = store_imports_get(st, sc, id, &m, err)) != 0)
		goto out;
	/* Who made it, or an office above its area (the county for a township's), or weibao
	 * itself (the CLI): not any colleague of the same area. */
	if (m.created_by != sc->user_id && sc->user_id != 0 &&
	    !(region_in_subtree(sc->region, m.region) &&
	      !region_in_subtree(m.region, sc->region))) {
		rc = wb_error_set(
			err, WB_EFORBIDDEN, 403, "IMPORT_NOT_YOURS",
			"只有导入人或上级单位可以撤销此导入",
			"only who made the import, or an office above its area, may undo it");
		goto out;
	}
	if (strcmp(m.status, "done") && strcmp(m.status, "failed")) {
		rc = wb_error_set(err, WB_ECONFLICT, 409, "IMPORT_NOT_UNDOABLE",
				  "只能撤销已完成（或失败）的导入",
				  "only a finished (or failed) import can be undone");
		goto out;
	}
	store_now(now);
	struct db_stmt *s = db_stmt(st->db, SQL_UNDO_FACTS);
	db_bind_text(s, 1, now);
	db_bind_int(s, 2, id);
	if ((rc = db_step_done(s, err)) != 0)
		goto out;
	facts = db_changes(st->db);
	if ((rc = exec_id(st, SQL_UNDO_RELS, id, 0, err)) != 0)
		goto out;
	rels = db_changes(st->db);
	while ((rc = undo_fields(st, id, &cleared, err)) == 1)
		;
	if (rc || (rc = undo_orphans(st, id, &deleted, err)) != 0)
		goto out;
	s = db_stmt(st->db, SQL_UNDO_REVIEWS);
	db_bind_int(s, 1, sc->user_id ? sc->user_id : 1);
	db_bind_text(s, 2, now);
	db_bind_int(s, 3, id);
	if ((rc = db_step_done(s, err)) != 0)
		goto out;
	s = db_stmt(st->db, SQL_UNDONE);
	db_bind_int(s, 1, sc->user_id ? sc->user_id : 1);
	db_bind_text(s, 2, now);
	db_bind_int(s, 3, id);
	if ((rc = db_step_done(s, err)) != 0)
		goto out;
	snprintf(summary, cap,
		 "{\"facts_retracted\":%" PRId64 ",\"relations_removed\":%" PRId64
		 ",\"fields_cleared\":%" PRId64 ",\"persons_removed\":%" PRId64 "}",
		 facts, rels, cleared, deleted);
	struct audit_entry e = {"import.undo", "import", id, summary};
	rc = store_audit_append(st, sc, &e, err);
out:
	if (rc) {
		db_rollback(st->db);
		return rc;
	}
	return db_commit(st->db, err);
}

/* ---- linkage candidates and reference look-ups ---------------------------------------- */

int store_imports_candidates(struct store *st, const struct wb_scope *sc, const char *region,
			     void (*cb)(void *ctx, int64_t id, const char *name, char gender,
					const char *birth_date, const char *region),
			     void *ctx, struct wb_error *err)
{
	char lo[REGION_CODE_MAX + 1], hi[REGION_CODE_MAX + 1];
	region_subtree_range(region, lo, hi);
	struct db_stmt *s = db_stmt(st->db, SQL_CANDIDATES);
	db_bind_text(s, 1, sc->lo);
	db_bind_text(s, 2, sc->hi);
	db_bind_text(s, 3, lo);
	db_bind_text(s, 4, hi);
	int rc;
	while ((rc = db_step(s, err)) == DB_ROW)
		cb(ctx, db_col_int(s, 0), db_col_text(s, 1), db_col_text(s, 2)[0],
		   text_or_empty(s, 3), db_col_text(s, 4));
	db_done(s);
	return rc < 0 ? rc : 0;
}

int64_t store_imports_school(struct store *st, const char *region, const char *name)
{
	char lo[REGION_CODE_MAX + 1], hi[REGION_CODE_MAX + 1];
	region_subtree_range(region, lo, hi);
	struct db_stmt *s = db_stmt(st->db, SQL_SCHOOL);
	db_bind_text(s, 1, name);
	db_bind_text(s, 2, lo);
	db_bind_text(s, 3, hi);
	int64_t id = db_step(s, NULL) == DB_ROW ? db_col_int(s, 0) : 0;
	db_done(s);
	return id;
}

int64_t store_imports_relative(struct store *st, int64_t anchor, int child_side, const char *kind,
			       const char *name)
{
	struct db_stmt *s = db_stmt(st->db, child_side ? SQL_RELATIVE_CHILD : SQL_RELATIVE_ADULT);
	db_bind_int(s, 1, anchor);
	db_bind_text(s, 2, kind);
	db_bind_text(s, 3, kind);
	db_bind_text(s, 4, name);
	int64_t id = db_step(s, NULL) == DB_ROW ? db_col_int(s, 0) : 0;
	db_done(s);
	return id;
}
