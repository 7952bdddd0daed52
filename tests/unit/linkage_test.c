/* linkage_test -- name normalisation, 繁→简 and pinyin (src/domain/hanzi.c); every comparator
 * level, thresholds, ambiguity and a small synthetic set (src/domain/linkage.c,
 * src/cli/link_synth.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "cli/link_synth.h"
#include "domain/hanzi.h"
#include "domain/linkage.h"

static void assert_normal(const char *in, const char *want)
{
	char out[HANZI_NAME_BYTES];
	assert_true(hanzi_normalize(out, in, NULL) >= 0);
	assert_string_equal(out, want);
}

static void normalise_names(void **state)
{
	(void)state;
	assert_normal(" 张\t伟 ", "张伟");
	assert_normal("张\xe3\x80\x80伟", "张伟");	       /* U+3000 ideographic space */
	assert_normal("\xef\xbb\xbf张\xe2\x80\x8b伟", "张伟"); /* BOM, zero-width space */
	assert_normal("ＬＩ　Ｍｉｎｇ", "liming");	       /* full-width, case */
	assert_normal("阿依古丽•买买提", "阿依古丽·买买提");
	assert_normal("阿依古丽‧买买提", "阿依古丽·买买提");
	assert_normal("阿依古丽・买买提", "阿依古丽·买买提");
	assert_normal("阿依古丽..买买提.", "阿依古丽·买买提");
	assert_normal("", "");
	assert_normal("   ", "");
	/* U+F900 (compatibility ideograph) and U+2F00 (Kangxi radical one). */
	assert_normal("\xef\xa4\x80\xe2\xbc\x80", "岂一"); /* 豈 then 繁→简 */
}

static void invalid_utf8_and_length(void **state)
{
	(void)state;
	char out[HANZI_NAME_BYTES];
	struct wb_error e;
	assert_int_equal(hanzi_normalize(out, "\xe5\xbc", &e), WB_EINVAL);
	assert_string_equal(e.code, "NAME_UTF8");
	assert_int_equal(hanzi_normalize(out, "\xc0\xaf", &e), WB_EINVAL);	   /* overlong */
	assert_int_equal(hanzi_normalize(out, "\xed\xa0\x80", &e), WB_EINVAL);	   /* surrogate */
	assert_int_equal(hanzi_normalize(out, "\xf4\x90\x80\x80", &e), WB_EINVAL); /* > 10FFFF */
	char big[200];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(hanzi_normalize(out, big, &e), WB_ETOOBIG);
	assert_string_equal(e.code, "NAME_TOO_LONG");
}

static void traditional_to_simplified(void **state)
{
	(void)state;
	assert_normal("張偉", "张伟");
	assert_normal("陳", "陈");
	assert_normal("劉德華", "刘德华");
	assert_normal("龍", "龙");
	assert_normal("乾", "乾"); /* also simplified (乾隆): left alone */
	assert_int_equal(hanzi_simplify(0x5F35), 0x5F20);
	assert_int_equal(hanzi_traditional(0x5F20), 0x5F35);
	assert_int_equal(hanzi_traditional('a'), 0);
}

static void pinyin(void **state)
{
	(void)state;
	char out[128];
	assert_int_equal(hanzi_pinyin(out, sizeof(out), "张", NULL), 5);
	assert_string_equal(out, "zhang");
	hanzi_pinyin(out, sizeof(out), "張偉", NULL);
	assert_string_equal(out, "zhang wei");
	hanzi_pinyin(out, sizeof(out), "张玮", NULL);
	assert_string_equal(out, "zhang wei");
	hanzi_pinyin(out, sizeof(out), "吕", NULL);
	assert_string_equal(out, "lv");
	hanzi_pinyin(out, sizeof(out), "阿依·Ali", NULL);
	assert_string_equal(out, "a yi ·ali");
	assert_int_equal(hanzi_syllable(0x4F1F), hanzi_syllable(0x73AE)); /* 伟 玮 */
	assert_string_equal(hanzi_syllable_text(hanzi_syllable(0x9648)), "chen");
	assert_int_equal(hanzi_syllable('a'), -1);
	assert_string_equal(hanzi_syllable_text(-1), "");
	assert_int_equal(hanzi_pinyin(out, 4, "张伟", NULL), WB_ETOOBIG);
}

static struct link_person P(const char *name, const char *birth, char g, const char *region) {
	struct link_person p = {1, name, birth, g, region};
	return p;
}

static struct link_compare
cmp2(struct link_person a, struct link_person b)
{
	struct link_params p;
	struct link_compare c;
	link_params_default(&p);
	link_compare_persons(&c, &p, &a, &b);
	return c;
}

#define V "500242100201"

