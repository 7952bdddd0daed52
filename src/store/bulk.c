/*
 * bulk -- append-only bulk loading (see bulk.h).
 */
#include "store/bulk.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/xalloc.h"
#include "store/db.h"
#include "store/persons.h"
#include "store/store.h"

/* The secondary indexes of the big tables, dropped during a load and rebuilt after by
 * one sort each (measured on 1 M minors / 2.8 M persons: 15 s of a 45 s load, 8.6 s of
 * it the unique index of the random keyed ID hashes; keeping the ordered indexes live
 * during the load instead cost as much as rebuilding them).
 * Keep in step with the migrations. */
static const char SQL_DROP_INDEXES[] =
	"DROP INDEX IF EXISTS persons_scope; DROP INDEX IF EXISTS persons_scope_birth;"
	"DROP INDEX IF EXISTS persons_household; DROP INDEX IF EXISTS persons_school;"
	"DROP INDEX IF EXISTS relations_related; DROP INDEX IF EXISTS facts_person;"
	"DROP INDEX IF EXISTS persons_id_hash; DROP INDEX IF EXISTS relations_unique;"
	"DROP INDEX IF EXISTS facts_supersedes; DROP INDEX IF EXISTS households_region;";
/* The screening change triggers (migration 005): a bulk load marks nothing dirty; the
 * screening worker screens the whole database after it (no screen run yet, or a full
 * screen when the load is done). Same DDL as 005_screening.sql. */
static const char SQL_DROP_TRIGGERS[] =
	"DROP TRIGGER IF EXISTS screen_dirty_fact_ins; DROP TRIGGER IF EXISTS "
	"screen_dirty_fact_upd;"
	"DROP TRIGGER IF EXISTS screen_dirty_rel_ins; DROP TRIGGER IF EXISTS screen_dirty_rel_del;"
	"DROP TRIGGER IF EXISTS screen_dirty_person_ins;"
	"DROP TRIGGER IF EXISTS screen_dirty_person_upd;";
static const char SQL_CREATE_TRIGGERS[] =
	"CREATE TRIGGER IF NOT EXISTS screen_dirty_fact_ins AFTER INSERT ON facts BEGIN INSERT "
	"INTO screen_dirty (person_id) VALUES (NEW.person_id); END;"
	"CREATE TRIGGER IF NOT EXISTS screen_dirty_fact_upd AFTER UPDATE ON facts BEGIN INSERT "
	"INTO screen_dirty (person_id) VALUES (NEW.person_id); END;"
	"CREATE TRIGGER IF NOT EXISTS screen_dirty_rel_ins AFTER INSERT ON relations BEGIN INSERT "
	"INTO screen_dirty (person_id) VALUES (NEW.person_id); END;"
	"CREATE TRIGGER IF NOT EXISTS screen_dirty_rel_del AFTER DELETE ON relations BEGIN INSERT "
	"INTO screen_dirty (person_id) VALUES (OLD.person_id); END;"
	"CREATE TRIGGER IF NOT EXISTS screen_dirty_person_ins AFTER INSERT ON persons BEGIN "
	"INSERT INTO screen_dirty (person_id) VALUES (NEW.id); END;"
	"CREATE TRIGGER IF NOT EXISTS screen_dirty_person_upd AFTER UPDATE OF birth_date, "
	"household_id, household_region, scope_region, gender ON persons BEGIN INSERT INTO "
	"screen_dirty (person_id) VALUES (NEW.id); END;";
