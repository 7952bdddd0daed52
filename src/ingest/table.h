/*
 * table -- streaming readers of department extracts: CSV (UTF-8 with or without BOM, or
 * GBK/GB18030 as Chinese Excel writes it) and XLSX (Office Open XML workbooks).
 *
 * One interface for both: open a file, then pull rows one at a time. Memory stays
 * constant in the size of the file (bounded by the limits below), so a million-row
 * extract reads in a few megabytes. Every cell comes out as valid UTF-8 text:
 *  - CSV: quoted fields, "" escapes, embedded newlines, CRLF or LF, a UTF-8 BOM; the
 *    encoding is detected from the first bytes (valid UTF-8 → UTF-8, otherwise GB18030,
 *    converted with iconv) unless the caller names it.
 *  - XLSX: every worksheet in workbook order, shared strings, inline strings, numbers,
 *    booleans; numbers in a date format (built-in formats 14–22, 45–47 and custom formats
 *    with y/m/d) come out as "YYYY-MM-DD"; empty cells between filled ones come out as "".
 *
 * Bad input never crashes and never reads past the caps: each failure is a wb_error with
 * a stable code (TABLE_*) and a message in Chinese and English naming the row (and column)
 * where it happened.
 */
#ifndef WB_TABLE_H
#define WB_TABLE_H
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

enum table_format { TABLE_AUTO = 0, TABLE_CSV, TABLE_XLSX };
enum table_encoding { TABLE_ENC_AUTO = 0, TABLE_ENC_UTF8, TABLE_ENC_GB18030 };

/* Caps. Zero fields take the defaults in brackets. */
struct table_limits {
	size_t max_cell_bytes;	    /* [65536] one cell, after decoding */
	size_t max_columns;	    /* [1024] cells in one row */
	size_t max_row_bytes;	    /* [1 MiB] all cells of one row */
	uint64_t max_xlsx_inflated; /* [2 GiB] sum of the uncompressed sizes read from a zip */
	uint64_t max_xlsx_ratio;    /* [200] uncompressed/compressed size of one zip entry */
	size_t max_shared_strings;  /* [4 M] entries in sharedStrings.xml */
	size_t max_shared_bytes;    /* [256 MiB] their total text */
	size_t max_sheets;	    /* [64] */
};

struct table_options {
	enum table_format format;     /* TABLE_AUTO: by content (zip magic → XLSX, else CSV) */
	enum table_encoding encoding; /* CSV only */
	struct table_limits limits;
};

/* One row. Valid until the next table_next() or table_close(). */
struct table_row {
	size_t ncells;
	const char *const *cells; /* NUL-terminated UTF-8; cells[i] has lens[i] bytes */
	const size_t *lens;
	int64_t number; /* 1-based: CSV line where the record starts; XLSX row number (r="…") */
	int sheet;	/* 0-based worksheet index (always 0 for CSV) */
};

struct table_reader;

/* Open path for reading. 0 or a negative wb_err with err filled (TABLE_OPEN, TABLE_FORMAT,
 * TABLE_ZIP, …). */
int table_open(struct table_reader **out, const char *path, const struct table_options *opt,
	       struct wb_error *err);
/* Like table_open, over size bytes at data (for tests and fuzzers, and for uploads held in
 * memory). data is not copied: it must stay valid and unchanged until table_close(). */
int table_open_mem(struct table_reader **out, const void *data, size_t size,
		   const struct table_options *opt, struct wb_error *err);
/* The next row: 1 when *row is filled, 0 at the end of the last sheet, or a negative
 * wb_err (err filled: TABLE_CELL_TOO_LONG, TABLE_TOO_MANY_COLUMNS, TABLE_QUOTE,
 * TABLE_ENCODING, TABLE_XML, TABLE_ZIP_BOMB, …). After an error the reader is finished. */
int table_next(struct table_reader *r, struct table_row *row, struct wb_error *err);
/* What was detected: TABLE_CSV or TABLE_XLSX, and for CSV the encoding. */
enum table_format table_format_of(const struct table_reader *r);
enum table_encoding table_encoding_of(const struct table_reader *r);
/* Name of worksheet i ("" for CSV), valid until table_close(). NULL when out of range. */
const char *table_sheet_name(const struct table_reader *r, int i);
/* Bytes of the input consumed so far and its total size, for progress bars. */
void table_progress(const struct table_reader *r, uint64_t *done, uint64_t *total);
void table_close(struct table_reader *r); /* NULL is fine */

#endif
