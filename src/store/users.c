/* users and sessions (see users.h). */
#include "store/users.h"

#include <stdio.h>
#include <string.h>

#include "core/timeutil.h"
#include "domain/role.h"
#include "store/db.h"
#include "store/store.h"

#define USER_COLS                                                                                  \
	"u.id, u.username, u.password_hash, u.role, u.unit_id, u.region_code, "                    \
	"u.failed_logins, u.locked_until, u.disabled"

static const char SQL_CREATE[] =
	"INSERT INTO users (username, password_hash, role, unit_id, region_code, created_at, "
	"password_changed_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_BY_NAME[] = "SELECT " USER_COLS " FROM users u WHERE u.username = ?";
static const char SQL_BY_ID[] = "SELECT " USER_COLS " FROM users u WHERE u.id = ?";
static const char SQL_FAILED[] =
	"UPDATE users SET failed_logins = failed_logins + 1, locked_until = CASE WHEN "
	"failed_logins + 1 >= ? THEN ? ELSE locked_until END WHERE id = ?";
static const char SQL_OK[] = "UPDATE users SET failed_logins = 0, locked_until = 0 WHERE id = ?";
static const char SQL_SET_PW[] =
	"UPDATE users SET password_hash = ?, password_changed_at = ? WHERE id = ?";

static const char SQL_S_CREATE[] =
	"INSERT INTO sessions (token_hash, user_id, created_at, last_seen, expires_at, ip) "
	"VALUES (?, ?, ?, ?, ?, ?)";
static const char SQL_S_GET[] =
	"SELECT s.user_id, s.last_seen, s.expires_at, " USER_COLS
	" FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?";
static const char SQL_S_TOUCH[] = "UPDATE sessions SET last_seen = ? WHERE token_hash = ?";
static const char SQL_S_DELETE[] = "DELETE FROM sessions WHERE token_hash = ?";
static const char SQL_S_DELETE_USER[] =
	"DELETE FROM sessions WHERE user_id = ? AND (? IS NULL OR token_hash <> ?)";

static void fill_user(struct db_stmt *s, int c, struct user_row *u)
{
	u->id = db_col_int(s, c);
	snprintf(u->username, sizeof(u->username), "%s", db_col_text(s, c + 1));
	snprintf(u->password_hash, sizeof(u->password_hash), "%s", db_col_text(s, c + 2));
	u->role = role_from_code(db_col_text(s, c + 3));
	u->unit_id = db_col_is_null(s, c + 4) ? 0 : db_col_int(s, c + 4);
	snprintf(u->region_code, sizeof(u->region_code), "%s", db_col_text(s, c + 5));
	u->failed_logins = (int)db_col_int(s, c + 6);
	u->locked_until = db_col_int(s, c + 7);
	u->disabled = (int)db_col_int(s, c + 8);
}

int store_users_create(struct store *st, const char *username, const char *password_hash, int role,
		       int64_t unit_id, const char *region, int64_t *id, struct wb_error *err)
{
	char now[21];
	store_now(now);
	struct db_stmt *s = db_stmt(st->db, SQL_CREATE);
	db_bind_text(s, 1, username);
	db_bind_text(s, 2, password_hash);
	db_bind_text(s, 3, role_code(role));
	if (unit_id)
		db_bind_int(s, 4, unit_id);
	db_bind_text(s, 5, region);
	db_bind_text(s, 6, now);
	db_bind_text(s, 7, now);
	int rc = db_step(s, err);
	if (rc == DB_ROW && id)
		*id = db_col_int(s, 0);
	db_done(s);
	if (rc == WB_ECONFLICT)
		return wb_error_setx(err, rc, 409, "USERNAME_TAKEN", "用户名已被使用",
				     "the user name is taken", username);
	if (rc == WB_EINVAL)
		return wb_error_set(err, rc, 422, "USER_INVALID", "单位或区划不存在",
				    "unknown unit or region");
	return rc < 0 ? rc : 0;
}

static int get_user(struct store *st, const char *sql, const char *name, int64_t id,
		    struct user_row *out, struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, sql);
	if (name)
		db_bind_text(s, 1, name);
	else
		db_bind_int(s, 1, id);
	int rc = db_step(s, err);
	if (rc == DB_ROW)
		fill_user(s, 0, out);
	db_done(s);
	if (rc == DB_DONE)
		return wb_error_set(err, WB_ENOTFOUND, 404, "USER_NOT_FOUND", "用户不存在",
				    "no such user");
	return rc < 0 ? rc : 0;
}

