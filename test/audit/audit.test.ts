import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildServer } from '../../core/api/server.ts';
import { ipcHandlers } from '../../electron/ipc.ts';
import type { AuditEntry, AuditPage } from '../../core/contracts/audit.ts';
import type { PlanResult } from '../../core/contracts/jobs.ts';
import { waitForJob } from '../fixtures/migration-env.ts';
import { policyCore } from '../policy/policy-kit.ts';

const CI = 'ci-secret-0123456789abcdef';
const LEGACY = 'legacy-secret-0123456789';
const HOST = '127.0.0.1:8080';

describe('audit trail: who did it', () => {
  let t: ReturnType<typeof policyCore>;
  let app: FastifyInstance;
  const call = async <T>(
    key: string,
    opts: InjectOptions,
  ): Promise<{ status: number; body: T; text: string }> => {
    const res = await app.inject({ ...opts, headers: { host: HOST, 'x-api-key': key, ...opts.headers } });
    return { status: res.statusCode, body: res.json() as T, text: res.body };
  };

  beforeEach(async () => {
    t = policyCore({ mover: { concurrency: 1, objectConcurrency: 2, enabled: true, maxAttempts: 1 } });
    // The single key of before (named "default") and a named one, side by side.
    app = await buildServer(t.core, { port: 8080, apiKey: LEGACY, apiKeys: [{ name: 'ci', secret: CI }] });
  });
  afterEach(async () => {
    await app.close();
    await t.cleanup();
  });

  it('REST: the key by its name (never the secret) on the plan, the switch and the retirement, with the recommendation', async () => {
    const id = await t.addDataset({ name: 'reports', location: 'fast', tier: 'hot', gib: 0 });
    const rec = Number(
      t.core.db
        .prepare(
          `INSERT INTO recommendations (dataset_id, current_tier, recommended_tier, reasons_json, model_version, created_at)
           VALUES (?, 'hot', 'warm', '["idle"]', 'test', ?)`,
        )
        .run(id, Date.now()).lastInsertRowid,
    );
    const plan = await call<PlanResult>(CI, {
      method: 'POST',
      url: '/plan-migration',
      payload: {
        dataset_id: id,
        target_location: 'archive',
        storage_class: 'standard',
        retire_source: true,
        confirm: true,
      },
    });
    expect(plan.status).toBe(201);
    expect((await waitForJob(t.core, plan.body.job_id, ['completed', 'failed'])).status).toBe('completed');

    const page = await call<AuditPage>(CI, { method: 'GET', url: `/audit?dataset_id=${id}` });
    expect(page.body.items.map((e) => [e.action, e.actor, e.recommendation_id, e.job_id])).toEqual([
      ['retire', 'api_key:ci', rec, plan.body.job_id],
      ['switch', 'api_key:ci', rec, plan.body.job_id],
      ['plan', 'api_key:ci', rec, plan.body.job_id],
    ]);
    const [retire, sw, planned] = page.body.items as [AuditEntry, AuditEntry, AuditEntry];
    expect(planned.reason).toMatch(/^planned: .* → .*archive.*retire source/);
    expect(planned.details).toMatchObject({ dest_location: 'archive', tier: 'warm', retire_source: true });
    expect(sw.reason).toMatch(/dataset now points at .*archive/);
    expect(retire.details).toMatchObject({ removed: true });

    // The legacy single key is the key named "default".
    const other = await t.addDataset({ name: 'other', location: 'fast', tier: 'hot', gib: 0 });
    await call(LEGACY, {
      method: 'POST',
      url: '/plan-migration',
      payload: { dataset_id: other, target_location: 'archive', storage_class: 'standard' },
    });
    const legacy = await call<AuditPage>(LEGACY, {
      method: 'GET',
      url: `/audit?dataset_id=${other}&action=plan`,
    });
    expect(legacy.body.items.map((e) => e.actor)).toEqual(['api_key:default']);

    // No secret is ever stored or shown.
    const dump = JSON.stringify(t.core.db.prepare('SELECT * FROM audit_events').all());
    for (const secret of [CI, LEGACY]) {
      expect(dump).not.toContain(secret);
      expect((await call(CI, { method: 'GET', url: '/audit' })).text).not.toContain(secret);
    }
  });

  it('IPC: the operator, for plans and policy changes', async () => {
    const id = await t.addDataset({ name: 'ui', location: 'fast', tier: 'hot', gib: 0 });
    const h = ipcHandlers(t.core);
    const planned = (await h['jobs/plan']({
      dataset_id: id,
      target_location: 'archive',
      storage_class: 'standard',
    })) as PlanResult;
    await h['policy-document/put']({ source: 'policies:\n  - id: p\n    rules: { replicas: 2 }\n' });
    const items = t.core.audit.list().items;
    expect(items.map((e) => [e.action, e.actor])).toEqual(
      expect.arrayContaining([
        ['plan', 'operator'],
        ['policy.update', 'operator'],
      ]),
    );
    expect(items.find((e) => e.action === 'plan')?.job_id).toBe(planned.job_id);
    const viaIpc = (await h['audit/list']({ actor: 'operator' })) as AuditPage;
    expect(viaIpc.items.length).toBeGreaterThanOrEqual(2);
  });
});

