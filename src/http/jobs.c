/* jobs -- a bounded queue of long work with one worker thread (see jobs.h). */
#include "http/jobs.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "store/store.h"

struct job {
	int used;
	int64_t id, owner;
	char kind[24];
	enum job_status status;
	uint64_t done, total;
	int64_t rows;
	char *result;
	struct wb_error error;
	uint64_t seq; /* order of submission, for the queue and for reuse */
	job_fn fn;
	void *arg;
	void (*free_arg)(void *);
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake, idle;
	pthread_t thread;
	int running, stop, busy;
	struct job table[JOBS_MAX];
	int64_t next_id;
	uint64_t next_seq;
	const char *db_path;
	const struct secret_keys *keys;
} q = {.lock = PTHREAD_MUTEX_INITIALIZER,
       .wake = PTHREAD_COND_INITIALIZER,
       .idle = PTHREAD_COND_INITIALIZER};

const char *job_status_name(enum job_status s)
{
	static const char *const names[] = {"queued", "running", "done", "failed"};
	return names[s];
}

/* The oldest queued job, or NULL. Lock held. */
static struct job *next_queued(void)
{
	struct job *best = NULL;
	for (int i = 0; i < JOBS_MAX; i++)
		if (q.table[i].used && q.table[i].status == JOB_QUEUED &&
		    (!best || q.table[i].seq < best->seq))
			best = &q.table[i];
	return best;
}

static void run_one(struct store *st, struct job *j)
{
	struct wb_error err;
	wb_error_clear(&err);
	int rc = st ? j->fn(st, j, j->arg, &err)
		    : wb_error_set(&err, WB_EDB, 503, "DB_UNAVAILABLE", "数据库暂时无法打开",
				   "the database cannot be opened");
	if (j->free_arg)
		j->free_arg(j->arg);
	pthread_mutex_lock(&q.lock);
	j->arg = NULL;
	j->status = rc ? JOB_FAILED : JOB_DONE;
	if (rc)
		j->error = err;
	pthread_mutex_unlock(&q.lock);
	if (rc)
		log_warn("job %lld (%s) failed: %s", (long long)j->id, j->kind, err.code);
}

static void *worker(void *unused)
{
	(void)unused;
	struct store st;
	struct wb_error err;
	int open = store_open(&st, q.db_path, q.keys, 0, 0, &err) == 0;
	pthread_mutex_lock(&q.lock);
	for (;;) {
		struct job *j;
		while (!q.stop && !(j = next_queued())) {
			q.busy = 0;
			pthread_cond_broadcast(&q.idle);
			pthread_cond_wait(&q.wake, &q.lock);
		}
		if (q.stop)
			break;
		q.busy = 1;
		j->status = JOB_RUNNING;
		pthread_mutex_unlock(&q.lock);
		run_one(open ? &st : NULL, j);
		pthread_mutex_lock(&q.lock);
	}
	q.busy = 0;
	pthread_cond_broadcast(&q.idle);
	pthread_mutex_unlock(&q.lock);
	if (open)
		store_close(&st);
	return NULL;
}

int jobs_start(const char *db_path, const struct secret_keys *keys, struct wb_error *err)
{
	q.db_path = db_path;
	q.keys = keys;
	q.stop = 0;
	q.next_id = 1;
	if (pthread_create(&q.thread, NULL, worker, NULL))
		return wb_error_set(err, WB_EINTERNAL, 500, "JOBS_START", "无法启动后台任务线程",
				    "cannot start the job thread");
	q.running = 1;
	return 0;
}

void jobs_stop(void)
{
	if (!q.running)
		return;
	pthread_mutex_lock(&q.lock);
	q.stop = 1;
	pthread_cond_broadcast(&q.wake);
	pthread_mutex_unlock(&q.lock);
	pthread_join(q.thread, NULL);
	q.running = 0;
	for (int i = 0; i < JOBS_MAX; i++) {
		struct job *j = &q.table[i];
		if (j->arg && j->free_arg)
			j->free_arg(j->arg);
		free(j->result);
		memset(j, 0, sizeof(*j));
	}
}

/* A free slot: unused, else the oldest finished job. Lock held. */
static struct job *free_slot(void)
{
	struct job *best = NULL;
	for (int i = 0; i < JOBS_MAX; i++) {
		struct job *j = &q.table[i];
		if (!j->used)
			return j;
		if ((j->status == JOB_DONE || j->status == JOB_FAILED) &&
		    (!best || j->seq < best->seq))
			best = j;
	}
	return best;
}

int jobs_submit(int64_t owner, const char *kind, job_fn fn, void *arg, void (*free_arg)(void *),
		int64_t *id, struct wb_error *err)
{
	pthread_mutex_lock(&q.lock);
	struct job *j = q.running ? free_slot() : NULL;
	if (!j) {
		pthread_mutex_unlock(&q.lock);
		if (free_arg)
			free_arg(arg);
		return wb_error_set(err, WB_EBUSY, 503, "JOBS_FULL", "后台任务已满，请稍后再试",
				    "too many jobs waiting; try again later");
	}
	free(j->result);
	memset(j, 0, sizeof(*j));
	j->used = 1;
	j->id = *id = q.next_id++;
	j->owner = owner;
	snprintf(j->kind, sizeof(j->kind), "%s", kind);
	j->status = JOB_QUEUED;
	j->seq = q.next_seq++;
	j->fn = fn, j->arg = arg, j->free_arg = free_arg;
	pthread_cond_signal(&q.wake);
	pthread_mutex_unlock(&q.lock);
	return 0;
}

void job_progress(struct job *j, uint64_t done, uint64_t total, int64_t rows)
{
	pthread_mutex_lock(&q.lock);
	j->done = done, j->total = total, j->rows = rows;
	pthread_mutex_unlock(&q.lock);
}

void job_set_result(struct job *j, const char *json)
{
	char *copy = xstrdup(json);
	pthread_mutex_lock(&q.lock);
	free(j->result);
	j->result = copy;
	pthread_mutex_unlock(&q.lock);
}

int jobs_get(int64_t id, int64_t owner, struct job_view *out)
{
	int rc = WB_ENOTFOUND;
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&q.lock);
	for (int i = 0; i < JOBS_MAX; i++) {
		struct job *j = &q.table[i];
		if (!j->used || j->id != id || j->owner != owner)
			continue;
		out->id = j->id, out->owner = j->owner;
		memcpy(out->kind, j->kind, sizeof(out->kind));
		out->status = j->status;
		out->done = j->done, out->total = j->total, out->rows = j->rows;
		out->result = j->result ? xstrdup(j->result) : NULL;
		out->error = j->error;
		rc = 0;
	}
	pthread_mutex_unlock(&q.lock);
	return rc;
}

void jobs_drain(void)
{
	pthread_mutex_lock(&q.lock);
	while (q.running && (q.busy || next_queued()))
		pthread_cond_wait(&q.idle, &q.lock);
	pthread_mutex_unlock(&q.lock);
}
