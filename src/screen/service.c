/* screen/service -- rule set, snapshot, results writing, the worker (see service.h). */
#include "screen/service.h"

#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "domain/rule.h"
#include "domain/screen.h"
#include "domain/snapshot.h"
#include "store/db.h"
#include "store/screen_load.h"
#include "store/screening.h"
#include "store/store.h"

#define BATCH	    4000 /* persons written per write transaction of a full screen */
#define DIRTY_SLICE 1000 /* changed persons screened per write transaction */

struct screening {
	pthread_rwlock_t lock; /* snapshot + env */
	atomic_int stop;       /* screening_interrupt: end a running full screen */
	struct rule_set *rules;
	struct screen_env *env;
	struct snapshot *snap;
	int64_t version;
	char label[64];
};

/* ---- rules and snapshot ---------------------------------------------------------------- */

static int compile_published(struct store *st, struct rule_set **rs, int64_t *version,
			     char label[64], struct wb_error *err)
{
	struct rule_set_row row;
	struct rule_pos pos;
	size_t len;
	const char *text = rule_builtin_text(&len);
	struct rule_set *builtin = NULL;
	int rc = rule_set_builtin(&builtin, err);
	if (!rc)
		rc = store_rulesets_seed(st, rule_set_version(builtin), text, err);
	rule_set_free(builtin);
	if (!rc)
		rc = store_rulesets_published(st, &row, err);
	if (rc)
		return rc;
	rc = rule_set_compile(rs, row.source, strlen(row.source), &pos, err);
	free(row.source);
	*version = row.version;
	snprintf(label, 64, "%s", row.label);
	return rc;
}

static int env_for_today(struct screening *s, struct wb_error *err)
{
	int32_t today = (int32_t)date_today();
	if (s->env && screen_env_date(s->env) == today &&
	    screen_env_rules(s->env) == (const struct rule_set *)s->rules)
		return 0;
	struct screen_env *env = NULL;
	int rc = screen_env_new(&env, s->rules, today, err);
	if (rc)
		return rc;
	screen_env_free(s->env);
	s->env = env;
	return 0;
}

