import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTree } from '../helpers/temp-core.ts';
import { apiFixture, type ApiFixture } from './api-fixture.ts';

const MISSING_JOB = '00000000-0000-4000-8000-000000000000';

// One server for the whole file: every case below is a refusal, so they do not disturb each other
// (the few that write are at the end and say so).
describe('REST input validation', () => {
  let f: ApiFixture;
  let outside: string;
  let id: number;

  beforeAll(async () => {
    f = await apiFixture({ ingestBodyLimit: 2 * 1024 * 1024 });
    outside = mkdtempSync(join(tmpdir(), 'dm-outside-'));
    writeTree(join(f.store, 'sample'), { 'a.bin': 1000 });
    const res = await f.inject({
      method: 'POST',
      url: '/datasets',
      payload: { name: 'sample', path_uri: f.uri('sample') },
    });
    expect(res.statusCode).toBe(201);
    id = res.json<{ id: number }>().id;
  });
  afterAll(async () => {
    await f.close();
    rmSync(outside, { recursive: true, force: true });
  });

  const expectError = (
    res: { statusCode: number; json: <T>() => T },
    status: number,
    field: string | undefined,
    message?: RegExp,
  ) => {
    const body = res.json<{ error: string; message: string; field?: string }>();
    expect({ status: res.statusCode, field: body.field }).toEqual({ status, field });
    if (message) expect(body.message).toMatch(message);
    return body;
  };

  describe('wrong types (bodies are never coerced)', () => {
    it.each([
      ['/datasets', { name: 5, path_uri: 'file:///x' }, 'body.name', /body\.name: must be string/],
      [
        '/plan-migration',
        { dataset_id: '1', target_location: 't', storage_class: 'standard' },
        'body.dataset_id',
        /body\.dataset_id: must be integer/,
      ],
      ['/access-events', { dataset_id: 1, op: 'read', size_bytes: -1 }, 'body.size_bytes', />= 0/],
      ['/access-events', [{ dataset_id: 1, op: 'read' }, 'x'], 'body[1]', /must be object/],
      ['/policies', { name: 'p', kind: 'pin', params: { tier: 'lukewarm' } }, 'body.params.tier', undefined],
    ])('POST %s %j → 400 naming %s', async (url, payload, field, message) => {
      expectError(await f.inject({ method: 'POST', url, payload }), 400, field, message);
    });

    it('query strings and params are coerced, but must still parse', async () => {
      expect((await f.inject({ method: 'GET', url: '/jobs?limit=5' })).statusCode).toBe(200);
      expectError(await f.inject({ method: 'GET', url: '/jobs?limit=lots' }), 400, 'query.limit');
      expectError(await f.inject({ method: 'GET', url: '/jobs?status=done' }), 400, 'query.status');
      expectError(await f.inject({ method: 'GET', url: '/datasets/abc' }), 400, 'params.id', /integer/);
      expectError(await f.inject({ method: 'GET', url: '/jobs/not-a-uuid' }), 400, 'params.job_id', /uuid/);
    });
  });

  it.each([
    ['/datasets', { path_uri: 'file:///x' }, 'body.name'],
    ['/plan-migration', { target_location: 't', storage_class: 's' }, 'body.dataset_id'],
    ['/access-events', { dataset_id: 1 }, 'body.op'],
    ['/locations', { uri: 'file:///tmp/x' }, 'body.id'],
  ])('missing field: POST %s %j → 400 naming %s', async (url, payload, field) => {
    expectError(await f.inject({ method: 'POST', url, payload }), 400, field, /is required/);
  });

  it('unknown fields are refused in bodies and query strings', async () => {
    const body = { name: 'n', path_uri: f.uri('sample'), colour: 'blue' };
    expectError(
      await f.inject({ method: 'POST', url: '/datasets', payload: body }),
      400,
      'body.colour',
      /not a known field/,
    );
    expectError(await f.inject({ method: 'GET', url: '/datasets?colour=blue' }), 400, 'query.colour');
    const patch = { path_uri: f.uri('elsewhere') };
    expectError(
      await f.inject({ method: 'PATCH', url: `/datasets/${id}`, payload: patch }),
      400,
      'body.path_uri',
      /plan-migration/,
    );
  });

  describe('unknown ids → 404 naming the id', () => {
    it.each([
      ['GET', '/datasets/999', undefined, 'id'],
      ['PATCH', '/datasets/999', { owner: 'me' }, 'id'],
      ['DELETE', '/datasets/999', undefined, 'id'],
      ['GET', '/datasets/999/usage', undefined, 'id'],
      ['GET', '/recommendations?dataset_id=999', undefined, 'query.dataset_id'],
      ['POST', '/access-events', { dataset_id: 999, op: 'read' }, 'body.dataset_id'],
      [
        'POST',
        '/plan-migration',
        { dataset_id: 999, target_location: 't', storage_class: 'standard' },
        'body.dataset_id',
      ],
      ['DELETE', '/policies/999', undefined, 'id'],
    ] as const)('%s %s', async (method, url, payload, field) => {
      const body = expectError(await f.inject({ method, url, ...(payload ? { payload } : {}) }), 404, field);
      expect(body.message).toContain('999');
    });

    it.each([
      ['GET', `/jobs/${MISSING_JOB}`],
      ['POST', `/jobs/retry/${MISSING_JOB}`],
      ['POST', `/jobs/${MISSING_JOB}/cancel`],
    ] as const)('%s %s', async (method, url) => {
      const res = await f.inject({ method, url });
      expect(res.statusCode).toBe(404);
      expect(res.json<{ message: string }>().message).toContain(MISSING_JOB);
    });
  });

  describe('paths outside every location', () => {
    const post = (path_uri: string) =>
      f.inject({ method: 'POST', url: '/datasets', payload: { name: `n${Math.random()}`, path_uri } });

    it('a folder elsewhere on disk', async () => {
      expectError(
        await post(pathToFileURL(outside).href),
        400,
        'body.path_uri',
        /not inside any configured location/,
      );
    });

    it('`..` traversal, literal and percent-encoded', async () => {
      const rel = join('..', '..', outside.split('/').pop() as string);
      expectError(await post(`${f.uri('sample')}/../${rel}`), 400, 'body.path_uri');
      expectError(await post(`${pathToFileURL(f.store).href}/%2e%2e/%2E%2E/etc`), 400, 'body.path_uri');
    });

    it('a symlink inside the location that points outside it', async () => {
      symlinkSync(outside, join(f.store, 'escape'));
      mkdirSync(join(outside, 'data'));
      expectError(
        await post(f.uri('escape/data')),
        400,
        'body.path_uri',
        /not inside any configured location/,
      );
      const plan = { dataset_id: id, target_location: f.uri('escape/copy'), storage_class: 'standard' };
      expectError(
        await f.inject({ method: 'POST', url: '/plan-migration', payload: plan }),
        400,
        'body.target_location',
      );
    });
  });

  describe('transport errors', () => {
    const json = { 'content-type': 'application/json' };

    it('malformed and empty JSON → 400 naming body', async () => {
      const bad = await f.inject({
        method: 'POST',
        url: '/datasets',
        headers: json,
        payload: '{"name": "x",',
      });
      expectError(bad, 400, 'body', /not valid JSON/);
      const empty = await f.inject({ method: 'POST', url: '/datasets', headers: json, payload: '' });
      expectError(empty, 400, 'body', /empty/);
    });

    it('a body that is not JSON → 415', async () => {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
        const res = await f.inject({
          method: 'POST',
          url: '/datasets',
          headers: { 'content-type': type },
          payload: 'name=x',
        });
        expectError(res, 415, 'headers.content-type', /application\/json/);
      }
    });

    it('oversized bodies → 413 naming the limit; /access-events has its own, larger one', async () => {
      const big = JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 10), path_uri: 'file:///x' });
      const res = await f.inject({ method: 'POST', url: '/datasets', headers: json, payload: big });
      expectError(res, 413, 'body', /larger than 1 MiB/);

      // ~1.2 MiB of valid events: over the default limit, under the ingest one.
      const events = Array.from({ length: 28_000 }, () => ({ dataset_id: id, op: 'read', size_bytes: 4096 }));
      const payload = JSON.stringify(events);
      expect(payload.length).toBeGreaterThan(1024 * 1024);
      const ok = await f.inject({
        method: 'POST',
        url: '/access-events',
        headers: json,
        payload: JSON.stringify(events),
      });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toEqual({ accepted: 28_000, datasets: 1 });

      const tooBig = JSON.stringify([...events, ...events, ...events]);
      const refused = await f.inject({
        method: 'POST',
        url: '/access-events',
        headers: json,
        payload: tooBig,
      });
      expectError(refused, 413, 'body', /larger than the 2 MiB limit/);
    });

    it('unknown route → 404 JSON', async () => {
      const res = await f.inject({ method: 'GET', url: '/nope?x=1' });
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toMatch(/application\/json/);
      expect(res.json()).toMatchObject({ error: 'not_found', message: expect.stringContaining('/nope') });
    });
  });

  it('nothing is half-applied: one bad event in a batch of 1000 stores nothing', async () => {
    const d = await f.inject({
      method: 'POST',
      url: '/datasets',
      payload: { name: 'batch', path_uri: f.uri('batch') },
    });
    // The folder does not exist: create it and retry (the refusal itself is a check).
    expect(d.statusCode).toBe(400);
    mkdirSync(join(f.store, 'batch'));
    const created = await f.inject({
      method: 'POST',
      url: '/datasets',
      payload: { name: 'batch', path_uri: f.uri('batch') },
    });
    const batchId = created.json<{ id: number }>().id;
    const events = Array.from({ length: 1000 }, (_, i) => ({
      dataset_id: batchId,
      op: 'write',
      size_bytes: i,
    }));
    const rows = () =>
      f.core.db.prepare('SELECT count(*) AS n FROM access_aggregates WHERE dataset_id = ?').get(batchId);

    events[537] = { dataset_id: batchId, op: 'delete' as 'write', size_bytes: 1 };
    const bad = await f.inject({ method: 'POST', url: '/access-events', payload: events });
    expectError(bad, 400, 'body[537].op');
    events[537] = { dataset_id: 424242, op: 'write', size_bytes: 1 };
    const unknown = await f.inject({ method: 'POST', url: '/access-events', payload: events });
    expectError(unknown, 404, 'body[537].dataset_id', /424242/);

    expect(rows()).toEqual({ n: 0 });
    expect(f.core.datasets.get(batchId).last_access_ts).toBeNull();
  });

  it('POST /train fits what has history and says so; an unexpected failure answers a generic 500', async () => {
    const train = await f.inject({ method: 'POST', url: '/train' });
    expect(train.statusCode).toBe(200);
    // No dataset here has two weeks of history: nothing fitted, the heuristic decides.
    expect(train.json()).toMatchObject({
      trained: 0,
      using_forecast: 0,
      model_version: expect.stringMatching(/^hw2s-/),
    });

    // Simulated fault: nothing real fails on demand here, so one service method is replaced.
    const list = f.core.locations.list.bind(f.core.locations);
    f.core.locations.list = () => {
      throw new Error('disk on fire at /secret/path');
    };
    try {
      const res = await f.inject({ method: 'GET', url: '/locations' });
      expect(res.statusCode).toBe(500);
      expect(res.json()).toEqual({ error: 'internal', message: expect.stringMatching(/internal error/) });
      expect(res.body).not.toContain('/secret/path');
    } finally {
      f.core.locations.list = list;
    }
  });
});
