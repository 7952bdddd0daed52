/*
 * xlsx_reader -- the streaming XLSX reader behind table.h: libzip for the container,
 * expat for the XML parts.
 *
 * At open the small parts are read whole (each streamed through expat, kept only as the
 * tables they produce): xl/workbook.xml (sheet names and order, date1904),
 * xl/_rels/workbook.xml.rels (where each sheet lives), xl/sharedStrings.xml (one capped
 * buffer of NUL-separated strings plus offsets) and xl/styles.xml (which cell formats are
 * dates). Worksheets are then streamed: CHUNK bytes inflated at a time are fed to expat,
 * and the parser is suspended (XML_StopParser resumable) at the end of each row with a
 * value, so no sheet is ever held in memory.
 *
 * Zip-bomb caps: before an entry is opened, its declared size must fit the remaining
 * max_xlsx_inflated budget and (for entries over RATIO_FLOOR) its size/compressed-size
 * ratio must not pass max_xlsx_ratio; while it is read, the bytes actually inflated are
 * counted against the same caps, so a lying header gains nothing.
 *
 * Rows: cells are placed by their reference (C7 → third column), gaps filled with "";
 * trailing cells without a value (formatting only) are not emitted, and rows without any
 * value are skipped; row.number is the row's r attribute. A DOCTYPE anywhere is refused,
 * which rules out entity expansion attacks whatever the expat version.
 */
#include <expat.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <zip.h>

#include "core/timeutil.h"
#include "core/xalloc.h"
#include "ingest/table_int.h"

#define CHUNK	     (64 * 1024)
#define RATIO_FLOOR  (1u << 20) /* smaller entries are not ratio-checked */
#define MAX_RELS     4096
#define MAX_XF	     65536
#define MAX_NUMFMTS  4096
#define MAX_NAME     256
#define MAX_PATH_LEN 512

enum ctype { C_NUM, C_SHARED, C_INLINE, C_STR, C_BOOL, C_ERR, C_DATE };

struct zent {
	zip_file_t *zf;
	uint64_t size, csize, got;
};

struct sheet {
	char *name, *rid, *path;
	uint64_t size;
};

struct rel {
	char *id, *type, *target;
};

struct table_xlsx {
	zip_t *z;
	const struct table_limits *lim;
	struct wb_error *err;
	XML_Parser p;
	int cb_rc; /* error raised in a handler (err filled) */
	uint64_t inflated;
	struct sheet *sheets;
	int nsheets, date1904;
	struct rel *rels;
	size_t nrels;
	/* shared strings: text NUL-separated, offs[i] where string i starts */
	struct buf sst;
	size_t *sst_offs, nsst, sst_cap;
	/* styles: custom date formats, then per cellXfs entry whether it is a date */
	int *date_fmts;
	size_t ndate_fmts;
	unsigned char *xf_date;
	size_t nxf;
	/* parse state shared by the handlers */
	int in_si, in_t, skip, in_cellxfs, in_sheetdata, in_row, in_c, in_v, in_is;
	/* the current sheet */
	int cur, suspended, fed_final;
	struct zent ent;
	uint64_t done_bytes, total_bytes;
	struct table_rowbuf *rb;
	int64_t row_number, last_row;
	size_t next_col, cur_col, cur_style;
	enum ctype cur_type;
	int has_value;
	struct buf val;
	char chunk[CHUNK];
};

/* ---- small helpers ----------------------------------------------------------------- */

/* The local part of an expat name "uri|local". */
static const char *local(const char *name)
{
	const char *bar = strrchr(name, '|');
	return bar ? bar + 1 : name;
}

/* The value of attribute lname: without a namespace (ns 0) or with one (ns 1, r:id). */
static const char *attr(const char **atts, const char *lname, int ns)
{
	for (; atts && atts[0]; atts += 2)
		if (!strcmp(local(atts[0]), lname) && (strchr(atts[0], '|') != NULL) == ns)
			return atts[1];
	return NULL;
}

