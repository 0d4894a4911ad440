-- Policies as code: every PUT /policy-document is a new version; the newest is in force.
-- Versions are history: never rewritten, never removed.
CREATE TABLE policy_documents (
  version INTEGER PRIMARY KEY,
  format TEXT NOT NULL CHECK (format IN ('yaml', 'json')),
  source TEXT NOT NULL,
  author TEXT NOT NULL,
  comment TEXT,
  policy_ids_json TEXT NOT NULL,
  auto_apply INTEGER NOT NULL CHECK (auto_apply IN (0, 1)),
  created_at INTEGER NOT NULL
);

CREATE TRIGGER policy_documents_no_update BEFORE UPDATE ON policy_documents
BEGIN
  SELECT RAISE(ABORT, 'policy_documents is history: PUT a new version instead of changing one');
END;

CREATE TRIGGER policy_documents_no_delete BEFORE DELETE ON policy_documents
BEGIN
  SELECT RAISE(ABORT, 'policy_documents is history: versions are never deleted');
END;
