/*
 * screen -- `weibao screen`: the screening engine from the command line.
 *
 *   weibao screen --db FILE [--quiet]
 *       re-screen every person with the published rule set (the built-in one on a new
 *       database) and store the results, memberships and events, as the server's monthly
 *       screen does; progress on stderr, a summary on stdout. A running server picks the
 *       results up from the database; its own snapshot follows the change queue;
 *   weibao screen --db FILE (--rules FILE | --date YYYY-MM-DD | --dry-run) [--threads N]
 *       a what-if run: screen every person with those rules at that date and print
 *       members per category and persons per level with the time taken; nothing stored;
 *   weibao screen --db FILE --person ID [--rules FILE] [--date D]
 *       one person's result as JSON (categories, level, reasons, legal basis, fact ids);
 *   weibao screen --check FILE      compile a rule file: its counts, or the error with
 *                                   line and column (exit status 1);
 *   weibao screen --builtin         print the built-in rule file (a template to edit).
 *
 * It runs as weibao itself (store_scope_system: the whole database), like the other
 * maintenance commands. The rule file is size-capped (RULE_TEXT_MAX).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/buf.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "domain/rule.h"
#include "domain/screen.h"
#include "domain/snapshot.h"
#include "screen/service.h"
#include "store/screen_load.h"

static int usage(void)
{
	fprintf(stderr, "usage: weibao screen --db FILE [--quiet]\n"
			"       weibao screen --db FILE [--rules FILE] [--date YYYY-MM-DD] "
			"[--dry-run] [--threads N] [--person ID]\n"
			"       weibao screen --check FILE | --builtin\n");
	return 2;
}

/* Read a rule file (at most RULE_TEXT_MAX bytes). */
static int read_rules(const char *path, char **text, size_t *len, struct wb_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return wb_error_setx(err, WB_EIO, 0, "FILE_OPEN", "无法打开规则文件",
				     "cannot open the rule file", path);
	*text = xmalloc(RULE_TEXT_MAX + 2);
	*len = fread(*text, 1, RULE_TEXT_MAX + 1, f);
	int bad = ferror(f);
	fclose(f);
	if (bad || *len > RULE_TEXT_MAX) {
		free(*text);
		*text = NULL;
		return bad ? wb_error_set(err, WB_EIO, 0, "FILE_READ", "读取规则文件失败",
					  "cannot read the rule file")
			   : wb_error_set(err, WB_ETOOBIG, 413, "RULE_TOO_BIG",
					  "规则文本过长（最多1MB）",
					  "rule text too long (1 MB at most)");
	}
	return 0;
}

static int load_rules(const char *path, struct rule_set **rs, struct wb_error *err)
{
	char *text = NULL;
	size_t len = 0;
	struct rule_pos pos;
	if (!path)
		return rule_set_builtin(rs, err);
	int rc = read_rules(path, &text, &len, err);
	if (rc)
		return rc;
	rc = rule_set_compile(rs, text, len, &pos, err);
	free(text);
	return rc;
}

static int check(const char *path)
{
	struct rule_set *rs;
	struct wb_error err;
	wb_error_clear(&err);
	if (load_rules(path, &rs, &err))
		return cli_fail(&err);
	printf("%s: ruleset \"%s\" version \"%s\": %d rules, %d categories, %d parameters — "
	       "OK / 规则文件有效\n",
	       path, rule_set_name(rs), rule_set_version(rs), rule_set_nrules(rs),
	       rule_set_ncategories(rs), rule_set_nparams(rs));
	rule_set_free(rs);
	return 0;
}

static void summary(const struct rule_set *rs, const struct screen_stats *st, double load_s)
{
	printf("screened %zu persons in %.3fs (snapshot loaded in %.2fs): %zu flagged\n",
	       st->persons, st->seconds, load_s, st->flagged);
	for (int lv = SCREEN_LEVEL_RED; lv >= SCREEN_LEVEL_BLUE; lv--)
		printf("  %-20s %8zu  %s\n", screen_level_code(lv), st->level[lv],
		       screen_level_name(lv));
	for (int i = 0; i < rule_set_ncategories(rs); i++) {
		const struct rule_category *c = rule_set_category(rs, i);
		printf("  %-20s %8zu  %s\n", c->code, st->category[i], c->name);
	}
	printf("(a what-if run: results are not stored / 试算，未保存结果)\n");
}

