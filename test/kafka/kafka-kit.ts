// Shared pieces of the Kafka tests: settings on a fresh topic prefix (so test files share
// one broker without seeing each other's messages), waiting on conditions, reading a
// topic back, and worker processes started the way an operator starts them.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import type { KafkaSettings } from '../../core/bus/kafka-config.ts';
import type { Core } from '../../core/create-core.ts';

export const REPO = join(import.meta.dirname, '..', '..');

export function kafkaSettings(endpoint: string, over: Partial<KafkaSettings> = {}): KafkaSettings {
  return {
    brokers: [endpoint],
    clientId: 'datamotion-test',
    topicPrefix: `t${randomUUID().slice(0, 8)}.`,
    partitions: 4,
    replicationFactor: 1,
    sessionTimeoutMs: 6_000,
    ...over,
  };
}

/** Polls `check` until it returns a value other than undefined/false (state, not sleeps). */
export async function waitUntil<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function client(endpoint: string): Kafka {
  return new Kafka({ clientId: 'test-client', brokers: [endpoint], logLevel: logLevel.NOTHING });
}

/** Every message of `topic` from the beginning, read until `count` arrived or `timeoutMs` passed. */
export async function readTopic(
  endpoint: string,
  topic: string,
  done: (messages: KafkaMessage[]) => boolean,
  timeoutMs = 30_000,
): Promise<KafkaMessage[]> {
  const consumer = client(endpoint).consumer({ groupId: `reader-${randomUUID()}` });
  const got: KafkaMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read ${got.length} messages of ${topic} in ${timeoutMs} ms, not enough`)),
        timeoutMs,
      );
      void consumer.run({
        eachMessage: async ({ message }) => {
          got.push(message);
          if (done(got)) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return got;
}

export const json = <T>(m: KafkaMessage): T => JSON.parse(m.value?.toString('utf8') ?? 'null') as T;

/** Sum of the access aggregates' read and write counts of one dataset. */
export function counted(core: Core, datasetId: number): number {
  return core.db
    .prepare('SELECT coalesce(sum(read_count + write_count), 0) FROM access_aggregates WHERE dataset_id = ?')
    .pluck()
    .get(datasetId) as number;
}

export interface WorkerProcess {
  child: ChildProcess;
  id: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** `datamotion worker` as a child process, as an operator would start it on another machine. */
export function startWorker(
  settings: KafkaSettings,
  dataDir: string,
  opts: { id: string; bandwidth?: number; concurrency?: number; metricsPort?: number },
): WorkerProcess {
  const args = [
    join(REPO, 'bin', 'datamotion.mjs'),
    'worker',
    '--kafka-brokers',
    settings.brokers.join(','),
    '--kafka-topic-prefix',
    settings.topicPrefix,
    '--data-dir',
    dataDir,
    '--worker-id',
    opts.id,
    '--concurrency',
    String(opts.concurrency ?? 1),
  ];
  if (opts.bandwidth) args.push('--bandwidth-bytes', String(opts.bandwidth));
  if (opts.metricsPort !== undefined) args.push('--metrics-port', String(opts.metricsPort));
  const child = spawn(process.execPath, args, {
    env: {
      ...process.env,
      DATAMOTION_KAFKA_SESSION_TIMEOUT_MS: String(settings.sessionTimeoutMs),
      DATAMOTION_KAFKA_PARTITIONS: String(settings.partitions),
      DATAMOTION_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, id: opts.id, output: () => out, exited };
}

/** Waits until the worker printed that it consumes (it joined the group). */
export function workerReady(w: WorkerProcess, timeoutMs = 60_000): Promise<void> {
  return waitUntil(
    `worker ${w.id} to start`,
    () => {
      if (w.child.exitCode !== null) throw new Error(`worker ${w.id} exited: ${w.output()}`);
      return w.output().includes('consuming');
    },
    timeoutMs,
  ).then(() => undefined);
}
