/* screening -- rule sets, results, memberships, decisions, overrides, events (see
 * screening.h). */
#include "store/screening.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "core/xalloc.h"
#include "domain/role.h"
#include "store/audit.h"
#include "store/db.h"
#include "store/persons.h"
#include "store/store.h"

/* ---- rule sets -------------------------------------------------------------------- */

#define RS_COLS                                                                                    \
	"r.version, r.label, r.status, r.note, cu.username, pu.username, r.created_at, "           \
	"r.published_at "
#define RS_FROM                                                                                    \
	"FROM rule_sets r LEFT JOIN users cu ON cu.id = r.created_by "                             \
	"LEFT JOIN users pu ON pu.id = r.published_by "

static const char SQL_RS_PUBLISHED[] =
	"SELECT " RS_COLS ", r.source " RS_FROM "WHERE r.status = 'published'";
static const char SQL_RS_GET[] = "SELECT " RS_COLS ", r.source " RS_FROM "WHERE r.version = ?";
static const char SQL_RS_LIST[] = "SELECT " RS_COLS RS_FROM "ORDER BY r.version DESC";
static const char SQL_RS_COUNT[] = "SELECT count(*) FROM rule_sets";
static const char SQL_RS_INSERT[] =
	"INSERT INTO rule_sets (version, label, source, status, note, created_by, created_at, "
	"published_by, published_at) VALUES ((SELECT coalesce(max(version), 0) + 1 FROM "
	"rule_sets), ?, ?, ?, ?, ?, ?, ?, ?) RETURNING version";
static const char SQL_RS_STATUS[] = "SELECT status FROM rule_sets WHERE version = ?";
static const char SQL_RS_RETIRE[] =
	"UPDATE rule_sets SET status = 'retired' WHERE status = 'published'";
static const char SQL_RS_PUBLISH[] =
	"UPDATE rule_sets SET status = 'published', published_by = ?, published_at = ? "
	"WHERE version = ?";

static void copy(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

static void rs_fill(struct db_stmt *s, struct rule_set_row *r, int with_source)
{
	memset(r, 0, sizeof(*r));
	r->version = db_col_int(s, 0);
	copy(r->label, sizeof(r->label), db_col_text(s, 1));
	copy(r->status, sizeof(r->status), db_col_text(s, 2));
	copy(r->note, sizeof(r->note), db_col_text(s, 3));
	copy(r->created_by_name, sizeof(r->created_by_name), db_col_text(s, 4));
	copy(r->published_by_name, sizeof(r->published_by_name), db_col_text(s, 5));
	copy(r->created_at, sizeof(r->created_at), db_col_text(s, 6));
	copy(r->published_at, sizeof(r->published_at), db_col_text(s, 7));
	if (with_source)
		r->source = xstrdup(db_col_text(s, 8) ? db_col_text(s, 8) : "");
}

/* End the caller's write transaction: commit on success, roll back on an error. */
static int finish(struct store *st, int rc, struct wb_error *err)
{
	if (rc) {
		db_rollback(st->db);
		return rc;
	}
	return db_commit(st->db, err);
}

static int rs_not_found(struct wb_error *err)
{
	return wb_error_set(err, WB_ENOTFOUND, 404, "RULESET_NOT_FOUND", "规则集不存在",
			    "no such rule set");
}

static int rs_one(struct store *st, const char *sql, int64_t version, struct rule_set_row *out,
		  struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, sql);
	if (version)
		db_bind_int(s, 1, version);
	int rc = db_step(s, err);
	if (rc == DB_ROW)
		rs_fill(s, out, 1);
	db_done(s);
	if (rc == DB_DONE)
		return rs_not_found(err);
	return rc < 0 ? rc : 0;
}

int store_rulesets_published(struct store *st, struct rule_set_row *out, struct wb_error *err)
{
	return rs_one(st, SQL_RS_PUBLISHED, 0, out, err);
}

int store_rulesets_get(struct store *st, int64_t version, struct rule_set_row *out,
		       struct wb_error *err)
{
	return rs_one(st, SQL_RS_GET, version, out, err);
}

static int rs_insert(struct store *st, int64_t user, const char *label, const char *note,
		     const char *source, int published, int64_t *version, struct wb_error *err)
{
	char now[21];
	store_now(now);
	struct db_stmt *s = db_stmt(st->db, SQL_RS_INSERT);
	db_bind_text(s, 1, label);
	db_bind_text(s, 2, source);
	db_bind_text(s, 3, published ? "published" : "draft");
	db_bind_text(s, 4, note);
	if (user)
		db_bind_int(s, 5, user);
	db_bind_text(s, 6, now);
	if (published) {
		if (user)
			db_bind_int(s, 7, user);
		db_bind_text(s, 8, now);
	}
	int rc = db_step(s, err);
	if (rc == DB_ROW && version)
		*version = db_col_int(s, 0);
	db_done(s);
	return rc < 0 ? rc : 0;
}

int store_rulesets_seed(struct store *st, const char *label, const char *source,
			struct wb_error *err)
{
	int rc = db_begin_write(st->db, err);
	if (rc)
		return rc;
	struct db_stmt *s = db_stmt(st->db, SQL_RS_COUNT);
	rc = db_step(s, err);
	int64_t n = rc == DB_ROW ? db_col_int(s, 0) : 0;
	db_done(s);
	rc = rc < 0 ? rc : 0;
	if (!rc && n == 0)
		rc = rs_insert(st, 0, label, "内置规则集 / built-in rule set", source, 1, NULL,
			       err);
	return finish(st, rc, err);
}