static const char SQL_CREATE_INDEXES[] =
	"CREATE INDEX IF NOT EXISTS persons_scope ON persons(scope_region, id);"
	"CREATE INDEX IF NOT EXISTS persons_scope_birth ON persons(scope_region, birth_date);"
	"CREATE INDEX IF NOT EXISTS persons_household ON persons(household_id);"
	"CREATE INDEX IF NOT EXISTS persons_school ON persons(school_unit_id);"
	"CREATE INDEX IF NOT EXISTS relations_related ON relations(related_id);"
	"CREATE INDEX IF NOT EXISTS facts_person ON facts(person_id, id);"
	"CREATE INDEX IF NOT EXISTS households_region ON households(region_code);"
	"CREATE UNIQUE INDEX IF NOT EXISTS persons_id_hash ON persons(id_hash);"
	"CREATE UNIQUE INDEX IF NOT EXISTS relations_unique ON relations(person_id, related_id, "
	"kind);"
	"CREATE UNIQUE INDEX IF NOT EXISTS facts_supersedes ON facts(supersedes) "
	"WHERE retracted_at IS NULL;";

/* The registry-version triggers (migration 008) are dropped during a load too (one
 * version update a row would be a sixth of it); their DDL is read back from the schema
 * first and run again at the end, and the version is moved once. The drops are inside
 * the load's transaction: an aborted load gets them back by the rollback. */
static const char SQL_REGISTRY_TRIGGERS[] =
	"SELECT group_concat(sql, ';'), group_concat('DROP TRIGGER ' || name, ';') "
	"FROM sqlite_master WHERE type = 'trigger' AND name GLOB 'registry_v_*'";
static const char SQL_REGISTRY_BUMP[] = "UPDATE registry_version SET n = n + 1 WHERE id = 1";
static char *registry_ddl;

static int drop_registry_triggers(struct store *st, struct wb_error *err)
{
	char *drops = NULL;
	struct db_stmt *s = db_stmt(st->db, SQL_REGISTRY_TRIGGERS);
	int rc = db_step(s, err);
	free(registry_ddl);
	registry_ddl = NULL;
	if (rc == DB_ROW && !db_col_is_null(s, 0)) {
		registry_ddl = xstrdup(db_col_text(s, 0));
		drops = xstrdup(db_col_text(s, 1));
	}
	db_done(s);
	if (rc < 0)
		return rc;
	rc = drops ? db_exec(st->db, drops, err) : 0;
	free(drops);
	return rc;
}

static int restore_registry_triggers(struct store *st, struct wb_error *err)
{
	int rc = registry_ddl ? db_exec(st->db, registry_ddl, err) : 0;
	free(registry_ddl);
	registry_ddl = NULL;
	return rc ? rc : db_exec(st->db, SQL_REGISTRY_BUMP, err);
}

static const char SQL_COUNT[] = "SELECT count(*) FROM persons";
static const char SQL_MAX[] =
	"SELECT (SELECT coalesce(max(id), 0) FROM persons), (SELECT coalesce(max(id), 0) FROM "
	"households), (SELECT coalesce(max(id), 0) FROM relations), (SELECT coalesce(max(id), 0) "
	"FROM facts), (SELECT coalesce(max(id), 0) FROM units)";
static const char SQL_REGION[] =
	"INSERT INTO regions (code, name, level, parent_code, source) VALUES (?, ?, ?, ?, ?) "
	"ON CONFLICT (code) DO NOTHING";
static const char SQL_UNIT[] =
	"INSERT INTO units (id, name, type, region_code, created_at) VALUES (?, ?, ?, ?, ?)";
#define SQL_HOUSEHOLD_HEAD   "INSERT INTO households (id, region_code, address) VALUES "
#define SQL_HOUSEHOLD_VALUES "(?, ?, ?)"
static const char SQL_HOUSEHOLD[] = SQL_HOUSEHOLD_HEAD SQL_HOUSEHOLD_VALUES;
#define SQL_PERSON_HEAD                                                                            \
	"INSERT INTO persons (id, name, gender, birth_date, id_cipher, id_hash, ethnicity, "       \
	"household_region, residence_region, scope_region, household_id, school_unit_id, "         \
	"phone_cipher, version, created_at, updated_at, created_by) VALUES "
#define SQL_PERSON_VALUES "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, 1)"
static const char SQL_PERSON[] = SQL_PERSON_HEAD SQL_PERSON_VALUES;
#define SQL_RELATION_HEAD                                                                          \
	"INSERT INTO relations (id, person_id, related_id, kind, is_guardian, lives_with, "        \
	"created_at, created_by) VALUES "
