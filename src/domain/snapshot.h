/*
 * snapshot -- the in-memory columnar copy of persons, facts and relations that
 * screening runs on.
 *
 * The database stays the source of truth; a snapshot is rebuilt from it at start
 * (store/screen_load.c fills a builder) and kept current by replacing one person at a
 * time (snapshot_update_person). Layout, for speed:
 *   - persons are stored grouped by household (builder order within a household), so a
 *     child's parents usually sit a few slots away and parent look-ups stay in cache;
 *   - each person has a range into the fact columns (type id, value code, valid_from
 *     day, valid_to day, fact id) and a 64-bit mask of the fact types it has, so "has the
 *     father an imprisonment fact" is one bit test before any scan;
 *   - relations are index arrays (from the child's view, as in the relations table:
 *     person = the child, target = the child's father, mother, guardian …), with the
 *     reverse index (who depends on this person) for incremental re-screening.
 *
 * Dates are days since 1970-01-01 (core/timeutil.h). A missing valid_from is
 * SNAPSHOT_DAY_MIN (since always), a missing valid_to SNAPSHOT_DAY_MAX (still open), a
 * missing birth date SNAPSHOT_NO_DATE (no age: every age test is false).
 *
 * Fact types and relation kinds are the shipped catalog (002_catalog.sql, 003_imports.sql)
 * mapped to small ids here; unknown codes are refused by the rule compiler and skipped by
 * the loader. Value codes: disability "c-g" -> c*10+g; psych_screening 绿=1 黄=2 橙=3
 * 红=4 (ordered by severity); numeric enums (bad_behaviour 1..9, mandatory_report 1..10)
 * -> the number; else 0.
 *
 * Threads: a finished snapshot may be read by any number of threads at once.
 * snapshot_update_person mutates it: the caller must hold it exclusively meanwhile (a
 * write lock), and results computed before the update may name stale facts.
 * Pure logic: no I/O, no SQL.
 */
#ifndef WB_SNAPSHOT_H
#define WB_SNAPSHOT_H
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define SNAPSHOT_DAY_MIN INT32_MIN
#define SNAPSHOT_DAY_MAX INT32_MAX
#define SNAPSHOT_NO_DATE INT32_MIN
#define SNAPSHOT_NONE	 UINT32_MAX /* "no person" index */

/* Caps on one person's rows (the builder drops and counts more; updates refuse more
 * with WB_ETOOBIG). A person has at most UINT16_MAX dependants. */
#define SNAPSHOT_MAX_FACTS_PER_PERSON	  1024
#define SNAPSHOT_MAX_RELATIONS_PER_PERSON 64

/* Fact types of the catalog. The order is part of the snapshot format only (ids are
 * never stored outside memory). */
enum snapshot_fact_type {
	SNAP_FT_HUKOU_RURAL,
	SNAP_FT_MIGRANT_WORK,
	SNAP_FT_IMPRISONED,
	SNAP_FT_COMPULSORY_DETOX,
	SNAP_FT_DETAINED_OTHER,
	SNAP_FT_LOST_CONTACT,
	SNAP_FT_DECEASED,
	SNAP_FT_DECLARED_MISSING,
	SNAP_FT_DISABILITY,
	SNAP_FT_SERIOUS_ILLNESS,
	SNAP_FT_GUARDIANSHIP_REVOKED,
	SNAP_FT_DEPORTED,
	SNAP_FT_LOW_INCOME,
	SNAP_FT_EXTREME_POVERTY,
	SNAP_FT_ORPHAN_ALLOWANCE,
	SNAP_FT_UNSUPPORTED_ALLOWANCE,
	SNAP_FT_IN_SCHOOL,
	SNAP_FT_DROPOUT,
	SNAP_FT_EMPLOYED,
	SNAP_FT_BAD_BEHAVIOUR,
	SNAP_FT_SERIOUS_BAD_BEHAVIOUR,
	SNAP_FT_PSYCH_SCREENING,
	SNAP_FT_PARENTS_DIVORCED,
	SNAP_FT_COMMUNITY_CORRECTION,
	SNAP_FT_CONDITIONAL_NON_PROSECUTION,
	SNAP_FT_CRIME_VICTIM,
	SNAP_FT_LIVES_ALONE,
	SNAP_FT_UNATTENDED,
	SNAP_FT_STREET_BEGGING,
	SNAP_FT_EARLY_MARRIAGE,
	SNAP_FT_DIVORCED,
	SNAP_FT_MANDATORY_REPORT,
	SNAP_FT_COUNT
};

/* Relation kinds (relation_kinds.code), from the child's view. */
enum snapshot_rel_kind {
	SNAP_REL_FATHER,
	SNAP_REL_MOTHER,
	SNAP_REL_STEPFATHER,
	SNAP_REL_STEPMOTHER,
	SNAP_REL_GRANDFATHER,
	SNAP_REL_GRANDMOTHER,
	SNAP_REL_SIBLING,
	SNAP_REL_OTHER_RELATIVE,
	SNAP_REL_GUARDIAN,
	SNAP_REL_COUNT
};

/* Relation flags (relations.is_guardian, relations.lives_with). */
enum { SNAP_RF_GUARDIAN = 1, SNAP_RF_LIVES_WITH = 2 };

