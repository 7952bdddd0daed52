/* profile_fuzzer -- the profile language parser, and the date, gender and phone
 * normalisers, on arbitrary bytes. Invariants: a parsed profile's indexes stay in range;
 * a normalised date parses again to itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/normalize.h"
#include "ingest/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_profile(const struct profile *p)
{
	if (p->nroles < 1 || p->nroles > PROFILE_MAX_ROLES || p->ncolumns > PROFILE_MAX_COLUMNS)
		abort();
	for (int i = 0; i < p->ncolumns; i++)
		if (p->columns[i].role >= p->nroles || p->columns[i].field >= PF_COUNT)
			abort();
	for (int i = 0; i < p->nfacts; i++)
		if (p->facts[i].role < 0 || p->facts[i].role >= p->nroles)
			abort();
	for (int i = 0; i < p->nmaps; i++)
		if (p->maps[i].column < 0 || p->maps[i].column >= p->ncolumns)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct profile p;
	struct wb_error e;
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	if (profile_parse(&p, text, &e) == 0) {
		check_profile(&p);
		profile_match_header(&p, text);
	}
	if (size < 64) {
		char d[11], again[11], phone[24];
		if (norm_date(d, text, 1) == 0 && (norm_date(again, d, 0) || strcmp(d, again)))
			abort();
		norm_gender(text);
		norm_phone(phone, text);
	}
	free(text);
	return 0;
}
