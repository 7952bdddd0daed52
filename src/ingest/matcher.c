/* matcher -- linkage for the import pipeline (see matcher.h). */
#include "ingest/matcher.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

struct pending {
	int64_t id;
	size_t name, birth, region; /* offsets into the text pool */
	char gender;
};

struct matcher {
	struct pending *p;
	size_t n, cap;
	char *pool;
	size_t used, pool_cap;
	struct link_index *ix;
	struct link_params params;
};

struct matcher *matcher_new(void)
{
	struct matcher *m = xcalloc(1, sizeof(*m));
	link_params_default(&m->params);
	return m;
}

static size_t keep(struct matcher *m, const char *s)
{
	size_t n = strlen(s ? s : "") + 1;
	if (m->used + n > m->pool_cap) {
		m->pool_cap = (m->pool_cap + n) * 2;
		m->pool = xrealloc(m->pool, m->pool_cap);
	}
	memcpy(m->pool + m->used, s ? s : "", n);
	m->used += n;
	return m->used - n;
}

void matcher_add(struct matcher *m, int64_t id, const char *name, const char *birth, char gender,
		 const char *region)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 1024;
		m->p = xrealloc(m->p, m->cap * sizeof(*m->p));
	}
	struct pending *e = &m->p[m->n++];
	e->id = id;
	e->gender = gender;
	e->name = keep(m, name);
	e->birth = keep(m, birth);
	e->region = keep(m, region);
}

int matcher_build(struct matcher *m, struct wb_error *err)
{
	struct link_person *v = xcalloc(m->n ? m->n : 1, sizeof(*v));
	for (size_t i = 0; i < m->n; i++)
		v[i] = (struct link_person){m->p[i].id, m->pool + m->p[i].name,
					    m->pool + m->p[i].birth, m->p[i].gender,
					    m->pool + m->p[i].region};
	int rc = link_index_new(&m->ix, v, m->n, err);
	free(v);
	free(m->p), free(m->pool); /* the index keeps its own copy */
	m->p = NULL, m->pool = NULL, m->n = m->cap = m->used = m->pool_cap = 0;
	return rc;
}

void matcher_find(const struct matcher *m, const char *name, const char *birth, char gender,
		  const char *region, struct link_result *out)
{
	struct link_person q = {0, name, birth, gender, region};
	link_query(out, m->ix, &m->params, &q);
}

char *matcher_candidates_json(const struct link_result *r)
{
	json_t *a = json_array();
	for (int i = 0; i < r->n; i++) {
		const struct link_compare *c = &r->cand[i].cmp;
		json_array_append_new(a, json_pack("{s:I, s:f, s:s, s:s, s:s, s:s}", "person_id",
						   (json_int_t)r->cand[i].id, "weight", c->total,
						   "name", link_name_level_str(c->name), "birth",
						   link_date_level_str(c->birth), "gender",
						   link_gender_level_str(c->gender), "region",
						   link_region_level_str(c->region)));
	}
	char *s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

void matcher_free(struct matcher *m)
{
	if (!m)
		return;
	link_index_free(m->ix);
	free(m->p);
	free(m->pool);
	free(m);
}
