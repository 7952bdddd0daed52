/*
 * bulk_index -- the secondary indexes of a page-written bulk load (see bulk_index.h).
 */
#include "store/bulk_index.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/radix.h"
#include "core/xalloc.h"

/* ---- interned texts ----------------------------------------------------------------
 * Key texts of a load are few (region codes, birth dates, relation kinds): each gets a
 * provisional number when first seen; bix_write sorts them once and renumbers, so a
 * text key compares as an integer. */

struct dict {
	char *bytes;
	size_t used, cap;
	size_t *off; /* [id]: start of text id in bytes */
	uint32_t *len;
	uint32_t n, nalloc;
	uint64_t *slots; /* open addressing: hash's high 32 bits << 32 | id + 1; 0 empty */
	uint32_t nslots;
	uint32_t *rank;	   /* after dict_sort: [provisional id] → final number (1-based) */
	uint32_t *by_rank; /* [final number − 1] → provisional id */
};

static void dict_grow_slots(struct dict *d)
{
	uint32_t n = d->nslots ? d->nslots * 2 : 4096;
	uint64_t *s = xcalloc(n, sizeof(*s));
	for (uint32_t i = 0; i < d->nslots; i++) {
		uint64_t e = d->slots[i];
		if (!e)
			continue;
		uint32_t id = (uint32_t)e - 1;
		uint32_t j = (uint32_t)hash_bytes(d->bytes + d->off[id], d->len[id]) & (n - 1);
		while (s[j])
			j = (j + 1) & (n - 1);
		s[j] = e;
	}
	free(d->slots);
	d->slots = s;
	d->nslots = n;
}

/* The provisional number of text p[0..n). Slots keep a tag of the hash, so a probe that
 * meets another text rarely reads its bytes. */
static uint32_t dict_intern(struct dict *d, const char *p, size_t n)
{
	if ((d->n + 1) * 2 > d->nslots)
		dict_grow_slots(d);
	uint64_t h = hash_bytes(p, n);
	uint64_t tag = h >> 32 << 32;
	uint32_t j = (uint32_t)h & (d->nslots - 1);
	for (uint64_t e; (e = d->slots[j]) != 0; j = (j + 1) & (d->nslots - 1)) {
		uint32_t id = (uint32_t)e - 1;
		if ((e & ~0xffffffffULL) == tag && d->len[id] == n &&
		    memcmp(d->bytes + d->off[id], p, n) == 0)
			return id;
	}
	if (d->n == d->nalloc) {
		d->nalloc = d->nalloc ? d->nalloc * 2 : 1024;
		d->off = xrealloc(d->off, d->nalloc * sizeof(*d->off));
		d->len = xrealloc(d->len, d->nalloc * sizeof(*d->len));
	}
	if (d->used + n > d->cap) {
		d->cap = (d->cap + n) * 2;
		d->bytes = xrealloc(d->bytes, d->cap);
	}
	memcpy(d->bytes + d->used, p, n);
	d->off[d->n] = d->used;
	d->len[d->n] = (uint32_t)n;
	d->used += n;
	d->slots[j] = tag | (uint64_t)++d->n;
	return d->n - 1;
}

static const struct dict *sort_dict; /* qsort has no context argument in C17 */

/* SQLite's BINARY collation: memcmp over the common length, then the shorter first. */
static int cmp_text(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	const struct dict *d = sort_dict;
	uint32_t lx = d->len[x], ly = d->len[y];
	int c = memcmp(d->bytes + d->off[x], d->bytes + d->off[y], lx < ly ? lx : ly);
	return c ? c : (lx > ly) - (lx < ly);
}

static void dict_sort(struct dict *d)
{
	d->by_rank = xmalloc((d->n + 1) * sizeof(*d->by_rank));
	d->rank = xmalloc((d->n + 1) * sizeof(*d->rank));
	for (uint32_t i = 0; i < d->n; i++)
		d->by_rank[i] = i;
	sort_dict = d;
	qsort(d->by_rank, d->n, sizeof(*d->by_rank), cmp_text);
	for (uint32_t i = 0; i < d->n; i++)
		d->rank[d->by_rank[i]] = i + 1;
}

static void dict_free(struct dict *d)
{
	free(d->bytes);
	free(d->off);
	free(d->len);
	free(d->slots);
	free(d->rank);
	free(d->by_rank);
}

/* Grow a key array by doubling (large blocks are mmapped: realloc moves them by mremap,
 * no copy; transparent huge pages for them measured no faster). */
static void *grow(void *p, size_t *cap, size_t elem)
{
	*cap = *cap ? *cap * 2 : 65536;
	return xrealloc(p, *cap * elem);
}

