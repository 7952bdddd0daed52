/*
 * screen -- `weibao screen --db FILE [--quiet]`: re-screen every person with the
 * published rule set (the built-in one on a new database), store the results, the
 * memberships and the events, and print progress and a summary. A running server picks
 * the new results up from the database; its own snapshot follows the change queue.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "domain/rule.h"
#include "domain/screen.h"
#include "screen/service.h"
#include "store/screening.h"

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

static void print_summary(const struct screening_summary *s)
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

int cmd_screen(int argc, char **argv)
{
	struct cli_opts o;
	struct store st;
	struct secret_keys keys;
	struct wb_error err;
	struct screening *svc = NULL;
	struct screening_summary sum;
	const char *db;

	cli_opts_init(&o, argc, argv);
	int quiet = cli_flag(&o, "quiet");
	if (cli_open(&o, &st, &keys, &db))
		return 1;
	if (cli_unused(&o)) {
		store_close(&st);
		return 2;
	}
	wb_error_clear(&err);
	int rc = screening_open(&svc, &st, &err);
	if (!rc)
		rc = screening_full(svc, &st, "full", 0, quiet ? NULL : progress_bar, NULL, &sum,
				    &err);
	screening_close(svc);
	store_close(&st);
	if (rc)
		return cli_fail(&err);
	print_summary(&sum);
	return 0;
}
