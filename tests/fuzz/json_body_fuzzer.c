/* json_body_fuzzer -- what the server does with a request body: the depth guard, then
 * jansson with the server's flags. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/jsonx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t err;
	if (jsonx_depth((const char *)data, size) > 16)
		return 0;
	json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
			       &err);
	if (j) {
		char *text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
		free(text);
		json_decref(j);
	}
	return 0;
}
