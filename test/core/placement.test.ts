import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempCore, type TempCore } from '../helpers/temp-core.ts';
import { decide, type RuleContext } from '../../core/placement/rules.ts';
import type { DataMotionError } from '../../core/errors.ts';

const now = Date.UTC(2026, 10, 25, 12, 0, 0);
const ctx: RuleContext = {
  now,
  recency: { hot_max_age_s: 60, warm_max_age_s: 600 },
  tierLatencyMs: { hot: 10, warm: 100, cold: 1000 },
  pins: [],
  slos: [],
};
const input = (ageS: number | null, extra: Partial<Parameters<typeof decide>[0]> = {}) => ({
  dataset_id: 1,
  current_tier: 'hot' as const,
  last_access_ts: ageS === null ? null : now - ageS * 1000,
  latency_slo_ms: null,
  reads_recent: 0,
  writes_recent: 0,
  ...extra,
});

describe('placement rules', () => {
  it.each([
    [0, 'hot'],
    [60, 'hot'],
    [61, 'warm'],
    [600, 'warm'],
    [601, 'cold'],
    [null, 'cold'],
  ] as const)('recency: last access %s s ago → %s', (age, tier) => {
    const d = decide(input(age), ctx);
    expect(d.tier).toBe(tier);
    expect(d.reasons[0]).toMatch(age === null ? /never accessed/ : /last access .* ago/);
  });

  it('a latency SLO keeps data as hot as it needs, and says why', () => {
    const d = decide(input(3600, { latency_slo_ms: 50 }), ctx);
    expect(d.tier).toBe('hot');
    expect(d.reasons.join(' ')).toMatch(/latency SLO 50 ms needs hot/);
    expect(decide(input(3600, { latency_slo_ms: 500 }), ctx).tier).toBe('warm');
  });

  it('a pin wins over recency and SLO; dataset pins before global ones', () => {
    const pinned = {
      ...ctx,
      pins: [
        { name: 'all-cold', dataset_id: null, tier: 'cold' as const },
        { name: 'keep', dataset_id: 1, tier: 'warm' as const },
      ],
    };
    const d = decide(input(0), pinned);
    expect(d.tier).toBe('warm');
    expect(d.reasons.join(' ')).toContain('pinned to warm by policy "keep" (rules said hot)');
  });

  it('an SLO policy raises the floor for datasets under its latency bound', () => {
    const slo = {
      ...ctx,
      slos: [{ name: 'fast', dataset_id: null, max_latency_ms: 2000, min_tier: 'warm' as const }],
    };
    expect(decide(input(9999, { latency_slo_ms: 1500 }), slo).tier).toBe('warm');
    expect(decide(input(9999, { latency_slo_ms: 5000 }), slo).tier).toBe('cold');
  });

  it('thresholds are configuration', () => {
    const days = { ...ctx, recency: { hot_max_age_s: 86_400, warm_max_age_s: 30 * 86_400 } };
    expect(decide(input(3600), days).tier).toBe('hot');
    expect(decide(input(5 * 86_400), days).tier).toBe('warm');
  });
});

describe('placement service', () => {
  let t: TempCore;
  let id: number;
  beforeEach(async () => {
    t = tempCore();
    mkdirSync(join(t.store, 'd'));
    id = (await t.core.datasets.create({ name: 'd', path_uri: t.uri('d') })).id;
  });
  afterEach(() => t.cleanup());

  it('recommends from access events and stores each decision with reasons and model version', async () => {
    // Never read; location t prices its three tiers alike, so no move saves anything.
    const [first] = t.core.placement.recommend({ datasetId: id });
    expect(first?.recommended_tier).toBe('hot');
    expect(first?.reason_codes?.map((r) => r.code)).toEqual(
      expect.arrayContaining(['never_accessed', 'cheapest_already']),
    );
    await t.core.telemetry.ingest({ dataset_id: id, op: 'read', size_bytes: 4096, client_lat_ms: 12.3 });
    const [rec] = t.core.placement.recommend({ datasetId: id });
    expect(rec).toMatchObject({ dataset_id: id, current_tier: 'hot', recommended_tier: 'hot' });
    expect(rec?.model_version).toMatch(/^cost-v5/);
    expect(rec?.target).toEqual({ location_id: 't', storage_class: 'standard', tier: 'hot' });
    expect(rec?.reason_codes?.map((r) => r.code)).toContain('active');
    expect(rec?.explanation).toMatch(/^stay hot \(t standard\)/);
    // Same target, new reasons: stored again, each decision with its reasons.
    const stored = t.core.db.prepare('SELECT count(*) FROM recommendations').pluck().get();
    expect(stored).toBe(2);
    // An unchanged decision is not stored again.
    t.core.placement.recommend({ datasetId: id });
    expect(t.core.db.prepare('SELECT count(*) FROM recommendations').pluck().get()).toBe(2);
    expect(t.core.placement.latest(id)[0]?.id).toBe(rec?.id);
  });

  it('publishes new recommendations on the bus', async () => {
    const seen: number[] = [];
    t.core.bus.on('recommendation.created', (e) => seen.push(e.recommendation.dataset_id));
    t.core.placement.recommend();
    expect(seen).toEqual([id]);
  });

  it('applies pin policies and validates them', () => {
    t.core.placement.createPolicy({ name: 'pin-d', kind: 'pin', dataset_id: id, params: { tier: 'warm' } });
    expect(t.core.placement.recommend({ datasetId: id })[0]?.recommended_tier).toBe('warm');
    const bad = (body: unknown, field: string) => {
      let err: unknown;
      try {
        t.core.placement.createPolicy(body);
      } catch (e) {
        err = e;
      }
      expect((err as DataMotionError).field).toBe(field);
    };
    bad({ name: 'x', kind: 'pin', params: { max_latency_ms: 5, min_tier: 'hot' } }, 'body.params.tier');
    bad({ name: 'x', kind: 'pin', dataset_id: 999, params: { tier: 'hot' } }, 'body.dataset_id');
    bad({ name: 'pin-d', kind: 'pin', params: { tier: 'hot' } }, 'body.name');
    expect(t.core.placement.listPolicies()).toHaveLength(1);
  });

  it('404s an unknown dataset; training without two weeks of history fits nothing', async () => {
    expect(() => t.core.placement.recommend({ datasetId: 999 })).toThrow(/dataset 999 does not exist/);
    const trained = await t.core.placement.train();
    expect(trained).toMatchObject({ trained: 0, using_forecast: 0 });
    expect(t.core.db.prepare('SELECT count(*) FROM models').pluck().get()).toBe(1);
  });
});
