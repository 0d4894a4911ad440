import { Type, type Static } from '@sinclair/typebox';
import { ByteCount, Count, Id, Tier, Timestamp } from './common.ts';
import { AccessEvent } from './telemetry.ts';
import { JobStatusSchema } from './jobs.ts';

/**
 * The bodies of the Kafka topics (JSON, UTF-8, key = dataset id), validated by the same
 * validator as REST bodies. Field names are the seed's (DESIGN.md "Kafka topics"); what we
 * add is optional for foreign producers and always set by ours.
 */

/** Logical topic names; the configured prefix is put in front of each on the wire. */
export const TOPICS = [
  'access_events',
  'migration_jobs',
  'migration_status',
  'recommendations',
  'metrics',
  'dead_letter',
] as const;
export type TopicName = (typeof TOPICS)[number];

/** access_events: exactly the REST event (one per message), so kcat/Java/Python producers are first class. */
export const AccessEventMessage = AccessEvent;
export type AccessEventMessage = Static<typeof AccessEventMessage>;

/** Who wrote a message and its id there: consumers dedupe on `event_id`. */
const Envelope = {
  event_id: Type.String({
    minLength: 1,
    maxLength: 200,
    description: 'Unique per message: "<producer>:<seq>"',
  }),
  producer: Type.String({ minLength: 1, maxLength: 200, description: 'control-plane id or worker id' }),
};

/** migration_jobs: one message per job attempt, written when the job (re)enters `queued`. */
export const MigrationJobMessage = Type.Object(
  {
    job_id: Type.String({ minLength: 1, maxLength: 64 }),
    job_key: Type.String({ minLength: 1, maxLength: 400 }),
    dataset_id: Id,
    source_uri: Type.String({ minLength: 1, maxLength: 8192 }),
    dest_uri: Type.String({ minLength: 1, maxLength: 8192 }),
    dest_storage_class: Type.String({ minLength: 1, maxLength: 64 }),
    dest_tier: Type.Optional(Tier),
    /** The attempt this message asks for (1 for the first run, +1 per retry): older attempts are stale. */
    attempt: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    ...Envelope,
    ts: Timestamp,
  },
  { additionalProperties: true },
);
export type MigrationJobMessage = Static<typeof MigrationJobMessage>;

/**
 * migration_status: every lifecycle transition and progress of a job. A worker's
 * `switching` means "every object verified; the control plane switches now" and carries
 * the verified totals the switch records.
 */
export const MigrationStatusMessage = Type.Object(
  {
    job_id: Type.String({ minLength: 1, maxLength: 64 }),
    job_key: Type.String({ minLength: 1, maxLength: 400 }),
    dataset_id: Id,
    status: JobStatusSchema,
    bytes_copied: ByteCount(),
    bytes_total: ByteCount(),
    error: Type.Union([Type.String({ maxLength: 8192 }), Type.Null()]),
    ts: Timestamp,
    attempt: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
    objects_done: Type.Optional(Count()),
    objects_total: Type.Optional(Count()),
    /** true for a progress report inside a status, false/absent for the transition itself. */
    progress: Type.Optional(Type.Boolean()),
    message: Type.Optional(Type.Union([Type.String({ maxLength: 8192 }), Type.Null()])),
    ...Envelope,
  },
  { additionalProperties: true },
);
export type MigrationStatusMessage = Static<typeof MigrationStatusMessage>;

/** recommendations: what the placement model decided, with its reasons and version. */
export const RecommendationMessage = Type.Object(
  {
    dataset_id: Id,
    current_tier: Tier,
    recommended_tier: Tier,
    reasons: Type.Array(Type.String()),
    model_version: Type.String(),
    ts: Timestamp,
    ...Envelope,
  },
  { additionalProperties: true },
);
export type RecommendationMessage = Static<typeof RecommendationMessage>;

/** metrics: a snapshot of a process's counters. */
export const MetricsMessage = Type.Object(
  {
    producer: Type.String(),
    ts: Timestamp,
    counters: Type.Record(Type.String(), Type.Number()),
  },
  { additionalProperties: true },
);
export type MetricsMessage = Static<typeof MetricsMessage>;

/** dead_letter: a message a consumer could not use, byte for byte, with why. */
export const DeadLetterMessage = Type.Object(
  {
    topic: Type.String({ description: 'The topic it came from (with the prefix)' }),
    partition: Type.Integer({ minimum: 0 }),
    offset: Type.String(),
    key: Type.Union([Type.String(), Type.Null()]),
    reason: Type.String({ description: 'What is wrong, naming the field' }),
    original_base64: Type.String({ description: 'The original value bytes, base64' }),
    consumer_group: Type.String(),
    ts: Timestamp,
  },
  { additionalProperties: false },
);
export type DeadLetterMessage = Static<typeof DeadLetterMessage>;
