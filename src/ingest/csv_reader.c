/*
 * csv_reader -- the streaming CSV reader behind table.h (RFC 4180 with the usual Excel
 * habits).
 *
 * Two stages, each with a fixed buffer, so memory does not grow with the file:
 *  1. decode: raw bytes (RAW_CAP at a time) → UTF-8 in dec. UTF-8 input is validated
 *     strictly (no overlongs, surrogates or NUL); GB18030 goes through iconv. A bad byte
 *     stops the stage for good (c->bad); what was decoded before it is still parsed, so
 *     the encoding error is reported at the line where the bad byte sits.
 *  2. parse: a four-state machine over dec, appending spans of ordinary bytes to the row
 *     buffer (which enforces the caps).
 * Encoding detection: the first RAW_CAP bytes decide -- valid UTF-8 (an incomplete
 * sequence cut by the buffer end is allowed) means UTF-8, anything else GB18030 (GBK is a
 * subset). A UTF-8 byte order mark (or the GB18030 encoding of U+FEFF) is dropped.
 * Lines are counted as LF, CRLF or a lone CR, inside quotes too, so row numbers are what
 * a text editor shows. Lines with nothing on them are not records (a single empty field is
 * written ""). A quote inside an unquoted field is taken literally; text after a closing
 * quote, or a quote still open at the end of the file, is TABLE_QUOTE.
 */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/xalloc.h"
#include "ingest/table_int.h"

#define RAW_CAP (64 * 1024)
#define DEC_CAP (2 * RAW_CAP + 16) /* UTF-8 from GB18030 is at most 1.5 times longer, + a NUL */

enum { ST_OK, ST_NEED, ST_BAD }; /* decoder status of a chunk */
enum { DEC_EOF = 0, DEC_DATA = 1, DEC_BAD = -1, DEC_IO = -2 };
enum { F_START, F_UNQ, F_Q, F_QQ }; /* parser states */

struct table_csv {
	FILE *f;
	const unsigned char *mem;
	size_t mem_len, mem_pos;
	uint64_t total, read; /* input size, bytes read into raw so far */
	enum table_encoding enc;
	iconv_t cd;
	int raw_eof, bad, at_start, prev_cr;
	int64_t line; /* 1-based line of the next byte of dec */
	size_t raw_len, raw_pos, dec_len, dec_pos;
	unsigned char raw[RAW_CAP];
	unsigned char dec[DEC_CAP];
};

/* ---- stage 1: decoding ------------------------------------------------------------- */

/* Length of the longest valid UTF-8 prefix of p[0..n), NUL excluded; *st says what follows
 * it: nothing (ST_OK), an incomplete sequence at the end (ST_NEED) or a bad byte. */
static size_t utf8_prefix(const unsigned char *p, size_t n, int *st)
{
	size_t i = 0;
	while (i < n) {
		/* 8 bytes of ASCII without NUL at a time (most of a department's extract) */
		while (i + 8 <= n) {
			uint64_t v, m;
			memcpy(&v, p + i, 8);
			m = (v & 0x8080808080808080ULL) |
			    ((v - 0x0101010101010101ULL) & ~v & 0x8080808080808080ULL);
			if (m) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
				/* skip the ASCII bytes before the first byte that is not (the
				 * lowest bit of m is exact: a false zero only ever follows a
				 * true one) */
				i += (size_t)__builtin_ctzll(m) / 8;
#endif
				break;
			}
			i += 8;
		}
		if (i >= n)
			break;
		unsigned char b = p[i], lo = 0x80, hi = 0xbf;
		size_t len;
		if (b >= 0x01 && b < 0x80) {
			i++;
			continue;
		}
		/* a 3-byte sequence of the common kind (most Chinese text): E1..EC or EE..EF and
		 * two continuation bytes; the rules below accept exactly these too */
		if (i + 2 < n && b >= 0xe1 && b <= 0xef && b != 0xed && (p[i + 1] & 0xc0) == 0x80 &&
		    (p[i + 2] & 0xc0) == 0x80) {
			i += 3;
			continue;
		}
		if (b >= 0xc2 && b <= 0xdf) {
			len = 2;
		} else if (b >= 0xe0 && b <= 0xef) {
			len = 3;
			lo = b == 0xe0 ? 0xa0 : 0x80; /* no overlongs */
			hi = b == 0xed ? 0x9f : 0xbf; /* no surrogates */
		} else if (b >= 0xf0 && b <= 0xf4) {
			len = 4;
			lo = b == 0xf0 ? 0x90 : 0x80;
			hi = b == 0xf4 ? 0x8f : 0xbf; /* nothing past U+10FFFF */
		} else {
			*st = ST_BAD;
			return i;
		}
		for (size_t k = 1; k < len; k++) {
			if (i + k >= n) {
				*st = ST_NEED;
				return i;
			}
			unsigned char t = p[i + k];
			if (t < (k == 1 ? lo : 0x80) || t > (k == 1 ? hi : 0xbf)) {
				*st = ST_BAD;
				return i;
			}
		}
		i += len;
	}
	*st = ST_OK;
	return i;
}

