/*
 * screen/service -- automatic screening as it runs: the published rule set, the
 * in-memory snapshot of the facts, and the writing of results, memberships and events.
 *
 * One struct screening per process. The server starts a worker thread (screening_start)
 * with its own store connection that
 *   - seeds the built-in rule set as version 1 when the database has none, compiles the
 *     published set, loads the snapshot and runs a full screen when the database was
 *     never screened, or not this month (每月动态排查), or with another rule version;
 *   - every SCREEN_POLL_MS takes the persons the change triggers marked dirty (from this
 *     server, `weibao import`, or anything else writing the database), re-reads them into
 *     the snapshot, re-screens them and their dependants and writes what changed: a new
 *     fact shows in the child's categories within a second;
 *   - runs a full screen on demand (screening_request_full) and after a publish.
 * The CLI (`weibao screen`) uses the same functions on its own thread.
 *
 * The snapshot and the rule environment are guarded by one rwlock: screens and previews
 * read, reloading a person writes. The database stays the source of truth.
 */
#ifndef WB_SCREEN_SERVICE_H
#define WB_SCREEN_SERVICE_H
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/secret.h"

struct store;
struct screening;
struct rule_set;
struct buf;

enum { SCREEN_POLL_MS = 200, SCREEN_DIRTY_FULL = 50000 };
/* How long a request waits for the service (its rules, its snapshot) while it starts. */
enum { SCREEN_WAIT_MS = 10000 };

/* Progress of a full screen: persons written of total. */
typedef void (*screening_progress)(void *ctx, uint64_t done, uint64_t total);

/* Open: seed/compile the rule set and load the snapshot from st (whole database). */
int screening_open(struct screening **out, struct store *st, struct wb_error *err);
void screening_close(struct screening *s);
/* Make a running full screen stop soon (shutdown): its current batch is rolled back, the
 * batches before stay, no run is logged, so the next start screens fully again. */
void screening_interrupt(struct screening *s);

struct screening_summary {
	int64_t rule_version;
	char rule_label[64];
	char eval_date[11];
	int64_t persons, flagged, events;
	int64_t level[5];
	double seconds, screen_seconds;
};

/* Screen every person and store the results (kind: "full", "monthly", "publish").
 * started_by: user id or 0. */
int screening_full(struct screening *s, struct store *st, const char *kind, int64_t started_by,
		   screening_progress progress, void *ctx, struct screening_summary *sum,
		   struct wb_error *err);
/* Handle the dirty persons: at most SCREEN_DIRTY_FULL at once, else a full reload and
 * screen. *handled gets the number of persons re-screened. */
int screening_dirty(struct screening *s, struct store *st, int64_t *handled, struct wb_error *err);
/* Reload the published rule set (after a publish). */
int screening_reload_rules(struct screening *s, struct store *st, struct wb_error *err);

/* Impact of a rule text against the current rules, per township: JSON into out:
 * {"version_from":…, "date":…, "townships":[{"code","name"?,"gained":{cat:n},
 *  "lost":{cat:n},"raised":n,"lowered":n}], "totals":{…}} (names are added by the
 * caller). WB_EINVAL with the rule error (and pos) when the text does not compile. */
int screening_preview(struct screening *s, const char *text, size_t len, struct buf *out, int *line,
		      int *col, struct wb_error *err);

/* The current rule set (a reference: rule_set_free it) and its version. */
struct rule_set *screening_rules(struct screening *s, int64_t *version);

/* ---- the server's worker ------------------------------------------------------------ */
int screening_start(const char *db_path, const struct secret_keys *keys, struct wb_error *err);
void screening_stop(void);
/* The running service, or NULL before the worker has loaded it. */
struct screening *screening_service(void);
/* The same, waiting up to ms for the worker to load it (a server just started). */
struct screening *screening_service_wait(int ms);
void screening_request_full(const char *kind, int64_t user);

struct screening_status {
	int ready, running;
	uint64_t done, total;
	int64_t rule_version;
	char rule_label[64];
	struct screening_summary last;
	char error[160];
};
void screening_status_get(struct screening_status *out);
/* Wait until no dirty person is waiting and no full screen runs (tests). */
void screening_settle(void);

#endif