int store_rulesets_list(struct store *st, void (*cb)(void *ctx, const struct rule_set_row *r),
			void *ctx, struct wb_error *err)
{
	struct rule_set_row r;
	struct db_stmt *s = db_stmt(st->db, SQL_RS_LIST);
	int rc;
	while ((rc = db_step(s, err)) == DB_ROW) {
		rs_fill(s, &r, 0);
		cb(ctx, &r);
	}
	db_done(s);
	return rc < 0 ? rc : 0;
}

int store_rulesets_add(struct store *st, const struct wb_scope *sc, const char *label,
		       const char *note, const char *source, int64_t *version, struct wb_error *err)
{
	int rc = db_begin_write(st->db, err);
	if (rc)
		return rc;
	rc = rs_insert(st, sc->user_id, label, note, source, 0, version, err);
	if (!rc) {
		struct audit_entry e = {"ruleset.create", "rule_set", *version, NULL};
		rc = store_audit_append(st, sc, &e, err);
	}
	return finish(st, rc, err);
}

int store_rulesets_publish(struct store *st, const struct wb_scope *sc, int64_t version,
			   struct wb_error *err)
{
	char now[21];
	int rc = db_begin_write(st->db, err);
	if (rc)
		return rc;
	struct db_stmt *s = db_stmt(st->db, SQL_RS_STATUS);
	db_bind_int(s, 1, version);
	rc = db_step(s, err);
	int draft = rc == DB_ROW && !strcmp(db_col_text(s, 0), "draft");
	db_done(s);
	if (rc == DB_DONE)
		rc = rs_not_found(err);
	else if (rc == DB_ROW && !draft)
		rc = wb_error_set(err, WB_ECONFLICT, 409, "RULESET_NOT_DRAFT",
				  "只能发布草稿状态的规则集",
				  "only a draft rule set can be published");
	else
		rc = rc < 0 ? rc : 0;
	if (!rc) {
		store_now(now);
		rc = db_step_done(db_stmt(st->db, SQL_RS_RETIRE), err);
	}
	if (!rc) {
		s = db_stmt(st->db, SQL_RS_PUBLISH);
		db_bind_int(s, 1, sc->user_id);
		db_bind_text(s, 2, now);
		db_bind_int(s, 3, version);
		rc = db_step_done(s, err);
	}
	if (!rc) {
		struct audit_entry e = {"ruleset.publish", "rule_set", version, NULL};
		rc = store_audit_append(st, sc, &e, err);
	}
	return finish(st, rc, err);
}

/* ---- results ---------------------------------------------------------------------- */

static const char SQL_OLD_RESULT[] = "SELECT level FROM screen_results WHERE person_id = ?";
static const char SQL_OLD_MEM[] =
	"SELECT category, status, facts_key FROM screen_memberships WHERE person_id = ?";
static const char SQL_PUT_RESULT[] =
	"INSERT INTO screen_results (person_id, scope_region, level, score, guardianship, "
	"categories, explanation, rule_version, eval_date, computed_at) "
	"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (person_id) DO UPDATE SET "
	"scope_region = excluded.scope_region, level = excluded.level, score = excluded.score, "
	"guardianship = excluded.guardianship, categories = excluded.categories, "
	"explanation = excluded.explanation, rule_version = excluded.rule_version, "
	"eval_date = excluded.eval_date, computed_at = excluded.computed_at";
static const char SQL_DEL_RESULT[] = "DELETE FROM screen_results WHERE person_id = ?";
static const char SQL_MEM_INSERT[] =
	"INSERT INTO screen_memberships (person_id, category, scope_region, status, facts_key, "
	"since, rule_version, sensitive) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_MEM_UPDATE[] =
	"UPDATE screen_memberships SET status = ?, facts_key = ?, scope_region = ?, "
	"rule_version = ?, sensitive = ? WHERE person_id = ? AND category = ?";
static const char SQL_MEM_DELETE[] =
	"DELETE FROM screen_memberships WHERE person_id = ? AND category = ?";
static const char SQL_LAST_DECISION[] =
	"SELECT decision, facts_key FROM screen_decisions WHERE person_id = ? AND category = ? "
	"ORDER BY id DESC LIMIT 1";
static const char SQL_EVENT[] =
	"INSERT INTO screen_events (person_id, scope_region, kind, category, before, after, "
	"rule_version, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_FLAGGED[] = "SELECT person_id FROM screen_results";

struct old_mem {
	char code[SCREEN_CODE_MAX];
	char status[12];
	char key[SCREEN_KEY_MAX];
	int kept;
};

static int event(struct store *st, const struct screen_put *p, const char *kind, const char *cat,
		 int before, int after, int64_t version, const char *now, struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_EVENT);
	db_bind_int(s, 1, p->person_id);
	db_bind_text(s, 2, p->scope_region);
	db_bind_text(s, 3, kind);
	db_bind_text(s, 4, cat);
	if (!cat) {
		db_bind_int(s, 5, before);
		db_bind_int(s, 6, after);
	}
	db_bind_int(s, 7, version);
	db_bind_text(s, 8, now);
	return db_step_done(s, err);
}

static int load_old(struct store *st, int64_t person, int *level, struct old_mem *m, int *n,
		    struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_OLD_RESULT);
	db_bind_int(s, 1, person);
	int rc = db_step(s, err);
	*level = rc == DB_ROW ? (int)db_col_int(s, 0) : 0;
	db_done(s);
	if (rc < 0)
		return rc;
	*n = 0;
	s = db_stmt(st->db, SQL_OLD_MEM);
	db_bind_int(s, 1, person);
	while ((rc = db_step(s, err)) == DB_ROW && *n < SCREEN_CATEGORIES_MAX) {
		struct old_mem *o = &m[(*n)++];
		copy(o->code, sizeof(o->code), db_col_text(s, 0));
		copy(o->status, sizeof(o->status), db_col_text(s, 1));
		copy(o->key, sizeof(o->key), db_col_text(s, 2));
		o->kept = 0;
	}
	db_done(s);
	return rc < 0 ? rc : 0;
}

