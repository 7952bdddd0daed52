/*
 * import_bench -- the ID-linked import benchmark's two sides besides `weibao import`.
 *
 *   import_bench extract  --db DB --out FILE.csv [--rows N] [--shape families|children]
 *                         [--hukou-type 农业|非农业]
 *       writes a 户籍 extract (the hukou profile's columns: name, gender, birth date, ID
 *       number, household region code, father's and mother's names and ID numbers,
 *       户口性质) of the first N minors of a demo database, with the real ID numbers
 *       (decrypted with the database's key), so that every row links by ID; the shape
 *       `families` (default) takes the minors with both parents and names them, the shape
 *       `children` takes every minor and leaves the parents' columns empty;
 *   import_bench baseline --csv FILE.csv --dir DIR
 *       the same rows as a conventional system would take them: a plain SQLite table
 *       keyed by the ID number, preloaded with the same persons (not timed), then one
 *       bulk `INSERT … ON CONFLICT (id_number) DO UPDATE` pass over the file in one
 *       transaction (timed); prints rows per second and peak memory.
 *
 * A bench tool, not product code: it reads the database with SQL directly. Prints
 * figures; asserts nothing.
 */
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "core/secret.h"
#include "store/persons.h"
#include "store/store.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long peak_mb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss / 1024;
}

static const char *arg(int argc, char **argv, const char *name, const char *def)
{
	for (int i = 0; i + 1 < argc; i++)
		if (!strcmp(argv[i], name))
			return argv[i + 1];
	return def;
}

/* Minors with both parents, their IDs decrypted. */
static const char SQL_EXTRACT[] =
	"SELECT c.name, c.gender, c.birth_date, c.id_cipher, c.id_hash, c.household_region, "
	"f.name, f.id_cipher, f.id_hash, m.name, m.id_cipher, m.id_hash "
	"FROM persons c JOIN relations rf ON rf.person_id = c.id AND rf.kind = 'father' "
	"JOIN persons f ON f.id = rf.related_id "
	"JOIN relations rm ON rm.person_id = c.id AND rm.kind = 'mother' "
	"JOIN persons m ON m.id = rm.related_id "
	"WHERE c.birth_date > ? AND c.id_cipher IS NOT NULL AND f.id_cipher IS NOT NULL "
	"AND m.id_cipher IS NOT NULL ORDER BY c.id LIMIT ?";

/* Every minor, without parents: the extract of a register of children alone. */
static const char SQL_EXTRACT_CHILDREN[] =
	"SELECT c.name, c.gender, c.birth_date, c.id_cipher, c.id_hash, c.household_region "
	"FROM persons c WHERE c.birth_date > ? AND c.id_cipher IS NOT NULL "
	"ORDER BY c.id LIMIT ?";

static int open_id(const struct store *st, sqlite3_stmt *s, int col, char out[IDNO_LEN + 1])
{
	return store_persons_open_id(
		st, sqlite3_column_blob(s, col), (size_t)sqlite3_column_bytes(s, col),
		sqlite3_column_blob(s, col + 1), (size_t)sqlite3_column_bytes(s, col + 1), out);
}

static int extract(int argc, char **argv)
{
	const char *db = arg(argc, argv, "--db", NULL), *out = arg(argc, argv, "--out", NULL);
	long rows = strtol(arg(argc, argv, "--rows", "1000000"), NULL, 10);
	int children = !strcmp(arg(argc, argv, "--shape", "families"), "children");
	const char *hukou_type = arg(argc, argv, "--hukou-type", "农业");
	char key[4096], cutoff[11], id[3][IDNO_LEN + 1];
	struct secret_keys keys;
	struct store st;
	struct wb_error err;
	if (!db || !out)
		return fprintf(stderr, "extract --db DB --out FILE [--rows N]\n"), 2;
	snprintf(key, sizeof(key), "%s.key", db);
	wb_error_clear(&err);
	if (secret_init() || secret_key_load(key, &keys, &err) ||
	    store_open(&st, db, &keys, 0, 0, &err))
		return fprintf(stderr, "%s\n", err.message_en), 1;
	sqlite3 *h;
	sqlite3_stmt *s;
	sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL);
	sqlite3_prepare_v2(h, children ? SQL_EXTRACT_CHILDREN : SQL_EXTRACT, -1, &s, NULL);
	store_persons_minor_cutoff(cutoff);
	sqlite3_bind_text(s, 1, cutoff, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, rows);
	FILE *f = fopen(out, "w");
	fputs("姓名,性别,出生日期,公民身份号码,户籍区划代码,父亲姓名,父亲身份证号,母亲姓名,"
	      "母亲身份证号,户口性质\n",
	      f);
	long n = 0;
	double t0 = now();
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (open_id(&st, s, 3, id[0]) ||
		    (!children && (open_id(&st, s, 7, id[1]) || open_id(&st, s, 10, id[2]))))
			continue;
		const char *g = (const char *)sqlite3_column_text(s, 1);
		fprintf(f, "%s,%s,%s,%s,%s,", sqlite3_column_text(s, 0),
			g && g[0] == 'F' ? "女" : "男", sqlite3_column_text(s, 2), id[0],
			sqlite3_column_text(s, 5));
		if (children)
			fprintf(f, ",,,,%s\n", hukou_type);
		else
			fprintf(f, "%s,%s,%s,%s,%s\n", sqlite3_column_text(s, 6), id[1],
				sqlite3_column_text(s, 9), id[2], hukou_type);
		n++;
	}
	fclose(f);
	sqlite3_finalize(s);
	sqlite3_close(h);
	store_close(&st);
	printf("extract: rows=%ld seconds=%.1f file=%s\n", n, now() - t0, out);
	return 0;
}

