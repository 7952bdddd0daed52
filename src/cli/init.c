/*
 * init -- create a database, its key file and the first administrator.
 *
 *   weibao init --db FILE [--key FILE] [--region CODE] [--username NAME]
 *
 * The key file (32 random bytes, mode 0600) lives outside the database: a copied
 * database file alone does not reveal ID numbers. The seed regions (the counties of the
 * seed plans, 2023 statistical codes) are loaded; more can be imported with
 * `weibao regions import`. The administrator's password is printed once.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "domain/region.h"
#include "domain/role.h"
#include "store/audit.h"
#include "store/db.h"
#include "store/regions.h"
#include "store/users.h"

int cmd_init(int argc, char **argv)
{
	struct cli_opts o;
	struct wb_error err;
	struct secret_keys keys;
	struct store st;
	struct wb_scope sys;
	char key_path[4096], region[REGION_CODE_MAX + 1], pw[17], hash[SECRET_PWHASH_BYTES];
	char sys_pw[33];
	struct region_row reg;
	long n = 0;
	int64_t uid;

	cli_opts_init(&o, argc, argv);
	wb_error_clear(&err);
	const char *db = cli_opt(&o, "db");
	const char *reg_in = cli_opt(&o, "region");
	const char *username = cli_opt(&o, "username");
	cli_key_path(&o, db ? db : "", key_path, sizeof(key_path));
	if (!db || cli_unused(&o)) {
		fprintf(stderr, "usage: weibao init --db FILE [--key FILE] [--region CODE] "
				"[--username NAME]\n");
		return 2;
	}
	if (!username)
		username = "admin";
	if (region_code_normalize(region, reg_in ? reg_in : "500242", &err))
		return cli_fail(&err);
	if (access(db, F_OK) == 0) {
		fprintf(stderr,
			"weibao: %s already exists; refusing to overwrite / 数据库已存在，不覆盖\n",
			db);
		return 1;
	}
	if (secret_key_create(key_path, &err) || secret_key_load(key_path, &keys, &err))
		return cli_fail(&err);
	if (store_open(&st, db, &keys, 1, 1, &err)) {
		unlink(key_path);
		return cli_fail(&err);
	}
	chmod(db, 0600);

	FILE *seed = fmemopen((void *)regions_seed_csv, regions_seed_csv_len, "r");
	int rc = db_begin_write(st.db, &err);
	if (!rc)
		rc = regions_import_seed(&st, seed,
					 "data/regions-seed-counties.csv (2023 统计用区划代码)", &n,
					 &err);
	fclose(seed);
	if (!rc && store_regions_get(&st, region, &reg, &err))
		rc = WB_ENOTFOUND;

	/* User 1 is weibao itself (records made by imports and the demo); it cannot log in:
	 * its password is random and never shown. */
	store_scope_system(&sys);
	secret_password_generate(sys_pw, 32);
	if (!rc && (rc = secret_password_hash(hash, sys_pw)) == 0)
		rc = store_users_create(&st, "system", hash, ROLE_ADMIN, 0, "110000000000", &uid,
					&err);
	if (!rc)
		rc = db_exec(st.db, "UPDATE users SET disabled = 1 WHERE username = 'system'",
			     &err);
	secret_password_generate(pw, 16);
	if (!rc && (rc = secret_password_hash(hash, pw)) == 0)
		rc = store_users_create(&st, username, hash, ROLE_ADMIN, 0, region, &uid, &err);
	if (!rc) {
		struct audit_entry e = {"init", "user", uid, NULL};
		rc = store_audit_append(&st, &sys, &e, &err);
	}
	if (!rc)
		rc = db_commit(st.db, &err);
	else
		db_rollback(st.db);
	store_close(&st);
	if (rc) {
		unlink(db);
		unlink(key_path);
		return cli_fail(&err);
	}
	printf("weibao: created %s (key file %s, %ld regions)\n", db, key_path, n);
	printf("administrator region: %s %s\n", reg.code, reg.name);
	printf("username: %s\npassword: %s\n", username, pw);
	return 0;
}
