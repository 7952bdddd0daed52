/*
 * register_file -- XLSX and CSV back ends of the register export (see register_file.h).
 *
 * About the formula guard in XLSX: worksheet_write_string stores a string cell
 * (t="s" / t="inlineStr"), which Excel never evaluates, so inside the XLSX a text
 * starting with "=" is already inert. It is prefixed with an apostrophe all the same:
 * registers travel, and the first thing many offices do is "save as CSV" or copy the
 * column into another sheet, where the text would become a live formula again. With
 * the apostrophe kept in the cell text it stays inert through such a round trip, and
 * the CSV back end writes exactly the same text.
 */
#include "export/register_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "core/buf.h"
#include "core/xalloc.h"
#include "export/cell.h"

const char *const regfile_headers[REGFILE_COLUMNS] = {
	"序号",	      "乡镇(街道)",   "村(社区)",	"姓名",
	"性别",	      "公民身份号码", "出生日期",	"年龄",
	"民族",	      "户籍地",	      "现居住地",	"就读学校",
	"监护人姓名", "与儿童关系",   "监护人联系电话", "家庭情况/重点情况",
	"备注",
};

/* Column widths in characters (a CJK character counts about 2). */
static const double widths[REGFILE_COLUMNS] = {6,  12, 14, 10, 5,  21, 11, 5, 8,
					       24, 24, 20, 16, 12, 18, 48, 16};

enum { COL_SEQ = 0, COL_AGE = 7, COL_ID = 5, COL_SITUATION = 15 };

struct regfile {
	int format;
	const char *path, *tmpdir;
	struct register_info info;
	int64_t rows;
	/* CSV */
	FILE *f;
	struct buf line;
	/* XLSX */
	lxw_workbook *wb;
	lxw_worksheet *ws;
	lxw_format *title, *header, *text, *wrap;
};

int regfile_format_parse(int *out, const char *text, struct wb_error *err)
{
	if (!text || !*text || !strcmp(text, "xlsx")) {
		*out = REGFILE_XLSX;
		return 0;
	}
	if (!strcmp(text, "csv")) {
		*out = REGFILE_CSV;
		return 0;
	}
	wb_error_set(err, WB_EINVAL, 400, "FORMAT_INVALID", "导出格式应为 xlsx 或 csv",
		     "the format must be xlsx or csv");
	wb_error_detail(err, "format", "FORMAT_INVALID", "导出格式应为 xlsx 或 csv");
	return WB_EINVAL;
}

const char *regfile_ext(int format)
{
	return format == REGFILE_CSV ? "csv" : "xlsx";
}

const char *regfile_content_type(int format)
{
	return format == REGFILE_CSV
		       ? "text/csv; charset=utf-8"
		       : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
}

void regfile_title(char *out, size_t cap, const struct register_info *info)
{
	snprintf(out, cap, "%s 未成年人台账%s%s%s (导出于 %s)%s", info->place,
		 info->fact_type_name[0] ? "（" : "", info->fact_type_name,
		 info->fact_type_name[0] ? "）" : "", info->date,
		 info->revealed ? " 含完整身份证号码，注意保密" : "");
}

void regfile_filename(char *out, size_t cap, const struct register_info *info, int format)
{
	/* the filter in the name too: several registers of one day are told apart */
	snprintf(out, cap, "%s未成年人台账%s%s%s_%s.%s", info->place,
		 info->fact_type_name[0] ? "（" : "", info->fact_type_name,
		 info->fact_type_name[0] ? "）" : "", info->date, regfile_ext(format));
}

static int io_error(struct wb_error *err, const char *what)
{
	return wb_error_setx(err, WB_EIO, 500, "EXPORT_WRITE_FAILED", "写入导出文件失败",
			     "cannot write the export file", what);
}

/* The text cells of a row, in column order; NULL marks the numeric columns. */
static void row_texts(const struct register_row *r, const char *cells[REGFILE_COLUMNS], char *birth)
{
	static const char *const genders[] = {"男", "女", "未知"};
	snprintf(birth, 11, "%s", r->birth_date);
	cells[COL_SEQ] = NULL;
	cells[1] = r->township;
	cells[2] = r->village;
	cells[3] = r->name;
	cells[4] = genders[r->gender == 'M' ? 0 : r->gender == 'F' ? 1 : 2];
	cells[COL_ID] = r->id_number;
	cells[6] = birth;
	cells[COL_AGE] = NULL;
	cells[8] = r->ethnicity_name;
	cells[9] = r->household_region_name;
	cells[10] = r->residence_region_name;
	cells[11] = r->school_name;
	cells[12] = r->guardian_names;
	cells[13] = r->guardian_relations;
	cells[14] = r->guardian_phones;
	cells[COL_SITUATION] = r->situation;
	cells[16] = "";
}

