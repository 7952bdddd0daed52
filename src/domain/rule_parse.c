/*
 * rule_parse -- recursive-descent parser of the rule language, compiling straight into
 * the flat node array of rule_int.h. The grammar is in docs/rules.md; each parse_*
 * function below names the production it reads.
 *
 * Every error names the place (line, column of the offending token), what was expected
 * and what was found, in Chinese and English. Semantic checks happen at the token that
 * causes them: an unknown fact type, category, parameter or condition name; a string
 * value that the fact type does not have; "in category" below a relative; relatives
 * inside relatives (kept out so that an incremental re-screen of a person's dependants
 * is exact: one level of relations).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/xalloc.h"
#include "domain/rule_int.h"
#include "domain/rule_lex.h"
#include "domain/screen.h"
#include "domain/snapshot.h"

#define MAX_DEFINES 128
#define MAX_NODES   200000

struct define {
	const char *name;
	int32_t root;
	int scoped; /* uses a relative (cannot be used below one) */
	int incat;  /* uses "in category" */
};

struct parser {
	struct rule_set *rs;
	struct tokens tk;
	size_t at;
	struct rule_pos *pos;
	struct wb_error *err;
	int depth;
	int in_scope; /* parsing below a relative */
	int scoped;   /* the current condition used a relative */
	int incat;    /* the current condition used "in category" */
	struct define defs[MAX_DEFINES];
	int ndefs;
};

/* ---- tokens and errors --------------------------------------------------------------- */

static const struct tok *cur(struct parser *P)
{
	return &P->tk.v[P->at];
}

static const struct tok *ahead(struct parser *P, size_t k)
{
	size_t i = P->at + k;
	return &P->tk.v[i < P->tk.n ? i : P->tk.n - 1];
}

static const struct tok *prev(struct parser *P)
{
	return &P->tk.v[P->at ? P->at - 1 : 0];
}

static void next(struct parser *P)
{
	if (P->at + 1 < P->tk.n)
		P->at++;
}

static int is_word(const struct tok *t, const char *w)
{
	return t->kind == TK_WORD && !strcmp(t->text, w);
}

/* "found …" text of a token, cut at a character boundary. */
static void describe(const struct tok *t, char *zh, char *en, size_t cap)
{
	char s[64];
	size_t n = strlen(t->text);
	if (n > 40) {
		n = 40;
		while (n > 0 && ((unsigned char)t->text[n] & 0xc0) == 0x80)
			n--;
	}
	snprintf(s, sizeof(s), "%.*s", (int)n, t->text);
	static const char *const sym[] = {"",	"",  "",   "",	"（", "）", "：",
					  "，", "=", "!=", "<", "<=", ">",  ">="};
	switch (t->kind) {
	case TK_EOF:
		snprintf(zh, cap, "文件结束");
		snprintf(en, cap, "end of file");
		break;
	case TK_WORD:
		snprintf(zh, cap, "“%s”", s);
		snprintf(en, cap, "'%s'", s);
		break;
	case TK_NUMBER:
		snprintf(zh, cap, "数字 %s", s);
		snprintf(en, cap, "number %s", s);
		break;
	case TK_STRING:
		snprintf(zh, cap, "字符串“%s”", s);
		snprintf(en, cap, "string \"%s\"", s);
		break;
	default: snprintf(zh, cap, "“%s”", sym[t->kind]); snprintf(en, cap, "'%s'", sym[t->kind]);
	}
}

/* expected <what> (zh, en), found <current token>. */
static int expected(struct parser *P, const char *zh, const char *en)
{
	char fz[96], fe[96], mz[256], me[256];
	const struct tok *t = cur(P);
	describe(t, fz, fe, sizeof(fz));
	snprintf(mz, sizeof(mz), "应为%s，实际为%s", zh, fz);
	snprintf(me, sizeof(me), "expected %s, found %s", en, fe);
	return rule_error_at(P->err, P->pos, WB_EINVAL, "RULE_SYNTAX", t->line, t->col, mz, me);
}

/* A semantic error at token t: zh/en with the token text appended. */
static int semantic(struct parser *P, const struct tok *t, const char *zh, const char *en)
{
	char mz[256], me[256], fz[96], fe[96];
	describe(t, fz, fe, sizeof(fz));
	snprintf(mz, sizeof(mz), "%s：%s", zh, fz);
	snprintf(me, sizeof(me), "%s: %s", en, fe);
	return rule_error_at(P->err, P->pos, WB_EINVAL, "RULE_SEMANTIC", t->line, t->col, mz, me);
}

static int too_big(struct parser *P, const char *zh, const char *en)
{
	const struct tok *t = cur(P);
	return rule_error_at(P->err, P->pos, WB_ETOOBIG, "RULE_TOO_BIG", t->line, t->col, zh, en);
}

static int expect_word(struct parser *P, const char *w)
{
	char zh[64], en[64];
	if (is_word(cur(P), w)) {
		next(P);
		return 0;
	}
	snprintf(zh, sizeof(zh), "“%s”", w);
	snprintf(en, sizeof(en), "'%s'", w);
	return expected(P, zh, en);
}

static int expect_kind(struct parser *P, int kind, const char *zh, const char *en)
{
	if (cur(P)->kind != kind)
		return expected(P, zh, en);
	next(P);
	return 0;
}

static int take_string(struct parser *P, const char **out)
{
	if (cur(P)->kind != TK_STRING)
		return expected(P, "字符串（用引号括起）", "a quoted string");
	*out = arena_strdup(&P->rs->arena, cur(P)->text);
	next(P);
	return 0;
}

/* ---- nodes ---------------------------------------------------------------------------- */

static int node(struct parser *P, int op, int32_t *out)
{
	struct rule_set *rs = P->rs;
	if (rs->nnodes >= MAX_NODES)
		return too_big(P, "规则过于复杂", "the rules are too complex");
	if (rs->nnodes == rs->capnodes) {
		rs->capnodes = rs->capnodes ? rs->capnodes * 2 : 256;
		rs->nodes = xrealloc(rs->nodes, (size_t)rs->capnodes * sizeof(*rs->nodes));
	}
	struct rnode *n = &rs->nodes[rs->nnodes];
	memset(n, 0, sizeof(*n));
	n->op = (uint8_t)op;
	n->kid = n->next = -1;
	n->b = -1;
	*out = rs->nnodes++;
	return 0;
}

static struct rnode *N(struct parser *P, int32_t i)
{
	return &P->rs->nodes[i];
}

