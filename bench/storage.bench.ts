// `npm run bench:storage`: the cloud-storage issue's targets, measured.
//
// 1. ~1 GiB of mixed sizes moved file → S3 (moto) → GCS (fake-gcs-server) → file by the
//    mover (plan → completed: copy, CRC32C verification, switch), and on the same data in
//    the same run by `aws s3 cp --recursive` (S3 legs) and `rclone copy --checksum` (all
//    legs), alternating the order round by round. Target: DataMotion at least as fast as
//    the faster baseline on every leg.
// 2. 1,000,000 tiny objects file → file (BENCH_OBJECTS), and 100,000 for the slope: peak
//    RSS, longest event-loop stall, objects/s. Target: RSS < 300 MB, no stall > 100 ms.
//
// BENCH_ROUNDS (default 3), BENCH_OBJECTS (default 1000000), BENCH_PARTS=legs|scale to run
// one half, BENCH_CPU_PROF=1 for a CPU profile of the scale run (bench/out/).
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomFillSync } from 'node:crypto';
import { pino } from 'pino';
import { createCore, type Core } from '../core/create-core.ts';
import { MiB, median, tempDir, time } from './lib.ts';
import { benchScale, type ScaleResult } from './storage-scale.ts';
import {
  BUCKET,
  PART_MIB,
  awsEndpoint,
  awsEnv,
  rcloneCopy,
  rclonePurge,
  rcloneSize,
  run,
  startEmulators,
  writeRcloneConfig,
} from './storage-tools.ts';

/** The data set: a few large objects (multipart), medium ones, and many small ones. */
export const CORPUS = [
  { count: 1, bytes: 256 * MiB },
  { count: 8, bytes: 32 * MiB },
  { count: 16, bytes: 12 * MiB }, // 1.5 parts: a short last part
  { count: 64, bytes: 4 * MiB },
  { count: 1000, bytes: 64 * 1024 },
];
const CORPUS_VERSION = 'v1';
const corpusObjects = CORPUS.reduce((a, c) => a + c.count, 0);
const corpusBytes = CORPUS.reduce((a, c) => a + c.count * c.bytes, 0);

const log = (s: string) => console.log(s);
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

/** Random bytes (nothing may profit from compressible data), written once and reused. */
function ensureCorpus(): string {
  const root = join(
    process.env.DATAMOTION_BENCH_DIR ?? tmpdir(),
    `dm-bench-storage-${CORPUS_VERSION}`,
    'corpus',
  );
  const data = join(root, 'data');
  if (existsSync(join(root, 'complete'))) return root;
  log(`generating the corpus under ${data} (once)`);
  rmSync(root, { recursive: true, force: true });
  let i = 0;
  for (const { count, bytes } of CORPUS) {
    const dir = join(data, `size-${bytes}`);
    mkdirSync(dir, { recursive: true });
    const buf = Buffer.allocUnsafe(bytes);
    for (let n = 0; n < count; n++)
      writeFileSync(join(dir, `obj-${String(i++).padStart(5, '0')}.bin`), randomFillSync(buf));
  }
  writeFileSync(join(root, 'complete'), `${corpusObjects} ${corpusBytes}\n`);
  return root;
}

interface Sample {
  tool: string;
  round: number;
  ms: number;
  load: string;
  phases_ms?: Record<string, number>;
}

/** Plans the move and waits for completed: the time includes verification and the switch. */
async function moveWithMover(
  core: Core,
  datasetId: number,
  target: string,
): Promise<{ ms: number; phases: Record<string, number> }> {
  let jobId = '';
  const { ms } = await time(
    () =>
      new Promise<void>((resolve, reject) => {
        const off = core.bus.on('job.updated', ({ job }) => {
          if (job.dataset_id !== datasetId) return;
          if (job.status === 'completed') {
            off();
            jobId = job.job_id;
            resolve();
          } else if (job.status === 'failed' || job.status === 'canceled') {
            off();
            reject(new Error(`DataMotion job ${job.job_id}: ${job.error ?? job.status}`));
          }
        });
        core.jobs.plan({
          dataset_id: datasetId,
          target_location: target,
          storage_class: storageClassOf(target),
          confirm: true,
        });
      }),
  );
  const history = core.jobs.get(jobId).history;
  const phases: Record<string, number> = {};
  for (let i = 0; i + 1 < history.length; i++) {
    const h = history[i] as { status: string; at: string };
    phases[h.status] =
      (phases[h.status] ?? 0) + Date.parse((history[i + 1] as { at: string }).at) - Date.parse(h.at);
  }
  const ds = core.datasets.get(datasetId);
  if (ds.object_count !== corpusObjects || ds.size_bytes !== corpusBytes)
    throw new Error(
      `DataMotion moved ${ds.object_count} objects / ${ds.size_bytes} bytes, expected ${corpusObjects} / ${corpusBytes}`,
    );
  return { ms, phases };
}

