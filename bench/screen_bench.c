/*
 * screen_bench -- the screening engine against a demo database, and the same rules as SQL.
 *
 *   screen_bench --db FILE [--replicate 10] [--threads 2] [--repeat 3] [--incremental 20000]
 *                [--sql 1|0]
 *
 * 1. loads the snapshot from the database (store/screen_load.c) and compiles the built-in
 *    rules; 2. full screen of the loaded persons on `threads` threads, best of `repeat`;
 * 3. the snapshot replicated in memory to `replicate` times the persons (a 10 M-person
 *    demo database takes long to generate; the output says so) and screened again;
 * 4. the SQL baseline: 13 of the 17 categories of the built-in set (not the guardianship
 *    rating, the triggers or the score, so the baseline does less work than the engine)
 *    written as SQL over the same facts in SQLite, one query per category, with the
 *    member counts of both side by side; persons per second and the ratio on the same
 *    persons; 5. incremental (after the full screens: it leaves facts behind): one fact of a parent changes (an imprisonment recorded,
 *    then corrected away), the snapshot is updated and the affected persons re-screened;
 *    median and p99 over many repetitions, and the same through store_screen_reload_person
 *    (the database read included). Peak memory from getrusage. Prints figures; asserts
 *    nothing.
 */
#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "core/secret.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "domain/rule.h"
#include "domain/screen.h"
#include "domain/snapshot.h"
#include "store/screen_load.h"
#include "store/store.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double peak_mb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_maxrss / 1024.0;
}

static long num(const char *s)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < 0 || v > 100000000) {
		fprintf(stderr, "screen_bench: bad number %s\n", s);
		exit(2);
	}
	return v;
}

static void die(const char *what, const struct wb_error *e)
{
	fprintf(stderr, "screen_bench: %s: %s\n", what, e->message_en);
	exit(1);
}

/* ---- the engine ---------------------------------------------------------------------- */

static double full_screen(const struct screen_env *env, const struct snapshot *s, int threads,
			  int repeat, struct screen_stats *st)
{
	struct wb_error e;
	double best = 1e9;
	for (int i = 0; i < repeat; i++) {
		if (screen_all(env, s, threads, SCREEN_FLAGGED_ONLY, NULL, NULL, st, &e))
			die("screen_all", &e);
		if (st->seconds < best)
			best = st->seconds;
	}
	return best;
}

static void print_screen(const char *label, const struct snapshot *s, double secs,
			 const struct screen_stats *st)
{
	printf("screen %-28s persons=%u seconds=%.4f persons_per_s=%.0f flagged=%zu "
	       "red=%zu orange=%zu yellow=%zu blue=%zu peak_mb=%.0f\n",
	       label, snapshot_count(s), secs, snapshot_count(s) / secs, st->flagged,
	       st->level[SCREEN_LEVEL_RED], st->level[SCREEN_LEVEL_ORANGE],
	       st->level[SCREEN_LEVEL_YELLOW], st->level[SCREEN_LEVEL_BLUE], peak_mb());
}

/* ---- incremental ------------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int sink(void *ctx, int thread, const struct screen_result *r)
{
	(void)thread;
	*(size_t *)ctx += r->nhits;
	return 0;
}

/* Parents with children: persons with dependants. */
static uint32_t *parents(const struct snapshot *s, size_t *n)
{
	uint32_t *v = xmalloc(snapshot_count(s) * sizeof(*v)), dep[8];
	*n = 0;
	for (uint32_t p = 0; p < snapshot_count(s); p++) {
		struct snapshot_rels r;
		snapshot_person_relations(&r, s, p);
		if (r.n && snapshot_dependants(s, r.target[0], dep, 8) > 1)
			v[(*n)++] = r.target[0];
	}
	return v;
}

static void report(const char *label, double *t, size_t n)
{
	qsort(t, n, sizeof(*t), cmp_double);
	printf("incremental %-34s reps=%zu median_us=%.2f p99_us=%.2f max_us=%.2f\n", label, n,
	       t[n / 2] * 1e6, t[n * 99 / 100] * 1e6, t[n - 1] * 1e6);
}

