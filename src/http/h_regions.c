/*
 * h_regions -- the region tree. A user may open their own region, its ancestors (for
 * the breadcrumb) and everything below it; children outside the scope are left out, so
 * a village director at the county level sees only the branch down to their village.
 */
#include <stdio.h>
#include <string.h>

#include "core/timeutil.h"
#include "domain/region.h"
#include "http/handlers.h"
#include "store/regions.h"

/* Reachable: inside the user's subtree, or an ancestor of the user's region. */
static int reachable(const struct wb_scope *sc, const char *code)
{
	return region_in_subtree(code, sc->region) || region_in_subtree(sc->region, code);
}

static int load_region(struct req *r, struct region_row *reg)
{
	char code[REGION_CODE_MAX + 1];
	struct wb_error err;
	wb_error_clear(&err);
	if (region_code_normalize(code, r->params[0], &err)) {
		reply_error(r, &err);
		return -1;
	}
	if (!reachable(&r->scope, code) || store_regions_get(r->st, code, reg, &err)) {
		reply_errorx(r, 404, "REGION_NOT_FOUND", "区划不存在或不在您的管辖范围内",
			     "no such region, or not within your area");
		return -1;
	}
	return 0;
}

static json_t *region_json(const struct region_row *reg)
{
	return json_pack("{s:s, s:s, s:i, s:s, s:s, s:s?}", "code", reg->code, "name", reg->name,
			 "level", reg->level, "level_name", region_level_name(reg->level),
			 "level_name_en", region_level_name_en(reg->level), "parent_code",
			 reg->parent_code[0] ? reg->parent_code : NULL);
}

int h_region_get(struct req *r)
{
	struct region_row reg, up;
	if (load_region(r, &reg))
		return 0;
	json_t *path = json_array();
	up = reg;
	/* Ancestors first: province → … → this region. */
	for (int i = 0; i < 6; i++) {
		json_array_insert_new(path, 0,
				      json_pack("{s:s, s:s, s:i}", "code", up.code, "name", up.name,
						"level", up.level));
		if (!up.parent_code[0] || store_regions_get(r->st, up.parent_code, &up, NULL))
			break;
	}
	json_t *body = region_json(&reg);
	json_object_set_new(body, "path", path);
	json_object_set_new(body, "in_scope",
			    json_boolean(store_scope_has_region(&r->scope, reg.code)));
	return reply_json(r, 200, body);
}

struct children_ctx {
	struct req *r;
	json_t *items;
	char cutoff[11];
	int failed;
};

static int add_child(void *vctx, const struct region_row *c)
{
	struct children_ctx *ctx = vctx;
	int64_t persons = 0, minors = 0;
	if (!reachable(&ctx->r->scope, c->code))
		return 0;
	/* Counts only inside the caller's own subtree: aggregates are data too. */
	int counted = region_in_subtree(ctx->r->scope.region, c->code);
	if (counted &&
	    store_regions_counts(ctx->r->st, c->code, ctx->cutoff, &persons, &minors, NULL))
		ctx->failed = 1;
	json_t *item = region_json(c);
	json_object_set_new(item, "persons", counted ? json_integer(persons) : json_null());
	json_object_set_new(item, "minors", counted ? json_integer(minors) : json_null());
	json_array_append_new(ctx->items, item);
	return 0;
}

int h_region_children(struct req *r)
{
	struct region_row reg;
	struct wb_error err;
	struct children_ctx ctx = {r, json_array(), "", 0};
	int y, m, d;

	if (load_region(r, &reg)) {
		json_decref(ctx.items);
		return 0;
	}
	date_from_days(date_today(), &y, &m, &d);
	date_format(date_days(y - 18, m, m == 2 && d == 29 ? 28 : d), ctx.cutoff);
	wb_error_clear(&err);
	if (store_regions_children(r->st, reg.code, add_child, &ctx, &err)) {
		json_decref(ctx.items);
		return reply_error(r, &err);
	}
	return reply_json(r, 200,
			  json_pack("{s:o, s:o}", "region", region_json(&reg), "items", ctx.items));
}
