/* h_facts -- a person's facts (list with history, record, correct) and the sources of the
 * person's fields. */
#include <string.h>

#include "domain/role.h"
#include "http/handlers.h"
#include "store/facts.h"
#include "store/person_sources.h"

static json_t *s_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *fact_json(const struct fact_row *f)
{
	json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id",
			      (json_int_t)f->id, "person_id", (json_int_t)f->person_id, "type",
			      f->type, "type_name", f->type_name, "value", s_or_null(f->value),
			      "valid_from", s_or_null(f->valid_from), "valid_to",
			      s_or_null(f->valid_to), "source_unit_id",
			      f->source_unit_id ? json_integer(f->source_unit_id) : json_null(),
			      "source_unit_name", s_or_null(f->source_unit_name), "source_doc",
			      s_or_null(f->source_doc), "note", s_or_null(f->note));
	json_object_set_new(o, "recorded_by", json_integer(f->recorded_by));
	json_object_set_new(o, "recorded_by_name", s_or_null(f->recorded_by_name));
	json_object_set_new(o, "recorded_at", json_string(f->recorded_at));
	json_object_set_new(o, "supersedes",
			    f->supersedes ? json_integer(f->supersedes) : json_null());
	json_object_set_new(o, "superseded_by",
			    f->superseded_by ? json_integer(f->superseded_by) : json_null());
	json_object_set_new(o, "current", json_boolean(!f->superseded_by && !f->retracted_at[0]));
	json_object_set_new(o, "import_id",
			    f->import_id ? json_integer(f->import_id) : json_null());
	json_object_set_new(o, "retracted_at",
			    f->retracted_at[0] ? json_string(f->retracted_at) : json_null());
	json_object_set_new(o, "sensitive", json_boolean(f->sensitive));
	return o;
}

static void add_fact(void *ctx, const struct fact_row *f)
{
	json_array_append_new(ctx, fact_json(f));
}

/* GET /persons/{id}/…: {"items": […]} of what list() gives for a person the reader may
 * read (the store function checks the person's scope and audits). */
static int person_items(struct req *r,
			int (*list)(struct req *r, int64_t id, json_t *items, struct wb_error *err))
{
	struct wb_error err;
	int64_t id;
	if (req_require(r, PERM_PERSON_READ) || req_param_id(r, 0, &id))
		return 0;
	wb_error_clear(&err);
	json_t *items = json_array();
	if (list(r, id, items, &err)) {
		json_decref(items);
		return reply_error(r, &err);
	}
	return reply_json(r, 200, json_pack("{s:o}", "items", items));
}

static int list_facts(struct req *r, int64_t id, json_t *items, struct wb_error *err)
{
	return store_facts_list(r->st, &r->scope, id, add_fact, items, err);
}

int h_facts_list(struct req *r)
{
	return person_items(r, list_facts);
}

static void add_source(void *ctx, const struct person_source_row *p)
{
	if (p->hidden) {
		json_array_append_new(ctx, json_pack("{s:s, s:b}", "field", p->field, "hidden", 1));
		return;
	}
	json_t *o = json_pack("{s:s, s:I, s:I, s:s, s:s, s:o, s:o, s:s, s:s}", "field", p->field,
			      "import_id", (json_int_t)p->import_id, "row", (json_int_t)p->row,
			      "profile", p->profile, "file_name", p->file_name, "source_unit_id",
			      p->source_unit_id ? json_integer(p->source_unit_id) : json_null(),
			      "source_unit_name", s_or_null(p->source_unit_name), "extract_date",
			      p->extract_date, "imported_at", p->imported_at);
	/* the texts are valid UTF-8 (person_sources.c copies them so): o is never NULL */
	json_object_set_new(o, "hidden", json_false());
	json_array_append_new(ctx, o);
}

static int list_sources(struct req *r, int64_t id, json_t *items, struct wb_error *err)
{
	return store_person_sources(r->st, &r->scope, id, add_source, items, err);
}

/* Where the person's fields came from: the import and row that last wrote each. */
int h_person_sources(struct req *r)
{
	return person_items(r, list_sources);
}

int h_facts_add(struct req *r)
{
	struct wb_error err;
	struct fact_input in;
	struct fact_row f;
	int64_t person, id = 0;
	static const char *const keys[] = {"type",     "value",		 "valid_from",
					   "valid_to", "source_unit_id", "source_doc",
					   "note",     "supersedes",	 NULL};

	if (req_require(r, PERM_FACT_WRITE) || req_param_id(r, 0, &person) || req_parse_json(r))
		return 0;
	wb_error_clear(&err);
	memset(&in, 0, sizeof(in));
	int bad = jcheck_keys(r->json, keys, &err);
	bad |= jget_str(r->json, "type", &in.type, &err) < 0;
	bad |= jget_str(r->json, "value", &in.value, &err) < 0;
	bad |= jget_str(r->json, "valid_from", &in.valid_from, &err) < 0;
	bad |= jget_str(r->json, "valid_to", &in.valid_to, &err) < 0;
	bad |= jget_str(r->json, "source_doc", &in.source_doc, &err) < 0;
	bad |= jget_str(r->json, "note", &in.note, &err) < 0;
	bad |= jget_int(r->json, "source_unit_id", &in.source_unit_id, &err) < 0;
	bad |= jget_int(r->json, "supersedes", &in.supersedes, &err) < 0;
	if (bad) {
		wb_error_set(&err, WB_EINVAL, 422,
			     err.ndetails == 1 ? err.details[0].code : "VALIDATION",
			     "数据校验未通过，请按提示修改", "validation failed; see details");
		return reply_error(r, &err);
	}
	if (in.valid_from && !*in.valid_from)
		in.valid_from = NULL;
	if (in.valid_to && !*in.valid_to)
		in.valid_to = NULL;
	if (store_facts_add(r->st, &r->scope, person, &in, &id, &err) ||
	    store_facts_get(r->st, &r->scope, id, &f, &err))
		return reply_error(r, &err);
	return reply_json(r, 201, fact_json(&f));
}
