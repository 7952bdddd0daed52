/* import_snap -- the registry as a large import starts (see import_snap.h). */
#include "store/import_snap.h"

#include <pthread.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "store/db.h"
#include "store/import_cache.h"
#include "store/imports.h"
#include "store/page_scan.h"
#include "store/store.h"

/* Past SNAP_MAX_PERSONS stored persons the snapshot would take more than about a GiB:
 * the import looks up by SQL instead. The file is read through SQLite's memory map of its
 * handle (db_file_map); past the map's end, READ_AHEAD bytes at a time while the reads
 * are sequential (a table written in order lies in runs of pages). */
enum { SNAP_MAX_PERSONS = 16 << 20, READ_AHEAD = 1 << 20, HASH_KEPT = 16 };

/* Texts: a length byte (255: 255 or more), the bytes, a NUL; offsets name the bytes, and
 * offset 0 is "absent" (SQL NULL). Short texts that repeat (regions, dates, fact types and
 * values, relation kinds) are interned, each column first against its previous value
 * (neighbouring rows share them: a household's region, a fact type). */
struct strs {
	char *p;
	size_t n, cap;
	struct strs_slot {
		uint32_t at, hash; /* at 0: empty */
		uint32_t n;
		uint64_t w[2]; /* the first 16 bytes, zero after the end: most texts whole */
	} * slots;
	size_t nslots, used;
};

enum { SP_PHONE = 1, SP_SCOPE = 2 };

struct snap_person {
	unsigned char hash[HASH_KEPT]; /* 128 bits of the keyed hash: no two persons share them */
	uint32_t id, name, hh, res, eth, school;
	char birth[10]; /* YYYY-MM-DD, or a text of other length interned (birth_at) */
	uint32_t birth_at;
	char gender;
	uint8_t flags;
};

struct snap_fact {
	uint32_t id, type, value, from, to, next; /* next: the person's next fact + 1, 0 ends */
	uint8_t own, superseded;
};

struct snap_rel {
	uint32_t adult, kind, next;
};

struct import_snap {
	int64_t version;
	struct strs strs;  /* the persons' texts */
	struct strs fstrs; /* the facts' and relations' (read on a second thread) */
	struct snap_person *persons;
	size_t npersons;
	uint64_t *slots; /* first 4 hash bytes << 32 | person index + 1; 0 empty */
	size_t nslots;
	uint32_t *by_id;		/* person id → person index + 1 */
	uint32_t *fact_head, *rel_head; /* person id → first fact / relation + 1 */
	struct snap_fact *facts;
	size_t nfacts, facts_cap;
	struct snap_rel *rels;
	size_t nrels, rels_cap;
	uint64_t max_id;
	/* person id → 1 bit: written by the import, read with SQL from then on. Apart from
	 * the persons: a bit a person fits in the caches (350 KB for 2.8 million), where a mark
	 * in the person was a wait for memory at every fact the import wrote. */
	uint64_t *dirty;
};

/* ---- texts ----------------------------------------------------------------------------- */

/* A text's hash for the intern table: never 0 (0 marks an empty slot). */
static uint32_t text_hash(const unsigned char *s, size_t n)
{
	return (uint32_t)(hash_bytes(s, n) >> 32) | 1;
}

static size_t str_len(const struct strs *t, uint32_t at)
{
	unsigned char k = (unsigned char)t->p[at - 1];
	return k < 255 ? k : strlen(t->p + at);
}

static int strs_add(struct strs *t, const unsigned char *s, size_t n, uint32_t *out)
{
	if (t->n + n + 2 > UINT32_MAX)
		return -1;
	if (t->n + n + 2 > t->cap) {
		t->cap = (t->n + n + 2) * 2;
		t->p = xrealloc(t->p, t->cap);
	}
	t->p[t->n] = (char)(n < 255 ? n : 255);
	*out = (uint32_t)t->n + 1;
	memcpy(t->p + *out, s, n);
	t->p[*out + n] = 0;
	t->n += n + 2;
	return 0;
}

static void strs_grow(struct strs *t)
{
	size_t cap = t->nslots ? t->nslots * 2 : 4096;
	struct strs_slot *slots = xcalloc(cap, sizeof(*slots));
	for (size_t i = 0; i < t->nslots; i++)
		if (t->slots[i].at) {
			size_t k = t->slots[i].hash & (cap - 1);
			while (slots[k].at)
				k = (k + 1) & (cap - 1);
			slots[k] = t->slots[i];
		}
	free(t->slots);
	t->slots = slots, t->nslots = cap;
}

