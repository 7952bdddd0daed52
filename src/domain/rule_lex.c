/*
 * rule_lex -- tokeniser of the rule language (see rule_lex.h and docs/rules.md).
 *
 * Input is UTF-8 and checked as such (an invalid sequence is an error at its place).
 * Full-width punctuation that a Chinese keyboard produces is accepted as its ASCII twin:
 * （ ） ： ， and “ ” around strings. `#` starts a comment to the end of the line.
 */
#include "domain/rule_lex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

#define STRING_MAX 4000 /* bytes of one string literal */
#define WORD_MAX   200

struct lexer {
	const unsigned char *p, *end;
	int line, col;
	struct tokens *out;
};

int rule_error_at(struct wb_error *err, struct rule_pos *pos, int rc, const char *code, int line,
		  int col, const char *zh, const char *en)
{
	char m[256], e[256];
	if (pos) {
		pos->line = line;
		pos->col = col;
	}
	snprintf(m, sizeof(m), "第%d行第%d列：%s", line, col, zh);
	snprintf(e, sizeof(e), "line %d, column %d: %s", line, col, en);
	return wb_error_set(err, rc, 422, code, m, e);
}

/* Length of the UTF-8 sequence at p (1..4), 0 when invalid. */
static int utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	int n = c < 0x80	     ? 1
		: (c & 0xe0) == 0xc0 ? 2
		: (c & 0xf0) == 0xe0 ? 3
		: (c & 0xf8) == 0xf0 ? 4
				     : 0;
	if (n == 0 || end - p < n)
		return 0;
	for (int i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if (n == 2 && c < 0xc2)
		return 0; /* overlong */
	if (n == 3) {
		unsigned cp = ((c & 0x0f) << 12) | ((p[1] & 0x3f) << 6) | (p[2] & 0x3f);
		if (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
	}
	if (n == 4) {
		unsigned cp = ((c & 0x07) << 18) | ((p[1] & 0x3f) << 12) | ((p[2] & 0x3f) << 6) |
			      (p[3] & 0x3f);
		if (cp < 0x10000 || cp > 0x10ffff)
			return 0;
	}
	return n;
}

/* Full-width punctuation mapped to its ASCII twin; 0 when p is none of them. */
static int fullwidth(const unsigned char *p, const unsigned char *end)
{
	static const struct {
		const char *u;
		char ascii;
	} map[] = {{"（", '('}, {"）", ')'}, {"：", ':'}, {"，", ','}, {"“", '"'}, {"”", '"'}};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		size_t n = strlen(map[i].u);
		if ((size_t)(end - p) >= n && !memcmp(p, map[i].u, n))
			return map[i].ascii;
	}
	return 0;
}

static int lex_fail(struct lexer *lx, struct rule_pos *pos, struct wb_error *err, const char *zh,
		    const char *en)
{
	return rule_error_at(err, pos, WB_EINVAL, "RULE_SYNTAX", lx->line, lx->col, zh, en);
}

static void advance(struct lexer *lx, int bytes)
{
	lx->p += bytes;
	lx->col++;
}

static struct tok *push(struct lexer *lx, int kind, int line, int col)
{
	struct tokens *t = lx->out;
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 256;
		t->v = xrealloc(t->v, t->cap * sizeof(*t->v));
	}
	struct tok *k = &t->v[t->n++];
	memset(k, 0, sizeof(*k));
	k->kind = kind;
	k->line = line;
	k->col = col;
	k->off = SIZE_MAX;
	return k;
}

static void store_text(struct tokens *t, struct tok *k, const char *s, size_t n)
{
	if (t->slen + n + 1 > t->scap) {
		t->scap = (t->slen + n + 1) * 2;
		t->strings = xrealloc(t->strings, t->scap);
	}
	memcpy(t->strings + t->slen, s, n);
	t->strings[t->slen + n] = '\0';
	k->off = t->slen;
	k->len = n;
	t->slen += n + 1;
}

static int word_char(const unsigned char *p, const unsigned char *end, int first)
{
	unsigned c = *p;
	if (c >= 0x80)
		return !fullwidth(p, end);
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
		return 1;
	return !first && ((c >= '0' && c <= '9') || c == '-' || c == '.');
}

/* Chinese keywords: each is read as the English word(s) beside it, so a rule may be
 * written all in Chinese ("当 年龄 < 16 且 有 hukou_rural") and means the same. */
