/*
 * hanzi_tables -- the data behind hanzi.c, generated at build time by tools/hanzi2c.sh
 * into build/gen/hanzi_tables.c from Debian's unicode-data package (Unihan kMandarin,
 * kSimplifiedVariant; UnicodeData singleton decompositions). Internal to the domain layer:
 * use hanzi.h. Every table is sorted by its first field, for binary search.
 */
#ifndef WB_HANZI_TABLES_H
#define WB_HANZI_TABLES_H
#include <stddef.h>
#include <stdint.h>

struct hanzi_py {
	uint32_t cp;  /* ideograph */
	uint16_t syl; /* index into hanzi_syllables */
};

struct hanzi_map {
	uint32_t from;
	uint32_t to;
};

extern const char *const hanzi_syllables[];
extern const size_t hanzi_nsyllables;
extern const struct hanzi_py hanzi_py[];
extern const size_t hanzi_npy;
extern const struct hanzi_map hanzi_ts[];
extern const size_t hanzi_nts;
extern const struct hanzi_map hanzi_fold[];
extern const size_t hanzi_nfold;

#endif
