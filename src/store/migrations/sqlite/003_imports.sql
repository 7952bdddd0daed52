-- 003 imports: department extracts, their rows' outcomes, rejected rows, the review queue
-- of doubtful matches, and the provenance of facts and person fields.

CREATE TABLE imports (
  id             INTEGER PRIMARY KEY,
  profile        TEXT NOT NULL,           -- profile name (ingest/profiles/<name>.profile)
  file_name      TEXT NOT NULL,
  file_hash      BLOB NOT NULL,           -- BLAKE2b of the file's bytes
  source_unit_id INTEGER REFERENCES units(id),
  region         TEXT NOT NULL REFERENCES regions(code), -- the importer's scope root
  extract_date   TEXT NOT NULL,           -- the day the extract describes (facts end on it)
  status         TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'undone')),
  rows_total     INTEGER NOT NULL DEFAULT 0,
  rows_done      INTEGER NOT NULL DEFAULT 0, -- rows committed; a resumed import goes on here
  counts         TEXT NOT NULL DEFAULT '{}', -- JSON: created, updated, linked, facts_added, …
  created_by     INTEGER NOT NULL REFERENCES users(id),
  created_at     TEXT NOT NULL,
  finished_at    TEXT,
  undone_by      INTEGER REFERENCES users(id),
  undone_at      TEXT
);
CREATE INDEX imports_region ON imports(region, id);
CREATE INDEX imports_file ON imports(file_hash, profile);

-- One row per data row of the file that was taken: which person it concerned and what it
-- did. The provenance of persons, and the list an undo walks.
CREATE TABLE import_rows (
  import_id  INTEGER NOT NULL REFERENCES imports(id),
  row_number INTEGER NOT NULL,
  sheet      INTEGER NOT NULL DEFAULT 0,
  person_id  INTEGER NOT NULL REFERENCES persons(id),
  role       TEXT NOT NULL,               -- profile role: subject, child, father, …
  action     TEXT NOT NULL CHECK (action IN ('created', 'updated', 'linked', 'unchanged')),
  PRIMARY KEY (import_id, sheet, row_number, role)
);
CREATE INDEX import_rows_person ON import_rows(person_id);

-- Rows not taken, with the reason, for the download the clerk fixes and re-imports.
CREATE TABLE import_rejects (
  import_id  INTEGER NOT NULL REFERENCES imports(id),
  row_number INTEGER NOT NULL,
  sheet      INTEGER NOT NULL DEFAULT 0,
  code       TEXT NOT NULL,
  reason     TEXT NOT NULL,               -- Chinese, for the clerk
  reason_en  TEXT NOT NULL,
  cells      TEXT NOT NULL,               -- JSON array of the row's cells as read
  PRIMARY KEY (import_id, sheet, row_number)
);

-- The header row of each sheet, so the rejected rows go back to the clerk under their
-- own column names (and can be fixed and imported again).
CREATE TABLE import_headers (
  import_id  INTEGER NOT NULL REFERENCES imports(id),
  sheet      INTEGER NOT NULL,
  cells      TEXT NOT NULL,               -- JSON array
  PRIMARY KEY (import_id, sheet)
);

-- Doubtful matches wait here for an officer: the row, the candidates with their scores,
-- and the decision.
CREATE TABLE import_reviews (
  id          INTEGER PRIMARY KEY,
  import_id   INTEGER NOT NULL REFERENCES imports(id),
  row_number  INTEGER NOT NULL,
  sheet       INTEGER NOT NULL DEFAULT 0,
  role        TEXT NOT NULL,
  region      TEXT NOT NULL,               -- scope of the row (its region or the import's)
  record      TEXT NOT NULL,               -- JSON: the parsed person of the row
  cells       TEXT NOT NULL,               -- JSON array of the row's cells
  candidates  TEXT NOT NULL,               -- JSON: [{person_id, weight, levels}, …]
  status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'linked', 'created', 'dismissed')),
  person_id   INTEGER REFERENCES persons(id),
  decided_by  INTEGER REFERENCES users(id),
  decided_at  TEXT
);
CREATE INDEX import_reviews_open ON import_reviews(status, region);
CREATE INDEX import_reviews_import ON import_reviews(import_id);

-- Which import last set each person field (name, birth_date, phone, …).
CREATE TABLE person_sources (
  person_id  INTEGER NOT NULL REFERENCES persons(id),
  field      TEXT NOT NULL,
  import_id  INTEGER NOT NULL REFERENCES imports(id),
  row_number INTEGER NOT NULL,
  PRIMARY KEY (person_id, field)
);
CREATE INDEX person_sources_import ON person_sources(import_id);

-- Facts and relations remember the import (and row) they came from. An undone import
-- retracts its facts (retracted_at set once; the row stays for the history).
ALTER TABLE facts ADD COLUMN import_id INTEGER REFERENCES imports(id);
ALTER TABLE facts ADD COLUMN import_row INTEGER;
ALTER TABLE facts ADD COLUMN retracted_at TEXT;
ALTER TABLE relations ADD COLUMN import_id INTEGER REFERENCES imports(id);
CREATE INDEX facts_import ON facts(import_id);
CREATE INDEX relations_import ON relations(import_id);

-- A retracted correction no longer blocks a new one: uniqueness counts live rows only.
DROP INDEX facts_supersedes;
CREATE UNIQUE INDEX facts_supersedes ON facts(supersedes) WHERE retracted_at IS NULL;

INSERT INTO fact_types (code, name, name_en, value_kind, value_enum, sensitive) VALUES
 ('divorced', '离婚', 'divorced', 'none', NULL, 0);
