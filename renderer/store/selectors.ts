import type { Dataset } from '../../core/contracts/datasets.ts';
import type { Job } from '../../core/contracts/jobs.ts';
import type { Location } from '../../core/contracts/locations.ts';
import type { Tier } from '../../core/contracts/common.ts';

/**
 * Derived views of the normalized maps, memoized on the identity of their input (the
 * reducer replaces a map only when it changes), so a job.progress does not regroup 10,000
 * datasets.
 */
function memo<I extends object, O>(f: (input: I) => O): (input: I) => O {
  const cache = new WeakMap<I, O>();
  return (input) => {
    let out = cache.get(input);
    if (out === undefined) {
      out = f(input);
      cache.set(input, out);
    }
    return out;
  };
}

export interface LocationGroup {
  key: string;
  label: string;
  kind: Location['kind'];
  locations: Location[];
}

const hostOf = (uri: string | null) => {
  if (!uri) return null;
  try {
    return new URL(uri).host;
  } catch {
    return uri;
  }
};

/** Where a location is: on-prem, one S3 endpoint (or AWS region), one GCS project. */
export function groupOf(l: Location): { key: string; label: string } {
  switch (l.kind) {
    case 'file':
      return { key: 'file', label: 'On-prem' };
    case 's3': {
      const where = hostOf(l.endpoint) ?? `AWS ${l.region ?? 'default region'}`;
      return { key: `s3:${where}`, label: `S3 ${where}` };
    }
    case 'gs': {
      const where = l.project ?? hostOf(l.endpoint) ?? 'default project';
      return { key: `gs:${where}`, label: `GCS ${where}` };
    }
  }
}

const KIND_ORDER: Record<Location['kind'], number> = { file: 0, s3: 1, gs: 2 };

export const selectLocationGroups = memo((locations: Record<string, Location>): LocationGroup[] => {
  const groups = new Map<string, LocationGroup>();
  for (const l of Object.values(locations)) {
    const { key, label } = groupOf(l);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { key, label, kind: l.kind, locations: [] }));
    g.locations.push(l);
  }
  const list = [...groups.values()];
  for (const g of list) g.locations.sort((a, b) => a.id.localeCompare(b.id));
  return list.sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.label.localeCompare(b.label));
});

/** ds-2 before ds-10. */
const NAME_ORDER = new Intl.Collator('en', { numeric: true });

export const cellKey = (location: string, tier: Tier) => `${location}|${tier}`;

export interface Cell {
  ids: number[];
  bytes: number;
}

/** location|tier → the datasets there (by name), with their total bytes. */
export const selectCells = memo((datasets: Record<number, Dataset>): Map<string, Cell> => {
  const cells = new Map<string, Cell>();
  const sorted = Object.values(datasets).sort((a, b) => NAME_ORDER.compare(a.name, b.name));
  for (const d of sorted) {
    const key = cellKey(d.location, d.current_tier);
    let c = cells.get(key);
    if (!c) cells.set(key, (c = { ids: [], bytes: 0 }));
    c.ids.push(d.id);
    c.bytes += d.size_bytes;
  }
  return cells;
});

/** Jobs newest first. */
export const selectJobsNewestFirst = memo((jobs: Record<string, Job>): Job[] =>
  Object.values(jobs).sort(
    (a, b) => b.submitted_at.localeCompare(a.submitted_at) || b.job_id.localeCompare(a.job_id),
  ),
);

/** Whether a location offers a tier (a cell accepts drops only then). */
export const offersTier = (l: Location, tier: Tier): boolean => l.tiers[tier] !== undefined;
