import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../core/api/server.ts';
import { policyCore } from './policy-kit.ts';

const DOC = `policies:
  - id: keep-hot
    select: { name: "crit-*" }
    rules: { pin: hot }
  - id: eu-only
    select: { owner: finance }
    rules:
      residency: { regions: [eu-west-1] }
      never_retire_source: true
`;

describe('the policy document holds for plans made by hand too', () => {
  let t: ReturnType<typeof policyCore>;
  let app: FastifyInstance;
  beforeEach(async () => {
    t = policyCore();
    app = await buildServer(t.core, { port: 8080 });
    t.core.policyDocs.put({ source: DOC });
  });
  afterEach(async () => {
    await app.close();
    await t.cleanup();
  });

  const plan = (payload: Record<string, unknown>) =>
    app.inject({ method: 'POST', url: '/plan-migration', headers: { host: '127.0.0.1:8080' }, payload });

  it.each([
    [
      'a pin',
      { name: 'crit-db', location: 'fast', tier: 'hot' as const },
      { target_location: 'archive', storage_class: 'standard' },
      'body.storage_class',
      /"keep-hot" \(line 2\) of policy document v1/,
    ],
    [
      'residency',
      { name: 'ledger', location: 'archive', tier: 'warm' as const, owner: 'finance' },
      { target_location: 'us', storage_class: 'standard' },
      'body.target_location',
      /location us \(region us-east-1\) is outside the residency of "eu-only" \(line 5\)/,
    ],
    [
      'never-retire-source',
      { name: 'books', location: 'fast', tier: 'hot' as const, owner: 'finance' },
      { target_location: 'archive', storage_class: 'standard', retire_source: true, confirm: true },
      'body.retire_source',
      /"eu-only" \(line 5\) of policy document v1 never retires/,
    ],
  ])(
    'refuses a plan against %s, naming the policy and its line; nothing is planned',
    async (_what, ds, body, field, message) => {
      const id = await t.addDataset({ ...ds, gib: 1 });
      const res = await plan({ dataset_id: id, ...body });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ error: 'conflict', field, message: expect.stringMatching(message) });
      expect(t.core.jobs.list()).toEqual([]);
      expect(t.core.audit.list({ action: 'plan' }).items).toEqual([]);
    },
  );

  it("refuses a plan over a policy's bytes per day, counting what was planned today", async () => {
    t.core.policyDocs.put({
      source: DOC.replace(
        'never_retire_source: true',
        'never_retire_source: true\n      max_bytes_moved_per_day: 1.5GiB',
      ),
    });
    const a = await t.addDataset({
      name: 'ledger-a',
      location: 'fast',
      tier: 'hot',
      gib: 1,
      owner: 'finance',
    });
    const b = await t.addDataset({
      name: 'ledger-b',
      location: 'fast',
      tier: 'hot',
      gib: 1,
      owner: 'finance',
    });
    const c = await t.addDataset({ name: 'web', location: 'fast', tier: 'hot', gib: 1, owner: 'web' });
    expect(
      (await plan({ dataset_id: a, target_location: 'archive', storage_class: 'standard' })).statusCode,
    ).toBe(201);
    const res = await plan({ dataset_id: b, target_location: 'archive', storage_class: 'standard' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      field: 'body.dataset_id',
      message: expect.stringMatching(
        /"eu-only" \(line 10\) of policy document v2 moves at most 1610612736 bytes a day/,
      ),
    });
    // Another owner's dataset is not under that limit.
    expect(
      (await plan({ dataset_id: c, target_location: 'archive', storage_class: 'standard' })).statusCode,
    ).toBe(201);
  });

  it("refuses a plan that raises a policy's datasets past its monthly cost ceiling; one that lowers the bill passes", async () => {
    t.core.policyDocs.put({
      source: `policies:
  - id: web-budget
    select: { owner: web }
    rules:
      monthly_cost_ceiling_usd: 20
`,
    });
    // 100 GiB cold in the archive ($1/month), 100 GiB warm ($3/month): $4 under a $20 ceiling.
    const cold = await t.addDataset({
      name: 'web-cold',
      location: 'archive',
      tier: 'cold',
      gib: 100,
      owner: 'web',
    });
    const warm = await t.addDataset({
      name: 'web-warm',
      location: 'archive',
      tier: 'warm',
      gib: 100,
      owner: 'web',
    });
    // Hot on "fast" is $0.10/GiB: $10 more for web-cold takes the policy to $13, allowed.
    expect(
      (await plan({ dataset_id: cold, target_location: 'fast', storage_class: 'standard' })).statusCode,
    ).toBe(201);
    // 200 GiB more from $2 cold to $20 hot: the web datasets (where they are now) go from $6 to $24.
    const big = await t.addDataset({
      name: 'web-big',
      location: 'archive',
      tier: 'cold',
      gib: 200,
      owner: 'web',
    });
    const res = await plan({ dataset_id: big, target_location: 'fast', storage_class: 'standard' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      field: 'body.target_location',
      message: expect.stringMatching(
        /"web-budget" \(line 5\) of policy document v2 caps its datasets at \$20 a month; this move takes them from \$6\.00 to \$24\.00/,
      ),
    });
    // Moving web-warm colder lowers the bill: allowed whatever the ceiling says.
    expect(
      (await plan({ dataset_id: warm, target_location: 'archive', storage_class: 'archive' })).statusCode,
    ).toBe(201);
  });

  it('plans what the rules allow', async () => {
    const id = await t.addDataset({
      name: 'ledger',
      location: 'fast',
      tier: 'hot',
      gib: 1,
      owner: 'finance',
    });
    const res = await plan({ dataset_id: id, target_location: 'archive', storage_class: 'archive' });
    expect(res.statusCode).toBe(201);
    expect(t.core.audit.list({ action: 'plan' }).items.map((e) => e.actor)).toEqual(['api:loopback']);
  });
});
