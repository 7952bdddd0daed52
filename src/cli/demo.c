/*
 * demo -- generate a deterministic, realistic population for a real county.
 *
 *   weibao demo --db FILE [--county 500242] [--minors 150000] [--seed 1]
 *
 * From the county's townships and villages in the regions table it creates grids, the
 * units a county has (county bureaus; per township 民政办, 派出所, 司法所, 卫生院, 未保工作站
 * and schools; a committee per village), households in real villages with children,
 * parents and grandparents, valid ID numbers, relations, and facts whose rates follow
 * published figures for rural Chongqing (docs/demo-data.md lists each rate and source).
 * The same seed gives the same data. Everything is one transaction through store/bulk.c:
 * an interrupted run leaves the database as it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/demo.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "domain/idno.h"
#include "domain/region.h"
#include "store/audit.h"
#include "store/bulk.h"
#include "store/regions.h"

/* ---- rates (docs/demo-data.md gives the source of each) ------------------------------ */
#define RATE_RURAL_HOUSEHOLD   0.85   /* share of households with rural 户籍 outside 街道 */
#define RATE_RURAL_IN_STREETS  0.35   /* … in the two 街道 (county town) */
#define RATE_BOTH_PARENTS_AWAY 0.24   /* rural households: both parents migrant workers */
#define RATE_FATHER_AWAY       0.20   /* only the father away */
#define RATE_MOTHER_AWAY       0.04   /* only the mother away */
#define RATE_DIVORCED	       0.07   /* parents divorced */
#define RATE_PARENT_IMPRISONED 0.0016 /* per parent */
#define RATE_PARENT_DETOX      0.0003
#define RATE_FATHER_DEAD       0.006
#define RATE_MOTHER_DEAD       0.004
#define RATE_PARENT_LOST       0.001
#define RATE_PARENT_ILL	       0.008
#define RATE_ADULT_DISABLED    0.035
#define RATE_CHILD_DISABLED    0.008
#define RATE_LOW_INCOME_RURAL  0.05
#define RATE_LOW_INCOME_URBAN  0.02
#define RATE_EXTREME_POVERTY   0.003
#define RATE_DROPOUT	       0.004 /* ages 12-17 */
#define RATE_BAD_BEHAVIOUR     0.015 /* ages 12-17 */
#define RATE_PSY_YELLOW	       0.04  /* ages 10-17, school screening */
#define RATE_PSY_ORANGE	       0.012
#define RATE_PSY_RED	       0.003
#define RATE_VICTIM	       0.0005
#define RATE_NO_ID_UNDER_3     0.10 /* young children without an ID number yet */

#define SRC "weibao demo (synthetic)"

struct township {
	char code[REGION_CODE_MAX + 1], name[128];
	int street; /* 街道: the county town */
	int64_t civil, police, justice, health, station, primary, middle, kindergarten;
};

struct village {
	char code[REGION_CODE_MAX + 1], name[128];
	int township;
	int64_t committee;
	int households, grids;
};

struct county {
	char code[REGION_CODE_MAX + 1], name[128];
	struct township *towns;
	int ntowns;
	struct village *villages;
	int nvillages;
	int64_t office, civil_bureau, edu_bureau, police_bureau, justice_bureau, health_bureau,
		disabled_fed, womens_fed, youth_league, court, procuratorate, high_school;
	/* ID number allocation: per birth day and gender, sequence numbers of one prefix. */
	char prefixes[64][7];
	int nprefixes;
	unsigned short *seq; /* [day][gender] */
	unsigned char *pidx;
};

struct counts {
	long persons, minors, households, relations, facts, units, grids;
};

struct gen {
	struct store *st;
	struct demo_rng rng;
	struct county c;
	struct bulk_ids next;
	struct counts n;
	int64_t today;
	struct wb_error *err;
	long target_minors;
};

#define DAY0  (-25567) /* 1900-01-01 */
#define NDAYS 60000

/* ---- loading the county ----------------------------------------------------------- */

static int add_town(void *ctx, const struct region_row *r)
{
	struct county *c = ctx;
	c->towns = xrealloc(c->towns, (size_t)(c->ntowns + 1) * sizeof(*c->towns));
	struct township *t = &c->towns[c->ntowns++];
	memset(t, 0, sizeof(*t));
	snprintf(t->code, sizeof(t->code), "%s", r->code);
	snprintf(t->name, sizeof(t->name), "%s", r->name);
	t->street = r->code[6] == '0'; /* 001-099 are 街道 */
	return 0;
}