/* A new membership starts rejected when the last decision rejected these same facts. */
static const char *initial_status(struct store *st, int64_t person, const char *cat,
				  const char *key, struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_LAST_DECISION);
	db_bind_int(s, 1, person);
	db_bind_text(s, 2, cat);
	const char *status = "suggested";
	if (db_step(s, err) == DB_ROW && !strcmp(db_col_text(s, 1), key))
		status = !strcmp(db_col_text(s, 0), "reject") ? "rejected" : "confirmed";
	db_done(s);
	return status;
}

static int mem_write(struct store *st, const char *sql, const struct screen_put *p, const char *cat,
		     const char *status, const char *key, int sensitive, int64_t version,
		     const char *now, struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, sql);
	if (sql == SQL_MEM_INSERT) {
		db_bind_int(s, 1, p->person_id);
		db_bind_text(s, 2, cat);
		db_bind_text(s, 3, p->scope_region);
		db_bind_text(s, 4, status);
		db_bind_text(s, 5, key);
		db_bind_text(s, 6, now);
		db_bind_int(s, 7, version);
		db_bind_int(s, 8, sensitive);
	} else if (sql == SQL_MEM_UPDATE) {
		db_bind_text(s, 1, status);
		db_bind_text(s, 2, key);
		db_bind_text(s, 3, p->scope_region);
		db_bind_int(s, 4, version);
		db_bind_int(s, 5, sensitive);
		db_bind_int(s, 6, p->person_id);
		db_bind_text(s, 7, cat);
	} else {
		db_bind_int(s, 1, p->person_id);
		db_bind_text(s, 2, cat);
	}
	return db_step_done(s, err);
}

/* A kept membership: new facts behind a rejected one make it a suggestion again. */
static int mem_keep(struct store *st, const struct screen_put *p, struct old_mem *o,
		    const struct screen_put_category *c, int64_t version, const char *now,
		    struct wb_error *err)
{
	o->kept = 1;
	if (!strcmp(o->key, c->facts_key))
		return 0;
	const char *status = !strcmp(o->status, "rejected") ? "suggested" : o->status;
	return mem_write(st, SQL_MEM_UPDATE, p, o->code, status, c->facts_key, c->sensitive,
			 version, now, err);
}

static int put_memberships(struct store *st, const struct screen_put *p, struct old_mem *old,
			   int nold, int64_t version, const char *now, int64_t *events,
			   struct wb_error *err)
{
	int rc = 0;
	for (int i = 0; i < p->ncat && !rc; i++) {
		const struct screen_put_category *c = &p->cat[i];
		struct old_mem *o = NULL;
		for (int j = 0; j < nold && !o; j++)
			if (!strcmp(old[j].code, c->code))
				o = &old[j];
		if (o) {
			rc = mem_keep(st, p, o, c, version, now, err);
			continue;
		}
		const char *status = initial_status(st, p->person_id, c->code, c->facts_key, err);
		rc = mem_write(st, SQL_MEM_INSERT, p, c->code, status, c->facts_key, c->sensitive,
			       version, now, err);
		if (!rc)
			rc = event(st, p, "category_gained", c->code, 0, 0, version, now, err);
		*events += !rc;
	}
	for (int j = 0; j < nold && !rc; j++) {
		if (old[j].kept)
			continue;
		rc = mem_write(st, SQL_MEM_DELETE, p, old[j].code, NULL, NULL, 0, version, now,
			       err);
		if (!rc)
			rc = event(st, p, "category_lost", old[j].code, 0, 0, version, now, err);
		*events += !rc;
	}
	return rc;
}

static void join_codes(const struct screen_put *p, char *out, size_t cap)
{
	size_t len = 0;
	out[0] = 0;
	for (int i = 0; i < p->ncat; i++)
		len += (size_t)snprintf(out + len, len < cap ? cap - len : 0, "%s%s", i ? "|" : "",
					p->cat[i].code);
}

static int put_result(struct store *st, const struct screen_put *p, int64_t version,
		      const char *eval_date, const char *now, struct wb_error *err)
{
	char codes[SCREEN_CATEGORIES_MAX * SCREEN_CODE_MAX];
	struct db_stmt *s;
	if (p->ncat == 0 && p->level == 0) {
		s = db_stmt(st->db, SQL_DEL_RESULT);
		db_bind_int(s, 1, p->person_id);
	} else {
		join_codes(p, codes, sizeof(codes));
		s = db_stmt(st->db, SQL_PUT_RESULT);
		db_bind_int(s, 1, p->person_id);
		db_bind_text(s, 2, p->scope_region);
		db_bind_int(s, 3, p->level);
		db_bind_int(s, 4, p->score);
		db_bind_text(s, 5, p->guardianship);
		db_bind_text(s, 6, codes);
		db_bind_text(s, 7, p->explanation ? p->explanation : "{}");
		db_bind_int(s, 8, version);
		db_bind_text(s, 9, eval_date);
		db_bind_text(s, 10, now);
	}
	return db_step_done(s, err);
}

