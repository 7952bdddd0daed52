/*
 * import -- `weibao import`: department extracts in, with a dry run, progress, the
 * rejected rows, a list of past imports and undo.
 *
 *   weibao import --db FILE --profile NAME [--region CODE] [--date YYYY-MM-DD]
 *                 [--source-unit ID] [--dry-run] [--batch N] [--rejects OUT.csv] FILE
 *   weibao import list --db FILE
 *   weibao import rejects --db FILE --id N [--out OUT.csv]
 *   weibao import undo --db FILE --id N
 *   weibao import profiles
 *
 * The CLI acts as weibao itself (the system scope: every region, audited as "system");
 * an interrupted import resumes when the same command runs again.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "ingest/pipeline.h"
#include "ingest/profile.h"
#include "ingest/rejects.h"
#include "store/imports.h"

static void progress_bar(void *ctx, uint64_t done, uint64_t total, int64_t rows)
{
	(void)ctx;
	int pct = total ? (int)(done * 100 / total) : 100;
	int fill = pct / 4;
	char bar[32];
	memset(bar, '#', (size_t)fill);
	memset(bar + fill, '.', (size_t)(25 - fill));
	bar[25] = 0;
	fprintf(stderr, "\r[%s] %3d%%  %" PRId64 " 行/rows", bar, pct, rows);
	if (pct == 100)
		fputc('\n', stderr);
}

static void print_result(const struct import_result *r, int dry)
{
	printf("%s (%s): %" PRId64 " 行/rows — 导入/applied %" PRId64 ", 待核查/review %" PRId64
	       ", 退回/rejected %" PRId64 "\n",
	       dry ? "试导入 dry run" : "导入完成 import done", r->format, r->rows, r->applied,
	       r->review, r->rejected);
	printf("  人员/persons: 新建/created %" PRId64 ", 更新/updated %" PRId64
	       ", 关联/linked %" PRId64 ", 无变化/unchanged %" PRId64 "\n",
	       r->created, r->updated, r->linked, r->unchanged);
	printf("  事实/facts: 新增/added %" PRId64 ", 替换/replaced %" PRId64
	       ", 已有/unchanged %" PRId64 ", 终止/ended %" PRId64 "; 关系/relations +%" PRId64
	       "\n",
	       r->facts_added, r->facts_replaced, r->facts_unchanged, r->facts_ended,
	       r->relations_added);
	for (int i = 0; i < r->nreasons; i++)
		printf("  退回原因/reason %-24s %6" PRId64 "  %s / %s\n", r->reasons[i].code,
		       r->reasons[i].count, r->reasons[i].zh, r->reasons[i].en);
	int unused = 0;
	for (int i = 0; i < r->ncolumns; i++)
		if (!r->columns[i].field[0])
			printf("%s%s", unused++ ? "、" : "  未使用的列/columns not read: ",
			       r->columns[i].header);
	if (unused)
		printf("\n");
	if (r->import_id)
		printf("  导入编号/import id %" PRId64 "%s\n", r->import_id,
		       r->resumed ? " (续导入/resumed)" : "");
}

/* The rejected rows (ingest/rejects.h) into a file. */
static int save_rejects(struct store *st, const struct wb_scope *sc, int64_t id, const char *path,
			struct wb_error *err)
{
	struct buf b;
	int64_t rows;
	buf_init(&b, (size_t)1 << 30);
	int rc = import_rejects_csv(st, sc, id, &b, &rows, err);
	FILE *f = rc ? NULL : fopen(path, "wb");
	if (!rc && (!f || fwrite(b.data, 1, b.len, f) != b.len))
		rc = wb_error_set(err, WB_EINVAL, 400, "FILE_WRITE", "无法写入退回行文件",
				  "cannot write the rejected-rows file");
	if (f && fclose(f) && !rc)
		rc = wb_error_set(err, WB_EINVAL, 400, "FILE_WRITE", "无法写入退回行文件",
				  "cannot write the rejected-rows file");
	buf_release(&b);
	if (!rc)
		fprintf(stderr,
			"退回行 %" PRId64 " 行已写入 / %" PRId64 " rejected rows written to %s\n",
			rows, rows, path);
	return rc;
}

