/*
 * audit -- append, queue and verify the hash-chained audit log (see audit.h).
 */
#include "store/audit.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "store/db.h"
#include "store/store.h"

static const char SQL_HEAD[] = "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1";
static const char SQL_INSERT[] =
	"INSERT INTO audit_log (seq, at, user_id, username, action, object_type, object_id, "
	"detail, ip, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_SET_HEAD[] = "INSERT INTO settings (key, value) VALUES ('audit_head', ?) "
				   "ON CONFLICT (key) DO UPDATE SET value = excluded.value";
static const char SQL_GET_HEAD[] = "SELECT value FROM settings WHERE key = 'audit_head'";
static const char SQL_ALL[] =
	"SELECT seq, at, user_id, username, action, object_type, object_id, detail, ip, "
	"prev_hash, hash FROM audit_log ORDER BY seq";

struct chain_head {
	int64_t seq;
	unsigned char hash[SECRET_HASH_BYTES];
};

static int read_head(struct store *st, struct chain_head *h, struct wb_error *err)
{
	struct db_stmt *q = db_stmt(st->db, SQL_HEAD);
	int rc = db_step(q, err);
	memset(h, 0, sizeof(*h));
	if (rc == DB_ROW) {
		size_t n;
		const void *p = db_col_blob(q, 1, &n);
		h->seq = db_col_int(q, 0);
		if (p && n == SECRET_HASH_BYTES)
			memcpy(h->hash, p, n);
	}
	db_done(q);
	return rc < 0 ? rc : 0;
}

static int write_entry(struct store *st, struct chain_head *h, int64_t user_id,
		       const char *username, const char *ip, const struct audit_entry *e,
		       struct wb_error *err)
{
	char at[21], stack[1024];
	unsigned char hash[SECRET_HASH_BYTES];
	int64_t seq = h->seq + 1;

	store_now(at);
	size_t len = audit_canonical(stack, sizeof(stack), seq, at, user_id, username, e->action,
				     e->object_type, e->object_id, e->detail, ip);
	char *canon = stack;
	if (len >= sizeof(stack)) {
		canon = xmalloc(len + 1);
		audit_canonical(canon, len + 1, seq, at, user_id, username, e->action,
				e->object_type, e->object_id, e->detail, ip);
	}
	audit_chain_hash(hash, h->hash, canon, len);
	if (canon != stack)
		free(canon);

	/* Bound by reference: every value outlives the step. */
	struct db_stmt *q = db_stmt(st->db, SQL_INSERT);
	db_bind_int(q, 1, seq);
	db_bind_text_ref(q, 2, at);
	if (user_id)
		db_bind_int(q, 3, user_id);
	db_bind_text_ref(q, 4, username);
	db_bind_text_ref(q, 5, e->action);
	db_bind_text_ref(q, 6, e->object_type);
	if (e->object_id)
		db_bind_int(q, 7, e->object_id);
	db_bind_text_ref(q, 8, e->detail);
	db_bind_text_ref(q, 9, ip);
	db_bind_blob_ref(q, 10, h->hash, SECRET_HASH_BYTES);
	db_bind_blob_ref(q, 11, hash, SECRET_HASH_BYTES);
	int rc = db_step(q, err);
	db_done(q);
	if (rc < 0)
		return rc;
	h->seq = seq;
	memcpy(h->hash, hash, SECRET_HASH_BYTES);
	return 0;
}

static int write_head(struct store *st, const struct chain_head *h, struct wb_error *err)
{
	char text[24 + 2 * SECRET_HASH_BYTES + 2];
	char hex[2 * SECRET_HASH_BYTES + 1];
	secret_hex(hex, h->hash, SECRET_HASH_BYTES);
	snprintf(text, sizeof(text), "%" PRId64 ":%s", h->seq, hex);
	struct db_stmt *q = db_stmt(st->db, SQL_SET_HEAD);
	db_bind_text(q, 1, text);
	int rc = db_step(q, err);
	db_done(q);
	return rc < 0 ? rc : 0;
}

