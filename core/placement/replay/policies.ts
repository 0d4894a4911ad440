import type { RecencyThresholds } from '../../config.ts';
import type { Tier } from '../../contracts/common.ts';
import { PRICE_TABLE } from '../price-table.ts';
import { decide } from '../rules.ts';
import { AUTO_TIERING_FEES, unitPrices, type UnitPrices } from '../unit-prices.ts';
import { AccessStates } from '../engine/access-states.ts';
import {
  driftHours,
  forecastReads,
  hasDrifted,
  HISTORY_H,
  trainSeries,
  type TrainedForecast,
} from '../forecast/forecast-service.ts';
import {
  decidePlacement,
  type ForecastFn,
  type EngineConfig,
  type PlacementOptions,
} from '../engine/decide.ts';
import {
  DAY_MS,
  LifecycleRun,
  billTick,
  emptyBreakdown,
  type CostBreakdown,
  type LifecyclePolicy,
  type SimClock,
  type SimDataset,
} from './simulate.ts';

/**
 * The engine over the whole fleet at once, tick by tick, as production runs it: one
 * AccessStates for every dataset, so what returns look like on other datasets (only up to
 * now: no future leaks across datasets) is the prior of a dataset never read. Billed by
 * the same bookkeeping as runLifecycle (LifecycleRun); a fleet of one is the engine alone.
 */
export function datamotionFleet(
  datasets: SimDataset[],
  clock: SimClock,
  world: PlacementOptions,
  engine: EngineConfig,
  bucketMs: number,
  /** Retrain forecasts this often (production's placement.retrainIntervalMs); null: none. */
  retrainMs: number | null = null,
  /** Filled in: how many decisions, and how many of them a forecast priced. */
  stats: FleetStats = { decisions: 0, with_forecast: 0, datasets_with_forecast: 0 },
): CostBreakdown[] {
  const forecastUsers = new Set<number>();
  const forecasts = retrainMs === null ? null : new FleetForecasts(datasets, clock, retrainMs);
  const states = new AccessStates(
    { rateWindowMs: engine.horizonDays * DAY_MS, minGapMs: bucketMs, reactionMs: engine.reactionMs },
    datasets.length,
  );
  const run = datasets.map((ds) => ({ life: new LifecycleRun(ds, clock, world), slot: states.add() }));
  for (let k = 0; k < clock.ticks; k++) {
    const now = clock.start + k * clock.tick_ms;
    forecasts?.advance(now);
    datasets.forEach((ds, i) => {
      if (k < ds.first_tick) return;
      const r = run[i] as (typeof run)[number];
      const forecast = forecasts?.forecastFor(i, now);
      stats.decisions++;
      if (forecast) {
        stats.with_forecast++;
        forecastUsers.add(i);
      }
      const { current, since } = r.life;
      const next = decidePlacement(
        states,
        r.slot,
        {
          bytes: ds.bytes,
          objects: ds.objects,
          current,
          since: clock.start + since * clock.tick_ms,
          created: ds.created,
          moved_at: since > -1e9 ? clock.start + since * clock.tick_ms : null,
          last_access: null,
          slo_ms: ds.slo_ms,
          pin: null,
          min_tier: null,
        },
        now,
        world,
        engine,
        forecast,
      ).target;
      r.life.step(k, next);
    });
    datasets.forEach((ds, i) => {
      const slot = (run[i] as (typeof run)[number]).slot;
      for (let j = ds.tick_start[k] as number; j < (ds.tick_start[k + 1] as number); j++) {
        const b = ds.buckets[j];
        if (b) states.observe(slot, b.t, b.reads, b.writes, b.bytes_read);
      }
    });
  }
  stats.datasets_with_forecast = forecastUsers.size;
  return run.map((r) => r.life.out);
}

export interface FleetStats {
  decisions: number;
  with_forecast: number;
  datasets_with_forecast: number;
}

const HOUR_MS = 3_600_000;

