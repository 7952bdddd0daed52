/* radix -- sorting 64-bit keys (see radix.h). */
#include "core/radix.h"

#include <string.h>

#include "core/xalloc.h"

/* LSD radix sort of n keys by their low `bits` bits, 8 at a time (measured: 11 bits, 2 048
 * places written at once, was slower), all counts in one read; a digit all keys share
 * costs no move. Stable. */
#define RADIX_BITS 8
#define RADIX_SIZE (1 << RADIX_BITS)
#define RADIX_MAXD ((64 + RADIX_BITS - 1) / RADIX_BITS)

void radix_sort_u64(uint64_t *a, size_t n, int bits)
{
	if (n < 2 || bits <= 0)
		return;
	int nd = (bits + RADIX_BITS - 1) / RADIX_BITS;
	size_t(*count)[RADIX_SIZE] = xcalloc(RADIX_MAXD, sizeof(*count));
	for (size_t i = 0; i < n; i++)
		for (int d = 0; d < nd; d++)
			count[d][(a[i] >> (d * RADIX_BITS)) & (RADIX_SIZE - 1)]++;
	uint64_t *tmp = xcalloc_huge(1, n * sizeof(*a));
	uint64_t *src = a, *dst = tmp;
	for (int d = 0; d < nd; d++) {
		int shift = d * RADIX_BITS;
		if (count[d][(src[0] >> shift) & (RADIX_SIZE - 1)] == n)
			continue;
		size_t pos = 0;
		for (int b = 0; b < RADIX_SIZE; b++) {
			size_t c = count[d][b];
			count[d][b] = pos;
			pos += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[count[d][(src[i] >> shift) & (RADIX_SIZE - 1)]++] = src[i];
		uint64_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
	free(tmp);
	free(count);
}
