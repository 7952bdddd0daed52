/*
 * page_scan -- the rows of one SQLite table B-tree, decoded straight from the database
 * file's pages (https://www.sqlite.org/fileformat2.html).
 *
 * For the start of an import, which reads millions of rows: through SQLite's VDBE a row
 * costs a few thousand instructions; decoding the records from the pages costs a small
 * fraction. The module knows nothing of SQLite's headers or handles: it reads the file
 * through a callback, so that the caller can pass the file handle SQLite already has open
 * (sqlite3_file_control(SQLITE_FCNTL_FILE_POINTER) -> pMethods->xRead); opening and
 * closing a second descriptor of the file would drop SQLite's POSIX locks.
 *
 * What the caller guarantees: the file does not change during the scan (hold a read
 * transaction), and it holds every committed page: in WAL mode, checkpoint first (a
 * page that is still only in the -wal is not seen). The header's page count must be
 * valid (every SQLite since 3.7.0 writes it); text must be UTF-8.
 *
 * What the module guarantees: the file is never trusted. Page numbers are checked
 * against the page count, the depth and the number of pages read are bounded (no cycle
 * loops), every cell, record header and value is checked to lie inside its page or
 * payload, rowids must increase; a damaged file gives WB_EINVAL (code PS_CORRUPT) with
 * the page number in the message, never an out-of-bounds read. Text is passed as
 * stored: its UTF-8 is not validated here.
 *
 * The lock-byte page needs no special case: no tree points at it in a sound file, and a
 * pointer to it meets a page that is not a table page (PS_CORRUPT).
 */
#ifndef WB_STORE_PAGE_SCAN_H
#define WB_STORE_PAGE_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Reads len bytes at file offset off into buf: 0, or a negative enum wb_err (the scan
 * stops and returns it, with err set to PS_IO). A short read is an error. Each call reads
 * the first 100 bytes of the file once, then whole pages. */
typedef int (*ps_read_fn)(void *ctx, void *buf, size_t len, uint64_t off);

enum ps_type { PS_NULL, PS_INT, PS_FLOAT, PS_TEXT, PS_BLOB };

struct ps_value {
	enum ps_type type;
	int64_t i;		/* PS_INT */
	double f;		/* PS_FLOAT */
	const unsigned char *p; /* PS_TEXT (not NUL-terminated), PS_BLOB; NULL when n == 0 */
	size_t n;		/* bytes of p */
};

/* Called for each row in rowid order with its first ncols columns. Columns the record
 * does not have (added by ALTER TABLE ADD COLUMN after the row was written) come as
 * PS_NULL -- also when the column was added with a DEFAULT, which SQLite would give
 * instead: a caller with such columns substitutes the default. The INTEGER PRIMARY KEY
 * column comes as PS_NULL, as SQLite stores it; the rowid is passed apart. Values come
 * as stored, before column affinity: a REAL column keeps integral values as integers
 * (PS_INT), which SELECT would turn back into REAL. cols and the
 * bytes its values point to are valid only during the call. Return 0 to go on, nonzero
 * to stop: page_scan_table then returns that value. */
typedef int (*ps_row_fn)(void *ctx, int64_t rowid, const struct ps_value *cols, int ncols);

/* Walk the table B-tree whose root is root_page (sqlite_schema.rootpage; 1 is
 * sqlite_schema itself) in rowid order, calling fn for each row. ncols: 0 to 32767.
 * Returns 0 when every row was passed, fn's nonzero value when it stopped, or a negative
 * enum wb_err with err set: WB_EINVAL for a damaged or unsupported file, rd's error. */
int page_scan_table(ps_read_fn rd, void *rdctx, uint32_t root_page, int ncols, ps_row_fn fn,
		    void *ctx, struct wb_error *err);
/* The same, decoding only the columns whose bit is set in want (bit i: column i; columns
 * from 64 on always); the others come as PS_NULL. Every record is still checked whole. */
int page_scan_columns(ps_read_fn rd, void *rdctx, uint32_t root_page, int ncols, uint64_t want,
		      ps_row_fn fn, void *ctx, struct wb_error *err);

#endif
