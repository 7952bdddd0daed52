/*
 * pagefile -- table and index B-trees written straight into an SQLite database file.
 *
 * For bulk loads of empty tables (weibao demo): SQLite's own path (VDBE, B-tree balance,
 * the sorter of CREATE INDEX) spends most of a large load on work a writer that knows the
 * rows arrive in key order does not need. This module writes the documented file format
 * (https://www.sqlite.org/fileformat2.html) for that one case:
 *
 *   - the database file was made by SQLite, is closed by every connection (or no
 *     connection is inside a transaction and none is in WAL mode), has no auto-vacuum,
 *     UTF-8 text, an empty freelist, and the tables and indexes to fill exist and are
 *     empty (their root pages are empty leaves);
 *   - pf_open reads the header; every new page goes after the last page of the file,
 *     skipping the lock-byte page; pf_tree_finish writes the tree's top page into the
 *     table's or index's existing root page, so sqlite_master is not touched;
 *   - pf_close puts the pages reserved but not used on the freelist and writes the
 *     header (page count, freelist, change counter, version-valid-for, and the WAL or
 *     rollback file format); SQLite connections notice the changed counter and reload.
 *
 * Rows and index entries are added in the order SQLite keeps them (rowid order for a
 * table; the index's key order, rowid last, for an index): the caller sorts. Records
 * larger than what a page holds without overflow pages are refused (WB_EINVAL).
 * The file is not crash-safe while it is written: write into a copy and rename it.
 *
 * Threads: a pf_file may be shared by threads, each building its own trees (page
 * allocation is locked); a pf_tree belongs to one thread.
 */
#ifndef WB_STORE_PAGEFILE_H
#define WB_STORE_PAGEFILE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

enum pf_type { PF_NULL, PF_INT, PF_TEXT, PF_BLOB };

struct pf_value {
	enum pf_type type;
	int64_t i;     /* PF_INT */
	const void *p; /* PF_TEXT (UTF-8, not NUL-terminated here), PF_BLOB */
	size_t n;      /* bytes of p */
};

/* The largest record pf_table_add and pf_index_add accept for a page size (payload that
 * stays on the page: table leaf U-35, index ((U-12)*64/255)-23, U the usable size).
 * These two take U = page_size (no reserved bytes); the adders use the file's own U. */
size_t pf_max_table_record(uint32_t page_size);
size_t pf_max_index_record(uint32_t page_size);

/* The SQLite record of n values into out (cap bytes); returns its length, or 0 when it
 * does not fit in cap. Integers take the smallest serial type (8 and 9 for 0 and 1 since
 * file format 4, which SQLite has written by default since 3.3.0). A table's INTEGER
 * PRIMARY KEY column is passed as PF_NULL: SQLite keeps it as the rowid. */
size_t pf_record(unsigned char *out, size_t cap, const struct pf_value *v, int n);

struct pf_file;
struct pf_tree;

/* Open path for writing. pending_byte is the offset of SQLite's lock byte (0: the default
 * 0x40000000; tests pass what they gave SQLITE_TESTCTRL_PENDING_BYTE). NULL (err set) when
 * the file does not meet the conditions above, or has a non-empty -wal or a hot -journal. */
struct pf_file *pf_open(const char *path, int64_t pending_byte, struct wb_error *err);
uint32_t pf_page_size(const struct pf_file *f);

/* Write the header, free list and pages still buffered, fsync, close. wal: 1 to leave the
 * file in WAL mode (header bytes 18 and 19 = 2), 0 rollback (1). Frees f even on error.
 * Every tree must be finished or discarded first (otherwise WB_EINTERNAL, nothing written). */
int pf_close(struct pf_file *f, int wal, struct wb_error *err);
/* Close without writing the header (an aborted load; the file is to be removed). */
void pf_discard(struct pf_file *f);

/* A table B-tree whose root page is root; rows by strictly increasing rowid. */
struct pf_tree *pf_table(struct pf_file *f, uint32_t root);
int pf_table_add(struct pf_tree *t, int64_t rowid, const unsigned char *rec, size_t n,
		 struct wb_error *err);

/* An index B-tree whose root page is root; records (key columns, then the rowid) in
 * increasing order (the caller's order is not checked). */
struct pf_tree *pf_index(struct pf_file *f, uint32_t root);
int pf_index_add(struct pf_tree *t, const unsigned char *rec, size_t n, struct wb_error *err);

/* Write the tree's interior pages and its root; frees t (also on error). A tree with no
 * rows leaves its root page as it was. After an error the pages the tree reserved are
 * not accounted for: pf_discard the file. */
int pf_tree_finish(struct pf_tree *t, struct wb_error *err);
/* Free t without finishing it; every page it reserved goes on the freelist. */
void pf_tree_discard(struct pf_tree *t);

#endif
