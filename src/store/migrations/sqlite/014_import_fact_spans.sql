-- 014 an import's facts are found by the spans of ids they were inserted in, not by an
-- index entry a fact. facts_import cost a B-tree insert for every fact an import added
-- (about a quarter of a fact's write, and 10 MB of pages for a million facts); an import
-- inserts its facts in runs of consecutive ids (256 to a statement, under the write
-- lock), so one span row stands for a whole run. The writer is store/imports.c, in the
-- transaction that inserts the facts, so a committed fact of an import is always inside
-- one of its spans. A span may also cover ids that are not the import's (an id freed and
-- reused, a fact entered by hand between two batches): readers always also match
-- facts.import_id, so a span is only the way to the rows.
--
-- The spans are also the screening queue of imported facts: the facts of a span above
-- screened_to are not screened yet (store/screening.c reads them by id and moves
-- screened_to on). An import so queues a span, not a screen_dirty row a fact: 11 MB of
-- pages and a B-tree insert less for a million facts, and no million rows to delete.
-- The facts of the spans made here were queued in screen_dirty when they came.
CREATE TABLE import_fact_spans (
  import_id   INTEGER NOT NULL REFERENCES imports(id),
  first_id    INTEGER NOT NULL,
  last_id     INTEGER NOT NULL,
  screened_to INTEGER NOT NULL,          -- the facts (screened_to, last_id] wait
  PRIMARY KEY (import_id, first_id)
);
INSERT INTO import_fact_spans (import_id, first_id, last_id, screened_to)
  SELECT import_id, min(id), max(id), max(id) FROM facts WHERE import_id IS NOT NULL
  GROUP BY import_id;
DROP INDEX IF EXISTS facts_import;
