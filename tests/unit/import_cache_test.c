/* import_cache_test -- the in-memory side of an import's batches (src/store/import_cache.c):
 * packed row provenance round-trips, a pack breaks where it must, the maps and the ID
 * index find what was put and nothing else, and a fact the batch added supersedes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "store/import_cache.h"

struct seen_rows {
	int64_t row[64], person[64];
	int n;
};

static void collect(void *ctx, int64_t row, int64_t person)
{
	struct seen_rows *s = ctx;
	s->row[s->n] = row, s->person[s->n++] = person;
}

static struct import_cache *cache_new(void)
{
	struct import_cache *c = xcalloc(1, sizeof(*c));
	arena_init(&c->strings);
	return c;
}

static void packs_round_trip(void **state)
{
	(void)state;
	struct import_cache *c = cache_new();
	/* rising rows, persons going up and down (zigzag deltas), large ids */
	const int64_t rows[] = {2, 3, 7, 1000, 1001};
	const int64_t persons[] = {5, 3000000000LL, 4, 4, 1};
	for (int i = 0; i < 5; i++)
		assert_null(import_cache_pack_add(c, 0, "subject", rows[i], persons[i]));
	assert_int_equal(c->npacks, 1);
	struct seen_rows s = {0};
	struct ic_pack *pk = &c->packs[0];
	assert_int_equal(import_cache_pack_each(pk->bytes, pk->len, pk->first_row, collect, &s), 0);
	assert_int_equal(s.n, 5);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(s.row[i], rows[i]);
		assert_int_equal(s.person[i], persons[i]);
	}
	/* a truncated blob is refused, not read past its end */
	s.n = 0;
	assert_int_equal(import_cache_pack_each(pk->bytes, pk->len - 1, pk->first_row, collect, &s),
			 -1);
	/* another sheet, or a row not after the last, needs a new pack: the full one is
	 * handed back to be written first */
	assert_ptr_equal(import_cache_pack_add(c, 1, "subject", 1, 9), pk);
	assert_ptr_equal(import_cache_pack_add(c, 0, "subject", 1001, 9), pk);
	pk->len = 0; /* written */
	assert_null(import_cache_pack_add(c, 1, "subject", 1, 9));
	assert_null(import_cache_pack_add(c, 1, "father", 1, 10)); /* a pack per role */
	assert_int_equal(c->npacks, 2);
	import_cache_free(c);
}

static void maps_and_index(void **state)
{
	(void)state;
	struct import_cache *c = cache_new();
	struct imap m = {0};
	for (int64_t k = 1; k <= 5000; k++)
		imap_put(&m, k * 7, (int32_t)k);
	assert_int_equal(imap_get(&m, 7 * 4321), 4321);
	assert_int_equal(imap_get(&m, 8), -1);
	imap_release(&m);
	/* Keys are their own home slots: keys a multiple of the room apart share one, and
	 * probe on; emptied (imap_clear), the map keeps its room and forgets every key. */
	for (int64_t k = 1; k <= 600; k++)
		imap_put(&m, k << 20, (int32_t)k);
	for (int64_t k = 1; k <= 600; k++)
		imap_put(&m, 3 + k, (int32_t)(1000 + k));
	imap_put(&m, 5 << 20, 55); /* again: replaced, not added */
	assert_int_equal(m.n, 1200);
	assert_int_equal(imap_get(&m, 5 << 20), 55);
	assert_int_equal(imap_get(&m, 600LL << 20), 600);
	assert_int_equal(imap_get(&m, 4), 1001);
	assert_int_equal(imap_get(&m, 603), 1600);
	assert_int_equal(imap_get(&m, 604), -1);
	assert_int_equal(imap_get(&m, 601LL << 20), -1);
	size_t cap = m.cap;
	imap_clear(&m);
	assert_int_equal(m.n, 0);
	assert_int_equal(m.cap, cap);
	assert_int_equal(imap_get(&m, 5 << 20), -1);
	imap_put(&m, 9, 1);
	assert_int_equal(imap_get(&m, 9), 1);
	imap_release(&m);
	/* a big table from the huge-page allocator is zeroed and freed like any other */
	uint64_t *big = xcalloc_huge(2 << 20, sizeof(*big));
	assert_true(big[0] == 0 && big[(2 << 20) - 1] == 0);
	big[12345] = 1;
	free(big);

	unsigned char h[SECRET_HASH_BYTES];
	import_cache_idx_reserve(c, 10);
	for (int i = 0; i < 3000; i++) {
		memset(h, 0, sizeof(h));
		memcpy(h, &i, sizeof(i));
		h[31] = 1;
		import_cache_idx_put(c, h, 100 + i);
	}
	memset(h, 0, sizeof(h));
	int k = 2999;
	memcpy(h, &k, sizeof(k));
	assert_int_equal(import_cache_idx_get(c, h), 100 + 2999);
	k = 3000;
	memcpy(h, &k, sizeof(k));
	assert_int_equal(import_cache_idx_get(c, h), 0);

	struct ic_person *e = import_cache_person(c, "500242201504280004", 1);
	assert_non_null(e);
	assert_ptr_equal(import_cache_person(c, "500242201504280004", 0), e);
	assert_null(import_cache_person(c, "500242201504280012", 0));

	struct bits b = {0};
	bits_set(&b, 3000001);
	assert_true(bits_get(&b, 3000001));
	assert_false(bits_get(&b, 3000000));
	assert_false(bits_get(&b, 90000000));
	free(b.w);
	import_cache_free(c);
}

static void facts_supersede(void **state)
{
	(void)state;
	struct import_cache *c = cache_new();
	import_cache_add_fact(c, 42, 7, 1, "hukou_rural", NULL, NULL, NULL);
	import_cache_add_fact(c, 42, 0, 1, "imprisoned", "A", "2024-01-01",
			      NULL); /* this batch's */
	import_cache_drop_fact(c, 42, 7, "hukou_rural");
	import_cache_drop_fact(c, 42, 99, "imprisoned"); /* the batch's own fact of that type */
	int live = 0;
	for (int32_t i = imap_get(&c->fact_head, 42); i >= 0; i = c->facts[i].next)
		live += !c->facts[i].superseded;
	assert_int_equal(live, 0);
	import_cache_add_rel(c, 42, 43, "mother");
	assert_true(import_cache_has_rel(c, 42, 43, "mother"));
	assert_false(import_cache_has_rel(c, 42, 43, "father"));
	import_cache_clear_batch(c);
	assert_false(import_cache_has_rel(c, 42, 43, "mother"));
	import_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(packs_round_trip),
		cmocka_unit_test(maps_and_index),
		cmocka_unit_test(facts_supersede),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
