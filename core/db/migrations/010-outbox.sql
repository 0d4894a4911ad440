-- Messages written in the same transaction as the state they describe; a relay
-- delivers them to Kafka later (at-least-once, keyed by dataset id).
CREATE TABLE outbox (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  topic        TEXT NOT NULL,
  msg_key      TEXT,
  value_json   TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  delivered_at INTEGER,
  attempts     INTEGER NOT NULL DEFAULT 0,
  last_error   TEXT
);
CREATE INDEX outbox_pending ON outbox (delivered_at, id);