static int refill_raw(struct table_csv *c)
{
	size_t want, got;

	memmove(c->raw, c->raw + c->raw_pos, c->raw_len - c->raw_pos);
	c->raw_len -= c->raw_pos;
	c->raw_pos = 0;
	if (c->raw_eof)
		return 0;
	want = RAW_CAP - c->raw_len;
	if (c->f) {
		got = fread(c->raw + c->raw_len, 1, want, c->f);
		if (got < want && ferror(c->f))
			return DEC_IO;
	} else {
		got = c->mem_len - c->mem_pos < want ? c->mem_len - c->mem_pos : want;
		memcpy(c->raw + c->raw_len, c->mem + c->mem_pos, got);
		c->mem_pos += got;
	}
	c->raw_eof = got < want;
	c->raw_len += got;
	c->read += got;
	return 0;
}

static int decode_utf8(struct table_csv *c)
{
	int st;
	size_t n = utf8_prefix(c->raw + c->raw_pos, c->raw_len - c->raw_pos, &st);
	memcpy(c->dec + c->dec_len, c->raw + c->raw_pos, n);
	c->dec_len += n;
	c->raw_pos += n;
	return st;
}

static int decode_gb(struct table_csv *c)
{
	char *in = (char *)c->raw + c->raw_pos, *out = (char *)c->dec + c->dec_len;
	size_t inleft = c->raw_len - c->raw_pos,
	       outleft = DEC_CAP - 1 - c->dec_len; /* 1: the NUL */
	size_t r = iconv(c->cd, &in, &inleft, &out, &outleft);
	int st = r != (size_t)-1 || errno == E2BIG ? ST_OK : errno == EINVAL ? ST_NEED : ST_BAD;
	unsigned char *start = c->dec + c->dec_len;
	unsigned char *nul = memchr(start, 0, (size_t)((unsigned char *)out - start));

	c->raw_pos = (size_t)((unsigned char *)in - c->raw);
	c->dec_len = (size_t)((nul ? nul : (unsigned char *)out) - c->dec);
	return nul ? ST_BAD : st;
}

/* Refill dec: DEC_DATA, DEC_EOF, DEC_BAD (encoding) or DEC_IO. */
static int decode(struct table_csv *c)
{
	c->dec_pos = c->dec_len = 0;
	while (!c->bad) {
		if (c->raw_pos < c->raw_len) {
			int st = c->enc == TABLE_ENC_UTF8 ? decode_utf8(c) : decode_gb(c);
			if (st == ST_BAD || (st == ST_NEED && c->raw_eof))
				c->bad = 1;
			if (c->dec_len)
				break;
			if (c->bad)
				return DEC_BAD;
		} else if (c->raw_eof) {
			return DEC_EOF;
		}
		if (refill_raw(c))
			return DEC_IO;
	}
	if (!c->dec_len)
		return DEC_BAD;
	c->dec[c->dec_len] = '\0'; /* for unquoted_end */
	if (c->at_start && c->dec_len >= 3 && !memcmp(c->dec, "\xef\xbb\xbf", 3))
		c->dec_pos = 3;
	c->at_start = 0;
	return DEC_DATA;
}