struct village_ctx {
	struct county *c;
	int town;
};

static int add_village(void *vctx, const struct region_row *r)
{
	struct village_ctx *vc = vctx;
	struct county *c = vc->c;
	if (r->level != REGION_VILLAGE)
		return 0;
	c->villages = xrealloc(c->villages, (size_t)(c->nvillages + 1) * sizeof(*c->villages));
	struct village *v = &c->villages[c->nvillages++];
	memset(v, 0, sizeof(*v));
	snprintf(v->code, sizeof(v->code), "%s", r->code);
	snprintf(v->name, sizeof(v->name), "%s", r->name);
	v->township = vc->town;
	return 0;
}

static int add_prefix(void *ctx, const struct region_row *r)
{
	struct county *c = ctx;
	if (c->nprefixes < 64 && r->level == REGION_COUNTY && strcmp(r->code, c->code) != 0) {
		memcpy(c->prefixes[c->nprefixes], r->code, 6);
		c->prefixes[c->nprefixes++][6] = '\0';
	}
	return 0;
}

static int load_county(struct gen *g, const char *code)
{
	struct region_row county, city;
	struct county *c = &g->c;
	int rc = store_regions_get(g->st, code, &county, g->err);
	if (rc)
		return rc;
	if (county.level != REGION_COUNTY)
		return wb_error_setx(g->err, WB_EINVAL, 422, "NOT_A_COUNTY", "须指定县级区划代码",
				     "the demo needs a county-level region code", code);
	snprintf(c->code, sizeof(c->code), "%s", county.code);
	snprintf(c->name, sizeof(c->name), "%s", county.name);
	if ((rc = store_regions_children(g->st, c->code, add_town, c, g->err)))
		return rc;
	for (int i = 0; i < c->ntowns; i++) {
		struct village_ctx vc = {c, i};
		if ((rc = store_regions_children(g->st, c->towns[i].code, add_village, &vc,
						 g->err)))
			return rc;
	}
	if (c->nvillages == 0)
		return wb_error_setx(g->err, WB_EINVAL, 422, "COUNTY_WITHOUT_VILLAGES",
				     "该县没有村级区划数据，请先导入区划",
				     "the county has no villages; import regions first", code);
	/* Natives carry the county's own prefix; once a birth day's sequence numbers run out
	 * (very large populations), prefixes of neighbouring counties of the same city. */
	memcpy(c->prefixes[0], c->code, 6);
	c->prefixes[0][6] = '\0';
	c->nprefixes = 1;
	if (store_regions_get(g->st, county.parent_code, &city, NULL) == 0)
		store_regions_children(g->st, city.code, add_prefix, c, NULL);
	c->seq = xcalloc((size_t)NDAYS * 2, sizeof(*c->seq));
	c->pidx = xcalloc((size_t)NDAYS * 2, sizeof(*c->pidx));
	return 0;
}

/* ---- units and grids ------------------------------------------------------------- */

static int unit(struct gen *g, int64_t *id, const char *type, const char *region, const char *fmt_a,
		const char *b)
{
	char name[200];
	snprintf(name, sizeof(name), "%s%s", fmt_a, b);
	*id = g->next.unit++;
	g->n.units++;
	return bulk_unit(g->st, *id, name, type, region, g->err);
}