/* Split a line of the extract (no quoting: the generator writes none) into 10 fields. */
static int split(char *line, char *field[10])
{
	int n = 0;
	field[n++] = line;
	for (char *p = line; *p; p++) {
		if (*p == '\n' || *p == '\r') {
			*p = 0;
			break;
		}
		if (*p == ',' && n < 10) {
			*p = 0;
			field[n++] = p + 1;
		}
	}
	return n;
}

static const char SQL_BASE_SCHEMA[] =
	"PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536;"
	"DROP TABLE IF EXISTS persons_base;"
	"CREATE TABLE persons_base (id_number TEXT PRIMARY KEY, name TEXT NOT NULL, gender TEXT, "
	"birth_date TEXT, household_region TEXT, father_id TEXT, father_name TEXT, "
	"mother_id TEXT, mother_name TEXT, hukou_type TEXT, updated_at TEXT);";
static const char SQL_BASE_UPSERT[] =
	"INSERT INTO persons_base (id_number, name, gender, birth_date, household_region, "
	"father_name, father_id, mother_name, mother_id, hukou_type, updated_at) "
	"VALUES (?4, ?1, ?2, ?3, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT (id_number) DO UPDATE "
	"SET "
	"name = excluded.name, gender = excluded.gender, birth_date = excluded.birth_date, "
	"household_region = excluded.household_region, father_name = excluded.father_name, "
	"father_id = excluded.father_id, mother_name = excluded.mother_name, "
	"mother_id = excluded.mother_id, hukou_type = excluded.hukou_type, "
	"updated_at = excluded.updated_at";

/* One pass over the file through the upsert, in one transaction: rows done. */
static long upsert_pass(sqlite3 *h, const char *csv, const char *stamp)
{
	char line[1024], *field[10];
	sqlite3_stmt *s;
	FILE *f = fopen(csv, "r");
	if (!f)
		return -1;
	sqlite3_prepare_v2(h, SQL_BASE_UPSERT, -1, &s, NULL);
	sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	long n = 0;
	int header = 1;
	while (fgets(line, sizeof(line), f)) {
		if (header-- > 0 || split(line, field) != 10)
			continue;
		for (int i = 0; i < 10; i++)
			sqlite3_bind_text(s, i + 1, field[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 11, stamp, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_DONE)
			n++;
		sqlite3_reset(s);
	}
	sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
	sqlite3_finalize(s);
	fclose(f);
	return n;
}

static int baseline(int argc, char **argv)
{
	const char *csv = arg(argc, argv, "--csv", NULL), *dir = arg(argc, argv, "--dir", ".");
	char path[4096];
	sqlite3 *h;
	if (!csv)
		return fprintf(stderr, "baseline --csv FILE [--dir DIR]\n"), 2;
	snprintf(path, sizeof(path), "%s/baseline.db", dir);
	remove(path);
	if (sqlite3_open(path, &h) != SQLITE_OK ||
	    sqlite3_exec(h, SQL_BASE_SCHEMA, NULL, NULL, NULL) != SQLITE_OK)
		return fprintf(stderr, "baseline: %s\n", sqlite3_errmsg(h)), 1;
	double t0 = now();
	long pre = upsert_pass(h, csv, "2026-01-01T00:00:00Z"); /* the stored persons */
	double t1 = now();
	long n = upsert_pass(h, csv, "2026-06-01T00:00:00Z"); /* the extract: every row links */
	double t2 = now();
	sqlite3_close(h);
	printf("baseline: preload rows=%ld seconds=%.2f; upsert rows=%ld seconds=%.2f "
	       "rows_per_s=%.0f peak_rss_mb=%ld\n",
	       pre, t1 - t0, n, t2 - t1, n / (t2 - t1), peak_mb());
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "extract"))
		return extract(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "baseline"))
		return baseline(argc - 1, argv + 1);
	fprintf(stderr, "usage: import_bench extract|baseline …\n");
	return 2;
}
