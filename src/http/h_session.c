/*
 * h_session -- log in, who am I, log out, change password.
 */
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/jsonx.h"
#include "core/secret.h"
#include "core/timeutil.h"
#include "domain/role.h"
#include "http/handlers.h"
#include "store/audit.h"
#include "store/regions.h"
#include "store/units.h"

#define PASSWORD_MIN 10
#define PASSWORD_MAX 256

static json_t *user_json(struct req *r, const struct user_row *u)
{
	struct region_row reg;
	struct unit_row unit;
	json_t *perms = json_array();
	static const char *const perm_names[PERM_COUNT] = {
		"PERSON_READ", "PERSON_WRITE",	"FACT_WRITE",  "SENSITIVE_READ",
		"ID_REVEAL",   "USER_ADMIN",	"AUDIT_READ",  "REGISTER_EXPORT",
		"IMPORT",      "SCREEN_DECIDE", "RULES_ADMIN",
	};
	for (int p = 0; p < PERM_COUNT; p++)
		if (role_can(u->role, p))
			json_array_append_new(perms, json_string(perm_names[p]));
	int have_region = store_regions_get(r->st, u->region_code, &reg, NULL) == 0;
	int have_unit = u->unit_id && store_units_get(r->st, u->unit_id, &unit, NULL) == 0;
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:i, s:o}", "id",
			 (json_int_t)u->id, "username", u->username, "role", role_code(u->role),
			 "role_name", role_name(u->role), "role_name_en", role_name_en(u->role),
			 "unit_id", have_unit ? json_integer(unit.id) : json_null(), "unit_name",
			 have_unit ? json_string(unit.name) : json_null(), "region_code",
			 u->region_code, "region_name", have_region ? reg.name : "", "region_level",
			 have_region ? reg.level : 0, "permissions", perms);
}

static void audit_login(struct req *r, const struct user_row *u, const char *username,
			const char *action)
{
	struct wb_scope sc;
	struct buf b;
	buf_init(&b, 0);
	buf_appends(&b, "{\"username\":");
	jsonx_quote(&b, username);
	buf_appends(&b, "}");
	store_scope_init(&sc, u ? u->id : 0, u ? u->username : "", u ? u->role : 0,
			 u ? u->unit_id : 0, u ? u->region_code : "110000000000", r->ip);
	struct audit_entry e = {action, "user", u ? u->id : 0, b.data};
	store_audit_append_now(r->st, &sc, &e, NULL);
	buf_release(&b);
}

static int login_failed(struct req *r)
{
	return reply_errorx(r, 401, "LOGIN_FAILED", "用户名或密码错误",
			    "wrong user name or password");
}

/* Set-Cookie and the answer for a fresh session. */
static int start_session(struct req *r, const struct user_row *u)
{
	char token[SECRET_TOKEN_CHARS], csrf[SECRET_TOKEN_CHARS], cookie[160];
	unsigned char th[SECRET_HASH_BYTES];
	struct wb_error err;

	wb_error_clear(&err);
	secret_token(token);
	auth_csrf_token(r->app->keys, token, csrf);
	secret_hash(th, token, strlen(token));
	if (store_sessions_create(r->st, th, u->id, r->ip, &err))
		return reply_error(r, &err);
	snprintf(cookie, sizeof(cookie), "wb_session=%s; Path=/; HttpOnly; SameSite=Strict%s",
		 token, r->app->cookie_secure ? "; Secure" : "");
	json_t *body = json_pack("{s:s, s:o}", "csrf_token", csrf, "user", user_json(r, u));
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "Set-Cookie", cookie);
	return reply_queue(r, 200, resp);
}

