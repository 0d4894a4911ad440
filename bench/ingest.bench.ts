// Access-event ingest through the REST batch endpoint over a real socket (target
// ≥ 100k events/s), side by side with a baseline server that only parses the same
// JSON body: the ratio is what validation and aggregation cost on top of HTTP + JSON.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { mkdirSync } from 'node:fs';
import Fastify from 'fastify';
import { pino } from 'pino';
import { createCore } from '../core/create-core.ts';
import { buildServer } from '../core/api/server.ts';
import { median, printTable, ratio, tempDir, time } from './lib.ts';

const DATASETS = 1000;

function payload(n: number): string {
  const now = Date.now();
  const events = Array.from({ length: n }, (_, i) => ({
    dataset_id: (i % DATASETS) + 1,
    op: i % 5 === 0 ? 'write' : 'read',
    size_bytes: 4096 + (i % 100),
    client_lat_ms: (i % 40) + 0.5,
    ts: now - (i % 600) * 1000,
  }));
  return JSON.stringify(events);
}

async function post(url: string, body: string): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
}

export async function benchIngest(batch = 100_000, rounds = 5): Promise<void> {
  const tmp = tempDir('dm-bench-ingest-');
  const store = join(tmp.dir, 'store');
  const core = createCore({
    dataDir: join(tmp.dir, 'data'),
    locations: [{ id: 'b', uri: pathToFileURL(store).href }],
    mover: { enabled: false, concurrency: 1, objectConcurrency: 1, maxAttempts: 1 },
    logger: pino({ level: 'silent' }),
  });
  const app = await buildServer(core, {});
  const baseline = Fastify({ bodyLimit: 64 * 1024 * 1024 });
  baseline.post('/access-events', async (req) => ({ accepted: (req.body as unknown[]).length }));
  try {
    for (let i = 1; i <= DATASETS; i++) {
      mkdirSync(join(store, `ds-${i}`), { recursive: true });
      await core.datasets.create({
        name: `ds-${i}`,
        path_uri: pathToFileURL(join(store, `ds-${i}`)).href,
        size_bytes: 1,
      });
    }
    const dm = await app.listen({ host: '127.0.0.1', port: 0 });
    const base = await baseline.listen({ host: '127.0.0.1', port: 0 });
    const body = payload(batch);
    await post(`${dm}/access-events`, body); // warm-up (JIT, prepared statements)
    await post(`${base}/access-events`, body);
    const dmMs: number[] = [];
    const baseMs: number[] = [];
    for (let r = 0; r < rounds; r++) {
      baseMs.push((await time(() => post(`${base}/access-events`, body))).ms);
      dmMs.push((await time(() => post(`${dm}/access-events`, body))).ms);
    }
    const eps = (ms: number) => batch / (ms / 1000);
    printTable(
      `Ingest: ${rounds} POSTs of ${batch.toLocaleString('en')} events (${(body.length / 1e6).toFixed(1)} MB JSON)`,
      [
        { name: 'baseline: Fastify parsing the JSON only', value: eps(median(baseMs)), unit: 'events/s' },
        {
          name: 'DataMotion POST /access-events',
          value: eps(median(dmMs)),
          unit: 'events/s',
          note: `${ratio(median(baseMs), median(dmMs))} of baseline speed; ${ratio(eps(median(dmMs)), 100_000)} of the 100k/s target`,
        },
      ],
    );
    const total = core.db
      .prepare('SELECT sum(read_count) + sum(write_count) FROM access_aggregates')
      .pluck()
      .get();
    if (total !== batch * (rounds + 1))
      throw new Error(`aggregates hold ${String(total)} events, expected ${batch * (rounds + 1)}`);
  } finally {
    await app.close();
    await baseline.close();
    await core.close();
    tmp.cleanup();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await benchIngest();