int store_audit_append(struct store *st, const struct wb_scope *actor, const struct audit_entry *e,
		       struct wb_error *err)
{
	struct chain_head h;
	int rc = read_head(st, &h, err);
	if (!rc)
		rc = write_entry(st, &h, actor->user_id, actor->username, actor->ip, e, err);
	if (!rc)
		rc = write_head(st, &h, err);
	return rc;
}

int store_audit_append_now(struct store *st, const struct wb_scope *actor,
			   const struct audit_entry *e, struct wb_error *err)
{
	int rc = db_begin_write(st->db, err);
	if (rc)
		return rc;
	rc = store_audit_append(st, actor, e, err);
	if (rc) {
		db_rollback(st->db);
		return rc;
	}
	return db_commit(st->db, err);
}

/* ---- the queue for read entries ------------------------------------------------ */

struct queued {
	int64_t user_id, object_id;
	const char *username, *ip, *action, *object_type, *detail; /* inside block */
	char *block; /* the five strings in one allocation */
};

#define QUEUE_MAX      65536
#define AUDIT_BATCH_MS 50

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake, space, idle;
	struct queued *items;
	size_t len, cap;
	int running, stopping, busy, waiting;
	pthread_t thread;
	struct store st;
	const struct secret_keys *keys;
} q = {.lock = PTHREAD_MUTEX_INITIALIZER,
       .wake = PTHREAD_COND_INITIALIZER,
       .space = PTHREAD_COND_INITIALIZER,
       .idle = PTHREAD_COND_INITIALIZER};

static void queued_free(struct queued *it)
{
	free(it->block);
}

/* Copy the entry's strings into one allocation, before the queue's lock is taken (five
 * strdup calls under the lock made the request threads wait on each other). */
static void queued_fill(struct queued *it, const struct wb_scope *actor,
			const struct audit_entry *e)
{
	const char *src[5] = {actor->username, actor->ip, e->action, e->object_type, e->detail};
	const char **dst[5] = {&it->username, &it->ip, &it->action, &it->object_type, &it->detail};
	size_t len[5], total = 1;
	for (int i = 0; i < 5; i++) {
		len[i] = src[i] ? strlen(src[i]) + 1 : 0;
		total += len[i];
	}
	char *p = it->block = xmalloc(total);
	for (int i = 0; i < 5; i++) {
		*dst[i] = NULL;
		if (src[i]) {
			memcpy(p, src[i], len[i]);
			*dst[i] = p;
			p += len[i];
		}
	}
	it->user_id = actor->user_id;
	it->object_id = e->object_id;
}

static int write_batch(struct queued *items, size_t n)
{
	struct wb_error err;
	struct chain_head h;
	int rc = db_begin_write(q.st.db, &err);
	if (rc)
		return rc;
	rc = read_head(&q.st, &h, &err);
	for (size_t i = 0; !rc && i < n; i++) {
		struct audit_entry e = {items[i].action, items[i].object_type, items[i].object_id,
					items[i].detail};
		rc = write_entry(&q.st, &h, items[i].user_id, items[i].username, items[i].ip, &e,
				 &err);
	}
	if (!rc)
		rc = write_head(&q.st, &h, &err);
	if (rc) {
		db_rollback(q.st.db);
		return rc;
	}
	return db_commit(q.st.db, &err);
}

