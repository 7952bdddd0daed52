/*
 * matcher -- the import pipeline's use of record linkage (domain/linkage.h): gather the
 * persons of the area once per import, build the index, and ask it about each row that
 * has no ID number. Candidates are rendered as JSON for the review queue, with the
 * per-field levels an officer sees side by side.
 */
#ifndef WB_MATCHER_H
#define WB_MATCHER_H
#include <stdint.h>

#include "core/err.h"
#include "domain/linkage.h"

struct matcher;

struct matcher *matcher_new(void);
void matcher_add(struct matcher *m, int64_t id, const char *name, const char *birth, char gender,
		 const char *region);
int matcher_build(struct matcher *m, struct wb_error *err);
void matcher_find(const struct matcher *m, const char *name, const char *birth, char gender,
		  const char *region, struct link_result *out);
/* [{"person_id":…, "weight":…, "name":"exact", "birth":"swap", …}, …], malloc'd. */
char *matcher_candidates_json(const struct link_result *r);
void matcher_free(struct matcher *m); /* NULL is fine */

#endif
