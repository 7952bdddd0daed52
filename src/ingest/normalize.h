/*
 * normalize -- the values of department extracts as clerks type them, made canonical.
 *
 * Dates come as 2010-03-05, 2010/3/5, 2010.3.5, 20100305, 2010年3月5日 or 2010-03 (the
 * first of the month, for start and end dates only); genders as 男/女, 男性/女性, M/F, 1/2;
 * text with blanks and ideographic spaces around it. Pure functions, no I/O.
 */
#ifndef WB_NORMALIZE_H
#define WB_NORMALIZE_H
#include <stddef.h>

/* Canonical YYYY-MM-DD into out. 0, or -1 when not a valid date. allow_month accepts a
 * year and month alone (as the first day of the month). */
int norm_date(char out[11], const char *in, int allow_month);
/* 'M', 'F', 0 for empty or unknown ("未知", "未说明"), or -1 when unrecognised. */
int norm_gender(const char *in);
/* Copy in without leading/trailing blanks (ASCII and U+3000) into out (cap bytes).
 * Returns the length, or -1 when it does not fit. */
int norm_trim(char *out, size_t cap, const char *in);
/* Mobile or landline digits only ("138-0013-8000" → "13800138000"); -1 when the text has
 * letters or the wrong number of digits (7–12, or 11 starting with 1 for mobiles). */
int norm_phone(char out[24], const char *in);

#endif
