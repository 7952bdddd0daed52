/*
 * h_imports -- department extracts over HTTP.
 *
 *   POST /imports?profile=P&region=R&date=D&source_unit=U&dry_run=1&file_name=F
 *        body: the file itself
 *        → 202 {"job": …}; the import (or dry run) runs on the job queue
 *   GET  /jobs/{id}                 progress and result of one's own job
 *   GET  /imports                   imports of the caller's area, newest first
 *   GET  /imports/{id}              one import with its counts
 *   GET  /imports/{id}/rejects      the rejected rows as CSV (re-importable)
 *   POST /imports/{id}/undo         undo a finished import as a whole
 *   GET  /import-profiles           the profiles and their columns, for the upload page
 *
 * The upload body is taken only after the session and CSRF token were checked (server.c
 * does that on the first call for this route), up to HTTP_UPLOAD_MAX, and spooled to a
 * private file that the job removes when it ends; what a crash left there is removed when
 * the server starts again (h_imports_sweep_spool).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "domain/region.h"
#include "domain/role.h"
#include "http/handlers.h"
#include "http/jobs.h"
#include "ingest/pipeline.h"
#include "ingest/profile.h"
#include "ingest/rejects.h"
#include "store/imports.h"
#include "store/units.h"

struct import_job {
	char path[512];
	int spool_fd; /* held open, flock'ed, while the job lives: h_imports_sweep_spool */
	char file_name[256];
	char profile[PROFILE_NAME_MAX];
	char region[REGION_CODE_MAX + 1];
	char date[11];
	int64_t source_unit_id;
	int dry_run;
	struct wb_scope scope;
	struct job *job;
};

static void free_import_job(void *arg)
{
	struct import_job *a = arg;
	unlink(a->path);
	close(a->spool_fd);
	free(a);
}

static void on_progress(void *ctx, uint64_t done, uint64_t total, int64_t rows)
{
	struct import_job *a = ctx;
	job_progress(a->job, done, total, rows);
}

static json_t *result_json(const struct import_result *res)
{
	char counts[512];
	import_result_counts_json(res, counts, sizeof(counts));
	json_t *o = json_loads(counts, 0, NULL);
	json_t *reasons = json_array(), *samples = json_array();
	for (int i = 0; i < res->nreasons; i++)
		json_array_append_new(reasons,
				      json_pack("{s:s, s:s, s:s, s:I}", "code",
						res->reasons[i].code, "message", res->reasons[i].zh,
						"message_en", res->reasons[i].en, "count",
						(json_int_t)res->reasons[i].count));
	for (int i = 0; i < res->nsamples; i++)
		json_array_append_new(samples,
				      json_pack("{s:i, s:I, s:s, s:s, s:s}", "sheet",
						res->samples[i].sheet + 1, "row",
						(json_int_t)res->samples[i].row, "code",
						res->samples[i].code, "message", res->samples[i].zh,
						"message_en", res->samples[i].en));
	json_t *columns = json_array();
	for (int i = 0; i < res->ncolumns; i++)
		json_array_append_new(
			columns,
			json_pack("{s:s, s:o}", "header", res->columns[i].header, "field",
				  res->columns[i].field[0] ? json_string(res->columns[i].field)
							   : json_null()));
	json_object_set_new(o, "reasons", reasons);
	json_object_set_new(o, "samples", samples);
	json_object_set_new(o, "columns", columns);
	json_object_set_new(o, "import_id",
			    res->import_id ? json_integer(res->import_id) : json_null());
	json_object_set_new(o, "resumed", json_boolean(res->resumed));
	json_object_set_new(o, "format", json_string(res->format));
	return o;
}

