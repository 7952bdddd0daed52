/* relations -- family relations (see relations.h). */
#include "store/relations.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "store/audit.h"
#include "store/db.h"
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
	"JOIN persons o ON o.id = r.person_id WHERE r.related_id = ? ORDER BY 6 DESC, 1";
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

int store_relations_list(struct store *st, const struct wb_scope *sc, int64_t person_id,
			 void (*cb)(void *ctx, const struct relation_row *r), void *ctx,
			 struct wb_error *err)
{
	struct relation_row r;
	int rc = store_persons_visible(st, sc, person_id, err);
	if (rc)
		return rc;
	struct db_stmt *s = db_stmt(st->db, SQL_LIST);
	db_bind_int(s, 1, person_id);
	db_bind_int(s, 2, person_id);
	while ((rc = db_step(s, err)) == DB_ROW) {
		memset(&r, 0, sizeof(r));
		r.id = db_col_int(s, 0);
		snprintf(r.kind, sizeof(r.kind), "%s", db_col_text(s, 1));
		snprintf(r.kind_name, sizeof(r.kind_name), "%s", db_col_text(s, 2));
		r.is_guardian = (int)db_col_int(s, 3);
		r.lives_with = (int)db_col_int(s, 4);
		r.outgoing = (int)db_col_int(s, 5);
		r.other_id = db_col_int(s, 6);
		snprintf(r.other_name, sizeof(r.other_name), "%s", db_col_text(s, 7));
		r.other_gender = db_col_text(s, 8)[0];
		snprintf(r.other_birth_date, sizeof(r.other_birth_date), "%s",
			 db_col_is_null(s, 9) ? "" : db_col_text(s, 9));
		cb(ctx, &r);
	}
	db_done(s);
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
