/*
 * persons -- scoped storage of persons (see persons.h).
 */
#include "store/persons.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/jsonx.h"
#include "core/timeutil.h"
#include "domain/role.h"
#include "store/audit.h"
#include "store/db.h"
#include "store/regions.h"
#include "store/relations.h"
#include "store/relations_int.h"
#include "store/store.h"
#include "store/units.h"

#define ID_AD	 "persons.id_number"
#define PHONE_AD "persons.phone"

#define PERSON_COLS                                                                                \
	"p.id, p.name, p.gender, p.birth_date, p.id_cipher, p.ethnicity, p.household_region, "     \
	"p.residence_region, p.household_id, p.school_unit_id, p.phone_cipher, p.version, "        \
	"p.created_at, p.updated_at, p.id_hash"

/* Scope predicate: region subtree (?lo, ?hi), or the school's own students. */
#define SCOPE_REGION " p.scope_region >= ? AND p.scope_region < ? "
#define SCOPE_SCHOOL " p.school_unit_id = ? "

static const char SQL_GET_R[] =
	"SELECT " PERSON_COLS ", p.scope_region FROM persons p WHERE p.id = ? AND" SCOPE_REGION;
static const char SQL_GET_S[] =
	"SELECT " PERSON_COLS ", p.scope_region FROM persons p WHERE p.id = ? AND" SCOPE_SCHOOL;

/* The persons a row of an import concerned, as it found them (import_rows_person). */
#define BY_IMPORT                                                                                  \
	"AND (? = 0 OR EXISTS (SELECT 1 FROM import_rows ir WHERE ir.person_id = p.id AND "        \
	"ir.import_id = ? AND ir.action <> 'unchanged' AND (? IS NULL OR ir.action = ?))) "
static const char SQL_LIST_R[] =
	"SELECT " PERSON_COLS ", p.scope_region, r.name FROM persons p "
	"LEFT JOIN regions r ON r.code = p.household_region WHERE" SCOPE_REGION
	"AND p.scope_region >= ? AND p.scope_region < ? "
	"AND (? IS NULL OR p.birth_date > ?) AND (? IS NULL OR p.name LIKE ? ESCAPE '\\') "
	"AND (? IS NULL OR p.id_hash = ?) " BY_IMPORT
	"AND (p.scope_region, p.id) > (?, ?) ORDER BY p.scope_region, p.id LIMIT ?";
static const char SQL_LIST_S[] =
	"SELECT " PERSON_COLS ", p.scope_region, r.name FROM persons p "
	"LEFT JOIN regions r ON r.code = p.household_region WHERE" SCOPE_SCHOOL
	"AND p.scope_region >= ? AND p.scope_region < ? "
	"AND (? IS NULL OR p.birth_date > ?) AND (? IS NULL OR p.name LIKE ? ESCAPE '\\') "
	"AND (? IS NULL OR p.id_hash = ?) " BY_IMPORT
	"AND (p.scope_region, p.id) > (?, ?) ORDER BY p.scope_region, p.id LIMIT ?";

static const char SQL_INSERT[] =
	"INSERT INTO persons (name, gender, birth_date, id_cipher, id_hash, ethnicity, "
	"household_region, residence_region, scope_region, household_id, school_unit_id, "
	"phone_cipher, version, created_at, updated_at, created_by) "
	"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?) RETURNING id";
static const char SQL_UPDATE[] =
	"UPDATE persons SET name = ?, gender = ?, birth_date = ?, id_cipher = ?, id_hash = ?, "
	"ethnicity = ?, household_region = ?, residence_region = ?, scope_region = ?, "
	"school_unit_id = ?, phone_cipher = CASE WHEN ? = 1 THEN ? ELSE phone_cipher END, "
	"version = version + 1, updated_at = ? "
	"WHERE id = ? AND version = ?";
static const char SQL_BY_HASH[] =
	"SELECT p.id, p.scope_region, p.school_unit_id FROM persons p WHERE p.id_hash = ?";
