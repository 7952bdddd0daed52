/* idno_test -- GB 11643 ID numbers: check characters, legacy conversion, every error,
 * gender and birth date, masking (src/domain/idno.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/timeutil.h"
#include "domain/idno.h"

/* The check character computed the long way, independently of the code under test. */
static char reference_check(const char *s)
{
	int w[17], sum = 0;
	for (int i = 0; i < 17; i++) {
		int p = 1;
		for (int k = 0; k < 17 - i; k++)
			p = (p * 2) % 11; /* weight = 2^(17-i) mod 11 */
		w[i] = p;
		sum += (s[i] - '0') * w[i];
	}
	int v = (12 - sum % 11) % 11;
	return v == 10 ? 'X' : (char)('0' + v);
}

static void check_chars_match_reference(void **state)
{
	(void)state;
	char s[18] = "50024220140309003";
	for (int i = 0; i < 2000; i++) {
		snprintf(s + 14, 4, "%03d", i % 1000);
		s[10] = (char)('0' + (i / 1000));
		assert_int_equal(idno_check_char(s), reference_check(s));
	}
	/* A published example with X: 11010519491231002X. */
	assert_int_equal(idno_check_char("11010519491231002"), 'X');
}

static void valid_numbers_normalise(void **state)
{
	(void)state;
	char out[IDNO_LEN + 1];
	struct wb_error e;
	assert_int_equal(idno_normalize(out, "11010519491231002x", &e), 0);
	assert_string_equal(out, "11010519491231002X");
	assert_int_equal(idno_normalize(out, "  11010519491231002X ", &e), 0);
	assert_string_equal(out, "11010519491231002X");
	assert_int_equal(idno_gender(out), 'F');
	char y[11];
	date_format(idno_birth_days(out), y);
	assert_string_equal(y, "1949-12-31");
}

static void legacy_fifteen_digits(void **state)
{
	(void)state;
	char out[IDNO_LEN + 1];
	struct wb_error e;
	assert_int_equal(idno_normalize(out, "110105491231002", &e), 0);
	assert_string_equal(out, "11010519491231002X");
	assert_int_not_equal(idno_normalize(out, "11010549123100A", &e), 0);
	assert_string_equal(e.code, "ID_FORMAT");
}

static void expect_error(const char *in, const char *code)
{
	char out[IDNO_LEN + 1];
	struct wb_error e;
	wb_error_clear(&e);
	assert_int_equal(idno_normalize(out, in, &e), WB_EINVAL);
	assert_string_equal(e.code, code);
	assert_int_equal(e.status, 422);
	assert_true(strlen(e.message) > 0 && strlen(e.message_en) > 0);
	assert_int_equal(e.ndetails, 1);
	assert_string_equal(e.details[0].field, "id_number");
}

static void every_error_code(void **state)
{
	(void)state;
	expect_error("11010519491231002", "ID_FORMAT");	     /* 17 chars */
	expect_error("1101051949123100211", "ID_FORMAT");    /* 19 chars */
	expect_error("1101051949123100Z2", "ID_FORMAT");     /* letter inside */
	expect_error("110105194912310021", "ID_CHECKSUM");   /* wrong check char */
	expect_error("110105190002290013", "ID_BIRTH_DATE"); /* 1900 is not a leap year */
	expect_error("110105202902290013", "ID_BIRTH_DATE"); /* future */
	expect_error("110105194913310013", "ID_BIRTH_DATE"); /* month 13 */
	expect_error("010105194912310013", "ID_REGION");
	expect_error("", "ID_FORMAT");
}

static void leap_day_is_valid(void **state)
{
	(void)state;
	char in[19] = "50024220000229001", out[IDNO_LEN + 1];
	struct wb_error e;
	in[17] = idno_check_char(in);
	in[18] = '\0';
	assert_int_equal(idno_normalize(out, in, &e), 0);
	assert_int_equal(idno_gender(out), 'M');
}

/* Typed with a Chinese input method: full-width digits and Ｘ, no-break or ideographic
 * spaces around it. */
