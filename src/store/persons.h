/*
 * persons -- the registry of minors and related adults, always read through a scope.
 *
 * Every function takes the caller's struct wb_scope and filters by it: a person is
 * visible when the region that owns the record (scope_region: the residence region if
 * known, else the household region) lies in the caller's subtree, or, for a school,
 * when the person is one of its students. Out-of-scope persons answer WB_ENOTFOUND,
 * exactly like missing ones.
 *
 * ID numbers and phone numbers are encrypted at rest; reads return them masked. The
 * full ID number leaves the store only through store_persons_reveal, which writes its
 * audit entry (with the stated purpose) before returning. Every successful read of a
 * person's record is audited (queued); every change is audited in its transaction.
 */
#ifndef WB_STORE_PERSONS_H
#define WB_STORE_PERSONS_H
#include <stdint.h>

#include "core/err.h"
#include "core/secret.h"
#include "domain/person.h"

struct store;
struct wb_scope;

struct person {
	int64_t id;
	char name[PERSON_NAME_MAX + 1];
	char gender;
	char birth_date[11];
	int has_id;
	char id_masked[IDNO_LEN + 1];
	char ethnicity[3];
	char household_region[REGION_CODE_MAX + 1];
	char residence_region[REGION_CODE_MAX + 1];
	char scope_region[REGION_CODE_MAX + 1]; /* the region that owns the record */
	char household_region_name[200];
	char residence_region_name[200];
	int64_t household_id;
	int64_t school_unit_id;
	char school_name[160];
	char phone_masked[24];
	int64_t version;
	char created_at[21], updated_at[21];
};

struct relation_input {
	const char *kind;
	int64_t person_id;
	int is_guardian, lives_with;
};

struct person_new {
	struct person_valid v;
	char household_region[REGION_CODE_MAX + 1];
	char residence_region[REGION_CODE_MAX + 1]; /* "" when unknown */
	int64_t household_id;			    /* 0 when none */
	int64_t school_unit_id;			    /* 0 when none */
	const struct relation_input *relations;
	int nrelations;
};

/* A PATCH: only fields with their has_ flag set change; a NULL value clears the field. */
struct person_patch {
	int has_name, has_gender, has_birth_date, has_id_number, has_ethnicity, has_phone;
	int has_household_region, has_residence_region, has_school_unit_id;
	const char *name, *gender, *birth_date, *id_number, *ethnicity, *phone;
	const char *household_region, *residence_region;
	int64_t school_unit_id;
};

struct person_query {
	const char *region; /* canonical code inside the scope, or NULL for the whole scope */
	const char *q;	    /* name part or full ID number, or NULL */
	int minors_only;
	int limit;	    /* 1..200 */
	const char *cursor; /* from a previous page, or NULL */
	/* the persons an import created, updated or linked (import_rows), or 0 for any;
	 * import_action one of those three, or NULL for all three */
	int64_t import_id;
	const char *import_action;
};

int store_persons_create(struct store *st, const struct wb_scope *sc, const struct person_new *in,
			 int64_t *id, struct wb_error *err);
/* Read one person (audited). */
int store_persons_get(struct store *st, const struct wb_scope *sc, int64_t id, struct person *out,
		      struct wb_error *err);
/* Read one person (audited) and its relations in both directions, in one scope check:
 * person_cb(ctx, out) first, then relation_cb(ctx, row) for each relation, outgoing
 * first, then by id. */
struct relation_row;
int store_persons_get_with_relations(struct store *st, const struct wb_scope *sc, int64_t id,
				     struct person *out,
				     void (*person_cb)(void *ctx, const struct person *p),
				     void (*relation_cb)(void *ctx, const struct relation_row *r),
				     void *ctx, struct wb_error *err);
/* The scope rule of the SQL, for a record already read: 1 when sc admits a person whose
 * record is owned by scope_region (or, for a school's roles, whose school is
 * school_unit_id). */
int store_scope_admits(const struct wb_scope *sc, const char *scope_region, int64_t school_unit_id);
/* The answer for a person that does not exist or is out of scope (the two look alike). */
int store_persons_not_found(struct wb_error *err);
/* Audit a read of a person served without the database (the person cache). */
void store_persons_audit_read(struct store *st, const struct wb_scope *sc, int64_t id);
/* Scope check without reading or auditing: 0 when visible, WB_ENOTFOUND otherwise. */
int store_persons_visible(struct store *st, const struct wb_scope *sc, int64_t id,
			  struct wb_error *err);
int store_persons_update(struct store *st, const struct wb_scope *sc, int64_t id,
			 int64_t expected_version, const struct person_patch *patch,
			 struct wb_error *err);
/* List a page; cb gets each person (summary fields filled). next_cursor receives the
 * cursor of the following page or "" on the last page. */
int store_persons_list(struct store *st, const struct wb_scope *sc, const struct person_query *q,
		       void (*cb)(void *ctx, const struct person *p), void *ctx,
		       char next_cursor[48], struct wb_error *err);
/* The birth date after which a person is a minor today ("YYYY-MM-DD", 18 years ago). */
void store_persons_minor_cutoff(char out[11]);
/* The full ID number, for a stated purpose; audited synchronously. */
int store_persons_reveal(struct store *st, const struct wb_scope *sc, int64_t id,
			 const char *purpose, char out[IDNO_LEN + 1], struct wb_error *err);

/* Encrypt/hash an ID number as stored (also used by the demo generator's bulk path). */
void store_persons_seal_id(const struct store *st, const char *id18, unsigned char *cipher,
			   size_t *cipher_len, unsigned char hash[SECRET_HASH_BYTES]);
void store_persons_seal_phone(const struct store *st, const char *phone, unsigned char *cipher,
			      size_t *cipher_len);
/* The reverse, for other store files that read persons in bulk (register.c): decrypt a
 * stored ID number and check it against its lookup hash (0 on success, -1 when absent or
 * damaged); decrypt a stored phone number into its masked form ("" when absent). The
 * caller decides whether a full ID number may leave the store, and audits it. */
int store_persons_open_id(const struct store *st, const void *cipher, size_t clen, const void *hash,
			  size_t hlen, char out[IDNO_LEN + 1]);
void store_persons_open_phone_masked(const struct store *st, const void *cipher, size_t clen,
				     char out[24]);

#endif
