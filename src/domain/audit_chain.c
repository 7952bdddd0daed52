/* audit_chain -- canonical serialisation and chaining of audit entries. */
#include "domain/audit_chain.h"

#include <stdint.h>
#include <string.h>

/* Append "<length>:<s>;" (s NULL as empty) when it fits; return the position after it
 * either way, so the caller learns the whole length. */
static size_t put(char *out, size_t cap, size_t pos, const char *s)
{
	char len[24];
	if (!s)
		s = "";
	size_t n = strlen(s), k = 0;
	char digits[24], *d = digits + sizeof(digits);
	size_t v = n;
	do {
		*--d = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (d < digits + sizeof(digits))
		len[k++] = *d++;
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

/* Decimal text of v (what "%" PRId64 gives), by hand: the three snprintf calls were most of
 * the canonical form's cost, which the audit writer pays for every read. */
static void fmt_i64(char out[24], int64_t v)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	*--p = '\0';
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	memcpy(out, p, (size_t)(tmp + sizeof(tmp) - p));
}

size_t audit_canonical(char *out, size_t cap, int64_t seq, const char *at, int64_t user_id,
		       const char *username, const char *action, const char *object_type,
		       int64_t object_id, const char *detail, const char *ip)
{
	char n1[24], n2[24], n3[24];
	size_t pos = 0;

	if (cap)
		out[0] = '\0';
	fmt_i64(n1, seq);
	fmt_i64(n2, user_id);
	fmt_i64(n3, object_id);
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
