import { TIERS, type Tier } from '../../../core/contracts/common.ts';
import type { Dataset } from '../../../core/contracts/datasets.ts';
import type { Location } from '../../../core/contracts/locations.ts';
import type { Recommendation } from '../../../core/contracts/placement.ts';
import { recommendedTarget } from '../recommendations/rec-target.ts';

/** The estimate's GB (core/placement/cost-model.ts): binary, as the clouds bill. */
export const GB = 2 ** 30;

export interface Placement {
  location: string;
  tier: Tier;
}

export interface LocationCost {
  location: string;
  /** USD a month per tier. */
  usd: Record<Tier, number>;
  bytes: Record<Tier, number>;
  total: number;
}

export interface CostSummary {
  /** One row per location, in the order of `locations`; locations holding nothing are kept (0). */
  rows: LocationCost[];
  totalUsd: number;
  totalBytes: number;
  /** Datasets whose (location, tier) has no price: counted here, not in any row. */
  unpriced: { count: number; bytes: number };
}

const zero = (): Record<Tier, number> => ({ hot: 0, warm: 0, cold: 0 });

/**
 * A month of storage by location and tier: size × the location's price for that tier.
 * `placeOf` says where each dataset is counted (today: where it is). No minimum object
 * size billing here: the per-move estimate has it, a fleet view does not need it.
 */
export function monthlyCosts(
  datasets: Iterable<Dataset>,
  locations: Record<string, Location>,
  placeOf: (d: Dataset) => Placement = (d) => ({ location: d.location, tier: d.current_tier }),
): CostSummary {
  const rows = new Map<string, LocationCost>();
  for (const id of Object.keys(locations).sort())
    rows.set(id, { location: id, usd: zero(), bytes: zero(), total: 0 });
  const unpriced = { count: 0, bytes: 0 };
  let totalUsd = 0;
  let totalBytes = 0;
  for (const d of datasets) {
    const p = placeOf(d);
    const price = locations[p.location]?.tiers[p.tier]?.price_per_gb_month;
    const row = rows.get(p.location);
    totalBytes += d.size_bytes;
    if (price === undefined || !row) {
      unpriced.count++;
      unpriced.bytes += d.size_bytes;
      continue;
    }
    const usd = (d.size_bytes / GB) * price;
    row.usd[p.tier] += usd;
    row.bytes[p.tier] += d.size_bytes;
    row.total += usd;
    totalUsd += usd;
  }
  return { rows: [...rows.values()], totalUsd, totalBytes, unpriced };
}

/** Where each dataset would be once every open recommendation is applied (sources retired). */
export function placementAfter(
  open: Recommendation[],
  datasets: Record<number, Dataset>,
  locations: Record<string, Location>,
): (d: Dataset) => Placement {
  const list = Object.values(locations);
  const moved = new Map<number, Placement>();
  for (const r of open) {
    const d = datasets[r.dataset_id];
    const t = d && recommendedTarget(d, r.recommended_tier, list);
    if (t) moved.set(r.dataset_id, { location: t.location, tier: t.tier });
  }
  return (d) => moved.get(d.id) ?? { location: d.location, tier: d.current_tier };
}

/** Chart rows: one per location, `hot`/`warm`/`cold` in USD. */
export const chartRows = (s: CostSummary) =>
  s.rows.map((r) => ({ location: r.location, ...r.usd, total: r.total }));

/** Totals per tier across locations. */
export function tierTotals(s: CostSummary): Record<Tier, number> {
  const out = zero();
  for (const r of s.rows) for (const t of TIERS) out[t] += r.usd[t];
  return out;
}

/** The next 1, 2, 2.5 or 5 × 10^n at or above v: a y-axis top both charts share. */
export function niceCeil(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  const step = [1, 2, 2.5, 5, 10].find((m) => m * p >= v) ?? 10;
  return step * p;
}
