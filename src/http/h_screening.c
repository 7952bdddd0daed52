/*
 * h_screening -- a child's screening (categories, level, why), officers' confirmations,
 * rejections and level overrides, the category registers (台账) with counts per region,
 * and the state of the screening worker.
 *
 * Roles without PERM_SENSITIVE_READ (grid workers, the system administrator) see the
 * level and the categories that rest on no criminal or psychological fact, without the
 * explanation: the reasons would name those facts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "domain/region.h"
#include "domain/role.h"
#include "domain/rule.h"
#include "domain/screen.h"
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

static int not_ready(struct req *r)
{
	return reply_errorx(r, 503, "SCREENING_NOT_READY", "筛查服务正在启动，请稍后再试",
			    "screening is starting; try again shortly");
}

/* The category's display name in the current rule set, or its code. */
static const char *category_name(const struct rule_set *rs, const char *code, int en)
{
	int i = rs ? rule_set_category_find(rs, code) : -1;
	if (i < 0)
		return code;
	return en ? rule_set_category(rs, i)->name_en : rule_set_category(rs, i)->name;
}

/* Level text codes <-> numbers. */
static int level_from_code(const char *s)
{
	for (int i = 0; i <= SCREEN_LEVEL_RED; i++)
		if (!strcmp(s, screen_level_code(i)))
			return i;
	return -1;
}

/* ---- GET /api/v1/screening/categories --------------------------------------------- */

int h_screening_categories(struct req *r)
{
	int64_t version;
	struct screening *svc = screening_service_wait(SCREEN_WAIT_MS);
	if (req_require(r, PERM_PERSON_READ))
		return 0;
	if (!svc)
		return not_ready(r);
	struct rule_set *rs = screening_rules(svc, &version);
	json_t *cats = json_array(), *levels = json_array();
	for (int i = 0; i < rule_set_ncategories(rs); i++) {
		const struct rule_category *c = rule_set_category(rs, i);
		json_array_append_new(cats, json_pack("{s:s, s:s, s:s}", "code", c->code, "name",
						      c->name, "name_en", c->name_en));
	}
	for (int l = SCREEN_LEVEL_RED; l >= SCREEN_LEVEL_BLUE; l--)
		json_array_append_new(levels, json_pack("{s:i, s:s, s:s}", "level", l, "code",
							screen_level_code(l), "name",
							screen_level_name(l)));
	json_t *o = json_pack("{s:{s:I, s:s}, s:o, s:o}", "ruleset", "version", (json_int_t)version,
			      "label", rule_set_version(rs), "categories", cats, "levels", levels);
	rule_set_free(rs);
	return reply_json(r, 200, o);
}

/* ---- a child's screening ------------------------------------------------------------- */

static void add_event(void *ctx, const struct screen_event_row *e)
{
	json_t *o = json_pack("{s:I, s:s, s:o, s:o, s:o, s:I, s:s}", "id", (json_int_t)e->id,
			      "kind", e->kind, "category", s_or_null(e->category), "before",
			      e->before >= 0 ? json_integer(e->before) : json_null(), "after",
			      e->after >= 0 ? json_integer(e->after) : json_null(), "rule_version",
			      (json_int_t)e->rule_version, "at", e->at);
	json_array_append_new(ctx, o);
}

static void add_decision(void *ctx, const struct screen_decision_row *d)
{
	json_array_append_new(ctx,
			      json_pack("{s:I, s:s, s:s, s:o, s:s, s:s}", "id", (json_int_t)d->id,
					"category", d->category, "decision", d->decision, "reason",
					s_or_null(d->reason), "decided_by_name", d->decided_by_name,
					"decided_at", d->decided_at));
}

/* Drop history entries about categories the caller may not see. */
static void filter_history(json_t *hist, const struct screen_person_row *p, int sens)
{
	if (sens)
		return;
	for (size_t i = json_array_size(hist); i-- > 0;) {
		const char *cat =
			json_string_value(json_object_get(json_array_get(hist, i), "category"));
		int visible = cat == NULL;
		for (int m = 0; m < p->nmem && cat && !visible; m++)
			visible = !strcmp(p->mem[m].category, cat) && !p->mem[m].sensitive;
		if (!visible)
			json_array_remove(hist, i);
	}
}