static int make_units(struct gen *g)
{
	struct county *c = &g->c;
	const char *cn = c->name, *cc = c->code;
	int rc = 0;
	/* The county seat is the first 街道 (or the first township). */
	const char *seat = c->towns[0].code;
	rc |= unit(g, &c->office, "minor_office", cc, cn, "未成年人保护工作领导小组办公室");
	rc |= unit(g, &c->civil_bureau, "civil_affairs", cc, cn, "民政局");
	rc |= unit(g, &c->edu_bureau, "education", cc, cn, "教育委员会");
	rc |= unit(g, &c->police_bureau, "public_security", cc, cn, "公安局");
	rc |= unit(g, &c->justice_bureau, "justice", cc, cn, "司法局");
	rc |= unit(g, &c->health_bureau, "health", cc, cn, "卫生健康委员会");
	rc |= unit(g, &c->disabled_fed, "disabled_federation", cc, cn, "残疾人联合会");
	rc |= unit(g, &c->womens_fed, "womens_federation", cc, cn, "妇女联合会");
	rc |= unit(g, &c->youth_league, "youth_league", cc, "共青团", cn);
	rc |= unit(g, &c->court, "court", cc, cn, "人民法院");
	rc |= unit(g, &c->procuratorate, "procuratorate", cc, cn, "人民检察院");
	rc |= unit(g, &c->high_school, "school", seat, cn, "第一中学");
	for (int i = 0; !rc && i < c->ntowns; i++) {
		struct township *t = &c->towns[i];
		rc |= unit(g, &t->station, "minor_station", t->code, t->name, "未成年人保护工作站");
		rc |= unit(g, &t->civil, "civil_affairs_office", t->code, t->name,
			   "民政和社会事务办公室");
		rc |= unit(g, &t->police, "police_station", t->code, t->name, "派出所");
		rc |= unit(g, &t->justice, "justice_office", t->code, t->name, "司法所");
		rc |= unit(g, &t->health, "health_center", t->code, t->name, "卫生院");
		rc |= unit(g, &t->primary, "school", t->code, t->name, "中心小学");
		rc |= unit(g, &t->middle, "school", t->code, t->name, "初级中学");
		rc |= unit(g, &t->kindergarten, "kindergarten", t->code, t->name, "中心幼儿园");
	}
	for (int i = 0; !rc && i < c->nvillages; i++) {
		struct village *v = &c->villages[i];
		/* Village codes 001-199 are residents' committees, 200-399 villagers'. */
		int community = v->code[9] == '0' || v->code[9] == '1';
		rc |= unit(g, &v->committee, "village_committee", v->code, v->name,
			   community ? "居民委员会" : "村民委员会");
	}
	return rc ? WB_EDB : 0;
}

static int make_grids(struct gen *g)
{
	struct county *c = &g->c;
	for (int i = 0; i < c->nvillages; i++) {
		struct village *v = &c->villages[i];
		v->grids = v->households / 100 + 1;
		if (v->grids > 999)
			v->grids = 999;
		for (int k = 1; k <= v->grids; k++) {
			char code[REGION_CODE_MAX + 1], name[32];
			snprintf(code, sizeof(code), "%s%03d", v->code, k);
			snprintf(name, sizeof(name), "第%d网格", k);
			int rc = bulk_region(g->st, code, name, REGION_GRID, v->code, SRC, g->err);
			if (rc)
				return rc;
			g->n.grids++;
		}
	}
	return 0;
}

/* ---- people --------------------------------------------------------------------- */

/* Text by hand, not snprintf: these run for every person (snprintf was a sixth of the
 * generator's time). */
static char *put_digits(char *o, unsigned v, int width)
{
	for (int k = width - 1; k >= 0; k--, v /= 10)
		o[k] = (char)('0' + v % 10);
	return o + width;
}

static char *put_uint(char *o, unsigned v)
{
	int w = 1;
	for (unsigned x = v; x >= 10; x /= 10)
		w++;
	return put_digits(o, v, w);
}

static char *put_str(char *o, const char *s)
{
	size_t n = strlen(s);
	memcpy(o, s, n);
	return o + n;
}

/* A valid ID number for a birth day and gender, unique within the run. */
static void make_id(struct gen *g, int64_t birth, char gender, char out[IDNO_LEN + 1])
{
	struct county *c = &g->c;
	int64_t day = birth - DAY0;
	int gi = gender == 'M';
	size_t k = (size_t)day * 2 + (size_t)gi;
	if (day < 0 || day >= NDAYS) {
		out[0] = '\0';
		return;
	}
	if (c->seq[k] >= 500) {
		if (c->pidx[k] + 1 >= c->nprefixes) {
			out[0] = '\0'; /* out of numbers: no ID for this person */
			return;
		}
		c->pidx[k]++;
		c->seq[k] = 0;
	}
	int y, m, d;
	date_from_days(birth, &y, &m, &d);
	int seq = c->seq[k]++ * 2 + gi;
	char *o = put_str(out, c->prefixes[c->pidx[k]]);
	o = put_digits(o, (unsigned)y, 4);
	o = put_digits(o, (unsigned)m, 2);
	o = put_digits(o, (unsigned)d, 2);
	put_digits(o, (unsigned)seq, 3);
	out[17] = idno_check_char(out);
	out[18] = '\0';
}

