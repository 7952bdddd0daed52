/*
 * link_synth -- synthetic persons and query rows with known truth; see link_synth.h.
 *
 * Error rates per query row of a present person, applied independently (so about a third
 * of rows carry two or more errors). They are guesses at what 台账 typed by hand from
 * paper look like, not measurements: homophone (pinyin IME) 15 %, traditional characters
 * (OCR, Hong Kong / Taiwan documents) 10 %, typo of one character 8 %, day and month
 * swapped 5 % (only possible for days 1-12), one day off 5 %, gender missing 10 %, moved
 * within the township 10 %, birth date missing 2 %.
 */
#include "cli/link_synth.h"

#include <string.h>

#include "cli/cli.h"
#include "cli/demo.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "domain/hanzi.h"

static const double error_rate[LINK_SYN_NERRORS] = {0.15, 0.10, 0.08, 0.05, 0.05, 0.10, 0.10, 0.02};

/* Common given-name characters with their homophones, for homophone errors and typos. */
static const char name_pool[] =
	"伟玮维薇卫威为丽莉俐利力立黎静婧靖晶敬婷亭庭廷涛韬滔桃杰洁婕捷军君钧均俊骏峻郡明铭鸣"
	"名华桦骅花芳方舫勇永咏泳鹏朋彭蓬辉晖慧惠蕙会宇雨语羽玉浩皓昊豪斌彬滨宾超潮朝刚钢罡纲"
	"平萍苹屏飞菲霏非鑫欣新馨心波博柏伯凯楷恺铠健建剑坚帆凡繁旭序绪煦宁凝林琳霖淋洋阳扬杨"
	"睿瑞锐蕊轩萱宣璇文雯闻纹子紫梓姿泽择航杭晨辰臣磊蕾垒成诚城承志智芝致国果娜纳敏民珉艳"
	"燕雁彦娟鹃霞夏侠玲铃凌灵雪学琴勤芹秦云芸韵莲连涟怡宜仪依涵含寒晗梦孟萌佳嘉家加思丝斯"
	"可珂琪琦淇祺奇悦月越玥彤桐童瑶遥谣若红虹宏鸿英莹颖瑛兰岚蓝秀绣春椿桂贵凤峰锋丰倩茜强"
	"蔷帅翔祥诗师施";

struct villages {
	char (*code)[13];
	size_t n;
};

struct pool {
	uint32_t cp[320];
	size_t n;
};

/* Every character of name_pool is three bytes of UTF-8 (BMP ideographs). */
static void pool_init(struct pool *p)
{
	p->n = 0;
	for (size_t i = 0; i + 3 <= sizeof(name_pool) - 1 && p->n < 320; i += 3) {
		uint32_t cp[HANZI_NAME_MAX];
		if (hanzi_normalize_cps(cp, name_pool + i, 3, NULL) == 1)
			p->cp[p->n++] = cp[0];
	}
}

/* Village codes of 500242 from the built-in region seed ("code,name,level,parent"). */
static void villages_load(struct villages *v)
{
	const char *s = regions_seed_csv, *end = s + regions_seed_csv_len;
	v->code = NULL;
	v->n = 0;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl)
			nl = end;
		if (nl - s > 13 && memcmp(s, "500242", 6) == 0 && s[12] == ',') {
			v->code = xrealloc(v->code, (v->n + 1) * sizeof(*v->code));
			memcpy(v->code[v->n], s, 12);
			v->code[v->n++][12] = '\0';
		}
		s = nl + 1;
	}
}

static void date_text(char out[11], int64_t days)
{
	date_format(days, out);
}

static void person_make(struct demo_rng *r, const struct villages *v, struct link_synth_row *row,
			char *gender)
{
	*gender = demo_chance(r, 0.5) ? 'M' : 'F';
	demo_name(r, *gender, row->name, sizeof(row->name));
	int64_t lo = demo_chance(r, 0.6) ? date_days(2007, 1, 1) : date_days(1960, 1, 1);
	int64_t hi =
		lo == date_days(2007, 1, 1) ? date_days(2024, 12, 31) : date_days(2006, 12, 31);
	date_text(row->birth, lo + demo_between(r, 0, (int)(hi - lo)));
	memcpy(row->region, v->code[demo_next(r) % v->n], 13);
}

