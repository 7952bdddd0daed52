/* table_test -- the streaming CSV and XLSX readers (src/ingest/table.c, csv_reader.c,
 * xlsx_reader.c). Inputs are written into a temporary directory by the tests themselves
 * (XLSX parts with libzip); two committed examples live in tests/data/table/. Each table is
 * dumped as "sheet:row:cell|cell\n" lines so expectations read like the data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include "core/buf.h"
#include "core/xalloc.h"
#include "ingest/table.h"

static char tmpdir[64];

static const char *tmp_path(const char *name)
{
	static char path[256];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return path;
}

static const char *write_file(const char *name, const void *data, size_t len)
{
	const char *path = tmp_path(name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
	return path;
}

/* Read every row of an open reader into out; the last table_next result. */
static int dump_reader(struct table_reader *r, struct buf *out, struct wb_error *err)
{
	struct table_row row;
	int rc;
	while ((rc = table_next(r, &row, err)) == 1) {
		buf_appendf(out, "%d:%lld:", row.sheet, (long long)row.number);
		for (size_t i = 0; i < row.ncells; i++) {
			assert_int_equal(strlen(row.cells[i]), row.lens[i]);
			buf_appends(out, i ? "|" : "");
			buf_append(out, row.cells[i], row.lens[i]);
		}
		buf_appends(out, "\n");
	}
	return rc;
}

/* Open path, dump it; the open error or the last table_next result. */
static int dump(const char *path, const struct table_options *opt, struct buf *out,
		struct wb_error *err)
{
	struct table_reader *r;
	int rc;
	wb_error_clear(err);
	buf_init(out, 0);
	buf_appends(out, "");
	if ((rc = table_open(&r, path, opt, err)))
		return rc;
	rc = dump_reader(r, out, err);
	table_close(r);
	return rc;
}

static int dump_str(const char *name, const char *csv, struct buf *out, struct wb_error *err)
{
	return dump(write_file(name, csv, strlen(csv)), NULL, out, err);
}

static void assert_err(int rc, const struct wb_error *err, const char *code, const char *where)
{
	assert_true(rc < 0);
	assert_string_equal(err->code, code);
	if (where && !strstr(err->message_en, where))
		fail_msg("%s: \"%s\" does not name \"%s\"", code, err->message_en, where);
	assert_true(err->message[0] != '\0');
}

/* ---- CSV ----------------------------------------------------------------------------- */

static void csv_utf8_bom_crlf(void **state)
{
	(void)state;
	struct buf b;
	struct wb_error err;
	struct table_reader *r;
	const char *csv = "\xef\xbb\xbf姓名,电话\r\n张三,13800138000\r\n";
	const char *p = write_file("bom.csv", csv, strlen(csv));
	assert_int_equal(dump(p, NULL, &b, &err), 0);
	assert_string_equal(b.data, "0:1:姓名|电话\n0:2:张三|13800138000\n");
	buf_release(&b);
	assert_int_equal(table_open(&r, p, NULL, &err), 0);
	assert_int_equal(table_format_of(r), TABLE_CSV);
	assert_int_equal(table_encoding_of(r), TABLE_ENC_UTF8);
	assert_string_equal(table_sheet_name(r, 0), "");
	assert_null(table_sheet_name(r, 1));
	table_close(r);
}

/* UTF-8 text → GB18030 bytes with iconv. */
static size_t to_gb(const char *utf8, char *out, size_t cap)
{
	iconv_t cd = iconv_open("GB18030", "UTF-8");
	char *in = (char *)utf8, *o = out;
	size_t inleft = strlen(utf8), outleft = cap;
	assert_true(cd != (iconv_t)-1);
	assert_int_equal(iconv(cd, &in, &inleft, &o, &outleft), 0);
	iconv_close(cd);
	return cap - outleft;
}

