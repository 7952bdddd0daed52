/* person -- field validation for persons (see person.h). */
#include "domain/person.h"

#include <stdio.h>
#include <string.h>

#include "core/timeutil.h"

/* GB/T 3304-1991 民族 codes (RULES.md §7, reference/domain-china.md §6.3). */
static const char *const ethnicities[][2] = {
	{"01", "汉族"},	      {"02", "蒙古族"},
	{"03", "回族"},	      {"04", "藏族"},
	{"05", "维吾尔族"},   {"06", "苗族"},
	{"07", "彝族"},	      {"08", "壮族"},
	{"09", "布依族"},     {"10", "朝鲜族"},
	{"11", "满族"},	      {"12", "侗族"},
	{"13", "瑶族"},	      {"14", "白族"},
	{"15", "土家族"},     {"16", "哈尼族"},
	{"17", "哈萨克族"},   {"18", "傣族"},
	{"19", "黎族"},	      {"20", "傈僳族"},
	{"21", "佤族"},	      {"22", "畲族"},
	{"23", "高山族"},     {"24", "拉祜族"},
	{"25", "水族"},	      {"26", "东乡族"},
	{"27", "纳西族"},     {"28", "景颇族"},
	{"29", "柯尔克孜族"}, {"30", "土族"},
	{"31", "达斡尔族"},   {"32", "仫佬族"},
	{"33", "羌族"},	      {"34", "布朗族"},
	{"35", "撒拉族"},     {"36", "毛南族"},
	{"37", "仡佬族"},     {"38", "锡伯族"},
	{"39", "阿昌族"},     {"40", "普米族"},
	{"41", "塔吉克族"},   {"42", "怒族"},
	{"43", "乌孜别克族"}, {"44", "俄罗斯族"},
	{"45", "鄂温克族"},   {"46", "德昂族"},
	{"47", "保安族"},     {"48", "裕固族"},
	{"49", "京族"},	      {"50", "塔塔尔族"},
	{"51", "独龙族"},     {"52", "鄂伦春族"},
	{"53", "赫哲族"},     {"54", "门巴族"},
	{"55", "珞巴族"},     {"56", "基诺族"},
	{"97", "其他"},	      {"98", "外国血统中国籍人士"},
};
#define N_ETHNICITIES ((int)(sizeof(ethnicities) / sizeof(ethnicities[0])))

int ethnicity_count(void)
{
	return N_ETHNICITIES;
}

const char *ethnicity_code_at(int i)
{
	return i >= 0 && i < N_ETHNICITIES ? ethnicities[i][0] : NULL;
}

const char *ethnicity_name(const char *code)
{
	for (int i = 0; i < N_ETHNICITIES; i++)
		if (strcmp(ethnicities[i][0], code) == 0)
			return ethnicities[i][1];
	return NULL;
}

int ethnicity_normalize(char out[3], const char *in)
{
	char padded[3];
	/* Legacy data writes "1" for "01" and names without the 族 suffix. */
	if (strlen(in) == 1 && in[0] >= '1' && in[0] <= '9') {
		padded[0] = '0';
		padded[1] = in[0];
		padded[2] = '\0';
		in = padded;
	}
	for (int i = 0; i < N_ETHNICITIES; i++) {
		const char *name = ethnicities[i][1];
		size_t n = strlen(name), k = strlen(in);
		if (strcmp(ethnicities[i][0], in) == 0 || strcmp(name, in) == 0 ||
		    (k + 3 == n && strncmp(name, in, k) == 0 && strcmp(name + k, "族") == 0)) {
			memcpy(out, ethnicities[i][0], 3);
			return 0;
		}
	}
	return -1;
}

/* Valid UTF-8 without control characters; returns the number of code points or -1. */
static int utf8_text_chars(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int chars = 0;
	while (*p) {
		unsigned c = *p;
		int extra;
		if (c < 0x20 || c == 0x7f)
			return -1;
		if (c < 0x80)
			extra = 0;
		else if ((c & 0xe0) == 0xc0 && c >= 0xc2)
			extra = 1;
		else if ((c & 0xf0) == 0xe0)
			extra = 2;
		else if ((c & 0xf8) == 0xf0 && c <= 0xf4)
			extra = 3;
		else
			return -1;
		p++;
		for (int i = 0; i < extra; i++, p++)
			if ((*p & 0xc0) != 0x80)
				return -1;
		chars++;
	}
	return chars;
}

