CREATE TABLE recommendations (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  dataset_id       INTEGER NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
  current_tier     TEXT NOT NULL,
  recommended_tier TEXT NOT NULL CHECK (recommended_tier IN ('hot', 'warm', 'cold')),
  reasons_json     TEXT NOT NULL,
  model_version    TEXT NOT NULL,
  created_at       INTEGER NOT NULL
);
CREATE INDEX recommendations_dataset ON recommendations (dataset_id, id);
