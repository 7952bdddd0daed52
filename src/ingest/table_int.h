/*
 * table_int -- what table.c shares with csv_reader.c and xlsx_reader.c; not for callers
 * outside src/ingest/ (they use table.h).
 *
 * A row is assembled in a table_rowbuf: the cell texts live back to back in one capped
 * buffer, each followed by a NUL, and the cell/length arrays are rebuilt when the row is
 * handed out, so a row costs no allocation once the buffers have grown to the widest row.
 * Every append checks the caps of struct table_limits first; a refused append returns a
 * TABLE_ROW_* code and leaves the row as it was, and the reader turns the code into a
 * wb_error naming the row and column (table_fail_row).
 */
#ifndef WB_TABLE_INT_H
#define WB_TABLE_INT_H
#include <stdint.h>
#include <stdio.h>

#include "core/buf.h"
#include "ingest/table.h"

enum table_row_rc {
	TABLE_ROW_OK = 0,
	TABLE_ROW_CELL_LONG = 1, /* a cell past max_cell_bytes */
	TABLE_ROW_LONG = 2,	 /* all cells past max_row_bytes */
	TABLE_ROW_COLUMNS = 3,	 /* more than max_columns cells */
};

struct table_rowbuf {
	struct buf text;     /* cells, each NUL-terminated */
	size_t *offs, *lens; /* per closed cell */
	const char **cells;  /* filled by table_rowbuf_emit */
	size_t n, cap;	     /* closed cells, array capacity */
	size_t cell_start;   /* offset of the open cell in text */
	size_t row_bytes;    /* cell bytes of the row so far, NULs not counted */
	const struct table_limits *lim;
};

void table_rowbuf_init(struct table_rowbuf *rb, const struct table_limits *lim);
void table_rowbuf_release(struct table_rowbuf *rb);
void table_rowbuf_clear(struct table_rowbuf *rb);
/* Append bytes to the open cell. */
int table_rowbuf_append(struct table_rowbuf *rb, const void *p, size_t n);
/* Close the open cell (possibly empty). */
int table_rowbuf_end_cell(struct table_rowbuf *rb);
/* table_rowbuf_append then table_rowbuf_end_cell (same checks, same codes), in one go
 * when both buffers have room: the CSV reader's whole unquoted cells. */
int table_rowbuf_add_cell(struct table_rowbuf *rb, const void *p, size_t n);
/* Point row at the closed cells; valid until the next change of rb. */
void table_rowbuf_emit(struct table_rowbuf *rb, struct table_row *row);

/* Where an error happened, for the messages: sheet NULL for CSV; 0 means unknown. */
struct table_where {
	const char *sheet;
	int64_t row;
	size_t col; /* 1-based */
};

/* Fill err with code and the messages plus the place, return rc. */
int table_fail(struct wb_error *err, int rc, const char *code, const char *zh, const char *en,
	       const struct table_where *w);
/* The error for a TABLE_ROW_* code. */
int table_fail_row(struct wb_error *err, int row_rc, const struct table_where *w);

/* ---- CSV (csv_reader.c) ---- */
struct table_csv;
/* Exactly one of f (owned from now on, positioned at the start) and mem is set. */
int table_csv_open(struct table_csv **out, FILE *f, const unsigned char *mem, size_t len,
		   const struct table_options *opt, struct wb_error *err);
int table_csv_next(struct table_csv *c, struct table_rowbuf *rb, int64_t *number,
		   struct wb_error *err);
enum table_encoding table_csv_encoding(const struct table_csv *c);
void table_csv_progress(const struct table_csv *c, uint64_t *done, uint64_t *total);
void table_csv_free(struct table_csv *c);

/* ---- XLSX (xlsx_reader.c) ---- */
struct table_xlsx;
/* Exactly one of f (owned from now on) and mem is set. */
int table_xlsx_open(struct table_xlsx **out, FILE *f, const unsigned char *mem, size_t len,
		    const struct table_limits *lim, struct wb_error *err);
int table_xlsx_next(struct table_xlsx *x, struct table_rowbuf *rb, int64_t *number, int *sheet,
		    struct wb_error *err);
const char *table_xlsx_sheet_name(const struct table_xlsx *x, int i);
void table_xlsx_progress(const struct table_xlsx *x, uint64_t *done, uint64_t *total);
void table_xlsx_free(struct table_xlsx *x);

#endif
