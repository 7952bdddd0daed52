/*
 * register -- the register (台账) of a region, streamed (see register.h).
 *
 * One cursor walks the minors of the region in filing order; for each child two small
 * indexed look-ups fetch the guardians (relations_unique leads with person_id) and the
 * current facts (facts_person). That is three statements on one connection, one of them
 * stepping while the others run, inside one read transaction so that the rows of a
 * register come from one snapshot.
 *
 * "Current" facts: not superseded by a correction, valid_from absent or on/before today,
 * valid_to absent or on/after today. The family whose facts describe a child: the
 * child's own facts, and those of the persons related to the child as a parent
 * (father, mother, step-parent) or flagged guardian -- an imprisoned father is not a
 * guardian but is the reason the child is on the register.
 */
#include "store/register.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/jsonx.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "domain/role.h"
#include "store/audit.h"
#include "store/db.h"
#include "store/persons.h"
#include "store/regions.h"
#include "store/screening.h"
#include "store/store.h"

/* A fact row f that holds today (two `?`: today, today). */
#define CURRENT(f)                                                                                 \
	" (" f ".valid_from IS NULL OR " f ".valid_from <= ?) AND (" f ".valid_to IS NULL OR " f   \
	".valid_to >= ?) AND NOT EXISTS (SELECT 1 FROM facts g WHERE g.supersedes = " f ".id) "
/* A relation r whose related person's facts describe the child. */
#define FAMILY(r)                                                                                  \
	" (" r ".is_guardian = 1 OR " r ".kind IN ('father', 'mother', 'stepfather', "             \
	"'stepmother')) "

#define ROWS_COLS                                                                                  \
	"SELECT p.id, p.name, p.gender, p.birth_date, p.id_cipher, p.id_hash, p.ethnicity, "       \
	"p.household_region, p.residence_region, u.name, tw.name, tw.level, vg.name, vg.level "    \
	"FROM persons p LEFT JOIN units u ON u.id = p.school_unit_id "                             \
	"LEFT JOIN regions tw ON tw.code = substr(p.scope_region, 1, 9) || '000' "                 \
	"LEFT JOIN regions vg ON vg.code = substr(p.scope_region, 1, 12) WHERE "
#define EFFECTIVE_LEVEL SCREEN_EFFECTIVE_LEVEL_SQL
/* After the scope predicate: region range, minors, then one clause per filter: a current
 * fact of a type (the child's or a family member's); on the screening register (flagged,
 * at a level or above, in a category -- a membership resting on sensitive facts only for
 * a role that may read them). */
#define ROWS_TAIL                                                                                  \
	" AND p.scope_region >= ? AND p.scope_region < ? AND p.birth_date > ? "                    \
	"AND (? IS NULL OR EXISTS (SELECT 1 FROM facts f WHERE f.person_id = p.id AND f.type = ? " \
	"AND" CURRENT(                                                                             \
		"f") ") OR EXISTS (SELECT 1 FROM relations r JOIN facts f ON f.person_id = "       \
		     "r.related_id WHERE r.person_id = p.id AND" FAMILY(                           \
			     "r") "AND f.type = ? AND" CURRENT("f") ")) "                          \
								    "AND (? = 0 OR EXISTS "        \
								    "(SELECT 1 FROM "              \
								    "screen_results r WHERE "      \
								    "r.person_id = p.id "          \
								    "AND " EFFECTIVE_LEVEL         \
								    " >= ? AND (? IS NULL OR "     \
								    "EXISTS (SELECT 1 FROM "       \
								    "screen_memberships m WHERE "  \
								    "m.person_id = p.id AND "      \
								    "m.category = ? AND "          \
								    "m.status <> 'rejected' AND "  \
								    "m.sensitive <= ?)))) "        \
								    "ORDER BY "                    \
								    "substr(p.scope_region, 1, "   \
								    "9), substr(p.scope_region, "  \
								    "1, 12), p.name, p.id"