static const char SQL_REGION_EXISTS[] = "SELECT 1 FROM regions WHERE code = ?";
static const char SQL_UNIT_IS_SCHOOL[] =
	"SELECT 1 FROM units WHERE id = ? AND type IN ('school', 'kindergarten')";

/* ---- sealing ------------------------------------------------------------------------ */

void store_persons_seal_id(const struct store *st, const char *id18, unsigned char *cipher,
			   size_t *cipher_len, unsigned char hash[SECRET_HASH_BYTES])
{
	secret_seal(st->keys, cipher, id18, IDNO_LEN, ID_AD, sizeof(ID_AD) - 1);
	*cipher_len = secret_sealed_len(IDNO_LEN);
	secret_lookup_hash(st->keys, hash, id18, IDNO_LEN);
}

void store_persons_seal_phone(const struct store *st, const char *phone, unsigned char *cipher,
			      size_t *cipher_len)
{
	size_t n = strlen(phone);
	secret_seal(st->keys, cipher, phone, n, PHONE_AD, sizeof(PHONE_AD) - 1);
	*cipher_len = secret_sealed_len(n);
}

int store_persons_open_id(const struct store *st, const void *cipher, size_t clen, const void *hash,
			  size_t hlen, char out[IDNO_LEN + 1])
{
	unsigned char check[SECRET_HASH_BYTES];
	if (!cipher || !hash || clen != secret_sealed_len(IDNO_LEN) || hlen != SECRET_HASH_BYTES)
		return -1;
	if (secret_open(st->keys, (unsigned char *)out, cipher, clen, ID_AD, sizeof(ID_AD) - 1))
		return -1;
	out[IDNO_LEN] = '\0';
	secret_lookup_hash(st->keys, check, out, IDNO_LEN);
	return secret_equal(check, hash, SECRET_HASH_BYTES) ? 0 : -1;
}

void store_persons_open_phone_masked(const struct store *st, const void *cipher, size_t clen,
				     char out[24])
{
	char plain[24];
	out[0] = '\0';
	if (!cipher || clen <= secret_sealed_len(0) || clen - secret_sealed_len(0) >= sizeof(plain))
		return;
	size_t n = clen - secret_sealed_len(0);
	if (secret_open(st->keys, (unsigned char *)plain, cipher, clen, PHONE_AD,
			sizeof(PHONE_AD) - 1))
		return;
	plain[n] = '\0';
	phone_mask(out, plain);
}

/* Decrypt the stored ID number and check it against its lookup hash, which binds the
 * ciphertext to its row. 0 on success. */
static int open_id(const struct store *st, struct db_stmt *s, int ccol, int hcol,
		   char out[IDNO_LEN + 1])
{
	size_t clen, hlen;
	const void *c = db_col_blob(s, ccol, &clen);
	const void *h = db_col_blob(s, hcol, &hlen);
	return store_persons_open_id(st, c, clen, h, hlen, out);
}

static void open_phone_masked(const struct store *st, struct db_stmt *s, int col, char out[24])
{
	size_t clen;
	const void *c = db_col_blob(s, col, &clen);
	store_persons_open_phone_masked(st, c, clen, out);
}

/* ---- reading rows ------------------------------------------------------------------- */

static const char *text_or_empty(struct db_stmt *s, int c)
{
	return db_col_is_null(s, c) ? "" : db_col_text(s, c);
}

