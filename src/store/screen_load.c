/*
 * screen_load -- persons, current facts and relations into a screening snapshot (see
 * screen_load.h).
 *
 * "Current" as in facts.c: a fact that is not retracted (an undone import) and not
 * superseded by a live correction. Validity dates are not filtered here: the engine
 * needs past facts too ("released last month", "within the last 12 months") and judges
 * them at its own reference date. The full load reads three tables with one cursor
 * each inside one read transaction; facts and relations of persons outside the scope
 * are read and dropped by the builder (the load is meant for the whole database).
 */
#include "store/screen_load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "core/xalloc.h"
#include "domain/snapshot.h"
#include "store/db.h"
#include "store/store.h"

static const char SQL_PERSONS[] =
	"SELECT id, birth_date, household_id, household_region, scope_region, gender "
	"FROM persons WHERE scope_region >= ? AND scope_region < ?";
static const char SQL_PERSON[] =
	"SELECT id, birth_date, household_id, household_region, scope_region, gender "
	"FROM persons WHERE id = ?";
#define CURRENT_FACT                                                                               \
	" f.retracted_at IS NULL AND NOT EXISTS (SELECT 1 FROM facts g WHERE g.supersedes = f.id " \
	"AND g.retracted_at IS NULL)"
static const char SQL_FACTS[] = "SELECT f.id, f.person_id, f.type, f.value, f.valid_from, "
				"f.valid_to FROM facts f WHERE" CURRENT_FACT;
static const char SQL_PERSON_FACTS[] =
	"SELECT f.id, f.person_id, f.type, f.value, f.valid_from, "
	"f.valid_to FROM facts f WHERE f.person_id = ? AND" CURRENT_FACT;
static const char SQL_RELATIONS[] =
	"SELECT person_id, related_id, kind, is_guardian, lives_with FROM relations";
static const char SQL_REFERRERS[] = "SELECT person_id FROM relations WHERE related_id = ?";
static const char SQL_PERSON_RELATIONS[] = "SELECT person_id, related_id, kind, is_guardian, "
					   "lives_with FROM relations WHERE person_id = ?";

static const char *text(struct db_stmt *s, int c)
{
	return db_col_is_null(s, c) ? NULL : db_col_text(s, c);
}

static int32_t day_of(struct db_stmt *s, int c, int32_t missing)
{
	int64_t d;
	const char *t = text(s, c);
	if (!t || date_parse(t, &d) || d <= INT32_MIN + 1 || d >= INT32_MAX - 1)
		return missing;
	return (int32_t)d;
}

static void read_person(struct db_stmt *s, struct snapshot_person_in *p)
{
	const char *g = text(s, 5);
	p->id = db_col_int(s, 0);
	p->birth = day_of(s, 1, SNAPSHOT_NO_DATE);
	p->household_id = db_col_is_null(s, 2) ? 0 : db_col_int(s, 2);
	p->household_region = snapshot_region_code(text(s, 3));
	p->scope_region = snapshot_region_code(text(s, 4));
	p->gender = g && *g ? g[0] : 'U';
}

/* 0 when the fact's type is outside the screening catalog (skipped). */
static int read_fact(struct db_stmt *s, struct snapshot_fact_in *f)
{
	f->id = db_col_int(s, 0);
	f->person_id = db_col_int(s, 1);
	f->type = snapshot_fact_type_id(text(s, 2));
	if (f->type < 0)
		return 0;
	int32_t v = snapshot_value_code(f->type, text(s, 3));
	f->value = v < 0 ? 0 : v;
	f->from = day_of(s, 4, SNAPSHOT_DAY_MIN);
	f->to = day_of(s, 5, SNAPSHOT_DAY_MAX);
	return 1;
}