/* A list node (and/or) over children; with one child, the child itself. */
static int list_node(struct parser *P, int op, const int32_t *kids, int n, int32_t *out)
{
	if (n == 1) {
		*out = kids[0];
		return 0;
	}
	int rc = node(P, op, out);
	if (rc)
		return rc;
	N(P, *out)->kid = kids[0];
	for (int i = 0; i + 1 < n; i++)
		N(P, kids[i])->next = kids[i + 1];
	return 0;
}

static int slot(struct parser *P, int32_t amount, int unit)
{
	struct rule_set *rs = P->rs;
	for (int i = 0; i < rs->nslots; i++)
		if (rs->slots[i].amount == amount && rs->slots[i].unit == unit)
			return i;
	if (rs->nslots == rs->capslots) {
		rs->capslots = rs->capslots ? rs->capslots * 2 : 32;
		rs->slots = xrealloc(rs->slots, (size_t)rs->capslots * sizeof(*rs->slots));
	}
	rs->slots[rs->nslots].amount = amount;
	rs->slots[rs->nslots].unit = (uint8_t)unit;
	return rs->nslots++;
}

/* ---- parameters, numbers, durations --------------------------------------------------- */

static int find_param(struct parser *P, const char *name)
{
	for (int i = 0; i < P->rs->nparams; i++)
		if (!strcmp(P->rs->params[i].name, name))
			return i;
	return -1;
}

static int unit_word(const struct tok *t)
{
	static const struct {
		const char *w;
		int u;
	} units[] = {{"days", U_DAYS},	 {"day", U_DAYS},      {"天", U_DAYS},
		     {"日", U_DAYS},	 {"months", U_MONTHS}, {"month", U_MONTHS},
		     {"个月", U_MONTHS}, {"月", U_MONTHS},     {"years", U_YEARS},
		     {"year", U_YEARS},	 {"年", U_YEARS},      {"岁", U_AGE},
		     {"周岁", U_AGE}};
	if (t->kind != TK_WORD)
		return U_NONE;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(t->text, units[i].w))
			return units[i].u;
	return U_NONE;
}

/* number = NUMBER | numeric parameter (with unit U_NONE or U_AGE). */
static int parse_number(struct parser *P, int64_t *v)
{
	const struct tok *t = cur(P);
	if (t->kind == TK_NUMBER) {
		*v = t->num;
		next(P);
		return 0;
	}
	if (t->kind == TK_WORD) {
		int i = find_param(P, t->text);
		if (i < 0)
			return semantic(P, t, "未定义的参数", "undefined parameter");
		int u = P->rs->param_unit[i];
		if (P->rs->params[i].unit == NULL || (u != U_NONE && u != U_AGE))
			return semantic(P, t, "此处应为数值参数（不带时长单位）",
					"expected a plain number parameter here");
		*v = P->rs->params[i].value;
		next(P);
		return 0;
	}
	return expected(P, "数字或参数名", "a number or a parameter name");
}

/* duration = NUMBER UNIT | parameter with a duration unit. */
static int parse_duration(struct parser *P, int32_t *amount, int *unit)
{
	const struct tok *t = cur(P);
	if (t->kind == TK_NUMBER) {
		if (t->num < 0)
			return semantic(P, t, "时长不能为负", "a duration cannot be negative");
		*amount = (int32_t)t->num;
		next(P);
		*unit = unit_word(cur(P));
		if (*unit == U_NONE || *unit == U_AGE)
			return expected(P, "时长单位（days/months/years 或 天/个月/年）",
					"a unit (days, months, years)");
		next(P);
		return 0;
	}
	if (t->kind == TK_WORD) {
		int i = find_param(P, t->text);
		if (i < 0)
			return semantic(P, t, "未定义的参数", "undefined parameter");
		*unit = P->rs->param_unit[i];
		if (*unit != U_DAYS && *unit != U_MONTHS && *unit != U_YEARS)
			return semantic(P, t, "此参数不是时长（应带 days/months/years 单位）",
					"this parameter is not a duration (days, months, years)");
		*amount = (int32_t)P->rs->params[i].value;
		next(P);
		return 0;
	}
	return expected(P, "时长（如 6 months）或时长参数", "a duration (e.g. 6 months)");
}

/* ---- value conditions (after "where") --------------------------------------------------- */

static int field_word(const struct tok *t)
{
	return is_word(t, "value")	? F_VALUE
	       : is_word(t, "category") ? F_CATEGORY
	       : is_word(t, "grade")	? F_GRADE
					: -1;
}

static int cmp_kind(const struct tok *t)
{
	switch (t->kind) {
	case TK_LT: return C_LT;
	case TK_LE: return C_LE;
	case TK_GT: return C_GT;
	case TK_GE: return C_GE;
	case TK_EQ: return C_EQ;
	case TK_NE: return C_NE;
	default: return -1;
	}
}

/* A value for the fact type: number, string (coded for the type) or parameter. */
static int parse_value(struct parser *P, int type, int field, int32_t *v)
{
	const struct tok *t = cur(P);
	const char *text = NULL;
	if (t->kind == TK_NUMBER) {
		*v = (int32_t)t->num;
		next(P);
		return 0;
	}
	if (t->kind == TK_STRING) {
		text = t->text;
	} else if (t->kind == TK_WORD && find_param(P, t->text) >= 0) {
		const struct rule_param *pa = &P->rs->params[find_param(P, t->text)];
		if (!pa->unit) {
			text = pa->text;
		} else {
			*v = (int32_t)pa->value;
			next(P);
			return 0;
		}
	} else {
		return expected(P, "取值（数字、字符串或参数）",
				"a value (number, string, parameter)");
	}
	if (field != F_VALUE)
		return semantic(P, t, "类别和等级应为数字", "category and grade take numbers");
	int32_t code = snapshot_value_code(type, text);
	if (code <= 0)
		return semantic(P, t, "该事实类型没有这个取值", "the fact type has no such value");
	*v = code;
	next(P);
	return 0;
}

static int parse_vcond(struct parser *P, int type, int32_t *out);

