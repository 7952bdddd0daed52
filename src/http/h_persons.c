/*
 * h_persons -- the registry endpoints. Scope is applied by the store (every call takes
 * r->scope); these handlers only parse, check the role's permission and render.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonw.h"
#include "core/timeutil.h"
#include "domain/person.h"
#include "domain/role.h"
#include "http/handlers.h"
#include "store/person_cache.h"
#include "store/imports.h"
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

/* Persons are written with the streaming writer, not a jansson tree: building, dumping
 * and freeing the tree was two fifths of a person read. The values come from the store,
 * which only keeps validated UTF-8. */
/* The members a person and a relative both open with: id, name, gender, birth date, age. */
static void write_identity(struct jsonw *w, int64_t id, const char *name, char gender_code,
			   const char *birth_date)
{
	char gender[2] = {gender_code, 0};
	int age = age_of(birth_date);
	jw_kint(w, "id", id);
	jw_kstr(w, "name", name);
	jw_kstr(w, "gender", gender);
	jw_kstr_or_null(w, "birth_date", birth_date);
	jw_key(w, "age");
	if (age >= 0)
		jw_int(w, age);
	else
		jw_null(w);
}

static void write_person(struct jsonw *w, const struct person *p, int full)
{
	jw_obj(w);
	write_identity(w, p->id, p->name, p->gender, p->birth_date);
	jw_kstr_or_null(w, "id_number", p->id_masked);
	jw_kbool(w, "id_number_masked", p->has_id);
	jw_kbool(w, "has_id_number", p->has_id);
	jw_kstr(w, "household_region", p->household_region);
	jw_kstr_or_null(w, "household_region_name", p->household_region_name);
	jw_kint(w, "version", p->version);
	if (full) {
		const char *eth = p->ethnicity[0] ? ethnicity_name(p->ethnicity) : NULL;
		jw_kstr_or_null(w, "ethnicity", p->ethnicity);
		jw_kstr_or_null(w, "ethnicity_name", eth);
		jw_kstr_or_null(w, "residence_region", p->residence_region);
		jw_kstr_or_null(w, "residence_region_name", p->residence_region_name);
		jw_kid_or_null(w, "household_id", p->household_id);
		jw_kid_or_null(w, "school_unit_id", p->school_unit_id);
		jw_kstr_or_null(w, "school_name", p->school_name);
		jw_kstr_or_null(w, "phone", p->phone_masked);
		jw_kstr(w, "created_at", p->created_at);
		jw_kstr(w, "updated_at", p->updated_at);
	}
	/* the caller closes the object (a read adds the relations) */
}

/* ---- list --------------------------------------------------------------------------- */

static void add_summary(void *ctx, const struct person *p)
{
	write_person(ctx, p, 0);
	jw_obj_end(ctx);
}

/* import=ID&action=created|updated|linked: the persons an import of the caller's area
 * found so (the links of its result). 0, or the refusal answered. */
static int list_by_import(struct req *r, struct person_query *q)
{
	const char *id = req_query(r, "import"), *action = req_query(r, "action");
	struct import_meta m;
	struct wb_error err;
	if (!id || !*id) {
		if (action && *action)
			return reply_errorx(r, 400, "IMPORT_REQUIRED",
					    "按处理方式筛选须指定导入编号",
					    "action goes with import"),
			       -1;
		return 0;
	}
	char *end;
	long long v = strtoll(id, &end, 10);
	wb_error_clear(&err);
	if (*end || v <= 0 || store_imports_get(r->st, &r->scope, v, &m, &err))
		return reply_errorx(r, 404, "IMPORT_NOT_FOUND",
				    "导入记录不存在或不在您的管辖范围内",
				    "no such import, or not within your area"),
		       -1;
	if (action && *action && strcmp(action, "created") && strcmp(action, "updated") &&
	    strcmp(action, "linked"))
		return reply_errorx(r, 400, "ACTION_INVALID",
				    "action 应为 created、updated 或 linked",
				    "action is created, updated or linked"),
		       -1;
	q->import_id = v;
	q->import_action = action && *action ? action : NULL;
	return 0;
}

