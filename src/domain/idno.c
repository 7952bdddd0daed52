/* idno -- GB 11643 ID numbers: check digit, legacy conversion, masking. */
#include "domain/idno.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/timeutil.h"

static const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
static const char check_chars[11] = {'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'};

char idno_check_char(const char *first17)
{
	int sum = 0;
	for (int i = 0; i < 17; i++)
		sum += (first17[i] - '0') * weights[i];
	return check_chars[sum % 11];
}

static int all_digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int bad(struct wb_error *err, const char *code, const char *zh, const char *en)
{
	wb_error_set(err, WB_EINVAL, 422, code, zh, en);
	wb_error_detail(err, "id_number", code, zh);
	return WB_EINVAL;
}

/* A number typed with a Chinese input method: full-width digits and Ｘ as ASCII, the
 * no-break and ideographic spaces dropped. 1 when out (cap bytes) differs from in. */
static int fold_wide(const char *in, char *out, size_t cap)
{
	const unsigned char *u = (const unsigned char *)in;
	size_t o = 0;
	int changed = 0;
	while (*u && o + 1 < cap) {
		if (u[0] == 0xEF && u[1] == 0xBC && u[2] >= 0x90 && u[2] <= 0x99) {
			out[o++] = (char)('0' + (u[2] - 0x90)), u += 3, changed = 1;
		} else if ((u[0] == 0xEF && u[1] == 0xBC && u[2] == 0xB8) ||
			   (u[0] == 0xEF && u[1] == 0xBD && u[2] == 0x98)) {
			out[o++] = 'X', u += 3, changed = 1; /* Ｘ ｘ */
		} else if (u[0] == 0xC2 && u[1] == 0xA0) {
			u += 2, changed = 1; /* U+00A0 */
		} else if (u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x80) {
			u += 3, changed = 1; /* U+3000 */
		} else {
			out[o++] = (char)*u++;
		}
	}
	out[o] = 0;
	return changed && !*u;
}

int idno_normalize(char out[IDNO_LEN + 1], const char *in, struct wb_error *err)
{
	char s[IDNO_LEN + 1], check = 0, folded[64];
	size_t n = 0;

	/* Trim ASCII spaces around the number; anything else is part of it. */
	while (*in == ' ' || *in == '\t')
		in++;
	size_t len = strlen(in);
	while (len && (in[len - 1] == ' ' || in[len - 1] == '\t'))
		len--;
	if (len != 15 && len != 18) {
		if (len < sizeof(folded) && fold_wide(in, folded, sizeof(folded)))
			return idno_normalize(out, folded, err); /* folded has no wide forms left */
		return bad(err, "ID_FORMAT", "身份证号码应为18位（或旧式15位）",
			   "an ID number has 18 characters (or 15 for the old form)");
	}
	/* Only the last character may be a letter (X): upper-casing the others, which must
	 * be digits, would change no outcome, so it is left out. */
	memcpy(s, in, len);
	n = len;
	s[n] = '\0';
	s[n - 1] = (char)toupper((unsigned char)s[n - 1]);

	if (n == 15) {
		if (!all_digits(s, 15))
			return bad(err, "ID_FORMAT", "15位身份证号码只能包含数字",
				   "a 15-digit ID number contains digits only");
		/* Legacy form: region(6) + yymmdd(6) + sequence(3); born in the 1900s. */
		memcpy(out, s, 6);
		out[6] = '1';
		out[7] = '9';
		memcpy(out + 8, s + 6, 9);
		out[17] = idno_check_char(out);
		out[18] = '\0';
	} else {
		/* the digits checked and the check character's sum taken in one pass */
		int sum = 0, digits = 1;
		for (int i = 0; i < 17; i++) {
			digits &= s[i] >= '0' && s[i] <= '9';
			sum += (s[i] - '0') * weights[i];
		}
		if (!digits || !(isdigit((unsigned char)s[17]) || s[17] == 'X'))
			return bad(err, "ID_FORMAT", "身份证号码前17位应为数字，末位为数字或X",
				   "an ID number has 17 digits and a final digit or X");
		memcpy(out, s, 19);
		check = check_chars[sum % 11];
	}

	if (out[0] == '0' || (out[0] == '1' && out[1] == '0'))
		return bad(err, "ID_REGION", "身份证号码的地区码无效",
			   "the region part of the ID number is not valid");

	int y = (out[6] - '0') * 1000 + (out[7] - '0') * 100 + (out[8] - '0') * 10 + (out[9] - '0');
	int m = (out[10] - '0') * 10 + (out[11] - '0');
	int d = (out[12] - '0') * 10 + (out[13] - '0');
	if (!date_valid(y, m, d) || y < 1900 || date_days(y, m, d) > date_today())
		return bad(err, "ID_BIRTH_DATE", "身份证号码中的出生日期无效",
			   "the birth date inside the ID number is not a valid date");

	if (n == 18 && check != out[17])
		return bad(
			err, "ID_CHECKSUM", "身份证号码校验位错误，请核对",
			"the check character of the ID number is wrong; please check the number");
	return 0;
}

