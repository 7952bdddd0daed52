/* err -- filling struct wb_error; see err.h for the convention. */
#include "core/err.h"

#include <stdio.h>
#include <string.h>

#include "core/utf8.h"

void wb_error_clear(struct wb_error *e)
{
	memset(e, 0, sizeof(*e));
}

int wb_error_set(struct wb_error *e, int rc, int status, const char *code, const char *message,
		 const char *message_en)
{
	if (!e)
		return rc;
	e->status = status ? status : wb_err_status(rc);
	/* cut to their buffers, and still valid UTF-8 (messages go into JSON replies) */
	utf8_copy(e->code, sizeof(e->code), code);
	utf8_copy(e->message, sizeof(e->message), message);
	utf8_copy(e->message_en, sizeof(e->message_en), message_en);
	return rc;
}

int wb_error_setx(struct wb_error *e, int rc, int status, const char *code, const char *message,
		  const char *message_en, const char *suffix)
{
	if (!e)
		return rc;
	wb_error_set(e, rc, status, code, message, message_en);
	if (suffix && *suffix) {
		size_t n = strlen(e->message);
		snprintf(e->message + n, sizeof(e->message) - n, "：%s", suffix);
		n = strlen(e->message_en);
		snprintf(e->message_en + n, sizeof(e->message_en) - n, ": %s", suffix);
		utf8_scrub(e->message);
		utf8_scrub(e->message_en);
	}
	return rc;
}

void wb_error_detail(struct wb_error *e, const char *field, const char *code, const char *message)
{
	struct wb_error_detail *d;

	if (!e || e->ndetails >= WB_ERR_MAX_DETAILS)
		return;
	d = &e->details[e->ndetails++];
	utf8_copy(d->field, sizeof(d->field), field);
	utf8_copy(d->code, sizeof(d->code), code);
	utf8_copy(d->message, sizeof(d->message), message);
}

int wb_err_status(int rc)
{
	switch (rc) {
	case WB_OK: return 200;
	case WB_EINVAL: return 400;
	case WB_ENOTFOUND: return 404;
	case WB_ECONFLICT: return 409;
	case WB_EFORBIDDEN: return 403;
	case WB_EAUTH: return 401;
	case WB_ETOOBIG: return 413;
	case WB_EBUSY: return 503;
	default: return 500;
	}
}
