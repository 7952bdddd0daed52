/*
 * server -- the HTTP server: libmicrohttpd with an epoll thread pool, every limit set.
 */
#ifndef WB_SERVER_H
#define WB_SERVER_H
#include "http/http.h"

struct server_options {
	const char *listen; /* address to bind, e.g. "127.0.0.1" */
	unsigned port;	    /* 0 picks a free port */
	unsigned threads;
	int cookie_secure;
	long person_cache; /* slots of the rendered-person cache; 0 off, < 0 the default */
};

/* Run until SIGINT/SIGTERM. Prints "weibao: listening on http://HOST:PORT" first. */
int server_run(const char *db_path, const struct secret_keys *keys,
	       const struct server_options *opt, struct wb_error *err);

#endif
