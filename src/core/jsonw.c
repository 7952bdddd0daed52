/* jsonw -- streaming JSON writer (see jsonw.h). */
#include "core/jsonw.h"

#include <string.h>

#include "core/jsonx.h"
#include "core/num.h"

void jw_init(struct jsonw *w, struct buf *b)
{
	memset(w, 0, sizeof(*w));
	w->b = b;
}

int jw_failed(const struct jsonw *w)
{
	return w->failed || w->depth != 0;
}

static void put(struct jsonw *w, const char *s, size_t n)
{
	if (!w->failed && buf_append(w->b, s, n))
		w->failed = 1;
}

/* Before a value or a key: a comma unless it is the first in its container or the
 * value of the key just written. State per level: 0 empty, 1 has members, 2 after a key. */
static void before_value(struct jsonw *w)
{
	if (w->depth == 0)
		return;
	unsigned char *state = &w->state[w->depth - 1];
	if (*state == 1)
		put(w, ",", 1);
	*state = 1;
}

static void push(struct jsonw *w, const char *c)
{
	before_value(w);
	put(w, c, 1);
	if (w->depth >= JSONW_DEPTH) {
		w->failed = 1;
		return;
	}
	w->state[w->depth++] = 0;
}

static void pop(struct jsonw *w, const char *c)
{
	if (w->depth == 0) {
		w->failed = 1;
		return;
	}
	w->depth--;
	put(w, c, 1);
}

void jw_obj(struct jsonw *w)
{
	push(w, "{");
}

void jw_obj_end(struct jsonw *w)
{
	pop(w, "}");
}

void jw_arr(struct jsonw *w)
{
	push(w, "[");
}

void jw_arr_end(struct jsonw *w)
{
	pop(w, "]");
}

void jw_null(struct jsonw *w)
{
	before_value(w);
	put(w, "null", 4);
}

void jw_str(struct jsonw *w, const char *s)
{
	if (!s) {
		jw_null(w);
		return;
	}
	before_value(w);
	if (!w->failed && jsonx_quote(w->b, s))
		w->failed = 1;
}

void jw_int(struct jsonw *w, int64_t v)
{
	char num[NUM_TEXT_MAX];
	size_t n = num_i64(num, v);
	before_value(w);
	put(w, num, n);
}

void jw_bool(struct jsonw *w, int v)
{
	before_value(w);
	if (v)
		put(w, "true", 4);
	else
		put(w, "false", 5);
}

void jw_key(struct jsonw *w, const char *key)
{
	if (w->depth == 0) {
		w->failed = 1;
		return;
	}
	before_value(w);
	if (!w->failed && jsonx_quote(w->b, key))
		w->failed = 1;
	put(w, ":", 1);
	w->state[w->depth - 1] = 2;
}

void jw_kstr(struct jsonw *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_str(w, s);
}

void jw_kstr_or_null(struct jsonw *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_str(w, s && *s ? s : NULL);
}

void jw_kint(struct jsonw *w, const char *key, int64_t v)
{
	jw_key(w, key);
	jw_int(w, v);
}

void jw_kid_or_null(struct jsonw *w, const char *key, int64_t id)
{
	jw_key(w, key);
	if (id)
		jw_int(w, id);
	else
		jw_null(w);
}

void jw_kbool(struct jsonw *w, const char *key, int v)
{
	jw_key(w, key);
	jw_bool(w, v);
}

void jw_knull(struct jsonw *w, const char *key)
{
	jw_key(w, key);
	jw_null(w);
}
