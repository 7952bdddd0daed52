/*
 * table -- opening a department extract, telling CSV from XLSX by its first bytes, and the
 * row buffer and error messages both readers share (see table.h, table_int.h).
 *
 * Invariants: a reader is either live or finished; once table_next has returned 0 or an
 * error it only ever returns 0 again, so a caller that ignores one error cannot read rows
 * from a reader in an unknown state. The limits are resolved once, at open (zero fields
 * become the documented defaults), and every reader reads them from here.
 */
#include "ingest/table.h"

#include <stdio.h>
#include <string.h>

#include "core/xalloc.h"
#include "ingest/table_int.h"

struct table_reader {
	enum table_format format;
	struct table_limits lim;
	struct table_rowbuf rb;
	struct table_csv *csv;
	struct table_xlsx *xlsx;
	int finished;
};

/* ---- row buffer ---------------------------------------------------------------------- */

void table_rowbuf_init(struct table_rowbuf *rb, const struct table_limits *lim)
{
	memset(rb, 0, sizeof(*rb));
	rb->lim = lim;
	/* The caps are checked before each append; the ceiling is a second line of defence. */
	buf_init(&rb->text, lim->max_row_bytes + lim->max_columns + 1);
}

void table_rowbuf_release(struct table_rowbuf *rb)
{
	buf_release(&rb->text);
	free(rb->offs);
	free(rb->lens);
	free(rb->cells);
	memset(rb, 0, sizeof(*rb));
}

void table_rowbuf_clear(struct table_rowbuf *rb)
{
	buf_clear(&rb->text);
	rb->n = 0;
	rb->cell_start = 0;
	rb->row_bytes = 0;
}

int table_rowbuf_append(struct table_rowbuf *rb, const void *p, size_t n)
{
	if (rb->n >= rb->lim->max_columns)
		return TABLE_ROW_COLUMNS;
	if (n > rb->lim->max_cell_bytes - (rb->text.len - rb->cell_start))
		return TABLE_ROW_CELL_LONG;
	if (n > rb->lim->max_row_bytes - rb->row_bytes)
		return TABLE_ROW_LONG;
	if (buf_append(&rb->text, p, n))
		return TABLE_ROW_LONG;
	rb->row_bytes += n;
	return TABLE_ROW_OK;
}

int table_rowbuf_end_cell(struct table_rowbuf *rb)
{
	if (rb->n >= rb->lim->max_columns)
		return TABLE_ROW_COLUMNS;
	if (rb->n == rb->cap) {
		rb->cap = rb->cap ? rb->cap * 2 : 16;
		if (rb->cap > rb->lim->max_columns)
			rb->cap = rb->lim->max_columns;
		rb->offs = xrealloc(rb->offs, rb->cap * sizeof(*rb->offs));
		rb->lens = xrealloc(rb->lens, rb->cap * sizeof(*rb->lens));
		rb->cells = xrealloc(rb->cells, rb->cap * sizeof(*rb->cells));
	}
	rb->offs[rb->n] = rb->cell_start;
	rb->lens[rb->n] = rb->text.len - rb->cell_start;
	if (buf_append(&rb->text, "", 1)) /* the NUL; room is reserved by the ceiling */
		return TABLE_ROW_LONG;
	rb->n++;
	rb->cell_start = rb->text.len;
	return TABLE_ROW_OK;
}

int table_rowbuf_add_cell(struct table_rowbuf *rb, const void *p, size_t n)
{
	struct buf *t = &rb->text;
	const struct table_limits *lim = rb->lim;

	/* The caps in table_rowbuf_append's order; room for the text, its NUL and buf's own
	 * NUL after it, under the ceiling; a slot for the cell. Otherwise the long way. */
	if (rb->n < lim->max_columns && n <= lim->max_cell_bytes - (t->len - rb->cell_start) &&
	    n <= lim->max_row_bytes - rb->row_bytes && rb->n < rb->cap &&
	    n + 2 <= t->cap - t->len && t->len + n + 1 <= t->max) {
		memcpy(t->data + t->len, p, n);
		t->len += n;
		t->data[t->len++] = '\0';
		t->data[t->len] = '\0';
		rb->row_bytes += n;
		rb->offs[rb->n] = rb->cell_start;
		rb->lens[rb->n] = t->len - 1 - rb->cell_start;
		rb->n++;
		rb->cell_start = t->len;
		return TABLE_ROW_OK;
	}
	int rc = table_rowbuf_append(rb, p, n);
	return rc ? rc : table_rowbuf_end_cell(rb);
}

