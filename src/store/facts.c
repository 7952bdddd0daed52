/* facts -- append-only facts with corrections (see facts.h). */
#include "store/facts.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/timeutil.h"
#include "domain/role.h"
#include "store/audit.h"
#include "store/db.h"
#include "store/persons.h"
#include "store/screening.h"
#include "store/store.h"

/* A fact an import read from a row names it: "导入#<import> 第<row>行". The import
 * stores no text for it (store/imports.c: a million such texts are 16 MB of pages). */
#define FACT_SOURCE_DOC                                                                            \
	"coalesce(f.source_doc, CASE WHEN f.import_id IS NOT NULL AND f.import_row IS NOT NULL "   \
	"THEN '导入#' || f.import_id || ' 第' || f.import_row || '行' END)"
#define FACT_COLS                                                                                  \
	"f.id, f.person_id, f.type, t.name, f.value, f.valid_from, f.valid_to, "                   \
	"f.source_unit_id, u.name, " FACT_SOURCE_DOC ", f.note, f.recorded_by, usr.username, "     \
	"f.recorded_at, f.supersedes, "                                                            \
	"(SELECT g.id FROM facts g WHERE g.supersedes = f.id AND g.retracted_at IS NULL), "        \
	"t.sensitive, f.import_id, f.retracted_at"
#define FACT_FROM                                                                                  \
	" FROM facts f JOIN fact_types t ON t.code = f.type "                                      \
	"LEFT JOIN units u ON u.id = f.source_unit_id "                                            \
	"LEFT JOIN users usr ON usr.id = f.recorded_by "

static const char SQL_TYPE[] =
	"SELECT value_kind, value_enum, sensitive FROM fact_types WHERE code = ?";
static const char SQL_UNIT[] = "SELECT 1 FROM units WHERE id = ?";
static const char SQL_OLD[] =
	"SELECT f.person_id, (SELECT g.id FROM facts g WHERE g.supersedes = f.id AND "
	"g.retracted_at IS NULL), t.sensitive, f.retracted_at "
	"FROM facts f JOIN fact_types t ON t.code = f.type WHERE f.id = ?";
static const char SQL_INSERT[] =
	"INSERT INTO facts (person_id, type, value, valid_from, valid_to, source_unit_id, "
	"source_doc, note, recorded_by, recorded_at, supersedes) "
	"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_LIST[] =
	"SELECT " FACT_COLS FACT_FROM "WHERE f.person_id = ? AND (? = 1 OR t.sensitive = 0) "
	"ORDER BY f.id DESC";
static const char SQL_GET[] =
	"SELECT " FACT_COLS FACT_FROM "WHERE f.id = ? AND (? = 1 OR t.sensitive = 0)";
static const char SQL_TYPES[] = "SELECT code, name, name_en, value_kind, value_enum, sensitive "
				"FROM fact_types ORDER BY code";

static int invalid(struct wb_error *err, const char *field, const char *code, const char *zh,
		   const char *en)
{
	if (err->ndetails == 0)
		wb_error_set(err, WB_EINVAL, 422, code, zh, en);
	else
		wb_error_set(err, WB_EINVAL, 422, "VALIDATION", "数据校验未通过，请按提示修改",
			     "validation failed; see details");
	wb_error_detail(err, field, code, zh);
	return WB_EINVAL;
}

static int enum_has(const char *list, const char *v)
{
	size_t n = strlen(v);
	for (const char *p = list; p && *p;) {
		const char *bar = strchr(p, '|');
		size_t k = bar ? (size_t)(bar - p) : strlen(p);
		if (k == n && strncmp(p, v, n) == 0)
			return 1;
		p = bar ? bar + 1 : NULL;
	}
	return 0;
}

