/* rules_test -- the rule language (src/domain/rule_*.c): good and bad rule texts with the
 * expected line:column errors; the built-in rule set over hand-made families built with
 * the snapshot builder, rule by rule with the edge cases of RULES.md; the JSON form of a
 * result; threads; incremental updates of the snapshot (src/domain/snapshot.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/timeutil.h"
#include "domain/rule.h"
#include "domain/rule_int.h" /* optimisation_agrees: the guards switched off */
#include "domain/screen.h"
#include "domain/snapshot.h"

#define D(y, m, d) ((int32_t)date_days((y), (m), (d)))
#define OPEN	   SNAPSHOT_DAY_MAX
#define SINCE	   SNAPSHOT_DAY_MIN

static int32_t today(void)
{
	return D(2026, 12, 1);
}

/* ---- fixture: a tiny county built through the snapshot builder ---------------------- */

struct fx {
	struct snapshot_builder *b;
	struct snapshot *s;
	struct rule_set *rs;
	struct screen_env *env;
	int64_t next_id, next_fact, next_hh;
	struct screen_result r;
};

static struct fx *fx_new(void)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct wb_error e;
	f->b = snapshot_builder_new();
	f->next_id = 100;
	f->next_fact = 5000;
	f->next_hh = 10;
	assert_int_equal(rule_set_builtin(&f->rs, &e), 0);
	return f;
}

static void fx_free(struct fx *f)
{
	snapshot_builder_free(f->b);
	snapshot_free(f->s);
	screen_env_free(f->env);
	rule_set_free(f->rs);
	free(f);
}

static int64_t person(struct fx *f, int64_t hh, int32_t birth, char gender)
{
	struct snapshot_person_in p = {f->next_id++,   hh, birth, gender, 500242000000ull,
				       500242104001ull};
	snapshot_builder_add_person(f->b, &p);
	return p.id;
}

static int64_t fact(struct fx *f, int64_t pid, const char *type, const char *value, int32_t from,
		    int32_t to)
{
	int t = snapshot_fact_type_id(type);
	assert_true(t >= 0);
	struct snapshot_fact_in in = {f->next_fact++, pid, t, snapshot_value_code(t, value),
				      from,	      to};
	snapshot_builder_add_fact(f->b, &in);
	return in.id;
}

static void relate(struct fx *f, int64_t child, int64_t adult, const char *kind, int flags)
{
	struct snapshot_relation_in r = {child, adult, snapshot_rel_kind_id(kind), flags};
	assert_true(r.kind >= 0);
	snapshot_builder_add_relation(f->b, &r);
}

/* A child of `years` (birthday `days_after` days after the reference date in its year,
 * so days_after = 1 makes a child one day short of `years`) with father and mother in
 * one household; the parents are guardians living with the child. */
struct family {
	int64_t child, father, mother, hh;
};

static struct family family(struct fx *f, int years, int days_after, int rural)
{
	struct family m;
	m.hh = f->next_hh++;
	m.father = person(f, m.hh, D(1985, 3, 1), 'M');
	m.mother = person(f, m.hh, D(1987, 5, 1), 'F');
	m.child = person(f, m.hh, D(2026 - years, 12, 1) + days_after, 'F');
	relate(f, m.child, m.father, "father", SNAP_RF_GUARDIAN | SNAP_RF_LIVES_WITH);
	relate(f, m.child, m.mother, "mother", SNAP_RF_GUARDIAN | SNAP_RF_LIVES_WITH);
	if (rural)
		fact(f, m.child, "hukou_rural", NULL, SINCE, OPEN);
	return m;
}

static void finish(struct fx *f)
{
	struct wb_error e;
	assert_int_equal(snapshot_builder_finish(&f->s, f->b, &e), 0);
	f->b = NULL;
	assert_int_equal(screen_env_new(&f->env, f->rs, today(), &e), 0);
}

static const struct screen_result *screen(struct fx *f, int64_t pid)
{
	struct wb_error e;
	assert_int_equal(screen_person_id(&f->r, f->env, f->s, pid, &e), 0);
	return &f->r;
}

static int in_cat(struct fx *f, const struct screen_result *r, const char *code)
{
	int c = rule_set_category_find(f->rs, code);
	assert_true(c >= 0);
	return (int)((r->categories >> c) & 1);
}

static const char *trigger(struct fx *f, const struct screen_result *r)
{
	return r->hard_trigger < 0 ? "" : rule_set_rule(f->rs, r->hard_trigger)->id;
}

static int hit_has_fact(const struct screen_result *r, int kind, int64_t fact_id)
{
	for (int i = 0; i < r->nhits; i++)
		for (int k = 0; r->hits[i].kind == kind && k < r->hits[i].ev_n; k++)
			if (r->evidence[r->hits[i].ev_off + k] == fact_id)
				return 1;
	return 0;
}

/* ---- the language -------------------------------------------------------------------- */

static const char good_text[] =
	"ruleset \"test\" version \"t-1\"\n"
	"param 上限 = 16 岁\n"
	"param 期限 = 6 months\n"
	"param 级别 = \"橙\"\n"
	"category lb \"留守\" \"left behind\"\n"
	"scale \"好\" \"中\" \"差\"\n"
	"band 蓝 >= 1\n"
	"band 红 >= 50\n"
	"define 外出 = has migrant_work for at least 期限\n"
	"rule T-1 \"测试\" basis \"法 1\"\n"
	"  when age < 上限 and both parents: 外出\n"
	"       and not has in_school where value = 0\n"
	"  then category lb reason \"已满{期限}\"\n"
	"       score 5 reason \"五分\"\n"
	"       guardianship \"中\" reason \"一般\"\n"
	"end\n"
	"rule T-2 \"心理\" basis \"法 2\" when has psych_screening where value >= 级别 "
	"within last 期限 then red reason \"{级别}色\" end\n"
	"rule T-3 \"全角\" basis “法 3” when age between 6 and 15 and（father：has deceased）"
	"then score 1 reason \"x\" end\n";

static void parse_good(void **state)
{
	(void)state;
	struct rule_set *rs;
	struct rule_pos pos;
	struct wb_error e;
	int rc = rule_set_compile(&rs, good_text, strlen(good_text), &pos, &e);
	if (rc)
		fail_msg("%s", e.message_en);
	assert_string_equal(rule_set_name(rs), "test");
	assert_string_equal(rule_set_version(rs), "t-1");
	assert_int_equal(rule_set_nrules(rs), 3);
	assert_int_equal(rule_set_ncategories(rs), 1);
	assert_string_equal(rule_set_category(rs, 0)->name_en, "left behind");
	const struct rule_info *ri = rule_set_rule(rs, 0);
	assert_string_equal(ri->id, "T-1");
	assert_string_equal(ri->basis, "法 1");
	assert_int_equal(ri->line, 10);
	assert_int_equal(ri->outputs, RULE_OUT_CATEGORY | RULE_OUT_SCORE | RULE_OUT_GUARDIANSHIP);
	assert_int_equal(rule_set_rule(rs, 1)->outputs, RULE_OUT_RED);
	assert_string_equal(rule_set_rule(rs, 2)->basis, "法 3");
	assert_int_equal(rule_set_nparams(rs), 3);
	assert_string_equal(rule_set_param(rs, 2)->text, "橙");
	assert_int_equal(rule_set_param(rs, 1)->value, 6);
	assert_string_equal(rule_set_scale_label(rs, 1), "中");
	assert_int_equal(rule_set_band(rs, SCREEN_LEVEL_RED), 50);
	assert_int_equal(rule_set_band(rs, SCREEN_LEVEL_ORANGE), INT32_MAX);
	assert_int_equal(rule_set_rule_find(rs, "T-2"), 1);
	rule_set_free(rs);
}

