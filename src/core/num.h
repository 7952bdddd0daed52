/*
 * num -- decimal text of integers without printf (hot paths: JSON output, the audit
 * log's canonical form). printf was half the cost of dumping a person record.
 */
#ifndef WB_NUM_H
#define WB_NUM_H
#include <stddef.h>
#include <stdint.h>

#define NUM_TEXT_MAX 24 /* "-9223372036854775808" and its NUL fit */

/* Write v in decimal, NUL-terminated, into out; return its length. */
size_t num_i64(char out[NUM_TEXT_MAX], int64_t v);
size_t num_u64(char out[NUM_TEXT_MAX], uint64_t v);

#endif
