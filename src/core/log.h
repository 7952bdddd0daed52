/*
 * log -- one-line diagnostics on stderr with a UTC timestamp and a level.
 * Never log a person's name, ID number or other personal data: log ids instead.
 */
#ifndef WB_LOG_H
#define WB_LOG_H

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_set_quiet(int quiet);

#endif
