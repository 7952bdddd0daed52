/*
 * link -- record linkage for the import pipeline (see link.h).
 *
 * Blocking on the exact name: candidates share the row's name. Each candidate is scored
 * by birth date (same, day and month swapped, a day apart, other), gender and region
 * (same village, same township, other); a unique candidate with the same birth date and
 * no disagreeing field links, near misses go to review.
 */
#include "ingest/link.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "core/xalloc.h"

struct entry {
	uint64_t key;
	int64_t id;
	char birth[11];
	char gender;
	char region[16];
};

struct link_index {
	struct entry *e;
	size_t n, cap;
};

static uint64_t name_key(const char *s)
{
	uint64_t h = 14695981039346656037ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

struct link_index *link_index_new(void)
{
	return xcalloc(1, sizeof(struct link_index));
}

void link_index_add(struct link_index *ix, int64_t id, const char *name, const char *birth_date,
		    char gender, const char *region)
{
	if (ix->n == ix->cap) {
		ix->cap = ix->cap ? ix->cap * 2 : 1024;
		ix->e = xrealloc(ix->e, ix->cap * sizeof(*ix->e));
	}
	struct entry *e = &ix->e[ix->n++];
	e->key = name_key(name);
	e->id = id;
	snprintf(e->birth, sizeof(e->birth), "%s", birth_date ? birth_date : "");
	e->gender = gender;
	snprintf(e->region, sizeof(e->region), "%s", region ? region : "");
}

static int by_key(const void *a, const void *b)
{
	uint64_t x = ((const struct entry *)a)->key, y = ((const struct entry *)b)->key;
	return x < y ? -1 : x > y;
}

void link_index_build(struct link_index *ix)
{
	qsort(ix->e, ix->n, sizeof(*ix->e), by_key);
}

void link_index_free(struct link_index *ix)
{
	if (!ix)
		return;
	free(ix->e);
	free(ix);
}

/* Birth dates: 4 same, 2 day/month swapped or one day apart, 0 unknown, -4 different. */
static int birth_score(const char *a, const char *b, const char **why)
{
	int64_t x, y;
	if (!*a || !*b) {
		*why = "出生日期缺失";
		return 0;
	}
	if (!strcmp(a, b)) {
		*why = "出生日期相同";
		return 4;
	}
	if (!strncmp(a, b, 5) && !strncmp(a + 5, b + 8, 2) && !strncmp(a + 8, b + 5, 2)) {
		*why = "出生日期月日颠倒";
		return 2;
	}
	if (!date_parse(a, &x) && !date_parse(b, &y) && (x - y == 1 || y - x == 1)) {
		*why = "出生日期相差一天";
		return 2;
	}
	*why = "出生日期不同";
	return -4;
}

static int region_score(const char *a, const char *b, const char **why)
{
	if (!*a || !*b) {
		*why = "地区缺失";
		return 0;
	}
	if (!strcmp(a, b)) {
		*why = "同村";
		return 2;
	}
	if (!strncmp(a, b, 9)) {
		*why = "同乡镇";
		return 1;
	}
	*why = "不同乡镇";
	return -1;
}

static void consider(struct link_outcome *out, const struct entry *e, double w, const char *why)
{
	int n = out->ncandidates;
	if (n == LINK_MAX_CANDIDATES && w <= out->candidates[n - 1].weight)
		return;
	if (n < LINK_MAX_CANDIDATES)
		n = ++out->ncandidates;
	int i = n - 1;
	while (i > 0 && out->candidates[i - 1].weight < w) {
		out->candidates[i] = out->candidates[i - 1];
		i--;
	}
	out->candidates[i].id = e->id;
	out->candidates[i].weight = w;
	snprintf(out->candidates[i].why, sizeof(out->candidates[i].why), "%s", why);
}

void link_find(const struct link_index *ix, const struct link_query *q, struct link_outcome *out)
{
	memset(out, 0, sizeof(*out));
	struct entry key = {.key = name_key(q->name)};
	const struct entry *hit = bsearch(&key, ix->e, ix->n, sizeof(*ix->e), by_key);
	if (!hit)
		return;
	while (hit > ix->e && hit[-1].key == key.key)
		hit--;
	for (; hit < ix->e + ix->n && hit->key == key.key; hit++) {
		const char *wb, *wr, *wg;
		int s = 4 + birth_score(q->birth_date, hit->birth, &wb);
		int g = q->gender && hit->gender != 'U' ? (q->gender == hit->gender ? 1 : -3) : 0;
		wg = g > 0 ? "性别相同" : g < 0 ? "性别不同" : "性别缺失";
		s += g + region_score(q->region, hit->region, &wr);
		char why[160];
		snprintf(why, sizeof(why), "姓名相同；%s；%s；%s", wb, wg, wr);
		if (s > 2)
			consider(out, hit, s, why);
	}
	if (!out->ncandidates)
		return;
	const struct link_candidate *c = out->candidates;
	int sure = c[0].weight >= 9 && (out->ncandidates == 1 || c[1].weight < 7);
	out->decision = sure ? LINK_MATCH : LINK_REVIEW;
	out->best = c[0].id;
}

char *link_outcome_json(const struct link_outcome *out)
{
	json_t *a = json_array();
	for (int i = 0; i < out->ncandidates; i++)
		json_array_append_new(a, json_pack("{s:I, s:f, s:s}", "person_id",
						   (json_int_t)out->candidates[i].id, "weight",
						   out->candidates[i].weight, "why",
						   out->candidates[i].why));
	char *s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}
