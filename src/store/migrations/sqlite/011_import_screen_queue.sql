-- 011 a fact an import adds queues its person for screening through the import, not the
-- trigger. The trigger's sub-program (its own cursor on screen_dirty, opened for every
-- row) was a third of the cost of inserting a fact; an import inserts its facts 256 to a
-- statement and queues their persons with one statement of as many rows
-- (store/imports.c: fact_flush, and store_imports_end_missing for the facts it ends).
-- Facts from anywhere else (import_id NULL: entered by hand, the demo) still queue
-- through the trigger, exactly as before.
DROP TRIGGER IF EXISTS screen_dirty_fact_ins;
CREATE TRIGGER screen_dirty_fact_ins AFTER INSERT ON facts WHEN NEW.import_id IS NULL
  BEGIN INSERT INTO screen_dirty (person_id) VALUES (NEW.person_id); END;
