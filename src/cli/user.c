/*
 * user -- `weibao user add --db FILE --username U --role ROLE --unit UNIT_ID --region CODE
 *         --password-stdin`
 * The password is read from standard input (first line), never from the command line,
 * where other users of the machine could see it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/jsonx.h"
#include "domain/region.h"
#include "domain/role.h"
#include "store/audit.h"
#include "store/db.h"
#include "store/regions.h"
#include "store/units.h"
#include "store/users.h"

static int usage(void)
{
	fprintf(stderr, "usage: weibao user add --db FILE --username U --role ROLE --unit UNIT_ID "
			"--region CODE --password-stdin\n  roles:");
	for (int r = 1; r < ROLE_COUNT; r++)
		fprintf(stderr, " %s(%s)", role_code(r), role_name(r));
	fprintf(stderr, "\n");
	return 2;
}

static int valid_username(const char *u)
{
	size_t n = strlen(u);
	if (n < 2 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = u[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.'))
			return 0;
	}
	return 1;
}

int cmd_user(int argc, char **argv)
{
	struct cli_opts o;
	struct store st;
	struct secret_keys keys;
	struct wb_error err;
	struct wb_scope sys;
	struct unit_row unit;
	struct region_row reg;
	char region[REGION_CODE_MAX + 1], pw[512], hash[SECRET_PWHASH_BYTES];
	const char *db;
	int64_t uid = 0, unit_id = 0;

	if (argc < 1 || strcmp(argv[0], "add"))
		return usage();
	cli_opts_init(&o, argc - 1, argv + 1);
	const char *username = cli_opt(&o, "username"), *role_in = cli_opt(&o, "role");
	const char *unit_in = cli_opt(&o, "unit"), *region_in = cli_opt(&o, "region");
	int from_stdin = cli_flag(&o, "password-stdin");
	if (!username || !role_in || !region_in || !from_stdin)
		return usage();
	int role = role_from_code(role_in);
	if (!role) {
		fprintf(stderr, "weibao: unknown role '%s' / 未知角色\n", role_in);
		return usage();
	}
	if (!valid_username(username)) {
		fprintf(stderr, "weibao: a user name has 2-64 letters, digits, '_', '-', '.' / "
				"用户名格式错误\n");
		return 2;
	}
	if (unit_in) {
		char *end;
		unit_id = strtoll(unit_in, &end, 10);
		if (*end || unit_id <= 0) {
			fprintf(stderr, "weibao: bad --unit / 单位编号无效\n");
			return 2;
		}
	}
	if (!fgets(pw, sizeof(pw), stdin)) {
		fprintf(stderr, "weibao: no password on standard input / 未从标准输入读到密码\n");
		return 2;
	}
	pw[strcspn(pw, "\r\n")] = '\0';
	if (jsonx_utf8_len(pw) < 10) {
		fprintf(stderr,
			"weibao: the password needs at least 10 characters / 密码至少10个字符\n");
		return 2;
	}
	wb_error_clear(&err);
	if (region_code_normalize(region, region_in, &err))
		return cli_fail(&err);
	if (cli_open(&o, &st, &keys, &db))
		return 1;
	if (cli_unused(&o)) {
		store_close(&st);
		return 2;
	}
	int rc = store_regions_get(&st, region, &reg, &err);
	if (!rc && unit_id)
		rc = store_units_get(&st, unit_id, &unit, &err);
	if (!rc && unit_id && !region_in_subtree(region, unit.region_code) &&
	    !region_in_subtree(unit.region_code, region))
		rc = wb_error_set(&err, WB_EINVAL, 422, "UNIT_REGION_MISMATCH",
				  "单位所在区划与用户管辖区划不相符",
				  "the unit's region and the user's region do not overlap");
	if (!rc)
		rc = secret_password_hash(hash, pw) ? WB_EINTERNAL : 0;
	memset(pw, 0, sizeof(pw));
	if (!rc)
		rc = db_begin_write(st.db, &err);
	if (!rc) {
		rc = store_users_create(&st, username, hash, role, unit_id, region, &uid, &err);
		store_scope_system(&sys);
		struct audit_entry e = {"user.create", "user", uid, NULL};
		if (!rc)
			rc = store_audit_append(&st, &sys, &e, &err);
		if (rc)
			db_rollback(st.db);
		else
			rc = db_commit(st.db, &err);
	}
	store_close(&st);
	if (rc)
		return cli_fail(&err);
	printf("weibao: user %s (%s, %s) created with id %lld\n", username, role_name(role),
	       reg.name, (long long)uid);
	return 0;
}