/* A text's first 16 bytes as two words (zero after its end) and its length: texts of 16
 * bytes or fewer (regions, dates, codes: nearly all that are interned) are told apart by
 * these alone, without touching the texts' bytes. */
struct text_key {
	uint64_t w[2];
	uint32_t n;
};

static uint64_t load64(const unsigned char *s)
{
	uint64_t v;
	memcpy(&v, s, sizeof(v));
	return v;
}

static uint64_t load32(const unsigned char *s)
{
	uint32_t v;
	memcpy(&v, s, sizeof(v));
	return v;
}

/* The words from whole loads inside the text (overlapping, shifted into place), not byte
 * by byte: a word read back from bytes just stored one by one waits for them (measured, a
 * quarter of the interning); a load past the text's end could leave the mapped file. */
static struct text_key text_key(const unsigned char *s, size_t n)
{
	struct text_key k = {{0, 0}, (uint32_t)n};
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (n >= 16) {
		k.w[0] = load64(s), k.w[1] = load64(s + 8);
	} else if (n >= 8) {
		k.w[0] = load64(s);
		if (n > 8) /* bytes 8 .. n-1, from the last eight */
			k.w[1] = load64(s + n - 8) >> (8 * (16 - n));
	} else if (n >= 4) {
		k.w[0] = load32(s) | load32(s + n - 4) << (8 * (n - 4));
	} else if (n) {
		k.w[0] = (uint64_t)s[0] | (uint64_t)s[n / 2] << (8 * (n / 2)) |
			 (uint64_t)s[n - 1] << (8 * (n - 1));
	}
#else
	if (n)
		memcpy(k.w, s, n < 16 ? n : 16);
#endif
	return k;
}

static int key_eq(const struct text_key *k, uint32_t n, const uint64_t w[2])
{
	return k->n == n && k->w[0] == w[0] && k->w[1] == w[1];
}

static uint32_t key_hash(const struct text_key *k, const unsigned char *s)
{
	if (k->n > 16)
		return text_hash(s, k->n);
	uint64_t h = (k->w[0] ^ 0x9E3779B97F4A7C15ULL) * 0xFF51AFD7ED558CCDULL;
	h = (h ^ (h >> 29) ^ k->w[1] ^ k->n) * 0xC4CEB9FE1A85EC53ULL;
	return (uint32_t)(h >> 32) | 1;
}

static int strs_intern(struct strs *t, const unsigned char *s, const struct text_key *key,
		       uint32_t *out)
{
	if (t->used * 2 >= t->nslots)
		strs_grow(t);
	size_t n = key->n;
	uint32_t h = key_hash(key, s);
	size_t k = h & (t->nslots - 1);
	for (; t->slots[k].at; k = (k + 1) & (t->nslots - 1)) {
		const struct strs_slot *e = &t->slots[k];
		if (e->hash == h && key_eq(key, e->n, e->w) &&
		    (n <= 16 || !memcmp(t->p + e->at, s, n))) {
			*out = e->at;
			return 0;
		}
	}
	if (strs_add(t, s, n, out))
		return -1;
	struct strs_slot *e = &t->slots[k];
	e->at = *out, e->hash = h, e->n = key->n;
	e->w[0] = key->w[0], e->w[1] = key->w[1];
	t->used++;
	return 0;
}

/* A fact's or relation's text (their own table), or NULL. */
static const char *fstr(const struct import_snap *s, uint32_t at)
{
	return at ? s->fstrs.p + at : NULL;
}

/* ---- reading the file ------------------------------------------------------------------ */

struct reader {
	struct db_file *f;
	unsigned char *buf;
	uint64_t at, next, size;
	size_t len;
	/* the file in memory (db_file_map), its first map_len bytes; NULL: not mapped */
	const unsigned char *map;
	uint64_t map_len, since_drop;
};

/* Mapped pages count into the process's resident memory as they are touched: every
 * MAP_DROP bytes read, a reader lets go of them (the page cache keeps them; a page read
 * again is mapped again), so that the import's memory stays what it uses. */
enum { MAP_DROP = 64 << 20 };