int64_t idno_birth_days(const char *id)
{
	int y = (id[6] - '0') * 1000 + (id[7] - '0') * 100 + (id[8] - '0') * 10 + (id[9] - '0');
	int m = (id[10] - '0') * 10 + (id[11] - '0');
	int d = (id[12] - '0') * 10 + (id[13] - '0');
	return date_days(y, m, d);
}

void idno_birth_date(char out[11], const char *id)
{
	memcpy(out, id + 6, 4);
	out[4] = '-';
	memcpy(out + 5, id + 10, 2);
	out[7] = '-';
	memcpy(out + 8, id + 12, 2);
	out[10] = '\0';
}

char idno_gender(const char *id)
{
	return ((id[16] - '0') % 2) ? 'M' : 'F';
}

void idno_mask(char out[IDNO_LEN + 1], const char *id)
{
	memcpy(out, id, 6);
	memset(out + 6, '*', 8);
	memcpy(out + 14, id + 14, 4);
	out[18] = '\0';
}

/* Bytes of the digit (or an ID number's X after at least 14 digits) at s, or 0. */
static size_t digit_at(const char *s, size_t run)
{
	const unsigned char *u = (const unsigned char *)s;
	if (isdigit(u[0]) || (run >= 14 && (u[0] == 'X' || u[0] == 'x')))
		return 1;
	if (u[0] != 0xEF || !u[1] || !u[2])
		return 0;
	if (u[1] == 0xBC && u[2] >= 0x90 && u[2] <= 0x99) /* full-width ０-９ */
		return 3;
	if (run >= 14 && ((u[1] == 0xBC && u[2] == 0xB8) || (u[1] == 0xBD && u[2] == 0x98)))
		return 3; /* Ｘ U+FF38, ｘ U+FF58 */
	return 0;
}

/* Bytes of a separator that may stand inside a written number ("138-2345-6789",
 * "138 0013 8000", "(023) 7555 1234", a no-break or ideographic space), or 0. */
static size_t separator_at(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	if (u[0] == ' ' || u[0] == '-' || u[0] == '(' || u[0] == ')' || u[0] == '+')
		return 1;
	if (u[0] == 0xC2 && u[1] == 0xA0)
		return 2;
	if (u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x80)
		return 3;
	return 0;
}

/* The number starting at s: its digits (*digits) and its bytes up to its last digit;
 * separators inside it are part of it, not at its end. */
static size_t number_at(const char *s, size_t *digits)
{
	size_t bytes = 0, end = 0, n;
	*digits = 0;
	for (;;) {
		if ((n = digit_at(s + bytes, *digits))) {
			bytes += n, ++*digits, end = bytes;
		} else if (*digits && (n = separator_at(s + bytes))) {
			bytes += n;
		} else {
			return end;
		}
	}
}

void idno_mask_text(char *out, const char *in)
{
	size_t o = 0;
	while (*in) {
		size_t digits, bytes = number_at(in, &digits);
		if (digits < 11) {
			size_t take = bytes ? bytes : 1;
			memcpy(out + o, in, take);
			o += take, in += take;
			continue;
		}
		/* the digits masked where they stand, the separators kept */
		size_t keep = digits >= 15 ? 6 : 3, seen = 0;
		for (const char *end = in + bytes; in < end;) {
			size_t len = digit_at(in, seen);
			if (!len) {
				len = separator_at(in);
				memcpy(out + o, in, len);
				o += len;
			} else if (seen < keep || seen >= digits - 4) {
				memcpy(out + o, in, len);
				o += len, seen++;
			} else {
				out[o++] = '*', seen++;
			}
			in += len;
		}
	}
	out[o] = 0;
}

void phone_mask(char *out, const char *in)
{
	size_t n = strlen(in);
	memcpy(out, in, n + 1);
	if (n < 8) {
		for (size_t i = 0; i + 2 < n; i++)
			out[i] = '*';
		return;
	}
	for (size_t i = 3; i < n - 4; i++)
		out[i] = '*';
}