static void incremental(const struct screen_env *env, struct snapshot *s, size_t reps)
{
	size_t np, hits = 0;
	struct wb_error e;
	uint32_t *par = parents(s, &np), aff[256];
	double *t = xmalloc(reps * sizeof(*t));
	struct snapshot_fact_in f[SNAPSHOT_MAX_FACTS_PER_PERSON];
	for (size_t i = 0; i < reps && np; i++) {
		uint32_t p = par[(i * 7919) % np];
		struct snapshot_facts cur;
		snapshot_person_facts(&cur, s, p);
		size_t n = 0;
		for (uint32_t k = 0; k < cur.n && n + 1 < SNAPSHOT_MAX_FACTS_PER_PERSON; k++)
			if (cur.type[k] != SNAP_FT_IMPRISONED || cur.id[k] != -1)
				f[n++] = (struct snapshot_fact_in){cur.id[k],	0,
								   cur.type[k], cur.value[k],
								   cur.from[k], cur.to[k]};
		int had = n < cur.n; /* our fact was there: this time it is corrected away */
		if (!had)
			f[n++] = (struct snapshot_fact_in){-1,
							   0,
							   SNAP_FT_IMPRISONED,
							   0,
							   screen_env_date(env) - 30,
							   screen_env_date(env) + 3000};
		struct snapshot_person_in pin = {snapshot_person_id(s, p),
						 snapshot_person_household(s, p),
						 snapshot_person_birth(s, p),
						 snapshot_person_gender(s, p),
						 snapshot_person_household_region(s, p),
						 snapshot_person_scope_region(s, p)};
		struct snapshot_rels rl;
		snapshot_person_relations(&rl, s, p);
		struct snapshot_relation_in rels[SNAPSHOT_MAX_RELATIONS_PER_PERSON];
		for (uint32_t k = 0; k < rl.n; k++)
			rels[k] = (struct snapshot_relation_in){
				0, snapshot_person_id(s, rl.target[k]), rl.kind[k], rl.flags[k]};
		size_t na;
		double t0 = now();
		if (snapshot_update_person(s, &pin, f, n, rels, rl.n, aff, 256, &na, &e))
			die("update", &e);
		screen_some(env, s, aff, na < 256 ? na : 256, sink, &hits, &e);
		t[i] = now() - t0;
	}
	if (np)
		report("update+rescreen (in memory)", t, reps);
	free(t);
	free(par);
}

static void incremental_db(const struct screen_env *env, struct snapshot *s, struct store *st,
			   size_t reps)
{
	size_t np, hits = 0, na;
	struct wb_error e;
	struct wb_scope sc;
	store_scope_system(&sc);
	uint32_t *par = parents(s, &np), aff[256];
	double *t = xmalloc(reps * sizeof(*t));
	for (size_t i = 0; i < reps && np; i++) {
		int64_t id = snapshot_person_id(s, par[(i * 104729) % np]);
		double t0 = now();
		if (store_screen_reload_person(st, &sc, s, id, aff, 256, &na, &e))
			die("reload", &e);
		screen_some(env, s, aff, na < 256 ? na : 256, sink, &hits, &e);
		t[i] = now() - t0;
	}
	if (np)
		report("reload from SQLite+rescreen", t, reps);
	free(t);
	free(par);
}

/* ---- the SQL baseline ---------------------------------------------------------------------- */

/* A fact f of person P, current at :d and not superseded. */
#define CUR(f)                                                                                     \
	"(" f ".valid_from IS NULL OR " f ".valid_from <= :d) AND (" f ".valid_to IS NULL OR " f   \
	".valid_to >= :d) AND " f ".retracted_at IS NULL AND NOT EXISTS (SELECT 1 FROM facts g "   \
	"WHERE g.supersedes = " f ".id AND g.retracted_at IS NULL)"
#define HAS(p, type)                                                                               \
	"EXISTS (SELECT 1 FROM facts f WHERE f.person_id = " p " AND f.type = '" type              \
	"' AND " CUR("f") ")"
#define HASW(p, type, extra)                                                                       \
	"EXISTS (SELECT 1 FROM facts f WHERE f.person_id = " p " AND f.type = '" type              \
	"' AND " CUR("f") " AND " extra ")"