static void phone(struct gen *g, char out[16])
{
	static const char *const heads[] = {"135", "136", "138", "139", "150", "151", "157",
					    "177", "180", "182", "187", "189", "199"};
	char *o = put_str(out, heads[demo_next(&g->rng) % 13]);
	o = put_digits(o, (unsigned)(demo_next(&g->rng) % 100000000), 8);
	*o = 0;
}

static void date_text(int64_t days, char out[11])
{
	date_format(days, out);
}

struct member {
	int64_t id;
	char gender;
	int64_t birth;
	char name[64];
	/* conditions of a parent (A-set of 民发〔2019〕62号 and others) */
	int away, imprisoned, detox, dead, lost, ill, disabled_grade, present;
};

static int add_fact(struct gen *g, int64_t person, const char *type, const char *value,
		    int64_t from, int64_t to, int64_t unit_id, const char *doc)
{
	char f[11], t[11];
	if (from)
		date_text(from, f);
	if (to)
		date_text(to, t);
	struct bulk_fact bf = {person, type, value, from ? f : NULL, to ? t : NULL, unit_id, doc};
	g->n.facts++;
	return bulk_fact(g->st, g->next.fact++, &bf, g->err);
}

static int store_person(struct gen *g, struct member *m, const char *household_region,
			const char *residence, int64_t household, int64_t school, int with_phone)
{
	struct bulk_person p;
	char ph[16];
	memset(&p, 0, sizeof(p));
	p.id = m->id = g->next.person++;
	p.name = m->name;
	p.gender = m->gender;
	date_text(m->birth, p.birth_date);
	if (!(g->today - m->birth < 3 * 365 && demo_chance(&g->rng, RATE_NO_ID_UNDER_3)))
		make_id(g, m->birth, m->gender, p.id_number);
	p.ethnicity = demo_ethnicity(&g->rng);
	p.household_region = household_region;
	p.residence_region = residence;
	p.household_id = household;
	p.school_unit_id = school;
	if (with_phone) {
		phone(g, ph);
		p.phone = ph;
	}
	g->n.persons++;
	return bulk_person(g->st, &p, g->err);
}

static int64_t years_ago(struct gen *g, double lo, double hi)
{
	return g->today - (int64_t)((lo + (hi - lo) * demo_unit(&g->rng)) * 365.25);
}

static int child_age_pick(struct gen *g)
{
	/* Fewer young children: births in Chongqing fell over the last decade. */
	for (;;) {
		int a = demo_between(&g->rng, 0, 17);
		if (demo_unit(&g->rng) < 0.65 + 0.35 * a / 17.0)
			return a;
	}
}

static int64_t school_for(struct gen *g, const struct township *t, int age)
{
	if (age >= 3 && age <= 5)
		return t->kindergarten;
	if (age >= 6 && age <= 11)
		return t->primary;
	if (age >= 12 && age <= 14)
		return t->middle;
	if (age >= 15)
		return g->c.high_school;
	return 0;
}

/* Conditions of a parent, drawn once. */
static void parent_conditions(struct gen *g, struct member *p)
{
	p->present = 1;
	p->dead = demo_chance(&g->rng, p->gender == 'M' ? RATE_FATHER_DEAD : RATE_MOTHER_DEAD);
	if (p->dead)
		return;
	p->imprisoned = demo_chance(&g->rng, RATE_PARENT_IMPRISONED);
	p->detox = !p->imprisoned && demo_chance(&g->rng, RATE_PARENT_DETOX);
	p->lost = demo_chance(&g->rng, RATE_PARENT_LOST);
	p->ill = demo_chance(&g->rng, RATE_PARENT_ILL);
	if (demo_chance(&g->rng, RATE_ADULT_DISABLED))
		p->disabled_grade = demo_between(&g->rng, 1, 4);
}

/* 民发〔2019〕62号: a parent "in A" cannot provide support. */
static int in_a(const struct member *p)
{
	return p->imprisoned || p->detox || p->lost || p->ill ||
	       (p->disabled_grade && p->disabled_grade <= 2);
}

