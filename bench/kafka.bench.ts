// bench:kafka — the Kafka backbone measured end to end on a real broker.
//  1. Access events from a producer process into the aggregates: events/s at full speed
//     (target ≥ 100,000/s on this 2-core machine) and produce→aggregate latency p50/p99,
//     at full speed (queueing included) and at a steady 20,000 events/s.
//  2. Scale-out: many small datasets migrated by 1, 2 and 4 `datamotion worker` processes,
//     each capped by the mover's bandwidth limit to simulate network-bound workers:
//     total MB/s per worker count (target: 4 workers ≥ 3.2× one) and jobs per worker.
// The broker: DATAMOTION_BENCH_KAFKA_BROKERS, or one started here like `npm run dev:kafka`.
// Results: printed, and saved to bench/results/kafka-<date>.json.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomBytes, randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { format } from 'prettier';
import { createCore, type Core } from '../core/create-core.ts';
import type { KafkaSettings } from '../core/bus/kafka-config.ts';
import { startKafka } from '../scripts/services/lib/kafka.ts';
import { freePort } from '../scripts/services/lib/ports.ts';
import type { RunningService } from '../scripts/services/lib/types.ts';
import { MiB, printTable, tempDir } from './lib.ts';

const REPO = join(import.meta.dirname, '..');
const EVENTS = Number(process.env.BENCH_KAFKA_EVENTS ?? 1_000_000);
const STEADY_RATE = 20_000;
const ROUNDS = Number(process.env.BENCH_KAFKA_ROUNDS ?? 3);
const STEADY_EVENTS = 200_000;
const DATASETS = 1000;
const SCALE_DATASETS = Number(process.env.BENCH_KAFKA_SCALE_DATASETS ?? 96);
const SCALE_FILE_BYTES = 512 * 1024;
const SCALE_FILES = 2;
const WORKER_CAP = 4 * MiB;
const SCALE_PARTITIONS = 32;

function percentile(sorted: Float64Array, p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** The same events kafka-producer.ts sends, as kcat input lines. */
function eventLines(count: number): string {
  const out: string[] = new Array<string>(count);
  for (let k = 0; k < count; k++) {
    const id = (k % DATASETS) + 1;
    out[k] =
      `${id}\t{"dataset_id":${id},"op":"${k % 5 ? 'read' : 'write'}","size_bytes":${4096 + (k % 100)},"client_lat_ms":${(k % 40) + 0.5}}`;
  }
  return `${out.join('\n')}\n`;
}

/** Makes a silent producer print {"ms": …} when it exits, like kafka-producer.ts does. */
function timed(p: ReturnType<typeof run>): ReturnType<typeof run> {
  const start = Date.now();
  let ms = 0;
  p.child.once('exit', () => (ms = Date.now() - start));
  return { child: p.child, out: () => `${p.out()}\n${JSON.stringify({ ms })}` };
}

function settingsFor(brokers: string, partitions: number): KafkaSettings {
  return {
    brokers: [brokers],
    clientId: 'datamotion-bench',
    topicPrefix: `bench${randomUUID().slice(0, 6)}.`,
    partitions,
    replicationFactor: 1,
    sessionTimeoutMs: 10_000,
  };
}

function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): { child: ChildProcess; out: () => string } {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { child, out: () => out };
}

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The control plane; `before` runs once it exists and before its consumers start. */
async function controlPlane(
  dir: string,
  kafka: KafkaSettings,
  mover: boolean,
  before: (core: Core) => void = () => undefined,
): Promise<Core> {
  const store = join(dir, 'store');
  mkdirSync(store, { recursive: true });
  const core = createCore({
    dataDir: join(dir, 'data'),
    locations: [
      { id: 'src', uri: pathToFileURL(join(store, 'src')).href },
      {
        id: 'dst',
        uri: pathToFileURL(join(store, 'dst')).href,
        tiers: { cold: { storage_class: 'archive', price_per_gb_month: 0.01 } },
      },
    ],
    logger: pino({ level: 'warn' }),
    kafka,
    mover: { enabled: mover, concurrency: 1, objectConcurrency: 4, maxAttempts: 3 },
  });
  before(core);
  await core.kafka?.ready();
  return core;
}

interface EventsResult {
  /** 1-minute load average when the run started (the machine is shared). */
  load_before: number;
  events: number;
  produce_s: number;
  end_to_end_s: number;
  events_per_s: number;
  latency_ms: { p50: number; p99: number; max: number };
}

/** Producer process → topic → consumer group → aggregates, timed from first send to last commit. */
type Producer = 'kafkajs' | 'kcat';

