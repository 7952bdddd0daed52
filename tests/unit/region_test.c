/* region_test -- statistical division codes and grids (src/domain/region.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "domain/region.h"

static void normalise(void **state)
{
	(void)state;
	char out[REGION_CODE_MAX + 1];
	struct wb_error e;
	static const char *const cases[][2] = {
		{"50", "500000000000"},		  {"5002", "500200000000"},
		{"500242", "500242000000"},	  {"500242207", "500242207000"},
		{"500242207201", "500242207201"}, {"500242207201003", "500242207201003"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(region_code_normalize(out, cases[i][0], &e), 0);
		assert_string_equal(out, cases[i][1]);
	}
	static const char *const bad[] = {"",
					  "5",
					  "500",
					  "50024",
					  "5002420",
					  "5002422071",
					  "5002422072011",
					  "50024220720100",
					  "5002422072010011",
					  "50024A",
					  "050242",
					  " 500242"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		wb_error_clear(&e);
		assert_int_equal(region_code_normalize(out, bad[i], &e), WB_EINVAL);
		assert_string_equal(e.code, "REGION_CODE_FORMAT");
	}
}

static void levels_and_parents(void **state)
{
	(void)state;
	char p[REGION_CODE_MAX + 1];
	assert_int_equal(region_level("500000000000"), REGION_PROVINCE);
	assert_int_equal(region_level("500200000000"), REGION_CITY);
	assert_int_equal(region_level("500242000000"), REGION_COUNTY);
	assert_int_equal(region_level("500242207000"), REGION_TOWNSHIP);
	assert_int_equal(region_level("500242207201"), REGION_VILLAGE);
	assert_int_equal(region_level("500242207201003"), REGION_GRID);
	assert_int_equal(region_parent(p, "500242207201003"), 0);
	assert_string_equal(p, "500242207201");
	assert_int_equal(region_parent(p, "500242207201"), 0);
	assert_string_equal(p, "500242207000");
	assert_int_equal(region_parent(p, "500242207000"), 0);
	assert_string_equal(p, "500242000000");
	assert_int_equal(region_parent(p, "500242000000"), 0);
	assert_string_equal(p, "500200000000");
	assert_int_equal(region_parent(p, "500200000000"), 0);
	assert_string_equal(p, "500000000000");
	assert_int_equal(region_parent(p, "500000000000"), -1);
}

static void subtrees(void **state)
{
	(void)state;
	char lo[REGION_CODE_MAX + 1], hi[REGION_CODE_MAX + 1];
	region_subtree_range("500242207000", lo, hi);
	assert_string_equal(lo, "500242207");
	assert_string_equal(hi, "500242208");
	region_subtree_range("500242209000", lo, hi);
	assert_string_equal(hi, "50024220:"); /* past '9' for an exclusive bound */
	assert_true(strcmp("500242209999999", hi) < 0);
	assert_true(region_in_subtree("500242207000", "500242207201003"));
	assert_true(region_in_subtree("500242207000", "500242207000"));
	assert_false(region_in_subtree("500242207000", "500242208201"));
	/* A village is not inside its sibling even when the text looks similar. */
	assert_false(region_in_subtree("500242207201", "500242207202"));
	assert_false(region_in_subtree("500242207201", "500242207000"));
	assert_true(region_in_subtree("500000000000", "500242207201"));
	assert_false(region_in_subtree("510000000000", "500242207201"));
	assert_string_equal(region_level_name(REGION_VILLAGE), "村（社区）");
	assert_string_equal(region_level_name_en(REGION_GRID), "grid");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(normalise),
		cmocka_unit_test(levels_and_parents),
		cmocka_unit_test(subtrees),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
