/*
 * h_reviews -- the review queue of doubtful matches over HTTP.
 *
 *   GET  /reviews?region=R&status=open|decided&limit=N&cursor=C   a page of the queue
 *   GET  /reviews/{id}             one review: the imported record and its candidates
 *                                  side by side, with the comparison per field
 *   POST /reviews/{id}/decision    {"decision":"link","person_id":N} | {"decision":"new"}
 *                                  | {"decision":"dismiss","reason":"…"}
 *
 * Scope is the store's (store/reviews.h): a review outside the caller's area answers like
 * a missing one; a region outside it lists nothing. Candidates are read through
 * store_persons_get, so they come masked, and each shown candidate is an audited read;
 * candidates outside the caller's area are left out (and counted). The decision itself is
 * the pipeline's (import_review_decide): one transaction, decided once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "core/xalloc.h"
#include "domain/idno.h"
#include "domain/role.h"
#include "http/handlers.h"
#include "ingest/pipeline.h"
#include "store/persons.h"
#include "store/regions.h"
#include "store/reviews.h"

#define LIST_LIMIT_DEFAULT 50
#define LIST_LIMIT_MAX	   200

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *record_json(struct req *r, const struct review *rv)
{
	char name[200];
	json_t *rec = json_loads(rv->record, 0, NULL);
	if (!json_is_object(rec)) {
		json_decref(rec);
		rec = json_object();
	}
	const char *region = json_string_value(json_object_get(rec, "household_region"));
	if (!region || !*region)
		region = rv->region;
	name[0] = 0;
	store_regions_path_name(r->st, region, name, sizeof(name));
	json_object_set_new(rec, "household_region", json_string(region));
	json_object_set_new(rec, "household_region_name", str_or_null(name));
	json_object_set_new(rec, "id_number", json_null()); /* doubtful rows have none */
	const char *bd = json_string_value(json_object_get(rec, "birth_date"));
	if (bd && !*bd)
		json_object_set_new(rec, "birth_date", json_null());
	return rec;
}

static json_t *review_json(struct req *r, const struct review *rv)
{
	json_t *cands = json_loads(rv->candidates, 0, NULL);
	double best = 0;
	size_t n = json_array_size(cands);
	if (n)
		best = json_number_value(json_object_get(json_array_get(cands, 0), "weight"));
	json_decref(cands);
	json_t *o =
		json_pack("{s:I, s:I, s:s, s:s, s:i, s:I, s:s, s:s, s:s, s:I, s:f}", "id",
			  (json_int_t)rv->id, "import_id", (json_int_t)rv->import_id, "file_name",
			  rv->file_name, "profile", rv->profile, "sheet", rv->sheet + 1, "row",
			  (json_int_t)rv->row, "role", rv->role, "region", rv->region, "status",
			  rv->status, "candidates_count", (json_int_t)n, "best_weight", best);
	json_object_set_new(o, "record", record_json(r, rv));
	json_object_set_new(o, "extract_date", json_string(rv->extract_date));
	json_object_set_new(o, "created_at", json_string(rv->created_at));
	json_object_set_new(o, "person_id",
			    rv->person_id ? json_integer(rv->person_id) : json_null());
	json_object_set_new(o, "decided_by", str_or_null(rv->decided_by));
	json_object_set_new(o, "decided_at", str_or_null(rv->decided_at));
	json_object_set_new(o, "reason", str_or_null(rv->reason));
	return o;
}

/* ---- list ------------------------------------------------------------------------------ */

struct list_ctx {
	struct req *r;
	json_t *items;
};

static void add_review(void *ctx, const struct review *rv)
{
	struct list_ctx *c = ctx;
	json_array_append_new(c->items, review_json(c->r, rv));
}

static int parse_positive(const char *s, long long max, int64_t *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (!*s || *end || v < 1 || v > max)
		return -1;
	*out = v;
	return 0;
}

