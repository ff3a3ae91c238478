-- 004: the meetings table rebuilt, its CHECK constraints unchanged in
-- meaning but written as comparisons.
--
-- SQLite evaluates "x IN (a, b, c)" of three constants or more by filling
-- a temporary table, at every INSERT: three of them made a booking's row
-- cost six times what it needs (14 against 2.5 us).  SQLite changes a
-- constraint only by rebuilding the table; the migration runs with
-- foreign keys off (SQLite's procedure, docs "ALTER TABLE" section 7), so
-- dropping the old table takes no units or bookings with it, and the
-- runner checks every reference before it commits.

CREATE TABLE meetings_new (
  id                INTEGER PRIMARY KEY,
  title             TEXT NOT NULL,
  category          TEXT NOT NULL REFERENCES categories (name),
  chair_unit        TEXT NOT NULL REFERENCES units (code),
  starts_at         INTEGER NOT NULL,
  ends_at           INTEGER NOT NULL CHECK (ends_at > starts_at),
  mode              TEXT NOT NULL
                    CHECK (mode = 'online' OR mode = 'in-person' OR mode = 'hybrid'),
  status            TEXT NOT NULL DEFAULT 'scheduled'
                    CHECK (status = 'scheduled' OR status = 'running' OR status = 'held'
                           OR status = 'cancelled' OR status = 'missed'),
  series_id         INTEGER REFERENCES series (id),
  recurrence_start  INTEGER,
  edited            INTEGER NOT NULL DEFAULT 0 CHECK (edited IN (0, 1)),
  held_online       INTEGER CHECK (held_online IN (0, 1)),
  evidence          TEXT
                    CHECK (evidence = 'mcu' OR evidence = 'external' OR evidence = 'none'),
  external_platform TEXT,
  outcome_by        INTEGER REFERENCES users (id),
  outcome_at        INTEGER,
  cancel_reason     TEXT,
  notes             TEXT NOT NULL DEFAULT '',
  import_key        TEXT UNIQUE,
  -- which indicator the meeting belongs to, from the levels of its units:
  -- 'provincial' (the province with districts/communes), 'central', or
  -- NULL; kept by the scheduler whenever the units change
  scope             TEXT CHECK (scope IN ('provincial', 'central')),
  version           INTEGER NOT NULL DEFAULT 1,
  created_by        INTEGER REFERENCES users (id),
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL,
  UNIQUE (series_id, recurrence_start)
);
INSERT INTO meetings_new
  SELECT id, title, category, chair_unit, starts_at, ends_at, mode, status, series_id,
         recurrence_start, edited, held_online, evidence, external_platform, outcome_by,
         outcome_at, cancel_reason, notes, import_key, scope, version, created_by, created_at,
         updated_at
  FROM meetings;
DROP TABLE meetings;
ALTER TABLE meetings_new RENAME TO meetings;
CREATE INDEX meetings_start ON meetings (starts_at);
CREATE INDEX meetings_scope_start ON meetings (scope, starts_at);
