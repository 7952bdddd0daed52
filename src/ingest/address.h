/*
 * address -- find the region an address text names ("酉阳县木叶乡大坂营村3组" → the code
 * of 大坂营村), within one county's region tree held in memory.
 *
 * Townships are looked for first, by full name (木叶乡) or short name (木叶), then
 * villages under the township found, by full or short name (大坂营村, 大坂营); without a
 * township, a village name that is unique in the county still decides. A 6- to 12-digit
 * code in the text is taken as it is when the tree has it.
 */
#ifndef WB_ADDRESS_H
#define WB_ADDRESS_H
#include <stddef.h>

#include "domain/region.h"

struct address_region {
	char code[REGION_CODE_MAX + 1];
	char name[128];
	char parent[REGION_CODE_MAX + 1];
	int level;
};

struct address_index {
	struct address_region *r; /* sorted by code */
	size_t n, cap;
	char root[REGION_CODE_MAX + 1];
};

void address_index_init(struct address_index *ix, const char *root);
void address_index_add(struct address_index *ix, const char *code, const char *name,
		       const char *parent, int level);
/* Sort after the last add. */
void address_index_done(struct address_index *ix);
void address_index_release(struct address_index *ix);
/* The deepest region the text names, or NULL. The pointer lives as long as ix. */
const char *address_match(const struct address_index *ix, const char *text);

#endif
