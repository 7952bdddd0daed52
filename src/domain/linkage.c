/*
 * linkage -- Fellegi–Sunter scoring over a blocked index; see linkage.h and docs/linkage.md.
 *
 * Layout of the index (about 80 bytes a person):
 *   recs[]      one fixed 40-byte record per person: id, birth date, gender, region as a
 *               number, offset of its name in the pools, and the name's and surname's
 *               frequency in the index (for term-frequency weights);
 *   cps[], syl[] the normalised names (code points) and their pinyin syllables, pooled;
 *   dir[], ent[] the blocks: every person has up to four 64-bit blocking keys; the top
 *               dir_bits bits of a key choose a bucket (dir[b]..dir[b+1] in ent[]), the
 *               low 32 bits are kept to tell keys of one bucket apart. Two keys that agree
 *               on all of that merge their blocks, which only adds candidates.
 * The buckets are filled by a counting sort in two passes over the records, so the build
 * needs no temporary array of keys.
 */
#include "domain/linkage.h"

#include <math.h>
#include <string.h>

#include "core/timeutil.h"
#include "core/xalloc.h"
#include "domain/hanzi.h"
#include "domain/region.h"

#define LINK_NKEYS	   4
#define LINK_BLOCK_CAP_MAX 2048
#define LINK_CAND_MAX	   (LINK_NKEYS * LINK_BLOCK_CAP_MAX)
#define LINK_PERSONS_MAX   ((size_t)INT32_MAX)

struct rec {
	int64_t id;
	uint32_t name_off;
	uint8_t name_len;   /* 0: no usable name */
	char gender;	    /* 'M', 'F' or 0 */
	uint8_t region_len; /* significant digits: 0, 6, 9 or 12 */
	uint8_t pad;
	int32_t ymd;  /* yyyymmdd, 0: no usable date */
	int32_t days; /* days since 1970-01-01 */
	uint32_t name_freq;
	uint32_t surname_freq;
	uint64_t region; /* the first 12 digits as a number */
};

struct entry {
	uint32_t check; /* low 32 bits of the key */
	uint32_t row;
};

struct link_index {
	size_t n;
	struct rec *recs;
	uint32_t *cps;
	int16_t *syl;
	size_t pool_len, pool_cap;
	unsigned dir_bits;
	uint32_t *dir; /* (1 << dir_bits) + 1 offsets into ent */
	struct entry *ent;
	size_t nent;
};

/* A record's fields with its name resolved: what the comparators work on. */
struct view {
	const uint32_t *cps;
	const int16_t *syl;
	int n;
	char gender;
	int region_len;
	int32_t ymd, days;
	uint64_t region;
};

/* A query row encoded on the stack. */
struct qenc {
	uint32_t cps[HANZI_NAME_MAX];
	int16_t syl[HANZI_NAME_MAX];
	struct view v;
};

/* ---- encoding ------------------------------------------------------------------------ */

static void encode_date(struct view *v, const char *birth)
{
	int64_t days;
	int y, m, d;
	v->ymd = 0;
	v->days = 0;
	if (!birth || !*birth || date_parse(birth, &days) != 0)
		return;
	date_from_days(days, &y, &m, &d);
	v->ymd = y * 10000 + m * 100 + d;
	v->days = (int32_t)days;
}

static void encode_region(struct view *v, const char *region)
{
	char code[REGION_CODE_MAX + 1];
	v->region_len = 0;
	v->region = 0;
	if (!region || !*region || region_code_normalize(code, region, NULL) != 0)
		return;
	size_t len = region_prefix_len(code);
	if (len < 6)
		return;
	v->region_len = len >= 12 ? 12 : (int)len;
	for (int i = 0; i < 12; i++)
		v->region = v->region * 10 + (uint64_t)(code[i] - '0');
}

static void encode_query(struct qenc *q, const struct link_person *p)
{
	int n = p->name ? hanzi_normalize_cps(q->cps, p->name, strlen(p->name), NULL) : 0;
	q->v.n = n > 0 ? n : 0;
	for (int i = 0; i < q->v.n; i++)
		q->syl[i] = (int16_t)hanzi_syllable(q->cps[i]);
	q->v.cps = q->cps;
	q->v.syl = q->syl;
	q->v.gender = p->gender == 'M' || p->gender == 'F' ? p->gender : 0;
	encode_date(&q->v, p->birth);
	encode_region(&q->v, p->region);
}

