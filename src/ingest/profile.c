/*
 * profile -- parser of the profile language (see profile.h and docs/ingest.md).
 *
 * Line oriented: one statement per line, words separated by blanks, `#` starts a comment.
 * Statements may come in any order except that roles are declared before they are used
 * and columns before they are referenced. Every error names the line and what was
 * expected there.
 */
#include "ingest/profile.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

struct profile_builtin {
	const char *name;
	const char *text;
};
/* build/gen/profiles.c, generated from src/ingest/profiles/ by tools/profiles2c.sh */
extern const struct profile_builtin profile_builtins[];
extern const int profile_builtins_count;

static const char *const FIELD_NAMES[PF_COUNT] = {
	"id_number", "name",	  "gender", "birth_date", "ethnicity",
	"household", "residence", "phone",  "school",
};

enum { MAX_WORDS = 40, LINE_MAX_BYTES = 2048 };

struct parser {
	struct profile *p;
	struct wb_error *err;
	int line;
	int nwords;
	char *words[MAX_WORDS];
};

const char *profile_field_name(int field)
{
	return field >= 0 && field < PF_COUNT ? FIELD_NAMES[field] : "";
}

__attribute__((format(printf, 4, 5))) static int fail(struct parser *ps, const char *zh,
						      const char *en, const char *fmt, ...)
{
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	char zhmsg[512], enmsg[512];
	snprintf(zhmsg, sizeof(zhmsg), "导入模板第 %d 行：%s（%s）", ps->line, zh, what);
	snprintf(enmsg, sizeof(enmsg), "profile line %d: %s (%s)", ps->line, en, what);
	wb_error_set(ps->err, WB_EINVAL, 422, "PROFILE_SYNTAX", zhmsg, enmsg);
	return WB_EINVAL;
}

