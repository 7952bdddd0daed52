/*
 * imports -- the SQL side of importing department extracts (see ingest/pipeline.h).
 *
 * An import is applied in batches: the pipeline opens a write transaction, applies a few
 * thousand rows through the row functions below, records how far it got
 * (store_imports_progress) and commits. A crash between batches leaves whole batches
 * applied and the import 'running', resumable from rows_done; a crash inside a batch
 * rolls the batch back. Nothing here writes half a row.
 *
 * Every function takes the importer's scope: persons found by ID number outside it are
 * reported (PERSON_OUT_OF_SCOPE), never changed; new persons must live inside it.
 * Provenance: facts and relations carry import_id (and the row), import_rows says which
 * person each row concerned and what it did (import_row_packs for the rows that found
 * their person by ID number and changed nothing), person_sources which import set each
 * field.
 */
#ifndef WB_STORE_IMPORTS_H
#define WB_STORE_IMPORTS_H
#include <stdint.h>

#include "core/err.h"
#include "core/secret.h"
#include "domain/idno.h"
#include "domain/person.h"
#include "domain/region.h"

struct store;
struct wb_scope;

struct import_meta {
	int64_t id;
	char profile[32];
	char file_name[256];
	unsigned char file_hash[SECRET_HASH_BYTES];
	int64_t source_unit_id;
	char region[REGION_CODE_MAX + 1];
	char extract_date[11];
	char status[12];
	int64_t rows_total, rows_done;
	char counts[512]; /* JSON object */
	int64_t created_by;
	char created_by_name[64];
	char created_at[21], finished_at[21], undone_at[21];
	int64_t reviews_open; /* rows of it still waiting in the review queue (read only) */
};

/* A person as the import needs it: identity fields to compare and fields it may fill. */
struct import_person {
	int64_t id;
	char name[PERSON_NAME_MAX + 1];
	char gender;
	char birth_date[11];
	char household_region[REGION_CODE_MAX + 1];
	char residence_region[REGION_CODE_MAX + 1];
	char ethnicity[3];
	int has_phone;
	int64_t school_unit_id;
	int in_scope;
};

/* The values a row gives for one person ("" / 0 when the row says nothing). */
struct import_values {
	char id_number[IDNO_LEN + 1];
	char name[PERSON_NAME_MAX + 1];
	char gender; /* 'M', 'F' or 0 */
	char birth_date[11];
	char ethnicity[3];
	char household_region[REGION_CODE_MAX + 1];
	char residence_region[REGION_CODE_MAX + 1];
	char phone[24];
	int64_t school_unit_id;
};

struct import_fact {
	const char *type, *value, *valid_from, *valid_to; /* NULL when absent */
};

enum import_action { IMPORT_CREATED, IMPORT_UPDATED, IMPORT_LINKED, IMPORT_UNCHANGED };
enum import_fact_result { FACT_ADDED, FACT_REPLACED, FACT_SAME };

/* Create the record (status running) and audit its start; in the caller's transaction. */
int store_imports_create(struct store *st, const struct wb_scope *sc, struct import_meta *m,
			 struct wb_error *err);
/* A running import of the same file, profile and region (to resume), or 0. */
int store_imports_find_running(struct store *st, const struct wb_scope *sc,
			       const struct import_meta *m, int64_t *id, int64_t *rows_done,
			       struct wb_error *err);
int store_imports_get(struct store *st, const struct wb_scope *sc, int64_t id,
		      struct import_meta *out, struct wb_error *err);
int store_imports_list(struct store *st, const struct wb_scope *sc, int limit,
		       void (*cb)(void *ctx, const struct import_meta *m), void *ctx,
		       struct wb_error *err);
/* Within the batch transaction: how far the import got, and its counts so far. */
int store_imports_progress(struct store *st, int64_t id, int64_t rows_done, const char *counts,
			   struct wb_error *err);
/* Mark done (or failed) and write the audit entry; in the caller's transaction. */
int store_imports_finish(struct store *st, const struct wb_scope *sc, int64_t id, int ok,
			 int64_t rows_total, const char *counts, struct wb_error *err);

/* Row functions: call inside a write transaction (store_imports_batch_begin). */
int store_imports_batch_begin(struct store *st, struct wb_error *err);
int store_imports_batch_commit(struct store *st, struct wb_error *err);
void store_imports_batch_abort(struct store *st);

