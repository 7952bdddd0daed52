/* audit_chain -- canonical serialisation and chaining of audit entries. */
#include "domain/audit_chain.h"

#include <stdint.h>
#include <string.h>

#include "core/num.h"

/* Append "<length>:<s>;" (s NULL as empty) when it fits; return the position after it
 * either way, so the caller learns the whole length. Numbers without snprintf: the audit
 * writer builds this form for every read. */
static size_t put(char *out, size_t cap, size_t pos, const char *s)
{
	char len[NUM_TEXT_MAX + 1];
	if (!s)
		s = "";
	size_t n = strlen(s), k = num_u64(len, n);
	len[k++] = ':';
	if (pos + k < cap) {
		memcpy(out + pos, len, k);
		out[pos + k] = '\0';
	}
	pos += k;
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
	char n1[NUM_TEXT_MAX], n2[NUM_TEXT_MAX], n3[NUM_TEXT_MAX];
	size_t pos = 0;

	if (cap)
		out[0] = '\0';
	num_i64(n1, seq);
	num_i64(n2, user_id);
	num_i64(n3, object_id);
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
