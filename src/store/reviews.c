/* reviews -- SQL of the review queue of doubtful matches (see reviews.h). */
#include "store/reviews.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "store/audit.h"
#include "store/db.h"
#include "store/sealed_rows.h"
#include "store/store.h"

#define REVIEW_COLS                                                                                \
	"r.id, r.import_id, r.sheet, r.row_number, r.role, r.region, r.status, r.person_id, "      \
	"u.username, r.decided_at, r.reason, i.profile, i.file_name, i.region, i.status, "         \
	"i.extract_date, i.created_at, i.source_unit_id, r.record, r.candidates"
#define REVIEW_FROM                                                                                \
	" FROM import_reviews r JOIN imports i ON i.id = r.import_id "                             \
	"LEFT JOIN users u ON u.id = r.decided_by "
/* The caller's subtree, then the asked region's subtree; undone imports are gone. */
#define REVIEW_SCOPE                                                                               \
	" r.region >= ? AND r.region < ? AND r.region >= ? AND r.region < ? "                      \
	"AND i.status <> 'undone' "

static const char SQL_LIST_OPEN[] =
	"SELECT " REVIEW_COLS REVIEW_FROM "WHERE r.status = 'open' AND" REVIEW_SCOPE
	"AND r.id > ? ORDER BY r.id LIMIT ?";
static const char SQL_LIST_DECIDED[] =
	"SELECT " REVIEW_COLS REVIEW_FROM "WHERE r.status <> 'open' AND" REVIEW_SCOPE
	"AND r.id < ? ORDER BY r.id DESC LIMIT ?";
static const char SQL_GET[] =
	"SELECT " REVIEW_COLS ", r.cells, coalesce(h.cells, '[]')" REVIEW_FROM
	"LEFT JOIN import_headers h ON h.import_id = r.import_id AND h.sheet = r.sheet "
	"WHERE r.id = ? AND" REVIEW_SCOPE;
static const char SQL_DECIDE[] =
	"UPDATE import_reviews SET status = ?, person_id = ?, decided_by = ?, decided_at = ?, "
	"reason = ? WHERE id = ? AND status = 'open'";

static const char *text_or_empty(struct db_stmt *s, int c)
{
	return db_col_is_null(s, c) ? "" : db_col_text(s, c);
}

void store_reviews_release(struct review *rv)
{
	free(rv->record);
	free(rv->candidates);
	free(rv->cells);
	free(rv->header);
	rv->record = rv->candidates = rv->cells = rv->header = NULL;
}

/* Fill from a row of REVIEW_COLS (and, with full, the header after them and the cells:
 * store_reviews_get opens those). */
static void fill(struct db_stmt *s, struct review *rv, int full)
{
	memset(rv, 0, sizeof(*rv));
	rv->id = db_col_int(s, 0);
	rv->import_id = db_col_int(s, 1);
	rv->sheet = (int)db_col_int(s, 2);
	rv->row = db_col_int(s, 3);
	snprintf(rv->role, sizeof(rv->role), "%s", db_col_text(s, 4));
	snprintf(rv->region, sizeof(rv->region), "%s", db_col_text(s, 5));
	snprintf(rv->status, sizeof(rv->status), "%s", db_col_text(s, 6));
	rv->person_id = db_col_is_null(s, 7) ? 0 : db_col_int(s, 7);
	snprintf(rv->decided_by, sizeof(rv->decided_by), "%s", text_or_empty(s, 8));
	snprintf(rv->decided_at, sizeof(rv->decided_at), "%s", text_or_empty(s, 9));
	snprintf(rv->reason, sizeof(rv->reason), "%s", text_or_empty(s, 10));
	snprintf(rv->profile, sizeof(rv->profile), "%s", db_col_text(s, 11));
	snprintf(rv->file_name, sizeof(rv->file_name), "%s", db_col_text(s, 12));
	snprintf(rv->import_region, sizeof(rv->import_region), "%s", db_col_text(s, 13));
	snprintf(rv->import_status, sizeof(rv->import_status), "%s", db_col_text(s, 14));
	snprintf(rv->extract_date, sizeof(rv->extract_date), "%s", db_col_text(s, 15));
	snprintf(rv->created_at, sizeof(rv->created_at), "%s", db_col_text(s, 16));
	rv->source_unit_id = db_col_is_null(s, 17) ? 0 : db_col_int(s, 17);
	rv->record = xstrdup(db_col_text(s, 18));
	rv->candidates = xstrdup(db_col_text(s, 19));
	if (full)
		rv->header = xstrdup(db_col_text(s, 21));
}

