/*
 * units -- organisations (单位) that do the work: 民政办, 派出所, 学校, 村委会 …
 * Units are not personal data; listing needs a login but no scope.
 */
#ifndef WB_STORE_UNITS_H
#define WB_STORE_UNITS_H
#include <stdint.h>

#include "core/err.h"
#include "domain/region.h"

struct store;

struct unit_row {
	int64_t id;
	char name[160];
	char type[40];
	char type_name[96];
	char region_code[REGION_CODE_MAX + 1];
	char region_name[128];
};

int store_units_create(struct store *st, const char *name, const char *type,
		       const char *region_code, int64_t *id, struct wb_error *err);
int store_units_get(struct store *st, int64_t id, struct unit_row *out, struct wb_error *err);
/* Units in the subtree of region (type may be NULL); cb returns non-zero to stop. */
int store_units_list(struct store *st, const char *region, const char *type,
		     int (*cb)(void *ctx, const struct unit_row *u), void *ctx,
		     struct wb_error *err);
/* Unit types: cb(ctx, code, name, name_en). */
int store_unit_types(struct store *st,
		     void (*cb)(void *ctx, const char *code, const char *name, const char *en),
		     void *ctx, struct wb_error *err);

#endif
