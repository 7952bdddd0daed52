/*
 * audit -- the append-only, hash-chained audit log.
 *
 * Every login, every read of a person's record and every change is an entry. Entry n
 * stores hash_n = BLAKE2b(hash_{n-1} || canonical(entry n)), with hash_0 = 32 zero
 * bytes, and the head (last seq and hash) is kept in settings, so editing, removing,
 * reordering or truncating entries is detected by store_audit_verify. SQLite triggers
 * also refuse UPDATE and DELETE on the table.
 *
 * Changes append their entry inside their own write transaction (store_audit_append),
 * so a change and its audit entry land together or not at all. Reads are many and
 * must not serialise on the write lock one by one: they go through a queue
 * (audit_queue_push) drained by one writer thread in batches, each batch one
 * transaction; the queue is flushed on shutdown. Sensitive disclosures (revealing an
 * ID number) are appended synchronously before the answer is sent.
 */
#ifndef WB_AUDIT_H
#define WB_AUDIT_H
#include <stdint.h>

#include "core/err.h"
#include "core/secret.h"
#include "domain/audit_chain.h"

struct store;
struct wb_scope;

struct audit_entry {
	const char *action;	 /* e.g. "person.read", "login.ok" */
	const char *object_type; /* e.g. "person"; may be NULL */
	int64_t object_id;
	const char *detail; /* short JSON text, no personal data beyond what is needed */
};

/* Append inside the caller's write transaction. */
int store_audit_append(struct store *st, const struct wb_scope *actor, const struct audit_entry *e,
		       struct wb_error *err);
/* Append in a transaction of its own. */
int store_audit_append_now(struct store *st, const struct wb_scope *actor,
			   const struct audit_entry *e, struct wb_error *err);

/* Start/stop the background writer for queued entries. */
int audit_queue_start(const char *db_path, const struct secret_keys *keys, struct wb_error *err);
void audit_queue_stop(void);
/* Queue an entry (copied). Falls back to a synchronous append when no queue runs. */
void audit_queue_push(struct store *st, const struct wb_scope *actor, const struct audit_entry *e);
/* Wait until everything queued so far is written (tests, shutdown). */
void audit_queue_flush(void);

struct audit_verify_result {
	int64_t entries;
	int64_t first_bad_seq; /* 0 when the chain is intact */
	char problem[160];
};
int store_audit_verify(struct store *st, struct audit_verify_result *res, struct wb_error *err);

struct audit_row {
	int64_t seq, user_id, object_id;
	const char *at, *username, *action, *object_type, *detail, *ip; /* valid in cb only */
};
/* Newest first, entries before seq `before` (0: from the newest); *next is the cursor of
 * the following page or 0. */
int store_audit_list(struct store *st, int64_t before, int limit,
		     void (*cb)(void *ctx, const struct audit_row *a), void *ctx, int64_t *next,
		     struct wb_error *err);

#endif
