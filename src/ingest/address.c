/* address -- region codes from address texts (see address.h). */
#include "ingest/address.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

void address_index_init(struct address_index *ix, const char *root)
{
	memset(ix, 0, sizeof(*ix));
	snprintf(ix->root, sizeof(ix->root), "%s", root);
}

void address_index_add(struct address_index *ix, const char *code, const char *name,
		       const char *parent, int level)
{
	if (ix->n == ix->cap) {
		ix->cap = ix->cap ? ix->cap * 2 : 512;
		ix->r = xrealloc(ix->r, ix->cap * sizeof(*ix->r));
	}
	struct address_region *r = &ix->r[ix->n++];
	memset(r, 0, sizeof(*r));
	snprintf(r->code, sizeof(r->code), "%s", code);
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->parent, sizeof(r->parent), "%s", parent ? parent : "");
	r->level = level;
}

static int by_code(const void *a, const void *b)
{
	return strcmp(((const struct address_region *)a)->code,
		      ((const struct address_region *)b)->code);
}

void address_index_done(struct address_index *ix)
{
	qsort(ix->r, ix->n, sizeof(*ix->r), by_code);
}

void address_index_release(struct address_index *ix)
{
	free(ix->r);
	memset(ix, 0, sizeof(*ix));
}

static const struct address_region *find_code(const struct address_index *ix, const char *code)
{
	/* By hand, not bsearch on a copied key: this runs for every row of an import. */
	size_t lo = 0, hi = ix->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(ix->r[mid].code, code);
		if (c == 0)
			return &ix->r[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Length in bytes of the name without its administrative suffix, or 0 when the short
 * form would be too short to be telling (under two characters). */
static size_t short_len(const char *name)
{
	static const char *const suffixes[] = {
		"街道办事处", "村民委员会", "居民委员会", "社区居委会", "居委会", "村委会",
		"街道",	      "社区",	    "乡",	  "镇",		"村",	  "居"};
	size_t n = strlen(name);
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t k = strlen(suffixes[i]);
		if (n > k && !strcmp(name + n - k, suffixes[i]))
			return n - k >= 6 ? n - k : 0;
	}
	return 0;
}

/* A township's short name inside a village's name ("木叶" in "木叶村") names the village,
 * not the township. */
static int village_follows(const char *after)
{
	return !strncmp(after, "村", 3) || !strncmp(after, "社区", 6) || !strncmp(after, "居委", 6);
}

/* How well text names r: the matched length (full name preferred), 0 when not at all. */
static size_t names(const char *text, const struct address_region *r, const char **after)
{
	const char *at = strstr(text, r->name);
	if (at) {
		*after = at + strlen(r->name);
		return strlen(r->name) + 1000;
	}
	size_t k = short_len(r->name);
	if (!k)
		return 0;
	char s[128];
	memcpy(s, r->name, k);
	s[k] = 0;
	for (at = strstr(text, s); at; at = strstr(at + 1, s)) {
		if (r->level == REGION_TOWNSHIP && village_follows(at + k))
			continue;
		*after = at + k;
		return k;
	}
	return 0;
}

static const struct address_region *best_child(const struct address_index *ix, const char *parent,
					       int level, const char *text, const char **after,
					       int *ambiguous)
{
	const struct address_region *best = NULL;
	size_t best_len = 0;
	*ambiguous = 0;
	for (size_t i = 0; i < ix->n; i++) {
		const struct address_region *r = &ix->r[i];
		if (r->level != level || (parent && strcmp(r->parent, parent)))
			continue;
		const char *a;
		size_t len = names(text, r, &a);
		if (!len)
			continue;
		if (len > best_len) {
			best = r, best_len = len, *after = a, *ambiguous = 0;
		} else if (len == best_len) {
			*ambiguous = 1;
		}
	}
	return best;
}

static const char *by_digits(const struct address_index *ix, const char *text)
{
	char code[REGION_CODE_MAX + 1];
	size_t n = strspn(text, "0123456789");
	if (n < 6 || n > 12 || text[n])
		return NULL;
	if (region_code_normalize(code, text, NULL))
		return NULL;
	const struct address_region *r = find_code(ix, code);
	return r ? r->code : NULL;
}

const char *address_match(const struct address_index *ix, const char *text)
{
	const char *after = text, *c = by_digits(ix, text);
	int amb;
	if (c || !*text)
		return c;
	const struct address_region *town =
		best_child(ix, NULL, REGION_TOWNSHIP, text, &after, &amb);
	if (town && !amb) {
		const char *a2;
		const struct address_region *v =
			best_child(ix, town->code, REGION_VILLAGE, after, &a2, &amb);
		return v && !amb ? v->code : town->code;
	}
	const struct address_region *v = best_child(ix, NULL, REGION_VILLAGE, text, &after, &amb);
	if (v && !amb)
		return v->code;
	const struct address_region *root = find_code(ix, ix->root);
	if (root && names(text, root, &after))
		return root->code;
	return NULL;
}