void table_rowbuf_emit(struct table_rowbuf *rb, struct table_row *row)
{
	for (size_t i = 0; i < rb->n; i++)
		rb->cells[i] = rb->text.data + rb->offs[i];
	row->ncells = rb->n;
	row->cells = rb->cells;
	row->lens = rb->lens;
}

/* ---- errors -------------------------------------------------------------------------- */

/* Excel's column letters for a 1-based column number. */
static void col_letters(size_t col, char out[8])
{
	char tmp[8];
	int n = 0;
	while (col > 0 && n < 7) {
		tmp[n++] = (char)('A' + (col - 1) % 26);
		col = (col - 1) / 26;
	}
	for (int i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = '\0';
}

int table_fail(struct wb_error *err, int rc, const char *code, const char *zh, const char *en,
	       const struct table_where *w)
{
	char pz[160] = "", pe[160] = "", cz[48] = "", ce[48] = "", letters[8];

	if (w && w->col) {
		col_letters(w->col, letters);
		if (w->sheet) {
			snprintf(cz, sizeof(cz), "第 %s 列", letters);
			snprintf(ce, sizeof(ce), ", column %s", letters);
		} else {
			snprintf(cz, sizeof(cz), "第 %zu 列", w->col);
			snprintf(ce, sizeof(ce), ", column %zu", w->col);
		}
	}
	if (w && w->sheet) {
		snprintf(pz, sizeof(pz), "（工作表“%.60s”第 %lld 行%s）", w->sheet,
			 (long long)w->row, cz);
		snprintf(pe, sizeof(pe), " (sheet \"%.60s\", row %lld%s)", w->sheet,
			 (long long)w->row, ce);
	} else if (w && w->row) {
		snprintf(pz, sizeof(pz), "（第 %lld 行%s）", (long long)w->row, cz);
		snprintf(pe, sizeof(pe), " (line %lld%s)", (long long)w->row, ce);
	}
	wb_error_set(err, rc, rc == WB_ETOOBIG ? 413 : rc == WB_EIO ? 500 : 422, code, zh, en);
	if (err) {
		size_t n = strlen(err->message);
		snprintf(err->message + n, sizeof(err->message) - n, "%s", pz);
		n = strlen(err->message_en);
		snprintf(err->message_en + n, sizeof(err->message_en) - n, "%s", pe);
	}
	return rc;
}

int table_fail_row(struct wb_error *err, int row_rc, const struct table_where *w)
{
	switch (row_rc) {
	case TABLE_ROW_CELL_LONG:
		return table_fail(err, WB_ETOOBIG, "TABLE_CELL_TOO_LONG", "单元格内容过长",
				  "a cell is too long", w);
	case TABLE_ROW_COLUMNS:
		return table_fail(err, WB_ETOOBIG, "TABLE_TOO_MANY_COLUMNS", "一行的列数过多",
				  "a row has too many columns", w);
	default:
		return table_fail(err, WB_ETOOBIG, "TABLE_ROW_TOO_LONG", "一行的内容过长",
				  "a row is too long", w);
	}
}

/* ---- open and dispatch --------------------------------------------------------------- */

static void limits_resolve(struct table_limits *l, const struct table_options *opt)
{
	static const struct table_limits def = {
		.max_cell_bytes = 65536,
		.max_columns = 1024,
		.max_row_bytes = 1u << 20,
		.max_xlsx_inflated = (uint64_t)2 << 30,
		.max_xlsx_ratio = 200,
		.max_shared_strings = 4u << 20,
		.max_shared_bytes = 256u << 20,
		.max_sheets = 64,
	};
	*l = opt ? opt->limits : def;
#define DEF(f)                                                                                     \
	if (!l->f)                                                                                 \
		l->f = def.f;
	DEF(max_cell_bytes)
	DEF(max_columns)
	DEF(max_row_bytes)
	DEF(max_xlsx_inflated)
	DEF(max_xlsx_ratio)
	DEF(max_shared_strings)
	DEF(max_shared_bytes)
	DEF(max_sheets)
#undef DEF
}

/* TABLE_XLSX for a zip, TABLE_CSV for anything else; old .xls and password-protected
 * workbooks (OLE compound files) are refused with a hint. */
static int sniff(const unsigned char *p, size_t n, enum table_format *fmt, struct wb_error *err)
{
	static const unsigned char ole[8] = {0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1};

	if (n >= 8 && !memcmp(p, ole, 8))
		return table_fail(
			err, WB_EINVAL, "TABLE_FORMAT",
			"这是旧版 .xls 或加密的工作簿，请另存为 .xlsx 或 CSV 后再导入",
			"an old .xls or encrypted workbook: save it as .xlsx or CSV first", NULL);
	if (n >= 4 && p[0] == 'P' && p[1] == 'K' &&
	    ((p[2] == 3 && p[3] == 4) || (p[2] == 5 && p[3] == 6)))
		*fmt = TABLE_XLSX;
	else
		*fmt = TABLE_CSV;
	return 0;
}

static int open_common(struct table_reader **out, FILE *f, const unsigned char *mem, size_t len,
		       const struct table_options *opt, struct wb_error *err)
{
	struct table_reader *r = xcalloc(1, sizeof(*r));
	unsigned char head[8];
	size_t nhead;
	int rc;

	limits_resolve(&r->lim, opt);
	table_rowbuf_init(&r->rb, &r->lim);
	if (f) {
		nhead = fread(head, 1, sizeof(head), f);
		rewind(f);
	} else {
		nhead = len < sizeof(head) ? len : sizeof(head);
		memcpy(head, mem, nhead);
	}
	r->format = opt ? opt->format : TABLE_AUTO;
	if (r->format == TABLE_AUTO && (rc = sniff(head, nhead, &r->format, err)))
		goto fail;
	if (r->format == TABLE_XLSX)
		rc = table_xlsx_open(&r->xlsx, f, mem, len, &r->lim, err);
	else
		rc = table_csv_open(&r->csv, f, mem, len, opt, err);
	f = NULL; /* owned by the reader now, closed on failure too */
	if (rc)
		goto fail;
	*out = r;
	return 0;
fail:
	if (f)
		fclose(f);
	table_close(r);
	*out = NULL;
	return rc;
}

int table_open(struct table_reader **out, const char *path, const struct table_options *opt,
	       struct wb_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		*out = NULL;
		return table_fail(err, WB_EIO, "TABLE_OPEN", "无法打开文件", "cannot open the file",
				  NULL);
	}
	return open_common(out, f, NULL, 0, opt, err);
}