static void fill(const struct store *st, struct db_stmt *s, struct person *p)
{
	char id[IDNO_LEN + 1];
	memset(p, 0, sizeof(*p));
	p->id = db_col_int(s, 0);
	snprintf(p->name, sizeof(p->name), "%s", db_col_text(s, 1));
	p->gender = db_col_text(s, 2)[0];
	snprintf(p->birth_date, sizeof(p->birth_date), "%s", text_or_empty(s, 3));
	if (!db_col_is_null(s, 4)) {
		p->has_id = 1;
		if (open_id(st, s, 4, 14, id) == 0)
			idno_mask(p->id_masked, id);
		else
			snprintf(p->id_masked, sizeof(p->id_masked), "(damaged)");
	}
	snprintf(p->ethnicity, sizeof(p->ethnicity), "%s", text_or_empty(s, 5));
	snprintf(p->household_region, sizeof(p->household_region), "%s", text_or_empty(s, 6));
	snprintf(p->residence_region, sizeof(p->residence_region), "%s", text_or_empty(s, 7));
	p->household_id = db_col_is_null(s, 8) ? 0 : db_col_int(s, 8);
	p->school_unit_id = db_col_is_null(s, 9) ? 0 : db_col_int(s, 9);
	open_phone_masked(st, s, 10, p->phone_masked);
	p->version = db_col_int(s, 11);
	snprintf(p->created_at, sizeof(p->created_at), "%s", db_col_text(s, 12));
	snprintf(p->updated_at, sizeof(p->updated_at), "%s", db_col_text(s, 13));
	/* every person query selects the scope region after the common columns */
	snprintf(p->scope_region, sizeof(p->scope_region), "%s", text_or_empty(s, 15));
}

static const char *get_sql(const struct wb_scope *sc)
{
	return role_scoped_to_unit(sc->role) ? SQL_GET_S : SQL_GET_R;
}

static void bind_scope(struct db_stmt *s, int idx, const struct wb_scope *sc)
{
	if (role_scoped_to_unit(sc->role)) {
		db_bind_int(s, idx, sc->unit_id);
	} else {
		db_bind_text(s, idx, sc->lo);
		db_bind_text(s, idx + 1, sc->hi);
	}
}

int store_scope_admits(const struct wb_scope *sc, const char *scope_region, int64_t school_unit_id)
{
	if (role_scoped_to_unit(sc->role))
		return school_unit_id != 0 && school_unit_id == sc->unit_id;
	return scope_region[0] && strcmp(scope_region, sc->lo) >= 0 &&
	       strcmp(scope_region, sc->hi) < 0;
}

int store_persons_not_found(struct wb_error *err)
{
	return wb_error_set(err, WB_ENOTFOUND, 404, "PERSON_NOT_FOUND",
			    "人员不存在或不在您的管辖范围内",
			    "no such person, or not within your area");
}

/* Load one row in scope, without auditing. */
static int load(struct store *st, const struct wb_scope *sc, int64_t id, struct person *out,
		char id_plain[IDNO_LEN + 1], struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, get_sql(sc));
	db_bind_int(s, 1, id);
	bind_scope(s, 2, sc);
	int rc = db_step(s, err);
	if (rc == DB_ROW) {
		if (out)
			fill(st, s, out);
		if (id_plain) {
			id_plain[0] = '\0';
			if (!db_col_is_null(s, 4) && open_id(st, s, 4, 14, id_plain))
				rc = wb_error_set(err, WB_EINTERNAL, 500, "ID_DAMAGED",
						  "身份证号码密文已损坏或被替换",
						  "the stored ID number is damaged or was swapped");
		}
	}
	db_done(s);
	if (rc == DB_DONE)
		return store_persons_not_found(err);
	return rc < 0 ? rc : 0;
}

int store_persons_visible(struct store *st, const struct wb_scope *sc, int64_t id,
			  struct wb_error *err)
{
	return load(st, sc, id, NULL, NULL, err);
}

static void add_names(struct store *st, struct person *p)
{
	struct unit_row u;
	if (p->household_region[0])
		store_regions_path_name(st, p->household_region, p->household_region_name,
					sizeof(p->household_region_name));
	if (p->residence_region[0])
		store_regions_path_name(st, p->residence_region, p->residence_region_name,
					sizeof(p->residence_region_name));
	if (p->school_unit_id && store_units_get(st, p->school_unit_id, &u, NULL) == 0)
		snprintf(p->school_name, sizeof(p->school_name), "%s", u.name);
}

