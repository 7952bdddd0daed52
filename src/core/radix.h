/* radix -- an LSD radix sort of 64-bit keys: the bulk loader's index keys, an import's
 * facts by person. Stable, so keys packed as (major << k | position) keep their order. */
#ifndef WB_RADIX_H
#define WB_RADIX_H

#include <stddef.h>
#include <stdint.h>

/* Sort a[0..n) by the low `bits` bits of each key (64: the whole key). */
void radix_sort_u64(uint64_t *a, size_t n, int bits);

#endif
