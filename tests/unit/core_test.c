/* core_test -- buffers with ceilings, civil dates, the CSV record splitter, and the
 * crypto wrappers (src/core/, src/ingest/csv.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/jsonw.h"
#include "core/jsonx.h"
#include "core/secret.h"
#include "core/timeutil.h"
#include "core/utf8.h"
#include "ingest/csv.h"

static void buf_ceiling(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 8);
	assert_int_equal(buf_appends(&b, "abcd"), 0);
	assert_int_equal(buf_appendf(&b, "%d", 123), 0);
	assert_int_equal(buf_appends(&b, "xy"), WB_ETOOBIG);
	assert_string_equal(b.data, "abcd123"); /* unchanged by the refused append */
	assert_int_equal(buf_appends(&b, "z"), 0);
	assert_int_equal(b.len, 8);
	buf_release(&b);
}

static void dates_round_trip(void **state)
{
	(void)state;
	char s[11];
	int64_t d, prev = date_days(1899, 12, 31);
	for (int64_t x = date_days(1900, 1, 1); x <= date_days(2100, 12, 31); x++) {
		date_format(x, s);
		assert_int_equal(date_parse(s, &d), 0);
		assert_int_equal(d, x);
		assert_int_equal(x, prev + 1);
		prev = x;
	}
	assert_int_not_equal(date_parse("2023-02-29", &d), 0);
	assert_int_equal(date_parse("2024-02-29", &d), 0);
	assert_int_not_equal(date_parse("2024-2-9", &d), 0);
	assert_int_equal(date_parse("20240229", &d), 0);
	/* Ages change on the birthday, and for 29 February on 1 March. */
	int64_t b = date_days(2008, 2, 29);
	assert_int_equal(date_age(b, date_days(2026, 2, 28)), 17);
	assert_int_equal(date_age(b, date_days(2026, 3, 1)), 18);
	assert_int_equal(date_age(date_days(2010, 6, 1), date_days(2026, 6, 1)), 16);
	assert_int_equal(date_age(date_days(2010, 6, 1), date_days(2026, 5, 31)), 15);
}

static void csv_records(void **state)
{
	(void)state;
	char *f[CSV_MAX_FIELDS];
	char l1[] = "\xef\xbb\xbf"
		    "code,\"name, with comma\",\"say \"\"hi\"\"\",\r\n";
	assert_int_equal(csv_split(l1, f), 4);
	assert_string_equal(f[0], "code");
	assert_string_equal(f[1], "name, with comma");
	assert_string_equal(f[2], "say \"hi\"");
	assert_string_equal(f[3], "");
	char l2[] = "a,\"unterminated";
	assert_int_equal(csv_split(l2, f), -1);
	char l3[] = "a,\"x\"y";
	assert_int_equal(csv_split(l3, f), -1);
	char l4[] = "a,b\"c";
	assert_int_equal(csv_split(l4, f), -1);
	char l5[64];
	memset(l5, ',', 20);
	l5[20] = '\0';
	assert_int_equal(csv_split(l5, f), -1); /* too many fields */
}

/* jsonx_dump writes what json_dumps(JSON_COMPACT) writes. */
static void json_dump_same_as_jansson(void **state)
{
	(void)state;
	const char *texts[] = {
		"{\"a\":1,\"b\":[true,false,null,-9007199254740993],\"c\":{\"d\":\"e\"}}",
		"[0,-1,10,-9223372036854775808,9223372036854775807,1234567890]",
		"{\"name\":\"冉小留\",\"q\":\"say \\\"hi\\\" \\\\ \\n\\t\\u0001 end\",\"x\":[]}",
		"[1.5,0.1,1e300,-0.0,2.0,{},\"\"]",
		"{\"z\":1,\"a\":2,\"m\":{\"k\":[[[\"deep\"]]]}}",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		json_t *v = json_loads(texts[i], JSON_DECODE_ANY, NULL);
		assert_non_null(v);
		char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		struct buf b;
		buf_init(&b, 0);
		assert_int_equal(jsonx_dump(&b, v), 0);
		assert_string_equal(b.data, want);
		/* an embedded NUL survives */
		buf_release(&b);
		free(want);
		json_decref(v);
	}
	json_t *nul = json_stringn("a\0b", 3);
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(jsonx_dump(&b, nul), 0);
	assert_string_equal(b.data, "\"a\\u0000b\"");
	buf_release(&b);
	json_decref(nul);
	buf_init(&b, 8); /* a ceiling is an error, not a truncation */
	json_t *big = json_string("longer than eight bytes");
	assert_int_not_equal(jsonx_dump(&b, big), 0);
	buf_release(&b);
	json_decref(big);
}