#define SQL_RELATION_VALUES "(?, ?, ?, ?, ?, ?, ?, 1)"
static const char SQL_RELATION[] = SQL_RELATION_HEAD SQL_RELATION_VALUES;
#define SQL_FACT_HEAD                                                                              \
	"INSERT INTO facts (id, person_id, type, value, valid_from, valid_to, source_unit_id, "    \
	"source_doc, recorded_by, recorded_at) VALUES "
#define SQL_FACT_VALUES "(?, ?, ?, ?, ?, ?, ?, ?, 1, ?)"
static const char SQL_FACT[] = SQL_FACT_HEAD SQL_FACT_VALUES;

static char load_time[21];
static size_t load_time_len;
static double t_begin, t_loaded, t_indexed, t_committed;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int writer_start(struct store *st);
static int writer_stop(int cancel, struct wb_error *err);

int bulk_count_persons(struct store *st, int64_t *n, struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_COUNT);
	int rc = db_step(s, err);
	*n = rc == DB_ROW ? db_col_int(s, 0) : 0;
	db_done(s);
	return rc < 0 ? rc : 0;
}

int bulk_begin(struct store *st, struct bulk_ids *next, struct wb_error *err)
{
	store_now(load_time);
	load_time_len = strlen(load_time);
	t_begin = t_loaded = t_indexed = t_committed = now_s();
	db_set_bulk(st->db, 1);
	int rc = db_begin_write(st->db, err);
	if (rc)
		return rc;
	struct db_stmt *s = db_stmt(st->db, SQL_MAX);
	rc = db_step(s, err);
	if (rc == DB_ROW) {
		next->person = db_col_int(s, 0) + 1;
		next->household = db_col_int(s, 1) + 1;
		next->relation = db_col_int(s, 2) + 1;
		next->fact = db_col_int(s, 3) + 1;
		next->unit = db_col_int(s, 4) + 1;
	}
	db_done(s);
	if (rc < 0 || (rc = db_exec(st->db, SQL_DROP_INDEXES, err)) != 0 ||
	    (rc = db_exec(st->db, SQL_DROP_TRIGGERS, err)) != 0 ||
	    (rc = drop_registry_triggers(st, err)) != 0) {
		bulk_abort(st);
		return rc;
	}
	return writer_start(st);
}

/* ---- the writer thread ------------------------------------------------------------
 *
 * The caller (the generator) builds rows, encrypts and hashes on its own thread; rows go
 * in batches through a small ring to a writer thread that only binds and steps, so the
 * two overlap (measured: generating and sealing was a fifth of the load). Rows keep their
 * order: one producer, one queue, one writer. The connection belongs to the writer from
 * bulk_begin to bulk_finish (or bulk_abort); the caller must not use it in between. An
 * error on the writer stops the writing; the next bulk_* call of the caller returns it. */

enum { ROW_REGION, ROW_UNIT, ROW_HOUSEHOLD, ROW_PERSON, ROW_RELATION, ROW_FACT };

#define BATCH_ROWS 2048
#define BATCH_POOL (BATCH_ROWS * 200)
#define VAL_MAX	   255 /* bytes of a value (the generator's buffers are smaller) */
#define ROW_MAX	   (NVAL * (VAL_MAX + 1)) /* bytes of a row's strings and blobs, at most */
#define NBATCH	   6
#define NVAL	   10

struct row {
	unsigned char kind;
	int64_t n[3];
	int32_t off[NVAL]; /* into the batch pool; -1: NULL */
	uint16_t len[NVAL];
};

struct batch {
	int nrows;
	size_t used;
	struct row rows[BATCH_ROWS];
	char pool[BATCH_POOL];
};

