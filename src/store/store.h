/*
 * store -- the handle every store function takes, and the caller's scope.
 *
 * A struct store is one thread's view of the database: its own connection plus the
 * process-wide keys. It is not shared between threads.
 *
 * struct wb_scope is the caller: who, in which role, for which unit, over which region
 * subtree, from which address. Functions that read or change personal data take a scope
 * and cannot be called without one; they filter rows by it, so a record outside the
 * scope answers exactly like a record that does not exist. The scope is built in one
 * place (store_scope_init) from the user's row.
 */
#ifndef WB_STORE_H
#define WB_STORE_H
#include <stdint.h>

#include "core/err.h"
#include "core/secret.h"
#include "domain/region.h"

struct db;

struct store {
	struct db *db;
	const struct secret_keys *keys;
	/* Per-connection caches of reference data (regions.c, units.c); freed by
	 * store_close. */
	void *region_cache;
	void *unit_cache;
};

struct wb_scope {
	int64_t user_id;
	char username[64];
	int role;
	int64_t unit_id;
	char region[REGION_CODE_MAX + 1];
	char lo[REGION_CODE_MAX + 1], hi[REGION_CODE_MAX + 1]; /* subtree range */
	char ip[48];
};

/* Open this thread's connection; applies pending migrations when migrate is set. */
int store_open(struct store *st, const char *path, const struct secret_keys *keys, int create,
	       int migrate, struct wb_error *err);
void store_close(struct store *st);

/* Fill a scope for a user. */
void store_scope_init(struct wb_scope *sc, int64_t user_id, const char *username, int role,
		      int64_t unit_id, const char *region, const char *ip);
/* The scope of weibao itself (CLI maintenance: demo, init). Role admin, whole country. */
void store_scope_system(struct wb_scope *sc);

/* 1 when code lies inside the scope's region subtree. */
int store_scope_has_region(const struct wb_scope *sc, const char *code);

/* Current UTC timestamp text for created_at/updated_at columns. */
void store_now(char out[21]);

#endif
