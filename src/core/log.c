/* log -- stderr logging (see log.h). */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static int log_quiet;

void log_set_quiet(int quiet)
{
	log_quiet = quiet;
}

static void log_v(const char *level, const char *fmt, va_list ap)
{
	char stamp[32];
	struct tm tm;
	time_t now = time(NULL);

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	flockfile(stderr);
	fprintf(stderr, "%s %s ", stamp, level);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	funlockfile(stderr);
}

void log_info(const char *fmt, ...)
{
	va_list ap;
	if (log_quiet)
		return;
	va_start(ap, fmt);
	log_v("info", fmt, ap);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_v("warn", fmt, ap);
	va_end(ap);
}

void log_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_v("error", fmt, ap);
	va_end(ap);
}
