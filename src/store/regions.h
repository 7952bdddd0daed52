/*
 * regions -- the region tree (county → township → village → grid) and its import.
 *
 * Regions are public reference data (national statistical division codes), so reads
 * need no scope; what a user may *drill into* is checked by the caller with
 * store_scope_has_region / region_in_subtree.
 */
#ifndef WB_STORE_REGIONS_H
#define WB_STORE_REGIONS_H
#include <stdint.h>

#include "core/err.h"
#include "domain/region.h"

struct store;
struct wb_scope;

struct region_row {
	char code[REGION_CODE_MAX + 1];
	char name[128];
	int level;
	char parent_code[REGION_CODE_MAX + 1];
};

int store_regions_get(struct store *st, const char *code, struct region_row *out,
		      struct wb_error *err);
/* Children of code in code order; cb returns non-zero to stop. */
int store_regions_children(struct store *st, const char *code,
			   int (*cb)(void *ctx, const struct region_row *r), void *ctx,
			   struct wb_error *err);
/* Every region of the subtree of code (itself included) down to max_level, in code
 * order; cb returns non-zero to stop. */
int store_regions_subtree(struct store *st, const char *code, int max_level,
			  int (*cb)(void *ctx, const struct region_row *r), void *ctx,
			  struct wb_error *err);
/* Counts of persons and of minors (born after minor_cutoff, "YYYY-MM-DD") in a subtree. */
int store_regions_counts(struct store *st, const char *code, const char *minor_cutoff,
			 int64_t *persons, int64_t *minors, struct wb_error *err);
/* Upsert one region (import); parent must exist or be NULL for a province. */
int store_regions_put(struct store *st, const struct region_row *r, const char *source,
		      struct wb_error *err);
/* "木叶乡/大坂营村": names from the county's child down to code (for display). */
int store_regions_path_name(struct store *st, const char *code, char *out, size_t cap);

#endif
