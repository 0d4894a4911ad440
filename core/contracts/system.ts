import { Type, type Static } from '@sinclair/typebox';

/** GET /health: liveness, open without an API key. */
export const KafkaHealth = Type.Object({
  enabled: Type.Boolean(),
  connected: Type.Boolean({ description: 'The last request to the broker succeeded' }),
  started: Type.Boolean({ description: 'Topics exist and the consumers run' }),
  brokers: Type.Array(Type.String()),
  topic_prefix: Type.String(),
  last_error: Type.Union([Type.String(), Type.Null()]),
  last_ok_at: Type.Union([Type.String(), Type.Null()]),
  outbox_pending: Type.Integer({ description: 'Messages waiting in the outbox for the broker' }),
  mover: Type.Union([Type.Literal('member'), Type.Literal('off')]),
});

export const Health = Type.Object({
  status: Type.Literal('ok'),
  version: Type.String(),
  uptime_s: Type.Number(),
  /** Present when Kafka is configured: the broker connection as the app sees it. */
  kafka: Type.Optional(KafkaHealth),
});
export type Health = Static<typeof Health>;
