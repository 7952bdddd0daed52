/*
 * buf -- a growable byte buffer with a ceiling.
 *
 * Every buffer that holds external input has a maximum size; appending past it fails
 * with WB_ETOOBIG (HTTP 413) and leaves the buffer as it was. The data is always
 * NUL-terminated so it can be used as a C string. A buf owns its data; buf_release
 * frees it, buf_detach hands it to the caller.
 */
#ifndef WB_BUF_H
#define WB_BUF_H
#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max; /* ceiling on len; 0 means "no ceiling" (internal data only) */
};

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
void buf_clear(struct buf *b);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_appends(struct buf *b, const char *s);
int buf_appendf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vappendf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
char *buf_detach(struct buf *b);

#endif