static int read_at(void *ctx, void *out, size_t len, uint64_t off)
{
	struct reader *r = ctx;
	if (r->map && off + len <= r->map_len) {
		memcpy(out, r->map + off, len);
		if ((r->since_drop += len) >= MAP_DROP) {
			r->since_drop = 0;
			madvise((void *)r->map, r->map_len, MADV_DONTNEED);
		}
		return 0;
	}
	if (off >= r->at && off + len <= r->at + r->len) {
		memcpy(out, r->buf + (off - r->at), len);
		r->next = off + len;
		return 0;
	}
	if (off != r->next || len >= READ_AHEAD || off + len > r->size) {
		r->next = off + len;
		return db_file_pread(r->f, out, len, off);
	}
	size_t want = r->size - off < READ_AHEAD ? (size_t)(r->size - off) : READ_AHEAD;
	if (db_file_pread(r->f, r->buf, want, off))
		return WB_EIO;
	r->at = off, r->len = want;
	memcpy(out, r->buf, len);
	r->next = off + len;
	return 0;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The file's size from its header, when the header's page count is valid (it is kept by
 * every SQLite since 3.7.0: the change counter equals the version-valid-for number). */
static int file_size(struct db_file *f, uint64_t *size)
{
	unsigned char h[100];
	if (db_file_pread(f, h, sizeof(h), 0) || memcmp(h, "SQLite format 3", 16))
		return -1;
	uint32_t page = (uint32_t)h[16] << 8 | h[17];
	if (page == 1)
		page = 65536;
	uint32_t pages = be32(h + 28);
	if (!pages || be32(h + 24) != be32(h + 92))
		return -1;
	*size = (uint64_t)page * pages;
	return 0;
}

/* ---- the schema it reads ---------------------------------------------------------------- */

static const char SQL_OWN[] = "SELECT id FROM imports WHERE profile = ?";
static const char SQL_MAX[] = "SELECT (SELECT max(id) FROM persons), (SELECT max(id) FROM facts)";

/* The columns the snapshot reads, as they lead each table (migrations 001, 003, 006):
 * with their declared types, so that the checks of the row callbacks hold. */
enum {
	P_NAME = 1,
	P_GENDER,
	P_BIRTH,
	P_ID_CIPHER,
	P_ID_HASH,
	P_ETHNICITY,
	P_HOUSEHOLD,
	P_RESIDENCE,
	P_SCOPE,
	P_HOUSEHOLD_ID,
	P_SCHOOL,
	P_PHONE,
	P_NCOLS
};
enum {
	F_PERSON = 1,
	F_TYPE,
	F_VALUE,
	F_FROM,
	F_TO,
	F_UNIT,
	F_DOC,
	F_NOTE,
	F_BY,
	F_AT,
	F_SUPERSEDES,
	F_IMPORT,
	F_ROW,
	F_RETRACTED,
	F_NCOLS
};
enum { R_PERSON = 1, R_RELATED, R_KIND, R_NCOLS };
static const char PERSON_LAYOUT[] =
	"id INTEGER,name TEXT,gender TEXT,birth_date TEXT,id_cipher BLOB,id_hash BLOB,"
	"ethnicity TEXT,household_region TEXT,residence_region TEXT,scope_region TEXT,"
	"household_id INTEGER,school_unit_id INTEGER,phone_cipher BLOB";
static const char FACT_LAYOUT[] =
	"id INTEGER,person_id INTEGER,type TEXT,value TEXT,valid_from TEXT,valid_to TEXT,"
	"source_unit_id INTEGER,source_doc TEXT,note TEXT,recorded_by INTEGER,recorded_at TEXT,"
	"supersedes INTEGER,import_id INTEGER,import_row INTEGER,retracted_at TEXT";
static const char REL_LAYOUT[] = "id INTEGER,person_id INTEGER,related_id INTEGER,kind TEXT";
/* The columns the row callbacks read (the others are skipped, not decoded). */
#define BIT(i) ((uint64_t)1 << (i))
#define PERSON_WANT                                                                                \
	(BIT(P_NAME) | BIT(P_GENDER) | BIT(P_BIRTH) | BIT(P_ID_HASH) | BIT(P_ETHNICITY) |          \
	 BIT(P_HOUSEHOLD) | BIT(P_RESIDENCE) | BIT(P_SCOPE) | BIT(P_SCHOOL) | BIT(P_PHONE))
#define FACT_WANT                                                                                  \
	(BIT(F_PERSON) | BIT(F_TYPE) | BIT(F_VALUE) | BIT(F_FROM) | BIT(F_TO) |                    \
	 BIT(F_SUPERSEDES) | BIT(F_IMPORT) | BIT(F_RETRACTED))
#define REL_WANT (BIT(R_PERSON) | BIT(R_RELATED) | BIT(R_KIND))

/* The root page of `table` when its columns begin as `layout` says; 0 otherwise. */
static int table_root(struct store *st, const char *table, const char *layout, uint32_t *root,
		      struct wb_error *err)
{
	char got[1024];
	int rc = db_table_layout(st->db, table, root, got, sizeof(got), err);
	size_t n = strlen(layout);
	if (!rc && (strncmp(got, layout, n) || (got[n] && got[n] != ',')))
		*root = 0;
	return rc;
}

/* ---- building ---------------------------------------------------------------------------- */

/* Columns whose previous value is remembered. */
enum { M_BIRTH, M_HH, M_RES, M_ETH, M_SCOPE, M_TYPE, M_VALUE, M_FROM, M_TO, M_KIND, M_COLUMNS };

struct build {
	struct import_snap *s;
	struct strs *strs; /* where this thread's texts go */
	const struct wb_scope *sc;
	struct imap own;
	uint64_t *superseded; /* bitmap over fact ids */
	uint64_t max_fact;
	int bad;      /* something the snapshot does not expect: no snapshot */
	struct memo { /* a column's previous interned value (intern) */
		struct text_key key;
		uint32_t at;
	} memo[M_COLUMNS];
	uint32_t scope_at; /* the last scope region met, and whether it is in the scope */
	int scope_in;
};

static int refuse(struct build *b)
{
	b->bad = 1;
	return 1; /* stops the scan */
}

static int is_text(const struct ps_value *v)
{
	return v->type == PS_TEXT;
}

static int text_or_null(const struct ps_value *v)
{
	return v->type == PS_TEXT || v->type == PS_NULL;
}

/* An interned text, or 0 for NULL. */
static int intern(struct build *b, int column, const struct ps_value *v, uint32_t *out)
{
	*out = 0;
	if (v->type == PS_NULL)
		return 0;
	struct strs *t = b->strs;
	struct memo *m = &b->memo[column];
	struct text_key key = text_key(v->p, v->n);
	if (m->at && key_eq(&key, m->key.n, m->key.w) &&
	    (v->n <= 16 || !memcmp(t->p + m->at, v->p, v->n))) {
		*out = m->at;
		return 0;
	}
	int rc = strs_intern(t, v->p, &key, out);
	m->key = key, m->at = *out;
	return rc;
}

/* SQL's BINARY comparison of a stored text with a C string. */
static int text_cmp(const struct ps_value *v, const char *c)
{
	size_t n = strlen(c), k = v->n < n ? v->n : n;
	int d = memcmp(v->p, c, k);
	return d ? d : (v->n > n) - (v->n < n);
}

/* The slot of a hash: its bytes are uniform already (a keyed hash); the tag (the first
 * four) tells entries apart without touching the person. */
static size_t slot_of(const unsigned char *hash, size_t mask)
{
	return (size_t)be32(hash + 4) & mask;
}

/* 0, or -1 when a person with the same 128 bits is there already: never for a keyed
 * 256-bit hash that is unique in the table, but then the snapshot could not tell them
 * apart, and SQL can. */
static int slot_put(struct import_snap *s, const unsigned char *hash, uint32_t index)
{
	size_t mask = s->nslots - 1, k = slot_of(hash, mask);
	uint32_t tag = be32(hash);
	for (; s->slots[k]; k = (k + 1) & mask)
		if ((uint32_t)(s->slots[k] >> 32) == tag &&
		    !memcmp(s->persons[(uint32_t)s->slots[k] - 1].hash, hash, HASH_KEPT))
			return -1;
	s->slots[k] = (uint64_t)tag << 32 | (index + 1);
	return 0;
}

/* A birth date kept in the person itself when it has the usual ten bytes (most differ
 * from their neighbours', and there are tens of thousands: interning them cost more). */
static int birth_of(struct build *b, const struct ps_value *v, struct snap_person *p)
{
	p->birth_at = 0;
	if (v->type == PS_TEXT && v->n == sizeof(p->birth) && v->p[0]) {
		memcpy(p->birth, v->p, sizeof(p->birth));
		return 0;
	}
	memset(p->birth, 0, sizeof(p->birth));
	return intern(b, M_BIRTH, v, &p->birth_at);
}

static int person_row(void *ctx, int64_t rowid, const struct ps_value *v, int n)
{
	struct build *b = ctx;
	struct import_snap *s = b->s;
	(void)n;
	if (rowid <= 0 || (uint64_t)rowid > s->max_id)
		return refuse(b);
	if (v[P_ID_HASH].type == PS_NULL)
		return 0; /* no ID number: never found by hash */
	if (v[P_ID_HASH].type != PS_BLOB || v[P_ID_HASH].n != SECRET_HASH_BYTES ||
	    !is_text(&v[P_NAME]) || !is_text(&v[P_GENDER]) || !is_text(&v[P_HOUSEHOLD]) ||
	    !is_text(&v[P_SCOPE]) || !text_or_null(&v[P_BIRTH]) || !text_or_null(&v[P_ETHNICITY]) ||
	    !text_or_null(&v[P_RESIDENCE]) ||
	    !(v[P_SCHOOL].type == PS_NULL ||
	      (v[P_SCHOOL].type == PS_INT && v[P_SCHOOL].i > 0 && v[P_SCHOOL].i <= UINT32_MAX)))
		return refuse(b);
	if (s->npersons > s->max_id) /* sized for every id: not for a damaged tree */
		return refuse(b);
	struct snap_person *p = &s->persons[s->npersons];
	memcpy(p->hash, v[P_ID_HASH].p, HASH_KEPT);
	p->id = (uint32_t)rowid;
	p->gender = v[P_GENDER].n ? (char)v[P_GENDER].p[0] : 0;
	p->school = v[P_SCHOOL].type == PS_INT ? (uint32_t)v[P_SCHOOL].i : 0;
	uint32_t scope;
	if (intern(b, M_SCOPE, &v[P_SCOPE], &scope))
		return refuse(b);
	if (scope != b->scope_at) /* neighbours share their village: compare once for them */
		b->scope_at = scope, b->scope_in = text_cmp(&v[P_SCOPE], b->sc->lo) >= 0 &&
						   text_cmp(&v[P_SCOPE], b->sc->hi) < 0;
	p->flags = (v[P_PHONE].type != PS_NULL ? SP_PHONE : 0) | (b->scope_in ? SP_SCOPE : 0);
	if (strs_add(&s->strs, v[P_NAME].p, v[P_NAME].n, &p->name) || birth_of(b, &v[P_BIRTH], p) ||
	    intern(b, M_HH, &v[P_HOUSEHOLD], &p->hh) ||
	    intern(b, M_RES, &v[P_RESIDENCE], &p->res) ||
	    intern(b, M_ETH, &v[P_ETHNICITY], &p->eth))
		return refuse(b);
	if (s->by_id[rowid])
		return refuse(b);
	s->by_id[rowid] = (uint32_t)++s->npersons;
	return 0;
}

static int fact_row(void *ctx, int64_t rowid, const struct ps_value *v, int n)
{
	struct build *b = ctx;
	struct import_snap *s = b->s;
	(void)n;
	if (v[F_RETRACTED].type != PS_NULL)
		return 0; /* retracted */
	if (rowid <= 0 || (uint64_t)rowid > b->max_fact || rowid > UINT32_MAX ||
	    v[F_PERSON].type != PS_INT || v[F_PERSON].i <= 0 ||
	    (uint64_t)v[F_PERSON].i > s->max_id || !is_text(&v[F_TYPE]) ||
	    !text_or_null(&v[F_VALUE]) || !text_or_null(&v[F_FROM]) || !text_or_null(&v[F_TO]) ||
	    !(v[F_SUPERSEDES].type == PS_NULL || v[F_SUPERSEDES].type == PS_INT) ||
	    !(v[F_IMPORT].type == PS_NULL || v[F_IMPORT].type == PS_INT))
		return refuse(b);
	if (s->nfacts == s->facts_cap) {
		s->facts_cap = s->facts_cap ? s->facts_cap * 2 : 65536;
		s->facts = xrealloc(s->facts, s->facts_cap * sizeof(*s->facts));
	}
	struct snap_fact *f = &s->facts[s->nfacts];
	f->id = (uint32_t)rowid;
	f->own = v[F_IMPORT].type == PS_INT && imap_get(&b->own, v[F_IMPORT].i) > 0;
	f->superseded = 0;
	if (intern(b, M_TYPE, &v[F_TYPE], &f->type) || intern(b, M_VALUE, &v[F_VALUE], &f->value) ||
	    intern(b, M_FROM, &v[F_FROM], &f->from) || intern(b, M_TO, &v[F_TO], &f->to))
		return refuse(b);
	if (v[F_SUPERSEDES].type == PS_INT && v[F_SUPERSEDES].i > 0 &&
	    (uint64_t)v[F_SUPERSEDES].i <= b->max_fact)
		b->superseded[v[F_SUPERSEDES].i >> 6] |= 1ull << (v[F_SUPERSEDES].i & 63);
	f->next = s->fact_head[v[F_PERSON].i];
	s->fact_head[v[F_PERSON].i] = (uint32_t)++s->nfacts;
	return 0;
}

static int rel_row(void *ctx, int64_t rowid, const struct ps_value *v, int n)
{
	struct build *b = ctx;
	struct import_snap *s = b->s;
	(void)rowid, (void)n;
	if (v[R_PERSON].type != PS_INT || v[R_PERSON].i <= 0 ||
	    (uint64_t)v[R_PERSON].i > s->max_id || v[R_RELATED].type != PS_INT ||
	    v[R_RELATED].i <= 0 || v[R_RELATED].i > UINT32_MAX || !is_text(&v[R_KIND]))
		return refuse(b);
	if (s->nrels == s->rels_cap) {
		s->rels_cap = s->rels_cap ? s->rels_cap * 2 : 65536;
		s->rels = xrealloc(s->rels, s->rels_cap * sizeof(*s->rels));
	}
	struct snap_rel *r = &s->rels[s->nrels];
	r->adult = (uint32_t)v[R_RELATED].i;
	if (intern(b, M_KIND, &v[R_KIND], &r->kind))
		return refuse(b);
	r->next = s->rel_head[v[R_PERSON].i];
	s->rel_head[v[R_PERSON].i] = (uint32_t)++s->nrels;
	return 0;
}

static int own_imports(struct store *st, const char *profile, struct imap *own,
		       struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_OWN);
	db_bind_text(s, 1, profile);
	int rc;
	while ((rc = db_step(s, err)) == DB_ROW)
		imap_put(own, db_col_int(s, 0), 1);
	db_done(s);
	return rc < 0 ? rc : 0;
}