static struct {
	struct store *st;
	pthread_t thread;
	int running;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct batch *queue[NBATCH]; /* full batches, FIFO */
	int qhead, qlen;
	struct batch *spare[NBATCH];
	int nspare;
	int finish, cancel;
	int rc; /* first error of the writer */
	struct wb_error err;
	struct batch *cur; /* the caller's batch being filled */
} w = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static const char *val(struct batch *b, const struct row *r, int i)
{
	return r->off[i] < 0 ? NULL : b->pool + r->off[i];
}

static void bind_text(struct db_stmt *s, int idx, struct batch *b, const struct row *r, int i)
{
	db_bind_text_ref_len(s, idx, val(b, r, i), r->len[i]);
}

/* Bind row r's values as parameters base+1 … of s. */
static void bind_row(struct db_stmt *s, int base, struct batch *b, const struct row *r)
{
	switch (r->kind) {
	case ROW_REGION:
		bind_text(s, base + 1, b, r, 0);
		bind_text(s, base + 2, b, r, 1);
		db_bind_int(s, base + 3, r->n[0]);
		bind_text(s, base + 4, b, r, 2);
		bind_text(s, base + 5, b, r, 3);
		break;
	case ROW_UNIT:
		db_bind_int(s, base + 1, r->n[0]);
		bind_text(s, base + 2, b, r, 0);
		bind_text(s, base + 3, b, r, 1);
		bind_text(s, base + 4, b, r, 2);
		db_bind_text_ref_len(s, base + 5, load_time, load_time_len);
		break;
	case ROW_HOUSEHOLD:
		db_bind_int(s, base + 1, r->n[0]);
		bind_text(s, base + 2, b, r, 0);
		bind_text(s, base + 3, b, r, 1);
		break;
	case ROW_PERSON:
		db_bind_int(s, base + 1, r->n[0]);
		bind_text(s, base + 2, b, r, 0);
		bind_text(s, base + 3, b, r, 1);
		bind_text(s, base + 4, b, r, 2);
		db_bind_blob_ref(s, base + 5, val(b, r, 3), r->len[3]);
		db_bind_blob_ref(s, base + 6, val(b, r, 4), r->len[4]);
		bind_text(s, base + 7, b, r, 5);
		bind_text(s, base + 8, b, r, 6);
		bind_text(s, base + 9, b, r, 7);
		bind_text(s, base + 10, b, r, r->off[7] >= 0 ? 7 : 6);
		if (r->n[1])
			db_bind_int(s, base + 11, r->n[1]);
		if (r->n[2])
			db_bind_int(s, base + 12, r->n[2]);
		db_bind_blob_ref(s, base + 13, val(b, r, 8), r->len[8]);
		db_bind_text_ref_len(s, base + 14, load_time, load_time_len);
		db_bind_text_ref_len(s, base + 15, load_time, load_time_len);
		break;
	case ROW_RELATION:
		db_bind_int(s, base + 1, r->n[0]);
		db_bind_int(s, base + 2, r->n[1]);
		db_bind_int(s, base + 3, r->n[2]);
		bind_text(s, base + 4, b, r, 0);
		db_bind_int(s, base + 5, r->len[1]);
		db_bind_int(s, base + 6, r->len[2]);
		db_bind_text_ref_len(s, base + 7, load_time, load_time_len);
		break;
	default: /* ROW_FACT */
		db_bind_int(s, base + 1, r->n[0]);
		db_bind_int(s, base + 2, r->n[1]);
		bind_text(s, base + 3, b, r, 0);
		bind_text(s, base + 4, b, r, 1);
		bind_text(s, base + 5, b, r, 2);
		bind_text(s, base + 6, b, r, 3);
		if (r->n[2])
			db_bind_int(s, base + 7, r->n[2]);
		bind_text(s, base + 8, b, r, 4);
		db_bind_text_ref_len(s, base + 9, load_time, load_time_len);
		break;
	}
}

/* Per kind: the one-row statement, its number of parameters, and the text of a row of
 * VALUES for the statement of MULTI rows at once (one step and reset for MULTI rows:
 * measured, the per-statement work was a large part of an insert). */
