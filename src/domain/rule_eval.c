/*
 * rule_eval -- the evaluator: a compiled rule set over one person of a snapshot at the
 * environment's reference date (screen.h for the contract, rule_int.h for the form).
 *
 * Semantics of a fact's dates (valid_from F, valid_to T, reference date D; a missing F is
 * "since always", a missing T "still open"):
 *   has X                       F <= D <= T              (holds at the date)
 *   has X for at least N        F <= D <= T and F <= D - N (has lasted N by the date)
 *   has X lasting at least N    F <= D <= T and the term F..T is N or longer (an open T
 *                               or an unknown F counts as long enough)
 *   has X within last N         D - N <= F <= D          (an event in the window)
 *   has X during last N         F <= D and T >= D - N    (held at some time in the window)
 *   has X ever                  F <= D
 * Ages: "age < k" is "born after D - k years", so age tests are one comparison; a person
 * without a birth date fails every age test.
 *
 * Evidence: every "has" that holds records the fact it matched; a part of a condition
 * that turns out false (an "or" branch, a relative who does not qualify, a "not")
 * drops what it recorded, so a rule's evidence is the facts behind its true part.
 */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "domain/rule_int.h"
#include "domain/screen.h"
#include "domain/snapshot_int.h"

#define MEMO 16

/* A define's value for one subject, kept while one person is screened when computing
 * it recorded no evidence (so re-using the value changes nothing else). */
struct memo {
	int32_t node;
	uint32_t p;
	int v;
};

struct ev {
	const struct screen_env *env;
	const struct rnode *nodes;
	const int32_t *pool;
	const struct snapshot *s;
	struct screen_result *r;
	int nmemo;
	struct memo memo[MEMO];
};

int screen_env_new(struct screen_env **out, struct rule_set *rs, int32_t date, struct wb_error *err)
{
	(void)err;
	struct screen_env *env = xcalloc(1, sizeof(*env));
	env->rs = rule_set_ref(rs);
	env->date = date;
	env->cut = xcalloc((size_t)rs->nslots + 1, sizeof(*env->cut));
	for (int i = 0; i < rs->nslots; i++)
		env->cut[i] = rule_shift_back(date, rs->slots[i].amount, rs->slots[i].unit);
	env->skip_birth = SNAPSHOT_DAY_MIN;
	if (rs->all_guarded) {
		int32_t lo = SNAPSHOT_DAY_MAX;
		for (int i = 0; i < rs->nrules; i++)
			if (rs->rules[i].age_slot >= 0 && env->cut[rs->rules[i].age_slot] < lo)
				lo = env->cut[rs->rules[i].age_slot];
		env->skip_birth = lo;
	}
	*out = env;
	return 0;
}

void screen_env_free(struct screen_env *env)
{
	if (!env)
		return;
	rule_set_free(env->rs);
	free(env->cut);
	free(env);
}

const struct rule_set *screen_env_rules(const struct screen_env *env)
{
	return env->rs;
}

int32_t screen_env_date(const struct screen_env *env)
{
	return env->date;
}

/* ---- value conditions -------------------------------------------------------------- */

static int cmp(int c, int32_t x, int32_t y)
{
	switch (c) {
	case C_LT: return x < y;
	case C_LE: return x <= y;
	case C_GT: return x > y;
	case C_GE: return x >= y;
	case C_EQ: return x == y;
	default: return x != y;
	}
}

static int vcond(struct ev *E, int32_t i, int32_t value)
{
	const struct rnode *n = &E->nodes[i];
	int32_t v = n->x == F_CATEGORY ? value / 10 : n->x == F_GRADE ? value % 10 : value;
	switch (n->op) {
	case OP_V_AND:
		for (int32_t k = n->kid; k >= 0; k = E->nodes[k].next)
			if (!vcond(E, k, value))
				return 0;
		return 1;
	case OP_V_OR:
		for (int32_t k = n->kid; k >= 0; k = E->nodes[k].next)
			if (vcond(E, k, value))
				return 1;
		return 0;
	case OP_V_NOT: return !vcond(E, n->kid, value);
	case OP_V_CMP: return cmp(n->y, v, n->a);
	case OP_V_IN:
		for (int32_t k = 0; k < n->b; k++)
			if (E->pool[n->a + k] == v)
				return 1;
		return 0;
	default: return 0;
	}
}

/* ---- facts ------------------------------------------------------------------------- */