static void *writer_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&q.lock);
	for (;;) {
		while (q.len == 0 && !q.stopping) {
			q.waiting = 1;
			pthread_cond_wait(&q.wake, &q.lock);
			q.waiting = 0;
		}
		if (q.len == 0 && q.stopping)
			break;
		struct queued *batch = q.items;
		size_t n = q.len;
		q.items = NULL;
		q.len = q.cap = 0;
		q.busy = 1;
		pthread_cond_broadcast(&q.space);
		pthread_mutex_unlock(&q.lock);

		/* Retry on a busy database: entries are never dropped. */
		for (int attempt = 0; write_batch(batch, n) != 0; attempt++) {
			if (attempt % 10 == 0)
				log_warn("audit: batch of %zu entries not written yet, retrying",
					 n);
			struct timespec ts = {0, 50 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
		for (size_t i = 0; i < n; i++)
			queued_free(&batch[i]);
		free(batch);

		/* Let entries gather: fewer, larger transactions, and above all fewer changes of
		 * the WAL. Every reader connection discards its whole page cache when the WAL
		 * changed since its last read, so writing the read-audit queue every 2 ms made
		 * every request read its pages again from the OS. At most AUDIT_BATCH_MS of
		 * entries wait in memory (the queue is flushed on shutdown). */
		if (!q.stopping && n < QUEUE_MAX / 4) {
			struct timespec pause = {0, AUDIT_BATCH_MS * 1000 * 1000};
			nanosleep(&pause, NULL);
		}
		pthread_mutex_lock(&q.lock);
		q.busy = 0;
		if (q.len == 0)
			pthread_cond_broadcast(&q.idle);
	}
	q.busy = 0;
	pthread_cond_broadcast(&q.idle);
	pthread_mutex_unlock(&q.lock);
	return NULL;
}

int audit_queue_start(const char *db_path, const struct secret_keys *keys, struct wb_error *err)
{
	int rc = store_open(&q.st, db_path, keys, 0, 0, err);
	if (rc)
		return rc;
	q.stopping = 0;
	q.running = 1;
	if (pthread_create(&q.thread, NULL, writer_main, NULL) != 0) {
		store_close(&q.st);
		q.running = 0;
		return wb_error_set(err, WB_EINTERNAL, 500, "THREAD", "无法启动审计写入线程",
				    "cannot start the audit writer thread");
	}
	return 0;
}

void audit_queue_stop(void)
{
	if (!q.running)
		return;
	pthread_mutex_lock(&q.lock);
	q.stopping = 1;
	pthread_cond_broadcast(&q.wake);
	pthread_mutex_unlock(&q.lock);
	pthread_join(q.thread, NULL);
	q.running = 0;
	store_close(&q.st);
}

void audit_queue_push(struct store *st, const struct wb_scope *actor, const struct audit_entry *e)
{
	if (!q.running) {
		struct wb_error err;
		if (store_audit_append_now(st, actor, e, &err))
			log_error("audit: cannot append %s: %s", e->action, err.code);
		return;
	}
	struct queued entry;
	queued_fill(&entry, actor, e);
	pthread_mutex_lock(&q.lock);
	while (q.len >= QUEUE_MAX) /* back-pressure instead of loss */
		pthread_cond_wait(&q.space, &q.lock);
	if (q.len == q.cap) {
		q.cap = q.cap ? q.cap * 2 : 256;
		q.items = xrealloc(q.items, q.cap * sizeof(*q.items));
	}
	q.items[q.len++] = entry;
	if (q.waiting) /* wake the writer only when it sleeps: a busy writer batches */
		pthread_cond_signal(&q.wake);
	pthread_mutex_unlock(&q.lock);
}

void audit_queue_flush(void)
{
	if (!q.running)
		return;
	pthread_mutex_lock(&q.lock);
	while (q.len > 0 || q.busy)
		pthread_cond_wait(&q.idle, &q.lock);
	pthread_mutex_unlock(&q.lock);
}

static const char SQL_LIST[] =
	"SELECT seq, at, user_id, username, action, object_type, object_id, detail, ip "
	"FROM audit_log WHERE (? = 0 OR seq < ?) ORDER BY seq DESC LIMIT ?";

static const char *nn(struct db_stmt *s, int c)
{
	return db_col_is_null(s, c) ? NULL : db_col_text(s, c);
}

int store_audit_list(struct store *st, int64_t before, int limit,
		     void (*cb)(void *ctx, const struct audit_row *a), void *ctx, int64_t *next,
		     struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_LIST);
	int rc, n = 0;
	int64_t last = 0;
	*next = 0;
	db_bind_int(s, 1, before);
	db_bind_int(s, 2, before);
	db_bind_int(s, 3, limit + 1);
	while ((rc = db_step(s, err)) == DB_ROW) {
		if (n == limit) {
			*next = last;
			break;
		}
		struct audit_row a = {db_col_int(s, 0),
				      db_col_is_null(s, 2) ? 0 : db_col_int(s, 2),
				      db_col_is_null(s, 6) ? 0 : db_col_int(s, 6),
				      nn(s, 1),
				      nn(s, 3),
				      nn(s, 4),
				      nn(s, 5),
				      nn(s, 7),
				      nn(s, 8)};
		last = a.seq;
		cb(ctx, &a);
		n++;
	}
	db_done(s);
	return rc < 0 ? rc : 0;
}

