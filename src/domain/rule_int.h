/*
 * rule_int -- the compiled form of a rule set, shared by the rule_*.c files and
 * screen.c. Nobody else includes it.
 *
 * A condition is a tree of nodes in one flat array (struct rnode): children are a list
 * through kid/next, so a rule's condition is a root index. Defines are compiled once and
 * referenced (OP_REF), so a named condition used ten times costs one copy. Durations
 * relative to the reference date ("6 months before the date", "16 years before") are
 * slots: the rule set lists each distinct (amount, unit) once and the environment
 * computes the cut-off day of every slot for its date.
 *
 * Evaluation guards per rule (computed by the compiler from the top-level "and"):
 * age_slot (the person must be born after that slot's day: an upper age bound),
 * need_mask (fact types the person must have), cat_need (one of these categories must be
 * set already), fam_need (the condition can only hold when the person or a relative has a
 * fact of one of the types of each mask: "has" tests on every path to truth). A rule set whose every rule has an age bound or a category need lets
 * the evaluator skip persons older than all bounds with one comparison.
 */
#ifndef WB_RULE_INT_H
#define WB_RULE_INT_H
#include <stdint.h>

#include "core/arena.h"
#include "domain/rule.h"

enum rop {
	OP_TRUE,
	OP_AND,
	OP_OR,
	OP_NOT,
	OP_AGE_GE, /* a = slot: born on or before the slot day */
	OP_AGE_LT, /* a = slot: born after the slot day */
	OP_GENDER, /* x = 'M' / 'F' / 'U' */
	OP_HAS,	   /* x = fact type, y = time mode, z = unit (LASTING), a = slot or amount,
		      b = value-condition root or -1 */
	OP_INCAT,  /* a = category */
	OP_SCOPE,  /* x = group, y = quantifier, kid = body or -1 (exists) */
	OP_REF,	   /* a = root of a define; z = 1 when it uses "in category" (no memo) */
	OP_V_AND,
	OP_V_OR,
	OP_V_NOT,
	OP_V_CMP, /* x = field, y = comparison, a = value */
	OP_V_IN,  /* x = field, a = offset in the value pool, b = count */
};

enum rtime { TM_CURRENT, TM_FOR, TM_LASTING, TM_WITHIN, TM_DURING, TM_EVER };
enum runit { U_NONE, U_DAYS, U_MONTHS, U_YEARS, U_AGE };
enum rgroup {
	G_FATHER,
	G_MOTHER,
	G_PARENTS,
	G_ANY_PARENT,
	G_GUARDIAN,
	G_CARER,
	G_RELATIVE,
	G_HOUSEHOLD
};
enum rquant { Q_THE, Q_ANY, Q_ALL, Q_NO, Q_BOTH, Q_EITHER };
enum rfield { F_VALUE, F_CATEGORY, F_GRADE };
enum rcmp { C_LT, C_LE, C_GT, C_GE, C_EQ, C_NE };

#define RULE_FAM_NEEDS 4

struct rnode {
	uint64_t need; /* the subject must have a fact of one of these types for the node to
			  hold (0: no such bound); lets the evaluator skip work with one test */
	uint64_t sup;  /* pure nodes: every fact type the node looks at */
	uint8_t pure;  /* depends on the subject's facts only (no age, relative, category) */
	uint8_t free;  /* pure nodes: the value for a subject without any of sup */
	uint8_t op, x, y, z;
	int32_t a, b;
	int32_t kid, next;
};

struct rslot {
	int32_t amount;
	uint8_t unit; /* U_DAYS, U_MONTHS, U_YEARS */
};

struct rout {
	uint8_t kind; /* enum screen_hit_kind */
	uint8_t arg;  /* category or scale index */
	int32_t points;
	uint16_t reason; /* index into rule_set.reasons */
};

struct rrule {
	struct rule_info info;
	int32_t root;
	int32_t age_slot;     /* -1: no upper age bound */
	int32_t age_min_slot; /* -1: no lower age bound (else born on or before its day) */
	uint64_t need_mask;
	uint64_t cat_need;
	uint64_t fam_need[RULE_FAM_NEEDS]; /* each: one of these types must be somewhere */
	uint8_t nfam;			   /* in the family (the person or a relative) */
	uint16_t out_off, nout;
};

struct rule_set {
	_Atomic int refs;
	struct arena arena; /* every string of the set */
	const char *name, *version;
	struct rnode *nodes;
	int nnodes, capnodes;
	int32_t *pool; /* values of OP_V_IN */
	int npool, cappool;
	struct rslot *slots;
	int nslots, capslots;
	struct rrule *rules;
	int nrules;
	struct rout *outs;
	int nouts, capouts;
	const char **reasons;
	int nreasons, capreasons;
	struct rule_category cats[RULE_MAX_CATEGORIES];
	int ncats;
	struct rule_param params[RULE_MAX_PARAMS];
	uint8_t param_unit[RULE_MAX_PARAMS]; /* enum runit, U_NONE for text */
	int nparams;
	const char *scale[RULE_MAX_SCALE];
	int nscale;
	int32_t bands[5]; /* by enum screen_level; INT32_MAX when absent */
	int all_guarded;  /* every rule has an age bound or a category need */
};

/* A rule set bound to a reference date (screen.h). */
struct screen_env {
	struct rule_set *rs;
	int32_t date;
	int32_t *cut;	    /* per slot: the date shifted back by the slot's duration */
	int32_t skip_birth; /* all_guarded: persons born on or before it match no rule */
};

/* Parse and compile text into rs (already initialised by rule_set.c). */
int rule_compile_text(struct rule_set *rs, const char *text, size_t len, struct rule_pos *pos,
		      struct wb_error *err);

/* Shift a day by -amount units (months and years clamp to the month's end). */
int32_t rule_shift_back(int32_t day, int32_t amount, int unit);
/* Shift a day forward by amount units. */
int32_t rule_shift_forward(int32_t day, int32_t amount, int unit);

#endif