int h_session_login(struct req *r)
{
	struct wb_error err;
	struct user_row u;
	const char *username = NULL, *password = NULL;
	static const char *const keys[] = {"username", "password", NULL};

	if (req_parse_json(r))
		return 0;
	wb_error_clear(&err);
	if (jget_str(r->json, "username", &username, &err) < 0 ||
	    jget_str(r->json, "password", &password, &err) < 0 ||
	    jcheck_keys(r->json, keys, &err) || !username || !password) {
		wb_error_set(&err, WB_EINVAL, 400, "LOGIN_INVALID", "请输入用户名和密码",
			     "user name and password are required");
		return reply_error(r, &err);
	}
	if (strlen(username) > 64 || strlen(password) > PASSWORD_MAX)
		return login_failed(r);

	int found = store_users_by_name(r->st, username, &u, NULL) == 0 && !u.disabled;
	if (found && u.locked_until > time_now()) {
		audit_login(r, &u, username, "login.locked");
		return reply_errorx(r, 429, "ACCOUNT_LOCKED",
				    "连续登录失败次数过多，账号已临时锁定，请15分钟后再试",
				    "too many failed logins; the account is locked for 15 minutes");
	}
	if (auth_hash_acquire())
		return reply_errorx(r, 503, "LOGIN_BUSY", "登录请求过多，请稍后重试",
				    "too many logins at once; please retry shortly");
	/* Verify against a fixed hash for unknown users too, so timing does not tell
	 * which user names exist. */
	static const char dummy[] = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"
				    "9sTbSlTio3Biev89thdrlKKiCaYsjjYVJxGAL3swxpQ";
	int ok = secret_password_verify(found ? u.password_hash : dummy, password) == 0 && found;
	auth_hash_release();

	if (!ok) {
		if (found)
			store_users_login_failed(r->st, u.id, NULL);
		audit_login(r, found ? &u : NULL, username, "login.failed");
		return login_failed(r);
	}
	store_users_login_ok(r->st, u.id, NULL);
	audit_login(r, &u, username, "login.ok");
	return start_session(r, &u);
}

int h_session_get(struct req *r)
{
	char csrf[SECRET_TOKEN_CHARS];
	auth_csrf_token(r->app->keys, r->session_token, csrf);
	return reply_json(
		r, 200,
		json_pack("{s:s, s:o}", "csrf_token", csrf, "user", user_json(r, &r->sess.user)));
}

int h_session_logout(struct req *r)
{
	struct audit_entry e = {"logout", "user", r->scope.user_id, NULL};
	store_sessions_delete(r->st, r->token_hash, NULL);
	store_audit_append_now(r->st, &r->scope, &e, NULL);
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(resp, "Set-Cookie",
				"wb_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
	return reply_queue(r, 204, resp);
}

int h_session_password(struct req *r)
{
	struct wb_error err;
	const char *old_pw = NULL, *new_pw = NULL;
	char hash[SECRET_PWHASH_BYTES];
	static const char *const keys[] = {"old_password", "new_password", NULL};

	if (req_parse_json(r))
		return 0;
	wb_error_clear(&err);
	if (jget_str(r->json, "old_password", &old_pw, &err) < 0 ||
	    jget_str(r->json, "new_password", &new_pw, &err) < 0 ||
	    jcheck_keys(r->json, keys, &err) || !old_pw || !new_pw) {
		wb_error_set(&err, WB_EINVAL, 400, "PASSWORD_INVALID", "请输入原密码和新密码",
			     "old and new password are required");
		return reply_error(r, &err);
	}
	if (jsonx_utf8_len(new_pw) < PASSWORD_MIN || strlen(new_pw) > PASSWORD_MAX) {
		wb_error_set(&err, WB_EINVAL, 422, "PASSWORD_TOO_SHORT", "新密码至少10个字符",
			     "the new password needs at least 10 characters");
		wb_error_detail(&err, "new_password", "PASSWORD_TOO_SHORT", "新密码至少10个字符");
		return reply_error(r, &err);
	}
	if (auth_hash_acquire())
		return reply_errorx(r, 503, "LOGIN_BUSY", "请求过多，请稍后重试",
				    "too many requests; please retry shortly");
	int ok = secret_password_verify(r->sess.user.password_hash, old_pw) == 0;
	if (ok)
		secret_password_hash(hash, new_pw);
	auth_hash_release();
	if (!ok) {
		wb_error_set(&err, WB_EINVAL, 422, "PASSWORD_WRONG", "原密码错误",
			     "the old password is wrong");
		wb_error_detail(&err, "old_password", "PASSWORD_WRONG", "原密码错误");
		return reply_error(r, &err);
	}
	if (store_users_set_password(r->st, r->scope.user_id, hash, &err) ||
	    store_sessions_delete_user(r->st, r->scope.user_id, r->token_hash, &err))
		return reply_error(r, &err);
	struct audit_entry e = {"password.change", "user", r->scope.user_id, NULL};
	store_audit_append_now(r->st, &r->scope, &e, NULL);
	return reply_empty(r, 204);
}