/* The catalog: code -> id (-1 when unknown), id -> code. */
int snapshot_fact_type_id(const char *code);
const char *snapshot_fact_type_code(int type);
int snapshot_rel_kind_id(const char *code);
const char *snapshot_rel_kind_code(int kind);
/* Value code of a fact's text value for its type (see the opening comment); -1 when the
 * value is not valid for the type (e.g. psych_screening "紫"), 0 for types without codes. */
int32_t snapshot_value_code(int type, const char *value);
/* A region code ("500242104001") as a number; 0 for NULL, empty or non-digits. */
uint64_t snapshot_region_code(const char *code);

struct snapshot_person_in {
	int64_t id;
	int64_t household_id; /* 0: no household */
	int32_t birth;	      /* day, or SNAPSHOT_NO_DATE */
	char gender;	      /* 'M', 'F', 'U' */
	uint64_t household_region;
	uint64_t scope_region;
};

struct snapshot_fact_in {
	int64_t id;
	int64_t person_id; /* ignored by snapshot_update_person (the person given there) */
	int type;	   /* enum snapshot_fact_type */
	int32_t value;	   /* snapshot_value_code */
	int32_t from, to;  /* days; SNAPSHOT_DAY_MIN / SNAPSHOT_DAY_MAX when open */
};

struct snapshot_relation_in {
	int64_t person_id;  /* the child (anchor); ignored by snapshot_update_person */
	int64_t related_id; /* the child's <kind> */
	int kind;	    /* enum snapshot_rel_kind */
	int flags;	    /* SNAP_RF_* */
};

struct snapshot_builder;
struct snapshot;

/* A builder takes persons, facts and relations in any order (facts and relations may
 * name persons added later); snapshot_builder_finish groups persons by household and
 * resolves ids. Facts of unknown persons, relations to unknown persons, rows beyond the
 * per-person caps and duplicate person ids are dropped and counted (snapshot_stats), so
 * one bad record cannot stop the screening of everyone. A builder is single-threaded. */
struct snapshot_builder *snapshot_builder_new(void);
void snapshot_builder_free(struct snapshot_builder *b); /* NULL is fine */
void snapshot_builder_add_person(struct snapshot_builder *b, const struct snapshot_person_in *p);
void snapshot_builder_add_fact(struct snapshot_builder *b, const struct snapshot_fact_in *f);
void snapshot_builder_add_relation(struct snapshot_builder *b,
				   const struct snapshot_relation_in *r);
/* Build the snapshot and free the builder (also on failure). WB_ETOOBIG when the
 * snapshot exceeds the 2^31 row limit. */
int snapshot_builder_finish(struct snapshot **out, struct snapshot_builder *b,
			    struct wb_error *err);

void snapshot_free(struct snapshot *s); /* NULL is fine */

struct snapshot_stats {
	size_t persons, facts, relations, households;
	size_t dropped_facts, dropped_relations, duplicate_persons;
	size_t bytes; /* memory held by the columns */
};
void snapshot_stats(struct snapshot_stats *out, const struct snapshot *s);

/* ---- reading (indices are stable until snapshot_free; updates never move persons) --- */
uint32_t snapshot_count(const struct snapshot *s);
/* Index of a person id, SNAPSHOT_NONE when absent. */
uint32_t snapshot_find(const struct snapshot *s, int64_t person_id);
int64_t snapshot_person_id(const struct snapshot *s, uint32_t p);
int32_t snapshot_person_birth(const struct snapshot *s, uint32_t p);
char snapshot_person_gender(const struct snapshot *s, uint32_t p);
int64_t snapshot_person_household(const struct snapshot *s, uint32_t p);
uint64_t snapshot_person_scope_region(const struct snapshot *s, uint32_t p);
uint64_t snapshot_person_household_region(const struct snapshot *s, uint32_t p);

/* A person's facts as columns (pointers into the snapshot, valid until the next update
 * of that person or snapshot_free). */
struct snapshot_facts {
	uint32_t n;
	const uint8_t *type;
	const int32_t *value;
	const int32_t *from;
	const int32_t *to;
	const int64_t *id;
};
void snapshot_person_facts(struct snapshot_facts *out, const struct snapshot *s, uint32_t p);

struct snapshot_rels {
	uint32_t n;
	const uint32_t *target; /* person index of the related person */
	const uint8_t *kind;
	const uint8_t *flags;
};
void snapshot_person_relations(struct snapshot_rels *out, const struct snapshot *s, uint32_t p);

/* ---- incremental update ------------------------------------------------------------ */
/* Replace person p_in->id's row, facts and relations (as the anchor, relations.person_id
 * = this person) with the given ones; a person not in the snapshot is appended. Writes
 * into affected[] the persons to re-screen: the person, every person who names it in a
 * relation (its children and wards, before and after the change), and its household
 * members; *naffected may exceed cap (the first cap are written). Relations to persons
 * not in the snapshot are ignored. The caller holds the snapshot exclusively. */
int snapshot_update_person(struct snapshot *s, const struct snapshot_person_in *p_in,
			   const struct snapshot_fact_in *facts, size_t nfacts,
			   const struct snapshot_relation_in *rels, size_t nrels,
			   uint32_t *affected, size_t cap, size_t *naffected, struct wb_error *err);

/* The persons that depend on p (see above) without changing anything. */
size_t snapshot_dependants(const struct snapshot *s, uint32_t p, uint32_t *out, size_t cap);

/* A copy of the snapshot repeated `times` times with fresh ids (benchmarks only: makes
 * 10 M persons out of a loaded 1 M). */
struct snapshot *snapshot_replicate(const struct snapshot *s, unsigned times);

#endif
