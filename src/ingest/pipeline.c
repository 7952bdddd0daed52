/*
 * pipeline -- the import of one extract (see pipeline.h).
 *
 * Per row, two phases: resolve (parse every role's values, find or decide each person,
 * build the facts) touches nothing; apply writes. A reason found in the first phase
 * rejects the row before anything is written, so a row is never half applied.
 *
 * Two threads. The reading thread (reader_main) reads the file, finds each sheet's
 * header and runs the first part of phase one on every data row (parse_row: values,
 * checks, facts, duplicates inside the file; it reads nothing stored) and works out the
 * keyed hashes of the rows' ID numbers; it hands the rows over a chunk (at most one
 * batch) at a time. The store thread (the caller's) takes each chunk in file order,
 * looks its ID numbers up together, with the found persons' facts and relations
 * (store_imports_prefetch), inside the batch's transaction, then links (link_row: by ID
 * number, relatives, review decisions, linkage) and applies the rows one by one against
 * that cache (store/import_cache.h), and commits at the batch's end. Two chunks go back
 * and forth (struct relay), so the reader is at most one batch ahead and memory stays
 * flat. The rows' outcomes are those of one thread doing it all in file order: phase
 * one's first part depends on the rows before only, never on stored data. If the store
 * thread fails, the reader stops at its next chunk; if the reader fails (a header
 * missing on a later sheet), its error comes after the rows read before it.
 */
#include "ingest/pipeline.h"

#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/secret.h"
#include "core/timeutil.h"
#include "core/utf8.h"
#include "core/xalloc.h"
#include "domain/idno.h"
#include "domain/person.h"
#include "domain/region.h"
#include "ingest/address.h"
#include "ingest/matcher.h"
#include "ingest/normalize.h"
#include "ingest/profile.h"
#include "ingest/table.h"
#include "store/audit.h"
#include "store/facts.h"
#include "store/imports.h"
#include "store/regions.h"
#include "store/relations.h"
#include "store/reviews.h"
#include "store/store.h"

/* BATCH_ROWS: rows per transaction unless the request says otherwise. Bigger batches
 * spread the commit and the batch look-ups over more rows; 10 000 rows hold the write
 * lock for well under a second. */
enum { HEADER_SEARCH_ROWS = 20, VALUE_MAX = 256, BATCH_ROWS = 10000 };
/* The ceiling of a batch's buffered rows: wide or long rows (up to the reader's 1 MiB a
 * row) are processed early, within the same transaction, instead of piling up. */
enum { PENDING_MAX_BYTES = 32 << 20, PENDING_MAX_CELLS = 1 << 20 };

/* What phase one decided for one role of a row. */
struct role_plan {
	int present;
	struct import_values v;
	struct import_person cur; /* when found */
	int found;		  /* 1: cur is the stored person */
	int64_t person_id;	  /* after apply */
	int64_t id_at; /* its ID number's place in the chunk's look-up (chunk.ids), or -1 */
};

struct fact_plan {
	int role;
	char type[40], value[VALUE_MAX], from[11], to[11];
};

/* The data rows of one batch, read but not yet processed: their cells back to back
 * (NUL-terminated), so the batch's persons can be looked up together before its rows
 * are resolved one by one. */
struct pending {
	char *text;
	size_t len, cap;
	size_t *cell_at, *cell_len; /* every row's cells in turn */
	size_t ncells, cells_cap;
	struct pending_row {
		size_t first_cell, ncells;
		int64_t number;
		int sheet;
	} * rows;
	size_t n, rows_cap;
	/* scratch for one row as a table_row */
	const char **cells;
	size_t *lens;
	size_t scratch_cap;
};

/* One data row as the reading thread hands it over: rejected already (errs[err]), or
 * parsed, its values (vals[first_val], one a role) and facts (facts[first_fact]) ready for
 * linking and applying. */
struct prow {
	int status; /* 0 or WB_EINVAL */
	uint32_t err, first_val, first_fact;
	unsigned char nfacts, present;	    /* present: bit r for role r */
	uint32_t school[PROFILE_MAX_ROLES]; /* 1 + offset of the school's name, 0 none */
};

/* A chunk of rows on their way from the reading thread to the store thread: at most one
 * batch, or the rows up to a sheet's end, or up to PENDING_MAX_*. */
struct chunk {
	struct pending raw; /* the rows' cells, for reasons, reviews and the record */
	struct prow *rows;  /* raw.n */
	size_t rows_cap;
	struct import_values *vals;
	size_t nvals, vals_cap;
	struct fact_plan *facts;
	size_t nfacts, facts_cap;
	struct chunk_reject { /* why a row was rejected, and whom it names (if one can tell) */
		struct wb_error err;
		char id_number[IDNO_LEN + 1]; /* the subject's, when valid; "" otherwise */
	} * errs;
	size_t nerrs, errs_cap;
	char *schools;
	size_t slen, scap;
	/* the ID numbers to look up before the rows, with their keyed hashes */
	char (*ids)[IDNO_LEN + 1];
	unsigned char (*hashes)[SECRET_HASH_BYTES];
	unsigned char *want;
	size_t nids, ids_cap;
	char *header; /* a sheet's header (JSON), to record before the rows; NULL none */
	int header_sheet;
	int hashed; /* hashes holds the keyed hashes (else the store thread works them out) */
	int commit; /* the batch ends with this chunk */
	int end;    /* the last chunk */
	int rc;	    /* the reader failed (err): nothing of this chunk applies */
	struct wb_error err;
	int64_t data_rows;    /* data rows met when the chunk was handed over */
	uint64_t done, total; /* bytes read, of */
};

enum { RELAY_CHUNKS = 2 };

struct relay {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct chunk ch[RELAY_CHUNKS];
	int full[RELAY_CHUNKS];
	size_t put;	   /* the next chunk the reader fills */
	int stop;	   /* the store thread gave up: the reader ends */
	int go;		   /* the import is started: the reader may hand rows over */
	int store_waited;  /* the store thread waited for a chunk since the reader took one */
	int64_t skip_rows; /* resumed: data rows applied before (set with go) */
	int started;	   /* the thread runs */
	pthread_t th;
	struct pipe *rd; /* the reader's pipe */
};

/* Rows seen in this file, for duplicates: key → first row number. One slot holds all
 * three, so a probe touches one cache line; 16 bytes (a 1 M-row file's two tables: 96 MB
 * that the kernel clears, not 144). Row numbers past 2^32 - 1 are kept as that. */
struct seen {
	struct seen_slot {
		uint64_t key;
		uint32_t row;	/* 0: empty */
		uint32_t check; /* a second hash: tells apart rows whose first hashes collide */
	} * slots;
	size_t cap, n;
};

struct dup_keys {
	uint64_t row_key, id_key[PROFILE_MAX_ROLES];
	uint32_t row_check, id_check[PROFILE_MAX_ROLES];
	unsigned char has_id[PROFILE_MAX_ROLES];
};

/* The reading thread's last row, in its chunk but not yet checked for duplicates: where
 * its parts begin in the chunk, to take them back if it is one. */
struct dup_pending {
	int active;
	int64_t rowno;
	struct dup_keys k;
	size_t row, nvals, nids, nfacts, slen;
};

struct file_hashing; /* the file's hash, on a thread of its own (hash_start) */

struct pipe {
	struct store *st;
	const struct wb_scope *sc;
	const struct import_request *rq;
	struct import_result *res;
	struct profile prof;
	struct import_meta meta;
	struct file_hashing *hashing;
	double commit_seconds; /* in the batches' commits (the import's log) */
	struct address_index addr;
	struct matcher *link; /* built on the first row without an ID number */
	int link_built;
	struct table_reader *tr;
	int sheet;
	int have_header;
	int colmap[1024]; /* table column → profile column, -1 unused */
	int conflict;	  /* load_values: a field two columns give differently, or -1 */
	size_t ncols;
	const char *values[PROFILE_MAX_COLUMNS];
	size_t vallen[PROFILE_MAX_COLUMNS]; /* strlen(values[c]) when values[c] is set */
	char valbuf[PROFILE_MAX_COLUMNS][VALUE_MAX];
	/* from the profile, once (plan_columns): each role's column of each field (-1 none)
	 * and the role's word in reasons, which every row would look up otherwise */
	int role_col[PROFILE_MAX_ROLES][PF_COUNT];
	const char *who[PROFILE_MAX_ROLES];
	/* the reading thread: each role's ID number in the row before and its keyed hash
	 * (siblings follow one another: a quarter of the parents' numbers repeat) */
	char last_id[PROFILE_MAX_ROLES][IDNO_LEN + 1];
	char last_addr[VALUE_MAX]; /* parse_region: the last text matched, and its region */
	const char *last_addr_code;
	int last_addr_set;
	int extract_parsed; /* check_minor: 0 not yet, 1 extract_day holds meta.extract_date */
	int64_t extract_day;
	unsigned char last_hash[PROFILE_MAX_ROLES][SECRET_HASH_BYTES];
	struct role_plan roles[PROFILE_MAX_ROLES];
	struct fact_plan facts[PROFILE_MAX_FACTS];
	int nfacts;
	struct seen seen_rows, seen_ids;
	struct import_cache *cache; /* NULL when deciding a review */
	struct relay *relay;	    /* the reading thread's pipe: the chunks */
	int defer_school;	    /* the reading thread: keep school names in school[] */
	char school[PROFILE_MAX_ROLES][VALUE_MAX];
	unsigned char wants[PROFILE_MAX_ROLES]; /* role_wants, for the look-ups */
	uint64_t done, total;			/* bytes read, for progress */
	int64_t file_rows;			/* rows of the file (header and title rows too) */
	int64_t skip_rows;			/* resumed: data rows already applied */
	int64_t data_rows;			/* data rows met so far */
	struct wb_error rowerr;
	struct dup_pending dup; /* the reading thread */
	int64_t id_cursor;	/* the store thread: the next ID number of the chunk's look-up */
	const struct table_row *row;
	char **fact_types;
	int nfact_types, last_fact_type;
	/* Deciding a review (import_review_decide): this role is the given person, or a
	 * new one when force_person is 0; -1 in an import. */
	int force_role;
	int64_t force_person;
};

/* ---- small helpers --------------------------------------------------------------------- */

/* The duplicate checks' hashes (struct seen's key and check): two at once, a word of 8
 * bytes a step (a multiply and a shift each), so that a row of ten values costs a few
 * dozen steps rather than two multiplies a byte. Values are added one by one, each with
 * its length, so "ab","c" and "a","bc" differ. */
struct dup_hash {
	uint64_t key, check;
};

static void dup_hash_word(struct dup_hash *h, uint64_t w)
{
	h->key = (h->key ^ w) * 0x9e3779b97f4a7c15ULL;
	h->key ^= h->key >> 32;
	h->check = (h->check ^ w) * 0xff51afd7ed558ccdULL;
	h->check ^= h->check >> 29;
}

static uint64_t load_bytes(const char *s, size_t n)
{
	uint64_t w = 0;
	memcpy(&w, s, n);
	return w;
}

static void dup_hash_add(struct dup_hash *h, const char *s, size_t n)
{
	size_t i = 0;
	for (; i + 8 <= n; i += 8)
		dup_hash_word(h, load_bytes(s + i, 8));
	/* The last bytes as one word, the way wyhash reads them: the last 8 (overlapping the
	 * words before), two 4-byte halves, or the first, middle and last byte; with n they
	 * tell every value apart, and no byte loop is needed. */
	const unsigned char *u = (const unsigned char *)s;
	uint64_t w;
	if (i == n)
		w = 0;
	else if (n >= 8)
		w = load_bytes(s + n - 8, 8);
	else if (n >= 4)
		w = load_bytes(s, 4) | load_bytes(s + n - 4, 4) << 32;
	else
		w = (uint64_t)u[0] << 16 | (uint64_t)u[n / 2] << 8 | u[n - 1];
	dup_hash_word(h, w);
	dup_hash_word(h, n);
}

