/*
 * pagefile -- table and index B-trees written straight into an SQLite database file.
 * See pagefile.h; the format is https://www.sqlite.org/fileformat2.html.
 *
 * A tree builds its leaves one after the other in a buffered run of consecutive page
 * numbers (reserved from the file under its mutex, PF_RUN pages at a time, never the
 * lock-byte page) and writes a run with one pwrite when it is used up. Of the leaves it
 * keeps only what the upper levels need: each leaf's page number and, for a table, its
 * largest rowid; for an index, the dividers between consecutive leaves. The interior
 * levels are built at pf_tree_finish from those arrays; the top page goes into the root.
 */
#include "store/pagefile.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/xalloc.h"

#define PF_RUN		   64 /* pages reserved at a time by a tree */
#define PF_DEFAULT_PENDING 0x40000000LL

struct pf_range {
	uint32_t start, count;
};

struct pf_file {
	int fd;
	uint32_t ps, usable;
	uint32_t orig_pages; /* pages before the load: roots are among them */
	uint32_t npages;     /* database size in pages, lock page included */
	uint32_t lockpg;
	unsigned char hdr[100];
	pthread_mutex_t mu;
	struct pf_range *free; /* reserved, not used */
	size_t nfree, capfree;
	int ntrees;
};

struct pf_tree {
	struct pf_file *f;
	int index;
	uint32_t root;
	int bad_root;
	uint32_t ps, usable, maxrec;
	/* the run being filled */
	unsigned char *run;
	uint32_t run_start, run_len, run_used;
	struct pf_range *runs; /* every run reserved (for pf_tree_discard) */
	size_t nruns, capruns;
	/* the page under construction */
	unsigned char *rootbuf; /* first leaf while it is the only one; the top page */
	unsigned char *cur;
	uint32_t cur_pg; /* 0 while cur is rootbuf */
	uint32_t ncell, ptr_end, content;
	uint32_t last_off, last_size; /* the last cell added to cur */
	uint64_t nrows;
	int64_t last_rowid;
	/* one level of children: page numbers and separators (table: largest rowid of the
	 * child; index: number of the divider after the child) */
	uint32_t *pg;
	int64_t *sep;
	size_t n, cap;
	/* index dividers */
	unsigned char *dv;
	size_t dvlen, dvcap;
	size_t *dvoff;
	uint32_t *dvn;
	size_t ndv, dvcapn;
	/* index: an entry that did not fit, waiting for the next one */
	unsigned char *held;
	size_t heldn;
	int have_held;
};

/* ---- encoding ------------------------------------------------------------------ */