static int parse_vprimary(struct parser *P, int type, int32_t *out)
{
	int rc;
	if (++P->depth > RULE_MAX_DEPTH)
		return too_big(P, "嵌套过深", "nested too deeply");
	if (is_word(cur(P), "not")) {
		next(P);
		int32_t k;
		if ((rc = parse_vprimary(P, type, &k)) || (rc = node(P, OP_V_NOT, out)))
			return rc;
		N(P, *out)->kid = k;
		P->depth--;
		return 0;
	}
	if (cur(P)->kind == TK_LPAREN) {
		next(P);
		if ((rc = parse_vcond(P, type, out)) ||
		    (rc = expect_kind(P, TK_RPAREN, "“)”", "')'")))
			return rc;
		P->depth--;
		return 0;
	}
	int f = field_word(cur(P));
	if (f < 0)
		return expected(P, "value、category 或 grade", "'value', 'category' or 'grade'");
	if (f != F_VALUE && type != SNAP_FT_DISABILITY)
		return semantic(P, cur(P), "只有残疾（disability）有类别和等级",
				"only disability has category and grade");
	next(P);
	if (is_word(cur(P), "in")) {
		next(P);
		if ((rc = expect_kind(P, TK_LPAREN, "“(”", "'('")) || (rc = node(P, OP_V_IN, out)))
			return rc;
		struct rule_set *rs = P->rs;
		N(P, *out)->x = (uint8_t)f;
		N(P, *out)->a = rs->npool;
		N(P, *out)->b = 0;
		for (;;) {
			int32_t v;
			if ((rc = parse_value(P, type, f, &v)))
				return rc;
			if (rs->npool == rs->cappool) {
				rs->cappool = rs->cappool ? rs->cappool * 2 : 64;
				rs->pool =
					xrealloc(rs->pool, (size_t)rs->cappool * sizeof(*rs->pool));
			}
			rs->pool[rs->npool++] = v;
			N(P, *out)->b++;
			if (N(P, *out)->b > 64)
				return too_big(P, "取值列表过长", "value list too long");
			if (cur(P)->kind != TK_COMMA)
				break;
			next(P);
		}
		P->depth--;
		return expect_kind(P, TK_RPAREN, "“,”或“)”", "',' or ')'");
	}
	int c = cmp_kind(cur(P));
	if (c < 0)
		return expected(P, "比较符（< <= > >= = !=）或 in", "a comparison or 'in'");
	next(P);
	int32_t v;
	if ((rc = parse_value(P, type, f, &v)) || (rc = node(P, OP_V_CMP, out)))
		return rc;
	N(P, *out)->x = (uint8_t)f;
	N(P, *out)->y = (uint8_t)c;
	N(P, *out)->a = v;
	P->depth--;
	return 0;
}

/* Does the token after and/or continue the value condition? */
static int vcond_goes_on(struct parser *P)
{
	const struct tok *t = ahead(P, 1);
	if (field_word(t) >= 0)
		return 1;
	if (is_word(t, "not") || t->kind == TK_LPAREN)
		return field_word(ahead(P, 2)) >= 0 || is_word(ahead(P, 2), "not");
	return 0;
}

typedef int (*vparse_fn)(struct parser *P, int type, int32_t *out);

/* sub (word sub)…: the terms joined by `word` ("and" binds tighter than "or") as one
 * node of op. A joining word that starts the next clause ends the list (vcond_goes_on). */
static int parse_vlist(struct parser *P, int type, int32_t *out, const char *word, int op,
		       vparse_fn sub)
{
	int32_t kids[64];
	int n = 0, rc;
	for (;;) {
		if (n == 64)
			return too_big(P, "条件过长", "condition too long");
		if ((rc = sub(P, type, &kids[n++])))
			return rc;
		if (!is_word(cur(P), word) || !vcond_goes_on(P))
			break;
		next(P);
	}
	return list_node(P, op, kids, n, out);
}

static int parse_vterm(struct parser *P, int type, int32_t *out)
{
	return parse_vlist(P, type, out, "and", OP_V_AND, parse_vprimary);
}

static int parse_vcond(struct parser *P, int type, int32_t *out)
{
	return parse_vlist(P, type, out, "or", OP_V_OR, parse_vterm);
}

/* ---- conditions ---------------------------------------------------------------------------- */

static int parse_cond(struct parser *P, int32_t *out);
static int parse_factor(struct parser *P, int32_t *out);

static int cmp_age(struct parser *P, int c, int64_t k, int32_t *out)
{
	/* age < k: born after (date - k years); age >= k: born on or before it. */
	int rc, op = (c == C_LT || c == C_LE) ? OP_AGE_LT : OP_AGE_GE;
	if (k < 0 || k > 200)
		return semantic(P, cur(P), "年龄应在 0 到 200 之间", "ages lie between 0 and 200");
	if (c == C_LE || c == C_GT)
		k++;
	if (c == C_EQ || c == C_NE) {
		int32_t kids[2];
		if ((rc = cmp_age(P, C_GE, k, &kids[0])) ||
		    (rc = cmp_age(P, C_LT, k + 1, &kids[1])))
			return rc;
		if ((rc = list_node(P, OP_AND, kids, 2, out)))
			return rc;
		if (c == C_EQ)
			return 0;
		int32_t inner = *out;
		if ((rc = node(P, OP_NOT, out)))
			return rc;
		N(P, *out)->kid = inner;
		return 0;
	}
	if ((rc = node(P, op, out)))
		return rc;
	N(P, *out)->a = slot(P, (int32_t)k, U_YEARS);
	return 0;
}

static int parse_age(struct parser *P, int32_t *out)
{
	int rc;
	int64_t lo, hi;
	next(P);
	if (is_word(cur(P), "between")) {
		next(P);
		int32_t kids[2];
		if ((rc = parse_number(P, &lo)) || (rc = expect_word(P, "and")) ||
		    (rc = parse_number(P, &hi)))
			return rc;
		if (lo > hi)
			return semantic(P, prev(P), "年龄区间下限大于上限",
					"the lower age is above the upper age");
		if ((rc = cmp_age(P, C_GE, lo, &kids[0])) || (rc = cmp_age(P, C_LE, hi, &kids[1])))
			return rc;
		return list_node(P, OP_AND, kids, 2, out);
	}
	int c = cmp_kind(cur(P));
	if (c < 0)
		return expected(P, "比较符（< <= > >= = !=）或 between",
				"a comparison or 'between'");
	next(P);
	if ((rc = parse_number(P, &lo)))
		return rc;
	if (unit_word(cur(P)) == U_AGE || is_word(cur(P), "years"))
		next(P);
	return cmp_age(P, c, lo, out);
}