/* Value rules per kind of fact type. */
static void check_value(const char *kind, const char *values, const char *v, struct wb_error *err)
{
	int has = v && *v;
	if (!strcmp(kind, "none")) {
		if (has && strlen(v) > 500)
			invalid(err, "value", "FACT_VALUE_INVALID", "说明过长（最多500字节）",
				"the value is too long");
	} else if (!strcmp(kind, "enum")) {
		if (!has || !enum_has(values, v))
			invalid(err, "value", "FACT_VALUE_INVALID", "取值不在允许的范围内",
				"the value is not one of the allowed values");
	} else if (!strcmp(kind, "disability")) {
		/* GB/T 26341-2010: category 1..7, grade 1..4, written "类别-等级". */
		if (!has || strlen(v) != 3 || v[0] < '1' || v[0] > '7' || v[1] != '-' ||
		    v[2] < '1' || v[2] > '4')
			invalid(err, "value", "FACT_VALUE_INVALID",
				"残疾信息应写作“类别-等级”，如 4-2（类别1-7，等级1-4）",
				"write disability as category-grade, e.g. 4-2");
	} else if (has && strlen(v) > 500) {
		invalid(err, "value", "FACT_VALUE_INVALID", "取值过长（最多500字节）",
			"the value is too long");
	}
	if (has && jsonx_utf8_len(v) == 0)
		invalid(err, "value", "FACT_VALUE_INVALID", "取值无效", "invalid value");
}

static int check_input(struct store *st, const struct wb_scope *sc, int64_t person_id,
		       const struct fact_input *in, struct wb_error *err)
{
	int64_t from = 0, to = 0;
	int rc;

	wb_error_clear(err);
	if (!in->type || !*in->type)
		return invalid(err, "type", "FACT_TYPE_UNKNOWN", "事实类型不存在",
			       "unknown fact type");
	struct db_stmt *s = db_stmt(st->db, SQL_TYPE);
	db_bind_text(s, 1, in->type);
	rc = db_step(s, err);
	if (rc == DB_ROW) {
		char kind[16], values[256];
		snprintf(kind, sizeof(kind), "%s", db_col_text(s, 0));
		snprintf(values, sizeof(values), "%s",
			 db_col_is_null(s, 1) ? "" : db_col_text(s, 1));
		int sensitive = (int)db_col_int(s, 2);
		db_done(s);
		if (sensitive && !role_can(sc->role, PERM_SENSITIVE_READ))
			return wb_error_set(err, WB_EFORBIDDEN, 403, "FORBIDDEN",
					    "您的角色无权记录此类敏感信息",
					    "your role may not record this kind of sensitive fact");
		check_value(kind, values, in->value, err);
	} else {
		db_done(s);
		if (rc < 0)
			return rc;
		return invalid(err, "type", "FACT_TYPE_UNKNOWN", "事实类型不存在",
			       "unknown fact type");
	}
	if (in->valid_from && date_parse(in->valid_from, &from))
		invalid(err, "valid_from", "DATE_INVALID", "日期应为 YYYY-MM-DD 格式的有效日期",
			"dates are written YYYY-MM-DD");
	if (in->valid_to && date_parse(in->valid_to, &to))
		invalid(err, "valid_to", "DATE_INVALID", "日期应为 YYYY-MM-DD 格式的有效日期",
			"dates are written YYYY-MM-DD");
	else if (in->valid_from && in->valid_to && !err->ndetails && to < from)
		invalid(err, "valid_to", "DATE_RANGE", "截止日期早于起始日期",
			"the end date is before the start date");
	if (in->source_doc && strlen(in->source_doc) > 250)
		invalid(err, "source_doc", "TEXT_TOO_LONG", "来源文件说明过长",
			"source_doc too long");
	if (in->note && strlen(in->note) > 500)
		invalid(err, "note", "TEXT_TOO_LONG", "备注过长", "note too long");
	if (in->source_unit_id) {
		s = db_stmt(st->db, SQL_UNIT);
		db_bind_int(s, 1, in->source_unit_id);
		rc = db_step(s, err);
		db_done(s);
		if (rc < 0)
			return rc;
		if (rc != DB_ROW)
			invalid(err, "source_unit_id", "UNIT_UNKNOWN", "来源单位不存在",
				"unknown source unit");
	}
	if (in->supersedes) {
		s = db_stmt(st->db, SQL_OLD);
		db_bind_int(s, 1, in->supersedes);
		rc = db_step(s, err);
		int64_t owner = rc == DB_ROW ? db_col_int(s, 0) : 0;
		int64_t later = rc == DB_ROW && !db_col_is_null(s, 1) ? db_col_int(s, 1) : 0;
		int sens = rc == DB_ROW ? (int)db_col_int(s, 2) : 0;
		int retracted = rc == DB_ROW && !db_col_is_null(s, 3);
		db_done(s);
		if (rc < 0)
			return rc;
		if (owner != person_id || retracted ||
		    (sens && !role_can(sc->role, PERM_SENSITIVE_READ)))
			return invalid(
				err, "supersedes", "FACT_NOT_FOUND",
				"要更正的事实不存在或不属于此人",
				"the fact to correct does not exist or belongs to someone else");
		if (later)
			return wb_error_set(
				err, WB_ECONFLICT, 409, "FACT_ALREADY_CORRECTED",
				"该事实已被更正，请在最新的记录上更正",
				"this fact was already corrected; correct the newest one");
	}
	return err->ndetails ? WB_EINVAL : 0;
}

