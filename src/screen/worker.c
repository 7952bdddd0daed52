/*
 * screen/worker -- the server's screening thread (see service.h): opens the service on
 * its own connection, screens fully when the database was never screened, not this month
 * or with another rule version, then polls the change queue every SCREEN_POLL_MS and runs
 * the full screens asked for (on demand, after a publish). Its state is published under
 * a mutex for GET /api/v1/screening/status.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "domain/rule.h"
#include "screen/schedule.h"
#include "screen/service.h"
#include "store/screening.h"
#include "store/store.h"

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake, settled;
	pthread_t thread;
	int started, stop;
	struct screening *svc;
	const char *db_path;
	const struct secret_keys *keys;
	/* requests */
	int want_full, want_reload;
	char want_kind[16];
	int64_t want_user;
	int busy;	  /* a dirty pass or a full screen is running */
	char screened[8]; /* YYYY-MM of the last full screen (worker thread only) */
	int64_t retry_at; /* after a failed full screen, the monthly one waits until then */
	struct screening_status status;
} w = {.lock = PTHREAD_MUTEX_INITIALIZER,
       .wake = PTHREAD_COND_INITIALIZER,
       .settled = PTHREAD_COND_INITIALIZER};

struct screening *screening_service(void)
{
	pthread_mutex_lock(&w.lock);
	struct screening *s = w.svc;
	pthread_mutex_unlock(&w.lock);
	return s;
}

struct screening *screening_service_wait(int ms)
{
	struct screening *s;
	struct timespec nap = {0, 20 * 1000000L};
	while (!(s = screening_service()) && ms > 0 && w.started && !w.stop) {
		nanosleep(&nap, NULL);
		ms -= 20;
	}
	return s;
}

void screening_status_get(struct screening_status *out)
{
	pthread_mutex_lock(&w.lock);
	*out = w.status;
	pthread_mutex_unlock(&w.lock);
}

void screening_request_full(const char *kind, int64_t user)
{
	pthread_mutex_lock(&w.lock);
	w.want_full = 1;
	w.want_reload |= !strcmp(kind, "publish");
	snprintf(w.want_kind, sizeof(w.want_kind), "%s", kind);
	w.want_user = user;
	pthread_cond_signal(&w.wake);
	pthread_mutex_unlock(&w.lock);
}

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
	(void)ctx;
	pthread_mutex_lock(&w.lock);
	w.status.done = done;
	w.status.total = total;
	pthread_mutex_unlock(&w.lock);
}

static void set_error(const struct wb_error *err)
{
	pthread_mutex_lock(&w.lock);
	snprintf(w.status.error, sizeof(w.status.error), "%s: %s", err->code, err->message_en);
	pthread_mutex_unlock(&w.lock);
	log_warn("screening: %s (%s)", err->message_en, err->code);
}

static void run_full(struct store *st, const char *kind, int64_t user)
{
	struct screening_summary sum;
	struct wb_error err;
	wb_error_clear(&err);
	pthread_mutex_lock(&w.lock);
	w.status.running = 1;
	w.status.done = 0;
	pthread_mutex_unlock(&w.lock);
	int rc = screening_full(w.svc, st, kind, user, on_progress, NULL, &sum, &err);
	pthread_mutex_lock(&w.lock);
	w.status.running = 0;
	if (!rc) {
		w.status.last = sum;
		w.status.error[0] = 0;
		snprintf(w.screened, sizeof(w.screened), "%.7s", sum.eval_date);
	}
	pthread_mutex_unlock(&w.lock);
	if (rc) {
		set_error(&err);
		w.retry_at = time_now() + 600;
	} else {
		log_info("screening (%s): %lld persons, %lld flagged, %lld events in %.1f s", kind,
			 (long long)sum.persons, (long long)sum.flagged, (long long)sum.events,
			 sum.seconds);
	}
}

/* A full screen at start when none ran this month with the current rule version. */
static void initial_screen(struct store *st)
{
	char month[8], today[11];
	int64_t version = 0, current = 0;
	struct wb_error err;
	wb_error_clear(&err);
	rule_set_free(screening_rules(w.svc, &current));
	if (store_screening_last_run(st, month, &version, &err)) {
		set_error(&err);
		return;
	}
	date_format(date_today(), today);
	snprintf(w.screened, sizeof(w.screened), "%s", month[0] ? month : "none");
	enum screen_due due = screen_due_at_start(month, version, current, today);
	if (due != SCREEN_NOT_DUE)
		run_full(st, due == SCREEN_DUE_INITIAL ? "initial" : "monthly", 0);
}

