/*
 * xalloc -- allocation that cannot fail.
 *
 * Out of memory is not a recoverable condition for weibao: every external input is
 * size-capped before it is buffered, so running out of memory means the machine is
 * broken. These wrappers abort with a message instead of returning NULL.
 */
#ifndef WB_XALLOC_H
#define WB_XALLOC_H
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
/* Like xcalloc, for a big table probed at random (hash maps of millions of slots): from
 * 8 MiB on, aligned to and backed by 2 MiB pages where the kernel has them (transparent
 * huge pages on madvise), which spares a TLB miss on most probes. Freed with free(). */
void *xcalloc_huge(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