struct bad {
	const char *text;
	int line, col;
	const char *code;
	const char *en; /* part of the English message */
};

static const struct bad bads[] = {
	{"rule A \"n\" basis \"b\" when age < 16 category c reason \"r\" end", 1, 36, "RULE_SYNTAX",
	 "expected 'then', found 'category'"},
	{"category c \"c\" \"c\"\nrule A \"n\" basis \"b\"\n  when has jailed then category c "
	 "reason "
	 "\"r\" end",
	 3, 12, "RULE_SEMANTIC", "unknown fact type: 'jailed'"},
	{"rule A \"n\" basis \"b\" when age < 16 then category nope reason \"r\" end", 1, 50,
	 "RULE_SEMANTIC", "undefined category"},
	{"rule A \"n\n", 1, 8, "RULE_SYNTAX", "unterminated string"},
	{"rule A \"n\" basis \"b\" when father: mother: has deceased then red reason \"r\" end", 1,
	 35, "RULE_SEMANTIC", "relatives cannot nest"},
	{"rule A \"n\" basis \"b\" when has migrant_work for at least 6 then red reason \"r\" end",
	 1, 59, "RULE_SYNTAX", "expected a unit"},
	{"rule A \"n\" basis \"b\"\nwhen has psych_screening where value = \"紫\" then red reason "
	 "\"r\" end",
	 2, 40, "RULE_SEMANTIC", "no such value"},
	{"param x = 3\nrule 留守 \"n\" basis \"b\" when age < 未定义 then red reason \"r\" end", 2,
	 34, "RULE_SEMANTIC", "undefined parameter"},
	{"rule A \"n\" basis \"b\" when age < 16 then red reason \"{没有}\" end", 1, 52,
	 "RULE_SEMANTIC", "undefined parameter"},
	{"rule A \"n\" basis \"b\" when age < 16 then red reason \"r\"", 1, 55, "RULE_SYNTAX",
	 "found end of file"},
	{"rule A \"n\" basis \"b\" when age < 16 then red reason \"r\" end\nrule A \"n\" basis "
	 "\"b\" when age < 16 then red reason \"r\" end",
	 2, 6, "RULE_SEMANTIC", "duplicate rule id"},
	{"foo", 1, 1, "RULE_SYNTAX", "expected 'ruleset', 'param'"},
	{"rule A \"n\" basis \"b\" when age $ 3", 1, 31, "RULE_SYNTAX", "unexpected character"},
	{"rule A \"n\" basis \"b\" when 岁数 < 3 then red reason \"r\" end", 1, 27, "RULE_SEMANTIC",
	 "undefined condition name"},
	{"define and = true", 1, 8, "RULE_SEMANTIC", "keyword cannot be a name"},
	{"rule A \"n\" basis \"b\" when has disability where grade <= 2 or has deceased "
	 "then red reason \"r\" end",
	 1, 0, NULL, NULL}, /* good: the value condition stops before "or has" */
	{"band 红 >= 10\nband 黄 >= 20", 2, 11, "RULE_SEMANTIC", "bands must rise"},
	{"rule A \"n\" basis \"b\" when has psych_screening where grade = 2 then red reason \"r\" "
	 "end",
	 1, 53, "RULE_SEMANTIC", "only disability"},
};

static void parse_bad(void **state)
{
	(void)state;
	int failed = 0;
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		struct rule_set *rs = NULL;
		struct rule_pos pos;
		struct wb_error e;
		memset(&e, 0, sizeof(e));
		int rc = rule_set_compile(&rs, bads[i].text, strlen(bads[i].text), &pos, &e);
		if (!bads[i].code) {
			if (rc)
				fail_msg("case %zu: %s", i, e.message_en);
			rule_set_free(rs);
			continue;
		}
		if (rc == 0)
			fail_msg("case %zu compiled", i);
		assert_null(rs);
		if (pos.line != bads[i].line || pos.col != bads[i].col ||
		    strcmp(e.code, bads[i].code) || !strstr(e.message_en, bads[i].en)) {
			print_error("case %zu: got %d:%d %s %s\n", i, pos.line, pos.col, e.code,
				    e.message_en);
			failed++;
			continue;
		}
		char zh[64];
		snprintf(zh, sizeof(zh), "第%d行第%d列：", pos.line, pos.col);
		assert_true(strncmp(e.message, zh, strlen(zh)) == 0);
		assert_int_equal(e.status, 422);
	}
	assert_int_equal(failed, 0);
}

static void parse_limits(void **state)
{
	(void)state;
	struct rule_set *rs;
	struct rule_pos pos;
	struct wb_error e;
	char text[4096];
	int n = snprintf(text, sizeof(text), "rule A \"n\" basis \"b\" when ");
	for (int i = 0; i < 200; i++)
		text[n++] = '(';
	text[n] = '\0';
	assert_int_equal(rule_set_compile(&rs, text, strlen(text), &pos, &e), WB_ETOOBIG);
	assert_string_equal(e.code, "RULE_TOO_BIG");
	/* invalid UTF-8 is refused at its place */
	assert_int_equal(rule_set_compile(&rs, "rule \xff", 6, &pos, &e), WB_EINVAL);
	assert_int_equal(pos.line, 1);
	assert_int_equal(pos.col, 6);
	/* embedded NUL */
	assert_int_equal(rule_set_compile(&rs, "rule\0A", 6, &pos, &e), WB_EINVAL);
	assert_int_equal(pos.col, 5);
}

