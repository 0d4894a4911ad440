// Real access traces for the placement replay, written by nobody here:
//   npm run bench:traces:real            (node --import tsx bench/traces/real.ts [--out DIR])
// Both come in the sources of libCacheSim (https://github.com/1a1a11a/libCacheSim, GPL-3.0),
// fetched from PyPI (libcachesim 0.3.5 sdist, checked against its SHA-256) into .cache/ and
// converted to the replay's CSV (timestamp,key,op,size) under bench/traces/real/ (not
// committed: the data is theirs, and the download is a registry the build already uses).
//
//   cloudphysics  CloudPhysics VMware block I/O trace (cloudPhysicsIO.csv: 113,872 SCSI
//                 commands over 7,200 s; op 0x28 READ(10), 0x2a WRITE(10); lbn a 512-byte
//                 block). A dataset is a 128 MiB extent of the disk: key `lba-<lbn >> 18>/<lbn>`
//                 (153 datasets). Time in seconds from the trace's first command.
//   twitter52     Twitter in-memory cache, cluster 52 (twitter_cluster52.csv: 1,000,000 gets
//                 of 143,541 keys over 509 s; all reads). Keys carry no hierarchy: a dataset
//                 is the keys with the same id modulo 256, key `g<id mod 256>/<id>`.
//
// Both are short (two hours, eight minutes): replay them with --time-scale so they stand for
// a year, as the benchmark allows (npm run bench:placement -- --trace … --time-scale N).
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

const SDIST = {
  url: 'https://files.pythonhosted.org/packages/af/c4/45905a3f8bc84593550af94a882795e78f2f2b200f90737ff8e4bdb71d5c/libcachesim-0.3.5.tar.gz',
  file: 'libcachesim-0.3.5.tar.gz',
  sha256: 'a1512046ab45bc0e5f0a81e5673cd02209477ffeefcb17a05fa714a06371abfb',
  data: 'libcachesim-0.3.5/src/libCacheSim/data',
};
/** 2026-01-01T00:00:00Z: where a converted trace starts (the originals count from their own zero). */
const T0 = Date.UTC(2026, 0, 1);

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

async function fetchSdist(cacheDir: string): Promise<string> {
  mkdirSync(cacheDir, { recursive: true });
  const path = join(cacheDir, SDIST.file);
  if (existsSync(path) && sha256(path) === SDIST.sha256) return path;
  console.log(`fetching ${SDIST.url}`);
  const res = await fetch(SDIST.url);
  if (!res.ok) throw new Error(`fetching ${SDIST.url}: HTTP ${res.status}`);
  writeFileSync(path, Buffer.from(await res.arrayBuffer()));
  const got = sha256(path);
  if (got !== SDIST.sha256) throw new Error(`${path}: SHA-256 ${got}, expected ${SDIST.sha256}`);
  return path;
}

async function* lines(path: string): AsyncGenerator<string> {
  const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of rl) yield line;
}

/** Writes `rows` (already in time order) as a replay trace. */
function writeTrace(out: string, name: string, rows: string[]): void {
  const path = join(out, `${name}.csv.gz`);
  writeFileSync(path, gzipSync(`timestamp,key,op,size\n${rows.join('\n')}\n`, { level: 9 }));
  console.log(`${name}: ${rows.length} events → ${path}`);
}

async function cloudPhysics(src: string, out: string): Promise<void> {
  const rows: string[] = [];
  let t0 = NaN;
  for await (const line of lines(src)) {
    const [, time, op, size, lbn] = line.split(',');
    if (time === 'time' || lbn === undefined) continue; // header
    const t = Number(time);
    if (Number.isNaN(t0)) t0 = t;
    const kind = op === '28' ? 'read' : op === '2a' ? 'write' : null;
    if (!kind) throw new Error(`cloudPhysicsIO.csv: unknown op ${op} in "${line}"`);
    const block = Number(lbn);
    rows.push(`${T0 + (t - t0) * 1000},lba-${Math.floor(block / 2 ** 18)}/${block},${kind},${Number(size)}`);
  }
  writeTrace(out, 'cloudphysics', rows);
}

async function twitter(src: string, out: string): Promise<void> {
  const rows: string[] = [];
  for await (const line of lines(src)) {
    if (line.startsWith('#') || !line.trim()) continue;
    const [time, id, size] = line.split(',').map((s) => s.trim());
    if (id === undefined || size === undefined) throw new Error(`twitter_cluster52.csv: bad line "${line}"`);
    // Ids are 64-bit: the group is the id modulo 256, exactly, from its last digits.
    const group = Number(BigInt(id) % 256n);
    rows.push(`${T0 + Number(time) * 1000},g${group}/${id},read,${Number(size)}`);
  }
  writeTrace(out, 'twitter52', rows);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string', default: 'bench/traces/real' } } });
  const cache = join('.cache', 'real-traces');
  const sdist = await fetchSdist(cache);
  const files = ['cloudPhysicsIO.csv', 'twitter_cluster52.csv'].map((f) => `${SDIST.data}/${f}`);
  execFileSync('tar', ['-xzf', sdist, '-C', cache, ...files]);
  mkdirSync(values.out, { recursive: true });
  await cloudPhysics(join(cache, files[0] as string), values.out);
  await twitter(join(cache, files[1] as string), values.out);
}

await main();