static int parse_time(struct parser *P, struct rnode *n)
{
	int rc, unit = U_NONE, mode;
	int32_t amount = 0;
	const struct tok *t = cur(P);
	if (is_word(t, "ever")) {
		next(P);
		n->y = TM_EVER;
		return 0;
	}
	if (is_word(t, "for") || is_word(t, "lasting")) {
		mode = is_word(t, "for") ? TM_FOR : TM_LASTING;
		next(P);
		if ((rc = expect_word(P, "at")) || (rc = expect_word(P, "least")))
			return rc;
	} else if (is_word(t, "within") || is_word(t, "during")) {
		mode = is_word(t, "within") ? TM_WITHIN : TM_DURING;
		next(P);
		if ((rc = expect_word(P, "last")))
			return rc;
	} else {
		n->y = TM_CURRENT;
		return 0;
	}
	if ((rc = parse_duration(P, &amount, &unit)))
		return rc;
	n->y = (uint8_t)mode;
	n->z = (uint8_t)unit;
	n->a = mode == TM_LASTING ? amount : slot(P, amount, unit);
	return 0;
}

static int parse_has(struct parser *P, int32_t *out)
{
	int rc;
	next(P);
	const struct tok *t = cur(P);
	if (t->kind != TK_WORD)
		return expected(P, "事实类型（如 imprisoned）", "a fact type (e.g. imprisoned)");
	int type = snapshot_fact_type_id(t->text);
	if (type < 0)
		return semantic(P, t, "未知的事实类型", "unknown fact type");
	next(P);
	int32_t vc = -1;
	if (is_word(cur(P), "where")) {
		next(P);
		if ((rc = parse_vcond(P, type, &vc)))
			return rc;
	}
	if ((rc = node(P, OP_HAS, out)))
		return rc;
	N(P, *out)->x = (uint8_t)type;
	N(P, *out)->b = vc;
	struct rnode tmp = *N(P, *out);
	if ((rc = parse_time(P, &tmp)))
		return rc;
	*N(P, *out) = tmp;
	return 0;
}

/* subject = father | mother | both parents | either parent
 *         | (any | all | no) (parent | guardian | carer | relative | household member) */
static int parse_subject(struct parser *P, int *group, int *quant)
{
	const struct tok *t = cur(P);
	if (is_word(t, "father") || is_word(t, "mother")) {
		*group = is_word(t, "father") ? G_FATHER : G_MOTHER;
		*quant = Q_THE;
		next(P);
		return 0;
	}
	if (is_word(t, "both") || is_word(t, "either")) {
		*quant = is_word(t, "both") ? Q_BOTH : Q_EITHER;
		*group = G_PARENTS;
		next(P);
		return expect_word(P, *quant == Q_BOTH ? "parents" : "parent");
	}
	*quant = is_word(t, "any") ? Q_ANY : is_word(t, "all") ? Q_ALL : Q_NO;
	next(P);
	t = cur(P);
	if (is_word(t, "parent") || is_word(t, "parents"))
		*group = G_ANY_PARENT;
	else if (is_word(t, "guardian") || is_word(t, "guardians"))
		*group = G_GUARDIAN;
	else if (is_word(t, "carer") || is_word(t, "carers"))
		*group = G_CARER;
	else if (is_word(t, "relative") || is_word(t, "relatives"))
		*group = G_RELATIVE;
	else if (is_word(t, "household")) {
		*group = G_HOUSEHOLD;
		next(P);
		return expect_word(P, "member");
	} else
		return expected(P, "parent、guardian、carer、relative 或 household member",
				"'parent', 'guardian', 'carer', 'relative' or 'household member'");
	next(P);
	return 0;
}

static int is_subject_start(const struct tok *t)
{
	static const char *const w[] = {"father", "mother", "both", "either", "any", "all", "no"};
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (is_word(t, w[i]))
			return 1;
	return 0;
}

static int parse_scope(struct parser *P, int32_t *out)
{
	int group = 0, quant = 0, rc;
	const struct tok *start = cur(P);
	if (P->in_scope)
		return semantic(P, start, "亲属条件不能嵌套（只能看本人的直接亲属）",
				"relatives cannot nest (only the person's own relatives)");
	if ((rc = parse_subject(P, &group, &quant)) || (rc = node(P, OP_SCOPE, out)))
		return rc;
	N(P, *out)->x = (uint8_t)group;
	N(P, *out)->y = (uint8_t)quant;
	P->scoped = 1;
	if (cur(P)->kind != TK_COLON)
		return 0; /* "any carer": exists */
	next(P);
	int32_t body;
	P->in_scope = 1;
	rc = parse_factor(P, &body);
	P->in_scope = 0;
	if (rc)
		return rc;
	N(P, *out)->kid = body;
	return 0;
}

static int find_define(struct parser *P, const char *name)
{
	for (int i = 0; i < P->ndefs; i++)
		if (!strcmp(P->defs[i].name, name))
			return i;
	return -1;
}

static int parse_ref(struct parser *P, int32_t *out)
{
	const struct tok *t = cur(P);
	int d = find_define(P, t->text);
	if (d < 0) {
		if (find_param(P, t->text) >= 0)
			return semantic(P, t, "参数不能单独作为条件",
					"a parameter is not a condition");
		return semantic(P, t, "未定义的条件名（或拼写有误的关键字）",
				"undefined condition name (or a misspelt keyword)");
	}
	if (P->in_scope && P->defs[d].scoped)
		return semantic(P, t, "该条件含亲属条件，不能用于亲属之下",
				"this condition names relatives and cannot be used under one");
	if (P->in_scope && P->defs[d].incat)
		return semantic(P, t, "“in category”只能用于本人",
				"'in category' applies to the person only");
	P->scoped |= P->defs[d].scoped;
	P->incat |= P->defs[d].incat;
	int rc = node(P, OP_REF, out);
	if (rc)
		return rc;
	N(P, *out)->a = P->defs[d].root;
	N(P, *out)->z = (uint8_t)P->defs[d].incat; /* its value may change between rules */
	next(P);
	return 0;
}

static int parse_incat(struct parser *P, int32_t *out)
{
	int rc;
	const struct tok *t = cur(P);
	if (P->in_scope)
		return semantic(P, t, "“in category”只能用于本人",
				"'in category' applies to the person only");
	next(P);
	if ((rc = expect_word(P, "category")))
		return rc;
	t = cur(P);
	int c = t->kind == TK_WORD ? rule_set_category_find(P->rs, t->text) : -1;
	if (t->kind != TK_WORD)
		return expected(P, "类别代码", "a category code");
	if (c < 0)
		return semantic(P, t, "未定义的类别", "undefined category");
	if ((rc = node(P, OP_INCAT, out)))
		return rc;
	N(P, *out)->a = c;
	P->incat = 1;
	next(P);
	return 0;
}