static void rec_view(struct view *v, const struct link_index *ix, const struct rec *r)
{
	v->cps = ix->cps + r->name_off;
	v->syl = ix->syl + r->name_off;
	v->n = r->name_len;
	v->gender = r->gender;
	v->region_len = r->region_len;
	v->ymd = r->ymd;
	v->days = r->days;
	v->region = r->region;
}

/* ---- blocking keys ---------------------------------------------------------------------- */

static uint64_t mix(uint64_t h, uint64_t v)
{
	h = (h ^ v) * 0x9E3779B97F4A7C15ull;
	return h ^ (h >> 29);
}

static uint64_t finish(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* A syllable, or the code point itself for characters without a reading. */
static uint64_t sound(const struct view *v, int i)
{
	return v->syl[i] >= 0 ? (uint64_t)v->syl[i] : (uint64_t)v->cps[i] | (1ull << 32);
}

static uint64_t name_hash(const struct view *v, uint64_t h)
{
	for (int i = 0; i < v->n; i++)
		h = mix(h, v->cps[i]);
	return h;
}

/* The blocking keys of a record (docs/linkage.md); returns how many apply. */
static int view_keys(uint64_t keys[LINK_NKEYS], const struct view *v)
{
	int k = 0;
	if (v->n > 0 && v->ymd) {
		uint64_t h = mix(1, (uint64_t)(v->ymd / 10000));
		for (int i = 0; i < v->n; i++)
			h = mix(h, sound(v, i));
		keys[k++] = finish(h);
		keys[k++] = finish(mix(mix(2, sound(v, 0)), (uint64_t)v->ymd));
	}
	if (v->ymd && v->region_len >= 9)
		keys[k++] = finish(mix(mix(3, (uint64_t)v->ymd), v->region / 1000));
	if (v->n > 0 && v->region_len >= 6)
		keys[k++] = finish(name_hash(v, mix(4, v->region / 1000000)));
	return k;
}

/* ---- comparators ------------------------------------------------------------------------ */

static int same_sound(const struct view *a, const struct view *b, int i)
{
	return a->syl[i] >= 0 ? a->syl[i] == b->syl[i] : a->cps[i] == b->cps[i];
}

/* Optimal string alignment distance <= 1: one substitution, insertion, deletion or
 * transposition of adjacent characters. */
static int within_one_edit(const uint32_t *a, int na, const uint32_t *b, int nb)
{
	if (na == nb) {
		int i = 0;
		while (i < na && a[i] == b[i])
			i++;
		if (i >= na - 1)
			return 1;
		if (a[i] == b[i + 1] && a[i + 1] == b[i])
			i += 2;
		else
			i += 1;
		for (; i < na; i++)
			if (a[i] != b[i])
				return 0;
		return 1;
	}
	if (na - nb != 1 && nb - na != 1)
		return 0;
	if (na < nb) {
		const uint32_t *t = a;
		a = b;
		b = t;
		int tn = na;
		na = nb;
		nb = tn;
	}
	int i = 0;
	while (i < nb && a[i] == b[i])
		i++;
	for (; i < nb; i++)
		if (a[i + 1] != b[i])
			return 0;
	return 1;
}

static enum link_name_level cmp_name(const struct view *a, const struct view *b)
{
	if (a->n == 0 || b->n == 0)
		return LINK_NAME_MISSING;
	if (a->n == b->n) {
		int exact = 1, sound_eq = 1;
		for (int i = 0; i < a->n; i++) {
			exact &= a->cps[i] == b->cps[i];
			sound_eq &= same_sound(a, b, i);
		}
		if (exact)
			return LINK_NAME_EXACT;
		if (sound_eq)
			return LINK_NAME_PINYIN;
	}
	if (within_one_edit(a->cps, a->n, b->cps, b->n))
		return LINK_NAME_EDIT1;
	return a->cps[0] == b->cps[0] ? LINK_NAME_SURNAME : LINK_NAME_ELSE;
}

static enum link_date_level cmp_date(const struct view *a, const struct view *b)
{
	if (!a->ymd || !b->ymd)
		return LINK_DATE_MISSING;
	if (a->ymd == b->ymd)
		return LINK_DATE_EXACT;
	int ya = a->ymd / 10000, ma = a->ymd / 100 % 100, da = a->ymd % 100;
	int yb = b->ymd / 10000, mb = b->ymd / 100 % 100, db = b->ymd % 100;
	if (ya == yb && ma == db && da == mb)
		return LINK_DATE_SWAP;
	if (a->days - b->days == 1 || b->days - a->days == 1)
		return LINK_DATE_OFF1;
	if (ya == yb)
		return ma == mb ? LINK_DATE_YEAR_MONTH : LINK_DATE_YEAR;
	return LINK_DATE_ELSE;
}

static enum link_gender_level cmp_gender(const struct view *a, const struct view *b)
{
	if (!a->gender || !b->gender)
		return LINK_GENDER_MISSING;
	return a->gender == b->gender ? LINK_GENDER_EQUAL : LINK_GENDER_DIFFER;
}

static enum link_region_level cmp_region(const struct view *a, const struct view *b)
{
	int len = a->region_len < b->region_len ? a->region_len : b->region_len;
	if (len == 0)
		return LINK_REGION_MISSING;
	if (len >= 12 && a->region == b->region)
		return LINK_REGION_VILLAGE;
	if (len >= 9 && a->region / 1000 == b->region / 1000)
		return LINK_REGION_TOWNSHIP;
	if (a->region / 1000000 == b->region / 1000000)
		return LINK_REGION_COUNTY;
	return LINK_REGION_ELSE;
}

static double weight(struct link_mu mu)
{
	if (mu.m <= 0 || mu.u <= 0)
		return 0;
	return log2(mu.m / mu.u);
}

/* The term-frequency weight of an agreeing level: u is the value's share of the index
 * (at least tf_min_u), and the result stays within tf_clamp bits of the level's weight so
 * that a small index, where every share is large, cannot turn agreement into evidence
 * against (nor a unique name into a link on its own). */
static double tf_weight(const struct link_params *p, struct link_mu mu, uint32_t freq, size_t n)
{
	double base = weight(mu), u = n ? (double)freq / (double)n : 1;
	double w = log2(mu.m / (u > p->tf_min_u ? u : p->tf_min_u));
	return w < base - p->tf_clamp	? base - p->tf_clamp
	       : w > base + p->tf_clamp ? base + p->tf_clamp
					: w;
}

/* Levels and weights of a pair; TF from the index record r when given and enabled. */
static void compare(struct link_compare *c, const struct link_params *p, const struct view *a,
		    const struct view *b, const struct rec *r, size_t n)
{
	c->name = cmp_name(a, b);
	c->birth = cmp_date(a, b);
	c->gender = cmp_gender(a, b);
	c->region = cmp_region(a, b);
	c->w_name = c->name == LINK_NAME_MISSING ? 0 : weight(p->name[c->name]);
	if (r && p->tf && c->name == LINK_NAME_EXACT)
		c->w_name = tf_weight(p, p->name[c->name], r->name_freq, n);
	else if (r && p->tf && c->name == LINK_NAME_SURNAME)
		c->w_name = tf_weight(p, p->name[c->name], r->surname_freq, n);
	c->w_birth = c->birth == LINK_DATE_MISSING ? 0 : weight(p->birth[c->birth]);
	c->w_gender = c->gender == LINK_GENDER_MISSING ? 0 : weight(p->gender[c->gender]);
	c->w_region = c->region == LINK_REGION_MISSING ? 0 : weight(p->region[c->region]);
	c->total = c->w_name + c->w_birth + c->w_gender + c->w_region;
}

void link_compare_persons(struct link_compare *out, const struct link_params *p,
			  const struct link_person *a, const struct link_person *b)
{
	struct qenc qa, qb;
	encode_query(&qa, a);
	encode_query(&qb, b);
	compare(out, p, &qa.v, &qb.v, NULL, 0);
}

/* ---- defaults ---------------------------------------------------------------------------- */

void link_params_default(struct link_params *p)
{
	static const struct link_mu name[LINK_NAME_NLEVELS] = {
		{0.85, 1e-4}, {0.06, 1e-4}, {0.05, 3e-3}, {0.03, 0.06}, {0.01, 0.94}, {1, 1},
	};
	static const struct link_mu birth[LINK_DATE_NLEVELS] = {
		{0.88, 1e-4}, {0.03, 1e-4}, {0.04, 2e-4}, {0.02, 3e-3},
		{0.02, 0.03}, {0.01, 0.97}, {1, 1},
	};
	static const struct link_mu gender[LINK_GENDER_NLEVELS] = {
		{0.97, 0.5}, {0.03, 0.5}, {1, 1}};
	static const struct link_mu region[LINK_REGION_NLEVELS] = {
		{0.80, 3e-3}, {0.12, 0.03}, {0.05, 0.2}, {0.03, 0.767}, {1, 1},
	};
	memset(p, 0, sizeof(*p));
	memcpy(p->name, name, sizeof(name));
	memcpy(p->birth, birth, sizeof(birth));
	memcpy(p->gender, gender, sizeof(gender));
	memcpy(p->region, region, sizeof(region));
	p->upper = 24;
	p->lower = 18;
	p->margin = 5;
	p->tf = 1;
	p->tf_min_u = 1e-5;
	p->tf_clamp = 3.5;
	p->k = 5;
	p->block_cap = 1000;
}

/* ---- the index --------------------------------------------------------------------------- */

static void pool_add(struct link_index *ix, struct rec *r, const struct qenc *q)
{
	if (ix->pool_len + (size_t)q->v.n > ix->pool_cap) {
		ix->pool_cap = ix->pool_cap ? ix->pool_cap * 2 : 1024;
		ix->cps = xrealloc(ix->cps, ix->pool_cap * sizeof(*ix->cps));
		ix->syl = xrealloc(ix->syl, ix->pool_cap * sizeof(*ix->syl));
	}
	r->name_off = (uint32_t)ix->pool_len;
	r->name_len = (uint8_t)q->v.n;
	memcpy(ix->cps + ix->pool_len, q->cps, (size_t)q->v.n * sizeof(*ix->cps));
	memcpy(ix->syl + ix->pool_len, q->syl, (size_t)q->v.n * sizeof(*ix->syl));
	ix->pool_len += (size_t)q->v.n;
}

static void encode_all(struct link_index *ix, const struct link_person *persons)
{
	for (size_t i = 0; i < ix->n; i++) {
		struct qenc q;
		struct rec *r = &ix->recs[i];
		encode_query(&q, &persons[i]);
		r->id = persons[i].id;
		pool_add(ix, r, &q);
		r->gender = q.v.gender;
		r->region_len = (uint8_t)q.v.region_len;
		r->ymd = q.v.ymd;
		r->days = q.v.days;
		r->region = q.v.region;
	}
}

/* Open-addressing counter of 64-bit keys (0 is never a key: finish() of these is
 * nonzero in practice, and a zero key is remapped). */
struct counter {
	uint64_t *keys;
	uint32_t *counts;
	size_t mask;
};

static uint32_t *counter_slot(struct counter *c, uint64_t key)
{
	key = key ? key : 1;
	size_t i = (size_t)key & c->mask;
	while (c->keys[i] && c->keys[i] != key)
		i = (i + 1) & c->mask;
	c->keys[i] = key;
	return &c->counts[i];
}

static uint64_t surname_key(const struct view *v)
{
	return finish(mix(5, v->cps[0]));
}

/* Term frequencies: how many persons share each record's name and surname. */
static void count_names(struct link_index *ix)
{
	struct counter c;
	size_t cap = 1024;
	while (cap < ix->n * 4)
		cap *= 2;
	c.keys = xcalloc(cap, sizeof(*c.keys));
	c.counts = xcalloc(cap, sizeof(*c.counts));
	c.mask = cap - 1;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < ix->n; i++) {
			struct view v;
			struct rec *r = &ix->recs[i];
			rec_view(&v, ix, r);
			if (v.n == 0)
				continue;
			uint32_t *nc = counter_slot(&c, finish(name_hash(&v, 6)));
			uint32_t *sc = counter_slot(&c, surname_key(&v));
			if (pass == 0) {
				++*nc;
				++*sc;
			} else {
				r->name_freq = *nc;
				r->surname_freq = *sc;
			}
		}
	}
	free(c.keys);
	free(c.counts);
}

