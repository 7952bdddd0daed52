/*
 * bulk_index -- the secondary indexes of a page-written bulk load (see bulk.c).
 *
 * While the rows of a load are written (in rowid order, by pagefile.c), each row's index
 * keys are kept here in a compact form: integers as they are, texts as numbers of an
 * interned dictionary, blobs (fixed length) in a side array. When the rows are done,
 * bix_write sorts every index (a radix sort of the keys packed into 64 bits where they
 * fit, which is nearly always; an already sorted index is only checked) and writes its
 * B-tree with pagefile.c, several indexes at once on as many threads.
 *
 * Order is SQLite's BINARY order: NULL first, then integers, then texts byte by byte
 * (shorter first on a tie), then blobs; the rowid last. Integer key columns must not be
 * negative (ids). One thread adds rows.
 */
#ifndef WB_STORE_BULK_INDEX_H
#define WB_STORE_BULK_INDEX_H

#include <stdint.h>

#include "core/err.h"
#include "store/pagefile.h"

enum bix_type { BIX_INT, BIX_TEXT, BIX_BLOB };

#define BIX_MAX_COLS 3

/* An index of one table: its key columns as numbers of the table's columns (column 0 is
 * the rowid alias, INTEGER PRIMARY KEY), and their types. A blob column must be the
 * index's only column. */
struct bix_def {
	const char *name;
	int table;
	int ncols;
	int col[BIX_MAX_COLS];
	enum bix_type type[BIX_MAX_COLS];
};

struct bix;

struct bix *bix_new(const struct bix_def *defs, int n);
/* The keys of one row of table `table` (values in table column order, as written). */
void bix_add_row(struct bix *x, int table, int64_t rowid, const struct pf_value *v);
/* Sort and write every index into f; roots[i] is the root page of defs[i]. Frees the
 * keys as it goes. */
int bix_write(struct bix *x, struct pf_file *f, const uint32_t *roots, int nthreads,
	      struct wb_error *err);
void bix_free(struct bix *x);

#endif
