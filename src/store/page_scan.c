/*
 * page_scan -- a table B-tree read from the file's pages; see page_scan.h. The format is
 * https://www.sqlite.org/fileformat2.html (sections 1.3 header, 1.6 B-tree pages, 2.1
 * records).
 *
 * The walk is depth-first with an explicit stack, one page buffer a level: an interior
 * page stays in its buffer while its children are read below it, so every page is read
 * once. A row whose record lies wholly on its leaf is decoded in place; a row that spills
 * onto overflow pages is put together in one reusable buffer, and only as far as its
 * first ncols columns reach (a large value in a later column costs no reads).
 *
 * Every bound below comes from the format, not from what SQLite happens to write:
 * the usable size U = page size - reserved bytes >= 480, cells within [header end, U),
 * record headers within the payload, values within the payload.
 */
#include "store/page_scan.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "core/xalloc.h"

/* SQLite's own bound (BTCURSOR_MAX_DEPTH): a tree of 20 levels would need more pages
 * than a file can have. */
#define PS_MAX_DEPTH 20
#define PS_MAX_COLS  32767

struct level {
	unsigned char *page;
	uint32_t pgno;
	uint32_t ncell, next; /* interior: the next child to visit (ncell: the rightmost) */
	uint32_t hdr;	      /* offset of the page header: 100 on page 1, else 0 */
};

struct scan {
	ps_read_fn rd;
	void *rdctx;
	struct wb_error *err;
	uint32_t ps, usable, npages;
	uint64_t visits; /* pages read: more than npages means a cycle */
	struct level lv[PS_MAX_DEPTH];
	/* a record that spills: the local part and the overflow data up to `have` */
	unsigned char *rec;
	size_t reccap;
	unsigned char *ovfl; /* one overflow page */
	struct ps_value *vals;
	int ncols;
	uint64_t want; /* bit i: decode column i (columns from 64 on always) */
	int have_rowid;
	int64_t last_rowid;
};

/* ---- decoding ------------------------------------------------------------------ */

