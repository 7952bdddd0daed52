/*
 * export -- `weibao export --db FILE --region CODE [--format xlsx|csv] [--fact-type T]
 *           [--out PATH] [--user NAME [--purpose TEXT]]`
 *
 * Writes the register (台账) of a region to a file. Who exports: without --user the CLI
 * acts as weibao itself (store_scope_system: the whole country, role admin), which may
 * not reveal ID numbers, so the file has masked numbers; with --user NAME it acts in
 * that user's scope and role (a disabled account cannot export), and --purpose TEXT asks
 * for full ID numbers, which that role must be allowed to see. Either way the export is
 * audited under the acting name. The file is written as PATH.part and renamed when
 * complete, so a failed export leaves nothing behind that looks finished.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "domain/region.h"
#include "domain/role.h"
#include "export/register_file.h"
#include "store/users.h"

static int usage(void)
{
	fprintf(stderr,
		"usage: weibao export --db FILE --region CODE [--format xlsx|csv] [--fact-type T]\n"
		"                     [--out PATH] [--user NAME [--purpose TEXT]]\n"
		"  without --user: weibao's own scope, ID numbers masked\n"
		"  --purpose: full ID numbers (the user's role must allow it; audited)\n");
	return 2;
}

/* The scope to export in: the named user's, or weibao's own. */
static int acting_scope(struct store *st, const char *user, struct wb_scope *sc,
			struct wb_error *err)
{
	struct user_row u;
	if (!user) {
		store_scope_system(sc);
		return 0;
	}
	int rc = store_users_by_name(st, user, &u, err);
	if (rc)
		return rc;
	if (u.disabled)
		return wb_error_set(err, WB_EFORBIDDEN, 403, "USER_DISABLED", "该用户已停用",
				    "this user is disabled");
	store_scope_init(sc, u.id, u.username, u.role, u.unit_id, u.region_code, "local");
	return 0;
}

int cmd_export(int argc, char **argv)
{
	struct cli_opts o;
	struct store st;
	struct secret_keys keys;
	struct wb_error err;
	struct wb_scope sc;
	struct register_info info;
	char region[REGION_CODE_MAX + 1], out[4096], part[4200];
	const char *db;
	int64_t count = 0;
	int format;

	cli_opts_init(&o, argc, argv);
	const char *region_in = cli_opt(&o, "region"), *format_in = cli_opt(&o, "format");
	const char *fact_type = cli_opt(&o, "fact-type"), *out_in = cli_opt(&o, "out");
	const char *user = cli_opt(&o, "user"), *purpose = cli_opt(&o, "purpose");
	if (!region_in)
		return usage();
	if (purpose && !user) {
		fprintf(stderr, "weibao: --purpose needs --user: weibao itself may not reveal ID "
				"numbers / 导出完整身份证号码须以有权限的用户身份（--user）进行\n");
		return 2;
	}
	wb_error_clear(&err);
	if (region_code_normalize(region, region_in, &err) ||
	    regfile_format_parse(&format, format_in, &err))
		return cli_fail(&err);
	if (out_in)
		snprintf(out, sizeof(out), "%s", out_in);
	else
		snprintf(out, sizeof(out), "register-%s.%s", region, regfile_ext(format));
	snprintf(part, sizeof(part), "%s.part", out);
	if (cli_open(&o, &st, &keys, &db))
		return 1;
	if (cli_unused(&o)) {
		store_close(&st);
		return 2;
	}
	struct register_query q = {.region = region, .fact_type = fact_type, .purpose = purpose};
	int rc = acting_scope(&st, user, &sc, &err);
	if (!rc)
		rc = regfile_export(&st, &sc, &q, format, part, NULL, &info, &count, &err);
	store_close(&st);
	if (!rc && rename(part, out) != 0) {
		unlink(part);
		rc = wb_error_setx(&err, WB_EIO, 500, "EXPORT_WRITE_FAILED", "写入导出文件失败",
				   "cannot write the export file", out);
	}
	if (rc)
		return cli_fail(&err);
	printf("weibao: %" PRId64 " minors of %s exported to %s%s\n"
	       "已导出 %s 未成年人 %" PRId64 " 人：%s%s\n",
	       count, info.place, out, info.revealed ? " (full ID numbers)" : "", info.place, count,
	       out, info.revealed ? "（含完整身份证号码）" : "");
	return 0;
}