/* The scope predicates are those of persons.c: region subtree, or a school's students. */
static const char SQL_ROWS_R[] = ROWS_COLS "p.scope_region >= ? AND p.scope_region < ?" ROWS_TAIL;
static const char SQL_ROWS_S[] = ROWS_COLS "p.school_unit_id = ?" ROWS_TAIL;

static const char SQL_GUARDIANS[] =
	"SELECT k.name, o.name, o.phone_cipher FROM relations r "
	"JOIN relation_kinds k ON k.code = r.kind JOIN persons o ON o.id = r.related_id "
	"WHERE r.person_id = ? AND r.is_guardian = 1 ORDER BY k.gbt4761, r.id";

static const char SQL_FACTS[] =
	"SELECT '', 0, '', t.name, f.value, f.valid_from, f.id FROM facts f "
	"JOIN fact_types t ON t.code = f.type WHERE f.person_id = ? AND (? = 1 OR t.sensitive = 0) "
	"AND" CURRENT(
		"f") "UNION ALL "
		     "SELECT k.gbt4761, 1, k.name, t.name, f.value, f.valid_from, f.id FROM "
		     "relations r "
		     "JOIN relation_kinds k ON k.code = r.kind JOIN facts f ON f.person_id = "
		     "r.related_id "
		     "JOIN fact_types t ON t.code = f.type WHERE r.person_id = ? AND" FAMILY(
			     "r") "AND (? = 1 OR t.sensitive = 0) AND" CURRENT("f") "ORDER BY 2 "
										    "DESC, 1, 7";

static const char SQL_FACT_TYPE[] = "SELECT name, sensitive FROM fact_types WHERE code = ?";

static int not_found(struct wb_error *err)
{
	/* No code in the text: an out-of-scope region must answer exactly like a missing one. */
	return wb_error_set(err, WB_ENOTFOUND, 404, "REGION_NOT_FOUND",
			    "区划不存在或不在您的管辖范围内",
			    "no such region, or not within your area");
}

static const char *text_or_empty(struct db_stmt *s, int c)
{
	return db_col_is_null(s, c) ? "" : db_col_text(s, c);
}

/* "酉阳土家族苗族自治县木叶乡": names from the county (or the region itself when higher)
 * down to the region, as the title of a register reads. */
static int place_name(struct store *st, const char *code, char *out, size_t cap,
		      struct wb_error *err)
{
	struct region_row chain[6];
	char cur[REGION_CODE_MAX + 1];
	int n = 0, rc;
	snprintf(cur, sizeof(cur), "%s", code);
	while (n < 6) {
		if ((rc = store_regions_get(st, cur, &chain[n], err)) != 0)
			return rc;
		if (chain[n].level <= REGION_COUNTY || !chain[n].parent_code[0]) {
			n++;
			break;
		}
		snprintf(cur, sizeof(cur), "%s", chain[n].parent_code);
		n++;
	}
	size_t pos = 0;
	out[0] = '\0';
	for (int i = n - 1; i >= 0; i--) {
		int k = snprintf(out + pos, cap - pos, "%s", chain[i].name);
		if (k < 0 || (size_t)k >= cap - pos)
			break;
		pos += (size_t)k;
	}
	return 0;
}

/* Authorise the query and describe it; nothing is read from persons yet. */
static int prepare(struct store *st, const struct wb_scope *sc, const struct register_query *q,
		   struct register_info *info, struct wb_error *err)
{
	struct region_row reg;
	int rc;