static uint32_t get2(const unsigned char *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t get4(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A varint at p, not reading at or past end. Returns its length, 0 when it runs past
 * end. Up to 8 bytes carry 7 bits each; a ninth carries 8. */
static inline int varint(const unsigned char *p, const unsigned char *end, uint64_t *v)
{
	if (p < end && p[0] < 0x80) { /* the common case: a record's serial types, sizes */
		*v = p[0];
		return 1;
	}
	uint64_t x = 0;
	for (int i = 0; i < 8; i++) {
		if (p + i >= end)
			return 0;
		x = x << 7 | (p[i] & 0x7f);
		if (!(p[i] & 0x80)) {
			*v = x;
			return i + 1;
		}
	}
	if (p + 8 >= end)
		return 0;
	*v = x << 8 | p[8];
	return 9;
}

/* Bytes of the value of a serial type; -1 for the reserved 10 and 11. */
static int64_t serial_size(uint64_t st)
{
	static const signed char fixed[12] = {0, 1, 2, 3, 4, 6, 8, 8, 0, 0, -1, -1};
	if (st < 12)
		return fixed[st];
	if (st > ((uint64_t)INT64_MAX))
		return -1;
	return (int64_t)((st - 12) / 2);
}

static int64_t get_int(const unsigned char *p, int n)
{
	/* sign from the first byte, then the rest big-endian */
	uint64_t u = (p[0] & 0x80) ? ~(uint64_t)0 : 0;
	for (int i = 0; i < n; i++)
		u = u << 8 | p[i];
	return (int64_t)u;
}

static inline void value_of(struct ps_value *v, uint64_t st, const unsigned char *p, size_t n)
{
	static const unsigned char width[7] = {0, 1, 2, 3, 4, 6, 8};
	if (st >= 12) { /* text and blobs first: most values of a person row */
		v->type = (st & 1) ? PS_TEXT : PS_BLOB;
		v->p = n ? p : NULL;
		v->n = n;
		return;
	}
	v->p = NULL;
	v->n = 0;
	if (st == 0) {
		v->type = PS_NULL;
	} else if (st <= 6) {
		v->type = PS_INT;
		v->i = get_int(p, width[st]);
	} else if (st == 7) {
		uint64_t u = (uint64_t)get_int(p, 8);
		v->type = PS_FLOAT;
		memcpy(&v->f, &u, sizeof(u));
	} else { /* 8 and 9; 10 and 11 were refused by serial_size */
		v->type = PS_INT;
		v->i = st == 9;
	}
}

/* ---- errors ---------------------------------------------------------------------- */

static int corrupt(struct scan *s, uint32_t pgno, const char *zh, const char *en)
{
	char zh2[200], en2[200];
	snprintf(zh2, sizeof(zh2), "数据库文件已损坏：%s（第 %u 页）", zh, pgno);
	snprintf(en2, sizeof(en2), "database file is damaged: %s (page %u)", en, pgno);
	return wb_error_set(s->err, WB_EINVAL, 422, "PS_CORRUPT", zh2, en2);
}

static int unsupported(struct scan *s, const char *zh, const char *en)
{
	return wb_error_set(s->err, WB_EINVAL, 422, "PS_UNSUPPORTED", zh, en);
}

static int read_at(struct scan *s, void *buf, size_t len, uint64_t off)
{
	int rc = s->rd(s->rdctx, buf, len, off);
	if (rc != 0) {
		if (rc > 0)
			rc = WB_EIO;
		return wb_error_set(s->err, rc, 500, "PS_IO", "读取数据库文件失败",
				    "reading the database file failed");
	}
	return 0;
}

/* Read page pgno (checked against the file) into buf. */
static int read_page(struct scan *s, uint32_t from, uint32_t pgno, unsigned char *buf)
{
	if (pgno < 1 || pgno > s->npages)
		return corrupt(s, from, "指向文件之外的页", "points at a page outside the file");
	if (++s->visits > s->npages)
		return corrupt(s, pgno, "页被重复引用（循环或共用）",
			       "pages are referred to more than once (a cycle or shared pages)");
	return read_at(s, buf, s->ps, (uint64_t)(pgno - 1) * s->ps);
}

/* ---- records ---------------------------------------------------------------------- */

/* Extend the spilled record in s->rec from *have bytes to at least want (<= total),
 * following the overflow chain from *next. s->rec grows only as far as is read. */
static int fill(struct scan *s, uint32_t leaf, size_t *have, size_t want, size_t total,
		uint32_t *next)
{
	uint32_t from = leaf; /* the page that names the next one, for the message */
	while (*have < want) {
		if (*next == 0)
			return corrupt(s, from, "溢出页链过短", "overflow chain ends too early");
		uint32_t pg = *next;
		int rc = read_page(s, from, pg, s->ovfl);
		if (rc)
			return rc;
		size_t n = s->usable - 4;
		if (n > total - *have)
			n = total - *have;
		if (s->reccap < *have + n) {
			size_t cap = 2 * s->reccap;
			if (cap < *have + n)
				cap = *have + n;
			if (cap > total)
				cap = total;
			s->rec = xrealloc(s->rec, cap);
			s->reccap = cap;
		}
		memcpy(s->rec + *have, s->ovfl + 4, n);
		*have += n;
		*next = get4(s->ovfl);
		from = pg;
	}
	return 0;
}

/* Decode the cell of a table leaf at off and pass its row to fn. */
static int leaf_cell(struct scan *s, const struct level *l, uint32_t off, ps_row_fn fn, void *ctx)
{
	const unsigned char *pg = l->page, *end = pg + s->usable;
	const unsigned char *c = pg + off;
	uint64_t total, urowid;
	int k = varint(c, end, &total);
	if (!k)
		return corrupt(s, l->pgno, "单元越出页面", "cell runs past the page");
	c += k;
	k = varint(c, end, &urowid);
	if (!k)
		return corrupt(s, l->pgno, "单元越出页面", "cell runs past the page");
	c += k;
	int64_t rowid = (int64_t)urowid;
	if (s->have_rowid && rowid <= s->last_rowid)
		return corrupt(s, l->pgno, "行号未按顺序排列", "rowids out of order");
	s->have_rowid = 1;
	s->last_rowid = rowid;

	/* the part of the payload on this page (fileformat2 1.6) */
	uint64_t U = s->usable, X = U - 35, local = total;
	if (total > X) {
		uint64_t M = ((U - 12) * 32 / 255) - 23;
		uint64_t K = M + ((total - M) % (U - 4));
		local = K <= X ? K : M;
	}
	if (local > (uint64_t)(end - c) || (local < total && (uint64_t)(end - c) < local + 4))
		return corrupt(s, l->pgno, "单元越出页面", "cell runs past the page");
	/* a payload longer than every page of the file could hold cannot be followed */
	if (total > (uint64_t)s->npages * U)
		return corrupt(s, l->pgno, "记录长度不可能", "impossible record length");

	const unsigned char *p = c; /* the record, as far as `have` */
	size_t have = (size_t)local;
	uint32_t next = 0;
	if (local < total) {
		next = get4(c + local);
		if (s->reccap < have) {
			s->reccap = have;
			s->rec = xrealloc(s->rec, s->reccap);
		}
		memcpy(s->rec, c, have);
		p = s->rec;
	}
	/* after each fill p is s->rec again: the buffer may have moved */

	/* the record header: its size, then a serial type per column */
	uint64_t hsize;
	int rc;
	if (have < total) {
		if ((rc = fill(s, l->pgno, &have, total < 9 ? total : 9, total, &next)))
			return rc;
		p = s->rec;
	}
	k = varint(p, p + have, &hsize);
	if (!k || hsize < (uint64_t)k || hsize > total)
		return corrupt(s, l->pgno, "记录头无效", "invalid record header");
	if (have < hsize) {
		if ((rc = fill(s, l->pgno, &have, (size_t)hsize, total, &next)))
			return rc;
		p = s->rec;
	}
	const unsigned char *h = p + k, *hend = p + hsize;
	uint64_t body = hsize;
	int n;
	/* A record wholly on the page is decoded in one pass. For one that spills, the first
	 * pass only finds where each value ends: the body may still have to be read from
	 * overflow pages, into s->rec, which may move as it grows. */
	int spilled = have < total;
	for (n = 0; n < s->ncols && h < hend; n++) {
		uint64_t st;
		k = varint(h, hend, &st);
		int64_t sz = k ? serial_size(st) : -1;
		if (sz < 0 || (uint64_t)sz > total - body)
			return corrupt(s, l->pgno, "记录头无效", "invalid record header");
		h += k;
		if (!spilled) {
			if (n >= 64 || (s->want >> n & 1))
				value_of(&s->vals[n], st, p + body, (size_t)sz);
			else
				s->vals[n].type = PS_NULL; /* not asked for: not decoded */
		} else {
			s->vals[n].i = (int64_t)st; /* kept here until the second pass */
			s->vals[n].n = (size_t)sz;
		}
		body += (uint64_t)sz;
	}
	if (spilled) {
		if (have < body) {
			if ((rc = fill(s, l->pgno, &have, (size_t)body, total, &next)))
				return rc;
			p = s->rec;
		}
		/* second pass: the values, all within p[0, have) now */
		size_t at = (size_t)hsize;
		for (int i = 0; i < n; i++) {
			uint64_t st = (uint64_t)s->vals[i].i;
			size_t sz = s->vals[i].n;
			if (i >= 64 || (s->want >> i & 1))
				value_of(&s->vals[i], st, p + at, sz);
			else
				s->vals[i].type = PS_NULL; /* not asked for: not decoded */
			at += sz;
		}
	}
	for (int i = n; i < s->ncols; i++)
		s->vals[i] = (struct ps_value){.type = PS_NULL};
	return fn(ctx, rowid, s->vals, s->ncols);
}

/* ---- pages ------------------------------------------------------------------------ */

/* Check the header and cell-pointer array of the page just read into l. */
static int page_check(struct scan *s, struct level *l)
{
	const unsigned char *h = l->page + l->hdr;
	if (h[0] != 0x05 && h[0] != 0x0D)
		return corrupt(s, l->pgno, "不是表的 B 树页", "not a table B-tree page");
	uint32_t hlen = h[0] == 0x05 ? 12 : 8;
	l->ncell = get2(h + 3);
	if ((uint64_t)l->hdr + hlen + 2 * (uint64_t)l->ncell > s->usable)
		return corrupt(s, l->pgno, "单元数超出页面", "too many cells for the page");
	l->next = 0;
	return 0;
}

/* The offset of cell i, checked to leave room for the smallest cell (4 bytes: what
 * SQLite allocates at least) before the end of the usable area. */
static int cell_at(struct scan *s, const struct level *l, uint32_t i, uint32_t *off)
{
	const unsigned char *h = l->page + l->hdr;
	uint32_t hlen = h[0] == 0x05 ? 12 : 8;
	uint32_t o = get2(h + hlen + 2 * i);
	if (o < l->hdr + hlen + 2 * l->ncell || o + 4 > s->usable)
		return corrupt(s, l->pgno, "单元偏移超出页面", "cell offset outside the page");
	*off = o;
	return 0;
}

static int push(struct scan *s, int depth, uint32_t from, uint32_t pgno)
{
	if (depth >= PS_MAX_DEPTH)
		return corrupt(s, from, "B 树过深", "B-tree too deep");
	struct level *l = &s->lv[depth];
	if (!l->page)
		l->page = xmalloc(s->ps);
	l->pgno = pgno;
	l->hdr = pgno == 1 ? 100 : 0;
	int rc = read_page(s, from, pgno, l->page);
	return rc ? rc : page_check(s, l);
}

static int walk(struct scan *s, uint32_t root, ps_row_fn fn, void *ctx)
{
	int depth = 0;
	int rc = push(s, 0, root, root);
	while (!rc) {
		struct level *l = &s->lv[depth];
		const unsigned char *h = l->page + l->hdr;
		uint32_t off;
		if (h[0] == 0x0D) {
			for (uint32_t i = 0; i < l->ncell && !rc; i++) {
				rc = cell_at(s, l, i, &off);
				if (!rc)
					rc = leaf_cell(s, l, off, fn, ctx);
			}
			if (rc)
				break;
		} else if (l->next <= l->ncell) {
			uint32_t child;
			if (l->next < l->ncell) {
				rc = cell_at(s, l, l->next, &off);
				if (rc)
					break;
				child = get4(l->page + off);
			} else {
				child = get4(h + 8);
			}
			l->next++;
			rc = push(s, depth + 1, l->pgno, child);
			if (!rc)
				depth++;
			continue;
		}
		/* this page is done */
		if (depth == 0)
			break;
		depth--;
	}
	return rc;
}

int page_scan_table(ps_read_fn rd, void *rdctx, uint32_t root_page, int ncols, ps_row_fn fn,
		    void *ctx, struct wb_error *err)
{
	return page_scan_columns(rd, rdctx, root_page, ncols, ~(uint64_t)0, fn, ctx, err);
}

int page_scan_columns(ps_read_fn rd, void *rdctx, uint32_t root_page, int ncols, uint64_t want,
		      ps_row_fn fn, void *ctx, struct wb_error *err)
{
	assert(rd && fn && ncols >= 0 && ncols <= PS_MAX_COLS);
	struct scan s = {.rd = rd, .rdctx = rdctx, .err = err, .ncols = ncols, .want = want};
	unsigned char h[100];
	int rc = read_at(&s, h, sizeof(h), 0);
	if (rc)
		return rc;
	uint32_t ps = get2(h + 16);
	if (ps == 1)
		ps = 65536;
	if (memcmp(h, "SQLite format 3", 16) != 0 || ps < 512 || (ps & (ps - 1)) ||
	    ps - h[20] < 480 || h[21] != 64 || h[22] != 32 || h[23] != 32)
		return unsupported(&s, "不是 SQLite 数据库文件", "not an SQLite database file");
	if (get4(h + 56) != 1)
		return unsupported(&s, "数据库的文本编码不是 UTF-8", "text encoding is not UTF-8");
	/* the in-header size is valid iff nonzero and the change counter matches
	 * version-valid-for (fileformat2 1.3.7); files of SQLite before 3.7.0 are refused
	 * rather than sized by a file size this module cannot see */
	s.npages = get4(h + 28);
	if (s.npages == 0 || get4(h + 24) != get4(h + 92))
		return unsupported(&s, "文件头中的页数无效",
				   "the header's page count is not valid");
	s.ps = ps;
	s.usable = ps - h[20];

	s.vals = xcalloc((size_t)ncols + 1, sizeof(*s.vals));
	s.ovfl = xmalloc(ps);
	rc = walk(&s, root_page, fn, ctx);
	for (int i = 0; i < PS_MAX_DEPTH; i++)
		free(s.lv[i].page);
	free(s.vals);
	free(s.ovfl);
	free(s.rec);
	return rc;
}