static void publish_rules_state(void)
{
	int64_t v = 0;
	struct rule_set *rs = screening_rules(w.svc, &v);
	pthread_mutex_lock(&w.lock);
	w.status.rule_version = v;
	snprintf(w.status.rule_label, sizeof(w.status.rule_label), "%s", rule_set_version(rs));
	pthread_mutex_unlock(&w.lock);
	rule_set_free(rs);
}

static void one_pass(struct store *st, int full, int reload, const char *kind, int64_t user)
{
	struct wb_error err;
	int64_t handled = 0;
	wb_error_clear(&err);
	if (reload && screening_reload_rules(w.svc, st, &err))
		set_error(&err);
	if (reload)
		publish_rules_state();
	/* The changes first, also before a full screen: the snapshot must not hold persons
	 * the database no longer has. */
	if (screening_dirty(w.svc, st, &handled, &err))
		set_error(&err);
	else if (handled)
		log_info("screening: %lld persons re-screened after changes", (long long)handled);
	if (full) {
		run_full(st, kind, user);
		return;
	}
	/* A new month: the monthly re-screen (每月动态排查). */
	char today[11];
	date_format(date_today(), today);
	if (screen_due_monthly(w.screened, today, time_now(), w.retry_at))
		run_full(st, "monthly", 0);
}

static void wait_next(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += (long)SCREEN_POLL_MS * 1000000L;
	ts.tv_sec += ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	pthread_mutex_lock(&w.lock);
	w.busy = 0;
	pthread_cond_broadcast(&w.settled);
	if (!w.stop && !w.want_full)
		pthread_cond_timedwait(&w.wake, &w.lock, &ts);
	w.busy = 1;
	pthread_mutex_unlock(&w.lock);
}

static void *worker_main(void *arg)
{
	struct store st;
	struct wb_error err;
	struct screening *svc = NULL;
	(void)arg;
	memset(&st, 0, sizeof(st));
	wb_error_clear(&err);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (store_open(&st, w.db_path, w.keys, 0, 0, &err) || screening_open(&svc, &st, &err)) {
		set_error(&err);
		pthread_mutex_lock(&w.lock);
		w.busy = 0;
		w.stop = 1;
		pthread_cond_broadcast(&w.settled);
		pthread_mutex_unlock(&w.lock);
		if (st.db)
			store_close(&st);
		return NULL;
	}
	pthread_mutex_lock(&w.lock);
	w.svc = svc;
	w.status.ready = 1;
	if (w.stop) /* asked to stop while loading */
		screening_interrupt(svc);
	pthread_mutex_unlock(&w.lock);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* Operators (and the benchmark, which waits for it) see when the start-up load is
	 * over. */
	log_info("screening: ready (persons loaded in %.1f s)",
		 (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	publish_rules_state();
	initial_screen(&st);
	for (;;) {
		wait_next();
		pthread_mutex_lock(&w.lock);
		int stop = w.stop, full = w.want_full, reload = w.want_reload;
		char kind[16];
		int64_t user = w.want_user;
		snprintf(kind, sizeof(kind), "%s", w.want_kind);
		w.want_full = w.want_reload = 0;
		pthread_mutex_unlock(&w.lock);
		if (stop)
			break;
		one_pass(&st, full, reload, kind, user);
	}
	store_close(&st);
	return NULL;
}

int screening_start(const char *db_path, const struct secret_keys *keys, struct wb_error *err)
{
	w.db_path = db_path;
	w.keys = keys;
	w.stop = 0;
	w.busy = 1;
	if (pthread_create(&w.thread, NULL, worker_main, NULL))
		return wb_error_set(err, WB_EINTERNAL, 500, "THREAD", "无法启动筛查线程",
				    "cannot start the screening thread");
	w.started = 1;
	return 0;
}

void screening_stop(void)
{
	if (!w.started)
		return;
	pthread_mutex_lock(&w.lock);
	w.stop = 1;
	screening_interrupt(w.svc);
	pthread_cond_signal(&w.wake);
	pthread_mutex_unlock(&w.lock);
	pthread_join(w.thread, NULL);
	w.started = 0;
	pthread_mutex_lock(&w.lock);
	screening_close(w.svc);
	w.svc = NULL;
	w.status.ready = 0;
	pthread_mutex_unlock(&w.lock);
}

void screening_settle(void)
{
	pthread_mutex_lock(&w.lock);
	while (w.busy && !w.stop)
		pthread_cond_wait(&w.settled, &w.lock);
	pthread_mutex_unlock(&w.lock);
}
