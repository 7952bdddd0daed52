/*
 * jobs -- long work off the HTTP worker threads (CONVENTIONS 13): imports now, full
 * screens and exports later. A bounded queue feeds one worker thread with its own store
 * connection (SQLite has one writer anyway); the API answers 202 with the job's id and
 * the owner polls GET /api/v1/jobs/{id} for progress and the result.
 *
 * Jobs live in memory, in a fixed table: the newest JOBS_MAX are kept, finished ones are
 * reused oldest first, and a full table of unfinished jobs refuses new work (503). Work
 * that must survive a restart keeps its own state in the database (an import resumes).
 */
#ifndef WB_JOBS_H
#define WB_JOBS_H
#include <stdint.h>

#include "core/err.h"
#include "core/secret.h"

struct store;
struct job;

enum { JOBS_MAX = 64 };
enum job_status { JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_FAILED };

/* The work: runs on the worker thread. Returns 0 or a wb_err with err filled. */
typedef int (*job_fn)(struct store *st, struct job *j, void *arg, struct wb_error *err);

int jobs_start(const char *db_path, const struct secret_keys *keys, struct wb_error *err);
void jobs_stop(void); /* finishes the running job, drops queued ones */

/* Queue work for owner; arg is released with free_arg after the run (or when refused).
 * *id gets the job's id. WB_EBUSY (503) when the table is full. */
int jobs_submit(int64_t owner, const char *kind, job_fn fn, void *arg, void (*free_arg)(void *),
		int64_t *id, struct wb_error *err);

/* From inside the work: progress (bytes or items done of total, rows seen) and the result
 * (a JSON text, copied). */
void job_progress(struct job *j, uint64_t done, uint64_t total, int64_t rows);
void job_set_result(struct job *j, const char *json);

struct job_view {
	int64_t id, owner;
	char kind[24];
	enum job_status status;
	uint64_t done, total;
	int64_t rows;
	char *result; /* malloc'd JSON text or NULL; the caller frees */
	struct wb_error error;
};

/* A copy of job id when owner owns it: 0, or WB_ENOTFOUND. */
int jobs_get(int64_t id, int64_t owner, struct job_view *out);
const char *job_status_name(enum job_status s);
/* Wait until no job is queued or running (tests, shutdown). */
void jobs_drain(void);

#endif