/* ---- CSV ------------------------------------------------------------------------------ */

static int csv_flush(struct regfile *w, struct wb_error *err)
{
	if (buf_append(&w->line, "\r\n", 2) ||
	    fwrite(w->line.data, 1, w->line.len, w->f) != w->line.len)
		return io_error(err, w->path);
	buf_clear(&w->line);
	return 0;
}

static int csv_begin(struct regfile *w, struct wb_error *err)
{
	if (!(w->f = fopen(w->path, "wb")))
		return io_error(err, w->path);
	buf_init(&w->line, 0);
	buf_append(&w->line, "\xEF\xBB\xBF", 3); /* BOM: Excel reads UTF-8 only with it */
	for (int c = 0; c < REGFILE_COLUMNS; c++) {
		if (c)
			buf_append(&w->line, ",", 1);
		cell_csv_field(&w->line, regfile_headers[c]);
	}
	return csv_flush(w, err);
}

static int csv_row(struct regfile *w, const struct register_row *r, struct wb_error *err)
{
	const char *cells[REGFILE_COLUMNS];
	char birth[11];
	row_texts(r, cells, birth);
	for (int c = 0; c < REGFILE_COLUMNS; c++) {
		if (c)
			buf_append(&w->line, ",", 1);
		if (c == COL_SEQ)
			buf_appendf(&w->line, "%lld", (long long)w->rows);
		else if (c == COL_AGE && r->age >= 0)
			buf_appendf(&w->line, "%d", r->age);
		else if (c != COL_AGE)
			cell_csv_field(&w->line, cells[c]);
	}
	return csv_flush(w, err);
}

static int csv_end(struct regfile *w, struct wb_error *err)
{
	int bad = fflush(w->f) != 0 || ferror(w->f);
	bad |= fclose(w->f) != 0;
	w->f = NULL;
	buf_release(&w->line);
	return bad ? io_error(err, w->path) : 0;
}

/* ---- XLSX ----------------------------------------------------------------------------- */

static int xlsx_failed(struct wb_error *err, lxw_error e)
{
	return wb_error_setx(err, WB_EIO, 500, "EXPORT_WRITE_FAILED", "写入导出文件失败",
			     "cannot write the export file", lxw_strerror(e));
}

static int xlsx_text(struct regfile *w, lxw_row_t row, lxw_col_t col, const char *s,
		     lxw_format *fmt)
{
	char small[512];
	struct buf b;
	int rc;
	if (!s[0])
		return 0;
	if (!cell_is_dangerous(s))
		return worksheet_write_string(w->ws, row, col, s, fmt);
	if (strlen(s) + 2 <= sizeof(small)) {
		snprintf(small, sizeof(small), "'%s", s);
		return worksheet_write_string(w->ws, row, col, small, fmt);
	}
	buf_init(&b, 0);
	cell_guard(&b, s);
	rc = worksheet_write_string(w->ws, row, col, b.data, fmt);
	buf_release(&b);
	return rc;
}

static int xlsx_begin(struct regfile *w, struct wb_error *err)
{
	char title[600];
	lxw_workbook_options opt = {
		.constant_memory = LXW_TRUE, .tmpdir = (char *)w->tmpdir, .use_zip64 = LXW_FALSE};
	lxw_error e = LXW_NO_ERROR;

	if (!(w->wb = workbook_new_opt(w->path, &opt)))
		return io_error(err, w->path);
	if (!(w->ws = workbook_add_worksheet(w->wb, "未成年人台账")))
		return xlsx_failed(err, LXW_ERROR_MEMORY_MALLOC_FAILED);
	w->title = workbook_add_format(w->wb);
	format_set_bold(w->title);
	format_set_font_size(w->title, 14);
	w->header = workbook_add_format(w->wb);
	format_set_bold(w->header);
	format_set_border(w->header, LXW_BORDER_THIN);
	format_set_bg_color(w->header, 0xDDEBF7);
	format_set_align(w->header, LXW_ALIGN_CENTER);
	format_set_align(w->header, LXW_ALIGN_VERTICAL_CENTER);
	format_set_text_wrap(w->header);
	w->text = workbook_add_format(w->wb);
	format_set_num_format(w->text, "@"); /* stays text when someone edits the cell */
	w->wrap = workbook_add_format(w->wb);
	format_set_text_wrap(w->wrap);

	for (int c = 0; c < REGFILE_COLUMNS && !e; c++)
		e = worksheet_set_column(w->ws, (lxw_col_t)c, (lxw_col_t)c, widths[c],
					 c == COL_ID ? w->text : NULL);
	worksheet_set_landscape(w->ws);
	worksheet_set_paper(w->ws, 9); /* A4 */
	if (!e)
		e = worksheet_repeat_rows(w->ws, 0, 1);
	worksheet_freeze_panes(w->ws, 2, 0);
	regfile_title(title, sizeof(title), &w->info);
	if (!e)
		e = worksheet_set_row(w->ws, 0, 24, NULL);
	if (!e)
		e = worksheet_write_string(w->ws, 0, 0, title, w->title);
	for (int c = 0; c < REGFILE_COLUMNS && !e; c++)
		e = worksheet_write_string(w->ws, 1, (lxw_col_t)c, regfile_headers[c], w->header);
	return e ? xlsx_failed(err, e) : 0;
}