const storageClassOf = (uri: string) => (uri.startsWith('file:') ? 'standard' : 'STANDARD');

interface LegResult {
  leg: string;
  samples: Sample[];
}

async function benchLegs(rounds: number): Promise<LegResult[]> {
  const corpus = ensureCorpus();
  const tmp = tempDir('dm-bench-storage-');
  const store = join(tmp.dir, 'store');
  mkdirSync(store, { recursive: true });
  log(`starting the emulators (moto, fake-gcs-server) — load ${load()}`);
  const emu = await startEmulators(tmp.dir, log);
  const rc = writeRcloneConfig(tmp.dir, emu);
  const aws = awsEnv(emu, tmp.dir);
  // The S3 location takes the SDK's default credential chain: the emulator's keys.
  process.env.AWS_ACCESS_KEY_ID = aws.AWS_ACCESS_KEY_ID;
  process.env.AWS_SECRET_ACCESS_KEY = aws.AWS_SECRET_ACCESS_KEY;
  const core = createCore({
    dataDir: join(tmp.dir, 'core'),
    locations: [
      { id: 'corpus', uri: pathToFileURL(corpus).href },
      { id: 'work', uri: pathToFileURL(store).href },
      { id: 'moto', uri: `s3://${BUCKET}`, endpoint: emu.s3.endpoint, region: 'us-east-1' },
      { id: 'fake-gcs', uri: `gs://${BUCKET}`, endpoint: emu.gcs.endpoint, project: 'dm-bench' },
    ],
    storage: { multipartThresholdBytes: PART_MIB * MiB, partSizeBytes: PART_MIB * MiB },
    logger: pino({ level: 'silent' }),
  });
  const legs: LegResult[] = [
    { leg: 'file → S3', samples: [] },
    { leg: 'S3 → GCS', samples: [] },
    { leg: 'GCS → file', samples: [] },
  ];
  const checked = async (path: string) => {
    const s = await rcloneSize(rc, path);
    if (s.count !== corpusObjects || s.bytes !== corpusBytes)
      throw new Error(
        `${path} holds ${s.count} objects / ${s.bytes} bytes, expected ${corpusObjects} / ${corpusBytes}`,
      );
  };
  try {
    const ds = await core.datasets.create({
      name: 'corpus',
      path_uri: pathToFileURL(join(corpus, 'data')).href,
    });
    let current = join(corpus, 'data');
    for (let round = 0; round < rounds; round++) {
      const r = `r${round}`;
      type Step = {
        tool: string;
        go: () => Promise<Record<string, number> | void>;
        after?: () => Promise<void>;
      };
      const runLeg = async (leg: LegResult, steps: Step[]) => {
        // Alternate the order round by round, so drift and caches do not favour one tool.
        const ordered = round % 2 === 0 ? steps : [...steps].reverse();
        for (const s of ordered) {
          const l = load();
          const { ms, result } = await time(s.go);
          await s.after?.();
          leg.samples.push({ tool: s.tool, round, ms, load: l, ...(result ? { phases_ms: result } : {}) });
          log(
            `  ${leg.leg} round ${round} ${s.tool}: ${(ms / 1000).toFixed(2)} s (${(corpusBytes / MiB / (ms / 1000)).toFixed(0)} MiB/s), load ${l}`,
          );
        }
      };
      const dmStep = (target: string): Step => ({
        tool: 'DataMotion',
        go: async () => (await moveWithMover(core, ds.id, target)).phases,
      });
      const baseline = (
        tool: string,
        cmd: [string, string[]],
        check: string,
        env?: NodeJS.ProcessEnv,
      ): Step => ({
        tool,
        go: async () => void (await run(cmd[0], cmd[1], env)),
        after: async () => {
          await checked(check);
          await rclonePurge(rc, check);
        },
      });
      const file0 = current;
      // Leg 1: file → S3.
      await runLeg(legs[0] as LegResult, [
        dmStep(`s3://${BUCKET}/dm-${r}`),
        baseline(
          'aws s3 cp --recursive',
          [
            'aws',
            [
              ...awsEndpoint(emu),
              's3',
              'cp',
              '--recursive',
              '--only-show-errors',
              file0,
              `s3://${BUCKET}/aws-${r}/`,
            ],
          ],
          `moto:${BUCKET}/aws-${r}`,
          aws,
        ),
        baseline(
          'rclone copy --checksum',
          rcloneCopy(rc, file0, `moto:${BUCKET}/rc-${r}`),
          `moto:${BUCKET}/rc-${r}`,
        ),
      ]);
      // Leg 2: S3 → GCS, everyone reading the mover's S3 copy. The aws CLI cannot write to GCS.
      await runLeg(legs[1] as LegResult, [
        dmStep(`gs://${BUCKET}/dm-${r}`),
        baseline(
          'rclone copy --checksum',
          rcloneCopy(rc, `moto:${BUCKET}/dm-${r}`, `gcs:${BUCKET}/rc-${r}`),
          `gcs:${BUCKET}/rc-${r}`,
        ),
      ]);
      await rclonePurge(rc, `moto:${BUCKET}/dm-${r}`);
      // Leg 3: GCS → file. The mover fsyncs every file; rclone does not: a second rclone
      // run pays for durability with sync(1) for the like-for-like figure.
      const rcDir = join(tmp.dir, `rc-${r}`);
      await runLeg(legs[2] as LegResult, [
        dmStep(pathToFileURL(join(store, `dm-${r}`)).href),
        baseline('rclone copy --checksum', rcloneCopy(rc, `gcs:${BUCKET}/dm-${r}`, rcDir), rcDir),
        {
          tool: 'rclone copy --checksum + sync',
          go: async () => {
            await run(...rcloneCopy(rc, `gcs:${BUCKET}/dm-${r}`, rcDir));
            await run('sync', []);
          },
          after: async () => {
            await checked(rcDir);
            rmSync(rcDir, { recursive: true, force: true });
          },
        },
      ]);
      await rclonePurge(rc, `gcs:${BUCKET}/dm-${r}`);
      if (file0 !== join(corpus, 'data')) rmSync(file0, { recursive: true, force: true });
      current = join(store, `dm-${r}`);
    }
    return legs;
  } finally {
    await core.close();
    await emu.stop();
    tmp.cleanup();
  }
}