static void put2(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static void put4(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t get2(const unsigned char *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t get4(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int varint_len(uint64_t v)
{
	if (v <= 0x7f)
		return 1;
	if (v <= 0x3fff)
		return 2;
	if (v & 0xff00000000000000ULL)
		return 9;
	int n = 2;
	for (v >>= 14; v; v >>= 7)
		n++;
	return n;
}

static int put_varint(unsigned char *p, uint64_t v)
{
	if (v <= 0x7f) {
		p[0] = (unsigned char)v;
		return 1;
	}
	if (v <= 0x3fff) {
		p[0] = (unsigned char)((v >> 7) | 0x80);
		p[1] = (unsigned char)(v & 0x7f);
		return 2;
	}
	if (v & 0xff00000000000000ULL) {
		p[8] = (unsigned char)v;
		v >>= 8;
		for (int i = 7; i >= 0; i--) {
			p[i] = (unsigned char)((v & 0x7f) | 0x80);
			v >>= 7;
		}
		return 9;
	}
	int n = varint_len(v);
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (unsigned char)((v & 0x7f) | (i == n - 1 ? 0 : 0x80));
		v >>= 7;
	}
	return n;
}

size_t pf_max_table_record(uint32_t page_size)
{
	return page_size - 35;
}

size_t pf_max_index_record(uint32_t page_size)
{
	return (size_t)(page_size - 12) * 64 / 255 - 23;
}

static uint64_t serial_type(const struct pf_value *v, int *len)
{
	switch (v->type) {
	case PF_INT: {
		int64_t i = v->i;
		if (i == 0 || i == 1) {
			*len = 0;
			return i == 0 ? 8 : 9;
		}
		if (i >= -128 && i <= 127)
			return *len = 1, 1;
		if (i >= -32768 && i <= 32767)
			return *len = 2, 2;
		if (i >= -8388608 && i <= 8388607)
			return *len = 3, 3;
		if (i >= -2147483648LL && i <= 2147483647LL)
			return *len = 4, 4;
		if (i >= -140737488355328LL && i <= 140737488355327LL)
			return *len = 6, 5;
		return *len = 8, 6;
	}
	case PF_TEXT: *len = 0; return 13 + 2 * (uint64_t)v->n;
	case PF_BLOB: *len = 0; return 12 + 2 * (uint64_t)v->n;
	case PF_NULL:
	default: *len = 0; return 0;
	}
}

size_t pf_record(unsigned char *out, size_t cap, const struct pf_value *v, int n)
{
	size_t h = 0, body = 0;
	for (int i = 0; i < n; i++) {
		int len;
		uint64_t st = serial_type(&v[i], &len);
		h += (size_t)varint_len(st);
		body += (v[i].type == PF_TEXT || v[i].type == PF_BLOB) ? v[i].n : (size_t)len;
	}
	size_t hs = 1;
	while ((size_t)varint_len(h + hs) > hs)
		hs++;
	size_t total = h + hs + body;
	if (total > cap)
		return 0;
	unsigned char *p = out + put_varint(out, h + hs);
	unsigned char *b = out + h + hs;
	for (int i = 0; i < n; i++) {
		int len;
		uint64_t st = serial_type(&v[i], &len);
		p += put_varint(p, st);
		if (v[i].type == PF_TEXT || v[i].type == PF_BLOB) {
			if (v[i].n)
				memcpy(b, v[i].p, v[i].n);
			b += v[i].n;
		} else if (v[i].type == PF_INT) {
			uint64_t u = (uint64_t)v[i].i;
			for (int k = len - 1; k >= 0; k--) {
				b[k] = (unsigned char)u;
				u >>= 8;
			}
			b += len;
		}
	}
	return total;
}

/* ---- the file ------------------------------------------------------------------- */

static int pwrite_all(int fd, const void *buf, size_t n, off_t off)
{
	const unsigned char *p = buf;
	while (n) {
		ssize_t w = pwrite(fd, p, n, off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w, n -= (size_t)w, off += w;
	}
	return 0;
}

static int pread_all(int fd, void *buf, size_t n, off_t off)
{
	unsigned char *p = buf;
	while (n) {
		ssize_t r = pread(fd, p, n, off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r, n -= (size_t)r, off += r;
	}
	return 0;
}

static int io_error(struct wb_error *err)
{
	return wb_error_set(err, WB_EIO, 500, "PF_IO", "数据库文件读写失败",
			    "database file read or write failed");
}

static int refuse(struct wb_error *err, const char *zh, const char *en)
{
	return wb_error_set(err, WB_EINVAL, 422, "PF_UNSUPPORTED", zh, en);
}

/* A file beside the database (-wal, -journal) that is not empty. */
static int side_file_busy(const char *path, const char *suffix)
{
	size_t n = strlen(path), m = strlen(suffix);
	char *p = xmalloc(n + m + 1);
	memcpy(p, path, n);
	memcpy(p + n, suffix, m + 1);
	struct stat st;
	int busy = stat(p, &st) == 0 && st.st_size > 0;
	if (busy && suffix[1] == 'j') {
		/* a journal is hot only with its magic (PERSIST mode zeroes the header) */
		static const unsigned char magic[8] = {0xd9, 0xd5, 0x05, 0xf9,
						       0x20, 0xa1, 0x63, 0xd7};
		unsigned char h[8] = {0};
		int fd = open(p, O_RDONLY | O_CLOEXEC);
		busy = fd < 0 || pread_all(fd, h, 8, 0) != 0 || memcmp(h, magic, 8) == 0;
		if (fd >= 0)
			close(fd);
	}
	free(p);
	return busy;
}

struct pf_file *pf_open(const char *path, int64_t pending_byte, struct wb_error *err)
{
	if (pending_byte <= 0)
		pending_byte = PF_DEFAULT_PENDING;
	if (side_file_busy(path, "-wal") || side_file_busy(path, "-journal")) {
		refuse(err, "数据库仍有未完成的日志（-wal 或 -journal）",
		       "the database has a pending -wal or hot -journal file");
		return NULL;
	}
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		io_error(err);
		return NULL;
	}
	unsigned char h[100];
	struct stat st;
	if (fstat(fd, &st) != 0 || st.st_size < 100 || pread_all(fd, h, 100, 0) != 0) {
		close(fd);
		io_error(err);
		return NULL;
	}
	const char *why_zh = NULL, *why_en = NULL;
	uint32_t ps = get2(h + 16);
	if (ps == 1)
		ps = 65536;
	uint32_t usable = ps - h[20];
	if (memcmp(h, "SQLite format 3", 16) != 0 || ps < 512 || ps > 65536 || (ps & (ps - 1)) ||
	    usable < 480)
		why_zh = "不是 SQLite 数据库文件", why_en = "not an SQLite database file";
	else if (get4(h + 44) != 4)
		why_zh = "数据库的模式格式不是 4", why_en = "schema format is not 4";
	else if (get4(h + 52) != 0 || get4(h + 64) != 0)
		why_zh = "数据库启用了自动清理（auto_vacuum）",
		why_en = "the database uses auto_vacuum";
	else if (get4(h + 56) != 1)
		why_zh = "数据库的文本编码不是 UTF-8", why_en = "text encoding is not UTF-8";
	else if (get4(h + 32) != 0 || get4(h + 36) != 0)
		why_zh = "数据库的空闲页列表不为空", why_en = "the freelist is not empty";
	uint64_t file_pages = ((uint64_t)st.st_size + ps - 1) / (ps ? ps : 1);
	uint32_t npages = get4(h + 28);
	if (!why_zh) {
		/* the in-header size is valid iff nonzero and the change counter matches
		 * version-valid-for; otherwise SQLite takes the file size */
		if (npages == 0 || get4(h + 24) != get4(h + 92))
			npages = (uint32_t)file_pages;
		else if (npages > file_pages)
			why_zh = "数据库文件比文件头所述的短",
			why_en = "the file is shorter than its header says";
	}
	if (why_zh) {
		close(fd);
		refuse(err, why_zh, why_en);
		return NULL;
	}
	struct pf_file *f = xcalloc(1, sizeof(*f));
	f->fd = fd;
	f->ps = ps;
	f->usable = usable;
	f->orig_pages = f->npages = npages;
	f->lockpg = (uint32_t)(pending_byte / ps + 1);
	memcpy(f->hdr, h, 100);
	pthread_mutex_init(&f->mu, NULL);
	return f;
}

uint32_t pf_page_size(const struct pf_file *f)
{
	return f->ps;
}

/* Reserve up to want consecutive page numbers after the last page, skipping the lock
 * page. Returns the first; *count gets how many. */
static uint32_t reserve_run(struct pf_file *f, uint32_t want, uint32_t *count)
{
	pthread_mutex_lock(&f->mu);
	uint32_t start = f->npages + 1;
	if (start == f->lockpg)
		start++;
	uint32_t n = want;
	if (start < f->lockpg && start + n > f->lockpg)
		n = f->lockpg - start;
	f->npages = start + n - 1;
	pthread_mutex_unlock(&f->mu);
	*count = n;
	return start;
}

static void give_back(struct pf_file *f, uint32_t start, uint32_t count)
{
	if (!count)
		return;
	pthread_mutex_lock(&f->mu);
	if (f->nfree == f->capfree) {
		f->capfree = f->capfree ? 2 * f->capfree : 16;
		f->free = xrealloc(f->free, f->capfree * sizeof(*f->free));
	}
	f->free[f->nfree++] = (struct pf_range){start, count};
	pthread_mutex_unlock(&f->mu);
}

static int range_cmp(const void *a, const void *b)
{
	const struct pf_range *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

void pf_discard(struct pf_file *f)
{
	if (!f)
		return;
	close(f->fd);
	pthread_mutex_destroy(&f->mu);
	free(f->free);
	free(f);
}

int pf_close(struct pf_file *f, int wal, struct wb_error *err)
{
	int rc = 0;
	if (f->ntrees) {
		rc = wb_error_set(err, WB_EINTERNAL, 500, "PF_TREES_OPEN", "仍有未完成的 B 树",
				  "B-trees are still being built");
		goto out;
	}
	/* The free pages: trunks (each the first of its group) with up to U/4-8 leaves
	 * each (what SQLite itself writes; readers accept U/4-2). */
	if (f->nfree)
		qsort(f->free, f->nfree, sizeof(*f->free), range_cmp);
	uint64_t total = 0;
	for (size_t i = 0; i < f->nfree; i++)
		total += f->free[i].count;
	uint32_t per_trunk = f->usable / 4 - 8, first_trunk = 0;
	unsigned char *tp = xmalloc(f->ps);
	size_t ri = 0;
	uint32_t rj = 0; /* position in f->free[ri] */
	uint64_t left = total;
	uint32_t prev_trunk = 0;
	unsigned char *prev = xcalloc(1, f->ps);
	while (left) {
		while (rj == f->free[ri].count)
			ri++, rj = 0;
		uint32_t trunk = f->free[ri].start + rj++;
		left--;
		if (prev_trunk) {
			put4(prev, trunk);
			if (pwrite_all(f->fd, prev, f->ps, (off_t)(prev_trunk - 1) * f->ps) != 0)
				goto io;
		} else {
			first_trunk = trunk;
		}
		memset(tp, 0, f->ps);
		uint32_t nl = left < per_trunk ? (uint32_t)left : per_trunk;
		put4(tp + 4, nl);
		for (uint32_t k = 0; k < nl; k++) {
			while (rj == f->free[ri].count)
				ri++, rj = 0;
			put4(tp + 8 + 4 * k, f->free[ri].start + rj++);
		}
		left -= nl;
		memcpy(prev, tp, f->ps);
		prev_trunk = trunk;
	}
	if (prev_trunk && pwrite_all(f->fd, prev, f->ps, (off_t)(prev_trunk - 1) * f->ps) != 0)
		goto io;
	free(tp), tp = NULL;
	free(prev), prev = NULL;
	struct stat st;
	off_t want = (off_t)f->npages * f->ps;
	if (fstat(f->fd, &st) != 0 || (st.st_size < want && ftruncate(f->fd, want) != 0))
		goto io;
	unsigned char *h = f->hdr;
	uint32_t counter = get4(h + 24) + 1;
	h[18] = h[19] = wal ? 2 : 1;
	put4(h + 24, counter);
	put4(h + 28, f->npages);
	put4(h + 32, first_trunk);
	put4(h + 36, (uint32_t)total);
	put4(h + 92, counter);
	put4(h + 96, (uint32_t)sqlite3_libversion_number());
	if (pwrite_all(f->fd, h, 100, 0) != 0 || fsync(f->fd) != 0)
		goto io;
	goto out;
io:
	free(tp);
	free(prev);
	rc = io_error(err);
out:
	if (close(f->fd) != 0 && rc == 0)
		rc = io_error(err);
	f->fd = -1;
	pthread_mutex_destroy(&f->mu);
	free(f->free);
	free(f);
	return rc;
}

/* ---- trees ---------------------------------------------------------------------- */

static struct pf_tree *tree_new(struct pf_file *f, uint32_t root, int index)
{
	struct pf_tree *t = xcalloc(1, sizeof(*t));
	t->f = f;
	t->index = index;
	t->root = root;
	t->ps = f->ps;
	t->usable = f->usable;
	t->maxrec = index ? (uint32_t)((size_t)(t->usable - 12) * 64 / 255 - 23) : t->usable - 35;
	t->rootbuf = xcalloc(1, t->ps);
	t->cur = t->rootbuf;
	pthread_mutex_lock(&f->mu);
	f->ntrees++;
	pthread_mutex_unlock(&f->mu);
	/* the root must be an existing, empty leaf of the right kind */
	unsigned char ph[8];
	t->bad_root = root < 2 || root > f->orig_pages || root == f->lockpg ||
		      pread_all(f->fd, ph, 8, (off_t)(root - 1) * f->ps) != 0 ||
		      ph[0] != (index ? 0x0A : 0x0D) || get2(ph + 3) != 0;
	return t;
}

static void leaf_start(struct pf_tree *t)
{
	t->ncell = 0;
	t->ptr_end = 8;
	t->content = t->usable;
}

struct pf_tree *pf_table(struct pf_file *f, uint32_t root)
{
	struct pf_tree *t = tree_new(f, root, 0);
	leaf_start(t);
	return t;
}

struct pf_tree *pf_index(struct pf_file *f, uint32_t root)
{
	struct pf_tree *t = tree_new(f, root, 1);
	leaf_start(t);
	t->held = xmalloc(t->maxrec);
	return t;
}

static int flush_run(struct pf_tree *t)
{
	if (!t->run_used)
		return 0;
	off_t off = (off_t)(t->run_start - 1) * t->ps;
	size_t n = (size_t)t->run_used * t->ps;
	int rc = pwrite_all(t->f->fd, t->run, n, off);
	/* Start writing the run to disk now (asynchronously: POSIX_FADV_DONTNEED on dirty pages
	 * only starts their writeback; they stay cached), so that pf_close's fsync does not
	 * wait for the whole file: measured, that fsync was a sixth of a 10 M-person load. */
	if (!rc)
		posix_fadvise(t->f->fd, off, (off_t)n, POSIX_FADV_DONTNEED);
	t->run_used = 0;
	return rc;
}

/* The next page slot of the run (flushing a used-up run first); 0 on a write error. */
static unsigned char *slot(struct pf_tree *t, uint32_t *pgno)
{
	if (t->run_used == t->run_len) {
		if (flush_run(t) != 0)
			return NULL;
		if (!t->run)
			t->run = xcalloc(PF_RUN, t->ps);
		t->run_start = reserve_run(t->f, PF_RUN, &t->run_len);
		if (t->nruns == t->capruns) {
			t->capruns = t->capruns ? 2 * t->capruns : 8;
			t->runs = xrealloc(t->runs, t->capruns * sizeof(*t->runs));
		}
		t->runs[t->nruns++] = (struct pf_range){t->run_start, t->run_len};
	}
	*pgno = t->run_start + t->run_used;
	return t->run + (size_t)t->run_used++ * t->ps;
}

static void push_child(struct pf_tree *t, uint32_t pg, int64_t sep)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 256;
		t->pg = xrealloc(t->pg, t->cap * sizeof(*t->pg));
		t->sep = xrealloc(t->sep, t->cap * sizeof(*t->sep));
	}
	t->pg[t->n] = pg;
	t->sep[t->n++] = sep;
}

static void push_divider(struct pf_tree *t, const unsigned char *rec, size_t n)
{
	if (t->dvlen + n > t->dvcap) {
		t->dvcap = t->dvcap ? 2 * t->dvcap : 65536;
		while (t->dvlen + n > t->dvcap)
			t->dvcap *= 2;
		t->dv = xrealloc(t->dv, t->dvcap);
	}
	if (t->ndv == t->dvcapn) {
		t->dvcapn = t->dvcapn ? 2 * t->dvcapn : 256;
		t->dvoff = xrealloc(t->dvoff, t->dvcapn * sizeof(*t->dvoff));
		t->dvn = xrealloc(t->dvn, t->dvcapn * sizeof(*t->dvn));
	}
	memcpy(t->dv + t->dvlen, rec, n);
	t->dvoff[t->ndv] = t->dvlen;
	t->dvn[t->ndv++] = (uint32_t)n;
	t->dvlen += n;
}

/* Write the header of the page under construction (leaf or interior). */
static void page_close(struct pf_tree *t, unsigned char *p, unsigned char type, uint32_t right)
{
	p[0] = type;
	p[1] = p[2] = 0;
	put2(p + 3, t->ncell);
	put2(p + 5, t->content == 65536 ? 0 : t->content);
	p[7] = 0;
	if (right)
		put4(p + 8, right);
	memset(p + t->ptr_end, 0, t->content - t->ptr_end);
}

/* The current leaf is complete: give it a page (the first leaf moves out of rootbuf)
 * and start the next one in a new slot. */
static int leaf_next(struct pf_tree *t, int64_t sep)
{
	page_close(t, t->cur, t->index ? 0x0A : 0x0D, 0);
	uint32_t pg;
	if (!t->cur_pg) {
		unsigned char *s = slot(t, &pg);
		if (!s)
			return -1;
		memcpy(s, t->rootbuf, t->ps);
		push_child(t, pg, sep);
	} else {
		push_child(t, t->cur_pg, sep);
	}
	t->cur = slot(t, &t->cur_pg);
	if (!t->cur)
		return -1;
	leaf_start(t);
	return 0;
}

/* Put a cell of size sz (the bytes are written by the caller at the returned place). */
static unsigned char *cell_put(struct pf_tree *t, uint32_t sz)
{
	t->content -= sz;
	put2(t->cur + t->ptr_end, t->content);
	t->ptr_end += 2;
	t->ncell++;
	t->last_off = t->content;
	t->last_size = sz;
	return t->cur + t->content;
}

static int bad_root(struct wb_error *err)
{
	return refuse(err, "根页不是空的叶子页", "the root page is not an empty leaf page");
}

static int too_big(struct wb_error *err)
{
	return wb_error_set(err, WB_EINVAL, 422, "PF_RECORD_TOO_BIG", "记录超过一页能容纳的大小",
			    "record too large for a page without overflow");
}

int pf_table_add(struct pf_tree *t, int64_t rowid, const unsigned char *rec, size_t n,
		 struct wb_error *err)
{
	if (t->bad_root)
		return bad_root(err);
	if (n == 0 || n > t->maxrec)
		return too_big(err);
	if (t->nrows && rowid <= t->last_rowid)
		return wb_error_set(err, WB_EINVAL, 422, "PF_ORDER", "行号未严格递增",
				    "rowids are not strictly increasing");
	uint32_t hl = (uint32_t)(varint_len(n) + varint_len((uint64_t)rowid));
	uint32_t sz = hl + (uint32_t)n;
	if (sz < 4)
		sz = 4;
	if (sz + 2 > t->content - t->ptr_end && leaf_next(t, t->last_rowid) != 0)
		return io_error(err);
	unsigned char *c = cell_put(t, sz);
	c += put_varint(c, n);
	c += put_varint(c, (uint64_t)rowid);
	memcpy(c, rec, n);
	if (hl + n < 4)
		memset(c + n, 0, 4 - hl - n);
	t->last_rowid = rowid;
	t->nrows++;
	return 0;
}

static void index_cell(struct pf_tree *t, const unsigned char *rec, size_t n)
{
	uint32_t hl = (uint32_t)varint_len(n), sz = hl + (uint32_t)n;
	if (sz < 4)
		sz = 4;
	unsigned char *c = cell_put(t, sz);
	c += put_varint(c, n);
	memcpy(c, rec, n);
	if (hl + n < 4)
		memset(c + n, 0, 4 - hl - n);
}

static int index_fits(const struct pf_tree *t, size_t n)
{
	uint32_t sz = (uint32_t)(varint_len(n) + n);
	if (sz < 4)
		sz = 4;
	return sz + 2 <= t->content - t->ptr_end;
}

int pf_index_add(struct pf_tree *t, const unsigned char *rec, size_t n, struct wb_error *err)
{
	if (t->bad_root)
		return bad_root(err);
	if (n == 0 || n > t->maxrec)
		return too_big(err);
	if (t->have_held) {
		/* the held entry divides the full leaf from the one this entry starts */
		push_divider(t, t->held, t->heldn);
		t->have_held = 0;
		if (leaf_next(t, (int64_t)t->ndv - 1) != 0)
			return io_error(err);
		index_cell(t, rec, n);
	} else if (index_fits(t, n)) {
		index_cell(t, rec, n);
	} else {
		memcpy(t->held, rec, n);
		t->heldn = n;
		t->have_held = 1;
	}
	t->nrows++;
	return 0;
}

static uint32_t icell_size(const struct pf_tree *t, int64_t sep)
{
	if (!t->index)
		return 4 + (uint32_t)varint_len((uint64_t)sep);
	uint32_t n = t->dvn[sep];
	return 4 + (uint32_t)varint_len(n) + n;
}

/* Build the interior levels above t->pg/t->sep (n >= 2); the top page into rootbuf. */
static int build_levels(struct pf_tree *t)
{
	uint32_t cap = t->usable - 12;
	unsigned char type = t->index ? 0x02 : 0x05;
	while (t->n > 1) {
		size_t n = t->n, np = 0;
		size_t *ends = xmalloc((n / 2 + 2) * sizeof(*ends));
		for (size_t i = 0; i < n;) {
			uint32_t used = 0;
			while (i < n - 1) {
				uint32_t c = icell_size(t, t->sep[i]) + 2;
				if (used + c > cap)
					break;
				used += c;
				i++;
			}
			ends[np++] = i++;
		}
		/* no page without cells: the last one takes the previous page's last cell */
		if (np >= 2 && ends[np - 2] + 1 == ends[np - 1])
			ends[np - 2]--;
		uint32_t *npg = xmalloc(np * sizeof(*npg));
		int64_t *nsep = xmalloc(np * sizeof(*nsep));
		size_t start = 0;
		for (size_t k = 0; k < np; k++) {
			unsigned char *p;
			uint32_t pg = 0;
			if (np == 1) {
				p = t->rootbuf;
			} else {
				p = slot(t, &pg);
				if (!p) {
					free(ends), free(npg), free(nsep);
					return -1;
				}
			}
			t->cur = p;
			t->ncell = 0;
			t->ptr_end = 12;
			t->content = t->usable;
			for (size_t i = start; i < ends[k]; i++) {
				unsigned char *c = cell_put(t, icell_size(t, t->sep[i]));
				put4(c, t->pg[i]);
				if (t->index) {
					uint32_t dn = t->dvn[t->sep[i]];
					c += 4 + put_varint(c + 4, dn);
					memcpy(c, t->dv + t->dvoff[t->sep[i]], dn);
				} else {
					put_varint(c + 4, (uint64_t)t->sep[i]);
				}
			}
			page_close(t, p, type, t->pg[ends[k]]);
			npg[k] = pg;
			nsep[k] = t->sep[ends[k]];
			start = ends[k] + 1;
		}
		free(ends);
		free(t->pg);
		free(t->sep);
		t->pg = npg;
		t->sep = nsep;
		t->n = t->cap = np;
	}
	return 0;
}

static void tree_free(struct pf_tree *t)
{
	pthread_mutex_lock(&t->f->mu);
	t->f->ntrees--;
	pthread_mutex_unlock(&t->f->mu);
	free(t->run);
	free(t->runs);
	free(t->rootbuf);
	free(t->pg);
	free(t->sep);
	free(t->dv);
	free(t->dvoff);
	free(t->dvn);
	free(t->held);
	free(t);
}

int pf_tree_finish(struct pf_tree *t, struct wb_error *err)
{
	int rc = 0;
	if (t->bad_root) {
		rc = bad_root(err);
		goto out;
	}
	if (!t->nrows)
		goto out;
	if (t->have_held) {
		/* nothing follows the held entry: the last entry of the current leaf divides
		 * it from a last leaf holding the held one */
		uint32_t off = t->last_off;
		const unsigned char *c = t->cur + off;
		uint64_t len = 0;
		int k = 0;
		while (c[k] & 0x80) /* index records are < 2^21 bytes: no 9-byte varints */
			len = len << 7 | (c[k++] & 0x7f);
		len = len << 7 | c[k++];
		push_divider(t, c + k, (size_t)len);
		t->ncell--;
		t->ptr_end -= 2;
		t->content += t->last_size;
		t->have_held = 0;
		if (leaf_next(t, (int64_t)t->ndv - 1) != 0) {
			rc = io_error(err);
			goto out;
		}
		index_cell(t, t->held, t->heldn);
	}
	if (t->cur_pg) {
		page_close(t, t->cur, t->index ? 0x0A : 0x0D, 0);
		push_child(t, t->cur_pg, t->last_rowid);
		if (build_levels(t) != 0) {
			rc = io_error(err);
			goto out;
		}
	} else {
		page_close(t, t->rootbuf, t->index ? 0x0A : 0x0D, 0);
	}
	uint32_t unused = t->run_len - t->run_used;
	if (flush_run(t) != 0 ||
	    pwrite_all(t->f->fd, t->rootbuf, t->ps, (off_t)(t->root - 1) * t->ps) != 0) {
		rc = io_error(err);
		goto out;
	}
	give_back(t->f, t->run_start + t->run_len - unused, unused);
out:
	tree_free(t);
	return rc;
}

void pf_tree_discard(struct pf_tree *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nruns; i++)
		give_back(t->f, t->runs[i].start, t->runs[i].count);
	tree_free(t);
}
