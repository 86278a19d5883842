-- StrikeLedger schema. Instants are INTEGER seconds since the Unix epoch (UTC).
-- Revisions, voids and change events are append-only: triggers refuse UPDATE and DELETE.

CREATE TABLE cities (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  country TEXT NOT NULL,
  region TEXT,
  timezone TEXT NOT NULL,
  latitude REAL NOT NULL,
  longitude REAL NOT NULL
);

CREATE TABLE city_aliases (
  city_id INTEGER NOT NULL REFERENCES cities(id),
  alias TEXT NOT NULL,
  UNIQUE (city_id, alias)
);

CREATE TABLE sources (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('official','military','emergency_service','media','social','ngo','other')),
  url TEXT,
  reliability TEXT CHECK (reliability IS NULL OR reliability IN ('A','B','C','D','E','F')),
  created_at INTEGER NOT NULL
);
-- One source per (kind, name, url): posting it again finds the existing one.
CREATE UNIQUE INDEX sources_identity ON sources (kind, name, coalesce(url, ''));
CREATE INDEX sources_name ON sources (name COLLATE NOCASE);

CREATE TABLE strikes (
  id INTEGER PRIMARY KEY,
  city_id INTEGER NOT NULL REFERENCES cities(id),
  occurred_at INTEGER NOT NULL,
  time_precision TEXT NOT NULL CHECK (time_precision IN ('minute','hour','day')),
  local_date TEXT NOT NULL,
  latitude REAL,
  longitude REAL,
  weapons TEXT NOT NULL DEFAULT '[]',
  description TEXT,
  damage TEXT,
  merged_into INTEGER REFERENCES strikes(id),
  merged_at INTEGER,
  version INTEGER NOT NULL DEFAULT 1,
  -- The toll cache: what Toll.derive gives for the strike's history, kept in the
  -- same transaction as every revision, void and merge.
  toll_killed INTEGER,
  toll_injured INTEGER,
  toll_as_of INTEGER,
  toll_revisions INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  CHECK (merged_into IS NULL OR merged_into <> id)
);
CREATE INDEX strikes_city_time ON strikes (city_id, occurred_at);
CREATE INDEX strikes_time ON strikes (occurred_at);
CREATE INDEX strikes_city_date ON strikes (city_id, local_date);
CREATE INDEX strikes_merged_into ON strikes (merged_into) WHERE merged_into IS NOT NULL;

-- One row per write that can change a toll; seq is the feed's global cursor.
CREATE TABLE change_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  type TEXT NOT NULL CHECK (type IN ('revision','void','merge')),
  strike_id INTEGER NOT NULL REFERENCES strikes(id),
  merged_strike_id INTEGER REFERENCES strikes(id),
  revision_seq INTEGER,
  city_id INTEGER NOT NULL REFERENCES cities(id),
  -- The strike's toll right after the event.
  toll_killed INTEGER,
  toll_injured INTEGER,
  toll_as_of INTEGER,
  toll_revisions INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX change_events_strike ON change_events (strike_id, seq);
CREATE INDEX change_events_merged ON change_events (merged_strike_id, seq) WHERE merged_strike_id IS NOT NULL;
CREATE INDEX change_events_city ON change_events (city_id, seq);

CREATE TABLE revisions (
  seq INTEGER PRIMARY KEY REFERENCES change_events(seq),
  strike_id INTEGER NOT NULL REFERENCES strikes(id),
  killed INTEGER CHECK (killed IS NULL OR killed BETWEEN 0 AND 100000),
  injured INTEGER CHECK (injured IS NULL OR injured BETWEEN 0 AND 100000),
  reported_at INTEGER NOT NULL,
  recorded_at INTEGER NOT NULL,
  source_id INTEGER NOT NULL REFERENCES sources(id),
  note TEXT,
  CHECK (killed IS NOT NULL OR injured IS NOT NULL)
);
CREATE INDEX revisions_strike ON revisions (strike_id, seq);

CREATE TABLE revision_voids (
  revision_seq INTEGER PRIMARY KEY REFERENCES revisions(seq),
  event_seq INTEGER NOT NULL UNIQUE REFERENCES change_events(seq),
  voided_at INTEGER NOT NULL,
  reason TEXT NOT NULL
);

CREATE TRIGGER revisions_no_update BEFORE UPDATE ON revisions
BEGIN SELECT RAISE(ABORT, 'revisions are append-only'); END;
CREATE TRIGGER revisions_no_delete BEFORE DELETE ON revisions
BEGIN SELECT RAISE(ABORT, 'revisions are append-only'); END;
CREATE TRIGGER revision_voids_no_update BEFORE UPDATE ON revision_voids
BEGIN SELECT RAISE(ABORT, 'voids are append-only'); END;
CREATE TRIGGER revision_voids_no_delete BEFORE DELETE ON revision_voids
BEGIN SELECT RAISE(ABORT, 'voids are append-only'); END;
CREATE TRIGGER change_events_no_update BEFORE UPDATE ON change_events
BEGIN SELECT RAISE(ABORT, 'change events are append-only'); END;
CREATE TRIGGER change_events_no_delete BEFORE DELETE ON change_events
BEGIN SELECT RAISE(ABORT, 'change events are append-only'); END;

CREATE TABLE api_keys (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('reporter','editor','admin')),
  key_hash BLOB NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);

-- Answers kept for Idempotency-Key replays (24 hours).
CREATE TABLE idempotency_keys (
  api_key_id INTEGER NOT NULL REFERENCES api_keys(id),
  key TEXT NOT NULL,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  body_hash BLOB NOT NULL,
  status INTEGER NOT NULL,
  response BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (api_key_id, key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);
