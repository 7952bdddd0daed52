/*
 * h_persons -- the registry endpoints. Scope is applied by the store (every call takes
 * r->scope); these handlers only parse, check the role's permission and render.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "domain/person.h"
#include "domain/role.h"
#include "http/handlers.h"
#include "store/persons.h"
#include "store/relations.h"

#define LIST_LIMIT_DEFAULT 50
#define LIST_LIMIT_MAX	   200
#define MAX_RELATIONS	   16

static int age_of(const char *birth_date)
{
	int64_t b;
	if (!birth_date[0] || date_parse(birth_date, &b))
		return -1;
	return date_age(b, date_today());
}

/* The values come from the store, which only keeps validated UTF-8: the *_nocheck
 * constructors skip jansson's second validation (a person read builds ~40 of them, and
 * json_pack's format parsing was a sixth of the request). */
static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string_nocheck(s) : json_null();
}

static json_t *id_or_null(int64_t id)
{
	return id ? json_integer(id) : json_null();
}

static void set(json_t *o, const char *key, json_t *v)
{
	json_object_set_new_nocheck(o, key, v);
}

static json_t *person_json(const struct person *p, int full)
{
	char gender[2] = {p->gender, 0};
	int age = age_of(p->birth_date);
	json_t *o = json_object();
	set(o, "id", json_integer(p->id));
	set(o, "name", json_string_nocheck(p->name));
	set(o, "gender", json_string_nocheck(gender));
	set(o, "birth_date", str_or_null(p->birth_date));
	set(o, "age", age >= 0 ? json_integer(age) : json_null());
	set(o, "id_number", str_or_null(p->id_masked));
	set(o, "id_number_masked", json_boolean(p->has_id));
	set(o, "has_id_number", json_boolean(p->has_id));
	set(o, "household_region", json_string_nocheck(p->household_region));
	set(o, "household_region_name", str_or_null(p->household_region_name));
	set(o, "version", json_integer(p->version));
	if (!full)
		return o;
	const char *eth = p->ethnicity[0] ? ethnicity_name(p->ethnicity) : NULL;
	set(o, "ethnicity", str_or_null(p->ethnicity));
	set(o, "ethnicity_name", str_or_null(eth));
	set(o, "residence_region", str_or_null(p->residence_region));
	set(o, "residence_region_name", str_or_null(p->residence_region_name));
	set(o, "household_id", id_or_null(p->household_id));
	set(o, "school_unit_id", id_or_null(p->school_unit_id));
	set(o, "school_name", str_or_null(p->school_name));
	set(o, "phone", str_or_null(p->phone_masked));
	set(o, "created_at", json_string_nocheck(p->created_at));
	set(o, "updated_at", json_string_nocheck(p->updated_at));
	return o;
}

/* ---- list --------------------------------------------------------------------------- */

static void add_summary(void *ctx, const struct person *p)
{
	json_array_append_new(ctx, person_json(p, 0));
}