static json_t *computed_json(const struct screen_person_row *p)
{
	if (!p->found)
		return json_null();
	return json_pack("{s:i, s:s, s:s, s:i, s:o, s:s, s:s, s:I}", "level", p->level,
			 "level_code", screen_level_code(p->level), "level_name",
			 screen_level_name(p->level), "score", p->score, "guardianship",
			 s_or_null(p->guardianship), "eval_date", p->eval_date, "computed_at",
			 p->computed_at, "rule_version", (json_int_t)p->rule_version);
}

static json_t *override_json(const struct screen_person_row *p)
{
	if (!p->has_override)
		return json_null();
	const struct screen_override_row *o = &p->ov;
	return json_pack("{s:I, s:i, s:s, s:i, s:s, s:s, s:s, s:s}", "id", (json_int_t)o->id,
			 "level", o->level, "level_code", screen_level_code(o->level), "computed",
			 o->computed, "reason", o->reason, "expires_on", o->expires_on,
			 "created_by_name", o->created_by_name, "created_at", o->created_at);
}

static json_t *memberships_json(const struct screen_person_row *p, const struct rule_set *rs,
				int sens)
{
	json_t *a = json_array();
	for (int i = 0; i < p->nmem; i++) {
		const struct screen_membership_row *m = &p->mem[i];
		if (m->sensitive && !sens)
			continue;
		json_array_append_new(
			a, json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}", "category", m->category,
				     "name", category_name(rs, m->category, 0), "name_en",
				     category_name(rs, m->category, 1), "status", m->status,
				     "since", m->since, "sensitive", m->sensitive));
	}
	return a;
}

static json_t *explanation_json(const struct screen_person_row *p, int sens)
{
	if (!sens || !p->explanation)
		return json_null();
	json_t *e = json_loads(p->explanation, 0, NULL);
	return e ? e : json_null();
}

/* The whole screening view of one person, or NULL with the error replied. */
static json_t *person_view(struct req *r, int64_t id)
{
	struct screen_person_row p;
	struct wb_error err;
	int sens = role_can(r->scope.role, PERM_SENSITIVE_READ);
	wb_error_clear(&err);
	json_t *hist = json_array(), *dec = json_array();
	struct screening *svc = screening_service();
	struct rule_set *rs = svc ? screening_rules(svc, NULL) : NULL;
	int rc = store_screening_person(r->st, &r->scope, id, &p, &err);
	if (!rc)
		rc = store_screening_events(r->st, &r->scope, id, 100, add_event, hist, &err);
	if (!rc)
		rc = store_screening_decisions(r->st, &r->scope, id, add_decision, dec, &err);
	if (rc) {
		json_decref(hist);
		json_decref(dec);
		rule_set_free(rs);
		reply_error(r, &err);
		return NULL;
	}
	filter_history(hist, &p, sens);
	if (!sens)
		json_array_clear(dec);
	int eff = p.found || p.has_override ? p.effective : 0;
	json_t *o = json_pack(
		"{s:I, s:o, s:i, s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "person_id", (json_int_t)id,
		"computed", computed_json(&p), "effective_level", eff, "effective_level_code",
		screen_level_code(eff), "effective_level_name", screen_level_name(eff), "override",
		override_json(&p), "memberships", memberships_json(&p, rs, sens), "explanation",
		explanation_json(&p, sens), "decisions", dec, "history", hist);
	free(p.explanation);
	rule_set_free(rs);
	return o;
}

int h_person_screening(struct req *r)
{
	int64_t id;
	if (req_require(r, PERM_PERSON_READ) || req_param_id(r, 0, &id))
		return 0;
	json_t *o = person_view(r, id);
	return o ? reply_json(r, 200, o) : 0;
}

static int bad_field(struct req *r, const char *field, const char *code, const char *zh,
		     const char *en)
{
	struct wb_error err;
	wb_error_clear(&err);
	wb_error_set(&err, WB_EINVAL, 422, code, zh, en);
	wb_error_detail(&err, field, code, zh);
	return reply_error(r, &err);
}

