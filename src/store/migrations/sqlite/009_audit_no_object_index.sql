-- 009 the audit log loses its index on (object_type, object_id). Every read of a person
-- writes an entry; with that index each entry was also an insert at a random place of a
-- B-tree (the person ids are random), so a batch of entries dirtied about one index page
-- each and the writer spent most of its time writing those pages to the WAL: at 23 000
-- reads a second it took a third of the CPU and was the whole tail of the read latency
-- (p99 13 ms with it, 3 ms without writing entries). Nothing queries the log by object:
-- it is read in sequence order (the chain, `weibao audit verify`, the admin's list). A
-- per-object view, when one is added, builds its own sorted copy off the request path.
DROP INDEX IF EXISTS audit_object;
