/* pagefile_test -- B-trees written by src/store/pagefile.c are read, checked
 * (PRAGMA integrity_check, freelist_count, dbstat) and modified by the real SQLite:
 * tables of every size from empty to several levels, every serial type, the lock-byte
 * page, indexes (unique, multi-column with NULLs, partial, long keys), WAL, two threads
 * on one file, and the files and records pf_open and the adders refuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "store/pagefile.h"

#define VNULL	      ((struct pf_value){.type = PF_NULL})
#define VINT(x)	      ((struct pf_value){.type = PF_INT, .i = (x)})
#define VTEXT(s, len) ((struct pf_value){.type = PF_TEXT, .p = (s), .n = (len)})
#define VBLOB(b, len) ((struct pf_value){.type = PF_BLOB, .p = (b), .n = (len)})
#define PENDING	      0x200000 /* SQLITE_TESTCTRL_PENDING_BYTE for every test */

static char dir[64];

static void path_of(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

static void exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : "?");
}

static int64_t q1(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static sqlite3 *open_db(const char *path)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	return db;
}

/* A new database: page size, then the schema. */
static void make_db(const char *path, int ps, const char *pre, const char *schema)
{
	unlink(path);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	char sql[128];
	snprintf(sql, sizeof(sql), "PRAGMA page_size=%d", ps);
	exec(db, sql);
	if (pre)
		exec(db, pre);
	exec(db, schema);
	sqlite3_close(db);
}

static uint32_t root_of(sqlite3 *db, const char *name)
{
	char sql[160];
	snprintf(sql, sizeof(sql), "SELECT rootpage FROM sqlite_schema WHERE name='%s'", name);
	return (uint32_t)q1(db, sql);
}

static uint32_t root_in(const char *path, const char *name)
{
	sqlite3 *db = open_db(path);
	uint32_t r = root_of(db, name);
	sqlite3_close(db);
	return r;
}

static int64_t page_count(const char *path)
{
	sqlite3 *db = open_db(path);
	int64_t n = q1(db, "PRAGMA page_count");
	sqlite3_close(db);
	return n;
}

static void integrity_ok(sqlite3 *db)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	const char *r = (const char *)sqlite3_column_text(st, 0);
	if (strcmp(r, "ok") != 0)
		fail_msg("integrity_check: %s", r);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

/* Pages of one B-tree and its depth (levels), by SQLite's dbstat. */
static int64_t tree_pages(sqlite3 *db, const char *name, int *levels)
{
	char sql[200];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM dbstat WHERE name='%s'", name);
	int64_t n = q1(db, sql);
	if (levels) {
		/* paths: "/", "/000/", "/000/001/", ... */
		snprintf(sql, sizeof(sql), "SELECT max(length(path)) FROM dbstat WHERE name='%s'",
			 name);
		*levels = (int)(q1(db, sql) - 1) / 4 + 1;
	}
	return n;
}

/* The free pages expected after a load: pages added to the file, less the lock page if
 * among them, less the pages the new trees use (their roots were there before). */
static int64_t expected_free(const char *path, int64_t before, int ps, int64_t used)
{
	int64_t after = page_count(path);
	int64_t lock = PENDING / ps + 1;
	return after - before - (lock > before && lock <= after ? 1 : 0) - used;
}

static size_t rec_of(unsigned char *out, size_t cap, const struct pf_value *v, int n)
{
	size_t len = pf_record(out, cap, v, n);
	assert_true(len > 0);
	return len;
}

/* ---- tables of every size ----------------------------------------------------------- */

/* Row i of table t(id INTEGER PRIMARY KEY, x INT, s TEXT): rowid 3i-7, x spreads over
 * every integer size, s "r<i>". */
static int64_t row_id(int i)
{
	return 3 * (int64_t)i - 7;
}

static int64_t row_x(int i)
{
	static const int64_t mult[] = {0,
				       1,
				       -1,
				       100,
				       -300,
				       70000,
				       -9000000,
				       3000000000LL,
				       -200000000000000LL,
				       9000000000000000000LL};
	return (i % 2 ? -1 : 1) * (int64_t)(i / 10) + mult[i % 10];
}

static void load_table(struct pf_file *f, uint32_t root, int n)
{
	struct wb_error err;
	struct pf_tree *t = pf_table(f, root);
	unsigned char rec[128];
	char s[32];
	for (int i = 0; i < n; i++) {
		snprintf(s, sizeof(s), "r%d", i);
		struct pf_value v[3] = {VNULL, VINT(row_x(i)), VTEXT(s, strlen(s))};
		size_t len = rec_of(rec, sizeof(rec), v, 3);
		assert_int_equal(pf_table_add(t, row_id(i), rec, len, &err), 0);
	}
	assert_int_equal(pf_tree_finish(t, &err), 0);
}

static void check_rows(sqlite3 *db, int n)
{
	sqlite3_stmt *st;
	assert_int_equal(
		sqlite3_prepare_v2(db, "SELECT id, x, s FROM t ORDER BY rowid", -1, &st, NULL),
		SQLITE_OK);
	char s[32];
	int i = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		assert_true(i < n);
		snprintf(s, sizeof(s), "r%d", i);
		assert_int_equal(sqlite3_column_int64(st, 0), row_id(i));
		assert_int_equal(sqlite3_column_type(st, 1), SQLITE_INTEGER);
		assert_int_equal(sqlite3_column_int64(st, 1), row_x(i));
		assert_string_equal((const char *)sqlite3_column_text(st, 2), s);
		i++;
	}
	sqlite3_finalize(st);
	assert_int_equal(i, n);
}