#define EVENT(p, type, since)                                                                      \
	"EXISTS (SELECT 1 FROM facts f WHERE f.person_id = " p " AND f.type = '" type              \
	"' AND f.valid_from >= " since " AND f.valid_from <= :d AND f.retracted_at IS NULL AND "   \
	"NOT EXISTS (SELECT 1 FROM facts g WHERE g.supersedes = f.id AND g.retracted_at IS NULL))"
#define PARENT(kind)                                                                               \
	"(SELECT r.related_id FROM relations r WHERE r.person_id = c.id AND r.kind = '" kind       \
	"' LIMIT 1)"
#define LASTING                                                                                    \
	"(f.valid_to IS NULL OR f.valid_from IS NULL OR date(f.valid_from, '+6 months') <= "       \
	"date(f.valid_to, '+1 day'))"
#define SEVERE(p)                                                                                  \
	HASW(p, "disability",                                                                      \
	     "(substr(f.value, 3, 1) <= '2' OR substr(f.value, 1, 1) IN ('5', '6'))")
#define UNABLE(p)                                                                                                                       \
	"(" SEVERE(p) " OR " HAS(p, "serious_illness") " OR " HASW(                                                                     \
		p, "imprisoned",                                                                                                        \
		LASTING) " OR " HASW(p, "compulsory_detox",                                                                             \
				     LASTING) " OR " HASW(p, "detained_other",                                                          \
							  LASTING) " OR " HASW(p, "lost_contact",                                       \
									       "(f.valid_from IS "                                      \
									       "NULL OR "                                               \
									       "f.valid_from <= "                                       \
									       ":m6)") " OR " HAS(p,                                    \
												  "guardianship_revoked") " OR " HAS(p, \
																     "deported") ")"
#define DEADMISSING(p) "(" HAS(p, "deceased") " OR " HAS(p, "declared_missing") ")"
#define AWAY(p)	       HASW(p, "migrant_work", "(f.valid_from IS NULL OR f.valid_from <= :m6)")
#define ANYPARENT(cond)                                                                            \
	"EXISTS (SELECT 1 FROM relations r WHERE r.person_id = c.id AND r.kind IN ('father', "     \
	"'mother', 'stepfather', 'stepmother') AND " cond ")"
#define MINOR "c.birth_date > :d18 AND "
#define ORPHAN                                                                                     \
	"((" DEADMISSING(PARENT("father")) " AND " DEADMISSING(PARENT("mother")) ") OR " HAS(      \
		"c.id", "orphan_allowance") ")"

struct sqlcat {
	const char *code, *sql;
};

static const struct sqlcat sql_cats[] = {
	{"orphan", MINOR ORPHAN},
	{"unsupported", MINOR
	 "NOT " ORPHAN
	 " AND ((" UNABLE(PARENT("father")) " AND " UNABLE(PARENT("mother")) ") OR (" DEADMISSING(PARENT(
		 "father")) " AND " UNABLE(PARENT("mother")) ") "
							     "OR (" DEADMISSING(PARENT("mother")) " AND " UNABLE(PARENT(
								     "father")) ") OR " HAS("c.id",
											    "unsupp"
											    "orted_"
											    "allowa"
											    "nce") ")"},
	{"left_behind", "c.birth_date > :d16 AND " HAS("c.id", "hukou_rural") " AND ((" AWAY(PARENT("father")) " AND " AWAY(PARENT("mother")) ") OR (" AWAY(PARENT("father")) " AND (" HAS(
				PARENT("mother"),
				"serious_illness") " OR " SEVERE(PARENT("mother")) ")) OR (" AWAY(PARENT("mother")) " AND (" HAS(PARENT("father"),
																 "serious_illness") " OR " SEVERE(PARENT("father")) ")))"},
	{"prisoner_child", MINOR ANYPARENT("(" HAS("r.related_id", "imprisoned") " OR " HAS(
				   "r.related_id",
				   "compulsory_detox") ")")},
	{"difficulty",
	 MINOR "(" HAS("c.id", "low_income") " OR " HAS("c.id", "extreme_poverty") " OR " ANYPARENT(
		 "(" HAS("r.related_id", "low_income") " OR " HAS(
			 "r.related_id",
			 "extreme_poverty") ")") " OR " HAS("c.id",
							    "disability") " OR " HAS("c.id",
										     "crime"
										     "_vict"
										     "im") " OR"
											   " " HAS("c.id", "unattended") " OR " ANYPARENT(
												   HAS("r."
												       "rel"
												       "ate"
												       "d_"
												       "id",
												       "gua"
												       "rdi"
												       "ans"
												       "hip"
												       "_re"
												       "vok"
												       "e"
												       "d")) ")"},
	{"psych", MINOR "EXISTS (SELECT 1 FROM facts f WHERE f.person_id = c.id AND f.type = "
			"'psych_screening' AND f.value IN ('黄', '橙', '红') AND f.valid_from >= "
			":m6 AND f.valid_from <= :d AND f.retracted_at IS NULL AND NOT EXISTS "
			"(SELECT 1 FROM facts g WHERE g.supersedes = f.id AND g.retracted_at IS "
			"NULL))"},
	{"bad_behaviour", MINOR EVENT("c.id", "bad_behaviour", ":m12")},
	{"serious_behaviour", MINOR EVENT("c.id", "serious_bad_behaviour", ":m12")},
	{"disabled", MINOR HAS("c.id", "disability")},
	{"dropout", MINOR HAS("c.id", "dropout") " AND NOT " HAS("c.id", "in_school")},
	{"divorced_family",
	 MINOR "(" HAS("c.id", "parents_divorced") " OR " HAS(
		 PARENT("father"), "divorced") " OR " HAS(PARENT("mother"), "divorced") ")"},
	{"victim", MINOR HAS("c.id", "crime_victim")},
	{"correction", MINOR "(" HAS("c.id", "community_correction") " OR " HAS(
			       "c.id", "conditional_non_prosecution") ")"},
};

