/*
 * bulk -- bulk loading of an empty registry (see bulk.h).
 *
 * The load goes into a copy of the database (VACUUM INTO FILE.bulk-tmp) that replaces the
 * file by rename() when everything is written: an interrupted load leaves the database
 * as it was (and a stale copy, removed by the next load). In the copy:
 *
 *   - regions and units go through SQLite (few rows; they come first);
 *   - households, persons, relations and facts are written page by page (pagefile.c)
 *     into their empty tables, in rowid order, by a writer thread of this file that also
 *     seals the ID numbers and phones, while the caller generates the next rows;
 *   - their secondary indexes are collected as compact keys (bulk_index.c), sorted and
 *     written when the rows are done, on both cores;
 *   - the caller's last statements (the audit entry) and the registry-version bump go
 *     through SQLite again, which reads the new header and sees the new pages.
 *
 * Measured on 1 M minors (2.8 M persons): SQLite's own path spent 17 s on the rows and
 * 28 s on CREATE INDEX (its sorter merges linked lists with a cache miss a step); see
 * docs/benchmarks.md for the figures of this path.
 */
#include "store/bulk.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/timeutil.h"
#include "core/xalloc.h"
#include "store/bulk_index.h"
#include "store/db.h"
#include "store/pagefile.h"
#include "store/persons.h"
#include "store/store.h"

/* ---- the page-written tables and their indexes -----------------------------------
 * Keep in step with the migrations: bulk_begin compares both with the schema and refuses
 * a load when they differ (a test runs a load, so a migration that changes them without
 * changing this fails the tests). */

enum { T_HOUSEHOLDS, T_PERSONS, T_RELATIONS, T_FACTS, NTABLES };

static const struct {
	const char *name;
	/* columns in order with their declared types: every value is written with the type
	 * its column declares (so affinity changes nothing), comma-separated */
	const char *columns;
} tables[NTABLES] = {
	[T_HOUSEHOLDS] = {"households", "id INTEGER,region_code TEXT,address TEXT"},
	[T_PERSONS] = {"persons",
		       "id INTEGER,name TEXT,gender TEXT,birth_date TEXT,id_cipher BLOB,"
		       "id_hash BLOB,ethnicity TEXT,household_region TEXT,residence_region TEXT,"
		       "scope_region TEXT,household_id INTEGER,school_unit_id INTEGER,"
		       "phone_cipher BLOB,version INTEGER,created_at TEXT,updated_at TEXT,"
		       "created_by INTEGER"},
	[T_RELATIONS] = {"relations", "id INTEGER,person_id INTEGER,related_id INTEGER,kind TEXT,"
				      "is_guardian INTEGER,lives_with INTEGER,created_at TEXT,"
				      "created_by INTEGER,import_id INTEGER"},
	[T_FACTS] = {"facts", "id INTEGER,person_id INTEGER,type TEXT,value TEXT,valid_from TEXT,"
			      "valid_to TEXT,source_unit_id INTEGER,source_doc TEXT,note TEXT,"
			      "recorded_by INTEGER,recorded_at TEXT,supersedes INTEGER,"
			      "import_id INTEGER,import_row INTEGER,retracted_at TEXT"},
};
#define NCOLS_MAX 17

/* Column numbers as in tables[].columns. */
static const struct bix_def index_defs[] = {
	{"households_region", T_HOUSEHOLDS, 1, {1}, {BIX_TEXT}},
	{"persons_scope", T_PERSONS, 2, {9, 0}, {BIX_TEXT, BIX_INT}},
	{"persons_scope_birth", T_PERSONS, 2, {9, 3}, {BIX_TEXT, BIX_TEXT}},
	{"persons_household", T_PERSONS, 1, {10}, {BIX_INT}},
	{"persons_school", T_PERSONS, 1, {11}, {BIX_INT}},
	{"persons_id_hash", T_PERSONS, 1, {5}, {BIX_BLOB}},
	{"relations_related", T_RELATIONS, 1, {2}, {BIX_INT}},
	{"relations_unique", T_RELATIONS, 3, {1, 2, 3}, {BIX_INT, BIX_INT, BIX_TEXT}},
	{"facts_person", T_FACTS, 2, {1, 0}, {BIX_INT, BIX_INT}},
};
#define NINDEXES ((int)(sizeof(index_defs) / sizeof(index_defs[0])))
/* Partial indexes (migration 010) that hold no loaded row: every loaded fact and relation
 * has these columns NULL, so the indexes stay empty. */