static int parse_gender(struct parser *P, int32_t *out)
{
	int rc;
	next(P);
	if ((rc = expect_kind(P, TK_EQ, "“=”", "'='")))
		return rc;
	const struct tok *t = cur(P);
	if (t->kind != TK_STRING)
		return expected(P, "性别（\"M\"、\"F\"、\"男\" 或 \"女\"）",
				"a gender (\"M\" or \"F\")");
	char g = !strcmp(t->text, "M") || !strcmp(t->text, "男")   ? 'M'
		 : !strcmp(t->text, "F") || !strcmp(t->text, "女") ? 'F'
		 : !strcmp(t->text, "U")			   ? 'U'
								   : 0;
	if (!g)
		return semantic(P, t, "未知的性别", "unknown gender");
	if ((rc = node(P, OP_GENDER, out)))
		return rc;
	N(P, *out)->x = (uint8_t)g;
	next(P);
	return 0;
}

static int parse_primary(struct parser *P, int32_t *out)
{
	const struct tok *t = cur(P);
	int rc;
	if (t->kind == TK_LPAREN) {
		next(P);
		if ((rc = parse_cond(P, out)))
			return rc;
		return expect_kind(P, TK_RPAREN, "“)”", "')'");
	}
	if (is_word(t, "true")) {
		next(P);
		return node(P, OP_TRUE, out);
	}
	if (is_word(t, "age"))
		return parse_age(P, out);
	if (is_word(t, "gender"))
		return parse_gender(P, out);
	if (is_word(t, "has"))
		return parse_has(P, out);
	if (is_word(t, "in"))
		return parse_incat(P, out);
	if (is_subject_start(t))
		return parse_scope(P, out);
	if (t->kind == TK_WORD && strcmp(t->text, "then") && strcmp(t->text, "end"))
		return parse_ref(P, out);
	return expected(P, "条件（age、has、father、in category、条件名或“(”）",
			"a condition (age, has, father, in category, a name or '(')");
}

static int parse_factor(struct parser *P, int32_t *out)
{
	int rc;
	if (++P->depth > RULE_MAX_DEPTH)
		return too_big(P, "嵌套过深", "nested too deeply");
	if (is_word(cur(P), "not")) {
		next(P);
		int32_t k;
		if ((rc = parse_factor(P, &k)) || (rc = node(P, OP_NOT, out)))
			return rc;
		N(P, *out)->kid = k;
	} else if ((rc = parse_primary(P, out))) {
		return rc;
	}
	P->depth--;
	return 0;
}

static int parse_list(struct parser *P, int op, const char *word, int32_t *out)
{
	int32_t kids[64];
	int n = 0, rc;
	for (;;) {
		if (n == 64)
			return too_big(P, "一层中的条件过多（最多64个）",
				       "too many conditions in one list (64 at most)");
		rc = op == OP_AND ? parse_factor(P, &kids[n])
				  : parse_list(P, OP_AND, "and", &kids[n]);
		if (rc)
			return rc;
		n++;
		if (!is_word(cur(P), word))
			break;
		next(P);
	}
	return list_node(P, op, kids, n, out);
}

static int parse_cond(struct parser *P, int32_t *out)
{
	int rc;
	if (++P->depth > RULE_MAX_DEPTH)
		return too_big(P, "嵌套过深", "nested too deeply");
	rc = parse_list(P, OP_OR, "or", out);
	P->depth--;
	return rc;
}

/* ---- declarations ----------------------------------------------------------------------------- */

static int reserved(const char *w)
{
	static const char *const kw[] = {
		"ruleset", "version",	   "param",  "category", "scale",     "band",	"define",
		"rule",	   "basis",	   "when",   "then",	 "end",	      "reason", "red",
		"score",   "guardianship", "and",    "or",	 "not",	      "true",	"age",
		"gender",  "between",	   "has",    "where",	 "in",	      "for",	"lasting",
		"at",	   "least",	   "within", "during",	 "last",      "ever",	"father",
		"mother",  "both",	   "either", "any",	 "all",	      "no",	"parent",
		"parents", "guardian",	   "carer",  "relative", "household", "member", "value",
		"grade"};
	for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
		if (!strcmp(w, kw[i]))
			return 1;
	return 0;
}

static int new_name(struct parser *P, const char *what_zh, const char *what_en)
{
	const struct tok *t = cur(P);
	char zh[64], en[64];
	if (t->kind != TK_WORD) {
		snprintf(zh, sizeof(zh), "%s名称", what_zh);
		snprintf(en, sizeof(en), "a %s name", what_en);
		return expected(P, zh, en);
	}
	if (reserved(t->text))
		return semantic(P, t, "关键字不能用作名称", "a keyword cannot be a name");
	if (find_param(P, t->text) >= 0 || find_define(P, t->text) >= 0)
		return semantic(P, t, "名称已被使用", "name already used");
	return 0;
}

static int parse_ruleset(struct parser *P)
{
	int rc;
	if (P->rs->name)
		return semantic(P, cur(P), "ruleset 只能声明一次", "ruleset may be declared once");
	next(P);
	if ((rc = take_string(P, &P->rs->name)) || (rc = expect_word(P, "version")))
		return rc;
	return take_string(P, &P->rs->version);
}

static int parse_param(struct parser *P)
{
	int rc;
	struct rule_set *rs = P->rs;
	next(P);
	if ((rc = new_name(P, "参数", "parameter")))
		return rc;
	if (rs->nparams == RULE_MAX_PARAMS)
		return too_big(P, "参数过多", "too many parameters");
	struct rule_param *pa = &rs->params[rs->nparams];
	memset(pa, 0, sizeof(*pa));
	pa->name = arena_strdup(&rs->arena, cur(P)->text);
	next(P);
	if ((rc = expect_kind(P, TK_EQ, "“=”", "'='")))
		return rc;
	const struct tok *t = cur(P);
	if (t->kind == TK_STRING) {
		pa->text = arena_strdup(&rs->arena, t->text);
		pa->unit = NULL;
		rs->param_unit[rs->nparams++] = U_NONE;
		next(P);
		return 0;
	}
	if (t->kind != TK_NUMBER)
		return expected(P, "数字或字符串", "a number or a string");
	pa->value = t->num;
	next(P);
	int u = unit_word(cur(P));
	pa->unit = u == U_NONE ? "" : arena_strdup(&rs->arena, cur(P)->text);
	if (u != U_NONE)
		next(P);
	if (u != U_NONE && u != U_AGE && pa->value < 0)
		return semantic(P, t, "时长不能为负", "a duration cannot be negative");
	rs->param_unit[rs->nparams++] = (uint8_t)u;
	return 0;
}