static void bind_dates(sqlite3_stmt *q, int32_t d)
{
	static const struct {
		const char *name;
		int months;
	} p[] = {{":d", 0}, {":d18", 216}, {":d16", 192}, {":m6", 6}, {":m12", 12}};
	for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		int k = sqlite3_bind_parameter_index(q, p[i].name);
		if (!k)
			continue;
		int y, m, dd;
		date_from_days(d, &y, &m, &dd);
		int t = y * 12 + (m - 1) - p[i].months;
		y = t / 12;
		m = t % 12 + 1;
		int last = (int)(date_days(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) -
				 date_days(y, m, 1));
		char txt[11];
		date_format(date_days(y, m, dd > last ? last : dd), txt);
		sqlite3_bind_text(q, k, txt, -1, SQLITE_TRANSIENT);
	}
}

static void sql_baseline(const char *path, const struct screen_env *env, const struct snapshot *s,
			 const struct screen_stats *st, double engine_secs, double engine_1t)
{
	sqlite3 *db;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fprintf(stderr, "screen_bench: cannot open %s\n", path);
		return;
	}
	const struct rule_set *rs = screen_env_rules(env);
	double total = 0;
	for (size_t i = 0; i < sizeof(sql_cats) / sizeof(sql_cats[0]); i++) {
		char *sql = NULL;
		size_t len = strlen(sql_cats[i].sql) + 64;
		sql = xmalloc(len);
		snprintf(sql, len, "SELECT count(*) FROM persons c WHERE %s", sql_cats[i].sql);
		sqlite3_stmt *q;
		if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
			fprintf(stderr, "screen_bench: %s: %s\n", sql_cats[i].code,
				sqlite3_errmsg(db));
			free(sql);
			continue;
		}
		bind_dates(q, screen_env_date(env));
		double t0 = now();
		long n = sqlite3_step(q) == SQLITE_ROW ? (long)sqlite3_column_int64(q, 0) : -1;
		double dt = now() - t0;
		total += dt;
		int c = rule_set_category_find(rs, sql_cats[i].code);
		printf("sql %-18s members_sql=%-7ld members_engine=%-7zu seconds=%.2f\n",
		       sql_cats[i].code, n, c >= 0 ? st->category[c] : (size_t)0, dt);
		sqlite3_finalize(q);
		free(sql);
	}
	sqlite3_close(db);
	double sql_rate = snapshot_count(s) / total, eng_rate = snapshot_count(s) / engine_secs;
	printf("sql baseline (SQLite %s, 1 thread, 13 categories): persons=%u seconds=%.2f "
	       "persons_per_s=%.0f\n",
	       sqlite3_libversion(), snapshot_count(s), total, sql_rate);
	printf("ratio engine/sql on the same persons: %.0fx on the threads given, %.0fx on one "
	       "thread (engine: all 17 categories, guardianship, triggers and score)\n",
	       eng_rate / sql_rate, snapshot_count(s) / engine_1t / sql_rate);
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	long replicate = 10, threads = 2, repeat = 3, reps = 20000, sql = 1;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--db"))
			path = argv[i + 1];
		else if (!strcmp(argv[i], "--replicate"))
			replicate = num(argv[i + 1]);
		else if (!strcmp(argv[i], "--threads"))
			threads = num(argv[i + 1]);
		else if (!strcmp(argv[i], "--repeat"))
			repeat = num(argv[i + 1]);
		else if (!strcmp(argv[i], "--incremental"))
			reps = num(argv[i + 1]);
		else if (!strcmp(argv[i], "--sql"))
			sql = num(argv[i + 1]);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!path || threads < 1 || repeat < 1) {
		fprintf(stderr, "usage: screen_bench --db FILE [--replicate N] [--threads N] "
				"[--repeat N] [--incremental N] [--sql 1|0]\n");
		return 2;
	}
	struct wb_error e;
	struct secret_keys keys;
	struct store st;
	char key[4096];
	snprintf(key, sizeof(key), "%s.key", path);
	if (secret_init() || secret_key_load(key, &keys, &e) ||
	    store_open(&st, path, &keys, 0, 0, &e))
		die("open", &e);
	struct wb_scope sc;
	store_scope_system(&sc);
	struct snapshot *s;
	double t0 = now();
	if (store_screen_load(&st, &sc, &s, &e))
		die("load", &e);
	struct snapshot_stats ss;
	snapshot_stats(&ss, s);
	printf("load persons=%zu facts=%zu relations=%zu households=%zu dropped_facts=%zu "
	       "seconds=%.2f snapshot_mb=%.0f peak_mb=%.0f\n",
	       ss.persons, ss.facts, ss.relations, ss.households, ss.dropped_facts, now() - t0,
	       ss.bytes / 1048576.0, peak_mb());

	struct rule_set *rs;
	t0 = now();
	if (rule_set_builtin(&rs, &e))
		die("rules", &e);
	printf("compile builtin rules=%d categories=%d version=%s seconds=%.6f\n",
	       rule_set_nrules(rs), rule_set_ncategories(rs), rule_set_version(rs), now() - t0);
	struct screen_env *env;
	screen_env_new(&env, rs, (int32_t)date_today(), &e);

	struct screen_stats st1, st10, one;
	double s1 = full_screen(env, s, (int)threads, (int)repeat, &st1);
	print_screen("loaded", s, s1, &st1);
	full_screen(env, s, 1, 1, &one);
	print_screen("loaded, 1 thread", s, one.seconds, &one);

	if (sql)
		sql_baseline(path, env, s, &st1, s1, one.seconds);

	if (replicate > 1) {
		t0 = now();
		struct snapshot *big = snapshot_replicate(s, (unsigned)replicate);
		snapshot_stats(&ss, big);
		printf("replicate x%ld in memory (the 10 M persons are the loaded demo county "
		       "repeated with fresh ids) persons=%zu seconds=%.2f snapshot_mb=%.0f\n",
		       replicate, ss.persons, now() - t0, ss.bytes / 1048576.0);
		double s10 = full_screen(env, big, (int)threads, (int)repeat, &st10);
		char label[64];
		snprintf(label, sizeof(label), "replicated x%ld", replicate);
		print_screen(label, big, s10, &st10);
		full_screen(env, big, 1, 1, &one);
		snprintf(label, sizeof(label), "replicated x%ld, 1 thread", replicate);
		print_screen(label, big, one.seconds, &one);
		incremental(env, big, (size_t)reps);
		snapshot_free(big);
	}
	/* last: the incremental loops leave some parents with the test's fact */
	incremental(env, s, (size_t)reps);
	incremental_db(env, s, &st, (size_t)(reps / 10 ? reps / 10 : 1));
	printf("peak_mb=%.0f\n", peak_mb());
	screen_env_free(env);
	rule_set_free(rs);
	snapshot_free(s);
	store_close(&st);
	return 0;
}