/*
 * The batch cache (store/import_cache.h): an import makes one, prefetches each batch's
 * persons by ID number with their current facts and relations, and passes it to the row
 * functions, which answer from it and keep it up to date as they write. Every row
 * function also takes NULL (deciding a review: one row, plain look-ups).
 */
struct import_cache;
struct import_cache *store_imports_cache_new(void);
void store_imports_cache_free(struct import_cache *c); /* NULL is fine */
/* Inside the batch's write transaction, before its rows: forget the previous batch, then
 * look up the n ID numbers (normalised, duplicates allowed) and, for the persons found
 * whose want[i] is set, their current facts (which of them `profile` stated) and their
 * relations as the child. A few statements per batch instead of several per row.
 * hashes[i], when not NULL, is ids[i]'s store_imports_id_hash (worked out by the
 * pipeline's reading thread); NULL: worked out here. */
int store_imports_prefetch(struct store *st, const struct wb_scope *sc, struct import_cache *c,
			   const char *profile, const char (*ids)[IDNO_LEN + 1],
			   const unsigned char (*hashes)[SECRET_HASH_BYTES],
			   const unsigned char *want, size_t n, struct wb_error *err);
/* The keyed look-up hash of a normalised ID number, as persons.id_hash holds it. Reads
 * only the store's keys: safe on any thread while the store is open. */
void store_imports_id_hash(const struct store *st, const char *id18,
			   unsigned char out[SECRET_HASH_BYTES]);
/* An import expecting about `lookups` ID look-ups. store_imports_prepare, before the first
 * batch begins: when they are many, empties the WAL into the file, so that
 * store_imports_index, inside the first batch before anything is written, can read the
 * registry from the file's pages (store/import_snap.h). Failing that, when the look-ups
 * still pay for it, store_imports_index reads every stored ID hash once (a scan of one
 * index) so that the batches find their persons by row id, in table order, instead of by
 * hash. */
void store_imports_prepare(struct store *st, int64_t lookups);
/* After the import (whatever its outcome; a transaction still open is rolled back): the
 * connection's settings as before. Between the two, the connection checks no foreign keys
 * (the import checks its references itself: imports.c) and checkpoints less often. */
void store_imports_release(struct store *st);
int store_imports_index(struct store *st, const struct wb_scope *sc, struct import_cache *c,
			const char *profile, int64_t lookups, struct wb_error *err);

/* Find by ID number: 1 and *out filled, 0 when no such person. `at` is the number's place
 * in the batch's look-up (store_imports_prefetch's ids): its entry is known then, no hash
 * and no probe (rows meet their persons in the order they were looked up); SIZE_MAX for a
 * number not looked up (found through the cache or by SQL). */
int store_imports_find_by_id(struct store *st, const struct wb_scope *sc, struct import_cache *c,
			     size_t at, const char *id18, struct import_person *out,
			     struct wb_error *err);
int store_imports_person_get(struct store *st, const struct wb_scope *sc, int64_t id,
			     struct import_person *out, struct wb_error *err);
int store_imports_person_create(struct store *st, const struct wb_scope *sc, struct import_cache *c,
				int64_t import_id, int64_t row, const struct import_values *v,
				int64_t *id, struct wb_error *err);
/* Fill the fields the person lacks (never overwrites identity fields; residence, phone and
 * school take the newer value). *changed set when anything changed. */
int store_imports_person_fill(struct store *st, struct import_cache *c, int64_t import_id,
			      int64_t row, const struct import_person *cur,
			      const struct import_values *v, int *changed, struct wb_error *err);
/* What a row did for one of its persons. With a cache, a row that found its person by ID
 * number and changed nothing goes into the batch's pack (migration 006), written by
 * store_imports_rows_flush before the batch commits; the others into import_rows. */
int store_imports_row(struct store *st, struct import_cache *c, int64_t import_id, int sheet,
		      int64_t row, int64_t person_id, const char *role, enum import_action a,
		      struct wb_error *err);
int store_imports_rows_flush(struct store *st, struct import_cache *c, int64_t import_id,
			     struct wb_error *err);
/* Seconds the cache's facts took to insert so far (the import's log says where its time
 * went). */
double store_imports_facts_seconds(const struct import_cache *c);
/* Resuming: the persons the applied batches of the import concerned (for the end of
 * listing, store_imports_end_missing). */