int h_reviews_list(struct req *r)
{
	struct wb_error err;
	char code[REGION_CODE_MAX + 1];
	struct review_query q = {NULL, 0, LIST_LIMIT_DEFAULT, 0};
	const char *region = req_query(r, "region"), *status = req_query(r, "status");
	const char *limit = req_query(r, "limit"), *cursor = req_query(r, "cursor");
	int64_t v;

	if (req_require(r, PERM_IMPORT))
		return 0;
	wb_error_clear(&err);
	if (region && *region) {
		if (region_code_normalize(code, region, &err))
			return reply_error(r, &err);
		q.region = code;
	}
	if (status && strcmp(status, "open") && strcmp(status, "decided"))
		return reply_errorx(r, 400, "STATUS_INVALID", "status 应为 open 或 decided",
				    "status is open or decided");
	q.decided = status && !strcmp(status, "decided");
	if (limit) {
		if (parse_positive(limit, LIST_LIMIT_MAX, &v))
			return reply_errorx(r, 400, "LIMIT_INVALID",
					    "limit 应为 1 到 200 之间的整数",
					    "limit must be an integer from 1 to 200");
		q.limit = (int)v;
	}
	if (cursor && *cursor) {
		if (parse_positive(cursor, INT64_MAX, &q.cursor))
			return reply_errorx(r, 400, "CURSOR_INVALID", "分页游标无效",
					    "the pagination cursor is not valid");
	}
	/* A region outside the caller's subtree lists nothing, like an empty region. */
	struct list_ctx c = {r, json_array()};
	int64_t next;
	if (store_reviews_list(r->st, &r->scope, &q, add_review, &c, &next, &err)) {
		json_decref(c.items);
		return reply_error(r, &err);
	}
	return reply_json(r, 200,
			  json_pack("{s:o, s:o}", "items", c.items, "next_cursor",
				    next ? json_sprintf("%lld", (long long)next) : json_null()));
}

/* ---- one review, side by side ------------------------------------------------------------ */

/* Which fields differ, from the linkage levels: the UI highlights them. */
static json_t *differs_json(json_t *cand)
{
	static const char *const fields[][3] = {{"name", "name", "exact"},
						{"birth", "birth_date", "exact"},
						{"gender", "gender", "equal"},
						{"region", "region", "village"}};
	json_t *a = json_array();
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *level = json_string_value(json_object_get(cand, fields[i][0]));
		if (level && strcmp(level, fields[i][2]))
			json_array_append_new(a, json_string(fields[i][1]));
	}
	return a;
}

static json_t *candidate_json(const struct person *p, json_t *cand)
{
	char gender[2] = {p->gender, 0};
	int64_t b;
	int age =
		p->birth_date[0] && !date_parse(p->birth_date, &b) ? date_age(b, date_today()) : -1;
	json_t *person = json_pack(
		"{s:I, s:s, s:s, s:o, s:o, s:o, s:s, s:o, s:o}", "id", (json_int_t)p->id, "name",
		p->name, "gender", gender, "birth_date", str_or_null(p->birth_date), "age",
		age >= 0 ? json_integer(age) : json_null(), "id_number", str_or_null(p->id_masked),
		"household_region", p->household_region, "household_region_name",
		str_or_null(p->household_region_name), "residence_region_name",
		str_or_null(p->residence_region_name));
	const char *keys[][2] = {{"name", "name"},
				 {"birth", "birth_date"},
				 {"gender", "gender"},
				 {"region", "region"}};
	json_t *cmp = json_object();
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		json_object_set(cmp, keys[i][1], json_object_get(cand, keys[i][0]));
	return json_pack("{s:o, s:O, s:o, s:o}", "person", person, "weight",
			 json_object_get(cand, "weight"), "compare", cmp, "differs",
			 differs_json(cand));
}

/* The row's cells under the sheet's header: what the clerk's file said, with the numbers
 * in it masked (the ID numbers and phones of the parents or others named in the row, who
 * may live outside the reader's area); full numbers only through reveal and export. */
static json_t *cells_json(const struct review *rv)
{
	json_t *hdr = json_loads(rv->header, 0, NULL), *cells = json_loads(rv->cells, 0, NULL);
	json_t *out = json_array();
	for (size_t i = 0; i < json_array_size(cells); i++) {
		const char *h = json_string_value(json_array_get(hdr, i));
		const char *v = json_string_value(json_array_get(cells, i));
		if (!v || !*v)
			continue;
		char *masked = xmalloc(strlen(v) + 1);
		idno_mask_text(masked, v);
		json_array_append_new(
			out, json_pack("{s:s, s:s}", "header", h ? h : "", "value", masked));
		free(masked);
	}
	json_decref(hdr);
	json_decref(cells);
	return out;
}