export async function eventsRun(
  brokers: string,
  count: number,
  rate: number,
  backlog = false,
  client: Producer = 'kafkajs',
): Promise<EventsResult> {
  const loadBefore = loadavg()[0] ?? 0;
  const tmp = tempDir('dm-bench-kafka-');
  const kafka = settingsFor(brokers, 4);
  const topic = `${kafka.topicPrefix}access_events`;
  // kcat (librdkafka) sends a prepared file of "key<TAB>json" lines; it prints nothing, so
  // its time is measured here from spawn to exit.
  const lines = join(tmp.dir, 'events.tsv');
  if (client === 'kcat') writeFileSync(lines, eventLines(count));
  const produce = () =>
    client === 'kcat'
      ? timed(
          run('kcat', [
            '-P',
            '-b',
            brokers,
            '-t',
            topic,
            '-K',
            '\t',
            '-z',
            'none',
            '-X',
            'linger.ms=5',
            '-l',
            lines,
          ]),
        )
      : run(process.execPath, [
          '--import',
          'tsx',
          join(REPO, 'bench', 'kafka-producer.ts'),
          brokers,
          topic,
          String(count),
          String(DATASETS),
          String(rate),
        ]);
  let early: ReturnType<typeof run> | undefined;
  if (backlog) {
    // The backlog first (topic created as the control plane would), then the consumer alone is timed.
    const admin = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: kafka.partitions }] });
    await admin.disconnect();
    early = produce();
    await new Promise((resolve) => early!.child.once('exit', resolve));
    if (early.child.exitCode !== 0) throw new Error(`producer failed: ${early.out()}`);
  }
  const latencies = new Float64Array(count);
  let seen = 0;
  let lastAt = 0;
  let firstProduced = Infinity;
  let firstBatch: { at: number; events: number } | undefined;
  const core = await controlPlane(tmp.dir, kafka, false, (c) => {
    // Before the consumer starts: a backlog's first batch is counted too.
    const now = Date.now();
    c.db.transaction(() => {
      const ins = c.db.prepare(
        `INSERT INTO datasets (name, path_uri, location_id, created_at, updated_at) VALUES (?, ?, 'src', ?, ?)`,
      );
      for (let i = 1; i <= DATASETS; i++)
        ins.run(`d${i}`, pathToFileURL(join(tmp.dir, 'store', 'src', `d${i}`)).href, now, now);
    })();
    c.kafka!.access.onApplied = (produced, at) => {
      firstBatch ??= { at, events: produced.length };
      for (const t of produced) {
        if (seen < count) latencies[seen++] = at - t;
        if (t < firstProduced) firstProduced = t;
      }
      lastAt = at;
    };
  });
  try {
    const p = early ?? produce();
    const producerDone =
      p.child.exitCode !== null
        ? Promise.resolve(p.child.exitCode)
        : new Promise<number>((resolve) => p.child.once('exit', (code) => resolve(code ?? 1)));
    await until('every event in the aggregates', () => seen >= count || p.child.exitCode === 1, 600_000);
    if ((await producerDone) !== 0) throw new Error(`producer failed: ${p.out()}`);
    const produced = JSON.parse(p.out().trim().split('\n').pop() ?? '{}') as { ms: number };
    const total = core.db
      .prepare('SELECT sum(read_count + write_count) FROM access_aggregates')
      .pluck()
      .get() as number;
    if (total !== count) throw new Error(`bench: ${total} events in the aggregates, expected ${count}`);
    const sorted = latencies.slice(0, seen).sort();
    // End to end: from the first record's produce time to the last commit. A backlog: from
    // the first committed batch to the last (the consumer alone; that first batch not counted).
    const first = firstBatch ?? { at: lastAt, events: 0 };
    const seconds = (backlog ? lastAt - first.at : lastAt - firstProduced) / 1000;
    const events = backlog ? count - first.events : count;
    return {
      load_before: loadBefore,
      events: count,
      produce_s: produced.ms / 1000,
      end_to_end_s: seconds,
      events_per_s: Math.round(events / seconds),
      latency_ms: {
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        max: sorted[sorted.length - 1] ?? NaN,
      },
    };
  } finally {
    await core.close();
    tmp.cleanup();
  }
}

interface ScaleResult {
  workers: number;
  datasets: number;
  bytes: number;
  seconds: number;
  mb_per_s: number;
  jobs_per_worker: Record<string, number>;
}

