/**
 * Additive Holt-Winters with two seasonal cycles (Taylor's double seasonality): a level, a
 * daily profile of 24 hours and a weekly profile of 168 hours, fitted to an hourly series
 * of reads. Written here rather than taken from a library: it is forty lines, and the
 * engine needs it allocation-free and deterministic.
 */

export const DAY_H = 24;
export const WEEK_H = 168;

export interface HwParams {
  alpha: number;
  gamma_day: number;
  gamma_week: number;
}

export interface HwModel extends HwParams {
  level: number;
  day: number[];
  week: number[];
  /** Hour index (of the series' clock) the state is at: the next forecast is for this hour. */
  t: number;
}

/** Initial state: the first two weeks' mean, hour-of-day and hour-of-week deviations. */
function init(y: ArrayLike<number>, p: HwParams): HwModel {
  const n = Math.min(y.length, 2 * WEEK_H);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i] as number;
  mean /= n;
  const day = new Array<number>(DAY_H).fill(0);
  const dayN = new Array<number>(DAY_H).fill(0);
  for (let i = 0; i < n; i++) {
    day[i % DAY_H] = (day[i % DAY_H] as number) + (y[i] as number) - mean;
    dayN[i % DAY_H] = (dayN[i % DAY_H] as number) + 1;
  }
  for (let h = 0; h < DAY_H; h++) day[h] = (day[h] as number) / Math.max(1, dayN[h] as number);
  const week = new Array<number>(WEEK_H).fill(0);
  const weekN = new Array<number>(WEEK_H).fill(0);
  for (let i = 0; i < n; i++) {
    week[i % WEEK_H] = (week[i % WEEK_H] as number) + (y[i] as number) - mean - (day[i % DAY_H] as number);
    weekN[i % WEEK_H] = (weekN[i % WEEK_H] as number) + 1;
  }
  for (let h = 0; h < WEEK_H; h++) week[h] = (week[h] as number) / Math.max(1, weekN[h] as number);
  return { ...p, level: mean, day, week, t: 0 };
}

/** Runs the model over y (error-correction form); returns the sum of squared one-step errors. */
export function update(m: HwModel, y: ArrayLike<number>): number {
  let sse = 0;
  for (let i = 0; i < y.length; i++) {
    const d = m.t % DAY_H;
    const w = m.t % WEEK_H;
    const e = (y[i] as number) - (m.level + (m.day[d] as number) + (m.week[w] as number));
    sse += e * e;
    m.level += m.alpha * e;
    m.day[d] = (m.day[d] as number) + m.gamma_day * e;
    m.week[w] = (m.week[w] as number) + m.gamma_week * e;
    m.t++;
  }
  return sse;
}

/** The forecast of the hour `ahead` hours after the state's (0 = the next hour), never below 0. */
export function forecastAt(m: HwModel, ahead: number): number {
  const t = m.t + ahead;
  return Math.max(0, m.level + (m.day[t % DAY_H] as number) + (m.week[t % WEEK_H] as number));
}

/** Sum of the forecast over `hours` hours from `ahead`: whole weeks at once, then the rest. */
export function forecastSum(m: HwModel, ahead: number, hours: number): number {
  let weekTotal = 0;
  for (let i = 0; i < WEEK_H; i++) weekTotal += forecastAt(m, ahead + i);
  const weeks = Math.floor(hours / WEEK_H);
  let sum = weeks * weekTotal;
  for (let i = weeks * WEEK_H; i < hours; i++) sum += forecastAt(m, ahead + i);
  return sum;
}

const GRID: HwParams[] = [];
for (const alpha of [0.02, 0.1, 0.3]) {
  for (const gamma_day of [0.02, 0.1]) {
    for (const gamma_week of [0.02, 0.1]) GRID.push({ alpha, gamma_day, gamma_week });
  }
}

/** Fits by grid search on one-step errors; the returned state has seen all of y. */
export function fit(y: ArrayLike<number>): HwModel {
  let best: HwModel | null = null;
  let bestSse = Infinity;
  for (const p of GRID) {
    const m = init(y, p);
    const sse = update(m, y);
    if (sse < bestSse) {
      bestSse = sse;
      best = m;
    }
  }
  return best as HwModel;
}

/** The recency heuristic's forecast: the mean of the last day, flat. */
export function recencyForecast(y: ArrayLike<number>): number {
  const n = Math.min(DAY_H, y.length);
  let s = 0;
  for (let i = y.length - n; i < y.length; i++) s += y[i] as number;
  return n > 0 ? s / n : 0;
}

export interface Backtest {
  forecast_mae: number;
  heuristic_mae: number;
}

/** Fits on all but the last `holdout` hours, forecasts them; the same for the recency heuristic. */
export function backtest(y: ArrayLike<number>, holdout = WEEK_H): Backtest {
  const cut = y.length - holdout;
  const train = Array.prototype.slice.call(y, 0, cut) as number[];
  const m = fit(train);
  const flat = recencyForecast(train);
  let fe = 0;
  let he = 0;
  for (let i = 0; i < holdout; i++) {
    const actual = y[cut + i] as number;
    fe += Math.abs(forecastAt(m, i) - actual);
    he += Math.abs(flat - actual);
  }
  return { forecast_mae: fe / holdout, heuristic_mae: he / holdout };
}