/* Chinese keywords mean what the English ones do. */
static void chinese_keywords(void **state)
{
	(void)state;
	static const char en[] =
		"category lb \"留守\" \"lb\"\n"
		"define 重病 = has serious_illness\n"
		"rule LB \"留守\" basis \"国发〔2016〕13号\"\n"
		"  when age < 16 and has hukou_rural and ((both parents: has migrant_work for at "
		"least 6 months) or (either parent: 重病 and not in category lb))\n"
		"  then category lb reason \"r\" score 10 reason \"s\" guardianship \"一般\" "
		"reason "
		"\"g\"\nend\n"
		"rule G \"g\" basis \"b\" when no guardian: (age >= 18 and not has deceased) "
		"then red reason \"r\" end\n";
	static const char zh[] =
		"类别 lb \"留守\" \"lb\"\n"
		"定义 重病 = 有 serious_illness\n"
		"规则 LB \"留守\" 依据 \"国发〔2016〕13号\"\n"
		"  条件 年龄 < 16 且 有 hukou_rural 且 （（父母双方：有 migrant_work 已满 6 个月） "
		"或 "
		"（父母一方：重病 且 非 属于 类别 lb））\n"
		"  结论 类别 lb 理由 \"r\" 计分 10 理由 \"s\" 监护评级 \"一般\" 理由 \"g\"\n结束\n"
		"规则 G \"g\" 依据 \"b\" 条件 没有 监护人：（年龄 >= 18 且 非 有 deceased） "
		"结论 红色预警 理由 \"r\" 结束\n";
	struct rule_set *a, *b;
	struct rule_pos pos;
	struct wb_error e;
	if (rule_set_compile(&a, en, strlen(en), &pos, &e) ||
	    rule_set_compile(&b, zh, strlen(zh), &pos, &e))
		fail_msg("%d:%d %s", pos.line, pos.col, e.message_en);
	struct fx *f = fx_new();
	struct family m = family(f, 10, 0, 1), n = family(f, 10, 0, 1);
	fact(f, m.father, "migrant_work", NULL, D(2025, 1, 1), OPEN);
	fact(f, m.mother, "migrant_work", NULL, D(2025, 1, 1), OPEN);
	fact(f, n.mother, "serious_illness", NULL, D(2025, 1, 1), OPEN);
	int64_t lone = person(f, 0, D(2015, 1, 1), 'M');
	finish(f);
	struct screen_env *ea, *eb;
	struct screen_result ra, rb;
	assert_int_equal(screen_env_new(&ea, a, today(), &e), 0);
	assert_int_equal(screen_env_new(&eb, b, today(), &e), 0);
	int64_t ids[] = {m.child, n.child, lone, m.father};
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(screen_person_id(&ra, ea, f->s, ids[i], &e), 0);
		assert_int_equal(screen_person_id(&rb, eb, f->s, ids[i], &e), 0);
		assert_int_equal(ra.categories, rb.categories);
		assert_int_equal(ra.level, rb.level);
		assert_int_equal(ra.score, rb.score);
		assert_int_equal(ra.guardianship, rb.guardianship);
	}
	assert_int_equal(screen_person_id(&rb, eb, f->s, m.child, &e), 0);
	assert_int_equal(rb.categories, 1);
	assert_int_equal(rb.score, 10);
	assert_int_equal(screen_person_id(&rb, eb, f->s, lone, &e), 0);
	assert_int_equal(rb.level, SCREEN_LEVEL_RED); /* no guardian at all */
	/* an alias is a keyword: it cannot be a name */
	struct rule_set *c = NULL;
	static const char bad[] = "参数 父亲 = 3";
	assert_int_equal(rule_set_compile(&c, bad, strlen(bad), &pos, &e), WB_EINVAL);
	assert_true(strstr(e.message_en, "keyword cannot be a name") != NULL);
	assert_null(c);
	screen_env_free(ea);
	screen_env_free(eb);
	rule_set_free(a);
	rule_set_free(b);
	fx_free(f);
}

static void builtin_compiles(void **state)
{
	(void)state;
	struct rule_set *rs;
	struct wb_error e;
	size_t len;
	assert_true(strstr(rule_builtin_text(&len), "ruleset") != NULL);
	assert_true(len > 1000);
	assert_int_equal(rule_set_builtin(&rs, &e), 0);
	static const char *const cats[] = {
		"left_behind",	     "difficulty", "orphan",	   "unsupported",
		"prisoner_child",    "street",	   "idle_youth",   "bad_behaviour",
		"serious_behaviour", "psych",	   "guardianship", "disabled",
		"correction",	     "victim",	   "dropout",	   "divorced_family"};
	for (size_t i = 0; i < sizeof(cats) / sizeof(cats[0]); i++)
		assert_true(rule_set_category_find(rs, cats[i]) >= 0);
	for (int i = 0; i < rule_set_nrules(rs); i++)
		assert_true(strlen(rule_set_rule(rs, i)->basis) > 0);
	assert_int_equal(rule_set_nscale(rs), 3);
	assert_string_equal(rule_set_scale_label(rs, 2), "差");
	rule_set_free(rs);
}

/* ---- 农村留守儿童 ------------------------------------------------------------------------ */

static void left_behind(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	/* both away a year: 15 (one day short of 16) yes, 16 no */
	struct family a = family(f, 16, 1, 1), b = family(f, 16, 0, 1);
	struct family *ab[] = {&a, &b};
	for (int i = 0; i < 2; i++) {
		fact(f, ab[i]->father, "migrant_work", "广东", D(2025, 10, 1), OPEN);
		fact(f, ab[i]->mother, "migrant_work", "广东", D(2025, 10, 1), OPEN);
	}
	/* urban: not 留守 */
	struct family u = family(f, 10, 0, 0);
	fact(f, u.father, "migrant_work", "x", D(2025, 1, 1), OPEN);
	fact(f, u.mother, "migrant_work", "x", D(2025, 1, 1), OPEN);
	/* away only 3 months: not yet */
	struct family s = family(f, 10, 0, 1);
	fact(f, s.father, "migrant_work", "x", D(2026, 9, 1), OPEN);
	fact(f, s.mother, "migrant_work", "x", D(2025, 1, 1), OPEN);
	/* one away, the other severely disabled (grade 2), or intellectual grade 3 */
	struct family d2 = family(f, 10, 0, 1), d5 = family(f, 10, 0, 1), d4 = family(f, 10, 0, 1);
	struct family il = family(f, 10, 0, 1), one = family(f, 10, 0, 1);
	fact(f, d2.father, "migrant_work", "x", D(2025, 1, 1), OPEN);
	int64_t dis = fact(f, d2.mother, "disability", "4-2", D(2020, 1, 1), OPEN);
	fact(f, d5.mother, "migrant_work", "x", D(2025, 1, 1), OPEN);
	fact(f, d5.father, "disability", "5-3", D(2020, 1, 1), OPEN);
	fact(f, d4.father, "migrant_work", "x", D(2025, 1, 1), OPEN);
	fact(f, d4.mother, "disability", "4-3", D(2020, 1, 1), OPEN); /* limb grade 3: able */
	fact(f, il.father, "migrant_work", "x", D(2025, 1, 1), OPEN);
	fact(f, il.mother, "serious_illness", "尿毒症", D(2024, 1, 1), OPEN);
	fact(f, one.father, "migrant_work", "x", D(2025, 1, 1), OPEN); /* mother at home */
	finish(f);
	const struct screen_result *r = screen(f, a.child);
	assert_true(in_cat(f, r, "left_behind"));
	assert_int_equal(r->level, SCREEN_LEVEL_BLUE);
	assert_string_equal(rule_set_scale_label(f->rs, r->guardianship), "一般");
	assert_false(in_cat(f, screen(f, b.child), "left_behind"));
	assert_false(in_cat(f, screen(f, u.child), "left_behind"));
	assert_false(in_cat(f, screen(f, s.child), "left_behind"));
	r = screen(f, d2.child);
	assert_true(in_cat(f, r, "left_behind"));
	assert_true(hit_has_fact(r, SCREEN_HIT_CATEGORY, dis));
	assert_true(in_cat(f, screen(f, d5.child), "left_behind"));
	assert_false(in_cat(f, screen(f, d4.child), "left_behind"));
	assert_true(in_cat(f, screen(f, il.child), "left_behind"));
	r = screen(f, one.child);
	assert_true(screen_result_empty(r));
	assert_string_equal(rule_set_scale_label(f->rs, r->guardianship), "较好");
	fx_free(f);
}

/* ---- 孤儿 / 事实无人抚养 / 服刑人员子女 ------------------------------------------------ */

