/*
 * profile -- how one kind of department extract becomes persons, relations and facts.
 *
 * A profile is a small text file (docs/ingest.md describes the language; the built-in
 * ones live in src/ingest/profiles/ and are compiled into the binary; a user adds one by
 * passing a path). It names the columns by the header texts departments actually write,
 * the persons a row describes (roles: subject, child, father, …), the relations between
 * them, the facts the row states, value maps ("服刑" → imprisoned), the fields a row must
 * have, and the fact types that end when a person is missing from the next extract of the
 * same source.
 *
 * A parsed profile is a plain value with fixed-size arrays: no allocation, immutable
 * after profile_parse.
 */
#ifndef WB_PROFILE_H
#define WB_PROFILE_H
#include <stddef.h>

#include "core/err.h"

enum {
	PROFILE_NAME_MAX = 32,
	PROFILE_TEXT_MAX = 128,
	PROFILE_MAX_ROLES = 4,
	PROFILE_MAX_COLUMNS = 40,
	PROFILE_MAX_ALIASES = 12,
	PROFILE_ALIAS_MAX = 64,
	PROFILE_MAX_FACTS = 8,
	PROFILE_MAX_RELATIONS = 4,
	PROFILE_MAX_MAPS = 64,
	PROFILE_MAX_REQUIRED = 8,
	PROFILE_MAX_END = 8,
};

/* The person fields a role can fill. */
enum profile_field {
	PF_NONE = -1,
	PF_ID_NUMBER = 0,
	PF_NAME,
	PF_GENDER,
	PF_BIRTH_DATE,
	PF_ETHNICITY,
	PF_HOUSEHOLD, /* household (户籍) region: a code or an address text */
	PF_RESIDENCE, /* residence region: a code or an address text */
	PF_PHONE,
	PF_SCHOOL, /* school name, matched to a unit of type school */
	PF_COUNT
};

/* One `column` line: a role's person field or a free variable, and its header texts. */
struct profile_column {
	char key[PROFILE_NAME_MAX]; /* "subject.name" or a variable such as "place" */
	int role;		    /* index into roles, or -1 for a variable */
	int field;		    /* enum profile_field for role columns */
	int naliases;
	char aliases[PROFILE_MAX_ALIASES][PROFILE_ALIAS_MAX];
};

/* A value template: literal text with {column} references, e.g. "{category}-{grade}". */
struct profile_template {
	char text[PROFILE_TEXT_MAX]; /* "" when absent */
};

struct profile_fact {
	int role;
	struct profile_template type; /* a fact type code, or "{var}" mapped to one */
	struct profile_template value, from, to;
};

/* relation <child-role> <kind> <adult-role> [guardian] [lives_with]; kind "parent" means
 * father or mother by the adult's gender. */
struct profile_relation {
	int child, adult;
	char kind[24];
	int guardian, lives_with;
};

/* map <column> <from>=<to> …; "-" as <to> means "states nothing" (no fact). */
struct profile_map {
	int column;
	char from[PROFILE_ALIAS_MAX];
	char to[PROFILE_ALIAS_MAX];
};

struct profile {
	char name[PROFILE_NAME_MAX];
	char title[PROFILE_TEXT_MAX], title_en[PROFILE_TEXT_MAX];
	char source[PROFILE_NAME_MAX]; /* unit type of the usual source (justice_office, …) */
	int nroles;
	char roles[PROFILE_MAX_ROLES][16];
	int minor_role; /* role that must be under 18 on the extract date, or -1 */
	int ncolumns;
	struct profile_column columns[PROFILE_MAX_COLUMNS];
	int nrequired;
	int required[PROFILE_MAX_REQUIRED]; /* column indexes */
	int nfacts;
	struct profile_fact facts[PROFILE_MAX_FACTS];
	int nrelations;
	struct profile_relation relations[PROFILE_MAX_RELATIONS];
	int nmaps;
	struct profile_map maps[PROFILE_MAX_MAPS];
	int nend;
	char end_missing[PROFILE_MAX_END][40];
};

/* Parse profile text (NUL-terminated). On error err says the line, what was found and
 * what was expected (code PROFILE_SYNTAX). */
int profile_parse(struct profile *p, const char *text, struct wb_error *err);

/* A built-in profile by name, or a file when name contains '/' or ends in ".profile". */
int profile_load(struct profile *p, const char *name, struct wb_error *err);
/* A shipped profile by its name only, never a file (what an upload over HTTP may name). */
int profile_load_builtin(struct profile *p, const char *name, struct wb_error *err);

/* Built-in profiles: count, and the i-th name and text. */
int profile_builtin_count(void);
const char *profile_builtin_name(int i);
const char *profile_builtin_text(int i);

/* The column whose aliases include header (after trimming spaces and a trailing colon or
 * "（…）" note), or -1. */
int profile_match_header(const struct profile *p, const char *header);

/* Map a variable's value through the profile's maps. Returns the mapped text, value itself
 * when the column has no map, or NULL when the column has a map and value is not in it. */
const char *profile_map_value(const struct profile *p, int column, const char *value);

const char *profile_field_name(int field);

#endif
