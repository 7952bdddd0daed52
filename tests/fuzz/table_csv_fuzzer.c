/* table_csv_fuzzer -- the streaming CSV reader over any bytes: both encodings, small caps
 * so that the limit paths are reached too. Every cell must be NUL-terminated at its
 * length, and a reader must end (0 or an error with a code) without a sanitizer report. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run(const uint8_t *data, size_t size, enum table_encoding enc)
{
	struct table_options opt = {
		.format = TABLE_CSV,
		.encoding = enc,
		.limits = {.max_cell_bytes = 256, .max_columns = 32, .max_row_bytes = 2048}};
	struct table_reader *r;
	struct table_row row;
	struct wb_error err;
	int rc;

	if (table_open_mem(&r, data, size, &opt, &err))
		return;
	while ((rc = table_next(r, &row, &err)) == 1)
		for (size_t i = 0; i < row.ncells; i++)
			if (strlen(row.cells[i]) != row.lens[i] || row.lens[i] > 256 ||
			    row.number < 1)
				abort();
	if (rc < 0 && !err.code[0])
		abort();
	table_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size, TABLE_ENC_AUTO);
	run(data, size, TABLE_ENC_GB18030);
	return 0;
}
