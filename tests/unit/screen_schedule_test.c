/* screen_schedule_test -- when the screening worker screens everyone again: at start
 * (never screened, another month, another rule version) and at the turn of a month, with
 * the retry after a failed screen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "screen/schedule.h"

static void at_start(void **state)
{
	(void)state;
	assert_int_equal(screen_due_at_start("", 0, 1, "2026-12-01"), SCREEN_DUE_INITIAL);
	assert_int_equal(screen_due_at_start("2026-12", 1, 1, "2026-12-31"), SCREEN_NOT_DUE);
	/* the month turned while the server was down */
	assert_int_equal(screen_due_at_start("2026-11", 1, 1, "2026-12-01"), SCREEN_DUE_MONTHLY);
	/* and the year */
	assert_int_equal(screen_due_at_start("2026-12", 1, 1, "2027-01-01"), SCREEN_DUE_MONTHLY);
	/* a rule set published by another process since the last screen */
	assert_int_equal(screen_due_at_start("2026-12", 1, 2, "2026-12-15"), SCREEN_DUE_MONTHLY);
}

static void at_the_turn_of_a_month(void **state)
{
	(void)state;
	const int64_t now = 1000000;
	/* screened this month: nothing to do, up to the last day */
	assert_false(screen_due_monthly("2026-11", "2026-11-30", now, 0));
	/* the first poll of December screens again */
	assert_true(screen_due_monthly("2026-11", "2026-12-01", now, 0));
	/* after a failure, not before the retry time; then again */
	assert_false(screen_due_monthly("2026-11", "2026-12-01", now, now + 600));
	assert_true(screen_due_monthly("2026-11", "2026-12-01", now + 600, now + 600));
	/* the start-up screen failed: the next month's poll (or the retry) tries again */
	assert_true(screen_due_monthly("none", "2026-12-01", now, 0));
	/* before the start-up check has run, never */
	assert_false(screen_due_monthly("", "2026-12-01", now, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(at_start),
		cmocka_unit_test(at_the_turn_of_a_month),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
