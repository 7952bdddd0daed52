/* cell_test -- the formula guard and CSV quoting of exported cells (src/export/cell.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/buf.h"
#include "export/cell.h"
#include "ingest/csv.h"

static void guard_dangerous_starts(void **state)
{
	(void)state;
	static const char *const bad[] = {"=1+1",
					  "+86 138",
					  "-2",
					  "@SUM(A1)",
					  "\tx",
					  "\rx",
					  "=HYPERLINK(\"http://evil\",\"x\")"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct buf b;
		buf_init(&b, 0);
		assert_true(cell_is_dangerous(bad[i]));
		assert_int_equal(cell_guard(&b, bad[i]), 0);
		assert_int_equal(b.data[0], '\'');
		assert_string_equal(b.data + 1, bad[i]);
		buf_release(&b);
	}
}

static void guard_leaves_ordinary_text(void **state)
{
	(void)state;
	static const char *const ok[] = {
		"冉小明",  "500242********0011", "2014-03-09", "138****5678", "a=b", " =x", "",
		"'already"};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct buf b;
		buf_init(&b, 0);
		assert_false(cell_is_dangerous(ok[i]));
		assert_int_equal(cell_guard(&b, ok[i]), 0);
		assert_string_equal(b.len ? b.data : "", ok[i]);
		buf_release(&b);
	}
}

static const char *field(struct buf *b, const char *text)
{
	buf_clear(b);
	assert_int_equal(cell_csv_field(b, text), 0);
	return b->len ? b->data : "";
}

static void csv_quoting(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	assert_string_equal(field(&b, "冉小明"), "冉小明");
	assert_string_equal(field(&b, ""), "");
	assert_string_equal(field(&b, "a,b"), "\"a,b\"");
	assert_string_equal(field(&b, "say \"hi\""), "\"say \"\"hi\"\"\"");
	assert_string_equal(field(&b, "\""), "\"\"\"\"");
	assert_string_equal(field(&b, "line1\nline2"), "\"line1\nline2\"");
	assert_string_equal(field(&b, "cr\rhere"), "\"cr\rhere\"");
	/* Guard and quoting together: the apostrophe goes inside the quotes. */
	assert_string_equal(field(&b, "=HYPERLINK(\"http://x\",\"y\")"),
			    "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
	assert_string_equal(field(&b, "-1,2"), "\"'-1,2\"");
	assert_string_equal(field(&b, "\r=1"), "\"'\r=1\"");
	buf_release(&b);
}

static void csv_round_trip(void **state)
{
	(void)state;
	/* What we write, an RFC 4180 reader (ours) reads back as the guarded text. */
	static const char *const texts[] = {"a,b", "say \"hi\"", "=1+2", "@x,\"y\"", "平,常"};
	struct buf line;
	char *f[CSV_MAX_FIELDS];
	buf_init(&line, 0);
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		if (i)
			buf_append(&line, ",", 1);
		assert_int_equal(cell_csv_field(&line, texts[i]), 0);
	}
	assert_int_equal(csv_split(line.data, f), 5);
	assert_string_equal(f[0], "a,b");
	assert_string_equal(f[1], "say \"hi\"");
	assert_string_equal(f[2], "'=1+2");
	assert_string_equal(f[3], "'@x,\"y\"");
	assert_string_equal(f[4], "平,常");
	buf_release(&line);
}

static void csv_ceiling(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 4);
	assert_int_equal(cell_csv_field(&b, "a,bcdef"), -1);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(guard_dangerous_starts),
		cmocka_unit_test(guard_leaves_ordinary_text),
		cmocka_unit_test(csv_quoting),
		cmocka_unit_test(csv_round_trip),
		cmocka_unit_test(csv_ceiling),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