int store_persons_get(struct store *st, const struct wb_scope *sc, int64_t id, struct person *out,
		      struct wb_error *err)
{
	int rc = load(st, sc, id, out, NULL, err);
	if (rc)
		return rc;
	add_names(st, out);
	store_persons_audit_read(st, sc, id);
	return 0;
}

void store_persons_audit_read(struct store *st, const struct wb_scope *sc, int64_t id)
{
	struct audit_entry e = {"person.read", "person", id, NULL};
	audit_queue_push(st, sc, &e);
}

int store_persons_get_with_relations(struct store *st, const struct wb_scope *sc, int64_t id,
				     struct person *out,
				     void (*person_cb)(void *ctx, const struct person *p),
				     void (*relation_cb)(void *ctx, const struct relation_row *r),
				     void *ctx, struct wb_error *err)
{
	int rc = store_persons_get(st, sc, id, out, err);
	if (rc)
		return rc;
	person_cb(ctx, out);
	return relations_list_in_scope(st, id, relation_cb, ctx, err);
}

/* ---- validation against stored data ------------------------------------------------ */

static int exists(struct store *st, const char *sql, const char *text, int64_t num,
		  struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, sql);
	if (text)
		db_bind_text(s, 1, text);
	else
		db_bind_int(s, 1, num);
	int rc = db_step(s, err);
	db_done(s);
	return rc;
}

static int check_region(struct store *st, const struct wb_scope *sc, const char *field,
			const char *code, int required, struct wb_error *err)
{
	if (!code || !*code) {
		if (!required)
			return 0;
		wb_error_detail(err, field, "REGION_REQUIRED", "区划为必填项");
		return WB_EINVAL;
	}
	int rc = exists(st, SQL_REGION_EXISTS, code, 0, err);
	if (rc < 0)
		return rc;
	if (rc != DB_ROW) {
		wb_error_detail(err, field, "REGION_UNKNOWN", "区划代码不存在");
		return WB_EINVAL;
	}
	(void)sc;
	return 0;
}

static int finish_invalid(struct wb_error *err)
{
	if (err->ndetails == 1)
		return wb_error_set(err, WB_EINVAL, 422, err->details[0].code,
				    err->details[0].message, "a field is invalid; see details");
	return wb_error_set(err, WB_EINVAL, 422, "VALIDATION", "数据校验未通过，请按提示修改",
			    "validation failed; see details");
}

/* Region fields, school and scope of a person about to be stored. */
static int check_places(struct store *st, const struct wb_scope *sc, const char *household,
			const char *residence, int64_t school, struct wb_error *err)
{
	int rc = 0, r;
	if ((r = check_region(st, sc, "household_region", household, 1, err)) != 0)
		rc = r;
	if ((r = check_region(st, sc, "residence_region", residence, 0, err)) != 0)
		rc = r;
	if (school) {
		r = exists(st, SQL_UNIT_IS_SCHOOL, NULL, school, err);
		if (r < 0)
			return r;
		if (r != DB_ROW) {
			wb_error_detail(err, "school_unit_id", "SCHOOL_UNKNOWN", "学校不存在");
			rc = WB_EINVAL;
		}
	}
	if (rc == WB_EINVAL)
		return finish_invalid(err);
	if (rc)
		return rc;
	const char *owner = residence && *residence ? residence : household;
	if (!store_scope_has_region(sc, owner))
		return wb_error_set(err, WB_EFORBIDDEN, 403, "REGION_OUT_OF_SCOPE",
				    "只能在您管辖的区划内登记人员",
				    "you can only register persons within your area");
	return 0;
}