/* Insert key; returns the first row that had it, or 0 when new. With by_key, a key is
 * the same whatever its check, and *other tells whether the stored check differs. */
static void seen_grow(struct seen *s, size_t cap)
{
	struct seen big = {.cap = cap, .n = s->n};
	big.slots = xcalloc_huge(big.cap, sizeof(*big.slots));
	for (size_t i = 0; i < s->cap; i++)
		if (s->slots[i].row) {
			size_t j = s->slots[i].key & (cap - 1);
			while (big.slots[j].row)
				j = (j + 1) & (cap - 1);
			big.slots[j] = s->slots[i];
		}
	free(s->slots);
	*s = big;
}

/* Room for about n keys without growing (an estimate: at most 1 << 22 slots reserved). */
static void seen_reserve(struct seen *s, int64_t n)
{
	size_t cap = 4096;
	while (cap < (1u << 22) && (size_t)n * 4 >= cap * 3)
		cap *= 2;
	if (cap > s->cap)
		seen_grow(s, cap);
}

static int64_t seen_find(struct seen *s, uint64_t key, uint32_t check, int64_t row, int by_key,
			 int *other)
{
	if ((s->n + 1) * 4 >= s->cap * 3) /* linear probing stays short up to 3/4 full */
		seen_grow(s, s->cap ? s->cap * 2 : 4096);
	size_t i = key & (s->cap - 1);
	for (; s->slots[i].row; i = (i + 1) & (s->cap - 1)) {
		const struct seen_slot *e = &s->slots[i];
		if (e->key == key && (by_key || e->check == check)) {
			if (other)
				*other = e->check != check;
			return e->row;
		}
	}
	s->slots[i] = (struct seen_slot){key, row < UINT32_MAX ? (uint32_t)row : UINT32_MAX, check};
	s->n++;
	return 0;
}

static int64_t seen_put(struct seen *s, uint64_t key, uint32_t check, int64_t row)
{
	return seen_find(s, key, check, row, 0, NULL);
}

static void seen_free(struct seen *s)
{
	free(s->slots);
}

/* s, or its first cap − 1 bytes, into out: snprintf's "%s" without the format machinery
 * (this runs for every role of every row). */
static void copy_str(char *out, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(out, s, n);
	out[n] = 0;
}

/* A wb_error as wb_error_clear leaves it, without clearing all its buffers (this runs
 * for every row and role). */
static void err_reset(struct wb_error *e)
{
	e->status = 0;
	e->code[0] = e->message[0] = e->message_en[0] = 0;
	e->ndetails = 0;
}

static void add_reason(struct import_result *res, const struct wb_error *e)
{
	for (int i = 0; i < res->nreasons; i++)
		if (!strcmp(res->reasons[i].code, e->code)) {
			res->reasons[i].count++;
			return;
		}
	if (res->nreasons == IMPORT_MAX_REASONS)
		return;
	struct import_reason *r = &res->reasons[res->nreasons++];
	snprintf(r->code, sizeof(r->code), "%s", e->code);
	utf8_copy(r->zh, sizeof(r->zh), e->message);
	utf8_copy(r->en, sizeof(r->en), e->message_en);
	r->count = 1;
}

__attribute__((format(printf, 4, 5))) static int row_fail(struct pipe *p, const char *code,
							  const char *en, const char *zhfmt, ...)
{
	char zh[256];
	va_list ap;
	va_start(ap, zhfmt);
	vsnprintf(zh, sizeof(zh), zhfmt, ap);
	va_end(ap);
	/* a reason may quote the value (a phone typed wrong is the phone all the same): it is
	 * stored in clear and shown to colleagues, so its numbers are masked */
	char masked[sizeof(zh)];
	idno_mask_text(masked, zh);
	wb_error_set(&p->rowerr, WB_EINVAL, 422, code, masked, en);
	return WB_EINVAL;
}

static char *cells_json(const struct table_row *row)
{
	json_t *a = json_array();
	for (size_t i = 0; i < row->ncells; i++)
		json_array_append_new(a, json_stringn(row->cells[i], row->lens[i]));
	char *s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

/* ---- headers ----------------------------------------------------------------------------- */

static int try_header(struct pipe *p, const struct table_row *row)
{
	int matched = 0;
	size_t n = row->ncells < 1024 ? row->ncells : 1024;
	for (size_t i = 0; i < n; i++) {
		/* Two headers may name one field ("身份证号" and "公民身份号码"): load_values
		 * takes the first that is filled in, and refuses a row where they differ. */
		p->colmap[i] = profile_match_header(&p->prof, row->cells[i]);
		int again = 0; /* a header row names at least two different fields */
		for (size_t j = 0; p->colmap[i] >= 0 && j < i && !again; j++)
			again = p->colmap[j] == p->colmap[i];
		matched += p->colmap[i] >= 0 && !again;
	}
	if (matched < 2)
		return 0;
	p->ncols = n;
	p->have_header = 1;
	return 1;
}

/* "第 2 个工作表" / "sheet 2" of a workbook, "文件" / "the file" of a CSV. */
static void sheet_words(const struct pipe *p, char *zh, size_t zcap, char *en, size_t ecap)
{
	if (p->tr && table_format_of(p->tr) != TABLE_XLSX) {
		snprintf(zh, zcap, "文件");
		snprintf(en, ecap, "the file");
	} else {
		snprintf(zh, zcap, "第 %d 个工作表", p->sheet + 1);
		snprintf(en, ecap, "sheet %d", p->sheet + 1);
	}
}

static int missing_header(struct pipe *p, struct wb_error *err)
{
	/* The required columns must be in the header; say which is missing. */
	for (int r = 0; r < p->prof.nrequired; r++) {
		int c = p->prof.required[r], found = 0;
		for (size_t i = 0; i < p->ncols; i++)
			found |= p->colmap[i] == c;
		if (!found) {
			char zh[256], en[256], where[48], where_en[32];
			sheet_words(p, where, sizeof(where), where_en, sizeof(where_en));
			snprintf(zh, sizeof(zh), "%s的表头中缺少必需的列“%s”", where,
				 p->prof.columns[c].aliases[0]);
			snprintf(en, sizeof(en), "%s: the header lacks the required column '%s'",
				 where_en, p->prof.columns[c].aliases[0]);
			return wb_error_set(err, WB_EINVAL, 422, "IMPORT_COLUMN_MISSING", zh, en);
		}
	}
	return 0;
}

/* ---- phase one: resolve ----------------------------------------------------------------- */

static const char *val(struct pipe *p, int column)
{
	return column >= 0 && p->values[column] ? p->values[column] : "";
}

static int role_column(const struct profile *pr, int role, int field)
{
	for (int c = 0; c < pr->ncolumns; c++)
		if (pr->columns[c].role == role && pr->columns[c].field == field)
			return c;
	return -1;
}

static const char *role_val(struct pipe *p, int role, int field)
{
	return val(p, p->role_col[role][field]);
}

/* How a role is named in a reason: nothing for the row's subject, else its Chinese word. */
static const char *role_label(const struct profile *pr, int r)
{
	static const char *const names[][2] = {{"child", "子女"},  {"father", "父亲"},
					       {"mother", "母亲"}, {"guardian", "监护人"},
					       {"man", "男方"},	   {"woman", "女方"}};
	if (r == 0)
		return "";
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(pr->roles[r], names[i][0]))
			return names[i][1];
	return pr->roles[r];
}

/* After profile_load: what role_val and the reasons need of the profile, worked out once. */
static void plan_columns(struct pipe *p)
{
	for (int r = 0; r < PROFILE_MAX_ROLES; r++) {
		for (int f = 0; f < PF_COUNT; f++)
			p->role_col[r][f] = role_column(&p->prof, r, f);
		p->who[r] = r < p->prof.nroles ? role_label(&p->prof, r) : "";
	}
}

static int parse_identity(struct pipe *p, int r, struct import_values *v)
{
	const char *who = p->who[r];
	const char *id = role_val(p, r, PF_ID_NUMBER);
	struct wb_error e;
	err_reset(&e);
	if (*id && idno_normalize(v->id_number, id, &e))
		return row_fail(p, e.code, e.message_en, "%s身份证号有误：%s", who, e.message);
	const char *name = role_val(p, r, PF_NAME);
	if (*name && person_check_name(v->name, name))
		return row_fail(p, "NAME_INVALID", "invalid name", "%s姓名无效", who);
	int g = norm_gender(role_val(p, r, PF_GENDER));
	if (g < 0)
		return row_fail(p, "GENDER_INVALID", "unrecognised gender", "%s性别无法识别：%s",
				who, role_val(p, r, PF_GENDER));
	v->gender = (char)g;
	const char *bd = role_val(p, r, PF_BIRTH_DATE);
	if (*bd && norm_date(v->birth_date, bd, 0))
		return row_fail(p, "DATE_INVALID", "invalid birth date", "%s出生日期无效：%s", who,
				bd);
	if (v->id_number[0]) {
		char idb[11];
		idno_birth_date(idb, v->id_number);
		char idg = idno_gender(v->id_number);
		if (v->birth_date[0] && strcmp(idb, v->birth_date))
			return row_fail(p, "ID_BIRTH_MISMATCH",
					"birth date disagrees with the ID number",
					"%s出生日期（%s）与身份证号不一致", who, v->birth_date);
		if (v->gender && v->gender != idg)
			return row_fail(p, "ID_GENDER_MISMATCH",
					"gender disagrees with the ID number",
					"%s性别与身份证号不一致", who);
		memcpy(v->birth_date, idb, sizeof(idb));
		v->gender = idg;
	}
	return 0;
}

static int parse_region(struct pipe *p, int r, int field, char out[REGION_CODE_MAX + 1],
			int required)
{
	const char *text = role_val(p, r, field);
	if (!*text)
		return 0;
	/* neighbours share a village: the last text's match is taken again (address_match
	 * depends on the text and the area only) */
	const char *code;
	if (p->last_addr_set && !strcmp(text, p->last_addr)) {
		code = p->last_addr_code;
	} else {
		code = address_match(&p->addr, text);
		copy_str(p->last_addr, sizeof(p->last_addr), text, strlen(text));
		p->last_addr_code = code;
		p->last_addr_set = strlen(text) < sizeof(p->last_addr);
	}
	if (code) {
		copy_str(out, REGION_CODE_MAX + 1, code, strlen(code));
		return 0;
	}
	if (!required)
		return 0; /* a residence outside the area is kept out of the record */
	return row_fail(p, "REGION_UNKNOWN", "the address names no region of the area",
			"%s无法识别为本地区的乡镇或村：%s",
			field == PF_HOUSEHOLD ? "户籍地" : "地址", text);
}

static int parse_other(struct pipe *p, int r, struct import_values *v)
{
	const char *who = p->who[r];
	const char *eth = role_val(p, r, PF_ETHNICITY);
	if (*eth && ethnicity_normalize(v->ethnicity, eth))
		return row_fail(p, "ETHNICITY_UNKNOWN", "unknown ethnicity", "%s民族无法识别：%s",
				who, eth);
	const char *ph = role_val(p, r, PF_PHONE);
	if (*ph && norm_phone(v->phone, ph))
		return row_fail(p, "PHONE_INVALID", "invalid phone number", "%s联系电话无效：%s",
				who, ph);
	if (parse_region(p, r, PF_HOUSEHOLD, v->household_region, 1) ||
	    parse_region(p, r, PF_RESIDENCE, v->residence_region, 0))
		return WB_EINVAL;
	const char *school = role_val(p, r, PF_SCHOOL);
	if (p->defer_school) { /* the reading thread: the store thread looks it up */
		size_t n = strlen(school);
		memcpy(p->school[r], school, n < VALUE_MAX ? n + 1 : 1);
	} else if (*school)
		v->school_unit_id = store_imports_school(p->st, p->meta.region, school);
	return 0;
}

static int role_present(struct pipe *p, int r)
{
	for (int c = 0; c < p->prof.ncolumns; c++)
		if (p->prof.columns[c].role == r && *val(p, c))
			return 1;
	return 0;
}

