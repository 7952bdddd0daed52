/* screen/schedule -- when to screen everyone again (see schedule.h). */
#include "screen/schedule.h"

#include <string.h>

enum screen_due screen_due_at_start(const char *last_month, int64_t last_version,
				    int64_t current_version, const char *today)
{
	if (!last_month[0])
		return SCREEN_DUE_INITIAL;
	if (!strncmp(last_month, today, 7) && last_version == current_version)
		return SCREEN_NOT_DUE;
	return SCREEN_DUE_MONTHLY;
}

int screen_due_monthly(const char *screened, const char *today, int64_t now, int64_t retry_at)
{
	return screened[0] && strncmp(screened, today, 7) != 0 && now >= retry_at;
}
