import type { Tier } from '../../contracts/common.ts';
import { PRICE_TABLE, type CloudKind } from '../price-table.ts';
import { DataMotionError } from '../../errors.ts';
import {
  accessCost,
  autoTierPrice,
  earlyDeletionCost,
  oneTimeMoveCost,
  parseUnitPrices,
  storageCost,
  unitPrices,
  type MoveSides,
  type UnitPrices,
} from '../unit-prices.ts';
import { PlacementOptions, placementLatency, type PlacementOption } from '../engine/decide.ts';
import type { Trace } from './trace.ts';

/**
 * The replay's bookkeeping: time is cut into ticks; at each tick boundary a policy picks
 * the class the dataset holds for the whole tick, and the tick's storage and accesses are
 * billed at that class. Every policy, the optimum included, is billed by the same code.
 */

export const DAY_MS = 86_400_000;

export interface SimBucket {
  /** The bucket's last access, ms. */
  t: number;
  reads: number;
  writes: number;
  bytes_read: number;
}

export interface SimDataset {
  name: string;
  bytes: number;
  objects: number;
  slo_ms: number | null;
  /**
   * The tick of the dataset's first event: it exists from then on (a trace records a
   * dataset's life from its creation); nothing is billed or decided before.
   */
  first_tick: number;
  /** Time of its first event (ms): when it was created. */
  created: number;
  /** Per tick: reads, writes, bytes read. */
  reads: Float64Array;
  writes: Float64Array;
  bytes_read: Float64Array;
  /** Per tick, the index of its first minute bucket (buckets[tickStart[k]..tickStart[k+1])). */
  tick_start: Int32Array;
  /** One-minute aggregates, what production's access_aggregates would hold. */
  buckets: SimBucket[];
}

export interface SimClock {
  start: number;
  tick_ms: number;
  ticks: number;
}

export interface CostBreakdown {
  storage: number;
  monitoring: number;
  requests: number;
  retrieval: number;
  migrations: number;
  early_deletion: number;
  total: number;
  slo_misses: number;
  moves: number;
}

export const emptyBreakdown = (): CostBreakdown => ({
  storage: 0,
  monitoring: 0,
  requests: 0,
  retrieval: 0,
  migrations: 0,
  early_deletion: 0,
  total: 0,
  slo_misses: 0,
  moves: 0,
});

export function addInto(a: CostBreakdown, b: CostBreakdown): void {
  for (const k of Object.keys(a) as (keyof CostBreakdown)[]) a[k] += b[k];
}

const CLASSES: Record<CloudKind, Record<Tier, string>> = {
  s3: { hot: 'STANDARD', warm: 'STANDARD_IA', cold: 'GLACIER_IR' },
  gs: { hot: 'STANDARD', warm: 'NEARLINE', cold: 'COLDLINE' },
};

/** Edited prices per tier (a bench --prices file), checked by parseUnitPrices. */
export type PriceEdits = Partial<Record<Tier, UnitPrices>>;

/**
 * One bucket of one provider, its three tiers at list prices unless edited (one root:
 * moves are transitions).
 */
export function bucketWorld(
  cloud: CloudKind,
  tierLatencyMs: Record<Tier, number>,
  edits: PriceEdits = {},
  autoTiering = false,
): PlacementOptions {
  const table = PRICE_TABLE[cloud];
  const side = { kind: cloud, endpoint: null, region: table.region };
  const list: PlacementOption[] = (['hot', 'warm', 'cold'] as const).map((tier): PlacementOption => {
    const cls = CLASSES[cloud][tier];
    const price = table.classes[cls]?.storage_per_gb_month ?? 0;
    const prices = edits[tier] ?? unitPrices(side, cls, price);
    return {
      location_id: `bench-${cloud}`,
      root: `${cloud}://bench`,
      side,
      tier,
      storage_class: cls,
      prices,
      latency_ms: placementLatency(tierLatencyMs, tier, prices),
    };
  });
  if (autoTiering) {
    // A class that tiers itself as one more placement the engine (and the optimum) may
    // choose. In S3, Intelligent-Tiering, a class of the same bucket; in GCS, Autoclass
    // (terminal class Archive, as the gcs_autoclass rule runs it), a setting of a bucket: a
    // second bucket in the same region, reached by a copy.
    const cls = cloud === 's3' ? 'INTELLIGENT_TIERING' : 'AUTOCLASS_ARCHIVE';
    const own = cloud === 's3' ? '' : '-autoclass';
    const prices = unitPrices(side, cls, table.classes[cls]?.storage_per_gb_month ?? 0);
    list.push({
      location_id: `bench-${cloud}${own}`,
      root: `${cloud}://bench${own}`,
      side,
      tier: 'warm',
      storage_class: cls,
      prices,
      latency_ms: placementLatency(tierLatencyMs, 'warm', prices),
    });
  }
  return new PlacementOptions(list);
}