static const struct {
	const char *name, *where;
} empty_indexes[] = {
	{"facts_supersedes", "WHERE supersedes IS NOT NULL AND retracted_at IS NULL"},
	{"relations_import", "WHERE import_id IS NOT NULL"},
};
#define NEMPTY ((int)(sizeof(empty_indexes) / sizeof(empty_indexes[0])))

static const char SQL_REGISTRY_BUMP[] = "UPDATE registry_version SET n = n + 1 WHERE id = 1";
static const char SQL_COUNT[] = "SELECT count(*) FROM persons";
static const char SQL_MAX[] =
	"SELECT (SELECT coalesce(max(id), 0) FROM persons), (SELECT coalesce(max(id), 0) FROM "
	"households), (SELECT coalesce(max(id), 0) FROM relations), (SELECT coalesce(max(id), 0) "
	"FROM facts), (SELECT coalesce(max(id), 0) FROM units)";
static const char SQL_NOT_EMPTY[] =
	"SELECT EXISTS (SELECT 1 FROM households) OR EXISTS (SELECT 1 FROM persons) OR EXISTS "
	"(SELECT 1 FROM relations) OR EXISTS (SELECT 1 FROM facts)";
static const char SQL_ROOT[] = "SELECT rootpage, type, tbl_name, coalesce(sql, '') FROM "
			       "sqlite_master WHERE name = ?";
/* Key columns in BINARY order ascending only: bulk_index.c sorts so (a NOCASE or DESC
 * column would not be listed, and the index refused). */
static const char SQL_INDEX_COLUMNS[] =
	"SELECT coalesce(name, '?') FROM pragma_index_xinfo(?) WHERE key = 1 AND coll = 'BINARY' "
	"AND \"desc\" = 0 ORDER BY seqno";
static const char SQL_TABLE_INDEXES[] =
	"SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('households', "
	"'persons', 'relations', 'facts')";
static const char SQL_REGION[] =
	"INSERT INTO regions (code, name, level, parent_code, source) VALUES (?, ?, ?, ?, ?) "
	"ON CONFLICT (code) DO NOTHING";
static const char SQL_UNIT[] =
	"INSERT INTO units (id, name, type, region_code, created_at) VALUES (?, ?, ?, ?, ?)";

/* The load in progress (one at a time: the CLI's). */
static struct {
	struct store tmp; /* the copy's connection */
	int tmp_open;
	char path[PATH_MAX], tmp_path[PATH_MAX + 16];
	uint32_t table_root[NTABLES], index_root[NINDEXES];
	struct pf_file *pf; /* from the first page-written row on */
	struct pf_tree *tree[NTABLES];
	struct bix *bix;
	int pages; /* page-written rows have started: no more SQL rows */
} L;

static char load_time[21];
static size_t load_time_len;
static double t_begin, t_loaded, t_indexed, t_committed;

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

static int schema_error(struct wb_error *err, const char *what)
{
	return wb_error_setx(err, WB_EINTERNAL, 500, "BULK_SCHEMA",
			     "数据库结构与批量加载程序不一致（需更新 src/store/bulk.c）",
			     "the schema differs from what the bulk loader writes (update "
			     "src/store/bulk.c)",
			     what);
}

/* The names of a pragma's rows (columns of a table or an index), comma-separated. */
static int name_list(struct db *db, const char *sql, const char *of, char *out, size_t cap,
		     struct wb_error *err)
{
	struct db_stmt *s = db_stmt(db, sql);
	db_bind_text(s, 1, of);
	size_t used = 0;
	int rc;
	out[0] = 0;
	while ((rc = db_step(s, err)) == DB_ROW)
		used += (size_t)snprintf(out + used, used < cap ? cap - used : 0, "%s%s",
					 used ? "," : "", db_col_text(s, 0));
	db_done(s);
	return rc < 0 ? rc : 0;
}