static int check_minor(struct pipe *p, int r, const struct import_values *v)
{
	int64_t b, at;
	if (p->prof.minor_role != r || !v->birth_date[0])
		return 0;
	if (!p->extract_parsed) /* the same for every row */
		p->extract_parsed = date_parse(p->meta.extract_date, &p->extract_day) ? -1 : 1;
	if (date_parse(v->birth_date, &b) || p->extract_parsed < 0)
		return 0;
	at = p->extract_day;
	if (date_age(b, at) >= 18)
		return row_fail(p, "NOT_MINOR", "not a minor on the extract date",
				"%s在名单日期已年满18周岁", role_label(&p->prof, r));
	return 0;
}

/* Stored identity must agree with the row: a different name or birth date under the
 * same ID number is a contradiction an officer has to look at. */
static int check_contradiction(struct pipe *p, int r, const struct role_plan *rp)
{
	const char *who = role_label(&p->prof, r);
	if (rp->v.name[0] && strcmp(rp->v.name, rp->cur.name))
		return row_fail(p, "ID_NAME_CONFLICT", "same ID number, different stored name",
				"%s身份证号已登记，但库中姓名不同", who);
	if (rp->v.birth_date[0] && rp->cur.birth_date[0] &&
	    strcmp(rp->v.birth_date, rp->cur.birth_date))
		return row_fail(p, "BIRTH_CONFLICT", "different stored birth date",
				"%s出生日期与库中记录（%s）不一致", who, rp->cur.birth_date);
	return 0;
}

static int ensure_link_index(struct pipe *p, struct wb_error *err);

/* A role without an ID number that the profile relates to a person already found (a
 * child's mother named in a 户籍 row; a prisoner's child named in a 司法 row) is that
 * person's relative of the same name when one is stored; otherwise, unless it is the
 * row's subject, a new person. Returns 0 when decided, 1 when the subject goes on to
 * linkage, or a negative store error. */
static int find_relative(struct pipe *p, int r, struct role_plan *rp, struct wb_error *err)
{
	for (int i = 0; i < p->prof.nrelations; i++) {
		const struct profile_relation *rel = &p->prof.relations[i];
		int other = rel->child == r ? rel->adult : rel->adult == r ? rel->child : -1;
		if (other < 0 || !p->roles[other].found)
			continue;
		int64_t id = store_imports_relative(p->st, p->roles[other].cur.id, rel->child == r,
						    rel->kind, rp->v.name);
		if (!id)
			continue;
		int rc = store_imports_person_get(p->st, p->sc, id, &rp->cur, err);
		if (rc)
			return rc;
		rp->found = 1;
		return 0;
	}
	if (r == 0)
		return 1;
	for (int i = 0; i < p->prof.nrelations; i++) { /* a parent's gender from the kind */
		const struct profile_relation *rel = &p->prof.relations[i];
		if (rel->adult == r && !rp->v.gender)
			rp->v.gender = !strcmp(rel->kind, "father")   ? 'M'
				       : !strcmp(rel->kind, "mother") ? 'F'
								      : 0;
	}
	return 0;
}

static char *cells_json(const struct table_row *row);

/* The same row was doubtful before and an officer decided it: that person, when still
 * within the importer's scope (1; rp filled), else 0 and linkage decides. */
static int remembered(struct pipe *p, int r, struct role_plan *rp)
{
	struct wb_error e;
	char *cells = cells_json(p->row);
	int64_t id = cells ? store_imports_decided(p->st, p->meta.id, p->prof.roles[r],
						   rp->v.household_region, cells)
			   : 0;
	free(cells);
	wb_error_clear(&e);
	if (!id || store_imports_person_get(p->st, p->sc, id, &rp->cur, &e))
		return 0;
	rp->found = 1;
	return 1;
}

/* Find the person of a role: by ID number, else by linkage. Returns 0, WB_EINVAL
 * (rejected, p->rowerr), 1 (needs review: candidates in *review) or a store error. */
static int find_person(struct pipe *p, int r, struct role_plan *rp, char **review,
		       struct wb_error *err)
{
	if (rp->v.id_number[0]) {
		size_t at = rp->id_at >= 0 ? (size_t)rp->id_at : SIZE_MAX;
		int rc = store_imports_find_by_id(p->st, p->sc, p->cache, at, rp->v.id_number,
						  &rp->cur, err);
		if (rc < 0)
			return rc;
		rp->found = rc == 1;
		if (rp->found && !rp->cur.in_scope)
			return row_fail(p, "PERSON_OUT_OF_SCOPE", "registered outside your area",
					"%s已在其他辖区登记，请联系其所在地处理",
					role_label(&p->prof, r));
		return rp->found ? check_contradiction(p, r, rp) : 0;
	}
	if (!rp->v.name[0])
		return row_fail(p, "NAME_MISSING", "no ID number and no name",
				"%s既无身份证号也无姓名", role_label(&p->prof, r));
	int rc = find_relative(p, r, rp, err);
	if (rc <= 0)
		return rc;
	if (p->row && remembered(p, r, rp))
		return 0;
	if ((rc = ensure_link_index(p, err)))
		return rc;
	struct link_result out;
	matcher_find(p->link, rp->v.name, rp->v.birth_date, rp->v.gender,
		     rp->v.household_region[0] ? rp->v.household_region : p->meta.region, &out);
	if (out.decision == LINK_MATCH) {
		if ((rc = store_imports_person_get(p->st, p->sc, out.cand[0].id, &rp->cur, err)))
			return rc;
		rp->found = 1;
		return 0;
	}
	if (out.decision == LINK_REVIEW) {
		*review = matcher_candidates_json(&out);
		return 1;
	}
	if (!rp->v.birth_date[0] || !rp->v.gender)
		return row_fail(p, "IDENTITY_INSUFFICIENT",
				"without an ID number, name, gender and birth date are needed",
				"%s无身份证号时，需要姓名、性别和出生日期才能登记",
				role_label(&p->prof, r));
	return 0;
}

/* The officer's decision on a review stands in for linkage. */
static int forced_person(struct pipe *p, struct role_plan *rp, struct wb_error *err)
{
	if (!p->force_person)
		return 0; /* a new person */
	int rc = store_imports_person_get(p->st, p->sc, p->force_person, &rp->cur, err);
	if (rc)
		return rc;
	rp->found = 1;
	return 0;
}

static int known_fact_type(struct pipe *p, const char *t)
{
	/* a profile states few types: the last one found is tried first */
	if (p->last_fact_type < p->nfact_types && !strcmp(p->fact_types[p->last_fact_type], t))
		return 1;
	for (int i = 0; i < p->nfact_types; i++)
		if (!strcmp(p->fact_types[i], t)) {
			p->last_fact_type = i;
			return 1;
		}
	return 0;
}

/* Expand a template; a referenced column with a map goes through it. NULL text (the
 * value is not in the map) makes the row fail. */
static int render(struct pipe *p, const struct profile_template *t, char *out, size_t cap)
{
	size_t o = 0;
	out[0] = 0;
	for (const char *q = t->text; *q;) {
		if (*q != '{') {
			if (o + 1 < cap)
				out[o++] = *q;
			q++;
			continue;
		}
		const char *end = strchr(q, '}');
		size_t klen = (size_t)(end - q - 1);
		if (klen > PROFILE_NAME_MAX - 1)
			klen = PROFILE_NAME_MAX - 1; /* as the copy into a key buffer cut it */
		int c = -1;
		for (int i = 0; i < p->prof.ncolumns; i++) {
			const char *k = p->prof.columns[i].key;
			if ((!klen || k[0] == q[1]) && !strncmp(k, q + 1, klen) && !k[klen])
				c = i;
		}
		const char *v = val(p, c);
		const char *m = *v ? profile_map_value(&p->prof, c, v) : "";
		if (!m)
			return row_fail(p, "VALUE_UNKNOWN", "a value the profile cannot map",
					"“%s”列的取值“%s”无法识别", p->prof.columns[c].aliases[0],
					v);
		size_t k = strlen(m);
		if (o + k >= cap)
			return row_fail(p, "VALUE_TOO_LONG", "value too long", "“%s”列的取值过长",
					p->prof.columns[c].aliases[0]);
		memcpy(out + o, m, k);
		o += k;
		q = end + 1;
	}
	out[o] = 0;
	return 0;
}

static int plan_fact(struct pipe *p, const struct profile_fact *f)
{
	struct fact_plan *fp = &p->facts[p->nfacts];
	char from[64], to[64];
	memset(fp, 0, sizeof(*fp));
	if (!p->roles[f->role].present)
		return 0;
	if (render(p, &f->type, fp->type, sizeof(fp->type)))
		return WB_EINVAL;
	if (!fp->type[0] || !strcmp(fp->type, "-"))
		return 0; /* the row states nothing of this kind */
	if (!known_fact_type(p, fp->type))
		return row_fail(p, "FACT_TYPE_UNKNOWN", "unknown fact type",
				"事实类型“%s”不存在（请检查导入模板）", fp->type);
	if (render(p, &f->value, fp->value, sizeof(fp->value)) ||
	    render(p, &f->from, from, sizeof(from)) || render(p, &f->to, to, sizeof(to)))
		return WB_EINVAL;
	if (from[0] && norm_date(fp->from, from, 1))
		return row_fail(p, "DATE_INVALID", "invalid start date", "起始日期无效：%s", from);
	if (to[0] && norm_date(fp->to, to, 1))
		return row_fail(p, "DATE_INVALID", "invalid end date", "终止日期无效：%s", to);
	if (fp->from[0] && fp->to[0] && strcmp(fp->to, fp->from) < 0)
		return row_fail(p, "DATE_RANGE", "end before start", "终止日期早于起始日期");
	if (!strcmp(fp->type, "disability") &&
	    (strlen(fp->value) != 3 || fp->value[0] < '1' || fp->value[0] > '7' ||
	     fp->value[1] != '-' || fp->value[2] < '1' || fp->value[2] > '4'))
		return row_fail(p, "VALUE_UNKNOWN", "disability category or grade unknown",
				"残疾类别或等级无法识别：%s", fp->value);
	fp->role = f->role;
	p->nfacts++;
	return 0;
}

/* Start fetching the slot a look-up of key will probe first: the tables hold every row
 * and ID number of the file, far larger than the caches, so each probe is a wait for
 * memory. A row's four are fetched together, and the reading thread probes them only
 * when the next row comes (dup_pending), so that the wait overlaps with reading it. */
static void seen_prefetch(const struct seen *s, uint64_t key)
{
	if (s->cap)
		__builtin_prefetch(&s->slots[key & (s->cap - 1)]);
}

/* Whole-row duplicates, and one ID number with two different names in the file: the
 * row's keys (dup_keys, fetched ahead), then the look-ups in row order (dup_probe). */
static void dup_keys(struct pipe *p, struct dup_keys *k)
{
	struct dup_hash h = {14695981039346656037ULL, 2166136261u};
	for (int c = 0; c < p->prof.ncolumns; c++)
		dup_hash_add(&h, val(p, c), p->values[c] ? p->vallen[c] : 0);
	k->row_key = h.key, k->row_check = (uint32_t)h.check;
	seen_prefetch(&p->seen_rows, h.key);
	for (int r = 0; r < p->prof.nroles; r++) {
		const struct import_values *v = &p->roles[r].v;
		if (!(k->has_id[r] = v->id_number[0] != 0))
			continue;
		struct dup_hash id = {1469598103934665603ULL, 0}, name = {0, 7};
		dup_hash_add(&id, v->id_number, IDNO_LEN);
		dup_hash_add(&name, v->name, strlen(v->name));
		k->id_key[r] = id.key, k->id_check[r] = (uint32_t)name.check;
		seen_prefetch(&p->seen_ids, k->id_key[r]);
	}
}

