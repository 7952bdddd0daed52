/* person_fuzzer -- person_validate over fields split from the input at '|'. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain/person.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *fields[6] = {0};
	struct person_valid v;
	struct wb_error e;
	memcpy(buf, data, size);
	buf[size] = '\0';
	int n = 0;
	char *p = buf;
	while (n < 6) {
		fields[n++] = p;
		char *bar = strchr(p, '|');
		if (!bar)
			break;
		*bar = '\0';
		p = bar + 1;
	}
	struct person_input in = {fields[0], fields[1], fields[2], fields[3], fields[4], fields[5]};
	if (person_validate(&v, &in, &e) == 0) {
		if (!v.name[0] || !v.birth_date[0] ||
		    (v.gender != 'M' && v.gender != 'F' && v.gender != 'U'))
			abort();
	} else if (e.ndetails == 0 || !e.code[0]) {
		abort();
	}
	free(buf);
	return 0;
}
