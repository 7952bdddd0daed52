/*
 * arena -- a request-scoped allocator.
 *
 * Everything a request allocates that does not outlive it comes from its arena, which
 * is released in one call when the request completes (after the response is sent).
 * Allocations are 16-byte aligned. Never free an arena pointer individually.
 */
#ifndef WB_ARENA_H
#define WB_ARENA_H
#include <stddef.h>

struct arena_block;

#define ARENA_INLINE 256

/* The first few hundred bytes come from inside the arena itself (a request's path
 * parameters, typically): most requests then allocate no block at all. */
struct arena {
	struct arena_block *head;
	size_t inline_used;
	_Alignas(16) unsigned char inline_buf[ARENA_INLINE];
};

void arena_init(struct arena *a);
void arena_release(struct arena *a);
void *arena_alloc(struct arena *a, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