static int dup_probe(struct pipe *p, const struct dup_keys *k, int64_t rowno)
{
	int64_t first = seen_put(&p->seen_rows, k->row_key, k->row_check, rowno);
	if (first)
		return row_fail(p, "DUPLICATE_ROW", "the same row appears earlier in the file",
				"与文件中第 %" PRId64 " 行重复", first);
	for (int r = 0; r < p->prof.nroles; r++) {
		if (!k->has_id[r])
			continue;
		/* Same ID with the same name is fine (one prisoner, two children); another name
		 * than the first row's under that ID number is not. One entry per ID number. */
		int other = 0;
		int64_t b = seen_find(&p->seen_ids, k->id_key[r], k->id_check[r], rowno, 1, &other);
		if (b && other)
			return row_fail(p, "DUPLICATE_ID", "one ID number, two names in the file",
					"%s身份证号与第 %" PRId64 " 行相同但姓名不同",
					role_label(&p->prof, r), b);
	}
	return 0;
}

static int check_duplicates(struct pipe *p, int64_t rowno)
{
	struct dup_keys k;
	dup_keys(p, &k);
	return dup_probe(p, &k, rowno);
}

/* Phase one, first part, the row on its own (nothing stored is read; the duplicates are
 * parse_row's): 0 ready, WB_EINVAL rejected (p->rowerr). */
static int parse_row_alone(struct pipe *p)
{
	if (p->conflict >= 0)
		return row_fail(p, "FIELD_CONFLICT", "two columns of one field differ",
				"两列都是“%s”，但取值不同",
				p->prof.columns[p->conflict].aliases[0]);
	for (int i = 0; i < p->prof.nrequired; i++)
		if (!*val(p, p->prof.required[i]))
			return row_fail(p, "FIELD_MISSING", "a required field is empty",
					"缺少必填项“%s”",
					p->prof.columns[p->prof.required[i]].aliases[0]);
	memset(p->roles, 0, (size_t)p->prof.nroles * sizeof(p->roles[0])); /* the rest stay 0 */
	for (int r = 0; r < p->prof.nroles; r++)
		p->roles[r].id_at = -1; /* looked up by ID number when it comes to that */
	for (int r = 0; r < p->prof.nroles; r++) {
		struct role_plan *rp = &p->roles[r];
		if (!(rp->present = role_present(p, r)))
			continue;
		if (parse_identity(p, r, &rp->v) || parse_other(p, r, &rp->v) ||
		    check_minor(p, r, &rp->v))
			return WB_EINVAL;
		if (!rp->v.household_region[0])
			copy_str(rp->v.household_region, sizeof(rp->v.household_region),
				 p->meta.region, strlen(p->meta.region));
	}
	if (!p->roles[0].present)
		return row_fail(p, "FIELD_MISSING", "the row names nobody",
				"该行没有姓名或身份证号");
	p->nfacts = 0;
	for (int i = 0; i < p->prof.nfacts; i++)
		if (plan_fact(p, &p->prof.facts[i]))
			return WB_EINVAL;
	for (int i = 0; i < p->prof.nrelations; i++) {
		const struct profile_relation *rel = &p->prof.relations[i];
		const struct role_plan *a = &p->roles[rel->adult];
		if (p->roles[rel->child].present && a->present && !strcmp(rel->kind, "parent") &&
		    a->v.gender != 'M' && a->v.gender != 'F')
			return row_fail(p, "GENDER_MISSING",
					"gender needed to tell father from mother",
					"需要%s的性别（或身份证号）才能确定是父亲还是母亲",
					role_label(&p->prof, rel->adult));
	}
	return 0;
}

/* Phase one, first part: parse and check the row on its own and against the rows before
 * it (nothing stored is read). 0 ready, WB_EINVAL rejected (p->rowerr). */
static int parse_row(struct pipe *p, int64_t rowno)
{
	int rc = parse_row_alone(p);
	return rc ? rc : check_duplicates(p, rowno) ? WB_EINVAL : 0;
}

/* Phase one, second part: find or decide each person of a parsed row (reads the store).
 * 0 ready, WB_EINVAL rejected, 1 review, <0 store error. */
static int link_row(struct pipe *p, char **review, int *review_role, struct wb_error *err)
{
	/* Roles with an ID number first: the others may be found as their relatives. */
	for (int pass = 0; pass < 2; pass++)
		for (int r = 0; r < p->prof.nroles; r++) {
			struct role_plan *rp = &p->roles[r];
			if (!rp->present || (pass == 0) != (rp->v.id_number[0] != 0))
				continue;
			int rc;
			if (r == p->force_role)
				rc = forced_person(p, rp, err);
			else
				rc = find_person(p, r, rp, review, err);
			if (rc == 1 && p->force_role >= 0)
				return row_fail(p, "REVIEW_OTHER_DOUBTFUL",
						"another person of the row is doubtful too",
						"该行中的%s也无法确定是哪一个人，请修正后重新导入",
						role_label(&p->prof, r));
			if (rc == 1)
				*review_role = r;
			if (rc)
				return rc;
		}
	return 0;
}

/* Phase one for a row. 0 ready, WB_EINVAL rejected, 1 review, <0 store error. */
static int resolve(struct pipe *p, int64_t rowno, char **review, int *review_role,
		   struct wb_error *err)
{
	int rc = parse_row(p, rowno);
	return rc ? rc : link_row(p, review, review_role, err);
}

/* ---- phase two: apply ------------------------------------------------------------------- */

static int apply_role(struct pipe *p, int r, int64_t rowno, struct wb_error *err)
{
	struct role_plan *rp = &p->roles[r];
	enum import_action a;
	int rc;
	if (!rp->found) {
		if ((rc = store_imports_person_create(p->st, p->sc, p->cache, p->meta.id, rowno,
						      &rp->v, &rp->person_id, err)))
			return rc;
		a = IMPORT_CREATED;
		p->res->created++;
	} else {
		int changed;
		rp->person_id = rp->cur.id;
		if ((rc = store_imports_person_fill(p->st, p->cache, p->meta.id, rowno, &rp->cur,
						    &rp->v, &changed, err)))
			return rc;
		a = changed		 ? IMPORT_UPDATED
		    : rp->v.id_number[0] ? IMPORT_UNCHANGED
					 : IMPORT_LINKED;
		if (changed)
			p->res->updated++;
		else if (a == IMPORT_LINKED)
			p->res->linked++;
		else
			p->res->unchanged++;
	}
	return store_imports_row(p->st, p->cache, p->meta.id, p->sheet, rowno, rp->person_id,
				 p->prof.roles[r], a, err);
}

static int apply(struct pipe *p, int64_t rowno, struct wb_error *err)
{
	int rc;
	for (int r = 0; r < p->prof.nroles; r++)
		if (p->roles[r].present && (rc = apply_role(p, r, rowno, err)))
			return rc;
	for (int i = 0; i < p->prof.nrelations; i++) {
		const struct profile_relation *rel = &p->prof.relations[i];
		const struct role_plan *c = &p->roles[rel->child], *a = &p->roles[rel->adult];
		if (!c->present || !a->present)
			continue;
		const char *kind = rel->kind;
		if (!strcmp(kind, "parent"))
			kind = a->v.gender == 'F' ? "mother" : "father";
		int added;
		if ((rc = store_imports_relation(p->st, p->cache, p->meta.id, c->person_id,
						 a->person_id, kind, rel->guardian, rel->lives_with,
						 &added, err)))
			return rc;
		p->res->relations_added += added;
	}
	for (int i = 0; i < p->nfacts; i++) {
		const struct fact_plan *fp = &p->facts[i];
		struct import_fact f = {fp->type, fp->value, fp->from, fp->to};
		enum import_fact_result fr;
		if ((rc = store_imports_fact(p->st, p->cache, p->meta.id, p->prof.name,
					     p->meta.source_unit_id, rowno,
					     p->roles[fp->role].person_id, &f, &fr, err)))
			return rc;
		if (fr == FACT_ADDED)
			p->res->facts_added++;
		else if (fr == FACT_REPLACED)
			p->res->facts_replaced++;
		else
			p->res->facts_unchanged++;
	}
	return 0;
}

/* ---- one row ------------------------------------------------------------------------------ */

/* The bytes that may start or end what norm_trim takes off: ASCII blanks, and the first
 * and last bytes of U+3000 (E3 80 80). */
static const unsigned char TRIM_EDGE[256] = {
	[' '] = 1, ['\t'] = 1, ['\r'] = 1, ['\n'] = 1, [0xe3] = 1, [0x80] = 1};

/* Two ID numbers that normalise to the same (one typed full-width, say). */
static int same_id(const struct pipe *p, int c, const char *v)
{
	char a[IDNO_LEN + 1], b[IDNO_LEN + 1];
	return p->prof.columns[c].field == PF_ID_NUMBER && p->prof.columns[c].role >= 0 &&
	       !idno_normalize(a, v, NULL) && !idno_normalize(b, p->values[c], NULL) &&
	       !strcmp(a, b);
}

/* A second column of field c (its header names the field again): 0 when the value
 * loaded first stands (this one is empty or says the same; else p->conflict = c), 1 when
 * this one is to be loaded instead (the first was empty). */
static int same_value(struct pipe *p, int c, const char *cell)
{
	char v[VALUE_MAX];
	if (norm_trim(v, sizeof(v), cell) < 0)
		snprintf(v, sizeof(v), "%s", cell);
	if (!p->vallen[c])
		return 1;
	if (v[0] && strcmp(v, p->values[c]) && !same_id(p, c, v))
		p->conflict = c;
	return 0;
}

static void load_values(struct pipe *p, const struct table_row *row)
{
	memset(p->values, 0, sizeof(p->values));
	p->conflict = -1;
	for (size_t i = 0; i < row->ncells && i < p->ncols; i++) {
		int c = p->colmap[i];
		if (c < 0 || (p->values[c] && !same_value(p, c, row->cells[i])))
			continue;
		const unsigned char *cell = (const unsigned char *)row->cells[i];
		size_t n = row->lens[i]; /* a cell holds no NUL (table.h) */
		int k;
		if (n < VALUE_MAX && !TRIM_EDGE[cell[0]] && !TRIM_EDGE[cell[n ? n - 1 : 0]]) {
			/* nothing to trim (no blank, no U+3000 at either end): as it is */
			memcpy(p->valbuf[c], cell, n + 1);
		} else if ((k = norm_trim(p->valbuf[c], VALUE_MAX, row->cells[i])) >= 0) {
			n = (size_t)k;
		} else {
			/* longer than any value of a person: keep a prefix, the checks reject it */
			n = strlen(row->cells[i]);
			n = n < VALUE_MAX - 1 ? n : VALUE_MAX - 1;
			memcpy(p->valbuf[c], cell, n);
			p->valbuf[c][n] = 0;
		}
		p->values[c] = p->valbuf[c];
		p->vallen[c] = n;
	}
}

static int row_empty(const struct table_row *row)
{
	for (size_t i = 0; i < row->ncells; i++)
		if (row->lens[i] && strspn(row->cells[i], " \t\r\n") != row->lens[i])
			return 0;
	return 1;
}

/* id18: the subject's ID number ("" when the row names nobody by a valid one). */
static int record_reject(struct pipe *p, const struct table_row *row, const char *id18,
			 struct wb_error *err)
{
	unsigned char hash[SECRET_HASH_BYTES];
	if (*id18)
		store_imports_id_hash(p->st, id18, hash);
	p->res->rejected++;
	add_reason(p->res, &p->rowerr);
	if (p->res->nsamples < IMPORT_MAX_SAMPLES) {
		struct import_sample *s = &p->res->samples[p->res->nsamples++];
		s->sheet = row->sheet;
		s->row = row->number;
		snprintf(s->code, sizeof(s->code), "%s", p->rowerr.code);
		utf8_copy(s->zh, sizeof(s->zh), p->rowerr.message);
		utf8_copy(s->en, sizeof(s->en), p->rowerr.message_en);
	}
	char *cells = cells_json(row);
	int rc = store_imports_reject(p->st, p->meta.id, row->sheet, row->number, p->rowerr.code,
				      p->rowerr.message, p->rowerr.message_en, cells ? cells : "[]",
				      *id18 ? hash : NULL, err);
	free(cells);
	return rc;
}

