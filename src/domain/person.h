/*
 * person -- validation of a person's fields, independent of storage.
 *
 * The same checks run for the API, the CLI and (later) imports: required name, known
 * gender, a real birth date not in the future, a valid ID number whose birth date and
 * gender agree with the stated ones, a GB/T 3304 ethnicity code, a plausible phone
 * number. Each problem becomes one detail of the error, all reported at once.
 */
#ifndef WB_PERSON_H
#define WB_PERSON_H
#include <stdint.h>

#include "core/err.h"
#include "domain/idno.h"
#include "domain/region.h"

#define PERSON_NAME_MAX 150 /* bytes of UTF-8: 50 CJK characters */

struct person_input {
	const char *name;
	const char *gender;	/* "M"/"F"/"U", also 男/女 */
	const char *birth_date; /* YYYY-MM-DD, may be NULL when an ID number gives it */
	const char *id_number;	/* may be NULL */
	const char *ethnicity;	/* GB/T 3304 code or name, may be NULL */
	const char *phone;	/* may be NULL */
};

struct person_valid {
	char name[PERSON_NAME_MAX + 1];
	char gender;
	char birth_date[11];
	char id_number[IDNO_LEN + 1]; /* "" when none */
	char ethnicity[3];	      /* "" when none */
	char phone[24];		      /* "" when none */
};

/* Validate in into out. On failure WB_EINVAL, code VALIDATION (or the single specific
 * code when only one field is wrong), with one detail per bad field. */
int person_validate(struct person_valid *out, const struct person_input *in, struct wb_error *err);

/* Single-field checks, used by PATCH. */
int person_check_name(char out[PERSON_NAME_MAX + 1], const char *name);
int person_check_gender(char *out, const char *gender);
const char *ethnicity_name(const char *code); /* NULL when unknown */
int ethnicity_normalize(char out[3], const char *in);
int ethnicity_count(void);
const char *ethnicity_code_at(int i);

#endif