int store_screening_put(struct store *st, const struct screen_put *p, int64_t rule_version,
			const char *eval_date, struct screen_put_stats *stats, struct wb_error *err)
{
	struct old_mem old[SCREEN_CATEGORIES_MAX];
	int old_level, nold;
	char now[21];
	int64_t events = 0;
	store_now(now);
	int rc = load_old(st, p->person_id, &old_level, old, &nold, err);
	if (!rc)
		rc = put_memberships(st, p, old, nold, rule_version, now, &events, err);
	if (!rc && old_level != p->level) {
		rc = event(st, p, p->level > old_level ? "level_raised" : "level_lowered", NULL,
			   old_level, p->level, rule_version, now, err);
		events += !rc;
	}
	if (!rc)
		rc = put_result(st, p, rule_version, eval_date, now, err);
	if (!rc && stats) {
		stats->persons++;
		stats->flagged += p->ncat > 0 || p->level > 0;
		stats->events += events;
	}
	return rc;
}

int store_screening_flagged(struct store *st, void (*cb)(void *ctx, int64_t person_id), void *ctx,
			    struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_FLAGGED);
	int rc;
	while ((rc = db_step(s, err)) == DB_ROW)
		cb(ctx, db_col_int(s, 0));
	db_done(s);
	return rc < 0 ? rc : 0;
}

static const char SQL_RUN_LOG[] =
	"INSERT INTO screen_runs (rule_version, eval_date, kind, persons, flagged, events, "
	"started_at, finished_at, started_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_LAST_RUN[] =
	"SELECT substr(eval_date, 1, 7), rule_version FROM screen_runs ORDER BY id DESC LIMIT 1";

int store_screening_run_log(struct store *st, int64_t rule_version, const char *eval_date,
			    const char *kind, const struct screen_put_stats *x,
			    const char *started_at, int64_t started_by, struct wb_error *err)
{
	char now[21];
	store_now(now);
	struct db_stmt *s = db_stmt(st->db, SQL_RUN_LOG);
	db_bind_int(s, 1, rule_version);
	db_bind_text(s, 2, eval_date);
	db_bind_text(s, 3, kind);
	db_bind_int(s, 4, x->persons);
	db_bind_int(s, 5, x->flagged);
	db_bind_int(s, 6, x->events);
	db_bind_text(s, 7, started_at);
	db_bind_text(s, 8, now);
	if (started_by)
		db_bind_int(s, 9, started_by);
	return db_step_done(s, err);
}

int store_screening_last_run(struct store *st, char month[8], int64_t *rule_version,
			     struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_LAST_RUN);
	int rc = db_step(s, err);
	month[0] = 0;
	*rule_version = 0;
	if (rc == DB_ROW) {
		copy(month, 8, db_col_text(s, 0));
		*rule_version = db_col_int(s, 1);
	}
	db_done(s);
	return rc < 0 ? rc : 0;
}

static const char SQL_QUEUE[] = "INSERT INTO screen_dirty (person_id) VALUES (?)";

int store_screening_queue(struct store *st, int64_t person_id, struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_QUEUE);
	db_bind_int(s, 1, person_id);
	return db_step_done(s, err);
}

static const char SQL_DIRTY_PEEK[] = "SELECT count(*), coalesce(max(seq), 0) FROM screen_dirty";
static const char SQL_DIRTY_LIST[] =
	"SELECT DISTINCT person_id FROM screen_dirty WHERE seq <= ? ORDER BY person_id";
static const char SQL_DIRTY_CLEAR[] = "DELETE FROM screen_dirty WHERE seq <= ?";
static const char SQL_SPANS_PENDING[] =
	"SELECT import_id, first_id, screened_to, last_id FROM import_fact_spans "
	"WHERE screened_to < last_id ORDER BY import_id, first_id";
/* A span's facts up to `upto` were committed with the span row that reached it. */
static const char SQL_SPAN_PERSONS[] =
	"SELECT person_id FROM facts WHERE id > ? AND id <= ? AND import_id = ?";
static const char SQL_SPAN_SCREENED[] =
	"UPDATE import_fact_spans SET screened_to = ? WHERE import_id = ? AND first_id = ? "
	"AND screened_to < ?";

int store_screening_dirty_peek(struct store *st, int64_t *count, struct screen_queue_mark *mark,
			       struct wb_error *err)
{
	memset(mark, 0, sizeof(*mark));
	struct db_stmt *s = db_stmt(st->db, SQL_DIRTY_PEEK);
	int rc = db_step(s, err);
	*count = rc == DB_ROW ? db_col_int(s, 0) : 0;
	mark->max_seq = rc == DB_ROW ? db_col_int(s, 1) : 0;
	db_done(s);
	if (rc < 0)
		return rc;
	size_t cap = 0;
	s = db_stmt(st->db, SQL_SPANS_PENDING);
	while ((rc = db_step(s, err)) == DB_ROW) {
		if (mark->nspans == cap)
			mark->spans = xrealloc(mark->spans,
					       (cap = cap ? cap * 2 : 8) * sizeof(*mark->spans));
		struct screen_span_mark *m = &mark->spans[mark->nspans++];
		m->import_id = db_col_int(s, 0);
		m->first_id = db_col_int(s, 1);
		m->from = db_col_int(s, 2);
		m->upto = db_col_int(s, 3);
		*count += m->upto - m->from;
	}
	db_done(s);
	if (rc < 0)
		store_screening_mark_free(mark);
	return rc < 0 ? rc : 0;
}

void store_screening_mark_free(struct screen_queue_mark *mark)
{
	free(mark->spans);
	mark->spans = NULL;
	mark->nspans = 0;
}