static void table_case(int ps, int n, int wal, int min_levels)
{
	char path[96];
	path_of(path, sizeof(path), "t.db");
	make_db(path, ps, NULL, "CREATE TABLE t(id INTEGER PRIMARY KEY, x INT, s TEXT)");
	int64_t before = page_count(path);
	uint32_t root = root_in(path, "t");
	struct wb_error err;
	struct pf_file *f = pf_open(path, PENDING, &err);
	assert_non_null(f);
	assert_int_equal(pf_page_size(f), (uint32_t)ps);
	load_table(f, root, n);
	assert_int_equal(pf_close(f, wal, &err), 0);

	sqlite3 *db = open_db(path);
	if (wal) {
		sqlite3_stmt *st;
		assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL),
				 SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
		sqlite3_finalize(st);
	}
	integrity_ok(db);
	int levels;
	int64_t pages = tree_pages(db, "t", &levels);
	int64_t used = pages - 1;
	assert_int_equal(q1(db, "PRAGMA freelist_count"), expected_free(path, before, ps, used));
	int64_t lock = PENDING / ps + 1;
	if (before + used + 64 < lock) /* no lock page: whole runs of 64 */
		assert_int_equal(q1(db, "PRAGMA freelist_count"), used ? (64 - used % 64) % 64 : 0);
	assert_true(levels >= min_levels);
	check_rows(db, n);
	/* SQLite can change it: inserts into full pages (splits), updates, deletes */
	exec(db, "BEGIN");
	exec(db, "INSERT INTO t(id, x, s) SELECT id + 1, x, s || 'x' FROM t WHERE id % 2 = 0");
	exec(db, "UPDATE t SET s = s || printf('%.40c', '#') WHERE id % 5 = 0");
	exec(db, "DELETE FROM t WHERE id % 7 = 3");
	exec(db, "INSERT INTO t(x, s) VALUES (1, 'end')");
	exec(db, "COMMIT");
	integrity_ok(db);
	sqlite3_close(db);
}

static void table_empty(void **state)
{
	(void)state;
	table_case(4096, 0, 0, 1);
}

static void table_one_row(void **state)
{
	(void)state;
	table_case(4096, 1, 0, 1);
}

static void table_10000(void **state)
{
	(void)state;
	table_case(1024, 10000, 0, 2);
}

static void table_deep_and_lock_page(void **state)
{
	(void)state;
	/* 300 000 rows at 512 bytes a page: 4 levels, ~3.5 MB, past the lock page at 2 MB */
	table_case(512, 300000, 0, 3);
	char path[96];
	path_of(path, sizeof(path), "t.db");
	assert_true(page_count(path) > PENDING / 512 + 1);
}

static void table_wal(void **state)
{
	(void)state;
	table_case(4096, 5000, 1, 2);
}

/* Exactly one page, then one row more: t1(id INTEGER PRIMARY KEY, s TEXT) with 20-byte
 * s and rowids < 128 makes 25-byte cells (payload varint, rowid varint, record of
 * 3 header bytes and 20), 27 bytes with the cell pointer: (1024-8)/27 = 37 a leaf. */
static void one_and_two_pages(void **state)
{
	(void)state;
	for (int n = 37; n <= 38; n++) {
		char path[96];
		path_of(path, sizeof(path), "p.db");
		make_db(path, 1024, NULL, "CREATE TABLE t1(id INTEGER PRIMARY KEY, s TEXT)");
		uint32_t root = root_in(path, "t1");
		struct wb_error err;
		struct pf_file *f = pf_open(path, PENDING, &err);
		assert_non_null(f);
		struct pf_tree *t = pf_table(f, root);
		for (int i = 1; i <= n; i++) {
			char s[21];
			snprintf(s, sizeof(s), "%020d", i);
			struct pf_value v[2] = {VNULL, VTEXT(s, 20)};
			unsigned char rec[64];
			size_t len = rec_of(rec, sizeof(rec), v, 2);
			assert_int_equal(len, 23);
			assert_int_equal(pf_table_add(t, i, rec, len, &err), 0);
		}
		assert_int_equal(pf_tree_finish(t, &err), 0);
		assert_int_equal(pf_close(f, 0, &err), 0);
		sqlite3 *db = open_db(path);
		integrity_ok(db);
		int levels;
		assert_int_equal(tree_pages(db, "t1", &levels), n == 37 ? 1 : 3);
		assert_int_equal(levels, n == 37 ? 1 : 2);
		assert_int_equal(q1(db, "PRAGMA freelist_count"), n == 37 ? 0 : 62);
		assert_int_equal(q1(db, "SELECT count(*) FROM t1"), n);
		assert_int_equal(q1(db, "SELECT sum(CAST(s AS INT)) FROM t1"), n * (n + 1) / 2);
		exec(db, "INSERT INTO t1(s) VALUES ('more'), ('and more')");
		integrity_ok(db);
		sqlite3_close(db);
	}
}

/* ---- every serial type ------------------------------------------------------------ */