	memset(info, 0, sizeof(*info));
	if (!q->region || !store_scope_has_region(sc, q->region))
		return not_found(err);
	if (store_regions_get(st, q->region, &reg, NULL) != 0)
		return not_found(err);
	if (q->purpose) {
		/* The rule of store_persons_reveal: the role, then a stated purpose. */
		if (!role_can(sc->role, PERM_ID_REVEAL))
			return wb_error_set(err, WB_EFORBIDDEN, 403, "FORBIDDEN",
					    "您的角色无权导出完整身份证号码",
					    "your role may not export full ID numbers");
		if (!role_purpose_stated(q->purpose)) {
			wb_error_set(err, WB_EINVAL, 422, "PURPOSE_REQUIRED",
				     "导出完整身份证号码须说明用途（至少4个字）",
				     "state the purpose of exporting full ID numbers (at least 4 "
				     "characters)");
			wb_error_detail(err, "purpose", "PURPOSE_REQUIRED",
					"请说明用途（至少4个字）");
			return WB_EINVAL;
		}
		info->revealed = 1;
	}
	if (q->fact_type) {
		struct db_stmt *s = db_stmt(st->db, SQL_FACT_TYPE);
		int sensitive = 0;
		db_bind_text(s, 1, q->fact_type);
		rc = db_step(s, err);
		if (rc == DB_ROW) {
			snprintf(info->fact_type_name, sizeof(info->fact_type_name), "%s",
				 db_col_text(s, 0));
			sensitive = (int)db_col_int(s, 1);
		}
		db_done(s);
		if (rc < 0)
			return rc;
		if (rc == DB_DONE) {
			wb_error_set(err, WB_EINVAL, 422, "FACT_TYPE_UNKNOWN", "事实类型不存在",
				     "unknown fact type");
			wb_error_detail(err, "fact_type", "FACT_TYPE_UNKNOWN", "事实类型不存在");
			return WB_EINVAL;
		}
		if (sensitive && !role_can(sc->role, PERM_SENSITIVE_READ))
			return wb_error_set(
				err, WB_EFORBIDDEN, 403, "FORBIDDEN",
				"您的角色无权按此类敏感信息筛选",
				"your role may not filter by this kind of sensitive fact");
	}
	if (!q->fact_type && q->category_name) /* the title names the register's category */
		snprintf(info->fact_type_name, sizeof(info->fact_type_name), "%s",
			 q->category_name);
	else if (!q->fact_type && (q->flagged || q->min_level > 0))
		snprintf(info->fact_type_name, sizeof(info->fact_type_name), "%s", "重点关注");
	snprintf(info->region, sizeof(info->region), "%s", q->region);
	date_format(date_today(), info->date);
	return place_name(st, q->region, info->place, sizeof(info->place), err);
}

/* Append to a fixed field; text that does not fit is cut at a character boundary and
 * marked with "…" (a register cell is for reading, the facts stay in the record). */
static void field_append(char *dst, size_t cap, const char *s)
{
	size_t n = strlen(dst), k = strlen(s);
	if (n + k < cap) {
		memcpy(dst + n, s, k + 1);
		return;
	}
	static const char ell[] = "…";
	if (n + sizeof(ell) > cap || (n >= sizeof(ell) && !strcmp(dst + n - 3, ell)))
		return;
	size_t room = cap - n - sizeof(ell);
	while (room > 0 && ((unsigned char)s[room] & 0xC0) == 0x80)
		room--;
	memcpy(dst + n, s, room);
	memcpy(dst + n + room, ell, sizeof(ell));
}

static int guardians(struct store *st, int64_t child, struct register_row *row,
		     struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_GUARDIANS);
	char phone[24];
	int rc, n = 0;
	db_bind_int(s, 1, child);
	while ((rc = db_step(s, err)) == DB_ROW) {
		size_t clen = 0;
		const void *c = db_col_blob(s, 2, &clen);
		if (n++) {
			field_append(row->guardian_relations, sizeof(row->guardian_relations),
				     "、");
			field_append(row->guardian_names, sizeof(row->guardian_names), "、");
			field_append(row->guardian_phones, sizeof(row->guardian_phones), "、");
		}
		field_append(row->guardian_relations, sizeof(row->guardian_relations),
			     db_col_text(s, 0));
		field_append(row->guardian_names, sizeof(row->guardian_names), db_col_text(s, 1));
		store_persons_open_phone_masked(st, c, clen, phone);
		field_append(row->guardian_phones, sizeof(row->guardian_phones),
			     phone[0] ? phone : "无");
	}
	db_done(s);
	return rc < 0 ? rc : 0;
}