/* ---- open -------------------------------------------------------------------------- */

static enum table_encoding detect(const struct table_csv *c)
{
	int st;
	utf8_prefix(c->raw, c->raw_len, &st);
	return st == ST_OK || (st == ST_NEED && !c->raw_eof) ? TABLE_ENC_UTF8 : TABLE_ENC_GB18030;
}

int table_csv_open(struct table_csv **out, FILE *f, const unsigned char *mem, size_t len,
		   const struct table_options *opt, struct wb_error *err)
{
	struct table_csv *c = xcalloc(1, sizeof(*c));
	struct stat sb;

	c->f = f;
	c->mem = mem;
	c->mem_len = len;
	c->total = len;
	if (f && fstat(fileno(f), &sb) == 0)
		c->total = (uint64_t)sb.st_size;
	c->cd = (iconv_t)-1;
	c->line = 1;
	c->at_start = 1;
	*out = c;
	if (refill_raw(c))
		return table_fail(err, WB_EIO, "TABLE_IO", "读取文件出错", "error reading the file",
				  NULL);
	c->enc = opt && opt->encoding ? opt->encoding : detect(c);
	if (c->enc == TABLE_ENC_GB18030) {
		c->cd = iconv_open("UTF-8", "GB18030");
		if (c->cd == (iconv_t)-1)
			return table_fail(err, WB_EINTERNAL, "TABLE_ICONV",
					  "系统缺少 GB18030 编码转换",
					  "no GB18030 converter (iconv)", NULL);
	}
	return 0;
}

/* ---- stage 2: parsing -------------------------------------------------------------- */

/* Count the line ends in a consumed byte: LF, CRLF and a lone CR each end one line. */
static void count_line(struct table_csv *c, unsigned char ch)
{
	if (ch == '\r' || (ch == '\n' && !c->prev_cr))
		c->line++;
	c->prev_cr = ch == '\r';
}

static int is_eol(unsigned char ch)
{
	return ch == '\r' || ch == '\n';
}

/* Where the unquoted text at dec_pos ends: at a comma or line end, or at dec_len. dec
 * holds no NUL (stage 1 refuses it) and has one after its last byte, so strcspn (which
 * looks at 16 bytes at a time) stops at dec_len at the latest. */
static size_t unquoted_end(const struct table_csv *c)
{
	return c->dec_pos + strcspn((const char *)c->dec + c->dec_pos, ",\r\n");
}

/* Append the run of plain bytes at dec_pos to the open cell: up to a quote inside quotes,
 * up to a comma or line end outside. */
static int take_span(struct table_csv *c, struct table_rowbuf *rb, int quoted)
{
	size_t i = c->dec_pos;
	if (quoted) {
		while (i < c->dec_len && c->dec[i] != '"') {
			count_line(c, c->dec[i]);
			i++;
		}
	} else {
		i = unquoted_end(c);
		if (i > c->dec_pos) /* no line end in it: count_line only forgets a CR */
			c->prev_cr = 0;
	}
	int rc = table_rowbuf_append(rb, c->dec + c->dec_pos, i - c->dec_pos);
	c->dec_pos = i;
	return rc;
}

static int fail_quote(struct wb_error *err, int64_t line, const char *zh, const char *en)
{
	struct table_where w = {NULL, line, 0};
	return table_fail(err, WB_EINVAL, "TABLE_QUOTE", zh, en, &w);
}

/* At the end of the input: finish the last record, or 0 when there is none. */
static int at_eof(struct table_rowbuf *rb, int state, int started, int64_t start,
		  struct wb_error *err)
{
	struct table_where w = {NULL, start, rb->n + 1};
	int rc;
	if (state == F_Q)
		return fail_quote(err, start, "引号未闭合，直到文件结尾",
				  "a quote is still open at the end of the file");
	if (!started)
		return 0;
	if ((rc = table_rowbuf_end_cell(rb)))
		return table_fail_row(err, rc, &w);
	return 1;
}

