-- Usage per dataset per time bucket (bucket_start in epoch seconds, width in config).
CREATE TABLE access_aggregates (
  dataset_id      INTEGER NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
  bucket_start    INTEGER NOT NULL,
  read_count      INTEGER NOT NULL DEFAULT 0,
  write_count     INTEGER NOT NULL DEFAULT 0,
  bytes_read      INTEGER NOT NULL DEFAULT 0,
  bytes_written   INTEGER NOT NULL DEFAULT 0,
  lat_sum_ms      REAL NOT NULL DEFAULT 0,
  lat_count       INTEGER NOT NULL DEFAULT 0,
  lat_max_ms      REAL NOT NULL DEFAULT 0,
  last_access_ts  INTEGER NOT NULL,
  PRIMARY KEY (dataset_id, bucket_start)
) WITHOUT ROWID;
