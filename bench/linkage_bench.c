/*
 * linkage_bench -- probabilistic record linkage against a synthetic county.
 *
 *   linkage_bench [--persons 1000000] [--queries 100000] [--threads 2] [--seed 1]
 *                 [--estimate-u PAIRS] [--upper BITS] [--lower BITS]
 *
 * Indexes the persons of a synthetic set (cli/link_synth.c), links the query rows with
 * pthreads over rows (the index is read-only), and prints build time, rows per second,
 * peak memory, precision, recall and review rate, recall per error kind, and in the same
 * run a baseline: exact match on (name, birth date, gender) through a hash table. Prints
 * figures; asserts nothing.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cli/link_synth.h"
#include "core/xalloc.h"
#include "domain/linkage.h"

struct job {
	const struct link_index *ix;
	const struct link_params *p;
	const struct link_synth *s;
	struct link_result *res;
	size_t from, to;
};

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

static void *run_job(void *arg)
{
	struct job *j = arg;
	for (size_t i = j->from; i < j->to; i++)
		link_query(&j->res[i], j->ix, j->p, &j->s->queries[i]);
	return NULL;
}

static size_t parse_size(const char *s)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v > 100000000ull) {
		fprintf(stderr, "linkage_bench: bad number %s\n", s);
		exit(2);
	}
	return (size_t)v;
}

/* ---- baseline: exact (name, birth, gender) in an open-addressing hash table ---------- */

static uint64_t fnv(const char *s, uint64_t h)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return (h ^ 0xff) * 0x100000001b3ull;
}

static uint64_t exact_key(const struct link_person *p)
{
	uint64_t h = fnv(p->birth, fnv(p->name, 0xcbf29ce484222325ull));
	h = (h ^ (unsigned char)p->gender) * 0x100000001b3ull;
	return h ? h : 1;
}

struct exact_stats {
	size_t tp, fp;
	double seconds;
};

static void baseline(struct exact_stats *st, const struct link_synth *s)
{
	double t0 = now();
	size_t cap = 1;
	while (cap < s->npersons * 2)
		cap *= 2;
	uint64_t *keys = xcalloc(cap, sizeof(*keys));
	uint32_t *rows = xcalloc(cap, sizeof(*rows));
	for (size_t i = 0; i < s->npersons; i++) {
		uint64_t k = exact_key(&s->persons[i]);
		size_t at = (size_t)k & (cap - 1);
		while (keys[at] && keys[at] != k)
			at = (at + 1) & (cap - 1);
		if (!keys[at]) /* first of a duplicate key wins */
			rows[at] = (uint32_t)i;
		keys[at] = k;
	}
	memset(st, 0, sizeof(*st));
	for (size_t q = 0; q < s->nqueries; q++) {
		const struct link_person *p = &s->queries[q];
		uint64_t k = exact_key(p);
		size_t at = (size_t)k & (cap - 1);
		while (keys[at] && keys[at] != k)
			at = (at + 1) & (cap - 1);
		if (!keys[at])
			continue;
		const struct link_person *c = &s->persons[rows[at]];
		if (strcmp(c->name, p->name) || strcmp(c->birth, p->birth) ||
		    c->gender != p->gender)
			continue;
		if (c->id == s->truth[q])
			st->tp++;
		else
			st->fp++;
	}
	st->seconds = now() - t0;
	free(keys);
	free(rows);
}

/* ---- tallies ------------------------------------------------------------------------ */

struct tally {
	size_t present, tp, fp, review, review_present, none_present, wrong_review;
	size_t err_n[LINK_SYN_NERRORS], err_tp[LINK_SYN_NERRORS];
};

static void tally_rows(struct tally *t, const struct link_synth *s, const struct link_result *res)
{
	memset(t, 0, sizeof(*t));
	for (size_t q = 0; q < s->nqueries; q++) {
		const struct link_result *r = &res[q];
		int present = s->truth[q] != 0;
		int right = r->n > 0 && r->cand[0].id == s->truth[q];
		t->present += (size_t)present;
		if (r->decision == LINK_MATCH) {
			t->tp += (size_t)right;
			t->fp += (size_t)!right;
		} else if (r->decision == LINK_REVIEW) {
			t->review++;
			t->review_present += (size_t)present;
		} else {
			t->none_present += (size_t)present;
		}
		for (int e = 0; present && e < LINK_SYN_NERRORS; e++) {
			if (!(s->errors[q] & (1u << e)))
				continue;
			t->err_n[e]++;
			t->err_tp[e] += (size_t)(r->decision == LINK_MATCH && right);
		}
	}
}

static double ratio(size_t a, size_t b)
{
	return b ? (double)a / (double)b : 0;
}

