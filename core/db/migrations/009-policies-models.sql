-- kind: 'slo' (params: max_latency_ms → minimum tier), 'pin' (params: tier),
-- 'cost' and 'residency' are reserved for the placement issue.
CREATE TABLE policies (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  name        TEXT NOT NULL UNIQUE,
  kind        TEXT NOT NULL CHECK (kind IN ('slo', 'pin', 'cost', 'residency')),
  dataset_id  INTEGER REFERENCES datasets (id) ON DELETE CASCADE,
  params_json TEXT NOT NULL,
  enabled     INTEGER NOT NULL DEFAULT 1,
  created_at  INTEGER NOT NULL
);
CREATE INDEX policies_dataset ON policies (dataset_id);

CREATE TABLE models (
  version      TEXT PRIMARY KEY,
  kind         TEXT NOT NULL,
  params_json  TEXT NOT NULL,
  metrics_json TEXT,
  trained_at   INTEGER NOT NULL
);
