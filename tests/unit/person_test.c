/* person_test -- validation of a person's fields and the role matrix
 * (src/domain/person.c, src/domain/role.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "domain/person.h"
#include "domain/role.h"

static int has_detail(const struct wb_error *e, const char *field, const char *code)
{
	for (int i = 0; i < e->ndetails; i++)
		if (!strcmp(e->details[i].field, field) && !strcmp(e->details[i].code, code))
			return 1;
	return 0;
}

static void valid_person(void **state)
{
	(void)state;
	struct person_valid v;
	struct wb_error e;
	struct person_input in = {"  冉小明 ",		"男",	NULL,
				  "11010519491231002X", "土家", "13812345678"};
	assert_int_equal(person_validate(&v, &in, &e), WB_EINVAL); /* 女 by the ID number */
	assert_string_equal(e.code, "ID_GENDER_MISMATCH");
	in.gender = "F";
	assert_int_equal(person_validate(&v, &in, &e), 0);
	assert_string_equal(v.name, "冉小明");
	assert_string_equal(v.birth_date, "1949-12-31"); /* from the ID number */
	assert_string_equal(v.ethnicity, "15");
	assert_int_equal(v.gender, 'F');
}

static void every_field_reported_at_once(void **state)
{
	(void)state;
	struct person_valid v;
	struct wb_error e;
	struct person_input in = {"", "X", "2014-02-30", "123", "火星族", "abc"};
	assert_int_equal(person_validate(&v, &in, &e), WB_EINVAL);
	assert_string_equal(e.code, "VALIDATION");
	assert_true(has_detail(&e, "name", "NAME_INVALID"));
	assert_true(has_detail(&e, "gender", "GENDER_INVALID"));
	assert_true(has_detail(&e, "birth_date", "BIRTH_DATE_INVALID"));
	assert_true(has_detail(&e, "id_number", "ID_FORMAT"));
	assert_true(has_detail(&e, "ethnicity", "ETHNICITY_UNKNOWN"));
	assert_true(has_detail(&e, "phone", "PHONE_INVALID"));
}

static void names_and_codes(void **state)
{
	(void)state;
	char n[PERSON_NAME_MAX + 1], code[3];
	assert_int_equal(person_check_name(n, "阿依古丽·买买提"), 0);
	assert_int_not_equal(person_check_name(n, "a\tb"), 0);	   /* control character */
	assert_int_not_equal(person_check_name(n, "\xe5\x86"), 0); /* broken UTF-8 */
	char longname[200];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_not_equal(person_check_name(n, longname), 0);
	assert_int_equal(ethnicity_normalize(code, "1"), 0);
	assert_string_equal(code, "01");
	assert_int_equal(ethnicity_normalize(code, "苗族"), 0);
	assert_string_equal(code, "06");
	assert_int_not_equal(ethnicity_normalize(code, "99"), 0);
	assert_string_equal(ethnicity_name("15"), "土家族");
}

static void birth_date_rules(void **state)
{
	(void)state;
	struct person_valid v;
	struct wb_error e;
	struct person_input in = {"杨", "M", "2030-01-01", NULL, NULL, NULL};
	assert_int_equal(person_validate(&v, &in, &e), WB_EINVAL);
	assert_string_equal(e.code, "BIRTH_DATE_INVALID");
	in.birth_date = NULL;
	assert_int_equal(person_validate(&v, &in, &e), WB_EINVAL);
	assert_string_equal(e.code, "BIRTH_DATE_REQUIRED");
	in.birth_date = "2016-02-29";
	assert_int_equal(person_validate(&v, &in, &e), 0);
}

static void role_matrix(void **state)
{
	(void)state;
	/* Least privilege: the system administrator neither reveals nor reads sensitive facts. */
	assert_false(role_can(ROLE_ADMIN, PERM_ID_REVEAL));
	assert_false(role_can(ROLE_ADMIN, PERM_SENSITIVE_READ));
	assert_false(role_can(ROLE_ADMIN, PERM_PERSON_WRITE));
	assert_true(role_can(ROLE_ADMIN, PERM_USER_ADMIN));
	for (int r = 1; r < ROLE_COUNT; r++) {
		assert_true(role_can(r, PERM_PERSON_READ));
		assert_int_equal(role_can(r, PERM_USER_ADMIN), r == ROLE_ADMIN);
		assert_int_equal(role_from_code(role_code(r)), r);
		assert_true(strlen(role_name(r)) > 0 && strlen(role_name_en(r)) > 0);
	}
	assert_true(role_can(ROLE_POLICE, PERM_ID_REVEAL));
	assert_false(role_can(ROLE_GRID_WORKER, PERM_SENSITIVE_READ));
	assert_false(role_can(ROLE_SCHOOL, PERM_PERSON_WRITE));
	assert_true(role_can(ROLE_SCHOOL, PERM_FACT_WRITE));
	assert_true(role_scoped_to_unit(ROLE_SCHOOL));
	assert_false(role_scoped_to_unit(ROLE_POLICE));
	assert_int_equal(role_from_code("root"), ROLE_NONE);
	assert_false(role_can(ROLE_NONE, PERM_PERSON_READ));
	assert_false(role_can(ROLE_COUNT, PERM_PERSON_READ));
}

/* A purpose for full ID numbers: four characters that are not white space. */
static void purpose_stated(void **state)
{
	(void)state;
	assert_false(role_purpose_stated(NULL));
	assert_false(role_purpose_stated(""));
	assert_false(role_purpose_stated("     "));
	assert_false(role_purpose_stated("\xe3\x80\x80\xe3\x80\x80核 \t对\xe3\x80\x80"));
	assert_false(role_purpose_stated("核对台"));
	assert_false(
		role_purpose_stated("\xc2\xa0\xc2\xa0\xc2\xa0\xc2\xa0\xe2\x80\x8b\xef\xbb\xbf"));
	assert_true(role_purpose_stated("核对台账"));
	assert_true(role_purpose_stated(" 核 对 台 账 "));
	assert_true(role_purpose_stated("check"));
	char long_text[PURPOSE_MAX_BYTES + 2];
	memset(long_text, 'a', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = 0;
	assert_false(role_purpose_stated(long_text));
	long_text[PURPOSE_MAX_BYTES] = 0;
	assert_true(role_purpose_stated(long_text));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_person),	   cmocka_unit_test(every_field_reported_at_once),
		cmocka_unit_test(names_and_codes), cmocka_unit_test(birth_date_rules),
		cmocka_unit_test(role_matrix),	   cmocka_unit_test(purpose_stated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
