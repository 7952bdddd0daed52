/*
 * db_sqlite -- the SQLite backend of db.h.
 *
 * Each connection runs in WAL mode with foreign keys on, a busy time-out, defensive
 * mode and trusted_schema off. Prepared statements are cached in a small open-addressing
 * table keyed by the address of their SQL text and prepared with SQLITE_PREPARE_PERSISTENT.
 * Connections are opened SQLITE_OPEN_NOMUTEX: one connection per thread.
 */
#include "store/db.h"

#include <pthread.h>
#include <errno.h>
#include <sys/stat.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xalloc.h"

#define STMT_SLOTS 256 /* power of two, well above the number of distinct statements */

struct db_stmt {
	const char *key;
	sqlite3_stmt *st;
	struct db *db;
};

struct db {
	sqlite3 *h;
	struct db_stmt slots[STMT_SLOTS];
	int fail_after;
};

static int map_error(struct db *db, int rc, struct wb_error *err)
{
	int primary = rc & 0xff;
	if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
		return wb_error_set(err, WB_ECONFLICT, 409, "DUPLICATE", "记录已存在",
				    "the record already exists");
	if (primary == SQLITE_CONSTRAINT)
		return wb_error_set(
			err, WB_EINVAL, 422, "CONSTRAINT",
			"数据不满足约束（引用的记录不存在或取值无效）",
			"the data violates a constraint (a referenced record is missing "
			"or a value is invalid)");
	if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
		return wb_error_set(err, WB_EBUSY, 503, "DB_BUSY", "数据库繁忙，请稍后重试",
				    "the database is busy; please retry");
	if (rc == SQLITE_READONLY_DBMOVED) /* a bulk load renamed a new file over it */
		return wb_error_set(err, WB_EBUSY, 503, "DB_REPLACED",
				    "数据库文件已被替换（批量加载完成），请重新打开",
				    "the database file was replaced while open (a bulk load "
				    "finished); open it again");
	log_error("sqlite: %s (%d)", db && db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc), rc);
	return wb_error_set(err, WB_EDB, 500, "DB_ERROR", "数据库错误", "database error");
}

/* Once per process, before the first connection: no global mutex around SQLite's
 * allocator (memory statistics off) and no per-connection mutexes (each connection is
 * used by one thread at a time). Measured: the memstatus mutex alone cost ~10% of
 * throughput under concurrent reads. */
static void global_init(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
	sqlite3_initialize();
}

int db_open(struct db **out, const char *path, int create, struct wb_error *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, global_init);
	struct db *db = xcalloc(1, sizeof(*db));
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
	int rc = sqlite3_open_v2(path, &db->h, flags, NULL);
	if (rc != SQLITE_OK) {
		wb_error_setx(err, WB_EIO, 500, "DB_OPEN", "无法打开数据库",
			      "cannot open the database", path);
		sqlite3_close(db->h);
		free(db);
		return WB_EIO;
	}
	sqlite3_extended_result_codes(db->h, 1);
	sqlite3_busy_timeout(db->h, 5000);
	sqlite3_db_config(db->h, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)0);
	rc = db_exec(
		db,
		"PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
		"PRAGMA trusted_schema=OFF; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536;"
		"PRAGMA mmap_size=0;",
		err);
	if (rc) {
		db_close(db);
		return rc;
	}
	*out = db;
	return 0;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	for (int i = 0; i < STMT_SLOTS; i++)
		if (db->slots[i].st)
			sqlite3_finalize(db->slots[i].st);
	sqlite3_close(db->h);
	free(db);
}

int db_exec(struct db *db, const char *sql, struct wb_error *err)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db->h, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		log_error("sqlite exec: %s", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return map_error(db, sqlite3_extended_errcode(db->h), err);
	}
	return 0;
}

struct db_stmt *db_stmt(struct db *db, const char *sql)
{
	uintptr_t h = (uintptr_t)sql;
	size_t i = (size_t)((h >> 4) * 0x9E3779B97F4A7C15ull) & (STMT_SLOTS - 1);

	for (;;) {
		struct db_stmt *s = &db->slots[i];
		if (s->key == sql)
			return s;
		if (!s->key) {
			int rc = sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT,
						    &s->st, NULL);
			if (rc != SQLITE_OK) {
				/* SQL text is part of the program: a failure is a bug. */
				log_error("sqlite prepare failed: %s\n%s", sqlite3_errmsg(db->h),
					  sql);
				abort();
			}
			s->key = sql;
			s->db = db;
			return s;
		}
		i = (i + 1) & (STMT_SLOTS - 1);
	}
}

void db_bind_int(struct db_stmt *st, int idx, int64_t v)
{
	sqlite3_bind_int64(st->st, idx, v);
}

void db_bind_text(struct db_stmt *st, int idx, const char *s)
{
	if (s)
		sqlite3_bind_text(st->st, idx, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st->st, idx);
}

void db_bind_blob(struct db_stmt *st, int idx, const void *p, size_t n)
{
	if (p)
		sqlite3_bind_blob(st->st, idx, p, (int)n, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st->st, idx);
}