static int parent_facts(struct gen *g, struct member *p, const struct township *t,
			const struct village *v, int64_t child_birth)
{
	int rc = 0;
	int64_t from;
	if (p->dead) {
		from = child_birth + demo_between(&g->rng, 30, (int)(g->today - child_birth) + 30);
		if (from > g->today)
			from = g->today - 30;
		return add_fact(g, p->id, "deceased", NULL, from, 0, t->police, "户籍注销登记");
	}
	if (p->away) {
		static const char *const dest[] = {"广东省东莞市", "广东省深圳市", "浙江省宁波市",
						   "福建省厦门市", "重庆市渝北区", "江苏省苏州市",
						   "上海市闵行区", "浙江省温州市"};
		rc |= add_fact(g, p->id, "migrant_work", dest[demo_next(&g->rng) % 8],
			       years_ago(g, 0.5, 8), 0, v->committee, "村外出务工人员登记表");
	}
	if (p->imprisoned) {
		from = years_ago(g, 0.1, 5);
		rc |= add_fact(g, p->id, "imprisoned", "重庆市某监狱", from,
			       g->today + demo_between(&g->rng, 60, 3000), t->justice,
			       "司法所在押服刑人员台账（2026年10月）");
	}
	if (p->detox)
		rc |= add_fact(g, p->id, "compulsory_detox", "重庆市强制隔离戒毒所",
			       years_ago(g, 0.1, 1.5), g->today + demo_between(&g->rng, 60, 600),
			       t->police, "强制隔离戒毒决定书");
	if (p->lost)
		rc |= add_fact(g, p->id, "lost_contact", "派出所已受理失踪报案",
			       years_ago(g, 0.5, 4), 0, t->police, "接报案回执");
	if (p->ill)
		rc |= add_fact(g, p->id, "serious_illness", "重大疾病", years_ago(g, 0.2, 5), 0,
			       t->health, "卫生院诊断证明");
	if (p->disabled_grade) {
		char val[4];
		snprintf(val, sizeof(val), "%d-%d", demo_between(&g->rng, 1, 7), p->disabled_grade);
		rc |= add_fact(g, p->id, "disability", val, years_ago(g, 1, 15), 0,
			       g->c.disabled_fed, "第二代残疾人证");
	}
	return rc ? WB_EDB : 0;
}

static int child_facts(struct gen *g, struct member *ch, int age, int rural, int divorced,
		       int low_income, int extreme, int orphan, int unsupported,
		       const struct township *t, int64_t school)
{
	int rc = 0;
	char doc[64];
	int y, m, d;
	date_from_days(g->today, &y, &m, &d);
	int64_t term = date_days(m >= 9 ? y : y - 1, 9, 1);
	if (rural)
		rc |= add_fact(g, ch->id, "hukou_rural", NULL, ch->birth, 0, t->police, "户籍信息");
	if (divorced)
		rc |= add_fact(g, ch->id, "parents_divorced", NULL, years_ago(g, 0.2, age + 0.2), 0,
			       g->c.civil_bureau, "离婚登记信息");
	if (low_income)
		rc |= add_fact(g, ch->id, "low_income", NULL, years_ago(g, 0.2, 5), 0, t->civil,
			       "农村最低生活保障对象名册");
	if (extreme)
		rc |= add_fact(g, ch->id, "extreme_poverty", NULL, years_ago(g, 0.2, 5), 0,
			       t->civil, "特困人员供养名册");
	if (orphan)
		rc |= add_fact(g, ch->id, "orphan_allowance", NULL, years_ago(g, 0.1, 3), 0,
			       t->civil, "孤儿基本生活保障名册");
	if (unsupported)
		rc |= add_fact(g, ch->id, "unsupported_allowance", NULL, years_ago(g, 0.1, 3), 0,
			       t->civil, "事实无人抚养儿童基本生活保障名册");
	if (demo_chance(&g->rng, RATE_CHILD_DISABLED)) {
		char val[4];
		snprintf(val, sizeof(val), "%d-%d", demo_between(&g->rng, 1, 7),
			 demo_between(&g->rng, 1, 4));
		rc |= add_fact(g, ch->id, "disability", val, years_ago(g, 0.2, age + 0.1), 0,
			       g->c.disabled_fed, "第二代残疾人证");
	}
	if (age >= 6 && school) {
		if (age >= 12 && demo_chance(&g->rng, RATE_DROPOUT))
			rc |= add_fact(g, ch->id, "dropout", "未返校", years_ago(g, 0.05, 1), 0,
				       school, "控辍保学台账");
		else
			rc |= add_fact(g, ch->id, "in_school", NULL, term, 0, school, "学籍信息");
	}
	if (age >= 12 && demo_chance(&g->rng, RATE_BAD_BEHAVIOUR)) {
		snprintf(doc, sizeof(doc), "%d", demo_between(&g->rng, 1, 9));
		rc |= add_fact(g, ch->id, "bad_behaviour", doc, years_ago(g, 0.02, 1), 0, t->police,
			       "派出所不良行为记录");
	}
	if (age >= 10 && school) {
		double x = demo_unit(&g->rng);
		const char *level = x < RATE_PSY_RED					   ? "红"
				    : x < RATE_PSY_RED + RATE_PSY_ORANGE		   ? "橙"
				    : x < RATE_PSY_RED + RATE_PSY_ORANGE + RATE_PSY_YELLOW ? "黄"
											   : NULL;
		if (level)
			rc |= add_fact(g, ch->id, "psych_screening", level, term + 30, 0, school,
				       "学生心理健康筛查（本学期）");
	}
	if (demo_chance(&g->rng, RATE_VICTIM))
		rc |= add_fact(g, ch->id, "crime_victim", "侵害案件", years_ago(g, 0.1, 2), 0,
			       t->police, "立案决定书");
	return rc ? WB_EDB : 0;
}