static int record_review(struct pipe *p, const struct table_row *row, int role, char *cand,
			 struct wb_error *err)
{
	const struct import_values *v = &p->roles[role].v;
	json_t *rec = json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", v->name, "gender",
				v->gender == 'M'   ? "M"
				: v->gender == 'F' ? "F"
						   : "U",
				"birth_date", v->birth_date, "household_region",
				v->household_region, "role", p->prof.roles[role]);
	char *recs = json_dumps(rec, JSON_COMPACT), *cells = cells_json(row);
	json_decref(rec);
	int rc = store_imports_review(p->st, p->meta.id, row->sheet, row->number,
				      p->prof.roles[role], v->household_region, recs, cells, cand,
				      err);
	free(recs), free(cells);
	p->res->review++;
	return rc;
}

/* ---- set-up ------------------------------------------------------------------------------ */

static void add_fact_type(void *ctx, const char *code, const char *name, const char *en,
			  const char *kind, const char *values, int sensitive)
{
	struct pipe *p = ctx;
	(void)name, (void)en, (void)kind, (void)values, (void)sensitive;
	p->fact_types = xrealloc(p->fact_types, (size_t)(p->nfact_types + 1) * sizeof(char *));
	p->fact_types[p->nfact_types++] = xstrdup(code);
}

struct kinds_seen {
	const struct profile *prof;
	unsigned missing; /* bit i: relation i's kind not (yet) seen */
};

static void kind_seen(void *ctx, const char *code, const char *name, const char *en)
{
	struct kinds_seen *k = ctx;
	(void)name, (void)en;
	for (int i = 0; i < k->prof->nrelations; i++)
		if (!strcmp(k->prof->relations[i].kind, code))
			k->missing &= ~(1u << i);
}

/* Every relation kind the profile writes exists: the batches write without foreign-key
 * checks (store/imports.c). "parent" stands for father or mother. */
static int check_relation_kinds(struct pipe *p, struct wb_error *err)
{
	struct kinds_seen k = {&p->prof, 0};
	for (int i = 0; i < p->prof.nrelations; i++)
		if (strcmp(p->prof.relations[i].kind, "parent"))
			k.missing |= 1u << i;
	int rc = k.missing ? store_relation_kinds(p->st, kind_seen, &k, err) : 0;
	if (rc || !k.missing)
		return rc;
	for (int i = 0; i < p->prof.nrelations; i++)
		if (k.missing & (1u << i))
			return wb_error_setx(err, WB_EINVAL, 422, "PROFILE_KIND_UNKNOWN",
					     "导入模板使用了未知的关系类型",
					     "the profile uses an unknown relation kind",
					     p->prof.relations[i].kind);
	return 0;
}

static int add_region(void *ctx, const struct region_row *r)
{
	address_index_add(ctx, r->code, r->name, r->parent_code, r->level);
	return 0;
}

static void add_candidate(void *ctx, int64_t id, const char *name, char gender,
			  const char *birth_date, const char *region)
{
	matcher_add(ctx, id, name, birth_date, gender, region);
}

static int ensure_link_index(struct pipe *p, struct wb_error *err)
{
	if (p->link_built)
		return 0;
	p->link = matcher_new();
	int rc =
		store_imports_candidates(p->st, p->sc, p->meta.region, add_candidate, p->link, err);
	if (!rc)
		rc = matcher_build(p->link, err);
	p->link_built = 1;
	return rc;
}

static int file_hash(const char *path, unsigned char out[SECRET_HASH_BYTES], struct wb_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return wb_error_set(err, WB_ENOTFOUND, 404, "TABLE_OPEN", "无法打开导入文件",
				    "cannot open the file");
	crypto_generichash_state h;
	crypto_generichash_init(&h, NULL, 0, SECRET_HASH_BYTES);
	unsigned char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		crypto_generichash_update(&h, buf, n);
	fclose(f);
	crypto_generichash_final(&h, out, SECRET_HASH_BYTES);
	return 0;
}

/* The file's hash is first needed to find an interrupted import of the same file (start),
 * after the registry has been read: it is worked out meanwhile, on a thread of its own,
 * instead of before anything else (a 1 M-row file: 0.15 s of one core, measured, while
 * the other was idle). */
struct file_hashing {
	const char *path;
	pthread_t th;
	int started, rc;
	unsigned char hash[SECRET_HASH_BYTES];
	struct wb_error err;
};

static void *hash_main(void *arg)
{
	struct file_hashing *h = arg;
	h->rc = file_hash(h->path, h->hash, &h->err);
	return NULL;
}

static void hash_start(struct pipe *p)
{
	struct file_hashing *h = xcalloc(1, sizeof(*h));
	h->path = p->rq->path;
	p->hashing = h;
	if (!pthread_create(&h->th, NULL, hash_main, h))
		h->started = 1;
	else
		hash_main(h); /* no thread: here and now */
}

/* The hash in p->meta, or the error of working it out; then the thread is gone. */
static int hash_join(struct pipe *p, struct wb_error *err)
{
	struct file_hashing *h = p->hashing;
	if (!h)
		return 0;
	if (h->started)
		pthread_join(h->th, NULL);
	int rc = h->rc;
	if (rc && err)
		*err = h->err;
	else if (!rc)
		memcpy(p->meta.file_hash, h->hash, sizeof(p->meta.file_hash));
	free(h);
	p->hashing = NULL;
	return rc;
}

/* About how many rows the file holds, from the length of its first ones: the ID index
 * is decided on (store_imports_index) while the reading thread still scans the file. */
static int64_t estimate_rows(const char *path)
{
	enum { SAMPLE_ROWS = 2000 };
	struct table_reader *tr;
	struct table_options topt = {0};
	struct table_row row;
	struct wb_error e;
	uint64_t done = 0, total = 0;
	int64_t rows = 0;
	int rc = table_open(&tr, path, &topt, &e);
	while (!rc && rows < SAMPLE_ROWS && (rc = table_next(tr, &row, &e)) == 1)
		rc = 0, rows++;
	if (!rc && rows == SAMPLE_ROWS)
		table_progress(tr, &done, &total);
	table_close(tr);
	return done ? (int64_t)((double)rows * (double)total / (double)done) : rows;
}

/* A name that says Excel workbook: the content is sniffed, and a text file renamed .xlsx
 * would otherwise be read as a CSV of whatever it holds. */
static int named_xlsx(const char *name)
{
	size_t n = strlen(name);
	return n >= 5 && (!strcasecmp(name + n - 5, ".xlsx") || !strcasecmp(name + n - 5, ".xlsm"));
}

static int setup(struct pipe *p, struct wb_error *err)
{
	const struct import_request *rq = p->rq;
	int rc = profile_load(&p->prof, rq->profile, err);
	if (rc)
		return rc;
	plan_columns(p);
	struct import_meta *m = &p->meta;
	snprintf(m->profile, sizeof(m->profile), "%s", p->prof.name);
	/* an upload's name as sent, cut to its place */
	utf8_copy(m->file_name, sizeof(m->file_name), rq->file_name ? rq->file_name : rq->path);
	m->source_unit_id = rq->source_unit_id;
	const char *region = rq->region && *rq->region ? rq->region : p->sc->region;
	if (!*region || !strcmp(region, "0"))
		return wb_error_set(err, WB_EINVAL, 422, "REGION_REQUIRED",
				    "请指定名单所属的地区（区县、乡镇或村）",
				    "name the region the extract covers");
	if (region_code_normalize(m->region, region, err))
		return WB_EINVAL;
	if (!store_scope_has_region(p->sc, m->region))
		return wb_error_set(err, WB_EFORBIDDEN, 403, "REGION_OUT_OF_SCOPE",
				    "导入的地区不在您的管辖范围内",
				    "the region is outside your area");
	if (rq->extract_date && *rq->extract_date) {
		if (norm_date(m->extract_date, rq->extract_date, 0))
			return wb_error_set(err, WB_EINVAL, 422, "DATE_INVALID", "名单日期无效",
					    "invalid extract date");
	} else {
		date_format(date_today(), m->extract_date);
	}
	hash_start(p);
	address_index_init(&p->addr, m->region);
	if ((rc = store_regions_subtree(p->st, m->region, REGION_VILLAGE, add_region, &p->addr,
					err)))
		return rc;
	address_index_done(&p->addr);
	if ((rc = store_fact_types(p->st, add_fact_type, p, err)))
		return rc;
	if ((rc = check_relation_kinds(p, err)))
		return rc;
	struct table_options topt = {0};
	if ((rc = table_open(&p->tr, rq->path, &topt, err)))
		return rc;
	if (named_xlsx(m->file_name) && table_format_of(p->tr) != TABLE_XLSX)
		return wb_error_set(
			err, WB_EINVAL, 422, "FILE_NOT_XLSX",
			"文件名为 .xlsx，但内容不是 Excel 工作簿（是否改过扩展名？请用 Excel "
			"另存为 .xlsx 或 .csv）",
			"the file is named .xlsx but is not an Excel workbook (renamed? save "
			"it from Excel as .xlsx or .csv)");
	p->file_rows = estimate_rows(rq->path);
	return 0;
}

static void teardown(struct pipe *p)
{
	hash_join(p, NULL);
	table_close(p->tr);
	address_index_release(&p->addr);
	matcher_free(p->link);
	seen_free(&p->seen_rows);
	seen_free(&p->seen_ids);
	store_imports_cache_free(p->cache);
	for (int i = 0; i < p->nfact_types; i++)
		free(p->fact_types[i]);
	free(p->fact_types);
}

/* ---- the loop ------------------------------------------------------------------------------ */

void import_result_counts_json(const struct import_result *r, char *out, size_t cap)
{
	snprintf(out, cap,
		 "{\"rows\":%" PRId64 ",\"applied\":%" PRId64 ",\"review\":%" PRId64
		 ",\"rejected\":%" PRId64 ",\"created\":%" PRId64 ",\"updated\":%" PRId64
		 ",\"linked\":%" PRId64 ",\"unchanged\":%" PRId64 ",\"facts_added\":%" PRId64
		 ",\"facts_replaced\":%" PRId64 ",\"facts_unchanged\":%" PRId64
		 ",\"facts_ended\":%" PRId64 ",\"relations_added\":%" PRId64 "}",
		 r->rows, r->applied, r->review, r->rejected, r->created, r->updated, r->linked,
		 r->unchanged, r->facts_added, r->facts_replaced, r->facts_unchanged,
		 r->facts_ended, r->relations_added);
}

static void counts_restore(struct import_result *r, const char *json)
{
	json_t *o = json_loads(json, 0, NULL);
	if (!o)
		return;
#define GET(f) r->f = json_integer_value(json_object_get(o, #f))
	GET(rows), GET(applied), GET(review), GET(rejected), GET(created), GET(updated);
	GET(linked), GET(unchanged), GET(facts_added), GET(facts_replaced);
	GET(facts_unchanged), GET(facts_ended), GET(relations_added);
#undef GET
	json_decref(o);
}

static void report(struct pipe *p)
{
	if (p->rq->progress)
		p->rq->progress(p->rq->progress_ctx, p->done, p->total, p->data_rows);
}

static int commit_batch(struct pipe *p, struct wb_error *err)
{
	char counts[512];
	if (p->rq->dry_run)
		return 0;
	import_result_counts_json(p->res, counts, sizeof(counts));
	int rc = store_imports_rows_flush(p->st, p->cache, p->meta.id, err);
	if (!rc)
		rc = store_imports_progress(p->st, p->meta.id, p->data_rows, counts, err);
	double t0 = time_mono();
	if (!rc)
		rc = store_imports_batch_commit(p->st, err);
	p->commit_seconds += time_mono() - t0;
	if (!rc)
		rc = store_imports_batch_begin(p->st, err);
	report(p);
	return rc;
}

