CREATE TABLE datasets (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  name           TEXT NOT NULL UNIQUE,
  path_uri       TEXT NOT NULL,
  location_id    TEXT NOT NULL REFERENCES locations (id),
  current_tier   TEXT NOT NULL DEFAULT 'hot' CHECK (current_tier IN ('hot', 'warm', 'cold')),
  storage_class  TEXT,
  latency_slo_ms REAL,
  size_bytes     INTEGER NOT NULL DEFAULT 0 CHECK (size_bytes >= 0),
  object_count   INTEGER NOT NULL DEFAULT 0 CHECK (object_count >= 0),
  owner          TEXT,
  last_access_ts INTEGER,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
);
CREATE INDEX datasets_location ON datasets (location_id);
CREATE INDEX datasets_path ON datasets (path_uri);