static int relate(struct gen *g, int64_t child, int64_t adult, const char *kind, int guardian,
		  int lives)
{
	g->n.relations++;
	return bulk_relation(g->st, g->next.relation++, child, adult, kind, guardian, lives,
			     g->err);
}

/* One household: parents, possibly grandparents, 1-3 children. */
static int make_household(struct gen *g, struct village *v)
{
	struct township *t = &g->c.towns[v->township];
	struct member kids[3], father, mother, gps[2];
	char grid[REGION_CODE_MAX + 1], addr[2 * 128 + 32];
	int rc = 0;

	memset(&father, 0, sizeof(father));
	memset(&mother, 0, sizeof(mother));
	int64_t hh = g->next.household++;
	int grid_no = demo_between(&g->rng, 1, v->grids);
	*put_digits(put_str(grid, v->code), (unsigned)grid_no, 3) = 0;
	/* "<township><village><n>组<n>号" (names are < 128 bytes each: addr holds them) */
	char *o = put_str(put_str(addr, t->name), v->name);
	o = put_uint(o, (unsigned)demo_between(&g->rng, 1, 12));
	o = put_str(o, "组");
	o = put_uint(o, (unsigned)demo_between(&g->rng, 1, 120));
	*put_str(o, "号") = 0;
	if ((rc = bulk_household(g->st, hh, v->code, addr, g->err)))
		return rc;
	g->n.households++;

	int rural = demo_chance(&g->rng, t->street ? RATE_RURAL_IN_STREETS : RATE_RURAL_HOUSEHOLD);
	double x = demo_unit(&g->rng);
	father.gender = 'M';
	mother.gender = 'F';
	parent_conditions(g, &father);
	parent_conditions(g, &mother);
	if (rural && x < RATE_BOTH_PARENTS_AWAY)
		father.away = mother.away = 1;
	else if (rural && x < RATE_BOTH_PARENTS_AWAY + RATE_FATHER_AWAY)
		father.away = 1;
	else if (rural && x < RATE_BOTH_PARENTS_AWAY + RATE_FATHER_AWAY + RATE_MOTHER_AWAY)
		mother.away = 1;
	father.away &= !father.dead && !father.imprisoned && !father.detox;
	mother.away &= !mother.dead && !mother.imprisoned && !mother.detox;
	int divorced = demo_chance(&g->rng, RATE_DIVORCED);
	int low_income =
		demo_chance(&g->rng, rural ? RATE_LOW_INCOME_RURAL : RATE_LOW_INCOME_URBAN);
	int extreme = demo_chance(&g->rng, RATE_EXTREME_POVERTY);

	/* Children: ages first, then parents' ages from the oldest. */
	int nk = demo_chance(&g->rng, 0.45) ? 1 : demo_chance(&g->rng, 0.73) ? 2 : 3;
	int ages[3];
	ages[0] = child_age_pick(g);
	for (int i = 1; i < nk; i++) {
		ages[i] = ages[i - 1] - demo_between(&g->rng, 1, 5);
		if (ages[i] < 0)
			nk = i;
	}
	const char *surname = demo_surname(&g->rng);
	int64_t oldest = years_ago(g, ages[0], ages[0] + 0.999);
	father.birth = oldest - (int64_t)(demo_between(&g->rng, 22, 38) * 365.25) -
		       demo_between(&g->rng, 0, 364);
	mother.birth = oldest - (int64_t)(demo_between(&g->rng, 20, 35) * 365.25) -
		       demo_between(&g->rng, 0, 364);
	demo_given_name(&g->rng, 'M', surname, father.name, sizeof(father.name));
	demo_name(&g->rng, 'F', mother.name, sizeof(mother.name));
	int grandparents = (father.away || mother.away || father.dead || mother.dead ||
			    father.imprisoned || mother.imprisoned)
				   ? demo_between(&g->rng, 1, 2)
			   : demo_chance(&g->rng, 0.3) ? demo_between(&g->rng, 1, 2)
						       : 0;

	/* Parents and grandparents live in the grid unless away (residence unknown). */
	rc |= store_person(g, &father, v->code, father.away || father.imprisoned ? NULL : grid, hh,
			   0, !father.dead);
	rc |= store_person(g, &mother, v->code, mother.away || mother.imprisoned ? NULL : grid, hh,
			   0, !mother.dead);
	for (int i = 0; i < grandparents; i++) {
		memset(&gps[i], 0, sizeof(gps[i]));
		gps[i].gender = i == 0 ? 'F' : 'M';
		gps[i].birth = father.birth - (int64_t)(demo_between(&g->rng, 20, 32) * 365.25);
		if (gps[i].gender == 'M')
			demo_given_name(&g->rng, 'M', surname, gps[i].name, sizeof(gps[i].name));
		else
			demo_name(&g->rng, 'F', gps[i].name, sizeof(gps[i].name));
		rc |= store_person(g, &gps[i], v->code, grid, hh, 0, demo_chance(&g->rng, 0.6));
	}
	if (rc)
		return WB_EDB;
	rc |= parent_facts(g, &father, t, v, oldest);
	rc |= parent_facts(g, &mother, t, v, oldest);
	int orphan = father.dead && mother.dead;
	int unsupported =
		!orphan && ((in_a(&father) && in_a(&mother)) || (father.dead && in_a(&mother)) ||
			    (mother.dead && in_a(&father)));
	int parents_care = (!father.away && !father.dead && !father.imprisoned && !father.detox) ||
			   (!mother.away && !mother.dead && !mother.imprisoned && !mother.detox);

	for (int i = 0; i < nk && !rc; i++) {
		struct member *ch = &kids[i];
		memset(ch, 0, sizeof(*ch));
		ch->gender = demo_chance(&g->rng, 0.52) ? 'M' : 'F';
		ch->birth = years_ago(g, ages[i], ages[i] + 0.999);
		if (ch->birth <= oldest)
			ch->birth = oldest + (i ? 300 : 0);
		if (ch->birth > g->today)
			ch->birth = g->today;
		demo_given_name(&g->rng, ch->gender, surname, ch->name, sizeof(ch->name));
		int64_t school = school_for(g, t, ages[i]);
		rc |= store_person(g, ch, v->code, grid, hh, school, 0);
		g->n.minors++;
		rc |= relate(g, ch->id, father.id, "father", !father.dead && !father.imprisoned,
			     !father.away && !father.dead && !father.imprisoned);
		rc |= relate(g, ch->id, mother.id, "mother", !mother.dead && !mother.imprisoned,
			     !mother.away && !mother.dead && !mother.imprisoned);
		for (int k = 0; k < grandparents; k++)
			rc |= relate(g, ch->id, gps[k].id,
				     gps[k].gender == 'M' ? "grandfather" : "grandmother",
				     !parents_care, 1);
		if (rc)
			return WB_EDB;
		rc = child_facts(g, ch, ages[i], rural, divorced, low_income, extreme, orphan,
				 unsupported, t, school);
	}
	return rc ? WB_EDB : 0;
}