static void csv_gb18030(void **state)
{
	(void)state;
	struct buf b;
	struct wb_error err;
	struct table_reader *r;
	char gb[256];
	/* 𠀀 (U+20000) takes the four-byte form of GB18030 */
	size_t n = to_gb("姓名,身份证号,备注\n李四,110101200001011234,\"甲,乙\"\n王𠀀,x,\n", gb,
			 sizeof(gb));
	const char *p = write_file("gb.csv", gb, n);
	assert_int_equal(dump(p, NULL, &b, &err), 0);
	assert_string_equal(b.data, "0:1:姓名|身份证号|备注\n0:2:李四|110101200001011234|甲,乙\n"
				    "0:3:王𠀀|x|\n");
	buf_release(&b);
	assert_int_equal(table_open(&r, p, NULL, &err), 0);
	assert_int_equal(table_encoding_of(r), TABLE_ENC_GB18030);
	table_close(r);
}

static void csv_quotes_newlines(void **state)
{
	(void)state;
	struct buf b;
	struct wb_error err;
	assert_int_equal(dump_str("q.csv", "a,\"b \"\"x\"\"\nline2\",c\n\n\"\",d\n", &b, &err), 0);
	assert_string_equal(b.data, "0:1:a|b \"x\"\nline2|c\n0:4:|d\n");
	buf_release(&b);
	/* CRLF inside quotes is kept; the last line needs no line end; a bare quote inside an
	 * unquoted field is text; a trailing comma is an empty last field */
	assert_int_equal(dump_str("crlf.csv", "\"x\r\ny\",z\r\n5\"3,\r\nlast", &b, &err), 0);
	assert_string_equal(b.data, "0:1:x\r\ny|z\n0:3:5\"3|\n0:4:last\n");
	buf_release(&b);
	/* lone CRs end lines too */
	assert_int_equal(dump_str("cr.csv", "a\rb\r\rc", &b, &err), 0);
	assert_string_equal(b.data, "0:1:a\n0:2:b\n0:4:c\n");
	buf_release(&b);
}

static void csv_empty(void **state)
{
	(void)state;
	struct buf b;
	struct wb_error err;
	assert_int_equal(dump_str("empty.csv", "", &b, &err), 0);
	assert_string_equal(b.data, "");
	buf_release(&b);
	assert_int_equal(dump_str("bomonly.csv", "\xef\xbb\xbf\r\n\n", &b, &err), 0);
	assert_string_equal(b.data, "");
	buf_release(&b);
}

static void csv_bad_quotes(void **state)
{
	(void)state;
	struct buf b;
	struct wb_error err;
	int rc = dump_str("open.csv", "a,b\n\"open,x\nmore\n", &b, &err);
	assert_err(rc, &err, "TABLE_QUOTE", "line 2");
	assert_string_equal(b.data, "0:1:a|b\n");
	buf_release(&b);
	rc = dump_str("after.csv", "x\ny,\"a\"b,c\n", &b, &err);
	assert_err(rc, &err, "TABLE_QUOTE", "line 2");
	buf_release(&b);
}

static void csv_caps(void **state)
{
	(void)state;
	struct buf b, in;
	struct wb_error err;
	int rc;

	buf_init(&in, 0);
	buf_appends(&in, "a,b\nc,");
	for (int i = 0; i < 1 << 20; i++)
		buf_append(&in, "x", 1);
	rc = dump_str("big.csv", in.data, &b, &err);
	assert_err(rc, &err, "TABLE_CELL_TOO_LONG", "line 2, column 2");
	assert_int_equal(err.status, 413);
	buf_release(&b);
	buf_clear(&in);
	for (int i = 0; i < 100000; i++)
		buf_appends(&in, i ? ",a" : "a");
	rc = dump_str("wide.csv", in.data, &b, &err);
	assert_err(rc, &err, "TABLE_TOO_MANY_COLUMNS", "line 1");
	buf_release(&b);
	buf_release(&in);

	/* caller's limits */
	struct table_options opt = {.limits = {.max_columns = 2, .max_cell_bytes = 3}};
	rc = dump(write_file("lim.csv", "ab,c\nabcd\n", 10), &opt, &b, &err);
	assert_err(rc, &err, "TABLE_CELL_TOO_LONG", "line 2, column 1");
	buf_release(&b);
	rc = dump(write_file("lim2.csv", "a,b,c\n", 6), &opt, &b, &err);
	assert_err(rc, &err, "TABLE_TOO_MANY_COLUMNS", "line 1, column 3");
	buf_release(&b);
}