static int duplicate_id(struct store *st, const struct wb_scope *sc,
			const unsigned char hash[SECRET_HASH_BYTES], int64_t self,
			struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_BY_HASH);
	db_bind_blob(s, 1, hash, SECRET_HASH_BYTES);
	int rc = db_step(s, err);
	int64_t other = 0;
	int visible = 0;
	if (rc == DB_ROW) {
		other = db_col_int(s, 0);
		visible = role_scoped_to_unit(sc->role)
				  ? (!db_col_is_null(s, 2) && db_col_int(s, 2) == sc->unit_id)
				  : store_scope_has_region(sc, db_col_text(s, 1));
	}
	db_done(s);
	if (rc < 0)
		return rc;
	if (rc == DB_DONE || other == self)
		return 0;
	char ref[48] = "";
	/* Say which record holds the number only when the caller may see it. */
	if (visible)
		snprintf(ref, sizeof(ref), "person %" PRId64, other);
	wb_error_setx(err, WB_ECONFLICT, 409, "ID_DUPLICATE", "该身份证号码已登记",
		      "this ID number is already registered", visible ? ref : NULL);
	wb_error_detail(err, "id_number", "ID_DUPLICATE", "该身份证号码已登记");
	return WB_ECONFLICT;
}

/* ---- create ----------------------------------------------------------------------- */

int store_persons_create(struct store *st, const struct wb_scope *sc, const struct person_new *in,
			 int64_t *id, struct wb_error *err)
{
	unsigned char idc[64], idh[SECRET_HASH_BYTES], phc[64];
	size_t idclen = 0, phclen = 0;
	char now[21], gender[2] = {in->v.gender, 0};
	const char *residence = in->residence_region[0] ? in->residence_region : NULL;

	int rc = db_begin_write(st->db, err);
	if (rc)
		return rc;
	rc = check_places(st, sc, in->household_region, residence, in->school_unit_id, err);
	if (rc)
		goto out;
	if (in->v.id_number[0]) {
		store_persons_seal_id(st, in->v.id_number, idc, &idclen, idh);
		if ((rc = duplicate_id(st, sc, idh, 0, err)) != 0)
			goto out;
	}
	if (in->v.phone[0])
		store_persons_seal_phone(st, in->v.phone, phc, &phclen);

	store_now(now);
	struct db_stmt *s = db_stmt(st->db, SQL_INSERT);
	db_bind_text(s, 1, in->v.name);
	db_bind_text(s, 2, gender);
	db_bind_text(s, 3, in->v.birth_date[0] ? in->v.birth_date : NULL);
	db_bind_blob(s, 4, idclen ? idc : NULL, idclen);
	db_bind_blob(s, 5, idclen ? idh : NULL, SECRET_HASH_BYTES);
	db_bind_text(s, 6, in->v.ethnicity[0] ? in->v.ethnicity : NULL);
	db_bind_text(s, 7, in->household_region);
	db_bind_text(s, 8, residence);
	db_bind_text(s, 9, residence ? residence : in->household_region);
	if (in->household_id)
		db_bind_int(s, 10, in->household_id);
	if (in->school_unit_id)
		db_bind_int(s, 11, in->school_unit_id);
	db_bind_blob(s, 12, phclen ? phc : NULL, phclen);
	db_bind_text(s, 13, now);
	db_bind_text(s, 14, now);
	if (sc->user_id)
		db_bind_int(s, 15, sc->user_id);
	rc = db_step(s, err);
	if (rc == DB_ROW)
		*id = db_col_int(s, 0);
	db_done(s);
	if (rc < 0)
		goto out;

	for (int i = 0; i < in->nrelations; i++) {
		rc = store_relations_add_tx(st, sc, *id, &in->relations[i], NULL, err);
		if (rc)
			goto out;
	}
	struct audit_entry e = {"person.create", "person", *id, NULL};
	rc = store_audit_append(st, sc, &e, err);
out:
	if (rc) {
		db_rollback(st->db);
		return rc;
	}
	return db_commit(st->db, err);
}

/* ---- update ----------------------------------------------------------------------- */

static void note_field(char *buf, size_t cap, const char *name)
{
	size_t n = strlen(buf);
	snprintf(buf + n, cap - n, "%s\"%s\"", n > 1 ? "," : "", name);
}