/* A decimal number of up to 9 digits, or -1. */
static long small_num(const char *s)
{
	long v = 0;
	int n = 0;
	if (!s || !*s)
		return -1;
	for (; *s; s++, n++) {
		if (*s < '0' || *s > '9' || n >= 9)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

static char *dup_capped(const char *s)
{
	return xstrndup(s ? s : "", MAX_NAME);
}

static struct table_where where(const struct table_xlsx *x, size_t col)
{
	struct table_where w = {"", x->row_number, col};
	if (x->cur >= 0 && x->cur < x->nsheets)
		w.sheet = x->sheets[x->cur].name;
	return w;
}

/* Stop the parser from inside a handler with an error already in x->err. */
static void cb_fail(struct table_xlsx *x, int rc)
{
	if (!x->cb_rc) {
		x->cb_rc = rc;
		XML_StopParser(x->p, XML_FALSE);
	}
}

static int fail_format(struct wb_error *err, const char *zh, const char *en)
{
	return table_fail(err, WB_EINVAL, "TABLE_FORMAT", zh, en, NULL);
}

static int fail_zip(struct table_xlsx *x, const char *what, struct wb_error *err)
{
	struct table_where w = where(x, 0);
	char zh[200], en[200];
	/* libzip's words are English: in the English message only */
	snprintf(zh, sizeof(zh), "XLSX 文件已损坏或不完整，请用 Excel 重新保存后再导入");
	snprintf(en, sizeof(en), "the XLSX file is damaged or truncated (%.100s)", what);
	return table_fail(err, WB_EINVAL, "TABLE_ZIP", zh, en, x->cur >= 0 ? &w : NULL);
}

static int fail_bomb(struct table_xlsx *x, const char *name, struct wb_error *err)
{
	char zh[200], en[200];
	snprintf(zh, sizeof(zh), "XLSX 文件解压后过大（%.100s），疑似压缩炸弹", name);
	snprintf(en, sizeof(en), "the XLSX file inflates too much (%.100s): a zip bomb?", name);
	struct table_where w = where(x, 0);
	return table_fail(err, WB_ETOOBIG, "TABLE_ZIP_BOMB", zh, en, x->cur >= 0 ? &w : NULL);
}

/* ---- zip entries with the bomb caps -------------------------------------------------- */

static int ratio_ok(const struct table_xlsx *x, uint64_t size, uint64_t csize)
{
	return size <= RATIO_FLOOR || size / (csize ? csize : 1) <= x->lim->max_xlsx_ratio;
}

/* Open entry name: 0, 1 when it is absent, or a negative wb_err. */
static int ent_open(struct table_xlsx *x, const char *name, struct zent *e, struct wb_error *err)
{
	zip_stat_t st;
	zip_int64_t idx = zip_name_locate(x->z, name, 0);

	memset(e, 0, sizeof(*e));
	if (idx < 0)
		return 1;
	zip_stat_init(&st);
	if (zip_stat_index(x->z, (zip_uint64_t)idx, 0, &st) || !(st.valid & ZIP_STAT_SIZE) ||
	    !(st.valid & ZIP_STAT_COMP_SIZE))
		return fail_zip(x, name, err);
	if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
		return fail_format(err, "XLSX 文件已加密", "the XLSX file is encrypted");
	e->size = st.size;
	e->csize = st.comp_size;
	if (e->size > x->lim->max_xlsx_inflated - x->inflated || !ratio_ok(x, e->size, e->csize))
		return fail_bomb(x, name, err);
	e->zf = zip_fopen_index(x->z, (zip_uint64_t)idx, 0);
	if (!e->zf)
		return fail_zip(x, name, err);
	return 0;
}

/* Read up to cap bytes: the count (0 at the end) or a negative wb_err. */
static zip_int64_t ent_read(struct table_xlsx *x, struct zent *e, const char *name,
			    struct wb_error *err)
{
	zip_int64_t n = zip_fread(e->zf, x->chunk, sizeof(x->chunk));
	if (n < 0)
		return fail_zip(x, name, err);
	e->got += (uint64_t)n;
	x->inflated += (uint64_t)n;
	if (e->got > e->size || x->inflated > x->lim->max_xlsx_inflated ||
	    !ratio_ok(x, e->got, e->csize))
		return fail_bomb(x, name, err);
	return n;
}

static void ent_close(struct zent *e)
{
	if (e->zf)
		zip_fclose(e->zf);
	e->zf = NULL;
}

/* ---- expat plumbing ---------------------------------------------------------------- */

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
			       const XML_Char *pubid, int has_internal)
{
	struct table_xlsx *x = ud;
	struct table_where w = where(x, 0);
	(void)name, (void)sysid, (void)pubid, (void)has_internal;
	cb_fail(x, table_fail(x->err, WB_EINVAL, "TABLE_XML", "XLSX 中不允许 DOCTYPE",
			      "a DOCTYPE is not allowed in XLSX", x->cur >= 0 ? &w : NULL));
}

static XML_Parser parser_new(struct table_xlsx *x, XML_StartElementHandler start,
			     XML_EndElementHandler end, XML_CharacterDataHandler text)
{
	XML_Parser p = XML_ParserCreateNS(NULL, '|');
	if (!p)
		abort(); /* out of memory */
	XML_SetUserData(p, x);
	XML_SetElementHandler(p, start, end);
	XML_SetCharacterDataHandler(p, text);
	XML_SetStartDoctypeDeclHandler(p, on_doctype);
	x->p = p;
	x->cb_rc = 0;
	x->in_si = x->in_t = x->skip = x->in_cellxfs = 0;
	x->in_sheetdata = x->in_row = x->in_c = x->in_v = x->in_is = 0;
	return p;
}

static int fail_xml(struct table_xlsx *x, const char *name, struct wb_error *err)
{
	struct table_where w = where(x, 0);
	char zh[240], en[240];
	const char *why = XML_ErrorString(XML_GetErrorCode(x->p));
	unsigned long line = XML_GetCurrentLineNumber(x->p);

	snprintf(zh, sizeof(zh), "XLSX 中的 XML 格式错误：%.60s 第 %lu 行（%.60s）", name, line,
		 why ? why : "");
	snprintf(en, sizeof(en), "malformed XML in %.60s at line %lu (%.60s)", name, line,
		 why ? why : "");
	return table_fail(err, WB_EINVAL, "TABLE_XML", zh, en, x->cur >= 0 ? &w : NULL);
}

/* Stream a whole part through the parser set up with parser_new. 0 when absent too. */
static int parse_part(struct table_xlsx *x, const char *name, struct wb_error *err)
{
	struct zent e;
	int rc = ent_open(x, name, &e, err);

	if (rc == 1)
		rc = 0;
	while (!rc && e.zf) {
		zip_int64_t n = ent_read(x, &e, name, err);
		if (n < 0) {
			rc = (int)n;
			break;
		}
		if (XML_Parse(x->p, x->chunk, (int)n, n == 0) == XML_STATUS_ERROR)
			rc = x->cb_rc ? x->cb_rc : fail_xml(x, name, err);
		if (n == 0)
			break;
	}
	ent_close(&e);
	XML_ParserFree(x->p);
	x->p = NULL;
	return rc;
}

/* ---- workbook.xml and its relationships --------------------------------------------- */

static void XMLCALL wb_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct table_xlsx *x = ud;
	if (x->cb_rc)
		return;
	const char *ln = local(name), *v;

	if (!strcmp(ln, "workbookPr") && (v = attr(atts, "date1904", 0)))
		x->date1904 = !strcmp(v, "1") || !strcmp(v, "true");
	if (strcmp(ln, "sheet"))
		return;
	if ((size_t)x->nsheets >= x->lim->max_sheets) {
		cb_fail(x, table_fail(x->err, WB_ETOOBIG, "TABLE_TOO_MANY_SHEETS", "工作表过多",
				      "too many worksheets", NULL));
		return;
	}
	x->sheets = xrealloc(x->sheets, (size_t)(x->nsheets + 1) * sizeof(*x->sheets));
	struct sheet *s = &x->sheets[x->nsheets++];
	memset(s, 0, sizeof(*s));
	s->name = dup_capped(attr(atts, "name", 0));
	s->rid = dup_capped(attr(atts, "id", 1));
}

