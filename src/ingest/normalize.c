/* normalize -- canonical dates, genders, text and phone numbers (see normalize.h). */
#include "ingest/normalize.h"

#include <stdio.h>
#include <string.h>

#include "core/timeutil.h"

static int is_blank_at(const char *s, size_t *len)
{
	if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') {
		*len = 1;
		return 1;
	}
	if (!strncmp(s, "\xe3\x80\x80", 3)) { /* U+3000 ideographic space */
		*len = 3;
		return 1;
	}
	return 0;
}

int norm_trim(char *out, size_t cap, const char *in)
{
	size_t k;
	while (*in && is_blank_at(in, &k))
		in += k;
	size_t n = strlen(in);
	for (;;) {
		if (n && (in[n - 1] == ' ' || in[n - 1] == '\t' || in[n - 1] == '\r' ||
			  in[n - 1] == '\n'))
			n--;
		else if (n >= 3 && !strncmp(in + n - 3, "\xe3\x80\x80", 3))
			n -= 3;
		else
			break;
	}
	if (n + 1 > cap)
		return -1;
	memcpy(out, in, n);
	out[n] = 0;
	return (int)n;
}

/* Read up to max digits; returns the count read. */
static int digits(const char **p, int max, int *v)
{
	int n = 0;
	*v = 0;
	while (n < max && **p >= '0' && **p <= '9') {
		*v = *v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	return n;
}

/* A separator between date parts: - / . or 年 / 月 (3 bytes each in UTF-8). */
static int separator(const char **p)
{
	if (**p == '-' || **p == '/' || **p == '.') {
		(*p)++;
		return 1;
	}
	if (!strncmp(*p, "年", 3) || !strncmp(*p, "月", 3)) {
		*p += 3;
		return 1;
	}
	return 0;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int norm_date(char out[11], const char *in, int allow_month)
{
	char t[40];
	/* YYYY-MM-DD as most extracts write it: what the general path below makes of it,
	 * without the copy and the scanning */
	if (is_digit(in[0]) && is_digit(in[1]) && is_digit(in[2]) && is_digit(in[3]) &&
	    in[4] == '-' && is_digit(in[5]) && is_digit(in[6]) && in[7] == '-' && is_digit(in[8]) &&
	    is_digit(in[9]) && !in[10]) {
		int y = (in[0] - '0') * 1000 + (in[1] - '0') * 100 + (in[2] - '0') * 10 +
			(in[3] - '0');
		int m = (in[5] - '0') * 10 + (in[6] - '0'), d = (in[8] - '0') * 10 + (in[9] - '0');
		if (y < 1900 || y > 2100 || !date_valid(y, m, d))
			return -1;
		memcpy(out, in, 11);
		return 0;
	}
	if (norm_trim(t, sizeof(t), in) <= 0)
		return -1;
	const char *p = t;
	int y, m, d = 1, n;
	n = digits(&p, 8, &y);
	if (n == 8 && !*p) { /* 20100305 */
		d = y % 100;
		m = y / 100 % 100;
		y /= 10000;
	} else if (n == 6 && !*p && allow_month) { /* 201003 */
		m = y % 100;
		y /= 100;
	} else if (n == 5 && !*p && y >= 10000 && y <= 73050) {
		/* an Excel day number (a date cell formatted as General, or saved so to CSV):
		 * days since 1899-12-30, 10000 to 73050 being 1927 to 2099; no other date is
		 * written with five digits */
		date_from_days((int64_t)y - 25569, &y, &m, &d);
	} else {
		if (n != 4 || !separator(&p) || digits(&p, 2, &m) == 0)
			return -1;
		int has_day = separator(&p) && *p;
		if (has_day) {
			if (digits(&p, 2, &d) == 0)
				return -1;
			if (!strncmp(p, "日", 3) || !strncmp(p, "号", 3)) /* 12日, 12号 as said */
				p += 3;
		} else if (!allow_month) {
			return -1;
		}
		/* "2010-03-05 00:00:00" as some exports write it, "2010-03-05T00:00:00Z" or with
		 * an offset (+08:00) as XLSX date cells and JSON do. A local time (an offset, or
		 * none) is on the date written; a UTC time other than midnight may be on the next
		 * day in China, and is refused rather than read a day off. */
		if (*p == ' ' || *p == 'T') {
			int utc = 0, clock = 0;
			while (*++p) {
				if (!(*p >= '0' && *p <= '9') && !strchr(":.+-Z", *p))
					return -1;
				utc |= *p == 'Z';
				clock |= *p >= '1' && *p <= '9' && !utc;
			}
			if (utc && clock)
				return -1;
		}
		if (*p)
			return -1;
	}
	if (y < 1900 || y > 2100 || !date_valid(y, m, d))
		return -1;
	/* By hand, not snprintf: a fifth of the reading thread's time went to it. */
	const int v[3] = {y, m, d}, width[3] = {4, 2, 2};
	char *o = out;
	for (int i = 0; i < 3; i++) {
		for (int k = width[i] - 1, x = v[i]; k >= 0; k--, x /= 10)
			o[k] = (char)('0' + x % 10);
		o += width[i];
		if (i < 2)
			*o++ = '-';
	}
	*o = 0;
	return 0;
}

int norm_gender(const char *in)
{
	static const char *const male[] = {"男", "男性", "M", "m", "1", "male", "Male"};
	static const char *const female[] = {"女", "女性", "F", "f", "2", "female", "Female"};
	static const char *const unknown[] = {"", "未知", "未说明", "未知的性别", "0", "9"};
	char t[32];
	/* the usual cells first, without a copy: 男 (E7 94 B7), 女 (E5 A5 B3) and "" */
	const unsigned char *u = (const unsigned char *)in;
	if (u[0] == 0xe7 && u[1] == 0x94 && u[2] == 0xb7 && !u[3])
		return 'M';
	if (u[0] == 0xe5 && u[1] == 0xa5 && u[2] == 0xb3 && !u[3])
		return 'F';
	if (!u[0])
		return 0;
	if (norm_trim(t, sizeof(t), in) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(male) / sizeof(male[0]); i++)
		if (!strcmp(t, male[i]))
			return 'M';
	for (size_t i = 0; i < sizeof(female) / sizeof(female[0]); i++)
		if (!strcmp(t, female[i]))
			return 'F';
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		if (!strcmp(t, unknown[i]))
			return 0;
	return -1;
}

int norm_phone(char out[24], const char *in)
{
	int n = 0;
	for (const char *p = in; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			if (n == 23)
				return -1;
			out[n++] = *p;
		} else if (*p != ' ' && *p != '-' && *p != '(' && *p != ')' && *p != '+') {
			return -1;
		}
	}
	out[n] = 0;
	if (n == 13 && !strncmp(out, "86", 2)) { /* +86 138… */
		memmove(out, out + 2, 12);
		n = 11;
	}
	if (n < 7 || n > 12 || (n == 11 && out[0] != '1' && out[0] != '0'))
		return -1;
	return 0;
}
