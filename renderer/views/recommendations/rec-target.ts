import type { Tier } from '../../../core/contracts/common.ts';
import type { Dataset } from '../../../core/contracts/datasets.ts';
import type { Location } from '../../../core/contracts/locations.ts';
import type { Recommendation } from '../../../core/contracts/placement.ts';
import { groupOf } from '../../store/selectors.ts';

/** Where a recommendation would put a dataset: one location's tier and its storage class. */
export interface RecTarget {
  location: string;
  tier: Tier;
  storageClass: string;
  pricePerGbMonth: number;
}

/**
 * A recommendation names a tier, not a place. The place is, in order: the dataset's own
 * location when it offers that tier (a storage-class transition, nothing copied), else the
 * cheapest location of the same provider group (same network, no egress surprise), else
 * the cheapest location anywhere that offers the tier. Null when no location offers it.
 */
export function recommendedTarget(d: Dataset, tier: Tier, locations: Location[]): RecTarget | null {
  const offering = locations.filter((l) => l.tiers[tier] !== undefined);
  const toTarget = (l: Location): RecTarget => {
    const spec = l.tiers[tier] as NonNullable<Location['tiers'][Tier]>;
    return {
      location: l.id,
      tier,
      storageClass: spec.storage_class,
      pricePerGbMonth: spec.price_per_gb_month,
    };
  };
  const own = offering.find((l) => l.id === d.location);
  if (own) return toTarget(own);
  const current = locations.find((l) => l.id === d.location);
  const cheapest = (ls: Location[]) =>
    ls
      .map(toTarget)
      .sort((a, b) => a.pricePerGbMonth - b.pricePerGbMonth || a.location.localeCompare(b.location))[0] ??
    null;
  if (current) {
    const group = groupOf(current).key;
    const near = cheapest(offering.filter((l) => groupOf(l).key === group));
    if (near) return near;
  }
  return cheapest(offering);
}

/**
 * The engine's own target when the recommendation names one and its location still offers
 * that tier; otherwise the place recommendedTarget picks for the tier.
 */
export function targetOf(r: Recommendation, d: Dataset, locations: Location[]): RecTarget | null {
  const named = r.target && locations.find((l) => l.id === r.target?.location_id);
  const spec = named ? named.tiers[r.recommended_tier] : undefined;
  if (named && spec) {
    return {
      location: named.id,
      tier: r.recommended_tier,
      storageClass: spec.storage_class,
      pricePerGbMonth: spec.price_per_gb_month,
    };
  }
  return recommendedTarget(d, r.recommended_tier, locations);
}

/** Dismissals are remembered per dataset and recommendation: a new recommendation shows again. */
export const dismissKey = (r: Pick<Recommendation, 'dataset_id' | 'id'>): string => `${r.dataset_id}:${r.id}`;

/** A recommendation that asks for a move: its tier differs, its dataset exists, not dismissed. */
export function openRecommendations(
  recs: Record<number, Recommendation>,
  datasets: Record<number, Dataset>,
  dismissed: ReadonlySet<string>,
): Recommendation[] {
  return Object.values(recs).filter((r) => {
    const d = datasets[r.dataset_id];
    return !!d && r.recommended_tier !== d.current_tier && !dismissed.has(dismissKey(r));
  });
}

/** The stored list of dismissed keys, read defensively (anything else in storage is ignored). */
export function parseDismissed(raw: string | null): Set<string> {
  if (!raw) return new Set();
  try {
    const v: unknown = JSON.parse(raw);
    return new Set(Array.isArray(v) ? v.filter((k): k is string => typeof k === 'string') : []);
  } catch {
    return new Set();
  }
}
