-- The outbox switch (on while Kafka is configured) with this process's producer id, and
-- the trigger that queues every recommendation. IF NOT EXISTS: an early build of 013 held these.
-- One row: whether outbox rows are written (Kafka configured) and the producer id they carry.
CREATE TABLE IF NOT EXISTS kafka_outbox_config (
  id       INTEGER PRIMARY KEY CHECK (id = 1),
  enabled  INTEGER NOT NULL DEFAULT 0,
  producer TEXT NOT NULL DEFAULT 'control-plane'
);
INSERT OR IGNORE INTO kafka_outbox_config (id, enabled, producer) VALUES (1, 0, 'control-plane');

-- A recommendation reaches Kafka through the outbox in the transaction that stored it,
-- whichever code path stored it.
CREATE TRIGGER IF NOT EXISTS recommendations_outbox AFTER INSERT ON recommendations
WHEN (SELECT enabled FROM kafka_outbox_config WHERE id = 1) = 1
BEGIN
  INSERT INTO outbox (topic, msg_key, value_json, created_at)
  VALUES (
    'recommendations',
    CAST(NEW.dataset_id AS TEXT),
    json_object(
      'dataset_id', NEW.dataset_id,
      'current_tier', NEW.current_tier,
      'recommended_tier', NEW.recommended_tier,
      'reasons', json(NEW.reasons_json),
      'model_version', NEW.model_version,
      'ts', strftime('%Y-%m-%dT%H:%M:%fZ', NEW.created_at / 1000.0, 'unixepoch'),
      'event_id', (SELECT producer FROM kafka_outbox_config WHERE id = 1) || ':recommendation-' || NEW.id,
      'producer', (SELECT producer FROM kafka_outbox_config WHERE id = 1)
    ),
    NEW.created_at
  );
END;
