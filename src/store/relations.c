/* relations -- family relations (see relations.h). */
#include "store/relations.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

#include "store/audit.h"
#include "store/db.h"
#include "store/relations_int.h"
#include "store/store.h"

static const char SQL_KIND[] = "SELECT 1 FROM relation_kinds WHERE code = ?";
static const char SQL_INSERT[] =
	"INSERT INTO relations (person_id, related_id, kind, is_guardian, lives_with, created_at, "
	"created_by) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_LIST[] =
	"SELECT r.id, r.kind, k.name, r.is_guardian, r.lives_with, 1, o.id, o.name, o.gender, "
	"o.birth_date FROM relations r JOIN relation_kinds k ON k.code = r.kind "
	"JOIN persons o ON o.id = r.related_id WHERE r.person_id = ? "
	"UNION ALL "
	"SELECT r.id, r.kind, k.name, r.is_guardian, r.lives_with, 0, o.id, o.name, o.gender, "
	"o.birth_date FROM relations r JOIN relation_kinds k ON k.code = r.kind "
	"JOIN persons o ON o.id = r.person_id WHERE r.related_id = ?";
static const char SQL_KINDS[] = "SELECT code, name, name_en FROM relation_kinds ORDER BY gbt4761";

static int invalid(struct wb_error *err, const char *field, const char *code, const char *zh,
		   const char *en)
{
	wb_error_set(err, WB_EINVAL, 422, code, zh, en);
	wb_error_detail(err, field, code, zh);
	return WB_EINVAL;
}

int store_relations_add_tx(struct store *st, const struct wb_scope *sc, int64_t person_id,
			   const struct relation_input *r, int64_t *id, struct wb_error *err)
{
	char now[21];
	int rc;

	if (!r->kind)
		return invalid(err, "kind", "RELATION_KIND_UNKNOWN", "关系类型不存在",
			       "unknown relation kind");
	struct db_stmt *s = db_stmt(st->db, SQL_KIND);
	db_bind_text(s, 1, r->kind);
	rc = db_step(s, err);
	db_done(s);
	if (rc < 0)
		return rc;
	if (rc != DB_ROW)
		return invalid(err, "kind", "RELATION_KIND_UNKNOWN", "关系类型不存在",
			       "unknown relation kind");
	if (r->person_id == person_id)
		return invalid(err, "person_id", "RELATION_SELF", "不能与本人建立关系",
			       "a person cannot be related to themself");
	/* The related person must be visible to the caller: linking is not a way to read. */
	if (store_persons_visible(st, sc, r->person_id, NULL) != 0)
		return invalid(err, "person_id", "RELATED_PERSON_NOT_FOUND",
			       "关联人员不存在或不在您的管辖范围内",
			       "the related person does not exist or is outside your area");

	store_now(now);
	s = db_stmt(st->db, SQL_INSERT);
	db_bind_int(s, 1, person_id);
	db_bind_int(s, 2, r->person_id);
	db_bind_text(s, 3, r->kind);
	db_bind_int(s, 4, r->is_guardian ? 1 : 0);
	db_bind_int(s, 5, r->lives_with ? 1 : 0);
	db_bind_text(s, 6, now);
	if (sc->user_id)
		db_bind_int(s, 7, sc->user_id);
	rc = db_step(s, err);
	if (rc == DB_ROW && id)
		*id = db_col_int(s, 0);
	db_done(s);
	if (rc == WB_ECONFLICT)
		return wb_error_set(err, rc, 409, "RELATION_EXISTS", "该关系已存在",
				    "this relation already exists");
	return rc < 0 ? rc : 0;
}

int store_relations_add(struct store *st, const struct wb_scope *sc, int64_t person_id,
			const struct relation_input *r, int64_t *id, struct wb_error *err)
{
	char detail[96];
	int rc = db_begin_write(st->db, err);
	if (rc)
		return rc;
	if ((rc = store_persons_visible(st, sc, person_id, err)) != 0)
		goto out;
	if ((rc = store_relations_add_tx(st, sc, person_id, r, id, err)) != 0)
		goto out;
	snprintf(detail, sizeof(detail), "{\"kind\":\"%s\",\"related_id\":%" PRId64 "}", r->kind,
		 r->person_id);
	struct audit_entry e = {"relation.create", "person", person_id, detail};
	rc = store_audit_append(st, sc, &e, err);
out:
	if (rc) {
		db_rollback(st->db);
		return rc;
	}
	return db_commit(st->db, err);
}

/* Copy a column's text into a fixed field (truncating; the store's limits keep it whole). */
static void copy_col(char *dst, size_t cap, struct db_stmt *s, int col)
{
	const char *v = db_col_is_null(s, col) ? "" : db_col_text(s, col);
	size_t n = strlen(v);
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

static int row_order(const void *a, const void *b)
{
	const struct relation_row *x = a, *y = b;
	if (x->outgoing != y->outgoing)
		return y->outgoing - x->outgoing;
	return (x->id > y->id) - (x->id < y->id);
}

/* The rows come unordered (SQLite's sorter allocated per row and was a tenth of a
 * person read) and are sorted here: outgoing first, then by id. */
int relations_list_in_scope(struct store *st, int64_t person_id,
			    void (*cb)(void *ctx, const struct relation_row *r), void *ctx,
			    struct wb_error *err)
{
	struct relation_row stack[16], *rows = stack;
	size_t n = 0, cap = 16;
	int rc;
	struct db_stmt *s = db_stmt(st->db, SQL_LIST);
	db_bind_int(s, 1, person_id);
	db_bind_int(s, 2, person_id);
	while ((rc = db_step(s, err)) == DB_ROW) {
		if (n == cap) {
			struct relation_row *more = xmalloc(2 * cap * sizeof(*more));
			memcpy(more, rows, n * sizeof(*rows));
			if (rows != stack)
				free(rows);
			rows = more;
			cap *= 2;
		}
		struct relation_row *r = &rows[n++];
		r->id = db_col_int(s, 0);
		copy_col(r->kind, sizeof(r->kind), s, 1);
		copy_col(r->kind_name, sizeof(r->kind_name), s, 2);
		r->is_guardian = (int)db_col_int(s, 3);
		r->lives_with = (int)db_col_int(s, 4);
		r->outgoing = (int)db_col_int(s, 5);
		r->other_id = db_col_int(s, 6);
		copy_col(r->other_name, sizeof(r->other_name), s, 7);
		r->other_gender = db_col_text(s, 8)[0];
		copy_col(r->other_birth_date, sizeof(r->other_birth_date), s, 9);
	}
	db_done(s);
	if (rc >= 0) {
		qsort(rows, n, sizeof(rows[0]), row_order);
		for (size_t i = 0; i < n; i++)
			cb(ctx, &rows[i]);
	}
	if (rows != stack)
		free(rows);
	return rc < 0 ? rc : 0;
}

int store_relation_kinds(struct store *st,
			 void (*cb)(void *ctx, const char *code, const char *name, const char *en),
			 void *ctx, struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_KINDS);
	int rc;
	while ((rc = db_step(s, err)) == DB_ROW)
		cb(ctx, db_col_text(s, 0), db_col_text(s, 1), db_col_text(s, 2));
	db_done(s);
	return rc < 0 ? rc : 0;
}