#define MULTI 16
static const struct {
	const char *one;
	int nparam;
	const char *head, *values;
} kinds[] = {
	[ROW_REGION] = {SQL_REGION, 5, NULL, NULL},
	[ROW_UNIT] = {SQL_UNIT, 5, NULL, NULL},
	[ROW_HOUSEHOLD] = {SQL_HOUSEHOLD, 3, SQL_HOUSEHOLD_HEAD, SQL_HOUSEHOLD_VALUES},
	[ROW_PERSON] = {SQL_PERSON, 15, SQL_PERSON_HEAD, SQL_PERSON_VALUES},
	[ROW_RELATION] = {SQL_RELATION, 7, SQL_RELATION_HEAD, SQL_RELATION_VALUES},
	[ROW_FACT] = {SQL_FACT, 9, SQL_FACT_HEAD, SQL_FACT_VALUES},
};
#define NKINDS ((int)(sizeof(kinds) / sizeof(kinds[0])))
static char *multi_sql[NKINDS];

static void multi_sql_init(void)
{
	for (int k = 0; k < NKINDS; k++) {
		if (!kinds[k].head || multi_sql[k])
			continue;
		size_t n = strlen(kinds[k].head) + MULTI * (strlen(kinds[k].values) + 1) + 1;
		char *q = xmalloc(n);
		size_t used = (size_t)snprintf(q, n, "%s", kinds[k].head);
		for (int i = 0; i < MULTI; i++)
			used += (size_t)snprintf(q + used, n - used, "%s%s", i ? "," : "",
						 kinds[k].values);
		multi_sql[k] = q;
	}
}

/* Write a batch: table by table (the rows of each table keep their order; the load has
 * no foreign-key checks, so the order between tables does not matter), MULTI rows a
 * statement where the kind has one. */
static int write_batch(struct store *st, struct batch *b, struct wb_error *err)
{
	const struct row *pick[MULTI];
	for (int k = 0; k < NKINDS; k++) {
		int n = 0;
		for (int i = 0; i <= b->nrows; i++) {
			int last = i == b->nrows;
			if (!last && b->rows[i].kind != k)
				continue;
			if (!last)
				pick[n++] = &b->rows[i];
			if (n == MULTI && multi_sql[k]) {
				struct db_stmt *s = db_stmt(st->db, multi_sql[k]);
				for (int j = 0; j < n; j++)
					bind_row(s, j * kinds[k].nparam, b, pick[j]);
				int rc = db_step_done(s, err);
				if (rc)
					return rc;
				n = 0;
			} else if (n && (last || !multi_sql[k])) {
				for (int j = 0; j < n; j++) {
					struct db_stmt *s = db_stmt(st->db, kinds[k].one);
					bind_row(s, 0, b, pick[j]);
					int rc = db_step_done(s, err);
					if (rc)
						return rc;
				}
				n = 0;
			}
		}
	}
	return 0;
}

static void *writer(void *arg)
{
	(void)arg;
	struct wb_error err;
	wb_error_clear(&err);
	pthread_mutex_lock(&w.mu);
	for (;;) {
		while (!w.qlen && !w.finish)
			pthread_cond_wait(&w.cv, &w.mu);
		if (!w.qlen)
			break;
		struct batch *b = w.queue[w.qhead];
		w.qhead = (w.qhead + 1) % NBATCH;
		w.qlen--;
		int skip = w.rc || w.cancel;
		pthread_mutex_unlock(&w.mu);
		int rc = skip ? 0 : write_batch(w.st, b, &err);
		pthread_mutex_lock(&w.mu);
		if (rc && !w.rc) {
			w.rc = rc;
			w.err = err;
		}
		b->nrows = 0;
		b->used = 0;
		w.spare[w.nspare++] = b;
		pthread_cond_broadcast(&w.cv);
	}
	pthread_mutex_unlock(&w.mu);
	return NULL;
}