static int xlsx_row(struct regfile *w, const struct register_row *r, struct wb_error *err)
{
	const char *cells[REGFILE_COLUMNS];
	char birth[11];
	lxw_row_t row = (lxw_row_t)(w->rows + 1); /* title and header take rows 0 and 1 */
	lxw_error e = LXW_NO_ERROR;
	if (row >= LXW_ROW_MAX)
		return wb_error_set(err, WB_ETOOBIG, 413, "EXPORT_TOO_LARGE",
				    "导出行数超过电子表格上限，请缩小区划范围或使用 CSV",
				    "too many rows for a spreadsheet; export a smaller region "
				    "or use CSV");
	row_texts(r, cells, birth);
	for (int c = 0; c < REGFILE_COLUMNS && !e; c++) {
		if (c == COL_SEQ)
			e = worksheet_write_number(w->ws, row, 0, (double)w->rows, NULL);
		else if (c == COL_AGE)
			e = r->age >= 0
				    ? worksheet_write_number(w->ws, row, (lxw_col_t)c, r->age, NULL)
				    : LXW_NO_ERROR;
		else
			e = (lxw_error)xlsx_text(w, row, (lxw_col_t)c, cells[c],
						 c == COL_ID	      ? w->text
						 : c == COL_SITUATION ? w->wrap
								      : NULL);
	}
	return e ? xlsx_failed(err, e) : 0;
}

static int xlsx_end(struct regfile *w, struct wb_error *err)
{
	lxw_row_t last = (lxw_row_t)(w->rows + 1);
	lxw_error e = worksheet_autofilter(w->ws, 1, 0, last, REGFILE_COLUMNS - 1);
	lxw_error c = workbook_close(w->wb);
	w->wb = NULL;
	if (e)
		return xlsx_failed(err, e);
	return c ? xlsx_failed(err, c) : 0;
}

/* ---- the sink --------------------------------------------------------------------------- */

static int sink_begin(void *ctx, const struct register_info *info, struct wb_error *err)
{
	struct regfile *w = ctx;
	w->info = *info;
	return w->format == REGFILE_CSV ? csv_begin(w, err) : xlsx_begin(w, err);
}

static int sink_row(void *ctx, const struct register_row *r, struct wb_error *err)
{
	struct regfile *w = ctx;
	w->rows++;
	return w->format == REGFILE_CSV ? csv_row(w, r, err) : xlsx_row(w, r, err);
}

int regfile_export(struct store *st, const struct wb_scope *sc, const struct register_query *q,
		   int format, const char *path, const char *tmpdir, struct register_info *info,
		   int64_t *count, struct wb_error *err)
{
	struct regfile w;
	memset(&w, 0, sizeof(w));
	w.format = format;
	w.path = path;
	w.tmpdir = tmpdir;
	struct register_sink sink = {sink_begin, sink_row, &w};

	int rc = store_register_export(st, sc, q, &sink, count, err);
	int started = w.f || w.wb;
	if (rc == 0 && started) {
		rc = format == REGFILE_CSV ? csv_end(&w, err) : xlsx_end(&w, err);
	} else if (started) {
		/* Abandon: close what is open, then remove the partial file below. */
		if (w.f) {
			fclose(w.f);
			buf_release(&w.line);
		}
		if (w.wb)
			workbook_close(w.wb);
	}
	if (rc && started && unlink(path) && errno != ENOENT)
		rc = io_error(err, path);
	if (info)
		*info = w.info;
	return rc;
}
