/*
 * screen -- screening many persons on threads, and the JSON form of a result (see
 * screen.h; the evaluation of one person is rule_eval.c).
 *
 * screen_all hands out blocks of persons from an atomic counter, so the threads stay
 * busy to the end whatever the mix of children and adults in each block; blocks are
 * household-ordered slices of the snapshot, so a thread's reads stay local.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/jsonx.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "domain/rule_int.h"
#include "domain/screen.h"
#include "domain/snapshot.h"

#define BLOCK 16384

const char *screen_level_name(int level)
{
	static const char *const n[] = {"", "蓝", "黄", "橙", "红"};
	return level >= 0 && level <= 4 ? n[level] : "";
}

const char *screen_level_code(int level)
{
	static const char *const n[] = {"none", "blue", "yellow", "orange", "red"};
	return level >= 0 && level <= 4 ? n[level] : "none";
}

int screen_result_empty(const struct screen_result *r)
{
	return !r->categories && !r->nhits && r->level == SCREEN_LEVEL_NONE;
}

/* ---- many persons -------------------------------------------------------------------- */

struct job {
	const struct screen_env *env;
	const struct snapshot *s;
	int flags;
	screen_cb cb;
	void *ctx;
	atomic_size_t next;
	atomic_int stop;
	uint32_t n;
	const struct screen_env *before; /* screen_compare: the other environment */
	screen_cmp_cb cmp;
};

struct worker {
	struct job *job;
	int thread;
	struct screen_stats st;
	pthread_t tid;
};

static void count(struct screen_stats *st, const struct screen_result *r)
{
	st->persons++;
	st->level[r->level]++;
	if (screen_result_empty(r))
		return;
	st->flagged++;
	for (uint64_t m = r->categories; m; m &= m - 1)
		st->category[__builtin_ctzll(m)]++;
}

static int differ(const struct screen_result *a, const struct screen_result *b)
{
	return a->categories != b->categories || a->level != b->level ||
	       a->guardianship != b->guardianship;
}

/* One person: 0 to go on, 1 to stop. */
static int one(struct worker *w, uint32_t p, struct screen_result *r, struct screen_result *old)
{
	struct job *j = w->job;
	screen_person(r, j->env, j->s, p);
	count(&w->st, r);
	if (j->cmp) {
		screen_person(old, j->before, j->s, p);
		return differ(old, r) && j->cmp(j->ctx, w->thread, old, r);
	}
	if (!j->cb || ((j->flags & SCREEN_FLAGGED_ONLY) && screen_result_empty(r)))
		return 0;
	return j->cb(j->ctx, w->thread, r) != 0;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct job *j = w->job;
	struct screen_result *r = xmalloc(sizeof(*r));
	struct screen_result *old = j->cmp ? xmalloc(sizeof(*old)) : NULL;
	for (;;) {
		size_t from = atomic_fetch_add(&j->next, BLOCK);
		if (from >= j->n || atomic_load_explicit(&j->stop, memory_order_relaxed))
			break;
		size_t to = from + BLOCK < j->n ? from + BLOCK : j->n;
		for (size_t p = from; p < to; p++)
			if (one(w, (uint32_t)p, r, old)) {
				atomic_store(&j->stop, 1);
				break;
			}
	}
	free(r);
	free(old);
	return NULL;
}

static void merge(struct screen_stats *to, const struct screen_stats *from)
{
	to->persons += from->persons;
	to->flagged += from->flagged;
	for (int i = 0; i < 5; i++)
		to->level[i] += from->level[i];
	for (int i = 0; i < 64; i++)
		to->category[i] += from->category[i];
}

static int run_job(struct job *jp, int threads, struct screen_stats *stats, struct wb_error *err)
{
	double t0 = time_mono();
	if (threads < 1 || threads > 64)
		return wb_error_set(err, WB_EINVAL, 400, "SCREEN_THREADS", "线程数应为1到64",
				    "threads must be 1 to 64");
	struct job *j = jp;
	struct worker *w = xcalloc((size_t)threads, sizeof(*w));
	for (int i = 0; i < threads; i++) {
		w[i].job = j;
		w[i].thread = i;
	}
	int started = 1;
	for (int i = 1; i < threads; i++, started++)
		if (pthread_create(&w[i].tid, NULL, work, &w[i]))
			break;
	work(&w[0]);
	struct screen_stats total;
	memset(&total, 0, sizeof(total));
	for (int i = 0; i < started; i++) {
		if (i)
			pthread_join(w[i].tid, NULL);
		merge(&total, &w[i].st);
	}
	free(w);
	total.seconds = time_mono() - t0;
	if (stats)
		*stats = total;
	if (atomic_load(&j->stop))
		return wb_error_set(err, WB_EINTERNAL, 500, "SCREEN_STOPPED", "筛查被回调中止",
				    "the screen was stopped by its callback");
	return 0;
}

/* A job over every person of s, nothing done yet. */
static void job_init(struct job *j, const struct screen_env *env, const struct snapshot *s,
		     void *ctx)
{
	memset(j, 0, sizeof(*j));
	j->env = env;
	j->s = s;
	j->ctx = ctx;
	j->n = snapshot_count(s);
	atomic_init(&j->next, 0);
	atomic_init(&j->stop, 0);
}

int screen_all(const struct screen_env *env, const struct snapshot *s, int threads, int flags,
	       screen_cb cb, void *ctx, struct screen_stats *stats, struct wb_error *err)
{
	struct job j;
	job_init(&j, env, s, ctx);
	j.flags = flags;
	j.cb = cb;
	return run_job(&j, threads, stats, err);
}