static void XMLCALL rel_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct table_xlsx *x = ud;
	if (x->cb_rc)
		return;

	if (strcmp(local(name), "Relationship"))
		return;
	if (x->nrels >= MAX_RELS) {
		cb_fail(x, fail_format(x->err, "XLSX 关系表过大", "too many relationships"));
		return;
	}
	x->rels = xrealloc(x->rels, (x->nrels + 1) * sizeof(*x->rels));
	struct rel *r = &x->rels[x->nrels++];
	r->id = dup_capped(attr(atts, "Id", 0));
	r->type = dup_capped(attr(atts, "Type", 0));
	r->target = xstrndup(attr(atts, "Target", 0) ? attr(atts, "Target", 0) : "", MAX_PATH_LEN);
}

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);
	return n >= m && !strcmp(s + n - m, tail);
}

/* The zip path of a relationship target (relative to xl/, or absolute from the root). */
static char *rel_path(const char *target)
{
	struct buf b;
	buf_init(&b, 0);
	if (target[0] == '/')
		buf_appends(&b, target + 1);
	else
		buf_appendf(&b, "xl/%s", target);
	return buf_detach(&b);
}

static const struct rel *rel_find(const struct table_xlsx *x, const char *id, const char *type)
{
	for (size_t i = 0; i < x->nrels; i++)
		if ((id && !strcmp(x->rels[i].id, id)) || (!id && ends_with(x->rels[i].type, type)))
			return &x->rels[i];
	return NULL;
}

