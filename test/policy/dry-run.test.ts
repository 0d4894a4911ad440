import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildServer } from '../../core/api/server.ts';
import type {
  DryRunItem,
  DryRunResult,
  PolicyDocumentPutResult,
} from '../../core/contracts/policy-document.ts';
import type { AuditPage } from '../../core/contracts/audit.ts';
import type { Job } from '../../core/contracts/jobs.ts';
import { policyCore } from './policy-kit.ts';

const KEY = { 'x-api-key': 'ci-secret-0123456789', host: '127.0.0.1:8080' };

const DOC = `policies:
  - id: critical-hot
    select: { name: "crit-*" }
    rules:
      pin: hot
      residency: { regions: [eu-west-1] }
  - id: finance-eu
    select: { owner: finance }
    rules:
      residency: { regions: [eu-west-1] }
      max_bytes_moved_per_day: 20GiB
      never_retire_source: true
      monthly_cost_ceiling_usd: 1
`;

describe('policy document: dry run and apply', () => {
  let t: ReturnType<typeof policyCore>;
  let app: FastifyInstance;
  const ids: Record<string, number> = {};
  const call = async <T>(opts: InjectOptions): Promise<{ status: number; body: T }> => {
    const res = await app.inject({ ...opts, headers: { ...KEY, ...opts.headers } });
    return { status: res.statusCode, body: res.json() as T };
  };

  beforeEach(async () => {
    t = policyCore();
    app = await buildServer(t.core, { port: 8080, apiKeys: [{ name: 'ci', secret: KEY['x-api-key'] }] });
    ids.critDb = await t.addDataset({
      name: 'crit-db',
      location: 'fast',
      tier: 'hot',
      gib: 10,
      owner: 'ops',
    });
    ids.critLogs = await t.addDataset({ name: 'crit-logs', location: 'archive', tier: 'cold', gib: 2 });
    ids.euSales = await t.addDataset({
      name: 'eu-sales',
      location: 'us',
      tier: 'warm',
      gib: 5,
      owner: 'finance',
    });
    ids.bigEu = await t.addDataset({
      name: 'big-eu',
      location: 'us',
      tier: 'cold',
      gib: 50,
      owner: 'finance',
    });
    ids.other = await t.addDataset({ name: 'other', location: 'us', tier: 'cold', gib: 1, owner: 'ops' });
  });
  afterEach(async () => {
    await app.close();
    await t.cleanup();
  });

  it('lists exactly the datasets that break the document, where they would go and what it costs', async () => {
    const { status, body } = await call<DryRunResult>({
      method: 'POST',
      url: '/policy-document/dry-run',
      payload: { source: DOC },
    });
    expect(status).toBe(200);
    expect(body.datasets_selected).toBe(4);
    const byName = Object.fromEntries(body.items.map((i) => [i.name, i]));
    expect(Object.keys(byName).sort()).toEqual(['big-eu', 'crit-logs', 'eu-sales']);
    expect(byName['crit-logs']).toMatchObject({
      action: 'plan',
      from: { location: 'archive', tier: 'cold' },
      to: { location: 'fast', tier: 'hot', storage_class: 'standard' },
      policies: ['critical-hot'],
    });
    expect(byName['crit-logs']?.reasons[0]).toMatch(/pinned to hot by "critical-hot" \(line 2\)/);
    expect(byName['eu-sales']).toMatchObject({
      action: 'plan',
      from: { location: 'us', tier: 'warm' },
      to: { location: 'archive', tier: 'warm' },
    });
    expect(byName['eu-sales']?.reasons[0]).toMatch(
      /outside the residency of "finance-eu" \(line 7\).*eu-west-1/,
    );
    // 5 GiB of finance data fits the 20 GiB a day; the 50 GiB dataset does not.
    expect(byName['big-eu']?.action).toBe('deferred');
    expect(byName['big-eu']?.reasons.at(-1)).toMatch(/finance-eu.*bytes moved a day/);
    expect(body.totals.moves).toBe(2);
    expect(body.totals.bytes).toBe(7 * 2 ** 30);
    expect(body.totals.monthly_cost_before_usd).toBeCloseTo(2 * 0.01 + 5 * 0.02, 6);
    expect(body.cost_ceilings).toEqual([
      expect.objectContaining({ policy: 'finance-eu', line: 13, ceiling_usd: 1 }),
    ]);

    // A dry run changes nothing.
    expect((await call<Job[]>({ method: 'GET', url: '/jobs' })).body).toEqual([]);
    expect((await call<{ version: number }>({ method: 'GET', url: '/policy-document' })).body.version).toBe(
      0,
    );
    expect((await call<AuditPage>({ method: 'GET', url: '/audit' })).body.items).toEqual([]);
  });

  it('applying the document does exactly what its dry run said', async () => {
    const dry = await call<DryRunResult>({
      method: 'POST',
      url: '/policy-document/dry-run',
      payload: { source: DOC },
    });
    const put = await call<PolicyDocumentPutResult>({
      method: 'PUT',
      url: '/policy-document',
      payload: { source: DOC, apply: true, comment: 'EU residency for finance' },
    });
    expect(put.status).toBe(200);
    const applied = put.body.applied!;
    const strip = (items: DryRunItem[]) => items.map(({ job_id: _job, ...rest }) => rest);
    expect(strip(applied.items)).toEqual(strip(dry.body.items));
    expect(applied.totals).toEqual(dry.body.totals);
    expect(applied.cost_ceilings).toEqual(dry.body.cost_ceilings);

    // The jobs are those of the `plan` items, to the placements the dry run named.
    const jobs = (await call<Job[]>({ method: 'GET', url: '/jobs' })).body;
    const planned = dry.body.items.filter((i) => i.action === 'plan');
    expect(
      jobs.map((j) => [j.dataset_id, j.dest_location, j.dest_storage_class, j.dest_tier]).sort(),
    ).toEqual(planned.map((i) => [i.dataset_id, i.to.location, i.to.storage_class, i.to.tier]).sort());
    expect(jobs.every((j) => !j.retire_source)).toBe(true);
    for (const i of applied.items.filter((x) => x.action === 'plan')) {
      expect(jobs.find((j) => j.job_id === i.job_id)?.dataset_id).toBe(i.dataset_id);
    }

    // On record: who saved the document (the key's name) and which policy planned each move.
    const audit = (await call<AuditPage>({ method: 'GET', url: '/audit' })).body.items;
    const update = audit.find((e) => e.action === 'policy.update');
    expect(update).toMatchObject({ actor: 'api_key:ci', policy: 'v1', reason: 'EU residency for finance' });
    const moves = audit.filter((e) => e.action === 'policy.apply');
    expect(moves.map((e) => [e.dataset_id, e.actor]).sort()).toEqual([
      [ids.critLogs, 'policy:critical-hot'],
      [ids.euSales, 'policy:finance-eu'],
    ]);
    for (const m of moves) expect(m.details.requested_by).toBe('api_key:ci');
    expect(moves.find((e) => e.dataset_id === ids.euSales)?.reason).toMatch(/residency/);
  });

  it('a refused document changes nothing: no version, no job, no audit entry', async () => {
    const bad = DOC.replace('pin: hot', 'pin: hotter');
    const res = await call<{ field: string; problems: { line: number; field: string }[] }>({
      method: 'PUT',
      url: '/policy-document',
      payload: { source: bad, apply: true },
    });
    expect(res.status).toBe(400);
    expect(res.body.field).toBe('body.source');
    expect(res.body.problems).toEqual([expect.objectContaining({ line: 5, field: 'policies[0].rules.pin' })]);
    expect((await call<unknown[]>({ method: 'GET', url: '/policy-document/versions' })).body).toEqual([]);
    expect((await call<Job[]>({ method: 'GET', url: '/jobs' })).body).toEqual([]);
    expect((await call<AuditPage>({ method: 'GET', url: '/audit' })).body.items).toEqual([]);
  });

  it('each PUT is a new version; the history is readable and never rewritten', async () => {
    await call({ method: 'PUT', url: '/policy-document', payload: { source: DOC } });
    const json = JSON.stringify({ policies: [{ id: 'only', rules: { replicas: 2 } }] });
    await call({ method: 'PUT', url: '/policy-document', payload: { source: json, comment: 'json now' } });
    const cur = (
      await call<{ version: number; format: string; policy_ids: string[] }>({
        method: 'GET',
        url: '/policy-document',
      })
    ).body;
    expect(cur).toMatchObject({ version: 2, format: 'json', policy_ids: ['only'] });
    const versions = (
      await call<{ version: number; author: string; source: string }[]>({
        method: 'GET',
        url: '/policy-document/versions',
      })
    ).body;
    expect(versions.map((v) => [v.version, v.author])).toEqual([
      [2, 'api_key:ci'],
      [1, 'api_key:ci'],
    ]);
    const v1 = (await call<{ source: string }>({ method: 'GET', url: '/policy-document/versions/1' })).body;
    expect(v1.source).toBe(DOC);
    expect((await call({ method: 'GET', url: '/policy-document/versions/9' })).status).toBe(404);
    expect(() =>
      t.core.db.prepare("UPDATE policy_documents SET source = '' WHERE version = 1").run(),
    ).toThrow(/history/);
    expect(() => t.core.db.prepare('DELETE FROM policy_documents').run()).toThrow(/never deleted/);
  });

  it('tags are what select.tags matches', async () => {
    const put = await call<{ tags: Record<string, string> }>({
      method: 'PUT',
      url: `/datasets/${ids.other}/tags`,
      payload: { tags: { env: 'prod' } },
    });
    expect(put.body.tags).toEqual({ env: 'prod' });
    const doc =
      'policies:\n  - id: prod-eu\n    select: { tags: { env: prod } }\n    rules:\n      residency: { locations: [archive] }\n';
    const dry = (
      await call<DryRunResult>({ method: 'POST', url: '/policy-document/dry-run', payload: { source: doc } })
    ).body;
    expect(dry.items.map((i) => [i.name, i.to.location])).toEqual([['other', 'archive']]);
    expect((await call({ method: 'PUT', url: '/datasets/999/tags', payload: { tags: {} } })).status).toBe(
      404,
    );
  });
});

