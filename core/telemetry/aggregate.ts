import type { AccessEvent } from '../contracts/telemetry.ts';
import { MAX_SAFE } from '../contracts/common.ts';

/**
 * Counters saturate at 2^53-1 instead of growing past what JSON and a JS number carry
 * exactly (the SQL upsert saturates the same way): a flood of huge sizes makes a large
 * number, never a row that fails to read back.
 */
const add = (a: number, b: number): number => Math.min(a + b, MAX_SAFE);

/**
 * The same saturating merge in SQL, for an upsert's `DO UPDATE SET` into access_aggregates
 * and access_rollups: `excluded` is the row being added to the one the table holds.
 */
export const AGGREGATE_MERGE_SQL = `
  read_count = min(read_count + excluded.read_count, ${MAX_SAFE}),
  write_count = min(write_count + excluded.write_count, ${MAX_SAFE}),
  bytes_read = min(bytes_read + excluded.bytes_read, ${MAX_SAFE}),
  bytes_written = min(bytes_written + excluded.bytes_written, ${MAX_SAFE}),
  lat_sum_ms = lat_sum_ms + excluded.lat_sum_ms,
  lat_count = min(lat_count + excluded.lat_count, ${MAX_SAFE}),
  lat_max_ms = max(lat_max_ms, excluded.lat_max_ms),
  last_access_ts = max(last_access_ts, excluded.last_access_ts)`;

/** One row of access_aggregates, before it is added to what the table already holds. */
export interface BucketDelta {
  dataset_id: number;
  bucket_start: number;
  read_count: number;
  write_count: number;
  bytes_read: number;
  bytes_written: number;
  lat_sum_ms: number;
  lat_count: number;
  lat_max_ms: number;
  last_access_ts: number;
}

export function eventTimeMs(ts: AccessEvent['ts'], now: number): number {
  if (ts === undefined) return now;
  return typeof ts === 'number' ? ts : Date.parse(ts);
}

/** Folds events into per-(dataset, bucket) deltas; events must already be validated. */
export function foldEvents(
  events: readonly AccessEvent[],
  bucketSeconds: number,
  now: number,
  into: Map<string, BucketDelta> = new Map(),
): Map<string, BucketDelta> {
  const width = bucketSeconds * 1000;
  for (const e of events) {
    const t = eventTimeMs(e.ts, now);
    const bucket = Math.floor(t / width) * (width / 1000);
    const k = `${e.dataset_id}:${bucket}`;
    let d = into.get(k);
    if (!d) {
      d = {
        dataset_id: e.dataset_id,
        bucket_start: bucket,
        read_count: 0,
        write_count: 0,
        bytes_read: 0,
        bytes_written: 0,
        lat_sum_ms: 0,
        lat_count: 0,
        lat_max_ms: 0,
        last_access_ts: t,
      };
      into.set(k, d);
    }
    const size = e.size_bytes ?? 0;
    if (e.op === 'read') {
      d.read_count++;
      d.bytes_read = add(d.bytes_read, size);
    } else {
      d.write_count++;
      d.bytes_written = add(d.bytes_written, size);
    }
    if (e.client_lat_ms !== undefined) {
      d.lat_sum_ms += e.client_lat_ms;
      d.lat_count++;
      if (e.client_lat_ms > d.lat_max_ms) d.lat_max_ms = e.client_lat_ms;
    }
    if (t > d.last_access_ts) d.last_access_ts = t;
  }
  return into;
}