int store_imports_stated_load(struct store *st, struct import_cache *c, int64_t import_id,
			      struct wb_error *err);
/* Add the fact unless the same one holds already; a different current fact of the same
 * type from the same profile is superseded by the new one. */
int store_imports_fact(struct store *st, struct import_cache *c, int64_t import_id,
		       const char *profile, int64_t source_unit_id, int64_t row, int64_t person_id,
		       const struct import_fact *f, enum import_fact_result *res,
		       struct wb_error *err);
/* Relation child → adult of kind unless it exists. *added set when new. */
int store_imports_relation(struct store *st, struct import_cache *c, int64_t import_id,
			   int64_t child, int64_t adult, const char *kind, int guardian,
			   int lives_with, int *added, struct wb_error *err);
int store_imports_reject(struct store *st, int64_t import_id, int sheet, int64_t row,
			 const char *code, const char *reason, const char *reason_en,
			 const char *cells_json, const unsigned char *id_hash,
			 struct wb_error *err);
/* id_hash (NULL: none): the store_imports_id_hash of the row's subject, when it has a valid
 * ID number. Its person is on the list although the row was not applied:
 * store_imports_spare_unapplied marks the persons of an import's rejected rows, and the
 * candidates of its rows waiting for review, as stated, so that store_imports_end_missing
 * ends none of their facts. */
int store_imports_spare_unapplied(struct store *st, struct import_cache *c, int64_t import_id,
				  struct wb_error *err);
/* Queue a doubtful row for review (store/reviews.h), unless the same row of the same
 * profile and region is waiting already (importing a file again queues nothing new). */
int store_imports_review(struct store *st, int64_t import_id, int sheet, int64_t row,
			 const char *role, const char *region, const char *record_json,
			 const char *cells_json, const char *candidates_json, struct wb_error *err);
/* The person an officer linked (or created) for the same row of the same profile and
 * region in an import not undone, or 0: a file imported again keeps the decision. */
int64_t store_imports_decided(struct store *st, int64_t import_id, const char *role,
			      const char *region, const char *cells_json);

/* End the current facts of `type` that earlier imports of the same profile and source
 * stated for persons of the region and that this import did not state again (no row of
 * it concerned the person: c's stated set): each gets a superseding copy with valid_to =
 * extract date. *ended counts them. In the caller's transaction. */
int store_imports_end_missing(struct store *st, const struct wb_scope *sc, struct import_cache *c,
			      const struct import_meta *m, const char *type, int64_t *ended,
			      struct wb_error *err);

int store_imports_header(struct store *st, int64_t import_id, int sheet, const char *cells_json,
			 struct wb_error *err);

/* Rejected rows, each sheet's header first (row 0, code "HEADER", reason ""):
 * cb(ctx, sheet, row, code, reason, cells_json). *own: the caller made the import (the
 * rows are what they uploaded; anyone else gets them masked), or is weibao itself (the
 * CLI). */
int store_imports_rejects(struct store *st, const struct wb_scope *sc, int64_t id,
			  void (*cb)(void *ctx, int sheet, int64_t row, const char *code,
				     const char *reason, const char *cells),
			  void *ctx, int *own, struct wb_error *err);

/* Undo: retract the import's facts, remove its relations and the persons it created that
 * nothing else refers to, clear the fields it filled. Own transaction, audited. */
int store_imports_undo(struct store *st, const struct wb_scope *sc, int64_t id, char *summary,
		       size_t cap, struct wb_error *err);

/* A relative of a stored person found by name: with child_side set, a person whose <kind>
 * is `anchor` (anchor is the adult); otherwise the <kind> of `anchor` (anchor is the
 * child). kind "parent" means father or mother. Returns the person's id or 0. */
int64_t store_imports_relative(struct store *st, int64_t anchor, int child_side, const char *kind,
			       const char *name);

/* Persons of a region subtree for the linkage index: cb(ctx, id, name, gender,
 * birth_date, region). */
int store_imports_candidates(struct store *st, const struct wb_scope *sc, const char *region,
			     void (*cb)(void *ctx, int64_t id, const char *name, char gender,
					const char *birth_date, const char *region),
			     void *ctx, struct wb_error *err);

/* A school unit by name inside the region subtree, or 0. */
int64_t store_imports_school(struct store *st, const char *region, const char *name);

#endif
