/*
 * serve -- `weibao serve --db FILE [--port 8080] [--listen 127.0.0.1] [--threads N]
 *          [--person-cache SLOTS] [--cookie-secure]`
 * Listens on loopback unless told otherwise; put a TLS-terminating proxy in front for
 * anything else (then pass --cookie-secure).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/cli.h"
#include "http/server.h"

int cmd_serve(int argc, char **argv)
{
	struct cli_opts o;
	struct store st;
	struct secret_keys keys;
	struct wb_error err;
	struct server_options opt = {"127.0.0.1", 8080, 0, 0, -1};
	const char *db;
	char *end;

	cli_opts_init(&o, argc, argv);
	const char *port = cli_opt(&o, "port"), *listen = cli_opt(&o, "listen");
	const char *threads = cli_opt(&o, "threads");
	const char *cache = cli_opt(&o, "person-cache");
	opt.cookie_secure = cli_flag(&o, "cookie-secure");
	if (cli_open(&o, &st, &keys, &db))
		return 1;
	store_close(&st); /* migrations applied; workers open their own connections */
	if (cli_unused(&o))
		return 2;
	if (port) {
		long p = strtol(port, &end, 10);
		if (*end || p < 0 || p > 65535) {
			fprintf(stderr, "weibao: bad --port / 端口无效\n");
			return 2;
		}
		opt.port = (unsigned)p;
	}
	if (listen)
		opt.listen = listen;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	opt.threads = (unsigned)(ncpu > 0 ? ncpu * 2 : 4);
	if (threads) {
		long t = strtol(threads, &end, 10);
		if (*end || t < 1 || t > 64) {
			fprintf(stderr, "weibao: bad --threads (1-64) / 线程数无效\n");
			return 2;
		}
		opt.threads = (unsigned)t;
	}
	if (cache) {
		long c = strtol(cache, &end, 10);
		if (*end || c < 0 || c > (1L << 24)) {
			fprintf(stderr, "weibao: bad --person-cache (0-16777216) / 缓存大小无效\n");
			return 2;
		}
		opt.person_cache = c;
	}
	wb_error_clear(&err);
	if (server_run(db, &keys, &opt, &err))
		return cli_fail(&err);
	return 0;
}