/* Keep the sheets that are worksheets (not chart sheets), with their paths and sizes. */
static int sheets_resolve(struct table_xlsx *x, struct wb_error *err)
{
	int kept = 0;
	for (int i = 0; i < x->nsheets; i++)
		if (!rel_find(x, x->sheets[i].rid, NULL))
			return fail_format(err, "工作簿引用了不存在的工作表",
					   "the workbook names a sheet that is not there");
	for (int i = 0; i < x->nsheets; i++) {
		struct sheet s = x->sheets[i];
		const struct rel *r = rel_find(x, s.rid, NULL);
		zip_stat_t st;
		if (!ends_with(r->type, "/worksheet")) {
			free(s.name);
			free(s.rid);
			continue;
		}
		s.path = rel_path(r->target);
		zip_stat_init(&st);
		if (zip_stat(x->z, s.path, 0, &st) == 0 && (st.valid & ZIP_STAT_SIZE))
			s.size = st.size;
		x->total_bytes += s.size;
		x->sheets[kept++] = s;
	}
	x->nsheets = kept;
	return 0;
}

static int read_workbook(struct table_xlsx *x, struct wb_error *err)
{
	int rc;
	if (zip_name_locate(x->z, "xl/workbook.xml", 0) < 0)
		return fail_format(err, "不是 XLSX 工作簿（ZIP 中没有 xl/workbook.xml）",
				   "not an XLSX workbook (no xl/workbook.xml in the zip)");
	parser_new(x, wb_start, NULL, NULL);
	if ((rc = parse_part(x, "xl/workbook.xml", err)))
		return rc;
	parser_new(x, rel_start, NULL, NULL);
	if ((rc = parse_part(x, "xl/_rels/workbook.xml.rels", err)))
		return rc;
	return sheets_resolve(x, err);
}

/* ---- sharedStrings.xml ------------------------------------------------------------- */

/* Decode the OOXML escapes _xHHHH_ in place (Excel writes _x000D_ for CR); returns the new
 * length. Control characters other than tab, LF and CR are dropped, surrogates kept. */
static size_t unescape_x(char *s, size_t n)
{
	size_t r = 0, w = 0;
	while (r < n) {
		unsigned v = 0;
		int ok = r + 7 <= n && s[r] == '_' && s[r + 1] == 'x' && s[r + 6] == '_';
		for (int k = 2; ok && k < 6; k++) {
			char c = s[r + k];
			int d = c >= '0' && c <= '9'   ? c - '0'
				: c >= 'A' && c <= 'F' ? c - 'A' + 10
				: c >= 'a' && c <= 'f' ? c - 'a' + 10
						       : -1;
			ok = d >= 0;
			v = v * 16 + (unsigned)(d < 0 ? 0 : d);
		}
		if (!ok || (v >= 0xd800 && v <= 0xdfff)) {
			s[w++] = s[r++];
			continue;
		}
		r += 7;
		if (v < 0x20 && v != '\t' && v != '\n' && v != '\r')
			continue;
		if (v < 0x80) {
			s[w++] = (char)v;
		} else if (v < 0x800) {
			s[w++] = (char)(0xc0 | v >> 6);
			s[w++] = (char)(0x80 | (v & 0x3f));
		} else {
			s[w++] = (char)(0xe0 | v >> 12);
			s[w++] = (char)(0x80 | ((v >> 6) & 0x3f));
			s[w++] = (char)(0x80 | (v & 0x3f));
		}
	}
	return w;
}

static void sst_fail(struct table_xlsx *x)
{
	cb_fail(x, table_fail(x->err, WB_ETOOBIG, "TABLE_SHARED_STRINGS", "共享字符串表过大",
			      "the shared string table is too large", NULL));
}

static void XMLCALL sst_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct table_xlsx *x = ud;
	const char *ln = local(name);
	if (x->cb_rc)
		return;
	(void)atts;
	if (!strcmp(ln, "si")) {
		if (x->nsst >= x->lim->max_shared_strings)
			return sst_fail(x);
		if (x->nsst == x->sst_cap) {
			x->sst_cap = x->sst_cap ? x->sst_cap * 2 : 256;
			x->sst_offs = xrealloc(x->sst_offs, x->sst_cap * sizeof(*x->sst_offs));
		}
		x->sst_offs[x->nsst] = x->sst.len;
		x->in_si = 1;
	} else if (!strcmp(ln, "rPh") || !strcmp(ln, "phoneticPr")) {
		x->skip++; /* phonetic guides are not part of the text */
	} else if (!strcmp(ln, "t")) {
		x->in_t = 1;
	}
}

static void XMLCALL sst_end(void *ud, const XML_Char *name)
{
	struct table_xlsx *x = ud;
	const char *ln = local(name);
	if (x->cb_rc)
		return;
	if (!strcmp(ln, "si") && x->in_si) {
		size_t start = x->sst_offs[x->nsst];
		x->sst.len = start + unescape_x(x->sst.data ? x->sst.data + start : NULL,
						x->sst.len - start);
		if (buf_append(&x->sst, "", 1))
			return sst_fail(x);
		x->nsst++;
		x->in_si = 0;
	} else if (!strcmp(ln, "rPh") || !strcmp(ln, "phoneticPr")) {
		x->skip--;
	} else if (!strcmp(ln, "t")) {
		x->in_t = 0;
	}
}