static void consume(struct table_csv *c)
{
	count_line(c, c->dec[c->dec_pos]);
	c->dec_pos++;
}

/* Take one byte of structure (a quote, comma or line end) or one span of text in state
 * *state. Returns 0 to go on, 1 when the record ended, or a negative wb_err. */
static int step(struct table_csv *c, struct table_rowbuf *rb, int *state, int64_t start,
		struct wb_error *err)
{
	unsigned char ch = c->dec[c->dec_pos];
	int delim = ch == ',' || is_eol(ch), rc = 0, end = 0;
	size_t i;

	if (*state == F_Q && ch != '"') {
		rc = take_span(c, rb, 1);
	} else if (*state == F_Q) {
		*state = F_QQ;
		consume(c);
	} else if (*state == F_QQ && ch == '"') { /* "" inside quotes */
		*state = F_Q;
		consume(c);
		rc = table_rowbuf_append(rb, "\"", 1);
	} else if (*state == F_QQ && !delim) {
		return fail_quote(err, c->line, "右引号后还有其他字符",
				  "text after a closing quote");
	} else if (*state == F_START && ch == '"') {
		*state = F_Q;
		consume(c);
	} else if (*state == F_START && !delim && (i = unquoted_end(c)) < c->dec_len) {
		/* the common case: a whole unquoted cell in dec, taken with its separator at
		 * once (what the states below would do in three steps) */
		if (!(rc = table_rowbuf_add_cell(rb, c->dec + c->dec_pos, i - c->dec_pos))) {
			c->prev_cr = 0;
			c->dec_pos = i;
			end = is_eol(c->dec[i]);
			consume(c);
		}
	} else if (!delim) {
		*state = F_UNQ;
		rc = take_span(c, rb, 0);
	} else if (!(rc = table_rowbuf_end_cell(rb))) {
		*state = F_START;
		end = is_eol(ch);
		consume(c);
	}
	if (rc) {
		struct table_where w = {NULL, start, rb->n + 1};
		return table_fail_row(err, rc, &w);
	}
	return end;
}

int table_csv_next(struct table_csv *c, struct table_rowbuf *rb, int64_t *number,
		   struct wb_error *err)
{
	int state = F_START, started = 0, rc;
	int64_t start = c->line;

	for (;;) {
		if (c->dec_pos == c->dec_len) {
			int d = decode(c);
			struct table_where w = {NULL, c->line, 0};
			if (d == DEC_BAD)
				return table_fail(err, WB_EINVAL, "TABLE_ENCODING",
						  "文件编码无法识别（不是有效的 UTF-8 或 GB18030）",
						  "the text is neither valid UTF-8 nor GB18030",
						  &w);
			if (d == DEC_IO)
				return table_fail(err, WB_EIO, "TABLE_IO", "读取文件出错",
						  "error reading the file", &w);
			if (d == DEC_EOF) {
				*number = start;
				return at_eof(rb, state, started, start, err);
			}
			continue;
		}
		if (!started) {
			unsigned char ch = c->dec[c->dec_pos];
			if (is_eol(ch)) { /* an empty line is not a record */
				count_line(c, ch);
				c->dec_pos++;
				continue;
			}
			started = 1;
			start = c->line;
		}
		rc = step(c, rb, &state, start, err);
		if (rc) {
			*number = start;
			return rc;
		}
	}
}

enum table_encoding table_csv_encoding(const struct table_csv *c)
{
	return c->enc;
}

void table_csv_progress(const struct table_csv *c, uint64_t *done, uint64_t *total)
{
	*done = c->read - (c->raw_len - c->raw_pos);
	*total = c->total;
}

void table_csv_free(struct table_csv *c)
{
	if (!c)
		return;
	if (c->cd != (iconv_t)-1)
		iconv_close(c->cd);
	if (c->f)
		fclose(c->f);
	free(c);
}