/** Cuts a trace into per-dataset ticks and minute buckets; `sizeOf` gives each dataset's size. */
export function prepare(
  trace: Trace,
  tickMs: number,
  bucketMs: number,
  sizeOf: (name: string, derived: number) => { bytes: number; slo_ms: number | null },
): { clock: SimClock; datasets: SimDataset[] } {
  const start = Math.floor(trace.start / tickMs) * tickMs;
  const ticks = Math.floor((trace.end - start) / tickMs) + 1;
  const datasets = trace.datasets.map((td): SimDataset => {
    const { bytes, slo_ms } = sizeOf(td.name, td.derived_bytes);
    // An access touches the same share of the dataset whatever its size: a sizes file
    // that makes a dataset 1000× larger makes each read 1000× larger too.
    const scale = td.derived_bytes > 0 ? bytes / td.derived_bytes : 1;
    const reads = new Float64Array(ticks);
    const writes = new Float64Array(ticks);
    const bytesRead = new Float64Array(ticks);
    const tickStart = new Int32Array(ticks + 1);
    const buckets: SimBucket[] = [];
    let cur: SimBucket | null = null;
    let curKey = -1;
    let nextTick = 0;
    for (const e of td.events) {
      const k = Math.floor((e.t - start) / tickMs);
      const b = e.read ? e.bytes * scale : 0;
      if (e.read) reads[k] = (reads[k] as number) + 1;
      else writes[k] = (writes[k] as number) + 1;
      bytesRead[k] = (bytesRead[k] as number) + b;
      const key = Math.floor(e.t / bucketMs);
      if (!cur || key !== curKey) {
        while (nextTick <= k) tickStart[nextTick++] = buckets.length;
        cur = { t: e.t, reads: 0, writes: 0, bytes_read: 0 };
        curKey = key;
        buckets.push(cur);
      }
      cur.t = e.t;
      if (e.read) cur.reads++;
      else cur.writes++;
      cur.bytes_read += b;
    }
    while (nextTick <= ticks) tickStart[nextTick++] = buckets.length;
    const first = td.events[0];
    return {
      name: td.name,
      bytes,
      objects: Math.max(1, td.objects),
      slo_ms,
      first_tick: first ? Math.floor((first.t - start) / tickMs) : 0,
      created: first ? first.t : start,
      reads,
      writes,
      bytes_read: bytesRead,
      tick_start: tickStart,
      buckets,
    };
  });
  return { clock: { start, tick_ms: tickMs, ticks }, datasets };
}

/** Bills one tick at one class's prices. */
export function billTick(
  out: CostBreakdown,
  p: UnitPrices,
  ds: SimDataset,
  k: number,
  tickDays: number,
  latencyMs: number,
): void {
  const storage = storageCost({ ...p, monitoring_per_1000_objects_month: 0 }, ds.bytes, ds.objects, tickDays);
  const all = storageCost(p, ds.bytes, ds.objects, tickDays);
  const r = ds.reads[k] as number;
  const w = ds.writes[k] as number;
  const requests = accessCost({ ...p, retrieval_per_gb: 0 }, r, w, 0);
  const retrieval = accessCost(p, 0, 0, ds.bytes_read[k] as number);
  out.storage += storage;
  out.monitoring += all - storage;
  out.requests += requests;
  out.retrieval += retrieval;
  out.total += all + requests + retrieval;
  if (ds.slo_ms !== null && latencyMs > ds.slo_ms) out.slo_misses += r;
}

