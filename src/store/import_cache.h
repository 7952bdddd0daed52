/*
 * import_cache -- what an import knows, in memory, about the stored rows it touches.
 *
 * An import used to ask SQLite several questions per row (who has this ID number? which
 * facts and relations does this person have?), one statement each: the per-statement
 * cost, not the answers, dominated the import. Instead store/imports.c fetches the
 * answers for a whole batch at once, inside the batch's write transaction, and keeps them
 * here; every write the batch makes goes through imports.c, which updates the cache as
 * it writes, so the cache stays exactly what the database holds until the batch commits
 * (nobody else can write meanwhile: the transaction holds the write lock). The batch part
 * is cleared at the start of each batch (import_cache_clear_batch); what persons the
 * import has stated and the packed row provenance live for the whole import.
 *
 * Private to src/store/: the pipeline only holds the handle (store/imports.h).
 */
#ifndef WB_IMPORT_CACHE_H
#define WB_IMPORT_CACHE_H
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/secret.h"
#include "domain/idno.h"
#include "store/imports.h"

/* int64 key (> 0) → int32 value; open addressing, grows at half full. */
struct imap {
	int64_t *keys;
	int32_t *vals;
	size_t cap, n;
};

struct ic_person {
	char id18[IDNO_LEN + 1];
	unsigned char hash[SECRET_HASH_BYTES];
	int found; /* 1: p is the stored person; 0: nobody has this ID number */
	int want;  /* its facts and relations are needed (a role that has them) */
	struct import_person p;
};

struct ic_fact {	/* a live fact of a loaded person */
	int64_t id;	/* 0: added by this batch (the id is not needed: see imports.c) */
	int own;	/* stated by an import of the importing profile */
	int superseded; /* by a live fact: not current */
	const char *type, *value, *from, *to; /* NULL when absent; in the batch arena */
	int32_t next;			      /* -1 ends the person's list */
};

struct ic_rel { /* a relation of a loaded person as the child */
	int64_t adult;
	char kind[24];
	int32_t next;
};

/* Rows of one role on one sheet that found their person and changed nothing, packed as
 * varints: (row − previous row, zigzag(person − previous person)). See migration 006. */
struct ic_pack {
	char role[32];
	int sheet;
	int64_t first_row, last_row, last_person;
	unsigned char *bytes;
	size_t len, cap;
};

enum { IC_MAX_PACKS = 8 };

/* A fact the batch adds, not yet inserted. Facts wait, up to IC_FACT_WAIT of them, until
 * something reads facts with SQL or the batch commits (store/imports.c: fact_flush); then
 * they go in by person (their index facts_person is written in order, a long run of
 * neighbouring keys, instead of at random places: measured, half the index's cost), and
 * IC_FACT_ROWS to a statement (one multi-row INSERT costs far less than as many single
 * ones). */
enum { IC_FACT_ROWS = 256, IC_FACT_WAIT = 16384 };
struct ic_fact_row {
	int64_t person, source_unit_id, supersedes, import_id, row;
	char type[40], value[256], from[11], to[11], now[21];
	unsigned char has_value, has_from, has_to;
};

struct import_snap;

/* A run of fact ids an import inserted: a row of import_fact_spans (migration 014), kept
 * open while the next statement's ids follow it. */
struct ic_fact_span {
	int64_t import_id, first, last;
};