/* The streaming writer places commas and escapes as jansson would: its output parses
 * back to the same value and dumps to the same text. */
static void json_writer(void **state)
{
	(void)state;
	struct buf b;
	struct jsonw w;
	buf_init(&b, 0);
	jw_init(&w, &b);
	jw_obj(&w);
	jw_kint(&w, "id", -9223372036854775807LL - 1);
	jw_kstr(&w, "name", "冉\"小\"\\留\n\x01");
	jw_kstr_or_null(&w, "empty", "");
	jw_kid_or_null(&w, "none", 0);
	jw_kid_or_null(&w, "some", 42);
	jw_kbool(&w, "t", 1);
	jw_kbool(&w, "f", 0);
	jw_knull(&w, "n");
	jw_key(&w, "list");
	jw_arr(&w);
	jw_int(&w, 0);
	jw_str(&w, NULL);
	jw_arr(&w);
	jw_arr_end(&w);
	jw_obj(&w);
	jw_obj_end(&w);
	jw_obj(&w);
	jw_kint(&w, "deep", 1);
	jw_obj_end(&w);
	jw_arr_end(&w);
	jw_obj_end(&w);
	assert_false(jw_failed(&w));
	const char *want = "{\"id\":-9223372036854775808,\"name\":\"冉\\\"小\\\"\\\\留\\n\\u0001\","
			   "\"empty\":null,\"none\":null,\"some\":42,\"t\":true,\"f\":false,"
			   "\"n\":null,\"list\":[0,null,[],{},{\"deep\":1}]}";
	assert_string_equal(b.data, want);
	json_t *v = json_loads(b.data, 0, NULL);
	assert_non_null(v);
	char *again = json_dumps(v, JSON_COMPACT);
	assert_string_equal(again, want);
	free(again);
	json_decref(v);
	buf_release(&b);

	/* unbalanced, too deep, or past the buffer's ceiling: failed, never half-right */
	buf_init(&b, 0);
	jw_init(&w, &b);
	jw_obj(&w);
	assert_true(jw_failed(&w)); /* still open */
	jw_obj_end(&w);
	assert_false(jw_failed(&w));
	jw_obj_end(&w);
	assert_true(jw_failed(&w));
	buf_release(&b);
	buf_init(&b, 0);
	jw_init(&w, &b);
	for (int i = 0; i <= JSONW_DEPTH; i++)
		jw_arr(&w);
	assert_true(jw_failed(&w));
	buf_release(&b);
	buf_init(&b, 8);
	jw_init(&w, &b);
	jw_obj(&w);
	jw_kstr(&w, "k", "longer than eight bytes");
	jw_obj_end(&w);
	assert_true(jw_failed(&w));
	buf_release(&b);
}

static int cmp_nonce(const void *a, const void *b)
{
	return memcmp(a, b, SECRET_NONCE_BYTES);
}