int h_person_screening_decide(struct req *r)
{
	static const char *const keys[] = {"category", "decision", "reason", NULL};
	const char *cat = NULL, *decision = NULL, *reason = NULL;
	struct wb_error err;
	int64_t id;
	if (req_require(r, PERM_SCREEN_DECIDE) || req_param_id(r, 0, &id) || req_parse_json(r))
		return 0;
	wb_error_clear(&err);
	if (jcheck_keys(r->json, keys, &err) | (jget_str(r->json, "category", &cat, &err) < 0) |
	    (jget_str(r->json, "decision", &decision, &err) < 0) |
	    (jget_str(r->json, "reason", &reason, &err) < 0))
		return reply_invalid(r, &err);
	if (!cat || !*cat || strlen(cat) >= SCREEN_CODE_MAX)
		return bad_field(r, "category", "CATEGORY_REQUIRED", "请指定类别",
				 "the category is required");
	if (!decision || (strcmp(decision, "confirm") && strcmp(decision, "reject")))
		return bad_field(r, "decision", "DECISION_INVALID",
				 "决定须为确认（confirm）或排除（reject）",
				 "decision must be confirm or reject");
	if (!strcmp(decision, "reject") && (!reason || strlen(reason) < 2))
		return bad_field(r, "reason", "REASON_REQUIRED", "排除须填写理由",
				 "a rejection needs a reason");
	if (reason && strlen(reason) > 500)
		return bad_field(r, "reason", "REASON_TOO_LONG", "理由过长（最多500字节）",
				 "the reason is too long (500 bytes at most)");
	if (store_screening_decide(r->st, &r->scope, id, cat, decision, reason, &err))
		return reply_error(r, &err);
	json_t *o = person_view(r, id);
	return o ? reply_json(r, 200, o) : 0;
}

/* An expiry: a valid date after today and at most two years ahead. */
static int expiry_ok(const char *s)
{
	int64_t d;
	if (!s || date_parse(s, &d))
		return 0;
	int64_t today = date_today();
	return d > today && d <= today + 731;
}

int h_person_screening_override(struct req *r)
{
	static const char *const keys[] = {"level", "reason", "expires_on", NULL};
	const char *level = NULL, *reason = NULL, *expires = NULL;
	struct wb_error err;
	int64_t id;
	if (req_require(r, PERM_SCREEN_DECIDE) || req_param_id(r, 0, &id) || req_parse_json(r))
		return 0;
	wb_error_clear(&err);
	if (jcheck_keys(r->json, keys, &err) | (jget_str(r->json, "level", &level, &err) < 0) |
	    (jget_str(r->json, "reason", &reason, &err) < 0) |
	    (jget_str(r->json, "expires_on", &expires, &err) < 0))
		return reply_invalid(r, &err);
	int lv = level ? level_from_code(level) : -1;
	if (lv < 0)
		return bad_field(r, "level", "LEVEL_INVALID",
				 "风险等级须为 red、orange、yellow、blue 或 none",
				 "level must be red, orange, yellow, blue or none");
	if (!reason || strlen(reason) < 2 || strlen(reason) > 500)
		return bad_field(r, "reason", "REASON_REQUIRED",
				 "调整风险等级须填写理由（最多500字节）",
				 "an override needs a reason (500 bytes at most)");
	if (!expiry_ok(expires))
		return bad_field(r, "expires_on", "EXPIRY_INVALID",
				 "有效期须为今天之后两年以内的日期（YYYY-MM-DD）",
				 "expires_on must be a date after today, within two years");
	if (store_screening_override(r->st, &r->scope, id, lv, reason, expires, &err))
		return reply_error(r, &err);
	json_t *o = person_view(r, id);
	return o ? reply_json(r, 200, o) : 0;
}

int h_person_screening_override_revoke(struct req *r)
{
	struct wb_error err;
	int64_t id;
	if (req_require(r, PERM_SCREEN_DECIDE) || req_param_id(r, 0, &id))
		return 0;
	wb_error_clear(&err);
	if (store_screening_override_revoke(r->st, &r->scope, id, &err))
		return reply_error(r, &err);
	json_t *o = person_view(r, id);
	return o ? reply_json(r, 200, o) : 0;
}