static int run(struct store *st, struct rule_set *rs, int32_t date, int threads, const char *person)
{
	struct wb_error err;
	struct wb_scope sc;
	struct snapshot *s = NULL;
	struct screen_env *env = NULL;
	int rc;
	wb_error_clear(&err);
	store_scope_system(&sc);
	int64_t t0 = time_now_ms();
	fprintf(stderr, "loading the snapshot … / 正在载入数据 …\n");
	if ((rc = store_screen_load(st, &sc, &s, &err)) ||
	    (rc = screen_env_new(&env, rs, date, &err)))
		goto out;
	double load_s = (double)(time_now_ms() - t0) / 1000.0;
	if (person) {
		char *end;
		errno = 0;
		long long id = strtoll(person, &end, 10);
		if (errno || *end || id <= 0) {
			rc = wb_error_set(&err, WB_EINVAL, 400, "PERSON_ID", "人员编号无效",
					  "invalid person id");
			goto out;
		}
		struct screen_result *r = xmalloc(sizeof(*r));
		struct buf b;
		buf_init(&b, 0);
		rc = screen_person_id(r, env, s, id, &err);
		if (!rc && !(rc = screen_result_json(&b, r, env, &err)))
			printf("%s\n", b.data);
		buf_release(&b);
		free(r);
		goto out;
	}
	struct screen_stats stats;
	if (!(rc = screen_all(env, s, threads, SCREEN_FLAGGED_ONLY, NULL, NULL, &stats, &err)))
		summary(rs, &stats, load_s);
out:
	screen_env_free(env);
	snapshot_free(s);
	return rc ? cli_fail(&err) : 0;
}

static void progress_bar(void *ctx, uint64_t done, uint64_t total)
{
	(void)ctx;
	int width = 40, fill = total ? (int)(done * (uint64_t)width / total) : width;
	fprintf(stderr, "\r筛查 screening [%.*s%*s] %3d%%  %" PRIu64 "/%" PRIu64, fill,
		"########################################", width - fill, "",
		total ? (int)(done * 100 / total) : 100, done, total);
	if (done >= total)
		fputc('\n', stderr);
}

static void stored_summary(const struct screening_summary *s)
{
	printf("rule set: version %" PRId64 " (%s), evaluated at %s\n", s->rule_version,
	       s->rule_label, s->eval_date);
	printf("persons screened: %" PRId64 ", flagged: %" PRId64 ", events: %" PRId64
	       ", seconds: %.2f\n",
	       s->persons, s->flagged, s->events, s->seconds);
	printf("筛查完成：%" PRId64 " 人，重点关注 %" PRId64 " 人，变化 %" PRId64 " 项\n",
	       s->persons, s->flagged, s->events);
	printf("levels / 风险等级: 红 %" PRId64 "  橙 %" PRId64 "  黄 %" PRId64 "  蓝 %" PRId64
	       "\n",
	       s->level[SCREEN_LEVEL_RED], s->level[SCREEN_LEVEL_ORANGE],
	       s->level[SCREEN_LEVEL_YELLOW], s->level[SCREEN_LEVEL_BLUE]);
}

/* The stored full screen with the published rule set. */
static int run_stored(struct store *st, int quiet)
{
	struct screening *svc = NULL;
	struct screening_summary sum;
	struct wb_error err;
	wb_error_clear(&err);
	int rc = screening_open(&svc, st, &err);
	if (!rc)
		rc = screening_full(svc, st, "full", 0, quiet ? NULL : progress_bar, NULL, &sum,
				    &err);
	screening_close(svc);
	if (rc)
		return cli_fail(&err);
	stored_summary(&sum);
	return 0;
}

int cmd_screen(int argc, char **argv)
{
	struct cli_opts o;
	struct store st;
	struct secret_keys keys;
	struct wb_error err;
	const char *db;
	cli_opts_init(&o, argc, argv);
	if (cli_flag(&o, "builtin")) {
		size_t len;
		const char *text = rule_builtin_text(&len);
		fwrite(text, 1, len, stdout);
		return cli_unused(&o) ? usage() : 0;
	}
	const char *chk = cli_opt(&o, "check");
	if (chk)
		return cli_unused(&o) ? usage() : check(chk);
	const char *rules = cli_opt(&o, "rules"), *date_s = cli_opt(&o, "date");
	const char *threads_s = cli_opt(&o, "threads"), *person = cli_opt(&o, "person");
	int dry = cli_flag(&o, "dry-run"), quiet = cli_flag(&o, "quiet");
	int64_t date = date_today();
	long threads = threads_s ? strtol(threads_s, NULL, 10) : 2;
	wb_error_clear(&err);
	if (date_s && date_parse(date_s, &date)) {
		fprintf(stderr, "weibao: --date is written YYYY-MM-DD / 日期格式应为 YYYY-MM-DD\n");
		return 2;
	}
	(void)cli_opt(&o, "key"); /* read by cli_open */
	if (threads < 1 || threads > 64 || !cli_opt(&o, "db") || cli_unused(&o))
		return usage();
	if (!rules && !date_s && !person && !dry && !threads_s) {
		if (cli_open(&o, &st, &keys, &db))
			return 1;
		int rc = run_stored(&st, quiet);
		store_close(&st);
		return rc;
	}
	struct rule_set *rs;
	if (load_rules(rules, &rs, &err))
		return cli_fail(&err);
	if (cli_open(&o, &st, &keys, &db)) {
		rule_set_free(rs);
		return 1;
	}
	int rc = run(&st, rs, (int32_t)date, (int)threads, person);
	rule_set_free(rs);
	store_close(&st);
	return rc;
}
