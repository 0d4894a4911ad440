// `npm run bench`: every benchmark, each printing its baseline and ratios.
import { benchIngest } from './ingest.bench.ts';
import { benchMigration } from './migration.bench.ts';
import { benchRecommend } from './recommend.bench.ts';
import { benchStorage } from './storage.bench.ts';
import { MiB } from './lib.ts';

console.log(`DataMotion benchmarks — node ${process.version}, ${new Date().toISOString()}`);
await benchIngest();
await benchRecommend();
await benchMigration(
  Number(process.env.DATAMOTION_BENCH_MB ?? 1024) * MiB,
  Number(process.env.DATAMOTION_BENCH_ROUNDS ?? 3),
);
// Emulators, ~1 GiB per leg and 1M tiny objects: the longest one, last (BENCH_OBJECTS to shorten).
await benchStorage();