/* The root page of an index, and its CREATE statement. */
static int index_root(struct db *db, const char *name, uint32_t *root, char *sql, size_t cap,
		      struct wb_error *err)
{
	struct db_stmt *s = db_stmt(db, SQL_ROOT);
	db_bind_text(s, 1, name);
	int rc = db_step(s, err);
	if (rc == DB_ROW && strcmp(db_col_text(s, 1), "index") == 0) {
		*root = (uint32_t)db_col_int(s, 0);
		snprintf(sql, cap, "%s", db_col_text(s, 3));
		rc = 0;
	} else if (rc >= 0) {
		rc = schema_error(err, name);
	}
	db_done(s);
	return rc;
}

/* The name of column c of a tables[].columns list (the word before its type). */
static void column_name(const char *columns, int c, char *out, size_t cap)
{
	const char *p = columns;
	for (int i = 0; i < c && p; i++)
		if ((p = strchr(p, ',')) != NULL)
			p++;
	size_t n = p ? strcspn(p, " ,") : 0;
	snprintf(out, cap, "%.*s", (int)n, p ? p : "");
}

/* Tables, columns and indexes as this file writes them; their root pages into L. */
static int check_schema(struct db *db, struct wb_error *err)
{
	char got[1024], want[256], sql[1024];
	int rc;
	for (int t = 0; t < NTABLES; t++) {
		if ((rc = db_table_layout(db, tables[t].name, &L.table_root[t], got, sizeof(got),
					  err)))
			return rc;
		if (!L.table_root[t] || strcmp(got, tables[t].columns) != 0)
			return schema_error(err, tables[t].name);
	}
	for (int i = 0; i < NINDEXES; i++) {
		const struct bix_def *d = &index_defs[i];
		if ((rc = index_root(db, d->name, &L.index_root[i], sql, sizeof(sql), err)) ||
		    (rc = name_list(db, SQL_INDEX_COLUMNS, d->name, got, sizeof(got), err)))
			return rc;
		size_t used = 0;
		want[0] = 0;
		for (int c = 0; c < d->ncols; c++) {
			char col[64];
			column_name(tables[d->table].columns, d->col[c], col, sizeof(col));
			used += (size_t)snprintf(want + used, sizeof(want) - used, "%s%s",
						 c ? "," : "", col);
		}
		if (strcmp(got, want) != 0 || strstr(sql, " WHERE ") ||
		    !strstr(sql, tables[d->table].name))
			return schema_error(err, d->name);
	}
	for (int i = 0; i < NEMPTY; i++) {
		uint32_t root;
		if ((rc = index_root(db, empty_indexes[i].name, &root, sql, sizeof(sql), err)))
			return rc;
		if (!strstr(sql, empty_indexes[i].where))
			return schema_error(err, empty_indexes[i].name);
	}
	/* No index this file does not know (each would be left empty). */
	struct db_stmt *s = db_stmt(db, SQL_TABLE_INDEXES);
	while ((rc = db_step(s, err)) == DB_ROW) {
		const char *name = db_col_text(s, 0);
		int known = 0;
		for (int i = 0; i < NINDEXES && !known; i++)
			known = strcmp(name, index_defs[i].name) == 0;
		for (int i = 0; i < NEMPTY && !known; i++)
			known = strcmp(name, empty_indexes[i].name) == 0;
		if (!known) {
			snprintf(got, sizeof(got), "%s", name);
			rc = -1;
			break;
		}
	}
	db_done(s);
	return rc == -1 ? schema_error(err, got) : rc < 0 ? rc : 0;
}

static int single_int(struct db *db, const char *sql, int64_t *out, struct wb_error *err)
{
	struct db_stmt *s = db_stmt(db, sql);
	int rc = db_step(s, err);
	*out = rc == DB_ROW ? db_col_int(s, 0) : 0;
	db_done(s);
	return rc < 0 ? rc : 0;
}

static void remove_copy(void)
{
	static const char *const suffixes[] = {"", "-journal", "-wal", "-shm"};
	char p[sizeof(L.tmp_path) + 16];
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", L.tmp_path, suffixes[i]);
		unlink(p);
	}
}

static int io_error(struct wb_error *err, const char *what)
{
	return wb_error_setx(err, WB_EIO, 500, "BULK_IO", "批量加载写文件失败",
			     "the bulk load could not write its file", what);
}

/* Hold the original file for this process alone: out of WAL mode (which needs every other
 * connection closed, so a running server is refused) and locked from here to the end. */