static void orphan_and_unsupported(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	struct family orph = family(f, 9, 0, 1);
	fact(f, orph.father, "deceased", NULL, D(2022, 1, 1), OPEN);
	fact(f, orph.mother, "declared_missing", NULL, D(2023, 1, 1), OPEN);
	int64_t gp = person(f, orph.hh, D(1955, 1, 1), 'F');
	relate(f, orph.child, gp, "grandmother", SNAP_RF_GUARDIAN | SNAP_RF_LIVES_WITH);
	/* one parent dead, the other imprisoned (sentence of years) */
	struct family dp = family(f, 12, 0, 1);
	fact(f, dp.father, "deceased", NULL, D(2021, 1, 1), OPEN);
	int64_t jail = fact(f, dp.mother, "imprisoned", "某监狱", D(2025, 6, 1), D(2029, 1, 1));
	/* both in A: one imprisoned, the other severely disabled */
	struct family aa = family(f, 12, 0, 1);
	fact(f, aa.father, "imprisoned", "x", D(2026, 10, 1), OPEN);
	fact(f, aa.mother, "disability", "6-4", D(2019, 1, 1), OPEN);
	/* imprisonment shorter than 6 months: not in A */
	struct family sh = family(f, 12, 0, 1);
	fact(f, sh.father, "deceased", NULL, D(2021, 1, 1), OPEN);
	fact(f, sh.mother, "imprisoned", "x", D(2026, 10, 1), D(2027, 1, 31));
	/* released last month: neither current nor in A */
	struct family rel = family(f, 12, 0, 1);
	fact(f, rel.father, "deceased", NULL, D(2021, 1, 1), OPEN);
	fact(f, rel.mother, "imprisoned", "x", D(2023, 1, 1), D(2026, 11, 1));
	/* lost contact 9 months vs 3 months (counted from the police accepting it) */
	struct family l9 = family(f, 12, 0, 1), l3 = family(f, 12, 0, 1);
	fact(f, l9.father, "deceased", NULL, D(2021, 1, 1), OPEN);
	fact(f, l9.mother, "lost_contact", NULL, D(2026, 3, 1), OPEN);
	fact(f, l3.father, "deceased", NULL, D(2021, 1, 1), OPEN);
	fact(f, l3.mother, "lost_contact", NULL, D(2026, 9, 1), OPEN);
	/* 17 vs 18 */
	struct family adult = family(f, 18, 0, 1);
	fact(f, adult.father, "deceased", NULL, D(2021, 1, 1), OPEN);
	fact(f, adult.mother, "deceased", NULL, D(2021, 1, 1), OPEN);
	finish(f);

	const struct screen_result *r = screen(f, orph.child);
	assert_true(in_cat(f, r, "orphan"));
	assert_false(in_cat(f, r, "unsupported"));
	assert_string_equal(trigger(f, r), ""); /* a capable grandmother is guardian */
	r = screen(f, dp.child);
	assert_true(in_cat(f, r, "unsupported"));
	assert_true(in_cat(f, r, "prisoner_child"));
	assert_false(in_cat(f, r, "orphan"));
	assert_true(hit_has_fact(r, SCREEN_HIT_CATEGORY, jail));
	/* no guardian can act (father dead, mother imprisoned): 未保法 92 → 红 */
	assert_string_equal(trigger(f, r), "GF-4");
	assert_int_equal(r->level, SCREEN_LEVEL_RED);
	assert_true(in_cat(f, screen(f, aa.child), "unsupported"));
	r = screen(f, sh.child);
	assert_false(in_cat(f, r, "unsupported"));
	assert_true(in_cat(f, r, "prisoner_child"));
	r = screen(f, rel.child);
	assert_false(in_cat(f, r, "unsupported"));
	assert_false(in_cat(f, r, "prisoner_child"));
	assert_true(in_cat(f, screen(f, l9.child), "unsupported"));
	assert_false(in_cat(f, screen(f, l3.child), "unsupported"));
	assert_true(screen_result_empty(screen(f, adult.child)));
	fx_free(f);
}

/* ---- hard triggers and the scored level ------------------------------------------------ */

static void triggers_and_levels(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	struct family psy = family(f, 14, 0, 0), sb1 = family(f, 14, 0, 0),
		      sb5 = family(f, 14, 0, 0);
	struct family u7 = family(f, 7, 0, 0), u9 = family(f, 9, 0, 0), a15 = family(f, 15, 0, 0);
	struct family a16 = family(f, 16, 0, 0), bb = family(f, 14, 0, 0),
		      old = family(f, 14, 0, 0);
	struct family py = family(f, 14, 0, 0);
	int64_t red = fact(f, psy.child, "psych_screening", "红", D(2026, 10, 1), OPEN);
	fact(f, sb1.child, "serious_bad_behaviour", "3", D(2026, 11, 1), OPEN);
	fact(f, sb5.child, "serious_bad_behaviour", "3", D(2026, 7, 1), OPEN);
	fact(f, u7.child, "unattended", NULL, D(2026, 11, 20), OPEN);
	fact(f, u9.child, "unattended", NULL, D(2026, 11, 20), OPEN);
	fact(f, a15.child, "lives_alone", NULL, D(2026, 6, 1), OPEN);
	fact(f, a16.child, "lives_alone", NULL, D(2026, 6, 1), OPEN);
	fact(f, bb.child, "bad_behaviour", "2", D(2026, 1, 1), OPEN);
	fact(f, old.child, "bad_behaviour", "2", D(2025, 11, 1), OPEN);
	fact(f, py.child, "psych_screening", "黄", D(2026, 10, 1), OPEN);
	finish(f);

	const struct screen_result *r = screen(f, psy.child);
	assert_int_equal(r->level, SCREEN_LEVEL_RED);
	assert_string_equal(trigger(f, r), "PS-2");
	assert_true(in_cat(f, r, "psych"));
	assert_true(hit_has_fact(r, SCREEN_HIT_RED, red));
	r = screen(f, sb1.child);
	assert_string_equal(trigger(f, r), "SB-2");
	r = screen(f, sb5.child);
	assert_true(in_cat(f, r, "serious_behaviour"));
	assert_int_equal(r->hard_trigger, -1);
	assert_int_equal(r->score, 30);
	assert_int_equal(r->level, SCREEN_LEVEL_ORANGE);
	r = screen(f, u7.child);
	assert_string_equal(trigger(f, r), "GF-1");
	assert_string_equal(rule_set_scale_label(f->rs, r->guardianship), "差");
	r = screen(f, u9.child);
	assert_string_equal(trigger(f, r), "GF-3"); /* 未保法 92(四), not the under-8 rule */
	assert_string_equal(trigger(f, screen(f, a15.child)), "GF-2");
	assert_true(screen_result_empty(screen(f, a16.child)));
	r = screen(f, bb.child);
	assert_true(in_cat(f, r, "bad_behaviour"));
	assert_int_equal(r->level, SCREEN_LEVEL_YELLOW);
	assert_false(in_cat(f, screen(f, old.child), "bad_behaviour"));
	r = screen(f, py.child);
	assert_true(in_cat(f, r, "psych"));
	assert_int_equal(r->level, SCREEN_LEVEL_YELLOW);
	fx_free(f);
}

/* ---- guardianship rating, other categories ----------------------------------------------- */

