import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Db } from '../db/database.ts';
import type { EventBus } from '../bus/event-bus.ts';
import type { Metrics } from '../metrics.ts';
import { DataMotionError, invalid, notFound } from '../errors.ts';
import { compile, describeErrors } from '../contracts/validate.ts';
import {
  AccessEvent,
  MAX_EVENTS_PER_REQUEST,
  type IngestResult,
  type UsageBucket,
} from '../contracts/telemetry.ts';
import { AGGREGATE_MERGE_SQL, eventTimeMs, foldEvents, type BucketDelta } from './aggregate.ts';
import { assertDatasetExists } from '../catalog/dataset-service.ts';

/** Events validated (or rows written) between two yields to the event loop. */
const CHUNK = 10_000;
/** Aggregate rows per write transaction: each commits in a few milliseconds. */
const WRITE_CHUNK = 2_000;
/** Clock skew tolerated for client timestamps. */
const MAX_FUTURE_MS = 5 * 60_000;

/** Hands validated events to Kafka instead of writing them (REST ingest with Kafka on). */
export type IngestForwarder = (events: AccessEvent[]) => void | Promise<void>;

export class TelemetryService {
  private readonly upsert;
  private readonly touchDataset;
  private forwarder: IngestForwarder | undefined;

  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
    private readonly metrics: Metrics,
    private readonly bucketSeconds: number,
  ) {
    this.upsert = db.prepare(
      `INSERT INTO access_aggregates (dataset_id, bucket_start, read_count, write_count, bytes_read,
         bytes_written, lat_sum_ms, lat_count, lat_max_ms, last_access_ts)
       VALUES (@dataset_id, @bucket_start, @read_count, @write_count, @bytes_read, @bytes_written,
         @lat_sum_ms, @lat_count, @lat_max_ms, @last_access_ts)
       ON CONFLICT (dataset_id, bucket_start) DO UPDATE SET ${AGGREGATE_MERGE_SQL}`,
    );
    this.touchDataset = db.prepare(
      `UPDATE datasets SET last_access_ts = max(coalesce(last_access_ts, 0), ?) WHERE id = ?`,
    );
  }

  /**
   * Validates one event or an array, then folds them into time-bucketed aggregates.
   * The whole batch is checked before anything is written, so bad input stores nothing;
   * the work is sliced so that a 100k-event batch never holds the event loop for long.
   */
  async ingest(input: unknown): Promise<IngestResult> {
    const events = Array.isArray(input) ? input : [input];
    const isBatch = Array.isArray(input);
    if (events.length === 0) throw invalid('body', 'must hold at least one event');
    if (events.length > MAX_EVENTS_PER_REQUEST) {
      throw invalid(
        'body',
        `holds ${events.length} events; send at most ${MAX_EVENTS_PER_REQUEST} per request`,
      );
    }
    const now = Date.now();
    const validate = compile(AccessEvent);
    const deltas = new Map<string, BucketDelta>();
    for (let start = 0; start < events.length; start += CHUNK) {
      const slice = events.slice(start, start + CHUNK);
      slice.forEach((e, i) => {
        const root = isBatch ? `body[${start + i}]` : 'body';
        if (!validate(e)) {
          const { field, message } = describeErrors(validate.errors ?? [], root);
          throw new DataMotionError('invalid_input', message, field);
        }
        const t = eventTimeMs((e as AccessEvent).ts, now);
        if (!Number.isFinite(t)) throw invalid(`${root}.ts`, 'is not a valid time');
        // The epoch-ms form starts at 0; an ISO time before 1970 would land in a bucket no read finds.
        if (t < 0) throw invalid(`${root}.ts`, 'is before 1970-01-01T00:00:00Z');
        if (t > now + MAX_FUTURE_MS) throw invalid(`${root}.ts`, 'is more than 5 minutes in the future');
      });
      foldEvents(slice as AccessEvent[], this.bucketSeconds, now, deltas);
      if (start + CHUNK < events.length) await yieldToLoop();
    }

    const rows = [...deltas.values()];
    const latest = new Map<number, number>();
    for (const r of rows) latest.set(r.dataset_id, Math.max(latest.get(r.dataset_id) ?? 0, r.last_access_ts));
    this.assertDatasetsExist(events as AccessEvent[], latest, isBatch);
    if (this.forwarder) {
      // Kafka on: REST events take the topic's path, so they are counted exactly like any producer's.
      await this.forwarder(events as AccessEvent[]);
      return { accepted: events.length, datasets: latest.size };
    }

    for (let start = 0; start < rows.length; start += WRITE_CHUNK) {
      const slice = rows.slice(start, start + WRITE_CHUNK);
      this.db.transaction(() => {
        for (const r of slice) this.upsert.run(r);
      })();
      if (start + WRITE_CHUNK < rows.length) await yieldToLoop();
    }
    const ids = [...latest.keys()];
    for (let start = 0; start < ids.length; start += WRITE_CHUNK) {
      this.db.transaction(() => {
        for (const id of ids.slice(start, start + WRITE_CHUNK)) this.touchDataset.run(latest.get(id), id);
      })();
      if (start + WRITE_CHUNK < ids.length) await yieldToLoop();
    }

    this.metrics.inc('datamotion_access_events_total', 'Access events ingested', events.length);
    this.bus.publish({
      type: 'telemetry.ingested',
      accepted: events.length,
      dataset_ids: ids.slice(0, 1000),
    });
    return { accepted: events.length, datasets: ids.length };
  }

  /** With Kafka on, ingest validates and forwards; the access_events consumer writes. */
  setForwarder(forwarder: IngestForwarder | undefined): void {
    this.forwarder = forwarder;
  }

  /** What is wrong with one event (the field and why), or null; the checks of ingest(). */
  checkEvent(e: unknown, root: string, now = Date.now()): { field: string; message: string } | null {
    const validate = compile(AccessEvent);
    if (!validate(e)) return describeErrors(validate.errors ?? [], root);
    const t = eventTimeMs((e as AccessEvent).ts, now);
    if (!Number.isFinite(t)) return { field: `${root}.ts`, message: `${root}.ts: is not a valid time` };
    if (t < 0) return { field: `${root}.ts`, message: `${root}.ts: is before 1970-01-01T00:00:00Z` };
    if (t > now + MAX_FUTURE_MS) {
      return { field: `${root}.ts`, message: `${root}.ts: is more than 5 minutes in the future` };
    }
    return null;
  }

  /** The ids among `ids` that name a dataset. */
  knownDatasets(ids: Iterable<number>): Set<number> {
    const wanted = [...new Set(ids)];
    const known = new Set<number>();
    for (let i = 0; i < wanted.length; i += 500) {
      const part = wanted.slice(i, i + 500);
      const found = this.db
        .prepare(`SELECT id FROM datasets WHERE id IN (${part.map(() => '?').join(',')})`)
        .pluck()
        .all(...part) as number[];
      for (const id of found) known.add(id);
    }
    return known;
  }

  /**
   * Folds checked events into the aggregates inside the caller's transaction (the Kafka
   * consumer commits them with its offsets); returns the datasets touched.
   */
  applyInTransaction(events: readonly AccessEvent[], now = Date.now()): number[] {
    const deltas = foldEvents(events, this.bucketSeconds, now);
    const latest = new Map<number, number>();
    for (const r of deltas.values()) {
      this.upsert.run(r);
      latest.set(r.dataset_id, Math.max(latest.get(r.dataset_id) ?? 0, r.last_access_ts));
    }
    for (const [id, ts] of latest) this.touchDataset.run(ts, id);
    return [...latest.keys()];
  }

  /** Metrics and the `telemetry.ingested` event, once a batch committed. */
  announce(accepted: number, datasetIds: readonly number[]): void {
    this.metrics.inc('datamotion_access_events_total', 'Access events ingested', accepted);
    this.bus.publish({ type: 'telemetry.ingested', accepted, dataset_ids: datasetIds.slice(0, 1000) });
  }

  /** Unknown dataset ids fail the whole batch, naming the first event that used one. */
  private assertDatasetsExist(events: AccessEvent[], ids: Map<number, number>, isBatch: boolean): void {
    const known = this.knownDatasets(ids.keys());
    if (known.size === ids.size) return;
    const index = events.findIndex((e) => !known.has(e.dataset_id));
    const field = isBatch ? `body[${index}].dataset_id` : 'body.dataset_id';
    throw notFound('dataset', (events[index] as AccessEvent).dataset_id, field);
  }

  usage(datasetId: number, sinceMs = 0): UsageBucket[] {
    assertDatasetExists(this.db, datasetId, 'id');
    const rows = this.db
      .prepare(
        `SELECT * FROM access_aggregates WHERE dataset_id = ? AND bucket_start >= ? ORDER BY bucket_start`,
      )
      .all(datasetId, Math.floor(sinceMs / 1000)) as BucketDelta[];
    return rows.map((r) => ({
      bucket_start: new Date(r.bucket_start * 1000).toISOString(),
      read_count: r.read_count,
      write_count: r.write_count,
      bytes_read: r.bytes_read,
      bytes_written: r.bytes_written,
      avg_lat_ms: r.lat_count ? r.lat_sum_ms / r.lat_count : null,
      max_lat_ms: r.lat_count ? r.lat_max_ms : null,
    }));
  }
}