static int take_original(struct store *st, struct wb_error *err)
{
	int rc = db_exec(st->db, "PRAGMA locking_mode=EXCLUSIVE", err);
	if (rc)
		return rc;
	struct db_stmt *s = db_stmt(st->db, "PRAGMA journal_mode=DELETE");
	rc = db_step(s, err);
	int ok = rc == DB_ROW && strcmp(db_col_text(s, 0), "delete") == 0;
	db_done(s);
	/* In exclusive locking mode the lock a write takes is kept: from here no other
	 * connection reads or writes the file, another load included. */
	if (rc >= 0 && ok && db_exec(st->db, "BEGIN EXCLUSIVE; COMMIT", NULL) != 0)
		ok = 0;
	if (rc < 0 || !ok)
		return wb_error_set(err, WB_ECONFLICT, 409, "DB_BUSY",
				    "数据库正被其他程序使用（服务是否在运行？），无法批量加载",
				    "the database is in use by another process (is a server "
				    "running?); the bulk load needs it alone");
	return 0;
}

int bulk_begin(struct store *st, const char *path, struct bulk_ids *next, struct wb_error *err)
{
	store_now(load_time);
	load_time_len = strlen(load_time);
	t_begin = t_loaded = t_indexed = t_committed = time_mono();
	memset(&L, 0, sizeof(L));
	snprintf(L.path, sizeof(L.path), "%s", path);
	snprintf(L.tmp_path, sizeof(L.tmp_path), "%s.bulk-tmp", path);
	int rc = take_original(st, err);
	if (rc)
		return rc;
	remove_copy(); /* a killed load's, now that this process has the database alone */
	/* The copy is made empty first with the original's mode (0600 from init: children's
	 * data), never the umask's; VACUUM INTO fills an empty file. */
	struct stat sb;
	int fd = stat(path, &sb) == 0 ? open(L.tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
					     sb.st_mode & 0777)
				      : -1;
	if (fd < 0 || fchmod(fd, sb.st_mode & 0777) != 0) {
		rc = io_error(err, strerror(errno));
		if (fd >= 0)
			close(fd);
		remove_copy();
		return rc;
	}
	close(fd);
	struct db_stmt *s = db_stmt(st->db, "VACUUM INTO ?");
	db_bind_text(s, 1, L.tmp_path);
	rc = db_step_done(s, err);
	if (rc) {
		remove_copy();
		return rc;
	}
	if ((rc = store_open(&L.tmp, L.tmp_path, st->keys, 0, 0, err)) != 0) {
		remove_copy();
		return rc;
	}
	L.tmp_open = 1;
	db_set_bulk(L.tmp.db, 1);
	int64_t not_empty = 0;
	if ((rc = check_schema(L.tmp.db, err)) ||
	    (rc = single_int(L.tmp.db, SQL_NOT_EMPTY, &not_empty, err)))
		goto fail;
	if (not_empty) {
		rc = wb_error_set(err, WB_ECONFLICT, 409, "BULK_NOT_EMPTY",
				  "批量加载只能写入空的人员、家庭、关系和事实表",
				  "a bulk load goes into empty households, persons, relations and "
				  "facts tables only");
		goto fail;
	}
	s = db_stmt(L.tmp.db, SQL_MAX);
	rc = db_step(s, err);
	if (rc == DB_ROW) {
		next->person = db_col_int(s, 0) + 1;
		next->household = db_col_int(s, 1) + 1;
		next->relation = db_col_int(s, 2) + 1;
		next->fact = db_col_int(s, 3) + 1;
		next->unit = db_col_int(s, 4) + 1;
		rc = 0;
	}
	db_done(s);
	if (rc < 0 || (rc = db_begin_write(L.tmp.db, err)) != 0)
		goto fail;
	return writer_start(st);
fail:
	store_close(&L.tmp);
	L.tmp_open = 0;
	remove_copy();
	return rc;
}

struct store *bulk_store(void)
{
	return L.tmp_open ? &L.tmp : NULL;
}

/* ---- the writer thread ------------------------------------------------------------
 *
 * The caller (the generator) builds rows on its own thread; rows go in batches through a
 * small ring to a writer thread that seals ID numbers and phones, encodes records and
 * appends them to the table trees, so the two overlap. Rows keep their order: one
 * producer, one queue, one writer. The copy's connection belongs to the writer from
 * bulk_begin to bulk_finish (or bulk_abort). An error on the writer stops the writing; the
 * next bulk_* call of the caller returns it. */

