/*
 * demo_names -- names and ethnicities for the demo population of 酉阳县.
 *
 * Surnames: the most common surnames of 酉阳土家族苗族自治县 (冉, 白, 田, 彭, 杨, 何, 石 are
 * characteristic of the 土家族 and 苗族 of south-east Chongqing) mixed with the national
 * top surnames; weights are rough shares, not a census. Given names are one or two
 * characters from common lists. Ethnicity follows the county's published composition
 * (see docs/demo-data.md).
 */
#include <stdio.h>
#include <string.h>

#include "cli/demo.h"

uint64_t demo_next(struct demo_rng *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

double demo_unit(struct demo_rng *r)
{
	return (double)(demo_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

int demo_between(struct demo_rng *r, int lo, int hi)
{
	return lo + (int)(demo_next(r) % (uint64_t)(hi - lo + 1));
}

int demo_chance(struct demo_rng *r, double p)
{
	return demo_unit(r) < p;
}

struct weighted {
	const char *text;
	int weight;
};

static const struct weighted surnames[] = {
	{"冉", 60}, {"白", 40}, {"田", 45}, {"彭", 35}, {"杨", 50}, {"何", 30},
	{"石", 30}, {"陈", 35}, {"李", 40}, {"张", 30}, {"王", 30}, {"刘", 25},
	{"吴", 20}, {"黄", 18}, {"罗", 18}, {"龙", 15}, {"谢", 12}, {"赵", 12},
	{"周", 12}, {"徐", 10}, {"胡", 10}, {"任", 10}, {"冯", 8},  {"邓", 8},
	{"向", 15}, {"舒", 10}, {"高", 8},  {"梁", 6},	{"孙", 6},  {"郑", 5},
	{"姚", 5},  {"唐", 8},	{"秦", 6},  {"蒋", 5},	{"余", 6},  {"熊", 6},
};
#define N_SURNAMES (sizeof(surnames) / sizeof(surnames[0]))

static const char *const male_chars[] = {
	"伟", "强", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华", "飞",
	"鑫", "波", "宇", "浩", "凯", "健", "俊", "帆", "帅", "旭", "宁", "龙", "林", "洋", "阳",
	"睿", "轩", "博", "文", "子", "梓", "俊", "泽", "宇", "航", "晨", "磊", "成", "志", "国",
};
static const char *const female_chars[] = {
	"芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "燕", "玲", "婷", "雪", "琴", "云", "莲",
	"欣", "怡", "萱", "涵", "梦", "雨", "佳", "思", "可", "诗", "琪", "悦", "彤", "蕊", "瑶",
	"梓", "紫", "若", "馨", "晴", "月", "红", "英", "兰", "秀", "春", "桂", "凤", "慧", "倩",
};
#define N_MALE	 (sizeof(male_chars) / sizeof(male_chars[0]))
#define N_FEMALE (sizeof(female_chars) / sizeof(female_chars[0]))

static const char *pick_weighted(struct demo_rng *r, const struct weighted *w, size_t n)
{
	int total = 0;
	for (size_t i = 0; i < n; i++)
		total += w[i].weight;
	int x = demo_between(r, 0, total - 1);
	for (size_t i = 0; i < n; i++) {
		if (x < w[i].weight)
			return w[i].text;
		x -= w[i].weight;
	}
	return w[n - 1].text;
}

const char *demo_surname(struct demo_rng *r)
{
	return pick_weighted(r, surnames, N_SURNAMES);
}

void demo_given_name(struct demo_rng *r, char gender, const char *surname, char *out, size_t cap)
{
	const char *const *chars = gender == 'M' ? male_chars : female_chars;
	size_t n = gender == 'M' ? N_MALE : N_FEMALE;
	const char *a = chars[demo_next(r) % n];
	if (demo_chance(r, 0.25))
		snprintf(out, cap, "%s%s", surname, a);
	else
		snprintf(out, cap, "%s%s%s", surname, a, chars[demo_next(r) % n]);
}

void demo_name(struct demo_rng *r, char gender, char *out, size_t cap)
{
	demo_given_name(r, gender, demo_surname(r), out, cap);
}

/* 酉阳: 土家族 and 苗族 are the majority (see docs/demo-data.md for the figures). */
static const struct weighted ethnic[] = {
	{"15", 62}, /* 土家族 */
	{"06", 20}, /* 苗族 */
	{"01", 17}, /* 汉族 */
	{"12", 1},  /* 侗族 and others */
};

const char *demo_ethnicity(struct demo_rng *r)
{
	return pick_weighted(r, ethnic, sizeof(ethnic) / sizeof(ethnic[0]));
}
