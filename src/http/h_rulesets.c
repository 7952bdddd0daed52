/*
 * h_rulesets -- screening rule sets: list, read (text and rules), validate, preview the
 * impact of a text per township, save a draft, publish (the worker then re-screens
 * everyone with it). Reading needs PERM_PERSON_READ (the rules are public policy);
 * everything else PERM_RULES_ADMIN.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "domain/role.h"
#include "domain/rule.h"
#include "http/handlers.h"
#include "screen/service.h"

/* How long a request waits for a server that is still loading its snapshot. */
#include "store/audit.h"
#include "store/regions.h"
#include "store/screening.h"

static json_t *s_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *ruleset_json(const struct rule_set_row *r)
{
	return json_pack("{s:I, s:s, s:s, s:o, s:o, s:s, s:o, s:o}", "version",
			 (json_int_t)r->version, "label", r->label, "status", r->status, "note",
			 s_or_null(r->note), "created_by_name", s_or_null(r->created_by_name),
			 "created_at", r->created_at, "published_at", s_or_null(r->published_at),
			 "published_by_name", s_or_null(r->published_by_name));
}

static void add_ruleset(void *ctx, const struct rule_set_row *r)
{
	json_array_append_new(ctx, ruleset_json(r));
}

int h_rulesets_list(struct req *r)
{
	struct wb_error err;
	if (req_require(r, PERM_PERSON_READ))
		return 0;
	wb_error_clear(&err);
	json_t *items = json_array();
	if (store_rulesets_list(r->st, add_ruleset, items, &err)) {
		json_decref(items);
		return reply_error(r, &err);
	}
	return reply_json(r, 200, json_pack("{s:o}", "items", items));
}

static json_t *rules_json(const struct rule_set *rs)
{
	json_t *a = json_array();
	for (int i = 0; rs && i < rule_set_nrules(rs); i++) {
		const struct rule_info *ri = rule_set_rule(rs, i);
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:i}", "id", ri->id, "name",
						   ri->name, "basis", ri->basis, "line", ri->line));
	}
	return a;
}

int h_rulesets_get(struct req *r)
{
	struct rule_set_row row;
	struct wb_error err;
	struct rule_set *rs = NULL;
	struct rule_pos pos;
	int64_t v;
	if (req_require(r, PERM_PERSON_READ) || req_param_id(r, 0, &v))
		return 0;
	wb_error_clear(&err);
	if (store_rulesets_get(r->st, v, &row, &err))
		return reply_error(r, &err);
	rule_set_compile(&rs, row.source, strlen(row.source), &pos, &err);
	json_t *o = ruleset_json(&row);
	json_object_set_new(o, "source", json_string(row.source));
	json_object_set_new(o, "rules", rules_json(rs));
	rule_set_free(rs);
	free(row.source);
	return reply_json(r, 200, o);
}

/* The "source" of the body, or reply 422. */
static const char *body_source(struct req *r, const char *const *keys)
{
	struct wb_error err;
	const char *src = NULL;
	wb_error_clear(&err);
	if (req_parse_json(r))
		return NULL;
	if (jcheck_keys(r->json, keys, &err) | (jget_str(r->json, "source", &src, &err) < 0)) {
		reply_invalid(r, &err);
		return NULL;
	}
	if (!src || !*src) {
		wb_error_set(&err, WB_EINVAL, 422, "SOURCE_REQUIRED", "请提供规则文本",
			     "the rule text (source) is required");
		wb_error_detail(&err, "source", "SOURCE_REQUIRED", "请提供规则文本");
		reply_error(r, &err);
		return NULL;
	}
	return src;
}

int h_rulesets_validate(struct req *r)
{
	static const char *const keys[] = {"source", NULL};
	struct wb_error err;
	struct rule_set *rs = NULL;
	struct rule_pos pos = {0, 0};
	if (req_require(r, PERM_RULES_ADMIN))
		return 0;
	const char *src = body_source(r, keys);
	if (!src)
		return 0;
	wb_error_clear(&err);
	if (rule_set_compile(&rs, src, strlen(src), &pos, &err))
		return reply_json(r, 200,
				  json_pack("{s:b, s:s, s:i, s:i, s:s, s:s}", "ok", 0, "code",
					    err.code, "line", pos.line, "column", pos.col,
					    "message", err.message, "message_en", err.message_en));
	json_t *o = json_pack("{s:b, s:s, s:i, s:i, s:o}", "ok", 1, "label", rule_set_version(rs),
			      "rules", rule_set_nrules(rs), "categories", rule_set_ncategories(rs),
			      "rule_list", rules_json(rs));
	rule_set_free(rs);
	return reply_json(r, 200, o);
}

