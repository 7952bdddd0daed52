/*
 * bulk -- fast loading of an empty registry (the demo generator).
 *
 * bulk_begin copies the database (VACUUM INTO PATH.bulk-tmp) and loads into the copy:
 * regions and units through SQLite, households, persons, relations and facts written
 * straight into the file's pages with their indexes (bulk.c says how); bulk_commit
 * renames the copy over PATH. If anything fails or the process dies, PATH is as it was.
 * The caller must hold the only connection to PATH (a running server is refused, DB_BUSY)
 * and the four tables must be empty. Regions and units must come before the other rows.
 * Rows are appended with explicit, ascending ids.
 *
 * Rows are written by a thread of bulk.c, so the caller's own work (generating) overlaps
 * the writing. Between bulk_begin and bulk_finish the caller must not use the copy's
 * connection; a write error shows in the return of a later bulk_* call. Between
 * bulk_finish and bulk_commit, bulk_store() is the copy's connection for statements of
 * the caller's own (its audit entry).
 */
#ifndef WB_STORE_BULK_H
#define WB_STORE_BULK_H
#include <stdint.h>

#include "core/err.h"
#include "core/secret.h"
#include "domain/idno.h"
#include "domain/region.h"

struct store;

struct bulk_ids {
	int64_t person, household, relation, fact, unit;
};

struct bulk_person {
	int64_t id;
	const char *name;
	char gender; /* 'M' or 'F' */
	char birth_date[11];
	char id_number[IDNO_LEN + 1]; /* "" when none */
	const char *ethnicity;	      /* 2-digit code */
	const char *household_region;
	const char *residence_region; /* NULL when elsewhere / unknown */
	int64_t household_id;
	int64_t school_unit_id; /* 0: none */
	const char *phone;	/* NULL: none */
};

struct bulk_fact {
	int64_t person_id;
	const char *type;
	const char *value;	/* may be NULL */
	const char *valid_from; /* may be NULL */
	const char *valid_to;	/* may be NULL */
	int64_t source_unit_id; /* 0: none */
	const char *source_doc;
};

/* Count persons already stored (the demo refuses to run twice). */
int bulk_count_persons(struct store *st, int64_t *n, struct wb_error *err);
int bulk_begin(struct store *st, const char *path, struct bulk_ids *next, struct wb_error *err);
/* The copy's connection, from bulk_begin to bulk_commit or bulk_abort (else NULL). */
struct store *bulk_store(void);
int bulk_region(struct store *st, const char *code, const char *name, int level, const char *parent,
		const char *source, struct wb_error *err);
int bulk_unit(struct store *st, int64_t id, const char *name, const char *type, const char *region,
	      struct wb_error *err);
int bulk_household(struct store *st, int64_t id, const char *region, const char *address,
		   struct wb_error *err);
int bulk_person(struct store *st, const struct bulk_person *p, struct wb_error *err);
int bulk_relation(struct store *st, int64_t id, int64_t child, int64_t related, const char *kind,
		  int is_guardian, int lives_with, struct wb_error *err);
int bulk_fact(struct store *st, int64_t id, const struct bulk_fact *f, struct wb_error *err);
/* Wait until every row handed over is written and the indexes are built: bulk_store() is
 * the caller's (for statements of its own before bulk_commit). 0 or the first error. */
int bulk_finish(struct store *st, struct wb_error *err);
int bulk_commit(struct store *st, struct wb_error *err);
/* Seconds of the last load: rows (bulk_begin to bulk_finish), index builds, commit. */
void bulk_timings(double *load, double *indexes, double *commit);
void bulk_abort(struct store *st);

#endif
