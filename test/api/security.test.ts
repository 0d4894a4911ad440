import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { buildServer } from '../../core/api/server.ts';
import { CSP } from '../../core/api/web.ts';
import { tempCore } from '../helpers/temp-core.ts';
import { apiFixture, PORT, type ApiFixture } from './api-fixture.ts';

describe('REST security', () => {
  let f: ApiFixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  const get = (url: string, headers: Record<string, string>) =>
    (f as ApiFixture).inject({ method: 'GET', url, headers });

  it('accepts loopback Host names on the bound port only (DNS rebinding)', async () => {
    f = await apiFixture({ allowedHosts: ['dm.internal'] });
    for (const host of [`127.0.0.1:${PORT}`, `localhost:${PORT}`, `[::1]:${PORT}`, `dm.internal:${PORT}`]) {
      expect((await get('/datasets', { host })).statusCode, host).toBe(200);
    }
    for (const host of [
      'evil.example',
      `evil.example:${PORT}`,
      '127.0.0.1:9999',
      'localhost',
      `dm.internal:81`,
    ]) {
      const res = await get('/datasets', { host });
      expect(res.statusCode, host).toBe(403);
      expect(res.json()).toMatchObject({ error: 'forbidden', field: 'headers.host' });
    }
  });

  it('refuses cross-site Origins, including on /health', async () => {
    f = await apiFixture();
    expect((await get('/datasets', { origin: `http://localhost:${PORT}` })).statusCode).toBe(200);
    expect((await get('/datasets', { origin: `http://127.0.0.1:${PORT}` })).statusCode).toBe(200);
    for (const origin of [
      'http://evil.example',
      'null',
      `https://127.0.0.1:${PORT}`,
      'http://127.0.0.1:9999',
    ]) {
      const res = await f.inject({
        method: 'POST',
        url: '/plan-migration',
        headers: { origin },
        payload: { dataset_id: 1, target_location: 't', storage_class: 'standard' },
      });
      expect(res.statusCode, origin).toBe(403);
      expect(res.json()).toMatchObject({ field: 'headers.origin' });
      expect((await get('/health', { origin })).statusCode, origin).toBe(403);
    }
  });

  it('refuses to build a server on a non-loopback address without an API key', async () => {
    const t = tempCore();
    try {
      await expect(buildServer(t.core, { host: '0.0.0.0' })).rejects.toThrow(/without an API key/);
      await expect(buildServer(t.core, { host: '192.168.1.10' })).rejects.toThrow(/--api-key/);
    } finally {
      await t.cleanup();
    }
  });

  it('with an API key: 401 without or with a wrong key, 200 with x-api-key or Bearer; /health and the UI stay open', async () => {
    f = await apiFixture({ host: '0.0.0.0', apiKey: 's3cret-key' });
    const none = await get('/datasets', {});
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ error: 'unauthorized', message: expect.stringMatching(/x-api-key/) });
    expect((await get('/datasets', { 'x-api-key': 'wrong' })).statusCode).toBe(401);
    expect((await get('/datasets', { authorization: 'Bearer wrong' })).statusCode).toBe(401);
    expect((await get('/events', {})).statusCode).toBe(401);
    expect((await get('/metrics', {})).statusCode).toBe(401);
    expect((await get('/datasets', { 'x-api-key': 's3cret-key' })).statusCode).toBe(200);
    expect((await get('/datasets', { authorization: 'Bearer s3cret-key' })).statusCode).toBe(200);
    expect((await get('/health', {})).statusCode).toBe(200);
    expect((await get('/', {})).statusCode).toBe(200);
  });

  it('never writes the API key to the log', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    f = await apiFixture({ apiKey: 'k-very-secret' }, { logger: pino({ level: 'debug' }, sink) });
    await get('/datasets', { 'x-api-key': 'k-very-secret' });
    await get('/datasets', { authorization: 'Bearer k-very-secret' });
    await get('/datasets', { 'x-api-key': 'k-very-secret-wrong' });
    await get('/nope?x=1', { 'x-api-key': 'k-very-secret' });
    expect(lines.filter((l) => l.includes('"msg":"request"'))).toHaveLength(4);
    expect(lines.join('')).not.toContain('k-very-secret');
  });

  it('serves the web UI with a strict CSP and no inline code', async () => {
    f = await apiFixture();
    const page = await get('/', {});
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toBe(CSP);
    expect(CSP).toMatch(/script-src 'self'/);
    expect(CSP).not.toMatch(/unsafe/);
    expect(page.body).not.toMatch(/<script>|\sstyle=|\son[a-z]+="/);
    expect(page.body).not.toMatch(/https?:\/\/(?!127)/); // no CDN
    // The renderer bundle: React sets innerHTML only for dangerouslySetInnerHTML, never used here.
    const script = /<script type="module" crossorigin src="\.(\/assets\/[^"]+\.js)"/.exec(page.body)?.[1];
    const js = await get(script ?? '/missing.js', {});
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.body).not.toMatch(/\beval\(|new Function\(/);
  });
});