/* The twin of prev: same surname (first character), birth date and village. */
static void twin_make(struct demo_rng *r, const struct link_synth_row *prev,
		      struct link_synth_row *row, char *gender)
{
	char surname[8];
	uint32_t cps[HANZI_NAME_MAX];
	int n = hanzi_normalize_cps(cps, prev->name, strlen(prev->name), NULL);
	surname[n > 0 ? hanzi_utf8_put(surname, cps[0]) : 0] = '\0';
	*gender = demo_chance(r, 0.5) ? 'M' : 'F';
	demo_given_name(r, *gender, surname, row->name, sizeof(row->name));
	memcpy(row->birth, prev->birth, sizeof(row->birth));
	memcpy(row->region, prev->region, sizeof(row->region));
}

static void name_write(struct link_synth_row *row, const uint32_t *cps, int n)
{
	size_t o = 0;
	for (int i = 0; i < n && o + 4 < sizeof(row->name); i++)
		o += hanzi_utf8_put(row->name + o, cps[i]);
	row->name[o] = '\0';
}

/* Replace one given-name character by a homophone (same) or a non-homophone (typo). */
static int name_swap_char(struct demo_rng *r, const struct pool *pool, struct link_synth_row *row,
			  int homophone)
{
	uint32_t cps[HANZI_NAME_MAX], alt[320];
	int n = hanzi_normalize_cps(cps, row->name, strlen(row->name), NULL);
	if (n < 2)
		return 0;
	int pos = 1 + demo_between(r, 0, n - 2);
	int syl = hanzi_syllable(cps[pos]);
	size_t na = 0;
	for (size_t i = 0; i < pool->n; i++) {
		int same = syl >= 0 && hanzi_syllable(pool->cp[i]) == syl;
		if (pool->cp[i] != cps[pos] && same == homophone)
			alt[na++] = pool->cp[i];
	}
	if (na == 0)
		return 0;
	cps[pos] = alt[demo_next(r) % na];
	name_write(row, cps, n);
	return 1;
}

static int name_traditional(struct link_synth_row *row)
{
	uint32_t cps[HANZI_NAME_MAX];
	int n = hanzi_normalize_cps(cps, row->name, strlen(row->name), NULL), any = 0;
	for (int i = 0; i < n; i++) {
		uint32_t t = hanzi_traditional(cps[i]);
		if (t) {
			cps[i] = t;
			any = 1;
		}
	}
	if (any)
		name_write(row, cps, n);
	return any;
}

static int date_swap(struct link_synth_row *row)
{
	int64_t days;
	int y, m, d;
	if (date_parse(row->birth, &days) != 0)
		return 0;
	date_from_days(days, &y, &m, &d);
	if (d > 12 || d == m)
		return 0;
	date_text(row->birth, date_days(y, d, m));
	return 1;
}

static int date_shift(struct demo_rng *r, struct link_synth_row *row)
{
	int64_t days;
	if (date_parse(row->birth, &days) != 0)
		return 0;
	date_text(row->birth, days + (demo_chance(r, 0.5) ? 1 : -1));
	return 1;
}

/* Another village of the same township, if it has one. */
static int region_move(struct demo_rng *r, const struct villages *v, struct link_synth_row *row)
{
	size_t same[512], n = 0;
	for (size_t i = 0; i < v->n && n < 512; i++)
		if (memcmp(v->code[i], row->region, 9) == 0 && strcmp(v->code[i], row->region) != 0)
			same[n++] = i;
	if (n == 0)
		return 0;
	memcpy(row->region, v->code[same[demo_next(r) % n]], 13);
	return 1;
}

