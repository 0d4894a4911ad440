import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RollupService } from '../../core/telemetry/rollup-service.ts';
import { tempCore, type TempCore } from '../helpers/temp-core.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe('aggregate retention and the incremental refresh', () => {
  let t: TempCore | undefined;
  afterEach(async () => t?.cleanup());

  async function setup(names: string[]) {
    t = tempCore({ placement: { refreshIntervalMs: 0, retrainIntervalMs: 0 } });
    const ids: number[] = [];
    for (const name of names) {
      mkdirSync(join(t.store, name));
      ids.push((await t.core.datasets.create({ name, path_uri: t.uri(name) })).id);
    }
    return { core: t.core, ids };
  }

  it('rolls minutes into hours and hours into days, keeps every count, and deletes past retention', async () => {
    const { core, ids } = await setup(['a']);
    const id = ids[0] as number;
    const now = Date.UTC(2026, 5, 30);
    const put = core.db.prepare(
      `INSERT INTO access_aggregates (dataset_id, bucket_start, read_count, write_count, bytes_read, last_access_ts)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    // A read every 7 minutes for 20 days, and one a year and a half ago.
    let reads = 0;
    core.db.transaction(() => {
      for (let at = now - 20 * DAY; at < now; at += 7 * MIN) {
        put.run(id, Math.floor(at / MIN) * 60, 2, 1, 100, at);
        reads += 2;
      }
      put.run(id, Math.floor((now - 540 * DAY) / MIN) * 60, 5, 0, 0, now - 540 * DAY);
    })();
    const total = () =>
      (core.db.prepare('SELECT total(read_count) FROM access_aggregates').pluck().get() as number) +
      (core.db.prepare('SELECT total(read_count) FROM access_rollups').pluck().get() as number);
    expect(total()).toBe(reads + 5);

    const rollups = new RollupService(core.db, {
      minuteRetentionDays: 2,
      hourRetentionDays: 7,
      dayRetentionDays: 365,
    });
    const r = await rollups.run(now);
    expect(r.minute_rows_rolled).toBeGreaterThan(0);
    expect(r.hour_rows_rolled).toBeGreaterThan(0);
    expect(r.day_rows_deleted).toBe(1); // the row from 540 days ago
    expect(total()).toBe(reads);
    const oldestMinute = core.db
      .prepare('SELECT min(bucket_start) FROM access_aggregates')
      .pluck()
      .get() as number;
    expect(oldestMinute * 1000).toBeGreaterThanOrEqual(now - 2 * DAY - HOUR);
    const oldestHour = core.db
      .prepare('SELECT min(bucket_start) FROM access_rollups WHERE granularity = 3600')
      .pluck()
      .get() as number;
    expect(oldestHour * 1000).toBeGreaterThanOrEqual(now - 7 * DAY - DAY);
    // Bounded: 2 days of minutes, 7 of hours, the rest in days.
    expect(
      core.db.prepare('SELECT count(*) FROM access_rollups WHERE granularity = 86400').pluck().get(),
    ).toBeLessThanOrEqual(14);
    // Running again changes nothing.
    expect(await rollups.run(now)).toEqual({
      minute_rows_rolled: 0,
      hour_rows_rolled: 0,
      day_rows_deleted: 0,
    });

    // The engine built from the rollups knows the dataset was read in the last minutes.
    const [rec] = core.placement.recommend({ datasetId: id, now });
    expect(rec?.reason_codes?.map((c) => c.code)).toContain('return_likely');
  });

  it('refreshes only what changed: an untouched dataset keeps its stored recommendation', async () => {
    const { core, ids } = await setup(['a', 'b']);
    const [a, b] = ids as [number, number];
    const now = Date.now();
    const first = await core.placement.refresh({ now });
    expect(first.map((r) => r.dataset_id)).toEqual([a, b]);
    await core.telemetry.ingest({ dataset_id: a, op: 'read', size_bytes: 10 });
    const stored = core.db.prepare('SELECT count(*) FROM recommendations').pluck().get() as number;
    const again = await core.placement.refresh({ now: now + 1000 });
    const byId = new Map(again.map((r) => [r.dataset_id, r]));
    // a was read: a new decision with new reasons; b: the same stored row.
    expect(byId.get(a)?.reason_codes?.map((c) => c.code)).toContain('active');
    expect(byId.get(b)?.id).toBe(first.find((r) => r.dataset_id === b)?.id);
    expect(core.db.prepare('SELECT count(*) FROM recommendations').pluck().get()).toBe(stored + 1);
    // refresh=false path: what the engine stored.
    expect(core.placement.latest(b)[0]).toEqual(byId.get(b));
  });
});