static int writer_start(struct store *st)
{
	multi_sql_init();
	w.st = st;
	w.qhead = w.qlen = w.nspare = 0;
	w.finish = w.cancel = w.rc = 0;
	wb_error_clear(&w.err);
	for (int i = 0; i < NBATCH; i++) {
		struct batch *b = xmalloc(sizeof(*b));
		b->nrows = 0;
		b->used = 0;
		w.spare[w.nspare++] = b;
	}
	w.cur = w.spare[--w.nspare];
	if (pthread_create(&w.thread, NULL, writer, NULL) != 0) {
		/* No thread: the caller's thread writes each batch itself. */
		w.running = 0;
		return 0;
	}
	w.running = 1;
	return 0;
}

/* Hand the current batch to the writer and take an empty one. */
static int submit(struct wb_error *err)
{
	struct batch *b = w.cur;
	if (!w.running) {
		int rc = write_batch(w.st, b, err);
		b->nrows = 0;
		b->used = 0;
		return rc;
	}
	pthread_mutex_lock(&w.mu);
	w.queue[(w.qhead + w.qlen) % NBATCH] = b;
	w.qlen++;
	pthread_cond_broadcast(&w.cv);
	while (!w.nspare)
		pthread_cond_wait(&w.cv, &w.mu);
	w.cur = w.spare[--w.nspare];
	int rc = w.rc;
	if (rc && err)
		*err = w.err;
	pthread_mutex_unlock(&w.mu);
	return rc;
}

/* Stop the writer after the queued batches (or at once when cancel) and free the ring. */
static int writer_stop(int cancel, struct wb_error *err)
{
	int rc = 0;
	if (!w.cur)
		return 0;
	if (!cancel && w.cur->nrows)
		rc = submit(err);
	if (w.running) {
		pthread_mutex_lock(&w.mu);
		w.finish = 1;
		w.cancel = cancel;
		pthread_cond_broadcast(&w.cv);
		pthread_mutex_unlock(&w.mu);
		pthread_join(w.thread, NULL);
		w.running = 0;
		if (!rc && w.rc && !cancel) {
			rc = w.rc;
			if (err)
				*err = w.err;
		}
	}
	free(w.cur);
	w.cur = NULL;
	for (int i = 0; i < w.nspare; i++)
		free(w.spare[i]);
	w.nspare = 0;
	return rc;
}

/* A new row in the current batch (handing the batch over first when it is full). */
static struct row *row_new(int kind, struct wb_error *err, int *rc)
{
	*rc = 0;
	if (w.cur->nrows == BATCH_ROWS || BATCH_POOL - w.cur->used < ROW_MAX)
		if ((*rc = submit(err)) != 0)
			return NULL;
	struct row *r = &w.cur->rows[w.cur->nrows++];
	r->kind = (unsigned char)kind;
	return r;
}

static void put(struct row *r, int i, const void *p, size_t n, int nul)
{
	struct batch *b = w.cur;
	if (!p) {
		r->off[i] = -1;
		r->len[i] = 0;
		return;
	}
	if (n > VAL_MAX)
		n = VAL_MAX;
	r->off[i] = (int32_t)b->used;
	r->len[i] = (uint16_t)n;
	memcpy(b->pool + b->used, p, n);
	b->used += n;
	if (nul)
		b->pool[b->used++] = '\0';
}

static void put_text(struct row *r, int i, const char *s)
{
	put(r, i, s, s ? strlen(s) : 0, 1);
}

int bulk_region(struct store *st, const char *code, const char *name, int level, const char *parent,
		const char *source, struct wb_error *err)
{
	(void)st;
	int rc;
	struct row *r = row_new(ROW_REGION, err, &rc);
	if (!r)
		return rc;
	r->n[0] = level;
	put_text(r, 0, code);
	put_text(r, 1, name);
	put_text(r, 2, parent);
	put_text(r, 3, source);
	return 0;
}

int bulk_unit(struct store *st, int64_t id, const char *name, const char *type, const char *region,
	      struct wb_error *err)
{
	(void)st;
	int rc;
	struct row *r = row_new(ROW_UNIT, err, &rc);
	if (!r)
		return rc;
	r->n[0] = id;
	put_text(r, 0, name);
	put_text(r, 1, type);
	put_text(r, 2, region);
	return 0;
}

