/*
 * utf8 -- keeping texts valid UTF-8. A message cut to its buffer by snprintf, a sheet or
 * file name from an upload, may end inside a character or hold bytes that are not UTF-8;
 * jansson refuses such a string (json_pack fails, and a reply loses its error object).
 */
#ifndef WB_UTF8_H
#define WB_UTF8_H
#include <stddef.h>

/* Bytes of the valid UTF-8 sequence at s (1–4), or 0 (a stray or overlong byte, a
 * surrogate, past U+10FFFF, a sequence cut short). s is NUL-terminated. */
size_t utf8_seq_len(const char *s);

/* In place: a character cut off at the end is dropped, every other byte that is not part
 * of a valid sequence becomes '?'. The text never grows. */
void utf8_scrub(char *s);

/* src (NULL: "") into dst of cap bytes, cut at a character's edge and scrubbed. */
void utf8_copy(char *dst, size_t cap, const char *src);

#endif
