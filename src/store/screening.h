/*
 * screening -- the SQL side of automatic screening: rule sets with versions, each
 * person's current result, the category memberships that make up the registers (台账),
 * officers' confirmations and rejections, level overrides, and the events.
 *
 * The engine (domain/rule_*, domain/snapshot) computes; this file stores. It does not
 * know the rule language: a result arrives as a struct screen_put (level, score,
 * category codes each with a key of the facts behind it, the explanation as JSON text).
 *
 * Writing (store_screening_put) happens inside the caller's write transaction and compares
 * with what is stored: a category gained or lost and a level raised or lowered each become
 * a screen_events row. A membership the officers rejected stays rejected while the facts
 * behind it are the same (same facts_key); when they change it is suggested again.
 *
 * Reads take the caller's scope like every other personal-data read: a person outside it
 * answers PERSON_NOT_FOUND.
 */
#ifndef WB_STORE_SCREENING_H
#define WB_STORE_SCREENING_H
#include <stdint.h>

#include "core/err.h"
#include "domain/region.h"

/* SQL: the level of person p after a current override, else its screen_results r.level
 * (one `?`: today). The registers and their exports read levels so. */
#define SCREEN_EFFECTIVE_LEVEL_SQL                                                                 \
	"coalesce((SELECT o.level FROM screen_overrides o WHERE o.person_id = p.id AND "           \
	"o.revoked_at IS NULL AND o.expires_on >= ? ORDER BY o.id DESC LIMIT 1), r.level)"

struct store;
struct wb_scope;

enum { SCREEN_CATEGORIES_MAX = 32, SCREEN_CODE_MAX = 32, SCREEN_KEY_MAX = 40 };

/* ---- rule sets -------------------------------------------------------------------- */
struct rule_set_row {
	int64_t version;
	char label[64];
	char status[12];
	char note[256];
	char created_by_name[64], published_by_name[64];
	char created_at[21], published_at[21];
	char *source; /* malloc'd when asked for; the caller frees */
};

/* The published set (source malloc'd into out->source); WB_ENOTFOUND when none. */
int store_rulesets_published(struct store *st, struct rule_set_row *out, struct wb_error *err);
/* Insert version 1 published (the built-in set) when the table is empty. */
int store_rulesets_seed(struct store *st, const char *label, const char *source,
			struct wb_error *err);
int store_rulesets_list(struct store *st, void (*cb)(void *ctx, const struct rule_set_row *r),
			void *ctx, struct wb_error *err);
int store_rulesets_get(struct store *st, int64_t version, struct rule_set_row *out,
		       struct wb_error *err);
/* A new draft; *version gets its number. Audited. */
int store_rulesets_add(struct store *st, const struct wb_scope *sc, const char *label,
		       const char *note, const char *source, int64_t *version,
		       struct wb_error *err);
/* Publish a draft: the published one becomes retired. Audited. 409 when not a draft. */
int store_rulesets_publish(struct store *st, const struct wb_scope *sc, int64_t version,
			   struct wb_error *err);

/* ---- results ---------------------------------------------------------------------- */
struct screen_put_category {
	char code[SCREEN_CODE_MAX];
	char facts_key[SCREEN_KEY_MAX]; /* hex of a hash of the fact ids behind it */
	int sensitive; /* rests on a sensitive fact (criminal, psychological): hidden from
			  roles without PERM_SENSITIVE_READ */
};

struct screen_put {
	int64_t person_id;
	char scope_region[REGION_CODE_MAX + 1];
	int level; /* 0 none, 1 蓝, 2 黄, 3 橙, 4 红 */
	int score;
	const char *guardianship; /* rating code or NULL */
	int ncat;
	struct screen_put_category cat[SCREEN_CATEGORIES_MAX];
	const char *explanation; /* JSON text */
};

struct screen_put_stats {
	int64_t persons, flagged, events;
};

/* Inside the caller's write transaction. A person with no category and level 0 leaves no
 * result row (an existing one is removed, with its events). */
int store_screening_put(struct store *st, const struct screen_put *p, int64_t rule_version,
			const char *eval_date, struct screen_put_stats *stats,
			struct wb_error *err);
/* The persons that have a stored result (for a full screen to find who lost all). */
int store_screening_flagged(struct store *st, void (*cb)(void *ctx, int64_t person_id), void *ctx,
			    struct wb_error *err);
int store_screening_run_log(struct store *st, int64_t rule_version, const char *eval_date,
			    const char *kind, const struct screen_put_stats *s,
			    const char *started_at, int64_t started_by, struct wb_error *err);
/* The month (YYYY-MM) of the last full screen, "" when never. */
int store_screening_last_run(struct store *st, char month[8], int64_t *rule_version,
			     struct wb_error *err);

/* Queue a person for screening (in the caller's transaction): what the writers of facts
 * do themselves since migration 012 (an import queues its facts as spans, migration 014). */
int store_screening_queue(struct store *st, int64_t person_id, struct wb_error *err);
/* The change queue has two parts: screen_dirty (person rows, filled by the triggers of
 * migration 005 and by the writers of facts, above), and the facts of imports not yet
 * screened (the spans of migration 014, each screened up to screened_to: an import queues
 * a span, not a row a fact). A mark says how far the queue was read. */
