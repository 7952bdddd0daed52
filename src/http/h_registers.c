/*
 * h_registers -- the register (台账) export as a download.
 *
 *   GET  /registers/export?region=CODE&format=xlsx|csv&fact_type=T&category=C&min_level=N
 *        &flagged=1                                                  masked ID numbers
 *   POST /registers/export {region, format, fact_type, category, min_level, flagged,
 *        purpose}                                                    full ID numbers
 *
 * category, min_level and flagged export a screening register (筛查台账): the children
 * the rules flag, at a level or above, in one category; the category must be one of the
 * rules in force, and its name titles the file.
 *
 * Full numbers only through POST: the purpose is audited and must not sit in URLs,
 * proxy logs and browser history, and POST carries the CSRF check. The POST needs
 * PERM_REGISTER_EXPORT and PERM_ID_REVEAL; a role without reveal rights gets 403 rather
 * than a silently masked file, so nobody believes they hold full numbers when they do not.
 *
 * libxlsxwriter writes to a named file only, so the export goes to a file in a private
 * directory (mkdtemp, mode 0700), which is opened, unlinked and removed before the
 * response is queued: MHD then sends from the descriptor and closes it, and nothing is
 * left on disk whatever happens to the connection. Scope, masking and the audit entry
 * are the store's (store/register.h); the audit entry is written before the file is sent.
 *
 * The export runs on the worker thread (the API has no job queue yet, CONVENTIONS 13);
 * at most EXPORTS_MAX run at once, the next ones get 503 with Retry-After.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domain/role.h"
#include "domain/rule.h"
#include "domain/screen.h"
#include "export/register_file.h"
#include "http/handlers.h"
#include "screen/service.h"

#define EXPORTS_MAX	2
#define FACT_TYPE_MAX	40
#define DISPOSITION_MAX 1200

static atomic_int running;

/* Content-Disposition with an ASCII fallback and the UTF-8 name (RFC 6266, RFC 5987). */
static void disposition(char *out, size_t cap, const struct register_info *info, int format)
{
	char name[600];
	size_t pos;
	regfile_filename(name, sizeof(name), info, format);
	pos = (size_t)snprintf(out, cap,
			       "attachment; filename=\"register-%s.%s\"; filename*=UTF-8''",
			       info->region, regfile_ext(format));
	for (const unsigned char *c = (const unsigned char *)name; *c && pos + 4 < cap; c++) {
		if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
		    (*c >= '0' && *c <= '9') || *c == '-' || *c == '.' || *c == '_')
			out[pos++] = (char)*c;
		else
			pos += (size_t)snprintf(out + pos, cap - pos, "%%%02X", *c);
	}
	out[pos] = '\0';
}

static int busy(struct req *r)
{
	struct wb_error e;
	wb_error_clear(&e);
	wb_error_set(&e, WB_EBUSY, 503, "EXPORT_BUSY", "导出任务较多，请稍后再试",
		     "too many exports are running; try again shortly");
	return reply_error(r, &e);
}

/* The screening filters of a query: a category of the rules in force (its name kept in
 * name_buf for the title), a level 0-4. 0, or the error answered. */
static int screening_filters(struct req *r, struct register_query *q, const char *min_level,
			     char *name_buf, size_t cap)
{
	if (q->category && !*q->category)
		q->category = NULL;
	if (min_level && *min_level) {
		char *end;
		long v = strtol(min_level, &end, 10);
		if (*end || v < 0 || v > SCREEN_LEVEL_RED)
			return reply_errorx(r, 422, "LEVEL_INVALID", "最低风险等级须为 0–4",
					    "min_level must be 0 to 4"),
			       -1;
		q->min_level = (int)v;
	}
	if (!q->category)
		return 0;
	struct screening *svc = screening_service_wait(SCREEN_WAIT_MS);
	struct rule_set *rs = svc ? screening_rules(svc, NULL) : NULL;
	int i = rs ? rule_set_category_find(rs, q->category) : -1;
	if (i >= 0)
		snprintf(name_buf, cap, "%s", rule_set_category(rs, i)->name);
	rule_set_free(rs);
	if (i < 0)
		return reply_errorx(r, 422, "CATEGORY_UNKNOWN", "类别不存在", "unknown category"),
		       -1;
	q->category_name = name_buf;
	return 0;
}

/* Run the export into a private temporary file and send it. */
static int send_export(struct req *r, const char *region_in, const char *format_in,
		       struct register_query *q)
{
	struct wb_error err;
	struct register_info info;
	char region[REGION_CODE_MAX + 1], dir[512], path[600], disp[DISPOSITION_MAX], rows[24];
	int64_t count = 0;
	int format, fd = -1, rc;
	struct stat sb;
	const char *fact_type = q->fact_type;

	wb_error_clear(&err);
	if (!region_in || !*region_in) {
		wb_error_set(&err, WB_EINVAL, 400, "REGION_REQUIRED", "须指定区划（region）",
			     "the region is required");
		wb_error_detail(&err, "region", "REGION_REQUIRED", "须指定区划");
		return reply_error(r, &err);
	}
	if (region_code_normalize(region, region_in, &err) ||
	    regfile_format_parse(&format, format_in, &err))
		return reply_error(r, &err);
	if (fact_type && !*fact_type)
		fact_type = NULL;
	if (fact_type && strlen(fact_type) > FACT_TYPE_MAX) {
		wb_error_set(&err, WB_EINVAL, 422, "FACT_TYPE_UNKNOWN", "事实类型不存在",
			     "unknown fact type");
		wb_error_detail(&err, "fact_type", "FACT_TYPE_UNKNOWN", "事实类型不存在");
		return reply_error(r, &err);
	}
	q->region = region;
	q->fact_type = fact_type;

