/*
 * http -- the request object shared by the server, the router and the handlers.
 *
 * A struct req lives from the first byte of a request to the end of its response; its
 * arena holds every allocation the request makes and is freed when the request
 * completes. Handlers follow one shape: parse → authorise → call store/domain → render,
 * and each step either succeeds or has already queued the error reply (reply_error).
 */
#ifndef WB_HTTP_H
#define WB_HTTP_H
#include <jansson.h>
#include <microhttpd.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "store/store.h"
#include "store/users.h"

#define HTTP_BODY_MAX	    (64 * 1024)
#define HTTP_UPLOAD_MAX	    (32 * 1024 * 1024) /* department extracts (POST /imports) */
#define HTTP_JSON_DEPTH_MAX 16
#define HTTP_MAX_PARAMS	    4

struct app {
	const char *db_path;
	const struct secret_keys *keys;
	int cookie_secure;
};

struct req {
	struct MHD_Connection *conn;
	struct app *app;
	struct store *st;
	struct arena arena;
	const char *method;
	const char *path;
	struct buf body;
	int body_too_big;
	int upload;   /* a file upload: a larger body ceiling, checked before the body is read */
	json_t *json; /* parsed body (object) or NULL */
	const char *params[HTTP_MAX_PARAMS];
	int nparams;
	char ip[48];
	/* authentication */
	int authed;
	unsigned char token_hash[SECRET_HASH_BYTES];
	char session_token[SECRET_TOKEN_CHARS];
	struct session_row sess;
	struct wb_scope scope;
	/* response */
	int replied;
};

/* Reply helpers: each queues exactly one response and returns 0 (or MHD failure -1). */
int reply_json(struct req *r, unsigned status, json_t *body); /* steals body */
/* A JSON text already written (jsonw): takes the buf's data (the buf is left empty);
 * failed (the writer's jw_failed) answers 500 instead. */
int reply_json_text(struct req *r, unsigned status, struct buf *text, int failed);
/* A JSON response with every header, made once and queued for many requests (the person
 * cache keeps one per cached record): reply_queue_shared queues it without giving up the
 * caller's reference; MHD_destroy_response drops that reference. */
struct MHD_Response *reply_json_shared(const char *data, size_t len);
int reply_queue_shared(struct req *r, unsigned status, struct MHD_Response *resp);
int reply_error(struct req *r, const struct wb_error *e);
int reply_errorx(struct req *r, int status, const char *code, const char *zh, const char *en);
int reply_empty(struct req *r, unsigned status);
/* A body that failed the field helpers below (details already in err): 422 with the one
 * detail's code, or VALIDATION when there are several. */
int reply_invalid(struct req *r, struct wb_error *err);
int reply_raw(struct req *r, unsigned status, const char *type, const void *data, size_t len,
	      int persistent, const char *extra_header, const char *extra_value);
/* Queue a response with the common security headers added. */
int reply_queue(struct req *r, unsigned status, struct MHD_Response *resp);

/* Request helpers. */
const char *req_query(struct req *r, const char *key);
/* Parse the JSON body: must be an object; replies with the error itself on failure. */
int req_parse_json(struct req *r);
/* Path parameter i as a positive int64, or reply 404 and return -1. */
int req_param_id(struct req *r, int i, int64_t *out);
/* Require a permission, replying 403 otherwise. */
int req_require(struct req *r, int perm);

/* Body field helpers: 0 = absent, 1 = present (value in *out, NULL for JSON null),
 * -1 = wrong type (a detail is added to err). */
int jget_str(json_t *obj, const char *key, const char **out, struct wb_error *err);
int jget_int(json_t *obj, const char *key, int64_t *out, struct wb_error *err);
int jget_bool(json_t *obj, const char *key, int *out, struct wb_error *err);
/* Reject keys not in the NULL-terminated list (typos must not pass silently). */
int jcheck_keys(json_t *obj, const char *const *allowed, struct wb_error *err);

#endif