static const struct {
	const char *zh, *en;
} aliases[] = {
	{"规则集", "ruleset"},
	{"版本", "version"},
	{"参数", "param"},
	{"类别", "category"},
	{"监护评级表", "scale"},
	{"分数线", "band"},
	{"定义", "define"},
	{"规则", "rule"},
	{"依据", "basis"},
	{"条件", "when"},
	{"结论", "then"},
	{"结束", "end"},
	{"理由", "reason"},
	{"红色预警", "red"},
	{"计分", "score"},
	{"监护评级", "guardianship"},
	{"且", "and"},
	{"或", "or"},
	{"非", "not"},
	{"真", "true"},
	{"年龄", "age"},
	{"性别", "gender"},
	{"介于", "between"},
	{"有", "has"},
	{"其中", "where"},
	{"属于", "in"},
	{"已满", "for at least"},
	{"期限至少", "lasting at least"},
	{"近", "within last"},
	{"近期曾", "during last"},
	{"曾经", "ever"},
	{"父亲", "father"},
	{"母亲", "mother"},
	{"父母双方", "both parents"},
	{"父母一方", "either parent"},
	{"任一", "any"},
	{"所有", "all"},
	{"没有", "no"},
	{"父母", "parent"},
	{"监护人", "guardian"},
	{"照护人", "carer"},
	{"亲属", "relative"},
	{"同户成员", "household member"},
	{"取值", "value"},
	{"等级", "grade"},
};

/* Push the English words of an alias as tokens at the alias's place; 0 if no alias. */
static int push_alias(struct lexer *lx, const unsigned char *s, size_t n, int line, int col)
{
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		if (strlen(aliases[i].zh) != n || memcmp(aliases[i].zh, s, n))
			continue;
		for (const char *w = aliases[i].en; *w;) {
			const char *sp = strchr(w, ' ');
			size_t k = sp ? (size_t)(sp - w) : strlen(w);
			store_text(lx->out, push(lx, TK_WORD, line, col), w, k);
			w += k + (sp != NULL);
		}
		return 1;
	}
	return 0;
}

static int lex_word(struct lexer *lx, struct rule_pos *pos, struct wb_error *err)
{
	int line = lx->line, col = lx->col;
	const unsigned char *s = lx->p;
	while (lx->p < lx->end && word_char(lx->p, lx->end, lx->p == s)) {
		int n = utf8_len(lx->p, lx->end);
		if (!n)
			return lex_fail(lx, pos, err, "无效的 UTF-8 编码", "invalid UTF-8");
		advance(lx, n);
	}
	if (lx->p - s > WORD_MAX)
		return rule_error_at(err, pos, WB_EINVAL, "RULE_SYNTAX", line, col, "名称过长",
				     "name too long");
	if (push_alias(lx, s, (size_t)(lx->p - s), line, col))
		return 0;
	struct tok *k = push(lx, TK_WORD, line, col);
	store_text(lx->out, k, (const char *)s, (size_t)(lx->p - s));
	return 0;
}

static int lex_number(struct lexer *lx, struct rule_pos *pos, struct wb_error *err)
{
	int line = lx->line, col = lx->col, neg = 0;
	const unsigned char *s = lx->p;
	int64_t v = 0;
	if (*lx->p == '-') {
		neg = 1;
		advance(lx, 1);
	}
	while (lx->p < lx->end && *lx->p >= '0' && *lx->p <= '9') {
		if (v > 100000000)
			return rule_error_at(err, pos, WB_EINVAL, "RULE_SYNTAX", line, col,
					     "数字过大（最大 100000000）",
					     "number too large (at most 100000000)");
		v = v * 10 + (*lx->p - '0');
		advance(lx, 1);
	}
	if (lx->p < lx->end && word_char(lx->p, lx->end, 0) && *lx->p != '-')
		return lex_fail(lx, pos, err, "数字后应有空格或符号",
				"expected a space or a symbol after the number");
	struct tok *k = push(lx, TK_NUMBER, line, col);
	k->num = neg ? -v : v;
	store_text(lx->out, k, (const char *)s, (size_t)(lx->p - s));
	return 0;
}

