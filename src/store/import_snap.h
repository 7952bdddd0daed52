/*
 * import_snap -- the registry as a large import starts, read once from the file's pages.
 *
 * An ID-linked extract names most of the stored persons. Looking them up batch by batch
 * (store/imports.c: persons by hash or row id, their facts, their relations) cost about
 * 25 000 instructions a row in SQLite's VDBE, more than everything else the store thread
 * does. Instead, at the start of an import that names many persons, the persons, live
 * facts and relations tables are read straight from the database file's pages
 * (store/page_scan.c) into compact arrays: about 1 000 instructions a stored row (the
 * page decode, then interning the texts), the facts and relations on a second thread.
 *
 * When it is right. The file must hold the whole database (a TRUNCATE checkpoint just
 * before the first batch's BEGIN IMMEDIATE, and the WAL still empty under the write lock:
 * db_file_whole), and it is read before the import writes anything. From then on the
 * snapshot is what the database holds except for
 *   - what this import writes: every write of store/imports.c to a person, a fact or a
 *     relation marks the person dirty (import_snap_dirty), and a dirty person is read
 *     with SQL again, as before; persons the import creates are not in the snapshot at
 *     all and are found by hash with SQL;
 *   - what other connections commit between two batches: PRAGMA data_version moves, and
 *     the import drops the snapshot for good (store_imports_prefetch) and goes on with
 *     SQL.
 * Anything unexpected in the file (a schema other than the one below, a value of a type
 * the columns do not hold, a damaged page) means no snapshot: the import uses SQL.
 *
 * Private to src/store/.
 */
#ifndef WB_IMPORT_SNAP_H
#define WB_IMPORT_SNAP_H
#include <stdint.h>

#include "core/err.h"
#include "core/secret.h"

struct store;
struct wb_scope;
struct import_cache;
struct import_person;
struct import_snap;

/* The snapshot, or NULL (*out) when the file cannot be read as a whole or holds what the
 * snapshot does not expect; err is filled only for failures of SQL itself (then the
 * import fails, as any SQL failure does). Call inside the first batch's write transaction
 * before anything is written. */
int import_snap_build(struct store *st, const struct wb_scope *sc, const char *profile,
		      struct import_snap **out, struct wb_error *err);
void import_snap_free(struct import_snap *s);

/* The data_version the snapshot was read at (db_data_version). */
int64_t import_snap_version(const struct import_snap *s);

/* The stored person whose ID hash is `hash`: 1 and *out filled when the snapshot knows
 * it and the import has not written to it; 0 otherwise (ask SQL). */
/* A hint: start fetching what import_snap_person(s, hash) will read (its slot, then the
 * person the slot names). The look-ups are random places in arrays of hundreds of
 * megabytes; issued a few persons ahead, the memory reads overlap instead of waiting one
 * after another. step 0 fetches the slot; step 1 (later, once the slot is likely in the
 * cache) the person. */
void import_snap_prefetch(const struct import_snap *s, const unsigned char hash[SECRET_HASH_BYTES],
			  int step);
int import_snap_person(const struct import_snap *s, const unsigned char hash[SECRET_HASH_BYTES],
		       struct import_person *out);
/* Whether the live facts and relations of person `id` are the snapshot's (1), and then
 * puts them into the batch cache as store/imports.c's SQL would. */
int import_snap_load(const struct import_snap *s, struct import_cache *c, int64_t id);
/* The import writes to person `id`: from now on it is read with SQL. */
void import_snap_dirty(struct import_snap *s, int64_t id);

#endif
