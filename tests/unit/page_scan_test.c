/* page_scan_test -- tables written by the real SQLite are read by src/store/page_scan.c
 * and compared value by value with SELECT rowid, * … ORDER BY rowid: every serial type,
 * records spilling onto overflow pages (also their header), deep trees after random
 * deletes (freeblocks, part-empty pages), ALTER TABLE ADD COLUMN, page sizes 512 to
 * 65536, reserved bytes, WAL after a checkpoint, the lock-byte page, a callback that
 * stops; and damaged files (page numbers past the end, cycles, cells outside the page,
 * truncated overflow chains, wrong page types, UTF-16, random byte flips) that must give
 * WB_EINVAL. Pages are read through SQLite's own file handle, as db_sqlite.c does, or
 * from an image in memory for the damaged files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "store/page_scan.h"

#define PENDING 0x200000 /* SQLITE_TESTCTRL_PENDING_BYTE for every test */

/* The numbers 1..n as a table of one column, value (Debian's SQLite has no
 * generate_series). */
#define SERIES(n)                                                                                  \
	"(WITH RECURSIVE g(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM g WHERE "           \
	"value < " #n ") SELECT value FROM g)"

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
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* A new database of page size ps; pre runs before the first table (PRAGMAs). */
static sqlite3 *new_db(const char *path, int ps, const char *pre)
{
	unlink(path);
	char side[200];
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA page_size=%d", ps);
	exec(db, sql);
	if (pre)
		exec(db, pre);
	return db;
}

static uint32_t root_of(sqlite3 *db, const char *name)
{
	char sql[160];
	snprintf(sql, sizeof(sql), "SELECT rootpage FROM sqlite_schema WHERE name='%s'", name);
	return (uint32_t)q1(db, sql);
}

/* ---- readers ------------------------------------------------------------------------ */

/* Through SQLite's own file handle (what db_sqlite.c does); counts the calls. */
struct sq_reader {
	sqlite3_file *f;
	long calls;
};

static int sq_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	struct sq_reader *r = ctx;
	r->calls++;
	return r->f->pMethods->xRead(r->f, buf, (int)len, (sqlite3_int64)off) == SQLITE_OK ? 0
											   : WB_EIO;
}

static struct sq_reader sq_reader_of(sqlite3 *db)
{
	struct sq_reader r = {0};
	assert_int_equal(sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &r.f),
			 SQLITE_OK);
	assert_non_null(r.f);
	return r;
}

/* A file image in memory (damaged files, and the fuzz target's way). */
struct image {
	unsigned char *p;
	size_t n;
};

static int img_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	const struct image *m = ctx;
	if (off > m->n || len > m->n - off)
		return WB_EIO;
	memcpy(buf, m->p + off, len);
	return 0;
}

static struct image image_of(const char *path)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	struct image m = {xmalloc((size_t)n), (size_t)n};
	assert_int_equal(fread(m.p, 1, m.n, f), m.n);
	fclose(f);
	return m;
}

/* ---- comparing with SELECT ---------------------------------------------------------- */

struct cmp {
	sqlite3_stmt *st;
	int ipk; /* the INTEGER PRIMARY KEY column, -1 none */
	long rows;
	long stop_after; /* > 0: return 7 after that many rows */
};

