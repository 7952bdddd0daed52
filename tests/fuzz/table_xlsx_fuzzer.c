/* table_xlsx_fuzzer -- the XLSX reader over any bytes, read from memory (zip_source_buffer).
 * Small caps so that the bomb and limit paths are reached; every cell must be
 * NUL-terminated at its length, and sheet names must exist for every row's sheet. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct table_options opt = {.format = TABLE_XLSX,
				    .limits = {.max_cell_bytes = 1024,
					       .max_columns = 64,
					       .max_xlsx_inflated = 8u << 20,
					       .max_shared_strings = 4096,
					       .max_shared_bytes = 1u << 20}};
	struct table_reader *r;
	struct table_row row;
	struct wb_error err;
	int rc;

	if (table_open_mem(&r, data, size, &opt, &err))
		return 0;
	while ((rc = table_next(r, &row, &err)) == 1) {
		if (!table_sheet_name(r, row.sheet) || row.number < 1)
			abort();
		for (size_t i = 0; i < row.ncells; i++)
			if (strlen(row.cells[i]) != row.lens[i] || row.lens[i] > 1024)
				abort();
	}
	if (rc < 0 && !err.code[0])
		abort();
	table_close(r);
	return 0;
}