int screen_compare(const struct screen_env *before, const struct screen_env *after,
		   const struct snapshot *s, int threads, screen_cmp_cb cb, void *ctx,
		   struct screen_stats *stats, struct wb_error *err)
{
	struct job j;
	job_init(&j, after, s, ctx);
	j.before = before;
	j.cmp = cb;
	return run_job(&j, threads, stats, err);
}

int screen_some(const struct screen_env *env, const struct snapshot *s, const uint32_t *persons,
		size_t n, screen_cb cb, void *ctx, struct wb_error *err)
{
	struct screen_result *r = xmalloc(sizeof(*r));
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		if (persons[i] >= snapshot_count(s))
			continue;
		screen_person(r, env, s, persons[i]);
		if (cb && cb(ctx, 0, r)) {
			rc = wb_error_set(err, WB_EINTERNAL, 500, "SCREEN_STOPPED",
					  "筛查被回调中止",
					  "the screen was stopped by its callback");
			break;
		}
	}
	free(r);
	return rc;
}

/* ---- JSON ------------------------------------------------------------------------------ */

static void key_str(struct buf *b, const char *k, const char *v)
{
	buf_appendf(b, "\"%s\":", k);
	jsonx_quote(b, v ? v : "");
}

static void fact_ids(struct buf *b, const struct screen_result *r, const struct screen_hit *h)
{
	buf_appends(b, ",\"fact_ids\":[");
	for (int i = 0; i < h->ev_n && h->ev_off + i < r->nevidence; i++)
		buf_appendf(b, "%s%lld", i ? "," : "", (long long)r->evidence[h->ev_off + i]);
	buf_appends(b, "]");
}

/* The common part of every hit: rule id, name, basis, reason, fact ids. */
static void hit_body(struct buf *b, const struct screen_result *r, const struct screen_hit *h,
		     const struct screen_env *env)
{
	const struct rule_info *ri = rule_set_rule(env->rs, h->rule);
	key_str(b, "rule_id", ri->id);
	buf_appends(b, ",");
	key_str(b, "rule_name", ri->name);
	buf_appends(b, ",");
	key_str(b, "basis", ri->basis);
	buf_appends(b, ",");
	key_str(b, "reason", screen_hit_reason(env, h));
	fact_ids(b, r, h);
}

static void hits_of(struct buf *b, const char *name, int kind, const struct screen_result *r,
		    const struct screen_env *env)
{
	buf_appendf(b, ",\"%s\":[", name);
	int first = 1;
	for (int i = 0; i < r->nhits; i++) {
		const struct screen_hit *h = &r->hits[i];
		if (h->kind != kind)
			continue;
		buf_appends(b, first ? "{" : ",{");
		first = 0;
		if (kind == SCREEN_HIT_CATEGORY) {
			const struct rule_category *c = rule_set_category(env->rs, h->arg);
			key_str(b, "code", c->code);
			buf_appends(b, ",");
			key_str(b, "name", c->name);
			buf_appends(b, ",");
			key_str(b, "name_en", c->name_en);
			buf_appends(b, ",");
		} else if (kind == SCREEN_HIT_SCORE) {
			buf_appendf(b, "\"points\":%d,", (int)h->points);
		} else if (kind == SCREEN_HIT_GUARDIANSHIP) {
			key_str(b, "rating", rule_set_scale_label(env->rs, h->arg));
			buf_appends(b, ",");
		}
		hit_body(b, r, h, env);
		buf_appends(b, "}");
	}
	buf_appends(b, "]");
}

static void hard_trigger(struct buf *b, const struct screen_result *r, const struct screen_env *env)
{
	buf_appends(b, ",\"hard_trigger\":");
	for (int i = 0; i < r->nhits; i++)
		if (r->hits[i].kind == SCREEN_HIT_RED && r->hits[i].rule == r->hard_trigger) {
			buf_appends(b, "{");
			hit_body(b, r, &r->hits[i], env);
			buf_appends(b, "}");
			return;
		}
	buf_appends(b, "null");
}

int screen_result_json(struct buf *out, const struct screen_result *r, const struct screen_env *env,
		       struct wb_error *err)
{
	char date[11];
	struct buf b; /* internal and bounded by the result's caps; out has the ceiling */
	buf_init(&b, 0);
	date_format(r->date, date);
	buf_appendf(&b, "{\"person_id\":%lld,\"date\":\"%s\",\"ruleset\":{",
		    (long long)r->person_id, date);
	key_str(&b, "name", rule_set_name(env->rs));
	buf_appends(&b, ",");
	key_str(&b, "version", rule_set_version(env->rs));
	buf_appendf(&b, "},\"level\":\"%s\",", screen_level_code(r->level));
	key_str(&b, "level_name", screen_level_name(r->level));
	buf_appendf(&b, ",\"score\":%d", (int)r->score);
	hard_trigger(&b, r, env);
	hits_of(&b, "categories", SCREEN_HIT_CATEGORY, r, env);
	buf_appends(&b, ",\"guardianship\":{");
	key_str(&b, "rating", rule_set_scale_label(env->rs, r->guardianship));
	buf_appendf(&b, ",\"index\":%d", r->guardianship);
	hits_of(&b, "reasons", SCREEN_HIT_GUARDIANSHIP, r, env);
	buf_appends(&b, "}");
	hits_of(&b, "scores", SCREEN_HIT_SCORE, r, env);
	hits_of(&b, "triggers", SCREEN_HIT_RED, r, env);
	buf_appendf(&b, ",\"truncated\":%s}", r->truncated ? "true" : "false");
	int rc = buf_append(out, b.data, b.len);
	buf_release(&b);
	if (rc)
		return wb_error_set(err, WB_ETOOBIG, 413, "TOO_BIG", "筛查结果超过输出上限",
				    "the result exceeds the output limit");
	return 0;
}