/** N worker processes share SCALE_DATASETS jobs through the movers' group. */
async function scaleRun(brokers: string, workers: number): Promise<ScaleResult> {
  const tmp = tempDir('dm-bench-kafka-scale-');
  const kafka = settingsFor(brokers, SCALE_PARTITIONS);
  const core = await controlPlane(tmp.dir, kafka, false);
  const procs: ReturnType<typeof run>[] = [];
  try {
    const ids: number[] = [];
    const buf = randomBytes(SCALE_FILE_BYTES);
    for (let d = 0; d < SCALE_DATASETS; d++) {
      const root = join(tmp.dir, 'store', 'src', `ds${d}`);
      mkdirSync(root, { recursive: true });
      for (let f = 0; f < SCALE_FILES; f++) {
        buf[0] = d;
        buf[1] = f;
        writeFileSync(join(root, `part-${f}.bin`), buf);
      }
      ids.push((await core.datasets.create({ name: `ds${d}`, path_uri: pathToFileURL(root).href })).id);
    }
    for (let w = 0; w < workers; w++) {
      procs.push(
        run(
          process.execPath,
          [
            join(REPO, 'bin', 'datamotion.mjs'),
            'worker',
            '--kafka-brokers',
            brokers,
            '--kafka-topic-prefix',
            kafka.topicPrefix,
            '--data-dir',
            join(tmp.dir, `worker-${w}`),
            '--worker-id',
            `w${w}`,
            '--concurrency',
            '1',
            '--bandwidth-bytes',
            String(WORKER_CAP),
          ],
          { ...process.env, DATAMOTION_LOG_LEVEL: 'warn', DATAMOTION_KAFKA_SESSION_TIMEOUT_MS: '10000' },
        ),
      );
    }
    await until(
      'every worker in the group',
      () => procs.every((p) => p.out().includes('consuming')),
      120_000,
    );
    // The last member's join rebalances the others; let the group settle before the clock starts.
    await new Promise((r) => setTimeout(r, 3000));
    const owner = new Map<string, string>();
    const offStatus = core.bus.on('job.updated', (e) => {
      if (e.job.status === 'copying') {
        const note = core.jobs.get(e.job.job_id).history.find((h) => h.status === 'copying')?.message ?? '';
        owner.set(e.job.job_id, note.replace('reported by ', ''));
      }
    });
    const start = Date.now();
    const jobIds = ids.map(
      (id) => core.jobs.plan({ dataset_id: id, target_location: 'dst', storage_class: 'archive' }).job_id,
    );
    await until(
      'every job completed',
      () => {
        const open = core.db
          .prepare(`SELECT count(*) FROM migration_jobs WHERE status NOT IN ('completed', 'failed')`)
          .pluck()
          .get() as number;
        return open === 0;
      },
      900_000,
    );
    const seconds = (Date.now() - start) / 1000;
    offStatus();
    const failed = core.jobs.list({ status: 'failed' });
    if (failed.length) throw new Error(`bench: ${failed.length} jobs failed: ${failed[0]?.error}`);
    const perWorker: Record<string, number> = {};
    for (const id of jobIds) {
      const w = owner.get(id) ?? 'unknown';
      perWorker[w] = (perWorker[w] ?? 0) + 1;
    }
    const bytes = SCALE_DATASETS * SCALE_FILES * SCALE_FILE_BYTES;
    return {
      workers,
      datasets: SCALE_DATASETS,
      bytes,
      seconds,
      mb_per_s: bytes / MiB / seconds,
      jobs_per_worker: perWorker,
    };
  } finally {
    for (const p of procs) p.child.kill('SIGTERM');
    await Promise.all(
      procs.map((p) => new Promise((r) => (p.child.exitCode !== null ? r(null) : p.child.once('exit', r)))),
    );
    await core.close();
    tmp.cleanup();
  }
}

