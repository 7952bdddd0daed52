/*
 * server -- libmicrohttpd setup and the request lifecycle.
 *
 * MHD runs an epoll thread pool (MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, pool
 * size = database concurrency). Every limit is set here: connection time-out (MHD's
 * default is never), connection caps, per-connection memory, body size (checked from
 * Content-Length on the first call, and again while the body arrives). Each worker
 * thread opens its own database connection lazily; they are closed after the daemon
 * stops. SIGPIPE is ignored (MHD installs no handler).
 */
#include "http/server.h"
#include "http/jobs.h"
#include "screen/service.h"
#include "store/db.h"

#include <arpa/inet.h>
#include <malloc.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "http/handlers.h"
#include "http/router.h"
#include "store/audit.h"
#include "store/person_cache.h"

#define MAX_WORKERS 64

static _Thread_local struct store *tl_store;
static pthread_mutex_t stores_lock = PTHREAD_MUTEX_INITIALIZER;
static struct store *stores[MAX_WORKERS + 8];
static int nstores;

static struct store *thread_store(struct app *app, struct wb_error *err)
{
	if (tl_store)
		return tl_store;
	struct store *st = xcalloc(1, sizeof(*st));
	if (store_open(st, app->db_path, app->keys, 0, 0, err)) {
		free(st);
		return NULL;
	}
	pthread_mutex_lock(&stores_lock);
	if (nstores < (int)(sizeof(stores) / sizeof(stores[0])))
		stores[nstores++] = st;
	pthread_mutex_unlock(&stores_lock);
	tl_store = st;
	return st;
}

static void close_stores(void)
{
	pthread_mutex_lock(&stores_lock);
	for (int i = 0; i < nstores; i++) {
		store_close(stores[i]);
		free(stores[i]);
	}
	nstores = 0;
	pthread_mutex_unlock(&stores_lock);
}

static void client_ip(struct MHD_Connection *conn, char out[48])
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	out[0] = '\0';
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
			  48);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
			  out, 48);
}

static void too_big(struct req *r)
{
	if (r->upload)
		reply_errorx(r, 413, "BODY_TOO_LARGE", "上传的文件过大（上限 32 MiB），请分批导入",
			     "the uploaded file is too large (limit 32 MiB); split it");
	else
		reply_errorx(r, 413, "BODY_TOO_LARGE", "请求体过大（上限 64 KiB）",
			     "the request body is too large (limit 64 KiB)");
}

static void dispatch(struct req *r)
{
	struct wb_error err;
	int known;

	if (strncmp(r->path, "/api/", 5) != 0) {
		if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD")) {
			reply_errorx(r, 405, "METHOD_NOT_ALLOWED", "不支持该请求方法",
				     "method not allowed");
			return;
		}
		h_static(r);
		return;
	}
	if (r->body_too_big) {
		too_big(r);
		return;
	}
	const struct route *rt = router_match(r, r->method, r->path, &known);
	if (!rt) {
		if (known)
			reply_errorx(r, 405, "METHOD_NOT_ALLOWED", "不支持该请求方法",
				     "method not allowed");
		else
			reply_errorx(r, 404, "NOT_FOUND", "接口不存在", "no such endpoint");
		return;
	}
	wb_error_clear(&err);
	r->st = thread_store(r->app, &err);
	if (!r->st) {
		reply_error(r, &err);
		return;
	}
	if ((rt->flags & ROUTE_AUTH) && auth_session(r))
		return;
	if ((rt->flags & ROUTE_CSRF) && auth_csrf(r))
		return;
	if ((rt->flags & ROUTE_SNAPSHOT) && db_begin_read(r->st->db, &err) == 0) {
		rt->handler(r);
		db_rollback(r->st->db); /* nothing was written: ending the read is enough */
	} else {
		rt->handler(r);
	}
	if (!r->replied)
		reply_errorx(r, 500, "INTERNAL", "服务器内部错误", "internal server error");
}

/* An upload's session and CSRF token are checked before its body is read, so nobody
 * without the right can make the server take in megabytes. */
