/* sealed_rows -- uploaded rows sealed at rest (see sealed_rows.h). */
#include "store/sealed_rows.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "store/db.h"
#include "store/store.h"

static const char SQL_SEALED_FLAG[] = "SELECT 1 FROM settings WHERE key = 'rows_sealed'";
static const char SQL_SET_SEALED[] =
	"INSERT INTO settings (key, value) VALUES ('rows_sealed', '1') ON CONFLICT DO NOTHING";
static const char SQL_LEGACY_REJECTS[] =
	"SELECT rowid, import_id, sheet, row_number, cells FROM import_rejects "
	"WHERE typeof(cells) = 'text'";
static const char SQL_SEAL_REJECT[] = "UPDATE import_rejects SET cells = ? WHERE rowid = ?";
static const char SQL_LEGACY_REVIEWS[] =
	"SELECT id, import_id, sheet, row_number, cells FROM import_reviews "
	"WHERE typeof(cells) = 'text'";
static const char SQL_SEAL_REVIEW[] =
	"UPDATE import_reviews SET cells = ?, cells_key = ? WHERE id = ?";

/* "import_rejects 12 0 345": the table, import, sheet and row. */
static size_t place_ad(char *ad, size_t cap, const struct sealed_place *at)
{
	int n = snprintf(ad, cap, "%s %" PRId64 " %d %" PRId64, at->table, at->import_id, at->sheet,
			 at->row);
	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

void sealed_rows_bind(const struct store *st, struct db_stmt *s, int idx,
		      const struct sealed_place *at, const char *cells_json)
{
	char ad[96];
	size_t adlen = place_ad(ad, sizeof(ad), at), n = strlen(cells_json);
	unsigned char *sealed = xmalloc(secret_sealed_len(n));
	secret_seal(st->keys, sealed, cells_json, n, ad, adlen);
	db_bind_blob(s, idx, sealed, secret_sealed_len(n)); /* copied */
	free(sealed);
}

char *sealed_rows_open(const struct store *st, struct db_stmt *s, int col,
		       const struct sealed_place *at)
{
	char ad[96];
	size_t len, adlen = place_ad(ad, sizeof(ad), at);
	const unsigned char *sealed = db_col_blob(s, col, &len);
	if (!sealed || len < secret_sealed_len(0))
		return NULL;
	size_t n = len - secret_sealed_len(0);
	char *out = xmalloc(n + 1);
	if (secret_open(st->keys, (unsigned char *)out, sealed, len, ad, adlen)) {
		free(out);
		return NULL;
	}
	out[n] = 0;
	return out;
}

void sealed_rows_key(const struct store *st, unsigned char out[SECRET_HASH_BYTES],
		     const char *cells_json)
{
	secret_lookup_hash(st->keys, out, cells_json, strlen(cells_json));
}

/* Seal every text row the query finds; seal_sql binds (cells, [key,] rowid). */
static int seal_table(struct store *st, const char *table, const char *find_sql,
		      const char *seal_sql, int with_key, struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, find_sql);
	int rc;
	/* Collected first: a statement does not step over a table that others change. */
	struct legacy {
		int64_t rowid;
		struct sealed_place at;
		char *cells;
	} *rows = NULL;
	size_t n = 0, cap = 0;
	while ((rc = db_step(s, err)) == DB_ROW) {
		if (n == cap)
			rows = xrealloc(rows, (cap = cap ? cap * 2 : 64) * sizeof(*rows));
		rows[n].rowid = db_col_int(s, 0);
		rows[n].at = (struct sealed_place){table, db_col_int(s, 1), (int)db_col_int(s, 2),
						   db_col_int(s, 3)};
		rows[n++].cells = xstrdup(db_col_text(s, 4));
	}
	db_done(s);
	for (size_t i = 0; i < n && rc >= 0; i++) {
		unsigned char key[SECRET_HASH_BYTES];
		struct db_stmt *u = db_stmt(st->db, seal_sql);
		sealed_rows_bind(st, u, 1, &rows[i].at, rows[i].cells);
		if (with_key) {
			sealed_rows_key(st, key, rows[i].cells);
			db_bind_blob(u, 2, key, sizeof(key));
		}
		db_bind_int(u, with_key ? 3 : 2, rows[i].rowid);
		rc = db_step_done(u, err);
	}
	for (size_t i = 0; i < n; i++)
		free(rows[i].cells);
	free(rows);
	return rc < 0 ? rc : 0;
}

int sealed_rows_seal_legacy(struct store *st, struct wb_error *err)
{
	struct db_stmt *s = db_stmt(st->db, SQL_SEALED_FLAG);
	int rc = db_step(s, err);
	db_done(s);
	if (rc != DB_DONE)
		return rc < 0 ? rc : 0; /* sealed already */
	if ((rc = db_begin_write(st->db, err)))
		return rc;
	rc = seal_table(st, SEALED_REJECTS, SQL_LEGACY_REJECTS, SQL_SEAL_REJECT, 0, err);
	if (!rc)
		rc = seal_table(st, SEALED_REVIEWS, SQL_LEGACY_REVIEWS, SQL_SEAL_REVIEW, 1, err);
	if (!rc)
		rc = db_step_done(db_stmt(st->db, SQL_SET_SEALED), err);
	if (!rc)
		return db_commit(st->db, err);
	db_rollback(st->db);
	return rc;
}
