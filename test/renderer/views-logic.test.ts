import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../core/contracts/datasets.ts';
import type { Location } from '../../core/contracts/locations.ts';
import type { Recommendation } from '../../core/contracts/placement.ts';
import type { UsageBucket } from '../../core/contracts/telemetry.ts';
import {
  dismissKey,
  openRecommendations,
  parseDismissed,
  recommendedTarget,
} from '../../renderer/views/recommendations/rec-target.ts';
import {
  GB,
  monthlyCosts,
  niceCeil,
  placementAfter,
  tierTotals,
} from '../../renderer/views/costs/cost-model.ts';
import { activityRows, readWriteRows, topByRecentAccess } from '../../renderer/views/costs/activity.ts';
import { pageOf, searchDatasets, sortDatasets } from '../../renderer/views/datasets/table.ts';

// The pure logic behind the Recommendations, Costs and Datasets views, on plain objects.
const dataset = (id: number, over: Partial<Dataset> = {}): Dataset => ({
  id,
  name: `ds-${id}`,
  path_uri: `file:///srv/fast/ds-${id}`,
  location: 'fast',
  current_tier: 'hot',
  storage_class: 'standard',
  latency_slo_ms: null,
  size_bytes: GB,
  object_count: 1,
  owner: null,
  last_access_ts: null,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
  ...over,
});

const location = (id: string, over: Partial<Location> = {}): Location => ({
  id,
  uri: `file:///srv/${id}`,
  kind: 'file',
  endpoint: null,
  region: null,
  project: null,
  credentials_ref: null,
  has_credentials: false,
  tiers: { hot: { storage_class: 'standard', price_per_gb_month: 0.1 } },
  created_at: '2026-01-01T00:00:00.000Z',
  ...over,
});

const rec = (
  dataset_id: number,
  recommended_tier: Recommendation['recommended_tier'],
  id = dataset_id,
): Recommendation => ({
  id,
  dataset_id,
  current_tier: 'hot',
  recommended_tier,
  reasons: ['no access for 2 h'],
  model_version: 'recency-v1',
  ts: '2026-01-02T00:00:00.000Z',
});

const LOCS: Record<string, Location> = {
  fast: location('fast'),
  archive: location('archive', {
    tiers: {
      warm: { storage_class: 'standard', price_per_gb_month: 0.03 },
      cold: { storage_class: 'archive', price_per_gb_month: 0.01 },
    },
  }),
  lake: location('lake', {
    uri: 's3://lake/dm',
    kind: 's3',
    region: 'us-east-1',
    tiers: {
      hot: { storage_class: 'STANDARD', price_per_gb_month: 0.023 },
      cold: { storage_class: 'GLACIER_IR', price_per_gb_month: 0.004 },
    },
  }),
};

describe('recommendedTarget', () => {
  it('keeps the dataset in its own location when that location offers the tier', () => {
    const d = dataset(1, { location: 'lake' });
    expect(recommendedTarget(d, 'cold', Object.values(LOCS))).toMatchObject({
      location: 'lake',
      storageClass: 'GLACIER_IR',
    });
  });

  it('prefers the same provider group over a cheaper location elsewhere', () => {
    // lake's cold (0.004) is cheaper, but archive is on-prem like fast: no egress.
    expect(recommendedTarget(dataset(1), 'cold', Object.values(LOCS))).toMatchObject({
      location: 'archive',
      tier: 'cold',
      storageClass: 'archive',
      pricePerGbMonth: 0.01,
    });
  });

  it('falls back to the cheapest location anywhere, and to null when none offers the tier', () => {
    const d = dataset(1, { location: 'lake' });
    expect(recommendedTarget(d, 'warm', Object.values(LOCS))?.location).toBe('archive');
    expect(recommendedTarget(d, 'warm', [LOCS.lake as Location])).toBeNull();
  });
});

describe('openRecommendations', () => {
  it('keeps moves only: not same-tier, not dismissed, not for a deleted dataset', () => {
    const datasets = { 1: dataset(1), 2: dataset(2), 3: dataset(3) };
    const recs = { 1: rec(1, 'cold'), 2: rec(2, 'hot'), 3: rec(3, 'warm', 30), 4: rec(4, 'cold') };
    const dismissed = new Set([dismissKey(recs[3])]);
    expect(openRecommendations(recs, datasets, dismissed).map((r) => r.dataset_id)).toEqual([1]);
  });

  it('shows a dismissed dataset again when a new recommendation replaces the dismissed one', () => {
    const dismissed = new Set([dismissKey(rec(1, 'cold', 10))]);
    expect(openRecommendations({ 1: rec(1, 'cold', 11) }, { 1: dataset(1) }, dismissed)).toHaveLength(1);
  });

  it('reads stored dismissals defensively', () => {
    expect([...parseDismissed('["1:2", 3, null]')]).toEqual(['1:2']);
    expect(parseDismissed('not json').size).toBe(0);
    expect(parseDismissed('{"a":1}').size).toBe(0);
    expect(parseDismissed(null).size).toBe(0);
  });
});