static void name_levels(void **state)
{
	(void)state;
	assert_int_equal(cmp2(P("张伟", "", 'U', ""), P("張 偉", "", 'U', "")).name,
			 LINK_NAME_EXACT);
	assert_int_equal(cmp2(P("张伟", "", 'U', ""), P("张玮", "", 'U', "")).name,
			 LINK_NAME_PINYIN);
	assert_int_equal(cmp2(P("张伟", "", 'U', ""), P("张强", "", 'U', "")).name,
			 LINK_NAME_EDIT1);
	assert_int_equal(cmp2(P("张伟", "", 'U', ""), P("张伟强", "", 'U', "")).name,
			 LINK_NAME_EDIT1);
	assert_int_equal(cmp2(P("张子涵", "", 'U', ""), P("张涵子", "", 'U', "")).name,
			 LINK_NAME_EDIT1);
	assert_int_equal(cmp2(P("张子涵", "", 'U', ""), P("张思雨", "", 'U', "")).name,
			 LINK_NAME_SURNAME);
	assert_int_equal(cmp2(P("张子涵", "", 'U', ""), P("李思雨", "", 'U', "")).name,
			 LINK_NAME_ELSE);
	assert_int_equal(cmp2(P("", "", 'U', ""), P("李思雨", "", 'U', "")).name,
			 LINK_NAME_MISSING);
	assert_int_equal(cmp2(P("\xff", "", 'U', ""), P("李思雨", "", 'U', "")).name,
			 LINK_NAME_MISSING);
}

