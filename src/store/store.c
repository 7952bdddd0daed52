/* store -- per-thread handle and scopes (see store.h). */
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "domain/role.h"
#include "store/db.h"
#include "store/migrate.h"
#include "store/sealed_rows.h"

int store_open(struct store *st, const char *path, const struct secret_keys *keys, int create,
	       int migrate, struct wb_error *err)
{
	memset(st, 0, sizeof(*st));
	st->keys = keys;
	int rc = db_open(&st->db, path, create, err);
	if (rc)
		return rc;
	if (migrate && !(rc = migrate_apply(st->db, err)))
		rc = sealed_rows_seal_legacy(st, err);
	if (rc) {
		db_close(st->db);
		st->db = NULL;
	}
	return rc;
}

void store_close(struct store *st)
{
	db_close(st->db);
	st->db = NULL;
	free(st->region_cache);
	free(st->unit_cache);
	st->region_cache = st->unit_cache = NULL;
}

void store_scope_init(struct wb_scope *sc, int64_t user_id, const char *username, int role,
		      int64_t unit_id, const char *region, const char *ip)
{
	memset(sc, 0, sizeof(*sc));
	sc->user_id = user_id;
	snprintf(sc->username, sizeof(sc->username), "%s", username ? username : "");
	sc->role = role;
	sc->unit_id = unit_id;
	snprintf(sc->region, sizeof(sc->region), "%s", region);
	region_subtree_range(sc->region, sc->lo, sc->hi);
	snprintf(sc->ip, sizeof(sc->ip), "%s", ip ? ip : "");
}

void store_scope_system(struct wb_scope *sc)
{
	memset(sc, 0, sizeof(*sc));
	sc->user_id = 0;
	snprintf(sc->username, sizeof(sc->username), "weibao");
	sc->role = ROLE_ADMIN;
	/* The whole country: every code is >= "0" and < ":". */
	sc->lo[0] = '0';
	sc->hi[0] = ':';
	snprintf(sc->ip, sizeof(sc->ip), "local");
}

int store_scope_has_region(const struct wb_scope *sc, const char *code)
{
	return strcmp(code, sc->lo) >= 0 && strcmp(code, sc->hi) < 0;
}

void store_now(char out[21])
{
	time_format(time_now(), out);
}