static int parse_category(struct parser *P)
{
	int rc;
	struct rule_set *rs = P->rs;
	next(P);
	const struct tok *t = cur(P);
	if (t->kind != TK_WORD)
		return expected(P, "类别代码", "a category code");
	if (rule_set_category_find(rs, t->text) >= 0)
		return semantic(P, t, "类别已定义", "category already defined");
	if (rs->ncats == RULE_MAX_CATEGORIES)
		return too_big(P, "类别过多（最多64个）", "too many categories (64 at most)");
	struct rule_category *c = &rs->cats[rs->ncats];
	c->code = arena_strdup(&rs->arena, t->text);
	next(P);
	if ((rc = take_string(P, &c->name)) || (rc = take_string(P, &c->name_en)))
		return rc;
	rs->ncats++;
	return 0;
}

static int parse_scale(struct parser *P)
{
	struct rule_set *rs = P->rs;
	if (rs->nscale)
		return semantic(P, cur(P), "监护评级只能声明一次，且应在使用之前",
				"the scale may be declared once, before it is used");
	next(P);
	while (cur(P)->kind == TK_STRING) {
		if (rs->nscale == RULE_MAX_SCALE)
			return too_big(P, "评级过多（最多6级）", "too many labels (6 at most)");
		rs->scale[rs->nscale++] = arena_strdup(&rs->arena, cur(P)->text);
		next(P);
	}
	if (rs->nscale < 2)
		return expected(P, "至少两个评级（字符串）", "at least two labels (strings)");
	return 0;
}

static int level_word(const struct tok *t)
{
	static const char *const zh[] = {"", "蓝", "黄", "橙", "红"};
	for (int i = 1; i <= 4; i++)
		if (is_word(t, zh[i]) || is_word(t, screen_level_code(i)))
			return i;
	return 0;
}

static int parse_band(struct parser *P)
{
	int rc;
	int64_t v;
	next(P);
	int lv = level_word(cur(P));
	if (!lv)
		return expected(P, "等级（蓝、黄、橙、红）", "a level (blue, yellow, orange, red)");
	if (P->rs->bands[lv] != INT32_MAX)
		return semantic(P, cur(P), "该等级的分数线已声明", "band already declared");
	next(P);
	if ((rc = expect_kind(P, TK_GE, "“>=”", "'>='")) || (rc = parse_number(P, &v)))
		return rc;
	P->rs->bands[lv] = (int32_t)v;
	for (int i = 1; i <= 4; i++)
		for (int j = i + 1; j <= 4; j++)
			if (P->rs->bands[i] != INT32_MAX && P->rs->bands[j] != INT32_MAX &&
			    P->rs->bands[i] > P->rs->bands[j])
				return semantic(P, prev(P), "分数线应随等级升高",
						"bands must rise with the level");
	return 0;
}

static int parse_define(struct parser *P)
{
	int rc;
	next(P);
	if ((rc = new_name(P, "条件", "condition")))
		return rc;
	if (P->ndefs == MAX_DEFINES)
		return too_big(P, "命名条件过多", "too many defines");
	const char *name = arena_strdup(&P->rs->arena, cur(P)->text);
	next(P);
	if ((rc = expect_kind(P, TK_EQ, "“=”", "'='")))
		return rc;
	P->scoped = P->incat = 0;
	int32_t root;
	if ((rc = parse_cond(P, &root)))
		return rc;
	struct define *d = &P->defs[P->ndefs++];
	d->name = name;
	d->root = root;
	d->scoped = P->scoped;
	d->incat = P->incat;
	return 0;
}

/* ---- rules ------------------------------------------------------------------------------------ */

/* Reason text with {parameter} replaced by its value. */
static int reason_text(struct parser *P, const struct tok *t, uint16_t *out)
{
	struct rule_set *rs = P->rs;
	struct buf b;
	int rc = 0;
	buf_init(&b, 8192);
	for (const char *s = t->text; *s;) {
		const char *close = *s == '{' ? strchr(s, '}') : NULL;
		if (!close) {
			buf_append(&b, s++, 1);
			continue;
		}
		char name[256];
		snprintf(name, sizeof(name), "%.*s", (int)(close - s - 1), s + 1);
		int i = find_param(P, name);
		if (i < 0) {
			rc = semantic(P, t, "理由中引用了未定义的参数",
				      "the reason names an undefined parameter");
			goto out;
		}
		const struct rule_param *pa = &rs->params[i];
		static const char *const zh_unit[] = {"", "天", "个月", "年", ""};
		if (!pa->unit)
			buf_appends(&b, pa->text);
		else
			buf_appendf(&b, "%lld%s", (long long)pa->value, zh_unit[rs->param_unit[i]]);
		s = close + 1;
	}
	if (rs->nreasons >= UINT16_MAX) {
		rc = too_big(P, "理由过多", "too many reasons");
		goto out;
	}
	if (rs->nreasons == rs->capreasons) {
		rs->capreasons = rs->capreasons ? rs->capreasons * 2 : 64;
		rs->reasons = xrealloc(rs->reasons, (size_t)rs->capreasons * sizeof(*rs->reasons));
	}
	rs->reasons[rs->nreasons] = arena_strdup(&rs->arena, b.data ? b.data : "");
	*out = (uint16_t)rs->nreasons++;
out:
	buf_release(&b);
	return rc;
}

static void default_scale(struct rule_set *rs)
{
	if (rs->nscale)
		return;
	rs->scale[0] = "较好";
	rs->scale[1] = "一般";
	rs->scale[2] = "差";
	rs->nscale = 3;
}

