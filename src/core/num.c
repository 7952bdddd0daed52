/* num -- decimal text of integers (see num.h). */
#include "core/num.h"

#include <string.h>

static size_t digits(char out[NUM_TEXT_MAX], uint64_t u, int negative)
{
	char tmp[NUM_TEXT_MAX], *p = tmp + sizeof(tmp);
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (negative)
		*--p = '-';
	size_t n = (size_t)(tmp + sizeof(tmp) - p);
	memcpy(out, p, n);
	out[n] = '\0';
	return n;
}

size_t num_u64(char out[NUM_TEXT_MAX], uint64_t v)
{
	return digits(out, v, 0);
}

size_t num_i64(char out[NUM_TEXT_MAX], int64_t v)
{
	return digits(out, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, v < 0);
}
