-- Status history of every job, append-only.
CREATE TABLE job_events (
  id       INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id   TEXT NOT NULL REFERENCES migration_jobs (job_id) ON DELETE CASCADE,
  status   TEXT NOT NULL,
  message  TEXT,
  at       INTEGER NOT NULL
);
CREATE INDEX job_events_job ON job_events (job_id, id);