static int lex_string(struct lexer *lx, int close_fw, struct rule_pos *pos, struct wb_error *err)
{
	int line = lx->line, col = lx->col;
	char *buf = xmalloc(STRING_MAX + 1);
	size_t n = 0;
	int rc = 0;
	advance(lx, close_fw ? 3 : 1);
	for (;;) {
		if (lx->p >= lx->end || *lx->p == '\n') {
			rc = rule_error_at(err, pos, WB_EINVAL, "RULE_SYNTAX", line, col,
					   "字符串缺少结束引号", "unterminated string");
			goto out;
		}
		if (*lx->p == '"' || fullwidth(lx->p, lx->end) == '"') {
			advance(lx, *lx->p == '"' ? 1 : 3);
			break;
		}
		int k = utf8_len(lx->p, lx->end);
		if (!k || *lx->p == '\0' || (*lx->p < 0x20 && *lx->p != '\t')) {
			rc = lex_fail(lx, pos, err, "字符串中有无效字符",
				      "invalid character in string");
			goto out;
		}
		if (*lx->p == '\\' && lx->p + 1 < lx->end && (lx->p[1] == '"' || lx->p[1] == '\\'))
			advance(lx, 1);
		if (n + (size_t)k > STRING_MAX) {
			rc = rule_error_at(err, pos, WB_EINVAL, "RULE_SYNTAX", line, col,
					   "字符串过长", "string too long");
			goto out;
		}
		memcpy(buf + n, lx->p, (size_t)k);
		n += (size_t)k;
		advance(lx, k);
	}
	struct tok *t = push(lx, TK_STRING, line, col);
	store_text(lx->out, t, buf, n);
out:
	free(buf);
	return rc;
}

static int lex_symbol(struct lexer *lx, struct rule_pos *pos, struct wb_error *err)
{
	int line = lx->line, col = lx->col;
	int fw = fullwidth(lx->p, lx->end);
	int c = fw ? fw : *lx->p, kind;
	int two = lx->p + 1 < lx->end && lx->p[1] == '=' && !fw;
	switch (c) {
	case '(': kind = TK_LPAREN; break;
	case ')': kind = TK_RPAREN; break;
	case ':': kind = TK_COLON; break;
	case ',': kind = TK_COMMA; break;
	case '=': kind = TK_EQ; break;
	case '<': kind = two ? TK_LE : TK_LT; break;
	case '>': kind = two ? TK_GE : TK_GT; break;
	case '!':
		if (!two)
			return lex_fail(lx, pos, err, "“!”后应为“=”", "expected '=' after '!'");
		kind = TK_NE;
		break;
	default: return lex_fail(lx, pos, err, "无法识别的字符", "unexpected character");
	}
	advance(lx, fw ? 3 : 1);
	if (two && (c == '<' || c == '>' || c == '!'))
		advance(lx, 1);
	push(lx, kind, line, col);
	return 0;
}

static int lex_one(struct lexer *lx, struct rule_pos *pos, struct wb_error *err)
{
	unsigned c = *lx->p;
	if (c == '\n') {
		lx->p++;
		lx->line++;
		lx->col = 1;
		return 0;
	}
	if (c == ' ' || c == '\t' || c == '\r') {
		advance(lx, 1);
		return 0;
	}
	if (c == '#') {
		while (lx->p < lx->end && *lx->p != '\n')
			lx->p++;
		return 0;
	}
	if (c >= 0x80 && !utf8_len(lx->p, lx->end))
		return lex_fail(lx, pos, err, "无效的 UTF-8 编码", "invalid UTF-8");
	if (c == '"' || fullwidth(lx->p, lx->end) == '"')
		return lex_string(lx, c != '"', pos, err);
	if ((c >= '0' && c <= '9') ||
	    (c == '-' && lx->p + 1 < lx->end && lx->p[1] >= '0' && lx->p[1] <= '9'))
		return lex_number(lx, pos, err);
	if (word_char(lx->p, lx->end, 1))
		return lex_word(lx, pos, err);
	return lex_symbol(lx, pos, err);
}

int rule_lex(struct tokens *out, const char *text, size_t len, struct rule_pos *pos,
	     struct wb_error *err)
{
	struct lexer lx = {(const unsigned char *)text, (const unsigned char *)text + len, 1, 1,
			   out};
	memset(out, 0, sizeof(*out));
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		lx.p += 3; /* byte-order mark */
	while (lx.p < lx.end) {
		int rc = lex_one(&lx, pos, err);
		if (rc)
			return rc;
	}
	push(&lx, TK_EOF, lx.line, lx.col);
	for (size_t i = 0; i < out->n; i++)
		out->v[i].text = out->v[i].off == SIZE_MAX ? "" : out->strings + out->v[i].off;
	return 0;
}

void rule_tokens_release(struct tokens *t)
{
	free(t->v);
	free(t->strings);
	memset(t, 0, sizeof(*t));
}