enum { ROW_REGION, ROW_UNIT, ROW_HOUSEHOLD, ROW_PERSON, ROW_RELATION, ROW_FACT };

#define BATCH_ROWS 2048
#define BATCH_POOL (BATCH_ROWS * 200)
#define VAL_MAX	   255 /* bytes of a value (the generator's buffers are smaller) */
#define ROW_MAX	   (NVAL * (VAL_MAX + 1)) /* bytes of a row's strings and blobs, at most */
#define NBATCH	   6
#define NVAL	   10

#define REC_MAX 2048 /* bytes of an encoded record (pagefile refuses more than a page) */

struct row {
	unsigned char kind;
	int64_t n[3];
	int32_t off[NVAL]; /* into the batch pool; -1: NULL */
	uint16_t len[NVAL];
	int32_t rec_off; /* the encoded record (page-written kinds), in the batch's enc */
	uint16_t rec_len;
	int32_t sealed_off[3]; /* a person's sealed ID number, its hash, sealed phone: in enc */
	uint16_t sealed_len[3];
};

enum { B_RAW, B_ENCODING, B_READY }; /* a queued batch: to encode, being encoded, encoded */

struct batch {
	int nrows;
	int state;
	size_t used;
	unsigned char *enc; /* sealed values and records, made by encode_batch */
	size_t enc_used, enc_cap;
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

/* Regions and units: through SQLite, before the first page-written row. */
static int sql_row(struct batch *b, const struct row *r, struct wb_error *err)
{
	if (L.pages)
		return wb_error_set(err, WB_EINTERNAL, 500, "BULK_ORDER",
				    "批量加载：区划和单位须在人员之前",
				    "bulk load: regions and "
				    "units must come before households and persons");
	struct db_stmt *s;
	if (r->kind == ROW_REGION) {
		s = db_stmt(L.tmp.db, SQL_REGION);
		bind_text(s, 1, b, r, 0);
		bind_text(s, 2, b, r, 1);
		db_bind_int(s, 3, r->n[0]);
		bind_text(s, 4, b, r, 2);
		bind_text(s, 5, b, r, 3);
	} else {
		s = db_stmt(L.tmp.db, SQL_UNIT);
		db_bind_int(s, 1, r->n[0]);
		bind_text(s, 2, b, r, 0);
		bind_text(s, 3, b, r, 1);
		bind_text(s, 4, b, r, 2);
		db_bind_text_ref_len(s, 5, load_time, load_time_len);
	}
	return db_step_done(s, err);
}

/* The first page-written row: commit the SQL rows, then open the copy's file. */
static int start_pages(struct wb_error *err)
{
	int rc = db_commit(L.tmp.db, err);
	if (rc)
		return rc;
	L.pages = 1;
	if ((L.pf = pf_open(L.tmp_path, 0, err)) == NULL)
		return WB_EIO;
	for (int t = 0; t < NTABLES; t++)
		L.tree[t] = pf_table(L.pf, L.table_root[t]);
	L.bix = bix_new(index_defs, NINDEXES);
	return 0;
}

/* Setters of column values, written in place (returning the structs by value went
 * through the stack, measured a tenth of the generator's time). */
static inline void v_null(struct pf_value *v)
{
	v->type = PF_NULL;
}

static inline void v_int(struct pf_value *v, int64_t i)
{
	v->type = PF_INT;
	v->i = i;
}

static inline void v_id(struct pf_value *v, int64_t i) /* an optional reference: 0 is none */
{
	if (i)
		v_int(v, i);
	else
		v_null(v);
}

static inline void v_bytes(struct pf_value *v, enum pf_type t, const void *p, size_t n)
{
	v->type = t;
	v->p = p;
	v->n = n;
}

static inline void v_text(struct pf_value *v, struct batch *b, const struct row *r, int i)
{
	if (r->off[i] < 0)
		v_null(v);
	else
		v_bytes(v, PF_TEXT, b->pool + r->off[i], r->len[i]);
}

static inline void v_blob(struct pf_value *v, const void *p, size_t n)
{
	if (n)
		v_bytes(v, PF_BLOB, p, n);
	else
		v_null(v);
}

static inline void v_load_time(struct pf_value *v)
{
	v_bytes(v, PF_TEXT, load_time, load_time_len);
}

/* The column values of a household, person, relation or fact row (as the SQL of the
 * earlier loader bound them); the number of columns, *table its table. A person's ID
 * number and phone as sealed by encode_batch. */
static int row_values(struct batch *b, const struct row *r, struct pf_value *v, int *table)
{
	v_null(&v[0]); /* INTEGER PRIMARY KEY: the rowid */
	switch (r->kind) {
	case ROW_HOUSEHOLD:
		*table = T_HOUSEHOLDS;
		v_text(&v[1], b, r, 0);
		v_text(&v[2], b, r, 1);
		return 3;
	case ROW_PERSON:
		*table = T_PERSONS;
		v_text(&v[1], b, r, 0);
		v_text(&v[2], b, r, 1);
		v_text(&v[3], b, r, 2);
		v_blob(&v[4], b->enc + r->sealed_off[0], r->sealed_len[0]);
		v_blob(&v[5], b->enc + r->sealed_off[1], r->sealed_len[1]);
		v_text(&v[6], b, r, 5);
		v_text(&v[7], b, r, 6);
		v_text(&v[8], b, r, 7);
		v[9] = r->off[7] >= 0 ? v[8] : v[7]; /* scope: residence, else household */
		v_id(&v[10], r->n[1]);
		v_id(&v[11], r->n[2]);
		v_blob(&v[12], b->enc + r->sealed_off[2], r->sealed_len[2]);
		v_int(&v[13], 1);
		v_load_time(&v[14]);
		v_load_time(&v[15]);
		v_int(&v[16], 1);
		return 17;
	case ROW_RELATION:
		*table = T_RELATIONS;
		v_int(&v[1], r->n[1]);
		v_int(&v[2], r->n[2]);
		v_text(&v[3], b, r, 0);
		v_int(&v[4], r->len[1]);
		v_int(&v[5], r->len[2]);
		v_load_time(&v[6]);
		v_int(&v[7], 1);
		v_null(&v[8]);
		return 9;
	default: /* ROW_FACT */
		*table = T_FACTS;
		v_int(&v[1], r->n[1]);
		v_text(&v[2], b, r, 0);
		v_text(&v[3], b, r, 1);
		v_text(&v[4], b, r, 2);
		v_text(&v[5], b, r, 3);
		v_id(&v[6], r->n[2]);
		v_text(&v[7], b, r, 4);
		v_null(&v[8]);
		v_int(&v[9], 1);
		v_load_time(&v[10]);
		for (int i = 11; i < 15; i++)
			v_null(&v[i]);
		return 15;
	}
}

static unsigned char *enc_room(struct batch *b, size_t n)
{
	if (b->enc_used + n > b->enc_cap) {
		b->enc_cap = (b->enc_used + n) * 2;
		b->enc = xrealloc(b->enc, b->enc_cap);
	}
	return b->enc + b->enc_used;
}

static void seal_person(struct batch *b, struct row *r)
{
	r->sealed_len[0] = r->sealed_len[1] = r->sealed_len[2] = 0;
	r->sealed_off[0] = r->sealed_off[1] = r->sealed_off[2] = 0;
	if (r->off[3] >= 0) {
		size_t clen;
		unsigned char *c = enc_room(b, 64 + SECRET_HASH_BYTES);
		store_persons_seal_id(&L.tmp, val(b, r, 3), c, &clen,
				      c + secret_sealed_len(IDNO_LEN));
		r->sealed_off[0] = (int32_t)b->enc_used;
		r->sealed_len[0] = (uint16_t)clen;
		r->sealed_off[1] = (int32_t)(b->enc_used + secret_sealed_len(IDNO_LEN));
		r->sealed_len[1] = SECRET_HASH_BYTES;
		b->enc_used += secret_sealed_len(IDNO_LEN) + SECRET_HASH_BYTES;
	}
	if (r->off[8] >= 0) {
		char phone[32];
		size_t clen, n = r->len[8] < sizeof(phone) - 1 ? r->len[8] : sizeof(phone) - 1;
		memcpy(phone, val(b, r, 8), n);
		phone[n] = 0;
		unsigned char *c = enc_room(b, 64);
		store_persons_seal_phone(&L.tmp, phone, c, &clen);
		r->sealed_off[2] = (int32_t)b->enc_used;
		r->sealed_len[2] = (uint16_t)clen;
		b->enc_used += clen;
	}
}

/* Seal and encode the page-written rows of a full batch: on whichever thread is free
 * (the generator when the writer falls behind, else the writer), one at a time. */
static void encode_batch(struct batch *b)
{
	struct pf_value v[NCOLS_MAX];
	b->enc_used = 0;
	for (int i = 0; i < b->nrows; i++) {
		struct row *r = &b->rows[i];
		if (r->kind <= ROW_UNIT)
			continue;
		if (r->kind == ROW_PERSON)
			seal_person(b, r);
		enc_room(b, REC_MAX); /* before the values point into enc: no move after */
		int table;
		int n = row_values(b, r, v, &table);
		size_t len = pf_record(b->enc + b->enc_used, REC_MAX, v, n);
		r->rec_off = (int32_t)b->enc_used;
		r->rec_len = (uint16_t)len; /* 0: too long, refused by the writer */
		b->enc_used += len;
	}
}

/* On the writer: the record into its table, the keys into the index collection. */
static int page_row(struct batch *b, const struct row *r, struct wb_error *err)
{
	struct pf_value v[NCOLS_MAX];
	int table;
	if (!L.pages) {
		int rc = start_pages(err);
		if (rc)
			return rc;
	}
	if (!r->rec_len)
		return wb_error_set(err, WB_EINVAL, 500, "BULK_ROW_TOO_LONG", "批量加载的一行过长",
				    "a row of the bulk load is too long");
	row_values(b, r, v, &table);
	int rc = pf_table_add(L.tree[table], r->n[0], b->enc + r->rec_off, r->rec_len, err);
	if (!rc)
		bix_add_row(L.bix, table, r->n[0], v);
	return rc;
}

static int write_batch(struct store *st, struct batch *b, struct wb_error *err)
{
	(void)st;
	for (int i = 0; i < b->nrows; i++) {
		const struct row *r = &b->rows[i];
		int rc = r->kind <= ROW_UNIT ? sql_row(b, r, err) : page_row(b, r, err);
		if (rc)
			return rc;
	}
	return 0;
}

static void recycle(struct batch *b)
{
	b->nrows = 0;
	b->used = 0;
	b->state = B_RAW;
	w.spare[w.nspare++] = b;
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
		int skip = w.rc || w.cancel;
		if (!skip && b->state == B_RAW) { /* encode it here */
			b->state = B_ENCODING;
			pthread_mutex_unlock(&w.mu);
			encode_batch(b);
			pthread_mutex_lock(&w.mu);
			b->state = B_READY;
		}
		while (!skip && b->state != B_READY) /* the generator is encoding it */
			pthread_cond_wait(&w.cv, &w.mu);
		w.qhead = (w.qhead + 1) % NBATCH;
		w.qlen--;
		pthread_mutex_unlock(&w.mu);
		int rc = skip ? 0 : write_batch(w.st, b, &err);
		pthread_mutex_lock(&w.mu);
		if (rc && !w.rc) {
			w.rc = rc;
			w.err = err;
		}
		recycle(b);
		pthread_cond_broadcast(&w.cv);
	}
	pthread_mutex_unlock(&w.mu);
	return NULL;
}