int h_persons_list(struct req *r)
{
	struct wb_error err;
	char code[REGION_CODE_MAX + 1], next[48];
	struct person_query q = {NULL, NULL, 0, LIST_LIMIT_DEFAULT, NULL};
	const char *region = req_query(r, "region"), *limit = req_query(r, "limit");
	const char *minors = req_query(r, "minors");

	if (req_require(r, PERM_PERSON_READ))
		return 0;
	wb_error_clear(&err);
	if (region && *region) {
		if (region_code_normalize(code, region, &err))
			return reply_error(r, &err);
		q.region = code;
	}
	if (limit) {
		char *end;
		long v = strtol(limit, &end, 10);
		if (*end || v < 1 || v > LIST_LIMIT_MAX)
			return reply_errorx(r, 400, "LIMIT_INVALID",
					    "limit 应为 1 到 200 之间的整数",
					    "limit must be an integer from 1 to 200");
		q.limit = (int)v;
	}
	q.q = req_query(r, "q");
	if (q.q && strlen(q.q) > 64)
		return reply_errorx(r, 400, "QUERY_TOO_LONG", "搜索词过长",
				    "the search text is too long");
	q.cursor = req_query(r, "cursor");
	q.minors_only = minors && (!strcmp(minors, "1") || !strcmp(minors, "true"));

	/* A region outside the caller's subtree lists nothing, like an empty region. */
	json_t *items = json_array();
	if (store_persons_list(r->st, &r->scope, &q, add_summary, items, next, &err)) {
		json_decref(items);
		return reply_error(r, &err);
	}
	return reply_json(
		r, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", str_or_null(next)));
}

/* ---- read --------------------------------------------------------------------------- */

static void add_relation(void *ctx, const struct relation_row *rel)
{
	char gender[2] = {rel->other_gender, 0};
	int age = age_of(rel->other_birth_date);
	json_t *o = json_object(), *other = json_object();
	set(o, "id", json_integer(rel->id));
	set(o, "kind", json_string_nocheck(rel->kind));
	set(o, "kind_name", json_string_nocheck(rel->kind_name));
	set(o, "direction", json_string_nocheck(rel->outgoing ? "of_this" : "this_is"));
	set(o, "is_guardian", json_boolean(rel->is_guardian));
	set(o, "lives_with", json_boolean(rel->lives_with));
	set(other, "id", json_integer(rel->other_id));
	set(other, "name", json_string_nocheck(rel->other_name));
	set(other, "gender", json_string_nocheck(gender));
	set(other, "birth_date", str_or_null(rel->other_birth_date));
	set(other, "age", age >= 0 ? json_integer(age) : json_null());
	set(o, "person", other);
	json_array_append_new(ctx, o);
}

static int render_person(struct req *r, int64_t id, unsigned status)
{
	struct person p;
	struct wb_error err;
	wb_error_clear(&err);
	if (store_persons_get(r->st, &r->scope, id, &p, &err))
		return reply_error(r, &err);
	json_t *o = person_json(&p, 1), *rels = json_array();
	if (store_relations_list(r->st, &r->scope, id, add_relation, rels, &err)) {
		json_decref(o);
		json_decref(rels);
		return reply_error(r, &err);
	}
	json_object_set_new(o, "relations", rels);
	return reply_json(r, status, o);
}

int h_persons_get(struct req *r)
{
	int64_t id;
	if (req_require(r, PERM_PERSON_READ) || req_param_id(r, 0, &id))
		return 0;
	return render_person(r, id, 200);
}

/* ---- create ------------------------------------------------------------------------- */

static int read_region_field(json_t *obj, const char *key, char out[REGION_CODE_MAX + 1],
			     struct wb_error *err)
{
	const char *v;
	struct wb_error rerr;
	out[0] = '\0';
	if (jget_str(obj, key, &v, err) < 0)
		return -1;
	if (!v || !*v)
		return 0;
	wb_error_clear(&rerr);
	if (region_code_normalize(out, v, &rerr)) {
		wb_error_detail(err, key, "REGION_CODE_FORMAT", "区划代码格式错误");
		return -1;
	}
	return 0;
}

static int parse_relations(json_t *arr, struct relation_input *out, int *n, struct wb_error *err)
{
	size_t i;
	json_t *v;
	*n = 0;
	if (!arr || json_is_null(arr))
		return 0;
	if (!json_is_array(arr) || json_array_size(arr) > MAX_RELATIONS) {
		wb_error_detail(err, "relations", "TYPE_INVALID", "应为关系数组（最多16项）");
		return -1;
	}
	json_array_foreach (arr, i, v) {
		static const char *const keys[] = {"kind", "person_id", "is_guardian", "lives_with",
						   NULL};
		struct relation_input *ri = &out[i];
		memset(ri, 0, sizeof(*ri));
		if (!json_is_object(v) || jcheck_keys(v, keys, err) ||
		    jget_str(v, "kind", &ri->kind, err) < 0 ||
		    jget_int(v, "person_id", &ri->person_id, err) < 0 ||
		    jget_bool(v, "is_guardian", &ri->is_guardian, err) < 0 ||
		    jget_bool(v, "lives_with", &ri->lives_with, err) < 0 || !ri->kind ||
		    ri->person_id <= 0) {
			wb_error_detail(err, "relations", "RELATION_INVALID",
					"关系须包含 kind 和 person_id");
			return -1;
		}
		(*n)++;
	}
	return 0;
}

static const char *const person_keys[] = {
	"name",	     "gender",		 "birth_date",	     "id_number",
	"ethnicity", "household_region", "residence_region", "school_unit_id",
	"phone",     "relations",	 "household_id",     NULL};

static int invalid_reply(struct req *r, struct wb_error *err)
{
	if (!err->code[0]) {
		if (err->ndetails == 1)
			wb_error_set(err, WB_EINVAL, 422, err->details[0].code,
				     err->details[0].message, "a field is invalid; see details");
		else
			wb_error_set(err, WB_EINVAL, 422, "VALIDATION",
				     "数据校验未通过，请按提示修改",
				     "validation failed; see details");
	}
	return reply_error(r, err);
}

int h_persons_create(struct req *r)
{
	struct wb_error err, verr;
	struct person_new pn;
	struct person_input in = {0};
	struct relation_input rels[MAX_RELATIONS];
	int64_t id = 0;

	if (req_require(r, PERM_PERSON_WRITE) || req_parse_json(r))
		return 0;
	wb_error_clear(&err);
	memset(&pn, 0, sizeof(pn));
	int bad = jcheck_keys(r->json, person_keys, &err);
	bad |= jget_str(r->json, "name", &in.name, &err) < 0;
	bad |= jget_str(r->json, "gender", &in.gender, &err) < 0;
	bad |= jget_str(r->json, "birth_date", &in.birth_date, &err) < 0;
	bad |= jget_str(r->json, "id_number", &in.id_number, &err) < 0;
	bad |= jget_str(r->json, "ethnicity", &in.ethnicity, &err) < 0;
	bad |= jget_str(r->json, "phone", &in.phone, &err) < 0;
	bad |= jget_int(r->json, "school_unit_id", &pn.school_unit_id, &err) < 0;
	bad |= jget_int(r->json, "household_id", &pn.household_id, &err) < 0;
	bad |= read_region_field(r->json, "household_region", pn.household_region, &err) < 0;
	bad |= read_region_field(r->json, "residence_region", pn.residence_region, &err) < 0;
	bad |= parse_relations(json_object_get(r->json, "relations"), rels, &pn.nrelations, &err);
	if (!pn.household_region[0] && !bad) {
		wb_error_detail(&err, "household_region", "REGION_REQUIRED", "户籍地区划为必填项");
		bad = 1;
	}
	/* Field validation adds its own details; report everything at once. */
	wb_error_clear(&verr);
	if (person_validate(&pn.v, &in, &verr)) {
		for (int i = 0; i < verr.ndetails; i++)
			wb_error_detail(&err, verr.details[i].field, verr.details[i].code,
					verr.details[i].message);
		if (!bad && verr.ndetails == 1) {
			err = verr;
		}
		bad = 1;
	}
	if (bad)
		return invalid_reply(r, &err);
	if (pn.household_id) /* households come from imports and the demo, not from here */
		pn.household_id = 0;
	pn.relations = rels;
	wb_error_clear(&err);
	if (store_persons_create(r->st, &r->scope, &pn, &id, &err))
		return reply_error(r, &err);
	return render_person(r, id, 201);
}

/* ---- update ------------------------------------------------------------------------- */

int h_persons_update(struct req *r)
{
	struct wb_error err;
	struct person_patch pt;
	int64_t id, version = 0;
	char household[REGION_CODE_MAX + 1], residence[REGION_CODE_MAX + 1];
	static const char *const keys[] = {"version",
					   "name",
					   "gender",
					   "birth_date",
					   "id_number",
					   "ethnicity",
					   "household_region",
					   "residence_region",
					   "school_unit_id",
					   "phone",
					   NULL};

	if (req_require(r, PERM_PERSON_WRITE) || req_param_id(r, 0, &id) || req_parse_json(r))
		return 0;
	wb_error_clear(&err);
	memset(&pt, 0, sizeof(pt));
	int bad = jcheck_keys(r->json, keys, &err);
	if (jget_int(r->json, "version", &version, &err) != 1 || version <= 0) {
		wb_error_detail(&err, "version", "VERSION_REQUIRED", "须提供当前版本号 version");
		bad = 1;
	}
#define FIELD(k)                                                                                   \
	do {                                                                                       \
		int got = jget_str(r->json, #k, &pt.k, &err);                                      \
		bad |= got < 0;                                                                    \
		pt.has_##k = got == 1;                                                             \
	} while (0)
	FIELD(name);
	FIELD(gender);
	FIELD(birth_date);
	FIELD(id_number);
	FIELD(ethnicity);
	FIELD(phone);
#undef FIELD
	if (json_object_get(r->json, "household_region")) {
		pt.has_household_region = 1;
		bad |= read_region_field(r->json, "household_region", household, &err) < 0;
		if (!household[0]) {
			wb_error_detail(&err, "household_region", "REGION_REQUIRED",
					"户籍地区划为必填项");
			bad = 1;
		}
		pt.household_region = household;
	}
	if (json_object_get(r->json, "residence_region")) {
		pt.has_residence_region = 1;
		bad |= read_region_field(r->json, "residence_region", residence, &err) < 0;
		pt.residence_region = residence[0] ? residence : NULL;
	}
	if (json_object_get(r->json, "school_unit_id")) {
		pt.has_school_unit_id = 1;
		bad |= jget_int(r->json, "school_unit_id", &pt.school_unit_id, &err) < 0;
	}
	if (bad)
		return invalid_reply(r, &err);
	if (store_persons_update(r->st, &r->scope, id, version, &pt, &err))
		return reply_error(r, &err);
	return render_person(r, id, 200);
}

/* ---- reveal and relations ------------------------------------------------------------ */

int h_persons_reveal(struct req *r)
{
	struct wb_error err;
	const char *purpose = NULL;
	char idn[IDNO_LEN + 1];
	int64_t id;
	static const char *const keys[] = {"purpose", NULL};

	if (req_require(r, PERM_ID_REVEAL) || req_param_id(r, 0, &id) || req_parse_json(r))
		return 0;
	wb_error_clear(&err);
	if (jcheck_keys(r->json, keys, &err) || jget_str(r->json, "purpose", &purpose, &err) < 0)
		return invalid_reply(r, &err);
	if (store_persons_reveal(r->st, &r->scope, id, purpose, idn, &err))
		return reply_error(r, &err);
	return reply_json(r, 200, json_pack("{s:I, s:s}", "id", (json_int_t)id, "id_number", idn));
}

int h_relations_add(struct req *r)
{
	struct wb_error err;
	struct relation_input ri;
	int64_t id, rel_id = 0;
	json_t *one;

	if (req_require(r, PERM_PERSON_WRITE) || req_param_id(r, 0, &id) || req_parse_json(r))
		return 0;
	wb_error_clear(&err);
	int n = 0;
	one = json_array();
	json_array_append(one, r->json);
	int bad = parse_relations(one, &ri, &n, &err);
	json_decref(one);
	if (bad)
		return invalid_reply(r, &err);
	if (store_relations_add(r->st, &r->scope, id, &ri, &rel_id, &err))
		return reply_error(r, &err);
	return render_person(r, id, 201);
}
