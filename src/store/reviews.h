/*
 * reviews -- the queue of doubtful matches an import left for an officer.
 *
 * A row without a usable ID number whose best linkage candidates were neither sure nor
 * unlikely (ingest/pipeline.h) waits in import_reviews with its cells, the parsed record
 * and the candidates with their scores. An officer lists the queue of a region, looks at
 * one review side by side with its candidates, and decides: link the row to a candidate,
 * create a new person from it, or dismiss it with a reason. Applying a link or a new
 * person is the pipeline's work (import_review_decide); this file is its SQL.
 *
 * Scope: a review belongs to the region of its row (the row's household region, or the
 * import's region when the row named none). Every function takes the caller's scope and
 * a review outside it answers REVIEW_NOT_FOUND, exactly like one that does not exist.
 * Reviews of an undone import are gone from the queue (their import was taken back).
 *
 * A review is decided once: store_reviews_decide changes only an open review, inside the
 * caller's write transaction, and answers 409 REVIEW_DECIDED otherwise, so two officers
 * deciding the same row at the same moment get one success and one conflict.
 */
#ifndef WB_STORE_REVIEWS_H
#define WB_STORE_REVIEWS_H
#include <stdint.h>

#include "core/err.h"
#include "domain/region.h"

struct store;
struct wb_scope;

#define REVIEW_REASON_MAX 200 /* bytes of a dismissal's reason */

/* One review. The JSON texts are malloc'd and owned by the struct: store_reviews_release
 * frees them (NULL when not loaded: lists leave cells and header out). */
struct review {
	int64_t id, import_id;
	int sheet;
	int64_t row;
	char role[16];
	char region[REGION_CODE_MAX + 1];
	char status[12]; /* open, linked, created, dismissed */
	int64_t person_id;
	char decided_by[64];
	char decided_at[21];
	char reason[REVIEW_REASON_MAX + 1];
	/* the import the row came from */
	char profile[32];
	char file_name[256];
	char import_region[REGION_CODE_MAX + 1];
	char import_status[12];
	char extract_date[11];
	char created_at[21];
	int64_t source_unit_id;
	char *record;	  /* {"name":…, "gender":…, "birth_date":…, "household_region":…} */
	char *candidates; /* [{"person_id":…, "weight":…, "name":"exact", "birth":…}, …] */
	char *cells;	  /* the row's cells as read (get only) */
	char *header;	  /* the sheet's header cells (get only; "[]" when unknown) */
};

void store_reviews_release(struct review *rv);

struct review_query {
	const char *region; /* canonical code, NULL for the whole scope */
	int decided;	    /* 0: the open queue (oldest first); 1: decided ones (newest first) */
	int limit;	    /* 1..200 */
	int64_t cursor;	    /* from a previous page, 0 for the first */
};

/* A page of the queue; cb gets each review (record and candidates filled, cells and
 * header NULL; valid during the call). *next is the cursor of the following page or 0. */
int store_reviews_list(struct store *st, const struct wb_scope *sc, const struct review_query *q,
		       void (*cb)(void *ctx, const struct review *rv), void *ctx, int64_t *next,
		       struct wb_error *err);
/* One review with everything; release it with store_reviews_release (also on error). */
int store_reviews_get(struct store *st, const struct wb_scope *sc, int64_t id, struct review *out,
		      struct wb_error *err);

/* Write transaction for a decision (BEGIN IMMEDIATE: deciders queue, never interleave). */
int store_reviews_begin(struct store *st, struct wb_error *err);
int store_reviews_commit(struct store *st, struct wb_error *err);
void store_reviews_abort(struct store *st);

/* Record the decision on an open review and audit it ("review.decide"), in the caller's
 * transaction. status is linked, created or dismissed; person_id the person the row now
 * belongs to (0 for dismissed); reason only for dismissed. 409 REVIEW_DECIDED when the
 * review is no longer open. */
int store_reviews_decide(struct store *st, const struct wb_scope *sc, int64_t id,
			 const char *status, int64_t person_id, const char *reason,
			 struct wb_error *err);

#endif
