/*
 * snapshot -- building, reading and updating the columnar screening snapshot (see
 * snapshot.h for the contract and snapshot_int.h for the layout and its invariants).
 *
 * The builder keeps the rows it is given and does everything in finish: order persons by
 * household, index ids, count facts and relations per person, lay them out in person
 * order (so one person's rows are contiguous and neighbours' rows are near), resolve
 * relation targets and build the reverse index. Updates touch one person's slots.
 */
#include "domain/snapshot.h"

#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "core/xalloc.h"
#include "domain/snapshot_int.h"

/* ---- the catalog ------------------------------------------------------------------- */

static const char *const fact_codes[SNAP_FT_COUNT] = {
	"hukou_rural",
	"migrant_work",
	"imprisoned",
	"compulsory_detox",
	"detained_other",
	"lost_contact",
	"deceased",
	"declared_missing",
	"disability",
	"serious_illness",
	"guardianship_revoked",
	"deported",
	"low_income",
	"extreme_poverty",
	"orphan_allowance",
	"unsupported_allowance",
	"in_school",
	"dropout",
	"employed",
	"bad_behaviour",
	"serious_bad_behaviour",
	"psych_screening",
	"parents_divorced",
	"community_correction",
	"conditional_non_prosecution",
	"crime_victim",
	"lives_alone",
	"unattended",
	"street_begging",
	"early_marriage",
	"divorced",
	"mandatory_report",
};

static const char *const rel_codes[SNAP_REL_COUNT] = {
	"father",      "mother",  "stepfather",	    "stepmother", "grandfather",
	"grandmother", "sibling", "other_relative", "guardian",
};

_Static_assert(SNAP_FT_COUNT <= 64, "the fact-type mask is 64 bits");

int snapshot_fact_type_id(const char *code)
{
	for (int i = 0; code && i < SNAP_FT_COUNT; i++)
		if (!strcmp(code, fact_codes[i]))
			return i;
	return -1;
}

const char *snapshot_fact_type_code(int type)
{
	return type >= 0 && type < SNAP_FT_COUNT ? fact_codes[type] : "";
}

int snapshot_rel_kind_id(const char *code)
{
	for (int i = 0; code && i < SNAP_REL_COUNT; i++)
		if (!strcmp(code, rel_codes[i]))
			return i;
	return -1;
}

const char *snapshot_rel_kind_code(int kind)
{
	return kind >= 0 && kind < SNAP_REL_COUNT ? rel_codes[kind] : "";
}

/* 心理健康筛查 levels, ordered by severity so that rules can say "黄 or above". */
static int32_t psych_code(const char *v)
{
	static const char *const levels[] = {"绿", "黄", "橙", "红"};
	for (int i = 0; i < 4; i++)
		if (!strcmp(v, levels[i]))
			return i + 1;
	return -1;
}

int32_t snapshot_value_code(int type, const char *value)
{
	const char *v = value ? value : "";
	switch (type) {
	case SNAP_FT_DISABILITY: /* GB/T 26341-2010 category 1..7, grade 1..4: "c-g" */
		if (strlen(v) == 3 && v[0] >= '1' && v[0] <= '7' && v[1] == '-' && v[2] >= '1' &&
		    v[2] <= '4')
			return (v[0] - '0') * 10 + (v[2] - '0');
		return -1;
	case SNAP_FT_PSYCH_SCREENING: return psych_code(v);
	case SNAP_FT_BAD_BEHAVIOUR:
	case SNAP_FT_SERIOUS_BAD_BEHAVIOUR: /* items of 预防法 28 / 38 */
		if (strlen(v) == 1 && v[0] >= '0' && v[0] <= '9')
			return v[0] - '0';
		return -1;
	case SNAP_FT_MANDATORY_REPORT: /* situations 1..9 of the 2020 opinion, 10 local */
		if (!strcmp(v, "10"))
			return 10;
		if (strlen(v) == 1 && v[0] >= '1' && v[0] <= '9')
			return v[0] - '0';
		return -1;
	default: return 0;
	}
}

