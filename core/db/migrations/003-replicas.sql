-- Every copy of a dataset. Exactly one primary per dataset (enforced by the partial unique index);
-- the dataset's path_uri always equals its primary replica's uri.
CREATE TABLE replicas (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  dataset_id    INTEGER NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
  location_id   TEXT NOT NULL REFERENCES locations (id),
  uri           TEXT NOT NULL,
  role          TEXT NOT NULL CHECK (role IN ('primary', 'secondary', 'retired')),
  storage_class TEXT,
  tier          TEXT CHECK (tier IN ('hot', 'warm', 'cold')),
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  UNIQUE (dataset_id, uri)
);
CREATE UNIQUE INDEX replicas_one_primary ON replicas (dataset_id) WHERE role = 'primary';