static void same_value(sqlite3_stmt *st, int col, const struct ps_value *v)
{
	switch (sqlite3_column_type(st, col)) {
	case SQLITE_NULL: assert_int_equal(v->type, PS_NULL); break;
	case SQLITE_INTEGER:
		assert_int_equal(v->type, PS_INT);
		assert_true(v->i == sqlite3_column_int64(st, col));
		break;
	case SQLITE_FLOAT: {
		double d = sqlite3_column_double(st, col);
		if (v->type == PS_INT) {
			/* a REAL column keeps an integral value as an integer on disk */
			assert_true((double)v->i == d);
			break;
		}
		assert_int_equal(v->type, PS_FLOAT);
		assert_memory_equal(&d, &v->f, sizeof(d));
		break;
	}
	case SQLITE_TEXT: {
		assert_int_equal(v->type, PS_TEXT);
		const unsigned char *t = sqlite3_column_text(st, col);
		size_t n = (size_t)sqlite3_column_bytes(st, col);
		assert_int_equal(v->n, n);
		if (n)
			assert_memory_equal(v->p, t, n);
		break;
	}
	case SQLITE_BLOB: {
		assert_int_equal(v->type, PS_BLOB);
		const void *b = sqlite3_column_blob(st, col);
		size_t n = (size_t)sqlite3_column_bytes(st, col);
		assert_int_equal(v->n, n);
		if (n)
			assert_memory_equal(v->p, b, n);
		else
			assert_null(v->p);
		break;
	}
	default: fail();
	}
}

static int cmp_row(void *ctx, int64_t rowid, const struct ps_value *cols, int ncols)
{
	struct cmp *c = ctx;
	assert_int_equal(sqlite3_step(c->st), SQLITE_ROW);
	assert_true(sqlite3_column_int64(c->st, 0) == rowid);
	assert_true(ncols <= sqlite3_column_count(c->st) - 1);
	for (int i = 0; i < ncols; i++) {
		if (i == c->ipk) {
			assert_int_equal(cols[i].type, PS_NULL);
			assert_true(sqlite3_column_int64(c->st, i + 1) == rowid);
		} else {
			same_value(c->st, i + 1, &cols[i]);
		}
	}
	c->rows++;
	return c->stop_after > 0 && c->rows == c->stop_after ? 7 : 0;
}

/* Scan table `name` of db through SQLite's handle, ncols columns (-1: all), compare with
 * SELECT. Returns the rows; *calls gets the reads. */