interface LegSummary {
  leg: string;
  tool: string;
  s: { min: number; median: number; max: number };
  mib_s: number;
  /** DataMotion's throughput over this tool's, from the medians; >1: DataMotion faster. */
  ratio?: number;
  ratio_range?: [number, number];
  phases_ms?: Record<string, number>;
}

function summarize(legs: LegResult[]): LegSummary[] {
  const out: LegSummary[] = [];
  for (const { leg, samples } of legs) {
    const tools = [...new Set(samples.map((s) => s.tool))];
    const dm = samples.filter((s) => s.tool === 'DataMotion');
    for (const tool of tools) {
      const mine = samples.filter((s) => s.tool === tool);
      const ms = mine.map((s) => s.ms);
      const row: LegSummary = {
        leg,
        tool,
        s: { min: Math.min(...ms) / 1000, median: median(ms) / 1000, max: Math.max(...ms) / 1000 },
        mib_s: corpusBytes / MiB / (median(ms) / 1000),
      };
      if (tool === 'DataMotion') {
        const keys = [...new Set(mine.flatMap((s) => Object.keys(s.phases_ms ?? {})))];
        row.phases_ms = Object.fromEntries(
          keys.map((k) => [k, median(mine.map((s) => s.phases_ms?.[k] ?? 0))]),
        );
      } else {
        row.ratio = median(ms) / median(dm.map((s) => s.ms));
        // Round by round: each baseline run against the mover's run of the same round.
        const pairs = mine.map((s) => s.ms / (dm.find((d) => d.round === s.round)?.ms ?? NaN));
        row.ratio_range = [Math.min(...pairs), Math.max(...pairs)];
      }
      out.push(row);
    }
  }
  return out;
}

