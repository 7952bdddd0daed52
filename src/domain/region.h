/*
 * region -- statistical division codes (统计用区划代码) and grids.
 *
 * A region code is 12 digits: PP CC DD TTT VVV (province, city, county, township,
 * village). Shorter published forms (2, 4, 6, 9 digits) are padded with zeros. Grids
 * (网格) are local subdivisions of a village: the village code plus a 3-digit grid
 * number, 15 digits. The level follows from the code:
 *   1 province (PP0000000000)  2 city  3 county  4 township  5 village  6 grid
 * A region's subtree is every code that starts with its "significant prefix" (2, 4,
 * 6, 9, 12 or 15 digits), which makes scope checks a range comparison on an index.
 * Pure functions, no I/O.
 */
#ifndef WB_REGION_H
#define WB_REGION_H
#include <stddef.h>

#include "core/err.h"

#define REGION_CODE_MAX 15

enum region_level {
	REGION_PROVINCE = 1,
	REGION_CITY = 2,
	REGION_COUNTY = 3,
	REGION_TOWNSHIP = 4,
	REGION_VILLAGE = 5,
	REGION_GRID = 6,
};

/* Normalise "50", "5002", "500242", "500242101", 12 or 15 digits into the canonical
 * 12- (or 15-) digit form. WB_EINVAL with REGION_CODE_FORMAT on bad input. */
int region_code_normalize(char out[REGION_CODE_MAX + 1], const char *in, struct wb_error *err);

/* Level of a canonical code (1..6). */
int region_level(const char *code);

/* Significant prefix length of a canonical code at its level (2,4,6,9,12,15). */
size_t region_prefix_len(const char *code);

/* Canonical parent code into out; returns 0, or -1 for a province (no parent). */
int region_parent(char out[REGION_CODE_MAX + 1], const char *code);

/* Half-open range [lo, hi) of canonical codes inside the subtree of code. */
void region_subtree_range(const char *code, char lo[REGION_CODE_MAX + 1],
			  char hi[REGION_CODE_MAX + 1]);

/* 1 when `code` lies in the subtree of `root` (itself included). */
int region_in_subtree(const char *root, const char *code);

/* Chinese and English name of a level. */
const char *region_level_name(int level);
const char *region_level_name_en(int level);

#endif
