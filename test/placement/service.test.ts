import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { tempCore, type TempCore } from '../helpers/temp-core.ts';

describe('recommendations from the cost engine (service)', () => {
  let t: TempCore | undefined;
  afterEach(async () => t?.cleanup());

  async function twoLocations() {
    t = tempCore({ placement: { refreshIntervalMs: 0, retrainIntervalMs: 0 } });
    const root = (n: string) => {
      const dir = join(t?.dir as string, n);
      mkdirSync(dir, { recursive: true });
      return pathToFileURL(dir).href;
    };
    // The demo's two local roots: fast offers hot only, archive warm and cold.
    t.core.locations.create({
      id: 'fast',
      uri: root('fast'),
      tiers: { hot: { storage_class: 'standard', price_per_gb_month: 0.1 } },
    });
    t.core.locations.create({
      id: 'archive',
      uri: root('archive'),
      tiers: {
        warm: { storage_class: 'standard', price_per_gb_month: 0.03 },
        cold: { storage_class: 'archive', price_per_gb_month: 0.01 },
      },
    });
    const dir = join(t.dir, 'fast', 'billing');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.bin'), Buffer.alloc(1 << 20));
    const ds = await t.core.datasets.create({ name: 'billing', path_uri: pathToFileURL(dir).href });
    return { core: t.core, id: ds.id };
  }

  it('a dataset nobody reads goes to the cheapest placement, with its target, price and reasons', async () => {
    const { core, id } = await twoLocations();
    const [rec] = await core.placement.refresh({ datasetId: id });
    expect(rec).toMatchObject({
      dataset_id: id,
      current_tier: 'hot',
      recommended_tier: 'cold',
      target: { location_id: 'archive', storage_class: 'archive', tier: 'cold' },
      predictor: 'recency_heuristic',
    });
    // 1 MiB: $0.1 → $0.01 per GB-month; file:// moves cost nothing.
    expect(rec?.monthly_cost_now_usd).toBeCloseTo((0.1 * 2 ** 20) / 2 ** 30, 6);
    expect(rec?.monthly_cost_after_usd).toBeCloseTo((0.01 * 2 ** 20) / 2 ** 30, 6);
    expect(rec?.one_time_cost_usd).toBe(0);
    expect(rec?.payback_months).toBe(0);
    expect(rec?.reason_codes?.map((r) => r.code)).toEqual(
      expect.arrayContaining(['never_accessed', 'storage_saving', 'recency_heuristic_used']),
    );
    expect(rec?.explanation).toMatch(/^move hot \(fast standard\) → cold \(archive archive\)/);
    // A free move has nothing to pay back: not "pays back in 0.0 months".
    expect(rec?.explanation).toMatch(/one-time \$0\.00, nothing to pay back/);
    expect(rec?.explanation).not.toMatch(/0\.0 months/);
  });

  it('an SLO or a pin holds it where the policy says, and the reason names the policy', async () => {
    const { core, id } = await twoLocations();
    core.datasets.patch(id, { latency_slo_ms: 50 });
    const [slo] = await core.placement.refresh({ datasetId: id });
    expect(slo?.recommended_tier).toBe('hot');
    expect(slo?.reason_codes?.find((r) => r.code === 'slo_floor')?.detail).toMatch(/latency SLO 50 ms/);

    core.datasets.patch(id, { latency_slo_ms: null });
    core.placement.createPolicy({ name: 'keep-warm', kind: 'pin', dataset_id: id, params: { tier: 'warm' } });
    const [pinned] = await core.placement.refresh({ datasetId: id });
    expect(pinned).toMatchObject({
      recommended_tier: 'warm',
      target: { location_id: 'archive', tier: 'warm' },
    });
    expect(pinned?.reason_codes?.find((r) => r.code === 'pinned')?.detail).toMatch(/policy "keep-warm"/);
  });
});