int h_persons_list(struct req *r)
{
	struct wb_error err;
	char code[REGION_CODE_MAX + 1], next[48];
	struct person_query q = {.limit = LIST_LIMIT_DEFAULT};
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
	if (list_by_import(r, &q))
		return 0;

	/* A region outside the caller's subtree lists nothing, like an empty region. */
	struct buf b;
	struct jsonw w;
	buf_init(&b, 0);
	jw_init(&w, &b);
	jw_obj(&w);
	jw_key(&w, "items");
	jw_arr(&w);
	if (store_persons_list(r->st, &r->scope, &q, add_summary, &w, next, &err)) {
		buf_release(&b);
		return reply_error(r, &err);
	}
	jw_arr_end(&w);
	jw_kstr_or_null(&w, "next_cursor", next);
	jw_obj_end(&w);
	return reply_json_text(r, 200, &b, jw_failed(&w));
}

/* ---- read --------------------------------------------------------------------------- */

static void add_relation(void *ctx, const struct relation_row *rel)
{
	struct jsonw *w = ctx;
	jw_obj(w);
	jw_kint(w, "id", rel->id);
	jw_kstr(w, "kind", rel->kind);
	jw_kstr(w, "kind_name", rel->kind_name);
	jw_kstr(w, "direction", rel->outgoing ? "of_this" : "this_is");
	jw_kbool(w, "is_guardian", rel->is_guardian);
	jw_kbool(w, "lives_with", rel->lives_with);
	jw_key(w, "person");
	jw_obj(w);
	write_identity(w, rel->other_id, rel->other_name, rel->other_gender, rel->other_birth_date);
	jw_obj_end(w);
	jw_obj_end(w);
}

static void begin_read(void *ctx, const struct person *p)
{
	write_person(ctx, p, 1);
	jw_key(ctx, "relations");
	jw_arr(ctx);
}

/* Render a person with its relations. cache_version >= 0: keep the text in the person
 * cache under that registry version (read, like day, before the person was). */
static int render_person_cached(struct req *r, int64_t id, unsigned status, int64_t cache_version,
				int64_t day)
{
	struct person p;
	struct wb_error err;
	struct buf b;
	struct jsonw w;
	wb_error_clear(&err);
	buf_init(&b, 0);
	jw_init(&w, &b);
	if (store_persons_get_with_relations(r->st, &r->scope, id, &p, begin_read, add_relation, &w,
					     &err)) {
		buf_release(&b);
		return reply_error(r, &err);
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
	if (cache_version >= 0 && !jw_failed(&w))
		person_cache_put(&p, cache_version, day, b.data, b.len);
	return reply_json_text(r, status, &b, jw_failed(&w));
}

static int render_person(struct req *r, int64_t id, unsigned status)
{
	return render_person_cached(r, id, status, -1, 0);
}

/* A hit is answered with the entry's own ready response (body and headers made once,
 * on its first hit), queued under the cache's lock, so the entry cannot drop it in
 * between: no copy of the body and no header allocations a read. */
static void respond_cached(void *ctx, const char *data, size_t len, void **attachment)
{
	struct req *r = ctx;
	if (!*attachment)
		*attachment = reply_json_shared(data, len);
	if (*attachment)
		reply_queue_shared(r, 200, *attachment);
}

int h_persons_get(struct req *r)
{
	int64_t id, version = -1, day = date_today();
	struct wb_error err;
	if (req_require(r, PERM_PERSON_READ) || req_param_id(r, 0, &id))
		return 0;
	if (!person_cache_enabled())
		return render_person(r, id, 200);
	/* The route runs in one read transaction: the version read here is the one the
	 * person would be rendered under. */
	wb_error_clear(&err);
	if (store_registry_version(r->st, &version, &err))
		return reply_error(r, &err);
	int hit = person_cache_get(r->st, &r->scope, id, version, respond_cached, r, &err);
	if (hit == 1 && r->replied)
		return 0;
	if (hit < 0)
		return reply_error(r, &err);
	return render_person_cached(r, id, 200, version, day);
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