static void pending_add(struct pending *q, const struct table_row *row)
{
	if (q->n == q->rows_cap) {
		q->rows_cap = q->rows_cap ? q->rows_cap * 2 : 1024;
		q->rows = xrealloc(q->rows, q->rows_cap * sizeof(*q->rows));
	}
	if (q->ncells + row->ncells > q->cells_cap) {
		while (q->ncells + row->ncells > q->cells_cap)
			q->cells_cap = q->cells_cap ? q->cells_cap * 2 : 16384;
		q->cell_at = xrealloc(q->cell_at, q->cells_cap * sizeof(*q->cell_at));
		q->cell_len = xrealloc(q->cell_len, q->cells_cap * sizeof(*q->cell_len));
	}
	struct pending_row *pr = &q->rows[q->n++];
	pr->first_cell = q->ncells, pr->ncells = row->ncells;
	pr->number = row->number, pr->sheet = row->sheet;
	for (size_t i = 0; i < row->ncells; i++) {
		size_t n = row->lens[i] + 1;
		if (q->len + n > q->cap) {
			while (q->len + n > q->cap)
				q->cap = q->cap ? q->cap * 2 : 1 << 20;
			q->text = xrealloc(q->text, q->cap);
		}
		memcpy(q->text + q->len, row->cells[i], n);
		q->cell_at[q->ncells] = q->len;
		q->cell_len[q->ncells++] = row->lens[i];
		q->len += n;
	}
}

/* Pending row i as a table_row; valid until the next call. */
static void pending_row(struct pending *q, size_t i, struct table_row *row)
{
	const struct pending_row *pr = &q->rows[i];
	if (pr->ncells > q->scratch_cap) {
		q->scratch_cap = pr->ncells;
		q->cells = xrealloc(q->cells, q->scratch_cap * sizeof(*q->cells));
		q->lens = xrealloc(q->lens, q->scratch_cap * sizeof(*q->lens));
	}
	for (size_t k = 0; k < pr->ncells; k++) {
		q->cells[k] = q->text + q->cell_at[pr->first_cell + k];
		q->lens[k] = q->cell_len[pr->first_cell + k];
	}
	row->ncells = pr->ncells;
	row->cells = q->cells;
	row->lens = q->lens;
	row->number = pr->number;
	row->sheet = pr->sheet;
}

static void pending_free(struct pending *q)
{
	free(q->text), free(q->cell_at), free(q->cell_len), free(q->rows);
	free(q->cells), free(q->lens);
}

/* Whether the facts and relations of role r's person are needed: the role has facts, or
 * is the child of a relation. */
static int role_wants(const struct profile *pr, int r)
{
	for (int i = 0; i < pr->nfacts; i++)
		if (pr->facts[i].role == r)
			return 1;
	for (int i = 0; i < pr->nrelations; i++)
		if (pr->relations[i].child == r)
			return 1;
	return 0;
}

#define GROW(arr, n, cap, first)                                                                   \
	do {                                                                                       \
		if ((n) >= (cap)) {                                                                \
			(cap) = (cap) ? (cap)*2 : (first);                                         \
			(arr) = xrealloc((arr), (cap) * sizeof(*(arr)));                           \
		}                                                                                  \
	} while (0)

/* ---- the reading thread ---------------------------------------------------------------- */

static void chunk_reset(struct chunk *ch)
{
	ch->raw.n = ch->raw.ncells = ch->raw.len = 0;
	ch->nvals = ch->nfacts = ch->nerrs = ch->slen = ch->nids = 0;
	free(ch->header);
	ch->header = NULL;
	ch->commit = ch->end = ch->rc = 0;
}

static void chunk_free(struct chunk *ch)
{
	pending_free(&ch->raw);
	free(ch->rows), free(ch->vals), free(ch->facts), free(ch->errs), free(ch->schools);
	free(ch->ids), free(ch->hashes), free(ch->want), free(ch->header);
}

/* The next chunk to fill, once the store thread has given it back; NULL when it gave
 * up (the reader ends). */
static struct chunk *relay_take_free(struct relay *rl)
{
	pthread_mutex_lock(&rl->mu);
	while (rl->full[rl->put % RELAY_CHUNKS] && !rl->stop)
		pthread_cond_wait(&rl->cv, &rl->mu);
	struct chunk *ch = rl->stop ? NULL : &rl->ch[rl->put % RELAY_CHUNKS];
	/* The thread that waits for the other is the faster one: when the store thread had
	 * to wait for rows, the keyed hashes of this chunk's ID numbers (a sixth of the
	 * reading) are left to it (store_imports_prefetch works them out); when the reader
	 * waits for a free chunk, as in a first import, it keeps them. */
	int hashed = !rl->store_waited;
	rl->store_waited = 0;
	pthread_mutex_unlock(&rl->mu);
	if (ch) {
		chunk_reset(ch);
		ch->hashed = hashed;
	}
	return ch;
}

static void dup_resolve(struct pipe *rd, struct chunk *ch);

static void relay_hand_over(struct relay *rl, struct chunk *ch, struct pipe *rd)
{
	dup_resolve(rd, ch); /* the chunk's last row is checked before it goes */
	uint64_t done, total;
	table_progress(rd->tr, &done, &total);
	ch->data_rows = rd->data_rows, ch->done = done, ch->total = total;
	pthread_mutex_lock(&rl->mu);
	rl->full[rl->put++ % RELAY_CHUNKS] = 1;
	pthread_cond_broadcast(&rl->cv);
	pthread_mutex_unlock(&rl->mu);
}

/* Keep what phase one made of the row in the chunk: its values, facts and the ID numbers
 * to look up, or the reason it was rejected. */
/* Row w of the chunk rejected for err (the row's other parts are not kept). */
/* Reject the row w; id18 ("" when none) is its subject's ID number. */
static void chunk_reject(struct chunk *ch, struct prow *w, const struct wb_error *err,
			 const char *id18)
{
	memset(w, 0, sizeof(*w));
	w->status = WB_EINVAL;
	GROW(ch->errs, ch->nerrs, ch->errs_cap, 16);
	w->err = (uint32_t)ch->nerrs;
	ch->errs[ch->nerrs].err = *err;
	snprintf(ch->errs[ch->nerrs++].id_number, IDNO_LEN + 1, "%s", id18);
}

/* The subject's ID number of a row rejected on the reading thread, read again from its
 * cell (the row may have failed before or in parsing it): a rejected row with a valid
 * number still says that its person is on the list (store_imports_spare_unapplied). */
static const char *subject_id(struct pipe *rd, char out[IDNO_LEN + 1])
{
	struct wb_error e;
	err_reset(&e);
	if (idno_normalize(out, role_val(rd, 0, PF_ID_NUMBER), &e))
		out[0] = 0;
	return out;
}

static void chunk_add(struct chunk *ch, struct pipe *rd, const struct table_row *row, int rc)
{
	const struct profile *pr = &rd->prof;
	GROW(ch->rows, ch->raw.n, ch->rows_cap, 1024);
	struct prow *w = &ch->rows[ch->raw.n];
	pending_add(&ch->raw, row);
	memset(w, 0, sizeof(*w));
	if (rc) {
		char id[IDNO_LEN + 1];
		chunk_reject(ch, w, &rd->rowerr, subject_id(rd, id));
		return;
	}
	w->first_val = (uint32_t)ch->nvals;
	for (int r = 0; r < pr->nroles; r++) {
		const struct role_plan *rp = &rd->roles[r];
		GROW(ch->vals, ch->nvals, ch->vals_cap, 4096);
		ch->vals[ch->nvals++] = rp->v;
		if (!rp->present)
			continue;
		w->present |= (unsigned char)(1u << r);
		size_t sl = strlen(rd->school[r]);
		if (sl) {
			while (ch->slen + sl + 1 > ch->scap) {
				ch->scap = ch->scap ? ch->scap * 2 : 4096;
				ch->schools = xrealloc(ch->schools, ch->scap);
			}
			memcpy(ch->schools + ch->slen, rd->school[r], sl + 1);
			w->school[r] = (uint32_t)ch->slen + 1;
			ch->slen += sl + 1;
		}
		if (rp->v.id_number[0]) {
			if (ch->nids == ch->ids_cap) {
				ch->ids_cap = ch->ids_cap ? ch->ids_cap * 2 : 4096;
				ch->ids = xrealloc(ch->ids, ch->ids_cap * sizeof(*ch->ids));
				ch->hashes =
					xrealloc(ch->hashes, ch->ids_cap * sizeof(*ch->hashes));
				ch->want = xrealloc(ch->want, ch->ids_cap);
			}
			memcpy(ch->ids[ch->nids], rp->v.id_number, IDNO_LEN + 1);
			if (ch->hashed && memcmp(rd->last_id[r], rp->v.id_number, IDNO_LEN)) {
				store_imports_id_hash(rd->st, rp->v.id_number, rd->last_hash[r]);
				memcpy(rd->last_id[r], rp->v.id_number, IDNO_LEN + 1);
			}
			if (ch->hashed)
				memcpy(ch->hashes[ch->nids], rd->last_hash[r], SECRET_HASH_BYTES);
			ch->want[ch->nids++] = rd->wants[r];
		}
	}
	w->first_fact = (uint32_t)ch->nfacts;
	w->nfacts = (unsigned char)rd->nfacts;
	for (int i = 0; i < rd->nfacts; i++) {
		GROW(ch->facts, ch->nfacts, ch->facts_cap, 1024);
		ch->facts[ch->nfacts++] = rd->facts[i];
	}
}

/* The duplicate look-ups of the reader's last row, now that their memory has come: a
 * duplicate is taken back out of the chunk and kept as rejected, as parse_row would have
 * left it. Before the next row, and before a chunk is handed over. */
static void dup_resolve(struct pipe *rd, struct chunk *ch)
{
	struct dup_pending *d = &rd->dup;
	if (!d->active)
		return;
	d->active = 0;
	if (!dup_probe(rd, &d->k, d->rowno))
		return;
	ch->nvals = d->nvals, ch->nids = d->nids, ch->nfacts = d->nfacts, ch->slen = d->slen;
	chunk_reject(ch, &ch->rows[d->row], &rd->rowerr, ""); /* its first row names them */
}

/* A data row (after the header). Rows of a resumed import that were applied before are
 * only remembered for the duplicate checks; the others are parsed into the chunk. 1 when
 * the chunk is to be handed over: full (commit: the batch ends) or large. */
static int data_row(struct pipe *rd, struct chunk *ch, const struct table_row *row, int *in_batch)
{
	if (row_empty(row))
		return 0;
	rd->data_rows++;
	if (rd->data_rows <= rd->skip_rows) {
		load_values(rd, row);
		memset(rd->roles, 0, sizeof(rd->roles));
		for (int r = 0; r < rd->prof.nroles; r++)
			if ((rd->roles[r].present = role_present(rd, r)))
				parse_identity(rd, r, &rd->roles[r].v);
		check_duplicates(rd, row->number);
		return 0;
	}
	dup_resolve(rd, ch);
	load_values(rd, row);
	for (int r = 0; r < rd->prof.nroles; r++)
		rd->school[r][0] = 0;
	int rc = parse_row_alone(rd);
	if (!rc) {
		struct dup_pending *d = &rd->dup;
		dup_keys(rd, &d->k);
		d->active = 1, d->rowno = row->number, d->row = ch->raw.n;
		d->nvals = ch->nvals, d->nids = ch->nids, d->nfacts = ch->nfacts,
		d->slen = ch->slen;
	}
	chunk_add(ch, rd, row, rc);
	if (++*in_batch >= (rd->rq->batch_rows > 0 ? rd->rq->batch_rows : BATCH_ROWS)) {
		*in_batch = 0;
		ch->commit = 1;
		return 1;
	}
	return ch->raw.len > PENDING_MAX_BYTES || ch->raw.ncells > PENDING_MAX_CELLS;
}

static int no_header(struct pipe *p, struct wb_error *err)
{
	char zh[256], en[256], where[48], where_en[32];
	sheet_words(p, where, sizeof(where), where_en, sizeof(where_en));
	snprintf(zh, sizeof(zh), "%s的前 %d 行中找不到“%s”的表头（名单类型是否选对？）", where,
		 HEADER_SEARCH_ROWS, p->prof.title);
	snprintf(
		en, sizeof(en),
		"%s: no header row of '%s' in the first %d rows (is it the right kind of extract?)",
		where_en, p->prof.name, HEADER_SEARCH_ROWS);
	return wb_error_set(err, WB_EINVAL, 422, "IMPORT_NO_HEADER", zh, en);
}

