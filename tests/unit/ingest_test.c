/* ingest_test -- the profile language (good profiles, each shipped one, and bad ones
 * with their line numbers), header matching, value maps, date/gender/phone
 * normalisation, and address texts to region codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "ingest/address.h"
#include "ingest/normalize.h"
#include "ingest/profile.h"

static void shipped_profiles_parse(void **state)
{
	(void)state;
	struct profile p;
	struct wb_error e;
	assert_true(profile_builtin_count() >= 8);
	for (int i = 0; i < profile_builtin_count(); i++) {
		assert_int_equal(profile_parse(&p, profile_builtin_text(i), &e), 0);
		assert_string_equal(p.name, profile_builtin_name(i));
		assert_true(p.title[0] != 0 && p.title_en[0] != 0);
	}
	assert_int_equal(profile_load(&p, "custody", &e), 0);
	/* a title is the whole rest of its line, words and all */
	assert_string_equal(p.title_en,
			    "Persons in prison, community correction or compulsory "
			    "drug rehabilitation, and their children (justice, police)");
	assert_int_equal(p.nroles, 2);
	assert_int_equal(p.minor_role, 1);
	assert_int_equal(p.nrelations, 1);
	assert_string_equal(p.relations[0].kind, "parent");
	assert_int_equal(profile_load(&p, "nosuch", &e), WB_ENOTFOUND);
	assert_string_equal(e.code, "PROFILE_NOT_FOUND");
}

static void headers_and_maps(void **state)
{
	(void)state;
	struct profile p;
	struct wb_error e;
	assert_int_equal(profile_load(&p, "hukou", &e), 0);
	int id = profile_match_header(&p, "公民身份号码");
	assert_true(id >= 0);
	assert_int_equal(p.columns[id].field, PF_ID_NUMBER);
	/* decorations departments add around header texts */
	assert_int_equal(profile_match_header(&p, " 身份证号（18位）"), id);
	assert_int_equal(profile_match_header(&p, "*证件号码："), id);
	assert_int_equal(profile_match_header(&p, "身份证号\xe3\x80\x80"), id);
	assert_int_equal(profile_match_header(&p, "\xef\xbb\xbf公民身份号码"), id); /* 2nd BOM */
	assert_int_equal(profile_match_header(&p, "身份证号\xc2\xa0"), id);
	assert_int_equal(profile_match_header(&p, "\xe2\x80\x8b身份证号"), id);
	assert_int_equal(profile_match_header(&p, "备注"), -1);
	int kind = profile_match_header(&p, "户口性质");
	assert_string_equal(profile_map_value(&p, kind, "农业户口"), "hukou_rural");
	assert_string_equal(profile_map_value(&p, kind, "城镇"), "-");
	assert_null(profile_map_value(&p, kind, "外星"));
	int name = profile_match_header(&p, "姓名");
	assert_string_equal(profile_map_value(&p, name, "张三"), "张三"); /* no map: as is */
	/* an alias with a bracketed part matches the header written in full or without it */
	struct profile c;
	assert_int_equal(profile_load(&c, "civil_assist", &e), 0);
	int village = profile_match_header(&c, "所在村（社区）");
	assert_true(village >= 0);
	assert_int_equal(c.columns[village].field, PF_HOUSEHOLD);
	assert_int_equal(profile_match_header(&c, "所在村"), village);
}

static void expect_error(const char *text, const char *line_marker)
{
	struct profile p;
	struct wb_error e;
	assert_int_equal(profile_parse(&p, text, &e), WB_EINVAL);
	assert_string_equal(e.code, "PROFILE_SYNTAX");
	assert_non_null(strstr(e.message, line_marker));
}

static void bad_profiles(void **state)
{
	(void)state;
	expect_error("profile x\nrole subject\nfrobnicate\n", "第 3 行");
	expect_error("profile x\ncolumn kid.name 姓名\n", "第 2 行");	    /* undeclared role */
	expect_error("profile x\nrole s\ncolumn s.shoe 鞋码\n", "第 3 行"); /* unknown field */
	expect_error("profile x\nrole s\ncolumn s.name 姓名\nfact s {nope}\n", "第 4 行");
	expect_error("profile x\nrole s\ncolumn s.name 姓名\nmap s.name 张\n", "第 4 行");
	expect_error("profile x\nrole s\nrole s\n", "第 3 行");
	expect_error("profile x\nrole s\ncolumn s.name 姓名\nrelation s parent s\n", "第 4 行");
	expect_error("role s\ncolumn s.name 姓名\n", "profile");       /* no name */
	expect_error("profile x\nrole s\ncolumn s.phone 电话\n", "s"); /* no key column */
}

