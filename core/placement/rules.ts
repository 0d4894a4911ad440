import { TIERS, type Tier } from '../contracts/common.ts';
import type { RecencyThresholds } from '../config.ts';

/** What the rules see of a dataset. */
export interface PlacementInput {
  dataset_id: number;
  current_tier: Tier;
  last_access_ts: number | null;
  latency_slo_ms: number | null;
  reads_recent: number;
  writes_recent: number;
}

export interface PinPolicy {
  name: string;
  dataset_id: number | null;
  tier: Tier;
}

export interface SloPolicy {
  name: string;
  dataset_id: number | null;
  max_latency_ms: number;
  min_tier: Tier;
}

export interface RuleContext {
  now: number;
  recency: RecencyThresholds;
  tierLatencyMs: Record<Tier, number>;
  /** Pins and SLO policies: dataset-specific ones apply before global ones. */
  pins: PinPolicy[];
  slos: SloPolicy[];
}

export interface Decision {
  tier: Tier;
  reasons: string[];
}

const rank = (t: Tier): number => TIERS.indexOf(t);
/** The hotter of two tiers. */
const hotter = (a: Tier, b: Tier): Tier => (rank(a) <= rank(b) ? a : b);

export function formatAge(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} d`;
}

const COLDEST_FIRST: readonly Tier[] = [...TIERS].reverse();

/** The fixed parts of the recency reasons, formatted once per thresholds object, not per dataset. */
const wordCache = new WeakMap<
  RecencyThresholds,
  { hot: string; warm: string; cold: string; window: string }
>();
function words(r: RecencyThresholds) {
  let w = wordCache.get(r);
  if (!w) {
    w = {
      hot: `≤ ${formatAge(r.hot_max_age_s)}`,
      warm: `≤ ${formatAge(r.warm_max_age_s)}`,
      cold: `> ${formatAge(r.warm_max_age_s)}`,
      window: formatAge(r.warm_max_age_s),
    };
    wordCache.set(r, w);
  }
  return w;
}

/** The seed's recency rule, then SLO floors, then pins (an operator's explicit word wins). */
export function decide(d: PlacementInput, ctx: RuleContext): Decision {
  const reasons: string[] = [];
  let tier: Tier;
  const { hot_max_age_s: hotMax, warm_max_age_s: warmMax } = ctx.recency;
  if (d.last_access_ts === null) {
    tier = 'cold';
    reasons.push('never accessed → cold');
  } else {
    const age = Math.max(0, (ctx.now - d.last_access_ts) / 1000);
    if (age <= hotMax) tier = 'hot';
    else if (age <= warmMax) tier = 'warm';
    else tier = 'cold';
    const w = words(ctx.recency);
    const bound = tier === 'hot' ? w.hot : tier === 'warm' ? w.warm : w.cold;
    reasons.push(`last access ${formatAge(age)} ago (${bound}) → ${tier}`);
  }
  if (d.reads_recent + d.writes_recent > 0) {
    reasons.push(
      `${d.reads_recent} reads, ${d.writes_recent} writes in the last ${words(ctx.recency).window}`,
    );
  }

  if (d.latency_slo_ms !== null) {
    // The coldest tier whose typical latency still meets the SLO.
    const slo = d.latency_slo_ms;
    const floor = COLDEST_FIRST.find((t) => ctx.tierLatencyMs[t] <= slo) ?? 'hot';
    if (rank(tier) > rank(floor)) {
      reasons.push(
        `latency SLO ${d.latency_slo_ms} ms needs ${floor} (${tier} is ~${ctx.tierLatencyMs[tier]} ms) → ${floor}`,
      );
      tier = floor;
    }
  }
  for (const p of applicable(ctx.slos, d)) {
    if (d.latency_slo_ms !== null && d.latency_slo_ms <= p.max_latency_ms && rank(tier) > rank(p.min_tier)) {
      reasons.push(`policy "${p.name}": SLO ≤ ${p.max_latency_ms} ms keeps data at ${p.min_tier} or hotter`);
      tier = hotter(tier, p.min_tier);
    }
  }
  const pin = applicable(ctx.pins, d)[0];
  if (pin && pin.tier !== tier) {
    reasons.push(`pinned to ${pin.tier} by policy "${pin.name}" (rules said ${tier})`);
    tier = pin.tier;
  } else if (pin) {
    reasons.push(`pinned to ${pin.tier} by policy "${pin.name}"`);
  }
  reasons.push(tier === d.current_tier ? `stays ${tier}` : `move ${d.current_tier} → ${tier}`);
  return { tier, reasons };
}

function applicable<T extends { dataset_id: number | null }>(policies: T[], d: PlacementInput): T[] {
  // Most datasets have no policy at all: no allocation on the 100k-dataset path.
  if (policies.length === 0) return policies;
  return [
    ...policies.filter((p) => p.dataset_id === d.dataset_id),
    ...policies.filter((p) => p.dataset_id === null),
  ];
}
