-- 001 foundation: regions, units, users, sessions, persons, relations, facts, audit.
-- Portable SQL (SQLite >= 3.35 and PostgreSQL): TEXT dates in ISO form, INTEGER ids.

CREATE TABLE regions (
  code        TEXT PRIMARY KEY,          -- 12-digit statistical code, or 15-digit grid
  name        TEXT NOT NULL,
  level       INTEGER NOT NULL CHECK (level BETWEEN 1 AND 6),
  parent_code TEXT,
  source      TEXT NOT NULL              -- where the row came from (file and edition)
);
CREATE INDEX regions_parent ON regions(parent_code, code);

CREATE TABLE unit_types (
  code    TEXT PRIMARY KEY,
  name    TEXT NOT NULL,
  name_en TEXT NOT NULL
);

CREATE TABLE units (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  type        TEXT NOT NULL REFERENCES unit_types(code),
  region_code TEXT NOT NULL REFERENCES regions(code),
  created_at  TEXT NOT NULL
);
CREATE INDEX units_region ON units(region_code, id);

CREATE TABLE users (
  id              INTEGER PRIMARY KEY,
  username        TEXT NOT NULL UNIQUE,
  password_hash   TEXT NOT NULL,
  role            TEXT NOT NULL,
  unit_id         INTEGER REFERENCES units(id),
  region_code     TEXT NOT NULL REFERENCES regions(code),
  failed_logins   INTEGER NOT NULL DEFAULT 0,
  locked_until    INTEGER NOT NULL DEFAULT 0,
  disabled        INTEGER NOT NULL DEFAULT 0,
  created_at      TEXT NOT NULL,
  password_changed_at TEXT NOT NULL
);

CREATE TABLE sessions (
  token_hash BLOB PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users(id),
  created_at INTEGER NOT NULL,
  last_seen  INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  ip         TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE households (
  id          INTEGER PRIMARY KEY,
  region_code TEXT NOT NULL REFERENCES regions(code),
  address     TEXT
);
CREATE INDEX households_region ON households(region_code);

CREATE TABLE persons (
  id               INTEGER PRIMARY KEY,
  name             TEXT NOT NULL,
  gender           TEXT NOT NULL CHECK (gender IN ('M', 'F', 'U')),
  birth_date       TEXT,
  id_cipher        BLOB,                 -- XChaCha20-Poly1305 of the 18-char ID number
  id_hash          BLOB,                 -- keyed BLAKE2b of the ID number, for lookup (unique)
  ethnicity        TEXT,                 -- GB/T 3304 two-digit code
  household_region TEXT NOT NULL REFERENCES regions(code),
  residence_region TEXT REFERENCES regions(code),
  scope_region     TEXT NOT NULL,        -- region that owns the record: residence, else household
  household_id     INTEGER REFERENCES households(id),
  school_unit_id   INTEGER REFERENCES units(id),
  phone_cipher     BLOB,
  version          INTEGER NOT NULL DEFAULT 1,
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL,
  created_by       INTEGER REFERENCES users(id)
);
CREATE UNIQUE INDEX persons_id_hash ON persons(id_hash);
CREATE INDEX persons_scope ON persons(scope_region, id);
CREATE INDEX persons_scope_birth ON persons(scope_region, birth_date);
CREATE INDEX persons_household ON persons(household_id);
CREATE INDEX persons_school ON persons(school_unit_id);

CREATE TABLE relation_kinds (
  code    TEXT PRIMARY KEY,
  name    TEXT NOT NULL,
  name_en TEXT NOT NULL,
  gbt4761 TEXT                            -- nearest GB/T 4761 code, from the child's view
);

-- A relation is stated from the child's (anchor person's) view: related_id is the
-- child's <kind>. is_guardian and lives_with describe the related person.
CREATE TABLE relations (
  id          INTEGER PRIMARY KEY,
  person_id   INTEGER NOT NULL REFERENCES persons(id),
  related_id  INTEGER NOT NULL REFERENCES persons(id),
  kind        TEXT NOT NULL REFERENCES relation_kinds(code),
  is_guardian INTEGER NOT NULL DEFAULT 0,
  lives_with  INTEGER NOT NULL DEFAULT 0,
  created_at  TEXT NOT NULL,
  created_by  INTEGER REFERENCES users(id),
  CHECK (person_id <> related_id)
);
CREATE UNIQUE INDEX relations_unique ON relations(person_id, related_id, kind);
CREATE INDEX relations_related ON relations(related_id);

CREATE TABLE fact_types (
  code       TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  name_en    TEXT NOT NULL,
  value_kind TEXT NOT NULL,               -- none | text | enum | disability
  value_enum TEXT,                        -- '|'-separated allowed values for enum
  sensitive  INTEGER NOT NULL DEFAULT 0   -- criminal / psychological matters
);

-- Facts are never updated or deleted: a correction is a new row that supersedes the old
-- one (supersedes is unique, so two concurrent corrections of one fact cannot both land).
CREATE TABLE facts (
  id             INTEGER PRIMARY KEY,
  person_id      INTEGER NOT NULL REFERENCES persons(id),
  type           TEXT NOT NULL REFERENCES fact_types(code),
  value          TEXT,
  valid_from     TEXT,
  valid_to       TEXT,
  source_unit_id INTEGER REFERENCES units(id),
  source_doc     TEXT,
  note           TEXT,
  recorded_by    INTEGER NOT NULL REFERENCES users(id),
  recorded_at    TEXT NOT NULL,
  supersedes     INTEGER REFERENCES facts(id)
);
CREATE INDEX facts_person ON facts(person_id, id);
CREATE UNIQUE INDEX facts_supersedes ON facts(supersedes);

-- Append-only, hash-chained audit log: hash = BLAKE2b(prev_hash || canonical entry).
CREATE TABLE audit_log (
  seq         INTEGER PRIMARY KEY,
  at          TEXT NOT NULL,
  user_id     INTEGER,
  username    TEXT,
  action      TEXT NOT NULL,
  object_type TEXT,
  object_id   INTEGER,
  detail      TEXT,
  ip          TEXT,
  prev_hash   BLOB NOT NULL,
  hash        BLOB NOT NULL
);
CREATE INDEX audit_object ON audit_log(object_type, object_id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

