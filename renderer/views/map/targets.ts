import { TIERS, type Tier } from '../../../core/contracts/common.ts';
import type { Dataset } from '../../../core/contracts/datasets.ts';
import type { Location } from '../../../core/contracts/locations.ts';
import { groupOf } from '../../store/index.ts';

export interface MoveTarget {
  location: string;
  tier: Tier;
}

export interface TargetOption extends MoveTarget {
  group: string;
  storageClass: string;
}

/** Every (location, tier) a dataset can move to: offered by the location, not where it is now. */
export function targetsFor(d: Dataset, locations: Location[]): TargetOption[] {
  const out: TargetOption[] = [];
  for (const l of locations) {
    for (const tier of TIERS) {
      const spec = l.tiers[tier];
      if (!spec || (l.id === d.location && tier === d.current_tier)) continue;
      out.push({ location: l.id, tier, group: groupOf(l).label, storageClass: spec.storage_class });
    }
  }
  return out;
}

/** Droppable ids: `cell:<location>|<tier>`. */
export const cellDropId = (location: string, tier: Tier) => `cell:${location}|${tier}`;
export function parseCellDropId(id: string): MoveTarget | null {
  const m = /^cell:([^|]+)\|(hot|warm|cold)$/.exec(id);
  return m ? { location: m[1] as string, tier: m[2] as Tier } : null;
}
export const cardDragId = (datasetId: number) => `dataset:${datasetId}`;
export const parseCardDragId = (id: string | number): number | null => {
  const m = /^dataset:(\d+)$/.exec(String(id));
  return m ? Number(m[1]) : null;
};
