/* linkage_name_fuzzer -- name normalisation, pinyin and a pairwise comparison on arbitrary
 * bytes. Invariants: no crash on any input (invalid UTF-8 is an error, never a read past
 * the end); normalising a normalised name is a no-op; a name compares EXACT with itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain/hanzi.h"
#include "domain/linkage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[256], out[HANZI_NAME_BYTES], again[HANZI_NAME_BYTES], py[1024];
	uint32_t cps[HANZI_NAME_MAX];
	if (size >= sizeof(in))
		return 0;
	hanzi_normalize_cps(cps, (const char *)data, size, NULL); /* not NUL-terminated */
	memcpy(in, data, size);
	in[size] = '\0';
	hanzi_pinyin(py, sizeof(py), in, NULL);
	int n = hanzi_normalize(out, in, NULL);
	if (n < 0)
		return 0;
	if (hanzi_normalize(again, out, NULL) != n || strcmp(again, out) != 0)
		abort();
	struct link_params p;
	struct link_compare c;
	struct link_person a = {1, in, "2015-03-07", 'M', "500242100201"};
	link_params_default(&p);
	link_compare_persons(&c, &p, &a, &a);
	if (n > 0 && c.name != LINK_NAME_EXACT)
		abort();
	return 0;
}
