/* rules_fuzzer -- the rule language on arbitrary bytes: lexer, parser and compiler, and
 * any rule set that compiles is evaluated over a small fixed family and rendered as
 * JSON. Invariants: a failed compile returns no rule set and a place inside the text; a
 * result names only rules and categories of its set, its evidence stays in bounds, and
 * its JSON parses. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/timeutil.h"
#include "domain/rule.h"
#include "domain/screen.h"
#include "domain/snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct snapshot *family(void)
{
	static struct snapshot *s;
	if (s)
		return s;
	struct snapshot_builder *b = snapshot_builder_new();
	struct wb_error e;
	int32_t d = (int32_t)date_days(2026, 12, 1);
	struct snapshot_person_in p[4] = {{1, 7, d - 40 * 365, 'M', 1, 1},
					  {2, 7, d - 38 * 365, 'F', 1, 1},
					  {3, 7, d - 10 * 365, 'F', 1, 1},
					  {4, 7, d - 70 * 365, 'F', 1, 1}};
	for (int i = 0; i < 4; i++)
		snapshot_builder_add_person(b, &p[i]);
	struct snapshot_fact_in f[] = {
		{10, 1, SNAP_FT_IMPRISONED, 0, d - 100, d + 900},
		{11, 2, SNAP_FT_DISABILITY, 52, SNAPSHOT_DAY_MIN, SNAPSHOT_DAY_MAX},
		{12, 3, SNAP_FT_HUKOU_RURAL, 0, SNAPSHOT_DAY_MIN, SNAPSHOT_DAY_MAX},
		{13, 3, SNAP_FT_PSYCH_SCREENING, 4, d - 20, SNAPSHOT_DAY_MAX},
		{14, 2, SNAP_FT_MIGRANT_WORK, 0, d - 400, SNAPSHOT_DAY_MAX},
		{15, 3, SNAP_FT_BAD_BEHAVIOUR, 3, d - 60, SNAPSHOT_DAY_MAX},
	};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		snapshot_builder_add_fact(b, &f[i]);
	struct snapshot_relation_in r[] = {{3, 1, SNAP_REL_FATHER, 0},
					   {3, 2, SNAP_REL_MOTHER, SNAP_RF_GUARDIAN},
					   {3, 4, SNAP_REL_GRANDMOTHER, 3}};
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		snapshot_builder_add_relation(b, &r[i]);
	if (snapshot_builder_finish(&s, b, &e))
		abort();
	return s;
}

static void check(const struct screen_result *r, const struct rule_set *rs,
		  const struct screen_env *env)
{
	if (r->level < 0 || r->level > 4 || r->nhits > SCREEN_MAX_HITS ||
	    r->nevidence > SCREEN_MAX_EVIDENCE)
		abort();
	if (rule_set_ncategories(rs) < 64 && (r->categories >> rule_set_ncategories(rs)))
		abort();
	for (int i = 0; i < r->nhits; i++) {
		const struct screen_hit *h = &r->hits[i];
		if (h->rule >= rule_set_nrules(rs) || h->ev_off + h->ev_n > r->nevidence)
			abort();
		if (h->kind == SCREEN_HIT_CATEGORY && h->arg >= rule_set_ncategories(rs))
			abort();
	}
	struct buf b;
	struct wb_error e;
	buf_init(&b, 1 << 20);
	if (screen_result_json(&b, r, env, &e) == 0) {
		json_error_t je;
		json_t *j = json_loads(b.data, 0, &je);
		if (!j)
			abort();
		json_decref(j);
	}
	buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rule_set *rs = NULL;
	struct rule_pos pos;
	struct wb_error e;
	if (rule_set_compile(&rs, (const char *)data, size, &pos, &e)) {
		if (rs || pos.line < 0 || pos.col < 0 || (size_t)pos.line > size + 1)
			abort();
		return 0;
	}
	struct snapshot *s = family();
	struct screen_env *env;
	struct screen_result *r = malloc(sizeof(*r));
	if (screen_env_new(&env, rs, (int32_t)date_days(2026, 12, 1), &e))
		abort();
	for (uint32_t p = 0; p < snapshot_count(s); p++) {
		screen_person(r, env, s, p);
		check(r, rs, env);
	}
	free(r);
	screen_env_free(env);
	rule_set_free(rs);
	return 0;
}