static int time_ok(struct ev *E, const struct rnode *n, int32_t from, int32_t to)
{
	int32_t d = E->env->date;
	switch (n->y) {
	case TM_CURRENT: return from <= d && to >= d;
	case TM_FOR: return from <= d && to >= d && from <= E->env->cut[n->a];
	case TM_LASTING:
		if (!(from <= d && to >= d))
			return 0;
		if (to == SNAPSHOT_DAY_MAX || from == SNAPSHOT_DAY_MIN)
			return 1;
		return rule_shift_forward(from, n->a, n->z) <= (int64_t)to + 1;
	case TM_WITHIN: return from != SNAPSHOT_DAY_MIN && from >= E->env->cut[n->a] && from <= d;
	case TM_DURING: return from <= d && to >= E->env->cut[n->a];
	default: return from <= d; /* TM_EVER */
	}
}

static void evidence(struct ev *E, int64_t fact_id)
{
	struct screen_result *r = E->r;
	if (r->nevidence < SCREEN_MAX_EVIDENCE)
		r->evidence[r->nevidence++] = fact_id;
	else
		r->truncated = 1;
}

static int has(struct ev *E, const struct rnode *n, uint32_t p)
{
	const struct snapshot *s = E->s;
	const struct snap_hot *h = &s->hot[p];
	if (!(h->mask & (1ull << n->x)))
		return 0;
	for (uint32_t i = h->f_off, e = h->f_off + h->f_len; i < e; i++) {
		if (s->f_type[i] != n->x || !time_ok(E, n, s->f_from[i], s->f_to[i]))
			continue;
		if (n->b >= 0 && !vcond(E, n->b, s->f_value[i]))
			continue;
		evidence(E, s->f_id[i]);
		return 1;
	}
	return 0;
}

/* ---- relatives --------------------------------------------------------------------- */

static int eval(struct ev *E, int32_t i, uint32_t p);

static uint32_t first_of_kind(const struct snapshot *s, uint32_t p, int kind)
{
	const struct snap_hot *h = &s->hot[p];
	for (uint32_t i = h->r_off, e = h->r_off + h->r_len; i < e; i++)
		if (s->r_kind[i] == kind)
			return s->r_target[i];
	return SNAPSHOT_NONE;
}

static int member(int group, int kind, int flags)
{
	switch (group) {
	case G_ANY_PARENT:
		return kind == SNAP_REL_FATHER || kind == SNAP_REL_MOTHER ||
		       kind == SNAP_REL_STEPFATHER || kind == SNAP_REL_STEPMOTHER;
	case G_GUARDIAN: return (flags & SNAP_RF_GUARDIAN) != 0;
	case G_CARER:
		return (flags & (SNAP_RF_GUARDIAN | SNAP_RF_LIVES_WITH)) ==
		       (SNAP_RF_GUARDIAN | SNAP_RF_LIVES_WITH);
	default: return 1; /* G_RELATIVE */
	}
}

static int body(struct ev *E, const struct rnode *n, uint32_t t)
{
	return n->kid < 0 ? 1 : eval(E, n->kid, t);
}

/* One member for any/all/no: 1 = stop with the quantifier's answer decided. */
static int quantify(struct ev *E, const struct rnode *n, uint32_t t, int *count)
{
	uint16_t mark = E->r->nevidence;
	int ok = body(E, n, t);
	if (n->y == Q_NO || !ok)
		E->r->nevidence = mark;
	(*count)++;
	return n->y == Q_ALL ? !ok : ok; /* ALL stops at a failing member, ANY and NO at a
					    qualifying one */
}

static int scope_group(struct ev *E, const struct rnode *n, uint32_t p)
{
	const struct snapshot *s = E->s;
	uint16_t start = E->r->nevidence;
	int count = 0, stopped = 0;
	if (n->x == G_HOUSEHOLD) {
		for (uint32_t q = s->hh_next[p]; q != p && !stopped; q = s->hh_next[q])
			stopped = quantify(E, n, q, &count);
	} else {
		const struct snap_hot *h = &s->hot[p];
		for (uint32_t i = h->r_off, e = h->r_off + h->r_len; i < e && !stopped; i++)
			if (member(n->x, s->r_kind[i], s->r_flags[i]))
				stopped = quantify(E, n, s->r_target[i], &count);
	}
	switch (n->y) {
	case Q_ANY: return stopped;
	case Q_NO: return !stopped;
	default: /* Q_ALL: every member, and at least one */
		if (stopped || !count) {
			E->r->nevidence = start;
			return 0;
		}
		return 1;
	}
}

