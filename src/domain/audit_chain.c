/* audit_chain -- canonical serialisation and chaining of audit entries. */
#include "domain/audit_chain.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static size_t put(char *out, size_t cap, size_t pos, const char *s)
{
	if (!s)
		s = "";
	size_t n = strlen(s);
	int k = snprintf(pos < cap ? out + pos : NULL, pos < cap ? cap - pos : 0, "%zu:", n);
	pos += (size_t)k;
	if (pos + n + 1 < cap) {
		memcpy(out + pos, s, n);
		out[pos + n] = ';';
		out[pos + n + 1] = '\0';
	}
	return pos + n + 1;
}

size_t audit_canonical(char *out, size_t cap, int64_t seq, const char *at, int64_t user_id,
		       const char *username, const char *action, const char *object_type,
		       int64_t object_id, const char *detail, const char *ip)
{
	char n1[24], n2[24], n3[24];
	size_t pos = 0;

	if (cap)
		out[0] = '\0';
	snprintf(n1, sizeof(n1), "%" PRId64, seq);
	snprintf(n2, sizeof(n2), "%" PRId64, user_id);
	snprintf(n3, sizeof(n3), "%" PRId64, object_id);
	pos = put(out, cap, pos, "wb-audit-v1");
	pos = put(out, cap, pos, n1);
	pos = put(out, cap, pos, at);
	pos = put(out, cap, pos, n2);
	pos = put(out, cap, pos, username);
	pos = put(out, cap, pos, action);
	pos = put(out, cap, pos, object_type);
	pos = put(out, cap, pos, n3);
	pos = put(out, cap, pos, detail);
	pos = put(out, cap, pos, ip);
	return pos;
}

void audit_chain_hash(unsigned char out[SECRET_HASH_BYTES],
		      const unsigned char prev[SECRET_HASH_BYTES], const char *canon, size_t len)
{
	secret_hash2(out, prev, SECRET_HASH_BYTES, canon, len);
}
