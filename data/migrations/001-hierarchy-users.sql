-- 001: the hierarchy, rooms, users and their sessions.
-- Times are INTEGER seconds since 1970-01-01 UTC; the API speaks ISO 8601
-- with the Asia/Ho_Chi_Minh offset.

CREATE TABLE units (
  code        TEXT PRIMARY KEY,
  level       TEXT NOT NULL CHECK (level IN ('central', 'province', 'district', 'commune')),
  name        TEXT NOT NULL,
  parent_code TEXT REFERENCES units (code),
  code_source TEXT NOT NULL DEFAULT 'gso' CHECK (code_source IN ('gso', 'project'))
);
CREATE INDEX units_parent ON units (parent_code);

-- Every unit and each of its ancestors, itself included: "a unit and
-- everything below it" becomes one indexed lookup.
CREATE TABLE unit_ancestors (
  unit_code     TEXT NOT NULL REFERENCES units (code),
  ancestor_code TEXT NOT NULL REFERENCES units (code),
  depth         INTEGER NOT NULL,
  PRIMARY KEY (ancestor_code, unit_code)
) WITHOUT ROWID;
CREATE INDEX unit_ancestors_unit ON unit_ancestors (unit_code, ancestor_code);

-- A meeting room (điểm cầu); join_identity is what the mcu will accept.
CREATE TABLE rooms (
  id            INTEGER PRIMARY KEY,
  unit_code     TEXT NOT NULL REFERENCES units (code),
  name          TEXT NOT NULL,
  join_identity TEXT NOT NULL UNIQUE,
  is_default    INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1))
);
CREATE INDEX rooms_unit ON rooms (unit_code);
CREATE UNIQUE INDEX rooms_one_default ON rooms (unit_code) WHERE is_default = 1;

CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  login         TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  role          TEXT NOT NULL CHECK (role IN ('admin', 'secretary', 'technician', 'viewer')),
  unit_code     TEXT NOT NULL REFERENCES units (code),
  created_at    INTEGER NOT NULL,
  feed_token_hash BLOB UNIQUE
);

-- Bearer tokens: only a hash of each is kept.
CREATE TABLE sessions (
  token_hash BLOB PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- Settings of this installation, e.g. the random id that makes calendar
-- UIDs unique across installations.
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