	if (atomic_fetch_add(&running, 1) >= EXPORTS_MAX) {
		atomic_fetch_sub(&running, 1);
		return busy(r);
	}
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/weibao-export-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		atomic_fetch_sub(&running, 1);
		return reply_errorx(r, 500, "EXPORT_WRITE_FAILED", "无法创建导出临时文件",
				    "cannot create the temporary export file");
	}
	snprintf(path, sizeof(path), "%s/register.%s", dir, regfile_ext(format));
	rc = regfile_export(r->st, &r->scope, q, format, path, dir, &info, &count, &err);
	if (rc == 0) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &sb) != 0)
			rc = wb_error_set(&err, WB_EIO, 500, "EXPORT_WRITE_FAILED",
					  "读取导出文件失败", "cannot read the export file");
	}
	unlink(path);
	if (rmdir(dir) != 0 && errno != ENOENT)
		rc = rc ? rc
			: wb_error_set(&err, WB_EIO, 500, "EXPORT_WRITE_FAILED",
				       "清理导出临时目录失败",
				       "cannot remove the temporary export directory");
	atomic_fetch_sub(&running, 1);
	if (rc) {
		if (fd >= 0)
			close(fd);
		return reply_error(r, &err);
	}

	struct MHD_Response *resp = MHD_create_response_from_fd((size_t)sb.st_size, fd);
	if (!resp) {
		close(fd);
		return reply_errorx(r, 500, "INTERNAL", "服务器内部错误", "internal server error");
	}
	disposition(disp, sizeof(disp), &info, format);
	snprintf(rows, sizeof(rows), "%lld", (long long)count);
	MHD_add_response_header(resp, "Content-Type", regfile_content_type(format));
	MHD_add_response_header(resp, "Content-Disposition", disp);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Weibao-Rows", rows);
	return reply_queue(r, 200, resp);
}

int h_registers_export(struct req *r)
{
	if (req_require(r, PERM_REGISTER_EXPORT))
		return 0;
	if (req_query(r, "purpose"))
		return reply_errorx(
			r, 400, "PURPOSE_IN_URL",
			"导出完整身份证号码请使用 POST 请求并在请求体中说明用途",
			"full ID numbers are exported with POST, the purpose in the body");
	char name[96];
	const char *flagged = req_query(r, "flagged");
	struct register_query q = {.fact_type = req_query(r, "fact_type"),
				   .category = req_query(r, "category"),
				   .flagged = flagged &&
					      (!strcmp(flagged, "1") || !strcmp(flagged, "true"))};
	if (screening_filters(r, &q, req_query(r, "min_level"), name, sizeof(name)))
		return 0;
	return send_export(r, req_query(r, "region"), req_query(r, "format"), &q);
}

int h_registers_export_full(struct req *r)
{
	struct wb_error err;
	const char *region = NULL, *format = NULL, *fact_type = NULL, *purpose = NULL;
	const char *category = NULL;
	int64_t min_level = 0;
	int flagged = 0;
	char name[96], level[8];
	static const char *const keys[] = {"region",	"format",  "fact_type", "category",
					   "min_level", "flagged", "purpose",	NULL};

	if (req_require(r, PERM_REGISTER_EXPORT) || req_require(r, PERM_ID_REVEAL) ||
	    req_parse_json(r))
		return 0;
	wb_error_clear(&err);
	int bad = jcheck_keys(r->json, keys, &err);
	bad |= jget_str(r->json, "region", &region, &err) < 0;
	bad |= jget_str(r->json, "format", &format, &err) < 0;
	bad |= jget_str(r->json, "fact_type", &fact_type, &err) < 0;
	bad |= jget_str(r->json, "purpose", &purpose, &err) < 0;
	bad |= jget_str(r->json, "category", &category, &err) < 0;
	bad |= jget_int(r->json, "min_level", &min_level, &err) < 0;
	bad |= jget_bool(r->json, "flagged", &flagged, &err) < 0;
	if (!bad && !purpose) {
		wb_error_set(&err, WB_EINVAL, 422, "PURPOSE_REQUIRED",
			     "导出完整身份证号码须说明用途（至少4个字）",
			     "state the purpose of exporting full ID numbers (at least 4 "
			     "characters)");
		wb_error_detail(&err, "purpose", "PURPOSE_REQUIRED", "请说明用途（至少4个字）");
		return reply_error(r, &err);
	}
	if (bad) {
		if (!err.code[0])
			wb_error_set(&err, WB_EINVAL, 422, "VALIDATION",
				     "数据校验未通过，请按提示修改",
				     "validation failed; see details");
		return reply_error(r, &err);
	}
	struct register_query q = {.fact_type = fact_type,
				   .purpose = purpose,
				   .category = category,
				   .flagged = flagged};
	snprintf(level, sizeof(level), "%lld", (long long)min_level);
	if (screening_filters(r, &q, level, name, sizeof(name)))
		return 0;
	return send_export(r, region, format, &q);
}