static long compare_table(sqlite3 *db, const char *name, int ncols, int ipk, long *calls)
{
	char sql[200];
	snprintf(sql, sizeof(sql), "SELECT rowid, * FROM %s ORDER BY rowid", name);
	struct cmp c = {.ipk = ipk};
	if (sqlite3_prepare_v2(db, sql, -1, &c.st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (ncols < 0)
		ncols = sqlite3_column_count(c.st) - 1;
	uint32_t root = strcmp(name, "sqlite_schema") == 0 ? 1 : root_of(db, name);
	exec(db, "BEGIN");
	/* a read transaction: the file cannot change during the scan */
	q1(db, "SELECT count(*) FROM sqlite_schema");
	struct sq_reader r = sq_reader_of(db);
	struct wb_error err;
	wb_error_clear(&err);
	int rc = page_scan_table(sq_read, &r, root, ncols, cmp_row, &c, &err);
	if (rc != 0)
		fail_msg("page_scan_table %d: %s", rc, err.message_en);
	assert_int_equal(sqlite3_step(c.st), SQLITE_DONE);
	exec(db, "COMMIT");
	sqlite3_finalize(c.st);
	if (calls)
		*calls = r.calls;
	return c.rows;
}

/* ---- tables --------------------------------------------------------------------------- */

/* Every serial type, in tables of each page size; an INTEGER PRIMARY KEY table with
 * negative and large rowids. */
static void value_types(void **state)
{
	(void)state;
	static const int sizes[] = {512, 4096, 65536};
	for (int k = 0; k < 3; k++) {
		char path[128];
		path_of(path, sizeof(path), "types.db");
		sqlite3 *db = new_db(path, sizes[k], NULL);
		exec(db, "CREATE TABLE v(a, b, c);"
			 "CREATE TABLE p(id INTEGER PRIMARY KEY, x, y TEXT);"
			 "INSERT INTO v VALUES (NULL, 0, 1), (-1, 127, -128), (128, 32767, -32768),"
			 " (32768, 8388607, -8388608), (8388608, 2147483647, -2147483648),"
			 " (2147483648, 140737488355327, -140737488355328),"
			 " (140737488355328, 9223372036854775807, -9223372036854775808),"
			 " (0.5, -1e300, 3.141592653589793), (-0.0, 1e-310, 2.5e10),"
			 " ('', 'abc', '中文字符：未成年人保护'), (x'', x'00ff10', zeroblob(300)),"
			 " (255, 65535, 16777215), (-129, -32769, -8388609);"
			 "INSERT INTO v SELECT printf('%.*c', 2000, '字'), randomblob(400), 42;"
			 "INSERT INTO p VALUES (-9223372036854775808, 1, 'min'), (-5, 2, 'neg'),"
			 " (0, 3, 'zero'), (4611686018427387904, 4, 'big'),"
			 " (9223372036854775807, NULL, NULL);");
		assert_int_equal(compare_table(db, "v", -1, -1, NULL), 14);
		assert_int_equal(compare_table(db, "p", -1, 0, NULL), 5);
		/* sqlite_schema itself, whose root is page 1 (header at offset 100) */
		assert_int_equal(compare_table(db, "sqlite_schema", -1, -1, NULL), 2);
		/* fewer columns than the table has */
		assert_int_equal(compare_table(db, "v", 1, -1, NULL), 14);
		assert_int_equal(compare_table(db, "v", 0, -1, NULL), 14);
		sqlite3_close(db);
	}
}

/* Values of 5 KB, 100 KB, 1 MB on overflow pages, in each page size; a record whose
 * header itself spills (many columns, 512-byte pages); a scan of the first columns
 * only does not read the overflow pages of a later one. */
static void overflow(void **state)
{
	(void)state;
	static const int sizes[] = {512, 4096, 65536};
	for (int k = 0; k < 3; k++) {
		char path[128];
		path_of(path, sizeof(path), "ovfl.db");
		sqlite3 *db = new_db(path, sizes[k], NULL);
		exec(db, "CREATE TABLE o(a, b, c);"
			 "INSERT INTO o VALUES (1, printf('%.*c', 5000, 'x'), 2),"
			 " (randomblob(100000), 'mid', printf('%.*c', 1000, '护')),"
			 " (3, 4, randomblob(1048576)), (printf('%.*c', 1700, 'y'), 5, 6);"
			 "INSERT INTO o SELECT value, value * 2, printf('%.*c', value * 37, 'z')"
			 " FROM " SERIES(200) ";");
		long calls, calls1;
		assert_int_equal(compare_table(db, "o", -1, -1, &calls), 204);
		assert_int_equal(compare_table(db, "o", 2, -1, &calls1), 204);
		/* the 1 MB value in column c is not read when ncols is 2 */
		print_message("page size %d: %ld reads for all columns, %ld for two\n", sizes[k],
			      calls, calls1);
		assert_true(calls1 <= calls - 1048576 / sizes[k]);
		/* one read a page: the header, the table's pages, nothing twice */
		int64_t pages = q1(db, "SELECT count(*) FROM dbstat WHERE name='o'");
		assert_int_equal(calls, 1 + pages);
		sqlite3_close(db);
	}
	/* every record size around the limits of the local part on 512-byte pages
	 * (X = 477; K = M + (P - M) % 508 meets X at P = 985) */
	char path[128];
	path_of(path, sizeof(path), "edge.db");
	sqlite3 *db = new_db(path, 512, NULL);
	exec(db, "CREATE TABLE e(a);"
		 "INSERT INTO e SELECT randomblob(value + 400) FROM " SERIES(1200) ";");
	assert_int_equal(compare_table(db, "e", -1, -1, NULL), 1200);
	sqlite3_close(db);

	path_of(path, sizeof(path), "wide.db");
	db = new_db(path, 512, NULL);
	char sql[4096] = "CREATE TABLE w(c0";
	for (int i = 1; i < 300; i++)
		snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql), ", c%d", i);
	snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql), ")");
	exec(db, sql);
	/* 300 columns of 200-byte texts: the header (> 300 bytes) spills past the local part */
	snprintf(sql, sizeof(sql), "INSERT INTO w(c0, c150, c299) VALUES (1, 'a', 'b')");
	exec(db, sql);
	exec(db, "UPDATE w SET c1 = printf('%.*c', 200, 'q'), c298 = 298");
	for (int i = 2; i < 300; i += 7) {
		snprintf(sql, sizeof(sql), "UPDATE w SET c%d = printf('%%.*c', 200, 'r')", i);
		exec(db, sql);
	}
	exec(db, "INSERT INTO w SELECT * FROM w; INSERT INTO w SELECT * FROM w");
	assert_int_equal(compare_table(db, "w", -1, -1, NULL), 4);
	assert_int_equal(compare_table(db, "w", 150, -1, NULL), 4);
	sqlite3_close(db);
}

