/*
 * screen -- evaluate a compiled rule set over a snapshot: one person, all persons.
 *
 * An environment (struct screen_env) binds a rule set to a reference date: ages and
 * durations are computed at that date, and the date-dependent cut-off days ("18 years
 * before the date", "12 months before the date") are computed once here, so evaluation is
 * integer comparisons over the snapshot's columns. The environment is immutable and may
 * be shared by threads; it holds a reference to the rule set.
 *
 * The result of one person (struct screen_result) carries the three separate outputs of
 * RULES.md §3: category memberships (each with its rule and the fact ids behind it), the
 * guardianship rating with its reasons, and the level (hard trigger -> 红 whatever the
 * score; otherwise the score's band), plus the score and which hard trigger fired. Every
 * output is a "hit" naming its rule; the fact ids of a hit are those the true part of
 * the rule's condition looked at (the child's and the relatives' facts).
 *
 * Rules run in file order; a rule may test "in category X" for categories set by earlier
 * rules. Pure logic: no I/O, no SQL.
 */
#ifndef WB_SCREEN_H
#define WB_SCREEN_H
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct buf;
struct rule_set;
struct snapshot;
struct screen_env;

enum screen_level {
	SCREEN_LEVEL_NONE = 0, /* not under attention */
	SCREEN_LEVEL_BLUE,     /* 蓝: general attention */
	SCREEN_LEVEL_YELLOW,   /* 黄 */
	SCREEN_LEVEL_ORANGE,   /* 橙 */
	SCREEN_LEVEL_RED       /* 红 */
};
const char *screen_level_name(int level); /* "红" … "" for NONE */
const char *screen_level_code(int level); /* "red", "orange", "yellow", "blue", "none" */

enum screen_hit_kind {
	SCREEN_HIT_CATEGORY = 1,
	SCREEN_HIT_RED,		 /* a hard trigger */
	SCREEN_HIT_SCORE,	 /* score points */
	SCREEN_HIT_GUARDIANSHIP, /* a guardianship rating input */
};

#define SCREEN_MAX_HITS	    48
#define SCREEN_MAX_EVIDENCE 96

struct screen_hit {
	uint16_t rule;	       /* index for rule_set_rule() */
	uint8_t kind;	       /* enum screen_hit_kind */
	uint8_t arg;	       /* category index, or guardianship scale index */
	int32_t points;	       /* score points (SCREEN_HIT_SCORE) */
	uint16_t ev_off, ev_n; /* fact ids: evidence[ev_off .. ev_off + ev_n) */
	uint16_t reason;       /* internal: the reason text (screen_hit_reason) */
};

struct screen_result {
	int64_t person_id;
	uint32_t person;     /* snapshot index */
	int32_t date;	     /* the reference date (days) */
	uint64_t categories; /* bit i: member of rule_set_category(i) */
	int level;	     /* enum screen_level */
	int32_t score;	     /* sum of score points */
	int hard_trigger;    /* rule index of the first hard trigger, -1 when none */
	int guardianship;    /* index into the scale (0 = best), the worst input */
	int truncated;	     /* 1 when hits or evidence exceeded the caps above */
	uint16_t nhits, nevidence;
	struct screen_hit hits[SCREEN_MAX_HITS];
	int64_t evidence[SCREEN_MAX_EVIDENCE]; /* fact ids */
};

/* The reason text of a hit (parameters already substituted), valid as long as the
 * rule set. */
const char *screen_hit_reason(const struct screen_env *env, const struct screen_hit *h);

/* Bind rs to the reference date `date` (days since 1970-01-01, e.g. date_today()). */
int screen_env_new(struct screen_env **out, struct rule_set *rs, int32_t date,
		   struct wb_error *err);
void screen_env_free(struct screen_env *env); /* NULL is fine */
const struct rule_set *screen_env_rules(const struct screen_env *env);
int32_t screen_env_date(const struct screen_env *env);

/* Screen one person (snapshot index). Never fails. */
void screen_person(struct screen_result *out, const struct screen_env *env,
		   const struct snapshot *s, uint32_t person);
/* Screen one person by id; WB_ENOTFOUND (PERSON_NOT_FOUND) when not in the snapshot. */
int screen_person_id(struct screen_result *out, const struct screen_env *env,
		     const struct snapshot *s, int64_t person_id, struct wb_error *err);

/* 1 when the result has nothing to show: no category, no hit, level NONE. */
int screen_result_empty(const struct screen_result *r);

/* Called for each screened person, concurrently from `thread` = 0 .. threads-1 (each
 * thread gets its own persons; r is valid during the call only). Return 0 to go on,
 * non-zero to stop the screen: screen_all then returns WB_EINTERNAL with code
 * SCREEN_STOPPED (keep the callback's own reason in ctx). */
typedef int (*screen_cb)(void *ctx, int thread, const struct screen_result *r);

enum {
	SCREEN_FLAGGED_ONLY = 1 /* call back only for persons with a category, hit or level */
};

struct screen_stats {
	size_t persons;	     /* screened */
	size_t flagged;	     /* non-empty results */
	size_t level[5];     /* per enum screen_level */
	size_t category[64]; /* members per category index */
	double seconds;
};

/* Screen every person of the snapshot on `threads` threads (1..64; the caller's thread
 * is one of them). stats may be NULL. */
int screen_all(const struct screen_env *env, const struct snapshot *s, int threads, int flags,
	       screen_cb cb, void *ctx, struct screen_stats *stats, struct wb_error *err);

/* Called for each person whose result differs between two environments (categories,
 * level or guardianship rating), concurrently as for screen_cb; return non-zero to stop. */
typedef int (*screen_cmp_cb)(void *ctx, int thread, const struct screen_result *before,
			     const struct screen_result *after);

/* The impact preview: screen every person with `before` (e.g. the published rule set)
 * and `after` (a draft, or another date) and call back where they differ. stats are
 * those of `after`; cb may be NULL (stats only). */
int screen_compare(const struct screen_env *before, const struct screen_env *after,
		   const struct snapshot *s, int threads, screen_cmp_cb cb, void *ctx,
		   struct screen_stats *stats, struct wb_error *err);

/* Screen the given persons (e.g. the affected[] of snapshot_update_person) on the
 * caller's thread, calling back for each (thread 0). */
int screen_some(const struct screen_env *env, const struct snapshot *s, const uint32_t *persons,
		size_t n, screen_cb cb, void *ctx, struct wb_error *err);

/* Render a result as JSON text appended to out:
 *   {"person_id":…,"date":"YYYY-MM-DD","ruleset":{"name":…,"version":…},
 *    "level":"red","level_name":"红","score":…,
 *    "hard_trigger":{"rule_id":…,"rule_name":…,"basis":…,"reason":…,"fact_ids":[…]}|null,
 *    "categories":[{"code":…,"name":…,"name_en":…,"rule_id":…,"rule_name":…,"basis":…,
 *                   "reason":…,"fact_ids":[…]}],
 *    "guardianship":{"rating":"差","index":2,"reasons":[{rule…, reason, fact_ids}]},
 *    "scores":[{"rule_id":…,"points":…,"reason":…,"fact_ids":[…]}],
 *    "triggers":[…all hard triggers…], "truncated":false}
 * WB_ETOOBIG when out's ceiling is reached. */
int screen_result_json(struct buf *out, const struct screen_result *r, const struct screen_env *env,
		       struct wb_error *err);

#endif
