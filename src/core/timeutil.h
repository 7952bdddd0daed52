/*
 * timeutil -- calendar dates and timestamps.
 *
 * Dates are handled as civil days since 1970-01-01 (proleptic Gregorian), which makes
 * ages and durations plain integer arithmetic. Text form is always ISO "YYYY-MM-DD";
 * timestamps are ISO 8601 UTC ("2026-11-24T10:00:00Z").
 */
#ifndef WB_TIMEUTIL_H
#define WB_TIMEUTIL_H
#include <stdint.h>

/* Days since 1970-01-01 of a valid y-m-d; the caller checks validity first. */
int64_t date_days(int y, int m, int d);
void date_from_days(int64_t days, int *y, int *m, int *d);
int date_valid(int y, int m, int d);

/* Parse exactly "YYYY-MM-DD" (also accepts "YYYYMMDD"); 0 on success. */
int date_parse(const char *s, int64_t *days);
/* Write "YYYY-MM-DD" into out (11 bytes). */
void date_format(int64_t days, char out[11]);
/* Today's date (UTC+8, China Standard Time: the date officials see). */
int64_t date_today(void);
/* Completed years of age at date `at` for a birth date. */
int date_age(int64_t birth, int64_t at);

int64_t time_now(void);	   /* Unix seconds */
int64_t time_now_ms(void); /* Unix milliseconds */
double time_mono(void);	   /* seconds on a monotonic clock: for durations */
void time_format(int64_t unix_seconds, char out[21]);

#endif