int store_users_by_name(struct store *st, const char *username, struct user_row *out,
			struct wb_error *err)
{
	return get_user(st, SQL_BY_NAME, username, 0, out, err);
}

int store_users_get(struct store *st, int64_t id, struct user_row *out, struct wb_error *err)
{
	return get_user(st, SQL_BY_ID, NULL, id, out, err);
}

static int exec_id(struct store *st, const char *sql, int64_t id, struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, sql);
	db_bind_int(s, 1, id);
	int rc = db_step(s, err);
	db_done(s);
	return rc < 0 ? rc : 0;
}

int store_users_login_failed(struct store *st, int64_t id, struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_FAILED);
	db_bind_int(s, 1, USERS_MAX_FAILURES);
	db_bind_int(s, 2, time_now() + USERS_LOCK_SECONDS);
	db_bind_int(s, 3, id);
	int rc = db_step(s, err);
	db_done(s);
	return rc < 0 ? rc : 0;
}

int store_users_login_ok(struct store *st, int64_t id, struct wb_error *err)
{
	return exec_id(st, SQL_OK, id, err);
}

int store_users_set_password(struct store *st, int64_t id, const char *password_hash,
			     struct wb_error *err)
{
	char now[21];
	store_now(now);
	struct db_stmt *s = db_stmt(st->db, SQL_SET_PW);
	db_bind_text(s, 1, password_hash);
	db_bind_text(s, 2, now);
	db_bind_int(s, 3, id);
	int rc = db_step(s, err);
	db_done(s);
	return rc < 0 ? rc : 0;
}

int store_sessions_create(struct store *st, const unsigned char token_hash[SECRET_HASH_BYTES],
			  int64_t user_id, const char *ip, struct wb_error *err)
{
	int64_t now = time_now();
	struct db_stmt *s = db_stmt(st->db, SQL_S_CREATE);
	db_bind_blob(s, 1, token_hash, SECRET_HASH_BYTES);
	db_bind_int(s, 2, user_id);
	db_bind_int(s, 3, now);
	db_bind_int(s, 4, now);
	db_bind_int(s, 5, now + SESSION_MAX_SECONDS);
	db_bind_text(s, 6, ip);
	int rc = db_step(s, err);
	db_done(s);
	return rc < 0 ? rc : 0;
}

int store_sessions_get(struct store *st, const unsigned char token_hash[SECRET_HASH_BYTES],
		       struct session_row *out, struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_S_GET);
	db_bind_blob(s, 1, token_hash, SECRET_HASH_BYTES);
	int rc = db_step(s, err);
	if (rc == DB_ROW) {
		out->user_id = db_col_int(s, 0);
		out->last_seen = db_col_int(s, 1);
		out->expires_at = db_col_int(s, 2);
		fill_user(s, 3, &out->user);
	}
	db_done(s);
	if (rc < 0)
		return rc;
	int64_t now = time_now();
	if (rc == DB_DONE || now >= out->expires_at ||
	    now - out->last_seen > SESSION_IDLE_SECONDS || out->user.disabled)
		return wb_error_set(err, WB_EAUTH, 401, "NOT_LOGGED_IN",
				    "未登录或会话已过期，请重新登录",
				    "not logged in or the session has expired; please log in");
	return 0;
}

int store_sessions_touch(struct store *st, const unsigned char token_hash[SECRET_HASH_BYTES],
			 struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_S_TOUCH);
	db_bind_int(s, 1, time_now());
	db_bind_blob(s, 2, token_hash, SECRET_HASH_BYTES);
	int rc = db_step(s, err);
	db_done(s);
	return rc < 0 ? rc : 0;
}

int store_sessions_delete(struct store *st, const unsigned char token_hash[SECRET_HASH_BYTES],
			  struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_S_DELETE);
	db_bind_blob(s, 1, token_hash, SECRET_HASH_BYTES);
	int rc = db_step(s, err);
	db_done(s);
	return rc < 0 ? rc : 0;
}

int store_sessions_delete_user(struct store *st, int64_t user_id, const unsigned char *keep,
			       struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_S_DELETE_USER);
	db_bind_int(s, 1, user_id);
	db_bind_blob(s, 2, keep, keep ? SECRET_HASH_BYTES : 0);
	db_bind_blob(s, 3, keep, keep ? SECRET_HASH_BYTES : 0);
	int rc = db_step(s, err);
	db_done(s);
	return rc < 0 ? rc : 0;
}
