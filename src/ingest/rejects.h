/*
 * rejects -- the rejected rows of an import as the clerk gets them back: a CSV (UTF-8
 * with BOM, so Excel opens it) with each sheet's original header and cells, then the
 * reason in Chinese, its code and the original row number. The clerk fixes the cells and
 * imports the same file again: the extra columns are ignored. Cells are guarded against
 * formula injection. The import's own uploader gets the cells as they were; anyone else
 * (a colleague, the county) gets their numbers masked (idno_mask_text). Every download is
 * an audit entry ("import.rejects").
 */
#ifndef WB_REJECTS_H
#define WB_REJECTS_H
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

struct store;
struct wb_scope;

/* Into out (whose ceiling bounds the size; WB_ETOOBIG past it). *rows counts data rows. */
int import_rejects_csv(struct store *st, const struct wb_scope *sc, int64_t id, struct buf *out,
		       int64_t *rows, struct wb_error *err);

#endif