/* ---- the keys of one index --------------------------------------------------------
 * An entry is nw words: one per key column that is not the rowid alias (0 NULL; an
 * integer + 1; a text's number; a blob's number + 1), then the rowid. */

struct ixkeys {
	const struct bix_def *d;
	int nw;
	int skip[BIX_MAX_COLS]; /* column is the rowid alias: not stored, it is the rowid */
	uint64_t *w;
	size_t n, cap;	      /* entries */
	unsigned char *blobs; /* blob column: bloblen bytes each */
	size_t nblobs, blobcap, bloblen;
	int bad; /* a key this module cannot order (negative integer, blob length) */
};

#define BIX_MAX_TABLES 8

struct bix {
	struct dict dict;
	struct ixkeys *ix;
	int n;
	int of_table[BIX_MAX_TABLES][16]; /* the indexes of each table */
	int nof_table[BIX_MAX_TABLES];
};

struct bix *bix_new(const struct bix_def *defs, int n)
{
	struct bix *x = xcalloc(1, sizeof(*x));
	x->ix = xcalloc((size_t)n, sizeof(*x->ix));
	x->n = n;
	for (int i = 0; i < n; i++) {
		struct ixkeys *k = &x->ix[i];
		k->d = &defs[i];
		k->nw = 1;
		int t = defs[i].table;
		if (t >= 0 && t < BIX_MAX_TABLES && x->nof_table[t] < 16)
			x->of_table[t][x->nof_table[t]++] = i;
		for (int c = 0; c < defs[i].ncols; c++) {
			k->skip[c] = defs[i].col[c] == 0;
			k->nw += !k->skip[c];
		}
	}
	return x;
}

static uint64_t blob_ref(struct ixkeys *k, const struct pf_value *v)
{
	if (!k->bloblen)
		k->bloblen = v->n;
	if (v->n != k->bloblen || !v->n) {
		k->bad = 1;
		return 0;
	}
	if (k->nblobs == k->blobcap)
		k->blobs = grow(k->blobs, &k->blobcap, k->bloblen);
	memcpy(k->blobs + k->nblobs * k->bloblen, v->p, v->n);
	return ++k->nblobs;
}

#define BIX_MAX_COLUMN 64

void bix_add_row(struct bix *x, int table, int64_t rowid, const struct pf_value *v)
{
	if (table < 0 || table >= BIX_MAX_TABLES)
		return;
	/* A text key column shared by several indexes (scope_region) is interned once. */
	uint64_t text_id[BIX_MAX_COLUMN];
	uint64_t have = 0; /* bit c: text_id[c] is set */
	for (int t = 0; t < x->nof_table[table]; t++) {
		struct ixkeys *k = &x->ix[x->of_table[table][t]];
		if (k->n == k->cap)
			k->w = grow(k->w, &k->cap, (size_t)k->nw * sizeof(uint64_t));
		uint64_t *e = k->w + k->n++ * (size_t)k->nw;
		int j = 0;
		for (int c = 0; c < k->d->ncols; c++) {
			if (k->skip[c])
				continue;
			int col = k->d->col[c];
			const struct pf_value *val = &v[col];
			uint64_t word = 0;
			if (val->type == PF_NULL) {
				word = 0;
			} else if (k->d->type[c] == BIX_INT && val->type == PF_INT && val->i >= 0) {
				word = (uint64_t)val->i + 1;
			} else if (k->d->type[c] == BIX_TEXT && val->type == PF_TEXT) {
				if (col < BIX_MAX_COLUMN && (have >> col & 1)) {
					word = text_id[col];
				} else {
					word = (uint64_t)dict_intern(&x->dict, val->p, val->n) + 1;
					if (col < BIX_MAX_COLUMN) {
						text_id[col] = word;
						have |= 1ULL << col;
					}
				}
			} else if (k->d->type[c] == BIX_BLOB && val->type == PF_BLOB) {
				word = blob_ref(k, val);
			} else {
				k->bad = 1;
			}
			e[j++] = word;
		}
		e[j] = (uint64_t)rowid;
	}
}

/* ---- sorting ------------------------------------------------------------------------ */

static int bits_of(uint64_t v)
{
	return v ? 64 - __builtin_clzll(v) : 0;
}

/* v << w and v >> w for w up to 64 (C leaves a shift by 64 undefined). */
static uint64_t shl(uint64_t v, int w)
{
	return w >= 64 ? 0 : v << w;
}

static uint64_t shr(uint64_t v, int w)
{
	return w >= 64 ? 0 : v >> w;
}