static void serial_types(void **state)
{
	(void)state;
	static const int64_t ints[] = {0,
				       1,
				       -1,
				       2,
				       127,
				       -128,
				       128,
				       -129,
				       32767,
				       -32768,
				       32768,
				       8388607,
				       -8388608,
				       8388608,
				       2147483647LL,
				       -2147483648LL,
				       2147483648LL,
				       140737488355327LL,
				       -140737488355328LL,
				       140737488355328LL,
				       INT64_MAX,
				       INT64_MIN};
	/* the serial type SQLite's own record would use (file format 4) */
	static const int types[] = {8, 9, 1, 1, 1, 1, 2, 2, 2, 2, 3,
				    3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6};
	const int nints = (int)(sizeof(ints) / sizeof(ints[0]));
	static const char *texts[] = {"", "a", "中文姓名", "x'quote'"};
	static const unsigned char blob[] = {0, 0xff, 0x80, 1};
	/* rowids: negative (9-byte varints), 0, big */
	static const int64_t rowids[] = {INT64_MIN, -4000000000LL, -1, 0, 1, 200, 1LL << 40};
	char path[96];
	path_of(path, sizeof(path), "s.db");
	make_db(path, 4096, NULL, "CREATE TABLE v(id INTEGER PRIMARY KEY, a, b, c)");
	uint32_t root = root_in(path, "v");
	struct wb_error err;
	struct pf_file *f = pf_open(path, PENDING, &err);
	assert_non_null(f);
	struct pf_tree *t = pf_table(f, root);
	int64_t rowid = -1000000;
	unsigned char rec[256];
	for (int i = 0; i < nints; i++) {
		struct pf_value v[4] = {VNULL, VINT(ints[i]), VNULL, VNULL};
		if (ints[i] != INT64_MIN)
			v[3] = VINT(-ints[i]);
		size_t len = rec_of(rec, sizeof(rec), v, 4);
		/* header: size, NULL, type of a, NULL, type of c */
		assert_int_equal(rec[0], 5);
		assert_int_equal(rec[2], types[i]);
		assert_int_equal(pf_table_add(t, rowid++, rec, len, &err), 0);
	}
	for (int i = 0; i < 4; i++) {
		struct pf_value v[4] = {VNULL, VTEXT(texts[i], strlen(texts[i])),
					VBLOB(blob, (size_t)i), VNULL};
		size_t len = rec_of(rec, sizeof(rec), v, 4);
		assert_int_equal(pf_table_add(t, rowid++, rec, len, &err), 0);
	}
	assert_int_equal(pf_tree_finish(t, &err), 0);
	/* a second table with the extreme rowids, no columns at all */
	assert_int_equal(pf_close(f, 0, &err), 0);

	sqlite3 *db = open_db(path);
	exec(db, "CREATE TABLE r(id INTEGER PRIMARY KEY)");
	uint32_t rroot = root_of(db, "r");
	sqlite3_close(db);
	f = pf_open(path, PENDING, &err);
	assert_non_null(f);
	t = pf_table(f, rroot);
	for (int i = 0; i < (int)(sizeof(rowids) / sizeof(rowids[0])); i++) {
		struct pf_value v[1] = {VNULL};
		size_t len = rec_of(rec, sizeof(rec), v, 1);
		assert_int_equal(len, 2);
		assert_int_equal(pf_table_add(t, rowids[i], rec, len, &err), 0);
	}
	/* not increasing */
	assert_int_equal(pf_table_add(t, 5, rec, 2, &err), WB_EINVAL);
	assert_int_equal(pf_tree_finish(t, &err), 0);
	assert_int_equal(pf_close(f, 0, &err), 0);

	db = open_db(path);
	integrity_ok(db);
	sqlite3_stmt *st;
	assert_int_equal(
		sqlite3_prepare_v2(db, "SELECT id, a, b, c FROM v ORDER BY rowid", -1, &st, NULL),
		SQLITE_OK);
	rowid = -1000000;
	for (int i = 0; i < nints; i++) {
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int64(st, 0), rowid++);
		assert_int_equal(sqlite3_column_type(st, 1), SQLITE_INTEGER);
		assert_int_equal(sqlite3_column_int64(st, 1), ints[i]);
		assert_int_equal(sqlite3_column_type(st, 2), SQLITE_NULL);
		if (ints[i] == INT64_MIN) {
			assert_int_equal(sqlite3_column_type(st, 3), SQLITE_NULL);
		} else {
			assert_int_equal(sqlite3_column_type(st, 3), SQLITE_INTEGER);
			assert_int_equal(sqlite3_column_int64(st, 3), -ints[i]);
		}
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int64(st, 0), rowid++);
		assert_int_equal(sqlite3_column_type(st, 1), SQLITE_TEXT);
		assert_string_equal((const char *)sqlite3_column_text(st, 1), texts[i]);
		assert_int_equal(sqlite3_column_bytes(st, 1), (int)strlen(texts[i]));
		assert_int_equal(sqlite3_column_type(st, 2), SQLITE_BLOB);
		assert_int_equal(sqlite3_column_bytes(st, 2), i);
		if (i)
			assert_memory_equal(sqlite3_column_blob(st, 2), blob, (size_t)i);
		assert_int_equal(sqlite3_column_type(st, 3), SQLITE_NULL);
	}
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	/* SQLite compares the stored integers with its own */
	assert_int_equal(q1(db, "SELECT count(*) FROM v WHERE a = 2147483648 AND c = -2147483648"),
			 1);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT id FROM r ORDER BY id", -1, &st, NULL),
			 SQLITE_OK);
	for (int i = 0; i < (int)(sizeof(rowids) / sizeof(rowids[0])); i++) {
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int64(st, 0), rowids[i]);
	}
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	exec(db, "INSERT INTO r VALUES (7), (8), (-2)");
	integrity_ok(db);
	sqlite3_close(db);
}