static int run_import_job(struct store *st, struct job *j, void *arg, struct wb_error *err)
{
	struct import_job *a = arg;
	struct import_result res;
	a->job = j;
	struct import_request rq = {.path = a->path,
				    .file_name = a->file_name,
				    .profile = a->profile,
				    .region = a->region,
				    .extract_date = a->date[0] ? a->date : NULL,
				    .source_unit_id = a->source_unit_id,
				    .dry_run = a->dry_run,
				    .progress = on_progress,
				    .progress_ctx = a};
	int rc = import_run(st, &a->scope, &rq, &res, err);
	if (rc)
		return rc;
	json_t *o = result_json(&res);
	char *text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	job_set_result(j, text);
	free(text);
	return 0;
}

static json_t *job_json(const struct job_view *v)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:I, s:I, s:I}", "id", (json_int_t)v->id, "kind",
			      v->kind, "status", job_status_name(v->status), "done",
			      (json_int_t)v->done, "total", (json_int_t)v->total, "rows",
			      (json_int_t)v->rows);
	json_object_set_new(o, "result", v->result ? json_loads(v->result, 0, NULL) : json_null());
	if (v->status == JOB_FAILED)
		json_object_set_new(o, "error",
				    json_pack("{s:s, s:s, s:s}", "code", v->error.code, "message",
					      v->error.message, "message_en", v->error.message_en));
	else
		json_object_set_new(o, "error", json_null());
	return o;
}

/* The spool directory next to the database: private to the server's user. */
static void spool_dir(const char *db_path, char *dir, size_t cap)
{
	snprintf(dir, cap, "%s.spool", db_path);
}

/* The upload into a private file, kept open with an exclusive flock until the job ends
 * (*fd), so that a sweep can tell a live upload from one a crash left behind. */
static int spool_file(struct req *r, char *path, size_t cap, int *fd_out)
{
	char dir[512];
	spool_dir(r->app->db_path, dir, sizeof(dir));
	if (mkdir(dir, 0700) && access(dir, W_OK))
		return -1;
	char token[SECRET_TOKEN_CHARS];
	secret_token(token);
	snprintf(path, cap, "%s/upload-%s", dir, token);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	size_t off = 0;
	int bad = flock(fd, LOCK_EX);
	while (!bad && off < r->body.len) {
		ssize_t n = write(fd, r->body.data + off, r->body.len - off);
		bad = n <= 0;
		off += bad ? 0 : (size_t)n;
	}
	if (bad) {
		unlink(path);
		close(fd);
		return -1;
	}
	*fd_out = fd;
	return 0;
}

int h_imports_sweep_spool(const char *db_path)
{
	char dir[512], path[1024];
	spool_dir(db_path, dir, sizeof(dir));
	DIR *d = opendir(dir);
	int swept = 0;
	if (!d)
		return 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (strncmp(e->d_name, "upload-", 7))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (!flock(fd, LOCK_EX | LOCK_NB) && !unlink(path)) /* no live job holds it */
			swept++;
		close(fd);
	}
	closedir(d);
	return swept;
}

/* Answers 422; -1, so that the caller stops (a reply_* function answers 0 once sent). */
static int bad_param(struct req *r, const char *code, const char *zh, const char *en)
{
	return reply_errorx(r, 422, code, zh, en), -1;
}

/* The body is the file itself (the upload page sends it so). A form or a JSON wrapping
 * would be read as a CSV of its boundaries and fields: refused with what to do instead
 * (-1 once answered, like check_request). */
static int refuse_wrapped_body(struct req *r)
{
	static const char *const wrapped[] = {"multipart/", "application/x-www-form-urlencoded",
					      "application/json"};
	const char *type = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Type");
	for (size_t i = 0; type && i < sizeof(wrapped) / sizeof(wrapped[0]); i++)
		if (!strncasecmp(type, wrapped[i], strlen(wrapped[i])))
			return reply_errorx(
				       r, 415, "UPLOAD_NOT_A_FILE",
				       "请直接上传名单文件本身（CSV 或 XLSX），不要用表单或 JSON "
				       "包装",
				       "send the file itself (CSV or XLSX) as the request body, "
				       "not a form or JSON"),
			       -1;
	return 0;
}

/* Check what can be checked before queueing: the profile, the region and its scope.
 * Nonzero once the refusal is answered: nothing is spooled or queued then. */