static void XMLCALL sst_text(void *ud, const XML_Char *s, int len)
{
	struct table_xlsx *x = ud;
	if (x->cb_rc)
		return;
	if (x->in_si && x->in_t && !x->skip && buf_append(&x->sst, s, (size_t)len))
		sst_fail(x);
}

static int read_shared(struct table_xlsx *x, struct wb_error *err)
{
	const struct rel *r = rel_find(x, NULL, "/sharedStrings");
	char *path = rel_path(r ? r->target : "sharedStrings.xml");
	parser_new(x, sst_start, sst_end, sst_text);
	int rc = parse_part(x, path, err);
	free(path);
	return rc;
}

/* ---- styles.xml: which cell formats are dates -------------------------------------- */

/* A custom number format shows a date when it has y or d (or m without h or s), outside
 * quoted text, [colour/locale] parts and escaped characters. */
static int fmt_is_date(const char *s)
{
	int y = 0, d = 0, m = 0, h = 0, sec = 0;
	for (; *s; s++) {
		const char *close = NULL;
		switch (*s) {
		case '"': close = strchr(s + 1, '"'); break;
		case '[': close = strchr(s + 1, ']'); break;
		case '\\':
		case '_':
		case '*': close = s[1] ? s + 1 : s; break;
		case 'y':
		case 'Y': y = 1; break;
		case 'd':
		case 'D': d = 1; break;
		case 'm':
		case 'M': m = 1; break;
		case 'h':
		case 'H': h = 1; break;
		case 's':
		case 'S': sec = 1; break;
		}
		if (close == NULL && (*s == '"' || *s == '['))
			break; /* unterminated: the rest is text */
		if (close)
			s = close;
	}
	return y || d || (m && !h && !sec);
}

/* Built-in date formats: 14–22 and 45–47 everywhere, 27–36 and 50–58 in Chinese Excel. */
static int builtin_date(long id)
{
	return (id >= 14 && id <= 22) || (id >= 45 && id <= 47) || (id >= 27 && id <= 36) ||
	       (id >= 50 && id <= 58);
}

static int numfmt_is_date(const struct table_xlsx *x, long id)
{
	for (size_t i = 0; i < x->ndate_fmts; i++)
		if (x->date_fmts[i] == id || x->date_fmts[i] == -id - 1)
			return x->date_fmts[i] == id;
	return builtin_date(id);
}

static void XMLCALL sty_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct table_xlsx *x = ud;
	const char *ln = local(name);
	long id = small_num(attr(atts, "numFmtId", 0));

	if (!strcmp(ln, "numFmt") && id >= 0 && x->ndate_fmts < MAX_NUMFMTS) {
		const char *code = attr(atts, "formatCode", 0);
		/* id when a date, -id-1 when not: a custom format overrides a built-in id */
		x->date_fmts = xrealloc(x->date_fmts, (x->ndate_fmts + 1) * sizeof(int));
		x->date_fmts[x->ndate_fmts++] =
			code && fmt_is_date(code) ? (int)id : (int)(-id - 1);
	} else if (!strcmp(ln, "cellXfs")) {
		x->in_cellxfs = 1;
	} else if (!strcmp(ln, "xf") && x->in_cellxfs && x->nxf < MAX_XF) {
		x->xf_date = xrealloc(x->xf_date, x->nxf + 1);
		x->xf_date[x->nxf++] = id >= 0 && numfmt_is_date(x, id);
	}
}

static void XMLCALL sty_end(void *ud, const XML_Char *name)
{
	struct table_xlsx *x = ud;
	if (!strcmp(local(name), "cellXfs"))
		x->in_cellxfs = 0;
}

static int read_styles(struct table_xlsx *x, struct wb_error *err)
{
	const struct rel *r = rel_find(x, NULL, "/styles");
	char *path = rel_path(r ? r->target : "styles.xml");
	parser_new(x, sty_start, sty_end, NULL);
	int rc = parse_part(x, path, err);
	free(path);
	return rc;
}

/* ---- values ------------------------------------------------------------------------ */

/* A serial day number as YYYY-MM-DD: the 1900 system keeps Lotus's 1900-02-29 (serial 60);
 * -1 when out of range (below day 1, past 9999-12-31). */
static int serial_date(double v, int date1904, char out[11])
{
	if (!(v >= (date1904 ? 0 : 1) && v < 2958466))
		return -1;
	int64_t d = (int64_t)floor(v);
	if (date1904) {
		date_format(date_days(1904, 1, 1) + d, out);
	} else if (d == 60) {
		memcpy(out, "1900-02-29", 11);
	} else {
		date_format(date_days(1899, 12, 31) + d - (d > 60), out);
	}
	return 0;
}