int screening_open(struct screening **out, struct store *st, struct wb_error *err)
{
	struct screening *s = xcalloc(1, sizeof(*s));
	struct wb_scope sys;
	pthread_rwlock_init(&s->lock, NULL);
	store_scope_system(&sys);
	int rc = compile_published(st, &s->rules, &s->version, s->label, err);
	if (!rc)
		rc = store_screen_load(st, &sys, &s->snap, err);
	if (!rc)
		rc = env_for_today(s, err);
	if (rc) {
		screening_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

void screening_close(struct screening *s)
{
	if (!s)
		return;
	screen_env_free(s->env);
	rule_set_free(s->rules);
	snapshot_free(s->snap);
	pthread_rwlock_destroy(&s->lock);
	free(s);
}

void screening_interrupt(struct screening *s)
{
	if (s)
		atomic_store(&s->stop, 1);
}

struct rule_set *screening_rules(struct screening *s, int64_t *version)
{
	pthread_rwlock_rdlock(&s->lock);
	struct rule_set *rs = rule_set_ref(s->rules);
	if (version)
		*version = s->version;
	pthread_rwlock_unlock(&s->lock);
	return rs;
}

int screening_reload_rules(struct screening *s, struct store *st, struct wb_error *err)
{
	struct rule_set *rs = NULL;
	int64_t version;
	char label[64];
	int rc = compile_published(st, &rs, &version, label, err);
	if (rc)
		return rc;
	pthread_rwlock_wrlock(&s->lock);
	rule_set_free(s->rules);
	s->rules = rs;
	s->version = version;
	snprintf(s->label, sizeof(s->label), "%s", label);
	rc = env_for_today(s, err);
	pthread_rwlock_unlock(&s->lock);
	return rc;
}

/* ---- one result into a store row -------------------------------------------------------- */

/* Criminal and psychological matters (fact_types.sensitive = 1 in 002_catalog.sql). */
static int type_sensitive(int t)
{
	switch (t) {
	case SNAP_FT_IMPRISONED:
	case SNAP_FT_COMPULSORY_DETOX:
	case SNAP_FT_DETAINED_OTHER:
	case SNAP_FT_SERIOUS_ILLNESS:
	case SNAP_FT_BAD_BEHAVIOUR:
	case SNAP_FT_SERIOUS_BAD_BEHAVIOUR:
	case SNAP_FT_PSYCH_SCREENING:
	case SNAP_FT_COMMUNITY_CORRECTION:
	case SNAP_FT_CONDITIONAL_NON_PROSECUTION:
	case SNAP_FT_CRIME_VICTIM:
	case SNAP_FT_EARLY_MARRIAGE:
	case SNAP_FT_MANDATORY_REPORT: return 1;
	default: return 0;
	}
}

/* The type of fact `id` among the facts of p and of the persons p names. */
static int fact_is_sensitive(const struct snapshot *snap, uint32_t p, int64_t id)
{
	struct snapshot_facts f;
	struct snapshot_rels r;
	snapshot_person_relations(&r, snap, p);
	for (uint32_t k = 0; k <= r.n; k++) {
		uint32_t who = k == 0 ? p : r.target[k - 1];
		if (who == SNAPSHOT_NONE)
			continue;
		snapshot_person_facts(&f, snap, who);
		for (uint32_t i = 0; i < f.n; i++)
			if (f.id[i] == id)
				return type_sensitive(f.type[i]);
	}
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* The key of the facts behind category c: a hash of its hits' sorted fact ids. Also
 * whether any of them is sensitive. */
static void category_key(const struct screen_result *r, const struct snapshot *snap, int c,
			 struct screen_put_category *out)
{
	int64_t ids[SCREEN_MAX_EVIDENCE];
	size_t n = 0;
	for (int h = 0; h < r->nhits; h++) {
		const struct screen_hit *hit = &r->hits[h];
		if (hit->kind != SCREEN_HIT_CATEGORY || hit->arg != c)
			continue;
		for (int e = 0; e < hit->ev_n && n < SCREEN_MAX_EVIDENCE; e++)
			ids[n++] = r->evidence[hit->ev_off + e];
	}
	if (n)
		qsort(ids, n, sizeof(ids[0]), cmp_i64);
	uint64_t h = 1469598103934665603ull;
	out->sensitive = 0;
	for (size_t i = 0; i < n; i++) {
		h = (h ^ (uint64_t)ids[i]) * 1099511628211ull;
		out->sensitive |= fact_is_sensitive(snap, r->person, ids[i]);
	}
	snprintf(out->facts_key, sizeof(out->facts_key), "%016" PRIx64 ":%zu", h, n);
}

static int guardianship_hit(const struct screen_result *r)
{
	for (int h = 0; h < r->nhits; h++)
		if (r->hits[h].kind == SCREEN_HIT_GUARDIANSHIP)
			return 1;
	return 0;
}

/* Fill p from r; the explanation goes into json (cleared first). */
static int result_to_put(const struct screening *s, const struct screen_result *r,
			 struct screen_put *p, struct buf *json, struct wb_error *err)
{
	const struct rule_set *rs = s->rules;
	memset(p, 0, sizeof(*p));
	p->person_id = r->person_id;
	snprintf(p->scope_region, sizeof(p->scope_region), "%" PRIu64,
		 snapshot_person_scope_region(s->snap, r->person));
	p->level = r->level;
	p->score = r->score;
	if (screen_result_empty(r))
		return 0;
	if (guardianship_hit(r))
		p->guardianship = rule_set_scale_label(rs, r->guardianship);
	for (int c = 0; c < rule_set_ncategories(rs) && p->ncat < SCREEN_CATEGORIES_MAX; c++) {
		if (!(r->categories >> c & 1))
			continue;
		struct screen_put_category *pc = &p->cat[p->ncat++];
		snprintf(pc->code, sizeof(pc->code), "%s", rule_set_category(rs, c)->code);
		category_key(r, s->snap, c, pc);
	}
	buf_clear(json);
	int rc = screen_result_json(json, r, s->env, err);
	p->explanation = json->data;
	return rc;
}

/* ---- full screen -------------------------------------------------------------------- */

struct full_ctx {
	struct screening *s;
	struct store *st;
	int64_t *flagged; /* sorted ids with a stored result */
	size_t nflagged, capflagged;
	struct screen_put_stats stats;
	struct screen_put put;
	struct buf json;
	uint64_t seen, total;
	int64_t level[5];
	int in_batch;
	char eval_date[11];
	screening_progress progress;
	void *pctx;
	struct wb_error *err;
	int rc;
};

static void add_flagged(void *ctx, int64_t id)
{
	struct full_ctx *c = ctx;
	if (c->nflagged == c->capflagged) {
		c->capflagged = c->capflagged ? c->capflagged * 2 : 1024;
		c->flagged = xrealloc(c->flagged, c->capflagged * sizeof(int64_t));
	}
	c->flagged[c->nflagged++] = id;
}

static int was_flagged(const struct full_ctx *c, int64_t id)
{
	return c->nflagged &&
	       bsearch(&id, c->flagged, c->nflagged, sizeof(int64_t), cmp_i64) != NULL;
}

static int batch_turn(struct full_ctx *c)
{
	if (c->in_batch && c->stats.persons % BATCH == 0) {
		int rc = db_commit(c->st->db, c->err);
		c->in_batch = 0;
		if (rc)
			return rc;
	}
	if (!c->in_batch) {
		int rc = db_begin_write(c->st->db, c->err);
		if (rc)
			return rc;
		c->in_batch = 1;
	}
	return 0;
}

static int full_cb(void *ctx, int thread, const struct screen_result *r)
{
	struct full_ctx *c = ctx;
	(void)thread;
	if (atomic_load(&c->s->stop)) {
		c->rc = wb_error_set(c->err, WB_EINTERNAL, 503, "SCREEN_STOPPED", "筛查已中止",
				     "the screen was stopped");
		return 1;
	}
	if (++c->seen % 20000 == 0 && c->progress)
		c->progress(c->pctx, c->seen, c->total);
	c->level[r->level < 5 ? r->level : 0]++;
	if (screen_result_empty(r) && !was_flagged(c, r->person_id))
		return 0;
	if ((c->rc = batch_turn(c)) ||
	    (c->rc = result_to_put(c->s, r, &c->put, &c->json, c->err)) ||
	    (c->rc = store_screening_put(c->st, &c->put, c->s->version, c->eval_date, &c->stats,
					 c->err)))
		return 1;
	return 0;
}

static int full_run(struct full_ctx *c, const char *kind, int64_t by, const char *started,
		    struct wb_error *err)
{
	struct screen_stats stats;
	int rc = store_screening_flagged(c->st, add_flagged, c, err);
	if (rc)
		return rc;
	if (c->nflagged)
		qsort(c->flagged, c->nflagged, sizeof(int64_t), cmp_i64);
	rc = screen_all(c->s->env, c->s->snap, 1, 0, full_cb, c, &stats, err);
	if (rc && c->rc)
		rc = c->rc;
	if (!rc && !c->in_batch)
		rc = db_begin_write(c->st->db, err), c->in_batch = !rc;
	/* The run's log counts the persons screened (c->stats.persons counts the result rows
	 * written, flagged persons and those who lost their last category). */
	struct screen_put_stats logged = c->stats;
	logged.persons = (int64_t)c->seen;
	if (!rc)
		rc = store_screening_run_log(c->st, c->s->version, c->eval_date, kind, &logged,
					     started, by, err);
	if (c->in_batch) {
		if (rc)
			db_rollback(c->st->db);
		else
			rc = db_commit(c->st->db, err);
	}
	return rc;
}

int screening_full(struct screening *s, struct store *st, const char *kind, int64_t started_by,
		   screening_progress progress, void *pctx, struct screening_summary *sum,
		   struct wb_error *err)
{
	struct full_ctx c;
	char started[21];
	int64_t t0 = time_now_ms();
	memset(&c, 0, sizeof(c));
	c.s = s;
	c.st = st;
	c.progress = progress;
	c.pctx = pctx;
	c.err = err;
	buf_init(&c.json, 0);
	store_now(started);
	pthread_rwlock_wrlock(&s->lock);
	int rc = env_for_today(s, err);
	pthread_rwlock_unlock(&s->lock);
	pthread_rwlock_rdlock(&s->lock);
	c.total = snapshot_count(s->snap);
	date_format(screen_env_date(s->env), c.eval_date);
	if (!rc)
		rc = full_run(&c, kind, started_by, started, err);
	if (sum) {
		memset(sum, 0, sizeof(*sum));
		sum->rule_version = s->version;
		snprintf(sum->rule_label, sizeof(sum->rule_label), "%s", s->label);
		snprintf(sum->eval_date, sizeof(sum->eval_date), "%s", c.eval_date);
		sum->persons = (int64_t)c.seen;
		sum->flagged = c.stats.flagged;
		sum->events = c.stats.events;
		memcpy(sum->level, c.level, sizeof(sum->level));
		sum->seconds = (double)(time_now_ms() - t0) / 1000.0;
	}
	pthread_rwlock_unlock(&s->lock);
	if (progress && !rc)
		progress(pctx, c.seen, c.total);
	buf_release(&c.json);
	free(c.flagged);
	return rc;
}

/* ---- dirty persons -------------------------------------------------------------------- */

struct dirty_ctx {
	int64_t *ids;
	size_t n, cap;
};

static void add_dirty(void *ctx, int64_t id)
{
	struct dirty_ctx *d = ctx;
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 64;
		d->ids = xrealloc(d->ids, d->cap * sizeof(int64_t));
	}
	d->ids[d->n++] = id;
}

static void dirty_unique(struct dirty_ctx *d)
{
	if (d->n)
		qsort(d->ids, d->n, sizeof(*d->ids), cmp_i64);
	size_t m = 0;
	for (size_t i = 0; i < d->n; i++)
		if (!m || d->ids[m - 1] != d->ids[i])
			d->ids[m++] = d->ids[i];
	d->n = m;
}

struct touched {
	uint32_t *p;
	size_t n, cap;
};

static void touched_add(struct touched *t, const uint32_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (t->n == t->cap) {
			t->cap = t->cap ? t->cap * 2 : 64;
			t->p = xrealloc(t->p, t->cap * sizeof(uint32_t));
		}
		t->p[t->n++] = p[i];
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

struct some_ctx {
	struct screening *s;
	struct store *st;
	struct screen_put put;
	struct buf json;
	struct screen_put_stats stats;
	char eval_date[11];
	struct wb_error *err;
	int rc;
};

static int some_cb(void *ctx, int thread, const struct screen_result *r)
{
	struct some_ctx *c = ctx;
	(void)thread;
	if ((c->rc = result_to_put(c->s, r, &c->put, &c->json, c->err)) ||
	    (c->rc = store_screening_put(c->st, &c->put, c->s->version, c->eval_date, &c->stats,
					 c->err)))
		return 1;
	return 0;
}

/* A person removed from the database (an undone import) stays in the snapshot as an
 * inert row: no birth date, no facts, no relations, so it screens empty and its stored
 * rows (deleted with the person) are never written again. Its dependants are re-read
 * by their own change rows (the relation deletes). */
static int blank_person(struct snapshot *snap, int64_t id, struct wb_error *err)
{
	uint32_t aff[8];
	size_t naff;
	if (snapshot_find(snap, id) == SNAPSHOT_NONE)
		return 0;
	struct snapshot_person_in p = {.id = id, .birth = SNAPSHOT_NO_DATE, .gender = 'U'};
	wb_error_clear(err);
	return snapshot_update_person(snap, &p, NULL, 0, NULL, 0, aff, 8, &naff, err);
}

/* Reload the persons and re-screen what they touch; the caller holds the write lock and
 * the write transaction. */
static int dirty_apply(struct screening *s, struct store *st, const struct dirty_ctx *d,
		       int64_t *handled, struct wb_error *err)
{
	struct wb_scope sys;
	struct touched t = {0};
	uint32_t aff[256];
	size_t naff;
	int rc = 0;
	store_scope_system(&sys);
	for (size_t i = 0; i < d->n && !rc; i++) {
		rc = store_screen_reload_person(st, &sys, s->snap, d->ids[i], aff, 256, &naff, err);
		if (rc == WB_ENOTFOUND)
			rc = blank_person(s->snap, d->ids[i], err);
		else if (!rc)
			touched_add(&t, aff, naff < 256 ? naff : 256);
	}
	if (t.n)
		qsort(t.p, t.n, sizeof(uint32_t), cmp_u32);
	size_t m = 0;
	for (size_t i = 0; i < t.n; i++)
		if (m == 0 || t.p[m - 1] != t.p[i])
			t.p[m++] = t.p[i];
	struct some_ctx c = {.s = s, .st = st, .err = err};
	buf_init(&c.json, 0);
	date_format(screen_env_date(s->env), c.eval_date);
	if (!rc) {
		rc = screen_some(s->env, s->snap, t.p, m, some_cb, &c, err);
		if (rc && c.rc)
			rc = c.rc;
	}
	*handled = (int64_t)m;
	buf_release(&c.json);
	free(t.p);
	return rc;
}

static int dirty_full(struct screening *s, struct store *st, const struct screen_queue_mark *mark,
		      int64_t *handled, struct wb_error *err)
{
	struct wb_scope sys;
	struct snapshot *snap = NULL;
	struct screening_summary sum = {0};
	store_scope_system(&sys);
	int rc = store_screen_load(st, &sys, &snap, err);
	if (rc)
		return rc;
	pthread_rwlock_wrlock(&s->lock);
	snapshot_free(s->snap);
	s->snap = snap;
	pthread_rwlock_unlock(&s->lock);
	if (!(rc = db_begin_write(st->db, err))) {
		rc = store_screening_dirty_clear(st, mark, err);
		rc = rc ? (db_rollback(st->db), rc) : db_commit(st->db, err);
	}
	if (!rc)
		rc = screening_full(s, st, "full", 0, NULL, NULL, &sum, err);
	*handled = sum.persons;
	return rc;
}

int screening_dirty(struct screening *s, struct store *st, int64_t *handled, struct wb_error *err)
{
	int64_t count;
	struct screen_queue_mark mark;
	struct dirty_ctx d = {0};
	*handled = 0;
	int rc = store_screening_dirty_peek(st, &count, &mark, err);
	if (rc || count == 0) {
		store_screening_mark_free(&mark);
		return rc;
	}
	if (count > SCREEN_DIRTY_FULL) {
		rc = dirty_full(s, st, &mark, handled, err);
		store_screening_mark_free(&mark);
		return rc;
	}
	/* The queue only grows (a later change is a later seq), so it is read first and its
	 * persons screened a slice per write transaction: the write lock is held a moment at
	 * a time, not for the whole of a large import's persons (a login waiting behind it
	 * timed out). The queue is cleared with the last slice; a crash before leaves it, and
	 * the slices done are done again, to the same results. */
	rc = store_screening_dirty_list(st, &mark, add_dirty, &d, err);
	if (!rc)
		dirty_unique(&d); /* a person of screen_dirty may have facts in a span too */
	for (size_t at = 0; !rc && at < d.n; at += DIRTY_SLICE) {
		struct dirty_ctx slice = {d.ids + at,
					  d.n - at < DIRTY_SLICE ? d.n - at : DIRTY_SLICE, 0};
		int64_t n = 0;
		pthread_rwlock_wrlock(&s->lock);
		rc = env_for_today(s, err);
		if (!rc && !(rc = db_begin_write(st->db, err))) {
			rc = dirty_apply(s, st, &slice, &n, err);
			if (!rc && at + slice.n == d.n)
				rc = store_screening_dirty_clear(st, &mark, err);
			rc = rc ? (db_rollback(st->db), rc) : db_commit(st->db, err);
		}
		pthread_rwlock_unlock(&s->lock);
		*handled += n;
	}
	free(d.ids);
	store_screening_mark_free(&mark);
	return rc;
}

/* ---- impact preview ---------------------------------------------------------------------- */

enum { PREVIEW_CATS = 2 * RULE_MAX_CATEGORIES };

struct township {
	uint64_t code; /* 9-digit prefix */
	int64_t gained[PREVIEW_CATS], lost[PREVIEW_CATS];
	int64_t raised, lowered, before, after;
};

struct preview_ctx {
	const struct screening *s;
	const struct screen_env *old_env;
	const struct rule_set *new_rs;
	/* category code union: index -> code; maps from each set's index */
	const char *codes[PREVIEW_CATS];
	int ncodes;
	int map_old[RULE_MAX_CATEGORIES], map_new[RULE_MAX_CATEGORIES];
	struct township *t;
	size_t nt, capt;
	struct township total;
};

static int code_index(struct preview_ctx *c, const char *code)
{
	for (int i = 0; i < c->ncodes; i++)
		if (!strcmp(c->codes[i], code))
			return i;
	if (c->ncodes == PREVIEW_CATS)
		return PREVIEW_CATS - 1;
	c->codes[c->ncodes] = code;
	return c->ncodes++;
}

static struct township *township_of(struct preview_ctx *c, uint64_t region)
{
	uint64_t code = region;
	while (code >= 1000000000ull) /* 12 or 15 digits down to the 9-digit township */
		code /= 1000;
	for (size_t i = c->nt; i-- > 0;)
		if (c->t[i].code == code)
			return &c->t[i];
	if (c->nt == c->capt) {
		c->capt = c->capt ? c->capt * 2 : 64;
		c->t = xrealloc(c->t, c->capt * sizeof(*c->t));
	}
	memset(&c->t[c->nt], 0, sizeof(c->t[0]));
	c->t[c->nt].code = code;
	return &c->t[c->nt++];
}

/* Map a result's categories into the union's bit space (two 64-bit words). */
static void cats_union(const int *map, uint64_t cats, uint64_t out[2])
{
	out[0] = out[1] = 0;
	for (int i = 0; i < 64; i++)
		if (cats >> i & 1)
			out[map[i] / 64] |= 1ull << (map[i] % 64);
}

static void tally(struct township *t, const uint64_t before[2], const uint64_t after[2], int lb,
		  int la, int ncodes)
{
	for (int i = 0; i < ncodes; i++) {
		int b = (int)(before[i / 64] >> (i % 64) & 1),
		    a = (int)(after[i / 64] >> (i % 64) & 1);
		t->gained[i] += a && !b;
		t->lost[i] += b && !a;
	}
	t->raised += la > lb;
	t->lowered += la < lb;
	t->before += (before[0] | before[1]) != 0 || lb > 0;
	t->after += (after[0] | after[1]) != 0 || la > 0;
}

static int preview_cb(void *ctx, int thread, const struct screen_result *r)
{
	struct preview_ctx *c = ctx;
	struct screen_result old;
	uint64_t b[2], a[2];
	(void)thread;
	screen_person(&old, c->old_env, c->s->snap, r->person);
	if (screen_result_empty(&old) && screen_result_empty(r))
		return 0;
	cats_union(c->map_old, old.categories, b);
	cats_union(c->map_new, r->categories, a);
	struct township *t = township_of(c, snapshot_person_scope_region(c->s->snap, r->person));
	tally(t, b, a, old.level, r->level, c->ncodes);
	tally(&c->total, b, a, old.level, r->level, c->ncodes);
	return 0;
}

static json_t *counts_json(const struct preview_ctx *c, const int64_t *v)
{
	json_t *o = json_object();
	for (int i = 0; i < c->ncodes; i++)
		if (v[i])
			json_object_set_new(o, c->codes[i], json_integer(v[i]));
	return o;
}

static json_t *township_json(const struct preview_ctx *c, const struct township *t)
{
	char code[16];
	snprintf(code, sizeof(code), "%09" PRIu64 "000", t->code);
	return json_pack("{s:s, s:o, s:o, s:I, s:I, s:I, s:I}", "code", code, "gained",
			 counts_json(c, t->gained), "lost", counts_json(c, t->lost), "raised",
			 (json_int_t)t->raised, "lowered", (json_int_t)t->lowered, "flagged_before",
			 (json_int_t)t->before, "flagged_after", (json_int_t)t->after);
}

static int cmp_township(const void *a, const void *b)
{
	const struct township *x = a, *y = b;
	return (x->code > y->code) - (x->code < y->code);
}

static void preview_maps(struct preview_ctx *c)
{
	const struct rule_set *old = screen_env_rules(c->old_env);
	for (int i = 0; i < rule_set_ncategories(old) && i < RULE_MAX_CATEGORIES; i++)
		c->map_old[i] = code_index(c, rule_set_category(old, i)->code);
	for (int i = 0; i < rule_set_ncategories(c->new_rs) && i < RULE_MAX_CATEGORIES; i++)
		c->map_new[i] = code_index(c, rule_set_category(c->new_rs, i)->code);
}

static int preview_render(struct preview_ctx *c, int64_t version, int32_t date, struct buf *out,
			  struct wb_error *err)
{
	char day[11];
	json_t *ts = json_array(), *cats = json_array();
	if (c->nt)
		qsort(c->t, c->nt, sizeof(c->t[0]), cmp_township);
	for (size_t i = 0; i < c->nt; i++)
		json_array_append_new(ts, township_json(c, &c->t[i]));
	for (int i = 0; i < c->ncodes; i++)
		json_array_append_new(cats, json_string(c->codes[i]));
	date_format(date, day);
	json_t *tot = township_json(c, &c->total);
	json_object_del(tot, "code");
	json_t *o = json_pack("{s:I, s:s, s:s, s:o, s:o, s:o}", "version_from", (json_int_t)version,
			      "date", day, "ruleset", rule_set_version(c->new_rs), "categories",
			      cats, "townships", ts, "totals", tot);
	char *text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	int rc = buf_appends(out, text) ? wb_error_set(err, WB_ETOOBIG, 413, "PREVIEW_TOO_BIG",
						       "影响预览过大", "the preview is too large")
					: 0;
	free(text);
	return rc;
}

int screening_preview(struct screening *s, const char *text, size_t len, struct buf *out, int *line,
		      int *col, struct wb_error *err)
{
	struct rule_set *rs = NULL;
	struct screen_env *env = NULL;
	struct rule_pos pos = {0, 0};
	struct preview_ctx c;
	int rc = rule_set_compile(&rs, text, len, &pos, err);
	*line = pos.line;
	*col = pos.col;
	if (rc)
		return rc;
	memset(&c, 0, sizeof(c));
	pthread_rwlock_rdlock(&s->lock);
	rc = screen_env_new(&env, rs, screen_env_date(s->env), err);
	if (!rc) {
		c.s = s;
		c.old_env = s->env;
		c.new_rs = rs;
		preview_maps(&c);
		rc = screen_all(env, s->snap, 1, 0, preview_cb, &c, NULL, err);
	}
	if (!rc)
		rc = preview_render(&c, s->version, screen_env_date(s->env), out, err);
	pthread_rwlock_unlock(&s->lock);
	free(c.t);
	screen_env_free(env);
	rule_set_free(rs);
	return rc;
}
