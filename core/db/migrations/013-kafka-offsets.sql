-- Kafka: where each consumer group got to, committed in the same transaction as what the
-- messages changed (a redelivery after a crash or a rebalance is skipped, never counted
-- twice).
CREATE TABLE kafka_offsets (
  group_id    TEXT NOT NULL,
  topic       TEXT NOT NULL,
  partition   INTEGER NOT NULL,
  next_offset TEXT NOT NULL,
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY (group_id, topic, partition)
) WITHOUT ROWID;
