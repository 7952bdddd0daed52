/*
 * audit -- `weibao audit verify --db FILE`: walk the hash chain and report the first entry
 * that was edited, removed or reordered. Exits 0 when intact, 3 when broken.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "store/audit.h"

int cmd_audit(int argc, char **argv)
{
	struct cli_opts o;
	struct store st;
	struct secret_keys keys;
	struct wb_error err;
	struct audit_verify_result res;
	const char *db;

	if (argc < 1 || strcmp(argv[0], "verify")) {
		fprintf(stderr, "usage: weibao audit verify --db FILE\n");
		return 2;
	}
	cli_opts_init(&o, argc - 1, argv + 1);
	if (cli_open(&o, &st, &keys, &db))
		return 1;
	if (cli_unused(&o)) {
		store_close(&st);
		return 2;
	}
	wb_error_clear(&err);
	int rc = store_audit_verify(&st, &res, &err);
	store_close(&st);
	if (rc)
		return cli_fail(&err);
	if (res.first_bad_seq) {
		printf("audit log BROKEN at entry %" PRId64 ": %s\n审计日志在第 %" PRId64
		       " 条处被篡改（编辑、删除或调换顺序）\n",
		       res.first_bad_seq, res.problem, res.first_bad_seq);
		return 3;
	}
	printf("audit log intact: %" PRId64 " entries / 审计日志完整：%" PRId64 " 条\n",
	       res.entries, res.entries);
	return 0;
}
