// Many tiny objects file → file: peak RSS, longest event-loop stall, objects/s.
// The core runs in a child process of its own, so its peak RSS (VmHWM) is the core's and
// not the benchmark's; the child also samples process.memoryUsage().rss every 100 ms and
// keeps the event-loop delay maximum per phase (scan, copying, verifying, switching), so
// a stall is attributed to the phase it happened in.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomFillSync } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pino } from 'pino';
import { createCore } from '../core/create-core.ts';

/** Bump when the layout of the generated objects changes: old caches are then ignored. */
const CACHE_VERSION = 'v1';
const FOLDERS = 1000;
export const TINY_BYTES = 16;

export interface ScaleResult {
  objects: number;
  object_bytes: number;
  /** Registering the dataset: the file driver walks and stats every object. */
  scan_ms: number;
  /** Plan → completed (copy, fsync, re-read verify, switch). */
  job_ms: number;
  objects_per_s: number;
  phases_ms: Record<string, number>;
  /** Longest event-loop delay per phase (monitorEventLoopDelay, 10 ms resolution). */
  stall_ms: Record<string, number>;
  max_stall_ms: number;
  /** VmHWM of the child process (kernel accounting) and the largest 100 ms sample. */
  peak_rss_mb: number;
  sampled_peak_rss_mb: number;
  rss_at_start_mb: number;
  heap_peak_mb: number;
  /** Load average (1/5/15 min) when the run started. */
  load?: string;
}

export function scaleCacheDir(objects: number): string {
  return join(
    process.env.DATAMOTION_BENCH_DIR ?? tmpdir(),
    `dm-bench-storage-${CACHE_VERSION}`,
    `objects-${objects}`,
  );
}

/** Generates `objects` tiny random files in 1000 folders, once; later runs reuse them. */
export function ensureTinyObjects(objects: number, log: (s: string) => void): string {
  const dir = scaleCacheDir(objects);
  const src = join(dir, 'src');
  const marker = join(dir, 'complete');
  if (existsSync(marker)) return src;
  log(`generating ${objects} objects of ${TINY_BYTES} bytes in ${FOLDERS} folders under ${src} (once)`);
  rmSync(dir, { recursive: true, force: true });
  const started = Date.now();
  const buf = Buffer.alloc(TINY_BYTES);
  for (let f = 0; f < FOLDERS; f++)
    mkdirSync(join(src, `d${String(f).padStart(4, '0')}`), { recursive: true });
  for (let i = 0; i < objects; i++) {
    const folder = `d${String(i % FOLDERS).padStart(4, '0')}`;
    writeFileSync(join(src, folder, `o${String(i).padStart(7, '0')}`), randomFillSync(buf));
    if (i > 0 && i % 100_000 === 0) log(`  ${i} objects, ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  writeFileSync(marker, `${objects}\n`);
  log(`  generated in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return src;
}

const mb = (bytes: number) => bytes / (1024 * 1024);

function vmHwmMb(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** In the child: one core, one dataset of `objects` tiny files, one move, measured. */
async function runChild(objects: number): Promise<ScaleResult> {
  const cache = scaleCacheDir(objects);
  const src = join(cache, 'src');
  const dest = join(cache, `dm-${process.pid}`);
  const dataDir = join(cache, `data-${process.pid}`);
  const rssAtStart = process.memoryUsage().rss;
  let sampledPeak = rssAtStart;
  let heapPeak = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    sampledPeak = Math.max(sampledPeak, m.rss);
    heapPeak = Math.max(heapPeak, m.heapUsed);
  }, 100);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const stall: Record<string, number> = {};
  let phase = 'scan';
  const endPhase = (next: string) => {
    stall[phase] = Math.max(stall[phase] ?? 0, loop.max / 1e6);
    loop.reset();
    phase = next;
  };
  const core = createCore({
    dataDir,
    locations: [{ id: 'scale', uri: pathToFileURL(cache).href }],
    logger: pino({ level: 'silent' }),
  });
  try {
    const t0 = performance.now();
    const ds = await core.datasets.create({ name: 'tiny', path_uri: pathToFileURL(src).href });
    const scanMs = performance.now() - t0;
    endPhase('queued');
    const t1 = performance.now();
    const jobId = await new Promise<string>((resolve, reject) => {
      // By dataset, not job id: the mover may publish 'copying' before plan() returns.
      const off = core.bus.on('job.updated', ({ job }) => {
        if (job.dataset_id !== ds.id) return;
        if (job.status !== phase) endPhase(job.status);
        if (job.status === 'completed') {
          off();
          resolve(job.job_id);
        } else if (job.status === 'failed' || job.status === 'canceled') {
          off();
          reject(new Error(job.error ?? job.status));
        }
      });
      core.jobs.plan({
        dataset_id: ds.id,
        target_location: pathToFileURL(dest).href,
        storage_class: 'standard',
        confirm: true,
      });
    });
    const jobMs = performance.now() - t1;
    endPhase('done');
    clearInterval(sampler);
    const history = core.jobs.get(jobId).history;
    const phases: Record<string, number> = {};
    for (let i = 0; i + 1 < history.length; i++) {
      const h = history[i] as { status: string; at: string };
      const n = history[i + 1] as { at: string };
      phases[h.status] = (phases[h.status] ?? 0) + (Date.parse(n.at) - Date.parse(h.at));
    }
    delete stall.done;
    return {
      objects,
      object_bytes: TINY_BYTES,
      scan_ms: scanMs,
      job_ms: jobMs,
      objects_per_s: objects / (jobMs / 1000),
      phases_ms: phases,
      stall_ms: stall,
      max_stall_ms: Math.max(...Object.values(stall)),
      peak_rss_mb: vmHwmMb(),
      sampled_peak_rss_mb: mb(sampledPeak),
      rss_at_start_mb: mb(rssAtStart),
      heap_peak_mb: mb(heapPeak),
    };
  } finally {
    clearInterval(sampler);
    loop.disable();
    await core.close();
    rmSync(dest, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * In the benchmark: generates (or reuses) the objects, then runs the move in a child
 * (`BENCH_CPU_PROF=1` writes a V8 CPU profile of it to bench/out/).
 */
export async function benchScale(objects: number, log: (s: string) => void): Promise<ScaleResult> {
  ensureTinyObjects(objects, log);
  const profile = process.env.BENCH_CPU_PROF === '1';
  const args = [
    ...process.execArgv,
    ...(profile ? ['--cpu-prof', '--cpu-prof-dir', join(import.meta.dirname, 'out')] : []),
    join(import.meta.dirname, 'storage-scale.ts'),
    '--child',
    String(objects),
  ];
  log(`moving ${objects} objects file → file in a child process${profile ? ' (CPU profile)' : ''}`);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const line = out.trim().split('\n').pop() ?? '';
  if (code !== 0 || !line.startsWith('{')) throw new Error(`scale child failed (exit ${code}): ${out}`);
  return JSON.parse(line) as ScaleResult;
}

if (process.argv[2] === '--child') {
  const result = await runChild(Number(process.argv[3]));
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else if (process.argv[2] === '--generate') {
  ensureTinyObjects(Number(process.argv[3] ?? 1_000_000), console.log);
}
