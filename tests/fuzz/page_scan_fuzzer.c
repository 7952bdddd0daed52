/* page_scan_fuzzer -- page_scan_table over a database file image in memory, from every
 * page as a root (most are not table roots: they must be refused, never overread). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/page_scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct image {
	const uint8_t *p;
	size_t n;
};

static int img_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	const struct image *m = ctx;
	if (off > m->n || len > m->n - off)
		return WB_EIO;
	memcpy(buf, m->p + off, len);
	return 0;
}

static int touch_row(void *ctx, int64_t rowid, const struct ps_value *cols, int ncols)
{
	(void)rowid;
	unsigned sum = 0;
	for (int i = 0; i < ncols; i++)
		for (size_t k = 0; k < cols[i].n; k++)
			sum += cols[i].p[k]; /* every byte: an overread shows under ASan */
	*(unsigned *)ctx += sum + 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the image is copied so that ASan knows its exact end */
	uint8_t *copy = malloc(size ? size : 1);
	if (size)
		memcpy(copy, data, size);
	struct image m = {copy, size};
	unsigned sum = 0;
	struct wb_error e;
	for (uint32_t root = 1; root <= 16; root++) {
		int rc = page_scan_table(img_read, &m, root, root % 8, touch_row, &sum, &e);
		if (rc != 0 && rc != WB_EINVAL && rc != WB_EIO)
			abort();
	}
	free(copy);
	return 0;
}