static int run_import(struct cli_opts *o, struct store *st, const struct wb_scope *sc)
{
	struct wb_error err;
	struct import_result res;
	const char *src = cli_opt(o, "source-unit"), *batch = cli_opt(o, "batch");
	struct import_request rq = {
		.profile = cli_opt(o, "profile"),
		.region = cli_opt(o, "region"),
		.extract_date = cli_opt(o, "date"),
		.source_unit_id = src ? strtoll(src, NULL, 10) : 0,
		.dry_run = cli_flag(o, "dry-run"),
		.batch_rows = batch ? (int)strtol(batch, NULL, 10) : 0,
		.progress = isatty(2) || getenv("WEIBAO_PROGRESS") ? progress_bar : NULL,
	};
	const char *rejects = cli_opt(o, "rejects");
	/* positional last: option values are known only once every option was asked for */
	const char *file = cli_positional(o, 0);
	rq.path = rq.file_name = file;
	if (!file || !rq.profile) {
		fprintf(stderr, "usage: weibao import --db FILE --profile NAME [--dry-run] FILE\n");
		return 2;
	}
	if (cli_unused(o))
		return 2;
	wb_error_clear(&err);
	int rc = import_run(st, sc, &rq, &res, &err);
	if (rc)
		return cli_fail(&err);
	print_result(&res, rq.dry_run);
	if (rejects && res.import_id && (rc = save_rejects(st, sc, res.import_id, rejects, &err)))
		return cli_fail(&err);
	return 0;
}

static void print_meta(void *ctx, const struct import_meta *m)
{
	(void)ctx;
	printf("%6" PRId64 "  %-8s %-13s %-12s %s  %s  %s\n", m->id, m->status, m->profile,
	       m->region, m->extract_date, m->file_name, m->counts);
}

static int run_list(struct cli_opts *o, struct store *st, const struct wb_scope *sc)
{
	struct wb_error err;
	if (cli_unused(o))
		return 2;
	wb_error_clear(&err);
	printf("    id  status   profile       region       date        file  counts\n");
	return store_imports_list(st, sc, 200, print_meta, NULL, &err) ? cli_fail(&err) : 0;
}

static int64_t id_opt(struct cli_opts *o)
{
	const char *v = cli_opt(o, "id");
	return v ? strtoll(v, NULL, 10) : 0;
}

static int run_undo(struct cli_opts *o, struct store *st, const struct wb_scope *sc)
{
	struct wb_error err;
	char summary[256];
	int64_t id = id_opt(o);
	if (!id || cli_unused(o)) {
		fprintf(stderr, "usage: weibao import undo --db FILE --id N\n");
		return 2;
	}
	wb_error_clear(&err);
	if (store_imports_undo(st, sc, id, summary, sizeof(summary), &err))
		return cli_fail(&err);
	printf("导入 %" PRId64 " 已撤销 / import %" PRId64 " undone: %s\n", id, id, summary);
	return 0;
}

static int run_rejects(struct cli_opts *o, struct store *st, const struct wb_scope *sc)
{
	struct wb_error err;
	int64_t id = id_opt(o);
	const char *out = cli_opt(o, "out");
	if (!id || cli_unused(o)) {
		fprintf(stderr, "usage: weibao import rejects --db FILE --id N [--out FILE.csv]\n");
		return 2;
	}
	wb_error_clear(&err);
	return save_rejects(st, sc, id, out ? out : "/dev/stdout", &err) ? cli_fail(&err) : 0;
}

static int run_profiles(void)
{
	for (int i = 0; i < profile_builtin_count(); i++) {
		struct profile p;
		struct wb_error err;
		if (profile_parse(&p, profile_builtin_text(i), &err) == 0)
			printf("%-14s %s / %s\n", p.name, p.title, p.title_en);
	}
	return 0;
}

int cmd_import(int argc, char **argv)
{
	struct cli_opts o;
	struct store st;
	struct secret_keys keys;
	struct wb_scope sc;
	const char *db;
	const char *verb = argc > 0 && strncmp(argv[0], "--", 2) ? argv[0] : "";
	static const char *const verbs[] = {"list", "undo", "rejects", "profiles"};
	int is_verb = 0;
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		is_verb |= !strcmp(verb, verbs[i]);
	if (!strcmp(verb, "profiles"))
		return run_profiles();
	if (is_verb)
		argc--, argv++;
	cli_opts_init(&o, argc, argv);
	if (cli_open(&o, &st, &keys, &db))
		return 1;
	store_scope_system(&sc);
	int rc = !strcmp(verb, "list")	    ? run_list(&o, &st, &sc)
		 : !strcmp(verb, "undo")    ? run_undo(&o, &st, &sc)
		 : !strcmp(verb, "rejects") ? run_rejects(&o, &st, &sc)
					    : run_import(&o, &st, &sc);
	store_close(&st);
	return rc;
}