struct import_cache {
	/* the registry as the import started, when it was read from the file's pages
	 * (store/import_snap.h); NULL: batches look up with SQL */
	struct import_snap *snap;
	/* the batch */
	struct ic_person *persons;
	size_t npersons, persons_cap;
	uint64_t *slots; /* hash of id18 → its high 32 bits << 32 | index + 1; 0 empty */
	size_t nslots;
	uint32_t *id_entry; /* the batch's i-th ID number looked up → index into persons */
	size_t id_entry_cap;
	struct imap byid;      /* person → index into persons */
	struct imap loaded;    /* person → 1: facts and relations below are complete */
	struct imap fact_head; /* person → first index into facts */
	struct ic_fact *facts;
	size_t nfacts, facts_cap;
	struct imap rel_head; /* child → first index into rels */
	struct ic_rel *rels;
	size_t nrels, rels_cap;
	struct arena strings;
	char now[21]; /* the batch's time stamp */
	/* the whole import */
	/* every stored ID number's hash (its first 4 bytes, never 0) → person; 8 bytes a
	 * slot. A hint: two ID numbers may share a prefix, and hits are checked. */
	struct idx {
		uint32_t *keys; /* 0 empty */
		uint32_t *ids;
		size_t cap, n;
	} idx;
	struct bits { /* person id → 1 bit: a row of this import concerned the person (row ids
		       * are dense, so a bitmap is an eighth of a byte a stored person) */
		uint64_t *w;
		size_t nw;
	} stated;
	struct imap own_imports; /* import → 1 when of the importing profile, else 0 */
	/* scratch maps of a batch's look-ups (store/imports.c), kept so that each batch does
	 * not allocate (and the kernel clear) them again */
	struct imap hint_at, superseded;
	struct ic_pack packs[IC_MAX_PACKS];
	int npacks;
	struct ic_fact_row *fact_rows; /* to insert, in the rows' order */
	int nfact_rows, fact_rows_cap;
	double facts_seconds;	  /* spent inserting them, for the import's log */
	struct ic_fact_span span; /* the run of fact ids being inserted (imports.c) */
};

void imap_put(struct imap *m, int64_t key, int32_t val);
/* The value, or -1 when the key is absent. */
int32_t imap_get(const struct imap *m, int64_t key);
void imap_release(struct imap *m);
void imap_clear(struct imap *m); /* empty, keeping its room */
void bits_set(struct bits *b, int64_t i);
int bits_get(const struct bits *b, int64_t i);

void import_cache_clear_batch(struct import_cache *c);
/* The ID index: a hint, not the truth (others write between batches; prefixes can
 * collide): a hit is checked against the stored hash, a miss looked up in the database. */
/* Persons with ids past UINT32_MAX are left out (found by hash instead). */
void import_cache_idx_put(struct import_cache *c, const unsigned char *hash, int64_t id);
void import_cache_idx_reserve(struct import_cache *c, size_t n); /* room for n entries */
int64_t import_cache_idx_get(const struct import_cache *c, const unsigned char *hash); /* 0 */
/* The entry for id18, or NULL; with add, a new entry (found = 0) instead of NULL. */
struct ic_person *import_cache_person(struct import_cache *c, const char *id18, int add);
/* A hint: start fetching the slot import_cache_person(c, id18, …) will probe first. */
void import_cache_person_prefetch(const struct import_cache *c, const char *id18);
/* The entry of a person by row id (persons found or created by ID number), or NULL. */
struct ic_person *import_cache_person_by_id(struct import_cache *c, int64_t id);
void import_cache_add_fact(struct import_cache *c, int64_t person, int64_t id, int own,
			   const char *type, const char *value, const char *from, const char *to);
/* The same with texts that outlive the batch (the registry snapshot's): not copied. */
void import_cache_add_fact_ref(struct import_cache *c, int64_t person, int64_t id, int own,
			       const char *type, const char *value, const char *from,
			       const char *to);
/* Fact id of the person is superseded now; id may be one this batch added (id 0 here):
 * the person's own current fact of that type. */
void import_cache_drop_fact(struct import_cache *c, int64_t person, int64_t id, const char *type);
void import_cache_add_rel(struct import_cache *c, int64_t child, int64_t adult, const char *kind);
int import_cache_has_rel(const struct import_cache *c, int64_t child, int64_t adult,
			 const char *kind);
/* Append a row to the pack of (sheet, role); returns the pack that must be written first
 * when there is no room for another (the caller writes and empties it), else NULL. */
struct ic_pack *import_cache_pack_add(struct import_cache *c, int sheet, const char *role,
				      int64_t row, int64_t person);
/* Walk a packed blob: cb(ctx, row, person) for each entry. -1 when malformed. */
int import_cache_pack_each(const unsigned char *p, size_t n, int64_t first_row,
			   void (*cb)(void *ctx, int64_t row, int64_t person), void *ctx);
void import_cache_free(struct import_cache *c);

#endif
