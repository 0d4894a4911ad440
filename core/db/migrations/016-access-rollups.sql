-- Minute aggregates roll up into hours, hours into days (granularity in seconds), so that
-- years of events take bounded space; the forecasts and the engine read these.
CREATE TABLE access_rollups (
  dataset_id      INTEGER NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
  granularity     INTEGER NOT NULL CHECK (granularity IN (3600, 86400)),
  bucket_start    INTEGER NOT NULL,
  read_count      INTEGER NOT NULL DEFAULT 0,
  write_count     INTEGER NOT NULL DEFAULT 0,
  bytes_read      INTEGER NOT NULL DEFAULT 0,
  bytes_written   INTEGER NOT NULL DEFAULT 0,
  lat_sum_ms      REAL NOT NULL DEFAULT 0,
  lat_count       INTEGER NOT NULL DEFAULT 0,
  lat_max_ms      REAL NOT NULL DEFAULT 0,
  last_access_ts  INTEGER NOT NULL,
  PRIMARY KEY (dataset_id, granularity, bucket_start)
) WITHOUT ROWID;
CREATE INDEX access_rollups_bucket ON access_rollups (granularity, bucket_start);