int store_screening_dirty_list(struct store *st, const struct screen_queue_mark *mark,
			       void (*cb)(void *ctx, int64_t person_id), void *ctx,
			       struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_DIRTY_LIST);
	db_bind_int(s, 1, mark->max_seq);
	int rc;
	while ((rc = db_step(s, err)) == DB_ROW)
		cb(ctx, db_col_int(s, 0));
	db_done(s);
	for (size_t i = 0; rc >= 0 && i < mark->nspans; i++) {
		const struct screen_span_mark *m = &mark->spans[i];
		s = db_stmt(st->db, SQL_SPAN_PERSONS);
		db_bind_int(s, 1, m->from);
		db_bind_int(s, 2, m->upto);
		db_bind_int(s, 3, m->import_id);
		while ((rc = db_step(s, err)) == DB_ROW)
			cb(ctx, db_col_int(s, 0));
		db_done(s);
	}
	return rc < 0 ? rc : 0;
}

int store_screening_dirty_clear(struct store *st, const struct screen_queue_mark *mark,
				struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_DIRTY_CLEAR);
	db_bind_int(s, 1, mark->max_seq);
	int rc = db_step_done(s, err);
	for (size_t i = 0; !rc && i < mark->nspans; i++) {
		const struct screen_span_mark *m = &mark->spans[i];
		s = db_stmt(st->db, SQL_SPAN_SCREENED);
		db_bind_int(s, 1, m->upto);
		db_bind_int(s, 2, m->import_id);
		db_bind_int(s, 3, m->first_id);
		db_bind_int(s, 4, m->upto);
		rc = db_step_done(s, err);
	}
	return rc;
}

/* ---- a person's screening ----------------------------------------------------------- */

static const char SQL_PERSON[] =
	"SELECT level, score, guardianship, eval_date, computed_at, rule_version, explanation "
	"FROM screen_results WHERE person_id = ?";
static const char SQL_PERSON_MEM[] =
	"SELECT category, status, since, sensitive FROM screen_memberships WHERE person_id = ? "
	"ORDER BY category";
static const char SQL_OVERRIDE[] =
	"SELECT o.id, o.level, o.computed, o.reason, o.expires_on, u.username, o.created_at "
	"FROM screen_overrides o LEFT JOIN users u ON u.id = o.created_by "
	"WHERE o.person_id = ? AND o.revoked_at IS NULL AND o.expires_on >= ? "
	"ORDER BY o.id DESC LIMIT 1";

static void today(char out[11])
{
	char now[21];
	store_now(now);
	snprintf(out, 11, "%.10s", now);
}

static int current_override(struct store *st, int64_t person, struct screen_override_row *o,
			    struct wb_error *err)
{
	char day[11];
	today(day);
	struct db_stmt *s = db_stmt(st->db, SQL_OVERRIDE);
	db_bind_int(s, 1, person);
	db_bind_text(s, 2, day);
	int rc = db_step(s, err);
	int found = rc == DB_ROW;
	if (found) {
		o->id = db_col_int(s, 0);
		o->level = (int)db_col_int(s, 1);
		o->computed = (int)db_col_int(s, 2);
		copy(o->reason, sizeof(o->reason), db_col_text(s, 3));
		copy(o->expires_on, sizeof(o->expires_on), db_col_text(s, 4));
		copy(o->created_by_name, sizeof(o->created_by_name), db_col_text(s, 5));
		copy(o->created_at, sizeof(o->created_at), db_col_text(s, 6));
	}
	db_done(s);
	return rc < 0 ? rc : found;
}

static int person_result(struct store *st, int64_t person, struct screen_person_row *out,
			 struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_PERSON);
	db_bind_int(s, 1, person);
	int rc = db_step(s, err);
	if (rc == DB_ROW) {
		out->found = 1;
		out->level = (int)db_col_int(s, 0);
		out->score = (int)db_col_int(s, 1);
		copy(out->guardianship, sizeof(out->guardianship), db_col_text(s, 2));
		copy(out->eval_date, sizeof(out->eval_date), db_col_text(s, 3));
		copy(out->computed_at, sizeof(out->computed_at), db_col_text(s, 4));
		out->rule_version = db_col_int(s, 5);
		out->explanation = xstrdup(db_col_text(s, 6) ? db_col_text(s, 6) : "{}");
	}
	db_done(s);
	if (rc < 0)
		return rc;
	s = db_stmt(st->db, SQL_PERSON_MEM);
	db_bind_int(s, 1, person);
	while ((rc = db_step(s, err)) == DB_ROW && out->nmem < SCREEN_CATEGORIES_MAX) {
		struct screen_membership_row *m = &out->mem[out->nmem++];
		copy(m->category, sizeof(m->category), db_col_text(s, 0));
		copy(m->status, sizeof(m->status), db_col_text(s, 1));
		copy(m->since, sizeof(m->since), db_col_text(s, 2));
		m->sensitive = (int)db_col_int(s, 3);
	}
	db_done(s);
	return rc < 0 ? rc : 0;
}

int store_screening_person(struct store *st, const struct wb_scope *sc, int64_t person_id,
			   struct screen_person_row *out, struct wb_error *err)
{
	memset(out, 0, sizeof(*out));
	int rc = store_persons_visible(st, sc, person_id, err);
	if (!rc)
		rc = person_result(st, person_id, out, err);
	if (!rc) {
		int has = current_override(st, person_id, &out->ov, err);
		rc = has < 0 ? has : 0;
		out->has_override = has > 0;
		out->effective = has > 0 ? out->ov.level : out->level;
	}
	if (rc) {
		free(out->explanation);
		out->explanation = NULL;
		return rc;
	}
	struct audit_entry e = {"screening.read", "person", person_id, NULL};
	audit_queue_push(st, sc, &e);
	return 0;
}

static const char SQL_EVENTS[] =
	"SELECT id, person_id, kind, category, before, after, rule_version, at "
	"FROM screen_events WHERE person_id = ? ORDER BY id DESC LIMIT ?";