struct screen_span_mark {
	int64_t import_id, first_id, from, upto; /* facts (from, upto] of the span */
};
struct screen_queue_mark {
	int64_t max_seq; /* screen_dirty up to this seq */
	struct screen_span_mark *spans;
	size_t nspans;
};
/* Read the queue's extent into mark (free it with store_screening_mark_free); count is
 * its size: rows of screen_dirty and facts of spans. */
int store_screening_dirty_peek(struct store *st, int64_t *count, struct screen_queue_mark *mark,
			       struct wb_error *err);
void store_screening_mark_free(struct screen_queue_mark *mark);
/* The persons of the queue up to mark (a person may come more than once). */
int store_screening_dirty_list(struct store *st, const struct screen_queue_mark *mark,
			       void (*cb)(void *ctx, int64_t person_id), void *ctx,
			       struct wb_error *err);
/* Remove what mark covers, once handled (in the caller's write transaction). */
int store_screening_dirty_clear(struct store *st, const struct screen_queue_mark *mark,
				struct wb_error *err);

/* ---- a person's screening, for the profile ---------------------------------------- */
struct screen_membership_row {
	char category[SCREEN_CODE_MAX];
	int sensitive;
	char status[12];
	char since[21];
};

struct screen_override_row {
	int64_t id;
	int level, computed;
	char reason[512];
	char expires_on[11];
	char created_by_name[64], created_at[21];
};

struct screen_person_row {
	int found;     /* 0: in scope but never flagged (no result row) */
	int level;     /* computed */
	int effective; /* after a current override */
	int score;
	char guardianship[16];
	char eval_date[11], computed_at[21];
	int64_t rule_version;
	char *explanation; /* malloc'd JSON text or NULL; the caller frees */
	int nmem;
	struct screen_membership_row mem[SCREEN_CATEGORIES_MAX];
	int has_override;
	struct screen_override_row ov;
};

/* The person's result (audited as a read of the person). PERSON_NOT_FOUND out of scope. */
int store_screening_person(struct store *st, const struct wb_scope *sc, int64_t person_id,
			   struct screen_person_row *out, struct wb_error *err);

struct screen_event_row {
	int64_t id, person_id;
	char kind[20];
	char category[SCREEN_CODE_MAX];
	int before, after;
	int64_t rule_version;
	char at[21];
};
/* Newest first, at most limit. */
int store_screening_events(struct store *st, const struct wb_scope *sc, int64_t person_id,
			   int limit, void (*cb)(void *ctx, const struct screen_event_row *e),
			   void *ctx, struct wb_error *err);

struct screen_decision_row {
	int64_t id;
	char category[SCREEN_CODE_MAX];
	char decision[8];
	char reason[512];
	char decided_by_name[64], decided_at[21];
};
int store_screening_decisions(struct store *st, const struct wb_scope *sc, int64_t person_id,
			      void (*cb)(void *ctx, const struct screen_decision_row *d), void *ctx,
			      struct wb_error *err);

/* Confirm or reject the person's current membership of category (reason required for a
 * rejection). WB_ENOTFOUND (SCREEN_MEMBERSHIP_NOT_FOUND) when the rules do not suggest it.
 * Own transaction, audited. */
int store_screening_decide(struct store *st, const struct wb_scope *sc, int64_t person_id,
			   const char *category, const char *decision, const char *reason,
			   struct wb_error *err);
/* Override the level until expires_on (a date after today); replaces a current override.
 * Own transaction, audited. */
int store_screening_override(struct store *st, const struct wb_scope *sc, int64_t person_id,
			     int level, const char *reason, const char *expires_on,
			     struct wb_error *err);
int store_screening_override_revoke(struct store *st, const struct wb_scope *sc, int64_t person_id,
				    struct wb_error *err);

/* ---- registers (台账) -------------------------------------------------------------- */
/* Counts of a category (or of a level when category is NULL and level > 0) per child
 * region of `region`, within the scope: cb(ctx, child_code, n, red). Rejected memberships
 * are not counted; sensitive ones only for roles that may read sensitive facts. */
int store_screening_counts(struct store *st, const struct wb_scope *sc, const char *region,
			   const char *category, int min_level,
			   void (*cb)(void *ctx, const char *child_code, int64_t n, int64_t red),
			   void *ctx, struct wb_error *err);

struct screen_register_row {
	int64_t person_id;
	char name[64];
	char gender;
	char birth_date[11];
	char scope_region[REGION_CODE_MAX + 1];
	char status[12];
	int level, effective;
	char categories[256];
};
/* Persons of the register of `category` (NULL: every flagged person) in the region subtree,
 * ordered by id after `after_id`, at most limit. */
int store_screening_register(struct store *st, const struct wb_scope *sc, const char *region,
			     const char *category, int min_level, int64_t after_id, int limit,
			     void (*cb)(void *ctx, const struct screen_register_row *r), void *ctx,
			     struct wb_error *err);

#endif