static int read_relation(struct db_stmt *s, struct snapshot_relation_in *r)
{
	r->person_id = db_col_int(s, 0);
	r->related_id = db_col_int(s, 1);
	r->kind = snapshot_rel_kind_id(text(s, 2));
	r->flags = (db_col_int(s, 3) ? SNAP_RF_GUARDIAN : 0) |
		   (db_col_int(s, 4) ? SNAP_RF_LIVES_WITH : 0);
	return r->kind >= 0;
}

static int load_all(struct store *st, const struct wb_scope *sc, struct snapshot_builder *b,
		    struct wb_error *err)
{
	int rc;
	struct db_stmt *s = db_stmt(st->db, SQL_PERSONS);
	db_bind_text(s, 1, sc->lo);
	db_bind_text(s, 2, sc->hi);
	while ((rc = db_step(s, err)) == DB_ROW) {
		struct snapshot_person_in p;
		read_person(s, &p);
		snapshot_builder_add_person(b, &p);
	}
	db_done(s);
	if (rc < 0)
		return rc;
	s = db_stmt(st->db, SQL_FACTS);
	while ((rc = db_step(s, err)) == DB_ROW) {
		struct snapshot_fact_in f;
		if (read_fact(s, &f))
			snapshot_builder_add_fact(b, &f);
	}
	db_done(s);
	if (rc < 0)
		return rc;
	s = db_stmt(st->db, SQL_RELATIONS);
	while ((rc = db_step(s, err)) == DB_ROW) {
		struct snapshot_relation_in r;
		if (read_relation(s, &r))
			snapshot_builder_add_relation(b, &r);
	}
	db_done(s);
	return rc < 0 ? rc : 0;
}

int store_screen_load(struct store *st, const struct wb_scope *sc, struct snapshot **out,
		      struct wb_error *err)
{
	*out = NULL;
	struct snapshot_builder *b = snapshot_builder_new();
	int rc = db_begin_read(st->db, err);
	if (rc) {
		snapshot_builder_free(b);
		return rc;
	}
	rc = load_all(st, sc, b, err);
	db_rollback(st->db); /* read only: nothing to keep */
	if (rc) {
		snapshot_builder_free(b);
		return rc;
	}
	return snapshot_builder_finish(out, b, err);
}

/* ---- one person -------------------------------------------------------------------- */

struct one {
	struct snapshot_person_in p;
	struct snapshot_fact_in *facts;
	size_t nfacts;
	struct snapshot_relation_in rels[SNAPSHOT_MAX_RELATIONS_PER_PERSON];
	size_t nrels;
};

static int too_many(struct wb_error *err)
{
	return wb_error_set(err, WB_ETOOBIG, 413, "SNAPSHOT_TOO_BIG",
			    "此人的事实或关系条数超过筛查上限",
			    "the person has more facts or relations than screening allows");
}

static int read_one(struct store *st, const struct wb_scope *sc, int64_t id, struct one *o,
		    struct wb_error *err)
{
	int rc, found = 0;
	struct db_stmt *s = db_stmt(st->db, SQL_PERSON);
	db_bind_int(s, 1, id);
	if ((rc = db_step(s, err)) == DB_ROW) {
		read_person(s, &o->p);
		found = store_scope_has_region(sc, text(s, 4) ? text(s, 4) : "");
	}
	db_done(s);
	if (rc < 0)
		return rc;
	if (!found)
		return wb_error_set(err, WB_ENOTFOUND, 404, "PERSON_NOT_FOUND", "人员不存在",
				    "person not found");
	s = db_stmt(st->db, SQL_PERSON_FACTS);
	db_bind_int(s, 1, id);
	while ((rc = db_step(s, err)) == DB_ROW) {
		if (o->nfacts == SNAPSHOT_MAX_FACTS_PER_PERSON) {
			rc = too_many(err);
			break;
		}
		if (read_fact(s, &o->facts[o->nfacts]))
			o->nfacts++;
	}
	db_done(s);
	if (rc < 0)
		return rc;
	s = db_stmt(st->db, SQL_PERSON_RELATIONS);
	db_bind_int(s, 1, id);
	while ((rc = db_step(s, err)) == DB_ROW) {
		if (o->nrels == SNAPSHOT_MAX_RELATIONS_PER_PERSON) {
			rc = too_many(err);
			break;
		}
		if (read_relation(s, &o->rels[o->nrels]))
			o->nrels++;
	}
	db_done(s);
	return rc < 0 ? rc : 0;
}

