// Synthetic access traces for the placement replay (npm run bench:placement):
//   node --import tsx bench/traces/generate.ts [--out DIR] [--days N] [--datasets N] [--seed N]
// writes <pattern>.csv.gz (timestamp,key,op,size) and <pattern>.sizes.csv
// (dataset,size_bytes,latency_slo_ms) for each pattern, and mixed.* with all of them.
// Deterministic: the same seed writes the same bytes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

export const PATTERNS = ['diurnal', 'bursty', 'decaying', 'periodic', 'write_heavy'] as const;
export type Pattern = (typeof PATTERNS)[number];

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** 2026-01-01T00:00:00Z: a Thursday. */
const T0 = Date.UTC(2026, 0, 1);

/** mulberry32: small, fast, and the same numbers on every platform. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Ev {
  t: number;
  key: string;
  op: 'read' | 'write';
  size: number;
}

export interface GeneratedDataset {
  name: string;
  events: Ev[];
  size_bytes: number;
  slo_ms: number | null;
}

/** One dataset of a pattern over `days` days. */
function dataset(pattern: Pattern, i: number, days: number, rand: () => number): GeneratedDataset {
  const name = `${pattern}-${String(i).padStart(3, '0')}`;
  const objects = 1 + Math.floor(rand() * 40);
  const objSize = 2 ** (12 + Math.floor(rand() * 9)); // 4 KiB .. 1 MiB in the trace
  const events: Ev[] = [];
  const end = T0 + days * DAY;
  const ev = (t: number, op: 'read' | 'write') => {
    if (t >= T0 && t < end) {
      events.push({
        t: Math.floor(t),
        key: `${name}/part-${Math.floor(rand() * objects)}`,
        op,
        size: objSize,
      });
    }
  };
  const exp = (mean: number) => -Math.log(1 - rand()) * mean;
  switch (pattern) {
    case 'diurnal': {
      // Reads all day long, mostly in working hours, fewer at weekends.
      const perDay = 2 + rand() * 10;
      for (let d = 0; d < days; d++) {
        const weekend = (d + 4) % 7 >= 5;
        const n = Math.round(perDay * (weekend ? 0.3 : 1) * (0.7 + rand() * 0.6));
        for (let k = 0; k < n; k++) {
          const hour = 8 + 10 * Math.sin((rand() * Math.PI) / 2) ** 2;
          ev(T0 + d * DAY + hour * HOUR + rand() * HOUR, rand() < 0.9 ? 'read' : 'write');
        }
      }
      break;
    }
    case 'bursty': {
      // Bursts of one to three days of heavy use, then idle for weeks to months.
      const meanGap = (20 + rand() * 100) * DAY;
      let t = T0 + rand() * 30 * DAY;
      while (t < end) {
        const len = (1 + rand() * 2) * DAY;
        const n = 20 + Math.floor(rand() * 200);
        for (let k = 0; k < n; k++) ev(t + rand() * len, rand() < 0.85 ? 'read' : 'write');
        t += len + exp(meanGap);
      }
      break;
    }
    case 'decaying': {
      // Created, used heavily, then less and less: half-life of 3 to 20 days.
      const start = T0 + rand() * (days / 3) * DAY;
      const half = (3 + rand() * 17) * DAY;
      const rate0 = 10 + rand() * 40; // per day
      for (let t = start; t < end; t += DAY) {
        const rate = rate0 * 0.5 ** ((t - start) / half);
        const n = Math.floor(rate + rand());
        for (let k = 0; k < n; k++) ev(t + rand() * DAY, t === start && k < objects ? 'write' : 'read');
      }
      break;
    }
    case 'periodic': {
      // A batch job reads the whole dataset every period (daily, weekly or monthly) for an hour.
      const periods = [DAY, 7 * DAY, 30 * DAY];
      const period = periods[Math.floor(rand() * periods.length)] as number;
      const phase = rand() * period;
      for (let t = T0 + phase; t < end; t += period) {
        for (let k = 0; k < objects; k++) ev(t + rand() * HOUR, 'read');
        if (rand() < 0.2) ev(t + HOUR, 'write');
      }
      break;
    }
    case 'write_heavy': {
      // Ingest: writes every few hours all year, an occasional read back.
      const every = (1 + rand() * 6) * HOUR;
      for (let t = T0 + rand() * every; t < end; t += exp(every)) {
        ev(t, rand() < 0.97 ? 'write' : 'read');
      }
      break;
    }
  }
  events.sort((a, b) => a.t - b.t);
  // The large case: 10 GiB .. 2 TiB stored, one dataset in ten with a 50 ms latency SLO.
  const size_bytes = Math.round(2 ** (33 + rand() * 8));
  return { name, events, size_bytes, slo_ms: rand() < 0.1 ? 50 : null };
}

export function generate(pattern: Pattern, n: number, days: number, seed: number): GeneratedDataset[] {
  const rand = rng(seed + PATTERNS.indexOf(pattern) * 7919);
  return Array.from({ length: n }, (_, i) => dataset(pattern, i, days, rand));
}

export function toCsv(datasets: GeneratedDataset[]): { trace: string; sizes: string } {
  const events = datasets.flatMap((d) => d.events).sort((a, b) => a.t - b.t || (a.key < b.key ? -1 : 1));
  const trace = ['timestamp,key,op,size', ...events.map((e) => `${e.t},${e.key},${e.op},${e.size}`)].join(
    '\n',
  );
  const sizes = [
    'dataset,size_bytes,latency_slo_ms',
    ...datasets.map((d) => `${d.name},${d.size_bytes},${d.slo_ms ?? ''}`),
  ].join('\n');
  return { trace: `${trace}\n`, sizes: `${sizes}\n` };
}

function main(): void {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: 'bench/traces/synthetic' },
      days: { type: 'string', default: '365' },
      datasets: { type: 'string', default: '40' },
      seed: { type: 'string', default: '11' },
    },
  });
  const days = Number(values.days);
  const n = Number(values.datasets);
  const seed = Number(values.seed);
  mkdirSync(values.out, { recursive: true });
  const all: GeneratedDataset[] = [];
  for (const p of PATTERNS) {
    const ds = generate(p, n, days, seed);
    all.push(...ds);
    write(values.out, p, ds);
  }
  write(values.out, 'mixed', all);
}

function write(dir: string, name: string, ds: GeneratedDataset[]): void {
  const { trace, sizes } = toCsv(ds);
  // mtime 0 in the gzip header: the same trace gives the same bytes.
  writeFileSync(join(dir, `${name}.csv.gz`), gzipSync(trace, { level: 9 }));
  writeFileSync(join(dir, `${name}.sizes.csv`), sizes);
  const events = ds.reduce((s, d) => s + d.events.length, 0);
  console.log(`${name}: ${ds.length} datasets, ${events} events → ${join(dir, `${name}.csv.gz`)}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