static int output_arg(struct parser *P, struct rout *o, struct rrule *r)
{
	int rc;
	const struct tok *t = cur(P);
	if (is_word(t, "category")) {
		next(P);
		t = cur(P);
		int c = t->kind == TK_WORD ? rule_set_category_find(P->rs, t->text) : -1;
		if (t->kind != TK_WORD)
			return expected(P, "类别代码", "a category code");
		if (c < 0)
			return semantic(P, t, "未定义的类别", "undefined category");
		o->kind = SCREEN_HIT_CATEGORY;
		o->arg = (uint8_t)c;
		r->info.outputs |= RULE_OUT_CATEGORY;
		next(P);
	} else if (is_word(t, "red")) {
		next(P);
		o->kind = SCREEN_HIT_RED;
		r->info.outputs |= RULE_OUT_RED;
	} else if (is_word(t, "score")) {
		int64_t v;
		next(P);
		if ((rc = parse_number(P, &v)))
			return rc;
		o->kind = SCREEN_HIT_SCORE;
		o->points = (int32_t)v;
		r->info.outputs |= RULE_OUT_SCORE;
	} else if (is_word(t, "guardianship")) {
		next(P);
		default_scale(P->rs);
		t = cur(P);
		if (t->kind != TK_STRING)
			return expected(P, "监护评级（字符串，如 \"差\"）",
					"a rating (string, e.g. \"差\")");
		int k = -1;
		for (int i = 0; i < P->rs->nscale; i++)
			if (!strcmp(P->rs->scale[i], t->text))
				k = i;
		if (k < 0)
			return semantic(P, t, "评级不在监护评级表中",
					"the rating is not on the scale");
		o->kind = SCREEN_HIT_GUARDIANSHIP;
		o->arg = (uint8_t)k;
		r->info.outputs |= RULE_OUT_GUARDIANSHIP;
		next(P);
	} else {
		return expected(P, "输出（category、red、score、guardianship）或“end”",
				"an output (category, red, score, guardianship) or 'end'");
	}
	return 0;
}

static int parse_output(struct parser *P, struct rrule *r)
{
	struct rule_set *rs = P->rs;
	struct rout o;
	int rc;
	memset(&o, 0, sizeof(o));
	if ((rc = output_arg(P, &o, r)) || (rc = expect_word(P, "reason")))
		return rc;
	if (cur(P)->kind != TK_STRING)
		return expected(P, "理由（字符串）", "a reason (string)");
	if ((rc = reason_text(P, cur(P), &o.reason)))
		return rc;
	next(P);
	if (rs->nouts >= UINT16_MAX || r->nout >= SCREEN_MAX_HITS)
		return too_big(P, "输出过多", "too many outputs");
	if (rs->nouts == rs->capouts) {
		rs->capouts = rs->capouts ? rs->capouts * 2 : 64;
		rs->outs = xrealloc(rs->outs, (size_t)rs->capouts * sizeof(*rs->outs));
	}
	rs->outs[rs->nouts++] = o;
	r->nout++;
	return 0;
}

static void guard_from(struct rule_set *rs, struct rrule *r, int32_t i, int depth)
{
	const struct rnode *n = &rs->nodes[i];
	if (n->op == OP_AND && depth < 2) {
		for (int32_t k = n->kid; k >= 0; k = rs->nodes[k].next)
			guard_from(rs, r, k, depth + 1);
	} else if (n->op == OP_AGE_LT && r->age_slot < 0) {
		r->age_slot = n->a;
	} else if (n->op == OP_AGE_GE && r->age_min_slot < 0) {
		r->age_min_slot = n->a;
	} else if (n->op == OP_HAS) {
		r->need_mask |= 1ull << n->x;
	} else if (n->op == OP_INCAT && !r->cat_need) {
		r->cat_need = 1ull << n->a;
	} else if (n->op == OP_OR && !r->cat_need) {
		uint64_t m = 0;
		for (int32_t k = n->kid; k >= 0; k = rs->nodes[k].next) {
			if (rs->nodes[k].op != OP_INCAT)
				return;
			m |= 1ull << rs->nodes[k].a;
		}
		r->cat_need = m;
	}
}

/* What the family must have for node i to hold: every mask m[k] must meet the family's
 * fact types (n = 0: no bound). "and" collects its children's masks; "or" keeps, for each
 * k, the union of its branches' k-th masks (each branch implies all of them). */
struct fneed {
	uint64_t m[RULE_FAM_NEEDS];
	int n;
};

static void fneed_add(struct fneed *f, uint64_t m)
{
	for (int i = 0; i < f->n; i++)
		if (f->m[i] == m)
			return;
	if (f->n < RULE_FAM_NEEDS) {
		f->m[f->n++] = m;
	} else { /* full: replace the widest if m is narrower */
		int w = 0;
		for (int i = 1; i < f->n; i++)
			if (__builtin_popcountll(f->m[i]) > __builtin_popcountll(f->m[w]))
				w = i;
		if (__builtin_popcountll(m) < __builtin_popcountll(f->m[w]))
			f->m[w] = m;
	}
}

static void fneed_sort(struct fneed *f)
{
	for (int i = 1; i < f->n; i++)
		for (int j = i;
		     j > 0 && __builtin_popcountll(f->m[j]) < __builtin_popcountll(f->m[j - 1]);
		     j--) {
			uint64_t t = f->m[j];
			f->m[j] = f->m[j - 1];
			f->m[j - 1] = t;
		}
}

static void family_need(const struct rule_set *rs, int32_t i, int depth, struct fneed *out)
{
	const struct rnode *n = &rs->nodes[i];
	out->n = 0;
	if (depth > 4 * RULE_MAX_DEPTH)
		return;
	switch (n->op) {
	case OP_HAS: fneed_add(out, 1ull << n->x); return;
	case OP_REF: family_need(rs, n->a, depth + 1, out); return;
	case OP_SCOPE:
		if (n->kid >= 0 && n->y != Q_NO && n->x != G_HOUSEHOLD)
			family_need(rs, n->kid, depth + 1, out);
		return;
	case OP_AND:
		for (int32_t k = n->kid; k >= 0; k = rs->nodes[k].next) {
			struct fneed c;
			family_need(rs, k, depth + 1, &c);
			for (int j = 0; j < c.n; j++)
				fneed_add(out, c.m[j]);
		}
		fneed_sort(out);
		return;
	case OP_OR: {
		int first = 1;
		for (int32_t k = n->kid; k >= 0; k = rs->nodes[k].next) {
			struct fneed c;
			family_need(rs, k, depth + 1, &c);
			fneed_sort(&c);
			if (first) {
				*out = c;
				first = 0;
				continue;
			}
			if (c.n < out->n)
				out->n = c.n;
			for (int j = 0; j < out->n; j++)
				out->m[j] |= c.m[j];
		}
		return;
	}
	default: return;
	}
}

