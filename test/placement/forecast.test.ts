import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backtest, fit, forecastAt, forecastSum } from '../../core/placement/forecast/holt-winters.ts';
import { rng } from '../../bench/traces/generate.ts';
import { tempCore, type TempCore } from '../helpers/temp-core.ts';

const HOUR = 3_600_000;

/** Reads per hour: busy office hours on weekdays, quiet nights and weekends, some noise. */
function seasonal(hours: number, seed = 1): number[] {
  const rand = rng(seed);
  return Array.from({ length: hours }, (_, t) => {
    const hour = t % 24;
    const weekday = Math.floor(t / 24) % 7 < 5;
    const base = hour >= 8 && hour < 18 ? (weekday ? 40 : 8) : 2;
    return Math.max(0, Math.round(base + (rand() - 0.5) * 6));
  });
}

describe('Holt-Winters forecast', () => {
  it('beats the recency heuristic in backtest on a daily and weekly seasonal series', () => {
    const bt = backtest(seasonal(5 * 168));
    expect(bt.forecast_mae).toBeLessThan(bt.heuristic_mae / 2);
  });

  it('does not beat it on a flat series (and then the heuristic is used)', () => {
    const flat = Array.from({ length: 4 * 168 }, () => 10);
    const bt = backtest(flat);
    expect(bt.forecast_mae).toBeGreaterThanOrEqual(bt.heuristic_mae - 1e-9);
  });

  it('forecasts the weekly shape ahead: Monday 10:00 busy, Sunday 10:00 quiet; sums add up', () => {
    const m = fit(seasonal(4 * 168)); // ends at Monday 00:00 of the fifth week
    expect(forecastAt(m, 10)).toBeGreaterThan(25);
    expect(forecastAt(m, 6 * 24 + 10)).toBeLessThan(15);
    let manual = 0;
    for (let i = 0; i < 400; i++) manual += forecastAt(m, 3 + i);
    expect(forecastSum(m, 3, 400)).toBeCloseTo(manual, 6);
  });
});

describe('POST /train through the placement service', () => {
  let t: TempCore | undefined;
  afterEach(async () => t?.cleanup());

  it('stores each model with its version and backtest error; a forecast is used only where it won; drift falls back', async () => {
    t = tempCore({ placement: { refreshIntervalMs: 0, retrainIntervalMs: 0 } });
    const { core } = t;
    const now = Date.UTC(2026, 1, 2); // a Monday
    const start = now - 4 * 168 * HOUR;
    const ids: number[] = [];
    for (const name of ['office', 'flat']) {
      mkdirSync(join(t.store, name));
      ids.push((await core.datasets.create({ name, path_uri: t.uri(name) })).id);
    }
    const [office, flat] = ids as [number, number];
    core.db.prepare('UPDATE datasets SET created_at = ?, last_access_ts = ?').run(start, now - HOUR);
    const put = core.db.prepare(
      `INSERT INTO access_rollups (dataset_id, granularity, bucket_start, read_count, last_access_ts) VALUES (?, 3600, ?, ?, ?)`,
    );
    const series = seasonal(4 * 168, 7);
    core.db.transaction(() => {
      series.forEach((reads, i) => {
        const at = start + i * HOUR;
        if (reads > 0) put.run(office, at / 1000, reads, at + HOUR - 1);
        put.run(flat, at / 1000, 10, at + HOUR - 1);
      });
    })();

    const result = await core.placement.train(now);
    expect(result).toMatchObject({ trained: 2, using_forecast: 1, skipped: 0 });
    expect(result.model_version).toMatch(/^hw2s-/);
    const rows = core.db
      .prepare(
        'SELECT dataset_id, model_version, used, forecast_mae, heuristic_mae FROM dataset_forecasts ORDER BY dataset_id',
      )
      .all() as {
      dataset_id: number;
      model_version: string;
      used: number;
      forecast_mae: number;
      heuristic_mae: number;
    }[];
    expect(rows.map((r) => [r.dataset_id, r.used])).toEqual([
      [office, 1],
      [flat, 0],
    ]);
    expect(
      core.db.prepare('SELECT kind FROM models WHERE version = ?').pluck().get(result.model_version),
    ).toBe('holt-winters-daily-weekly');

    const [officeRec] = core.placement.recommend({ datasetId: office, now });
    expect(officeRec?.predictor).toBe('forecast');
    expect(officeRec?.model_version).toContain(result.model_version);
    expect(officeRec?.reason_codes?.find((r) => r.code === 'forecast_used')?.detail).toMatch(/backtest MAE/);
    const [flatRec] = core.placement.recommend({ datasetId: flat, now });
    expect(flatRec?.predictor).toBe('recency_heuristic');
    expect(flatRec?.reason_codes?.find((r) => r.code === 'recency_heuristic_used')?.detail).toMatch(
      /forecast backtest MAE .* ≥ recency/,
    );

    // The office goes quiet for two days: far off its forecast, so it drifts back to the heuristic.
    expect(core.placement.forecasts.checkDrift(now + 48 * HOUR)).toBe(1);
    const [drifted] = core.placement.recommend({ datasetId: office, now: now + 48 * HOUR });
    expect(drifted?.predictor).toBe('recency_heuristic');
    expect(drifted?.reason_codes?.map((r) => r.detail).join(' ')).toMatch(/drifted/);
  });
});