/* Counting sort of the blocking keys into buckets: pass 0 counts, pass 1 places. */
static void fill_blocks(struct link_index *ix)
{
	size_t nb = (size_t)1 << ix->dir_bits;
	unsigned shift = 64 - ix->dir_bits;
	ix->dir = xcalloc(nb + 1, sizeof(*ix->dir));
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < ix->n; i++) {
			struct view v;
			uint64_t keys[LINK_NKEYS];
			rec_view(&v, ix, &ix->recs[i]);
			int k = view_keys(keys, &v);
			for (int j = 0; j < k; j++) {
				size_t b = (size_t)(keys[j] >> shift);
				if (pass == 0) {
					ix->dir[b + 1]++;
					continue;
				}
				ix->ent[ix->dir[b]++] =
					(struct entry){(uint32_t)keys[j], (uint32_t)i};
			}
		}
		if (pass == 0) {
			for (size_t b = 0; b < nb; b++)
				ix->dir[b + 1] += ix->dir[b];
			ix->nent = ix->dir[nb];
			ix->ent = xmalloc((ix->nent ? ix->nent : 1) * sizeof(*ix->ent));
		}
	}
	/* Each dir[b] now holds the end of bucket b: shift back to starts. */
	memmove(ix->dir + 1, ix->dir, nb * sizeof(*ix->dir));
	ix->dir[0] = 0;
}