static void bind_scope(struct db_stmt *s, const struct wb_scope *sc, const char *region, int at)
{
	char lo[REGION_CODE_MAX + 1], hi[REGION_CODE_MAX + 1];
	region_subtree_range(region ? region : sc->region, lo, hi);
	db_bind_text(s, at, sc->lo);
	db_bind_text(s, at + 1, sc->hi);
	if (region) {
		db_bind_text(s, at + 2, lo);
		db_bind_text(s, at + 3, hi);
	} else { /* the scope itself */
		db_bind_text(s, at + 2, sc->lo);
		db_bind_text(s, at + 3, sc->hi);
	}
}

int store_reviews_list(struct store *st, const struct wb_scope *sc, const struct review_query *q,
		       void (*cb)(void *ctx, const struct review *rv), void *ctx, int64_t *next,
		       struct wb_error *err)
{
	struct review rv;
	int64_t last = 0;
	int n = 0, rc;
	*next = 0;
	struct db_stmt *s = db_stmt(st->db, q->decided ? SQL_LIST_DECIDED : SQL_LIST_OPEN);
	bind_scope(s, sc, q->region, 1);
	db_bind_int(s, 5, q->cursor ? q->cursor : q->decided ? INT64_MAX : 0);
	db_bind_int(s, 6, q->limit + 1); /* one more tells whether a next page exists */
	while ((rc = db_step(s, err)) == DB_ROW) {
		if (n == q->limit) {
			*next = last;
			break;
		}
		fill(s, &rv, 0);
		cb(ctx, &rv);
		last = rv.id;
		store_reviews_release(&rv);
		n++;
	}
	db_done(s);
	if (rc < 0)
		return rc;
	/* One entry per page, like a list of persons: the rows show children's names. */
	char detail[128];
	snprintf(detail, sizeof(detail), "{\"region\":\"%s\",\"count\":%d,\"decided\":%s}",
		 q->region ? q->region : sc->region, n, q->decided ? "true" : "false");
	struct audit_entry e = {"review.list", "region", 0, detail};
	audit_queue_push(st, sc, &e);
	return 0;
}

int store_reviews_get(struct store *st, const struct wb_scope *sc, int64_t id, struct review *out,
		      struct wb_error *err)
{
	memset(out, 0, sizeof(*out));
	struct db_stmt *s = db_stmt(st->db, SQL_GET);
	db_bind_int(s, 1, id);
	bind_scope(s, sc, NULL, 2);
	int rc = db_step(s, err);
	if (rc == DB_ROW) {
		fill(s, out, 1);
		struct sealed_place at = {SEALED_REVIEWS, out->import_id, out->sheet, out->row};
		if (!(out->cells = sealed_rows_open(st, s, 20, &at)))
			rc = wb_error_set(err, WB_EDB, 500, "ROW_SEAL_BROKEN",
					  "待核查行数据已损坏，无法解密",
					  "the review's sealed cells do not open (damaged)");
	}
	db_done(s);
	if (rc == DB_DONE)
		return wb_error_set(err, WB_ENOTFOUND, 404, "REVIEW_NOT_FOUND",
				    "待核查记录不存在或不在您的管辖范围内",
				    "no such review, or not within your area");
	if (rc < 0)
		return rc;
	/* The row as uploaded is shown with it (masked): a read of a child's record. */
	struct audit_entry e = {"review.read", "import_review", id, NULL};
	audit_queue_push(st, sc, &e);
	return 0;
}

int store_reviews_begin(struct store *st, struct wb_error *err)
{
	return db_begin_write(st->db, err);
}

int store_reviews_commit(struct store *st, struct wb_error *err)
{
	return db_commit(st->db, err);
}

void store_reviews_abort(struct store *st)
{
	db_rollback(st->db);
}

int store_reviews_decide(struct store *st, const struct wb_scope *sc, int64_t id,
			 const char *status, int64_t person_id, const char *reason,
			 struct wb_error *err)
{
	char now[21], detail[160];
	store_now(now);
	struct db_stmt *s = db_stmt(st->db, SQL_DECIDE);
	db_bind_text(s, 1, status);
	if (person_id)
		db_bind_int(s, 2, person_id);
	db_bind_int(s, 3, sc->user_id ? sc->user_id : 1);
	db_bind_text(s, 4, now);
	db_bind_text(s, 5, reason && *reason ? reason : NULL);
	db_bind_int(s, 6, id);
	int rc = db_step(s, err);
	db_done(s);
	if (rc < 0)
		return rc;
	if (db_changes(st->db) == 0)
		return wb_error_set(err, WB_ECONFLICT, 409, "REVIEW_DECIDED",
				    "该记录已由他人处理，不能重复处理",
				    "this review has been decided already");
	/* The reason stays in the row: it is free text and may name people. */
	if (person_id)
		snprintf(detail, sizeof(detail), "{\"decision\":\"%s\",\"person_id\":%" PRId64 "}",
			 status, person_id);
	else
		snprintf(detail, sizeof(detail), "{\"decision\":\"%s\",\"person_id\":null}",
			 status);
	struct audit_entry e = {"review.decide", "import_review", id, detail};
	return store_audit_append(st, sc, &e, err);
}