describe('audit trail: append-only, one writer', () => {
  let t: ReturnType<typeof policyCore>;
  beforeEach(() => {
    t = policyCore();
  });
  afterEach(() => t.cleanup());

  it('refuses UPDATE and DELETE, and notices a row written around the audit module', () => {
    const a = t.core.audit.record({ action: 'policy.update', actor: 'operator', reason: 'first' });
    t.core.audit.record({ action: 'policy.update', actor: 'operator', reason: 'second' });
    expect(() => t.core.db.prepare("UPDATE audit_events SET actor = 'someone else'").run()).toThrow(
      /append-only/,
    );
    expect(() => t.core.db.prepare('DELETE FROM audit_events WHERE id = ?').run(a.id)).toThrow(/append-only/);
    expect(t.core.audit.verify()).toBeNull();
    const forged = t.core.db
      .prepare(
        `INSERT INTO audit_events (at, action, actor, reason, details_json, prev_hash, hash)
         VALUES (?, 'plan', 'operator', 'forged', '{}', 'x', 'y')`,
      )
      .run(Date.now()).lastInsertRowid;
    expect(t.core.audit.verify()).toBe(Number(forged));
  });

  it('no code outside core/audit writes the table, and no other migration touches it', () => {
    const root = join(import.meta.dirname, '../..');
    const WRITE =
      /(INSERT\s+(OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM|DROP\s+(TABLE|TRIGGER)(\s+IF\s+EXISTS)?|ALTER\s+TABLE)\s+[`"]?audit_events/i;
    const writers: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(ts|tsx|mjs|js|sql)$/.test(name) && WRITE.test(readFileSync(p, 'utf8'))) {
          writers.push(relative(root, p));
        }
      }
    };
    for (const dir of ['core', 'electron', 'renderer', 'bin', 'scripts']) walk(join(root, dir));
    expect(writers.sort()).toEqual(['core/audit/audit-log.ts']);
    // The check sees a write where there is one.
    expect(WRITE.test('db.prepare("DELETE FROM audit_events")')).toBe(true);
  });
});

describe('GET /audit: filters and keyset paging', () => {
  let t: ReturnType<typeof policyCore>;
  let app: FastifyInstance;
  const get = async (url: string) => {
    const res = await app.inject({ method: 'GET', url, headers: { host: HOST } });
    return { status: res.statusCode, body: res.json() as AuditPage & { field?: string; message?: string } };
  };
  const base = Date.parse('2026-02-01T00:00:00Z');

  beforeEach(async () => {
    t = policyCore();
    app = await buildServer(t.core, { port: 8080 });
    const actors = ['api_key:ci', 'api_key:ops', 'operator', 'auto_apply', 'policy:eu'];
    const actions = ['plan', 'switch', 'auto_apply.plan'] as const;
    for (let i = 0; i < 25; i++) {
      t.core.audit.record({
        action: actions[i % 3]!,
        actor: actors[i % 5]!,
        datasetId: (i % 4) + 1,
        reason: `entry ${i}`,
        at: base + i * 3_600_000,
      });
    }
  });
  afterEach(async () => {
    await app.close();
    await t.cleanup();
  });

  it('pages newest first without gaps or repeats, even while entries are added', async () => {
    const seen: number[] = [];
    let url = '/audit?limit=7';
    for (let page = 0; ; page++) {
      const { status, body } = await get(url);
      expect(status).toBe(200);
      seen.push(...body.items.map((e) => e.id));
      if (page === 0) t.core.audit.record({ action: 'plan', actor: 'operator', reason: 'late' });
      if (!body.next_cursor) break;
      url = `/audit?limit=7&cursor=${body.next_cursor}`;
    }
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => 25 - i));
  });

  it('filters by dataset, actor (exact or kind), action and time', async () => {
    const ids = async (q: string) => (await get(`/audit?limit=1000&${q}`)).body.items.map((e) => e.id);
    expect(await ids('dataset_id=2')).toEqual([22, 18, 14, 10, 6, 2]);
    expect(await ids('actor=api_key:ci')).toEqual([21, 16, 11, 6, 1]);
    expect((await ids('actor=api_key')).length).toBe(10);
    expect(await ids('action=auto_apply.plan&actor=operator')).toEqual([18, 3]);
    const since = new Date(base + 20 * 3_600_000).toISOString();
    const until = new Date(base + 23 * 3_600_000).toISOString();
    expect(await ids(`since=${since}&until=${until}`)).toEqual([23, 22, 21]);
  });

  it('bad filters are refused naming the field', async () => {
    const bad = async (q: string, field: string) => {
      const { status, body } = await get(`/audit?${q}`);
      expect(status).toBe(400);
      expect(body.field).toBe(field);
    };
    await bad('cursor=abc', 'query.cursor');
    await bad('action=delete', 'query.action');
    await bad('since=2026-02-02T00:00:00Z&until=2026-02-01T00:00:00Z', 'query.until');
    await bad('limit=0', 'query.limit');
  });
});

describe('audit trail: cancel and retry', () => {
  let t: ReturnType<typeof policyCore>;
  beforeEach(() => {
    t = policyCore();
  });
  afterEach(() => t.cleanup());

  it('records who canceled a job and who queued it again', async () => {
    const id = await t.addDataset({ name: 'd', location: 'fast', tier: 'hot', gib: 0 });
    const h = ipcHandlers(t.core);
    const job = (await h['jobs/plan']({
      dataset_id: id,
      target_location: 'archive',
      storage_class: 'standard',
    })) as PlanResult;
    await h['jobs/cancel'](job.job_id);
    await h['jobs/retry'](job.job_id);
    expect(t.core.audit.list({ dataset_id: id }).items.map((e) => [e.action, e.actor, e.job_id])).toEqual([
      ['retry', 'operator', job.job_id],
      ['cancel', 'operator', job.job_id],
      ['plan', 'operator', job.job_id],
    ]);
  });
});
