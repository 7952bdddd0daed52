-- 005 screening: rule sets with versions, each person's current result, category
-- memberships (the registers), officers' confirmations and rejections, level overrides,
-- and the screening events (gained/lost a category, level raised/lowered) with history.

-- Rule sets are text in the rule language (docs/rules.md). Version 1 is the built-in set,
-- inserted by the server at start when the table is empty. Exactly one is published.
CREATE TABLE rule_sets (
  version      INTEGER PRIMARY KEY,
  label        TEXT NOT NULL,
  source       TEXT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('draft', 'published', 'retired')),
  note         TEXT,
  created_by   INTEGER REFERENCES users(id),
  created_at   TEXT NOT NULL,
  published_by INTEGER REFERENCES users(id),
  published_at TEXT
);
CREATE UNIQUE INDEX rule_sets_published ON rule_sets(status) WHERE status = 'published';

-- The current computed result of a person with any category or a level above none.
-- level: 0 none, 1 蓝, 2 黄, 3 橙, 4 红. explanation: JSON from the engine.
CREATE TABLE screen_results (
  person_id    INTEGER PRIMARY KEY REFERENCES persons(id) ON DELETE CASCADE,
  scope_region TEXT NOT NULL,
  level        INTEGER NOT NULL,
  score        INTEGER NOT NULL,
  guardianship TEXT,
  categories   TEXT NOT NULL,             -- '|'-separated category codes, sorted
  explanation  TEXT NOT NULL,
  rule_version INTEGER NOT NULL REFERENCES rule_sets(version),
  eval_date    TEXT NOT NULL,
  computed_at  TEXT NOT NULL
);
CREATE INDEX screen_results_level ON screen_results(level, scope_region);

-- One row per person and category the rules suggest now; status follows the officers'
-- decisions. A rejected membership stays here (status 'rejected') and is not shown as a
-- suggestion while its facts_key (a hash of the fact ids behind it) is unchanged.
CREATE TABLE screen_memberships (
  person_id    INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  category     TEXT NOT NULL,
  scope_region TEXT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('suggested', 'confirmed', 'rejected')),
  facts_key    TEXT NOT NULL,
  sensitive    INTEGER NOT NULL DEFAULT 0,  -- rests on criminal or psychological facts
  since        TEXT NOT NULL,
  rule_version INTEGER NOT NULL,
  PRIMARY KEY (person_id, category)
);
CREATE INDEX screen_memberships_register ON screen_memberships(category, scope_region);

CREATE TABLE screen_decisions (
  id          INTEGER PRIMARY KEY,
  person_id   INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  category    TEXT NOT NULL,
  decision    TEXT NOT NULL CHECK (decision IN ('confirm', 'reject')),
  reason      TEXT,
  facts_key   TEXT NOT NULL,
  decided_by  INTEGER NOT NULL REFERENCES users(id),
  decided_at  TEXT NOT NULL
);
CREATE INDEX screen_decisions_person ON screen_decisions(person_id, id);

-- An override sets the level shown and acted on until it expires or is revoked; the
-- computed level stays in screen_results.
CREATE TABLE screen_overrides (
  id          INTEGER PRIMARY KEY,
  person_id   INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  level       INTEGER NOT NULL CHECK (level BETWEEN 0 AND 4),
  computed    INTEGER NOT NULL,
  reason      TEXT NOT NULL,
  expires_on  TEXT NOT NULL,
  created_by  INTEGER NOT NULL REFERENCES users(id),
  created_at  TEXT NOT NULL,
  revoked_by  INTEGER REFERENCES users(id),
  revoked_at  TEXT
);
CREATE INDEX screen_overrides_person ON screen_overrides(person_id, id);

-- Events for the task engine and the history: kind category_gained / category_lost
-- (category set) or level_raised / level_lowered (before/after levels).
CREATE TABLE screen_events (
  id           INTEGER PRIMARY KEY,
  person_id    INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  scope_region TEXT NOT NULL,
  kind         TEXT NOT NULL,
  category     TEXT,
  before       INTEGER,
  after        INTEGER,
  rule_version INTEGER NOT NULL,
  at           TEXT NOT NULL
);
CREATE INDEX screen_events_person ON screen_events(person_id, id);
CREATE INDEX screen_events_region ON screen_events(scope_region, id);

-- Full screens: when, with which rule set, how many persons, what changed.
CREATE TABLE screen_runs (
  id           INTEGER PRIMARY KEY,
  rule_version INTEGER NOT NULL,
  eval_date    TEXT NOT NULL,
  kind         TEXT NOT NULL,             -- full | monthly | publish
  persons      INTEGER NOT NULL,
  flagged      INTEGER NOT NULL,
  events       INTEGER NOT NULL,
  started_at   TEXT NOT NULL,
  finished_at  TEXT NOT NULL,
  started_by   INTEGER REFERENCES users(id)
);

-- Persons whose data changed since the screening worker last looked, from any process
-- (HTTP, weibao import, another server): the worker re-reads them into its snapshot,
-- re-screens them and their dependants, and deletes the rows it handled. A bulk load
-- (store/bulk.c) writes its pages without SQL, so no trigger fires: the worker screens
-- everyone after it (a database without a screen run).
CREATE TABLE screen_dirty (
  seq       INTEGER PRIMARY KEY,
  person_id INTEGER NOT NULL
);
CREATE TRIGGER screen_dirty_fact_ins AFTER INSERT ON facts
  BEGIN INSERT INTO screen_dirty (person_id) VALUES (NEW.person_id); END;
CREATE TRIGGER screen_dirty_fact_upd AFTER UPDATE ON facts
  BEGIN INSERT INTO screen_dirty (person_id) VALUES (NEW.person_id); END;
CREATE TRIGGER screen_dirty_rel_ins AFTER INSERT ON relations
  BEGIN INSERT INTO screen_dirty (person_id) VALUES (NEW.person_id); END;
CREATE TRIGGER screen_dirty_rel_del AFTER DELETE ON relations
  BEGIN INSERT INTO screen_dirty (person_id) VALUES (OLD.person_id); END;
CREATE TRIGGER screen_dirty_person_ins AFTER INSERT ON persons
  BEGIN INSERT INTO screen_dirty (person_id) VALUES (NEW.id); END;
CREATE TRIGGER screen_dirty_person_upd AFTER UPDATE OF birth_date, household_id,
  household_region, scope_region, gender ON persons
  BEGIN INSERT INTO screen_dirty (person_id) VALUES (NEW.id); END;