/* ---- indexes ---------------------------------------------------------------------- */

#define NP 20000

/* Row i of p: name (duplicates, some NULL, Chinese), code (unique), b (NULLs), c (blob
 * or NULL), k (long text, the index record at most at the limit). */
static void p_row(int i, char *name, size_t nc, int *name_null, char *code, size_t cc, int64_t *b,
		  int *b_null, int *c_null, char *k, size_t kc, size_t klen)
{
	static const char *fam[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄"};
	*name_null = i % 11 == 0;
	snprintf(name, nc, "%s%d", fam[(i * 7) % 8], (i * 31) % 997);
	snprintf(code, cc, "C%07d", (int)(((int64_t)i * 7919) % 1000003));
	*b_null = i % 7 == 0;
	*b = i % 13 - 6;
	*c_null = i % 3 == 0;
	snprintf(k, kc, "%08x", (unsigned)(i * 2654435761u));
	size_t l = strlen(k);
	size_t want = klen - (size_t)(i % 17);
	for (; l < want; l++)
		k[l] = (char)('a' + (i + (int)l) % 26);
	k[want] = 0;
}

static void p_values(int i, struct pf_value *v, char *name, char *code, char *k, size_t klen,
		     const unsigned char *blob)
{
	int name_null, b_null, c_null;
	int64_t b;
	p_row(i, name, 32, &name_null, code, 16, &b, &b_null, &c_null, k, 256, klen);
	v[0] = VNULL;
	v[1] = name_null ? VNULL : VTEXT(name, strlen(name));
	v[2] = VTEXT(code, strlen(code));
	v[3] = b_null ? VNULL : VINT(b);
	v[4] = c_null ? VNULL : VBLOB(blob, 3);
	v[5] = VTEXT(k, strlen(k));
}

#define P_SCHEMA                                                                                   \
	"CREATE TABLE p(id INTEGER PRIMARY KEY, name TEXT, code TEXT, b INT, c BLOB, k TEXT);"

/* Index entries in SQLite's order, from the scratch copy: sql selects the key columns
 * and the rowid. */
static void load_index(sqlite3 *scratch, struct pf_file *f, uint32_t root, const char *sql)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(scratch, sql, -1, &st, NULL), SQLITE_OK);
	struct pf_tree *t = pf_index(f, root);
	struct wb_error err;
	unsigned char rec[1024];
	while (sqlite3_step(st) == SQLITE_ROW) {
		int n = sqlite3_column_count(st);
		struct pf_value v[8];
		for (int c = 0; c < n; c++) {
			switch (sqlite3_column_type(st, c)) {
			case SQLITE_INTEGER: v[c] = VINT(sqlite3_column_int64(st, c)); break;
			case SQLITE_TEXT:
				v[c] = VTEXT(sqlite3_column_text(st, c),
					     (size_t)sqlite3_column_bytes(st, c));
				break;
			case SQLITE_BLOB:
				v[c] = VBLOB(sqlite3_column_blob(st, c),
					     (size_t)sqlite3_column_bytes(st, c));
				break;
			default: v[c] = VNULL; break;
			}
		}
		size_t len = rec_of(rec, sizeof(rec), v, n);
		assert_true(len <= pf_max_index_record(pf_page_size(f)));
		assert_int_equal(pf_index_add(t, rec, len, &err), 0);
	}
	sqlite3_finalize(st);
	assert_int_equal(pf_tree_finish(t, &err), 0);
}

/* The rowids a query finds, as one string. */
static void ids_of(sqlite3 *db, const char *sql, const char *arg, char *out, size_t cap)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (arg)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	size_t o = 0;
	out[0] = 0;
	while (sqlite3_step(st) == SQLITE_ROW && o + 24 < cap)
		o += (size_t)snprintf(out + o, cap - o, "%lld,",
				      (long long)sqlite3_column_int64(st, 0));
	sqlite3_finalize(st);
}

static void same_ids(sqlite3 *db, const char *q_db, sqlite3 *scratch, const char *q_s,
		     const char *arg)
{
	static char a[1 << 17], b[1 << 17];
	ids_of(db, q_db, arg, a, sizeof(a));
	ids_of(scratch, q_s, arg, b, sizeof(b));
	assert_true(b[0] != 0);
	assert_string_equal(a, b);
}