static int check_request(struct req *r, struct import_job *a)
{
	struct profile prof;
	struct wb_error err;
	const char *profile = req_query(r, "profile"), *region = req_query(r, "region");
	const char *date = req_query(r, "date"), *dry = req_query(r, "dry_run");
	const char *name = req_query(r, "file_name"), *unit = req_query(r, "source_unit");
	wb_error_clear(&err);
	if (!profile || profile_load_builtin(&prof, profile, &err))
		return bad_param(r, "PROFILE_NOT_FOUND", "没有这个导入模板",
				 "no such import profile");
	snprintf(a->profile, sizeof(a->profile), "%s", prof.name);
	if (region_code_normalize(a->region, region && *region ? region : r->scope.region, &err))
		return reply_error(r, &err), -1;
	if (!store_scope_has_region(&r->scope, a->region))
		return reply_errorx(r, 403, "REGION_OUT_OF_SCOPE", "导入的地区不在您的管辖范围内",
				    "the region is outside your area"),
		       -1;
	if (date && (strlen(date) != 10 || date[4] != '-' || date[7] != '-'))
		return bad_param(r, "DATE_INVALID", "名单日期应为 YYYY-MM-DD",
				 "date is YYYY-MM-DD");
	snprintf(a->date, sizeof(a->date), "%s", date ? date : "");
	if (unit && *unit) { /* the department that sent the extract (reference data) */
		struct unit_row u;
		char *end;
		long long id = strtoll(unit, &end, 10);
		if (*end || id <= 0 || store_units_get(r->st, id, &u, &err))
			return bad_param(r, "UNIT_NOT_FOUND", "没有这个来源单位",
					 "no such source unit");
		a->source_unit_id = id;
	}
	a->dry_run = dry && (!strcmp(dry, "1") || !strcmp(dry, "true"));
	snprintf(a->file_name, sizeof(a->file_name), "%s", name && *name ? name : "upload");
	if (!r->body.len)
		return reply_errorx(r, 400, "BODY_REQUIRED", "请上传名单文件（CSV 或 XLSX）",
				    "upload the file (CSV or XLSX) as the request body"),
		       -1;
	return refuse_wrapped_body(r);
}

int h_imports_create(struct req *r)
{
	struct wb_error err;
	int64_t id;
	if (req_require(r, PERM_IMPORT))
		return 0;
	struct import_job *a = xcalloc(1, sizeof(*a));
	if (check_request(r, a)) {
		free(a);
		return 0;
	}
	a->scope = r->scope;
	if (spool_file(r, a->path, sizeof(a->path), &a->spool_fd)) {
		free(a);
		return reply_errorx(r, 500, "SPOOL_FAILED", "无法暂存上传的文件",
				    "cannot keep the uploaded file");
	}
	wb_error_clear(&err);
	if (jobs_submit(r->scope.user_id, a->dry_run ? "import.dry_run" : "import", run_import_job,
			a, free_import_job, &id, &err))
		return reply_error(r, &err);
	struct job_view v;
	jobs_get(id, r->scope.user_id, &v);
	json_t *body = json_pack("{s:o}", "job", job_json(&v));
	free(v.result);
	return reply_json(r, 202, body);
}

int h_jobs_get(struct req *r)
{
	int64_t id;
	struct job_view v;
	if (req_param_id(r, 0, &id))
		return 0;
	if (jobs_get(id, r->scope.user_id, &v))
		return reply_errorx(r, 404, "JOB_NOT_FOUND", "任务不存在", "no such job");
	json_t *o = job_json(&v);
	free(v.result);
	return reply_json(r, 200, o);
}

