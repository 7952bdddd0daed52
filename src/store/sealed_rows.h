/*
 * sealed_rows -- the cells of uploaded rows kept after their import (a rejected row, to
 * hand back to its clerk; a doubtful one, until an officer decides it) are sealed at rest
 * like ID numbers and phones, which they hold in full: XChaCha20-Poly1305 with the
 * database key (core/secret.h), the associated data binding them to their table, import,
 * sheet and row, so that a sealed row moved to another place no longer opens.
 *
 * The column (import_rejects.cells, import_reviews.cells) holds the sealed bytes as a
 * BLOB. Rows written before migration 013 held JSON text; sealed_rows_seal_legacy seals
 * them once, when a store first opens with migrations. A row waiting for review is found
 * again (the same file imported twice) by the keyed hash of its cells (cells_key), never
 * by its text.
 */
#ifndef WB_SEALED_ROWS_H
#define WB_SEALED_ROWS_H
#include <stdint.h>

#include "core/err.h"
#include "core/secret.h"

struct store;
struct db_stmt;

/* Where a row's cells are kept: the table (one of these) and the row's place. */
#define SEALED_REJECTS "import_rejects"
#define SEALED_REVIEWS "import_reviews"
struct sealed_place {
	const char *table;
	int64_t import_id;
	int sheet;
	int64_t row;
};

/* Bind cells_json, sealed for its place, as parameter idx of s. */
void sealed_rows_bind(const struct store *st, struct db_stmt *s, int idx,
		      const struct sealed_place *at, const char *cells_json);

/* Column col of s, the cells of the row at its place, as JSON text (malloc'd); NULL when
 * the sealed bytes do not open (damaged, or moved from another place). */
char *sealed_rows_open(const struct store *st, struct db_stmt *s, int col,
		       const struct sealed_place *at);

/* The keyed hash of a row's cells: the same cells, the same key. */
void sealed_rows_key(const struct store *st, unsigned char out[SECRET_HASH_BYTES],
		     const char *cells_json);

/* Seal the rows a database held as text before migration 013; once (settings
 * 'rows_sealed'), in one transaction. */
int sealed_rows_seal_legacy(struct store *st, struct wb_error *err);

#endif
