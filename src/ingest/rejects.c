/* rejects -- the rejected-rows download (see rejects.h). */
#include "ingest/rejects.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "domain/idno.h"
#include "export/cell.h"
#include "store/audit.h"
#include "store/imports.h"

struct out {
	struct buf *b;
	int64_t rows;
	int sheets;
	int full;
	int own; /* the caller made the import: their own rows back, in full */
};

static int add_cell(struct out *o, const char *v)
{
	if (o->own || !v)
		return cell_csv_field(o->b, v);
	char *masked = xmalloc(strlen(v) + 1);
	idno_mask_text(masked, v);
	int rc = cell_csv_field(o->b, masked);
	free(masked);
	return rc;
}

static void add_row(void *ctx, int sheet, int64_t row, const char *code, const char *reason,
		    const char *cells)
{
	struct out *o = ctx;
	json_t *a = json_loads(cells, 0, NULL);
	char num[24];
	(void)sheet;
	if (row == 0 && o->sheets++)
		o->full |= buf_appends(o->b, "\r\n"); /* a blank line between sheets */
	for (size_t i = 0; i < json_array_size(a); i++) {
		o->full |= add_cell(o, json_string_value(json_array_get(a, i)));
		o->full |= buf_appends(o->b, ",");
	}
	if (row == 0) {
		o->full |= buf_appends(o->b, "退回原因,原因代码,原行号\r\n");
	} else {
		snprintf(num, sizeof(num), ",%" PRId64 "\r\n", row);
		o->full |= cell_csv_field(o->b, reason);
		o->full |= buf_appends(o->b, ",");
		o->full |= cell_csv_field(o->b, code);
		o->full |= buf_appends(o->b, num);
		o->rows++;
	}
	json_decref(a);
}

int import_rejects_csv(struct store *st, const struct wb_scope *sc, int64_t id, struct buf *out,
		       int64_t *rows, struct wb_error *err)
{
	struct out o = {out, 0, 0, 0, 0};
	o.full |= buf_appends(out, "\xef\xbb\xbf");
	int rc = store_imports_rejects(st, sc, id, add_row, &o, &o.own, err);
	*rows = o.rows;
	if (!rc && o.full)
		rc = wb_error_set(err, WB_ETOOBIG, 413, "REJECTS_TOO_BIG",
				  "退回行文件过大，请分批导入",
				  "the rejected rows file is too big");
	if (rc)
		return rc;
	/* Raw rows of children (in full for their uploader): recorded before they leave. */
	char detail[80];
	snprintf(detail, sizeof(detail), "{\"rows\":%" PRId64 ",\"masked\":%s}", o.rows,
		 o.own ? "false" : "true");
	struct audit_entry e = {"import.rejects", "import", id, detail};
	return store_audit_append_now(st, sc, &e, err);
}