static int copy_word(struct parser *ps, char *dst, size_t cap, const char *src)
{
	if (strlen(src) >= cap)
		return fail(ps, "内容过长", "word too long", "%.40s…", src);
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

static int find_role(const struct profile *p, const char *name)
{
	for (int i = 0; i < p->nroles; i++)
		if (!strcmp(p->roles[i], name))
			return i;
	return -1;
}

static int find_column(const struct profile *p, const char *key)
{
	for (int i = 0; i < p->ncolumns; i++)
		if (!strcmp(p->columns[i].key, key))
			return i;
	return -1;
}

static int find_field(const char *name)
{
	for (int i = 0; i < PF_COUNT; i++)
		if (!strcmp(FIELD_NAMES[i], name))
			return i;
	return -1;
}

static int need_words(struct parser *ps, int min, const char *usage)
{
	if (ps->nwords < min)
		return fail(ps, "缺少内容", "missing words", "应为：%s", usage);
	return 0;
}

static int st_role(struct parser *ps)
{
	struct profile *p = ps->p;
	if (need_words(ps, 2, "role <名称> [minor]"))
		return WB_EINVAL;
	if (p->nroles == PROFILE_MAX_ROLES)
		return fail(ps, "角色过多", "too many roles", "最多 %d 个", PROFILE_MAX_ROLES);
	if (find_role(p, ps->words[1]) >= 0)
		return fail(ps, "角色重复", "duplicate role", "%s", ps->words[1]);
	if (copy_word(ps, p->roles[p->nroles], sizeof(p->roles[0]), ps->words[1]))
		return WB_EINVAL;
	if (ps->nwords > 2) {
		if (strcmp(ps->words[2], "minor"))
			return fail(ps, "应为 minor", "expected 'minor'", "%s", ps->words[2]);
		p->minor_role = p->nroles;
	}
	p->nroles++;
	return 0;
}

static int st_column(struct parser *ps)
{
	struct profile *p = ps->p;
	if (need_words(ps, 3, "column <角色.字段|变量> <表头> …"))
		return WB_EINVAL;
	if (p->ncolumns == PROFILE_MAX_COLUMNS)
		return fail(ps, "列过多", "too many columns", "最多 %d 列", PROFILE_MAX_COLUMNS);
	if (find_column(p, ps->words[1]) >= 0)
		return fail(ps, "列重复", "duplicate column", "%s", ps->words[1]);
	struct profile_column *c = &p->columns[p->ncolumns];
	memset(c, 0, sizeof(*c));
	if (copy_word(ps, c->key, sizeof(c->key), ps->words[1]))
		return WB_EINVAL;
	c->role = -1;
	c->field = PF_NONE;
	char *dot = strchr(c->key, '.');
	if (dot) {
		*dot = 0;
		c->role = find_role(p, c->key);
		c->field = find_field(dot + 1);
		*dot = '.';
		if (c->role < 0)
			return fail(ps, "角色未声明", "undeclared role", "%s", c->key);
		if (c->field < 0)
			return fail(ps, "未知的人员字段", "unknown person field",
				    "%s；可用：id_number name gender birth_date ethnicity "
				    "household residence phone school",
				    dot + 1);
	}
	for (int i = 2; i < ps->nwords; i++) {
		if (c->naliases == PROFILE_MAX_ALIASES)
			return fail(ps, "表头别名过多", "too many header aliases", "最多 %d 个",
				    PROFILE_MAX_ALIASES);
		if (copy_word(ps, c->aliases[c->naliases++], PROFILE_ALIAS_MAX, ps->words[i]))
			return WB_EINVAL;
	}
	p->ncolumns++;
	return 0;
}

static int st_require(struct parser *ps)
{
	struct profile *p = ps->p;
	if (need_words(ps, 2, "require <列> …"))
		return WB_EINVAL;
	for (int i = 1; i < ps->nwords; i++) {
		int c = find_column(p, ps->words[i]);
		if (c < 0)
			return fail(ps, "列未声明", "undeclared column", "%s", ps->words[i]);
		if (p->nrequired == PROFILE_MAX_REQUIRED)
			return fail(ps, "必填列过多", "too many required columns", "%d",
				    PROFILE_MAX_REQUIRED);
		p->required[p->nrequired++] = c;
	}
	return 0;
}

/* A template's {references} must name declared columns. */
static int check_template(struct parser *ps, const char *t)
{
	for (const char *q = strchr(t, '{'); q; q = strchr(q + 1, '{')) {
		const char *end = strchr(q, '}');
		char key[PROFILE_NAME_MAX];
		if (!end || (size_t)(end - q - 1) >= sizeof(key))
			return fail(ps, "花括号不配对", "unbalanced braces", "%s", t);
		memcpy(key, q + 1, (size_t)(end - q - 1));
		key[end - q - 1] = 0;
		if (find_column(ps->p, key) < 0)
			return fail(ps, "模板引用了未声明的列",
				    "template names an undeclared column", "%s", key);
	}
	return 0;
}

static int set_template(struct parser *ps, struct profile_template *t, const char *v)
{
	if (copy_word(ps, t->text, sizeof(t->text), v))
		return WB_EINVAL;
	return check_template(ps, v);
}

static int st_fact(struct parser *ps)
{
	struct profile *p = ps->p;
	if (need_words(ps, 3, "fact <角色> <类型|{列}> [value=…] [from=…] [to=…]"))
		return WB_EINVAL;
	if (p->nfacts == PROFILE_MAX_FACTS)
		return fail(ps, "事实过多", "too many facts", "最多 %d 个", PROFILE_MAX_FACTS);
	struct profile_fact *f = &p->facts[p->nfacts];
	memset(f, 0, sizeof(*f));
	if ((f->role = find_role(p, ps->words[1])) < 0)
		return fail(ps, "角色未声明", "undeclared role", "%s", ps->words[1]);
	if (set_template(ps, &f->type, ps->words[2]))
		return WB_EINVAL;
	for (int i = 3; i < ps->nwords; i++) {
		char *w = ps->words[i], *eq = strchr(w, '=');
		struct profile_template *t = NULL;
		if (eq && !strncmp(w, "value=", 6))
			t = &f->value;
		else if (eq && !strncmp(w, "from=", 5))
			t = &f->from;
		else if (eq && !strncmp(w, "to=", 3))
			t = &f->to;
		if (!t)
			return fail(ps, "应为 value=、from= 或 to=",
				    "expected value=, from= or to=", "%s", w);
		if (set_template(ps, t, eq + 1))
			return WB_EINVAL;
	}
	p->nfacts++;
	return 0;
}

static int st_relation(struct parser *ps)
{
	struct profile *p = ps->p;
	if (need_words(ps, 4, "relation <儿童角色> <关系> <成人角色> [guardian] [lives_with]"))
		return WB_EINVAL;
	if (p->nrelations == PROFILE_MAX_RELATIONS)
		return fail(ps, "关系过多", "too many relations", "最多 %d 个",
			    PROFILE_MAX_RELATIONS);
	struct profile_relation *r = &p->relations[p->nrelations];
	memset(r, 0, sizeof(*r));
	if ((r->child = find_role(p, ps->words[1])) < 0)
		return fail(ps, "角色未声明", "undeclared role", "%s", ps->words[1]);
	if ((r->adult = find_role(p, ps->words[3])) < 0)
		return fail(ps, "角色未声明", "undeclared role", "%s", ps->words[3]);
	if (r->adult == r->child)
		return fail(ps, "关系两端不能是同一角色", "a relation needs two roles", "%s",
			    ps->words[1]);
	if (copy_word(ps, r->kind, sizeof(r->kind), ps->words[2]))
		return WB_EINVAL;
	for (int i = 4; i < ps->nwords; i++) {
		if (!strcmp(ps->words[i], "guardian"))
			r->guardian = 1;
		else if (!strcmp(ps->words[i], "lives_with"))
			r->lives_with = 1;
		else
			return fail(ps, "应为 guardian 或 lives_with",
				    "expected guardian or lives_with", "%s", ps->words[i]);
	}
	p->nrelations++;
	return 0;
}

static int st_map(struct parser *ps)
{
	struct profile *p = ps->p;
	if (need_words(ps, 3, "map <列> <原值>=<代码> …"))
		return WB_EINVAL;
	int c = find_column(p, ps->words[1]);
	if (c < 0)
		return fail(ps, "列未声明", "undeclared column", "%s", ps->words[1]);
	for (int i = 2; i < ps->nwords; i++) {
		char *eq = strchr(ps->words[i], '=');
		if (!eq || eq == ps->words[i] || !eq[1])
			return fail(ps, "应为 原值=代码", "expected from=to", "%s", ps->words[i]);
		if (p->nmaps == PROFILE_MAX_MAPS)
			return fail(ps, "取值映射过多", "too many value maps", "最多 %d 个",
				    PROFILE_MAX_MAPS);
		struct profile_map *m = &p->maps[p->nmaps];
		m->column = c;
		*eq = 0;
		if (copy_word(ps, m->from, sizeof(m->from), ps->words[i]) ||
		    copy_word(ps, m->to, sizeof(m->to), eq + 1))
			return WB_EINVAL;
		p->nmaps++;
	}
	return 0;
}

static int st_end(struct parser *ps)
{
	struct profile *p = ps->p;
	if (need_words(ps, 2, "end_missing <事实类型> …"))
		return WB_EINVAL;
	for (int i = 1; i < ps->nwords; i++) {
		if (p->nend == PROFILE_MAX_END)
			return fail(ps, "类型过多", "too many types", "最多 %d 个",
				    PROFILE_MAX_END);
		if (copy_word(ps, p->end_missing[p->nend++], sizeof(p->end_missing[0]),
			      ps->words[i]))
			return WB_EINVAL;
	}
	return 0;
}

/* title and title_en keep the rest of the line, blanks included. */
static int st_text(struct parser *ps, char *dst, size_t cap, const char *rest)
{
	if (!*rest)
		return fail(ps, "缺少内容", "missing text", "%s", ps->words[0]);
	return copy_word(ps, dst, cap, rest);
}

static int statement(struct parser *ps, const char *rest)
{
	struct profile *p = ps->p;
	const char *w = ps->words[0];
	if (!strcmp(w, "profile")) {
		if (need_words(ps, 2, "profile <名称>"))
			return WB_EINVAL;
		return copy_word(ps, p->name, sizeof(p->name), ps->words[1]);
	}
	if (!strcmp(w, "title"))
		return st_text(ps, p->title, sizeof(p->title), rest);
	if (!strcmp(w, "title_en"))
		return st_text(ps, p->title_en, sizeof(p->title_en), rest);
	if (!strcmp(w, "source")) {
		if (need_words(ps, 2, "source <单位类型>"))
			return WB_EINVAL;
		return copy_word(ps, p->source, sizeof(p->source), ps->words[1]);
	}
	if (!strcmp(w, "role"))
		return st_role(ps);
	if (!strcmp(w, "column"))
		return st_column(ps);
	if (!strcmp(w, "require"))
		return st_require(ps);
	if (!strcmp(w, "fact"))
		return st_fact(ps);
	if (!strcmp(w, "relation"))
		return st_relation(ps);
	if (!strcmp(w, "map"))
		return st_map(ps);
	if (!strcmp(w, "end_missing"))
		return st_end(ps);
	return fail(ps, "未知的语句", "unknown statement",
		    "%s；应为 profile title title_en source role column require fact relation "
		    "map end_missing",
		    w);
}

/* Split line into words in place; returns where the text after the first word starts
 * (for titles: the caller reads it from its own copy, as the words are cut here). */
static size_t split(struct parser *ps, char *line)
{
	size_t rest = strlen(line);
	ps->nwords = 0;
	char *hash = strchr(line, '#');
	if (hash)
		*hash = 0;
	for (char *q = line; *q;) {
		while (*q == ' ' || *q == '\t' || *q == '\r')
			q++;
		if (!*q)
			break;
		if (ps->nwords == MAX_WORDS)
			break;
		ps->words[ps->nwords++] = q;
		while (*q && *q != ' ' && *q != '\t' && *q != '\r')
			q++;
		if (*q) {
			*q++ = 0;
			if (ps->nwords == 1) {
				while (*q == ' ' || *q == '\t')
					q++;
				rest = (size_t)(q - line);
			}
		}
	}
	return rest;
}

static void trim_end(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = 0;
}

static int finish(struct parser *ps)
{
	struct profile *p = ps->p;
	if (!p->name[0])
		return fail(ps, "缺少 profile 语句", "missing 'profile' statement", "%s",
			    "profile");
	if (!p->nroles)
		return fail(ps, "至少需要一个角色", "at least one role is needed", "%s", "role");
	for (int r = 0; r < p->nroles; r++) {
		int has_key = 0;
		for (int c = 0; c < p->ncolumns; c++)
			if (p->columns[c].role == r &&
			    (p->columns[c].field == PF_ID_NUMBER || p->columns[c].field == PF_NAME))
				has_key = 1;
		if (!has_key)
			return fail(ps, "角色缺少身份证号或姓名列",
				    "a role needs an id_number or name column", "%s", p->roles[r]);
	}
	return 0;
}

int profile_parse(struct profile *p, const char *text, struct wb_error *err)
{
	struct parser ps = {.p = p, .err = err};
	memset(p, 0, sizeof(*p));
	p->minor_role = -1;
	for (const char *q = text; *q;) {
		const char *nl = strchr(q, '\n');
		size_t n = nl ? (size_t)(nl - q) : strlen(q);
		char line[LINE_MAX_BYTES];
		ps.line++;
		if (n >= sizeof(line))
			return fail(&ps, "行过长", "line too long", "%zu 字节", n);
		memcpy(line, q, n);
		line[n] = 0;
		q += n + (nl ? 1 : 0);
		char restbuf[LINE_MAX_BYTES];
		memcpy(restbuf, line, n + 1); /* before split cuts the words apart */
		size_t rest = split(&ps, line);
		if (!ps.nwords)
			continue;
		memmove(restbuf, restbuf + (rest < n ? rest : n), n + 1 - (rest < n ? rest : n));
		char *hash = strchr(restbuf, '#');
		if (hash)
			*hash = 0;
		trim_end(restbuf);
		if (statement(&ps, restbuf))
			return WB_EINVAL;
	}
	return finish(&ps);
}

int profile_builtin_count(void)
{
	return profile_builtins_count;
}

const char *profile_builtin_name(int i)
{
	return i >= 0 && i < profile_builtins_count ? profile_builtins[i].name : NULL;
}

const char *profile_builtin_text(int i)
{
	return i >= 0 && i < profile_builtins_count ? profile_builtins[i].text : NULL;
}

static int load_file(struct profile *p, const char *path, struct wb_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return wb_error_set(err, WB_ENOTFOUND, 404, "PROFILE_NOT_FOUND",
				    "找不到导入模板文件", "profile file not found");
	struct buf b;
	buf_init(&b, 256 * 1024);
	char chunk[4096];
	size_t n;
	int rc = 0;
	while (!rc && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rc = buf_append(&b, chunk, n);
	fclose(f);
	if (rc)
		rc = wb_error_set(err, WB_ETOOBIG, 413, "PROFILE_TOO_BIG", "导入模板文件过大",
				  "the profile file is too big");
	else
		rc = profile_parse(p, b.data ? b.data : "", err);
	buf_release(&b);
	return rc;
}

int profile_load(struct profile *p, const char *name, struct wb_error *err)
{
	size_t n = strlen(name);
	if (strchr(name, '/') || (n > 8 && !strcmp(name + n - 8, ".profile")))
		return load_file(p, name, err);
	return profile_load_builtin(p, name, err);
}

int profile_load_builtin(struct profile *p, const char *name, struct wb_error *err)
{
	for (int i = 0; i < profile_builtins_count; i++)
		if (!strcmp(profile_builtins[i].name, name))
			return profile_parse(p, profile_builtins[i].text, err);
	return wb_error_set(err, WB_ENOTFOUND, 404, "PROFILE_NOT_FOUND", "没有这个导入模板",
			    "no such import profile");
}

/* Header texts are compared without blanks, a trailing colon, or a trailing note in
 * brackets ("出生日期（yyyy-mm-dd）"), as departments decorate them freely. */
static void header_key(const char *h, char *out, size_t cap)
{
	size_t o = 0;
	for (const char *q = h; *q && o + 1 < cap; q++)
		if (*q != ' ' && *q != '\t' && *q != '\r' && *q != '\n' && *q != '*')
			out[o++] = *q;
	out[o] = 0;
	static const char *const cut[] = {"（", "(", "：", ":"};
	for (size_t i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
		char *at = strstr(out, cut[i]);
		if (at && at != out)
			*at = 0;
	}
	/* The ideographic space U+3000, the no-break space U+00A0, and the byte-order mark
	 * U+FEFF and zero-width space U+200B that files joined from others carry along. */
	static const char *const invisible[] = {"\xe3\x80\x80", "\xc2\xa0", "\xef\xbb\xbf",
						"\xe2\x80\x8b"};
	for (size_t i = 0; i < sizeof(invisible) / sizeof(invisible[0]); i++) {
		size_t n = strlen(invisible[i]);
		for (char *sp; (sp = strstr(out, invisible[i]));)
			memmove(sp, sp + n, strlen(sp + n) + 1);
	}
}

int profile_match_header(const struct profile *p, const char *header)
{
	char key[PROFILE_ALIAS_MAX * 2];
	header_key(header, key, sizeof(key));
	if (!key[0])
		return -1;
	/* An alias is compared the way the header is ("所在村（社区）" is 所在村). */
	for (int c = 0; c < p->ncolumns; c++)
		for (int a = 0; a < p->columns[c].naliases; a++) {
			char akey[PROFILE_ALIAS_MAX * 2];
			header_key(p->columns[c].aliases[a], akey, sizeof(akey));
			if (!strcmp(p->columns[c].aliases[a], key) || !strcmp(akey, key))
				return c;
		}
	return -1;
}

const char *profile_map_value(const struct profile *p, int column, const char *value)
{
	int has_map = 0;
	for (int i = 0; i < p->nmaps; i++) {
		if (p->maps[i].column != column)
			continue;
		has_map = 1;
		if (!strcmp(p->maps[i].from, value) || !strcmp(p->maps[i].to, value))
			return p->maps[i].to;
	}
	return has_map ? NULL : value;
}
