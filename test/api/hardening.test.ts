// A hostile local client, class by class (the hardening issue): every refused request is a
// 4xx naming its field, changes nothing on disk or in the database, and leaves every read
// of the catalog answering 200.
import { lstatSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, registerSecret } from '../../core/logger.ts';
import { MAX_SAFE } from '../../core/contracts/common.ts';
import { writeTree } from '../helpers/temp-core.ts';
import { apiFixture, type ApiFixture } from './api-fixture.ts';

type Res = { statusCode: number; body: string; json: <T>() => T };

/** Every table a request could touch, and every file under the data and store folders. */
function snapshot(f: ApiFixture): string {
  const tables = ['locations', 'datasets', 'replicas', 'policies', 'access_aggregates', 'migration_jobs'];
  const db = Object.fromEntries(tables.map((t) => [t, f.core.db.prepare(`SELECT * FROM ${t}`).all()]));
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      files.push(relative(f.dir, p));
      if (lstatSync(p).isDirectory()) walk(p);
    }
  };
  walk(f.dir);
  // The SQLite WAL and shm files change with every read; their content is in `db`.
  return JSON.stringify({ db, files: files.filter((p) => !/datamotion\.db/.test(p)).sort() });
}

describe('hostile client: no 5xx, nothing half-applied, the catalog stays readable', () => {
  let f: ApiFixture;
  let id: number;

  beforeAll(async () => {
    f = await apiFixture({ ingestBodyLimit: 2 * 1024 * 1024 });
    writeTree(join(f.store, 'sample'), { 'a.bin': 1000 });
    const res = await f.inject({
      method: 'POST',
      url: '/datasets',
      payload: { name: 'sample', path_uri: f.uri('sample') },
    });
    expect(res.statusCode).toBe(201);
    id = res.json<{ id: number }>().id;
    writeFileSync(join(f.store, 'plain-file'), 'x');
    symlinkSync(join(f.store, 'loop-b'), join(f.store, 'loop-a'));
    symlinkSync(join(f.store, 'loop-a'), join(f.store, 'loop-b'));
  });
  afterAll(() => f.close());

  const readable = async () => {
    for (const url of [
      '/datasets',
      `/datasets/${id}`,
      `/datasets/${id}/usage`,
      '/metrics',
      '/recommendations',
      '/policies',
      '/locations',
      '/jobs',
    ]) {
      const res = await f.inject({ method: 'GET', url });
      expect(res.statusCode, `GET ${url} after a refused request: ${res.body}`).toBe(200);
    }
  };

  /** Sends a raw request, expects a 4xx naming `field`, and that nothing changed. */
  const refused = async (
    method: 'GET' | 'POST' | 'PATCH',
    url: string,
    payload: string | undefined,
    status: number,
    field: string,
    message?: RegExp,
  ) => {
    const before = snapshot(f);
    const res = (await f.inject({
      method,
      url,
      ...(payload === undefined ? {} : { payload, headers: { 'content-type': 'application/json' } }),
    })) as Res;
    const body = res.json<{ error: string; message: string; field?: string }>();
    expect(
      { status: res.statusCode, field: body.field },
      `${method} ${url} ${payload ?? ''}: ${res.body}`,
    ).toEqual({ status, field });
    if (message) expect(body.message).toMatch(message);
    expect(snapshot(f), `${method} ${url} changed something though it was refused`).toBe(before);
    await readable();
    return body;
  };

  describe('1. non-finite and out-of-range numbers', () => {
    it.each([
      ['PATCH', '/datasets/{id}', '{"latency_slo_ms":1e400}', 'body.latency_slo_ms'],
      ['PATCH', '/datasets/{id}', '{"latency_slo_ms":-1e400}', 'body.latency_slo_ms'],
      ['PATCH', '/datasets/{id}', '{"latency_slo_ms":1e300}', 'body.latency_slo_ms'],
      ['PATCH', '/datasets/{id}', '{"size_bytes":1e308}', 'body.size_bytes'],
      ['PATCH', '/datasets/{id}', '{"size_bytes":9007199254740993}', 'body.size_bytes'],
      ['PATCH', '/datasets/{id}', '{"object_count":1e16}', 'body.object_count'],
      [
        'POST',
        '/datasets',
        '{"name":"n","path_uri":"file:///x","latency_slo_ms":1e400}',
        'body.latency_slo_ms',
      ],
      ['POST', '/access-events', `{"dataset_id":1,"op":"read","size_bytes":1e308}`, 'body.size_bytes'],
      ['POST', '/access-events', `{"dataset_id":1,"op":"read","client_lat_ms":1e400}`, 'body.client_lat_ms'],
      ['POST', '/access-events', `[{"dataset_id":1,"op":"read","ts":1e400}]`, 'body[0].ts'],
      ['POST', '/access-events', `{"dataset_id":1e400,"op":"read"}`, 'body.dataset_id'],
      [
        'POST',
        '/policies',
        '{"name":"p","kind":"slo","params":{"max_latency_ms":1e400,"min_tier":"warm"}}',
        'body.params.max_latency_ms',
      ],
      [
        'POST',
        '/plan-migration',
        '{"dataset_id":9007199254740993,"target_location":"t","storage_class":"standard"}',
        'body.dataset_id',
      ],
    ] as const)('%s %s %s → 400 naming %s', async (method, url, payload, field) => {
      await refused(method, url.replace('{id}', String(id)), payload, 400, field);
    });

    it.each([
      ['/datasets?offset=9223372036854775808', 'query.offset'],
      ['/datasets?limit=1e3', 'query.limit'],
      ['/jobs?limit=-1', 'query.limit'],
      ['/datasets/9223372036854775808', 'params.id'],
      ['/datasets/9007199254740992', 'params.id'],
    ])('GET %s → 400 naming %s', async (url, field) => {
      await refused('GET', url, undefined, 400, field);
    });

    it('sums of huge valid sizes saturate at 2^53-1 instead of breaking the usage read', async () => {
      const big = `{"dataset_id":${id},"op":"read","size_bytes":${MAX_SAFE}}`;
      for (let i = 0; i < 3; i++) {
        const res = await f.inject({
          method: 'POST',
          url: '/access-events',
          payload: `[${big},${big}]`,
          headers: { 'content-type': 'application/json' },
        });
        expect(res.statusCode, res.body).toBe(200);
      }
      const usage = await f.inject({ method: 'GET', url: `/datasets/${id}/usage` });
      expect(usage.statusCode).toBe(200);
      const rows = usage.json<{ bytes_read: number; read_count: number }[]>();
      expect(Math.max(...rows.map((r) => r.bytes_read))).toBe(MAX_SAFE);
      await readable();
    });
  });

  describe('2. filesystem and URL errors are 400s naming the field', () => {
    const long = 'n'.repeat(300);
    const cases = (): [string, RegExp][] => [
      [`${f.uri('')}/a%2fb`, /encoded "\/"/],
      [`${f.uri('')}/a%ffb`, /percent-encoding/],
      [`${f.uri('')}/${long}`, /too long/],
      [`${f.uri('')}/${'é'.repeat(130)}`, /too long/],
      [`${f.uri('plain-file')}/below`, /regular file/],
      [`${f.uri('loop-a')}/x`, /symbolic link loop/],
    ];
    it('POST /datasets path_uri', async () => {
      for (const [uri, message] of cases()) {
        await refused(
          'POST',
          '/datasets',
          JSON.stringify({ name: 'x', path_uri: uri }),
          400,
          'body.path_uri',
          message,
        );
      }
    });
    it('POST /plan-migration target_location', async () => {
      for (const [uri, message] of cases()) {
        await refused(
          'POST',
          '/plan-migration',
          JSON.stringify({ dataset_id: id, target_location: uri, storage_class: 'standard' }),
          400,
          'body.target_location',
          message,
        );
      }
    });
    it('POST /locations uri', async () => {
      for (const [uri, message] of cases()) {
        await refused('POST', '/locations', JSON.stringify({ id: 'l2', uri }), 400, 'body.uri', message);
      }
    });
  });

  describe('3. a refused POST /locations creates no folder', () => {
    it('duplicate id, overlapping root, bad tiers: 4xx and no folder', async () => {
      const fresh = (name: string) => pathToFileURL(join(f.dir, 'fresh', name)).href;
      await refused('POST', '/locations', JSON.stringify({ id: 't', uri: fresh('dup') }), 409, 'body.id');
      await refused(
        'POST',
        '/locations',
        JSON.stringify({ id: 'inner', uri: f.uri('inner') }),
        409,
        'body.uri',
      );
      await refused(
        'POST',
        '/locations',
        // Raw text: JSON.stringify would turn 1e400 (Infinity) into null.
        `{"id":"tiers","uri":${JSON.stringify(fresh('tiers'))},"tiers":{"hot":{"storage_class":"x","price_per_gb_month":1e400}}}`,
        400,
        'body.tiers.hot.price_per_gb_month',
      );
    });
  });

  describe('4. text that is not what it seems', () => {
    it.each([
      ['lone surrogate', '"a\\ud800b"'],
      ['right-to-left override', '"evil\\u202etxt.exe"'],
      ['bell', '"a\\u0007b"'],
      ['line separator', '"a\\u2028b"'],
      ['zero-width BOM', '"\\ufeffname"'],
    ])('%s in names and other text → 400', async (_what, text) => {
      await refused('PATCH', `/datasets/${id}`, `{"name":${text}}`, 400, 'body.name');
      await refused('PATCH', `/datasets/${id}`, `{"owner":${text}}`, 400, 'body.owner');
      await refused(
        'POST',
        '/policies',
        `{"name":${text},"kind":"pin","params":{"tier":"hot"}}`,
        400,
        'body.name',
      );
      await refused(
        'POST',
        '/plan-migration',
        `{"dataset_id":${id},"target_location":"t","storage_class":"standard","job_key":${text}}`,
        400,
        'body.job_key',
      );
    });

    it('what is accepted is stored exactly (astral characters, accents, spaces)', async () => {
      const name = 'données 📦 "q" été';
      const res = await f.inject({ method: 'PATCH', url: `/datasets/${id}`, payload: { owner: name } });
      expect(res.statusCode).toBe(200);
      expect(
        (await f.inject({ method: 'GET', url: `/datasets/${id}` })).json<{ owner: string }>().owner,
      ).toBe(name);
    });
  });

  describe('8. leniency decided on purpose', () => {
    it('ids are decimal text: /datasets/0x1, 1e0, +1, " 1", 01 are 400s', async () => {
      for (const raw of ['0x1', '1e0', '+1', '%201', '01', '1.0']) {
        const res = await f.inject({ method: 'GET', url: `/datasets/${raw}` });
        expect(res.statusCode, raw).toBe(400);
        expect(res.json()).toMatchObject({ field: 'params.id' });
      }
      expect((await f.inject({ method: 'GET', url: '/datasets?limit=0x10' })).statusCode).toBe(400);
      expect((await f.inject({ method: 'GET', url: '/recommendations?refresh=1' })).statusCode).toBe(400);
    });

    it('router errors answer in the API error shape without echoing the path', async () => {
      const bad = await f.inject({ method: 'GET', url: '/datasets/%ff' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toMatchObject({ error: 'invalid_input', field: 'url' });
      const long = await f.inject({ method: 'GET', url: `/datasets/${'1'.repeat(101)}` });
      expect(long.statusCode).toBe(414);
      expect(long.json()).toMatchObject({ error: 'invalid_input', field: 'url' });
      expect(long.body).not.toContain('1'.repeat(101));
      const huge = await f.inject({ method: 'GET', url: '/datasets?offset=99999999999999999999' });
      expect(huge.json()).toMatchObject({
        field: 'query.offset',
        message: 'query.offset: must be <= 9007199254740991',
      });
      const bidi = await f.inject({ method: 'PATCH', url: `/datasets/${id}`, payload: { name: 'a\u202eb' } });
      expect(bidi.json<{ message: string }>().message).toMatch(/must not contain U\+202E/);
    });

    it('a leap second is refused, not read as "no time"', async () => {
      await refused('GET', `/datasets/${id}/usage?since=2016-12-31T23:59:60Z`, undefined, 400, 'query.since');
      await refused(
        'POST',
        '/access-events',
        `{"dataset_id":${id},"op":"read","ts":"2016-12-31T23:59:60Z"}`,
        400,
        'body.ts',
      );
    });

    it('duplicate Host (and key) headers are refused', async () => {
      const res = await f.app.inject({
        method: 'GET',
        url: '/datasets',
        headers: { host: ['127.0.0.1:8080', 'evil.example'] as unknown as string },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ field: 'headers.host' });
    });
  });
});

describe('6. secrets never reach the log', () => {
  it('keys in URLs under any name, in paths and in headers are not logged', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    // A plain pino logger: this proves the URL redaction alone, without the value scrubber.
    const f = await apiFixture({ apiKey: 'Kx9-very-secret' }, { logger: pino({ level: 'debug' }, sink) });
    try {
      const key = 'Kx9-very-secret';
      for (const url of [
        `/datasets?api_key=${key}`,
        `/datasets?whatever=${key}`,
        `/datasets?${key}`,
        `/datasets/${key}`,
        `/${key}/x`,
        `/datasets?limit=${encodeURIComponent(key)}`,
      ]) {
        const res = await f.inject({ method: 'GET', url, headers: { 'x-api-key': key } });
        expect(res.statusCode, url).toBeGreaterThanOrEqual(200);
      }
      const noKey = await f.inject({ method: 'GET', url: `/datasets?api_key=${key}` });
      expect(noKey.statusCode).toBe(401);
      expect(noKey.json<{ message: string }>().message).toMatch(/keys in the URL are refused/);
      expect(lines.filter((l) => l.includes('"msg":"request"')).length).toBe(7);
      expect(lines.filter((l) => l.includes('very-secret'))).toEqual([]);
      // Still useful: ids and plain query values survive.
      await f.inject({ method: 'GET', url: '/datasets?limit=5&tier=hot', headers: { 'x-api-key': key } });
      expect(lines.at(-1)).toContain('/datasets?limit=5&tier=hot');
    } finally {
      await f.close();
    }
  });

  it('a registered secret is scrubbed by value from every log call', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = createLogger('info', sink);
    registerSecret('AKIA-scrub-me-123');
    log.info({ detail: { nested: ['x AKIA-scrub-me-123 y'] } }, 'msg with AKIA-scrub-me-123');
    log.error({ err: new Error('failed with AKIA-scrub-me-123') }, 'boom');
    expect(lines).toHaveLength(2);
    expect(lines.join('')).not.toContain('AKIA-scrub-me-123');
    expect(lines.join('')).toContain('[redacted]');
  });
});