static json_t *meta_json(const struct import_meta *m)
{
	json_t *counts = json_loads(m->counts, 0, NULL);
	json_t *o = json_pack(
		"{s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:o, s:s, s:s, s:s?, s:s?}", "id",
		(json_int_t)m->id, "profile", m->profile, "file_name", m->file_name, "region",
		m->region, "extract_date", m->extract_date, "status", m->status, "rows_total",
		(json_int_t)m->rows_total, "rows_done", (json_int_t)m->rows_done, "counts",
		counts ? counts : json_object(), "created_by", m->created_by_name, "created_at",
		m->created_at, "finished_at", m->finished_at[0] ? m->finished_at : NULL,
		"undone_at", m->undone_at[0] ? m->undone_at : NULL);
	json_object_set_new(o, "reviews_open", json_integer(m->reviews_open));
	return o;
}

static void add_meta(void *ctx, const struct import_meta *m)
{
	json_array_append_new(ctx, meta_json(m));
}

int h_imports_list(struct req *r)
{
	struct wb_error err;
	if (req_require(r, PERM_IMPORT))
		return 0;
	wb_error_clear(&err);
	json_t *items = json_array();
	if (store_imports_list(r->st, &r->scope, 100, add_meta, items, &err)) {
		json_decref(items);
		return reply_error(r, &err);
	}
	return reply_json(r, 200, json_pack("{s:o}", "items", items));
}

int h_imports_get(struct req *r)
{
	struct wb_error err;
	struct import_meta m;
	int64_t id;
	if (req_require(r, PERM_IMPORT) || req_param_id(r, 0, &id))
		return 0;
	wb_error_clear(&err);
	if (store_imports_get(r->st, &r->scope, id, &m, &err))
		return reply_error(r, &err);
	return reply_json(r, 200, meta_json(&m));
}

int h_imports_rejects(struct req *r)
{
	struct wb_error err;
	struct buf b;
	int64_t id, rows;
	char disp[96];
	if (req_require(r, PERM_IMPORT) || req_param_id(r, 0, &id))
		return 0;
	wb_error_clear(&err);
	buf_init(&b, (size_t)64 << 20);
	int rc = import_rejects_csv(r->st, &r->scope, id, &b, &rows, &err);
	if (rc) {
		buf_release(&b);
		return reply_error(r, &err);
	}
	snprintf(disp, sizeof(disp), "attachment; filename=\"import-%" PRId64 "-rejects.csv\"", id);
	rc = reply_raw(r, 200, "text/csv; charset=utf-8", b.data, b.len, 0, "Content-Disposition",
		       disp);
	buf_release(&b);
	return rc;
}

int h_imports_undo(struct req *r)
{
	struct wb_error err;
	char summary[256];
	int64_t id;
	if (req_require(r, PERM_IMPORT) || req_param_id(r, 0, &id))
		return 0;
	wb_error_clear(&err);
	if (store_imports_undo(r->st, &r->scope, id, summary, sizeof(summary), &err))
		return reply_error(r, &err);
	return reply_json(r, 200,
			  json_pack("{s:I, s:o}", "id", (json_int_t)id, "undone",
				    json_loads(summary, 0, NULL)));
}

static json_t *profile_json(const struct profile *p)
{
	json_t *cols = json_array();
	for (int c = 0; c < p->ncolumns; c++) {
		int required = 0;
		for (int i = 0; i < p->nrequired; i++)
			required |= p->required[i] == c;
		json_array_append_new(cols, json_pack("{s:s, s:s, s:b}", "key", p->columns[c].key,
						      "header", p->columns[c].aliases[0],
						      "required", required));
	}
	return json_pack("{s:s, s:s, s:s, s:s, s:o}", "name", p->name, "title", p->title,
			 "title_en", p->title_en, "source", p->source, "columns", cols);
}

int h_import_profiles(struct req *r)
{
	if (req_require(r, PERM_IMPORT))
		return 0;
	json_t *items = json_array();
	for (int i = 0; i < profile_builtin_count(); i++) {
		struct profile p;
		struct wb_error err;
		if (profile_parse(&p, profile_builtin_text(i), &err) == 0)
			json_array_append_new(items, profile_json(&p));
	}
	return reply_json(r, 200, json_pack("{s:o}", "items", items));
}
