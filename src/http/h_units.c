/* h_units -- list units in a region's subtree (GET /units?region=CODE&type=T). */
#include "domain/region.h"
#include "http/handlers.h"
#include "store/units.h"

static int add_unit(void *ctx, const struct unit_row *u)
{
	json_array_append_new(ctx, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "id",
					     (json_int_t)u->id, "name", u->name, "type", u->type,
					     "type_name", u->type_name, "region_code",
					     u->region_code, "region_name", u->region_name));
	return 0;
}

int h_units_list(struct req *r)
{
	char code[REGION_CODE_MAX + 1];
	struct wb_error err;
	const char *region = req_query(r, "region");
	const char *type = req_query(r, "type");

	wb_error_clear(&err);
	if (!region)
		region = r->scope.region;
	if (region_code_normalize(code, region, &err))
		return reply_error(r, &err);
	json_t *items = json_array();
	if (store_units_list(r->st, code, type && *type ? type : NULL, add_unit, items, &err)) {
		json_decref(items);
		return reply_error(r, &err);
	}
	return reply_json(r, 200, json_pack("{s:o}", "items", items));
}