/* Scan one table into the snapshot (root 0: the table is not as expected, nothing read). */
static void scan(struct reader *r, struct build *b, const char *table, uint32_t root, int ncols,
		 uint64_t want, ps_row_fn fn)
{
	struct wb_error e;
	if (!root) {
		b->bad = 1;
		return;
	}
	if (page_scan_columns(read_at, r, root, ncols, want, fn, b, &e) && !b->bad) {
		log_info("import: %s not read from its pages (%s): SQL look-ups instead", table,
			 e.message_en);
		b->bad = 1;
	}
}

/* The facts and the relations, on a second thread while the first reads the persons:
 * each writes only its own arrays and string table. */
struct side {
	struct build b;
	struct reader r;
	uint32_t facts_root, rels_root;
	pthread_t th;
};

static void *side_main(void *arg)
{
	struct side *x = arg;
	scan(&x->r, &x->b, "facts", x->facts_root, F_NCOLS, FACT_WANT, fact_row);
	if (!x->b.bad)
		scan(&x->r, &x->b, "relations", x->rels_root, R_NCOLS, REL_WANT, rel_row);
	return NULL;
}

static void strs_init(struct strs *t, size_t cap)
{
	t->n = 1; /* offset 0: absent; its byte is a NUL */
	t->cap = cap > (1 << 20) ? cap : 1 << 20;
	t->p = xmalloc(t->cap);
	t->p[0] = 0;
}