/* ---- the command ------------------------------------------------------------------- */

static int generate(struct gen *g)
{
	struct county *c = &g->c;
	int rc;
	/* Households per village: even spread with ±40% variation, 1.7 children each. */
	long households = (long)(g->target_minors / 1.7) + 1;
	for (int i = 0; i < c->nvillages; i++)
		c->villages[i].households =
			(int)(households / c->nvillages * (0.6 + 0.8 * demo_unit(&g->rng))) + 1;
	if ((rc = make_units(g)) || (rc = make_grids(g)))
		return rc;
	time_t last = time(NULL);
	for (long i = 0; g->n.minors < g->target_minors; i++) {
		struct village *v =
			&c->villages[(size_t)(demo_next(&g->rng) % (uint64_t)c->nvillages)];
		if ((rc = make_household(g, v)))
			return rc;
		if (time(NULL) != last) {
			last = time(NULL);
			fprintf(stderr, "\r  %ld minors, %ld persons, %ld facts …", g->n.minors,
				g->n.persons, g->n.facts);
		}
	}
	fprintf(stderr, "\r  %ld minors, %ld persons, %ld facts — building indexes …\n",
		g->n.minors, g->n.persons, g->n.facts);
	return 0;
}

int cmd_demo(int argc, char **argv)
{
	struct cli_opts o;
	struct store st;
	struct secret_keys keys;
	struct wb_error err;
	struct gen g;
	char county[REGION_CODE_MAX + 1], detail[256];
	const char *db;
	int64_t existing = 0;
	char *end;

	cli_opts_init(&o, argc, argv);
	const char *county_in = cli_opt(&o, "county"), *minors = cli_opt(&o, "minors");
	const char *seed = cli_opt(&o, "seed");
	memset(&g, 0, sizeof(g));
	wb_error_clear(&err);
	g.err = &err;
	g.target_minors = 150000;
	g.rng.s = 1;
	if (minors) {
		g.target_minors = strtol(minors, &end, 10);
		if (*end || g.target_minors < 1 || g.target_minors > 50000000) {
			fprintf(stderr, "weibao: --minors 1..50000000 / 未成年人数量无效\n");
			return 2;
		}
	}
	if (seed) {
		g.rng.s = strtoull(seed, &end, 10);
		if (*end) {
			fprintf(stderr, "weibao: bad --seed / 随机种子无效\n");
			return 2;
		}
	}
	if (region_code_normalize(county, county_in ? county_in : "500242", &err))
		return cli_fail(&err);
	if (cli_open(&o, &st, &keys, &db))
		return 1;
	if (cli_unused(&o)) {
		store_close(&st);
		return 2;
	}
	g.st = &st;
	g.today = date_today();
	int rc = bulk_count_persons(&st, &existing, &err);
	if (!rc && existing)
		rc = wb_error_set(
			&err, WB_ECONFLICT, 409, "DEMO_NOT_EMPTY",
			"数据库中已有人员数据，演示数据只能生成到空库中",
			"the database already holds persons; demo data goes into an empty "
			"database only");
	if (!rc)
		rc = load_county(&g, county);
	time_t t0 = time(NULL);
	if (!rc) {
		fprintf(stderr, "weibao demo: %s (%s), %d townships, %d villages, seed %s\n",
			g.c.name, g.c.code, g.c.ntowns, g.c.nvillages, seed ? seed : "1");
		rc = bulk_begin(&st, db, &g.next, &err);
		if (!rc) {
			rc = generate(&g);
			if (!rc)
				rc = bulk_finish(&st, &err);
			if (!rc) {
				struct wb_scope sys;
				store_scope_system(&sys);
				snprintf(detail, sizeof(detail),
					 "{\"county\":\"%s\",\"minors\":%ld,\"persons\":%ld,"
					 "\"facts\":%ld,\"seed\":%llu}",
					 g.c.code, g.n.minors, g.n.persons, g.n.facts,
					 (unsigned long long)(seed ? strtoull(seed, NULL, 10) : 1));
				struct audit_entry e = {"demo.generate", "region", 0, detail};
				rc = store_audit_append(bulk_store(), &sys, &e, &err);
			}
			if (rc)
				bulk_abort(&st);
			else
				rc = bulk_commit(&st, &err);
		}
	}
	store_close(&st);
	free(g.c.towns);
	free(g.c.villages);
	free(g.c.seq);
	free(g.c.pidx);
	if (rc)
		return cli_fail(&err);
	double tl, ti, tc;
	bulk_timings(&tl, &ti, &tc);
	printf("weibao demo: %s — %ld minors, %ld persons, %ld households, %ld relations, "
	       "%ld facts, %ld units, %ld grids in %lds (rows %.1fs, indexes %.1fs, commit "
	       "%.1fs)\n",
	       g.c.name, g.n.minors, g.n.persons, g.n.households, g.n.relations, g.n.facts,
	       g.n.units, g.n.grids, (long)(time(NULL) - t0), tl, ti, tc);
	return 0;
}