static void name_townships(struct req *r, json_t *preview)
{
	json_t *ts = json_object_get(preview, "townships");
	for (size_t i = 0; i < json_array_size(ts); i++) {
		json_t *t = json_array_get(ts, i);
		struct region_row reg;
		const char *code = json_string_value(json_object_get(t, "code"));
		if (code && store_regions_get(r->st, code, &reg, NULL) == 0)
			json_object_set_new(t, "name", json_string(reg.name));
	}
}

/* Synchronous: the engine screens the county twice in well under a second. */
int h_rulesets_preview(struct req *r)
{
	static const char *const keys[] = {"source", NULL};
	struct wb_error err;
	struct buf out;
	int line = 0, col = 0;
	if (req_require(r, PERM_RULES_ADMIN))
		return 0;
	struct screening *svc = screening_service_wait(SCREEN_WAIT_MS);
	if (!svc)
		return reply_errorx(r, 503, "SCREENING_NOT_READY", "筛查服务正在启动，请稍后再试",
				    "screening is starting; try again shortly");
	const char *src = body_source(r, keys);
	if (!src)
		return 0;
	wb_error_clear(&err);
	buf_init(&out, 8u << 20);
	if (screening_preview(svc, src, strlen(src), &out, &line, &col, &err)) {
		buf_release(&out);
		return reply_error(r, &err);
	}
	json_t *o = json_loads(out.data, 0, NULL);
	buf_release(&out);
	if (!o)
		return reply_errorx(r, 500, "INTERNAL", "服务器内部错误", "internal server error");
	name_townships(r, o);
	return reply_json(r, 200, o);
}

int h_rulesets_create(struct req *r)
{
	static const char *const keys[] = {"source", "label", "note", NULL};
	const char *label = NULL, *note = NULL;
	struct wb_error err;
	struct rule_set *rs = NULL;
	struct rule_pos pos;
	int64_t version = 0;
	if (req_require(r, PERM_RULES_ADMIN))
		return 0;
	const char *src = body_source(r, keys);
	if (!src)
		return 0;
	wb_error_clear(&err);
	if ((jget_str(r->json, "label", &label, &err) < 0) |
	    (jget_str(r->json, "note", &note, &err) < 0))
		return reply_invalid(r, &err);
	if (rule_set_compile(&rs, src, strlen(src), &pos, &err)) {
		wb_error_detail(&err, "source", err.code, err.message);
		return reply_error(r, &err);
	}
	if (!label || !*label)
		label = rule_set_version(rs);
	if (strlen(label) > 60 || (note && strlen(note) > 250)) {
		rule_set_free(rs);
		return reply_errorx(r, 422, "LABEL_TOO_LONG", "版本名称或说明过长",
				    "the label or note is too long");
	}
	int rc = store_rulesets_add(r->st, &r->scope, label, note, src, &version, &err);
	rule_set_free(rs);
	if (rc)
		return reply_error(r, &err);
	struct rule_set_row row;
	if (store_rulesets_get(r->st, version, &row, &err))
		return reply_error(r, &err);
	free(row.source);
	return reply_json(r, 201, ruleset_json(&row));
}

int h_rulesets_publish(struct req *r)
{
	struct wb_error err;
	struct rule_set_row row;
	int64_t v;
	if (req_require(r, PERM_RULES_ADMIN) || req_param_id(r, 0, &v))
		return 0;
	wb_error_clear(&err);
	if (store_rulesets_publish(r->st, &r->scope, v, &err) ||
	    store_rulesets_get(r->st, v, &row, &err))
		return reply_error(r, &err);
	free(row.source);
	screening_request_full("publish", r->scope.user_id);
	return reply_json(r, 200, ruleset_json(&row));
}
