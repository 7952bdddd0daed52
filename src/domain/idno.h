/*
 * idno -- 公民身份号码 (citizen ID numbers), GB 11643-1999.
 *
 * 18 characters: 6-digit region of first registration, 8-digit birth date, 3-digit
 * sequence (odd = male, even = female) and a check character computed with
 * ISO 7064 MOD 11-2 (weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2; remainder 0..10 maps to
 * "10X98765432"). Legacy 15-digit numbers (before 1999) have a 6-digit birth date
 * without the century; they are converted by inserting "19" and adding the check
 * character. Pure functions, no I/O.
 */
#ifndef WB_IDNO_H
#define WB_IDNO_H
#include <stdint.h>

#include "core/err.h"

#define IDNO_LEN 18

/* Check character for the first 17 digits. */
char idno_check_char(const char *first17);

/*
 * Validate and normalise an ID number: trims spaces, upper-cases 'x', converts 15 to
 * 18 digits. Writes the 18-character form (NUL-terminated) to out. On failure returns
 * WB_EINVAL with code ID_FORMAT, ID_CHECKSUM, ID_BIRTH_DATE or ID_REGION.
 */
int idno_normalize(char out[IDNO_LEN + 1], const char *in, struct wb_error *err);

/* Birth date (days since 1970) and gender ('M' or 'F') of a normalised number. */
int64_t idno_birth_days(const char *id18);
/* The birth date of a normalised ID number as YYYY-MM-DD: date_format(idno_birth_days(id18))
 * read straight off its digits (idno_normalize has checked they are a valid date). */
void idno_birth_date(char out[11], const char *id18);
char idno_gender(const char *id18);

/* "500242********123X": first 6 and last 4 kept (RULES.md §6). out: 19 bytes. */
void idno_mask(char out[IDNO_LEN + 1], const char *id18);

/* Phone masking: first 3 and last 4 kept ("138****5678"); out holds strlen(in)+1. */
void phone_mask(char *out, const char *in);

/*
 * Mask the numbers in a free text as it came from a file (a cell of an uploaded row, a
 * reason quoting it): every number of 11 or more digits (ASCII or full-width, an ID
 * number's final X included, with the separators people write inside numbers: spaces,
 * '-', '(', ')', '+', no-break and ideographic spaces) keeps its first 6 digits when it has
 * 15 or more (an ID number), its first 3 otherwise (a phone number), and its last 4; the
 * other digits become '*', the separators stay. Shorter numbers (dates, house numbers) are
 * kept. out holds strlen(in)+1 (a full-width digit, 3 bytes, masks to one '*').
 */
void idno_mask_text(char *out, const char *in);

#endif
