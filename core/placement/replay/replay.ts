import type { RecencyThresholds } from '../../config.ts';
import type { Tier } from '../../contracts/common.ts';
import type { CloudKind } from '../price-table.ts';
import type { EngineConfig } from '../engine/decide.ts';
import { optimum } from './optimum.ts';
import {
  alwaysHot,
  datamotionFleet,
  gcsAutoclass,
  s3IntelligentTiering,
  seedRecencyPolicy,
} from './policies.ts';
import {
  addInto,
  bucketWorld,
  emptyBreakdown,
  prepare,
  runLifecycle,
  type CostBreakdown,
  type PriceEdits,
  type SimDataset,
} from './simulate.ts';
import type { SizeRow, Trace } from './trace.ts';

export const POLICY_NAMES = [
  'datamotion',
  'always_hot',
  's3_intelligent_tiering',
  'gcs_autoclass',
  'seed_recency',
  'optimum',
] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];
export const RULE_BASELINES: readonly PolicyName[] = [
  's3_intelligent_tiering',
  'gcs_autoclass',
  'seed_recency',
];

export interface ReplayOptions {
  /** The bucket the engine, always-hot, the seed rule and the optimum are billed in. */
  cloud: CloudKind;
  tickMs: number;
  /** Width of the aggregates the engine reads (production's bucketSeconds). */
  bucketMs: number;
  engine: EngineConfig;
  recency: RecencyThresholds;
  tierLatencyMs: Record<Tier, number>;
  /** Edited prices of the bucket's tiers (--prices). */
  prices?: PriceEdits;
  /** S3 only: Intelligent-Tiering is one more class the engine and the optimum may choose. */
  autoTiering?: boolean;
}

export type PolicyTotals = Record<PolicyName, CostBreakdown>;

export interface ReplayCase {
  datasets: number;
  bytes: number;
  ticks: number;
  policies: PolicyTotals;
}

/** Replays every policy over every dataset of the trace, sized by `sizeOf`. */
export function replay(
  trace: Trace,
  opts: ReplayOptions,
  sizeOf: (name: string, derived: number) => SizeRow,
): ReplayCase {
  const { clock, datasets } = prepare(trace, opts.tickMs, opts.bucketMs, sizeOf);
  const world = bucketWorld(opts.cloud, opts.tierLatencyMs, opts.prices, opts.autoTiering ?? false);
  const totals = Object.fromEntries(POLICY_NAMES.map((n) => [n, emptyBreakdown()])) as PolicyTotals;
  // The engine runs over the fleet together (it learns a prior from other datasets' past).
  const fleet = datamotionFleet(datasets, clock, world, opts.engine, opts.bucketMs);
  const byDataset = new Map(datasets.map((ds, i) => [ds, fleet[i] as CostBreakdown]));
  const run: Record<PolicyName, (ds: SimDataset) => CostBreakdown> = {
    datamotion: (ds) => byDataset.get(ds) as CostBreakdown,
    always_hot: (ds) => runLifecycle(ds, clock, world, alwaysHot),
    s3_intelligent_tiering: (ds) => s3IntelligentTiering(ds, clock, opts.tierLatencyMs),
    gcs_autoclass: (ds) => gcsAutoclass(ds, clock, opts.tierLatencyMs),
    seed_recency: (ds) =>
      runLifecycle(ds, clock, world, seedRecencyPolicy(ds, clock, world, opts.recency, opts.tierLatencyMs)),
    optimum: (ds) => optimum(ds, clock, world),
  };
  let bytes = 0;
  for (const ds of datasets) {
    bytes += ds.bytes;
    for (const name of POLICY_NAMES) addInto(totals[name], run[name](ds));
  }
  return { datasets: datasets.length, bytes, ticks: clock.ticks, policies: totals };
}

export interface TargetCheck {
  best_rule_baseline: PolicyName;
  vs_best_rule: number;
  vs_optimum: number;
  slo_misses_ok: boolean;
  met: boolean;
}

/** The targets: ≤ 0.8× the best rule baseline, ≤ 1.15× the optimum, no more SLO misses. */
export function checkTargets(p: PolicyTotals): TargetCheck {
  let best: PolicyName = RULE_BASELINES[0] as PolicyName;
  for (const n of RULE_BASELINES) if (p[n].total < p[best].total) best = n;
  const dm = p.datamotion;
  const vsBest = p[best].total > 0 ? dm.total / p[best].total : 1;
  const vsOpt = p.optimum.total > 0 ? dm.total / p.optimum.total : 1;
  const sloOk = dm.slo_misses <= p[best].slo_misses;
  return {
    best_rule_baseline: best,
    vs_best_rule: vsBest,
    vs_optimum: vsOpt,
    slo_misses_ok: sloOk,
    met: vsBest <= 0.8 && vsOpt <= 1.15 && sloOk,
  };
}
