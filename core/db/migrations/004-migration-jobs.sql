CREATE TABLE migration_jobs (
  job_id             TEXT PRIMARY KEY,
  job_key            TEXT NOT NULL UNIQUE,
  dataset_id         INTEGER NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
  source_uri         TEXT NOT NULL,
  dest_uri           TEXT NOT NULL,
  dest_location_id   TEXT NOT NULL REFERENCES locations (id),
  dest_storage_class TEXT NOT NULL,
  dest_tier          TEXT NOT NULL CHECK (dest_tier IN ('hot', 'warm', 'cold')),
  retire_source      INTEGER NOT NULL DEFAULT 0,
  status             TEXT NOT NULL CHECK (status IN
    ('queued', 'copying', 'verifying', 'switching', 'completed', 'failed', 'canceled', 'enqueue_failed')),
  error              TEXT,
  attempts           INTEGER NOT NULL DEFAULT 0,
  bytes_total        INTEGER NOT NULL DEFAULT 0,
  bytes_done         INTEGER NOT NULL DEFAULT 0,
  objects_total      INTEGER NOT NULL DEFAULT 0,
  objects_done       INTEGER NOT NULL DEFAULT 0,
  submitted_at       INTEGER NOT NULL,
  started_at         INTEGER,
  finished_at        INTEGER,
  updated_at         INTEGER NOT NULL
);
CREATE INDEX migration_jobs_status ON migration_jobs (status, submitted_at);
CREATE INDEX migration_jobs_dataset ON migration_jobs (dataset_id, submitted_at);