static void indexes(void **state)
{
	(void)state;
	const int ps = 1024;
	/* (k, rowid) for rowids of 2 bytes: header 1 + 2 (k's type) + 1, body k + 2 */
	size_t klen = pf_max_index_record(ps) - 6;
	char path[96];
	path_of(path, sizeof(path), "i.db");
	make_db(path, ps, NULL,
		P_SCHEMA "CREATE INDEX p_name ON p(name);"
			 "CREATE UNIQUE INDEX p_code ON p(code);"
			 "CREATE INDEX p_bn ON p(b, name);"
			 "CREATE INDEX p_part ON p(b) WHERE c IS NULL;"
			 "CREATE INDEX p_k ON p(k);");
	/* the scratch copy SQLite fills itself; it gives the index orders */
	sqlite3 *scratch;
	assert_int_equal(sqlite3_open(":memory:", &scratch), SQLITE_OK);
	exec(scratch, P_SCHEMA);
	exec(scratch, "BEGIN");
	sqlite3_stmt *ins;
	assert_int_equal(
		sqlite3_prepare_v2(scratch, "INSERT INTO p VALUES (?,?,?,?,?,?)", -1, &ins, NULL),
		SQLITE_OK);
	static const unsigned char blob[3] = {1, 2, 3};
	char name[32], code[16], k[256];
	for (int i = 200; i < 200 + NP; i++) {
		struct pf_value v[6];
		p_values(i, v, name, code, k, klen, blob);
		sqlite3_bind_int64(ins, 1, i);
		for (int c = 1; c < 6; c++) {
			if (v[c].type == PF_NULL)
				sqlite3_bind_null(ins, c + 1);
			else if (v[c].type == PF_INT)
				sqlite3_bind_int64(ins, c + 1, v[c].i);
			else if (v[c].type == PF_TEXT)
				sqlite3_bind_text(ins, c + 1, v[c].p, (int)v[c].n,
						  SQLITE_TRANSIENT);
			else
				sqlite3_bind_blob(ins, c + 1, v[c].p, (int)v[c].n,
						  SQLITE_TRANSIENT);
		}
		assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
		sqlite3_reset(ins);
	}
	sqlite3_finalize(ins);
	exec(scratch, "COMMIT");

	sqlite3 *db = open_db(path);
	uint32_t rp = root_of(db, "p"), rn = root_of(db, "p_name"), rc = root_of(db, "p_code"),
		 rbn = root_of(db, "p_bn"), rpart = root_of(db, "p_part"), rk = root_of(db, "p_k");
	int64_t before = q1(db, "PRAGMA page_count");
	sqlite3_close(db);

	struct wb_error err;
	struct pf_file *f = pf_open(path, PENDING, &err);
	assert_non_null(f);
	struct pf_tree *t = pf_table(f, rp);
	unsigned char rec[512];
	for (int i = 200; i < 200 + NP; i++) {
		struct pf_value v[6];
		p_values(i, v, name, code, k, klen, blob);
		size_t len = rec_of(rec, sizeof(rec), v, 6);
		assert_int_equal(pf_table_add(t, i, rec, len, &err), 0);
	}
	assert_int_equal(pf_tree_finish(t, &err), 0);
	load_index(scratch, f, rn, "SELECT name, id FROM p ORDER BY name, id");
	load_index(scratch, f, rc, "SELECT code, id FROM p ORDER BY code, id");
	load_index(scratch, f, rbn, "SELECT b, name, id FROM p ORDER BY b, name, id");
	load_index(scratch, f, rpart, "SELECT b, id FROM p WHERE c IS NULL ORDER BY b, id");
	load_index(scratch, f, rk, "SELECT k, id FROM p ORDER BY k, id");
	assert_int_equal(pf_close(f, 0, &err), 0);

	db = open_db(path);
	integrity_ok(db);
	int64_t used = 0;
	int levels;
	const char *names[] = {"p", "p_name", "p_code", "p_bn", "p_part", "p_k"};
	for (int i = 0; i < 6; i++)
		used += tree_pages(db, names[i], &levels) - 1;
	assert_true(levels >= 4); /* p_k: long keys, deep */
	assert_int_equal(q1(db, "PRAGMA freelist_count"), expected_free(path, before, ps, used));
	/* the indexes find what a scan of the scratch copy finds */
	same_ids(db, "SELECT id FROM p INDEXED BY p_name WHERE name = ? ORDER BY id", scratch,
		 "SELECT id FROM p WHERE name = ? ORDER BY id", "王0");
	same_ids(db, "SELECT id FROM p INDEXED BY p_name WHERE name = ? ORDER BY id", scratch,
		 "SELECT id FROM p WHERE name = ? ORDER BY id", "陈589");
	same_ids(db, "SELECT id FROM p INDEXED BY p_name WHERE name IS NULL ORDER BY id", scratch,
		 "SELECT id FROM p WHERE name IS NULL ORDER BY id", NULL);
	same_ids(db, "SELECT id FROM p INDEXED BY p_code WHERE code = ?", scratch,
		 "SELECT id FROM p WHERE code = ?", "C0375694");
	same_ids(db, "SELECT id FROM p INDEXED BY p_bn WHERE b IS NULL AND name = ? ORDER BY id",
		 scratch, "SELECT id FROM p WHERE b IS NULL AND name = ? ORDER BY id", "陈763");
	same_ids(db, "SELECT id FROM p INDEXED BY p_bn WHERE b = -6 ORDER BY id", scratch,
		 "SELECT id FROM p WHERE b = -6 ORDER BY id", NULL);
	same_ids(db, "SELECT id FROM p INDEXED BY p_part WHERE b = 3 AND c IS NULL ORDER BY id",
		 scratch, "SELECT id FROM p WHERE b = 3 AND c IS NULL ORDER BY id", NULL);
	/* whole-index scans come in the index's own order */
	same_ids(db, "SELECT id FROM p INDEXED BY p_k WHERE k > '' ORDER BY k", scratch,
		 "SELECT id FROM p ORDER BY k, id", NULL);
	same_ids(db, "SELECT id FROM p INDEXED BY p_bn ORDER BY b, name", scratch,
		 "SELECT id FROM p ORDER BY b, name, id", NULL);
	char probe[256];
	snprintf(probe, sizeof(probe), "%s", "");
	{
		int nn, bnull, cnull;
		int64_t b;
		p_row(12345, name, 32, &nn, code, 16, &b, &bnull, &cnull, probe, sizeof(probe),
		      klen);
	}
	same_ids(db, "SELECT id FROM p INDEXED BY p_k WHERE k = ?", scratch,
		 "SELECT id FROM p WHERE k = ?", probe);
	/* UNIQUE holds: a duplicate code is refused through the index */
	assert_int_equal(
		sqlite3_exec(db, "INSERT INTO p(code) VALUES ('C0375694')", NULL, NULL, NULL),
		SQLITE_CONSTRAINT);
	/* and SQLite keeps working on the full pages */
	exec(db, "BEGIN");
	exec(db, "INSERT INTO p(name, code, b, c, k) SELECT name || 'n', code || 'n', b, c, "
		 "substr(k, 2) FROM p WHERE id % 3 = 0");
	exec(db, "UPDATE p SET name = '改' || id, c = NULL WHERE id % 5 = 1");
	exec(db, "DELETE FROM p WHERE id % 4 = 2");
	exec(db, "COMMIT");
	integrity_ok(db);
	sqlite3_close(db);
	sqlite3_close(scratch);
}

