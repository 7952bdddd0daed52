/*
 * auth -- sessions, CSRF and the login throttle.
 *
 * The session cookie holds a random token; the database holds only its hash. The CSRF
 * token is derived from the session token with a keyed hash, returned at login and by
 * GET /session; the UI sends it in X-CSRF-Token on every state change. A cross-site page
 * can neither read the cookie nor compute the token.
 * Password hashing (Argon2id, ~64 MiB and ~50 ms each) is capped by a semaphore so a
 * burst of logins cannot exhaust memory or starve the worker threads.
 */
#include "http/handlers.h"

#include <errno.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/secret.h"
#include "core/timeutil.h"

static sem_t hash_slots;

void auth_init(unsigned concurrent_hashes)
{
	sem_init(&hash_slots, 0, concurrent_hashes);
}

/* Wait up to 3 s for a hashing slot; 0 on success. */
int auth_hash_acquire(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 3;
	while (sem_timedwait(&hash_slots, &ts) != 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

void auth_hash_release(void)
{
	sem_post(&hash_slots);
}

int auth_session(struct req *r)
{
	struct wb_error err;
	const char *tok = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, "wb_session");
	wb_error_clear(&err);
	if (!tok || strlen(tok) != SECRET_TOKEN_CHARS - 1) {
		reply_errorx(r, 401, "NOT_LOGGED_IN", "未登录或会话已过期，请重新登录",
			     "not logged in or the session has expired; please log in");
		return -1;
	}
	secret_hash(r->token_hash, tok, strlen(tok));
	memcpy(r->session_token, tok, SECRET_TOKEN_CHARS);
	if (store_sessions_get(r->st, r->token_hash, &r->sess, &err)) {
		reply_error(r, &err);
		return -1;
	}
	/* Sliding idle expiry, written at most once a minute per session. */
	if (time_now() - r->sess.last_seen > 60)
		store_sessions_touch(r->st, r->token_hash, NULL);
	store_scope_init(&r->scope, r->sess.user.id, r->sess.user.username, r->sess.user.role,
			 r->sess.user.unit_id, r->sess.user.region_code, r->ip);
	r->authed = 1;
	return 0;
}

int auth_csrf(struct req *r)
{
	char want[SECRET_TOKEN_CHARS];
	const char *tok = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-CSRF-Token");
	if (tok && strlen(tok) == SECRET_TOKEN_CHARS - 1) {
		auth_csrf_token(r->app->keys, r->session_token, want);
		if (secret_equal(want, tok, SECRET_TOKEN_CHARS - 1))
			return 0;
	}
	reply_errorx(r, 403, "CSRF_INVALID", "安全令牌无效，请刷新页面后重试",
		     "the CSRF token is missing or wrong; reload the page and try again");
	return -1;
}

void auth_csrf_token(const struct secret_keys *keys, const char *session_token,
		     char out[SECRET_TOKEN_CHARS])
{
	unsigned char h[SECRET_HASH_BYTES];
	char msg[SECRET_TOKEN_CHARS + 8];
	snprintf(msg, sizeof(msg), "csrf:%s", session_token);
	secret_lookup_hash(keys, h, msg, strlen(msg));
	secret_b64url(out, h, sizeof(h));
}
