/*
 * jsonw -- a streaming JSON writer into a buf.
 *
 * For hot responses (a person read, a list page) building a jansson tree, dumping it and
 * freeing it was two fifths of the request (callgrind: ~130 000 of ~290 000 instructions
 * per person read). The writer appends the compact text directly, in the order the
 * calls come, with the same escaping as jsonx_dump. Commas are placed by the writer.
 * Errors (the buf's ceiling, nesting past JSONW_DEPTH) are sticky: check jw_failed()
 * once at the end.
 */
#ifndef WB_JSONW_H
#define WB_JSONW_H
#include <stdint.h>

#include "core/buf.h"

#define JSONW_DEPTH 16

struct jsonw {
	struct buf *b;
	int depth;
	int failed;
	unsigned char state[JSONW_DEPTH]; /* per level: 0 empty, 1 has members, 2 after a key */
};

void jw_init(struct jsonw *w, struct buf *b);
int jw_failed(const struct jsonw *w);

void jw_obj(struct jsonw *w);	  /* { as a value */
void jw_obj_end(struct jsonw *w); /* } */
void jw_arr(struct jsonw *w);	  /* [ as a value */
void jw_arr_end(struct jsonw *w); /* ] */

/* Values (inside an array, or after jw_key). */
void jw_str(struct jsonw *w, const char *s); /* NULL writes null */
void jw_int(struct jsonw *w, int64_t v);
void jw_bool(struct jsonw *w, int v);
void jw_null(struct jsonw *w);

/* Members of an object: the key, then its value. */
void jw_key(struct jsonw *w, const char *key);
void jw_kstr(struct jsonw *w, const char *key, const char *s);
/* NULL or "" writes null. */
void jw_kstr_or_null(struct jsonw *w, const char *key, const char *s);
void jw_kint(struct jsonw *w, const char *key, int64_t v);
/* 0 writes null (for optional references). */
void jw_kid_or_null(struct jsonw *w, const char *key, int64_t id);
void jw_kbool(struct jsonw *w, const char *key, int v);
void jw_knull(struct jsonw *w, const char *key);

#endif
