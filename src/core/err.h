/*
 * err -- the one error convention of weibao.
 *
 * Functions that can fail return int: 0 on success, a negative enum wb_err on failure,
 * and fill the caller's struct wb_error with a stable machine code (e.g. "ID_CHECKSUM"),
 * the HTTP status that fits, and a message in Chinese and in English. Errors propagate
 * unchanged; the HTTP layer renders them as
 *   {"error":{"code":…,"message":…,"message_en":…,"details":[…]}}.
 * The messages are static strings or copied into the fixed buffers below, so a
 * struct wb_error owns nothing and needs no release.
 */
#ifndef WB_ERR_H
#define WB_ERR_H

enum wb_err {
	WB_OK = 0,
	WB_EINVAL = -1,	    /* bad input: 400 / 422 */
	WB_ENOTFOUND = -2,  /* 404, also for out-of-scope records */
	WB_ECONFLICT = -3,  /* 409: stale version, duplicate key */
	WB_EFORBIDDEN = -4, /* 403 */
	WB_EAUTH = -5,	    /* 401 */
	WB_ETOOBIG = -6,    /* 413 */
	WB_EBUSY = -7,	    /* 503: database busy, login queue full */
	WB_EDB = -8,	    /* 500: storage failure */
	WB_EINTERNAL = -9,  /* 500 */
	WB_EIO = -10,	    /* file I/O (CLI) */
};

#define WB_ERR_MAX_DETAILS 8

struct wb_error_detail {
	char field[48];
	char code[40];
	char message[160];
};

struct wb_error {
	int status;
	char code[40];
	char message[256];
	char message_en[256];
	int ndetails;
	struct wb_error_detail details[WB_ERR_MAX_DETAILS];
};

/* Reset to "no error". */
void wb_error_clear(struct wb_error *e);

/* Record an error and return rc, so that callers can write
 *   return wb_error_set(err, WB_EINVAL, 422, "ID_CHECKSUM", "…", "…"); */
int wb_error_set(struct wb_error *e, int rc, int status, const char *code, const char *message,
		 const char *message_en);

/* Like wb_error_set, with printf-style formats applied to the same argument list twice
 * is impossible in C, so the formatted variant takes one already-formatted suffix that
 * is appended to both messages (e.g. a field name or a value). */
int wb_error_setx(struct wb_error *e, int rc, int status, const char *code, const char *message,
		  const char *message_en, const char *suffix);

/* Append a per-field detail (ignored beyond WB_ERR_MAX_DETAILS). */
void wb_error_detail(struct wb_error *e, const char *field, const char *code, const char *message);

/* The HTTP status that fits an enum wb_err when no status was recorded. */
int wb_err_status(int rc);

#endif
