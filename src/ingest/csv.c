/* csv -- one-line CSV record splitter (see csv.h). */
#include "ingest/csv.h"

#include <string.h>

int csv_split(char *line, char *fields[CSV_MAX_FIELDS])
{
	size_t n = strlen(line);
	int count = 0;
	char *p = line, *w;

	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	/* A UTF-8 byte order mark on the first line is not part of the first field. */
	if ((unsigned char)p[0] == 0xef && (unsigned char)p[1] == 0xbb &&
	    (unsigned char)p[2] == 0xbf)
		p += 3;
	for (;;) {
		if (count == CSV_MAX_FIELDS)
			return -1;
		fields[count++] = w = p;
		if (*p == '"') {
			p++;
			for (;;) {
				if (*p == '\0')
					return -1; /* unterminated quote */
				if (*p == '"' && p[1] == '"') {
					*w++ = '"';
					p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else {
					*w++ = *p++;
				}
			}
			if (*p != ',' && *p != '\0')
				return -1;
		} else {
			while (*p && *p != ',') {
				if (*p == '"')
					return -1;
				*w++ = *p++;
			}
		}
		char sep = *p;
		*w = '\0';
		if (sep == '\0')
			break;
		p++;
	}
	return count;
}
