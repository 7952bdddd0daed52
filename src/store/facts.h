/*
 * facts -- sourced, dated statements about a person, never overwritten.
 *
 * A fact says: this person has <type> with <value>, valid from/to, according to
 * <source unit> and <source document>, recorded by <user> at <time>. A correction is a
 * new fact that supersedes the old one; both stay visible in the history. Only facts not
 * superseded (and not retracted by undoing their import) are current. Facts of sensitive types (criminal and psychological matters)
 * are shown only to roles with PERM_SENSITIVE_READ.
 */
#ifndef WB_STORE_FACTS_H
#define WB_STORE_FACTS_H
#include <stdint.h>

#include "core/err.h"

struct store;
struct wb_scope;

struct fact_input {
	const char *type;
	const char *value;	/* may be NULL */
	const char *valid_from; /* YYYY-MM-DD or NULL */
	const char *valid_to;	/* YYYY-MM-DD or NULL */
	int64_t source_unit_id; /* 0 when none */
	const char *source_doc; /* may be NULL */
	const char *note;	/* may be NULL */
	int64_t supersedes;	/* 0 for a new fact */
};

struct fact_row {
	int64_t id, person_id;
	char type[40], type_name[96];
	char value[512];
	char valid_from[11], valid_to[11];
	int64_t source_unit_id;
	char source_unit_name[160];
	char source_doc[256];
	char note[512];
	int64_t recorded_by;
	char recorded_by_name[64];
	char recorded_at[21];
	int64_t supersedes, superseded_by;
	int sensitive;
	int64_t import_id;     /* the import the fact came from, 0 when entered by hand */
	char retracted_at[21]; /* set when its import was undone; "" otherwise */
};

int store_facts_add(struct store *st, const struct wb_scope *sc, int64_t person_id,
		    const struct fact_input *in, int64_t *id, struct wb_error *err);
/* All facts of a person in scope, newest first (audited as a read of the person). */
int store_facts_list(struct store *st, const struct wb_scope *sc, int64_t person_id,
		     void (*cb)(void *ctx, const struct fact_row *f), void *ctx,
		     struct wb_error *err);
int store_facts_get(struct store *st, const struct wb_scope *sc, int64_t id, struct fact_row *out,
		    struct wb_error *err);
/* Fact types: cb(ctx, code, name, name_en, value_kind, value_enum, sensitive). */
int store_fact_types(struct store *st,
		     void (*cb)(void *ctx, const char *code, const char *name, const char *en,
				const char *kind, const char *values, int sensitive),
		     void *ctx, struct wb_error *err);

#endif
