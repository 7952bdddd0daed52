/*
 * banned.h -- libc functions that are easy to misuse are compile errors here.
 *
 * Included (via the compiler's -include flag) into every translation unit of the
 * project, after the system headers have been seen, in the manner of git's banned.h.
 * Use the bounded replacements: buf_appendf / snprintf, strtol with range checks,
 * gmtime_r / localtime_r.
 */
#ifndef WB_BANNED_H
#define WB_BANNED_H

/* The system headers first, so their own definitions are seen before the macros. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) BANNED(strncat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef atoi
#define atoi(x) BANNED(atoi)
#undef atol
#define atol(x) BANNED(atol)
#undef gmtime
#define gmtime(x) BANNED(gmtime)
#undef localtime
#define localtime(x) BANNED(localtime)
#undef gets
#define gets(x) BANNED(gets)

#endif
