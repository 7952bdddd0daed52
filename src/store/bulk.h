/*
 * bulk -- fast loading of many rows (the demo generator, later large imports).
 *
 * bulk_begin opens one write transaction with relaxed durability and drops the
 * secondary indexes of persons, relations and facts; rows are appended with explicit
 * ids (ascending, so the tables grow at their end); bulk_commit recreates the indexes
 * (a sort is much faster than millions of random B-tree inserts) and commits. If anything
 * fails, bulk_abort rolls everything back, indexes included: the database is as before.
 * The caller must hold the only writer (the CLI, with no server running on the file).
 *
 * Rows are written by a thread of bulk.c, so the caller's own work (generating, sealing
 * ID numbers) overlaps SQLite's. Between bulk_begin and bulk_finish the caller must not
 * use the connection itself; a write error shows in the return of a later bulk_* call.
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
int bulk_begin(struct store *st, struct bulk_ids *next, struct wb_error *err);
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
/* Wait until every row handed over is written: the connection is the caller's again (for
 * statements of its own before bulk_commit). 0 or the first write error. */
int bulk_finish(struct store *st, struct wb_error *err);
int bulk_commit(struct store *st, struct wb_error *err);
/* Seconds of the last load: rows (bulk_begin to bulk_finish), index builds, commit. */
void bulk_timings(double *load, double *indexes, double *commit);
void bulk_abort(struct store *st);

#endif