static void guardianship_and_others(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	/* both parents away, nobody capable at home: 委托不当 → 差 */
	struct family away = family(f, 10, 0, 1);
	away.father = person(f, away.hh, D(1985, 3, 1), 'M');
	away.mother = person(f, away.hh, D(1987, 5, 1), 'F');
	away.child = person(f, away.hh, D(2016, 6, 1), 'M');
	relate(f, away.child, away.father, "father", SNAP_RF_GUARDIAN);
	relate(f, away.child, away.mother, "mother", SNAP_RF_GUARDIAN);
	fact(f, away.child, "hukou_rural", NULL, SINCE, OPEN);
	fact(f, away.father, "migrant_work", "x", D(2025, 1, 1), OPEN);
	fact(f, away.mother, "migrant_work", "x", D(2025, 1, 1), OPEN);
	int64_t gp = person(f, away.hh, D(1950, 1, 1), 'M');
	relate(f, away.child, gp, "grandfather", SNAP_RF_GUARDIAN | SNAP_RF_LIVES_WITH);
	fact(f, gp, "disability", "1-1", D(2010, 1, 1), OPEN);
	/* no parents' data at all: no 92 trigger (nothing is known) */
	int64_t lone = person(f, 0, D(2015, 1, 1), 'M');
	/* other categories */
	struct family o = family(f, 15, 0, 0);
	fact(f, o.child, "disability", "2-3", D(2016, 1, 1), OPEN);
	fact(f, o.child, "low_income", NULL, D(2024, 1, 1), OPEN);
	fact(f, o.child, "dropout", "未返校", D(2026, 3, 1), OPEN);
	fact(f, o.child, "community_correction", NULL, D(2026, 8, 1), D(2027, 8, 1));
	fact(f, o.child, "crime_victim", NULL, D(2025, 1, 1), OPEN);
	fact(f, o.child, "parents_divorced", NULL, D(2020, 1, 1), OPEN);
	fact(f, o.child, "street_begging", NULL, D(2026, 11, 1), OPEN);
	finish(f);

	const struct screen_result *r = screen(f, away.child);
	assert_true(in_cat(f, r, "left_behind"));
	assert_true(in_cat(f, r, "guardianship"));
	assert_string_equal(rule_set_scale_label(f->rs, r->guardianship), "差");
	r = screen(f, lone);
	assert_true(screen_result_empty(r));
	r = screen(f, o.child);
	static const char *const want[] = {"disabled", "difficulty",	  "dropout", "correction",
					   "victim",   "divorced_family", "street",  "idle_youth"};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!in_cat(f, r, want[i]))
			fail_msg("missing %s", want[i]);
	assert_string_equal(trigger(f, r), "ST-1");
	fx_free(f);
}

/* ---- JSON ---------------------------------------------------------------------------------- */

static void result_json(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	struct family dp = family(f, 12, 0, 1);
	int64_t dead = fact(f, dp.father, "deceased", NULL, D(2021, 1, 1), OPEN);
	fact(f, dp.mother, "imprisoned", "某监狱", D(2025, 6, 1), D(2029, 1, 1));
	finish(f);
	const struct screen_result *r = screen(f, dp.child);
	struct buf b;
	struct wb_error e;
	buf_init(&b, 1 << 20);
	assert_int_equal(screen_result_json(&b, r, f->env, &e), 0);
	json_error_t je;
	json_t *j = json_loads(b.data, JSON_REJECT_DUPLICATES, &je);
	if (!j)
		fail_msg("%s: %s", je.text, b.data);
	assert_string_equal(json_string_value(json_object_get(j, "level")), "red");
	assert_string_equal(json_string_value(json_object_get(j, "level_name")), "红");
	assert_string_equal(json_string_value(json_object_get(j, "date")), "2026-12-01");
	json_t *rsj = json_object_get(j, "ruleset");
	assert_string_equal(json_string_value(json_object_get(rsj, "version")),
			    rule_set_version(f->rs));
	json_t *cats = json_object_get(j, "categories");
	int found = 0;
	for (size_t i = 0; i < json_array_size(cats); i++) {
		json_t *c = json_array_get(cats, i);
		if (strcmp(json_string_value(json_object_get(c, "code")), "unsupported"))
			continue;
		found = 1;
		assert_string_equal(json_string_value(json_object_get(c, "name")),
				    "事实无人抚养儿童");
		assert_string_equal(json_string_value(json_object_get(c, "rule_id")), "UN-2");
		assert_true(
			strstr(json_string_value(json_object_get(c, "basis")), "民发〔2019〕62号"));
		json_t *ids = json_object_get(c, "fact_ids");
		assert_int_equal(json_array_size(ids), 2);
		assert_int_equal(json_integer_value(json_array_get(ids, 0)), dead);
	}
	assert_true(found);
	json_t *ht = json_object_get(j, "hard_trigger");
	assert_string_equal(json_string_value(json_object_get(ht, "rule_id")), "GF-4");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(j, "guardianship"), "rating")),
		"差");
	json_decref(j);
	/* the ceiling of the caller's buffer is respected */
	struct buf small;
	buf_init(&small, 64);
	assert_int_equal(screen_result_json(&small, r, f->env, &e), WB_ETOOBIG);
	buf_release(&small);
	buf_release(&b);
	fx_free(f);
}

/* ---- threads and replication -------------------------------------------------------------- */

struct tally {
	size_t n[2], red;
};

static int tally_cb(void *ctx, int thread, const struct screen_result *r)
{
	struct tally *t = ctx;
	t->n[thread]++; /* each thread its own slot */
	if (thread == 0 && r->level == SCREEN_LEVEL_RED)
		t->red++;
	return 0;
}

struct impact {
	size_t diff[2], gained_lb[2];
	int lb;
};

static int impact_cb(void *ctx, int thread, const struct screen_result *before,
		     const struct screen_result *after)
{
	struct impact *im = ctx;
	im->diff[thread]++;
	assert_int_equal(before->person_id, after->person_id);
	if (((after->categories & ~before->categories) >> im->lb) & 1)
		im->gained_lb[thread]++;
	return 0;
}

/* The impact preview of a draft: 留守 up to 18 instead of 16. */
static void compare_drafts(struct fx *f)
{
	size_t len;
	const char *text = rule_builtin_text(&len);
	char *draft = malloc(len + 1);
	memcpy(draft, text, len);
	draft[len] = '\0';
	char *at = strstr(draft, "param 留守年龄上限 = 16");
	assert_non_null(at);
	at[strlen("param 留守年龄上限 = ") + 1] = '8';
	struct rule_set *rs2;
	struct screen_env *env2;
	struct rule_pos pos;
	struct wb_error e;
	assert_int_equal(rule_set_compile(&rs2, draft, len, &pos, &e), 0);
	assert_int_equal(screen_env_new(&env2, rs2, today(), &e), 0);
	struct impact im;
	memset(&im, 0, sizeof(im));
	im.lb = rule_set_category_find(rs2, "left_behind");
	struct screen_stats st;
	assert_int_equal(screen_compare(f->env, env2, f->s, 2, impact_cb, &im, &st, &e), 0);
	assert_true(im.gained_lb[0] + im.gained_lb[1] > 0);
	assert_true(im.diff[0] + im.diff[1] >= im.gained_lb[0] + im.gained_lb[1]);
	memset(&im, 0, sizeof(im));
	assert_int_equal(screen_compare(f->env, f->env, f->s, 2, impact_cb, &im, &st, &e), 0);
	assert_int_equal(im.diff[0] + im.diff[1], 0);
	screen_env_free(env2);
	rule_set_free(rs2);
	free(draft);
}

