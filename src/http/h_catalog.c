/*
 * h_catalog -- code lists for forms: roles, unit types, relation kinds, fact types,
 * ethnicities, genders.
 */
#include "domain/person.h"
#include "domain/role.h"
#include "http/handlers.h"
#include "store/facts.h"
#include "store/relations.h"
#include "store/units.h"

static void add_code(void *ctx, const char *code, const char *name, const char *en)
{
	json_array_append_new(
		ctx, json_pack("{s:s, s:s, s:s}", "code", code, "name", name, "name_en", en));
}

static void add_fact_type(void *ctx, const char *code, const char *name, const char *en,
			  const char *kind, const char *values, int sensitive)
{
	json_array_append_new(ctx, json_pack("{s:s, s:s, s:s, s:s, s:s?, s:b}", "code", code,
					     "name", name, "name_en", en, "value_kind", kind,
					     "values", values, "sensitive", sensitive));
}

int h_catalog(struct req *r)
{
	struct wb_error err;
	json_t *roles = json_array(), *units = json_array(), *kinds = json_array();
	json_t *facts = json_array(), *eth = json_array();

	wb_error_clear(&err);
	for (int i = 1; i < ROLE_COUNT; i++)
		add_code(roles, role_code(i), role_name(i), role_name_en(i));
	for (int i = 0; i < ethnicity_count(); i++)
		json_array_append_new(eth, json_pack("{s:s, s:s}", "code", ethnicity_code_at(i),
						     "name", ethnicity_name(ethnicity_code_at(i))));
	if (store_unit_types(r->st, add_code, units, &err) ||
	    store_relation_kinds(r->st, add_code, kinds, &err) ||
	    store_fact_types(r->st, add_fact_type, facts, &err)) {
		json_decref(roles);
		json_decref(units);
		json_decref(kinds);
		json_decref(facts);
		json_decref(eth);
		return reply_error(r, &err);
	}
	json_t *genders =
		json_pack("[{s:s, s:s, s:s}, {s:s, s:s, s:s}, {s:s, s:s, s:s}]", "code", "M",
			  "name", "男", "name_en", "male", "code", "F", "name", "女", "name_en",
			  "female", "code", "U", "name", "未知", "name_en", "unknown");
	return reply_json(r, 200,
			  json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "roles", roles, "unit_types",
				    units, "relation_kinds", kinds, "fact_types", facts,
				    "ethnicities", eth, "genders", genders));
}