int table_open_mem(struct table_reader **out, const void *data, size_t size,
		   const struct table_options *opt, struct wb_error *err)
{
	static const unsigned char empty[1];
	return open_common(out, NULL, data ? data : empty, data ? size : 0, opt, err);
}

int table_next(struct table_reader *r, struct table_row *row, struct wb_error *err)
{
	int64_t number = 0;
	int sheet = 0, rc;

	if (r->finished)
		return 0;
	table_rowbuf_clear(&r->rb);
	if (r->csv)
		rc = table_csv_next(r->csv, &r->rb, &number, err);
	else
		rc = table_xlsx_next(r->xlsx, &r->rb, &number, &sheet, err);
	if (rc <= 0) {
		r->finished = 1;
		return rc;
	}
	table_rowbuf_emit(&r->rb, row);
	row->number = number;
	row->sheet = sheet;
	return 1;
}

enum table_format table_format_of(const struct table_reader *r)
{
	return r->format;
}

enum table_encoding table_encoding_of(const struct table_reader *r)
{
	return r->csv ? table_csv_encoding(r->csv) : TABLE_ENC_AUTO;
}

const char *table_sheet_name(const struct table_reader *r, int i)
{
	if (r->csv)
		return i == 0 ? "" : NULL;
	return table_xlsx_sheet_name(r->xlsx, i);
}

void table_progress(const struct table_reader *r, uint64_t *done, uint64_t *total)
{
	*done = *total = 0;
	if (r->csv)
		table_csv_progress(r->csv, done, total);
	else if (r->xlsx)
		table_xlsx_progress(r->xlsx, done, total);
}

void table_close(struct table_reader *r)
{
	if (!r)
		return;
	table_csv_free(r->csv);
	table_xlsx_free(r->xlsx);
	table_rowbuf_release(&r->rb);
	free(r);
}
