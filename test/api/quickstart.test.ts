import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../core/api/server.ts';
import type { CoreEvent } from '../../core/contracts/events.ts';
import type { DatasetDetail } from '../../core/contracts/datasets.ts';
import type { Job, PlanResult } from '../../core/contracts/jobs.ts';
import type { Recommendation } from '../../core/contracts/placement.ts';
import { tempCore, writeTree, type TempCore } from '../helpers/temp-core.ts';
import { openEvents } from './sse-client.ts';

function files(root: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(root, p), readFileSync(p));
    }
  };
  walk(root);
  return out;
}

// The README quickstart, over a real HTTP socket with the real mover: register real files,
// report access, get a recommendation, plan a migration, watch it complete, check the bytes.
describe('quickstart end to end', () => {
  let t: TempCore;
  let server: RunningServer;
  beforeEach(async () => {
    t = tempCore({ mover: { concurrency: 1, objectConcurrency: 2, enabled: true, maxAttempts: 3 } });
    server = await startServer(t.core, { port: 0 });
  });
  afterEach(async () => {
    await server.close();
    await t.cleanup();
  });

  async function call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
    const res = await fetch(server.url + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as T };
  }

  it('dataset → access events → recommendation → plan → completed job → dataset points at identical bytes', async () => {
    writeTree(join(t.store, 'sample'), { 'a.bin': 300_000, 'nested/b.bin': 70_000, 'c.txt': 0 });

    const created = await call<DatasetDetail>('POST', '/datasets', {
      name: 'sample',
      path_uri: t.uri('sample'),
    });
    expect(created.status).toBe(201);
    const ds = created.json;
    expect(ds).toMatchObject({ size_bytes: 370_000, object_count: 3, location: 't' });

    const ingest = await call('POST', '/access-events', [
      { dataset_id: ds.id, op: 'read', size_bytes: 4096, client_lat_ms: 12.3 },
      { dataset_id: ds.id, op: 'write', size_bytes: 100, ts: new Date().toISOString() },
    ]);
    expect(ingest).toEqual({ status: 200, json: { accepted: 2, datasets: 1 } });

    const recs = await call<Recommendation[]>('GET', `/recommendations?dataset_id=${ds.id}`);
    expect(recs.status).toBe(200);
    expect(recs.json).toEqual([
      expect.objectContaining({ dataset_id: ds.id, recommended_tier: 'hot', reasons: expect.any(Array) }),
    ]);

    const events = await openEvents(server.url);
    const dest = t.uri('migrated/sample');
    const planBody = { dataset_id: ds.id, target_location: dest, storage_class: 'standard', job_key: 'qs-1' };
    const plan = await call<PlanResult>('POST', '/plan-migration', planBody);
    expect(plan.status).toBe(201);
    expect(plan.json).toMatchObject({ created: true, status: 'queued', dest_uri: dest });
    const again = await call<PlanResult>('POST', '/plan-migration', planBody);
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ created: false, job_id: plan.json.job_id });

    const done = await events.next(
      (e): e is Extract<CoreEvent, { type: 'job.updated' }> =>
        e.type === 'job.updated' &&
        e.job.job_id === plan.json.job_id &&
        ['completed', 'failed', 'canceled'].includes(e.job.status),
    );
    events.close();
    expect(done.job).toMatchObject({ status: 'completed', error: null, bytes_copied: 370_000 });

    const job = await call<Job>('GET', `/jobs/${plan.json.job_id}`);
    expect(job.json.status).toBe('completed');
    expect(files(join(t.store, 'migrated/sample'))).toEqual(files(join(t.store, 'sample')));
    const after = await call<DatasetDetail>('GET', `/datasets/${ds.id}`);
    expect(after.json.path_uri).toBe(dest);
    expect(after.json.replicas).toEqual(
      expect.arrayContaining([expect.objectContaining({ uri: dest, role: 'primary' })]),
    );
  });
});
