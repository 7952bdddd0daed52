-- 006 import packs: the provenance of rows that found their person by ID number and changed
-- nothing, stored compactly. A re-imported extract of a million rows is three million such
-- (row, role, person) entries; as rows of import_rows (three B-trees each) they cost more
-- than the rest of the import. A pack holds one role's entries of one batch on one sheet,
-- as varints: (row − previous row, zigzag(person − previous person)), starting from
-- first_row and person 0. Rows that created, updated or linked a person stay in
-- import_rows. Packs of undone imports may name persons since removed (no foreign key
-- inside a blob); packs of imports not undone keep their persons (see the undo).

CREATE TABLE import_row_packs (
  import_id  INTEGER NOT NULL REFERENCES imports(id),
  sheet      INTEGER NOT NULL,
  role       TEXT NOT NULL,
  first_row  INTEGER NOT NULL,
  entries    BLOB NOT NULL,
  PRIMARY KEY (import_id, sheet, role, first_row)
);