static void csv_bad_encoding(void **state)
{
	(void)state;
	struct buf b, in;
	struct wb_error err;
	int rc;

	/* GBK detected from the first line, then bytes that are not GB18030 on line 2 */
	rc = dump_str("badgb.csv", "\xd6\xd0\xce\xc4\nabc\x81\x20\n", &b, &err);
	assert_err(rc, &err, "TABLE_ENCODING", "line 2");
	assert_string_equal(b.data, "0:1:中文\n");
	buf_release(&b);
	/* valid UTF-8 for the first 64 KiB decides UTF-8; a bad byte later names its line */
	buf_init(&in, 0);
	for (int i = 0; i < 10000; i++)
		buf_appends(&in, "甲乙,丙\n");
	buf_appends(&in, "x\xff\n");
	rc = dump_str("late.csv", in.data, &b, &err);
	assert_err(rc, &err, "TABLE_ENCODING", "line 10001");
	buf_release(&b);
	buf_release(&in);
	/* UTF-16 is neither */
	rc = dump(write_file("u16.csv",
			     "\xff\xfe"
			     "a\0,\0b\0",
			     8),
		  NULL, &b, &err);
	assert_err(rc, &err, "TABLE_ENCODING", "line 1");
	buf_release(&b);
}

static void csv_memory_and_forced(void **state)
{
	(void)state;
	struct table_reader *r;
	struct table_options opt = {.format = TABLE_CSV, .encoding = TABLE_ENC_GB18030};
	struct wb_error err;
	struct buf b;
	uint64_t done, total;

	buf_init(&b, 0);
	assert_int_equal(table_open_mem(&r, "a,b\n", 4, &opt, &err), 0);
	assert_int_equal(dump_reader(r, &b, &err), 0);
	assert_string_equal(b.data, "0:1:a|b\n");
	table_progress(r, &done, &total);
	assert_int_equal(done, 4);
	assert_int_equal(total, 4);
	table_close(r);
	buf_release(&b);
	/* a zip header forced to CSV is just bad text */
	opt.encoding = TABLE_ENC_UTF8;
	assert_int_equal(table_open_mem(&r, "PK\x03\x04\xff", 5, &opt, &err), 0);
	assert_err(dump_reader(r, &b, &err), &err, "TABLE_ENCODING", "line 1");
	table_close(r);
	buf_release(&b);
	assert_err(table_open(&r, tmp_path("does-not-exist"), NULL, &err), &err, "TABLE_OPEN",
		   NULL);
	assert_null(r);
	table_close(NULL);
}

/* ---- XLSX ---------------------------------------------------------------------------- */

#define NS   "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\""
#define RNS  "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\""
#define RELT "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"