static int writer_start(struct store *st)
{
	w.st = st;
	w.qhead = w.qlen = w.nspare = 0;
	w.finish = w.cancel = w.rc = 0;
	wb_error_clear(&w.err);
	for (int i = 0; i < NBATCH; i++) {
		struct batch *b = xcalloc(1, sizeof(*b));
		recycle(b);
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

/* Hand the current batch to the writer and take an empty one. While none is free (the
 * writer is behind), encode a queued batch the writer has not started, newest first:
 * the two threads share the encoding, whichever is free. */
static int submit(struct wb_error *err)
{
	struct batch *b = w.cur;
	if (!w.running) {
		encode_batch(b);
		int rc = write_batch(w.st, b, err);
		b->nrows = 0;
		b->used = 0;
		return rc;
	}
	pthread_mutex_lock(&w.mu);
	w.queue[(w.qhead + w.qlen) % NBATCH] = b;
	w.qlen++;
	pthread_cond_broadcast(&w.cv);
	while (!w.nspare) {
		struct batch *raw = NULL; /* a queued batch nobody encodes yet */
		for (int i = w.qlen - 1; i >= 1 && !raw; i--) /* not the head: the writer's next */
			if (w.queue[(w.qhead + i) % NBATCH]->state == B_RAW)
				raw = w.queue[(w.qhead + i) % NBATCH];
		if (!raw || w.rc) {
			pthread_cond_wait(&w.cv, &w.mu);
			continue;
		}
		raw->state = B_ENCODING;
		pthread_mutex_unlock(&w.mu);
		encode_batch(raw);
		pthread_mutex_lock(&w.mu);
		raw->state = B_READY;
		pthread_cond_broadcast(&w.cv);
	}
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
	free(w.cur->enc);
	free(w.cur);
	w.cur = NULL;
	for (int i = 0; i < w.nspare; i++) {
		free(w.spare[i]->enc);
		free(w.spare[i]);
	}
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
	(void)st;
	char gender[2] = {p->gender, 0};
	int rc;
	struct row *r = row_new(ROW_PERSON, err, &rc);
	if (!r)
		return rc;
	r->n[0] = p->id;
	r->n[1] = p->household_id;
	r->n[2] = p->school_unit_id;
	put_text(r, 0, p->name);
	put_text(r, 1, gender);
	put_text(r, 2, p->birth_date);
	put(r, 3, p->id_number[0] ? p->id_number : NULL, IDNO_LEN, 1); /* sealed by encode_batch */
	/* value 4 unused: the hash is made with the sealing */
	put_text(r, 5, p->ethnicity);
	put_text(r, 6, p->household_region);
	put_text(r, 7, p->residence_region);
	put_text(r, 8, p->phone);
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
	t_loaded = time_mono();
	if (rc)
		return rc;
	if (!L.pages) /* no page-written rows: the SQL rows are all */
		return db_commit(L.tmp.db, err);
	for (int t = 0; t < NTABLES && !rc; t++) {
		rc = pf_tree_finish(L.tree[t], err);
		L.tree[t] = NULL;
	}
	if (!rc)
		rc = bix_write(L.bix, L.pf, L.index_root, 2, err);
	bix_free(L.bix);
	L.bix = NULL;
	t_indexed = time_mono();
	struct pf_file *pf = L.pf;
	L.pf = NULL;
	if (rc)
		pf_discard(pf);
	else
		rc = pf_close(pf, 0, err);
	return rc;
}

void bulk_timings(double *load, double *indexes, double *commit)
{
	*load = t_loaded - t_begin;
	*indexes = t_indexed > t_loaded ? t_indexed - t_loaded : 0;
	*commit = t_committed - (t_indexed > t_loaded ? t_indexed : t_loaded);
}

static int fsync_path(const char *path, int dir)
{
	int fd = open(path, dir ? O_RDONLY | O_DIRECTORY : O_RDWR);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

int bulk_commit(struct store *st, struct wb_error *err)
{
	(void)st;
	int rc = db_exec(L.tmp.db, SQL_REGISTRY_BUMP, err);
	if (rc) {
		bulk_abort(st);
		return rc;
	}
	db_set_bulk(L.tmp.db, 0); /* back to WAL */
	store_close(&L.tmp);
	L.tmp_open = 0;
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", L.path);
	if (fsync_path(L.tmp_path, 0) != 0 || rename(L.tmp_path, L.path) != 0) {
		rc = io_error(err, strerror(errno));
		remove_copy();
		return rc;
	}
	fsync_path(dirname(dir), 1);
	t_committed = time_mono();
	return 0;
}

void bulk_abort(struct store *st)
{
	(void)st;
	writer_stop(1, NULL);
	for (int t = 0; t < NTABLES; t++) {
		pf_tree_discard(L.tree[t]);
		L.tree[t] = NULL;
	}
	bix_free(L.bix);
	L.bix = NULL;
	if (L.pf)
		pf_discard(L.pf);
	L.pf = NULL;
	if (L.tmp_open) {
		db_rollback(L.tmp.db);
		store_close(&L.tmp);
		L.tmp_open = 0;
	}
	remove_copy();
}
