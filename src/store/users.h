/*
 * users and sessions -- accounts, login bookkeeping and session tokens.
 *
 * Passwords are stored as Argon2id strings. Login failures are counted per account;
 * after USERS_MAX_FAILURES the account is locked for USERS_LOCK_SECONDS. Sessions are
 * identified by the BLAKE2b hash of a random token (the token itself is only in the
 * user's cookie), expire after SESSION_IDLE_SECONDS without use or SESSION_MAX_SECONDS
 * in all. The CSRF token is derived from the session token (see http/auth.c).
 */
#ifndef WB_STORE_USERS_H
#define WB_STORE_USERS_H
#include <stdint.h>

#include "core/err.h"
#include "core/secret.h"
#include "domain/region.h"

struct store;
struct wb_scope;

#define USERS_MAX_FAILURES   5
#define USERS_LOCK_SECONDS   (15 * 60)
#define SESSION_IDLE_SECONDS (30 * 60)
#define SESSION_MAX_SECONDS  (12 * 3600)

struct user_row {
	int64_t id;
	char username[64];
	char password_hash[SECRET_PWHASH_BYTES];
	int role;
	int64_t unit_id;
	char region_code[REGION_CODE_MAX + 1];
	int failed_logins;
	int64_t locked_until;
	int disabled;
};

int store_users_create(struct store *st, const char *username, const char *password_hash, int role,
		       int64_t unit_id, const char *region, int64_t *id, struct wb_error *err);
int store_users_by_name(struct store *st, const char *username, struct user_row *out,
			struct wb_error *err);
int store_users_get(struct store *st, int64_t id, struct user_row *out, struct wb_error *err);
/* Record a failed login; locks the account at the limit. */
int store_users_login_failed(struct store *st, int64_t id, struct wb_error *err);
int store_users_login_ok(struct store *st, int64_t id, struct wb_error *err);
int store_users_set_password(struct store *st, int64_t id, const char *password_hash,
			     struct wb_error *err);

struct session_row {
	int64_t user_id;
	int64_t last_seen, expires_at;
	struct user_row user;
};

int store_sessions_create(struct store *st, const unsigned char token_hash[SECRET_HASH_BYTES],
			  int64_t user_id, const char *ip, struct wb_error *err);
/* Look up a live session (with its user); WB_EAUTH when absent, expired or disabled. */
int store_sessions_get(struct store *st, const unsigned char token_hash[SECRET_HASH_BYTES],
		       struct session_row *out, struct wb_error *err);
int store_sessions_touch(struct store *st, const unsigned char token_hash[SECRET_HASH_BYTES],
			 struct wb_error *err);
int store_sessions_delete(struct store *st, const unsigned char token_hash[SECRET_HASH_BYTES],
			  struct wb_error *err);
/* Drop every session of a user except keep (may be NULL), e.g. after a password change. */
int store_sessions_delete_user(struct store *st, int64_t user_id, const unsigned char *keep,
			       struct wb_error *err);

#endif
