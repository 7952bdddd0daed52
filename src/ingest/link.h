/*
 * link -- finding the stored person a row without an ID number means.
 *
 * The import pipeline's view of record linkage: an index of the persons of the area,
 * built once per import, and a query per row that answers MATCH (a sure link to one
 * person), REVIEW (doubtful: an officer decides between the candidates) or NONE (a new
 * person). The scoring itself (comparisons, weights, thresholds) lives in the domain
 * layer; this file adapts it to the pipeline and renders candidates for the review queue.
 */
#ifndef WB_LINK_H
#define WB_LINK_H
#include <stdint.h>

enum link_decision { LINK_NONE = 0, LINK_MATCH, LINK_REVIEW };

enum { LINK_MAX_CANDIDATES = 5 };

struct link_query {
	const char *name;
	const char *birth_date; /* "" when unknown */
	char gender;		/* 'M', 'F' or 0 */
	const char *region;	/* household region code of the row */
};

struct link_candidate {
	int64_t id;
	double weight;
	char why[160]; /* how the fields compared, in Chinese, for the review screen */
};

struct link_outcome {
	enum link_decision decision;
	int64_t best;
	int ncandidates;
	struct link_candidate candidates[LINK_MAX_CANDIDATES];
};

struct link_index;

struct link_index *link_index_new(void);
void link_index_add(struct link_index *ix, int64_t id, const char *name, const char *birth_date,
		    char gender, const char *region);
void link_index_build(struct link_index *ix);
void link_find(const struct link_index *ix, const struct link_query *q, struct link_outcome *out);
/* Candidates as a JSON array (malloc'd): [{"person_id":…, "weight":…, "why":"…"}, …]. */
char *link_outcome_json(const struct link_outcome *out);
void link_index_free(struct link_index *ix); /* NULL is fine */

#endif