/* ---- registers ----------------------------------------------------------------------- */

struct reg_query {
	char region[REGION_CODE_MAX + 1];
	struct region_row reg;
	const char *category;
	int min_level;
};

/* region (default: the caller's own), category (must exist, and be visible), min_level. */
static int reg_query_parse(struct req *r, struct reg_query *q)
{
	struct wb_error err;
	const char *region = req_query(r, "region"), *ml = req_query(r, "min_level");
	wb_error_clear(&err);
	memset(q, 0, sizeof(*q));
	if (region_code_normalize(q->region, region ? region : r->scope.region, &err))
		return reply_error(r, &err), -1;
	int reachable = region_in_subtree(q->region, r->scope.region) ||
			region_in_subtree(r->scope.region, q->region);
	if (!reachable || store_regions_get(r->st, q->region, &q->reg, &err))
		return reply_errorx(r, 404, "REGION_NOT_FOUND", "区划不存在或不在您的管辖范围内",
				    "no such region, or not within your area"),
		       -1;
	q->category = req_query(r, "category");
	if (q->category && !*q->category)
		q->category = NULL;
	if (q->category && strlen(q->category) >= SCREEN_CODE_MAX)
		return reply_errorx(r, 422, "CATEGORY_UNKNOWN", "类别不存在", "unknown category"),
		       -1;
	char *end = NULL;
	q->min_level = ml ? (int)strtol(ml, &end, 10) : 0;
	if (ml && (*end || q->min_level < 0 || q->min_level > SCREEN_LEVEL_RED))
		return reply_errorx(r, 422, "LEVEL_INVALID", "最低风险等级须为 0–4",
				    "min_level must be 0 to 4"),
		       -1;
	struct screening *svc = screening_service_wait(SCREEN_WAIT_MS);
	if (q->category && svc) {
		struct rule_set *rs = screening_rules(svc, NULL);
		int known = rule_set_category_find(rs, q->category) >= 0;
		rule_set_free(rs);
		if (!known)
			return reply_errorx(r, 422, "CATEGORY_UNKNOWN", "类别不存在",
					    "unknown category"),
			       -1;
	}
	return 0;
}

struct counts_ctx {
	struct req *r;
	json_t *items;
	int64_t total;
};

static void add_count(void *ctx, const char *code, int64_t n, int64_t red)
{
	struct counts_ctx *c = ctx;
	struct region_row reg;
	const char *name = store_regions_get(c->r->st, code, &reg, NULL) == 0 ? reg.name : "";
	json_array_append_new(c->items,
			      json_pack("{s:s, s:s, s:I, s:I}", "code", code, "name", name, "n",
					(json_int_t)n, "red", (json_int_t)red));
	c->total += n;
}

int h_screening_registers(struct req *r)
{
	struct reg_query q;
	struct wb_error err;
	if (req_require(r, PERM_PERSON_READ) || reg_query_parse(r, &q))
		return 0;
	wb_error_clear(&err);
	struct counts_ctx c = {r, json_array(), 0};
	if (store_screening_counts(r->st, &r->scope, q.region, q.category, q.min_level, add_count,
				   &c, &err)) {
		json_decref(c.items);
		return reply_error(r, &err);
	}
	return reply_json(r, 200,
			  json_pack("{s:{s:s, s:s, s:i}, s:o, s:i, s:o, s:I}", "region", "code",
				    q.reg.code, "name", q.reg.name, "level", q.reg.level,
				    "category", s_or_null(q.category), "min_level", q.min_level,
				    "counts", c.items, "total", (json_int_t)c.total));
}

struct list_ctx {
	json_t *items;
	int64_t last;
	int n;
};

static json_t *split_codes(const char *s)
{
	json_t *a = json_array();
	while (s && *s) {
		const char *bar = strchr(s, '|');
		size_t k = bar ? (size_t)(bar - s) : strlen(s);
		json_array_append_new(a, json_stringn(s, k));
		s = bar ? bar + 1 : NULL;
	}
	return a;
}

