/* handlers -- one function per route; see router.c for the table. */
#ifndef WB_HANDLERS_H
#define WB_HANDLERS_H
#include "http/http.h"

int h_session_login(struct req *r);
int h_session_get(struct req *r);
int h_session_logout(struct req *r);
int h_session_password(struct req *r);
int h_catalog(struct req *r);
int h_region_get(struct req *r);
int h_region_children(struct req *r);
int h_units_list(struct req *r);
int h_persons_list(struct req *r);
int h_persons_create(struct req *r);
int h_persons_get(struct req *r);
int h_persons_update(struct req *r);
int h_persons_reveal(struct req *r);
int h_relations_add(struct req *r);
int h_facts_list(struct req *r);
int h_person_sources(struct req *r);
int h_facts_add(struct req *r);
int h_registers_export(struct req *r);
int h_registers_export_full(struct req *r);
int h_imports_create(struct req *r);
int h_imports_list(struct req *r);
int h_imports_get(struct req *r);
int h_imports_rejects(struct req *r);
int h_imports_undo(struct req *r);
/* Remove the uploads a crashed server left in the spool directory (those no live job
 * holds); how many. Called when the server starts. */
int h_imports_sweep_spool(const char *db_path);
int h_import_profiles(struct req *r);
int h_jobs_get(struct req *r);
int h_reviews_list(struct req *r);
int h_reviews_get(struct req *r);
int h_reviews_decide(struct req *r);
int h_screening_categories(struct req *r);
int h_person_screening(struct req *r);
int h_person_screening_decide(struct req *r);
int h_person_screening_override(struct req *r);
int h_person_screening_override_revoke(struct req *r);
int h_screening_registers(struct req *r);
int h_screening_register_persons(struct req *r);
int h_screening_status(struct req *r);
int h_screening_run(struct req *r);
int h_rulesets_list(struct req *r);
int h_rulesets_get(struct req *r);
int h_rulesets_validate(struct req *r);
int h_rulesets_preview(struct req *r);
int h_rulesets_create(struct req *r);
int h_rulesets_publish(struct req *r);
int h_audit_list(struct req *r);
int h_openapi(struct req *r);
int h_static(struct req *r);

/* Login throttle (auth.c): at most this many password hashes at once. */
void auth_init(unsigned concurrent_hashes);
/* Resolve the session cookie into r->sess / r->scope; replies 401 on failure. */
int auth_session(struct req *r);
/* Check X-CSRF-Token against the session; replies 403 on failure. */
int auth_csrf(struct req *r);
/* The CSRF token of a session: a keyed hash of the session token, so it needs no
 * storage, survives page reloads and is the same in every tab. */
void auth_csrf_token(const struct secret_keys *keys, const char *session_token,
		     char out[SECRET_TOKEN_CHARS]);
int auth_hash_acquire(void);
void auth_hash_release(void);

#endif