/* Read the whole file once before writing anything: a file that is malformed anywhere
 * (a truncated zip, bad bytes for its encoding, an oversized cell on the last row, a
 * later sheet without its header or a required column) is refused whole, and nothing of
 * it is stored; so is one with no data row (a header alone would otherwise end every
 * fact of the last extract). The headers are looked for as reader_main will, with the
 * reading thread's pipe, left as it was found. Streaming, so memory stays flat. */
static int scan(struct pipe *rd, int64_t *rows, struct wb_error *err)
{
	struct table_reader *tr;
	struct table_options topt = {0};
	struct table_row row;
	int64_t data = 0;
	int rc = table_open(&tr, rd->rq->path, &topt, err), search = 0, headers = 0;
	*rows = 0;
	rd->sheet = -1;
	while (!rc && (rc = table_next(tr, &row, err)) == 1) {
		rc = 0, ++*rows;
		if (row.sheet != rd->sheet)
			rd->sheet = row.sheet, rd->have_header = 0, search = 0;
		if (rd->have_header) {
			data += !row_empty(&row);
		} else if (try_header(rd, &row)) {
			headers++;
			rc = missing_header(rd, err);
		} else if (++search == HEADER_SEARCH_ROWS) {
			rc = no_header(rd, err);
		}
	}
	table_close(tr);
	rd->sheet = 0, rd->have_header = 0;
	if (rc)
		return rc < 0 ? rc : 0;
	if (!headers && *rows)
		return no_header(rd, err);
	if (!data)
		return wb_error_set(
			err, WB_EINVAL, 422, headers ? "IMPORT_NO_ROWS" : "IMPORT_EMPTY",
			headers ? "文件只有表头，没有数据行" : "文件是空的，没有可导入的数据",
			headers ? "the file holds a header but no data rows" : "the file is empty");
	return 0;
}

/* The reading thread: read the file, find each sheet's header, run the first part of
 * phase one (parse_row) on every data row and hand the rows over a chunk at a time. It
 * touches neither the store (but for its keys: the ID hashes) nor the import's result;
 * its failure travels in the last chunk, after the rows read before it. */
static void *reader_main(void *arg)
{
	struct pipe *rd = arg;
	struct relay *rl = rd->relay;
	struct table_row row;
	struct wb_error e;
	int rc = 0, in_batch = 0, header_search = 0;
	int64_t rows;
	wb_error_clear(&e);
	/* Here, not on the store thread: their pages are cleared (tens of megabytes for a
	 * large file) while it starts the import. */
	seen_reserve(&rd->seen_rows, rd->file_rows);
	seen_reserve(&rd->seen_ids, rd->file_rows * rd->prof.nroles);
	/* The whole file first (scan), while the store thread starts the import: a file
	 * malformed anywhere is refused before its first batch can commit. */
	int scanned = scan(rd, &rows, &e);
	pthread_mutex_lock(&rl->mu);
	while (!rl->go && !rl->stop)
		pthread_cond_wait(&rl->cv, &rl->mu);
	rd->skip_rows = rl->skip_rows;
	pthread_mutex_unlock(&rl->mu);
	struct chunk *ch = relay_take_free(rl);
	if (ch && scanned) {
		ch->rc = scanned, ch->err = e, ch->end = 1;
		relay_hand_over(rl, ch, rd);
		return NULL;
	}
	while (ch && (rc = table_next(rd->tr, &row, &e)) == 1) {
		rc = 0;
		if (row.sheet != rd->sheet) { /* each sheet has its own header */
			if (ch->raw.n || ch->header) {
				relay_hand_over(rl, ch, rd);
				if (!(ch = relay_take_free(rl)))
					break;
			}
			rd->sheet = row.sheet;
			rd->have_header = 0;
			header_search = 0;
		}
		if (!rd->have_header) {
			if (try_header(rd, &row)) {
				if ((rc = missing_header(rd, &e)))
					break;
				ch->header = cells_json(&row);
				ch->header_sheet = row.sheet;
			} else if (++header_search == HEADER_SEARCH_ROWS) {
				rc = no_header(rd, &e);
				break;
			}
			continue;
		}
		if (data_row(rd, ch, &row, &in_batch)) {
			relay_hand_over(rl, ch, rd);
			ch = relay_take_free(rl);
		}
	}
	if (!ch)
		return NULL; /* the store thread gave up */
	if (!rc && !rd->have_header && rd->data_rows == 0)
		rc = wb_error_set(&e, WB_EINVAL, 422, "IMPORT_EMPTY",
				  "文件中没有可导入的数据（没有表头或数据行）",
				  "the file holds no header or data rows");
	ch->rc = rc < 0 ? rc : 0;
	ch->err = e;
	ch->end = 1;
	relay_hand_over(rl, ch, rd);
	return NULL;
}

/* ---- the store thread: the rest of phase one, and phase two ---------------------------- */

/* Row i of the chunk, as the reader left it: rejected, or linked and applied now. */
static int consume_row(struct pipe *p, struct chunk *ch, size_t i, struct wb_error *err)
{
	const struct prow *w = &ch->rows[i];
	struct table_row row;
	char *review = NULL;
	int review_role = 0, rc;
	pending_row(&ch->raw, i, &row);
	p->res->rows++;
	p->sheet = row.sheet;
	const char *named = ""; /* the subject's ID number, should the row be rejected */
	if (w->status) {
		p->rowerr = ch->errs[w->err].err;
		named = ch->errs[w->err].id_number;
		rc = WB_EINVAL;
	} else {
		memset(p->roles, 0, sizeof(p->roles));
		for (int r = 0; r < p->prof.nroles; r++) {
			struct role_plan *rp = &p->roles[r];
			rp->present = w->present >> r & 1;
			rp->v = ch->vals[w->first_val + (uint32_t)r];
			/* chunk_add put the ID numbers to look up in this order */
			rp->id_at = rp->v.id_number[0] ? p->id_cursor++ : -1;
			if (w->school[r])
				rp->v.school_unit_id = store_imports_school(
					p->st, p->meta.region, ch->schools + w->school[r] - 1);
		}
		p->nfacts = w->nfacts;
		if (w->nfacts)
			memcpy(p->facts, ch->facts + w->first_fact, w->nfacts * sizeof(*p->facts));
		err_reset(&p->rowerr);
		p->row = &row;
		rc = link_row(p, &review, &review_role, err);
		p->row = NULL;
		named = p->roles[0].present ? p->roles[0].v.id_number : "";
	}
	if (rc == WB_EINVAL)
		rc = record_reject(p, &row, named, err);
	else if (rc == 1)
		rc = record_review(p, &row, review_role, review, err);
	else if (rc == 0 && (rc = apply(p, row.number, err)) == 0)
		p->res->applied++;
	free(review);
	return rc;
}

/* A sheet's header into the result's columns (each header text once). */
static void note_columns(struct pipe *p, const char *header_json)
{
	struct import_result *res = p->res;
	json_t *a = json_loads(header_json, 0, NULL);
	for (size_t i = 0; i < json_array_size(a) && res->ncolumns < IMPORT_MAX_COLUMNS; i++) {
		const char *h = json_string_value(json_array_get(a, i));
		int seen = !h || !*h;
		for (int k = 0; !seen && k < res->ncolumns; k++)
			seen = !strcmp(res->columns[k].header, h);
		if (seen)
			continue;
		struct import_column *c = &res->columns[res->ncolumns++];
		utf8_copy(c->header, sizeof(c->header), h);
		int col = profile_match_header(&p->prof, h);
		utf8_copy(c->field, sizeof(c->field),
			  col >= 0 ? p->prof.columns[col].aliases[0] : "");
	}
	json_decref(a);
}

static int consume_chunk(struct pipe *p, struct chunk *ch, struct wb_error *err)
{
	int rc = 0;
	if (ch->header) {
		note_columns(p, ch->header);
		rc = store_imports_header(p->st, p->meta.id, ch->header_sheet, ch->header, err);
	}
	if (!rc && ch->rc) {
		*err = ch->err;
		return ch->rc;
	}
	if (!rc && ch->raw.n)
		rc = store_imports_prefetch(
			p->st, p->sc, p->cache, p->prof.name, (const char(*)[IDNO_LEN + 1]) ch->ids,
			ch->hashed ? (const unsigned char(*)[SECRET_HASH_BYTES])ch->hashes : NULL,
			ch->want, ch->nids, err);
	p->id_cursor = 0;
	for (size_t i = 0; !rc && i < ch->raw.n; i++)
		rc = consume_row(p, ch, i, err);
	p->data_rows = ch->data_rows, p->done = ch->done, p->total = ch->total;
	if (!rc && ch->commit)
		rc = commit_batch(p, err);
	return rc;
}

/* Start the reading thread: it scans the file meanwhile the import starts (start), and
 * hands rows over once reader_go says so. */
static int reader_start(struct pipe *p, struct wb_error *err)
{
	struct relay *rl = xcalloc(1, sizeof(*rl));
	struct pipe *rd = xmalloc(sizeof(*rd));
	pthread_mutex_init(&rl->mu, NULL);
	pthread_cond_init(&rl->cv, NULL);
	/* The reader's own pipe: the profile, area and header state by value, the file and
	 * the duplicate checks its own; the address index and fact types are shared, read
	 * only. */
	*rd = *p;
	rd->relay = rl;
	rd->defer_school = 1;
	rd->cache = NULL, rd->link = NULL, rd->res = NULL, rd->hashing = NULL;
	for (int r = 0; r < p->prof.nroles; r++)
		rd->wants[r] = (unsigned char)role_wants(&p->prof, r);
	p->tr = NULL;
	memset(&p->seen_rows, 0, sizeof(p->seen_rows));
	memset(&p->seen_ids, 0, sizeof(p->seen_ids));
	rl->rd = rd;
	p->relay = rl;
	if (pthread_create(&rl->th, NULL, reader_main, rd))
		return wb_error_set(err, WB_EINTERNAL, 500, "IMPORT_THREAD", "无法启动导入线程",
				    "cannot start the import's reading thread");
	rl->started = 1;
	return 0;
}

/* The import is started: the reader may hand rows over (skipping those applied before). */
static void reader_go(struct pipe *p)
{
	struct relay *rl = p->relay;
	pthread_mutex_lock(&rl->mu);
	rl->skip_rows = p->skip_rows;
	rl->go = 1;
	pthread_cond_broadcast(&rl->cv);
	pthread_mutex_unlock(&rl->mu);
}

/* Stop the reader (when it has not ended: it stops at its next chunk), wait for it, and
 * free what the two threads shared. */
static void reader_finish(struct pipe *p)
{
	struct relay *rl = p->relay;
	if (!rl)
		return;
	pthread_mutex_lock(&rl->mu);
	rl->stop = 1;
	pthread_cond_broadcast(&rl->cv);
	pthread_mutex_unlock(&rl->mu);
	if (rl->started)
		pthread_join(rl->th, NULL);
	for (int i = 0; i < RELAY_CHUNKS; i++)
		chunk_free(&rl->ch[i]);
	pthread_mutex_destroy(&rl->mu);
	pthread_cond_destroy(&rl->cv);
	table_close(rl->rd->tr);
	seen_free(&rl->rd->seen_rows);
	seen_free(&rl->rd->seen_ids);
	free(rl->rd);
	free(rl);
	p->relay = NULL;
}

/* Apply the whole file, chunk by chunk in file order, while the reading thread parses
 * the next one. */
