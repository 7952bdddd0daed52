/* region_fuzzer -- region code normalisation, levels, parents and subtree ranges. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain/region.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[32], code[REGION_CODE_MAX + 1], parent[REGION_CODE_MAX + 1];
	char lo[REGION_CODE_MAX + 1], hi[REGION_CODE_MAX + 1];
	struct wb_error e;
	if (size >= sizeof(in))
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	if (region_code_normalize(code, in, &e) != 0)
		return 0;
	int level = region_level(code);
	if (level < 1 || level > 6)
		abort();
	region_subtree_range(code, lo, hi);
	if (!region_in_subtree(code, code) || strcmp(code, lo) < 0 || strcmp(code, hi) >= 0)
		abort();
	if (region_parent(parent, code) == 0 && !region_in_subtree(parent, code))
		abort();
	return 0;
}