int store_screening_events(struct store *st, const struct wb_scope *sc, int64_t person_id,
			   int limit, void (*cb)(void *ctx, const struct screen_event_row *e),
			   void *ctx, struct wb_error *err)
{
	struct screen_event_row e;
	int rc = store_persons_visible(st, sc, person_id, err);
	if (rc)
		return rc;
	struct db_stmt *s = db_stmt(st->db, SQL_EVENTS);
	db_bind_int(s, 1, person_id);
	db_bind_int(s, 2, limit);
	while ((rc = db_step(s, err)) == DB_ROW) {
		memset(&e, 0, sizeof(e));
		e.id = db_col_int(s, 0);
		e.person_id = db_col_int(s, 1);
		copy(e.kind, sizeof(e.kind), db_col_text(s, 2));
		copy(e.category, sizeof(e.category), db_col_text(s, 3));
		e.before = db_col_is_null(s, 4) ? -1 : (int)db_col_int(s, 4);
		e.after = db_col_is_null(s, 5) ? -1 : (int)db_col_int(s, 5);
		e.rule_version = db_col_int(s, 6);
		copy(e.at, sizeof(e.at), db_col_text(s, 7));
		cb(ctx, &e);
	}
	db_done(s);
	return rc < 0 ? rc : 0;
}

static const char SQL_DECISIONS[] =
	"SELECT d.id, d.category, d.decision, d.reason, u.username, d.decided_at "
	"FROM screen_decisions d LEFT JOIN users u ON u.id = d.decided_by "
	"WHERE d.person_id = ? ORDER BY d.id DESC";

int store_screening_decisions(struct store *st, const struct wb_scope *sc, int64_t person_id,
			      void (*cb)(void *ctx, const struct screen_decision_row *d), void *ctx,
			      struct wb_error *err)
{
	struct screen_decision_row d;
	int rc = store_persons_visible(st, sc, person_id, err);
	if (rc)
		return rc;
	struct db_stmt *s = db_stmt(st->db, SQL_DECISIONS);
	db_bind_int(s, 1, person_id);
	while ((rc = db_step(s, err)) == DB_ROW) {
		d.id = db_col_int(s, 0);
		copy(d.category, sizeof(d.category), db_col_text(s, 1));
		copy(d.decision, sizeof(d.decision), db_col_text(s, 2));
		copy(d.reason, sizeof(d.reason), db_col_text(s, 3));
		copy(d.decided_by_name, sizeof(d.decided_by_name), db_col_text(s, 4));
		copy(d.decided_at, sizeof(d.decided_at), db_col_text(s, 5));
		cb(ctx, &d);
	}
	db_done(s);
	return rc < 0 ? rc : 0;
}

/* ---- decisions and overrides ---------------------------------------------------------- */

static const char SQL_MEM_ONE[] =
	"SELECT status, facts_key FROM screen_memberships WHERE person_id = ? AND category = ?";
static const char SQL_MEM_SET[] =
	"UPDATE screen_memberships SET status = ? WHERE person_id = ? AND category = ?";
static const char SQL_DECIDE[] =
	"INSERT INTO screen_decisions (person_id, category, decision, reason, facts_key, "
	"decided_by, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id";

static int decide_row(struct store *st, const struct wb_scope *sc, int64_t person,
		      const char *category, const char *decision, const char *reason,
		      struct wb_error *err)
{
	char key[SCREEN_KEY_MAX] = "", now[21];
	struct db_stmt *s = db_stmt(st->db, SQL_MEM_ONE);
	db_bind_int(s, 1, person);
	db_bind_text(s, 2, category);
	int rc = db_step(s, err);
	if (rc == DB_ROW)
		copy(key, sizeof(key), db_col_text(s, 1));
	db_done(s);
	if (rc == DB_DONE)
		return wb_error_set(err, WB_ENOTFOUND, 404, "SCREEN_MEMBERSHIP_NOT_FOUND",
				    "规则未提示该儿童属于此类别",
				    "the rules do not suggest this category");
	if (rc < 0)
		return rc;
	store_now(now);
	s = db_stmt(st->db, SQL_MEM_SET);
	db_bind_text(s, 1, !strcmp(decision, "reject") ? "rejected" : "confirmed");
	db_bind_int(s, 2, person);
	db_bind_text(s, 3, category);
	if ((rc = db_step_done(s, err)))
		return rc;
	s = db_stmt(st->db, SQL_DECIDE);
	db_bind_int(s, 1, person);
	db_bind_text(s, 2, category);
	db_bind_text(s, 3, decision);
	db_bind_text(s, 4, reason);
	db_bind_text(s, 5, key);
	db_bind_int(s, 6, sc->user_id);
	db_bind_text(s, 7, now);
	return db_step_done(s, err);
}

int store_screening_decide(struct store *st, const struct wb_scope *sc, int64_t person_id,
			   const char *category, const char *decision, const char *reason,
			   struct wb_error *err)
{
	char detail[160];
	int rc = store_persons_visible(st, sc, person_id, err);
	if (rc)
		return rc;
	if ((rc = db_begin_write(st->db, err)))
		return rc;
	rc = decide_row(st, sc, person_id, category, decision, reason, err);
	if (!rc) {
		snprintf(detail, sizeof(detail), "{\"category\":\"%s\",\"decision\":\"%s\"}",
			 category, decision);
		struct audit_entry e = {"screening.decide", "person", person_id, detail};
		rc = store_audit_append(st, sc, &e, err);
	}
	return finish(st, rc, err);
}

static const char SQL_OV_REVOKE[] = "UPDATE screen_overrides SET revoked_by = ?, revoked_at = ? "
				    "WHERE person_id = ? AND revoked_at IS NULL";
