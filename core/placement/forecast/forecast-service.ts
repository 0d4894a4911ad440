import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Db } from '../../db/database.ts';
import type { TrainResult } from '../../contracts/placement.ts';
import type { ForecastFn } from '../engine/decide.ts';
import type { ForecastSource } from '../recommendation-engine.ts';
import { WEEK_H, backtest, fit, forecastAt, forecastSum, type HwModel } from './holt-winters.ts';

const HOUR_MS = 3_600_000;
/** Hours of history fitted: four weeks. */
export const HISTORY_H = 4 * WEEK_H;
/** Less than two weeks of history: no model, the heuristic decides. */
const MIN_HISTORY_H = 2 * WEEK_H;
/** A used forecast whose recent error exceeds this multiple of its backtest error has drifted. */
const DRIFT_FACTOR = 2;
/** Datasets fitted between two yields. */
const CHUNK = 200;

/**
 * A forecast is fitted only to a series read in at least this share of its hours: hourly
 * seasonality means nothing in a sparse one, whose level jumps with each read (the replay
 * measured write-heavy data, read every few days, at 1.28× the optimum with forecasts
 * allowed there against 1.09× without).
 */
const MIN_BUSY_SHARE = 0.25;

const busyHours = (y: ArrayLike<number>) => {
  let n = 0;
  for (let i = 0; i < y.length; i++) if ((y[i] as number) > 0) n++;
  return n;
};

/** One dataset's trained forecast. */
export interface TrainedForecast {
  model: HwModel;
  /** Epoch ms of the hour the model's state is at (its t). */
  at: number;
  forecast_mae: number;
  heuristic_mae: number;
  /** It beat the recency heuristic in backtest: the engine uses it. */
  used: boolean;
  drifted: boolean;
}

interface Entry extends TrainedForecast {
  version: string;
}

/**
 * Fits one dataset's hourly reads `y` (HISTORY_H hours ending at epoch hour `endHour`) and
 * backtests it against the recency heuristic on the last week; null with less than two
 * weeks of history or too sparse a series (MIN_BUSY_SHARE). The one training that
 * POST /train, the scheduled retraining and the replay all run.
 */
export function trainSeries(y: Float64Array, endHour: number): TrainedForecast | null {
  let first = 0;
  while (first < y.length && y[first] === 0) first++;
  if (y.length - first < MIN_HISTORY_H) return null;
  const hist = y.subarray(first - (first % WEEK_H));
  if (busyHours(hist) < MIN_BUSY_SHARE * hist.length) return null;
  const bt = backtest(hist);
  return {
    model: fit(hist),
    at: endHour * HOUR_MS,
    ...bt,
    used: bt.forecast_mae < bt.heuristic_mae,
    drifted: false,
  };
}

/** The hours since training (up to a week) to check for drift at `now`; 0 under a day. */
export function driftHours(e: TrainedForecast, now: number): number {
  const hours = Math.min(WEEK_H, Math.floor((now - e.at) / HOUR_MS));
  return hours < 24 ? 0 : hours;
}

/** Drift: the error over the hours since training (`y`, from e.at) past twice the backtest error. */
export function hasDrifted(e: TrainedForecast, y: ArrayLike<number>): boolean {
  let err = 0;
  for (let i = 0; i < y.length; i++) err += Math.abs(forecastAt(e.model, i) - (y[i] as number));
  return y.length > 0 && err / y.length > DRIFT_FACTOR * e.forecast_mae + 0.5;
}

/** Expected reads over a horizon from `now`, as the engine asks for them. */
export function forecastReads(e: TrainedForecast, now: number): ForecastFn {
  const ahead = Math.max(0, Math.floor((now - e.at) / HOUR_MS));
  // Reads only: writes land in whatever class the data is in; the engine's rate prices them.
  return (horizonMs) => forecastSum(e.model, ahead, Math.ceil(horizonMs / HOUR_MS));
}

const fmt = (n: number) => n.toFixed(2);

/**
 * POST /train and scheduled retraining: fits each dataset's hourly reads (from the hour
 * rollups and the minute aggregates not rolled up yet) with Holt-Winters, backtests it
 * against the recency heuristic on the last week, and lets the engine use the forecast only
 * where it won. A forecast whose error since training grows past its backtest error drifts:
 * the engine goes back to the heuristic and says so.
 */
export class ForecastService implements ForecastSource {
  private readonly models = new Map<number, Entry>();
  private loaded = false;

  constructor(private readonly db: Db) {}

  /** Hourly reads of one dataset for the `hours` hours before `endHour` (epoch hour index). */
  private series(datasetId: number, endHour: number, hours: number): Float64Array {
    const y = new Float64Array(hours);
    const startS = (endHour - hours) * 3600;
    const endS = endHour * 3600;
    const add = (bucketS: number, reads: number) => {
      const i = Math.floor(bucketS / 3600) - (endHour - hours);
      if (i >= 0 && i < hours) y[i] = (y[i] as number) + reads;
    };
    for (const [b, r] of this.db
      .prepare(
        `SELECT bucket_start, read_count FROM access_rollups
         WHERE dataset_id = ? AND granularity = 3600 AND bucket_start >= ? AND bucket_start < ?`,
      )
      .raw()
      .iterate(datasetId, startS, endS) as Iterable<[number, number]>) {
      add(b, r);
    }
    for (const [b, r] of this.db
      .prepare(
        `SELECT bucket_start, read_count FROM access_aggregates
         WHERE dataset_id = ? AND bucket_start >= ? AND bucket_start < ?`,
      )
      .raw()
      .iterate(datasetId, startS, endS) as Iterable<[number, number]>) {
      add(b, r);
    }
    return y;
  }