describe('monthlyCosts', () => {
  const datasets = [
    dataset(1, { size_bytes: 10 * GB }),
    dataset(2, { size_bytes: 100 * GB, location: 'archive', current_tier: 'cold' }),
    dataset(3, { size_bytes: 5 * GB, location: 'archive', current_tier: 'hot' }), // archive has no hot price
    dataset(4, { size_bytes: GB, location: 'gone' }),
  ];

  it('prices each dataset at its location tier and keeps unpriced ones apart', () => {
    const s = monthlyCosts(datasets, LOCS);
    const by = Object.fromEntries(s.rows.map((r) => [r.location, r]));
    expect(by.fast?.usd.hot).toBeCloseTo(1.0);
    expect(by.archive?.usd.cold).toBeCloseTo(1.0);
    expect(by.lake?.total).toBe(0);
    expect(s.totalUsd).toBeCloseTo(2.0);
    expect(s.unpriced).toEqual({ count: 2, bytes: 6 * GB });
    expect(s.totalBytes).toBe(116 * GB);
    expect(tierTotals(s)).toEqual({
      hot: expect.closeTo(1.0) as number,
      warm: 0,
      cold: expect.closeTo(1.0) as number,
    });
  });

  it('after every open recommendation: moved datasets are priced at their target', () => {
    const byId = Object.fromEntries(datasets.map((d) => [d.id, d]));
    const after = monthlyCosts(datasets, LOCS, placementAfter([rec(1, 'cold')], byId, LOCS));
    const archive = after.rows.find((r) => r.location === 'archive');
    // ds-1 (10 GB) moved from fast/hot ($0.10) to archive/cold ($0.01).
    expect(after.rows.find((r) => r.location === 'fast')?.total).toBe(0);
    expect(archive?.usd.cold).toBeCloseTo(1.1);
    expect(archive?.bytes.cold).toBe(110 * GB);
  });

  it('rounds the shared y-axis top up to a readable number', () => {
    expect([607.2, 0.42, 100, 2300, 0, -Infinity].map(niceCeil)).toEqual([1000, 0.5, 100, 2500, 1, 1]);
  });

  it('is all zeros with no datasets', () => {
    const s = monthlyCosts([], LOCS);
    expect(s.totalUsd).toBe(0);
    expect(s.rows).toHaveLength(3);
  });
});

describe('activity', () => {
  const bucket = (iso: string, reads: number, writes = 0): UsageBucket => ({
    bucket_start: iso,
    read_count: reads,
    write_count: writes,
    bytes_read: 0,
    bytes_written: 0,
    avg_lat_ms: null,
    max_lat_ms: null,
  });
  const from = Date.parse('2026-01-01T00:00:00Z');
  const to = from + 4 * 3600_000;

  it('sums buckets into even bins per series and ignores buckets outside the window', () => {
    const rows = activityRows(
      [
        { key: 'a', buckets: [bucket('2026-01-01T00:10:00Z', 2, 1), bucket('2026-01-01T00:50:00Z', 3)] },
        { key: 'b', buckets: [bucket('2026-01-01T03:59:00Z', 7), bucket('2025-12-31T23:00:00Z', 100)] },
      ],
      from,
      to,
      4,
    );
    expect(rows.map((r) => [r.a, r.b])).toEqual([
      [6, 0],
      [0, 0],
      [0, 0],
      [0, 7],
    ]);
    expect(rows[1]?.t).toBe(from + 3600_000);
  });

  it('keeps reads and writes apart for one dataset', () => {
    const rows = readWriteRows([bucket('2026-01-01T01:30:00Z', 4, 2)], from, to, 4);
    expect(rows[1]).toMatchObject({ reads: 4, writes: 2 });
  });

  it('picks the most recently accessed datasets, never-read ones left out', () => {
    const top = topByRecentAccess(
      [
        dataset(1, { last_access_ts: '2026-01-01T01:00:00Z' }),
        dataset(2),
        dataset(3, { last_access_ts: '2026-01-01T03:00:00Z' }),
      ],
      5,
    );
    expect(top.map((d) => d.id)).toEqual([3, 1]);
  });
});

describe('datasets table', () => {
  const list = [
    dataset(1, { name: 'ds-10', owner: 'ml', size_bytes: 5 }),
    dataset(2, { name: 'ds-2', owner: null, size_bytes: 50, path_uri: 's3://lake/raw/ds-2' }),
    dataset(3, { name: 'Clicks', owner: 'Web Team', size_bytes: 7, current_tier: 'cold' }),
  ];

  it('searches name, owner and path, case-insensitively, every word', () => {
    expect(searchDatasets(list, 'web').map((d) => d.id)).toEqual([3]);
    expect(searchDatasets(list, 'LAKE raw').map((d) => d.id)).toEqual([2]);
    expect(searchDatasets(list, 'ds ml').map((d) => d.id)).toEqual([1]);
    expect(searchDatasets(list, '  ')).toBe(list);
  });

  it('sorts names naturally, numbers numerically, tiers hot→cold', () => {
    expect(sortDatasets(list, 'name', 'asc').map((d) => d.name)).toEqual(['Clicks', 'ds-2', 'ds-10']);
    expect(sortDatasets(list, 'size_bytes', 'desc').map((d) => d.id)).toEqual([2, 3, 1]);
    expect(sortDatasets(list, 'current_tier', 'desc').map((d) => d.id)[0]).toBe(3);
  });

  it('puts missing owners last in both directions and does not mutate its input', () => {
    expect(sortDatasets(list, 'owner', 'asc').map((d) => d.id)).toEqual([1, 3, 2]);
    expect(sortDatasets(list, 'owner', 'desc').map((d) => d.id)).toEqual([3, 1, 2]);
    expect(list.map((d) => d.id)).toEqual([1, 2, 3]);
  });

  it('pages in 50s and clamps a page past the end', () => {
    const many = Array.from({ length: 120 }, (_, i) => i);
    expect(pageOf(many, 0)).toMatchObject({ page: 0, pages: 3, total: 120, from: 1, to: 50 });
    expect(pageOf(many, 9)).toMatchObject({ page: 2, from: 101, to: 120 });
    expect(pageOf(many, 9).rows).toHaveLength(20);
    expect(pageOf([], 3)).toMatchObject({ page: 0, pages: 1, from: 0, to: 0, rows: [] });
  });
});
