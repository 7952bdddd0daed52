-- 004 reviews: an officer's decision on a doubtful match is recorded with the row
-- (status, person_id, decided_by, decided_at exist since 003); a dismissal says why.
-- Listing a region's queue walks (status, region, id).

ALTER TABLE import_reviews ADD COLUMN reason TEXT;
DROP INDEX import_reviews_open;
CREATE INDEX import_reviews_open ON import_reviews(status, region, id);
