/*
 * cell -- making exported text safe for spreadsheets (pure functions, no I/O).
 *
 * Formula injection (CSV injection): a spreadsheet treats a cell that starts with
 * `=`, `+`, `-` or `@` as a formula (and some read a leading tab or carriage return as
 * one too, after trimming), so a person registered as `=HYPERLINK("http://…")` would
 * turn into a live link or a DDE call in the register an official opens. Every text
 * cell weibao exports goes through cell_guard, which puts a leading apostrophe before
 * such text: Excel and LibreOffice show the apostrophe and evaluate nothing (OWASP's
 * recommendation). The data in the store is never changed.
 */
#ifndef WB_CELL_H
#define WB_CELL_H
#include <stddef.h>

#include "core/buf.h"

/* 1 when text would be read as a formula by a spreadsheet. */
int cell_is_dangerous(const char *text);
/* Append text to b, with a leading apostrophe when it is dangerous. -1 past b's ceiling. */
int cell_guard(struct buf *b, const char *text);
/* Append one CSV field (RFC 4180): guarded as above, then quoted when it holds a comma,
 * a double quote, CR or LF (inner quotes doubled), else written as is. */
int cell_csv_field(struct buf *b, const char *text);

#endif
