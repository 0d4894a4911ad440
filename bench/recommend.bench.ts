// Recommendations for 100k datasets (target < 1 s), against a baseline that only
// reads the same rows: the ratio shows what the rules and the store cost on top.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { createCore } from '../core/create-core.ts';
import { median, printTable, ratio, tempDir, time } from './lib.ts';

export async function benchRecommend(n = 100_000): Promise<void> {
  const tmp = tempDir('dm-bench-rec-');
  const core = createCore({
    dataDir: join(tmp.dir, 'data'),
    locations: [{ id: 'b', uri: pathToFileURL(join(tmp.dir, 'store')).href }],
    mover: { enabled: false, concurrency: 1, objectConcurrency: 1, maxAttempts: 1 },
    logger: pino({ level: 'silent' }),
  });
  try {
    const now = Date.now();
    const root = core.locations.get('b').uri;
    // Seed straight into SQLite: the catalog's folder scan is not what is measured here.
    core.db.transaction(() => {
      const ins = core.db.prepare(
        `INSERT INTO datasets (name, path_uri, location_id, current_tier, size_bytes, last_access_ts, latency_slo_ms, created_at, updated_at)
         VALUES (?, ?, 'b', ?, ?, ?, ?, ?, ?)`,
      );
      const agg = core.db.prepare(
        `INSERT INTO access_aggregates (dataset_id, bucket_start, read_count, write_count, last_access_ts) VALUES (?, ?, ?, ?, ?)`,
      );
      for (let i = 1; i <= n; i++) {
        const age = (i * 7919) % 3600;
        const last = i % 10 === 0 ? null : now - age * 1000;
        ins.run(
          `ds-${i}`,
          `${root}/ds-${i}`,
          ['hot', 'warm', 'cold'][i % 3],
          i * 1000,
          last,
          i % 20 === 0 ? 50 : null,
          now,
          now,
        );
        if (last !== null) agg.run(i, Math.floor(last / 60_000) * 60, i % 17, i % 5, last);
      }
    })();
    core.placement.createPolicy({ name: 'pin-1', kind: 'pin', dataset_id: 1, params: { tier: 'hot' } });

    const baseline = await time(() =>
      core.db.prepare('SELECT id, current_tier, last_access_ts, latency_slo_ms FROM datasets').all(),
    );
    const first = await time(() => core.placement.recommend({ now }));
    const again: number[] = [];
    for (let i = 0; i < 3; i++) again.push((await time(() => core.placement.recommend({ now }))).ms);
    const changed = await time(() => core.placement.recommend({ now: now + 3_600_000 }));
    printTable(`Recommendations for ${n.toLocaleString('en')} datasets`, [
      { name: 'baseline: SELECT the rows only', value: baseline.ms, unit: 'ms' },
      {
        name: 'first run (stores every decision)',
        value: first.ms,
        unit: 'ms',
        note: `${ratio(first.ms, baseline.ms)} baseline, target < 1000 ms`,
      },
      {
        name: 'unchanged decisions (median of 3)',
        value: median(again),
        unit: 'ms',
        note: `${ratio(median(again), baseline.ms)} baseline`,
      },
      {
        name: 'an hour later (most decisions change)',
        value: changed.ms,
        unit: 'ms',
        note: `${ratio(changed.ms, baseline.ms)} baseline`,
      },
    ]);
    if (first.result.length !== n)
      throw new Error(`expected ${n} recommendations, got ${first.result.length}`);
  } finally {
    await core.close();
    tmp.cleanup();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await benchRecommend();
