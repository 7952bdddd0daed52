/* idno_fuzzer -- ID number normalisation on arbitrary bytes. Invariants: success gives 18
 * characters with a valid check character, and normalising the result again is a no-op. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain/idno.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[64], out[IDNO_LEN + 1], again[IDNO_LEN + 1];
	struct wb_error e;
	if (size >= sizeof(in))
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	if (idno_normalize(out, in, &e) != 0)
		return 0;
	if (strlen(out) != IDNO_LEN || idno_check_char(out) != out[17])
		abort();
	if (idno_normalize(again, out, &e) != 0 || strcmp(again, out) != 0)
		abort();
	char masked[IDNO_LEN + 1];
	idno_mask(masked, out);
	if (strncmp(masked, out, 6) != 0 || strcmp(masked + 14, out + 14) != 0)
		abort();
	return 0;
}
