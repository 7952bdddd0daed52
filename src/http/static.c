/*
 * static -- the web UI built into the binary, and the OpenAPI document.
 *
 * Assets come from the generated table (tools/embed.mjs): looked up by binary search,
 * served without copying, gzip when the client accepts it, ETag/If-None-Match → 304.
 * Vite's hashed files under /assets/ are immutable; index.html is revalidated each time.
 */
#include <string.h>

#include "http/assets.h"
#include "http/handlers.h"

extern const char openapi_json[];
extern const size_t openapi_json_len;

const struct asset *asset_find(const char *path, size_t len)
{
	int lo = 0, hi = assets_count - 1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		const char *p = assets[mid].path;
		int c = strncmp(p, path, len);
		if (c == 0 && p[len] != '\0')
			c = 1;
		if (c == 0)
			return &assets[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

int h_openapi(struct req *r)
{
	return reply_raw(r, 200, "application/json; charset=utf-8", openapi_json, openapi_json_len,
			 1, "Cache-Control", "no-cache");
}

int h_static(struct req *r)
{
	const char *path = r->path;
	if (!strcmp(path, "/"))
		path = "/index.html";
	const struct asset *a = asset_find(path, strlen(path));
	if (!a && !strchr(path + 1, '.'))
		a = asset_find("/index.html", 11); /* client-side routes */
	if (!a)
		return reply_raw(r, 404, "text/plain; charset=utf-8", "not found\n", 10, 1, NULL,
				 NULL);

	const char *inm = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "If-None-Match");
	const char *cache = strncmp(a->path, "/assets/", 8) == 0
				    ? "public, max-age=31536000, immutable"
				    : "no-cache";
	struct MHD_Response *resp;
	unsigned status = 200;
	if (inm && !strcmp(inm, a->etag)) {
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
		status = 304;
	} else {
		const char *ae =
			MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Accept-Encoding");
		int gz = a->gz && ae && strstr(ae, "gzip");
		resp = MHD_create_response_from_buffer(gz ? a->gz_len : a->len,
						       (void *)(gz ? a->gz : a->data),
						       MHD_RESPMEM_PERSISTENT);
		if (resp && gz)
			MHD_add_response_header(resp, "Content-Encoding", "gzip");
	}
	if (!resp)
		return -1;
	MHD_add_response_header(resp, "Content-Type", a->content_type);
	MHD_add_response_header(resp, "ETag", a->etag);
	MHD_add_response_header(resp, "Cache-Control", cache);
	MHD_add_response_header(resp, "Vary", "Accept-Encoding");
	return reply_queue(r, status, resp);
}