int bulk_household(struct store *st, int64_t id, const char *region, const char *address,
		   struct wb_error *err)
{
	(void)st;
	int rc;
	struct row *r = row_new(ROW_HOUSEHOLD, err, &rc);
	if (!r)
		return rc;
	r->n[0] = id;
	put_text(r, 0, region);
	put_text(r, 1, address);
	return 0;
}

int bulk_person(struct store *st, const struct bulk_person *p, struct wb_error *err)
{
	unsigned char idc[64], idh[SECRET_HASH_BYTES], phc[64];
	size_t idclen = 0, phclen = 0;
	char gender[2] = {p->gender, 0};
	int rc;

	if (p->id_number[0])
		store_persons_seal_id(st, p->id_number, idc, &idclen, idh);
	if (p->phone)
		store_persons_seal_phone(st, p->phone, phc, &phclen);
	struct row *r = row_new(ROW_PERSON, err, &rc);
	if (!r)
		return rc;
	r->n[0] = p->id;
	r->n[1] = p->household_id;
	r->n[2] = p->school_unit_id;
	put_text(r, 0, p->name);
	put_text(r, 1, gender);
	put_text(r, 2, p->birth_date);
	put(r, 3, idclen ? idc : NULL, idclen, 0);
	put(r, 4, idclen ? idh : NULL, SECRET_HASH_BYTES, 0);
	put_text(r, 5, p->ethnicity);
	put_text(r, 6, p->household_region);
	put_text(r, 7, p->residence_region);
	put(r, 8, phclen ? phc : NULL, phclen, 0);
	return 0;
}

int bulk_relation(struct store *st, int64_t id, int64_t child, int64_t related, const char *kind,
		  int is_guardian, int lives_with, struct wb_error *err)
{
	(void)st;
	int rc;
	struct row *r = row_new(ROW_RELATION, err, &rc);
	if (!r)
		return rc;
	r->n[0] = id;
	r->n[1] = child;
	r->n[2] = related;
	put_text(r, 0, kind);
	r->len[1] = (uint16_t)(is_guardian != 0);
	r->len[2] = (uint16_t)(lives_with != 0);
	return 0;
}

int bulk_fact(struct store *st, int64_t id, const struct bulk_fact *f, struct wb_error *err)
{
	(void)st;
	int rc;
	struct row *r = row_new(ROW_FACT, err, &rc);
	if (!r)
		return rc;
	r->n[0] = id;
	r->n[1] = f->person_id;
	r->n[2] = f->source_unit_id;
	put_text(r, 0, f->type);
	put_text(r, 1, f->value);
	put_text(r, 2, f->valid_from);
	put_text(r, 3, f->valid_to);
	put_text(r, 4, f->source_doc);
	return 0;
}

int bulk_finish(struct store *st, struct wb_error *err)
{
	(void)st;
	int rc = writer_stop(0, err);
	t_loaded = now_s();
	return rc;
}

void bulk_timings(double *load, double *indexes, double *commit)
{
	*load = t_loaded - t_begin;
	*indexes = t_indexed - t_loaded;
	*commit = t_committed - t_indexed;
}

int bulk_commit(struct store *st, struct wb_error *err)
{
	int rc = bulk_finish(st, err);
	if (rc) {
		bulk_abort(st);
		return rc;
	}
	rc = db_exec(st->db, SQL_CREATE_INDEXES, err);
	if (!rc)
		rc = db_exec(st->db, SQL_CREATE_TRIGGERS, err);
	if (!rc)
		rc = restore_registry_triggers(st, err);
	if (rc) {
		bulk_abort(st);
		return rc;
	}
	t_indexed = now_s();
	rc = db_commit(st->db, err);
	db_set_bulk(st->db, 0);
	t_committed = now_s();
	return rc;
}

void bulk_abort(struct store *st)
{
	writer_stop(1, NULL);
	db_rollback(st->db);
	db_set_bulk(st->db, 0);
}