static void screen_all_threads(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	for (int i = 0; i < 300; i++) {
		struct family m = family(f, i % 20, 0, i % 2 == 0);
		if (i % 3 == 0)
			fact(f, m.father, "migrant_work", "x", D(2025, 1, 1), OPEN);
		if (i % 6 == 0)
			fact(f, m.mother, "migrant_work", "x", D(2025, 1, 1), OPEN);
		if (i % 7 == 0)
			fact(f, m.child, "psych_screening", "红", D(2026, 11, 1), OPEN);
	}
	finish(f);
	struct screen_stats one, two;
	struct wb_error e;
	struct tally t = {{0, 0}, 0};
	assert_int_equal(screen_all(f->env, f->s, 1, 0, NULL, NULL, &one, &e), 0);
	assert_int_equal(screen_all(f->env, f->s, 2, SCREEN_FLAGGED_ONLY, tally_cb, &t, &two, &e),
			 0);
	assert_int_equal(one.persons, 900);
	assert_int_equal(two.persons, 900);
	assert_int_equal(one.flagged, two.flagged);
	assert_int_equal(t.n[0] + t.n[1], two.flagged);
	assert_int_equal(one.level[SCREEN_LEVEL_RED], two.level[SCREEN_LEVEL_RED]);
	int lb = rule_set_category_find(f->rs, "left_behind");
	assert_true(one.category[lb] > 0);

	struct snapshot *big = snapshot_replicate(f->s, 3);
	struct screen_stats three;
	assert_int_equal(snapshot_count(big), 2700);
	assert_int_equal(screen_all(f->env, big, 2, 0, NULL, NULL, &three, &e), 0);
	assert_int_equal(three.flagged, 3 * one.flagged);
	assert_int_equal(three.category[lb], 3 * one.category[lb]);
	snapshot_free(big);
	assert_int_equal(screen_all(f->env, f->s, 0, 0, NULL, NULL, NULL, &e), WB_EINVAL);
	compare_drafts(f);
	fx_free(f);
}

/* ---- incremental update --------------------------------------------------------------------- */

static int contains(const uint32_t *v, size_t n, uint32_t x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return 1;
	return 0;
}

static void incremental(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	struct family m = family(f, 10, 0, 1);
	int64_t sib = person(f, m.hh, D(2018, 1, 1), 'M');
	relate(f, sib, m.father, "father", SNAP_RF_GUARDIAN | SNAP_RF_LIVES_WITH);
	family(f, 5, 0, 0); /* another household, untouched */
	finish(f);
	assert_false(in_cat(f, screen(f, m.child), "prisoner_child"));

	/* the 司法所 records the father's imprisonment */
	struct snapshot_person_in fp = {m.father,	 m.hh,		 D(1985, 3, 1), 'M',
					500242000000ull, 500242104001ull};
	struct snapshot_fact_in jail = {9001,	      0, SNAP_FT_IMPRISONED, 0, D(2026, 11, 1),
					D(2030, 1, 1)};
	uint32_t aff[16];
	size_t naff;
	struct wb_error e;
	assert_int_equal(snapshot_update_person(f->s, &fp, &jail, 1, NULL, 0, aff, 16, &naff, &e),
			 0);
	uint32_t child = snapshot_find(f->s, m.child);
	assert_true(contains(aff, naff, snapshot_find(f->s, m.father)));
	assert_true(contains(aff, naff, child));
	assert_true(contains(aff, naff, snapshot_find(f->s, sib)));
	assert_int_equal(naff, 4); /* father, two children, mother (household) */
	const struct screen_result *r = screen(f, m.child);
	assert_true(in_cat(f, r, "prisoner_child"));
	assert_true(hit_has_fact(r, SCREEN_HIT_CATEGORY, 9001));

	/* corrected away (no facts), then the child's own relations replaced */
	assert_int_equal(snapshot_update_person(f->s, &fp, NULL, 0, NULL, 0, aff, 16, &naff, &e),
			 0);
	assert_false(in_cat(f, screen(f, m.child), "prisoner_child"));
	struct snapshot_person_in cp = {m.child,	 m.hh,		 D(2016, 12, 1), 'F',
					500242000000ull, 500242104001ull};
	struct snapshot_fact_in facts[3] = {
		{9002, 0, SNAP_FT_HUKOU_RURAL, 0, SINCE, OPEN},
		{9003, 0, SNAP_FT_PSYCH_SCREENING, 4, D(2026, 11, 15), OPEN},
		{9004, 0, SNAP_FT_DISABILITY, 52, D(2020, 1, 1), OPEN},
	};
	struct snapshot_relation_in rels[1] = {{0, m.mother, SNAP_REL_MOTHER, SNAP_RF_GUARDIAN}};
	assert_int_equal(snapshot_update_person(f->s, &cp, facts, 3, rels, 1, aff, 16, &naff, &e),
			 0);
	r = screen(f, m.child);
	assert_string_equal(trigger(f, r), "PS-2");
	assert_true(in_cat(f, r, "disabled"));
	struct snapshot_rels rl;
	snapshot_person_relations(&rl, f->s, child);
	assert_int_equal(rl.n, 1);
	/* the father no longer has the child as a dependant */
	uint32_t dep[16];
	size_t nd = snapshot_dependants(f->s, snapshot_find(f->s, m.father), dep, 16);
	assert_true(contains(dep, nd, snapshot_find(f->s, sib)));
	assert_true(contains(dep, nd, child)); /* still: same household */

	/* a person not yet in the snapshot is appended, in a new household */
	struct snapshot_person_in np = {777777, 999, D(2012, 1, 1), 'M', 0, 0};
	struct snapshot_fact_in nf = {9100, 0, SNAP_FT_STREET_BEGGING, 0, D(2026, 11, 1), OPEN};
	assert_int_equal(snapshot_update_person(f->s, &np, &nf, 1, NULL, 0, aff, 16, &naff, &e), 0);
	assert_int_equal(naff, 1);
	assert_string_equal(trigger(f, screen(f, 777777)), "ST-1");
	/* moving the father to that household updates both rings */
	fp.household_id = 999;
	assert_int_equal(snapshot_update_person(f->s, &fp, NULL, 0, NULL, 0, aff, 16, &naff, &e),
			 0);
	assert_true(contains(aff, naff, snapshot_find(f->s, 777777)));
	assert_true(contains(aff, naff, child)); /* old household, and a dependant */
	/* bad input */
	struct snapshot_fact_in bad = {1, 0, 99, 0, 0, 0};
	assert_int_equal(snapshot_update_person(f->s, &fp, &bad, 1, NULL, 0, aff, 16, &naff, &e),
			 WB_EINVAL);
	assert_int_equal(screen_person_id(&f->r, f->env, f->s, 424242, &e), WB_ENOTFOUND);
	fx_free(f);
}

/* ---- the guards agree with plain evaluation ------------------------------------------------ */

static uint64_t lcg(uint64_t *x)
{
	*x = *x * 6364136223846793005ull + 1442695040888963407ull;
	return *x >> 33;
}

/* A compiled set with every shortcut of the compiler removed: plain evaluation. */
static void strip_guards(struct rule_set *rs)
{
	for (int i = 0; i < rs->nnodes; i++) {
		rs->nodes[i].need = 0;
		rs->nodes[i].pure = 0;
		if (rs->nodes[i].op == OP_REF)
			rs->nodes[i].z = 1; /* no memo */
	}
	for (int i = 0; i < rs->nrules; i++) {
		rs->rules[i].age_slot = rs->rules[i].age_min_slot = -1;
		rs->rules[i].need_mask = rs->rules[i].cat_need = 0;
		rs->rules[i].nfam = 0;
	}
	rs->all_guarded = 0;
}

