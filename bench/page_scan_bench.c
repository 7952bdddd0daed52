/*
 * page_scan_bench -- a table of person-like rows read two ways: SQLite's own
 * SELECT with sqlite3_step/sqlite3_column_*, and src/store/page_scan.c through SQLite's
 * file handle (the way db_sqlite.c is to call it).
 *
 *   page_scan_bench [--db FILE] [--rows N] [--repeat R] [--only select|pages]
 *
 * Makes FILE (default /tmp/page_scan_bench.db) with N rows (default 1 000 000) of 10
 * columns unless it already has them, then times R rounds (default 3) of each way, each
 * touching every value (ints summed, text lengths summed, so neither side can skip
 * work), and prints the best round of each, ns a row and the ratio. The file is read
 * from the page cache: run once to warm it. --only runs one side (for perf stat -e
 * instructions). Prints figures; asserts nothing.
 */
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/page_scan.h"

#define NCOLS 10

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", sql, msg ? msg : "?");
		exit(1);
	}
}

static int64_t q1(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void make(sqlite3 *db, long rows)
{
	exec(db, "DROP TABLE IF EXISTS p; PRAGMA journal_mode=WAL;"
		 "CREATE TABLE p(id INTEGER PRIMARY KEY, id_number TEXT, name TEXT, gender TEXT,"
		 " birth_date TEXT, region TEXT, address TEXT, phone TEXT, flags INT, score REAL)");
	char sql[1024];
	snprintf(sql, sizeof(sql),
		 "WITH RECURSIVE g(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM g WHERE v < %ld)"
		 " INSERT INTO p SELECT v, printf('500242%%04d%%02d%%02d%%04d', 2008 + v %% 17,"
		 " 1 + v %% 12, 1 + v %% 28, v %% 10000), '张' || substr('伟芳娜秀英敏静丽强磊',"
		 " 1 + v %% 10, 1 + v %% 2), CASE v %% 2 WHEN 0 THEN 'F' ELSE 'M' END,"
		 " printf('%%04d-%%02d-%%02d', 2008 + v %% 17, 1 + v %% 12, 1 + v %% 28),"
		 " printf('500242%%03d', v %% 300), '重庆市酉阳县某镇某村' || (v %% 97) || '组',"
		 " printf('1%%010d', v * 7919 %% 10000000000), v %% 64, v / 3.0 FROM g",
		 rows);
	exec(db, "BEGIN");
	exec(db, sql);
	exec(db, "COMMIT; PRAGMA wal_checkpoint(TRUNCATE)");
}

static uint64_t by_select(sqlite3 *db)
{
	sqlite3_stmt *st;
	sqlite3_prepare_v2(db,
			   "SELECT id, id_number, name, gender, birth_date, region, address,"
			   " phone, flags, score FROM p",
			   -1, &st, NULL);
	uint64_t sum = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		sum += (uint64_t)sqlite3_column_int64(st, 0);
		for (int i = 1; i <= 7; i++) {
			const unsigned char *t = sqlite3_column_text(st, i);
			sum += (uint64_t)sqlite3_column_bytes(st, i) + (t ? t[0] : 0);
		}
		sum += (uint64_t)sqlite3_column_int64(st, 8);
		sum += (uint64_t)sqlite3_column_double(st, 9);
	}
	sqlite3_finalize(st);
	return sum;
}

static int sq_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	sqlite3_file *f = ctx;
	return f->pMethods->xRead(f, buf, (int)len, (sqlite3_int64)off) == SQLITE_OK ? 0 : WB_EIO;
}

static int row(void *ctx, int64_t rowid, const struct ps_value *c, int ncols)
{
	uint64_t *sum = ctx;
	*sum += (uint64_t)rowid;
	for (int i = 1; i <= 7 && i < ncols; i++)
		*sum += c[i].n + (c[i].n ? c[i].p[0] : 0);
	*sum += (uint64_t)c[8].i;
	*sum += c[9].type == PS_FLOAT ? (uint64_t)c[9].f : (uint64_t)c[9].i;
	return 0;
}

static uint64_t by_pages(sqlite3 *db, uint32_t root)
{
	sqlite3_file *f = NULL;
	sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &f);
	uint64_t sum = 0;
	struct wb_error err;
	if (page_scan_table(sq_read, f, root, NCOLS, row, &sum, &err) != 0) {
		fprintf(stderr, "page_scan_table: %s\n", err.message_en);
		exit(1);
	}
	return sum;
}

int main(int argc, char **argv)
{
	const char *path = "/tmp/page_scan_bench.db";
	long rows = 1000000, repeat = 3;
	const char *only = "";
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--db") == 0)
			path = argv[i + 1];
		else if (strcmp(argv[i], "--rows") == 0)
			rows = strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--repeat") == 0)
			repeat = strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--only") == 0)
			only = argv[i + 1];
	}
	sqlite3 *db;
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return 1;
	if (q1(db, "SELECT count(*) FROM p") != rows) {
		double t0 = now();
		make(db, rows);
		printf("made %s: %ld rows in %.1f s\n", path, rows, now() - t0);
	}
	uint32_t root = (uint32_t)q1(db, "SELECT rootpage FROM sqlite_schema WHERE name='p'");
	printf("%ld rows, %" PRId64 " pages of %" PRId64 " bytes\n", rows,
	       q1(db, "PRAGMA page_count"), q1(db, "PRAGMA page_size"));
	double best_sel = 1e9, best_pg = 1e9;
	uint64_t s1 = 0, s2 = 0;
	for (long r = 0; r < repeat; r++) {
		exec(db, "BEGIN");
		q1(db, "SELECT count(*) FROM sqlite_schema"); /* the read transaction */
		double t0 = now();
		if (strcmp(only, "pages") != 0)
			s1 = by_select(db);
		double t1 = now();
		if (strcmp(only, "select") != 0)
			s2 = by_pages(db, root);
		double t2 = now();
		exec(db, "COMMIT");
		if (t1 - t0 < best_sel)
			best_sel = t1 - t0;
		if (t2 - t1 < best_pg)
			best_pg = t2 - t1;
	}
	if (strcmp(only, "pages") != 0)
		printf("SELECT + sqlite3_column_*: %.0f ms (%.0f ns a row)\n", best_sel * 1e3,
		       best_sel * 1e9 / (double)rows);
	if (strcmp(only, "select") != 0)
		printf("page_scan_table:           %.0f ms (%.0f ns a row)\n", best_pg * 1e3,
		       best_pg * 1e9 / (double)rows);
	if (!*only)
		printf("ratio: %.1fx; checksums %s\n", best_sel / best_pg,
		       s1 == s2 ? "equal" : "DIFFER");
	sqlite3_close(db);
	return 0;
}