static const char SQL_OV_INSERT[] =
	"INSERT INTO screen_overrides (person_id, level, computed, reason, expires_on, "
	"created_by, created_at) VALUES (?, ?, coalesce((SELECT level FROM screen_results "
	"WHERE person_id = ?), 0), ?, ?, ?, ?)";

static int revoke_rows(struct store *st, const struct wb_scope *sc, int64_t person,
		       struct wb_error *err)
{
	char now[21];
	store_now(now);
	struct db_stmt *s = db_stmt(st->db, SQL_OV_REVOKE);
	db_bind_int(s, 1, sc->user_id);
	db_bind_text(s, 2, now);
	db_bind_int(s, 3, person);
	return db_step_done(s, err);
}

int store_screening_override(struct store *st, const struct wb_scope *sc, int64_t person_id,
			     int level, const char *reason, const char *expires_on,
			     struct wb_error *err)
{
	char now[21], detail[96];
	int rc = store_persons_visible(st, sc, person_id, err);
	if (rc)
		return rc;
	if ((rc = db_begin_write(st->db, err)))
		return rc;
	rc = revoke_rows(st, sc, person_id, err);
	if (!rc) {
		store_now(now);
		struct db_stmt *s = db_stmt(st->db, SQL_OV_INSERT);
		db_bind_int(s, 1, person_id);
		db_bind_int(s, 2, level);
		db_bind_int(s, 3, person_id);
		db_bind_text(s, 4, reason);
		db_bind_text(s, 5, expires_on);
		db_bind_int(s, 6, sc->user_id);
		db_bind_text(s, 7, now);
		rc = db_step_done(s, err);
	}
	if (!rc) {
		snprintf(detail, sizeof(detail), "{\"level\":%d,\"expires_on\":\"%s\"}", level,
			 expires_on);
		struct audit_entry e = {"screening.override", "person", person_id, detail};
		rc = store_audit_append(st, sc, &e, err);
	}
	return finish(st, rc, err);
}

int store_screening_override_revoke(struct store *st, const struct wb_scope *sc, int64_t person_id,
				    struct wb_error *err)
{
	int rc = store_persons_visible(st, sc, person_id, err);
	if (rc)
		return rc;
	if ((rc = db_begin_write(st->db, err)))
		return rc;
	rc = revoke_rows(st, sc, person_id, err);
	if (!rc) {
		struct audit_entry e = {"screening.override_revoke", "person", person_id, NULL};
		rc = store_audit_append(st, sc, &e, err);
	}
	return finish(st, rc, err);
}

/* ---- registers ------------------------------------------------------------------------ */

#define EFFECTIVE_LEVEL SCREEN_EFFECTIVE_LEVEL_SQL
#define COUNTS_SQL(SCOPE_M, SCOPE_R)                                                               \
	"SELECT substr(x.scope_region, 1, ?), count(*), sum(x.lv = 4) FROM ("                      \
	" SELECT m.scope_region, " EFFECTIVE_LEVEL " AS lv FROM screen_memberships m"              \
	" JOIN screen_results r ON r.person_id = m.person_id JOIN persons p ON p.id = m.person_id" \
	" WHERE ? IS NOT NULL AND m.category = ? AND m.status <> 'rejected' AND m.sensitive <= ?"  \
	" AND m.scope_region >= ? AND m.scope_region < ? AND " SCOPE_M " UNION ALL"                \
	" SELECT r.scope_region, " EFFECTIVE_LEVEL " FROM screen_results r"                        \
	" JOIN persons p ON p.id = r.person_id WHERE ? IS NULL"                                    \
	" AND r.scope_region >= ? AND r.scope_region < ? AND " SCOPE_R ") x WHERE x.lv >= ? "      \
	"GROUP BY 1 ORDER BY 1"
/* Group key: the scope_region prefix that names the child region of `region`. The
 * category's members, or without a category every flagged child; levels are the
 * effective ones (after a current override), like the register list. Scope: the
 * caller's subtree, or a school's own students. */
static const char SQL_COUNTS_R[] = COUNTS_SQL("m.scope_region >= ? AND m.scope_region < ?",
					      "r.scope_region >= ? AND r.scope_region < ?");
static const char SQL_COUNTS_S[] = COUNTS_SQL("p.school_unit_id = ?", "p.school_unit_id = ?");

static int bind_count_scope(struct db_stmt *s, int i, const struct wb_scope *sc)
{
	if (role_scoped_to_unit(sc->role)) {
		db_bind_int(s, i++, sc->unit_id);
	} else {
		db_bind_text(s, i++, sc->lo);
		db_bind_text(s, i++, sc->hi);
	}
	return i;
}

/* Prefix length of the children of code: 2 4 6 9 12 15 digits by level. */
static int child_prefix(const char *code)
{
	static const int len[] = {2, 2, 4, 6, 9, 12, 15, 15};
	int lv = region_level(code);
	return lv >= 0 && lv < 7 ? len[lv + 1] : 15;
}

static void pad_code(char out[REGION_CODE_MAX + 1], const char *prefix)
{
	size_t n = strlen(prefix);
	if (n > 12) {
		snprintf(out, REGION_CODE_MAX + 1, "%s", prefix);
		return;
	}
	snprintf(out, REGION_CODE_MAX + 1, "%s%.*s", prefix, (int)(12 - n), "000000000000");
}