static int scope(struct ev *E, const struct rnode *n, uint32_t p)
{
	const struct snapshot *s = E->s;
	if (n->y == Q_THE) {
		uint32_t t =
			first_of_kind(s, p, n->x == G_FATHER ? SNAP_REL_FATHER : SNAP_REL_MOTHER);
		return t != SNAPSHOT_NONE && body(E, n, t);
	}
	if (n->y == Q_BOTH || n->y == Q_EITHER) {
		uint32_t f = first_of_kind(s, p, SNAP_REL_FATHER);
		uint32_t m = first_of_kind(s, p, SNAP_REL_MOTHER);
		if (n->y == Q_BOTH)
			return f != SNAPSHOT_NONE && m != SNAPSHOT_NONE && body(E, n, f) &&
			       body(E, n, m);
		uint16_t mark = E->r->nevidence;
		if (f != SNAPSHOT_NONE && body(E, n, f))
			return 1;
		E->r->nevidence = mark;
		return m != SNAPSHOT_NONE && body(E, n, m);
	}
	return scope_group(E, n, p);
}

/* ---- conditions -------------------------------------------------------------------- */

/* 1 when node c cannot hold for a subject with these fact types (one bit test). */
static inline int cannot(const struct rnode *c, uint64_t mask)
{
	return c->need && !(mask & c->need);
}

/* 1 when node c's value is known without evaluating it: a pure node whose fact types
 * the subject has none of takes its fact-free value *v. */
static inline int known(const struct rnode *c, uint64_t mask, int *v)
{
	if (!c->pure || (mask & c->sup))
		return 0;
	*v = c->free;
	return 1;
}

static int eval_and(struct ev *E, const struct rnode *n, uint32_t p)
{
	uint64_t mask = E->s->hot[p].mask;
	for (int32_t k = n->kid; k >= 0; k = E->nodes[k].next) {
		const struct rnode *c = &E->nodes[k];
		int v;
		if (c->op == OP_AGE_GE || c->op == OP_AGE_LT) {
			int32_t birth = E->s->hot[p].birth, cut = E->env->cut[c->a];
			if (birth == SNAPSHOT_NO_DATE ||
			    (c->op == OP_AGE_GE ? birth > cut : birth <= cut))
				return 0;
			continue;
		}
		if (cannot(c, mask))
			return 0;
		if (known(c, mask, &v)) {
			if (!v)
				return 0;
			continue; /* e.g. "not has X" without any X */
		}
		if (!eval(E, k, p))
			return 0;
	}
	return 1;
}

static int eval_or(struct ev *E, const struct rnode *n, uint32_t p)
{
	uint64_t mask = E->s->hot[p].mask;
	uint16_t mark = E->r->nevidence;
	for (int32_t k = n->kid; k >= 0; k = E->nodes[k].next) {
		int v;
		if (cannot(&E->nodes[k], mask))
			continue;
		if (known(&E->nodes[k], mask, &v)) {
			if (v)
				return 1; /* no facts looked at: no evidence */
			continue;
		}
		if (eval(E, k, p))
			return 1;
		E->r->nevidence = mark;
	}
	return 0;
}

static int eval_ref(struct ev *E, const struct rnode *n, uint32_t p)
{
	for (int k = 0; k < E->nmemo; k++)
		if (E->memo[k].node == n->a && E->memo[k].p == p)
			return E->memo[k].v;
	uint16_t mark = E->r->nevidence;
	int v = eval(E, n->a, p);
	if (!n->z && E->r->nevidence == mark && E->nmemo < MEMO)
		E->memo[E->nmemo++] = (struct memo){n->a, p, v};
	return v;
}

static int eval(struct ev *E, int32_t i, uint32_t p)
{
	const struct rnode *n = &E->nodes[i];
	int32_t birth;
	uint16_t mark;
	int known_v;
	if (cannot(n, E->s->hot[p].mask))
		return 0;
	if (known(n, E->s->hot[p].mask, &known_v))
		return known_v;
	switch (n->op) {
	case OP_TRUE: return 1;
	case OP_AND: return eval_and(E, n, p);
	case OP_OR: return eval_or(E, n, p);
	case OP_NOT: {
		if (cannot(&E->nodes[n->kid], E->s->hot[p].mask))
			return 1;
		mark = E->r->nevidence;
		int v = !eval(E, n->kid, p);
		E->r->nevidence = mark;
		return v;
	}
	case OP_AGE_GE:
		birth = E->s->hot[p].birth;
		return birth != SNAPSHOT_NO_DATE && birth <= E->env->cut[n->a];
	case OP_AGE_LT:
		birth = E->s->hot[p].birth;
		return birth != SNAPSHOT_NO_DATE && birth > E->env->cut[n->a];
	case OP_GENDER: return E->s->gender[p] == (char)n->x;
	case OP_HAS: return has(E, n, p);
	case OP_INCAT: return (E->r->categories >> n->a) & 1;
	case OP_SCOPE: return scope(E, n, p);
	case OP_REF: return eval_ref(E, n, p);
	default: return 0;
	}
}

