/*
 * rule -- screening rule sets: parse, compile, introspect.
 *
 * Rules are data, not C: a rule set is a text file in the language of docs/rules.md
 * (parameters, categories, the guardianship scale, level bands, and rules with an id, a
 * Chinese name, a legal basis, a condition over the person and the related persons, and
 * outputs). rule_set_compile turns the text into a compiled, immutable rule set: a flat
 * program over fact-type ids that screen.h evaluates against a snapshot. The built-in
 * set (rules/builtin.rules) is embedded in the binary.
 *
 * A compiled rule set is immutable and reference-counted: share it between threads and
 * across a reload (rule_set_ref when keeping it, rule_set_free to drop a reference).
 * Strings returned by the introspection functions live as long as the rule set.
 *
 * Errors: WB_EINVAL with code RULE_SYNTAX (bad text) or RULE_SEMANTIC (unknown fact type,
 * category or parameter, misuse), the message "第L行第C列：…" / "line L, column C: …"
 * saying what was expected and what was found, and *pos set to the place (1-based; the
 * column counts characters). WB_ETOOBIG (RULE_TOO_BIG) past the limits below.
 * Pure logic: no I/O, no SQL.
 */
#ifndef WB_RULE_H
#define WB_RULE_H
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define RULE_TEXT_MAX	    (1u << 20) /* bytes of rule text */
#define RULE_MAX_RULES	    512
#define RULE_MAX_CATEGORIES 64
#define RULE_MAX_PARAMS	    128
#define RULE_MAX_DEPTH	    48 /* nesting of parentheses and operators */
#define RULE_MAX_SCALE	    6  /* labels of the guardianship scale */

struct rule_set;

struct rule_pos {
	int line, col; /* 0 when the error has no place */
};

/* Compile rule text (UTF-8, need not be NUL-terminated). *out is NULL on failure. */
int rule_set_compile(struct rule_set **out, const char *text, size_t len, struct rule_pos *pos,
		     struct wb_error *err);
/* The built-in rule set (compiled once per call; cheap: well under a millisecond). */
int rule_set_builtin(struct rule_set **out, struct wb_error *err);
/* The built-in rule text (embedded rules/builtin.rules), for display and as a template. */
const char *rule_builtin_text(size_t *len);

struct rule_set *rule_set_ref(struct rule_set *rs);
void rule_set_free(struct rule_set *rs); /* drops one reference; NULL is fine */

/* ---- introspection (for the API: show the rules, the categories, the parameters) --- */
const char *rule_set_name(const struct rule_set *rs);
const char *rule_set_version(const struct rule_set *rs); /* the version label */

struct rule_category {
	const char *code; /* e.g. "left_behind" */
	const char *name; /* 农村留守儿童 */
	const char *name_en;
};
int rule_set_ncategories(const struct rule_set *rs);
const struct rule_category *rule_set_category(const struct rule_set *rs, int i);
int rule_set_category_find(const struct rule_set *rs, const char *code); /* -1 if none */

/* What a rule can output (a rule may do several). */
enum {
	RULE_OUT_CATEGORY = 1,
	RULE_OUT_RED = 2, /* hard trigger: level 红 whatever the score */
	RULE_OUT_SCORE = 4,
	RULE_OUT_GUARDIANSHIP = 8
};

struct rule_info {
	const char *id;	   /* e.g. "LB-1" */
	const char *name;  /* Chinese name */
	const char *basis; /* legal or policy citation */
	int line;	   /* where it starts in the text */
	int outputs;	   /* RULE_OUT_* */
};
int rule_set_nrules(const struct rule_set *rs);
const struct rule_info *rule_set_rule(const struct rule_set *rs, int i);
int rule_set_rule_find(const struct rule_set *rs, const char *id); /* -1 if none */

struct rule_param {
	const char *name;
	int64_t value;	  /* numeric parameters */
	const char *unit; /* "" or the unit written after the value (months, 岁 …); NULL for
			     a text parameter */
	const char *text; /* text parameters (e.g. 心理困境起始级别 = "黄"), else NULL */
};
int rule_set_nparams(const struct rule_set *rs);
const struct rule_param *rule_set_param(const struct rule_set *rs, int i);

/* The guardianship scale, best first (default 较好 / 一般 / 差, the 2016 census scale). */
int rule_set_nscale(const struct rule_set *rs);
const char *rule_set_scale_label(const struct rule_set *rs, int i);

/* Level bands of the scored instrument: the least score for 蓝, 黄, 橙, 红 (index 1..4
 * by enum screen_level; INT32_MAX when the band is not declared). */
int32_t rule_set_band(const struct rule_set *rs, int level);

#endif