static void print_tally(const struct tally *t, const struct link_synth *s)
{
	printf("linkage: precision=%.4f recall=%.4f matches=%zu false_matches=%zu present=%zu\n",
	       ratio(t->tp, t->tp + t->fp), ratio(t->tp, t->present), t->tp + t->fp, t->fp,
	       t->present);
	printf("linkage: review_rate=%.4f (review rows=%zu, of which present=%zu) "
	       "present_not_linked=%zu\n",
	       ratio(t->review, s->nqueries), t->review, t->review_present, t->none_present);
	printf("linkage: recall by error:");
	for (int e = 0; e < LINK_SYN_NERRORS; e++)
		printf(" %s=%.3f(n=%zu)", link_synth_error_str(1u << e),
		       ratio(t->err_tp[e], t->err_n[e]), t->err_n[e]);
	printf("\n");
}

int main(int argc, char **argv)
{
	struct link_synth_opts o = {1000000, 100000, 0.8, 0.01, 1};
	size_t threads = 2, estimate = 0;
	double upper = 0, lower = 0;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--persons"))
			o.persons = parse_size(argv[i + 1]);
		else if (!strcmp(argv[i], "--queries"))
			o.queries = parse_size(argv[i + 1]);
		else if (!strcmp(argv[i], "--threads"))
			threads = parse_size(argv[i + 1]);
		else if (!strcmp(argv[i], "--seed"))
			o.seed = parse_size(argv[i + 1]);
		else if (!strcmp(argv[i], "--estimate-u"))
			estimate = parse_size(argv[i + 1]);
		else if (!strcmp(argv[i], "--upper"))
			upper = (double)parse_size(argv[i + 1]);
		else if (!strcmp(argv[i], "--lower"))
			lower = (double)parse_size(argv[i + 1]);
	}
	threads = threads < 1 ? 1 : threads > 64 ? 64 : threads;

	struct link_synth s;
	double t0 = now();
	link_synth_generate(&s, &o);
	double t_gen = now() - t0, mb_data = peak_mb();

	struct link_index *ix;
	struct wb_error err;
	t0 = now();
	if (link_index_new(&ix, s.persons, s.npersons, &err) != 0) {
		fprintf(stderr, "linkage_bench: %s\n", err.message_en);
		return 1;
	}
	double t_build = now() - t0;
	printf("linkage: persons=%zu queries=%zu threads=%zu generate_s=%.2f build_s=%.2f "
	       "index_mb=%.1f\n",
	       s.npersons, s.nqueries, threads, t_gen, t_build,
	       (double)link_index_bytes(ix) / 1048576.0);

	struct link_params p;
	link_params_default(&p);
	if (estimate)
		link_params_estimate_u(&p, ix, estimate, o.seed);
	p.upper = upper > 0 ? upper : p.upper;
	p.lower = lower > 0 ? lower : p.lower;
	printf("linkage: upper=%.1f lower=%.1f margin=%.1f tf=%d estimate_u_pairs=%zu\n", p.upper,
	       p.lower, p.margin, p.tf, estimate);

	struct link_result *res = xcalloc(s.nqueries + 1, sizeof(*res));
	pthread_t tid[64];
	struct job jobs[64];
	t0 = now();
	for (size_t t = 0; t < threads; t++) {
		jobs[t] = (struct job){
			ix, &p, &s, res, s.nqueries * t / threads, s.nqueries * (t + 1) / threads};
		pthread_create(&tid[t], NULL, run_job, &jobs[t]);
	}
	size_t compared = 0;
	for (size_t t = 0; t < threads; t++)
		pthread_join(tid[t], NULL);
	double t_link = now() - t0;
	for (size_t q = 0; q < s.nqueries; q++)
		compared += res[q].compared;
	printf("linkage: link_s=%.2f rows_per_s=%.0f comparisons=%zu (%.1f per row) "
	       "total_s=%.2f peak_rss_mb=%.0f (synthetic data alone %.0f)\n",
	       t_link, (double)s.nqueries / t_link, compared, ratio(compared, s.nqueries),
	       t_build + t_link, peak_mb(), mb_data);

	struct tally t;
	tally_rows(&t, &s, res);
	print_tally(&t, &s);

	struct exact_stats ex;
	baseline(&ex, &s);
	printf("baseline exact (name, birth, gender): precision=%.4f recall=%.4f seconds=%.2f\n",
	       ratio(ex.tp, ex.tp + ex.fp), ratio(ex.tp, t.present), ex.seconds);
	printf("ratio of recall linkage/baseline: %.2f\n", ratio(t.tp, ex.tp));
	printf("aim: 100000 rows against 1000000 persons in < 10 s, precision >= 0.99, "
	       "recall >= 0.95\n");
	free(res);
	link_index_free(ix);
	link_synth_release(&s);
	return 0;
}
