// A refused request must be cheap (hardening issue, class 5): a huge body of tiny items is
// refused while it arrives, costs bounded time and memory, and never stalls the other
// requests; a client that trickles its body forever is cut off. Measured in this process
// (the server runs here), with generous bounds: these are guards, not benchmarks.
import { request } from 'node:http';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../core/api/server.ts';
import { readJsonBatch } from '../../core/api/json-batch.ts';
import { DataMotionError } from '../../core/errors.ts';
import { tempCore, writeTree, type TempCore } from '../helpers/temp-core.ts';

const LIMITS = { maxBytes: 1 << 20, maxItems: 5, maxItemBytes: 64 };
const parse = (text: string, limits = LIMITS) => readJsonBatch(Readable.from([Buffer.from(text)]), limits);
const refusal = async (text: string, limits = LIMITS) => {
  try {
    await parse(text, limits);
  } catch (e) {
    expect(e).toBeInstanceOf(DataMotionError);
    const err = e as DataMotionError;
    return { code: err.code, field: err.field, message: err.message };
  }
  throw new Error(`accepted: ${text}`);
};

describe('the streaming batch reader', () => {
  it('reads what JSON.parse reads: objects, arrays, strings holding brackets, quotes and escapes', async () => {
    for (const text of [
      '{"a":1}',
      ' [ {"a":"]}[{,"} , {"b":"\\"],"}\n,{"c":[1,{"d":[]}]} ] ',
      '[]',
      '[{"x":"é📦"}]',
      '[1,"two",null,true]',
    ]) {
      expect(await parse(text), text).toEqual(JSON.parse(text));
    }
  });

  it.each([
    ['[{"a":1},]', 'body[1]', /trailing ","/],
    ['[,{"a":1}]', 'body[0]', /missing/],
    ['[{"a":1} {"b":2}]', 'body[0]', /not valid JSON/],
    ['[{"a":1}] x', 'body', /after the end/],
    ['[{"a":1}', 'body', /ends before/],
    ['', 'body', /empty/],
    ['"text"', 'body', /one event object or an array/],
    ['[{"a":tru}]', 'body[0]', /not valid JSON/],
  ])('%j → 400 naming %s', async (text, field, message) => {
    const r = await refusal(text);
    expect(r).toMatchObject({ code: 'invalid_input', field });
    expect(r.message).toMatch(message);
  });

  it('refuses the item past the limit, an oversized item (even inside a string) and an oversized body', async () => {
    expect(await refusal('[{},{},{},{},{},{}]')).toMatchObject({ code: 'payload_too_large', field: 'body' });
    expect(await refusal(`[{"a":"${'x'.repeat(100)}"}]`)).toMatchObject({
      code: 'payload_too_large',
      field: 'body[0]',
    });
    expect(await refusal(`{"a":"${'x'.repeat(100)}"}`)).toMatchObject({
      code: 'payload_too_large',
      field: 'body',
    });
    expect(await refusal('[{}]', { ...LIMITS, maxBytes: 3 })).toMatchObject({ code: 'payload_too_large' });
  });
});

describe('POST /access-events over a real socket', () => {
  let t: TempCore;
  let server: RunningServer;

  beforeAll(async () => {
    t = tempCore();
    writeTree(`${t.store}/d`, { 'a.bin': 10 });
    await t.core.datasets.create({ name: 'd', path_uri: t.uri('d') });
    server = await startServer(t.core, { port: 0, requestTimeoutMs: 1500 });
  });
  afterAll(async () => {
    await server.close();
    await t.cleanup();
  });

  it('a 60 MB body of 20 million empty items is refused early, in bounded time and memory, without stalling others', async () => {
    const total = 20_000_000;
    let sent = 0;
    // Generated as it is sent: the test itself never holds the 60 MB.
    async function* body(): AsyncGenerator<Buffer> {
      yield Buffer.from('[');
      const chunk = Buffer.from('{},'.repeat(20_000));
      while (sent < total) {
        sent += 20_000;
        yield chunk;
      }
      yield Buffer.from('{}]');
    }
    const url = new URL('/access-events', server.url);
    const delay = monitorEventLoopDelay({ resolution: 10 });
    const rssBefore = process.memoryUsage().rss;
    delay.enable();
    const started = performance.now();
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        url,
        { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', (e: NodeJS.ErrnoException) => {
        // The server closes the connection after answering; writes after that may fail.
        if (e.code !== 'EPIPE' && e.code !== 'ECONNRESET') reject(e);
      });
      Readable.from(body()).pipe(req);
    });
    // Another client during the upload is answered at once.
    const health = await fetch(new URL('/health', server.url));
    expect(health.status).toBe(200);
    const res = await answer;
    const elapsed = performance.now() - started;
    delay.disable();
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    console.info(
      `refused 20M-item body: ${res.status} after ${Math.round(elapsed)} ms, ${(sent * 3) / 1e6} MB sent by then, ` +
        `longest event-loop stall ${Math.round(delay.max / 1e6)} ms, RSS growth ${Math.round(rssGrowth / 2 ** 20)} MiB`,
    );
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'payload_too_large', field: 'body' });
    expect(JSON.parse(res.body).message).toMatch(/at most 200000/);
    expect(elapsed).toBeLessThan(10_000);
    expect(delay.max / 1e6).toBeLessThan(1000);
    expect(rssGrowth).toBeLessThan(300 * 2 ** 20);
    // The catalog is untouched and still answers.
    expect((await fetch(new URL('/datasets/1/usage', server.url))).status).toBe(200);
    expect(await (await fetch(new URL('/datasets/1/usage', server.url))).json()).toEqual([]);
  });

  it('a client that trickles its body forever is cut off', async () => {
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    const started = performance.now();
    const closed = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (c: Buffer) => (text += c.toString()));
      socket.on('close', () => resolve(text));
    });
    socket.write(
      `POST /access-events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n[`,
    );
    const timer = setInterval(() => socket.write(' '), 200);
    const answer = await closed;
    clearInterval(timer);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
