/*
 * demo -- internal interface between the demo generator's files.
 */
#ifndef WB_DEMO_H
#define WB_DEMO_H
#include <stdint.h>

/* splitmix64: small, fast, and the same sequence on every machine for a seed. */
struct demo_rng {
	uint64_t s;
};
uint64_t demo_next(struct demo_rng *r);
double demo_unit(struct demo_rng *r);		      /* [0, 1) */
int demo_between(struct demo_rng *r, int lo, int hi); /* [lo, hi] */
int demo_chance(struct demo_rng *r, double p);

/* A plausible name for 酉阳: surname by published frequency, given name of 1-2 characters. */
void demo_name(struct demo_rng *r, char gender, char *out, size_t cap);
/* A shared surname for a household's father and children. */
const char *demo_surname(struct demo_rng *r);
void demo_given_name(struct demo_rng *r, char gender, const char *surname, char *out, size_t cap);
/* GB/T 3304 code by the county's ethnic composition. */
const char *demo_ethnicity(struct demo_rng *r);

#endif
