/* csv_fuzzer -- the one-line CSV record splitter. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1), *f[CSV_MAX_FIELDS];
	memcpy(line, data, size);
	line[size] = '\0';
	int n = csv_split(line, f);
	for (int i = 0; i < n; i++)
		if (strlen(f[i]) > size)
			abort();
	free(line);
	return 0;
}
