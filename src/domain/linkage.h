/*
 * linkage -- probabilistic record linkage of persons without a usable ID number.
 *
 * The Fellegi–Sunter model as Splink and fastLink use it: every comparison (name, birth
 * date, gender, region) falls into one level, each level has m = P(level | same person)
 * and u = P(level | different persons), and the match weight of a pair is the sum of
 * log2(m/u) over the comparisons. A missing value contributes 0. Decisions use two
 * thresholds on the total: >= upper is a sure link (LINK_MATCH), [lower, upper) goes to
 * an officer (LINK_REVIEW), below lower is no link. Two candidates both >= upper and
 * within `margin` of each other make the row ambiguous: LINK_REVIEW (twins, namesakes).
 *
 * Term frequencies (Splink's TF adjustment): with params.tf set, agreeing on a common
 * name or surname is worth less: the u of the EXACT name level becomes the name's share
 * of the index and the u of the SURNAME level the surname's share (each at least
 * tf_min_u, and within tf_clamp bits of the plain weight), so 冉伟 agreeing says less
 * than 舒梓萱 agreeing.
 *
 * Candidates come from blocking: a person meets a query row when they share any of four
 * keys (see docs/linkage.md): pinyin of the name + birth year; surname pinyin + birth
 * date; birth date + township; normalised name + county. Homophones, traditional
 * characters, swapped or shifted dates, typos and moves within a township each keep at
 * least one key. Blocks larger than block_cap are skipped as uninformative.
 *
 * The index is immutable once built and may be queried from any number of threads.
 * Pure logic: no I/O, no SQL. docs/linkage.md has the defaults and measured figures.
 */
#ifndef WB_LINKAGE_H
#define WB_LINKAGE_H
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

enum link_name_level {
	LINK_NAME_EXACT,   /* equal after normalisation (spaces, width, dots, 繁→简) */
	LINK_NAME_PINYIN,  /* same toneless pinyin, other characters (张伟 / 张玮) */
	LINK_NAME_EDIT1,   /* one character substituted, inserted, deleted or transposed */
	LINK_NAME_SURNAME, /* only the first character (the surname) agrees */
	LINK_NAME_ELSE,
	LINK_NAME_MISSING,
	LINK_NAME_NLEVELS
};

enum link_date_level {
	LINK_DATE_EXACT,
	LINK_DATE_SWAP,	      /* day and month swapped (2015-03-07 / 2015-07-03) */
	LINK_DATE_OFF1,	      /* one day apart */
	LINK_DATE_YEAR_MONTH, /* same year and month */
	LINK_DATE_YEAR,	      /* same year */
	LINK_DATE_ELSE,
	LINK_DATE_MISSING,
	LINK_DATE_NLEVELS
};

enum link_gender_level {
	LINK_GENDER_EQUAL,
	LINK_GENDER_DIFFER,
	LINK_GENDER_MISSING,
	LINK_GENDER_NLEVELS
};

enum link_region_level {
	LINK_REGION_VILLAGE,  /* same 12-digit code */
	LINK_REGION_TOWNSHIP, /* same first 9 digits */
	LINK_REGION_COUNTY,   /* same first 6 digits */
	LINK_REGION_ELSE,
	LINK_REGION_MISSING, /* either side empty, invalid or coarser than a county */
	LINK_REGION_NLEVELS
};

enum link_decision { LINK_NONE, LINK_REVIEW, LINK_MATCH };

struct link_mu {
	double m;
	double u;
};

struct link_params {
	struct link_mu name[LINK_NAME_NLEVELS];
	struct link_mu birth[LINK_DATE_NLEVELS];
	struct link_mu gender[LINK_GENDER_NLEVELS];
	struct link_mu region[LINK_REGION_NLEVELS];
	double upper;	    /* total weight (log2) for a sure link */
	double lower;	    /* total weight below which there is no link */
	double margin;	    /* two candidates >= upper closer than this: ambiguous */
	int tf;		    /* term-frequency adjustment of the EXACT and SURNAME name levels */
	double tf_min_u;    /* floor of a term-frequency u (caps the weight of a rare name) */
	double tf_clamp;    /* a TF weight stays within this many bits of the plain weight */
	int k;		    /* candidates to return, 1..LINK_K_MAX */
	unsigned block_cap; /* skip blocks with more persons than this */
};

/* The documented defaults (docs/linkage.md). */
void link_params_default(struct link_params *p);

/* One person or query row. Strings are borrowed for the duration of the call. name is
 * UTF-8; birth "YYYY-MM-DD" or "" ; gender 'M', 'F' or anything else for unknown; region a
 * statistical division code of 6, 9 or 12 digits (15-digit grids count as their village)
 * or "". Values that do not parse count as missing; they never fail a build or query. */
struct link_person {
	int64_t id;
	const char *name;
	const char *birth;
	char gender;
	const char *region;
};

/* Levels and weights of one pair, in comparison order: the side-by-side explanation. */
struct link_compare {
	enum link_name_level name;
	enum link_date_level birth;
	enum link_gender_level gender;
	enum link_region_level region;
	double w_name, w_birth, w_gender, w_region;
	double total;
};

#define LINK_K_MAX 8

struct link_candidate {
	int64_t id;
	size_t row; /* position in the array the index was built from */
	struct link_compare cmp;
};

struct link_result {
	enum link_decision decision;
	int n;		 /* candidates in cand[], best first */
	size_t compared; /* distinct persons scored */
	struct link_candidate cand[LINK_K_MAX];
};

struct link_index;

/* Build the index over n persons (n < 2^31). The index copies what it needs; the input
 * may be freed afterwards. Fails only with WB_ETOOBIG for n too large. */
int link_index_new(struct link_index **out, const struct link_person *persons, size_t n,
		   struct wb_error *err);
void link_index_free(struct link_index *ix);
/* Heap bytes held by the index. */
size_t link_index_bytes(const struct link_index *ix);
size_t link_index_count(const struct link_index *ix);

/* Best candidates for one row and the decision. Thread-safe on a shared index. */
void link_query(struct link_result *out, const struct link_index *ix, const struct link_params *p,
		const struct link_person *q);

/* Compare two persons directly (no term frequencies): for tests and explanations. */
void link_compare_persons(struct link_compare *out, const struct link_params *p,
			  const struct link_person *a, const struct link_person *b);

/*
 * Estimate the u probabilities from `pairs` random pairs of the index (almost all of
 * them different persons: Splink's estimate_u_using_random_sampling), with add-one
 * smoothing. Deterministic for a seed. Leaves m, thresholds and MISSING levels alone.
 */
void link_params_estimate_u(struct link_params *p, const struct link_index *ix, size_t pairs,
			    uint64_t seed);

/* Stable names of levels and decisions ("exact", "pinyin", …; "match", "review", "none"). */
const char *link_name_level_str(enum link_name_level l);
const char *link_date_level_str(enum link_date_level l);
const char *link_gender_level_str(enum link_gender_level l);
const char *link_region_level_str(enum link_region_level l);
const char *link_decision_str(enum link_decision d);

#endif
