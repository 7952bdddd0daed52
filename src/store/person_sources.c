/* person_sources -- where a person's fields came from (see person_sources.h). */
#include "store/person_sources.h"

#include <stdio.h>
#include <string.h>

#include "core/utf8.h"
#include "domain/role.h"
#include "store/audit.h"
#include "store/db.h"
#include "store/persons.h"
#include "store/store.h"

static const char SQL_SOURCES[] =
	"SELECT s.field, s.import_id, s.row_number, i.profile, i.file_name, i.source_unit_id, "
	"u.name, i.extract_date, i.created_at, i.region >= ? AND i.region < ? "
	"FROM person_sources s "
	"JOIN imports i ON i.id = s.import_id LEFT JOIN units u ON u.id = i.source_unit_id "
	"WHERE s.person_id = ? ORDER BY s.field";

/* Valid UTF-8 always (an older version could store a file name cut mid-character). */
static void copy(char *out, size_t cap, struct db_stmt *s, int col)
{
	const char *t = db_col_is_null(s, col) ? "" : db_col_text(s, col);
	utf8_copy(out, cap, t ? t : "");
}

int store_person_sources(struct store *st, const struct wb_scope *sc, int64_t person_id,
			 void (*cb)(void *ctx, const struct person_source_row *r), void *ctx,
			 struct wb_error *err)
{
	int rc = store_persons_visible(st, sc, person_id, err);
	if (rc)
		return rc;
	/* The import is named to who may see it (its area within theirs, as GET
	 * /imports/{id}) and who may read sensitive facts: that a parent's fields came from a
	 * list of persons in prison says as much as the fact itself. */
	int sensitive_ok = role_can(sc->role, PERM_SENSITIVE_READ);
	struct db_stmt *s = db_stmt(st->db, SQL_SOURCES);
	db_bind_text(s, 1, sc->lo);
	db_bind_text(s, 2, sc->hi);
	db_bind_int(s, 3, person_id);
	while ((rc = db_step(s, err)) == DB_ROW) {
		struct person_source_row r;
		memset(&r, 0, sizeof(r));
		copy(r.field, sizeof(r.field), s, 0);
		if (!sensitive_ok || !db_col_int(s, 9)) {
			r.hidden = 1;
			cb(ctx, &r);
			continue;
		}
		r.import_id = db_col_int(s, 1);
		r.row = db_col_int(s, 2);
		copy(r.profile, sizeof(r.profile), s, 3);
		copy(r.file_name, sizeof(r.file_name), s, 4);
		r.source_unit_id = db_col_is_null(s, 5) ? 0 : db_col_int(s, 5);
		copy(r.source_unit_name, sizeof(r.source_unit_name), s, 6);
		copy(r.extract_date, sizeof(r.extract_date), s, 7);
		copy(r.imported_at, sizeof(r.imported_at), s, 8);
		cb(ctx, &r);
	}
	db_done(s);
	if (rc < 0)
		return rc;
	struct audit_entry e = {"person.read_sources", "person", person_id, NULL};
	audit_queue_push(st, sc, &e);
	return 0;
}