static int index_persons(struct import_snap *s)
{
	size_t cap = 1024;
	while (cap * 7 < s->npersons * 10)
		cap *= 2;
	s->nslots = cap;
	s->slots = xcalloc(cap, sizeof(*s->slots));
	enum { AHEAD = 16 }; /* the slots are random places in tens of megabytes */
	for (size_t i = 0; i < s->npersons; i++) {
		if (i + AHEAD < s->npersons)
			__builtin_prefetch(&s->slots[slot_of(s->persons[i + AHEAD].hash, cap - 1)],
					   1);
		if (slot_put(s, s->persons[i].hash, (uint32_t)i))
			return -1;
	}
	return 0;
}

int import_snap_build(struct store *st, const struct wb_scope *sc, const char *profile,
		      struct import_snap **out, struct wb_error *err)
{
	*out = NULL;
	struct db_stmt *q = db_stmt(st->db, SQL_MAX);
	int rc = db_step(q, err);
	int64_t max_person = rc == DB_ROW ? db_col_int(q, 0) : 0;
	int64_t max_fact = rc == DB_ROW ? db_col_int(q, 1) : 0;
	db_done(q);
	uint64_t size;
	uint32_t roots[3];
	if (rc < 0)
		return rc;
	if (max_person <= 0 || max_person > SNAP_MAX_PERSONS || max_fact > UINT32_MAX ||
	    !db_file_whole(st->db) || file_size(db_file(st->db), &size))
		return 0;
	if ((rc = table_root(st, "persons", PERSON_LAYOUT, &roots[0], err)) ||
	    (rc = table_root(st, "facts", FACT_LAYOUT, &roots[1], err)) ||
	    (rc = table_root(st, "relations", REL_LAYOUT, &roots[2], err)))
		return rc;
	struct import_snap *s = xcalloc(1, sizeof(*s));
	s->max_id = (uint64_t)max_person;
	/* Sized once (no copies as they grow): the persons cannot outnumber the ids, and
	 * their names take about 12 bytes each; untouched pages cost nothing. (In huge pages,
	 * which spare the batches' look-ups some TLB misses, the snapshot took 0.7 s more to
	 * fill, measured: the kernel's faults of 2 MiB pages.) */
	strs_init(&s->strs, (size_t)s->max_id * 12);
	strs_init(&s->fstrs, 0);
	s->persons = xmalloc((s->max_id + 1) * sizeof(*s->persons));
	s->by_id = xcalloc(s->max_id + 1, sizeof(*s->by_id));
	s->fact_head = xcalloc(s->max_id + 1, sizeof(*s->fact_head));
	s->rel_head = xcalloc(s->max_id + 1, sizeof(*s->rel_head));
	s->dirty = xcalloc((s->max_id >> 6) + 1, sizeof(*s->dirty));
	s->version = db_data_version(st->db);
	/* The file through SQLite's memory map of its handle, where it reaches: the pages of
	 * a table are not in the file's order (they grew beside those of its indexes), and
	 * read ahead with pread, the kernel copied each megabyte for a few of its pages
	 * (measured: 1.3 s of copying for 1 GB of tables). Beyond the map, read-ahead. */
	struct db_file *file = db_file(st->db);
	uint64_t map_len = 0;
	const unsigned char *map = file ? db_file_map(st->db, size, &map_len) : NULL;
	struct build b = {.s = s, .strs = &s->strs, .sc = sc};
	struct reader r = {.f = file,
			   .buf = xmalloc(READ_AHEAD),
			   .size = size,
			   .map = map,
			   .map_len = map_len};
	struct side x = {.b = {.s = s, .strs = &s->fstrs, .sc = sc, .max_fact = (uint64_t)max_fact},
			 .r = {.f = file,
			       .buf = xmalloc(READ_AHEAD),
			       .size = size,
			       .map = map,
			       .map_len = map_len},
			 .facts_root = roots[1],
			 .rels_root = roots[2]};
	x.b.superseded = xcalloc((size_t)(x.b.max_fact >> 6) + 1, sizeof(uint64_t));
	rc = own_imports(st, profile, &x.b.own, err);
	int side = !rc && file && !pthread_create(&x.th, NULL, side_main, &x);
	if (!rc && file)
		scan(&r, &b, "persons", roots[0], P_NCOLS, PERSON_WANT, person_row);
	if (side)
		pthread_join(x.th, NULL);
	else if (!rc && file)
		side_main(&x);
	free(r.buf), free(x.r.buf);
	db_file_unmap(st->db, map);
	for (size_t i = 0; i < s->nfacts; i++)
		s->facts[i].superseded =
			(x.b.superseded[s->facts[i].id >> 6] >> (s->facts[i].id & 63)) & 1;
	free(x.b.superseded);
	imap_release(&x.b.own);
	if (rc || !file || b.bad || x.b.bad) {
		import_snap_free(s);
		return rc;
	}
	if (index_persons(s)) {
		import_snap_free(s);
		return 0;
	}
	log_info("import: the registry read from the file's pages: %zu persons, %zu live facts, "
		 "%zu relations",
		 s->npersons, s->nfacts, s->nrels);
	*out = s;
	return 0;
}