static int situation(struct store *st, const struct wb_scope *sc, int64_t child, const char *today,
		     struct register_row *row, struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_FACTS);
	int sens = role_can(sc->role, PERM_SENSITIVE_READ), rc, n = 0;
	char *out = row->situation;
	size_t cap = sizeof(row->situation);
	db_bind_int(s, 1, child);
	db_bind_int(s, 2, sens);
	db_bind_text(s, 3, today);
	db_bind_text(s, 4, today);
	db_bind_int(s, 5, child);
	db_bind_int(s, 6, sens);
	db_bind_text(s, 7, today);
	db_bind_text(s, 8, today);
	while ((rc = db_step(s, err)) == DB_ROW) {
		const char *value = text_or_empty(s, 4), *from = text_or_empty(s, 5);
		if (n++)
			field_append(out, cap, "; ");
		field_append(out, cap, text_or_empty(s, 2)); /* the relative: 父亲 */
		field_append(out, cap, text_or_empty(s, 3)); /* the fact type */
		if (value[0]) {
			field_append(out, cap, "：");
			field_append(out, cap, value);
		}
		if (from[0]) {
			field_append(out, cap, "(");
			field_append(out, cap, from);
			field_append(out, cap, "起)");
		}
	}
	db_done(s);
	return rc < 0 ? rc : 0;
}

/* Region names of a row: level 4 / 5 only, so a child filed at township level has no
 * village and one filed at county level has neither. */
static void place_cols(struct db_stmt *s, struct register_row *row)
{
	if (!db_col_is_null(s, 10) && db_col_int(s, 11) == REGION_TOWNSHIP)
		snprintf(row->township, sizeof(row->township), "%s", db_col_text(s, 10));
	if (!db_col_is_null(s, 12) && db_col_int(s, 13) == REGION_VILLAGE)
		snprintf(row->village, sizeof(row->village), "%s", db_col_text(s, 12));
}

static int fill(struct store *st, struct db_stmt *s, int revealed, int64_t today,
		struct register_row *row)
{
	char id[IDNO_LEN + 1];
	int64_t birth;
	memset(row, 0, sizeof(*row));
	row->person_id = db_col_int(s, 0);
	snprintf(row->name, sizeof(row->name), "%s", db_col_text(s, 1));
	row->gender = db_col_text(s, 2)[0];
	snprintf(row->birth_date, sizeof(row->birth_date), "%s", text_or_empty(s, 3));
	row->age = row->birth_date[0] && !date_parse(row->birth_date, &birth)
			   ? date_age(birth, today)
			   : -1;
	if (!db_col_is_null(s, 4)) {
		size_t clen, hlen;
		const void *c = db_col_blob(s, 4, &clen), *h = db_col_blob(s, 5, &hlen);
		if (store_persons_open_id(st, c, clen, h, hlen, id) != 0)
			snprintf(row->id_number, sizeof(row->id_number), "(damaged)");
		else if (revealed)
			snprintf(row->id_number, sizeof(row->id_number), "%s", id);
		else
			idno_mask(row->id_number, id);
		memset(id, 0, sizeof(id));
	}
	const char *eth = db_col_is_null(s, 6) ? NULL : ethnicity_name(db_col_text(s, 6));
	row->ethnicity_name = eth ? eth : "";
	if (!db_col_is_null(s, 7))
		store_regions_path_name(st, db_col_text(s, 7), row->household_region_name,
					sizeof(row->household_region_name));
	if (!db_col_is_null(s, 8))
		store_regions_path_name(st, db_col_text(s, 8), row->residence_region_name,
					sizeof(row->residence_region_name));
	snprintf(row->school_name, sizeof(row->school_name), "%s", text_or_empty(s, 9));
	place_cols(s, row);
	return 0;
}

