/*
 * reply -- building responses: JSON bodies, the one error shape, security headers.
 */
#include "core/jsonx.h"
#include "http/http.h"

#include <stdio.h>
#include <string.h>

#include "core/log.h"

static const char CSP[] =
	"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
	"img-src 'self' data:; connect-src 'self'; font-src 'self'; "
	"object-src 'none'; base-uri 'none'; form-action 'self'; "
	"frame-ancestors 'none'";

static void add_security_headers(struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "Content-Security-Policy", CSP);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
}

static void add_json_headers(struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
}

int reply_queue(struct req *r, unsigned status, struct MHD_Response *resp)
{
	if (!resp)
		return -1;
	add_security_headers(resp);
	int ok = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	r->replied = 1;
	return ok == MHD_YES ? 0 : -1;
}

struct MHD_Response *reply_json_shared(const char *data, size_t len)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return NULL;
	add_json_headers(resp);
	add_security_headers(resp);
	return resp;
}

int reply_queue_shared(struct req *r, unsigned status, struct MHD_Response *resp)
{
	int ok = MHD_queue_response(r->conn, status, resp);
	r->replied = 1;
	return ok == MHD_YES ? 0 : -1;
}

int reply_raw(struct req *r, unsigned status, const char *type, const void *data, size_t len,
	      int persistent, const char *extra_header, const char *extra_value)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		len, (void *)data, persistent ? MHD_RESPMEM_PERSISTENT : MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return -1;
	if (type)
		MHD_add_response_header(resp, "Content-Type", type);
	MHD_add_response_header(resp, "Cache-Control", "no-store"); /* e.g. rejected rows */
	if (extra_header)
		MHD_add_response_header(resp, extra_header, extra_value);
	return reply_queue(r, status, resp);
}

int reply_json(struct req *r, unsigned status, json_t *body)
{
	struct buf b;
	buf_init(&b, 0);
	int bad = jsonx_dump(&b, body);
	json_decref(body);
	return reply_json_text(r, status, &b, bad);
}

int reply_json_text(struct req *r, unsigned status, struct buf *text_buf, int failed)
{
	struct buf b = *text_buf;
	buf_init(text_buf, text_buf->max);
	if (failed) {
		buf_release(&b);
		return reply_errorx(r, 500, "INTERNAL", "服务器内部错误", "internal server error");
	}
	size_t len = b.len;
	char *text = buf_detach(&b);
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return -1;
	}
	add_json_headers(resp);
	return reply_queue(r, status, resp);
}

int reply_invalid(struct req *r, struct wb_error *err)
{
	wb_error_set(err, WB_EINVAL, 422, err->ndetails == 1 ? err->details[0].code : "VALIDATION",
		     "数据校验未通过，请按提示修改", "validation failed; see details");
	return reply_error(r, err);
}

int reply_error(struct req *r, const struct wb_error *e)
{
	json_t *details = json_array();
	for (int i = 0; i < e->ndetails; i++)
		json_array_append_new(
			details, json_pack("{s:s, s:s, s:s}", "field", e->details[i].field, "code",
					   e->details[i].code, "message", e->details[i].message));
	int status = e->status ? e->status : 500;
	json_t *body = json_pack("{s:{s:s, s:s, s:s, s:o}}", "error", "code",
				 e->code[0] ? e->code : "INTERNAL", "message", e->message,
				 "message_en", e->message_en, "details", details);
	if (status >= 500)
		log_warn("%s %s -> %d %s", r->method, r->path, status, e->code);
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	add_json_headers(resp);
	if (status == 503 || status == 429)
		MHD_add_response_header(resp, "Retry-After", status == 429 ? "900" : "2");
	return reply_queue(r, (unsigned)status, resp);
}

int reply_errorx(struct req *r, int status, const char *code, const char *zh, const char *en)
{
	struct wb_error e;
	wb_error_clear(&e);
	wb_error_set(&e, WB_EINVAL, status, code, zh, en);
	return reply_error(r, &e);
}

int reply_empty(struct req *r, unsigned status)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	return reply_queue(r, status, resp);
}