/* A number as Excel's General format shows it, to 15 significant digits, but never in
 * exponent form for |exponent| <= 20: 13800138000 → "13800138000", 1.5 → "1.5",
 * 1.10101200001011E+17 → "110101200001011000". Integers written out in full stay as they
 * are (other producers than Excel keep all 18 digits of an ID number). */
static void number_text(const char *s, struct buf *out)
{
	char e[48], digits[20];
	char *end;
	size_t nd = 0;
	const char *p = s + (*s == '-');
	double v;
	int exp;

	if (*p && strspn(p, "0123456789") == strlen(p)) {
		buf_appends(out, s);
		return;
	}
	v = strtod(s, &end);
	if (end == s || *end || !isfinite(v)) {
		buf_appends(out, s);
		return;
	}
	if (v == 0) {
		buf_appends(out, "0");
		return;
	}
	snprintf(e, sizeof(e), "%.14e", v); /* [-]d.dddddddddddddde±XX */
	p = e + (e[0] == '-');
	for (; *p && *p != 'e'; p++)
		if (*p != '.')
			digits[nd++] = *p;
	exp = (int)strtol(p + 1, NULL, 10);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	if (exp > 20 || exp < -20) {
		buf_appendf(out, "%.15g", v);
		return;
	}
	if (v < 0)
		buf_appends(out, "-");
	if (exp < 0) {
		buf_appends(out, "0.");
		for (int i = -1; i > exp; i--)
			buf_appends(out, "0");
		buf_append(out, digits, nd);
	} else if ((size_t)exp + 1 >= nd) {
		buf_append(out, digits, nd);
		for (size_t i = nd; i < (size_t)exp + 1; i++)
			buf_appends(out, "0");
	} else {
		buf_append(out, digits, (size_t)exp + 1);
		buf_appends(out, ".");
		buf_append(out, digits + exp + 1, nd - (size_t)exp - 1);
	}
}

/* The text of the current cell into the row: 0 or a TABLE_ROW_* code; -1 for a shared
 * string index out of range. */
static int cell_text(struct table_xlsx *x, struct buf *tmp)
{
	const char *v = x->val.data ? x->val.data : "";
	char date[11];

	buf_clear(tmp);
	switch (x->cur_type) {
	case C_SHARED: {
		long i = small_num(v);
		if (i < 0 || (size_t)i >= x->nsst)
			return -1;
		const char *s = x->sst.data + x->sst_offs[i];
		return table_rowbuf_append(x->rb, s, strlen(s));
	}
	case C_INLINE:
		x->val.len = x->val.len ? unescape_x(x->val.data, x->val.len) : 0;
		return table_rowbuf_append(x->rb, v, x->val.len);
	case C_BOOL:
		return table_rowbuf_append(x->rb, *v == '1' ? "TRUE" : "FALSE", *v == '1' ? 4 : 5);
	case C_NUM:
		if (!*v)
			return 0;
		if (x->cur_style < x->nxf && x->xf_date[x->cur_style] &&
		    !serial_date(strtod(v, NULL), x->date1904, date))
			return table_rowbuf_append(x->rb, date, 10);
		number_text(v, tmp);
		return table_rowbuf_append(x->rb, tmp->data, tmp->len);
	default: return table_rowbuf_append(x->rb, v, x->val.len);
	}
}

/* ---- worksheets -------------------------------------------------------------------- */

static void cell_fail(struct table_xlsx *x, int row_rc, size_t col)
{
	struct table_where w = where(x, col + 1);
	cb_fail(x, table_fail_row(x->err, row_rc, &w));
}

static void xml_fail_cb(struct table_xlsx *x, const char *zh, const char *en, size_t col)
{
	struct table_where w = where(x, col + 1);
	cb_fail(x, table_fail(x->err, WB_EINVAL, "TABLE_XML", zh, en, &w));
}

/* Column of a reference like "C7" (0-based), or -1. */
static long ref_col(const char *r)
{
	long c = 0;
	int n = 0;
	for (; *r >= 'A' && *r <= 'Z'; r++)
		if (++n > 3)
			return -1;
		else
			c = c * 26 + (*r - 'A' + 1);
	return n && c <= 16384 && *r >= '1' && *r <= '9' ? c - 1 : -1;
}

static enum ctype cell_type(const char *t)
{
	if (!t || !strcmp(t, "n"))
		return C_NUM;
	if (!strcmp(t, "s"))
		return C_SHARED;
	if (!strcmp(t, "inlineStr"))
		return C_INLINE;
	if (!strcmp(t, "b"))
		return C_BOOL;
	if (!strcmp(t, "e"))
		return C_ERR;
	if (!strcmp(t, "d"))
		return C_DATE;
	return C_STR;
}