/* ---- one person -------------------------------------------------------------------- */

static void hit(struct screen_result *r, int rule, const struct rout *o, uint16_t ev_off)
{
	if (r->nhits == SCREEN_MAX_HITS) {
		r->truncated = 1;
		return;
	}
	struct screen_hit *h = &r->hits[r->nhits++];
	h->rule = (uint16_t)rule;
	h->kind = o->kind;
	h->arg = o->arg;
	h->points = o->points;
	h->ev_off = ev_off;
	h->ev_n = (uint16_t)(r->nevidence - ev_off);
	h->reason = o->reason;
}

static void apply(struct screen_result *r, const struct rule_set *rs, int rule, uint16_t mark)
{
	const struct rrule *rr = &rs->rules[rule];
	for (int k = 0; k < rr->nout; k++) {
		const struct rout *o = &rs->outs[rr->out_off + k];
		switch (o->kind) {
		case SCREEN_HIT_CATEGORY:
			if ((r->categories >> o->arg) & 1)
				continue; /* an earlier rule gave it: first rule wins */
			r->categories |= 1ull << o->arg;
			break;
		case SCREEN_HIT_RED:
			if (r->hard_trigger < 0)
				r->hard_trigger = rule;
			break;
		case SCREEN_HIT_SCORE: r->score += o->points; break;
		default:
			if (o->arg > r->guardianship)
				r->guardianship = o->arg;
		}
		hit(r, rule, o, mark);
	}
}

static int level_of(const struct rule_set *rs, const struct screen_result *r)
{
	if (r->hard_trigger >= 0)
		return SCREEN_LEVEL_RED;
	for (int lv = SCREEN_LEVEL_RED; lv >= SCREEN_LEVEL_BLUE; lv--)
		if (rs->bands[lv] != INT32_MAX && r->score >= rs->bands[lv])
			return lv;
	return SCREEN_LEVEL_NONE;
}

void screen_person(struct screen_result *out, const struct screen_env *env,
		   const struct snapshot *s, uint32_t person)
{
	const struct rule_set *rs = env->rs;
	struct ev E;
	E.env = env;
	E.nodes = rs->nodes;
	E.pool = rs->pool;
	E.s = s;
	E.r = out;
	E.nmemo = 0;
	const struct snap_hot *h = &s->hot[person];
	out->person_id = s->pid[person];
	out->person = person;
	out->date = env->date;
	out->categories = 0;
	out->level = SCREEN_LEVEL_NONE;
	out->score = 0;
	out->hard_trigger = -1;
	out->guardianship = 0;
	out->truncated = 0;
	out->nhits = out->nevidence = 0;
	if (rs->all_guarded && h->birth <= env->skip_birth)
		return;		/* older than every rule's bound, or no birth date */
	uint64_t fam = h->mask; /* fact types of the person and the relatives */
	for (uint32_t k = h->r_off, e = h->r_off + h->r_len; k < e; k++)
		fam |= s->hot[s->r_target[k]].mask;
	for (int i = 0; i < rs->nrules; i++) {
		const struct rrule *rr = &rs->rules[i];
		int k = 0;
		while (k < rr->nfam && (fam & rr->fam_need[k]))
			k++;
		if (k < rr->nfam)
			continue;
		if (rr->age_slot >= 0 &&
		    !(h->birth != SNAPSHOT_NO_DATE && h->birth > env->cut[rr->age_slot]))
			continue;
		if (rr->age_min_slot >= 0 && h->birth > env->cut[rr->age_min_slot])
			continue;
		if ((h->mask & rr->need_mask) != rr->need_mask)
			continue;
		if (rr->cat_need && !(out->categories & rr->cat_need))
			continue;
		uint16_t mark = out->nevidence;
		if (eval(&E, rr->root, person))
			apply(out, rs, i, mark);
		else
			out->nevidence = mark;
	}
	out->level = level_of(rs, out);
}

int screen_person_id(struct screen_result *out, const struct screen_env *env,
		     const struct snapshot *s, int64_t person_id, struct wb_error *err)
{
	uint32_t p = snapshot_find(s, person_id);
	if (p == SNAPSHOT_NONE)
		return wb_error_set(err, WB_ENOTFOUND, 404, "PERSON_NOT_FOUND", "人员不存在",
				    "person not found");
	screen_person(out, env, s, p);
	return 0;
}

const char *screen_hit_reason(const struct screen_env *env, const struct screen_hit *h)
{
	return h->reason < env->rs->nreasons ? env->rs->reasons[h->reason] : "";
}