/**
 * The forecasts of production in the replay: every dataset's hourly reads, trained every
 * `retrainMs` on the four weeks before (trainSeries, as POST /train and the scheduled
 * retraining do), used where they beat the heuristic in backtest, dropped on drift. Only
 * hours before `now` are read: nothing of the future.
 */
class FleetForecasts {
  private readonly hourly: Float64Array[];
  private readonly startHour: number;
  private readonly models: (TrainedForecast | null)[];
  private nextTrain = -Infinity;

  constructor(
    private readonly datasets: SimDataset[],
    clock: SimClock,
    private readonly retrainMs: number,
  ) {
    this.startHour = Math.floor(clock.start / HOUR_MS);
    const hours = Math.ceil((clock.ticks * clock.tick_ms) / HOUR_MS) + 1;
    this.hourly = datasets.map((ds) => {
      const y = new Float64Array(hours);
      for (const b of ds.buckets) {
        const h = Math.floor(b.t / HOUR_MS) - this.startHour;
        if (h >= 0 && h < hours) y[h] = (y[h] as number) + b.reads;
      }
      return y;
    });
    this.models = datasets.map(() => null);
  }

  /** The hours [endHour - n, endHour) of dataset i, zeros before the trace. */
  private window(i: number, endHour: number, n: number): Float64Array {
    const y = this.hourly[i] as Float64Array;
    const end = endHour - this.startHour;
    if (end - n >= 0) return y.subarray(end - n, end);
    const out = new Float64Array(n);
    out.set(y.subarray(0, Math.max(0, end)), n - Math.max(0, end));
    return out;
  }

  advance(now: number): void {
    const endHour = Math.floor(now / HOUR_MS);
    if (now >= this.nextTrain) {
      this.nextTrain = now + this.retrainMs;
      this.datasets.forEach((_, i) => {
        this.models[i] = trainSeries(this.window(i, endHour, HISTORY_H), endHour);
      });
      return;
    }
    this.models.forEach((e, i) => {
      if (!e || !e.used || e.drifted) return;
      const hours = driftHours(e, now);
      if (hours > 0 && hasDrifted(e, this.window(i, Math.floor(e.at / HOUR_MS) + hours, hours))) {
        e.drifted = true;
      }
    });
  }

  forecastFor(i: number, now: number): ForecastFn | undefined {
    const e = this.models[i];
    return e && e.used && !e.drifted ? forecastReads(e, now) : undefined;
  }
}

export const alwaysHot: LifecyclePolicy = { choose: () => 0 };

/** The seed's rule (rules.ts decide) with the configured thresholds, SLO floors included. */
export function seedRecencyPolicy(
  ds: SimDataset,
  clock: SimClock,
  world: PlacementOptions,
  recency: RecencyThresholds,
  tierLatencyMs: Record<Tier, number>,
): LifecyclePolicy {
  let last: number | null = null;
  const ctx = { now: 0, recency, tierLatencyMs, pins: [], slos: [] };
  return {
    choose(k, current) {
      ctx.now = clock.start + k * clock.tick_ms;
      const tier = decide(
        {
          dataset_id: 1,
          current_tier: world.list[current]?.tier ?? 'hot',
          last_access_ts: last,
          latency_slo_ms: ds.slo_ms,
          reads_recent: 0,
          writes_recent: 0,
        },
        ctx,
      ).tier;
      return world.list.findIndex((o) => o.tier === tier);
    },
    observe(k) {
      const end = ds.tick_start[k + 1] as number;
      if (end > (ds.tick_start[k] as number)) last = ds.buckets[end - 1]?.t ?? last;
    },
  };
}

interface AutoTier {
  prices: UnitPrices;
  latency_ms: number;
  after_days: number;
}

/**
 * A provider's automatic tiering, billed as the provider bills it: tiers by days since the
 * last access, back to the first tier on access, no retrieval, transition or early-deletion
 * charges, requests at the first tier's prices, a per-object fee; objects under the
 * minimum size are never moved and pay no fee.
 */
