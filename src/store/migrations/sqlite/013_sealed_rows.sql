-- 013 the cells of uploaded rows kept after their import (import_rejects, import_reviews)
-- are sealed at rest like ID numbers and phones, which they hold in full (store/
-- sealed_rows.c): the cells column holds the sealed bytes. A row waiting for review is
-- found again by the keyed hash of its cells, never by their text. Rows written before
-- this migration are sealed, and given their key, by sealed_rows_seal_legacy (it needs
-- the database key, which SQL does not have).
ALTER TABLE import_reviews ADD COLUMN cells_key BLOB;
CREATE INDEX import_reviews_cells_key ON import_reviews(cells_key) WHERE cells_key IS NOT NULL;
-- The keyed hash of a rejected row's subject ID number, when valid: the person is on the
-- extract although the row was not applied, and none of their facts ends as missing.
ALTER TABLE import_rejects ADD COLUMN id_hash BLOB;
