/*
 * router -- the static route table: method, path pattern ({} matches one segment),
 * handler, and whether the route needs a session and a CSRF token.
 */
#ifndef WB_ROUTER_H
#define WB_ROUTER_H
#include "http/http.h"

/* ROUTE_SNAPSHOT: the handler only reads, and runs in one read transaction, so its
 * statements share one WAL snapshot and the connection's page cache is checked once per
 * request instead of once per statement (the audit writer changes the WAL constantly). */
enum { ROUTE_PUBLIC = 0, ROUTE_AUTH = 1, ROUTE_CSRF = 2, ROUTE_SNAPSHOT = 4 };

struct route {
	const char *method;
	const char *pattern;
	int (*handler)(struct req *r);
	int flags;
};

extern const struct route routes[];
extern const int routes_count;

/* Find the route for method+path, filling r->params. Returns the route, or NULL with
 * *path_known set when the path exists under another method (405). */
const struct route *router_match(struct req *r, const char *method, const char *path,
				 int *path_known);

#endif