void db_bind_text_ref(struct db_stmt *st, int idx, const char *s)
{
	if (s)
		sqlite3_bind_text(st->st, idx, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st->st, idx);
}

void db_bind_text_ref_len(struct db_stmt *st, int idx, const char *s, size_t n)
{
	if (s)
		sqlite3_bind_text(st->st, idx, s, (int)n, SQLITE_STATIC);
	else
		sqlite3_bind_null(st->st, idx);
}

void db_bind_blob_ref(struct db_stmt *st, int idx, const void *p, size_t n)
{
	if (p)
		sqlite3_bind_blob(st->st, idx, p, (int)n, SQLITE_STATIC);
	else
		sqlite3_bind_null(st->st, idx);
}

void db_bind_null(struct db_stmt *st, int idx)
{
	sqlite3_bind_null(st->st, idx);
}

int db_step(struct db_stmt *st, struct wb_error *err)
{
	if (st->db->fail_after > 0 && --st->db->fail_after == 0)
		return wb_error_set(err, WB_EDB, 500, "DB_ERROR", "数据库错误（注入的故障）",
				    "database error (injected fault)");
	int rc = sqlite3_step(st->st);
	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc == SQLITE_DONE)
		return DB_DONE;
	return map_error(st->db, sqlite3_extended_errcode(st->db->h), err);
}

int64_t db_col_int(struct db_stmt *st, int col)
{
	return sqlite3_column_int64(st->st, col);
}

const char *db_col_text(struct db_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st->st, col);
}

const void *db_col_blob(struct db_stmt *st, int col, size_t *len)
{
	const void *p = sqlite3_column_blob(st->st, col);
	*len = (size_t)sqlite3_column_bytes(st->st, col);
	return p;
}

int db_col_is_null(struct db_stmt *st, int col)
{
	return sqlite3_column_type(st->st, col) == SQLITE_NULL;
}

void db_done(struct db_stmt *st)
{
	sqlite3_reset(st->st);
	sqlite3_clear_bindings(st->st);
}

static const char SQL_BEGIN[] = "BEGIN";
static const char SQL_BEGIN_IMMEDIATE[] = "BEGIN IMMEDIATE";
static const char SQL_COMMIT[] = "COMMIT";
static const char SQL_ROLLBACK[] = "ROLLBACK";

static int run_simple(struct db *db, const char *sql, struct wb_error *err)
{
	struct db_stmt *st = db_stmt(db, sql);
	int rc = sqlite3_step(st->st);
	sqlite3_reset(st->st);
	if (rc != SQLITE_DONE)
		return map_error(db, rc, err);
	return 0;
}

int db_begin_read(struct db *db, struct wb_error *err)
{
	return run_simple(db, SQL_BEGIN, err);
}

int db_begin_write(struct db *db, struct wb_error *err)
{
	return run_simple(db, SQL_BEGIN_IMMEDIATE, err);
}

int db_commit(struct db *db, struct wb_error *err)
{
	int rc = run_simple(db, SQL_COMMIT, err);
	if (rc)
		db_rollback(db);
	return rc;
}

void db_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(db->h))
		run_simple(db, SQL_ROLLBACK, NULL);
}

int db_in_transaction(struct db *db)
{
	return !sqlite3_get_autocommit(db->h);
}

/* Bulk loading (the CLI, alone on the file): a rollback journal instead of the WAL, so
 * each new page is written once (pages appended past the original end need no journal,
 * and a crash still rolls back), no fsync, a large page cache and a second sorter thread
 * for the index builds, and no per-row foreign-key look-ups (the loader writes rows whose
 * references it has just written itself; tests run PRAGMA foreign_key_check on the result).
 * Switching back restores WAL mode and normal durability. */
int64_t db_changes(struct db *db)
{
	return sqlite3_changes64(db->h);
}

int64_t db_last_insert_id(struct db *db)
{
	return (int64_t)sqlite3_last_insert_rowid(db->h);
}

void db_set_bulk(struct db *db, int on)
{
	if (on)
		db_exec(db,
			"PRAGMA journal_mode=DELETE; PRAGMA synchronous=OFF; PRAGMA "
			"foreign_keys=OFF;"
			"PRAGMA cache_size=-1048576; PRAGMA threads=2;",
			NULL);
	else
		db_exec(db,
			"PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA "
			"foreign_keys=ON;"
			"PRAGMA cache_size=-65536; PRAGMA threads=0;",
			NULL);
}