static uint64_t low_bits(uint64_t v, int w)
{
	return w >= 64 ? v : v & ((1ULL << w) - 1);
}

static int sorted_u64(const uint64_t *a, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (a[i - 1] > a[i])
			return 0;
	return 1;
}

static _Thread_local const struct ixkeys *cmp_keys;

static int cmp_words(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;
	for (int i = 0; i < cmp_keys->nw; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

/* Blob entries: NULL first (in rowid order, as added), then by bytes, then rowid. */
static int cmp_blob_entry(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;
	const struct ixkeys *k = cmp_keys;
	if (!x[0] || !y[0])
		return x[0] ? 1 : y[0] ? -1 : (x[1] > y[1]) - (x[1] < y[1]);
	int c = memcmp(k->blobs + (x[0] - 1) * k->bloblen, k->blobs + (y[0] - 1) * k->bloblen,
		       k->bloblen);
	return c ? c : (x[1] > y[1]) - (x[1] < y[1]);
}

/* ---- writing ------------------------------------------------------------------------ */

struct emit {
	struct bix *x;
	struct ixkeys *k;
	struct pf_tree *t;
	unsigned char rec[4096];
};

/* One entry (its words, texts already renumbered to final numbers) into the tree. */
/* An integer's serial type and big-endian body (keys are ids: never negative). */
static unsigned char *int_field(unsigned char *body, uint64_t v, unsigned char *type)
{
	static const unsigned char size_of[7] = {0, 1, 2, 3, 4, 6, 8};
	unsigned char t = v == 0		  ? 8
			  : v == 1		  ? 9
			  : v < 0x80ULL		  ? 1
			  : v < 0x8000ULL	  ? 2
			  : v < 0x800000ULL	  ? 3
			  : v < 0x80000000ULL	  ? 4
			  : v < 0x800000000000ULL ? 5
						  : 6;
	*type = t;
	int n = t >= 8 ? 0 : size_of[t];
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		body[i] = (unsigned char)v;
	return body + n;
}

/* A serial type or header size as an SQLite varint (at most 2 bytes here: < 16 384). */
static unsigned char *small_varint(unsigned char *p, uint32_t v)
{
	if (v >= 0x80)
		*p++ = (unsigned char)(0x80 | (v >> 7));
	*p++ = (unsigned char)(v & 0x7f);
	return p;
}

/* One entry (its words, texts already renumbered to final numbers) into the tree, its
 * record encoded here directly: the key columns and the rowid have few, known types
 * (pf_record's general path was most of the time of writing an index). */
static int emit_entry(struct emit *m, const uint64_t *e, struct wb_error *err)
{
	const struct ixkeys *k = m->k;
	const struct dict *d = &m->x->dict;
	uint64_t rowid = e[k->nw - 1];
	unsigned char types[BIX_MAX_COLS + 1][2], body[sizeof(m->rec)];
	int tlen[BIX_MAX_COLS + 1];
	unsigned char *b = body;
	int j = 0, ncols = k->d->ncols;
	for (int c = 0; c < ncols; c++) {
		uint64_t w = k->skip[c] ? rowid + 1 : e[j++];
		if (!w) {
			types[c][0] = 0, tlen[c] = 1;
		} else if (k->d->type[c] == BIX_INT) {
			b = int_field(b, w - 1, &types[c][0]);
			tlen[c] = 1;
		} else {
			const void *p;
			size_t n;
			if (k->d->type[c] == BIX_TEXT) {
				uint32_t id = d->by_rank[w - 1];
				p = d->bytes + d->off[id], n = d->len[id];
			} else {
				p = k->blobs + (w - 1) * k->bloblen, n = k->bloblen;
			}
			if (n > 1000)
				return wb_error_set(err, WB_EINVAL, 500, "BULK_KEY_TOO_LONG",
						    "索引键过长",
						    "an index key is too long for the bulk loader");
			uint32_t st = (uint32_t)(2 * n + (k->d->type[c] == BIX_TEXT ? 13 : 12));
			tlen[c] = (int)(small_varint(types[c], st) - types[c]);
			memcpy(b, p, n);
			b += n;
		}
	}
	b = int_field(b, rowid, &types[ncols][0]);
	tlen[ncols] = 1;
	int hlen = 1;
	for (int c = 0; c <= ncols; c++)
		hlen += tlen[c];
	unsigned char *o = m->rec;
	*o++ = (unsigned char)hlen; /* < 128: at most 1 + 4 × 2 bytes */
	for (int c = 0; c <= ncols; c++)
		for (int i = 0; i < tlen[c]; i++)
			*o++ = types[c][i];
	size_t blen = (size_t)(b - body);
	memcpy(o, body, blen);
	return pf_index_add(m->t, m->rec, (size_t)hlen + blen, err);
}

/* Blob index: sort the entries by a prefix of their bytes packed with the entry's number
 * into one u64 (radix), then settle the rare runs of equal prefixes by the whole key.
 * NULLs get prefix 0 and stay in rowid order (the sort is stable). */
static int write_blob_index(struct emit *m, struct wb_error *err)
{
	struct ixkeys *k = m->k;
	int idx_bits = bits_of(k->n);
	uint64_t mask = (1ULL << idx_bits) - 1;
	uint64_t *keys = xcalloc_huge(1, (k->n ? k->n : 1) * sizeof(uint64_t));
	for (size_t i = 0; i < k->n; i++) {
		const uint64_t *e = k->w + i * 2;
		uint64_t p = 0;
		if (e[0]) {
			const unsigned char *b = k->blobs + (e[0] - 1) * k->bloblen;
			for (size_t j = 0; j < 8; j++)
				p = p << 8 | (j < k->bloblen ? b[j] : 0);
			p = (p >> 1) | (1ULL << 63); /* above every NULL */
		}
		keys[i] = ((p >> idx_bits) << idx_bits) | i;
	}
	radix_sort_u64(keys, k->n, 64);
	/* The entries and their bytes gathered in sorted order: the random reads happen once,
	 * here; the run fix-ups and the writing then read in sequence. */
	uint64_t *out = xcalloc_huge(1, (k->n ? k->n : 1) * 2 * sizeof(uint64_t));
	unsigned char *sorted = xcalloc_huge(1, (k->nblobs ? k->nblobs : 1) * k->bloblen);
	size_t nb = 0;
	for (size_t i = 0; i < k->n; i++) {
		const uint64_t *e = k->w + (keys[i] & mask) * 2;
		if (e[0]) {
			memcpy(sorted + nb * k->bloblen, k->blobs + (e[0] - 1) * k->bloblen,
			       k->bloblen);
			out[i * 2] = ++nb;
		} else {
			out[i * 2] = 0;
		}
		out[i * 2 + 1] = e[1];
	}
	free(k->blobs);
	k->blobs = sorted;
	cmp_keys = k;
	for (size_t i = 0; i < k->n;) {
		size_t j = i + 1;
		uint64_t prefix = keys[i] >> idx_bits;
		while (j < k->n && prefix && keys[j] >> idx_bits == prefix)
			j++;
		if (j - i > 1)
			qsort(out + i * 2, j - i, 2 * sizeof(uint64_t), cmp_blob_entry);
		i = j;
	}
	free(keys);
	int rc = 0;
	for (size_t i = 0; i < k->n && !rc; i++)
		rc = emit_entry(m, out + i * 2, err);
	free(out);
	return rc;
}

static int write_index(struct bix *x, struct ixkeys *k, struct pf_file *f, uint32_t root,
		       struct wb_error *err)
{
	struct emit *m = xcalloc(1, sizeof(*m));
	m->x = x;
	m->k = k;
	m->t = pf_index(f, root);
	int rc = 0;
	if (k->bad) {
		rc = wb_error_set(err, WB_EINTERNAL, 500, "BULK_KEY_TYPE",
				  "批量加载的索引键类型不符",
				  "an index key of the bulk load has a type it cannot order");
		goto out;
	}
	int has_blob = 0;
	for (int c = 0; c < k->d->ncols; c++) {
		has_blob |= k->d->type[c] == BIX_BLOB;
		if (k->d->type[c] != BIX_TEXT || k->skip[c])
			continue;
		int j = 0;
		for (int cc = 0; cc < c; cc++)
			j += !k->skip[cc];
		for (size_t i = 0; i < k->n; i++) { /* provisional → final text numbers */
			uint64_t *w = &k->w[i * (size_t)k->nw + (size_t)j];
			if (*w)
				*w = x->dict.rank[*w - 1];
		}
	}
	if (has_blob && k->nw != 2) {
		rc = wb_error_set(err, WB_EINTERNAL, 500, "BULK_KEY_TYPE",
				  "批量加载的索引键类型不符",
				  "a blob key must be its index's only column in the bulk loader");
		goto out;
	}
	if (has_blob) {
		rc = write_blob_index(m, err);
		goto out;
	}
	/* Pack the words into one u64 when their widths add up to 64 bits or fewer. */
	int width[BIX_MAX_COLS + 1] = {0}, total = 0;
	for (int j = 0; j < k->nw; j++) {
		uint64_t mx = 0;
		for (size_t i = 0; i < k->n; i++)
			if (k->w[i * (size_t)k->nw + (size_t)j] > mx)
				mx = k->w[i * (size_t)k->nw + (size_t)j];
		width[j] = bits_of(mx);
		total += width[j];
	}
	if (total <= 64) {
		uint64_t *p = xcalloc_huge(1, (k->n ? k->n : 1) * sizeof(*p));
		for (size_t i = 0; i < k->n; i++) {
			uint64_t v = 0;
			for (int j = 0; j < k->nw; j++)
				v = shl(v, width[j]) | k->w[i * (size_t)k->nw + (size_t)j];
			p[i] = v;
		}
		free(k->w);
		k->w = NULL;
		if (!sorted_u64(p, k->n))
			radix_sort_u64(p, k->n, total);
		uint64_t e[BIX_MAX_COLS + 1];
		for (size_t i = 0; i < k->n && !rc; i++) {
			uint64_t v = p[i];
			for (int j = k->nw - 1; j >= 0; j--) {
				e[j] = low_bits(v, width[j]);
				v = shr(v, width[j]);
			}
			rc = emit_entry(m, e, err);
		}
		free(p);
	} else {
		cmp_keys = k;
		int sorted = 1;
		for (size_t i = 1; i < k->n && sorted; i++)
			sorted = cmp_words(k->w + (i - 1) * (size_t)k->nw,
					   k->w + i * (size_t)k->nw) <= 0;
		if (!sorted)
			qsort(k->w, k->n, (size_t)k->nw * sizeof(uint64_t), cmp_words);
		for (size_t i = 0; i < k->n && !rc; i++)
			rc = emit_entry(m, k->w + i * (size_t)k->nw, err);
	}
out:
	if (rc)
		pf_tree_discard(m->t);
	else
		rc = pf_tree_finish(m->t, err);
	free(k->w);
	k->w = NULL;
	free(k->blobs);
	k->blobs = NULL;
	free(m);
	return rc;
}

struct job {
	struct bix *x;
	struct pf_file *f;
	const uint32_t *roots;
	int *order; /* indexes, largest first */
	int next;
	int rc;
	struct wb_error err;
	pthread_mutex_t mu;
};

static void *worker(void *arg)
{
	struct job *j = arg;
	struct wb_error err;
	wb_error_clear(&err);
	for (;;) {
		pthread_mutex_lock(&j->mu);
		int i = j->rc || j->next == j->x->n ? -1 : j->order[j->next++];
		pthread_mutex_unlock(&j->mu);
		if (i < 0)
			break;
		int rc = write_index(j->x, &j->x->ix[i], j->f, j->roots[i], &err);
		if (rc) {
			pthread_mutex_lock(&j->mu);
			if (!j->rc) {
				j->rc = rc;
				j->err = err;
			}
			pthread_mutex_unlock(&j->mu);
		}
	}
	return NULL;
}

static const struct bix *order_bix;

static int cmp_size_desc(const void *a, const void *b)
{
	const struct ixkeys *x = &order_bix->ix[*(const int *)a],
			    *y = &order_bix->ix[*(const int *)b];
	size_t sx = x->n * (size_t)x->nw, sy = y->n * (size_t)y->nw;
	return (sx < sy) - (sx > sy);
}

int bix_write(struct bix *x, struct pf_file *f, const uint32_t *roots, int nthreads,
	      struct wb_error *err)
{
	struct job j = {.x = x, .f = f, .roots = roots, .mu = PTHREAD_MUTEX_INITIALIZER};
	wb_error_clear(&j.err);
	dict_sort(&x->dict);
	j.order = xmalloc((size_t)x->n * sizeof(int));
	for (int i = 0; i < x->n; i++)
		j.order[i] = i;
	order_bix = x;
	qsort(j.order, (size_t)x->n, sizeof(int), cmp_size_desc);
	pthread_t th[8];
	int started = 0;
	if (nthreads > 8)
		nthreads = 8;
	for (int i = 1; i < nthreads; i++)
		if (pthread_create(&th[started], NULL, worker, &j) == 0)
			started++;
	worker(&j);
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	free(j.order);
	pthread_mutex_destroy(&j.mu);
	if (j.rc && err)
		*err = j.err;
	return j.rc;
}

void bix_free(struct bix *x)
{
	if (!x)
		return;
	for (int i = 0; i < x->n; i++) {
		free(x->ix[i].w);
		free(x->ix[i].blobs);
	}
	free(x->ix);
	dict_free(&x->dict);
	free(x);
}