int person_check_name(char out[PERSON_NAME_MAX + 1], const char *name)
{
	while (*name == ' ')
		name++;
	size_t n = strlen(name);
	while (n && name[n - 1] == ' ')
		n--;
	if (n == 0 || n > PERSON_NAME_MAX)
		return -1;
	memcpy(out, name, n);
	out[n] = '\0';
	return utf8_text_chars(out) < 1 ? -1 : 0;
}

int person_check_gender(char *out, const char *g)
{
	if (!strcmp(g, "M") || !strcmp(g, "男") || !strcmp(g, "1"))
		*out = 'M';
	else if (!strcmp(g, "F") || !strcmp(g, "女") || !strcmp(g, "2"))
		*out = 'F';
	else if (!strcmp(g, "U") || !strcmp(g, "未知") || !strcmp(g, "0") || !strcmp(g, "9"))
		*out = 'U';
	else
		return -1;
	return 0;
}

static int check_phone(char out[24], const char *in)
{
	size_t n = strlen(in);
	if (n < 5 || n > 20)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!((in[i] >= '0' && in[i] <= '9') || in[i] == '-' || (i == 0 && in[i] == '+')))
			return -1;
	memcpy(out, in, n + 1);
	return 0;
}

int person_validate(struct person_valid *out, const struct person_input *in, struct wb_error *err)
{
	struct wb_error iderr;
	int64_t birth = 0, id_birth = 0;
	int have_birth = 0;

	memset(out, 0, sizeof(*out));
	wb_error_clear(err);
	wb_error_clear(&iderr);

	if (!in->name || person_check_name(out->name, in->name))
		wb_error_detail(err, "name", "NAME_INVALID",
				"姓名为必填项，最多50个字，不能含控制字符");
	if (!in->gender || person_check_gender(&out->gender, in->gender))
		wb_error_detail(err, "gender", "GENDER_INVALID",
				"性别应为 M（男）、F（女）或 U（未知）");

	if (in->birth_date && *in->birth_date) {
		if (date_parse(in->birth_date, &birth) || birth > date_today() ||
		    birth < date_days(1900, 1, 1))
			wb_error_detail(err, "birth_date", "BIRTH_DATE_INVALID",
					"出生日期应为 YYYY-MM-DD 格式的有效日期，且不晚于今天");
		else
			have_birth = 1;
	}

	if (in->id_number && *in->id_number) {
		if (idno_normalize(out->id_number, in->id_number, &iderr)) {
			wb_error_detail(err, "id_number", iderr.code, iderr.message);
			out->id_number[0] = '\0';
		} else {
			id_birth = idno_birth_days(out->id_number);
			if (have_birth && id_birth != birth)
				wb_error_detail(err, "birth_date", "ID_BIRTH_MISMATCH",
						"出生日期与身份证号码中的出生日期不一致");
			if (out->gender && out->gender != 'U' &&
			    out->gender != idno_gender(out->id_number))
				wb_error_detail(
					err, "gender", "ID_GENDER_MISMATCH",
					"性别与身份证号码不一致（第17位奇数为男，偶数为女）");
			if (!have_birth) {
				birth = id_birth;
				have_birth = 1;
			}
		}
	}
	if (!have_birth && !(in->birth_date && *in->birth_date))
		wb_error_detail(err, "birth_date", "BIRTH_DATE_REQUIRED",
				"出生日期为必填项（或提供身份证号码）");
	if (have_birth)
		date_format(birth, out->birth_date);

	if (in->ethnicity && *in->ethnicity && ethnicity_normalize(out->ethnicity, in->ethnicity))
		wb_error_detail(err, "ethnicity", "ETHNICITY_UNKNOWN", "民族代码不在 GB/T 3304 中");
	if (in->phone && *in->phone && check_phone(out->phone, in->phone))
		wb_error_detail(err, "phone", "PHONE_INVALID", "电话号码格式错误");

	if (err->ndetails == 0)
		return 0;
	if (err->ndetails == 1) {
		const char *en = iderr.code[0] && !strcmp(err->details[0].field, "id_number")
					 ? iderr.message_en
					 : "a field is invalid; see details";
		char en_copy[sizeof(iderr.message_en)];
		snprintf(en_copy, sizeof(en_copy), "%s", en);
		return wb_error_set(err, WB_EINVAL, 422, err->details[0].code,
				    err->details[0].message, en_copy);
	}
	return wb_error_set(err, WB_EINVAL, 422, "VALIDATION", "数据校验未通过，请按提示修改",
			    "validation failed; see details");
}
