-- The manifest: one row per object of a job. A resumed job skips objects whose
-- state is 'copied' or 'verified' and whose destination still matches.
CREATE TABLE job_objects (
  job_id       TEXT NOT NULL REFERENCES migration_jobs (job_id) ON DELETE CASCADE,
  rel_path     TEXT NOT NULL,
  size_bytes   INTEGER NOT NULL,
  src_crc32c   TEXT,
  dst_crc32c   TEXT,
  state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'copied', 'verified', 'mismatch')),
  copy_count   INTEGER NOT NULL DEFAULT 0,
  updated_at   INTEGER NOT NULL,
  PRIMARY KEY (job_id, rel_path)
) WITHOUT ROWID;
