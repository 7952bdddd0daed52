/*
 * person_cache -- rendered person records (see person_cache.h).
 *
 * Slots in sets of WAYS (the person id picks the set; a new record takes the set's empty
 * or stale entry, else its least recently used one), each set guarded by one of 256
 * striped mutexes, so threads reading different persons rarely wait for each other. An
 * entry is valid for one registry version and one day. Measured: with one slot a person
 * (direct-mapped), 20 000 children read again and again in 65 536 slots left about a
 * quarter of the reads to collisions, each a render from SQLite.
 */
#include "store/person_cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "core/xalloc.h"
#include "store/db.h"

#define STRIPES 256
#define WAYS	4

struct entry {
	int64_t id;	 /* 0: empty */
	int64_t version; /* registry version the bytes were rendered under */
	int64_t day;	 /* date_today() then: ages in the record */
	int64_t school_unit_id;
	char scope_region[REGION_CODE_MAX + 1];
	char *data;
	size_t len;
	void *attachment; /* made from data by the layer above, or NULL */
	uint64_t used;	  /* use_clock at the last hit or put: the set's LRU */
};

static struct entry *slots;
static size_t nslots; /* a power of two (WAYS at least), or 0: off */
static _Atomic uint64_t use_clock;
static pthread_mutex_t stripes[STRIPES];
static void (*free_attachment)(void *);

static void drop_attachment(void *a)
{
	if (a && free_attachment)
		free_attachment(a);
}

static const char SQL_VERSION[] = "SELECT n FROM registry_version WHERE id = 1";

void person_cache_init(size_t want, void (*free_att)(void *))
{
	person_cache_free();
	free_attachment = free_att;
	if (!want)
		return;
	size_t n = WAYS;
	while (n < want && n < ((size_t)1 << 24))
		n <<= 1;
	slots = xcalloc(n, sizeof(*slots));
	for (int i = 0; i < STRIPES; i++)
		pthread_mutex_init(&stripes[i], NULL);
	nslots = n;
}

void person_cache_free(void)
{
	if (!slots)
		return;
	for (size_t i = 0; i < nslots; i++) {
		free(slots[i].data);
		drop_attachment(slots[i].attachment);
	}
	free(slots);
	slots = NULL;
	nslots = 0;
}

int person_cache_enabled(void)
{
	return nslots != 0;
}

int store_registry_version(struct store *st, int64_t *n, struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_VERSION);
	int rc = db_step(s, err);
	*n = rc == DB_ROW ? db_col_int(s, 0) : -1;
	db_done(s);
	return rc < 0 ? rc : 0;
}

/* The first slot of the person's set. */
static size_t set_of(int64_t id)
{
	size_t nsets = nslots / WAYS;
	return ((size_t)(((uint64_t)id * 0x9E3779B97F4A7C15ull) >> 20) & (nsets - 1)) * WAYS;
}

static pthread_mutex_t *stripe_of(size_t set)
{
	return &stripes[(set / WAYS) & (STRIPES - 1)];
}

int person_cache_get(struct store *st, const struct wb_scope *sc, int64_t id, int64_t version,
		     void (*cb)(void *ctx, const char *data, size_t len, void **attachment),
		     void *ctx, struct wb_error *err)
{
	if (!nslots || version < 0)
		return 0;
	size_t set = set_of(id);
	int rc = 0;
	int64_t today = date_today();
	pthread_mutex_lock(stripe_of(set));
	for (int w = 0; w < WAYS; w++) {
		struct entry *e = &slots[set + (size_t)w];
		if (e->id != id)
			continue;
		if (e->version == version && e->day == today) {
			if (!store_scope_admits(sc, e->scope_region, e->school_unit_id)) {
				rc = store_persons_not_found(err);
			} else {
				e->used = ++use_clock;
				cb(ctx, e->data, e->len, &e->attachment);
				rc = 1;
			}
		}
		break;
	}
	pthread_mutex_unlock(stripe_of(set));
	if (rc == 1)
		store_persons_audit_read(st, sc, id);
	return rc;
}

/* The entry of the set a record of id goes into: its own, else an empty or stale one,
 * else the least recently used. */
static struct entry *victim(size_t set, int64_t id, int64_t version, int64_t day)
{
	struct entry *best = NULL;
	int best_rank = 3;
	for (int w = 0; w < WAYS; w++) {
		struct entry *e = &slots[set + (size_t)w];
		if (e->id == id)
			return e;
		int rank = !e->id ? 0 : e->version != version || e->day != day ? 1 : 2;
		if (rank < best_rank || (rank == best_rank && e->used < best->used)) {
			best = e;
			best_rank = rank;
		}
	}
	return best;
}

void person_cache_put(const struct person *p, int64_t version, int64_t day, const char *data,
		      size_t len)
{
	if (!nslots || version < 0)
		return;
	char *copy = xmalloc(len);
	memcpy(copy, data, len);
	size_t set = set_of(p->id);
	pthread_mutex_lock(stripe_of(set));
	struct entry *e = victim(set, p->id, version, day);
	char *old = e->data;
	void *old_attachment = e->attachment;
	e->attachment = NULL;
	e->id = p->id;
	e->version = version;
	e->day = day;
	e->school_unit_id = p->school_unit_id;
	memcpy(e->scope_region, p->scope_region, sizeof(e->scope_region));
	e->data = copy;
	e->len = len;
	e->used = ++use_clock;
	pthread_mutex_unlock(stripe_of(set));
	free(old);
	drop_attachment(old_attachment);
}
