/*
 * snapshot_int -- the layout of struct snapshot, shared by snapshot.c and the evaluator
 * (rule_eval.c) only. Everyone else uses the functions of snapshot.h.
 *
 * Invariants:
 *   - hot[p] holds what the evaluator reads for every person: the fact-type mask, the
 *     birth day and the ranges of p's facts (f_* columns, [f_off, f_off + f_len)) and of
 *     p's relations (r_* columns); 24 bytes, so one person is one cache-line access;
 *   - a person's fact and relation slots have a capacity (f_cap, r_cap): an update that
 *     fits rewrites in place, a bigger one moves the person's rows to the end of the
 *     columns (the old slots stay unused until the next full load);
 *   - the dependants of p (persons whose relations name p) are d_src[d_off .. d_off+d_len)
 *     with the same capacity scheme;
 *   - households are rings: hh_next[p] is the next person of p's household (p itself
 *     when alone); persons are stored grouped by household by the builder;
 *   - ids are found through an open-addressing table of person indices (ht, power of two,
 *     SNAPSHOT_NONE = empty), households through hh_ht the same way.
 */
#ifndef WB_SNAPSHOT_INT_H
#define WB_SNAPSHOT_INT_H
#include <stddef.h>
#include <stdint.h>

#include "domain/snapshot.h"

struct snap_hot {
	uint64_t mask; /* bit t: the person has a fact of type t (any dates) */
	int32_t birth;
	uint32_t f_off;
	uint32_t r_off;
	uint16_t f_len, r_len;
};

struct snapshot {
	uint32_t n, cap;
	struct snap_hot *hot;
	int64_t *pid, *hh_id;
	uint64_t *hh_region, *scope_region;
	char *gender;
	uint32_t *hh_next;
	uint16_t *f_cap, *r_cap, *d_cap, *d_len;
	uint32_t *d_off;

	size_t nf, fcap; /* fact columns */
	uint8_t *f_type;
	int32_t *f_value, *f_from, *f_to;
	int64_t *f_id;

	size_t nr, rcap; /* relation columns */
	uint32_t *r_target;
	uint8_t *r_kind, *r_flags;

	size_t nd, dcap; /* dependants */
	uint32_t *d_src;

	uint32_t *ht, *hh_ht;
	size_t htcap, hhcap, nhh;

	size_t dropped_facts, dropped_relations, duplicate_persons;
};

#endif