/* An index whose last entry does not fit in the last leaf (held divider at finish), for
 * every small count: each n from 1 to 120 entries at a page size of 512. */
static void index_every_count(void **state)
{
	(void)state;
	char path[96];
	path_of(path, sizeof(path), "e.db");
	for (int n = 1; n <= 120; n++) {
		make_db(path, 512, NULL,
			"CREATE TABLE e(id INTEGER PRIMARY KEY, s TEXT); CREATE INDEX e_s ON e(s)");
		uint32_t rt = root_in(path, "e"), ri = root_in(path, "e_s");
		struct wb_error err;
		struct pf_file *f = pf_open(path, PENDING, &err);
		assert_non_null(f);
		struct pf_tree *t = pf_table(f, rt), *x = pf_index(f, ri);
		unsigned char rec[200];
		for (int i = 1; i <= n; i++) {
			char s[64];
			snprintf(s, sizeof(s), "%05d%.*s", i, (i * 7) % 50,
				 "..................................................");
			struct pf_value v[2] = {VNULL, VTEXT(s, strlen(s))};
			size_t len = rec_of(rec, sizeof(rec), v, 2);
			assert_int_equal(pf_table_add(t, i, rec, len, &err), 0);
			struct pf_value w[2] = {VTEXT(s, strlen(s)), VINT(i)};
			len = rec_of(rec, sizeof(rec), w, 2);
			assert_int_equal(pf_index_add(x, rec, len, &err), 0);
		}
		assert_int_equal(pf_tree_finish(t, &err), 0);
		assert_int_equal(pf_tree_finish(x, &err), 0);
		assert_int_equal(pf_close(f, 0, &err), 0);
		sqlite3 *db = open_db(path);
		integrity_ok(db);
		assert_int_equal(q1(db, "SELECT count(*) FROM e INDEXED BY e_s WHERE s > ''"), n);
		sqlite3_close(db);
	}
}

/* ---- threads ------------------------------------------------------------------------ */

struct job {
	struct pf_file *f;
	uint32_t root;
	int n;
};

static void *job_run(void *arg)
{
	struct job *j = arg;
	struct wb_error err;
	struct pf_tree *t = pf_table(j->f, j->root);
	unsigned char rec[64];
	for (int i = 0; i < j->n; i++) {
		char s[32];
		snprintf(s, sizeof(s), "r%d", i);
		struct pf_value v[3] = {VNULL, VINT(row_x(i)), VTEXT(s, strlen(s))};
		size_t len = pf_record(rec, sizeof(rec), v, 3);
		if (!len || pf_table_add(t, row_id(i), rec, len, &err) != 0) {
			pf_tree_discard(t);
			return (void *)1;
		}
	}
	return (void *)(intptr_t)(pf_tree_finish(t, &err) != 0);
}

static void two_threads(void **state)
{
	(void)state;
	char path[96];
	path_of(path, sizeof(path), "th.db");
	make_db(path, 512, NULL,
		"CREATE TABLE t(id INTEGER PRIMARY KEY, x INT, s TEXT);"
		"CREATE TABLE u(id INTEGER PRIMARY KEY, x INT, s TEXT);");
	int64_t before = page_count(path);
	struct wb_error err;
	struct pf_file *f = pf_open(path, PENDING, &err);
	assert_non_null(f);
	struct job a = {f, root_in(path, "t"), 100000}, b = {f, root_in(path, "u"), 70000};
	pthread_t ta, tb;
	assert_int_equal(pthread_create(&ta, NULL, job_run, &a), 0);
	assert_int_equal(pthread_create(&tb, NULL, job_run, &b), 0);
	void *ra, *rb;
	pthread_join(ta, &ra);
	pthread_join(tb, &rb);
	assert_null(ra);
	assert_null(rb);
	assert_int_equal(pf_close(f, 0, &err), 0);
	sqlite3 *db = open_db(path);
	integrity_ok(db);
	int64_t used = tree_pages(db, "t", NULL) - 1 + tree_pages(db, "u", NULL) - 1;
	assert_int_equal(q1(db, "PRAGMA freelist_count"), expected_free(path, before, 512, used));
	check_rows(db, 100000);
	assert_int_equal(q1(db, "SELECT count(*) FROM u"), 70000);
	assert_int_equal(
		q1(db, "SELECT count(*) FROM u JOIN t USING (id) WHERE u.x = t.x AND u.s = t.s"),
		70000);
	sqlite3_close(db);
}

