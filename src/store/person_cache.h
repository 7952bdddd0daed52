/*
 * person_cache -- rendered person records, shared by the server's threads, valid while
 * the registry version stands.
 *
 * A person read is the commonest request and most of its cost was SQLite finding the
 * person, its relations and their names again. The HTTP layer renders a record once and
 * hands the bytes to this cache; later reads of the same person are served from it as
 * long as nothing the record shows has changed: the registry version (migration 008,
 * moved by triggers on persons, relations, regions, units and relation kinds, from any
 * process) and the day (ages) are part of each entry.
 *
 * The cache is part of the store's scoping: a hit is served only after the caller's
 * scope admits the person's stored scope region or school (the same rule as the SQL),
 * and is audited like a read from the database. An out-of-scope hit answers exactly
 * like a person that does not exist. The bytes must not depend on who asks (the person
 * record is the same for every role allowed to read it); a view that does must not be
 * cached here.
 */
#ifndef WB_PERSON_CACHE_H
#define WB_PERSON_CACHE_H
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "store/persons.h"
#include "store/store.h"

/* Size the cache (slots, a power of two is used; 0 turns it off). Call once, before
 * threads start; without it the cache is off (the CLI). An entry may carry an attachment
 * made from its bytes by the layer above (the server's ready response); free_attachment
 * (may be NULL) releases it when the entry is replaced or the cache freed. */
void person_cache_init(size_t slots, void (*free_attachment)(void *attachment));
void person_cache_free(void);
int person_cache_enabled(void);

/* The registry version, read in the caller's (read) transaction. */
int store_registry_version(struct store *st, int64_t *n, struct wb_error *err);

/* Look a person up. 1: a hit in scope, audited as person.read; cb was called with the
 * bytes and the entry's attachment (under the cache's lock: use or copy them there; cb
 * may set *attachment when it is NULL, and the entry then owns it). 0: not cached for
 * this version and day. WB_ENOTFOUND (err set as for a missing person): cached, but
 * outside the caller's scope. */
int person_cache_get(struct store *st, const struct wb_scope *sc, int64_t id, int64_t version,
		     void (*cb)(void *ctx, const char *data, size_t len, void **attachment),
		     void *ctx, struct wb_error *err);
/* Keep the bytes rendered for p under the registry version and the day (date_today())
 * both read before the person was. */
void person_cache_put(const struct person *p, int64_t version, int64_t day, const char *data,
		      size_t len);

#endif