int store_persons_update(struct store *st, const struct wb_scope *sc, int64_t id,
			 int64_t expected_version, const struct person_patch *pt,
			 struct wb_error *err)
{
	struct person cur;
	char cur_id[IDNO_LEN + 1], gender[2], now[21], fields[256] = "[";
	char household[REGION_CODE_MAX + 1], residence[REGION_CODE_MAX + 1];
	unsigned char idc[64], idh[SECRET_HASH_BYTES], phc[64];
	size_t idclen = 0, phclen = 0;
	struct person_valid v;
	int64_t school;

	int rc = db_begin_write(st->db, err);
	if (rc)
		return rc;
	if ((rc = load(st, sc, id, &cur, cur_id, err)) != 0)
		goto out;
	if (cur.version != expected_version) {
		rc = wb_error_set(err, WB_ECONFLICT, 409, "VERSION_CONFLICT",
				  "数据已被他人修改，请刷新后重试",
				  "the record was changed by someone else; reload and try again");
		goto out;
	}

	/* Merge the patch over the stored values, then validate the whole person again, so
	 * that e.g. a new birth date is checked against the stored ID number. */
	struct person_input in = {
		.name = pt->has_name ? pt->name : cur.name,
		.gender = pt->has_gender ? pt->gender : (char[2]){cur.gender, 0},
		.birth_date = pt->has_birth_date ? pt->birth_date : cur.birth_date,
		.id_number = pt->has_id_number ? pt->id_number : cur_id,
		.ethnicity = pt->has_ethnicity ? pt->ethnicity : cur.ethnicity,
		.phone = NULL,
	};
	if (pt->has_phone)
		in.phone = pt->phone;
	if ((rc = person_validate(&v, &in, err)) != 0)
		goto out;

	snprintf(household, sizeof(household), "%s",
		 pt->has_household_region ? (pt->household_region ? pt->household_region : "")
					  : cur.household_region);
	snprintf(residence, sizeof(residence), "%s",
		 pt->has_residence_region ? (pt->residence_region ? pt->residence_region : "")
					  : cur.residence_region);
	school = pt->has_school_unit_id ? pt->school_unit_id : cur.school_unit_id;
	if ((rc = check_places(st, sc, household, residence[0] ? residence : NULL, school, err)))
		goto out;

	if (v.id_number[0]) {
		store_persons_seal_id(st, v.id_number, idc, &idclen, idh);
		if ((rc = duplicate_id(st, sc, idh, id, err)) != 0)
			goto out;
	}

	if (pt->has_name)
		note_field(fields, sizeof(fields), "name");
	if (pt->has_gender)
		note_field(fields, sizeof(fields), "gender");
	if (pt->has_birth_date)
		note_field(fields, sizeof(fields), "birth_date");
	if (pt->has_id_number)
		note_field(fields, sizeof(fields), "id_number");
	if (pt->has_ethnicity)
		note_field(fields, sizeof(fields), "ethnicity");
	if (pt->has_phone)
		note_field(fields, sizeof(fields), "phone");
	if (pt->has_household_region)
		note_field(fields, sizeof(fields), "household_region");
	if (pt->has_residence_region)
		note_field(fields, sizeof(fields), "residence_region");
	if (pt->has_school_unit_id)
		note_field(fields, sizeof(fields), "school_unit_id");
	size_t fl = strlen(fields);
	snprintf(fields + fl, sizeof(fields) - fl, "]");