static void add_row(void *ctx, const struct screen_register_row *p)
{
	struct list_ctx *c = ctx;
	char g[2] = {p->gender, 0};
	json_array_append_new(c->items,
			      json_pack("{s:I, s:s, s:s, s:o, s:s, s:o, s:i, s:s, s:i, s:s, s:o}",
					"id", (json_int_t)p->person_id, "name", p->name, "gender",
					g, "birth_date", s_or_null(p->birth_date), "region",
					p->scope_region, "status", s_or_null(p->status), "level",
					p->level, "level_code", screen_level_code(p->level),
					"effective_level", p->effective, "effective_level_code",
					screen_level_code(p->effective), "categories",
					split_codes(p->categories)));
	c->last = p->person_id;
	c->n++;
}

int h_screening_register_persons(struct req *r)
{
	struct reg_query q;
	struct wb_error err;
	char next[24];
	if (req_require(r, PERM_PERSON_READ) || reg_query_parse(r, &q))
		return 0;
	const char *lim = req_query(r, "limit"), *cur = req_query(r, "cursor");
	char *end = NULL;
	long limit = lim ? strtol(lim, &end, 10) : 50;
	if ((lim && *end) || limit < 1 || limit > 200)
		return reply_errorx(r, 422, "LIMIT_INVALID", "每页条数须为 1–200",
				    "limit must be 1 to 200");
	long long after = cur ? strtoll(cur, &end, 10) : 0;
	if ((cur && *end) || after < 0)
		return reply_errorx(r, 422, "CURSOR_INVALID", "翻页游标无效", "invalid cursor");
	wb_error_clear(&err);
	struct list_ctx c = {json_array(), 0, 0};
	if (store_screening_register(r->st, &r->scope, q.region, q.category, q.min_level, after,
				     (int)limit, add_row, &c, &err)) {
		json_decref(c.items);
		return reply_error(r, &err);
	}
	snprintf(next, sizeof(next), "%lld", (long long)c.last);
	return reply_json(r, 200,
			  json_pack("{s:o, s:o}", "items", c.items, "next_cursor",
				    c.n == limit ? json_string(next) : json_null()));
}

/* ---- the worker ------------------------------------------------------------------------- */

static json_t *status_json(const struct screening_status *s)
{
	json_t *levels =
		json_pack("{s:I, s:I, s:I, s:I}", "red", (json_int_t)s->last.level[4], "orange",
			  (json_int_t)s->last.level[3], "yellow", (json_int_t)s->last.level[2],
			  "blue", (json_int_t)s->last.level[1]);
	return json_pack("{s:b, s:b, s:I, s:I, s:I, s:s, s:{s:I, s:I, s:I, s:f, s:s, s:o}, s:o}",
			 "ready", s->ready, "running", s->running, "done", (json_int_t)s->done,
			 "total", (json_int_t)s->total, "rule_version", (json_int_t)s->rule_version,
			 "rule_label", s->rule_label, "last", "persons",
			 (json_int_t)s->last.persons, "flagged", (json_int_t)s->last.flagged,
			 "events", (json_int_t)s->last.events, "seconds", s->last.seconds,
			 "eval_date", s->last.eval_date, "levels", levels, "error",
			 s_or_null(s->error));
}

int h_screening_status(struct req *r)
{
	struct screening_status s;
	if (req_require(r, PERM_PERSON_READ))
		return 0;
	screening_status_get(&s);
	return reply_json(r, 200, status_json(&s));
}

int h_screening_run(struct req *r)
{
	struct screening_status s;
	if (req_require(r, PERM_RULES_ADMIN))
		return 0;
	if (!screening_service_wait(SCREEN_WAIT_MS))
		return not_ready(r);
	struct wb_error err;
	struct audit_entry e = {"screening.run", NULL, 0, NULL};
	wb_error_clear(&err);
	if (store_audit_append_now(r->st, &r->scope, &e, &err))
		return reply_error(r, &err);
	screening_request_full("full", r->scope.user_id);
	screening_status_get(&s);
	return reply_json(r, 202, status_json(&s));
}