function runAutoTiering(
  ds: SimDataset,
  clock: SimClock,
  tiers: AutoTier[],
  fee: { per_1000_objects_month: number; min_object_bytes: number },
): CostBreakdown {
  const out = emptyBreakdown();
  const tickDays = clock.tick_ms / DAY_MS;
  const eligible = ds.bytes / ds.objects >= fee.min_object_bytes;
  // Objects enter at their first event, in the first tier.
  let lastAccess = clock.start + ds.first_tick * clock.tick_ms;
  let tier = 0;
  for (let k = ds.first_tick; k < clock.ticks; k++) {
    const now = clock.start + k * clock.tick_ms;
    let next = 0;
    if (eligible) {
      const idleDays = (now - lastAccess) / DAY_MS;
      for (let i = tiers.length - 1; i > 0; i--) {
        if (idleDays >= (tiers[i] as AutoTier).after_days) {
          next = i;
          break;
        }
      }
    }
    if (next !== tier) out.moves++;
    tier = next;
    const t = tiers[tier] as AutoTier;
    const first = (tiers[0] as AutoTier).prices;
    billTick(
      out,
      {
        ...first,
        storage_per_gb_month: t.prices.storage_per_gb_month,
        min_billable_object_bytes: 0,
        monitoring_per_1000_objects_month: eligible ? fee.per_1000_objects_month : 0,
        monitoring_min_object_bytes: 0,
      },
      ds,
      k,
      tickDays,
      t.latency_ms,
    );
    const end = ds.tick_start[k + 1] as number;
    if (end > (ds.tick_start[k] as number)) lastAccess = ds.buckets[end - 1]?.t ?? lastAccess;
  }
  return out;
}

const listed = (cloud: 's3' | 'gs', cls: string): UnitPrices => {
  const p = PRICE_TABLE[cloud].classes[cls];
  return unitPrices(
    { kind: cloud, endpoint: null, region: PRICE_TABLE[cloud].region },
    cls,
    p?.storage_per_gb_month ?? 0,
  );
};

/** S3 Intelligent-Tiering: 30 days without access → Infrequent, 90 → Archive Instant (us-east-1 prices). */
export function s3IntelligentTiering(
  ds: SimDataset,
  clock: SimClock,
  tierLatencyMs: Record<Tier, number>,
): CostBreakdown {
  // Frequent, Infrequent and Archive Instant Access bill storage as STANDARD, STANDARD_IA
  // and GLACIER_IR do (https://aws.amazon.com/s3/pricing/), without their retrieval fees.
  return runAutoTiering(
    ds,
    clock,
    [
      { prices: listed('s3', 'STANDARD'), latency_ms: tierLatencyMs.hot, after_days: 0 },
      { prices: listed('s3', 'STANDARD_IA'), latency_ms: tierLatencyMs.warm, after_days: 30 },
      { prices: listed('s3', 'GLACIER_IR'), latency_ms: tierLatencyMs.cold, after_days: 90 },
    ],
    AUTO_TIERING_FEES.s3_intelligent_tiering,
  );
}

/** GCS Autoclass: 30 days → Nearline, 90 → Coldline, 365 → Archive, back to Standard on access (us-central1 prices). */
export function gcsAutoclass(
  ds: SimDataset,
  clock: SimClock,
  tierLatencyMs: Record<Tier, number>,
): CostBreakdown {
  // https://cloud.google.com/storage/docs/autoclass: operations billed at Standard rates,
  // no retrieval or early-deletion fees, a management fee per object.
  return runAutoTiering(
    ds,
    clock,
    [
      { prices: listed('gs', 'STANDARD'), latency_ms: tierLatencyMs.hot, after_days: 0 },
      { prices: listed('gs', 'NEARLINE'), latency_ms: tierLatencyMs.warm, after_days: 30 },
      { prices: listed('gs', 'COLDLINE'), latency_ms: tierLatencyMs.cold, after_days: 90 },
      { prices: listed('gs', 'ARCHIVE'), latency_ms: tierLatencyMs.cold, after_days: 365 },
    ],
    AUTO_TIERING_FEES.gcs_autoclass,
  );
}