export async function benchKafka(): Promise<void> {
  let broker: RunningService | undefined;
  let brokerDir: ReturnType<typeof tempDir> | undefined;
  let brokers = process.env.DATAMOTION_BENCH_KAFKA_BROKERS;
  if (!brokers) {
    brokerDir = tempDir('dm-bench-broker-');
    broker = await startKafka({
      port: await freePort(),
      dataDir: brokerDir.dir,
      wipe: true,
      output: { kind: 'file', path: join(brokerDir.dir, 'broker.log') },
      log: (line) => console.log(line),
    });
    brokers = broker.endpoint;
  }
  const started = new Date().toISOString();
  try {
    console.log(
      `bench:kafka on ${brokers} (${broker ? `Kafka ${broker.details.version} started here` : 'external broker'})`,
    );
    const full = await eventsRun(brokers, EVENTS, 0);
    // Three rounds, the median reported: the machine is shared, so one round can be unlucky.
    const kcatRuns: EventsResult[] = [];
    for (let i = 0; i < ROUNDS; i++) kcatRuns.push(await eventsRun(brokers, EVENTS, 0, false, 'kcat'));
    const fullKcat = [...kcatRuns].sort((a, b) => a.events_per_s - b.events_per_s)[Math.floor(ROUNDS / 2)]!;
    const steady = await eventsRun(brokers, STEADY_EVENTS, STEADY_RATE);
    const backlog = await eventsRun(brokers, EVENTS, 0, true);
    printTable('access events: producer process → Kafka → consumer group → aggregates', [
      { name: 'events', value: full.events, unit: '' },
      {
        name: 'end to end, kcat producer',
        value: fullKcat.events_per_s,
        unit: 'events/s',
        note: `target ≥ 100,000/s; median of ${kcatRuns.map((r) => r.events_per_s).join(', ')}`,
      },
      { name: 'latency p50, kcat, full speed', value: fullKcat.latency_ms.p50, unit: 'ms' },
      { name: 'latency p99, kcat, full speed', value: fullKcat.latency_ms.p99, unit: 'ms' },
      { name: 'end to end, kafkajs producer', value: full.events_per_s, unit: 'events/s' },
      {
        name: 'kafkajs producer alone',
        value: full.events / full.produce_s,
        unit: 'events/s',
        note: 'sharing the 2 cores with the broker and the consumer',
      },
      {
        name: 'latency p50, kafkajs, full speed',
        value: full.latency_ms.p50,
        unit: 'ms',
        note: 'includes queueing behind the backlog',
      },
      { name: 'latency p99, kafkajs, full speed', value: full.latency_ms.p99, unit: 'ms' },
      {
        name: 'consumer alone, 1M backlog',
        value: backlog.events_per_s,
        unit: 'events/s',
        note: 'the producer finished before the consumer started',
      },
      { name: `latency p50 at ${STEADY_RATE}/s`, value: steady.latency_ms.p50, unit: 'ms' },
      { name: `latency p99 at ${STEADY_RATE}/s`, value: steady.latency_ms.p99, unit: 'ms' },
    ]);
    const scale: ScaleResult[] = [];
    for (const n of [1, 2, 4]) {
      scale.push(await scaleRun(brokers, n));
      const r = scale[scale.length - 1]!;
      console.log(
        `  ${n} worker(s): ${r.mb_per_s.toFixed(2)} MiB/s in ${r.seconds.toFixed(1)} s; jobs ${JSON.stringify(r.jobs_per_worker)}`,
      );
    }
    const one = scale[0]!.mb_per_s;
    printTable(
      `scale-out: ${SCALE_DATASETS} datasets × ${(SCALE_FILES * SCALE_FILE_BYTES) / MiB} MiB, each worker capped at ${WORKER_CAP / MiB} MiB/s`,
      scale.map((r) => ({
        name: `${r.workers} worker${r.workers > 1 ? 's' : ''}`,
        value: r.mb_per_s,
        unit: 'MiB/s',
        note: `${(r.mb_per_s / one).toFixed(2)}× one; jobs per worker ${Object.values(r.jobs_per_worker)
          .sort((a, b) => b - a)
          .join('/')}${r.workers === 4 ? ' (target ≥ 3.2×)' : ''}`,
      })),
    );
    const result = {
      started,
      node: process.version,
      cpus: cpus().length,
      loadavg_after: loadavg(),
      broker: broker
        ? { started_here: true, version: broker.details.version }
        : { started_here: false, brokers },
      events: {
        full_speed_kcat: { median: fullKcat, rounds: kcatRuns },
        full_speed: full,
        steady: { rate_per_s: STEADY_RATE, ...steady },
        backlog: {
          events_per_s: backlog.events_per_s,
          end_to_end_s: backlog.end_to_end_s,
          events: backlog.events,
        },
      },
      scale_out: {
        worker_cap_bytes_per_s: WORKER_CAP,
        partitions: SCALE_PARTITIONS,
        runs: scale,
        speedup_4_vs_1: scale[2]!.mb_per_s / one,
        speedup_2_vs_1: scale[1]!.mb_per_s / one,
      },
    };
    const dir = join(import.meta.dirname, 'results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `kafka-${started.slice(0, 10)}.json`);
    writeFileSync(file, await format(JSON.stringify(result), { filepath: file }));
    console.log(`  results: ${file}`);
  } finally {
    await broker?.stop();
    brokerDir?.cleanup();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await benchKafka();
}
