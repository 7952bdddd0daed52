/*
 * cli -- subcommands of the weibao binary (one file each) and their shared helpers.
 */
#ifndef WB_CLI_H
#define WB_CLI_H
#include <stdio.h>

#include "core/err.h"
#include "core/secret.h"
#include "store/store.h"

struct subcommand {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
};

int cmd_init(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_regions(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_screen(int argc, char **argv);

/* Options: "--name value" pairs and bare "--flag"s after the subcommand. */
struct cli_opts {
	int argc;
	char **argv;
	char used[64];
};
void cli_opts_init(struct cli_opts *o, int argc, char **argv);
const char *cli_opt(struct cli_opts *o, const char *name); /* value or NULL */
int cli_flag(struct cli_opts *o, const char *name);	   /* 1 when present */
/* Complain about options nobody asked for (returns non-zero when there are some). */
int cli_unused(struct cli_opts *o);
/* Positional arguments that are not options. */
const char *cli_positional(struct cli_opts *o, int i);

/* Print an error (both languages) to stderr and return the exit status 1. */
int cli_fail(const struct wb_error *err);
/* Key file path for a database: --key or DB + ".key". */
void cli_key_path(struct cli_opts *o, const char *db, char *out, size_t cap);
/* Load keys and open the store (migrating); on failure prints and returns non-zero. */
int cli_open(struct cli_opts *o, struct store *st, struct secret_keys *keys, const char **db);

/* Import regions of the seed file format (code,name,level,parent_code) from a stream. */
int regions_import_seed(struct store *st, FILE *f, const char *source, long *count,
			struct wb_error *err);
/* The seed region file built into the binary (data/regions-seed-counties.csv). */
extern const char regions_seed_csv[];
extern const size_t regions_seed_csv_len;

#endif