static void upload_start(struct req *r)
{
	struct wb_error err;
	r->upload = 1;
	buf_release(&r->body);
	buf_init(&r->body, HTTP_UPLOAD_MAX);
	wb_error_clear(&err);
	r->st = thread_store(r->app, &err);
	if (!r->st)
		reply_error(r, &err);
	else if (!auth_session(r))
		auth_csrf(r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct req *r = *con_cls;
	(void)version;

	if (!r) {
		r = xcalloc(1, sizeof(*r));
		r->conn = conn;
		r->app = cls;
		arena_init(&r->arena);
		buf_init(&r->body, HTTP_BODY_MAX);
		r->method = method;
		r->path = url;
		client_ip(conn, r->ip);
		*con_cls = r;
		if (!strcmp(method, "POST") && !strcmp(url, "/api/v1/imports"))
			upload_start(r);
		/* Refuse an announced oversized body before reading any of it. */
		const char *cl =
			MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
		if (!r->replied && cl &&
		    strtoull(cl, NULL, 10) > (r->upload ? HTTP_UPLOAD_MAX : HTTP_BODY_MAX))
			too_big(r);
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!r->replied && !r->body_too_big &&
		    buf_append(&r->body, upload_data, *upload_data_size))
			r->body_too_big = 1; /* keep discarding; answer 413 at the end */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (r->replied)
		return MHD_YES;
	dispatch(r);
	return r->replied ? MHD_YES : MHD_NO;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct req *r = *con_cls;
	(void)cls;
	(void)conn;
	(void)toe;
	if (!r)
		return;
	if (r->json)
		json_decref(r->json);
	buf_release(&r->body);
	arena_release(&r->arena);
	free(r);
	*con_cls = NULL;
}

static void log_mhd(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	size_t n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_warn("httpd: %s", msg);
}

static void destroy_response(void *resp)
{
	MHD_destroy_response(resp);
}

int server_run(const char *db_path, const struct secret_keys *keys,
	       const struct server_options *opt, struct wb_error *err)
{
	struct app app = {db_path, keys, opt->cookie_secure};
	struct sockaddr_in addr;
	sigset_t sigs;
	int sig;

	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)opt->port);
	if (inet_pton(AF_INET, opt->listen, &addr.sin_addr) != 1)
		return wb_error_setx(err, WB_EINVAL, 400, "LISTEN_ADDRESS", "监听地址无效",
				     "invalid listen address", opt->listen);

	/* Keep freed heap memory instead of handing it back to the kernel after each burst:
	 * with the default thresholds every worker arena shrank and regrew, and zeroing the
	 * fresh pages was 3 % of a person read (perf). */
	mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
	mallopt(M_TOP_PAD, 4 * 1024 * 1024);
	mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024);

	/* Handle shutdown signals synchronously in this thread; block them in workers. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	int swept = h_imports_sweep_spool(db_path);
	if (swept)
		log_info("removed %d upload(s) left in the spool by an earlier run", swept);
	int rc = audit_queue_start(db_path, keys, err);
	if (rc)
		return rc;
	if ((rc = jobs_start(db_path, keys, err))) {
		audit_queue_stop();
		return rc;
	}
	if ((rc = screening_start(db_path, keys, err))) {
		jobs_stop();
		audit_queue_stop();
		return rc;
	}
	auth_init(2);
	/* 65 536 rendered persons by default: each holds its text and, once read again, its
	 * ready response (measured: 48 MB for a 60 000-person working set; 200 MB at most). */
	person_cache_init(opt->person_cache < 0 ? 65536 : (size_t)opt->person_cache,
			  destroy_response);

	/* Connection memory 16 KiB (MHD's default is 32): MHD zeroes a connection's pool for
	 * every request, which was 4.6 % of a cached person read at 32 KiB; headers and
	 * the read buffer of a 64 KiB body fit (the body arrives in pieces). */
	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO | MHD_USE_ERROR_LOG,
		(uint16_t)opt->port, NULL, NULL, on_request, &app, MHD_OPTION_EXTERNAL_LOGGER,
		log_mhd, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
		MHD_OPTION_THREAD_POOL_SIZE, opt->threads, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
		MHD_OPTION_CONNECTION_LIMIT, 1024u, MHD_OPTION_PER_IP_CONNECTION_LIMIT, 256u,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(16 * 1024),
		MHD_OPTION_LISTEN_BACKLOG_SIZE, 512u, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
		NULL, MHD_OPTION_END);
	if (!d) {
		screening_stop();
		jobs_stop();
		audit_queue_stop();
		return wb_error_set(err, WB_EIO, 500, "LISTEN_FAILED",
				    "无法启动 HTTP 服务（端口可能已被占用）",
				    "cannot start the HTTP server (is the port in use?)");
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	unsigned port = info ? info->port : opt->port;
	printf("weibao: listening on http://%s:%u\n", opt->listen, port);
	fflush(stdout);
	log_info("serving %s on %s:%u with %u threads", db_path, opt->listen, port, opt->threads);

	sigwait(&sigs, &sig);
	log_info("signal %d: shutting down", sig);
	MHD_stop_daemon(d);
	screening_stop();
	jobs_stop();
	close_stores();
	audit_queue_stop();
	person_cache_free();
	return 0;
}
