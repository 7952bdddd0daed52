/*
 * screen_load -- fill a screening snapshot (domain/snapshot.h) from the database.
 *
 * The only SQL of screening. Reads persons (id, birth date, household, household and
 * scope region, gender), their current facts -- not retracted and not superseded by a
 * live correction; validity dates are kept, the engine judges them at its reference
 * date -- and relations (child's view). Facts of types the snapshot catalog does not
 * know are skipped (counted in the snapshot stats as dropped).
 *
 * Scope: persons whose scope_region lies in the caller's subtree are loaded, with
 * their facts and relations; relations to persons outside it are dropped. The screening
 * job of the server loads with store_scope_system (the whole database).
 * Everything is read inside one read transaction, so the snapshot is consistent.
 */
#ifndef WB_STORE_SCREEN_LOAD_H
#define WB_STORE_SCREEN_LOAD_H
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct snapshot;
struct store;
struct wb_scope;

/* Load persons, current facts and relations in scope into a new snapshot. */
int store_screen_load(struct store *st, const struct wb_scope *sc, struct snapshot **out,
		      struct wb_error *err);

/* Re-read one person (row, current facts, relations as the anchor) and replace it in the
 * snapshot (snapshot_update_person): affected[] receives the persons to re-screen.
 * WB_ENOTFOUND (PERSON_NOT_FOUND) when the person does not exist or is out of scope. The
 * caller holds the snapshot exclusively. */
int store_screen_reload_person(struct store *st, const struct wb_scope *sc, struct snapshot *s,
			       int64_t person_id, uint32_t *affected, size_t cap, size_t *naffected,
			       struct wb_error *err);

#endif
