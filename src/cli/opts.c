/* opts -- option parsing and shared helpers for subcommands (see cli.h). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "store/db.h"

void cli_opts_init(struct cli_opts *o, int argc, char **argv)
{
	o->argc = argc > 64 ? 64 : argc;
	o->argv = argv;
	memset(o->used, 0, sizeof(o->used));
}

const char *cli_opt(struct cli_opts *o, const char *name)
{
	for (int i = 0; i + 1 < o->argc; i++)
		if (!strncmp(o->argv[i], "--", 2) && !strcmp(o->argv[i] + 2, name)) {
			o->used[i] = o->used[i + 1] = 1;
			return o->argv[i + 1];
		}
	return NULL;
}

int cli_flag(struct cli_opts *o, const char *name)
{
	for (int i = 0; i < o->argc; i++)
		if (!strncmp(o->argv[i], "--", 2) && !strcmp(o->argv[i] + 2, name)) {
			o->used[i] = 1;
			return 1;
		}
	return 0;
}

const char *cli_positional(struct cli_opts *o, int n)
{
	for (int i = 0; i < o->argc; i++) {
		if (o->used[i] || !strncmp(o->argv[i], "--", 2))
			continue;
		if (n-- == 0) {
			o->used[i] = 1;
			return o->argv[i];
		}
	}
	return NULL;
}

int cli_unused(struct cli_opts *o)
{
	int bad = 0;
	for (int i = 0; i < o->argc; i++)
		if (!o->used[i]) {
			fprintf(stderr, "weibao: unexpected argument '%s' / 无法识别的参数\n",
				o->argv[i]);
			bad = 1;
		}
	return bad;
}

int cli_fail(const struct wb_error *err)
{
	fprintf(stderr, "weibao: %s [%s]\n        %s\n", err->message, err->code, err->message_en);
	for (int i = 0; i < err->ndetails; i++)
		fprintf(stderr, "  - %s: %s (%s)\n", err->details[i].field, err->details[i].message,
			err->details[i].code);
	return 1;
}

void cli_key_path(struct cli_opts *o, const char *db, char *out, size_t cap)
{
	const char *k = cli_opt(o, "key");
	if (k)
		snprintf(out, cap, "%s", k);
	else
		snprintf(out, cap, "%s.key", db);
}

int cli_open(struct cli_opts *o, struct store *st, struct secret_keys *keys, const char **db)
{
	struct wb_error err;
	char key_path[4096];
	wb_error_clear(&err);
	*db = cli_opt(o, "db");
	if (!*db) {
		fprintf(stderr, "weibao: --db FILE is required / 须指定 --db 数据库文件\n");
		return 1;
	}
	cli_key_path(o, *db, key_path, sizeof(key_path));
	if (secret_key_load(key_path, keys, &err))
		return cli_fail(&err);
	if (store_open(st, *db, keys, 0, 1, &err))
		return cli_fail(&err);
	return 0;
}
