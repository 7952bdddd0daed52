/*
 * relations -- family relations between persons, stated from the child's view.
 *
 * A row (person_id = child, related_id = adult, kind = "father") reads "the adult is the
 * child's father". Relations are part of the child's record: whoever may read the child
 * sees the related persons' names and ages in it, even when the related person lives
 * elsewhere (a migrant parent); opening the related person's own record needs scope.
 * Adding a relation needs both persons in scope.
 */
#ifndef WB_STORE_RELATIONS_H
#define WB_STORE_RELATIONS_H
#include <stdint.h>

#include "core/err.h"
#include "store/persons.h"

struct relation_row {
	int64_t id;
	char kind[32];
	char kind_name[64];
	int is_guardian, lives_with;
	int outgoing; /* 1: other is this person's <kind>; 0: this person is other's <kind> */
	int64_t other_id;
	char other_name[PERSON_NAME_MAX + 1];
	char other_gender;
	char other_birth_date[11];
};

/* Inside the caller's write transaction. */
int store_relations_add_tx(struct store *st, const struct wb_scope *sc, int64_t person_id,
			   const struct relation_input *r, int64_t *id, struct wb_error *err);
/* In a transaction of its own, with an audit entry. */
int store_relations_add(struct store *st, const struct wb_scope *sc, int64_t person_id,
			const struct relation_input *r, int64_t *id, struct wb_error *err);
/* A person's relations are read with the person: store_persons_get_with_relations. */
/* Relation kinds: cb(ctx, code, name, name_en). */
int store_relation_kinds(struct store *st,
			 void (*cb)(void *ctx, const char *code, const char *name, const char *en),
			 void *ctx, struct wb_error *err);

#endif