int store_screening_counts(struct store *st, const struct wb_scope *sc, const char *region,
			   const char *category, int min_level,
			   void (*cb)(void *ctx, const char *child_code, int64_t n, int64_t red),
			   void *ctx, struct wb_error *err)
{
	char lo[REGION_CODE_MAX + 1], hi[REGION_CODE_MAX + 1], child[REGION_CODE_MAX + 1], day[11];
	region_subtree_range(region, lo, hi);
	today(day);
	struct db_stmt *s =
		db_stmt(st->db, role_scoped_to_unit(sc->role) ? SQL_COUNTS_S : SQL_COUNTS_R);
	int i = 1;
	db_bind_int(s, i++, child_prefix(region));
	db_bind_text(s, i++, day);
	db_bind_text(s, i++, category);
	db_bind_text(s, i++, category);
	db_bind_int(s, i++, role_can(sc->role, PERM_SENSITIVE_READ));
	db_bind_text(s, i++, lo);
	db_bind_text(s, i++, hi);
	i = bind_count_scope(s, i, sc);
	db_bind_text(s, i++, day);
	db_bind_text(s, i++, category);
	db_bind_text(s, i++, lo);
	db_bind_text(s, i++, hi);
	i = bind_count_scope(s, i, sc);
	db_bind_int(s, i++, min_level);
	int rc;
	while ((rc = db_step(s, err)) == DB_ROW) {
		pad_code(child, db_col_text(s, 0));
		cb(ctx, child, db_col_int(s, 1), db_col_int(s, 2));
	}
	db_done(s);
	return rc < 0 ? rc : 0;
}

#define REG_COLS                                                                                   \
	"p.id, p.name, p.gender, p.birth_date, p.scope_region, r.level, "                          \
	"(SELECT group_concat(m.category, '|') FROM screen_memberships m WHERE m.person_id = "     \
	"p.id "                                                                                    \
	"AND m.status <> 'rejected' AND m.sensitive <= ?), " EFFECTIVE_LEVEL
/* A register of one category (?cat not NULL) or of all flagged persons. Scope: the region
 * subtree, or a school's own students. (group_concat is string_agg on PostgreSQL: the
 * backend rewrites it.) */
#define REG_WHERE                                                                                  \
	" AND p.scope_region >= ? AND p.scope_region < ? AND " EFFECTIVE_LEVEL                     \
	" >= ? AND p.id > ? "                                                                      \
	"AND (? IS NULL OR EXISTS (SELECT 1 FROM screen_memberships m WHERE m.person_id = p.id "   \
	"AND m.category = ? AND m.status <> 'rejected' AND m.sensitive <= ?)) ORDER BY p.id "      \
	"LIMIT ?"
static const char SQL_REG_R[] =
	"SELECT " REG_COLS ", (SELECT m.status FROM screen_memberships m "
	"WHERE m.person_id = p.id AND m.category = ?) FROM screen_results r "
	"JOIN persons p ON p.id = r.person_id WHERE p.scope_region >= ? "
	"AND p.scope_region < ?" REG_WHERE;
static const char SQL_REG_S[] =
	"SELECT " REG_COLS ", (SELECT m.status FROM screen_memberships m "
	"WHERE m.person_id = p.id AND m.category = ?) FROM screen_results r "
	"JOIN persons p ON p.id = r.person_id WHERE p.school_unit_id = ? "
	"AND ? IS NOT NULL" REG_WHERE;

static void reg_fill(struct db_stmt *s, struct screen_register_row *r)
{
	memset(r, 0, sizeof(*r));
	r->person_id = db_col_int(s, 0);
	copy(r->name, sizeof(r->name), db_col_text(s, 1));
	r->gender = db_col_text(s, 2) ? db_col_text(s, 2)[0] : 'U';
	copy(r->birth_date, sizeof(r->birth_date), db_col_text(s, 3));
	copy(r->scope_region, sizeof(r->scope_region), db_col_text(s, 4));
	r->level = (int)db_col_int(s, 5);
	copy(r->categories, sizeof(r->categories), db_col_text(s, 6));
	r->effective = (int)db_col_int(s, 7);
	copy(r->status, sizeof(r->status), db_col_text(s, 8));
}

int store_screening_register(struct store *st, const struct wb_scope *sc, const char *region,
			     const char *category, int min_level, int64_t after_id, int limit,
			     void (*cb)(void *ctx, const struct screen_register_row *r), void *ctx,
			     struct wb_error *err)
{
	char lo[REGION_CODE_MAX + 1], hi[REGION_CODE_MAX + 1], day[11];
	struct screen_register_row row;
	int school = role_scoped_to_unit(sc->role);
	region_subtree_range(region, lo, hi);
	today(day);
	struct db_stmt *s = db_stmt(st->db, school ? SQL_REG_S : SQL_REG_R);
	int i = 1;
	db_bind_int(s, i++, role_can(sc->role, PERM_SENSITIVE_READ));
	db_bind_text(s, i++, day);
	db_bind_text(s, i++, category);
	if (school) {
		db_bind_int(s, i++, sc->unit_id);
		db_bind_text(s, i++, "x");
	} else {
		db_bind_text(s, i++, sc->lo);
		db_bind_text(s, i++, sc->hi);
	}
	db_bind_text(s, i++, lo);
	db_bind_text(s, i++, hi);
	db_bind_text(s, i++, day);
	db_bind_int(s, i++, min_level);
	db_bind_int(s, i++, after_id);
	db_bind_text(s, i++, category);
	db_bind_text(s, i++, category);
	db_bind_int(s, i++, role_can(sc->role, PERM_SENSITIVE_READ));
	db_bind_int(s, i++, limit);
	int rc;
	while ((rc = db_step(s, err)) == DB_ROW) {
		reg_fill(s, &row);
		cb(ctx, &row);
	}
	db_done(s);
	if (rc < 0)
		return rc;
	char detail[96];
	snprintf(detail, sizeof(detail), "{\"region\":\"%s\",\"category\":\"%s\"}", region,
		 category ? category : "");
	struct audit_entry e = {"register.list", "region", 0, detail};
	audit_queue_push(st, sc, &e);
	return 0;
}