static int read_all(struct pipe *p, struct wb_error *err)
{
	struct relay *rl = p->relay;
	int rc = 0;
	reader_go(p);
	for (size_t get = 0;; get++) {
		pthread_mutex_lock(&rl->mu);
		if (!rl->full[get % RELAY_CHUNKS])
			rl->store_waited = 1;
		while (!rl->full[get % RELAY_CHUNKS])
			pthread_cond_wait(&rl->cv, &rl->mu);
		pthread_mutex_unlock(&rl->mu);
		struct chunk *ch = &rl->ch[get % RELAY_CHUNKS];
		int end = ch->end;
		rc = consume_chunk(p, ch, err);
		pthread_mutex_lock(&rl->mu);
		rl->full[get % RELAY_CHUNKS] = 0;
		rl->stop = rc != 0; /* the reader stops at its next chunk */
		pthread_cond_broadcast(&rl->cv);
		pthread_mutex_unlock(&rl->mu);
		if (rc || end)
			return rc;
	}
}

/* Facts of the last extract that this one no longer states. A person of a rejected row
 * is on the list all the same (the clerk will fix the row), and an extract of which no
 * row applied says nothing of who left it: it ends nothing. */
static int end_missing(struct pipe *p, struct wb_error *err)
{
	if (!p->prof.nend)
		return 0;
	if (!p->res->applied) {
		log_info("import %" PRId64 ": no row applied, so no fact is ended", p->meta.id);
		return 0;
	}
	int rc = store_imports_spare_unapplied(p->st, p->cache, p->meta.id, err);
	if (rc)
		return rc;
	for (int i = 0; !rc && i < p->prof.nend; i++) {
		int64_t n = 0;
		rc = store_imports_end_missing(p->st, p->sc, p->cache, &p->meta,
					       p->prof.end_missing[i], &n, err);
		p->res->facts_ended += n;
	}
	return rc;
}

static int start(struct pipe *p, struct wb_error *err)
{
	int64_t id = 0, done = 0;
	int rc;
	int64_t lookups = p->file_rows * p->prof.nroles;
	store_imports_prepare(p->st, lookups);
	if ((rc = store_imports_batch_begin(p->st, err)))
		return rc;
	if ((rc = store_imports_index(p->st, p->sc, p->cache, p->meta.profile, lookups, err)))
		return rc;
	if ((rc = hash_join(p, err)))
		return rc;
	if (!p->rq->dry_run &&
	    (rc = store_imports_find_running(p->st, p->sc, &p->meta, &id, &done, err)))
		return rc;
	if (id) { /* resume the interrupted import of this file */
		struct import_meta m;
		if ((rc = store_imports_get(p->st, p->sc, id, &m, err)))
			return rc;
		p->meta.id = id;
		p->skip_rows = done;
		p->res->resumed = 1;
		counts_restore(p->res, m.counts);
		return store_imports_stated_load(p->st, p->cache, id, err);
	}
	return store_imports_create(p->st, p->sc, &p->meta, err);
}

/* A dry run stores nothing, yet it tells whether the file's ID numbers are registered
 * (and where): it is recorded like a search. */
static int audit_dry_run(struct pipe *p, const char *counts, struct wb_error *err)
{
	char detail[800];
	snprintf(detail, sizeof(detail), "{\"profile\":\"%s\",\"region\":\"%s\",\"counts\":%s}",
		 p->prof.name, p->meta.region, counts);
	struct audit_entry e = {"import.dry_run", "import", 0, detail};
	return store_audit_append_now(p->st, p->sc, &e, err);
}

/* Where an import's time went, for operations (and for whoever makes it faster). */
static void log_times(const struct pipe *p, double t_begin, double t_started, double t_read,
		      double facts_seconds)
{
	double t_end = time_mono();
	log_info("import %" PRId64 ": %" PRId64 " rows in %.2f s: start %.2f s (the registry "
		 "read, the file hashed and scanned), rows %.2f s (facts inserted %.2f s, "
		 "commits %.2f s), end %.2f s",
		 p->meta.id, p->res->rows, t_end - t_begin, t_started - t_begin, t_read - t_started,
		 facts_seconds, p->commit_seconds, t_end - t_read);
}

int import_run(struct store *st, const struct wb_scope *sc, const struct import_request *rq,
	       struct import_result *res, struct wb_error *err)
{
	double t_begin = time_mono(), t_started = 0, t_read = 0, facts_seconds = 0;
	struct pipe *p = xcalloc(1, sizeof(*p));
	char counts[512];
	p->st = st, p->sc = sc, p->rq = rq, p->res = res;
	p->force_role = -1;
	p->cache = store_imports_cache_new();
	memset(res, 0, sizeof(*res));
	int rc = setup(p, err);
	if (!rc)
		snprintf(res->format, sizeof(res->format), "%s",
			 table_format_of(p->tr) == TABLE_XLSX		 ? "xlsx"
			 : table_encoding_of(p->tr) == TABLE_ENC_GB18030 ? "csv-gb18030"
									 : "csv-utf8");
	if (!rc)
		rc = reader_start(p, err);
	if (!rc && (rc = start(p, err)) == 0) {
		t_started = time_mono();
		rc = read_all(p, err);
		if (!rc)
			rc = end_missing(p, err);
		t_read = time_mono();
		facts_seconds = store_imports_facts_seconds(p->cache);
		import_result_counts_json(res, counts, sizeof(counts));
		if (!rc && !rq->dry_run)
			rc = store_imports_rows_flush(st, p->cache, p->meta.id, err);
		if (!rc && !rq->dry_run)
			rc = store_imports_progress(st, p->meta.id, p->data_rows, counts, err);
		if (!rc && !rq->dry_run)
			rc = store_imports_finish(st, sc, p->meta.id, 1, p->data_rows, counts, err);
		if (rc || rq->dry_run)
			store_imports_batch_abort(st);
		else
			rc = store_imports_batch_commit(st, err);
		res->import_id = rq->dry_run ? 0 : p->meta.id;
		if (!rc && rq->dry_run)
			rc = audit_dry_run(p, counts, err);
		if (!rc)
			report(p);
		if (!rc)
			log_times(p, t_begin, t_started, t_read, facts_seconds);
	}
	reader_finish(p);
	store_imports_release(st);
	teardown(p);
	free(p);
	return rc;
}

/* ---- deciding a review ------------------------------------------------------------------- */

enum { REPLAY_MAX_CELLS = 1024 };

/* A stored JSON array of cells as a table row; the strings stay in the array. */
static int json_row(json_t *a, const char **cells, size_t *lens, int sheet, int64_t number,
		    struct table_row *row)
{
	if (!json_is_array(a))
		return -1;
	size_t n = json_array_size(a);
	if (n > REPLAY_MAX_CELLS)
		n = REPLAY_MAX_CELLS;
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_array_get(a, i);
		cells[i] = json_is_string(v) ? json_string_value(v) : "";
		lens[i] = json_is_string(v) ? strlen(cells[i]) : 0;
	}
	row->ncells = n;
	row->cells = cells;
	row->lens = lens;
	row->sheet = sheet;
	row->number = number;
	return 0;
}

static int replay_stale(struct wb_error *err)
{
	return wb_error_set(err, WB_EINVAL, 422, "REVIEW_STALE",
			    "导入模板已更改，无法按原样处理该行，请重新导入",
			    "the import profile changed: the row cannot be applied as it was read");
}

/* Set the pipeline up for the import the review came from and put its row through
 * resolve and apply, with the review's role decided by the officer. */
static int replay(struct pipe *p, const struct review *rv, struct wb_error *err)
{
	struct import_meta *m = &p->meta;
	const char **hcells = xcalloc(REPLAY_MAX_CELLS, sizeof(*hcells));
	const char **rcells = xcalloc(REPLAY_MAX_CELLS, sizeof(*rcells));
	size_t *hlens = xcalloc(REPLAY_MAX_CELLS, sizeof(*hlens));
	size_t *rlens = xcalloc(REPLAY_MAX_CELLS, sizeof(*rlens));
	json_t *hdr = json_loads(rv->header, 0, NULL), *cells = json_loads(rv->cells, 0, NULL);
	struct table_row hrow, row;
	char *review = NULL;
	int review_role = 0, rc;

	address_index_init(&p->addr, rv->import_region);
	if ((rc = profile_load(&p->prof, rv->profile, err)))
		goto out;
	plan_columns(p);
	m->id = rv->import_id;
	snprintf(m->profile, sizeof(m->profile), "%s", rv->profile);
	snprintf(m->file_name, sizeof(m->file_name), "%s", rv->file_name);
	snprintf(m->region, sizeof(m->region), "%s", rv->import_region);
	snprintf(m->extract_date, sizeof(m->extract_date), "%s", rv->extract_date);
	m->source_unit_id = rv->source_unit_id;
	p->force_role = -1;
	for (int r = 0; r < p->prof.nroles; r++)
		if (!strcmp(p->prof.roles[r], rv->role))
			p->force_role = r;
	if (p->force_role < 0 || json_row(hdr, hcells, hlens, rv->sheet, 0, &hrow) ||
	    json_row(cells, rcells, rlens, rv->sheet, rv->row, &row) || !try_header(p, &hrow)) {
		rc = replay_stale(err);
		goto out;
	}
	if ((rc = store_regions_subtree(p->st, m->region, REGION_VILLAGE, add_region, &p->addr,
					err)))
		goto out;
	address_index_done(&p->addr);
	if ((rc = store_fact_types(p->st, add_fact_type, p, err)))
		goto out;
	p->sheet = rv->sheet;
	load_values(p, &row);
	wb_error_clear(&p->rowerr);
	rc = resolve(p, rv->row, &review, &review_role, err);
	if (rc == WB_EINVAL)
		*err = p->rowerr; /* the row's reason, for the officer */
	else if (rc == 0)
		rc = apply(p, rv->row, err);
out:
	free(review);
	json_decref(hdr);
	json_decref(cells);
	free(hcells), free(rcells), free(hlens), free(rlens);
	return rc;
}

/* The person must be one of the review's candidates. */
static int is_candidate(const struct review *rv, int64_t person_id)
{
	json_t *a = json_loads(rv->candidates, 0, NULL), *c;
	size_t i;
	int found = 0;
	json_array_foreach (a, i, c)
		found |= json_integer_value(json_object_get(c, "person_id")) == person_id;
	json_decref(a);
	return found;
}

int import_review_decide(struct store *st, const struct wb_scope *sc, int64_t review_id,
			 const struct review_decision *d, int64_t *person_id,
			 struct import_result *res, struct wb_error *err)
{
	static const char *const status[] = {"linked", "created", "dismissed"};
	struct review rv;
	memset(&rv, 0, sizeof(rv));
	memset(res, 0, sizeof(*res));
	*person_id = 0;
	int rc = store_reviews_begin(st, err);
	if (rc)
		return rc;
	/* Read inside the write transaction: a decision made meanwhile is seen here. */
	if ((rc = store_reviews_get(st, sc, review_id, &rv, err)))
		goto out;
	if (strcmp(rv.status, "open")) {
		rc = wb_error_set(err, WB_ECONFLICT, 409, "REVIEW_DECIDED",
				  "该记录已由他人处理，不能重复处理",
				  "this review has been decided already");
		goto out;
	}
	if (d->choice == REVIEW_LINK && !is_candidate(&rv, d->person_id)) {
		rc = wb_error_set(err, WB_EINVAL, 422, "REVIEW_NOT_CANDIDATE",
				  "只能关联到该记录的候选人员之一",
				  "link to one of the review's candidates");
		goto out;
	}
	if (d->choice != REVIEW_DISMISS) {
		struct pipe *p = xcalloc(1, sizeof(*p));
		p->st = st, p->sc = sc, p->res = res;
		p->force_person = d->choice == REVIEW_LINK ? d->person_id : 0;
		rc = replay(p, &rv, err);
		if (!rc) {
			*person_id = p->roles[p->force_role].person_id;
			p->res->rows = p->res->applied = 1;
		}
		teardown(p);
		free(p);
	}
	if (!rc)
		rc = store_reviews_decide(st, sc, review_id, status[d->choice], *person_id,
					  d->choice == REVIEW_DISMISS ? d->reason : NULL, err);
out:
	store_reviews_release(&rv);
	if (rc) {
		store_reviews_abort(st);
		return rc;
	}
	return store_reviews_commit(st, err);
}
