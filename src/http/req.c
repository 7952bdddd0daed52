/*
 * req -- reading a request: query parameters, the JSON body, path parameters, and the
 * permission check. Each helper replies with the error itself when it fails.
 */
#include "http/http.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "domain/role.h"

const char *req_query(struct req *r, const char *key)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

int req_parse_json(struct req *r)
{
	json_error_t jerr;
	const char *type = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Type");
	if (!type || strncasecmp(type, "application/json", 16) != 0)
		return reply_errorx(
			       r, 415, "UNSUPPORTED_MEDIA_TYPE",
			       "请求体须为 JSON（Content-Type: application/json）",
			       "the request body must be JSON (Content-Type: application/json)"),
		       -1;
	if (r->body.len == 0)
		return reply_errorx(r, 400, "BODY_REQUIRED", "缺少请求体",
				    "a request body is required"),
		       -1;
	if (jsonx_depth(r->body.data, r->body.len) > HTTP_JSON_DEPTH_MAX)
		return reply_errorx(r, 400, "JSON_TOO_DEEP", "JSON 嵌套层数过多",
				    "the JSON is nested too deeply"),
		       -1;
	r->json = json_loadb(r->body.data, r->body.len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
			     &jerr);
	if (!r->json) {
		struct wb_error e;
		wb_error_clear(&e);
		wb_error_set(&e, WB_EINVAL, 400, "JSON_MALFORMED", "请求体不是合法的 JSON",
			     "the request body is not valid JSON");
		wb_error_detail(&e, "body", "JSON_MALFORMED", jerr.text);
		reply_error(r, &e);
		return -1;
	}
	if (!json_is_object(r->json))
		return reply_errorx(r, 400, "JSON_NOT_OBJECT", "请求体须为 JSON 对象",
				    "the request body must be a JSON object"),
		       -1;
	return 0;
}

int req_param_id(struct req *r, int i, int64_t *out)
{
	const char *s = i < r->nparams ? r->params[i] : NULL;
	char *end;
	errno = 0;
	long long v = s ? strtoll(s, &end, 10) : 0;
	if (!s || !*s || *end || errno || v <= 0)
		return reply_errorx(r, 404, "NOT_FOUND", "资源不存在", "not found"), -1;
	*out = v;
	return 0;
}

int req_require(struct req *r, int perm)
{
	if (role_can(r->scope.role, perm))
		return 0;
	reply_errorx(r, 403, "FORBIDDEN", "您的角色无权进行此操作",
		     "your role is not allowed to do this");
	return -1;
}

static void wrong_type(struct wb_error *err, const char *key, const char *zh)
{
	wb_error_detail(err, key, "TYPE_INVALID", zh);
}

int jget_str(json_t *obj, const char *key, const char **out, struct wb_error *err)
{
	json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (!v)
		return 0;
	if (json_is_null(v))
		return 1;
	if (!json_is_string(v)) {
		wrong_type(err, key, "应为字符串");
		return -1;
	}
	*out = json_string_value(v);
	if (strlen(*out) != json_string_length(v)) { /* embedded NUL */
		wrong_type(err, key, "字符串中不能含有空字符");
		return -1;
	}
	return 1;
}

int jget_int(json_t *obj, const char *key, int64_t *out, struct wb_error *err)
{
	json_t *v = json_object_get(obj, key);
	*out = 0;
	if (!v)
		return 0;
	if (json_is_null(v))
		return 1;
	if (!json_is_integer(v)) {
		wrong_type(err, key, "应为整数");
		return -1;
	}
	*out = json_integer_value(v);
	return 1;
}

int jget_bool(json_t *obj, const char *key, int *out, struct wb_error *err)
{
	json_t *v = json_object_get(obj, key);
	*out = 0;
	if (!v)
		return 0;
	if (!json_is_boolean(v)) {
		wrong_type(err, key, "应为 true 或 false");
		return -1;
	}
	*out = json_is_true(v);
	return 1;
}

int jcheck_keys(json_t *obj, const char *const *allowed, struct wb_error *err)
{
	const char *key;
	json_t *v;
	int bad = 0;
	json_object_foreach (obj, key, v) {
		int ok = 0;
		(void)v;
		for (const char *const *a = allowed; *a; a++)
			if (!strcmp(*a, key))
				ok = 1;
		if (!ok) {
			wb_error_detail(err, key, "FIELD_UNKNOWN", "未知字段");
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}