/* Persons holding a relation to a person (the relation is stored with its anchor); all of
 * them (a guardian may stand for many children). *out is the caller's to free. */
static int referrers(struct store *st, int64_t person_id, int64_t **out, size_t *n,
		     struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_REFERRERS);
	db_bind_int(s, 1, person_id);
	int rc;
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	while ((rc = db_step(s, err)) == DB_ROW) {
		if (*n == cap)
			*out = xrealloc(*out, (cap = cap ? cap * 2 : 8) * sizeof(**out));
		(*out)[(*n)++] = db_col_int(s, 0);
	}
	db_done(s);
	return rc < 0 ? rc : 0;
}

static int reload(struct store *st, const struct wb_scope *sc, struct snapshot *s,
		  int64_t person_id, uint32_t *affected, size_t cap, size_t *naffected, int depth,
		  struct wb_error *err);

/* A person new to the snapshot: whoever holds a relation to them was loaded with that
 * relation dropped when they came first (its target was missing: a child and the parents
 * an import created together are reloaded child first). Those are loaded again, now that
 * the target is there, so that the relation and its dependency count. */
static int reload_referrers(struct store *st, const struct wb_scope *sc, struct snapshot *s,
			    int64_t person_id, uint32_t *affected, size_t cap, size_t *naffected,
			    int depth, struct wb_error *err)
{
	int64_t *ids;
	size_t n;
	int rc = referrers(st, person_id, &ids, &n, err);
	for (size_t i = 0; !rc && i < n; i++) {
		/* naffected counts past cap (snapshot_update_person counts, writes up to cap) */
		size_t used = *naffected < cap ? *naffected : cap, more = 0;
		rc = reload(st, sc, s, ids[i], affected + used, cap - used, &more, depth - 1, err);
		if (rc == WB_ENOTFOUND) /* out of scope: not in the snapshot either */
			rc = 0, wb_error_clear(err);
		*naffected = used + more;
	}
	free(ids);
	return rc;
}

int store_screen_reload_person(struct store *st, const struct wb_scope *sc, struct snapshot *s,
			       int64_t person_id, uint32_t *affected, size_t cap, size_t *naffected,
			       struct wb_error *err)
{
	/* depth 2: a new person's referrers, and theirs when they are new too */
	return reload(st, sc, s, person_id, affected, cap, naffected, 2, err);
}

static int reload(struct store *st, const struct wb_scope *sc, struct snapshot *s,
		  int64_t person_id, uint32_t *affected, size_t cap, size_t *naffected, int depth,
		  struct wb_error *err)
{
	*naffected = 0;
	int fresh = snapshot_find(s, person_id) == SNAPSHOT_NONE;
	struct one *o = xcalloc(1, sizeof(*o));
	o->facts = xmalloc(SNAPSHOT_MAX_FACTS_PER_PERSON * sizeof(*o->facts));
	/* Inside the caller's transaction when there is one (the screening worker reloads
	 * and writes results in one write transaction). */
	int own = !db_in_transaction(st->db);
	int rc = own ? db_begin_read(st->db, err) : 0;
	if (rc)
		goto out;
	rc = read_one(st, sc, person_id, o, err);
	if (!rc)
		rc = snapshot_update_person(s, &o->p, o->facts, o->nfacts, o->rels, o->nrels,
					    affected, cap, naffected, err);
	if (!rc && fresh && depth > 0)
		rc = reload_referrers(st, sc, s, person_id, affected, cap, naffected, depth, err);
	if (own)
		db_rollback(st->db);
out:
	free(o->facts);
	free(o);
	return rc;
}
