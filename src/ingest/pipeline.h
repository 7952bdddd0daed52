/*
 * pipeline -- import one department extract: read → validate → link → apply.
 *
 * Rows are read with the streaming table reader, matched to the profile's columns by
 * their header texts (title rows above the header are skipped), validated (ID check
 * digit, dates, genders, region names, required fields, duplicates and contradictions
 * inside the file and against stored data), linked to stored persons (exactly by ID
 * number, otherwise by name, birth date, gender and region: sure matches link, doubtful
 * ones wait in the review queue, the rest become new persons), and applied in batches.
 *
 * A row is all or nothing: it is applied whole, or rejected whole with a reason (kept
 * for the rejected-rows download), or held whole for review. Each batch (10 000 rows
 * unless batch_rows says otherwise) is one transaction that also records how far the
 * import got, so a crash leaves whole batches and a resumable import (running the same
 * import again continues after the last batch, remembering whom the applied batches
 * named, for the end of listing). Re-importing a file changes nothing: facts that hold already are not added
 * again. A dry run does all of it inside one transaction and rolls it back, so its
 * counts are exactly what the import would do.
 */
#ifndef WB_PIPELINE_H
#define WB_PIPELINE_H
#include <stdint.h>

#include "core/err.h"

struct store;
struct wb_scope;

struct import_request {
	const char *path;	  /* the file to read */
	const char *file_name;	  /* as the user named it (upload name), for the record */
	const char *profile;	  /* built-in profile name or a .profile path */
	const char *region;	  /* region the extract covers; "" = the importer's region */
	const char *extract_date; /* YYYY-MM-DD the extract describes; NULL = today */
	int64_t source_unit_id;	  /* 0 = none */
	int dry_run;
	int batch_rows; /* rows per transaction; 0 = 10 000 */
	/* Called after each batch (and at the end) with bytes read / total and rows seen. */
	void (*progress)(void *ctx, uint64_t done, uint64_t total, int64_t rows);
	void *progress_ctx;
};

enum { IMPORT_MAX_REASONS = 24, IMPORT_MAX_SAMPLES = 20, IMPORT_MAX_COLUMNS = 64 };

struct import_reason {
	char code[40];
	char zh[160], en[160];
	int64_t count;
};

struct import_sample { /* the first rejected rows, for a dry run's preview */
	int sheet;
	int64_t row;
	char code[40];
	char zh[200], en[200];
};

struct import_result {
	int64_t import_id; /* 0 for a dry run */
	int resumed;	   /* 1 when an interrupted import of the same file was continued */
	int64_t rows, applied, review, rejected;
	int64_t created, updated, linked, unchanged;
	int64_t facts_added, facts_replaced, facts_unchanged, facts_ended;
	int64_t relations_added;
	int nreasons;
	struct import_reason reasons[IMPORT_MAX_REASONS];
	int nsamples;
	struct import_sample samples[IMPORT_MAX_SAMPLES];
	/* The file's header cells (every sheet's, once each) and the profile's column each
	 * was read as ("" when none: the column is ignored). A preview that shows columns
	 * ignored tells a clerk who chose the wrong kind of extract. */
	int ncolumns;
	struct import_column {
		char header[64];
		char field[64]; /* the profile column's first header ("姓名"), or "" */
	} columns[IMPORT_MAX_COLUMNS];
	char format[16];
};

int import_run(struct store *st, const struct wb_scope *sc, const struct import_request *rq,
	       struct import_result *res, struct wb_error *err);

/*
 * Decide a doubtful match of the review queue (store/reviews.h), in one write
 * transaction: link the row to one of its candidates, create a new person from it, or
 * dismiss it. Link and new replay the row through this pipeline as the import would
 * have applied it on a sure match (or on no match): the row's person fields, facts and
 * relations, with the provenance of the original import and row (undoing that import
 * undoes the decision too). The review must be within the caller's scope and its import
 * not undone (404 REVIEW_NOT_FOUND otherwise), open (409 REVIEW_DECIDED), and the linked
 * person one of its candidates (422 REVIEW_NOT_CANDIDATE) within the caller's scope. A row that no longer applies (another of its persons is now doubtful
 * too, or it fails a check against today's data) answers 422 with the row's reason and
 * leaves the review open. res receives the counts of what the decision did.
 */
enum review_choice { REVIEW_LINK, REVIEW_NEW, REVIEW_DISMISS };

struct review_decision {
	enum review_choice choice;
	int64_t person_id;  /* REVIEW_LINK: the candidate */
	const char *reason; /* REVIEW_DISMISS: why (required) */
};

int import_review_decide(struct store *st, const struct wb_scope *sc, int64_t review_id,
			 const struct review_decision *d, int64_t *person_id,
			 struct import_result *res, struct wb_error *err);

/* The counts as a JSON object (no reasons or samples), for the record and the API. */
void import_result_counts_json(const struct import_result *res, char *out, size_t cap);

#endif
