/*
 * audit_chain -- the pure part of the audit log: how an entry is serialised and chained.
 *
 * canonical(entry) is a sequence of length-prefixed fields ("<len>:<bytes>;") in a fixed
 * order, so no two different entries serialise alike. hash_n = BLAKE2b-256(hash_{n-1} ||
 * canonical(entry n)); hash_0 is 32 zero bytes.
 */
#ifndef WB_AUDIT_CHAIN_H
#define WB_AUDIT_CHAIN_H
#include <stddef.h>
#include <stdint.h>

#include "core/secret.h"

/* Canonical form into out (cap bytes); returns the full length (may exceed cap-1, in
 * which case out is truncated and the caller must retry with a larger buffer). */
size_t audit_canonical(char *out, size_t cap, int64_t seq, const char *at, int64_t user_id,
		       const char *username, const char *action, const char *object_type,
		       int64_t object_id, const char *detail, const char *ip);
void audit_chain_hash(unsigned char out[SECRET_HASH_BYTES],
		      const unsigned char prev[SECRET_HASH_BYTES], const char *canon, size_t len);

#endif