/**
 * The prices of tick k at a class: an auto-tiering class's storage price follows the days
 * since the later of entering it and the last access.
 */
export function tickPrices(p: UnitPrices, idleTicks: number, tickDays: number, ds: SimDataset): UnitPrices {
  return p.auto_tiers
    ? { ...p, storage_per_gb_month: autoTierPrice(p, idleTicks * tickDays, ds.bytes, ds.objects) }
    : p;
}

/** Bills a move at a tick boundary: early deletion apart from the rest. */
export function billMove(out: CostBreakdown, m: MoveSides, ds: SimDataset, ageDays: number): void {
  const total = oneTimeMoveCost(m, ds.bytes, ds.objects, ageDays);
  const early = earlyDeletionCost(m.from, ds.bytes, ds.objects, ageDays);
  out.early_deletion += early;
  out.migrations += total - early;
  out.total += total;
  out.moves++;
}

/** A policy over a bucket world: at tick k, holding `current` since tick `since`, it picks a class. */
export interface LifecyclePolicy {
  choose(k: number, current: number, since: number): number;
  /** Sees the tick's buckets after it is billed. */
  observe?(k: number): void;
}

/**
 * One dataset's bookkeeping through the ticks: the class it holds (it starts in the hot
 * class), since which tick, and what it has cost. Every policy is billed through it.
 */
export class LifecycleRun {
  readonly out = emptyBreakdown();
  current = 0;
  since = -1e9;
  private lastAccessTick = -1e9;
  private readonly tickDays: number;

  constructor(
    private readonly ds: SimDataset,
    clock: SimClock,
    private readonly world: PlacementOptions,
  ) {
    this.tickDays = clock.tick_ms / DAY_MS;
  }

  /** At tick k's boundary: moves to class `next` if it is another, then bills the tick. */
  step(k: number, next: number): void {
    const { ds, world, tickDays } = this;
    if (next !== this.current) {
      billMove(this.out, world.moves[this.current]?.[next] as MoveSides, ds, (k - this.since) * tickDays);
      this.current = next;
      this.since = k;
    }
    const o = world.list[this.current] as PlacementOption;
    const idle = k - Math.max(this.since, this.lastAccessTick + 1);
    billTick(this.out, tickPrices(o.prices, idle, tickDays, ds), ds, k, tickDays, o.latency_ms);
    if ((ds.reads[k] as number) + (ds.writes[k] as number) > 0) this.lastAccessTick = k;
  }
}

/** Runs a lifecycle policy from the dataset's first tick; it starts in the hot class. */
export function runLifecycle(
  ds: SimDataset,
  clock: SimClock,
  world: PlacementOptions,
  policy: LifecyclePolicy,
): CostBreakdown {
  const run = new LifecycleRun(ds, clock, world);
  for (let k = ds.first_tick; k < clock.ticks; k++) {
    run.step(k, policy.choose(k, run.current, run.since));
    policy.observe?.(k);
  }
  return run.out;
}

/**
 * Edits of a bucket world's prices, from JSON: `{"cold": {"retrieval_per_gb": 0.05}, ...}`;
 * fields left out keep the list price. The error names the tier and field.
 */
export function parsePriceEdits(json: unknown, cloud: CloudKind): PriceEdits {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new DataMotionError(
      'invalid_input',
      'prices must be an object keyed by tier (hot, warm, cold)',
      'prices',
    );
  }
  const base = bucketWorld(cloud, { hot: 0, warm: 0, cold: 0 });
  const out: PriceEdits = {};
  for (const [tier, v] of Object.entries(json as Record<string, unknown>)) {
    const o = base.list.find((x) => x.tier === tier);
    if (!o) {
      throw new DataMotionError(
        'invalid_input',
        `prices.${tier} is not a tier; use hot, warm or cold`,
        `prices.${tier}`,
      );
    }
    out[o.tier] = parseUnitPrices(v, `prices.${tier}`, o.prices);
  }
  return out;
}