  /** Fits every dataset with at least two weeks of history. */
  async train(now = Date.now()): Promise<TrainResult> {
    const endHour = Math.floor(now / HOUR_MS);
    const version = `hw2s-${new Date(endHour * HOUR_MS).toISOString().slice(0, 13).replace(/[-:T]/g, '')}`;
    const minStart = (endHour - MIN_HISTORY_H) * 3600;
    // Datasets whose first access is at least two weeks old and which were read since.
    const ids = this.db
      .prepare(`SELECT id FROM datasets WHERE created_at <= ? AND last_access_ts >= ? ORDER BY id`)
      .pluck()
      .all(minStart * 1000, (endHour - HISTORY_H) * HOUR_MS) as number[];
    let trained = 0;
    let used = 0;
    let fSum = 0;
    let hSum = 0;
    const rows: [number, string, string, number, number, number, number][] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number;
      const t = trainSeries(this.series(id, endHour, HISTORY_H), endHour);
      if (!t) continue;
      trained++;
      if (t.used) used++;
      fSum += t.forecast_mae;
      hSum += t.heuristic_mae;
      this.models.set(id, { ...t, version });
      rows.push([id, version, JSON.stringify(t.model), t.forecast_mae, t.heuristic_mae, t.used ? 1 : 0, now]);
      if (i % CHUNK === CHUNK - 1) await yieldToLoop();
    }
    this.db.transaction(() => {
      const put = this.db.prepare(
        `INSERT OR REPLACE INTO dataset_forecasts
           (dataset_id, model_version, params_json, forecast_mae, heuristic_mae, used, drifted, trained_at)
         VALUES (?, ?, ?, ?, ?, ?, 0, ?)`,
      );
      for (const r of rows) put.run(...r);
      const metrics = {
        trained,
        using_forecast: used,
        forecast_mae: trained ? fSum / trained : null,
        heuristic_mae: trained ? hSum / trained : null,
      };
      this.db
        .prepare(
          `INSERT OR REPLACE INTO models (version, kind, params_json, metrics_json, trained_at) VALUES (?, ?, ?, ?, ?)`,
        )
        .run(
          version,
          'holt-winters-daily-weekly',
          JSON.stringify({ history_hours: HISTORY_H, holdout_hours: WEEK_H, seasons: [24, 168] }),
          JSON.stringify(metrics),
          now,
        );
    })();
    this.loaded = true;
    return {
      model_version: version,
      trained,
      using_forecast: used,
      skipped: ids.length - trained,
      forecast_mae: trained ? fSum / trained : null,
      heuristic_mae: trained ? hSum / trained : null,
      trained_at: new Date(now).toISOString(),
    };
  }

  /** Reads the stored models (after a restart). */
  private load(): void {
    if (this.loaded) return;
    this.loaded = true;
    for (const r of this.db.prepare('SELECT * FROM dataset_forecasts').all() as {
      dataset_id: number;
      model_version: string;
      params_json: string;
      forecast_mae: number;
      heuristic_mae: number;
      used: number;
      drifted: number;
      trained_at: number;
    }[]) {
      this.models.set(r.dataset_id, {
        model: JSON.parse(r.params_json) as HwModel,
        at: Math.floor(r.trained_at / HOUR_MS) * HOUR_MS,
        version: r.model_version,
        forecast_mae: r.forecast_mae,
        heuristic_mae: r.heuristic_mae,
        used: r.used === 1,
        drifted: r.drifted === 1,
      });
    }
  }

  /**
   * Drift: the forecast's error over the hours since training (up to a week), against
   * its backtest error. A drifted model is no longer used until the next training.
   */
  checkDrift(now = Date.now()): number {
    const it = this.driftSteps(now);
    for (;;) {
      const r = it.next();
      if (r.done) return r.value;
    }
  }

  /** checkDrift sliced: yields to the event loop every CHUNK models (scheduled every hour). */
  async checkDriftAsync(now = Date.now()): Promise<number> {
    const it = this.driftSteps(now);
    for (;;) {
      const r = it.next();
      if (r.done) return r.value;
      await yieldToLoop();
    }
  }

  private *driftSteps(now: number): Generator<void, number, void> {
    this.load();
    let drifted = 0;
    let seen = 0;
    const mark = this.db.prepare('UPDATE dataset_forecasts SET drifted = 1 WHERE dataset_id = ?');
    for (const [id, e] of this.models) {
      if (++seen % CHUNK === 0) yield;
      if (!e.used || e.drifted) continue;
      const hours = driftHours(e, now);
      if (hours === 0) continue;
      if (hasDrifted(e, this.series(id, Math.floor(e.at / HOUR_MS) + hours, hours))) {
        e.drifted = true;
        mark.run(id);
        drifted++;
      }
    }
    return drifted;
  }

  forecastFor(datasetId: number, now: number): { fn: ForecastFn; note: string; version: string } | null {
    this.load();
    const e = this.models.get(datasetId);
    if (!e || !e.used || e.drifted) return null;
    return {
      fn: forecastReads(e, now),
      note: `Holt-Winters forecast (backtest MAE ${fmt(e.forecast_mae)} reads/h < recency ${fmt(e.heuristic_mae)})`,
      version: e.version,
    };
  }

  heuristicNote(datasetId: number): string | undefined {
    this.load();
    const e = this.models.get(datasetId);
    if (!e) return undefined;
    if (e.drifted) return 'forecast drifted since training: back to the recency heuristic';
    if (!e.used) {
      return `recency heuristic (forecast backtest MAE ${fmt(e.forecast_mae)} ≥ recency ${fmt(e.heuristic_mae)} reads/h)`;
    }
    return undefined;
  }
}
