-- 002: meetings, recurring series, room bookings, idempotent replies, the
-- audit log.  Times are INTEGER seconds since 1970-01-01 UTC.

CREATE TABLE categories (
  name  TEXT PRIMARY KEY,
  label TEXT NOT NULL
);
INSERT INTO categories (name, label) VALUES
  ('provincial-task', 'Nhiệm vụ của tỉnh'),
  ('training', 'Tập huấn'),
  ('covid-briefing', 'Giao ban phòng chống dịch COVID-19'),
  ('central', 'Họp với Trung ương'),
  ('other', 'Khác');

CREATE TABLE series (
  id            INTEGER PRIMARY KEY,
  title         TEXT NOT NULL,
  category      TEXT NOT NULL REFERENCES categories (name),
  chair_unit    TEXT NOT NULL REFERENCES units (code),
  mode          TEXT NOT NULL CHECK (mode IN ('online', 'in-person', 'hybrid')),
  dtstart       INTEGER NOT NULL,
  duration_min  INTEGER NOT NULL,
  tzid          TEXT NOT NULL,
  rrule         TEXT NOT NULL,
  exdates       TEXT NOT NULL DEFAULT '[]',
  participants  TEXT NOT NULL DEFAULT '[]',
  notes         TEXT NOT NULL DEFAULT '',
  cancelled_at  INTEGER,
  version       INTEGER NOT NULL DEFAULT 1,
  created_by    INTEGER REFERENCES users (id),
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);

CREATE TABLE meetings (
  id                INTEGER PRIMARY KEY,
  title             TEXT NOT NULL,
  category          TEXT NOT NULL REFERENCES categories (name),
  chair_unit        TEXT NOT NULL REFERENCES units (code),
  starts_at         INTEGER NOT NULL,
  ends_at           INTEGER NOT NULL CHECK (ends_at > starts_at),
  mode              TEXT NOT NULL CHECK (mode IN ('online', 'in-person', 'hybrid')),
  status            TEXT NOT NULL DEFAULT 'scheduled'
                    CHECK (status IN ('scheduled', 'running', 'held', 'cancelled', 'missed')),
  series_id         INTEGER REFERENCES series (id),
  recurrence_start  INTEGER,
  edited            INTEGER NOT NULL DEFAULT 0 CHECK (edited IN (0, 1)),
  held_online       INTEGER CHECK (held_online IN (0, 1)),
  evidence          TEXT CHECK (evidence IN ('mcu', 'external', 'none')),
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
CREATE INDEX meetings_start ON meetings (starts_at);
CREATE INDEX meetings_chair_start ON meetings (chair_unit, starts_at);
CREATE INDEX meetings_scope_start ON meetings (scope, starts_at);

-- The units taking part, the chair among them (role 'chair').
CREATE TABLE meeting_units (
  meeting_id INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
  unit_code  TEXT NOT NULL REFERENCES units (code),
  role       TEXT NOT NULL CHECK (role IN ('chair', 'participant')),
  PRIMARY KEY (meeting_id, unit_code)
) WITHOUT ROWID;
CREATE INDEX meeting_units_unit ON meeting_units (unit_code, meeting_id);

-- The rooms a meeting occupies.  Only meetings that hold their rooms
-- (online or hybrid, not cancelled or missed) have rows here, copied with
-- their times, so the conflict check is one indexed range per room.
CREATE TABLE room_bookings (
  room_id    INTEGER NOT NULL REFERENCES rooms (id),
  meeting_id INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
  starts_at  INTEGER NOT NULL,
  ends_at    INTEGER NOT NULL,
  PRIMARY KEY (room_id, starts_at, meeting_id)
) WITHOUT ROWID;
CREATE INDEX room_bookings_meeting ON room_bookings (meeting_id);

-- Answers to POSTs that carried an Idempotency-Key, replayed on retry.
CREATE TABLE idempotency (
  user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  key        TEXT NOT NULL,
  request    TEXT NOT NULL,
  status     INTEGER NOT NULL,
  body       TEXT NOT NULL,
  location   TEXT,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, key)
) WITHOUT ROWID;

-- Append-only: the triggers refuse every update and delete.
CREATE TABLE audit (
  id        INTEGER PRIMARY KEY,
  at        INTEGER NOT NULL,
  user_id   INTEGER REFERENCES users (id),
  login     TEXT NOT NULL,
  action    TEXT NOT NULL,
  entity    TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  before    TEXT,
  after     TEXT
);
CREATE INDEX audit_entity ON audit (entity, entity_id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
  BEGIN SELECT RAISE (ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
  BEGIN SELECT RAISE (ABORT, 'the audit log is append-only'); END;
