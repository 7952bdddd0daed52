/*
 * register -- the register (台账) of the minors of a region, streamed row by row.
 *
 * A register lists every minor whose record the region owns (scope_region in the
 * region's subtree, the same rule as persons.c), in the order officials file them:
 * township, village, name. Each row carries what the paper 台账 has: identity, places,
 * school, guardians and a one-cell summary of the child's current situation built from
 * facts (the child's own and those of the persons related to the child, e.g. a father's
 * 外出务工), so the register is a view of the facts, never a second copy of them.
 *
 * Scope: the caller's struct wb_scope is checked exactly as persons.c does; a region
 * outside the caller's subtree answers WB_ENOTFOUND with the same error as a region that
 * does not exist, and rows are filtered by the scope predicate too (a school sees its own
 * students only). Facts of sensitive types appear only for roles with
 * PERM_SENSITIVE_READ; filtering on a sensitive type without it is WB_EFORBIDDEN.
 *
 * ID numbers are masked unless the query states a purpose; then the role must hold
 * PERM_ID_REVEAL (the rule of store_persons_reveal) or the call fails with
 * WB_EFORBIDDEN before any row is read. Every export is audited with one entry
 * ("register.export": region, filter, row count, revealed, purpose), appended
 * synchronously after the last row and before the function returns: the caller must
 * not hand the output to anyone unless the function returned 0.
 *
 * Memory: rows are read with one cursor and handed to the callback one at a time; the
 * store holds one row, whatever the size of the region.
 */
#ifndef WB_STORE_REGISTER_H
#define WB_STORE_REGISTER_H
#include <stdint.h>

#include "core/err.h"
#include "domain/idno.h"
#include "domain/person.h"
#include "domain/region.h"

struct store;
struct wb_scope;

/* What to export. Filters combine with AND; each is NULL when unused. A screening
 * category filter (`category`) joins them when screening lands: the query builds one
 * EXISTS clause per filter, so adding one touches only register.c. */
struct register_query {
	const char *region;    /* canonical region code (required) */
	const char *fact_type; /* only children with a current fact of this type, their own
				  or a related person's (a parent's 外出务工, 服刑在押) */
	const char *purpose;   /* non-NULL: full ID numbers, for this stated purpose */
	/* the screening register's filters: only flagged children (screen_results), at
	 * min_level or above, in category (NULL: any); category_name titles the file */
	int flagged, min_level;
	const char *category, *category_name;
};

/* Handed to begin() once the query is authorised, before the first row. */
struct register_info {
	char region[REGION_CODE_MAX + 1];
	char place[400]; /* "酉阳土家族苗族自治县木叶乡": county down to the region */
	char date[11];	 /* export date, YYYY-MM-DD */
	char fact_type_name[96]; /* "" without the filter */
	int revealed;		 /* 1 when ID numbers are full */
};

#define REGISTER_GUARDIANS_MAX	  300
#define REGISTER_SITUATION_MAX	  3000
#define REGISTER_REGION_NAME_MAX  200
#define REGISTER_SCHOOL_NAME_MAX  160
#define REGISTER_GUARDIAN_ENTRIES 4

/* One child. Strings are "" when unknown; valid during the callback only. */
struct register_row {
	int64_t person_id;
	char township[128], village[128];
	char name[PERSON_NAME_MAX + 1];
	char gender;		      /* 'M', 'F', 'U' */
	char id_number[IDNO_LEN + 1]; /* masked, full when info.revealed, "" when none */
	char birth_date[11];
	int age;		    /* at the export date; -1 when unknown */
	const char *ethnicity_name; /* static text or "" */
	char household_region_name[REGISTER_REGION_NAME_MAX];
	char residence_region_name[REGISTER_REGION_NAME_MAX];
	char school_name[REGISTER_SCHOOL_NAME_MAX];
	/* Guardians (relations flagged is_guardian), joined with "、" in the same order in
	 * the three fields; phones masked. */
	char guardian_names[REGISTER_GUARDIANS_MAX];
	char guardian_relations[REGISTER_GUARDIANS_MAX];
	char guardian_phones[REGISTER_GUARDIANS_MAX];
	/* Current facts as text: "父亲外出务工：广东省(2024-03-01起); 最低生活保障（低保）". */
	char situation[REGISTER_SITUATION_MAX];
};

struct register_sink {
	/* Called once before any row; non-zero stops the export (err filled by the sink). */
	int (*begin)(void *ctx, const struct register_info *info, struct wb_error *err);
	/* Called per row; non-zero stops the export. */
	int (*row)(void *ctx, const struct register_row *r, struct wb_error *err);
	void *ctx;
};

/* Stream the register of q->region to sink; *count receives the number of rows. */
int store_register_export(struct store *st, const struct wb_scope *sc,
			  const struct register_query *q, const struct register_sink *sink,
			  int64_t *count, struct wb_error *err);

#endif
