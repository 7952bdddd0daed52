/* router -- the route table and matcher (see router.h). */
#include "http/router.h"

#include <string.h>

#include "http/handlers.h"

#define A  ROUTE_AUTH
#define AC (ROUTE_AUTH | ROUTE_CSRF)
#define AS (ROUTE_AUTH | ROUTE_SNAPSHOT)

const struct route routes[] = {
	{"POST", "/api/v1/session", h_session_login, ROUTE_PUBLIC},
	{"GET", "/api/v1/session", h_session_get, A},
	{"DELETE", "/api/v1/session", h_session_logout, AC},
	{"POST", "/api/v1/session/password", h_session_password, AC},
	{"GET", "/api/v1/catalog", h_catalog, A},
	{"GET", "/api/v1/regions/{}", h_region_get, AS},
	{"GET", "/api/v1/regions/{}/children", h_region_children, AS},
	{"GET", "/api/v1/units", h_units_list, A},
	{"GET", "/api/v1/persons", h_persons_list, AS},
	{"POST", "/api/v1/persons", h_persons_create, AC},
	{"GET", "/api/v1/persons/{}", h_persons_get, AS},
	{"PATCH", "/api/v1/persons/{}", h_persons_update, AC},
	{"POST", "/api/v1/persons/{}/reveal", h_persons_reveal, AC},
	{"POST", "/api/v1/persons/{}/relations", h_relations_add, AC},
	{"GET", "/api/v1/persons/{}/facts", h_facts_list, AS},
	{"GET", "/api/v1/persons/{}/sources", h_person_sources, AS},
	{"POST", "/api/v1/persons/{}/facts", h_facts_add, AC},
	{"GET", "/api/v1/registers/export", h_registers_export, A},
	{"POST", "/api/v1/registers/export", h_registers_export_full, AC},
	{"POST", "/api/v1/imports", h_imports_create, AC},
	{"GET", "/api/v1/imports", h_imports_list, A},
	{"GET", "/api/v1/imports/{}", h_imports_get, A},
	{"GET", "/api/v1/imports/{}/rejects", h_imports_rejects, A},
	{"POST", "/api/v1/imports/{}/undo", h_imports_undo, AC},
	{"GET", "/api/v1/import-profiles", h_import_profiles, A},
	{"GET", "/api/v1/jobs/{}", h_jobs_get, A},
	{"GET", "/api/v1/reviews", h_reviews_list, A},
	{"GET", "/api/v1/reviews/{}", h_reviews_get, A},
	{"POST", "/api/v1/reviews/{}/decision", h_reviews_decide, AC},
	{"GET", "/api/v1/persons/{}/screening", h_person_screening, AS},
	{"POST", "/api/v1/persons/{}/screening/decisions", h_person_screening_decide, AC},
	{"POST", "/api/v1/persons/{}/screening/override", h_person_screening_override, AC},
	{"DELETE", "/api/v1/persons/{}/screening/override", h_person_screening_override_revoke, AC},
	{"GET", "/api/v1/screening/categories", h_screening_categories, A},
	{"GET", "/api/v1/screening/registers", h_screening_registers, AS},
	{"GET", "/api/v1/screening/registers/persons", h_screening_register_persons, AS},
	{"GET", "/api/v1/screening/status", h_screening_status, A},
	{"POST", "/api/v1/screening/run", h_screening_run, AC},
	{"GET", "/api/v1/rulesets", h_rulesets_list, A},
	{"POST", "/api/v1/rulesets", h_rulesets_create, AC},
	{"POST", "/api/v1/rulesets/validate", h_rulesets_validate, AC},
	{"POST", "/api/v1/rulesets/preview", h_rulesets_preview, AC},
	{"GET", "/api/v1/rulesets/{}", h_rulesets_get, A},
	{"POST", "/api/v1/rulesets/{}/publish", h_rulesets_publish, AC},
	{"GET", "/api/v1/audit", h_audit_list, A},
	{"GET", "/api/v1/openapi.json", h_openapi, ROUTE_PUBLIC},
};
const int routes_count = (int)(sizeof(routes) / sizeof(routes[0]));

/* Match pattern against path; "{}" takes one non-empty segment into params. */
static int match(const char *pat, const char *path, struct req *r)
{
	int n = 0;
	while (*pat && *path) {
		if (pat[0] == '{' && pat[1] == '}') {
			const char *end = strchr(path, '/');
			size_t len = end ? (size_t)(end - path) : strlen(path);
			if (len == 0 || len > 64 || n >= HTTP_MAX_PARAMS)
				return 0;
			if (r)
				r->params[n] = arena_strndup(&r->arena, path, len);
			n++;
			path += len;
			pat += 2;
			continue;
		}
		if (*pat != *path)
			return 0;
		pat++;
		path++;
	}
	if (*pat || *path)
		return 0;
	if (r)
		r->nparams = n;
	return 1;
}

const struct route *router_match(struct req *r, const char *method, const char *path,
				 int *path_known)
{
	*path_known = 0;
	for (int i = 0; i < routes_count; i++) {
		if (!match(routes[i].pattern, path, NULL))
			continue;
		if (strcmp(routes[i].method, method) == 0) {
			match(routes[i].pattern, path, r);
			return &routes[i];
		}
		*path_known = 1;
	}
	return NULL;
}
