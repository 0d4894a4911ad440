-- A location is a storage root. tiers_json maps hot|warm|cold to
-- {"storage_class": "...", "price_per_gb_month": n}.
CREATE TABLE locations (
  id              TEXT PRIMARY KEY,
  uri             TEXT NOT NULL UNIQUE,
  kind            TEXT NOT NULL CHECK (kind IN ('file', 's3', 'gs')),
  endpoint        TEXT,
  region          TEXT,
  credentials_ref TEXT,
  tiers_json      TEXT NOT NULL,
  created_at      INTEGER NOT NULL
);
