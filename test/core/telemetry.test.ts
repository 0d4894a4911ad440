import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempCore, type TempCore } from '../helpers/temp-core.ts';
import { DataMotionError } from '../../core/errors.ts';

describe('telemetry', () => {
  let t: TempCore;
  let id: number;
  beforeEach(async () => {
    t = tempCore({ bucketSeconds: 60 });
    mkdirSync(join(t.store, 'd'));
    id = (await t.core.datasets.create({ name: 'd', path_uri: t.uri('d') })).id;
  });
  afterEach(() => t.cleanup());

  const aggregates = () => t.core.db.prepare('SELECT * FROM access_aggregates ORDER BY bucket_start').all();

  it('folds events into time buckets with counts, bytes and latency', async () => {
    const base = Date.UTC(2026, 0, 1, 12, 0, 0);
    const res = await t.core.telemetry.ingest([
      { dataset_id: id, op: 'read', size_bytes: 100, client_lat_ms: 10, ts: base + 1000 },
      {
        dataset_id: id,
        op: 'read',
        size_bytes: 300,
        client_lat_ms: 30,
        ts: new Date(base + 2000).toISOString(),
      },
      { dataset_id: id, op: 'write', size_bytes: 50, ts: base + 61_000 },
    ]);
    expect(res).toEqual({ accepted: 3, datasets: 1 });
    const usage = t.core.telemetry.usage(id);
    expect(usage).toEqual([
      expect.objectContaining({
        read_count: 2,
        write_count: 0,
        bytes_read: 400,
        avg_lat_ms: 20,
        max_lat_ms: 30,
      }),
      expect.objectContaining({ read_count: 0, write_count: 1, bytes_written: 50, avg_lat_ms: null }),
    ]);
    expect(usage[0]?.bucket_start).toBe(new Date(base).toISOString());
    expect(t.core.datasets.get(id).last_access_ts).toBe(new Date(base + 61_000).toISOString());
  });

  it('accepts a single event object and defaults ts to now', async () => {
    const before = Date.now();
    await t.core.telemetry.ingest({ dataset_id: id, op: 'read', size_bytes: 4096, client_lat_ms: 12.3 });
    const last = Date.parse(t.core.datasets.get(id).last_access_ts ?? '');
    expect(last).toBeGreaterThanOrEqual(before);
  });

  it('adds to existing buckets across calls', async () => {
    const ts = Date.now();
    await t.core.telemetry.ingest({ dataset_id: id, op: 'read', ts });
    await t.core.telemetry.ingest({ dataset_id: id, op: 'read', ts });
    expect(aggregates()).toEqual([expect.objectContaining({ read_count: 2 })]);
  });

  it.each([
    [{ dataset_id: 1, op: 'delete' }, 'body[1].op'],
    [{ dataset_id: '1', op: 'read' }, 'body[1].dataset_id'],
    [{ op: 'read' }, 'body[1].dataset_id'],
    [{ dataset_id: 1, op: 'read', size_bytes: -5 }, 'body[1].size_bytes'],
    [{ dataset_id: 1, op: 'read', ts: 'yesterday' }, 'body[1].ts'],
    [{ dataset_id: 1, op: 'read', ts: Date.now() + 86_400_000 }, 'body[1].ts'],
    [{ dataset_id: 1, op: 'read', extra: true }, 'body[1].extra'],
  ])('refuses a batch with a bad event %j, naming %s, and stores nothing', async (bad, field) => {
    const good = { dataset_id: id, op: 'read' };
    const err = await t.core.telemetry.ingest([good, bad, good]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataMotionError);
    expect((err as DataMotionError).field).toBe(field);
    expect(aggregates()).toEqual([]);
    expect(t.core.datasets.get(id).last_access_ts).toBeNull();
  });

  it('names every allowed value of a choice', async () => {
    const err = (await t.core.telemetry
      .ingest({ dataset_id: id, op: 'delete' })
      .catch((e: unknown) => e)) as DataMotionError;
    expect(err.message).toBe('body.op: must be one of "read", "write"');
  });

  it('refuses events for unknown datasets, naming the first, and stores nothing', async () => {
    const err = (await t.core.telemetry
      .ingest([
        { dataset_id: id, op: 'read' },
        { dataset_id: 424242, op: 'read' },
      ])
      .catch((e: unknown) => e)) as DataMotionError;
    expect(err.code).toBe('not_found');
    expect(err.field).toBe('body[1].dataset_id');
    expect(err.message).toContain('424242');
    expect(aggregates()).toEqual([]);
  });

  it('ingests 100k events without holding the event loop for long', async () => {
    const events = Array.from({ length: 100_000 }, (_, i) => ({
      dataset_id: id,
      op: i % 4 === 0 ? 'write' : 'read',
      size_bytes: 1024,
      client_lat_ms: i % 50,
      ts: Date.now() - (i % 3600) * 1000,
    }));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const res = await t.core.telemetry.ingest(events);
    clearInterval(timer);
    expect(res.accepted).toBe(100_000);
    // The loop got turns while the batch was processed (it yields between slices).
    expect(ticks).toBeGreaterThan(0);
    const sum = t.core.db
      .prepare('SELECT sum(read_count) r, sum(write_count) w FROM access_aggregates')
      .get() as { r: number; w: number };
    expect(sum).toEqual({ r: 75_000, w: 25_000 });
  });
});