/* 300 000 rows on 512-byte pages (a tree of several levels, past the lock-byte page at
 * 2 MB), then a third deleted at random: pages part-empty, with freeblocks. */
static void deep_tree_and_deletes(void **state)
{
	(void)state;
	char path[128];
	path_of(path, sizeof(path), "deep.db");
	sqlite3 *db = new_db(path, 512, NULL);
	exec(db, "CREATE TABLE d(id INTEGER PRIMARY KEY, n INT, s TEXT, f REAL);"
		 "INSERT INTO d SELECT value * 3 - 100000, value % 1000 - 500,"
		 " 'p' || value, value / 7.0 FROM " SERIES(300000) ";");
	assert_true(q1(db, "PRAGMA page_count") > PENDING / 512 + 1);
	assert_true(q1(db, "SELECT max(length(path)) FROM dbstat WHERE name='d'") >= 13);
	long calls;
	assert_int_equal(compare_table(db, "d", -1, 0, &calls), 300000);
	assert_int_equal(calls, 1 + q1(db, "SELECT count(*) FROM dbstat WHERE name='d'"));
	exec(db, "DELETE FROM d WHERE abs(random()) % 3 = 0;"
		 "DELETE FROM d WHERE id BETWEEN 100000 AND 150000;"
		 "UPDATE d SET s = NULL WHERE id % 5 = 0");
	long left = (long)q1(db, "SELECT count(*) FROM d");
	assert_int_equal(compare_table(db, "d", -1, 0, NULL), left);
	/* pages with freeblocks are there */
	assert_true(q1(db, "SELECT count(*) FROM dbstat WHERE name='d' AND unused > 100") > 100);
	sqlite3_close(db);
}

static int count_null_last(void *ctx, int64_t rowid, const struct ps_value *cols, int ncols)
{
	(void)rowid;
	*(int *)ctx += cols[ncols - 1].type == PS_NULL;
	return 0;
}

/* Columns added after rows existed: old records are shorter, their missing columns
 * come as NULL -- also for a column with a DEFAULT, which SELECT gives instead. */
static void added_columns(void **state)
{
	(void)state;
	char path[128];
	path_of(path, sizeof(path), "alter.db");
	sqlite3 *db = new_db(path, 4096, NULL);
	exec(db, "CREATE TABLE a(x, y);"
		 "INSERT INTO a VALUES (1, 'one'), (2, 'two');"
		 "ALTER TABLE a ADD COLUMN z TEXT;"
		 "INSERT INTO a VALUES (3, 'three', 'z3');"
		 "ALTER TABLE a ADD COLUMN w INT;"
		 "INSERT INTO a VALUES (4, 'four', NULL, 44), (5, NULL, NULL, NULL);");
	assert_int_equal(compare_table(db, "a", -1, -1, NULL), 5);
	/* a DEFAULT is SQLite's to fill in: the records do not have it */
	exec(db, "ALTER TABLE a ADD COLUMN d DEFAULT 9");
	assert_int_equal(q1(db, "SELECT d FROM a WHERE rowid = 1"), 9);
	struct sq_reader r = sq_reader_of(db);
	struct wb_error err;
	int nulls = 0;
	assert_int_equal(
		page_scan_table(sq_read, &r, root_of(db, "a"), 5, count_null_last, &nulls, &err),
		0);
	assert_int_equal(nulls, 5);
	sqlite3_close(db);
}