/* A discarded tree's pages go on the freelist too. */
static void discard_tree(void **state)
{
	(void)state;
	char path[96];
	path_of(path, sizeof(path), "d.db");
	make_db(path, 512, NULL,
		"CREATE TABLE t(id INTEGER PRIMARY KEY, x INT, s TEXT);"
		"CREATE TABLE u(id INTEGER PRIMARY KEY, x INT, s TEXT);");
	struct wb_error err;
	struct pf_file *f = pf_open(path, PENDING, &err);
	assert_non_null(f);
	struct pf_tree *t = pf_table(f, root_in(path, "u"));
	unsigned char rec[16] = {2, 0};
	for (int i = 1; i <= 5000; i++)
		assert_int_equal(pf_table_add(t, i, rec, 2, &err), 0);
	pf_tree_discard(t);
	load_table(f, root_in(path, "t"), 3000);
	assert_int_equal(pf_close(f, 0, &err), 0);
	sqlite3 *db = open_db(path);
	integrity_ok(db);
	check_rows(db, 3000);
	assert_int_equal(q1(db, "SELECT count(*) FROM u"), 0);
	sqlite3_close(db);
}

/* ---- refusals ---------------------------------------------------------------------- */

static void refusals(void **state)
{
	(void)state;
	char path[96];
	path_of(path, sizeof(path), "r.db");
	struct wb_error err;
	/* auto_vacuum */
	make_db(path, 4096, "PRAGMA auto_vacuum=FULL", "CREATE TABLE t(id INTEGER PRIMARY KEY)");
	wb_error_clear(&err);
	assert_null(pf_open(path, PENDING, &err));
	assert_string_equal(err.code, "PF_UNSUPPORTED");
	/* non-empty freelist */
	make_db(path, 4096, NULL,
		"CREATE TABLE t(id INTEGER PRIMARY KEY, s TEXT);"
		"WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 2000) "
		"INSERT INTO t SELECT i, printf('%.100c', 'x') FROM c;"
		"DELETE FROM t;");
	{
		sqlite3 *db = open_db(path);
		assert_true(q1(db, "PRAGMA freelist_count") > 0);
		sqlite3_close(db);
	}
	assert_null(pf_open(path, PENDING, &err));
	assert_string_equal(err.code, "PF_UNSUPPORTED");
	/* a connection in WAL mode still open, its -wal not checkpointed */
	make_db(path, 4096, "PRAGMA journal_mode=WAL", "CREATE TABLE t(id INTEGER PRIMARY KEY)");
	{
		sqlite3 *db = open_db(path);
		exec(db, "INSERT INTO t VALUES (1)");
		assert_null(pf_open(path, PENDING, &err));
		assert_string_equal(err.code, "PF_UNSUPPORTED");
		sqlite3_close(db);
		struct pf_file *ok = pf_open(path, PENDING, &err);
		assert_non_null(ok);
		pf_discard(ok);
	}
	/* not a database */
	path_of(path, sizeof(path), "nodb");
	FILE *fp = fopen(path, "w");
	for (int i = 0; i < 300; i++)
		fputs("not a database ", fp);
	fclose(fp);
	assert_null(pf_open(path, PENDING, &err));
	path_of(path, sizeof(path), "missing.db");
	assert_null(pf_open(path, PENDING, &err));
	assert_string_equal(err.code, "PF_IO");

	/* records too large, the largest accepted; a root that is not empty */
	path_of(path, sizeof(path), "r.db");
	make_db(path, 1024, NULL,
		"CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB);"
		"CREATE TABLE t2(id INTEGER PRIMARY KEY, b BLOB); CREATE INDEX t2_b ON t2(b);"
		"CREATE TABLE full(a); INSERT INTO full VALUES (1);");
	assert_int_equal(pf_max_table_record(1024), 1024 - 35);
	assert_int_equal(pf_max_index_record(1024), 230);
	struct pf_file *f = pf_open(path, PENDING, &err);
	assert_non_null(f);
	struct pf_tree *t = pf_table(f, root_in(path, "t"));
	struct pf_tree *t2 = pf_table(f, root_in(path, "t2"));
	struct pf_tree *x = pf_index(f, root_in(path, "t2_b"));
	static unsigned char big[2048];
	unsigned char rec[2100];
	size_t tmax = pf_max_table_record(1024), imax = pf_max_index_record(1024);
	/* a record of exactly tmax bytes: header 4 (size, NULL, blob type of 2 bytes) */
	struct pf_value v[2] = {VNULL, VBLOB(big, tmax - 4)};
	assert_int_equal(pf_record(rec, sizeof(rec), v, 2), tmax);
	assert_int_equal(pf_record(rec, tmax - 1, v, 2), 0); /* does not fit the buffer */
	assert_int_equal(pf_table_add(t, 1, rec, tmax, &err), 0);
	v[1].n++;
	assert_int_equal(pf_record(rec, sizeof(rec), v, 2), tmax + 1);
	wb_error_clear(&err);
	assert_int_equal(pf_table_add(t, 2, rec, tmax + 1, &err), WB_EINVAL);
	assert_string_equal(err.code, "PF_RECORD_TOO_BIG");
	/* index (b, rowid 1): header 4 (size, blob type of 2 bytes, 9 for the rowid 1) */
	struct pf_value w[2] = {VBLOB(big, imax - 4), VINT(1)};
	struct pf_value w2[2] = {VNULL, VBLOB(big, imax - 4)};
	size_t len2 = pf_record(rec, sizeof(rec), w2, 2);
	assert_int_equal(pf_table_add(t2, 1, rec, len2, &err), 0);
	assert_int_equal(pf_tree_finish(t2, &err), 0);
	assert_int_equal(pf_record(rec, sizeof(rec), w, 2), imax);
	assert_int_equal(pf_index_add(x, rec, imax, &err), 0);
	assert_int_equal(pf_index_add(x, rec, imax + 1, &err), WB_EINVAL);
	assert_int_equal(pf_tree_finish(t, &err), 0);
	assert_int_equal(pf_tree_finish(x, &err), 0);
	struct pf_tree *bad = pf_table(f, root_in(path, "full"));
	assert_int_equal(pf_table_add(bad, 1, rec, 10, &err), WB_EINVAL);
	assert_int_equal(pf_tree_finish(bad, &err), WB_EINVAL);
	bad = pf_index(f, root_in(path, "t")); /* a table's root for an index */
	assert_int_equal(pf_tree_finish(bad, &err), WB_EINVAL);
	assert_int_equal(pf_close(f, 0, &err), 0);
	sqlite3 *db = open_db(path);
	integrity_ok(db);
	assert_int_equal(q1(db, "SELECT length(b) FROM t WHERE id = 1"), tmax - 4);
	assert_int_equal(q1(db, "SELECT count(*) FROM t2 INDEXED BY t2_b WHERE b = zeroblob(226)"),
			 1);
	sqlite3_close(db);
}

