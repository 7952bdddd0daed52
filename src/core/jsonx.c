/* jsonx -- JSON helpers (see jsonx.h). */
#include "core/jsonx.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/num.h"

/* The two-character escapes jansson writes; 0 for \\u00XX. */
static char short_escape(unsigned char c)
{
	switch (c) {
	case '"': return '"';
	case '\\': return '\\';
	case '\b': return 'b';
	case '\f': return 'f';
	case '\n': return 'n';
	case '\r': return 'r';
	case '\t': return 't';
	default: return 0;
	}
}

/* Runs of bytes that need no escape are appended whole: the profile of a person read
 * showed jansson's byte-at-a-time dumper as a quarter of the request. */
static int quote_n(struct buf *b, const char *s, size_t n)
{
	int rc = buf_append(b, "\"", 1);
	size_t run = 0;
	for (size_t i = 0; !rc && i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c != '"' && c != '\\' && c >= 0x20)
			continue;
		char esc[8];
		rc = buf_append(b, s + run, i - run);
		char two = short_escape(c);
		if (two) {
			esc[0] = '\\';
			esc[1] = two;
			rc = rc ? rc : buf_append(b, esc, 2);
		} else {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			rc = rc ? rc : buf_append(b, esc, 6);
		}
		run = i + 1;
	}
	if (!rc)
		rc = buf_append(b, s + run, n - run);
	return rc ? rc : buf_append(b, "\"", 1);
}

int jsonx_quote(struct buf *b, const char *s)
{
	return quote_n(b, s, strlen(s));
}

static int dump_int(struct buf *b, json_int_t v)
{
	char num[NUM_TEXT_MAX];
	size_t n = num_i64(num, (int64_t)v);
	return buf_append(b, num, n);
}

static int dump_real(struct buf *b, double d)
{
	char num[40];
	int n = snprintf(num, sizeof(num), "%.17g", d);
	char *e = strchr(num, 'e');
	if (e) { /* as jansson: "1e300", not "1e+300"; "1e-05" becomes "1e-5" */
		char *from = e + 1, *to = e + 1;
		if (*from == '+')
			from++;
		else if (*from == '-')
			*to++ = *from++;
		while (*from == '0' && from[1])
			from++;
		memmove(to, from, strlen(from) + 1);
	} else if (!strchr(num, '.') && n < 36) { /* a real always looks like one */
		memcpy(num + n, ".0", 3);
	}
	return buf_appends(b, num);
}

static int dump_value(struct buf *b, const json_t *v, int depth);

static int dump_object(struct buf *b, const json_t *v, int depth)
{
	const char *key;
	json_t *val;
	int rc = buf_append(b, "{", 1), first = 1;
	json_object_foreach ((json_t *)v, key, val) {
		if (rc)
			break;
		if (!first)
			rc = buf_append(b, ",", 1);
		first = 0;
		rc = rc ? rc : jsonx_quote(b, key);
		rc = rc ? rc : buf_append(b, ":", 1);
		rc = rc ? rc : dump_value(b, val, depth + 1);
	}
	return rc ? rc : buf_append(b, "}", 1);
}

static int dump_array(struct buf *b, const json_t *v, int depth)
{
	int rc = buf_append(b, "[", 1);
	for (size_t i = 0; !rc && i < json_array_size(v); i++) {
		if (i)
			rc = buf_append(b, ",", 1);
		rc = rc ? rc : dump_value(b, json_array_get(v, i), depth + 1);
	}
	return rc ? rc : buf_append(b, "]", 1);
}

static int dump_value(struct buf *b, const json_t *v, int depth)
{
	if (depth > 64)
		return -1;
	switch (json_typeof(v)) {
	case JSON_OBJECT: return dump_object(b, v, depth);
	case JSON_ARRAY: return dump_array(b, v, depth);
	case JSON_STRING: return quote_n(b, json_string_value(v), json_string_length(v));
	case JSON_INTEGER: return dump_int(b, json_integer_value(v));
	case JSON_REAL: return dump_real(b, json_real_value(v));
	case JSON_TRUE: return buf_appends(b, "true");
	case JSON_FALSE: return buf_appends(b, "false");
	default: return buf_appends(b, "null");
	}
}

int jsonx_dump(struct buf *b, const json_t *v)
{
	return v ? dump_value(b, v, 0) : -1;
}

size_t jsonx_utf8_len(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

int jsonx_depth(const char *s, size_t n)
{
	int depth = 0, max = 0, in_str = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
		} else if (c == '"') {
			in_str = 1;
		} else if (c == '{' || c == '[') {
			if (++depth > max)
				max = depth;
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	return max;
}