void import_snap_free(struct import_snap *s)
{
	if (!s)
		return;
	free(s->strs.p), free(s->strs.slots), free(s->fstrs.p), free(s->fstrs.slots);
	free(s->persons), free(s->slots), free(s->by_id);
	free(s->fact_head), free(s->rel_head), free(s->facts), free(s->rels), free(s->dirty);
	free(s);
}

int64_t import_snap_version(const struct import_snap *s)
{
	return s->version;
}

/* ---- using it --------------------------------------------------------------------------- */

static int is_dirty(const struct import_snap *s, uint64_t id)
{
	return (int)(s->dirty[id >> 6] >> (id & 63) & 1);
}

static void copy_text(const struct import_snap *s, char *out, size_t cap, uint32_t at)
{
	size_t n = at ? str_len(&s->strs, at) : 0;
	if (n >= cap)
		n = cap - 1;
	memcpy(out, s->strs.p + at, n); /* offset 0 holds a NUL: "" */
	out[n] = 0;
}

void import_snap_prefetch(const struct import_snap *s, const unsigned char hash[SECRET_HASH_BYTES],
			  int step)
{
	const uint64_t *slot = &s->slots[slot_of(hash, s->nslots - 1)];
	if (!step) {
		__builtin_prefetch(slot);
		return;
	}
	if (*slot && (uint32_t)(*slot >> 32) == be32(hash)) {
		const struct snap_person *p = &s->persons[(uint32_t)*slot - 1];
		__builtin_prefetch(p);
		if (p->name)
			__builtin_prefetch(s->strs.p + p->name - 1); /* its length byte */
	}
}

