/* utf8 -- keeping texts valid UTF-8 (see utf8.h). */
#include "core/utf8.h"

#include <stdio.h>

/* Bytes of the sequence that the lead byte c starts (0: not a lead byte), and the range
 * of its second byte, which rules out overlongs, surrogates and past U+10FFFF. */
static size_t lead(unsigned c, unsigned *lo, unsigned *hi)
{
	*lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
	*hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
	return c >= 0xC2 && c <= 0xDF	? 2
	       : c >= 0xE0 && c <= 0xEF ? 3
	       : c >= 0xF0 && c <= 0xF4 ? 4
					: 0;
}

size_t utf8_seq_len(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned lo, hi;
	if (u[0] < 0x80)
		return 1;
	size_t n = lead(u[0], &lo, &hi);
	if (!n || u[1] < lo || u[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((u[i] & 0xC0) != 0x80)
			return 0;
	return n;
}

/* At s the start of a valid sequence that the end of the text cut short. */
static int cut_at_end(const unsigned char *s)
{
	unsigned lo, hi;
	size_t n = lead(s[0], &lo, &hi), i = 1;
	if (!n || (s[1] && (s[1] < lo || s[1] > hi)))
		return 0;
	while (i < n && (s[i] & 0xC0) == 0x80)
		i++;
	return i < n && s[i] == 0;
}

void utf8_scrub(char *s)
{
	unsigned char *p = (unsigned char *)s;
	while (*p) {
		size_t n = utf8_seq_len((const char *)p);
		if (n) {
			p += n;
		} else if (cut_at_end(p)) {
			*p = 0;
		} else {
			*p++ = '?';
		}
	}
}

void utf8_copy(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
	utf8_scrub(dst);
}