/* Reserved bytes at the end of each page (SQLITE_FCNTL_RESERVE_BYTES, then VACUUM). */
static void reserved_bytes(void **state)
{
	(void)state;
	char path[128];
	path_of(path, sizeof(path), "reserve.db");
	sqlite3 *db = new_db(path, 1024, NULL);
	exec(db, "CREATE TABLE r(a, b);"
		 "INSERT INTO r SELECT value, printf('%.*c', value % 3000, 'r')"
		 " FROM " SERIES(2000) ";");
	int n = 32;
	assert_int_equal(sqlite3_file_control(db, "main", SQLITE_FCNTL_RESERVE_BYTES, &n),
			 SQLITE_OK);
	exec(db, "VACUUM");
	sqlite3_close(db);
	struct image m = image_of(path);
	assert_int_equal(m.p[20], 32);
	free(m.p);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(compare_table(db, "r", -1, -1, NULL), 2000);
	sqlite3_close(db);
}

/* WAL mode: after wal_checkpoint(TRUNCATE) every page is in the file. */
static void wal_checkpointed(void **state)
{
	(void)state;
	char path[128];
	path_of(path, sizeof(path), "wal.db");
	sqlite3 *db = new_db(path, 4096, "PRAGMA journal_mode=WAL");
	exec(db, "CREATE TABLE t(a, b);"
		 "INSERT INTO t SELECT value, 'w' || value FROM " SERIES(
			 20000) ";"
				"UPDATE t SET b = NULL WHERE a % 3 = 0; DELETE FROM t WHERE a % 7 "
				"= 0;");
	assert_int_equal(q1(db, "PRAGMA wal_checkpoint(TRUNCATE)"), 0);
	assert_int_equal(compare_table(db, "t", -1, -1, NULL), 20000 - 20000 / 7);
	sqlite3_close(db);
}

/* The callback's nonzero value stops the scan and is returned. */
static void early_stop(void **state)
{
	(void)state;
	char path[128];
	path_of(path, sizeof(path), "stop.db");
	sqlite3 *db = new_db(path, 512, NULL);
	exec(db, "CREATE TABLE t(a);"
		 "INSERT INTO t SELECT value FROM " SERIES(5000) ";");
	struct cmp c = {.ipk = -1, .stop_after = 1234};
	assert_int_equal(
		sqlite3_prepare_v2(db, "SELECT rowid, * FROM t ORDER BY rowid", -1, &c.st, NULL),
		SQLITE_OK);
	struct sq_reader r = sq_reader_of(db);
	struct wb_error err;
	assert_int_equal(page_scan_table(sq_read, &r, root_of(db, "t"), 1, cmp_row, &c, &err), 7);
	assert_int_equal(c.rows, 1234);
	sqlite3_finalize(c.st);
	sqlite3_close(db);
}

/* ---- damaged files ---------------------------------------------------------------------- */

static int count_row(void *ctx, int64_t rowid, const struct ps_value *cols, int ncols)
{
	(void)rowid;
	/* touch every byte, so that ASan sees a read out of bounds */
	static volatile unsigned sink;
	for (int i = 0; i < ncols; i++)
		for (size_t k = 0; k < cols[i].n; k++)
			sink += cols[i].p[k];
	*(long *)ctx += 1;
	return 0;
}

static int scan_image(struct image *m, uint32_t root, int ncols, struct wb_error *err)
{
	long rows = 0;
	wb_error_clear(err);
	return page_scan_table(img_read, m, root, ncols, count_row, &rows, err);
}

static struct wb_error last_err;

#define expect_corrupt(m, root, ncols, code) expect_corrupt_at(m, root, ncols, code, __LINE__)

