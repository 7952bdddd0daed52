/*
 * hanzi -- name normalisation, traditional -> simplified and pinyin; see hanzi.h.
 *
 * The tables (build/gen/hanzi_tables.c) are sorted arrays searched by bisection: 41 000
 * readings take 16 probes, which is cheap next to everything else done per name and keeps
 * the data read-only and shareable between threads.
 */
#include "domain/hanzi.h"

#include <string.h>

#include "domain/hanzi_tables.h"

/* Decode one code point at s[*i]; -1 on invalid UTF-8 (RFC 3629: no overlongs, no
 * surrogates, nothing past U+10FFFF). */
static int64_t utf8_next(const unsigned char *s, size_t len, size_t *i)
{
	unsigned c = s[*i];
	size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
	if (n == 0 || *i + n > len)
		return -1;
	uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
	for (size_t k = 1; k < n; k++) {
		if ((s[*i + k] & 0xC0) != 0x80)
			return -1;
		cp = (cp << 6) | (s[*i + k] & 0x3F);
	}
	static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
	if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	*i += n;
	return cp;
}

size_t hanzi_utf8_put(char *out, uint32_t cp)
{
	unsigned char *o = (unsigned char *)out;
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | (cp >> 18));
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

static uint32_t map_find(const struct hanzi_map *t, size_t n, uint32_t cp)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t[mid].from == cp)
			return t[mid].to;
		if (t[mid].from < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

uint32_t hanzi_simplify(uint32_t cp)
{
	uint32_t f = map_find(hanzi_fold, hanzi_nfold, cp);
	if (f)
		cp = f;
	uint32_t s = map_find(hanzi_ts, hanzi_nts, cp);
	return s ? s : cp;
}

uint32_t hanzi_traditional(uint32_t cp)
{
	for (size_t i = 0; i < hanzi_nts; i++)
		if (hanzi_ts[i].to == cp)
			return hanzi_ts[i].from;
	return 0;
}

int hanzi_syllable(uint32_t cp)
{
	size_t lo = 0, hi = hanzi_npy;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (hanzi_py[mid].cp == cp)
			return hanzi_py[mid].syl;
		if (hanzi_py[mid].cp < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

const char *hanzi_syllable_text(int syl)
{
	return syl >= 0 && (size_t)syl < hanzi_nsyllables ? hanzi_syllables[syl] : "";
}

static int is_space(uint32_t c)
{
	return c <= 0x20 || c == 0x7F || (c >= 0x80 && c <= 0xA0) || c == 0x1680 ||
	       (c >= 0x2000 && c <= 0x200F) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
	       c == 0x205F || c == 0x2060 || c == 0x3000 || c == 0xFEFF;
}

static int is_dot(uint32_t c)
{
	return c == '.' || c == 0x00B7 || c == 0x0387 || c == 0x16EB || c == 0x2022 ||
	       c == 0x2027 || c == 0x2219 || c == 0x22C5 || c == 0x2E31 || c == 0x2E33 ||
	       c == 0x30FB || c == 0x318D || c == 0xFF0E || c == 0xFF65;
}

/* One decoded code point -> its normal form, or 0 to drop it. */
static uint32_t normal_cp(uint32_t c)
{
	if (is_space(c))
		return 0;
	if (c >= 0xFF01 && c <= 0xFF5E)
		c -= 0xFEE0;
	if (is_dot(c))
		return HANZI_DOT;
	if (c >= 'A' && c <= 'Z')
		return c + ('a' - 'A');
	return hanzi_simplify(c);
}

int hanzi_normalize_cps(uint32_t out[HANZI_NAME_MAX], const char *in, size_t len,
			struct wb_error *err)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0;
	int n = 0;
	while (i < len) {
		int64_t c = utf8_next(s, len, &i);
		if (c < 0)
			return wb_error_set(err, WB_EINVAL, 422, "NAME_UTF8",
					    "姓名不是有效的 UTF-8", "the name is not valid UTF-8");
		uint32_t v = normal_cp((uint32_t)c);
		if (v == 0 || (v == HANZI_DOT && (n == 0 || out[n - 1] == HANZI_DOT)))
			continue;
		if (n == HANZI_NAME_MAX)
			return wb_error_set(err, WB_ETOOBIG, 422, "NAME_TOO_LONG", "姓名过长",
					    "the name is too long");
		out[n++] = v;
	}
	if (n > 0 && out[n - 1] == HANZI_DOT)
		n--;
	return n;
}

int hanzi_normalize(char out[HANZI_NAME_BYTES], const char *in, struct wb_error *err)
{
	uint32_t cps[HANZI_NAME_MAX];
	int n = hanzi_normalize_cps(cps, in, strlen(in), err);
	size_t o = 0;
	for (int i = 0; i < n; i++)
		o += hanzi_utf8_put(out + o, cps[i]);
	out[o] = '\0';
	return n;
}

int hanzi_pinyin(char *out, size_t cap, const char *name, struct wb_error *err)
{
	uint32_t cps[HANZI_NAME_MAX];
	int n = hanzi_normalize_cps(cps, name, strlen(name), err);
	if (cap > 0)
		out[0] = '\0';
	if (n < 0)
		return n;
	size_t o = 0;
	/* Syllable of the previous code point: runs of other characters stay together. */
	int prev = -1;
	for (int i = 0; i < n; i++) {
		char tmp[8];
		int syl = hanzi_syllable(cps[i]);
		const char *t = tmp;
		if (syl >= 0)
			t = hanzi_syllables[syl];
		else
			tmp[hanzi_utf8_put(tmp, cps[i])] = '\0';
		size_t tl = strlen(t), sep = o > 0 && (syl >= 0 || prev >= 0) ? 1 : 0;
		prev = syl;
		if (o + sep + tl + 1 > cap)
			return wb_error_set(err, WB_ETOOBIG, 500, "PINYIN_BUFFER", "拼音缓冲区不足",
					    "pinyin buffer too small");
		if (sep)
			out[o++] = ' ';
		memcpy(out + o, t, tl);
		o += tl;
		out[o] = '\0';
	}
	return (int)o;
}
