import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  WEEK_H,
  backtest,
  fit,
  forecastAt,
  forecastSum,
} from '../../core/placement/forecast/holt-winters.ts';
import { HISTORY_H, trainSeries } from '../../core/placement/forecast/forecast-service.ts';
import { replay, type ReplayOptions } from '../../core/placement/replay/replay.ts';
import { parseTrace } from '../../core/placement/replay/trace.ts';
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

describe('trainSeries: the training production and the replay share', () => {
  it('fits a busy seasonal series and uses it where it wins; a sparse one gets no model', () => {
    const endHour = Math.floor(Date.UTC(2026, 5, 1) / HOUR);
    const busy = trainSeries(Float64Array.from(seasonal(HISTORY_H, 3)), endHour);
    expect(busy?.used).toBe(true);
    expect(busy?.at).toBe(endHour * HOUR);
    // One read every ~40 hours: reads in 2.5% of the hours, under the 25% a model needs.
    const rand = rng(5);
    const sparse = Float64Array.from({ length: HISTORY_H }, () => (rand() < 0.025 ? 1 : 0));
    expect(trainSeries(sparse, endHour)).toBeNull();
    // Two weeks of history at least.
    expect(trainSeries(Float64Array.from(seasonal(WEEK_H, 3)), endHour)).toBeNull();
  });

  it('the replay trains forecasts as production does and prices with them where they won', () => {
    const start = Date.UTC(2026, 0, 5);
    const hours = 10 * WEEK_H;
    const ys = seasonal(hours, 9);
    const lines = ['timestamp,key,op,size'];
    ys.forEach((n, h) => {
      for (let k = 0; k < n; k++)
        lines.push(`${start + h * HOUR + k * 1000},office/part-${k % 7},read,65536`);
    });
    const opts: ReplayOptions = {
      cloud: 's3',
      tickMs: 86_400_000,
      bucketMs: 60_000,
      engine: {
        horizonDays: 30,
        hysteresis: 0.1,
        minDwellMs: 86_400_000,
        activeWindowMs: 60_000,
        reactionMs: 86_400_000,
      },
      recency: { hot_max_age_s: 60, warm_max_age_s: 600 },
      tierLatencyMs: { hot: 10, warm: 100, cold: 1000 },
      retrainMs: 86_400_000,
    };
    const size = () => ({ bytes: 2 ** 40, slo_ms: null });
    const withForecasts = replay(parseTrace(`${lines.join('\n')}\n`), opts, size);
    // Two weeks to learn, then a forecast prices the decisions of the weeks after.
    expect(withForecasts.engine.datasets_with_forecast).toBe(1);
    expect(withForecasts.engine.with_forecast).toBeGreaterThan(40);
    const without = replay(parseTrace(`${lines.join('\n')}\n`), { ...opts, retrainMs: null }, size);
    expect(without.engine.with_forecast).toBe(0);
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