int import_snap_person(const struct import_snap *s, const unsigned char hash[SECRET_HASH_BYTES],
		       struct import_person *out)
{
	uint32_t tag = be32(hash);
	size_t mask = s->nslots - 1;
	for (size_t k = slot_of(hash, mask); s->slots[k]; k = (k + 1) & mask) {
		if ((uint32_t)(s->slots[k] >> 32) != tag)
			continue;
		const struct snap_person *p = &s->persons[(uint32_t)s->slots[k] - 1];
		if (memcmp(p->hash, hash, HASH_KEPT))
			continue;
		if (is_dirty(s, p->id))
			return 0;
		memset(out, 0, sizeof(*out));
		out->id = p->id;
		copy_text(s, out->name, sizeof(out->name), p->name);
		out->gender = p->gender;
		if (p->birth[0]) {
			memcpy(out->birth_date, p->birth, sizeof(p->birth));
			out->birth_date[sizeof(p->birth)] = 0;
		} else {
			copy_text(s, out->birth_date, sizeof(out->birth_date), p->birth_at);
		}
		copy_text(s, out->household_region, sizeof(out->household_region), p->hh);
		copy_text(s, out->residence_region, sizeof(out->residence_region), p->res);
		copy_text(s, out->ethnicity, sizeof(out->ethnicity), p->eth);
		out->has_phone = !!(p->flags & SP_PHONE);
		out->school_unit_id = p->school;
		out->in_scope = !!(p->flags & SP_SCOPE);
		return 1;
	}
	return 0;
}

static int clean(const struct import_snap *s, int64_t id)
{
	return id > 0 && (uint64_t)id <= s->max_id && !is_dirty(s, (uint64_t)id) && s->by_id[id];
}

int import_snap_load(const struct import_snap *s, struct import_cache *c, int64_t id)
{
	if (!clean(s, id))
		return 0;
	imap_put(&c->loaded, id, 1);
	for (uint32_t k = s->fact_head[id]; k; k = s->facts[k - 1].next) {
		const struct snap_fact *f = &s->facts[k - 1];
		import_cache_add_fact_ref(c, id, f->id, f->own, fstr(s, f->type), fstr(s, f->value),
					  fstr(s, f->from), fstr(s, f->to));
		c->facts[c->nfacts - 1].superseded = f->superseded;
	}
	for (uint32_t k = s->rel_head[id]; k; k = s->rels[k - 1].next)
		import_cache_add_rel(c, id, s->rels[k - 1].adult, fstr(s, s->rels[k - 1].kind));
	return 1;
}

void import_snap_dirty(struct import_snap *s, int64_t id)
{
	if (s && id > 0 && (uint64_t)id <= s->max_id)
		s->dirty[(uint64_t)id >> 6] |= 1ULL << ((uint64_t)id & 63);
}