static void crypto(void **state)
{
	(void)state;
	char dir[] = "/tmp/wb-core-XXXXXX", key[64];
	struct secret_keys k;
	struct wb_error e;
	unsigned char sealed[64], plain[32];
	assert_non_null(mkdtemp(dir));
	snprintf(key, sizeof(key), "%s/k", dir);
	assert_int_equal(secret_key_create(key, &e), 0);
	assert_int_not_equal(secret_key_create(key, &e), 0); /* never overwritten */
	struct stat st;
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(secret_key_load(key, &k, &e), 0);
	secret_seal(&k, sealed, "500242201403090035", 18, "ad", 2);
	assert_int_equal(secret_open(&k, plain, sealed, secret_sealed_len(18), "ad", 2), 0);
	assert_memory_equal(plain, "500242201403090035", 18);
	assert_int_not_equal(secret_open(&k, plain, sealed, secret_sealed_len(18), "AD", 2), 0);
	sealed[30] ^= 1;
	assert_int_not_equal(secret_open(&k, plain, sealed, secret_sealed_len(18), "ad", 2), 0);
	/* Nonces never repeat (a random prefix and a counter): the same plaintext sealed many
	 * times gives as many nonces, on this thread and after the first. */
	enum { NSEAL = 20000 };
	unsigned char(*nonces)[SECRET_NONCE_BYTES] = calloc(NSEAL, SECRET_NONCE_BYTES);
	for (int i = 0; i < NSEAL; i++) {
		secret_seal(&k, sealed, "500242201403090035", 18, "ad", 2);
		memcpy(nonces[i], sealed, SECRET_NONCE_BYTES);
		if (i % 997 == 0) /* and each still opens */
			assert_int_equal(
				secret_open(&k, plain, sealed, secret_sealed_len(18), "ad", 2), 0);
	}
	qsort(nonces, NSEAL, SECRET_NONCE_BYTES, cmp_nonce);
	for (int i = 1; i < NSEAL; i++)
		assert_memory_not_equal(nonces[i - 1], nonces[i], SECRET_NONCE_BYTES);
	free(nonces);
	chmod(key, 0644);
	assert_int_not_equal(secret_key_load(key, &k, &e), 0);
	assert_string_equal(e.code, "KEY_PERMISSIONS");
	char pw[SECRET_PWHASH_BYTES];
	assert_int_equal(secret_password_hash(pw, "long enough password"), 0);
	assert_int_equal(secret_password_verify(pw, "long enough password"), 0);
	assert_int_not_equal(secret_password_verify(pw, "long enough passworD"), 0);
	char t1[SECRET_TOKEN_CHARS], t2[SECRET_TOKEN_CHARS];
	secret_token(t1);
	secret_token(t2);
	assert_int_equal(strlen(t1), SECRET_TOKEN_CHARS - 1);
	assert_string_not_equal(t1, t2);
	unlink(key);
	rmdir(dir);
}

/* Texts cut inside a character or holding stray bytes become valid UTF-8 that jansson
 * takes; an error message cut to its buffer stays one. */
static void utf8_kept_valid(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{"工作表", "工作表"},
		{"工作\xe8\xa1", "工作"}, /* cut inside 表 */
		{"ab\xe6\xb5"
		 "bad.csv",
		 "ab??bad.csv"},	      /* a stray lead byte and continuation */
		{"\xc0\xafx", "??x"},	      /* overlong '/' */
		{"\xed\xa0\x80", "???"},      /* a surrogate */
		{"\xf4\x90\x80\x80", "????"}, /* past U+10FFFF */
		{"\xf0\x9f\x98\x80!", "\xf0\x9f\x98\x80!"},
		{"\xff", "?"},
		{"", ""},
	};
	char buf[64];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", cases[i][0]);
		utf8_scrub(buf);
		assert_string_equal(buf, cases[i][1]);
		json_t *j = json_string(buf);
		assert_non_null(j);
		json_decref(j);
	}
	/* a message longer than its buffer, cut by wb_error_set */
	char long_zh[1024];
	for (int i = 0; i < 300; i++)
		memcpy(long_zh + 3 * i, "名", 3);
	long_zh[900] = 0;
	struct wb_error e;
	wb_error_clear(&e);
	wb_error_set(&e, WB_EINVAL, 422, "X", long_zh, "x");
	json_t *j = json_string(e.message);
	assert_non_null(j);
	json_decref(j);
	assert_int_equal(strlen(e.message) % 3, 0);
}

int main(void)
{
	if (secret_init())
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(buf_ceiling),
		cmocka_unit_test(dates_round_trip),
		cmocka_unit_test(csv_records),
		cmocka_unit_test(crypto),
		cmocka_unit_test(json_dump_same_as_jansson),
		cmocka_unit_test(json_writer),
		cmocka_unit_test(utf8_kept_valid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