/* ---- verification ---------------------------------------------------------------- */

static const char *col_text(struct db_stmt *s, int c)
{
	return db_col_is_null(s, c) ? NULL : db_col_text(s, c);
}

int store_audit_verify(struct store *st, struct audit_verify_result *res, struct wb_error *err)
{
	unsigned char prev[SECRET_HASH_BYTES] = {0}, calc[SECRET_HASH_BYTES];
	struct buf_like {
		char *p;
		size_t cap;
	} canon = {NULL, 0};
	int64_t expect = 1;
	int rc = db_begin_read(st->db, err);
	if (rc)
		return rc;
	memset(res, 0, sizeof(*res));

	struct db_stmt *s = db_stmt(st->db, SQL_ALL);
	while ((rc = db_step(s, err)) == DB_ROW) {
		int64_t seq = db_col_int(s, 0);
		size_t plen, hlen;
		const unsigned char *ph = db_col_blob(s, 9, &plen);
		const unsigned char *hh = db_col_blob(s, 10, &hlen);
		res->entries++;
		if (seq != expect) {
			res->first_bad_seq = expect;
			snprintf(res->problem, sizeof(res->problem),
				 "entry %" PRId64 " is missing (next entry found is %" PRId64 ")",
				 expect, seq);
			break;
		}
		if (plen != SECRET_HASH_BYTES || !secret_equal(ph, prev, SECRET_HASH_BYTES)) {
			res->first_bad_seq = seq;
			snprintf(res->problem, sizeof(res->problem),
				 "entry %" PRId64 " does not follow its predecessor (removed or "
				 "reordered entries)",
				 seq);
			break;
		}
		for (;;) {
			size_t need =
				audit_canonical(canon.p, canon.cap, seq, col_text(s, 1),
						db_col_is_null(s, 2) ? 0 : db_col_int(s, 2),
						col_text(s, 3), col_text(s, 4), col_text(s, 5),
						db_col_is_null(s, 6) ? 0 : db_col_int(s, 6),
						col_text(s, 7), col_text(s, 8));
			if (need < canon.cap) {
				audit_chain_hash(calc, prev, canon.p, need);
				break;
			}
			canon.cap = need + 1;
			canon.p = xrealloc(canon.p, canon.cap);
		}
		if (hlen != SECRET_HASH_BYTES || !secret_equal(hh, calc, SECRET_HASH_BYTES)) {
			res->first_bad_seq = seq;
			snprintf(res->problem, sizeof(res->problem),
				 "entry %" PRId64
				 " was edited (its hash does not match its content)",
				 seq);
			break;
		}
		memcpy(prev, calc, SECRET_HASH_BYTES);
		expect++;
	}
	db_done(s);
	free(canon.p);
	if (rc < 0) {
		db_rollback(st->db);
		return rc;
	}
	if (!res->first_bad_seq) {
		/* The head in settings catches removal of the newest entries. */
		char hex[2 * SECRET_HASH_BYTES + 1], want[24 + sizeof(hex) + 2];
		secret_hex(hex, prev, SECRET_HASH_BYTES);
		snprintf(want, sizeof(want), "%" PRId64 ":%s", expect - 1, hex);
		struct db_stmt *h = db_stmt(st->db, SQL_GET_HEAD);
		int hr = db_step(h, err);
		const char *head = hr == DB_ROW ? db_col_text(h, 0) : NULL;
		if ((head && strcmp(head, want) != 0) || (!head && expect > 1)) {
			res->first_bad_seq = expect;
			snprintf(res->problem, sizeof(res->problem),
				 "the newest entries after %" PRId64
				 " were removed (head mismatch)",
				 expect - 1);
		}
		db_done(h);
	}
	db_rollback(st->db);
	return 0;
}