	gender[0] = v.gender;
	gender[1] = '\0';
	store_now(now);
	struct db_stmt *s = db_stmt(st->db, SQL_UPDATE);
	db_bind_text(s, 1, v.name);
	db_bind_text(s, 2, gender);
	db_bind_text(s, 3, v.birth_date[0] ? v.birth_date : NULL);
	db_bind_blob(s, 4, idclen ? idc : NULL, idclen);
	db_bind_blob(s, 5, idclen ? idh : NULL, SECRET_HASH_BYTES);
	db_bind_text(s, 6, v.ethnicity[0] ? v.ethnicity : NULL);
	db_bind_text(s, 7, household);
	db_bind_text(s, 8, residence[0] ? residence : NULL);
	db_bind_text(s, 9, residence[0] ? residence : household);
	if (school)
		db_bind_int(s, 10, school);
	if (pt->has_phone && v.phone[0])
		store_persons_seal_phone(st, v.phone, phc, &phclen);
	db_bind_int(s, 11, pt->has_phone);
	db_bind_blob(s, 12, phclen ? phc : NULL, phclen);
	db_bind_text(s, 13, now);
	db_bind_int(s, 14, id);
	db_bind_int(s, 15, expected_version);
	rc = db_step(s, err);
	db_done(s);
	if (rc < 0)
		goto out;
	rc = 0;
	{
		char detail[300];
		snprintf(detail, sizeof(detail), "{\"fields\":%s,\"version\":%" PRId64 "}", fields,
			 expected_version + 1);
		struct audit_entry e = {"person.update", "person", id, detail};
		rc = store_audit_append(st, sc, &e, err);
	}
out:
	if (rc) {
		db_rollback(st->db);
		return rc;
	}
	return db_commit(st->db, err);
}

/* ---- list ---------------------------------------------------------------------------- */

static int parse_cursor(const char *c, char region[REGION_CODE_MAX + 1], int64_t *id)
{
	const char *dot = strchr(c, '.');
	size_t n = dot ? (size_t)(dot - c) : 0;
	char *end;
	if (!dot || n == 0 || n > REGION_CODE_MAX)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (c[i] < '0' || c[i] > '9')
			return -1;
	memcpy(region, c, n);
	region[n] = '\0';
	long long v = strtoll(dot + 1, &end, 10);
	if (*end || end == dot + 1 || v < 0)
		return -1;
	*id = v;
	return 0;
}

void store_persons_minor_cutoff(char out[11])
{
	int y, m, d;
	date_from_days(date_today(), &y, &m, &d);
	if (m == 2 && d == 29)
		d = 28;
	date_format(date_days(y - 18, m, d), out);
}