static const char content_types[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types "
	"xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default "
	"Extension=\"xml\" ContentType=\"application/xml\"/></Types>";

static const char workbook[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook " NS " " RNS "><workbookPr/>"
	"<sheets><sheet name=\"学生名单\" sheetId=\"1\" r:id=\"rId1\"/>"
	"<sheet name=\"空表\" sheetId=\"2\" r:id=\"rId2\"/>"
	"<sheet name=\"Sheet3\" sheetId=\"3\" r:id=\"rId3\"/></sheets></workbook>";

static const char rels[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships "
	"xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
	"<Relationship Id=\"rId1\" Type=\"" RELT "worksheet\" Target=\"worksheets/sheet1.xml\"/>"
	"<Relationship Id=\"rId2\" Type=\"" RELT "worksheet\" Target=\"worksheets/sheet2.xml\"/>"
	"<Relationship Id=\"rId3\" Type=\"" RELT
	"worksheet\" Target=\"/xl/worksheets/sheet3.xml\"/>"
	"<Relationship Id=\"rId4\" Type=\"" RELT "sharedStrings\" Target=\"sharedStrings.xml\"/>"
	"<Relationship Id=\"rId5\" Type=\"" RELT "styles\" Target=\"styles.xml\"/>"
	"</Relationships>";

static const char shared[] =
	"<sst " NS " count=\"4\" uniqueCount=\"4\"><si><t>姓名</t></si>"
	"<si><r><rPr><b/></rPr><t>身份</t></r><r><t xml:space=\"preserve\">证号</t></r></si>"
	"<si><t>电话</t><rPh sb=\"0\" eb=\"1\"><t>でんわ</t></rPh></si>"
	"<si><t>张_x000D_三</t></si></sst>";

static const char styles[] =
	"<styleSheet " NS "><numFmts count=\"3\">"
	"<numFmt numFmtId=\"164\" formatCode=\"yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;\"/>"
	"<numFmt numFmtId=\"165\" formatCode=\"0.00&quot;day&quot;\"/>"
	"<numFmt numFmtId=\"166\" formatCode=\"[Red][h]:mm:ss\"/></numFmts>"
	"<cellStyleXfs count=\"1\"><xf numFmtId=\"14\"/></cellStyleXfs>"
	"<cellXfs count=\"5\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/><xf numFmtId=\"164\"/>"
	"<xf numFmtId=\"165\"/><xf numFmtId=\"166\"/></cellXfs></styleSheet>";

static const char sheet1[] =
	"<worksheet " NS "><dimension ref=\"A1:G5\"/><sheetData>"
	"<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c>"
	"<c r=\"C1\" t=\"inlineStr\"><is><t>出生日期</t></is></c><c r=\"D1\" "
	"t=\"s\"><v>2</v></c></row>"
	"<row r=\"2\"><c r=\"A2\" t=\"s\"><v>3</v></c><c r=\"B2\"><v>1.10101200001011E+17</v></c>"
	"<c r=\"C2\" s=\"1\"><v>39448</v></c><c r=\"D2\"><v>13800138000</v></c>"
	"<c r=\"F2\" t=\"b\"><v>1</v></c><c r=\"G2\" s=\"1\"/></row>"
	"<row r=\"3\"><c r=\"A3\" s=\"1\"/></row>"
	"<row r=\"5\"><c r=\"B5\"><v>1.5</v></c><c r=\"C5\" s=\"2\"><v>45000.75</v></c>"
	"<c r=\"D5\" s=\"3\"><v>12.5</v></c><c r=\"E5\" t=\"str\"><f>A1</f><v>姓名</v></c>"
	"<c r=\"G5\" t=\"e\"><v>#N/A</v></c><c r=\"H5\" s=\"4\"><v>0.5</v></c></row>"
	"</sheetData><mergeCells count=\"0\"/></worksheet>";

static const char sheet_empty[] = "<worksheet " NS "><sheetData/></worksheet>";

static const char sheet3[] =
	"<worksheet " NS "><sheetData><row r=\"2\"><c r=\"B2\" t=\"inlineStr\"><is><r><t>x</t></r>"
	"<r><t>y</t></r></is></c></row><row><c><v>1.1000000000000001</v></c>"
	"<c><v>0.30000000000000004</v></c><c><v>-2.5E-3</v></c><c><v>1E+25</v></c>"
	"<c><v>110101200001011234</v></c><c s=\"1\"><v>60</v></c><c s=\"1\"><v>61</v></c>"
	"<c s=\"1\"><v>1</v></c></row></sheetData></worksheet>";

struct part {
	const char *name, *data;
	size_t len; /* 0: strlen */
};

static void write_zip(const char *path, const struct part *parts, int n)
{
	int zerr;
	zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
	assert_non_null(z);
	for (int i = 0; i < n; i++) {
		size_t len = parts[i].len ? parts[i].len : strlen(parts[i].data);
		zip_source_t *s = zip_source_buffer(z, parts[i].data, len, 0);
		assert_non_null(s);
		assert_true(zip_file_add(z, parts[i].name, s, ZIP_FL_OVERWRITE) >= 0);
	}
	assert_int_equal(zip_close(z), 0);
}

/* The test workbook with sheet1 (and the workbook part) replaced when given. */
static const char *make_xlsx(const char *name, const char *wb, const char *s1, size_t s1len)
{
	const char *path = tmp_path(name);
	struct part parts[] = {
		{"[Content_Types].xml", content_types, 0},
		{"xl/workbook.xml", wb ? wb : workbook, 0},
		{"xl/_rels/workbook.xml.rels", rels, 0},
		{"xl/sharedStrings.xml", shared, 0},
		{"xl/styles.xml", styles, 0},
		{"xl/worksheets/sheet1.xml", s1 ? s1 : sheet1, s1 ? s1len : 0},
		{"xl/worksheets/sheet2.xml", sheet_empty, 0},
		{"xl/worksheets/sheet3.xml", sheet3, 0},
	};
	write_zip(path, parts, (int)(sizeof(parts) / sizeof(parts[0])));
	return path;
}

static void xlsx_values(void **state)
{
	(void)state;
	struct buf b;
	struct wb_error err;
	struct table_reader *r;
	uint64_t done, total;
	const char *p = make_xlsx("book.xlsx", NULL, NULL, 0);

	assert_int_equal(dump(p, NULL, &b, &err), 0);
	assert_string_equal(b.data, "0:1:姓名|身份证号|出生日期|电话\n"
				    "0:2:张\r三|110101200001011000|2008-01-01|13800138000||TRUE\n"
				    "0:5:|1.5|2023-03-15|12.5|姓名||#N/A|0.5\n"
				    "2:2:|xy\n"
				    "2:3:1.1|0.3|-0.0025|1e+25|110101200001011234|1900-02-29|"
				    "1900-03-01|1900-01-01\n");
	buf_release(&b);
	assert_int_equal(table_open(&r, p, NULL, &err), 0);
	assert_int_equal(table_format_of(r), TABLE_XLSX);
	assert_string_equal(table_sheet_name(r, 0), "学生名单");
	assert_string_equal(table_sheet_name(r, 1), "空表");
	assert_string_equal(table_sheet_name(r, 2), "Sheet3");
	assert_null(table_sheet_name(r, 3));
	buf_init(&b, 0);
	assert_int_equal(dump_reader(r, &b, &err), 0);
	table_progress(r, &done, &total);
	assert_true(total > 0);
	assert_int_equal(done, total);
	table_close(r);
	buf_release(&b);
}

static void xlsx_date1904_and_memory(void **state)
{
	(void)state;
	static const char wb[] =
		"<workbook " NS " " RNS "><workbookPr date1904=\"1\"/><sheets>"
		"<sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
	static const char s1[] = "<worksheet " NS "><sheetData><row r=\"1\"><c r=\"A1\" s=\"1\">"
				 "<v>0</v></c><c r=\"B1\" s=\"1\"><v>37987</v></c></row>"
				 "</sheetData></worksheet>";
	const char *p = make_xlsx("d1904.xlsx", wb, s1, 0);
	struct table_reader *r;
	struct wb_error err;
	struct buf file, b;
	FILE *f = fopen(p, "rb");
	char chunk[4096];
	size_t n;

	buf_init(&file, 0);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&file, chunk, n);
	fclose(f);
	assert_int_equal(table_open_mem(&r, file.data, file.len, NULL, &err), 0);
	buf_init(&b, 0);
	assert_int_equal(dump_reader(r, &b, &err), 0);
	assert_string_equal(b.data, "0:1:1904-01-01|2008-01-02\n");
	table_close(r);
	buf_release(&b);
	/* truncated: the first half of a good file */
	assert_err(table_open_mem(&r, file.data, file.len / 2, NULL, &err), &err, "TABLE_ZIP",
		   NULL);
	assert_err(dump(write_file("cut.xlsx", file.data, file.len - 10), NULL, &b, &err), &err,
		   "TABLE_ZIP", NULL);
	buf_release(&b);
	buf_release(&file);
}

static void xlsx_bad(void **state)
{
	(void)state;
	struct buf b;
	struct wb_error err;
	static const char bad_xml[] = "<worksheet " NS "><sheetData><row r=\"1\"><c r=\"A1\">"
				      "<v>1</v></c></row><row r=\"2\"><c r=\"A2\"><v>2</v></row>"
				      "</sheetData></worksheet>";
	static const char doctype[] =
		"<!DOCTYPE x [<!ENTITY a \"aaaa\">]><worksheet " NS "><sheetData/></worksheet>";
	static const char backwards[] = "<worksheet " NS "><sheetData><row r=\"1\"><c r=\"C1\">"
					"<v>1</v></c><c r=\"A1\"><v>2</v></c></row>"
					"</sheetData></worksheet>";
	static const char wide[] = "<worksheet " NS "><sheetData><row r=\"7\"><c r=\"XFD7\">"
				   "<v>1</v></c></row></sheetData></worksheet>";
	static const char sst_range[] = "<worksheet " NS "><sheetData><row r=\"1\"><c r=\"B1\" "
					"t=\"s\"><v>99</v></c></row></sheetData></worksheet>";

	int rc = dump(make_xlsx("bad.xlsx", NULL, bad_xml, 0), NULL, &b, &err);
	assert_err(rc, &err, "TABLE_XML", "sheet \"学生名单\", row 2");
	assert_string_equal(b.data, "0:1:1\n");
	buf_release(&b);
	rc = dump(make_xlsx("doctype.xlsx", NULL, doctype, 0), NULL, &b, &err);
	assert_err(rc, &err, "TABLE_XML", "DOCTYPE");
	buf_release(&b);
	rc = dump(make_xlsx("back.xlsx", NULL, backwards, 0), NULL, &b, &err);
	assert_err(rc, &err, "TABLE_XML", "row 1");
	buf_release(&b);
	rc = dump(make_xlsx("wide.xlsx", NULL, wide, 0), NULL, &b, &err);
	assert_err(rc, &err, "TABLE_TOO_MANY_COLUMNS", "row 7, column XFD");
	buf_release(&b);
	rc = dump(make_xlsx("sst.xlsx", NULL, sst_range, 0), NULL, &b, &err);
	assert_err(rc, &err, "TABLE_XML", "column B");
	buf_release(&b);
	rc = dump(make_xlsx("wb.xlsx", "<workbook " NS "><sheets>", NULL, 0), NULL, &b, &err);
	assert_err(rc, &err, "TABLE_XML", "xl/workbook.xml");
	buf_release(&b);
}

static void xlsx_not_a_workbook(void **state)
{
	(void)state;
	struct buf b;
	struct wb_error err;
	struct part parts[] = {{"hello.txt", "hello", 0}};
	const char *p = tmp_path("plain.zip");
	write_zip(p, parts, 1);
	assert_err(dump(p, NULL, &b, &err), &err, "TABLE_FORMAT", "xl/workbook.xml");
	buf_release(&b);
	assert_err(dump(write_file("old.xls", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\0\0", 10), NULL, &b,
			&err),
		   &err, "TABLE_FORMAT", ".xls");
	buf_release(&b);
}

static void xlsx_caps(void **state)
{
	(void)state;
	struct buf b, big;
	struct wb_error err;
	int rc;

	/* 20 MB of blanks deflate about 1000:1, past the 200:1 ratio */
	buf_init(&big, 0);
	buf_appends(&big, "<worksheet " NS "><sheetData>");
	char *blanks = xmalloc(20 << 20);
	memset(blanks, ' ', 20 << 20);
	buf_append(&big, blanks, 20 << 20);
	free(blanks);
	buf_appends(&big, "</sheetData></worksheet>");
	rc = dump(make_xlsx("bomb.xlsx", NULL, big.data, big.len), NULL, &b, &err);
	assert_err(rc, &err, "TABLE_ZIP_BOMB", "sheet1.xml");
	assert_int_equal(err.status, 413);
	buf_release(&b);
	buf_release(&big);

	/* the total budget */
	struct table_options opt = {.limits = {.max_xlsx_inflated = 600}};
	rc = dump(make_xlsx("small.xlsx", NULL, NULL, 0), &opt, &b, &err);
	assert_err(rc, &err, "TABLE_ZIP_BOMB", NULL);
	buf_release(&b);

	/* a 1 MB cell */
	buf_init(&big, 0);
	buf_appends(&big, "<worksheet " NS "><sheetData><row r=\"3\"><c r=\"B3\" t=\"inlineStr\">"
			  "<is><t>");
	unsigned seed = 1; /* letters that do not compress well, so no bomb */
	for (int i = 0; i < 1 << 20; i++) {
		seed = seed * 1103515245 + 12345;
		char c = (char)('a' + (seed >> 16) % 26);
		buf_append(&big, &c, 1);
	}
	buf_appends(&big, "</t></is></c></row></sheetData></worksheet>");
	rc = dump(make_xlsx("bigcell.xlsx", NULL, big.data, big.len), NULL, &b, &err);
	assert_err(rc, &err, "TABLE_CELL_TOO_LONG", "row 3, column B");
	buf_release(&b);
	buf_release(&big);

	opt = (struct table_options){.limits = {.max_sheets = 2}};
	rc = dump(make_xlsx("sheets.xlsx", NULL, NULL, 0), &opt, &b, &err);
	assert_err(rc, &err, "TABLE_TOO_MANY_SHEETS", NULL);
	buf_release(&b);
	opt = (struct table_options){.limits = {.max_shared_strings = 2}};
	rc = dump(make_xlsx("sst2.xlsx", NULL, NULL, 0), &opt, &b, &err);
	assert_err(rc, &err, "TABLE_SHARED_STRINGS", NULL);
	buf_release(&b);
}

/* ---- committed examples ---------------------------------------------------------------- */

static void examples(void **state)
{
	(void)state;
	struct buf b;
	struct wb_error err;
	assert_int_equal(dump("tests/data/table/gbk.csv", NULL, &b, &err), 0);
	assert_string_equal(b.data,
			    "0:1:姓名|性别|身份证号|出生日期|监护人|备注\n"
			    "0:2:张小明|男|500242201501010012|2015-01-01|张大山|"
			    "父母外出务工，\"留守\"\n"
			    "0:3:李红|女|500242201203150026|2012-03-15|李桂芬|多行\n备注\n");
	buf_release(&b);
	assert_int_equal(dump("tests/data/table/sample.xlsx", NULL, &b, &err), 0);
	assert_string_equal(b.data, "0:1:姓名|性别|身份证号|出生日期|电话\n"
				    "0:2:张小明|男|500242201501010012|2015-01-01|13800138000\n"
				    "0:3:李红|女|500242201203150000|2012-03-15\n"
				    "1:1:说明\n"
				    "1:3:|第二个工作表\n");
	buf_release(&b);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/table_test.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(csv_utf8_bom_crlf),
		cmocka_unit_test(csv_gb18030),
		cmocka_unit_test(csv_quotes_newlines),
		cmocka_unit_test(csv_empty),
		cmocka_unit_test(csv_bad_quotes),
		cmocka_unit_test(csv_caps),
		cmocka_unit_test(csv_bad_encoding),
		cmocka_unit_test(csv_memory_and_forced),
		cmocka_unit_test(xlsx_values),
		cmocka_unit_test(xlsx_date1904_and_memory),
		cmocka_unit_test(xlsx_bad),
		cmocka_unit_test(xlsx_not_a_workbook),
		cmocka_unit_test(xlsx_caps),
		cmocka_unit_test(examples),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
