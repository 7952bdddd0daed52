-- 010 three indexes keep only the rows that have the key. A fact supersedes another, or a
-- fact or relation comes from an import, for few rows (none of a demo county or of facts
-- entered by hand), yet each of these indexes had an entry (NULL, rowid) for every row:
-- a third of the index entries of the demo database and two extra B-tree inserts for
-- every fact written. Every query that uses them looks up a value (`supersedes = ?`
-- with `retracted_at IS NULL`, `import_id = ?`), which implies IS NOT NULL, so SQLite
-- still uses the partial indexes (checked with EXPLAIN QUERY PLAN in the API tests).
DROP INDEX IF EXISTS facts_supersedes;
CREATE UNIQUE INDEX facts_supersedes ON facts(supersedes)
  WHERE supersedes IS NOT NULL AND retracted_at IS NULL;
DROP INDEX IF EXISTS facts_import;
CREATE INDEX facts_import ON facts(import_id) WHERE import_id IS NOT NULL;
DROP INDEX IF EXISTS relations_import;
CREATE INDEX relations_import ON relations(import_id) WHERE import_id IS NOT NULL;