static void dates(void **state)
{
	(void)state;
	char d[11];
	const char *good[][2] = {
		{"2010-03-05", "2010-03-05"},		{"2010/3/5", "2010-03-05"},
		{"2010.03.05", "2010-03-05"},		{"20100305", "2010-03-05"},
		{"2010年3月5日", "2010-03-05"},		{" 2010-3-5 ", "2010-03-05"},
		{"2010-03-05 00:00:00", "2010-03-05"},	{"1900-01-01", "1900-01-01"},
		{"2100-12-31", "2100-12-31"},		{"2012-02-29", "2012-02-29"},
		{"2010年3月5号", "2010-03-05"},		{"40242", "2010-03-05"}, /* Excel's day */
		{"2010-03-05T00:00:00Z", "2010-03-05"}, {"2010-03-05T08:00:00+08:00", "2010-03-05"},
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(norm_date(d, good[i][0], 0), 0);
		assert_string_equal(d, good[i][1]);
	}
	const char *bad[] = {"2010-02-30", "2010-13-01",   "1800-01-01",
			     "3/5/2010",   "2010-03",	   "昨天",
			     "",	   "1899-12-31",   "2101-01-01",
			     "2010-00-05", "2010-03-00",   "2011-02-29",
			     "2010-03-0x", "9999",	   "73051",
			     "99999",	   "2010-03-05Tx", "2010-03-04T16:00:00Z"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(norm_date(d, bad[i], 0), -1);
	assert_int_equal(norm_date(d, "2010-03", 1), 0); /* start/end dates may be a month */
	assert_string_equal(d, "2010-03-01");
	assert_int_equal(norm_date(d, "201003", 1), 0);
	assert_string_equal(d, "2010-03-01");
}

static void genders_and_phones(void **state)
{
	(void)state;
	char ph[24];
	assert_int_equal(norm_gender("男"), 'M');
	assert_int_equal(norm_gender("女性"), 'F');
	assert_int_equal(norm_gender(" 2 "), 'F');
	assert_int_equal(norm_gender("未知"), 0);
	assert_int_equal(norm_gender(""), 0);
	assert_int_equal(norm_gender("x"), -1);
	assert_int_equal(norm_phone(ph, "138-0013-8000"), 0);
	assert_string_equal(ph, "13800138000");
	assert_int_equal(norm_phone(ph, "+86 138 0013 8000"), 0);
	assert_string_equal(ph, "13800138000");
	assert_int_equal(norm_phone(ph, "023-75551234"), 0);
	assert_int_equal(norm_phone(ph, "12345"), -1);
	assert_int_equal(norm_phone(ph, "138abc"), -1);
}

static void addresses(void **state)
{
	(void)state;
	struct address_index ix;
	address_index_init(&ix, "500242000000");
	address_index_add(&ix, "500242000000", "酉阳土家族苗族自治县", "500200000000", 3);
	address_index_add(&ix, "500242207000", "木叶乡", "500242000000", 4);
	address_index_add(&ix, "500242207201", "木叶村", "500242207000", 5);
	address_index_add(&ix, "500242207203", "大坂营村", "500242207000", 5);
	address_index_add(&ix, "500242100000", "龙潭镇", "500242000000", 4);
	address_index_add(&ix, "500242100201", "木叶村", "500242100000", 5); /* same name */
	address_index_add(&ix, "500242100202", "梨耳村", "500242100000", 5);
	address_index_done(&ix);
	assert_string_equal(address_match(&ix, "重庆市酉阳县木叶乡大坂营村3组"), "500242207203");
	assert_string_equal(address_match(&ix, "木叶乡木叶村"), "500242207201");
	assert_string_equal(address_match(&ix, "龙潭镇木叶村"), "500242100201");
	assert_string_equal(address_match(&ix, "木叶乡大坂营"), "500242207203"); /* short */
	assert_string_equal(address_match(&ix, "龙潭"), "500242100000");
	assert_string_equal(address_match(&ix, "梨耳村5组"), "500242100202"); /* unique */
	assert_null(address_match(&ix, "木叶村")); /* two villages of that name */
	assert_string_equal(address_match(&ix, "500242207203"), "500242207203");
	assert_string_equal(address_match(&ix, "500242207"), "500242207000");
	assert_null(address_match(&ix, "500242999999"));
	assert_null(address_match(&ix, "北京市朝阳区"));
	address_index_release(&ix);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shipped_profiles_parse), cmocka_unit_test(headers_and_maps),
		cmocka_unit_test(bad_profiles),		  cmocka_unit_test(dates),
		cmocka_unit_test(genders_and_phones),	  cmocka_unit_test(addresses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