static int render_review(struct req *r, int64_t id, unsigned status, json_t *extra)
{
	struct wb_error err;
	struct review rv;
	wb_error_clear(&err);
	if (store_reviews_get(r->st, &r->scope, id, &rv, &err)) {
		store_reviews_release(&rv);
		json_decref(extra);
		return reply_error(r, &err);
	}
	json_t *o = review_json(r, &rv), *out = json_array();
	json_t *cands = json_loads(rv.candidates, 0, NULL), *cand;
	size_t i;
	int hidden = 0;
	json_array_foreach (cands, i, cand) {
		struct person p;
		int64_t pid = json_integer_value(json_object_get(cand, "person_id"));
		wb_error_clear(&err);
		if (store_persons_get(r->st, &r->scope, pid, &p, &err)) {
			hidden++; /* outside the caller's area, or gone */
			continue;
		}
		json_array_append_new(out, candidate_json(&p, cand));
	}
	json_decref(cands);
	json_object_set_new(o, "cells", cells_json(&rv));
	json_object_set_new(o, "candidates", out);
	json_object_set_new(o, "candidates_hidden", json_integer(hidden));
	if (extra)
		json_object_set_new(o, "result", extra);
	store_reviews_release(&rv);
	return reply_json(r, status, o);
}

int h_reviews_get(struct req *r)
{
	int64_t id;
	if (req_require(r, PERM_IMPORT) || req_param_id(r, 0, &id))
		return 0;
	return render_review(r, id, 200, NULL);
}

/* ---- decide ------------------------------------------------------------------------------ */

static int invalid(struct req *r, struct wb_error *err, const char *field, const char *code,
		   const char *zh, const char *en)
{
	if (field)
		wb_error_detail(err, field, code, zh);
	wb_error_set(err, WB_EINVAL, 422, code, zh, en);
	return reply_error(r, err);
}

int h_reviews_decide(struct req *r)
{
	static const char *const keys[] = {"decision", "person_id", "reason", NULL};
	struct wb_error err;
	struct review_decision d = {REVIEW_DISMISS, 0, NULL};
	const char *decision = NULL;
	struct import_result res;
	int64_t id, person_id;
	char counts[512];

	if (req_require(r, PERM_IMPORT) || req_param_id(r, 0, &id) || req_parse_json(r))
		return 0;
	wb_error_clear(&err);
	if (jcheck_keys(r->json, keys, &err) ||
	    jget_str(r->json, "decision", &decision, &err) < 0 ||
	    jget_int(r->json, "person_id", &d.person_id, &err) < 0 ||
	    jget_str(r->json, "reason", &d.reason, &err) < 0)
		return invalid(r, &err, NULL, "VALIDATION", "数据校验未通过，请按提示修改",
			       "validation failed; see details");
	if (decision && !strcmp(decision, "link"))
		d.choice = REVIEW_LINK;
	else if (decision && !strcmp(decision, "new"))
		d.choice = REVIEW_NEW;
	else if (decision && !strcmp(decision, "dismiss"))
		d.choice = REVIEW_DISMISS;
	else
		return invalid(r, &err, "decision", "DECISION_INVALID",
			       "处理方式应为 link（关联）、new（新建）或 dismiss（不予处理）",
			       "decision is link, new or dismiss");
	if (d.choice == REVIEW_LINK && d.person_id <= 0)
		return invalid(r, &err, "person_id", "PERSON_ID_REQUIRED", "请选择要关联的人员",
			       "link needs the person_id of a candidate");
	if (d.choice != REVIEW_LINK && d.person_id)
		return invalid(r, &err, "person_id", "PERSON_ID_UNEXPECTED",
			       "只有关联时才需要指定人员", "person_id goes with link only");
	if (d.choice == REVIEW_DISMISS) {
		size_t n = d.reason ? strspn(d.reason, " \t\r\n") : 0;
		if (!d.reason || !d.reason[n])
			return invalid(r, &err, "reason", "REASON_REQUIRED", "不予处理时请说明理由",
				       "dismissing needs a reason");
		if (strlen(d.reason) > REVIEW_REASON_MAX)
			return invalid(r, &err, "reason", "REASON_TOO_LONG",
				       "理由过长（最多200字节）",
				       "the reason is too long (200 bytes at most)");
	} else if (d.reason) {
		return invalid(r, &err, "reason", "REASON_UNEXPECTED",
			       "只有不予处理时才需要填写理由", "reason goes with dismiss only");
	}
	if (import_review_decide(r->st, &r->scope, id, &d, &person_id, &res, &err))
		return reply_error(r, &err);
	import_result_counts_json(&res, counts, sizeof(counts));
	return render_review(r, id, 200, json_loads(counts, 0, NULL));
}
