/* cell -- formula guard and CSV quoting (see cell.h). */
#include "export/cell.h"

#include <string.h>

int cell_is_dangerous(const char *text)
{
	switch (text[0]) {
	case '=':
	case '+':
	case '-':
	case '@':
	case '\t':
	case '\r': return 1;
	default: return 0;
	}
}

int cell_guard(struct buf *b, const char *text)
{
	if (cell_is_dangerous(text) && buf_append(b, "'", 1))
		return -1;
	return buf_appends(b, text);
}

int cell_csv_field(struct buf *b, const char *text)
{
	/* The guard's apostrophe never needs quoting, so decide on the text itself. */
	if (!strpbrk(text, ",\"\r\n"))
		return cell_guard(b, text) ? -1 : 0;
	int rc = buf_append(b, "\"", 1);
	if (!rc && cell_is_dangerous(text))
		rc = buf_append(b, "'", 1);
	for (const char *p = text; *p && !rc;) {
		const char *q = strchr(p, '"');
		size_t n = q ? (size_t)(q - p) + 1 : strlen(p);
		rc = buf_append(b, p, n); /* up to and including a quote, which is then doubled */
		if (!rc && q)
			rc = buf_append(b, "\"", 1);
		p += n;
	}
	if (!rc)
		rc = buf_append(b, "\"", 1);
	return rc ? -1 : 0;
}
