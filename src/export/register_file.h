/*
 * register_file -- the register (台账) of a region as a file: XLSX or CSV.
 *
 * One module with two back ends behind one writer:
 *   XLSX  libxlsxwriter in constant-memory mode (one row in memory; its temporary
 *         files go to the caller's private directory): a title row, a bold header row
 *         in the column layout officials use, frozen header, column widths, autofilter,
 *         every text cell a string (ID numbers are never numbers: Excel would round
 *         them to 15 digits and show them in E notation).
 *   CSV   UTF-8 with a byte-order mark (Excel otherwise reads it as GBK), RFC 4180
 *         quoting, CRLF line ends; the header row, then the children.
 * Both guard every text cell against formula injection (export/cell.h).
 *
 * regfile_export is the whole job: it runs store_register_export (scope, masking,
 * audit) and writes each row as it arrives, so memory stays flat for a county of
 * 150 000 children. The file at `path` is complete only when it returns 0; on failure
 * it is removed.
 */
#ifndef WB_REGISTER_FILE_H
#define WB_REGISTER_FILE_H
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "store/register.h"

struct store;
struct wb_scope;

enum regfile_format { REGFILE_XLSX = 0, REGFILE_CSV = 1 };

#define REGFILE_COLUMNS 17

/* "xlsx" / "csv" (NULL or "" means xlsx); WB_EINVAL with FORMAT_INVALID otherwise. */
int regfile_format_parse(int *out, const char *text, struct wb_error *err);
const char *regfile_ext(int format);
const char *regfile_content_type(int format);
/* Header texts of the columns, in order (序号, 乡镇(街道), …, 备注). */
extern const char *const regfile_headers[REGFILE_COLUMNS];
/* "酉阳土家族苗族自治县木叶乡 未成年人台账 (导出于 2026-11-25)", with the filter named. */
void regfile_title(char *out, size_t cap, const struct register_info *info);
/* Download name: "酉阳土家族苗族自治县木叶乡未成年人台账_2026-11-25.xlsx". */
void regfile_filename(char *out, size_t cap, const struct register_info *info, int format);

/* Export the register of q->region to path. tmpdir (may be NULL) holds libxlsxwriter's
 * temporary files. info (may be NULL) receives the description of the export. */
int regfile_export(struct store *st, const struct wb_scope *sc, const struct register_query *q,
		   int format, const char *path, const char *tmpdir, struct register_info *info,
		   int64_t *count, struct wb_error *err);

#endif