void db_checkpoint(struct db *db)
{
	int log = 0, done = 0;
	if (!db_in_transaction(db))
		sqlite3_wal_checkpoint_v2(db->h, "main", SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
}

/* Whole when the journal is not a WAL (then, with nothing written, the file is all there
 * is), or the WAL file is absent or empty: a TRUNCATE checkpoint leaves it at 0 bytes and
 * any commit after it grows it; nobody else can commit while this connection holds the
 * write lock. */
int db_file_whole(struct db *db)
{
	if (sqlite3_txn_state(db->h, "main") != SQLITE_TXN_WRITE) /* the write lock held */
		return 0;
	const char *path = sqlite3_db_filename(db->h, "main");
	if (!path || !*path)
		return 0;
	sqlite3_stmt *q = NULL;
	int wal = 1;
	if (sqlite3_prepare_v2(db->h, "PRAGMA journal_mode", -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		wal = !strcmp((const char *)sqlite3_column_text(q, 0), "wal");
	sqlite3_finalize(q);
	if (!wal)
		return 1;
	struct stat sb;
	const char *w = sqlite3_filename_wal(path);
	if (!w || stat(w, &sb))
		return w && errno == ENOENT;
	return sb.st_size == 0;
}

struct db_file *db_file(struct db *db)
{
	sqlite3_file *f = NULL;
	if (sqlite3_file_control(db->h, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK || !f ||
	    !f->pMethods)
		return NULL;
	return (struct db_file *)f;
}

/* The unix VFS's xRead is a pread on the file's descriptor, which threads may share. */
int db_file_pread(struct db_file *file, void *buf, size_t len, uint64_t off)
{
	sqlite3_file *f = (sqlite3_file *)file;
	if (!f)
		return WB_EIO;
	return f->pMethods->xRead(f, buf, (int)len, (sqlite3_int64)off) == SQLITE_OK ? 0 : WB_EIO;
}

const unsigned char *db_file_map(struct db *db, uint64_t size, uint64_t *mapped)
{
	sqlite3_file *f = (sqlite3_file *)db_file(db);
	sqlite3_int64 limit = (sqlite3_int64)(size < INT32_MAX ? size : INT32_MAX);
	void *p = NULL;
	*mapped = 0;
	if (!f || f->pMethods->iVersion < 3 || !f->pMethods->xFetch || !f->pMethods->xUnfetch ||
	    sqlite3_file_control(db->h, "main", SQLITE_FCNTL_MMAP_SIZE, &limit) != SQLITE_OK)
		return NULL;
	limit = -1; /* asks for the limit now set (SQLite's own may be lower) */
	if (sqlite3_file_control(db->h, "main", SQLITE_FCNTL_MMAP_SIZE, &limit) != SQLITE_OK ||
	    limit <= 0)
		return NULL;
	/* The map reaches the file's end or the limit; SQLite hands out only what leaves
	 * some bytes behind (a guard for damaged pages): one page short of that asks for no
	 * more than it gives. */
	uint64_t want = size < (uint64_t)limit ? size : (uint64_t)limit;
	want = want > 65536 ? want - 65536 : 0;
	if (want && f->pMethods->xFetch(f, 0, (int)want, &p) == SQLITE_OK && p) {
		*mapped = want;
		return p;
	}
	sqlite3_int64 none = 0;
	sqlite3_file_control(db->h, "main", SQLITE_FCNTL_MMAP_SIZE, &none);
	return NULL;
}

void db_file_unmap(struct db *db, const unsigned char *p)
{
	sqlite3_file *f = (sqlite3_file *)db_file(db);
	if (!f || !p)
		return;
	f->pMethods->xUnfetch(f, 0, (void *)p);
	sqlite3_int64 none = 0; /* back to no map (the connection's setting: mmap_size=0) */
	sqlite3_file_control(db->h, "main", SQLITE_FCNTL_MMAP_SIZE, &none);
}

static const char SQL_LAYOUT_ROOT[] = "SELECT rootpage FROM sqlite_schema WHERE type = 'table' "
				      "AND name = ? AND sql NOT LIKE '%WITHOUT ROWID%'";
static const char SQL_LAYOUT_COLUMNS[] =
	"SELECT name || ' ' || type FROM pragma_table_info(?) ORDER BY cid";

int db_table_layout(struct db *db, const char *table, uint32_t *root, char *columns, size_t cap,
		    struct wb_error *err)
{
	struct db_stmt *s = db_stmt(db, SQL_LAYOUT_ROOT);
	db_bind_text(s, 1, table);
	int rc = db_step(s, err);
	int64_t r = rc == DB_ROW ? db_col_int(s, 0) : 0;
	*root = r > 0 && r <= UINT32_MAX ? (uint32_t)r : 0;
	db_done(s);
	if (rc < 0)
		return rc;
	s = db_stmt(db, SQL_LAYOUT_COLUMNS);
	db_bind_text(s, 1, table);
	size_t used = 0;
	columns[0] = 0;
	while ((rc = db_step(s, err)) == DB_ROW) {
		const char *c = db_col_text(s, 0);
		size_t n = strlen(c);
		if (used + n + 2 > cap)
			continue; /* truncated: the comparison of the caller fails */
		if (used)
			columns[used++] = ',';
		memcpy(columns + used, c, n + 1);
		used += n;
	}
	db_done(s);
	return rc < 0 ? rc : 0;
}

int64_t db_data_version(struct db *db)
{
	sqlite3_stmt *q = NULL;
	int64_t v = -1;
	if (sqlite3_prepare_v2(db->h, "PRAGMA data_version", -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

void db_fail_after(struct db *db, int n)
{
	db->fail_after = n;
}
