import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../core/api/server.ts';
import { ApiError } from '../../core/contracts/api-error.ts';
import type { ConnectionState } from '../../core/contracts/client.ts';
import type { CoreEvent } from '../../core/contracts/events.ts';
import { httpClient } from '../../renderer/client/http-client.ts';
import { sessionKeyStore } from '../../renderer/client/api-key.ts';
import { tempCore, type TempCore } from '../helpers/temp-core.ts';

/** Resolves when `pred` holds for a value pushed into `list` (checked on each push). */
function waitFor<T>(list: T[], pred: (v: T) => boolean, what: string, ms = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    const check = () => {
      const hit = list.find(pred);
      if (hit !== undefined) {
        clearTimeout(timer);
        resolve(hit);
      } else setTimeout(check, 20);
    };
    check();
  });
}

// The renderer's HTTP client (derived from the channel map) against a real server with an API key.
describe('renderer HTTP + SSE client', () => {
  let t: TempCore;
  let server: RunningServer;
  beforeAll(async () => {
    t = tempCore({ mover: { enabled: true, concurrency: 1, objectConcurrency: 2, maxAttempts: 2 } });
    server = await startServer(t.core, { port: 0, apiKey: 'k-secret-key' });
  });
  afterAll(async () => {
    await server?.close();
    await t?.cleanup();
  });

  it('asks for the key on 401, then sends it on every request and on the event stream', async () => {
    const keys = sessionKeyStore(null);
    const unauthorized: ApiError[] = [];
    const client = httpClient({
      base: server.url,
      keys,
      onUnauthorized: (e) => unauthorized.push(e),
      backoff: { initialMs: 50, maxMs: 200 },
    });
    const refused = await client['datasets/list']().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ code: 'unauthorized', status: 401, field: 'headers.x-api-key' });

    const states: ConnectionState[] = [];
    const events: CoreEvent[] = [];
    const stop = client.subscribe(
      (e) => events.push(e),
      (s) => states.push(s),
    );
    try {
      await waitFor(states, (s) => s === 'unauthorized', 'the stream to be refused');
      keys.set('k-secret-key');
      await waitFor(states, (s) => s === 'live', 'the stream to go live with the key');
      mkdirSync(join(t.store, 'a'));
      writeFileSync(join(t.store, 'a', 'x.bin'), Buffer.alloc(4096, 1));
      const ds = await t.core.datasets.create({ name: 'a', path_uri: t.uri('a') });
      await waitFor(events, (e) => e.type === 'dataset.updated' && e.dataset.id === ds.id, 'dataset.updated');
      expect(await client['datasets/list']({ limit: 10 })).toHaveLength(1);
      expect(unauthorized.length).toBeGreaterThanOrEqual(2);
    } finally {
      stop();
    }
  });

  it('keeps the error code and field, and reads per-object results of a job', async () => {
    const keys = sessionKeyStore(null);
    keys.set('k-secret-key');
    const client = httpClient({ base: server.url, keys });
    const err = await client['migrations/estimate']({
      dataset_id: 999,
      target_location: 't',
      storage_class: 'standard',
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'not_found', field: 'query.dataset_id', fieldName: 'dataset_id' });

    mkdirSync(join(t.store, 'b'));
    for (let i = 0; i < 3; i++)
      writeFileSync(join(t.store, 'b', `f${i}.bin`), Buffer.alloc(1024 * (i + 1), i));
    const ds = await client['datasets/get'](
      (await t.core.datasets.create({ name: 'b', path_uri: t.uri('b') })).id,
    );
    const job = await client['jobs/plan']({
      dataset_id: ds.id,
      target_location: t.uri('moved-b'),
      storage_class: 'standard',
    });
    for (let i = 0; i < 200; i++) {
      if ((await client['jobs/get'](job.job_id)).status === 'completed') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const page = await client['jobs/objects'](job.job_id, { state: 'verified', limit: 2 });
    expect(page).toMatchObject({ job_id: job.job_id, total: 3, counts: { verified: 3, pending: 0 } });
    expect(page.items).toHaveLength(2);
    expect(page.items[0]).toMatchObject({
      rel_path: 'f0.bin',
      size_bytes: 1024,
      state: 'verified',
      copy_count: 1,
    });
    expect(page.items[0]?.src_crc32c).toBe(page.items[0]?.dst_crc32c);
    const rest = await client['jobs/objects'](job.job_id, { limit: 2, offset: 2 });
    expect(rest.items.map((o) => o.rel_path)).toEqual(['f2.bin']);

    const policy = await client['policies/create']({ name: 'p', kind: 'pin', params: { tier: 'hot' } });
    expect(await client['policies/delete'](policy.id)).toBeNull();
  });
});