static int parse_rule(struct parser *P)
{
	int rc;
	struct rule_set *rs = P->rs;
	const struct tok *start = cur(P);
	next(P);
	const struct tok *t = cur(P);
	if (t->kind != TK_WORD)
		return expected(P, "规则编号（如 LB-1）", "a rule id (e.g. LB-1)");
	if (rule_set_rule_find(rs, t->text) >= 0)
		return semantic(P, t, "规则编号重复", "duplicate rule id");
	if (rs->nrules == RULE_MAX_RULES)
		return too_big(P, "规则过多（最多512条）", "too many rules (512 at most)");
	struct rrule *r = &rs->rules[rs->nrules];
	memset(r, 0, sizeof(*r));
	r->info.id = arena_strdup(&rs->arena, t->text);
	r->info.line = start->line;
	r->age_slot = r->age_min_slot = -1;
	r->out_off = (uint16_t)rs->nouts;
	next(P);
	if ((rc = take_string(P, &r->info.name)) || (rc = expect_word(P, "basis")) ||
	    (rc = take_string(P, &r->info.basis)) || (rc = expect_word(P, "when")))
		return rc;
	P->scoped = P->incat = 0;
	if ((rc = parse_cond(P, &r->root)) || (rc = expect_word(P, "then")))
		return rc;
	do {
		if ((rc = parse_output(P, r)))
			return rc;
	} while (!is_word(cur(P), "end"));
	next(P);
	guard_from(rs, r, r->root, 0);
	struct fneed fn;
	family_need(rs, r->root, 0, &fn);
	r->nfam = (uint8_t)fn.n;
	for (int k = 0; k < fn.n; k++)
		r->fam_need[k] = fn.m[k];
	rs->nrules++; /* visible to rule_set_rule_find only once complete */
	return 0;
}

static int parse_item(struct parser *P)
{
	const struct tok *t = cur(P);
	if (is_word(t, "ruleset"))
		return parse_ruleset(P);
	if (is_word(t, "param"))
		return parse_param(P);
	if (is_word(t, "category"))
		return parse_category(P);
	if (is_word(t, "scale"))
		return parse_scale(P);
	if (is_word(t, "band"))
		return parse_band(P);
	if (is_word(t, "define"))
		return parse_define(P);
	if (is_word(t, "rule"))
		return parse_rule(P);
	return expected(P, "ruleset、param、category、scale、band、define 或 rule",
			"'ruleset', 'param', 'category', 'scale', 'band', 'define' or 'rule'");
}

/* rnode.need of node i (memoised through done[]): what the subject itself must have. */
static uint64_t self_need(struct rule_set *rs, uint8_t *done, int32_t i, int depth)
{
	struct rnode *n = &rs->nodes[i];
	uint64_t m = 0, best = 0;
	if (done[i] || depth > 4 * RULE_MAX_DEPTH)
		return n->need;
	switch (n->op) {
	case OP_HAS: m = 1ull << n->x; break;
	case OP_REF: m = self_need(rs, done, n->a, depth + 1); break;
	case OP_AND:
		for (int32_t k = n->kid; k >= 0; k = rs->nodes[k].next) {
			uint64_t c = self_need(rs, done, k, depth + 1);
			if (c && (!best || __builtin_popcountll(c) < __builtin_popcountll(best)))
				best = c;
		}
		m = best;
		break;
	case OP_OR: /* every branch needs a bound, else none */
		for (int32_t k = n->kid; k >= 0; k = rs->nodes[k].next) {
			uint64_t c = self_need(rs, done, k, depth + 1);
			best |= c;
			if (!c)
				m = 1; /* a branch without a bound */
		}
		m = m ? 0 : best;
		break;
	default: m = 0;
	}
	n->need = m;
	done[i] = 1;
	return m;
}

/* rnode.pure, .sup and .free of node i (memoised through done[]). */
static void purity(struct rule_set *rs, uint8_t *done, int32_t i, int depth)
{
	struct rnode *n = &rs->nodes[i];
	if (done[i] || depth > 4 * RULE_MAX_DEPTH)
		return;
	n->pure = 0;
	switch (n->op) {
	case OP_TRUE: n->pure = 1, n->free = 1, n->sup = 0; break;
	case OP_HAS: n->pure = 1, n->free = 0, n->sup = 1ull << n->x; break;
	case OP_REF:
	case OP_NOT: {
		int32_t k = n->op == OP_REF ? n->a : n->kid;
		purity(rs, done, k, depth + 1);
		n->pure = rs->nodes[k].pure;
		n->sup = rs->nodes[k].sup;
		n->free = (uint8_t)(n->op == OP_REF ? rs->nodes[k].free : !rs->nodes[k].free);
		break;
	}
	case OP_AND:
	case OP_OR:
		n->pure = 1;
		n->sup = 0;
		n->free = n->op == OP_AND;
		for (int32_t k = n->kid; k >= 0; k = rs->nodes[k].next) {
			purity(rs, done, k, depth + 1);
			n->pure &= rs->nodes[k].pure;
			n->sup |= rs->nodes[k].sup;
			if (n->op == OP_AND)
				n->free &= rs->nodes[k].free;
			else
				n->free |= rs->nodes[k].free;
		}
		break;
	default: break; /* age, gender, relatives, categories: not pure */
	}
	done[i] = 1;
}

static void compute_needs(struct rule_set *rs)
{
	uint8_t *done = xcalloc((size_t)rs->nnodes + 1, 1);
	for (int32_t i = 0; i < rs->nnodes; i++)
		self_need(rs, done, i, 0);
	memset(done, 0, (size_t)rs->nnodes + 1);
	for (int32_t i = 0; i < rs->nnodes; i++)
		purity(rs, done, i, 0);
	free(done);
}

int rule_compile_text(struct rule_set *rs, const char *text, size_t len, struct rule_pos *pos,
		      struct wb_error *err)
{
	struct parser P;
	memset(&P, 0, sizeof(P));
	P.rs = rs;
	P.pos = pos;
	P.err = err;
	int rc = rule_lex(&P.tk, text, len, pos, err);
	while (!rc && cur(&P)->kind != TK_EOF)
		rc = parse_item(&P);
	if (!rc) {
		compute_needs(rs);
		default_scale(rs);
		rs->all_guarded = 1;
		for (int i = 0; i < rs->nrules; i++)
			if (rs->rules[i].age_slot < 0 && !rs->rules[i].cat_need)
				rs->all_guarded = 0;
	}
	rule_tokens_release(&P.tk);
	return rc;
}
