// Recommendations obey the policy document as plans do: the engine never targets a tier or a
// location the document rules out for a dataset, says which policy (and line) held it, and
// follows the document's versions and the datasets' tags as they change.
import { afterEach, describe, expect, it } from 'vitest';
import type { Recommendation } from '../../core/contracts/placement.ts';
import { policyCore } from './policy-kit.ts';

const DAY = 86_400_000;

describe('recommendations inside the policy document', () => {
  let t: ReturnType<typeof policyCore> | undefined;
  afterEach(async () => {
    await t?.cleanup();
    t = undefined;
  });

  async function catalog() {
    t = policyCore();
    const ids = {
      free: await t.addDataset({ name: 'logs-free', location: 'fast', tier: 'hot', gib: 500 }),
      eu: await t.addDataset({ name: 'ledger-eu', location: 'fast', tier: 'hot', gib: 500 }),
      warmish: await t.addDataset({ name: 'reports', location: 'fast', tier: 'hot', gib: 500 }),
    };
    return { t, ids };
  }
  const rec = (recs: Recommendation[], id: number) => recs.find((r) => r.dataset_id === id) as Recommendation;
  const later = Date.now() + 60 * DAY;

  it('without a document an idle 500 GiB dataset goes to the cheapest place: the baseline', async () => {
    const { t, ids } = await catalog();
    const recs = t.core.placement.recommend({ now: later });
    // The cheapest place for idle data is the US archive: what residency will forbid below.
    expect(rec(recs, ids.eu).target?.location_id).toBe('us');
    expect(rec(recs, ids.warmish).recommended_tier).toBe('cold');
  });

  it('keeps each dataset to the locations and tiers its policies allow, and names the policy', async () => {
    const { t, ids } = await catalog();
    t.core.placement.recommend({ now: later });
    t.core.policyDocs.put({
      source: [
        'policies:',
        '  - id: eu-only',
        '    select: { name: "ledger-*" }',
        '    rules:',
        '      residency: { regions: [eu-west-1] }',
        '  - id: not-cold',
        '    select: { name: reports }',
        '    rules: { allowed_tiers: [hot, warm] }',
        '',
      ].join('\n'),
    });
    const recs = t.core.placement.recommend({ now: later + 1 });
    const eu = rec(recs, ids.eu);
    expect(['fast', 'archive']).toContain(eu.target?.location_id);
    expect(eu.target?.location_id).toBe('archive'); // still moves: the cheapest place it may go
    expect(eu.reason_codes?.map((r) => r.code)).toContain('policy');
    expect(eu.reasons.join(' ')).toMatch(
      /policy "eu-only" \(line 2\) allows location (fast, archive|archive, fast) only/,
    );
    const warmish = rec(recs, ids.warmish);
    expect(warmish.recommended_tier).not.toBe('cold');
    expect(warmish.reasons.join(' ')).toMatch(/policy "not-cold" \(line 6\) allows tier hot or warm/);
    // A dataset no policy selects is untouched.
    expect(rec(recs, ids.free).target?.location_id).toBe('us');
  });

  it('follows a tag that brings a dataset under a policy, and a new document version that frees it', async () => {
    const { t, ids } = await catalog();
    t.core.policyDocs.put({
      source:
        'policies:\n  - id: prod-eu\n    select: { tags: { env: prod } }\n    rules:\n      residency: { locations: [fast, archive] }\n',
    });
    expect(rec(t.core.placement.recommend({ now: later }), ids.free).target?.location_id).toBe('us');
    t.core.policyDocs.setTags(ids.free, { tags: { env: 'prod' } });
    expect(rec(t.core.placement.recommend({ now: later + 1 }), ids.free).target?.location_id).toBe('archive');
    t.core.policyDocs.put({ source: 'policies: []\n' });
    expect(rec(t.core.placement.recommend({ now: later + 2 }), ids.free).target?.location_id).toBe('us');
  });

  it('a residency no location satisfies keeps the dataset where it is, saying so', async () => {
    const { t, ids } = await catalog();
    t.core.policyDocs.put({
      source:
        'policies:\n  - id: mars\n    select: { name: logs-free }\n    rules:\n      residency: { regions: [mars-1] }\n',
    });
    const r = rec(t.core.placement.recommend({ now: later }), ids.free);
    expect(r.target?.location_id).toBe('fast');
    expect(r.reason_codes?.map((c) => c.code)).toContain('policy');
  });
});