int store_facts_add(struct store *st, const struct wb_scope *sc, int64_t person_id,
		    const struct fact_input *in, int64_t *id, struct wb_error *err)
{
	char now[21], detail[160];
	int rc = db_begin_write(st->db, err);
	if (rc)
		return rc;
	if ((rc = store_persons_visible(st, sc, person_id, err)) != 0)
		goto out;
	if ((rc = check_input(st, sc, person_id, in, err)) != 0)
		goto out;

	store_now(now);
	struct db_stmt *s = db_stmt(st->db, SQL_INSERT);
	db_bind_int(s, 1, person_id);
	db_bind_text(s, 2, in->type);
	db_bind_text(s, 3, in->value && *in->value ? in->value : NULL);
	db_bind_text(s, 4, in->valid_from);
	db_bind_text(s, 5, in->valid_to);
	if (in->source_unit_id)
		db_bind_int(s, 6, in->source_unit_id);
	db_bind_text(s, 7, in->source_doc);
	db_bind_text(s, 8, in->note);
	db_bind_int(s, 9, sc->user_id ? sc->user_id : 1);
	db_bind_text(s, 10, now);
	if (in->supersedes)
		db_bind_int(s, 11, in->supersedes);
	rc = db_step(s, err);
	if (rc == DB_ROW)
		*id = db_col_int(s, 0);
	db_done(s);
	if (rc == DB_ROW) { /* queued for screening (migration 012: no trigger does it) */
		int q = store_screening_queue(st, person_id, err);
		rc = q ? q : DB_ROW;
	}
	if (rc == WB_ECONFLICT) {
		/* The unique key on supersedes: someone corrected the same fact first. */
		rc = wb_error_set(err, WB_ECONFLICT, 409, "FACT_ALREADY_CORRECTED",
				  "该事实已被更正，请在最新的记录上更正",
				  "this fact was already corrected; correct the newest one");
		goto out;
	}
	if (rc < 0)
		goto out;
	snprintf(detail, sizeof(detail),
		 "{\"fact_id\":%" PRId64 ",\"type\":\"%s\",\"supersedes\":%" PRId64 "}", *id,
		 in->type, in->supersedes);
	struct audit_entry e = {in->supersedes ? "fact.correct" : "fact.create", "person",
				person_id, detail};
	rc = store_audit_append(st, sc, &e, err);
out:
	if (rc) {
		db_rollback(st->db);
		return rc;
	}
	return db_commit(st->db, err);
}

static const char *t(struct db_stmt *s, int c)
{
	return db_col_is_null(s, c) ? "" : db_col_text(s, c);
}

