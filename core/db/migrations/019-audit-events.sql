-- The audit trail: append-only. Rows are written by core/audit/audit-log.ts only; each
-- carries the hash of the one before it, so a row inserted or altered around it shows.
CREATE TABLE audit_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  action TEXT NOT NULL,
  actor TEXT NOT NULL,
  dataset_id INTEGER,
  job_id TEXT,
  policy TEXT,
  recommendation_id INTEGER,
  reason TEXT NOT NULL,
  details_json TEXT NOT NULL DEFAULT '{}',
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE
);

CREATE INDEX audit_events_dataset ON audit_events (dataset_id, id);
CREATE INDEX audit_events_actor ON audit_events (actor, id);
CREATE INDEX audit_events_action ON audit_events (action, id);
CREATE INDEX audit_events_job ON audit_events (job_id, id);
CREATE INDEX audit_events_at ON audit_events (at, id);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
  SELECT RAISE(ABORT, 'audit_events is append-only: entries are never changed');
END;

CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
  SELECT RAISE(ABORT, 'audit_events is append-only: entries are never deleted');
END;