/* The largest page size (content offset 65536 written as 0), and a file SQLite left in
 * WAL mode turned back to rollback. */
static void big_pages_and_from_wal(void **state)
{
	(void)state;
	table_case(65536, 20000, 0, 2);
	char path[96];
	path_of(path, sizeof(path), "w.db");
	make_db(path, 4096, "PRAGMA journal_mode=WAL",
		"CREATE TABLE t(id INTEGER PRIMARY KEY, x INT, s TEXT)");
	uint32_t root = root_in(path, "t");
	struct wb_error err;
	struct pf_file *f = pf_open(path, PENDING, &err);
	assert_non_null(f);
	load_table(f, root, 3000);
	assert_int_equal(pf_close(f, 0, &err), 0);
	sqlite3 *db = open_db(path);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "delete");
	sqlite3_finalize(st);
	integrity_ok(db);
	check_rows(db, 3000);
	sqlite3_close(db);
}

/* The in-header size is not valid (version-valid-for differs from the change counter):
 * the page count is the file's size, not the stale header value. */
static void header_size_invalid(void **state)
{
	(void)state;
	char path[96];
	path_of(path, sizeof(path), "h.db");
	make_db(path, 1024, NULL,
		"CREATE TABLE t(id INTEGER PRIMARY KEY, x INT, s TEXT);"
		"CREATE TABLE pad(a); INSERT INTO pad VALUES (zeroblob(5000));");
	uint32_t root = root_in(path, "t");
	FILE *fp = fopen(path, "r+b");
	unsigned char h[100];
	assert_int_equal(fread(h, 1, 100, fp), 100);
	h[31] = 2;  /* in-header size: 2 pages (wrong) */
	h[95] ^= 1; /* version-valid-for != change counter */
	fseek(fp, 0, SEEK_SET);
	assert_int_equal(fwrite(h, 1, 100, fp), 100);
	fclose(fp);
	struct wb_error err;
	struct pf_file *f = pf_open(path, PENDING, &err);
	assert_non_null(f);
	load_table(f, root, 2000);
	assert_int_equal(pf_close(f, 0, &err), 0);
	sqlite3 *db = open_db(path);
	integrity_ok(db);
	check_rows(db, 2000);
	assert_int_equal(q1(db, "SELECT length(a) FROM pad"), 5000);
	sqlite3_close(db);
}

int main(void)
{
	/* the lock-byte page at 2 MB instead of 1 GB: before any database is opened */
	if (sqlite3_test_control(SQLITE_TESTCTRL_PENDING_BYTE, PENDING) != 0x40000000) {
		fprintf(stderr, "SQLITE_TESTCTRL_PENDING_BYTE not available\n");
		return 1;
	}
	snprintf(dir, sizeof(dir), "/tmp/wb-pagefile-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table_empty),
		cmocka_unit_test(table_one_row),
		cmocka_unit_test(one_and_two_pages),
		cmocka_unit_test(table_10000),
		cmocka_unit_test(table_deep_and_lock_page),
		cmocka_unit_test(table_wal),
		cmocka_unit_test(big_pages_and_from_wal),
		cmocka_unit_test(serial_types),
		cmocka_unit_test(indexes),
		cmocka_unit_test(index_every_count),
		cmocka_unit_test(two_threads),
		cmocka_unit_test(discard_tree),
		cmocka_unit_test(refusals),
		cmocka_unit_test(header_size_invalid),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = rc ? rc : 1;
	return rc;
}