int link_index_new(struct link_index **out, const struct link_person *persons, size_t n,
		   struct wb_error *err)
{
	*out = NULL;
	if (n >= LINK_PERSONS_MAX / LINK_NKEYS)
		return wb_error_set(err, WB_ETOOBIG, 413, "LINK_TOO_MANY", "待匹配人员过多",
				    "too many persons for one linkage index");
	struct link_index *ix = xcalloc(1, sizeof(*ix));
	ix->n = n;
	ix->recs = xcalloc(n ? n : 1, sizeof(*ix->recs));
	encode_all(ix, persons);
	count_names(ix);
	ix->dir_bits = 8;
	while (ix->dir_bits < 22 && ((size_t)1 << ix->dir_bits) < n * 2)
		ix->dir_bits++;
	fill_blocks(ix);
	*out = ix;
	return 0;
}

void link_index_free(struct link_index *ix)
{
	if (!ix)
		return;
	free(ix->recs);
	free(ix->cps);
	free(ix->syl);
	free(ix->dir);
	free(ix->ent);
	free(ix);
}

size_t link_index_bytes(const struct link_index *ix)
{
	return sizeof(*ix) + ix->n * sizeof(*ix->recs) +
	       ix->pool_cap * (sizeof(*ix->cps) + sizeof(*ix->syl)) +
	       (((size_t)1 << ix->dir_bits) + 1) * sizeof(*ix->dir) + ix->nent * sizeof(*ix->ent);
}

