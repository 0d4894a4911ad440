import type { Dataset } from '../../../core/contracts/datasets.ts';

export type SortKey =
  'name' | 'location' | 'current_tier' | 'size_bytes' | 'object_count' | 'owner' | 'last_access_ts';
export type SortDir = 'asc' | 'desc';

export const PAGE_SIZE = 50;

/** ds-2 before ds-10, case-insensitive. */
const TEXT = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
const TIER_ORDER = { hot: 0, warm: 1, cold: 2 } as const;

/** Case-insensitive match on name, owner or path; every whitespace-separated word must match. */
export function searchDatasets(list: Dataset[], query: string): Dataset[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return list;
  return list.filter((d) => {
    const hay = `${d.name}\n${d.owner ?? ''}\n${d.path_uri}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

function compare(a: Dataset, b: Dataset, key: SortKey): number {
  switch (key) {
    case 'size_bytes':
    case 'object_count':
      return a[key] - b[key];
    case 'current_tier':
      return TIER_ORDER[a.current_tier] - TIER_ORDER[b.current_tier];
    case 'name':
    case 'location':
      return TEXT.compare(a[key], b[key]);
    case 'owner':
    case 'last_access_ts': {
      // Missing values sort last in both directions: handled by the caller.
      return TEXT.compare(a[key] ?? '', b[key] ?? '');
    }
  }
}

/** A stable sort by one column; empty owners / never-accessed sort last either way; ties by name, then id. */
export function sortDatasets(list: Dataset[], key: SortKey, dir: SortDir): Dataset[] {
  const sign = dir === 'asc' ? 1 : -1;
  const missing = (d: Dataset) => (key === 'owner' || key === 'last_access_ts') && d[key] === null;
  return [...list].sort((a, b) => {
    const ma = missing(a);
    const mb = missing(b);
    if (ma !== mb) return ma ? 1 : -1;
    return sign * compare(a, b, key) || TEXT.compare(a.name, b.name) || a.id - b.id;
  });
}

export interface Page<T> {
  rows: T[];
  /** 0-based, clamped into range. */
  page: number;
  pages: number;
  total: number;
  /** 1-based positions of the first and last row shown (0, 0 when empty). */
  from: number;
  to: number;
}

export function pageOf<T>(list: T[], page: number, size = PAGE_SIZE): Page<T> {
  const pages = Math.max(1, Math.ceil(list.length / size));
  const p = Math.min(Math.max(0, Math.floor(page)), pages - 1);
  const rows = list.slice(p * size, (p + 1) * size);
  return {
    rows,
    page: p,
    pages,
    total: list.length,
    from: rows.length ? p * size + 1 : 0,
    to: p * size + rows.length,
  };
}
