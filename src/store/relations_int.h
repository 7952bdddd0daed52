/*
 * relations_int -- store-internal: the relations of a person whose scope the caller (in
 * src/store) has just checked. Not for the layers above: they go through the scoped
 * functions of relations.h and persons.h.
 */
#ifndef WB_RELATIONS_INT_H
#define WB_RELATIONS_INT_H
#include "store/relations.h"

int relations_list_in_scope(struct store *st, int64_t person_id,
			    void (*cb)(void *ctx, const struct relation_row *r), void *ctx,
			    struct wb_error *err);

#endif