uint64_t snapshot_region_code(const char *code)
{
	uint64_t v = 0;
	if (!code || !*code || strlen(code) > 19)
		return 0;
	for (const char *p = code; *p; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	return v;
}

/* ---- hashing ----------------------------------------------------------------------- */

static size_t hslot(int64_t key, size_t cap)
{
	uint64_t h = (uint64_t)key * 0x9E3779B97F4A7C15ull;
	return (size_t)(h ^ (h >> 31)) & (cap - 1);
}

static size_t pow2_at_least(size_t n)
{
	size_t c = 16;
	while (c < n)
		c *= 2;
	return c;
}

uint32_t snapshot_find(const struct snapshot *s, int64_t person_id)
{
	for (size_t i = hslot(person_id, s->htcap);; i = (i + 1) & (s->htcap - 1)) {
		uint32_t v = s->ht[i];
		if (v == SNAPSHOT_NONE || s->pid[v] == person_id)
			return v;
	}
}

static void ht_insert(struct snapshot *s, uint32_t p)
{
	size_t i = hslot(s->pid[p], s->htcap);
	while (s->ht[i] != SNAPSHOT_NONE)
		i = (i + 1) & (s->htcap - 1);
	s->ht[i] = p;
}

static void ht_rebuild(struct snapshot *s, size_t cap)
{
	free(s->ht);
	s->htcap = cap;
	s->ht = xmalloc(cap * sizeof(*s->ht));
	memset(s->ht, 0xff, cap * sizeof(*s->ht));
	for (uint32_t p = 0; p < s->n; p++)
		ht_insert(s, p);
}

/* Household table: slot values are person indices; an entry is live while that
 * person still belongs to the household (hh_id matches), else it is skipped. */
static size_t hh_slot(const struct snapshot *s, int64_t hh, int *found)
{
	size_t i = hslot(hh, s->hhcap);
	for (;; i = (i + 1) & (s->hhcap - 1)) {
		uint32_t v = s->hh_ht[i];
		if (v == SNAPSHOT_NONE) {
			*found = 0;
			return i;
		}
		if (s->hh_id[v] == hh) {
			*found = 1;
			return i;
		}
	}
}

static void hh_rebuild(struct snapshot *s, size_t cap)
{
	free(s->hh_ht);
	s->hhcap = cap;
	s->hh_ht = xmalloc(cap * sizeof(*s->hh_ht));
	memset(s->hh_ht, 0xff, cap * sizeof(*s->hh_ht));
	s->nhh = 0;
	for (uint32_t p = 0; p < s->n; p++) {
		int found;
		if (!s->hh_id[p])
			continue;
		size_t i = hh_slot(s, s->hh_id[p], &found);
		if (!found) {
			s->hh_ht[i] = p;
			s->nhh++;
		}
	}
}

/* ---- builder ----------------------------------------------------------------------- */

struct snapshot_builder {
	struct snapshot_person_in *persons;
	size_t np, capp;
	struct snapshot_fact_in *facts;
	size_t nf, capf;
	struct snapshot_relation_in *rels;
	size_t nr, capr;
};

#define GROW(arr, n, cap)                                                                          \
	do {                                                                                       \
		if ((n) == (cap)) {                                                                \
			(cap) = (cap) ? (cap)*2 : 1024;                                            \
			(arr) = xrealloc((arr), (cap) * sizeof(*(arr)));                           \
		}                                                                                  \
	} while (0)

struct snapshot_builder *snapshot_builder_new(void)
{
	return xcalloc(1, sizeof(struct snapshot_builder));
}

void snapshot_builder_free(struct snapshot_builder *b)
{
	if (!b)
		return;
	free(b->persons);
	free(b->facts);
	free(b->rels);
	free(b);
}

void snapshot_builder_add_person(struct snapshot_builder *b, const struct snapshot_person_in *p)
{
	GROW(b->persons, b->np, b->capp);
	b->persons[b->np++] = *p;
}

void snapshot_builder_add_fact(struct snapshot_builder *b, const struct snapshot_fact_in *f)
{
	GROW(b->facts, b->nf, b->capf);
	b->facts[b->nf++] = *f;
}

void snapshot_builder_add_relation(struct snapshot_builder *b, const struct snapshot_relation_in *r)
{
	GROW(b->rels, b->nr, b->capr);
	b->rels[b->nr++] = *r;
}

struct order {
	int64_t hh;
	uint32_t seq;
};

static int order_cmp(const void *a, const void *b)
{
	const struct order *x = a, *y = b;
	if (x->hh != y->hh)
		return x->hh < y->hh ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void alloc_persons(struct snapshot *s, uint32_t cap)
{
	s->cap = cap;
	s->hot = xrealloc(s->hot, cap * sizeof(*s->hot));
	s->pid = xrealloc(s->pid, cap * sizeof(*s->pid));
	s->hh_id = xrealloc(s->hh_id, cap * sizeof(*s->hh_id));
	s->hh_region = xrealloc(s->hh_region, cap * sizeof(*s->hh_region));
	s->scope_region = xrealloc(s->scope_region, cap * sizeof(*s->scope_region));
	s->gender = xrealloc(s->gender, cap * sizeof(*s->gender));
	s->hh_next = xrealloc(s->hh_next, cap * sizeof(*s->hh_next));
	s->f_cap = xrealloc(s->f_cap, cap * sizeof(*s->f_cap));
	s->r_cap = xrealloc(s->r_cap, cap * sizeof(*s->r_cap));
	s->d_cap = xrealloc(s->d_cap, cap * sizeof(*s->d_cap));
	s->d_len = xrealloc(s->d_len, cap * sizeof(*s->d_len));
	s->d_off = xrealloc(s->d_off, cap * sizeof(*s->d_off));
}

static void alloc_facts(struct snapshot *s, size_t cap)
{
	s->fcap = cap ? cap : 1;
	s->f_type = xrealloc(s->f_type, s->fcap * sizeof(*s->f_type));
	s->f_value = xrealloc(s->f_value, s->fcap * sizeof(*s->f_value));
	s->f_from = xrealloc(s->f_from, s->fcap * sizeof(*s->f_from));
	s->f_to = xrealloc(s->f_to, s->fcap * sizeof(*s->f_to));
	s->f_id = xrealloc(s->f_id, s->fcap * sizeof(*s->f_id));
}

static void alloc_rels(struct snapshot *s, size_t cap)
{
	s->rcap = cap ? cap : 1;
	s->r_target = xrealloc(s->r_target, s->rcap * sizeof(*s->r_target));
	s->r_kind = xrealloc(s->r_kind, s->rcap * sizeof(*s->r_kind));
	s->r_flags = xrealloc(s->r_flags, s->rcap * sizeof(*s->r_flags));
}

static void alloc_deps(struct snapshot *s, size_t cap)
{
	s->dcap = cap ? cap : 1;
	s->d_src = xrealloc(s->d_src, s->dcap * sizeof(*s->d_src));
}

static void set_person(struct snapshot *s, uint32_t p, const struct snapshot_person_in *in)
{
	s->pid[p] = in->id;
	s->hh_id[p] = in->household_id;
	s->hh_region[p] = in->household_region;
	s->scope_region[p] = in->scope_region;
	s->gender[p] = in->gender;
	s->hot[p].birth = in->birth;
}

/* Persons in household order, duplicates dropped; builds the id table. */
static void place_persons(struct snapshot *s, struct snapshot_builder *b)
{
	struct order *ord = xmalloc((b->np ? b->np : 1) * sizeof(*ord));
	for (size_t i = 0; i < b->np; i++) {
		int64_t hh = b->persons[i].household_id;
		ord[i].hh = hh ? hh : INT64_MAX; /* without a household: at the end, in order */
		ord[i].seq = (uint32_t)i;
	}
	qsort(ord, b->np, sizeof(*ord), order_cmp);
	alloc_persons(s, (uint32_t)(b->np ? b->np : 1));
	s->htcap = pow2_at_least(b->np * 2 + 2);
	s->ht = xmalloc(s->htcap * sizeof(*s->ht));
	memset(s->ht, 0xff, s->htcap * sizeof(*s->ht));
	for (size_t i = 0; i < b->np; i++) {
		const struct snapshot_person_in *in = &b->persons[ord[i].seq];
		if (snapshot_find(s, in->id) != SNAPSHOT_NONE) {
			s->duplicate_persons++;
			continue;
		}
		uint32_t p = s->n++;
		memset(&s->hot[p], 0, sizeof(s->hot[p]));
		set_person(s, p, in);
		ht_insert(s, p);
	}
	free(ord);
}

/* Household rings over the (sorted) blocks of equal household ids. */
static void link_households(struct snapshot *s)
{
	for (uint32_t i = 0; i < s->n;) {
		uint32_t j = i + 1;
		while (s->hh_id[i] && j < s->n && s->hh_id[j] == s->hh_id[i])
			j++;
		for (uint32_t k = i; k < j; k++)
			s->hh_next[k] = k + 1 < j ? k + 1 : i;
		i = j;
	}
	hh_rebuild(s, pow2_at_least(s->n + 2));
}

static int too_big(struct wb_error *err)
{
	return wb_error_set(err, WB_ETOOBIG, 413, "SNAPSHOT_TOO_BIG",
			    "单人事实或关系条数超过筛查快照上限",
			    "a person has more facts or relations than the snapshot allows");
}

static void place_facts(struct snapshot *s, struct snapshot_builder *b)
{
	uint32_t *owner = xmalloc((b->nf ? b->nf : 1) * sizeof(*owner));
	uint32_t *count = xcalloc(s->n + 1, sizeof(*count));
	for (size_t i = 0; i < b->nf; i++) {
		const struct snapshot_fact_in *f = &b->facts[i];
		uint32_t p = snapshot_find(s, f->person_id);
		if (p == SNAPSHOT_NONE || f->type < 0 || f->type >= SNAP_FT_COUNT) {
			owner[i] = SNAPSHOT_NONE;
			s->dropped_facts++;
			continue;
		}
		if (count[p] == SNAPSHOT_MAX_FACTS_PER_PERSON) { /* beyond the cap: dropped */
			owner[i] = SNAPSHOT_NONE;
			s->dropped_facts++;
			continue;
		}
		owner[i] = p;
		count[p]++;
	}
	alloc_facts(s, b->nf);
	size_t off = 0;
	for (uint32_t p = 0; p < s->n; p++) {
		s->hot[p].f_off = (uint32_t)off;
		s->f_cap[p] = (uint16_t)count[p];
		off += count[p];
	}
	for (size_t i = 0; i < b->nf; i++) {
		uint32_t p = owner[i];
		if (p == SNAPSHOT_NONE)
			continue;
		const struct snapshot_fact_in *f = &b->facts[i];
		size_t at = s->hot[p].f_off + s->hot[p].f_len++;
		s->f_type[at] = (uint8_t)f->type;
		s->f_value[at] = f->value;
		s->f_from[at] = f->from;
		s->f_to[at] = f->to;
		s->f_id[at] = f->id;
		s->hot[p].mask |= 1ull << f->type;
	}
	s->nf = off;
	free(owner);
	free(count);
}

static void place_relations(struct snapshot *s, struct snapshot_builder *b)
{
	uint32_t *from = xmalloc((b->nr ? b->nr : 1) * sizeof(*from));
	uint32_t *to = xmalloc((b->nr ? b->nr : 1) * sizeof(*to));
	uint32_t *count = xcalloc(s->n + 1, sizeof(*count));
	uint32_t *dcount = xcalloc(s->n + 1, sizeof(*dcount));
	for (size_t i = 0; i < b->nr; i++) {
		const struct snapshot_relation_in *r = &b->rels[i];
		from[i] = snapshot_find(s, r->person_id);
		to[i] = snapshot_find(s, r->related_id);
		if (from[i] == SNAPSHOT_NONE || to[i] == SNAPSHOT_NONE || from[i] == to[i] ||
		    r->kind < 0 || r->kind >= SNAP_REL_COUNT) {
			from[i] = SNAPSHOT_NONE;
			s->dropped_relations++;
			continue;
		}
		if (count[from[i]] == SNAPSHOT_MAX_RELATIONS_PER_PERSON ||
		    dcount[to[i]] == UINT16_MAX) { /* beyond the caps: dropped */
			from[i] = SNAPSHOT_NONE;
			s->dropped_relations++;
			continue;
		}
		count[from[i]]++;
		dcount[to[i]]++;
	}
	alloc_rels(s, b->nr);
	alloc_deps(s, b->nr);
	size_t off = 0, doff = 0;
	for (uint32_t p = 0; p < s->n; p++) {
		s->hot[p].r_off = (uint32_t)off;
		s->r_cap[p] = (uint16_t)count[p];
		off += count[p];
		s->d_off[p] = (uint32_t)doff;
		s->d_cap[p] = (uint16_t)dcount[p];
		s->d_len[p] = 0;
		doff += dcount[p];
	}
	for (size_t i = 0; i < b->nr; i++) {
		uint32_t p = from[i], t = to[i];
		if (p == SNAPSHOT_NONE)
			continue;
		size_t at = s->hot[p].r_off + s->hot[p].r_len++;
		s->r_target[at] = t;
		s->r_kind[at] = (uint8_t)b->rels[i].kind;
		s->r_flags[at] = (uint8_t)b->rels[i].flags;
		s->d_src[s->d_off[t] + s->d_len[t]++] = p;
	}
	s->nr = off;
	s->nd = doff;
	free(from);
	free(to);
	free(count);
	free(dcount);
}

int snapshot_builder_finish(struct snapshot **out, struct snapshot_builder *b, struct wb_error *err)
{
	*out = NULL;
	if (b->np >= INT32_MAX || b->nf >= INT32_MAX || b->nr >= INT32_MAX) {
		snapshot_builder_free(b);
		return wb_error_set(err, WB_ETOOBIG, 413, "SNAPSHOT_TOO_BIG",
				    "筛查快照超过行数上限", "the snapshot exceeds its row limit");
	}
	/* Each input array is freed as soon as it is laid out, to keep the peak low. */
	struct snapshot *s = xcalloc(1, sizeof(*s));
	place_persons(s, b);
	free(b->persons);
	b->persons = NULL;
	link_households(s);
	place_facts(s, b);
	free(b->facts);
	b->facts = NULL;
	place_relations(s, b);
	snapshot_builder_free(b);
	*out = s;
	return 0;
}

void snapshot_free(struct snapshot *s)
{
	if (!s)
		return;
	void *cols[] = {s->hot,	   s->pid,     s->hh_id,    s->hh_region, s->scope_region,
			s->gender, s->hh_next, s->f_cap,    s->r_cap,	  s->d_cap,
			s->d_len,  s->d_off,   s->f_type,   s->f_value,	  s->f_from,
			s->f_to,   s->f_id,    s->r_target, s->r_kind,	  s->r_flags,
			s->d_src,  s->ht,      s->hh_ht};
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		free(cols[i]);
	free(s);
}

void snapshot_stats(struct snapshot_stats *out, const struct snapshot *s)
{
	memset(out, 0, sizeof(*out));
	out->persons = s->n;
	for (uint32_t p = 0; p < s->n; p++) {
		out->facts += s->hot[p].f_len;
		out->relations += s->hot[p].r_len;
	}
	out->households = s->nhh;
	out->dropped_facts = s->dropped_facts;
	out->dropped_relations = s->dropped_relations;
	out->duplicate_persons = s->duplicate_persons;
	out->bytes = (size_t)s->cap * (sizeof(struct snap_hot) + 8 * 4 + 1 + 4 * 2 + 2 * 4) +
		     s->fcap * (1 + 4 * 3 + 8) + s->rcap * (4 + 1 + 1) + s->dcap * 4 +
		     (s->htcap + s->hhcap) * 4;
}

/* ---- reading ----------------------------------------------------------------------- */

uint32_t snapshot_count(const struct snapshot *s)
{
	return s->n;
}

int64_t snapshot_person_id(const struct snapshot *s, uint32_t p)
{
	return s->pid[p];
}

int32_t snapshot_person_birth(const struct snapshot *s, uint32_t p)
{
	return s->hot[p].birth;
}

char snapshot_person_gender(const struct snapshot *s, uint32_t p)
{
	return s->gender[p];
}

int64_t snapshot_person_household(const struct snapshot *s, uint32_t p)
{
	return s->hh_id[p];
}

uint64_t snapshot_person_scope_region(const struct snapshot *s, uint32_t p)
{
	return s->scope_region[p];
}

uint64_t snapshot_person_household_region(const struct snapshot *s, uint32_t p)
{
	return s->hh_region[p];
}

void snapshot_person_facts(struct snapshot_facts *out, const struct snapshot *s, uint32_t p)
{
	uint32_t o = s->hot[p].f_off;
	out->n = s->hot[p].f_len;
	out->type = s->f_type + o;
	out->value = s->f_value + o;
	out->from = s->f_from + o;
	out->to = s->f_to + o;
	out->id = s->f_id + o;
}

void snapshot_person_relations(struct snapshot_rels *out, const struct snapshot *s, uint32_t p)
{
	uint32_t o = s->hot[p].r_off;
	out->n = s->hot[p].r_len;
	out->target = s->r_target + o;
	out->kind = s->r_kind + o;
	out->flags = s->r_flags + o;
}

/* ---- dependants -------------------------------------------------------------------- */

static size_t add_unique(uint32_t *out, size_t n, size_t cap, uint32_t p)
{
	for (size_t i = 0; i < n && i < cap; i++)
		if (out[i] == p)
			return n;
	if (n < cap)
		out[n] = p;
	return n + 1;
}

static size_t collect(const struct snapshot *s, uint32_t p, uint32_t *out, size_t n, size_t cap)
{
	n = add_unique(out, n, cap, p);
	for (uint32_t i = 0; i < s->d_len[p]; i++)
		n = add_unique(out, n, cap, s->d_src[s->d_off[p] + i]);
	for (uint32_t q = s->hh_next[p]; q != p; q = s->hh_next[q])
		n = add_unique(out, n, cap, q);
	return n;
}

size_t snapshot_dependants(const struct snapshot *s, uint32_t p, uint32_t *out, size_t cap)
{
	return collect(s, p, out, 0, cap);
}

/* ---- incremental update ------------------------------------------------------------ */

static uint32_t append_person(struct snapshot *s, const struct snapshot_person_in *in)
{
	if (s->n == s->cap)
		alloc_persons(s, s->cap + s->cap / 2 + 16);
	uint32_t p = s->n++;
	memset(&s->hot[p], 0, sizeof(s->hot[p]));
	s->pid[p] = in->id;
	s->hh_id[p] = 0;
	s->hh_next[p] = p;
	s->f_cap[p] = s->r_cap[p] = s->d_cap[p] = s->d_len[p] = 0;
	s->d_off[p] = 0;
	s->hot[p].f_off = (uint32_t)s->nf;
	s->hot[p].r_off = (uint32_t)s->nr;
	if ((size_t)s->n * 2 > s->htcap)
		ht_rebuild(s, s->htcap * 2);
	else
		ht_insert(s, p);
	return p;
}

static void household_leave(struct snapshot *s, uint32_t p)
{
	int found;
	if (s->hh_id[p]) {
		size_t i = hh_slot(s, s->hh_id[p], &found);
		if (found && s->hh_ht[i] == p)
			s->hh_ht[i] = s->hh_next[p]; /* p itself when alone: goes stale below */
	}
	uint32_t q = p;
	while (s->hh_next[q] != p)
		q = s->hh_next[q];
	s->hh_next[q] = s->hh_next[p];
	s->hh_next[p] = p;
}

static void household_join(struct snapshot *s, uint32_t p, int64_t hh)
{
	int found;
	s->hh_id[p] = hh;
	if (!hh)
		return;
	if ((s->nhh + 1) * 2 > s->hhcap)
		hh_rebuild(s, s->hhcap * 2);
	size_t i = hh_slot(s, hh, &found);
	if (!found) {
		s->hh_ht[i] = p;
		s->nhh++;
		return;
	}
	uint32_t rep = s->hh_ht[i];
	s->hh_next[p] = s->hh_next[rep];
	s->hh_next[rep] = p;
}

static void dep_remove(struct snapshot *s, uint32_t t, uint32_t p)
{
	uint32_t *d = s->d_src + s->d_off[t];
	for (uint32_t i = 0; i < s->d_len[t]; i++)
		if (d[i] == p) {
			d[i] = d[--s->d_len[t]];
			return;
		}
}

/* 0 when t already has UINT16_MAX dependants (the relation is then not indexed). */
static int dep_add(struct snapshot *s, uint32_t t, uint32_t p)
{
	if (s->d_len[t] == UINT16_MAX)
		return 0;
	if (s->d_len[t] == s->d_cap[t]) { /* move to the end with room to grow */
		uint32_t grow = (uint32_t)s->d_cap[t] * 2 + 2;
		uint16_t ncap = (uint16_t)(grow > UINT16_MAX ? UINT16_MAX : grow);
		if (s->nd + ncap > s->dcap)
			alloc_deps(s, (s->nd + ncap) * 2);
		memcpy(s->d_src + s->nd, s->d_src + s->d_off[t], s->d_len[t] * sizeof(*s->d_src));
		s->d_off[t] = (uint32_t)s->nd;
		s->d_cap[t] = ncap;
		s->nd += ncap;
	}
	s->d_src[s->d_off[t] + s->d_len[t]++] = p;
	return 1;
}

static void write_facts(struct snapshot *s, uint32_t p, const struct snapshot_fact_in *facts,
			size_t n)
{
	if (n > s->f_cap[p]) {
		if (s->nf + n > s->fcap)
			alloc_facts(s, (s->nf + n) * 2);
		s->hot[p].f_off = (uint32_t)s->nf;
		s->f_cap[p] = (uint16_t)n;
		s->nf += n;
	}
	s->hot[p].f_len = (uint16_t)n;
	s->hot[p].mask = 0;
	for (size_t i = 0; i < n; i++) {
		size_t at = s->hot[p].f_off + i;
		s->f_type[at] = (uint8_t)facts[i].type;
		s->f_value[at] = facts[i].value;
		s->f_from[at] = facts[i].from;
		s->f_to[at] = facts[i].to;
		s->f_id[at] = facts[i].id;
		s->hot[p].mask |= 1ull << facts[i].type;
	}
}

static void write_relations(struct snapshot *s, uint32_t p, const struct snapshot_relation_in *rels,
			    size_t n)
{
	for (uint32_t i = 0; i < s->hot[p].r_len; i++)
		dep_remove(s, s->r_target[s->hot[p].r_off + i], p);
	if (n > s->r_cap[p]) {
		if (s->nr + n > s->rcap)
			alloc_rels(s, (s->nr + n) * 2);
		s->hot[p].r_off = (uint32_t)s->nr;
		s->r_cap[p] = (uint16_t)n;
		s->nr += n;
	}
	uint16_t k = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t t = snapshot_find(s, rels[i].related_id);
		if (t == SNAPSHOT_NONE || t == p || rels[i].kind < 0 ||
		    rels[i].kind >= SNAP_REL_COUNT)
			continue;
		if (!dep_add(s, t, p)) {
			s->dropped_relations++;
			continue;
		}
		size_t at = s->hot[p].r_off + k++;
		s->r_target[at] = t;
		s->r_kind[at] = (uint8_t)rels[i].kind;
		s->r_flags[at] = (uint8_t)rels[i].flags;
	}
	s->hot[p].r_len = k;
}

static int check_update(const struct snapshot_fact_in *facts, size_t nfacts, size_t nrels,
			struct wb_error *err)
{
	if (nfacts > SNAPSHOT_MAX_FACTS_PER_PERSON || nrels > SNAPSHOT_MAX_RELATIONS_PER_PERSON)
		return too_big(err);
	for (size_t i = 0; i < nfacts; i++)
		if (facts[i].type < 0 || facts[i].type >= SNAP_FT_COUNT)
			return wb_error_set(err, WB_EINVAL, 422, "FACT_TYPE_UNKNOWN",
					    "事实类型不在筛查目录中",
					    "fact type unknown to the screening catalog");
	return 0;
}

int snapshot_update_person(struct snapshot *s, const struct snapshot_person_in *p_in,
			   const struct snapshot_fact_in *facts, size_t nfacts,
			   const struct snapshot_relation_in *rels, size_t nrels,
			   uint32_t *affected, size_t cap, size_t *naffected, struct wb_error *err)
{
	int rc = check_update(facts, nfacts, nrels, err);
	if (rc)
		return rc;
	uint32_t p = snapshot_find(s, p_in->id);
	size_t n = 0;
	if (p == SNAPSHOT_NONE)
		p = append_person(s, p_in);
	else
		n = collect(s, p, affected, 0, cap); /* household and dependants before */
	if (s->hh_id[p] != p_in->household_id) {
		household_leave(s, p);
		household_join(s, p, p_in->household_id);
	}
	set_person(s, p, p_in);
	write_facts(s, p, facts, nfacts);
	write_relations(s, p, rels, nrels);
	*naffected = collect(s, p, affected, n, cap);
	return 0;
}

/* ---- replication (benchmarks) ------------------------------------------------------ */

static int64_t max_id(const int64_t *v, size_t n)
{
	int64_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

static void copy_person(struct snapshot *d, const struct snapshot *s, uint32_t p, uint32_t q,
			int64_t id_off, int64_t hh_off, int64_t fact_off)
{
	d->pid[q] = s->pid[p] + id_off;
	d->hh_id[q] = s->hh_id[p] ? s->hh_id[p] + hh_off : 0;
	d->hh_region[q] = s->hh_region[p];
	d->scope_region[q] = s->scope_region[p];
	d->gender[q] = s->gender[p];
	d->hot[q] = s->hot[p];
	d->hot[q].f_off = (uint32_t)d->nf;
	d->hot[q].r_off = (uint32_t)d->nr;
	d->f_cap[q] = s->hot[p].f_len;
	d->r_cap[q] = s->hot[p].r_len;
	for (uint32_t i = 0; i < s->hot[p].f_len; i++, d->nf++) {
		size_t a = s->hot[p].f_off + i;
		d->f_type[d->nf] = s->f_type[a];
		d->f_value[d->nf] = s->f_value[a];
		d->f_from[d->nf] = s->f_from[a];
		d->f_to[d->nf] = s->f_to[a];
		d->f_id[d->nf] = s->f_id[a] + fact_off;
	}
	for (uint32_t i = 0; i < s->hot[p].r_len; i++, d->nr++) {
		size_t a = s->hot[p].r_off + i;
		d->r_target[d->nr] = s->r_target[a] + (q - p);
		d->r_kind[d->nr] = s->r_kind[a];
		d->r_flags[d->nr] = s->r_flags[a];
	}
	d->d_off[q] = (uint32_t)d->nd;
	d->d_len[q] = d->d_cap[q] = s->d_len[p];
	for (uint32_t i = 0; i < s->d_len[p]; i++)
		d->d_src[d->nd++] = s->d_src[s->d_off[p] + i] + (q - p);
	d->hh_next[q] = s->hh_next[p] + (q - p);
}

struct snapshot *snapshot_replicate(const struct snapshot *s, unsigned times)
{
	struct snapshot *d = xcalloc(1, sizeof(*d));
	size_t nf = 0, nr = 0, nd = 0;
	for (uint32_t p = 0; p < s->n; p++) {
		nf += s->hot[p].f_len;
		nr += s->hot[p].r_len;
		nd += s->d_len[p];
	}
	uint64_t total = (uint64_t)s->n * times;
	if (times == 0 || total >= INT32_MAX || nf * times >= UINT32_MAX ||
	    nr * times >= UINT32_MAX)
		times = 1, total = s->n;
	alloc_persons(d, (uint32_t)(total ? total : 1));
	alloc_facts(d, nf * times);
	alloc_rels(d, nr * times);
	alloc_deps(d, nd * times);
	int64_t id_off = max_id(s->pid, s->n) + 1, hh_off = max_id(s->hh_id, s->n) + 1;
	int64_t fact_off = max_id(s->f_id, s->nf) + 1;
	for (unsigned k = 0; k < times; k++)
		for (uint32_t p = 0; p < s->n; p++)
			copy_person(d, s, p, (uint32_t)(k * s->n + p), id_off * k, hh_off * k,
				    fact_off * k);
	d->n = (uint32_t)total;
	ht_rebuild(d, pow2_at_least(total * 2 + 2));
	hh_rebuild(d, pow2_at_least(total + 2));
	return d;
}