static void wide_forms(void **state)
{
	(void)state;
	struct wb_error e;
	char out[IDNO_LEN + 1];
	char id[IDNO_LEN + 1];
	memcpy(id, "50024220140309123", 17);
	id[17] = idno_check_char(id), id[18] = 0;
	char wide[64] = "";
	size_t o = 0;
	for (int i = 0; i < 18; i++) {
		if (id[i] == 'X') {
			memcpy(wide + o, "\xef\xbc\xb8", 3);
		} else {
			memcpy(wide + o, "\xef\xbc\x90", 3);
			wide[o + 2] = (char)(0x90 + (id[i] - '0'));
		}
		o += 3;
	}
	wide[o] = 0;
	assert_int_equal(idno_normalize(out, wide, &e), 0);
	assert_string_equal(out, id);
	char nbsp[64];
	snprintf(nbsp, sizeof(nbsp), "\xc2\xa0%s\xe3\x80\x80", id);
	assert_int_equal(idno_normalize(out, nbsp, &e), 0);
	assert_string_equal(out, id);
	assert_int_not_equal(idno_normalize(out, "\xef\xbc\x95\xef\xbc\x90", &e), 0);
	assert_string_equal(e.code, "ID_FORMAT");
}

static void masking(void **state)
{
	(void)state;
	char m[IDNO_LEN + 1], p[32];
	idno_mask(m, "50024220140309123X");
	assert_string_equal(m, "500242********123X");
	phone_mask(p, "13812345678");
	assert_string_equal(p, "138****5678");
	phone_mask(p, "023-7555");
	assert_string_equal(p, "023*7555");
	phone_mask(p, "12345");
	assert_string_equal(p, "***45");
}

/* Numbers inside a cell of an uploaded row: ID numbers and phones masked wherever they
 * stand, full-width digits too; dates and short numbers kept. */
static void masking_text(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{"50024220140309123X", "500242********123X"},
		{"50024220140309123x", "500242********123x"},
		{"身份证 500242201403091230，电话13812345678。",
		 "身份证 500242********1230，电话138****5678。"},
		{"500242140309123", "500242*****9123"},
		{"５００２４２２０１４０３０９１２３Ｘ", "５００２４２********１２３Ｘ"},
		/* a landline with its area code is a phone too */
		{"2015-03-12 木叶乡梨耳村2组 023-75551234",
		 "2015-03-12 木叶乡梨耳村2组 023-****1234"},
		{"20150312", "20150312"},
		{"1381234567", "1381234567"},
		{"X13812345678X", "X138****5678X"},
		/* numbers as people write them, with separators inside */
		{"138-2345-6789", "138-****-6789"},
		{"138 0013 8000", "138 **** 8000"},
		{"(023) 7555 1234", "(023) **** 1234"},
		{"110105\xc2\xa0"
		 "19491231002X",
		 "110105\xc2\xa0"
		 "********002X"},
		{"电话：138-2345-6789。", "电话：138-****-6789。"},
		{"2015-03-12", "2015-03-12"},
		{"2015-03-12 12:30", "2015-03-12 12:30"},
		{"1-2-3-4-5-6", "1-2-3-4-5-6"},
		{"", ""},
		{"\xEF", "\xEF"},
		{"\xEF\xBC", "\xEF\xBC"},
	};
	char out[128];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		idno_mask_text(out, cases[i][0]);
		assert_string_equal(out, cases[i][1]);
		assert_true(strlen(out) <= strlen(cases[i][0]));
	}
}

/* idno_birth_date reads the digits; it must say what date_format(idno_birth_days) says,
 * for every day from 1900 to 2025. */
static void birth_date_from_digits(void **state)
{
	(void)state;
	struct wb_error e;
	for (int64_t day = date_days(1900, 1, 1); day <= date_days(2025, 12, 31); day++) {
		char id[IDNO_LEN + 1], out[IDNO_LEN + 1], a[11], b[11];
		date_format(day, a);
		memcpy(id, "500242", 6);
		memcpy(id + 6, a, 4);
		memcpy(id + 10, a + 5, 2);
		memcpy(id + 12, a + 8, 2);
		memcpy(id + 14, "123", 3);
		id[17] = idno_check_char(id);
		id[18] = 0;
		assert_int_equal(idno_normalize(out, id, &e), 0);
		idno_birth_date(b, out);
		date_format(idno_birth_days(out), a);
		assert_string_equal(a, b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(check_chars_match_reference),
		cmocka_unit_test(valid_numbers_normalise),
		cmocka_unit_test(legacy_fifteen_digits),
		cmocka_unit_test(every_error_code),
		cmocka_unit_test(leap_day_is_valid),
		cmocka_unit_test(wide_forms),
		cmocka_unit_test(masking),
		cmocka_unit_test(masking_text),
		cmocka_unit_test(birth_date_from_digits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
