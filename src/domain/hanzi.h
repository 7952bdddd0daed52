/*
 * hanzi -- Chinese names for comparison: normalisation, traditional -> simplified, pinyin.
 *
 * A name is normalised code point by code point (so the result never depends on context):
 *   - strict UTF-8 decoding (overlong forms, surrogates and values past U+10FFFF are errors);
 *   - white space of every kind (ASCII, NBSP, U+3000 ideographic space, zero-width) and
 *     control characters are dropped: "张 伟" and "张伟" are one name;
 *   - full-width ASCII (U+FF01..U+FF5E) becomes ASCII, ASCII letters are lower-cased;
 *   - the middle dot of minority names in all its look-alikes (· • ‧ ・ ･ ∙ ⋅ and ASCII '.')
 *     becomes U+00B7, repeated dots collapse to one and dots at either end are dropped;
 *   - CJK compatibility ideographs and Kangxi radicals become unified ideographs (NFC/NFKC);
 *   - traditional characters become simplified (Unihan kSimplifiedVariant: 張 -> 张).
 * Pinyin is toneless, one syllable per ideograph (Unihan kMandarin, first reading), ü as
 * "v". The tables are generated at build time from Debian's unicode-data package
 * (tools/hanzi2c.sh, data/SOURCES.md). Pure functions, no allocation, thread-safe.
 */
#ifndef WB_HANZI_H
#define WB_HANZI_H
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Longest name, in code points after normalisation; longer names are an error. */
#define HANZI_NAME_MAX	 48
/* Bytes that hold any normalised name as UTF-8, with its NUL. */
#define HANZI_NAME_BYTES (HANZI_NAME_MAX * 4 + 1)
#define HANZI_DOT	 0x00B7u

/*
 * Normalise `len` bytes of UTF-8 into at most HANZI_NAME_MAX code points in out. Returns
 * the number of code points (0 for a name that is only spaces), or WB_EINVAL (NAME_UTF8)
 * for invalid UTF-8, WB_ETOOBIG (NAME_TOO_LONG) past HANZI_NAME_MAX.
 */
int hanzi_normalize_cps(uint32_t out[HANZI_NAME_MAX], const char *in, size_t len,
			struct wb_error *err);

/* The same, as a NUL-terminated UTF-8 string in out (HANZI_NAME_BYTES). Returns the
 * number of code points or the errors above. */
int hanzi_normalize(char out[HANZI_NAME_BYTES], const char *in, struct wb_error *err);

/* Compatibility folding then traditional -> simplified of one code point (itself if none). */
uint32_t hanzi_simplify(uint32_t cp);

/* A traditional form that simplifies to cp, or 0 (for test data generators). */
uint32_t hanzi_traditional(uint32_t cp);

/* Toneless pinyin syllable id of an ideograph, or -1 when it has no Mandarin reading. */
int hanzi_syllable(uint32_t cp);
/* Text of a syllable id ("zhang"); "" for an id out of range. */
const char *hanzi_syllable_text(int syl);

/*
 * Pinyin of a name: normalised, then each ideograph's syllable, separated by spaces
 * ("張偉" -> "zhang wei"); other characters are copied as UTF-8. Returns the length written
 * (out is always NUL-terminated when cap > 0) or the errors of hanzi_normalize_cps, and
 * WB_ETOOBIG when cap is too small.
 */
int hanzi_pinyin(char *out, size_t cap, const char *name, struct wb_error *err);

/* UTF-8 encoding of one code point into out (4 bytes room); returns the bytes written. */
size_t hanzi_utf8_put(char *out, uint32_t cp);

#endif