size_t link_index_count(const struct link_index *ix)
{
	return ix->n;
}

/* ---- queries ----------------------------------------------------------------------------- */

/* Append the rows of one block unless it is larger than cap; returns the new count. */
static size_t block_rows(uint32_t *rows, size_t nrows, const struct link_index *ix, uint64_t key,
			 unsigned cap)
{
	size_t b = (size_t)(key >> (64 - ix->dir_bits));
	uint32_t check = (uint32_t)key, lo = ix->dir[b], hi = ix->dir[b + 1];
	unsigned count = 0;
	for (uint32_t i = lo; i < hi; i++)
		count += ix->ent[i].check == check;
	if (count > cap)
		return nrows;
	for (uint32_t i = lo; i < hi && nrows < LINK_CAND_MAX; i++)
		if (ix->ent[i].check == check)
			rows[nrows++] = ix->ent[i].row;
	return nrows;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Insert a scored candidate into the best-first list of at most k. */
static void keep_best(struct link_result *out, int k, const struct link_candidate *c)
{
	if (out->n == k && out->cand[k - 1].cmp.total >= c->cmp.total)
		return;
	int i = out->n < k ? out->n++ : k - 1;
	while (i > 0 && out->cand[i - 1].cmp.total < c->cmp.total) {
		out->cand[i] = out->cand[i - 1];
		i--;
	}
	out->cand[i] = *c;
}

static enum link_decision decide(const struct link_params *p, const struct link_result *r)
{
	if (r->n == 0 || r->cand[0].cmp.total < p->lower)
		return LINK_NONE;
	if (r->cand[0].cmp.total < p->upper)
		return LINK_REVIEW;
	if (r->n > 1 && r->cand[1].cmp.total >= p->upper &&
	    r->cand[0].cmp.total - r->cand[1].cmp.total < p->margin)
		return LINK_REVIEW;
	return LINK_MATCH;
}

void link_query(struct link_result *out, const struct link_index *ix, const struct link_params *p,
		const struct link_person *q)
{
	struct qenc qe;
	uint64_t keys[LINK_NKEYS];
	uint32_t rows[LINK_CAND_MAX];
	size_t nrows = 0;
	int k = p->k < 1 ? 1 : p->k > LINK_K_MAX ? LINK_K_MAX : p->k;
	unsigned cap = p->block_cap < LINK_BLOCK_CAP_MAX ? p->block_cap : LINK_BLOCK_CAP_MAX;

	memset(out, 0, sizeof(*out));
	encode_query(&qe, q);
	int nk = view_keys(keys, &qe.v);
	for (int i = 0; i < nk; i++)
		nrows = block_rows(rows, nrows, ix, keys[i], cap);
	qsort(rows, nrows, sizeof(*rows), cmp_u32);
	for (size_t i = 0; i < nrows; i++) {
		if (i > 0 && rows[i] == rows[i - 1])
			continue;
		struct link_candidate c;
		struct view v;
		const struct rec *r = &ix->recs[rows[i]];
		rec_view(&v, ix, r);
		compare(&c.cmp, p, &qe.v, &v, r, ix->n);
		c.id = r->id;
		c.row = rows[i];
		out->compared++;
		keep_best(out, k, &c);
	}
	out->decision = decide(p, out);
}

/* ---- u by random sampling ---------------------------------------------------------------- */

static uint64_t rng_next(uint64_t *s)
{
	return finish(*s += 0x9E3779B97F4A7C15ull);
}

/* u of the non-missing levels from counts, with add-one smoothing. */
static void set_u(struct link_mu *mu, const size_t *count, int nlevels)
{
	size_t total = 0;
	for (int l = 0; l < nlevels - 1; l++)
		total += count[l] + 1;
	for (int l = 0; l < nlevels - 1; l++)
		mu[l].u = (double)(count[l] + 1) / (double)total;
}

void link_params_estimate_u(struct link_params *p, const struct link_index *ix, size_t pairs,
			    uint64_t seed)
{
	size_t cn[LINK_NAME_NLEVELS] = {0}, cb[LINK_DATE_NLEVELS] = {0};
	size_t cg[LINK_GENDER_NLEVELS] = {0}, cr[LINK_REGION_NLEVELS] = {0};
	if (ix->n < 2 || pairs == 0)
		return;
	for (size_t i = 0; i < pairs; i++) {
		size_t a = (size_t)(rng_next(&seed) % ix->n), b = (size_t)(rng_next(&seed) % ix->n);
		if (a == b)
			continue;
		struct view va, vb;
		rec_view(&va, ix, &ix->recs[a]);
		rec_view(&vb, ix, &ix->recs[b]);
		cn[cmp_name(&va, &vb)]++;
		cb[cmp_date(&va, &vb)]++;
		cg[cmp_gender(&va, &vb)]++;
		cr[cmp_region(&va, &vb)]++;
	}
	set_u(p->name, cn, LINK_NAME_NLEVELS);
	set_u(p->birth, cb, LINK_DATE_NLEVELS);
	set_u(p->gender, cg, LINK_GENDER_NLEVELS);
	set_u(p->region, cr, LINK_REGION_NLEVELS);
}

/* ---- names ------------------------------------------------------------------------------- */

static const char *level_str(const char *const *names, int n, int l)
{
	return l >= 0 && l < n ? names[l] : "?";
}

const char *link_name_level_str(enum link_name_level l)
{
	static const char *const s[] = {"exact", "pinyin", "edit1", "surname", "else", "missing"};
	return level_str(s, LINK_NAME_NLEVELS, (int)l);
}

const char *link_date_level_str(enum link_date_level l)
{
	static const char *const s[] = {"exact", "swap", "off1",   "year_month",
					"year",	 "else", "missing"};
	return level_str(s, LINK_DATE_NLEVELS, (int)l);
}

const char *link_gender_level_str(enum link_gender_level l)
{
	static const char *const s[] = {"equal", "differ", "missing"};
	return level_str(s, LINK_GENDER_NLEVELS, (int)l);
}

const char *link_region_level_str(enum link_region_level l)
{
	static const char *const s[] = {"village", "township", "county", "else", "missing"};
	return level_str(s, LINK_REGION_NLEVELS, (int)l);
}

const char *link_decision_str(enum link_decision d)
{
	static const char *const s[] = {"none", "review", "match"};
	return level_str(s, 3, (int)d);
}