static void row_start(struct table_xlsx *x, const char **atts)
{
	const char *r = attr(atts, "r", 0);
	long n = r ? small_num(r) : x->last_row + 1;
	x->in_row = 1;
	x->row_number = n;
	x->next_col = 0;
	table_rowbuf_clear(x->rb);
	if (n < 1 || n <= x->last_row)
		xml_fail_cb(x, "行号无效或顺序错误", "a row number is invalid or out of order", 0);
}

static void cell_start(struct table_xlsx *x, const char **atts)
{
	const char *r = attr(atts, "r", 0), *s = attr(atts, "s", 0);
	long col = r ? ref_col(r) : (long)x->next_col;
	x->in_c = 1;
	x->has_value = 0;
	buf_clear(&x->val);
	x->cur_type = cell_type(attr(atts, "t", 0));
	x->cur_style = s ? (size_t)small_num(s) : 0; /* -1 becomes huge: not a date */
	if (col < 0 || (size_t)col < x->next_col)
		return xml_fail_cb(x, "单元格引用无效或顺序错误",
				   "a cell reference is invalid or out of order", x->next_col);
	x->cur_col = (size_t)col;
}

static void XMLCALL ws_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct table_xlsx *x = ud;
	const char *ln = local(name);
	if (x->cb_rc)
		return;
	if (!strcmp(ln, "sheetData"))
		x->in_sheetdata = 1;
	else if (x->in_sheetdata && !x->in_row && !strcmp(ln, "row"))
		row_start(x, atts);
	else if (x->in_row && !x->in_c && !strcmp(ln, "c"))
		cell_start(x, atts);
	else if (x->in_c && !strcmp(ln, "v"))
		x->in_v = 1;
	else if (x->in_c && !strcmp(ln, "is"))
		x->in_is = 1;
	else if (x->in_is && !strcmp(ln, "rPh"))
		x->skip++;
	else if (x->in_is && !strcmp(ln, "t"))
		x->in_t = 1;
}

/* The end of a cell with a value: fill the gap before it with "" and append it. */
static void cell_end(struct table_xlsx *x)
{
	struct buf tmp;
	int rc = 0;

	if (x->cur_col >= x->lim->max_columns)
		return cell_fail(x, TABLE_ROW_COLUMNS, x->cur_col);
	while (!rc && x->rb->n < x->cur_col)
		rc = table_rowbuf_end_cell(x->rb);
	buf_init(&tmp, 0);
	if (!rc)
		rc = cell_text(x, &tmp);
	buf_release(&tmp);
	if (rc == -1)
		return xml_fail_cb(x, "共享字符串编号超出范围",
				   "a shared string index is out of range", x->cur_col);
	if (!rc)
		rc = table_rowbuf_end_cell(x->rb);
	if (rc)
		return cell_fail(x, rc, x->cur_col);
	x->next_col = x->cur_col + 1;
}

static void XMLCALL ws_end(void *ud, const XML_Char *name)
{
	struct table_xlsx *x = ud;
	const char *ln = local(name);
	if (x->cb_rc)
		return;
	if (!strcmp(ln, "sheetData")) {
		x->in_sheetdata = 0;
	} else if (x->in_c && !strcmp(ln, "v")) {
		x->in_v = 0;
		x->has_value = 1;
	} else if (x->in_is && !strcmp(ln, "rPh")) {
		x->skip--;
	} else if (x->in_is && !strcmp(ln, "t")) {
		x->in_t = 0;
	} else if (x->in_c && !strcmp(ln, "is")) {
		x->in_is = 0;
		x->has_value = 1;
	} else if (x->in_c && !strcmp(ln, "c")) {
		x->in_c = 0;
		if (x->has_value)
			cell_end(x);
	} else if (x->in_row && !strcmp(ln, "row")) {
		x->in_row = 0;
		x->last_row = x->row_number;
		if (x->rb->n > 0 && !x->cb_rc)
			XML_StopParser(x->p, XML_TRUE); /* hand the row out */
	}
}

static void XMLCALL ws_text(void *ud, const XML_Char *s, int len)
{
	struct table_xlsx *x = ud;
	if (x->cb_rc)
		return;
	if (!(x->in_v || (x->in_is && x->in_t && !x->skip)))
		return;
	if ((size_t)len > x->lim->max_cell_bytes - x->val.len ||
	    buf_append(&x->val, s, (size_t)len))
		cell_fail(x, TABLE_ROW_CELL_LONG, x->cur_col);
}

static int sheet_open(struct table_xlsx *x, struct wb_error *err)
{
	const struct sheet *s = &x->sheets[x->cur];
	int rc = ent_open(x, s->path, &x->ent, err);
	if (rc == 1)
		return fail_format(err, "工作表文件缺失", "a worksheet part is missing");
	if (rc)
		return rc;
	parser_new(x, ws_start, ws_end, ws_text);
	x->suspended = x->fed_final = 0;
	x->last_row = 0;
	x->row_number = 0;
	return 0;
}

