/*
 * link_synth -- a synthetic labelled set for record linkage (tests and bench).
 *
 * Persons get names from the demo generator (cli/demo_names.c: 酉阳's surnames and common
 * given-name characters), birth dates (60 % minors born 2007-2024, the rest 1960-2006),
 * genders and real village codes of 酉阳县 500242 (the built-in region seed). A share of
 * persons are twins of the person before them: same surname, birth date and village,
 * a given name of their own.
 *
 * Query rows are either a person of the set with realistic errors, each applied
 * independently (rates in link_synth.c: homophone character, traditional characters, a
 * one-character typo, day and month swapped, a date one day off, gender missing, moved to
 * another village of the township, birth date missing), or a fresh person who is not in
 * the set and must not link. Deterministic for a seed. Lives in cli/ because it reuses
 * the demo generator's names; the linkage module itself is in domain/.
 */
#ifndef WB_LINK_SYNTH_H
#define WB_LINK_SYNTH_H
#include <stddef.h>
#include <stdint.h>

#include "domain/linkage.h"

enum link_synth_error {
	LINK_SYN_HOMOPHONE = 1 << 0,
	LINK_SYN_TRADITIONAL = 1 << 1,
	LINK_SYN_TYPO = 1 << 2,
	LINK_SYN_SWAP = 1 << 3,
	LINK_SYN_OFF1 = 1 << 4,
	LINK_SYN_NO_GENDER = 1 << 5,
	LINK_SYN_MOVED = 1 << 6,
	LINK_SYN_NO_BIRTH = 1 << 7,
	LINK_SYN_NERRORS = 8
};

struct link_synth_opts {
	size_t persons;
	size_t queries;
	double present; /* share of query rows that are persons of the set */
	double twins;	/* share of persons who are the twin of the previous person */
	uint64_t seed;
};

struct link_synth_row {
	char name[40];
	char birth[11];
	char region[13];
};

struct link_synth {
	size_t npersons, nqueries;
	struct link_person *persons; /* ids 1..npersons */
	struct link_person *queries;
	int64_t *truth;		     /* per query: the id it is, 0 for a person not in the set */
	unsigned *errors;	     /* per query: enum link_synth_error bits applied */
	struct link_synth_row *rows; /* strings of persons then queries */
};

/* Generate into s (owned by s; link_synth_release frees it). */
void link_synth_generate(struct link_synth *s, const struct link_synth_opts *o);
void link_synth_release(struct link_synth *s);
/* Stable name of one error bit ("homophone", …). */
const char *link_synth_error_str(unsigned bit);

#endif
