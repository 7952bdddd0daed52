/*
 * person_sources -- where a person's fields came from: for each field an import wrote,
 * the import (file, profile, sending unit, extract date, time) and the row of the file.
 * The import writes person_sources as it creates and fills persons (store/imports.c);
 * this file reads them for the person's page.
 */
#ifndef WB_STORE_PERSON_SOURCES_H
#define WB_STORE_PERSON_SOURCES_H
#include <stdint.h>

#include "core/err.h"

struct store;
struct wb_scope;

struct person_source_row {
	char field[24];
	int hidden; /* the import is not the reader's to see: only the field is given */
	int64_t import_id, row;
	char profile[32];
	char file_name[256];
	int64_t source_unit_id;
	char source_unit_name[128];
	char extract_date[11];
	char imported_at[21];
};

/* The sources of a visible person's fields, by field (PERSON_NOT_FOUND when out of
 * scope); audited as person.read_sources. A source is hidden (only its field given)
 * unless the reader may see the import (its area within theirs) and read sensitive
 * facts (the kind of list a person came from can be one). */
int store_person_sources(struct store *st, const struct wb_scope *sc, int64_t person_id,
			 void (*cb)(void *ctx, const struct person_source_row *r), void *ctx,
			 struct wb_error *err);

#endif
