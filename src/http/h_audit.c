/* h_audit -- the newest audit entries, for roles with AUDIT_READ. */
#include <stdlib.h>

#include "domain/role.h"
#include "http/handlers.h"
#include "store/audit.h"

static void add_entry(void *ctx, const struct audit_row *a)
{
	json_array_append_new(
		ctx, json_pack("{s:I, s:s, s:o, s:s?, s:s, s:s?, s:o, s:s?, s:s?}", "seq",
			       (json_int_t)a->seq, "at", a->at, "user_id",
			       a->user_id ? json_integer(a->user_id) : json_null(), "username",
			       a->username, "action", a->action, "object_type", a->object_type,
			       "object_id", a->object_id ? json_integer(a->object_id) : json_null(),
			       "detail", a->detail, "ip", a->ip));
}

int h_audit_list(struct req *r)
{
	struct wb_error err;
	const char *limit = req_query(r, "limit"), *cursor = req_query(r, "cursor");
	long n = 50;
	long long before = 0;
	int64_t next = 0;
	char *end;

	if (req_require(r, PERM_AUDIT_READ))
		return 0;
	if (limit) {
		n = strtol(limit, &end, 10);
		if (*end || n < 1 || n > 200)
			return reply_errorx(r, 400, "LIMIT_INVALID",
					    "limit 应为 1 到 200 之间的整数",
					    "limit must be an integer from 1 to 200");
	}
	if (cursor) {
		before = strtoll(cursor, &end, 10);
		if (*end || before <= 0)
			return reply_errorx(r, 400, "CURSOR_INVALID", "分页游标无效",
					    "the pagination cursor is not valid");
	}
	wb_error_clear(&err);
	json_t *items = json_array();
	if (store_audit_list(r->st, before, (int)n, add_entry, items, &next, &err)) {
		json_decref(items);
		return reply_error(r, &err);
	}
	json_t *nc = next ? json_sprintf("%lld", (long long)next) : json_null();
	return reply_json(r, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", nc));
}