describe('PUT /datasets/{id}/tags refuses what is not a tag', () => {
  it.each([
    [{ tags: { 'bad key': 'x' } }],
    [{ tags: { env: 'x'.repeat(201) } }],
    [{ tags: { env: 'line\nbreak' } }],
    [{ tags: { env: 3 } }],
    [{ tags: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])) }],
  ])('%j', async (payload) => {
    const t = policyCore();
    const app = await buildServer(t.core, { port: 8080 });
    try {
      const id = await t.addDataset({ name: 'd', location: 'fast', tier: 'hot', gib: 1 });
      const res = await app.inject({
        method: 'PUT',
        url: `/datasets/${id}/tags`,
        headers: { host: '127.0.0.1:8080' },
        payload,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json<{ field: string }>().field).toMatch(/^body\.tags/);
      expect(t.core.policyDocs.tags(id).tags).toEqual({});
    } finally {
      await app.close();
      await t.cleanup();
    }
  });
});

describe('a malformed body is a 400 naming the field (not a document problem list)', () => {
  it.each([
    ['PUT', '/policy-document', {}, 'body.source'],
    ['POST', '/policy-document/dry-run', { source: 1 }, 'body.source'],
    ['PUT', '/policy-document', { source: '', apply: 'yes' }, 'body.apply'],
  ] as const)('%s %s %j', async (method, url, payload, field) => {
    const t = policyCore();
    const app = await buildServer(t.core, { port: 8080 });
    try {
      const res = await app.inject({ method, url, headers: { host: '127.0.0.1:8080' }, payload });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'invalid_input', field });
    } finally {
      await app.close();
      await t.cleanup();
    }
  });
});
