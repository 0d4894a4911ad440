import type { Dataset } from '../../../core/contracts/datasets.ts';
import type { UsageBucket } from '../../../core/contracts/telemetry.ts';

/** The datasets with the most recent access, newest first; never-read ones are left out. */
export function topByRecentAccess(datasets: Iterable<Dataset>, n: number): Dataset[] {
  return [...datasets]
    .filter((d) => d.last_access_ts !== null)
    .sort(
      (a, b) =>
        (b.last_access_ts ?? '').localeCompare(a.last_access_ts ?? '') || a.name.localeCompare(b.name),
    )
    .slice(0, n);
}

export interface ActivityRow {
  /** Start of the bin, epoch ms. */
  t: number;
  /** Accesses (reads + writes) per series key. */
  [series: string]: number;
}

/**
 * Usage buckets of several datasets as chart rows: `points` even bins over [from, to),
 * one value per series (`series[i]` names `buckets[i]`). Buckets outside are ignored.
 */
export function activityRows(
  series: { key: string; buckets: UsageBucket[] }[],
  fromMs: number,
  toMs: number,
  points: number,
): ActivityRow[] {
  const width = Math.max(1, (toMs - fromMs) / points);
  const rows: ActivityRow[] = Array.from({ length: points }, (_, i) => {
    const row: ActivityRow = { t: Math.round(fromMs + i * width) };
    for (const s of series) row[s.key] = 0;
    return row;
  });
  for (const s of series) {
    for (const b of s.buckets) {
      const i = Math.floor((Date.parse(b.bucket_start) - fromMs) / width);
      const row = rows[i];
      if (row) row[s.key] = (row[s.key] ?? 0) + b.read_count + b.write_count;
    }
  }
  return rows;
}

/** Reads and writes of one dataset per bin (the detail view's chart). */
export function readWriteRows(buckets: UsageBucket[], fromMs: number, toMs: number, points: number) {
  const width = Math.max(1, (toMs - fromMs) / points);
  const rows = Array.from({ length: points }, (_, i) => ({
    t: Math.round(fromMs + i * width),
    reads: 0,
    writes: 0,
  }));
  for (const b of buckets) {
    const row = rows[Math.floor((Date.parse(b.bucket_start) - fromMs) / width)];
    if (!row) continue;
    row.reads += b.read_count;
    row.writes += b.write_count;
  }
  return rows;
}
