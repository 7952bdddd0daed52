/*
 * screen/schedule -- when the screening worker screens everyone again (每月动态排查):
 * the decisions of worker.c as pure functions, so that the turn of a month, a new rule
 * version and the retry after a failure are tested without waiting for a calendar.
 */
#ifndef WB_SCREEN_SCHEDULE_H
#define WB_SCREEN_SCHEDULE_H
#include <stdint.h>

enum screen_due { SCREEN_NOT_DUE, SCREEN_DUE_INITIAL, SCREEN_DUE_MONTHLY };

/* At start. last_month: "YYYY-MM" of the last stored full screen, "" when there was
 * none; last_version: its rule version; current_version: the published one; today:
 * "YYYY-MM-DD". Due when never screened (initial), or not this month or under another
 * rule version (monthly). */
enum screen_due screen_due_at_start(const char *last_month, int64_t last_version,
				    int64_t current_version, const char *today);

/* While running. screened: "YYYY-MM" of the last full screen this process knows of
 * ("none" when the start-up screen failed, "" before the start-up check); due when
 * that month is not today's and the retry time (now >= retry_at) has come. */
int screen_due_monthly(const char *screened, const char *today, int64_t now, int64_t retry_at);

#endif
