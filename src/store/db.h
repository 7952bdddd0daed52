/*
 * db -- the storage backend interface.
 *
 * The aggregate files of src/store/ (persons.c, facts.c, …) speak only this interface;
 * the SQLite backend (db_sqlite.c) implements it today and a PostgreSQL backend
 * (db_pg.c, libpq) implements the same functions, so neither domain nor HTTP code knows
 * which database runs underneath.
 *
 * SQL is written once, portable between SQLite ≥ 3.35 and PostgreSQL: `?` placeholders
 * (the PostgreSQL backend rewrites them to $n), `RETURNING`, `ON CONFLICT`, row values,
 * no SQLite-only syntax. Statements are identified by the address of their SQL text
 * (a `static const char[]` in the aggregate file) and prepared once per connection.
 *
 * A struct db is one connection and belongs to one thread at a time. Statements are
 * reset by db_done() after use, so no statement keeps a read snapshot open.
 */
#ifndef WB_DB_H
#define WB_DB_H
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct db;
struct db_stmt;

enum { DB_DONE = 0, DB_ROW = 1 };

int db_open(struct db **out, const char *path, int create, struct wb_error *err);
void db_close(struct db *db);

/* Run SQL text without parameters (migrations, pragmas). */
int db_exec(struct db *db, const char *sql, struct wb_error *err);

/* Prepared statement for `sql` (cached per connection by the address of sql). */
struct db_stmt *db_stmt(struct db *db, const char *sql);
void db_bind_int(struct db_stmt *st, int idx, int64_t v);
void db_bind_text(struct db_stmt *st, int idx, const char *s); /* NULL binds NULL */
void db_bind_blob(struct db_stmt *st, int idx, const void *p, size_t n);
void db_bind_null(struct db_stmt *st, int idx);
/* Bind without copying: the caller keeps the bytes alive and unchanged until db_done().
 * For hot loops (bulk loading) where the copy shows in the profile. */
void db_bind_text_ref(struct db_stmt *st, int idx, const char *s);
void db_bind_blob_ref(struct db_stmt *st, int idx, const void *p, size_t n);
/* The same with the length of s given (n bytes, no NUL needed). */
void db_bind_text_ref_len(struct db_stmt *st, int idx, const char *s, size_t n);
/* DB_ROW, DB_DONE or a negative enum wb_err (err filled: CONFLICT for unique keys,
 * BUSY for lock time-outs, DB otherwise). */
int db_step(struct db_stmt *st, struct wb_error *err);
int64_t db_col_int(struct db_stmt *st, int col);
const char *db_col_text(struct db_stmt *st, int col); /* valid until next step/done */
const void *db_col_blob(struct db_stmt *st, int col, size_t *len);
int db_col_is_null(struct db_stmt *st, int col);
/* Reset the statement and clear its bindings; always call after the last step. */
void db_done(struct db_stmt *st);
/* Step a statement that writes (or whose rows are not needed) once and reset it: 0, or
 * the negative enum wb_err of db_step. */
static inline int db_step_done(struct db_stmt *st, struct wb_error *err)
{
	int rc = db_step(st, err);
	db_done(st);
	return rc < 0 ? rc : 0;
}

/* Transactions. db_begin_write takes the write lock at once (BEGIN IMMEDIATE), so a
 * transaction that reads and then writes never fails half-way on a lock upgrade. */
int db_begin_read(struct db *db, struct wb_error *err);
int db_begin_write(struct db *db, struct wb_error *err);
int db_commit(struct db *db, struct wb_error *err);
void db_rollback(struct db *db);
int db_in_transaction(struct db *db);
/* Rows changed by the last INSERT, UPDATE or DELETE on this connection. */
int64_t db_changes(struct db *db);
/* The id of the row the last INSERT on this connection added (not one its triggers added).
 * Cheaper than RETURNING, which SQLite buffers in a temporary table each time. */
int64_t db_last_insert_id(struct db *db);

/* Reading the database file itself (store/import_snap.c reads a large import's tables
 * from their pages). db_checkpoint asks for the WAL to be copied into the file and
 * emptied (best effort; it may wait for readers up to the busy timeout). db_file_whole,
 * inside a write transaction that has written nothing: 1 when the main file now holds
 * the whole database (no WAL, or an empty one) and no other connection can change it
 * until the transaction ends, else 0. db_file is the main file's handle: db_file_pread
 * reads its bytes through it (also on another thread while this connection's transaction
 * keeps the file as it is; the handle's read is a pread); a second descriptor, once
 * closed, would drop SQLite's POSIX locks on the file. db_data_version changes when
 * another connection commits. */
void db_checkpoint(struct db *db);
int db_file_whole(struct db *db);
struct db_file;
struct db_file *db_file(struct db *db);
int db_file_pread(struct db_file *f, void *buf, size_t len, uint64_t off);
/* The main file's first bytes in memory, through SQLite's own memory map of the handle
 * (xFetch: no second descriptor, no copy by the kernel): at most `size` bytes, fewer when
 * SQLite's limit is lower (2 GiB in Debian's build); *mapped says how many (0 and NULL:
 * none). Only under the same conditions as db_file_pread; db_file_unmap gives it back
 * and ends the map. SQLite's pager keeps reading with xRead as before. */
const unsigned char *db_file_map(struct db *db, uint64_t size, uint64_t *mapped);
void db_file_unmap(struct db *db, const unsigned char *p);
int64_t db_data_version(struct db *db);
/* For code that reads or writes a table's pages (store/bulk.c, store/import_snap.c): the
 * root page of rowid table `table` (0 when there is no such table, or it is WITHOUT
 * ROWID) and its columns in order with their declared types, "name TYPE,name TYPE,…"
 * (truncated to cap). */
int db_table_layout(struct db *db, const char *table, uint32_t *root, char *columns, size_t cap,
		    struct wb_error *err);

/* Bulk-load mode for the demo generator: relaxed durability on this connection. */
void db_set_bulk(struct db *db, int on);

/* Test hook (fault injection): make the n-th db_step from now fail with SQLITE_FULL-like
 * storage error. 0 disables. Used by tests to prove that failed writes leave no trace. */
void db_fail_after(struct db *db, int n);

#endif