/* Apply each error with its rate; returns the bits that took effect. */
static unsigned corrupt(struct demo_rng *r, const struct pool *pool, const struct villages *v,
			struct link_synth_row *row, char *gender)
{
	unsigned bits = 0;
	for (int e = 0; e < LINK_SYN_NERRORS; e++) {
		if (!demo_chance(r, error_rate[e]))
			continue;
		int ok = 0;
		switch (1u << e) {
		case LINK_SYN_HOMOPHONE: ok = name_swap_char(r, pool, row, 1); break;
		case LINK_SYN_TRADITIONAL: ok = name_traditional(row); break;
		case LINK_SYN_TYPO: ok = name_swap_char(r, pool, row, 0); break;
		case LINK_SYN_SWAP: ok = date_swap(row); break;
		case LINK_SYN_OFF1: ok = date_shift(r, row); break;
		case LINK_SYN_NO_GENDER: *gender = 'U', ok = 1; break;
		case LINK_SYN_MOVED: ok = region_move(r, v, row); break;
		case LINK_SYN_NO_BIRTH: row->birth[0] = '\0', ok = 1; break;
		}
		bits |= ok ? 1u << e : 0;
	}
	return bits;
}

static void person_link(struct link_person *p, int64_t id, struct link_synth_row *row, char g)
{
	p->id = id;
	p->name = row->name;
	p->birth = row->birth;
	p->gender = g;
	p->region = row->region;
}

static void make_persons(struct link_synth *s, const struct link_synth_opts *o, struct demo_rng *r,
			 const struct villages *v)
{
	for (size_t i = 0; i < s->npersons; i++) {
		char g;
		if (i > 0 && demo_chance(r, o->twins))
			twin_make(r, &s->rows[i - 1], &s->rows[i], &g);
		else
			person_make(r, v, &s->rows[i], &g);
		person_link(&s->persons[i], (int64_t)i + 1, &s->rows[i], g);
	}
}

static void make_queries(struct link_synth *s, const struct link_synth_opts *o, struct demo_rng *r,
			 const struct villages *v)
{
	struct pool pool;
	pool_init(&pool);
	for (size_t i = 0; i < s->nqueries; i++) {
		struct link_synth_row *row = &s->rows[s->npersons + i];
		char g;
		if (s->npersons > 0 && demo_chance(r, o->present)) {
			size_t j = (size_t)(demo_next(r) % s->npersons);
			*row = s->rows[j];
			g = s->persons[j].gender;
			s->truth[i] = s->persons[j].id;
		} else {
			person_make(r, v, row, &g);
			s->truth[i] = 0;
		}
		s->errors[i] = corrupt(r, &pool, v, row, &g);
		person_link(&s->queries[i], -(int64_t)i - 1, row, g);
	}
}

void link_synth_generate(struct link_synth *s, const struct link_synth_opts *o)
{
	struct demo_rng r = {o->seed};
	struct villages v;
	villages_load(&v);
	memset(s, 0, sizeof(*s));
	s->npersons = o->persons;
	s->nqueries = o->queries;
	s->rows = xcalloc(o->persons + o->queries + 1, sizeof(*s->rows));
	s->persons = xcalloc(o->persons + 1, sizeof(*s->persons));
	s->queries = xcalloc(o->queries + 1, sizeof(*s->queries));
	s->truth = xcalloc(o->queries + 1, sizeof(*s->truth));
	s->errors = xcalloc(o->queries + 1, sizeof(*s->errors));
	if (v.n > 0) {
		make_persons(s, o, &r, &v);
		make_queries(s, o, &r, &v);
	}
	free(v.code);
}

void link_synth_release(struct link_synth *s)
{
	free(s->rows);
	free(s->persons);
	free(s->queries);
	free(s->truth);
	free(s->errors);
	memset(s, 0, sizeof(*s));
}

const char *link_synth_error_str(unsigned bit)
{
	static const char *const names[LINK_SYN_NERRORS] = {"homophone", "traditional", "typo",
							    "swap",	 "off1",	"no_gender",
							    "moved",	 "no_birth"};
	for (int e = 0; e < LINK_SYN_NERRORS; e++)
		if (bit == 1u << e)
			return names[e];
	return "?";
}