static void fill(struct db_stmt *s, struct fact_row *f)
{
	memset(f, 0, sizeof(*f));
	f->id = db_col_int(s, 0);
	f->person_id = db_col_int(s, 1);
	snprintf(f->type, sizeof(f->type), "%s", t(s, 2));
	snprintf(f->type_name, sizeof(f->type_name), "%s", t(s, 3));
	snprintf(f->value, sizeof(f->value), "%s", t(s, 4));
	snprintf(f->valid_from, sizeof(f->valid_from), "%s", t(s, 5));
	snprintf(f->valid_to, sizeof(f->valid_to), "%s", t(s, 6));
	f->source_unit_id = db_col_is_null(s, 7) ? 0 : db_col_int(s, 7);
	snprintf(f->source_unit_name, sizeof(f->source_unit_name), "%s", t(s, 8));
	snprintf(f->source_doc, sizeof(f->source_doc), "%s", t(s, 9));
	snprintf(f->note, sizeof(f->note), "%s", t(s, 10));
	f->recorded_by = db_col_int(s, 11);
	snprintf(f->recorded_by_name, sizeof(f->recorded_by_name), "%s", t(s, 12));
	snprintf(f->recorded_at, sizeof(f->recorded_at), "%s", t(s, 13));
	f->supersedes = db_col_is_null(s, 14) ? 0 : db_col_int(s, 14);
	f->superseded_by = db_col_is_null(s, 15) ? 0 : db_col_int(s, 15);
	f->sensitive = (int)db_col_int(s, 16);
	f->import_id = db_col_is_null(s, 17) ? 0 : db_col_int(s, 17);
	snprintf(f->retracted_at, sizeof(f->retracted_at), "%s",
		 db_col_is_null(s, 18) ? "" : db_col_text(s, 18));
}

int store_facts_list(struct store *st, const struct wb_scope *sc, int64_t person_id,
		     void (*cb)(void *ctx, const struct fact_row *f), void *ctx,
		     struct wb_error *err)
{
	struct fact_row f;
	int rc = store_persons_visible(st, sc, person_id, err);
	if (rc)
		return rc;
	struct db_stmt *s = db_stmt(st->db, SQL_LIST);
	db_bind_int(s, 1, person_id);
	db_bind_int(s, 2, role_can(sc->role, PERM_SENSITIVE_READ));
	while ((rc = db_step(s, err)) == DB_ROW) {
		fill(s, &f);
		cb(ctx, &f);
	}
	db_done(s);
	if (rc < 0)
		return rc;
	struct audit_entry e = {"person.read_facts", "person", person_id, NULL};
	audit_queue_push(st, sc, &e);
	return 0;
}

int store_facts_get(struct store *st, const struct wb_scope *sc, int64_t id, struct fact_row *out,
		    struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_GET);
	db_bind_int(s, 1, id);
	db_bind_int(s, 2, role_can(sc->role, PERM_SENSITIVE_READ));
	int rc = db_step(s, err);
	if (rc == DB_ROW)
		fill(s, out);
	db_done(s);
	if (rc < 0)
		return rc;
	if (rc == DB_DONE || store_persons_visible(st, sc, out->person_id, NULL) != 0)
		return wb_error_set(err, WB_ENOTFOUND, 404, "FACT_NOT_FOUND", "事实记录不存在",
				    "no such fact");
	return 0;
}

int store_fact_types(struct store *st,
		     void (*cb)(void *ctx, const char *code, const char *name, const char *en,
				const char *kind, const char *values, int sensitive),
		     void *ctx, struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_TYPES);
	int rc;
	while ((rc = db_step(s, err)) == DB_ROW)
		cb(ctx, db_col_text(s, 0), db_col_text(s, 1), db_col_text(s, 2), db_col_text(s, 3),
		   db_col_is_null(s, 4) ? NULL : db_col_text(s, 4), (int)db_col_int(s, 5));
	db_done(s);
	return rc < 0 ? rc : 0;
}
