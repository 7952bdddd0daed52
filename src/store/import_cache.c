/* import_cache -- in-memory maps of one import's batch (see import_cache.h). */
#include "store/import_cache.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

enum { PACK_MAX_BYTES = 1 << 20 }; /* one blob; a batch of 10 000 rows needs ~40 KiB */

/* A key's home slot is the key itself: the keys are row ids, dense and looked up in
 * runs (a batch's persons, facts and relations in id order), so neighbours share cache
 * lines; linear probing at most half full keeps the probes short. */
static void imap_grow(struct imap *m)
{
	struct imap big = {.cap = m->cap ? m->cap * 2 : 1024};
	big.keys = xcalloc(big.cap, sizeof(*big.keys));
	big.vals = xcalloc(big.cap, sizeof(*big.vals));
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i])
			imap_put(&big, m->keys[i], m->vals[i]);
	imap_release(m);
	*m = big;
}

void imap_put(struct imap *m, int64_t key, int32_t val)
{
	if ((m->n + 1) * 2 > m->cap)
		imap_grow(m);
	size_t i = (size_t)key & (m->cap - 1);
	while (m->keys[i] && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	if (!m->keys[i])
		m->keys[i] = key, m->n++;
	m->vals[i] = val;
}

int32_t imap_get(const struct imap *m, int64_t key)
{
	if (!m->cap)
		return -1;
	for (size_t i = (size_t)key & (m->cap - 1); m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key)
			return m->vals[i];
	return -1;
}

void imap_release(struct imap *m)
{
	free(m->keys), free(m->vals);
	memset(m, 0, sizeof(*m));
}

void bits_set(struct bits *b, int64_t i)
{
	size_t w = (size_t)i / 64;
	if (w >= b->nw) {
		size_t n = b->nw ? b->nw : 1024;
		while (n <= w)
			n *= 2;
		b->w = xrealloc(b->w, n * sizeof(*b->w));
		memset(b->w + b->nw, 0, (n - b->nw) * sizeof(*b->w));
		b->nw = n;
	}
	b->w[w] |= 1ULL << (i % 64);
}

int bits_get(const struct bits *b, int64_t i)
{
	size_t w = (size_t)i / 64;
	return w < b->nw && (b->w[w] >> (i % 64) & 1);
}

void imap_clear(struct imap *m)
{
	if (m->cap)
		memset(m->keys, 0, m->cap * sizeof(*m->keys));
	m->n = 0;
}

void import_cache_clear_batch(struct import_cache *c)
{
	c->npersons = 0;
	if (c->nslots)
		memset(c->slots, 0, c->nslots * sizeof(*c->slots));
	imap_clear(&c->byid);
	imap_clear(&c->loaded);
	imap_clear(&c->fact_head);
	imap_clear(&c->rel_head);
	c->nfacts = c->nrels = 0;
	arena_release(&c->strings);
	arena_init(&c->strings);
}

static uint32_t idx_key(const unsigned char *hash)
{
	uint32_t k;
	memcpy(&k, hash, sizeof(k));
	return k ? k : 1;
}

static void idx_grow(struct idx *x, size_t cap)
{
	struct idx big = {.cap = cap, .n = x->n};
	big.keys = xcalloc_huge(big.cap, sizeof(*big.keys));
	big.ids = xcalloc_huge(big.cap, sizeof(*big.ids));
	for (size_t i = 0; i < x->cap; i++)
		if (x->keys[i]) {
			size_t j = x->keys[i] & (big.cap - 1);
			while (big.keys[j])
				j = (j + 1) & (big.cap - 1);
			big.keys[j] = x->keys[i], big.ids[j] = x->ids[i];
		}
	free(x->keys), free(x->ids);
	*x = big;
}

void import_cache_idx_reserve(struct import_cache *c, size_t n)
{
	size_t cap = 1 << 16;
	while (n * 4 > cap * 3)
		cap *= 2;
	if (cap > c->idx.cap)
		idx_grow(&c->idx, cap);
}

void import_cache_idx_put(struct import_cache *c, const unsigned char *hash, int64_t id)
{
	struct idx *x = &c->idx;
	if (id <= 0 || id > UINT32_MAX)
		return;
	if ((x->n + 1) * 4 > x->cap * 3) /* at most three quarters full */
		idx_grow(x, x->cap ? x->cap * 2 : 1 << 16);
	uint32_t k = idx_key(hash); /* a keyed hash: its bits are uniform already */
	size_t i = k & (x->cap - 1);
	while (x->keys[i])
		i = (i + 1) & (x->cap - 1);
	x->keys[i] = k, x->ids[i] = (uint32_t)id, x->n++;
}

int64_t import_cache_idx_get(const struct import_cache *c, const unsigned char *hash)
{
	const struct idx *x = &c->idx;
	if (!x->cap)
		return 0;
	uint32_t k = idx_key(hash);
	for (size_t i = k & (x->cap - 1); x->keys[i]; i = (i + 1) & (x->cap - 1))
		if (x->keys[i] == k)
			return x->ids[i];
	return 0;
}

/* 18 characters as two words and a half: three multiplies instead of one a character. */
static uint64_t id_hash(const char *id18)
{
	uint64_t a, b;
	uint16_t t;
	memcpy(&a, id18, 8), memcpy(&b, id18 + 8, 8), memcpy(&t, id18 + 16, 2);
	uint64_t h = (a ^ 0x9E3779B97F4A7C15ULL) * 0xFF51AFD7ED558CCDULL;
	h = (h ^ (h >> 29) ^ b) * 0xC4CEB9FE1A85EC53ULL;
	h = (h ^ (h >> 31) ^ t) * 0xFF51AFD7ED558CCDULL;
	return h ^ (h >> 32);
}

/* A slot: the hash's high 32 bits (a tag: a probe that misses never touches the
 * entry, a few hundred bytes each, tens of thousands a batch) and the entry's index + 1. */
static uint64_t slot_of(uint64_t h, size_t k)
{
	return (h >> 32) << 32 | (uint64_t)(k + 1);
}

static void slots_grow(struct import_cache *c)
{
	free(c->slots);
	c->nslots = c->nslots ? c->nslots * 2 : 4096;
	c->slots = xcalloc(c->nslots, sizeof(*c->slots));
	for (size_t k = 0; k < c->npersons; k++) {
		uint64_t h = id_hash(c->persons[k].id18);
		size_t i = h & (c->nslots - 1);
		while (c->slots[i])
			i = (i + 1) & (c->nslots - 1);
		c->slots[i] = slot_of(h, k);
	}
}

void import_cache_person_prefetch(const struct import_cache *c, const char *id18)
{
	if (c->nslots)
		__builtin_prefetch(&c->slots[id_hash(id18) & (c->nslots - 1)]);
}

struct ic_person *import_cache_person(struct import_cache *c, const char *id18, int add)
{
	if ((c->npersons + 1) * 2 > c->nslots) {
		if (!add && !c->nslots)
			return NULL;
		slots_grow(c);
	}
	uint64_t h = id_hash(id18);
	size_t i = h & (c->nslots - 1);
	for (uint64_t e; (e = c->slots[i]) != 0; i = (i + 1) & (c->nslots - 1)) {
		if (e >> 32 != h >> 32)
			continue;
		struct ic_person *p = &c->persons[(uint32_t)e - 1];
		if (!memcmp(p->id18, id18, IDNO_LEN))
			return p;
	}
	if (!add)
		return NULL;
	if (c->npersons == c->persons_cap) {
		c->persons_cap = c->persons_cap ? c->persons_cap * 2 : 1024;
		c->persons = xrealloc(c->persons, c->persons_cap * sizeof(*c->persons));
	}
	struct ic_person *e = &c->persons[c->npersons];
	memset(e, 0, sizeof(*e));
	memcpy(e->id18, id18, IDNO_LEN);
	c->slots[i] = slot_of(h, c->npersons++);
	return e;
}

struct ic_person *import_cache_person_by_id(struct import_cache *c, int64_t id)
{
	int32_t k = imap_get(&c->byid, id);
	return k < 0 ? NULL : &c->persons[k];
}

static const char *keep(struct import_cache *c, const char *s)
{
	return s ? arena_strdup(&c->strings, s) : NULL;
}

static struct ic_fact *add_fact(struct import_cache *c, int64_t person, int64_t id, int own)
{
	if (c->nfacts == c->facts_cap) {
		c->facts_cap = c->facts_cap ? c->facts_cap * 2 : 1024;
		c->facts = xrealloc(c->facts, c->facts_cap * sizeof(*c->facts));
	}
	struct ic_fact *f = &c->facts[c->nfacts];
	f->id = id, f->own = own, f->superseded = 0;
	f->next = imap_get(&c->fact_head, person);
	imap_put(&c->fact_head, person, (int32_t)c->nfacts++);
	return f;
}

void import_cache_add_fact(struct import_cache *c, int64_t person, int64_t id, int own,
			   const char *type, const char *value, const char *from, const char *to)
{
	struct ic_fact *f = add_fact(c, person, id, own);
	f->type = keep(c, type), f->value = keep(c, value);
	f->from = keep(c, from), f->to = keep(c, to);
}

void import_cache_add_fact_ref(struct import_cache *c, int64_t person, int64_t id, int own,
			       const char *type, const char *value, const char *from,
			       const char *to)
{
	struct ic_fact *f = add_fact(c, person, id, own);
	f->type = type, f->value = value, f->from = from, f->to = to;
}

void import_cache_drop_fact(struct import_cache *c, int64_t person, int64_t id, const char *type)
{
	for (int32_t k = imap_get(&c->fact_head, person); k >= 0; k = c->facts[k].next) {
		struct ic_fact *f = &c->facts[k];
		if (f->id == id || (!f->id && f->own && !strcmp(f->type, type)))
			f->superseded = 1;
	}
}

void import_cache_add_rel(struct import_cache *c, int64_t child, int64_t adult, const char *kind)
{
	if (c->nrels == c->rels_cap) {
		c->rels_cap = c->rels_cap ? c->rels_cap * 2 : 1024;
		c->rels = xrealloc(c->rels, c->rels_cap * sizeof(*c->rels));
	}
	struct ic_rel *r = &c->rels[c->nrels];
	r->adult = adult;
	size_t n = strlen(kind);
	if (n >= sizeof(r->kind))
		n = sizeof(r->kind) - 1;
	memcpy(r->kind, kind, n);
	r->kind[n] = 0;
	r->next = imap_get(&c->rel_head, child);
	imap_put(&c->rel_head, child, (int32_t)c->nrels++);
}

int import_cache_has_rel(const struct import_cache *c, int64_t child, int64_t adult,
			 const char *kind)
{
	for (int32_t k = imap_get(&c->rel_head, child); k >= 0; k = c->rels[k].next)
		if (c->rels[k].adult == adult && !strcmp(c->rels[k].kind, kind))
			return 1;
	return 0;
}

/* ---- packed row provenance ---------------------------------------------------------------- */

static void put_varint(struct ic_pack *pk, uint64_t v)
{
	if (pk->len + 10 > pk->cap) {
		pk->cap = pk->cap ? pk->cap * 2 : 4096;
		pk->bytes = xrealloc(pk->bytes, pk->cap);
	}
	do {
		unsigned char b = v & 0x7f;
		v >>= 7;
		pk->bytes[pk->len++] = b | (v ? 0x80 : 0);
	} while (v);
}

static uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

struct ic_pack *import_cache_pack_add(struct import_cache *c, int sheet, const char *role,
				      int64_t row, int64_t person)
{
	struct ic_pack *pk = NULL;
	for (int i = 0; i < c->npacks; i++)
		if (!strcmp(c->packs[i].role, role))
			pk = &c->packs[i];
	if (!pk) {
		assert(c->npacks < IC_MAX_PACKS); /* profiles have at most 4 roles */
		pk = &c->packs[c->npacks++];
		memset(pk, 0, sizeof(*pk));
		size_t n = strlen(role);
		memcpy(pk->role, role, n < sizeof(pk->role) ? n : sizeof(pk->role) - 1);
	}
	/* A pack covers one sheet and rising row numbers; anything else starts a new one. */
	if (pk->len && (pk->sheet != sheet || row <= pk->last_row || pk->len > PACK_MAX_BYTES))
		return pk;
	if (!pk->len) {
		pk->sheet = sheet;
		pk->first_row = pk->last_row = row;
		pk->last_person = 0;
	}
	put_varint(pk, (uint64_t)(row - pk->last_row));
	put_varint(pk, zigzag(person - pk->last_person));
	pk->last_row = row, pk->last_person = person;
	return NULL;
}

static int get_varint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (*p == end)
			return -1;
		unsigned char b = *(*p)++;
		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return 0;
	}
	return -1;
}

int import_cache_pack_each(const unsigned char *p, size_t n, int64_t first_row,
			   void (*cb)(void *ctx, int64_t row, int64_t person), void *ctx)
{
	const unsigned char *end = p + n;
	int64_t row = first_row, person = 0;
	while (p < end) {
		uint64_t dr, dp;
		if (get_varint(&p, end, &dr) || get_varint(&p, end, &dp))
			return -1;
		row += (int64_t)dr;
		person += (int64_t)(dp >> 1) ^ -(int64_t)(dp & 1);
		cb(ctx, row, person);
	}
	return 0;
}

void import_cache_free(struct import_cache *c)
{
	if (!c)
		return;
	free(c->persons), free(c->slots), free(c->facts), free(c->rels);
	free(c->idx.keys), free(c->idx.ids), free(c->fact_rows), free(c->id_entry);
	imap_release(&c->byid), imap_release(&c->loaded), imap_release(&c->fact_head);
	imap_release(&c->rel_head), free(c->stated.w), imap_release(&c->own_imports);
	imap_release(&c->hint_at), imap_release(&c->superseded);
	arena_release(&c->strings);
	for (int i = 0; i < c->npacks; i++)
		free(c->packs[i].bytes);
	free(c);
}
