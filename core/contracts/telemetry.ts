import { Type, type Static } from '@sinclair/typebox';
import { ByteCount, Count, Id, MAX_EPOCH_MS, MAX_LATENCY_MS, Timestamp } from './common.ts';

export const AccessEvent = Type.Object(
  {
    dataset_id: Id,
    op: Type.Union([Type.Literal('read'), Type.Literal('write')]),
    size_bytes: Type.Optional(ByteCount('Bytes read or written by this access')),
    client_lat_ms: Type.Optional(
      Type.Number({ minimum: 0, maximum: MAX_LATENCY_MS, description: 'Latency the client saw, ms' }),
    ),
    ts: Type.Optional(
      Type.Union([
        Type.String({ ...Timestamp, description: 'ISO-8601 (RFC 3339)' }),
        Type.Integer({ minimum: 0, maximum: MAX_EPOCH_MS, description: 'epoch milliseconds' }),
      ]),
    ),
  },
  { additionalProperties: false },
);
export type AccessEvent = Static<typeof AccessEvent>;

export const MAX_EVENTS_PER_REQUEST = 200_000;

export const AccessEventsBody = Type.Union([
  AccessEvent,
  Type.Array(AccessEvent, { minItems: 1, maxItems: MAX_EVENTS_PER_REQUEST }),
]);
export type AccessEventsBody = Static<typeof AccessEventsBody>;

export const IngestResult = Type.Object({
  accepted: Count(),
  datasets: Count('Distinct datasets touched'),
});
export type IngestResult = Static<typeof IngestResult>;

export const UsageBucket = Type.Object({
  bucket_start: Type.String(),
  read_count: Type.Integer(),
  write_count: Type.Integer(),
  bytes_read: Type.Integer(),
  bytes_written: Type.Integer(),
  avg_lat_ms: Type.Union([Type.Number(), Type.Null()]),
  max_lat_ms: Type.Union([Type.Number(), Type.Null()]),
});
export type UsageBucket = Static<typeof UsageBucket>;

/** GET /datasets/{id}/usage?since=: only buckets starting at or after `since`. */
export const UsageQuery = Type.Object(
  {
    since: Type.Optional(
      Type.String({ format: 'date-time', description: 'Only buckets starting at or after this time' }),
    ),
  },
  { additionalProperties: false },
);
export type UsageQuery = Static<typeof UsageQuery>;
