-- A manifest is written page by page while the source is listed (a million objects
-- never sit in memory); listed_at marks it complete, so a crash mid-listing relists.
ALTER TABLE migration_jobs ADD COLUMN listed_at INTEGER;
UPDATE migration_jobs SET listed_at = updated_at
  WHERE EXISTS (SELECT 1 FROM job_objects o WHERE o.job_id = migration_jobs.job_id);
-- Progress of one object's multipart / resumable upload (core/storage/driver.ts UploadState),
-- saved after each part so a killed process resumes from the last completed part.
CREATE TABLE job_uploads (
  job_id     TEXT NOT NULL REFERENCES migration_jobs (job_id) ON DELETE CASCADE,
  rel_path   TEXT NOT NULL,
  state_json TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (job_id, rel_path)
) WITHOUT ROWID;