static void random_household(struct fx *f, uint64_t *rng)
{
	static const char *const vals[SNAP_FT_COUNT] = {[SNAP_FT_DISABILITY] = "5-3",
							[SNAP_FT_PSYCH_SCREENING] = "橙",
							[SNAP_FT_BAD_BEHAVIOUR] = "2",
							[SNAP_FT_SERIOUS_BAD_BEHAVIOUR] = "4"};
	static const char *const dis[] = {"1-1", "4-3", "5-4", "6-2", "2-3"};
	static const char *const psy[] = {"绿", "黄", "橙", "红"};
	static const char *const kinds[] = {"father",	   "mother",   "stepfather",
					    "grandmother", "guardian", "sibling"};
	int64_t hh = f->next_hh++, members[6];
	int n = 2 + (int)(lcg(rng) % 4);
	for (int i = 0; i < n; i++) {
		int age = i < 2 ? 20 + (int)(lcg(rng) % 60) : (int)(lcg(rng) % 27);
		int32_t birth = lcg(rng) % 50 == 0
					? SNAPSHOT_NO_DATE
					: today() - age * 365 - (int32_t)(lcg(rng) % 365);
		members[i] = person(f, lcg(rng) % 10 ? hh : 0, birth, lcg(rng) % 2 ? 'M' : 'F');
		int nf = (int)(lcg(rng) % 4);
		for (int k = 0; k < nf; k++) {
			int t = (int)(lcg(rng) % SNAP_FT_COUNT);
			const char *v = t == SNAP_FT_DISABILITY	       ? dis[lcg(rng) % 5]
					: t == SNAP_FT_PSYCH_SCREENING ? psy[lcg(rng) % 4]
								       : vals[t];
			int32_t from =
				lcg(rng) % 8 == 0 ? SINCE : today() - (int32_t)(lcg(rng) % 1500);
			int32_t to = lcg(rng) % 2 ? OPEN : from + (int32_t)(lcg(rng) % 1200);
			if (from == SINCE && to != OPEN)
				to = today() + (int32_t)(lcg(rng) % 400) - 200;
			fact(f, members[i], snapshot_fact_type_code(t), v, from, to);
		}
	}
	for (int i = 2; i < n; i++)
		for (int k = 0; k < i && k < 3; k++)
			if (lcg(rng) % 4)
				relate(f, members[i], members[k],
				       k < 2 ? kinds[k] : kinds[lcg(rng) % 6], (int)(lcg(rng) % 4));
}

/* ---- semantics of the language, one construct at a time ----------------------------------- */

static const char sem_text[] =
	"category c \"c\" \"c\"\n"
	"rule AGE \"a\" basis \"b\" when age >= 18 then score 1 reason \"r\" end\n"
	"rule FOR \"a\" basis \"b\" when has migrant_work for at least 6 months then score 2 "
	"reason \"r\" end\n"
	"rule LAST \"a\" basis \"b\" when has imprisoned lasting at least 6 months then score 4 "
	"reason \"r\" end\n"
	"rule WIN \"a\" basis \"b\" when has bad_behaviour within last 12 months then score 8 "
	"reason \"r\" end\n"
	"rule DUR \"a\" basis \"b\" when has in_school during last 6 months then score 16 "
	"reason \"r\" end\n"
	"rule EVER \"a\" basis \"b\" when has employed ever then score 32 reason \"r\" end\n"
	"rule ALL \"a\" basis \"b\" when all guardian: has deceased then score 64 reason \"r\" "
	"end\n"
	"rule NO \"a\" basis \"b\" when no guardian: has deceased then score 128 reason \"r\" end\n"
	"rule HH \"a\" basis \"b\" when any household member: has low_income then score 256 "
	"reason \"r\" end\n"
	"rule EITHER \"a\" basis \"b\" when either parent: has deceased then score 512 reason "
	"\"r\" end\n"
	"rule GEN \"a\" basis \"b\" when gender = \"女\" and age between 6 and 6 then score 1024 "
	"reason \"r\" end\n"
	"rule DIS \"a\" basis \"b\" when has disability where category in (5, 6) and grade >= 3 "
	"then score 2048 reason \"r\" end\n"
	"rule CAT \"a\" basis \"b\" when has psych_screening where value >= \"橙\" then category c "
	"reason \"r\" end\n"
	"rule INC \"a\" basis \"b\" when in category c then score 4096 reason \"r\" end\n";

static int32_t sem_score(struct fx *f, struct rule_set *rs, int64_t pid, int32_t date)
{
	struct screen_env *env;
	struct screen_result r;
	struct wb_error e;
	assert_int_equal(screen_env_new(&env, rs, date, &e), 0);
	assert_int_equal(screen_person_id(&r, env, f->s, pid, &e), 0);
	screen_env_free(env);
	return r.score;
}

static void language_semantics(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	struct rule_set *rs;
	struct rule_pos pos;
	struct wb_error e;
	if (rule_set_compile(&rs, sem_text, strlen(sem_text), &pos, &e))
		fail_msg("%s", e.message_en);
	/* born 2008-02-29: 18 on 2026-03-01, not on 2026-02-28 */
	int64_t leap = person(f, 1, D(2008, 2, 29), 'M');
	/* migrant since 2026-06-01: 6 months on 2026-12-01, not on 2026-11-30 */
	int64_t mig = person(f, 2, D(1990, 1, 1), 'M');
	fact(f, mig, "migrant_work", NULL, D(2026, 6, 1), OPEN);
	/* a term of exactly 6 months (2026-01-31 .. 2026-07-30) and one day short */
	int64_t t6 = person(f, 3, D(1990, 1, 1), 'M'), t5 = person(f, 4, D(1990, 1, 1), 'M');
	fact(f, t6, "imprisoned", NULL, D(2026, 1, 31), D(2026, 7, 30));
	fact(f, t5, "imprisoned", NULL, D(2026, 1, 31), D(2026, 7, 29));
	/* an event 12 months back to the day, and one day more */
	int64_t w = person(f, 5, D(1990, 1, 1), 'M'), w2 = person(f, 6, D(1990, 1, 1), 'M');
	fact(f, w, "bad_behaviour", "1", D(2025, 12, 1), OPEN);
	fact(f, w2, "bad_behaviour", "1", D(2025, 11, 30), OPEN);
	/* enrolment that ended 5 months ago; employment that ended long ago */
	int64_t sch = person(f, 7, D(1990, 1, 1), 'M');
	fact(f, sch, "in_school", NULL, D(2020, 9, 1), D(2026, 7, 1));
	fact(f, sch, "employed", NULL, D(2010, 1, 1), D(2011, 1, 1));
	/* a child without guardians: "all" is false, "no" is true */
	int64_t alone = person(f, 8, D(2020, 6, 1), 'F');
	/* household member low income; father dead (not a guardian) */
	int64_t kid = person(f, 9, D(2020, 6, 1), 'M'), dad = person(f, 9, D(1980, 1, 1), 'M');
	int64_t mum = person(f, 9, D(1982, 1, 1), 'F');
	fact(f, mum, "low_income", NULL, D(2024, 1, 1), OPEN);
	fact(f, dad, "deceased", NULL, D(2023, 1, 1), OPEN);
	relate(f, kid, dad, "father", 0);
	relate(f, kid, mum, "mother", SNAP_RF_GUARDIAN);
	/* disability 5-3 yes, 5-2 no; psych 橙 sets the category the next rule reads */
	int64_t d53 = person(f, 10, D(1990, 1, 1), 'M'), d52 = person(f, 11, D(1990, 1, 1), 'M');
	fact(f, d53, "disability", "5-3", SINCE, OPEN);
	fact(f, d52, "disability", "5-2", SINCE, OPEN);
	fact(f, d53, "psych_screening", "橙", D(2026, 1, 1), OPEN);
	finish(f);

	assert_int_equal(sem_score(f, rs, leap, D(2026, 2, 28)) & 1, 0);
	assert_int_equal(sem_score(f, rs, leap, D(2026, 3, 1)) & 1, 1);
	assert_int_equal(sem_score(f, rs, mig, D(2026, 11, 30)) & 2, 0);
	assert_int_equal(sem_score(f, rs, mig, D(2026, 12, 1)) & 2, 2);
	assert_int_equal(sem_score(f, rs, t6, D(2026, 3, 1)) & 4, 4);
	assert_int_equal(sem_score(f, rs, t5, D(2026, 3, 1)) & 4, 0);
	assert_int_equal(sem_score(f, rs, t6, D(2026, 7, 31)) & 4, 0); /* released */
	assert_int_equal(sem_score(f, rs, w, today()) & 8, 8);
	assert_int_equal(sem_score(f, rs, w2, today()) & 8, 0);
	assert_int_equal(sem_score(f, rs, w, D(2025, 11, 30)) & 8, 0); /* not yet happened */
	int32_t sc = sem_score(f, rs, sch, today());
	assert_int_equal(sc & 16, 16);
	assert_int_equal(sc & 32, 32);
	assert_int_equal(sem_score(f, rs, sch, D(2027, 2, 1)) & 16, 0);
	sc = sem_score(f, rs, alone, today());
	assert_int_equal(sc & 64, 0);
	assert_int_equal(sc & 128, 128);
	assert_int_equal(sc & 1024, 1024);				     /* a girl of 6 */
	assert_int_equal(sem_score(f, rs, alone, D(2026, 5, 31)) & 1024, 0); /* still 5 */
	sc = sem_score(f, rs, kid, today());
	assert_int_equal(sc & 256, 256); /* the mother in the same household */
	assert_int_equal(sc & 512, 512);
	assert_int_equal(sc & 128, 128); /* the dead father is not a guardian */
	assert_int_equal(sem_score(f, rs, mum, today()) & 256, 0); /* members: the others */
	sc = sem_score(f, rs, d53, today());
	assert_int_equal(sc & 2048, 2048);
	assert_int_equal(sc & 4096, 4096);
	assert_int_equal(sem_score(f, rs, d52, today()) & (2048 | 4096), 0);
	rule_set_free(rs);
	fx_free(f);
}