int store_persons_list(struct store *st, const struct wb_scope *sc, const struct person_query *q,
		       void (*cb)(void *ctx, const struct person *p), void *ctx,
		       char next_cursor[48], struct wb_error *err)
{
	char lo[REGION_CODE_MAX + 1], hi[REGION_CODE_MAX + 1], cur_region[REGION_CODE_MAX + 1] = "";
	char cutoff[11], like[200], idn[IDNO_LEN + 1], last_region[REGION_CODE_MAX + 1] = "";
	unsigned char idh[SECRET_HASH_BYTES];
	int64_t cur_id = 0, last_id = 0;
	int use_like = 0, use_id = 0, n = 0, idx = 1, rc;
	struct person p;

	next_cursor[0] = '\0';
	if (q->region) {
		region_subtree_range(q->region, lo, hi);
	} else {
		snprintf(lo, sizeof(lo), "%s", sc->lo);
		snprintf(hi, sizeof(hi), "%s", sc->hi);
	}
	if (q->cursor && *q->cursor && parse_cursor(q->cursor, cur_region, &cur_id))
		return wb_error_set(err, WB_EINVAL, 400, "CURSOR_INVALID", "分页游标无效",
				    "the pagination cursor is not valid");
	if (q->q && *q->q) {
		if (idno_normalize(idn, q->q, NULL) == 0) {
			secret_lookup_hash(st->keys, idh, idn, IDNO_LEN);
			use_id = 1;
		} else {
			/* Name part: escape LIKE's wildcards so they match literally. */
			size_t k = 0;
			like[k++] = '%';
			for (const char *c = q->q; *c && k + 3 < sizeof(like); c++) {
				if (*c == '%' || *c == '_' || *c == '\\')
					like[k++] = '\\';
				like[k++] = *c;
			}
			like[k++] = '%';
			like[k] = '\0';
			use_like = 1;
		}
	}
	store_persons_minor_cutoff(cutoff);

	struct db_stmt *s =
		db_stmt(st->db, role_scoped_to_unit(sc->role) ? SQL_LIST_S : SQL_LIST_R);
	bind_scope(s, idx, sc);
	idx += role_scoped_to_unit(sc->role) ? 1 : 2;
	db_bind_text(s, idx++, lo);
	db_bind_text(s, idx++, hi);
	db_bind_text(s, idx++, q->minors_only ? cutoff : NULL);
	db_bind_text(s, idx++, q->minors_only ? cutoff : NULL);
	db_bind_text(s, idx++, use_like ? like : NULL);
	db_bind_text(s, idx++, use_like ? like : NULL);
	db_bind_blob(s, idx++, use_id ? idh : NULL, SECRET_HASH_BYTES);
	db_bind_blob(s, idx++, use_id ? idh : NULL, SECRET_HASH_BYTES);
	db_bind_int(s, idx++, q->import_id);
	db_bind_int(s, idx++, q->import_id);
	db_bind_text(s, idx++, q->import_action);
	db_bind_text(s, idx++, q->import_action);
	db_bind_text(s, idx++, cur_region);
	db_bind_int(s, idx++, cur_id);
	db_bind_int(s, idx++, q->limit + 1);
	while ((rc = db_step(s, err)) == DB_ROW) {
		if (n == q->limit) {
			snprintf(next_cursor, 48, "%s.%" PRId64, last_region, last_id);
			break;
		}
		fill(st, s, &p);
		snprintf(p.household_region_name, sizeof(p.household_region_name), "%s",
			 text_or_empty(s, 16));
		snprintf(last_region, sizeof(last_region), "%s", db_col_text(s, 15));
		last_id = p.id;
		cb(ctx, &p);
		n++;
	}
	db_done(s);
	if (rc < 0)
		return rc;
	/* One entry per page: which area was listed and how many records were shown. */
	char detail[160];
	snprintf(detail, sizeof(detail),
		 "{\"region\":\"%s\",\"count\":%d,\"search\":%s,\"import\":%" PRId64 "}",
		 q->region ? q->region : sc->region, n, use_like || use_id ? "true" : "false",
		 q->import_id);
	struct audit_entry e = {"person.list", "region", 0, detail};
	audit_queue_push(st, sc, &e);
	return 0;
}

/* ---- reveal -------------------------------------------------------------------------- */

int store_persons_reveal(struct store *st, const struct wb_scope *sc, int64_t id,
			 const char *purpose, char out[IDNO_LEN + 1], struct wb_error *err)
{
	struct buf detail;
	int rc;

	if (!role_can(sc->role, PERM_ID_REVEAL))
		return wb_error_set(err, WB_EFORBIDDEN, 403, "FORBIDDEN",
				    "您的角色无权查看完整身份证号码",
				    "your role may not see full ID numbers");
	if (!role_purpose_stated(purpose)) {
		wb_error_set(
			err, WB_EINVAL, 422, "PURPOSE_REQUIRED",
			"查看完整身份证号码须说明用途（至少4个字）",
			"state the purpose of viewing the full ID number (at least 4 characters)");
		wb_error_detail(err, "purpose", "PURPOSE_REQUIRED", "请说明用途（至少4个字）");
		return WB_EINVAL;
	}
	if ((rc = load(st, sc, id, NULL, out, err)) != 0)
		return rc;
	if (!out[0])
		return wb_error_set(err, WB_ENOTFOUND, 404, "ID_NUMBER_ABSENT",
				    "该人员未登记身份证号码",
				    "no ID number is recorded for this person");
	/* The disclosure is on record before the number leaves the store. */
	buf_init(&detail, 0);
	buf_appends(&detail, "{\"purpose\":");
	jsonx_quote(&detail, purpose);
	buf_appends(&detail, "}");
	struct audit_entry e = {"person.reveal_id", "person", id, detail.data};
	rc = store_audit_append_now(st, sc, &e, err);
	buf_release(&detail);
	if (rc)
		memset(out, 0, IDNO_LEN + 1);
	return rc;
}
