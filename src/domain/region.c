/* region -- statistical division codes and grid codes (see region.h). */
#include "domain/region.h"

#include <string.h>

static const size_t level_len[7] = {0, 2, 4, 6, 9, 12, 15};

int region_code_normalize(char out[REGION_CODE_MAX + 1], const char *in, struct wb_error *err)
{
	size_t n = strlen(in);
	int known = n == 2 || n == 4 || n == 6 || n == 9 || n == 12 || n == 15;

	for (size_t i = 0; known && i < n; i++)
		if (in[i] < '0' || in[i] > '9')
			known = 0;
	if (!known || (n >= 2 && in[0] == '0')) {
		wb_error_set(
			err, WB_EINVAL, 422, "REGION_CODE_FORMAT",
			"区划代码格式错误（应为2、4、6、9、12位统计用区划代码或15位网格代码）",
			"a region code has 2, 4, 6, 9 or 12 digits (statistical division code) "
			"or 15 digits (grid)");
		wb_error_detail(err, "region", "REGION_CODE_FORMAT", "区划代码格式错误");
		return WB_EINVAL;
	}
	memcpy(out, in, n);
	if (n < 12) {
		memset(out + n, '0', 12 - n);
		n = 12;
	}
	out[n] = '\0';
	return 0;
}

static int zeros(const char *s, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (s[i] != '0')
			return 0;
	return 1;
}

int region_level(const char *code)
{
	if (strlen(code) == 15)
		return REGION_GRID;
	if (zeros(code, 2, 12))
		return REGION_PROVINCE;
	if (zeros(code, 4, 12))
		return REGION_CITY;
	if (zeros(code, 6, 12))
		return REGION_COUNTY;
	if (zeros(code, 9, 12))
		return REGION_TOWNSHIP;
	return REGION_VILLAGE;
}

size_t region_prefix_len(const char *code)
{
	return level_len[region_level(code)];
}

int region_parent(char out[REGION_CODE_MAX + 1], const char *code)
{
	int level = region_level(code);
	if (level == REGION_PROVINCE)
		return -1;
	if (level == REGION_GRID) {
		memcpy(out, code, 12);
		out[12] = '\0';
		return 0;
	}
	memcpy(out, code, 12);
	memset(out + level_len[level - 1], '0', 12 - level_len[level - 1]);
	out[12] = '\0';
	return 0;
}

void region_subtree_range(const char *code, char lo[REGION_CODE_MAX + 1],
			  char hi[REGION_CODE_MAX + 1])
{
	size_t n = region_prefix_len(code);
	memcpy(lo, code, n);
	lo[n] = '\0';
	memcpy(hi, code, n);
	hi[n] = '\0';
	/* Digits only: incrementing the last character (possibly to ':') gives an
	 * exclusive upper bound for every string with this prefix. */
	hi[n - 1] = (char)(hi[n - 1] + 1);
}

int region_in_subtree(const char *root, const char *code)
{
	size_t n = region_prefix_len(root);
	return strncmp(root, code, n) == 0;
}

const char *region_level_name(int level)
{
	static const char *names[] = {"", "省", "市", "县", "乡镇", "村（社区）", "网格"};
	return level >= 1 && level <= 6 ? names[level] : "";
}

const char *region_level_name_en(int level)
{
	static const char *names[] = {"",	  "province", "city", "county",
				      "township", "village",  "grid"};
	return level >= 1 && level <= 6 ? names[level] : "";
}