static void sheet_close(struct table_xlsx *x)
{
	x->done_bytes += x->ent.got;
	ent_close(&x->ent);
	x->ent.got = 0;
	if (x->p)
		XML_ParserFree(x->p);
	x->p = NULL;
}

/* Feed the parser until it hands out a row (1), the sheet ends (0) or an error. */
static int sheet_step(struct table_xlsx *x, struct wb_error *err)
{
	enum XML_Status st;
	for (;;) {
		if (x->suspended) {
			x->suspended = 0;
			st = XML_ResumeParser(x->p);
		} else if (x->fed_final) {
			return 0;
		} else {
			zip_int64_t n = ent_read(x, &x->ent, x->sheets[x->cur].path, err);
			if (n < 0)
				return (int)n;
			x->fed_final = n == 0;
			st = XML_Parse(x->p, x->chunk, (int)n, n == 0);
		}
		if (st == XML_STATUS_ERROR)
			return x->cb_rc ? x->cb_rc : fail_xml(x, x->sheets[x->cur].path, err);
		if (st == XML_STATUS_SUSPENDED) {
			x->suspended = 1;
			return 1;
		}
	}
}

int table_xlsx_next(struct table_xlsx *x, struct table_rowbuf *rb, int64_t *number, int *sheet,
		    struct wb_error *err)
{
	x->rb = rb;
	x->err = err;
	for (;;) {
		if (!x->p) {
			if (x->cur + 1 >= x->nsheets)
				return 0;
			x->cur++;
			int rc = sheet_open(x, err);
			if (rc)
				return rc;
		}
		int rc = sheet_step(x, err);
		if (rc == 1) {
			*number = x->row_number;
			*sheet = x->cur;
			return 1;
		}
		if (rc < 0)
			return rc;
		sheet_close(x);
	}
}

/* ---- open and close ---------------------------------------------------------------- */

static int zip_from(struct table_xlsx *x, FILE *f, const unsigned char *mem, size_t len,
		    struct wb_error *err)
{
	zip_error_t ze;
	zip_source_t *src;
	char why[128];

	zip_error_init(&ze);
	src = f ? zip_source_filep_create(f, 0, -1, &ze)
		: zip_source_buffer_create(mem, len, 0, &ze);
	if (!src) {
		if (f)
			fclose(f);
		zip_error_fini(&ze);
		return fail_zip(x, "zip", err);
	}
	x->z = zip_open_from_source(src, ZIP_RDONLY, &ze);
	if (!x->z) {
		snprintf(why, sizeof(why), "%s", zip_error_strerror(&ze));
		zip_source_free(src); /* closes f */
		zip_error_fini(&ze);
		return fail_zip(x, why, err);
	}
	zip_error_fini(&ze);
	return 0;
}

int table_xlsx_open(struct table_xlsx **out, FILE *f, const unsigned char *mem, size_t len,
		    const struct table_limits *lim, struct wb_error *err)
{
	struct table_xlsx *x = xcalloc(1, sizeof(*x));
	int rc;

	x->lim = lim;
	x->err = err;
	x->cur = -1;
	buf_init(&x->sst, lim->max_shared_bytes);
	buf_init(&x->val, lim->max_cell_bytes + 1);
	*out = x;
	if ((rc = zip_from(x, f, mem, len, err)))
		return rc;
	if ((rc = read_workbook(x, err)) || (rc = read_shared(x, err)) ||
	    (rc = read_styles(x, err)))
		return rc;
	return 0;
}

const char *table_xlsx_sheet_name(const struct table_xlsx *x, int i)
{
	return x && i >= 0 && i < x->nsheets ? x->sheets[i].name : NULL;
}

void table_xlsx_progress(const struct table_xlsx *x, uint64_t *done, uint64_t *total)
{
	*done = x->done_bytes + x->ent.got;
	*total = x->total_bytes;
}

void table_xlsx_free(struct table_xlsx *x)
{
	if (!x)
		return;
	ent_close(&x->ent);
	if (x->p)
		XML_ParserFree(x->p);
	if (x->z)
		zip_discard(x->z);
	for (int i = 0; i < x->nsheets; i++) {
		free(x->sheets[i].name);
		free(x->sheets[i].rid);
		free(x->sheets[i].path);
	}
	free(x->sheets);
	for (size_t i = 0; i < x->nrels; i++) {
		free(x->rels[i].id);
		free(x->rels[i].type);
		free(x->rels[i].target);
	}
	free(x->rels);
	buf_release(&x->sst);
	free(x->sst_offs);
	free(x->date_fmts);
	free(x->xf_date);
	buf_release(&x->val);
	free(x);
}
