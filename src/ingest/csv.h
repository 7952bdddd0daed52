/*
 * csv -- a small RFC 4180 record splitter for one-line records (reference data files:
 * regions). Department extracts with embedded newlines and other encodings get the
 * streaming reader of the import pipeline.
 */
#ifndef WB_CSV_H
#define WB_CSV_H
#include <stddef.h>

#define CSV_MAX_FIELDS 16

/* Split line (modified in place; trailing CR/LF removed) into at most CSV_MAX_FIELDS
 * fields, unquoting "…" and "" escapes. Returns the field count, or -1 when the line is
 * malformed (unterminated quote, text after a closing quote, too many fields). */
int csv_split(char *line, char *fields[CSV_MAX_FIELDS]);

#endif