static void date_levels(void **state)
{
	(void)state;
	struct {
		const char *a, *b;
		enum link_date_level want;
	} t[] = {
		{"2015-03-07", "2015-03-07", LINK_DATE_EXACT},
		{"2015-03-07", "2015-07-03", LINK_DATE_SWAP},
		{"2015-03-07", "2015-03-08", LINK_DATE_OFF1},
		{"2014-12-31", "2015-01-01", LINK_DATE_OFF1},
		{"2015-03-07", "2015-03-20", LINK_DATE_YEAR_MONTH},
		{"2015-03-07", "2015-09-20", LINK_DATE_YEAR},
		{"2015-03-07", "2016-03-07", LINK_DATE_ELSE},
		{"2015-03-07", "", LINK_DATE_MISSING},
		{"2015-02-30", "2015-02-30", LINK_DATE_MISSING},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(cmp2(P("a", t[i].a, 'U', ""), P("a", t[i].b, 'U', "")).birth,
				 t[i].want);
}

static void gender_and_region_levels(void **state)
{
	(void)state;
	assert_int_equal(cmp2(P("a", "", 'M', ""), P("a", "", 'M', "")).gender, LINK_GENDER_EQUAL);
	assert_int_equal(cmp2(P("a", "", 'M', ""), P("a", "", 'F', "")).gender, LINK_GENDER_DIFFER);
	assert_int_equal(cmp2(P("a", "", 'M', ""), P("a", "", 'U', "")).gender,
			 LINK_GENDER_MISSING);
	assert_int_equal(cmp2(P("a", "", 'U', V), P("a", "", 'U', V)).region, LINK_REGION_VILLAGE);
	assert_int_equal(cmp2(P("a", "", 'U', V), P("a", "", 'U', "500242100202")).region,
			 LINK_REGION_TOWNSHIP);
	assert_int_equal(cmp2(P("a", "", 'U', V), P("a", "", 'U', "500242101201")).region,
			 LINK_REGION_COUNTY);
	assert_int_equal(cmp2(P("a", "", 'U', V), P("a", "", 'U', "500242")).region,
			 LINK_REGION_COUNTY);
	assert_int_equal(cmp2(P("a", "", 'U', V), P("a", "", 'U', "500110100201")).region,
			 LINK_REGION_ELSE);
	assert_int_equal(cmp2(P("a", "", 'U', V), P("a", "", 'U', "")).region, LINK_REGION_MISSING);
	assert_int_equal(cmp2(P("a", "", 'U', V), P("a", "", 'U', "50")).region,
			 LINK_REGION_MISSING);
	struct link_compare c = cmp2(P("a", "", 'U', V), P("a", "", 'U', "bad"));
	assert_int_equal(c.region, LINK_REGION_MISSING);
	assert_true(c.w_region == 0 && c.w_gender == 0 && c.w_birth == 0);
	assert_string_equal(link_region_level_str(LINK_REGION_TOWNSHIP), "township");
	assert_string_equal(link_decision_str(LINK_REVIEW), "review");
}

static void query_one(struct link_result *r, const struct link_person *persons, size_t n,
		      struct link_person q)
{
	struct link_index *ix;
	struct link_params p;
	assert_int_equal(link_index_new(&ix, persons, n, NULL), 0);
	link_params_default(&p);
	link_query(r, ix, &p, &q);
	link_index_free(ix);
}

static void thresholds_decide(void **state)
{
	(void)state;
	struct link_person persons[] = {
		{11, "张伟", "2015-03-07", 'M', V},
		{12, "李思雨", "2012-11-20", 'F', "500242101201"},
		{13, "冉梓萱", "2016-05-09", 'F', "500242102201"},
	};
	struct link_result r;
	/* Everything agrees: a sure link, explained level by level. */
	query_one(&r, persons, 3, P("張偉", "2015-03-07", 'M', V));
	assert_int_equal(r.decision, LINK_MATCH);
	assert_int_equal(r.cand[0].id, 11);
	assert_int_equal(r.cand[0].cmp.name, LINK_NAME_EXACT);
	assert_int_equal(r.cand[0].cmp.region, LINK_REGION_VILLAGE);
	assert_true(r.cand[0].cmp.total >= 24);
	/* Homophone and swapped date, same village: still sure. */
	query_one(&r, persons, 3, P("张玮", "2015-07-03", 'M', V));
	assert_int_equal(r.decision, LINK_MATCH);
	assert_int_equal(r.cand[0].cmp.birth, LINK_DATE_SWAP);
	/* Name, gender and village but no birth date: for an officer, not a sure link. */
	query_one(&r, persons, 3, P("李思雨", "", 'F', "500242101201"));
	assert_int_equal(r.decision, LINK_REVIEW);
	/* A stranger: no link. */
	query_one(&r, persons, 3, P("王强", "1990-01-01", 'M', "500242103201"));
	assert_int_equal(r.decision, LINK_NONE);
}

static void ambiguous_twins_review(void **state)
{
	(void)state;
	/* Twins: same surname, date and village; the row's name is one edit from both. */
	struct link_person persons[] = {
		{21, "冉子涵", "2015-03-07", 'M', V},
		{22, "冉子轩", "2015-03-07", 'M', V},
	};
	struct link_result r;
	query_one(&r, persons, 2, P("冉子杰", "2015-03-07", 'M', V));
	assert_int_equal(r.n, 2);
	assert_true(r.cand[1].cmp.total >= 24);
	assert_int_equal(r.decision, LINK_REVIEW);
	/* The exact twin is far ahead of the other one: a link. */
	query_one(&r, persons, 2, P("冉子涵", "2015-03-07", 'M', V));
	assert_int_equal(r.decision, LINK_MATCH);
	assert_int_equal(r.cand[0].id, 21);
}

static void term_frequency(void **state)
{
	(void)state;
	/* 20 000 persons: 500 冉伟, one 舒梓萱, the rest unique: the rare name weighs more. */
	enum { N = 20000 };
	static char names[N][16];
	static struct link_person persons[N];
	for (int i = 0; i < N; i++) {
		const char *name = i < 500 ? "冉伟" : i == 500 ? "舒梓萱" : names[i];
		snprintf(names[i], sizeof(names[i]), "p%d", i);
		persons[i] = (struct link_person){i + 1, name, "2000-01-01", 'M', "500242"};
	}
	struct link_index *ix;
	struct link_params p;
	struct link_result a, b;
	assert_int_equal(link_index_new(&ix, persons, N, NULL), 0);
	link_params_default(&p);
	struct link_person qa = P("冉伟", "", 'U', "500242"), qb = P("舒梓萱", "", 'U', "500242");
	link_query(&a, ix, &p, &qa);
	link_query(&b, ix, &p, &qb);
	assert_true(a.n > 0 && b.n == 1);
	assert_int_equal(a.cand[0].cmp.name, LINK_NAME_EXACT);
	assert_true(b.cand[0].cmp.w_name > a.cand[0].cmp.w_name + 2);
	p.tf = 0;
	link_query(&a, ix, &p, &qa);
	link_query(&b, ix, &p, &qb);
	assert_true(b.cand[0].cmp.w_name == a.cand[0].cmp.w_name);
	link_index_free(ix);
}

static void synthetic_set_precision_recall(void **state)
{
	(void)state;
	struct link_synth s;
	struct link_synth_opts o = {20000, 4000, 0.8, 0.01, 7};
	struct link_index *ix;
	struct link_params p;
	link_synth_generate(&s, &o);
	assert_int_equal(link_index_new(&ix, s.persons, s.npersons, NULL), 0);
	assert_int_equal(link_index_count(ix), 20000);
	assert_true(link_index_bytes(ix) < 20000 * 200);
	link_params_default(&p);
	link_params_estimate_u(&p, ix, 100000, 1);
	assert_true(p.name[LINK_NAME_EXACT].u < 0.01 && p.region[LINK_REGION_COUNTY].u > 0.5);
	link_params_default(&p);
	size_t present = 0, tp = 0, fp = 0;
	for (size_t i = 0; i < s.nqueries; i++) {
		struct link_result r;
		link_query(&r, ix, &p, &s.queries[i]);
		present += s.truth[i] != 0;
		if (r.decision == LINK_MATCH) {
			tp += r.cand[0].id == s.truth[i];
			fp += r.cand[0].id != s.truth[i];
		}
	}
	print_message("synthetic: present=%zu links=%zu false=%zu\n", present, tp + fp, fp);
	assert_true((double)tp / (double)(tp + fp) >= 0.99);
	assert_true((double)tp / (double)present >= 0.95);
	link_index_free(ix);
	link_synth_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(normalise_names),
		cmocka_unit_test(invalid_utf8_and_length),
		cmocka_unit_test(traditional_to_simplified),
		cmocka_unit_test(pinyin),
		cmocka_unit_test(name_levels),
		cmocka_unit_test(date_levels),
		cmocka_unit_test(gender_and_region_levels),
		cmocka_unit_test(thresholds_decide),
		cmocka_unit_test(ambiguous_twins_review),
		cmocka_unit_test(term_frequency),
		cmocka_unit_test(synthetic_set_precision_recall),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