static void optimisation_agrees(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	uint64_t rng = 42;
	for (int i = 0; i < 3000; i++)
		random_household(f, &rng);
	finish(f);
	struct rule_set *plain;
	struct screen_env *penv;
	struct wb_error e;
	assert_int_equal(rule_set_builtin(&plain, &e), 0);
	strip_guards(plain);
	assert_int_equal(screen_env_new(&penv, plain, today(), &e), 0);
	static struct screen_result a, b;
	size_t flagged = 0;
	for (uint32_t p = 0; p < snapshot_count(f->s); p++) {
		screen_person(&a, f->env, f->s, p);
		screen_person(&b, penv, f->s, p);
		flagged += !screen_result_empty(&a);
		if (a.categories != b.categories || a.level != b.level || a.score != b.score ||
		    a.guardianship != b.guardianship || a.hard_trigger != b.hard_trigger ||
		    a.nhits != b.nhits || a.nevidence != b.nevidence ||
		    memcmp(a.evidence, b.evidence, a.nevidence * sizeof(a.evidence[0])))
			fail_msg("person %u differs", p);
		for (int k = 0; k < a.nhits; k++) {
			const struct screen_hit *x = &a.hits[k], *y = &b.hits[k];
			if (x->rule != y->rule || x->kind != y->kind || x->arg != y->arg ||
			    x->points != y->points || x->ev_off != y->ev_off ||
			    x->ev_n != y->ev_n || x->reason != y->reason)
				fail_msg("person %u hit %d differs", p, k);
		}
	}
	assert_true(flagged > 100); /* the random county exercises the rules */
	screen_env_free(penv);
	rule_set_free(plain);
	fx_free(f);
}

static void builder_caps(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	int64_t p = person(f, 1, D(2015, 1, 1), 'M');
	for (int i = 0; i < SNAPSHOT_MAX_FACTS_PER_PERSON + 6; i++)
		fact(f, p, "in_school", NULL, SINCE, OPEN);
	fact(f, 424242, "in_school", NULL, SINCE, OPEN); /* nobody */
	relate(f, p, 424243, "father", 0);		 /* nobody */
	struct snapshot_person_in dup = {p, 2, D(2000, 1, 1), 'F', 0, 0};
	snapshot_builder_add_person(f->b, &dup);
	finish(f);
	struct snapshot_stats st;
	snapshot_stats(&st, f->s);
	assert_int_equal(st.persons, 1);
	assert_int_equal(st.facts, SNAPSHOT_MAX_FACTS_PER_PERSON);
	assert_int_equal(st.dropped_facts, 7);
	assert_int_equal(st.dropped_relations, 1);
	assert_int_equal(st.duplicate_persons, 1);
	assert_true(st.bytes > 0);
	fx_free(f);
}

static void catalog_codes(void **state)
{
	(void)state;
	assert_int_equal(snapshot_value_code(SNAP_FT_DISABILITY, "5-3"), 53);
	assert_int_equal(snapshot_value_code(SNAP_FT_DISABILITY, "8-1"), -1);
	assert_int_equal(snapshot_value_code(SNAP_FT_PSYCH_SCREENING, "红"), 4);
	assert_int_equal(snapshot_value_code(SNAP_FT_PSYCH_SCREENING, "绿"), 1);
	assert_int_equal(snapshot_value_code(SNAP_FT_BAD_BEHAVIOUR, "7"), 7);
	assert_int_equal(snapshot_value_code(SNAP_FT_MIGRANT_WORK, "广东"), 0);
	assert_int_equal(snapshot_fact_type_id("divorced"), SNAP_FT_DIVORCED);
	assert_int_equal(snapshot_fact_type_id("nope"), -1);
	assert_string_equal(snapshot_fact_type_code(SNAP_FT_IMPRISONED), "imprisoned");
	assert_int_equal(snapshot_rel_kind_id("guardian"), SNAP_REL_GUARDIAN);
	assert_int_equal(snapshot_region_code("500242104001"), 500242104001ull);
	assert_int_equal(snapshot_region_code("50a"), 0);
	assert_int_equal(snapshot_region_code(NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_good),	       cmocka_unit_test(parse_bad),
		cmocka_unit_test(parse_limits),	       cmocka_unit_test(builtin_compiles),
		cmocka_unit_test(chinese_keywords),    cmocka_unit_test(catalog_codes),
		cmocka_unit_test(left_behind),	       cmocka_unit_test(orphan_and_unsupported),
		cmocka_unit_test(triggers_and_levels), cmocka_unit_test(guardianship_and_others),
		cmocka_unit_test(result_json),	       cmocka_unit_test(screen_all_threads),
		cmocka_unit_test(incremental),	       cmocka_unit_test(language_semantics),
		cmocka_unit_test(optimisation_agrees), cmocka_unit_test(builder_caps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