function printLegs(rows: LegSummary[], rounds: number): void {
  console.log(
    `\n## Transfers: ${(corpusBytes / MiB).toFixed(0)} MiB in ${corpusObjects} objects, ${rounds} rounds (${PART_MIB} MiB parts)`,
  );
  console.log(
    '  leg          tool                           min / median / max s    MiB/s   DataMotion/tool (per round)',
  );
  for (const r of rows) {
    const s = `${r.s.min.toFixed(2)} / ${r.s.median.toFixed(2)} / ${r.s.max.toFixed(2)}`;
    const ratio =
      r.ratio === undefined
        ? ''
        : `${r.ratio.toFixed(2)}x (${r.ratio_range?.map((x) => x.toFixed(2)).join('–')})`;
    const phases = r.phases_ms
      ? `  phases: ${Object.entries(r.phases_ms)
          .filter(([, v]) => v >= 5)
          .map(([k, v]) => `${k} ${(v / 1000).toFixed(2)} s`)
          .join(', ')}`
      : '';
    console.log(
      `  ${r.leg.padEnd(12)} ${r.tool.padEnd(30)} ${s.padStart(22)} ${r.mib_s.toFixed(0).padStart(8)}   ${ratio}${phases}`,
    );
  }
  for (const leg of [...new Set(rows.map((r) => r.leg))]) {
    const best = rows.filter((r) => r.leg === leg && r.ratio !== undefined && !r.tool.includes('sync'));
    const worst = Math.min(...best.map((r) => r.ratio as number));
    console.log(
      `  target ${leg}: DataMotion ≥ the faster baseline: ${worst >= 1 ? 'met' : 'NOT met'} (${worst.toFixed(2)}x)`,
    );
  }
}

function printScale(rows: ScaleResult[]): void {
  console.log('\n## Tiny objects file → file (16 B each, 1000 folders), core in a child process');
  console.log('  objects     scan s   job s   objects/s   peak RSS MB (VmHWM)   longest stall ms (phase)');
  for (const r of rows) {
    const [phase, worst] = Object.entries(r.stall_ms).sort((a, b) => b[1] - a[1])[0] ?? ['', 0];
    console.log(
      `  ${String(r.objects).padStart(8)} ${(r.scan_ms / 1000).toFixed(1).padStart(8)} ${(r.job_ms / 1000).toFixed(1).padStart(7)} ${r.objects_per_s.toFixed(0).padStart(11)} ${r.peak_rss_mb.toFixed(0).padStart(21)}   ${worst.toFixed(0)} (${phase})`,
    );
    console.log(
      `           phases: ${Object.entries(r.phases_ms)
        .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`)
        .join(', ')}; stalls: ${Object.entries(r.stall_ms)
        .map(([k, v]) => `${k} ${v.toFixed(0)}`)
        .join(
          ', ',
        )} ms; at start ${r.rss_at_start_mb.toFixed(0)} MB, heap peak ${r.heap_peak_mb.toFixed(0)} MB`,
    );
    console.log(
      `           target: RSS < 300 MB ${r.peak_rss_mb < 300 ? 'met' : 'NOT met'}; no stall > 100 ms ${r.max_stall_ms <= 100 ? 'met' : 'NOT met'}`,
    );
  }
}

export async function benchStorage(): Promise<void> {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const objects = Number(process.env.BENCH_OBJECTS ?? 1_000_000);
  const parts = process.env.BENCH_PARTS ?? 'legs,scale';
  const started = new Date();
  const loads: { at: string; load: string }[] = [{ at: started.toISOString(), load: load() }];
  log(`storage benchmark — node ${process.version}, ${cpus().length} CPUs, load ${load()}`);
  const legs = parts.includes('legs') ? summarize(await benchLegs(rounds)) : [];
  loads.push({ at: new Date().toISOString(), load: load() });
  const scale: ScaleResult[] = [];
  if (parts.includes('scale')) {
    for (const n of [...new Set([Math.min(100_000, objects), objects])]) {
      const l = load();
      scale.push({ ...(await benchScale(n, log)), load: l });
      loads.push({ at: new Date().toISOString(), load: load() });
    }
  }
  if (legs.length) printLegs(legs, rounds);
  if (scale.length) printScale(scale);
  console.log(`\n  load average (1/5/15 min) over the run: ${loads.map((l) => l.load).join(' → ')}`);
  const dir = join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `storage-${started.toISOString().slice(0, 10)}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ started: started.toISOString(), node: process.version, cpus: cpus().length, corpus: { objects: corpusObjects, bytes: corpusBytes, sizes: CORPUS }, part_mib: PART_MIB, rounds, loads, legs, scale }, null, 2)}\n`,
  );
  console.log(`  results: ${file}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await benchStorage();
