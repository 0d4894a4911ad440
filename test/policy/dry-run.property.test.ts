import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Tier } from '../../core/contracts/common.ts';
import type { DryRunItem } from '../../core/contracts/policy-document.ts';
import { policyCore } from './policy-kit.ts';

const SPOTS = { hot: ['fast'], warm: ['archive', 'us'], cold: ['archive', 'us'] } as const;

const dataset = fc.record({
  tier: fc.constantFrom<Tier>('hot', 'warm', 'cold'),
  pick: fc.nat({ max: 1 }),
  gib: fc.integer({ min: 1, max: 8 }),
  owner: fc.constantFrom('finance', 'web', 'ops'),
  crit: fc.boolean(),
});

const policy = fc.oneof(
  fc
    .constantFrom<Tier>('hot', 'warm', 'cold')
    .map((t) => `    select: { name: "crit-*", owner: ops }\n    rules: { pin: ${t} }`),
  fc
    .tuple(fc.constantFrom('eu-west-1', 'us-east-1'), fc.integer({ min: 1, max: 30 }))
    .map(
      ([r, gib]) =>
        `    select: { owner: finance }\n    rules:\n      residency: { regions: [${r}] }\n      max_bytes_moved_per_day: ${gib}GiB`,
    ),
  fc
    .subarray(['hot', 'warm', 'cold'], { minLength: 1 })
    .map((ts) => `    select: { owner: web }\n    rules: { allowed_tiers: [${ts.join(', ')}] }`),
);

const strip = (items: DryRunItem[]) => items.map(({ job_id: _job, ...rest }) => rest);

describe('dry run equals apply, over generated catalogues and documents', () => {
  it('applying plans exactly the dry run, to the placements it named', async () => {
    let moves = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(dataset, { minLength: 1, maxLength: 8 }),
        fc.array(policy, { minLength: 1, maxLength: 3 }),
        async (ds, ps) => {
          const t = policyCore();
          try {
            for (const [i, d] of ds.entries()) {
              const spots = SPOTS[d.tier];
              await t.addDataset({
                name: `${d.crit ? 'crit' : 'd'}-${i}`,
                location: spots[d.pick % spots.length]!,
                tier: d.tier,
                gib: d.gib,
                owner: d.owner,
              });
            }
            // Distinct kinds of policy select disjoint owners or names, so no generated document conflicts.
            const kinds = new Set<string>();
            const body = ps.filter((p) => !kinds.has(p.slice(0, 30)) && kinds.add(p.slice(0, 30)));
            const source = `policies:\n${body.map((p, i) => `  - id: p${i}\n${p}`).join('\n')}\n`;
            const dry = t.core.policyDocs.dryRun({ source });
            const put = t.core.policyDocs.put({ source, apply: true });
            expect(strip(put.applied!.items)).toEqual(strip(dry.items));
            expect(put.applied!.totals).toEqual(dry.totals);
            const planned = dry.items.filter((i) => i.action === 'plan');
            moves += planned.length;
            const jobs = t.core.jobs.list();
            expect(
              jobs.map((j) => [j.dataset_id, j.dest_location, j.dest_storage_class, j.dest_tier]).sort(),
            ).toEqual(
              planned.map((i) => [i.dataset_id, i.to.location, i.to.storage_class, i.to.tier]).sort(),
            );
            expect(put.applied!.items.filter((i) => i.action === 'failed')).toEqual([]);
          } finally {
            await t.cleanup();
          }
        },
      ),
      { numRuns: 40 },
    );
    // Not vacuous: the generated documents do move datasets.
    expect(moves).toBeGreaterThan(0);
  }, 120_000);
});
