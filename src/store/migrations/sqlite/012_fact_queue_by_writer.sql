-- 012 every writer of facts queues their persons for screening itself; no trigger on
-- inserts into facts. Even with its WHEN clause false (an import's facts, since 011),
-- the trigger ran its sub-program for every row: measured with callgrind, 3 400
-- instructions a fact, as much as the index facts_person. The writers: store/facts.c
-- (a fact entered by hand) and store/imports.c (an import's facts, and those it ends).
-- The demo writes its facts as pages and screens everything afterwards. Updates of facts
-- (corrections, retractions) still queue through screen_dirty_fact_upd.
DROP TRIGGER IF EXISTS screen_dirty_fact_ins;