static void expect_corrupt_at(struct image *m, uint32_t root, int ncols, const char *code, int line)
{
	struct wb_error err;
	int rc = scan_image(m, root, ncols, &err);
	if (rc != WB_EINVAL)
		fail_msg("line %d: expected WB_EINVAL (%s), got %d", line, code, rc);
	assert_string_equal(err.code, code);
	assert_true(err.message[0] && err.message_en[0]);
	last_err = err;
}

static void put4(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t get4(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A three-level table t (root rt) and a one-row table big whose 3 000-byte value spills
 * over overflow pages (root rb, first overflow page ov), 512-byte pages. */
static struct image damaged_base(uint32_t *rt, uint32_t *rb, uint32_t *ov, uint32_t *mid,
				 uint32_t *leaf)
{
	char path[128];
	path_of(path, sizeof(path), "damage.db");
	sqlite3 *db = new_db(path, 512, NULL);
	exec(db, "CREATE TABLE t(a, b);"
		 "INSERT INTO t SELECT value, 'v' || value FROM " SERIES(
			 6000) ";"
			       "CREATE TABLE big(a);"
			       "INSERT INTO big VALUES (printf('%.*c', 3000, 'b'));");
	*rt = root_of(db, "t");
	*rb = root_of(db, "big");
	*ov = (uint32_t)q1(db, "SELECT pageno FROM dbstat WHERE name='big' AND"
			       " pagetype='overflow' AND path LIKE '%+000000'");
	/* an interior page below the root */
	*mid = (uint32_t)q1(db, "SELECT pageno FROM dbstat WHERE name='t' AND"
				" pagetype='internal' AND path='/000/'");
	/* the first leaf (rowids from 1: one-byte varints) */
	*leaf = (uint32_t)q1(db, "SELECT pageno FROM dbstat WHERE name='t' AND path='/000/000/'");
	assert_int_equal(q1(db, "SELECT max(length(path)) FROM dbstat WHERE name='t'"), 9);
	sqlite3_close(db);
	struct image m = image_of(path);
	struct wb_error err;
	assert_int_equal(scan_image(&m, *rt, 2, &err), 0);
	assert_int_equal(scan_image(&m, *rb, 1, &err), 0);
	return m;
}

static unsigned char *page(struct image *m, uint32_t pgno)
{
	return m->p + (size_t)(pgno - 1) * 512;
}

static void damaged_files(void **state)
{
	(void)state;
	uint32_t rt, rb, ov, mid, leaf;
	struct image m = damaged_base(&rt, &rb, &ov, &mid, &leaf);
	struct image w = {xmalloc(m.n), m.n};
	uint32_t npages = get4(m.p + 28);
#define FRESH() memcpy(w.p, m.p, m.n)

	/* a page number past the end: the root's rightmost child */
	FRESH();
	put4(page(&w, rt) + 8, npages + 1);
	expect_corrupt(&w, rt, 2, "PS_CORRUPT");
	FRESH();
	put4(page(&w, rt) + 8, 0);
	expect_corrupt(&w, rt, 2, "PS_CORRUPT");
	/* a root past the end */
	FRESH();
	expect_corrupt(&w, npages + 5, 2, "PS_CORRUPT");

	/* a cycle: the interior page below the root points back at the root */
	FRESH();
	put4(page(&w, mid) + 8, rt);
	expect_corrupt(&w, rt, 2, "PS_CORRUPT");
	/* ... before any row: the root's first child is the root */
	FRESH();
	{
		unsigned char *rp = page(&w, rt);
		put4(rp + ((uint32_t)rp[12] << 8 | rp[13]), rt);
		expect_corrupt(&w, rt, 2, "PS_CORRUPT");
		assert_non_null(strstr(last_err.message_en, "too deep"));
	}
	/* ... or at itself */
	FRESH();
	put4(page(&w, mid) + 8, mid);
	expect_corrupt(&w, rt, 2, "PS_CORRUPT");

	/* shared subtrees: every child of the root is mid, every child of mid is the
	 * root's last child mid2, every child of mid2 one empty leaf -- no cycle, no row,
	 * but more page reads than the file has pages */
	FRESH();
	{
		unsigned char *rp = page(&w, rt);
		uint32_t mid2 = get4(rp + 8);
		unsigned char *mp = page(&w, mid), *m2 = page(&w, mid2);
		uint32_t nr = (uint32_t)rp[3] << 8 | rp[4], nm = (uint32_t)mp[3] << 8 | mp[4];
		uint32_t nm2 = (uint32_t)m2[3] << 8 | m2[4];
		assert_true(mid2 != mid);
		assert_true((uint64_t)(nr + 1) * (nm + 1) * (nm2 + 1) > npages);
		struct {
			unsigned char *pg;
			uint32_t n, to;
		} edit[3] = {{rp, nr, mid}, {mp, nm, mid2}, {m2, nm2, leaf}};
		for (int e = 0; e < 3; e++) {
			unsigned char *p = edit[e].pg;
			for (uint32_t i = 0; i < edit[e].n; i++)
				put4(p + ((uint32_t)p[12 + 2 * i] << 8 | p[13 + 2 * i]),
				     edit[e].to);
			put4(p + 8, edit[e].to);
		}
		page(&w, leaf)[3] = page(&w, leaf)[4] = 0;
		expect_corrupt(&w, rt, 2, "PS_CORRUPT");
		assert_non_null(strstr(last_err.message_en, "cycle"));
	}

	/* cell offsets outside the page, or in the header, or a cell running past the end */
	static const uint32_t offs[] = {0xffff, 512, 509, 0, 8};
	for (int i = 0; i < 5; i++) {
		FRESH();
		unsigned char *lp = page(&w, leaf);
		lp[8] = (unsigned char)(offs[i] >> 8), lp[9] = (unsigned char)offs[i];
		expect_corrupt(&w, rt, 2, "PS_CORRUPT");
	}
	FRESH();
	{
		/* a leaf cell whose payload size claims more than the page */
		unsigned char *lp = page(&w, leaf);
		uint32_t off = (uint32_t)lp[8] << 8 | lp[9];
		lp[off] = 0x7f; /* 127 bytes: more than the cell has */
		struct wb_error err;
		int rc = scan_image(&w, rt, 2, &err);
		assert_true(rc == WB_EINVAL || rc == 0);
	}
	/* too many cells for the page */
	FRESH();
	page(&w, leaf)[3] = 0x01;
	expect_corrupt(&w, rt, 2, "PS_CORRUPT");

	/* truncated overflow chains: the first overflow page says the chain ends, or the file
	 * is shorter than the chain */
	FRESH();
	put4(page(&w, ov), 0);
	expect_corrupt(&w, rb, 1, "PS_CORRUPT");
	FRESH();
	put4(page(&w, ov), npages + 3);
	expect_corrupt(&w, rb, 1, "PS_CORRUPT");
	FRESH();
	put4(page(&w, ov), ov); /* a chain that loops ends with the payload's length */
	{
		struct wb_error err;
		assert_int_equal(scan_image(&w, rb, 1, &err), 0);
	}

	/* wrong page types: an index page, a free page, the root as an index interior */
	static const unsigned char types[] = {0x0A, 0x02, 0x00, 0x0E};
	for (int i = 0; i < 4; i++) {
		FRESH();
		page(&w, leaf)[0] = types[i];
		expect_corrupt(&w, rt, 2, "PS_CORRUPT");
		FRESH();
		page(&w, rt)[0] = types[i];
		expect_corrupt(&w, rt, 2, "PS_CORRUPT");
	}

	/* record headers: a reserved serial type, a header size past the payload */
	FRESH();
	{
		unsigned char *lp = page(&w, leaf);
		uint32_t off = (uint32_t)lp[8] << 8 | lp[9];
		/* cell: payload size, rowid (1 byte each here), header size 3, types */
		assert_int_equal(lp[off + 2], 3);
		lp[off + 3] = 10;
		expect_corrupt(&w, rt, 2, "PS_CORRUPT");
		FRESH();
		lp[off + 2] = 0x7f;
		expect_corrupt(&w, rt, 2, "PS_CORRUPT");
		FRESH();
		lp[off + 4] = 0x7f; /* text of 57 bytes: past the payload */
		expect_corrupt(&w, rt, 2, "PS_CORRUPT");
	}

	/* rowids out of order: two leaves swapped in the root */
	FRESH();
	{
		unsigned char *rp = page(&w, rt);
		uint32_t c0 = (uint32_t)rp[12] << 8 | rp[13], c1 = (uint32_t)rp[14] << 8 | rp[15];
		unsigned char tmp[4];
		memcpy(tmp, rp + c0, 4);
		memcpy(rp + c0, rp + c1, 4);
		memcpy(rp + c1, tmp, 4);
		expect_corrupt(&w, rt, 2, "PS_CORRUPT");
	}

	/* headers: not SQLite, bad page size, page count invalid, a truncated file */
	FRESH();
	w.p[0] = 'X';
	expect_corrupt(&w, rt, 2, "PS_UNSUPPORTED");
	FRESH();
	w.p[16] = 3, w.p[17] = 0;
	expect_corrupt(&w, rt, 2, "PS_UNSUPPORTED");
	FRESH();
	w.p[95] ^= 1; /* version-valid-for no longer matches */
	expect_corrupt(&w, rt, 2, "PS_UNSUPPORTED");
	FRESH();
	{
		struct image shortimg = {w.p, w.n / 2};
		struct wb_error err;
		assert_int_equal(scan_image(&shortimg, rt, 2, &err), WB_EIO);
		assert_string_equal(err.code, "PS_IO");
	}

	/* random damage: bytes flipped anywhere; only 0 or a clean error, never a crash */
	srand(1);
	for (int round = 0; round < 3000; round++) {
		FRESH();
		int flips = 1 + rand() % 8;
		for (int k = 0; k < flips; k++) {
			size_t at = (size_t)rand() % w.n;
			if (round % 2)
				at = 100 + (size_t)rand() % 3000; /* page 1 to 6: roots, schema */
			w.p[at] ^= (unsigned char)(1 + rand() % 255);
		}
		struct wb_error err;
		int rc = scan_image(&w, round % 3 ? rt : rb, 2, &err);
		assert_true(rc == 0 || rc == WB_EINVAL || rc == WB_EIO);
	}
#undef FRESH
	free(w.p);
	free(m.p);
}

static void utf16_refused(void **state)
{
	(void)state;
	char path[128];
	path_of(path, sizeof(path), "utf16.db");
	sqlite3 *db = new_db(path, 4096, "PRAGMA encoding='UTF-16le'");
	exec(db, "CREATE TABLE t(a); INSERT INTO t VALUES ('文字');");
	uint32_t root = root_of(db, "t");
	sqlite3_close(db);
	struct image m = image_of(path);
	expect_corrupt(&m, root, 1, "PS_UNSUPPORTED");
	free(m.p);
}

int main(void)
{
	/* the lock-byte page at 2 MB instead of 1 GB: before any database is opened */
	if (sqlite3_test_control(SQLITE_TESTCTRL_PENDING_BYTE, PENDING) != 0x40000000) {
		fprintf(stderr, "SQLITE_TESTCTRL_PENDING_BYTE not available\n");
		return 1;
	}
	snprintf(dir, sizeof(dir), "/tmp/wb-pagescan-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(value_types),
		cmocka_unit_test(overflow),
		cmocka_unit_test(deep_tree_and_deletes),
		cmocka_unit_test(added_columns),
		cmocka_unit_test(reserved_bytes),
		cmocka_unit_test(wal_checkpointed),
		cmocka_unit_test(early_stop),
		cmocka_unit_test(damaged_files),
		cmocka_unit_test(utf16_refused),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = rc ? rc : 1;
	return rc;
}
