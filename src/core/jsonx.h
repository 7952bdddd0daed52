/*
 * jsonx -- small JSON helpers on top of jansson.
 */
#ifndef WB_JSONX_H
#define WB_JSONX_H
#include <jansson.h>
#include <stddef.h>

struct buf;

/* Append s as a quoted JSON string (escaping quotes, backslashes, control characters). */
int jsonx_quote(struct buf *b, const char *s);
/* Append v as compact JSON, the text json_dumps(v, JSON_COMPACT) gives (keys in
 * insertion order, non-ASCII as UTF-8), several times faster. 0, or non-zero when b's
 * ceiling was reached or v nests deeper than 64. */
int jsonx_dump(struct buf *b, const json_t *v);
/* Count UTF-8 code points (s must be valid UTF-8). */
size_t jsonx_utf8_len(const char *s);

/* Deepest nesting of [ and { outside strings in a JSON text (no validation: a cheap
 * guard run before parsing). */
int jsonx_depth(const char *s, size_t n);

#endif