static int audit(struct store *st, const struct wb_scope *sc, const struct register_query *q,
		 int revealed, int64_t count, struct wb_error *err)
{
	struct buf d;
	buf_init(&d, 0);
	buf_appendf(&d, "{\"region\":\"%s\",\"filter\":{\"fact_type\":", q->region);
	if (q->fact_type)
		jsonx_quote(&d, q->fact_type);
	else
		buf_appends(&d, "null");
	buf_appends(&d, ",\"category\":");
	if (q->category)
		jsonx_quote(&d, q->category);
	else
		buf_appends(&d, "null");
	buf_appendf(&d, ",\"flagged\":%s,\"min_level\":%d", q->flagged ? "true" : "false",
		    q->min_level);
	buf_appendf(&d, "},\"count\":%lld,\"revealed\":%s", (long long)count,
		    revealed ? "true" : "false");
	if (revealed) {
		buf_appends(&d, ",\"purpose\":");
		jsonx_quote(&d, q->purpose);
	}
	buf_appends(&d, "}");
	struct audit_entry e = {"register.export", "region", 0, d.data};
	int rc = store_audit_append_now(st, sc, &e, err);
	buf_release(&d);
	return rc;
}

int store_register_export(struct store *st, const struct wb_scope *sc,
			  const struct register_query *q, const struct register_sink *sink,
			  int64_t *count, struct wb_error *err)
{
	struct register_info info;
	struct register_row *row = NULL;
	char lo[REGION_CODE_MAX + 1], hi[REGION_CODE_MAX + 1], cutoff[11], today[11];
	int64_t days = date_today();
	int rc, idx = 1, unit = role_scoped_to_unit(sc->role);

	*count = 0;
	if ((rc = db_begin_read(st->db, err)) != 0)
		return rc;
	if ((rc = prepare(st, sc, q, &info, err)) != 0)
		goto out;
	if ((rc = sink->begin(sink->ctx, &info, err)) != 0)
		goto out;

	region_subtree_range(q->region, lo, hi);
	store_persons_minor_cutoff(cutoff);
	date_format(days, today);
	row = xcalloc(1, sizeof(*row)); /* ~5 KiB: kept off the (worker) stack */

	struct db_stmt *s = db_stmt(st->db, unit ? SQL_ROWS_S : SQL_ROWS_R);
	if (unit) {
		db_bind_int(s, idx++, sc->unit_id);
	} else {
		db_bind_text(s, idx++, sc->lo);
		db_bind_text(s, idx++, sc->hi);
	}
	db_bind_text(s, idx++, lo);
	db_bind_text(s, idx++, hi);
	db_bind_text(s, idx++, cutoff);
	for (int i = 0; i < 2; i++) /* `? IS NULL` and the child's own fact */
		db_bind_text(s, idx++, q->fact_type);
	db_bind_text(s, idx++, today);
	db_bind_text(s, idx++, today);
	db_bind_text(s, idx++, q->fact_type); /* a family member's fact */
	db_bind_text(s, idx++, today);
	db_bind_text(s, idx++, today);
	db_bind_int(s, idx++, q->flagged || q->category || q->min_level > 0);
	db_bind_text(s, idx++, today);
	db_bind_int(s, idx++, q->min_level);
	for (int i = 0; i < 2; i++) /* `? IS NULL` and the membership's category */
		db_bind_text(s, idx++, q->category);
	db_bind_int(s, idx++, role_can(sc->role, PERM_SENSITIVE_READ));
	while ((rc = db_step(s, err)) == DB_ROW) {
		fill(st, s, info.revealed, days, row);
		if ((rc = guardians(st, row->person_id, row, err)) != 0 ||
		    (rc = situation(st, sc, row->person_id, today, row, err)) != 0 ||
		    (rc = sink->row(sink->ctx, row, err)) != 0)
			break;
		(*count)++;
	}
	db_done(s);
	if (rc > 0)
		rc = 0;
out:
	if (row) {
		memset(row, 0, sizeof(*row));
		free(row);
	}
	if (rc) {
		db_rollback(st->db);
		return rc;
	}
	if ((rc = db_commit(st->db, err)) != 0)
		return rc;
	/* On record before the caller releases the file (see register.h). */
	return audit(st, sc, q, info.revealed, *count, err);
}
