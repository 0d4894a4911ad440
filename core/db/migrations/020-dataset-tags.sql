-- Tags a policy document's selectors match on (select.tags); one value per key and dataset.
CREATE TABLE dataset_tags (
  dataset_id INTEGER NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (dataset_id, key)
);
